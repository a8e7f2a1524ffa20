//! Arrays on disk: Zarr stores ([`zarr`], behind the default `zarr` feature) and `.npy` files
//! ([`npy`]).
//!
//! Reading is lazy: each block is one task that reads only its own chunk (or bytes), so a slice
//! of a large store reads only what it touches. Writing is one task per block, run as soon as
//! the block is computed, after which the block is freed: a store is never assembled in memory.
//! Every write lands whole or not at all: data goes to a temporary file that is renamed into
//! place, so a crash or a failed task leaves each chunk (or file) old or new, never torn.

pub mod npy;
#[cfg(feature = "zarr")]
pub mod ome_zarr;
#[cfg(feature = "zarr")]
pub mod zarr;

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};
use crate::expr::NodeRef;
use crate::graph::Plan;
use crate::scheduler::{Scheduler, Value};

/// Runs `root`, whose blocks do their work as a side effect (writes), keeping nothing.
pub(crate) fn run_sink(root: &NodeRef, scheduler: &Scheduler) -> Result<()> {
    #[cfg(feature = "mpi")]
    if let Some(ranks) = scheduler.ranks() {
        return crate::dist::run_sink(root, scheduler, ranks);
    }
    let plan = Plan::new(root)?;
    let graph = scheduler
        .plan(|planner| plan.lower(planner, |node, b, inputs| node.compute(b, inputs).map(drop)));
    scheduler.execute(graph, &[])?;
    Ok(())
}

/// The value a write task leaves: nothing.
pub(crate) fn done() -> Value {
    std::sync::Arc::new(())
}

/// An [`Error::Io`] for `op` on `path`.
pub(crate) fn io_error(op: &'static str, path: &Path, e: &std::io::Error) -> Error {
    Error::Io {
        op,
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// A path beside `path` for a temporary file, unique within this process and across processes.
pub(crate) fn temp_path(path: &Path) -> std::path::PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let name = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.{n}.tmp", std::process::id()))
}
