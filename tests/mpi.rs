//! Distributed computes under `mpirun -n 1..4` (feature `mpi`), against one process.
//!
//! Not the test harness: run as a test, this program launches itself under `mpirun` with 1, 2,
//! 3 and 4 ranks (each under a watchdog, so a hang fails instead of stalling CI) and passes when
//! every launch exits cleanly. Launched, each rank computes every case on the cluster scheduler
//! and on `Scheduler::synchronous()` in its own process, and requires the two bit for bit.
//!
//! Without `mpirun` the test is skipped with a message, unless `CHUNKWISE_REQUIRE_MPI` is set
//! (as CI does), which makes a missing MPI a failure.

use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chunkwise::dist::{self, Cluster, Encode};
use chunkwise::{
    Array, Boundary, Coarsen, Error, Scheduler, concatenate, ndfilters, ndmeasure, ndmorph,
};
use ndarray::{ArrayD, Axis};

/// Set in the environment of the ranks this program launches.
const RANK_ENV: &str = "CHUNKWISE_MPI_TEST_RANK";
const WATCHDOG: Duration = Duration::from_secs(180);

fn main() -> ExitCode {
    if std::env::var_os(RANK_ENV).is_some() {
        let cluster = Cluster::init().expect("MPI initialises");
        if let Err(e) = run_rank(&cluster) {
            eprintln!("rank {} failed: {e}", cluster.rank());
            // Leave without finalising MPI, which would wait for the other ranks: mpirun then
            // stops the whole job at once.
            std::process::exit(1);
        }
        return ExitCode::SUCCESS;
    }
    launch()
}

