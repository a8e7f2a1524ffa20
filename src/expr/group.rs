//! Several arrays' blocks as one node, the root of a graph that computes (or stores) them all.

use std::sync::Arc;

use super::{BlockRef, Node, NodeRef, Props, Role};
use crate::chunks::Chunks;
use crate::error::Result;
use crate::scheduler::Value;

/// The blocks of several arrays as one node: block `b` is block `blocks[b].1` of input
/// `blocks[b].0`. Each input is read once per block, so it is computed inside these tasks,
/// which the caller's write (to results, to stores) finishes; they keep nothing.
pub(crate) struct Group {
    props: Props,
    /// Whether the root's write takes each input's own inputs (see [`Role::HandsOver`]).
    hand_over: bool,
    pub(crate) blocks: Vec<(usize, usize)>,
}

impl Group {
    pub(crate) fn new(name: &'static str, inputs: Vec<NodeRef>) -> Group {
        let blocks: Vec<(usize, usize)> = inputs
            .iter()
            .enumerate()
            .flat_map(|(i, n)| (0..n.chunks().num_blocks()).map(move |b| (i, b)))
            .collect();
        let chunks = Chunks::from_valid(vec![blocks.len()], vec![vec![1; blocks.len()]]);
        Group {
            props: Props::new::<()>(name, chunks, inputs)
                .one_to_one()
                .keeping_nothing(),
            hand_over: false,
            blocks,
        }
    }
}

impl Group {
    /// The same group, whose root write is handed each input's own inputs where that input is
    /// fused into its tasks (see [`Role::HandsOver`]).
    pub(crate) fn handing_over(mut self) -> Group {
        self.hand_over = true;
        self
    }
}

impl Node for Group {
    fn props(&self) -> &Props {
        &self.props
    }
    fn role(&self) -> Role<'_> {
        if self.hand_over {
            Role::HandsOver
        } else {
            Role::Plain
        }
    }
    fn block_inputs(&self, block: usize, deps: &mut Vec<BlockRef>) {
        let (input, block) = self.blocks[block];
        deps.push(BlockRef { input, block });
    }
    fn compute(&self, _block: usize, _inputs: &mut Vec<Value>) -> Result<Value> {
        Ok(Arc::new(())) // nothing is kept
    }
}
