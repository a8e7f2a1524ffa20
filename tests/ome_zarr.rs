//! OME-Zarr pyramids: ours read by ome-zarr-py and validated by ome-zarr-models, theirs read
//! by us (through `scripts/ome_zarr_interop.py`), every level equal; levels equal to the same
//! coarsening done in memory; bad options and stores are errors.
//!
//! The Python side needs `ome-zarr`, `ome-zarr-models`, `zarr` 3 and `numpy`; `.ci/run`
//! installs them and sets `CHUNKWISE_REQUIRE_PYTHON=1`, under which a missing package is a
//! failure. Elsewhere those two tests say they were skipped.
#![cfg(feature = "zarr")]

mod common;

use std::path::{Path, PathBuf};

use chunkwise::io::ome_zarr::{self, AxisKind, Downsample, MultiscaleOptions};
use chunkwise::{Array, Coarsen, Error, Scheduler};
use ndarray::ArrayD;

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("chunkwise-ome-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn python_ready() -> bool {
    common::python_ready("ome_zarr, ome_zarr_models, zarr, numpy")
}

fn run(mode: &str, dir: &Path) {
    common::run_script("ome_zarr_interop.py", mode, dir);
}

fn npy<T: chunkwise::io::npy::NpyElement>(path: PathBuf) -> ArrayD<T> {
    Array::<T>::from_npy(path, usize::MAX)
        .unwrap()
        .compute()
        .unwrap()
}

fn volume() -> Array<u16> {
    Array::from_fn(&[20, 50, 57], [7, 16, 16], |i| {
        ((i[0] * 131 + i[1] * 17 + i[2] * 3) % 1000) as u16
    })
    .unwrap()
}

