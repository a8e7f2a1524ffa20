//! Histograms and order statistics of whole arrays: numpy's `histogram`, `bincount`, `unique`
//! and `quantile`/`percentile`, and scikit-image's `threshold_otsu` on the histogram.
//!
//! Each is lazy and parallel: every block computes a partial (its counts, its sorted values),
//! and partials merge in a tree, as the measurements do. Where the binning depends on the
//! whole array's range, a first pass finds the range and each block's task reads it from a
//! 0-d array, so the input is read twice (three times for a quantile). Results whose length
//! depends on the data (`bincount`, `unique`) are 0-d arrays holding a `Vec`:
//! `compute_scalar()` gives the vector.
//!
//! Bin edges, interpolation and Otsu's sums follow numpy's and scikit-image's arithmetic step
//! for step, so results are equal to theirs, not merely close, for integer and `f64` inputs
//! (`f32` values are binned as `f64`, where numpy bins them in `f32`).

use std::cmp::Ordering;
use std::sync::Arc;

use ndarray::{ArrayD, ArrayViewD, IxDyn};
use num_traits::PrimInt;

use super::Measurable;
use crate::array::Array;
use crate::error::{Error, Result};
use crate::expr::block::Element;

/// How many values an array holds, whether any is NaN, and the least and greatest of the rest.
#[derive(Clone, Copy, Debug)]
struct Extent {
    n: u64,
    nan: bool,
    min: f64,
    max: f64,
}

impl Default for Extent {
    fn default() -> Self {
        Extent {
            n: 0,
            nan: false,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }
}

impl Extent {
    fn of<T: Measurable>(b: ArrayViewD<'_, T>) -> Extent {
        let mut e = Extent::default();
        for v in b.iter() {
            let v = v.to_f64().unwrap_or(f64::NAN);
            e.n += 1;
            if v.is_nan() {
                e.nan = true;
            } else {
                e.min = e.min.min(v);
                e.max = e.max.max(v);
            }
        }
        e
    }

    fn merge(&self, o: &Extent) -> Extent {
        Extent {
            n: self.n + o.n,
            nan: self.nan || o.nan,
            min: self.min.min(o.min),
            max: self.max.max(o.max),
        }
    }
}

/// One value per block, merged over the whole array in a tree: a lazy 0-d array, finished by
/// `finish` (which may refuse).
pub(super) fn merged<A: Element, R: Element>(
    parts: &Array<A>,
    merge: impl Fn(&A, &A) -> A + Send + Sync + 'static,
    finish: impl Fn(&A) -> Result<R> + Send + Sync + 'static,
) -> Result<Array<R>> {
    let all: Vec<usize> = (0..parts.ndim()).collect();
    let merge = Arc::new(merge);
    let fold = merge.clone();
    parts.reduction(
        &all,
        false,
        4,
        move |b, _, _| {
            let mut it = b.iter();
            let first = it.next().cloned().unwrap_or_default();
            let acc = it.fold(first, |acc, v| fold(&acc, v));
            ArrayD::from_elem(IxDyn(&vec![1; b.ndim()]), acc)
        },
        move |a, b| merge(a, b),
        finish,
    )
}

/// The extent of `x`'s values, finished by `finish` into what the next pass needs.
fn extent<T: Measurable, R: Element>(
    x: &Array<T>,
    finish: impl Fn(&Extent) -> Result<R> + Send + Sync + 'static,
) -> Result<Array<R>> {
    super::register_wire();
    let all: Vec<usize> = (0..x.ndim()).collect();
    x.reduction(
        &all,
        false,
        4,
        |b, _, _| ArrayD::from_elem(IxDyn(&vec![1; b.ndim()]), Extent::of(b)),
        Extent::merge,
        finish,
    )
}

/// `n` equal bins from `first` to `last`, binned as numpy's `histogram` bins them: each bin
/// holds its left edge, the last one its right edge too.
#[derive(Clone, Copy, Debug, Default)]
struct Bins {
    first: f64,
    last: f64,
    n: usize,
}

impl Bins {
    /// numpy's outer edges: an empty range widens by a half on each side.
    fn new(lo: f64, hi: f64, n: usize) -> Bins {
        let (first, last) = if lo == hi {
            (lo - 0.5, hi + 0.5)
        } else {
            (lo, hi)
        };
        Bins { first, last, n }
    }

    /// Edge `i` of `0..=n`, as `np.linspace(first, last, n + 1)` computes it.
    fn edge(&self, i: usize) -> f64 {
        if i == self.n {
            self.last
        } else {
            i as f64 * ((self.last - self.first) / self.n as f64) + self.first
        }
    }

