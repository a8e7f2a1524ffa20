//! Ghost cells: `overlap`, `trim` and `map_overlap`.

use ndarray::{ArrayViewD, Dimension};

use super::Array;
use crate::chunks::ghost::{Depth, IntoBoundaries, IntoDepth, check_depth};
use crate::chunks::{Boundary, Chunks};
use crate::error::{Error, Result};
use crate::expr::block::Element;
use crate::expr::overlap::{Overlap, Trim};

impl<T: Element> Array<T> {
    fn ghost_args(
        &self,
        depth: impl IntoDepth,
        boundary: impl IntoBoundaries<T>,
    ) -> Result<(Depth, Vec<Boundary<T>>)> {
        let depth = depth.into_depth(self.ndim())?;
        let boundaries = boundary.into_boundaries(self.ndim())?;
        self.check_ghost(&depth, &boundaries)?;
        Ok((depth, boundaries))
    }

    /// Checks that `depth` and `boundaries` can pad this array's blocks.
    fn check_ghost(&self, depth: &Depth, boundaries: &[Boundary<T>]) -> Result<()> {
        let largest: Vec<usize> = self
            .chunks()
            .iter()
            .map(|s| s.iter().copied().max().unwrap_or(0))
            .collect();
        check_depth(
            depth,
            self.shape(),
            boundaries,
            &largest,
            std::mem::size_of::<T>(),
        )
    }

