//! A 2-D heat equation on the ranks of an MPI job: 100 explicit steps of the 5-point stencil
//! through `map_overlap`, each step persisted so that the next starts from its blocks.
//!
//! ```sh
//! cargo build --release --features mpi --example heat_mpi
//! mpirun -n 4 target/release/examples/heat_mpi          # or: srun -n 4 ...
//! ```
//!
//! Every rank prints its time per step, the bytes it sent per step (the halo rows and columns
//! its neighbours read, nothing else) and the same checksum, which equals one process's (rank 0
//! checks it against a local run, bit for bit, when the grid is `-- 512` or smaller).
//! `THREADS_PER_RANK` sets each rank's threads (default: one per core).

use std::time::Instant;

use chunkwise::dist::Cluster;
use chunkwise::{Array, Boundary, Scheduler};
use ndarray::{Array2, ArrayD, ArrayViewD, Ix2, s};

const STEPS: usize = 100;
/// Diffusion number: stable for the explicit scheme while at most 0.25.
const ALPHA: f64 = 0.2;

/// One explicit step on a block padded by one cell on each side.
fn step(padded: ArrayViewD<'_, f64>) -> ArrayD<f64> {
    let u = padded.into_dimensionality::<Ix2>().expect("a 2-D grid");
    let (n, m) = u.dim();
    let mut out = u.to_owned();
    let centre = u.slice(s![1..n - 1, 1..m - 1]);
    let lap = &u.slice(s![..n - 2, 1..m - 1])
        + &u.slice(s![2.., 1..m - 1])
        + u.slice(s![1..n - 1, ..m - 2])
        + u.slice(s![1..n - 1, 2..])
        - &centre * 4.0;
    out.slice_mut(s![1..n - 1, 1..m - 1])
        .assign(&(&centre + &(lap * ALPHA)));
    out.into_dyn()
}

/// The result, the time per step, and the bytes this rank sent in the last step.
fn run(grid: usize, scheduler: &Scheduler) -> chunkwise::Result<(ArrayD<f64>, f64, u64)> {
    // A hot square in a cold plate.
    let init = Array2::from_shape_fn((grid, grid), |(i, j)| {
        let hot = (grid / 3..2 * grid / 3).contains(&i) && (grid / 3..2 * grid / 3).contains(&j);
        if hot { 100.0 } else { 0.0 }
    });
    let block = (grid / 4).max(1);
    let mut u = Array::from_ndarray(init, [block, block])?;
    let started = Instant::now();
    for _ in 0..STEPS {
        u = u
            .map_overlap(1, Boundary::Constant(0.0), step)?
            .persist_with(scheduler)?;
    }
    let per_step = started.elapsed().as_secs_f64() / STEPS as f64;
    let sent = scheduler.comm_stats().map_or(0, |c| c.bytes);
    Ok((u.compute_with(scheduler)?, per_step, sent))
}

fn main() -> chunkwise::Result<()> {
    let grid: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1024);
    let cluster = Cluster::init()?;
    let threads = std::env::var("THREADS_PER_RANK")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let scheduler = cluster.scheduler(threads);
    let (u, per_step, sent) = run(grid, &scheduler)?;
    let checksum: f64 = u.iter().sum();
    println!(
        "rank {} of {}: {grid} x {grid}, {STEPS} steps, {:.2} ms per step, {sent} bytes sent \
         per step (halos), heat {checksum:.6}",
        cluster.rank(),
        cluster.size(),
        per_step * 1e3
    );
    if cluster.rank() == 0 && grid <= 512 {
        let (local, _, _) = run(grid, &Scheduler::threads(0))?;
        let same = local
            .iter()
            .zip(&u)
            .all(|(a, b)| a.to_bits() == b.to_bits());
        println!("rank 0: equal to one process, bit for bit: {same}");
        assert!(same, "the distributed result differs from one process");
    }
    Ok(())
}