    /// The bin of `v`, or `None` outside the range (or NaN): numpy's arithmetic, with its
    /// correction of a last-bit error against the edges.
    fn index(&self, v: f64) -> Option<usize> {
        if !(v >= self.first && v <= self.last) {
            return None;
        }
        let f = (v - self.first) / (self.last - self.first) * self.n as f64;
        let mut i = (f as usize).min(self.n - 1);
        if v < self.edge(i) {
            i -= 1;
        } else if i != self.n - 1 && v >= self.edge(i + 1) {
            i += 1;
        }
        Some(i)
    }
}

/// Adds two count vectors, the shorter as if padded with zeros.
fn add_counts(a: &Vec<u64>, b: &Vec<u64>) -> Vec<u64> {
    let (long, short) = if a.len() >= b.len() { (a, b) } else { (b, a) };
    let mut out = long.clone();
    for (o, s) in out.iter_mut().zip(short) {
        *o += s;
    }
    out
}

/// The counts of `x`'s values in the bins of a lazy 0-d `spec`: `bin(spec, v)` names a value's
/// bin of `len(spec)` (or none), and the merged counts come back with the spec, in a 0-d array.
fn counts<T, S>(
    op: &'static str,
    x: &Array<T>,
    spec: &Array<Arc<S>>,
    len: impl Fn(&S) -> usize + Send + Sync + 'static,
    bin: impl Fn(&S, f64) -> Option<usize> + Send + Sync + 'static,
) -> Result<Array<Counted<S>>>
where
    T: Measurable,
    S: Default + Send + Sync + 'static,
{
    let parts = x.summarize_blocks(op, spec, move |b, spec| {
        let mut c = vec![0u64; len(spec)];
        for v in b.iter() {
            if let Some(i) = bin(spec, v.to_f64().unwrap_or(f64::NAN)) {
                c[i] += 1;
            }
        }
        Counted {
            spec: Some(spec.clone()),
            counts: c,
        }
    })?;
    merged(
        &parts,
        |a: &Counted<S>, b: &Counted<S>| Counted {
            spec: a.spec.clone().or_else(|| b.spec.clone()),
            counts: add_counts(&a.counts, &b.counts),
        },
        |c| Ok(c.clone()),
    )
}

/// Counts with the spec that binned them.
struct Counted<S> {
    spec: Option<Arc<S>>,
    counts: Vec<u64>,
}

impl<S> Clone for Counted<S> {
    fn clone(&self) -> Self {
        Counted {
            spec: self.spec.clone(),
            counts: self.counts.clone(),
        }
    }
}

impl<S> Default for Counted<S> {
    fn default() -> Self {
        Counted {
            spec: None,
            counts: Vec::new(),
        }
    }
}

/// The bins of a histogram of `x`: over `range`, or over the values' range as numpy's default.
fn histogram_bins<T: Measurable>(
    op: &'static str,
    x: &Array<T>,
    bins: usize,
    range: Option<(f64, f64)>,
) -> Result<Array<Arc<Bins>>> {
    super::register_wire();
    if bins == 0 {
        return Err(Error::InvalidParameter {
            op,
            name: "bins",
            value: "0".into(),
            expected: "at least one bin",
        });
    }
    if let Some((lo, hi)) = range
        && !(lo.is_finite() && hi.is_finite() && lo <= hi)
    {
        return Err(Error::InvalidParameter {
            op,
            name: "range",
            value: format!("({lo}, {hi})"),
            expected: "finite bounds, the first not above the second",
        });
    }
    extent(x, move |e| {
        let (lo, hi) = match range {
            Some(r) => r,
            None if e.n == 0 => (0.0, 1.0),
            None if e.nan => {
                return Err(Error::InvalidParameter {
                    op,
                    name: "range",
                    value: "None, with NaN among the values".into(),
                    expected: "an explicit range when the array holds NaN",
                });
            }
            None => (e.min, e.max),
        };
        Ok(Arc::new(Bins::new(lo, hi, bins)))
    })
}

/// The 1-D array of a 0-d array's vector, of known length `n`.
fn spread<R: Element>(v: Array<Vec<R>>, n: usize) -> Result<Array<R>> {
    v.insert_axis(0)?
        .map_blocks_with_chunks(vec![vec![n]], move |_, b| {
            let v = b.iter().next().expect("one vector");
            ArrayD::from_shape_vec(IxDyn(&[n]), v.clone()).expect("n values")
        })
}

/// The histogram of `x` in `bins` equal bins over `range` (by default the least to the greatest
/// value), as numpy's `histogram`: each bin holds its left edge, the last also its right edge;
/// values outside the range (and NaN) are not counted. A lazy 1-D array of `bins` counts; the
/// edges are [`histogram_bin_edges`].
///
/// # Errors
///
/// [`Error::InvalidParameter`] for no bins or a range that is not finite or is reversed, and
/// at compute for the default range of an array holding NaN.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure};
/// let x = Array::from_ndarray(ndarray::array![0.0, 1.0, 1.5, 2.0, 4.0], [2])?;
/// let h = ndmeasure::histogram(&x, 4, None)?.compute()?;
/// assert_eq!(h, ndarray::array![1u64, 2, 1, 1].into_dyn()); // edges 0, 1, 2, 3, 4
/// let h = ndmeasure::histogram(&x, 2, Some((1.0, 2.0)))?.compute()?;
/// assert_eq!(h, ndarray::array![1u64, 2].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn histogram<T: Measurable>(
    x: &Array<T>,
    bins: usize,
    range: Option<(f64, f64)>,
) -> Result<Array<u64>> {
    let spec = histogram_bins("histogram", x, bins, range)?;
    let counted = counts("histogram", x, &spec, |b: &Bins| b.n, |b, v| b.index(v))?;
    spread(counted.map(|c| c.counts), bins)
}

/// The `bins + 1` edges of [`histogram`]'s bins, as numpy's `histogram_bin_edges`.
///
/// # Errors
///
/// As [`histogram`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure};
/// let x = Array::from_ndarray(ndarray::array![3u8, 5, 4], [2])?;
/// let e = ndmeasure::histogram_bin_edges(&x, 4, None)?.compute()?;
/// assert_eq!(e, ndarray::array![3.0, 3.5, 4.0, 4.5, 5.0].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn histogram_bin_edges<T: Measurable>(
    x: &Array<T>,
    bins: usize,
    range: Option<(f64, f64)>,
) -> Result<Array<f64>> {
    let spec = histogram_bins("histogram_bin_edges", x, bins, range)?;
    spread(
        spec.map(|b| (0..=b.n).map(|i| b.edge(i)).collect()),
        bins + 1,
    )
}

/// A count (or sum of weights) per value `0..`, or the first value that cannot be counted.
#[derive(Clone, Debug, Default)]
struct Tally<A> {
    counts: Vec<A>,
    bad: Option<String>,
}

impl<A: Copy + Default + std::ops::AddAssign> Tally<A> {
    /// The tally of a block's `(value, weight)` pairs.
    fn of<T: PrimInt>(pairs: impl Iterator<Item = (T, A)>) -> Tally<A> {
        let mut t = Tally::default();
        for (v, w) in pairs {
            match v.to_u64().filter(|&v| v <= BINCOUNT_MAX) {
                Some(v) => {
                    let v = v as usize;
                    if v >= t.counts.len() {
                        t.counts.resize(v + 1, A::default());
                    }
                    t.counts[v] += w;
                }
                None => {
                    t.bad = Some(format!("{}", v.to_i128().unwrap_or(i128::MAX)));
                    break;
                }
            }
        }
        t
    }

    /// Two tallies added, value by value.
    fn merge(a: &Tally<A>, b: &Tally<A>) -> Tally<A> {
        let (long, short) = if a.counts.len() >= b.counts.len() {
            (a, b)
        } else {
            (b, a)
        };
        let mut counts = long.counts.clone();
        for (c, &v) in counts.iter_mut().zip(&short.counts) {
            *c += v;
        }
        Tally {
            counts,
            bad: a.bad.clone().or_else(|| b.bad.clone()),
        }
    }

    /// The tally's vector, at least `minlength` long, or the error naming the first value
    /// that could not be counted.
    fn finish(&self, op: &'static str, minlength: usize) -> Result<Vec<A>> {
        match &self.bad {
            Some(v) => Err(Error::InvalidParameter {
                op,
                name: "value",
                value: v.clone(),
                expected: "integers from 0 to 2^32",
            }),
            None => {
                let mut c = self.counts.clone();
                if c.len() < minlength {
                    c.resize(minlength, A::default());
                }
                Ok(c)
            }
        }
    }
}

/// The largest value [`bincount`] counts: its vector takes 8 bytes per value up to the largest.
const BINCOUNT_MAX: u64 = 1 << 32;

