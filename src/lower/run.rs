//! The one way a computation runs: plan the root's blocks, lower the plan to tasks, and run
//! them on the scheduler's backend, handing each root block to the [`Output`] asked for.
//!
//! Every computation goes through [`run`]: `compute` and multi-array `compute` (gather into
//! the result), `persist` (keep the blocks), `to_zarr`, `store` and the other writes (sinks),
//! on one process or across the ranks of a cluster. What differs between backends is decided
//! here and nowhere above: a cluster checks that every rank built the same graph, runs its
//! share of the tasks, and then shares the result's blocks ([`share`]).

use std::any::TypeId;
use std::sync::{Arc, Mutex, PoisonError};

use ndarray::{ArrayD, Dimension as _, Slice};

use super::lower;
use crate::chunks::Chunks;
use crate::dtype::{self, wire};
use crate::error::{Error, Result};
use crate::expr::block::{Element, block_of, owned};
use crate::expr::source::Persisted;
use crate::expr::{Node, NodeRef};
use crate::plan::{Plan, fingerprint};
use crate::scheduler::{Scheduler, Value};

/// Stores one root block where the caller wants it: given the root node (or, for a root that
/// hands its input over, that input), the block index and the block's input values.
pub(crate) type WriteFn<'a> =
    Box<dyn Fn(&dyn Node, usize, &mut Vec<Value>) -> Result<()> + Send + Sync + 'a>;

/// What a computation does with each block of its root as the block's task finishes.
pub(crate) enum Output<'a> {
    /// Hands it to the write, which stores it (into the rows of a result).
    Gather(WriteFn<'a>),
    /// Computes and keeps it: [`Ran::kept`].
    Keep,
    /// Computes it for what its task does (a write to a store); nothing is kept.
    Sink,
}

/// What a run leaves behind.
pub(crate) struct Ran {
    /// With [`Output::Keep`], each root block by index: `None` for a block not wanted, or made
    /// on another rank.
    pub(crate) kept: Vec<Option<Value>>,
    /// On a cluster, the rank that made each root block.
    pub(crate) owners: Option<Vec<usize>>,
}

/// Runs the blocks of `root` for which `wanted` holds, and what they need, on `scheduler`.
///
/// # Errors
///
/// The first error of any task (on a cluster, of any rank, on every rank), or a plan that
/// cannot run ([`Error::TooLarge`], [`Error::BlockTooLarge`], [`Error::OverMemoryBudget`]),
/// or ranks that built different graphs ([`Error::GraphMismatch`]).
pub(crate) fn run(
    root: &NodeRef,
    wanted: &dyn Fn(usize) -> bool,
    output: Output<'_>,
    scheduler: &Scheduler,
) -> Result<Ran> {
    let cluster = scheduler.cluster();
    if let Some(cluster) = cluster {
        // Before anything else, so that ranks that disagree all fail the same way.
        cluster.check(fingerprint(root, dtype::crosses))?;
    }
    let plan = Plan::new_for(root, wanted)?;
    // A rank reads only the blocks of its own share: telling a store that reads ahead about
    // the whole plan would fetch every rank's blocks on every rank.
    if cluster.is_none() {
        plan.announce_reads();
    }
    let keep = matches!(output, Output::Keep);
    let blocks = if keep { root.chunks().num_blocks() } else { 0 };
    let kept: Vec<Mutex<Option<Value>>> = (0..blocks).map(|_| Mutex::new(None)).collect();
    let write: WriteFn<'_> = match output {
        Output::Gather(write) => write,
        Output::Keep => Box::new(|node, b, inputs| {
            let v = node.compute(b, inputs)?;
            *kept[b].lock().unwrap_or_else(PoisonError::into_inner) = Some(v);
            Ok(())
        }),
        Output::Sink => Box::new(|node, b, inputs| node.compute(b, inputs).map(drop)),
    };
    let graph = scheduler.plan(|planner| lower(plan, planner, write));
    let owners = match cluster {
        Some(cluster) => Some(cluster.run(graph, scheduler)?),
        None => {
            scheduler.execute(graph, &[])?;
            None
        }
    };
    Ok(Ran {
        kept: kept
            .into_iter()
            .map(|m| m.into_inner().unwrap_or_else(PoisonError::into_inner))
            .collect(),
        owners,
    })
}

/// The task graph that [`run`] would run for all blocks of `root`, lowered serially, for
/// pictures and projections (`explain`, `to_dot`): nothing runs, and the root's tasks write
/// nothing.
///
/// # Errors
///
/// As [`Plan::new_for`].
pub(crate) fn lowered(root: &NodeRef) -> Result<crate::scheduler::TaskGraph<'static>> {
    let plan = Plan::new_for(root, |_| true)?;
    Ok(lower(plan, crate::scheduler::Planner::SERIAL, |_, _, _| {
        Ok(())
    }))
}

/// The blocks of `root` computed and kept in memory, as a node that later graphs start from:
/// on a cluster, each block on the rank that made it.
///
/// # Errors
///
/// As [`run`].
pub(crate) fn persist<T: Element>(root: &NodeRef, scheduler: &Scheduler) -> Result<NodeRef> {
    check_crosses::<T>(scheduler)?;
    let ran = run(root, &|_| true, Output::Keep, scheduler)?;
    Ok(Arc::new(Persisted::<T>::new(
        root.chunks().clone(),
        ran.kept,
        ran.owners,
    )))
}

