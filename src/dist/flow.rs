//! One task graph across the ranks: placement, and the blocks handed over while it runs.
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
//! - **Dataflow, no barrier.** Each rank runs all its tasks as one graph on its pool; a block
//!   made on another rank is one more input its readers wait for. The moment a task whose value
//!   another rank reads ends, its worker encodes the part that rank reads, and the rank's
//!   communication thread (the one that called `compute`, outside the pool) sends it without
//!   blocking; the same thread takes in the others' blocks as they come and hands them to the
//!   graph. Tasks whose values other ranks wait for, and what they read, run first. So a rank
//!   waits only for the blocks it reads, never for the slowest rank to finish a stage, and a
//!   long task never holds up a transfer.
//! - **Faults.** A rank whose task fails tells every other (a short message); they skip what
//!   they have not started. Then, success or not, the ranks swap how many messages each sent
//!   each, take in any not yet received, finish their sends, and agree on the outcome (the
//!   first failing rank's error, on every rank): no rank is left waiting, no message is left
//!   in flight for the next compute.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use mpi::point_to_point::{Message, Status};
use mpi::request::{LocalScope, Request};
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

use super::CommStats;
use crate::dtype::wire::blocks;
use crate::error::{Error, Result};
use crate::scheduler::task::{BytesFn, LayerFn, Work};
use crate::scheduler::{Feed, Scheduler, TaskBytes, TaskGraph, TaskId, Value};

