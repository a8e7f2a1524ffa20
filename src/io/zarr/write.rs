//! Writing a whole array: the store built beside its path and swapped in, one task per chunk
//! (or shard), and several stores in one graph.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ndarray::Dimension as _;
use ndarray::{ArrayD, IxDyn, Slice};
use zarrs::array::ArrayBuilder;
use zarrs::array::codec::{GzipCodec, ShardingCodecBuilder, ZstdCodec};

use super::fs::{AtomicStore, Staging};
use super::read::ReadArray;
use super::{
    Compression, ZarrElement, ZarrOptions, chunk_failed, chunk_indices, codec_options, store_failed,
};
use crate::array::Array;
use crate::chunks::Chunks;
use crate::error::{Error, Result};
use crate::expr::NodeRef;
use crate::expr::block::{block_of, row_major_vec};
use crate::expr::group::Group;
use crate::io::{Sink, WriteBlock, run_sink};
use crate::scheduler::{Scheduler, Value};

impl<T: ZarrElement> Array<T> {
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
        self.write_to(
            &Target::S3(super::s3::locate_for_write(url)?),
            options,
            scheduler,
        )
    }

    /// The write of this array to an `s3://` URL (feature `s3`), as [`Array::zarr_sink`] to a
    /// directory: the store's metadata is written now, its chunks when the graph runs.
    #[cfg(feature = "s3")]
    pub(crate) fn zarr_sink_url(&self, url: &str, options: ZarrOptions<T>) -> Result<ZarrSink> {
        self.sink_to(&Target::S3(super::s3::locate_for_write(url)?), options)
    }

    /// Computes the array into `target` on `scheduler`.
    fn write_to(
        &self,
        target: &Target,
        options: ZarrOptions<T>,
        scheduler: &Scheduler,
    ) -> Result<()> {
        // Rank 0 makes the store (one process is rank 0 of one); on a cluster the others then
        // find it as it should be, and each rank writes the chunks it owns.
        let sink = if scheduler.rank() == 0 {
            let sink = scheduler.agree(self.sink_to(target, options))?;
            scheduler.agree(Ok(sink))?
        } else {
            scheduler.agree(Ok(()))?;
            scheduler.agree(self.sink_to(target, options))?
        };
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
            Some(spec) => requested_chunk_shape::<T>(spec, self.shape())?,
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
                        GzipCodec::new(level).map_err(|e| store_failed(&path, e))?,
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
            .map_err(|e| store_failed(&path, e))?;
        array.store_metadata().map_err(|e| store_failed(&path, e))?;
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
fn requested_chunk_shape<T>(spec: &crate::ChunkSpec, shape: &[usize]) -> Result<Vec<usize>> {
    // Resolving checks the spec against the array (one size per axis, none zero).
    let chunks = crate::chunks::chunks_for_type::<T>("to_zarr", spec.clone(), shape)?;
    Ok(match spec {
        crate::ChunkSpec::Shape(block) => block.clone(),
        crate::ChunkSpec::Same(n) => vec![*n; shape.len()],
        crate::ChunkSpec::Sizes(_)
        | crate::ChunkSpec::Chunks(_)
        | crate::ChunkSpec::Auto(_)
        | crate::ChunkSpec::Balanced(_) => store_chunk_shape(chunks)?,
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
    let made = scheduler.agree(Staging::new(target).map(Arc::new))?;
    share_stagings(&[Some(made.clone())], scheduler);
    Ok(made)
}

/// On a cluster, makes every rank write into rank 0's staging directories, which rank 0 swaps
/// in (a collective); nothing in one process.
fn share_stagings(stagings: &[Option<Arc<Staging>>], scheduler: &Scheduler) {
    let staged = || stagings.iter().flatten();
    let mine: Vec<String> = staged()
        .map(|s| s.dir().to_string_lossy().into_owned())
        .collect();
    let mine = mine.join("\n");
    let first = scheduler.rank_zero_bytes(mine.as_bytes());
    // Rank 0's own, and one process's: nothing to adopt.
    if first == mine.as_bytes() {
        return;
    }
    let first = String::from_utf8_lossy(&first).into_owned();
    for (s, dir) in staged().zip(first.split('\n')) {
        s.adopt(PathBuf::from(dir));
    }
}

/// Swaps each of `stagings` in for its target, keeping the old target's entries named in
/// `keep`; on a cluster, rank 0 does, and every rank returns its outcome.
pub(crate) fn commit_staged(
    stagings: &[Arc<Staging>],
    keep: &[&str],
    scheduler: &Scheduler,
) -> Result<()> {
    scheduler.agree(stagings.iter().try_for_each(|s| s.commit(keep)))
}

/// The elements of a chunk of shape `full` whose cells from the origin are `view`: an edge
/// chunk is stored whole, its cells beyond the array's edge holding `fill`.
pub(super) fn chunk_elements<T: ZarrElement>(
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
    S3(super::s3::S3Location),
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
                        .map_err(|e| store_failed(&at.label, e))?;
                    at.store
                        .erase_prefix(&prefix)
                        .map_err(|e| store_failed(&at.label, e))?;
                }
                Ok((at.store.clone(), at.node(), None))
            }
        }
    }
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
        let full = self
            .array
            .chunk_shape_usize(&idx)
            .map_err(|e| chunk_failed(&self.path, &self.array, &idx, e))?;
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
        stored.map_err(|e| chunk_failed(&self.path, &self.array, &idx, e))
    }
}
