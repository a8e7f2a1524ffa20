//! The one error type of the crate.

use std::sync::Arc;

/// Everything that can go wrong in chunkwise.
///
/// Each variant carries the values that were wrong, so that its message can name them.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Error};
///
/// let a = ndarray::Array::<f64, _>::zeros((4, 6));
/// let err = Array::from_ndarray(a, vec![vec![2, 1], vec![6]]).unwrap_err();
/// assert!(matches!(err, Error::ChunksSum { axis: 0, .. }));
/// assert_eq!(
///     err.to_string(),
///     "chunk sizes [2, 1] on axis 0 sum to 3, but the axis has length 4"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A chunk specification has a different number of axes than the array.
    #[error("chunk specification has {chunks_ndim} axes, but the array has shape {shape:?}")]
    ChunksRank {
        /// Shape of the array.
        shape: Vec<usize>,
        /// Number of axes in the chunk specification.
        chunks_ndim: usize,
    },
    /// Explicit chunk sizes on one axis do not add up to the axis length.
    #[error("chunk sizes {chunks:?} on axis {axis} sum to {sum}, but the axis has length {len}")]
    ChunksSum {
        /// The axis.
        axis: usize,
        /// The chunk sizes given for that axis.
        chunks: Vec<usize>,
        /// Their sum.
        sum: usize,
        /// The axis length.
        len: usize,
    },
    /// A block size of zero on an axis that is not empty.
    #[error(
        "{op}: block size 0 on axis {axis}, which has length {len}; block sizes must be at least 1"
    )]
    ZeroChunk {
        /// The operation the chunks were given to (`zeros`, `rechunk`, `to_zarr`, ...).
        op: &'static str,
        /// The axis.
        axis: usize,
        /// The axis length.
        len: usize,
    },
    /// A shape or chunking too large to address on this machine: more elements or blocks than
    /// a `usize` counts, or block lists that cannot be allocated.
    #[error("shape {shape:?} has more {what} than this machine can address")]
    TooLarge {
        /// The shape.
        shape: Vec<usize>,
        /// What there are too many of: `"elements"` or `"blocks"`.
        what: &'static str,
    },
    /// A computed result that cannot be allocated in memory. The lazy array is fine: compute
    /// a slice of it, reduce it, or stream it to a store instead.
    #[error(
        "the result of shape {shape:?} needs {bytes} bytes, which cannot be allocated; compute a \
         slice or a reduction of it, or write it to a store (to_zarr) block by block"
    )]
    ResultTooLarge {
        /// The shape of the result.
        shape: Vec<usize>,
        /// Its size in bytes.
        bytes: u128,
    },
    /// A block too large to allocate in memory (its chunk shape came from a parameter or a
    /// file), found before anything runs.
    #[error(
        "{op}: a block of shape {shape:?} needs {bytes} bytes, which cannot be allocated; \
         rechunk into smaller blocks"
    )]
    BlockTooLarge {
        /// The operation whose blocks are too large.
        op: String,
        /// Its largest block shape.
        shape: Vec<usize>,
        /// That block's size in bytes.
        bytes: u128,
    },
    /// Two shapes that cannot be broadcast together (or must be equal and are not).
    #[error(
        "{op}: shapes {left:?} and {right:?} are incompatible{}",
        shape_hint(left, right)
    )]
    IncompatibleShapes {
        /// The operation that needed them compatible.
        op: &'static str,
        /// Shape of the left operand.
        left: Vec<usize>,
        /// Shape of the right operand.
        right: Vec<usize>,
    },
    /// A ghost-cell depth list with another number of axes than the array.
    #[error("depth {depth:?} has {} axes, but the array has {ndim}", depth.len())]
    DepthRank {
        /// Number of axes of the array.
        ndim: usize,
        /// The per-axis `(lower, upper)` depths given.
        depth: Vec<(usize, usize)>,
    },
    /// A ghost-cell depth that cannot be padded: it reads cells of an empty axis, or its padded
    /// blocks could never be allocated. (A depth larger than its axis is fine: the boundary
    /// rule repeats.)
    #[error(
        "depth {depth:?} on axis {axis} (of length {len}) cannot be padded: {}",
        if *len == 0 { "an empty axis has no cells to repeat (only Boundary::None and Constant pad it)" } else { "its padded blocks would be too large to allocate" }
    )]
    DepthTooLarge {
        /// The axis.
        axis: usize,
        /// The `(lower, upper)` depth on that axis.
        depth: (usize, usize),
        /// The axis length.
        len: usize,
    },
    /// A boundary list with another number of axes than the array.
    #[error("boundaries {boundaries:?} have {} axes, but the array has {ndim}", boundaries.len())]
    BoundaryRank {
        /// Number of axes of the array.
        ndim: usize,
        /// The boundaries given.
        boundaries: Vec<&'static str>,
    },
    /// A block too small to trim the requested depth from.
    #[error("cannot trim depth {depth:?} from block {block} of size {size} on axis {axis}")]
    TrimTooLarge {
        /// The axis.
        axis: usize,
        /// The block's index along that axis.
        block: usize,
        /// The block's size along that axis.
        size: usize,
        /// The `(lower, upper)` cells to trim.
        depth: (usize, usize),
    },
    /// A boundary rule that an operation does not support.
    #[error("{op} does not support Boundary::{boundary}")]
    UnsupportedBoundary {
        /// The operation.
        op: &'static str,
        /// The boundary given.
        boundary: &'static str,
    },
    /// A filter size that cannot be used.
    #[error("{op}: size {size} is not valid; it must be at least 1")]
    UnsupportedSize {
        /// The operation.
        op: &'static str,
        /// The size given.
        size: usize,
    },
    /// A numeric parameter that cannot be used (NaN, infinite, negative, out of range).
    #[error("{op}: {name} = {value} is not valid; expected {expected}")]
    InvalidParameter {
        /// The operation.
        op: &'static str,
        /// The parameter.
        name: &'static str,
        /// The value given, as text.
        value: String,
        /// What would be valid.
        expected: &'static str,
    },
    /// An axis that the array does not have.
    #[error("{op}: axis {axis} is out of range for an array of {ndim} axes")]
    AxisOutOfRange {
        /// The operation.
        op: &'static str,
        /// The axis given.
        axis: usize,
        /// Number of axes of the array.
        ndim: usize,
    },
    /// An index (or slice bound) outside its axis.
    #[error("{op}: index {index} is out of range for axis {axis} of length {len}")]
    IndexOutOfRange {
        /// The operation.
        op: &'static str,
        /// The axis.
        axis: usize,
        /// The index given (negative counts from the end).
        index: isize,
        /// The axis length.
        len: usize,
    },
    /// A slice with a step of zero.
    #[error("slice: step 0 on axis {axis}; a step must not be zero")]
    ZeroStep {
        /// The axis.
        axis: usize,
    },
    /// A per-axis argument (slice, axis list, pad width) with another number of axes than the
    /// array.
    #[error("{op}: {given} axes given, but the array has {ndim}")]
    RankMismatch {
        /// The operation.
        op: &'static str,
        /// Number of axes given.
        given: usize,
        /// Number of axes of the array.
        ndim: usize,
    },
    /// An axis list that repeats an axis, names one the array does not have, or is not a
    /// permutation where one is needed.
    #[error("{op}: axes {axes:?} are not valid for an array of {ndim} axes")]
    InvalidAxes {
        /// The operation.
        op: &'static str,
        /// The axes given.
        axes: Vec<usize>,
        /// Number of axes of the array.
        ndim: usize,
    },
    /// A reshape to another number of elements.
    #[error(
        "reshape: cannot reshape shape {from:?} ({} elements) into shape {to:?} ({} elements)",
        from.iter().product::<usize>(),
        to.iter().product::<usize>()
    )]
    ReshapeSize {
        /// Shape of the array.
        from: Vec<usize>,
        /// The shape asked for.
        to: Vec<usize>,
    },
    /// Removing an axis whose length is not 1.
    #[error("remove_axis: axis {axis} has length {len}; only an axis of length 1 can be removed")]
    RemoveAxis {
        /// The axis.
        axis: usize,
        /// Its length.
        len: usize,
    },
    /// An operation on a list of arrays that got none.
    #[error("{op}: needs at least one array")]
    NoArrays {
        /// The operation.
        op: &'static str,
    },
    /// An operation that does not take arrays of this many axes.
    #[error("{op}: an array of {ndim} axes is not supported; {expected}")]
    UnsupportedRank {
        /// The operation.
        op: &'static str,
        /// Number of axes of the array given.
        ndim: usize,
        /// What the operation takes.
        expected: &'static str,
    },
    /// Contracted axes of different lengths (matmul, dot, tensordot).
    #[error(
        "{op}: axis {left_axis} of shape {left:?} has length {}, but axis {right_axis} of shape {right:?} has length {}",
        left[*left_axis],
        right[*right_axis]
    )]
    ContractionMismatch {
        /// The operation.
        op: &'static str,
        /// Shape of the left operand.
        left: Vec<usize>,
        /// Shape of the right operand.
        right: Vec<usize>,
        /// The contracted axis of the left operand.
        left_axis: usize,
        /// The contracted axis of the right operand.
        right_axis: usize,
    },
    /// A file or directory could not be read or written. The operating system's
    /// [`std::io::Error`] is kept: [`std::error::Error::source`] leads to it.
    #[error("{op} {path}: {message}")]
    Io {
        /// What was being done ("open", "write", ...).
        op: &'static str,
        /// The file or directory.
        path: String,
        /// The operating system's message.
        message: String,
        /// The underlying error.
        source: Cause,
    },
    /// A stored array whose element type is not the one asked for.
    #[error("{path}: the stored element type is {stored}, but {requested} was asked for")]
    DtypeMismatch {
        /// The store or file.
        path: String,
        /// The element type in the file (Zarr or numpy spelling).
        stored: String,
        /// The element type asked for.
        requested: String,
    },
    /// A stored array that cannot be read: bad metadata or a header that is not understood.
    #[error("{path}: {message}")]
    BadStore {
        /// The store or file.
        path: String,
        /// What is wrong with it.
        message: String,
        /// The store library's own error, where one was raised (a check of ours has none).
        source: Option<Cause>,
    },
    /// A chunk of a Zarr array that cannot be read or written (corrupt, truncated, or a failed
    /// write).
    #[error("{path}: chunk {key}: {message}")]
    Chunk {
        /// The store.
        path: String,
        /// The chunk's key in the store (e.g. `c/0/3`).
        key: String,
        /// What went wrong.
        message: String,
        /// The store's or codec's own error, where one was raised (a check of ours has none).
        source: Option<Cause>,
    },
    /// A reduction with no identity (min, max, argmin, ...) over no elements.
    #[error("{op} of an empty array (or lane) has no value")]
    EmptyReduction {
        /// The reduction.
        op: &'static str,
    },
    /// A result that does not fit its element type (a sum of `u8` values over 255, say).
    #[error("{op}: {what} does not fit the element type {elem}; convert to a wider type first")]
    Overflow {
        /// The operation.
        op: &'static str,
        /// The value that does not fit.
        what: String,
        /// The element type.
        elem: &'static str,
    },
    /// A 0-d array was expected.
    #[error("expected a 0-d array, found shape {shape:?}")]
    NotScalar {
        /// The shape found.
        shape: Vec<usize>,
    },
    /// A user block function returned a block of the wrong shape.
    #[error(
        "{op} block {block:?}: expected a block of shape {expected:?}, the function returned {found:?}"
    )]
    BlockShape {
        /// The operation.
        op: String,
        /// Grid index of the block.
        block: Vec<usize>,
        /// Shape declared by the chunks.
        expected: Vec<usize>,
        /// Shape returned.
        found: Vec<usize>,
    },
    /// A block function of [`Array::map_overlap`](crate::Array::map_overlap) returned its block
    /// without the ghost cells, or one of
    /// [`Array::map_overlap_interior`](crate::Array::map_overlap_interior) with them: the two
    /// take opposite conventions, and the message names the other.
    #[error("{op} block {block:?}: {}", ghost_hint(op, expected, found))]
    GhostCellsShape {
        /// `"map_overlap"` or `"map_overlap_interior"`.
        op: &'static str,
        /// Grid index of the block.
        block: Vec<usize>,
        /// The shape the function must return.
        expected: Vec<usize>,
        /// The shape it returned.
        found: Vec<usize>,
    },
    /// Declared output chunks whose block grid does not match the input's.
    #[error(
        "{op}: output chunks have a block grid of {found:?}, but the input's grid is {expected:?}"
    )]
    GridMismatch {
        /// The operation.
        op: &'static str,
        /// Number of blocks per axis of the input.
        expected: Vec<usize>,
        /// Number of blocks per axis of the declared output chunks.
        found: Vec<usize>,
    },
    /// A plan needs more memory than the scheduler's limit
    /// ([`Scheduler::with_memory_limit`](crate::Scheduler::with_memory_limit)), found before any
    /// task runs: one task alone needs more (`held` is then 0), or, run one task at a time, the
    /// blocks held for readers (`held`) and the task running at the peak do. (On a cluster, a
    /// rank may also find, while it runs, that the blocks it holds leave no room for the next
    /// task even with nothing else running.)
    #[error(
        "{op}{block:?} would need about {projected} bytes, over the memory limit of {limit} bytes{}: {advice}",
        if *held > 0 { format!(" ({held} bytes held by blocks waiting for their readers)") } else { String::new() }
    )]
    OverMemoryBudget {
        /// The operation (its task name).
        op: String,
        /// The block index of the task.
        block: Vec<usize>,
        /// The projected bytes: inputs, output and scratch of the task, plus `held`.
        projected: usize,
        /// The limit.
        limit: usize,
        /// Bytes held by other tasks' values when the task could not start.
        held: usize,
        /// What would fit: a smaller block shape, or a larger limit.
        advice: String,
    },
    /// A task panicked; the rest of the graph was cancelled.
    #[error("task {task} panicked: {message}")]
    TaskPanicked {
        /// The task: operation and block index, e.g. `map_blocks[2, 0]`.
        task: String,
        /// The panic message.
        message: String,
    },
    /// A task of a user-built [`Graph`](crate::Graph) read a value it did not declare as a dependency.
    #[error("task {task} reads the output of task #{input}, which is not among its dependencies")]
    UndeclaredInput {
        /// The reading task.
        task: String,
        /// The id of the task whose value it asked for (its position in the graph).
        input: usize,
    },
    /// A [`Delayed`](crate::Delayed) handle from another graph.
    #[error("task id {id} does not belong to this graph, which has {len} tasks")]
    UnknownTask {
        /// The id of the handle.
        id: usize,
        /// Number of tasks in the graph.
        len: usize,
    },
    /// An environment variable with a value that cannot be used.
    #[error("environment variable {name}={value:?} is not valid: {reason}")]
    InvalidEnv {
        /// The variable.
        name: &'static str,
        /// Its value.
        value: String,
        /// What was expected.
        reason: &'static str,
    },
    /// MPI could not be used: not initialised as chunkwise needs, already finalised, or an
    /// element type that cannot cross ranks (feature `mpi`).
    #[error("MPI: {message}")]
    Mpi {
        /// What went wrong.
        message: String,
    },
    /// The ranks of a cluster built different graphs for one compute: every rank must run the
    /// same program on the same shapes (feature `mpi`).
    #[error(
        "rank {rank} built a different graph from rank 0: every rank must build the same graph \
         (same operations, shapes and chunks) and compute it in the same order"
    )]
    GraphMismatch {
        /// The first rank whose graph differs from rank 0's.
        rank: usize,
    },
    /// A task failed on a rank of a cluster; every rank returns this (feature `mpi`).
    #[error("on rank {rank}: {message}")]
    OnRank {
        /// The first rank on which a task failed.
        rank: usize,
        /// That rank's error, which names the operation and block.
        message: String,
    },
    /// The operating system refused to start the worker threads.
    #[error("could not start a pool of {threads} worker threads: {message}")]
    ThreadPool {
        /// Requested number of threads.
        threads: usize,
        /// The reason given by the system.
        message: String,
        /// The thread pool's own error.
        source: Cause,
    },
    /// A user's function returned an error of its own (made with [`Error::user`]): a block
    /// function of [`Array::try_map_blocks`](crate::Array::try_map_blocks), a
    /// [`Graph`](crate::Graph) task, or the function of
    /// [`ndmeasure::try_labeled_comprehension`](crate::ndmeasure::try_labeled_comprehension).
    /// The user's error is the [`source`](std::error::Error::source); downcast it to get it
    /// back.
    #[error("task {task} failed: {source}")]
    Failed {
        /// The task that failed: operation and block index, e.g. `map_blocks[2, 0]` (empty
        /// until the scheduler names it).
        task: String,
        /// The user's error.
        source: Cause,
    },
}

