//! Parallel n-d image filters: the counterpart of `scipy.ndimage` and dask-image's `ndfilters`.
//!
//! Each filter is a single-threaded kernel run on every block padded with ghost cells
//! ([`Array::map_overlap_interior`]), so it runs on all cores and is correct at every block
//! edge, whatever the chunking (blocks smaller than the kernel radius included). Results equal
//! scipy.ndimage's with the matching mode:
//!
//! | chunkwise | scipy.ndimage `mode=` |
//! | --- | --- |
//! | [`Boundary::Reflect`] | `'reflect'` |
//! | [`Boundary::Mirror`] | `'mirror'` |
//! | [`Boundary::Nearest`] | `'nearest'` |
//! | [`Boundary::Periodic`] | `'wrap'` |
//! | [`Boundary::Constant(c)`](Boundary::Constant) | `'constant', cval=c` |
//!
//! [`Boundary::None`] has no scipy counterpart and is an error here. The same filter on the
//! whole array, single-threaded, is the filter on an array of one block computed with
//! [`Scheduler::synchronous`](crate::Scheduler::synchronous).
//!
//! ```
//! use chunkwise::{Array, Boundary, ndfilters};
//!
//! let image = Array::<f64>::random(&[256, 256], [64, 64], 1)?;
//! let blurred = ndfilters::gaussian_filter(&image, 2.0, Boundary::Reflect)?;
//! let edges = ndfilters::sobel(&blurred, 0, Boundary::Reflect)?;
//! assert_eq!(edges.compute()?.shape(), &[256, 256]);
//! # Ok::<(), chunkwise::Error>(())
//! ```

mod gaussian;
mod kernels;
mod rank;
mod window;

pub use gaussian::{gaussian_derivative, gaussian_gradient_magnitude, gaussian_laplace};
pub use rank::{convolve, correlate, generic_filter, percentile_filter, rank_filter};

pub(crate) use window::binary_structure;
pub use window::{IntoSizes, IntoWindow, Window};

use ndarray::{ArrayD, ArrayViewD, Axis, Slice};
use num_traits::Float;

use crate::array::Array;
use crate::chunks::{Boundary, Chunks, IntoBoundaries};
use crate::error::{Error, Result};
use crate::expr::block::Element;
use kernels::{
    Outside, correlate1d_valid, extreme1d_valid, rank_of, separable, window_offsets, window_valid,
};

