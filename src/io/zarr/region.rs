//! Writing into part of an existing store (`to_zarr_region`): each chunk the region touches,
//! replaced whole or merged, under its lock.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ndarray::{ArrayD, IxDyn, Slice};

use super::fs::AtomicStore;
use super::read::{ReadArray, open_array};
use super::write::chunk_elements;
use super::{ZarrElement, chunk_failed, codec_options, store_failed};
use crate::array::Array;
use crate::chunks::Chunks;
use crate::error::{Error, Result};
use crate::expr::block::block_of;
use crate::io::{Sink, WriteBlock, run_sink};
use crate::scheduler::{Scheduler, Value};

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
            .map_err(|e| store_failed(&path, e))?
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
        let full = self
            .array
            .chunk_shape_usize(&idx)
            .map_err(|e| chunk_failed(&self.path, &self.array, &idx, e))?;
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
                .map_err(|e| chunk_failed(&self.path, &self.array, &idx, e))?;
            return Ok(());
        }
        let old: Vec<T::Stored> = self
            .reader
            .retrieve_chunk_opt(&idx, &codec_options())
            .map_err(|e| chunk_failed(&self.path, &self.array, &idx, e))?;
        let old = T::from_stored(old);
        let mut merged = ArrayD::from_shape_vec(IxDyn(&full), old)
            .map_err(|e| chunk_failed(&self.path, &self.array, &idx, e))?;
        merged
            .slice_each_axis_mut(|ax| {
                let k = ax.axis.index();
                Slice::from(within[k]..within[k] + view.shape()[k])
            })
            .assign(&view);
        let merged = merged.into_raw_vec_and_offset().0;
        self.array
            .store_chunk_opt(&idx, &*T::stored(&merged), &codec_options())
            .map_err(|e| chunk_failed(&self.path, &self.array, &idx, e))?;
        Ok(())
    }
}
