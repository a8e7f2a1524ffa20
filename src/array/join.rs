//! Joining and rearranging: `concatenate`, `stack`, `pad`, `roll`, `where_`, `clip`.

use super::IntoAxis;
use std::sync::Arc;

use ndarray::ArrayD;
use ndarray::Dimension as _;

use super::Array;
use super::shape::BROADCAST_BLOCK;

/// At most this many blocks of padding on each side of an axis: a pad far wider than the array
/// gets longer blocks rather than a block list as long as memory.
const MAX_PAD_BLOCKS: usize = 1024;
use crate::chunks::{Boundary, Chunks, IntoDepth, refine_axis, try_regular_sizes};
use crate::error::{Error, Result};
use crate::expr::BlockRef;
use crate::expr::block::Element;
use crate::expr::gather::Gather;
use crate::expr::take::AxisMap;

/// The arrays (any iterator of arrays or references: see [`AsArray`]) joined along `axis`,
/// which must exist in all of them; the other axes must have
/// equal lengths (numpy's `concatenate`).
///
/// Blocks are shared, not copied: along `axis` the result has the blocks of each array in
/// turn, and across the other axes the arrays are first cut at the union of their block edges.
///
/// # Errors
///
/// [`Error::NoArrays`] for an empty list, [`Error::AxisOutOfRange`] for an axis the arrays do not
/// have (0-d arrays have none), [`Error::IncompatibleShapes`] naming the first array whose shape
/// does not fit.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, concatenate};
/// use ndarray::{Axis, array};
/// let a = Array::from_ndarray(array![[1, 2], [3, 4]], &[1, 2])?;
/// let b = Array::from_ndarray(array![[5, 6]], &[1, 1])?;
/// let c = concatenate(Axis(0), &[&a, &b])?;
/// assert_eq!(c.chunks(), &[vec![1, 1, 1], vec![1, 1]]);
/// assert_eq!(c.compute()?, array![[1, 2], [3, 4], [5, 6]].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn concatenate<T: Element>(
    axis: impl IntoAxis,
    arrays: impl IntoIterator<Item = impl AsArray<T>>,
) -> Result<Array<T>> {
    let items: Vec<_> = arrays.into_iter().collect();
    let arrays: Vec<&Array<T>> = items.iter().map(AsArray::as_array).collect();
    concatenate_refs(axis.axis_index(), &arrays)
}

/// An array or a reference to one: what [`concatenate`] and [`stack`] take any iterator of
/// (`&[&a, &b]`, `vec![a, b]`, `arrays.iter()`, `(0..n).map(|i| make(i))`).
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, AsArray, stack};
/// let planes: Vec<Array<f64>> = (0..4).map(|i| Array::full(&[8, 8], [4, 4], i as f64)).collect::<Result<_, _>>()?;
/// let volume = stack(ndarray::Axis(0), &planes)?; // a slice of arrays
/// let again = stack(ndarray::Axis(0), planes.iter().rev())?; // an iterator of references
/// assert_eq!(volume.shape(), again.shape());
/// assert_eq!(planes[1].as_array().shape(), &[8, 8]);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub trait AsArray<T: Element> {
    /// The array.
    fn as_array(&self) -> &Array<T>;
}

impl<T: Element> AsArray<T> for Array<T> {
    fn as_array(&self) -> &Array<T> {
        self
    }
}

impl<T: Element, A: AsArray<T> + ?Sized> AsArray<T> for &A {
    fn as_array(&self) -> &Array<T> {
        (**self).as_array()
    }
}

