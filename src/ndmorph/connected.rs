//! Binary operations that follow connected regions to any distance: scipy's
//! `binary_propagation` and `binary_fill_holes`, exact across blocks.
//!
//! scipy repeats a masked dilation until nothing changes, which on a chunked array would be one
//! computation per step, as many as the longest path. Here the regions are labelled once
//! across blocks ([`ndmeasure::label_with_structure`](crate::ndmeasure::label_with_structure))
//! and a region is filled when one of its cells is a seed: a cell the first dilation step
//! reaches (from the input, or from outside the array when the border counts as `true`).
//! Regions connected by a symmetric structure are exactly the cells the repeated dilation
//! reaches, so the result is scipy's.

use ndarray::{ArrayD, Dimension, IxDyn};

use crate::array::Array;
use crate::chunks::Boundary;
use crate::error::{Error, Result};
use crate::ndfilters::{extreme_filter, larger};
use crate::ndmeasure::{label_with_structure, objects_holding};

/// The structure to follow regions by: `structure` or the face-connected default; an error
/// unless it has 3 cells on every axis and is symmetric through its centre.
fn region_structure(
    op: &'static str,
    structure: Option<ArrayD<bool>>,
    ndim: usize,
) -> Result<ArrayD<bool>> {
    let s = super::structure_or_default(structure, ndim);
    let invalid = |expected: &'static str| Error::InvalidParameter {
        op,
        name: "structure",
        value: format!("an array of shape {:?}", s.shape()),
        expected,
    };
    if s.shape() != vec![3; ndim].as_slice() {
        return Err(invalid("3 cells on every axis of the input"));
    }
    let symmetric = s
        .indexed_iter()
        .all(|(i, &v)| v == s[IxDyn(&i.slice().iter().map(|&k| 2 - k).collect::<Vec<_>>())]);
    if !symmetric {
        return Err(invalid("a structure symmetric through its centre"));
    }
    Ok(s)
}

/// The cells of `mask` whose region (connected by `s`) holds a cell that one dilation of
/// `input` by `s` reaches, the outside counting as `border`.
fn reached(
    op: &'static str,
    input: &Array<bool>,
    mask: &Array<bool>,
    s: &ArrayD<bool>,
    border: bool,
) -> Result<Array<bool>> {
    let step = if s.iter().any(|&v| v) {
        extreme_filter(input, op, s, Boundary::Constant(border), larger, true)?
    } else {
        input.map(|_| false)
    };
    let seeds = step.zip_with(mask, |d, m| d && m)?;
    let (labels, _) = label_with_structure(mask, s.clone())?;
    objects_holding(&labels, &seeds)
}

/// Binary propagation, as scipy's `binary_propagation(input, structure, mask, border_value)`:
/// `input` dilated by `structure` again and again, each step changing only cells of `mask`
/// (every cell when `None`), until nothing changes; the outside counts as `border_value`.
/// Reconstructs the regions of `mask` that `input` marks. Computed in one pass through labels
/// (see the module's notes), exact across blocks.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a structure without 3 cells on every axis or not symmetric
/// through its centre (regions are followed by it both ways), and
/// [`Error::IncompatibleShapes`] for a mask of another shape than `input`.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmorph};
/// let mask = Array::from_ndarray(ndarray::array![true, true, false, true, true, true], [2])?;
/// let marker = Array::from_ndarray(ndarray::array![false, false, false, false, true, false], [4])?;
/// let y = ndmorph::binary_propagation(&marker, None, Some(&mask), false)?.compute()?;
/// assert_eq!(y, ndarray::array![false, false, false, true, true, true].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn binary_propagation(
    input: &Array<bool>,
    structure: Option<ArrayD<bool>>,
    mask: Option<&Array<bool>>,
    border_value: bool,
) -> Result<Array<bool>> {
    let op = "binary_propagation";
    let s = region_structure(op, structure, input.ndim())?;
    let everywhere;
    let mask = match mask {
        Some(m) if m.shape() != input.shape() => {
            return Err(Error::IncompatibleShapes {
                op,
                left: input.shape().to_vec(),
                right: m.shape().to_vec(),
            });
        }
        Some(m) => m,
        None => {
            everywhere = input.map(|_| true);
            &everywhere
        }
    };
    let filled = reached(op, input, mask, &s, border_value)?;
    input.zip_with(&filled, |a, r| a || r)
}

/// Hole filling, as scipy's `binary_fill_holes(input, structure)`: every `false` cell whose
/// background region (connected by `structure`, the face neighbours when `None`) does not
/// reach the array's edge becomes `true`. Exact across blocks: the background is labelled once
/// across them.
///
/// # Errors
///
/// As [`binary_propagation`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmorph};
/// let ring = Array::from_ndarray(ndarray::array![
///     [true, true, true, false],
///     [true, false, true, false],
///     [true, true, true, false],
/// ], [2, 2])?;
/// let filled = ndmorph::binary_fill_holes(&ring, None)?.compute()?;
/// assert!(filled[[1, 1]]);
/// assert!(!filled[[1, 3]]);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn binary_fill_holes(
    input: &Array<bool>,
    structure: Option<ArrayD<bool>>,
) -> Result<Array<bool>> {
    let op = "binary_fill_holes";
    let s = region_structure(op, structure, input.ndim())?;
    let background = input.map(|v| !v);
    let nothing = input.map(|_| false);
    let outside = reached(op, &nothing, &background, &s, true)?;
    Ok(outside.map(|o| !o))
}
