//! Ghost cells: how far blocks overlap (`Depth`), how the array's outer edge is padded
//! (`Boundary`), and where each cell of a padded block comes from.
//!
//! ```text
//!   axis of length 8, blocks [3, 3, 2], depth 2, Boundary::Reflect
//!
//!   padded block 0:   b a | a b c | d e          block 1:  b c | d e f | g h
//!                     └┬┘   └──┬┘   └┬┘                    └┬┘   └─┬─┘   └┬┘
//!                  reflect  block 0  block 1             block 0  block 1  block 2
//! ```
//!
//! Each padded cell maps, axis by axis, to a cell of the array or to a constant. Runs of
//! consecutive cells that read consecutive cells of one input block (forward, or backward for a
//! reflection, or one cell repeated for `Nearest`) are copied as one slice.

use std::ops::Range;

use ndarray::Slice;

use super::Chunks;
use crate::error::{Error, Result};

/// How ghost cells beyond the array's outer edge are filled.
///
/// With the edge `a b c d` of an axis and a depth of 3:
///
/// | variant | lower padding | numpy / scipy.ndimage / dask |
/// | --- | --- | --- |
/// | `None` | (no padding: edge blocks only get cells from inner neighbours) | dask `'none'` |
/// | `Reflect` | `c b a \| a b c d` (the edge cell repeated) | numpy `symmetric`, scipy `reflect`, dask `reflect` |
/// | `Mirror` | `d c b \| a b c d` (the edge cell not repeated) | numpy `reflect`, scipy `mirror` |
/// | `Periodic` | `b c d \| a b c d` (wrap around) | numpy `wrap`, scipy `wrap`, dask `periodic` |
/// | `Nearest` | `a a a \| a b c d` | numpy `edge`, scipy `nearest`, dask `nearest` |
/// | `Constant(v)` | `v v v \| a b c d` | numpy `constant`, scipy `constant`, dask `constant` |
///
/// Padding is applied axis after axis, so corner cells come from the padding of the later axis
/// (a constant on axis 1 fills the corners it shares with axis 0), as in numpy.pad and dask.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Boundary};
/// let x = Array::from_ndarray(ndarray::array![1, 2, 3, 4], [4])?;
/// let padded = x.overlap(2, Boundary::Reflect)?.compute()?;
/// assert_eq!(padded, ndarray::array![2, 1, 1, 2, 3, 4, 4, 3].into_dyn());
/// let padded = x.overlap(2, Boundary::Constant(0))?.compute()?;
/// assert_eq!(padded, ndarray::array![0, 0, 1, 2, 3, 4, 0, 0].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Boundary<T> {
    /// No padding at the outer edge.
    None,
    /// Mirror image including the edge cell: `c b a | a b c d`.
    Reflect,
    /// Mirror image excluding the edge cell: `d c b | a b c d`.
    Mirror,
    /// Wrap around: `b c d | a b c d`.
    Periodic,
    /// Repeat the edge cell: `a a a | a b c d`.
    Nearest,
    /// A constant: `v v v | a b c d`.
    Constant(T),
}

impl<T> Boundary<T> {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Boundary::None => "None",
            Boundary::Reflect => "Reflect",
            Boundary::Mirror => "Mirror",
            Boundary::Periodic => "Periodic",
            Boundary::Nearest => "Nearest",
            Boundary::Constant(_) => "Constant",
        }
    }

    /// The index of the array cell that padded position `p` (which may be negative or past
    /// the end) reads along an axis of length `len`; `None` for a constant (or no) padding.
    pub(crate) fn source(&self, p: isize, len: usize) -> Option<usize> {
        let n = len as isize;
        if (0..n).contains(&p) {
            return Some(p as usize);
        }
        let q = match self {
            Boundary::None | Boundary::Constant(_) => return None,
            Boundary::Nearest => p.clamp(0, n - 1),
            Boundary::Periodic => p.rem_euclid(n),
            Boundary::Reflect => {
                let q = p.rem_euclid(2 * n);
                if q < n { q } else { 2 * n - 1 - q }
            }
            Boundary::Mirror => {
                if n == 1 {
                    0
                } else {
                    let q = p.rem_euclid(2 * n - 2);
                    if q < n { q } else { 2 * n - 2 - q }
                }
            }
        };
        Some(q as usize)
    }
}

