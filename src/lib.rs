//! # chunkwise
//!
//! Parallel chunked n-dimensional arrays: the Rust counterpart of `dask.array`.
//!
//! An [`Array<T>`] cuts an n-d array into blocks that are [`ndarray`] arrays. Every operation
//! on it only records per-block tasks in a lazy graph; [`Array::compute`] hands that graph to a
//! [`Scheduler`] on a thread pool: tasks run on all cores as soon as their inputs are ready, each
//! intermediate block is freed the moment nothing needs it, and the result comes back as an
//! [`ndarray::ArrayD`].
//!
//! ```
//! use chunkwise::{Array, Scheduler};
//!
//! // 1000 x 1000 random values in 250 x 250 blocks: nothing is computed yet.
//! let x = Array::<f64>::random(&[1000, 1000], &[250, 250], 7)?;
//! let y = (&x * 2.0 + 1.0).map(f64::sqrt);
//! assert_eq!(y.num_tasks(), 16); // one fused task per block
//!
//! let y = y.compute_with(&Scheduler::threads(2))?;
//! assert!(y.iter().all(|&v| (1.0..3f64.sqrt()).contains(&v)));
//! # Ok::<(), chunkwise::Error>(())
//! ```
//!
//! ## Crate layout
//!
//! The modules are layers, listed lowest first: each uses only those listed before it
//! (`tests/layers.rs` checks it, and `ARCHITECTURE.md` walks through them).
//!
//! - `error`: the one [`Error`], its [`ErrorKind`]s and the causes it keeps.
//! - `scheduler`: the executor over an opaque task graph, on a rayon pool (one shared ready
//!   stack, depth first), the interface of a backend across processes, and the public
//!   [`Graph`] of user closures (the counterpart of `dask.delayed`). No array knowledge.
//! - [`chunks`]: geometry: [`Chunks`], block indices and ranges, ghost-cell [`Depth`] and
//!   [`Boundary`] arithmetic, rechunk plans, reshape plans. Pure functions.
//! - `expr`: the expression DAG: lazy nodes, one file per operation family (sources, random,
//!   blockwise, elementwise, rechunk, overlap, reduction, scan, take, permute, gather, linalg),
//!   and the blocks they pass.
//! - `dtype`: element types: their byte forms, and those registered for other values.
//! - `plan`: a computation's plan (the nodes in order, what is fused, what is needed) and its
//!   passes (fusion, culling), in a stated order.
//! - `lower`: lowering a plan to tasks, evaluating fused blocks, and `run`, the one way every
//!   computation runs (gather, keep, or write), on whichever backend the scheduler carries.
//! - `array`: the typed, user-facing [`Array`], split by concern (creation, elementwise,
//!   operators, overlap, reductions, slicing, shape, join, linalg, output), and the general
//!   block functions ([`blockwise`], [`apply_gufunc`], [`map_blocks`] over several arrays).
//! - [`linalg`]: factorisations of chunked matrices (TSQR, SVD, least squares) through faer,
//!   matrix functions and `einsum`.
//! - [`fft`]: discrete Fourier transforms along whole axes (rustfft, realfft), `numpy.fft`'s
//!   functions.
//! - [`ndfourier`]: filters in Fourier space (scipy.ndimage's `fourier_*`).
//! - [`ndinterp`]: resampling by splines (scipy.ndimage's `affine_transform`, `zoom`, `shift`,
//!   `rotate`, `map_coordinates`, spline filters).
//! - [`ndfilters`]: parallel image filters through ghost cells.
//! - [`ndmeasure`]: labels across blocks, per-object measurements, histograms.
//! - [`ndmorph`]: binary and grey morphology, distance transforms, and the operations that
//!   follow connected regions across blocks (hole filling, propagation) through `ndmeasure`'s
//!   labels.
//! - [`io`]: arrays on disk: Zarr stores (feature `zarr`, on by default; over HTTP with
//!   feature `http`, in S3 with feature `s3`), OME-Zarr pyramids, `.npy` files and folders of
//!   images (feature `imread`), read and written one task per chunk, every write atomic.
//! - [`diag`]: profiles, plans and graph pictures; progress bars and callbacks live on the
//!   [`Scheduler`].
//! - `dist` (feature `mpi`): the MPI backend: the same graphs across the ranks of a job.
//! - [`for_dask_users`]: documentation only: dask.array's calls beside chunkwise's.
//!
//! Design notes for the scheduler live in `src/scheduler/README.md`.
//!
//! ## A tour
//!
//! ```
//! use chunkwise::{Array, Boundary, ndfilters};
//! use ndarray::Axis;
//!
//! let image = Array::<f64>::random(&[512, 512], [128, 128], 1)?;
//! // Ghost cells: a filter, correct at every block edge.
//! let smooth = ndfilters::gaussian_filter(&image, 2.0, Boundary::Reflect)?;
//! // Reductions: a tree of partial results; whole-array ones are lazy 0-d arrays.
//! let mean = smooth.mean().compute_scalar()?;
//! let column_max = smooth.max_axis(Axis(0))?.compute()?;
//! assert!((mean - 0.5).abs() < 0.05);
//! assert_eq!(column_max.shape(), &[512]);
//! // Slicing reads only the blocks it touches; products are blocked matrix multiplies.
//! let corner = smooth.slice(ndarray::s![..100, ..100;-1])?;
//! let gram = corner.transpose().matmul(&corner)?;
//! assert_eq!(gram.shape(), &[100, 100]);
//! # Ok::<(), chunkwise::Error>(())
//! ```
// One `unsafe` call in the crate: the huge-page advice for results (`scheduler/alloc.rs`).
#![deny(unsafe_code)]
#![deny(missing_docs)]
// On docs.rs, each feature-gated item says which feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

