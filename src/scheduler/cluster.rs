//! The interface of the backend that runs each graph across several processes (the ranks of an
//! MPI job): what the layers above ask of it, and the collectives they build on it.
//!
//! The executor here knows nothing of MPI. `dist` (feature `mpi`) implements [`Cluster`] for
//! the ranks of a job and hands [`Scheduler::on_cluster`] the value; everything else reaches it
//! through the scheduler, so no other module names MPI. On a scheduler of one process the same
//! calls are what one rank of one would do: rank 0, results agreed at once, rank 0's bytes are
//! one's own.

use std::any::Any;
use std::ops::Range;
use std::sync::Arc;

use super::{Kind, Scheduler, TaskGraph};
use crate::error::{Error, Result};

/// One process's place among the ranks that each run a share of every graph.
pub(crate) trait Cluster: Send + Sync {
    /// This process's rank: `0..size()`.
    fn rank(&self) -> usize;

    /// Number of ranks.
    fn size(&self) -> usize;

    /// The threads that run this rank's share.
    fn pool(&self) -> &rayon::ThreadPool;

    /// An error, on every rank, unless the cluster is still up and every rank passes the same
    /// `fingerprint` (a collective: every rank calls it).
    fn check(&self, fingerprint: u64) -> Result<()>;

    /// Runs this rank's share of `graph` on `scheduler`'s threads (its callbacks, recording
    /// and memory limit), handing blocks to the ranks that read them; the rank that made each
    /// block of the graph's last layer, by block index. An error on any rank is an error on
    /// every rank.
    fn run(&self, graph: TaskGraph<'_>, scheduler: &Scheduler) -> Result<Vec<usize>>;

    /// Every rank's `bytes`, in rank order (a collective).
    fn all_gather(&self, bytes: &[u8]) -> Vec<Vec<u8>>;

    /// Fills `out` (an `ArrayD` of the result) on every rank by sending each `(owner, range)`
    /// of `regions` (row-major element ranges, sorted, covering `out`) from its owner to every
    /// other rank as the element type's own datatype; `false`, having sent nothing, where the
    /// element type or layout has none (the same answer on every rank).
    fn exchange_regions(&self, out: &mut dyn Any, regions: &[(usize, Range<usize>)]) -> bool;

    /// Bytes and blocks this rank handed to others in its last run.
    fn sent(&self) -> (u64, u64);
}

impl Scheduler {
    /// A scheduler that runs each computation across the ranks of `cluster`.
    // Called only by the MPI backend (`dist`, feature `mpi`).
    #[allow(dead_code)]
    pub(crate) fn on_cluster(cluster: Arc<dyn Cluster>) -> Scheduler {
        Scheduler {
            kind: Kind::Cluster(cluster),
            ..Scheduler::synchronous()
        }
    }

    /// The cluster this scheduler runs across, if any.
    pub(crate) fn cluster(&self) -> Option<&dyn Cluster> {
        match &self.kind {
            Kind::Cluster(c) => Some(&**c),
            _ => None,
        }
    }

    /// This process's rank: 0 unless on a cluster.
    pub(crate) fn rank(&self) -> usize {
        self.cluster().map_or(0, |c| c.rank())
    }

    /// `result` on every rank: this rank's if every rank succeeded, else the first failing
    /// rank's error, as [`Error::OnRank`], on every rank (a collective on a cluster; `result`
    /// itself otherwise).
    pub(crate) fn agree<R>(&self, result: Result<R>) -> Result<R> {
        let Some(cluster) = self.cluster() else {
            return result;
        };
        let failed = cluster.all_gather(&[u8::from(result.is_err())]);
        let Some(first) = failed.iter().position(|f| f[0] != 0) else {
            return result;
        };
        let message = result.err().map(|e| e.to_string()).unwrap_or_default();
        let messages = cluster.all_gather(message.as_bytes());
        Err(Error::OnRank {
            rank: first,
            message: String::from_utf8_lossy(&messages[first]).into_owned(),
        })
    }

    /// Every rank's `bytes`, in rank order (a collective on a cluster; `bytes` alone
    /// otherwise).
    pub(crate) fn all_gather(&self, bytes: &[u8]) -> Vec<Vec<u8>> {
        match self.cluster() {
            Some(cluster) => cluster.all_gather(bytes),
            None => vec![bytes.to_vec()],
        }
    }

    /// The bytes and blocks each rank handed to others in its last run, in rank order (a
    /// collective); `None` on one process.
    pub(crate) fn traffic(&self) -> Option<Vec<(u64, u64)>> {
        let cluster = self.cluster()?;
        let (bytes, blocks) = cluster.sent();
        let mut mine = bytes.to_le_bytes().to_vec();
        mine.extend_from_slice(&blocks.to_le_bytes());
        let all = cluster.all_gather(&mine);
        let word = |b: &[u8]| u64::from_le_bytes(b.try_into().expect("8 bytes"));
        Some(
            all.iter()
                .map(|b| (word(&b[..8]), word(&b[8..16])))
                .collect(),
        )
    }

    /// Rank 0's `bytes`, on every rank (a collective on a cluster; `bytes` otherwise).
    pub(crate) fn rank_zero_bytes(&self, bytes: &[u8]) -> Vec<u8> {
        match self.cluster() {
            Some(cluster) => cluster.all_gather(bytes).swap_remove(0),
            None => bytes.to_vec(),
        }
    }
}