/// How often each value `0..` occurs in `x`, as numpy's `bincount`: a lazy 0-d array holding
/// a vector of length `max(x) + 1`, or `minlength` if that is longer. Label images give each
/// object's area (index 0 the background).
///
/// # Errors
///
/// At compute, [`Error::InvalidParameter`] for a negative value, or one above 2^32 (the vector
/// would be larger than memory).
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure};
/// let x = Array::from_ndarray(ndarray::array![[1u32, 1, 0], [3, 1, 0]], [1, 2])?;
/// assert_eq!(ndmeasure::bincount(&x, 0)?.compute_scalar()?, vec![2, 3, 0, 1]);
/// assert_eq!(ndmeasure::bincount(&x, 6)?.compute_scalar()?, vec![2, 3, 0, 1, 0, 0]);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn bincount<T: Measurable + PrimInt>(
    x: &Array<T>,
    minlength: usize,
) -> Result<Array<Vec<u64>>> {
    super::register_wire();
    let all: Vec<usize> = (0..x.ndim()).collect();
    x.reduction(
        &all,
        false,
        4,
        |b, _, _| {
            ArrayD::from_elem(
                IxDyn(&vec![1; b.ndim()]),
                Tally::of(b.iter().map(|&v| (v, 1u64))),
            )
        },
        Tally::merge,
        move |t| t.finish("bincount", minlength),
    )
}

/// numpy's sort order: NaN (a value not equal to itself) after every number.
fn nan_last<T: PartialOrd>(a: &T, b: &T) -> Ordering {
    a.partial_cmp(b).unwrap_or_else(|| {
        #[allow(clippy::eq_op)]
        match (a != a, b != b) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            _ => Ordering::Less,
        }
    })
}

/// Merges two sorted vectors of distinct values into one.
pub(super) fn merge_distinct<T: PartialOrd + Copy>(a: &[T], b: &[T]) -> Vec<T> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match nan_last(&a[i], &b[j]) {
            Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// The distinct values of `x` in ascending order, as numpy's `unique` (NaNs, if any, as one
/// NaN at the end): a lazy 0-d array holding the vector. Each block sorts its own values; the
/// sorted lists merge in a tree.
///
/// # Errors
///
/// None when building; the errors of the input's compute.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure};
/// let x = Array::from_ndarray(ndarray::array![[3u16, 1, 3], [7, 1, 0]], [1, 2])?;
/// assert_eq!(ndmeasure::unique(&x)?.compute_scalar()?, vec![0, 1, 3, 7]);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn unique<T: Measurable>(x: &Array<T>) -> Result<Array<Vec<T>>> {
    super::register_wire();
    let all: Vec<usize> = (0..x.ndim()).collect();
    x.reduction(
        &all,
        false,
        4,
        |b, _, _| {
            let mut v: Vec<T> = b.iter().copied().collect();
            v.sort_unstable_by(nan_last);
            v.dedup_by(|a, b| nan_last(a, b) == Ordering::Equal);
            ArrayD::from_elem(IxDyn(&vec![1; b.ndim()]), v)
        },
        |a, b| merge_distinct(a, b),
        |v| Ok(v.clone()),
    )
}

/// The distinct values and how often each occurs: what [`unique_counts`] returns.
pub type ValuesAndCounts<T> = (Array<Vec<T>>, Array<Vec<u64>>);

/// The distinct values of `x` and how often each occurs, as numpy's `unique(x,
/// return_counts=True)` (dask's too): two lazy 0-d arrays of vectors, computed from one tree
/// of sorted (value, count) lists (compute them together with [`crate::compute`] to read `x`
/// once).
///
/// # Errors
///
/// None when building; the errors of the input's compute.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure};
/// let x = Array::from_ndarray(ndarray::array![3, 1, 3, 7, 1, 3], [4])?;
/// let (values, counts) = ndmeasure::unique_counts(&x)?;
/// let (v, c) = chunkwise::compute((&values, &counts), &chunkwise::Scheduler::threads(2))?;
/// assert_eq!((v[[]].clone(), c[[]].clone()), (vec![1, 3, 7], vec![2, 3, 1]));
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn unique_counts<T: Measurable>(x: &Array<T>) -> Result<ValuesAndCounts<T>> {
    super::register_wire();
    let all: Vec<usize> = (0..x.ndim()).collect();
    let pairs = x.reduction(
        &all,
        false,
        4,
        |b, _, _| {
            let mut v: Vec<T> = b.iter().copied().collect();
            v.sort_unstable_by(nan_last);
            let mut runs: Vec<(T, u64)> = Vec::new();
            for x in v {
                match runs.last_mut() {
                    Some((last, n)) if nan_last(last, &x) == Ordering::Equal => *n += 1,
                    _ => runs.push((x, 1)),
                }
            }
            ArrayD::from_elem(IxDyn(&vec![1; b.ndim()]), runs)
        },
        |a: &Vec<(T, u64)>, b: &Vec<(T, u64)>| {
            let mut out = Vec::with_capacity(a.len() + b.len());
            let (mut i, mut j) = (0, 0);
            while i < a.len() && j < b.len() {
                match nan_last(&a[i].0, &b[j].0) {
                    Ordering::Less => {
                        out.push(a[i]);
                        i += 1;
                    }
                    Ordering::Greater => {
                        out.push(b[j]);
                        j += 1;
                    }
                    Ordering::Equal => {
                        out.push((a[i].0, a[i].1 + b[j].1));
                        i += 1;
                        j += 1;
                    }
                }
            }
            out.extend_from_slice(&a[i..]);
            out.extend_from_slice(&b[j..]);
            out
        },
        |v| Ok(v.clone()),
    )?;
    let values = pairs.map(|p: Vec<(T, u64)>| p.iter().map(|q| q.0).collect::<Vec<T>>());
    let counts = pairs.map(|p: Vec<(T, u64)>| p.iter().map(|q| q.1).collect::<Vec<u64>>());
    Ok((values, counts))
}

/// The distinct values of `x` and, for each element, the index of its value among them, as
/// numpy's `unique(x, return_inverse=True)` (the inverse of `x`'s shape, as numpy 2 gives
/// it): `values[inverse]` is `x` again. The inverse reads the distinct values (a 0-d array)
/// in every block's task.
///
/// # Errors
///
/// None when building; the errors of the input's compute.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure};
/// let x = Array::from_ndarray(ndarray::array![[30, 10], [30, 70]], [1, 1])?;
/// let (values, inverse) = ndmeasure::unique_inverse(&x)?;
/// assert_eq!(values.compute_scalar()?, vec![10, 30, 70]);
/// assert_eq!(inverse.compute()?, ndarray::array![[1, 0], [1, 2]].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn unique_inverse<T: Measurable>(x: &Array<T>) -> Result<(Array<Vec<T>>, Array<usize>)> {
    let values = unique(x)?;
    let inverse = x.zip_blocks("unique_inverse", &values, |b, u| {
        let empty = Vec::new();
        let u = u.iter().next().unwrap_or(&empty);
        b.mapv(|v| {
            u.binary_search_by(|p| nan_last(p, &v))
                .expect("every value is among the distinct ones")
        })
    })?;
    Ok((values, inverse))
}

