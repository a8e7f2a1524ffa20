//! An OME-Zarr pyramid of a `u16` volume on disk: makes a Zarr volume (1 GiB by default), then
//! writes a 5-level OME-Zarr pyramid of it (each level half the previous on every axis, by
//! mean, or by Gaussian and stride), printing the time and the peak resident memory (VmHWM).
//!
//! Each level is made from the level before as written, one chunk per task, so memory stays
//! a few chunks per thread whatever the size. `scripts/pyramid_bench.py` does the same with
//! ngff-zarr (dask underneath) on the same source store, for the comparison in BENCHMARKS.md.
//!
//! ```sh
//! cargo run --release --example pyramid -- 1 /tmp/pyr          # size in GiB, a directory
//! cargo run --release --example pyramid -- 1 /tmp/pyr gaussian # levels by Gaussian and stride
//! python3 scripts/pyramid_bench.py /tmp/pyr                     # ngff-zarr on the same volume
//! ```

use std::time::Instant;

use chunkwise::io::ome_zarr::{self, Downsample, MultiscaleOptions};
use chunkwise::io::zarr::ZarrOptions;
use chunkwise::{Array, Coarsen, Scheduler};

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
        .map_or(1.0, |a| a.parse().expect("a size in GiB"));
    let dir = args.next().map_or_else(
        || std::env::temp_dir().join(format!("chunkwise-pyramid-{}", std::process::id())),
        std::path::PathBuf::from,
    );
    let downsample = match args.next().as_deref() {
        Some("gaussian") => Downsample::Gaussian,
        _ => Downsample::Coarsen(Coarsen::Mean),
    };
    // (n, 1024, 1024) u16: 2 MiB per plane of the first axis.
    let planes = (gib * 512.0).round() as usize;
    let shape = [planes, 1024, 1024];
    let chunks = [64, 256, 256];
    let scheduler = Scheduler::global()?;
    let source = dir.join("source.zarr");
    if Array::<u16>::from_zarr(&source).map(|a| a.shape() == shape) != Ok(true) {
        let t = Instant::now();
        let volume = Array::<u16>::from_fn(&shape, chunks, |i| {
            let h = (i[0] as u64 * 73_856_093)
                ^ (i[1] as u64 * 19_349_663)
                ^ (i[2] as u64 * 83_492_791);
            ((i[0] + i[1] / 4 + i[2] / 8) as u64 % 2048 + h % 64) as u16
        })?;
        volume.to_zarr_with(&source, ZarrOptions::default(), &scheduler)?;
        println!(
            "made a {gib} GiB u16 volume {shape:?} in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    let rss_before = peak_rss_mib();
    let t = Instant::now();
    let volume = Array::<u16>::from_zarr(&source)?;
    let options = MultiscaleOptions::new(&["z", "y", "x"])
        .unit("micrometer")
        .levels(5)
        .chunks(chunks)
        .downsample(downsample);
    ome_zarr::write_multiscale_with(&volume, dir.join("pyramid.ome.zarr"), &options, &scheduler)?;
    println!(
        "5-level pyramid ({downsample:?}) of {gib} GiB on {} threads: {:.2} s, peak RSS {:.0} MiB (before: {:.0} MiB)",
        scheduler.num_threads(),
        t.elapsed().as_secs_f64(),
        peak_rss_mib(),
        rss_before
    );
    Ok(())
}
