//! Zarr stores, read and written in parallel, one task per chunk (built on the `zarrs` crate).
//!
//! - [`Array::from_zarr`] opens a Zarr v3 (or v2) array: its blocks are the store's chunks, and
//!   each is read by its own task only if the computation needs it.
//!   [`Array::from_zarr_with_chunks`] cuts it into other blocks.
//! - [`Array::to_zarr`] writes an array as a Zarr v3 array (chunk shape, compression, fill
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
//! store as it was (see [`Array::to_zarr_with`]). A missing chunk reads as the fill value; a
//! corrupt one is an error naming its key.

#[cfg(any(feature = "s3", feature = "http"))]
mod ahead;
pub(super) mod fs;
#[cfg(feature = "s3")]
mod s3;

use std::marker::PhantomData;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ndarray::Dimension as _;
use ndarray::{ArrayD, IxDyn, Slice};
use zarrs::array::codec::{GzipCodec, ShardingCodecBuilder, ZstdCodec};
use zarrs::array::{ArrayBuilder, ArraySubset, CodecOptions, DataType, ElementOwned, data_type};
use zarrs::filesystem::FilesystemStore;

use super::{Sink, WriteBlock, run_sink};
use crate::array::Array;
use crate::array::output::write_rows;
use crate::chunks::Chunks;
use crate::error::{Error, Result};
use crate::expr::block::{Element, block_of, owned, row_major_vec};
use crate::expr::group::Group;
use crate::expr::{Node, NodeRef, WriteInto};
use crate::scheduler::{Scheduler, Value};
use fs::AtomicStore;
pub(crate) use fs::Staging;

/// Element types that Zarr stores hold: the fixed-width integers, floats and `bool`, and
/// `usize` and `isize` (what indices and `argmax` give) as 64-bit integers (`uint64`, `int64`),
/// which read back as any 64-bit integer type.
///
/// # Examples
///
/// ```
/// use chunkwise::io::zarr::ZarrElement;
/// assert_eq!(<f32 as ZarrElement>::NAME, "float32");
/// assert_eq!(<bool as ZarrElement>::NAME, "bool");
/// assert_eq!(<usize as ZarrElement>::NAME, "uint64");
/// ```
pub trait ZarrElement: Element + Copy {
    /// The Zarr v3 name of the data type.
    const NAME: &'static str;
    /// The type the store's codecs encode: `Self`, or the 64-bit integer for `usize`/`isize`.
    #[doc(hidden)]
    type Stored: ElementOwned + zarrs::array::Element + Copy;
    /// `elements` as the store's type (no copy where that is `Self`).
    #[doc(hidden)]
    fn stored(elements: &[Self]) -> std::borrow::Cow<'_, [Self::Stored]>;
    /// Elements decoded as the store's type, as `Self`.
    #[doc(hidden)]
    fn from_stored(stored: Vec<Self::Stored>) -> Vec<Self>;
    /// The Zarr data type.
    fn data_type() -> DataType;
    /// This value as a Zarr fill value.
    fn fill_value(self) -> zarrs::array::FillValue;
    /// Fills `out` from `bytes`: `out.len()` elements in native byte order, as decoded chunks
    /// hold them.
    #[doc(hidden)]
    fn from_ne_bytes_into(bytes: &[u8], out: &mut [Self]);
    /// The elements of `bytes`, in native byte order: a new vector, filled as it is made (no
    /// zeroing pass first).
    #[doc(hidden)]
    fn vec_from_ne_bytes(bytes: &[u8]) -> Vec<Self> {
        let mut out = vec![Self::default(); bytes.len() / std::mem::size_of::<Self>()];
        Self::from_ne_bytes_into(bytes, &mut out);
        out
    }
}

macro_rules! zarr_elements {
    ($($t:ty => $name:literal, $f:ident;)*) => {$(
        impl ZarrElement for $t {
            const NAME: &'static str = $name;
            type Stored = $t;
            fn stored(elements: &[Self]) -> std::borrow::Cow<'_, [Self]> {
                std::borrow::Cow::Borrowed(elements)
            }
            fn from_stored(stored: Vec<Self>) -> Vec<Self> {
                stored
            }
            fn data_type() -> DataType {
                data_type::$f()
            }
            fn fill_value(self) -> zarrs::array::FillValue {
                self.into()
            }
            fn from_ne_bytes_into(bytes: &[u8], out: &mut [Self]) {
                const N: usize = std::mem::size_of::<$t>();
                for (o, b) in out.iter_mut().zip(bytes.chunks_exact(N)) {
                    *o = <$t>::from_ne_bytes(b.try_into().expect("chunks of N bytes"));
                }
            }
            fn vec_from_ne_bytes(bytes: &[u8]) -> Vec<Self> {
                const N: usize = std::mem::size_of::<$t>();
                bytes
                    .chunks_exact(N)
                    .map(|b| <$t>::from_ne_bytes(b.try_into().expect("chunks of N bytes")))
                    .collect()
            }
        }
    )*};
}

/// `usize` and `isize` as the 64-bit integers they are on 64-bit targets (converted with
/// `as` elsewhere, so a stored value past a 32-bit target's range wraps there).
macro_rules! zarr_pointer_sized {
    ($($t:ty => $wide:ty, $name:literal, $f:ident;)*) => {$(
        impl ZarrElement for $t {
            const NAME: &'static str = $name;
            type Stored = $wide;
            fn stored(elements: &[Self]) -> std::borrow::Cow<'_, [$wide]> {
                std::borrow::Cow::Owned(elements.iter().map(|&v| v as $wide).collect())
            }
            fn from_stored(stored: Vec<$wide>) -> Vec<Self> {
                stored.into_iter().map(|v| v as $t).collect()
            }
            fn data_type() -> DataType {
                data_type::$f()
            }
            fn fill_value(self) -> zarrs::array::FillValue {
                (self as $wide).into()
            }
            fn from_ne_bytes_into(bytes: &[u8], out: &mut [Self]) {
                const N: usize = std::mem::size_of::<$wide>();
                for (o, b) in out.iter_mut().zip(bytes.chunks_exact(N)) {
                    *o = <$wide>::from_ne_bytes(b.try_into().expect("chunks of N bytes")) as $t;
                }
            }
        }
    )*};
}

zarr_pointer_sized! {
    usize => u64, "uint64", uint64;
    isize => i64, "int64", int64;
}

impl ZarrElement for bool {
    const NAME: &'static str = "bool";
    type Stored = bool;
    fn stored(elements: &[Self]) -> std::borrow::Cow<'_, [Self]> {
        std::borrow::Cow::Borrowed(elements)
    }
    fn from_stored(stored: Vec<Self>) -> Vec<Self> {
        stored
    }
    fn data_type() -> DataType {
        data_type::bool()
    }
    fn fill_value(self) -> zarrs::array::FillValue {
        self.into()
    }
    fn from_ne_bytes_into(bytes: &[u8], out: &mut [Self]) {
        for (o, &b) in out.iter_mut().zip(bytes) {
            *o = b != 0;
        }
    }
}

zarr_elements! {
    i8 => "int8", int8;
    i16 => "int16", int16;
    i32 => "int32", int32;
    i64 => "int64", int64;
    u8 => "uint8", uint8;
    u16 => "uint16", uint16;
    u32 => "uint32", uint32;
    u64 => "uint64", uint64;
    f32 => "float32", float32;
    f64 => "float64", float64;
}

/// How chunks are compressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// Raw little-endian bytes.
    None,
    /// Zstandard at `level` (1 fast to 22 small; 3 is zstd's default), as zarr-python's default.
    Zstd {
        /// Compression level.
        level: i32,
    },
    /// gzip at `level` (0 to 9).
    Gzip {
        /// Compression level.
        level: u32,
    },
}

/// How [`Array::to_zarr`] lays out the store.
///
/// # Examples
///
/// ```
/// use chunkwise::io::zarr::{Compression, ZarrOptions};
/// use chunkwise::ChunkSpec;
/// let o = ZarrOptions::<f32>::default()
///     .chunks([256, 256])
///     .compression(Compression::Zstd { level: 3 })
///     .fill_value(f32::NAN)
///     .attribute("units", "kelvin");
/// assert_eq!(o.chunk_spec(), Some(&ChunkSpec::Shape(vec![256, 256])));
/// ```
#[derive(Clone, Debug)]
pub struct ZarrOptions<T> {
    chunks: Option<crate::ChunkSpec>,
    compression: Compression,
    fill_value: T,
    attributes: serde_json::Map<String, serde_json::Value>,
    dimension_names: Option<Vec<String>>,
    shards: Option<Vec<usize>>,
}

impl<T: Default> Default for ZarrOptions<T> {
    /// The array's own block shape, zstd level 3, `T::default()` as fill value, no attributes.
    fn default() -> Self {
        ZarrOptions {
            chunks: None,
            compression: Compression::Zstd { level: 3 },
            fill_value: T::default(),
            attributes: serde_json::Map::new(),
            dimension_names: None,
            shards: None,
        }
    }
}

