//! The memory budget: projected bytes per task, a check of the plan before anything runs, and
//! the admission rule that keeps a run under the limit.
//!
//! Every number here is a projection from the chunk shapes and element sizes (the lowering layer
//! supplies them per layer, see [`TaskBytes`]), not a measurement, so that a plan can be refused
//! before any task runs and the executor needs no clock or allocator hooks.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::task::{Layer, TaskBytes, TaskGraph, TaskId, block_index};
use crate::error::{Error, Result};

/// Projected bytes of every task of a graph.
pub(crate) struct Projection {
    /// Bytes kept by each task for its readers.
    pub(crate) out: Vec<usize>,
    /// Bytes each task adds while it runs: its output and its scratch.
    pub(crate) reserve: Vec<usize>,
    /// Peak of each task while it runs: its inputs plus its reserve.
    pub(crate) peak: Vec<usize>,
}

impl Projection {
    pub(crate) fn of(graph: &TaskGraph<'_>) -> Projection {
        let n = graph.len();
        let mut out = Vec::with_capacity(n);
        let mut reserve = Vec::with_capacity(n);
        let mut peak = Vec::with_capacity(n);
        for t in 0..n {
            let (layer, block) = graph.keys[t];
            let b = graph.layers[layer as usize]
                .bytes
                .as_ref()
                .map_or_else(TaskBytes::default, |f| f(block));
            let inputs: usize = graph
                .deps_of(t as TaskId)
                .iter()
                .map(|&d| out[d as usize])
                .sum();
            out.push(b.out);
            reserve.push(b.out + b.scratch);
            peak.push(inputs + b.out + b.scratch);
        }
        Projection { out, reserve, peak }
    }

    /// The peak of the bytes held when the graph runs on one thread, depth first, in the
    /// synchronous scheduler's order (the smallest front this executor keeps): values kept for
    /// readers plus the running task's output and scratch.
    pub(crate) fn sequential_peak(&self, graph: &TaskGraph<'_>, keep: &[TaskId]) -> usize {
        self.sequential(graph, keep).peak
    }

    /// The graph's tasks in the synchronous scheduler's order, and the peak of the bytes held
    /// when they run one at a time in that order.
    fn sequential(&self, graph: &TaskGraph<'_>, keep: &[TaskId]) -> Sequential {
        let n = graph.len();
        let mut readers = vec![0u32; n];
        for &d in &graph.deps {
            readers[d as usize] += 1;
        }
        for &k in keep {
            readers[k as usize] += 1;
        }
        let mut order = Vec::with_capacity(n);
        let mut step = Vec::with_capacity(n);
        let mut held = 0usize;
        let mut peak = Sequential {
            order: Vec::new(),
            suffix_peak: Vec::new(),
            peak: 0,
            at: 0,
            held: 0,
        };
        for_each_in_synchronous_order(graph, |t| {
            order.push(t);
            let t = t as usize;
            step.push(held + self.reserve[t]);
            if held + self.reserve[t] > peak.peak {
                (peak.peak, peak.at, peak.held) = (held + self.reserve[t], t as TaskId, held);
            }
            held += if readers[t] > 0 { self.out[t] } else { 0 };
            for &d in graph.deps_of(t as TaskId) {
                readers[d as usize] -= 1;
                if readers[d as usize] == 0 {
                    held -= self.out[d as usize];
                }
            }
        });
        peak.order = order;
        // The most held from each step on: what running the rest in order still needs.
        let mut suffix = vec![0usize; step.len() + 1];
        for i in (0..step.len()).rev() {
            suffix[i] = suffix[i + 1].max(step[i]);
        }
        peak.suffix_peak = suffix;
        peak
    }
}

