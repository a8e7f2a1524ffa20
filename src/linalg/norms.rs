//! Norms and statistics of matrices, as numpy's `linalg.norm`, `cov` and `corrcoef`.

use super::LinalgElement;
use crate::array::Array;
use crate::error::{Error, Result};

/// Which norm [`norm`] takes, as numpy's `ord`.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, linalg::{self, NormOrd}};
/// let x = Array::from_ndarray(ndarray::array![3.0, -4.0].into_dyn(), [1])?;
/// assert_eq!(linalg::norm(&x, NormOrd::Default, None, false)?.compute_scalar()?, 5.0);
/// assert_eq!(linalg::norm(&x, NormOrd::Inf, None, false)?.compute_scalar()?, 4.0);
/// assert_eq!(linalg::norm(&x, NormOrd::P(1.0), None, false)?.compute_scalar()?, 7.0);
/// # Ok::<(), chunkwise::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NormOrd {
    /// numpy's `None`: the 2-norm of vectors, Frobenius of matrices.
    Default,
    /// Frobenius (matrices): the square root of the sum of squares.
    Fro,
    /// Nuclear (matrices): the sum of the singular values.
    Nuc,
    /// `inf`: the largest absolute value (vectors), the largest row sum of absolute values
    /// (matrices).
    Inf,
    /// `-inf`: the smallest absolute value (vectors), the smallest row sum (matrices).
    NegInf,
    /// A number: `(sum |x|^p)^(1/p)` for vectors (0 counts the nonzero elements); for matrices
    /// 1 and -1 (largest and smallest column sum of absolute values), 2 and -2 (largest and
    /// smallest singular value).
    P(f64),
}

/// The norm of `x`, as numpy's `linalg.norm(x, ord, axis, keepdims)`: with `axis` `None`, of
/// the whole array (flattened for [`NormOrd::Default`]; a vector norm for a 1-D `x`, a matrix
/// norm for a 2-D one otherwise); with one axis, vector norms along it; with two, matrix norms
/// over them. The reduced axes are dropped, or kept with length 1 (`keepdims`). Singular-value
/// norms (`Nuc`, 2, -2) take a matrix (2-D `x`), through [`svd`](super::svd).
///
/// # Errors
///
/// [`Error::InvalidParameter`] for an order the kind of norm does not have, for a `None` axis
/// on an array of more than 2 axes with an order other than `Default`, for other than one or
/// two axes, and for singular-value norms over a stack of matrices.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, linalg::{self, NormOrd}};
/// let a = Array::from_ndarray(ndarray::array![[1.0f64, -2.0], [3.0, 4.0]].into_dyn(), [1, 2])?;
/// assert_eq!(linalg::norm(&a, NormOrd::P(1.0), None, false)?.compute_scalar()?, 6.0);
/// assert_eq!(linalg::norm(&a, NormOrd::Inf, None, false)?.compute_scalar()?, 7.0);
/// let rows = linalg::norm(&a, NormOrd::Default, Some(&[1]), false)?.compute()?;
/// assert!((rows[[1]] - 5.0).abs() < 1e-12);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn norm<T: LinalgElement>(
    x: &Array<T>,
    ord: NormOrd,
    axis: Option<&[usize]>,
    keepdims: bool,
) -> Result<Array<T>> {
    let nd = x.ndim();
    let all: Vec<usize> = (0..nd).collect();
    let axes: &[usize] = match axis {
        Some(a) => a,
        None if ord == NormOrd::Default => {
            return root_sum_squares(x, &all, keepdims);
        }
        None if nd <= 2 => &all,
        None => {
            return Err(Error::invalid(
                "norm",
                "ord",
                format!("{ord:?} over all {nd} axes"),
                "an axis or two, or the default order, for arrays of more than 2 axes",
            ));
        }
    };
    match *axes {
        [a] => vector_norm(x, ord, a, keepdims),
        [r, c] if r != c => matrix_norm(x, ord, r, c, keepdims),
        _ => Err(Error::invalid(
            "norm",
            "axis",
            format!("{axes:?}"),
            "one axis (vector norms) or two different ones (matrix norms)",
        )),
    }
}

/// The square root of the sum of squares of `x` over `axes`.
fn root_sum_squares<T: LinalgElement>(
    x: &Array<T>,
    axes: &[usize],
    keepdims: bool,
) -> Result<Array<T>> {
    Ok(x.map(|v| v * v).sum_axes(axes, keepdims)?.map(|v| v.sqrt()))
}

fn vector_norm<T: LinalgElement>(
    x: &Array<T>,
    ord: NormOrd,
    axis: usize,
    keepdims: bool,
) -> Result<Array<T>> {
    let abs = x.map(|v| v.abs());
    let over = [axis];
    match ord {
        NormOrd::Default => root_sum_squares(x, &over, keepdims),
        NormOrd::Inf => abs.max_axes(&over, keepdims),
        NormOrd::NegInf => abs.min_axes(&over, keepdims),
        NormOrd::P(0.0) => Ok(x
            .map(|v| if v == T::zero() { T::zero() } else { T::one() })
            .sum_axes(&over, keepdims)?),
        NormOrd::P(1.0) => abs.sum_axes(&over, keepdims),
        NormOrd::P(2.0) => root_sum_squares(x, &over, keepdims),
        NormOrd::P(p) if p.is_finite() => {
            let p = T::from(p).expect("an order is a number");
            let inv = p.recip();
            Ok(abs
                .map(move |v| v.powf(p))
                .sum_axes(&over, keepdims)?
                .map(move |s| s.powf(inv)))
        }
        _ => Err(Error::invalid(
            "norm",
            "ord",
            format!("{ord:?}"),
            "an order vectors have: Default, Inf, NegInf or a finite P",
        )),
    }
}

