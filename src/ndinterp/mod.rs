//! Resampling by spline interpolation, as `scipy.ndimage`'s `affine_transform`,
//! `map_coordinates`, `zoom`, `shift`, `rotate`, `spline_filter` and `spline_filter1d` (and
//! dask-image's `ndinterp`), with scipy's orders (0 to 5), modes and constant.
//!
//! Each output block is one task that reads only the input cells its coordinates reach, plus
//! the spline's support, and their images under the mode (a block near the edge under `wrap`
//! reads both ends of the axis, not the whole axis): never the whole input. The cells are read
//! from the input's blocks into one buffer, so any chunking of input and output works, and the
//! result is the same, to rounding, as scipy's on the whole array.
//!
//! For orders 2 to 5 the input is first turned into B-spline coefficients (the prefilter,
//! [`spline_filter`]), a recursive filter along each axis. It is exact across blocks the simple
//! way: the array is rechunked to whole lanes along the axis being filtered (the other axes'
//! chunks kept, blocks held under 8 MiB), each lane filtered whole with scipy's boundary
//! starts. For modes `nearest` and `grid-constant` the input is padded by 12 cells first, as
//! scipy does.
//!
//! | [`Mode`] | scipy `mode=` | beyond the edge |
//! | --- | --- | --- |
//! | `Constant` | `'constant'` | `cval`, no interpolation past the last cell |
//! | `GridConstant` | `'grid-constant'` | `cval`, interpolated with the edge |
//! | `Nearest` | `'nearest'` | the edge cell |
//! | `Reflect` | `'reflect'` | `c b a \| a b c d` |
//! | `GridMirror` | `'grid-mirror'` | the same as `Reflect` |
//! | `Mirror` | `'mirror'` | `d c b \| a b c d` |
//! | `Wrap` | `'wrap'` | scipy's periodic rule with the ends joined (period `len - 1`) |
//! | `GridWrap` | `'grid-wrap'` | periodic, period `len` |
//!
//! scipy's numbers are matched, quirks included: its prefilter start for `reflect`,
//! `grid-mirror` and `nearest` reads its own partial sum in the last term, so on short lanes
//! (under about 30 cells) interpolating at the nodes does not quite give the samples back;
//! here it does the same.
//!
//! A coordinate that is NaN or infinite gives `cval`. Results are computed in `f64` and
//! stored as the input's element type ([`Sample`]: integers rounded and clamped, as scipy).
//!
//! # Examples
//!
//! ```
//! use chunkwise::{Array, ndinterp::{self, Interp, Mode}};
//! let image = Array::<f64>::random(&[64, 64], [32, 32], 1)?;
//! let big = ndinterp::zoom(&image, 2.0, &Interp::new())?; // cubic, 128 x 128
//! let moved = ndinterp::shift(&image, [0.5, -1.25], &Interp::new().order(1).mode(Mode::Nearest))?;
//! let turned = ndinterp::rotate(&image, 30.0, (0, 1), true, &Interp::new())?;
//! assert_eq!(big.shape(), &[128, 128]);
//! assert_eq!(moved.shape(), &[64, 64]);
//! assert_eq!(turned.shape(), &[87, 87]); // as scipy
//! # Ok::<(), chunkwise::Error>(())
//! ```

mod kernel;
mod spline;

use std::ops::Range;
use std::sync::Arc;

use ndarray::{Array2, ArrayD, ArrayView2, Dimension, IxDyn, Slice};

use crate::array::Array;
use crate::chunks::{Boundary, ChunkSpec, Chunks, IntoChunks, chunks_for, for_each_combination};
use crate::error::{Error, Result};
use crate::expr::block::{Element, block_of, owned};
use crate::expr::gather::Gather;
use crate::expr::{BlockRef, NodeRef};
use crate::ndfourier::PerAxis;
use kernel::{AxisBox, AxisTaps, needed};
use spline::{Ext, filter_lane, poles};

/// How values beyond the input's edges are found (scipy's `mode`); see the
/// [module docs](self) for each.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndinterp::{self, Interp, Mode}};
/// let x = Array::from_ndarray(ndarray::array![1.0, 2.0, 3.0, 4.0], [2])?;
/// let wrap = Interp::new().order(0).mode(Mode::GridWrap);
/// assert_eq!(ndinterp::shift(&x, 1.0, &wrap)?.compute()?, ndarray::array![4.0, 1.0, 2.0, 3.0].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    /// `cval` outside `[0, len - 1]` (scipy's default for the transforms).
    #[default]
    Constant,
    /// `cval` beyond the edge, interpolated across it.
    GridConstant,
    /// The edge cell repeated.
    Nearest,
    /// Mirrored about the edge of the last cell, the edge cell repeated.
    Reflect,
    /// The same as [`Mode::Reflect`].
    GridMirror,
    /// Mirrored about the centre of the last cell (the default of [`spline_filter`]).
    Mirror,
    /// scipy's `'wrap'`: periodic with the first and last cells joined.
    Wrap,
    /// Periodic, the axis repeated whole.
    GridWrap,
}

/// The interpolation's settings: spline `order` (0 to 5, default 3), [`Mode`] (default
/// `Constant`), `cval` (default 0), whether to `prefilter` (default `true`), the output's
/// chunks (default: the input's largest block along each axis) and, for [`zoom`] only,
/// `grid_mode`.
///
/// `prefilter(false)` takes the input as B-spline coefficients already (the output of
/// [`spline_filter`] with the same order and mode), as scipy's `prefilter=False`.
///
/// # Examples
///
/// ```
/// use chunkwise::ndinterp::{Interp, Mode};
/// let linear = Interp::new().order(1).mode(Mode::Reflect).chunks([256, 256]);
/// assert_eq!(linear.get_order(), 1);
/// assert_eq!(Interp::default().get_mode(), Mode::Constant);
/// ```
#[derive(Clone, Debug)]
pub struct Interp {
    order: usize,
    mode: Mode,
    cval: f64,
    prefilter: bool,
    chunks: Option<ChunkSpec>,
    grid_mode: bool,
}

impl Default for Interp {
    fn default() -> Interp {
        Interp {
            order: 3,
            mode: Mode::Constant,
            cval: 0.0,
            prefilter: true,
            chunks: None,
            grid_mode: false,
        }
    }
}

impl Interp {
    /// Cubic splines, mode `Constant`, `cval` 0, prefiltered: scipy's defaults.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(chunkwise::ndinterp::Interp::new().get_order(), 3);
    /// ```
    pub fn new() -> Interp {
        Interp::default()
    }