impl<T> ZarrOptions<T> {
    /// The store's chunking, in any form that [`IntoChunks`](crate::IntoChunks) takes (a
    /// block shape `[256, 256]`, one size for every axis, explicit sizes, a [`Chunks`]): the
    /// array is rechunked to it. Zarr's chunk grid is regular, so explicit sizes must be equal
    /// blocks with the last on each axis possibly smaller. A block shape (or one size) is
    /// written as given, even where it is longer than the axis, as zarr-python does: a later
    /// region write or a larger array in the same layout depends on it. By default the array's
    /// largest block on each axis.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// use chunkwise::io::zarr::ZarrOptions;
    /// let dir = std::env::temp_dir().join(format!("chunkwise-doc-zarr-chunks-opt-{}", std::process::id()));
    /// let x = Array::<u8>::zeros(&[10, 10], [10, 10])?;
    /// x.to_zarr(&dir, ZarrOptions::default().chunks(4))?; // 4 x 4 chunks
    /// assert_eq!(Array::<u8>::from_zarr(&dir)?.chunks(), &[vec![4, 4, 2], vec![4, 4, 2]]);
    /// // Chunks of 16 x 16 are kept in the store's metadata; the array is one block of 10 x 10.
    /// x.to_zarr(&dir, ZarrOptions::default().chunks([16, 16]))?;
    /// let meta = std::fs::read_to_string(dir.join("zarr.json")).unwrap();
    /// assert!(meta.contains("16"));
    /// assert_eq!(Array::<u8>::from_zarr(&dir)?.chunks(), &[vec![10], vec![10]]);
    /// // Not a regular grid: an error naming the sizes.
    /// assert!(x.to_zarr(&dir, ZarrOptions::default().chunks(vec![vec![3, 7], vec![10]])).is_err());
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn chunks(mut self, chunks: impl crate::IntoChunks) -> Self {
        self.chunks = Some(chunks.into());
        self
    }

    /// The chunking, if one was set.
    pub fn chunk_spec(&self) -> Option<&crate::ChunkSpec> {
        self.chunks.as_ref()
    }

    /// The compression of each chunk.
    pub fn compression(mut self, compression: Compression) -> Self {
        self.compression = compression;
        self
    }

    /// The value that missing chunks read as (and that all-fill chunks are not stored for).
    pub fn fill_value(mut self, value: T) -> Self {
        self.fill_value = value;
        self
    }

    /// Names the axes (Zarr v3's `dimension_names`, which xarray and OME-Zarr readers use).
    /// A list of another length than the array's axes is an error when writing.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// use chunkwise::io::zarr::ZarrOptions;
    /// let dir = std::env::temp_dir().join(format!("chunkwise-doc-zarr-dims-{}", std::process::id()));
    /// let x = Array::<u8>::zeros(&[4, 6], [4, 6])?;
    /// x.to_zarr(&dir, ZarrOptions::default().dimension_names(&["y", "x"]))?;
    /// let meta = std::fs::read_to_string(dir.join("zarr.json")).unwrap();
    /// assert!(meta.contains("dimension_names"));
    /// assert!(x.to_zarr(&dir, ZarrOptions::default().dimension_names(&["x"])).is_err());
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn dimension_names(mut self, names: &[&str]) -> Self {
        self.dimension_names = Some(names.iter().map(|n| n.to_string()).collect());
        self
    }

    /// Groups the chunks into shards of `shape` cells (Zarr v3's `sharding_indexed` codec, as
    /// OME-Zarr 0.5 stores of millions of chunks use): each shard is one stored object holding
    /// its chunks ([`ZarrOptions::chunks`], each compressed on its own) and an index of them.
    /// Each shard is written by one task. The shard shape must be a multiple of the chunk
    /// shape on every axis, or the write is an error that says so.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// use chunkwise::io::zarr::ZarrOptions;
    /// let dir = std::env::temp_dir().join(format!("chunkwise-doc-zarr-shards-{}", std::process::id()));
    /// let x = Array::<u16>::from_fn(&[10, 12], [10, 12], |i| (i[0] * 12 + i[1]) as u16)?;
    /// x.to_zarr(&dir, ZarrOptions::default().chunks([2, 3]).shards(&[4, 6]))?;
    /// let y = Array::<u16>::from_zarr(&dir)?; // one block per shard
    /// assert_eq!(y.chunks(), &[vec![4, 4, 2], vec![6, 6]]);
    /// assert_eq!(y.compute()?, x.compute()?);
    /// assert!(x.to_zarr(&dir, ZarrOptions::default().chunks([2, 3]).shards(&[3, 6])).is_err());
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn shards(mut self, shape: &[usize]) -> Self {
        self.shards = Some(shape.to_vec());
        self
    }

    /// Adds a user attribute, stored in the array's metadata.
    pub fn attribute(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.attributes.insert(key.to_string(), value.into());
        self
    }
}

fn path_string(path: &Path) -> String {
    path.display().to_string()
}

fn bad_store(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::BadStore {
        path: path_string(path),
        message: e.to_string(),
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

/// An [`Error::Chunk`] naming chunk `idx` of the array at `path`.
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
    }
}

/// One task's codec work stays on its own thread: the parallelism is across chunks.
fn codec_options() -> CodecOptions {
    CodecOptions::default().with_concurrent_target(1)
}

/// A Zarr array read through any store: a local directory, or (features `http`, `s3`) a URL.
type ReadArray = zarrs::array::Array<dyn zarrs::storage::ReadableStorageTraits>;

/// The Zarr array at `path`, which must hold elements of type `T`.
fn open_array<T: ZarrElement>(path: &Path) -> Result<ReadArray> {
    if let Some(why) = not_an_array(path) {
        return Err(bad_store(path, why));
    }
    let store = FilesystemStore::new(path).map_err(|e| bad_store(path, e))?;
    open_array_in::<T>(Arc::new(store), "/", path)
}

/// Why there is no Zarr array at `path`, if there is none: nothing there, a file, a group
/// (naming its arrays), or a directory without array metadata. `None` where array metadata is.
fn not_an_array(path: &Path) -> Option<String> {
    let meta = match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Some("nothing is there (no such file or directory)".into());
        }
        Err(e) => return Some(e.to_string()),
        Ok(m) => m,
    };
    if !meta.is_dir() {
        return Some("a file, not a Zarr store (a directory)".into());
    }
    if path.join(".zarray").is_file() {
        return None;
    }
    let node_type = std::fs::read(path.join("zarr.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .map(|v| v["node_type"].as_str().unwrap_or_default().to_string());
    let arrays_in = |marker: &dyn Fn(&Path) -> bool| -> String {
        let mut names: Vec<String> = std::fs::read_dir(path)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| marker(&e.path()))
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        if names.is_empty() {
            "it holds no arrays".into()
        } else {
            format!("its arrays: {}", names.join(", "))
        }
    };
    let is_v3_array = |p: &Path| {
        std::fs::read(p.join("zarr.json"))
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .is_some_and(|v| v["node_type"] == "array")
    };
    match node_type.as_deref() {
        Some("array") => None,
        Some("group") => Some(format!(
            "a Zarr v3 group, not an array ({}; open one of them)",
            arrays_in(&is_v3_array)
        )),
        Some(other) => Some(format!("zarr.json has node_type {other:?}, not \"array\"")),
        None if path.join(".zgroup").is_file() => Some(format!(
            "a Zarr v2 group, not an array ({}; open one of them)",
            arrays_in(&|p: &Path| p.join(".zarray").is_file())
        )),
        None if path.join("zarr.json").exists() => None, // unreadable: zarrs says why
        None => Some("a directory without zarr.json or .zarray: not a Zarr array".into()),
    }
}

/// The Zarr array at `node` (`/` for the root) of `store` (named `path` in errors), which must
/// hold elements of type `T`.
fn open_array_in<T: ZarrElement>(
    store: Arc<dyn zarrs::storage::ReadableStorageTraits>,
    node: &str,
    path: &Path,
) -> Result<ReadArray> {
    let array = zarrs::array::Array::open(store, node).map_err(|e| bad_store(path, e))?;
    if <T::Stored as zarrs::array::Element>::validate_data_type(array.data_type()).is_err() {
        return Err(Error::DtypeMismatch {
            path: path_string(path),
            stored: array.data_type().to_string(),
            requested: T::NAME.to_string(),
        });
    }
    Ok(array)
}

/// Reads the chunks of a Zarr array, one block per chunk.
struct ZarrSource<T> {
    reader: Arc<ChunkReader<T>>,
    /// The reader as an `Arc<dyn WriteInto<T>>`: a computation that ends here decodes each
    /// chunk straight into the result.
    writer: Box<dyn std::any::Any + Send + Sync>,
}

/// What reads the chunks: the store's array and its block grid.
struct ChunkReader<T> {
    path: PathBuf,
    array: Arc<ReadArray>,
    chunks: Chunks,
    /// Whether parts of a chunk can be read without decoding it whole (no compression).
    partial: bool,
    /// In a sharded store, the innermost chunk shape: a part of a shard is read by decoding
    /// the inner chunks it overlaps, each whole.
    inner_chunk: Option<Vec<u64>>,
    /// The store, if it fetches announced chunks ahead of the tasks (a remote one).
    ahead: Option<Arc<dyn ReadAhead>>,
    _t: PhantomData<fn() -> T>,
}

