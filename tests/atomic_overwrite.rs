//! A write over an existing store that fails half way leaves what was there readable and
//! unchanged, whatever the new write changes: fill value, codecs, sharding, shape (`to_zarr`),
//! a whole pyramid (`write_multiscale`) or a file (`to_npy`). Each case injects a panic at
//! several points of the new write, then reads the old data back bit for bit.
#![cfg(feature = "zarr")]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chunkwise::io::ome_zarr::{self, MultiscaleOptions};
use chunkwise::io::zarr::{Compression, ZarrOptions};
use chunkwise::{Array, Error, Scheduler};
use common::TempDir;

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, p: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for e in std::fs::read_dir(p).unwrap() {
            let e = e.unwrap().path();
            if e.is_dir() {
                walk(root, &e, out);
            } else {
                out.insert(
                    e.strip_prefix(root).unwrap().to_path_buf(),
                    std::fs::read(&e).unwrap(),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The layouts a store is written with: each pair differs in what a reader of the old chunks
/// depends on.
fn layouts() -> Vec<(&'static str, ZarrOptions<i32>)> {
    vec![
        ("zstd", ZarrOptions::default().chunks([8, 8])),
        (
            "none",
            ZarrOptions::default()
                .chunks([8, 8])
                .compression(Compression::None),
        ),
        (
            "gzip",
            ZarrOptions::default()
                .chunks([8, 8])
                .compression(Compression::Gzip { level: 5 }),
        ),
        (
            "fill -1",
            ZarrOptions::default().chunks([8, 8]).fill_value(-1),
        ),
        (
            "sharded",
            ZarrOptions::default().chunks([4, 4]).shards(&[8, 8]),
        ),
        ("other chunks", ZarrOptions::default().chunks([5, 7])),
    ]
}

/// `x` whose `fail_at`-th block call panics.
fn failing(x: &Array<i32>, fail_at: usize) -> Array<i32> {
    let calls = Arc::new(AtomicUsize::new(0));
    x.map_blocks(move |b| {
        if calls.fetch_add(1, Ordering::SeqCst) == fail_at {
            panic!("injected at block call {fail_at}");
        }
        b.mapv(|v| v * 3 + 1)
    })
}

/// The old array: zeros (the default fill value) in its top rows, so some of its chunks are
/// never stored and read as the fill value; a failed overwrite must not change what they read as.
fn old_array() -> Array<i32> {
    Array::<i32>::from_fn(&[20, 18], [8, 8], |i| {
        if i[0] < 8 {
            0
        } else {
            (i[0] * 18 + i[1]) as i32
        }
    })
    .unwrap()
}

#[test]
fn a_failed_overwrite_leaves_the_old_store_whatever_the_new_options() {
    common::with_watchdog("failed overwrites", failed_overwrites);
}

fn failed_overwrites() {
    let dir = TempDir::new("zarr");
    let old = old_array();
    let want = old.compute().unwrap();
    // 3 x 3 blocks of the source: the first call, one in the middle and the last.
    let points = [0, 4, 8];
    for (old_name, old_options) in layouts() {
        for (new_name, new_options) in layouts() {
            if old_name == new_name {
                continue;
            }
            for &at in &points {
                for s in [Scheduler::synchronous(), Scheduler::threads(2)] {
                    let what = format!("{old_name} -> {new_name}, panic at {at}, {s:?}");
                    let p = dir.0.join("z");
                    let _ = std::fs::remove_dir_all(&p);
                    old.to_zarr(&p, old_options.clone()).unwrap();
                    let before = snapshot(&p);
                    let err = failing(&old, at)
                        .to_zarr_with(&p, new_options.clone(), &s)
                        .unwrap_err();
                    assert!(matches!(err, Error::TaskPanicked { .. }), "{what}: {err}");
                    assert_eq!(snapshot(&p), before, "{what}: the store's files changed");
                    let back = Array::<i32>::from_zarr(&p)
                        .and_then(|x| x.compute())
                        .unwrap_or_else(|e| panic!("{what}: unreadable: {e}"));
                    assert_eq!(back, want, "{what}");
                    // Nothing is left beside the store.
                    let beside: Vec<_> = std::fs::read_dir(&dir.0)
                        .unwrap()
                        .map(|e| e.unwrap().file_name())
                        .collect();
                    assert_eq!(beside, ["z"], "{what}: left beside the store");
                }
            }
            // The same overwrite without the fault: the new store, whole.
            let p = dir.0.join("z");
            failing(&old, usize::MAX)
                .to_zarr(&p, new_options.clone())
                .unwrap();
            let back = Array::<i32>::from_zarr(&p).unwrap().compute().unwrap();
            assert_eq!(back, want.mapv(|v| v * 3 + 1), "{old_name} -> {new_name}");
        }
    }
}

#[test]
fn a_failed_overwrite_of_another_shape_or_type_leaves_the_old_store() {
    let dir = TempDir::new("shape");
    let p = dir.0.join("z");
    let old = old_array();
    old.to_zarr(&p, ZarrOptions::default()).unwrap();
    let before = snapshot(&p);
    let bigger = Array::<i32>::zeros(&[30, 30], [10, 10]).unwrap();
    let err = failing(&bigger, 5)
        .to_zarr(&p, ZarrOptions::default())
        .unwrap_err();
    assert!(matches!(err, Error::TaskPanicked { .. }), "{err}");
    assert_eq!(snapshot(&p), before);
    let floats = Array::<f64>::ones(&[4], [2])
        .unwrap()
        .map_blocks(|_| -> ndarray::ArrayD<f64> { panic!("no floats today") });
    assert!(floats.to_zarr(&p, ZarrOptions::default()).is_err());
    assert_eq!(snapshot(&p), before);
    assert_eq!(
        Array::<i32>::from_zarr(&p).unwrap().compute().unwrap(),
        old.compute().unwrap()
    );
}

/// An array read from a store and written back over it, with other codecs: every block is read
/// from the old chunks, never from the half-written new ones.
#[test]
fn an_array_written_over_the_store_it_reads_from() {
    let dir = TempDir::new("self");
    let p = dir.0.join("z");
    let old = old_array();
    old.to_zarr(&p, ZarrOptions::default().chunks([8, 8]))
        .unwrap();
    let x = Array::<i32>::from_zarr(&p).unwrap();
    // Rows reversed: each new chunk reads old chunks that other tasks overwrite.
    let y = x.slice(ndarray::s![..;-1, ..]).unwrap().map(|v| v + 1);
    y.to_zarr_with(
        &p,
        ZarrOptions::default()
            .chunks([5, 5])
            .compression(Compression::None),
        &Scheduler::threads(2),
    )
    .unwrap();
    let want = old
        .compute()
        .unwrap()
        .slice(ndarray::s![..;-1, ..])
        .mapv(|v| v + 1)
        .into_dyn();
    assert_eq!(
        Array::<i32>::from_zarr(&p).unwrap().compute().unwrap(),
        want
    );
}

#[test]
fn a_failed_pyramid_overwrite_leaves_the_old_pyramid_and_labels_stay() {
    let dir = TempDir::new("pyramid");
    let p = dir.0.join("image.ome.zarr");
    let old = old_array();
    let old_options = MultiscaleOptions::new(&["y", "x"]).levels(2).chunks([8, 8]);
    ome_zarr::write_multiscale(&old, &p, &old_options).unwrap();
    // A labels group beside the levels, as an image holds.
    old.to_zarr(p.join("labels").join("cells"), ZarrOptions::default())
        .unwrap();
    let before = snapshot(&p);
    let new_options = MultiscaleOptions::new(&["y", "x"])
        .levels(3)
        .chunks([4, 4])
        .compression(Compression::None)
        .shards(&[8, 8]);
    for at in [0, 4, 8] {
        for s in [Scheduler::synchronous(), Scheduler::threads(2)] {
            let err = ome_zarr::write_multiscale_with(&failing(&old, at), &p, &new_options, &s)
                .unwrap_err();
            assert!(matches!(err, Error::TaskPanicked { .. }), "{err}");
            assert_eq!(snapshot(&p), before, "panic at {at}, {s:?}");
            let back = ome_zarr::open::<i32>(&p).unwrap();
            assert_eq!(back.levels().len(), 2);
            assert_eq!(
                back.levels()[0].array.compute().unwrap(),
                old.compute().unwrap()
            );
        }
    }
    assert_eq!(std::fs::read_dir(&dir.0).unwrap().count(), 1, "left beside");
    // Without the fault: the new pyramid, with the labels group kept.
    ome_zarr::write_multiscale(&failing(&old, usize::MAX), &p, &new_options).unwrap();
    let back = ome_zarr::open::<i32>(&p).unwrap();
    assert_eq!(back.levels().len(), 3);
    assert_eq!(
        back.levels()[0].array.compute().unwrap(),
        old.compute().unwrap().mapv(|v| v * 3 + 1)
    );
    assert_eq!(
        Array::<i32>::from_zarr(p.join("labels").join("cells"))
            .unwrap()
            .compute()
            .unwrap(),
        old.compute().unwrap()
    );
}

#[test]
fn a_failed_npy_overwrite_leaves_the_old_file() {
    let dir = TempDir::new("npy");
    let p = dir.0.join("x.npy");
    let old = old_array();
    old.to_npy(&p).unwrap();
    let before = std::fs::read(&p).unwrap();
    for at in [0, 4, 8] {
        for s in [Scheduler::synchronous(), Scheduler::threads(2)] {
            let err = failing(&old, at).to_npy_with(&p, &s).unwrap_err();
            assert!(matches!(err, Error::TaskPanicked { .. }), "{err}");
            assert_eq!(std::fs::read(&p).unwrap(), before, "panic at {at}, {s:?}");
        }
    }
    assert_eq!(std::fs::read_dir(&dir.0).unwrap().count(), 1, "left beside");
}
