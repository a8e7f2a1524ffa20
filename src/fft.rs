//! Discrete Fourier transforms of chunked arrays, as `numpy.fft` and `dask.array.fft`: the
//! same names, parameters (`n`/`s`, `axis`/`axes`, `norm`) and results, through
//! [rustfft](https://docs.rs/rustfft) (any length: mixed radix, Bluestein's algorithm for large
//! primes, SIMD) and [realfft](https://docs.rs/realfft) for real signals.
//!
//! A transform along an axis needs the whole axis in each output block. dask refuses an axis
//! cut into several chunks; here each output block is one chunk along the transformed axis,
//! keeping the other axes' chunks but splitting the widest of them while a block would make
//! more than 8 MiB, so blocks stay small enough to be reused and there are enough of them for
//! the threads. An input cut along the axis is read where it is: each output block's task
//! reads every input block along the axis (its line in [`Array::explain`] shows one task per
//! output block reading all of them) and gathers its lanes from them, 16 at a time, for one
//! plan made when the graph is built; no rechunked copy is made. The result keeps that
//! chunking: one chunk along each transformed axis.
//!
//! Complex values are [`Complex<f32>`] and [`Complex<f64>`] (num-complex's, re-exported here),
//! array elements like any other: the operators, `map`, reductions, and
//! [`Array::re`]/[`im`](Array::im)/[`conj`](Array::conj)/[`abs`](Array::abs) work on them;
//! Zarr stores them as `complex64`/`complex128`, `.npy` files as `<c8`/`<c16`.
//!
//! # Examples
//!
//! ```
//! use chunkwise::{Array, fft};
//! // A cosine of 3 cycles over 16 samples, in blocks of 4.
//! let x = Array::from_ndarray(
//!     ndarray::Array::from_iter((0..16).map(|i| (2.0 * std::f64::consts::PI * 3.0 * i as f64 / 16.0).cos())),
//!     [4],
//! )?;
//! let spectrum = fft::rfft(&x, None, 0, fft::FftNorm::Backward)?.abs().compute()?;
//! assert!((spectrum[[3]] - 8.0).abs() < 1e-12 && spectrum[[2]].abs() < 1e-12);
//! let back = fft::irfft(&fft::rfft(&x, None, 0, fft::FftNorm::Backward)?, Some(16), 0, fft::FftNorm::Backward)?;
//! assert!(back.compute()?.iter().zip(x.compute()?.iter()).all(|(a, b)| (a - b).abs() < 1e-12));
//! # Ok::<(), chunkwise::Error>(())
//! ```

use std::sync::Arc;

use ndarray::Dimension;
pub use num_complex::Complex;
use num_traits::{Float, Zero};
use realfft::RealFftPlanner;
use rustfft::{FftDirection, FftNum, FftPlanner};

use crate::array::{Array, IntoAxis};
use crate::chunks::Chunks;
use crate::error::{Error, Result};
use crate::expr::block::{Element, block_of, owned};
use crate::expr::blockwise::{Blockwise, Kernel};
use crate::expr::gather::Gather;
use crate::expr::{BlockRef, WriteInto};

/// Which direction is scaled, as numpy's `norm`: `Backward` (the default) leaves the forward
/// transform unscaled and divides the inverse by `n`; `Ortho` divides both by `√n`; `Forward`
/// divides the forward transform by `n` and leaves the inverse unscaled.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, fft::{self, FftNorm}};
/// let x = Array::<f64>::ones(&[4], [4])?;
/// let dc = |norm| -> chunkwise::Result<f64> { Ok(fft::fft(&x, None, 0, norm)?.compute()?[[0]].re) };
/// assert_eq!((dc(FftNorm::Backward)?, dc(FftNorm::Ortho)?, dc(FftNorm::Forward)?), (4.0, 2.0, 1.0));
/// # Ok::<(), chunkwise::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FftNorm {
    /// Forward unscaled, inverse divided by `n` (numpy's default).
    #[default]
    Backward,
    /// Both divided by `√n`: the transform is unitary.
    Ortho,
    /// Forward divided by `n`, inverse unscaled.
    Forward,
}

impl FftNorm {
    /// The factor a transform of length `n` is multiplied by.
    fn scale<F: FftFloat>(self, n: usize, inverse: bool) -> F {
        let n = F::from(n).expect("a length is a float");
        match (self, inverse) {
            (FftNorm::Backward, false) | (FftNorm::Forward, true) => F::one(),
            (FftNorm::Backward, true) | (FftNorm::Forward, false) => n.recip(),
            (FftNorm::Ortho, _) => n.sqrt().recip(),
        }
    }

    /// The norm of the transform in the other direction, for `hfft`/`ihfft` (numpy's
    /// `_swap_direction`).
    fn swapped(self) -> FftNorm {
        match self {
            FftNorm::Backward => FftNorm::Forward,
            FftNorm::Ortho => FftNorm::Ortho,
            FftNorm::Forward => FftNorm::Backward,
        }
    }
}

/// The real element types of transforms: `f32` and `f64`.
///
/// # Examples
///
/// ```
/// fn spectrum<F: chunkwise::fft::FftFloat>(x: &chunkwise::Array<F>) -> chunkwise::Result<chunkwise::Array<chunkwise::fft::Complex<F>>> {
///     chunkwise::fft::rfft(x, None, 0, Default::default())
/// }
/// assert_eq!(spectrum(&chunkwise::Array::<f32>::ones(&[8], [8])?)?.shape(), &[5]);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub trait FftFloat: Element + Copy + FftNum + Float {}

impl FftFloat for f32 {}
impl FftFloat for f64 {}

