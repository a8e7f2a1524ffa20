//! Distance transforms (issue 33's speed target), on 2 threads with the mask persisted first
//! (in memory, as scipy's is), beside `scripts/ndmorph_bench.py` run in the same window:
//!
//! - `edt_4096`: `distance_transform_edt` of a 4096 x 4096 mask in 1024 x 1024 blocks, about
//!   1% of it background (cell `p` is background where `(p * 2654435761) % 1000 < 10`, the
//!   script's formula), against scipy's `distance_transform_edt` (one thread).
//! - `cdt_4096`: `distance_transform_cdt` (chessboard) of the same mask, against scipy's.

use chunkwise::ndmorph::{self, Metric};
use chunkwise::{Array, Scheduler};
use criterion::{Criterion, black_box, criterion_group, criterion_main};

/// The benchmark's mask: true (foreground) except where `(p * 2654435761) % 1000 < 10`.
fn mask(s: &Scheduler) -> Array<bool> {
    let n = 4096;
    let m = ndarray::Array2::from_shape_fn((n, n), |(i, j)| {
        ((i * n + j) as u64 * 2654435761) % 1000 >= 10
    });
    Array::from_ndarray(m, [1024, 1024])
        .unwrap()
        .persist_with(s)
        .unwrap()
}

fn edt(c: &mut Criterion) {
    let s = Scheduler::threads(2);
    let m = mask(&s);
    let mut g = c.benchmark_group("edt_4096");
    g.sample_size(10);
    g.bench_function("chunkwise_threads2", |b| {
        b.iter(|| {
            let d = ndmorph::distance_transform_edt(&m, None).unwrap();
            black_box(d.compute_with(&s).unwrap())
        })
    });
    g.finish();
    let mut g = c.benchmark_group("cdt_4096");
    g.sample_size(10);
    g.bench_function("chunkwise_threads2", |b| {
        b.iter(|| {
            let d = ndmorph::distance_transform_cdt(&m, Metric::Chessboard).unwrap();
            black_box(d.compute_with(&s).unwrap())
        })
    });
    g.finish();
}

criterion_group!(benches, edt);
criterion_main!(benches);
