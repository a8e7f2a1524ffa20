//! Block algorithms for square matrices across tasks, as dask's: the matrix is cut into a grid
//! of tiles (its row blocks, along both axes), and each step of a factorisation or a
//! substitution is a task on a few tiles, so no task holds more than a column of tiles and
//! independent steps run at once.
//!
//! - Cholesky, left-looking (Golub and Van Loan, "Matrix Computations", 4th ed., §4.2.9):
//!   tile `L[i][k]` is `(A[i][k] - Σ_{m<k} L[i][m] L[k][m]ᵀ)` factorised (`i = k`) or divided by
//!   `L[k][k]ᵀ` (`i > k`); the tiles of a column are independent.
//! - LU with partial pivoting, right-looking over column panels (LAPACK's `getrf`; Golub and
//!   Van Loan §3.4.7): step `k` factorises the remaining rows of column block `k` as one tall
//!   panel (so the pivots are chosen from the whole column, as the unblocked algorithm's), then
//!   each column block right of it is permuted and updated by its own task. The result is the
//!   unblocked factorisation's, to rounding.
//! - Triangular substitution by tiles: `x[i] = T[i][i]⁻¹ (b[i] - Σ T[i][m] x[m])`, one task per
//!   tile of the right-hand sides, the column blocks of `b` independent.

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::lu::partial_pivoting::factor::{lu_in_place, lu_in_place_scratch};
use faer::linalg::matmul::matmul;
use faer::linalg::triangular_solve::{
    solve_lower_triangular_in_place, solve_unit_lower_triangular_in_place,
    solve_upper_triangular_in_place,
};
use faer::{Accum, Mat, MatMut, MatRef, Par};
use ndarray::{Array2, ArrayView2, Axis, s};

use super::kernels::{to_ndarray, with_faer};
use super::{LinalgElement, task};
use crate::array::{Array, concatenate};
use crate::chunks::Chunks;
use crate::error::{Error, Result};

/// A grid of one-block arrays, by row then column.
pub(super) type Tiles<T> = Vec<Vec<Array<T>>>;

/// The block edges of `sizes` along one axis (`starts(0)`: where each starts, then the end;
/// `locate(0, i)`: the one holding `i`).
fn edges(sizes: &[usize]) -> Chunks {
    Chunks::from_valid(vec![sizes.iter().sum()], vec![sizes.to_vec()])
}

/// `a` cut into tiles: `rows` along its first axis, `cols` along its second.
pub(super) fn tiles<T: LinalgElement>(
    a: &Array<T>,
    rows: &[usize],
    cols: &[usize],
) -> Result<Tiles<T>> {
    let a = a.rechunk(vec![rows.to_vec(), cols.to_vec()])?;
    let (r0, c0) = (a.chunk_layout().starts(0), a.chunk_layout().starts(1));
    (0..rows.len())
        .map(|i| {
            (0..cols.len())
                .map(|j| a.slice(s![r0[i]..r0[i] + rows[i], c0[j]..c0[j] + cols[j]]))
                .collect()
        })
        .collect()
}

/// The matrix of tiles, its blocks the tiles themselves (no copy).
pub(super) fn assemble<T: LinalgElement>(tiles: &Tiles<T>) -> Result<Array<T>> {
    let rows = tiles
        .iter()
        .map(|row| concatenate(Axis(1), row))
        .collect::<Result<Vec<_>>>()?;
    concatenate(Axis(0), &rows)
}

/// A tile of zeros.
fn zeros<T: LinalgElement>(rows: usize, cols: usize) -> Result<Array<T>> {
    Array::zeros(&[rows, cols], [rows.max(1), cols.max(1)])
}

/// `a` copied into a faer matrix (column-major), to be worked on in place.
fn mat<T: LinalgElement>(a: ArrayView2<'_, T>) -> Mat<T> {
    with_faer(a, |a| a.to_owned())
}

/// `dst -= a bᵀ` (`transposed`) or `dst -= a b`.
fn subtract_product<T: LinalgElement>(
    dst: MatMut<'_, T>,
    a: ArrayView2<'_, T>,
    b: ArrayView2<'_, T>,
    transposed: bool,
) {
    with_faer(a, |a| {
        with_faer(b, |b| {
            let b = if transposed { b.transpose() } else { b };
            matmul(dst, Accum::Add, a, b, -T::one(), Par::Seq)
        })
    })
}

