//! Arrays on disk and in object stores: Zarr stores ([`zarr`], behind the default `zarr`
//! feature; over HTTP with feature `http`, in S3 with feature `s3`), OME-Zarr pyramids
//! ([`ome_zarr`]), `.npy` files ([`npy`]) and folders of images (`imread`, feature `imread`).
//!
//! Reading is lazy: each block is one task that reads only its own chunk (or bytes), so a slice
//! of a large store reads only what it touches. Writing is one task per block, run as soon as
//! the block is computed, after which the block is freed: a store is never assembled in memory.
//! Every write lands whole or not at all: data goes to a temporary file that is renamed into
//! place (in an object store, each chunk is one PUT), so a crash or a failed task leaves each
//! chunk (or file) old or new, never torn. A Zarr store or OME-Zarr pyramid in a directory is
//! built beside its path and swapped in once complete, and a `.npy` file renamed into place,
//! so a failed overwrite leaves the old array as it was.

#[cfg(feature = "imread")]
pub mod imread;
pub mod npy;
#[cfg(feature = "zarr")]
pub mod ome_zarr;
#[cfg(feature = "zarr")]
pub mod zarr;

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::chunks::Chunks;
use crate::error::{Error, Result};
use crate::expr::{BlockRef, Node, NodeRef, Props};
use crate::scheduler::{Scheduler, Value};

/// Runs `root`, whose blocks do their work as a side effect (writes), keeping nothing.
pub(crate) fn run_sink(root: &NodeRef, scheduler: &Scheduler) -> Result<()> {
    crate::lower::run(root, &|_| true, crate::lower::Output::Sink, scheduler).map(drop)
}

/// How a sink writes one block of its input (a store's chunk, a file's bytes).
pub(crate) trait WriteBlock: Send + Sync + 'static {
    /// The operation's name.
    const NAME: &'static str;
    /// Writes block `block` (of `chunks`), whose value is `input`.
    fn write(&self, chunks: &Chunks, block: usize, input: &Value) -> Result<()>;
}

/// The node of a write: each block of its one input written by `W`, nothing kept.
pub(crate) struct Sink<W> {
    props: Props,
    writer: W,
}

impl<W: WriteBlock> Sink<W> {
    /// A node writing each block of `input` (cut as `chunks`) with `writer`.
    pub(crate) fn node(input: NodeRef, chunks: Chunks, writer: W) -> NodeRef {
        std::sync::Arc::new(Sink {
            props: Props::new::<()>(W::NAME, chunks, vec![input])
                .one_to_one()
                .keeping_nothing(),
            writer,
        })
    }
}

impl<W: WriteBlock> Node for Sink<W> {
    fn props(&self) -> &Props {
        &self.props
    }
    fn block_inputs(&self, block: usize, deps: &mut Vec<BlockRef>) {
        deps.push(BlockRef { input: 0, block });
    }
    fn compute(&self, block: usize, inputs: &mut Vec<Value>) -> Result<Value> {
        self.writer.write(&self.props.chunks, block, &inputs[0])?;
        Ok(done())
    }
}

/// The value a write task leaves: nothing.
pub(crate) fn done() -> Value {
    std::sync::Arc::new(())
}

/// An [`Error::Io`] for `op` on `path`, keeping `e` as its source.
pub(crate) fn io_error(op: &'static str, path: &Path, e: std::io::Error) -> Error {
    Error::Io {
        op,
        path: path.display().to_string(),
        message: e.to_string(),
        source: crate::error::Cause::new(e),
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
