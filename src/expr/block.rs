//! The value a block task produces: an owned `ndarray`, or a region of one shared without a copy.

use std::ops::Range;
use std::sync::Arc;

use ndarray::{ArrayD, ArrayViewD, IxDyn, Slice};

use crate::scheduler::Value;

/// The element types an [`Array`](crate::Array) can hold.
///
/// Blanket-implemented for every `Clone + Default + Send + Sync + 'static` type: all the
/// numeric types, `bool`, and most plain structs. `Default` gives the value that a result array
/// is allocated with before its blocks are written (zero for numbers, which costs nothing: the
/// operating system hands out zeroed pages).
///
/// # Examples
///
/// ```
/// fn takes<T: chunkwise::Element>() {}
/// takes::<f64>();
/// takes::<bool>();
/// takes::<(i32, u8)>();
/// ```
pub trait Element: Clone + Default + Send + Sync + 'static {}

impl<T: Clone + Default + Send + Sync + 'static> Element for T {}

/// One block of an array of `T`.
pub(crate) enum Block<T> {
    Owned(ArrayD<T>),
    /// A region of `base` (a `Block::Owned`, or a whole-block `Region` of one: see
    /// [`handles`]) that other tasks may share: a block taken whole or cut out of a bigger one
    /// (e.g. by rechunking into smaller blocks) costs no copy.
    Region {
        base: Value,
        ranges: Vec<Range<usize>>,
    },
    /// Only the part `origin..origin + data.shape()` of a block of shape `shape`: what a rank
    /// of a cluster receives of another's block when its readers need only that part (ghost
    /// cells). Only readers that declared the region ([`Node::input_region`]) get one, and
    /// they read it through [`Block::view_of`].
    ///
    /// [`Node::input_region`]: super::Node::input_region
    Window {
        data: ArrayD<T>,
        origin: Vec<usize>,
        shape: Vec<usize>,
    },
}

impl<T: Element> Block<T> {
    pub(crate) fn view(&self) -> ArrayViewD<'_, T> {
        match self {
            Block::Owned(a) => a.view(),
            Block::Region { base, ranges } => {
                let mut v = block_of::<T>(base).view();
                v.slice_each_axis_inplace(|ax| Slice::from(ranges[ax.axis.index()].clone()));
                v
            }
            Block::Window { shape, origin, .. } => unreachable!(
                "a window at {origin:?} of a {shape:?} block is read only through view_of"
            ),
        }
    }

    /// The cells `slices` (absolute within the block, with explicit ends) of this block: for
    /// readers that may be handed a [`Block::Window`] holding just the cells they read.
    pub(crate) fn view_of(&self, slices: &[Slice]) -> ArrayViewD<'_, T> {
        let (mut view, origin) = match self {
            Block::Window { data, origin, .. } => (data.view(), origin.as_slice()),
            _ => (self.view(), &[][..]),
        };
        view.slice_each_axis_inplace(|ax| {
            let a = ax.axis.index();
            let s = slices[a];
            let o = origin.get(a).copied().unwrap_or(0) as isize;
            Slice::new(s.start - o, s.end.map(|e| e - o), s.step)
        });
        view
    }

    /// Number of elements this block holds.
    pub(crate) fn len(&self) -> usize {
        match self {
            Block::Window { data, .. } => data.len(),
            _ => self.view().len(),
        }
    }
}

/// The block inside a task's value.
pub(crate) fn block_of<T: Element>(v: &Value) -> &Block<T> {
    v.downcast_ref::<Block<T>>()
        .expect("a block task of an Array<T> yields a Block<T>")
}

/// Wraps an owned array as a task value.
pub(crate) fn owned<T: Element>(a: ArrayD<T>) -> Value {
    Arc::new(Block::Owned(a))
}

/// The region `ranges` (relative to the block) of block value `v`, without a copy.
pub(crate) fn region<T: Element>(v: &Value, ranges: Vec<Range<usize>>) -> Value {
    match block_of::<T>(v) {
        Block::Owned(a) => {
            if ranges
                .iter()
                .zip(a.shape())
                .all(|(r, &n)| r.start == 0 && r.end == n)
            {
                return v.clone();
            }
            Arc::new(Block::<T>::Region {
                base: v.clone(),
                ranges,
            })
        }
        Block::Region {
            base,
            ranges: outer,
        } => {
            let ranges = outer
                .iter()
                .zip(ranges)
                .map(|(o, r)| o.start + r.start..o.start + r.end)
                .collect();
            Arc::new(Block::<T>::Region {
                base: base.clone(),
                ranges,
            })
        }
        // A window holds at least what its reader declared: copy the part asked for.
        Block::Window { .. } => {
            let slices: Vec<Slice> = ranges.into_iter().map(Slice::from).collect();
            owned(block_of::<T>(v).view_of(&slices).to_owned())
        }
    }
}

/// `n` handles to the owned block value `v`: whole-block regions of it, each with its own
/// reference count.
///
/// Every region cut from a block clones the `Arc` it is cut from. When many small tasks on
/// several threads cut regions from one array (`from_ndarray` with small blocks), one shared
/// count would bounce between their cores on every clone and drop; giving each thread its own
/// handle keeps each count on one core. A cache line of allocation is left between handles, so
/// that their counts do not share one.
pub(crate) fn handles<T: Element>(v: &Value, n: usize) -> Vec<Value> {
    let full: Vec<Range<usize>> = block_of::<T>(v)
        .view()
        .shape()
        .iter()
        .map(|&k| 0..k)
        .collect();
    let mut out = Vec::with_capacity(n);
    let mut spacers = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(Arc::new(Block::<T>::Region {
            base: v.clone(),
            ranges: full.clone(),
        }) as Value);
        // A cache line's worth of allocation between consecutive handles.
        spacers.push([0u8; 128].to_vec());
    }
    out
}

