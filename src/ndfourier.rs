//! Filters in Fourier space, as `scipy.ndimage`'s `fourier_gaussian`, `fourier_uniform`,
//! `fourier_ellipsoid` and `fourier_shift` (and dask-image's `ndfourier`): the input is the
//! transform of an array ([`fft::fftn`](crate::fft::fftn), or [`fft::rfftn`](crate::fft::rfftn)
//! with `n` the original length along `axis`), and each element is multiplied by the filter's
//! transform at its frequency. Elementwise, so any chunking works and each block is one task.
//!
//! Frequencies are scipy's: along an axis of length `m` of a complex transform, index `i` is
//! frequency `i / m` for `i < ⌈m/2⌉` and `(i - m) / m` above; along `axis` of a real transform
//! (`n` given), index `i` is `i / n`.
//!
//! # Examples
//!
//! ```
//! use chunkwise::{Array, fft, ndfourier};
//! // Smoothing by a Gaussian of σ = 2 through Fourier space.
//! let x = Array::<f64>::random(&[64, 64], [32, 32], 1)?;
//! let smooth = fft::ifftn(
//!     &ndfourier::fourier_gaussian(&fft::fftn(&x, None, None, Default::default())?, 2.0, None, 1)?,
//!     None, None, Default::default(),
//! )?.re();
//! let (x, smooth) = (x.compute()?, smooth.compute()?);
//! let var = |a: &ndarray::ArrayD<f64>| a.var(0.0);
//! assert!(var(&smooth) < var(&x) / 10.0);
//! # Ok::<(), chunkwise::Error>(())
//! ```

use std::f64::consts::PI;
use std::ops::Mul;
use std::sync::Arc;

use ndarray::IxDyn;

use crate::array::Array;
use crate::error::{Error, Result};
use crate::expr::block::{Element, block_of, owned};
use crate::expr::blockwise::{Blockwise, Kernel};
use crate::fft::{Complex, FftElement};

/// A parameter per axis: one number for every axis, or one each (scipy's sequences).
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndfourier};
/// let x = Array::<f64>::ones(&[4, 6], [2, 3])?;
/// let _ = ndfourier::fourier_uniform(&x, 3.0, None, 1)?; // 3 along both axes
/// let _ = ndfourier::fourier_uniform(&x, [1.0, 3.0], None, 1)?; // 1 along rows, 3 along columns
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub trait PerAxis {
    /// The values for an array of `ndim` axes, or `None` if there are not as many.
    fn per_axis(&self, ndim: usize) -> Option<Vec<f64>>;
}

impl PerAxis for f64 {
    fn per_axis(&self, ndim: usize) -> Option<Vec<f64>> {
        Some(vec![*self; ndim])
    }
}

impl PerAxis for [f64] {
    fn per_axis(&self, ndim: usize) -> Option<Vec<f64>> {
        (self.len() == ndim).then(|| self.to_vec())
    }
}

impl<const N: usize> PerAxis for [f64; N] {
    fn per_axis(&self, ndim: usize) -> Option<Vec<f64>> {
        self[..].per_axis(ndim)
    }
}

impl PerAxis for Vec<f64> {
    fn per_axis(&self, ndim: usize) -> Option<Vec<f64>> {
        self[..].per_axis(ndim)
    }
}

impl<P: PerAxis + ?Sized> PerAxis for &P {
    fn per_axis(&self, ndim: usize) -> Option<Vec<f64>> {
        (**self).per_axis(ndim)
    }
}

/// The checked per-axis values named `name`.
fn values<T: Element>(
    op: &'static str,
    name: &'static str,
    a: &Array<T>,
    p: &impl PerAxis,
) -> Result<Vec<f64>> {
    let v = p.per_axis(a.ndim()).ok_or_else(|| {
        Error::invalid(
            op,
            name,
            format!("a sequence for an array of {} axes", a.ndim()),
            "one value, or one per axis",
        )
    })?;
    if let Some(bad) = v.iter().find(|x| !x.is_finite()) {
        return Err(Error::invalid(op, name, bad, "finite values"));
    }
    Ok(v)
}

