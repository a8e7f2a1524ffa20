//! Differences along an axis: numpy's `diff`.

use std::ops::Sub;

use ndarray::SliceInfoElem;

use super::{Array, IntoAxis};
use crate::error::{Error, Result};
use crate::expr::block::Element;

impl<T: Element> Array<T> {
    /// The cells `from..to` along `axis`, the other axes whole.
    fn along(&self, axis: usize, from: usize, to: usize) -> Result<Array<T>> {
        let elems: Vec<SliceInfoElem> = (0..self.ndim())
            .map(|k| SliceInfoElem::Slice {
                start: if k == axis { from as isize } else { 0 },
                end: if k == axis { Some(to as isize) } else { None },
                step: 1,
            })
            .collect();
        self.slice(&elems[..])
    }
}

impl<T: Element + Copy + Sub<Output = T>> Array<T> {
    /// The `n`-th difference along `axis` (numpy's `diff`): `out[i] = x[i + 1] - x[i]`, `n`
    /// times, so the axis is `n` shorter (empty when `n` is its length or more); `n = 0` is
    /// the array itself. Lazy: each step is the array sliced twice and subtracted, so it fuses
    /// with its neighbours and reads across block edges without copies of whole blocks.
    ///
    /// # Errors
    ///
    /// [`Error::AxisOutOfRange`]; [`Error::UnsupportedRank`] for a 0-d array.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// use ndarray::{array, Axis};
    /// let x = Array::from_ndarray(array![[1, 2, 4, 7, 0], [1, 1, 1, 1, 1]], [1, 2])?;
    /// assert_eq!(x.diff(1, Axis(1))?.compute()?, array![[1, 2, 3, -7], [0, 0, 0, 0]].into_dyn());
    /// assert_eq!(x.diff(2, 1)?.compute()?, array![[1, 1, -10], [0, 0, 0]].into_dyn());
    /// assert_eq!(x.diff(9, 1)?.shape(), &[2, 0]);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn diff(&self, n: usize, axis: impl IntoAxis) -> Result<Array<T>> {
        if self.ndim() == 0 {
            return Err(Error::UnsupportedRank {
                op: "diff",
                ndim: 0,
                expected: "diff needs at least one axis",
            });
        }
        let axis = self.check_axis("diff", axis.axis_index())?;
        let mut out = self.clone();
        for _ in 0..n {
            let len = out.shape()[axis];
            if len == 0 {
                break;
            }
            let upper = out.along(axis, 1, len)?;
            let lower = out.along(axis, 0, len - 1)?;
            out = upper.zip_with(&lower, |a: T, b: T| a - b)?;
        }
        Ok(out)
    }
}

