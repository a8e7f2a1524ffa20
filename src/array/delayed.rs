//! Arrays and [`Graph`]s of the user's own closures, as dask's `from_delayed`, `to_delayed`
//! and arrays built block by block from functions.
//!
//! A [`Graph`] runs closures that each run once and is consumed by its computation, while an
//! array's graph may be computed again and again; the two meet through values:
//! `to_delayed` adds the array's computation (once, in parallel) and one task per block to a
//! graph, and `from_delayed` makes a one-block array of a graph's value (the graph run once,
//! its value kept). For many blocks each made by a function of its own (a file read, a
//! simulation), [`Array::from_blocks`] is the parallel form: each block's function runs in its
//! own task.

use std::sync::{Arc, Mutex};

use ndarray::Dimension as _;
use ndarray::{ArrayD, IxDyn, Slice};

use super::Array;
use crate::chunks::{IntoChunks, chunks_for_type};
use crate::error::{Error, Result};
use crate::expr::block::Element;
use crate::expr::source::FromBlocks;
use crate::scheduler::{Delayed, Graph, Scheduler};

/// What a [`Array::from_delayed`] array's block holds: the graph not yet run, its value, or
/// the message of its failure.
enum Once<T> {
    Pending(Graph, Delayed<ArrayD<T>>),
    Done(ArrayD<T>),
    Failed(String),
}

impl<T: Element> Array<T> {
    /// An array of `shape` cut as `chunks` whose every block is `f(grid index)`, each call in
    /// its own task, as a dask array built from one delayed function per block
    /// (`da.block([[da.from_delayed(load(i, j), ...)]])`) or a `map_blocks` without inputs.
    /// Each block's function runs once per computation.
    ///
    /// # Errors
    ///
    /// As [`Chunks::new`](crate::Chunks::new) for chunks that do not fit `shape`; at compute,
    /// [`Error::BlockShape`] for a block of another shape than its chunk.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// // Each block "loaded" by a function of its position: here, a constant per block.
    /// let x = Array::from_blocks(&[4, 6], [2, 3], |idx: &[usize]| {
    ///     ndarray::ArrayD::from_elem(ndarray::IxDyn(&[2, 3]), (idx[0] * 10 + idx[1]) as u32)
    /// })?;
    /// let y = x.compute()?;
    /// assert_eq!((y[[0, 0]], y[[0, 5]], y[[3, 0]], y[[3, 5]]), (0, 1, 10, 11));
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn from_blocks<F>(shape: &[usize], chunks: impl IntoChunks, f: F) -> Result<Array<T>>
    where
        F: Fn(&[usize]) -> ArrayD<T> + Send + Sync + 'static,
    {
        let c = chunks_for_type::<T>("from_blocks", chunks, shape)?;
        let grid = c.clone();
        Ok(Array::from_node(FromBlocks::new(
            "from_blocks",
            c,
            Arc::new(move |b| Ok(f(grid.grid_index(b).slice()))),
        )))
    }