/// Runs `kernel` on every block padded by `depth` under `boundary`, giving it the block's
/// constant-boundary bookkeeping.
fn filter<T, K>(
    x: &Array<T>,
    op: &'static str,
    depth: Vec<(usize, usize)>,
    boundary: impl IntoBoundaries<T>,
    kernel: K,
) -> Result<Array<T>>
where
    T: Element,
    K: Fn(ArrayViewD<'_, T>, &Outside<T>) -> ArrayD<T> + Send + Sync + 'static,
{
    let boundaries = boundary.into_boundaries(x.ndim())?;
    if boundaries.iter().any(|b| matches!(b, Boundary::None)) {
        return Err(Error::UnsupportedBoundary {
            op,
            boundary: "None",
        });
    }
    let chunks = x.chunk_layout().clone();
    let consts = boundaries.clone();
    let d = depth.clone();
    x.map_overlap_interior(depth, boundaries, move |idx, padded| {
        let outside = outside_cells(&chunks, &d, &consts, idx);
        kernel(padded, &outside)
    })
}

/// Per constant-boundary axis: the padded cells of block `idx` beyond the array's two ends.
fn outside_cells<T: Clone>(
    chunks: &Chunks,
    depth: &[(usize, usize)],
    boundaries: &[Boundary<T>],
    idx: &[usize],
) -> Outside<T> {
    (0..chunks.ndim())
        .map(|axis| match &boundaries[axis] {
            Boundary::Constant(c) => {
                let starts = chunks.starts(axis);
                let (lo, hi) = depth[axis];
                let (start, end) = (starts[idx[axis]], starts[idx[axis] + 1]);
                let len = chunks.shape()[axis];
                Some((
                    lo.saturating_sub(start),
                    (end + hi).saturating_sub(len),
                    c.clone(),
                ))
            }
            _ => None,
        })
        .collect()
}

fn cast<T: Float>(v: f64) -> T {
    T::from(v).expect("a float type holds an f64 value")
}

/// Gaussian filter, `sigma` on every axis, truncated at 4 standard deviations: the kernel
/// radius is `round(4 * sigma)`, as scipy's `gaussian_filter(x, sigma, mode=...)`.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a `sigma` that is NaN, infinite or negative (and, for
/// [`gaussian_filter_axes`], such a `truncate`); [`Error::UnsupportedBoundary`] for
/// [`Boundary::None`]; [`Error::DepthTooLarge`] for a kernel radius whose padded blocks could
/// never be allocated, found before any kernel is made (a radius larger than an axis is fine:
/// the boundary rule repeats, as scipy's); [`Error::BoundaryRank`] for a boundary list of the wrong length.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Boundary, ndfilters};
/// let x = Array::from_ndarray(ndarray::Array::from_elem((20, 20), 3.0f64), [7, 7])?;
/// let y = ndfilters::gaussian_filter(&x, 1.5, Boundary::Nearest)?.compute()?;
/// assert!(y.iter().all(|&v| (v - 3.0).abs() < 1e-12)); // a constant image stays constant
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn gaussian_filter<T: Float + Element>(
    x: &Array<T>,
    sigma: T,
    boundary: impl IntoBoundaries<T>,
) -> Result<Array<T>> {
    gaussian_filter_axes(x, &vec![sigma; x.ndim()], cast(DEFAULT_TRUNCATE), boundary)
}

/// The Gaussian filters' default truncation, in standard deviations: scipy's `truncate=4.0`,
/// for [`gaussian_filter_axes`] when only the sigmas should differ.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Boundary, ndfilters};
/// let x = Array::<f64>::random(&[40, 40], [20, 20], 1)?;
/// let a = ndfilters::gaussian_filter(&x, 2.0, Boundary::Reflect)?.compute()?;
/// let b = ndfilters::gaussian_filter_axes(&x, &[2.0, 2.0], ndfilters::DEFAULT_TRUNCATE, Boundary::Reflect)?
///     .compute()?;
/// assert_eq!(a, b);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub const DEFAULT_TRUNCATE: f64 = 4.0;

/// Gaussian filter with one `sigma` per axis and a `truncate` (kernel radius
/// `round(truncate * sigma)` per axis); an axis with `sigma` 0 is not filtered. As scipy's
/// `gaussian_filter(x, sigmas, truncate=..., mode=...)`.
///
/// # Errors
///
/// As [`gaussian_filter`], and [`Error::DepthRank`] if `sigmas` has another length than the
/// number of axes.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Boundary, ndfilters};
/// let x = Array::<f64>::random(&[30, 30], [10, 10], 3)?;
/// // Blur along the rows only.
/// let y = ndfilters::gaussian_filter_axes(&x, &[0.0, 2.0], 3.0, Boundary::Reflect)?;
/// assert_eq!(y.shape(), &[30, 30]);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn gaussian_filter_axes<T: Float + Element>(
    x: &Array<T>,
    sigmas: &[T],
    truncate: T,
    boundary: impl IntoBoundaries<T>,
) -> Result<Array<T>> {
    let (depth, passes) = gaussian::passes(x, "gaussian_filter", sigmas, None, truncate)?;
    filter(
        x,
        "gaussian_filter",
        depth,
        boundary,
        move |padded, outside| separable(padded, &passes, outside),
    )
}

