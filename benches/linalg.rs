//! Linear algebra (issue 30's speed targets): `qr` of a 2,000,000 x 100 f64 matrix in
//! 100,000-row blocks on 2 threads (Q and R computed), beside a hand-written rayon version of
//! the same direct TSQR through faer. numpy's `np.linalg.qr` of the whole matrix and dask's
//! `da.linalg.qr` come from `scripts/linalg_bench.py`, run in the same window.

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
}

criterion_group!(benches, qr);
criterion_main!(benches);
