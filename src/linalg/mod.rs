//! Linear algebra on chunked arrays, as numpy's and dask's `linalg`: factorisations of tall
//! matrices chunked along their rows, each block factorised in its own task by
//! [faer](https://docs.rs/faer) (pure Rust, no system BLAS or LAPACK), lazy like every other
//! operation.
//!
//! - [`qr`]: direct TSQR (Benson, Gleich and Demmel, "Direct QR factorizations for
//!   tall-and-skinny matrices in MapReduce architectures", IEEE BigData 2013): the QR of each
//!   row block, the QR of their stacked R factors (in a tree of at most [`TSQR_FAN_IN`] factors
//!   per node, level after level, as the reductions), then each block of Q as its own Q times
//!   its rows of the tree's Q. A short and wide matrix (one block of rows, fewer rows than
//!   columns) is factorised from its first square block instead.
//! - [`svd`]: TSQR, then the SVD of the small R.
//! - [`lstsq`]: least squares through TSQR (never the normal equations), numpy's minimum-norm
//!   solution for rank-deficient matrices.
//!
//! # Examples
//!
//! ```
//! use chunkwise::{Array, linalg};
//!
//! let a = Array::<f64>::random(&[10_000, 20], [1_000, 20], 1)?;
//! let (q, r) = linalg::qr(&a)?;
//! // Q R is A; Q's columns are orthonormal.
//! let qr = q.matmul(&r)?.compute()?;
//! let a = a.compute()?;
//! assert!(qr.iter().zip(a.iter()).all(|(x, y)| (x - y).abs() < 1e-12));
//! let qtq = q.transpose().matmul(&q)?.compute()?;
//! assert!((qtq[[3, 3]] - 1.0).abs() < 1e-12 && qtq[[3, 4]].abs() < 1e-12);
//! # Ok::<(), chunkwise::Error>(())
//! ```

mod blocked;
mod einsum;
mod kernels;
mod matrix;
mod norms;
mod solve;

pub use einsum::einsum;
pub use matrix::{diag, diagonal, eye, identity, outer, trace, tril, triu};
pub use norms::{NormOrd, corrcoef, cov, norm};
pub use solve::{cholesky, inv, lu, solve, solve_triangular};

use ndarray::{Array2, ArrayView2, Ix2};

use crate::array::Array;
use crate::chunks::Chunks;
use crate::error::{Error, Result};
use crate::expr::block::{Element, block_of, owned};
use crate::expr::blockwise::{Blockwise, Kernel};

/// How many R factors one node of the TSQR tree stacks and factorises (dask's `split_every`
/// for reductions is 4 per axis over 2 axes; a QR of 16 stacked `n x n` factors is cheap).
pub const TSQR_FAN_IN: usize = 16;

/// Element types of the factorisations: `f32` and `f64`.
///
/// # Examples
///
/// ```
/// fn factor<T: chunkwise::linalg::LinalgElement>(a: &chunkwise::Array<T>) {
///     let _ = chunkwise::linalg::qr(a);
/// }
/// factor(&chunkwise::Array::<f32>::zeros(&[8, 2], [4, 2]).unwrap());
/// ```
pub trait LinalgElement: Element + Copy + num_traits::Float + faer::traits::RealField {}

impl LinalgElement for f32 {}
impl LinalgElement for f64 {}

