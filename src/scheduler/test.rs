use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use proptest::prelude::*;

use super::task::Work;
use super::*;

fn schedulers() -> Vec<Scheduler> {
    vec![
        Scheduler::synchronous(),
        Scheduler::threads(1),
        Scheduler::threads(2),
        Scheduler::threads(8),
    ]
}

/// Runs `f` on another thread and fails the test if it does not finish in time.
fn with_watchdog<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("the computation hung (watchdog fired after 60 s)")
}

fn mix(i: u64) -> u64 {
    i.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17)
}

/// A random DAG: each task depends on up to three earlier tasks.
#[derive(Debug, Clone)]
struct Dag {
    deps: Vec<Vec<u32>>,
    panics: Vec<bool>,
}

fn dag(max_tasks: usize) -> impl Strategy<Value = Dag> {
    (1..max_tasks).prop_flat_map(|n| {
        let deps = (0..n)
            .map(|i| {
                if i == 0 {
                    Just(vec![]).boxed()
                } else {
                    proptest::collection::vec(0..i as u32, 0..=3).boxed()
                }
            })
            .collect::<Vec<_>>();
        let panics = proptest::collection::vec(proptest::bool::weighted(0.002), n);
        (deps, panics).prop_map(|(deps, panics)| Dag { deps, panics })
    })
}

fn reference(d: &Dag) -> Vec<u64> {
    let mut v = Vec::with_capacity(d.deps.len());
    for (i, deps) in d.deps.iter().enumerate() {
        let x = deps
            .iter()
            .fold(mix(i as u64), |acc, &j| acc.wrapping_add(v[j as usize]));
        v.push(x);
    }
    v
}

fn build(d: &Dag) -> TaskGraph<'static> {
    let mut g = TaskGraph::new();
    let panics = d.panics.clone();
    let layer = g.add_layer(
        "t",
        vec![d.deps.len()],
        Work::Shared(Box::new(move |i, inputs| {
            if panics[i] {
                panic!("injected at {i}");
            }
            let x = inputs.iter().fold(mix(i as u64), |acc, v| {
                acc.wrapping_add(*v.downcast_ref::<u64>().unwrap())
            });
            Ok(Some(Arc::new(x) as Value))
        })),
    );
    for (i, deps) in d.deps.iter().enumerate() {
        g.add_task(layer, i, deps.iter().copied());
    }
    g
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn random_dags_with_injected_panics_end_right_and_never_hang(d in dag(3000)) {
        let expected = reference(&d);
        let last = (d.deps.len() - 1) as TaskId;
        for s in schedulers() {
            let graph = build(&d);
            let dd = d.clone();
            let result = with_watchdog(move || s.execute(graph, &[last]).map(|v| {
                *v[0].downcast_ref::<u64>().unwrap()
            }));
            if dd.panics.iter().any(|&p| p) {
                match result {
                    Err(Error::TaskPanicked { task, message }) => {
                        let i: usize = task.trim_start_matches("t[").trim_end_matches(']').parse().unwrap();
                        prop_assert!(dd.panics[i], "{task} did not panic");
                        prop_assert_eq!(message, format!("injected at {i}"));
                    }
                    other => prop_assert!(false, "expected a panic error, got {:?}", other),
                }
            } else {
                prop_assert_eq!(result.unwrap(), expected[last as usize]);
            }
        }
    }
}

#[test]
fn a_failure_cancels_the_rest_promptly() {
    // A chain of 10,000 tasks that fails at task 10: the tasks after it never start.
    for s in schedulers() {
        let ran = Arc::new(AtomicUsize::new(0));
        let mut g = TaskGraph::new();
        let counter = ran.clone();
        let layer = g.add_layer(
            "chain",
            vec![10_000],
            Work::Shared(Box::new(move |i, _| {
                counter.fetch_add(1, Ordering::Relaxed);
                if i == 10 {
                    return Err(Error::ZeroChunk {
                        op: "test",
                        axis: 0,
                        len: 1,
                    });
                }
                Ok(Some(Arc::new(()) as Value))
            })),
        );
        let mut prev = None;
        for i in 0..10_000 {
            prev = Some(g.add_task(layer, i, prev));
        }
        let err = s.execute(g, &[]).unwrap_err();
        assert_eq!(
            err,
            Error::ZeroChunk {
                op: "test",
                axis: 0,
                len: 1
            }
        );
        assert_eq!(ran.load(Ordering::Relaxed), 11);
    }
}

