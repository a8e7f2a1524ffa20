//! Zarr stores in S3 and the object stores that speak its protocol (feature `s3`).
//!
//! The store is zarrs' `object_store` adapter over an `AmazonS3` client, configured the way
//! every AWS tool is: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`,
//! `AWS_REGION` (or `AWS_DEFAULT_REGION`), and for other servers (MinIO, Ceph, moto, R2)
//! `AWS_ENDPOINT_URL` with `AWS_ALLOW_HTTP=true` for a plain-HTTP one.
//!
//! The client is asynchronous; its requests run on one small tokio runtime shared by the
//! process. A task that needs a chunk waits for it on its own thread. Before a computation runs,
//! the store is told which chunks it will read (`ReadAhead::read_ahead`), and keeps up to
//! [`IN_FLIGHT`] of those requests going ahead of the tasks (fewer for chunks over
//! [`AHEAD_BYTES`] / [`IN_FLIGHT`] bytes): an object store answers each request after a
//! latency of milliseconds whatever its size, so requests in flight, not threads, set the
//! throughput. Only chunks the computation needs are fetched, and no more than that bound are
//! held before their tasks take them.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use zarrs::storage::byte_range::ByteRangeIterator;
use zarrs::storage::storage_adapter::async_to_sync::{
    AsyncToSyncBlockOn, AsyncToSyncStorageAdapter,
};
use zarrs::storage::{
    AsyncReadableStorageTraits, Bytes, MaybeBytes, MaybeBytesIterator, OffsetBytesIterator,
    ReadableStorageTraits, StorageError, StoreKey, StorePrefix, WritableStorageTraits,
};
use zarrs_object_store::AsyncObjectStore;
use zarrs_object_store::object_store::aws::{AmazonS3, AmazonS3Builder};

use crate::error::{Error, Result};

/// Requests a store keeps going ahead of the tasks that will take their chunks, at most.
pub(super) const IN_FLIGHT: usize = 16;

/// The bytes of chunks (decoded) that requests going ahead may hold at once, about.
pub(super) const AHEAD_BYTES: usize = 256 << 20;

type Remote = AsyncObjectStore<AmazonS3>;

/// An S3 bucket as a synchronous Zarr store that reads ahead.
pub(super) struct S3Store {
    remote: Arc<Remote>,
    sync: AsyncToSyncStorageAdapter<Remote, BlockOn>,
    runtime: &'static tokio::runtime::Runtime,
    ahead: Mutex<Ahead>,
}

/// The chunks a computation will read and the requests started for them.
#[derive(Default)]
struct Ahead {
    /// Keys to fetch, in the order the tasks are expected to want them, and the same as a set.
    queue: VecDeque<StoreKey>,
    queued: HashSet<StoreKey>,
    /// Keys of the queue already fetched by their task directly: skipped.
    taken: HashSet<StoreKey>,
    /// How many requests may be going or held at once.
    limit: usize,
    /// Requests started and not yet taken.
    fetching:
        HashMap<StoreKey, tokio::task::JoinHandle<std::result::Result<MaybeBytes, StorageError>>>,
}

impl super::ReadAhead for S3Store {
    /// Announces the chunks a computation about to run will read, in order, replacing any
    /// earlier announcement (requests of it that nothing took are dropped).
    fn read_ahead(&self, keys: Vec<StoreKey>, chunk_bytes: usize) {
        let mut ahead = self.ahead.lock().unwrap_or_else(PoisonError::into_inner);
        ahead.limit = (AHEAD_BYTES / chunk_bytes.max(1)).clamp(2, IN_FLIGHT);
        for (_, request) in ahead.fetching.drain() {
            request.abort();
        }
        ahead.taken.clear();
        ahead.queued = keys.iter().cloned().collect();
        ahead.queue = keys.into();
        self.top_up(&mut ahead);
    }
}

impl S3Store {
    /// Starts requests from the queue until [`IN_FLIGHT`] are going or held.
    fn top_up(&self, ahead: &mut Ahead) {
        while ahead.fetching.len() < ahead.limit {
            let Some(key) = ahead.queue.pop_front() else {
                break;
            };
            ahead.queued.remove(&key);
            if ahead.taken.remove(&key) || ahead.fetching.contains_key(&key) {
                continue;
            }
            let remote = self.remote.clone();
            let k = key.clone();
            let request = self.runtime.spawn(async move { remote.get(&k).await });
            ahead.fetching.insert(key, request);
        }
    }

    /// The value at `key` if a request for it was started ahead (then it is taken); `None` if
    /// not, and then it will not be fetched ahead any more.
    fn take_fetched(
        &self,
        key: &StoreKey,
    ) -> Option<std::result::Result<MaybeBytes, StorageError>> {
        let request = {
            let mut ahead = self.ahead.lock().unwrap_or_else(PoisonError::into_inner);
            let request = ahead.fetching.remove(key);
            if request.is_none() && ahead.queued.contains(key) {
                ahead.taken.insert(key.clone());
            }
            self.top_up(&mut ahead);
            request
        }?;
        Some(
            self.runtime
                .block_on(request)
                .unwrap_or_else(|e| Err(StorageError::Other(format!("a request was lost: {e}")))),
        )
    }
}

