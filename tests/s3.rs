//! Zarr stores in S3 (feature `s3`), against a real S3 protocol server on loopback: moto's,
//! started by `scripts/s3_server.py`, which makes a bucket and an IAM user and from then on
//! checks every request's signature.
//!
//! Credentials reach the client through the environment, as they do for users. A process's
//! environment is not safely changed while its threads run, so `s3_store_against_a_real_server`
//! starts the server and runs this test binary again with the variables set, once with the
//! user's key (the `remote_*` tests) and once with a wrong secret (`refused_*`). Those tests do
//! nothing when run without the variables; the launcher checks that each of them ran and
//! passed.
#![cfg(feature = "s3")]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chunkwise::io::ome_zarr::{self, MultiscaleOptions};
use chunkwise::io::zarr::{Compression, ZarrOptions};
use chunkwise::{Array, Error, Scheduler};
use ndarray::s;

/// Set in the runs of this binary that the launcher makes: `ok` or `refused`.
const MODE: &str = "CHUNKWISE_S3_MODE";

/// The remote tests, by name, and how many of them each mode runs.
const OK_TESTS: usize = 8;
const REFUSED_TESTS: usize = 1;

/// `scripts/s3_server.py`: killed when dropped.
struct Server {
    child: Child,
    config: serde_json::Value,
}

