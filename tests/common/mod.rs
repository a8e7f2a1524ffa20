//! Shared test helpers.
#![allow(dead_code)]

use std::sync::{Mutex, OnceLock};

use chunkwise::{Array, Boundary, Element, Scheduler};
use ndarray::{ArrayD, Axis, Dimension, IxDyn};
use proptest::prelude::*;

/// The schedulers every differential test runs under, made once.
pub(crate) fn schedulers() -> &'static [Scheduler] {
    static S: OnceLock<Vec<Scheduler>> = OnceLock::new();
    S.get_or_init(|| {
        vec![
            Scheduler::synchronous(),
            Scheduler::threads(1),
            Scheduler::threads(2),
            Scheduler::threads(8),
        ]
    })
}

/// Checks `x` against the eager result `expected`: every block has the shape its chunks
/// declare, and the computed array equals `expected` under every scheduler.
pub(crate) fn assert_array_eq<T>(x: &Array<T>, expected: &ArrayD<T>)
where
    T: Element + PartialEq + std::fmt::Debug,
{
    assert_eq!(x.shape(), expected.shape(), "shape");
    assert_eq!(
        x.chunks()
            .iter()
            .map(|c| c.iter().sum::<usize>())
            .collect::<Vec<_>>(),
        x.shape(),
        "chunks add up to the shape"
    );
    // Every block has the shape the chunks declare.
    let seen = std::sync::Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let probe = x.map_blocks_indexed(move |idx, b| {
        record
            .lock()
            .unwrap()
            .push((idx.to_vec(), b.shape().to_vec()));
        b.to_owned()
    });
    probe.compute_with(&Scheduler::synchronous()).unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), x.num_blocks(), "one call per block");
    for (idx, shape) in seen.iter() {
        let declared: Vec<usize> = idx
            .iter()
            .enumerate()
            .map(|(a, &i)| x.chunks()[a][i])
            .collect();
        assert_eq!(shape, &declared, "block {idx:?}");
    }
    for s in schedulers() {
        let got = x.compute_with(s).unwrap();
        assert_eq!(&got, expected, "under {s:?}");
    }
}

/// A chunking of one axis of length `len`: a regular block size or explicit sizes.
pub(crate) fn axis_chunks(len: usize) -> BoxedStrategy<Vec<usize>> {
    if len == 0 {
        return Just(vec![0]).boxed();
    }
    let regular = (1..=len + 1).prop_map(move |b| {
        let mut v = vec![b.min(len); len / b.min(len)];
        if !len.is_multiple_of(b.min(len)) {
            v.push(len % b.min(len));
        }
        v
    });
    let irregular = proptest::collection::vec(1..=len, 0..len).prop_map(move |cuts| {
        let mut edges: Vec<usize> = cuts.into_iter().filter(|&c| c < len).collect();
        edges.extend([0, len]);
        edges.sort_unstable();
        edges.dedup();
        edges.windows(2).map(|w| w[1] - w[0]).collect()
    });
    // Blocks of size 0 among the others, as dask allows: `(2, 0, 3)`.
    let with_empty = proptest::collection::vec(0..=len, 0..len).prop_map(move |cuts| {
        let mut edges: Vec<usize> = cuts;
        edges.extend([0, len]);
        edges.sort_unstable();
        edges.windows(2).map(|w| w[1] - w[0]).collect()
    });
    prop_oneof![4 => regular, 4 => irregular, 1 => with_empty].boxed()
}

pub(crate) fn chunking(shape: Vec<usize>) -> BoxedStrategy<Vec<Vec<usize>>> {
    shape
        .into_iter()
        .map(axis_chunks)
        .collect::<Vec<_>>()
        .boxed()
}

pub(crate) fn shape() -> impl Strategy<Value = Vec<usize>> {
    proptest::collection::vec(prop_oneof![1 => Just(0usize), 6 => 1usize..7], 0..=4)
}

pub(crate) fn data(shape: &[usize], seed: u64) -> ArrayD<f64> {
    ArrayD::from_shape_fn(IxDyn(shape), |i| {
        let k = i
            .slice()
            .iter()
            .fold(seed, |acc, &x| acc.wrapping_mul(31).wrapping_add(x as u64));
        ((k % 97) as f64 - 48.0) / 8.0
    })
}

