//! Zarr stores, read and written in parallel, one task per chunk (built on the `zarrs` crate).
//!
//! - [`Array::from_zarr`](crate::Array::from_zarr) opens a Zarr v3 (or v2) array: its blocks are the store's chunks, and
//!   each is read by its own task only if the computation needs it.
//!   [`Array::from_zarr_with_chunks`](crate::Array::from_zarr_with_chunks) cuts it into other blocks.
//! - [`Array::to_zarr`](crate::Array::to_zarr) writes an array as a Zarr v3 array (chunk shape, compression, fill
//!   value, attributes in [`ZarrOptions`]); [`store`] writes several in one graph.
//! - `Array::from_zarr_url` reads a store over HTTP (feature `http`) or in S3 (feature `s3`),
//!   fetching only the chunks a graph needs; `Array::to_zarr_url` writes one to S3.
//!
//! Ghost cells over an uncompressed store read just the cells they need from each neighbour
//! chunk, inside the task that pads a block, so a `map_overlap` pipeline keeps only a few padded
//! blocks per thread in memory. (A compressed chunk must be decoded whole, so there the
//! neighbour blocks are read once and shared instead.)
//!
//! Each chunk is written to a temporary file and renamed into place, so a crash, a panic in a
//! task or a failed write leaves every chunk either old or new, never torn; a whole store is
//! written beside its path and swapped in once complete, so a failed overwrite leaves the old
//! store as it was (see [`Array::to_zarr_with`](crate::Array::to_zarr_with)). A missing chunk reads as the fill value; a
//! corrupt one is an error naming its key.

#[cfg(any(feature = "s3", feature = "http"))]
mod ahead;
mod element;
pub(super) mod fs;
mod options;
mod read;
mod region;
#[cfg(feature = "s3")]
mod s3;
mod write;

use std::path::Path;

use ndarray::Dimension as _;
use zarrs::array::CodecOptions;

use crate::chunks::Chunks;
#[cfg(any(feature = "s3", feature = "http"))]
use crate::error::Result;
use crate::error::{Cause, Error};
pub use element::ZarrElement;
pub use options::{Compression, ZarrOptions};
#[cfg(any(feature = "s3", feature = "http"))]
use read::ReadAhead;
pub use write::{ZarrSink, store};
pub(crate) use write::{commit_staged, stage};

fn path_string(path: &Path) -> String {
    path.display().to_string()
}

/// An [`Error::BadStore`] in our own words.
fn bad_store(path: &Path, message: impl std::fmt::Display) -> Error {
    Error::BadStore {
        path: path_string(path),
        message: message.to_string(),
        source: None,
    }
}

/// An [`Error::BadStore`] keeping the store library's error as its source.
fn store_failed(path: &Path, e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::BadStore {
        path: path_string(path),
        message: e.to_string(),
        source: Some(Cause::new(e)),
    }
}

/// The store's indices of block `block` of `chunks` (whose blocks are the store's chunks).
fn chunk_indices(chunks: &Chunks, block: usize) -> Vec<u64> {
    chunks
        .grid_index(block)
        .slice()
        .iter()
        .map(|&i| i as u64)
        .collect()
}

/// An [`Error::Chunk`] naming chunk `idx` of the array at `path`, in our own words.
fn chunk_error<S: ?Sized>(
    path: &Path,
    array: &zarrs::array::Array<S>,
    idx: &[u64],
    message: String,
) -> Error {
    Error::Chunk {
        path: path_string(path),
        key: array.chunk_key(idx).to_string(),
        message,
        source: None,
    }
}

/// An [`Error::Chunk`] naming chunk `idx` of the array at `path`, keeping the store's or
/// codec's error as its source.
fn chunk_failed<S: ?Sized>(
    path: &Path,
    array: &zarrs::array::Array<S>,
    idx: &[u64],
    e: impl std::error::Error + Send + Sync + 'static,
) -> Error {
    Error::Chunk {
        path: path_string(path),
        key: array.chunk_key(idx).to_string(),
        message: e.to_string(),
        source: Some(Cause::new(e)),
    }
}

/// One task's codec work stays on its own thread: the parallelism is across chunks.
fn codec_options() -> CodecOptions {
    CodecOptions::default().with_concurrent_target(1)
}

/// The document `name` (`zarr.json`, `.zattrs`) of the group at `url`, or `None` if the store
/// has none: for metadata that is not an array's, such as an OME-Zarr group's.
#[cfg(any(feature = "http", feature = "s3"))]
pub(crate) fn read_url_document(url: &str, name: &str) -> Result<Option<Vec<u8>>> {
    use zarrs::storage::{ReadableStorageTraits, StoreKey};
    let label = Path::new(url);
    #[cfg(feature = "s3")]
    if s3::is_s3_url(url) {
        let at = s3::locate(url)?;
        let key = StoreKey::new(at.key(name)).map_err(|e| store_failed(label, e))?;
        let got = at.store.get(&key).map_err(|e| store_failed(label, e))?;
        return Ok(got.map(|b| b.to_vec()));
    }
    #[cfg(feature = "http")]
    if url.starts_with("http://") || url.starts_with("https://") {
        let store = zarrs_http::HTTPStore::new(url).map_err(|e| store_failed(label, e))?;
        let key = StoreKey::new(name).map_err(|e| store_failed(label, e))?;
        let got = store.get(&key).map_err(|e| store_failed(label, e))?;
        return Ok(got.map(|b| b.to_vec()));
    }
    Err(bad_store(label, unsupported_url()))
}

/// Writes the document `name` of the group at an `s3://` URL (feature `s3`): one PUT.
#[cfg(feature = "s3")]
pub(crate) fn put_url_document(url: &str, name: &str, bytes: &[u8]) -> Result<()> {
    use zarrs::storage::{StoreKey, WritableStorageTraits};
    let at = s3::locate_for_write(url)?;
    let key = StoreKey::new(at.key(name)).map_err(|e| store_failed(&at.label, e))?;
    at.store
        .set(&key, bytes.to_vec().into())
        .map_err(|e| store_failed(&at.label, e))
}

/// The URL schemes this build reads, for the error on any other.
#[cfg(any(feature = "http", feature = "s3"))]
fn unsupported_url() -> String {
    let kinds = [
        (cfg!(feature = "s3"), "s3://"),
        (cfg!(feature = "http"), "http(s)://"),
    ];
    let enabled: Vec<&str> = kinds.iter().filter(|k| k.0).map(|k| k.1).collect();
    format!(
        "not a URL this build reads (it reads {}; features `s3` and `http` enable them)",
        enabled.join(" and ")
    )
}
