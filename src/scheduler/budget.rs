//! The memory budget: projected bytes per task, a check of the plan before anything runs, and
//! the admission rule that keeps a run under the limit.
//!
//! Every number here is a projection from the chunk shapes and element sizes (the graph layer
//! supplies them per layer, see [`TaskBytes`]), not a measurement, so that a plan can be refused
//! before any task runs and the executor needs no clock or allocator hooks.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::task::{Layer, TaskGraph, TaskId, block_index};
use crate::error::{Error, Result};

/// The projected bytes of one task.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct TaskBytes {
    /// The value it keeps for its readers.
    pub(crate) out: usize,
    /// What it allocates while it runs and frees before it ends (fused intermediate blocks, a
    /// block made before it is copied into the result).
    pub(crate) scratch: usize,
}

/// The projected bytes of block `block` of a layer.
pub(crate) type BytesFn<'a> = Box<dyn Fn(usize) -> TaskBytes + Send + Sync + 'a>;

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
        let n = graph.len();
        let mut readers = vec![0u32; n];
        for &d in &graph.deps {
            readers[d as usize] += 1;
        }
        for &k in keep {
            readers[k as usize] += 1;
        }
        let (mut held, mut peak) = (0usize, 0usize);
        for_each_in_synchronous_order(graph, |t| {
            let t = t as usize;
            peak = peak.max(held + self.reserve[t]);
            held += if readers[t] > 0 { self.out[t] } else { 0 };
            for &d in graph.deps_of(t as TaskId) {
                readers[d as usize] -= 1;
                if readers[d as usize] == 0 {
                    held -= self.out[d as usize];
                }
            }
        });
        peak
    }
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
pub(super) struct Budget {
    limit: usize,
    /// Bytes each task keeps for its readers.
    out: Vec<usize>,
    /// Bytes each task adds while it runs: its output and scratch.
    reserve: Vec<usize>,
    /// Room kept free when a new root starts, so that a task it makes ready can run.
    headroom: usize,
    /// Bytes of values kept for readers.
    held: AtomicUsize,
    /// Bytes reserved by the tasks running now.
    in_flight: AtomicUsize,
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
    /// Projects every task of `graph`, and refuses the plan if one task alone needs more than
    /// `limit`.
    pub(super) fn plan(graph: &TaskGraph<'_>, limit: usize) -> Result<Budget> {
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
            held: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
        })
    }

    /// Reserves task `t`'s bytes if it fits beside what is held and running. A root also needs
    /// room for one task after it, so that starting roots never leaves their readers no room.
    /// When nothing runs, a task that fits beside the held values alone starts anyway (someone
    /// must), and one that does not is an error.
    pub(super) fn admit(&self, t: TaskId, root: bool) -> Admit {
        let need = self.reserve[t as usize];
        let extra = if root { self.headroom } else { 0 };
        let held = self.held.load(Ordering::SeqCst);
        let reserved = self
            .in_flight
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |f| {
                (held + f + need + extra <= self.limit || f == 0).then_some(f + need)
            });
        match reserved {
            Ok(0) if held + need > self.limit => {
                self.in_flight.fetch_sub(need, Ordering::SeqCst);
                Admit::Never {
                    projected: held + need,
                    held,
                }
            }
            Ok(_) => Admit::Yes,
            Err(_) => Admit::Later,
        }
    }

    /// Whether any task is running.
    pub(super) fn idle(&self) -> bool {
        self.in_flight.load(Ordering::SeqCst) == 0
    }

    pub(super) fn limit(&self) -> usize {
        self.limit
    }

    /// Gives back the reservation of task `t`, which did not start after all.
    pub(super) fn unreserve(&self, t: TaskId) {
        self.in_flight
            .fetch_sub(self.reserve[t as usize], Ordering::SeqCst);
    }

    /// The bytes task `t` keeps for its readers.
    pub(super) fn out_of(&self, t: TaskId) -> usize {
        self.out[t as usize]
    }

    /// Task `t` has ended: its value is `kept` for readers or not, and it freed the inputs it
    /// was the last reader of, `released` bytes of them.
    pub(super) fn finished(&self, t: TaskId, kept: bool, released: usize) {
        // Add before taking away, so that `held` never wraps below zero for a moment.
        if kept {
            self.held.fetch_add(self.out[t as usize], Ordering::SeqCst);
        }
        self.held.fetch_sub(released, Ordering::SeqCst);
        self.in_flight
            .fetch_sub(self.reserve[t as usize], Ordering::SeqCst);
    }
}

#[cfg(feature = "mpi")]
impl Budget {
    /// External task `t`'s value has been supplied and is kept for its readers.
    pub(super) fn supplied(&self, t: TaskId) {
        self.held.fetch_add(self.out[t as usize], Ordering::SeqCst);
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
    Error::OverMemoryBudget {
        op: layer.name.clone(),
        block: block_index(&layer.grid, block),
        projected,
        limit,
        held,
        advice: advice(chunk, projected - held, limit.saturating_sub(held)),
    }
}

/// A block shape for which a task needing `projected` bytes with blocks of `chunk` would fit in
/// `room`: the largest axis is halved until the block's share fits in three quarters of the
/// room, leaving the rest for what does not shrink with the block (ghost cells).
fn advice(chunk: &[usize], projected: usize, room: usize) -> String {
    if chunk.is_empty() || room == 0 {
        return "raise the limit".to_string();
    }
    let mut shape = chunk.to_vec();
    let elems = |s: &[usize]| s.iter().product::<usize>().max(1) as f64;
    let full = elems(chunk);
    while projected as f64 * elems(&shape) / full > 0.75 * room as f64 {
        let (k, &m) = shape
            .iter()
            .enumerate()
            .max_by_key(|&(_, &m)| m)
            .expect("non-empty");
        if m <= 1 {
            return "raise the limit: even blocks of one element would not fit".to_string();
        }
        shape[k] = m.div_ceil(2);
    }
    format!("rechunk to blocks of about {shape:?} (now {chunk:?}), or raise the limit")
}