/// What a complex transform takes: real or complex values of `f32` or `f64`, read as complex
/// (numpy's `fft` of a real array).
///
/// # Examples
///
/// ```
/// use chunkwise::fft::{Complex, FftElement};
/// assert_eq!(2.0f64.into_complex(), Complex::new(2.0, 0.0));
/// assert_eq!(Complex::new(1.0f32, 3.0).into_complex(), Complex::new(1.0, 3.0));
/// ```
pub trait FftElement: Element + Copy {
    /// The real type of the parts.
    type Real: FftFloat;
    /// The value as a complex number.
    fn into_complex(self) -> Complex<Self::Real>;
}

impl<F: FftFloat> FftElement for F {
    type Real = F;
    fn into_complex(self) -> Complex<F> {
        Complex::new(self, F::zero())
    }
}

impl<F: FftFloat> FftElement for Complex<F> {
    type Real = F;
    fn into_complex(self) -> Complex<F> {
        self
    }
}

/// A transform length, checked (numpy: "Invalid number of FFT data points").
fn check_len(op: &'static str, n: usize) -> Result<usize> {
    if n == 0 {
        return Err(Error::invalid(
            op,
            "n",
            "0 data points",
            "a transform length of at least 1",
        ));
    }
    Ok(n)
}

/// How many lanes a task gathers into one buffer and transforms together: lanes across the
/// array's rows are read a few contiguous values at a time instead of one value per cache line.
const BATCH: usize = 16;

/// The most bytes of output a block of a transform makes: blocks below glibc's 32 MiB bound
/// come from its heaps and are reused, where larger ones are fresh mappings that the kernel
/// zeroes page by page (`rfft2` of 4096² in 1024-row blocks: 250-270 ms with the 33.6 MiB
/// blocks whole axes made, 200-230 ms with blocks of at most 8 MiB; 2 and 4 MiB measured the
/// same within the noise).
const LANE_BLOCK_BYTES: usize = 8 << 20;

/// The chunks for transforming along `axis`: one chunk along it, the other axes' chunks kept,
/// and the widest of them halved until a block's output lanes (`lane_bytes` each) fit in
/// [`LANE_BLOCK_BYTES`] (a whole axis makes larger blocks than the chunks it joins, and
/// more blocks keep the threads busy).
fn lanes_chunks<T: Element>(a: &Array<T>, axis: usize, lane_bytes: usize) -> Vec<Vec<usize>> {
    let mut chunks = a.chunks().to_vec();
    chunks[axis] = vec![a.shape()[axis]];
    let room = (LANE_BLOCK_BYTES / lane_bytes.max(1)).max(1);
    let widest = |c: &Vec<usize>| c.iter().copied().max().unwrap_or(0);
    loop {
        let lanes: usize = (0..a.ndim())
            .filter(|&k| k != axis)
            .map(|k| widest(&chunks[k]))
            .product();
        let Some(k) = (0..a.ndim())
            .filter(|&k| k != axis && widest(&chunks[k]) > 1)
            .max_by_key(|&k| widest(&chunks[k]))
        else {
            return chunks;
        };
        if lanes <= room {
            return chunks;
        }
        // Each block split in pieces of at most half the widest, so that a new block lies
        // within one old one (the transform reads it from there, see `along`).
        let size = widest(&chunks[k]).div_ceil(2);
        chunks[k] = chunks[k]
            .iter()
            .flat_map(|&c| (0..c.div_ceil(size)).map(move |i| size.min(c - i * size)))
            .collect();
    }
}

/// Where a block's transformed lanes go: a run of `len` consecutive values of the block (in
/// row-major order) starting at `flat`, inside one row (the last axis) of the block.
trait Dest<O> {
    fn run(&mut self, flat: usize, len: usize) -> &mut [O];
}

/// A new block's values.
impl<O> Dest<O> for Vec<O> {
    fn run(&mut self, flat: usize, len: usize) -> &mut [O] {
        &mut self[flat..flat + len]
    }
}

/// The rows of the result that a block is written into ([`WriteInto`]), `last` values each.
struct Rows<'a, 'b, O> {
    rows: &'a mut [&'b mut [O]],
    last: usize,
}

impl<O> Dest<O> for Rows<'_, '_, O> {
    fn run(&mut self, flat: usize, len: usize) -> &mut [O] {
        let (row, col) = (flat / self.last, flat % self.last);
        &mut self.rows[row][col..col + len]
    }
}

/// Transforms the lanes of one block along `axis`: each lane cropped or padded with `Default` values (zeros) to
/// `take` values, gathered [`BATCH`] lanes at a time into one buffer (lane after lane), and
/// `lanes(buffer, out, count, scratch)` writing the `len_out` values of each of the `count`
/// output lanes into `out` (lane after lane), from where they go to `dest`.
struct Along<I, O, S, L, M> {
    /// Where each output block reads, when the input is cut along the axis (else an output
    /// block reads the one input block of its index).
    reads: Option<Reads>,
    /// The output's chunks.
    out: Chunks,
    axis: usize,
    take: usize,
    len_out: usize,
    scratch: M,
    lanes: L,
    _t: std::marker::PhantomData<fn(I, O, S)>,
}

/// One input block along the transformed axis, as an output block reads it: its values
/// (standard layout) and strides, and where along the axis it starts and how far it goes.
struct Piece<'a, I> {
    data: &'a [I],
    strides: Vec<usize>,
    start: usize,
    len: usize,
}

/// Where an output block of a transform reads: the input blocks along the axis (all of them)
/// at the input block that holds the output block along every other axis.
struct Reads {
    /// The input's chunks.
    src: Chunks,
    /// The output's chunks.
    out: Chunks,
    axis: usize,
}

