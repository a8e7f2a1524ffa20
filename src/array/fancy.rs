//! numpy's advanced indexing: point-wise indexing with broadcast integer arrays (`vindex`),
//! `take` along an axis with a chunked index array, and the positions of true elements
//! (`nonzero`, `argwhere`).
//!
//! ```text
//!   vindex([[0, 7, 3]], [[5, 1, 6]]) on blocks of 4 x 4:
//!     points (0,5) (7,1) (3,6) ──► input blocks (0,1) (1,0) (0,1)
//!     output block of the points 0..3 reads blocks (0,1) and (1,0) only, once each
//! ```

use std::sync::Arc;

use ndarray::Dimension as _;
use ndarray::{ArrayD, Axis, IxDyn};
use num_traits::ToPrimitive;

use super::{Array, IntoAxis, TruthValue, stack};
use crate::chunks::{Chunks, broadcast_shapes, regular_sizes};
use crate::error::{Error, Result};
use crate::expr::block::{Element, block_of, owned};
use crate::expr::gather::Gather;
use crate::expr::source::FromFn;
use crate::expr::{BlockRef, NodeRef};
use crate::scheduler::Value;

/// The points one output block of `vindex` takes: the input blocks they lie in (grid
/// positions along the indexed axes, each once) and, per point, which of those and where in
/// it.
struct Points {
    blocks: Vec<Vec<usize>>,
    each: Vec<(usize, Vec<usize>)>,
}

/// `i` as a position on an axis of length `len`, negative counting from the end (numpy's
/// rule), or the error naming it.
fn position<I: ToPrimitive>(op: &'static str, axis: usize, i: I, len: usize) -> Result<usize> {
    let v = i.to_i64().unwrap_or(i64::MAX);
    let p = if v < 0 { v + len as i64 } else { v };
    if p < 0 || p >= len as i64 {
        return Err(Error::IndexOutOfRange {
            op,
            axis,
            index: isize::try_from(v).unwrap_or(isize::MAX),
            len,
        });
    }
    Ok(p as usize)
}

