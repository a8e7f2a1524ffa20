//! Coarsening: each window of `factors` cells becomes one cell, as dask's and xarray's
//! `coarsen` and scikit-image's `downscale_local_mean`, but never dependent on the chunking.
//!
//! Blocks whose sizes are not multiples of the factors are first rechunked (each block
//! boundary moved down to a multiple of its axis's factor), so every window lies in one block
//! and each block reduces its own windows. dask instead reduces each block's windows as they
//! fall, which is how its result came to depend on the chunking (dask issues 6102, 10274).

use ndarray::{ArrayD, ArrayViewD, IxDyn, SliceInfoElem};
use num_traits::{NumCast, ToPrimitive};

use super::Array;
use crate::error::{Error, Result};
use crate::expr::block::Element;

/// How [`Array::coarsen`] reduces each window.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Coarsen};
/// let x = Array::from_ndarray(ndarray::array![1u8, 3, 3, 7], [3])?;
/// assert_eq!(x.coarsen(&[2], Coarsen::Max)?.compute()?, ndarray::array![3u8, 7].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coarsen {
    /// The mean, computed in `f64`; for an integer type rounded to the nearest integer (halves
    /// away from zero), so a `u16` image stays `u16`.
    Mean,
    /// The sum, computed in `f64`; a sum that does not fit the element type is an error.
    Sum,
    /// The least value (NaN if the window holds NaN, as numpy's `min`).
    Min,
    /// The greatest value (NaN if the window holds NaN).
    Max,
    /// The most frequent value, the least of those tied (as `scipy.stats.mode`): for label
    /// images, whose labels must not be averaged.
    Mode,
}

/// Element types [`Array::coarsen`] reduces: numbers that convert to and from `f64`.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Coarsen, Coarsenable};
/// fn halve<T: Coarsenable>(x: &Array<T>) -> chunkwise::Result<Array<T>> {
///     x.coarsen_trim(&vec![2; x.ndim()], Coarsen::Mean)
/// }
/// let x = Array::from_ndarray(ndarray::array![2i16, 4, 7], [3])?;
/// assert_eq!(halve(&x)?.compute()?, ndarray::array![3i16].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub trait Coarsenable: Element + Copy + PartialOrd + ToPrimitive + NumCast {}

impl<T: Element + Copy + PartialOrd + ToPrimitive + NumCast> Coarsenable for T {}

impl<T: Coarsenable> Array<T> {
    /// Reduces each window of `factors[k]` cells along each axis `k` to one cell, by `how`:
    /// an array of shape `shape[k] / factors[k]`. Every axis must be divisible by its factor
    /// ([`Array::coarsen_trim`] drops the excess instead). The result does not depend on the
    /// chunking: blocks that are not multiples of the factors are rechunked first.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a factor list of another length than the axes, a factor
    /// 0, or an axis not divisible by its factor; at compute, [`Error::Overflow`] for a
    /// [`Coarsen::Sum`] that does not fit the element type.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, Coarsen};
    /// let x = Array::from_ndarray(ndarray::array![[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]], [1, 3])?;
    /// let y = x.coarsen(&[2, 2], Coarsen::Mean)?;
    /// assert_eq!(y.compute()?, ndarray::array![[3.5, 5.5]].into_dyn());
    /// assert!(x.coarsen(&[2, 3], Coarsen::Mean).is_err()); // 4 columns are not divisible by 3
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn coarsen(&self, factors: &[usize], how: Coarsen) -> Result<Array<T>> {
        self.check_factors("coarsen", factors)?;
        if let Some(k) = (0..self.ndim()).find(|&k| !self.shape()[k].is_multiple_of(factors[k])) {
            return Err(Error::InvalidParameter {
                op: "coarsen",
                name: "factors",
                value: format!(
                    "{factors:?} for shape {:?} (axis {k} of {} is not divisible by {})",
                    self.shape(),
                    self.shape()[k],
                    factors[k]
                ),
                expected: "factors that divide their axes (coarsen_trim drops the excess)",
            });
        }
        self.coarsen_whole(factors, how)
    }

