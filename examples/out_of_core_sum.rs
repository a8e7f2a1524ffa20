//! Sums 2,000,000,000 random f64 (16 GB, never in memory at once) in blocks of 1,000,000 on
//! two threads, uniform ones and then normal ones, and prints time, throughput and peak
//! resident memory (VmHWM) after each.
//!
//! Each block is generated inside the task that reduces it, partial sums are combined in a tree
//! as soon as they are ready, and every block is freed right after it is summed: memory stays
//! at a few blocks per thread, whatever the array's size.
//!
//! It then measures memory bandwidth with a STREAM-like triad in the same run, for scale (the
//! triad's arrays raise the peak RSS printed after it, not the one printed for the sum).
//!
//! `cargo run --release --example out_of_core_sum` (optional argument: number of elements)

use std::time::Instant;

use chunkwise::{Array, Scheduler};

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// STREAM-like triad `a = b + s * c` over three 128 MiB arrays on `threads` threads: memory
/// bandwidth in GB/s (24 bytes moved per element), best of 5.
fn triad_gbs(threads: usize) -> f64 {
    use rayon::prelude::*;
    let n = 16 << 20;
    let b = vec![1.0f64; n];
    let c = vec![2.0f64; n];
    let mut a = vec![0.0f64; n];
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a pool");
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let start = Instant::now();
        pool.install(|| {
            a.par_chunks_mut(1 << 16)
                .zip(b.par_chunks(1 << 16).zip(c.par_chunks(1 << 16)))
                .for_each(|(a, (b, c))| {
                    for ((x, y), z) in a.iter_mut().zip(b).zip(c) {
                        *x = y + 3.0 * z;
                    }
                })
        });
        best = best.min(start.elapsed().as_secs_f64());
    }
    std::hint::black_box(&a);
    (24 * n) as f64 / best / 1e9
}

fn main() -> chunkwise::Result<()> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(2_000_000_000);
    let pool = Scheduler::threads(2);
    let start = Instant::now();
    let x = Array::<f64>::random(&[n], [1_000_000], 7)?;
    let total = x.sum();
    let tasks = total.num_tasks();
    let sum = total
        .compute_with(&pool)?
        .into_iter()
        .next()
        .unwrap_or_default();
    let secs = start.elapsed().as_secs_f64();
    let gb = (n * 8) as f64 / 1e9;
    println!(
        "sum of {n} uniform [0, 1) f64 ({gb:.1} GB) on 2 threads: {sum:.6e} (expected {:.6e})",
        n as f64 / 2.0
    );
    println!(
        "{tasks} tasks; {secs:.2} s; {:.2} GB/s; peak RSS {:.0} MiB",
        gb / secs,
        peak_rss_mib()
    );
    let start = Instant::now();
    let x = chunkwise::random::default_rng(7).standard_normal(&[n], [1_000_000])?;
    let sum = x
        .sum()
        .compute_with(&pool)?
        .into_iter()
        .next()
        .unwrap_or_default();
    let secs = start.elapsed().as_secs_f64();
    println!(
        "sum of {n} standard normal f64 ({gb:.1} GB) on 2 threads: {sum:.1} (expected 0 +- {:.0}); \
         {secs:.2} s; {:.2} GB/s; peak RSS {:.0} MiB",
        (n as f64).sqrt(),
        gb / secs,
        peak_rss_mib()
    );
    let (t1, t2) = (triad_gbs(1), triad_gbs(2));
    println!(
        "memory bandwidth in the same run (STREAM-like triad): {t1:.1} GB/s on 1 thread, {t2:.1} GB/s on 2; \
         the sum ran at {:.2}x the 2-thread bandwidth (its blocks are generated in cache, never stored)",
        gb / secs / t2
    );
    Ok(())
}
