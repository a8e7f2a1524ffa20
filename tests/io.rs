//! Zarr and `.npy`: round trips against the array written, lazy reads, and faults (a panic in
//! the middle of a write, a corrupt chunk, a wrong element type).
#![cfg(feature = "zarr")]

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chunkwise::io::zarr::{Compression, ZarrElement, ZarrOptions, store};
use chunkwise::{Array, Boundary, Error, Scheduler, ndfilters};
use ndarray::{ArrayD, Dimension, IxDyn, s};
use proptest::prelude::*;

use common::{TempDir, chunking, data, shape};

/// The chunk files of a Zarr v3 store (default key encoding: `c/i/j`).
fn chunk_files(store: &Path) -> Vec<PathBuf> {
    fn walk(p: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(p).unwrap() {
            let e = e.unwrap().path();
            if e.is_dir() {
                walk(&e, out);
            } else {
                out.push(e);
            }
        }
    }
    let mut out = Vec::new();
    let c = store.join("c");
    if c.exists() {
        walk(&c, &mut out);
    }
    out.sort();
    out
}

fn round_trip<T: ZarrElement + chunkwise::io::npy::NpyElement + PartialEq + std::fmt::Debug>(
    a: ArrayD<T>,
    chunks: Vec<Vec<usize>>,
    dir: &TempDir,
) {
    let x = Array::from_ndarray(a.clone(), chunks).unwrap();
    for (i, compression) in [
        Compression::None,
        Compression::Zstd { level: 3 },
        Compression::Gzip { level: 5 },
    ]
    .into_iter()
    .enumerate()
    {
        let p = dir.path(&format!("z{i}"));
        x.to_zarr_with(
            &p,
            ZarrOptions::default().compression(compression),
            &Scheduler::threads(2),
        )
        .unwrap();
        let back = Array::<T>::from_zarr(&p).unwrap();
        assert_eq!(back.shape(), a.shape());
        assert_eq!(back.compute().unwrap(), a, "{compression:?}");
    }
    let p = dir.path("a.npy");
    x.to_npy(&p).unwrap();
    let back = Array::<T>::from_npy(&p, x.chunk_layout().clone()).unwrap();
    assert_eq!(back.compute().unwrap(), a);
}

#[test]
fn every_element_type_round_trips_with_partial_edge_chunks() {
    let dir = TempDir::new("types");
    let shape = [7, 5];
    let chunks = vec![vec![3, 3, 1], vec![2, 2, 1]];
    let f = |i: &[usize]| (i[0] * 5 + i[1]) as u8;
    let idx = |d: IxDyn| f(d.slice());
    round_trip(
        ArrayD::from_shape_fn(IxDyn(&shape), |d| idx(d) as f32 * 0.5),
        chunks.clone(),
        &dir,
    );
    round_trip(
        ArrayD::from_shape_fn(IxDyn(&shape), |d| idx(d) as f64 - 3.25),
        chunks.clone(),
        &dir,
    );
    round_trip(
        ArrayD::from_shape_fn(IxDyn(&shape), |d| idx(d) as i32 - 20),
        chunks.clone(),
        &dir,
    );
    round_trip(
        ArrayD::from_shape_fn(IxDyn(&shape), |d| (idx(d) as i64) << 40),
        chunks.clone(),
        &dir,
    );
    round_trip(
        ArrayD::from_shape_fn(IxDyn(&shape), idx),
        chunks.clone(),
        &dir,
    );
    round_trip(
        ArrayD::from_shape_fn(IxDyn(&shape), |d| idx(d) as u16 * 1000),
        chunks.clone(),
        &dir,
    );
    round_trip(
        ArrayD::from_shape_fn(IxDyn(&shape), |d| idx(d) % 3 == 0),
        chunks.clone(),
        &dir,
    );
    round_trip(
        ArrayD::from_shape_fn(IxDyn(&shape), |d| idx(d) as i8 - 17),
        chunks.clone(),
        &dir,
    );
    round_trip(
        ArrayD::from_shape_fn(IxDyn(&shape), |d| idx(d) as u64 * 7),
        chunks.clone(),
        &dir,
    );
    round_trip(
        ArrayD::from_shape_fn(IxDyn(&shape), |d| idx(d) as u32 * 70_000),
        chunks.clone(),
        &dir,
    );
    round_trip(
        ArrayD::from_shape_fn(IxDyn(&shape), |d| idx(d) as i16 * -300),
        chunks.clone(),
        &dir,
    );
    round_trip(
        ArrayD::from_shape_fn(IxDyn(&shape), |d| (idx(d) as usize) << 36),
        chunks.clone(),
        &dir,
    );
    round_trip(
        ArrayD::from_shape_fn(IxDyn(&shape), |d| -((idx(d) as isize) << 36)),
        chunks,
        &dir,
    );
}