    /// [`Array::coarsen`] that first drops, at the end of each axis, the cells that do not
    /// fill a window (dask's `trim_excess=True`).
    ///
    /// # Errors
    ///
    /// As [`Array::coarsen`], without the divisibility error.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, Coarsen};
    /// let labels = Array::from_ndarray(ndarray::array![[1u32, 1, 2, 2, 9], [1, 3, 3, 2, 9]], [2, 2])?;
    /// let y = labels.coarsen_trim(&[2, 2], Coarsen::Mode)?;
    /// assert_eq!(y.compute()?, ndarray::array![[1u32, 2]].into_dyn()); // the last column dropped
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn coarsen_trim(&self, factors: &[usize], how: Coarsen) -> Result<Array<T>> {
        self.check_factors("coarsen_trim", factors)?;
        let keep: Vec<usize> = (0..self.ndim())
            .map(|k| self.shape()[k] / factors[k] * factors[k])
            .collect();
        if keep == self.shape() {
            return self.coarsen_whole(factors, how);
        }
        let ranges: Vec<SliceInfoElem> = keep
            .iter()
            .map(|&n| SliceInfoElem::Slice {
                start: 0,
                end: Some(n as isize),
                step: 1,
            })
            .collect();
        self.slice(ranges.as_slice())?.coarsen_whole(factors, how)
    }

    fn check_factors(&self, op: &'static str, factors: &[usize]) -> Result<()> {
        if factors.len() != self.ndim() || factors.contains(&0) {
            return Err(Error::InvalidParameter {
                op,
                name: "factors",
                value: format!("{factors:?} for an array of {} axes", self.ndim()),
                expected: "one factor of at least 1 per axis",
            });
        }
        Ok(())
    }

    /// Coarsens an array whose axes are multiples of their factors.
    fn coarsen_whole(&self, factors: &[usize], how: Coarsen) -> Result<Array<T>> {
        // Block boundaries moved down to multiples of the factor: every window in one block.
        let aligned: Vec<Vec<usize>> = self
            .chunks()
            .iter()
            .zip(factors)
            .map(|(sizes, &f)| aligned_sizes(sizes, f))
            .collect();
        let x = if aligned.as_slice() == self.chunks() {
            self.clone()
        } else {
            self.rechunk(aligned.clone())?
        };
        let out: Vec<Vec<usize>> = aligned
            .iter()
            .zip(factors)
            .map(|(sizes, &f)| sizes.iter().map(|s| s / f).collect())
            .collect();
        let factors = factors.to_vec();
        x.try_map_blocks_with_chunks("coarsen", out, move |_, b| windows(b, &factors, how))
    }
}

/// An axis's block sizes with each boundary moved down to a multiple of `f` (blocks left
/// empty vanish); the axis's length is a multiple of `f`.
fn aligned_sizes(sizes: &[usize], f: usize) -> Vec<usize> {
    let n: usize = sizes.iter().sum();
    if n == 0 {
        return vec![0];
    }
    let mut out = Vec::with_capacity(sizes.len());
    let (mut at, mut last) = (0, 0);
    for &s in sizes {
        at += s;
        let edge = at / f * f;
        if edge > last {
            out.push(edge - last);
            last = edge;
        }
    }
    out
}

/// `sums` turned into elements by `f`, in one pass without an early exit (so the loop stays
/// simple enough to vectorise); the first value that does not fit `T` is the error.
fn to_elements<T: Coarsenable, S: Copy, V: num_traits::ToPrimitive + Copy>(
    sums: &[S],
    f: impl Fn(S) -> V,
) -> std::result::Result<Vec<T>, V> {
    let mut misfit = None;
    let values = sums
        .iter()
        .map(|&s| {
            let v = f(s);
            T::from(v).unwrap_or_else(|| {
                misfit.get_or_insert(v);
                zero()
            })
        })
        .collect();
    match misfit {
        Some(v) => Err(v),
        None => Ok(values),
    }
}

