//! Filters over each cell's whole neighbourhood: order statistics (`rank_filter`,
//! `percentile_filter`), a user's function (`generic_filter`), and n-d weights (`correlate`,
//! `convolve`).

use ndarray::{ArrayD, ArrayViewD};
use num_traits::Float;

use super::kernels::{rank_of, window_offsets, window_valid};
use super::{IntoWindow, check_window, extreme_filter, filter, larger, smaller};
use crate::array::Array;
use crate::chunks::IntoBoundaries;
use crate::error::{Error, Result};
use crate::expr::block::Element;

/// The element of rank `rank` (0 the smallest; negative counts from the largest, `-1` being
/// the largest) of each cell's neighbourhood, as scipy's `rank_filter(x, rank, size, mode=...)`;
/// `size` as in [`minimum_filter`](super::minimum_filter) (a size, one per axis, or a
/// footprint).
///
/// # Errors
///
/// As [`minimum_filter`](super::minimum_filter), and [`Error::InvalidParameter`] for a rank
/// outside the neighbourhood.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Boundary, ndfilters};
/// let x = Array::from_ndarray(ndarray::array![4, 9, 1, 7, 3, 8], [2])?;
/// // The second smallest of each 3 neighbours.
/// let y = ndfilters::rank_filter(&x, 1, 3, Boundary::Nearest)?.compute()?;
/// assert_eq!(y, ndarray::array![4, 4, 7, 3, 7, 8].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn rank_filter<T: Element + Copy + PartialOrd>(
    x: &Array<T>,
    rank: isize,
    size: impl IntoWindow,
    boundary: impl IntoBoundaries<T>,
) -> Result<Array<T>> {
    ranked(
        x,
        "rank_filter",
        |cells| {
            let r = if rank < 0 {
                cells as isize + rank
            } else {
                rank
            };
            usize::try_from(r)
                .ok()
                .filter(|&r| r < cells)
                .ok_or_else(|| Error::InvalidParameter {
                    op: "rank_filter",
                    name: "rank",
                    value: rank.to_string(),
                    expected: "a rank within the neighbourhood (negative counts from the largest)",
                })
        },
        size,
        boundary,
    )
}

/// The `percentile` (0 to 100; negative counts from 100) of each cell's neighbourhood, as
/// scipy's `percentile_filter(x, percentile, size, mode=...)`: the element of rank
/// `floor(count * percentile / 100)` (the largest for 100).
///
/// # Errors
///
/// As [`rank_filter`], and [`Error::InvalidParameter`] for a percentile that is NaN or outside
/// -100 to 100.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Boundary, ndfilters};
/// let x = Array::from_ndarray(ndarray::array![4.0, 9.0, 1.0, 7.0, 3.0], [2])?;
/// let y = ndfilters::percentile_filter(&x, 100.0, 3, Boundary::Reflect)?.compute()?;
/// assert_eq!(y, ndfilters::maximum_filter(&x, 3, Boundary::Reflect)?.compute()?);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn percentile_filter<T: Element + Copy + PartialOrd>(
    x: &Array<T>,
    percentile: f64,
    size: impl IntoWindow,
    boundary: impl IntoBoundaries<T>,
) -> Result<Array<T>> {
    let op = "percentile_filter";
    let p = if percentile < 0.0 {
        percentile + 100.0
    } else {
        percentile
    };
    if !(0.0..=100.0).contains(&p) {
        return Err(Error::invalid(
            op,
            "percentile",
            percentile,
            "a number from -100 to 100",
        ));
    }
    ranked(
        x,
        op,
        |cells| {
            Ok(if p == 100.0 {
                cells - 1
            } else {
                (cells as f64 * p / 100.0) as usize
            })
        },
        size,
        boundary,
    )
}

/// An order-statistic filter: the element of rank `rank_of_count(count)` of each neighbourhood.
/// Ranks 0 and `count - 1` are the minimum and maximum filters (separable for a box).
fn ranked<T: Element + Copy + PartialOrd>(
    x: &Array<T>,
    op: &'static str,
    rank_of_count: impl FnOnce(usize) -> Result<usize>,
    size: impl IntoWindow,
    boundary: impl IntoBoundaries<T>,
) -> Result<Array<T>> {
    let (w, depth) = check_window(x, op, size)?;
    let cells = w.cells();
    let rank = rank_of_count(cells)?;
    if rank == 0 {
        return extreme_filter(x, op, w, boundary, smaller, false);
    }
    if rank == cells - 1 {
        return extreme_filter(x, op, w, boundary, larger, false);
    }
    filter(x, op, depth, boundary, move |padded, _| {
        let offsets = window_offsets(padded.shape(), w.shape(), w.footprint());
        window_valid(padded, w.shape(), &offsets, |v| rank_of(v, rank))
    })
}

