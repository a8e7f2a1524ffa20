//! The plan of one computation: the nodes of an expression DAG in topological order, and the
//! decisions its passes make about them (which nodes are fused into their readers, which
//! blocks are needed at all).
//!
//! ```text
//!   expression DAG            plan (after the passes)          task graph (lower)
//!   from_ndarray ──┐          from_ndarray  inlined             one task per output block:
//!                  mul ─ add   mul           inlined    ──►      eval add(mul(from_ndarray))
//!                              add           root, 4 blocks      4 tasks
//! ```
#![forbid(unsafe_code)]

pub(crate) mod passes;

use ndarray::Dimension as _;
use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::expr::{NodeRef, Role};
use crate::scheduler::TaskId;

/// Marks a block that the output needs but that has no task yet.
pub(crate) const NEEDED: TaskId = TaskId::MAX - 1;
/// Marks a block that the output does not need.
pub(crate) const UNUSED: TaskId = TaskId::MAX;

/// The nodes of one computation and the decisions the optimizer made about them.
pub(crate) struct Plan {
    /// Topological order: every node after its inputs; the root last.
    pub(crate) nodes: Vec<NodeRef>,
    /// For each node, the position in `nodes` of each of its inputs.
    pub(crate) input_ids: Vec<Vec<usize>>,
    /// Nodes whose blocks are computed inside their consumer's tasks.
    pub(crate) inline: Vec<bool>,
    /// For each node and block: its task id, [`NEEDED`] or [`UNUSED`].
    pub(crate) tasks: Vec<Vec<TaskId>>,
}

impl Plan {
    /// Plans the computation of all blocks of `root`.
    pub(crate) fn new(root: &NodeRef) -> Result<Plan> {
        Plan::new_for(root, |_| true)
    }

    /// Plans the computation of the blocks of `root` for which `wanted` holds, and of what they
    /// need.
    ///
    /// # Errors
    ///
    /// [`Error::TooLarge`] if the per-block bookkeeping of a node cannot be allocated (an array
    /// of more blocks than memory can list, such as 2^40), and [`Error::BlockTooLarge`] if a
    /// block that must be computed cannot be.
    pub(crate) fn new_for(root: &NodeRef, wanted: impl Fn(usize) -> bool) -> Result<Plan> {
        let (nodes, input_ids) = toposort(root);
        let mut tasks = Vec::with_capacity(nodes.len());
        for n in &nodes {
            let blocks = n.chunks().num_blocks();
            let mut t = Vec::new();
            t.try_reserve_exact(blocks).map_err(|_| Error::TooLarge {
                shape: n.chunks().shape().to_vec(),
                what: "blocks",
            })?;
            t.resize(blocks, UNUSED);
            tasks.push(t);
        }
        let mut plan = Plan {
            inline: vec![false; nodes.len()],
            tasks,
            nodes,
            input_ids,
        };
        let root = plan.root();
        for (b, t) in plan.tasks[root].iter_mut().enumerate() {
            if wanted(b) {
                *t = NEEDED;
            }
        }
        passes::run(&mut plan);
        plan.check_block_sizes()?;
        Ok(plan)
    }

    /// An error unless every block that runs can be allocated: a block size is a parameter
    /// (`chunks`) or read from a file, and an allocation that fails inside a task would abort
    /// the process. One fallible reservation, never touched, per node: of its largest block,
    /// and only if that fails, of its largest block that runs.
    fn check_block_sizes(&self) -> Result<()> {
        let fits = |bytes: u128| {
            usize::try_from(bytes)
                .ok()
                .is_some_and(|b| Vec::<u8>::new().try_reserve_exact(b).is_ok())
        };
        let bytes = |elem: usize, shape: &[usize]| {
            shape
                .iter()
                .fold(elem as u128, |acc, &n| acc.saturating_mul(n as u128))
        };
        for (n, node) in self.nodes.iter().enumerate() {
            let chunks = node.chunks();
            let largest: Vec<usize> = chunks
                .sizes()
                .iter()
                .map(|s| s.iter().copied().max().unwrap_or(0))
                .collect();
            if fits(bytes(node.elem_size(), &largest)) {
                continue;
            }
            let used = (0..chunks.num_blocks()).filter(|&b| self.tasks[n][b] != UNUSED);
            let shape = used
                .map(|b| chunks.block_shape(b).slice().to_vec())
                .max_by_key(|s| bytes(node.elem_size(), s));
            if let Some(shape) = shape.filter(|s| !fits(bytes(node.elem_size(), s))) {
                return Err(Error::BlockTooLarge {
                    op: node.describe(),
                    bytes: bytes(node.elem_size(), &shape),
                    shape,
                });
            }
        }
        Ok(())
    }

    /// Tells each node that reads ahead which of its blocks the computation about to run will
    /// read (call it only for a plan that runs).
    pub(crate) fn announce_reads(&self) {
        for (n, node) in self.nodes.iter().enumerate() {
            if let Role::Stored(stored) = node.role()
                && stored.reads_ahead()
            {
                let blocks: Vec<usize> = (0..self.tasks[n].len())
                    .filter(|&b| self.tasks[n][b] != UNUSED)
                    .collect();
                stored.will_read(&blocks);
            }
        }
    }

    pub(crate) fn root(&self) -> usize {
        self.nodes.len() - 1
    }

    /// Number of tasks that computing the root runs.
    pub(crate) fn num_tasks(&self) -> usize {
        (0..self.nodes.len())
            .filter(|&n| !self.inline[n])
            .map(|n| self.tasks[n].iter().filter(|&&t| t != UNUSED).count())
            .sum()
    }
}

/// The nodes reachable from `root`, each after its inputs, and the positions of their inputs.
pub(crate) fn toposort(root: &NodeRef) -> (Vec<NodeRef>, Vec<Vec<usize>>) {
    fn key(n: &NodeRef) -> *const () {
        Arc::as_ptr(n) as *const ()
    }
    let mut order: Vec<NodeRef> = Vec::new();
    let mut index: HashMap<*const (), usize> = HashMap::new();
    // Iterative depth-first search: (node, next input to visit).
    let mut stack: Vec<(NodeRef, usize)> = vec![(root.clone(), 0)];
    // Nodes pushed so far; the expression graph is acyclic, so a pushed node is never revisited.
    let mut seen: HashSet<*const ()> = HashSet::from([key(root)]);
    while let Some((node, next)) = stack.pop() {
        let inputs = node.inputs();
        if next < inputs.len() {
            let child = inputs[next].clone();
            stack.push((node, next + 1));
            if seen.insert(key(&child)) {
                stack.push((child, 0));
            }
        } else {
            index.insert(key(&node), order.len());
            order.push(node);
        }
    }
    let input_ids = order
        .iter()
        .map(|n| n.inputs().iter().map(|i| index[&key(i)]).collect())
        .collect();
    (order, input_ids)
}

/// A hash of the plan's structure (operations, shapes, chunks, element sizes and types,
/// edges), equal for two processes that built the same graph from the same program: ranks of
/// a cluster compare it before they run a graph together.
pub(crate) fn fingerprint(root: &NodeRef, crosses: impl Fn(std::any::TypeId) -> bool) -> u64 {
    let (nodes, inputs) = toposort(root);
    let mut h = DefaultHasher::new();
    for (node, ins) in nodes.iter().zip(&inputs) {
        node.name().hash(&mut h);
        node.chunks().sizes().hash(&mut h);
        node.elem_size().hash(&mut h);
        crosses(node.elem_type()).hash(&mut h);
        ins.hash(&mut h);
    }
    h.finish()
}
