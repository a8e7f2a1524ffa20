//! `io::imread` against stacks written by tifffile and Pillow (`scripts/imread_fixtures.py`),
//! and PNG stacks written here; odd and truncated files are errors naming the file.
//!
//! The Python side needs `tifffile`, `Pillow` and `numpy`; `.ci/run` installs them and sets
//! `CHUNKWISE_REQUIRE_PYTHON=1`, under which a missing package is a failure.
#![cfg(feature = "imread")]

mod common;

use std::path::PathBuf;

use chunkwise::io::imread::imread;
use chunkwise::{Array, Error};
use ndarray::ArrayD;

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("chunkwise-imread-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn npy<T: chunkwise::io::npy::NpyElement>(path: PathBuf) -> ArrayD<T> {
    Array::<T>::from_npy(path, usize::MAX)
        .unwrap()
        .compute()
        .unwrap()
}

#[test]
fn stacks_written_by_tifffile_and_pillow_read_equal() {
    if !common::python_ready("tifffile, PIL, numpy") {
        return;
    }
    let dir = temp("py");
    common::run_script("imread_fixtures.py", "write", &dir);
    let tif = imread::<u16>(dir.join("tif/frame_*.tif")).unwrap();
    assert_eq!(tif.chunks()[0], vec![1; 5]);
    assert_eq!(tif.compute().unwrap(), npy::<u16>(dir.join("tif.npy")));
    let f32s = imread::<f32>(dir.join("f32/*.tif")).unwrap();
    assert_eq!(f32s.compute().unwrap(), npy::<f32>(dir.join("f32.npy")));
    let png = imread::<u16>(dir.join("png/img?.png")).unwrap();
    assert_eq!(png.compute().unwrap(), npy::<u16>(dir.join("png.npy")));
    // A slice reads only the files it needs: the frames after the odd one are fine alone.
    let odd = imread::<u16>(dir.join("odd/*.tif")).unwrap();
    let e = odd.compute().unwrap_err();
    assert!(
        e.to_string().contains("f1.tif") && e.to_string().contains("8 x 9"),
        "{e}"
    );
    let e = imread::<u16>(dir.join("truncated/*.tif"))
        .unwrap()
        .compute()
        .unwrap_err();
    assert!(
        e.to_string().contains("f1.tif") && e.to_string().contains("truncated"),
        "{e}"
    );
    // The wrong sample type is refused, naming the first file.
    let e = imread::<u8>(dir.join("tif/*.tif")).unwrap_err();
    assert!(
        matches!(e, Error::DtypeMismatch { .. }) && e.to_string().contains("frame_000.tif"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn png_stacks_written_here_read_equal_and_bad_patterns_are_errors() {
    let dir = temp("png");
    let want = ArrayD::from_shape_fn(vec![3, 5, 6], |i| (i[0] * 50 + i[1] * 6 + i[2]) as u8);
    for t in 0..3 {
        let frame = image::GrayImage::from_fn(6, 5, |x, y| {
            image::Luma([want[[t, y as usize, x as usize]]])
        });
        frame.save(dir.join(format!("p{t}.png"))).unwrap();
    }
    let x = imread::<u8>(dir.join("p*.png")).unwrap();
    assert_eq!(x.compute().unwrap(), want);
    assert_eq!(
        imread::<u8>(dir.join("p1.png")).unwrap().shape(),
        &[1, 5, 6]
    );
    let e = imread::<u8>(dir.join("*.tif")).unwrap_err();
    assert!(matches!(e, Error::BadStore { .. }), "{e}");
    image::RgbImage::new(2, 2)
        .save(dir.join("rgb.png"))
        .unwrap();
    let e = imread::<u8>(dir.join("rgb.png")).unwrap_err();
    assert!(
        e.to_string().contains("rgb.png") && e.to_string().contains("grayscale"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
