//! Callbacks, progress, profiles, plans and graph pictures.

mod common;

use std::collections::HashMap;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chunkwise::{Array, Boundary, Callback, Error, Scheduler, TaskInfo, ndfilters};
use ndarray::Axis;

/// Counts every event, per task id.
#[derive(Default)]
struct Events {
    starts: Mutex<HashMap<usize, usize>>,
    finishes: Mutex<HashMap<usize, (usize, bool)>>,
    computations: AtomicUsize,
    finished: Mutex<Vec<bool>>,
    total: AtomicUsize,
}

impl Callback for Events {
    fn on_start(&self, tasks: usize) {
        self.computations.fetch_add(1, Ordering::SeqCst);
        self.total.store(tasks, Ordering::SeqCst);
    }
    fn on_task_start(&self, task: &TaskInfo<'_>) {
        *self.starts.lock().unwrap().entry(task.id()).or_default() += 1;
    }
    fn on_task_finish(&self, task: &TaskInfo<'_>, ok: bool) {
        assert!(task.end().is_some_and(|e| e >= task.start()));
        let mut f = self.finishes.lock().unwrap();
        let e = f.entry(task.id()).or_insert((0, true));
        e.0 += 1;
        e.1 &= ok;
    }
    fn on_finish(&self, ok: bool) {
        self.finished.lock().unwrap().push(ok);
    }
}

fn pipeline() -> Array<f64> {
    let x = Array::<f64>::random(&[64, 64], [16, 16], 5).unwrap();
    let f = ndfilters::gaussian_filter(&x, 1.0, Boundary::Reflect).unwrap();
    f.sum_axis(Axis(0)).unwrap()
}

#[test]
fn callbacks_see_every_task_exactly_once() {
    for s in [
        Scheduler::synchronous(),
        Scheduler::threads(1),
        Scheduler::threads(4),
    ] {
        let events = Arc::new(Events::default());
        let y = pipeline();
        y.compute_with(&s.with_callback(events.clone())).unwrap();
        let starts = events.starts.lock().unwrap();
        let finishes = events.finishes.lock().unwrap();
        assert_eq!(starts.len(), y.num_tasks());
        assert_eq!(events.total.load(Ordering::SeqCst), y.num_tasks());
        assert!(starts.values().all(|&n| n == 1));
        assert_eq!(finishes.len(), y.num_tasks());
        assert!(finishes.values().all(|&(n, ok)| n == 1 && ok));
        assert_eq!(*events.finished.lock().unwrap(), vec![true]);
        assert_eq!(events.computations.load(Ordering::SeqCst), 1);
    }
}

#[test]
fn a_panicking_task_is_reported_finished_and_failed_once() {
    for s in [Scheduler::synchronous(), Scheduler::threads(2)] {
        let events = Arc::new(Events::default());
        let x = Array::<f64>::ones(&[40, 40], [10, 10]).unwrap();
        let y = x
            .map_blocks_indexed(|i, b| {
                assert!(i != [2, 1], "block (2, 1) fails");
                b.to_owned()
            })
            .sum();
        let err = y
            .compute_with(&s.with_callback(events.clone()))
            .unwrap_err();
        assert!(matches!(err, Error::TaskPanicked { .. }));
        let starts = events.starts.lock().unwrap();
        let finishes = events.finishes.lock().unwrap();
        // Every task that started finished exactly once; the failed one says so.
        assert_eq!(starts.len(), finishes.len());
        assert!(starts.values().all(|&n| n == 1));
        assert!(finishes.values().all(|&(n, _)| n == 1));
        assert_eq!(finishes.values().filter(|&&(_, ok)| !ok).count(), 1);
        assert_eq!(*events.finished.lock().unwrap(), vec![false]);
    }
}

#[test]
fn progress_bars_do_not_change_results() {
    let y = pipeline();
    let expected = y.compute_with(&Scheduler::synchronous()).unwrap();
    let s = Scheduler::threads(2);
    assert_eq!(y.compute_with(&s.with_progress()).unwrap(), expected);
    assert_eq!(y.compute_with(&s.with_progress_always()).unwrap(), expected);
}