/// What kind of thing went wrong: the variants of [`Error`] grouped, so that a caller can
/// match a kind without listing variants (which may grow).
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ErrorKind};
/// let err = Array::<f64>::zeros(&[4], &[0]).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::InvalidArgument);
/// let err = Array::<f64>::from_npy("/no/such/file.npy", [1]).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Io);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A shape, chunking, axis, depth, parameter or environment setting that cannot be used,
    /// found when the expression is built (or, for a user's [`Graph`](crate::Graph), when it
    /// runs).
    InvalidArgument,
    /// More memory than there is or than the scheduler allows, or threads the system refuses;
    /// found before any task runs.
    Resources,
    /// A file or directory that could not be read or written ([`Error::Io`]).
    Io,
    /// A stored array that cannot be used: bad metadata, another element type, a corrupt or
    /// unwritable chunk.
    Store,
    /// A task that failed while it ran: a panic, a block of the wrong shape, a reduction with
    /// no value, an overflow.
    Task,
    /// A user's function returned its own error ([`Error::Failed`]).
    User,
    /// MPI, or the ranks of a cluster that disagree or failed (feature `mpi`).
    Distributed,
}

impl Error {
    /// The kind of this error.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, ErrorKind};
    /// let x = Array::<f64>::ones(&[4], [2])?;
    /// let err = x.map_blocks(|b| b.slice(ndarray::s![..1]).to_owned()).compute().unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::Task); // a block of the wrong shape
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn kind(&self) -> ErrorKind {
        use Error::*;
        match self {
            ChunksRank { .. }
            | ChunksSum { .. }
            | ZeroChunk { .. }
            | IncompatibleShapes { .. }
            | DepthRank { .. }
            | DepthTooLarge { .. }
            | BoundaryRank { .. }
            | TrimTooLarge { .. }
            | UnsupportedBoundary { .. }
            | UnsupportedSize { .. }
            | InvalidParameter { .. }
            | AxisOutOfRange { .. }
            | IndexOutOfRange { .. }
            | ZeroStep { .. }
            | RankMismatch { .. }
            | InvalidAxes { .. }
            | ReshapeSize { .. }
            | RemoveAxis { .. }
            | NoArrays { .. }
            | UnsupportedRank { .. }
            | ContractionMismatch { .. }
            | NotScalar { .. }
            | GridMismatch { .. }
            | UndeclaredInput { .. }
            | UnknownTask { .. }
            | InvalidEnv { .. } => ErrorKind::InvalidArgument,
            TooLarge { .. }
            | ResultTooLarge { .. }
            | BlockTooLarge { .. }
            | OverMemoryBudget { .. }
            | ThreadPool { .. } => ErrorKind::Resources,
            Io { .. } => ErrorKind::Io,
            DtypeMismatch { .. } | BadStore { .. } | Chunk { .. } => ErrorKind::Store,
            EmptyReduction { .. }
            | Overflow { .. }
            | BlockShape { .. }
            | GhostCellsShape { .. }
            | TaskPanicked { .. } => ErrorKind::Task,
            Failed { .. } => ErrorKind::User,
            Mpi { .. } | GraphMismatch { .. } | OnRank { .. } => ErrorKind::Distributed,
        }
    }

