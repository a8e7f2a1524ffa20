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

/// Disc labels over a 3-D volume: 0 outside, 1..=4 inside four discs per plane.
fn disc_labels(shape: &[usize]) -> Array<u32> {
    Array::from_fn(shape, [7, 16, 16], |i| {
        let (y, x) = (i[1] as i64, i[2] as i64);
        let centres = [(12, 12), (12, 40), (36, 14), (38, 42)];
        centres
            .iter()
            .position(|&(cy, cx)| (y - cy).pow(2) + (x - cx).pow(2) < 90)
            .map_or(0, |k| k as u32 + 1)
    })
    .unwrap()
}

#[test]
fn labels_are_written_beside_the_image_with_its_layout_and_read_back() {
    let dir = temp("labels");
    let path = dir.join("labelled.ome.zarr");
    let image_options = MultiscaleOptions::new(&["z", "y", "x"])
        .unit("micrometer")
        .scale(&[2.0, 0.5, 0.5])
        .levels(3)
        .factors(&[1, 2, 2]);
    let x = volume();
    ome_zarr::write_multiscale(&x, &path, &image_options).unwrap();
    let labels = disc_labels(x.shape());
    let options = ome_zarr::LabelOptions::new()
        .color(1, [255, 0, 0, 255])
        .color(2, [0, 255, 0, 128])
        .property(1, "class", "nucleus")
        .property(1, "area (pixels)", 1200)
        .chunks([8, 16, 16]);
    ome_zarr::write_labels(&labels, &path, "cells", &options).unwrap();
    assert_eq!(ome_zarr::label_names(&path).unwrap(), ["cells"]);
    let back = ome_zarr::open_labels::<u32>(&path, "cells").unwrap();
    let image = ome_zarr::open::<u16>(&path).unwrap();
    assert_eq!(back.multiscale.axes(), image.axes());
    assert_eq!(back.multiscale.levels().len(), 3);
    // Each label level lies over the image level of the same index, and is the mode of its
    // windows (every value a label of its window, never an average).
    let mut want = labels.clone();
    for (k, level) in back.multiscale.levels().iter().enumerate() {
        assert_eq!(level.scale, image.levels()[k].scale, "level {k}");
        assert_eq!(level.array.shape(), image.levels()[k].array.shape());
        if k > 0 {
            want = want.coarsen_trim(&[1, 2, 2], Coarsen::Mode).unwrap();
        }
        assert_eq!(level.array.compute().unwrap(), want.compute().unwrap());
    }
    assert_eq!(back.colors.len(), 2);
    assert_eq!(back.colors[1].rgba, [0, 255, 0, 128]);
    assert_eq!(back.properties[0]["label-value"], 1);
    assert_eq!(back.properties[0]["class"], "nucleus");
    // The image is untouched; a second label image is listed beside the first; writing the
    // first again replaces it.
    assert_eq!(
        ome_zarr::open::<u16>(&path).unwrap().levels()[0]
            .array
            .compute()
            .unwrap(),
        x.compute().unwrap()
    );
    let empty = Array::<u8>::zeros(x.shape(), [20, 50, 57]).unwrap();
    ome_zarr::write_labels(
        &empty,
        &path,
        "empty",
        &ome_zarr::LabelOptions::new().levels(1),
    )
    .unwrap();
    let relabelled = labels.map(|v| if v == 0 { 0 } else { 9 });
    ome_zarr::write_labels(&relabelled, &path, "cells", &options).unwrap();
    assert_eq!(ome_zarr::label_names(&path).unwrap(), ["cells", "empty"]);
    assert_eq!(
        ome_zarr::open_labels::<u32>(&path, "cells")
            .unwrap()
            .multiscale
            .levels()[0]
            .array
            .compute()
            .unwrap(),
        relabelled.compute().unwrap()
    );
    // Rewriting the image keeps its labels.
    ome_zarr::write_multiscale(&x, &path, &image_options).unwrap();
    assert_eq!(ome_zarr::label_names(&path).unwrap(), ["cells", "empty"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ome_zarr_py_reads_our_labels() {
    if !python_ready() {
        return;
    }
    let dir = temp("labels-interop");
    let path = dir.join("labelled.ome.zarr");
    let x = volume();
    let options = MultiscaleOptions::new(&["z", "y", "x"])
        .unit("micrometer")
        .levels(2)
        .factors(&[1, 2, 2]);
    ome_zarr::write_multiscale(&x, &path, &options).unwrap();
    let labels = disc_labels(x.shape());
    let label_options = ome_zarr::LabelOptions::new()
        .color(3, [10, 20, 30, 255])
        .property(3, "class", "cell");
    ome_zarr::write_labels(&labels, &path, "cells", &label_options).unwrap();
    run("labels", &dir);
    let mut want = labels.compute().unwrap();
    for k in 0..2 {
        assert_eq!(
            npy::<u32>(dir.join(format!("cells_{k}.npy"))),
            want,
            "level {k}"
        );
        want = labels
            .coarsen_trim(&[1, 2, 2], Coarsen::Mode)
            .unwrap()
            .compute()
            .unwrap();
    }
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("cells_meta.json")).unwrap())
            .unwrap();
    assert_eq!(meta["levels"], 2);
    assert_eq!(meta["image-label"]["colors"][0]["label-value"], 3);
    assert_eq!(meta["image-label"]["properties"][0]["class"], "cell");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn labels_are_never_averaged_by_default() {
    let dir = temp("label-refusals");
    let labels = disc_labels(&[8, 48, 56]);
    // write_multiscale's default (Mean) on an integer image named as labels: refused.
    let e = ome_zarr::write_multiscale(
        &labels,
        dir.join("nuclei_labels.ome.zarr"),
        &MultiscaleOptions::new(&["z", "y", "x"]),
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            Error::InvalidParameter {
                name: "downsample",
                ..
            }
        ) && e.to_string().contains("Coarsen::Mode"),
        "{e}"
    );
    assert!(!dir.join("nuclei_labels.ome.zarr").exists());
    let named = MultiscaleOptions::new(&["z", "y", "x"]).name("Labels of nuclei");
    assert!(ome_zarr::write_multiscale(&labels, dir.join("a"), &named).is_err());
    // Chosen explicitly, either way, it is written; so is an integer image not named labels.
    let mode = named.clone().downsample(Downsample::Coarsen(Coarsen::Mode));
    ome_zarr::write_multiscale(&labels, dir.join("b"), &mode).unwrap();
    let mean = named.downsample(Downsample::Coarsen(Coarsen::Mean));
    ome_zarr::write_multiscale(&labels, dir.join("c"), &mean).unwrap();
    ome_zarr::write_multiscale(
        &labels,
        dir.join("d"),
        &MultiscaleOptions::new(&["z", "y", "x"]),
    )
    .unwrap();
    // write_labels refuses what OME-Zarr labels cannot be.
    let image = dir.join("image");
    ome_zarr::write_multiscale(
        &volume(),
        &image,
        &MultiscaleOptions::new(&["z", "y", "x"]).levels(2),
    )
    .unwrap();
    let opts = ome_zarr::LabelOptions::new();
    let floats = Array::<f32>::zeros(&[20, 50, 57], [20, 50, 57]).unwrap();
    let small = Array::<u8>::zeros(&[20, 50, 56], [20, 50, 56]).unwrap();
    let fine = Array::<u8>::zeros(&[20, 50, 57], [20, 50, 57]).unwrap();
    for (what, got) in [
        (
            "floats",
            ome_zarr::write_labels(&floats, &image, "f", &opts),
        ),
        ("shape", ome_zarr::write_labels(&small, &image, "s", &opts)),
        ("name", ome_zarr::write_labels(&fine, &image, "a/b", &opts)),
        (
            "levels",
            ome_zarr::write_labels(&fine, &image, "l", &opts.clone().levels(3)),
        ),
        (
            "no image",
            ome_zarr::write_labels(&fine, dir.join("none"), "x", &opts),
        ),
    ] {
        assert!(got.is_err(), "{what}");
    }
    assert!(ome_zarr::label_names(&image).unwrap().is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}
