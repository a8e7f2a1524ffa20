//! Segmentation (issue 33's speed targets), on 2 threads with the inputs persisted first (in
//! memory, as the peers' are), beside `scripts/segment_bench.py` run in the same window:
//!
//! - `edt_4096`: `distance_transform_edt` of a 4096 x 4096 mask in 1024 x 1024 blocks, about
//!   1% of it background (cell `p` is background where `(p * 2654435761) % 1000 < 10`, the
//!   script's formula), against scipy's `distance_transform_edt` (one thread).
//! - `cdt_4096`: `distance_transform_cdt` (chessboard) of the same mask, against scipy's.
//! - `watershed_2048`: `ndmeasure::watershed` of a 2048 x 2048 f64 image in 512 x 512 blocks
//!   (`sin(i / 37) * cos(j / 53) + ((i * 2048 + j) * 2654435761 % 1000) / 1e4`: smooth hills with
//!   a little texture) from 500 markers (label `k + 1` at flat position `k * 8389`), against
//!   scikit-image's `watershed` (one thread).
//! - `regionprops_4096`: `ndmeasure::regionprops_table` (area, centroid, bbox, mean intensity)
//!   of 4,096 discs (radius 24, one per 64 x 64 cell) on a 4096 x 4096 label image in
//!   1024 x 1024 blocks, intensity `(7 i + 13 j) % 256`, against scikit-image's
//!   `regionprops_table`.

use chunkwise::ndmeasure;
use chunkwise::ndmorph::{self, Metric};
use chunkwise::{Array, Scheduler};
use criterion::{Criterion, black_box, criterion_group, criterion_main};

/// The benchmark's mask: true (foreground) except where `(p * 2654435761) % 1000 < 10`.
fn mask(s: &Scheduler) -> Array<bool> {
    let n = 4096;
    let m = ndarray::Array2::from_shape_fn((n, n), |(i, j)| {
        ((i * n + j) as u64 * 2654435761) % 1000 >= 10
    });
    Array::from_ndarray(m, [1024, 1024])
        .unwrap()
        .persist_with(s)
        .unwrap()
}

fn edt(c: &mut Criterion) {
    let s = Scheduler::threads(2);
    let m = mask(&s);
    let mut g = c.benchmark_group("edt_4096");
    g.sample_size(10);
    g.bench_function("chunkwise_threads2", |b| {
        b.iter(|| {
            let d = ndmorph::distance_transform_edt(&m, None).unwrap();
            black_box(d.compute_with(&s).unwrap())
        })
    });
    g.finish();
    let mut g = c.benchmark_group("cdt_4096");
    g.sample_size(10);
    g.bench_function("chunkwise_threads2", |b| {
        b.iter(|| {
            let d = ndmorph::distance_transform_cdt(&m, Metric::Chessboard).unwrap();
            black_box(d.compute_with(&s).unwrap())
        })
    });
    g.finish();
}

/// The watershed benchmark's image and markers (the script's formulas).
fn hills(s: &Scheduler) -> (Array<f64>, Array<u32>) {
    let n = 2048;
    let img = ndarray::Array2::from_shape_fn((n, n), |(i, j)| {
        (i as f64 / 37.0).sin() * (j as f64 / 53.0).cos()
            + (((i * n + j) as u64 * 2654435761) % 1000) as f64 / 1e4
    });
    let mut markers = ndarray::Array2::<u32>::zeros((n, n));
    for k in 0..500 {
        let p = k * 8389;
        markers[[p / n, p % n]] = k as u32 + 1;
    }
    let img = Array::from_ndarray(img, [512, 512])
        .unwrap()
        .persist_with(s)
        .unwrap();
    let markers = Array::from_ndarray(markers, [512, 512])
        .unwrap()
        .persist_with(s)
        .unwrap();
    (img, markers)
}

fn watershed(c: &mut Criterion) {
    let s = Scheduler::threads(2);
    let (img, markers) = hills(&s);
    let mut g = c.benchmark_group("watershed_2048");
    g.sample_size(10);
    g.bench_function("chunkwise_threads2", |b| {
        b.iter(|| {
            let w = ndmeasure::watershed(&img, &markers, 1, None).unwrap();
            black_box(w.compute_with(&s).unwrap())
        })
    });
    g.finish();
}

fn regionprops(c: &mut Criterion) {
    use ndmeasure::Property;
    let s = Scheduler::threads(2);
    let n = 4096;
    let labels = ndarray::Array2::from_shape_fn((n, n), |(i, j)| {
        let (di, dj) = (i as i64 % 64 - 32, j as i64 % 64 - 32);
        if di * di + dj * dj < 24 * 24 {
            ((i / 64) * 64 + j / 64 + 1) as u32
        } else {
            0
        }
    });
    let light = ndarray::Array2::from_shape_fn((n, n), |(i, j)| ((i * 7 + j * 13) % 256) as f64);
    let labels = Array::from_ndarray(labels, [1024, 1024])
        .unwrap()
        .persist_with(&s)
        .unwrap();
    let light = Array::from_ndarray(light, [1024, 1024])
        .unwrap()
        .persist_with(&s)
        .unwrap();
    let props = [
        Property::Area,
        Property::Centroid,
        Property::Bbox,
        Property::IntensityMean,
    ];
    let mut g = c.benchmark_group("regionprops_4096");
    g.sample_size(10);
    g.bench_function("chunkwise_threads2", |b| {
        b.iter(|| {
            let t = ndmeasure::regionprops_table(&labels, Some(&light), &props).unwrap();
            let t = t.compute_with(&s).unwrap();
            assert_eq!(t.first().unwrap().labels.len(), 4096);
            black_box(t)
        })
    });
    g.finish();
}

criterion_group!(benches, edt, watershed, regionprops);
criterion_main!(benches);