/// A run of a graph one task at a time in the synchronous order.
struct Sequential {
    /// Every task, in the order run.
    order: Vec<TaskId>,
    /// For each place in the order (and one past the end, 0): the most bytes held at once by
    /// the run from there on.
    suffix_peak: Vec<usize>,
    /// The most bytes held at once: values kept for readers plus the running task's reserve.
    peak: usize,
    /// The task running at the peak, and the bytes held by values then.
    at: TaskId,
    held: usize,
}

/// Visits the tasks in the order [`super::Scheduler::synchronous`] runs them: roots in order,
/// each followed depth first by what it makes ready.
fn for_each_in_synchronous_order(graph: &TaskGraph<'_>, mut f: impl FnMut(TaskId)) {
    let n = graph.len();
    let mut waiting: Vec<u32> = (0..n)
        .map(|t| graph.dep_start[t + 1] - graph.dep_start[t])
        .collect();
    let mut dependents: Vec<Vec<TaskId>> = vec![Vec::new(); n];
    for t in 0..n as TaskId {
        for &d in graph.deps_of(t) {
            dependents[d as usize].push(t);
        }
    }
    let roots: Vec<TaskId> = (0..n as TaskId)
        .filter(|&t| waiting[t as usize] == 0)
        .collect();
    let mut stack = Vec::new();
    for root in roots {
        stack.push(root);
        while let Some(t) = stack.pop() {
            f(t);
            let start = stack.len();
            for &r in &dependents[t as usize] {
                waiting[r as usize] -= 1;
                if waiting[r as usize] == 0 {
                    stack.push(r);
                }
            }
            stack[start..].reverse();
        }
    }
}

/// The limit of one run and the bytes it holds now.
///
/// A run that has its whole graph (every run in one process) follows one fixed order, the
/// synchronous scheduler's, whose peak [`Budget::plan`] has checked against the limit. The
/// next task in the order (the cursor) starts once its inputs are made and it fits beside what
/// is held and running. A task further on may start early, ahead of the cursor, only while
/// the outputs of early tasks (`early`, reserved when each starts and given back when its
/// value is freed) fit beside the most the in-order run still needs from the cursor on
/// (`suffix_peak`): `early + out + suffix_peak[cursor] <= limit`.
///
/// ```text
///   order:   a0 a1 b0 a2 b1 c0 c1 ...   done: a prefix, plus some early tasks (*)
///            | done | run | b1  c0* c1  nothing running => held <= one-thread held + early
/// ```
///
/// Why an accepted plan never runs out of room: whenever nothing is running, the tasks done
/// are a prefix of the order plus early ones, so the values held are at most those the
/// one-thread run holds at the cursor plus the early outputs still held; running the rest in
/// order from there needs at most `suffix_peak[cursor] + early`, which the rule kept within
/// the limit (and the cursor only moves on, so `suffix_peak` only falls).
///
/// A rank's share of a cluster's graph (values arriving from other ranks at any time) has no
/// such order: there new roots start only while they leave room for one task after them, and a
/// run whose held blocks leave no room even with nothing running stops with an error.
pub(super) struct Budget {
    limit: usize,
    /// Bytes each task keeps for its readers.
    out: Vec<usize>,
    /// Bytes each task adds while it runs: its output and scratch.
    reserve: Vec<usize>,
    /// Room kept free when a new root starts, so that a task it makes ready can run (without
    /// an order).
    headroom: usize,
    /// The order tasks follow, when the run has its whole graph.
    order: Option<Ordered>,
    /// The bytes held now. One lock over both counts: an admission reading them apart could
    /// see a task's reservation already given back but not yet the value it kept, and admit
    /// past the limit.
    counts: Mutex<Counts>,
}

#[derive(Default)]
struct Counts {
    /// Bytes of values kept for readers.
    held: usize,
    /// Bytes reserved by the tasks running now.
    in_flight: usize,
    /// Bytes of the outputs of tasks started ahead of the order's cursor, from their start
    /// until their value is freed (or was not kept).
    early: usize,
    /// Bytes freed by readers that ended before the task that made the value was counted
    /// done (it makes its readers ready before it ends): taken from `held` once it is.
    owed: usize,
}