/// How often each value `0..` occurs in `x`, each occurrence counting its `weights` element,
/// as numpy's `bincount(x, weights=w)`: [`bincount`] with sums of weights (a lazy 0-d array
/// of a vector of `f64`).
///
/// # Errors
///
/// [`Error::IncompatibleShapes`] for weights of another shape; at compute, as [`bincount`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure};
/// let x = Array::from_ndarray(ndarray::array![0u8, 1, 1, 3], [3])?;
/// let w = Array::from_ndarray(ndarray::array![0.5, 1.0, 2.0, 4.0], [2])?;
/// assert_eq!(ndmeasure::bincount_weighted(&x, &w, 0)?.compute_scalar()?, vec![0.5, 3.0, 0.0, 4.0]);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn bincount_weighted<T: Measurable + PrimInt>(
    x: &Array<T>,
    weights: &Array<f64>,
    minlength: usize,
) -> Result<Array<Vec<f64>>> {
    super::register_wire();
    if x.shape() != weights.shape() {
        return Err(Error::IncompatibleShapes {
            op: "bincount_weighted",
            left: x.shape().to_vec(),
            right: weights.shape().to_vec(),
        });
    }
    let pairs = x.zip_with(weights, |v, w| (v, w))?;
    let all: Vec<usize> = (0..x.ndim()).collect();
    pairs.reduction(
        &all,
        false,
        4,
        |b, _, _| ArrayD::from_elem(IxDyn(&vec![1; b.ndim()]), Tally::of(b.iter().copied())),
        Tally::merge,
        move |t| t.finish("bincount_weighted", minlength),
    )
}

/// What the last pass of a quantile needs: the fine bins, and for each rank sought its bin
/// and its rank within the bin.
#[derive(Debug, Default)]
struct Ranks {
    n: u64,
    nan: bool,
    bins: Bins,
    /// The quantiles asked for.
    q: Vec<f64>,
    /// (rank in the whole array, its bin, its rank within the bin), in the order asked.
    wanted: Vec<(u64, usize, u64)>,
    /// Each wanted bin with the first entry of `wanted` that names it, sorted by bin: that
    /// entry collects the bin's values for all of them.
    collector: Vec<(usize, usize)>,
}

impl Ranks {
    /// The entry of `wanted` that collects the values of `bin`, if it is a wanted bin.
    fn collector(&self, bin: usize) -> Option<usize> {
        let i = self.collector.binary_search_by_key(&bin, |c| c.0).ok()?;
        Some(self.collector[i].1)
    }
}

/// Each wanted bin's values of one block or more, sorted, as (value, how many) runs.
#[derive(Clone, Default)]
struct Runs {
    ranks: Option<Arc<Ranks>>,
    /// One run list per entry of `ranks.wanted` (repeats share nothing; they are few).
    runs: Vec<Vec<(f64, u64)>>,
}

fn merge_runs(a: &[(f64, u64)], b: &[(f64, u64)]) -> Vec<(f64, u64)> {
    let mut out: Vec<(f64, u64)> = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let next = if j == b.len() || (i < a.len() && a[i].0 <= b[j].0) {
            i += 1;
            a[i - 1]
        } else {
            j += 1;
            b[j - 1]
        };
        match out.last_mut() {
            Some(last) if last.0 == next.0 => last.1 += next.1,
            _ => out.push(next),
        }
    }
    out
}

/// The ranks (0-based, in sorted order) whose values give quantile `q` of `n` values, with
/// numpy's linear interpolation weight: the value is `lerp(v[lo], v[hi], t)`.
fn virtual_rank(n: u64, q: f64) -> (u64, u64, f64) {
    let at = (n - 1) as f64 * q;
    let lo = at.floor();
    if at >= (n - 1) as f64 {
        return (n - 1, n - 1, at - lo);
    }
    (lo as u64, lo as u64 + 1, at - lo)
}

/// numpy's `_lerp`: from `a` when `t < 0.5`, back from `b` otherwise.
fn lerp(a: f64, b: f64, t: f64) -> f64 {
    let d = b - a;
    if t >= 0.5 {
        b - d * (1.0 - t)
    } else {
        a + d * t
    }
}

/// Exact quantiles of all of `x`'s values, with numpy's default (linear) interpolation: a lazy
/// 1-D array, one `f64` per entry of `q` (each in `0..=1`); NaN if `x` holds NaN, as numpy.
///
/// Exact without sorting the array in one place: a first pass finds the range, a second counts
/// the values in fine bins (up to 65,536), which locates each wanted rank in one bin, and a
/// third collects only those bins' values from each block.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for an empty `q` or an entry outside `0..=1`, and
/// [`Error::EmptyReduction`] at compute for an empty array.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure};
/// let x = Array::from_ndarray(ndarray::array![[4.0, 1.0], [3.0, 2.0], [10.0, 0.0]], [2, 1])?;
/// let q = ndmeasure::quantile(&x, &[0.0, 0.5, 0.9, 1.0])?.compute()?;
/// assert_eq!(q, ndarray::array![0.0, 2.5, 7.0, 10.0].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn quantile<T: Measurable>(x: &Array<T>, q: &[f64]) -> Result<Array<f64>> {
    checked_quantiles("quantile", "q", q, 1.0)?;
    quantiles(x, q.to_vec())
}

/// [`quantile`] with `p` in percent (`0..=100`), as numpy's `percentile`.
///
/// # Errors
///
/// As [`quantile`], for an entry of `p` outside `0..=100`.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure};
/// let x = Array::from_ndarray(ndarray::Array::from_iter(0..101u8), [10])?;
/// let p = ndmeasure::percentile(&x, &[25.0, 50.0, 99.5])?.compute()?;
/// assert_eq!(p, ndarray::array![25.0, 50.0, 99.5].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn percentile<T: Measurable>(x: &Array<T>, p: &[f64]) -> Result<Array<f64>> {
    checked_quantiles("percentile", "p", p, 100.0)?;
    quantiles(x, p.iter().map(|p| p / 100.0).collect())
}

fn checked_quantiles(op: &'static str, name: &'static str, q: &[f64], top: f64) -> Result<()> {
    if q.is_empty() {
        return Err(Error::InvalidParameter {
            op,
            name,
            value: "[]".into(),
            expected: "at least one quantile",
        });
    }
    if let Some(bad) = q.iter().find(|&&v| !(0.0..=top).contains(&v)) {
        return Err(Error::InvalidParameter {
            op,
            name,
            value: bad.to_string(),
            expected: if top == 1.0 {
                "values from 0 to 1"
            } else {
                "values from 0 to 100"
            },
        });
    }
    Ok(())
}

