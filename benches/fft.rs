//! FFTs (issue 31's speed target): `rfft2` of a 4096 x 4096 f64 array in 1024-row blocks on 2
//! threads (the array persisted first, in memory as numpy's is), beside numpy's
//! `numpy.fft.rfft2` of the whole array and dask's `dask.array.fft.rfft2` with 2 threads, both
//! from `scripts/fft_bench.py` run in the same window.

use chunkwise::fft::{self, FftNorm};
use chunkwise::{Array, Scheduler};
use criterion::{Criterion, black_box, criterion_group, criterion_main};

fn rfft2(c: &mut Criterion) {
    let s = Scheduler::threads(2);
    let n = 4096;
    let a = Array::<f64>::random(&[n, n], [1024, n], 1)
        .unwrap()
        .persist_with(&s)
        .unwrap();
    let mut g = c.benchmark_group("rfft2_4096");
    g.sample_size(10);
    g.bench_function("chunkwise_threads2", |b| {
        b.iter(|| {
            let y = fft::rfft2(&a, None, None, FftNorm::Backward).unwrap();
            black_box(y.compute_with(&s).unwrap())
        })
    });
    g.finish();
}

criterion_group!(benches, rfft2);
criterion_main!(benches);
