//! The executor: runs an opaque graph of tasks on a pool of threads, from one shared ready
//! stack and an ordered cursor over the roots (not per-worker deques with stealing; see
//! `README.md` beside this file for why).
//!
//! This layer knows nothing of arrays; the array layers above lower their expressions to a
//! task graph and hand it here. See `README.md` beside this file for the scheduling policy.
//!
//! Policy, in short:
//!
//! - **Dependency counting.** Each task has a counter of unfinished dependencies; the thread that
//!   brings it to zero owns the task.
//! - **Depth first.** A thread that finishes a task runs one of the tasks it made ready itself,
//!   next, and pushes the others onto the computation's ready stack. Workers take ready tasks
//!   (last in, first out) before new roots, and roots in order from one shared cursor: a branch
//!   is finished, and its partial results combined, before new branches start. The workers are
//!   jobs on a rayon pool that never block: a worker with nothing to run leaves, and one is
//!   started again when a task becomes ready, so computes nested in tasks, on any pool, cannot
//!   deadlock.
//! - **Prompt release.** Each value counts its readers; the last reader takes it out of the
//!   graph, so an intermediate block is freed as soon as its last consumer has run.
//! - **Failure.** A panic or an `Err` in a task is recorded (the first one wins), every task not
//!   yet started is skipped, and the error is returned. The pool is unaffected.

mod alloc;
mod budget;
mod cluster;
mod delayed;
mod executor;
mod observe;
pub(crate) mod task;

use std::sync::{Arc, OnceLock};

pub(crate) use alloc::{advise_huge_pages, block_with_capacity, filled_block};
pub(crate) use budget::Projection;
pub(crate) use cluster::Cluster;
pub use delayed::{Delayed, Graph, Inputs, TaskRef};
use executor::Exec;
pub(crate) use executor::Feed;
pub use observe::{Callback, TaskInfo};
pub(crate) use observe::{LayerName, RawRecord, Recording};
pub(crate) use task::{TaskBytes, TaskGraph, TaskId, Value};

use crate::error::{Error, Result};

/// Where and how a task graph runs.
///
/// Cloning is cheap: clones share the same pool of threads.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Scheduler};
///
/// let x = Array::from_ndarray(ndarray::Array::from_elem((6, 4), 1.0), &[3, 2])?;
/// let pool = Scheduler::threads(2);
/// let y = (&x + 1.0).compute_with(&pool)?;
/// assert_eq!(y, ndarray::Array::from_elem((6, 4), 2.0).into_dyn());
///
/// // Every task in the calling thread, in a fixed order: for debugging.
/// let z = (&x + 1.0).compute_with(&Scheduler::synchronous())?;
/// assert_eq!(y, z);
/// # Ok::<(), chunkwise::Error>(())
/// ```
#[derive(Clone)]
pub struct Scheduler {
    kind: Kind,
    callbacks: Arc<[Arc<dyn Callback>]>,
    /// Where to keep a record of every task, for a profile.
    recording: Option<Arc<Recording>>,
    /// The most bytes a computation may hold at once, if limited.
    memory_limit: Option<usize>,
}

#[derive(Clone)]
enum Kind {
    Synchronous,
    Pool(Arc<rayon::ThreadPool>),
    /// One rank of a cluster: a pool here, and a place among the ranks (made only by the MPI
    /// backend, `dist`, feature `mpi`).
    #[allow(dead_code)]
    Cluster(Arc<dyn Cluster>),
}

impl std::fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            Kind::Synchronous => f.write_str("Scheduler::synchronous()"),
            Kind::Pool(p) => write!(f, "Scheduler::threads({})", p.current_num_threads()),
            Kind::Cluster(c) => write!(
                f,
                "cluster.scheduler({}) on rank {} of {}",
                c.pool().current_num_threads(),
                c.rank(),
                c.size()
            ),
        }
    }
}

/// The environment variable that sets the size of the default pool.
pub const NUM_THREADS_ENV: &str = "CHUNKWISE_NUM_THREADS";