/// The frequency of each index along each axis of `a` (see the [module](self)).
fn frequencies<T: Element>(
    op: &'static str,
    a: &Array<T>,
    n: Option<usize>,
    axis: usize,
) -> Result<Vec<Vec<f64>>> {
    a.check_axis(op, axis)?;
    if n == Some(0) {
        return Err(Error::invalid(
            op,
            "n",
            0,
            "the original length, at least 1",
        ));
    }
    Ok(a.shape()
        .iter()
        .enumerate()
        .map(|(k, &m)| match n {
            Some(n) if k == axis => (0..m).map(|i| i as f64 / n as f64).collect(),
            _ => (0..m)
                .map(|i| {
                    let j = if i < m.div_ceil(2) {
                        i as f64
                    } else {
                        i as f64 - m as f64
                    };
                    j / m as f64
                })
                .collect(),
        })
        .collect())
}

/// `a` with each element multiplied by `factor(frequencies along each axis)`.
fn modulate<T, M, U>(
    op: &'static str,
    a: &Array<T>,
    freqs: Vec<Vec<f64>>,
    factor: impl Fn(&[f64]) -> M + Send + Sync + 'static,
    apply: impl Fn(T, M) -> U + Send + Sync + 'static,
) -> Array<U>
where
    T: Element + Copy,
    U: Element,
{
    let chunks = a.chunk_layout().clone();
    let grid = chunks.clone();
    let freqs = Arc::new(freqs);
    let kernel: Kernel = Box::new(move |b, _, inputs| {
        let block = block_of::<T>(&inputs[0]).view();
        let starts: Vec<usize> = grid.block_ranges(b).iter().map(|r| r.start).collect();
        let mut f = vec![0.0; starts.len()];
        let out = ndarray::ArrayD::from_shape_fn(IxDyn(block.shape()), |idx| {
            for (k, v) in f.iter_mut().enumerate() {
                *v = freqs[k][starts[k] + idx[k]];
            }
            apply(block[&idx], factor(&f))
        });
        Ok(owned(out))
    });
    let axes = vec![(0..a.ndim()).map(Some).collect()];
    Array::from_node(Blockwise::new::<U>(
        op,
        chunks,
        vec![a.node().clone()],
        axes,
        kernel,
        false,
    ))
}

/// The input multiplied by a real factor of its frequencies and the per-axis parameter `p`
/// (named `name`), as the filters with real transforms do.
fn real_filter<T, P: PerAxis>(
    op: &'static str,
    name: &'static str,
    input: &Array<T>,
    p: P,
    n: Option<usize>,
    axis: usize,
    factor: impl Fn(&[f64], &[f64]) -> f64 + Send + Sync + 'static,
) -> Result<Array<T>>
where
    T: FftElement + Mul<T::Real, Output = T>,
{
    let p = values(op, name, input, &p)?;
    let freqs = frequencies(op, input, n, axis)?;
    Ok(modulate(
        op,
        input,
        freqs,
        move |f| real::<T>(factor(f, &p)),
        |x, m| x * m,
    ))
}

/// The input multiplied by the transform of a Gaussian of standard deviations `sigma`, as
/// scipy's `ndimage.fourier_gaussian(input, sigma, n, axis)`: `exp(-2 π² Σ σ_k² f_k²)`. `n`
/// is `None` for a complex transform (scipy's `n=-1`), or the original length along `axis` of
/// a real one.
///
/// # Errors
///
/// [`Error::AxisOutOfRange`]; [`Error::InvalidParameter`] for `sigma` of another length than
/// the axes, a value that is not finite, or `n` of 0.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndfourier};
/// let x = Array::<f64>::ones(&[8], [3])?;
/// let y = ndfourier::fourier_gaussian(&x, 1.0, None, 0)?.compute()?;
/// assert_eq!(y[[0]], 1.0); // the zero frequency is kept
/// assert!((y[[1]] - (-2.0 * std::f64::consts::PI.powi(2) / 64.0).exp()).abs() < 1e-15);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn fourier_gaussian<T>(
    input: &Array<T>,
    sigma: impl PerAxis,
    n: Option<usize>,
    axis: usize,
) -> Result<Array<T>>
where
    T: FftElement + Mul<T::Real, Output = T>,
{
    real_filter(
        "fourier_gaussian",
        "sigma",
        input,
        sigma,
        n,
        axis,
        |f, sigma| {
            let e: f64 = f.iter().zip(sigma).map(|(f, s)| s * s * f * f).sum();
            (-2.0 * PI * PI * e).exp()
        },
    )
}