/// The fixed order of a run that has its whole graph (see [`Budget`]).
struct Ordered {
    tasks: Vec<TaskId>,
    suffix_peak: Vec<usize>,
    /// Which tasks started ahead of the cursor.
    early: Vec<AtomicBool>,
}

/// Whether a task may start now.
pub(super) enum Admit {
    Yes,
    /// Not now: wait for running tasks to free memory.
    Later,
    /// Nothing is running and it still does not fit: it needs `projected` bytes, `held` of them
    /// by values kept for readers.
    Never {
        projected: usize,
        held: usize,
    },
}

impl Budget {
    /// Projects every task of `graph` and refuses the plan if one task alone needs more than
    /// `limit`. A run of the `whole` graph (`keep` the tasks whose values it returns) is also
    /// refused unless a run one task at a time in the synchronous order stays within `limit`,
    /// and then starts its tasks in that order (see [`Budget`]).
    pub(super) fn plan(
        graph: &TaskGraph<'_>,
        keep: &[TaskId],
        limit: usize,
        whole: bool,
    ) -> Result<Budget> {
        let p = Projection::of(graph);
        // Name the largest task, so that the advice fits every task.
        if let Some(t) = (0..graph.len()).max_by_key(|&t| p.peak[t])
            && p.peak[t] > limit
        {
            return Err(over_budget(
                &graph.layers,
                graph.keys[t],
                p.peak[t],
                limit,
                0,
            ));
        }
        let order = if whole {
            let run = p.sequential(graph, keep);
            if run.peak > limit {
                return Err(over_budget(
                    &graph.layers,
                    graph.keys[run.at as usize],
                    run.peak,
                    limit,
                    run.held,
                ));
            }
            let early = (0..graph.len()).map(|_| AtomicBool::new(false)).collect();
            Some(Ordered {
                tasks: run.order,
                suffix_peak: run.suffix_peak,
                early,
            })
        } else {
            None
        };
        let headroom = (0..graph.len())
            .filter(|&t| graph.dep_start[t] != graph.dep_start[t + 1])
            .map(|t| p.reserve[t])
            .max()
            .unwrap_or(0);
        Ok(Budget {
            limit,
            out: p.out,
            reserve: p.reserve,
            headroom,
            order,
            counts: Mutex::default(),
        })
    }

    /// The order tasks follow, if the run has one (see [`Budget`]).
    pub(super) fn order(&self) -> Option<&[TaskId]> {
        self.order.as_ref().map(|o| o.tasks.as_slice())
    }

    /// Reserves task `t`'s bytes to start it ahead of the order's cursor at `cursor`, if it
    /// fits beside what is held and running and its output beside the other early outputs and
    /// what the run still needs from the cursor on (see [`Budget`]). The caller then either
    /// claims the task and calls [`Budget::started_early`], or gives the bytes back with
    /// [`Budget::unreserve_early`].
    pub(super) fn admit_early(&self, t: TaskId, cursor: usize) -> bool {
        let Some(order) = &self.order else {
            return false;
        };
        let (need, out) = (self.reserve[t as usize], self.out[t as usize]);
        let mut c = self.counts();
        let fits = c.held + c.in_flight + need <= self.limit
            && c.early + out + order.suffix_peak[cursor] <= self.limit;
        if fits {
            c.in_flight += need;
            c.early += out;
        }
        fits
    }

    /// Early task `t`, admitted by [`Budget::admit_early`], has been claimed: its value's
    /// bytes leave `early` when it is freed. Marked only now, by the one worker that claimed
    /// it: a worker whose claim lost the race must not mark (or unmark) a task that runs in
    /// order, or runs early on another's reservation, and whose readers may already be
    /// freeing it.
    pub(super) fn started_early(&self, t: TaskId) {
        let order = self.order.as_ref().expect("only ordered runs start early");
        order.early[t as usize].store(true, Ordering::Relaxed);
    }

