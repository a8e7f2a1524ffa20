//! One task graph across the ranks: placement, stages, and the blocks handed over between them.
//!
//! Every rank lowers the same graph and places every task the same way, so each knows, without
//! asking, what every rank runs and which blocks must move:
//!
//! - **Owner computes.** A layer whose blocks line up with one of its inputs' (same number of
//!   blocks: elementwise, ghost cells, block functions) gives block `b` of `n` to rank
//!   `b * ranks / n`: contiguous runs, so neighbours mostly share a rank and a chain of steps
//!   never moves data. A layer with a different grid (a reduction's combine steps, rechunking)
//!   runs each task where most of its inputs are. Blocks persisted on a cluster stay on the
//!   rank that made them, and their tasks run there.
//! - **Blocks cross; values without a byte form are recomputed.** A block that a task on
//!   another rank reads is sent there: numbers, `bool` and the reductions' partial states by
//!   tag, ndmeasure's states by a registered codec (`encode.rs`). A value that cannot cross (a
//!   user's own reduction state) is computed again by each rank that reads it.
//! - **Only what is read crosses.** When every task of a rank that reads a block declared the
//!   part it reads (ghost cells: `Node::input_region`), only that part is sent, as a window of
//!   the block; otherwise the whole block.
//! - **Stages.** A task's stage on a rank is the number of hand-overs on its longest path of
//!   inputs. All ranks run stage 0 on their pools, hand over the blocks that later stages on
//!   other ranks read (one all-to-all exchange), run stage 1, and so on. Between stages every
//!   rank also learns whether any task failed, so an error anywhere stops every rank at the same
//!   point, never leaving one waiting.

use std::collections::HashMap;
use std::ops::Range;

use mpi::datatype::{Partition, PartitionMut};
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

use super::wire::blocks;
use super::{CommStats, gather_u64};
use crate::error::Result;
use crate::scheduler::task::{LayerFn, Work};
use crate::scheduler::{Scheduler, TaskGraph, TaskId, Value};

/// Where every task of a graph runs, on every rank.
pub(super) struct Placement {
    /// The rank that owns each task's value.
    pub(super) owner: Vec<u32>,
    /// For each rank, whether it runs each task (its own, and copies of values that cannot
    /// cross that its tasks read).
    runs: Vec<Vec<bool>>,
    /// For each rank, the stage of each task it runs.
    stage: Vec<Vec<u32>>,
    /// `readers[reader_start[t]..reader_start[t + 1]]` are the tasks that read `t`.
    reader_start: Vec<usize>,
    readers: Vec<TaskId>,
    stages: u32,
}

/// The rank that owns block `b` of `blocks`: contiguous runs of blocks, in row-major order.
pub(super) fn contiguous(b: usize, blocks: usize, ranks: usize) -> usize {
    (b as u128 * ranks as u128 / blocks.max(1) as u128) as usize
}

impl Placement {
    pub(super) fn new(graph: &TaskGraph<'_>, ranks: usize) -> Placement {
        let n = graph.len();
        let blocks_of =
            |t: usize| -> usize { graph.layers[graph.keys[t].0 as usize].grid.iter().product() };
        let crosses = |t: TaskId| {
            graph.layers[graph.keys[t as usize].0 as usize]
                .elem
                .is_some_and(blocks::crosses)
        };
        let mut owner = vec![0u32; n];
        let mut votes = vec![0usize; ranks];
        for t in 0..n {
            let deps = graph.deps_of(t as TaskId);
            let (block, blocks) = (graph.keys[t].1, blocks_of(t));
            let home = graph.layers[graph.keys[t].0 as usize].home.as_ref();
            owner[t] = if let Some(home) = home {
                home(block) as u32
            } else if deps.is_empty() || deps.iter().any(|&d| blocks_of(d as usize) == blocks) {
                contiguous(block, blocks, ranks) as u32
            } else {
                votes.fill(0);
                for &d in deps {
                    votes[owner[d as usize] as usize] += 1;
                }
                // The first rank with the most inputs.
                let best = votes.iter().copied().max().unwrap_or(0);
                votes.iter().position(|&v| v == best).unwrap_or(0) as u32
            };
        }
        // Readers, for hand-overs.
        let mut reader_start = vec![0usize; n + 1];
        for &d in &graph.deps {
            reader_start[d as usize + 1] += 1;
        }
        for i in 0..n {
            reader_start[i + 1] += reader_start[i];
        }
        let mut fill = reader_start.clone();
        let mut readers = vec![0; graph.deps.len()];
        for t in 0..n as TaskId {
            for &d in graph.deps_of(t) {
                readers[fill[d as usize]] = t;
                fill[d as usize] += 1;
            }
        }
        // What each rank runs: its own tasks, and what they read that cannot cross.
        let mut runs: Vec<Vec<bool>> = (0..ranks)
            .map(|r| owner.iter().map(|&o| o as usize == r).collect())
            .collect();
        for (r, runs) in runs.iter_mut().enumerate() {
            for t in (0..n).rev() {
                if runs[t] {
                    for &d in graph.deps_of(t as TaskId) {
                        if owner[d as usize] as usize != r && !crosses(d) {
                            runs[d as usize] = true;
                        }
                    }
                }
            }
        }
        // Stages: a value handed over is read one stage after the one that made it.
        let mut stage = vec![vec![0u32; n]; ranks];
        let mut stages = 0;
        for t in 0..n {
            for r in 0..ranks {
                if !runs[r][t] {
                    continue;
                }
                let mut s = 0;
                for &d in graph.deps_of(t as TaskId) {
                    let d = d as usize;
                    s = s.max(if runs[r][d] {
                        stage[r][d]
                    } else {
                        stage[owner[d] as usize][d] + 1
                    });
                }
                stage[r][t] = s;
                stages = stages.max(s + 1);
            }
        }
        Placement {
            owner,
            runs,
            stage,
            reader_start,
            readers,
            stages,
        }
    }

