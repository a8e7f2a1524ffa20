//! The passes over a [`Plan`], run in a fixed order, as dask's `optimize` runs its list.
//!
//! 1. [`Fuse`]: decide which nodes are computed inside their consumer's tasks. Must run before
//!    [`Cull`], which skips fused nodes when it counts tasks but still walks through them.
//! 2. [`Cull`]: mark the blocks that the root's blocks need; everything else is never lowered.
//!
//! A new pass is a file here with a type implementing [`Pass`], and a place in [`PASSES`].
#![forbid(unsafe_code)]

mod cull;
mod fuse;

use super::Plan;
pub(crate) use cull::Cull;
pub(crate) use fuse::Fuse;

/// One rewrite of a plan's decisions.
pub(crate) trait Pass: Sync {
    /// Rewrites `plan`.
    fn run(&self, plan: &mut Plan);
}

/// The passes, in the order they run.
pub(crate) const PASSES: [&dyn Pass; 2] = [&Fuse, &Cull];

/// Runs every pass over `plan`, in order.
pub(crate) fn run(plan: &mut Plan) {
    for pass in PASSES {
        pass.run(plan);
    }
}
