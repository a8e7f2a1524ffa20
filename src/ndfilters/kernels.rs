//! Single-threaded filter kernels in "valid" mode: they read a block padded with ghost cells and
//! return the block without them. The padding holds the boundary rule (or the neighbours'
//! cells), so the kernels themselves never look past their input.

use ndarray::{ArrayD, ArrayViewD, Axis, Dimension, IxDyn, Slice};
use num_traits::Float;

use crate::expr::block::Element;
use crate::scheduler::{block_with_capacity, filled_block};

/// Per axis with a constant boundary: how many padded cells at each end lie outside the array,
/// and the constant (which constant mode must put back before each 1-D pass, as scipy pads
/// every pass's input anew).
pub(crate) type Outside<T> = Vec<Option<(usize, usize, T)>>;

/// Output cells computed together, their sums held in registers while the taps stream by.
const TILE: usize = 16;

/// The most bytes of input rows one output row of a pass along an earlier axis may read for
/// the rows to be walked whole (half of a common 512 KiB L2 cache); wider rows go in strips.
const TAPS_IN_CACHE: usize = 256 * 1024;

/// `acc[k] = sum_j w[j] * src(j)[k]` for `k < n`, where `src(j)` is the `j`-th input run. With a
/// symmetric odd kernel, pairs of taps are added before the multiply (half the products).
#[inline(always)]
fn tile<'a, T: Float + 'a>(
    w: &[T],
    symmetric: bool,
    n: usize,
    src: impl Fn(usize) -> &'a [T],
) -> [T; TILE] {
    let mut acc = [T::zero(); TILE];
    if symmetric {
        let r = w.len() / 2;
        let mid = &src(r)[..n];
        for (a, &x) in acc.iter_mut().zip(mid) {
            *a = w[r] * x;
        }
        for j in 1..=r {
            let (lo, hi) = (&src(r - j)[..n], &src(r + j)[..n]);
            let wj = w[r + j];
            for ((a, &x), &y) in acc.iter_mut().zip(lo).zip(hi) {
                *a = *a + wj * (x + y);
            }
        }
    } else {
        for (j, &wj) in w.iter().enumerate() {
            for (a, &x) in acc.iter_mut().zip(&src(j)[..n]) {
                *a = *a + wj * x;
            }
        }
    }
    acc
}