/// Each window of `factors` cells of `b` (whose shape is a multiple of them) reduced by `how`.
fn windows<T: Coarsenable>(
    b: ArrayViewD<'_, T>,
    factors: &[usize],
    how: Coarsen,
) -> Result<ArrayD<T>> {
    let ndim = b.ndim();
    if ndim == 0 || b.is_empty() {
        let shape: Vec<usize> = (0..ndim).map(|k| b.shape()[k] / factors[k]).collect();
        return Ok(ArrayD::from_shape_fn(IxDyn(&shape), |_| {
            b.iter().next().copied().unwrap_or_else(zero)
        }));
    }
    // Row by row, in place: a block that is a region of a larger array is not copied whole.
    let shape = b.shape();
    let oshape: Vec<usize> = (0..ndim).map(|k| shape[k] / factors[k]).collect();
    let ostrides: Vec<usize> = (0..ndim)
        .map(|k| oshape[k + 1..].iter().product())
        .collect();
    let out_len: usize = oshape.iter().product();
    let runs = Runs {
        cells: b.view(),
        shape,
        factors,
        ostrides: &ostrides,
    };
    let values: Vec<T> = match how {
        Coarsen::Mean | Coarsen::Sum => {
            let float = T::from(0.5).and_then(|h| h.to_f64()) == Some(0.5);
            let count: usize = factors.iter().product();
            let overflow = |v: String| Error::Overflow {
                op: "coarsen",
                what: format!(
                    "a window's {} {v}",
                    if how == Coarsen::Sum { "sum" } else { "mean" }
                ),
                elem: std::any::type_name::<T>(),
            };
            // Integers of up to 32 bits add exactly in `i64` (one cycle an add, where an
            // `f64` add waits four), up to 2^29 of them a window, and their means round in
            // integers; wider ones and floats add in `f64`.
            if !float && std::mem::size_of::<T>() <= 4 && count <= 1 << 29 {
                let mut sums = vec![0i64; out_len];
                window_sums(&runs, &mut sums, |v: &T| v.to_i64().unwrap_or(0));
                let c = count as i64;
                // Half away from zero, as `f64::round`: `(2|s| + c) / 2c`, a shift when the
                // window's size is a power of two (a division costs tens of cycles).
                let shift = (2 * c).trailing_zeros();
                let pow2 = c.count_ones() == 1;
                let halve = |t: i64| if pow2 { t >> shift } else { t / (2 * c) };
                match how {
                    Coarsen::Mean => to_elements(&sums, |s| {
                        if s >= 0 {
                            halve(2 * s + c)
                        } else {
                            -halve(-2 * s + c)
                        }
                    }),
                    _ => to_elements(&sums, |s| s),
                }
                .map_err(|v| overflow(v.to_string()))?
            } else {
                let mut sums = vec![0f64; out_len];
                window_sums(&runs, &mut sums, |v: &T| v.to_f64().unwrap_or(f64::NAN));
                let n = count as f64;
                match how {
                    Coarsen::Mean if float => to_elements(&sums, |s| s / n),
                    Coarsen::Mean => to_elements(&sums, |s| (s / n).round()),
                    _ => to_elements(&sums, |s| s),
                }
                .map_err(|v| overflow(v.to_string()))?
            }
        }
        Coarsen::Min | Coarsen::Max => {
            let mut best: Vec<Option<T>> = vec![None; out_len];
            let less = how == Coarsen::Min;
            runs.each(|o, run| {
                for &v in run {
                    best[o] = Some(match best[o] {
                        None => v,
                        #[allow(clippy::eq_op)]
                        Some(a) if a != a => a,
                        #[allow(clippy::eq_op)]
                        Some(_) if v != v => v,
                        Some(a) if (less && v < a) || (!less && v > a) => v,
                        Some(a) => a,
                    });
                }
            });
            best.into_iter()
                .map(|v| v.expect("every window holds a cell"))
                .collect()
        }
        Coarsen::Mode => {
            let size: usize = factors.iter().product();
            let mut members: Vec<Vec<T>> = (0..out_len).map(|_| Vec::with_capacity(size)).collect();
            runs.each(|o, run| members[o].extend_from_slice(run));
            members.into_iter().map(|mut w| mode(&mut w)).collect()
        }
    };
    Ok(ArrayD::from_shape_vec(IxDyn(&oshape), values).expect("one value per window"))
}