    /// These settings with splines of `order` (0 nearest cell, 1 linear, up to 5).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(chunkwise::ndinterp::Interp::new().order(1).get_order(), 1);
    /// ```
    pub fn order(mut self, order: usize) -> Interp {
        self.order = order;
        self
    }

    /// These settings with `mode`.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::ndinterp::{Interp, Mode};
    /// assert_eq!(Interp::new().mode(Mode::Mirror).get_mode(), Mode::Mirror);
    /// ```
    pub fn mode(mut self, mode: Mode) -> Interp {
        self.mode = mode;
        self
    }

    /// These settings with the constant `cval` for the constant modes.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, ndinterp::{self, Interp}};
    /// let x = Array::<f64>::ones(&[4], [2])?;
    /// let y = ndinterp::shift(&x, 2.0, &Interp::new().order(0).cval(-1.0))?;
    /// assert_eq!(y.compute()?, ndarray::array![-1.0, -1.0, 1.0, 1.0].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn cval(mut self, cval: f64) -> Interp {
        self.cval = cval;
        self
    }

    /// These settings with the prefilter on or off.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, ndinterp::{self, Interp, Mode}};
    /// let x = Array::<f64>::random(&[32], [8], 3)?;
    /// let c = ndinterp::spline_filter(&x, 3, Mode::Mirror)?;
    /// let a = ndinterp::shift(&x, 0.5, &Interp::new().mode(Mode::Mirror))?.compute()?;
    /// let b = ndinterp::shift(&c, 0.5, &Interp::new().mode(Mode::Mirror).prefilter(false))?.compute()?;
    /// assert!((a - b).iter().all(|d| d.abs() < 1e-12));
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn prefilter(mut self, prefilter: bool) -> Interp {
        self.prefilter = prefilter;
        self
    }

    /// These settings with the output cut into `chunks` (map_coordinates: the output's part
    /// of the coordinates' chunks).
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, ndinterp::{self, Interp}};
    /// let x = Array::<f32>::ones(&[100, 100], [50, 50])?;
    /// let y = ndinterp::zoom(&x, 2.0, &Interp::new().chunks([64, 200]))?;
    /// assert_eq!(y.chunks()[0][0], 64);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn chunks(mut self, chunks: impl IntoChunks) -> Interp {
        self.chunks = Some(chunks.into());
        self
    }

    /// These settings with scipy's `grid_mode` for [`zoom`]: the image is taken as cells of
    /// unit size (zoom by the ratio of lengths, edges to edges) rather than points (first to
    /// last centre). Other functions refuse it.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, ndinterp::{self, Interp, Mode}};
    /// let x = Array::from_ndarray(ndarray::array![1.0, 2.0], [2])?;
    /// let cells = Interp::new().order(0).mode(Mode::GridConstant).grid_mode(true);
    /// assert_eq!(ndinterp::zoom(&x, 2.0, &cells)?.compute()?, ndarray::array![1.0, 1.0, 2.0, 2.0].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn grid_mode(mut self, grid_mode: bool) -> Interp {
        self.grid_mode = grid_mode;
        self
    }

    /// The spline order.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(chunkwise::ndinterp::Interp::new().get_order(), 3);
    /// ```
    pub fn get_order(&self) -> usize {
        self.order
    }

    /// The mode.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::ndinterp::{Interp, Mode};
    /// assert_eq!(Interp::new().get_mode(), Mode::Constant);
    /// ```
    pub fn get_mode(&self) -> Mode {
        self.mode
    }
}

/// An element type that can be interpolated: read as `f64`, and written back from the `f64`
/// result as scipy writes its output type (integers rounded half away from zero and clamped to
/// their range; unsigned ones from 0).
///
/// # Examples
///
/// ```
/// use chunkwise::ndinterp::Sample;
/// assert_eq!(<u8 as Sample>::from_f64(254.6), 255);
/// assert_eq!(<u8 as Sample>::from_f64(300.0), 255);
/// assert_eq!(<i16 as Sample>::from_f64(-2.5), -3);
/// assert_eq!(3u16.to_f64(), 3.0);
/// ```
pub trait Sample: Element + Copy {
    /// The value as `f64`.
    fn to_f64(self) -> f64;
    /// The value nearest `v` (see the trait's rules).
    fn from_f64(v: f64) -> Self;
    /// A block of [`Sample::from_f64`] values (no copy for `f64`).
    #[doc(hidden)]
    fn from_f64_block(a: ArrayD<f64>) -> ArrayD<Self> {
        a.mapv(Self::from_f64)
    }
}

impl Sample for f64 {
    fn to_f64(self) -> f64 {
        self
    }
    fn from_f64(v: f64) -> f64 {
        v
    }
    fn from_f64_block(a: ArrayD<f64>) -> ArrayD<f64> {
        a
    }
}

impl Sample for f32 {
    fn to_f64(self) -> f64 {
        self as f64
    }
    fn from_f64(v: f64) -> f32 {
        v as f32
    }
}

macro_rules! sample_int {
    ($($t:ty),*) => {$(
        impl Sample for $t {
            fn to_f64(self) -> f64 {
                self as f64
            }
            fn from_f64(v: f64) -> $t {
                // Rust's float-to-integer cast truncates and saturates; NaN gives 0.
                let r = if v > 0.0 { v + 0.5 } else if <$t>::MIN == 0 { 0.0 } else { v - 0.5 };
                r as $t
            }
        }
    )*};
}
sample_int!(i8, i16, i32, i64, u8, u16, u32, u64);

/// A matrix for [`affine_transform`]: a list of numbers is a diagonal (each axis scaled), a
/// 2-D array is `ndim x ndim` (or `ndim x ndim+1`, or homogeneous `ndim+1 x ndim+1`, with the
/// offset in its last column).
///
/// # Examples
///
/// ```
/// use chunkwise::ndinterp::IntoMatrix;
/// let m = [[0.0, 1.0], [1.0, 0.0]].into_matrix();
/// assert_eq!(m.dim(), (2, 2));
/// let d = [2.0, 0.5].into_matrix(); // a diagonal is kept as one row
/// assert_eq!(d.dim(), (1, 2));
/// ```
pub trait IntoMatrix {
    /// The matrix; a diagonal is one row.
    fn into_matrix(self) -> Array2<f64>;
    /// Whether it is a diagonal given as a list.
    fn is_diagonal(&self) -> bool {
        false
    }
}

