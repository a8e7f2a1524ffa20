//! Reading a Zarr store from S3 over loopback against reading the same store from local disk:
//! 64 MiB of f64 (2048 x 4096) in 1 MiB chunks (256 x 512), uncompressed and zstd, summed on
//! `threads(2)` (and from S3 also on `threads(8)`: more requests in flight), in one run. The server is moto's (`scripts/s3_server.py`, started here, warm:
//! every chunk is read once before timing); it runs in Python, so its cost per request is part
//! of what is measured.
//!
//! `cargo bench --features s3 --bench s3` (needs `pip install "moto[s3]" flask flask-cors boto3`)
//!
//! Credentials reach the client through the environment, which a running process should not
//! change; so the benchmark starts the server, then runs itself again with the variables set.
//! To measure another server instead (MinIO, s3s-fs, AWS itself), set the usual `AWS_*`
//! variables and `CHUNKWISE_S3_BUCKET` to a bucket that exists there.

use std::io::BufRead;
use std::process::{Command, Stdio};

use chunkwise::io::zarr::{Compression, ZarrOptions};
use chunkwise::{Array, Scheduler};
use criterion::{Criterion, Throughput};

fn main() {
    if std::env::var("CHUNKWISE_S3_BUCKET").is_err() {
        relaunch_with_server();
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    read(&mut c);
    c.final_summary();
}

/// Starts the S3 server, then this benchmark again with its address and key in the environment.
fn relaunch_with_server() {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/s3_server.py");
    let mut server = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 starts");
    let mut line = String::new();
    std::io::BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let config: serde_json::Value = serde_json::from_str(&line)
        .unwrap_or_else(|e| panic!("the S3 server printed {line:?}: {e}"));
    let get = |k: &str| config[k].as_str().unwrap().to_string();
    let status = Command::new(std::env::current_exe().unwrap())
        .args(std::env::args().skip(1))
        .env("AWS_ENDPOINT_URL", get("endpoint"))
        .env("AWS_ALLOW_HTTP", "true")
        .env("AWS_REGION", get("region"))
        .env("AWS_ACCESS_KEY_ID", get("key_id"))
        .env("AWS_SECRET_ACCESS_KEY", get("secret"))
        .env("CHUNKWISE_S3_BUCKET", get("bucket"))
        .status()
        .unwrap();
    let _ = server.kill();
    let _ = server.wait();
    assert!(status.success(), "the benchmark failed");
}

fn read(c: &mut Criterion) {
    let bucket = std::env::var("CHUNKWISE_S3_BUCKET").unwrap();
    let dir = std::env::temp_dir().join(format!("chunkwise-bench-s3-{}", std::process::id()));
    let x = Array::<f64>::from_fn(&[2048, 4096], [256, 512], |i| {
        ((i[0] * 4096 + i[1]) % 100_000) as f64 * 1e-3
    })
    .unwrap();
    let s = Scheduler::threads(2);
    let eight = Scheduler::threads(8);
    for (name, compression) in [
        ("raw", Compression::None),
        ("zstd3", Compression::Zstd { level: 3 }),
    ] {
        let options = ZarrOptions::default().compression(compression);
        let path = dir.join(name);
        let url = format!("s3://{bucket}/{name}.zarr");
        x.to_zarr_with(&path, options.clone(), &s).unwrap();
        x.to_zarr_url_with(&url, options, &s).unwrap();
        let local = Array::<f64>::from_zarr(&path).unwrap().sum();
        let remote = Array::<f64>::from_zarr_url(&url).unwrap().sum();
        let want = local.compute_scalar_with(&s).unwrap();
        assert_eq!(remote.compute_scalar_with(&s).unwrap(), want);
        let mut g = c.benchmark_group(format!("zarr_read_64MiB_{name}"));
        g.sample_size(10);
        g.throughput(Throughput::Bytes(64 << 20));
        g.bench_function("local_disk", |b| {
            b.iter(|| local.compute_scalar_with(&s).unwrap())
        });
        g.bench_function("s3_loopback", |b| {
            b.iter(|| remote.compute_scalar_with(&s).unwrap())
        });
        // A server with a high latency per request wants more requests in flight than there
        // are cores: one per worker thread.
        g.bench_function("s3_loopback_threads8", |b| {
            b.iter(|| remote.compute_scalar_with(&eight).unwrap())
        });
        g.finish();
    }
    let _ = std::fs::remove_dir_all(&dir);
}