impl Scheduler {
    /// A pool of `n` worker threads (a rayon pool; the tasks of a computation come from one
    /// shared ready stack, depth first); `n == 0` means one per core.
    ///
    /// Each call starts new threads: make one scheduler and reuse it.
    ///
    /// # Panics
    ///
    /// If the operating system refuses to start the threads; [`Scheduler::try_threads`]
    /// returns that as an error instead.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = chunkwise::Scheduler::threads(4);
    /// assert_eq!(pool.num_threads(), 4);
    /// ```
    pub fn threads(n: usize) -> Scheduler {
        Self::try_threads(n).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Like [`Scheduler::threads`], but returns an error if the threads cannot be started.
    ///
    /// # Errors
    ///
    /// [`Error::ThreadPool`] with the system's reason.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = chunkwise::Scheduler::try_threads(2)?;
    /// assert_eq!(pool.num_threads(), 2);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn try_threads(n: usize) -> Result<Scheduler> {
        let pool = thread_pool(n)?;
        Ok(Scheduler {
            kind: Kind::Pool(Arc::new(pool)),
            callbacks: Arc::new([]),
            recording: None,
            memory_limit: None,
        })
    }

    /// Runs every task in the calling thread, depth first, in a fixed order: for debugging,
    /// and for results that must not depend on timing.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = chunkwise::Scheduler::synchronous();
    /// assert_eq!(s.num_threads(), 1);
    /// ```
    pub fn synchronous() -> Scheduler {
        Scheduler {
            kind: Kind::Synchronous,
            callbacks: Arc::new([]),
            recording: None,
            memory_limit: None,
        }
    }