/// A store that fetches chunks ahead of the tasks that read them, when told which.
trait ReadAhead: Send + Sync {
    /// The keys a computation about to run will read, in order, and the bytes of the largest
    /// of their chunks decoded (to bound what is held ahead).
    fn read_ahead(&self, keys: Vec<zarrs::storage::StoreKey>, chunk_bytes: usize);
}

impl<T: ZarrElement> ZarrSource<T> {
    fn new(reader: ChunkReader<T>) -> ZarrSource<T> {
        let reader = Arc::new(reader);
        let writer: Arc<dyn WriteInto<T>> = reader.clone();
        ZarrSource {
            reader,
            writer: Box::new(writer),
        }
    }
}

impl<T: ZarrElement> Node for ZarrSource<T> {
    fn elem_size(&self) -> usize {
        std::mem::size_of::<T>()
    }
    fn elem_type(&self) -> std::any::TypeId {
        std::any::TypeId::of::<T>()
    }
    fn name(&self) -> &str {
        "from_zarr"
    }
    fn describe(&self) -> String {
        format!("from_zarr {}", self.reader.path.display())
    }
    fn chunks(&self) -> &Chunks {
        &self.reader.chunks
    }
    fn reads_regions(&self) -> bool {
        self.reader.partial
    }
    fn read_region(&self, block: usize, ranges: &[Range<usize>]) -> Result<Value> {
        self.reader.read_region(block, ranges)
    }
    fn writer(&self) -> Option<&(dyn std::any::Any + Send + Sync)> {
        Some(&*self.writer)
    }
    fn reads_ahead(&self) -> bool {
        self.reader.ahead.is_some()
    }
    fn will_read(&self, blocks: &[usize]) {
        if let Some(ahead) = &self.reader.ahead {
            let keys = blocks
                .iter()
                .filter(|&&b| self.reader.chunks.block_shape(b).size() > 0)
                .map(|&b| {
                    self.reader
                        .array
                        .chunk_key(&chunk_indices(&self.reader.chunks, b))
                })
                .collect();
            let largest = self
                .reader
                .chunks
                .sizes()
                .iter()
                .map(|s| s.iter().copied().max().unwrap_or(0))
                .fold(std::mem::size_of::<T>(), usize::saturating_mul);
            ahead.read_ahead(keys, largest);
        }
    }
    fn compute(&self, block: usize, _inputs: &mut Vec<Value>) -> Result<Value> {
        self.reader.read_block(block)
    }
}

impl<T: ZarrElement> WriteInto<T> for ChunkReader<T> {
    fn write_into(&self, block: usize, _: &mut Vec<Value>, rows: &mut [&mut [T]]) -> Result<()> {
        let shape = self.chunks.block_shape(block);
        if shape.size() == 0 {
            return Ok(());
        }
        let idx = chunk_indices(&self.chunks, block);
        let chunk_error = |e: String| chunk_error(&self.path, &self.array, &idx, e);
        let stored = self.stored_shape(&idx).map_err(chunk_error)?;
        if !is_whole(&stored, shape.slice()) {
            // An edge chunk: its part inside the array, as a block.
            let value = self.read_block(block)?;
            write_rows(block_of::<T>(&value).view(), rows, |v| *v);
            return Ok(());
        }
        // A whole chunk: its decoded bytes go straight to the result's rows, without the
        // vector of elements and the block made of it.
        self.check_decoded(&stored).map_err(chunk_error)?;
        let bytes: zarrs::array::ArrayBytes<'static> = self
            .array
            .retrieve_chunk_opt(&idx, &codec_options())
            .map_err(|e| chunk_error(e.to_string()))?;
        let bytes = bytes.into_fixed().map_err(|e| chunk_error(e.to_string()))?;
        let row_bytes = shape.slice().last().copied().unwrap_or(1) * std::mem::size_of::<T>();
        if bytes.len() != row_bytes * rows.len() {
            return Err(chunk_error(format!(
                "decoded to {} bytes, not the {} of its shape",
                bytes.len(),
                row_bytes * rows.len()
            )));
        }
        for (row, b) in rows.iter_mut().zip(bytes.chunks_exact(row_bytes)) {
            T::from_ne_bytes_into(b, row);
        }
        Ok(())
    }
}

/// Whether a block of `shape` is its whole chunk, stored as `stored` (not an edge chunk's part).
fn is_whole(stored: &[u64], shape: &[usize]) -> bool {
    stored.iter().zip(shape).all(|(&c, &n)| c == n as u64)
}

impl<T: ZarrElement> ChunkReader<T> {
    /// The shape of chunk `idx` as stored (an edge chunk is stored whole).
    fn stored_shape(&self, idx: &[u64]) -> std::result::Result<Vec<u64>, String> {
        Ok(self
            .array
            .chunk_shape(idx)
            .map_err(|e| e.to_string())?
            .iter()
            .map(|n| n.get())
            .collect())
    }

    /// Reads `ranges` of block `block` (an uncompressed store reads only those cells).
    fn read_region(&self, block: usize, ranges: &[Range<usize>]) -> Result<Value> {
        let start = self.chunks.block_ranges(block);
        let subset: Vec<Range<u64>> = start
            .iter()
            .zip(ranges)
            .map(|(s, r)| (s.start + r.start) as u64..(s.start + r.end) as u64)
            .collect();
        let shape: Vec<usize> = ranges.iter().map(|r| r.len()).collect();
        let region_error = |message: String| Error::Chunk {
            path: path_string(&self.path),
            key: format!("region {subset:?}"),
            message,
        };
        self.check_inner_decoded().map_err(region_error)?;
        let data: Vec<T::Stored> = self
            .array
            .retrieve_array_subset_opt(&ArraySubset::new_with_ranges(&subset), &codec_options())
            .map_err(|e| region_error(e.to_string()))?;
        let data = T::from_stored(data);
        let a = ArrayD::from_shape_vec(IxDyn(&shape), data).expect("one element per cell");
        Ok(owned(a))
    }
    /// Reads block `block`: its chunk, or the chunk's part inside the array at an edge.
    fn read_block(&self, block: usize) -> Result<Value> {
        let shape = self.chunks.block_shape(block);
        if shape.size() == 0 {
            return Ok(owned(ArrayD::<T>::from_elem(shape, T::default())));
        }
        let idx = chunk_indices(&self.chunks, block);
        let chunk_error = |e: String| chunk_error(&self.path, &self.array, &idx, e);
        let stored = self.stored_shape(&idx).map_err(chunk_error)?;
        let data: Vec<T> = if is_whole(&stored, shape.slice()) {
            // The decoded bytes become the block's elements in one pass (zarrs' own conversion
            // zeroes a vector, then copies into it).
            self.check_decoded(&stored).map_err(chunk_error)?;
            let bytes: zarrs::array::ArrayBytes<'static> = self
                .array
                .retrieve_chunk_opt(&idx, &codec_options())
                .map_err(|e| chunk_error(e.to_string()))?;
            let bytes = bytes.into_fixed().map_err(|e| chunk_error(e.to_string()))?;
            Ok(T::vec_from_ne_bytes(&bytes))
        } else if self.partial && self.ahead.is_none() {
            // An edge chunk (or one longer than the array) is stored whole; the block is its
            // part inside the array. Uncompressed, only that part is read (but a store that
            // reads ahead has fetched the whole of it already).
            self.check_inner_decoded().map_err(chunk_error)?;
            let part: Vec<Range<u64>> = shape.slice().iter().map(|&n| 0..n as u64).collect();
            self.array
                .retrieve_chunk_subset_opt::<Vec<T::Stored>>(
                    &idx,
                    &ArraySubset::new_with_ranges(&part),
                    &codec_options(),
                )
                .map(T::from_stored)
        } else {
            // Compressed, the chunk is decoded whole anyway: fetch it as a whole chunk (so a
            // store that reads ahead serves it in one piece), then keep the part inside the
            // array.
            self.check_decoded(&stored).map_err(chunk_error)?;
            let whole: Vec<T::Stored> = self
                .array
                .retrieve_chunk_opt(&idx, &codec_options())
                .map_err(|e| chunk_error(e.to_string()))?;
            let whole = T::from_stored(whole);
            let full: Vec<usize> = stored.iter().map(|&n| n as usize).collect();
            let whole = ArrayD::from_shape_vec(IxDyn(&full), whole)
                .map_err(|e| chunk_error(e.to_string()))?;
            let part = whole.slice_each_axis(|ax| Slice::from(0..shape[ax.axis.index()]));
            return Ok(owned(part.to_owned()));
        }
        .map_err(|e| chunk_error(e.to_string()))?;
        let a = ArrayD::from_shape_vec(shape, data).map_err(|e| chunk_error(e.to_string()))?;
        Ok(owned(a))
    }
    /// [`ChunkReader::check_decoded`] for the inner chunks of a sharded store, which a read of
    /// part of a shard decodes whole.
    fn check_inner_decoded(&self) -> std::result::Result<(), String> {
        self.inner_chunk
            .as_deref()
            .map_or(Ok(()), |inner| self.check_decoded(inner))
    }