/// Ghost-cell depth per axis: cells taken from the lower and from the upper neighbour.
///
/// # Examples
///
/// ```
/// use chunkwise::{Depth, IntoDepth};
/// assert_eq!(2.into_depth(2)?, Depth::new(vec![(2, 2), (2, 2)]));
/// assert_eq!([1, 0].into_depth(2)?, Depth::new(vec![(1, 1), (0, 0)]));
/// assert_eq!(vec![(0, 3)].into_depth(1)?, Depth::new(vec![(0, 3)]));
/// assert!([1, 2, 3].into_depth(2).is_err());
/// # Ok::<(), chunkwise::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Depth(Vec<(usize, usize)>);

impl Depth {
    /// Per-axis `(lower, upper)` depths.
    ///
    /// # Examples
    ///
    /// ```
    /// let d = chunkwise::Depth::new(vec![(1, 2)]);
    /// assert_eq!(d.axes(), &[(1, 2)]);
    /// ```
    pub fn new(axes: Vec<(usize, usize)>) -> Depth {
        Depth(axes)
    }

    /// The `(lower, upper)` depth of each axis.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::IntoDepth;
    /// assert_eq!(3.into_depth(1)?.axes(), &[(3, 3)]);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn axes(&self) -> &[(usize, usize)] {
        &self.0
    }
}

/// Anything that gives a ghost-cell depth: `usize` (every axis), `&[usize]` or `[usize; N]`
/// (per axis), `Vec<(usize, usize)>` (per axis, lower and upper), or a [`Depth`].
///
/// # Examples
///
/// ```
/// use chunkwise::IntoDepth;
/// assert_eq!(vec![(1, 0), (0, 2)].into_depth(2)?.axes(), &[(1, 0), (0, 2)]);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub trait IntoDepth {
    /// The depth for an array of `ndim` axes.
    ///
    /// # Errors
    ///
    /// [`Error::DepthRank`] if a per-axis list has another length than `ndim`.
    fn into_depth(self, ndim: usize) -> Result<Depth>;
}

fn check_rank(d: Vec<(usize, usize)>, ndim: usize) -> Result<Depth> {
    if d.len() != ndim {
        return Err(Error::DepthRank { ndim, depth: d });
    }
    Ok(Depth(d))
}

impl IntoDepth for usize {
    fn into_depth(self, ndim: usize) -> Result<Depth> {
        Ok(Depth(vec![(self, self); ndim]))
    }
}

impl IntoDepth for &[usize] {
    fn into_depth(self, ndim: usize) -> Result<Depth> {
        check_rank(self.iter().map(|&d| (d, d)).collect(), ndim)
    }
}

impl<const N: usize> IntoDepth for [usize; N] {
    fn into_depth(self, ndim: usize) -> Result<Depth> {
        self[..].into_depth(ndim)
    }
}

impl<const N: usize> IntoDepth for &[usize; N] {
    fn into_depth(self, ndim: usize) -> Result<Depth> {
        self[..].into_depth(ndim)
    }
}

impl IntoDepth for Vec<usize> {
    fn into_depth(self, ndim: usize) -> Result<Depth> {
        self[..].into_depth(ndim)
    }
}

impl IntoDepth for Vec<(usize, usize)> {
    fn into_depth(self, ndim: usize) -> Result<Depth> {
        check_rank(self, ndim)
    }
}

impl IntoDepth for &[(usize, usize)] {
    fn into_depth(self, ndim: usize) -> Result<Depth> {
        check_rank(self.to_vec(), ndim)
    }
}

impl IntoDepth for Depth {
    fn into_depth(self, ndim: usize) -> Result<Depth> {
        check_rank(self.0, ndim)
    }
}

impl IntoDepth for &Depth {
    fn into_depth(self, ndim: usize) -> Result<Depth> {
        check_rank(self.0.clone(), ndim)
    }
}

