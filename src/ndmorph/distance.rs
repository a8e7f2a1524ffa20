//! Distance transforms: scipy.ndimage's `distance_transform_edt`, `distance_transform_cdt` and
//! `distance_transform_bf`, exact whatever the chunking.
//!
//! Each metric is separable: the distance to the nearest background cell is found one axis at
//! a time, each pass taking, along every line of that axis, the lower envelope of the distances
//! the previous passes found (Maurer, Qi and Raghavan, "A linear time algorithm for computing
//! exact Euclidean distance transforms of binary images in arbitrary dimensions", IEEE PAMI 25,
//! 2003; Meijster, Roerdink and Hesselink, "A general algorithm for computing distance
//! transforms in linear time", 2000, for the chessboard metric). A pass needs whole lines. The
//! first, along axis 0 from the mask itself, is the offset to each column's nearest background
//! cell for every metric: a sweep each way over whole rows of blocks made whole along axis 0.
//! Each later pass runs through [`fft::along`](crate::fft): its output blocks are whole along
//! the axis (under 8 MiB each), reading the previous pass's blocks where they are, with no
//! separate rechunk; the result is chunked as the last pass leaves it, whole along the last
//! axis.
//!
//! ```text
//!   mask ──► heights (0 on the background, ∞ elsewhere) ──► pass along axis 0 ──► ... ──► axis n-1
//!            ┌────┬────┐       ┌─────────┐                  ┌─────────┐
//!            │    │    │  ──►  │ whole   │  ──►  ...  ──►   │ whole   │
//!            ├────┼────┤       │ columns │                  ├─────────┤
//!            │    │    │       │         │                  │ rows    │
//!            └────┴────┘       └─────────┘                  └─────────┘
//! ```
//!
//! The Euclidean pass makes scipy's decisions in scipy's order (the same comparisons of the
//! same floating-point sums), so its distances equal scipy's to the last bit and its indices
//! are scipy's, ties included. The chessboard and taxicab passes give scipy's integer
//! distances; where several background cells are equally near, the index may name another of
//! them than scipy's raster scan does.

use ndarray::ArrayD;

use crate::array::Array;
use crate::error::{Error, Result};
use crate::expr::block::Element;
use crate::fft::along;

/// The metric of a distance transform, as scipy's `metric=`.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmorph::{self, Metric}};
/// let x = Array::from_ndarray(ndarray::array![[true, true, true], [true, true, false]], [1, 2])?;
/// let d = ndmorph::distance_transform_cdt(&x, Metric::Taxicab)?.compute()?;
/// assert_eq!(d, ndarray::array![[3, 2, 1], [2, 1, 0]].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// The straight-line distance (`'euclidean'`).
    Euclidean,
    /// The sum of the steps along each axis (`'taxicab'`, `'cityblock'`, `'manhattan'`).
    Taxicab,
    /// The largest step along any axis (`'chessboard'`).
    Chessboard,
}

/// What a distance transform returns: scipy's `return_distances` and `return_indices` (both
/// false is an error in scipy; here it cannot be said).
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmorph::{self, Returns}};
/// let x = Array::from_ndarray(ndarray::array![false, true, true], [2])?;
/// let t = ndmorph::distance_transform_edt_with(&x, None, Returns::Indices)?;
/// assert!(t.distances.is_none());
/// assert_eq!(t.indices.unwrap().compute()?, ndarray::array![[0i64, 0, 0]].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Returns {
    /// The distances only (scipy's default).
    Distances,
    /// The indices of the nearest background cells only.
    Indices,
    /// Both.
    Both,
}

impl Returns {
    fn distances(self) -> bool {
        self != Returns::Indices
    }

    fn indices(self) -> bool {
        self != Returns::Distances
    }
}