fn concatenate_refs<T: Element>(axis: usize, arrays: &[&Array<T>]) -> Result<Array<T>> {
    let op = "concatenate";
    let first = arrays.first().ok_or(Error::NoArrays { op })?;
    let axis = first.check_axis(op, axis)?;
    for a in &arrays[1..] {
        let fits = a.ndim() == first.ndim()
            && (0..a.ndim()).all(|k| k == axis || a.shape()[k] == first.shape()[k]);
        if !fits {
            return Err(Error::IncompatibleShapes {
                op,
                left: first.shape().to_vec(),
                right: a.shape().to_vec(),
            });
        }
    }
    if arrays.len() == 1 {
        return Ok((*first).clone());
    }
    let ndim = first.ndim();
    // Common block edges across the other axes.
    let mut common: Vec<Vec<usize>> = first.chunks().to_vec();
    for a in &arrays[1..] {
        for k in (0..ndim).filter(|&k| k != axis) {
            common[k] = refine_axis(&common[k], &a.chunks()[k]);
        }
    }
    let mut inputs = Vec::with_capacity(arrays.len());
    // Along `axis`: for each output block, the input array and its block index there.
    let mut along: Vec<(usize, usize)> = Vec::new();
    let mut sizes_along = Vec::new();
    for (i, a) in arrays.iter().enumerate() {
        let mut target = common.clone();
        target[axis] = a.chunks()[axis].clone();
        inputs.push(a.rechunk(target)?.node);
        if a.shape()[axis] > 0 {
            for (j, &c) in a.chunks()[axis].iter().enumerate() {
                along.push((i, j));
                sizes_along.push(c);
            }
        }
    }
    let mut shape = first.shape().to_vec();
    shape[axis] = sizes_along.iter().sum();
    if sizes_along.is_empty() {
        sizes_along.push(0);
        along.push((0, 0));
    }
    common[axis] = sizes_along;
    let chunks = Chunks::from_valid(shape, common);
    let out = chunks.clone();
    let srcs: Vec<Chunks> = inputs.iter().map(|n| n.chunks().clone()).collect();
    Ok(Array::from_node(Gather::new::<T>(
        op,
        chunks,
        inputs,
        true,
        Box::new(move |b, deps| {
            let mut g = out.grid_index(b);
            let (input, j) = along[g[axis]];
            g[axis] = j;
            deps.push(BlockRef {
                input,
                block: srcs[input].linear_index(g.slice()),
            });
        }),
        Box::new(|_, inputs| Ok(inputs.pop().expect("one input block"))),
    )))
}

/// The arrays, all of one shape, joined along a new axis `axis` (`0..=ndim`), as numpy's
/// `stack`.
///
/// # Errors
///
/// [`Error::NoArrays`], [`Error::AxisOutOfRange`] for `axis > ndim`, and
/// [`Error::IncompatibleShapes`] if the shapes differ.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, stack};
/// use ndarray::{Axis, array};
/// let a = Array::from_ndarray(array![1, 2, 3], &[2])?;
/// let b = Array::from_ndarray(array![4, 5, 6], &[3])?;
/// assert_eq!(stack(Axis(1), &[&a, &b])?.compute()?, array![[1, 4], [2, 5], [3, 6]].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn stack<T: Element>(
    axis: impl IntoAxis,
    arrays: impl IntoIterator<Item = impl AsArray<T>>,
) -> Result<Array<T>> {
    let axis = axis.axis_index();
    let items: Vec<_> = arrays.into_iter().collect();
    let arrays: Vec<&Array<T>> = items.iter().map(AsArray::as_array).collect();
    let op = "stack";
    let first = arrays.first().ok_or(Error::NoArrays { op })?;
    if let Some(a) = arrays.iter().find(|a| a.shape() != first.shape()) {
        return Err(Error::IncompatibleShapes {
            op,
            left: first.shape().to_vec(),
            right: a.shape().to_vec(),
        });
    }
    let expanded = arrays
        .iter()
        .map(|a| a.insert_axis(axis))
        .collect::<Result<Vec<_>>>()?;
    concatenate(axis, &expanded)
}

/// Elements of `a` where `cond` is true and of `b` elsewhere, broadcasting all three (numpy's
/// `where`). One fused elementwise pass: no intermediate blocks.
///
/// # Errors
///
/// [`Error::IncompatibleShapes`] if the shapes do not broadcast together.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, where_};
/// use ndarray::array;
/// let x = Array::from_ndarray(array![1.0, -2.0, 3.0, -4.0], &[2])?;
/// let zero = Array::from_ndarray(ndarray::arr0(0.0), &[])?;
/// let relu = where_(&x.map(|v| v > 0.0), &x, &zero)?;
/// assert_eq!(relu.compute()?, array![1.0, 0.0, 3.0, 0.0].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn where_<T: Element>(cond: &Array<bool>, a: &Array<T>, b: &Array<T>) -> Result<Array<T>> {
    let picked = cond.zip_with(a, |c, x| (c, x))?;
    picked.zip_with(b, |(c, x), y| if c { x } else { y })
}