impl Reads {
    /// The input blocks of output block `b`, along the axis, and the output block's start
    /// within them along every other axis.
    fn of(&self, b: usize) -> (Vec<usize>, Vec<usize>) {
        let ranges = self.out.block_ranges(b);
        let mut grid: Vec<usize> = Vec::with_capacity(ranges.len());
        let mut origin = vec![0; ranges.len()];
        for (d, r) in ranges.iter().enumerate() {
            if d == self.axis || r.is_empty() {
                grid.push(0);
                continue;
            }
            let blk = self.src.locate(d, r.start);
            origin[d] = r.start - self.src.starts(d)[blk];
            grid.push(blk);
        }
        let blocks = (0..self.src.grid_shape()[self.axis])
            .map(|m| {
                grid[self.axis] = m;
                self.src.linear_index(&grid)
            })
            .collect();
        (blocks, origin)
    }
}

impl<I, O, S, L, M> Along<I, O, S, L, M>
where
    I: Element + Copy,
    O: Element + Copy,
    M: Fn() -> S,
    L: Fn(&mut [I], &mut [O], usize, &mut S),
{
    /// Output block `b` (of `out_shape`) from its input blocks' values, into `dest`.
    fn block(
        &self,
        b: usize,
        inputs: &[crate::scheduler::Value],
        out_shape: &[usize],
        dest: &mut impl Dest<O>,
    ) {
        let views: Vec<_> = inputs.iter().map(|v| block_of::<I>(v).view()).collect();
        let views: Vec<_> = views.iter().map(|v| v.as_standard_layout()).collect();
        let origin = match &self.reads {
            Some(r) => r.of(b).1,
            None => vec![0; out_shape.len()],
        };
        let mut start = 0;
        let pieces: Vec<Piece<'_, I>> = views
            .iter()
            .map(|v| {
                let mut strides = vec![1; v.ndim()];
                for d in (0..v.ndim().saturating_sub(1)).rev() {
                    strides[d] = strides[d + 1] * v.shape()[d + 1];
                }
                let len = v.shape()[self.axis];
                start += len;
                Piece {
                    data: v.as_slice().expect("a standard layout block is contiguous"),
                    strides,
                    start: start - len,
                    len,
                }
            })
            .collect();
        self.run(&pieces, &origin, out_shape, dest);
    }

    fn run(
        &self,
        pieces: &[Piece<'_, I>],
        origin: &[usize],
        out_shape: &[usize],
        dest: &mut impl Dest<O>,
    ) {
        let (axis, take, len_out) = (self.axis, self.take, self.len_out);
        let ndim = out_shape.len();
        let len: usize = pieces.iter().map(|p| p.len).sum();
        let outer: usize = out_shape[..axis].iter().product();
        let inner: usize = out_shape[axis + 1..].iter().product();
        let last = out_shape[ndim - 1];
        let kept = take.min(len);
        // The offset in piece `p` of outer index `o` and inner index `i` (along the axis: 0).
        let offset = |p: &Piece<'_, I>, o: usize, i: usize| {
            let mut off = 0;
            let mut r = i;
            for d in (axis + 1..ndim).rev() {
                off += (origin[d] + r % out_shape[d]) * p.strides[d];
                r /= out_shape[d];
            }
            let mut r = o;
            for d in (0..axis).rev() {
                off += (origin[d] + r % out_shape[d]) * p.strides[d];
                r /= out_shape[d];
            }
            off
        };
        let mut s = (self.scratch)();
        let mut gathered = vec![I::default(); BATCH * take];
        let mut made = vec![O::default(); BATCH * len_out];
        if inner == 1 {
            // One lane per outer index: copied whole (contiguous where the axis is the last).
            for o0 in (0..outer).step_by(BATCH) {
                let count = BATCH.min(outer - o0);
                for j in 0..count {
                    let at = &mut gathered[j * take..(j + 1) * take];
                    for p in pieces.iter().take_while(|p| p.start < kept) {
                        let n = p.len.min(kept - p.start);
                        let (base, step) = (offset(p, o0 + j, 0), p.strides[axis]);
                        let to = &mut at[p.start..p.start + n];
                        if step == 1 {
                            to.copy_from_slice(&p.data[base..base + n]);
                        } else {
                            for (k, v) in to.iter_mut().enumerate() {
                                *v = p.data[base + k * step];
                            }
                        }
                    }
                    at[kept..].fill(I::default());
                }
                (self.lanes)(
                    &mut gathered[..count * take],
                    &mut made[..count * len_out],
                    count,
                    &mut s,
                );
                // A lane is a row of the output unless the axes after `axis` have length 1.
                let row = if axis + 1 == ndim { len_out } else { last };
                let mut flat = o0 * len_out;
                let mut values = &made[..count * len_out];
                while !values.is_empty() {
                    let n = (row - flat % row).min(values.len());
                    dest.run(flat, n).copy_from_slice(&values[..n]);
                    flat += n;
                    values = &values[n..];
                }
            }
            return;
        }
        // Lanes at consecutive inner indices lie side by side: a batch of them is read a row
        // of `count` contiguous values at a time (a batch stays within one row of the last
        // axis), from each piece in turn.
        for o in 0..outer {
            let mut i0 = 0;
            while i0 < inner {
                let count = BATCH.min(last - i0 % last).min(inner - i0);
                for p in pieces.iter().take_while(|p| p.start < kept) {
                    let n = p.len.min(kept - p.start);
                    let (base, step) = (offset(p, o, i0), p.strides[axis]);
                    for kl in 0..n {
                        let row = &p.data[base + kl * step..base + kl * step + count];
                        let k = p.start + kl;
                        for (j, &v) in row.iter().enumerate() {
                            gathered[j * take + k] = v;
                        }
                    }
                }
                for j in 0..count {
                    gathered[j * take + kept..(j + 1) * take].fill(I::default());
                }
                (self.lanes)(
                    &mut gathered[..count * take],
                    &mut made[..count * len_out],
                    count,
                    &mut s,
                );
                for k in 0..len_out {
                    let row = dest.run((o * len_out + k) * inner + i0, count);
                    for (j, v) in row.iter_mut().enumerate() {
                        *v = made[j * len_out + k];
                    }
                }
                i0 += count;
            }
        }
    }
}

