//! Linear algebra: `dot`, `matmul`, `tensordot`.

use ndarray::Axis;
use ndarray::LinalgScalar;

use super::Array;
use crate::chunks::{Chunks, refine_axis};
use crate::error::{Error, Result};
use crate::expr::block::Element;
use crate::expr::linalg::{Axes, Contract, SumPartials};

/// The axes a [`Array::tensordot`] contracts: a number `n` (the last `n` axes of the left
/// operand with the first `n` of the right, numpy's `axes=n`), or a pair of axis lists.
///
/// # Examples
///
/// ```
/// use chunkwise::ContractAxes;
/// assert_eq!(1.contract_axes(2, 2), (vec![1], vec![0]));
/// assert_eq!(([0, 1], [1, 0]).contract_axes(2, 2), (vec![0, 1], vec![1, 0]));
/// ```
pub trait ContractAxes {
    /// The contracted axes of the left and right operands, for operands of `left` and `right`
    /// axes (not yet checked).
    fn contract_axes(&self, left: usize, right: usize) -> (Vec<usize>, Vec<usize>);
}

impl ContractAxes for usize {
    fn contract_axes(&self, left: usize, _right: usize) -> (Vec<usize>, Vec<usize>) {
        let n = *self;
        ((left.saturating_sub(n)..left).collect(), (0..n).collect())
    }
}

impl<A: AsRef<[usize]>, B: AsRef<[usize]>> ContractAxes for (A, B) {
    fn contract_axes(&self, _left: usize, _right: usize) -> (Vec<usize>, Vec<usize>) {
        (self.0.as_ref().to_vec(), self.1.as_ref().to_vec())
    }
}

/// The axes of an array of `ndim` axes that are not in `con`, in order, after checking `con`.
fn free_axes(op: &'static str, con: &[usize], ndim: usize) -> Result<Vec<usize>> {
    let mut seen = vec![false; ndim];
    for &a in con {
        if a >= ndim || std::mem::replace(&mut seen[a], true) {
            return Err(Error::InvalidAxes {
                op,
                axes: con.to_vec(),
                ndim,
            });
        }
    }
    Ok((0..ndim).filter(|&a| !seen[a]).collect())
}