/// The QR factorisation of a matrix, as numpy's `np.linalg.qr(a)` (mode `reduced`): `Q`
/// (`m x k`, orthonormal columns) and `R` (`k x n`, upper triangular), `k = min(m, n)`, with
/// `Q R = A`. Signs may differ from numpy's, as they do between LAPACK builds.
///
/// A tall matrix (`m >= n`) is factorised by direct TSQR (see the [module](self)): `Q` comes
/// chunked along rows as `a` is, `R` in one block. A matrix chunked along its columns too is
/// first rechunked to whole rows; row blocks shorter than `n` are merged with their
/// neighbours. A short and wide one (`m < n`) must have its rows in one block: `Q` is the
/// factor of its first `m` columns and `R = Qᵀ A`.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for an array that is not 2-D, and for a short and wide one whose
/// rows are split between blocks.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, linalg};
/// let a = ndarray::array![[3.0f64, 1.0], [4.0, 2.0], [0.0, 5.0]];
/// let a = Array::from_ndarray(a.into_dyn(), [1, 2])?;
/// let (q, r) = linalg::qr(&a)?;
/// assert_eq!((q.shape(), r.shape()), (&[3, 2][..], &[2, 2][..]));
/// let r = r.compute()?;
/// assert!((r[[0, 0]].abs() - 5.0).abs() < 1e-12 && r[[1, 0]] == 0.0);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn qr<T: LinalgElement>(a: &Array<T>) -> Result<(Array<T>, Array<T>)> {
    let (m, n) = matrix_shape("qr", a)?;
    if n == 0 {
        // No columns: Q has none either, and R is empty.
        return Ok((
            Array::zeros(&[m, 0], [m.max(1), 1])?,
            Array::zeros(&[0, 0], [1, 1])?,
        ));
    }
    if m < n {
        return short_wide_qr(a, m);
    }
    tsqr(&whole_rows(a, n)?)
}

/// The singular value decomposition of a tall matrix (`m >= n`), as numpy's
/// `np.linalg.svd(a, full_matrices=False)`: `U` (`m x n`, orthonormal columns, chunked along
/// rows as `a` is), the singular values `S` (`n`, falling) and `Vᵀ` (`n x n`), with
/// `U diag(S) Vᵀ = A`. Through TSQR and the SVD of its `R`. Singular vectors may differ in
/// sign from numpy's (a pair `u_i`, `v_i` flips together).
///
/// # Errors
///
/// [`Error::InvalidParameter`] for an array that is not 2-D or not tall.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, linalg};
/// let a = Array::from_ndarray(ndarray::array![[2.0, 0.0], [0.0, 1.0], [0.0, 0.0]].into_dyn(), [2, 2])?;
/// let (u, s, vt) = linalg::svd(&a)?;
/// assert_eq!(s.compute()?, ndarray::array![2.0, 1.0].into_dyn());
/// assert_eq!((u.shape(), vt.shape()), (&[3, 2][..], &[2, 2][..]));
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn svd<T: LinalgElement>(a: &Array<T>) -> Result<(Array<T>, Array<T>, Array<T>)> {
    let (_, n) = tall_shape("svd", a)?;
    let (q, r) = qr(a)?;
    // One block: U_r (n x n), then S as a row, then Vᵀ (n x n).
    let parts = task("svd", [2 * n + 1, n], &[&r], |t| kernels::svd_stacked(t[0]));
    let u_r = parts.slice(ndarray::s![..n, ..])?;
    let s = parts.slice(ndarray::s![n, ..])?;
    let vt = parts.slice(ndarray::s![n + 1.., ..])?;
    let u = times_small("svd", &q, &u_r)?;
    Ok((u, s, vt))
}