/// An [`Along`] writing its blocks straight into the result's rows.
struct AlongWriter<A>(Arc<A>);

impl<I, O, S, L, M> WriteInto<O> for AlongWriter<Along<I, O, S, L, M>>
where
    I: Element + Copy,
    O: Element + Copy,
    M: Fn() -> S + Send + Sync,
    L: Fn(&mut [I], &mut [O], usize, &mut S) + Send + Sync,
{
    fn write_into(
        &self,
        block: usize,
        inputs: &mut Vec<crate::scheduler::Value>,
        rows: &mut [&mut [O]],
    ) -> Result<()> {
        let shape = self.0.out.block_shape(block);
        let last = shape.slice().last().copied().unwrap_or(1);
        if rows.is_empty() || last == 0 {
            return Ok(());
        }
        self.0
            .block(block, inputs, shape.slice(), &mut Rows { rows, last });
        Ok(())
    }
}

/// `a` transformed lane by lane along `axis`: each output block whole along it ([`lanes_chunks`]),
/// each lane cropped or padded with `Default` values (zeros) to `take` values and transformed by `lanes`
/// ([`Along`]). An input cut along the axis is read where it is, every block of an output
/// block's lanes in turn, without a rechunk. As the last step of a computation, each block is
/// written straight into the result.
pub(crate) fn along<I, O, S>(
    op: &'static str,
    a: &Array<I>,
    axis: usize,
    take: usize,
    len_out: usize,
    scratch: impl Fn() -> S + Send + Sync + 'static,
    lanes: impl Fn(&mut [I], &mut [O], usize, &mut S) + Send + Sync + 'static,
) -> Result<Array<O>>
where
    I: Element + Copy,
    O: Element + Copy,
    S: 'static,
{
    let mut chunks = lanes_chunks(a, axis, len_out * std::mem::size_of::<O>());
    let cut = a.chunks()[axis].len() > 1;
    // Uncut along the axis, the lanes' blocks are the input's blocks or parts of them.
    let whole = if cut {
        a.clone()
    } else {
        a.rechunk(chunks.clone())?
    };
    chunks[axis] = vec![len_out];
    let mut shape = a.shape().to_vec();
    shape[axis] = len_out;
    let out_chunks = Chunks::new(&shape, chunks)?;
    let reads = cut.then(|| Reads {
        src: a.chunk_layout().clone(),
        out: out_chunks.clone(),
        axis,
    });
    let work = Arc::new(Along {
        reads,
        out: out_chunks.clone(),
        axis,
        take,
        len_out,
        scratch,
        lanes,
        _t: std::marker::PhantomData,
    });
    let w = work.clone();
    let kernel = move |b: usize, inputs: &mut Vec<crate::scheduler::Value>| {
        let out_shape = w.out.block_shape(b);
        let mut made = crate::scheduler::filled_block(out_shape.size(), O::default());
        w.block(b, inputs, out_shape.slice(), &mut made);
        let out = ndarray::ArrayD::from_shape_vec(out_shape, made)
            .expect("the block's shape covers its values");
        Ok(owned(out))
    };
    let writer = Some(Arc::new(AlongWriter(work.clone())) as Arc<dyn WriteInto<O>>);
    if cut {
        let deps = move |b: usize, deps: &mut Vec<BlockRef>| {
            let reads = work.reads.as_ref().expect("an input cut along the axis");
            deps.extend(
                reads
                    .of(b)
                    .0
                    .into_iter()
                    .map(|block| BlockRef { input: 0, block }),
            );
        };
        let node = Gather::new::<O>(
            op,
            out_chunks,
            vec![a.node().clone()],
            false,
            Box::new(deps),
            Box::new(kernel),
        )
        .writing_in_place()
        .whole_along(vec![axis]);
        return Ok(Array::from_node_writing(node, writer));
    }
    let axes = vec![(0..a.ndim()).map(Some).collect()];
    let kernel: Kernel = Box::new(move |b, _, inputs| kernel(b, inputs));
    let node = Blockwise::new::<O>(
        op,
        out_chunks,
        vec![whole.node().clone()],
        axes,
        kernel,
        true,
    )
    .whole_along(vec![axis]);
    Ok(Array::from_node_writing(node, writer))
}

/// The complex transform of `a` along `axis`, forward or `inverse`.
fn c2c<F: FftFloat>(
    op: &'static str,
    a: &Array<Complex<F>>,
    n: Option<usize>,
    axis: usize,
    norm: FftNorm,
    inverse: bool,
) -> Result<Array<Complex<F>>> {
    let axis = a.check_axis(op, axis)?;
    let n = check_len(op, n.unwrap_or(a.shape()[axis]))?;
    let direction = if inverse {
        FftDirection::Inverse
    } else {
        FftDirection::Forward
    };
    let plan = FftPlanner::new().plan_fft(n, direction);
    let scale: F = norm.scale(n, inverse);
    let len = plan.get_inplace_scratch_len();
    let zero = Complex::zero();
    along(
        op,
        a,
        axis,
        n,
        n,
        move || vec![zero; len],
        move |buf: &mut [Complex<F>], out: &mut [Complex<F>], _, scratch: &mut Vec<Complex<F>>| {
            // rustfft transforms each n-long part of the buffer.
            plan.process_with_scratch(buf, scratch);
            for (o, &v) in out.iter_mut().zip(buf.iter()) {
                *o = v * scale;
            }
        },
    )
}