/// Element `i` of `choices[index[i]]`, all broadcast together, as numpy's `choose(index,
/// choices)` (its default `mode="raise"`): an index outside `0..choices.len()` (negative
/// included) fails the computation with [`Error::IndexOutOfRange`]. One fused elementwise
/// pass over the index and the choices.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for no choices, [`Error::IncompatibleShapes`] for shapes that
/// do not broadcast; at compute, [`Error::IndexOutOfRange`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, choose};
/// use ndarray::array;
/// let idx = Array::from_ndarray(array![0u8, 2, 1, 2], [3])?;
/// let a = Array::from_ndarray(array![1, 2, 3, 4], [2])?;
/// let b = Array::from_ndarray(array![10, 20, 30, 40], [4])?;
/// let c = Array::from_ndarray(ndarray::arr0(-1), Vec::<usize>::new())?; // broadcast
/// assert_eq!(choose(&idx, &[&a, &b, &c])?.compute()?, array![1, -1, 30, -1].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn choose<I, T>(index: &Array<I>, choices: &[&Array<T>]) -> Result<Array<T>>
where
    I: Element + Copy + num_traits::ToPrimitive,
    T: Element,
{
    let op = "choose";
    let Some((last, rest)) = choices.split_last() else {
        return Err(Error::invalid(op, "choices", "none", "at least one array"));
    };
    let n = choices.len();
    let checked = index.try_map_blocks_with_chunks(op, index.chunks().to_vec(), move |_, b| {
        b.iter()
            .map(|&i| match i.to_i64() {
                Some(v) if v >= 0 && (v as usize) < n => Ok(v as usize),
                v => Err(Error::IndexOutOfRange {
                    op,
                    axis: 0,
                    index: v.map_or(isize::MAX, |v| v as isize),
                    len: n,
                }),
            })
            .collect::<Result<Vec<usize>>>()
            .map(|v| ArrayD::from_shape_vec(b.raw_dim(), v).expect("one index per element"))
    })?;
    let mut out = (*last).clone();
    for (k, c) in rest.iter().enumerate().rev() {
        out = where_(&checked.map(move |i: usize| i == k), c, &out)?;
    }
    // Broadcast against the index even when one choice covers everything.
    let shaped = where_(&checked.map(|_| true), &out, &out)?;
    Ok(shaped)
}

/// The first choice whose condition holds, element by element, else `default`, as numpy's
/// `select(condlist, choicelist, default)`; all broadcast together. One fused elementwise
/// pass.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for lists of different lengths, [`Error::IncompatibleShapes`]
/// for shapes that do not broadcast.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, select};
/// use ndarray::array;
/// let x = Array::from_ndarray(array![-2.0, -0.5, 0.5, 3.0], [3])?;
/// let y = select(&[&x.map(|v| v < -1.0), &x.map(|v| v > 1.0)], &[&x.map(|v| -v), &x.map(|v| v * 10.0)], 0.0)?;
/// assert_eq!(y.compute()?, array![2.0, 0.0, 0.0, 30.0].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn select<T: Element>(
    conds: &[&Array<bool>],
    choices: &[&Array<T>],
    default: T,
) -> Result<Array<T>> {
    if conds.len() != choices.len() {
        return Err(Error::invalid(
            "select",
            "choicelist",
            format!("{} choices for {} conditions", choices.len(), conds.len()),
            "one choice per condition",
        ));
    }
    let mut out = Array::from_ndarray(ndarray::arr0(default).into_dyn(), Vec::<usize>::new())?;
    for (c, v) in conds.iter().zip(choices).rev() {
        out = where_(c, v, &out)?;
    }
    Ok(out)
}

