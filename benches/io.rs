//! Zarr write and read throughput: 1 GiB of f64 (16384 x 8192) in 8 MiB chunks (1024 x 1024),
//! uncompressed and zstd (level 3), on `threads(2)` against one thread, in one run.
//! `scripts/zarr_bench.py` times dask + zarr-python on the same job.
//!
//! The values are a smooth ramp, so zstd has something to compress (about 3:1).
//!
//! `cargo bench --bench io` (the stores go under the system's temporary directory)

use std::hint::black_box;
use std::path::PathBuf;

use chunkwise::io::zarr::{Compression, ZarrOptions};
use chunkwise::{Array, Scheduler};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ndarray::Array2;

fn zarr(c: &mut Criterion) {
    let dir: PathBuf =
        std::env::temp_dir().join(format!("chunkwise-bench-io-{}", std::process::id()));
    let a = Array2::from_shape_fn((16384, 8192), |(i, j)| {
        ((i * 8192 + j) % 100_000) as f64 * 1e-3
    });
    let x = Array::from_ndarray(a, [1024, 1024]).unwrap();
    let one = Scheduler::threads(1);
    let two = Scheduler::threads(2);
    for (name, compression) in [
        ("raw", Compression::None),
        ("zstd3", Compression::Zstd { level: 3 }),
    ] {
        let path = dir.join(name);
        let options = ZarrOptions::default().compression(compression);
        let mut g = c.benchmark_group(format!("zarr_write_1GiB_{name}"));
        g.sample_size(10);
        g.throughput(Throughput::Bytes(1 << 30));
        for (threads, s) in [(1, &one), (2, &two)] {
            g.bench_function(format!("threads{threads}"), |b| {
                b.iter(|| x.to_zarr_with(&path, options.clone(), s).unwrap())
            });
        }
        g.finish();
        let stored = Array::<f64>::from_zarr(&path).unwrap();
        let mut g = c.benchmark_group(format!("zarr_read_1GiB_{name}"));
        g.sample_size(10);
        g.throughput(Throughput::Bytes(1 << 30));
        for (threads, s) in [(1, &one), (2, &two)] {
            g.bench_function(format!("threads{threads}"), |b| {
                b.iter(|| black_box(stored.compute_with(s).unwrap()))
            });
        }
        g.finish();
    }
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, zarr);
criterion_main!(benches);