/// Where every task of a graph runs, on every rank.
pub(super) struct Placement {
    /// The rank that owns each task's value.
    pub(super) owner: Vec<u32>,
    /// For each rank, whether it runs each task (its own, and copies of values that cannot
    /// cross that its tasks read).
    runs: Vec<Vec<bool>>,
    /// `readers[reader_start[t]..reader_start[t + 1]]` are the tasks that read `t`.
    reader_start: Vec<usize>,
    readers: Vec<TaskId>,
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
        Placement {
            owner,
            runs,
            reader_start,
            readers,
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

/// The tags of this module's messages: a block in one message or the last piece of one, a
/// piece with more to come (a block beyond the message cap), and a rank's word that it failed.
const LAST: i32 = 1;
const MORE: i32 = 2;
const FAILED: i32 = 3;

/// How long the communication thread sleeps between looks for messages while this rank's
/// workers wait for blocks from others: short after each message, doubling up to the longest,
/// so that a block is taken in soon after it comes.
const NAP: Range<Duration> = Duration::from_micros(10)..Duration::from_micros(100);

/// How long it sleeps while the workers have tasks to run: blocks that come meanwhile wait in
/// MPI's queue until the workers run out of work, which wakes it ([`WAKE`]), as does a block
/// made here to be sent. Waking more often only takes the workers' cores from them: with
/// 250 µs, the 2-rank Gaussian of `gauss_mpi` switched contexts 117,000 times in 20 s
/// (the stages before: 3,000) and spent 86% more time in the kernel; `heat_mpi`'s steps took
/// 8.4 ms, 7.5 ms and 8.2 ms with 2 ms, and 7.7 ms, 7.6 ms and 6.9 ms with this, in one run.
/// Another rank's failure is heard within this.
const BUSY_NAP: Duration = Duration::from_millis(5);

/// Posted instead of a message's index when the workers have run out of work.
const WAKE: usize = usize::MAX;

/// Runs this rank's share of `graph`, handing blocks to the ranks that read them as they are
/// made; returns what it sent.
pub(super) fn run(
    graph: TaskGraph<'_>,
    placement: &Placement,
    scheduler: &Scheduler,
    world: &SimpleCommunicator,
    rank: usize,
) -> Result<CommStats> {
    let size = placement.runs.len();
    let runs = &placement.runs[rank];
    let n = graph.len();
    const NONE: TaskId = TaskId::MAX;

    // Blocks made on other ranks that this rank's tasks read: they arrive while it runs.
    let mut local: Vec<TaskId> = vec![NONE; n];
    let mut arrivals: Vec<TaskId> = Vec::new();
    for t in (0..n).filter(|&t| runs[t]) {
        for &d in graph.deps_of(t as TaskId) {
            if !runs[d as usize] && local[d as usize] == NONE {
                local[d as usize] = arrivals.len() as TaskId;
                arrivals.push(d);
            }
        }
    }
    // One message per block and rank that reads it. A task is urgent if another rank waits
    // for its value or for that of a task here that reads it.
    let mut sends: HashMap<(u32, usize), (TaskId, Range<usize>)> = HashMap::new();
    let mut to: Vec<usize> = Vec::new();
    let mut urgent = vec![false; n];
    for t in (0..n).rev().filter(|&t| runs[t]) {
        let first = to.len();
        to.extend(placement.destinations(t as TaskId));
        if to.len() > first {
            sends.insert(graph.keys[t], (t as TaskId, first..to.len()));
            urgent[t] = true;
        }
        if urgent[t] {
            for &d in graph.deps_of(t as TaskId) {
                urgent[d as usize] |= runs[d as usize];
            }
        }
    }
    let (posted, made) = mpsc::channel();
    let outbox = Outbox {
        graph: &graph,
        placement,
        sends,
        messages: (0..to.len()).map(|_| OnceLock::new()).collect(),
        to,
        posted,
        bytes: AtomicU64::new(0),
        blocks: AtomicU64::new(0),
    };

    // This rank's graph: the blocks that arrive, then its tasks, the urgent ones first (their
    // inputs are urgent too, so each task still comes after its inputs).
    let mut part = TaskGraph::new();
    part.measure = graph.measure;
    let arrived = part.add_layer(
        "handed over",
        vec![arrivals.len()],
        Work::Shared(Box::new(|_, _| {
            unreachable!("blocks from other ranks are supplied, never made here")
        })),
    );
    for k in 0..arrivals.len() {
        part.add_task(arrived, k, []);
    }
    // Under a memory limit, a block that arrives counts as its whole block (its part read, the
    // halo of ghost cells, is less) from its arrival until its last reader here has run.
    let arrivals = &arrivals;
    let graph_ref = &graph;
    part.layers[arrived as usize].bytes = Some(Box::new(move |k| {
        let (l, b) = graph_ref.keys[arrivals[k] as usize];
        let out = graph_ref.layers[l as usize]
            .bytes
            .as_ref()
            .map_or(0, |f| f(b).out);
        TaskBytes { out, scratch: 0 }
    }));
    let mut proxies: HashMap<u32, u32> = HashMap::new();
    let order = (0..n)
        .filter(|&t| runs[t] && urgent[t])
        .chain((0..n).filter(|&t| runs[t] && !urgent[t]));
    for t in order {
        let (l, b) = graph.keys[t];
        let layer = *proxies.entry(l).or_insert_with(|| {
            let original = &graph.layers[l as usize];
            let Work::Shared(f) = &original.work else {
                unreachable!("array graphs have shared layer functions")
            };
            let f: &LayerFn<'_> = f;
            let sends = outbox.sends.keys().any(|&(sl, _)| sl == l);
            let outbox = &outbox;
            let proxy = part.add_layer(
                original.name.clone(),
                original.grid.clone(),
                Work::Shared(Box::new(move |b, inputs| {
                    let v = f(b, inputs)?;
                    if sends && let Some(v) = &v {
                        outbox.post(l, b, v);
                    }
                    Ok(v)
                })),
            );
            // What a memory limit needs: the projected bytes, and the block shape for advice.
            let layer = &mut part.layers[proxy as usize];
            layer.bytes = original
                .bytes
                .as_ref()
                .map(|bytes| -> BytesFn<'_> { Box::new(bytes) });
            layer.chunk = original.chunk.clone();
            layer.whole = original.whole.clone();
            proxy
        });
        let deps: Vec<TaskId> = graph
            .deps_of(t as TaskId)
            .iter()
            .map(|&d| local[d as usize])
            .collect();
        local[t] = part.add_task(layer, b, deps);
    }
    let external: Vec<TaskId> = (0..arrivals.len() as TaskId).collect();

    let mut comm = Comm {
        world,
        graph: &graph,
        local: &local,
        sent_to: vec![0; size],
        got_from: vec![0; size],
        cancelled: false,
    };
    let outcome = mpi::request::scope(|scope| {
        let mut pending = Vec::new();
        // The workers running out of work wakes the communication thread: blocks may have
        // come that they wait for, or the run has ended.
        let wake = outbox.posted.clone();
        let on_idle = Box::new(move || {
            let _ = wake.send(WAKE);
        });
        let (outcome, driven) = scheduler.execute_fed(part, &external, on_idle, |feed| {
            comm.drive(feed, scope, &mut pending, &outbox, &made)
        });
        if driven.is_none() {
            // Refused before it started: the others may be waiting for this rank's blocks.
            comm.tell_failed(scope, &mut pending, rank);
        }
        comm.settle(&mut pending);
        outcome
    });
    let outcome = if comm.cancelled { Ok(()) } else { outcome };
    scheduler.agree(outcome)?;
    Ok(CommStats {
        bytes: outbox.bytes.into_inner(),
        blocks: outbox.blocks.into_inner(),
    })
}

/// The messages one rank sends during a compute, each made by the worker that ran its task.
struct Outbox<'g, 'a> {
    graph: &'g TaskGraph<'a>,
    placement: &'g Placement,
    /// Each task that sends, by its key: its id and its messages.
    sends: HashMap<(u32, usize), (TaskId, Range<usize>)>,
    /// Each message's bytes once made (the task's id, then its block or the part read), and
    /// its destination. A message stays until the compute ends: MPI reads it meanwhile.
    messages: Vec<OnceLock<Vec<u8>>>,
    to: Vec<usize>,
    /// Tells the communication thread which message is ready (or [`WAKE`]).
    posted: mpsc::Sender<usize>,
    bytes: AtomicU64,
    blocks: AtomicU64,
}

impl Outbox<'_, '_> {
    /// Makes the messages of block `b` of layer `l`, whose value is `v`, and posts them.
    fn post(&self, l: u32, b: usize, v: &Value) {
        let Some((t, messages)) = self.sends.get(&(l, b)) else {
            return;
        };
        let elem = self.graph.layers[l as usize].elem;
        for i in messages.clone() {
            let mut bytes = (*t as u64).to_le_bytes().to_vec();
            // Only the part the readers there need, when they said (ghost cells).
            let region = self.placement.region_for(self.graph, *t, self.to[i]);
            let ok = blocks::put_any(elem, v, region.as_deref(), &mut bytes);
            debug_assert!(ok, "only blocks that cross are sent");
            self.bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
            self.blocks.fetch_add(1, Ordering::Relaxed);
            self.messages[i]
                .set(bytes)
                .expect("each message is made once");
            // The communication thread outlives the run: it cannot have gone.
            let _ = self.posted.send(i);
        }
    }
}

/// A rank's communication during one compute: what it sent and received, on its own thread.
struct Comm<'c, 'a> {
    world: &'c SimpleCommunicator,
    graph: &'c TaskGraph<'a>,
    /// Each task's id in this rank's graph.
    local: &'c [TaskId],
    /// MPI messages sent to and received from each rank (pieces of a block count one each).
    sent_to: Vec<u64>,
    got_from: Vec<u64>,
    /// Whether another rank's failure stopped this rank's run.
    cancelled: bool,
}

/// Sends under way: their bytes live for `'a`, the compute.
type Pending<'a, 'b> = Vec<Request<'a, [u8], &'b LocalScope<'a>>>;

impl Comm<'_, '_> {
    /// Sends the blocks the workers make and supplies those that arrive, until this rank's run
    /// has finished or failed; tells the others if it failed.
    fn drive<'a, 'b>(
        &mut self,
        feed: &Feed<'_, '_, '_>,
        scope: &'b LocalScope<'a>,
        pending: &mut Pending<'a, 'b>,
        outbox: &'a Outbox<'_, '_>,
        made: &mpsc::Receiver<usize>,
    ) {
        let mut nap = NAP.start;
        loop {
            // Read first: once every task has run, every message has been posted.
            let done = feed.finished() || feed.failed();
            let mut busy = false;
            while let Ok(i) = made.try_recv() {
                if i != WAKE {
                    self.send(scope, pending, outbox, i);
                }
                busy = true;
            }
            while let Some((message, status)) = self.world.any_process().immediate_matched_probe() {
                self.take(message, status, Some(feed));
                busy = true;
            }
            retire(pending);
            if done {
                break;
            }
            if busy {
                nap = NAP.start;
                continue;
            }
            let wait = if feed.idle() { nap } else { BUSY_NAP };
            match made.recv_timeout(wait) {
                Ok(i) => {
                    if i != WAKE {
                        self.send(scope, pending, outbox, i);
                    }
                    nap = NAP.start;
                }
                Err(_) => nap = (nap * 2).min(NAP.end),
            }
        }
        if feed.failed() && !self.cancelled {
            let rank = self.world.rank() as usize;
            self.tell_failed(scope, pending, rank);
        }
    }

    /// Sends message `i` of `outbox`, in pieces within the message cap.
    fn send<'a, 'b>(
        &mut self,
        scope: &'b LocalScope<'a>,
        pending: &mut Pending<'a, 'b>,
        outbox: &'a Outbox<'_, '_>,
        i: usize,
    ) {
        let bytes = outbox.messages[i].get().expect("a posted message is made");
        let to = outbox.to[i];
        let cap = super::round_len(1);
        let pieces = bytes.len().div_ceil(cap);
        let process = self.world.process_at_rank(to as i32);
        for (k, piece) in bytes.chunks(cap).enumerate() {
            let tag = if k + 1 == pieces { LAST } else { MORE };
            pending.push(process.immediate_send_with_tag(scope, piece, tag));
            self.sent_to[to] += 1;
        }
    }

    /// Tells every other rank that this one failed.
    fn tell_failed<'a, 'b>(
        &mut self,
        scope: &'b LocalScope<'a>,
        pending: &mut Pending<'a, 'b>,
        rank: usize,
    ) {
        const NOTHING: &[u8] = &[];
        for r in (0..self.sent_to.len()).filter(|&r| r != rank) {
            let process = self.world.process_at_rank(r as i32);
            pending.push(process.immediate_send_with_tag(scope, NOTHING, FAILED));
            self.sent_to[r] += 1;
        }
    }

    /// Receives the message `message` and, when it is a block and the run goes on, supplies
    /// it to `feed`.
    fn take(&mut self, message: Message, status: Status, feed: Option<&Feed<'_, '_, '_>>) {
        let (from, mut tag) = (status.source_rank() as usize, status.tag());
        let (mut bytes, _) = (message, status).matched_receive_vec::<u8>();
        self.got_from[from] += 1;
        // The rest of a block in pieces follows at once: the sender posts them together.
        while tag == MORE {
            let next = self.world.process_at_rank(from as i32).matched_probe();
            tag = next.1.tag();
            let (piece, _) = next.matched_receive_vec::<u8>();
            bytes.extend_from_slice(&piece);
            self.got_from[from] += 1;
        }
        let Some(feed) = feed else { return };
        if tag == FAILED {
            if !feed.failed() {
                self.cancelled = true;
                feed.cancel(Error::Mpi {
                    message: format!("rank {from} failed"),
                });
            }
            return;
        }
        if feed.failed() {
            return;
        }
        let t = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes")) as TaskId;
        let elem = self.graph.layers[self.graph.keys[t as usize].0 as usize].elem;
        let (v, _) = blocks::get_any(elem, &bytes[8..]);
        feed.supply(self.local[t as usize], v);
    }

    /// Ends the compute on this rank, after its run: the ranks swap how many messages each
    /// sent each, this one takes in those it has not (sent before their senders heard of a
    /// failure), and its own sends complete.
    fn settle(&mut self, pending: &mut Pending<'_, '_>) {
        let size = self.sent_to.len();
        let mut to_me = vec![0u64; size];
        self.world
            .all_to_all_into(&self.sent_to[..], &mut to_me[..]);
        for (from, &sent) in to_me.iter().enumerate() {
            while self.got_from[from] < sent {
                let (message, status) = self.world.process_at_rank(from as i32).matched_probe();
                self.take(message, status, None);
            }
        }
        for request in pending.drain(..) {
            request.wait();
        }
    }
}

/// Drops the sends that have completed.
fn retire(pending: &mut Pending<'_, '_>) {
    // `test` takes each request and gives back those still under way.
    *pending = pending.drain(..).filter_map(|r| r.test().err()).collect();
}
