//! The dense kernels one task runs on its blocks, through faer (each on one thread: the
//! parallelism is the tasks').

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::householder::{
    apply_block_householder_sequence_on_the_left_in_place_scratch,
    apply_block_householder_sequence_on_the_left_in_place_with_conj,
};
use faer::linalg::qr::no_pivoting::factor::{
    qr_in_place, qr_in_place_scratch, recommended_block_size,
};
use faer::{Mat, MatRef};
use ndarray::{Array2, ArrayView2, ShapeBuilder, s};

use super::LinalgElement;
use crate::error::{Error, Result};

/// `a` as a faer matrix: a view when its rows or its columns are contiguous, else a copy.
pub(super) fn with_faer<T: LinalgElement, R>(
    a: ArrayView2<'_, T>,
    f: impl FnOnce(MatRef<'_, T>) -> R,
) -> R {
    let (m, n) = a.dim();
    if let Some(rows) = a.as_slice() {
        return f(MatRef::from_row_major_slice(rows, m, n));
    }
    if let Some(columns) = a.t().as_slice() {
        return f(MatRef::from_column_major_slice(columns, m, n));
    }
    let copy = Mat::from_fn(m, n, |i, j| a[[i, j]]);
    f(copy.as_ref())
}

/// A faer matrix as an ndarray one.
pub(super) fn to_ndarray<T: LinalgElement>(m: MatRef<'_, T>) -> Array2<T> {
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

/// The QR of `a` (`m x n`, `m >= n`) in factored form, stacked in one column-major matrix of
/// `n` columns: a header row (its first cell the number `bs` of block-coefficient rows), `R`
/// (`n x n`), the Householder basis's block coefficients (`bs x n`), then the basis itself
/// (`m x n`, unit lower trapezoidal). `Q` is never formed: [`apply_q`] applies it.
pub(super) fn qr_factored<T: LinalgElement>(a: ArrayView2<'_, T>) -> Result<Array2<T>> {
    let (m, n) = a.dim();
    let bs = factored_block_size::<T>(m, n);
    let mut qr = with_faer(a, |a| a.to_owned());
    let mut coeff = Mat::<T>::zeros(bs, n);
    let par = faer::Par::Seq;
    let scratch = qr_in_place_scratch::<T>(m, n, bs, par, Default::default());
    qr_in_place(
        qr.as_mut(),
        coeff.as_mut(),
        par,
        MemStack::new(&mut MemBuffer::new(scratch)),
        Default::default(),
    );
    let (r0, c0, b0) = (1, 1 + n, 1 + n + bs);
    let mut out = Array2::<T>::zeros((b0 + m, n).f());
    out[[0, 0]] = T::from(bs).expect("a block size is a number");
    for (j, mut column) in out.columns_mut().into_iter().enumerate() {
        let column = column.as_slice_mut().expect("a column-major block");
        let qr_j = qr.col_as_slice(j);
        column[r0..=r0 + j].copy_from_slice(&qr_j[..=j]);
        column[c0..c0 + bs].copy_from_slice(coeff.col_as_slice(j));
        // The basis: unit diagonal, zeros above it, the Householder vectors below.
        column[b0 + j] = T::one();
        column[b0 + j + 1..].copy_from_slice(&qr_j[j + 1..]);
    }
    Ok(out)
}

/// The `R` of a block factored by [`qr_factored`].
pub(super) fn factored_r<T: LinalgElement>(factored: ArrayView2<'_, T>) -> Array2<T> {
    let n = factored.ncols();
    factored.slice(s![1..1 + n, ..]).to_owned()
}

/// The rows of block coefficients that [`qr_factored`] stores for an `m x n` block.
pub(super) fn factored_block_size<T: LinalgElement>(m: usize, n: usize) -> usize {
    recommended_block_size::<T>(m, n)
}

/// `Q x` for the `Q` (`m x n`) of a block factored by [`qr_factored`] and `x` (`n x k`): `Q`
/// applied to `x` over `m - n` rows of zeros.
pub(super) fn apply_q<T: LinalgElement>(
    factored: ArrayView2<'_, T>,
    x: ArrayView2<'_, T>,
) -> Array2<T> {
    let (n, k) = x.dim();
    let bs = factored[[0, 0]]
        .to_usize()
        .expect("the header holds the block size");
    let b0 = 1 + n + bs;
    let m = factored.nrows() - b0;
    let mut rhs = Mat::<T>::zeros(m, k);
    for j in 0..k {
        for i in 0..n {
            rhs[(i, j)] = x[[i, j]];
        }
    }
    let par = faer::Par::Seq;
    let scratch = apply_block_householder_sequence_on_the_left_in_place_scratch::<T>(m, bs, k);
    // Column-major as `qr_factored` made it; a copy if it came another way (from another rank,
    // say).
    let copy;
    let whole = match factored.t().to_slice() {
        Some(whole) => whole,
        None => {
            copy = factored.t().as_standard_layout().into_owned();
            copy.as_slice().expect("a standard-layout copy")
        }
    };
    let ld = factored.nrows();
    // Rows `r0..r0 + rows` of the column-major block, viewed in place.
    let rows = |r0: usize, rows: usize| {
        let len = (n - 1) * ld + rows;
        MatRef::from_column_major_slice_with_stride(&whole[r0..r0 + len], rows, n, ld)
    };
    apply_block_householder_sequence_on_the_left_in_place_with_conj(
        rows(b0, m),
        rows(1 + n, bs),
        faer::Conj::No,
        rhs.as_mut(),
        par,
        MemStack::new(&mut MemBuffer::new(scratch)),
    );
    // Row-major, as results are: transposed a tile of rows at a time, so that both sides stay
    // in cache (a column-major block copied into a row-major result row by row reads each
    // cache line once per row).
    const TILE: usize = 64;
    let mut out = vec![T::zero(); m * k];
    for start in (0..m).step_by(TILE) {
        let end = (start + TILE).min(m);
        for j in 0..k {
            let column = &rhs.col_as_slice(j)[start..end];
            for (i, &v) in (start..end).zip(column) {
                out[i * k + j] = v;
            }
        }
    }
    Array2::from_shape_vec((m, k), out).expect("m x k values")
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