/// `out[.., i, ..] = sum_j w[j] * a[.., i + j, ..]` along `axis`: the axis shrinks by
/// `w.len() - 1`. `a` is read as a contiguous row-major array.
///
/// Output cells are computed `TILE` at a time, each loading every tap's input once and storing
/// its result once; odd symmetric kernels (Gaussian, uniform of odd size) add mirrored taps
/// before multiplying.
pub(crate) fn correlate1d_valid<T: Float + Element>(
    a: ArrayViewD<'_, T>,
    axis: usize,
    w: &[T],
) -> ArrayD<T> {
    let a = a.as_standard_layout();
    let shape = a.shape();
    let n_in = shape[axis];
    let n_out = n_in + 1 - w.len();
    let outer: usize = shape[..axis].iter().product();
    let inner: usize = shape[axis + 1..].iter().product();
    let src = a.as_slice().expect("standard layout");
    let symmetric = w.len() % 2 == 1 && w.iter().zip(w.iter().rev()).all(|(x, y)| x == y);
    let out = if inner == 1 {
        // Along the last axis: tiles of consecutive cells of one line, appended in order (no
        // zeroing pass over the output first).
        let mut out = block_with_capacity(outer * n_out);
        for o in 0..outer {
            let line = &src[o * n_in..(o + 1) * n_in];
            for i in (0..n_out).step_by(TILE) {
                let n = TILE.min(n_out - i);
                let acc = tile(w, symmetric, n, |j| &line[i + j..]);
                out.extend_from_slice(&acc[..n]);
            }
        }
        out
    } else if inner * w.len() * std::mem::size_of::<T>() <= TAPS_IN_CACHE {
        // Along an earlier axis, the taps' rows fitting in cache together: each output row, a
        // weighted sum of whole input rows, is made in order and appended (no zeroing pass),
        // and all but one of its rows are read again, from cache, by the next.
        let mut out = block_with_capacity(outer * n_out * inner);
        for o in 0..outer {
            for i in 0..n_out {
                let base = (o * n_in + i) * inner;
                for c in (0..inner).step_by(TILE) {
                    let n = TILE.min(inner - c);
                    let acc = tile(w, symmetric, n, |j| &src[base + c + j * inner..]);
                    out.extend_from_slice(&acc[..n]);
                }
            }
        }
        out
    } else {
        let mut out = filled_block(outer * n_out * inner, T::zero());
        // Along an earlier axis, wider rows: they are walked in strips of `STRIP` cells, so
        // that the taps' rows of a strip stay in cache from one output row to the next,
        // however wide the array.
        const STRIP: usize = 256;
        for o in 0..outer {
            for s0 in (0..inner).step_by(STRIP) {
                let width = STRIP.min(inner - s0);
                for i in 0..n_out {
                    let dst = &mut out[(o * n_out + i) * inner + s0..][..width];
                    let base = (o * n_in + i) * inner + s0;
                    for (t, chunk) in dst.chunks_mut(TILE).enumerate() {
                        let c = base + t * TILE;
                        let acc = tile(w, symmetric, chunk.len(), |j| &src[c + j * inner..]);
                        chunk.copy_from_slice(&acc[..chunk.len()]);
                    }
                }
            }
        }
        out
    };
    let mut shape = shape.to_vec();
    shape[axis] = n_out;
    ArrayD::from_shape_vec(IxDyn(&shape), out).expect("length matches the shape")
}

/// The extreme (`pick(a, b)` keeps the one it prefers) over a window of `size` along `axis`.
pub(crate) fn extreme1d_valid<T: Element + Copy>(
    a: ArrayViewD<'_, T>,
    axis: usize,
    size: usize,
    pick: impl Fn(T, T) -> T,
) -> ArrayD<T> {
    let a = a.as_standard_layout();
    let shape = a.shape();
    let n_in = shape[axis];
    let n_out = n_in + 1 - size;
    let outer: usize = shape[..axis].iter().product();
    let inner: usize = shape[axis + 1..].iter().product();
    let src = a.as_slice().expect("standard layout");
    let mut out = Vec::with_capacity(outer * n_out * inner);
    for o in 0..outer {
        for i in 0..n_out {
            let first = &src[(o * n_in + i) * inner..][..inner];
            let start = out.len();
            out.extend_from_slice(first);
            for j in 1..size {
                let row = &src[(o * n_in + i + j) * inner..][..inner];
                for (d, &x) in out[start..].iter_mut().zip(row) {
                    *d = pick(*d, x);
                }
            }
        }
    }
    let mut shape = shape.to_vec();
    shape[axis] = n_out;
    ArrayD::from_shape_vec(IxDyn(&shape), out).expect("length matches the shape")
}