    /// An error unless a chunk of shape `stored`, decoded whole, can be allocated: the shape
    /// comes from the store's metadata, and an allocation that fails inside the codecs would
    /// abort the process.
    fn check_decoded(&self, stored: &[u64]) -> std::result::Result<(), String> {
        let bytes = stored
            .iter()
            .try_fold(std::mem::size_of::<T>() as u64, |acc, &n| {
                acc.checked_mul(n)
            })
            .and_then(|b| usize::try_from(b).ok())
            .filter(|&b| b <= isize::MAX as usize);
        let too_big = || format!("a chunk of shape {stored:?} is too large to decode in memory");
        let bytes = bytes.ok_or_else(too_big)?;
        let mut probe: Vec<u8> = Vec::new();
        probe.try_reserve_exact(bytes).map_err(|_| too_big())
    }
}

/// The blocks of the store's chunk grid. Every size comes from the store's metadata, so each is
/// checked before anything proportional to it is made; an absurd one is an error naming the
/// store and the value.
fn store_chunks(path: &Path, array: &ReadArray) -> Result<Chunks> {
    let shape = array
        .shape()
        .iter()
        .map(|&n| usize::try_from(n))
        .collect::<std::result::Result<Vec<usize>, _>>()
        .map_err(|_| {
            bad_store(
                path,
                format!("shape {:?} does not fit this machine", array.shape()),
            )
        })?;
    let origin = vec![0u64; shape.len()];
    let first: Vec<u64> = array
        .chunk_shape(&origin)
        .map_err(|e| bad_store(path, e))?
        .iter()
        .map(|n| n.get())
        .collect();
    let layout = |e: Error| bad_store(path, format!("shape {shape:?}, chunk shape {first:?}: {e}"));
    let regular = match array.metadata() {
        zarrs::metadata::ArrayMetadata::V2(_) => true,
        zarrs::metadata::ArrayMetadata::V3(m) => m.chunk_grid.name() == "regular",
    };
    if regular {
        // A chunk longer than its axis is one block of the axis's length.
        let block: Vec<usize> = first
            .iter()
            .zip(&shape)
            .map(|(&c, &len)| usize::try_from(c).map_or(len, |c| c.min(len)))
            .collect();
        return Chunks::regular(&shape, &block).map_err(layout);
    }
    // Another grid: ask for each chunk's extent, once the grid is known to be addressable.
    let grid: Vec<usize> = array
        .chunk_grid_shape()
        .iter()
        .map(|&n| usize::try_from(n).unwrap_or(usize::MAX))
        .collect();
    if grid
        .iter()
        .try_fold(1usize, |acc, &n| acc.checked_mul(n))
        .is_none()
    {
        return Err(bad_store(
            path,
            format!("a grid of {grid:?} chunks is too many to address"),
        ));
    }
    let mut sizes = Vec::with_capacity(shape.len());
    for (axis, &len) in shape.iter().enumerate() {
        if len == 0 {
            sizes.push(vec![0]);
            continue;
        }
        let mut axis_sizes = Vec::new();
        axis_sizes.try_reserve_exact(grid[axis]).map_err(|_| {
            bad_store(
                path,
                format!("{} chunks on axis {axis} cannot be listed", grid[axis]),
            )
        })?;
        let mut idx = vec![0u64; shape.len()];
        for i in 0..grid[axis] {
            idx[axis] = i as u64;
            let s = array
                .chunk_subset_bounded(&idx)
                .map_err(|e| bad_store(path, e))?;
            axis_sizes.push(s.shape()[axis] as usize);
        }
        sizes.push(axis_sizes);
    }
    Chunks::new(&shape, sizes).map_err(layout)
}

/// Checks the sharding codecs of the store's metadata (nested ones too) before anything is read,
/// since the codec allocates a shard's index from them as it opens a shard: each inner chunk
/// shape has one length per axis, none zero, and divides the shape it cuts; each shard's index
/// (16 bytes per inner chunk) can be allocated. Returns the innermost chunk shape, if sharded.
fn check_shards(path: &Path, array: &ReadArray) -> Result<Option<Vec<u64>>> {
    let zarrs::metadata::ArrayMetadata::V3(meta) = array.metadata() else {
        return Ok(None);
    };
    let codecs = serde_json::to_value(&meta.codecs).map_err(|e| bad_store(path, e))?;
    let outer: Vec<u64> = array
        .chunk_shape(&vec![0; array.dimensionality()])
        .map_err(|e| bad_store(path, e))?
        .iter()
        .map(|n| n.get())
        .collect();
    shards_within(path, &outer, &codecs)
}

/// [`check_shards`] for the codec list `codecs`, applied to chunks of shape `outer`.
fn shards_within(
    path: &Path,
    outer: &[u64],
    codecs: &serde_json::Value,
) -> Result<Option<Vec<u64>>> {
    let Some(sharding) = codecs
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["name"] == "sharding_indexed")
    else {
        return Ok(None);
    };
    let config = &sharding["configuration"];
    let inner: Option<Vec<u64>> = config["chunk_shape"]
        .as_array()
        .and_then(|a| a.iter().map(serde_json::Value::as_u64).collect());
    let bad = |what: String| bad_store(path, format!("sharding: {what}"));
    let Some(inner) = inner else {
        return Err(bad(format!(
            "the inner chunk shape {} is not a list of sizes",
            config["chunk_shape"]
        )));
    };
    if inner.len() != outer.len() || inner.iter().zip(outer).any(|(&i, &o)| i == 0 || o % i != 0) {
        return Err(bad(format!(
            "the inner chunk shape {inner:?} does not divide the shard shape {outer:?} evenly"
        )));
    }
    let count = outer
        .iter()
        .zip(&inner)
        .try_fold(1u64, |acc, (&o, &i)| acc.checked_mul(o / i));
    let index = count
        .and_then(|n| n.checked_mul(16))
        .and_then(|b| usize::try_from(b).ok())
        .filter(|&b| b <= isize::MAX as usize)
        .filter(|&b| Vec::<u8>::new().try_reserve_exact(b).is_ok());
    if index.is_none() {
        return Err(bad(format!(
            "a shard of {outer:?} in inner chunks of {inner:?} holds {} chunks, an index too \
             large to read",
            count.map_or_else(|| "more than 2^64".to_string(), |n| n.to_string())
        )));
    }
    Ok(Some(
        shards_within(path, &inner, &config["codecs"])?.unwrap_or(inner),
    ))
}

impl<T: ZarrElement> Array<T> {
    /// The Zarr array at `path` (a directory holding `zarr.json`, or a v2 `.zarray`), lazily:
    /// its blocks are the store's chunks, each read by its own task only when needed.
    ///
    /// # Errors
    ///
    /// [`Error::BadStore`] if there is no readable array at `path`; [`Error::DtypeMismatch`]
    /// naming both types if the store does not hold `T`. A corrupt chunk is an [`Error::Chunk`]
    /// at compute, naming its key; a missing chunk reads as the fill value.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// use chunkwise::io::zarr::ZarrOptions;
    /// let dir = std::env::temp_dir().join(format!("chunkwise-doc-from-zarr-{}", std::process::id()));
    /// let x = Array::<f64>::from_fn(&[6, 4], [4, 4], |i| (i[0] * 4 + i[1]) as f64)?;
    /// x.to_zarr(&dir, ZarrOptions::default())?;
    /// let y = Array::<f64>::from_zarr(&dir)?;
    /// assert_eq!(y.chunks(), &[vec![4, 2], vec![4]]);
    /// assert_eq!(y.compute()?, x.compute()?);
    /// assert!(Array::<i32>::from_zarr(&dir).is_err()); // stored as float64
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn from_zarr(path: impl AsRef<Path>) -> Result<Array<T>> {
        let path = path.as_ref().to_path_buf();
        let array = open_array::<T>(&path)?;
        Array::from_read_array(path, array, None)
    }