/// The least-squares solution of `A x = b`, as numpy's `np.linalg.lstsq(a, b)` with its
/// default cutoff (singular values below `eps * max(m, n)` times the largest count as zero):
/// `(x, residuals, rank, singular values)`. `b` has `m` rows (a vector, or a matrix of
/// right-hand sides); `x` has `n`. Through TSQR and the SVD of `R`: the minimum-norm solution
/// when `A` is rank-deficient, as numpy's. `residuals` are the squared norms of `b - A x` per
/// right-hand side (as dask's, also when numpy would give none: a rank-deficient or square
/// `A`); `rank` is a 0-d array.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for an `a` that is not 2-D or not tall, and for a `b` of another
/// number of rows or more than 2 axes.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, linalg};
/// // y = 2 + 3 t, fitted from exact points.
/// let t: Vec<f64> = (0..100).map(|i| i as f64 / 10.0).collect();
/// let a = ndarray::Array2::from_shape_fn((100, 2), |(i, j)| if j == 0 { 1.0 } else { t[i] });
/// let b = ndarray::Array1::from_iter(t.iter().map(|t| 2.0 + 3.0 * t));
/// let a = Array::from_ndarray(a.into_dyn(), [25, 2])?;
/// let b = Array::from_ndarray(b.into_dyn(), [25])?;
/// let (x, residuals, rank, _s) = linalg::lstsq(&a, &b)?;
/// let x = x.compute()?;
/// assert!((x[[0]] - 2.0).abs() < 1e-12 && (x[[1]] - 3.0).abs() < 1e-12);
/// assert!(residuals.compute()?[[0]] < 1e-20); // one right-hand side
/// assert_eq!(rank.compute_scalar()?, 2);
/// # Ok::<(), chunkwise::Error>(())
/// ```
#[allow(clippy::type_complexity)]
pub fn lstsq<T: LinalgElement>(
    a: &Array<T>,
    b: &Array<T>,
) -> Result<(Array<T>, Array<T>, Array<usize>, Array<T>)> {
    let (m, n) = tall_shape("lstsq", a)?;
    let vector = b.ndim() == 1;
    if b.ndim() > 2 || b.ndim() == 0 || b.shape()[0] != m {
        return Err(Error::invalid(
            "lstsq",
            "b",
            format!("shape {:?}", b.shape()),
            "a vector or a matrix with as many rows as a",
        ));
    }
    let b2 = if vector {
        b.reshape(&[m, 1])?
    } else {
        b.clone()
    };
    let k = b2.shape()[1];
    if n == 0 {
        // No unknowns: nothing is fitted, every residual is b's own.
        let (x_shape, x_chunks) = if vector {
            (vec![0], vec![1])
        } else {
            (vec![0, k], vec![1, k.max(1)])
        };
        let x = Array::zeros(&x_shape, x_chunks)?;
        let residuals = b2.map(|v| v * v).sum_axis(0)?;
        let residuals = if vector {
            residuals.reshape(&[1])?
        } else {
            residuals
        };
        let rank = Array::zeros(&[], Vec::<usize>::new())?;
        return Ok((x, residuals, rank, Array::zeros(&[0], [1])?));
    }
    // Whole rows once, for the QR and for the fitted values.
    let a = whole_rows(a, n)?;
    let (q, r) = qr(&a)?;
    let qtb = t_times(&q, &b2)?.rechunk([n, k.max(1)])?;
    let cutoff = T::epsilon() * T::from(m.max(n)).expect("a size is a number");
    // One block: x (n x k), then the singular values as a row, then the rank in its first cell.
    let solved = task("lstsq", [n + 2, n.max(k)], &[&r, &qtb], move |t| {
        kernels::min_norm_solve(t[0], t[1], cutoff)
    });
    let mut x = solved.slice(ndarray::s![..n, ..k])?;
    let s = solved.slice(ndarray::s![n, ..n])?;
    let rank = solved
        .slice(ndarray::s![n + 1, 0])?
        .map(|v| v.to_usize().expect("a rank is a count"));
    let fitted = times_small("lstsq", &a, &x)?;
    let mut residuals = (&b2 - &fitted).map(|v| v * v).sum_axis(0)?;
    if vector {
        x = x.reshape(&[n])?;
        residuals = residuals.reshape(&[1])?;
    }
    Ok((x, residuals, rank, s))
}

/// `a`'s shape as a matrix, or an error naming `op`.
fn matrix_shape<T: Element>(op: &'static str, a: &Array<T>) -> Result<(usize, usize)> {
    match *a.shape() {
        [m, n] => Ok((m, n)),
        _ => Err(Error::invalid(
            op,
            "a",
            format!("an array of shape {:?}", a.shape()),
            "a matrix (2-D)",
        )),
    }
}

/// `a`'s shape as a tall matrix (at least as many rows as columns), or an error naming `op`.
fn tall_shape<T: Element>(op: &'static str, a: &Array<T>) -> Result<(usize, usize)> {
    let (m, n) = matrix_shape(op, a)?;
    if m < n {
        return Err(Error::invalid(
            op,
            "a",
            format!("a {m} x {n} matrix"),
            "a tall matrix (at least as many rows as columns; take its transpose)",
        ));
    }
    Ok((m, n))
}

/// `a` with whole rows in each block, and each block at least `n` rows (merged with the blocks
/// after it, the last short run with the one before).
fn whole_rows<T: LinalgElement>(a: &Array<T>, n: usize) -> Result<Array<T>> {
    let mut rows: Vec<usize> = Vec::new();
    let mut run = 0;
    for &r in &a.chunks()[0] {
        run += r;
        if run >= n.max(1) {
            rows.push(run);
            run = 0;
        }
    }
    match rows.last_mut() {
        Some(last) => *last += run,
        None => rows.push(run),
    }
    if rows == a.chunks()[0] && a.chunks()[1].len() <= 1 {
        return Ok(a.clone());
    }
    a.rechunk(vec![rows, vec![n]])
}

