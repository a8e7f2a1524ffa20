//! The same array graphs on many processes, over MPI (feature `mpi`).
//!
//! Every rank runs the same program (SPMD), builds the same graph, and calls `compute_with` on
//! its [`Cluster::scheduler`]. Every rank lowers the whole graph and places every task the same
//! way (`flow.rs`), so each knows, without asking, what every rank runs and which blocks
//! must move:
//!
//! ```text
//!   blocks   0 1 2 3 | 4 5 6 7 | 8 9 10 11     owner computes: contiguous runs of blocks,
//!   rank     0       | 1       | 2             so neighbours mostly share a rank
//!
//!   1. fingerprint of the graph, gathered; a mismatch is an Err on every rank
//!   2. every rank runs its tasks on its pool; each block another rank reads is sent the
//!      moment it is made, and a task starts as soon as its inputs, local or sent, are in
//!      (a failure on any rank stops every rank; then all agree on the outcome)
//!   3. the result blocks gathered, so that every rank returns the whole result
//! ```
//!
//! Results are bit-identical to one process: a block is computed by the same code from the
//! same inputs wherever it runs, and reduction trees are defined by block index.
//! [`Scheduler::comm_stats`] tells what a rank handed over.
//!
//! Only what is read crosses: ghost cells send the halo their neighbours read, a slice the
//! sliced part (`Node::input_region`). The partial states of the built-in reductions and of
//! ndmeasure's passes (labelled blocks' summaries, the label table, per-label statistics,
//! histograms) cross as bytes too (`dtype`'s byte forms), so each rank works on its own
//! blocks only. Elements and reduction states of a user's own type cross once given a byte
//! form ([`Encode`], [`register`]); until then such a state is made again by each rank that
//! reads it, from blocks sent to it, and such a result is an error.
//!
//! Also across the ranks: `persist_with` (each block stays on the rank that made it; later
//! graphs run their tasks there), `to_zarr_with` (rank 0 writes the metadata, each rank its own
//! chunks; every rank returns once the store is whole) and `from_zarr` (each chunk read by the
//! rank that owns it). `compute_profiled` returns, on every rank, a profile whose Chrome trace
//! has a process per rank, and what each rank sent (`Profile::traffic`).
//!
//! This module is the MPI backend and nothing else: [`Cluster::scheduler`] hands the scheduler
//! a value implementing the scheduler's `Cluster` interface (the checks, the run of a rank's
//! share, the collectives); the one execution entry (`lower::run`) and the layers above reach
//! MPI only through it.
#![forbid(unsafe_code)]

mod flow;
mod wire;

pub use crate::dtype::Encode;

use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use mpi::datatype::PartitionMut;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

use crate::error::{Error, Result};
use crate::expr::block::Element;
use crate::scheduler::{Scheduler, TaskGraph};

/// Lets values of type `E` cross ranks as bytes: blocks of an `Array<E>` that another rank
/// reads, whole results of type `E` ([`Array::compute_with`](crate::Array::compute_with),
/// [`Array::persist_with`](crate::Array::persist_with)), and the partial states of an
/// [`Array::reduction`](crate::Array::reduction) of type `E`.
///
/// Without it, a compute whose result is of such a type is an error, and a state of such a
/// type is made again, from blocks sent to it, by each rank that reads it (correct, but each
/// of those ranks then repeats other ranks' work). Call it on every rank, before the first
/// compute that uses `E`, as the same program does; ranks that disagree get
/// [`Error::GraphMismatch`] on every rank, never a hang. Registering a type again does
/// nothing new.
///
/// # Examples
///
/// A reduction whose state is a pair: registered, each rank reduces only its own blocks and
/// sends its partial states to the rank that combines them.
///
/// ```
/// use chunkwise::{Array, dist};
///
/// dist::register::<(f64, u64)>();
/// let x = Array::from_ndarray(ndarray::array![1.0, 4.0, 2.0, 8.0], [2])?;
/// let mean = x.reduction(
///     &[0],
///     false,
///     4,
///     |b, _, _| {
///         b.map_axis(ndarray::Axis(0), |l| (l.sum(), l.len() as u64))
///             .insert_axis(ndarray::Axis(0))
///     },
///     |a: &(f64, u64), b: &(f64, u64)| (a.0 + b.0, a.1 + b.1),
///     |s| Ok(s.0 / s.1 as f64),
/// )?;
/// assert_eq!(mean.compute()?.into_raw_vec_and_offset().0, vec![3.75]);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn register<E: Encode + Element>() {
    crate::dtype::register::<E>();
}

