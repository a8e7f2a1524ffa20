//! Square systems, as numpy's and scipy's: `solve`, `solve_triangular`, `inv`, `cholesky`,
//! `lu`. Each factorises the whole matrix in one task (rechunked to one block, so it must fit
//! in memory), through faer: a block algorithm across tasks, as dask's, is not there yet.

use faer::linalg::solvers::{DenseSolveCore, Solve};
use ndarray::{Array2, ArrayView2, s};

use super::kernels::{to_ndarray, with_faer};
use super::{LinalgElement, map_one, map_two, matrix_shape};
use crate::array::Array;
use crate::error::{Error, Result};

/// `a`'s side, if it is a square matrix.
fn square<T: LinalgElement>(op: &'static str, a: &Array<T>) -> Result<usize> {
    let (m, n) = matrix_shape(op, a)?;
    if m != n {
        return Err(Error::invalid(
            op,
            "a",
            format!("a {m} x {n} matrix"),
            "a square matrix",
        ));
    }
    Ok(n)
}

/// `b` as a matrix of right-hand sides for an `n x n` system, and whether it was a vector.
fn right_hand_sides<T: LinalgElement>(
    op: &'static str,
    b: &Array<T>,
    n: usize,
) -> Result<(Array<T>, bool)> {
    match *b.shape() {
        [m] if m == n => Ok((b.reshape(&[n, 1])?.rechunk([n.max(1), 1])?, true)),
        [m, k] if m == n => Ok((b.rechunk([n.max(1), k.max(1)])?, false)),
        _ => Err(Error::invalid(
            op,
            "b",
            format!("shape {:?}", b.shape()),
            "a vector or a matrix with as many rows as a",
        )),
    }
}

/// The error for a singular matrix.
fn singular(op: &'static str) -> Error {
    Error::invalid(op, "a", "a singular matrix", "a nonsingular matrix")
}

/// The partial-pivoting LU of `a`, or an error if a pivot is zero (numpy's `LinAlgError`).
fn lu_of<T: LinalgElement>(
    op: &'static str,
    a: ArrayView2<'_, T>,
) -> Result<faer::linalg::solvers::PartialPivLu<T>> {
    let lu = with_faer(a, |a| a.partial_piv_lu());
    let u = lu.U();
    if (0..u.nrows()).any(|i| u[(i, i)] == T::zero() || !u[(i, i)].is_finite()) {
        return Err(singular(op));
    }
    Ok(lu)
}

/// The solution `x` of `a x = b`, as numpy's `linalg.solve` (by LU with partial pivoting): `b`
/// a vector or a matrix of right-hand sides.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a non-square `a`, a `b` of another number of rows, and, when
/// computed, a singular `a`.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, linalg};
/// let a = Array::from_ndarray(ndarray::array![[3.0, 1.0], [1.0, 2.0]].into_dyn(), [1, 1])?;
/// let b = Array::from_ndarray(ndarray::array![9.0, 8.0].into_dyn(), [2])?;
/// assert_eq!(linalg::solve(&a, &b)?.compute()?, ndarray::array![2.0, 3.0].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn solve<T: LinalgElement>(a: &Array<T>, b: &Array<T>) -> Result<Array<T>> {
    square_system(
        "solve",
        a,
        b,
        Box::new(|a, b| {
            let lu = lu_of("solve", a)?;
            Ok(to_ndarray(with_faer(b, |b| lu.solve(b)).as_ref()))
        }),
    )
}

/// `x` for the square system `a x = b` named `op`, made in one task by `kernel` from the
/// whole of `a` and the right-hand sides (a vector `b` as one column).
fn square_system<T: LinalgElement>(
    op: &'static str,
    a: &Array<T>,
    b: &Array<T>,
    kernel: super::Kernel2<T>,
) -> Result<Array<T>> {
    let n = square(op, a)?;
    let (rhs, vector) = right_hand_sides(op, b, n)?;
    let k = rhs.shape()[1];
    let whole = a.rechunk([n.max(1), n.max(1)])?;
    let x = map_two(op, &whole, &rhs, [n, k], kernel);
    if vector { x.reshape(&[n]) } else { Ok(x) }
}

/// The inverse of `a`, as numpy's `linalg.inv` (by LU with partial pivoting).
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a non-square `a` and, when computed, a singular one.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, linalg};
/// let a = Array::from_ndarray(ndarray::array![[2.0, 0.0], [0.0, 4.0]].into_dyn(), [1, 1])?;
/// assert_eq!(linalg::inv(&a)?.compute()?, ndarray::array![[0.5, 0.0], [0.0, 0.25]].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn inv<T: LinalgElement>(a: &Array<T>) -> Result<Array<T>> {
    let n = square("inv", a)?;
    let whole = a.rechunk([n.max(1), n.max(1)])?;
    Ok(map_one(
        "inv",
        &whole,
        [n, n],
        Box::new(|a| Ok(to_ndarray(lu_of("inv", a)?.inverse().as_ref()))),
    ))
}

