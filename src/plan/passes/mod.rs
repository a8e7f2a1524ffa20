//! The passes over a [`Plan`](crate::plan::Plan), run in a fixed order.
//!
//! 1. `fuse`: decide which nodes are computed inside their consumer's tasks. Must run before
//!    `cull`, which skips fused nodes when it counts tasks but still walks through them.
//! 2. `cull`: mark the blocks that the root's blocks need; everything else is never lowered.
#![forbid(unsafe_code)]

mod cull;
mod fuse;

use crate::plan::Plan;

pub(crate) fn run(plan: &mut Plan) {
    fuse::fuse_one_to_one(plan);
    cull::cull_blocks(plan);
}