/// The results of a distance transform, as [`Returns`] asked for them.
///
/// `indices` has one more axis than the mask, first, of the mask's number of axes (scipy's
/// `indices`): `indices[k][p]` is coordinate `k` of the background cell nearest to `p`. Where
/// the mask has no background cell at all, every index is -1 (scipy's Euclidean transform
/// then names points outside the array). Both come from the same passes: compute them together
/// ([`compute`](crate::compute)) to run the passes once.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmorph::{self, Metric, Returns}};
/// let x = Array::from_ndarray(ndarray::array![[false, true], [true, true]], [1, 1])?;
/// let t = ndmorph::distance_transform_cdt_with(&x, Metric::Chessboard, Returns::Both)?;
/// assert_eq!(t.distances.unwrap().compute()?, ndarray::array![[0, 1], [1, 1]].into_dyn());
/// assert_eq!(t.indices.unwrap().compute()?, ndarray::Array3::<i64>::zeros((2, 2, 2)).into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
#[derive(Clone)]
pub struct Transform<D: Element> {
    /// The distances, when asked for.
    pub distances: Option<Array<D>>,
    /// The indices of the nearest background cells, when asked for.
    pub indices: Option<Array<i64>>,
}

/// The exact Euclidean distance of every `true` cell of `mask` to the nearest `false` one, as
/// scipy's `distance_transform_edt(mask, sampling)`: 0 on the background, the grid spacing
/// along each axis given by `sampling` (1 when `None`). Equal to scipy's to the last bit
/// whatever the chunking. A mask with no `false` cell gives infinity everywhere (scipy's
/// gives distances to a point outside the array).
///
/// The result is chunked whole along the last axis (see the module's notes).
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a `sampling` of another length than the mask's number of
/// axes, or with a value that is not positive and finite.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmorph};
/// let x = Array::from_ndarray(ndarray::array![[true, true, true], [true, true, false]], [1, 2])?;
/// let d = ndmorph::distance_transform_edt(&x, None)?.compute()?;
/// assert_eq!(d[[0, 0]], 5f64.sqrt());
/// assert_eq!(d[[1, 2]], 0.0);
/// let stretched = ndmorph::distance_transform_edt(&x, Some(&[3.0, 1.0]))?.compute()?;
/// assert_eq!(stretched[[0, 2]], 3.0);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn distance_transform_edt(mask: &Array<bool>, sampling: Option<&[f64]>) -> Result<Array<f64>> {
    let t = distance_transform_edt_with(mask, sampling, Returns::Distances)?;
    Ok(t.distances.expect("distances were asked for"))
}

/// [`distance_transform_edt`] returning the distances, the indices of the nearest background
/// cells (scipy's feature transform, ties broken as scipy's), or both.
///
/// # Errors
///
/// As [`distance_transform_edt`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmorph::{self, Returns}};
/// let x = Array::from_ndarray(ndarray::array![[false, true, true], [true, true, false]], [2, 2])?;
/// let t = ndmorph::distance_transform_edt_with(&x, None, Returns::Both)?;
/// assert_eq!(t.indices.unwrap().compute()?, ndarray::array![[[0i64, 0, 1], [0, 1, 1]], [[0, 0, 2], [0, 2, 2]]].into_dyn());
/// assert_eq!(t.distances.unwrap().compute()?[[0, 1]], 1.0);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn distance_transform_edt_with(
    mask: &Array<bool>,
    sampling: Option<&[f64]>,
    returns: Returns,
) -> Result<Transform<f64>> {
    let op = "distance_transform_edt";
    let sampling = checked_sampling(op, mask.ndim(), sampling)?;
    let s0 = sampling.first().copied().unwrap_or(1.0);
    let line = move |axis: usize| {
        let s = sampling[axis];
        move |h: &[f64], stack: &mut Vec<usize>, dist: &mut [f64], site: &mut [usize]| {
            euclidean_line(h, s, stack, dist, site)
        }
    };
    // scipy's first pass: the squared offset times the spacing, summed from 0.0.
    let first = move |k: usize| {
        let t = k as f64 * s0;
        t * t
    };
    transform(op, mask, returns, line, first, f64::sqrt)
}