/// The lower Cholesky factor `L` of a symmetric positive-definite `a` (`L Lᵀ = a`), as
/// numpy's `linalg.cholesky`.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a non-square `a` and, when computed, one that is not
/// positive definite.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, linalg};
/// let a = Array::from_ndarray(ndarray::array![[4.0, 2.0], [2.0, 5.0]].into_dyn(), [1, 1])?;
/// assert_eq!(linalg::cholesky(&a)?.compute()?, ndarray::array![[2.0, 0.0], [1.0, 2.0]].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn cholesky<T: LinalgElement>(a: &Array<T>) -> Result<Array<T>> {
    let n = square("cholesky", a)?;
    let whole = a.rechunk([n.max(1), n.max(1)])?;
    Ok(map_one(
        "cholesky",
        &whole,
        [n, n],
        Box::new(|a| {
            let llt = with_faer(a, |a| a.llt(faer::Side::Lower)).map_err(|_| {
                Error::invalid(
                    "cholesky",
                    "a",
                    "a matrix that is not positive definite",
                    "a symmetric positive-definite matrix",
                )
            })?;
            let mut l = to_ndarray(llt.L());
            for i in 0..l.nrows() {
                l.slice_mut(s![i, i + 1..]).fill(T::zero());
            }
            Ok(l)
        }),
    ))
}

/// The LU factorisation with partial pivoting of a square `a`, as scipy's and dask's
/// `linalg.lu`: `(P, L, U)` with `P L U = a`, `P` a permutation matrix, `L` unit lower and `U`
/// upper triangular.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a non-square `a`.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, linalg};
/// let a = Array::from_ndarray(ndarray::array![[1.0, 2.0], [3.0, 4.0]].into_dyn(), [1, 1])?;
/// let (p, l, u) = linalg::lu(&a)?;
/// let plu = p.matmul(&l)?.matmul(&u)?.compute()?;
/// assert_eq!(plu, ndarray::array![[1.0, 2.0], [3.0, 4.0]].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
#[allow(clippy::type_complexity)]
pub fn lu<T: LinalgElement>(a: &Array<T>) -> Result<(Array<T>, Array<T>, Array<T>)> {
    let n = square("lu", a)?;
    let whole = a.rechunk([n.max(1), n.max(1)])?;
    // P above L above U.
    let stacked = map_one(
        "lu",
        &whole,
        [3 * n, n],
        Box::new(move |a| {
            let lu = with_faer(a, |a| a.partial_piv_lu());
            let mut out = Array2::zeros((3 * n, n));
            // faer's P reorders the rows of a: (P a) = L U, so a = Pᵀ L U.
            let (forward, _) = lu.P().arrays();
            for (i, &row) in forward.iter().enumerate() {
                out[[row, i]] = T::one();
            }
            out.slice_mut(s![n..2 * n, ..]).assign(&to_ndarray(lu.L()));
            out.slice_mut(s![2 * n.., ..]).assign(&to_ndarray(lu.U()));
            Ok(out)
        }),
    );
    Ok((
        stacked.slice(s![..n, ..])?,
        stacked.slice(s![n..2 * n, ..])?,
        stacked.slice(s![2 * n.., ..])?,
    ))
}

/// The solution `x` of `a x = b` for a triangular `a` (its lower triangle if `lower`, else its
/// upper; the other triangle is not read), as scipy's `linalg.solve_triangular`.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a non-square `a`, a `b` of another number of rows, and, when
/// computed, a zero on the diagonal.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, linalg};
/// let l = Array::from_ndarray(ndarray::array![[2.0, 0.0], [1.0, 1.0]].into_dyn(), [1, 1])?;
/// let b = Array::from_ndarray(ndarray::array![4.0, 5.0].into_dyn(), [2])?;
/// assert_eq!(linalg::solve_triangular(&l, &b, true)?.compute()?, ndarray::array![2.0, 3.0].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn solve_triangular<T: LinalgElement>(
    a: &Array<T>,
    b: &Array<T>,
    lower: bool,
) -> Result<Array<T>> {
    square_system(
        "solve_triangular",
        a,
        b,
        Box::new(move |a, b| {
            if (0..a.nrows()).any(|i| a[[i, i]] == T::zero()) {
                return Err(singular("solve_triangular"));
            }
            let mut x = with_faer(b, |b| b.to_owned());
            let par = faer::Par::Seq;
            with_faer(a, |a| {
                if lower {
                    faer::linalg::triangular_solve::solve_lower_triangular_in_place(
                        a,
                        x.as_mut(),
                        par,
                    )
                } else {
                    faer::linalg::triangular_solve::solve_upper_triangular_in_place(
                        a,
                        x.as_mut(),
                        par,
                    )
                }
            });
            Ok(to_ndarray(x.as_ref()))
        }),
    )
}
