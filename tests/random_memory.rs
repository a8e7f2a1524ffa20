//! Random arrays reduced as they are drawn stay in bounded memory: summing 4·10^7 draws (320 MB
//! were they held) in blocks of 4·10^6 (32 MB each) on two threads raises the process's peak
//! resident memory by less than 16 MiB, so not even one block is ever made whole. The same
//! holds for 2·10^9 draws (`examples/out_of_core_sum`): only the count of blocks grows.
//!
//! The peak is the kernel's (`VmHWM`, reset through `/proc/self/clear_refs`): Linux only. This
//! file holds one test, so nothing else runs in the process while it measures.

use chunkwise::random::default_rng;
use chunkwise::{Array, Scheduler};

/// `field` of `/proc/self/status`, in bytes.
fn status_bytes(field: &str) -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// How far the peak resident memory rises above the resident memory before `f`, while it
/// runs; `None` where the kernel does not say.
fn peak_rise(f: impl FnOnce()) -> Option<usize> {
    // Writing 5 resets the peak (VmHWM) to the memory resident now (proc(5)).
    std::fs::write("/proc/self/clear_refs", "5").ok()?;
    let before = status_bytes("VmRSS:")?;
    f();
    Some(status_bytes("VmHWM:")?.saturating_sub(before))
}

#[test]
fn sums_of_random_draws_run_in_bounded_memory() {
    let (n, block) = (40_000_000, 4_000_000);
    let s = Scheduler::threads(2);
    // Start the pool and settle the allocator before measuring.
    Array::<f64>::random(&[10], [5], 1)
        .unwrap()
        .sum()
        .compute_with(&s)
        .unwrap();
    let limit = 16 << 20;
    type Sum<'a> = Box<dyn Fn() -> f64 + 'a>;
    let sum_of = |x: Array<f64>| {
        x.sum()
            .compute_with(&s)
            .unwrap()
            .into_iter()
            .next()
            .unwrap()
    };
    let cases: [(&str, Sum, f64, f64); 3] = [
        (
            "standard_normal",
            Box::new(|| sum_of(default_rng(7).standard_normal(&[n], [block]).unwrap())),
            0.0,
            1.0,
        ),
        (
            "normal",
            Box::new(|| sum_of(default_rng(8).normal(3.0, 2.0, &[n], [block]).unwrap())),
            3.0,
            4.0,
        ),
        (
            "random",
            Box::new(|| sum_of(default_rng(9).random::<f64>(&[n], [block]).unwrap())),
            0.5,
            1.0 / 12.0,
        ),
    ];
    for (what, sum, mean, var) in cases {
        let mut total = 0.0;
        let Some(rise) = peak_rise(|| total = sum()) else {
            eprintln!("SKIPPED: the kernel does not report peak memory (Linux's /proc/self)");
            return;
        };
        assert!(
            rise < limit,
            "{what}: resident memory rose by {rise} bytes, over {limit}"
        );
        // The sum is the draws' (within 5.3 standard deviations), so they were all made.
        let sd = (var * n as f64).sqrt();
        assert!(
            (total - mean * n as f64).abs() < 5.3 * sd,
            "{what}: sum {total}"
        );
    }
}