    /// A user's own error, to return from a function that chunkwise runs (a
    /// [`Graph`](crate::Graph) task, say): the task's error is then an [`Error::Failed`]
    /// naming the task, whose [`source`](std::error::Error::source) is `error`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::error::Error as _;
    ///
    /// #[derive(Debug)]
    /// struct NoData;
    /// impl std::fmt::Display for NoData {
    ///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    ///         f.write_str("no data for this day")
    ///     }
    /// }
    /// impl std::error::Error for NoData {}
    ///
    /// let mut g = chunkwise::Graph::new();
    /// let day = g.add("load", &[], |_| -> chunkwise::Result<f64> { Err(chunkwise::Error::user(NoData)) })?;
    /// let err = g.compute(&day).unwrap_err();
    /// assert_eq!(err.to_string(), "task load failed: no data for this day");
    /// assert!(err.find_source::<NoData>().is_some());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn user(error: impl std::error::Error + Send + Sync + 'static) -> Error {
        Error::Failed {
            task: String::new(),
            source: Cause::new(error),
        }
    }

    /// The first error down the [`source`](std::error::Error::source) chain that is an `E`:
    /// the user's own error of an [`Error::Failed`], the `std::io::Error` of an [`Error::Io`],
    /// a store's error under an [`Error::Chunk`].
    ///
    /// # Examples
    ///
    /// ```
    /// let err = chunkwise::Array::<f64>::from_npy("/no/such/file.npy", [1]).unwrap_err();
    /// let io = err.find_source::<std::io::Error>().expect("the operating system's error");
    /// assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
    /// ```
    pub fn find_source<E: std::error::Error + 'static>(&self) -> Option<&E> {
        let mut cause = std::error::Error::source(self);
        while let Some(c) = cause {
            if let Some(e) = c.downcast_ref::<E>() {
                return Some(e);
            }
            cause = c.source();
        }
        None
    }

    /// An [`Error::InvalidParameter`] of `op` for the value of `name`, and what would be valid.
    pub(crate) fn invalid(
        op: &'static str,
        name: &'static str,
        value: impl std::fmt::Display,
        expected: &'static str,
    ) -> Error {
        Error::InvalidParameter {
            op,
            name,
            value: value.to_string(),
            expected,
        }
    }

    /// This error, naming `task` if it is a user's error not yet tied to its task.
    pub(crate) fn in_task(self, task: impl FnOnce() -> String) -> Error {
        match self {
            Error::Failed { task: t, source } if t.is_empty() => Error::Failed {
                task: task(),
                source,
            },
            e => e,
        }
    }
}