    /// Gives back the reservation of early task `t`, which this worker did not start after all.
    pub(super) fn unreserve_early(&self, t: TaskId) {
        let mut c = self.counts();
        c.in_flight -= self.reserve[t as usize];
        c.early -= self.out[t as usize];
    }

    /// The bytes task `t`'s value holds, and the same if it started early (else 0): what its
    /// last reader frees of `held` and of `early`.
    pub(super) fn freed_by(&self, t: TaskId) -> (usize, usize) {
        let out = self.out[t as usize];
        let early = self
            .order
            .as_ref()
            .is_some_and(|o| o.early[t as usize].load(Ordering::Relaxed));
        (out, if early { out } else { 0 })
    }

    /// Reserves task `t`'s bytes if it fits beside what is held and running. A root also needs
    /// room for one task after it, so that starting roots never leaves their readers no room.
    /// When nothing runs, a task that fits beside the held values alone starts anyway (someone
    /// must), and one that does not is an error.
    pub(super) fn admit(&self, t: TaskId, root: bool) -> Admit {
        let need = self.reserve[t as usize];
        let extra = if root { self.headroom } else { 0 };
        let mut c = self.counts();
        if c.in_flight == 0 && c.held + need > self.limit {
            return Admit::Never {
                projected: c.held + need,
                held: c.held,
            };
        }
        if c.in_flight == 0 || c.held + c.in_flight + need + extra <= self.limit {
            c.in_flight += need;
            Admit::Yes
        } else {
            Admit::Later
        }
    }

    /// Whether any task is running.
    pub(super) fn idle(&self) -> bool {
        self.counts().in_flight == 0
    }

    pub(super) fn limit(&self) -> usize {
        self.limit
    }

    /// Gives back the reservation of task `t`, which did not start after all.
    pub(super) fn unreserve(&self, t: TaskId) {
        self.counts().in_flight -= self.reserve[t as usize];
    }

    /// Task `t` has ended: its value is `kept` for readers or not, and it freed the inputs it
    /// was the last reader of: `released` bytes of them, `released_early` of those the outputs
    /// of early tasks. A reader can end before the task that made its input does (the maker
    /// makes its readers ready, then ends): bytes it frees that are not yet held are owed,
    /// and taken from `held` as soon as they are.
    pub(super) fn finished(&self, t: TaskId, kept: bool, released: usize, released_early: usize) {
        let early_unkept = !kept && self.freed_by(t).1 > 0;
        let mut c = self.counts();
        if kept {
            c.held += self.out[t as usize];
        }
        let owed = c.owed + released;
        let paid = owed.min(c.held);
        c.held -= paid;
        c.owed = owed - paid;
        c.in_flight -= self.reserve[t as usize];
        c.early -= released_early;
        if early_unkept {
            c.early -= self.out[t as usize];
        }
    }

