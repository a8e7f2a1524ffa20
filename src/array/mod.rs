//! The user-facing chunked [`Array`]: a thin typed handle on an expression node.
//!
//! `impl Array` is split by concern: creation, elementwise and blockwise operations, operators.
#![forbid(unsafe_code)]

mod axis;
mod blockwise;
mod cast;
mod coarsen;
mod compare;
mod complex;
mod creation;
mod delayed;
mod diff;
mod elementwise;
mod fancy;
mod gufunc;
mod join;
mod lanes;
mod linalg;
mod multi;
mod ops;
pub(crate) mod output;
mod overlap;
pub use overlap::map_overlap;
pub mod random;
pub(crate) mod reduction;
mod search;
mod shape;
mod slicing;
mod topk;

pub use axis::IntoAxis;
pub use blockwise::{Blockwise, MapBlocks, blockwise, map_blocks};
pub(crate) use blockwise::{BlockwisePlan, Indices, one_shape};
pub use cast::CastFrom;
pub use coarsen::{Coarsen, Coarsenable};
pub use compare::{CompareTo, TruthValue};
pub use gufunc::{Gufunc, apply_gufunc};
pub use join::{AsArray, Indexing, choose, concatenate, meshgrid, select, stack, where_};
pub use linalg::ContractAxes;
pub use multi::{ComputeMany, compute};
pub use search::{Side, searchsorted};

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use ndarray::{ArrayD, IxDyn};

use crate::chunks::plan::{MAX_FAN_IN, plan_rechunk};
use crate::chunks::{Chunks, IntoChunks};
use crate::error::{Error, Result};
use crate::expr::block::{Element, block_of};
use crate::expr::blockwise::rechunk_fn;
use crate::expr::{Node, NodeRef, WriteInto};
use crate::lower::{Output, check_crosses, run, share};
use crate::plan::Plan;
use crate::scheduler::{Scheduler, Value};
use output::{Segments, take_rows, write_rows};

/// A lazy n-dimensional array cut into blocks, each an `ndarray` array.
///
/// Operations on an `Array` only record per-block tasks; [`compute`](Array::compute) runs them
/// in parallel and returns the result as an [`ndarray::ArrayD`]. Cloning is cheap: clones share
/// the recorded graph.
///
/// # Examples
///
/// ```
/// use chunkwise::Array;
/// use ndarray::array;
///
/// let x = Array::from_ndarray(array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], &[1, 2])?;
/// assert_eq!(x.chunks(), &[vec![1, 1], vec![2, 1]]);
/// let y = (&x * 2.0 + 1.0).map(|v: f64| v.sqrt());
/// assert_eq!(y.num_tasks(), 4); // one fused task per block
/// let expected = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]].mapv(|v: f64| (v * 2.0 + 1.0).sqrt());
/// assert_eq!(y.compute()?, expected.into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub struct Array<T> {
    node: NodeRef,
    /// Computes the node's blocks straight into a result's rows, where the node can (the last
    /// elementwise step, a stored chunk): kept here, typed, rather than behind the node.
    writer: Option<Arc<dyn WriteInto<T>>>,
    /// How many partial results one task of a named reduction of this array merges (dask's
    /// `split_every`), where [`Array::with_split_every`] set it.
    split_every: Option<usize>,
    _t: PhantomData<fn() -> T>,
}

impl<T> Clone for Array<T> {
    fn clone(&self) -> Self {
        Array {
            node: self.node.clone(),
            writer: self.writer.clone(),
            split_every: self.split_every,
            _t: PhantomData,
        }
    }
}

/// As dask's repr: the shape, the largest block along each axis and the number of blocks
/// along each, never the list of every block's size (a million blocks print in one line).
impl<T> fmt::Debug for Array<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.node.chunks();
        let chunksize: Vec<usize> = c
            .sizes()
            .iter()
            .map(|axis| axis.iter().copied().max().unwrap_or(0))
            .collect();
        let numblocks: Vec<usize> = c.sizes().iter().map(Vec::len).collect();
        write!(
            f,
            "Array<{}>(shape={:?}, chunksize={:?}, numblocks={:?}, op={})",
            std::any::type_name::<T>(),
            c.shape(),
            chunksize,
            numblocks,
            self.node.name()
        )
    }
}

