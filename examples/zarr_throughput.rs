//! Zarr write and read throughput, measured as `scripts/zarr_bench.py` measures dask +
//! zarr-python: 1 GiB of f64 (16384 x 8192, a smooth ramp) in 8 MiB chunks, uncompressed and
//! zstd level 3, on 1 and 2 threads, best of 3 runs each. Run the two back to back to compare.
//!
//! `cargo run --release --example zarr_throughput` (optional: a directory for the stores)

use std::time::Instant;

use chunkwise::io::zarr::{Compression, ZarrOptions};
use chunkwise::{Array, Scheduler};

fn main() -> chunkwise::Result<()> {
    let dir = std::env::args().nth(1).map_or_else(
        || std::env::temp_dir().join(format!("chunkwise-zarr-throughput-{}", std::process::id())),
        std::path::PathBuf::from,
    );
    let a = ndarray::Array2::from_shape_fn((16384, 8192), |(i, j)| {
        ((i * 8192 + j) % 100_000) as f64 * 1e-3
    });
    let x = Array::from_ndarray(a, [1024, 1024])?;
    for (name, compression) in [
        ("raw", Compression::None),
        ("zstd3", Compression::Zstd { level: 3 }),
    ] {
        let path = dir.join(name);
        for threads in [1, 2] {
            let scheduler = Scheduler::threads(threads);
            let (mut write, mut read) = (f64::INFINITY, f64::INFINITY);
            for _ in 0..3 {
                let t = Instant::now();
                let options = ZarrOptions::default().compression(compression);
                x.to_zarr_with(&path, options, &scheduler)?;
                write = write.min(t.elapsed().as_secs_f64());
                let stored = Array::<f64>::from_zarr(&path)?;
                let t = Instant::now();
                std::hint::black_box(stored.compute_with(&scheduler)?);
                read = read.min(t.elapsed().as_secs_f64());
            }
            println!(
                "chunkwise {name:5} threads={threads}: write {:5.2} GiB/s ({write:.2} s), read {:5.2} GiB/s ({read:.2} s)",
                1.0 / write,
                1.0 / read
            );
        }
    }
    std::fs::remove_dir_all(&dir).map_err(|e| chunkwise::Error::Io {
        op: "remove",
        path: dir.display().to_string(),
        message: e.to_string(),
        source: chunkwise::Cause::new(e),
    })
}