/// `Result` with [`Error`] as the error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a `map_overlap` or `map_overlap_interior` block had the other's shape.
fn ghost_hint(op: &str, expected: &[usize], found: &[usize]) -> String {
    if op == "map_overlap" {
        format!(
            "the function returned the block without its ghost cells ({found:?}); map_overlap's \
             function returns the padded block ({expected:?}), which map_overlap then trims. \
             To return the unpadded block, use map_overlap_interior"
        )
    } else {
        format!(
            "the function returned the block with its ghost cells ({found:?}); {op}'s function \
             returns the block without them ({expected:?}). To return the padded block, use \
             map_overlap"
        )
    }
}

/// Renders a panic payload as text, for [`Error::TaskPanicked`].
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_string()
    }
}

/// A hint for shapes that fail to broadcast only because the smaller one lines up with the
/// larger one's leading axes rather than its trailing ones (numpy's rules align the ends):
/// the usual result of a reduction without `keepdims`.
fn shape_hint(left: &[usize], right: &[usize]) -> String {
    let (big, small) = if left.len() >= right.len() {
        (left, right)
    } else {
        (right, left)
    };
    let n = small.len();
    let trailing_fit = big[big.len() - n..]
        .iter()
        .zip(small)
        .all(|(&b, &s)| b == s || b == 1 || s == 1);
    if n == 0 || n == big.len() || trailing_fit || big[..n] != *small {
        return String::new();
    }
    let axes: Vec<String> = (n..big.len()).map(|k| format!("Axis({k})")).collect();
    format!(
        "; shapes line up from the last axis, and {small:?} matches the leading axes of \
         {big:?}: give it trailing axes of length 1 (insert_axis({}), or keepdims on the \
         reduction that made it)",
        axes.join(", then ")
    )
}

