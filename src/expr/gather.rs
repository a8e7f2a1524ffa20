//! Block relabelling: each output block made from a fixed few input blocks by a closure
//! (transposes, reshapes, joins, broadcasts, boolean masks).
//!
//! The operation decides which input blocks an output block reads (`deps`) and how they make it
//! (`kernel`); this node only carries the two, so that each operation's geometry stays in one
//! place beside its public method.

use super::{BlockRef, Node, NodeRef};
use crate::chunks::Chunks;
use crate::error::Result;
use crate::scheduler::Value;

/// Appends the input blocks that an output block reads.
pub(crate) type DepsFn = Box<dyn Fn(usize, &mut Vec<BlockRef>) + Send + Sync>;
/// Makes an output block from its input blocks' values, in `DepsFn` order.
pub(crate) type BlockFn = Box<dyn Fn(usize, &mut Vec<Value>) -> Result<Value> + Send + Sync>;

pub(crate) struct Gather {
    pub(crate) name: &'static str,
    pub(crate) chunks: Chunks,
    pub(crate) inputs: Vec<NodeRef>,
    pub(crate) deps: DepsFn,
    pub(crate) kernel: BlockFn,
    /// The bytes of one output element (see [`Node::elem_size`]).
    pub(crate) elem_size: usize,
    /// The type of the output's elements (see [`Node::elem_type`]).
    pub(crate) elem_type: std::any::TypeId,
    /// Whether each input block is read by at most one output block (see
    /// [`Node::one_to_one`]).
    pub(crate) one_to_one: bool,
}

impl Node for Gather {
    fn elem_size(&self) -> usize {
        self.elem_size
    }
    fn elem_type(&self) -> std::any::TypeId {
        self.elem_type
    }
    fn name(&self) -> &str {
        self.name
    }
    fn chunks(&self) -> &Chunks {
        &self.chunks
    }
    fn inputs(&self) -> &[NodeRef] {
        &self.inputs
    }
    fn one_to_one(&self, _input: usize) -> bool {
        self.one_to_one
    }
    fn block_inputs(&self, block: usize, deps: &mut Vec<BlockRef>) {
        (self.deps)(block, deps)
    }
    fn compute(&self, block: usize, inputs: &mut Vec<Value>) -> Result<Value> {
        (self.kernel)(block, inputs)
    }
}
