//! What diagnostics cost per task: 1,000,000 one-element blocks, `+ 1.0`, on two threads,
//! computed plainly, with `compute_profiled` and with a progress bar, interleaved, 9 times
//! each; prints the medians. (The criterion bench `overhead` measures the same variants one
//! after the other, which this machine's drift can bias.)
//!
//! `cargo run --release --example diag_overhead`

use std::time::Instant;

use chunkwise::{Array, Scheduler};

fn main() -> chunkwise::Result<()> {
    let pool = Scheduler::threads(2);
    let progress = pool.with_progress();
    let data = ndarray::Array1::<f64>::zeros(1_000_000);
    let mut times = [Vec::new(), Vec::new(), Vec::new()];
    for _ in 0..9 {
        for (k, t) in times.iter_mut().enumerate() {
            let x = Array::from_ndarray(data.clone(), [1])?;
            let y = &x + 1.0;
            let start = Instant::now();
            match k {
                0 => drop(std::hint::black_box(y.compute_with(&pool)?)),
                1 => drop(std::hint::black_box(y.compute_profiled(&pool)?)),
                _ => drop(std::hint::black_box(y.compute_with(&progress)?)),
            }
            t.push(start.elapsed().as_secs_f64() * 1e3);
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let [plain, profiled, bar] = times.each_mut().map(median);
    println!(
        "median of 9: plain {plain:.1} ms, compute_profiled {profiled:.1} ms ({:+.0}%), with_progress {bar:.1} ms ({:+.0}%)",
        (profiled / plain - 1.0) * 100.0,
        (bar / plain - 1.0) * 100.0
    );
    Ok(())
}