impl IntoMatrix for Array2<f64> {
    fn into_matrix(self) -> Array2<f64> {
        self
    }
}

impl IntoMatrix for &Array2<f64> {
    fn into_matrix(self) -> Array2<f64> {
        self.clone()
    }
}

impl IntoMatrix for ArrayView2<'_, f64> {
    fn into_matrix(self) -> Array2<f64> {
        self.to_owned()
    }
}

impl<const R: usize, const C: usize> IntoMatrix for [[f64; C]; R] {
    fn into_matrix(self) -> Array2<f64> {
        Array2::from_shape_fn((R, C), |(i, j)| self[i][j])
    }
}

impl IntoMatrix for &[f64] {
    fn into_matrix(self) -> Array2<f64> {
        Array2::from_shape_vec((1, self.len()), self.to_vec()).expect("one row")
    }
    fn is_diagonal(&self) -> bool {
        true
    }
}

impl IntoMatrix for Vec<f64> {
    fn into_matrix(self) -> Array2<f64> {
        self[..].into_matrix()
    }
    fn is_diagonal(&self) -> bool {
        true
    }
}

impl<const N: usize> IntoMatrix for [f64; N] {
    fn into_matrix(self) -> Array2<f64> {
        self[..].into_matrix()
    }
    fn is_diagonal(&self) -> bool {
        true
    }
}

/// How output positions map to input coordinates.
enum Map {
    /// `offset + matrix · o` (matrix `rows x cols`, row-major), summed in scipy's order.
    Affine {
        matrix: Vec<f64>,
        cols: usize,
        offset: Vec<f64>,
    },
    /// Per axis `((o + shift) [+ 0.5]) · zoom [- 0.5]`, as scipy's `zoom_shift`.
    Separable {
        zoom: Option<Vec<f64>>,
        shift: Option<Vec<f64>>,
        grid: bool,
    },
    /// Read from a coordinates array (input 1); per output block, per input axis, the least
    /// and greatest finite coordinate (NaN for none).
    Coordinates { extents: Vec<Vec<(f64, f64)>> },
}

/// A resampling: the map, and how the source is read.
struct Resample {
    map: Map,
    /// Spline order per input axis (0 on the axes a rotation leaves).
    orders: Vec<usize>,
    mode: Ext,
    cval: f64,
    /// Cells of padding before the input along each axis (modes nearest, grid-constant).
    pad: Vec<usize>,
    /// The source's chunks (padded, prefiltered).
    src: Chunks,
    /// The output's chunks.
    out: Chunks,
}

/// The cells an output block reads, per input axis: the stretches, and for each input block
/// along the axis, which of its cells go where in the box.
struct Reads {
    ranges: Vec<Vec<Range<usize>>>,
    /// Per axis, the input blocks along it that the stretches touch.
    pieces: Vec<Vec<Piece>>,
}

/// The cells of one input block along one axis that a box takes.
struct Piece {
    /// The block's index along the axis.
    block: usize,
    /// Ranges within the block, each with the box position of its first cell.
    parts: Vec<(Range<usize>, usize)>,
}

impl Resample {
    /// The interval of input coordinates (padding included) of output block `b` along each
    /// input axis.
    fn intervals(&self, b: usize) -> Vec<(f64, f64)> {
        let r = self.out.block_ranges(b);
        let ext = |a: f64, c: f64| (a.min(c), a.max(c));
        let mut iv: Vec<(f64, f64)> = match &self.map {
            Map::Affine {
                matrix,
                cols,
                offset,
            } => offset
                .iter()
                .enumerate()
                .map(|(h, &o)| {
                    let (mut lo, mut hi) = (o, o);
                    for (l, rl) in r.iter().enumerate() {
                        let m = matrix[h * cols + l];
                        let (a, c) = ext(m * rl.start as f64, m * (rl.end - 1) as f64);
                        lo += a;
                        hi += c;
                    }
                    (lo, hi)
                })
                .collect(),
            Map::Separable { .. } => r
                .iter()
                .enumerate()
                .map(|(k, rk)| {
                    ext(
                        self.separable_coord(k, rk.start),
                        self.separable_coord(k, rk.end - 1),
                    )
                })
                .collect(),
            Map::Coordinates { extents } => extents[b].clone(),
        };
        for (v, &p) in iv.iter_mut().zip(&self.pad) {
            v.0 += p as f64;
            v.1 += p as f64;
        }
        iv
    }

    /// The input coordinate (without padding) of output index `i` along axis `k` of a
    /// separable map.
    #[inline]
    fn separable_coord(&self, k: usize, i: usize) -> f64 {
        let Map::Separable { zoom, shift, grid } = &self.map else {
            unreachable!("a separable map")
        };
        let mut c = i as f64;
        if let Some(s) = shift {
            c += s[k];
        }
        if let Some(z) = zoom {
            c = if *grid {
                (c + 0.5) * z[k] - 0.5
            } else {
                c * z[k]
            };
        }
        c
    }

    /// What output block `b` reads, or `None` if it has no elements.
    fn reads(&self, b: usize) -> Option<Reads> {
        if self.out.block_ranges(b).iter().any(|r| r.is_empty()) {
            return None;
        }
        let ranges: Vec<Vec<Range<usize>>> = self
            .intervals(b)
            .into_iter()
            .enumerate()
            .map(|(k, (lo, hi))| needed(lo, hi, self.src.shape()[k], self.mode, self.orders[k]))
            .collect();
        let pieces = ranges
            .iter()
            .enumerate()
            .map(|(k, rs)| {
                let starts = self.src.starts(k);
                let mut out: Vec<Piece> = Vec::new();
                let mut at = 0;
                for r in rs {
                    let mut pos = r.start;
                    while pos < r.end {
                        let blk = self.src.locate(k, pos);
                        let end = starts[blk + 1].min(r.end);
                        let piece = (pos - starts[blk]..end - starts[blk], at);
                        match out.last_mut() {
                            Some(last) if last.block == blk => last.parts.push(piece),
                            _ => out.push(Piece {
                                block: blk,
                                parts: vec![piece],
                            }),
                        }
                        at += end - pos;
                        pos = end;
                    }
                }
                out
            })
            .collect();
        Some(Reads { ranges, pieces })
    }
}