/// An error on a cluster when results of type `T` cannot cross ranks (the same on every rank).
pub(crate) fn check_crosses<T: Element>(scheduler: &Scheduler) -> Result<()> {
    if scheduler.cluster().is_none() || dtype::crosses(TypeId::of::<T>()) {
        return Ok(());
    }
    Err(Error::Mpi {
        message: format!(
            "elements of type {} cannot cross ranks: numbers and bool can, and types given a \
             byte form with chunkwise::dist::register",
            std::any::type_name::<T>()
        ),
    })
}

/// Completes a gathered result on every rank: each rank has written the blocks it made
/// (`owners`, from [`Ran::owners`]) into `out`, and receives the others'. Nothing to do on one
/// process (`owners` is `None`).
pub(crate) fn share<T: Element>(
    out: &mut ArrayD<T>,
    chunks: &Chunks,
    owners: Option<&[usize]>,
    scheduler: &Scheduler,
) -> Result<()> {
    let (Some(owners), Some(cluster)) = (owners, scheduler.cluster()) else {
        return Ok(());
    };
    if cluster.size() == 1 {
        return Ok(());
    }
    // Where each rank's blocks fill whole slabs along the first axis (as contiguous placement
    // gives when ranks own whole rows of blocks), they are one range of the result each: sent
    // straight into place.
    if let Some(regions) = slab_regions(chunks, owners)
        && cluster.exchange_regions(out, &regions)
    {
        return Ok(());
    }
    let rank = cluster.rank();
    let blocks = chunks.num_blocks();
    let mine: Vec<usize> = (0..blocks).filter(|&b| owners[b] == rank).collect();
    let mut bytes = Vec::with_capacity(
        mine.iter()
            .map(|&b| chunks.block_shape(b).size())
            .sum::<usize>()
            * wire::width::<T>().unwrap_or(1),
    );
    for &b in &mine {
        let ranges = chunks.block_ranges(b);
        let block = out.slice_each_axis(|ax| Slice::from(ranges[ax.axis.index()].clone()));
        put_elements(block, &mut bytes);
    }
    let all = cluster.all_gather(&bytes);
    drop(bytes);
    for r in (0..cluster.size()).filter(|&r| r != rank) {
        let theirs = &all[r];
        let mut at = 0;
        for b in (0..blocks).filter(|&b| owners[b] == r) {
            let ranges = chunks.block_ranges(b);
            let block = out.slice_each_axis_mut(|ax| Slice::from(ranges[ax.axis.index()].clone()));
            at += get_elements(&theirs[at..], block);
        }
        debug_assert_eq!(at, theirs.len(), "rank {r} sent its blocks' bytes exactly");
    }
    Ok(())
}

/// Appends the elements of `view`: numbers in their wire form, other types (checked to cross)
/// as a block, by tag or registered codec.
fn put_elements<T: Element>(view: ndarray::ArrayViewD<'_, T>, out: &mut Vec<u8>) {
    if wire::width::<T>().is_some() {
        wire::encode_view(view, out);
    } else {
        let t = Some(TypeId::of::<T>());
        let written = wire::blocks::put_any(t, &owned(view.to_owned()), None, out);
        assert!(
            written,
            "{} was checked to cross",
            std::any::type_name::<T>()
        );
    }
}

/// Reads into `view` what [`put_elements`] wrote at the start of `bytes`; the bytes read.
fn get_elements<T: Element>(bytes: &[u8], mut view: ndarray::ArrayViewMutD<'_, T>) -> usize {
    if wire::width::<T>().is_some() {
        return wire::decode_view(bytes, view);
    }
    let (value, used) = wire::blocks::get_any(Some(TypeId::of::<T>()), bytes);
    view.assign(&block_of::<T>(&value).view());
    used
}

/// The result's elements by owner, as ranges in row-major order, when every slab of blocks
/// along the first axis has one owner (adjacent slabs of one owner merged); `None` otherwise,
/// and for 0-d results.
fn slab_regions(chunks: &Chunks, owner: &[usize]) -> Option<Vec<(usize, std::ops::Range<usize>)>> {
    let grid = chunks.grid_shape();
    let (&slabs, rest) = grid.split_first()?;
    let per_slab: usize = rest.iter().product();
    let inner: usize = chunks.shape()[1..].iter().product();
    let mut regions: Vec<(usize, std::ops::Range<usize>)> = Vec::new();
    for g in 0..slabs {
        let owners = &owner[g * per_slab..(g + 1) * per_slab];
        let &first = owners.first()?;
        if owners.iter().any(|&o| o != first) {
            return None;
        }
        let start = chunks.starts(0)[g] * inner;
        let end = start + chunks.sizes()[0][g] * inner;
        match regions.last_mut() {
            Some((o, range)) if *o == first && range.end == start => range.end = end,
            _ => regions.push((first, start..end)),
        }
    }
    Some(regions)
}
