//! The dense kernels one task runs on its blocks, through faer (each on one thread: the
//! parallelism is the tasks').

use faer::{Mat, MatRef};
use ndarray::{Array2, ArrayView2, s};

use super::LinalgElement;
use crate::error::{Error, Result};

/// `a` as a faer matrix: a view when its rows are contiguous, else a copy.
fn with_faer<T: LinalgElement, R>(a: ArrayView2<'_, T>, f: impl FnOnce(MatRef<'_, T>) -> R) -> R {
    let (m, n) = a.dim();
    match a.as_slice() {
        Some(rows) => f(MatRef::from_row_major_slice(rows, m, n)),
        None => {
            let copy = Mat::from_fn(m, n, |i, j| a[[i, j]]);
            f(copy.as_ref())
        }
    }
}

/// A faer matrix as an ndarray one.
fn to_ndarray<T: LinalgElement>(m: MatRef<'_, T>) -> Array2<T> {
    Array2::from_shape_fn((m.nrows(), m.ncols()), |(i, j)| m[(i, j)])
}

/// The thin QR of `a` (`m x n`, `m >= n`): `Q` (`m x n`) above `R` (`n x n`).
pub(super) fn qr_stacked<T: LinalgElement>(a: ArrayView2<'_, T>) -> Result<Array2<T>> {
    let (m, n) = a.dim();
    let qr = with_faer(a, |a| a.qr());
    let q = qr.compute_thin_Q();
    let r = qr.thin_R();
    let mut out = Array2::zeros((m + n, n));
    for j in 0..n {
        for i in 0..m {
            out[[i, j]] = q[(i, j)];
        }
        // R is upper triangular: its part below the diagonal stays 0.
        for i in 0..=j {
            out[[m + i, j]] = r[(i, j)];
        }
    }
    Ok(out)
}

/// The SVD of a square `r` (`n x n`): `U` (`n x n`), then the singular values as a row (falling),
/// then `Vᵀ` (`n x n`).
pub(super) fn svd_stacked<T: LinalgElement>(r: ArrayView2<'_, T>) -> Result<Array2<T>> {
    let n = r.nrows();
    let svd = with_faer(r, |r| r.thin_svd()).map_err(|e| {
        Error::invalid(
            "svd",
            "a",
            format!("a matrix whose SVD did not converge ({e:?})"),
            "finite values",
        )
    })?;
    let mut out = Array2::zeros((2 * n + 1, n));
    out.slice_mut(s![..n, ..]).assign(&to_ndarray(svd.U()));
    let sv = svd.S().column_vector();
    for j in 0..n {
        out[[n, j]] = sv[j];
    }
    out.slice_mut(s![n + 1.., ..])
        .assign(&to_ndarray(svd.V()).t());
    Ok(out)
}

/// numpy's least-squares solution of `R x = qtb` (`R` square, from the QR of `A`, `qtb` = `Qᵀ
/// b`): through the SVD of `R`, singular values below `cutoff` times the largest taken as
/// zero, so the minimum-norm solution when `R` is singular. Stacked in one matrix of
/// `max(n, k)` columns: `x` (`n x k`), the singular values as a row, the rank in the first cell
/// of the last row.
pub(super) fn min_norm_solve<T: LinalgElement>(
    r: ArrayView2<'_, T>,
    qtb: ArrayView2<'_, T>,
    cutoff: T,
) -> Result<Array2<T>> {
    let (n, k) = (r.nrows(), qtb.ncols());
    let usv = svd_stacked(r)?;
    let u = usv.slice(s![..n, ..]);
    let sv = usv.row(n);
    let vt = usv.slice(s![n + 1.., ..]);
    let largest = sv.iter().fold(T::zero(), |m, &v| m.max(v));
    let rank = sv.iter().filter(|&&v| v > cutoff * largest).count();
    // x = V_r diag(1 / s_r) U_rᵀ qtb, over the rank's leading singular triplets.
    let mut y = u.slice(s![.., ..rank]).t().dot(&qtb);
    for (i, mut row) in y.rows_mut().into_iter().enumerate() {
        row.mapv_inplace(|v| v / sv[i]);
    }
    let x = vt.slice(s![..rank, ..]).t().dot(&y);
    let mut out = Array2::zeros((n + 2, n.max(k)));
    out.slice_mut(s![..n, ..k]).assign(&x);
    out.slice_mut(s![n, ..n]).assign(&sv);
    out[[n + 1, 0]] = T::from(rank).expect("a rank is a number");
    Ok(out)
}

/// `a b`.
pub(super) fn matmul<T: LinalgElement>(a: ArrayView2<'_, T>, b: ArrayView2<'_, T>) -> Array2<T> {
    with_faer(a, |a| with_faer(b, |b| to_ndarray((a * b).as_ref())))
}