/// `a` as complex values (no copy for a complex array).
fn complex<T: FftElement>(a: &Array<T>) -> Array<Complex<T::Real>> {
    if let Some(c) = (a as &dyn std::any::Any).downcast_ref::<Array<Complex<T::Real>>>() {
        return c.clone();
    }
    a.map_named("complex", T::into_complex)
}

/// The discrete Fourier transform along `axis`, as numpy's `fft.fft(a, n, axis, norm)`: the
/// axis cropped or padded with zeros to `n` values first (all of it when `None`). Real input is
/// read as complex.
///
/// # Errors
///
/// [`Error::AxisOutOfRange`], and [`Error::InvalidParameter`] for `n` of 0 (or an empty axis
/// without `n`).
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, fft::{self, Complex}};
/// let x = Array::from_ndarray(ndarray::array![1.0, 2.0, 3.0, 4.0].into_dyn(), [2])?;
/// let y = fft::fft(&x, None, 0, Default::default())?.compute()?;
/// assert_eq!(y[[0]], Complex::new(10.0, 0.0));
/// assert_eq!(y[[2]], Complex::new(-2.0, 0.0));
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn fft<T: FftElement>(
    a: &Array<T>,
    n: Option<usize>,
    axis: impl IntoAxis,
    norm: FftNorm,
) -> Result<Array<Complex<T::Real>>> {
    c2c("fft", &complex(a), n, axis.axis_index(), norm, false)
}

/// The inverse discrete Fourier transform along `axis`, as numpy's `fft.ifft(a, n, axis,
/// norm)`.
///
/// # Errors
///
/// As [`fft`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, fft::{self, Complex}};
/// let x = Array::from_ndarray(ndarray::array![1.0, 2.0, 3.0].into_dyn(), [1])?;
/// let back = fft::ifft(&fft::fft(&x, None, 0, Default::default())?, None, 0, Default::default())?;
/// assert!((back.compute()?[[2]] - Complex::new(3.0, 0.0)).norm() < 1e-12);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn ifft<T: FftElement>(
    a: &Array<T>,
    n: Option<usize>,
    axis: impl IntoAxis,
    norm: FftNorm,
) -> Result<Array<Complex<T::Real>>> {
    c2c("ifft", &complex(a), n, axis.axis_index(), norm, true)
}

/// The transform of real values along `axis`, as numpy's `fft.rfft(a, n, axis, norm)`: the
/// `n / 2 + 1` non-negative frequencies (the others are their conjugates).
///
/// # Errors
///
/// As [`fft`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, fft::{self, Complex}};
/// let x = Array::from_ndarray(ndarray::array![1.0, 2.0, 3.0, 4.0].into_dyn(), [4])?;
/// let y = fft::rfft(&x, None, 0, Default::default())?.compute()?;
/// assert_eq!(y.shape(), &[3]);
/// assert_eq!(y[[1]], Complex::new(-2.0, 2.0));
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn rfft<F: FftFloat>(
    a: &Array<F>,
    n: Option<usize>,
    axis: impl IntoAxis,
    norm: FftNorm,
) -> Result<Array<Complex<F>>> {
    let op = "rfft";
    let axis = a.check_axis(op, axis.axis_index())?;
    let n = check_len(op, n.unwrap_or(a.shape()[axis]))?;
    let plan = RealFftPlanner::<F>::new().plan_fft_forward(n);
    let scale: F = norm.scale(n, false);
    along(
        op,
        a,
        axis,
        n,
        n / 2 + 1,
        {
            let plan = Arc::clone(&plan);
            move || plan.make_scratch_vec()
        },
        move |buf: &mut [F], out: &mut [Complex<F>], count, scratch: &mut Vec<Complex<F>>| {
            let m = n / 2 + 1;
            for (x, y) in buf
                .chunks_exact_mut(n)
                .zip(out.chunks_exact_mut(m))
                .take(count)
            {
                plan.process_with_scratch(x, y, scratch)
                    .expect("buffers of the plan's lengths");
            }
            if scale != F::one() {
                out.iter_mut().for_each(|v| *v = *v * scale);
            }
        },
    )
}

/// The inverse of [`rfft`] along `axis`, as numpy's `fft.irfft(a, n, axis, norm)`: `n` real
/// values (`2 (m - 1)` for `m` input values when `None`) from the first `n / 2 + 1` values of
/// the axis, padded with zeros if it has fewer. The imaginary parts of the zero frequency and
/// (for even `n`) the last are ignored, as numpy's.
///
/// # Errors
///
/// As [`fft`]; `n` is 0 for an axis of length 1 without `n`.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, fft};
/// let x = Array::from_ndarray(ndarray::array![1.0, 2.0, 3.0, 4.0, 5.0].into_dyn(), [2])?;
/// let back = fft::irfft(&fft::rfft(&x, None, 0, Default::default())?, Some(5), 0, Default::default())?;
/// assert!((back.compute()?[[4]] - 5.0f64).abs() < 1e-12);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn irfft<F: FftFloat>(
    a: &Array<Complex<F>>,
    n: Option<usize>,
    axis: impl IntoAxis,
    norm: FftNorm,
) -> Result<Array<F>> {
    let op = "irfft";
    let axis = a.check_axis(op, axis.axis_index())?;
    let n = check_len(
        op,
        n.unwrap_or_else(|| 2 * a.shape()[axis].saturating_sub(1)),
    )?;
    let plan = RealFftPlanner::<F>::new().plan_fft_inverse(n);
    let scale: F = norm.scale(n, true);
    along(
        op,
        a,
        axis,
        n / 2 + 1,
        n,
        {
            let plan = Arc::clone(&plan);
            move || plan.make_scratch_vec()
        },
        move |buf: &mut [Complex<F>], out: &mut [F], count, scratch: &mut Vec<Complex<F>>| {
            let m = n / 2 + 1;
            for (x, y) in buf
                .chunks_exact_mut(m)
                .zip(out.chunks_exact_mut(n))
                .take(count)
            {
                // A real signal's spectrum has these real: numpy drops their imaginary parts.
                x[0].im = F::zero();
                if n % 2 == 0 {
                    x[n / 2].im = F::zero();
                }
                plan.process_with_scratch(x, y, scratch)
                    .expect("buffers of the plan's lengths, the real parts set");
            }
            if scale != F::one() {
                out.iter_mut().for_each(|v| *v = *v * scale);
            }
        },
    )
}