    /// The counts, locked. Only sums run under the lock, each finished before it is let go, so
    /// the counts behind a poisoned lock are still whole.
    fn counts(&self) -> MutexGuard<'_, Counts> {
        self.counts.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

// Used only by the MPI backend (`dist`, feature `mpi`), which supplies tasks from outside.
#[allow(dead_code)]
impl Budget {
    /// External task `t`'s value has been supplied and is kept for its readers.
    pub(super) fn supplied(&self, t: TaskId) {
        self.counts().held += self.out[t as usize];
    }
}

/// [`Error::OverMemoryBudget`] for the task of `key` among `layers`, with a block shape that
/// would fit.
pub(super) fn over_budget(
    layers: &[Layer<'_>],
    (layer, block): (u32, usize),
    projected: usize,
    limit: usize,
    held: usize,
) -> Error {
    let layer = &layers[layer as usize];
    let chunk = &layer.chunk;
    let advice = if held == 0 || !layer.whole.is_empty() {
        // With axes read whole, blocks cut along them wait for each other: one chunk along
        // them ends that, and the task's own size is what is left to shrink.
        advice(chunk, &layer.whole, projected, limit, Shrink::Largest)
    } else {
        // The held blocks are the front of a run in row-major block order, which spans the
        // later axes whole: only thinner blocks along the first axes make it smaller.
        advice(chunk, &layer.whole, projected, limit, Shrink::First)
    };
    Error::OverMemoryBudget {
        op: layer.name.clone(),
        block: block_index(&layer.grid, block),
        projected,
        limit,
        held,
        advice,
    }
}

/// Which axis of a block [`advice`] halves next.
#[derive(Clone, Copy)]
enum Shrink {
    /// The longest: a task's own bytes go with its block's size.
    Largest,
    /// The first longer than 1: a front of held blocks goes with their extent along it.
    First,
}

/// A block shape for which `projected` bytes, made with blocks of `chunk`, would fit in
/// `room`: an axis (not one of `whole`, which the operation needs whole) is halved until the
/// projection scaled by the block's size fits in three quarters of the room, leaving the rest
/// for what does not shrink with the block (ghost cells).
fn advice(
    chunk: &[usize],
    whole: &[usize],
    projected: usize,
    room: usize,
    shrink: Shrink,
) -> String {
    if chunk.is_empty() || room == 0 {
        return "raise the limit".to_string();
    }
    let mut shape = chunk.to_vec();
    let elems = |s: &[usize]| s.iter().product::<usize>().max(1) as f64;
    let full = elems(chunk);
    while projected as f64 * elems(&shape) / full > 0.75 * room as f64 {
        let mut cuttable = shape.iter().enumerate().filter(|(k, _)| !whole.contains(k));
        let next = match shrink {
            Shrink::Largest => cuttable.max_by_key(|&(_, &m)| m),
            Shrink::First => cuttable.find(|&(_, &m)| m > 1),
        };
        let Some((k, &m)) = next.filter(|&(_, &m)| m > 1) else {
            return "raise the limit: even blocks of one element would not fit".to_string();
        };
        shape[k] = m.div_ceil(2);
    }
    if whole.is_empty() {
        return format!("rechunk to blocks of about {shape:?} (now {chunk:?}), or raise the limit");
    }
    let sizes: Vec<String> = shape
        .iter()
        .enumerate()
        .map(|(k, m)| {
            if whole.contains(&k) {
                "whole".to_string()
            } else {
                m.to_string()
            }
        })
        .collect();
    format!(
        "rechunk to blocks of about [{}] (now {chunk:?}): the operation reads axes {whole:?} whole, so blocks cut along them wait for each other; or raise the limit",
        sizes.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::task::Work;

    /// `n` makers keeping 100 bytes each, and a user of each with 100 bytes of scratch that
    /// frees its maker's value.
    fn pairs(n: usize) -> TaskGraph<'static> {
        let mut g = TaskGraph::new();
        let noop = || Work::Shared(Box::new(|_, _| Ok(None)));
        let make = g.add_layer("make", vec![n], noop());
        g.layers[make as usize].bytes = Some(Box::new(|_| TaskBytes {
            out: 100,
            scratch: 0,
        }));
        let using = g.add_layer("use", vec![n], noop());
        g.layers[using as usize].bytes = Some(Box::new(|_| TaskBytes {
            out: 0,
            scratch: 100,
        }));
        let made: Vec<TaskId> = (0..n).map(|i| g.add_task(make, i, [])).collect();
        for (i, &m) in made.iter().enumerate() {
            g.add_task(using, i, [m]);
        }
        g
    }

    /// Admits `t`, waiting while it does not fit, and checks that what is held and reserved
    /// stays within the limit once it is in.
    fn admit_within(b: &Budget, t: TaskId, root: bool) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            match b.admit(t, root) {
                Admit::Yes => break,
                Admit::Later if std::time::Instant::now() < deadline => std::thread::yield_now(),
                Admit::Later => panic!("task {t} never fitted"),
                Admit::Never { projected, .. } => panic!("task {t} refused: {projected} bytes"),
            }
        }
        let c = b.counts();
        assert!(
            c.held + c.in_flight <= b.limit,
            "{} held and {} reserved past the limit of {}",
            c.held,
            c.in_flight,
            b.limit
        );
    }

