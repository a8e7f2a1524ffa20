//! Gaussian kernels and their derivatives: scipy's `gaussian_filter(x, sigma, order)`,
//! `gaussian_gradient_magnitude` and `gaussian_laplace`.

use ndarray::ArrayD;
use num_traits::Float;

use super::kernels::separable;
use super::{DEFAULT_TRUNCATE, cast, filter};
use crate::array::Array;
use crate::chunks::IntoBoundaries;
use crate::error::{Error, Result};
use crate::expr::block::Element;

/// The highest derivative order taken: beyond it the kernel's polynomial means nothing in f64.
const MAX_ORDER: usize = 64;

/// One separable filter: a 1-D kernel per filtered axis, in axis order.
pub(super) type Passes<T> = Vec<(usize, Vec<T>)>;

/// Ghost-cell depth per axis, before and after.
type Depth = Vec<(usize, usize)>;

/// scipy's 1-D Gaussian kernel of derivative `order` on `-radius..=radius`, as correlation
/// weights: `exp(-x² / 2σ²)` normalised to sum 1, times the derivative's polynomial, reversed
/// (scipy correlates with the kernel mirrored).
fn kernel<T: Float>(sigma: f64, order: usize, radius: usize) -> Vec<T> {
    let s2 = sigma * sigma;
    let xs: Vec<f64> = (0..=2 * radius).map(|i| i as f64 - radius as f64).collect();
    let phi: Vec<f64> = xs.iter().map(|x| (-0.5 / s2 * x * x).exp()).collect();
    let sum: f64 = phi.iter().sum();
    // q(x), with d/dx [q(x) phi(x)] = (q'(x) - x q(x) / σ²) phi(x), applied `order` times.
    let mut q = vec![0.0; order + 1];
    q[0] = 1.0;
    for _ in 0..order {
        let prev = q.clone();
        for (k, c) in q.iter_mut().enumerate() {
            let deriv = prev.get(k + 1).map_or(0.0, |&n| (k + 1) as f64 * n);
            let times_x = if k > 0 { prev[k - 1] / -s2 } else { 0.0 };
            *c = deriv + times_x;
        }
    }
    xs.iter()
        .zip(&phi)
        .rev()
        .map(|(&x, &p)| {
            let poly: f64 = q.iter().rev().fold(0.0, |acc, &c| acc * x + c);
            cast(poly * p / sum)
        })
        .collect()
}

/// The ghost-cell depth and 1-D passes of a Gaussian filter with `sigmas`, derivative `orders`
/// (all 0 if `None`) and `truncate`, every parameter checked, and every radius against its
/// axis, before any kernel is made (a kernel's length is proportional to sigma).
pub(super) fn passes<T: Float + Element>(
    x: &Array<T>,
    op: &'static str,
    sigmas: &[T],
    orders: Option<&[usize]>,
    truncate: T,
) -> Result<(Depth, Passes<T>)> {
    let ndim = x.ndim();
    if sigmas.len() != ndim {
        return Err(Error::DepthRank {
            ndim,
            depth: sigmas.iter().map(|_| (0, 0)).collect(),
        });
    }
    if let Some(o) = orders {
        if o.len() != ndim {
            return Err(Error::InvalidParameter {
                op,
                name: "order",
                value: format!("{o:?}"),
                expected: "one derivative order per axis",
            });
        }
        if let Some(&bad) = o.iter().find(|&&k| k > MAX_ORDER) {
            return Err(Error::InvalidParameter {
                op,
                name: "order",
                value: bad.to_string(),
                expected: "an order of at most 64",
            });
        }
    }
    let truncate = truncate.to_f64().unwrap_or(f64::NAN);
    if !(truncate.is_finite() && truncate >= 0.0) {
        return Err(Error::invalid(
            op,
            "truncate",
            truncate,
            "a finite number >= 0",
        ));
    }
    let mut radii = vec![None; ndim];
    for (axis, &s) in sigmas.iter().enumerate() {
        let s = s.to_f64().unwrap_or(f64::NAN);
        if !(s.is_finite() && s >= 0.0) {
            return Err(Error::invalid(op, "sigma", s, "a finite number >= 0"));
        }
        // As scipy, an axis of sigma 0 is not filtered, whatever its order.
        if s > 1e-15 {
            // A radius deeper than the axis is fine (the boundary rule repeats, as scipy's);
            // one whose padded blocks could never be allocated is refused before the kernel,
            // of 2 * radius + 1 weights, is made.
            let radius = (truncate * s + 0.5).floor();
            let len = x.shape()[axis];
            let block = x.chunks()[axis].iter().copied().max().unwrap_or(0);
            let r = radius.min(usize::MAX as f64) as usize;
            if !crate::chunks::ghost::padded_fits(block, (r, r), std::mem::size_of::<T>()) {
                return Err(Error::DepthTooLarge {
                    axis,
                    depth: (r, r),
                    len,
                });
            }
            radii[axis] = Some((s, radius as usize));
        }
    }
    let mut passes = Vec::new();
    let mut depth = vec![(0, 0); ndim];
    for (axis, r) in radii.into_iter().enumerate() {
        if let Some((s, radius)) = r {
            depth[axis] = (radius, radius);
            let order = orders.map_or(0, |o| o[axis]);
            passes.push((axis, kernel::<T>(s, order, radius)));
        }
    }
    Ok((depth, passes))
}

