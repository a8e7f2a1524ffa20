//! Rechunks an 8192 x 8192 f64 array (512 MiB) from column blocks (8192 x 64) to row blocks
//! (64 x 8192) on two threads, and prints the time, the number of tasks and the peak resident
//! memory above the input (VmHWM).
//!
//! Every row block needs a piece of every column block, so the rechunk goes through square
//! intermediate blocks (see `Array::rechunk`): no task gathers more than 32 blocks.
//!
//! `cargo run --release --example rechunk` (planned), `... --example rechunk -- direct` (one step,
//! every row block gathering all 128 column blocks).

use std::time::Instant;

use chunkwise::{Array, Scheduler};

fn rss_mib(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() -> chunkwise::Result<()> {
    let n = 8192;
    let direct = std::env::args().nth(1).as_deref() == Some("direct");
    let a = ndarray::Array2::from_shape_fn((n, n), |(i, j)| (i * n + j) as f64);
    let x = Array::from_ndarray(a, [n, 64])?;
    let fan_in = if direct { usize::MAX } else { 32 };
    let y = x.rechunk_with_fan_in([64, n], fan_in)?;
    let before = rss_mib("VmRSS:");
    let scheduler = Scheduler::threads(2);
    let t = Instant::now();
    let out = y.compute_with(&scheduler)?;
    let secs = t.elapsed().as_secs_f64();
    let peak = rss_mib("VmHWM:");
    assert_eq!(out[[8191, 5]], (8191 * n + 5) as f64);
    let mib = (n * n * 8) as f64 / (1 << 20) as f64;
    println!(
        "rechunk {n}x{n} f64 (8192x64) -> (64x8192), {}: {:.0} ms, {} tasks",
        if direct {
            "direct"
        } else {
            "planned (fan-in <= 32)"
        },
        secs * 1e3,
        y.num_tasks(),
    );
    println!(
        "peak RSS {peak:.0} MiB: input {before:.0} MiB + output {mib:.0} MiB + {:.0} MiB of blocks in flight",
        peak - before - mib
    );
    Ok(())
}