#[test]
fn the_pool_keeps_working_after_a_panic() {
    let pool = Scheduler::threads(2);
    for round in 0..3 {
        let mut g = Graph::new();
        let a = g
            .add("a", &[], |_| -> Result<i32> { panic!("boom") })
            .unwrap();
        assert!(matches!(
            g.compute_with(&a, &pool),
            Err(Error::TaskPanicked { .. })
        ));
        let mut g = Graph::new();
        let b = g.add("b", &[], move |_| Ok(round)).unwrap();
        assert_eq!(g.compute_with(&b, &pool).unwrap(), round);
    }
}

#[test]
fn nested_compute_inside_a_task_does_not_deadlock() {
    for s in [Scheduler::threads(1), Scheduler::threads(2)] {
        let inner = s.clone();
        let total = with_watchdog(move || {
            let mut g = Graph::new();
            let tasks: Vec<_> = (0..8)
                .map(|i| {
                    let inner = inner.clone();
                    g.add("outer", &[], move |_| {
                        let mut h = Graph::new();
                        let x = h.add("inner", &[], move |_| Ok(i * 10))?;
                        h.compute_with(&x, &inner)
                    })
                    .unwrap()
                })
                .collect();
            let deps: Vec<TaskRef> = tasks.iter().map(|t| t.task()).collect();
            let sum = g
                .add("sum", &deps, move |inp| {
                    tasks
                        .iter()
                        .map(|t| inp.get(t).copied())
                        .sum::<Result<i32>>()
                })
                .unwrap();
            g.compute_with(&sum, &s).unwrap()
        });
        assert_eq!(total, 280);
    }
}

/// Counts live values, to check that intermediates are freed as soon as their reader ran.
struct Tracked {
    live: Arc<AtomicUsize>,
}

impl Tracked {
    fn new(live: &Arc<AtomicUsize>, peak: &AtomicUsize) -> Tracked {
        let now = live.fetch_add(1, Ordering::SeqCst) + 1;
        peak.fetch_max(now, Ordering::SeqCst);
        Tracked { live: live.clone() }
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.live.fetch_sub(1, Ordering::SeqCst);
    }
}

#[test]
fn intermediates_are_freed_after_their_last_reader() {
    // 2,000 independent "load -> reduce" pairs feeding one final sum. Depth-first execution and
    // prompt release keep only a few loaded values alive at once.
    for s in schedulers() {
        let live = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let mut g = Graph::new();
        let mut partials = Vec::new();
        for i in 0..2000u64 {
            let (l, p) = (live.clone(), peak.clone());
            let load = g
                .add("load", &[], move |_| Ok(Tracked::new(&l, &p)))
                .unwrap();
            let part = g
                .add("reduce", &[load.task()], move |inp| {
                    inp.get(&load)?;
                    Ok(i)
                })
                .unwrap();
            partials.push(part);
        }
        let deps: Vec<TaskRef> = partials.iter().map(|p| p.task()).collect();
        let total = g
            .add("total", &deps, move |inp| {
                partials
                    .iter()
                    .map(|p| inp.get(p).copied())
                    .sum::<Result<u64>>()
            })
            .unwrap();
        assert_eq!(g.compute_with(&total, &s).unwrap(), 1999 * 2000 / 2);
        assert_eq!(live.load(Ordering::SeqCst), 0);
        let bound = 4 * s.num_threads();
        let p = peak.load(Ordering::SeqCst);
        assert!(
            p <= bound,
            "{s:?}: {p} loaded values alive at once, bound {bound}"
        );
    }
}

#[test]
fn only_what_the_target_needs_runs() {
    let ran = Arc::new(AtomicUsize::new(0));
    let mut g = Graph::new();
    let r = ran.clone();
    let a = g
        .add("a", &[], move |_| {
            r.fetch_add(1, Ordering::SeqCst);
            Ok(1)
        })
        .unwrap();
    let r = ran.clone();
    g.add("unused", &[], move |_| {
        r.fetch_add(100, Ordering::SeqCst);
        Ok(2)
    })
    .unwrap();
    assert_eq!(g.compute_with(&a, &Scheduler::threads(2)).unwrap(), 1);
    assert_eq!(ran.load(Ordering::SeqCst), 1);
}