/// The resampling `plan` of `src` (elements `S`) as an array of `T`, named `op`; `coords`
/// the coordinates array for [`Map::Coordinates`] (whole along its first axis, its other
/// chunks the output's).
fn build<S: Sample, T: Sample>(
    op: &'static str,
    src: &Array<S>,
    plan: Resample,
    coords: Option<&Array<f64>>,
) -> Array<T> {
    let out_chunks = plan.out.clone();
    let plan = Arc::new(plan);
    let mut inputs: Vec<NodeRef> = vec![src.node().clone()];
    if let Some(c) = coords {
        inputs.push(c.node().clone());
    }
    let with_coords = coords.is_some();
    let p = plan.clone();
    let deps = Box::new(move |b: usize, deps: &mut Vec<BlockRef>| {
        let Some(reads) = p.reads(b) else { return };
        let blocks: Vec<Vec<usize>> = reads
            .pieces
            .iter()
            .map(|axis| axis.iter().map(|p| p.block).collect())
            .collect();
        let mut grid = vec![0; blocks.len()];
        for_each_combination(&blocks, |idx| {
            for (g, &&i) in grid.iter_mut().zip(idx) {
                *g = i;
            }
            deps.push(BlockRef {
                input: 0,
                block: p.src.linear_index(&grid),
            });
        });
        if with_coords {
            deps.push(BlockRef { input: 1, block: b });
        }
    });
    let kernel = Box::new(move |b: usize, inputs: &mut Vec<crate::scheduler::Value>| {
        let shape = plan.out.block_shape(b);
        let Some(reads) = plan.reads(b) else {
            return Ok(owned(ArrayD::<T>::from_elem(shape, T::default())));
        };
        let data = gather::<S>(&reads, inputs);
        // Separable maps read the box one axis at a time, by position along it; the others
        // by offset into it.
        let separable = matches!(plan.map, Map::Separable { .. });
        let strides: Vec<usize> = data
            .strides()
            .iter()
            .map(|&s| if separable { 1 } else { s as usize })
            .collect();
        let axes: Vec<AxisBox> = reads
            .ranges
            .iter()
            .enumerate()
            .map(|(k, rs)| AxisBox::new(plan.src.shape()[k], rs, strides[k]))
            .collect();
        let origin: Vec<usize> = plan.out.block_ranges(b).iter().map(|r| r.start).collect();
        let out = match &plan.map {
            Map::Separable { .. } => {
                let taps: Vec<AxisTaps> = (0..axes.len())
                    .map(|k| {
                        let pad = plan.pad[k] as f64;
                        let xs =
                            (0..shape[k]).map(|i| plan.separable_coord(k, origin[k] + i) + pad);
                        AxisTaps::new(xs, &axes[k], plan.mode, plan.orders[k])
                    })
                    .collect();
                T::from_f64_block(kernel::separable(data, &taps, plan.cval))
            }
            Map::Affine {
                matrix,
                cols,
                offset,
            } => {
                let mut coords = AffineCoords {
                    matrix,
                    cols: *cols,
                    offset,
                    origin,
                    pad: &plan.pad,
                    prefix: vec![0.0; offset.len()],
                };
                interpolate(&plan, &data, &axes, &shape, &mut coords)
            }
            Map::Coordinates { .. } => {
                let cv = inputs.last().expect("the coordinates block");
                let cview = block_of::<f64>(cv).view();
                let cview = cview.as_standard_layout();
                let mut coords = ArrayCoords {
                    values: cview.as_slice().expect("standard layout"),
                    points: shape.size(),
                    pad: &plan.pad,
                    start: 0,
                };
                interpolate(&plan, &data, &axes, &shape, &mut coords)
            }
        };
        Ok(owned(out))
    });
    Array::from_node(Gather::new::<T>(
        op, out_chunks, inputs, false, deps, kernel,
    ))
}

/// Output block of `shape` interpolated at the points of `coords` from `data`, the box.
fn interpolate<T: Sample>(
    plan: &Resample,
    data: &ArrayD<f64>,
    axes: &[AxisBox],
    shape: &IxDyn,
    coords: &mut impl kernel::Coords,
) -> ArrayD<T> {
    let flat = data.as_slice().expect("the box is in standard layout");
    let mut out = vec![T::default(); shape.size()];
    let src = kernel::Boxed {
        data: flat,
        axes,
        orders: &plan.orders,
        mode: plan.mode,
        cval: plan.cval,
    };
    kernel::points(&src, shape.slice(), &mut out, T::from_f64, coords);
    ArrayD::from_shape_vec(shape.clone(), out).expect("the block's shape")
}

/// The coordinates of an affine map, `offset + matrix · o`, summed in scipy's order (the
/// columns in turn), the part before the last column once per row.
struct AffineCoords<'a> {
    matrix: &'a [f64],
    cols: usize,
    offset: &'a [f64],
    origin: Vec<usize>,
    pad: &'a [usize],
    prefix: Vec<f64>,
}

impl kernel::Coords for AffineCoords<'_> {
    fn row(&mut self, idx: &[usize], _: usize) {
        let last = self.cols - 1;
        for (h, p) in self.prefix.iter_mut().enumerate() {
            let row = &self.matrix[h * self.cols..(h + 1) * self.cols];
            let mut t = self.offset[h];
            for l in 0..last {
                t += (self.origin[l] + idx[l]) as f64 * row[l];
            }
            *p = t;
        }
    }
    #[inline(always)]
    fn at(&self, j: usize, c: &mut [f64]) {
        let last = self.cols - 1;
        let o = (self.origin[last] + j) as f64;
        for (h, ch) in c.iter_mut().enumerate() {
            *ch = (self.prefix[h] + o * self.matrix[h * self.cols + last]) + self.pad[h] as f64;
        }
    }
}

/// Coordinates read from a block of a coordinates array (`values`, row-major, `points` per
/// input axis).
struct ArrayCoords<'a> {
    values: &'a [f64],
    points: usize,
    pad: &'a [usize],
    start: usize,
}

impl kernel::Coords for ArrayCoords<'_> {
    fn row(&mut self, _: &[usize], p: usize) {
        self.start = p;
    }
    #[inline(always)]
    fn at(&self, j: usize, c: &mut [f64]) {
        for (h, ch) in c.iter_mut().enumerate() {
            *ch = self.values[h * self.points + self.start + j] + self.pad[h] as f64;
        }
    }
}

