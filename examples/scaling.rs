//! Strong scaling of the two foundation workloads over 1, 2, 4, ... threads, each beside a
//! hand-written rayon version on the same number of threads.
//!
//! - overhead: 1,000,000 one-element blocks, `+ 1.0`, graph building included (µs per block);
//! - elementwise: `sqrt(x*x + 1)` over 50,000,000 f64 in blocks of 1,000,000.
//!
//! `cargo run --release --example scaling -- 16` (the largest thread count; default: the cores).

use std::hint::black_box;
use std::time::Instant;

use chunkwise::{Array, Scheduler};
use ndarray::{Array1, Zip};

fn best_of<R>(reps: usize, mut f: impl FnMut() -> R) -> f64 {
    (0..reps)
        .map(|_| {
            let t = Instant::now();
            black_box(f());
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() -> chunkwise::Result<()> {
    let max: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let small = Array1::<f64>::zeros(1_000_000);
    let data = Array1::from_shape_fn(50_000_000, |i| (i % 1000) as f64 * 1e-3);
    let x = Array::from_ndarray(data.clone(), [1_000_000])?;
    let closure = x.map(|v| (v * v + 1.0).sqrt());
    let chain = (&x * &x + 1.0).map(f64::sqrt);
    println!(
        "{:>7} | {:>14} {:>13} | {:>13} {:>13} {:>13} {:>9}",
        "threads",
        "overhead µs/blk",
        "rayon spawn µs",
        "map ms",
        "chain ms",
        "rayon ms",
        "map/rayon"
    );
    let mut threads = 1;
    while threads <= max {
        let pool = Scheduler::threads(threads);
        let rp = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let overhead = best_of(3, || {
            let a = Array::from_ndarray(small.clone(), [1]).unwrap();
            (&a + 1.0).compute_with(&pool).unwrap()
        }); // seconds for 1e6 blocks = µs per block
        let spawn = best_of(3, || {
            rp.scope(|s| {
                for i in 0..1_000_000 {
                    s.spawn(move |_| {
                        black_box(i);
                    });
                }
            })
        });
        let map = best_of(5, || closure.compute_with(&pool).unwrap());
        let ch = best_of(5, || chain.compute_with(&pool).unwrap());
        let r = best_of(5, || {
            rp.install(|| Zip::from(&data).par_map_collect(|&v| (v * v + 1.0).sqrt()))
        });
        println!(
            "{threads:>7} | {overhead:>14.3} {:>13.3} | {:>13.1} {:>13.1} {:>13.1} {:>9.2}",
            spawn,
            map * 1e3,
            ch * 1e3,
            r * 1e3,
            r / map
        );
        threads *= 2;
    }
    Ok(())
}