#[test]
fn handles_of_another_graph_are_errors() {
    let mut g1 = Graph::new();
    let a = g1.add("a", &[], |_| Ok(1)).unwrap();
    let mut g2 = Graph::new();
    assert!(matches!(
        g2.add("b", &[a.task()], |_| Ok(2)),
        Err(Error::UnknownTask { .. })
    ));
    assert!(matches!(g2.compute(&a), Err(Error::UnknownTask { .. })));
}

#[test]
fn invalid_thread_count_in_the_environment_is_an_error() {
    assert!(matches!(
        parse_threads("zero"),
        Err(Error::InvalidEnv {
            name: "CHUNKWISE_NUM_THREADS",
            ..
        })
    ));
    assert!(parse_threads("0").is_err());
    assert_eq!(parse_threads(" 3 ").unwrap(), 3);
}

#[test]
fn many_readers_of_one_value_race_safely() {
    // Each value is read by many tasks at once on 8 threads: whether a reader clones the value
    // or takes it (the last one) must not race with the others.
    let s = Scheduler::threads(8);
    for round in 0..200u64 {
        let mut g = TaskGraph::new();
        let src = g.add_layer(
            "src",
            vec![4],
            Work::Shared(Box::new(move |i, _| {
                Ok(Some(Arc::new(round * 10 + i as u64) as Value))
            })),
        );
        let readers = g.add_layer(
            "read",
            vec![64],
            Work::Shared(Box::new(|_, inputs| {
                let total: u64 = inputs
                    .iter()
                    .map(|v| *v.downcast_ref::<u64>().unwrap())
                    .sum();
                Ok(Some(Arc::new(total) as Value))
            })),
        );
        let sources: Vec<TaskId> = (0..4).map(|i| g.add_task(src, i, [])).collect();
        let outs: Vec<TaskId> = (0..64)
            .map(|i| g.add_task(readers, i, sources.iter().copied()))
            .collect();
        let values = s.execute(g, &outs).unwrap();
        let expected = 4 * round * 10 + 6;
        assert!(
            values
                .iter()
                .all(|v| *v.downcast_ref::<u64>().unwrap() == expected)
        );
    }
}

/// A graph of `n` external tasks and `n` roots, where reader `i` reads external `i` and root
/// `i`: it fails unless external `i` was marked `supplied` before it ran, and records
/// `external + root` in `out[i]`.
fn fed_graph(
    n: usize,
    supplied: &Arc<Vec<std::sync::atomic::AtomicBool>>,
    out: &Arc<std::sync::Mutex<Vec<Option<u64>>>>,
) -> (TaskGraph<'static>, Vec<TaskId>) {
    let mut g = TaskGraph::new();
    let external = g.add_layer(
        "arrives",
        vec![n],
        Work::Shared(Box::new(|_, _| panic!("external tasks are never run"))),
    );
    let root = g.add_layer(
        "root",
        vec![n],
        Work::Shared(Box::new(|i, _| Ok(Some(Arc::new(i as u64 * 100) as Value)))),
    );
    let (supplied, out) = (supplied.clone(), out.clone());
    let reader = g.add_layer(
        "read",
        vec![n],
        Work::Shared(Box::new(move |i, inputs| {
            if !supplied[i].load(Ordering::SeqCst) {
                return Err(Error::ZeroChunk {
                    op: "test",
                    axis: i,
                    len: 0,
                });
            }
            let sum: u64 = inputs
                .iter()
                .map(|v| *v.downcast_ref::<u64>().unwrap())
                .sum();
            out.lock().unwrap()[i] = Some(sum);
            Ok(None)
        })),
    );
    let ext: Vec<TaskId> = (0..n).map(|i| g.add_task(external, i, [])).collect();
    for (i, &e) in ext.iter().enumerate() {
        let r = g.add_task(root, i, []);
        g.add_task(reader, i, [e, r]);
    }
    (g, ext)
}

