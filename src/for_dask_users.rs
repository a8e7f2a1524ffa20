//! chunkwise for dask.array users: the calls a dask user writes most, dask's on the left,
//! chunkwise's on the right. This module only documents.
//!
//! Three differences run through the table:
//!
//! - **Errors are values.** Whatever dask raises when a graph is built (a bad axis, shapes
//!   that do not broadcast) is an `Err` when the call is made, so most calls end in `?`.
//!   What dask raises at compute is the `Err` of `compute`.
//! - **Element types are Rust's.** `Array<f64>`, `Array<u16>`, `Array<bool>`; a function's
//!   output type is its closure's (dask's `dtype=`/`meta=` are not needed), and `astype` is
//!   [`Array::astype`](crate::Array::astype).
//! - **Block functions take ndarray views.** What dask hands a function as numpy blocks,
//!   chunkwise hands as `ArrayViewD`s; a function over several arrays receives a slice of
//!   them (`|b| &b[0] + &b[1]`).
//!
//! # A translated script
//!
//! ```python
//! x = da.random.default_rng(42).standard_normal((4000, 3000), chunks=(1000, 1000))
//! y = (x - x.mean(axis=0)) / x.std(axis=0)
//! g = da.blockwise(np.dot, "ik", y.T, "ji", y, "jk", dtype=float, concatenate=True)
//! dask.compute(y.sum(), g.trace())
//! ```
//!
//! ```
//! use chunkwise::{Array, Blockwise, random};
//! use ndarray::{ArrayViewD, Axis, Ix2};
//! let x = random::default_rng(42).standard_normal(&[400, 300], [100, 100])?;
//! let y = x.try_sub(&x.mean_axis(Axis(0))?)?.try_div(&x.std_axis(Axis(0), 0.0)?)?;
//! let gram = Blockwise::new("ji,jk->ik").apply(
//!     |b: &[ArrayViewD<'_, f64>]| {
//!         let (p, q) = (b[0].view().into_dimensionality::<Ix2>().unwrap(), b[1].view().into_dimensionality::<Ix2>().unwrap());
//!         p.t().dot(&q)
//!     },
//!     &[&y, &y],
//! )?;
//! let (total, g) = chunkwise::compute((&y.sum(), &gram), &chunkwise::Scheduler::threads(2))?;
//! assert!(total[[]].abs() < 1e-6);
//! assert!((g[[0, 0]] - 400.0).abs() < 1e-6); // a standardized column's sum of squares
//! # Ok::<(), chunkwise::Error>(())
//! ```
//!
//! # Making arrays
//!
//! | dask.array | chunkwise |
//! |---|---|
//! | `da.from_array(a, chunks=(100, 100))` | [`Array::from_ndarray(a, [100, 100])?`](crate::Array::from_ndarray) |
//! | `da.zeros((n, m), chunks=c)`, `ones`, `full` | [`Array::zeros(&[n, m], c)?`](crate::Array::zeros), `ones`, `full` |
//! | `da.arange(0, 10, 2, chunks=3)`, `da.linspace(0, 1, 5, chunks=2)` | [`Array::arange(..)?`](crate::Array::arange), [`Array::linspace`](crate::Array::linspace) |
//! | `da.indices(shape, chunks)`, `da.meshgrid(x, y)` | [`Array::indices`](crate::Array::indices), [`meshgrid`](crate::meshgrid) |
//! | `da.eye(n, chunks=c)`, `da.diag(v)`, `da.tril(a)` | [`linalg::eye`](crate::linalg::eye), [`linalg::diag`](crate::linalg::diag), [`linalg::tril`](crate::linalg::tril) |
//! | `da.random.default_rng(s).normal(0, 1, size, chunks=c)` | [`random::default_rng(s).normal(0.0, 1.0, size, c)?`](crate::random::default_rng) |
//! | `da.from_zarr(path)`, `x.to_zarr(path)` | `Array::from_zarr(path)?`, `x.to_zarr(path, options)?` (feature `zarr`, the [`io`](crate::io) module) |
//! | `da.from_delayed(value, shape)`, `x.to_delayed()` | [`Array::from_delayed(graph, value, &shape)?`](crate::Array::from_delayed), [`x.to_delayed(&mut graph)?`](crate::Array::to_delayed) |
//! | `da.block([[da.from_delayed(load(i, j), ...)]])` | [`Array::from_blocks(&shape, chunks, load)?`](crate::Array::from_blocks) |
//!
//! # Chunks
//!
//! | dask.array | chunkwise |
//! |---|---|
//! | `x.chunks`, `x.numblocks`, `x.npartitions` | [`x.chunks()`](crate::Array::chunks), [`x.chunk_layout().grid_shape()`](crate::Chunks::grid_shape), [`x.num_blocks()`](crate::Array::num_blocks) |
//! | `x.rechunk((1000, 1000))` | [`x.rechunk([1000, 1000])?`](crate::Array::rechunk) |
//! | `x.rechunk("auto")`, `x.rechunk(c, balance=True)` | [`x.rechunk(ChunkSpec::auto())?`](crate::ChunkSpec::auto), [`x.rechunk(ChunkSpec::Balanced(c))?`](crate::ChunkSpec::Balanced) |
//! | `x.persist()`, `x.compute()`, `dask.compute(a, b)` | [`x.persist()?`](crate::Array::persist), [`x.compute()?`](crate::Array::compute), [`compute((&a, &b), &scheduler)?`](crate::compute) |
//! | `dask.config.set(scheduler="threads", num_workers=4)` | [`Scheduler::threads(4)`](crate::Scheduler::threads), passed to `compute_with` |
//!
//! # Block functions
//!
//! | dask.array | chunkwise |
//! |---|---|
//! | `x.map_blocks(f)` | [`x.map_blocks(f)`](crate::Array::map_blocks) (blocks keep their shape), [`map_blocks_with_chunks`](crate::Array::map_blocks_with_chunks) |
//! | `da.map_blocks(f, x, y, drop_axis=1, new_axis=0, chunks=c)` | [`MapBlocks::new().drop_axis(&[1]).new_axis(&[0]).chunks(c).apply(f, &[&x, &y])?`](crate::MapBlocks) |
//! | `x.map_overlap(f, depth=1, boundary="reflect")` | [`x.map_overlap(1, Boundary::Reflect, f)?`](crate::Array::map_overlap) |
//! | `da.map_overlap(f, u, c, depth=1, boundary=0)` | [`map_overlap(1, Boundary::Constant(0.0), f, &[&u, &c])?`](crate::map_overlap) |
//! | `da.overlap.overlap(x, 2, "periodic")`, `da.overlap.trim_internal` | [`x.overlap(2, Boundary::Periodic)?`](crate::Array::overlap), [`trim`](crate::Array::trim) |
//! | `da.blockwise(f, "ik", a, "ij", b, "jk", concatenate=True)` | [`blockwise("ij,jk->ik", f, &[&a, &b])?`](crate::blockwise) |
//! | `da.blockwise(..., concatenate=False)` + a sum | [`Blockwise::new("ij,jk->ik").apply_combined(f, combine, &[&a, &b])?`](crate::Blockwise::apply_combined) |
//! | `new_axes={"k": 3}`, `adjust_chunks={"i": f}` | [`.new_axis('k', 3)`](crate::Blockwise::new_axis), [`.adjust_chunks('i', f)`](crate::Blockwise::adjust_chunks) |
//! | `da.apply_gufunc(f, "(i)->()", x)` | [`apply_gufunc("(i)->()", f, &[&x])?`](crate::apply_gufunc) |
//! | `da.apply_gufunc(f, sig, x, vectorize=True, output_sizes={"k": 2}, allow_rechunk=True)` | [`Gufunc::new(sig).output_size("k", 2).allow_rechunk(true).vectorize(f, &[&x])?`](crate::Gufunc) |
//! | several outputs of `apply_gufunc` | [`Gufunc::apply_multi`](crate::Gufunc::apply_multi), [`vectorize_multi`](crate::Gufunc::vectorize_multi) |
//! | `da.reduction(x, chunk, aggregate, combine=...)` | [`x.reduction(..)`](crate::Array::reduction) |
//!
//! # Elementwise and reductions
//!
//! | dask.array | chunkwise |
//! |---|---|
//! | `x + y`, `np.sin(x)`, `da.where(c, x, y)` | [`x.try_add(&y)?`](crate::Array::try_add) (or `&x + &y`), `x.map(f64::sin)`, [`where_(&c, &x, &y)?`](crate::where_) |
//! | `x.sum()`, `x.sum(axis=0)`, `x.mean(axis=(0, 1))` | [`x.sum()`](crate::Array::sum), [`x.sum_axis(Axis(0))?`](crate::Array::sum_axis), [`x.mean_axes(&[0, 1])?`](crate::Array::mean_axes) |
//! | `x.std(ddof=1)`, `x.var()`, `da.nanmean(x)` | [`x.std(1.0)`](crate::Array::std), [`x.var(0.0)`](crate::Array::var), [`x.nanmean()`](crate::Array::nanmean) |
//! | `x.sum(dtype=np.float64)`, `x.mean(dtype=...)` | [`x.astype::<f64>().sum()`](crate::Array::astype) (the cast fuses into the reduction: one pass, no converted copy) |
//! | `x.sum(axis=0, split_every=8)` | [`x.with_split_every(8)?.sum_axis(Axis(0))?`](crate::Array::with_split_every) |
//! | `x.argmin(axis=0, keepdims=True)` | [`x.argmin_axis(0)?.insert_axis(0)?`](crate::Array::insert_axis) |
//! | `x.argmax(axis=0)`, `da.topk(x, 10)` | [`x.argmax_axis(0)?`](crate::Array::argmax_axis), [`x.topk(..)?`](crate::Array::topk) |
//! | `x.cumsum(axis=0)`, `da.diff(x)`, `da.gradient(x)` | [`x.cumsum(0)?`](crate::Array::cumsum), [`x.diff(..)?`](crate::Array::diff), [`x.gradient(..)?`](crate::Array::gradient) |
//! | `da.percentile(x, q)`, `da.median(x, axis=0)` | [`ndmeasure::percentile`](crate::ndmeasure::percentile), [`ndmeasure::median_axis`](crate::ndmeasure::median_axis) |
//! | `da.histogram(x, bins=10, range=(0, 1))`, `da.bincount(x)`, `da.unique(x)` | [`ndmeasure::histogram`](crate::ndmeasure::histogram), [`ndmeasure::bincount`](crate::ndmeasure::bincount), [`ndmeasure::unique`](crate::ndmeasure::unique) |
//! | `da.unique(x, return_counts=True)`, `return_inverse=True`, `da.bincount(x, weights=w)` | [`ndmeasure::unique_counts`](crate::ndmeasure::unique_counts), [`unique_inverse`](crate::ndmeasure::unique_inverse), [`bincount_weighted`](crate::ndmeasure::bincount_weighted) |
//! | `da.nanargmin(x, axis=0)`, `da.moment(x, 3)` | [`x.nanargmin_axis(0)?`](crate::Array::nanargmin_axis), [`x.moment(3, 0)?`](crate::Array::moment) |
//! | `da.histogram(x, bins=edges, weights=w, density=True)`, `da.histogram2d`, `da.histogramdd` | [`ndmeasure::histogram_edges`](crate::ndmeasure::histogram_edges), [`histogram2d`](crate::ndmeasure::histogram2d), [`histogramdd`](crate::ndmeasure::histogramdd) |
//! | `da.nancumsum(x, axis=0)`, `da.nancumprod`, `push(x, axis)` (forward fill) | [`x.nancumsum(0)?`](crate::Array::nancumsum), [`x.nancumprod(0)?`](crate::Array::nancumprod), [`x.push(0)?`](crate::Array::push) |
//! | `da.isin(x, values)`, `da.digitize(x, bins)`, `da.searchsorted(a, v)` | [`x.isin(..)`](crate::Array::isin), [`x.digitize(..)?`](crate::Array::digitize), [`searchsorted`](crate::searchsorted) |
//! | `da.isclose(x, y)`, `da.allclose(x, y)` | [`x.isclose(..)?`](crate::Array::isclose), [`x.allclose(..)?`](crate::Array::allclose) |
//!
//! # Shapes and indexing
//!
//! | dask.array | chunkwise |
//! |---|---|
//! | `x[2:10:2, ::-1]`, `x[3]` | [`x.slice(s![2..10;2, ..;-1])?`](crate::Array::slice), [`x.index_axis(Axis(0), 3)?`](crate::Array::index_axis) |
//! | `x[[4, 0, 2]]`, `x[mask]` | [`x.select(Axis(0), &[4, 0, 2])?`](crate::Array::select), [`x.mask(&m)?`](crate::Array::mask) |
//! | `x.vindex[i, j]` | [`x.vindex(&[i, j])?`](crate::Array::vindex) |
//! | `x[:, mask]` (a boolean mask along one axis), `da.compress(mask, x, axis=1)` | [`x.compress(&mask, 1)?`](crate::Array::compress) |
//! | `da.expand_dims(x, (0, 2))` | [`x.expand_dims(&[0, 2])?`](crate::Array::expand_dims) |
//! | `da.take(x, idx, axis=0)` with `idx` a dask array | [`x.take(&idx, 0)?`](crate::Array::take) |
//! | `da.nonzero(x)`, `da.argwhere(x)` | [`x.nonzero()?`](crate::Array::nonzero), [`x.argwhere()?`](crate::Array::argwhere) |
//! | `da.choose(i, [a, b])`, `da.select([c1, c2], [a, b], 0)` | [`choose(&i, &[&a, &b])?`](crate::choose), [`select(&[&c1, &c2], &[&a, &b], 0.0)?`](crate::select) |
//! | `da.apply_along_axis(f, 1, x)`, `sliding_window_view(x, 3, axis=0)` | [`x.apply_along_axis(1, f)?`](crate::Array::apply_along_axis), [`x.sliding_window_view(&[3], &[0])?`](crate::Array::sliding_window_view) |
//! | `x.T`, `x.transpose(axes)`, `da.moveaxis`, `da.squeeze` | [`x.transpose()`](crate::Array::transpose), [`x.permuted_axes(..)?`](crate::Array::permuted_axes), [`x.moveaxis(..)?`](crate::Array::moveaxis), [`x.squeeze()`](crate::Array::squeeze) |
//! | `x.reshape(shape)`, `x[None]`, `da.flip`, `da.rot90` | [`x.reshape(&shape)?`](crate::Array::reshape), [`x.insert_axis(Axis(0))?`](crate::Array::insert_axis), [`x.flip(..)?`](crate::Array::flip), [`x.rot90(..)?`](crate::Array::rot90) |
//! | `da.concatenate([a, b], axis=0)`, `da.stack`, `da.tile`, `da.repeat`, `da.pad` | [`concatenate(0, [&a, &b])?`](crate::concatenate), [`stack`](crate::stack), [`x.tile(..)?`](crate::Array::tile), [`x.repeat(..)?`](crate::Array::repeat), [`x.pad(..)?`](crate::Array::pad) |
//! | `da.coarsen(np.mean, x, {0: 2, 1: 2})` | [`x.coarsen(&[2, 2], Coarsen::Mean)?`](crate::Array::coarsen) |
//!
//! # Linear algebra and FFT
//!
//! | dask.array | chunkwise |
//! |---|---|
//! | `a @ b`, `da.tensordot(a, b, axes=1)`, `da.einsum("ij,jk", a, b)` | [`a.matmul(&b)?`](crate::Array::matmul), [`a.tensordot(&b, 1)?`](crate::Array::tensordot), [`linalg::einsum`](crate::linalg::einsum) |
//! | `da.linalg.qr(a)`, `svd`, `svd_compressed(a, k)`, `lstsq`, `solve`, `cholesky` | [`linalg::qr`](crate::linalg::qr), [`svd`](crate::linalg::svd), [`svd_compressed`](crate::linalg::svd_compressed), [`lstsq`](crate::linalg::lstsq), [`solve`](crate::linalg::solve), [`cholesky`](crate::linalg::cholesky) |
//! | `da.fft.rfft2(x)`, `da.fft.fftfreq(n)` | [`fft::rfft2`](crate::fft::rfft2), [`fft::fftfreq`](crate::fft::fftfreq) |
//!
//! # dask-image
//!
//! | dask-image | chunkwise |
//! |---|---|
//! | `ndfilters.gaussian_filter(x, sigma)` | [`ndfilters::gaussian_filter`](crate::ndfilters::gaussian_filter) |
//! | `ndfilters.gaussian_filter(x_uint8, sigma, output=np.float64)` | [`ndfilters::gaussian_filter_to::<u8, f64>`](crate::ndfilters::gaussian_filter_to), [`uniform_filter_to`](crate::ndfilters::uniform_filter_to) |
//! | `ndmeasure.label(x)`, `ndmeasure.center_of_mass(x, labels, index)` | [`ndmeasure::label`](crate::ndmeasure::label), [`ndmeasure::center_of_mass`](crate::ndmeasure::center_of_mass) |
//! | `ndmorph.binary_dilation(x, iterations=2)` | [`ndmorph::binary_dilation`](crate::ndmorph::binary_dilation) |
//! | (scipy) `distance_transform_edt(mask, return_indices=True)` (dask-image has none) | [`ndmorph::distance_transform_edt_with(&mask, None, Returns::Both)`](crate::ndmorph::distance_transform_edt_with) |
//! | (scikit-image) `segmentation.watershed(image, markers, mask=mask)` | [`ndmeasure::watershed`](crate::ndmeasure::watershed) |
//! | (scikit-image) `measure.regionprops_table(labels, image, properties)` | [`ndmeasure::regionprops_table`](crate::ndmeasure::regionprops_table) |
//! | (scipy) `binary_fill_holes(mask)`, `white_tophat(x, size)` | [`ndmorph::binary_fill_holes`](crate::ndmorph::binary_fill_holes), [`ndmorph::white_tophat`](crate::ndmorph::white_tophat) |
//! | `ndinterp.affine_transform(x, matrix)`, `zoom`, `rotate` | [`ndinterp::affine_transform`](crate::ndinterp::affine_transform), [`zoom`](crate::ndinterp::zoom), [`rotate`](crate::ndinterp::rotate) |
//! | `ndfourier.fourier_gaussian(x, sigma)` | [`ndfourier::fourier_gaussian`](crate::ndfourier::fourier_gaussian) |
//! | `imread("*.tif")` | [`io::imread`](crate::io) (feature `imread`) |