    /// The Zarr array at a URL, lazily, as [`Array::from_zarr`]: `http://` or `https://`
    /// (read-only, feature `http`), or `s3://bucket/path` in S3 or a server that speaks its
    /// protocol (feature `s3`). Only the chunks a computation needs are fetched: the store is
    /// told before a computation runs which chunks it will read, and keeps up to 16 requests in
    /// flight ahead of the tasks (a remote store's latency, not its bandwidth, is what limits
    /// one request at a time), each chunk fetched once. A chunk the server does not have reads
    /// as the fill value.
    ///
    /// S3 credentials and endpoint come from the environment, as for every AWS tool:
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`, and
    /// `AWS_ENDPOINT_URL` (with `AWS_ALLOW_HTTP=true` for plain HTTP) for a server other than
    /// AWS's. A failed request is retried with backoff by the client (up to 10 times) before it
    /// is an error. Call this from outside an async runtime (in tokio, inside `spawn_blocking`).
    ///
    /// # Errors
    ///
    /// [`Error::BadStore`] naming the URL if it is not a URL of an enabled kind, cannot be
    /// reached, refuses the credentials or holds no readable Zarr array;
    /// [`Error::DtypeMismatch`] as [`Array::from_zarr`]. A failed fetch is an
    /// [`Error::Chunk`] at compute, naming the chunk's key.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use chunkwise::Array;
    /// // A store served over HTTP, such as `python3 -m http.server` in the store's parent.
    /// let x = Array::<u16>::from_zarr_url("http://127.0.0.1:8000/image.zarr")?;
    /// let corner = x.slice(ndarray::s![..64, ..64])?.compute()?; // fetches one or a few chunks
    /// # let _ = corner;
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    #[cfg(any(feature = "http", feature = "s3"))]
    pub fn from_zarr_url(url: &str) -> Result<Array<T>> {
        let label = PathBuf::from(url);
        #[cfg(feature = "s3")]
        if s3::is_s3_url(url) {
            let at = s3::locate(url)?;
            let array = open_array_in::<T>(at.store.clone(), &at.node(), &label)?;
            return Array::from_read_array(label, array, Some(at.store));
        }
        #[cfg(feature = "http")]
        if url.starts_with("http://") || url.starts_with("https://") {
            let http = zarrs_http::HTTPStore::new(url).map_err(|e| bad_store(&label, e))?;
            let store = Arc::new(ahead::ReadAheadStore::on_threads(Arc::new(http)));
            let array = open_array_in::<T>(store.clone(), "/", &label)?;
            return Array::from_read_array(label, array, Some(store));
        }
        Err(bad_store(&label, unsupported_url()))
    }

    /// The lazy array over an opened store (named `path` in errors), which may read ahead.
    fn from_read_array(
        path: PathBuf,
        array: ReadArray,
        ahead: Option<Arc<dyn ReadAhead>>,
    ) -> Result<Array<T>> {
        let chunks = store_chunks(&path, &array)?;
        let inner_chunk = check_shards(&path, &array)?;
        let codecs = array.codecs();
        let partial =
            codecs.bytes_to_bytes_codecs().is_empty() && codecs.array_to_array_codecs().is_empty();
        Ok(Array::from_node(ZarrSource::new(ChunkReader::<T> {
            path,
            array: Arc::new(array),
            chunks,
            partial,
            inner_chunk,
            ahead,
            _t: PhantomData,
        })))
    }

    /// [`Array::from_zarr`] cut into other blocks (each reads the chunks it overlaps).
    ///
    /// # Errors
    ///
    /// As [`Array::from_zarr`] and [`Array::rechunk`].
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// use chunkwise::io::zarr::ZarrOptions;
    /// let dir = std::env::temp_dir().join(format!("chunkwise-doc-zarr-chunks-{}", std::process::id()));
    /// Array::<u8>::ones(&[10], [2])?.to_zarr(&dir, ZarrOptions::default())?;
    /// let y = Array::<u8>::from_zarr_with_chunks(&dir, [5])?;
    /// assert_eq!(y.chunks(), &[vec![5, 5]]);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn from_zarr_with_chunks(
        path: impl AsRef<Path>,
        chunks: impl crate::IntoChunks,
    ) -> Result<Array<T>> {
        Array::from_zarr(path)?.rechunk(chunks)
    }

    /// Computes the array into a Zarr v3 store at `path` (created, or overwritten) on the
    /// default scheduler. See [`Array::to_zarr_with`].
    ///
    /// # Errors
    ///
    /// As [`Array::to_zarr_with`].
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// use chunkwise::io::zarr::{Compression, ZarrOptions};
    /// let dir = std::env::temp_dir().join(format!("chunkwise-doc-to-zarr-{}", std::process::id()));
    /// let x = Array::<f32>::random(&[100, 100], [50, 50], 1)?;
    /// x.to_zarr(&dir, ZarrOptions::default().chunks([25, 100]).compression(Compression::None))?;
    /// let back = Array::<f32>::from_zarr(&dir)?;
    /// assert_eq!(back.chunks(), &[vec![25; 4], vec![100]]);
    /// assert_eq!(back.compute()?, x.compute()?);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn to_zarr(&self, path: impl AsRef<Path>, options: ZarrOptions<T>) -> Result<()> {
        self.to_zarr_with(path, options, &Scheduler::global()?)
    }

    /// Computes the array into a Zarr v3 store at `path` on `scheduler`: each block is written
    /// as one chunk by its own task as soon as it is computed, then freed.
    ///
    /// On a cluster's scheduler (feature `mpi`), rank 0 writes the metadata, each rank writes
    /// the chunks it owns straight to the shared file system, and every rank returns once the
    /// whole store is written (or with the same error).
    ///
    /// The array is first rechunked to the store's chunk shape if its blocks differ.
    ///
    /// The store is built in a hidden directory beside `path` (metadata first, then each chunk
    /// as its block is computed) and takes the place of whatever was at `path` only once every
    /// chunk is written: the old content is renamed aside, the new directory renamed to `path`,
    /// and the old one removed. So a write that fails half way (a task's error or panic, a full
    /// disk) leaves what was at `path` readable and unchanged, whatever the new write changed
    /// (shape, element type, fill value, codecs, sharding), and an array read from `path` can
    /// be written back over it. The cost: room on disk for both stores while the new one is
    /// written, and an instant between the two renames at which a reader finds no store at
    /// `path`. A crash of the process leaves the old store at `path` and a hidden
    /// `.NAME.*.new` directory beside it, which may be removed.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] or [`Error::BadStore`] if the store cannot be made, [`Error::Chunk`] naming
    /// a chunk that could not be written, and every error of computing the array.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, Scheduler};
    /// use chunkwise::io::zarr::ZarrOptions;
    /// let dir = std::env::temp_dir().join(format!("chunkwise-doc-to-zarr-with-{}", std::process::id()));
    /// Array::<i64>::ones(&[8, 8], [4, 4])?.to_zarr_with(&dir, ZarrOptions::default(), &Scheduler::threads(2))?;
    /// assert_eq!(Array::<i64>::from_zarr(&dir)?.sum().compute_scalar()?, 64);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn to_zarr_with(
        &self,
        path: impl AsRef<Path>,
        options: ZarrOptions<T>,
        scheduler: &Scheduler,
    ) -> Result<()> {
        self.write_to(
            &Target::Dir(path.as_ref().to_path_buf()),
            options,
            scheduler,
        )
    }

    /// Computes the array into a Zarr v3 store at an `s3://bucket/path` URL (feature `s3`) on
    /// the default scheduler. See [`Array::to_zarr_url_with`].
    ///
    /// # Errors
    ///
    /// As [`Array::to_zarr_url_with`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use chunkwise::Array;
    /// use chunkwise::io::zarr::ZarrOptions;
    /// // Credentials and endpoint from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION...
    /// let x = Array::<f32>::random(&[1000, 1000], [250, 250], 1)?;
    /// x.to_zarr_url("s3://my-bucket/images/noise.zarr", ZarrOptions::default())?;
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    #[cfg(feature = "s3")]
    pub fn to_zarr_url(&self, url: &str, options: ZarrOptions<T>) -> Result<()> {
        self.to_zarr_url_with(url, options, &Scheduler::global()?)
    }

    /// Computes the array into a Zarr v3 store at an `s3://bucket/path` URL (feature `s3`) on
    /// `scheduler`, as [`Array::to_zarr_with`] writes a directory: each block is one chunk,
    /// uploaded by its own task as soon as it is computed (one PUT, which the store shows whole
    /// or not at all), then freed. Credentials and endpoint come from the environment, as for
    /// [`Array::from_zarr_url`].
    ///
    /// An object store has no rename to swap a whole array in with, so an overwrite is not
    /// atomic as it is in a directory ([`Array::to_zarr_with`]): a store already under the path
    /// with the same shape, chunk shape and element type is overwritten chunk by chunk (each
    /// chunk old or new if the write fails, and the new metadata written first); any other
    /// objects under the path are deleted first. HTTP stores are read-only.
    ///
    /// # Errors
    ///
    /// [`Error::BadStore`] naming the URL if it is not an `s3://` URL with a path inside its
    /// bucket, or the store refuses the credentials; [`Error::Chunk`] naming a chunk that could
    /// not be uploaded; and every error of computing the array.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use chunkwise::{Array, Scheduler};
    /// use chunkwise::io::zarr::{Compression, ZarrOptions};
    /// let x = Array::<u16>::zeros(&[4096, 4096], [1024, 1024])?;
    /// let options = ZarrOptions::default().compression(Compression::Zstd { level: 3 });
    /// x.to_zarr_url_with("s3://my-bucket/zeros.zarr", options, &Scheduler::threads(8))?;
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    #[cfg(feature = "s3")]
    pub fn to_zarr_url_with(
        &self,
        url: &str,
        options: ZarrOptions<T>,
        scheduler: &Scheduler,
    ) -> Result<()> {
        self.write_to(&Target::S3(s3::locate_for_write(url)?), options, scheduler)
    }

    /// The write of this array to an `s3://` URL (feature `s3`), as [`Array::zarr_sink`] to a
    /// directory: the store's metadata is written now, its chunks when the graph runs.
    #[cfg(feature = "s3")]
    pub(crate) fn zarr_sink_url(&self, url: &str, options: ZarrOptions<T>) -> Result<ZarrSink> {
        self.sink_to(&Target::S3(s3::locate_for_write(url)?), options)
    }