fn matrix_norm<T: LinalgElement>(
    x: &Array<T>,
    ord: NormOrd,
    r: usize,
    c: usize,
    keepdims: bool,
) -> Result<Array<T>> {
    let nd = x.ndim();
    for a in [r, c] {
        if a >= nd {
            return Err(Error::AxisOutOfRange {
                op: "norm",
                axis: a,
                ndim: nd,
            });
        }
    }
    let abs = x.map(|v| v.abs());
    // Sums of absolute values along one axis, then the largest or smallest over the other.
    let sums = |along: usize, across: usize, largest: bool| -> Result<Array<T>> {
        let s = abs.sum_axes(&[along], true)?;
        let m = if largest {
            s.max_axes(&[across], true)?
        } else {
            s.min_axes(&[across], true)?
        };
        drop_or_keep(m, r, c, keepdims)
    };
    match ord {
        NormOrd::Default | NormOrd::Fro => root_sum_squares(x, &[r, c], keepdims),
        NormOrd::Inf => sums(c, r, true),
        NormOrd::NegInf => sums(c, r, false),
        NormOrd::P(1.0) => sums(r, c, true),
        NormOrd::P(-1.0) => sums(r, c, false),
        NormOrd::Nuc | NormOrd::P(2.0) | NormOrd::P(-2.0) => {
            if nd != 2 {
                return Err(Error::invalid(
                    "norm",
                    "ord",
                    format!("{ord:?} over a stack of matrices"),
                    "a singular-value norm of a 2-D array",
                ));
            }
            let m = if r < c { x.clone() } else { x.transpose() };
            // The SVD wants a tall matrix: the transpose has the same singular values.
            let m = if m.shape()[0] < m.shape()[1] {
                m.transpose()
            } else {
                m
            };
            let (_, s, _) = super::svd(&m)?;
            let v = match ord {
                NormOrd::Nuc => s.sum(),
                NormOrd::P(p) if p > 0.0 => s.max(),
                _ => s.min(),
            };
            if keepdims { v.reshape(&[1, 1]) } else { Ok(v) }
        }
        _ => Err(Error::invalid(
            "norm",
            "ord",
            format!("{ord:?}"),
            "an order matrices have: Default, Fro, Nuc, Inf, NegInf, P(1), P(-1), P(2), P(-2)",
        )),
    }
}

/// `m`, reduced with its axes `r` and `c` kept with length 1, with them dropped unless
/// `keepdims`.
fn drop_or_keep<T: LinalgElement>(
    m: Array<T>,
    r: usize,
    c: usize,
    keepdims: bool,
) -> Result<Array<T>> {
    if keepdims {
        return Ok(m);
    }
    let (hi, lo) = (r.max(c), r.min(c));
    m.remove_axis(hi)?.remove_axis(lo)
}

/// The covariance matrix of the variables in `m`, as numpy's `cov(m, rowvar, ddof)`: each row
/// a variable and each column an observation (`rowvar`), or the transpose; `ddof` 1 is the
/// unbiased estimate (numpy's default). A 1-D `m` is one variable (the result 0-d).
///
/// # Errors
///
/// [`Error::InvalidParameter`] for an `m` of more than 2 axes.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, linalg};
/// let m = Array::from_ndarray(ndarray::array![[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]].into_dyn(), [1, 2])?;
/// let c = linalg::cov(&m, true, 1.0)?.compute()?;
/// assert_eq!(c, ndarray::array![[1.0, -1.0], [-1.0, 1.0]].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn cov<T: LinalgElement>(m: &Array<T>, rowvar: bool, ddof: f64) -> Result<Array<T>> {
    let (x, one) = match m.ndim() {
        1 => (m.insert_axis(0)?, true),
        2 if rowvar => (m.clone(), false),
        2 => (m.transpose(), false),
        _ => {
            return Err(Error::invalid(
                "cov",
                "m",
                format!("an array of shape {:?}", m.shape()),
                "a 1-D or 2-D array",
            ));
        }
    };
    let n = x.shape()[1];
    let centred = x.try_sub(&x.mean_axes(&[1], true)?)?;
    let scale = T::from(n as f64 - ddof).expect("a count is a number");
    let c = centred
        .matmul(&centred.transpose())?
        .map(move |v| v / scale);
    if one { c.reshape(&[]) } else { Ok(c) }
}

/// The correlation coefficients of the variables in `m`, as numpy's `corrcoef(m, rowvar)`: the
/// covariance scaled by the variables' standard deviations, clipped to `[-1, 1]`.
///
/// # Errors
///
/// As [`cov`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, linalg};
/// let m = Array::from_ndarray(ndarray::array![[1.0f64, 2.0, 4.0], [2.0, 4.0, 8.0]].into_dyn(), [2, 3])?;
/// let r = linalg::corrcoef(&m, true)?.compute()?;
/// assert!((r[[0, 1]] - 1.0).abs() < 1e-12);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn corrcoef<T: LinalgElement>(m: &Array<T>, rowvar: bool) -> Result<Array<T>> {
    let c = cov(m, rowvar, 1.0)?;
    if c.ndim() == 0 {
        // One variable: 1, or NaN when it does not vary (as numpy's).
        return Ok(c.map(|v| {
            let d = v.sqrt();
            v / d / d
        }));
    }
    let d = super::diagonal(&c, 0, 0, 1)?.map(|v| v.sqrt());
    let outer = super::outer(&d, &d)?;
    Ok(c.try_div(&outer)?.map(|v| v.max(-T::one()).min(T::one())))
}