/// The processes of one MPI job, seen from one of them.
///
/// Make one with [`Cluster::init`] at the start of the program, on every rank; clones share
/// it, and dropping the last one finalises MPI (which cannot be initialised again in the same
/// process). A `Cluster` stays on the thread that made it; the schedulers it makes go anywhere.
///
/// # Examples
///
/// Run with `mpirun -n 4 target/release/examples/heat_mpi` (or `srun -n 4 ...` under Slurm);
/// every rank prints the same sum.
///
/// ```no_run
/// use chunkwise::{Array, dist::Cluster};
///
/// let cluster = Cluster::init()?;
/// let scheduler = cluster.scheduler(4); // 4 threads on each rank
/// let x = Array::<f64>::random(&[8192, 8192], [1024, 1024], 7)?;
/// let y = (&x * 2.0).compute_with(&scheduler)?; // the whole result, on every rank
/// println!("rank {} of {}: {}", cluster.rank(), cluster.size(), y.sum());
/// # Ok::<(), chunkwise::Error>(())
/// ```
#[derive(Clone)]
pub struct Cluster {
    inner: Rc<Inner>,
}

struct Inner {
    rank: usize,
    size: usize,
    alive: Arc<AtomicBool>,
    // Finalises MPI when dropped: declared last, so it goes after the rest.
    _universe: mpi::environment::Universe,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.alive.store(false, Ordering::SeqCst);
    }
}

impl Cluster {
    /// Initialises MPI for a job launched by `mpirun` or `srun` (a program started alone is a
    /// job of one rank), with full thread support: any thread may compute.
    ///
    /// # Errors
    ///
    /// [`Error::Mpi`] if MPI was already initialised in this process (by another `Cluster`,
    /// one since dropped, or the program itself), or if the MPI library cannot give full thread
    /// support (`MPI_THREAD_MULTIPLE`); [`Error::InvalidEnv`] if [`MESSAGE_BYTES_ENV`] is set
    /// but not a positive number.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let cluster = chunkwise::dist::Cluster::init()?;
    /// assert!(cluster.rank() < cluster.size());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn init() -> Result<Cluster> {
        if let Ok(v) = std::env::var(MESSAGE_BYTES_ENV) {
            match v.trim().parse::<usize>() {
                Ok(n) if n > 0 => MESSAGE_CAP.store(n, Ordering::Relaxed),
                _ => {
                    return Err(Error::InvalidEnv {
                        name: MESSAGE_BYTES_ENV,
                        value: v,
                        reason: "expected a positive number of bytes",
                    });
                }
            }
        }
        let (universe, level) = mpi::initialize_with_threading(mpi::Threading::Multiple)
            .ok_or_else(|| Error::Mpi {
                message: "MPI was already initialised in this process; make one Cluster at the \
                          start and clone it (MPI cannot be initialised twice)"
                    .into(),
            })?;
        if level != mpi::Threading::Multiple {
            return Err(Error::Mpi {
                message: format!(
                    "the MPI library gives thread support {level:?}, but chunkwise needs \
                     Multiple (MPI_THREAD_MULTIPLE): use an MPI built with thread support"
                ),
            });
        }
        let world = universe.world();
        Ok(Cluster {
            inner: Rc::new(Inner {
                rank: world.rank() as usize,
                size: world.size() as usize,
                alive: Arc::new(AtomicBool::new(true)),
                _universe: universe,
            }),
        })
    }

    /// This process's rank: `0..size()`.
    ///
    /// # Examples
    ///
    /// See [`Cluster`].
    pub fn rank(&self) -> usize {
        self.inner.rank
    }

    /// Number of ranks in the job.
    ///
    /// # Examples
    ///
    /// See [`Cluster`].
    pub fn size(&self) -> usize {
        self.inner.size
    }

    /// A scheduler that runs each computation across all ranks, this rank's share on a
    /// work-stealing pool of `threads_per_rank` threads (0: one per core).
    ///
    /// Every rank must call `compute_with` on it with the same graph, in the same order, as
    /// MPI's collective calls are: a rank that builds a different graph makes the compute an
    /// [`Error::GraphMismatch`] on every rank.
    ///
    /// [`Scheduler::with_memory_limit`] on it limits each rank's share: the blocks its tasks
    /// hold, and those handed over from other ranks (each counted as its whole block, from its
    /// arrival until its last reader here has run). A rank runs first the tasks that others
    /// wait for, so it may need more than one process would with the same blocks; a plan over
    /// the limit on any rank is an error on every rank. Unlike one process, whose plan is
    /// checked whole before it runs and then never runs out of room, a rank cannot order the
    /// arrivals of others' blocks: it may still stop half way when the blocks it holds leave
    /// no room for the next task.
    ///
    /// # Panics
    ///
    /// If the operating system refuses to start the threads.
    ///
    /// # Examples
    ///
    /// See [`Cluster`].
    pub fn scheduler(&self, threads_per_rank: usize) -> Scheduler {
        let pool =
            crate::scheduler::thread_pool(threads_per_rank).unwrap_or_else(|e| panic!("{e}"));
        Scheduler::on_cluster(Arc::new(Ranks {
            pool,
            rank: self.inner.rank,
            size: self.inner.size,
            alive: self.inner.alive.clone(),
            sent: Mutex::new((0, 0)),
        }))
    }
}