/// The `ndarray` crate this one is built on (0.17), re-exported: blocks and results are its
/// arrays, so `chunkwise::ndarray` names the same types without a second dependency line (or
/// a mismatched version, whose `ArrayBase` would be another type).
///
/// # Examples
///
/// ```
/// use chunkwise::ndarray::{Array2, array};
/// let a: Array2<f64> = array![[1.0, 2.0], [3.0, 4.0]];
/// let x = chunkwise::Array::from_ndarray(a, [1, 2])?;
/// assert_eq!(x.sum().compute_scalar()?, 10.0);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub use ndarray;

mod array;
pub mod chunks;
pub mod diag;
#[cfg(feature = "mpi")]
pub mod dist;
mod dtype;
mod error;
mod expr;
pub mod fft;
pub mod for_dask_users;
pub mod io;
pub mod linalg;
mod lower;
pub mod ndfilters;
pub mod ndfourier;
pub mod ndinterp;
pub mod ndmeasure;
pub mod ndmorph;
mod plan;
mod scheduler;

pub use array::random;
pub use array::reduction::{DEFAULT_SPLIT_EVERY, IntoDdof, Moments};
pub use array::{
    Array, AsArray, Blockwise, CastFrom, Coarsen, Coarsenable, CompareTo, ComputeMany,
    ContractAxes, Gufunc, Indexing, IntoAxis, MapBlocks, Side, TruthValue, apply_gufunc, blockwise,
    choose, compute, concatenate, map_blocks, map_overlap, meshgrid, searchsorted, select, stack,
    where_,
};
pub use chunks::{Boundary, ChunkSpec, Chunks, Depth, IntoBoundaries, IntoChunks, IntoDepth};
pub use dtype::Encode;
pub use error::{Cause, Error, ErrorKind, Result};
pub use expr::block::Element;
pub use expr::random::RandomElement;
pub use scheduler::{
    Callback, Delayed, Graph, Inputs, NUM_THREADS_ENV, Scheduler, TaskInfo, TaskRef,
};
