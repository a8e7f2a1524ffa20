//! Labelling and measuring objects on chunked arrays: the counterpart of `scipy.ndimage`'s
//! `label` and measurement functions, and of dask-image's `ndmeasure`.
//!
//! [`label`] numbers the connected objects of a mask exactly as scipy does, whatever the
//! chunking (see its module notes for how blocks are joined).
//!
//! Given an image and a label array of the same shape (0 for the background, `k` for the
//! cells of object `k`), each function measures the objects named in `index`: one entry per
//! index (repeats allowed), equal to scipy's. Each block computes partial results for the
//! labels it holds; partials merge in a tree (four at a time per axis), so no task holds more
//! than one block and one partial per label of `index`.
//!
//! ```
//! use chunkwise::{Array, ndmeasure};
//! let image = Array::from_ndarray(ndarray::array![[1.0, 2.0, 0.0], [3.0, 0.0, 5.0]], [1, 2])?;
//! let labels = Array::from_ndarray(ndarray::array![[1u32, 1, 0], [2, 0, 2]], [2, 1])?;
//! let means = ndmeasure::mean(&image, &labels, &[1, 2])?.compute()?;
//! assert_eq!(means, ndarray::array![1.5, 4.0].into_dyn());
//! # Ok::<(), chunkwise::Error>(())
//! ```

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use ndarray::{ArrayD, ArrayViewD, Dimension, IxDyn, Zip};
use num_traits::ToPrimitive;

use crate::array::Array;
use crate::error::{Error, Result};
use crate::expr::block::Element;

mod histogram;
mod label;
mod regionprops;
mod values;
mod watershed;

pub use histogram::{
    ValuesAndCounts, bincount, bincount_weighted, histogram, histogram_bin_edges, histogram_edges,
    histogram2d, histogramdd, median_axis, nanmedian_axis, nanquantile_axis, percentile,
    percentile_axis, quantile, quantile_axis, threshold_otsu, uniform_edges, unique, unique_counts,
    unique_inverse,
};
pub use label::{Connectivity, label, label_with_structure};
pub use regionprops::{Property, RegionTable, regionprops_table};
pub use values::{ValueIndices, value_indices};
pub use watershed::{watershed, watershed_ift, watershed_lines};

/// Element types that can be measured: numbers convertible to f64 for sums and means.
pub trait Measurable: Element + Copy + PartialOrd + ToPrimitive {}

impl<T: Element + Copy + PartialOrd + ToPrimitive> Measurable for T {}

/// Where each label of interest keeps its partial result: `slot[label]`, densely for labels up
/// to 2^24, else in a map.
enum Slots {
    Dense(Vec<u32>),
    Sparse(HashMap<u32, u32>),
}

const NO_SLOT: u32 = u32::MAX;

impl Slots {
    fn get(&self, label: u32) -> Option<usize> {
        match self {
            Slots::Dense(v) => v
                .get(label as usize)
                .filter(|&&s| s != NO_SLOT)
                .map(|&s| s as usize),
            Slots::Sparse(m) => m.get(&label).map(|&s| s as usize),
        }
    }
}

/// The distinct labels of `index` (each with a slot), and for each entry of `index` its slot.
fn slots(op: &'static str, index: &[u32]) -> Result<(Arc<Slots>, Vec<usize>, usize)> {
    if index.is_empty() {
        return Err(Error::InvalidParameter {
            op,
            name: "index",
            value: "[]".into(),
            expected: "at least one label",
        });
    }
    let mut distinct: HashMap<u32, u32> = HashMap::new();
    let which: Vec<usize> = index
        .iter()
        .map(|&l| {
            let n = distinct.len() as u32;
            *distinct.entry(l).or_insert(n) as usize
        })
        .collect();
    let n = distinct.len();
    let max = index.iter().copied().max().unwrap_or(0);
    let slots = if max < 1 << 24 {
        let mut v = vec![NO_SLOT; max as usize + 1];
        for (&l, &s) in &distinct {
            v[l as usize] = s;
        }
        Slots::Dense(v)
    } else {
        Slots::Sparse(distinct)
    };
    Ok((Arc::new(slots), which, n))
}

/// Each cell's value with its label, the slots of the labels of `index`, each entry's slot and
/// the number of slots; an error unless `labels` has `input`'s shape and `index` a label.
#[allow(clippy::type_complexity)]
fn labelled<T: Measurable>(
    op: &'static str,
    input: &Array<T>,
    labels: &Array<u32>,
    index: &[u32],
) -> Result<(Array<(T, u32)>, Arc<Slots>, Vec<usize>, usize)> {
    register_wire();
    let (slots, which, n) = checked(op, input, labels, index)?;
    Ok((input.zip_with(labels, |v, l| (v, l))?, slots, which, n))
}