impl<T: Element> Array<T> {
    /// Point-wise indexing, as dask's `x.vindex[i, j]` and numpy's `x[i, j]` with integer
    /// arrays: the index arrays (one per leading axis, negative counting from the end) are
    /// broadcast together, and element `p` of the result is `x[i[p], j[p], ...]`, followed by
    /// the axes not indexed whole. Only the blocks that hold points are read, each once per
    /// output block that needs it.
    ///
    /// The result has the index arrays' broadcast shape, then the remaining axes (chunked as
    /// the input's); its points are cut into blocks of about an input block's number of
    /// elements along the indexed axes.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for no index array or more than the array has axes,
    /// [`Error::IncompatibleShapes`] for index arrays that do not broadcast,
    /// [`Error::IndexOutOfRange`] for an index outside its axis.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// use ndarray::{Array2, array};
    /// let a = Array2::from_shape_fn((8, 8), |(i, j)| i * 10 + j);
    /// let x = Array::from_ndarray(a, [4, 4])?;
    /// // Three points; a negative index counts from the end.
    /// let y = x.vindex(&[array![0, 7, -5].into_dyn(), array![5, 1, 6].into_dyn()])?;
    /// assert_eq!(y.compute()?, array![5, 71, 36].into_dyn());
    /// // One index array: whole rows, in its shape.
    /// let rows = x.vindex(&[array![[1], [6]].into_dyn()])?;
    /// assert_eq!(rows.shape(), &[2, 1, 8]);
    /// assert_eq!(rows.compute()?[[1, 0, 2]], 62);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn vindex<I>(&self, indices: &[ArrayD<I>]) -> Result<Array<T>>
    where
        I: Copy + ToPrimitive,
    {
        let op = "vindex";
        let k = indices.len();
        if k == 0 || k > self.ndim() {
            return Err(Error::invalid(
                op,
                "indices",
                format!("{k} index arrays for {} axes", self.ndim()),
                "one index array per leading axis, at least one",
            ));
        }
        let mut shape: Vec<usize> = Vec::new();
        for i in indices {
            shape =
                broadcast_shapes(&shape, i.shape()).ok_or_else(|| Error::IncompatibleShapes {
                    op,
                    left: shape.clone(),
                    right: i.shape().to_vec(),
                })?;
        }
        let views: Vec<_> = indices
            .iter()
            .map(|i| i.broadcast(IxDyn(&shape)).expect("the shapes broadcast"))
            .collect();
        let c = self.chunk_layout();
        let n: usize = shape.iter().product();
        // Points per output block: about an input block's elements along the indexed axes.
        let per: usize = (0..k)
            .map(|a| c.sizes()[a].iter().copied().max().unwrap_or(1).max(1))
            .product();
        let point_sizes = if n == 0 {
            vec![0]
        } else {
            regular_sizes(n, per)
        };
        let mut blocks: Vec<Points> = Vec::with_capacity(point_sizes.len());
        let mut at = 0;
        let mut flat = views.iter().map(|v| v.iter()).collect::<Vec<_>>();
        for &size in &point_sizes {
            let mut pts = Points {
                blocks: Vec::new(),
                each: Vec::with_capacity(size),
            };
            for _ in 0..size {
                let mut grid = Vec::with_capacity(k);
                let mut local = Vec::with_capacity(k);
                for (a, it) in flat.iter_mut().enumerate() {
                    let i = *it.next().expect("one index per point");
                    let p = position(op, a, i, self.shape()[a])?;
                    let b = c.locate(a, p);
                    grid.push(b);
                    local.push(p - c.starts(a)[b]);
                }
                let slot = match pts.blocks.iter().position(|g| *g == grid) {
                    Some(s) => s,
                    None => {
                        pts.blocks.push(grid);
                        pts.blocks.len() - 1
                    }
                };
                pts.each.push((slot, local));
            }
            at += size;
            blocks.push(pts);
        }
        debug_assert_eq!(at, n);
        let mut out_shape = vec![n];
        out_shape.extend_from_slice(&self.shape()[k..]);
        let mut out_sizes = vec![point_sizes];
        out_sizes.extend_from_slice(&c.sizes()[k..]);
        let out = Chunks::from_valid(out_shape, out_sizes);
        let blocks = Arc::new(blocks);
        let (grid, src, b2) = (out.clone(), c.clone(), blocks.clone());
        let deps = Box::new(move |block: usize, deps: &mut Vec<BlockRef>| {
            let g = grid.grid_index(block);
            for at in &b2[g[0]].blocks {
                let mut idx = at.clone();
                idx.extend_from_slice(&g.slice()[1..]);
                deps.push(BlockRef {
                    input: 0,
                    block: src.linear_index(&idx),
                });
            }
        });
        let grid = out.clone();
        let kernel = Box::new(move |block: usize, values: &mut Vec<Value>| {
            let g = grid.grid_index(block);
            let pts = &blocks[g[0]];
            let mut result = ArrayD::<T>::default(grid.block_shape(block));
            for (i, (slot, local)) in pts.each.iter().enumerate() {
                let mut v = block_of::<T>(&values[*slot]).view();
                for &l in local {
                    v.index_axis_inplace(Axis(0), l);
                }
                result.index_axis_mut(Axis(0), i).assign(&v);
            }
            Ok(owned(result))
        });
        let points = Array::from_node(Gather::new::<T>(
            op,
            out,
            vec![self.node().clone()],
            false,
            deps,
            kernel,
        ));
        if shape.len() == 1 {
            return Ok(points);
        }
        let mut full = shape;
        full.extend_from_slice(&self.shape()[k..]);
        points.reshape(&full)
    }