impl<T: Element> Array<T> {
    /// The array padded on each axis by `width` cells before and after, filled by `mode` as
    /// numpy's `pad`: [`Boundary::Constant`] (`"constant"`), [`Boundary::Nearest`] (`"edge"`),
    /// [`Boundary::Reflect`] (`"symmetric"`), [`Boundary::Mirror`] (`"reflect"`),
    /// [`Boundary::Periodic`] (`"wrap"`). Widths larger than the axis repeat the rule as numpy
    /// does.
    ///
    /// `width` is anything [`IntoDepth`] takes: one width for every axis, one per axis, or
    /// `(before, after)` pairs. The padding becomes blocks of its own: as long as the array's
    /// largest block on that axis, or longer (up to the padding's width) while a block stays
    /// under about a million elements, so that a wide pad of a small array is a few blocks and
    /// not thousands (and never more than 1024 a side). The array's blocks are shared, not
    /// copied.
    ///
    /// # Errors
    ///
    /// As [`IntoDepth`] for a width list of the wrong rank; [`Error::UnsupportedBoundary`] for
    /// [`Boundary::None`], and for a rule other than `Constant` on an empty axis that is padded
    /// (there is nothing to repeat).
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, Boundary};
    /// use ndarray::array;
    /// let x = Array::from_ndarray(array![1, 2, 3], &[2])?;
    /// assert_eq!(x.pad(2, Boundary::Reflect)?.compute()?, array![2, 1, 1, 2, 3, 3, 2].into_dyn());
    /// assert_eq!(x.pad(vec![(1, 0)], Boundary::Constant(9))?.compute()?, array![9, 1, 2, 3].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn pad(&self, width: impl IntoDepth, mode: Boundary<T>) -> Result<Array<T>> {
        let depth = width.into_depth(self.ndim())?;
        let name = mode.name();
        let unsupported = || Error::UnsupportedBoundary {
            op: "pad",
            boundary: name,
        };
        if matches!(mode, Boundary::None) {
            return Err(unsupported());
        }
        let fill = match &mode {
            Boundary::Constant(v) => v.clone(),
            _ => T::default(),
        };
        let mut out = self.clone();
        for (axis, &(lo, hi)) in depth.axes().iter().enumerate() {
            if lo == 0 && hi == 0 {
                continue;
            }
            let len = self.shape()[axis];
            if len == 0 && !matches!(mode, Boundary::Constant(_)) {
                return Err(unsupported());
            }
            // The widths are parameters: check the padded length and the number of its blocks
            // before anything proportional to them is made.
            let mut shape = out.shape().to_vec();
            let total = lo
                .checked_add(len)
                .and_then(|n| n.checked_add(hi))
                .filter(|&n| n <= isize::MAX as usize);
            shape[axis] = total.unwrap_or(usize::MAX);
            let total = total.ok_or_else(|| Error::TooLarge {
                shape: shape.clone(),
                what: "elements",
            })?;
            let rule = match &mode {
                Boundary::Constant(_) | Boundary::None => Boundary::Constant(()),
                Boundary::Reflect => Boundary::Reflect,
                Boundary::Mirror => Boundary::Mirror,
                Boundary::Nearest => Boundary::Nearest,
                Boundary::Periodic => Boundary::Periodic,
            };
            let map = AxisMap::Pad {
                lo,
                len,
                total,
                rule,
            };
            let largest = |s: &[usize]| s.iter().copied().max().unwrap_or(0).max(1);
            let across: usize = (0..out.ndim())
                .filter(|&k| k != axis)
                .map(|k| largest(&out.chunks()[k]))
                .fold(1, usize::saturating_mul);
            let wide = lo.max(hi);
            let block = largest(&self.chunks()[axis])
                .max((BROADCAST_BLOCK / across).min(wide))
                .max(wide.div_ceil(MAX_PAD_BLOCKS));
            let mut sizes = try_regular_sizes(&shape, lo, block)?;
            if len > 0 {
                sizes.extend_from_slice(&self.chunks()[axis]);
            }
            sizes.extend(try_regular_sizes(&shape, hi, block)?);
            let mut all = out.chunks().to_vec();
            all[axis] = sizes.clone();
            Chunks::new(&shape, all)?;
            out = out.take_along("pad", axis, map, sizes, fill.clone())?;
        }
        Ok(out)
    }

    /// The array shifted by `shift` positions along `axis`, elements that leave one end coming
    /// back at the other (numpy's `roll`). The blocks stay where they are; each reads the one
    /// or two input blocks its elements come from.
    ///
    /// # Errors
    ///
    /// [`Error::AxisOutOfRange`] for an axis the array does not have.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// use ndarray::{Axis, array};
    /// let x = Array::from_ndarray(array![1, 2, 3, 4, 5], &[2])?;
    /// assert_eq!(x.roll(2, Axis(0))?.compute()?, array![4, 5, 1, 2, 3].into_dyn());
    /// assert_eq!(x.roll(-1, Axis(0))?.compute()?, array![2, 3, 4, 5, 1].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn roll(&self, shift: isize, axis: impl IntoAxis) -> Result<Array<T>> {
        let axis = self.check_axis("roll", axis.axis_index())?;
        let len = self.shape()[axis];
        if len == 0 || shift.rem_euclid(len as isize) == 0 {
            return Ok(self.clone());
        }
        let s = shift.rem_euclid(len as isize) as usize;
        let map: Arc<[Option<usize>]> = (0..len).map(|p| Some((p + len - s) % len)).collect();
        let sizes = self.chunks()[axis].clone();
        self.take_along("roll", axis, AxisMap::List(map), sizes, T::default())
    }
}

