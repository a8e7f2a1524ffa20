//! Task profiles: what ran where and when, as dask's `Profiler`.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use crate::error::Result;
use crate::io::io_error;
use crate::scheduler::{LayerName, RawRecord, Recording};

/// One task of a profiled computation.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskRecord {
    /// What the task does: its operation, after the operations fused into it, joined by `+`
    /// (`overlap+map_blocks+reduce_chunk`). Shared by all the operation's records.
    pub op: Arc<str>,
    /// The block's linear index in the operation's grid.
    pub block: usize,
    /// The operation's grid of blocks (shared).
    pub grid: Arc<[usize]>,
    /// The worker thread that ran it (`0..threads`).
    pub worker: usize,
    /// Start, from the start of the computation.
    pub start: Duration,
    /// End, from the start of the computation.
    pub end: Duration,
    /// Bytes of the block it kept for its readers (0 when it wrote into the result).
    pub bytes: usize,
    /// Bytes of inputs it was the last reader of.
    pub freed: usize,
    /// Whether it succeeded.
    pub ok: bool,
}

impl TaskRecord {
    /// The block's index in the operation's grid.
    pub fn block_index(&self) -> Vec<usize> {
        crate::scheduler::task::block_index(&self.grid, self.block)
    }

    /// `op[i, j]`: the operation and the block index.
    pub fn name(&self) -> String {
        format!("{}{:?}", self.op, self.block_index())
    }
}

/// The tasks of one computation, from [`Array::compute_profiled`](crate::Array::compute_profiled).
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Scheduler};
/// let x = Array::<f64>::random(&[400, 400], [100, 100], 1)?;
/// let (y, profile) = (&x + 1.0).sum_axis(ndarray::Axis(0))?.compute_profiled(&Scheduler::threads(2))?;
/// assert_eq!(y.shape(), &[400]);
/// assert_eq!(profile.tasks().len(), (&x + 1.0).sum_axis(ndarray::Axis(0))?.num_tasks());
/// let summary = profile.summary();
/// assert!(summary.to_string().contains("reduce_chunk"));
/// # Ok::<(), chunkwise::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Profile {
    /// Each worker's records, in order of start.
    raw: Vec<Vec<RawRecord>>,
    layers: Vec<LayerName>,
    started: Instant,
    /// The instant the records' times count from.
    base: Instant,
    wall: Duration,
    /// The records with their names, made on first use.
    tasks: OnceLock<Vec<TaskRecord>>,
    /// This process's rank in a cluster (0 outside one).
    rank: usize,
    /// The other ranks' trace events (a compute on a cluster's scheduler), as JSON objects.
    other_ranks: Vec<String>,
    /// What each rank sent to the others (a compute on a cluster's scheduler).
    traffic: Vec<RankTraffic>,
}

/// What one rank of a cluster sent to the others during a profiled compute.
///
/// # Examples
///
/// Outside a cluster a profile has none:
///
/// ```
/// use chunkwise::{Array, Scheduler};
/// let (_, profile) = Array::<f64>::ones(&[4], [2])?.compute_profiled(&Scheduler::threads(2))?;
/// assert!(profile.traffic().is_empty());
/// # Ok::<(), chunkwise::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RankTraffic {
    /// The rank.
    pub rank: usize,
    /// Bytes it sent to other ranks (blocks handed to the ranks that read them).
    pub bytes: u64,
    /// Blocks (or block windows) it sent, one per block and destination.
    pub blocks: u64,
}

impl Profile {
    /// The profile recorded in `recording`, for a computation that started at `started`.
    pub(crate) fn from_recording(
        recording: &Recording,
        started: Instant,
        wall: Duration,
        workers: usize,
    ) -> Profile {
        let logs = std::mem::take(&mut *recording.logs.lock().unwrap_or_else(|e| e.into_inner()));
        // A worker thread hands over one log each time it leaves the computation, and it may
        // join again later: merge its logs into one track, in order of start.
        let threads = logs.iter().map(|(w, _)| w + 1).max().unwrap_or(0);
        let mut raw: Vec<Vec<RawRecord>> = vec![Vec::new(); workers.max(threads).max(1)];
        for (w, log) in logs {
            raw[w].extend(log);
        }
        for log in &mut raw {
            log.sort_by_key(|r| r.start);
        }
        let layers =
            std::mem::take(&mut *recording.layers.lock().unwrap_or_else(|e| e.into_inner()));
        Profile {
            raw,
            layers,
            started,
            base: recording.base,
            wall,
            tasks: OnceLock::new(),
            rank: 0,
            other_ranks: Vec::new(),
            traffic: Vec::new(),
        }
    }

