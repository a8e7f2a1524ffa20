//! Matrix building blocks, as numpy's: `eye`, `identity`, `tril`, `triu`, `diagonal`, `diag`,
//! `trace`, `outer`. Each lazy, block by block: a diagonal reads only the blocks it crosses.

use ndarray::{ArrayD, Dimension as _, IxDyn};
use num_traits::{One, Zero};

use crate::array::Array;
use crate::chunks::{Chunks, IntoChunks};
use crate::error::{Error, Result};
use crate::expr::block::{Element, block_of, owned};
use crate::expr::blockwise::{Blockwise, Kernel};

/// The `n x m` matrix (`m` defaults to `n`) with ones on diagonal `k` (0 the main one, above
/// it positive, below negative) and zeros elsewhere, as numpy's `eye(n, m, k)`.
///
/// # Errors
///
/// When `chunks` does not fit `[n, m]`.
///
/// # Examples
///
/// ```
/// let e = chunkwise::linalg::eye::<f64>(3, Some(4), 1, [2, 2])?.compute()?;
/// assert_eq!(e, ndarray::array![[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn eye<T: Element + Zero + One>(
    n: usize,
    m: Option<usize>,
    k: isize,
    chunks: impl IntoChunks,
) -> Result<Array<T>> {
    Array::from_fn(&[n, m.unwrap_or(n)], chunks, move |idx| {
        if idx[1] as isize - idx[0] as isize == k {
            T::one()
        } else {
            T::zero()
        }
    })
}

/// The `n x n` identity matrix, as numpy's `identity(n)`.
///
/// # Errors
///
/// When `chunks` does not fit `[n, n]`.
///
/// # Examples
///
/// ```
/// let i = chunkwise::linalg::identity::<f32>(5, [2, 2])?;
/// assert_eq!(i.compute()?, ndarray::Array2::<f32>::eye(5).into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn identity<T: Element + Zero + One>(n: usize, chunks: impl IntoChunks) -> Result<Array<T>> {
    eye(n, None, 0, chunks)
}

/// `a` with the elements above diagonal `k` of its last two axes zeroed, as numpy's `tril`.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for an array of fewer than two axes.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, linalg};
/// let a = Array::<i32>::ones(&[3, 3], [2, 2])?;
/// assert_eq!(linalg::tril(&a, 0)?.compute()?, ndarray::array![[1, 0, 0], [1, 1, 0], [1, 1, 1]].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn tril<T: Element + Zero>(a: &Array<T>, k: isize) -> Result<Array<T>> {
    triangle("tril", a, move |i, j| j as isize - i as isize <= k)
}

/// `a` with the elements below diagonal `k` of its last two axes zeroed, as numpy's `triu`.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for an array of fewer than two axes.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, linalg};
/// let a = Array::<i32>::ones(&[2, 3], [1, 2])?;
/// assert_eq!(linalg::triu(&a, 1)?.compute()?, ndarray::array![[0, 1, 1], [0, 0, 1]].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn triu<T: Element + Zero>(a: &Array<T>, k: isize) -> Result<Array<T>> {
    triangle("triu", a, move |i, j| j as isize - i as isize >= k)
}

/// `a` where `keep(row, column)` holds over its last two axes, zero elsewhere.
fn triangle<T: Element + Zero>(
    op: &'static str,
    a: &Array<T>,
    keep: impl Fn(usize, usize) -> bool + Send + Sync + 'static,
) -> Result<Array<T>> {
    let nd = a.ndim();
    if nd < 2 {
        return Err(two_axes(op, a));
    }
    let layout = a.chunk_layout();
    let starts = [
        layout.starts(nd - 2).to_vec(),
        layout.starts(nd - 1).to_vec(),
    ];
    Ok(a.map_blocks_indexed(move |idx, block| {
        let (r0, c0) = (starts[0][idx[nd - 2]], starts[1][idx[nd - 1]]);
        let mut out = block.to_owned();
        for (at, v) in out.indexed_iter_mut() {
            if !keep(r0 + at[nd - 2], c0 + at[nd - 1]) {
                *v = T::zero();
            }
        }
        out
    }))
}

/// The error for an array with fewer than two axes.
fn two_axes<T: Element>(op: &'static str, a: &Array<T>) -> Error {
    Error::invalid(
        op,
        "a",
        format!("an array of shape {:?}", a.shape()),
        "an array of at least two axes",
    )
}

