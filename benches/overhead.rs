//! Per-block overhead: 1,000,000 one-element blocks, `+ 1.0`, computed on `threads(2)`, graph
//! building included. The target is at most 1 µs per block end to end.
//!
//! Baselines in the same run: serial ndarray on the whole array (no per-block work at all), and
//! a bare rayon scope that spawns one empty task per block (dispatch cost alone). The same
//! computation profiled (`compute_profiled`) and with a progress bar shows what diagnostics
//! cost; the target for the profile is at most 10% over the unprofiled run.
//!
//! `cargo bench --bench overhead`

use std::hint::black_box;

use chunkwise::{Array, Scheduler};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ndarray::Array1;

const N: usize = 1_000_000;

fn overhead(c: &mut Criterion) {
    let pool = Scheduler::threads(2);
    let rayon_pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let data = Array1::<f64>::zeros(N);
    let mut g = c.benchmark_group("overhead_1M_blocks");
    g.sample_size(10);
    g.bench_function("chunkwise_from_ndarray_add_compute", |b| {
        b.iter_batched(
            || data.clone(),
            |a| {
                let x = Array::from_ndarray(a, [1]).unwrap();
                black_box((&x + 1.0).compute_with(&pool).unwrap())
            },
            BatchSize::LargeInput,
        )
    });
    // Diagnostics: target at most 10% slower than the unprofiled run above.
    g.bench_function("chunkwise_compute_profiled", |b| {
        b.iter_batched(
            || data.clone(),
            |a| {
                let x = Array::from_ndarray(a, [1]).unwrap();
                black_box((&x + 1.0).compute_profiled(&pool).unwrap())
            },
            BatchSize::LargeInput,
        )
    });
    let progress = pool.with_progress();
    g.bench_function("chunkwise_with_progress", |b| {
        b.iter_batched(
            || data.clone(),
            |a| {
                let x = Array::from_ndarray(a, [1]).unwrap();
                black_box((&x + 1.0).compute_with(&progress).unwrap())
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("ndarray_serial_add", |b| b.iter(|| black_box(&data + 1.0)));
    g.bench_function("rayon_spawn_1M_empty_tasks", |b| {
        b.iter(|| {
            rayon_pool.scope(|s| {
                for i in 0..N {
                    s.spawn(move |_| {
                        black_box(i);
                    });
                }
            })
        })
    });
    g.finish();
}

criterion_group!(benches, overhead);
criterion_main!(benches);