/// The transform of a signal with Hermitian symmetry, given by its first half, as numpy's
/// `fft.hfft(a, n, axis, norm)`: real output of `n` values (`2 (m - 1)` when `None`), that
/// is [`irfft`] of the conjugate with the norm's direction swapped.
///
/// # Errors
///
/// As [`irfft`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, fft::{self, Complex}};
/// let half = Array::from_ndarray(ndarray::array![Complex::new(1.0, 0.0), Complex::new(2.0, 0.0)].into_dyn(), [2])?;
/// assert_eq!(fft::hfft(&half, None, 0, Default::default())?.compute()?, ndarray::array![3.0, -1.0].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn hfft<F: FftFloat>(
    a: &Array<Complex<F>>,
    n: Option<usize>,
    axis: impl IntoAxis,
    norm: FftNorm,
) -> Result<Array<F>> {
    irfft(&a.conj(), n, axis, norm.swapped())
}

/// The inverse of [`hfft`], as numpy's `fft.ihfft(a, n, axis, norm)`: the conjugate of
/// [`rfft`] with the norm's direction swapped.
///
/// # Errors
///
/// As [`fft`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, fft::{self, Complex}};
/// let x = Array::from_ndarray(ndarray::array![3.0, -1.0].into_dyn(), [1])?;
/// let half = fft::ihfft(&x, None, 0, Default::default())?.compute()?;
/// assert_eq!(half, ndarray::array![Complex::new(1.0, 0.0), Complex::new(2.0, 0.0)].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn ihfft<F: FftFloat>(
    a: &Array<F>,
    n: Option<usize>,
    axis: impl IntoAxis,
    norm: FftNorm,
) -> Result<Array<Complex<F>>> {
    Ok(rfft(a, n, axis, norm.swapped())?.conj())
}

/// numpy's `_cook_nd_args`: the axes (the last `s.len()` ones when `axes` is `None`, every
/// axis when both are) and their lengths (theirs when `s` is `None`; for `irfftn` the last
/// defaults to `2 (m - 1)`).
fn axes_and_lengths<T: Element>(
    op: &'static str,
    a: &Array<T>,
    s: Option<&[usize]>,
    axes: Option<&[usize]>,
    inverse_real: bool,
) -> Result<(Vec<usize>, Vec<usize>)> {
    let ndim = a.ndim();
    let axes: Vec<usize> = match (axes, s) {
        (Some(ax), _) => ax.to_vec(),
        (None, Some(s)) => (ndim.saturating_sub(s.len())..ndim).collect(),
        (None, None) => (0..ndim).collect(),
    };
    for &ax in &axes {
        a.check_axis(op, ax)?;
    }
    let lengths = match s {
        Some(s) if s.len() != axes.len() => {
            return Err(Error::invalid(
                op,
                "s",
                format!("{} lengths for {} axes", s.len(), axes.len()),
                "one length per transformed axis",
            ));
        }
        Some(s) => s.to_vec(),
        None => {
            let mut l: Vec<usize> = axes.iter().map(|&ax| a.shape()[ax]).collect();
            if inverse_real && let Some(last) = l.last_mut() {
                *last = 2 * last.saturating_sub(1);
            }
            l
        }
    };
    Ok((axes, lengths))
}

/// The axis of the real transform (the last of `axes`) and its length, and the others with
/// theirs.
#[allow(clippy::type_complexity)]
fn real_axis<'a>(
    op: &'static str,
    axes: &'a [usize],
    lengths: &'a [usize],
) -> Result<((usize, usize), (&'a [usize], &'a [usize]))> {
    match (axes.split_last(), lengths.split_last()) {
        (Some((&last, rest)), Some((&n, ns))) => Ok(((last, n), (rest, ns))),
        _ => Err(Error::invalid(
            op,
            "axes",
            "no axes",
            "at least one axis to transform",
        )),
    }
}

/// Complex transforms along each of `axes` in turn (the last first, as numpy's).
fn c2c_nd<F: FftFloat>(
    op: &'static str,
    a: Array<Complex<F>>,
    axes: &[usize],
    lengths: &[usize],
    norm: FftNorm,
    inverse: bool,
) -> Result<Array<Complex<F>>> {
    axes.iter()
        .zip(lengths)
        .rev()
        .try_fold(a, |a, (&ax, &n)| c2c(op, &a, Some(n), ax, norm, inverse))
}

/// The n-dimensional transform, as numpy's `fft.fftn(a, s, axes, norm)`: over `axes` (all of
/// them when `None`, or the last `s.len()` when only `s` is given), each cropped or padded to
/// its length in `s`.
///
/// # Errors
///
/// As [`fft`], and [`Error::InvalidParameter`] for `s` and `axes` of different lengths.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, fft::{self, Complex}};
/// let x = Array::<f64>::ones(&[4, 6], [2, 3])?;
/// let y = fft::fftn(&x, None, None, Default::default())?.compute()?;
/// assert_eq!((y[[0, 0]], y[[1, 2]]), (Complex::new(24.0, 0.0), Complex::new(0.0, 0.0)));
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn fftn<T: FftElement>(
    a: &Array<T>,
    s: Option<&[usize]>,
    axes: Option<&[usize]>,
    norm: FftNorm,
) -> Result<Array<Complex<T::Real>>> {
    let (axes, lengths) = axes_and_lengths("fftn", a, s, axes, false)?;
    c2c_nd("fftn", complex(a), &axes, &lengths, norm, false)
}

