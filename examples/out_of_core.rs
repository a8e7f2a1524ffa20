//! An out-of-core pipeline over on-disk Zarr arrays: make a 3-D f32 volume of random values
//! (4 GiB by default) on disk, blur it with a Gaussian into a second store, then reduce it.
//! Prints the time, throughput and peak resident memory (VmHWM) of each step.
//!
//! Nothing is ever whole in memory: each block is generated and written by its own task; the
//! blur pads each block with ghost cells read straight from the neighbouring chunks (the stores
//! are uncompressed, so a chunk can be read in part), filters it and writes it; the mean reads
//! one chunk per task. Peak memory is a few padded blocks per thread, whatever the volume.
//!
//! `cargo run --release --example out_of_core` (optional: size in GiB, a multiple of 1/4, and
//! a directory for the stores, by default under the system's temporary directory)

use std::time::Instant;

use chunkwise::io::zarr::{Compression, ZarrOptions};
use chunkwise::{Array, Boundary, Scheduler, ndfilters};

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() -> chunkwise::Result<()> {
    let mut args = std::env::args().skip(1);
    let gib: f64 = args
        .next()
        .map_or(4.0, |a| a.parse().expect("a size in GiB"));
    let dir = args.next().map_or_else(
        || std::env::temp_dir().join(format!("chunkwise-out-of-core-{}", std::process::id())),
        std::path::PathBuf::from,
    );
    // (n, 1024, 1024) f32: 4 MiB per plane of the first axis.
    let planes = (gib * 256.0).round() as usize;
    let shape = [planes, 1024, 1024];
    let chunks = [64, 256, 256]; // 16 MiB blocks
    let bytes = (planes * 1024 * 1024 * 4) as f64;
    let scheduler = Scheduler::threads(2);
    let raw = || ZarrOptions::default().compression(Compression::None);
    println!(
        "volume {shape:?} f32 = {:.2} GiB in {chunks:?} blocks (16 MiB), stores under {}",
        bytes / (1u64 << 30) as f64,
        dir.display()
    );

    let t = Instant::now();
    let x = Array::<f32>::random(&shape, chunks, 7)?;
    x.to_zarr_with(dir.join("volume.zarr"), raw(), &scheduler)?;
    let s = t.elapsed().as_secs_f64();
    println!(
        "1. random -> zarr:                  {s:6.1} s, {:5.2} GB/s written, peak RSS {:.0} MiB",
        bytes / s / 1e9,
        peak_rss_mib()
    );

    let t = Instant::now();
    let volume = Array::<f32>::from_zarr(dir.join("volume.zarr"))?;
    let blurred = ndfilters::gaussian_filter(&volume, 2.0, Boundary::Reflect)?;
    blurred.to_zarr_with(dir.join("blurred.zarr"), raw(), &scheduler)?;
    let s = t.elapsed().as_secs_f64();
    println!(
        "2. zarr -> gaussian(2) -> zarr:     {s:6.1} s, {:5.2} GB/s filtered, peak RSS {:.0} MiB",
        bytes / s / 1e9,
        peak_rss_mib()
    );

    let t = Instant::now();
    let mean = Array::<f32>::from_zarr(dir.join("blurred.zarr"))?
        .mean()
        .compute_with(&scheduler)?;
    let s = t.elapsed().as_secs_f64();
    println!(
        "3. zarr -> mean = {:.5}:          {s:6.1} s, {:5.2} GB/s read, peak RSS {:.0} MiB",
        mean.first().copied().unwrap_or(f32::NAN),
        bytes / s / 1e9,
        peak_rss_mib()
    );
    std::fs::remove_dir_all(&dir).expect("remove the stores");
    Ok(())
}