/// The chessboard or taxicab distance of every `true` cell of `mask` to the nearest `false`
/// one, as scipy's `distance_transform_cdt(mask, metric)`, exact whatever the chunking. A mask
/// with no `false` cell gives -1 everywhere, as scipy's.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for [`Metric::Euclidean`] (use [`distance_transform_edt`]).
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmorph::{self, Metric}};
/// let x = Array::from_ndarray(ndarray::array![[true, true, true], [true, true, false]], [2, 1])?;
/// let d = ndmorph::distance_transform_cdt(&x, Metric::Chessboard)?.compute()?;
/// assert_eq!(d, ndarray::array![[2, 1, 1], [2, 1, 0]].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn distance_transform_cdt(mask: &Array<bool>, metric: Metric) -> Result<Array<i32>> {
    let t = distance_transform_cdt_with(mask, metric, Returns::Distances)?;
    Ok(t.distances.expect("distances were asked for"))
}

/// [`distance_transform_cdt`] returning the distances, the indices of the nearest background
/// cells, or both. Where several are equally near, the index may name another one than
/// scipy's.
///
/// # Errors
///
/// As [`distance_transform_cdt`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmorph::{self, Metric, Returns}};
/// let x = Array::from_ndarray(ndarray::array![true, false, true, true], [3])?;
/// let t = ndmorph::distance_transform_cdt_with(&x, Metric::Taxicab, Returns::Indices)?;
/// assert_eq!(t.indices.unwrap().compute()?, ndarray::array![[1i64, 1, 1, 1]].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn distance_transform_cdt_with(
    mask: &Array<bool>,
    metric: Metric,
    returns: Returns,
) -> Result<Transform<i32>> {
    let op = "distance_transform_cdt";
    match metric {
        Metric::Taxicab => transform(
            op,
            mask,
            returns,
            |_| taxicab_line,
            chamfer_first,
            scipy_cdt,
        ),
        Metric::Chessboard => transform(
            op,
            mask,
            returns,
            |_| chessboard_line,
            chamfer_first,
            scipy_cdt,
        ),
        Metric::Euclidean => Err(Error::InvalidParameter {
            op,
            name: "metric",
            value: "Euclidean".into(),
            expected: "Chessboard or Taxicab (distance_transform_edt gives Euclidean distances)",
        }),
    }
}

/// scipy's `distance_transform_bf(mask, metric, sampling)`: the distances of
/// [`distance_transform_edt`] or [`distance_transform_cdt`] as `f64` (scipy's are `u32` for
/// the chessboard and taxicab metrics), computed by the same exact separable passes rather
/// than by brute force. `sampling` applies to the Euclidean metric only, as in scipy.
///
/// # Errors
///
/// As [`distance_transform_edt`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmorph::{self, Metric}};
/// let x = Array::from_ndarray(ndarray::array![true, true, false, true], [2])?;
/// let d = ndmorph::distance_transform_bf(&x, Metric::Taxicab, None)?.compute()?;
/// assert_eq!(d, ndarray::array![2.0, 1.0, 0.0, 1.0].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn distance_transform_bf(
    mask: &Array<bool>,
    metric: Metric,
    sampling: Option<&[f64]>,
) -> Result<Array<f64>> {
    let t = distance_transform_bf_with(mask, metric, sampling, Returns::Distances)?;
    Ok(t.distances.expect("distances were asked for"))
}

/// [`distance_transform_bf`] returning the distances, the indices, or both.
///
/// # Errors
///
/// As [`distance_transform_edt`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmorph::{self, Metric, Returns}};
/// let x = Array::from_ndarray(ndarray::array![true, true, false, true], [2])?;
/// let t = ndmorph::distance_transform_bf_with(&x, Metric::Chessboard, None, Returns::Both)?;
/// assert_eq!(t.distances.unwrap().compute()?, ndarray::array![2.0, 1.0, 0.0, 1.0].into_dyn());
/// assert_eq!(t.indices.unwrap().compute()?, ndarray::array![[2i64, 2, 2, 2]].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn distance_transform_bf_with(
    mask: &Array<bool>,
    metric: Metric,
    sampling: Option<&[f64]>,
    returns: Returns,
) -> Result<Transform<f64>> {
    if metric == Metric::Euclidean {
        return distance_transform_edt_with(mask, sampling, returns);
    }
    checked_sampling("distance_transform_bf", mask.ndim(), sampling)?;
    let t = distance_transform_cdt_with(mask, metric, returns)?;
    Ok(Transform {
        distances: t.distances.map(|d| d.map(f64::from)),
        indices: t.indices,
    })
}

