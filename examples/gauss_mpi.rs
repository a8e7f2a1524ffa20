//! A Gaussian filter across the ranks of an MPI job, timed: σ 3 on 4096² in 1024² blocks and
//! σ 2 on 256³ in 64³ blocks, each the whole result on every rank, best of three, and again
//! kept where computed (`persist_with`, no gather); then the per-block cost across ranks: the
//! sum of a million one-element blocks, graph building included; then `label` of 4,096
//! discs in a 4096² mask, each object's mean, and the image's variance.
//! `scripts/gauss_dask_distributed.py` times dask.distributed on the same filters.
//!
//! ```sh
//! cargo build --release --features mpi --example gauss_mpi
//! mpirun -n 2 -x THREADS_PER_RANK=1 target/release/examples/gauss_mpi   # 2 ranks x 1 thread
//! mpirun -n 1 -x THREADS_PER_RANK=2 target/release/examples/gauss_mpi   # 1 rank x 2 threads
//! ```

use std::time::Instant;

use chunkwise::dist::Cluster;
use chunkwise::{Array, Boundary, ndfilters, ndmeasure};

fn best_of_three(f: impl Fn() -> chunkwise::Result<()>) -> chunkwise::Result<f64> {
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let t = Instant::now();
        f()?;
        best = best.min(t.elapsed().as_secs_f64());
    }
    Ok(best)
}

fn main() -> chunkwise::Result<()> {
    let cluster = Cluster::init()?;
    let threads = std::env::var("THREADS_PER_RANK")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let s = cluster.scheduler(threads);
    let image = Array::<f64>::random(&[4096, 4096], [1024, 1024], 1)?;
    let flat = ndfilters::gaussian_filter(&image, 3.0, Boundary::Reflect)?;
    let volume = Array::<f64>::random(&[256, 256, 256], [64, 64, 64], 2)?;
    let deep = ndfilters::gaussian_filter(&volume, 2.0, Boundary::Reflect)?;
    let t2 = best_of_three(|| flat.compute_with(&s).map(drop))?;
    let sent2 = s.comm_stats().map_or(0, |c| c.bytes);
    let t3 = best_of_three(|| deep.compute_with(&s).map(drop))?;
    let sent3 = s.comm_stats().map_or(0, |c| c.bytes);
    println!(
        "rank {} of {} x {} threads: 4096² σ3 {:.1} ms ({sent2} bytes of halos sent), \
         256³ σ2 {:.1} ms ({sent3} bytes)",
        cluster.rank(),
        cluster.size(),
        s.num_threads(),
        t2 * 1e3,
        t3 * 1e3
    );
    // The same filters with the result kept where it was computed (`persist_with`): what an
    // iterative or multi-step job pays per step, without gathering the whole result.
    let p2 = best_of_three(|| flat.persist_with(&s).map(drop))?;
    let p3 = best_of_three(|| deep.persist_with(&s).map(drop))?;
    println!(
        "rank {}: persisted, 4096² σ3 {:.1} ms, 256³ σ2 {:.1} ms",
        cluster.rank(),
        p2 * 1e3,
        p3 * 1e3
    );
    let ones = ndarray::Array1::<f64>::ones(1_000_000);
    let per_block = best_of_three(|| {
        let x = Array::from_ndarray(ones.clone(), [1])?;
        let total = x.sum().compute_scalar_with(&s)?;
        assert_eq!(total, 1e6);
        Ok(())
    })?;
    println!(
        "rank {}: sum of 1,000,000 one-element blocks {:.2} µs per block",
        cluster.rank(),
        per_block
    );
    // Image analysis and a reduction: 4,096 discs of radius 20 (crossing block edges)
    // labelled, their count and each one's mean (the whole result on every rank); the
    // variance of the image.
    let mask = Array::<bool>::from_fn(&[4096, 4096], &[1024, 1024], |i| {
        let (y, x) = ((i[0] + 16) % 64, (i[1] + 16) % 64);
        (y as i64 - 32).pow(2) + (x as i64 - 32).pow(2) < 400
    })?;
    let (labels, count) = ndmeasure::label(&mask, ndmeasure::Connectivity::Face)?;
    let analysis = |s: &chunkwise::Scheduler| -> chunkwise::Result<()> {
        let n = count.compute_scalar_with(s)? as u32;
        let index: Vec<u32> = (1..=n).collect();
        ndmeasure::mean(&image, &labels, &index)?.compute_with(s)?;
        Ok(())
    };
    let tl = best_of_three(|| labels.compute_with(&s).map(drop))?;
    let tm = best_of_three(|| analysis(&s))?;
    let tv = best_of_three(|| image.var(1.0).compute_scalar_with(&s).map(drop))?;
    println!(
        "rank {}: label 4096² {:.1} ms, count + mean per object {:.1} ms, var {:.1} ms",
        cluster.rank(),
        tl * 1e3,
        tm * 1e3,
        tv * 1e3
    );
    if cluster.size() == 1 {
        // The baseline: one process, its own pool, no cluster.
        let local = chunkwise::Scheduler::threads(s.num_threads());
        let l2 = best_of_three(|| flat.compute_with(&local).map(drop))?;
        let l3 = best_of_three(|| deep.compute_with(&local).map(drop))?;
        let q2 = best_of_three(|| flat.persist_with(&local).map(drop))?;
        let q3 = best_of_three(|| deep.persist_with(&local).map(drop))?;
        println!(
            "one process, threads({}): 4096² σ3 {:.1} ms, 256³ σ2 {:.1} ms; \
             persisted {:.1} ms, {:.1} ms",
            local.num_threads(),
            l2 * 1e3,
            l3 * 1e3,
            q2 * 1e3,
            q3 * 1e3
        );
        let ll = best_of_three(|| labels.compute_with(&local).map(drop))?;
        let lm = best_of_three(|| analysis(&local))?;
        let lv = best_of_three(|| image.var(1.0).compute_scalar_with(&local).map(drop))?;
        println!(
            "one process: label 4096² {:.1} ms, count + mean per object {:.1} ms, var {:.1} ms",
            ll * 1e3,
            lm * 1e3,
            lv * 1e3
        );
    }
    Ok(())
}