impl Server {
    fn start() -> Server {
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/s3_server.py");
        let mut child = Command::new("python3")
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 starts");
        // The server prints its configuration once it serves; give it a minute at most.
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the S3 server started within 60 s");
        let config = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("the S3 server printed {line:?}: {e}"));
        Server { child, config }
    }

    fn get(&self, key: &str) -> String {
        self.config[key].as_str().unwrap().to_string()
    }

    /// Runs this binary's `prefix*` tests with the server's address and `secret`, under a
    /// watchdog, and returns how many passed.
    fn run_tests(&self, prefix: &str, mode: &str, secret: &str) -> usize {
        // The output goes to a file, not a pipe: a pipe nobody reads while waiting fills up
        // with a failing run's backtraces and stalls the child.
        let log =
            std::env::temp_dir().join(format!("chunkwise-s3-{mode}-{}.log", std::process::id()));
        let file = std::fs::File::create(&log).unwrap();
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([prefix, "--test-threads", "2"])
            .env(MODE, mode)
            .env("AWS_ENDPOINT_URL", self.get("endpoint"))
            .env("AWS_ALLOW_HTTP", "true")
            .env("AWS_REGION", self.get("region"))
            .env("AWS_ACCESS_KEY_ID", self.get("key_id"))
            .env("AWS_SECRET_ACCESS_KEY", secret)
            .env("CHUNKWISE_S3_BUCKET", self.get("bucket"))
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(240);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("the {mode} S3 tests hung (killed after 240 s)");
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        let out = std::fs::read_to_string(&log).unwrap_or_default();
        let _ = std::fs::remove_file(&log);
        assert!(status.success(), "the {mode} S3 tests failed:\n{out}");
        out.lines()
            .filter(|l| l.starts_with("test ") && l.ends_with("... ok"))
            .count()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn s3_store_against_a_real_server() {
    if std::env::var(MODE).is_ok() || !common::python_ready("moto, boto3, werkzeug") {
        return;
    }
    let server = Server::start();
    let passed = server.run_tests("remote_", "ok", &server.get("secret"));
    assert_eq!(passed, OK_TESTS, "remote tests that ran and passed");
    let passed = server.run_tests("refused_", "refused", "not-the-secret");
    assert_eq!(passed, REFUSED_TESTS, "refused tests that ran and passed");
}

/// The bucket's URL for `path`, if this is a launched run in `mode`.
fn bucket_url(mode: &str, path: &str) -> Option<String> {
    if std::env::var(MODE).ok()? != mode {
        return None;
    }
    Some(format!(
        "s3://{}/{path}",
        std::env::var("CHUNKWISE_S3_BUCKET").unwrap()
    ))
}

/// What the test server says at `path` (one of its own, not S3's), as JSON.
fn ask_server(path: &str) -> serde_json::Value {
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap();
    let addr = endpoint.trim_start_matches("http://");
    let mut conn = TcpStream::connect(addr).unwrap();
    write!(conn, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut reply = String::new();
    conn.read_to_string(&mut reply).unwrap();
    let body = reply.split("\r\n\r\n").nth(1).expect("a reply with a body");
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{path} answered {body:?}: {e}"))
}

/// The S3 requests the server has seen, as (method, path) pairs.
fn requests() -> Vec<(String, String)> {
    let text = |v: &serde_json::Value| v.as_str().unwrap().to_string();
    let seen = ask_server("/__requests");
    seen.as_array()
        .unwrap()
        .iter()
        .map(|r| (text(&r[0]), text(&r[1])))
        .collect()
}

/// The keys in the bucket under `prefix`.
fn keys(prefix: &str) -> Vec<String> {
    let all = ask_server("/__keys");
    all.as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap().to_string())
        .filter(|k| k.starts_with(prefix))
        .collect()
}

/// How many `method` requests for chunks of the store at `store` (a path in the bucket).
fn chunk_requests(method: &str, store: &str) -> usize {
    let bucket = std::env::var("CHUNKWISE_S3_BUCKET").unwrap();
    let prefix = format!("/{bucket}/{store}/c/");
    requests()
        .iter()
        .filter(|(m, p)| m == method && p.starts_with(&prefix))
        .count()
}

fn sample() -> Array<u16> {
    Array::from_fn(&[10, 12], [10, 12], |i| (i[0] * 12 + i[1]) as u16 + 1).unwrap()
}

#[test]
fn remote_write_then_read_back_equal_on_any_scheduler() {
    let Some(url) = bucket_url("ok", "roundtrip.zarr") else {
        return;
    };
    let x = sample();
    let options = ZarrOptions::default()
        .chunks([4, 4])
        .compression(Compression::Zstd { level: 3 });
    x.to_zarr_url(&url, options.clone()).unwrap();
    let want = x.compute().unwrap();
    let back = Array::<u16>::from_zarr_url(&url).unwrap();
    assert_eq!(back.chunks(), &[vec![4, 4, 2], vec![4, 4, 4]]);
    for s in [Scheduler::synchronous(), Scheduler::threads(3)] {
        assert_eq!(back.compute_with(&s).unwrap(), want);
    }
    assert_eq!(chunk_requests("PUT", "roundtrip.zarr"), 9);
    // Written again on another scheduler, with the same layout: chunk by chunk, equal.
    x.map(|v| v * 2)
        .to_zarr_url_with(&url, options, &Scheduler::threads(2))
        .unwrap();
    assert_eq!(
        Array::<u16>::from_zarr_url(&url)
            .unwrap()
            .compute()
            .unwrap(),
        want.mapv(|v| v * 2)
    );
    // The wrong element type is refused, naming both.
    let e = Array::<f32>::from_zarr_url(&url).unwrap_err();
    assert!(matches!(e, Error::DtypeMismatch { .. }), "{e}");
}

#[test]
fn remote_slices_fetch_only_their_chunks() {
    let Some(url) = bucket_url("ok", "slices.zarr") else {
        return;
    };
    let x = sample();
    x.to_zarr_url(&url, ZarrOptions::default().chunks([4, 4]))
        .unwrap();
    let want = x.compute().unwrap();
    let remote = Array::<u16>::from_zarr_url(&url).unwrap();
    for (slice, chunks) in [
        (s![5..7, 9..11], 1), // inside chunk (1, 2)
        (s![3..5, 3..5], 4),  // across four chunks
        (s![8.., ..], 3),     // the last row of chunks
    ] {
        let before = chunk_requests("GET", "slices.zarr");
        let part = remote.slice(slice).unwrap().compute().unwrap();
        assert_eq!(part, want.slice(slice).to_owned().into_dyn());
        assert_eq!(
            chunk_requests("GET", "slices.zarr") - before,
            chunks,
            "chunk requests for {slice:?}"
        );
    }
}

/// Chunks are fetched ahead of the tasks (up to 16 requests in flight): each exactly once, for
/// compressed, uncompressed and sharded stores, and ghost cells and shards, which read parts of
/// objects, are cut from the objects fetched whole.
#[test]
fn remote_reads_ahead_fetch_each_object_once() {
    let Some(base) = bucket_url("ok", "") else {
        return;
    };
    let x = Array::<i32>::from_fn(&[23, 17], [23, 17], |i| (i[0] * 17 + i[1]) as i32).unwrap();
    let want = x.compute().unwrap();
    let blur = |a: &Array<i32>| {
        a.map_overlap(1, chunkwise::Boundary::Reflect, |b| {
            let mut out = b.to_owned();
            for ((i, j), v) in b.indexed_iter().map(|(k, v)| ((k[0], k[1]), v)) {
                if i > 0 && j > 0 && i + 1 < b.shape()[0] && j + 1 < b.shape()[1] {
                    out[[i, j]] = v + b[[i - 1, j]] + b[[i + 1, j]] + b[[i, j - 1]] + b[[i, j + 1]];
                }
            }
            out
        })
        .unwrap()
        .compute()
        .unwrap()
    };
    let blurred = blur(&Array::from_ndarray(want.clone(), [4, 5]).unwrap());
    for (name, options, objects) in [
        (
            "ahead-zstd.zarr",
            ZarrOptions::default().chunks([4, 5]),
            6 * 4,
        ),
        (
            "ahead-raw.zarr",
            ZarrOptions::default()
                .chunks([4, 5])
                .compression(Compression::None),
            6 * 4,
        ),
        (
            "ahead-sharded.zarr",
            ZarrOptions::default().chunks([4, 5]).shards(&[8, 10]),
            3 * 2,
        ),
    ] {
        let url = format!("{base}{name}");
        x.to_zarr_url(&url, options).unwrap();
        let remote = Array::<i32>::from_zarr_url(&url).unwrap();
        for s in [Scheduler::synchronous(), Scheduler::threads(3)] {
            let before = chunk_requests("GET", name);
            assert_eq!(remote.compute_with(&s).unwrap(), want, "{name}");
            assert_eq!(
                chunk_requests("GET", name) - before,
                objects,
                "{name} under {s:?}"
            );
        }
        let sum = remote.sum().compute_scalar().unwrap();
        assert_eq!(sum, want.sum(), "{name}");
        let cut = Array::<i32>::from_zarr_url(&url)
            .unwrap()
            .rechunk([4, 5])
            .unwrap();
        assert_eq!(blur(&cut), blurred, "{name}");
    }
}

/// An OME-Zarr pyramid written on disk, copied into the bucket by boto3, opens from S3 with the
/// same levels, scales and data; one written straight into the bucket is the same.
#[test]
fn remote_ome_zarr_pyramids_open_from_and_write_to_s3() {
    let Some(url) = bucket_url("ok", "pyramid.ome.zarr") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("chunkwise-s3-pyr-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let image = Array::<u16>::from_fn(&[4, 24, 18], [2, 8, 8], |i| {
        (i[0] * 500 + i[1] * 18 + i[2]) as u16
    })
    .unwrap();
    let options = MultiscaleOptions::new(&["c", "y", "x"])
        .factors(&[1, 2, 2])
        .levels(3);
    ome_zarr::write_multiscale(&image, &dir, &options).unwrap();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/s3_server.py");
    let bucket = std::env::var("CHUNKWISE_S3_BUCKET").unwrap();
    let status = Command::new("python3")
        .arg(script)
        .args(["upload", dir.to_str().unwrap(), &bucket, "pyramid.ome.zarr"])
        .status()
        .unwrap();
    assert!(status.success(), "the upload failed");
    let local = ome_zarr::open::<u16>(&dir).unwrap();
    let remote = ome_zarr::open_url::<u16>(&url).unwrap();
    assert_eq!(remote.levels().len(), 3);
    common::assert_same_pyramid(&remote, &local);
    let e = ome_zarr::open_url::<u16>(&bucket_url("ok", "no-pyramid-here").unwrap()).unwrap_err();
    assert!(matches!(e, Error::BadStore { .. }), "{e}");

    // Written straight into the bucket (levels uploaded by their tasks, each further level read
    // back from the bucket): the same pyramid as on disk, and nothing but it.
    let direct = bucket_url("ok", "direct.ome.zarr").unwrap();
    ome_zarr::write_multiscale_url_with(&image, &direct, &options, &Scheduler::threads(3)).unwrap();
    let written = ome_zarr::open_url::<u16>(&direct).unwrap();
    common::assert_same_pyramid(&written, &local);
    let stored = keys("direct.ome.zarr/");
    assert!(
        stored.contains(&"direct.ome.zarr/zarr.json".to_string()),
        "{stored:?}"
    );
    assert!(
        stored.iter().all(|k| ["zarr.json", "0/", "1/", "2/"]
            .iter()
            .any(|p| k.starts_with(&format!("direct.ome.zarr/{p}")))),
        "{stored:?}"
    );
    let bucket_root = bucket_url("ok", "").unwrap();
    assert!(ome_zarr::write_multiscale_url(&image, &bucket_root, &options).is_err());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Reading a bucket where users do: inside a task of another pool (the inner compute on the
/// default pool, as a `map_blocks` closure would), and after a computation that failed halfway
/// (a panic in a closure over the remote array): the failure is an `Err`, and the same array,
/// whose requests ahead were left untaken, then computes right. Under the watchdog.
#[test]
fn remote_reads_nested_and_after_a_panic() {
    let Some(url) = bucket_url("ok", "nested.zarr") else {
        return;
    };
    common::with_watchdog("S3 reads nested and after a panic", move || {
        let x = sample();
        x.to_zarr_url(&url, ZarrOptions::default().chunks([4, 4]))
            .unwrap();
        let want = x.compute().unwrap();
        let total: u64 = want.iter().map(|&v| u64::from(v)).sum();
        let outer = Array::<u8>::zeros(&[3], [1]).unwrap();
        let inner_url = url.clone();
        let sums = outer.map_blocks(move |b| {
            let remote = Array::<u16>::from_zarr_url(&inner_url).unwrap();
            let sum: u64 = remote
                .compute()
                .unwrap()
                .iter()
                .map(|&v| u64::from(v))
                .sum();
            b.mapv(|_| sum)
        });
        let got = sums.compute_with(&Scheduler::threads(2)).unwrap();
        assert!(got.iter().all(|&s| s == total), "{got:?}");

        let remote = Array::<u16>::from_zarr_url(&url).unwrap();
        let failing = remote.map(|v| {
            assert!(v != 50, "a closure panics on cell 50");
            v
        });
        for s in [Scheduler::synchronous(), Scheduler::threads(3)] {
            assert!(failing.compute_with(&s).is_err());
            assert_eq!(
                remote.compute_with(&s).unwrap(),
                want,
                "after a panic, {s:?}"
            );
        }
    });
}

#[test]
fn remote_missing_chunks_read_as_the_fill_value() {
    let Some(url) = bucket_url("ok", "sparse.zarr") else {
        return;
    };
    // Chunk (1, 1) holds only the fill value, so no object is written for it.
    let x = sample().map(|v| {
        if (4..8).contains(&((v - 1) / 12)) && (4..8).contains(&((v - 1) % 12)) {
            7
        } else {
            v
        }
    });
    x.to_zarr_url(&url, ZarrOptions::default().chunks([4, 4]).fill_value(7))
        .unwrap();
    let puts: Vec<String> = requests()
        .into_iter()
        .filter(|(m, p)| m == "PUT" && p.contains("/sparse.zarr/c/"))
        .map(|(_, p)| p)
        .collect();
    assert_eq!(puts.len(), 8, "{puts:?}");
    assert!(!puts.iter().any(|p| p.ends_with("/c/1/1")), "{puts:?}");
    assert!(!keys("sparse.zarr/").contains(&"sparse.zarr/c/1/1".to_string()));
    assert_eq!(
        Array::<u16>::from_zarr_url(&url)
            .unwrap()
            .compute()
            .unwrap(),
        x.compute().unwrap()
    );
}

#[test]
fn remote_a_new_layout_replaces_the_old_store_and_empty_arrays_round_trip() {
    let Some(url) = bucket_url("ok", "relayout.zarr") else {
        return;
    };
    sample()
        .to_zarr_url(&url, ZarrOptions::default().chunks([2, 2]))
        .unwrap();
    let y = Array::<f64>::from_fn(&[5], [2], |i| i[0] as f64 / 2.0).unwrap();
    y.to_zarr_url(&url, ZarrOptions::default()).unwrap();
    let back = Array::<f64>::from_zarr_url(&url).unwrap();
    assert_eq!(back.compute().unwrap(), y.compute().unwrap());
    // The old array's 30 chunks are gone, not left beside the new ones.
    assert_eq!(
        keys("relayout.zarr/"),
        [
            "relayout.zarr/c/0",
            "relayout.zarr/c/1",
            "relayout.zarr/c/2",
            "relayout.zarr/zarr.json"
        ]
    );
    for (shape, name) in [(vec![0usize, 5], "empty.zarr"), (vec![], "scalar.zarr")] {
        let url = bucket_url("ok", name).unwrap();
        let z = Array::<i32>::full(&shape, shape.clone(), 3).unwrap();
        z.to_zarr_url(&url, ZarrOptions::default()).unwrap();
        let back = Array::<i32>::from_zarr_url(&url)
            .unwrap()
            .compute()
            .unwrap();
        assert_eq!(back, z.compute().unwrap(), "shape {shape:?}");
    }
}

#[test]
fn remote_bad_urls_and_missing_stores_are_errors() {
    let Some(url) = bucket_url("ok", "nothing-here.zarr") else {
        return;
    };
    let bad_store = |r: chunkwise::Result<Array<u8>>| match r {
        Err(e @ Error::BadStore { .. }) => e.to_string(),
        other => panic!("expected BadStore, got {other:?}"),
    };
    let e = bad_store(Array::<u8>::from_zarr_url(&url));
    assert!(e.contains("nothing-here.zarr"), "{e}");
    bad_store(Array::<u8>::from_zarr_url("s3://"));
    bad_store(Array::<u8>::from_zarr_url("ftp://example.com/x.zarr"));
    bad_store(Array::<u8>::from_zarr_url("s3://no-such-bucket/x.zarr"));
    let x = Array::<u8>::zeros(&[4], [2]).unwrap();
    let bucket_root = url.rsplit_once('/').unwrap().0;
    let e = x
        .to_zarr_url(bucket_root, ZarrOptions::default())
        .unwrap_err();
    assert!(matches!(e, Error::BadStore { .. }), "{e}");
    let e = x
        .to_zarr_url("https://example.com/x.zarr", ZarrOptions::default())
        .unwrap_err();
    assert!(e.to_string().contains("read-only"), "{e}");
}

#[test]
fn refused_wrong_credentials_are_errors() {
    let Some(url) = bucket_url("refused", "refused.zarr") else {
        return;
    };
    let e = Array::<u16>::from_zarr_url(&url).unwrap_err();
    assert!(matches!(e, Error::BadStore { .. }), "{e}");
    let e = sample()
        .to_zarr_url(&url, ZarrOptions::default())
        .unwrap_err();
    assert!(matches!(e, Error::BadStore { .. }), "{e}");
}