/// `k` external tasks of 1000 bytes each and a gate of none; reader `i` reads external `i` and
/// the gate, with 1000 bytes of scratch, so no reader starts before the gate is supplied.
fn gated_graph(k: usize) -> (TaskGraph<'static>, Vec<TaskId>) {
    let mut g = TaskGraph::new();
    let arrives = g.add_layer(
        "arrives",
        vec![k + 1],
        Work::Shared(Box::new(|_, _| panic!("external tasks are never run"))),
    );
    g.layers[arrives as usize].bytes = Some(Box::new(move |i| TaskBytes {
        out: if i < k { 1000 } else { 0 },
        scratch: 0,
    }));
    let read = g.add_layer("read", vec![k], Work::Shared(Box::new(|_, _| Ok(None))));
    g.layers[read as usize].bytes = Some(Box::new(|_| TaskBytes {
        out: 0,
        scratch: 1000,
    }));
    let ext: Vec<TaskId> = (0..=k).map(|i| g.add_task(arrives, i, [])).collect();
    for i in 0..k {
        g.add_task(read, i, [ext[i], ext[k]]);
    }
    (g, ext)
}

/// Values supplied from outside count against a memory limit from their arrival until their
/// last reader has run, like values made in the run.
#[test]
fn supplied_values_count_against_the_memory_limit() {
    with_watchdog(|| {
        for threads in [1, 2] {
            let s = Scheduler::threads(threads).with_memory_limit(4500);
            let supply_all = |k: usize| {
                let (g, ext) = gated_graph(k);
                s.execute_fed(g, &ext, Box::new(|| {}), |feed| {
                    for &e in &ext {
                        feed.supply(e, Arc::new(()) as Value);
                    }
                    while !feed.finished() && !feed.failed() {
                        std::thread::yield_now();
                    }
                })
                .0
            };
            // Four arrived values hold 4000 bytes: no reader's 1000 fits beside them.
            match supply_all(4) {
                Err(Error::OverMemoryBudget {
                    held, projected, ..
                }) => assert_eq!((held, projected), (4000, 5000), "{threads} threads"),
                other => panic!("{threads} threads: {other:?}"),
            }
            // Three hold 3000: the readers run, each freeing its input's 1000 bytes (had they
            // not been added, taking them away again would wrap `held` and stop the run).
            assert_eq!(supply_all(3), Ok(()), "{threads} threads");
        }
    });
}

#[test]
fn fed_runs_wait_for_supplied_values_and_stop_when_cancelled() {
    use std::sync::atomic::AtomicBool;
    with_watchdog(|| {
        for threads in [1, 2, 8] {
            let s = Scheduler::threads(threads);
            let n = 16;
            let supplied = Arc::new((0..n).map(|_| AtomicBool::new(false)).collect::<Vec<_>>());
            let out = Arc::new(std::sync::Mutex::new(vec![None; n]));

            // Supplied in reverse, each after the workers have run out of work: every reader
            // runs once its value is in, not before, and the run ends with the last.
            let (g, ext) = fed_graph(n, &supplied, &out);
            let (result, driven) = s.execute_fed(g, &ext, Box::new(|| {}), |feed| {
                for i in (0..n).rev() {
                    while !feed.idle() {
                        std::thread::yield_now();
                    }
                    assert!(!feed.finished(), "finished with {} values to come", i + 1);
                    supplied[i].store(true, Ordering::SeqCst);
                    feed.supply(ext[i], Arc::new(i as u64) as Value);
                }
                while !feed.finished() {
                    std::thread::yield_now();
                }
                assert!(!feed.failed());
            });
            assert_eq!(result, Ok(()));
            assert!(driven.is_some());
            let expected: Vec<Option<u64>> = (0..n as u64).map(|i| Some(i * 101)).collect();
            assert_eq!(*out.lock().unwrap(), expected, "{threads} threads");

            // Cancelled after half: the readers still waiting never run, and the run's error
            // is the cancellation's.
            let supplied = Arc::new((0..n).map(|_| AtomicBool::new(false)).collect::<Vec<_>>());
            let out = Arc::new(std::sync::Mutex::new(vec![None; n]));
            let (g, ext) = fed_graph(n, &supplied, &out);
            let stop = Error::Mpi {
                message: "rank 1 failed".into(),
            };
            let (result, _) = s.execute_fed(g, &ext, Box::new(|| {}), |feed| {
                for i in 0..n / 2 {
                    supplied[i].store(true, Ordering::SeqCst);
                    feed.supply(ext[i], Arc::new(i as u64) as Value);
                }
                feed.cancel(stop.clone());
                assert!(feed.failed() && !feed.finished());
            });
            assert_eq!(result, Err(stop));
            assert!(out.lock().unwrap()[n / 2..].iter().all(Option::is_none));
        }
    });
}