fn quantiles<T: Measurable>(x: &Array<T>, q: Vec<f64>) -> Result<Array<f64>> {
    super::register_wire();
    let nq = q.len();
    // Pass 1: the range, and fine bins over it (about 16 values a bin, at most 2^16 bins).
    let fine = extent(x, |e| {
        let n = usize::try_from(e.n / 16)
            .unwrap_or(usize::MAX)
            .clamp(1, 1 << 16);
        Ok(Arc::new((*e, Bins::new(e.min, e.max, n))))
    })?;
    // Pass 2: how many values each fine bin holds, hence where each wanted rank lies.
    let usable = |e: &Extent| e.n > 0 && !e.nan;
    let counted = counts(
        "quantile",
        x,
        &fine,
        move |(e, b): &(Extent, Bins)| if usable(e) { b.n } else { 0 },
        move |(e, b), v| if usable(e) { b.index(v) } else { None },
    )?;
    let ranks = counted.map(move |c| {
        let Some(spec) = &c.spec else {
            return Arc::new(Ranks::default());
        };
        let (e, bins) = **spec;
        let mut wanted = Vec::new();
        if usable(&e) {
            // Values below the end of each bin; a rank lies in the first bin that ends above it.
            let ends: Vec<u64> = c
                .counts
                .iter()
                .scan(0, |total, &n| {
                    *total += n;
                    Some(*total)
                })
                .collect();
            for &q in &q {
                let (lo, hi, _) = virtual_rank(e.n, q);
                for r in [lo, hi] {
                    let bin = ends.partition_point(|&end| end <= r);
                    let below = if bin == 0 { 0 } else { ends[bin - 1] };
                    wanted.push((r, bin, r - below));
                }
            }
        }
        let mut collector: Vec<(usize, usize)> = Vec::new();
        for (k, w) in wanted.iter().enumerate() {
            if !collector.iter().any(|c| c.0 == w.1) {
                collector.push((w.1, k));
            }
        }
        collector.sort_unstable();
        Arc::new(Ranks {
            n: e.n,
            nan: e.nan,
            bins,
            q: q.clone(),
            wanted,
            collector,
        })
    });
    // Pass 3: the values of the wanted bins, sorted, then the interpolation.
    let parts = x.summarize_blocks("quantile", &ranks, |b, ranks| {
        let mut runs: Vec<Vec<(f64, u64)>> = vec![Vec::new(); ranks.wanted.len()];
        if !ranks.wanted.is_empty() {
            let mut values: Vec<Vec<f64>> = vec![Vec::new(); ranks.wanted.len()];
            for v in b.iter() {
                let v = v.to_f64().unwrap_or(f64::NAN);
                if let Some(k) = ranks.bins.index(v).and_then(|bin| ranks.collector(bin)) {
                    values[k].push(v);
                }
            }
            for (vals, runs) in values.iter_mut().zip(&mut runs) {
                vals.sort_unstable_by(f64::total_cmp);
                for &v in vals.iter() {
                    match runs.last_mut() {
                        Some(last) if last.0 == v => last.1 += 1,
                        _ => runs.push((v, 1)),
                    }
                }
            }
        }
        Runs {
            ranks: Some(ranks.clone()),
            runs,
        }
    })?;
    let values = merged(
        &parts,
        |a: &Runs, b: &Runs| Runs {
            ranks: a.ranks.clone().or_else(|| b.ranks.clone()),
            runs: if a.runs.is_empty() {
                b.runs.clone()
            } else if b.runs.is_empty() {
                a.runs.clone()
            } else {
                a.runs
                    .iter()
                    .zip(&b.runs)
                    .map(|(a, b)| merge_runs(a, b))
                    .collect()
            },
        },
        move |r| {
            let ranks = r.ranks.clone().unwrap_or_default();
            if ranks.n == 0 {
                return Err(Error::EmptyReduction { op: "quantile" });
            }
            if ranks.nan {
                return Ok(vec![f64::NAN; nq]);
            }
            // The value of wanted entry `k`: its rank within its bin, in the runs of the first
            // entry that names the same bin.
            let value = |k: usize| {
                let (_, bin, mut within) = ranks.wanted[k];
                let first = ranks.collector(bin).expect("k names it");
                for &(v, c) in &r.runs[first] {
                    if within < c {
                        return v;
                    }
                    within -= c;
                }
                unreachable!("the counts of pass 2 hold every rank")
            };
            Ok((0..nq)
                .map(|i| {
                    let (_, _, t) = virtual_rank(ranks.n, ranks.q[i]);
                    lerp(value(2 * i), value(2 * i + 1), t)
                })
                .collect())
        },
    )?;
    spread(values, nq)
}

mod wire {
    use std::sync::Arc;

    use super::{Bins, Counted, Extent, OtsuBins, Ranks, Runs, Tally};
    use crate::dtype::{Encode, encode_fields, register};

    encode_fields!(Extent { n, nan, min, max });
    encode_fields!(Bins { first, last, n });
    encode_fields!(Counted<S> { spec, counts });
    encode_fields!(Ranks {
        n,
        nan,
        bins,
        q,
        wanted,
        collector
    });
    encode_fields!(Runs { ranks, runs });
    encode_fields!(Tally<A> { counts, bad });

    impl Encode for OtsuBins {
        fn encode(&self, out: &mut Vec<u8>) {
            match self {
                OtsuBins::Constant => 0u8.encode(out),
                OtsuBins::Integers { min, len } => {
                    1u8.encode(out);
                    (*min, *len).encode(out);
                }
                OtsuBins::Equal(bins) => {
                    2u8.encode(out);
                    bins.encode(out);
                }
            }
        }
        fn decode(bytes: &mut &[u8]) -> Self {
            match u8::decode(bytes) {
                0 => OtsuBins::Constant,
                1 => {
                    let (min, len) = Encode::decode(bytes);
                    OtsuBins::Integers { min, len }
                }
                _ => OtsuBins::Equal(Bins::decode(bytes)),
            }
        }
    }

    /// The extents, bin specifications, counts (bincount's with its first bad value) and
    /// quantile runs that the histogram passes hand between blocks.
    pub(in crate::ndmeasure) fn register_wire() {
        register::<Extent>();
        register::<Arc<Bins>>();
        register::<Arc<(Extent, Bins)>>();
        register::<Arc<(f64, OtsuBins)>>();
        register::<Counted<Bins>>();
        register::<Counted<(Extent, Bins)>>();
        register::<Counted<(f64, OtsuBins)>>();
        register::<Arc<Ranks>>();
        register::<Runs>();
        register::<Tally<u64>>();
        register::<Tally<f64>>();
    }
}
pub(super) use wire::register_wire;

/// How Otsu's method bins an image, as scikit-image's `histogram`: an integer image by each
/// value from its least to its greatest, any other in equal bins over its range.
#[derive(Debug, Default)]
enum OtsuBins {
    /// Every value is this one: the threshold is the value.
    #[default]
    Constant,
    Integers {
        min: f64,
        len: usize,
    },
    Equal(Bins),
}

/// The most integer bins Otsu's method takes (a range of 2^26 values, 512 MiB of counts).
const OTSU_MAX_INTEGER_BINS: f64 = (1u64 << 26) as f64;

fn is_integer<T: 'static>() -> bool {
    use std::any::TypeId;
    [
        TypeId::of::<u8>(),
        TypeId::of::<u16>(),
        TypeId::of::<u32>(),
        TypeId::of::<u64>(),
        TypeId::of::<usize>(),
        TypeId::of::<i8>(),
        TypeId::of::<i16>(),
        TypeId::of::<i32>(),
        TypeId::of::<i64>(),
        TypeId::of::<isize>(),
    ]
    .contains(&TypeId::of::<T>())
}