    /// Workers starting and ending tasks at once never hold and reserve more than the limit
    /// between them: a task ending (its reservation given back, its value now held) is seen
    /// whole or not at all by an admission. Each worker follows the executor's order: a reader
    /// made ready is admitted before its maker's reservation is given back.
    #[test]
    fn concurrent_admissions_stay_within_the_limit() {
        let (n, workers) = (4000, 4);
        let g = pairs(n);
        let b = Budget::plan(&g, &[], 450, false).unwrap();
        assert_eq!(b.headroom, 100);
        std::thread::scope(|s| {
            for w in 0..workers {
                let b = &b;
                s.spawn(move || {
                    for i in (w..n).step_by(workers) {
                        let (make, using) = (i as TaskId, (n + i) as TaskId);
                        admit_within(b, make, true);
                        admit_within(b, using, false);
                        b.finished(make, true, 0, 0);
                        b.finished(using, false, 100, 0);
                    }
                });
            }
        });
        let c = b.counts();
        assert_eq!((c.held, c.in_flight), (0, 0), "every byte given back");
    }

    /// A worker that reserves a task to start early but loses the claim to one that runs it at
    /// the cursor leaves no mark: the task's reader frees its value from `held` only, and every
    /// count returns to zero. (Marking the task at its reservation once let the reader take its
    /// bytes from `early` and the losing worker take them again: an overflow.)
    #[test]
    fn a_lost_early_claim_leaves_no_mark() {
        let g = pairs(2);
        let b = Budget::plan(&g, &[], 1000, true).unwrap();
        // Worker A starts maker 0 at the cursor.
        assert!(matches!(b.admit(0, false), Admit::Yes));
        // Worker B saw it ready and not started, and reserves it to start early.
        assert!(b.admit_early(0, 0));
        b.finished(0, true, 0, 0);
        // The reader runs and frees maker 0 before B finds its claim lost.
        assert!(matches!(b.admit(2, false), Admit::Yes));
        let (out, early) = b.freed_by(0);
        assert_eq!((out, early), (100, 0), "maker 0 did not start early");
        b.finished(2, false, out, early);
        b.unreserve_early(0);
        let c = b.counts();
        assert_eq!((c.held, c.in_flight, c.early), (0, 0, 0));
    }

    /// With nothing running, a task that fits beside the held values starts even past the
    /// root's headroom, and one that does not is refused with the bytes it needs.
    #[test]
    fn nothing_running_admits_what_fits_and_refuses_the_rest() {
        let g = pairs(3);
        let b = Budget::plan(&g, &[], 250, false).unwrap();
        assert!(matches!(b.admit(0, true), Admit::Yes));
        // One maker running: a second root and its headroom do not fit beside it.
        assert!(matches!(b.admit(1, true), Admit::Later));
        b.finished(0, true, 0, 0);
        // Nothing running: root 1 starts though its headroom would pass the limit.
        assert!(matches!(b.admit(1, true), Admit::Yes));
        b.finished(1, true, 0, 0);
        // 200 bytes held: the user of maker 0 (100 more) can never fit.
        match b.admit(3, false) {
            Admit::Never { projected, held } => assert_eq!((projected, held), (300, 200)),
            _ => panic!("admitted past the limit with nothing running"),
        }
        assert!(b.idle(), "a refusal reserves nothing");
    }
}
