//! Lazy expression nodes: what each operation on an array records.
//!
//! An [`Array`](crate::Array) is a handle to one node of a shared DAG. A node knows its chunks,
//! its input nodes, which input blocks each of its blocks reads, and how to compute one block
//! from them. Nothing runs here: the `graph` layer lowers the DAG to tasks at compute time.
#![forbid(unsafe_code)]

pub(crate) mod block;
pub(crate) mod blockwise;
pub(crate) mod rechunk;
pub(crate) mod source;

use std::sync::Arc;

use crate::chunks::Chunks;
use crate::error::Result;
use crate::scheduler::Value;

/// A shared, type-erased expression node.
pub(crate) type NodeRef = Arc<dyn Node>;

/// One block of one input of a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BlockRef {
    /// Position of the input in [`Node::inputs`].
    pub(crate) input: usize,
    /// Linear block index in that input's chunks.
    pub(crate) block: usize,
}

/// An operation in the lazy expression DAG.
pub(crate) trait Node: Send + Sync + 'static {
    /// Operation name, used in task names and error messages.
    fn name(&self) -> &str;

    /// The chunks of this node's output.
    fn chunks(&self) -> &Chunks;

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

    /// Computes output block `block` from the values of its input blocks, in `block_inputs`
    /// order. It may take the values out of `inputs` (to reuse a block it alone holds).
    fn compute(&self, block: usize, inputs: &mut Vec<Value>) -> Result<Value>;
}
