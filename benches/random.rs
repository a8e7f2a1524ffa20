//! Random arrays (issue 29's speed targets).
//!
//! - `standard_normal` of 10^8 f64 into an array on 2 threads, beside a hand-written rayon fill
//!   of the same length with `rand_distr`'s ziggurat on a per-thread generator (the same sampler
//!   without chunkwise). numpy's and dask's figures come from `scripts/random_bench.py`, run in
//!   the same window.
//! - The sampler's own cost: 10^6 normal and uniform values on one thread into memory the
//!   allocator reuses.
//! - Uniform `random` of 5·10^7 f64 on 2 threads (the counter-based generator against the
//!   per-block streams it replaced: run this bench on both commits).

use chunkwise::random::default_rng;
use chunkwise::{Array, Scheduler};
use criterion::{BatchSize, Criterion, black_box, criterion_group, criterion_main};
use rand_distr::Distribution;
use rayon::prelude::*;

fn random(c: &mut Criterion) {
    let s = Scheduler::threads(2);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();

    let mut g = c.benchmark_group("standard_normal_1e8");
    g.sample_size(10);
    let n = 100_000_000;
    g.bench_function("chunkwise_threads2", |b| {
        b.iter(|| {
            let x = default_rng(1).standard_normal(&[n], [n / 64]).unwrap();
            black_box(x.compute_with(&s).unwrap())
        })
    });
    let one = Scheduler::threads(1);
    g.bench_function("chunkwise_threads1", |b| {
        b.iter(|| {
            let x = default_rng(1).standard_normal(&[n], [n / 64]).unwrap();
            black_box(x.compute_with(&one).unwrap())
        })
    });
    g.bench_function("rayon_rand_distr_ziggurat_2threads", |b| {
        b.iter_batched(
            || (),
            |()| {
                pool.install(|| {
                    let mut out = vec![0f64; n];
                    out.par_chunks_mut(n / 64)
                        .enumerate()
                        .for_each(|(k, chunk)| {
                            let mut r = SplitMix(k as u64 + 1);
                            for v in chunk {
                                *v = rand_distr::StandardNormal.sample(&mut r);
                            }
                        });
                    black_box(out)
                })
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();

    // The sampler's own cost: 10^6 values on one thread, in a block the allocator reuses.
    let mut g = c.benchmark_group("standard_normal_1e6");
    let sync = Scheduler::synchronous();
    g.bench_function("chunkwise_synchronous", |b| {
        b.iter(|| {
            let x = default_rng(1)
                .standard_normal(&[1_000_000], [1_000_000])
                .unwrap();
            black_box(x.compute_with(&sync).unwrap())
        })
    });
    g.bench_function("uniform_chunkwise_synchronous", |b| {
        b.iter(|| {
            let x = default_rng(1)
                .random::<f64>(&[1_000_000], [1_000_000])
                .unwrap();
            black_box(x.compute_with(&sync).unwrap())
        })
    });
    g.finish();

    let mut g = c.benchmark_group("uniform_5e7");
    g.sample_size(10);
    let n = 50_000_000;
    g.bench_function("chunkwise_random_threads2", |b| {
        b.iter(|| {
            let x = Array::<f64>::random(&[n], [1_000_000], 7).unwrap();
            black_box(x.compute_with(&s).unwrap())
        })
    });
    g.finish();
}

/// A plain sequential SplitMix64 for the baseline.
struct SplitMix(u64);

impl rand::TryRng for SplitMix {
    type Error = std::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        self.try_next_u64().map(|v| (v >> 32) as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Ok(z ^ (z >> 31))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for c in dst.chunks_mut(8) {
            let v = self.try_next_u64()?.to_le_bytes();
            c.copy_from_slice(&v[..c.len()]);
        }
        Ok(())
    }
}

criterion_group!(benches, random);
criterion_main!(benches);