/// The mean over a window of `size` along `axis` by a running sum (scipy's
/// `uniform_filter1d`): each output cell adds the cell entering the window and subtracts the
/// one leaving it, so the cost per cell does not grow with `size`. Sums are kept in f64.
pub(crate) fn uniform1d_valid<T: Float + Element>(
    a: ArrayViewD<'_, T>,
    axis: usize,
    size: usize,
) -> ArrayD<T> {
    let a = a.as_standard_layout();
    let shape = a.shape();
    let n_in = shape[axis];
    let n_out = n_in + 1 - size;
    let outer: usize = shape[..axis].iter().product();
    let inner: usize = shape[axis + 1..].iter().product();
    let src = a.as_slice().expect("standard layout");
    let f = |v: T| v.to_f64().unwrap_or(f64::NAN);
    let scale = 1.0 / size as f64;
    let mut out = filled_block(outer * n_out * inner, T::zero());
    let mut acc = vec![0.0f64; inner];
    for o in 0..outer {
        let row = |i: usize| &src[(o * n_in + i) * inner..][..inner];
        acc.iter_mut().for_each(|s| *s = 0.0);
        for i in 0..size {
            for (s, &v) in acc.iter_mut().zip(row(i)) {
                *s += f(v);
            }
        }
        for i in 0..n_out {
            let dst = &mut out[(o * n_out + i) * inner..][..inner];
            for (d, &s) in dst.iter_mut().zip(&acc) {
                *d = T::from(s * scale).unwrap_or_else(T::nan);
            }
            if i + 1 < n_out {
                for ((s, &enter), &leave) in acc.iter_mut().zip(row(i + size)).zip(row(i)) {
                    *s += f(enter) - f(leave);
                }
            }
        }
    }
    let mut shape = shape.to_vec();
    shape[axis] = n_out;
    ArrayD::from_shape_vec(IxDyn(&shape), out).expect("length matches the shape")
}

/// Sets the cells of `a` that lie outside the array along each of `axes` back to the constant.
pub(crate) fn refill_outside<T: Element>(a: &mut ArrayD<T>, axes: &[usize], outside: &Outside<T>) {
    for &axis in axes {
        let Some((lo, hi, c)) = &outside[axis] else {
            continue;
        };
        let (lo, hi) = (*lo, *hi);
        let n = a.shape()[axis];
        if lo > 0 {
            a.slice_axis_mut(Axis(axis), Slice::from(..lo))
                .fill(c.clone());
        }
        if hi > 0 {
            a.slice_axis_mut(Axis(axis), Slice::from(n - hi..))
                .fill(c.clone());
        }
    }
}

/// Separable filtering: one 1-D pass per `(axis, weights)`, in order. Along axes with a constant
/// boundary, the cells outside the array are reset to the constant after each pass that does
/// not filter them yet, as scipy pads every pass's input anew.
pub(crate) fn separable<T: Float + Element>(
    padded: ArrayViewD<'_, T>,
    passes: &[(usize, Vec<T>)],
    outside: &Outside<T>,
) -> ArrayD<T> {
    per_axis(padded, passes, outside, |v, axis, w| {
        correlate1d_valid(v, axis, w)
    })
}