/// A Gaussian derivative: the Gaussian filter with `sigmas`, differentiated `orders[axis]`
/// times along each axis, as scipy's `gaussian_filter(x, sigmas, order=orders,
/// truncate=truncate, mode=...)` (order 0 smooths, 1 is the first derivative, ...).
///
/// # Errors
///
/// As [`gaussian_filter_axes`](super::gaussian_filter_axes), and
/// [`Error::InvalidParameter`] for an order list of another length than the axes or an order
/// above 64.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Boundary, ndfilters};
/// // The first derivative along axis 1 of a ramp of slope 2.
/// let ramp = Array::from_fn(&[20, 30], [7, 8], |i| 2.0 * i[1] as f64)?;
/// let d = ndfilters::gaussian_derivative(&ramp, &[1.0, 1.0], &[0, 1], ndfilters::DEFAULT_TRUNCATE, Boundary::Nearest)?
///     .compute()?;
/// assert!((d[[10, 15]] - 2.0).abs() < 1e-3); // 1.99986, as scipy's truncated kernel gives
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn gaussian_derivative<T: Float + Element>(
    x: &Array<T>,
    sigmas: &[T],
    orders: &[usize],
    truncate: T,
    boundary: impl IntoBoundaries<T>,
) -> Result<Array<T>> {
    let op = "gaussian_derivative";
    let (depth, passes) = passes(x, op, sigmas, Some(orders), truncate)?;
    filter(x, op, depth, boundary, move |padded, outside| {
        separable(padded, &passes, outside)
    })
}

/// One filter per axis: first (`order` 1) or second (`order` 2) Gaussian derivative along it,
/// smoothing along the others, with one `sigma` and scipy's default truncation.
fn per_axis_derivatives<T: Float + Element>(
    x: &Array<T>,
    op: &'static str,
    sigma: T,
    order: usize,
) -> Result<(Depth, Vec<Passes<T>>)> {
    let ndim = x.ndim();
    let sigmas = vec![sigma; ndim];
    let mut depth = vec![(0, 0); ndim];
    let mut all = Vec::with_capacity(ndim);
    for axis in 0..ndim {
        let mut orders = vec![0; ndim];
        orders[axis] = order;
        let (d, p) = passes(x, op, &sigmas, Some(&orders), cast(DEFAULT_TRUNCATE))?;
        depth = d;
        all.push(p);
    }
    Ok((depth, all))
}

/// The magnitude of the Gaussian gradient: the square root of the sum over the axes of the
/// squared first Gaussian derivative along each, as scipy's
/// `gaussian_gradient_magnitude(x, sigma, mode=...)`. One task per block computes every
/// derivative.
///
/// # Errors
///
/// As [`gaussian_filter`](super::gaussian_filter).
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Boundary, ndfilters};
/// let plane = Array::from_fn(&[20, 20], [8, 8], |i| 3.0 * i[0] as f64 + 4.0 * i[1] as f64)?;
/// let g = ndfilters::gaussian_gradient_magnitude(&plane, 1.0, Boundary::Nearest)?.compute()?;
/// assert!((g[[10, 10]] - 5.0).abs() < 1e-3); // 4.99964, as scipy's
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn gaussian_gradient_magnitude<T: Float + Element>(
    x: &Array<T>,
    sigma: T,
    boundary: impl IntoBoundaries<T>,
) -> Result<Array<T>> {
    let op = "gaussian_gradient_magnitude";
    let (depth, all) = per_axis_derivatives(x, op, sigma, 1)?;
    filter(x, op, depth, boundary, move |padded, outside| {
        let mut total: Option<ArrayD<T>> = None;
        for passes in &all {
            let d = separable(padded.view(), passes, outside);
            let sq = d.mapv(|v| v * v);
            total = Some(total.map_or(sq.clone(), |t| t + &sq));
        }
        total.map_or_else(|| padded.to_owned(), |t| t.mapv(Float::sqrt))
    })
}

/// The Laplacian of the Gaussian: the sum over the axes of the second Gaussian derivative
/// along each, as scipy's `gaussian_laplace(x, sigma, mode=...)`. One task per block.
///
/// # Errors
///
/// As [`gaussian_filter`](super::gaussian_filter).
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Boundary, ndfilters};
/// let bowl = Array::from_fn(&[30, 30], [10, 10], |i| (i[0] * i[0] + i[1] * i[1]) as f64)?;
/// let l = ndfilters::gaussian_laplace(&bowl, 1.0, Boundary::Nearest)?.compute()?;
/// // 2 per axis in the continuum; the kernel truncated at 4 sigma gives 3.9315, as scipy's.
/// assert!((l[[15, 15]] - 3.9315).abs() < 1e-4);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn gaussian_laplace<T: Float + Element>(
    x: &Array<T>,
    sigma: T,
    boundary: impl IntoBoundaries<T>,
) -> Result<Array<T>> {
    let op = "gaussian_laplace";
    let (depth, all) = per_axis_derivatives(x, op, sigma, 2)?;
    filter(x, op, depth, boundary, move |padded, outside| {
        let mut total: Option<ArrayD<T>> = None;
        for passes in &all {
            let d = separable(padded.view(), passes, outside);
            total = Some(total.map_or(d.clone(), |t| t + &d));
        }
        total.unwrap_or_else(|| padded.to_owned())
    })
}