/// The error for a matrix that is not positive definite.
fn not_positive_definite() -> Error {
    Error::invalid(
        "cholesky",
        "a",
        "a matrix that is not positive definite",
        "a symmetric positive-definite matrix",
    )
}

/// The lower Cholesky factor of the square matrix `a`, tile by tile over the grid `sizes`.
pub(super) fn cholesky<T: LinalgElement>(a: &Array<T>, sizes: &[usize]) -> Result<Tiles<T>> {
    let at = tiles(a, sizes, sizes)?;
    let p = sizes.len();
    let mut l: Vec<Vec<Option<Array<T>>>> = vec![vec![None; p]; p];
    for k in 0..p {
        for i in k..p {
            // A[i][k], L[i][..k], L[k][..k], then L[k][k] below the diagonal.
            let mut inputs = vec![&at[i][k]];
            inputs.extend(l[i][..k].iter().flatten());
            inputs.extend(l[k][..k].iter().flatten());
            if i > k {
                inputs.extend(l[k][k].as_ref());
            }
            let tile = task("cholesky", [sizes[i], sizes[k]], &inputs, move |t| {
                let mut s = mat(t[0]);
                for m in 0..k {
                    subtract_product(s.as_mut(), t[1 + m], t[1 + k + m], true);
                }
                if i == k {
                    let llt = s
                        .llt(faer::Side::Lower)
                        .map_err(|_| not_positive_definite())?;
                    let mut f = to_ndarray(llt.L());
                    for r in 0..f.nrows() {
                        f.slice_mut(s![r, r + 1..]).fill(T::zero());
                    }
                    Ok(f)
                } else {
                    // X L[k][k]ᵀ = S, solved as L[k][k] Xᵀ = Sᵀ.
                    let mut xt = s.transpose().to_owned();
                    with_faer(t[1 + 2 * k], |lkk| {
                        solve_lower_triangular_in_place(lkk, xt.as_mut(), Par::Seq)
                    });
                    Ok(to_ndarray(xt.transpose()))
                }
            });
            l[i][k] = Some(tile);
        }
    }
    (0..p)
        .map(|i| {
            (0..p)
                .map(|k| match l[i][k].take() {
                    Some(t) => Ok(t),
                    None => zeros(sizes[i], sizes[k]),
                })
                .collect()
        })
        .collect()
}