    /// The elements at `indices` along `axis`, as numpy's and dask's `take(x, indices, axis)`
    /// with an index array that is itself chunked and lazy (computed from data, say): the
    /// result has the input's axes before `axis`, then the index array's axes (and its chunks),
    /// then the input's axes after `axis`. Negative indices count from the end. Each output
    /// block reads its block of indices and the input blocks along `axis` beside its position
    /// (the indices are not known before they are computed, as in dask).
    ///
    /// # Errors
    ///
    /// [`Error::AxisOutOfRange`] for an axis the array lacks; at compute,
    /// [`Error::IndexOutOfRange`] for an index outside the axis.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// use ndarray::array;
    /// let x = Array::from_ndarray(array![[1, 2, 3], [4, 5, 6], [7, 8, 9]], [2, 2])?;
    /// // The rows each column's argmax points at, found lazily.
    /// let at = x.argmax_axis(0)?; // [2, 2, 2]
    /// let rows = x.take(&at.map(|i| i as i64 - 1), 0)?; // row 1, three times
    /// assert_eq!(rows.compute()?, array![[4, 5, 6], [4, 5, 6], [4, 5, 6]].into_dyn());
    /// let cols = x.take(&Array::from_ndarray(array![-1, 0], [1])?, 1)?;
    /// assert_eq!(cols.compute()?, array![[3, 1], [6, 4], [9, 7]].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn take<I>(&self, indices: &Array<I>, axis: impl IntoAxis) -> Result<Array<T>>
    where
        I: Element + Copy + ToPrimitive,
    {
        let op = "take";
        let axis = self.check_axis(op, axis.axis_index())?;
        let c = self.chunk_layout().clone();
        let ic = indices.chunk_layout().clone();
        let pre = axis;
        let mut shape = self.shape()[..axis].to_vec();
        shape.extend_from_slice(indices.shape());
        shape.extend_from_slice(&self.shape()[axis + 1..]);
        let mut sizes = c.sizes()[..axis].to_vec();
        sizes.extend_from_slice(ic.sizes());
        sizes.extend_from_slice(&c.sizes()[axis + 1..]);
        let out = Chunks::new(&shape, sizes)?;
        let ni = ic.ndim();
        let along = c.grid_shape()[axis];
        let (grid, src, igrid) = (out.clone(), c.clone(), ic.clone());
        let deps = Box::new(move |block: usize, deps: &mut Vec<BlockRef>| {
            let g = grid.grid_index(block);
            let g = g.slice();
            deps.push(BlockRef {
                input: 0,
                block: igrid.linear_index(&g[pre..pre + ni]),
            });
            let mut idx = g[..pre].to_vec();
            idx.push(0);
            idx.extend_from_slice(&g[pre + ni..]);
            for b in 0..along {
                idx[pre] = b;
                deps.push(BlockRef {
                    input: 1,
                    block: src.linear_index(&idx),
                });
            }
        });
        let (grid, len) = (out.clone(), self.shape()[axis]);
        let starts = c.starts(axis).to_vec();
        let kernel = Box::new(move |block: usize, values: &mut Vec<Value>| {
            let shape = grid.block_shape(block);
            let s = shape.slice();
            let npre: usize = s[..pre].iter().product();
            let nidx: usize = s[pre..pre + ni].iter().product();
            let npost: usize = s[pre + ni..].iter().product();
            let mut result = ndarray::Array3::<T>::default((npre, nidx, npost));
            let idx = block_of::<I>(&values[0]).view();
            // Each block as (before, along, after): a view where its layout allows.
            let parts: Vec<ndarray::CowArray<'_, T, ndarray::Ix3>> = values[1..]
                .iter()
                .map(|v| {
                    let b = block_of::<T>(v).view();
                    let m = b.shape()[pre];
                    let dims = (npre, m, npost);
                    match b.clone().into_shape_with_order(dims) {
                        Ok(v) => ndarray::CowArray::from(v),
                        Err(_) => ndarray::CowArray::from(
                            b.as_standard_layout()
                                .into_owned()
                                .into_shape_with_order(dims)
                                .expect("a block has its elements"),
                        ),
                    }
                })
                .collect();
            for (j, &i) in idx.iter().enumerate() {
                let p = position(op, pre, i, len)?;
                let b = starts.partition_point(|&st| st <= p) - 1;
                let local = p - starts[b];
                result
                    .index_axis_mut(Axis(1), j)
                    .assign(&parts[b].index_axis(Axis(1), local));
            }
            let result = result
                .into_dyn()
                .into_shape_with_order(shape)
                .expect("the block has its elements");
            Ok(owned(result))
        });
        let nodes: Vec<NodeRef> = vec![indices.node().clone(), self.node().clone()];
        Ok(Array::from_node(Gather::new::<T>(
            op, out, nodes, false, deps, kernel,
        )))
    }
}