/// The n-dimensional inverse transform, as numpy's `fft.ifftn(a, s, axes, norm)`.
///
/// # Errors
///
/// As [`fftn`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, fft};
/// let x = Array::<f64>::random(&[5, 4], [2, 3], 1)?;
/// let back = fft::ifftn(&fft::fftn(&x, None, None, Default::default())?, None, None, Default::default())?;
/// let (back, x) = (back.compute()?, x.compute()?);
/// assert!(back.iter().zip(x.iter()).all(|(b, v)| (b.re - v).abs() < 1e-12 && b.im.abs() < 1e-12));
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn ifftn<T: FftElement>(
    a: &Array<T>,
    s: Option<&[usize]>,
    axes: Option<&[usize]>,
    norm: FftNorm,
) -> Result<Array<Complex<T::Real>>> {
    let (axes, lengths) = axes_and_lengths("ifftn", a, s, axes, false)?;
    c2c_nd("ifftn", complex(a), &axes, &lengths, norm, true)
}

/// The n-dimensional transform of real values, as numpy's `fft.rfftn(a, s, axes, norm)`:
/// [`rfft`] over the last of `axes`, then complex transforms over the others.
///
/// # Errors
///
/// As [`fftn`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, fft};
/// let x = Array::<f64>::ones(&[4, 6], [2, 3])?;
/// assert_eq!(fft::rfftn(&x, None, None, Default::default())?.shape(), &[4, 4]);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn rfftn<F: FftFloat>(
    a: &Array<F>,
    s: Option<&[usize]>,
    axes: Option<&[usize]>,
    norm: FftNorm,
) -> Result<Array<Complex<F>>> {
    let (axes, lengths) = axes_and_lengths("rfftn", a, s, axes, false)?;
    let ((last, n), (rest, ns)) = real_axis("rfftn", &axes, &lengths)?;
    let half = rfft(a, Some(n), last, norm)?;
    c2c_nd("rfftn", half, rest, ns, norm, false)
}

/// The inverse of [`rfftn`], as numpy's `fft.irfftn(a, s, axes, norm)`: complex inverse
/// transforms over all of `axes` but the last, then [`irfft`] over the last (to `s`'s last
/// length, or `2 (m - 1)`).
///
/// # Errors
///
/// As [`fftn`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, fft};
/// let x = Array::<f64>::random(&[6, 5], [4, 2], 2)?;
/// let half = fft::rfftn(&x, None, None, Default::default())?;
/// let back = fft::irfftn(&half, Some(&[6, 5]), None, Default::default())?;
/// let (back, x) = (back.compute()?, x.compute()?);
/// assert!(back.iter().zip(x.iter()).all(|(b, v)| (b - v).abs() < 1e-12));
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn irfftn<F: FftFloat>(
    a: &Array<Complex<F>>,
    s: Option<&[usize]>,
    axes: Option<&[usize]>,
    norm: FftNorm,
) -> Result<Array<F>> {
    let (axes, lengths) = axes_and_lengths("irfftn", a, s, axes, true)?;
    let ((last, n), (rest, ns)) = real_axis("irfftn", &axes, &lengths)?;
    let full = c2c_nd("irfftn", a.clone(), rest, ns, norm, true)?;
    irfft(&full, Some(n), last, norm)
}

/// The axes of a 2-D transform: those given, or the last two (numpy's default).
fn axes_2d<T: Element>(
    op: &'static str,
    a: &Array<T>,
    axes: Option<&[usize]>,
) -> Result<Vec<usize>> {
    match (axes, a.ndim()) {
        (Some(ax), _) => Ok(ax.to_vec()),
        (None, 0 | 1) => Err(Error::invalid(
            op,
            "a",
            format!("an array of {} axes", a.ndim()),
            "at least two axes (or axes given)",
        )),
        (None, n) => Ok(vec![n - 2, n - 1]),
    }
}

/// The 2-D transform, as numpy's `fft.fft2(a, s, axes, norm)`: [`fftn`] over `axes`, the last
/// two by default.
///
/// # Errors
///
/// As [`fftn`], and for an array of fewer than two axes without `axes`.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, fft};
/// let x = Array::<f64>::ones(&[3, 4, 4], [1, 2, 2])?;
/// let y = fft::fft2(&x, None, None, Default::default())?.compute()?;
/// assert_eq!(y[[2, 0, 0]].re, 16.0);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn fft2<T: FftElement>(
    a: &Array<T>,
    s: Option<&[usize]>,
    axes: Option<&[usize]>,
    norm: FftNorm,
) -> Result<Array<Complex<T::Real>>> {
    fftn(a, s, Some(&axes_2d("fft2", a, axes)?), norm)
}

/// The 2-D inverse transform, as numpy's `fft.ifft2(a, s, axes, norm)`.
///
/// # Errors
///
/// As [`fft2`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, fft};
/// let x = Array::<f64>::random(&[4, 4], [2, 2], 3)?;
/// let back = fft::ifft2(&fft::fft2(&x, None, None, Default::default())?, None, None, Default::default())?;
/// assert!((back.compute()?[[1, 2]].re - x.compute()?[[1, 2]]).abs() < 1e-12);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn ifft2<T: FftElement>(
    a: &Array<T>,
    s: Option<&[usize]>,
    axes: Option<&[usize]>,
    norm: FftNorm,
) -> Result<Array<Complex<T::Real>>> {
    ifftn(a, s, Some(&axes_2d("ifft2", a, axes)?), norm)
}