impl<T: Element + num_traits::Float> Array<T> {
    /// The gradient along `axis` with samples `spacing` apart (numpy's `gradient` for one
    /// axis): central differences `(x[i+1] - x[i-1]) / 2h` inside; at the two ends one-sided
    /// differences of first order (`edge_order` 1) or second (`edge_order` 2), as numpy. Lazy:
    /// slices of the array combined elementwise and joined, so blocks are read where they are.
    ///
    /// # Errors
    ///
    /// [`Error::AxisOutOfRange`]; [`Error::InvalidParameter`] for an `edge_order` other than
    /// 1 or 2, or an axis shorter than `edge_order + 1`.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let x = Array::from_ndarray(ndarray::array![1.0, 2.0, 4.0, 7.0, 11.0, 16.0], [4])?;
    /// let g = x.gradient_axis(0, 1.0, 1)?.compute()?;
    /// assert_eq!(g, ndarray::array![1.0, 1.5, 2.5, 3.5, 4.5, 5.0].into_dyn());
    /// let g = x.gradient_axis(0, 2.0, 2)?.compute()?;
    /// assert_eq!(g, ndarray::array![0.25, 0.75, 1.25, 1.75, 2.25, 2.75].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn gradient_axis(&self, axis: usize, spacing: T, edge_order: usize) -> Result<Array<T>> {
        let axis = self.check_axis("gradient", axis)?;
        let len = self.shape()[axis];
        if !(1..=2).contains(&edge_order) || len < edge_order + 1 {
            return Err(Error::InvalidParameter {
                op: "gradient",
                name: "edge_order",
                value: format!("{edge_order} (axis {axis} of length {len})"),
                expected: "1 or 2, with at least edge_order + 1 samples along the axis",
            });
        }
        let two = T::one() + T::one();
        let h2 = two * spacing;
        let cell = |i: usize| self.along(axis, i, i + 1);
        let inner = if len > 2 {
            Some(
                self.along(axis, 2, len)?
                    .zip_with(&self.along(axis, 0, len - 2)?, move |a: T, b: T| {
                        (a - b) / h2
                    })?,
            )
        } else {
            None
        };
        let (first, last) = if edge_order == 1 {
            let d = |a: &Array<T>, b: &Array<T>| a.zip_with(b, move |p: T, q: T| (p - q) / spacing);
            (
                d(&cell(1)?, &cell(0)?)?,
                d(&cell(len - 1)?, &cell(len - 2)?)?,
            )
        } else {
            let three = two + T::one();
            let four = two + two;
            let ends = |a: usize, b: usize, c: usize, sign: T| -> Result<Array<T>> {
                let ab = cell(a)?.zip_with(&cell(b)?, move |p: T, q: T| -three * p + four * q)?;
                ab.zip_with(&cell(c)?, move |s: T, r: T| sign * (s - r) / h2)
            };
            (
                ends(0, 1, 2, T::one())?,
                ends(len - 1, len - 2, len - 3, -T::one())?,
            )
        };
        let parts: Vec<Array<T>> = std::iter::once(first)
            .chain(inner)
            .chain(std::iter::once(last))
            .collect();
        crate::concatenate(axis, &parts)
    }

    /// [`Array::gradient_axis`] along every axis, as numpy's `gradient(f, h)` (one array per
    /// axis).
    ///
    /// # Errors
    ///
    /// As [`Array::gradient_axis`], for each axis.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let x = Array::from_fn(&[3, 4], [2, 2], |i| (i[0] * 10 + i[1] * i[1]) as f64)?;
    /// let g = x.gradient(1.0, 1)?;
    /// assert_eq!(g[0].compute()?, ndarray::Array2::from_elem((3, 4), 10.0).into_dyn());
    /// assert_eq!(g[1].compute()?.iter().take(4).copied().collect::<Vec<_>>(), vec![1.0, 2.0, 4.0, 5.0]);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn gradient(&self, spacing: T, edge_order: usize) -> Result<Vec<Array<T>>> {
        (0..self.ndim())
            .map(|k| self.gradient_axis(k, spacing, edge_order))
            .collect()
    }
}

impl<T: Element + num_traits::Float> Array<T> {
    /// The weighted average along `axis` (numpy's `average(a, axis, weights)`):
    /// `sum(a * w) / sum(w)` along it. `weights` has this array's shape, or is 1-D with the
    /// axis's length (one weight per position along it). Weights that sum to zero give NaN or
    /// an infinity where numpy raises.
    ///
    /// # Errors
    ///
    /// [`Error::AxisOutOfRange`]; [`Error::IncompatibleShapes`] for weights of another shape.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let x = Array::from_ndarray(ndarray::array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [1, 2])?;
    /// let w = Array::from_ndarray(ndarray::array![3.0, 0.0, 1.0], [2])?;
    /// assert_eq!(x.average_axis(1, &w)?.compute()?, ndarray::array![1.5, 4.5].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn average_axis(&self, axis: usize, weights: &Array<T>) -> Result<Array<T>> {
        let axis = self.check_axis("average", axis)?;
        let w = if weights.shape() == self.shape() {
            weights.clone()
        } else if weights.ndim() == 1 && weights.shape()[0] == self.shape()[axis] {
            // One weight per position along the axis, lined up with it and broadcast.
            let mut w = weights.clone();
            for k in (0..self.ndim()).filter(|&k| k != axis) {
                w = w.insert_axis(k)?;
            }
            w.broadcast_to(self.shape())?
        } else {
            return Err(Error::IncompatibleShapes {
                op: "average",
                left: self.shape().to_vec(),
                right: weights.shape().to_vec(),
            });
        };
        let num = self.zip_with(&w, |a: T, b: T| a * b)?.sum_axis(axis)?;
        let den = w.sum_axis(axis)?;
        num.zip_with(&den, |n: T, d: T| n / d)
    }

    /// The differences of consecutive elements of the flattened array (numpy's `ediff1d`), a
    /// 1-D array one shorter than the array's size (empty for fewer than two elements).
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let x = Array::from_ndarray(ndarray::array![[1.0, 2.0], [4.0, 7.0]], [1, 1])?;
    /// assert_eq!(x.ediff1d()?.compute()?, ndarray::array![1.0, 2.0, 3.0].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn ediff1d(&self) -> Result<Array<T>> {
        self.reshape(&[self.len()])?.diff(1, 0)
    }
}
