//! Elementwise: `sqrt(x*x + 1)` over 50,000,000 f64 in blocks of 1,000,000, computed into a
//! new array on `threads(2)`. Target: no slower than 0.9x of the hand-written rayon version
//! (`Zip::par_map_collect`), measured in the same run. Serial `mapv` for reference.
//!
//! Two chunkwise forms: one `map` with the whole formula (one loop per element, like the rayon
//! version), and the operator chain `(&x * &x + 1.0).map(f64::sqrt)`, which fuses into one task
//! per block and one pass over memory: the product is written straight into the result, and
//! `+ 1` and `sqrt` are applied there in place, one cache-resident loop per operator.
//!
//! chunkwise backs a result of 4 MiB or more with huge pages (`madvise(MADV_HUGEPAGE)`, as
//! numpy does), and `par_map_collect` does not: most of the baseline's time is page faults of
//! its fresh 400 MB result. The last rayon form writes into a buffer advised the same way,
//! which leaves the work itself to compare.
//!
//! `cargo bench --bench elementwise`

use std::hint::black_box;

#[cfg(target_os = "linux")]
#[path = "common/huge_pages.rs"]
mod huge_pages;
#[cfg(target_os = "linux")]
use huge_pages::advise_huge_pages;

use chunkwise::{Array, Scheduler};
use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::{Array1, Zip};

const N: usize = 50_000_000;
const BLOCK: usize = 1_000_000;

fn elementwise(c: &mut Criterion) {
    let pool = Scheduler::threads(2);
    let rayon_pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let data = Array1::from_shape_fn(N, |i| (i % 1000) as f64 * 1e-3);
    let x = Array::from_ndarray(data.clone(), [BLOCK]).unwrap();
    let chain = (&x * &x + 1.0).map(f64::sqrt);
    let closure = x.map(|v| (v * v + 1.0).sqrt());
    let mut g = c.benchmark_group("sqrt_x2_plus_1_50M");
    g.sample_size(10);
    g.bench_function("chunkwise_map_closure_threads2", |b| {
        b.iter(|| black_box(closure.compute_with(&pool).unwrap()))
    });
    g.bench_function("chunkwise_operator_chain_threads2", |b| {
        b.iter(|| black_box(chain.compute_with(&pool).unwrap()))
    });
    g.bench_function("rayon_par_map_collect_2threads", |b| {
        b.iter(|| {
            rayon_pool
                .install(|| black_box(Zip::from(&data).par_map_collect(|&v| (v * v + 1.0).sqrt())))
        })
    });
    #[cfg(target_os = "linux")]
    g.bench_function("rayon_par_for_each_into_huge_pages_2threads", |b| {
        b.iter(|| {
            let mut out = Array1::<f64>::zeros(N);
            advise_huge_pages(out.as_slice_mut().unwrap());
            rayon_pool.install(|| {
                Zip::from(&mut out)
                    .and(&data)
                    .par_for_each(|o, &v| *o = (v * v + 1.0).sqrt())
            });
            black_box(out)
        })
    });
    g.bench_function("ndarray_serial_mapv", |b| {
        b.iter(|| black_box(data.mapv(|v| (v * v + 1.0).sqrt())))
    });
    g.finish();
}

criterion_group!(benches, elementwise);
criterion_main!(benches);