/// The threshold that best splits `x`'s values into two classes (Otsu's method: the greatest
/// between-class variance), equal to scikit-image's `threshold_otsu(x, nbins)`, whose
/// arithmetic (counts summed in `f32`) it follows. An integer image is binned by each value,
/// as scikit-image does, and `nbins` is then unused; its threshold is one of its values. A
/// lazy 0-d array; the foreground is `x > threshold`.
///
/// Reference: N. Otsu, "A threshold selection method from gray-level histograms", IEEE Trans.
/// Systems, Man, and Cybernetics 9 (1979).
///
/// # Errors
///
/// [`Error::InvalidParameter`] for `nbins` 0; at compute, [`Error::EmptyReduction`] for an
/// empty image, and [`Error::InvalidParameter`] for an image holding NaN or an integer image
/// whose values span more than 2^26.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure};
/// let x = Array::from_ndarray(ndarray::array![[10u8, 12, 11], [200, 210, 11]], [1, 2])?;
/// let t = ndmeasure::threshold_otsu(&x, 256)?.compute_scalar()?;
/// assert_eq!(t, 12.0);
/// let foreground = x.map(move |v| v as f64 > t).compute()?;
/// assert_eq!(foreground, ndarray::array![[false, false, false], [true, true, false]].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn threshold_otsu<T: Measurable>(x: &Array<T>, nbins: usize) -> Result<Array<f64>> {
    const OP: &str = "threshold_otsu";
    if nbins == 0 {
        return Err(Error::InvalidParameter {
            op: OP,
            name: "nbins",
            value: "0".into(),
            expected: "at least one bin",
        });
    }
    let integer = is_integer::<T>();
    let spec = extent(x, move |e| {
        if e.n == 0 {
            return Err(Error::EmptyReduction { op: OP });
        }
        if e.nan {
            return Err(Error::InvalidParameter {
                op: OP,
                name: "image",
                value: "an image holding NaN".into(),
                expected: "an image without NaN",
            });
        }
        let bins = if e.min == e.max {
            OtsuBins::Constant
        } else if integer {
            let len = e.max - e.min + 1.0;
            if len > OTSU_MAX_INTEGER_BINS {
                return Err(Error::InvalidParameter {
                    op: OP,
                    name: "image",
                    value: format!("integers from {} to {}", e.min, e.max),
                    expected: "integer values spanning at most 2^26",
                });
            }
            OtsuBins::Integers {
                min: e.min,
                len: len as usize,
            }
        } else {
            OtsuBins::Equal(Bins::new(e.min, e.max, nbins))
        };
        Ok(Arc::new((e.min, bins)))
    })?;
    let counted = counts(
        OP,
        x,
        &spec,
        |(_, b): &(f64, OtsuBins)| match b {
            OtsuBins::Constant => 0,
            OtsuBins::Integers { len, .. } => *len,
            OtsuBins::Equal(b) => b.n,
        },
        |(_, b), v| match b {
            OtsuBins::Constant => None,
            OtsuBins::Integers { min, .. } => Some((v - min) as usize),
            OtsuBins::Equal(b) => b.index(v),
        },
    )?;
    Ok(counted.map(|c| {
        let spec = c.spec.expect("every block names the spec");
        let centers: Vec<f64> = match &spec.1 {
            OtsuBins::Constant => return spec.0,
            OtsuBins::Integers { min, len } => (0..*len).map(|i| min + i as f64).collect(),
            OtsuBins::Equal(b) => (0..b.n)
                .map(|i| (b.edge(i) + b.edge(i + 1)) / 2.0)
                .collect(),
        };
        centers[otsu(&c.counts, &centers)]
    }))
}

/// The bin after which Otsu's split lies, with scikit-image's arithmetic: counts and class
/// weights in `f32`, class sums and means in `f64`, the first maximum (or the first NaN, as
/// numpy's `argmax`).
fn otsu(counts: &[u64], centers: &[f64]) -> usize {
    let n = counts.len();
    let c: Vec<f32> = counts.iter().map(|&c| c as f32).collect();
    let weighted: Vec<f64> = c.iter().zip(centers).map(|(&c, &x)| c as f64 * x).collect();
    let (mut w1, mut s1) = (vec![0f32; n], vec![0f64; n]);
    let (mut acc, mut sum) = (0f32, 0f64);
    for i in 0..n {
        acc += c[i];
        sum += weighted[i];
        w1[i] = acc;
        s1[i] = sum;
    }
    let (mut w2, mut s2) = (vec![0f32; n], vec![0f64; n]);
    let (mut acc, mut sum) = (0f32, 0f64);
    for i in (0..n).rev() {
        acc += c[i];
        sum += weighted[i];
        w2[i] = acc;
        s2[i] = sum;
    }
    let (mut best, mut at) = (f64::NEG_INFINITY, 0);
    for i in 0..n - 1 {
        let mean1 = s1[i] / w1[i] as f64;
        let mean2 = s2[i + 1] / w2[i + 1] as f64;
        let v = (w1[i] * w2[i + 1]) as f64 * (mean1 - mean2).powi(2);
        if v.is_nan() {
            return i;
        }
        if v > best {
            best = v;
            at = i;
        }
    }
    at
}

/// Quantiles `q` (each in `0..=1`) of each lane along `axis`, numpy's `quantile(x, q, axis)`
/// with its default linear interpolation: the result's first axis is `q`'s, the others are
/// `x`'s without `axis`. A lane holding NaN gives NaN (see [`nanquantile_axis`]); an empty
/// lane gives NaN.
///
/// Exact: the array is read in blocks whole along `axis` (rechunked to them, the other axes
/// cut to keep blocks under 8 MiB), each lane sorted in its own task.
///
/// # Errors
///
/// [`Error::AxisOutOfRange`]; [`Error::InvalidParameter`] for an empty `q` or an entry outside
/// `0..=1`.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure};
/// let x = Array::from_ndarray(ndarray::array![[4.0, 1.0, 3.0], [10.0, 0.0, 2.0]], [1, 2])?;
/// let q = ndmeasure::quantile_axis(&x, &[0.5, 1.0], 1)?.compute()?;
/// assert_eq!(q, ndarray::array![[3.0, 2.0], [4.0, 10.0]].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn quantile_axis<T: Measurable>(x: &Array<T>, q: &[f64], axis: usize) -> Result<Array<f64>> {
    checked_quantiles("quantile", "q", q, 1.0)?;
    lane_quantiles("quantile", x, q.to_vec(), axis, false)
}

/// [`quantile_axis`] skipping NaN (numpy's `nanquantile`; NaN for a lane of NaN only).
///
/// # Errors
///
/// As [`quantile_axis`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure};
/// let x = Array::from_ndarray(ndarray::array![[4.0, f64::NAN, 3.0], [f64::NAN, f64::NAN, 2.0]], [1, 2])?;
/// let q = ndmeasure::nanquantile_axis(&x, &[0.5], 1)?.compute()?;
/// assert_eq!(q, ndarray::array![[3.5, 2.0]].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn nanquantile_axis<T: Measurable>(x: &Array<T>, q: &[f64], axis: usize) -> Result<Array<f64>> {
    checked_quantiles("nanquantile", "q", q, 1.0)?;
    lane_quantiles("nanquantile", x, q.to_vec(), axis, true)
}

