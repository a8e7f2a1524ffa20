//! Parallel image filters against the same filter single-threaded on the whole array.
//!
//! - `gaussian_filter`, sigma 3, 4096 x 4096 f64, blocks of 1024 x 1024, `threads(2)`;
//!   target: at least 1.8x faster than single-threaded (the limit on 2 cores is 2x).
//! - `uniform_filter`, size 5, 256^3 f64, blocks of 128^3, `Boundary::Nearest`, `threads(2)`.
//!
//! Single-threaded = the filter on an array of one block under `Scheduler::synchronous()`:
//! the same kernel, padding the whole array once.
//!
//! `cargo bench --bench ndfilters`

use std::hint::black_box;

use chunkwise::{Array, Boundary, Scheduler, ndfilters};
use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::{Array2, Array3};

fn gaussian(c: &mut Criterion) {
    let pool = Scheduler::threads(2);
    let sync = Scheduler::synchronous();
    let img = Array2::from_shape_fn((4096, 4096), |(i, j)| {
        ((i * 31 + j * 17) % 101) as f64 / 100.0
    });
    let whole = Array::from_ndarray(img.clone(), [4096, 4096]).unwrap();
    let chunked = Array::from_ndarray(img, [1024, 1024]).unwrap();
    let mut g = c.benchmark_group("gaussian_sigma3_4096x4096");
    g.sample_size(10);
    g.bench_function("chunkwise_1024_blocks_threads2", |b| {
        b.iter(|| {
            let y = ndfilters::gaussian_filter(&chunked, 3.0, Boundary::Reflect).unwrap();
            black_box(y.compute_with(&pool).unwrap())
        })
    });
    g.bench_function("single_threaded_whole_array", |b| {
        b.iter(|| {
            let y = ndfilters::gaussian_filter(&whole, 3.0, Boundary::Reflect).unwrap();
            black_box(y.compute_with(&sync).unwrap())
        })
    });
    g.finish();
}

fn uniform(c: &mut Criterion) {
    let pool = Scheduler::threads(2);
    let sync = Scheduler::synchronous();
    let vol = Array3::from_shape_fn((256, 256, 256), |(i, j, k)| {
        ((i * 7 + j * 13 + k * 3) % 97) as f64
    });
    let whole = Array::from_ndarray(vol.clone(), [256, 256, 256]).unwrap();
    let chunked = Array::from_ndarray(vol, [128, 128, 128]).unwrap();
    let mut g = c.benchmark_group("uniform_size5_256cubed");
    g.sample_size(10);
    g.bench_function("chunkwise_128_blocks_threads2", |b| {
        b.iter(|| {
            let y = ndfilters::uniform_filter(&chunked, 5, Boundary::Nearest).unwrap();
            black_box(y.compute_with(&pool).unwrap())
        })
    });
    g.bench_function("single_threaded_whole_array", |b| {
        b.iter(|| {
            let y = ndfilters::uniform_filter(&whole, 5, Boundary::Nearest).unwrap();
            black_box(y.compute_with(&sync).unwrap())
        })
    });
    g.finish();
}

criterion_group!(benches, gaussian, uniform);
criterion_main!(benches);
