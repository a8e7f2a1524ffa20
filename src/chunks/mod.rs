//! Chunk geometry: how an array's shape is cut into a grid of blocks.
//!
//! Pure functions over shapes and block sizes; no data, no tasks.
//!
//! ```text
//!           axis 1: sizes [2, 2, 1]
//!          ┌──────┬──────┬───┐
//!  axis 0  │ 0,0  │ 0,1  │0,2│  3 rows      grid shape [2, 3], 6 blocks,
//!  sizes   ├──────┼──────┼───┤              numbered row-major:
//!  [3, 1]  │ 1,0  │ 1,1  │1,2│  1 row       block [1, 2] is linear block 5
//!          └──────┴──────┴───┘
//! ```
#![forbid(unsafe_code)]

use ndarray::Dimension as _;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use ndarray::IxDyn;

use crate::error::{Error, Result};

pub(crate) mod ghost;
pub(crate) mod plan;
pub(crate) mod reshape;
pub use ghost::{Boundary, Depth, IntoBoundaries, IntoDepth};

/// The block sizes of an array along each axis.
///
/// Cloning is cheap (the sizes are shared).
///
/// # Examples
///
/// ```
/// use chunkwise::{Chunks, IntoChunks};
///
/// let c = [4, 3].into_chunks(&[10, 5])?;
/// assert_eq!(c.sizes(), &[vec![4, 4, 2], vec![3, 2]]);
/// assert_eq!(c.grid_shape(), &[3, 2]);
/// assert_eq!(c.num_blocks(), 6);
/// # Ok::<(), chunkwise::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Chunks(Arc<Inner>);

#[derive(PartialEq, Eq)]
struct Inner {
    shape: Vec<usize>,
    sizes: Vec<Vec<usize>>,
    /// `starts[axis]` has one more entry than `sizes[axis]`: the offsets of the block edges.
    starts: Vec<Vec<usize>>,
    grid: Vec<usize>,
    num_blocks: usize,
}

impl fmt::Debug for Chunks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Chunks({:?})", self.0.sizes)
    }
}