    /// [`Array::from_blocks`] for a function that may fail with an error of its own type (a
    /// file that cannot be read): the first block whose function fails fails the computation
    /// with [`Error::Failed`] naming the block, whose source is the function's error.
    ///
    /// # Errors
    ///
    /// As [`Array::from_blocks`].
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, ErrorKind};
    /// let x = Array::<f64>::try_from_blocks(&[4], [2], |idx: &[usize]| {
    ///     if idx[0] == 1 {
    ///         return Err(std::io::Error::other("frame 1 is missing"));
    ///     }
    ///     Ok(ndarray::ArrayD::zeros(ndarray::IxDyn(&[2])))
    /// })?;
    /// let err = x.compute().unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::User);
    /// assert!(err.to_string().contains("frame 1 is missing"));
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn try_from_blocks<E, F>(shape: &[usize], chunks: impl IntoChunks, f: F) -> Result<Array<T>>
    where
        E: std::error::Error + Send + Sync + 'static,
        F: Fn(&[usize]) -> std::result::Result<ArrayD<T>, E> + Send + Sync + 'static,
    {
        let c = chunks_for_type::<T>("from_blocks", chunks, shape)?;
        let grid = c.clone();
        Ok(Array::from_node(FromBlocks::new(
            "from_blocks",
            c,
            Arc::new(move |b| {
                let idx = grid.grid_index(b);
                let idx = idx.slice();
                f(idx).map_err(|e| Error::user(e).in_task(|| format!("from_blocks{idx:?}")))
            }),
        )))
    }

    /// The array's blocks as values of `graph`, as dask's `x.to_delayed()`: a grid (the
    /// array's block grid) of [`Delayed`] blocks, for closures of the graph to read. The array
    /// is computed once, in parallel on the default scheduler, by a task of its own, when the
    /// first block is needed; each block's task copies its block out, and the whole is freed
    /// once every block's task has run.
    ///
    /// # Errors
    ///
    /// None when adding the tasks; the array's computation's errors when the graph runs.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, Graph};
    /// let x = Array::from_ndarray(ndarray::Array1::from_iter(0..10), [4])?;
    /// let mut g = Graph::new();
    /// let blocks = x.to_delayed(&mut g)?;
    /// assert_eq!(blocks.shape(), &[3]);
    /// // A closure of the graph over the blocks: the largest of each block's sums.
    /// let deps: Vec<_> = blocks.iter().map(|b| b.task()).collect();
    /// let handles: Vec<_> = blocks.iter().copied().collect();
    /// let best = g.add("best", &deps, move |inp| {
    ///     let mut sums = Vec::new();
    ///     for h in &handles {
    ///         sums.push(inp.get(h)?.sum());
    ///     }
    ///     Ok(sums.into_iter().max().unwrap())
    /// })?;
    /// assert_eq!(g.compute(&best)?, 4 + 5 + 6 + 7);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn to_delayed(&self, graph: &mut Graph) -> Result<ArrayD<Delayed<ArrayD<T>>>> {
        let x = self.clone();
        let whole = graph.add("to_delayed", &[], move |_| {
            x.compute_with(&Scheduler::global()?)
        })?;
        let c = self.chunk_layout().clone();
        let mut handles = Vec::with_capacity(c.num_blocks());
        for b in 0..c.num_blocks() {
            let ranges = c.block_ranges(b);
            let h = graph.add("to_delayed block", &[whole.task()], move |inp| {
                let a = inp.get(&whole)?;
                Ok(
                    a.slice_each_axis(|ax| Slice::from(ranges[ax.axis.index()].clone()))
                        .to_owned(),
                )
            })?;
            handles.push(h);
        }
        Ok(ArrayD::from_shape_vec(IxDyn(c.grid_shape()), handles).expect("one handle per block"))
    }

    /// A one-block array of shape `shape` whose block is the value of `value` in `graph`, as
    /// dask's `from_delayed(value, shape)`: the graph runs (on one thread, inside the block's
    /// task) the first time the block is needed, and its value is kept for later
    /// computations, since a graph's closures run once. Combine such arrays with
    /// [`concatenate`](crate::concatenate) or [`stack`](crate::stack); for many blocks made
    /// in parallel, [`Array::from_blocks`] is the form to reach for.
    ///
    /// # Errors
    ///
    /// At compute: the graph's error (later computations report it again by its message),
    /// and [`Error::BlockShape`] for a value of another shape than `shape`.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, Graph};
    /// let mut g = Graph::new();
    /// let raw = g.add("load", &[], |_| Ok(vec![1.0, 2.0, 3.0, 4.0]))?;
    /// let frame = g.add("frame", &[raw.task()], move |inp| {
    ///     Ok(ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[2, 2]), inp.get(&raw)?.clone()).unwrap())
    /// })?;
    /// let x = Array::from_delayed(g, frame, &[2, 2])?;
    /// assert_eq!(x.sum().compute_scalar()?, 10.0);
    /// assert_eq!(x.compute()?[[1, 0]], 3.0); // computed again: the kept value
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn from_delayed(
        graph: Graph,
        value: Delayed<ArrayD<T>>,
        shape: &[usize],
    ) -> Result<Array<T>> {
        let whole: Vec<usize> = shape.to_vec();
        let chunks = chunks_for_type::<T>("from_delayed", whole, shape)?;
        let state = Arc::new(Mutex::new(Once::Pending(graph, value)));
        Ok(Array::from_node(FromBlocks::new(
            "from_delayed",
            chunks,
            Arc::new(move |_| {
                let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
                if let Once::Pending(..) = *s {
                    let Once::Pending(graph, value) =
                        std::mem::replace(&mut *s, Once::Failed(String::new()))
                    else {
                        unreachable!("checked just above")
                    };
                    *s = match graph.compute_with(&value, &Scheduler::synchronous()) {
                        Ok(a) => Once::Done(a),
                        Err(e) => {
                            let message = e.to_string();
                            *s = Once::Failed(message);
                            return Err(e);
                        }
                    };
                }
                match &*s {
                    Once::Done(a) => Ok(a.clone()),
                    Once::Failed(m) => Err(Error::invalid(
                        "from_delayed",
                        "graph",
                        m,
                        "a graph whose value could be computed (it failed before)",
                    )),
                    Once::Pending(..) => unreachable!("run above"),
                }
            }),
        )))
    }
}