    /// The scheduler used by `compute()`: a pool made on first use with one worker per core,
    /// or `CHUNKWISE_NUM_THREADS` workers when that variable is set.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidEnv`] if `CHUNKWISE_NUM_THREADS` is not a positive integer, and
    /// [`Error::ThreadPool`] if the threads cannot be started.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = chunkwise::Scheduler::global()?;
    /// assert!(s.num_threads() >= 1);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn global() -> Result<Scheduler> {
        static GLOBAL: OnceLock<Result<Scheduler>> = OnceLock::new();
        GLOBAL
            .get_or_init(|| {
                let n = match std::env::var(NUM_THREADS_ENV) {
                    Ok(v) => parse_threads(&v)?,
                    Err(_) => 0,
                };
                Scheduler::try_threads(n)
            })
            .clone()
    }

    /// Number of worker threads (1 for the synchronous scheduler).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(chunkwise::Scheduler::threads(3).num_threads(), 3);
    /// ```
    pub fn num_threads(&self) -> usize {
        self.pool().map_or(1, |p| p.current_num_threads())
    }

    /// The pool this scheduler runs tasks on, if not synchronous.
    fn pool(&self) -> Option<&rayon::ThreadPool> {
        match &self.kind {
            Kind::Synchronous => None,
            Kind::Pool(p) => Some(p),
            Kind::Cluster(c) => Some(c.pool()),
        }
    }

    /// Runs the planning step `f` on this scheduler's threads: `f` gets the [`Planner`] to
    /// split its loops with (serial on the synchronous scheduler and on one thread).
    pub(crate) fn plan<R: Send>(&self, f: impl FnOnce(Planner) -> R + Send) -> R {
        match self.pool() {
            Some(pool) if pool.current_num_threads() > 1 => {
                pool.install(|| f(Planner { parallel: true }))
            }
            _ => f(Planner { parallel: false }),
        }
    }

    /// Runs `graph` and returns the values of the tasks in `keep`, or the first error.
    pub(crate) fn execute<'a>(&self, graph: TaskGraph<'a>, keep: &[TaskId]) -> Result<Vec<Value>> {
        #[cfg(feature = "tracing")]
        let _span = tracing::debug_span!("compute", tasks = graph.len()).entered();
        let exec = self.prepare(graph, keep, &[])?;
        match self.pool() {
            None => exec.run_synchronous(),
            // `install` runs in place on one of this pool's own threads, and waits by running
            // other jobs of its pool on a thread of another pool. Either way the wait can only
            // run executor workers, which never block: a nested compute never deadlocks.
            Some(pool) => pool.install(|| exec.run_parallel(pool.current_num_threads())),
        }
        self.conclude(exec, keep)
    }

    /// Runs `graph`, whose tasks in `external` are not run here: `drive`, on the calling
    /// thread while the pool runs the rest, supplies their values as they arrive (a rank's
    /// blocks made on other ranks); `on_idle` is called whenever the last busy worker leaves.
    /// Returns the run's outcome, once `drive` has returned and every worker has stopped, and
    /// what `drive` returned (`None` if the run was refused before it started, over the memory
    /// limit).
    // Only the MPI backend (`dist`, feature `mpi`) supplies tasks from outside.
    #[allow(dead_code)]
    pub(crate) fn execute_fed<'a, R>(
        &self,
        graph: TaskGraph<'a>,
        external: &[TaskId],
        on_idle: Box<dyn Fn() + Send + Sync + 'a>,
        drive: impl FnOnce(&Feed<'_, '_, 'a>) -> R,
    ) -> (Result<()>, Option<R>) {
        let mut exec = match self.prepare(graph, &[], external) {
            Ok(exec) => exec,
            Err(e) => return (Err(e), None),
        };
        let pool = self.pool().expect("a cluster's scheduler has a pool");
        let driven = exec.run_fed(pool, on_idle, drive);
        (self.conclude(exec, &[]).map(drop), Some(driven))
    }

    /// The state of a run of `graph`, after checking it against the memory limit.
    fn prepare<'a>(
        &self,
        graph: TaskGraph<'a>,
        keep: &[TaskId],
        external: &[TaskId],
    ) -> Result<Exec<'a>> {
        alloc::settle();
        // Refuse a plan with a task too big for the limit before anything runs.
        let budget = self
            .memory_limit
            .map(|limit| budget::Budget::plan(&graph, keep, limit, external.is_empty()))
            .transpose()?;
        self.callbacks.iter().for_each(|c| c.on_start(graph.len()));
        // A recording may hear of several graphs: each adds its layers after the others'.
        let layer_base = match &self.recording {
            Some(r) => {
                let mut layers = r
                    .layers
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let base = layers.len() as u32;
                layers.extend(
                    graph
                        .layers
                        .iter()
                        .map(|l| (Arc::from(l.name.as_str()), Arc::from(l.grid.as_slice()))),
                );
                base
            }
            None => 0,
        };
        Ok(Exec::new(
            graph,
            keep,
            self.callbacks.clone(),
            self.recording.clone(),
            budget,
            layer_base,
            external,
        ))
    }

    /// The kept values of a run that has ended, or its error; tells the callbacks.
    fn conclude(&self, exec: Exec<'_>, keep: &[TaskId]) -> Result<Vec<Value>> {
        let result = exec.finish(keep);
        self.callbacks
            .iter()
            .for_each(|c| c.on_finish(result.is_ok()));
        result
    }

    /// This scheduler (the same threads), keeping each computation within about `bytes` of
    /// memory for its blocks.
    ///
    /// Planning projects each task's peak from the chunk shapes and element sizes: the blocks
    /// it reads, the block it makes, and what it allocates meanwhile (fused steps, ghost-cell
    /// padding). The decision is made before the run: a plan in which one task alone would
    /// exceed the limit, or whose blocks held at once would when it runs one task at a time in
    /// the synchronous scheduler's order, is refused before any task starts, with
    /// [`Error::OverMemoryBudget`] naming the projected peak and a block shape that would fit.
    /// A plan that is accepted then starts its tasks in that same order, several at once while
    /// the bytes held (blocks waiting for their readers, plus what running tasks reserved) leave
    /// room, so it never fails for memory half way, on any number of threads. (On a cluster's
    /// scheduler, feature `mpi`, blocks arrive from other ranks at any time, so each rank's
    /// share is checked task by task as it runs.)
    ///
    /// The result array of `compute` is not counted: it is the caller's, allocated up front.
    /// [`Array::explain`](crate::Array::explain) shows the projections.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, Error, Scheduler};
    ///
    /// // A mean over 64 blocks of 1 MiB each, holding at most 4 MiB of blocks at once.
    /// let x = Array::<f64>::random(&[4096, 2048], [512, 256], 7)?;
    /// let small = Scheduler::threads(2).with_memory_limit(4 << 20);
    /// let mean = x.mean().compute_with(&small)?[[]];
    /// assert!((mean - 0.5).abs() < 1e-3);
    ///
    /// // A limit below one task is an error before anything runs, with advice: a block function
    /// // reads a 1 MiB block and makes another.
    /// let tiny = Scheduler::threads(2).with_memory_limit(1 << 20);
    /// let roots = x.map_blocks(|b| b.mapv(f64::sqrt)).sum();
    /// let err = roots.compute_with(&tiny).unwrap_err();
    /// assert!(matches!(err, Error::OverMemoryBudget { .. }));
    /// assert!(err.to_string().contains("rechunk to blocks of about"));
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn with_memory_limit(&self, bytes: usize) -> Scheduler {
        Scheduler {
            memory_limit: Some(bytes),
            ..self.clone()
        }
    }

    /// The memory limit set by [`Scheduler::with_memory_limit`], if any.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = chunkwise::Scheduler::synchronous().with_memory_limit(1 << 30);
    /// assert_eq!(s.memory_limit(), Some(1 << 30));
    /// ```
    pub fn memory_limit(&self) -> Option<usize> {
        self.memory_limit
    }

    /// This scheduler (the same threads) with `callback` called around every computation and
    /// task it runs, after any it already had.
    ///
    /// # Examples
    ///
    /// See [`Callback`].
    ///
    /// ```
    /// use chunkwise::{Callback, Scheduler};
    /// struct Quiet;
    /// impl Callback for Quiet {}
    /// let s = Scheduler::threads(2).with_callback(Quiet);
    /// assert_eq!(s.num_threads(), 2);
    /// ```
    pub fn with_callback(&self, callback: impl Callback + 'static) -> Scheduler {
        let mut callbacks: Vec<Arc<dyn Callback>> = self.callbacks.to_vec();
        callbacks.push(Arc::new(callback));
        Scheduler {
            kind: self.kind.clone(),
            callbacks: callbacks.into(),
            recording: self.recording.clone(),
            memory_limit: self.memory_limit,
        }
    }

    /// This scheduler, keeping a record of every task it runs in `recording`.
    pub(crate) fn with_recording(&self, recording: Arc<Recording>) -> Scheduler {
        Scheduler {
            kind: self.kind.clone(),
            callbacks: self.callbacks.clone(),
            recording: Some(recording),
            memory_limit: self.memory_limit,
        }
    }

    /// This scheduler with a progress bar on stderr (tasks done of total, rate, time left) for
    /// every computation that runs longer than about a second. Nothing is drawn when stderr is
    /// not a terminal; [`Scheduler::with_progress_always`] draws anyway.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, Scheduler};
    /// let s = Scheduler::threads(2).with_progress();
    /// let total = Array::<f64>::ones(&[1000, 1000], [100, 100])?.sum().compute_with(&s)?;
    /// assert_eq!(total[[]], 1e6);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn with_progress(&self) -> Scheduler {
        self.with_callback(observe::Progress::new(false))
    }

    /// [`Scheduler::with_progress`], drawn on stderr even when it is not a terminal (a log file,
    /// a CI console).
    ///
    /// # Examples
    ///
    /// ```
    /// let s = chunkwise::Scheduler::synchronous().with_progress_always();
    /// assert_eq!(s.num_threads(), 1);
    /// ```
    pub fn with_progress_always(&self) -> Scheduler {
        self.with_callback(observe::Progress::new(true))
    }
}