/// `sampling`, or 1 along every axis; an error unless it has one positive, finite value per
/// axis.
fn checked_sampling(op: &'static str, ndim: usize, sampling: Option<&[f64]>) -> Result<Vec<f64>> {
    let Some(s) = sampling else {
        return Ok(vec![1.0; ndim]);
    };
    if s.len() != ndim {
        return Err(Error::InvalidParameter {
            op,
            name: "sampling",
            value: format!("{s:?}"),
            expected: "one spacing per axis of the mask",
        });
    }
    if let Some(v) = s.iter().find(|v| !(v.is_finite() && **v > 0.0)) {
        return Err(Error::InvalidParameter {
            op,
            name: "sampling",
            value: v.to_string(),
            expected: "positive, finite spacings",
        });
    }
    Ok(s.to_vec())
}

/// A distance between passes: squared for the Euclidean metric (`f64`), plain for the others
/// (`i32`), `FAR` where no background cell was found yet.
trait Height: Element + Copy + PartialEq {
    const ZERO: Self;
    const FAR: Self;
}

impl Height for f64 {
    const ZERO: Self = 0.0;
    const FAR: Self = f64::INFINITY;
}

impl Height for i32 {
    const ZERO: Self = 0;
    const FAR: Self = i32::MAX;
}

/// A cell's state between passes: its distance to the nearest background cell the passes so
/// far found and, when indices are wanted (`(H, i64)`), that cell's position: the part of its
/// row-major flat index that the passes so far fixed (-1 for none).
trait Cell<H>: Element + Copy {
    fn new(h: H, at: i64) -> Self;
    fn height(self) -> H;
    fn at(self) -> i64;
}

impl<H: Height> Cell<H> for H {
    fn new(h: H, _: i64) -> Self {
        h
    }
    fn height(self) -> H {
        self
    }
    fn at(self) -> i64 {
        0
    }
}

impl<H: Height> Cell<H> for (H, i64) {
    fn new(h: H, at: i64) -> Self {
        (h, at)
    }
    fn height(self) -> H {
        self.0
    }
    fn at(self) -> i64 {
        self.1
    }
}

/// No site on a line: the `site` every position of it gets.
const NO_SITE: usize = usize::MAX;

/// The scratch space of one line's pass: the line's heights, their sites' stack, and each
/// position's distance and nearest site.
struct Scratch<H> {
    heights: Vec<H>,
    stack: Vec<usize>,
    dist: Vec<H>,
    site: Vec<usize>,
}

/// The distance transform of `mask` by a first pass along axis 0 giving `first(offset)` for
/// the nearest background cell `offset` rows away, then one pass of `line(axis)` per further
/// axis, each distance finished by `finish`, returning what `returns` asks for.
fn transform<H, D, L>(
    op: &'static str,
    mask: &Array<bool>,
    returns: Returns,
    line: impl Fn(usize) -> L,
    first: impl Fn(usize) -> H + Copy + Send + Sync + 'static,
    finish: fn(H) -> D,
) -> Result<Transform<D>>
where
    H: Height,
    D: Element + Copy,
    L: Fn(&[H], &mut Vec<usize>, &mut [H], &mut [usize]) + Send + Sync + 'static,
{
    // Cells with their sites' positions cross ranks between passes on a cluster.
    crate::dtype::register::<(f64, i64)>();
    crate::dtype::register::<(i32, i64)>();
    if !returns.indices() {
        let distances = passes::<H, H, D, L>(op, mask, &line, first, move |h, _| finish(h))?;
        return Ok(Transform {
            distances: Some(distances),
            indices: None,
        });
    }
    let cells = passes::<H, (H, i64), (H, i64), L>(op, mask, &line, first, |h, at| (h, at))?;
    let distances = returns
        .distances()
        .then(|| cells.map(move |(h, _)| finish(h)));
    // Coordinate k of a flat index: its quotient by the stride of axis k, modulo the length.
    let shape = mask.shape().to_vec();
    let axes = (0..shape.len())
        .map(|k| {
            let stride = shape[k + 1..].iter().product::<usize>() as i64;
            let len = shape[k] as i64;
            cells.map(move |(_, at)| if at < 0 { -1 } else { at / stride % len })
        })
        .collect::<Vec<_>>();
    let indices = if axes.is_empty() {
        // A 0-d mask: no coordinates, an index array of shape (0,).
        Array::from_ndarray(ndarray::Array1::<i64>::zeros(0), [1])?
    } else {
        crate::array::stack(0, &axes)?
    };
    Ok(Transform {
        distances,
        indices: Some(indices),
    })
}