/// [`gaussian_filter`] of any number type into an output of type `U`, as scipy's
/// `gaussian_filter(x, sigma, output=U)` (and, with `U` the input's type, as scipy filters an
/// integer image): computed in `f64` one axis at a time, each axis's result converted to `U`
/// before the next axis reads it (so an integer output truncates after every axis, as
/// scipy's does), with numpy's conversions ([`CastFrom`](crate::CastFrom)).
///
/// # Errors
///
/// As [`gaussian_filter`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Boundary, ndfilters};
/// let x = Array::from_ndarray(ndarray::array![0u8, 0, 10, 0, 0, 255, 255, 3], [3])?;
/// // scipy.ndimage.gaussian_filter(x, 1.0) on uint8, and with output=np.float64.
/// let y = ndfilters::gaussian_filter_to::<u8, u8>(&x, 1.0, Boundary::Reflect)?;
/// assert_eq!(y.compute()?, ndarray::array![0u8, 2, 5, 17, 76, 163, 165, 92].into_dyn());
/// let z = ndfilters::gaussian_filter_to::<u8, f64>(&x, 1.0, Boundary::Reflect)?.compute()?;
/// assert!((z[[5]] - 163.68701772).abs() < 1e-8);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn gaussian_filter_to<T, U>(
    x: &Array<T>,
    sigma: f64,
    boundary: impl IntoBoundaries<f64>,
) -> Result<Array<U>>
where
    T: Element,
    U: Element + crate::CastFrom<f64>,
    f64: crate::CastFrom<T> + crate::CastFrom<U>,
{
    let boundaries = boundary.into_boundaries(x.ndim())?;
    axis_by_axis(
        x,
        "gaussian_filter",
        |cur, axis| {
            let mut sigmas = vec![0.0; cur.ndim()];
            sigmas[axis] = sigma;
            gaussian_filter_axes(cur, &sigmas, DEFAULT_TRUNCATE, boundaries.clone())
        },
        (0..x.ndim()).filter(|_| sigma > 1e-15).collect(),
    )
}

/// [`uniform_filter`] of any number type into an output of type `U`, as scipy's
/// `uniform_filter(x, size, output=U)`: one axis at a time in `f64`, each axis's result
/// converted to `U` (an integer image truncates after every axis, as scipy's).
///
/// # Errors
///
/// As [`uniform_filter`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Boundary, ndfilters};
/// let x = Array::from_ndarray(ndarray::array![0u8, 0, 10, 0, 0, 255, 255, 3], [3])?;
/// let y = ndfilters::uniform_filter_to::<u8, u8>(&x, 3, Boundary::Reflect)?;
/// assert_eq!(y.compute()?, ndarray::array![0u8, 3, 3, 3, 85, 170, 171, 87].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn uniform_filter_to<T, U>(
    x: &Array<T>,
    size: impl IntoSizes,
    boundary: impl IntoBoundaries<f64>,
) -> Result<Array<U>>
where
    T: Element,
    U: Element + crate::CastFrom<f64>,
    f64: crate::CastFrom<T> + crate::CastFrom<U>,
{
    let (w, _) = check_window(x, "uniform_filter", size)?;
    let sizes = w.shape().to_vec();
    let boundaries = boundary.into_boundaries(x.ndim())?;
    let axes: Vec<usize> = (0..x.ndim()).filter(|&a| sizes[a] > 1).collect();
    let s2 = sizes.clone();
    axis_by_axis(
        x,
        "uniform_filter",
        move |cur, axis| {
            let mut one = vec![1usize; cur.ndim()];
            one[axis] = s2[axis];
            uniform_filter(cur, one, boundaries.clone())
        },
        axes,
    )
}

/// `filter` of `x` in `f64` along each of `axes` in turn, converting each result to `U` (and
/// back to `f64` for the next axis); `x` itself converted to `U` when no axis is filtered.
fn axis_by_axis<T, U, F>(
    x: &Array<T>,
    _op: &'static str,
    filter: F,
    axes: Vec<usize>,
) -> Result<Array<U>>
where
    T: Element,
    U: Element + crate::CastFrom<f64>,
    f64: crate::CastFrom<T> + crate::CastFrom<U>,
    F: Fn(&Array<f64>, usize) -> Result<Array<f64>>,
{
    let mut cur: Array<f64> = x.astype::<f64>();
    let mut out: Array<U> = cur.astype::<U>();
    for (k, &axis) in axes.iter().enumerate() {
        out = filter(&cur, axis)?.astype::<U>();
        if k + 1 < axes.len() {
            cur = out.astype::<f64>();
        }
    }
    Ok(out)
}

