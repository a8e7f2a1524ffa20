//! Writing to a local filesystem without tearing anything.
//!
//! - [`AtomicStore`]: zarrs' own filesystem store truncates a chunk file and writes it in
//!   place: a crash in between leaves a torn chunk. Here each value goes to a temporary file
//!   beside its key, which is then renamed over it (rename is atomic within a filesystem):
//!   readers see the old chunk or the new one.
//! - [`Staging`]: a whole array (or OME-Zarr group) is written into a directory beside its
//!   target and swapped in once every chunk is written, so a write that fails half way, or
//!   whose new metadata (fill value, codecs, sharding) could not read the old chunks, leaves
//!   what was there as it was.
//!
//! ```text
//!   parent/                          parent/                       parent/
//!     image.zarr/   (old)    write     image.zarr/     (old)  swap    image.zarr/   (new)
//!                            ----->    .image.zarr.new-*/ (new) --->
//! ```

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use zarrs::storage::{
    Bytes, OffsetBytesIterator, StorageError, StoreKey, StorePrefix, WritableStorageTraits,
};

use crate::error::Result;
use crate::io::{io_error, temp_path};

pub(super) struct AtomicStore {
    root: Root,
}

/// Where an [`AtomicStore`] writes: a fixed directory, or a staging directory (which, on a
/// cluster, every rank learns from rank 0 only once the graph is about to run).
enum Root {
    Fixed(PathBuf),
    Staged(Arc<Staging>),
}

impl AtomicStore {
    pub(super) fn new(root: PathBuf) -> AtomicStore {
        AtomicStore {
            root: Root::Fixed(root),
        }
    }

    /// A store writing into `staging`'s directory.
    pub(super) fn staged(staging: Arc<Staging>) -> AtomicStore {
        AtomicStore {
            root: Root::Staged(staging),
        }
    }

    /// The file or directory of `name` (a key or prefix) in this store.
    fn key_path(&self, name: &str) -> PathBuf {
        match &self.root {
            Root::Fixed(root) => root.join(name),
            Root::Staged(staging) => staging.dir().join(name),
        }
    }
}

/// A directory beside `target` that a write fills, swapped in for `target` by
/// [`Staging::commit`]. Dropped uncommitted, it is removed: the target was never touched.
pub(crate) struct Staging {
    target: PathBuf,
    dir: Mutex<PathBuf>,
    /// Whether this process made `dir` and so removes it if the write fails (on a cluster,
    /// rank 0 makes it and the others write into it).
    owner: AtomicBool,
    committed: AtomicBool,
}

impl Staging {
    /// Makes an empty staging directory beside `target` (and `target`'s parents, if missing).
    pub(crate) fn new(target: &Path) -> Result<Staging> {
        let dir = sibling(target, "new");
        std::fs::create_dir_all(&dir).map_err(|e| io_error("create", &dir, e))?;
        Ok(Staging {
            target: target.to_path_buf(),
            dir: Mutex::new(dir),
            owner: AtomicBool::new(true),
            committed: AtomicBool::new(false),
        })
    }

    /// The directory the write fills.
    pub(crate) fn dir(&self) -> PathBuf {
        self.dir
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Writes into `dir`, which another process made (rank 0 of a cluster) and will swap in,
    /// instead of this one's own, which is removed.
    pub(crate) fn adopt(&self, dir: PathBuf) {
        let mut mine = self.dir.lock().unwrap_or_else(PoisonError::into_inner);
        if *mine != dir && self.owner.swap(false, Ordering::SeqCst) {
            let _ = std::fs::remove_dir_all(&*mine);
        }
        *mine = dir;
    }

    /// Swaps the staging directory in for the target: the old target (if any) is renamed aside,
    /// the staging directory renamed to the target, and the old one removed. Entries of the old
    /// target named in `keep` that the new one lacks (an image's `labels` group) move across
    /// first. A process that does not own the staging directory does nothing.
    ///
    /// Between the two renames the target is briefly absent: a reader at that instant finds no
    /// array, never a mixed one.
    pub(crate) fn commit(&self, keep: &[&str]) -> Result<()> {
        if !self.owner.load(Ordering::SeqCst) {
            return Ok(());
        }
        let dir = self.dir();
        let target = &self.target;
        let old = sibling(target, "old");
        let mut moved: Vec<&str> = Vec::new();
        let put_back = |moved: &[&str]| {
            for name in moved {
                let _ = std::fs::rename(dir.join(name), target.join(name));
            }
        };
        let had_target = std::fs::symlink_metadata(target).is_ok();
        if had_target {
            for &name in keep {
                let (from, to) = (target.join(name), dir.join(name));
                if from.exists() && !to.exists() {
                    if let Err(e) = std::fs::rename(&from, &to) {
                        put_back(&moved);
                        return Err(io_error("rename", &from, e));
                    }
                    moved.push(name);
                }
            }
            if let Err(e) = std::fs::rename(target, &old) {
                put_back(&moved);
                return Err(io_error("rename", target, e));
            }
        }
        if let Err(e) = std::fs::rename(&dir, target) {
            if had_target {
                let _ = std::fs::rename(&old, target);
                put_back(&moved);
            }
            return Err(io_error("rename", &dir, e));
        }
        self.committed.store(true, Ordering::SeqCst);
        if had_target {
            // The old content is no longer reachable; a failure to remove it loses nothing.
            let _ = match std::fs::symlink_metadata(&old) {
                Ok(m) if m.is_dir() => std::fs::remove_dir_all(&old),
                _ => std::fs::remove_file(&old),
            };
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if self.owner.load(Ordering::SeqCst) && !self.committed.load(Ordering::SeqCst) {
            let _ = std::fs::remove_dir_all(self.dir());
        }
    }
}

/// A name beside `target` for its staging (`what` = "new") or set-aside ("old") directory,
/// unique within this process and across processes, hidden by its leading dot.
fn sibling(target: &Path, what: &str) -> PathBuf {
    let tmp = temp_path(target);
    let name = tmp
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    tmp.with_file_name(name.replace(".tmp", &format!(".{what}")))
}

fn io(e: std::io::Error) -> StorageError {
    StorageError::IOError(std::sync::Arc::new(e))
}

impl WritableStorageTraits for AtomicStore {
    fn set(&self, key: &StoreKey, value: Bytes) -> Result<(), StorageError> {
        let path = self.key_path(key.as_str());
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
        match std::fs::remove_file(self.key_path(key.as_str())) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(e)),
            _ => Ok(()),
        }
    }

    fn erase_prefix(&self, prefix: &StorePrefix) -> Result<(), StorageError> {
        match std::fs::remove_dir_all(self.key_path(prefix.as_str())) {
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