/// Diagonal `offset` of `a` over `axis1` and `axis2` (above the main one positive), as the last
/// axis of the result, the other axes first in their order, as numpy's `diagonal`. Each block
/// of the result reads the one block of `a` (cut to match) that its part of the diagonal
/// crosses.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for equal axes, and [`Error::AxisOutOfRange`] for an axis `a`
/// does not have.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, linalg};
/// let a = Array::from_ndarray(ndarray::Array::from_iter(0..12).into_shape_with_order((3, 4)).unwrap().into_dyn(), [2, 3])?;
/// assert_eq!(linalg::diagonal(&a, 1, 0, 1)?.compute()?, ndarray::array![1, 6, 11].into_dyn());
/// assert_eq!(linalg::diagonal(&a, -1, 0, 1)?.compute()?, ndarray::array![4, 9].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn diagonal<T: Element>(
    a: &Array<T>,
    offset: isize,
    axis1: usize,
    axis2: usize,
) -> Result<Array<T>> {
    let op = "diagonal";
    let nd = a.ndim();
    for axis in [axis1, axis2] {
        if axis >= nd {
            return Err(Error::AxisOutOfRange { op, axis, ndim: nd });
        }
    }
    if axis1 == axis2 {
        return Err(Error::invalid(
            op,
            "axis2",
            axis2,
            "an axis other than axis1",
        ));
    }
    // The two axes last, then the square part the diagonal runs through.
    let mut order: Vec<usize> = (0..nd).filter(|&k| k != axis1 && k != axis2).collect();
    order.extend([axis1, axis2]);
    let a = a.permuted_axes(&order)?;
    let (rows, cols) = (a.shape()[nd - 2] as isize, a.shape()[nd - 1] as isize);
    let (r0, c0) = ((-offset).max(0), offset.max(0));
    let len = (rows - r0).min(cols - c0).max(0) as usize;
    let (r0, c0) = (r0.min(rows) as usize, c0.min(cols) as usize);
    let mut info: Vec<ndarray::SliceInfoElem> = vec![(..).into(); nd - 2];
    info.push((r0..r0 + len).into());
    info.push((c0..c0 + len).into());
    let square = a.slice(info.as_slice())?;
    let lead = &square.chunks()[..nd - 2];
    let diag_sizes = square.chunks()[nd - 2].clone();
    let mut sizes: Vec<Vec<usize>> = lead.to_vec();
    sizes.extend([diag_sizes.clone(), diag_sizes]);
    let square = square.rechunk(sizes.clone())?;
    let out_sizes: Vec<Vec<usize>> = sizes[..nd - 1].to_vec();
    let shape: Vec<usize> = out_sizes.iter().map(|s| s.iter().sum()).collect();
    let chunks = Chunks::new(&shape, out_sizes)?;
    let kernel: Kernel = Box::new(move |_, shape: &IxDyn, inputs| {
        let block = block_of::<T>(&inputs[0]).view();
        let out = ArrayD::from_shape_fn(shape.clone(), |idx| {
            let mut at: Vec<usize> = idx.slice().to_vec();
            at.push(at[nd - 2]);
            block[at.as_slice()].clone()
        });
        Ok(owned(out))
    });
    // Block i of the diagonal reads the input block (.., i, i).
    let mut axes: Vec<Option<usize>> = (0..nd - 1).map(Some).collect();
    axes.push(Some(nd - 2));
    Ok(Array::from_node(Blockwise::new::<T>(
        op,
        chunks,
        vec![square.node().clone()],
        vec![axes],
        kernel,
        false,
    )))
}

/// The sum along diagonal `offset` of the first two axes, as numpy's `trace` (a 0-d array for
/// a matrix).
///
/// # Errors
///
/// [`Error::InvalidParameter`] for an array of fewer than two axes.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, linalg};
/// let a = Array::from_ndarray(ndarray::array![[1.0, 2.0], [3.0, 4.0]].into_dyn(), [1, 1])?;
/// assert_eq!(linalg::trace(&a, 0)?.compute_scalar()?, 5.0);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn trace<T: Element + Zero + Copy>(a: &Array<T>, offset: isize) -> Result<Array<T>> {
    if a.ndim() < 2 {
        return Err(two_axes("trace", a));
    }
    let d = diagonal(a, offset, 0, 1)?;
    d.sum_axis(d.ndim() - 1)
}