    /// The array of padded blocks: each block grown by `depth` cells of its neighbours on every
    /// side (diagonal neighbours included), and at the array's outer edge by the `boundary`
    /// rule. Under [`Boundary::None`] nothing is added beyond the array's edge: edge blocks do not
    /// grow on their outer side (nor does any block by more than the cells that exist).
    ///
    /// Each padded block is assembled in one task, with one copy, from slices of the blocks it
    /// overlaps. A depth larger than a block is fine: the padded block then reads from several
    /// neighbours. A depth larger than the whole axis is fine too: the boundary rule repeats
    /// (reflected again and again, wrapped around), as numpy's `pad` and scipy's filters do.
    ///
    /// `depth` is a `usize` (every axis), a per-axis list, or per-axis `(lower, upper)` pairs;
    /// `boundary` is one [`Boundary`] or one per axis.
    ///
    /// # Errors
    ///
    /// [`Error::DepthRank`] or [`Error::BoundaryRank`] for lists of the wrong length, and
    /// [`Error::DepthTooLarge`] for a depth that reads cells of an empty axis, or whose padded
    /// blocks could never be allocated.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, Boundary};
    /// let x = Array::from_ndarray(ndarray::array![1, 2, 3, 4, 5, 6], [3])?;
    /// let padded = x.overlap(1, Boundary::Periodic)?;
    /// assert_eq!(padded.chunks(), &[vec![5, 5]]);
    /// assert_eq!(padded.compute()?, ndarray::array![6, 1, 2, 3, 4, 3, 4, 5, 6, 1].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn overlap(
        &self,
        depth: impl IntoDepth,
        boundary: impl IntoBoundaries<T>,
    ) -> Result<Array<T>> {
        let (depth, boundaries) = self.ghost_args(depth, boundary)?;
        Ok(Array::from_node(Overlap::new(
            self.node.clone(),
            depth,
            boundaries,
        )))
    }

    /// The inverse of [`Array::overlap`]: cuts `depth` cells off every side of every block
    /// (none off the outer sides of edge blocks under [`Boundary::None`]). Each block is a view
    /// of the padded one, no copy.
    ///
    /// Under [`Boundary::None`], `overlap` pads a block only with cells that exist: a block
    /// closer to the array's edge than the depth gets less padding on that side, which `trim`
    /// cannot know. [`Array::map_overlap`] trims such blocks exactly.
    ///
    /// # Errors
    ///
    /// As [`Array::overlap`], and [`Error::TrimTooLarge`] for a block smaller than what is cut.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, Boundary};
    /// let x = Array::from_ndarray(ndarray::Array::from_iter(0..10), [4])?;
    /// let back = x.overlap(2, Boundary::Reflect)?.trim(2, Boundary::Reflect)?;
    /// assert_eq!(back.chunks(), x.chunks());
    /// assert_eq!(back.compute()?, x.compute()?);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn trim(
        &self,
        depth: impl IntoDepth,
        boundary: impl IntoBoundaries<T>,
    ) -> Result<Array<T>> {
        let depth = depth.into_depth(self.ndim())?;
        let boundaries = boundary.into_boundaries(self.ndim())?;
        let cuts = self
            .chunks()
            .iter()
            .enumerate()
            .map(|(axis, sizes)| {
                let n = sizes.len();
                let (lo, hi) = depth.axes()[axis];
                (0..n)
                    .map(|i| match boundaries[axis] {
                        Boundary::None => {
                            (if i == 0 { 0 } else { lo }, if i + 1 == n { 0 } else { hi })
                        }
                        _ => (lo, hi),
                    })
                    .collect()
            })
            .collect();
        self.trim_cuts(cuts)
    }

    fn trim_cuts(&self, cuts: Vec<Vec<(usize, usize)>>) -> Result<Array<T>> {
        let node =
            Trim::<T>::new(self.node.clone(), cuts).map_err(|(axis, block, size, depth)| {
                Error::TrimTooLarge {
                    axis,
                    block,
                    size,
                    depth,
                }
            })?;
        Ok(Array::from_node(node))
    }

    /// Runs `f` on every block padded with ghost cells, then trims the padding off its result:
    /// `overlap`, then `f` on each padded block (which must return a block of the padded shape),
    /// then `trim`. One task per block.
    ///
    /// This is how a single-threaded neighbourhood algorithm (a filter, a stencil, a PDE step)
    /// runs in parallel, correct at every block edge: give a `depth` at least its reach.
    ///
    /// # Errors
    ///
    /// As [`Array::overlap`]. At compute, [`Error::GhostCellsShape`] if `f` returns the block
    /// without its padding (which [`Array::map_overlap_interior`] is for), and
    /// [`Error::BlockShape`] if it returns another shape.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, Boundary};
    /// use ndarray::{array, s};
    ///
    /// // A 3-point moving sum, in blocks of 2, equals the same on the whole array.
    /// let x = Array::from_ndarray(array![1.0, 2.0, 3.0, 4.0, 5.0], [2])?;
    /// let moving_sum = |b: ndarray::ArrayViewD<f64>| {
    ///     let b = b.into_dimensionality::<ndarray::Ix1>().unwrap();
    ///     let mut out = b.to_owned();
    ///     for i in 1..b.len() - 1 {
    ///         out[i] = b[i - 1] + b[i] + b[i + 1];
    ///     }
    ///     out.into_dyn()
    /// };
    /// let y = x.map_overlap(1, Boundary::Constant(0.0), moving_sum)?;
    /// assert_eq!(y.compute()?, array![3.0, 6.0, 9.0, 12.0, 9.0].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn map_overlap<U, D, F>(
        &self,
        depth: impl IntoDepth,
        boundary: impl IntoBoundaries<T>,
        f: F,
    ) -> Result<Array<U>>
    where
        U: Element,
        D: ndarray::Dimension,
        F: Fn(ArrayViewD<'_, T>) -> ndarray::Array<U, D> + Send + Sync + 'static,
    {
        let (depth, boundaries) = self.ghost_args(depth, boundary)?;
        let overlap = Overlap::new(self.node.clone(), depth, boundaries);
        // Cut exactly the padding each block got.
        let cuts = overlap.pads();
        let padded = Array::<T>::from_node(overlap);
        let unpadded = self.chunk_layout().clone();
        let layout = padded.chunk_layout().clone();
        let mapped = padded.map_blocks_checked(
            "map_overlap",
            layout,
            move |_, b| Ok(f(b).into_dyn()),
            move |idx, expected, found| {
                ghost_shape_error("map_overlap", &unpadded, idx, expected, found)
            },
        );
        mapped.trim_cuts(cuts)
    }

    /// [`Array::map_overlap`] for a closure written for arrays of a known rank: it receives an
    /// `ArrayView2` (for `D = Ix2`), `ArrayView3`, ... and returns an array of the same rank, so
    /// a stencil needs no `into_dimensionality`.
    ///
    /// # Errors
    ///
    /// [`Error::RankMismatch`](crate::Error::RankMismatch) if the array has another number of
    /// axes than `D`, and the errors of [`Array::map_overlap`].
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, Boundary};
    /// use ndarray::{ArrayView2, Ix2, s};
    ///
    /// // A 5-point Laplacian on a padded block, written for 2-D views.
    /// let laplace = |u: ArrayView2<f64>| {
    ///     let mut out = u.to_owned();
    ///     let (n, m) = u.dim();
    ///     let lap = &u.slice(s![..n - 2, 1..m - 1]) + &u.slice(s![2.., 1..m - 1])
    ///         + u.slice(s![1..n - 1, ..m - 2]) + u.slice(s![1..n - 1, 2..])
    ///         - &u.slice(s![1..n - 1, 1..m - 1]) * 4.0;
    ///     out.slice_mut(s![1..n - 1, 1..m - 1]).assign(&lap);
    ///     out
    /// };
    /// let x = Array::from_ndarray(ndarray::Array2::from_elem((8, 8), 1.0), [4, 4])?;
    /// let y = x.map_overlap_as::<Ix2, _, _>(1, Boundary::Nearest, laplace)?.compute()?;
    /// assert!(y.iter().all(|&v| v == 0.0)); // a constant field has no curvature
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn map_overlap_as<D, U, F>(
        &self,
        depth: impl IntoDepth,
        boundary: impl IntoBoundaries<T>,
        f: F,
    ) -> Result<Array<U>>
    where
        D: ndarray::Dimension,
        U: Element,
        F: Fn(ndarray::ArrayView<'_, T, D>) -> ndarray::Array<U, D> + Send + Sync + 'static,
    {
        self.check_rank::<D>("map_overlap_as")?;
        self.map_overlap(depth, boundary, move |b| {
            f(b.into_dimensionality::<D>().expect("the rank was checked")).into_dyn()
        })
    }

    /// An error unless this array has as many axes as `D` (any number for `IxDyn`).
    pub(crate) fn check_rank<D: ndarray::Dimension>(&self, op: &'static str) -> Result<()> {
        match D::NDIM {
            Some(n) if n != self.ndim() => Err(crate::Error::RankMismatch {
                op,
                given: n,
                ndim: self.ndim(),
            }),
            _ => Ok(()),
        }
    }

    /// Like [`Array::map_overlap`], but `f` returns the block without its padding directly
    /// (what most filters compute), which saves the trim and a copy. `f` also receives the
    /// block's grid index.
    ///
    /// # Errors
    ///
    /// As [`Array::overlap`]. At compute, [`Error::GhostCellsShape`] if `f` returns the padded
    /// block (which [`Array::map_overlap`] is for), and [`Error::BlockShape`] if it returns
    /// another shape than the unpadded block.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, Boundary};
    /// use ndarray::array;
    ///
    /// // Differences with the right neighbour, the last cell with itself (Nearest).
    /// let x = Array::from_ndarray(array![1, 4, 9, 16, 25], [2])?;
    /// let diff = x.map_overlap_interior(vec![(0, 1)], Boundary::Nearest, |_, b| {
    ///     let n = b.len() - 1;
    ///     ndarray::Array::from_shape_fn(n, |i| b[[i + 1]] - b[[i]]).into_dyn()
    /// })?;
    /// assert_eq!(diff.compute()?, array![3, 5, 7, 9, 0].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn map_overlap_interior<U, D, F>(
        &self,
        depth: impl IntoDepth,
        boundary: impl IntoBoundaries<T>,
        f: F,
    ) -> Result<Array<U>>
    where
        U: Element,
        D: ndarray::Dimension,
        F: Fn(&[usize], ArrayViewD<'_, T>) -> ndarray::Array<U, D> + Send + Sync + 'static,
    {
        let (depth, boundaries) = self.ghost_args(depth, boundary)?;
        let padded = Array::<T>::from_node(Overlap::new(self.node.clone(), depth, boundaries));
        let layout = padded.chunk_layout().clone();
        let wrong = move |idx: &[usize], expected: &[usize], found: &[usize]| {
            ghost_shape_error("map_overlap_interior", &layout, idx, expected, found)
        };
        Ok(padded.map_blocks_checked(
            "map_overlap_interior",
            self.chunk_layout().clone(),
            move |idx, b| Ok(f(idx, b).into_dyn()),
            wrong,
        ))
    }
}