/// `mask` after a pass of `line(axis)` along each axis in turn, the cells between passes of
/// type `C` and each cell of the last pass made by `last(distance, flat index of its site)`.
/// The first pass reads the mask itself and the last writes `last`'s values, so that no pass
/// of its own converts the mask or finishes the distances.
fn passes<H, C, O, L>(
    op: &'static str,
    mask: &Array<bool>,
    line: &impl Fn(usize) -> L,
    first: impl Fn(usize) -> H + Send + Sync + 'static,
    last: impl Fn(H, i64) -> O + Send + Sync + 'static,
) -> Result<Array<O>>
where
    H: Height,
    C: Cell<H>,
    O: Element + Copy,
    L: Fn(&[H], &mut Vec<usize>, &mut [H], &mut [usize]) + Send + Sync + 'static,
{
    let shape = mask.shape();
    let ndim = shape.len();
    let background = |m: bool| if m { H::FAR } else { H::ZERO };
    if ndim == 0 || shape.contains(&0) {
        return Ok(mask.map(move |m| last(background(m), if m { -1 } else { 0 })));
    }
    if ndim == 1 {
        return first_pass(mask, first, last);
    }
    let mut cells: Array<C> = first_pass(mask, first, C::new)?;
    for axis in 1..ndim - 1 {
        cells = pass(op, &cells, axis, line(axis), C::height, C::at, C::new)?;
    }
    pass(op, &cells, ndim - 1, line(ndim - 1), C::height, C::at, last)
}

/// The first pass, along axis 0 of the mask: every metric's distance along one axis is that to
/// the nearest background cell of the column, `first(offset)`, the earlier one on a tie (as the
/// lower envelope's query keeps it). Found by a sweep each way over whole rows of a block whole
/// along axis 0, so that the columns are read side by side rather than gathered lane by lane;
/// each cell `make(distance, flat index of its site)`.
fn first_pass<H, O>(
    mask: &Array<bool>,
    first: impl Fn(usize) -> H + Send + Sync + 'static,
    make: impl Fn(H, i64) -> O + Send + Sync + 'static,
) -> Result<Array<O>>
where
    H: Height,
    O: Element + Copy,
{
    let mut chunks = mask.chunks().to_vec();
    chunks[0] = vec![mask.shape()[0]];
    let stride = mask.shape()[1..].iter().product::<usize>() as i64;
    let columns = mask.rechunk(chunks)?;
    Ok(columns.map_blocks(move |b| {
        let b = b.as_standard_layout();
        let m = b.as_slice().expect("standard layout");
        if m.is_empty() {
            // A block empty along some axis (chunks of length 0 are allowed).
            return ArrayD::from_shape_vec(b.raw_dim(), Vec::new()).expect("no cells");
        }
        let rows = b.shape()[0];
        let width = m.len() / rows;
        const NONE: u32 = u32::MAX;
        // The nearest background row at or before each cell, then the nearer of it and the
        // nearest at or after.
        let mut site = vec![NONE; m.len()];
        let mut seen = vec![NONE; width];
        for (i, (row, out)) in m
            .chunks_exact(width)
            .zip(site.chunks_exact_mut(width))
            .enumerate()
        {
            for ((&fg, s), o) in row.iter().zip(seen.iter_mut()).zip(out.iter_mut()) {
                if !fg {
                    *s = i as u32;
                }
                *o = *s;
            }
        }
        seen.fill(NONE);
        for (i, (row, out)) in m
            .chunks_exact(width)
            .zip(site.chunks_exact_mut(width))
            .enumerate()
            .rev()
        {
            for ((&fg, s), o) in row.iter().zip(seen.iter_mut()).zip(out.iter_mut()) {
                if !fg {
                    *s = i as u32;
                }
                let i = i as u32;
                if *s != NONE && (*o == NONE || i - *o > *s - i) {
                    *o = *s;
                }
            }
        }
        let cells: Vec<O> = site
            .iter()
            .enumerate()
            .map(|(p, &s)| {
                if s == NONE {
                    make(H::FAR, -1)
                } else {
                    make(
                        first((p / width).abs_diff(s as usize)),
                        i64::from(s) * stride,
                    )
                }
            })
            .collect();
        ArrayD::from_shape_vec(b.raw_dim(), cells).expect("one cell per mask cell")
    }))
}