/// What the crate's own operations give can be stored: indices from `argmax_axis` (`usize`)
/// as `uint64`, read back as `usize` or `u64`, also into a region of an existing store.
#[test]
fn indices_are_stored_as_64_bit_integers() {
    let dir = TempDir::new("indices");
    let a = data(&[9, 6], 4);
    let x = Array::from_ndarray(a.clone(), [4, 4]).unwrap();
    let arg = x.argmax_axis(1).unwrap();
    let want = arg.compute().unwrap();
    let p = dir.path("argmax");
    arg.to_zarr(&p, ZarrOptions::default().chunks([4])).unwrap();
    let meta = std::fs::read_to_string(p.join("zarr.json")).unwrap();
    assert!(meta.contains("\"uint64\""), "{meta}");
    assert_eq!(
        Array::<usize>::from_zarr(&p).unwrap().compute().unwrap(),
        want
    );
    let wide = Array::<u64>::from_zarr(&p).unwrap().compute().unwrap();
    assert_eq!(wide, want.mapv(|v| v as u64));
    Array::<usize>::full(&[2], [2], 5)
        .unwrap()
        .to_zarr_region(&p, &[3])
        .unwrap();
    let back = Array::<usize>::from_zarr(&p).unwrap().compute().unwrap();
    assert_eq!((back[[3]], back[[4]], back[[5]]), (5, 5, want[[5]]));
    assert!(Array::<i32>::from_zarr(&p).is_err());
}

