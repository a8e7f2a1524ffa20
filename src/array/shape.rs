//! Changing the shape: transposes, new and removed axes, reshape and broadcast.

use super::IntoAxis;

use super::Array;
use crate::chunks::reshape::plan_reshape;
use crate::chunks::{Chunks, try_regular_sizes};
use crate::error::{Error, Result};
use crate::expr::BlockRef;
use crate::expr::block::{Element, block_of, owned, reshaped};
use crate::expr::gather::Gather;
use crate::expr::permute::Permute;
use crate::expr::source::Full;
use crate::expr::take::AxisMap;

/// Blocks of at most this many elements along broadcast axes and padding (unless the input's blocks are
/// larger): big enough that per-block costs vanish, small enough to spread over the threads.
pub(crate) const BROADCAST_BLOCK: usize = 1 << 20;

impl<T: Element> Array<T> {
    /// The array with its axes reversed (a matrix transpose for 2-D), blocks included.
    ///
    /// Each block is transposed by one cache-tiled copy into standard layout, in its own task.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let a = ndarray::Array2::from_shape_fn((3, 5), |(i, j)| i * 5 + j);
    /// let x = Array::from_ndarray(a.clone(), &[2, 2])?;
    /// assert_eq!(x.transpose().chunks(), &[vec![2, 2, 1], vec![2, 1]]);
    /// assert_eq!(x.transpose().compute()?, a.t().into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn transpose(&self) -> Array<T> {
        let perm: Vec<usize> = (0..self.ndim()).rev().collect();
        self.permuted_axes(&perm)
            .expect("a reversal is a permutation")
    }

    /// The array with axis `k` of the result taken from axis `axes[k]` of this one, as ndarray's
    /// `permuted_axes` (numpy's `transpose(axes)`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidAxes`] if `axes` is not a permutation of the array's axes.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let a = ndarray::Array3::from_shape_fn((2, 3, 4), |(i, j, k)| i * 12 + j * 4 + k);
    /// let x = Array::from_ndarray(a.clone(), &[1, 2, 3])?;
    /// let y = x.permuted_axes(&[2, 0, 1])?;
    /// assert_eq!(y.shape(), &[4, 2, 3]);
    /// assert_eq!(y.compute()?, a.permuted_axes([2, 0, 1]).into_dyn());
    /// assert!(x.permuted_axes(&[0, 0, 1]).is_err());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn permuted_axes(&self, axes: &[usize]) -> Result<Array<T>> {
        let ndim = self.ndim();
        let mut seen = vec![false; ndim];
        let valid = axes.len() == ndim
            && axes
                .iter()
                .all(|&a| a < ndim && !std::mem::replace(&mut seen[a], true));
        if !valid {
            return Err(Error::InvalidAxes {
                op: "permuted_axes",
                axes: axes.to_vec(),
                ndim,
            });
        }
        if axes.iter().enumerate().all(|(k, &a)| k == a) {
            return Ok(self.clone());
        }
        Ok(Array::from_node(Permute::<T>::new(
            self.node.clone(),
            axes.to_vec(),
        )))
    }

    /// The array with axes `a` and `b` swapped.
    ///
    /// # Errors
    ///
    /// [`Error::AxisOutOfRange`] for an axis the array does not have.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let a = ndarray::Array3::from_shape_fn((2, 3, 4), |(i, j, k)| i * 12 + j * 4 + k);
    /// let x = Array::from_ndarray(a.clone(), &[2, 2, 2])?;
    /// let mut b = a.clone();
    /// b.swap_axes(0, 2);
    /// assert_eq!(x.swap_axes(0, 2)?.compute()?, b.into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn swap_axes(&self, a: impl IntoAxis, b: impl IntoAxis) -> Result<Array<T>> {
        let a = self.check_axis("swap_axes", a.axis_index())?;
        let b = self.check_axis("swap_axes", b.axis_index())?;
        let mut perm: Vec<usize> = (0..self.ndim()).collect();
        perm.swap(a, b);
        self.permuted_axes(&perm)
    }

    /// The array with a new axis of length 1 at position `axis` (`0..=ndim`).
    ///
    /// # Errors
    ///
    /// [`Error::AxisOutOfRange`] for `axis > ndim`.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// use ndarray::Axis;
    /// let x = Array::from_ndarray(ndarray::array![1, 2, 3], &[2])?;
    /// let y = x.insert_axis(Axis(1))?;
    /// assert_eq!(y.shape(), &[3, 1]);
    /// assert_eq!(y.compute()?, ndarray::array![[1], [2], [3]].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn insert_axis(&self, axis: impl IntoAxis) -> Result<Array<T>> {
        let axis = axis.axis_index();
        if axis > self.ndim() {
            return Err(Error::AxisOutOfRange {
                op: "insert_axis",
                axis,
                ndim: self.ndim(),
            });
        }
        let mut shape = self.shape().to_vec();
        let mut sizes = self.chunks().to_vec();
        shape.insert(axis, 1);
        sizes.insert(axis, vec![1]);
        Ok(self.relabel("insert_axis", Chunks::from_valid(shape, sizes)))
    }

    /// The array without axis `axis`, which must have length 1.
    ///
    /// # Errors
    ///
    /// [`Error::AxisOutOfRange`], or [`Error::RemoveAxis`] if the axis does not have length 1.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// use ndarray::Axis;
    /// let x = Array::from_ndarray(ndarray::array![[1, 2, 3]], &[1, 2])?;
    /// assert_eq!(x.remove_axis(Axis(0))?.compute()?, ndarray::array![1, 2, 3].into_dyn());
    /// assert!(x.remove_axis(Axis(1)).is_err());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn remove_axis(&self, axis: impl IntoAxis) -> Result<Array<T>> {
        let axis = self.check_axis("remove_axis", axis.axis_index())?;
        let len = self.shape()[axis];
        if len != 1 {
            return Err(Error::RemoveAxis { axis, len });
        }
        let mut shape = self.shape().to_vec();
        let mut sizes = self.chunks().to_vec();
        shape.remove(axis);
        sizes.remove(axis);
        Ok(self.relabel("remove_axis", Chunks::from_valid(shape, sizes)))
    }

    /// The same elements, in row-major order, in another shape, as numpy's `reshape`.
    ///
    /// Where the blocks can map one to one onto blocks of the new shape, each block is reshaped
    /// in its own task without a copy. That needs, within each group of axes that merge or split
    /// (`(6, 4) → (24,)`), the input cut only along the group's first axis, at positions that
    /// also cut the output's first axis of the group. Otherwise the array is rechunked first to
    /// such blocks, of about the same size as before: this is the one case where a reshape
    /// moves data between blocks.
    ///
    /// # Errors
    ///
    /// [`Error::ReshapeSize`] if `shape` does not have as many elements.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let a = ndarray::Array::from_iter(0..24);
    /// let x = Array::from_ndarray(a.clone(), &[8])?;
    /// let y = x.reshape(&[3, 2, 4])?;
    /// assert_eq!(y.chunks(), &[vec![1, 1, 1], vec![2], vec![4]]); // no rechunk needed
    /// assert_eq!(y.compute()?, a.into_shape_with_order((3, 2, 4)).unwrap().into_dyn());
    /// assert!(x.reshape(&[5, 5]).is_err());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn reshape(&self, shape: &[usize]) -> Result<Array<T>> {
        let len = shape.iter().try_fold(1usize, |n, &k| n.checked_mul(k));
        if len != Some(self.len()) {
            return Err(Error::ReshapeSize {
                from: self.shape().to_vec(),
                to: shape.to_vec(),
            });
        }
        if shape == self.shape() {
            return Ok(self.clone());
        }
        if self.is_empty() {
            let sizes = shape.iter().map(|&n| vec![n]).collect();
            return Ok(Array::from_node(Full::new(
                Chunks::from_valid(shape.to_vec(), sizes),
                T::default(),
            )));
        }
        let plan = plan_reshape(self.chunk_layout(), shape);
        let input = self.rechunk(plan.input.clone())?;
        let out = plan.output.clone();
        let src = plan.input;
        let follows = plan.follows;
        let chunks = out.clone();
        Ok(Array::from_node(Gather::new::<T>(
            "reshape",
            chunks,
            vec![input.node.clone()],
            true,
            Box::new(move |b, deps| {
                let g = out.grid_index(b);
                let idx: Vec<usize> = follows.iter().map(|f| f.map_or(0, |k| g[k])).collect();
                deps.push(BlockRef {
                    input: 0,
                    block: src.linear_index(&idx),
                });
            }),
            reshape_kernel::<T>(plan.output),
        )))
    }

    /// The array repeated along new leading axes and along axes of length 1, to `shape`, by
    /// numpy's broadcasting rules.
    ///
    /// Axes that keep their length keep their blocks. A new or stretched axis is cut so that a
    /// block has at most about a million elements (or as many as the input's largest block).
    ///
    /// # Errors
    ///
    /// [`Error::IncompatibleShapes`] if the array cannot broadcast to `shape`.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let x = Array::from_ndarray(ndarray::array![1, 2, 3], &[2])?;
    /// let y = x.broadcast_to(&[2, 3])?;
    /// assert_eq!(y.compute()?, ndarray::array![[1, 2, 3], [1, 2, 3]].into_dyn());
    /// assert!(x.broadcast_to(&[2, 4]).is_err());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn broadcast_to(&self, shape: &[usize]) -> Result<Array<T>> {
        let from = self.shape();
        let off = shape.len().wrapping_sub(from.len());
        let fits = shape.len() >= from.len()
            && from
                .iter()
                .zip(&shape[off..])
                .all(|(&f, &t)| f == t || f == 1);
        if !fits {
            return Err(Error::IncompatibleShapes {
                op: "broadcast_to",
                left: from.to_vec(),
                right: shape.to_vec(),
            });
        }
        if shape == from {
            return Ok(self.clone());
        }
        let src = self.chunk_layout().clone();
        let stretched = |k: usize| k < off || from[k - off] != shape[k];
        let kept: usize = (0..shape.len())
            .filter(|&k| !stretched(k))
            .map(|k| src.sizes()[k - off].iter().copied().max().unwrap_or(1))
            .product();
        let largest: usize = src
            .sizes()
            .iter()
            .map(|s| s.iter().copied().max().unwrap_or(1))
            .product();
        let budget = BROADCAST_BLOCK.max(largest);
        let mut room = (budget / kept.max(1)).max(1);
        let mut sizes: Vec<Vec<usize>> = vec![Vec::new(); shape.len()];
        for k in (0..shape.len()).rev() {
            sizes[k] = if stretched(k) {
                let c = room.clamp(1, shape[k].max(1));
                room = (room / c).max(1);
                match shape[k] {
                    0 => vec![0],
                    n => try_regular_sizes(shape, n, c)?,
                }
            } else {
                src.sizes()[k - off].clone()
            };
        }
        // The target shape is a parameter: Chunks::new checks its element and block counts.
        let chunks = Chunks::new(shape, sizes)?;
        let out = chunks.clone();
        let kernel_chunks = chunks.clone();
        let target = shape.to_vec();
        Ok(Array::from_node(Gather::new::<T>(
            "broadcast_to",
            chunks,
            vec![self.node.clone()],
            false,
            Box::new(move |b, deps| {
                let g = out.grid_index(b);
                let idx: Vec<usize> = (0..src.ndim())
                    .map(|j| {
                        let k = j + off;
                        if src.shape()[j] == target[k] { g[k] } else { 0 }
                    })
                    .collect();
                deps.push(BlockRef {
                    input: 0,
                    block: src.linear_index(&idx),
                });
            }),
            {
                let out = kernel_chunks;
                Box::new(move |b, inputs| {
                    let v = block_of::<T>(&inputs[0]).view();
                    let shape = out.block_shape(b);
                    let w = v
                        .broadcast(shape)
                        .expect("a block broadcasts to its output block");
                    Ok(owned(w.to_owned()))
                })
            },
        )))
    }

    /// The array with the same elements in blocks of new `chunks` that differ only by axes of
    /// length 1 (one block per block, in the same order).
    fn relabel(&self, name: &'static str, chunks: Chunks) -> Array<T> {
        let out = chunks.clone();
        Array::from_node(Gather::new::<T>(
            name,
            chunks,
            vec![self.node.clone()],
            true,
            Box::new(|b, deps| deps.push(BlockRef { input: 0, block: b })),
            reshape_kernel::<T>(out),
        ))
    }
}