/// TSQR of `a`, whose blocks hold whole rows, at least `n` of them each.
fn tsqr<T: LinalgElement>(a: &Array<T>) -> Result<(Array<T>, Array<T>)> {
    let n = a.shape()[1];
    let rows = a.chunks()[0].clone();
    if rows.len() == 1 {
        let m = rows[0];
        let stacked = task("qr", [m + n, n], &[a], |t| kernels::qr_stacked(t[0]));
        let q = stacked.slice(ndarray::s![..m, ..])?;
        let r = stacked.slice(ndarray::s![m.., ..])?;
        return Ok((q, r));
    }
    // Each block's QR in factored form (see `kernels::qr_factored`).
    let factored_rows: Vec<usize> = rows
        .iter()
        .map(|&m| 1 + n + kernels::factored_block_size::<T>(m, n) + m)
        .collect();
    let factored = map_each(
        "qr",
        a,
        vec![factored_rows, vec![n]],
        Box::new(kernels::qr_factored),
    )?;
    // The blocks' R factors, stacked in groups of at most TSQR_FAN_IN, factorised in turn.
    let p = rows.len();
    let r_of_each = map_each(
        "qr_r",
        &factored,
        vec![vec![n; p], vec![n]],
        Box::new(|f| Ok(kernels::factored_r(f))),
    )?;
    let groups: Vec<usize> = (0..p)
        .step_by(TSQR_FAN_IN)
        .map(|g| n * TSQR_FAN_IN.min(p - g))
        .collect();
    let (q_tree, r) = tsqr(&r_of_each.rechunk(vec![groups, vec![n]])?)?;
    // Each block's Q applied to its rows of the tree's Q.
    let q_rows = q_tree.rechunk(vec![vec![n; p], vec![n]])?;
    let q = map_pairs(
        "qr_q",
        &factored,
        &q_rows,
        vec![rows, vec![n]],
        Box::new(|f, q2| Ok(kernels::apply_q(f, q2))),
    )?;
    Ok((q, r))
}

/// QR of a short and wide matrix whose rows are one block: `Q` from its first `m` columns,
/// `R = Qᵀ A`.
fn short_wide_qr<T: LinalgElement>(a: &Array<T>, m: usize) -> Result<(Array<T>, Array<T>)> {
    if a.chunks()[0].len() > 1 {
        return Err(Error::invalid(
            "qr",
            "a",
            format!("row blocks {:?} of a short and wide matrix", a.chunks()[0]),
            "a short and wide matrix with its rows in one block (rechunk its rows whole)",
        ));
    }
    let first = a.slice(ndarray::s![.., ..m])?.rechunk([m, m])?;
    let stacked = task("qr", [2 * m, m], &[&first], |t| kernels::qr_stacked(t[0]));
    let q = stacked.slice(ndarray::s![..m, ..])?;
    let r = q.transpose().matmul(a)?;
    Ok((q, r))
}

/// A block kernel on matrices.
type Kernel1<T> = Box<dyn Fn(ArrayView2<'_, T>) -> Result<Array2<T>> + Send + Sync>;
/// A block kernel on pairs of matrices.
type Kernel2<T> =
    Box<dyn Fn(ArrayView2<'_, T>, ArrayView2<'_, T>) -> Result<Array2<T>> + Send + Sync>;

/// Block `b` of input `k` among `inputs`, as a matrix.
fn matrix<T: Element>(inputs: &[crate::scheduler::Value], k: usize) -> ArrayView2<'_, T> {
    block_of::<T>(&inputs[k])
        .view()
        .into_dimensionality::<Ix2>()
        .expect("linalg blocks are matrices")
}

/// An array of `chunks` (`a`'s grid of blocks) whose block `i` is `f` of `a`'s block `i`.
fn map_each<T: LinalgElement>(
    op: &'static str,
    a: &Array<T>,
    sizes: Vec<Vec<usize>>,
    f: Kernel1<T>,
) -> Result<Array<T>> {
    let shape: Vec<usize> = sizes.iter().map(|s| s.iter().sum()).collect();
    let chunks = Chunks::new(&shape, sizes)?;
    let kernel: Kernel = Box::new(move |_, _, inputs| Ok(owned(f(matrix(inputs, 0))?.into_dyn())));
    Ok(blockwise(op, chunks, vec![a], kernel))
}

