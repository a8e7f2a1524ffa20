//! The default pool reads CHUNKWISE_NUM_THREADS on first use. The pool is made once per process,
//! so each case runs this test binary again as a child with the variable set (no `set_var`,
//! which would race with other threads).

use std::process::Command;

use chunkwise::{Array, Error, Scheduler};

/// Runs the test `name` of this binary in a child process with CHUNKWISE_NUM_THREADS=`value`.
fn run_child(name: &str, value: &str) {
    let status = Command::new(std::env::current_exe().expect("the test binary"))
        .args(["--exact", name, "--test-threads", "1"])
        .env("CHUNKWISE_NUM_THREADS", value)
        .env("CHUNKWISE_TEST_CHILD", "1")
        .status()
        .expect("run the child");
    assert!(
        status.success(),
        "{name} with CHUNKWISE_NUM_THREADS={value} failed"
    );
}

fn in_child() -> bool {
    std::env::var_os("CHUNKWISE_TEST_CHILD").is_some()
}

#[test]
fn child_sized_pool() {
    if !in_child() {
        return;
    }
    assert_eq!(Scheduler::global().unwrap().num_threads(), 3);
    let x = Array::<i32>::ones(&[10], [3]).unwrap();
    assert_eq!(x.sum().compute_scalar().unwrap(), 10);
}

#[test]
fn child_invalid_value() {
    if !in_child() {
        return;
    }
    let err = Scheduler::global().unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidEnv {
            name: "CHUNKWISE_NUM_THREADS",
            ..
        }
    ));
    assert!(err.to_string().contains("\"zero\""), "{err}");
    // compute on the default scheduler reports it too, rather than panicking.
    let x = Array::<i32>::ones(&[4], [2]).unwrap();
    assert!(matches!(x.compute(), Err(Error::InvalidEnv { .. })));
}

#[test]
fn chunkwise_num_threads_sizes_the_default_pool() {
    if in_child() {
        return;
    }
    run_child("child_sized_pool", "3");
    run_child("child_invalid_value", "zero");
}
