//! Reading: opening a store (its metadata checked before anything is read), and the source
//! node whose tasks read one chunk each.

use std::marker::PhantomData;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ndarray::Dimension as _;
use ndarray::{ArrayD, IxDyn, Slice};
use zarrs::array::ArraySubset;
use zarrs::filesystem::FilesystemStore;

use super::{
    ZarrElement, bad_store, chunk_error, chunk_failed, chunk_indices, codec_options, path_string,
    store_failed,
};
use crate::array::Array;
use crate::array::output::write_rows;
use crate::chunks::Chunks;
use crate::error::{Error, Result};
use crate::expr::block::{block_of, owned};
use crate::expr::{Node, Props, Role, Stored, WriteInto};
use crate::scheduler::Value;

/// A Zarr array read through any store: a local directory, or (features `http`, `s3`) a URL.
pub(super) type ReadArray = zarrs::array::Array<dyn zarrs::storage::ReadableStorageTraits>;

/// The Zarr array at `path`, which must hold elements of type `T`.
pub(super) fn open_array<T: ZarrElement>(path: &Path) -> Result<ReadArray> {
    if let Some(why) = not_an_array(path) {
        return Err(bad_store(path, why));
    }
    let store = FilesystemStore::new(path).map_err(|e| store_failed(path, e))?;
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
    let array = zarrs::array::Array::open(store, node).map_err(|e| store_failed(path, e))?;
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
    props: Props,
    reader: Arc<ChunkReader<T>>,
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
pub(super) trait ReadAhead: Send + Sync {
    /// The keys a computation about to run will read, in order, and the bytes of the largest
    /// of their chunks decoded (to bound what is held ahead).
    fn read_ahead(&self, keys: Vec<zarrs::storage::StoreKey>, chunk_bytes: usize);
}

impl<T: ZarrElement> ZarrSource<T> {
    /// The source over `reader`, and its array, which decodes each chunk straight into a
    /// result that ends here.
    fn array(reader: ChunkReader<T>) -> Array<T> {
        let reader = Arc::new(reader);
        let writer: Arc<dyn WriteInto<T>> = reader.clone();
        let props =
            Props::new::<T>("from_zarr", reader.chunks.clone(), vec![]).writes_in_place(true);
        Array::from_node_writing(ZarrSource { props, reader }, Some(writer))
    }
}

impl<T: ZarrElement> Stored for ZarrSource<T> {
    fn describe(&self) -> String {
        format!("from_zarr {}", self.reader.path.display())
    }
    fn reads_regions(&self) -> bool {
        self.reader.partial
    }
    fn read_region(&self, block: usize, ranges: &[Range<usize>]) -> Result<Value> {
        self.reader.read_region(block, ranges)
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
                .fold(std::mem::size_of::<T::Stored>(), usize::saturating_mul);
            ahead.read_ahead(keys, largest);
        }
    }
}

impl<T: ZarrElement> Node for ZarrSource<T> {
    fn props(&self) -> &Props {
        &self.props
    }
    fn role(&self) -> Role<'_> {
        Role::Stored(self)
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
        let stored = self.stored_shape(&idx)?;
        if !is_whole(&stored, shape.slice()) {
            // An edge chunk: its part inside the array, as a block.
            let value = self.read_block(block)?;
            write_rows(block_of::<T>(&value).view(), rows, |v| *v);
            return Ok(());
        }
        // A whole chunk: its decoded bytes go straight to the result's rows, without the
        // vector of elements and the block made of it.
        let bytes = self.whole_chunk(&idx, &stored)?;
        // Decoded bytes are the store's elements (64-bit for `usize` and `isize`).
        let row_bytes =
            shape.slice().last().copied().unwrap_or(1) * std::mem::size_of::<T::Stored>();
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
    fn stored_shape(&self, idx: &[u64]) -> Result<Vec<u64>> {
        Ok(self
            .array
            .chunk_shape(idx)
            .map_err(|e| chunk_failed(&self.path, &self.array, idx, e))?
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
            source: None,
        };
        self.check_inner_decoded().map_err(region_error)?;
        let data: Vec<T::Stored> = self
            .array
            .retrieve_array_subset_opt(&ArraySubset::new_with_ranges(&subset), &codec_options())
            .map_err(|e| Error::Chunk {
                path: path_string(&self.path),
                key: format!("region {subset:?}"),
                message: e.to_string(),
                source: Some(crate::error::Cause::new(e)),
            })?;
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
        let stored = self.stored_shape(&idx)?;
        let data: Vec<T> = if is_whole(&stored, shape.slice()) {
            // The decoded bytes become the block's elements in one pass (zarrs' own conversion
            // zeroes a vector, then copies into it).
            let bytes = self.whole_chunk(&idx, &stored)?;
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
                .map_err(|e| chunk_failed(&self.path, &self.array, &idx, e))?;
            let whole = T::from_stored(whole);
            let full: Vec<usize> = stored.iter().map(|&n| n as usize).collect();
            let whole = ArrayD::from_shape_vec(IxDyn(&full), whole)
                .map_err(|e| chunk_failed(&self.path, &self.array, &idx, e))?;
            let part = whole.slice_each_axis(|ax| Slice::from(0..shape[ax.axis.index()]));
            return Ok(owned(part.to_owned()));
        }
        .map_err(|e| chunk_failed(&self.path, &self.array, &idx, e))?;
        let a = ArrayD::from_shape_vec(shape, data)
            .map_err(|e| chunk_failed(&self.path, &self.array, &idx, e))?;
        Ok(owned(a))
    }
    /// The decoded bytes of chunk `idx`, stored as `stored`, checked first to fit in memory.
    fn whole_chunk(&self, idx: &[u64], stored: &[u64]) -> Result<std::borrow::Cow<'static, [u8]>> {
        let failed = |e| chunk_failed(&self.path, &self.array, idx, e);
        self.check_decoded(stored)
            .map_err(|e| chunk_error(&self.path, &self.array, idx, e))?;
        let bytes: zarrs::array::ArrayBytes<'static> = self
            .array
            .retrieve_chunk_opt(idx, &codec_options())
            .map_err(failed)?;
        bytes
            .into_fixed()
            .map_err(|e| chunk_failed(&self.path, &self.array, idx, e))
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
            .try_fold(std::mem::size_of::<T::Stored>() as u64, |acc, &n| {
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
        .map_err(|e| store_failed(path, e))?
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
                .map_err(|e| store_failed(path, e))?;
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
    let codecs = serde_json::to_value(&meta.codecs).map_err(|e| store_failed(path, e))?;
    let outer: Vec<u64> = array
        .chunk_shape(&vec![0; array.dimensionality()])
        .map_err(|e| store_failed(path, e))?
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
        if super::s3::is_s3_url(url) {
            let at = super::s3::locate(url)?;
            let array = open_array_in::<T>(at.store.clone(), &at.node(), &label)?;
            return Array::from_read_array(label, array, Some(at.store));
        }
        #[cfg(feature = "http")]
        if url.starts_with("http://") || url.starts_with("https://") {
            let http = zarrs_http::HTTPStore::new(url).map_err(|e| store_failed(&label, e))?;
            let store = Arc::new(super::ahead::ReadAheadStore::on_threads(Arc::new(http)));
            let array = open_array_in::<T>(store.clone(), "/", &label)?;
            return Array::from_read_array(label, array, Some(store));
        }
        Err(bad_store(&label, super::unsupported_url()))
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
        Ok(ZarrSource::array(ChunkReader::<T> {
            path,
            array: Arc::new(array),
            chunks,
            partial,
            inner_chunk,
            ahead,
            _t: PhantomData,
        }))
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
}
