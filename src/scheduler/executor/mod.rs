//! Runs a [`TaskGraph`]: dependency counting, depth-first continuation, prompt release.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

mod observers;
mod queue;
mod state;
mod topology;

use observers::{Local, Observers};
use queue::Work;
use state::RunState;
use topology::Topology;

use super::budget::{Admit, Budget, over_budget};
use super::observe::{Callback, RawRecord, Recording, TaskInfo};
use super::task::{TaskGraph, TaskId, Value, task_name};
use crate::error::{Error, Result, panic_message};

/// One run of a graph: its topology, its changing state, who watches it, and the memory
/// admission (the concerns live in the files beside this one; this one runs the tasks).
pub(super) struct Exec<'a> {
    topo: Topology<'a>,
    state: RunState,
    observers: Observers,
    /// The memory limit and the bytes held, when the scheduler has one. Without one, each
    /// admission is one `None` test.
    budget: Option<Budget>,
    /// Tasks whose values come from outside while the graph runs ([`Feed::supply`]) instead
    /// of being run here; empty when none do.
    external: Vec<bool>,
    /// Called when the last worker in leaves (nothing to run, or the run failed), for whoever
    /// supplies the external tasks' values and waits meanwhile.
    on_idle: Option<Box<dyn Fn() + Send + Sync + 'a>>,
    /// Whether tasks start in the budget's fixed order (see [`Budget`]).
    ordered: bool,
}

/// How far past the order's cursor, per thread, a task may start early (see [`Budget`]).
const EARLY_WINDOW: usize = 32;

impl<'a> Exec<'a> {
    pub(super) fn new(
        graph: TaskGraph<'a>,
        keep: &[TaskId],
        callbacks: Arc<[Arc<dyn Callback>]>,
        recording: Option<Arc<Recording>>,
        budget: Option<Budget>,
        layer_base: u32,
        external: &[TaskId],
    ) -> Self {
        let topo = Topology::new(graph);
        let ordered = budget.as_ref().is_some_and(|b| b.order().is_some());
        let state = RunState::new(&topo, keep, ordered);
        let external = if external.is_empty() {
            Vec::new()
        } else {
            let mut marked = vec![false; topo.len()];
            external.iter().for_each(|&t| marked[t as usize] = true);
            marked
        };
        Exec {
            topo,
            state,
            observers: Observers {
                callbacks,
                recording,
                layer_base,
            },
            budget,
            external,
            on_idle: None,
            ordered,
        }
    }

    /// Tasks with no dependencies that run here, in the order they were added.
    pub(super) fn roots(&self) -> Vec<TaskId> {
        (0..self.topo.len())
            .filter(|&t| self.topo.inputs_of(t).is_empty())
            .filter(|&t| !self.external.get(t).is_some_and(|&e| e))
            .map(|t| t as TaskId)
            .collect()
    }

    /// A worker's state as it joins the computation.
    fn local(&self) -> Local {
        self.observers.local(self.topo.len())
    }

    /// Counts a worker's tasks in and hands its records over to the recording.
    fn flush(&self, local: Local) {
        // Release: a driver that sees every task counted sees what they did (`Feed::finished`).
        self.state.ran.fetch_add(local.ran, Ordering::Release);
        self.observers.flush_log(local.worker, local.log);
    }

