//! A write-only filesystem store whose every write is atomic.
//!
//! zarrs' own filesystem store truncates a chunk file and writes it in place: a crash in
//! between leaves a torn chunk. Here each value goes to a temporary file beside its key, which
//! is then renamed over it (rename is atomic within a filesystem): readers see the old chunk or
//! the new one.

use std::path::{Path, PathBuf};

use zarrs::storage::{
    Bytes, OffsetBytesIterator, StorageError, StoreKey, StorePrefix, WritableStorageTraits,
};

use crate::io::temp_path;

pub(super) struct AtomicStore {
    root: PathBuf,
}

impl AtomicStore {
    pub(super) fn new(root: PathBuf) -> AtomicStore {
        AtomicStore { root }
    }

    fn key_path(&self, key: &StoreKey) -> PathBuf {
        self.root.join(key.as_str())
    }
}

fn io(e: std::io::Error) -> StorageError {
    StorageError::IOError(std::sync::Arc::new(e))
}

impl WritableStorageTraits for AtomicStore {
    fn set(&self, key: &StoreKey, value: Bytes) -> Result<(), StorageError> {
        let path = self.key_path(key);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        write_atomic(&path, &value).map_err(io)
    }

    fn set_partial_many(
        &self,
        key: &StoreKey,
        _offset_values: OffsetBytesIterator,
    ) -> Result<(), StorageError> {
        Err(StorageError::Other(format!(
            "partial writes of {key} are not supported: chunks are written whole"
        )))
    }

    fn erase(&self, key: &StoreKey) -> Result<(), StorageError> {
        match std::fs::remove_file(self.key_path(key)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(e)),
            _ => Ok(()),
        }
    }

    fn erase_prefix(&self, prefix: &StorePrefix) -> Result<(), StorageError> {
        match std::fs::remove_dir_all(self.root.join(prefix.as_str())) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(e)),
            _ => Ok(()),
        }
    }

    fn supports_set_partial(&self) -> bool {
        false
    }
}

/// Writes `bytes` to `path` through a temporary file renamed into place: readers see the old
/// file or the new one, never a torn one. The temporary file is removed if anything fails.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = temp_path(path);
    let result = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