/// The slots of the labels of `index`, each entry's slot and the number of slots; an error
/// unless `labels` has `input`'s shape and `index` a label.
fn checked<T: Measurable>(
    op: &'static str,
    input: &Array<T>,
    labels: &Array<u32>,
    index: &[u32],
) -> Result<(Arc<Slots>, Vec<usize>, usize)> {
    if input.shape() != labels.shape() {
        return Err(Error::IncompatibleShapes {
            op,
            left: input.shape().to_vec(),
            right: labels.shape().to_vec(),
        });
    }
    slots(op, index)
}

/// A label's partial statistics: count, mean and M2 (merged with Chan's formula), the plain
/// sum, the extremes with their row-major positions, and value-weighted coordinate sums.
#[derive(Clone, Debug, Default)]
struct Stats<T> {
    n: u64,
    mean: f64,
    m2: f64,
    sum: f64,
    min: Option<(T, usize)>,
    max: Option<(T, usize)>,
    weighted: Vec<f64>,
}

crate::dtype::encode_fields!(Stats<T> { n, mean, m2, sum, min, max, weighted });

/// Lets the states that ndmeasure's passes hand from block to block cross ranks, so that on a
/// cluster each rank works on its own blocks and sends the states (`dtype::encode`). Called by
/// each function here before it builds its graph (every rank builds the same graphs, so every
/// rank registers the same types); only the first call registers.
fn register_wire() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(register_each);
}

fn register_each() {
    use crate::dtype::register;
    label::register_wire();
    histogram::register_wire();
    // The pixels and markers a watershed gathers into one block.
    register::<(u32, bool)>();
    // Region tables' partials and tables.
    register::<Vec<regionprops::Region>>();
    register::<RegionTable>();
    macro_rules! each {
        ($($n:ty),*) => {$(
            // Per-label statistics; unique values, bincounts and labels touching the border;
            // per-label values (labeled_comprehension).
            register::<Vec<Stats<$n>>>();
            register::<Vec<$n>>();
            register::<Vec<Vec<$n>>>();
            register::<Vec<($n, u64)>>();
        )*};
    }
    macro_rules! integers {
        ($($n:ty),*) => {$(
            // Positions per value (value_indices).
            register::<values::ValueIndices<$n>>();
        )*};
    }
    each!(f64, f32, i64, i32, i16, i8, u64, u32, u16, u8, usize, isize);
    integers!(i64, i32, i16, i8, u64, u32, u16, u8, usize, isize);
}

/// One [`Stats`] per slot, for the whole array once reduced.
type Partials<T> = Array<Vec<Stats<T>>>;

/// Which parts of [`Stats`] a measurement needs.
#[derive(Clone, Copy)]
struct Needs {
    moments: bool,
    extremes: bool,
    coords: bool,
}

impl<T: Measurable> Stats<T> {
    fn merge(&mut self, b: &Stats<T>) {
        if b.n == 0 {
            return;
        }
        let n = self.n + b.n;
        let d = b.mean - self.mean;
        self.mean += d * b.n as f64 / n as f64;
        self.m2 += b.m2 + d * d * (self.n as f64) * (b.n as f64) / n as f64;
        self.n = n;
        self.sum += b.sum;
        let better = |a: &Option<(T, usize)>, c: &Option<(T, usize)>, less: bool| match (a, c) {
            (None, _) => *c,
            (_, None) => *a,
            (Some((x, i)), Some((y, j))) => {
                let c_wins = if less { y < x } else { y > x };
                if c_wins || (y == x && j < i) { *c } else { *a }
            }
        };
        self.min = better(&self.min, &b.min, true);
        self.max = better(&self.max, &b.max, false);
        if self.weighted.len() < b.weighted.len() {
            self.weighted.resize(b.weighted.len(), 0.0);
        }
        for (a, c) in self.weighted.iter_mut().zip(&b.weighted) {
            *a += c;
        }
    }
}

