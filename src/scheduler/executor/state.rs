//! What changes while a graph runs: each task's unfinished inputs, each value and the readers
//! that have not taken it, which tasks have started, and the run's first failure.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::super::task::{TaskId, Value};
use super::topology::Topology;
use crate::error::{Error, Result};

/// The changing state of one run.
pub(super) struct RunState {
    /// Dependencies of each task that have not finished yet; the task is ready at zero.
    pub(super) waiting: Vec<AtomicU32>,
    /// Each task's value and its readers that have not taken it yet.
    values: Vec<Mutex<Slot>>,
    pub(super) failed: AtomicBool,
    error: Mutex<Option<Error>>,
    /// Tasks run, counted per worker and added up when each stops.
    pub(super) ran: AtomicUsize,
    /// With a fixed order: which tasks have started (at the cursor or early).
    pub(super) started: Vec<AtomicBool>,
}

/// A task's output, with the count of readers (plus one per request to keep it) that have not
/// taken it yet. The count and the value live under one lock: whether a reader clones the value
/// or takes it out (freeing it) must be decided and done in one step, or the last reader could
/// take it while an earlier one is about to clone it.
struct Slot {
    readers: u32,
    value: Option<Value>,
}

pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A task never panics while holding one of these locks, but stay usable if it ever did.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl RunState {
    /// The state of a run of `topo` that has not started, keeping the values of `keep` for the
    /// caller; `ordered`: tasks start in a fixed order, tracked per task.
    pub(super) fn new(topo: &Topology<'_>, keep: &[TaskId], ordered: bool) -> RunState {
        let n = topo.len();
        let waiting = (0..n)
            .map(|t| AtomicU32::new(topo.dep_start[t + 1] - topo.dep_start[t]))
            .collect();
        let mut uses: Vec<u32> = (0..n).map(|t| topo.readers_of(t).len() as u32).collect();
        for &k in keep {
            uses[k as usize] += 1;
        }
        RunState {
            waiting,
            values: uses
                .into_iter()
                .map(|readers| {
                    Mutex::new(Slot {
                        readers,
                        value: None,
                    })
                })
                .collect(),
            failed: AtomicBool::new(false),
            error: Mutex::new(None),
            ran: AtomicUsize::new(0),
            started: if ordered {
                (0..n).map(|_| AtomicBool::new(false)).collect()
            } else {
                Vec::new()
            },
        }
    }

    /// Stores the value of task `t` if anything will read it; says whether it did.
    pub(super) fn keep(&self, t: usize, value: Option<Value>) -> bool {
        let Some(value) = value else {
            return false;
        };
        let mut slot = lock(&self.values[t]);
        if slot.readers == 0 {
            return false;
        }
        slot.value = Some(value);
        true
    }

    /// The value of finished task `d` for one of its readers; the last reader takes it out.
    /// Also says whether this reader was the last.
    pub(super) fn take_input(&self, d: TaskId) -> (Value, bool) {
        let mut slot = lock(&self.values[d as usize]);
        slot.readers -= 1;
        let last = slot.readers == 0;
        let v = if last {
            slot.value.take()
        } else {
            slot.value.clone()
        };
        (
            v.expect("a dependency has finished before its reader starts"),
            last,
        )
    }

    /// Records `e` as the run's error unless one came first, and stops the run.
    pub(super) fn fail(&self, e: Error) {
        let mut first = lock(&self.error);
        if first.is_none() {
            *first = Some(e);
        }
        self.failed.store(true, Ordering::Release);
    }

    /// Marks task `t` started; false if another worker started it first.
    pub(super) fn start(&self, t: TaskId) -> bool {
        self.started[t as usize]
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// The kept values of a run of `tasks` tasks that has ended, or its first error.
    pub(super) fn finish(self, keep: &[TaskId], tasks: usize) -> Result<Vec<Value>> {
        if let Some(e) = self
            .error
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
        {
            return Err(e);
        }
        // A run without an error has run every task: a task left behind would leave its part
        // of the result unwritten, a wrong answer rather than an error.
        assert_eq!(
            self.ran.into_inner(),
            tasks,
            "the executor ended without running every task"
        );
        Ok(keep
            .iter()
            .map(|&k| {
                let v = lock(&self.values[k as usize]).value.clone();
                v.expect("a kept task has run")
            })
            .collect())
    }
}
