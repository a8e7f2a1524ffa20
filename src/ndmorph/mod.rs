//! Parallel morphology on chunked arrays: the counterpart of `scipy.ndimage`'s binary and grey
//! morphology and dask-image's `ndmorph`.
//!
//! Each operation runs on every block padded with ghost cells, so it is correct at block edges
//! whatever the chunking, and equals scipy's:
//!
//! - [`binary_erosion`], [`binary_dilation`], [`binary_opening`], [`binary_closing`] on `bool`
//!   masks, with a structuring element (scipy's face-connected default when `None`), repeated
//!   `iterations` times, the array's outside counting as `false` (scipy's `border_value=0`).
//! - [`grey_erosion`] and [`grey_dilation`] on numbers (`u8`, `u16`, `i32`, `f32`, `f64`, ...)
//!   over a size or a footprint, with scipy's default `mode='reflect'`
//!   ([`grey_erosion_with`] and [`grey_dilation_with`] take another boundary).
//!
//! A dilation uses its structuring element mirrored through the centre, as scipy's does, so
//! that a dilation and an erosion with the same element are adjoint (and an even-shaped element
//! works as in scipy).
//!
//! ```
//! use chunkwise::{Array, ndmorph};
//! let mask = Array::from_ndarray(ndarray::Array2::from_shape_fn((64, 64), |(i, j)| {
//!     (i as i64 - 32).pow(2) + (j as i64 - 32).pow(2) < 400
//! }), [16, 16])?;
//! let ring = ndmorph::binary_dilation(&mask, None, 1)?.zip_with(
//!     &ndmorph::binary_erosion(&mask, None, 1)?, |outer, inner| outer && !inner)?;
//! assert!(ring.map(u64::from).sum().compute_scalar()? > 100);
//! # Ok::<(), chunkwise::Error>(())
//! ```

mod connected;
mod distance;
mod grey;

pub use connected::{binary_fill_holes, binary_propagation};
pub use distance::{
    Metric, Returns, Transform, distance_transform_bf, distance_transform_bf_with,
    distance_transform_cdt, distance_transform_cdt_with, distance_transform_edt,
    distance_transform_edt_with,
};
pub use grey::{
    GreyNumber, black_tophat, black_tophat_with, grey_closing, grey_closing_with, grey_opening,
    grey_opening_with, morphological_gradient, morphological_gradient_with, morphological_laplace,
    morphological_laplace_with, white_tophat, white_tophat_with,
};

use ndarray::ArrayD;

use crate::array::Array;
use crate::chunks::{Boundary, IntoBoundaries};
use crate::error::{Error, Result};
use crate::expr::block::Element;
use crate::ndfilters::{IntoWindow, extreme_filter, larger, smaller};

/// scipy's `generate_binary_structure(rank, connectivity)`: the cells of a 3 x ... x 3 box
/// within `connectivity` unit steps of the centre. `1` gives the face neighbours (the default
/// structure of the binary operations and of labelling), `rank` every neighbour.
///
/// # Examples
///
/// ```
/// use chunkwise::ndmorph::generate_binary_structure;
/// let cross = generate_binary_structure(2, 1);
/// assert_eq!(cross, ndarray::array![[false, true, false], [true, true, true], [false, true, false]].into_dyn());
/// assert!(generate_binary_structure(3, 3).iter().all(|&b| b));
/// ```
pub fn generate_binary_structure(rank: usize, connectivity: usize) -> ArrayD<bool> {
    crate::ndfilters::binary_structure(rank, connectivity)
}

/// The structure to use on an array of `ndim` axes: `structure`, or the face-connected default.
fn structure_or_default(structure: Option<ArrayD<bool>>, ndim: usize) -> ArrayD<bool> {
    structure.unwrap_or_else(|| generate_binary_structure(ndim, 1))
}

fn check_iterations(op: &'static str, iterations: usize) -> Result<()> {
    if iterations == 0 {
        return Err(Error::InvalidParameter {
            op,
            name: "iterations",
            value: "0".into(),
            expected: "at least 1 (scipy's repeat-until-unchanged is not offered)",
        });
    }
    Ok(())
}

/// `iterations` erosions (`dilate` false) or dilations of `mask` by `structure`, the outside
/// `false`.
fn repeat(
    mask: &Array<bool>,
    op: &'static str,
    structure: &ArrayD<bool>,
    iterations: usize,
    dilate: bool,
) -> Result<Array<bool>> {
    check_iterations(op, iterations)?;
    let pick: fn(bool, bool) -> bool = if dilate { larger } else { smaller };
    let mut out = mask.clone();
    for _ in 0..iterations {
        out = extreme_filter(&out, op, structure, Boundary::Constant(false), pick, dilate)?;
    }
    Ok(out)
}

