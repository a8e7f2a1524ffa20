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

#[test]
fn a_large_result_is_written_in_huge_pages() {
    let off = std::env::var_os("CHUNKWISE_HUGE_PAGES").is_some_and(|v| v == "0");
    let mode = thp_mode();
    let offered = matches!(mode.as_deref(), Some("always" | "madvise"));
    if std::env::var_os("CHUNKWISE_REQUIRE_THP").is_some() {
        assert!(
            offered,
            "transparent huge pages required, kernel mode {mode:?}"
        );
    }
    let huge = mode.as_deref() == Some("always") || (offered && !off);

    // 64 MiB of f64 in eight blocks; the first compute grows the allocator's heaps for the
    // blocks, so the second one's faults are the result's own (a fresh mapping each time).
    let n = 8 << 20;
    let x = &Array::<f64>::ones(&[n], [n / 8]).unwrap() + 1.0;
    let s = Scheduler::threads(2);
    drop(x.compute_with(&s).unwrap());
    let before = minor_faults();
    let r = x.compute_with(&s).unwrap();
    let faults = minor_faults() - before;
    assert!(r.iter().all(|&v| v == 2.0));
    let pages = (n * 8 / 4096) as u64;
    if huge {
        // 32 huge pages, and base pages only in the part of the first and last 2 MiB that the
        // result does not cover whole.
        assert!(faults < pages / 4, "{faults} faults for {pages} pages");
    } else {
        assert!(faults > pages * 9 / 10, "{faults} faults for {pages} pages");
    }

    if !off {
        // The same test in a child process with the advice turned off.
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
        assert!(text.contains("1 passed"), "{text}");
    }
}
