//! The first hour with chunkwise: three jobs written the way a new user writes them, from the
//! README and rustdoc, each checked against plain ndarray.
//!
//! 1. **Filter, segment and store an image stack.** A folder of 16-bit PNG frames is read into
//!    one chunked volume (one block per frame), each frame gets a 3 x 3 median (`size` per
//!    axis: `[1, 3, 3]`) and a Gaussian blur within the frame (`sigma` 0 along the stack), and
//!    the result is written to a Zarr store; then the bright spot is thresholded
//!    (`gt`, `astype`) and the stack is written as an OME-Zarr pyramid with the mask as its
//!    label image (`write_labels`).
//! 2. **50 steps of a hand-written stencil.** An explicit heat-equation step, written for
//!    `ArrayView2` and run on every block through `map_overlap_as`, persisted every 10 steps
//!    (`persist()`).
//! 3. **Statistics of a 20000 x 5000 array.** Mean, standard deviation and a count over a
//!    threshold (`gt` and `count_nonzero`), computed together in one pass over the data
//!    (`chunkwise::compute`).
//!
//! ```sh
//! cargo run --release --example first_hour
//! ```

use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::Instant;

use chunkwise::io::ome_zarr::{self, LabelOptions, MultiscaleOptions};
use chunkwise::io::zarr::ZarrOptions;
use chunkwise::{Array, Boundary, Scheduler, ndfilters, stack};
use ndarray::{Array2, ArrayView2, Axis, Ix2, Ix3, s};

type Res<T> = Result<T, Box<dyn Error>>;

fn main() -> Res<()> {
    let dir = std::env::temp_dir().join(format!("chunkwise-first-hour-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let scheduler = Scheduler::threads(std::thread::available_parallelism()?.get());
    let outcome = (|| -> Res<()> {
        image_stack(&dir, &scheduler)?;
        stencil(&scheduler)?;
        statistics(&scheduler)?;
        Ok(())
    })();
    std::fs::remove_dir_all(&dir)?;
    outcome
}

/// Job 1: PNG frames -> median and blur within each frame -> Zarr.
fn image_stack(dir: &Path, scheduler: &Scheduler) -> Res<()> {
    let (frames, h, w) = (8, 512, 384);
    let paths = write_frames(dir, frames, h, w)?;
    let t = Instant::now();
    // One block per frame, each read from its file.
    let planes = paths
        .iter()
        .map(|p| Array::from_ndarray(read_png(p)?, [h, w]).map_err(Into::into))
        .collect::<Res<Vec<Array<f64>>>>()?;
    let volume = stack(0, &planes)?;
    let denoised = ndfilters::median_filter(&volume, [1, 3, 3], Boundary::Reflect)?;
    let blurred = ndfilters::gaussian_filter_axes(
        &denoised,
        &[0.0, 1.5, 1.5],
        ndfilters::DEFAULT_TRUNCATE,
        Boundary::Reflect,
    )?;
    let store = dir.join("filtered.zarr");
    blurred.to_zarr_with(
        &store,
        ZarrOptions::default().chunks([1, 256, 384]),
        scheduler,
    )?;
    let stored: ndarray::Array3<f64> =
        Array::<f64>::from_zarr(&store)?.compute_as::<Ix3>(scheduler)?;
    println!(
        "1. {frames} frames of {h} x {w}: median [1, 3, 3], Gaussian within frames, to Zarr in {:.2?}",
        t.elapsed()
    );

    // Check: frame 3 filtered alone, as one block on the synchronous scheduler.
    let one = Array::from_ndarray(read_png(&paths[3])?, [h, w])?;
    let median = ndfilters::median_filter(&one, 3, Boundary::Reflect)?;
    let expected = ndfilters::gaussian_filter(&median, 1.5, Boundary::Reflect)?
        .compute_as::<Ix2>(&Scheduler::synchronous())?;
    let got = stored.index_axis(Axis(0), 3);
    let err = (&got - &expected)
        .iter()
        .fold(0.0f64, |m, d| m.max(d.abs()));
    assert!(
        err < 1e-12,
        "frame 3 differs from filtering it alone by {err}"
    );

    // Segment: the bright spot, as a label image (1 inside, 0 outside) beside the pyramid.
    let t = Instant::now();
    let spot = blurred.gt(0.5).astype::<u8>();
    let image = dir.join("stack.ome.zarr");
    let axes = MultiscaleOptions::new(&["t", "y", "x"]).levels(3);
    ome_zarr::write_multiscale_with(&blurred, &image, &axes, scheduler)?;
    let options = LabelOptions::new()
        .color(1, [255, 64, 0, 255])
        .property(1, "class", "spot");
    ome_zarr::write_labels_with(&spot, &image, "spot", &options, scheduler)?;
    let labels = ome_zarr::open_labels::<u8>(&image, "spot")?;
    let pixels = labels.multiscale.levels()[0]
        .array
        .astype::<u64>()
        .sum()
        .compute_scalar()?;
    println!(
        "   spot over 0.5: {pixels} pixels, written as OME-Zarr labels over a 3-level pyramid in {:.2?}",
        t.elapsed()
    );
    // Check: the same count from the stored stack, in ndarray.
    let want = stored.iter().filter(|&&v| v > 0.5).count() as u64;
    assert_eq!(
        pixels, want,
        "the label image differs from thresholding the stack"
    );
    assert_eq!(labels.multiscale.levels().len(), 3);
    Ok(())
}

/// Writes `n` synthetic 16-bit PNG frames (a moving bright spot on noise) and returns their
/// paths, as a microscope's folder would hold them.
fn write_frames(dir: &Path, n: usize, h: usize, w: usize) -> Res<Vec<PathBuf>> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    (0..n)
        .map(|k| {
            let img = image::ImageBuffer::from_fn(w as u32, h as u32, |x, y| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let (dx, dy) = (x as f64 - 40.0 * k as f64 - 60.0, y as f64 - 250.0);
                let spot = (-(dx * dx + dy * dy) / 800.0).exp();
                let noise = (state >> 48) as f64 / 65536.0;
                image::Luma([((0.7 * spot + 0.3 * noise) * 65535.0) as u16])
            });
            let path = dir.join(format!("frame_{k:03}.png"));
            img.save(&path)?;
            Ok(path)
        })
        .collect()
}