    /// Computes the array into `target` on `scheduler`.
    fn write_to(
        &self,
        target: &Target,
        options: ZarrOptions<T>,
        scheduler: &Scheduler,
    ) -> Result<()> {
        #[cfg(feature = "mpi")]
        if let Some(ranks) = scheduler.ranks() {
            // On a cluster, rank 0 makes the store; the others then find it as it should be,
            // and each rank writes the chunks it owns.
            use crate::dist::agree;
            let sink = if ranks.rank == 0 {
                let sink = agree(ranks, self.sink_to(target, options))?;
                agree(ranks, Ok(sink))?
            } else {
                agree(ranks, Ok(()))?;
                agree(ranks, self.sink_to(target, options))?
            };
            return run_staged(&sink.node, std::slice::from_ref(&sink.staging), scheduler);
        }
        let sink = self.sink_to(target, options)?;
        run_staged(&sink.node, std::slice::from_ref(&sink.staging), scheduler)
    }

    /// The write of this array to a Zarr store at `path`, to run with others in one graph by
    /// [`store`]. The store's metadata is written now, beside `path`; its chunks when the graph
    /// runs; and the whole store takes the place of whatever was at `path` once every chunk is
    /// written. A sink that is dropped without running leaves `path` as it was.
    ///
    /// # Errors
    ///
    /// As [`Array::to_zarr_with`], for making the store.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// use chunkwise::io::zarr::ZarrOptions;
    /// let dir = std::env::temp_dir().join(format!("chunkwise-doc-zarr-sink-{}", std::process::id()));
    /// let w = Array::<u16>::full(&[3], [2], 7)?.zarr_sink(&dir, ZarrOptions::default())?;
    /// assert_eq!(w.num_chunks(), 2);
    /// assert!(!dir.exists()); // written beside `dir` until the graph has run
    /// chunkwise::io::zarr::store(&[w], &chunkwise::Scheduler::threads(2))?;
    /// assert_eq!(Array::<u16>::from_zarr(&dir)?.sum().compute_scalar()?, 21);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn zarr_sink(&self, path: impl AsRef<Path>, options: ZarrOptions<T>) -> Result<ZarrSink> {
        self.sink_to(&Target::Dir(path.as_ref().to_path_buf()), options)
    }

    /// The write of this array to `target`, its metadata written now.
    fn sink_to(&self, target: &Target, options: ZarrOptions<T>) -> Result<ZarrSink> {
        let path = target.label().to_path_buf();
        let chunk_shape = match &options.chunks {
            Some(spec) => requested_chunk_shape(spec, self.shape())?,
            None => self
                .chunks()
                .iter()
                .map(|s| s.iter().copied().max().unwrap_or(1).max(1))
                .collect(),
        };
        // With shards, the store's grid is the shards' and each task writes one shard.
        let grid_shape = match &options.shards {
            Some(shards) => {
                let fits = shards.len() == chunk_shape.len()
                    && shards
                        .iter()
                        .zip(&chunk_shape)
                        .all(|(&s, &c)| s > 0 && s.is_multiple_of(c));
                if !fits {
                    return Err(Error::InvalidParameter {
                        op: "to_zarr",
                        name: "shards",
                        value: format!("{shards:?} for chunks {chunk_shape:?}"),
                        expected: "a shard shape that is a multiple of the chunk shape on every axis",
                    });
                }
                shards.clone()
            }
            None => chunk_shape.clone(),
        };
        let x = self.rechunk(grid_shape.as_slice())?;
        let shape: Vec<u64> = self.shape().iter().map(|&n| n as u64).collect();
        let chunk_u64: Vec<u64> = grid_shape.iter().map(|&n| n as u64).collect();
        let mut builder = ArrayBuilder::new(
            shape.clone(),
            chunk_u64.clone(),
            T::data_type(),
            options.fill_value.fill_value(),
        );
        let compression: Vec<Arc<dyn zarrs::array::BytesToBytesCodecTraits>> =
            match options.compression {
                Compression::None => vec![],
                Compression::Zstd { level } => vec![Arc::new(ZstdCodec::new(level, false))],
                Compression::Gzip { level } => {
                    vec![Arc::new(
                        GzipCodec::new(level).map_err(|e| bad_store(&path, e))?,
                    )]
                }
            };
        if options.shards.is_some() {
            let inner: Vec<std::num::NonZeroU64> = chunk_shape
                .iter()
                .map(|&c| std::num::NonZeroU64::new(c as u64).expect("chunk sizes are at least 1"))
                .collect();
            let mut sharding = ShardingCodecBuilder::new(inner, &T::data_type());
            sharding.bytes_to_bytes_codecs(compression);
            builder.array_to_bytes_codec(Arc::new(sharding.build()));
        } else {
            builder.bytes_to_bytes_codecs(compression);
        }
        builder.attributes(options.attributes.clone());
        if let Some(names) = &options.dimension_names {
            if names.len() != shape.len() {
                return Err(Error::InvalidParameter {
                    op: "to_zarr",
                    name: "dimension_names",
                    value: format!("{names:?} for an array of {} axes", shape.len()),
                    expected: "one name per axis",
                });
            }
            builder.dimension_names(Some(names.iter().map(String::as_str)));
        }
        let (store, node, staging) = target.writer(|old| {
            // In S3, which cannot swap a whole array in, an existing array of the same layout
            // is kept, so that a failed write leaves each chunk old or new; anything else goes.
            old.shape() == shape.as_slice()
                && old.data_type() == &T::data_type()
                && old
                    .chunk_shape(&vec![0; shape.len()])
                    .ok()
                    .map(|c| c.iter().map(|n| n.get()).collect::<Vec<u64>>())
                    == Some(chunk_u64.clone())
        })?;
        let array = builder
            .build(store, &node)
            .map_err(|e| bad_store(&path, e))?;
        array.store_metadata().map_err(|e| bad_store(&path, e))?;
        let num_chunks = x.num_blocks();
        let node = Sink::node(
            x.node().clone(),
            x.chunk_layout().clone(),
            ZarrWrite::<T> {
                path,
                array: Arc::new(array),
                fill: options.fill_value,
            },
        );
        Ok(ZarrSink {
            node,
            num_chunks,
            staging,
        })
    }
}

/// The chunk shape a user asked for, as zarr-python writes it: a block shape (or one size for
/// every axis) is kept as given, even where it is longer than the axis, since a later append
/// or region write depends on it; explicit block sizes give their grid's chunk shape.
fn requested_chunk_shape(spec: &crate::ChunkSpec, shape: &[usize]) -> Result<Vec<usize>> {
    // Resolving checks the spec against the array (one size per axis, none zero).
    let chunks = crate::chunks::chunks_for("to_zarr", spec.clone(), shape)?;
    Ok(match spec {
        crate::ChunkSpec::Shape(block) => block.clone(),
        crate::ChunkSpec::Same(n) => vec![*n; shape.len()],
        crate::ChunkSpec::Sizes(_) | crate::ChunkSpec::Chunks(_) => store_chunk_shape(chunks)?,
    })
}

/// The chunk shape of a Zarr store cut as `chunks`: its first block on each axis (at least 1),
/// which every block but the last must equal, as Zarr's regular grid has it.
fn store_chunk_shape(chunks: Chunks) -> Result<Vec<usize>> {
    let first = |s: &[usize]| s.first().copied().unwrap_or(1).max(1);
    let regular = chunks.sizes().iter().all(|s| {
        let n = first(s);
        s.split_last()
            .is_none_or(|(last, rest)| rest.iter().all(|&b| b == n) && *last <= n)
    });
    if !regular {
        return Err(Error::InvalidParameter {
            op: "to_zarr",
            name: "chunks",
            value: format!("{:?}", chunks.sizes()),
            expected: "equal blocks on each axis, the last possibly smaller (Zarr's regular grid)",
        });
    }
    Ok(chunks.sizes().iter().map(|s| first(s)).collect())
}

/// A pending write of one array to a Zarr store (see [`Array::zarr_sink`] and [`store`]).
#[derive(Clone)]
pub struct ZarrSink {
    node: NodeRef,
    num_chunks: usize,
    /// Where a directory store is written before it takes the target's place.
    staging: Option<Arc<Staging>>,
}

impl ZarrSink {
    /// Number of chunks (and write tasks) of this write.
    pub fn num_chunks(&self) -> usize {
        self.num_chunks
    }
}

impl std::fmt::Debug for ZarrSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ZarrSink({} chunks)", self.num_chunks)
    }
}