/// The window of `size` cells around a cell, as scipy places it: `size / 2` before, the rest
/// after.
fn window(size: usize) -> (usize, usize) {
    (size / 2, size - 1 - size / 2)
}

/// Checks a filter's window against the array before anything proportional to it is made: one
/// extent per axis, each at least 1 and no wider than its axis allows. Gives the window and
/// the ghost-cell depth it needs.
fn check_window<T: Element>(
    x: &Array<T>,
    op: &'static str,
    window_spec: impl IntoWindow,
) -> Result<(Window, Vec<(usize, usize)>)> {
    let w = window_spec.into_window(x.ndim()).checked(op, x.ndim())?;
    // A window wider than an axis is fine: its ghost cells repeat the boundary rule, as
    // scipy's do (map_overlap refuses only padding that could never be allocated).
    let depth: Vec<(usize, usize)> = w.shape().iter().map(|&n| window(n)).collect();
    Ok((w, depth))
}

/// Mean over a box of `size` cells per axis, as scipy's `uniform_filter(x, size, mode=...)`:
/// `size` is one size for every axis or one per axis (see [`IntoSizes`]).
///
/// # Errors
///
/// As [`gaussian_filter`], and [`Error::InvalidParameter`] for a size of 0 or a list of sizes
/// of another length than the number of axes.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Boundary, ndfilters};
/// let x = Array::from_ndarray(ndarray::array![0.0, 0.0, 3.0, 0.0, 0.0], [2])?;
/// let y = ndfilters::uniform_filter(&x, 3, Boundary::Constant(0.0))?.compute()?;
/// assert_eq!(y, ndarray::array![0.0, 1.0, 1.0, 1.0, 0.0].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn uniform_filter<T: Float + Element>(
    x: &Array<T>,
    size: impl IntoSizes,
    boundary: impl IntoBoundaries<T>,
) -> Result<Array<T>> {
    let (w, depth) = check_window(x, "uniform_filter", size)?;
    // As scipy, an axis of size 1 is not filtered; the others by a running sum.
    let axes: Vec<(usize, usize)> = w
        .shape()
        .iter()
        .copied()
        .enumerate()
        .filter(|&(_, n)| n > 1)
        .collect();
    filter(
        x,
        "uniform_filter",
        depth,
        boundary,
        move |padded, outside| {
            kernels::per_axis(padded, &axes, outside, |v, axis, &n| {
                kernels::uniform1d_valid(v, axis, n)
            })
        },
    )
}

/// The extreme (`pick` keeps the one it prefers) over each cell's window; over the window
/// mirrored through the cell if `reflected` (as a dilation takes its structuring element).
pub(crate) fn extreme_filter<T: Element + Copy + PartialOrd>(
    x: &Array<T>,
    op: &'static str,
    size: impl IntoWindow,
    boundary: impl IntoBoundaries<T>,
    pick: fn(T, T) -> T,
    reflected: bool,
) -> Result<Array<T>> {
    let (mut w, mut depth) = check_window(x, op, size)?;
    if reflected {
        w = w.reflected();
        depth.iter_mut().for_each(|d| *d = (d.1, d.0));
    }
    if let Some(footprint) = w.footprint().cloned() {
        // Not separable: the extreme over the footprint's cells of the padded block, padded
        // once, as scipy does.
        let shape = w.shape().to_vec();
        return filter(x, op, depth, boundary, move |padded, _| {
            let offsets = window_offsets(padded.shape(), &shape, Some(&footprint));
            window_valid(padded, &shape, &offsets, |v| {
                v.iter()
                    .copied()
                    .reduce(pick)
                    .expect("a footprint has a cell")
            })
        });
    }
    // A box: one 1-D pass per axis longer than 1, as scipy (which pads each pass anew).
    let axes: Vec<(usize, usize)> = w
        .shape()
        .iter()
        .copied()
        .enumerate()
        .filter(|&(_, n)| n > 1)
        .collect();
    filter(x, op, depth, boundary, move |padded, outside| {
        kernels::per_axis(padded, &axes, outside, |v, axis, &n| {
            extreme1d_valid(v, axis, n, pick)
        })
    })
}