impl<T: Element> Array<T> {
    pub(crate) fn from_node(node: impl Node) -> Array<T> {
        Array::from_node_ref(Arc::new(node))
    }

    /// An array whose blocks `node` makes and, as the root of a computation, `writer` writes
    /// straight into the result (the node's facts say so: [`Props::writes_in_place`]).
    ///
    /// [`Props::writes_in_place`]: crate::expr::Props
    pub(crate) fn from_node_writing(
        node: impl Node,
        writer: Option<Arc<dyn WriteInto<T>>>,
    ) -> Array<T> {
        debug_assert_eq!(node.props().writes_in_place, writer.is_some());
        Array {
            node: Arc::new(node),
            writer,
            split_every: None,
            _t: PhantomData,
        }
    }

    /// The expression node this array is a handle to.
    pub(crate) fn node(&self) -> &NodeRef {
        &self.node
    }

    pub(crate) fn from_node_ref(node: NodeRef) -> Array<T> {
        Array {
            node,
            writer: None,
            split_every: None,
            _t: PhantomData,
        }
    }

    /// The shape of the whole array.
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::Array::<f64>::zeros(&[4, 5], &[2, 2])?;
    /// assert_eq!(x.shape(), &[4, 5]);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn shape(&self) -> &[usize] {
        self.node.chunks().shape()
    }

    /// Number of axes.
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::Array::<f64>::zeros(&[4, 5], &[2, 2])?;
    /// assert_eq!(x.ndim(), 2);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn ndim(&self) -> usize {
        self.node.chunks().ndim()
    }

    /// Total number of elements.
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::Array::<f64>::zeros(&[4, 5], &[2, 2])?;
    /// assert_eq!(x.len(), 20);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.shape().iter().product()
    }

    /// Whether the array has no elements (an axis of length zero).
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::Array::<f64>::zeros(&[4, 0], &[2, 2])?;
    /// assert!(x.is_empty());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Block sizes along each axis, like dask's `.chunks`.
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::Array::<f64>::zeros(&[4, 5], &[2, 2])?;
    /// assert_eq!(x.chunks(), &[vec![2, 2], vec![2, 2, 1]]);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn chunks(&self) -> &[Vec<usize>] {
        self.node.chunks().sizes()
    }

    /// The chunks as a [`Chunks`] value, to reuse for another array.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let x = Array::<f64>::zeros(&[4, 5], &[2, 2])?;
    /// let y = Array::<f64>::ones(&[4, 5], x.chunk_layout())?;
    /// assert_eq!(x.chunks(), y.chunks());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn chunk_layout(&self) -> &Chunks {
        self.node.chunks()
    }

    /// Number of blocks.
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::Array::<f64>::zeros(&[4, 5], &[2, 2])?;
    /// assert_eq!(x.num_blocks(), 6);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn num_blocks(&self) -> usize {
        self.node.chunks().num_blocks()
    }

    /// Bytes the whole array takes in memory once computed (its elements times their size),
    /// like dask's `.nbytes`; as a `u128`, since a lazy array may be larger than any memory.
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::Array::<f64>::zeros(&[4, 5], &[2, 2])?;
    /// assert_eq!(x.nbytes(), 160);
    /// // 2^61 elements of 8 bytes: more than a u64 counts.
    /// let huge = chunkwise::Array::<f64>::zeros(&[1 << 31, 1 << 30], &[1 << 26, 1 << 26])?;
    /// assert_eq!(huge.nbytes(), 1 << 64);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn nbytes(&self) -> u128 {
        let elements: u128 = self.shape().iter().map(|&n| n as u128).product();
        elements * std::mem::size_of::<T>() as u128
    }

    /// Number of tasks that computing this array runs, after culling and fusion.
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::Array::<f64>::ones(&[4, 5], &[2, 2])?;
    /// // ones, +, * and map fuse into one task per block.
    /// assert_eq!(((&x + 1.0) * 2.0).map(|v| v - 1.0).num_tasks(), 6);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    ///
    /// # Panics
    ///
    /// If the graph has more blocks than memory can list (compute returns that as an
    /// [`Error::TooLarge`]).
    pub fn num_tasks(&self) -> usize {
        Plan::new(&self.node)
            .unwrap_or_else(|e| panic!("num_tasks: {e}"))
            .num_tasks()
    }

    /// The same array cut into other blocks.
    ///
    /// An output block that lies inside one input block is a view of it; one that straddles
    /// several input blocks is assembled with one copy.
    ///
    /// Between very different chunkings (rows to columns, say) a direct rechunk would make
    /// every output block gather a piece of every input block. The rechunk then goes through
    /// intermediate chunkings, their block sizes interpolated geometrically between the old and
    /// the new, so that no task gathers more than 32 input blocks (dask issue 417): `(1, 100)`
    /// to `(100, 1)` blocks goes through `(10, 10)`. No intermediate block is larger than the
    /// larger of an old and a new block on any axis.
    ///
    /// # Errors
    ///
    /// As [`IntoChunks::into_chunks`]: chunks that do not fit the shape.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let x = Array::from_ndarray(ndarray::Array::from_iter(0..10), &[3])?;
    /// let y = x.rechunk(vec![vec![5, 5]])?;
    /// assert_eq!(y.chunks(), &[vec![5, 5]]);
    /// assert_eq!(y.compute()?, x.compute()?);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn rechunk(&self, chunks: impl IntoChunks) -> Result<Array<T>> {
        self.rechunk_with_fan_in(chunks, MAX_FAN_IN)
    }

    /// [`Array::rechunk`] with another bound on the input blocks one task gathers:
    /// `usize::MAX` rechunks in one step.
    ///
    /// Each intermediate step copies the data once more. When the input blocks are cheap to
    /// keep (views of an array in memory) and large, a direct rechunk can be faster than the
    /// planned one: `examples/rechunk` measures both.
    ///
    /// # Errors
    ///
    /// As [`Array::rechunk`].
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let x = Array::<f64>::ones(&[100, 100], [1, 100])?;
    /// // 100 source blocks, then 100 tasks that each gather a piece of all 100.
    /// assert_eq!(x.rechunk_with_fan_in([100, 1], usize::MAX)?.num_tasks(), 200);
    /// // Bounded: through (10, 10) blocks.
    /// assert_eq!(x.rechunk_with_fan_in([100, 1], 10)?.num_tasks(), 300);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn rechunk_with_fan_in(
        &self,
        chunks: impl IntoChunks,
        max_fan_in: usize,
    ) -> Result<Array<T>> {
        let chunks = crate::chunks::chunks_for_type::<T>("rechunk", chunks, self.shape())?;
        if &chunks == self.node.chunks() {
            return Ok(self.clone());
        }
        let mut node = self.node.clone();
        for step in plan_rechunk(self.node.chunks(), &chunks, max_fan_in) {
            node = rechunk_fn::<T>()(node, step);
        }
        Ok(Array::from_node_ref(node))
    }

    /// Computes the array on the default scheduler (see [`Scheduler::global`]).
    ///
    /// # Errors
    ///
    /// The first error of any task: a panic in a user closure becomes
    /// [`Error::TaskPanicked`](crate::Error::TaskPanicked) naming the block, and the rest of the
    /// graph is cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::Array::<i32>::full(&[2, 3], &[1, 2], 7)?;
    /// assert_eq!(x.compute()?, ndarray::Array::from_elem((2, 3), 7).into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn compute(&self) -> Result<ArrayD<T>> {
        self.compute_with(&Scheduler::global()?)
    }

    /// Computes the array on `scheduler`.
    ///
    /// Each final block is written straight into the result as soon as it is ready, and every
    /// intermediate block is freed once its last reader has run.
    ///
    /// On a cluster's scheduler (`dist::Cluster::scheduler`, feature `mpi`) each rank runs its
    /// share of the tasks, and then every rank receives the blocks the others computed, so that
    /// each returns the whole result. That costs each rank the memory of the whole array and
    /// the transfer of `(ranks - 1) / ranks` of it into fresh pages (on one 2-core virtual
    /// machine, 14–18 ms to copy a 64 MiB half, and 11–144 ms for the kernel to clear its
    /// pages first, against one process's single result cleared while its threads compute).
    /// When the next step does not need the whole array in every process, keep
    /// the blocks where they were made with [`Array::persist_with`], or write them with
    /// `to_zarr_with`: only what later tasks read then moves.
    ///
    /// # Errors
    ///
    /// As [`Array::compute`].
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, Scheduler};
    /// let x = Array::<f64>::from_fn(&[3, 3], &[2, 2], |i| (i[0] * 3 + i[1]) as f64)?;
    /// let y = x.map(|v| v * v).compute_with(&Scheduler::threads(2))?;
    /// assert_eq!(y[[2, 2]], 64.0);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn compute_with(&self, scheduler: &Scheduler) -> Result<ArrayD<T>> {
        self.compute_blocks(scheduler, |_| true)
    }

    /// Computes the array on `scheduler` into an array of the fixed dimension `D` (`Ix2` for
    /// an `Array2`, ...), for code that knows the rank: no `into_dimensionality` afterwards.
    ///
    /// # Errors
    ///
    /// [`Error::RankMismatch`](crate::Error::RankMismatch) if the array has another number of
    /// axes than `D` (checked before anything runs), and the errors of
    /// [`Array::compute_with`].
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, Scheduler};
    /// use ndarray::{Array2, Ix1, Ix2};
    /// let x = Array::<f64>::ones(&[4, 6], [2, 3])?;
    /// let m: Array2<f64> = (&x * 2.0).compute_as::<Ix2>(&Scheduler::threads(2))?;
    /// assert_eq!(m[(3, 5)], 2.0);
    /// assert!(x.compute_as::<Ix1>(&Scheduler::threads(2)).is_err()); // two axes, not one
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn compute_as<D: ndarray::Dimension>(
        &self,
        scheduler: &Scheduler,
    ) -> Result<ndarray::Array<T, D>> {
        self.check_rank::<D>("compute_as")?;
        let out = self.compute_with(scheduler)?;
        Ok(out
            .into_dimensionality::<D>()
            .expect("the number of axes was checked"))
    }

    /// [`Array::persist_with`] on the default scheduler (the global pool), as
    /// [`Array::compute`] is: the array computed and kept in memory in the same blocks, as
    /// dask's `x.persist()`.
    ///
    /// # Errors
    ///
    /// As [`Array::compute`].
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let x = Array::<f64>::random(&[100, 100], [50, 50], 1)?;
    /// let kept = x.map(|v| v * 2.0).persist()?;
    /// assert_eq!(kept.num_tasks(), 4); // its blocks, nothing left to compute
    /// assert_eq!(kept.compute()?, x.compute()?.mapv(|v| v * 2.0));
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn persist(&self) -> Result<Array<T>> {
        self.persist_with(&Scheduler::global()?)
    }

    /// Computes the array on `scheduler` and keeps the result in memory, cut into the same
    /// blocks: later graphs built on the returned array start from the computed blocks instead
    /// of recomputing them, as dask's `persist`.
    ///
    /// Under a cluster scheduler (feature `mpi`) each block stays on the rank that computed it;
    /// graphs built on the result run their tasks on those blocks' ranks, and must be computed
    /// with that cluster's scheduler.
    ///
    /// # Errors
    ///
    /// As [`Array::compute_with`].
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, Scheduler};
    /// let s = Scheduler::threads(2);
    /// let x = Array::<f64>::random(&[100, 100], [50, 50], 1)?;
    /// let mut u = x.map_blocks(|b| b.mapv(|v| v * 2.0)).persist_with(&s)?;
    /// assert_eq!(u.chunks(), x.chunks());
    /// for _ in 0..3 {
    ///     u = (&u * 0.5).persist_with(&s)?; // each step starts from the last one's blocks
    /// }
    /// let expected = x.compute_with(&s)?.mapv(|v| v * 2.0 * 0.125);
    /// assert_eq!(u.compute_with(&s)?, expected);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn persist_with(&self, scheduler: &Scheduler) -> Result<Array<T>> {
        crate::lower::persist::<T>(&self.node, scheduler).map(Array::from_node_ref)
    }

    /// The whole result array, with the blocks for which `wanted` holds computed on
    /// `scheduler` (on every rank of a cluster) and the others left at `T::default()`.
    pub(crate) fn compute_blocks(
        &self,
        scheduler: &Scheduler,
        wanted: impl Fn(usize) -> bool,
    ) -> Result<ArrayD<T>> {
        check_crosses::<T>(scheduler)?;
        let chunks = self.node.chunks().clone();
        let mut out = result_array::<T>(chunks.shape())?;
        let ran = {
            let flat = out
                .as_slice_mut()
                .expect("a new array is contiguous and in standard order");
            let mut segments = scheduler.plan(|planner| Segments::new(flat, &chunks, planner));
            let slots = segments.per_block();
            let writer = BlockWriter::of(self);
            let write = move |node: &dyn Node, b, inputs: &mut Vec<Value>| {
                writer.write(node, b, inputs, take_rows(&slots[b]))
            };
            run(
                &self.node,
                &wanted,
                Output::Gather(Box::new(write)),
                scheduler,
            )?
        };
        share(&mut out, &chunks, ran.owners.as_deref(), scheduler)?;
        Ok(out)
    }
}