    /// Runs `first`, then keeps running one newly ready dependent on this thread (so a chain
    /// stays on the core that has its data in cache) and hands the others to `spawn`.
    fn run(&self, first: TaskId, spawn: &mut dyn FnMut(TaskId), local: &mut Local) {
        // With callbacks or a recording, one clock reading per task: a task starts when the
        // previous one on this worker ended.
        let observed = local.clock.is_some();
        let mut id = first;
        loop {
            if self.state.failed.load(Ordering::Relaxed) {
                return;
            }
            let t = id as usize;
            let mut freed = 0;
            let (mut released, mut released_early) = (0, 0);
            let mut inputs: Vec<Value> = self
                .topo
                .inputs_of(t)
                .iter()
                .map(|&d| {
                    let (v, last) = self.state.take_input(d);
                    if observed && last {
                        freed += (self.topo.measure)(&v);
                    }
                    if last && let Some(b) = &self.budget {
                        let (out, early) = b.freed_by(d);
                        released += out;
                        released_early += early;
                    }
                    v
                })
                .collect();
            let (layer_id, block) = self.topo.keys[t];
            let layer = &self.topo.layers[layer_id as usize];
            let mut info = local.clock.map(|start| TaskInfo {
                id: t,
                layer: layer_id as usize,
                op: &layer.name,
                block,
                grid: &layer.grid,
                worker: local.worker,
                start,
                end: None,
                bytes: 0,
                freed,
            });
            if let Some(info) = &info {
                self.observers
                    .callbacks
                    .iter()
                    .for_each(|c| c.on_task_start(info));
            }
            #[cfg(feature = "tracing")]
            let span = tracing::trace_span!("task", op = %layer.name, block).entered();
            let result = catch_unwind(AssertUnwindSafe(|| layer.run(block, &mut inputs)));
            #[cfg(feature = "tracing")]
            drop(span);
            if let Some(info) = &mut info {
                let end = Instant::now();
                local.clock = Some(end);
                info.end = Some(end);
                if let Ok(Ok(Some(v))) = &result {
                    info.bytes = (self.topo.measure)(v);
                }
                let ok = matches!(result, Ok(Ok(_)));
                if let Some(r) = &self.observers.recording {
                    let since = |t: Instant| t.saturating_duration_since(r.base).as_nanos() as u64;
                    local.log.push(RawRecord {
                        layer: self.observers.layer_base + layer_id,
                        block,
                        start: since(info.start),
                        end: since(end),
                        bytes: info.bytes,
                        freed: info.freed,
                        ok,
                    });
                }
                self.observers
                    .callbacks
                    .iter()
                    .for_each(|c| c.on_task_finish(info, ok));
            }
            drop(inputs);
            local.ran += 1;
            // Keep the value for its readers, or turn the failure into the run's error.
            let (kept, failure) = match result {
                Ok(Ok(value)) => (self.state.keep(t, value), None),
                Ok(Err(e)) => (
                    false,
                    Some(e.in_task(|| task_name(&self.topo.layers, self.topo.keys[t]))),
                ),
                Err(payload) => (
                    false,
                    Some(Error::TaskPanicked {
                        task: task_name(&self.topo.layers, self.topo.keys[t]),
                        message: panic_message(&*payload),
                    }),
                ),
            };
            let next = match failure {
                None if self.ordered => {
                    self.count_readers(t);
                    None
                }
                None => self.release_readers(t, spawn),
                Some(_) => None,
            };
            // Under a memory budget, this task's reservation is given back only once the
            // readers it made ready are queued or admitted: a worker that found nothing
            // running and nothing ready in between would start a root past the room kept for
            // them, and the next reader would not fit.
            if let Some(b) = &self.budget {
                b.finished(id, kept, released, released_early);
            }
            if let Some(e) = failure {
                return self.fail(e);
            }
            let Some(n) = next else { return };
            id = n;
        }
    }

    /// Counts ended task `t` out of its readers' inputs: those it made ready are queued but
    /// one, which is admitted for this worker to run next if it fits (and queued if not).
    fn release_readers(&self, t: usize, spawn: &mut dyn FnMut(TaskId)) -> Option<TaskId> {
        let mut next = None;
        for &r in self.topo.readers_of(t) {
            if self.state.waiting[r as usize].fetch_sub(1, Ordering::AcqRel) == 1 {
                match next {
                    None => next = Some(r),
                    Some(_) => spawn(r),
                }
            }
        }
        match next {
            Some(n) if self.admit(n, false) => Some(n),
            // Not now: another worker (or this one) runs it when memory is freed.
            Some(n) if !self.state.failed.load(Ordering::Relaxed) => {
                spawn(n);
                None
            }
            _ => None,
        }
    }

    /// In a run with a fixed order (see [`Budget`]): counts ended task `t` out of its readers'
    /// inputs; they start when the order reaches them. (Apart from [`Exec::release_readers`],
    /// so that the unlimited run's per-task path stays as small as it was.)
    #[inline(never)]
    fn count_readers(&self, t: usize) {
        for &r in self.topo.readers_of(t) {
            self.state.waiting[r as usize].fetch_sub(1, Ordering::AcqRel);
        }
    }

    /// The order tasks start in, if the memory budget fixes one.
    fn order(&self) -> Option<&[TaskId]> {
        self.budget.as_ref().and_then(Budget::order)
    }

    /// Whether task `t` may start now under the memory budget (always, without one); reserves
    /// its bytes if so. A task that cannot fit even with nothing running fails the run.
    fn admit(&self, t: TaskId, root: bool) -> bool {
        let Some(b) = &self.budget else {
            return true;
        };
        match b.admit(t, root) {
            Admit::Yes => true,
            Admit::Later => false,
            Admit::Never { projected, held } => {
                let key = self.topo.keys[t as usize];
                self.fail(over_budget(
                    &self.topo.layers,
                    key,
                    projected,
                    b.limit(),
                    held,
                ));
                false
            }
        }
    }