/// A kernel that lays its one input block out in the shape of output block `b` of `out`.
fn reshape_kernel<T: Element>(out: Chunks) -> crate::expr::gather::BlockFn {
    Box::new(move |b, inputs| {
        let v = inputs.pop().expect("one input block");
        Ok(reshaped::<T>(v, out.block_shape(b)))
    })
}

/// numpy's rearrangements that keep every element: reversing axes, quarter turns, moving an
/// axis, dropping axes of length 1.
impl<T: Element> Array<T> {
    /// The array with the order of its elements reversed along each of `axes` (numpy's
    /// `flip`; every axis for an empty list, as numpy's `axis=None`). Each output block is one
    /// input block reversed (the block sizes along a flipped axis come in reverse order).
    ///
    /// # Errors
    ///
    /// [`Error::AxisOutOfRange`] for an axis the array does not have; [`Error::InvalidAxes`]
    /// for an axis given twice.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// use ndarray::{array, s};
    /// let a = array![[1, 2, 3], [4, 5, 6]];
    /// let x = Array::from_ndarray(a.clone(), [1, 2])?;
    /// assert_eq!(x.flip(&[1])?.compute()?, a.slice(s![.., ..;-1]).into_dyn());
    /// assert_eq!(x.flip(&[])?.compute()?, array![[6, 5, 4], [3, 2, 1]].into_dyn());
    /// assert_eq!(x.flip(&[1])?.chunks()[1], vec![1, 2]);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn flip(&self, axes: &[usize]) -> Result<Array<T>> {
        let all: Vec<usize> = (0..self.ndim()).collect();
        let axes = if axes.is_empty() { &all[..] } else { axes };
        let mut seen = vec![false; self.ndim()];
        for &a in axes {
            self.check_axis("flip", a)?;
            if std::mem::replace(&mut seen[a], true) {
                return Err(Error::InvalidAxes {
                    op: "flip",
                    axes: axes.to_vec(),
                    ndim: self.ndim(),
                });
            }
        }
        let mut out = self.clone();
        for &a in axes {
            let len = self.shape()[a];
            if len < 2 {
                continue;
            }
            let map = AxisMap::Range {
                first: len - 1,
                step: -1,
                len,
            };
            let sizes: Vec<usize> = out.chunks()[a].iter().rev().copied().collect();
            out = out.take_along("flip", a, map, sizes, T::default())?;
        }
        Ok(out)
    }

    /// The array turned by `k` quarter turns in the plane of `axes`, from the first axis
    /// towards the second (numpy's `rot90`; negative `k` turns the other way).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidAxes`] for axes that are equal or not the array's.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// use ndarray::array;
    /// let x = Array::from_ndarray(array![[1, 2], [3, 4]], [1, 1])?;
    /// assert_eq!(x.rot90(1, (0, 1))?.compute()?, array![[2, 4], [1, 3]].into_dyn());
    /// assert_eq!(x.rot90(-1, (0, 1))?.compute()?, array![[3, 1], [4, 2]].into_dyn());
    /// assert_eq!(x.rot90(2, (0, 1))?.compute()?, array![[4, 3], [2, 1]].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn rot90(&self, k: i64, axes: (usize, usize)) -> Result<Array<T>> {
        let (a, b) = axes;
        if a == b || a >= self.ndim() || b >= self.ndim() {
            return Err(Error::InvalidAxes {
                op: "rot90",
                axes: vec![a, b],
                ndim: self.ndim(),
            });
        }
        let mut perm: Vec<usize> = (0..self.ndim()).collect();
        perm.swap(a, b);
        match k.rem_euclid(4) {
            0 => Ok(self.clone()),
            1 => self.flip(&[b])?.permuted_axes(&perm),
            2 => self.flip(&[a, b]),
            _ => self.permuted_axes(&perm)?.flip(&[b]),
        }
    }

    /// The array with axis `source` moved to position `destination`, the others keeping their
    /// order (numpy's `moveaxis` for one axis).
    ///
    /// # Errors
    ///
    /// [`Error::AxisOutOfRange`] for an axis the array does not have.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let x = Array::<f32>::zeros(&[2, 3, 4], [1, 3, 2])?;
    /// assert_eq!(x.moveaxis(0, 2)?.shape(), &[3, 4, 2]);
    /// assert_eq!(x.moveaxis(2, 0)?.shape(), &[4, 2, 3]);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn moveaxis(&self, source: usize, destination: usize) -> Result<Array<T>> {
        self.check_axis("moveaxis", source)?;
        self.check_axis("moveaxis", destination)?;
        let mut perm: Vec<usize> = (0..self.ndim()).filter(|&k| k != source).collect();
        perm.insert(destination, source);
        self.permuted_axes(&perm)
    }

    /// The array without its axes of length 1 (numpy's `squeeze()`); [`Array::remove_axis`]
    /// drops one named axis.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let x = Array::<u8>::zeros(&[1, 3, 1, 2], [1, 2, 1, 1])?;
    /// assert_eq!(x.squeeze().shape(), &[3, 2]);
    /// assert_eq!(x.squeeze().chunks(), &[vec![2, 1], vec![1, 1]]);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn squeeze(&self) -> Array<T> {
        let keep: Vec<usize> = (0..self.ndim()).filter(|&k| self.shape()[k] != 1).collect();
        if keep.len() == self.ndim() {
            return self.clone();
        }
        let shape = keep.iter().map(|&k| self.shape()[k]).collect();
        let sizes = keep.iter().map(|&k| self.chunks()[k].clone()).collect();
        self.relabel("squeeze", Chunks::from_valid(shape, sizes))
    }
}