/// Adds each window's cells, as `value` gives them, into `sums` (one per output cell), a whole
/// row at a time: its runs add into one row of sums, with no index checks.
fn window_sums<T: Clone, S: Copy + std::ops::Add<Output = S> + std::iter::Sum>(
    runs: &Runs<'_, T>,
    sums: &mut [S],
    value: impl Fn(&T) -> S,
) {
    let f_last = runs.factors[runs.factors.len() - 1];
    runs.each_row(|o, line| {
        let out = &mut sums[o..o + line.len() / f_last];
        if f_last == 2 {
            // The usual factor, unrolled: pairs of cells with no inner loop.
            for (acc, pair) in out.iter_mut().zip(line.chunks_exact(2)) {
                *acc = *acc + (value(&pair[0]) + value(&pair[1]));
            }
            return;
        }
        for (acc, run) in out.iter_mut().zip(line.chunks_exact(f_last)) {
            *acc = *acc + run.iter().map(&value).sum::<S>();
        }
    });
}

/// A block's cells in runs of the last axis's factor, each with the output cell it falls in.
struct Runs<'a, T> {
    cells: ArrayViewD<'a, T>,
    shape: &'a [usize],
    factors: &'a [usize],
    ostrides: &'a [usize],
}

impl<T: Clone> Runs<'_, T> {
    /// Calls `visit(output cell, run)` for every run, in raster order (generic, so that the
    /// visit inlines: a run is only a few cells).
    fn each(&self, mut visit: impl FnMut(usize, &[T])) {
        let f_last = self.factors[self.shape.len() - 1];
        self.each_row(|o, line| {
            for (j, run) in line.chunks_exact(f_last).enumerate() {
                visit(o + j, run);
            }
        });
    }

    /// Calls `visit(output cell of the row's first run, row)` for every row along the last
    /// axis, in raster order.
    fn each_row(&self, mut visit: impl FnMut(usize, &[T])) {
        let ndim = self.shape.len();
        let row_len = self.shape[ndim - 1];
        let mut row = vec![0usize; ndim - 1];
        let mut copy: Vec<T> = Vec::with_capacity(row_len);
        for lane in self.cells.rows() {
            let base: usize = (0..ndim - 1)
                .map(|k| row[k] / self.factors[k] * self.ostrides[k])
                .sum();
            match lane.as_slice() {
                Some(line) => visit(base, line),
                None => {
                    copy.clear();
                    copy.extend(lane.iter().cloned());
                    visit(base, &copy);
                }
            }
            for k in (0..ndim - 1).rev() {
                row[k] += 1;
                if row[k] < self.shape[k] {
                    break;
                }
                row[k] = 0;
            }
        }
    }
}

fn zero<T: Coarsenable>() -> T {
    T::from(0).expect("every number type holds 0")
}

/// The most frequent value of `w`, the least of those tied (NaN counted as one value, last).
fn mode<T: Coarsenable>(w: &mut [T]) -> T {
    #[allow(clippy::eq_op)]
    let order = |a: &T, b: &T| a.partial_cmp(b).unwrap_or_else(|| (a != a).cmp(&(b != b)));
    w.sort_unstable_by(order);
    let (mut best, mut best_n) = (w[0], 0);
    let mut i = 0;
    while i < w.len() {
        let mut j = i + 1;
        while j < w.len() && order(&w[j], &w[i]) == std::cmp::Ordering::Equal {
            j += 1;
        }
        if j - i > best_n {
            best = w[i];
            best_n = j - i;
        }
        i = j;
    }
    best
}