    /// The kept values, or the first error.
    pub(super) fn finish(self, keep: &[TaskId]) -> Result<Vec<Value>> {
        let tasks = self.topo.len();
        self.state.finish(keep, tasks)
    }

    /// Stops the run with `e`, unless it already failed.
    fn fail(&self, e: Error) {
        self.state.fail(e);
    }

    /// Runs every task in the calling thread, depth first.
    pub(super) fn run_synchronous(&self) {
        let mut stack: Vec<TaskId> = Vec::new();
        let mut spawned: Vec<TaskId> = Vec::new();
        let mut local = self.local();
        local.worker = 0;
        if let Some(order) = self.order() {
            for &t in order {
                if self.state.failed.load(Ordering::Relaxed) || !self.admit(t, false) {
                    break;
                }
                self.run(t, &mut |_| {}, &mut local);
            }
            return self.flush(local);
        }
        for root in self.roots() {
            if !self.admit(root, true) {
                break;
            }
            stack.push(root);
            while let Some(t) = stack.pop() {
                if t != root && !self.admit(t, false) {
                    break;
                }
                self.run(t, &mut |r| spawned.push(r), &mut local);
                stack.extend(spawned.drain(..).rev());
            }
            if self.state.failed.load(Ordering::Relaxed) {
                break;
            }
        }
        self.flush(local);
    }

    /// Runs every task on up to `threads` workers of the calling rayon pool, returning when all
    /// have run (or the run failed).
    ///
    /// Workers share one ordered cursor over the roots and one stack of ready tasks, and always
    /// take a ready task before starting a new root: every worker advances the same front
    /// through the roots, in order, and partial results are consumed as soon as they can be
    /// (dask's "finish what you started"), so the blocks alive at once stay few.
    ///
    /// **No worker ever blocks.** A worker that finds nothing to run leaves (its rayon job
    /// returns), and whoever makes a task ready while fewer than `threads` workers are in
    /// starts another. The only wait is rayon's own, at the end of the scope, and rayon waits by
    /// running other jobs; since no job waits on anything but its own nested computations, a
    /// compute nested in a task, on any pool, cannot deadlock (see the README's "Nesting").
    pub(super) fn run_parallel(&self, threads: usize) {
        let work = self.work(threads);
        rayon::scope(|s| self.spawn_workers(s, &work));
    }

    /// Runs every task on up to `threads` workers of `pool`, as [`Exec::run_parallel`] does,
    /// while `drive` runs on the calling thread and supplies the external tasks' values through
    /// the [`Feed`] it gets; returns what `drive` returns, once it has and every worker has
    /// stopped. `on_idle` is called each time the last worker in leaves, so that `drive` need
    /// not poll for that.
    // Used only by the MPI backend (`dist`, feature `mpi`), which supplies tasks from outside.
    #[allow(dead_code)]
    pub(super) fn run_fed<R>(
        &mut self,
        pool: &rayon::ThreadPool,
        on_idle: Box<dyn Fn() + Send + Sync + 'a>,
        drive: impl FnOnce(&Feed<'_, '_, 'a>) -> R,
    ) -> R {
        self.on_idle = Some(on_idle);
        let this = &*self;
        let work = this.work(pool.current_num_threads());
        // The calling thread drives (and may wait for arrivals) outside the pool, so that it
        // never takes a worker's place.
        pool.in_place_scope(|s| {
            this.spawn_workers(s, &work);
            drive(&Feed {
                exec: this,
                work: &work,
                scope: s,
            })
        })
    }

    /// The work queue of a parallel run on `threads` workers.
    fn work(&self, threads: usize) -> Work {
        // With a fixed order, the cursor runs over every task in it.
        let roots = match self.order() {
            Some(order) => order.to_vec(),
            None => self.roots(),
        };
        // Many tiny roots are claimed in batches, so that the shared cursor is not a contended
        // cache line; a few big ones one at a time, keeping the front narrow.
        let batch = if self.budget.is_some() {
            1 // each root is admitted on its own
        } else {
            (roots.len() / (threads * 256)).clamp(1, 256)
        };
        Work::new(roots, batch, threads)
    }

    /// Makes `t` ready to run, starting a worker for it if fewer than all are in.
    fn ready<'s>(&'s self, s: &rayon::Scope<'s>, work: &'s Work, t: TaskId) {
        work.ready.push(t);
        if work.active.load(Ordering::SeqCst) < work.threads {
            self.spawn_workers(s, work);
        }
    }