/// Per-label statistics of `input` over `labels` for the distinct labels of `index`, one
/// [`Stats`] per slot, in one lazy 0-d array.
fn stats<T: Measurable>(
    op: &'static str,
    input: &Array<T>,
    labels: &Array<u32>,
    index: &[u32],
    needs: Needs,
) -> Result<(Partials<T>, Vec<usize>)> {
    register_wire();
    let (slots, which, n) = checked(op, input, labels, index)?;
    let shape = input.shape().to_vec();
    let chunk = move |a: ArrayViewD<'_, T>, b: ArrayViewD<'_, u32>, start: &[usize]| {
        let mut out: Vec<Stats<T>> = vec![Stats::default(); n];
        let ndim = b.ndim();
        let strides: Vec<usize> = (0..ndim).map(|k| shape[k + 1..].iter().product()).collect();
        let mut add = |v: T, l: u32, idx: Option<&[usize]>| {
            let Some(s) = slots.get(l) else { return };
            let st = &mut out[s];
            let x = v.to_f64().unwrap_or(f64::NAN);
            st.n += 1;
            st.sum += x;
            if needs.moments {
                let d = x - st.mean;
                st.mean += d / st.n as f64;
                st.m2 += d * (x - st.mean);
            }
            if let Some(idx) = idx {
                let pos: usize = (0..ndim).map(|k| (start[k] + idx[k]) * strides[k]).sum();
                if needs.extremes {
                    if st.min.is_none_or(|(m, _)| v < m) {
                        st.min = Some((v, pos));
                    }
                    if st.max.is_none_or(|(m, _)| v > m) {
                        st.max = Some((v, pos));
                    }
                }
                if needs.coords {
                    st.weighted.resize(ndim, 0.0);
                    for k in 0..ndim {
                        st.weighted[k] += x * (start[k] + idx[k]) as f64;
                    }
                }
            }
        };
        if needs.extremes || needs.coords {
            // Raster order within the block, so that the first extreme found is the first in
            // the whole array's raster order among this block's cells.
            for ((idx, &v), &l) in a.indexed_iter().zip(b.iter()) {
                add(v, l, Some(idx.slice()));
            }
        } else {
            Zip::from(&a).and(&b).for_each(|&v, &l| add(v, l, None));
        }
        out
    };
    let merge = |a: &Vec<Stats<T>>, b: &Vec<Stats<T>>| {
        let mut m = a.clone();
        for (x, y) in m.iter_mut().zip(b) {
            x.merge(y);
        }
        m
    };
    let parts = input.zip_summarize(op, labels, chunk)?;
    let reduced = histogram::merged(&parts, merge, |s| Ok(s.clone()))?;
    Ok((reduced, which))
}

/// The measurement `f` of each object of `index`: a lazy 1-D array, one value per entry.
fn measure<T: Measurable, R: Element>(
    op: &'static str,
    (input, labels, index): (&Array<T>, &Array<u32>, &[u32]),
    needs: Needs,
    f: impl Fn(&Stats<T>) -> R + Send + Sync + 'static,
) -> Result<Array<R>> {
    let (r, which) = stats(op, input, labels, index, needs)?;
    per_index(r, which, f)
}

const PLAIN: Needs = Needs {
    moments: false,
    extremes: false,
    coords: false,
};
const MOMENTS: Needs = Needs {
    moments: true,
    ..PLAIN
};
const EXTREMES: Needs = Needs {
    extremes: true,
    ..PLAIN
};

/// A lazy 2-D array of one row of `ndim` values per entry of the index,
/// `f(stats of the entry's label, axis)` each.
fn per_index_rows<T: Measurable, R: Element>(
    reduced: Partials<T>,
    which: Vec<usize>,
    ndim: usize,
    f: impl Fn(&Stats<T>, usize) -> R + Send + Sync + 'static,
) -> Result<Array<R>> {
    let n = which.len();
    reduced
        .insert_axis(0)?
        .insert_axis(1)?
        .map_blocks_with_chunks(vec![vec![n], vec![ndim]], move |_, b| {
            let s = &b.iter().next().expect("one partial");
            ArrayD::from_shape_fn(IxDyn(&[n, ndim]), |i| f(&s[which[i[0]]], i[1]))
        })
}

/// A lazy 1-D array of `index.len()` values, `f(stats of the entry's label)` each.
fn per_index<S: Element, R: Element>(
    reduced: Array<Vec<S>>,
    which: Vec<usize>,
    f: impl Fn(&S) -> R + Send + Sync + 'static,
) -> Result<Array<R>> {
    let n = which.len();
    reduced
        .insert_axis(0)?
        .map_blocks_with_chunks(vec![vec![n]], move |_, b| {
            let s = &b.iter().next().expect("one partial");
            ArrayD::from_shape_fn(IxDyn(&[n]), |i| f(&s[which[i[0]]]))
        })
}