#[test]
fn zero_dimensional_and_empty_arrays_round_trip() {
    let dir = TempDir::new("edge");
    round_trip(ndarray::arr0(2.5f64).into_dyn(), vec![], &dir);
    round_trip(
        ArrayD::<f64>::zeros(IxDyn(&[0, 4])),
        vec![vec![0], vec![2, 2]],
        &dir,
    );
    round_trip(
        ArrayD::<i32>::zeros(IxDyn(&[3, 0, 2])),
        vec![vec![2, 1], vec![0], vec![2]],
        &dir,
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    #[test]
    fn random_shapes_and_chunkings_round_trip(
        (a, chunks, store_chunks) in shape().prop_flat_map(|sh| {
            let d = data(&sh, 3);
            let store = proptest::collection::vec(1usize..5, sh.len());
            (Just(d), chunking(sh), store)
        })
    ) {
        let dir = TempDir::new("prop");
        let x = Array::from_ndarray(a.clone(), chunks.clone()).unwrap();
        let p = dir.path("z");
        x.to_zarr(&p, ZarrOptions::default().chunks(&store_chunks)).unwrap();
        let back = Array::<f64>::from_zarr(&p).unwrap();
        prop_assert_eq!(back.compute().unwrap(), a.clone());
        // Read in the writer's blocks, and as .npy.
        let back = Array::<f64>::from_zarr_with_chunks(&p, chunks.clone()).unwrap();
        prop_assert_eq!(back.compute().unwrap(), a.clone());
        let n = dir.path("a.npy");
        x.to_npy(&n).unwrap();
        let back = Array::<f64>::from_npy(&n, chunks).unwrap();
        prop_assert_eq!(back.compute().unwrap(), a);
    }
}

#[test]
fn a_slice_reads_only_the_chunks_it_touches() {
    let dir = TempDir::new("lazy");
    let p = dir.path("z");
    let x = Array::<f64>::from_fn(&[40, 40], [10, 10], |i| (i[0] * 40 + i[1]) as f64).unwrap();
    x.to_zarr(&p, ZarrOptions::default()).unwrap();
    let files = chunk_files(&p);
    assert_eq!(files.len(), 16);
    // Corrupt every chunk but the two that rows 10..20, columns 12..28 touch... and c/1/2.
    let keep = [p.join("c/1/1"), p.join("c/1/2")];
    for f in &files {
        if !keep.contains(f) {
            std::fs::write(f, b"not zstd").unwrap();
        }
    }
    let y = Array::<f64>::from_zarr(&p).unwrap();
    let part = y.slice(s![10..20, 12..28]).unwrap();
    assert_eq!(part.num_tasks(), 2);
    assert_eq!(
        part.compute().unwrap(),
        x.compute()
            .unwrap()
            .slice(s![10..20, 12..28])
            .to_owned()
            .into_dyn()
    );
    // Reading everything meets a corrupt chunk, named by its key.
    let err = y.compute_with(&Scheduler::synchronous()).unwrap_err();
    // A store error, and the codec's own error is kept as its source.
    assert_eq!(err.kind(), chunkwise::ErrorKind::Store);
    assert!(std::error::Error::source(&err).is_some(), "{err:?}");
    match err {
        Error::Chunk { key, path, .. } => {
            assert_eq!(key, "c/0/0");
            assert!(path.ends_with("z"));
        }
        other => panic!("expected a chunk error, got {other}"),
    }
}

#[test]
fn a_missing_chunk_reads_as_the_fill_value() {
    let dir = TempDir::new("missing");
    let p = dir.path("z");
    let x = Array::<i32>::full(&[4, 4], [2, 2], 5).unwrap();
    x.to_zarr(&p, ZarrOptions::default().fill_value(-1))
        .unwrap();
    std::fs::remove_file(p.join("c/1/0")).unwrap();
    let got = Array::<i32>::from_zarr(&p).unwrap().compute().unwrap();
    let mut expected = ArrayD::from_elem(IxDyn(&[4, 4]), 5);
    expected.slice_mut(s![2..4, 0..2]).fill(-1);
    assert_eq!(got, expected);
}

#[test]
fn a_panic_in_the_middle_of_a_write_leaves_each_chunk_old_or_new() {
    let dir = TempDir::new("panic");
    let p = dir.path("z");
    let old = Array::<f64>::full(&[60, 60], [10, 10], 1.0).unwrap();
    old.to_zarr(&p, ZarrOptions::default()).unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let new = old.map_blocks(move |b| {
        if c.fetch_add(1, Ordering::SeqCst) == 17 {
            panic!("disk on fire");
        }
        b.mapv(|_| 2.0)
    });
    let err = new
        .to_zarr_with(&p, ZarrOptions::default(), &Scheduler::threads(2))
        .unwrap_err();
    assert!(matches!(err, Error::TaskPanicked { .. }), "{err}");
    let back = Array::<f64>::from_zarr(&p).unwrap().compute().unwrap();
    let mut olds = 0;
    let mut news = 0;
    for bi in 0..6 {
        for bj in 0..6 {
            let block = back.slice(s![bi * 10..bi * 10 + 10, bj * 10..bj * 10 + 10]);
            if block.iter().all(|&v| v == 1.0) {
                olds += 1;
            } else if block.iter().all(|&v| v == 2.0) {
                news += 1;
            } else {
                panic!("chunk ({bi}, {bj}) is torn");
            }
        }
    }
    assert_eq!(olds + news, 36);
    assert!(olds >= 1, "the panicking block kept its old chunk");
    // No temporary files are left behind.
    assert!(
        chunk_files(&p)
            .iter()
            .all(|f| !f.to_string_lossy().ends_with(".tmp"))
    );
}

#[test]
fn wrong_element_types_and_bad_paths_are_errors_naming_both() {
    let dir = TempDir::new("dtype");
    let p = dir.path("z");
    Array::<f64>::zeros(&[3], [2])
        .unwrap()
        .to_zarr(&p, ZarrOptions::default())
        .unwrap();
    let e = Array::<i32>::from_zarr(&p).unwrap_err();
    match &e {
        Error::DtypeMismatch {
            stored, requested, ..
        } => {
            // The Zarr v3 name, then numpy's.
            assert_eq!(stored, "float64 / <f8");
            assert_eq!(requested, "int32");
        }
        other => panic!("expected a dtype error, got {other}"),
    }
    let n = dir.path("a.npy");
    Array::<u16>::zeros(&[3], [2]).unwrap().to_npy(&n).unwrap();
    assert_eq!(
        Array::<f32>::from_npy(&n, [3]).unwrap_err(),
        Error::DtypeMismatch {
            path: n.display().to_string(),
            stored: "<u2".into(),
            requested: "<f4".into()
        }
    );
    assert!(matches!(
        Array::<f64>::from_zarr(dir.path("nothing")),
        Err(Error::BadStore { .. })
    ));
    assert!(matches!(
        Array::<f64>::from_npy(dir.path("none.npy"), [1]),
        Err(Error::Io { op: "open", .. })
    ));
    std::fs::write(dir.path("bad.npy"), b"hello").unwrap();
    assert!(matches!(
        Array::<f64>::from_npy(dir.path("bad.npy"), [1]),
        Err(Error::BadStore { .. })
    ));
}

#[test]
fn store_writes_several_arrays_in_one_graph_computing_shared_inputs_once() {
    let dir = TempDir::new("store");
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let x = Array::<f64>::from_fn(&[20, 20], [5, 5], move |i| {
        c.fetch_add(1, Ordering::Relaxed);
        (i[0] + i[1]) as f64
    })
    .unwrap();
    let doubled = &x * 2.0;
    let sinks = [
        x.zarr_sink(dir.path("x"), ZarrOptions::default()).unwrap(),
        doubled
            .zarr_sink(dir.path("d"), ZarrOptions::default())
            .unwrap(),
    ];
    store(&sinks, &Scheduler::threads(2)).unwrap();
    assert_eq!(calls.load(Ordering::Relaxed), 400, "each element made once");
    let back = Array::<f64>::from_zarr(dir.path("d"))
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(back, doubled.compute().unwrap());
}

#[test]
fn attributes_and_fill_value_reach_the_metadata() {
    let dir = TempDir::new("meta");
    let p = dir.path("z");
    Array::<f32>::zeros(&[4], [2])
        .unwrap()
        .to_zarr(
            &p,
            ZarrOptions::default()
                .fill_value(f32::NAN)
                .attribute("units", "m"),
        )
        .unwrap();
    let meta: String = std::fs::read_to_string(p.join("zarr.json")).unwrap();
    assert!(meta.contains("\"units\""), "{meta}");
    assert!(meta.contains("NaN"), "{meta}");
    assert!(meta.contains("\"zstd\""), "{meta}");
}

#[test]
fn ghost_cells_over_stored_arrays_match_the_in_memory_result() {
    let dir = TempDir::new("overlap");
    let a = ArrayD::from_shape_fn(IxDyn(&[23, 17, 9]), |d| {
        let i = d.slice();
        ((i[0] * 31 + i[1] * 7 + i[2]) % 13) as f64
    });
    let x = Array::from_ndarray(a, [8, 6, 4]).unwrap();
    let raw = dir.path("raw");
    let zstd = dir.path("zstd");
    let npy = dir.path("a.npy");
    x.to_zarr(&raw, ZarrOptions::default().compression(Compression::None))
        .unwrap();
    x.to_zarr(&zstd, ZarrOptions::default()).unwrap();
    x.to_npy(&npy).unwrap();
    let stored = [
        Array::<f64>::from_zarr(&raw).unwrap(),
        Array::<f64>::from_zarr(&zstd).unwrap(),
        Array::<f64>::from_npy(&npy, [8, 6, 4]).unwrap(),
    ];
    for boundary in [
        Boundary::Reflect,
        Boundary::Mirror,
        Boundary::Periodic,
        Boundary::Nearest,
        Boundary::Constant(-1.0),
        Boundary::None,
    ] {
        let expected = x.overlap(2, boundary.clone()).unwrap().compute().unwrap();
        // Filters take every rule but None.
        let filtered = ndfilters::uniform_filter(&x, 3, boundary.clone())
            .ok()
            .map(|f| f.compute().unwrap());
        for s in &stored {
            let got = s.overlap(2, boundary.clone()).unwrap();
            assert_eq!(got.compute().unwrap(), expected, "{boundary:?}");
            if let Some(filtered) = &filtered {
                let f = ndfilters::uniform_filter(s, 3, boundary.clone()).unwrap();
                assert_eq!(&f.compute().unwrap(), filtered, "{boundary:?}");
            }
        }
    }
    // Uncompressed chunks and .npy are read piece by piece inside each padded block's task:
    // one task per block, and no source tasks to keep alive.
    let padded = |s: &Array<f64>| s.overlap(1, Boundary::Reflect).unwrap().num_tasks();
    assert_eq!(padded(&stored[0]), x.num_blocks());
    assert_eq!(padded(&stored[2]), x.num_blocks());
    assert_eq!(padded(&stored[1]), 2 * x.num_blocks());
}

#[test]
fn store_chunks_take_every_chunk_spec_and_must_be_a_regular_grid() {
    let dir = TempDir::new("chunk-specs");
    let x = Array::<i32>::from_fn(&[10, 6], [10, 6], |i| (i[0] * 6 + i[1]) as i32).unwrap();
    let whole = x.compute().unwrap();
    let local = vec![4, 3]; // borrowed from a local, as a caller's own Vec
    let specs: Vec<(&str, ZarrOptions<i32>)> = vec![
        ("shape", ZarrOptions::default().chunks(&local)),
        ("same", ZarrOptions::default().chunks(4)),
        (
            "sizes",
            ZarrOptions::default().chunks(vec![vec![4, 4, 2], vec![3, 3]]),
        ),
        (
            "chunks",
            ZarrOptions::default().chunks(chunkwise::Chunks::regular(&[10, 6], &[4, 3]).unwrap()),
        ),
    ];
    for (name, options) in specs {
        let p = dir.path(name);
        x.to_zarr(&p, options).unwrap();
        let back = Array::<i32>::from_zarr(&p).unwrap();
        assert_eq!(back.chunks()[0], vec![4, 4, 2], "{name}");
        assert_eq!(back.compute().unwrap(), whole, "{name}");
    }
    // Blocks that no regular grid holds: an error naming them, and nothing written.
    let p = dir.path("irregular");
    let e = x
        .to_zarr(&p, ZarrOptions::default().chunks(vec![vec![2, 8], vec![6]]))
        .unwrap_err();
    assert!(
        matches!(&e, Error::InvalidParameter { op: "to_zarr", name: "chunks", value, .. } if value == "[[2, 8], [6]]"),
        "{e}"
    );
    assert!(!p.exists());
}

/// The chunk shape a user asks for is the one written, even where it is longer than the axis,
/// as zarr-python keeps it (a later append or region write depends on it); only the default,
/// the array's own blocks, is clamped to the array.
#[test]
fn explicit_store_chunks_are_written_as_asked() {
    let dir = TempDir::new("explicit-chunks");
    let stored_chunks = |p: &Path| -> Vec<u64> {
        let text = std::fs::read_to_string(p.join("zarr.json")).unwrap();
        let meta: serde_json::Value = serde_json::from_str(&text).unwrap();
        meta["chunk_grid"]["configuration"]["chunk_shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect()
    };
    let x = Array::<i32>::from_fn(&[7], [3], |i| i[0] as i32).unwrap();
    let cases: Vec<(&str, ZarrOptions<i32>, Vec<u64>)> = vec![
        ("shape", ZarrOptions::default().chunks([10]), vec![10]),
        ("same", ZarrOptions::default().chunks(10), vec![10]),
        ("default", ZarrOptions::default(), vec![3]),
    ];
    for (name, options, want) in cases {
        let p = dir.path(name);
        x.to_zarr(&p, options).unwrap();
        assert_eq!(stored_chunks(&p), want, "{name}");
        let back = Array::<i32>::from_zarr(&p).unwrap();
        assert_eq!(back.compute().unwrap(), x.compute().unwrap(), "{name}");
    }
    // A 2-D array smaller than its chunks on one axis, then a region write into it.
    let y = Array::<u8>::zeros(&[7, 6], [7, 6]).unwrap();
    let p = dir.path("region");
    y.to_zarr(&p, ZarrOptions::default().chunks([10, 4]))
        .unwrap();
    assert_eq!(stored_chunks(&p), vec![10, 4]);
    Array::<u8>::ones(&[2, 2], [2, 2])
        .unwrap()
        .to_zarr_region(&p, &[5, 3])
        .unwrap();
    let back = Array::<u8>::from_zarr(&p).unwrap().compute().unwrap();
    assert_eq!(back.sum(), 4);
    assert_eq!(back[[6, 4]], 1);
}