impl<T: Element + PartialOrd> Array<T> {
    /// Each element limited to `[lo, hi]` (numpy's `clip`: `min(max(x, lo), hi)`, so `hi` wins
    /// when `lo > hi`); NaN stays NaN. Fuses with the elementwise operations around it.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let x = Array::from_ndarray(ndarray::array![-2.0, 0.5, 3.0, f64::NAN], &[2])?;
    /// let y = x.clip(0.0, 1.0).compute()?;
    /// assert_eq!(&y.as_slice().unwrap()[..3], &[0.0, 0.5, 1.0]);
    /// assert!(y[3].is_nan());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn clip(&self, lo: T, hi: T) -> Array<T> {
        self.map(move |v| {
            let v = if v < lo { lo.clone() } else { v };
            if v > hi { hi.clone() } else { v }
        })
    }
}

/// numpy's tiling: elements or the whole array repeated.
impl<T: Element> Array<T> {
    /// Each element repeated `repeats` times along `axis` (numpy's `repeat` with one count):
    /// each output block is one input block's elements repeated.
    ///
    /// # Errors
    ///
    /// [`Error::AxisOutOfRange`]; [`Error::TooLarge`] for a result too long to index.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let x = Array::from_ndarray(ndarray::array![[1, 2], [3, 4]], [1, 1])?;
    /// assert_eq!(x.repeat(2, 1)?.compute()?, ndarray::array![[1, 1, 2, 2], [3, 3, 4, 4]].into_dyn());
    /// assert_eq!(x.repeat(0, 0)?.shape(), &[0, 2]);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn repeat(&self, repeats: usize, axis: impl IntoAxis) -> Result<Array<T>> {
        let axis = self.check_axis("repeat", axis.axis_index())?;
        let len = self.shape()[axis];
        let total = len
            .checked_mul(repeats)
            .filter(|&n| n <= isize::MAX as usize);
        let Some(total) = total else {
            let mut shape = self.shape().to_vec();
            shape[axis] = usize::MAX;
            return Err(Error::TooLarge {
                shape,
                what: "elements",
            });
        };
        let list: Arc<[Option<usize>]> = (0..total).map(|i| Some(i / repeats)).collect();
        let sizes: Vec<usize> = if repeats == 0 {
            Vec::new()
        } else {
            self.chunks()[axis].iter().map(|&c| c * repeats).collect()
        };
        self.take_along("repeat", axis, AxisMap::List(list), sizes, T::default())
    }

    /// The whole array repeated `reps[k]` times along each axis (numpy's `tile`; a shorter
    /// `reps` applies to the last axes, a longer one adds leading axes of length 1 first).
    ///
    /// # Errors
    ///
    /// [`Error::TooLarge`] for a result too long to index.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let x = Array::from_ndarray(ndarray::array![1, 2, 3], [2])?;
    /// assert_eq!(x.tile(&[2])?.compute()?, ndarray::array![1, 2, 3, 1, 2, 3].into_dyn());
    /// assert_eq!(x.tile(&[2, 1])?.compute()?, ndarray::array![[1, 2, 3], [1, 2, 3]].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn tile(&self, reps: &[usize]) -> Result<Array<T>> {
        let mut out = self.clone();
        while out.ndim() < reps.len() {
            out = out.insert_axis(0)?;
        }
        let skip = out.ndim() - reps.len();
        for (k, &r) in reps.iter().enumerate() {
            let axis = skip + k;
            if r == 1 {
                continue;
            }
            let len = out.shape()[axis];
            let total = len.checked_mul(r).filter(|&n| n <= isize::MAX as usize);
            let Some(total) = total else {
                let mut shape = out.shape().to_vec();
                shape[axis] = usize::MAX;
                return Err(Error::TooLarge {
                    shape,
                    what: "elements",
                });
            };
            let list: Arc<[Option<usize>]> = (0..total).map(|i| Some(i % len)).collect();
            let sizes: Vec<usize> = (0..r)
                .flat_map(|_| out.chunks()[axis].iter().copied())
                .collect();
            out = out.take_along("tile", axis, AxisMap::List(list), sizes, T::default())?;
        }
        Ok(out)
    }
}