/// The 2-D transform of real values, as numpy's `fft.rfft2(a, s, axes, norm)`.
///
/// # Errors
///
/// As [`fft2`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, fft};
/// let x = Array::<f64>::ones(&[8, 8], [4, 8])?;
/// let y = fft::rfft2(&x, None, None, Default::default())?;
/// assert_eq!(y.shape(), &[8, 5]);
/// assert_eq!(y.compute()?[[0, 0]].re, 64.0);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn rfft2<F: FftFloat>(
    a: &Array<F>,
    s: Option<&[usize]>,
    axes: Option<&[usize]>,
    norm: FftNorm,
) -> Result<Array<Complex<F>>> {
    rfftn(a, s, Some(&axes_2d("rfft2", a, axes)?), norm)
}

/// The inverse of [`rfft2`], as numpy's `fft.irfft2(a, s, axes, norm)`.
///
/// # Errors
///
/// As [`fft2`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, fft};
/// let x = Array::<f64>::random(&[6, 6], [3, 6], 4)?;
/// let back = fft::irfft2(&fft::rfft2(&x, None, None, Default::default())?, Some(&[6, 6]), None, Default::default())?;
/// assert!((back.compute()?[[5, 5]] - x.compute()?[[5, 5]]).abs() < 1e-12);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn irfft2<F: FftFloat>(
    a: &Array<Complex<F>>,
    s: Option<&[usize]>,
    axes: Option<&[usize]>,
    norm: FftNorm,
) -> Result<Array<F>> {
    irfftn(a, s, Some(&axes_2d("irfft2", a, axes)?), norm)
}

/// The sample frequencies of an `n`-point transform with sample spacing `d`, as numpy's
/// `fft.fftfreq(n, d)`: `[0, 1, ..., ⌈n/2⌉ - 1, -⌊n/2⌋, ..., -1] / (d n)`, in `chunks`.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for `n` of 0 or chunks that do not fit.
///
/// # Examples
///
/// ```
/// let f = chunkwise::fft::fftfreq(5, 0.5, [5])?.compute()?;
/// assert_eq!(f.as_slice().unwrap(), &[0.0, 0.4, 0.8, -0.8, -0.4]);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn fftfreq(n: usize, d: f64, chunks: impl crate::IntoChunks) -> Result<Array<f64>> {
    check_len("fftfreq", n)?;
    let scale = 1.0 / (d * n as f64);
    let positive = n.div_ceil(2);
    let f = ndarray::Array1::from_shape_fn(n, |i| {
        let k = if i < positive {
            i as f64
        } else {
            i as f64 - n as f64
        };
        k * scale
    });
    Array::from_ndarray(f.into_dyn(), chunks)
}

/// The sample frequencies of [`rfft`]'s output, as numpy's `fft.rfftfreq(n, d)`:
/// `[0, 1, ..., ⌊n/2⌋] / (d n)`, in `chunks`.
///
/// # Errors
///
/// As [`fftfreq`].
///
/// # Examples
///
/// ```
/// let f = chunkwise::fft::rfftfreq(4, 1.0, [3])?.compute()?;
/// assert_eq!(f.as_slice().unwrap(), &[0.0, 0.25, 0.5]);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn rfftfreq(n: usize, d: f64, chunks: impl crate::IntoChunks) -> Result<Array<f64>> {
    check_len("rfftfreq", n)?;
    let scale = 1.0 / (d * n as f64);
    let f = ndarray::Array1::from_shape_fn(n / 2 + 1, |i| i as f64 * scale);
    Array::from_ndarray(f.into_dyn(), chunks)
}

/// `a` with the zero frequency moved to the middle of each of `axes` (all when `None`), as
/// numpy's `fft.fftshift`: each axis rolled by half its length.
///
/// # Errors
///
/// [`Error::AxisOutOfRange`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, fft};
/// let f = fft::fftfreq(5, 1.0, [2])?;
/// let shifted = fft::fftshift(&f, None)?.compute()?;
/// assert_eq!(shifted.as_slice().unwrap(), &[-0.4, -0.2, 0.0, 0.2, 0.4]);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn fftshift<T: Element>(a: &Array<T>, axes: Option<&[usize]>) -> Result<Array<T>> {
    shift_by("fftshift", a, axes, |n| (n / 2) as isize)
}

/// The inverse of [`fftshift`], as numpy's `fft.ifftshift` (they differ for odd lengths).
///
/// # Errors
///
/// [`Error::AxisOutOfRange`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, fft};
/// let f = fft::fftfreq(5, 1.0, [2])?;
/// let back = fft::ifftshift(&fft::fftshift(&f, None)?, None)?;
/// assert_eq!(back.compute()?, f.compute()?);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn ifftshift<T: Element>(a: &Array<T>, axes: Option<&[usize]>) -> Result<Array<T>> {
    shift_by("ifftshift", a, axes, |n| -((n / 2) as isize))
}

/// `a` rolled along each of `axes` by `by(length)`.
fn shift_by<T: Element>(
    op: &'static str,
    a: &Array<T>,
    axes: Option<&[usize]>,
    by: impl Fn(usize) -> isize,
) -> Result<Array<T>> {
    let all: Vec<usize> = (0..a.ndim()).collect();
    axes.unwrap_or(&all).iter().try_fold(a.clone(), |x, &ax| {
        let ax = x.check_axis(op, ax)?;
        x.roll(by(x.shape()[ax]), ax)
    })
}