/// The input multiplied by the transform of a box of sides `size`, as scipy's
/// `ndimage.fourier_uniform(input, size, n, axis)`: `Π sin(π s_k f_k) / (π s_k f_k)`.
///
/// # Errors
///
/// As [`fourier_gaussian`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndfourier};
/// let x = Array::<f64>::ones(&[4], [4])?;
/// let y = ndfourier::fourier_uniform(&x, 2.0, None, 0)?.compute()?;
/// // f = 1/4: sin(π/2) / (π/2).
/// assert!((y[[1]] - 2.0 / std::f64::consts::PI).abs() < 1e-15);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn fourier_uniform<T>(
    input: &Array<T>,
    size: impl PerAxis,
    n: Option<usize>,
    axis: usize,
) -> Result<Array<T>>
where
    T: FftElement + Mul<T::Real, Output = T>,
{
    real_filter(
        "fourier_uniform",
        "size",
        input,
        size,
        n,
        axis,
        |f, size| f.iter().zip(size).map(|(f, s)| sinc(PI * s * f)).product(),
    )
}

/// The input multiplied by the transform of an ellipsoid (an interval, an ellipse, an
/// ellipsoid) of diameters `size`, as scipy's `ndimage.fourier_ellipsoid(input, size, n,
/// axis)`: with `r = π √(Σ (s_k f_k)²)`, `sin r / r` in 1-D, `2 J₁(r) / r` in 2-D and
/// `3 (sin r - r cos r) / r³` in 3-D.
///
/// # Errors
///
/// As [`fourier_gaussian`], and [`Error::InvalidParameter`] for an array of more than 3 axes
/// (as scipy).
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndfourier};
/// let x = Array::<f64>::ones(&[6, 6], [3, 3])?;
/// let y = ndfourier::fourier_ellipsoid(&x, [2.0, 2.0], None, 1)?.compute()?;
/// assert_eq!(y[[0, 0]], 1.0);
/// assert!(y[[0, 1]] < 1.0 && y[[0, 1]] > 0.0);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn fourier_ellipsoid<T>(
    input: &Array<T>,
    size: impl PerAxis,
    n: Option<usize>,
    axis: usize,
) -> Result<Array<T>>
where
    T: FftElement + Mul<T::Real, Output = T>,
{
    let rank = input.ndim();
    if !(1..=3).contains(&rank) {
        return Err(Error::invalid(
            "fourier_ellipsoid",
            "input",
            format!("an array of {rank} axes"),
            "1 to 3 axes",
        ));
    }
    real_filter(
        "fourier_ellipsoid",
        "size",
        input,
        size,
        n,
        axis,
        move |f, size| {
            let r2: f64 = f.iter().zip(size).map(|(f, s)| (s * f) * (s * f)).sum();
            let r = PI * r2.sqrt();
            match rank {
                _ if r == 0.0 => 1.0,
                1 => r.sin() / r,
                2 => 2.0 * bessel_j1(r) / r,
                _ => 3.0 * (r.sin() - r * r.cos()) / (r * r * r),
            }
        },
    )
}