/// The cells `reads` names, from the input blocks in `inputs` (in the order of the deps), as
/// one `f64` array.
fn gather<S: Sample>(reads: &Reads, inputs: &[crate::scheduler::Value]) -> ArrayD<f64> {
    let shape: Vec<usize> = reads
        .ranges
        .iter()
        .map(|rs| rs.iter().map(|r| r.len()).sum())
        .collect();
    let mut data = ArrayD::<f64>::zeros(IxDyn(&shape));
    let mut values = inputs.iter();
    for_each_combination(&reads.pieces, |blocks| {
        let v = block_of::<S>(values.next().expect("one input block per combination")).view();
        let parts: Vec<Vec<(Range<usize>, usize)>> =
            blocks.iter().map(|p| p.parts.clone()).collect();
        for_each_combination(&parts, |ps| {
            let src = v.slice_each_axis(|ax| Slice::from(ps[ax.axis.index()].0.clone()));
            let mut dst = data.slice_each_axis_mut(|ax| {
                let (r, at) = ps[ax.axis.index()];
                Slice::from(*at..*at + r.len())
            });
            ndarray::Zip::from(&mut dst)
                .and(&src)
                .for_each(|d, &s| *d = s.to_f64());
        });
    });
    data
}

/// The array interpolated: the input itself, or its B-spline coefficients.
enum Source<T> {
    Raw(Array<T>),
    Coefficients(Array<f64>),
}

/// Checks shared by the transforms: an array of at least one axis, an order of 0 to 5, and
/// `grid_mode` only where `zoom` asks.
fn check<T: Element>(op: &'static str, x: &Array<T>, interp: &Interp, zoom: bool) -> Result<()> {
    if x.ndim() == 0 {
        return Err(Error::UnsupportedRank {
            op,
            ndim: 0,
            expected: "the input needs at least one axis",
        });
    }
    check_order(op, interp.order)?;
    if interp.grid_mode && !zoom {
        return Err(Error::InvalidParameter {
            op,
            name: "grid_mode",
            value: "true".into(),
            expected: "false: grid_mode belongs to zoom",
        });
    }
    Ok(())
}

fn check_order(op: &'static str, order: usize) -> Result<()> {
    if order > 5 {
        return Err(Error::InvalidParameter {
            op,
            name: "order",
            value: order.to_string(),
            expected: "a spline order from 0 to 5",
        });
    }
    Ok(())
}

/// Refuses an input with an empty axis when the output has elements: there is nothing to
/// interpolate from.
fn check_not_empty<T: Element>(op: &'static str, x: &Array<T>, out: &[usize]) -> Result<()> {
    if x.shape().contains(&0) && !out.contains(&0) {
        return Err(Error::InvalidParameter {
            op,
            name: "input shape",
            value: format!("{:?}", x.shape()),
            expected: "no empty axis when the output has elements (nothing to interpolate from)",
        });
    }
    Ok(())
}

/// The per-axis values of `p` for `ndim` axes, all finite.
fn per_axis(
    op: &'static str,
    name: &'static str,
    p: &impl PerAxis,
    ndim: usize,
) -> Result<Vec<f64>> {
    let v = p.per_axis(ndim).ok_or_else(|| Error::InvalidParameter {
        op,
        name,
        value: "a list of another length".into(),
        expected: "one number, or one per axis of the input",
    })?;
    if let Some(bad) = v.iter().find(|v| !v.is_finite()) {
        return Err(Error::InvalidParameter {
            op,
            name,
            value: bad.to_string(),
            expected: "finite numbers",
        });
    }
    Ok(v)
}

/// The output's chunks: as `interp` says, or the input's largest block along each axis.
fn out_chunks<T: Element>(
    op: &'static str,
    x: &Array<T>,
    shape: &[usize],
    interp: &Interp,
) -> Result<Chunks> {
    if let Some(spec) = &interp.chunks {
        return chunks_for(op, spec.clone(), shape);
    }
    let sizes: Vec<usize> = (0..shape.len())
        .map(|k| {
            let largest = x
                .chunks()
                .get(k)
                .and_then(|c| c.iter().copied().max())
                .unwrap_or(shape[k]);
            largest.min(shape[k]).max(1)
        })
        .collect();
    Chunks::regular(shape, &sizes)
}

/// `x` as interpolation reads it, with the padding before each axis: for orders above 1 with
/// the prefilter, the B-spline coefficients along `axes` (after scipy's padding of 12 cells
/// along them for modes nearest and grid-constant); otherwise `x` itself.
fn source<T: Sample>(
    x: &Array<T>,
    axes: &[usize],
    interp: &Interp,
) -> Result<(Source<T>, Vec<usize>)> {
    let n = x.ndim();
    if !(interp.prefilter && interp.order > 1) {
        return Ok((Source::Raw(x.clone()), vec![0; n]));
    }
    let mode = Ext::from(interp.mode);
    let mut f = as_f64(x);
    let mut pad = vec![0; n];
    if mode.unfolded() && !x.shape().contains(&0) {
        for &k in axes {
            pad[k] = 12;
        }
        let widths: Vec<(usize, usize)> = pad.iter().map(|&p| (p, p)).collect();
        let rule = if mode == Ext::GridConstant {
            Boundary::Constant(interp.cval)
        } else {
            Boundary::Nearest
        };
        f = f.pad(widths, rule)?;
    }
    Ok((
        Source::Coefficients(filter_axes(f, axes, interp.order, mode)?),
        pad,
    ))
}

/// `x` read as `f64`, lazily (fused with what reads it).
fn as_f64<T: Sample>(x: &Array<T>) -> Array<f64> {
    x.map_named("as f64", T::to_f64)
}

/// `f` prefiltered along each of `axes` in turn.
fn filter_axes(mut f: Array<f64>, axes: &[usize], order: usize, mode: Ext) -> Result<Array<f64>> {
    let poles = poles(order);
    if poles.is_empty() {
        return Ok(f);
    }
    for &axis in axes {
        let len = f.shape()[axis];
        if len < 2 {
            continue;
        }
        f = crate::fft::along(
            "spline_filter1d",
            &f,
            axis,
            len,
            len,
            || (),
            move |lanes: &mut [f64], out: &mut [f64], _, _| {
                out.copy_from_slice(lanes);
                for lane in out.chunks_mut(len) {
                    filter_lane(lane, poles, mode);
                }
            },
        )?;
    }
    Ok(f)
}

