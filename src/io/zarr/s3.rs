//! Zarr stores in S3 and the object stores that speak its protocol (feature `s3`).
//!
//! The store is zarrs' `object_store` adapter over an `AmazonS3` client, configured the way
//! every AWS tool is: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`,
//! `AWS_REGION` (or `AWS_DEFAULT_REGION`), and for other servers (MinIO, Ceph, moto, R2)
//! `AWS_ENDPOINT_URL` with `AWS_ALLOW_HTTP=true` for a plain-HTTP one.
//!
//! The client is asynchronous; its requests run on one small tokio runtime shared by the
//! process. A task that needs a chunk waits for it on its own thread, and the store fetches
//! announced chunks ahead of the tasks (see `ahead`).

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use zarrs::storage::AsyncReadableStorageTraits;
use zarrs::storage::storage_adapter::async_to_sync::{
    AsyncToSyncBlockOn, AsyncToSyncStorageAdapter,
};
use zarrs_object_store::AsyncObjectStore;
use zarrs_object_store::object_store::aws::{AmazonS3, AmazonS3Builder};

use super::ahead::ReadAheadStore;
use crate::error::{Error, Result};

type Remote = AsyncObjectStore<AmazonS3>;

/// An S3 bucket as a synchronous Zarr store that reads ahead.
pub(super) type S3Store = ReadAheadStore<AsyncToSyncStorageAdapter<Remote, BlockOn>>;

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
            source: None,
        })
}

/// A bucket and the path of an array inside it, from an `s3://bucket/path` URL.
pub(super) struct S3Location {
    /// The URL, to name the store in errors.
    pub(super) label: PathBuf,
    pub(super) store: Arc<S3Store>,
    /// The key prefix of the array (no leading or trailing `/`); empty at the bucket's root.
    pub(super) prefix: String,
}

impl S3Location {
    /// The array's path in the store: `/` and the key prefix (`/` at the bucket's root).
    pub(super) fn node(&self) -> String {
        format!("/{}", self.prefix)
    }

    /// The key of the object `name` under the prefix.
    pub(super) fn key(&self, name: &str) -> String {
        if self.prefix.is_empty() {
            name.to_string()
        } else {
            format!("{}/{name}", self.prefix)
        }
    }
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
            source: None,
        });
    }
    let at = locate(url)?;
    if at.prefix.is_empty() {
        return Err(Error::BadStore {
            path: url.to_string(),
            message: "a write needs a path inside the bucket, such as s3://bucket/array.zarr"
                .into(),
            source: None,
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
        source: None,
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
        .map_err(|e| Error::BadStore {
            path: url.to_string(),
            message: e.to_string(),
            source: Some(crate::error::Cause::new(e)),
        })?;
    let runtime = runtime()?;
    let remote = Arc::new(AsyncObjectStore::new(client));
    let sync = AsyncToSyncStorageAdapter::new(remote.clone(), BlockOn(runtime));
    let start: super::ahead::Start = Box::new(move |key| {
        let (answer, arrives) = std::sync::mpsc::channel();
        let remote = remote.clone();
        runtime.spawn(async move {
            let _ = answer.send(remote.get(&key).await);
        });
        arrives
    });
    let store = ReadAheadStore::new(Arc::new(sync), start);
    Ok(S3Location {
        label,
        store: Arc::new(store),
        prefix,
    })
}