/// [`quantile_axis`] with `p` in percent (`0..=100`), numpy's `percentile(x, p, axis)`.
///
/// # Errors
///
/// As [`quantile_axis`], for an entry of `p` outside `0..=100`.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure};
/// let x = Array::from_ndarray(ndarray::array![[0.0, 10.0], [20.0, 40.0]], [1, 1])?;
/// assert_eq!(ndmeasure::percentile_axis(&x, &[25.0], 0)?.compute()?, ndarray::array![[5.0, 17.5]].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn percentile_axis<T: Measurable>(x: &Array<T>, p: &[f64], axis: usize) -> Result<Array<f64>> {
    checked_quantiles("percentile", "p", p, 100.0)?;
    lane_quantiles(
        "percentile",
        x,
        p.iter().map(|p| p / 100.0).collect(),
        axis,
        false,
    )
}

/// The median of each lane along `axis` (numpy's `median(x, axis)`), the axis dropped; NaN
/// for a lane holding NaN.
///
/// # Errors
///
/// [`Error::AxisOutOfRange`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure};
/// let x = Array::from_ndarray(ndarray::array![[4.0, 1.0, 3.0, 8.0], [10.0, 0.0, 2.0, 2.0]], [2, 3])?;
/// assert_eq!(ndmeasure::median_axis(&x, 1)?.compute()?, ndarray::array![3.5, 2.0].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn median_axis<T: Measurable>(x: &Array<T>, axis: usize) -> Result<Array<f64>> {
    lane_quantiles("median", x, vec![0.5], axis, false)?.remove_axis(0)
}

/// [`median_axis`] skipping NaN (numpy's `nanmedian(x, axis)`).
///
/// # Errors
///
/// [`Error::AxisOutOfRange`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure};
/// let x = Array::from_ndarray(ndarray::array![[4.0, f64::NAN, 1.0]], [1, 2])?;
/// assert_eq!(ndmeasure::nanmedian_axis(&x, 1)?.compute()?, ndarray::array![2.5].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn nanmedian_axis<T: Measurable>(x: &Array<T>, axis: usize) -> Result<Array<f64>> {
    lane_quantiles("nanmedian", x, vec![0.5], axis, true)?.remove_axis(0)
}

/// The quantiles `q` of every lane along `axis` (NaN skipped when `skip_nan`), `q`'s axis
/// first.
fn lane_quantiles<T: Measurable>(
    op: &'static str,
    x: &Array<T>,
    q: Vec<f64>,
    axis: usize,
    skip_nan: bool,
) -> Result<Array<f64>> {
    let axis = x.check_axis(op, axis)?;
    let len = x.shape()[axis];
    let nq = q.len();
    let values = x.map(|v: T| v.to_f64().unwrap_or(f64::NAN));
    let per_lane = crate::fft::along(
        op,
        &values,
        axis,
        len,
        nq,
        Vec::new,
        move |lanes: &mut [f64], out: &mut [f64], count: usize, kept: &mut Vec<f64>| {
            for j in 0..count {
                let lane = &lanes[j * len..(j + 1) * len];
                let out = &mut out[j * nq..(j + 1) * nq];
                kept.clear();
                kept.extend(lane.iter().copied().filter(|v| !(skip_nan && v.is_nan())));
                if kept.is_empty() || kept.iter().any(|v| v.is_nan()) {
                    out.fill(f64::NAN);
                    continue;
                }
                kept.sort_unstable_by(|a, b| a.partial_cmp(b).unwrap_or(Ordering::Equal));
                for (o, &p) in out.iter_mut().zip(&q) {
                    let (lo, hi, t) = virtual_rank(kept.len() as u64, p);
                    *o = lerp(kept[lo as usize], kept[hi as usize], t);
                }
            }
        },
    )?;
    per_lane.moveaxis(axis, 0)
}

/// `bins + 1` equal bin edges over `range`, computed as numpy's `linspace(lo, hi, bins + 1)`
/// (`lo + i * step`, the last edge `hi` exactly): the edges numpy's `histogramdd` and
/// `histogram2d` use for a number of bins.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for no bins or a range that is not finite or is reversed.
///
/// # Examples
///
/// ```
/// assert_eq!(chunkwise::ndmeasure::uniform_edges(4, (0.0, 1.0))?, vec![0.0, 0.25, 0.5, 0.75, 1.0]);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn uniform_edges(bins: usize, range: (f64, f64)) -> Result<Vec<f64>> {
    let op = "uniform_edges";
    if bins == 0 {
        return Err(Error::invalid(op, "bins", 0, "at least one bin"));
    }
    let (lo, hi) = range;
    if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
        return Err(Error::invalid(
            op,
            "range",
            format!("({lo}, {hi})"),
            "finite bounds, the first not above the second",
        ));
    }
    let step = (hi - lo) / bins as f64;
    let mut e: Vec<f64> = (0..=bins)
        .map(|i| {
            if step == 0.0 {
                i as f64 / bins as f64 * (hi - lo) + lo
            } else {
                i as f64 * step + lo
            }
        })
        .collect();
    e[bins] = hi;
    Ok(e)
}

