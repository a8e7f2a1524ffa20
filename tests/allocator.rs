//! Freed blocks stay in the process after the first computation, so that the next block of a
//! similar size does not fault its pages in again (glibc's malloc; see
//! `src/scheduler/alloc.rs`). Page faults are counted, not time, so the test is not timing
//! one.
#![cfg(all(target_os = "linux", target_env = "gnu"))]

use chunkwise::{Array, Scheduler};

/// The process's minor page faults so far (`/proc/self/stat`, field 10).
fn minor_faults() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    rest.split(' ').nth(7).unwrap().parse().unwrap()
}

/// Faults taken by allocating, filling and freeing `n` blocks of `mib` MiB and more, each
/// larger than the one before (so that glibc's own threshold, which follows the largest freed
/// mapping, never catches up).
fn churn(mib: usize, n: usize) -> u64 {
    let before = minor_faults();
    for i in 0..n {
        let block = vec![1u8; (mib << 20) + (i << 16)];
        std::hint::black_box(&block);
    }
    minor_faults() - before
}

#[test]
fn blocks_freed_after_the_first_compute_are_reused() {
    let pages = (8 << 20) / 4096;
    // Before any computation: every block is a fresh mapping, every page a fault.
    let fresh = churn(8, 20);
    assert!(
        fresh > 20 * pages * 9 / 10,
        "{fresh} faults for 20 fresh blocks"
    );
    // Any computation settles the allocator once for the process.
    let x = Array::<f64>::ones(&[10, 10], [5, 5]).unwrap();
    assert_eq!(
        x.sum().compute_scalar_with(&Scheduler::threads(2)).unwrap(),
        100.0
    );
    // Larger blocks than any freed before: glibc alone would map each afresh.
    churn(12, 1);
    let reused = churn(12, 20);
    assert!(
        reused < 2 * pages,
        "{reused} faults for 20 blocks after a compute"
    );
}