/// The cell of an axis of length `len` that padded position `p` reads, by repeated reflection
/// (a different formulation from the library's modular arithmetic).
pub(crate) fn reference_source(b: &Boundary<i64>, mut p: isize, len: usize) -> Option<usize> {
    let n = len as isize;
    loop {
        if (0..n).contains(&p) {
            return Some(p as usize);
        }
        p = match b {
            Boundary::None | Boundary::Constant(_) => return None,
            Boundary::Nearest => p.clamp(0, n - 1),
            Boundary::Periodic => {
                if p < 0 {
                    p + n
                } else {
                    p - n
                }
            }
            Boundary::Reflect => {
                if p < 0 {
                    -p - 1
                } else {
                    2 * n - 1 - p
                }
            }
            Boundary::Mirror => {
                if n == 1 {
                    0
                } else if p < 0 {
                    -p
                } else {
                    2 * n - 2 - p
                }
            }
        };
    }
}

/// numpy.pad, one axis after the other.
pub(crate) fn pad_whole(
    a: &ArrayD<i64>,
    depth: &[(usize, usize)],
    bs: &[Boundary<i64>],
) -> ArrayD<i64> {
    let mut cur = a.clone();
    for (axis, (&(lo, hi), b)) in depth.iter().zip(bs).enumerate() {
        let (lo, hi) = if *b == Boundary::None {
            (0, 0)
        } else {
            (lo, hi)
        };
        let len = cur.shape()[axis];
        let mut shape = cur.shape().to_vec();
        shape[axis] = len + lo + hi;
        let mut next = ArrayD::<i64>::zeros(IxDyn(&shape));
        for k in 0..len + lo + hi {
            let mut dst = next.index_axis_mut(Axis(axis), k);
            match reference_source(b, k as isize - lo as isize, len) {
                Some(i) => dst.assign(&cur.index_axis(Axis(axis), i)),
                None => {
                    let Boundary::Constant(c) = b else {
                        unreachable!()
                    };
                    dst.fill(*c)
                }
            }
        }
        cur = next;
    }
    cur
}

/// A deterministic chunking of `shape` from `seed` (for operands made inside the test body).
pub(crate) fn seeded_chunks(shape: &[usize], seed: u64) -> Vec<Vec<usize>> {
    let mut s = seed;
    shape
        .iter()
        .map(|&len| {
            if len == 0 {
                return vec![0];
            }
            let mut v = Vec::new();
            let mut left = len;
            while left > 0 {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let b = 1 + (s >> 33) as usize % left;
                v.push(b);
                left -= b;
            }
            v
        })
        .collect()
}

/// Set in a child process that runs a test under [`run_under_memory_limit`].
pub(crate) const MEMORY_LIMITED_CHILD: &str = "CHUNKWISE_MEMORY_LIMITED_CHILD";

/// Runs the test `name` of this test binary in a child process limited to 4 GiB of address
/// space (with [`MEMORY_LIMITED_CHILD`] set), and fails with the child's output unless it
/// passes. An allocation sized by a bad parameter or a hostile file then fails instead of
/// succeeding by overcommit, and aborts the child (which no `catch_unwind` can catch).
pub(crate) fn run_under_memory_limit(name: &str) {
    let me = std::env::current_exe().unwrap();
    let out = std::process::Command::new("sh")
        .arg("-c")
        // A watchdog too: a child that hangs fails the test instead of stalling CI.
        .arg("ulimit -v 4194304 && exec timeout 300 \"$0\" --exact \"$1\" --test-threads 1 --nocapture")
        .arg(&me)
        .arg(name)
        .env(MEMORY_LIMITED_CHILD, "1")
        .output()
        .expect("sh runs");
    assert!(
        out.status.success(),
        "{name} under a 4 GiB address-space limit: {}\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Whether `python3` can import `modules` (comma-separated). Under `CHUNKWISE_REQUIRE_PYTHON`
/// (set by `.ci/run`) it must; elsewhere the caller skips its test and says so.
pub(crate) fn python_ready(modules: &str) -> bool {
    let ok = std::process::Command::new("python3")
        .args(["-c", &format!("import {modules}")])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var("CHUNKWISE_REQUIRE_PYTHON").is_err(),
            "CHUNKWISE_REQUIRE_PYTHON is set, but python3 cannot import {modules}"
        );
        skipped(&format!(
            "python3 cannot import {modules} (pip install them to run it)"
        ));
    }
    ok
}

