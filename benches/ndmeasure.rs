//! Labelling and measuring on `threads(2)`, beside scipy.ndimage and dask-image, which
//! `scripts/ndmeasure_bench.py` times on the same masks (written by this benchmark as `.npy`
//! under the system's temporary directory).
//!
//! - `label` of a 4096 x 4096 mask (smoothed noise above a threshold: tens of thousands of
//!   objects) in 1024 x 1024 blocks; targets (issue 13): at least 1.5x scipy's `label` and at
//!   least 5x dask-image's.
//! - `label` of a 512^3 volume of the same kind in 128^3 blocks.
//! - `ndmeasure::mean` of the image over the 4096 x 4096 labelling; target at least 1.5x
//!   scipy's `mean`.
//!
//! `cargo bench --bench ndmeasure`, then `python3 scripts/ndmeasure_bench.py`.

use std::hint::black_box;

use chunkwise::{Array, Boundary, Scheduler, ndfilters, ndmeasure};
use criterion::{Criterion, criterion_group, criterion_main};

/// Smoothed uniform noise and the mask of where it exceeds 0.5: blobs of a few cells across.
fn blobs(shape: &[usize], chunks: &[usize]) -> (Array<f64>, Array<bool>) {
    let noise = Array::<f64>::random(shape, chunks, 11).unwrap();
    let smooth = ndfilters::gaussian_filter(&noise, 2.0, Boundary::Reflect).unwrap();
    let image = smooth.persist_with(&Scheduler::threads(2)).unwrap();
    let mask = image
        .map(|v| v > 0.5)
        .persist_with(&Scheduler::threads(2))
        .unwrap();
    (image, mask)
}

fn write_npy(name: &str, mask: &Array<bool>) {
    let path = std::env::temp_dir().join(name);
    mask.to_npy(&path).unwrap();
}

fn label(c: &mut Criterion) {
    let pool = Scheduler::threads(2);
    let (image, mask) = blobs(&[4096, 4096], &[1024, 1024]);
    write_npy("chunkwise-bench-mask-4096.npy", &mask);
    image
        .to_npy(std::env::temp_dir().join("chunkwise-bench-image-4096.npy"))
        .unwrap();
    let (labels, n) = ndmeasure::label(&mask, ndmeasure::Connectivity::Face).unwrap();
    let objects = n.compute_scalar_with(&pool).unwrap();
    println!("4096 x 4096 mask: {objects} objects");
    let mut g = c.benchmark_group("label_4096x4096");
    g.sample_size(10);
    g.bench_function("chunkwise_1024_blocks_threads2", |b| {
        b.iter(|| black_box(chunkwise::compute((&labels, &n), &pool).unwrap()))
    });
    let computed = labels.persist_with(&pool).unwrap();
    let index: Vec<u32> = (1..=objects as u32).collect();
    let mean = ndmeasure::mean(&image, &computed, &index).unwrap();
    g.bench_function("chunkwise_mean_over_labels_threads2", |b| {
        b.iter(|| black_box(mean.compute_with(&pool).unwrap()))
    });
    g.finish();

    let (_, vol) = blobs(&[512, 512, 512], &[128, 128, 128]);
    write_npy("chunkwise-bench-mask-512.npy", &vol);
    let (labels, n) = ndmeasure::label(&vol, ndmeasure::Connectivity::Face).unwrap();
    println!(
        "512^3 volume: {} objects",
        n.compute_scalar_with(&pool).unwrap()
    );
    let mut g = c.benchmark_group("label_512cubed");
    g.sample_size(10);
    g.bench_function("chunkwise_128_blocks_threads2", |b| {
        b.iter(|| black_box(chunkwise::compute((&labels, &n), &pool).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, label);
criterion_main!(benches);