/// The sum of `input` over each object of `index`, as scipy's `sum_labels` (`sum`): f64, 0 for
/// a label with no cells.
///
/// # Errors
///
/// [`Error::IncompatibleShapes`] if `labels` has another shape than `input`, and
/// [`Error::InvalidParameter`] for an empty `index`.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure};
/// let x = Array::from_ndarray(ndarray::array![1u16, 2, 3, 4], [2])?;
/// let l = Array::from_ndarray(ndarray::array![1u32, 2, 1, 0], [3])?;
/// assert_eq!(ndmeasure::sum(&x, &l, &[1, 2, 7])?.compute()?, ndarray::array![4.0, 2.0, 0.0].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn sum<T: Measurable>(
    input: &Array<T>,
    labels: &Array<u32>,
    index: &[u32],
) -> Result<Array<f64>> {
    measure("sum", (input, labels, index), PLAIN, |s| s.sum)
}

/// scipy's `sum_labels(input, labels, index)`: the same as [`sum`] (scipy's newer name).
///
/// # Errors
///
/// As [`sum`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure};
/// let x = Array::from_ndarray(ndarray::array![1u16, 2, 3, 4], [2])?;
/// let l = Array::from_ndarray(ndarray::array![1u32, 2, 1, 0], [3])?;
/// assert_eq!(ndmeasure::sum_labels(&x, &l, &[1, 2])?.compute()?, ndarray::array![4.0, 2.0].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn sum_labels<T: Measurable>(
    input: &Array<T>,
    labels: &Array<u32>,
    index: &[u32],
) -> Result<Array<f64>> {
    sum(input, labels, index)
}

/// The median of `input` over each object of `index`, as scipy's `median(input, labels,
/// index)`: the middle value, or the mean of the two middle ones for an even count; NaN for a
/// label with no cells (scipy's answer there is a value of some other cell). Each object's
/// values are gathered in one task ([`labeled_comprehension`]).
///
/// # Errors
///
/// As [`sum`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure};
/// let x = Array::from_ndarray(ndarray::array![1u8, 5, 3, 4, 9, 2], [4])?;
/// let l = Array::from_ndarray(ndarray::array![1u32, 1, 1, 2, 0, 2], [3])?;
/// assert_eq!(ndmeasure::median(&x, &l, &[1, 2])?.compute()?, ndarray::array![3.0, 3.0].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn median<T: Measurable>(
    input: &Array<T>,
    labels: &Array<u32>,
    index: &[u32],
) -> Result<Array<f64>> {
    let middle = |v: &[T]| {
        let mut v: Vec<f64> = v.iter().map(|x| x.to_f64().unwrap_or(f64::NAN)).collect();
        let n = v.len();
        if n == 0 {
            return f64::NAN;
        }
        v.sort_unstable_by(f64::total_cmp);
        if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    };
    labeled_comprehension(input, labels, index, middle, f64::NAN)
}

/// The number of cells of each object of `index`.
///
/// # Errors
///
/// As [`sum`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure};
/// let x = Array::from_ndarray(ndarray::array![1.0, 2.0, 3.0, 4.0], [2])?;
/// let l = Array::from_ndarray(ndarray::array![1u32, 2, 1, 0], [3])?;
/// assert_eq!(ndmeasure::count(&x, &l, &[0, 1])?.compute()?, ndarray::array![1u64, 2].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn count<T: Measurable>(
    input: &Array<T>,
    labels: &Array<u32>,
    index: &[u32],
) -> Result<Array<u64>> {
    measure("count", (input, labels, index), PLAIN, |s| s.n)
}

/// The mean of `input` over each object of `index`, as scipy's `mean` (NaN for a label with
/// no cells).
///
/// # Errors
///
/// As [`sum`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure};
/// let x = Array::from_ndarray(ndarray::array![1.0, 2.0, 3.0, 4.0], [2])?;
/// let l = Array::from_ndarray(ndarray::array![1u32, 2, 1, 0], [3])?;
/// assert_eq!(ndmeasure::mean(&x, &l, &[1])?.compute()?, ndarray::array![2.0].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn mean<T: Measurable>(
    input: &Array<T>,
    labels: &Array<u32>,
    index: &[u32],
) -> Result<Array<f64>> {
    measure("mean", (input, labels, index), MOMENTS, |s| {
        if s.n == 0 { f64::NAN } else { s.mean }
    })
}

