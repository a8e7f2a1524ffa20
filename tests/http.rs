//! Zarr stores read over HTTP (feature `http`) from Python's `http.server` on loopback,
//! started by the test: equal to the local read, each chunk requested once when read ahead, a
//! slice fetches only its chunks (counted in the server's log), a missing chunk reads as the
//! fill value, and a bad URL is an error.
#![cfg(feature = "http")]

mod common;

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chunkwise::io::ome_zarr::{self, MultiscaleOptions};
use chunkwise::io::zarr::ZarrOptions;
use chunkwise::{Array, Error, Scheduler};

/// `python3 -m http.server` on a free loopback port, serving `dir`, its log in `log`; killed
/// when dropped.
struct Server {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Server {
    fn start(dir: &std::path::Path) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = dir.with_extension("log");
        let child = Command::new("python3")
            .args([
                "-m",
                "http.server",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--directory",
            ])
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("python3 starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "http.server did not start in 20 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Server { child, port, log }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}/{path}", self.port)
    }

    /// How many chunk requests (`GET /<store>/c/...`) the server has logged.
    fn chunk_requests(&self, store: &str) -> usize {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains(&format!("GET /{store}/c/")))
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
fn stores_read_over_http_fetch_only_the_chunks_needed() {
    if !common::python_ready("http.server") {
        return;
    }
    // Under a watchdog: a request that never returns fails the test rather than hanging CI.
    common::with_watchdog("reading over HTTP", || {
        let dir = std::env::temp_dir().join(format!("chunkwise-http-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let x =
            Array::<u16>::from_fn(&[10, 12], [10, 12], |i| (i[0] * 12 + i[1]) as u16 + 1).unwrap();
        x.to_zarr(
            dir.join("store"),
            ZarrOptions::default().chunks([4, 4]).fill_value(7),
        )
        .unwrap();
        // Chunk (2, 2) is removed: it reads as the fill value.
        std::fs::remove_file(dir.join("store/c/2/2")).unwrap();
        let server = Server::start(&dir);
        let s = Scheduler::threads(2);

        let remote = Array::<u16>::from_zarr_url(&server.url("store")).unwrap();
        let mut want = x.compute().unwrap();
        want.slice_mut(ndarray::s![8.., 8..]).fill(7);
        // Read ahead of the tasks, each chunk is still requested once (the missing one too).
        for s in [Scheduler::synchronous(), Scheduler::threads(2)] {
            let before = server.chunk_requests("store");
            assert_eq!(remote.compute_with(&s).unwrap(), want);
            std::thread::sleep(Duration::from_millis(100));
            assert_eq!(server.chunk_requests("store") - before, 9, "under {s:?}");
        }
        // A slice inside chunk (1, 2) fetches that chunk only.
        let before = server.chunk_requests("store");
        let part = remote
            .slice(ndarray::s![5..7, 9..11])
            .unwrap()
            .compute_with(&s)
            .unwrap();
        assert_eq!(
            part,
            want.slice(ndarray::s![5..7, 9..11]).to_owned().into_dyn()
        );
        std::thread::sleep(Duration::from_millis(100)); // the log is written after the reply
        assert_eq!(
            server.chunk_requests("store") - before,
            1,
            "chunk requests for a one-chunk slice"
        );

        let e = Array::<u16>::from_zarr_url(&server.url("nothing-here")).unwrap_err();
        assert!(matches!(e, Error::BadStore { .. }), "{e}");
        let e = Array::<f32>::from_zarr_url(&server.url("store")).unwrap_err();
        assert!(matches!(e, Error::DtypeMismatch { .. }), "{e}");
        assert!(Array::<u16>::from_zarr_url("not a url").is_err());

        // An OME-Zarr pyramid over HTTP: the same levels, scales and data as read from disk.
        let image =
            Array::<u16>::from_fn(&[12, 20], [5, 8], |i| (i[0] * 20 + i[1]) as u16).unwrap();
        let options = MultiscaleOptions::new(&["y", "x"])
            .scale(&[0.5, 2.0])
            .levels(3);
        ome_zarr::write_multiscale(&image, dir.join("pyr.ome.zarr"), &options).unwrap();
        let local = ome_zarr::open::<u16>(dir.join("pyr.ome.zarr")).unwrap();
        let remote = ome_zarr::open_url::<u16>(&server.url("pyr.ome.zarr/")).unwrap();
        assert_eq!(remote.levels().len(), 3);
        common::assert_same_pyramid(&remote, &local);
        let e = ome_zarr::open_url::<u16>(&server.url("store")).unwrap_err();
        assert!(matches!(e, Error::BadStore { .. }), "{e}");
        drop(server);
        std::fs::remove_dir_all(&dir).unwrap();
    });
}