/// Builds the resampling of `x` by `map` to `out` chunks, named `op`: the source prepared,
/// orders per axis (`interp`'s on `axes`, 0 elsewhere).
fn resample<T: Sample>(
    op: &'static str,
    x: &Array<T>,
    map: Map,
    axes: &[usize],
    out: Chunks,
    interp: &Interp,
    coords: Option<&Array<f64>>,
) -> Result<Array<T>> {
    check_not_empty(op, x, out.shape())?;
    let (src, pad) = source(x, axes, interp)?;
    let orders = (0..x.ndim())
        .map(|k| if axes.contains(&k) { interp.order } else { 0 })
        .collect();
    let plan = |src: Chunks| Resample {
        map,
        orders,
        mode: Ext::from(interp.mode),
        cval: interp.cval,
        pad,
        src,
        out,
    };
    Ok(match src {
        Source::Raw(a) => build::<T, T>(op, &a, plan(a.chunk_layout().clone()), coords),
        Source::Coefficients(c) => build::<f64, T>(op, &c, plan(c.chunk_layout().clone()), coords),
    })
}

/// scipy.ndimage's `affine_transform`: output point `o` takes the input's spline at
/// `matrix · o + offset`.
///
/// `matrix` is `ndim x ndim` for an input of `ndim` axes (more generally `ndim` rows and a
/// column per output axis), `ndim x ndim+1` or homogeneous `ndim+1 x ndim+1` with the offset
/// in its last column (then `offset` is not used), or a list of `ndim` numbers, a diagonal
/// (computed as scipy's zoom-and-shift, each axis on its own). The matrix maps output
/// coordinates to input ones, as scipy's does (the inverse of the movement of the image): no
/// inverse is taken, so any matrix, singular too, is valid. `output_shape` defaults to the
/// input's shape.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a matrix of another shape, a homogeneous matrix whose last
/// row is not `0 … 0 1`, non-finite numbers, an order above 5, an input with an empty axis and
/// an output with elements; [`Error::UnsupportedRank`] for a 0-d input or output.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndinterp::{self, Interp}};
/// use ndarray::array;
/// let x = Array::from_ndarray(array![[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]], [1, 2])?;
/// // Output (i, j) reads input (i, j + 1): the image moves one column left.
/// let y = ndinterp::affine_transform(&x, [[1.0, 0.0], [0.0, 1.0]], [0.0, 1.0], None, &Interp::new().order(1))?;
/// assert_eq!(y.compute()?, array![[1.0, 2.0, 0.0], [4.0, 5.0, 0.0]].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn affine_transform<T: Sample>(
    x: &Array<T>,
    matrix: impl IntoMatrix,
    offset: impl PerAxis,
    output_shape: Option<&[usize]>,
    interp: &Interp,
) -> Result<Array<T>> {
    const OP: &str = "affine_transform";
    check(OP, x, interp, false)?;
    let n = x.ndim();
    let diagonal = matrix.is_diagonal();
    let mut m = matrix.into_matrix();
    let shape = output_shape.map_or_else(|| x.shape().to_vec(), <[usize]>::to_vec);
    if shape.is_empty() {
        return Err(Error::UnsupportedRank {
            op: OP,
            ndim: 0,
            expected: "the output needs at least one axis",
        });
    }
    let bad_matrix = |m: &Array2<f64>, expected: &'static str| Error::InvalidParameter {
        op: OP,
        name: "matrix",
        value: format!("a {} x {} matrix", m.nrows(), m.ncols()),
        expected,
    };
    if let Some(v) = m.iter().find(|v| !v.is_finite()) {
        return Err(Error::InvalidParameter {
            op: OP,
            name: "matrix",
            value: v.to_string(),
            expected: "finite numbers",
        });
    }
    let mut offset = per_axis(OP, "offset", &offset, n)?;
    if !diagonal && m.ncols() == n + 1 && (m.nrows() == n || m.nrows() == n + 1) {
        if m.nrows() == n + 1
            && m.row(n)
                .iter()
                .enumerate()
                .any(|(j, &v)| v != if j == n { 1.0 } else { 0.0 })
        {
            return Err(bad_matrix(
                &m,
                "a homogeneous matrix whose last row is 0 … 0 1",
            ));
        }
        offset = m.column(n).iter().take(n).copied().collect();
        m = m.slice(ndarray::s![..n, ..n]).to_owned();
    }
    let out = out_chunks(OP, x, &shape, interp)?;
    let axes: Vec<usize> = (0..n).collect();
    let map = if diagonal {
        if m.ncols() != n || shape.len() != n {
            return Err(bad_matrix(
                &m,
                "a diagonal of one number per input axis, and an output of as many axes",
            ));
        }
        let zoom: Vec<f64> = m.iter().copied().collect();
        let shift = offset.iter().zip(&zoom).map(|(o, z)| o / z).collect();
        Map::Separable {
            zoom: Some(zoom),
            shift: Some(shift),
            grid: false,
        }
    } else {
        if m.nrows() != n || m.ncols() != shape.len() {
            return Err(bad_matrix(
                &m,
                "a row per input axis and a column per output axis (or a homogeneous matrix)",
            ));
        }
        Map::Affine {
            matrix: m.iter().copied().collect(),
            cols: shape.len(),
            offset,
        }
    };
    resample(OP, x, map, &axes, out, interp, None)
}

/// scipy.ndimage's `map_coordinates`: output point `p` takes the input's spline at
/// `coordinates[:, p]`. `coordinates` has shape `(ndim, ...)`, `ndim` the input's, and the
/// output its other axes (and, unless [`Interp::chunks`] says otherwise, their chunks).
///
/// Each output block reads the input cells its own coordinates reach. To know which, the
/// least and greatest coordinate of each block are computed when this is called (one pass
/// over the coordinates); the coordinates are computed again by the result's computation, so
/// [`persist`](Array::persist) them first if they are costly.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for coordinates of the wrong shape, an order above 5, or an
/// input with an empty axis and an output with elements; [`Error::UnsupportedRank`] for a
/// 0-d input; errors of computing the coordinates' extents.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndinterp::{self, Interp}};
/// use ndarray::array;
/// let x = Array::from_ndarray(array![[0.0, 1.0], [2.0, 3.0]], [1, 1])?;
/// let at = Array::from_ndarray(array![[0.5, 1.0], [0.5, 0.0]], [2, 1])?; // (0.5, 0.5), (1, 0)
/// let y = ndinterp::map_coordinates(&x, &at, &Interp::new().order(1))?;
/// assert_eq!(y.compute()?, array![1.5, 2.0].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn map_coordinates<T: Sample>(
    x: &Array<T>,
    coordinates: &Array<f64>,
    interp: &Interp,
) -> Result<Array<T>> {
    const OP: &str = "map_coordinates";
    check(OP, x, interp, false)?;
    let n = x.ndim();
    let cs = coordinates.shape();
    if cs.len() < 2 || cs[0] != n {
        return Err(Error::InvalidParameter {
            op: OP,
            name: "coordinates",
            value: format!("an array of shape {cs:?}"),
            expected: "shape (ndim, ...) with at least one more axis, ndim the input's axes",
        });
    }
    let shape = cs[1..].to_vec();
    let out = match &interp.chunks {
        Some(spec) => chunks_for(OP, spec.clone(), &shape)?,
        None => Chunks::new(&shape, coordinates.chunks()[1..].to_vec())?,
    };
    let mut sizes = vec![vec![n]];
    sizes.extend(out.sizes().iter().cloned());
    let coords = coordinates.rechunk(sizes)?;
    let extents = extents(&coords, out.num_blocks())?;
    let axes: Vec<usize> = (0..n).collect();
    resample(
        OP,
        x,
        Map::Coordinates { extents },
        &axes,
        out,
        interp,
        Some(&coords),
    )
}