/// Says that the running test could not run and why, on the terminal itself: the test harness
/// captures `eprintln!`, so a test that returns early would otherwise show a bare `ok`.
pub(crate) fn skipped(why: &str) {
    use std::io::Write;
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    // Straight to the file descriptor, past the harness's capture.
    let _ = writeln!(
        std::io::stderr().lock(),
        "\nSKIPPED {test}: {why}; it ran nothing"
    );
}

/// Runs `python3 scripts/<script> <mode> <dir>`, failing with its output if it fails.
pub(crate) fn run_script(script: &str, mode: &str, dir: &std::path::Path) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scripts")
        .join(script);
    let out = std::process::Command::new("python3")
        .arg(path)
        .arg(mode)
        .arg(dir)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{script} {mode} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// How long one watched test body (all its rounds) may take before the test fails as hung.
pub(crate) const WATCHDOG: std::time::Duration = std::time::Duration::from_secs(120);

/// Runs `f` on its own thread and fails if it has not finished within [`WATCHDOG`], so that a
/// hang fails the test instead of stalling CI. A panic in `f` fails the test with its message.
pub(crate) fn with_watchdog<R: Send + 'static>(
    what: &str,
    f: impl FnOnce() -> R + Send + 'static,
) -> R {
    let (tx, rx) = std::sync::mpsc::channel();
    let body = std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(WATCHDOG) {
        Ok(r) => r,
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => match body.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => panic!("{what}: ended without a result"),
        },
        Err(_) => panic!("{what}: hung (watchdog fired after {WATCHDOG:?})"),
    }
}

/// Two opened OME-Zarr pyramids hold the same image: axes, level paths, scales, translations
/// and every level's values.
#[cfg(feature = "zarr")]
pub(crate) fn assert_same_pyramid<T>(
    got: &chunkwise::io::ome_zarr::Multiscale<T>,
    want: &chunkwise::io::ome_zarr::Multiscale<T>,
) where
    T: chunkwise::io::zarr::ZarrElement + PartialEq + std::fmt::Debug,
{
    assert_eq!(got.axes(), want.axes());
    assert_eq!(got.levels().len(), want.levels().len());
    for (g, w) in got.levels().iter().zip(want.levels()) {
        assert_eq!(
            (&g.path, &g.scale, &g.translation),
            (&w.path, &w.scale, &w.translation)
        );
        assert_eq!(
            g.array.compute().unwrap(),
            w.array.compute().unwrap(),
            "level {}",
            g.path
        );
    }
}

/// A fresh directory under the system's temporary directory (unique to the process and the
/// call), removed when dropped.
pub(crate) struct TempDir(pub(crate) std::path::PathBuf);

impl TempDir {
    pub(crate) fn new(name: &str) -> TempDir {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let p =
            std::env::temp_dir().join(format!("chunkwise-test-{name}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }

    /// `name` inside the directory.
    pub(crate) fn path(&self, name: &str) -> std::path::PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Chunkings of `shape`: one block, blocks of one element, irregular blocks, halves.
pub(crate) fn four_chunkings(shape: &[usize]) -> Vec<Vec<Vec<usize>>> {
    let irregular = |n: usize| -> Vec<usize> {
        let mut sizes = Vec::new();
        let mut left = n;
        for s in [2, 1, 3].iter().cycle() {
            if left == 0 {
                break;
            }
            let s = (*s).min(left);
            sizes.push(s);
            left -= s;
        }
        sizes
    };
    let halves = |n: usize| -> Vec<usize> {
        let h = n.div_ceil(2);
        if h == n { vec![n] } else { vec![h, n - h] }
    };
    vec![
        shape.iter().map(|&n| vec![n]).collect(),
        shape.iter().map(|&n| vec![1; n]).collect(),
        shape.iter().map(|&n| irregular(n)).collect(),
        shape.iter().map(|&n| halves(n)).collect(),
    ]
}