/// The smaller of two values (the first if they are unordered).
pub(crate) fn smaller<T: PartialOrd>(a: T, b: T) -> T {
    if b < a { b } else { a }
}

/// The larger of two values (the first if they are unordered).
pub(crate) fn larger<T: PartialOrd>(a: T, b: T) -> T {
    if b > a { b } else { a }
}

/// Minimum over a neighbourhood, as scipy's `minimum_filter(x, size, mode=...)`: `size` is a
/// box of one size, one size per axis, or a footprint (`&` a boolean array, as scipy's
/// `footprint=`); see [`IntoWindow`].
///
/// # Errors
///
/// As [`uniform_filter`], and [`Error::InvalidParameter`] for a footprint of another number
/// of axes or with no true cell.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Boundary, ndfilters};
/// let x = Array::from_ndarray(ndarray::array![5.0, 3.0, 4.0, 1.0, 2.0], [2])?;
/// let y = ndfilters::minimum_filter(&x, 3, Boundary::Nearest)?.compute()?;
/// assert_eq!(y, ndarray::array![3.0, 3.0, 1.0, 1.0, 1.0].into_dyn());
/// // The two neighbours only, not the cell itself.
/// let ends = ndarray::array![true, false, true];
/// let z = ndfilters::minimum_filter(&x, &ends, Boundary::Nearest)?.compute()?;
/// assert_eq!(z, ndarray::array![3.0, 4.0, 1.0, 2.0, 1.0].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn minimum_filter<T: Element + Copy + PartialOrd>(
    x: &Array<T>,
    size: impl IntoWindow,
    boundary: impl IntoBoundaries<T>,
) -> Result<Array<T>> {
    extreme_filter(x, "minimum_filter", size, boundary, smaller, false)
}

/// Maximum over a neighbourhood, as scipy's `maximum_filter(x, size, mode=...)`; `size` as
/// in [`minimum_filter`].
///
/// # Errors
///
/// As [`minimum_filter`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Boundary, ndfilters};
/// let x = Array::from_ndarray(ndarray::array![5.0, 3.0, 4.0, 1.0, 2.0], [2])?;
/// let y = ndfilters::maximum_filter(&x, 3, Boundary::Reflect)?.compute()?;
/// assert_eq!(y, ndarray::array![5.0, 5.0, 4.0, 4.0, 2.0].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn maximum_filter<T: Element + Copy + PartialOrd>(
    x: &Array<T>,
    size: impl IntoWindow,
    boundary: impl IntoBoundaries<T>,
) -> Result<Array<T>> {
    extreme_filter(x, "maximum_filter", size, boundary, larger, false)
}

/// Median over a neighbourhood (the element of rank `count / 2` of its `count` cells, as
/// scipy's `median_filter(x, size, mode=...)`); `size` as in [`minimum_filter`].
///
/// # Errors
///
/// As [`minimum_filter`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Boundary, ndfilters};
/// let x = Array::from_ndarray(ndarray::array![1.0, 9.0, 2.0, 8.0, 3.0], [2])?;
/// let y = ndfilters::median_filter(&x, 3, Boundary::Reflect)?.compute()?;
/// assert_eq!(y, ndarray::array![1.0, 2.0, 8.0, 3.0, 3.0].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn median_filter<T: Element + Copy + PartialOrd>(
    x: &Array<T>,
    size: impl IntoWindow,
    boundary: impl IntoBoundaries<T>,
) -> Result<Array<T>> {
    let (w, depth) = check_window(x, "median_filter", size)?;
    let rank = w.cells() / 2;
    filter(x, "median_filter", depth, boundary, move |padded, _| {
        let offsets = window_offsets(padded.shape(), w.shape(), w.footprint());
        window_valid(padded, w.shape(), &offsets, |v| rank_of(v, rank))
    })
}

