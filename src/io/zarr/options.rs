//! What a write asks of the store: chunks, compression, fill value, attributes, names, shards.

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

/// How [`Array::to_zarr`](crate::Array::to_zarr) lays out the store.
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
    pub(super) chunks: Option<crate::ChunkSpec>,
    pub(super) compression: Compression,
    pub(super) fill_value: T,
    pub(super) attributes: serde_json::Map<String, serde_json::Value>,
    pub(super) dimension_names: Option<Vec<String>>,
    pub(super) shards: Option<Vec<usize>>,
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
    /// block shape `[256, 256]`, one size for every axis, explicit sizes, a [`Chunks`](crate::Chunks)): the
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