/// One 1-D pass per `(axis, parameter)`, in order, each `run(input, axis, parameter)` valid
/// along its axis. Along axes with a constant boundary, the cells outside the array are reset
/// to the constant after each pass that does not filter them yet, as scipy pads every pass's
/// input anew.
pub(crate) fn per_axis<T: Element, P>(
    padded: ArrayViewD<'_, T>,
    passes: &[(usize, P)],
    outside: &Outside<T>,
    run: impl Fn(ArrayViewD<'_, T>, usize, &P) -> ArrayD<T>,
) -> ArrayD<T> {
    let mut cur: Option<ArrayD<T>> = None;
    for (k, (axis, p)) in passes.iter().enumerate() {
        let input = cur.as_ref().map_or_else(|| padded.view(), |c| c.view());
        let mut next = run(input, *axis, p);
        let later: Vec<usize> = passes[k + 1..].iter().map(|(a, _)| *a).collect();
        refill_outside(&mut next, &later, outside);
        cur = Some(next);
    }
    cur.unwrap_or_else(|| padded.to_owned())
}

/// For each cell of the "valid" output of a window of shape `window` sliding over `padded`:
/// gathers the padded cells at `offsets` (the window's cells to use, as linear offsets from its
/// first corner in the standard-layout padded array; see [`window_offsets`]) into a scratch
/// buffer and reduces them with `reduce`.
pub(crate) fn window_valid<T: Element + Copy>(
    padded: ArrayViewD<'_, T>,
    window: &[usize],
    offsets: &[usize],
    mut reduce: impl FnMut(&mut [T]) -> T,
) -> ArrayD<T> {
    let padded = padded.as_standard_layout();
    let src = padded.as_slice().expect("standard layout");
    let shape = padded.shape();
    let out_shape: Vec<usize> = shape.iter().zip(window).map(|(&n, &w)| n + 1 - w).collect();
    let strides = row_major_strides(shape);
    let mut scratch: Vec<T> = Vec::with_capacity(offsets.len());
    ArrayD::from_shape_fn(IxDyn(&out_shape), |idx| {
        let base: usize = idx.slice().iter().zip(&strides).map(|(i, s)| i * s).sum();
        scratch.clear();
        scratch.extend(offsets.iter().map(|&o| src[base + o]));
        reduce(&mut scratch)
    })
}

/// The linear offsets, in a standard-layout array of `shape`, of the cells of a window of
/// `footprint`'s shape (whole, if `None`) that the footprint selects.
pub(crate) fn window_offsets(
    shape: &[usize],
    window: &[usize],
    footprint: Option<&ArrayD<bool>>,
) -> Vec<usize> {
    let strides = row_major_strides(shape);
    let cells = ndarray::indices(IxDyn(window)).into_iter();
    cells
        .filter(|idx| footprint.is_none_or(|f| f[idx.slice()]))
        .map(|idx| idx.slice().iter().zip(&strides).map(|(i, s)| i * s).sum())
        .collect()
}

fn row_major_strides(shape: &[usize]) -> Vec<usize> {
    let mut strides = vec![1; shape.len()];
    for a in (0..shape.len().saturating_sub(1)).rev() {
        strides[a] = strides[a + 1] * shape[a + 1];
    }
    strides
}

/// The element of rank `rank` (0 the smallest) of `values`, NaN ordered as scipy's sort puts it
/// (last).
pub(crate) fn rank_of<T: PartialOrd + Copy>(values: &mut [T], rank: usize) -> T {
    // Only a NaN is unordered with itself.
    let nan = |v: &T| v.partial_cmp(v).is_none();
    let (_, m, _) = values.select_nth_unstable_by(rank, |a, b| {
        a.partial_cmp(b).unwrap_or_else(|| nan(a).cmp(&nan(b)))
    });
    *m
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `correlate1d_valid` by its definition, one output cell at a time.
    fn naive(a: &ArrayD<f64>, axis: usize, w: &[f64]) -> ArrayD<f64> {
        let mut shape = a.shape().to_vec();
        shape[axis] = shape[axis] + 1 - w.len();
        ArrayD::from_shape_fn(IxDyn(&shape), |idx| {
            w.iter()
                .enumerate()
                .map(|(j, &wj)| {
                    let mut at = idx.slice().to_vec();
                    at[axis] += j;
                    wj * a[at.as_slice()]
                })
                .sum()
        })
    }

    #[test]
    fn passes_along_earlier_axes_agree_with_the_definition_whole_rows_or_strips() {
        let symmetric = [0.1, 0.2, 0.4, 0.2, 0.1];
        let uneven = [0.5, -1.0, 0.25, 2.0];
        // Rows of 12 cells (walked whole), and of 9,000 cells, whose taps' rows are more than
        // `TAPS_IN_CACHE` bytes (walked in strips); an odd width leaves a partial tile.
        for (shape, axis) in [(vec![3, 9, 12], 1), (vec![7, 12], 0), (vec![9, 9_000], 0)] {
            let a = ArrayD::from_shape_fn(IxDyn(&shape), |idx| {
                let k: usize = idx.slice().iter().fold(0, |k, &i| k * 31 + i);
                ((k * 7919) % 1000) as f64 / 7.0 - 60.0
            });
            for w in [&symmetric[..], &uneven[..]] {
                let got = correlate1d_valid(a.view(), axis, w);
                let want = naive(&a, axis, w);
                assert_eq!(got.shape(), want.shape());
                for (g, e) in got.iter().zip(&want) {
                    assert!((g - e).abs() <= 1e-9 * e.abs().max(1.0), "{g} against {e}");
                }
            }
        }
    }
}