impl<T: TruthValue> Array<T> {
    /// The positions of the true (nonzero) elements, one 1-D array of indices per axis, in
    /// row-major order (numpy's `nonzero`): as [`Array::mask`], the number of true elements of
    /// each block is counted when this is called, the indices stay lazy.
    ///
    /// # Errors
    ///
    /// [`Error::UnsupportedRank`] for a 0-d array (numpy 2 refuses it too); any error of
    /// counting the true elements.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let x = Array::from_ndarray(ndarray::array![[0, 3, 0], [5, 0, 6]], [1, 2])?;
    /// let nz = x.nonzero()?;
    /// assert_eq!(nz[0].compute()?, ndarray::array![0, 1, 1].into_dyn());
    /// assert_eq!(nz[1].compute()?, ndarray::array![1, 0, 2].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn nonzero(&self) -> Result<Vec<Array<usize>>> {
        if self.ndim() == 0 {
            return Err(Error::UnsupportedRank {
                op: "nonzero",
                ndim: 0,
                expected: "nonzero takes arrays of at least one axis",
            });
        }
        // The flat (row-major) positions of the true elements, masked once (one count of
        // the mask per block), then each axis's coordinate unravelled from them elementwise.
        let truth = self.map(|v: T| v.is_nonzero());
        let shape = self.shape().to_vec();
        let strides: Vec<usize> = (0..shape.len())
            .map(|k| shape[k + 1..].iter().product())
            .collect();
        let flat = Array::from_node(FromFn::new(
            self.chunk_layout().clone(),
            Arc::new(move |i: &[usize]| {
                i.iter().zip(&strides).map(|(&p, &s)| p * s).sum::<usize>()
            }),
        ))
        .mask(&truth)?;
        Ok((0..shape.len())
            .map(|k| {
                // No element to unravel on an empty axis: the bounds only keep it well defined.
                let stride = shape[k + 1..].iter().product::<usize>().max(1);
                let len = shape[k].max(1);
                flat.map(move |p: usize| p / stride % len)
            })
            .collect())
    }

    /// The positions of the true elements as rows of an `(n, ndim)` array (numpy's
    /// `argwhere`): [`nonzero`](Array::nonzero)'s arrays side by side.
    ///
    /// # Errors
    ///
    /// As [`Array::nonzero`].
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let x = Array::from_ndarray(ndarray::array![[0.0, 1.5], [2.0, 0.0]], [1, 1])?;
    /// assert_eq!(x.argwhere()?.compute()?, ndarray::array![[0, 1], [1, 0]].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn argwhere(&self) -> Result<Array<usize>> {
        let nz = self.nonzero()?;
        stack(1, nz.iter())
    }
}

impl<T: Element> Array<T> {
    /// The positions along `axis` where the 1-D `condition` is true, as numpy's
    /// `compress(condition, x, axis)` and `x[:, mask]` with a boolean mask along one axis. The
    /// mask (as long as the axis) is computed when this is called, on the default scheduler,
    /// so that the result's length is known (dask leaves it unknown until compute); the
    /// array's values stay lazy, and only the blocks that hold kept positions are read.
    ///
    /// # Errors
    ///
    /// [`Error::AxisOutOfRange`] for an axis the array lacks, [`Error::IncompatibleShapes`]
    /// for a mask that is not 1-D of the axis's length; the mask's computation's errors.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// use ndarray::array;
    /// let x = Array::from_ndarray(array![[1, 2, 3, 4], [5, 6, 7, 8]], [2, 2])?;
    /// let keep = Array::from_ndarray(array![true, false, false, true], [3])?;
    /// assert_eq!(x.compress(&keep, 1)?.compute()?, array![[1, 4], [5, 8]].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn compress(&self, condition: &Array<bool>, axis: impl IntoAxis) -> Result<Array<T>> {
        let axis = self.check_axis("compress", axis.axis_index())?;
        if condition.shape() != [self.shape()[axis]] {
            return Err(Error::IncompatibleShapes {
                op: "compress",
                left: self.shape().to_vec(),
                right: condition.shape().to_vec(),
            });
        }
        let keep = condition.compute()?;
        let at: Vec<usize> = keep
            .iter()
            .enumerate()
            .filter(|&(_, &b)| b)
            .map(|(i, _)| i)
            .collect();
        self.select(axis, &at)
    }

    /// The array with new axes of length 1 at the positions `axes` of the result, as numpy's
    /// `expand_dims(x, axes)` (negative positions not taken: give them from the start).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a position given twice or beyond the result's axes.
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::Array::<f64>::ones(&[3, 4], [2, 2])?;
    /// assert_eq!(x.expand_dims(&[0, 3])?.shape(), &[1, 3, 4, 1]);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn expand_dims(&self, axes: &[usize]) -> Result<Array<T>> {
        let n = self.ndim() + axes.len();
        let mut sorted = axes.to_vec();
        sorted.sort_unstable();
        if sorted.windows(2).any(|w| w[0] == w[1]) || sorted.last().is_some_and(|&a| a >= n) {
            return Err(Error::invalid(
                "expand_dims",
                "axes",
                format!("{axes:?} for a result of {n} axes"),
                "distinct positions in the result",
            ));
        }
        let mut out = self.clone();
        for a in sorted {
            out = out.insert_axis(a)?;
        }
        Ok(out)
    }
}
