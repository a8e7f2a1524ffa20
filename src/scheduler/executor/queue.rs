//! The work of a parallel run: the roots in order behind one shared cursor, the tasks made
//! ready waiting for a worker, and the count of workers in.
//!
//! The ready tasks wait in a [`ReadyStack`]: one stack shared by the workers, taken last in,
//! first out, so that a worker continues the branch most recently made ready (depth first) and
//! the blocks alive at once stay few. It is the one type to replace for another policy:
//! per-worker deques with stealing (crossbeam-deque, as rayon-core's local LIFO, steal FIFO and
//! ordered injector) keep the same three calls, `push`, `pop_if` and `has_ready`, and would
//! pay where a many-core machine shows the shared stack's lock (see `../README.md`).

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::super::task::TaskId;
use super::state::lock;

/// The work queue of one parallel run.
pub(super) struct Work {
    pub(super) roots: Vec<TaskId>,
    /// Roots claimed at once.
    pub(super) batch: usize,
    /// The next root to start, in order.
    pub(super) next_root: AtomicUsize,
    /// Tasks made ready beyond the one each worker continues with.
    pub(super) ready: ReadyStack,
    /// Workers in (running tasks or looking for one); at most `threads`.
    pub(super) active: AtomicUsize,
    pub(super) threads: usize,
}

impl Work {
    /// The work of a run over `roots`, in order, claimed `batch` at a time, on `threads`
    /// workers.
    pub(super) fn new(roots: Vec<TaskId>, batch: usize, threads: usize) -> Work {
        Work {
            roots,
            batch,
            next_root: AtomicUsize::new(0),
            ready: ReadyStack::default(),
            active: AtomicUsize::new(0),
            threads,
        }
    }

    /// Takes a worker place if fewer than `threads` are taken.
    pub(super) fn enter(&self) -> bool {
        self.active
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |a| {
                (a < self.threads).then_some(a + 1)
            })
            .is_ok()
    }

    /// Whether a task is ready or a root is left to start.
    pub(super) fn has_work(&self) -> bool {
        self.ready.has_ready() || self.next_root.load(Ordering::SeqCst) < self.roots.len()
    }
}

/// Tasks made ready, shared by the workers: the last pushed is taken first.
#[derive(Default)]
pub(super) struct ReadyStack {
    tasks: Mutex<Vec<TaskId>>,
    /// The length of `tasks`, read without the lock to skip an empty stack.
    len: AtomicUsize,
}

impl ReadyStack {
    /// Adds a task made ready.
    pub(super) fn push(&self, t: TaskId) {
        let mut tasks = lock(&self.tasks);
        tasks.push(t);
        self.len.store(tasks.len(), Ordering::SeqCst);
    }

    /// Whether any task is ready.
    pub(super) fn has_ready(&self) -> bool {
        self.len.load(Ordering::SeqCst) > 0
    }

    /// The most recently readied task, if `ok` lets it start (it reserves what it needs then).
    pub(super) fn pop_if(&self, ok: impl FnOnce(TaskId) -> bool) -> Option<TaskId> {
        if !self.has_ready() {
            return None;
        }
        let mut tasks = lock(&self.tasks);
        let &t = tasks.last()?;
        if !ok(t) {
            return None;
        }
        tasks.pop();
        self.len.store(tasks.len(), Ordering::SeqCst);
        Some(t)
    }
}