/// Runs several writes as one graph on `scheduler`, as dask's `da.store`: arrays that share
/// inputs compute them once, and all chunks of all stores are written in parallel. Each
/// directory store takes its target's place once the whole graph has run; if any task fails,
/// every target is left as it was (see [`Array::to_zarr_with`]).
///
/// # Errors
///
/// The first error of any task; no target has been changed then.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Scheduler};
/// use chunkwise::io::zarr::{ZarrOptions, store};
/// let base = std::env::temp_dir().join(format!("chunkwise-doc-store-{}", std::process::id()));
/// let x = Array::<f64>::random(&[64, 64], [16, 16], 3)?;
/// let mean = x.mean_axis(ndarray::Axis(0))?;
/// let sinks = [
///     x.zarr_sink(base.join("x"), ZarrOptions::default())?,
///     mean.zarr_sink(base.join("mean"), ZarrOptions::default())?,
/// ];
/// store(&sinks, &Scheduler::threads(2))?;
/// assert_eq!(Array::<f64>::from_zarr(base.join("mean"))?.shape(), &[64]);
/// # std::fs::remove_dir_all(&base).unwrap();
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn store(sinks: &[ZarrSink], scheduler: &Scheduler) -> Result<()> {
    let root: NodeRef = Arc::new(Group::new(
        "store",
        sinks.iter().map(|s| s.node.clone()).collect(),
    ));
    let stagings: Vec<Option<Arc<Staging>>> = sinks.iter().map(|s| s.staging.clone()).collect();
    run_staged(&root, &stagings, scheduler)
}

/// Runs `root`, whose tasks write into `stagings` (and into S3 stores, the `None`s), then swaps
/// each staging directory in for its target: all of them once every task has succeeded, none if
/// any failed.
fn run_staged(
    root: &NodeRef,
    stagings: &[Option<Arc<Staging>>],
    scheduler: &Scheduler,
) -> Result<()> {
    share_stagings(stagings, scheduler);
    run_sink(root, scheduler)?;
    let staged: Vec<Arc<Staging>> = stagings.iter().flatten().cloned().collect();
    commit_staged(&staged, &[], scheduler)
}

/// A staging directory for `target` (see [`Array::to_zarr_with`]), the same one on every rank
/// of a cluster's `scheduler` (a collective there).
pub(crate) fn stage(target: &Path, scheduler: &Scheduler) -> Result<Arc<Staging>> {
    let made = Staging::new(target).map(Arc::new);
    #[cfg(feature = "mpi")]
    if let Some(ranks) = scheduler.ranks() {
        let made = crate::dist::agree(ranks, made)?;
        share_stagings(&[Some(made.clone())], scheduler);
        return Ok(made);
    }
    let _ = scheduler;
    made
}

/// On a cluster, makes every rank write into rank 0's staging directories, which rank 0 swaps
/// in (a collective); nothing in one process.
fn share_stagings(stagings: &[Option<Arc<Staging>>], scheduler: &Scheduler) {
    #[cfg(feature = "mpi")]
    if let Some(ranks) = scheduler.ranks() {
        let staged = || stagings.iter().flatten();
        let mine: Vec<String> = staged()
            .map(|s| s.dir().to_string_lossy().into_owned())
            .collect();
        let first = crate::dist::from_rank_zero(ranks, mine.join("\n").as_bytes());
        let first = String::from_utf8_lossy(&first).into_owned();
        for (s, dir) in staged().zip(first.split('\n')) {
            s.adopt(PathBuf::from(dir));
        }
    }
    let _ = (stagings, scheduler);
}

/// Swaps each of `stagings` in for its target, keeping the old target's entries named in
/// `keep`; on a cluster, rank 0 does, and every rank returns its outcome.
pub(crate) fn commit_staged(
    stagings: &[Arc<Staging>],
    keep: &[&str],
    scheduler: &Scheduler,
) -> Result<()> {
    let committed = stagings.iter().try_for_each(|s| s.commit(keep));
    #[cfg(feature = "mpi")]
    if let Some(ranks) = scheduler.ranks() {
        return crate::dist::agree(ranks, committed);
    }
    let _ = scheduler;
    committed
}

/// The elements of a chunk of shape `full` whose cells from the origin are `view`: an edge
/// chunk is stored whole, its cells beyond the array's edge holding `fill`.
fn chunk_elements<T: ZarrElement>(
    view: ndarray::ArrayViewD<'_, T>,
    full: &[usize],
    fill: T,
) -> Vec<T> {
    if view.shape() == full {
        return row_major_vec(&view);
    }
    let mut padded = ArrayD::from_elem(IxDyn(full), fill);
    padded
        .slice_each_axis_mut(|ax| Slice::from(0..view.shape()[ax.axis.index()]))
        .assign(&view);
    padded.into_raw_vec_and_offset().0
}

/// Where a write goes.
enum Target {
    /// A local directory: each chunk is written to a temporary file and renamed into place.
    Dir(PathBuf),
    /// A path in an S3 bucket: each chunk is one PUT, which the store shows whole or not at all.
    #[cfg(feature = "s3")]
    S3(s3::S3Location),
}

impl Target {
    /// The location, to name it in errors.
    fn label(&self) -> &Path {
        match self {
            Target::Dir(path) => path,
            #[cfg(feature = "s3")]
            Target::S3(at) => &at.label,
        }
    }

    /// The store that a new array's writes go through, the array's path in it, and the
    /// staging directory that takes the target's place once the write is whole (a directory
    /// target). An S3 target is written in place: an existing array for which `keep` is true
    /// stays (its chunks are overwritten one by one), anything else under the path is deleted.
    #[allow(clippy::type_complexity)]
    fn writer(
        &self,
        keep: impl FnOnce(&ReadArray) -> bool,
    ) -> Result<(
        Arc<dyn zarrs::storage::WritableStorageTraits>,
        String,
        Option<Arc<Staging>>,
    )> {
        match self {
            Target::Dir(path) => {
                let _ = keep;
                let staging = Arc::new(Staging::new(path)?);
                let store = Arc::new(AtomicStore::staged(staging.clone()));
                Ok((store, "/".into(), Some(staging)))
            }
            #[cfg(feature = "s3")]
            Target::S3(at) => {
                use zarrs::storage::WritableStorageTraits as _;
                let readable: Arc<dyn zarrs::storage::ReadableStorageTraits> = at.store.clone();
                let existing = zarrs::array::Array::open(readable, &at.node()).ok();
                if !existing.as_ref().is_some_and(keep) {
                    let prefix = zarrs::storage::StorePrefix::new(at.key(""))
                        .map_err(|e| bad_store(&at.label, e))?;
                    at.store
                        .erase_prefix(&prefix)
                        .map_err(|e| bad_store(&at.label, e))?;
                }
                Ok((at.store.clone(), at.node(), None))
            }
        }
    }
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
        let key = StoreKey::new(at.key(name)).map_err(|e| bad_store(label, e))?;
        let got = at.store.get(&key).map_err(|e| bad_store(label, e))?;
        return Ok(got.map(|b| b.to_vec()));
    }
    #[cfg(feature = "http")]
    if url.starts_with("http://") || url.starts_with("https://") {
        let store = zarrs_http::HTTPStore::new(url).map_err(|e| bad_store(label, e))?;
        let key = StoreKey::new(name).map_err(|e| bad_store(label, e))?;
        let got = store.get(&key).map_err(|e| bad_store(label, e))?;
        return Ok(got.map(|b| b.to_vec()));
    }
    Err(bad_store(label, unsupported_url()))
}

