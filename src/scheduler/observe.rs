//! Watching a computation: callbacks around each task (dask's `Callback`), and a progress bar
//! built on them.
//!
//! Callbacks cost nothing when a scheduler has none: the executor checks one length per task.
//! With callbacks, it reads the clock once per task (a task's start is the previous task's end
//! on the same worker, or the worker's start) and calls them on the worker that ran the task.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// One task, as a [`Callback`] sees it.
#[derive(Clone, Copy, Debug)]
pub struct TaskInfo<'a> {
    pub(crate) id: usize,
    pub(crate) layer: usize,
    pub(crate) op: &'a str,
    pub(crate) block: usize,
    pub(crate) grid: &'a [usize],
    pub(crate) worker: usize,
    pub(crate) start: Instant,
    pub(crate) end: Option<Instant>,
    pub(crate) bytes: usize,
    pub(crate) freed: usize,
}

impl TaskInfo<'_> {
    /// The task's id in this computation: `0..tasks`, inputs before readers.
    pub fn id(&self) -> usize {
        self.id
    }

    /// The operation whose block this task computes (`"map"`, `"overlap"`, `"sum"`, ...).
    pub fn op(&self) -> &str {
        self.op
    }

    /// A number for the operation, the same for all its tasks in this computation.
    pub fn op_id(&self) -> usize {
        self.layer
    }

    /// The block's index in the operation's grid of blocks.
    pub fn block_index(&self) -> Vec<usize> {
        let mut index = vec![0; self.grid.len()];
        let mut rest = self.block;
        for (i, &n) in self.grid.iter().enumerate().rev() {
            if n > 0 {
                index[i] = rest % n;
                rest /= n;
            }
        }
        index
    }

    /// `op[i, j]`: the operation and the block index.
    pub fn name(&self) -> String {
        format!("{}{:?}", self.op, self.block_index())
    }

    /// The worker thread that runs the task: `0..threads`.
    pub fn worker(&self) -> usize {
        self.worker
    }

    /// When the task started.
    pub fn start(&self) -> Instant {
        self.start
    }

    /// When it ended (in [`Callback::on_task_finish`] only).
    pub fn end(&self) -> Option<Instant> {
        self.end
    }

    /// Bytes of the block the task produced and kept for its readers (0 for a task that writes
    /// into the result, and for blocks of element types other than numbers and `bool`).
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Bytes of input blocks this task was the last reader of, freed when it finished.
    pub fn freed_bytes(&self) -> usize {
        self.freed
    }
}

/// Hooks into a computation, as dask's `Callback`: attach with [`Scheduler::with_callback`].
///
/// Task hooks run on the worker that runs the task, so they must be quick and thread-safe.
/// Every task that starts is reported finished exactly once, with `ok = false` if it failed or
/// panicked; tasks cancelled after a failure never start.
///
/// [`Scheduler::with_callback`]: super::Scheduler::with_callback
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use chunkwise::{Array, Callback, Scheduler, TaskInfo};
///
/// #[derive(Default)]
/// struct Count(AtomicUsize);
/// impl Callback for Count {
///     fn on_task_finish(&self, _task: &TaskInfo<'_>, ok: bool) {
///         assert!(ok);
///         self.0.fetch_add(1, Ordering::Relaxed);
///     }
/// }
///
/// let count = Arc::new(Count::default());
/// let x = Array::<f64>::ones(&[8, 8], [4, 4])?.map(|v| v * 2.0);
/// x.compute_with(&Scheduler::threads(2).with_callback(count.clone()))?;
/// assert_eq!(count.0.load(Ordering::Relaxed), x.num_tasks());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub trait Callback: Send + Sync {
    /// A computation of `tasks` tasks starts.
    fn on_start(&self, _tasks: usize) {}
    /// A task starts.
    fn on_task_start(&self, _task: &TaskInfo<'_>) {}
    /// A task has finished; `ok` is false if it returned an error or panicked.
    fn on_task_finish(&self, _task: &TaskInfo<'_>, _ok: bool) {}
    /// The computation has finished; `ok` is false if it failed.
    fn on_finish(&self, _ok: bool) {}
}

impl<C: Callback + ?Sized> Callback for std::sync::Arc<C> {
    fn on_start(&self, tasks: usize) {
        (**self).on_start(tasks)
    }
    fn on_task_start(&self, task: &TaskInfo<'_>) {
        (**self).on_task_start(task)
    }
    fn on_task_finish(&self, task: &TaskInfo<'_>, ok: bool) {
        (**self).on_task_finish(task, ok)
    }
    fn on_finish(&self, ok: bool) {
        (**self).on_finish(ok)
    }
}

/// How long a computation runs before its progress bar appears.
const PROGRESS_DELAY: Duration = Duration::from_secs(1);

/// An `indicatif` progress bar on stderr: tasks done of total, rate and time left. It appears
/// once a computation has run for a second, and only on a terminal unless `always`.
pub(super) struct Progress {
    always: bool,
    state: Mutex<Option<(ProgressBar, Instant, bool)>>,
}

impl Progress {
    pub(crate) fn new(always: bool) -> Progress {
        Progress {
            always,
            state: Mutex::new(None),
        }
    }
}

impl Callback for Progress {
    fn on_start(&self, tasks: usize) {
        let bar = ProgressBar::with_draw_target(Some(tasks as u64), ProgressDrawTarget::hidden());
        let style = ProgressStyle::with_template(
            "{bar:40} {pos}/{len} tasks  {per_sec}  {elapsed_precise} elapsed, ETA {eta}",
        )
        .expect("a valid template");
        bar.set_style(style);
        *self.state.lock().unwrap_or_else(|e| e.into_inner()) = Some((bar, Instant::now(), false));
    }

    fn on_task_finish(&self, _task: &TaskInfo<'_>, _ok: bool) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((bar, started, shown)) = state.as_mut() {
            bar.inc(1);
            if !*shown && started.elapsed() >= PROGRESS_DELAY {
                *shown = true;
                if self.always || std::io::stderr().is_terminal() {
                    bar.set_draw_target(ProgressDrawTarget::stderr());
                }
            }
        }
    }

    fn on_finish(&self, _ok: bool) {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some((bar, _, _)) = state {
            bar.finish();
        }
    }
}