/// Runs this program under `mpirun` with 1 to 4 ranks.
fn launch() -> ExitCode {
    let found = Command::new("mpirun")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        if std::env::var_os("CHUNKWISE_REQUIRE_MPI").is_some() {
            eprintln!("CHUNKWISE_REQUIRE_MPI is set, but mpirun is not installed");
            return ExitCode::FAILURE;
        }
        eprintln!("mpirun not found: skipping the distributed tests (install OpenMPI to run them)");
        return ExitCode::SUCCESS;
    }
    let me = std::env::current_exe().expect("the test's own path");
    // 1 to 4 ranks; then 3 ranks with every message cut into rounds of 1000 bytes, so that the
    // rounds that keep big hand-overs and gathers within MPI's 32-bit counts run too.
    for (ranks, cap) in [
        (1, None),
        (2, None),
        (3, None),
        (4, None),
        (3, Some("1000")),
    ] {
        let started = Instant::now();
        let mut child = Command::new("mpirun")
            .args(["-n", &ranks.to_string(), "--oversubscribe"])
            .arg(&me)
            // A directory all ranks share, for the store test.
            .env(
                RANK_ENV,
                std::env::temp_dir()
                    .join(format!("chunkwise-mpi-test-{}-{ranks}", std::process::id())),
            )
            .envs(cap.map(|c| ("CHUNKWISE_MPI_MESSAGE_BYTES", c)))
            // OpenMPI refuses root without these; CI machines run as root.
            .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
            .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
            .spawn()
            .expect("mpirun starts");
        let status = loop {
            if let Some(s) = child.try_wait().expect("mpirun's status") {
                break Some(s);
            }
            if started.elapsed() > WATCHDOG {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        match status {
            Some(s) if s.success() => {
                println!(
                    "mpirun -n {ranks} (messages: {} bytes): ok in {:.1?}",
                    cap.unwrap_or("any"),
                    started.elapsed()
                );
            }
            Some(s) => {
                eprintln!("mpirun -n {ranks} failed: {s}");
                return ExitCode::FAILURE;
            }
            None => {
                eprintln!("mpirun -n {ranks} hung for {WATCHDOG:?}: killed");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}

/// Fails with `what` unless the two results are equal bit for bit.
fn same_bits<T: PartialEq + std::fmt::Debug + Clone>(
    what: &str,
    got: &ArrayD<T>,
    expected: &ArrayD<T>,
    bits: impl Fn(&T) -> u64,
) -> Result<(), String> {
    if got.shape() != expected.shape() {
        return Err(format!(
            "{what}: shape {:?}, expected {:?}",
            got.shape(),
            expected.shape()
        ));
    }
    for (i, (a, b)) in got.iter().zip(expected).enumerate() {
        if bits(a) != bits(b) {
            return Err(format!(
                "{what}: element {i} is {a:?}, expected {b:?} bit for bit"
            ));
        }
    }
    Ok(())
}

/// The range and count of some values: a reduction state and an element type of the user's
/// own, with a byte form.
#[derive(Clone, Default, Debug, PartialEq)]
struct Span {
    lo: f64,
    hi: f64,
    n: u64,
}

impl Span {
    fn of(v: f64) -> Span {
        Span { lo: v, hi: v, n: 1 }
    }

    fn merge(&self, o: &Span) -> Span {
        Span {
            lo: self.lo.min(o.lo),
            hi: self.hi.max(o.hi),
            n: self.n + o.n,
        }
    }

    fn bits(&self) -> (u64, u64, u64) {
        (self.lo.to_bits(), self.hi.to_bits(), self.n)
    }
}

impl Encode for Span {
    fn encode(&self, out: &mut Vec<u8>) {
        (self.lo, self.hi, self.n).encode(out);
    }
    fn decode(bytes: &mut &[u8]) -> Self {
        let (lo, hi, n) = <(f64, f64, u64)>::decode(bytes);
        Span { lo, hi, n }
    }
}

/// A type that only rank 0 gives a byte form.
#[derive(Clone, Default)]
struct Lone(f64);

impl Encode for Lone {
    fn encode(&self, out: &mut Vec<u8>) {
        self.0.encode(out);
    }
    fn decode(bytes: &mut &[u8]) -> Self {
        Lone(f64::decode(bytes))
    }
}

/// A `Span` reduction of `x` over both axes, its chunk steps counted in `calls`: the width of
/// the range plus the count.
fn span_of(x: &Array<f64>, calls: &Arc<AtomicUsize>) -> chunkwise::Result<Array<f64>> {
    let calls = calls.clone();
    x.reduction(
        &[0, 1],
        false,
        2,
        move |b, _, _| {
            calls.fetch_add(1, Ordering::Relaxed);
            let s = b.iter().map(|&v| Span::of(v)).fold(
                Span {
                    lo: f64::INFINITY,
                    hi: f64::NEG_INFINITY,
                    n: 0,
                },
                |a, s| a.merge(&s),
            );
            ArrayD::from_elem(vec![1, 1], s)
        },
        |a: &Span, b: &Span| a.merge(b),
        |s| Ok(s.hi - s.lo + s.n as f64),
    )
}

/// How many of `blocks` blocks `rank` of `size` owns: contiguous runs, in block order.
fn owned_blocks(rank: usize, size: usize, blocks: usize) -> usize {
    (0..blocks).filter(|b| b * size / blocks == rank).count()
}

fn check(what: &str, x: &Array<f64>, cluster: &Scheduler, one: &Scheduler) -> Result<(), String> {
    let got = x
        .compute_with(cluster)
        .map_err(|e| format!("{what}: {e}"))?;
    let expected = x.compute_with(one).map_err(|e| format!("{what}: {e}"))?;
    same_bits(what, &got, &expected, |v| v.to_bits())
}

fn run_rank(cluster: &Cluster) -> Result<(), String> {
    let (rank, size) = (cluster.rank(), cluster.size());
    let s = cluster.scheduler(2);
    let one = Scheduler::synchronous();
    let e = |e: Error| e.to_string();

    let x = Array::<f64>::random(&[97, 64], [13, 16], 3).map_err(e)?;
    let y = Array::<f64>::random(&[97, 64], [20, 9], 4).map_err(e)?;
    check(
        "elementwise chain",
        &((&x * &x + 1.0).map(f64::sqrt)),
        &s,
        &one,
    )?;
    check("zip of two chunkings", &(&x * &y - &x), &s, &one)?;
    // Random arrays: each element depends only on the seed and its index, so every rank's
    // share, made where the rank runs it, is the one process's, for any chunking.
    let rng = chunkwise::random::default_rng(8);
    let normal = rng.normal(1.0, 2.0, &[97, 64], [13, 16]).map_err(e)?;
    check("normal", &normal, &s, &one)?;
    let rechunked = chunkwise::random::default_rng(8)
        .normal(1.0, 2.0, &[97, 64], [97, 5])
        .map_err(e)?;
    same_bits(
        "normal, another chunking on the cluster",
        &rechunked.compute_with(&s).map_err(e)?,
        &normal.compute_with(&one).map_err(e)?,
        |v| v.to_bits(),
    )?;
    // Linear algebra: TSQR's blocks and R factors cross ranks as any block does.
    let tall = Array::<f64>::random(&[301, 7], [23, 7], 5).map_err(e)?;
    let (q, r) = chunkwise::linalg::qr(&tall).map_err(e)?;
    check("qr: Q", &q, &s, &one)?;
    check("qr: R", &r, &s, &one)?;
    let (u, sv, _) = chunkwise::linalg::svd(&tall).map_err(e)?;
    check("svd: U", &u, &s, &one)?;
    check("svd: S", &sv, &s, &one)?;
    let rhs = Array::<f64>::random(&[301], [40], 6).map_err(e)?;
    let (fit, residuals, _, _) = chunkwise::linalg::lstsq(&tall, &rhs).map_err(e)?;
    check("lstsq: x", &fit, &s, &one)?;
    check("lstsq: residuals", &residuals, &s, &one)?;
    // Square systems: tiles and panels cross ranks as blocks do.
    let r = Array::<f64>::random(&[45, 45], [10, 10], 7).map_err(e)?;
    let spd = (&r.matmul(&r.transpose()).map_err(e)?
        + &chunkwise::linalg::identity(45, [10, 10]).map_err(e)?)
        .persist_with(&one)
        .map_err(e)?;
    check(
        "cholesky",
        &chunkwise::linalg::cholesky(&spd).map_err(e)?,
        &s,
        &one,
    )?;
    let (p, l, u) = chunkwise::linalg::lu(&r).map_err(e)?;
    check("lu: P", &p, &s, &one)?;
    check("lu: L", &l, &s, &one)?;
    check("lu: U", &u, &s, &one)?;
    let b = Array::<f64>::random(&[45], [12], 8).map_err(e)?;
    check(
        "solve",
        &chunkwise::linalg::solve(&r, &b).map_err(e)?,
        &s,
        &one,
    )?;
    // Complex blocks cross ranks: a transform whose rechunk moves them between ranks.
    let spectrum = chunkwise::fft::fft2(&x, None, None, Default::default()).map_err(e)?;
    same_bits(
        "fft2",
        &spectrum.compute_with(&s).map_err(e)?,
        &spectrum.compute_with(&one).map_err(e)?,
        |v| v.re.to_bits() ^ v.im.to_bits().rotate_left(1),
    )?;
    // Parameters given as arrays: each element draws with its own, on whichever rank.
    let loc = Array::from_ndarray(
        ndarray::Array::from_iter((0..64).map(|j| j as f64)).into_dyn(),
        [10],
    )
    .map_err(e)?;
    let shifted = chunkwise::random::default_rng(9)
        .normal(&loc, 0.5, &[97, 64], [13, 16])
        .map_err(e)?;
    check("normal with an array of means", &shifted, &s, &one)?;
    for boundary in [
        Boundary::Reflect,
        Boundary::Periodic,
        Boundary::Nearest,
        Boundary::Constant(0.5),
        Boundary::None,
    ] {
        let smoothed = x
            .map_overlap([2, 1], boundary.clone(), |b| b.mapv(|v| v * 0.5) + b.sum())
            .map_err(e)?;
        check(&format!("map_overlap {boundary:?}"), &smoothed, &s, &one)?;
    }
    let g = ndfilters::gaussian_filter(&x, 1.5, Boundary::Reflect).map_err(e)?;
    check("gaussian_filter", &g, &s, &one)?;
    let filters = [
        (
            "uniform_filter",
            ndfilters::uniform_filter(&x, 5, Boundary::Nearest),
        ),
        (
            "median_filter",
            ndfilters::median_filter(&x, 3, Boundary::Reflect),
        ),
        (
            "maximum_filter",
            ndfilters::maximum_filter(&x, 4, Boundary::Periodic),
        ),
        ("sobel", ndfilters::sobel(&x, 1, Boundary::Reflect)),
        ("laplace", ndfilters::laplace(&x, Boundary::Constant(0.0))),
    ];
    for (name, filtered) in filters {
        check(name, &filtered.map_err(e)?, &s, &one)?;
    }
    // General block functions, point-wise indexing and the long tail of issue 32 across
    // ranks: each bit-identical to one process.
    let y = x.map(|v| v * 2.0 - 1.0).rechunk([17, 9]).map_err(e)?;
    let xt = x.transpose();
    let dot = |b: &[ndarray::ArrayViewD<'_, f64>]| {
        let p = b[0].view().into_dimensionality::<ndarray::Ix2>().unwrap();
        let q = b[1].view().into_dimensionality::<ndarray::Ix2>().unwrap();
        p.dot(&q)
    };
    let idx = ndarray::Array1::from_iter((0..40i64).map(|i| (i * 37) % 97 - 20)).into_dyn();
    let cols =
        Array::from_ndarray(ndarray::array![63i64, 0, 5, 17, 16].into_dyn(), [2]).map_err(e)?;
    let edges = ndmeasure::uniform_edges(6, (0.0, 1.0)).map_err(e)?;
    let tail: Vec<(&str, chunkwise::Result<Array<f64>>)> = vec![
        (
            "blockwise",
            chunkwise::blockwise("ij,jk->ik", dot, &[&xt, &y]),
        ),
        (
            "blockwise combined",
            chunkwise::Blockwise::new("ij,jk->ik").apply_combined(dot, |a, p| *a += &p, &[&xt, &y]),
        ),
        (
            "apply_gufunc",
            chunkwise::Gufunc::new("(i)->(),()")
                .allow_rechunk(true)
                .vectorize_multi(
                    |c| {
                        vec![
                            ndarray::arr0(c[0].sum()).into_dyn(),
                            ndarray::arr0(c[0][0]).into_dyn(),
                        ]
                    },
                    &[&x],
                )
                .map(|v| v[0].clone()),
        ),
        (
            "map_blocks several",
            chunkwise::map_blocks(|b| &b[0] * &b[1], &[&x, &y]),
        ),
        (
            "map_overlap several",
            chunkwise::map_overlap(1, Boundary::Reflect, |b| &b[0] - &b[1], &[&x, &y]),
        ),
        ("vindex", x.vindex(&[idx.clone(), idx.mapv(|i| i % 64)])),
        ("take", x.take(&cols, 1)),
        (
            "histogramdd",
            ndmeasure::histogramdd(
                &[&x, &y.map(|v| v.abs())],
                &[edges.clone(), edges],
                Some(&x),
                true,
            ),
        ),
        (
            "sliding_window_view",
            x.sliding_window_view(&[3, 2], &[0, 1])
                .and_then(|w| w.sum_axes(&[2, 3], false)),
        ),
        (
            "nanargmin_axis",
            x.nanargmin_axis(0).map(|a| a.map(|i| i as f64)),
        ),
        ("moment", x.moment_axis(3, 1, 1)),
        ("cumprod", x.cumprod(0)),
        (
            "push",
            x.map(|v| if v < 0.3 { f64::NAN } else { v }).push(1),
        ),
        (
            "gaussian_filter_to",
            ndfilters::gaussian_filter_to::<f64, f64>(
                &x.map(|v| v * 255.0),
                1.5,
                Boundary::Reflect,
            ),
        ),
    ];
    for (name, r) in tail {
        check(name, &r.map_err(e)?, &s, &one)?;
    }
    let (values, counts) = ndmeasure::unique_counts(&x.map(|v| (v * 20.0).floor())).map_err(e)?;
    let (v1, c1) = (
        values.compute_scalar_with(&s).map_err(e)?,
        counts.compute_scalar_with(&s).map_err(e)?,
    );
    if (v1.clone(), c1.clone())
        != (
            values.compute_scalar_with(&one).map_err(e)?,
            counts.compute_scalar_with(&one).map_err(e)?,
        )
    {
        return Err(format!("unique_counts across ranks: {v1:?} {c1:?}"));
    }
    // Image analysis across ranks: labels joined across blocks on different ranks, their
    // measurements, whole-array statistics and coarsening, bit-identical to one process.
    let mask = x.map(|v| v > 0.6);
    let (labels, count) = ndmeasure::label(&mask, ndmeasure::Connectivity::Face).map_err(e)?;
    let got = labels.compute_with(&s).map_err(e)?;
    same_bits(
        "label",
        &got,
        &labels.compute_with(&one).map_err(e)?,
        |&v| u64::from(v),
    )?;
    let n = count.compute_scalar_with(&s).map_err(e)?;
    if n != count.compute_scalar_with(&one).map_err(e)? || n < 10 {
        return Err(format!("label count {n} across ranks"));
    }
    let cleared = ndmeasure::clear_border(&labels).map_err(e)?;
    same_bits(
        "clear_border",
        &cleared.compute_with(&s).map_err(e)?,
        &cleared.compute_with(&one).map_err(e)?,
        |&v| u64::from(v),
    )?;
    let index: Vec<u32> = (1..=n as u32).collect();
    let means = ndmeasure::mean(&x, &labels, &index).map_err(e)?;
    check("ndmeasure::mean", &means, &s, &one)?;
    let q = ndmeasure::quantile(&x, &[0.1, 0.5, 0.9]).map_err(e)?;
    check("quantile", &q, &s, &one)?;
    check(
        "threshold_otsu",
        &ndmeasure::threshold_otsu(&x, 64).map_err(e)?,
        &s,
        &one,
    )?;
    let h = ndmeasure::histogram(&x, 16, None).map_err(e)?;
    same_bits(
        "histogram",
        &h.compute_with(&s).map_err(e)?,
        &h.compute_with(&one).map_err(e)?,
        |&v| v,
    )?;
    // The states ndmeasure hands between blocks (labelled blocks' summaries and the table of
    // final labels, per-label statistics, histograms, quantile runs) cross ranks too: each
    // rank works only on its own blocks, as many times as one process works on each block.
    // `counted` is `x` through a `map_blocks` that counts its calls; `mine`, the blocks this
    // rank owns.
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let counted = x.map_blocks(move |b| {
        counter.fetch_add(1, Ordering::Relaxed);
        b.to_owned()
    });
    let (counted_labels, _) =
        ndmeasure::label(&counted.map(|v| v > 0.6), ndmeasure::Connectivity::Full).map_err(e)?;
    let blocks = x.num_blocks();
    let mine = owned_blocks(rank, size, blocks);
    let passes = [
        ("label", counted_labels.map(f64::from)),
        (
            "cleared labels",
            ndmeasure::clear_border(&counted_labels)
                .map_err(e)?
                .map(f64::from),
        ),
        (
            "ndmeasure::variance",
            ndmeasure::variance(&counted, &labels, &index).map_err(e)?,
        ),
        (
            "ndmeasure::maximum",
            ndmeasure::maximum(&counted, &labels, &index).map_err(e)?,
        ),
        (
            "ndmeasure::center_of_mass",
            ndmeasure::center_of_mass(&counted, &labels, &index).map_err(e)?,
        ),
        (
            "labeled_comprehension",
            ndmeasure::labeled_comprehension(
                &counted,
                &labels,
                &index,
                |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64,
                -1.0,
            )
            .map_err(e)?,
        ),
        (
            "quantile",
            ndmeasure::quantile(&counted, &[0.25, 0.75]).map_err(e)?,
        ),
        (
            "threshold_otsu",
            ndmeasure::threshold_otsu(&counted, 32).map_err(e)?,
        ),
        (
            "histogram",
            ndmeasure::histogram(&counted, 8, None)
                .map_err(e)?
                .map(|c| c as f64),
        ),
        (
            "bincount",
            // Each bin's count weighed by its place: a checksum of the whole count vector.
            ndmeasure::bincount(&counted.map(|v| (v * 10.0) as u32), 0)
                .map_err(e)?
                .map(|c| {
                    c.iter()
                        .enumerate()
                        .map(|(i, &n)| (i as u64 + 1) * n)
                        .sum::<u64>() as f64
                }),
        ),
    ];
    for (name, r) in passes {
        calls.store(0, Ordering::Relaxed);
        let expected = r.compute_with(&one).map_err(e)?;
        let per_block = calls.load(Ordering::Relaxed) / blocks;
        calls.store(0, Ordering::Relaxed);
        let got = r.compute_with(&s).map_err(e)?;
        let ran = calls.load(Ordering::Relaxed);
        if ran != per_block * mine {
            return Err(format!(
                "{name}: rank {rank} of {size} read its input {ran} times, one process {} \
                 times per block, and this rank owns {mine} of {blocks} blocks",
                per_block
            ));
        }
        same_bits(name, &got, &expected, |v| v.to_bits())?;
    }
    check(
        "coarsen",
        &x.coarsen_trim(&[3, 2], Coarsen::Mean).map_err(e)?,
        &s,
        &one,
    )?;
    // MPI is initialised once per process: a second Cluster is a clear error.
    match Cluster::init() {
        Err(Error::Mpi { message }) if message.contains("already initialised") => {}
        other => return Err(format!("a second Cluster::init gave {other:?}")),
    }
    check("sum", &x.sum(), &s, &one)?;
    check("mean", &x.mean(), &s, &one)?;
    check("var", &x.var(1.0), &s, &one)?;
    check("sum_axis", &x.sum_axis(Axis(0)).map_err(e)?, &s, &one)?;
    check("max_axis", &x.max_axis(Axis(1)).map_err(e)?, &s, &one)?;
    check("cumsum", &x.cumsum(Axis(0)).map_err(e)?, &s, &one)?;
    check(
        "slice",
        &x.slice(ndarray::s![5..90;3, ..;-2]).map_err(e)?,
        &s,
        &one,
    )?;
    check("rechunk", &x.rechunk([30, 7]).map_err(e)?, &s, &one)?;
    check(
        "concatenate",
        &concatenate(Axis(1), [&x, &y]).map_err(e)?,
        &s,
        &one,
    )?;
    check("matmul", &x.transpose().matmul(&y).map_err(e)?, &s, &one)?;
    let am = x.argmax();
    same_bits(
        "argmax",
        &am.compute_with(&s).map_err(e)?,
        &am.compute_with(&one).map_err(e)?,
        |&v| v as u64,
    )?;
    // The partial states of the built-in reductions cross ranks: each block's chunk step runs
    // once, on the rank that owns the block, and a combine step reads the other ranks'
    // partials, never making them again from their blocks (`counted` and `mine` as above).
    let reductions = [
        ("min", counted.min()),
        ("max_axis", counted.max_axis(Axis(0)).map_err(e)?),
        ("mean", counted.mean()),
        ("var", counted.var(1.0)),
        ("std_axis", counted.std_axis(Axis(1), 0.0).map_err(e)?),
        ("nanmax", counted.nanmax()),
        ("argmin", counted.argmin().map(|i| i as f64)),
        (
            "argmax_axis",
            counted.argmax_axis(Axis(0)).map_err(e)?.map(|i| i as f64),
        ),
    ];
    for (name, r) in reductions {
        calls.store(0, Ordering::Relaxed);
        let got = r.compute_with(&s).map_err(e)?;
        let ran = calls.load(Ordering::Relaxed);
        if ran != mine {
            return Err(format!(
                "{name}: rank {rank} of {size} ran {ran} chunk steps, owns {mine} of {blocks}"
            ));
        }
        same_bits(name, &got, &r.compute_with(&one).map_err(e)?, |v| {
            v.to_bits()
        })?;
    }
    let mask = x.map(|v| v > 0.5);
    same_bits(
        "bool mask",
        &mask.compute_with(&s).map_err(e)?,
        &mask.compute_with(&one).map_err(e)?,
        |&v| u64::from(v),
    )?;
    let scalar = x.mean().compute_scalar_with(&s).map_err(e)?;
    if scalar.to_bits() != x.mean().compute_scalar_with(&one).map_err(e)?.to_bits() {
        return Err("compute_scalar_with differs".into());
    }

    // Persist, then more steps from the persisted blocks: three steps of a stencil.
    let mut u = x.persist_with(&s).map_err(e)?;
    let mut v = x.clone();
    for _ in 0..3 {
        let step = |a: &Array<f64>| {
            a.map_overlap(1, Boundary::Nearest, |b| {
                b.mapv(|t| t * 0.25) + b.mean().unwrap()
            })
        };
        u = step(&u).map_err(e)?.persist_with(&s).map_err(e)?;
        v = step(&v).map_err(e)?;
    }
    // Persisted blocks stay on their ranks: a local scheduler on one rank of several lacks some.
    match u.compute_with(&Scheduler::threads(1)) {
        Ok(_) if size == 1 => {}
        Err(Error::Mpi { message }) if size > 1 && message.contains("persisted") => {}
        other => {
            return Err(format!(
                "a persisted array on a local scheduler gave {other:?}"
            ));
        }
    }
    same_bits(
        "persist then steps",
        &u.compute_with(&s).map_err(e)?,
        &v.compute_with(&one).map_err(e)?,
        |t| t.to_bits(),
    )?;

    // Hand-overs follow the geometry: an elementwise chain moves nothing; a 3 x 3 ghost-cell
    // step moves to each other rank owning a neighbour of a block just the cells they read.
    let chain = (&x * 2.0 + 1.0).map(f64::sqrt);
    chain.compute_with(&s).map_err(e)?;
    let stats = s.comm_stats().ok_or("a cluster scheduler has stats")?;
    if stats.blocks != 0 || stats.bytes != 0 {
        return Err(format!("an elementwise chain sent {stats:?}"));
    }
    let grid = Array::<f64>::random(&[64, 64], [16, 16], 9).map_err(e)?;
    let ghosts = grid
        .map_overlap(1, Boundary::Reflect, |b| b.mapv(|v| v + 1.0))
        .map_err(e)?;
    check("map_overlap on a 4 x 4 grid", &ghosts, &s, &one)?;
    let owner = |i: usize, j: usize| (i * 4 + j) * size / 16;
    // The cells along one 16-cell side that a neighbour at offset `d` (-1, 0, 1) reads.
    let side = |d: isize| match d {
        -1 => 0..1,
        0 => 0..16,
        _ => 15..16,
    };
    let (mut halos, mut bytes) = (0u64, 0u64);
    for (i, j) in (0..4).flat_map(|i| (0..4).map(move |j| (i, j))) {
        if owner(i, j) != rank {
            continue;
        }
        for r in (0..size).filter(|&r| r != rank) {
            // The union of what rank r's neighbours of block (i, j) read of it.
            let mut union: Option<(std::ops::Range<usize>, std::ops::Range<usize>)> = None;
            for (a, b) in (i.saturating_sub(1)..(i + 2).min(4))
                .flat_map(|a| (j.saturating_sub(1)..(j + 2).min(4)).map(move |b| (a, b)))
            {
                if owner(a, b) != r {
                    continue;
                }
                let rows = side(a as isize - i as isize);
                let cols = side(b as isize - j as isize);
                union = Some(match union {
                    None => (rows, cols),
                    Some((ur, uc)) => (
                        ur.start.min(rows.start)..ur.end.max(rows.end),
                        uc.start.min(cols.start)..uc.end.max(cols.end),
                    ),
                });
            }
            if let Some((rows, cols)) = union {
                halos += 1;
                // Task id, type and rank, the block's shape, the window's origin and size,
                // then its cells.
                bytes += 8 + 2 + 3 * 2 * 8 + (rows.len() * cols.len() * 8) as u64;
            }
        }
    }
    let stats = s.comm_stats().ok_or("a cluster scheduler has stats")?;
    if stats.blocks != halos || stats.bytes != bytes {
        return Err(format!(
            "rank {rank} sent {stats:?} for the ghost cells, expected {halos} halos in {bytes} bytes"
        ));
    }

    // A slice read on another rank sends only the sliced part: rows 20..24 of persisted 16 x 16
    // blocks (kept on their ranks), added to a persisted 4 x 64 array, whose block b lives on
    // rank b * ranks / 4, where the sums run.
    let kept = grid.persist_with(&s).map_err(e)?;
    let other = Array::<f64>::random(&[4, 64], [4, 16], 5).map_err(e)?;
    let other_kept = other.persist_with(&s).map_err(e)?;
    let band = kept.slice(ndarray::s![20..24, ..]).map_err(e)?;
    let summed = &band + &other_kept;
    same_bits(
        "a slice read on other ranks",
        &summed.compute_with(&s).map_err(e)?,
        &(&grid.slice(ndarray::s![20..24, ..]).map_err(e)? + &other)
            .compute_with(&one)
            .map_err(e)?,
        |t| t.to_bits(),
    )?;
    let windows = (0..4)
        .filter(|&b| (4 + b) * size / 16 == rank && b * size / 4 != rank)
        .count() as u64;
    let stats = s.comm_stats().ok_or("a cluster scheduler has stats")?;
    if stats.blocks != windows || stats.bytes != windows * (8 + 2 + 48 + 4 * 16 * 8) {
        return Err(format!(
            "rank {rank} sent {stats:?} for a slice, expected {windows} windows of 4 x 16"
        ));
    }

    // Several arrays of different element types in one graph: every rank gets every result,
    // each the same as one process's.
    let counts = ghosts.map(|v| (v * 100.0) as u32);
    let (many_f, many_u, many_mean) =
        chunkwise::compute((&ghosts, &counts, &ghosts.mean()), &s).map_err(e)?;
    same_bits(
        "compute((a, b, c))",
        &many_f,
        &ghosts.compute_with(&one).map_err(e)?,
        |t| t.to_bits(),
    )?;
    same_bits(
        "compute((a, b, c)), u32",
        &many_u,
        &counts.compute_with(&one).map_err(e)?,
        |&t| u64::from(t),
    )?;
    same_bits(
        "compute((a, b, c)), mean",
        &many_mean,
        &ghosts.mean().compute_with(&one).map_err(e)?,
        |t| t.to_bits(),
    )?;

    // A profile on a cluster: one trace with a process per rank, and every rank's traffic.
    let (out, profile) = ghosts.compute_profiled(&s).map_err(e)?;
    same_bits(
        "compute_profiled",
        &out,
        &ghosts.compute_with(&one).map_err(e)?,
        |t| t.to_bits(),
    )?;
    let traffic = profile.traffic();
    let mine = s.comm_stats().ok_or("a cluster scheduler has stats")?;
    if traffic.len() != size || traffic[rank].bytes != mine.bytes {
        return Err(format!("traffic {traffic:?} against this rank's {mine:?}"));
    }
    let trace =
        std::env::temp_dir().join(format!("chunkwise-mpi-trace-{}.json", std::process::id()));
    profile.write_chrome_trace(&trace).map_err(e)?;
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&trace).map_err(|err| err.to_string())?)
            .map_err(|err| err.to_string())?;
    std::fs::remove_file(&trace).map_err(|err| err.to_string())?;
    let events = json["traceEvents"].as_array().ok_or("trace events")?;
    let processes = events
        .iter()
        .filter(|ev| ev["name"] == "process_name")
        .count();
    let ranks_with_tasks = (1..=size)
        .filter(|&pid| events.iter().any(|ev| ev["ph"] == "X" && ev["pid"] == pid))
        .count();
    if processes != size || ranks_with_tasks != size {
        return Err(format!(
            "the trace has {processes} processes and tasks from {ranks_with_tasks} of {size} ranks"
        ));
    }

    // A panic on one rank is an error on every rank, naming that rank; the next compute runs.
    let bad_rank = 1.min(size - 1);
    let boom = x.map(move |v| {
        if rank == bad_rank {
            panic!("boom on purpose");
        }
        v
    });
    match boom.compute_with(&s) {
        Err(Error::OnRank { rank: r, message }) if r == bad_rank && message.contains("boom") => {}
        other => return Err(format!("a panic on rank {bad_rank} gave {other:?}")),
    }
    check("after a failure", &(&x + 1.0), &s, &one)?;

    // A long task never holds up a transfer: rank 0's block 1, which rank 1 reads, is sent as
    // soon as it is made, while rank 0's block 0 still takes a second; rank 1's reader of it
    // runs long before that second is over. (With a barrier between stages, it waited for the
    // slow block.)
    if size > 1 {
        let blocks = 2 * size; // block b on rank b / 2
        let ids = Array::from_ndarray(
            ndarray::Array1::from_iter((0..blocks).map(|b| b as f64)),
            [1],
        )
        .map_err(e)?;
        let slow = ids.map_blocks(|b| {
            if b[0] == 0.0 {
                std::thread::sleep(Duration::from_secs(1));
            }
            b.to_owned()
        });
        let started = Instant::now();
        let read_at = Arc::new(Mutex::new(None));
        let seen = read_at.clone();
        let stamped = slow
            .map_overlap(1, Boundary::Constant(0.0), move |b| {
                // Block 2, on rank 1, reading rank 0's block 1.
                if b[1] == 2.0 {
                    *seen.lock().unwrap() = Some(started.elapsed());
                }
                b.to_owned()
            })
            .map_err(e)?;
        stamped.persist_with(&s).map_err(e)?;
        let total = started.elapsed();
        let read = *read_at.lock().unwrap();
        if rank == 1 {
            match read {
                Some(t) if t < Duration::from_millis(700) && total >= Duration::from_secs(1) => {}
                other => {
                    return Err(format!(
                        "rank 1 read rank 0's fast block at {other:?} of a {total:?} compute: \
                         the slow block held up the transfer"
                    ));
                }
            }
        }
    }

    // A rank that builds a different graph: an error on every rank, no hang.
    if size > 1 {
        let odd = if rank == size - 1 {
            &x + 1.0
        } else {
            x.clone()
        };
        match odd.compute_with(&s) {
            Err(Error::GraphMismatch { rank: r }) if r == size - 1 => {}
            other => return Err(format!("a graph mismatch gave {other:?}")),
        }
        check("after a mismatch", &(&x * 3.0), &s, &one)?;
    }

    // A memory limit that refuses the plan on one rank before it runs there: an error on every
    // rank, naming that rank and the task too big, no hang; the next compute runs.
    if size > 1 {
        let refusing = size - 1;
        let limited = if rank == refusing {
            s.with_memory_limit(4 << 10)
        } else {
            s.clone()
        };
        match g.compute_with(&limited) {
            Err(Error::OnRank { rank: r, message })
                if r == refusing && message.contains("over the memory limit of 4096 bytes") => {}
            other => return Err(format!("a plan refused on rank {refusing} gave {other:?}")),
        }
        check("after a refusal", &g, &s, &one)?;
    }
    // A limit every rank's run keeps to, with halos handed over between ranks while it holds
    // blocks back: the same result, gathered and persisted. (One process runs this Gaussian in
    // 32 KiB; a rank, which runs first what others wait for and counts an arrived halo as its
    // whole block, needs 40 KiB on 2 or 4 ranks and 48 KiB on 3, where 32 KiB stops it with
    // an error on every rank.)
    let tight = s.with_memory_limit(48 << 10);
    check("gaussian_filter under a memory limit", &g, &tight, &one)?;
    let kept = g.persist_with(&tight).map_err(e)?;
    same_bits(
        "persisted under a memory limit",
        &(&kept + 1.0).compute_with(&s).map_err(e)?,
        &(&g + 1.0).compute_with(&one).map_err(e)?,
        |v| v.to_bits(),
    )?;

    // A store written by every rank's share, metadata once: whole and equal to one process's
    // result, read back on every rank, locally and across the ranks.
    let dir = std::path::PathBuf::from(std::env::var_os(RANK_ENV).ok_or("the launcher's dir")?);
    let stored = (&x * 3.0 + &y).rechunk([30, 32]).map_err(e)?;
    stored
        .to_zarr_with(&dir, chunkwise::io::zarr::ZarrOptions::default(), &s)
        .map_err(e)?;
    let back = Array::<f64>::from_zarr(&dir).map_err(e)?;
    same_bits(
        "to_zarr_with, read back locally",
        &back.compute_with(&one).map_err(e)?,
        &stored.compute_with(&one).map_err(e)?,
        |t| t.to_bits(),
    )?;
    check("from_zarr across the ranks", &(&back * 2.0), &s, &one)?;
    // An overwrite with other codecs and fill value that fails on one rank leaves the store as
    // it was, on every rank (each rank's chunks went to rank 0's staging directory, never
    // swapped in); the same overwrite without the fault replaces it whole.
    let before = back.compute_with(&one).map_err(e)?;
    let faulty_rank = size - 1;
    let faulty = stored.map(move |v| {
        if rank == faulty_rank {
            panic!("disk on fire on rank {faulty_rank}");
        }
        -v
    });
    let other = chunkwise::io::zarr::ZarrOptions::default()
        .chunks([15, 16])
        .compression(chunkwise::io::zarr::Compression::None)
        .fill_value(-1.0);
    match faulty.to_zarr_with(&dir, other.clone(), &s) {
        Err(Error::OnRank { message, .. }) if message.contains("disk on fire") => {}
        other => return Err(format!("a failed overwrite on a cluster gave {other:?}")),
    }
    same_bits(
        "a failed overwrite on a cluster, read back",
        &Array::<f64>::from_zarr(&dir)
            .map_err(e)?
            .compute_with(&one)
            .map_err(e)?,
        &before,
        |t| t.to_bits(),
    )?;
    (-&stored).to_zarr_with(&dir, other, &s).map_err(e)?;
    same_bits(
        "an overwrite on a cluster with other codecs",
        &Array::<f64>::from_zarr(&dir)
            .map_err(e)?
            .compute_with(&one)
            .map_err(e)?,
        &(-&stored).compute_with(&one).map_err(e)?,
        |t| t.to_bits(),
    )?;
    // Elements without a byte form cannot cross ranks: a clear error, the same everywhere.
    let names = x.map(|v| format!("{v:.2}"));
    match names.compute_with(&s) {
        Err(Error::Mpi { message }) if message.contains("cannot cross ranks") => {}
        other => return Err(format!("strings gave {other:?}")),
    }
    // Elements of a type the built-in reductions' states use cross too: a whole result.
    let some = x.map(|v| (v > 0.5).then_some(v));
    same_bits(
        "Option<f64> elements",
        &some.compute_with(&s).map_err(e)?,
        &some.compute_with(&one).map_err(e)?,
        |v| v.map_or(u64::MAX, f64::to_bits),
    )?;
    // A reduction state of the user's own type: without a byte form it is made again by the
    // rank that combines it; registered on every rank, each rank runs only its own blocks'
    // chunk steps. The same result as one process either way.
    let chunk_steps = Arc::new(AtomicUsize::new(0));
    let spans = span_of(&x, &chunk_steps).map_err(e)?;
    check("a reduction with an unregistered state", &spans, &s, &one)?;
    dist::register::<Span>();
    chunk_steps.store(0, Ordering::Relaxed);
    let got = spans.compute_with(&s).map_err(e)?;
    let ran = chunk_steps.load(Ordering::Relaxed);
    let (blocks, owned) = (x.num_blocks(), owned_blocks(rank, size, x.num_blocks()));
    if ran != owned {
        return Err(format!(
            "a registered state: rank {rank} of {size} ran {ran} chunk steps, owns {owned} of \
             {blocks}"
        ));
    }
    same_bits(
        "a registered state",
        &got,
        &spans.compute_with(&one).map_err(e)?,
        |v| v.to_bits(),
    )?;
    // Elements of that type: a whole result on every rank, and persisted blocks read across
    // ranks by a ghost-cell step.
    let as_spans = x.map(Span::of);
    same_bits(
        "elements of a registered type",
        &as_spans.compute_with(&s).map_err(e)?,
        &as_spans.compute_with(&one).map_err(e)?,
        |v| {
            let (lo, hi, n) = v.bits();
            lo ^ hi.rotate_left(21) ^ n.rotate_left(42)
        },
    )?;
    let kept = as_spans.persist_with(&s).map_err(e)?;
    let widened = |a: &Array<Span>| {
        a.map_overlap(1, Boundary::Nearest, |b| {
            b.map(|s| s.lo * 2.0 + s.n as f64).into_dyn()
        })
    };
    same_bits(
        "persisted elements of a registered type, read across ranks",
        &widened(&kept).map_err(e)?.compute_with(&s).map_err(e)?,
        &widened(&as_spans)
            .map_err(e)?
            .compute_with(&one)
            .map_err(e)?,
        |v| v.to_bits(),
    )?;
    // A type registered on one rank only: the ranks disagree on what crosses, which is an
    // error on every rank, not a hang.
    if size > 1 {
        if rank == 0 {
            dist::register::<Lone>();
        }
        match x.map(Lone).map(|l| l.0 + 1.0).compute_with(&s) {
            Err(Error::GraphMismatch { .. }) => {}
            other => return Err(format!("a type registered on rank 0 only gave {other:?}")),
        }
    }
    // Edges of the geometry: a zero-length axis, one block for all ranks, fewer blocks than
    // ranks; the states that cross (labels' summaries and table, per-label statistics,
    // moments) and the errors of an empty reduction, the same as one process's.
    for (shape, chunks) in [
        ([0usize, 5], [3usize, 2]),
        ([7, 5], [7, 5]),
        ([7, 5], [4, 5]),
        ([9, 1], [1, 1]),
    ] {
        let what = |op: &str| format!("{op} of {shape:?} in {chunks:?}");
        let x = Array::<f64>::random(&shape, chunks, 5).map_err(e)?;
        let (l, n) =
            ndmeasure::label(&x.map(|v| v > 0.4), ndmeasure::Connectivity::Face).map_err(e)?;
        same_bits(
            &what("label"),
            &l.compute_with(&s).map_err(e)?,
            &l.compute_with(&one).map_err(e)?,
            |&v| u64::from(v),
        )?;
        let n = n.compute_scalar_with(&s).map_err(e)?;
        let index: Vec<u32> = (0..=n as u32 + 1).collect();
        check(
            &what("ndmeasure::mean"),
            &ndmeasure::mean(&x, &l, &index).map_err(e)?,
            &s,
            &one,
        )?;
        for (op, r) in [("var", x.var(0.0)), ("max", x.max())] {
            match (r.compute_with(&s), r.compute_with(&one)) {
                (Ok(a), Ok(b)) => same_bits(&what(op), &a, &b, |v| v.to_bits())?,
                // The same error, named with the rank where it arose.
                (Err(a), Err(b)) if a.to_string().ends_with(&b.to_string()) => {}
                (a, b) => return Err(format!("{}: {a:?}, one process {b:?}", what(op))),
            }
        }
    }
    // Segmentation (issue 33): distance transforms and their indices, hole filling, the
    // watersheds (one task over blocks from every rank), region tables and value indices.
    {
        let img = Array::<f64>::random(&[37, 29], [9, 8], 17).map_err(e)?;
        let mask = img.map(|v| v > 0.3);
        let t =
            ndmorph::distance_transform_edt_with(&mask, Some(&[1.0, 0.5]), ndmorph::Returns::Both)
                .map_err(e)?;
        let d = t.distances.ok_or("no distances")?;
        check("distance_transform_edt", &d, &s, &one)?;
        let i = t.indices.ok_or("no indices")?;
        same_bits(
            "distance_transform_edt indices",
            &i.compute_with(&s).map_err(e)?,
            &i.compute_with(&one).map_err(e)?,
            |&v| v as u64,
        )?;
        let cdt = ndmorph::distance_transform_cdt(&mask, ndmorph::Metric::Chessboard).map_err(e)?;
        same_bits(
            "distance_transform_cdt",
            &cdt.compute_with(&s).map_err(e)?,
            &cdt.compute_with(&one).map_err(e)?,
            |&v| v as u64,
        )?;
        let filled = ndmorph::binary_fill_holes(&mask, None).map_err(e)?;
        same_bits(
            "binary_fill_holes",
            &filled.compute_with(&s).map_err(e)?,
            &filled.compute_with(&one).map_err(e)?,
            |&v| u64::from(v),
        )?;
        let peaks = img.map(|v| v > 0.97);
        let (markers, _) = ndmeasure::label(&peaks, ndmeasure::Connectivity::Full).map_err(e)?;
        let w = ndmeasure::watershed(&img.map(|v| -v), &markers, 1, Some(&mask)).map_err(e)?;
        same_bits(
            "watershed",
            &w.compute_with(&s).map_err(e)?,
            &w.compute_with(&one).map_err(e)?,
            |&v| u64::from(v),
        )?;
        let levels = img.map(|v| (v * 200.0) as u8);
        let signed = markers.map(|l| l as i32);
        let ift = ndmeasure::watershed_ift(&levels, &signed, None).map_err(e)?;
        same_bits(
            "watershed_ift",
            &ift.compute_with(&s).map_err(e)?,
            &ift.compute_with(&one).map_err(e)?,
            |&v| v as u64,
        )?;
        let props = [
            ndmeasure::Property::Area,
            ndmeasure::Property::Bbox,
            ndmeasure::Property::CentroidWeighted,
            ndmeasure::Property::MomentsCentral,
        ];
        let table = ndmeasure::regionprops_table(&w, Some(&img), &props).map_err(e)?;
        let (a, b) = (
            table.compute_scalar_with(&s).map_err(e)?,
            table.compute_scalar_with(&one).map_err(e)?,
        );
        if a.labels != b.labels
            || a.columns.len() != b.columns.len()
            || a.columns
                .iter()
                .zip(&b.columns)
                .any(|((n1, v1), (n2, v2))| {
                    n1 != n2 || v1.iter().zip(v2).any(|(x, y)| x.to_bits() != y.to_bits())
                })
        {
            return Err("regionprops_table: not bit-identical to one process".into());
        }
        let vi = ndmeasure::value_indices(&w, Some(0)).map_err(e)?;
        if vi.compute_scalar_with(&s).map_err(e)? != vi.compute_scalar_with(&one).map_err(e)? {
            return Err("value_indices: not equal to one process".into());
        }
    }
    // The last collective: every rank is done with the store.
    check("last", &(&x - 1.0), &s, &one)?;
    if rank == 0 {
        std::fs::remove_dir_all(&dir).map_err(|err| err.to_string())?;
    }
    println!("rank {rank} of {size}: every case bit-identical to one process");
    Ok(())
}
