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
pub mod zarr;

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::chunks::Chunks;
use crate::error::{Error, Result};
use crate::expr::{BlockRef, Node, NodeRef};
use crate::graph::Plan;
use crate::scheduler::{Scheduler, Value};

/// Runs `root`, whose blocks do their work as a side effect (writes), keeping nothing.
pub(crate) fn run_sink(root: &NodeRef, scheduler: &Scheduler) -> Result<()> {
    let graph = Plan::new(root).lower(|node, b, inputs| node.compute(b, inputs).map(drop));
    scheduler.execute(graph, &[])?;
    Ok(())
}

/// The value a write task leaves: nothing.
pub(crate) fn done() -> Value {
    std::sync::Arc::new(())
}

/// Several sinks run as one graph: block `b` is one block of one of them (dask's `store` of
/// several arrays at once). Each sink is read block for block, so it fuses into these tasks.
pub(crate) struct Sinks {
    inputs: Vec<NodeRef>,
    /// For each block: the sink and its block.
    blocks: Vec<(usize, usize)>,
    chunks: Chunks,
}

impl Sinks {
    pub(crate) fn new(inputs: Vec<NodeRef>) -> Sinks {
        let blocks: Vec<(usize, usize)> = inputs
            .iter()
            .enumerate()
            .flat_map(|(i, n)| (0..n.chunks().num_blocks()).map(move |b| (i, b)))
            .collect();
        let chunks = Chunks::from_valid(vec![blocks.len()], vec![vec![1; blocks.len()]]);
        Sinks {
            inputs,
            blocks,
            chunks,
        }
    }
}

impl Node for Sinks {
    fn name(&self) -> &str {
        "store"
    }
    fn chunks(&self) -> &Chunks {
        &self.chunks
    }
    fn inputs(&self) -> &[NodeRef] {
        &self.inputs
    }
    fn one_to_one(&self, _input: usize) -> bool {
        true
    }
    fn block_inputs(&self, block: usize, deps: &mut Vec<BlockRef>) {
        if let Some(&(input, block)) = self.blocks.get(block) {
            deps.push(BlockRef { input, block });
        }
    }
    fn compute(&self, _block: usize, _inputs: &mut Vec<Value>) -> Result<Value> {
        Ok(done())
    }
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

/// Writes `bytes` to `path` through a temporary file renamed into place: readers see the old
/// file or the new one, never a torn one. The temporary file is removed if anything fails.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = temp_path(path);
    let result = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