/// The variance (divided by the count, as scipy's `variance`) of `input` over each object of
/// `index`; NaN for a label with no cells.
///
/// # Errors
///
/// As [`sum`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure};
/// let x = Array::from_ndarray(ndarray::array![1.0, 2.0, 3.0, 4.0], [2])?;
/// let l = Array::from_ndarray(ndarray::array![1u32, 2, 1, 0], [3])?;
/// assert_eq!(ndmeasure::variance(&x, &l, &[1])?.compute()?, ndarray::array![1.0].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn variance<T: Measurable>(
    input: &Array<T>,
    labels: &Array<u32>,
    index: &[u32],
) -> Result<Array<f64>> {
    measure("variance", (input, labels, index), MOMENTS, |s| {
        if s.n == 0 {
            f64::NAN
        } else {
            s.m2 / s.n as f64
        }
    })
}

/// The standard deviation (the square root of [`variance`]) over each object of `index`.
///
/// # Errors
///
/// As [`sum`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure};
/// let x = Array::from_ndarray(ndarray::array![1.0, 2.0, 5.0, 4.0], [2])?;
/// let l = Array::from_ndarray(ndarray::array![1u32, 2, 1, 0], [3])?;
/// assert_eq!(ndmeasure::standard_deviation(&x, &l, &[1])?.compute()?, ndarray::array![2.0].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn standard_deviation<T: Measurable>(
    input: &Array<T>,
    labels: &Array<u32>,
    index: &[u32],
) -> Result<Array<f64>> {
    measure("standard_deviation", (input, labels, index), MOMENTS, |s| {
        if s.n == 0 {
            f64::NAN
        } else {
            (s.m2 / s.n as f64).sqrt()
        }
    })
}

/// The smallest value of `input` in each object of `index`, as scipy's `minimum` (0 for a
/// label with no cells, as scipy).
///
/// # Errors
///
/// As [`sum`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure};
/// let x = Array::from_ndarray(ndarray::array![7i32, 2, 3, 4], [2])?;
/// let l = Array::from_ndarray(ndarray::array![1u32, 2, 1, 0], [3])?;
/// assert_eq!(ndmeasure::minimum(&x, &l, &[1, 9])?.compute()?, ndarray::array![3, 0].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn minimum<T: Measurable>(
    input: &Array<T>,
    labels: &Array<u32>,
    index: &[u32],
) -> Result<Array<T>> {
    measure("minimum", (input, labels, index), EXTREMES, |s| {
        s.min.map_or_else(T::default, |m| m.0)
    })
}

/// The largest value of `input` in each object of `index`, as scipy's `maximum` (0 for a
/// label with no cells).
///
/// # Errors
///
/// As [`sum`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure};
/// let x = Array::from_ndarray(ndarray::array![7i32, 2, 3, 4], [2])?;
/// let l = Array::from_ndarray(ndarray::array![1u32, 2, 1, 0], [3])?;
/// assert_eq!(ndmeasure::maximum(&x, &l, &[1])?.compute()?, ndarray::array![7].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn maximum<T: Measurable>(
    input: &Array<T>,
    labels: &Array<u32>,
    index: &[u32],
) -> Result<Array<T>> {
    measure("maximum", (input, labels, index), EXTREMES, |s| {
        s.max.map_or_else(T::default, |m| m.0)
    })
}

/// The centre of mass of each object of `index`, weighted by `input`, as scipy's
/// `center_of_mass`: one row of coordinates per index (NaN for a label with no mass).
///
/// # Errors
///
/// As [`sum`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure};
/// let x = Array::from_ndarray(ndarray::array![[1.0, 3.0], [0.0, 0.0]], [1, 1])?;
/// let l = Array::from_ndarray(ndarray::array![[1u32, 1], [0, 0]], [2, 2])?;
/// let c = ndmeasure::center_of_mass(&x, &l, &[1])?.compute()?;
/// assert_eq!(c, ndarray::array![[0.0, 0.75]].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn center_of_mass<T: Measurable>(
    input: &Array<T>,
    labels: &Array<u32>,
    index: &[u32],
) -> Result<Array<f64>> {
    let coords = Needs {
        coords: true,
        ..PLAIN
    };
    let (r, which) = stats("center_of_mass", input, labels, index, coords)?;
    per_index_rows(r, which, input.ndim(), |st, axis| {
        st.weighted.get(axis).copied().unwrap_or(0.0) / st.sum
    })
}