impl Chunks {
    /// Chunks from explicit block sizes per axis, like dask's `chunks=((3, 3, 4), (1, 5))`.
    ///
    /// An empty axis may be given as `[]` or `[0]`.
    ///
    /// # Errors
    ///
    /// [`Error::ChunksRank`] if `sizes` has a different number of axes than `shape`, and
    /// [`Error::ChunksSum`] if the sizes on an axis do not add up to its length.
    ///
    /// # Examples
    ///
    /// ```
    /// let c = chunkwise::Chunks::new(&[10, 6], vec![vec![3, 3, 4], vec![1, 5]])?;
    /// assert_eq!(c.num_blocks(), 6);
    /// assert!(chunkwise::Chunks::new(&[10], vec![vec![3, 3]]).is_err());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn new(shape: &[usize], sizes: Vec<Vec<usize>>) -> Result<Chunks> {
        if sizes.len() != shape.len() {
            return Err(Error::ChunksRank {
                shape: shape.to_vec(),
                chunks_ndim: sizes.len(),
            });
        }
        check_elements(shape)?;
        let mut sizes = sizes;
        for (axis, (s, &len)) in sizes.iter_mut().zip(shape).enumerate() {
            let sum = s.iter().try_fold(0usize, |acc, &n| acc.checked_add(n));
            if sum != Some(len) {
                return Err(Error::ChunksSum {
                    axis,
                    chunks: s.clone(),
                    sum: sum.unwrap_or(usize::MAX),
                    len,
                });
            }
            if s.is_empty() {
                s.push(0);
            }
        }
        check_blocks(shape, sizes.iter().map(Vec::len))?;
        Ok(Self::from_valid(shape.to_vec(), sizes))
    }

    /// Regular chunks: blocks of shape `block`, the last block on each axis possibly smaller,
    /// like dask's `chunks=(4, 3)`. A block size larger than the axis gives one block.
    ///
    /// # Errors
    ///
    /// [`Error::ChunksRank`] on a rank mismatch, [`Error::ZeroChunk`] for a block size of 0 on
    /// an axis that is not empty.
    ///
    /// # Examples
    ///
    /// ```
    /// let c = chunkwise::Chunks::regular(&[5, 0], &[2, 3])?;
    /// assert_eq!(c.sizes(), &[vec![2, 2, 1], vec![0]]);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn regular(shape: &[usize], block: &[usize]) -> Result<Chunks> {
        if block.len() != shape.len() {
            return Err(Error::ChunksRank {
                shape: shape.to_vec(),
                chunks_ndim: block.len(),
            });
        }
        check_elements(shape)?;
        if let Some(axis) = (0..shape.len()).find(|&a| block[a] == 0 && shape[a] > 0) {
            return Err(Error::ZeroChunk {
                op: "Chunks::regular",
                axis,
                len: shape[axis],
            });
        }
        // Count the blocks before making a list of them: the shape may come from a file.
        let grid = shape
            .iter()
            .zip(block)
            .map(|(&len, &b)| len.div_ceil(b.max(1)).max(1));
        check_blocks(shape, grid)?;
        let mut sizes = Vec::with_capacity(shape.len());
        for (&b, &len) in block.iter().zip(shape) {
            if len == 0 {
                sizes.push(vec![0]);
                continue;
            }
            sizes.push(try_regular_sizes(shape, len, b)?);
        }
        Ok(Self::from_valid(shape.to_vec(), sizes))
    }

    /// Builds chunks from sizes already known to add up to `shape`.
    pub(crate) fn from_valid(shape: Vec<usize>, sizes: Vec<Vec<usize>>) -> Chunks {
        debug_assert!(
            sizes
                .iter()
                .zip(&shape)
                .all(|(s, &n)| s.iter().sum::<usize>() == n)
        );
        let starts: Vec<Vec<usize>> = sizes
            .iter()
            .map(|s| {
                let mut acc = 0;
                let mut v = Vec::with_capacity(s.len() + 1);
                v.push(0);
                for &x in s {
                    acc += x;
                    v.push(acc);
                }
                v
            })
            .collect();
        let grid: Vec<usize> = sizes.iter().map(Vec::len).collect();
        let num_blocks = grid.iter().product();
        Chunks(Arc::new(Inner {
            shape,
            sizes,
            starts,
            grid,
            num_blocks,
        }))
    }

    /// The shape of the whole array.
    ///
    /// # Examples
    ///
    /// ```
    /// let c = chunkwise::Chunks::regular(&[5, 4], &[2, 2])?;
    /// assert_eq!(c.shape(), &[5, 4]);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn shape(&self) -> &[usize] {
        &self.0.shape
    }

    /// Number of axes.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(chunkwise::Chunks::regular(&[], &[])?.ndim(), 0);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn ndim(&self) -> usize {
        self.0.shape.len()
    }

    /// Block sizes along each axis.
    ///
    /// # Examples
    ///
    /// ```
    /// let c = chunkwise::Chunks::regular(&[5], &[2])?;
    /// assert_eq!(c.sizes(), &[vec![2, 2, 1]]);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn sizes(&self) -> &[Vec<usize>] {
        &self.0.sizes
    }

    /// Number of blocks along each axis.
    ///
    /// # Examples
    ///
    /// ```
    /// let c = chunkwise::Chunks::regular(&[5, 4], &[2, 4])?;
    /// assert_eq!(c.grid_shape(), &[3, 1]);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn grid_shape(&self) -> &[usize] {
        &self.0.grid
    }

    /// Total number of blocks (1 for a 0-d array).
    ///
    /// # Examples
    ///
    /// ```
    /// let c = chunkwise::Chunks::regular(&[5, 4], &[2, 2])?;
    /// assert_eq!(c.num_blocks(), 6);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn num_blocks(&self) -> usize {
        self.0.num_blocks
    }

    /// A grid of `grid` blocks of one element each: one value per block of an array cut on
    /// that grid (its per-block partials).
    pub(crate) fn one_per_block(grid: &[usize]) -> Chunks {
        Chunks::from_valid(grid.to_vec(), grid.iter().map(|&g| vec![1; g]).collect())
    }

    /// Offsets of the block edges on `axis`: one more entry than there are blocks.
    pub(crate) fn starts(&self, axis: usize) -> &[usize] {
        &self.0.starts[axis]
    }

    /// Grid index of linear (row-major) block number `block`.
    pub(crate) fn grid_index(&self, block: usize) -> IxDyn {
        let mut idx = IxDyn::zeros(self.ndim());
        let mut rest = block;
        for (i, &n) in self.0.grid.iter().enumerate().rev() {
            idx[i] = rest % n;
            rest /= n;
        }
        idx
    }

    /// Linear block number of a grid index.
    pub(crate) fn linear_index(&self, idx: &[usize]) -> usize {
        idx.iter()
            .zip(&self.0.grid)
            .fold(0, |acc, (&i, &n)| acc * n + i)
    }

    /// Shape of linear block `block`.
    pub(crate) fn block_shape(&self, block: usize) -> IxDyn {
        let mut shape = self.grid_index(block);
        for (axis, i) in shape.slice_mut().iter_mut().enumerate() {
            *i = self.0.sizes[axis][*i];
        }
        shape
    }

    /// Index ranges that linear block `block` covers in the whole array.
    pub(crate) fn block_ranges(&self, block: usize) -> Vec<Range<usize>> {
        let idx = self.grid_index(block);
        idx.slice()
            .iter()
            .enumerate()
            .map(|(axis, &i)| self.0.starts[axis][i]..self.0.starts[axis][i + 1])
            .collect()
    }

    /// The block on `axis` that holds position `pos` (`pos < len`).
    pub(crate) fn locate(&self, axis: usize, pos: usize) -> usize {
        let starts = &self.0.starts[axis];
        starts.partition_point(|&s| s <= pos) - 1
    }
}

