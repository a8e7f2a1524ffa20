//! Fusion: a node whose only consumer reads each of its blocks exactly once is computed inside
//! that consumer's tasks, so a chain like `(&x * 2.0 + 1.0).map(f)` runs one task per block.

use super::Pass;
use crate::plan::Plan;

/// Marks the nodes to inline: not the root, read by exactly one node, and read one-to-one by it.
pub(crate) struct Fuse;

impl Pass for Fuse {
    fn run(&self, plan: &mut Plan) {
        fuse_one_to_one(plan);
    }
}

fn fuse_one_to_one(plan: &mut Plan) {
    let n = plan.nodes.len();
    // For each node: its single consumer so far, or `None` once a second one appears.
    let mut consumer: Vec<Option<Option<usize>>> = vec![None; n];
    let mut one_to_one = vec![true; n];
    for c in 0..n {
        for (slot, &m) in plan.input_ids[c].iter().enumerate() {
            consumer[m] = match consumer[m] {
                None => Some(Some(c)),
                Some(Some(prev)) if prev == c => Some(Some(c)),
                _ => Some(None),
            };
            one_to_one[m] &= plan.nodes[c].props().one_to_one[slot];
        }
    }
    let root = plan.root();
    for m in 0..n {
        plan.inline[m] = m != root
            && matches!(consumer[m], Some(Some(_)))
            && one_to_one[m]
            && !plan.nodes[m].props().chained
            && plan.nodes[m].home(0).is_none();
    }
}