/// The extremes of each object of `index` and where they are, as scipy's `extrema`:
/// minimums, maximums (1-D, 0 for a label with no cells) and their positions (one row of
/// coordinates per index, the first in raster order on ties, zeros for a label with no cells).
///
/// # Errors
///
/// As [`sum`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure};
/// let x = Array::from_ndarray(ndarray::array![[1.0, 9.0], [4.0, 0.5]], [1, 1])?;
/// let l = Array::from_ndarray(ndarray::array![[1u32, 1], [1, 0]], [2, 2])?;
/// let (lo, hi, at_lo, at_hi) = ndmeasure::extrema(&x, &l, &[1])?;
/// assert_eq!((lo.compute()?[[0]], hi.compute()?[[0]]), (1.0, 9.0));
/// assert_eq!(at_hi.compute()?, ndarray::array![[0usize, 1]].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
#[allow(clippy::type_complexity)]
pub fn extrema<T: Measurable>(
    input: &Array<T>,
    labels: &Array<u32>,
    index: &[u32],
) -> Result<(Array<T>, Array<T>, Array<usize>, Array<usize>)> {
    let (r, which) = stats("extrema", input, labels, index, EXTREMES)?;
    let lo = per_index(r.clone(), which.clone(), |s| {
        s.min.map_or_else(T::default, |m| m.0)
    })?;
    let hi = per_index(r.clone(), which.clone(), |s| {
        s.max.map_or_else(T::default, |m| m.0)
    })?;
    let shape = input.shape().to_vec();
    let positions = |pick: fn(&Stats<T>) -> Option<(T, usize)>| {
        let shape = shape.clone();
        per_index_rows(r.clone(), which.clone(), shape.len(), move |st, axis| {
            let pos = pick(st).map_or(0, |m| m.1);
            let inner: usize = shape[axis + 1..].iter().product();
            (pos / inner) % shape[axis]
        })
    };
    Ok((lo, hi, positions(|s| s.min)?, positions(|s| s.max)?))
}

/// The bounding box of each label `1..=max` of `labels`, as scipy's `find_objects`: entry
/// `k - 1` holds label `k`'s ranges per axis, or `None` if no cell has it. Computes `labels`.
///
/// # Errors
///
/// The errors of computing `labels`.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure};
/// let l = Array::from_ndarray(ndarray::array![[0u32, 2, 2], [0, 0, 2]], [1, 2])?;
/// let boxes = ndmeasure::find_objects(&l)?;
/// assert_eq!(boxes, vec![None, Some(vec![0..2, 1..3])]);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn find_objects(labels: &Array<u32>) -> Result<Vec<Option<Vec<Range<usize>>>>> {
    register_wire();
    type Boxes = HashMap<u32, Vec<Range<usize>>>;
    let all: Vec<usize> = (0..labels.ndim()).collect();
    let chunk = |b: ArrayViewD<'_, u32>, _: &[usize], start: &[usize]| {
        let mut boxes: Boxes = HashMap::new();
        for (idx, &l) in b.indexed_iter() {
            if l == 0 {
                continue;
            }
            let cell: Vec<usize> = (0..b.ndim()).map(|k| start[k] + idx[k]).collect();
            let e = boxes
                .entry(l)
                .or_insert_with(|| cell.iter().map(|&c| c..c + 1).collect());
            for (r, &c) in e.iter_mut().zip(&cell) {
                *r = r.start.min(c)..r.end.max(c + 1);
            }
        }
        ArrayD::from_elem(IxDyn(&vec![1; b.ndim()]), boxes)
    };
    let merge = |a: &Boxes, b: &Boxes| {
        let mut m = a.clone();
        for (&l, bx) in b {
            let e = m.entry(l).or_insert_with(|| bx.clone());
            for (r, s) in e.iter_mut().zip(bx) {
                *r = r.start.min(s.start)..r.end.max(s.end);
            }
        }
        m
    };
    let boxes = labels
        .reduction(&all, false, 4, chunk, merge, |b| Ok(b.clone()))?
        .compute()?;
    let boxes = boxes.iter().next().cloned().unwrap_or_default();
    let max = boxes.keys().copied().max().unwrap_or(0);
    Ok((1..=max).map(|l| boxes.get(&l).cloned()).collect())
}