/// Binary erosion, as scipy's `binary_erosion(mask, structure, iterations)`: a cell stays
/// `true` only if every cell of the structure placed on it is `true`, cells outside the array
/// counting as `false`; repeated `iterations` times.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for `iterations` 0 (scipy's "until unchanged" is not offered),
/// a structure of another number of axes than the mask or with no `true` cell; and
/// [`Error::DepthTooLarge`] for a structure whose padded blocks could never be allocated (one
/// wider than an axis is fine: the boundary rule repeats).
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmorph};
/// let x = Array::from_ndarray(ndarray::array![false, true, true, true, false, true], [2])?;
/// let y = ndmorph::binary_erosion(&x, None, 1)?.compute()?;
/// assert_eq!(y, ndarray::array![false, false, true, false, false, false].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn binary_erosion(
    mask: &Array<bool>,
    structure: Option<ArrayD<bool>>,
    iterations: usize,
) -> Result<Array<bool>> {
    let s = structure_or_default(structure, mask.ndim());
    repeat(mask, "binary_erosion", &s, iterations, false)
}

/// Binary dilation, as scipy's `binary_dilation(mask, structure, iterations)`: a cell becomes
/// `true` if any cell of the mirrored structure placed on it is `true`; repeated `iterations`
/// times.
///
/// # Errors
///
/// As [`binary_erosion`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmorph};
/// let x = Array::from_ndarray(ndarray::array![false, false, true, false, false, false], [2])?;
/// let y = ndmorph::binary_dilation(&x, None, 2)?.compute()?;
/// assert_eq!(y, ndarray::array![true, true, true, true, true, false].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn binary_dilation(
    mask: &Array<bool>,
    structure: Option<ArrayD<bool>>,
    iterations: usize,
) -> Result<Array<bool>> {
    let s = structure_or_default(structure, mask.ndim());
    repeat(mask, "binary_dilation", &s, iterations, true)
}

/// Binary opening, as scipy's `binary_opening(mask, structure, iterations)`: `iterations`
/// erosions, then as many dilations. Removes objects and spurs smaller than the structure.
///
/// # Errors
///
/// As [`binary_erosion`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmorph};
/// let x = Array::from_ndarray(ndarray::array![true, false, true, true, true, false, true], [3])?;
/// let y = ndmorph::binary_opening(&x, None, 1)?.compute()?;
/// assert_eq!(y, ndarray::array![false, false, true, true, true, false, false].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn binary_opening(
    mask: &Array<bool>,
    structure: Option<ArrayD<bool>>,
    iterations: usize,
) -> Result<Array<bool>> {
    let s = structure_or_default(structure, mask.ndim());
    let eroded = repeat(mask, "binary_opening", &s, iterations, false)?;
    repeat(&eroded, "binary_opening", &s, iterations, true)
}

/// Binary closing, as scipy's `binary_closing(mask, structure, iterations)`: `iterations`
/// dilations, then as many erosions. Fills holes and gaps smaller than the structure; as in
/// scipy, the erosion counts the outside as `false`, so objects touching the edge lose their
/// edge cells.
///
/// # Errors
///
/// As [`binary_erosion`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmorph};
/// let x = Array::from_ndarray(ndarray::array![false, true, true, false, true, true, false], [3])?;
/// let y = ndmorph::binary_closing(&x, None, 1)?.compute()?;
/// assert_eq!(y, ndarray::array![false, true, true, true, true, true, false].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn binary_closing(
    mask: &Array<bool>,
    structure: Option<ArrayD<bool>>,
    iterations: usize,
) -> Result<Array<bool>> {
    let s = structure_or_default(structure, mask.ndim());
    let dilated = repeat(mask, "binary_closing", &s, iterations, true)?;
    repeat(&dilated, "binary_closing", &s, iterations, false)
}

/// Grey erosion, as scipy's `grey_erosion(x, size)` (or `footprint=`): the minimum over each
/// cell's neighbourhood, with scipy's default boundary `mode='reflect'`. `size` is anything
/// [`IntoWindow`] takes: one size, a size per axis, or a footprint.
///
/// # Errors
///
/// As [`minimum_filter`](crate::ndfilters::minimum_filter).
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmorph};
/// let x = Array::from_ndarray(ndarray::array![5u16, 3, 4, 1, 2], [2])?;
/// assert_eq!(ndmorph::grey_erosion(&x, 3)?.compute()?, ndarray::array![3u16, 3, 1, 1, 1].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn grey_erosion<T: Element + Copy + PartialOrd>(
    x: &Array<T>,
    size: impl IntoWindow,
) -> Result<Array<T>> {
    grey_erosion_with(x, size, Boundary::Reflect)
}