/// Per block of `coords` (whole along axis 0, `blocks` blocks), per row, the least and
/// greatest finite coordinate (NaN for none).
fn extents(coords: &Array<f64>, blocks: usize) -> Result<Vec<Vec<(f64, f64)>>> {
    let n = coords.shape()[0];
    if blocks == 0 {
        return Ok(Vec::new());
    }
    let chunks = Chunks::new(&[blocks, 2 * n], vec![vec![1; blocks], vec![2 * n]])?;
    let node = Gather::new::<f64>(
        "coordinate extents",
        chunks,
        vec![coords.node().clone()],
        true,
        Box::new(|b, deps| deps.push(BlockRef { input: 0, block: b })),
        Box::new(move |_, inputs| {
            let c = block_of::<f64>(&inputs[0]).view();
            let mut row = Vec::with_capacity(2 * n);
            for k in 0..n {
                let (mut lo, mut hi) = (f64::NAN, f64::NAN);
                for &v in c
                    .index_axis(ndarray::Axis(0), k)
                    .iter()
                    .filter(|v| v.is_finite())
                {
                    lo = if lo.is_nan() { v } else { lo.min(v) };
                    hi = if hi.is_nan() { v } else { hi.max(v) };
                }
                row.extend([lo, hi]);
            }
            Ok(owned(
                ArrayD::from_shape_vec(IxDyn(&[1, 2 * n]), row).expect("one row"),
            ))
        }),
    );
    let e = Array::<f64>::from_node(node).compute()?;
    Ok(e.outer_iter()
        .map(|r| (0..n).map(|k| (r[2 * k], r[2 * k + 1])).collect())
        .collect())
}

/// scipy.ndimage's `zoom`: the input resampled to `round(shape · zoom)` (halves to even, as
/// Python's `round`), the first and last cell centres kept in place (or, with
/// [`Interp::grid_mode`], the outer edges of the first and last cells). A zoom of 1 on every
/// axis with the prefilter is the input itself.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a zoom that is negative, not finite, or not one per axis,
/// an order above 5, or an input with an empty axis and an output with elements;
/// [`Error::UnsupportedRank`] for a 0-d input.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndinterp::{self, Interp}};
/// use ndarray::array;
/// let x = Array::from_ndarray(array![0.0, 1.0, 2.0], [2])?;
/// let y = ndinterp::zoom(&x, 5.0 / 3.0, &Interp::new().order(1))?;
/// assert_eq!(y.compute()?, array![0.0, 0.5, 1.0, 1.5, 2.0].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn zoom<T: Sample>(x: &Array<T>, zoom: impl PerAxis, interp: &Interp) -> Result<Array<T>> {
    const OP: &str = "zoom";
    check(OP, x, interp, true)?;
    let n = x.ndim();
    let z = per_axis(OP, "zoom", &zoom, n)?;
    if let Some(bad) = z.iter().find(|&&v| v < 0.0) {
        return Err(Error::InvalidParameter {
            op: OP,
            name: "zoom",
            value: bad.to_string(),
            expected: "factors of 0 or more",
        });
    }
    let shape: Vec<usize> = x
        .shape()
        .iter()
        .zip(&z)
        .map(|(&len, &f)| (len as f64 * f).round_ties_even() as usize)
        .collect();
    let out = out_chunks(OP, x, &shape, interp)?;
    if interp.prefilter && z.iter().all(|&f| f == 1.0) {
        return x.rechunk(out);
    }
    let grid = interp.grid_mode;
    let ratio = x
        .shape()
        .iter()
        .zip(&shape)
        .map(|(&a, &b)| {
            let (num, div) = if grid {
                (a as f64, b as f64)
            } else {
                (a as f64 - 1.0, b as f64 - 1.0)
            };
            if div != 0.0 { num / div } else { 1.0 }
        })
        .collect();
    let map = Map::Separable {
        zoom: Some(ratio),
        shift: None,
        grid,
    };
    let axes: Vec<usize> = (0..n).collect();
    resample(OP, x, map, &axes, out, interp, None)
}

/// scipy.ndimage's `shift`: output point `o` takes the input's spline at `o - shift`.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a shift that is not finite or not one per axis, or an
/// order above 5; [`Error::UnsupportedRank`] for a 0-d input.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndinterp::{self, Interp, Mode}};
/// use ndarray::array;
/// let x = Array::from_ndarray(array![0.0, 1.0, 2.0, 3.0], [3])?;
/// let y = ndinterp::shift(&x, 0.5, &Interp::new().order(1).mode(Mode::Nearest))?;
/// assert_eq!(y.compute()?, array![0.0, 0.5, 1.5, 2.5].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn shift<T: Sample>(x: &Array<T>, shift: impl PerAxis, interp: &Interp) -> Result<Array<T>> {
    const OP: &str = "shift";
    check(OP, x, interp, false)?;
    let n = x.ndim();
    let s = per_axis(OP, "shift", &shift, n)?;
    let out = out_chunks(OP, x, x.shape(), interp)?;
    let map = Map::Separable {
        zoom: None,
        shift: Some(s.iter().map(|v| -v).collect()),
        grid: false,
    };
    let axes: Vec<usize> = (0..n).collect();
    resample(OP, x, map, &axes, out, interp, None)
}