    /// Adds what the other ranks of `scheduler`'s cluster recorded of the compute that every
    /// rank just ran (a collective there): their trace events, and every rank's traffic.
    /// Nothing on one process.
    pub(crate) fn add_ranks(&mut self, scheduler: &crate::Scheduler) {
        let Some(traffic) = scheduler.traffic() else {
            return;
        };
        // The rank first: this rank's trace events name it.
        self.rank = scheduler.rank();
        let events = scheduler.all_gather(self.trace_events().as_bytes());
        self.other_ranks = events
            .iter()
            .enumerate()
            .filter(|&(r, e)| r != self.rank && !e.is_empty())
            .map(|(_, e)| String::from_utf8_lossy(e).into_owned())
            .collect();
        self.traffic = traffic
            .into_iter()
            .enumerate()
            .map(|(rank, (bytes, blocks))| RankTraffic {
                rank,
                bytes,
                blocks,
            })
            .collect();
    }

    /// What each rank of a cluster sent to the others, for a compute on a cluster's scheduler
    /// (feature `mpi`); empty otherwise.
    ///
    /// # Examples
    ///
    /// See [`RankTraffic`].
    pub fn traffic(&self) -> &[RankTraffic] {
        &self.traffic
    }

    /// Every task that ran, worker by worker, each worker's in order of start.
    pub fn tasks(&self) -> &[TaskRecord] {
        self.tasks.get_or_init(|| {
            let mut out = Vec::with_capacity(self.raw.iter().map(Vec::len).sum());
            for (worker, log) in self.raw.iter().enumerate() {
                out.extend(log.iter().map(|r| {
                    let (op, grid) = self.layers[r.layer as usize].clone();
                    TaskRecord {
                        op,
                        block: r.block,
                        grid,
                        worker,
                        start: (self.base + Duration::from_nanos(r.start))
                            .saturating_duration_since(self.started),
                        end: (self.base + Duration::from_nanos(r.end))
                            .saturating_duration_since(self.started),
                        bytes: r.bytes,
                        freed: r.freed,
                        ok: r.ok,
                    }
                }));
            }
            out
        })
    }

    /// Time from the start of the computation to its end.
    pub fn wall_time(&self) -> Duration {
        self.wall
    }

    /// Number of worker threads of the scheduler.
    pub fn workers(&self) -> usize {
        self.raw.len()
    }

    /// Time per operation, busy fraction per worker and the peak bytes of blocks held.
    ///
    /// # Examples
    ///
    /// See [`Profile`].
    pub fn summary(&self) -> Summary {
        let mut ops: BTreeMap<&str, (usize, Duration)> = BTreeMap::new();
        let mut busy = vec![Duration::ZERO; self.workers()];
        for t in self.tasks() {
            let e = ops.entry(&*t.op).or_default();
            e.0 += 1;
            e.1 += t.end - t.start;
            if let Some(b) = busy.get_mut(t.worker) {
                *b += t.end - t.start;
            }
        }
        // Blocks held: a task's block from its end, until its last reader frees it.
        let mut events: Vec<(Duration, i64)> = Vec::with_capacity(self.tasks().len());
        for t in self.tasks() {
            events.push((t.end, t.bytes as i64 - t.freed as i64));
        }
        events.sort_by_key(|e| e.0);
        let (mut held, mut peak) = (0i64, 0i64);
        for (_, d) in events {
            held += d;
            peak = peak.max(held);
        }
        let wall = self.wall.as_secs_f64().max(1e-12);
        let mut by_time: Vec<OpTime> = ops
            .into_iter()
            .map(|(op, (tasks, time))| OpTime {
                op: op.to_string(),
                tasks,
                time,
            })
            .collect();
        by_time.sort_by_key(|o| std::cmp::Reverse(o.time));
        Summary {
            wall: self.wall,
            ops: by_time,
            idle: busy
                .iter()
                .map(|b| (1.0 - b.as_secs_f64() / wall).clamp(0.0, 1.0))
                .collect(),
            peak_bytes: peak.max(0) as usize,
        }
    }