    fn readers(&self, t: TaskId) -> &[TaskId] {
        &self.readers[self.reader_start[t as usize]..self.reader_start[t as usize + 1]]
    }

    /// The ranks other than its owner that read task `t`'s value without running `t`.
    fn destinations(&self, t: TaskId) -> impl Iterator<Item = usize> + '_ {
        (0..self.runs.len()).filter(move |&r| {
            !self.runs[r][t as usize] && self.readers(t).iter().any(|&x| self.runs[r][x as usize])
        })
    }
}

impl Placement {
    /// The part of task `t`'s block that rank `r`'s tasks read, when all of them declared one
    /// (ghost cells: the halo); `None` when some read it all.
    fn region_for(&self, graph: &TaskGraph<'_>, t: TaskId, r: usize) -> Option<Vec<Range<usize>>> {
        let mut union: Option<Vec<Range<usize>>> = None;
        let mut regions = Vec::new();
        for &x in self.readers(t) {
            if !self.runs[r][x as usize] {
                continue;
            }
            let (l, b) = graph.keys[x as usize];
            let f = graph.layers[l as usize].regions.as_ref()?;
            regions.clear();
            f(b, &mut regions);
            for (p, &d) in graph.deps_of(x).iter().enumerate() {
                if d != t {
                    continue;
                }
                let region = regions.get(p)?.as_ref()?;
                union = Some(match union {
                    None => region.clone(),
                    Some(u) => u
                        .iter()
                        .zip(region)
                        .map(|(a, b)| a.start.min(b.start)..a.end.max(b.end))
                        .collect(),
                });
            }
        }
        union
    }
}

