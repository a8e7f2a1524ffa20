//! Square systems, as numpy's and scipy's: `solve`, `solve_triangular`, `inv`, `cholesky`,
//! `lu`, by block algorithms across tasks ([`blocked`](super::blocked)): the matrix is cut into
//! a grid of square tiles (its row blocks, along both axes), each tile of each step a task.

use super::blocked::{self, Tiles};
use super::{LinalgElement, matrix_shape};
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

/// The grid of a square matrix's tiles: its row blocks (a matrix of no rows has none).
fn grid<T: LinalgElement>(a: &Array<T>) -> Vec<usize> {
    a.chunks()[0].iter().copied().filter(|&c| c > 0).collect()
}

/// `b` in tiles for an `n x n` system over the grid `sizes` (a vector as one column; the
/// columns of a matrix in its own column blocks), and whether it was a vector.
fn right_hand_sides<T: LinalgElement>(
    op: &'static str,
    b: &Array<T>,
    n: usize,
    sizes: &[usize],
) -> Result<(Tiles<T>, bool)> {
    let (b, vector) = match *b.shape() {
        [m] if m == n => (b.reshape(&[n, 1])?, true),
        [m, _] if m == n => (b.clone(), false),
        _ => {
            return Err(Error::invalid(
                op,
                "b",
                format!("shape {:?}", b.shape()),
                "a vector or a matrix with as many rows as a",
            ));
        }
    };
    if n == 0 {
        return Ok((Vec::new(), vector));
    }
    let mut cols: Vec<usize> = b.chunks()[1].iter().copied().filter(|&c| c > 0).collect();
    if cols.is_empty() {
        cols.push(0);
    }
    Ok((blocked::tiles(&b, sizes, &cols)?, vector))
}

/// The solution of the tiled system as one array, a vector if `b` was.
fn solution<T: LinalgElement>(x: &Tiles<T>, vector: bool) -> Result<Array<T>> {
    let x = blocked::assemble(x)?;
    if vector {
        x.reshape(&[x.shape()[0]])
    } else {
        Ok(x)
    }
}

/// `x` with `a x = b` through `a`'s tiled LU: `b` permuted, then the two substitutions.
fn lu_solve<T: LinalgElement>(op: &'static str, a: &Array<T>, b: &Array<T>) -> Result<Array<T>> {
    let n = square(op, a)?;
    let sizes = grid(a);
    let (rhs, vector) = right_hand_sides(op, b, n, &sizes)?;
    if n == 0 {
        // Nothing to solve: x is as empty as b.
        return Ok(b.clone());
    }
    let (pi, l, u) = blocked::lu(a, &sizes)?;
    let y = blocked::substitute(op, &l, &blocked::permute_rows(&pi, &rhs, &sizes), true);
    solution(&blocked::substitute(op, &u, &y, false), vector)
}

/// The solution `x` of `a x = b`, as numpy's `linalg.solve` (by LU with partial pivoting): `b`
/// a vector or a matrix of right-hand sides.
///
/// A block algorithm across tasks: `a`'s tiled [`lu`], `b` permuted, then a forward and a
/// backward substitution tile by tile ([`solve_triangular`]). `x` is chunked along its rows as
/// `a` is, along its columns as `b` is.
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
    lu_solve("solve", a, b)
}

/// The inverse of `a`, as numpy's `linalg.inv` (by LU with partial pivoting): [`solve`] for
/// the identity, chunked as `a`'s rows along both axes.
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
    let sizes = grid(a);
    let eye = super::identity::<T>(n, vec![sizes.clone(), sizes])?;
    lu_solve("inv", a, &eye)
}

/// The lower Cholesky factor `L` of a symmetric positive-definite `a` (`L Lᵀ = a`), as
/// numpy's `linalg.cholesky` (only `a`'s lower triangle is read).
///
/// A block algorithm across tasks, as dask's: `a` is cut into square tiles (its row blocks
/// along both axes; other column blocks are rechunked to them), and each tile of `L` is one
/// task, left-looking: `L[i][k] = (A[i][k] - Σ_{m<k} L[i][m] L[k][m]ᵀ)`, factorised on the
/// diagonal and divided by `L[k][k]ᵀ` below it. The tiles of a column run at once; no task
/// holds more than two rows of tiles. `L` is chunked in those tiles.
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
    if square("cholesky", a)? == 0 {
        return Ok(a.clone());
    }
    blocked::assemble(&blocked::cholesky(a, &grid(a))?)
}

/// The LU factorisation with partial pivoting of a square `a`, as scipy's and dask's
/// `linalg.lu`: `(P, L, U)` with `P L U = a`, `P` a permutation matrix, `L` unit lower and `U`
/// upper triangular.
///
/// A block algorithm across tasks (LAPACK's right-looking `getrf` over column panels): step `k`
/// factorises the rest of `a`'s column block `k` as one tall panel, so each pivot is chosen
/// from the whole column as scipy's is (dask's pivots within each diagonal tile: it fails where
/// that tile is singular, and loses accuracy where it nearly is); then each column block to its right is permuted and updated by its
/// own task. `P`, `L` and `U` are chunked in square tiles of `a`'s row blocks.
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
    if square("lu", a)? == 0 {
        return Ok((a.clone(), a.clone(), a.clone()));
    }
    let sizes = grid(a);
    let (pi, l, u) = blocked::lu(a, &sizes)?;
    Ok((
        blocked::assemble(&blocked::permutation_tiles(&pi, &sizes))?,
        blocked::assemble(&l)?,
        blocked::assemble(&u)?,
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
    let op = "solve_triangular";
    let n = square(op, a)?;
    let sizes = grid(a);
    let (rhs, vector) = right_hand_sides(op, b, n, &sizes)?;
    if n == 0 {
        return Ok(b.clone());
    }
    let t = blocked::tiles(a, &sizes, &sizes)?;
    solution(&blocked::substitute(op, &t, &rhs, lower), vector)
}
