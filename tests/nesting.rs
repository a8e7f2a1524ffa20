//! Computes nested inside tasks: every combination of schedulers a user can reach, two and three
//! levels deep, from `map_blocks` closures and from `Delayed` tasks, from many user threads at
//! once, with and without a panic in the innermost compute.
//!
//! Each combination runs many rounds under a watchdog, so that a deadlock fails the test instead
//! of hanging CI (a hang used to show in about one run in ten of a single nested compute).

use std::sync::{Arc, OnceLock};
mod common;

use chunkwise::{Array, Error, Graph, Scheduler};

/// Runs `f` under the shared watchdog (`common::with_watchdog`).
fn with_watchdog<R: Send + 'static>(what: &str, f: impl FnOnce() -> R + Send + 'static) -> R {
    common::with_watchdog(what, f)
}

/// The schedulers a nested compute can run on, relative to the one it is nested in.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Sched {
    /// `Scheduler::synchronous()`.
    Sync,
    /// A pool of two threads, shared by every test.
    Two,
    /// A pool of three threads, shared by every test.
    Three,
    /// The default pool, as `compute()` uses.
    Global,
}

const ALL: [Sched; 4] = [Sched::Sync, Sched::Two, Sched::Three, Sched::Global];

fn scheduler(s: Sched) -> Scheduler {
    static TWO: OnceLock<Scheduler> = OnceLock::new();
    static THREE: OnceLock<Scheduler> = OnceLock::new();
    match s {
        Sched::Sync => Scheduler::synchronous(),
        Sched::Two => TWO.get_or_init(|| Scheduler::threads(2)).clone(),
        Sched::Three => THREE.get_or_init(|| Scheduler::threads(3)).clone(),
        Sched::Global => Scheduler::global().unwrap(),
    }
}

/// The message the innermost compute panics with when asked to.
const INJECTED: &str = "injected in the innermost compute";

/// The sum of a 4 x 4 array of ones in 2 x 2 blocks, each element plus the (nested) sum one level
/// down, computed on `levels[0]`; the innermost level panics in a block if `panic` is set.
/// Each level's closures compute the next level, on its own scheduler, inside their task.
fn nested_sum(levels: Arc<[Sched]>, panic: bool) -> chunkwise::Result<f64> {
    let here = scheduler(levels[0]);
    let x = Array::<f64>::ones(&[4, 4], [2, 2])?;
    let y = if levels.len() == 1 {
        x.map_blocks_indexed(move |idx, b| {
            if panic && idx == [1, 0] {
                panic!("{INJECTED}");
            }
            b.to_owned()
        })
    } else {
        let rest: Arc<[Sched]> = levels[1..].into();
        x.map_blocks(move |b| {
            // As a user would write it: the inner error becomes a panic of this closure.
            let inner = nested_sum(rest.clone(), panic).unwrap();
            b.mapv(|v| v + inner)
        })
    };
    y.sum().compute_with(&here).map(|s| s[[]])
}

/// What [`nested_sum`] gives with `depth` levels: 16 at the bottom, 16 (1 + inner) above.
fn expected(depth: usize) -> f64 {
    (1..depth).fold(16.0, |inner, _| 16.0 * (1.0 + inner))
}

/// Runs [`nested_sum`] for `rounds` rounds and checks each answer (or error).
fn check(levels: &[Sched], panic: bool, rounds: usize) {
    let levels: Arc<[Sched]> = levels.into();
    let what = format!("{levels:?}, panic: {panic}");
    with_watchdog(&what.clone(), move || {
        for round in 0..rounds {
            let got = nested_sum(levels.clone(), panic);
            if panic {
                match got {
                    Err(Error::TaskPanicked { message, .. }) => assert!(
                        message.contains(INJECTED),
                        "{what}, round {round}: the outer error does not carry the inner panic: \
                         {message}"
                    ),
                    other => panic!("{what}, round {round}: expected a panic error, got {other:?}"),
                }
            } else {
                assert_eq!(
                    got.unwrap(),
                    expected(levels.len()),
                    "{what}, round {round}"
                );
            }
        }
    });
}

#[test]
fn two_levels_every_pair_of_schedulers() {
    // Same pool (Two in Two), another pool (Three in Two), the default pool, synchronous inside a
    // pool and a pool inside synchronous: every ordered pair.
    for outer in ALL {
        for inner in ALL {
            for panic in [false, true] {
                check(&[outer, inner], panic, 40);
            }
        }
    }
}

#[test]
fn three_levels_deep() {
    for a in ALL {
        for b in ALL {
            for c in [Sched::Two, Sched::Global, Sched::Sync] {
                for panic in [false, true] {
                    check(&[a, b, c], panic, 6);
                }
            }
        }
    }
}

#[test]
fn the_reported_case_many_rounds() {
    // The case from the report: a map_blocks closure under threads(2) computing on the default
    // pool, and threads(3) inside threads(2); it hung in about one run in ten.
    check(&[Sched::Two, Sched::Global], false, 300);
    check(&[Sched::Two, Sched::Three], false, 300);
}

