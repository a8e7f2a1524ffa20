//! Culling: only the blocks that the requested output needs are lowered to tasks.

use crate::expr::{BlockRef, SELF};
use crate::plan::{NEEDED, Plan, UNUSED};

use super::Pass;

/// Walks from the root's needed blocks to the input blocks they read, marking them [`NEEDED`].
pub(crate) struct Cull;

impl Pass for Cull {
    fn run(&self, plan: &mut Plan) {
        cull_blocks(plan);
    }
}

fn cull_blocks(plan: &mut Plan) {
    let mut refs: Vec<BlockRef> = Vec::new();
    for n in (0..plan.nodes.len()).rev() {
        // Highest block first: a chained block marks the lower blocks it reads before they are
        // visited.
        for b in (0..plan.tasks[n].len()).rev() {
            if plan.tasks[n][b] == UNUSED {
                continue;
            }
            refs.clear();
            plan.nodes[n].block_inputs(b, &mut refs);
            for r in &refs {
                let m = if r.input == SELF {
                    debug_assert!(r.block < b, "a chained block reads a lower block");
                    n
                } else {
                    plan.input_ids[n][r.input]
                };
                plan.tasks[m][r.block] = NEEDED;
            }
        }
    }
}