/// Writes the document `name` of the group at an `s3://` URL (feature `s3`): one PUT.
#[cfg(feature = "s3")]
pub(crate) fn put_url_document(url: &str, name: &str, bytes: &[u8]) -> Result<()> {
    use zarrs::storage::{StoreKey, WritableStorageTraits};
    let at = s3::locate_for_write(url)?;
    let key = StoreKey::new(at.key(name)).map_err(|e| bad_store(&at.label, e))?;
    at.store
        .set(&key, bytes.to_vec().into())
        .map_err(|e| bad_store(&at.label, e))
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

/// Writes each block of its input as one chunk.
struct ZarrWrite<T> {
    path: PathBuf,
    array: Arc<zarrs::array::Array<dyn zarrs::storage::WritableStorageTraits>>,
    fill: T,
}

impl<T: ZarrElement> WriteBlock for ZarrWrite<T> {
    const NAME: &'static str = "to_zarr";
    fn write(&self, chunks: &Chunks, block: usize, input: &Value) -> Result<()> {
        let shape = chunks.block_shape(block);
        if shape.size() == 0 {
            return Ok(());
        }
        let idx = chunk_indices(chunks, block);
        let chunk_error = |e: String| chunk_error(&self.path, &self.array, &idx, e);
        let full = self
            .array
            .chunk_shape_usize(&idx)
            .map_err(|e| chunk_error(e.to_string()))?;
        let view = block_of::<T>(input).view();
        let stored = match view.as_slice() {
            // A whole chunk in row-major order is encoded from where it lies: no copy.
            Some(elements) if view.shape() == full.as_slice() => {
                self.array
                    .store_chunk_opt(&idx, &*T::stored(elements), &codec_options())
            }
            _ => self.array.store_chunk_opt(
                &idx,
                &*T::stored(&chunk_elements(view, &full, self.fill)),
                &codec_options(),
            ),
        };
        stored.map_err(|e| chunk_error(e.to_string()))
    }
}

impl<T: ZarrElement> Array<T> {
    /// Writes this array into part of the existing Zarr array at `path`: the region that starts
    /// at `offset` and has this array's shape (dask's `to_zarr(region=...)`, xarray's
    /// `region=`). The store keeps its shape, chunks, codecs and every cell outside the region.
    ///
    /// The array is cut at the store's chunk edges, so each task writes one chunk. A chunk the
    /// region covers whole is written directly; a chunk the region cuts is read, merged and
    /// atomically replaced. Every write of a chunk, whole or merged, holds a lock on that chunk,
    /// so within one process writers whose regions share a chunk (disjoint or overlapping) end
    /// with each cell from one of its writers, as if the writes of that chunk ran one after
    /// another. Across processes only whole-chunk writes are safe to run at once (each chunk is
    /// replaced atomically, but two processes merging into one chunk can overwrite each other):
    /// align their regions to the store's chunks. In a sharded store the chunk written is the
    /// shard.
    ///
    /// # Errors
    ///
    /// [`Error::BadStore`] if there is no Zarr array at `path`; [`Error::DtypeMismatch`] if it
    /// holds another element type; [`Error::InvalidParameter`] for an offset of another length
    /// than the axes or a region outside the store; the errors of computing this array and of
    /// writing each chunk.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// use chunkwise::io::zarr::ZarrOptions;
    /// let dir = std::env::temp_dir().join(format!("chunkwise-doc-region-{}", std::process::id()));
    /// Array::<i32>::zeros(&[6, 6], [6, 6])?.to_zarr(&dir, ZarrOptions::default().chunks(4))?;
    /// // A 2 x 3 region at (3, 2): it cuts all four chunks.
    /// Array::<i32>::full(&[2, 3], [2, 3], 7)?.to_zarr_region(&dir, &[3, 2])?;
    /// let y = Array::<i32>::from_zarr(&dir)?.compute()?;
    /// assert_eq!(y.iter().filter(|&&v| v == 7).count(), 6);
    /// assert_eq!(y[[3, 2]], 7);
    /// assert_eq!(y[[2, 2]], 0);
    /// assert!(Array::<i32>::zeros(&[4, 4], [4, 4])?.to_zarr_region(&dir, &[3, 3]).is_err());
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn to_zarr_region(&self, path: impl AsRef<Path>, offset: &[usize]) -> Result<()> {
        self.to_zarr_region_with(path, offset, &Scheduler::global()?)
    }

    /// [`Array::to_zarr_region`] on `scheduler`.
    ///
    /// # Errors
    ///
    /// As [`Array::to_zarr_region`].
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, Scheduler};
    /// use chunkwise::io::zarr::ZarrOptions;
    /// let dir = std::env::temp_dir().join(format!("chunkwise-doc-region-with-{}", std::process::id()));
    /// Array::<u8>::zeros(&[8], [8])?.to_zarr(&dir, ZarrOptions::default().chunks(4))?;
    /// Array::<u8>::ones(&[4], [4])?.to_zarr_region_with(&dir, &[4], &Scheduler::threads(2))?;
    /// assert_eq!(Array::<u8>::from_zarr(&dir)?.compute()?, ndarray::array![0u8, 0, 0, 0, 1, 1, 1, 1].into_dyn());
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn to_zarr_region_with(
        &self,
        path: impl AsRef<Path>,
        offset: &[usize],
        scheduler: &Scheduler,
    ) -> Result<()> {
        let path = path.as_ref().to_path_buf();
        let array = open_array::<T>(&path)?;
        let stored: Vec<usize> = array.shape().iter().map(|&n| n as usize).collect();
        let mut fill = [T::default()];
        T::from_ne_bytes_into(array.fill_value().as_ne_bytes(), &mut fill);
        let [fill] = fill;
        let outside = offset.len() != stored.len()
            || self.ndim() != stored.len()
            || (0..stored.len()).any(|k| {
                offset[k]
                    .checked_add(self.shape()[k])
                    .is_none_or(|end| end > stored[k])
            });
        if outside {
            return Err(Error::InvalidParameter {
                op: "to_zarr_region",
                name: "offset",
                value: format!(
                    "{offset:?} for an array of shape {:?} in a store of shape {stored:?}",
                    self.shape()
                ),
                expected: "a region inside the store, one offset per axis",
            });
        }
        let chunk: Vec<usize> = array
            .chunk_shape(&vec![0; stored.len()])
            .map_err(|e| bad_store(&path, e))?
            .iter()
            .map(|n| n.get() as usize)
            .collect();
        // Block edges at the store's chunk edges: each block lies in one chunk.
        let sizes: Vec<Vec<usize>> = (0..stored.len())
            .map(|k| {
                let (mut p, end) = (offset[k], offset[k] + self.shape()[k]);
                let mut v = Vec::new();
                while p < end {
                    let next = ((p / chunk[k] + 1) * chunk[k]).min(end);
                    v.push(next - p);
                    p = next;
                }
                if v.is_empty() {
                    v.push(0);
                }
                v
            })
            .collect();
        let x = self.rechunk(sizes)?;
        // Chunks are read through the store and replaced atomically through `AtomicStore`.
        let writer = array.with_storage(Arc::new(AtomicStore::new(path.clone())));
        let node = Sink::node(
            x.node().clone(),
            x.chunk_layout().clone(),
            ZarrRegionWrite::<T> {
                lock_key: std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone()),
                path,
                reader: Arc::new(array),
                array: Arc::new(writer),
                offset: offset.to_vec(),
                chunk,
                shape: stored,
                fill,
            },
        );
        run_sink(&node, scheduler)
    }
}

/// Writes each block of its input into the store chunk that holds it, at an offset: whole
/// chunks directly, cut chunks by a locked read, merge and atomic replace.
struct ZarrRegionWrite<T> {
    path: PathBuf,
    /// The path that names the store's chunk locks: `path` made canonical.
    lock_key: PathBuf,
    reader: Arc<ReadArray>,
    array: Arc<zarrs::array::Array<AtomicStore>>,
    offset: Vec<usize>,
    chunk: Vec<usize>,
    /// The store's shape and fill value.
    shape: Vec<usize>,
    fill: T,
}

/// Locks on chunks being written, striped by a hash of the store and chunk: a chunk's writes in
/// this process run one at a time. `store` is the store's canonical path, so that two spellings
/// of one path share the lock.
fn chunk_lock(path: &Path, idx: &[u64]) -> std::sync::MutexGuard<'static, ()> {
    use std::hash::{Hash, Hasher};
    static LOCKS: std::sync::OnceLock<Vec<std::sync::Mutex<()>>> = std::sync::OnceLock::new();
    let locks = LOCKS.get_or_init(|| (0..256).map(|_| std::sync::Mutex::new(())).collect());
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (path, idx).hash(&mut h);
    locks[(h.finish() % locks.len() as u64) as usize]
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl<T: ZarrElement> WriteBlock for ZarrRegionWrite<T> {
    const NAME: &'static str = "to_zarr_region";
    fn write(&self, chunks: &Chunks, block: usize, input: &Value) -> Result<()> {
        let ranges = chunks.block_ranges(block);
        if ranges.iter().any(|r| r.is_empty()) {
            return Ok(());
        }
        let global: Vec<usize> = ranges
            .iter()
            .zip(&self.offset)
            .map(|(r, o)| r.start + o)
            .collect();
        let idx: Vec<u64> = global
            .iter()
            .zip(&self.chunk)
            .map(|(&g, &c)| (g / c) as u64)
            .collect();
        let chunk_error = |e: String| chunk_error(&self.path, &self.array, &idx, e);
        let full = self
            .array
            .chunk_shape_usize(&idx)
            .map_err(|e| chunk_error(e.to_string()))?;
        let view = block_of::<T>(input).view();
        let within: Vec<usize> = (0..global.len())
            .map(|k| global[k] - idx[k] as usize * self.chunk[k])
            .collect();
        // Every write of the chunk holds its lock, a whole one too: written unlocked, it could
        // land between another writer's read and its write of a merge, which would then put
        // back the stale cells.
        let _writing = chunk_lock(&self.lock_key, &idx);
        // A block that covers the chunk's cells inside the array replaces it without a read.
        let inside: Vec<usize> = (0..full.len())
            .map(|k| full[k].min(self.shape[k] - idx[k] as usize * self.chunk[k]))
            .collect();
        if within.iter().all(|&w| w == 0) && view.shape() == inside.as_slice() {
            let elements = chunk_elements(view, &full, self.fill);
            self.array
                .store_chunk_opt(&idx, &*T::stored(&elements), &codec_options())
                .map_err(|e| chunk_error(e.to_string()))?;
            return Ok(());
        }
        let old: Vec<T::Stored> = self
            .reader
            .retrieve_chunk_opt(&idx, &codec_options())
            .map_err(|e| chunk_error(e.to_string()))?;
        let old = T::from_stored(old);
        let mut merged =
            ArrayD::from_shape_vec(IxDyn(&full), old).map_err(|e| chunk_error(e.to_string()))?;
        merged
            .slice_each_axis_mut(|ax| {
                let k = ax.axis.index();
                Slice::from(within[k]..within[k] + view.shape()[k])
            })
            .assign(&view);
        let merged = merged.into_raw_vec_and_offset().0;
        self.array
            .store_chunk_opt(&idx, &*T::stored(&merged), &codec_options())
            .map_err(|e| chunk_error(e.to_string()))?;
        Ok(())
    }
}