    /// Starts workers until `threads` are in.
    fn spawn_workers<'s>(&'s self, s: &rayon::Scope<'s>, work: &'s Work) {
        while work.enter() {
            s.spawn(move |s| self.worker(s, work));
        }
    }

    fn worker<'s>(&'s self, s: &rayon::Scope<'s>, work: &'s Work) {
        let _unwinding = FailOnUnwind(self);
        let mut local = self.local();
        loop {
            self.worker_loop(s, work, &mut local);
            // Leave, then look again: a task pushed after this worker last looked, by a worker
            // that saw it still in (so started nobody), must not be left behind.
            if work.active.fetch_sub(1, Ordering::SeqCst) == 1
                && let Some(idle) = &self.on_idle
            {
                idle();
            }
            // Under a memory budget, work left while tasks run waits for them to free memory;
            // the workers running them look again when they end.
            let waiting_for_memory = self.budget.as_ref().is_some_and(|b| !b.idle());
            if self.state.failed.load(Ordering::SeqCst)
                || !self.has_work(work)
                || waiting_for_memory
                || !work.enter()
            {
                break;
            }
        }
        self.flush(local);
    }

    /// Whether a task could start now: one is ready or a root is left, or, with a fixed order,
    /// the next in it has its inputs.
    fn has_work(&self, work: &Work) -> bool {
        if self.ordered {
            return self.next_in_order(work).is_some();
        }
        work.has_work()
    }

    /// With a fixed order, the task at its cursor and the cursor, if that task could start now
    /// (its inputs are made) or has started early (the cursor moves past it).
    fn next_in_order(&self, work: &Work) -> Option<(usize, TaskId)> {
        let i = work.next_root.load(Ordering::SeqCst);
        let &t = work.roots.get(i)?;
        let t_ = t as usize;
        (self.state.started[t_].load(Ordering::Acquire)
            || self.state.waiting[t_].load(Ordering::Acquire) == 0)
            .then_some((i, t))
    }

    /// Runs tasks until nothing is ready and no root is left to start.
    fn worker_loop<'s>(&'s self, s: &rayon::Scope<'s>, work: &'s Work, local: &mut Local) {
        let mut push = |r: TaskId| self.ready(s, work, r);
        if self.ordered {
            // In order: the next task starts once its inputs are made and it fits, or one a
            // little further on starts early. A worker that can start none leaves; whoever
            // finishes a task looks again, so the task that frees the way always has a worker
            // to start what it allows.
            while !self.state.failed.load(Ordering::Relaxed) {
                let Some(t) = self.claim_ordered(work) else {
                    return;
                };
                if work.active.load(Ordering::SeqCst) < work.threads {
                    self.spawn_workers(s, work);
                }
                self.run(t, &mut push, local);
            }
            return;
        }
        loop {
            if self.state.failed.load(Ordering::Relaxed) {
                return;
            }
            if let Some(t) = self.pop(work) {
                self.run(t, &mut push, local);
                continue;
            }
            if work.ready.has_ready() && self.budget.is_some() {
                return; // ready tasks wait for memory; new roots would only take more
            }
            let Some(first) = self.claim_roots(work) else {
                return;
            };
            let last = (first + work.batch).min(work.roots.len());
            for &root in &work.roots[first..last] {
                // Ready tasks first: finish what was started before the next root.
                while let Some(t) = self.pop(work) {
                    self.run(t, &mut push, local);
                }
                if self.state.failed.load(Ordering::Relaxed) {
                    return;
                }
                self.run(root, &mut push, local);
            }
        }
    }
}

/// Marks the run failed if a worker unwinds outside a task (a task's panic is caught and
/// becomes its error; this is a fault of the executor's own), so that a caller waiting for the
/// run to end or fail, as a cluster's communication thread does, stops waiting; the panic
/// then reaches it when the scope ends.
struct FailOnUnwind<'e, 'a>(&'e Exec<'a>);

impl Drop for FailOnUnwind<'_, '_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.state.failed.store(true, Ordering::Release);
        }
    }
}