/// Anything that gives one [`Boundary`] per axis: one `Boundary` for every axis, or a list.
///
/// # Examples
///
/// ```
/// use chunkwise::{Boundary, IntoBoundaries};
/// let b = Boundary::<f64>::Reflect.into_boundaries(2)?;
/// assert_eq!(b, vec![Boundary::Reflect, Boundary::Reflect]);
/// let b = vec![Boundary::Periodic, Boundary::Constant(0.0)].into_boundaries(2)?;
/// assert_eq!(b[1], Boundary::Constant(0.0));
/// assert!(vec![Boundary::<f64>::Nearest].into_boundaries(2).is_err());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub trait IntoBoundaries<T> {
    /// The boundaries for an array of `ndim` axes.
    ///
    /// # Errors
    ///
    /// [`Error::BoundaryRank`] if a list has another length than `ndim`.
    fn into_boundaries(self, ndim: usize) -> Result<Vec<Boundary<T>>>;
}

impl<T: Clone> IntoBoundaries<T> for Boundary<T> {
    fn into_boundaries(self, ndim: usize) -> Result<Vec<Boundary<T>>> {
        Ok(vec![self; ndim])
    }
}

impl<T> IntoBoundaries<T> for Vec<Boundary<T>> {
    fn into_boundaries(self, ndim: usize) -> Result<Vec<Boundary<T>>> {
        if self.len() != ndim {
            return Err(Error::BoundaryRank {
                ndim,
                boundaries: self.iter().map(|b| b.name()).collect(),
            });
        }
        Ok(self)
    }
}

impl<T: Clone> IntoBoundaries<T> for &[Boundary<T>] {
    fn into_boundaries(self, ndim: usize) -> Result<Vec<Boundary<T>>> {
        self.to_vec().into_boundaries(ndim)
    }
}

impl<T, const N: usize> IntoBoundaries<T> for [Boundary<T>; N] {
    fn into_boundaries(self, ndim: usize) -> Result<Vec<Boundary<T>>> {
        Vec::from(self).into_boundaries(ndim)
    }
}

/// Whether one axis of blocks of length `block`, grown by `(lo, hi)`, of `elem_size`-byte
/// elements, could be allocated (the other axes aside).
pub(crate) fn padded_fits(block: usize, (lo, hi): (usize, usize), elem_size: usize) -> bool {
    let bytes = (block as u128 + lo as u128 + hi as u128).saturating_mul(elem_size.max(1) as u128);
    usize::try_from(bytes)
        .ok()
        .filter(|&b| b <= isize::MAX as usize)
        .is_some_and(|b| Vec::<u8>::new().try_reserve_exact(b).is_ok())
}

/// Checks depths against an array's shape and boundaries. A depth may be larger than its axis:
/// the boundary rule then repeats (reflected again and again, wrapped around, the edge cell or
/// the constant repeated), as numpy's `pad` and scipy's filters do. Refused: a depth that reads
/// cells of an empty axis (only `None` and `Constant` pad one), and one whose padded blocks
/// (the largest block, `block`, grown by the depth, of `elem_size`-byte elements) could never
/// be allocated.
pub(crate) fn check_depth<T>(
    depth: &Depth,
    shape: &[usize],
    boundaries: &[Boundary<T>],
    block: &[usize],
    elem_size: usize,
) -> Result<()> {
    let too_large = |axis: usize| Error::DepthTooLarge {
        axis,
        depth: depth.axes()[axis],
        len: shape[axis],
    };
    let mut bytes = elem_size.max(1) as u128;
    for (axis, (&(lo, hi), &len)) in depth.axes().iter().zip(shape).enumerate() {
        let reads_cells = !matches!(boundaries[axis], Boundary::None | Boundary::Constant(_));
        if len == 0 && lo + hi > 0 && reads_cells {
            return Err(too_large(axis));
        }
        let padded = (block[axis] as u128) + lo as u128 + hi as u128;
        bytes = bytes.saturating_mul(padded);
        let fits = usize::try_from(bytes)
            .ok()
            .filter(|&b| b <= isize::MAX as usize)
            .is_some_and(|b| Vec::<u8>::new().try_reserve_exact(b).is_ok());
        if !fits {
            return Err(too_large(axis));
        }
    }
    Ok(())
}

/// The padding that block `i` on `axis` gets: the depth, except under `Boundary::None`, where
/// it takes only cells that exist (none beyond the array's outer edge).
pub(crate) fn pads<T>(
    b: &Boundary<T>,
    (lo, hi): (usize, usize),
    chunks: &Chunks,
    axis: usize,
    i: usize,
) -> (usize, usize) {
    match b {
        Boundary::None => {
            let starts = chunks.starts(axis);
            let len = chunks.shape()[axis];
            (lo.min(starts[i]), hi.min(len - starts[i + 1]))
        }
        _ => (lo, hi),
    }
}