/// How the root blocks of a computation reach the result's rows: written in place by the
/// node's [`WriteInto`] where it has one, else made and copied.
pub(crate) struct BlockWriter<T: Element>(Option<Arc<dyn WriteInto<T>>>);

impl<T: Element> BlockWriter<T> {
    /// The writer for the root blocks of `array`.
    pub(crate) fn of(array: &Array<T>) -> BlockWriter<T> {
        BlockWriter(array.writer.clone())
    }

    /// Block `b` of `node`, from its `inputs`, into `rows`.
    pub(crate) fn write(
        &self,
        node: &dyn Node,
        b: usize,
        inputs: &mut Vec<Value>,
        rows: &mut [&mut [T]],
    ) -> Result<()> {
        match &self.0 {
            Some(w) => w.write_into(b, inputs, rows),
            None => {
                let v = node.compute(b, inputs)?;
                write_rows(block_of::<T>(&v).view(), rows, T::clone);
                Ok(())
            }
        }
    }
}

/// A new array of `shape` for a computed result, filled with `T::default()`: zero for numbers,
/// which the allocator hands out zeroed (fresh pages for a large result, so no pass; a memory
/// reused from its heaps is cleared, cheaper than faulting fresh pages in).
///
/// The result may be larger than memory can hold (a lazy array of any size is fine): that is
/// found out by a fallible reservation, whose pages are never touched, rather than by an abort
/// in the allocation.
pub(crate) fn result_array<T: Element>(shape: &[usize]) -> Result<ArrayD<T>> {
    let cells = shape.iter().product::<usize>();
    let mut probe: Vec<T> = Vec::new();
    if probe.try_reserve_exact(cells).is_err() {
        return Err(Error::ResultTooLarge {
            shape: shape.to_vec(),
            bytes: cells as u128 * std::mem::size_of::<T>() as u128,
        });
    }
    drop(probe);
    // Zero-valued defaults come from `calloc`, untouched: the workers' writes fault the pages
    // in, and a large result's in huge pages.
    let mut out = ArrayD::from_elem(IxDyn(shape), T::default());
    crate::scheduler::advise_huge_pages(out.as_slice_mut().expect("a new array is contiguous"));
    Ok(out)
}