/// How planning (lowering, cutting the result into blocks' rows) splits its loops over blocks:
/// on the scheduler's pool, in a few ranges per thread, or serially.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Planner {
    parallel: bool,
}

impl Planner {
    /// The serial planner, for planning that no computation runs (`explain`, pictures).
    pub(crate) const SERIAL: Planner = Planner { parallel: false };

    /// Calls `f` on consecutive ranges covering `0..n` and returns the results in order. The
    /// ranges run in parallel when this planner is and there are at least `grain` items per
    /// range to share; each range is long enough that splitting costs nothing in comparison.
    pub(crate) fn map_ranges<R: Send>(
        self,
        n: usize,
        grain: usize,
        f: impl Fn(std::ops::Range<usize>) -> R + Sync,
    ) -> Vec<R> {
        use rayon::prelude::*;
        let parts = if self.parallel {
            (n / grain.max(1)).min(4 * rayon::current_num_threads())
        } else {
            1
        };
        if parts <= 1 {
            return vec![f(0..n)];
        }
        let range = |i: usize| i * n / parts..(i + 1) * n / parts;
        (0..parts).into_par_iter().map(|i| f(range(i))).collect()
    }

    /// `f` of each item, in order; in parallel when this planner is.
    pub(crate) fn map_each<I: Send, R: Send>(
        self,
        items: Vec<I>,
        f: impl Fn(I) -> R + Sync + Send,
    ) -> Vec<R> {
        use rayon::prelude::*;
        if self.parallel && items.len() > 1 {
            items.into_par_iter().map(f).collect()
        } else {
            items.into_iter().map(f).collect()
        }
    }
}

/// A pool of `n` worker threads named `chunkwise-<i>` (`n == 0`: one per core), for a
/// scheduler of one process or of one rank.
pub(crate) fn thread_pool(n: usize) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .thread_name(|i| format!("chunkwise-{i}"))
        .build()
        .map_err(|e| Error::ThreadPool {
            threads: n,
            message: e.to_string(),
            source: crate::error::Cause::new(e),
        })
}

fn parse_threads(v: &str) -> Result<usize> {
    match v.trim().parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(Error::InvalidEnv {
            name: NUM_THREADS_ENV,
            value: v.to_string(),
            reason: "expected a positive integer",
        }),
    }
}

#[cfg(test)]
mod test;