/// The labels with every object that touches the array's outer faces removed (set to 0), as
/// scikit-image's `segmentation.clear_border(labels)`: the usual step before measuring, since
/// an object cut by the edge of the field of view cannot be measured whole. Lazy: a first pass
/// collects the labels found on the faces (from the blocks on the faces only), a second clears
/// them. For a mask, label it first; labelling the cleared mask again numbers the objects left
/// `1..`.
///
/// # Errors
///
/// None when building; the errors of computing `labels`.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure};
/// let l = Array::from_ndarray(ndarray::array![
///     [1u32, 0, 0, 0],
///     [0, 0, 2, 0],
///     [0, 3, 3, 0],
///     [0, 0, 3, 0],
/// ], [2, 2])?;
/// let cleared = ndmeasure::clear_border(&l)?.compute()?;
/// assert_eq!(cleared, ndarray::array![
///     [0u32, 0, 0, 0],
///     [0, 0, 2, 0],
///     [0, 0, 0, 0],
///     [0, 0, 0, 0],
/// ].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn clear_border(labels: &Array<u32>) -> Result<Array<u32>> {
    register_wire();
    let shape = labels.shape().to_vec();
    let touching = distinct_labels(labels, move |b, start| {
        let ndim = b.ndim();
        let on_face = |k: usize, i: usize| start[k] + i == 0 || start[k] + i + 1 == shape[k];
        let mut found = Vec::new();
        // Interior blocks hold no face cell: skip them without a look at their cells.
        if (0..ndim).any(|k| on_face(k, 0) || on_face(k, b.shape()[k].saturating_sub(1))) {
            for (idx, &l) in b.indexed_iter() {
                if l != 0 && (0..ndim).any(|k| on_face(k, idx[k])) {
                    found.push(l);
                }
            }
        }
        found
    })?;
    labels.zip_blocks("clear_border", &touching, |b, touching| {
        let Some(touching) = touching.iter().next() else {
            return b.to_owned();
        };
        b.mapv(|l| {
            if touching.binary_search(&l).is_ok() {
                0
            } else {
                l
            }
        })
    })
}

/// The labels `found` picks out of each block (given its offset in the whole array), merged
/// in a tree into one sorted list without repeats: a lazy 0-d array.
fn distinct_labels(
    labels: &Array<u32>,
    found: impl Fn(ArrayViewD<'_, u32>, &[usize]) -> Vec<u32> + Send + Sync + 'static,
) -> Result<Array<Vec<u32>>> {
    let all: Vec<usize> = (0..labels.ndim()).collect();
    let chunk = move |b: ArrayViewD<'_, u32>, _: &[usize], start: &[usize]| {
        let ones = vec![1; b.ndim()];
        let mut found = found(b, start);
        found.sort_unstable();
        found.dedup();
        ArrayD::from_elem(IxDyn(&ones), found)
    };
    labels.reduction(
        &all,
        false,
        4,
        chunk,
        |a, b| histogram::merge_distinct(a, b),
        |v| Ok(v.clone()),
    )
}

/// The cells of the objects of `labels` (label not 0) that hold at least one `true` cell of
/// `seeds`: a reduction collects those objects' labels (as [`clear_border`] collects the
/// labels on the faces), then each block of labels is looked up in them. What
/// `ndmorph::binary_propagation` and `binary_fill_holes` follow across blocks.
pub(crate) fn objects_holding(labels: &Array<u32>, seeds: &Array<bool>) -> Result<Array<bool>> {
    register_wire();
    let op = "objects_holding";
    let seeded = labels.zip_with(seeds, |l, s| if s { l } else { 0 })?;
    let held = distinct_labels(&seeded, |b, _| {
        b.iter().copied().filter(|&l| l != 0).collect()
    })?;
    labels.zip_blocks(op, &held, |b, held| {
        let held = held.iter().next().cloned().unwrap_or_default();
        b.mapv(|l| l != 0 && held.binary_search(&l).is_ok())
    })
}

/// Your function over the values of each object of `index`, as scipy's
/// `labeled_comprehension(input, labels, index, func, out_dtype, default)`: `f` receives the
/// object's values (in an unspecified order: block by block) and returns its result; a label
/// with no cells gives `default`. Each object's values are gathered in one task, so this suits
/// objects that fit in memory.
///
/// # Errors
///
/// As [`sum`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure};
/// let x = Array::from_ndarray(ndarray::array![1.0, 5.0, 3.0, 4.0, 9.0], [2])?;
/// let l = Array::from_ndarray(ndarray::array![1u32, 1, 1, 2, 0], [3])?;
/// let median = |v: &[f64]| {
///     let mut v = v.to_vec();
///     v.sort_by(f64::total_cmp);
///     v[v.len() / 2]
/// };
/// let m = ndmeasure::labeled_comprehension(&x, &l, &[1, 2, 3], median, -1.0)?.compute()?;
/// assert_eq!(m, ndarray::array![3.0, 4.0, -1.0].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn labeled_comprehension<T, R, F>(
    input: &Array<T>,
    labels: &Array<u32>,
    index: &[u32],
    f: F,
    default: R,
) -> Result<Array<R>>
where
    T: Measurable,
    R: Element,
    F: Fn(&[T]) -> R + Send + Sync + 'static,
{
    try_labeled_comprehension(
        input,
        labels,
        index,
        move |v: &[T]| Ok::<R, std::convert::Infallible>(f(v)),
        default,
    )
}