/// One pass of `line` along `axis` over `a`, whose cells give their distance by `height` and
/// their site's flat index by `at`: each output cell `make(distance, flat index of its site)`,
/// `make(FAR, -1)` on a line without sites.
fn pass<I, O, H, L>(
    op: &'static str,
    a: &Array<I>,
    axis: usize,
    line: L,
    height: fn(I) -> H,
    at: fn(I) -> i64,
    make: impl Fn(H, i64) -> O + Send + Sync + 'static,
) -> Result<Array<O>>
where
    I: Element + Copy,
    O: Element + Copy,
    H: Height,
    L: Fn(&[H], &mut Vec<usize>, &mut [H], &mut [usize]) + Send + Sync + 'static,
{
    let n = a.shape()[axis];
    let stride = a.shape()[axis + 1..].iter().product::<usize>() as i64;
    let scratch = move || Scratch {
        heights: Vec::with_capacity(n),
        stack: Vec::with_capacity(n),
        dist: vec![H::FAR; n],
        site: vec![NO_SITE; n],
    };
    let lanes = move |input: &mut [I], out: &mut [O], count: usize, s: &mut Scratch<H>| {
        for (lane, dst) in input
            .chunks_exact(n)
            .zip(out.chunks_exact_mut(n))
            .take(count)
        {
            s.heights.clear();
            s.heights.extend(lane.iter().map(|&c| height(c)));
            line(&s.heights, &mut s.stack, &mut s.dist, &mut s.site);
            for ((d, &h), &i) in dst.iter_mut().zip(&s.dist).zip(&s.site) {
                *d = if i == NO_SITE {
                    make(H::FAR, -1)
                } else {
                    make(h, at(lane[i]) + i as i64 * stride)
                };
            }
        }
    };
    along(op, a, axis, n, n, scratch, lanes)
}

/// The chessboard and taxicab distance along one axis: the offset.
fn chamfer_first(k: usize) -> i32 {
    k as i32
}

/// A chessboard or taxicab distance as scipy gives it: -1 where no background cell was found.
fn scipy_cdt(d: i32) -> i32 {
    if d == i32::FAR { -1 } else { d }
}