/// The LU factorisation with partial pivoting of a square matrix over the grid `sizes`: the
/// forward permutation `π` (an `n x 1` array: row `i` of `P A` is row `π[i]` of `A`), and the
/// tiles of `L` (unit lower triangular) and `U` (upper), `P A = L U`.
pub(super) fn lu<T: LinalgElement>(
    a: &Array<T>,
    sizes: &[usize],
) -> Result<(Array<T>, Tiles<T>, Tiles<T>)> {
    let n: usize = sizes.iter().sum();
    let p = sizes.len();
    let r0 = edges(sizes).starts(0).to_vec();
    // The column blocks' rows not yet eliminated (all of them at first).
    let mut cols: Vec<Array<T>> = tiles(a, &[n], sizes)?.remove(0);
    let mut panels: Vec<Array<T>> = Vec::with_capacity(p);
    let mut u: Vec<Vec<Option<Array<T>>>> = vec![vec![None; p]; p];
    for k in 0..p {
        let (h, c) = (n - r0[k], sizes[k]);
        // The panel: L's rows from r0[k] (unit diagonal implied) with U[k][k] on top, and the
        // panel's row order in one more column.
        let panel = task("lu", [h, c + 1], &[&cols[k]], move |t| {
            let mut f = mat(t[0]);
            let mut perm = vec![0usize; h];
            let mut perm_inv = vec![0usize; h];
            let scratch = lu_in_place_scratch::<usize, T>(h, c, Par::Seq, Default::default());
            lu_in_place(
                f.as_mut(),
                &mut perm,
                &mut perm_inv,
                Par::Seq,
                MemStack::new(&mut MemBuffer::new(scratch)),
                Default::default(),
            );
            let mut out = Array2::zeros((h, c + 1));
            out.slice_mut(s![.., ..c]).assign(&to_ndarray(f.as_ref()));
            for (i, &from) in perm.iter().enumerate() {
                out[[i, c]] =
                    <T as num_traits::NumCast>::from(from).expect("a row index is exact in T");
            }
            Ok(out)
        });
        for j in k + 1..p {
            let cj = sizes[j];
            // Column block j's rows from r0[k], in the panel's order: U[k][j] on top
            // (L[k][k]⁻¹ times its first c rows), the rest less L's rows below times U[k][j].
            let updated = task("lu", [h, cj], &[&cols[j], &panel], move |t| {
                let (col, panel) = (t[0], t[1]);
                let mut x = Mat::from_fn(h, cj, |i, j| col[[row_of(panel[[i, c]]), j]]);
                let l = Mat::from_fn(h, c, |i, j| panel[[i, j]]);
                let (mut top, bottom) = x.as_mut().split_at_row_mut(c);
                solve_unit_lower_triangular_in_place(
                    l.as_ref().submatrix(0, 0, c, c),
                    top.as_mut(),
                    Par::Seq,
                );
                matmul(
                    bottom,
                    Accum::Add,
                    l.as_ref().submatrix(c, 0, h - c, c),
                    top.as_ref(),
                    -T::one(),
                    Par::Seq,
                );
                Ok(to_ndarray(x.as_ref()))
            });
            u[k][j] = Some(updated.slice(s![..c, ..])?);
            cols[j] = updated.slice(s![c.., ..])?;
        }
        u[k][k] = Some(task("lu", [c, c], &[&panel], move |t| {
            let mut f = t[0].slice(s![..c, ..c]).to_owned();
            for r in 0..c {
                f.slice_mut(s![r, ..r]).fill(T::zero());
            }
            Ok(f)
        }));
        panels.push(panel);
    }
    // L's column block k: the panel's part below the diagonal with ones on it, its rows
    // reordered by each later panel's order as those were chosen.
    let mut l: Vec<Vec<Array<T>>> = (0..p).map(|_| Vec::with_capacity(p)).collect();
    for k in 0..p {
        let (h, c) = (n - r0[k], sizes[k]);
        let inputs: Vec<&Array<T>> = panels[k..].iter().collect();
        let offsets: Vec<usize> = r0[k..].iter().map(|r| r - r0[k]).collect();
        let column = task("lu", [h, c], &inputs, move |t| {
            let mut f = t[0].slice(s![.., ..c]).to_owned();
            for r in 0..c {
                f[[r, r]] = T::one();
                f.slice_mut(s![r, r + 1..]).fill(T::zero());
            }
            for (later, &at) in t[1..].iter().zip(&offsets[1..]) {
                let order = later.column(later.ncols() - 1);
                let rows = f.slice(s![at.., ..]).to_owned();
                for (i, &from) in order.iter().enumerate() {
                    f.row_mut(at + i).assign(&rows.row(row_of(from)));
                }
            }
            Ok(f)
        });
        for i in 0..p {
            l[i].push(if i < k {
                zeros(sizes[i], c)?
            } else {
                let at = r0[i] - r0[k];
                column.slice(s![at..at + sizes[i], ..])?
            });
        }
    }
    // π: each panel's order applied to the rows from its diagonal on.
    let inputs: Vec<&Array<T>> = panels.iter().collect();
    let pi = task("lu", [n, 1], &inputs, move |t| {
        let mut pi: Vec<usize> = (0..n).collect();
        for (panel, &at) in t.iter().zip(&r0) {
            let order = panel.column(panel.ncols() - 1);
            let before = pi[at..].to_vec();
            for (i, &from) in order.iter().enumerate() {
                pi[at + i] = before[row_of(from)];
            }
        }
        Ok(Array2::from_shape_fn((n, 1), |(i, _)| {
            <T as num_traits::NumCast>::from(pi[i]).expect("a row index is exact in T")
        }))
    });
    let u = (0..p)
        .map(|i| {
            (0..p)
                .map(|j| match u[i][j].take() {
                    Some(t) => Ok(t),
                    None => zeros(sizes[i], sizes[j]),
                })
                .collect()
        })
        .collect::<Result<_>>()?;
    Ok((pi, l, u))
}

/// A row index kept as a value of `T`.
fn row_of<T: LinalgElement>(v: T) -> usize {
    v.to_usize().expect("a row index")
}

