//! Functions of lanes and windows: numpy's `apply_along_axis` (a gufunc `(i)->(...)` over
//! the lanes of one axis) and `sliding_window_view` (each output block assembled from the
//! input blocks its windows reach, then cut into windows).
//!
//! ```text
//!   sliding_window_view, window 3 along an axis cut 4 | 4:
//!     input    | 0 1 2 3 | 4 5 6 7 |
//!     output   [ w0 w1 w2 w3 ][ w4 w5 ]      block [w0..w3] reads 0..6: both input blocks
//! ```

use std::sync::Arc;

use ndarray::Dimension as _;
use ndarray::{ArrayD, ArrayViewD, IxDyn, Slice};

use super::Array;
use super::gufunc::Gufunc;
use crate::chunks::Chunks;
use crate::error::{Error, Result};
use crate::expr::BlockRef;
use crate::expr::block::{Element, block_of, owned};
use crate::expr::gather::Gather;
use crate::scheduler::Value;

impl<T: Element> Array<T> {
    /// `f` on every 1-D lane along `axis`, as numpy's and dask's `apply_along_axis`: the
    /// result has the axes before `axis`, then the axes of `f`'s output (none for a 0-d one),
    /// then the axes after `axis`. The lanes are rechunked to lie whole in one block. The
    /// output's shape is found as dask finds it, by calling `f` once on a lane of default
    /// values (zeros) when this is called; every lane's output must have that shape.
    ///
    /// # Errors
    ///
    /// [`Error::AxisOutOfRange`] for an axis the array lacks; at compute,
    /// [`Error::BlockShape`] for a lane whose output has another shape.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// use ndarray::{array, Array1};
    /// let x = Array::from_ndarray(array![[3.0, 1.0, 2.0], [9.0, 7.0, 8.0]], [1, 2])?;
    /// // Each row sorted: numpy's apply_along_axis(np.sort, 1, x).
    /// let sorted = x.apply_along_axis(1, |lane| {
    ///     let mut v = lane.to_vec();
    ///     v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    ///     Array1::from(v)
    /// })?;
    /// assert_eq!(sorted.compute()?, array![[1.0, 2.0, 3.0], [7.0, 8.0, 9.0]].into_dyn());
    /// // Each column's range, a 0-d output: the axis goes away.
    /// let ptp = x.apply_along_axis(0, |c| ndarray::arr0(c[1] - c[0]))?;
    /// assert_eq!(ptp.compute()?, array![6.0, 6.0, 6.0].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn apply_along_axis<U, D, F>(&self, axis: usize, f: F) -> Result<Array<U>>
    where
        U: Element,
        D: ndarray::Dimension,
        F: Fn(ndarray::ArrayView1<'_, T>) -> ndarray::Array<U, D> + Send + Sync + 'static,
    {
        self.check_axis("apply_along_axis", axis)?;
        let n = self.ndim();
        let len = self.shape()[axis];
        let probe = f(ndarray::Array1::<T>::default(len).view()).into_dyn();
        let out_core = probe.shape().to_vec();
        let names: Vec<String> = (0..out_core.len()).map(|k| format!("o{k}")).collect();
        let signature = format!("(i)->({})", names.join(","));
        let mut g = Gufunc::new(&signature).allow_rechunk(true);
        for (name, &k) in names.iter().zip(&out_core) {
            g = g.output_size(name, k);
        }
        let moved = if axis + 1 == n {
            self.clone()
        } else {
            self.moveaxis(axis, n - 1)?
        };
        let out = g.vectorize(
            move |core: &[ArrayViewD<'_, T>]| {
                let lane = core[0]
                    .view()
                    .into_dimensionality::<ndarray::Ix1>()
                    .expect("a lane has one axis");
                f(lane).into_dyn()
            },
            &[&moved],
        )?;
        // The output's core axes, now last, back where the lane's axis was.
        let r = out_core.len();
        let loops = n - 1;
        if axis == loops || r == 0 {
            return Ok(out);
        }
        let mut perm: Vec<usize> = (0..axis).collect();
        perm.extend(loops..loops + r);
        perm.extend(axis..loops);
        out.permuted_axes(&perm)
    }

    /// Sliding windows of shape `window` along `axes` (each a distinct axis), as numpy's
    /// `sliding_window_view(x, window, axis=axes)` and dask's: the result has the input's axes,
    /// each windowed one `window` shorter (plus one), then one axis per window dimension;
    /// element `[i, k]` is `x[i + k]`. Each output block holds copies of its windows (numpy's
    /// is a view; dask copies too), made from the input blocks they reach.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for `window` and `axes` of different lengths, an axis given
    /// twice or out of range, or a window longer than its axis.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// use ndarray::array;
    /// let x = Array::from_ndarray(array![0, 1, 2, 3, 4, 5], [4])?;
    /// let w = x.sliding_window_view(&[3], &[0])?;
    /// assert_eq!(w.compute()?, array![[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5]].into_dyn());
    /// // A moving sum is then a sum over the window axis.
    /// assert_eq!(w.sum_axis(1)?.compute()?, array![3, 6, 9, 12].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn sliding_window_view(&self, window: &[usize], axes: &[usize]) -> Result<Array<T>> {
        let op = "sliding_window_view";
        if window.len() != axes.len() {
            return Err(Error::invalid(
                op,
                "window",
                format!("{} window lengths for {} axes", window.len(), axes.len()),
                "one window length per axis",
            ));
        }
        for (k, &a) in axes.iter().enumerate() {
            if a >= self.ndim() || axes[..k].contains(&a) {
                return Err(Error::invalid(
                    op,
                    "axes",
                    format!("{axes:?} of an array of {} axes", self.ndim()),
                    "distinct axes of the array",
                ));
            }
            if window[k] == 0 || window[k] > self.shape()[a] {
                return Err(Error::invalid(
                    op,
                    "window",
                    format!("{} along axis {a} of length {}", window[k], self.shape()[a]),
                    "at least 1 and no longer than its axis",
                ));
            }
        }
        let c = self.chunk_layout().clone();
        let n = self.ndim();
        // Per input axis: the window along it (1 where none).
        let mut w = vec![1usize; n];
        for (&a, &k) in axes.iter().zip(window) {
            w[a] = k;
        }
        let mut shape = Vec::with_capacity(n + axes.len());
        let mut sizes = Vec::with_capacity(n + axes.len());
        for ((&full, &wa), blocks) in self.shape().iter().zip(w.iter()).zip(c.sizes()) {
            let len = full + 1 - wa;
            shape.push(len);
            // The input's blocks, cut at the new length (empty blocks at the end dropped).
            let mut s = Vec::new();
            let mut left = len;
            for &b in blocks {
                if left == 0 {
                    break;
                }
                s.push(b.min(left));
                left -= b.min(left);
            }
            if s.is_empty() {
                s.push(0);
            }
            sizes.push(s);
        }
        // The window axes in the input's order (the windows are cut so), put in the order of
        // `axes` at the end.
        let mut sorted: Vec<usize> = axes.to_vec();
        sorted.sort_unstable();
        for &a in &sorted {
            shape.push(w[a]);
            sizes.push(vec![w[a]]);
        }
        let out = Chunks::new(&shape, sizes)?;
        let w = Arc::new(w);
        let (grid, src, ww) = (out.clone(), c.clone(), w.clone());
        // Input block ranges per axis that output block `g` reads.
        let reach = move |g: &[usize]| -> Vec<std::ops::Range<usize>> {
            (0..src.ndim())
                .map(|a| {
                    let start = grid.starts(a)[g[a]];
                    let end = start + grid.sizes()[a][g[a]] + ww[a] - 1;
                    if end <= start || src.shape()[a] == 0 {
                        return 0..1;
                    }
                    src.locate(a, start)..src.locate(a, end - 1) + 1
                })
                .collect::<Vec<_>>()
        };
        // The grid indices of the input blocks output block `g` reads, row-major.
        let reach = Arc::new(move |g: &[usize]| -> Vec<Vec<usize>> {
            let ranges = reach(g);
            let counts: Vec<usize> = ranges.iter().map(|r| r.len()).collect();
            ndarray::indices(IxDyn(&counts))
                .into_iter()
                .map(|idx| {
                    idx.slice()
                        .iter()
                        .zip(&ranges)
                        .map(|(&i, r)| r.start + i)
                        .collect()
                })
                .collect()
        });
        let (r2, src, grid) = (reach.clone(), c.clone(), out.clone());
        let deps = Box::new(move |block: usize, deps: &mut Vec<BlockRef>| {
            let g = grid.grid_index(block);
            for at in r2(g.slice()) {
                deps.push(BlockRef {
                    input: 0,
                    block: src.linear_index(&at),
                });
            }
        });
        let (src, grid) = (c.clone(), out.clone());
        let kernel = Box::new(move |block: usize, values: &mut Vec<Value>| {
            let g = grid.grid_index(block);
            let reads = reach(g.slice());
            let bshape = grid.block_shape(block);
            // The region the block's windows read: positions start..start + len + w - 1.
            let starts: Vec<usize> = (0..src.ndim()).map(|a| grid.starts(a)[g[a]]).collect();
            let region: Vec<usize> = (0..src.ndim())
                .map(|a| (bshape[a] + w[a] - 1).min(src.shape()[a] - starts[a]))
                .collect();
            let mut buf = ArrayD::<T>::default(IxDyn(&region));
            for (v, at) in values.iter().zip(reads) {
                let b = block_of::<T>(v).view();
                // The overlap of this input block with the region, in both coordinates.
                let mut src_view = b;
                let mut dst = buf.view_mut();
                let mut empty = false;
                for a in 0..src.ndim() {
                    let bs = src.starts(a)[at[a]];
                    let be = bs + src.sizes()[a][at[a]];
                    let (rs, re) = (starts[a], starts[a] + region[a]);
                    let (lo, hi) = (bs.max(rs), be.min(re));
                    // A block of no cells, or one the region only touches: nothing to copy.
                    if hi <= lo {
                        empty = true;
                        break;
                    }
                    src_view.slice_axis_inplace(ndarray::Axis(a), Slice::from(lo - bs..hi - bs));
                    dst.slice_axis_inplace(ndarray::Axis(a), Slice::from(lo - rs..hi - rs));
                }
                if !empty {
                    dst.assign(&src_view);
                }
            }
            // Every window of the region, in row-major order of positions, each row-major.
            let wdim = IxDyn(&w);
            let mut data = Vec::with_capacity(bshape.size());
            if bshape.size() > 0 {
                for win in buf.windows(wdim.clone()) {
                    data.extend(win.iter().cloned());
                }
            }
            let result = ArrayD::from_shape_vec(bshape, data).expect("the windows fill the block");
            Ok(owned(result))
        });
        let windows = Array::from_node(Gather::new::<T>(
            op,
            out,
            vec![self.node().clone()],
            false,
            deps,
            kernel,
        ));
        if sorted == axes {
            return Ok(windows);
        }
        let mut perm: Vec<usize> = (0..n).collect();
        perm.extend(
            axes.iter()
                .map(|a| n + sorted.iter().position(|s| s == a).expect("an axis")),
        );
        windows.permuted_axes(&perm)
    }
}