/// The multidimensional histogram of the points whose coordinates `sample` holds (one array
/// per dimension, all of one shape: point `p` is `(sample[0][p], sample[1][p], ...)`), over
/// the bins `edges` gives per dimension, as numpy's `histogramdd` with explicit edges (and
/// [`histogram2d`]'s, [`histogram_edges`]'s): a point falls in bin `i` when
/// `edges[i] <= v < edges[i + 1]`, the last bin also holding its right edge; a point outside
/// any dimension's edges, or with a NaN coordinate, is not counted. `weights` (of the sample's
/// shape) adds each point's weight instead of 1; `density` divides by the total and by each
/// bin's volume, in numpy's order of operations. Lazy: each block makes a partial histogram
/// and the partials are added in a tree ([`Blockwise::apply_combined`](crate::Blockwise)).
///
/// # Errors
///
/// [`Error::InvalidParameter`] for no sample arrays, a different number of edge lists, a list
/// of fewer than 2 edges, edges that decrease or are not finite, or a histogram of more than
/// 2^28 bins; [`Error::IncompatibleShapes`] for sample or weight arrays of different shapes.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure};
/// let x = Array::from_ndarray(ndarray::array![0.5, 1.5, 1.5, 2.0, 3.0], [2])?;
/// let y = Array::from_ndarray(ndarray::array![0.0, 0.0, 1.0, 1.0, 0.5], [3])?;
/// let h = ndmeasure::histogramdd(&[&x, &y], &[vec![0.0, 1.0, 2.0], vec![0.0, 0.5, 1.0]], None, false)?;
/// // (3.0, 0.5) lies beyond x's last edge; (2.0, 1.0) on both last edges counts.
/// assert_eq!(h.compute()?, ndarray::array![[1.0, 0.0], [1.0, 2.0]].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn histogramdd<T: Measurable>(
    sample: &[&Array<T>],
    edges: &[Vec<f64>],
    weights: Option<&Array<T>>,
    density: bool,
) -> Result<Array<f64>> {
    let op = "histogramdd";
    if sample.is_empty() {
        return Err(Error::invalid(
            op,
            "sample",
            "none",
            "at least one array of coordinates",
        ));
    }
    if edges.len() != sample.len() {
        return Err(Error::invalid(
            op,
            "edges",
            format!(
                "{} lists of edges for {} dimensions",
                edges.len(),
                sample.len()
            ),
            "one list of edges per dimension",
        ));
    }
    for e in edges {
        let ok =
            e.len() >= 2 && e.iter().all(|v| v.is_finite()) && e.windows(2).all(|w| w[0] <= w[1]);
        if !ok {
            return Err(Error::invalid(
                op,
                "edges",
                format!("{e:?}"),
                "at least 2 finite edges, monotonically increasing",
            ));
        }
    }
    let bins: Vec<usize> = edges.iter().map(|e| e.len() - 1).collect();
    let total = bins
        .iter()
        .try_fold(1usize, |a, &b| a.checked_mul(b))
        .filter(|&n| n <= 1 << 28);
    if total.is_none() {
        return Err(Error::invalid(
            op,
            "edges",
            format!("{bins:?} bins"),
            "a histogram of at most 2^28 bins",
        ));
    }
    let mut inputs: Vec<&Array<T>> = sample.to_vec();
    inputs.extend(weights);
    let first = crate::array::one_shape(op, &inputs)?;
    // Every axis of the inputs contracted (ids 0..n), the bins new axes (ids n..n + d).
    let n = first.ndim();
    let d = sample.len();
    let names: Vec<String> = (0..n)
        .map(|k| format!("axis {k}"))
        .chain((0..d).map(|k| format!("bins {k}")))
        .collect();
    let axes: Vec<Vec<usize>> = vec![(0..n).collect(); inputs.len()];
    let output: Vec<usize> = (n..n + d).collect();
    let new = output.iter().copied().zip(bins.iter().copied()).collect();
    let nodes = inputs.iter().map(|a| a.node().clone()).collect();
    let plan = crate::array::BlockwisePlan::<T>::new(
        op,
        crate::array::Indices::new(names, axes, output, new),
        nodes,
    )?;
    let e2 = edges.to_vec();
    let weighted = weights.is_some();
    let hist = plan.combined(
        op,
        move |blocks: &[ArrayViewD<'_, T>]| {
            let mut h = ArrayD::<f64>::zeros(IxDyn(&bins));
            let mut its: Vec<_> = blocks.iter().map(|b| b.iter()).collect();
            let count = blocks[0].len();
            let mut at = vec![0usize; d];
            'points: for _ in 0..count {
                let mut inside = true;
                for (k, it) in its.iter_mut().take(d).enumerate() {
                    let v = it.next().and_then(|v| v.to_f64()).unwrap_or(f64::NAN);
                    if !inside {
                        continue;
                    }
                    let e = &e2[k];
                    // numpy: searchsorted(edges, v, 'right'), one less on the last edge.
                    let mut i = e.partition_point(|&x| x <= v);
                    if v == e[e.len() - 1] {
                        i -= 1;
                    }
                    if i == 0 || i == e.len() {
                        inside = false;
                    } else {
                        at[k] = i - 1;
                    }
                }
                let w = if weighted {
                    its[d].next().and_then(|v| v.to_f64()).unwrap_or(f64::NAN)
                } else {
                    1.0
                };
                if !inside {
                    continue 'points;
                }
                h[IxDyn(&at)] += w;
            }
            Ok(h)
        },
        |acc, part| *acc += &part,
    );
    if !density {
        return Ok(hist);
    }
    let widths: Vec<Vec<f64>> = edges
        .iter()
        .map(|e| e.windows(2).map(|w| w[1] - w[0]).collect())
        .collect();
    Ok(hist.map_blocks(move |h| {
        let s: f64 = h.sum();
        let mut out = h.to_owned();
        for (k, w) in widths.iter().enumerate() {
            for (i, mut lane) in out.axis_iter_mut(ndarray::Axis(k)).enumerate() {
                lane.mapv_inplace(|v| v / w[i]);
            }
        }
        out.mapv_inplace(|v| v / s);
        out
    }))
}

/// The 2-D histogram of points `(x[p], y[p])` over the bins `edges` gives, as numpy's
/// `histogram2d` with explicit edges: [`histogramdd`] of two dimensions (the first axis of
/// the result follows `x`).
///
/// # Errors
///
/// As [`histogramdd`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure};
/// let x = Array::from_ndarray(ndarray::array![0.1, 0.6, 0.7, 0.2], [2])?;
/// let y = Array::from_ndarray(ndarray::array![0.9, 0.1, 0.2, 0.8], [3])?;
/// let e = ndmeasure::uniform_edges(2, (0.0, 1.0))?;
/// let h = ndmeasure::histogram2d(&x, &y, [&e, &e], None, false)?;
/// assert_eq!(h.compute()?, ndarray::array![[0.0, 2.0], [2.0, 0.0]].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn histogram2d<T: Measurable>(
    x: &Array<T>,
    y: &Array<T>,
    edges: [&[f64]; 2],
    weights: Option<&Array<T>>,
    density: bool,
) -> Result<Array<f64>> {
    histogramdd(
        &[x, y],
        &[edges[0].to_vec(), edges[1].to_vec()],
        weights,
        density,
    )
}

/// The histogram of `x` over explicit bin `edges`, with optional `weights` and `density`, as
/// numpy's `histogram(x, bins=edges, weights=w, density=d)`: [`histogramdd`] of one
/// dimension (values `f64`, as numpy's with weights or density).
///
/// # Errors
///
/// As [`histogramdd`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure};
/// let x = Array::from_ndarray(ndarray::array![1.0, 2.0, 2.5, 4.0], [3])?;
/// let w = Array::from_ndarray(ndarray::array![1.0, 0.5, 0.5, 2.0], [2])?;
/// let h = ndmeasure::histogram_edges(&x, &[0.0, 2.0, 3.0, 4.0], Some(&w), false)?;
/// assert_eq!(h.compute()?, ndarray::array![1.0, 1.0, 2.0].into_dyn());
/// let d = ndmeasure::histogram_edges(&x, &[0.0, 2.0, 4.0], None, true)?;
/// assert_eq!(d.compute()?, ndarray::array![0.125, 0.375].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn histogram_edges<T: Measurable>(
    x: &Array<T>,
    edges: &[f64],
    weights: Option<&Array<T>>,
    density: bool,
) -> Result<Array<f64>> {
    histogramdd(&[x], &[edges.to_vec()], weights, density)
}