/// The error for a block function of `op` that returned `found` where `expected` was due: a
/// [`Error::GhostCellsShape`] when `found` is block `idx` of `other` (the other convention's
/// shape: unpadded for `map_overlap`, padded for `map_overlap_interior`), else
/// [`Error::BlockShape`].
fn ghost_shape_error(
    op: &'static str,
    other: &Chunks,
    idx: &[usize],
    expected: &[usize],
    found: &[usize],
) -> Error {
    let block = idx.to_vec();
    let (expected, found) = (expected.to_vec(), found.to_vec());
    if other.block_shape(other.linear_index(idx)).slice() == found.as_slice() {
        Error::GhostCellsShape {
            op,
            block,
            expected,
            found,
        }
    } else {
        Error::BlockShape {
            op: op.to_string(),
            block,
            expected,
            found,
        }
    }
}

/// `f` on the matching padded blocks of several arrays of one shape, as dask's `map_overlap`
/// over several arrays: the arrays are cut along the common refinement of their block edges,
/// each block of each is padded alike (`depth` cells of its neighbours, `boundary` at the
/// array's edge, as [`Array::overlap`]), `f` receives one padded block per array and returns
/// a block of the padded shape, and the padding is trimmed off its result. For a step that
/// reads several fields around each cell: a velocity field advecting a scalar, a stencil
/// over a field and its coefficients.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for no array, [`Error::IncompatibleShapes`] for arrays of
/// different shapes; the errors of [`Array::overlap`]; at compute, [`Error::BlockShape`] for a
/// block of another than the padded shape.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Boundary, map_overlap};
/// use ndarray::{Array1, ArrayViewD, Ix1};
/// // One upwind step of c_t + u c_x = 0, with a velocity u > 0 that varies in space: each
/// // cell reads its left neighbour's concentration and velocity.
/// let c0 = Array1::from_shape_fn(12, |i| if (3..6).contains(&i) { 1.0 } else { 0.0 });
/// let u0 = Array1::from_shape_fn(12, |i| 0.2 + 0.05 * i as f64);
/// let step = |b: &[ArrayViewD<'_, f64>]| {
///     let (c, u) = (b[0].view().into_dimensionality::<Ix1>().unwrap(), b[1].view().into_dimensionality::<Ix1>().unwrap());
///     let mut out = c.to_owned();
///     for i in 1..c.len() {
///         out[i] = c[i] - (u[i] * c[i] - u[i - 1] * c[i - 1]);
///     }
///     out
/// };
/// let c = Array::from_ndarray(c0.clone(), [5])?;
/// let u = Array::from_ndarray(u0.clone(), [4])?; // cut differently: unified first
/// let next = map_overlap(1, Boundary::Constant(0.0), step, &[&c, &u])?;
/// let mut expected = c0.clone();
/// for i in 0..12 {
///     let (cl, ul) = if i == 0 { (0.0, 0.0) } else { (c0[i - 1], u0[i - 1]) };
///     expected[i] = c0[i] - (u0[i] * c0[i] - ul * cl);
/// }
/// assert_eq!(next.compute()?, expected.into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn map_overlap<T, U, D, F>(
    depth: impl IntoDepth,
    boundary: impl IntoBoundaries<T>,
    f: F,
    inputs: &[&Array<T>],
) -> Result<Array<U>>
where
    T: Element,
    U: Element,
    D: ndarray::Dimension,
    F: Fn(&[ArrayViewD<'_, T>]) -> ndarray::Array<U, D> + Send + Sync + 'static,
{
    let op = "map_overlap";
    let first = super::blockwise::one_shape(op, inputs)?;
    let n = first.ndim();
    let depth = depth.into_depth(n)?;
    let boundaries = boundary.into_boundaries(n)?;
    // The common refinement of every input's block edges.
    let mut sizes = first.chunks().to_vec();
    for a in &inputs[1..] {
        for (s, t) in sizes.iter_mut().zip(a.chunks()) {
            *s = crate::chunks::refine_axis(s, t);
        }
    }
    let mut padded = Vec::with_capacity(inputs.len());
    let mut cuts = Vec::new();
    for a in inputs {
        let a = if a.chunks() == sizes.as_slice() {
            (*a).clone()
        } else {
            a.rechunk(sizes.clone())?
        };
        a.check_ghost(&depth, &boundaries)?;
        let node = Overlap::new(a.node().clone(), depth.clone(), boundaries.clone());
        cuts = node.pads();
        padded.push(Array::<T>::from_node(node));
    }
    let refs: Vec<&Array<T>> = padded.iter().collect();
    let mapped = super::blockwise::MapBlocks::new().apply(f, &refs)?;
    mapped.trim_cuts(cuts)
}
