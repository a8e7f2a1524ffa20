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

    /// [`Array::ediff1d`] with values put before and after the differences, as numpy's
    /// `ediff1d(x, to_end=..., to_begin=...)`.
    ///
    /// # Errors
    ///
    /// As [`Array::ediff1d`].
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::Array::from_ndarray(ndarray::array![1, 2, 4, 7], [3])?;
    /// let d = x.ediff1d_with(&[-99], &[88, 99])?;
    /// assert_eq!(d.compute()?, ndarray::array![-99, 1, 2, 3, 88, 99].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn ediff1d_with(&self, to_begin: &[T], to_end: &[T]) -> Result<Array<T>> {
        let d = self.ediff1d()?;
        let piece = |v: &[T]| {
            Array::from_ndarray(
                ndarray::Array1::from(v.to_vec()).into_dyn(),
                [v.len().max(1)],
            )
        };
        crate::concatenate(0, &[piece(to_begin)?, d, piece(to_end)?])
    }

    /// [`Array::diff`] of the array with `prepend` before it and `append` after it along
    /// `axis`, as numpy's `diff(x, n, axis, prepend=..., append=...)`: each is a 0-d array
    /// (broadcast to one position along the axis, as numpy's scalar) or an array of this
    /// array's shape except along `axis`.
    ///
    /// # Errors
    ///
    /// As [`Array::diff`], and [`Error::IncompatibleShapes`] for a `prepend` or `append` of
    /// another shape.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let x = Array::from_ndarray(ndarray::array![1, 2, 4, 7], [3])?;
    /// let zero = Array::from_ndarray(ndarray::arr0(0).into_dyn(), Vec::<usize>::new())?;
    /// // numpy.diff(x, prepend=0): the first element is itself a difference.
    /// assert_eq!(x.diff_with(1, 0, Some(&zero), None)?.compute()?, ndarray::array![1, 1, 2, 3].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn diff_with(
        &self,
        n: usize,
        axis: impl IntoAxis,
        prepend: Option<&Array<T>>,
        append: Option<&Array<T>>,
    ) -> Result<Array<T>> {
        let axis = self.check_axis("diff", axis.axis_index())?;
        let fit = |p: &Array<T>| -> Result<Array<T>> {
            if p.ndim() == 0 {
                let mut shape = self.shape().to_vec();
                shape[axis] = 1;
                return p.broadcast_to(&shape);
            }
            let same = p.ndim() == self.ndim()
                && (0..self.ndim()).all(|k| k == axis || p.shape()[k] == self.shape()[k]);
            if !same {
                return Err(Error::IncompatibleShapes {
                    op: "diff",
                    left: self.shape().to_vec(),
                    right: p.shape().to_vec(),
                });
            }
            Ok(p.clone())
        };
        let mut parts = Vec::with_capacity(3);
        if let Some(p) = prepend {
            parts.push(fit(p)?);
        }
        parts.push(self.clone());
        if let Some(a) = append {
            parts.push(fit(a)?);
        }
        let joined = if parts.len() == 1 {
            self.clone()
        } else {
            crate::concatenate(axis, &parts)?
        };
        joined.diff(n, axis)
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

    /// The gradient along `axis` at sample coordinates `coords` (one per position along the
    /// axis, increasing or not), as numpy's `gradient(f, x, axis=axis, edge_order=...)`:
    /// second-order differences for unevenly spaced samples inside, first- or second-order
    /// one-sided ones at the ends, with numpy's coefficients computed in numpy's order (and
    /// numpy's uniform formulas when every step is the same). Lazy, as
    /// [`Array::gradient_axis`].
    ///
    /// # Errors
    ///
    /// As [`Array::gradient_axis`], and [`Error::InvalidParameter`] for a number of
    /// coordinates other than the axis length.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// // f = x^2 at uneven x: the second-order differences are exact inside.
    /// let xs = [0.0, 1.0, 3.0, 4.0, 7.0];
    /// let f = Array::from_ndarray(ndarray::arr1(&xs).mapv(|x: f64| x * x), [2])?;
    /// let g = f.gradient_axis_coords(0, &xs, 1)?.compute()?;
    /// for (got, want) in g.iter().skip(1).zip([2.0, 6.0, 8.0]) {
    ///     assert!((got - want).abs() < 1e-12);
    /// }
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn gradient_axis_coords(
        &self,
        axis: usize,
        coords: &[T],
        edge_order: usize,
    ) -> Result<Array<T>> {
        let axis = self.check_axis("gradient", axis)?;
        let len = self.shape()[axis];
        if coords.len() != len {
            return Err(Error::InvalidParameter {
                op: "gradient",
                name: "coordinates",
                value: format!(
                    "{} coordinates along axis {axis} of length {len}",
                    coords.len()
                ),
                expected: "one coordinate per position along the axis",
            });
        }
        let dx: Vec<T> = coords.windows(2).map(|w| w[1] - w[0]).collect();
        #[allow(clippy::float_cmp)]
        if dx.iter().all(|&d| d == dx[0]) && !dx.is_empty() {
            return self.gradient_axis(axis, dx[0], edge_order);
        }
        if !(1..=2).contains(&edge_order) || len < edge_order + 1 {
            return self.gradient_axis(axis, T::one(), edge_order);
        }
        let two = T::one() + T::one();
        // A coefficient per position, along `axis`, broadcast over the other axes.
        let along = |v: Vec<T>| -> Result<Array<T>> {
            let n = v.len();
            let mut shape = vec![1; self.ndim()];
            shape[axis] = n;
            let a = ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&shape), v)
                .expect("one coefficient per position");
            let mut chunks: Vec<usize> = shape.clone();
            chunks[axis] = self.chunks()[axis]
                .iter()
                .copied()
                .max()
                .unwrap_or(1)
                .max(1);
            Array::from_ndarray(a, chunks)
        };
        let cell = |i: usize| self.along(axis, i, i + 1);
        let mut parts = Vec::with_capacity(3);
        let (first, last) = if edge_order == 1 {
            let d = |a: &Array<T>, b: &Array<T>, h: T| a.zip_with(b, move |p: T, q: T| (p - q) / h);
            (
                d(&cell(1)?, &cell(0)?, dx[0])?,
                d(&cell(len - 1)?, &cell(len - 2)?, dx[len - 2])?,
            )
        } else {
            let three = |i: usize, j: usize, k: usize, (a, b, c): (T, T, T)| -> Result<Array<T>> {
                let s = cell(i)?.zip_with(&cell(j)?, move |p: T, q: T| a * p + b * q)?;
                s.zip_with(&cell(k)?, move |s: T, r: T| s + c * r)
            };
            let (d1, d2) = (dx[0], dx[1]);
            let head = (
                -(two * d1 + d2) / (d1 * (d1 + d2)),
                (d1 + d2) / (d1 * d2),
                -d1 / (d2 * (d1 + d2)),
            );
            let (d1, d2) = (dx[len - 3], dx[len - 2]);
            let tail = (
                d2 / (d1 * (d1 + d2)),
                -(d2 + d1) / (d1 * d2),
                (two * d2 + d1) / (d2 * (d1 + d2)),
            );
            (
                three(0, 1, 2, head)?,
                three(len - 3, len - 2, len - 1, tail)?,
            )
        };
        parts.push(first);
        if len > 2 {
            let (mut a, mut b, mut c) = (Vec::new(), Vec::new(), Vec::new());
            for w in dx.windows(2) {
                let (d1, d2) = (w[0], w[1]);
                a.push(-d2 / (d1 * (d1 + d2)));
                b.push((d2 - d1) / (d1 * d2));
                c.push(d1 / (d2 * (d1 + d2)));
            }
            let inner = self
                .along(axis, 0, len - 2)?
                .try_mul(&along(a)?)?
                .try_add(&self.along(axis, 1, len - 1)?.try_mul(&along(b)?)?)?
                .try_add(&self.along(axis, 2, len)?.try_mul(&along(c)?)?)?;
            parts.push(inner);
        }
        parts.push(last);
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
}