/// Cosine and sine of `deg` degrees, exact at multiples of 90 (scipy's `cosdg`, `sindg`).
fn cos_sin_degrees(deg: f64) -> (f64, f64) {
    let d = deg.rem_euclid(360.0);
    match d {
        0.0 => (1.0, 0.0),
        90.0 => (0.0, 1.0),
        180.0 => (-1.0, 0.0),
        270.0 => (0.0, -1.0),
        _ => {
            let (s, c) = d.to_radians().sin_cos();
            (c, s)
        }
    }
}

/// scipy.ndimage's `rotate`: the plane of `axes` rotated by `angle` degrees about its centre
/// (every plane parallel to it, for more than two axes), counter-clockwise as shown with the
/// first axis down. With `reshape`, the output's plane grows to hold the whole rotated input.
/// Splines (and the prefilter) act within the plane only.
///
/// # Errors
///
/// [`Error::InvalidAxes`] for axes that are equal or not the array's;
/// [`Error::UnsupportedRank`] for fewer than two axes; [`Error::InvalidParameter`] for an
/// angle that is not finite or an order above 5.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndinterp::{self, Interp}};
/// use ndarray::array;
/// let x = Array::from_ndarray(array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [1, 2])?;
/// let y = ndinterp::rotate(&x, 90.0, (0, 1), true, &Interp::new().order(1))?;
/// assert_eq!(y.compute()?, array![[3.0, 6.0], [2.0, 5.0], [1.0, 4.0]].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn rotate<T: Sample>(
    x: &Array<T>,
    angle: f64,
    axes: (usize, usize),
    reshape: bool,
    interp: &Interp,
) -> Result<Array<T>> {
    const OP: &str = "rotate";
    let n = x.ndim();
    if n < 2 {
        return Err(Error::UnsupportedRank {
            op: OP,
            ndim: n,
            expected: "rotate needs at least two axes",
        });
    }
    check(OP, x, interp, false)?;
    let (a, b) = (axes.0.min(axes.1), axes.0.max(axes.1));
    if a == b || b >= n {
        return Err(Error::InvalidAxes {
            op: OP,
            axes: vec![axes.0, axes.1],
            ndim: n,
        });
    }
    if !angle.is_finite() {
        return Err(Error::InvalidParameter {
            op: OP,
            name: "angle",
            value: angle.to_string(),
            expected: "a finite number of degrees",
        });
    }
    let (c, s) = cos_sin_degrees(angle);
    let rot = [[c, s], [-s, c]];
    let times = |v: [f64; 2]| {
        [
            rot[0][0] * v[0] + rot[0][1] * v[1],
            rot[1][0] * v[0] + rot[1][1] * v[1],
        ]
    };
    let plane = [x.shape()[a] as f64, x.shape()[b] as f64];
    let out_plane = if reshape {
        let corners = [[0.0, 0.0], [0.0, plane[1]], [plane[0], 0.0], plane].map(times);
        let ptp = |i: usize| {
            let v = corners.map(|p| p[i]);
            v.iter().copied().fold(f64::MIN, f64::max) - v.iter().copied().fold(f64::MAX, f64::min)
        };
        [(ptp(0) + 0.5) as usize, (ptp(1) + 0.5) as usize]
    } else {
        [x.shape()[a], x.shape()[b]]
    };
    let out_center = times([
        (out_plane[0] as f64 - 1.0) / 2.0,
        (out_plane[1] as f64 - 1.0) / 2.0,
    ]);
    let in_center = [(plane[0] - 1.0) / 2.0, (plane[1] - 1.0) / 2.0];
    let mut shape = x.shape().to_vec();
    shape[a] = out_plane[0];
    shape[b] = out_plane[1];
    let mut matrix = vec![0.0; n * n];
    let mut offset = vec![0.0; n];
    for k in 0..n {
        matrix[k * n + k] = 1.0;
    }
    for (i, &p) in [a, b].iter().enumerate() {
        for (j, &q) in [a, b].iter().enumerate() {
            matrix[p * n + q] = rot[i][j];
        }
        offset[p] = in_center[i] - out_center[i];
    }
    let out = out_chunks(OP, x, &shape, interp)?;
    let map = Map::Affine {
        matrix,
        cols: n,
        offset,
    };
    resample(OP, x, map, &[a, b], out, interp, None)
}

/// scipy.ndimage's `spline_filter1d`: the B-spline coefficients of order `order` along
/// `axis`, with the boundary rule of `mode` (scipy's default is [`Mode::Mirror`]); orders 0
/// and 1 return the input as `f64`. The array is rechunked to whole lanes along `axis` (see
/// the [module docs](self)).
///
/// # Errors
///
/// [`Error::InvalidParameter`] for an order above 5; [`Error::AxisOutOfRange`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndinterp::{self, Mode}};
/// let x = Array::from_ndarray(ndarray::array![0.0, 6.0, 0.0], [1])?;
/// let c = ndinterp::spline_filter1d(&x, 3, 0, Mode::Mirror)?.compute()?;
/// // Cubic B-spline coefficients c with (c[i-1] + 4 c[i] + c[i+1]) / 6 = x[i] (mirror ends).
/// let back = (2.0 * c[[1]] + 4.0 * c[[0]]) / 6.0;
/// assert!(back.abs() < 1e-12);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn spline_filter1d<T: Sample>(
    x: &Array<T>,
    order: usize,
    axis: usize,
    mode: Mode,
) -> Result<Array<f64>> {
    const OP: &str = "spline_filter1d";
    check_order(OP, order)?;
    x.check_axis(OP, axis)?;
    filter_axes(as_f64(x), &[axis], order, Ext::from(mode))
}

/// scipy.ndimage's `spline_filter`: [`spline_filter1d`] along every axis in turn.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for an order above 5.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndinterp::{self, Interp, Mode}};
/// let x = Array::<f64>::random(&[16, 16], [5, 7], 2)?;
/// let c = ndinterp::spline_filter(&x, 3, Mode::Mirror)?;
/// // Interpolating the coefficients at the nodes gives the samples back.
/// let same = ndinterp::shift(&c, 0.0, &Interp::new().mode(Mode::Mirror).prefilter(false))?;
/// let diff = (same.compute()? - x.compute()?).mapv(f64::abs);
/// assert!(diff.iter().all(|&d| d < 1e-12));
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn spline_filter<T: Sample>(x: &Array<T>, order: usize, mode: Mode) -> Result<Array<f64>> {
    const OP: &str = "spline_filter";
    check_order(OP, order)?;
    let axes: Vec<usize> = (0..x.ndim()).collect();
    filter_axes(as_f64(x), &axes, order, Ext::from(mode))
}
