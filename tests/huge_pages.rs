//! A large result is written in huge pages where Linux offers them (`src/scheduler/alloc.rs`),
//! and in base pages when `CHUNKWISE_HUGE_PAGES=0`. Page faults are counted, not time.
//!
//! With `CHUNKWISE_REQUIRE_THP=1` (CI), a kernel without transparent huge pages fails the
//! test rather than leaving only the base-page check.
#![cfg(all(target_os = "linux", target_env = "gnu"))]

use std::process::Command;

use chunkwise::{Array, Scheduler};

/// The process's minor page faults so far (`/proc/self/stat`, field 10).
fn minor_faults() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    rest.split(' ').nth(7).unwrap().parse().unwrap()
}

/// The kernel's transparent huge page mode: `always`, `madvise` or `never`.
fn thp_mode() -> Option<String> {
    let s = std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled").ok()?;
    Some(s[s.find('[')? + 1..s.find(']')?].to_string())
}

const TEST: &str = "a_large_result_is_written_in_huge_pages";

/// Page faults taken by the second compute of a 64 MiB result (in eight blocks; the first
/// compute grows the allocator's heaps for the blocks, and the result is a fresh mapping each
/// time).
fn result_faults() -> u64 {
    let n = 8 << 20;
    let x = &Array::<f64>::ones(&[n], [n / 8]).unwrap() + 1.0;
    let s = Scheduler::threads(2);
    drop(x.compute_with(&s).unwrap());
    let before = minor_faults();
    let r = x.compute_with(&s).unwrap();
    let faults = minor_faults() - before;
    assert!(r.iter().all(|&v| v == 2.0));
    faults
}

/// Page faults taken by the second compute of a sum of a Gaussian filter over two blocks of
/// 64 MiB: a scalar result, so the faults are the blocks' (the generated input, the padded
/// blocks and each filter pass's output), each a fresh mapping of glibc's.
fn block_faults() -> u64 {
    let x = Array::<f64>::ones(&[4096, 4096], [2048, 4096]).unwrap();
    let y = chunkwise::ndfilters::gaussian_filter(&x, 1.0, chunkwise::Boundary::Reflect)
        .unwrap()
        .sum();
    let s = Scheduler::threads(2);
    y.compute_scalar_with(&s).unwrap();
    let before = minor_faults();
    let total = y.compute_scalar_with(&s).unwrap();
    let faults = minor_faults() - before;
    assert!(
        (total - (4096.0 * 4096.0)).abs() < 1e-3 * 4096.0 * 4096.0,
        "{total}"
    );
    faults
}

/// Run as itself, the test compares the result's faults with those of the same compute in a
/// child process with the advice turned off; run as that child, it reports its count.
#[test]
fn a_large_result_is_written_in_huge_pages() {
    let faults = result_faults();
    let blocks = block_faults();
    if std::env::var_os("CHUNKWISE_HUGE_PAGES").is_some() {
        println!("FAULTS {faults} {blocks}");
        return;
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", TEST, "--nocapture"])
        .env("CHUNKWISE_HUGE_PAGES", "0")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let counts: Vec<u64> = text
        .split("FAULTS ")
        .nth(1)
        .map(|t| {
            t.split_whitespace()
                .take(2)
                .filter_map(|c| c.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    let [off, blocks_off] = counts[..] else {
        panic!("no counts from the child: {text}")
    };

    let mode = thp_mode();
    let offered = matches!(mode.as_deref(), Some("always" | "madvise"));
    if std::env::var_os("CHUNKWISE_REQUIRE_THP").is_some() {
        assert!(
            offered,
            "transparent huge pages required, kernel mode {mode:?}"
        );
    }
    // Turned off, every 4 KiB page of the result is a fault (unless the kernel uses huge pages
    // for everything anyway).
    let pages = (64u64 << 20) / 4096;
    if mode.as_deref() != Some("always") {
        assert!(
            off > pages * 9 / 10,
            "{off} faults for {pages} pages, advice off"
        );
    }
    if offered {
        // 32 huge pages, and base pages only where the result does not cover a whole 2 MiB.
        assert!(
            off - faults.min(off) > pages * 3 / 4,
            "{faults} faults with huge pages, {off} without, for {pages} pages"
        );
        // The two padded blocks alone are 2 x 16,400 pages; generated input and every pass's
        // output are as many again each.
        assert!(
            blocks_off - blocks.min(blocks_off) > 2 * pages,
            "{blocks} faults with huge pages, {blocks_off} without, for 64 MiB blocks"
        );
    } else {
        assert!(faults > pages * 9 / 10, "{faults} faults for {pages} pages");
        assert!(blocks > 2 * pages, "{blocks} faults for 64 MiB blocks");
    }
}