impl<T: Element + LinalgScalar> Array<T> {
    /// The tensor product of `self` and `other` summed over pairs of axes, as numpy's
    /// `tensordot`: the result has the remaining axes of `self`, then those of `other`.
    ///
    /// Both operands are cut at the union of their block edges along each contracted pair.
    /// Every pair of blocks that meet is one task, a matrix product with ndarray's `dot`
    /// (matrixmultiply); the products along the contracted axes are summed in a tree of fan-in
    /// 4.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidAxes`] for axis lists of different lengths, or with an axis repeated or
    /// out of range; [`Error::ContractionMismatch`] naming the first pair of contracted axes
    /// whose lengths differ.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let a = ndarray::Array3::from_shape_fn((2, 3, 4), |(i, j, k)| (i + j * k) as f64);
    /// let b = ndarray::Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f64);
    /// let x = Array::from_ndarray(a.clone(), &[1, 2, 3])?;
    /// let y = Array::from_ndarray(b.clone(), &[2, 2])?;
    /// // Contract axis 2 of x with axis 0 of y, and axis 1 of x with axis 1 of y.
    /// let z = x.tensordot(&y, ([2, 1], [0, 1]))?;
    /// let expected: Vec<f64> = (0..2)
    ///     .map(|i| (0..3).flat_map(|j| (0..4).map(move |k| (j, k))).map(|(j, k)| a[[i, j, k]] * b[[k, j]]).sum())
    ///     .collect();
    /// assert_eq!(z.compute()?.into_raw_vec_and_offset().0, expected);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn tensordot(&self, other: &Array<T>, axes: impl ContractAxes) -> Result<Array<T>> {
        let op = "tensordot";
        let (a_con, b_con) = axes.contract_axes(self.ndim(), other.ndim());
        if a_con.len() != b_con.len() || a_con.len() > self.ndim().min(other.ndim()) {
            let (axes, ndim) = if a_con.len() > self.ndim() {
                (a_con, self.ndim())
            } else {
                (b_con, other.ndim())
            };
            return Err(Error::InvalidAxes { op, axes, ndim });
        }
        let a_free = free_axes(op, &a_con, self.ndim())?;
        let b_free = free_axes(op, &b_con, other.ndim())?;
        self.contract(
            op,
            other,
            Axes {
                batch: 0,
                a_free,
                a_con,
                b_con,
                b_free,
            },
        )
    }

    /// The matrix product, as ndarray's `dot` on 1-D and 2-D arrays: vector · vector is a
    /// 0-d array, matrix · vector and vector · matrix are vectors, matrix · matrix a matrix.
    ///
    /// # Errors
    ///
    /// [`Error::UnsupportedRank`] for an operand that is not 1-D or 2-D (use
    /// [`Array::matmul`] or [`Array::tensordot`]), and [`Error::ContractionMismatch`] if the
    /// inner lengths differ.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// use ndarray::array;
    /// let a = array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]];
    /// let v = array![1.0, -1.0];
    /// let x = Array::from_ndarray(a.clone(), &[2, 1])?;
    /// let y = Array::from_ndarray(v.clone(), &[1])?;
    /// assert_eq!(x.dot(&y)?.compute()?, a.dot(&v).into_dyn());
    /// assert_eq!(y.dot(&y)?.compute_scalar()?, 2.0);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn dot(&self, other: &Array<T>) -> Result<Array<T>> {
        for a in [self, other] {
            if !(1..=2).contains(&a.ndim()) {
                return Err(Error::UnsupportedRank {
                    op: "dot",
                    ndim: a.ndim(),
                    expected: "dot takes 1-D and 2-D arrays",
                });
            }
        }
        let left = self.ndim() - 1;
        self.contract(
            "dot",
            other,
            Axes {
                batch: 0,
                a_free: (0..left).collect(),
                a_con: vec![left],
                b_con: vec![0],
                b_free: (1..other.ndim()).collect(),
            },
        )
    }

    /// The matrix product with numpy's `matmul` rules: the last two axes are matrices, the
    /// axes before them are a stack of matrices broadcast against each other; a 1-D operand is
    /// a row (left) or a column (right) vector whose axis the result drops.
    ///
    /// # Errors
    ///
    /// [`Error::UnsupportedRank`] for a 0-d operand, [`Error::ContractionMismatch`] if the
    /// inner lengths differ, [`Error::IncompatibleShapes`] if the stack axes do not broadcast.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let a = ndarray::Array3::from_shape_fn((4, 2, 3), |(b, i, j)| (b + i * j) as f64);
    /// let m = ndarray::Array2::from_shape_fn((3, 5), |(i, j)| (i + j) as f64);
    /// let x = Array::from_ndarray(a.clone(), &[2, 2, 2])?;
    /// let y = Array::from_ndarray(m.clone(), &[2, 3])?;
    /// let z = x.matmul(&y)?; // (4, 2, 3) @ (3, 5): m is broadcast over the stack
    /// assert_eq!(z.shape(), &[4, 2, 5]);
    /// let z = z.compute()?;
    /// for b in 0..4 {
    ///     assert_eq!(z.index_axis(ndarray::Axis(0), b), a.index_axis(ndarray::Axis(0), b).dot(&m).into_dyn());
    /// }
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn matmul(&self, other: &Array<T>) -> Result<Array<T>> {
        let op = "matmul";
        for a in [self, other] {
            if a.ndim() == 0 {
                return Err(Error::UnsupportedRank {
                    op,
                    ndim: 0,
                    expected: "matmul takes arrays of at least one axis",
                });
            }
        }
        let a = if self.ndim() == 1 {
            self.insert_axis(Axis(0))?
        } else {
            self.clone()
        };
        let b = if other.ndim() == 1 {
            other.insert_axis(Axis(1))?
        } else {
            other.clone()
        };
        let (sa, sb) = (a.shape(), b.shape());
        let (na, nb) = (sa.len(), sb.len());
        if sa[na - 1] != sb[nb - 2] {
            return Err(Error::ContractionMismatch {
                op,
                left: self.shape().to_vec(),
                right: other.shape().to_vec(),
                left_axis: self.ndim() - 1,
                right_axis: other.ndim().saturating_sub(2),
            });
        }
        let batch =
            crate::chunks::broadcast_shapes(&sa[..na - 2], &sb[..nb - 2]).ok_or_else(|| {
                Error::IncompatibleShapes {
                    op,
                    left: self.shape().to_vec(),
                    right: other.shape().to_vec(),
                }
            })?;
        let nbatch = batch.len();
        let full = |x: &Array<T>, tail: &[usize]| -> Result<Array<T>> {
            let mut shape = batch.clone();
            shape.extend_from_slice(tail);
            x.broadcast_to(&shape)
        };
        let a = full(&a, &sa[na - 2..])?;
        let b = full(&b, &sb[nb - 2..])?;
        let mut out = a.contract(
            op,
            &b,
            Axes {
                batch: nbatch,
                a_free: vec![nbatch],
                a_con: vec![nbatch + 1],
                b_con: vec![nbatch],
                b_free: vec![nbatch + 1],
            },
        )?;
        if other.ndim() == 1 {
            out = out.remove_axis(Axis(nbatch + 1))?;
        }
        if self.ndim() == 1 {
            out = out.remove_axis(Axis(nbatch))?;
        }
        Ok(out)
    }

    /// The product over `axes` (checked for range and repeats by the caller), with the
    /// contracted and batch axes cut alike in both operands, summed over contracted blocks.
    fn contract(&self, op: &'static str, other: &Array<T>, axes: Axes) -> Result<Array<T>> {
        for (&i, &j) in axes.a_con.iter().zip(&axes.b_con) {
            if self.shape()[i] != other.shape()[j] {
                return Err(Error::ContractionMismatch {
                    op,
                    left: self.shape().to_vec(),
                    right: other.shape().to_vec(),
                    left_axis: i,
                    right_axis: j,
                });
            }
        }
        let mut ca = self.chunks().to_vec();
        let mut cb = other.chunks().to_vec();
        // Contracted and batch axes cut alike in both operands.
        let batch = (0..axes.batch).map(|k| (k, k));
        let pairs = axes.a_con.iter().copied().zip(axes.b_con.iter().copied());
        for (i, j) in pairs.chain(batch) {
            let common = refine_axis(&ca[i], &cb[j]);
            ca[i] = common.clone();
            cb[j] = common;
        }
        let a = self.rechunk(Chunks::new(self.shape(), ca)?)?;
        let b = other.rechunk(Chunks::new(other.shape(), cb)?)?;
        let product = Contract::<T>::new(op, a.node.clone(), b.node.clone(), axes);
        let mut partial = product.partial();
        let mut out = Array::from_node(product);
        while partial {
            let level = SumPartials::<T>::new(out.node.clone());
            partial = !level.is_last();
            out = Array::from_node(level);
        }
        Ok(out)
    }
}