/// One task: the one-block `rows x cols` array `f` makes from the one-block arrays `inputs`.
pub(super) fn task<T: LinalgElement>(
    op: &'static str,
    [rows, cols]: [usize; 2],
    inputs: &[&Array<T>],
    f: impl Fn(&[ArrayView2<'_, T>]) -> Result<Array2<T>> + Send + Sync + 'static,
) -> Array<T> {
    let chunks = Chunks::new(&[rows, cols], vec![vec![rows], vec![cols]])
        .expect("one block covers its shape");
    let kernel: Kernel = Box::new(move |_, _, inputs| {
        let views: Vec<ArrayView2<'_, T>> = (0..inputs.len()).map(|k| matrix(inputs, k)).collect();
        Ok(owned(f(&views)?.into_dyn()))
    });
    blockwise(op, chunks, inputs.to_vec(), kernel)
}

/// An array of `sizes` (the grid of `a` and `b`) whose block `i` is `f` of their blocks `i`.
fn map_pairs<T: LinalgElement>(
    op: &'static str,
    a: &Array<T>,
    b: &Array<T>,
    sizes: Vec<Vec<usize>>,
    f: Kernel2<T>,
) -> Result<Array<T>> {
    let shape: Vec<usize> = sizes.iter().map(|s| s.iter().sum()).collect();
    let chunks = Chunks::new(&shape, sizes)?;
    let kernel: Kernel = Box::new(move |_, _, inputs| {
        Ok(owned(f(matrix(inputs, 0), matrix(inputs, 1))?.into_dyn()))
    });
    Ok(blockwise(op, chunks, vec![a, b], kernel))
}

/// `x` (chunked along rows, whole columns) times the one-block matrix `small`.
fn times_small<T: LinalgElement>(
    op: &'static str,
    x: &Array<T>,
    small: &Array<T>,
) -> Result<Array<T>> {
    let small = small.rechunk(small.shape().to_vec())?;
    let sizes = vec![x.chunks()[0].clone(), vec![small.shape()[1]]];
    let shape = [x.shape()[0], small.shape()[1]];
    let kernel: Kernel = Box::new(move |_, _, inputs| {
        let product = kernels::matmul(matrix::<T>(inputs, 0), matrix::<T>(inputs, 1));
        Ok(owned(product.into_dyn()))
    });
    Ok(blockwise(
        op,
        Chunks::new(&shape, sizes)?,
        vec![x, &small],
        kernel,
    ))
}

/// `aᵀ b` for `a` (`m x n`) and `b` (`m x k`) cut into the same row blocks, whole columns each:
/// each pair of blocks multiplied by faer into an `n x k` partial, the partials summed by a
/// tree reduction.
fn t_times<T: LinalgElement>(a: &Array<T>, b: &Array<T>) -> Result<Array<T>> {
    let (n, k) = (a.shape()[1], b.shape()[1]);
    let rows = a.chunks()[0].clone();
    let a = a.rechunk(vec![rows.clone(), vec![n.max(1)]])?;
    let b = b.rechunk(vec![rows.clone(), vec![k.max(1)]])?;
    let p = rows.len();
    let chunks = Chunks::new(&[p, n, k], vec![vec![1; p], vec![n], vec![k]])?;
    let kernel: Kernel = Box::new(move |_, _, inputs| {
        let product = kernels::matmul(matrix::<T>(inputs, 0).t(), matrix::<T>(inputs, 1));
        Ok(owned(product.insert_axis(ndarray::Axis(0)).into_dyn()))
    });
    let axes = vec![vec![Some(0), None], vec![Some(0), None]];
    let partials = Array::<T>::from_node(Blockwise::new::<T>(
        "t_times",
        chunks,
        vec![a.node().clone(), b.node().clone()],
        axes,
        kernel,
        false,
    ));
    partials.sum_axis(0)
}

/// A node of `chunks` whose block `i` the kernel makes from block `i` of each input (an input
/// of one block is read whole for every block).
fn blockwise<T: Element>(
    op: &'static str,
    chunks: Chunks,
    inputs: Vec<&Array<T>>,
    kernel: Kernel,
) -> Array<T> {
    let axes = inputs
        .iter()
        .map(|a| {
            if a.num_blocks() == 1 && chunks.num_blocks() != 1 {
                vec![None; a.ndim()]
            } else {
                (0..a.ndim()).map(Some).collect()
            }
        })
        .collect();
    let nodes = inputs.iter().map(|a| a.node().clone()).collect();
    Array::from_node(Blockwise::new::<T>(op, chunks, nodes, axes, kernel, false))
}

/// The leading `k` singular triplets of `a` by randomized range finding, as dask's
/// `svd_compressed(a, k, n_power_iter, seed)` (Halko, Martinsson and Tropp, "Finding structure
/// with randomness", SIAM Review 53(2), 2011, algorithms 4.4 and 5.1): `Y = A Ω` for a
/// Gaussian `Ω` of `k + 10` columns (oversampling), `n_power_iter` rounds of `Y = A (Aᵀ Y)`
/// each re-orthonormalised by TSQR (their algorithm 4.4, the stable form of power
/// iteration), `Q` from the QR of `Y`, then the SVD of the small `B = Qᵀ A`:
/// `U = Q U_B`. `U` is `m x k` chunked along rows as `a` is, `S` has `k` values (falling),
/// `Vᵀ` is `k x n`. `Ω` depends only on the seed, so another chunking of `a` gives the same
/// result to rounding.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for an `a` that is not 2-D, and for `k` of 0 or above
/// `min(m, n)`.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, linalg};
/// // A matrix of rank 3 plus nothing: the top 3 singular values are found exactly.
/// let u = ndarray::Array2::from_shape_fn((500, 3), |(i, j)| ((i * (j + 1)) % 7) as f64 - 3.0);
/// let v = ndarray::Array2::from_shape_fn((3, 40), |(i, j)| ((i + 2 * j) % 5) as f64 - 2.0);
/// let a = Array::from_ndarray(u.dot(&v).into_dyn(), [100, 40])?;
/// let (_, s, _) = linalg::svd_compressed(&a, 3, 1, 0)?;
/// let (_, exact, _) = linalg::svd(&a)?;
/// let (s, exact) = (s.compute()?, exact.compute()?);
/// assert!((0..3).all(|i| (s[[i]] - exact[[i]]).abs() < 1e-9 * exact[[0]]));
/// # Ok::<(), chunkwise::Error>(())
/// ```
#[allow(clippy::type_complexity)]
pub fn svd_compressed<T: LinalgElement>(
    a: &Array<T>,
    k: usize,
    n_power_iter: usize,
    seed: u64,
) -> Result<(Array<T>, Array<T>, Array<T>)> {
    let (m, n) = matrix_shape("svd_compressed", a)?;
    if k == 0 || k > m.min(n) {
        return Err(Error::invalid(
            "svd_compressed",
            "k",
            k,
            "a rank between 1 and the smaller side of a",
        ));
    }
    let l = (k + 10).min(m.min(n));
    // Whole rows in each block, as TSQR wants; Ω in one block.
    let a = whole_rows(a, l)?;
    let omega = crate::random::default_rng(seed)
        .standard_normal(&[n, l], [n, l])?
        .map(|v| T::from(v).expect("a normal value is a number"));
    let mut y = times_small("svd_compressed", &a, &omega)?;
    for _ in 0..n_power_iter {
        let (q, _) = qr(&y)?;
        let z = t_times(&a, &q)?;
        let (qz, _) = qr(&z)?;
        y = times_small("svd_compressed", &a, &qz)?;
    }
    let (q, _) = qr(&y)?;
    // B = Qᵀ A is l x n: its SVD through its transpose (n x l, tall).
    let bt = t_times(&a, &q)?;
    let (v_b, s, ut_b) = svd(&bt)?;
    let u = times_small(
        "svd_compressed",
        &q,
        &ut_b.transpose().slice(ndarray::s![.., ..k])?,
    )?;
    let s = s.slice(ndarray::s![..k])?;
    let vt = v_b.slice(ndarray::s![.., ..k])?.transpose();
    Ok((u, s, vt))
}