/// [`labeled_comprehension`] with a function that may fail with an error of its own type:
/// the computation then fails with [`Error::Failed`], whose
/// [`source`](std::error::Error::source) chain holds that error.
///
/// # Errors
///
/// As [`sum`]; at compute, the first error `f` returns.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ErrorKind, ndmeasure};
///
/// #[derive(Debug)]
/// struct TooSmall(usize);
/// impl std::fmt::Display for TooSmall {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         write!(f, "an object of {} cells is too small to fit", self.0)
///     }
/// }
/// impl std::error::Error for TooSmall {}
///
/// let x = Array::from_ndarray(ndarray::array![1.0, 5.0, 3.0, 4.0, 9.0], [2])?;
/// let l = Array::from_ndarray(ndarray::array![1u32, 1, 1, 2, 0], [3])?;
/// let mean = |v: &[f64]| match v.len() {
///     n if n < 2 => Err(TooSmall(n)),
///     n => Ok(v.iter().sum::<f64>() / n as f64),
/// };
/// let ok = ndmeasure::try_labeled_comprehension(&x, &l, &[1], mean, 0.0)?.compute()?;
/// assert_eq!(ok, ndarray::array![3.0].into_dyn());
/// let err = ndmeasure::try_labeled_comprehension(&x, &l, &[1, 2], mean, 0.0)?
///     .compute()
///     .unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::User);
/// assert_eq!(err.find_source::<TooSmall>().map(|e| e.0), Some(1));
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn try_labeled_comprehension<T, R, E, F>(
    input: &Array<T>,
    labels: &Array<u32>,
    index: &[u32],
    f: F,
    default: R,
) -> Result<Array<R>>
where
    T: Measurable,
    R: Element,
    E: std::error::Error + Send + Sync + 'static,
    F: Fn(&[T]) -> std::result::Result<R, E> + Send + Sync + 'static,
{
    let (pairs, slots, which, n) = labelled("labeled_comprehension", input, labels, index)?;
    let all: Vec<usize> = (0..input.ndim()).collect();
    let chunk = move |b: ArrayViewD<'_, (T, u32)>, _: &[usize], _: &[usize]| {
        let mut out: Vec<Vec<T>> = vec![Vec::new(); n];
        for &(v, l) in b.iter() {
            if let Some(s) = slots.get(l) {
                out[s].push(v);
            }
        }
        ArrayD::from_elem(IxDyn(&vec![1; b.ndim()]), out)
    };
    let merge = |a: &Vec<Vec<T>>, b: &Vec<Vec<T>>| {
        a.iter()
            .zip(b)
            .map(|(x, y)| x.iter().chain(y).copied().collect())
            .collect::<Vec<Vec<T>>>()
    };
    let gathered = pairs.reduction(&all, false, 4, chunk, merge, |s| Ok(s.clone()))?;
    let n = which.len();
    let out = crate::chunks::Chunks::new(&[n], vec![vec![n]])?;
    let each = move |_: &[usize], b: ArrayViewD<'_, Vec<Vec<T>>>| {
        let s = b.iter().next().expect("one partial");
        let values = which.iter().map(|&w| match &s[w] {
            v if v.is_empty() => Ok(default.clone()),
            v => f(v).map_err(|e| Error::user(e).in_task(|| "labeled_comprehension".into())),
        });
        Ok(
            ArrayD::from_shape_vec(IxDyn(&[n]), values.collect::<Result<Vec<R>>>()?)
                .expect("n values"),
        )
    };
    let wrong = |block: &[usize], expected: &[usize], found: &[usize]| Error::BlockShape {
        op: "labeled_comprehension".into(),
        block: block.to_vec(),
        expected: expected.to_vec(),
        found: found.to_vec(),
    };
    Ok(gathered
        .insert_axis(0)?
        .map_blocks_checked("labeled_comprehension", out, each, wrong))
}
