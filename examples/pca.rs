//! Principal components of a chunked data set: 100,000 samples of 16 features in blocks of
//! 10,000 rows, centred, then `linalg::svd` (TSQR, then the SVD of the small R) and
//! `linalg::svd_compressed` for the top three. The data are three latent factors of scales 5, 3
//! and 1 mixed into the features, plus noise: three components explain nearly everything.
//!
//! ```sh
//! cargo run --release --example pca
//! ```
//!
//! Prints the explained variance of each component and checks the singular values and the first
//! three principal axes (up to sign) against numpy's SVD of the same data
//! (`tests/data/linalg/pca.txt`, made by `scripts/linalg_fixtures.py` with the same formula for
//! the data); a mismatch is an error.

use std::path::Path;

use chunkwise::{Array, Scheduler, linalg};

const SAMPLES: usize = 100_000;
const FEATURES: usize = 16;
const ROWS: usize = 10_000;

/// Pseudo-random numbers in [0, 1): SplitMix64's mixer of a cell's index (the fixture script
/// computes the same).
fn unit(i: usize, j: usize, seed: u64) -> f64 {
    let mut z = (i as u64)
        .wrapping_mul(1_000_003)
        .wrapping_add((j as u64).wrapping_mul(7919))
        .wrapping_add(seed.wrapping_mul(0x1234567))
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let scheduler = Scheduler::global()?;
    let scales = [5.0, 3.0, 1.0];
    let loadings: Vec<[f64; FEATURES]> = (0..3)
        .map(|r| std::array::from_fn(|j| unit(r, j, 2) - 0.5))
        .collect();
    // The data, made block by block inside the tasks that read them.
    let x = Array::<f64>::from_fn(&[SAMPLES, FEATURES], [ROWS, FEATURES], move |idx| {
        let (i, j) = (idx[0], idx[1]);
        let mixed: f64 = (0..3)
            .map(|r| (unit(i, r, 1) - 0.5) * scales[r] * 12f64.sqrt() * loadings[r][j])
            .sum();
        mixed + (unit(i, j, 3) - 0.5) * 0.1 * 12f64.sqrt()
    })?;
    let centred = x.try_sub(&x.mean_axis(0)?)?.persist_with(&scheduler)?;

    let (_, s, vt) = linalg::svd(&centred)?;
    let (s, vt) = chunkwise::compute((&s, &vt), &scheduler)?;
    let variance: Vec<f64> = s.iter().map(|v| v * v / (SAMPLES - 1) as f64).collect();
    let total: f64 = variance.iter().sum();
    println!("component  singular value  explained variance");
    for (k, (sv, var)) in s.iter().zip(&variance).enumerate().take(6) {
        println!("{:>9} {sv:>15.4} {:>18.4}%", k + 1, 100.0 * var / total);
    }

    // numpy's SVD of the same data.
    let fixture = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/linalg/pca.txt"),
    )?;
    let rows: Vec<Vec<f64>> = fixture
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split_whitespace().map(|v| v.parse().unwrap()).collect())
        .collect();
    let worst = s
        .iter()
        .zip(&rows[0])
        .map(|(a, b)| (a - b).abs() / rows[0][0])
        .fold(0.0, f64::max);
    if worst > 1e-10 {
        return Err(
            format!("singular values differ from numpy's by {worst:e} of the largest").into(),
        );
    }
    for (k, axis) in rows[1..].iter().enumerate() {
        // The same axis up to sign: |cos| of the angle between them is 1.
        let cos: f64 = (0..FEATURES).map(|j| vt[[k, j]] * axis[j]).sum();
        if (cos.abs() - 1.0).abs() > 1e-9 {
            return Err(
                format!("principal axis {} differs from numpy's (cos {cos})", k + 1).into(),
            );
        }
    }
    println!(
        "singular values within {worst:.1e} of numpy's; the first 3 axes are numpy's up to sign"
    );

    let (_, top, _) = linalg::svd_compressed(&centred, 3, 2, 42)?;
    let top = top.compute_with(&scheduler)?;
    let off = (0..3)
        .map(|k| (top[[k]] - s[[k]]).abs() / s[[k]])
        .fold(0.0, f64::max);
    println!("svd_compressed(k = 3, 2 power iterations): the top 3 within {off:.1e} relative");
    if off > 1e-8 {
        return Err("svd_compressed's top singular values are off".into());
    }
    Ok(())
}