/// A matrix from its diagonal, or a diagonal from its matrix, as numpy's `diag`: for a 1-D `v`
/// of length `n`, the `n + |k|` square matrix with `v` on diagonal `k` (chunked along both axes
/// as `v`, with one more block of `|k|`); for a 2-D `v`, its diagonal `k` ([`diagonal`]).
///
/// # Errors
///
/// [`Error::InvalidParameter`] for an array of other than one or two axes.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, linalg};
/// let v = Array::from_ndarray(ndarray::array![1, 2].into_dyn(), [1])?;
/// let m = linalg::diag(&v, 1)?.compute()?;
/// assert_eq!(m, ndarray::array![[0, 1, 0], [0, 0, 2], [0, 0, 0]].into_dyn());
/// assert_eq!(linalg::diag(&Array::from_ndarray(m, [2, 2])?, 1)?.compute()?, ndarray::array![1, 2].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn diag<T: Element + Zero>(v: &Array<T>, k: isize) -> Result<Array<T>> {
    match v.ndim() {
        2 => return diagonal(v, k, 0, 1),
        1 => {}
        _ => {
            return Err(Error::invalid(
                "diag",
                "v",
                format!("an array of shape {:?}", v.shape()),
                "a 1-D or 2-D array",
            ));
        }
    }
    if k < 0 {
        return Ok(diag(v, -k)?.transpose());
    }
    let k = k as usize;
    let sizes = v.chunks()[0].clone();
    let n: usize = sizes.iter().sum();
    // Rows: v's blocks, then k more; columns: k, then v's blocks. The diagonal runs through
    // blocks (i, i + 1) (or (i, i) when k is 0).
    let (mut rows, mut cols) = (sizes.clone(), sizes.clone());
    let shift = usize::from(k > 0);
    if k > 0 {
        rows.push(k);
        cols.insert(0, k);
    }
    if n == 0 {
        return Array::zeros(&[k, k], [k.max(1), k.max(1)]);
    }
    let chunks = Chunks::new(&[n + k, n + k], vec![rows.clone(), cols])?;
    let grid = chunks.clone();
    let p = sizes.len();
    let kernel: Kernel = Box::new(move |block, shape: &IxDyn, inputs| {
        let at = grid.grid_index(block);
        let (i, j) = (at[0], at[1]);
        let mut out = ArrayD::from_elem(shape.clone(), T::zero());
        if i < p && j == i + shift {
            let v = block_of::<T>(&inputs[0]).view();
            for (d, x) in v.iter().enumerate() {
                out[[d, d]] = x.clone();
            }
        }
        Ok(owned(out))
    });
    // Block (i, j) reads v's block i, or its last for the extra row of blocks.
    let v_last = v.rechunk(vec![sizes])?;
    let padded = if k > 0 {
        crate::array::concatenate(0, [&v_last, &Array::zeros(&[k], [k])?])?
    } else {
        v_last
    };
    // One block of v (or of the zeros after it) per row of blocks.
    let padded = padded.rechunk(vec![rows])?;
    Ok(Array::from_node(Blockwise::new::<T>(
        "diag",
        chunks,
        vec![padded.node().clone()],
        vec![vec![Some(0)]],
        kernel,
        false,
    )))
}

/// The outer product of `a` and `b` (each flattened), as numpy's `outer`: `a[i] * b[j]`.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, linalg};
/// let a = Array::from_ndarray(ndarray::array![1, 2].into_dyn(), [1])?;
/// let b = Array::from_ndarray(ndarray::array![1, 10, 100].into_dyn(), [2])?;
/// assert_eq!(linalg::outer(&a, &b)?.compute()?, ndarray::array![[1, 10, 100], [2, 20, 200]].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn outer<T>(a: &Array<T>, b: &Array<T>) -> Result<Array<T>>
where
    T: Element + std::ops::Mul<Output = T>,
{
    let a = a.reshape(&[a.len()])?.insert_axis(1)?;
    let b = b.reshape(&[b.len()])?.insert_axis(0)?;
    a.try_mul(&b)
}