/// A graph of `Delayed` tasks, each computing an array on `inner`, summed by a last task.
fn delayed_sum(outer: Sched, inner: Sched, panic: bool) -> chunkwise::Result<f64> {
    let mut g = Graph::new();
    let parts = (0..6)
        .map(|i| {
            g.add("part", &[], move |_| {
                let x = Array::<f64>::from_fn(&[6, 6], [3, 3], move |idx| (idx[0] + i) as f64)?;
                let x = x.map_blocks_indexed(move |idx, b| {
                    if panic && i == 4 && idx == [0, 1] {
                        panic!("{INJECTED}");
                    }
                    b.to_owned()
                });
                // The inner error travels out of the task as an `Err`, through `?`.
                x.sum().compute_with(&scheduler(inner)).map(|s| s[[]])
            })
        })
        .collect::<chunkwise::Result<Vec<_>>>()?;
    let deps: Vec<_> = parts.iter().map(|p| p.task()).collect();
    let total = g.add("total", &deps, move |inp| {
        parts.iter().map(|p| inp.get(p).copied()).sum()
    })?;
    g.compute_with(&total, &scheduler(outer))
}

/// Runs `run(outer, inner, panic)` for `rounds` rounds under a watchdog, for every ordered pair
/// of schedulers, with and without the injected panic: `want` without it, the injected panic
/// as the outer error with it.
fn every_pair(
    name: &str,
    rounds: usize,
    want: f64,
    run: fn(Sched, Sched, bool) -> chunkwise::Result<f64>,
) {
    for outer in ALL {
        for inner in ALL {
            for panic in [false, true] {
                let what = format!("{name} {outer:?} > {inner:?}, panic: {panic}");
                with_watchdog(&what.clone(), move || {
                    for round in 0..rounds {
                        match (run(outer, inner, panic), panic) {
                            (Ok(v), false) => assert_eq!(v, want, "{what}, round {round}"),
                            (Err(Error::TaskPanicked { message, .. }), true) => {
                                assert!(message.contains(INJECTED), "{what}: {message}")
                            }
                            (other, _) => panic!("{what}, round {round}: got {other:?}"),
                        }
                    }
                });
            }
        }
    }
}

#[test]
fn delayed_tasks_that_compute_arrays() {
    // sum over i of sum over the 6 x 6 array of (row + i) = 6 * (6 * 15) + 36 * 15.
    let want = (0..6)
        .map(|i| (0..6).map(|r| 6.0 * (r + i) as f64).sum::<f64>())
        .sum::<f64>();
    every_pair("delayed", 30, want, delayed_sum);
}

#[test]
fn many_user_threads_share_one_pool() {
    // Eight user threads compute at once on one pool of two threads, each compute nesting
    // another on the same pool, the default pool or its own synchronous scheduler.
    with_watchdog("eight user threads", || {
        let handles: Vec<_> = (0..8)
            .map(|t| {
                std::thread::spawn(move || {
                    let inner = [Sched::Two, Sched::Global, Sched::Sync][t % 3];
                    for round in 0..25 {
                        let panic = (t + round) % 5 == 0;
                        let got = nested_sum([Sched::Two, inner].into(), panic);
                        match got {
                            Ok(v) => {
                                assert!(!panic, "thread {t}, round {round}: no error");
                                assert_eq!(v, expected(2), "thread {t}, round {round}");
                            }
                            Err(Error::TaskPanicked { message, .. }) => {
                                assert!(panic && message.contains(INJECTED), "{message}")
                            }
                            Err(e) => panic!("thread {t}, round {round}: {e}"),
                        }
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
    });
}

/// A 4 x 4 array of ones summed on `outer`, each of its blocks adding the object count of a
/// labelling that it computes together with two other arrays (`chunkwise::compute`, whose
/// blocks are written in place) on `inner`; with `panic`, one of those arrays panics.
fn several_sum(outer: Sched, inner: Sched, panic: bool) -> chunkwise::Result<f64> {
    use chunkwise::ndmeasure::{self, Connectivity};
    let x = Array::<f64>::ones(&[4, 4], [2, 2])?;
    let y = x.map_blocks(move |b| {
        let mask = Array::from_ndarray(
            ndarray::array![[true, false, true], [true, false, true]],
            [1, 2],
        )
        .unwrap();
        let (labels, count) = ndmeasure::label(&mask, Connectivity::Face).unwrap();
        let boom = mask.map_blocks_indexed(move |idx, m| {
            assert!(!(panic && idx == [1, 1]), "{INJECTED}");
            m.to_owned()
        });
        let (l, n, _) = chunkwise::compute((&labels, &count, &boom), &scheduler(inner)).unwrap();
        assert_eq!(l, ndarray::array![[1u32, 0, 2], [1, 0, 2]].into_dyn());
        b.mapv(|v| v + n[[]] as f64)
    });
    y.sum().compute_with(&scheduler(outer)).map(|s| s[[]])
}

/// Several arrays computed together inside the tasks of a computation, for every pair of
/// schedulers, with and without a panic in one of the inner arrays: the right answer or the
/// inner panic as the outer error.
#[test]
fn several_arrays_computed_together_inside_tasks() {
    every_pair("compute of several", 10, 48.0, several_sum);
}
