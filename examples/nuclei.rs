//! Separate touching nuclei, chunked: the classic scikit-image pipeline on a synthetic image of
//! 256 touching and overlapping discs (512 x 512 in 128 x 128 blocks). Threshold, Euclidean
//! distance transform, markers at the maxima of the distance (a 7 x 7 maximum filter equal to
//! the distance, labelled), a watershed of the negated distance from the markers within the
//! foreground, and a table of each nucleus's area, centroid, mean intensity and equivalent
//! diameter.
//!
//! ```sh
//! cargo run --release --example nuclei
//! ```
//!
//! Every step is exact across blocks (the distance transform's passes run along whole lines,
//! labels join across blocks, the watershed floods the whole image in one task), so the result
//! is the whole-image one: the example checks the count, a checksum of the label image and the
//! table against what scipy.ndimage and scikit-image give for the same pipeline
//! (`tests/data/nuclei/reference.txt`, made by `scripts/nuclei_reference.py`); a mismatch is an
//! error.

use std::path::Path;

use chunkwise::ndmeasure::{self, Connectivity, Property};
use chunkwise::{Array, Boundary, Scheduler, ndfilters, ndmorph};
use ndarray::Array2;

const N: usize = 512;
const BLOCK: usize = 128;

/// The synthetic image (`scripts/nuclei_reference.py`'s formula): the number of discs covering
/// each cell plus a faint texture.
fn image() -> Array2<f64> {
    let mut img = Array2::<f64>::zeros((N, N));
    for a in 0..16i64 {
        for b in 0..16i64 {
            let ci = 32 * a + 16 + (7 * a + 3 * b) % 9 - 4;
            let cj = 32 * b + 16 + (5 * a + 11 * b) % 9 - 4;
            let r = 13 + (3 * a + 5 * b) % 6;
            for ((i, j), v) in img.indexed_iter_mut() {
                let (di, dj) = (i as i64 - ci, j as i64 - cj);
                if di * di + dj * dj <= r * r {
                    *v += 1.0;
                }
            }
        }
    }
    for (p, v) in img.iter_mut().enumerate() {
        *v += ((7 * p + 3) % 13) as f64 / 26.0;
    }
    img
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let scheduler = Scheduler::global()?;
    let img = Array::from_ndarray(image(), [BLOCK, BLOCK])?.persist_with(&scheduler)?;

    // The pipeline, lazily.
    let foreground = img.map(|v| v > 0.5);
    let distance = ndmorph::distance_transform_edt(&foreground, None)?.persist_with(&scheduler)?;
    let peaks = ndfilters::maximum_filter(&distance, 7, Boundary::Reflect)?
        .zip_with(&distance, |m, d| m == d)?
        .zip_with(&foreground, |p, f| p && f)?;
    let (markers, _) = ndmeasure::label(&peaks, Connectivity::Full)?;
    let nuclei = ndmeasure::watershed(&distance.map(|d| -d), &markers, 1, Some(&foreground))?
        .persist_with(&scheduler)?;
    let properties = [
        Property::Area,
        Property::Centroid,
        Property::IntensityMean,
        Property::EquivalentDiameterArea,
    ];
    let table = ndmeasure::regionprops_table(&nuclei, Some(&img), &properties)?
        .compute_scalar_with(&scheduler)?;

    println!("{} nuclei", table.labels.len());
    println!(
        "{:>6} {:>7} {:>16} {:>10} {:>9}",
        "label", "area", "centroid", "intensity", "diameter"
    );
    let col = |name: &str| table.column(name).ok_or(format!("no column {name}"));
    let (area, c0, c1) = (col("area")?, col("centroid-0")?, col("centroid-1")?);
    let (mean, diameter) = (col("intensity_mean")?, col("equivalent_diameter_area")?);
    for (k, l) in table.labels.iter().enumerate().take(8) {
        println!(
            "{l:>6} {:>7} {:>7.2},{:>7.2} {:>10.3} {:>9.2}",
            area[k], c0[k], c1[k], mean[k], diameter[k]
        );
    }
    println!("   ...");

    let labels = nuclei.compute_with(&scheduler)?;
    let checksum: u64 = labels
        .iter()
        .enumerate()
        .map(|(p, &l)| u64::from(l) * (p as u64 % 1009 + 1))
        .sum();
    check(&table, checksum)?;
    Ok(())
}

/// Compares with scipy's and scikit-image's results for the same pipeline.
fn check(table: &ndmeasure::RegionTable, checksum: u64) -> Result<(), Box<dyn std::error::Error>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/nuclei/reference.txt");
    let text = std::fs::read_to_string(path)?;
    let field = |key: &str| -> Result<&str, String> {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{key} ; ")))
            .ok_or(format!("reference.txt: no {key}"))
    };
    let count: usize = field("count")?.parse()?;
    let want_checksum: u64 = field("checksum")?.parse()?;
    if table.labels.len() != count || checksum != want_checksum {
        return Err(format!(
            "differs from scipy/scikit-image: {} nuclei (expected {count}), label checksum \
             {checksum} (expected {want_checksum})",
            table.labels.len()
        )
        .into());
    }
    for (name, got) in &table.columns {
        let want: Vec<f64> = field(name)?
            .split(',')
            .map(str::parse)
            .collect::<Result<_, _>>()?;
        if let Some((k, (g, w))) = got
            .iter()
            .zip(&want)
            .enumerate()
            .find(|(_, (g, w))| (*g - *w).abs() > 1e-9 * w.abs().max(1.0))
        {
            return Err(format!("{name} of nucleus {}: {g}, expected {w}", k + 1).into());
        }
    }
    println!(
        "equal to scipy.ndimage + scikit-image: {count} nuclei, the label image (checksum) and every \
         column"
    );
    Ok(())
}
