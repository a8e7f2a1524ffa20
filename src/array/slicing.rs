//! Slicing and indexing: `slice`, `index_axis`, `select`, `mask`.

use super::IntoAxis;
use std::sync::Arc;

use ndarray::{ArrayD, IxDyn, SliceArg, SliceInfoElem};

use super::Array;
use crate::chunks::{Chunks, regular_sizes};
use crate::error::{Error, Result};
use crate::expr::block::{Element, block_of, owned};
use crate::expr::gather::Gather;
use crate::expr::take::{AxisMap, OutAxis, Take, chunk_counts};
use crate::expr::{BlockRef, NodeRef};

/// Resolves a possibly negative index against an axis of length `len` (`len` itself allowed
/// when `end_ok`, for a slice bound).
fn abs_index(op: &'static str, axis: usize, i: isize, len: usize, end_ok: bool) -> Result<usize> {
    let abs = if i < 0 { len as isize + i } else { i };
    let max = if end_ok {
        len as isize
    } else {
        len as isize - 1
    };
    if abs < 0 || abs > max {
        return Err(Error::IndexOutOfRange {
            op,
            axis,
            index: i,
            len,
        });
    }
    Ok(abs as usize)
}

impl<T: Element> Array<T> {
    /// The array cut by an ndarray slice, written with [`ndarray::s!`]: ranges, steps (negative
    /// too), single indices that drop their axis, and `NewAxis`, with ndarray's meaning (a
    /// negative step walks the range from its end: `s![1..6;-2]` takes 5, 3, 1).
    ///
    /// Lazy and cheap: only the blocks the slice touches are ever computed, an output block
    /// that is a contiguous part of one input block is shared without a copy, and a stepped
    /// block is one strided copy. The result keeps one block per input block it touches.
    ///
    /// # Errors
    ///
    /// [`Error::RankMismatch`] if the slice does not have one entry per axis (besides `NewAxis`),
    /// [`Error::IndexOutOfRange`] for a bound or index outside its axis, [`Error::ZeroStep`].
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// use ndarray::{Array2, s};
    ///
    /// let a = Array2::from_shape_fn((6, 8), |(i, j)| (i * 8 + j) as i64);
    /// let x = Array::from_ndarray(a.clone(), &[2, 3])?;
    /// let y = x.slice(s![1..5, ..;-3])?;
    /// assert_eq!(y.compute()?, a.slice(s![1..5, ..;-3]).into_dyn());
    /// assert_eq!(x.slice(s![2, 1..3])?.compute()?, a.slice(s![2, 1..3]).into_dyn());
    /// assert!(x.slice(s![7, ..]).is_err());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn slice<I: SliceArg<IxDyn>>(&self, info: I) -> Result<Array<T>> {
        let elems: &[SliceInfoElem] = info.as_ref();
        let given = elems
            .iter()
            .filter(|e| !matches!(e, SliceInfoElem::NewAxis))
            .count();
        if given != self.ndim() {
            return Err(Error::RankMismatch {
                op: "slice",
                given,
                ndim: self.ndim(),
            });
        }
        let src = self.chunk_layout();
        let mut maps = Vec::with_capacity(self.ndim());
        let mut layout = Vec::with_capacity(elems.len());
        let mut axis = 0;
        for e in elems {
            match *e {
                SliceInfoElem::NewAxis => layout.push(OutAxis::New),
                SliceInfoElem::Index(i) => {
                    let len = self.shape()[axis];
                    let i = abs_index("slice", axis, i, len, false)?;
                    maps.push(AxisMap::Range {
                        first: i,
                        step: 1,
                        len: 1,
                    });
                    axis += 1;
                }
                SliceInfoElem::Slice { start, end, step } => {
                    let len = self.shape()[axis];
                    if step == 0 {
                        return Err(Error::ZeroStep { axis });
                    }
                    let start = abs_index("slice", axis, start, len, true)?;
                    let end = match end {
                        Some(e) => abs_index("slice", axis, e, len, true)?,
                        None => len,
                    }
                    .max(start);
                    let n = (end - start).div_ceil(step.unsigned_abs());
                    let first = if step > 0 {
                        start
                    } else {
                        end.saturating_sub(1)
                    };
                    maps.push(AxisMap::Range {
                        first,
                        step,
                        len: n,
                    });
                    layout.push(OutAxis::Input(axis));
                    axis += 1;
                }
            }
        }
        // Every axis taken whole, in place: the array itself. (An index on an axis of length
        // 1 with a new axis elsewhere keeps the count of axes but not their order.)
        let whole = maps.iter().enumerate().all(|(a, m)| {
            matches!(m, AxisMap::Range { first: 0, step: 1, len } if *len == self.shape()[a])
        });
        let in_place = layout.len() == self.ndim()
            && layout
                .iter()
                .enumerate()
                .all(|(k, a)| *a == OutAxis::Input(k));
        if whole && in_place {
            return Ok(self.clone());
        }
        let sizes = maps
            .iter()
            .enumerate()
            .map(|(a, m)| chunk_counts(m, src, a))
            .collect();
        Ok(self.take_maps("slice", maps, sizes, layout, T::default()))
    }

    /// The subarray at index `index` along `axis`, which the result drops, as ndarray's
    /// `index_axis`. Reads only the blocks that hold that index.
    ///
    /// # Errors
    ///
    /// [`Error::AxisOutOfRange`], or [`Error::IndexOutOfRange`] for an index past the axis.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// use ndarray::{Array2, Axis};
    ///
    /// let a = Array2::from_shape_fn((4, 5), |(i, j)| i * 10 + j);
    /// let x = Array::from_ndarray(a.clone(), &[3, 2])?;
    /// let row = x.index_axis(Axis(0), 3)?;
    /// assert_eq!(row.compute()?, a.index_axis(Axis(0), 3).into_dyn());
    /// assert!(x.index_axis(Axis(1), 5).is_err());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn index_axis(&self, axis: impl IntoAxis, index: usize) -> Result<Array<T>> {
        let ndim = self.ndim();
        let axis = self.check_axis("index_axis", axis.axis_index())?;
        let len = self.shape()[axis];
        if index >= len {
            return Err(Error::IndexOutOfRange {
                op: "index_axis",
                axis,
                index: index as isize,
                len,
            });
        }
        let mut elems = vec![SliceInfoElem::from(..); ndim];
        elems[axis] = SliceInfoElem::Index(index as isize);
        self.slice(elems.as_slice())
    }

    /// The elements at `indices` along `axis`, in that order, repeats allowed, as ndarray's
    /// `select` (numpy's `take`). The result is cut along `axis` into blocks of the input's
    /// largest block size there; each reads only the input blocks its indices fall in.
    ///
    /// # Errors
    ///
    /// [`Error::AxisOutOfRange`], or [`Error::IndexOutOfRange`] naming the first index past the
    /// axis.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// use ndarray::{Array2, Axis};
    ///
    /// let a = Array2::from_shape_fn((5, 3), |(i, j)| i * 10 + j);
    /// let x = Array::from_ndarray(a.clone(), &[2, 2])?;
    /// let y = x.select(Axis(0), &[4, 0, 0, 2])?;
    /// assert_eq!(y.compute()?, a.select(Axis(0), &[4, 0, 0, 2]).into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn select(&self, axis: impl IntoAxis, indices: &[usize]) -> Result<Array<T>> {
        let axis = self.check_axis("select", axis.axis_index())?;
        let len = self.shape()[axis];
        if let Some(&bad) = indices.iter().find(|&&i| i >= len) {
            return Err(Error::IndexOutOfRange {
                op: "select",
                axis,
                index: bad as isize,
                len,
            });
        }
        let block = self.chunks()[axis]
            .iter()
            .copied()
            .max()
            .unwrap_or(1)
            .max(1);
        let list: Arc<[Option<usize>]> = indices.iter().map(|&i| Some(i)).collect();
        let axis_sizes = match indices.len() {
            0 => vec![0],
            n => regular_sizes(n, block),
        };
        self.take_along(
            "select",
            axis,
            AxisMap::List(list),
            axis_sizes,
            T::default(),
        )
    }

    /// The elements where `mask` is true, in row-major order, as a 1-D array (numpy's
    /// `x[mask]`).
    ///
    /// dask leaves the result's chunk sizes unknown until compute. Here every block's size is
    /// known when the array is built: `mask` computes how many elements each block of the mask
    /// selects (one count per block, in parallel on the default scheduler), and the result has
    /// one block per block that selects something. The values stay lazy; the mask is computed
    /// again with them. Both are first viewed as 1-D (see [`Array::reshape`]), so that the
    /// elements come in row-major order, as numpy gives them, whatever the blocks.
    ///
    /// # Errors
    ///
    /// [`Error::IncompatibleShapes`] if `mask` does not have the array's shape, and any error of
    /// computing the mask.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    ///
    /// let x = Array::from_ndarray(ndarray::array![[1, 5, 2], [7, 0, 9]], &[1, 2])?;
    /// let big = x.mask(&x.map(|v| v > 4))?;
    /// assert_eq!(big.compute()?, ndarray::array![5, 7, 9].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn mask(&self, mask: &Array<bool>) -> Result<Array<T>> {
        if mask.shape() != self.shape() {
            return Err(Error::IncompatibleShapes {
                op: "mask",
                left: self.shape().to_vec(),
                right: mask.shape().to_vec(),
            });
        }
        // Flat first: blocks of a 1-D array hold their elements in row-major order.
        let x = self.reshape(&[self.len()])?;
        let mask = mask
            .reshape(&[self.len()])?
            .rechunk(x.chunk_layout().clone())?;
        let ones = vec![vec![1; x.num_blocks()]];
        let counts = mask
            .map_blocks_with_chunks(ones, |_, b| {
                ArrayD::from_elem(vec![1], b.iter().filter(|&&v| v).count())
            })?
            .compute()?;
        // The blocks that select something, and how much.
        let (blocks, sizes): (Vec<usize>, Vec<usize>) = counts
            .iter()
            .copied()
            .enumerate()
            .filter(|&(_, n)| n > 0)
            .unzip();
        let total = sizes.iter().sum();
        let chunks = Chunks::new(&[total], vec![sizes])?;
        let nodes: Vec<NodeRef> = vec![x.node.clone(), mask.node.clone()];
        Ok(Array::from_node(Gather::new::<T>(
            "mask",
            chunks,
            nodes,
            true,
            Box::new(move |b, deps| {
                if let Some(&i) = blocks.get(b) {
                    deps.push(BlockRef { input: 0, block: i });
                    deps.push(BlockRef { input: 1, block: i });
                }
            }),
            Box::new(|_, inputs| {
                let out: Vec<T> = match inputs.as_slice() {
                    [] => Vec::new(),
                    [x, m] => {
                        let (x, m) = (block_of::<T>(x).view(), block_of::<bool>(m).view());
                        x.iter()
                            .zip(m.iter())
                            .filter(|(_, m)| **m)
                            .map(|(v, _)| v.clone())
                            .collect()
                    }
                    _ => unreachable!("a mask block reads one block and its mask"),
                };
                Ok(owned(
                    ArrayD::from_shape_vec(IxDyn(&[out.len()]), out)
                        .expect("a 1-D array of its own length"),
                ))
            }),
        )))
    }

    /// `axis` if the array has it.
    pub(crate) fn check_axis(&self, op: &'static str, axis: usize) -> Result<usize> {
        if axis >= self.ndim() {
            return Err(Error::AxisOutOfRange {
                op,
                axis,
                ndim: self.ndim(),
            });
        }
        Ok(axis)
    }

    /// A [`Take`] over every axis: `map` and `sizes` on `axis`, everything on the others.
    pub(crate) fn take_along(
        &self,
        name: &'static str,
        axis: usize,
        map: AxisMap,
        axis_sizes: Vec<usize>,
        fill: T,
    ) -> Result<Array<T>> {
        let mut maps: Vec<AxisMap> = self
            .shape()
            .iter()
            .map(|&len| AxisMap::Range {
                first: 0,
                step: 1,
                len,
            })
            .collect();
        let mut sizes = self.chunks().to_vec();
        maps[axis] = map;
        sizes[axis] = axis_sizes;
        let layout = (0..self.ndim()).map(OutAxis::Input).collect();
        Ok(self.take_maps(name, maps, sizes, layout, fill))
    }

    pub(crate) fn take_maps(
        &self,
        name: &'static str,
        maps: Vec<AxisMap>,
        sizes: Vec<Vec<usize>>,
        layout: Vec<OutAxis>,
        fill: T,
    ) -> Array<T> {
        Array::from_node(Take::new(
            name,
            self.node.clone(),
            maps,
            sizes,
            layout,
            fill,
        ))
    }
}