/// An underlying error kept as the [`source`](std::error::Error::source) of an [`Error`] (the
/// operating system's `std::io::Error` of an [`Error::Io`]), shared so that `Error` stays
/// `Clone`. Two compare equal when their messages do. Its own `source()` is the error itself,
/// so a caller walks the chain down to it and downcasts.
///
/// # Examples
///
/// ```
/// use std::error::Error as _;
/// let err = chunkwise::Array::<f64>::from_npy("/no/such/file.npy", [1]).unwrap_err();
/// let mut cause = err.source();
/// let io = loop {
///     let c = cause.expect("an io::Error down the chain");
///     if let Some(io) = c.downcast_ref::<std::io::Error>() {
///         break io;
///     }
///     cause = c.source();
/// };
/// assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
/// ```
#[derive(Clone)]
pub struct Cause(Arc<dyn std::error::Error + Send + Sync + 'static>);

impl Cause {
    /// Keeps `error`.
    ///
    /// # Examples
    ///
    /// ```
    /// let c = chunkwise::Cause::new(std::io::Error::other("disk on fire"));
    /// assert_eq!(c.to_string(), "disk on fire");
    /// ```
    pub fn new(error: impl std::error::Error + Send + Sync + 'static) -> Cause {
        Cause(Arc::new(error))
    }

    /// The error kept.
    ///
    /// # Examples
    ///
    /// ```
    /// let c = chunkwise::Cause::new(std::io::Error::from(std::io::ErrorKind::NotFound));
    /// let io = c.get().downcast_ref::<std::io::Error>().unwrap();
    /// assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
    /// ```
    pub fn get(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        &*self.0
    }
}

impl std::fmt::Debug for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&*self.0, f)
    }
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&*self.0, f)
    }
}

impl PartialEq for Cause {
    fn eq(&self, other: &Cause) -> bool {
        self.0.to_string() == other.0.to_string()
    }
}

impl std::error::Error for Cause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.0)
    }
}
