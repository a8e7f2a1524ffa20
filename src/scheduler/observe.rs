//! Watching a computation: callbacks around each task (dask's `Callback`), and a progress bar
//! built on them.
//!
//! Callbacks cost nothing when a scheduler has none: the executor checks one length per task.
//! With callbacks, it reads the clock once per task (a task's start is the previous task's end
//! on the same worker, or the worker's start) and calls them on the worker that ran the task.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// One task as a recording keeps it (see [`Recording`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawRecord {
    pub(crate) layer: u32,
    pub(crate) block: usize,
    /// Nanoseconds from the recording's base.
    pub(crate) start: u64,
    pub(crate) end: u64,
    pub(crate) bytes: usize,
    pub(crate) freed: usize,
    pub(crate) ok: bool,
}

/// Task records of a computation, gathered without locks while tasks run: each worker keeps its
/// own and hands them over when it leaves (taking them back if it joins again). Cheaper than a
/// [`Callback`], for profiles.
pub(crate) struct Recording {
    /// The instant record times count from.
    pub(crate) base: Instant,
    /// Worker indices and their records, each log in order of start. A thread has more than
    /// one log only when it ran workers of this computation nested in each other (a task that
    /// waits on a nested compute may pick up a worker of the outer one).
    pub(crate) logs: Mutex<Vec<(usize, Vec<RawRecord>)>>,
    /// Each layer's name and grid, filled in when the computation starts.
    pub(crate) layers: Mutex<Vec<LayerName>>,
}

impl Recording {
    pub(crate) fn new(base: Instant) -> Recording {
        Recording {
            base,
            logs: Mutex::default(),
            layers: Mutex::default(),
        }
    }
}

/// A layer's name and grid of blocks, shared by its task records.
pub(crate) type LayerName = (Arc<str>, Arc<[usize]>);

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
        super::task::block_index(self.grid, self.block)
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

/// A counter on its own cache line, so that workers counting side by side do not slow each
/// other down.
#[repr(align(64))]
#[derive(Default)]
struct Counter(AtomicU64);

/// Workers count their tasks in counters of their own; the bar is updated every this many.
const PROGRESS_BATCH: u64 = 256;

/// An `indicatif` progress bar on stderr: tasks done of total, rate and time left. It appears
/// once a computation has run for a second, and only on a terminal unless `always`. Counting a
/// task is one uncontended atomic add on the worker's own counter; the bar hears of it every
/// 256 tasks per worker.
pub(super) struct Progress {
    always: bool,
    bar: ProgressBar,
    started: Mutex<Instant>,
    shown: AtomicBool,
    counts: Vec<Counter>,
}

impl Progress {
    pub(super) fn new(always: bool) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden());
        let style = ProgressStyle::with_template(
            "{bar:40} {pos}/{len} tasks  {rate}  {elapsed_precise} elapsed, ETA {eta}",
        )
        .expect("a valid template")
        .with_key(
            "rate",
            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = w.write_str(&rate(state.per_sec()));
            },
        );
        bar.set_style(style);
        Progress {
            always,
            bar,
            started: Mutex::new(Instant::now()),
            shown: AtomicBool::new(false),
            counts: (0..64).map(|_| Counter::default()).collect(),
        }
    }

    fn done(&self) -> u64 {
        self.counts
            .iter()
            .map(|c| c.0.load(Ordering::Relaxed))
            .sum()
    }

    fn show(&self) {
        if self.shown.swap(true, Ordering::Relaxed) {
            return;
        }
        if self.always || std::io::stderr().is_terminal() {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }
}

impl Callback for Progress {
    fn on_start(&self, tasks: usize) {
        *self.started.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
        self.shown.store(false, Ordering::Relaxed);
        self.counts
            .iter()
            .for_each(|c| c.0.store(0, Ordering::Relaxed));
        self.bar.set_draw_target(ProgressDrawTarget::hidden());
        self.bar.reset();
        self.bar.set_length(tasks as u64);
    }

    fn on_task_finish(&self, task: &TaskInfo<'_>, _ok: bool) {
        let mine = &self.counts[task.worker % self.counts.len()].0;
        if (mine.fetch_add(1, Ordering::Relaxed) + 1).is_multiple_of(PROGRESS_BATCH) {
            self.bar.set_position(self.done());
            if !self.shown.load(Ordering::Relaxed) {
                let started = *self.started.lock().unwrap_or_else(|e| e.into_inner());
                if started.elapsed() >= PROGRESS_DELAY {
                    self.show();
                }
            }
        }
    }

    fn on_finish(&self, _ok: bool) {
        self.bar.set_position(self.done());
        self.bar.finish();
        if self.shown.load(Ordering::Relaxed) && !self.bar.is_hidden() {
            // Leave the finished bar on its own line: what is printed next starts below it.
            eprintln!();
        }
    }
}

/// Tasks per second, as a progress bar shows them: three significant figures at most.
fn rate(per_sec: f64) -> String {
    match per_sec {
        r if !r.is_finite() => "- tasks/s".to_string(),
        r if r >= 100.0 => format!("{r:.0} tasks/s"),
        r if r >= 10.0 => format!("{r:.1} tasks/s"),
        r => format!("{r:.2} tasks/s"),
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn the_rate_has_no_more_digits_than_it_means() {
        assert_eq!(rate(123456.789), "123457 tasks/s");
        assert_eq!(rate(42.4242), "42.4 tasks/s");
        assert_eq!(rate(0.123456), "0.12 tasks/s");
        assert_eq!(rate(f64::INFINITY), "- tasks/s");
    }

    #[test]
    fn the_progress_bar_counts_every_task_of_every_worker() {
        let p = Progress::new(false);
        p.on_start(1000);
        let grid = [10usize, 100];
        for t in 0..1000 {
            let info = TaskInfo {
                id: t,
                layer: 0,
                op: "map",
                block: t,
                grid: &grid,
                worker: t % 3,
                start: Instant::now(),
                end: None,
                bytes: 0,
                freed: 0,
            };
            assert_eq!(info.block_index(), vec![t / 100, t % 100]);
            p.on_task_finish(&info, true);
        }
        // Batched: the bar has heard of whole batches so far, and of every task at the end.
        assert!(p.bar.position() <= 1000);
        p.on_finish(true);
        assert_eq!(p.bar.position(), 1000);
        assert_eq!(p.bar.length(), Some(1000));
    }
}
