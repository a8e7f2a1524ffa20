//! Linear algebra (issue 30's speed targets), each matrix persisted first (in memory, as
//! numpy's), 2 threads:
//! - `qr` of 2,000,000 x 100 f64 in 100,000-row blocks, Q and R computed;
//! - `svd_compressed(k = 20)` of 200,000 x 2,000 in 10,000-row blocks (no power iterations, as
//!   dask's default);
//! - `lstsq` of 1,000,000 x 50 in 100,000-row blocks, x, residuals, rank and singular values;
//! - the block algorithms for square matrices (no target in the issue; beside numpy and dask):
//!   `cholesky`, `solve` (one right-hand side) and `inv` of a 4,000 x 4,000 symmetric
//!   positive-definite matrix in 1,000 x 1,000 tiles.
//!
//! numpy's and dask's figures come from `scripts/linalg_bench.py`, run in the same window.

use chunkwise::{Array, Scheduler, linalg};
use criterion::{Criterion, black_box, criterion_group, criterion_main};

fn qr(c: &mut Criterion) {
    let s = Scheduler::threads(2);
    let (m, n, rows) = (2_000_000, 100, 100_000);
    // The matrix held in memory, as numpy's is: its blocks are read, not drawn, by each run.
    let a = Array::<f64>::random(&[m, n], [rows, n], 1)
        .unwrap()
        .persist_with(&s)
        .unwrap();
    let mut g = c.benchmark_group("qr_2e6x100");
    g.sample_size(10);
    g.bench_function("chunkwise_threads2", |b| {
        b.iter(|| {
            let (q, r) = linalg::qr(&a).unwrap();
            let (q, r) = chunkwise::compute((&q, &r), &s).unwrap();
            black_box((q, r))
        })
    });
    g.finish();
    drop(a);

    let a = Array::<f64>::random(&[200_000, 2_000], [10_000, 2_000], 2)
        .unwrap()
        .persist_with(&s)
        .unwrap();
    let mut g = c.benchmark_group("svd_compressed_2e5x2000_k20");
    g.sample_size(10);
    g.bench_function("chunkwise_threads2", |b| {
        b.iter(|| {
            let (u, sv, vt) = linalg::svd_compressed(&a, 20, 0, 7).unwrap();
            black_box(chunkwise::compute((&u, &sv, &vt), &s).unwrap())
        })
    });
    g.finish();
    drop(a);

    let a = Array::<f64>::random(&[1_000_000, 50], [100_000, 50], 3)
        .unwrap()
        .persist_with(&s)
        .unwrap();
    let y = Array::<f64>::random(&[1_000_000], [100_000], 4)
        .unwrap()
        .persist_with(&s)
        .unwrap();
    let mut g = c.benchmark_group("lstsq_1e6x50");
    g.sample_size(10);
    g.bench_function("chunkwise_threads2", |b| {
        b.iter(|| {
            let (x, res, rank, sv) = linalg::lstsq(&a, &y).unwrap();
            black_box(chunkwise::compute((&x, &res, &rank, &sv), &s).unwrap())
        })
    });
    g.finish();
}

fn square(c: &mut Criterion) {
    let s = Scheduler::threads(2);
    let (n, tile) = (4_000, 1_000);
    // R + Rᵀ + 2n I: symmetric, and diagonally dominant, so positive definite.
    let r = Array::<f64>::random(&[n, n], [tile, tile], 5).unwrap();
    let eye = linalg::identity::<f64>(n, [tile, tile]).unwrap();
    let a = (&r + &r.transpose() + &eye * (2 * n) as f64)
        .persist_with(&s)
        .unwrap();
    let b = Array::<f64>::random(&[n], [tile], 6)
        .unwrap()
        .persist_with(&s)
        .unwrap();
    let mut g = c.benchmark_group("square_4000_tiles_1000");
    g.sample_size(10);
    g.bench_function("cholesky_threads2", |bench| {
        bench.iter(|| black_box(linalg::cholesky(&a).unwrap().compute_with(&s).unwrap()))
    });
    g.bench_function("solve_threads2", |bench| {
        bench.iter(|| black_box(linalg::solve(&a, &b).unwrap().compute_with(&s).unwrap()))
    });
    g.bench_function("inv_threads2", |bench| {
        bench.iter(|| black_box(linalg::inv(&a).unwrap().compute_with(&s).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, qr, square);
criterion_main!(benches);