/// [`grey_erosion`] with another boundary rule (scipy's `mode=`).
///
/// # Errors
///
/// As [`grey_erosion`], and [`Error::UnsupportedBoundary`] for [`Boundary::None`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Boundary, ndmorph};
/// let x = Array::from_ndarray(ndarray::array![5, 3, 4, 1, 2], [2])?;
/// let y = ndmorph::grey_erosion_with(&x, 3, Boundary::Constant(0))?.compute()?;
/// assert_eq!(y, ndarray::array![0, 3, 1, 1, 0].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn grey_erosion_with<T: Element + Copy + PartialOrd>(
    x: &Array<T>,
    size: impl IntoWindow,
    boundary: impl IntoBoundaries<T>,
) -> Result<Array<T>> {
    extreme_filter(x, "grey_erosion", size, boundary, smaller, false)
}

/// Grey dilation, as scipy's `grey_dilation(x, size)` (or `footprint=`): the maximum over each
/// cell's mirrored neighbourhood, with scipy's default boundary `mode='reflect'`.
///
/// # Errors
///
/// As [`grey_erosion`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmorph};
/// let x = Array::from_ndarray(ndarray::array![5u8, 3, 4, 1, 2], [2])?;
/// assert_eq!(ndmorph::grey_dilation(&x, 3)?.compute()?, ndarray::array![5u8, 5, 4, 4, 2].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn grey_dilation<T: Element + Copy + PartialOrd>(
    x: &Array<T>,
    size: impl IntoWindow,
) -> Result<Array<T>> {
    grey_dilation_with(x, size, Boundary::Reflect)
}

/// [`grey_dilation`] with another boundary rule (scipy's `mode=`).
///
/// # Errors
///
/// As [`grey_erosion_with`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Boundary, ndmorph};
/// let x = Array::from_ndarray(ndarray::array![5.0, 3.0, 4.0, 1.0, 2.0], [2])?;
/// let y = ndmorph::grey_dilation_with(&x, 3, Boundary::Constant(9.0))?.compute()?;
/// assert_eq!(y, ndarray::array![9.0, 5.0, 4.0, 4.0, 9.0].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn grey_dilation_with<T: Element + Copy + PartialOrd>(
    x: &Array<T>,
    size: impl IntoWindow,
    boundary: impl IntoBoundaries<T>,
) -> Result<Array<T>> {
    extreme_filter(x, "grey_dilation", size, boundary, larger, true)
}

/// Binary hit-or-miss, as scipy's `binary_hit_or_miss(input, structure1, structure2)`: `true`
/// where `structure1` fits in the foreground and `structure2` in the background (the erosion
/// of `input` by `structure1`, the outside `false`, and of its complement by `structure2`, the
/// outside counting as background). `structure1` defaults to the face neighbours and
/// `structure2` to the complement of `structure1`, as in scipy.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a structure of another number of axes than the input.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmorph};
/// // Right ends of runs: this cell and the one before set, the one after clear (or outside).
/// let x = Array::from_ndarray(ndarray::array![true, true, false, true, true, true], [4])?;
/// let hit = ndarray::array![true, true, false].into_dyn();
/// let miss = ndarray::array![false, false, true].into_dyn();
/// let ends = ndmorph::binary_hit_or_miss(&x, Some(hit), Some(miss))?.compute()?;
/// assert_eq!(ends, ndarray::array![false, true, false, false, false, true].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn binary_hit_or_miss(
    input: &Array<bool>,
    structure1: Option<ArrayD<bool>>,
    structure2: Option<ArrayD<bool>>,
) -> Result<Array<bool>> {
    let op = "binary_hit_or_miss";
    let s1 = structure_or_default(structure1, input.ndim());
    let s2 = structure2.unwrap_or_else(|| s1.mapv(|v| !v));
    // An empty structure fits everywhere (scipy's erosion by no cells is all true).
    let fits = |x: &Array<bool>, s: &ArrayD<bool>, outside: bool| -> Result<Array<bool>> {
        if s.iter().all(|&v| !v) && s.ndim() == x.ndim() {
            return Ok(x.map(|_| true));
        }
        extreme_filter(x, op, s, Boundary::Constant(outside), smaller, false)
    };
    let hit = fits(input, &s1, false)?;
    let miss = fits(&input.map(|v| !v), &s2, true)?;
    hit.zip_with(&miss, |h, m| h && m)
}
