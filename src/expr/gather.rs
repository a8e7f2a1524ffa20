//! Block relabelling: each output block made from a fixed few input blocks by a closure
//! (transposes, reshapes, joins, broadcasts, boolean masks).
//!
//! The operation decides which input blocks an output block reads (`deps`) and how they make it
//! (`kernel`); this node only carries the two, so that each operation's geometry stays in one
//! place beside its public method.

use super::{BlockRef, Node, NodeRef, Props};
use crate::chunks::Chunks;
use crate::error::Result;
use crate::scheduler::Value;

/// Appends the input blocks that an output block reads.
pub(crate) type DepsFn = Box<dyn Fn(usize, &mut Vec<BlockRef>) + Send + Sync>;
/// Makes an output block from its input blocks' values, in `DepsFn` order.
pub(crate) type BlockFn = Box<dyn Fn(usize, &mut Vec<Value>) -> Result<Value> + Send + Sync>;

pub(crate) struct Gather {
    props: Props,
    deps: DepsFn,
    kernel: BlockFn,
}

impl Gather {
    /// A node of `T` elements named `name`, with `chunks`, reading `inputs`: block `b` reads
    /// the input blocks `deps` names and `kernel` makes it from them. `one_to_one`: each input
    /// block is read by at most one output block.
    pub(crate) fn new<T: 'static>(
        name: &'static str,
        chunks: Chunks,
        inputs: Vec<NodeRef>,
        one_to_one: bool,
        deps: DepsFn,
        kernel: BlockFn,
    ) -> Gather {
        let n = inputs.len();
        Gather {
            props: Props::new::<T>(name, chunks, inputs).one_to_one_each(vec![one_to_one; n]),
            deps,
            kernel,
        }
    }
}

impl Gather {
    /// This node, writing its blocks straight into the result as the root of a computation
    /// (the array built on it holds the writer).
    pub(crate) fn writing_in_place(mut self) -> Gather {
        self.props = self.props.writes_in_place(true);
        self
    }

    /// This node, whose blocks must each hold `axes` whole ([`Props::whole_axes`]).
    pub(crate) fn whole_along(mut self, axes: Vec<usize>) -> Gather {
        self.props = self.props.whole_along(axes);
        self
    }
}

impl Node for Gather {
    fn props(&self) -> &Props {
        &self.props
    }
    fn block_inputs(&self, block: usize, deps: &mut Vec<BlockRef>) {
        (self.deps)(block, deps)
    }
    fn compute(&self, block: usize, inputs: &mut Vec<Value>) -> Result<Value> {
        (self.kernel)(block, inputs)
    }
}