impl Exec<'_> {
    /// The most recently readied task, if it may start now.
    fn pop(&self, work: &Work) -> Option<TaskId> {
        work.ready.pop_if(|t| self.admit(t, false))
    }

    /// With a fixed order, claims the next task to start, reserving its bytes: the cursor's,
    /// once its inputs are made and it fits; while the cursor's inputs are still being made, a
    /// ready task a little further on that may start early (see [`Budget`]).
    fn claim_ordered(&self, work: &Work) -> Option<TaskId> {
        let b = self.budget.as_ref()?;
        let order = &work.roots;
        loop {
            let i = work.next_root.load(Ordering::SeqCst);
            let &t = order.get(i)?;
            let move_on = || {
                let _ =
                    work.next_root
                        .compare_exchange(i, i + 1, Ordering::SeqCst, Ordering::SeqCst);
            };
            if self.state.started[t as usize].load(Ordering::Acquire) {
                move_on(); // started early
                continue;
            }
            if self.state.waiting[t as usize].load(Ordering::Acquire) == 0 {
                if !self.admit(t, false) {
                    return None; // waits for memory that running tasks will free
                }
                if self.state.start(t) {
                    move_on();
                    return Some(t);
                }
                b.unreserve(t);
                continue;
            }
            let end = (i + 1 + EARLY_WINDOW * work.threads).min(order.len());
            for &e in &order[i + 1..end] {
                let ready = self.state.waiting[e as usize].load(Ordering::Acquire) == 0;
                if !ready || self.state.started[e as usize].load(Ordering::Acquire) {
                    continue;
                }
                if !b.admit_early(e, i) {
                    return None;
                }
                if self.state.start(e) {
                    b.started_early(e);
                    return Some(e);
                }
                b.unreserve_early(e);
            }
            return None;
        }
    }

    /// Claims the next batch of roots, admitted under the memory budget; their first index.
    fn claim_roots(&self, work: &Work) -> Option<usize> {
        let Some(b) = &self.budget else {
            let first = work.next_root.fetch_add(work.batch, Ordering::SeqCst);
            return (first < work.roots.len()).then_some(first);
        };
        loop {
            let i = work.next_root.load(Ordering::SeqCst);
            let &root = work.roots.get(i)?;
            if !self.admit(root, true) {
                return None;
            }
            match work
                .next_root
                .compare_exchange(i, i + 1, Ordering::SeqCst, Ordering::SeqCst)
            {
                Ok(_) => return Some(i),
                // Another worker took it: give the reservation back and look again.
                Err(_) => b.unreserve(root),
            }
        }
    }
}

/// A run in progress whose external tasks' values arrive from outside (see
/// [`Exec::run_fed`]).
// Used only by the MPI backend (`dist`, feature `mpi`), which supplies tasks from outside.
#[allow(dead_code)]
pub(crate) struct Feed<'r, 's, 'a> {
    exec: &'s Exec<'a>,
    work: &'s Work,
    scope: &'r rayon::Scope<'s>,
}

// Used only by the MPI backend (`dist`, feature `mpi`), which supplies tasks from outside.
#[allow(dead_code)]
impl Feed<'_, '_, '_> {
    /// Gives external task `t` its value: the tasks that read it run once their other inputs
    /// are in too.
    pub(crate) fn supply(&self, t: TaskId, value: Value) {
        let exec = self.exec;
        debug_assert!(
            exec.external[t as usize],
            "only external tasks are supplied"
        );
        if exec.state.keep(t as usize, Some(value))
            && let Some(b) = &exec.budget
        {
            // Held from now until its last reader has run, like a value made here.
            b.supplied(t);
        }
        for &r in exec.topo.readers_of(t as usize) {
            if exec.state.waiting[r as usize].fetch_sub(1, Ordering::AcqRel) == 1 {
                exec.ready(self.scope, self.work, r);
            }
        }
        exec.state.ran.fetch_add(1, Ordering::Release);
    }

    /// Whether every task has run or been supplied: then every value a task handed anywhere
    /// has been handed.
    pub(crate) fn finished(&self) -> bool {
        self.exec.state.ran.load(Ordering::Acquire) == self.exec.topo.keys.len()
    }

    /// Whether no worker is in: nothing can run until a value is supplied (or memory is
    /// freed).
    pub(crate) fn idle(&self) -> bool {
        self.work.active.load(Ordering::SeqCst) == 0
    }

    /// Whether the run has failed (a task's error, or [`Feed::cancel`]).
    pub(crate) fn failed(&self) -> bool {
        self.exec.state.failed.load(Ordering::Acquire)
    }

    /// Stops the run with `e`, unless it already failed: tasks not yet started are skipped.
    pub(crate) fn cancel(&self, e: Error) {
        self.exec.state.fail(e);
    }
}