fn too_large(shape: &[usize], what: &'static str) -> Error {
    Error::TooLarge {
        shape: shape.to_vec(),
        what,
    }
}

/// An error unless the number of elements of `shape` fits a `usize`.
fn check_elements(shape: &[usize]) -> Result<()> {
    match shape.iter().try_fold(1usize, |acc, &n| acc.checked_mul(n)) {
        Some(_) => Ok(()),
        None => Err(too_large(shape, "elements")),
    }
}

/// An error unless the number of blocks, `grid` per axis, fits a `usize`, and each axis's
/// block list (one `usize` per block, in [`Chunks`]) can be allocated.
fn check_blocks(shape: &[usize], grid: impl Iterator<Item = usize>) -> Result<()> {
    let mut total = 1usize;
    for n in grid {
        total = total
            .checked_mul(n)
            .filter(|_| n <= isize::MAX as usize / (2 * std::mem::size_of::<usize>()))
            .ok_or_else(|| too_large(shape, "blocks"))?;
    }
    Ok(())
}

/// How to cut an array into blocks, before the array's shape is known: what every function
/// that takes chunks accepts (through [`IntoChunks`]), owned, so that it can be kept (as
/// [`ZarrOptions`](crate::io::zarr::ZarrOptions) keeps a store's chunking).
///
/// # Examples
///
/// ```
/// use chunkwise::{ChunkSpec, IntoChunks};
/// let spec = ChunkSpec::from(&[4, 3]);
/// assert_eq!(spec, ChunkSpec::Shape(vec![4, 3]));
/// assert_eq!(spec.into_chunks(&[10, 6])?.sizes(), &[vec![4, 4, 2], vec![3, 3]]);
/// # Ok::<(), chunkwise::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChunkSpec {
    /// A block shape, the last block on an axis possibly smaller (dask's `chunks=(4, 3)`).
    Shape(Vec<usize>),
    /// The same block size on every axis (dask's `chunks=4`).
    Same(usize),
    /// Explicit block sizes per axis (dask's `chunks=((3, 3, 4), (1, 5))`).
    Sizes(Vec<Vec<usize>>),
    /// Chunks already made, checked against the shape.
    Chunks(Chunks),
    /// Blocks of about this many bytes, as square as the shape allows (dask's
    /// `chunks="auto"` with `array.chunk-size`): an axis shorter than the square's side is
    /// taken whole and the others share what is left. Where the element type is not known
    /// (a plain [`IntoChunks::into_chunks`]) elements count 8 bytes. [`ChunkSpec::auto`] is
    /// dask's default, 128 MiB.
    Auto(usize),
    /// A block shape whose blocks are evened out along each axis (dask's `balance=True`): as
    /// many blocks as the shape gives, their sizes differing by one at most, so the last
    /// block is not a sliver: `Balanced(vec![4])` cuts 10 into 4, 3, 3.
    Balanced(Vec<usize>),
}