#[test]
fn ome_zarr_py_reads_ours_and_we_read_theirs() {
    if !python_ready() {
        return;
    }
    let dir = temp("interop");
    let options = MultiscaleOptions::new(&["z", "y", "x"])
        .unit("micrometer")
        .scale(&[2.0, 0.5, 0.5])
        .levels(3)
        .factors(&[1, 2, 2])
        .chunks([8, 16, 16])
        .shards(&[16, 32, 32]);
    let x = volume();
    ome_zarr::write_multiscale_with(
        &x,
        dir.join("ours.ome.zarr"),
        &options,
        &Scheduler::threads(2),
    )
    .unwrap();
    run("read", &dir);
    let ours = ome_zarr::open::<u16>(dir.join("ours.ome.zarr")).unwrap();
    assert_eq!(ours.levels().len(), 3);
    let mut expected = x.clone();
    for (k, level) in ours.levels().iter().enumerate() {
        if k > 0 {
            expected = expected.coarsen_trim(&[1, 2, 2], Coarsen::Mean).unwrap();
        }
        let theirs: ArrayD<u16> = npy(dir.join(format!("ours_{k}.npy")));
        assert_eq!(
            theirs,
            expected.compute().unwrap(),
            "level {k} as ome-zarr-py reads it"
        );
        assert_eq!(
            level.array.compute().unwrap(),
            theirs,
            "level {k} as we read it"
        );
        let f = (1 << k) as f64;
        assert_eq!(level.scale, vec![2.0, 0.5 * f, 0.5 * f]);
        assert_eq!(
            level.translation,
            vec![0.0, (f - 1.0) / 2.0 * 0.5, (f - 1.0) / 2.0 * 0.5]
        );
    }
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("ours_meta.json")).unwrap())
            .unwrap();
    assert_eq!(meta["levels"], 3);
    assert_eq!(meta["axes"][2]["unit"], "micrometer");

    run("write", &dir);
    let theirs = ome_zarr::open::<u16>(dir.join("theirs.ome.zarr")).unwrap();
    assert_eq!(theirs.levels().len(), 3);
    assert_eq!(theirs.axes()[0].kind, AxisKind::Space);
    assert_eq!(theirs.axes()[0].unit.as_deref(), Some("micrometer"));
    for (k, level) in theirs.levels().iter().enumerate() {
        let want: ArrayD<u16> = npy(dir.join(format!("theirs_{k}.npy")));
        assert_eq!(level.array.compute().unwrap(), want, "their level {k}");
        let f = (1 << k) as f64;
        assert_eq!(level.scale, vec![1.0, f, f], "their level {k}'s scale");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Each level equals the same downsampling of the level before, done in memory, whatever the
/// input's blocks; `Coarsen::Mode` keeps label values; the Gaussian keeps the shape rule.
#[test]
fn levels_equal_the_downsampling_done_in_memory() {
    let dir = temp("levels");
    let labels =
        Array::from_fn(&[33, 40], [10, 7], |i| ((i[0] / 5) * 8 + i[1] / 6) as u32).unwrap();
    let options = MultiscaleOptions::new(&["y", "x"])
        .levels(4)
        .downsample(Downsample::Coarsen(Coarsen::Mode))
        .chunks(9);
    ome_zarr::write_multiscale(&labels, dir.join("labels"), &options).unwrap();
    let pyramid = ome_zarr::open::<u32>(dir.join("labels")).unwrap();
    let mut expected = labels.clone();
    for (k, level) in pyramid.levels().iter().enumerate() {
        if k > 0 {
            expected = expected.coarsen_trim(&[2, 2], Coarsen::Mode).unwrap();
        }
        assert_eq!(
            level.array.compute().unwrap(),
            expected.compute().unwrap(),
            "level {k}"
        );
        assert_eq!(level.path, k.to_string());
    }
    assert_eq!(pyramid.levels()[3].array.shape(), &[4, 5]);

    let image = Array::from_fn(&[30, 41], [8, 8], |i| (i[0] * 41 + i[1]) as f64).unwrap();
    let options = MultiscaleOptions::new(&["y", "x"])
        .levels(3)
        .downsample(Downsample::Gaussian);
    ome_zarr::write_multiscale(&image, dir.join("gauss"), &options).unwrap();
    let pyramid = ome_zarr::open::<f64>(dir.join("gauss")).unwrap();
    let shapes: Vec<Vec<usize>> = pyramid
        .levels()
        .iter()
        .map(|l| l.array.shape().to_vec())
        .collect();
    assert_eq!(shapes, vec![vec![30, 41], vec![15, 20], vec![7, 10]]);
    // A linear ramp stays linear under a Gaussian away from the edges: level 1's interior
    // samples are level 0's values at the even positions.
    let one = pyramid.levels()[1].array.compute().unwrap();
    for (i, j) in [(5, 5), (7, 9), (3, 12)] {
        let want = (2 * i * 41 + 2 * j) as f64;
        assert!(
            (one[[i, j]] - want).abs() < 1e-9,
            "({i}, {j}): {} != {want}",
            one[[i, j]]
        );
    }
    assert_eq!(pyramid.levels()[2].translation, vec![0.0, 0.0]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_options_and_stores_are_errors() {
    let dir = temp("bad");
    let x = Array::<u8>::zeros(&[16, 16], [8, 8]).unwrap();
    let bad = |options: MultiscaleOptions| {
        let e = ome_zarr::write_multiscale(&x, dir.join("p"), &options).unwrap_err();
        assert!(matches!(e, Error::InvalidParameter { .. }), "{e}");
        e.to_string()
    };
    assert!(bad(MultiscaleOptions::new(&["z", "y", "x"])).contains("axes"));
    assert!(bad(MultiscaleOptions::new(&["x", "x"])).contains("distinct"));
    assert!(bad(MultiscaleOptions::new(&["y", "t"])).contains("time"));
    assert!(bad(MultiscaleOptions::new(&["y", "x"]).levels(0)).contains("levels"));
    assert!(bad(MultiscaleOptions::new(&["y", "x"]).levels(6)).contains("at least one cell"));
    assert!(bad(MultiscaleOptions::new(&["y", "x"]).scale(&[1.0, -1.0])).contains("scale"));
    assert!(bad(MultiscaleOptions::new(&["y", "x"]).factors(&[2, 0])).contains("factor"));
    // Nothing was written for a refused pyramid.
    assert!(!dir.join("p").exists());

    let e = ome_zarr::open::<u8>(&dir).unwrap_err();
    assert!(matches!(e, Error::BadStore { .. }), "{e}");
    ome_zarr::write_multiscale(&x, dir.join("q"), &MultiscaleOptions::new(&["y", "x"])).unwrap();
    let e = ome_zarr::open::<f32>(dir.join("q")).unwrap_err();
    assert!(matches!(e, Error::DtypeMismatch { .. }), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}