/// What one rank sent to the others during its scheduler's last compute, in blocks handed
/// to the ranks that read them (the final gather of the result, which every rank receives whole, is not
/// counted).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CommStats {
    /// Bytes sent, headers included.
    pub bytes: u64,
    /// Blocks sent (one per block and destination rank).
    pub blocks: u64,
}

impl Scheduler {
    /// What this rank sent to other ranks during this scheduler's last compute; `None` for a
    /// scheduler that is not a cluster's (feature `mpi`).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use chunkwise::{Array, Boundary, dist::Cluster};
    /// let cluster = Cluster::init()?;
    /// let s = cluster.scheduler(2);
    /// let x = Array::<f64>::random(&[4000, 4000], [1000, 1000], 1)?;
    /// x.map_overlap(1, Boundary::Reflect, |b| b.to_owned())?.compute_with(&s)?;
    /// println!("rank {} sent {:?}", cluster.rank(), s.comm_stats());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn comm_stats(&self) -> Option<CommStats> {
        let (bytes, blocks) = self.cluster()?.sent();
        Some(CommStats { bytes, blocks })
    }
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Cluster {{ rank: {}, size: {} }}",
            self.rank(),
            self.size()
        )
    }
}

/// The environment variable that caps the bytes a rank sends to one rank in one MPI call
/// (default: 1 GiB, and what keeps MPI's 32-bit counts in range); larger hand-overs and
/// gathers go in several rounds. It must be the same on every rank (`mpirun -x`).
pub const MESSAGE_BYTES_ENV: &str = "CHUNKWISE_MPI_MESSAGE_BYTES";

/// The cap read from [`MESSAGE_BYTES_ENV`] by [`Cluster::init`].
static MESSAGE_CAP: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1 << 30);

/// The most bytes one rank sends per round of a gather or exchange: MPI's counts and
/// displacements are 32-bit, and a round's displacements span every rank's piece.
fn round_len(size: usize) -> usize {
    (i32::MAX as usize / size.max(1))
        .min(MESSAGE_CAP.load(Ordering::Relaxed))
        .max(1)
}

/// This process's place among the ranks of the job and its pool: the scheduler's cluster
/// backend.
struct Ranks {
    pool: rayon::ThreadPool,
    rank: usize,
    size: usize,
    /// False once the `Cluster` that made this scheduler has been dropped (MPI finalised).
    alive: Arc<AtomicBool>,
    /// Bytes and blocks this rank handed to others in its last compute.
    sent: Mutex<(u64, u64)>,
}

impl crate::scheduler::Cluster for Ranks {
    fn rank(&self) -> usize {
        self.rank
    }

    fn size(&self) -> usize {
        self.size
    }

    fn pool(&self) -> &rayon::ThreadPool {
        &self.pool
    }

    fn check(&self, fingerprint: u64) -> Result<()> {
        if !self.alive.load(Ordering::SeqCst) {
            return Err(Error::Mpi {
                message: "the Cluster that made this scheduler was dropped, and MPI with it".into(),
            });
        }
        let prints = gather_u64(&SimpleCommunicator::world(), fingerprint, self.size);
        match prints.iter().position(|&p| p != prints[0]) {
            Some(rank) => Err(Error::GraphMismatch { rank }),
            None => Ok(()),
        }
    }

