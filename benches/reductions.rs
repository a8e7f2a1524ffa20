//! Reductions on `threads(2)`, each beside its baselines in the same run.
//!
//! - `sum(sqrt(x*x + 1))` over 50,000,000 f64 in blocks of 1,000,000. Baselines: a plain serial
//!   fold, a serial loop with 8 independent accumulators (the best single-threaded loop; half
//!   its time is the limit on 2 cores), and rayon's `par_iter().map().sum()` on 2 threads.
//!   Targets: at least as fast as rayon, within 1.25x of the limit.
//! - `mean`, `std` and `argmax` of the same data, against serial ndarray.
//! - `sum_axis(0)` of a 10,000 x 10,000 array in 1,000 x 1,000 blocks, against ndarray's.
//!
//! `cargo bench --bench reductions`

use std::hint::black_box;

use chunkwise::{Array, Scheduler};
use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::{Array1, Array2, Axis};
use rayon::prelude::*;

fn sum_sqrt(c: &mut Criterion) {
    let pool = Scheduler::threads(2);
    let rp = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let data: Vec<f64> = (0..50_000_000).map(|i| (i % 1000) as f64 * 1e-3).collect();
    let x = Array::from_ndarray(Array1::from(data.clone()), [1_000_000]).unwrap();
    let closure = x.map(|v| (v * v + 1.0).sqrt()).sum();
    let chain = (&x * &x + 1.0).map(f64::sqrt).sum();
    let mut g = c.benchmark_group("sum_sqrt_x2_plus_1_50M");
    g.sample_size(10);
    g.bench_function("chunkwise_map_closure_threads2", |b| {
        b.iter(|| black_box(closure.compute_with(&pool).unwrap()))
    });
    g.bench_function("chunkwise_operator_chain_threads2", |b| {
        b.iter(|| black_box(chain.compute_with(&pool).unwrap()))
    });
    g.bench_function("serial_fold", |b| {
        b.iter(|| black_box(data.iter().map(|v| (v * v + 1.0).sqrt()).sum::<f64>()))
    });
    g.bench_function("serial_8_accumulators", |b| {
        b.iter(|| {
            let mut acc = [0.0f64; 8];
            for ch in data.chunks_exact(8) {
                for (a, v) in acc.iter_mut().zip(ch) {
                    *a += (v * v + 1.0).sqrt();
                }
            }
            black_box(acc.iter().sum::<f64>())
        })
    });
    g.bench_function("rayon_par_iter_2threads", |b| {
        b.iter(|| {
            rp.install(|| black_box(data.par_iter().map(|v| (v * v + 1.0).sqrt()).sum::<f64>()))
        })
    });
    g.finish();

    let mut g = c.benchmark_group("stats_50M");
    g.sample_size(10);
    let nd = Array1::from(data);
    let mean = x.mean();
    let std = x.std(0.0);
    let argmax = x.argmax();
    g.bench_function("chunkwise_mean_threads2", |b| {
        b.iter(|| black_box(mean.compute_with(&pool).unwrap()))
    });
    g.bench_function("ndarray_mean", |b| b.iter(|| black_box(nd.mean())));
    g.bench_function("chunkwise_std_threads2", |b| {
        b.iter(|| black_box(std.compute_with(&pool).unwrap()))
    });
    g.bench_function("ndarray_std", |b| b.iter(|| black_box(nd.std(0.0))));
    g.bench_function("chunkwise_argmax_threads2", |b| {
        b.iter(|| black_box(argmax.compute_with(&pool).unwrap()))
    });
    g.bench_function("serial_argmax_loop", |b| {
        b.iter(|| {
            let (mut best, mut at) = (f64::NEG_INFINITY, 0);
            for (i, &v) in nd.iter().enumerate() {
                if v > best {
                    best = v;
                    at = i;
                }
            }
            black_box(at)
        })
    });
    g.finish();
}

fn sum_axis(c: &mut Criterion) {
    let pool = Scheduler::threads(2);
    let a = Array2::from_shape_fn((10_000, 10_000), |(i, j)| ((i + 3 * j) % 17) as f64);
    let x = Array::from_ndarray(a.clone(), [1000, 1000]).unwrap();
    let s = x.sum_axis(Axis(0)).unwrap();
    let mut g = c.benchmark_group("sum_axis0_10000x10000");
    g.sample_size(10);
    g.bench_function("chunkwise_1000_blocks_threads2", |b| {
        b.iter(|| black_box(s.compute_with(&pool).unwrap()))
    });
    g.bench_function("ndarray_sum_axis", |b| {
        b.iter(|| black_box(a.sum_axis(Axis(0))))
    });
    g.finish();
}

criterion_group!(benches, sum_sqrt, sum_axis);
criterion_main!(benches);
