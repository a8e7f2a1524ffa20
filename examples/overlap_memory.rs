//! Task count, time and peak memory of `map_overlap` beside `map_blocks` on the same array.
//!
//! Two sources, each run in a fresh process so that peak resident memory (VmHWM) is its own:
//! - `memory`: an 8192 x 8192 f64 array in memory (512 MiB) in 1024 x 1024 blocks, filtered
//!   into a new array of the same size;
//! - `generated`: 16384 x 16384 random f64 (2 GiB, never all in memory) in 1024 x 1024
//!   blocks, each block reduced to its sum, so that only blocks in flight use memory.
//!
//! `cargo run --release --example overlap_memory`

use std::process::Command;
use std::time::Instant;

use chunkwise::{Array, Boundary, Scheduler};
use ndarray::{Array2, ArrayD, ArrayViewD, IxDyn};

const DEPTH: usize = 8;

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// A cheap 3-point smoothing along both axes, valid on a block padded by `DEPTH`.
fn smooth_interior(b: ArrayViewD<'_, f64>) -> ArrayD<f64> {
    let (h, w) = (b.shape()[0] - 2 * DEPTH, b.shape()[1] - 2 * DEPTH);
    ArrayD::from_shape_fn(IxDyn(&[h, w]), |i| {
        let (y, x) = (i[0] + DEPTH, i[1] + DEPTH);
        (b[[y - 1, x]] + b[[y + 1, x]] + b[[y, x - 1]] + b[[y, x + 1]]) * 0.25
    })
}

fn run(source: &str, op: &str) -> chunkwise::Result<()> {
    let pool = Scheduler::threads(0);
    let start = Instant::now();
    let (tasks, check) = match source {
        "memory" => {
            let a = Array2::from_shape_fn((8192, 8192), |(i, j)| ((i ^ j) % 251) as f64);
            let x = Array::from_ndarray(a, [1024, 1024])?;
            let y = match op {
                "map_blocks" => x.map_blocks(|b| b.mapv(|v| v * 0.5)),
                _ => x.map_overlap_interior(DEPTH, Boundary::Reflect, |_, b| smooth_interior(b))?,
            };
            (y.num_tasks(), y.compute_with(&pool)?.sum())
        }
        _ => {
            let x = Array::<f64>::random(&[16384, 16384], [1024, 1024], 7)?;
            let sums = vec![vec![1; 16]; 2];
            let y = match op {
                "map_blocks" => x.map_blocks_with_chunks(sums, |_, b| {
                    ArrayD::from_elem(IxDyn(&[1, 1]), b.sum())
                })?,
                _ => x
                    .overlap(DEPTH, Boundary::Reflect)?
                    .map_blocks_with_chunks(sums, |_, b| {
                        ArrayD::from_elem(IxDyn(&[1, 1]), smooth_interior(b).sum())
                    })?,
            };
            (y.num_tasks(), y.compute_with(&pool)?.sum())
        }
    };
    println!(
        "{source:>9} {op:>11}: {tasks:>4} tasks, {:7.0} ms, peak RSS {:7.0} MiB  (checksum {check:.3e})",
        start.elapsed().as_secs_f64() * 1e3,
        peak_rss_mib()
    );
    Ok(())
}

fn main() -> chunkwise::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [source, op] = &args[..] {
        return run(source, op);
    }
    let me = std::env::current_exe().expect("the path of this program");
    for source in ["memory", "generated"] {
        for op in ["map_blocks", "map_overlap"] {
            let status = Command::new(&me)
                .args([source, op])
                .status()
                .expect("run a child");
            assert!(status.success(), "{source} {op} failed");
        }
    }
    Ok(())
}
