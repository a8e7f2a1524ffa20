//! Registration of two 3-D volumes by phase correlation, then the shift undone by spline
//! interpolation: FFTs, a Fourier filter and resampling on chunked arrays.
//!
//! ```sh
//! cargo run --release --example register
//! ```
//!
//! The reference is a smooth random 64³ volume (white noise through a Gaussian of σ = 2) in
//! 32³ blocks; the moving volume is it shifted by a known sub-pixel amount (`ndinterp::shift`,
//! cubic, periodic). The shift is found by phase correlation: the cross power spectrum of the
//! two `rfftn`s (each frequency's phase difference, magnitude 1), smoothed by a Gaussian
//! (`ndfourier::fourier_gaussian`) so that its inverse (`irfftn`) peaks as a Gaussian does,
//! the peak's voxel (argmax), then a parabola through the peak and its two neighbours along
//! each axis, on the logarithm of the correlation (exact for a Gaussian peak). The moving
//! volume is shifted back by the found amount (cubic) and compared with the reference.
//!
//! Prints the true and found shifts and the residual; an error of more than 0.05 voxel on an
//! axis, or a residual above 1% of the volume's spread, is an error.

use chunkwise::fft::{self, Complex, FftNorm};
use chunkwise::ndinterp::{self, Interp, Mode};
use chunkwise::{Array, Boundary, ndfilters, ndfourier};
use ndarray::ArrayD;

const N: usize = 64;
const TRUE_SHIFT: [f64; 3] = [3.3, -5.6, 1.45];

/// The cyclic shift in `(-n/2, n/2]` that a peak at index `i` of an axis of `n` stands for.
fn signed(i: usize, n: usize) -> f64 {
    if i > n / 2 {
        i as f64 - n as f64
    } else {
        i as f64
    }
}

/// The shift that takes `moving` onto `reference`, by phase correlation.
fn phase_correlation(reference: &Array<f64>, moving: &Array<f64>) -> chunkwise::Result<[f64; 3]> {
    let f = fft::rfftn(reference, None, None, FftNorm::Backward)?;
    let g = fft::rfftn(moving, None, None, FftNorm::Backward)?;
    let cross = (&g * &f.conj()).map(|z: Complex<f64>| {
        let m = z.norm();
        if m > 0.0 {
            z / m
        } else {
            Complex::new(0.0, 0.0)
        }
    });
    // The last axis of a real transform: n gives the original length.
    let smooth = ndfourier::fourier_gaussian(&cross, 1.5, Some(N), 2)?;
    let r: ArrayD<f64> =
        fft::irfftn(&smooth, Some(&[N, N, N]), None, FftNorm::Backward)?.compute()?;
    let (peak, _) = r
        .indexed_iter()
        .fold((None, f64::MIN), |(p, best), (i, &v)| {
            if v > best { (Some(i), v) } else { (p, best) }
        });
    let peak = peak.expect("a non-empty volume");
    let mut shift = [0.0; 3];
    for (axis, s) in shift.iter_mut().enumerate() {
        let at = |d: isize| {
            let mut i = [peak[0], peak[1], peak[2]];
            i[axis] = (i[axis] as isize + d).rem_euclid(N as isize) as usize;
            r[i].max(1e-300).ln()
        };
        let (l, c, h) = (at(-1), at(0), at(1));
        *s = signed(peak[axis], N) + (l - h) / (2.0 * (l - 2.0 * c + h));
    }
    Ok(shift)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let noise = Array::<f64>::random(&[N, N, N], [32, 32, 32], 7)?;
    let reference = ndfilters::gaussian_filter(&noise, 2.0, Boundary::Periodic)?.persist()?;
    let cubic = Interp::new().order(3).mode(Mode::GridWrap);
    let moving = ndinterp::shift(&reference, TRUE_SHIFT, &cubic)?.persist()?;

    let found = phase_correlation(&reference, &moving)?;
    let back: Vec<f64> = found.iter().map(|s| -s).collect();
    let restored = ndinterp::shift(&moving, back, &cubic)?;

    let reference = reference.compute()?;
    let restored = restored.compute()?;
    let mean = reference.mean().unwrap_or(0.0);
    let spread = reference
        .mapv(|v| (v - mean).powi(2))
        .mean()
        .unwrap_or(0.0)
        .sqrt();
    let residual = (&restored - &reference)
        .mapv(|v| v * v)
        .mean()
        .unwrap_or(0.0)
        .sqrt()
        / spread;

    println!("true shift  {TRUE_SHIFT:?}");
    println!(
        "found shift [{:.4}, {:.4}, {:.4}]",
        found[0], found[1], found[2]
    );
    println!(
        "residual after undoing the shift: {:.3}% of the volume's spread",
        100.0 * residual
    );
    for (f, t) in found.iter().zip(TRUE_SHIFT) {
        if (f - t).abs() > 0.05 {
            return Err(format!(
                "found shift {found:?} is more than 0.05 voxel from {TRUE_SHIFT:?}"
            )
            .into());
        }
    }
    if residual > 0.01 {
        return Err(format!("residual {residual} is above 1% of the spread").into());
    }
    Ok(())
}