/// Sobel derivative along `axis`: `[-1, 0, 1]` along it, then `[1, 2, 1]` along every other
/// axis, as scipy's `sobel(x, axis, mode=...)`.
///
/// # Errors
///
/// As [`gaussian_filter`], and [`Error::DepthRank`] if `axis` is not an axis of `x`.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Boundary, ndfilters};
/// let ramp = Array::from_fn(&[4, 5], [2, 2], |i| i[1] as f64)?;
/// let d = ndfilters::sobel(&ramp, 1, Boundary::Nearest)?.compute()?;
/// assert_eq!(d[[1, 2]], 8.0); // slope 1, times 2 (central difference) times 4 (smoothing)
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn sobel<T: Float + Element>(
    x: &Array<T>,
    axis: impl crate::IntoAxis,
    boundary: impl IntoBoundaries<T>,
) -> Result<Array<T>> {
    derivative(x, "sobel", axis.axis_index(), cast(2.0), boundary)
}

/// Prewitt derivative along `axis`: `[-1, 0, 1]` along it, then `[1, 1, 1]` along every other
/// axis, as scipy's `prewitt(x, axis, mode=...)`.
///
/// # Errors
///
/// As [`sobel`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Boundary, ndfilters};
/// let ramp = Array::from_fn(&[4, 5], [2, 2], |i| i[1] as f64)?;
/// let d = ndfilters::prewitt(&ramp, 1, Boundary::Nearest)?.compute()?;
/// assert_eq!(d[[1, 2]], 6.0); // slope 1, times 2 (central difference) times 3 (smoothing)
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn prewitt<T: Float + Element>(
    x: &Array<T>,
    axis: impl crate::IntoAxis,
    boundary: impl IntoBoundaries<T>,
) -> Result<Array<T>> {
    derivative(x, "prewitt", axis.axis_index(), T::one(), boundary)
}

/// A central difference `[-1, 0, 1]` along `axis`, smoothed by `[1, centre, 1]` along every
/// other axis: Sobel's (centre 2) and Prewitt's (centre 1) operators.
fn derivative<T: Float + Element>(
    x: &Array<T>,
    op: &'static str,
    axis: usize,
    centre: T,
    boundary: impl IntoBoundaries<T>,
) -> Result<Array<T>> {
    if axis >= x.ndim() {
        return Err(Error::AxisOutOfRange {
            op,
            axis,
            ndim: x.ndim(),
        });
    }
    let mut passes = vec![(axis, vec![-T::one(), T::zero(), T::one()])];
    for other in (0..x.ndim()).filter(|&a| a != axis) {
        passes.push((other, vec![T::one(), centre, T::one()]));
    }
    filter(
        x,
        op,
        vec![(1, 1); x.ndim()],
        boundary,
        move |padded, outside| separable(padded, &passes, outside),
    )
}

/// Laplace filter: the sum over the axes of the second differences `[1, -2, 1]`, as scipy's
/// `laplace(x, mode=...)`.
///
/// # Errors
///
/// As [`gaussian_filter`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Boundary, ndfilters};
/// let parabola = Array::from_fn(&[5, 6], [2, 4], |i| (i[0] * i[0] + i[1] * i[1]) as f64)?;
/// let l = ndfilters::laplace(&parabola, Boundary::Reflect)?.compute()?;
/// assert_eq!(l[[2, 3]], 4.0); // 2 per axis
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn laplace<T: Float + Element>(
    x: &Array<T>,
    boundary: impl IntoBoundaries<T>,
) -> Result<Array<T>> {
    let ndim = x.ndim();
    let w = vec![T::one(), cast(-2.0), T::one()];
    filter(
        x,
        "laplace",
        vec![(1, 1); ndim],
        boundary,
        move |padded, _| {
            let mut total: Option<ArrayD<T>> = None;
            for axis in 0..ndim {
                let d2 = correlate1d_valid(padded.view(), axis, &w);
                // Each term reads the padding of its own axis only: crop the others.
                let d2 = d2.slice_each_axis(|ax| {
                    let n = d2.shape()[ax.axis.index()];
                    if ax.axis == Axis(axis) {
                        Slice::from(..)
                    } else {
                        Slice::from(1..n - 1)
                    }
                });
                match &mut total {
                    None => total = Some(d2.to_owned()),
                    Some(t) => *t = &*t + &d2,
                }
            }
            total.unwrap_or_else(|| padded.to_owned())
        },
    )
}