/// The array inside block value `v`: moved out when the task holds the only reference to an
/// owned block, else copied.
pub(crate) fn into_owned<T: Element>(v: Value) -> ArrayD<T> {
    let block = v
        .downcast::<Block<T>>()
        .unwrap_or_else(|_| unreachable!("a block task of an Array<T> yields a Block<T>"));
    match Arc::try_unwrap(block) {
        Ok(Block::Owned(a)) => a,
        Ok(b) => b.view().to_owned(),
        Err(shared) => shared.view().to_owned(),
    }
}

/// Block value `v` with its elements (row-major) laid out in `shape`, which has as many
/// elements. Free when the task holds the only reference to an owned block in standard layout.
pub(crate) fn reshaped<T: Element>(v: Value, shape: IxDyn) -> Value {
    let block = v
        .downcast::<Block<T>>()
        .unwrap_or_else(|_| unreachable!("a block task of an Array<T> yields a Block<T>"));
    let a = match Arc::try_unwrap(block) {
        Ok(Block::Owned(a)) if a.is_standard_layout() => a,
        Ok(b) => b.view().as_standard_layout().into_owned(),
        Err(shared) => shared.view().as_standard_layout().into_owned(),
    };
    owned(
        a.into_shape_with_order(shape)
            .expect("a reshape keeps the number of elements"),
    )
}

/// Side of the square tiles a transposing copy moves at a time: a tile of the source and of the
/// destination stay in the first-level cache together.
const TILE: usize = 32;

/// `v` with its axes permuted (output axis `k` is input axis `perm[k]`), copied into standard
/// layout. When the input's last (contiguous) axis moves, the copy goes tile by tile over that
/// axis and the output's last one, so that both sides are read and written a cache line at a
/// time rather than one element per line.
pub(crate) fn permuted_copy<T: Element>(v: ArrayViewD<'_, T>, perm: &[usize]) -> ArrayD<T> {
    let n = perm.len();
    let p = v.permuted_axes(perm.to_vec());
    let hot = perm.iter().position(|&a| a + 1 == n);
    let Some(hot) = hot.filter(|&h| h + 1 != n) else {
        return p.as_standard_layout().into_owned();
    };
    let mut out = ArrayD::from_elem(p.raw_dim(), T::default());
    let (rows, cols) = (p.shape()[hot], p.shape()[n - 1]);
    for i in (0..rows).step_by(TILE) {
        for j in (0..cols).step_by(TILE) {
            let pick = |axis: usize| match axis {
                a if a == hot => Slice::from(i..(i + TILE).min(rows)),
                a if a + 1 == n => Slice::from(j..(j + TILE).min(cols)),
                _ => Slice::from(..),
            };
            out.slice_each_axis_mut(|ax| pick(ax.axis.index()))
                .assign(&p.slice_each_axis(|ax| pick(ax.axis.index())));
        }
    }
    out
}

/// The elements of `v` in row-major order, copied a row (a run along the last axis) at a time:
/// an element-by-element walk of a strided view is several times slower.
pub(crate) fn row_major_vec<T: Clone>(v: &ArrayViewD<'_, T>) -> Vec<T> {
    if let Some(s) = v.as_slice() {
        return s.to_vec();
    }
    let mut out = Vec::with_capacity(v.len());
    if v.ndim() == 0 {
        out.extend(v.iter().cloned());
        return out;
    }
    for row in v.rows() {
        match row.as_slice() {
            Some(s) => out.extend_from_slice(s),
            None => out.extend(row.iter().cloned()),
        }
    }
    out
}

/// Bytes of the elements a block value shows (a region counts its own cells), for blocks of
/// numbers and `bool`; 0 for other values. For progress and profiles only.
pub(crate) fn value_bytes(v: &Value) -> usize {
    fn of<T: Element>(v: &Value) -> Option<usize> {
        v.downcast_ref::<Block<T>>()
            .map(|b| b.len() * std::mem::size_of::<T>())
    }
    of::<f64>(v)
        .or_else(|| of::<f32>(v))
        .or_else(|| of::<i64>(v))
        .or_else(|| of::<i32>(v))
        .or_else(|| of::<u64>(v))
        .or_else(|| of::<u32>(v))
        .or_else(|| of::<i16>(v))
        .or_else(|| of::<u16>(v))
        .or_else(|| of::<i8>(v))
        .or_else(|| of::<u8>(v))
        .or_else(|| of::<bool>(v))
        .or_else(|| of::<usize>(v))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each handle is the whole block, with its own count; regions cut from a handle, directly
    /// or by `region`, see the right part of the data.
    #[test]
    fn handles_and_their_regions_view_the_shared_data() {
        let a = ndarray::Array2::from_shape_fn((4, 5), |(i, j)| (i * 5 + j) as i32).into_dyn();
        let data = owned(a.clone());
        let hs = handles::<i32>(&data, 3);
        assert_eq!(Arc::strong_count(&data), 4);
        for h in &hs {
            assert_eq!(block_of::<i32>(h).view(), a.view());
            let cut: Value = Arc::new(Block::<i32>::Region {
                base: h.clone(),
                ranges: vec![1..3, 2..5],
            });
            let expected =
                a.slice_each_axis(|ax| Slice::from([1..3, 2..5][ax.axis.index()].clone()));
            assert_eq!(block_of::<i32>(&cut).view(), expected);
            let inner = region::<i32>(&cut, vec![1..2, 0..2]);
            assert_eq!(
                block_of::<i32>(&inner).view(),
                a.slice_each_axis(|ax| Slice::from([2..3, 2..4][ax.axis.index()].clone()))
            );
        }
        drop(hs);
        assert_eq!(Arc::strong_count(&data), 1);
    }
}
