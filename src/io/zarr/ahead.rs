//! Stores that fetch ahead of the tasks: before a computation runs, a node reading a remote
//! store tells it which chunks the computation will read (`ReadAhead::read_ahead`), and the
//! store keeps up to [`IN_FLIGHT`] of those requests going ahead of the tasks (fewer for chunks
//! over [`AHEAD_BYTES`] / [`IN_FLIGHT`] bytes). A remote store answers each request after a
//! latency of milliseconds whatever its size, so requests in flight, not threads, set the
//! throughput. Only chunks the computation needs are fetched, each once, and no more than that
//! bound are held before their tasks take them; parts of a value (ghost cells, shards) are cut
//! from the value fetched whole.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex, PoisonError};

use zarrs::storage::byte_range::ByteRangeIterator;
use zarrs::storage::{
    Bytes, MaybeBytes, MaybeBytesIterator, OffsetBytesIterator, ReadableStorageTraits,
    StorageError, StoreKey, StorePrefix, WritableStorageTraits,
};

/// Requests a store keeps going ahead of the tasks that will take their chunks, at most.
pub(super) const IN_FLIGHT: usize = 16;

/// The bytes of chunks (decoded) that requests going ahead may hold at once, about.
pub(super) const AHEAD_BYTES: usize = 256 << 20;

/// What a request started ahead gives: the value, or `None` if the store has none.
type Fetched = std::result::Result<MaybeBytes, StorageError>;

/// Starts a request for a key, and gives where its answer will arrive.
pub(super) type Start = Box<dyn Fn(StoreKey) -> Receiver<Fetched> + Send + Sync>;

/// A synchronous Zarr store (`S`) that fetches announced keys ahead of the tasks that read them.
pub(super) struct ReadAheadStore<S> {
    inner: Arc<S>,
    start: Start,
    ahead: Mutex<Ahead>,
}

impl<S: ReadableStorageTraits + 'static> ReadAheadStore<S> {
    /// Over a store whose reads block (an HTTP client): each request ahead runs on a thread of
    /// its own.
    #[cfg(feature = "http")]
    pub(super) fn on_threads(inner: Arc<S>) -> ReadAheadStore<S> {
        let store = inner.clone();
        let start: Start = Box::new(move |key| {
            let (answer, arrives) = std::sync::mpsc::channel();
            let store = store.clone();
            std::thread::spawn(move || {
                let _ = answer.send(store.get(&key));
            });
            arrives
        });
        ReadAheadStore::new(inner, start)
    }
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
    fetching: HashMap<StoreKey, Receiver<Fetched>>,
}

impl<S: Send + Sync> super::ReadAhead for ReadAheadStore<S> {
    /// Announces the chunks a computation about to run will read, in order, replacing any
    /// earlier announcement (requests of it that nothing took are dropped).
    fn read_ahead(&self, keys: Vec<StoreKey>, chunk_bytes: usize) {
        let mut ahead = self.ahead.lock().unwrap_or_else(PoisonError::into_inner);
        ahead.limit = (AHEAD_BYTES / chunk_bytes.max(1)).clamp(2, IN_FLIGHT);
        // Answers nothing took are dropped when they arrive.
        ahead.fetching.clear();
        ahead.taken.clear();
        ahead.queued = keys.iter().cloned().collect();
        ahead.queue = keys.into();
        self.top_up(&mut ahead);
    }
}

impl<S> ReadAheadStore<S> {
    /// `inner` for every read not started ahead (and every write); `start` for requests ahead.
    pub(super) fn new(inner: Arc<S>, start: Start) -> ReadAheadStore<S> {
        ReadAheadStore {
            inner,
            start,
            ahead: Mutex::default(),
        }
    }

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
            let request = (self.start)(key.clone());
            ahead.fetching.insert(key, request);
        }
    }

    /// The value at `key` if a request for it was started ahead (then it is taken); `None` if
    /// not, and then it will not be fetched ahead any more.
    fn take_fetched(&self, key: &StoreKey) -> Option<Fetched> {
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
            request
                .recv()
                .unwrap_or_else(|_| Err(StorageError::Other("a request was lost".into()))),
        )
    }
}

impl<S: ReadableStorageTraits> ReadableStorageTraits for ReadAheadStore<S> {
    fn get(&self, key: &StoreKey) -> Fetched {
        self.take_fetched(key)
            .unwrap_or_else(|| self.inner.get(key))
    }
    fn get_partial_many<'a>(
        &'a self,
        key: &StoreKey,
        byte_ranges: ByteRangeIterator<'a>,
    ) -> std::result::Result<MaybeBytesIterator<'a>, StorageError> {
        // Parts of a value fetched whole ahead (an uncompressed chunk, a shard) are cut from it.
        match self.take_fetched(key) {
            None => self.inner.get_partial_many(key, byte_ranges),
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
        self.inner.size_key(key)
    }
    fn supports_get_partial(&self) -> bool {
        self.inner.supports_get_partial()
    }
}

impl<S: WritableStorageTraits> WritableStorageTraits for ReadAheadStore<S> {
    fn set(&self, key: &StoreKey, value: Bytes) -> std::result::Result<(), StorageError> {
        self.inner.set(key, value)
    }
    fn set_partial_many(
        &self,
        key: &StoreKey,
        offset_values: OffsetBytesIterator,
    ) -> std::result::Result<(), StorageError> {
        self.inner.set_partial_many(key, offset_values)
    }
    fn erase(&self, key: &StoreKey) -> std::result::Result<(), StorageError> {
        self.inner.erase(key)
    }
    fn erase_prefix(&self, prefix: &StorePrefix) -> std::result::Result<(), StorageError> {
        self.inner.erase_prefix(prefix)
    }
    fn supports_set_partial(&self) -> bool {
        self.inner.supports_set_partial()
    }
}