impl ReadableStorageTraits for S3Store {
    fn get(&self, key: &StoreKey) -> std::result::Result<MaybeBytes, StorageError> {
        self.take_fetched(key).unwrap_or_else(|| self.sync.get(key))
    }
    fn get_partial_many<'a>(
        &'a self,
        key: &StoreKey,
        byte_ranges: ByteRangeIterator<'a>,
    ) -> std::result::Result<MaybeBytesIterator<'a>, StorageError> {
        // Parts of a value fetched whole ahead (an uncompressed chunk, a shard) are cut from it.
        match self.take_fetched(key) {
            None => self.sync.get_partial_many(key, byte_ranges),
            Some(Err(e)) => Err(e),
            Some(Ok(None)) => Ok(None),
            Some(Ok(Some(whole))) => {
                let size = whole.len() as u64;
                let parts: Vec<std::result::Result<Bytes, StorageError>> = byte_ranges
                    .map(|r| {
                        let range = r.to_range(size);
                        if range.end > size {
                            return Err(StorageError::Other(format!(
                                "bytes {range:?} of {key}, which has {size}"
                            )));
                        }
                        Ok(whole.slice(range.start as usize..range.end as usize))
                    })
                    .collect();
                Ok(Some(Box::new(parts.into_iter())))
            }
        }
    }
    fn size_key(&self, key: &StoreKey) -> std::result::Result<Option<u64>, StorageError> {
        self.sync.size_key(key)
    }
    fn supports_get_partial(&self) -> bool {
        self.sync.supports_get_partial()
    }
}

impl WritableStorageTraits for S3Store {
    fn set(&self, key: &StoreKey, value: Bytes) -> std::result::Result<(), StorageError> {
        self.sync.set(key, value)
    }
    fn set_partial_many(
        &self,
        key: &StoreKey,
        offset_values: OffsetBytesIterator,
    ) -> std::result::Result<(), StorageError> {
        self.sync.set_partial_many(key, offset_values)
    }
    fn erase(&self, key: &StoreKey) -> std::result::Result<(), StorageError> {
        self.sync.erase(key)
    }
    fn erase_prefix(&self, prefix: &StorePrefix) -> std::result::Result<(), StorageError> {
        self.sync.erase_prefix(prefix)
    }
    fn supports_set_partial(&self) -> bool {
        self.sync.supports_set_partial()
    }
}

/// Runs the client's futures on the process's one runtime for object stores.
pub(super) struct BlockOn(&'static tokio::runtime::Runtime);

impl AsyncToSyncBlockOn for BlockOn {
    fn block_on<F: core::future::Future>(&self, future: F) -> F::Output {
        self.0.block_on(future)
    }
}

/// The runtime that carries the client's connections: two threads are plenty, as the requests
/// are started and awaited by the tasks themselves.
fn runtime() -> Result<&'static tokio::runtime::Runtime> {
    static RUNTIME: OnceLock<std::result::Result<tokio::runtime::Runtime, String>> =
        OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("chunkwise-s3")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| Error::BadStore {
            path: "s3".into(),
            message: format!("cannot start the runtime for object stores: {e}"),
        })
}

/// A bucket and the path of an array inside it, from an `s3://bucket/path` URL.
pub(super) struct S3Location {
    /// The URL, to name the store in errors.
    pub(super) label: PathBuf,
    pub(super) store: Arc<S3Store>,
    /// The array's path in the store: `/` and the key prefix, or `/` at the bucket's root.
    pub(super) node: String,
    /// The key prefix of the array (no leading or trailing `/`); empty at the bucket's root.
    pub(super) prefix: String,
}

/// Whether `url` names an S3 location.
pub(super) fn is_s3_url(url: &str) -> bool {
    url.starts_with("s3://") || url.starts_with("s3a://")
}

/// [`locate`] for a write: an `s3://` URL with a path inside its bucket (a write at a bucket's
/// root would clear the bucket).
pub(super) fn locate_for_write(url: &str) -> Result<S3Location> {
    if !is_s3_url(url) {
        return Err(Error::BadStore {
            path: url.to_string(),
            message: "only s3:// URLs can be written (HTTP stores are read-only)".into(),
        });
    }
    let at = locate(url)?;
    if at.prefix.is_empty() {
        return Err(Error::BadStore {
            path: url.to_string(),
            message: "a write needs a path inside the bucket, such as s3://bucket/array.zarr"
                .into(),
        });
    }
    Ok(at)
}

/// Connects to the bucket that `url` (`s3://bucket/path/to/array.zarr`) names, with
/// credentials and endpoint from the environment. Nothing is fetched yet.
pub(super) fn locate(url: &str) -> Result<S3Location> {
    let label = PathBuf::from(url);
    let bad = |message: String| Error::BadStore {
        path: url.to_string(),
        message,
    };
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(bad(
            "an S3 store is used from inside an async runtime; call this from a \
             thread of its own (for instance in tokio's spawn_blocking)"
                .into(),
        ));
    }
    let rest = url
        .split_once("://")
        .map(|(_, rest)| rest)
        .filter(|_| is_s3_url(url))
        .ok_or_else(|| bad("not an s3:// URL".into()))?;
    let (bucket, path) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return Err(bad("the URL names no bucket".into()));
    }
    let prefix = path.trim_matches('/').to_string();
    let client = AmazonS3Builder::from_env()
        .with_url(format!("s3://{bucket}"))
        .build()
        .map_err(|e| bad(e.to_string()))?;
    let runtime = runtime()?;
    let remote = Arc::new(AsyncObjectStore::new(client));
    let store = S3Store {
        sync: AsyncToSyncStorageAdapter::new(remote.clone(), BlockOn(runtime)),
        remote,
        runtime,
        ahead: Mutex::default(),
    };
    Ok(S3Location {
        label,
        store: Arc::new(store),
        node: format!("/{prefix}"),
        prefix,
    })
}
