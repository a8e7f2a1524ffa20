//! Who watches a run: the scheduler's callbacks and, for a profile, a recording; and what each
//! worker keeps for them while it runs (its clock and its records, handed over once).

use std::sync::Arc;
use std::time::Instant;

use super::super::observe::{Callback, RawRecord, Recording};
use super::state::lock;

/// The observers of one run.
pub(super) struct Observers {
    pub(super) callbacks: Arc<[Arc<dyn Callback>]>,
    pub(super) recording: Option<Arc<Recording>>,
    /// Where this graph's layers start in the recording's list (several graphs may share one
    /// recording).
    pub(super) layer_base: u32,
}

/// What one worker keeps while it runs tasks: its index, the end of its last task (the start of
/// its next one), and, when recording, its records, handed over once when it stops.
pub(super) struct Local {
    pub(super) worker: usize,
    pub(super) clock: Option<Instant>,
    pub(super) log: Vec<RawRecord>,
    /// Tasks this worker has run, added to the run's count when it stops.
    pub(super) ran: usize,
}

impl Observers {
    /// A worker's state as it joins a run of `tasks` tasks. A thread that joins again takes
    /// back the records it handed over when it last left, so that each thread reserves room
    /// once.
    pub(super) fn local(&self, tasks: usize) -> Local {
        let worker = rayon::current_thread_index().unwrap_or(0);
        let observed = !self.callbacks.is_empty() || self.recording.is_some();
        let log = match &self.recording {
            None => Vec::new(),
            Some(r) => {
                let mut logs = lock(&r.logs);
                match logs.iter().position(|(w, _)| *w == worker) {
                    Some(i) => logs.swap_remove(i).1,
                    None => {
                        // Room for a fair share of the records up front: growing the list
                        // would copy it.
                        let threads = rayon::current_num_threads().max(1);
                        let share = tasks / threads + tasks / (4 * threads);
                        Vec::with_capacity(share + 16)
                    }
                }
            }
        };
        Local {
            worker,
            clock: observed.then(Instant::now),
            log,
            ran: 0,
        }
    }

    /// Hands a worker's records over to the recording.
    pub(super) fn flush_log(&self, worker: usize, log: Vec<RawRecord>) {
        if let Some(r) = &self.recording {
            lock(&r.logs).push((worker, log));
        }
    }
}