/// Runs this rank's share of `graph` in stages, handing blocks over between them; returns
/// what it sent.
pub(super) fn run(
    graph: TaskGraph<'_>,
    placement: &Placement,
    scheduler: &Scheduler,
    world: &SimpleCommunicator,
    rank: usize,
) -> Result<CommStats> {
    let size = placement.runs.len();
    let runs = &placement.runs[rank];
    let stage = &placement.stage[rank];
    let n = graph.len();
    // Values this rank holds for its tasks of later stages.
    let mut held: HashMap<TaskId, Value> = HashMap::new();
    // Whether a task of this rank after stage `s` reads `t`.
    let read_after = |t: TaskId, s: usize| {
        placement
            .readers(t)
            .iter()
            .any(|&x| runs[x as usize] && stage[x as usize] as usize > s)
    };
    let mut by_stage: Vec<Vec<TaskId>> = vec![Vec::new(); placement.stages as usize];
    for t in 0..n {
        if runs[t] {
            by_stage[stage[t] as usize].push(t as TaskId);
        }
    }
    let mut sent = CommStats::default();
    const NONE: TaskId = TaskId::MAX;
    let mut local: Vec<TaskId> = vec![NONE; n];
    for (s, tasks) in by_stage.iter().enumerate() {
        // 1. This stage's tasks, reading earlier stages' values and blocks handed over.
        let mut inputs: Vec<TaskId> = Vec::new();
        // Each task's id in this stage's graph (`NONE` if it is not in it).
        local.fill(NONE);
        for &t in tasks {
            for &d in graph.deps_of(t) {
                let this_stage = runs[d as usize] && stage[d as usize] as usize == s;
                if !this_stage && local[d as usize] == NONE {
                    local[d as usize] = inputs.len() as TaskId;
                    inputs.push(d);
                }
            }
        }
        let keep: Vec<TaskId> = tasks
            .iter()
            .copied()
            .filter(|&t| placement.destinations(t).next().is_some() || read_after(t, s))
            .collect();
        let outcome = if tasks.is_empty() {
            Ok(Vec::new())
        } else {
            let given: Vec<Value> = inputs
                .iter()
                .map(|d| {
                    held.get(d)
                        .cloned()
                        .expect("an earlier stage's value is held")
                })
                .collect();
            let mut part = TaskGraph::new();
            part.measure = graph.measure;
            let given_layer = part.add_layer(
                "handed over",
                vec![given.len()],
                Work::Shared(Box::new(move |b, _| Ok(Some(given[b].clone())))),
            );
            for k in 0..inputs.len() {
                part.add_task(given_layer, k, []);
            }
            let mut proxies: HashMap<u32, u32> = HashMap::new();
            for &t in tasks {
                let (l, b) = graph.keys[t as usize];
                let layer = *proxies.entry(l).or_insert_with(|| {
                    let original = &graph.layers[l as usize];
                    let Work::Shared(f) = &original.work else {
                        unreachable!("array graphs have shared layer functions")
                    };
                    let f: &LayerFn<'_> = f;
                    part.add_layer(
                        original.name.clone(),
                        original.grid.clone(),
                        Work::Shared(Box::new(move |b, inputs| f(b, inputs))),
                    )
                });
                let deps: Vec<TaskId> = graph
                    .deps_of(t)
                    .iter()
                    .map(|&d| local[d as usize])
                    .collect();
                let id = part.add_task(layer, b, deps);
                local[t as usize] = id;
            }
            let keep_local: Vec<TaskId> = keep.iter().map(|&t| local[t as usize]).collect();
            scheduler.execute(part, &keep_local)
        };
        // Inputs read by no later task of this rank are freed.
        for &d in &inputs {
            if !read_after(d, s) {
                held.remove(&d);
            }
        }
        // 2. Everyone's outcome.
        let outcome = super::agree_on(world, size, outcome);
        let values = outcome?;
        // 3. Hand over the blocks other ranks read; keep what this rank reads later.
        let mut out: Vec<Vec<u8>> = vec![Vec::new(); size];
        for (&t, v) in keep.iter().zip(values) {
            for r in placement.destinations(t) {
                out[r].extend_from_slice(&(t as u64).to_le_bytes());
                // Only the part the readers there need, when they said (ghost cells).
                let region = placement.region_for(&graph, t, r);
                let elem = graph.layers[graph.keys[t as usize].0 as usize].elem;
                let ok = blocks::put_any(elem, &v, region.as_deref(), &mut out[r]);
                debug_assert!(ok, "only blocks that cross are handed over");
                sent.blocks += 1;
            }
            if read_after(t, s) {
                held.insert(t, v);
            }
        }
        sent.bytes += out.iter().map(|b| b.len() as u64).sum::<u64>();
        for (r, bytes) in exchange(world, out).into_iter().enumerate() {
            let mut at = 0;
            while at < bytes.len() {
                let t = u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
                let t = t as TaskId;
                let elem = graph.layers[graph.keys[t as usize].0 as usize].elem;
                let (v, used) = blocks::get_any(elem, &bytes[at + 8..]);
                at += 8 + used;
                debug_assert_eq!(placement.owner[t as usize] as usize, r);
                held.insert(t, v);
            }
        }
    }
    Ok(sent)
}

/// Sends `out[r]` to each rank `r` and returns what each rank sent here, in rounds that keep
/// MPI's 32-bit counts and displacements in range.
fn exchange(world: &SimpleCommunicator, out: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    let size = out.len();
    let round_len = super::round_len(size);
    let my_rounds = out
        .iter()
        .map(|b| b.len().div_ceil(round_len))
        .max()
        .unwrap_or(0);
    let rounds = gather_u64(world, my_rounds as u64, size)
        .into_iter()
        .max()
        .unwrap_or(0) as usize;
    let mut incoming: Vec<Vec<u8>> = vec![Vec::new(); size];
    for round in 0..rounds {
        let piece = |b: &Vec<u8>| {
            let from = (round * round_len).min(b.len());
            from..(from + round_len).min(b.len())
        };
        let send_counts: Vec<i32> = out.iter().map(|b| piece(b).len() as i32).collect();
        let mut recv_counts = vec![0i32; size];
        world.all_to_all_into(&send_counts[..], &mut recv_counts[..]);
        let displs = |c: &[i32]| -> Vec<i32> {
            c.iter()
                .scan(0i32, |acc, &x| {
                    let d = *acc;
                    *acc += x;
                    Some(d)
                })
                .collect()
        };
        let mut send: Vec<u8> = Vec::with_capacity(send_counts.iter().map(|&c| c as usize).sum());
        for b in &out {
            send.extend_from_slice(&b[piece(b)]);
        }
        let (sd, rd) = (displs(&send_counts), displs(&recv_counts));
        let total: usize = recv_counts.iter().map(|&c| c as usize).sum();
        // One spare byte each: two empty buffers share one dangling address, which MPI takes
        // for an in-place exchange and refuses.
        send.push(0);
        let mut recv = vec![0u8; total + 1];
        {
            let sendp = Partition::new(&send[..], &send_counts[..], &sd[..]);
            let mut recvp = PartitionMut::new(&mut recv[..], &recv_counts[..], &rd[..]);
            world.all_to_all_varcount_into(&sendp, &mut recvp);
        }
        for (r, v) in incoming.iter_mut().enumerate() {
            let d = rd[r] as usize;
            v.extend_from_slice(&recv[d..d + recv_counts[r] as usize]);
        }
    }
    incoming
}
