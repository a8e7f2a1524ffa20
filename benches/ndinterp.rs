//! Resampling (issue 31's speed targets), on 2 threads with the input persisted first (in
//! memory, as scipy's is), beside `scripts/ndinterp_bench.py` run in the same window:
//!
//! - `zoom_2048_order3`: `zoom` by 2 of a 2048 x 2048 f64 image in 512 x 512 blocks, cubic
//!   (mode constant, prefiltered), against scipy's `zoom` (one thread) and dask-image's
//!   `affine_transform` doing the same zoom on 2 threads.
//! - `rotate10_256_order1`: `affine_transform` of a 256³ f64 volume in 128³ blocks by a
//!   rotation of 10° about its centre in the plane of axes 0 and 1, linear, against scipy's
//!   `affine_transform`.

use chunkwise::ndinterp::{self, Interp};
use chunkwise::{Array, Scheduler};
use criterion::{Criterion, black_box, criterion_group, criterion_main};

fn zoom(c: &mut Criterion) {
    let s = Scheduler::threads(2);
    let a = Array::<f64>::random(&[2048, 2048], [512, 512], 1)
        .unwrap()
        .persist_with(&s)
        .unwrap();
    let mut g = c.benchmark_group("zoom_2048_order3");
    g.sample_size(10);
    g.bench_function("chunkwise_threads2", |b| {
        b.iter(|| {
            let y = ndinterp::zoom(&a, 2.0, &Interp::new()).unwrap();
            black_box(y.compute_with(&s).unwrap())
        })
    });
    g.finish();
}

/// The rotation by `deg` degrees about the centre of an `n`-cube in the plane of axes 0 and 1,
/// as output-to-input matrix and offset.
pub fn rotation(deg: f64, n: usize) -> ([[f64; 3]; 3], [f64; 3]) {
    let (s, c) = deg.to_radians().sin_cos();
    let m = [[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]];
    let h = (n as f64 - 1.0) / 2.0;
    let offset = [
        h - (m[0][0] * h + m[0][1] * h),
        h - (m[1][0] * h + m[1][1] * h),
        0.0,
    ];
    (m, offset)
}

fn rotate(c: &mut Criterion) {
    let s = Scheduler::threads(2);
    let n = 256;
    let a = Array::<f64>::random(&[n, n, n], [128, 128, 128], 1)
        .unwrap()
        .persist_with(&s)
        .unwrap();
    let (m, offset) = rotation(10.0, n);
    let mut g = c.benchmark_group("rotate10_256_order1");
    g.sample_size(10);
    g.bench_function("chunkwise_threads2", |b| {
        b.iter(|| {
            let y =
                ndinterp::affine_transform(&a, m, offset, None, &Interp::new().order(1)).unwrap();
            black_box(y.compute_with(&s).unwrap())
        })
    });
    g.finish();
}

criterion_group!(benches, zoom, rotate);
criterion_main!(benches);