/// dask's default `array.chunk-size`: 128 MiB.
const AUTO_BYTES: usize = 128 << 20;

impl ChunkSpec {
    /// Blocks of about 128 MiB, dask's `chunks="auto"`.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{ChunkSpec, IntoChunks};
    /// // 10^4 x 10^4 f64: square blocks of 4096 x 4096 (128 MiB), as dask's "auto".
    /// let c = ChunkSpec::auto().into_chunks(&[10_000, 10_000])?;
    /// assert_eq!(c.sizes()[0], vec![4096, 4096, 1808]);
    /// // A short axis is taken whole; the other gets what is left.
    /// let c = ChunkSpec::Auto(8 << 20).into_chunks(&[4, 1 << 22])?;
    /// assert_eq!((c.sizes()[0].clone(), c.sizes()[1][0]), (vec![4], 1 << 18));
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn auto() -> ChunkSpec {
        ChunkSpec::Auto(AUTO_BYTES)
    }

    /// The chunks of an array of shape `shape`, elements of `itemsize` bytes.
    pub(crate) fn resolve_sized(self, shape: &[usize], itemsize: usize) -> Result<Chunks> {
        match self {
            ChunkSpec::Auto(bytes) => Chunks::regular(shape, &auto_block(shape, bytes, itemsize)),
            ChunkSpec::Balanced(block) => {
                if block.len() != shape.len()
                    || block.iter().zip(shape).any(|(&b, &n)| b == 0 && n > 0)
                {
                    // The plain block shape's error.
                    return Chunks::regular(shape, &block);
                }
                let sizes = block
                    .iter()
                    .zip(shape)
                    .map(|(&b, &len)| {
                        let n = len.div_ceil(b.max(1)).max(1);
                        // n blocks whose sizes differ by one at most, the longer first.
                        (0..n).map(|i| len / n + usize::from(i < len % n)).collect()
                    })
                    .collect();
                Chunks::new(shape, sizes)
            }
            other => other.resolve(shape),
        }
    }

    /// The chunks of an array of shape `shape`.
    fn resolve(self, shape: &[usize]) -> Result<Chunks> {
        match self {
            s @ (ChunkSpec::Auto(_) | ChunkSpec::Balanced(_)) => s.resolve_sized(shape, 8),
            ChunkSpec::Shape(block) => Chunks::regular(shape, &block),
            ChunkSpec::Same(n) => Chunks::regular(shape, &vec![n; shape.len()]),
            ChunkSpec::Sizes(sizes) => Chunks::new(shape, sizes),
            ChunkSpec::Chunks(c) if c.shape() == shape => Ok(c),
            ChunkSpec::Chunks(c) => Chunks::new(shape, c.sizes().to_vec()),
        }
    }
}

impl From<&[usize]> for ChunkSpec {
    fn from(block: &[usize]) -> Self {
        ChunkSpec::Shape(block.to_vec())
    }
}

impl<const N: usize> From<[usize; N]> for ChunkSpec {
    fn from(block: [usize; N]) -> Self {
        ChunkSpec::Shape(block.to_vec())
    }
}

impl<const N: usize> From<&[usize; N]> for ChunkSpec {
    fn from(block: &[usize; N]) -> Self {
        ChunkSpec::Shape(block.to_vec())
    }
}

impl From<Vec<usize>> for ChunkSpec {
    fn from(block: Vec<usize>) -> Self {
        ChunkSpec::Shape(block)
    }
}