    /// Places `graph` on the ranks and runs this rank's share of it (see `flow.rs`), keeping
    /// what it sent for [`Scheduler::comm_stats`].
    fn run(&self, graph: TaskGraph<'_>, scheduler: &Scheduler) -> Result<Vec<usize>> {
        let placement = flow::Placement::new(&graph, self.size);
        let root_layer = graph.layers.len() as u32 - 1;
        let mut owners = Vec::new();
        for (t, &(l, b)) in graph.keys.iter().enumerate() {
            if l == root_layer {
                owners.resize(owners.len().max(b + 1), 0);
                owners[b] = placement.owner[t] as usize;
            }
        }
        let world = SimpleCommunicator::world();
        let sent = flow::run(graph, &placement, scheduler, &world, self.rank)?;
        *self.sent.lock().unwrap_or_else(|e| e.into_inner()) = (sent.bytes, sent.blocks);
        Ok(owners)
    }

    fn all_gather(&self, bytes: &[u8]) -> Vec<Vec<u8>> {
        let all = gather_bytes(&SimpleCommunicator::world(), bytes, self.size);
        (0..self.size).map(|r| all[r].to_vec()).collect()
    }

    fn exchange_regions(
        &self,
        out: &mut dyn std::any::Any,
        regions: &[(usize, std::ops::Range<usize>)],
    ) -> bool {
        wire::exchange_regions(&SimpleCommunicator::world(), out, regions, round_len(1))
    }

    fn sent(&self) -> (u64, u64) {
        *self.sent.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// `value` from every rank, in rank order.
fn gather_u64(world: &SimpleCommunicator, value: u64, size: usize) -> Vec<u64> {
    let mut all = vec![0u64; size];
    world.all_gather_into(&value, &mut all[..]);
    all
}

/// `bytes` from every rank, in rank order, in rounds of at most [`round_len`] bytes per rank.
fn gather_bytes(world: &SimpleCommunicator, bytes: &[u8], size: usize) -> Gathered {
    let lens: Vec<usize> = gather_u64(world, bytes.len() as u64, size)
        .into_iter()
        .map(|n| n as usize)
        .collect();
    let mut starts = Vec::with_capacity(size + 1);
    starts.push(0);
    for &n in &lens {
        starts.push(starts[starts.len() - 1] + n);
    }
    // One spare byte: never empty (two empty buffers share one dangling address, which MPI
    // takes for an in-place gather).
    let mut all = vec![0u8; starts[size] + 1];
    let round_len = round_len(size);
    let rounds = lens
        .iter()
        .map(|&n| n.div_ceil(round_len))
        .max()
        .unwrap_or(0);
    if rounds == 1 {
        // Straight into place: the whole gather fits MPI's counts.
        let counts: Vec<i32> = lens.iter().map(|&n| n as i32).collect();
        let displs: Vec<i32> = starts[..size].iter().map(|&d| d as i32).collect();
        let mut partition = PartitionMut::new(&mut all[..], &counts[..], &displs[..]);
        world.all_gather_varcount_into(bytes, &mut partition);
        return Gathered { all, starts };
    }
    for round in 0..rounds {
        let piece = |n: usize| {
            n.min((round + 1) * round_len)
                .saturating_sub(round * round_len)
        };
        let counts: Vec<i32> = lens.iter().map(|&n| piece(n) as i32).collect();
        let displs: Vec<i32> = counts
            .iter()
            .scan(0i32, |acc, &c| {
                let d = *acc;
                *acc += c;
                Some(d)
            })
            .collect();
        let total: usize = counts.iter().map(|&c| c as usize).sum();
        let mut buf = vec![0u8; total + 1];
        let from = (round * round_len).min(bytes.len());
        let mine = &bytes[from..from + piece(bytes.len())];
        {
            let mut partition = PartitionMut::new(&mut buf[..], &counts[..], &displs[..]);
            world.all_gather_varcount_into(mine, &mut partition);
        }
        for r in 0..size {
            let (d, n) = (displs[r] as usize, counts[r] as usize);
            if n == 0 {
                continue; // rank r sent all it had in earlier rounds
            }
            let at = starts[r] + round * round_len;
            all[at..at + n].copy_from_slice(&buf[d..d + n]);
        }
    }
    Gathered { all, starts }
}

/// Bytes gathered from every rank, laid end to end in rank order.
struct Gathered {
    all: Vec<u8>,
    starts: Vec<usize>,
}

impl std::ops::Index<usize> for Gathered {
    type Output = [u8];
    /// The bytes rank `r` sent.
    fn index(&self, r: usize) -> &[u8] {
        &self.all[self.starts[r]..self.starts[r + 1]]
    }
}