/// The Euclidean pass along one line of squared distances `h` (infinite where the line has no
/// site), the grid spacing along it `s`. Maurer et al.'s: the sites whose parabolas
/// `h[i] + ((j - i) s)²` reach the lower envelope are kept on a stack, a site dropped when the
/// one before it and the new one hide it (the test `c v - b u - a w - a b c > 0` on the
/// spacings `a`, `b`, `c = a + b` and heights `u`, `v`, `w`); then each position takes the
/// first of them not beaten strictly by the next. scipy's decisions, in its order.
fn euclidean_line(h: &[f64], s: f64, stack: &mut Vec<usize>, dist: &mut [f64], site: &mut [usize]) {
    stack.clear();
    for (i, &w) in h.iter().enumerate() {
        if w == f64::INFINITY {
            continue;
        }
        while let [.., i2, i1] = stack[..] {
            let a = (i1 - i2) as f64 * s;
            let b = (i - i1) as f64 * s;
            let c = a + b;
            if c * h[i1] - b * h[i2] - a * w - a * b * c <= 0.0 {
                break;
            }
            stack.pop();
        }
        stack.push(i);
    }
    if stack.is_empty() {
        dist.fill(f64::INFINITY);
        site.fill(NO_SITE);
        return;
    }
    let at = |i: usize, j: usize| {
        let t = (i as f64 - j as f64) * s;
        h[i] + t * t
    };
    let mut l = 0;
    for j in 0..h.len() {
        let mut d1 = at(stack[l], j);
        while l + 1 < stack.len() {
            let d2 = at(stack[l + 1], j);
            if d1 <= d2 {
                break;
            }
            d1 = d2;
            l += 1;
        }
        dist[j] = d1;
        site[j] = stack[l];
    }
}

/// The taxicab pass along one line: `min over i of |j - i| + h[i]`, by a sweep each way (the
/// nearer site kept, the earlier one on a tie).
fn taxicab_line(h: &[i32], _: &mut Vec<usize>, dist: &mut [i32], site: &mut [usize]) {
    const FAR: i32 = i32::FAR;
    let mut cur = (FAR, NO_SITE);
    for (j, &v) in h.iter().enumerate() {
        if cur.0 != FAR {
            cur.0 += 1;
        }
        if v != FAR && v < cur.0 {
            cur = (v, j);
        }
        dist[j] = cur.0;
        site[j] = cur.1;
    }
    let mut cur = (FAR, NO_SITE);
    for j in (0..h.len()).rev() {
        if cur.0 != FAR {
            cur.0 += 1;
        }
        if cur.0 < dist[j] {
            dist[j] = cur.0;
            site[j] = cur.1;
        } else {
            cur = (dist[j], site[j]);
        }
    }
}

/// The chessboard pass along one line: `min over i of max(|j - i|, h[i])`, by Meijster et
/// al.'s lower envelope with their separator for this metric: `sites` holds the sites on the
/// envelope, `starts` where each begins to be the nearest.
fn chessboard_line(h: &[i32], sites: &mut Vec<usize>, dist: &mut [i32], site: &mut [usize]) {
    let n = h.len() as i64;
    let f = |x: i64, i: usize| (x - i as i64).abs().max(i64::from(h[i]));
    // The last position at which site `i` is still at least as near as `u` (`i < u`).
    let sep = |i: usize, u: usize| {
        let (a, b) = (i as i64, u as i64);
        let (hi, hu) = (i64::from(h[i]), i64::from(h[u]));
        if hi <= hu {
            (a + hu).max((a + b).div_euclid(2))
        } else {
            (b - hi).min((a + b).div_euclid(2))
        }
    };
    sites.clear();
    let mut starts: Vec<i64> = Vec::new();
    for (u, &v) in h.iter().enumerate() {
        if v == i32::FAR {
            continue;
        }
        while let (Some(&s), Some(&t)) = (sites.last(), starts.last()) {
            if f(t, s) > f(t, u) {
                sites.pop();
                starts.pop();
            } else {
                break;
            }
        }
        match sites.last() {
            None => {
                sites.push(u);
                starts.push(0);
            }
            Some(&s) => {
                let w = 1 + sep(s, u);
                if w < n {
                    sites.push(u);
                    starts.push(w);
                }
            }
        }
    }
    if sites.is_empty() {
        dist.fill(i32::FAR);
        site.fill(NO_SITE);
        return;
    }
    let mut q = sites.len() - 1;
    for u in (0..h.len()).rev() {
        dist[u] = f(u as i64, sites[q]) as i32;
        site[u] = sites[q];
        if q > 0 && u as i64 == starts[q] {
            q -= 1;
        }
    }
}