fn read_png(path: &Path) -> Res<Array2<f64>> {
    let img = image::open(path)?.to_luma16();
    let (w, h) = img.dimensions();
    Ok(Array2::from_shape_fn((h as usize, w as usize), |(i, j)| {
        img.get_pixel(j as u32, i as u32)[0] as f64 / 65535.0
    }))
}

/// One explicit heat-equation step on a block padded by one cell: the new interior, and the
/// padding as it was (map_overlap trims it off).
fn heat_step(u: ArrayView2<f64>) -> Array2<f64> {
    let (n, m) = u.dim();
    let mut out = u.to_owned();
    let c = u.slice(s![1..n - 1, 1..m - 1]);
    let lap = &u.slice(s![..n - 2, 1..m - 1])
        + &u.slice(s![2.., 1..m - 1])
        + u.slice(s![1..n - 1, ..m - 2])
        + u.slice(s![1..n - 1, 2..])
        - &c * 4.0;
    out.slice_mut(s![1..n - 1, 1..m - 1])
        .assign(&(&c + &(lap * 0.2)));
    out
}

/// Job 2: 50 steps of the stencil, persisted every 10 steps.
fn stencil(scheduler: &Scheduler) -> Res<()> {
    let (n, steps) = (1024, 50);
    let initial = Array2::from_shape_fn((n, n), |(i, j)| {
        if (i as isize - 300).abs() < 40 && (j as isize - 700).abs() < 40 {
            1.0
        } else {
            0.0
        }
    });
    let t = Instant::now();
    let mut u = Array::from_ndarray(initial.clone(), [256, 256])?;
    for step in 1..=steps {
        u = u.map_overlap_as::<Ix2, _, _>(1, Boundary::Nearest, heat_step)?;
        if step % 10 == 0 {
            u = u.persist()?; // keep the graph short (the default pool)
        }
    }
    let result = u.compute_as::<Ix2>(scheduler)?;
    println!(
        "2. {steps} stencil steps on {n} x {n} in 256 x 256 blocks in {:.2?}",
        t.elapsed()
    );

    // Check: the same steps on the whole array, padded by hand.
    let mut whole = initial;
    for _ in 0..steps {
        let mut padded = Array2::zeros((n + 2, n + 2));
        padded.slice_mut(s![1..n + 1, 1..n + 1]).assign(&whole);
        for k in 1..n + 1 {
            padded[[0, k]] = padded[[1, k]];
            padded[[n + 1, k]] = padded[[n, k]];
        }
        for k in 0..n + 2 {
            padded[[k, 0]] = padded[[k, 1]];
            padded[[k, n + 1]] = padded[[k, n]];
        }
        whole = heat_step(padded.view())
            .slice(s![1..n + 1, 1..n + 1])
            .to_owned();
    }
    assert_eq!(
        result, whole,
        "the chunked stencil differs from the whole-array one"
    );
    Ok(())
}

/// Job 3: mean, standard deviation and a count over a threshold, in one pass.
fn statistics(scheduler: &Scheduler) -> Res<()> {
    let x = Array::<f64>::random(&[20_000, 5_000], [2_000, 5_000], 7)?;
    let t = Instant::now();
    let mean = x.mean();
    let std = x.std(1); // ddof = 1, as numpy's
    let over = x.gt(0.9).count_nonzero();
    let (mean, std, over) = chunkwise::compute((&mean, &std, &over), scheduler)?;
    let (mean, std, over) = (mean[[]], std[[]], over[[]]); // 0-d results
    println!(
        "3. 20000 x 5000: mean {mean:.5}, std {std:.5}, {over} above 0.9, in one pass in {:.2?}",
        t.elapsed()
    );

    // Check against ndarray on the whole array.
    let whole = x.compute_with(scheduler)?;
    let n = whole.len() as f64;
    let m = whole.sum() / n;
    let var = whole.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (n - 1.0);
    assert!((mean - m).abs() < 1e-12 && (std - var.sqrt()).abs() < 1e-9);
    assert_eq!(over, whole.iter().filter(|&&v| v > 0.9).count());
    Ok(())
}