/// How [`meshgrid`] orders its grid's axes (numpy's `indexing`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Indexing {
    /// Cartesian: the first two axes swapped (`y` down, `x` across), numpy's default.
    #[default]
    Xy,
    /// Matrix: axis `k` follows input `k`.
    Ij,
}

/// Coordinate grids from 1-D coordinate arrays (numpy's `meshgrid`): one array per input,
/// each the input broadcast over the grid (its blocks shared, not copied).
///
/// # Errors
///
/// [`Error::UnsupportedRank`] for an input that is not 1-D.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Indexing, meshgrid};
/// let x = Array::from_ndarray(ndarray::array![1, 2, 3], [2])?;
/// let y = Array::from_ndarray(ndarray::array![10, 20], [1])?;
/// let g = meshgrid(&[&x, &y], Indexing::Xy)?;
/// assert_eq!(g[0].compute()?, ndarray::array![[1, 2, 3], [1, 2, 3]].into_dyn());
/// assert_eq!(g[1].compute()?, ndarray::array![[10, 10, 10], [20, 20, 20]].into_dyn());
/// let g = meshgrid(&[&x, &y], Indexing::Ij)?;
/// assert_eq!(g[0].shape(), &[3, 2]);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn meshgrid<T: Element>(xs: &[&Array<T>], indexing: Indexing) -> Result<Vec<Array<T>>> {
    if let Some(bad) = xs.iter().find(|x| x.ndim() != 1) {
        return Err(Error::UnsupportedRank {
            op: "meshgrid",
            ndim: bad.ndim(),
            expected: "1-D coordinate arrays",
        });
    }
    let n = xs.len();
    // The grid axis of input k.
    let place = |k: usize| match (indexing, k) {
        (Indexing::Xy, 0) if n > 1 => 1,
        (Indexing::Xy, 1) => 0,
        _ => k,
    };
    let mut shape = vec![0; n];
    for (k, x) in xs.iter().enumerate() {
        shape[place(k)] = x.shape()[0];
    }
    xs.iter()
        .enumerate()
        .map(|(k, x)| {
            let at = place(k);
            let mut v = (*x).clone();
            for j in (0..n).filter(|&j| j != at) {
                v = v.insert_axis(j)?;
            }
            v.broadcast_to(&shape)
        })
        .collect()
}
