//! Interoperability with zarr-python, dask and numpy, through `scripts/zarr_interop.py`.
//!
//! Needs `python3` with `zarr` (3.x), `numcodecs`, `dask` and `numpy`; `.ci/run` installs them
//! and sets `CHUNKWISE_REQUIRE_PYTHON=1`, under which a missing Python is a failure. Elsewhere
//! the test says it was skipped.
#![cfg(feature = "zarr")]

mod common;

use std::path::Path;

use chunkwise::io::zarr::{Compression, ZarrElement, ZarrOptions};
use chunkwise::{Array, Scheduler};

fn python_ready() -> bool {
    common::python_ready("zarr, numcodecs, dask, numpy")
}

use chunkwise::fft::Complex;

fn run(mode: &str, dir: &Path) {
    common::run_script("zarr_interop.py", mode, dir);
}

/// value(i, j, k) = 100 i + 10 j + k, as in the script.
fn value(idx: &[usize]) -> i64 {
    idx.iter()
        .zip([100, 10, 1])
        .map(|(&i, w)| i as i64 * w)
        .sum()
}

fn make<T: ZarrElement>(shape: &[usize], chunks: &[usize], f: fn(i64) -> T) -> Array<T> {
    Array::from_fn(shape, chunks, move |i| f(value(i))).unwrap()
}

fn check_read<T: ZarrElement + PartialEq + std::fmt::Debug>(
    got: Array<T>,
    shape: &[usize],
    f: fn(i64) -> T,
) {
    let expected = ndarray::ArrayD::from_shape_fn(shape, |i| f(value(i.slice())));
    use ndarray::Dimension as _;
    assert_eq!(got.compute().unwrap(), expected);
}

#[test]
fn zarr_python_dask_and_numpy_read_ours_and_we_read_theirs() {
    if !python_ready() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("chunkwise-interop-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let s = Scheduler::threads(2);
    let zstd = ZarrOptions::default();
    make::<f64>(&[7, 6, 5], &[3, 4, 5], |v| v as f64)
        .to_zarr_with(dir.join("f64_zstd"), zstd.clone(), &s)
        .unwrap();
    make::<i32>(&[9, 4], &[4, 4], |v| v as i32)
        .to_zarr_with(
            dir.join("i32_raw"),
            ZarrOptions::default().compression(Compression::None),
            &s,
        )
        .unwrap();
    make::<bool>(&[5, 5], &[2, 5], |v| v % 3 == 0)
        .to_zarr_with(
            dir.join("bool_gzip"),
            ZarrOptions::default().compression(Compression::Gzip { level: 6 }),
            &s,
        )
        .unwrap();
    make::<u16>(&[10], &[3], |v| v as u16)
        .to_zarr_with(dir.join("u16_zstd"), ZarrOptions::default(), &s)
        .unwrap();
    make::<u16>(&[9, 10], &[5, 5], |v| v as u16)
        .to_zarr_with(
            dir.join("u16_sharded"),
            ZarrOptions::default().chunks([2, 3]).shards(&[4, 6]),
            &s,
        )
        .unwrap();
    make::<f32>(&[6, 7], &[4, 4], |v| v as f32)
        .to_npy(dir.join("f32.npy"))
        .unwrap();
    make::<Complex<f64>>(&[7, 6], &[3, 4], c128)
        .to_zarr_with(dir.join("c128_zstd"), ZarrOptions::default(), &s)
        .unwrap();
    make::<Complex<f32>>(&[5, 4], &[2, 3], c64)
        .to_zarr_with(
            dir.join("c64_raw"),
            ZarrOptions::default().compression(Compression::None),
            &s,
        )
        .unwrap();
    make::<Complex<f64>>(&[4, 3], &[3, 3], c128)
        .to_npy(dir.join("c128.npy"))
        .unwrap();
    run("check", &dir);

    let theirs = dir.join("theirs");
    std::fs::create_dir_all(&theirs).unwrap();
    run("write", &theirs);
    check_read(
        Array::<f32>::from_zarr(theirs.join("v3_f32")).unwrap(),
        &[11, 7, 3],
        |v| v as f32,
    );
    let v2 = Array::<i64>::from_zarr(theirs.join("v2_i64_blosc")).unwrap();
    assert_eq!(v2.chunks(), &[vec![5, 4], vec![3, 3, 2]]);
    check_read(v2, &[9, 8], |v| v);
    check_read(
        Array::<u8>::from_zarr(theirs.join("v2_u8_zstd")).unwrap(),
        &[6, 5],
        |v| v as u8,
    );
    // Sharded: one block per shard, read whole; or cut finer.
    let sharded = Array::<i32>::from_zarr(theirs.join("v3_i32_sharded")).unwrap();
    assert_eq!(sharded.chunks(), &[vec![4, 4, 3], vec![6, 3]]);
    check_read(sharded, &[11, 9], |v| v as i32);
    check_read(
        Array::<i32>::from_zarr_with_chunks(theirs.join("v3_i32_sharded"), [3, 2]).unwrap(),
        &[11, 9],
        |v| v as i32,
    );
    check_read(
        Array::<f64>::from_npy(theirs.join("f64.npy"), [2, 4, 3]).unwrap(),
        &[5, 4, 3],
        |v| v as f64,
    );
    check_read(
        Array::<bool>::from_npy(theirs.join("bool.npy"), [5]).unwrap(),
        &[13],
        |v| v % 3 == 0,
    );
    check_read(
        Array::<Complex<f64>>::from_zarr(theirs.join("v3_c128")).unwrap(),
        &[6, 7],
        c128,
    );
    check_read(
        Array::<Complex<f32>>::from_zarr(theirs.join("v3_c64")).unwrap(),
        &[5, 4],
        c64,
    );
    check_read(
        Array::<Complex<f32>>::from_npy(theirs.join("c64.npy"), [2, 5]).unwrap(),
        &[3, 5],
        c64,
    );
    // A complex store is not read as another type.
    assert!(Array::<f64>::from_zarr(theirs.join("v3_c128")).is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The script's complex values: value - value/2 j.
fn c128(v: i64) -> Complex<f64> {
    Complex::new(v as f64, -(v as f64) / 2.0)
}

fn c64(v: i64) -> Complex<f32> {
    Complex::new(v as f32, -(v as f32) / 2.0)
}
