//! Lazy expression nodes: what each operation on an array records.
//!
//! An [`Array`](crate::Array) is a handle to one node of a shared DAG. A node knows its chunks,
//! its input nodes, which input blocks each of its blocks reads, and how to compute one block
//! from them. Nothing runs here: the `graph` layer lowers the DAG to tasks at compute time.
#![forbid(unsafe_code)]

pub(crate) mod block;
pub(crate) mod blockwise;
pub(crate) mod elementwise;
pub(crate) mod gather;
pub(crate) mod group;
pub(crate) mod linalg;
pub(crate) mod overlap;
pub(crate) mod permute;
pub(crate) mod random;
pub(crate) mod rechunk;
pub(crate) mod reduction;
pub(crate) mod scan;
pub(crate) mod source;
pub(crate) mod take;

use std::any::Any;
use std::sync::Arc;

use crate::chunks::Chunks;
use crate::error::Result;
use crate::scheduler::Value;

/// A shared, type-erased expression node.
pub(crate) type NodeRef = Arc<dyn Node>;

/// One block of one input of a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BlockRef {
    /// Position of the input in [`Node::inputs`], or [`SELF`] for an earlier block of the node
    /// itself (a chain, as in a cumulative sum's carries).
    pub(crate) input: usize,
    /// Linear block index in that input's chunks.
    pub(crate) block: usize,
}

/// [`BlockRef::input`] of a block of the reading node itself, which must have a lower index.
pub(crate) const SELF: usize = usize::MAX;

/// An operation in the lazy expression DAG.
pub(crate) trait Node: Send + Sync + 'static {
    /// Operation name, used in task names and error messages.
    fn name(&self) -> &str;

    /// The operation as error messages name it: its name, and for a source read from disk,
    /// the file.
    fn describe(&self) -> String {
        self.name().to_string()
    }

    /// The chunks of this node's output.
    fn chunks(&self) -> &Chunks;

    /// The bytes of one element of this node's blocks, for memory projections; 0 for a node
    /// whose tasks keep no block (a write to disk).
    fn elem_size(&self) -> usize;

    /// The type of the elements of this node's blocks (`()` for a node whose tasks keep no
    /// block), for distributed runs: which blocks can cross ranks.
    fn elem_type(&self) -> std::any::TypeId;

    /// The nodes this one reads.
    fn inputs(&self) -> &[NodeRef] {
        &[]
    }

    /// Appends the input blocks that output block `block` reads, in the order `compute` takes them.
    fn block_inputs(&self, _block: usize, _deps: &mut Vec<BlockRef>) {}

    /// Whether each block of input `input` is read by exactly one block of this node (and the
    /// input is read by nothing else of this node): then a producer used only here can be fused
    /// into this node's tasks.
    fn one_to_one(&self, _input: usize) -> bool {
        false
    }

    /// The node as an elementwise expression, if it is one (see [`elementwise`]).
    fn elementwise(&self) -> Option<&dyn elementwise::ElemNode> {
        None
    }

    /// The axis permutation this node applies to its one input, if it is a transpose (output
    /// axis `k` is input axis `perm[k]`).
    fn permutation(&self) -> Option<&[usize]> {
        None
    }

    /// Whether this node reads an elementwise input handed over as an expression
    /// ([`elementwise::Pending`]) rather than as a computed block.
    fn reads_pending(&self) -> bool {
        self.elementwise().is_some()
    }

    /// Whether some of this node's blocks read its own earlier blocks ([`SELF`]); such a node
    /// is never fused into its reader.
    fn chained(&self) -> bool {
        false
    }

    /// The part of its `k`-th input block (in [`Node::block_inputs`] order) that block `block`
    /// reads, as ranges relative to that input block; `None` when it reads all of it. A node
    /// that gives regions must accept, as that input, a block holding only the region
    /// ([`Block::Window`](block::Block::Window)): on a cluster, only the region crosses ranks.
    fn input_region(&self, _block: usize, _k: usize) -> Option<Vec<std::ops::Range<usize>>> {
        None
    }

    /// The rank where each block of this node lives, for blocks kept on one rank of a cluster
    /// (`persist_with` on a cluster scheduler); `None` for blocks that any rank can make. A node
    /// with homes is never fused into its reader, so that its tasks run where its blocks are.
    fn home(&self, _block: usize) -> Option<usize> {
        None
    }

    /// Whether this node reads an input that streams ([`Node::stream`]) run by run, rather than
    /// as a computed block.
    fn reads_streams(&self) -> bool {
        false
    }

    /// Whether [`Node::stream`] can produce this node's blocks run by run.
    fn streams(&self) -> bool {
        false
    }

    /// Produces block `block` as consecutive runs (row-major), each a `Vec<T>` handed to `f`,
    /// instead of making the whole block: for sources fused into a reduction.
    fn stream(&self, _block: usize, _f: &mut dyn FnMut(&dyn Any)) {
        unreachable!("stream is called only on nodes that stream")
    }

    /// Whether [`Node::read_region`] can read any part of any block directly (a stored array
    /// whose chunks can be read in part). A reader that needs only parts of its input blocks
    /// (ghost cells) then reads just those inside its own task, instead of keeping whole
    /// neighbour blocks alive until all their readers have run.
    fn reads_regions(&self) -> bool {
        false
    }

    /// Reads `ranges` (relative to block `block`) as a block value of that shape.
    fn read_region(&self, _block: usize, _ranges: &[std::ops::Range<usize>]) -> Result<Value> {
        unreachable!("read_region is called only on nodes that read regions")
    }

    /// Whether the node fetches its blocks from a store that serves many requests at once
    /// better than one at a time (a remote one): then [`Node::will_read`] tells it, before a
    /// computation runs, which blocks it will read.
    fn reads_ahead(&self) -> bool {
        false
    }

    /// The blocks of this node that a computation about to run will read, ascending.
    fn will_read(&self, _blocks: &[usize]) {}

    /// A [`WriteInto`] for this node's element type, as `Arc<dyn WriteInto<T>>`, if the node
    /// can write a block straight into the result's memory instead of making it first.
    fn writer(&self) -> Option<&(dyn Any + Send + Sync)> {
        None
    }

    /// Whether this node, as the root of a graph, only hands each block of one input to the
    /// caller's write: block `b` is the one block its `block_inputs` names. Then, where that
    /// input is fused into the root's tasks, lowering gives the write the input node and the
    /// input's own inputs instead of the computed block, so that the write can store the block
    /// straight into place (see [`Node::writer`]).
    fn hands_over(&self) -> bool {
        false
    }

    /// Computes output block `block` from the values of its input blocks, in `block_inputs`
    /// order. It may take the values out of `inputs` (to reuse a block it alone holds).
    fn compute(&self, block: usize, inputs: &mut Vec<Value>) -> Result<Value>;
}

/// Computes a block of `T` straight into the row segments of the result (see `array::output`),
/// saving the block's allocation and a copy: the last elementwise step of a computation writes
/// where the result lives.
pub(crate) trait WriteInto<T>: Send + Sync {
    /// Computes block `block` from its input values and writes it, row by row (runs along the
    /// last axis, in row-major order), into `rows`.
    fn write_into(
        &self,
        block: usize,
        inputs: &mut Vec<Value>,
        rows: &mut [&mut [T]],
    ) -> Result<()>;
}