impl From<&Vec<usize>> for ChunkSpec {
    fn from(block: &Vec<usize>) -> Self {
        ChunkSpec::Shape(block.clone())
    }
}

impl From<usize> for ChunkSpec {
    fn from(n: usize) -> Self {
        ChunkSpec::Same(n)
    }
}

impl From<Vec<Vec<usize>>> for ChunkSpec {
    fn from(sizes: Vec<Vec<usize>>) -> Self {
        ChunkSpec::Sizes(sizes)
    }
}

impl From<&[Vec<usize>]> for ChunkSpec {
    fn from(sizes: &[Vec<usize>]) -> Self {
        ChunkSpec::Sizes(sizes.to_vec())
    }
}

impl From<Chunks> for ChunkSpec {
    fn from(chunks: Chunks) -> Self {
        ChunkSpec::Chunks(chunks)
    }
}

impl From<&Chunks> for ChunkSpec {
    fn from(chunks: &Chunks) -> Self {
        ChunkSpec::Chunks(chunks.clone())
    }
}

/// Anything that describes how to cut an array into blocks: every [`ChunkSpec`], and what
/// converts into one.
///
/// - `&[usize]`, `[usize; N]`, `Vec<usize>`: a block shape (the last block on an axis may be
///   smaller), like dask's `chunks=(4, 3)`;
/// - `Vec<Vec<usize>>`, `&[Vec<usize>]`: explicit block sizes per axis, like dask's
///   `chunks=((3, 3, 4), (1, 5))`;
/// - `usize`: the same block size on every axis;
/// - [`Chunks`]: chunks already made, checked against the shape.
///
/// # Examples
///
/// ```
/// use chunkwise::IntoChunks;
///
/// let shape = [10, 6];
/// let a = [4, 3].into_chunks(&shape)?;
/// let b = vec![vec![4, 4, 2], vec![3, 3]].into_chunks(&shape)?;
/// let c = 4.into_chunks(&[10])?;
/// assert_eq!(a, b);
/// assert_eq!(c.sizes(), &[vec![4, 4, 2]]);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub trait IntoChunks: Into<ChunkSpec> {
    /// The chunks of an array of shape `shape`.
    ///
    /// # Errors
    ///
    /// As [`Chunks::new`] and [`Chunks::regular`].
    fn into_chunks(self, shape: &[usize]) -> Result<Chunks> {
        self.into().resolve(shape)
    }
}

impl<C: Into<ChunkSpec>> IntoChunks for C {}

/// The block shape of [`ChunkSpec::Auto`]: about `bytes` per block of `itemsize`-byte
/// elements, every axis given the same side, except those shorter than it, which are taken
/// whole (the others then share what is left).
fn auto_block(shape: &[usize], bytes: usize, itemsize: usize) -> Vec<usize> {
    let target = (bytes / itemsize.max(1)).max(1) as f64;
    let mut block = vec![0usize; shape.len()];
    let mut free: Vec<usize> = (0..shape.len()).filter(|&a| shape[a] > 0).collect();
    let mut fixed = 1.0f64;
    while !free.is_empty() {
        let side = (target / fixed).powf(1.0 / free.len() as f64);
        let short: Vec<usize> = free
            .iter()
            .copied()
            .filter(|&a| shape[a] as f64 <= side)
            .collect();
        if short.is_empty() {
            for &a in &free {
                // A side within rounding of an integer is that integer (4096.000000001).
                let s = (side + 1e-9).floor().max(1.0) as usize;
                block[a] = s.min(shape[a]);
            }
            break;
        }
        for a in short {
            block[a] = shape[a];
            fixed *= shape[a] as f64;
            free.retain(|&f| f != a);
        }
    }
    block
}

/// `chunks` resolved for an array of `T` of `shape` given to operation `op`, which a zero
/// block size's error names: [`chunks_for`] with [`ChunkSpec::Auto`] counting `T`'s size.
pub(crate) fn chunks_for_type<T>(
    op: &'static str,
    chunks: impl IntoChunks,
    shape: &[usize],
) -> Result<Chunks> {
    let spec: ChunkSpec = chunks.into();
    spec.resolve_sized(shape, std::mem::size_of::<T>())
        .map_err(|e| match e {
            Error::ZeroChunk { axis, len, .. } => Error::ZeroChunk { op, axis, len },
            other => other,
        })
}