#[test]
fn the_chrome_trace_is_json_with_one_complete_event_per_task() {
    let y = pipeline();
    let (out, profile) = y.compute_profiled(&Scheduler::threads(2)).unwrap();
    assert_eq!(out, y.compute_with(&Scheduler::synchronous()).unwrap());
    assert_eq!(profile.tasks().len(), y.num_tasks());
    let path = std::env::temp_dir().join(format!("chunkwise-trace-{}.json", std::process::id()));
    profile.write_chrome_trace(&path).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    std::fs::remove_file(&path).unwrap();
    let events = json["traceEvents"].as_array().unwrap();
    let complete: Vec<&serde_json::Value> = events.iter().filter(|e| e["ph"] == "X").collect();
    assert_eq!(complete.len(), y.num_tasks());
    for e in &complete {
        assert!(e["dur"].as_f64().unwrap() >= 0.0);
        assert!(e["tid"].as_u64().unwrap() < 2);
        assert!(e["name"].as_str().unwrap().contains('['));
    }
    let tracks = events.iter().filter(|e| e["name"] == "thread_name").count();
    assert_eq!(tracks, 2, "one named track per worker");
    let processes = events
        .iter()
        .filter(|e| e["name"] == "process_name")
        .count();
    assert_eq!(processes, 1, "one process outside a cluster");
}

#[test]
fn summaries_account_for_time_idle_and_memory() {
    let y = pipeline();
    let (_, profile) = y.compute_profiled(&Scheduler::threads(2)).unwrap();
    let s = profile.summary();
    let tasks: usize = s.ops.iter().map(|o| o.tasks).sum();
    assert_eq!(tasks, y.num_tasks());
    assert!(s.ops.iter().any(|o| o.op.contains("reduce_chunk")), "{s}");
    assert_eq!(s.idle.len(), 2);
    assert!(s.idle.iter().all(|i| (0.0..=1.0).contains(i)));
    // Padded blocks are held between the overlap tasks and the filter: at least one of them.
    assert!(s.peak_bytes >= 16 * 16 * 8, "{s}");
    assert!(
        profile
            .tasks()
            .iter()
            .all(|t| t.end >= t.start && t.end <= profile.wall_time())
    );
    assert!(s.to_string().contains("peak blocks held"));
}

#[test]
fn explain_shows_fusion_and_culling() {
    let x = Array::<f64>::ones(&[100, 100], [10, 10]).unwrap();
    let y = (&x + 1.0)
        .map(|v| v * 2.0)
        .slice(ndarray::s![..10, ..20])
        .unwrap();
    let plan = y.explain();
    assert!(plan.starts_with("4 operations, 2 tasks"), "{plan}");
    assert_eq!(plan.matches("fused into").count(), 3, "{plan}");
    assert!(plan.contains("(98 blocks culled)"), "{plan}");
}

/// Runs `dot -Tsvg` on `src`: `Ok(false)` if graphviz is not installed.
fn dot_accepts(src: &str) -> Result<bool, String> {
    use std::io::Write;
    let child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        assert!(
            std::env::var("CHUNKWISE_REQUIRE_DOT").is_err(),
            "CHUNKWISE_REQUIRE_DOT is set, but graphviz's dot is not installed"
        );
        return Ok(false);
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(src.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    if out.status.success() && out.stdout.starts_with(b"<?xml") {
        Ok(true)
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn dot_pictures_parse_small_and_summarised() {
    let small = (&Array::<f64>::ones(&[4, 4], [2, 2]).unwrap() + 1.0).sum();
    let dot = small.to_dot();
    // One box per task, an arrow per dependency.
    assert_eq!(dot.matches("[label=").count(), small.num_tasks());
    let big = pipeline();
    assert!(big.num_tasks() <= 300 || big.to_dot().contains("tasks, grid"));
    let huge = Array::<f64>::ones(&[100, 100], [5, 5]).unwrap().sum();
    let summary = huge.to_dot();
    assert!(huge.num_tasks() > 300);
    assert!(summary.contains("400 tasks"), "{summary}");
    for src in [dot, summary] {
        match dot_accepts(&src) {
            Ok(true) => {}
            Ok(false) => common::skipped("graphviz is not installed: the DOT check"),
            Err(e) => panic!("dot rejected:\n{src}\n{e}"),
        }
    }
}

#[test]
fn debug_shows_the_block_grid_not_every_block() {
    let x = Array::<f64>::zeros(&[10, 7], [4, 3]).unwrap();
    let shown = format!("{:?}", x.map(|v| v + 1.0));
    assert_eq!(
        shown,
        "Array<f64>(shape=[10, 7], chunksize=[4, 3], numblocks=[3, 3], op=map)"
    );
    // A million blocks still print in one short line.
    let many = Array::from_ndarray(ndarray::Array1::<u8>::zeros(1_000_000), [1]).unwrap();
    let shown = format!("{many:?}");
    assert!(shown.contains("numblocks=[1000000]"), "{shown}");
    assert!(shown.len() < 120, "{shown}");
    // 0-d and empty arrays.
    let scalar = x.sum();
    assert!(format!("{scalar:?}").contains("shape=[], chunksize=[], numblocks=[]"));
    let empty = Array::<f64>::zeros(&[0, 5], [2, 2]).unwrap();
    assert!(format!("{empty:?}").contains("shape=[0, 5]"), "{empty:?}");
}
