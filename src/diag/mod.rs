//! Diagnostics: where a computation spends its time, and what its graph looks like.
//!
//! - [`Array::compute_profiled`] returns a [`Profile`]: every task's operation, block, worker,
//!   start, end and bytes, with a [`Summary`] and a Chrome trace
//!   ([`Profile::write_chrome_trace`]).
//! - [`Array::explain`] prints the plan (operations, blocks, tasks, what was fused and culled),
//!   and [`Array::to_dot`] draws the task graph for Graphviz.
//! - Progress bars and custom hooks are on the scheduler:
//!   [`Scheduler::with_progress`](crate::Scheduler::with_progress) and
//!   [`Callback`](crate::Callback).
#![forbid(unsafe_code)]

mod dot;
mod profile;

use std::sync::Arc;
use std::time::Instant;

use ndarray::ArrayD;

pub use profile::{OpTime, Profile, RankTraffic, Summary, TaskRecord};

use crate::array::Array;
use crate::error::Result;
use crate::expr::block::Element;
use crate::scheduler::{Recording, Scheduler};

impl<T: Element> Array<T> {
    /// Computes the array on `scheduler` and records every task: see [`Profile`].
    ///
    /// Recording costs one clock reading and one push onto the worker's own list per task.
    ///
    /// # Errors
    ///
    /// As [`Array::compute_with`].
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, Scheduler};
    /// let x = Array::<f64>::ones(&[100, 100], [50, 50])?.map(|v| v + 1.0);
    /// let (y, profile) = x.compute_profiled(&Scheduler::threads(2))?;
    /// assert_eq!(y[[0, 0]], 2.0);
    /// assert_eq!(profile.tasks().len(), 4);
    /// // The source is fused into the map: each task makes its block of ones and maps it.
    /// assert!(profile.tasks().iter().all(|t| &*t.op == "full+map" && t.ok));
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn compute_profiled(&self, scheduler: &Scheduler) -> Result<(ArrayD<T>, Profile)> {
        let started = Instant::now();
        let recording = Arc::new(Recording::new(started));
        let out = self.compute_with(&scheduler.with_recording(recording.clone()))?;
        let wall = started.elapsed();
        let mut profile =
            Profile::from_recording(&recording, started, wall, scheduler.num_threads());
        profile.add_ranks(scheduler);
        Ok((out, profile))
    }
}