/// `chunks` resolved for an array of `shape` given to operation `op`, which a zero block size's
/// error names.
pub(crate) fn chunks_for(
    op: &'static str,
    chunks: impl IntoChunks,
    shape: &[usize],
) -> Result<Chunks> {
    chunks.into_chunks(shape).map_err(|e| match e {
        Error::ZeroChunk { axis, len, .. } => Error::ZeroChunk { op, axis, len },
        other => other,
    })
}

/// The shape that `a` and `b` broadcast to, as numpy: axes aligned from the right, a length of 1
/// stretches to the other's length.
/// [`regular_sizes`] for a length that may come from a parameter or a file: the list is
/// allocated fallibly, an [`Error::TooLarge`] naming `shape` if it cannot be.
pub(crate) fn try_regular_sizes(shape: &[usize], len: usize, size: usize) -> Result<Vec<usize>> {
    let mut s = Vec::new();
    s.try_reserve_exact(len.div_ceil(size.max(1)))
        .map_err(|_| too_large(shape, "blocks"))?;
    s.resize(len / size, size);
    if !len.is_multiple_of(size) {
        s.push(len % size);
    }
    Ok(s)
}

/// Blocks of `size` (at least 1) along an axis of length `len`, the last one smaller if need
/// be; no blocks for an empty axis.
pub(crate) fn regular_sizes(len: usize, size: usize) -> Vec<usize> {
    let mut s = vec![size; len / size];
    if !len.is_multiple_of(size) {
        s.push(len % size);
    }
    s
}

pub(crate) fn broadcast_shapes(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let n = a.len().max(b.len());
    let get = |s: &[usize], i: usize| {
        if i + s.len() >= n {
            s[i + s.len() - n]
        } else {
            1
        }
    };
    (0..n)
        .map(|i| match (get(a, i), get(b, i)) {
            (x, y) if x == y => Some(x),
            (1, y) => Some(y),
            (x, 1) => Some(x),
            _ => None,
        })
        .collect()
}

/// Calls `f` with one item of each list, for every combination, in row-major order (the last
/// list varies fastest); nothing if a list is empty.
pub(crate) fn for_each_combination<I>(lists: &[Vec<I>], mut f: impl FnMut(&[&I])) {
    if lists.iter().any(Vec::is_empty) {
        return;
    }
    let mut idx = vec![0usize; lists.len()];
    let mut current: Vec<&I> = lists.iter().map(|l| &l[0]).collect();
    loop {
        f(&current);
        let mut axis = lists.len();
        loop {
            if axis == 0 {
                return;
            }
            axis -= 1;
            idx[axis] += 1;
            if idx[axis] < lists[axis].len() {
                current[axis] = &lists[axis][idx[axis]];
                break;
            }
            idx[axis] = 0;
            current[axis] = &lists[axis][0];
        }
    }
}

/// The common refinement of two chunkings of the same axis: every block edge of either.
pub(crate) fn refine_axis(a: &[usize], b: &[usize]) -> Vec<usize> {
    let (mut ia, mut ib) = (0, 0);
    let (mut ra, mut rb) = (
        a.first().copied().unwrap_or(0),
        b.first().copied().unwrap_or(0),
    );
    let mut out = Vec::with_capacity(a.len().max(b.len()));
    while ia < a.len() && ib < b.len() {
        let step = ra.min(rb);
        if step > 0 || (ra == 0 && rb == 0) {
            out.push(step);
        }
        ra -= step;
        rb -= step;
        if ra == 0 {
            ia += 1;
            ra = a.get(ia).copied().unwrap_or(0);
        }
        if rb == 0 {
            ib += 1;
            rb = b.get(ib).copied().unwrap_or(0);
        }
    }
    if out.is_empty() {
        out.push(0);
    }
    out
}

#[cfg(test)]
mod test;
