//! Segment and measure, chunked: scikit-image's "label image regions" pipeline on its `coins`
//! image, in 128 x 128 blocks on every core. Smooth, threshold by Otsu's method, close small
//! gaps, drop the objects cut by the image's edge, label what is left, and measure each object.
//!
//! ```sh
//! cargo run --release --example segment                 # writes target/segment_labels.png
//! cargo run --release --example segment -- labels.png   # or where you say
//! ```
//!
//! Prints one row per object (its area and mean intensity) and checks the count, the areas and
//! the means against what scipy.ndimage and scikit-image give for the same pipeline
//! (`tests/data/segment/segment.json`, made by `scripts/ndmeasure_fixtures.py`); a mismatch is
//! an error. The whole pipeline is one lazy graph until the measurements are computed.

use std::path::{Path, PathBuf};

use chunkwise::ndmeasure::{self, Connectivity};
use chunkwise::{Array, Boundary, Scheduler, ndfilters, ndmorph};
use ndarray::{ArrayD, IxDyn};

const BLOCK: usize = 128;
const SIGMA: f64 = 2.0;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/segment");
    let out = std::env::args().nth(1).map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target/segment_labels.png"),
        PathBuf::from,
    );
    let scheduler = Scheduler::global()?;

    // The pipeline, lazily: nothing runs until the measurements below.
    let coins = Array::<u8>::from_npy(data.join("coins.npy"), [BLOCK, BLOCK])?;
    let smooth = ndfilters::gaussian_filter(&coins.map(f64::from), SIGMA, Boundary::Reflect)?
        .persist_with(&scheduler)?; // read twice: by Otsu's method and by the threshold
    let threshold = ndmeasure::threshold_otsu(&smooth, 256)?;
    let foreground = smooth.zip_with(&threshold, |v, t| v > t)?;
    let square = ArrayD::from_elem(IxDyn(&[3, 3]), true);
    let closed = ndmorph::binary_closing(&foreground, Some(square), 1)?;
    let (labels, _) = ndmeasure::label(&closed, Connectivity::Face)?;
    let inner = ndmeasure::clear_border(&labels)?.map(|l| l > 0);
    let (objects, count) = ndmeasure::label(&inner, Connectivity::Face)?;
    let objects = objects.persist_with(&scheduler)?;
    let n = count.compute_scalar_with(&scheduler)? as u32;

    // One value per object, merged from per-block partials.
    let index: Vec<u32> = (1..=n).collect();
    let areas = ndmeasure::count(&coins, &objects, &index)?;
    let means = ndmeasure::mean(&coins, &objects, &index)?;
    let (areas, means) = chunkwise::compute((&areas, &means), &scheduler)?;

    println!(
        "Otsu threshold {:.3}; {n} objects",
        threshold.compute_scalar_with(&scheduler)?
    );
    println!("{:>6} {:>8} {:>15}", "label", "area", "mean intensity");
    for (i, (a, m)) in areas.iter().zip(&means).enumerate() {
        println!("{:>6} {a:>8} {m:>15.2}", i + 1);
    }

    check(&data, n, &areas, &means)?;
    write_png(&objects.compute_with(&scheduler)?, &out)?;
    println!("labels written to {}", out.display());
    Ok(())
}

/// Compares with scipy's and scikit-image's results for the same pipeline.
fn check(
    data: &Path,
    n: u32,
    areas: &ArrayD<u64>,
    means: &ArrayD<f64>,
) -> Result<(), Box<dyn std::error::Error>> {
    let want: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("segment.json"))?)?;
    let want_areas: Vec<u64> = want["areas"]
        .as_array()
        .ok_or("segment.json: no areas")?
        .iter()
        .filter_map(|v| v.as_u64())
        .collect();
    let want_means: Vec<f64> = want["mean_intensity"]
        .as_array()
        .ok_or("segment.json: no means")?
        .iter()
        .filter_map(|v| v.as_f64())
        .collect();
    if u64::from(n) != want["count"].as_u64().unwrap_or(0)
        || areas.iter().ne(want_areas.iter())
        || means
            .iter()
            .zip(&want_means)
            .any(|(a, b)| (a - b).abs() > 1e-9 * b.abs())
    {
        return Err(format!(
            "differs from scipy/scikit-image: {n} objects, areas {:?}; expected {want_areas:?}",
            areas.as_slice()
        )
        .into());
    }
    println!("equal to scipy.ndimage + scikit-image: {n} objects, every area and mean");
    Ok(())
}

/// Each object in its own colour (a hash of its label), the background black.
fn write_png(labels: &ArrayD<u32>, path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let (h, w) = (labels.shape()[0], labels.shape()[1]);
    let image = image::RgbImage::from_fn(w as u32, h as u32, |x, y| {
        let l = labels[[y as usize, x as usize]];
        if l == 0 {
            return image::Rgb([0, 0, 0]);
        }
        let hash = l.wrapping_mul(0x9e37_79b9).rotate_left(7);
        let [r, g, b, _] = hash.to_le_bytes();
        image::Rgb([r | 0x40, g | 0x40, b | 0x40])
    });
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    image.save(path)?;
    Ok(())
}