/// The input multiplied by `exp(-2πi Σ shift_k f_k)`: the transform of the array shifted by
/// `shift` (circularly), as scipy's `ndimage.fourier_shift(input, shift, n, axis)`. Complex
/// output, from real or complex input.
///
/// # Errors
///
/// As [`fourier_gaussian`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, fft, ndfourier};
/// let x = Array::from_ndarray(ndarray::array![0.0f64, 1.0, 0.0, 0.0].into_dyn(), [2])?;
/// let moved = fft::ifft(
///     &ndfourier::fourier_shift(&fft::fft(&x, None, 0, Default::default())?, 1.0, None, 0)?,
///     None, 0, Default::default(),
/// )?.re().compute()?;
/// assert!((moved[[2]] - 1.0).abs() < 1e-12 && moved[[1]].abs() < 1e-12);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn fourier_shift<T: FftElement>(
    input: &Array<T>,
    shift: impl PerAxis,
    n: Option<usize>,
    axis: usize,
) -> Result<Array<Complex<T::Real>>> {
    let op = "fourier_shift";
    let shift = values(op, "shift", input, &shift)?;
    let freqs = frequencies(op, input, n, axis)?;
    Ok(modulate(
        op,
        input,
        freqs,
        move |f| {
            let phase: f64 = -2.0 * PI * f.iter().zip(&shift).map(|(f, s)| s * f).sum::<f64>();
            Complex::new(real::<T>(phase.cos()), real::<T>(phase.sin()))
        },
        |x: T, m| x.into_complex() * m,
    ))
}

/// `v` as the real type of `T`.
fn real<T: FftElement>(v: f64) -> T::Real {
    <T::Real as num_traits::NumCast>::from(v).expect("a factor is finite")
}

/// `sin x / x`, 1 at 0.
fn sinc(x: f64) -> f64 {
    if x == 0.0 { 1.0 } else { x.sin() / x }
}

/// The Bessel function of the first kind of order 1, `J₁(x)` for `x ≥ 0`, by Miller's backward
/// recurrence (`J_{k-1} = (2k / x) J_k - J_{k+1}` from an order well above `x`, normalised by
/// `J₀ + 2 Σ J_{2k} = 1`): accurate to rounding for every `x`, at a cost that grows with `x`.
fn bessel_j1(x: f64) -> f64 {
    if x == 0.0 {
        return 0.0;
    }
    // An even starting order past x, far enough for the recurrence to settle.
    let start = 2 * ((x + 40.0 + 8.0 * x.sqrt()) as usize / 2 + 1);
    let (mut above, mut here) = (0.0f64, 1e-300f64);
    let (mut norm, mut j1) = (0.0f64, 0.0f64);
    for k in (1..=start).rev() {
        // here = J_k, above = J_{k+1}: step down to J_{k-1}.
        let below = (2.0 * k as f64 / x) * here - above;
        above = here;
        here = below;
        let order = k - 1;
        if order == 1 {
            j1 = here;
        }
        if order > 0 && order % 2 == 0 {
            norm += 2.0 * here;
        }
        if here.abs() > 1e250 {
            above *= 1e-250;
            here *= 1e-250;
            norm *= 1e-250;
            j1 *= 1e-250;
        }
    }
    norm += here; // J_0
    j1 / norm
}

#[cfg(test)]
mod tests {
    use super::bessel_j1;

    /// Against values of J₁ (Abramowitz and Stegun, table 9.1, to the digits scipy's `j1`
    /// gives; the first zero from DLMF §10.21) and its series near 0.
    #[test]
    fn bessel_j1_matches_tables() {
        for (x, want) in [
            (1.0, 0.440_050_585_744_933_5),
            (2.0, 0.576_724_807_756_873_4),
            (5.0, -0.327_579_137_591_465_3),
            (10.0, 0.043_472_746_168_861_44),
        ] {
            assert!(
                (bessel_j1(x) - want).abs() < 1e-14,
                "J1({x}) = {}",
                bessel_j1(x)
            );
        }
        assert!(bessel_j1(3.831_705_970_207_512).abs() < 1e-14);
        let x = 1e-3;
        assert!((bessel_j1(x) - (x / 2.0 - x * x * x / 16.0)).abs() < 1e-17);
        // Large arguments: the asymptotic form √(2/πx) cos(x - 3π/4) to O(1/x).
        let x = 400.0f64;
        let approx =
            (2.0 / (std::f64::consts::PI * x)).sqrt() * (x - 0.75 * std::f64::consts::PI).cos();
        assert!((bessel_j1(x) - approx).abs() < 1e-3);
    }
}