/// Per axis, per block: the padding each block of `chunks` gets.
pub(crate) fn all_pads<T>(
    chunks: &Chunks,
    depth: &Depth,
    boundaries: &[Boundary<T>],
) -> Vec<Vec<(usize, usize)>> {
    (0..chunks.ndim())
        .map(|axis| {
            (0..chunks.grid_shape()[axis])
                .map(|i| pads(&boundaries[axis], depth.axes()[axis], chunks, axis, i))
                .collect()
        })
        .collect()
}

/// The chunks of the padded array: every block grown by its pads.
pub(crate) fn padded_chunks<T>(
    chunks: &Chunks,
    depth: &Depth,
    boundaries: &[Boundary<T>],
) -> Chunks {
    let sizes: Vec<Vec<usize>> = chunks
        .sizes()
        .iter()
        .zip(all_pads(chunks, depth, boundaries))
        .map(|(s, p)| s.iter().zip(p).map(|(&x, (lo, hi))| x + lo + hi).collect())
        .collect();
    let shape = sizes.iter().map(|s| s.iter().sum()).collect();
    Chunks::from_valid(shape, sizes)
}

/// Where a run of consecutive cells of a padded block comes from, along one axis.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Source {
    /// The axis's constant.
    Constant,
    /// Block `block` of the input, cells `slice` of it (a step of -1 reads backwards; a single
    /// cell is broadcast over the run).
    Block { block: usize, slice: Slice },
}

/// A run of cells `out` of a padded block along one axis, and where they come from.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Run {
    pub(crate) out: Range<usize>,
    pub(crate) src: Source,
}

/// The runs that make padded block `i` along `axis`, reading from `chunks`.
pub(crate) fn axis_runs<T>(
    chunks: &Chunks,
    axis: usize,
    i: usize,
    depth: (usize, usize),
    boundary: &Boundary<T>,
) -> Vec<Run> {
    let starts = chunks.starts(axis);
    let len = chunks.shape()[axis];
    let (lo, hi) = pads(boundary, depth, chunks, axis, i);
    let from = starts[i] as isize - lo as isize;
    let to = starts[i + 1] as isize + hi as isize;
    let mut runs: Vec<Run> = Vec::new();
    // The run being built: out start, source block, first and last local index, step.
    let mut cur: Option<(usize, Option<usize>, isize, isize, isize)> = None;
    let flush =
        |runs: &mut Vec<Run>, cur: (usize, Option<usize>, isize, isize, isize), end: usize| {
            let (o, block, first, last, step) = cur;
            let src = match block {
                None => Source::Constant,
                Some(block) => Source::Block {
                    block,
                    slice: match step {
                        -1 => Slice::new(last, Some(first + 1), -1),
                        0 => Slice::new(first, Some(first + 1), 1),
                        _ => Slice::new(first, Some(last + 1), 1),
                    },
                },
            };
            runs.push(Run { out: o..end, src });
        };
    for (k, p) in (from..to).enumerate() {
        let (block, local) = match boundary.source(p, len) {
            None => (None, 0),
            Some(g) => {
                let b = chunks.locate(axis, g);
                (Some(b), (g - starts[b]) as isize)
            }
        };
        cur = match cur {
            Some((o, cb, first, last, step)) if cb == block => {
                let d = local - last;
                if block.is_none() {
                    Some((o, cb, first, last, step))
                } else if k - o == 1 && (-1..=1).contains(&d) {
                    Some((o, cb, first, local, d))
                } else if k - o > 1 && d == step {
                    Some((o, cb, first, local, step))
                } else {
                    flush(&mut runs, (o, cb, first, last, step), k);
                    Some((k, block, local, local, 1))
                }
            }
            Some(c) => {
                flush(&mut runs, c, k);
                Some((k, block, local, local, 1))
            }
            None => Some((k, block, local, local, 1)),
        };
    }
    if let Some(c) = cur {
        flush(&mut runs, c, (to - from) as usize);
    }
    runs
}