/// Your function over each cell's neighbourhood, as scipy's `generic_filter(x, function, size,
/// mode=...)`: `f` receives the neighbourhood's values (those the footprint selects, in
/// row-major order) as a slice it may reorder, and returns the cell's value. A Rust closure, so
/// there is no per-cell interpreter cost.
///
/// # Errors
///
/// As [`minimum_filter`](super::minimum_filter).
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Boundary, ndfilters};
/// let x = Array::<f64>::random(&[32, 32], [8, 8], 3)?;
/// // The local range: largest minus smallest of each 3 x 3 neighbourhood.
/// let range = ndfilters::generic_filter(&x, 3, Boundary::Reflect, |v: &mut [f64]| {
///     let (lo, hi) = v.iter().fold((f64::MAX, f64::MIN), |(lo, hi), &a| (lo.min(a), hi.max(a)));
///     hi - lo
/// })?;
/// assert!(range.compute()?.iter().all(|&r| (0.0..1.0).contains(&r)));
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn generic_filter<T, F>(
    x: &Array<T>,
    size: impl IntoWindow,
    boundary: impl IntoBoundaries<T>,
    f: F,
) -> Result<Array<T>>
where
    T: Element + Copy,
    F: Fn(&mut [T]) -> T + Send + Sync + 'static,
{
    let op = "generic_filter";
    let (w, depth) = check_window(x, op, size)?;
    filter(x, op, depth, boundary, move |padded, _| {
        let offsets = window_offsets(padded.shape(), w.shape(), w.footprint());
        window_valid(padded, w.shape(), &offsets, &f)
    })
}

/// n-d correlation with `weights`: each cell becomes the sum of its neighbours times the
/// weights laid over them, centred as scipy centres them (`n / 2` cells before the cell on an
/// axis of extent `n`), as scipy's `correlate(x, weights, mode=...)`.
///
/// # Errors
///
/// As [`gaussian_filter`](super::gaussian_filter), and [`Error::InvalidParameter`] for weights
/// of another number of axes than `x`, or with an axis of extent 0.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Boundary, ndfilters};
/// let x = Array::from_ndarray(ndarray::array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [1, 2])?;
/// // Centred at [1, 1], the one weight lies on the cell above: each row becomes the one above.
/// let w = ndarray::array![[0.0, 1.0], [0.0, 0.0]].into_dyn();
/// let y = ndfilters::correlate(&x, &w, Boundary::Constant(0.0))?.compute()?;
/// assert_eq!(y, ndarray::array![[0.0, 0.0, 0.0], [1.0, 2.0, 3.0]].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn correlate<T: Float + Element>(
    x: &Array<T>,
    weights: &ArrayD<T>,
    boundary: impl IntoBoundaries<T>,
) -> Result<Array<T>> {
    weighted(x, "correlate", weights.view(), boundary, false)
}

/// n-d convolution with `weights`: correlation with the weights mirrored through their centre,
/// as scipy's `convolve(x, weights, mode=...)`.
///
/// # Errors
///
/// As [`correlate`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Boundary, ndfilters};
/// let x = Array::from_ndarray(ndarray::array![0.0, 0.0, 1.0, 0.0, 0.0], [2])?;
/// let w = ndarray::array![1.0, 2.0, 3.0].into_dyn();
/// // Convolving an impulse gives the kernel back; correlating gives it mirrored.
/// assert_eq!(ndfilters::convolve(&x, &w, Boundary::Constant(0.0))?.compute()?, ndarray::array![0.0, 1.0, 2.0, 3.0, 0.0].into_dyn());
/// assert_eq!(ndfilters::correlate(&x, &w, Boundary::Constant(0.0))?.compute()?, ndarray::array![0.0, 3.0, 2.0, 1.0, 0.0].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn convolve<T: Float + Element>(
    x: &Array<T>,
    weights: &ArrayD<T>,
    boundary: impl IntoBoundaries<T>,
) -> Result<Array<T>> {
    let mut mirrored = weights.view();
    for axis in 0..mirrored.ndim() {
        mirrored.invert_axis(ndarray::Axis(axis));
    }
    // Mirrored through the centre: an even extent's centre moves by one, as scipy's origin.
    weighted(x, "convolve", mirrored, boundary, true)
}

/// Correlation with `weights`, placed as scipy places them, or one cell later on each axis of
/// even extent if `mirrored` (a convolution's mirrored weights).
fn weighted<T: Float + Element>(
    x: &Array<T>,
    op: &'static str,
    weights: ArrayViewD<'_, T>,
    boundary: impl IntoBoundaries<T>,
    mirrored: bool,
) -> Result<Array<T>> {
    if weights.ndim() != x.ndim() || weights.is_empty() {
        return Err(Error::InvalidParameter {
            op,
            name: "weights",
            value: format!("an array of shape {:?}", weights.shape()),
            expected: "one extent of at least 1 per axis of the array",
        });
    }
    // The cells with a weight (all of them if every weight is 0: the result is then 0).
    let mut footprint = weights.mapv(|w| w != T::zero());
    if !footprint.iter().any(|&b| b) {
        footprint.fill(true);
    }
    let (w, mut depth) = check_window(x, op, &footprint.view())?;
    if mirrored {
        depth.iter_mut().for_each(|d| *d = (d.1, d.0));
    }
    let shape = weights.shape().to_vec();
    let taps: Vec<T> = weights
        .iter()
        .zip(&footprint)
        .filter(|&(_, &on)| on)
        .map(|(&v, _)| v)
        .collect();
    let every = w.footprint().is_none();
    filter(x, op, depth, boundary, move |padded, _| {
        let selected = if every { None } else { Some(&footprint) };
        let offsets = window_offsets(padded.shape(), &shape, selected);
        window_valid(padded, &shape, &offsets, |v| {
            v.iter()
                .zip(&taps)
                .fold(T::zero(), |acc, (&a, &t)| acc + a * t)
        })
    })
}