/// The tiles of `P` for the forward permutation `π` (`P[π[i], i] = 1`, so `A = P L U`).
pub(super) fn permutation_tiles<T: LinalgElement>(pi: &Array<T>, sizes: &[usize]) -> Tiles<T> {
    let grid = edges(sizes);
    let r0 = grid.starts(0);
    (0..sizes.len())
        .map(|i| {
            (0..sizes.len())
                .map(|j| {
                    let (ri, rj, ci, cj) = (r0[i], r0[j], sizes[i], sizes[j]);
                    task("lu", [ci, cj], &[pi], move |t| {
                        let mut f = Array2::zeros((ci, cj));
                        for c in 0..cj {
                            let row = row_of(t[0][[rj + c, 0]]);
                            if (ri..ri + ci).contains(&row) {
                                f[[row - ri, c]] = T::one();
                            }
                        }
                        Ok(f)
                    })
                })
                .collect()
        })
        .collect()
}

/// The tiles of `Pᵀ b` (row `i` is row `π[i]` of `b`), `b` given in tiles over `sizes` rows.
pub(super) fn permute_rows<T: LinalgElement>(
    pi: &Array<T>,
    b: &Tiles<T>,
    sizes: &[usize],
) -> Tiles<T> {
    let grid = edges(sizes);
    let q = b.first().map_or(0, Vec::len);
    (0..sizes.len())
        .map(|i| {
            (0..q)
                .map(|j| {
                    let mut inputs = vec![pi];
                    inputs.extend(b.iter().map(|row| &row[j]));
                    let (at, c, grid) = (grid.starts(0)[i], sizes[i], grid.clone());
                    let k = b[0][j].shape()[1];
                    task("solve", [c, k], &inputs, move |t| {
                        let mut f = Array2::zeros((c, k));
                        for r in 0..c {
                            let from = row_of(t[0][[at + r, 0]]);
                            // The tile holding row `from`, and its row there.
                            let tile = grid.locate(0, from);
                            let row = from - grid.starts(0)[tile];
                            f.row_mut(r).assign(&t[1 + tile].row(row));
                        }
                        Ok(f)
                    })
                })
                .collect()
        })
        .collect()
}

/// `x` with `t x = b` for the triangular tiles `t` (its lower triangle if `lower`, else its
/// upper; the other is not read), `b` in tiles over the same rows. A zero on the diagonal is
/// the error of a singular matrix, named `op`.
pub(super) fn substitute<T: LinalgElement>(
    op: &'static str,
    t: &Tiles<T>,
    b: &Tiles<T>,
    lower: bool,
) -> Tiles<T> {
    let p = t.len();
    let q = b.first().map_or(0, Vec::len);
    let mut x: Vec<Vec<Option<Array<T>>>> = vec![vec![None; q]; p];
    let order: Vec<usize> = if lower {
        (0..p).collect()
    } else {
        (0..p).rev().collect()
    };
    for (done, &i) in order.iter().enumerate() {
        let before = &order[..done];
        for j in 0..q {
            // b[i][j], T[i][i], then T[i][m] and x[m][j] for the rows already solved.
            let mut inputs = vec![&b[i][j], &t[i][i]];
            inputs.extend(before.iter().map(|&m| &t[i][m]));
            inputs.extend(before.iter().filter_map(|&m| x[m][j].as_ref()));
            let shape = [b[i][j].shape()[0], b[i][j].shape()[1]];
            let m = before.len();
            let tile = task(op, shape, &inputs, move |v| {
                let mut s = mat(v[0]);
                for k in 0..m {
                    subtract_product(s.as_mut(), v[2 + k], v[2 + m + k], false);
                }
                let d = v[1];
                if (0..d.nrows()).any(|r| d[[r, r]] == T::zero()) {
                    return Err(Error::invalid(
                        op,
                        "a",
                        "a singular matrix",
                        "a nonsingular matrix",
                    ));
                }
                with_faer(d, |d: MatRef<'_, T>| {
                    if lower {
                        solve_lower_triangular_in_place(d, s.as_mut(), Par::Seq)
                    } else {
                        solve_upper_triangular_in_place(d, s.as_mut(), Par::Seq)
                    }
                });
                Ok(to_ndarray(s.as_ref()))
            });
            x[i][j] = Some(tile);
        }
    }
    x.into_iter()
        .map(|row| {
            row.into_iter()
                .map(|t| t.expect("every tile solved"))
                .collect()
        })
        .collect()
}