    /// Writes the profile as Chrome's Trace Event JSON (one complete event per task, one track
    /// per worker), which <https://ui.perfetto.dev> and `chrome://tracing` open.
    ///
    /// # Errors
    ///
    /// [`Error::Io`](crate::Error::Io) if the file cannot be written.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, Scheduler};
    /// let (_, profile) = Array::<f64>::ones(&[10, 10], [5, 5])?.compute_profiled(&Scheduler::threads(2))?;
    /// let path = std::env::temp_dir().join(format!("chunkwise-doc-trace-{}.json", std::process::id()));
    /// profile.write_chrome_trace(&path)?;
    /// assert!(std::fs::read_to_string(&path).unwrap().contains("\"ph\":\"X\""));
    /// # std::fs::remove_file(&path).unwrap();
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn write_chrome_trace(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let mut events = vec![self.trace_events()];
        events.extend(self.other_ranks.iter().cloned());
        let out = format!(
            "{{\"traceEvents\":[\n{}\n],\"displayTimeUnit\":\"ms\"}}\n",
            events.join(",\n")
        );
        std::fs::File::create(path)
            .and_then(|mut f| f.write_all(out.as_bytes()))
            .map_err(|e| io_error("write", path, e))
    }

    /// This process's trace events, as JSON objects separated by commas: one process (its rank)
    /// with a named track per worker, and a complete event per task.
    pub(crate) fn trace_events(&self) -> String {
        let pid = self.rank + 1;
        let mut out = Vec::with_capacity(self.workers() + self.tasks().len() + 1);
        out.push(format!(
            "{{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":{pid},\"args\":{{\"name\":\"rank {}\"}}}}",
            self.rank
        ));
        for w in 0..self.workers() {
            out.push(format!(
                "{{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":{pid},\"tid\":{w},\"args\":{{\"name\":\"worker {w}\"}}}}"
            ));
        }
        for t in self.tasks() {
            out.push(format!(
                "{{\"name\":{},\"cat\":{},\"ph\":\"X\",\"pid\":{pid},\"tid\":{},\"ts\":{:.3},\"dur\":{:.3},\"args\":{{\"bytes\":{},\"ok\":{}}}}}",
                json_string(&t.name()),
                json_string(&t.op),
                t.worker,
                t.start.as_secs_f64() * 1e6,
                (t.end - t.start).as_secs_f64() * 1e6,
                t.bytes,
                t.ok,
            ));
        }
        out.join(",\n")
    }
}

fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Time spent in one operation's tasks.
#[derive(Clone, Debug, PartialEq)]
pub struct OpTime {
    /// The operation.
    pub op: String,
    /// Its number of tasks.
    pub tasks: usize,
    /// Their total time, on all workers.
    pub time: Duration,
}

/// A [`Profile`] in brief; its `Display` is a small table.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// Time from start to end.
    pub wall: Duration,
    /// Time per operation, most first.
    pub ops: Vec<OpTime>,
    /// Per worker, the fraction of the wall time it ran no task.
    pub idle: Vec<f64>,
    /// The most bytes of blocks held between tasks at any time (blocks of numbers and `bool`).
    pub peak_bytes: usize,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "wall time {:.3} s", self.wall.as_secs_f64())?;
        writeln!(
            f,
            "{:<32} {:>8} {:>12} {:>7}",
            "operation", "tasks", "time (s)", "share"
        )?;
        let total: f64 = self.ops.iter().map(|o| o.time.as_secs_f64()).sum();
        for o in &self.ops {
            writeln!(
                f,
                "{:<32} {:>8} {:>12.3} {:>6.1}%",
                o.op,
                o.tasks,
                o.time.as_secs_f64(),
                100.0 * o.time.as_secs_f64() / total.max(1e-12)
            )?;
        }
        let idle: Vec<String> = self
            .idle
            .iter()
            .map(|i| format!("{:.0}%", i * 100.0))
            .collect();
        writeln!(f, "idle per worker: {}", idle.join(" "))?;
        write!(
            f,
            "peak blocks held: {:.1} MiB",
            self.peak_bytes as f64 / (1 << 20) as f64
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(start: u64) -> RawRecord {
        RawRecord {
            layer: 0,
            block: start as usize,
            start,
            end: start + 1,
            bytes: 0,
            freed: 0,
            ok: true,
        }
    }

    /// A thread that left and joined again hands over more than one log: they make one track.
    #[test]
    fn logs_of_one_worker_make_one_track_in_order_of_start() {
        let base = Instant::now();
        let recording = Recording::new(base);
        *recording.logs.lock().unwrap() = vec![
            (1, vec![record(2)]),
            (0, vec![record(5), record(7)]),
            (0, vec![record(1), record(6)]),
        ];
        *recording.layers.lock().unwrap() = vec![(Arc::from("op"), Arc::from([1usize; 1]))];
        let p = Profile::from_recording(&recording, base, Duration::from_secs(1), 2);
        assert_eq!(p.workers(), 2);
        let track0: Vec<usize> = p
            .tasks()
            .iter()
            .filter(|t| t.worker == 0)
            .map(|t| t.block)
            .collect();
        assert_eq!(track0, [1, 5, 6, 7]);
        assert_eq!(p.summary().idle.len(), 2);
    }
}
