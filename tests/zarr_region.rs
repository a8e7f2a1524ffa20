//! Region writes into existing Zarr stores: against an ndarray oracle over random stores,
//! regions and chunkings; two writers of disjoint regions sharing chunks, at once; bad
//! regions.
#![cfg(feature = "zarr")]

mod common;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use chunkwise::io::zarr::{Compression, ZarrOptions};
use chunkwise::{Array, Error, Scheduler};
use ndarray::{ArrayD, Dimension, IxDyn, Slice};
use proptest::prelude::*;

fn temp(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!(
        "chunkwise-region-{name}-{}-{n}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A store shape with its chunk shape, a region inside it (offset, shape) and a chunking of
/// the region's array.
#[allow(clippy::type_complexity)]
fn cases() -> impl Strategy<
    Value = (
        Vec<usize>,
        Vec<usize>,
        Vec<usize>,
        Vec<usize>,
        Vec<Vec<usize>>,
        bool,
    ),
> {
    proptest::collection::vec(1usize..9, 1..=3)
        .prop_flat_map(|store| {
            let chunk = store.iter().map(|&n| 1..=n).collect::<Vec<_>>();
            let start = store.iter().map(|&n| 0..=n).collect::<Vec<_>>();
            (Just(store), chunk, start)
        })
        .prop_flat_map(|(store, chunk, offset)| {
            let len = store
                .iter()
                .zip(&offset)
                .map(|(&n, &o)| 0..=n - o)
                .collect::<Vec<_>>();
            (Just(store), Just(chunk), Just(offset), len, any::<bool>())
        })
        .prop_flat_map(|(store, chunk, offset, len, compressed)| {
            let blocks = common::chunking(len.clone());
            (
                Just(store),
                Just(chunk),
                Just(offset),
                Just(len),
                blocks,
                Just(compressed),
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The store after a region write equals the old contents with the region assigned.
    #[test]
    fn region_writes_equal_assigning_into_an_ndarray(
        (store, chunk, offset, len, blocks, compressed) in cases()
    ) {
        let dir = temp("prop");
        let old = ArrayD::from_shape_fn(IxDyn(&store), |i| i.slice().iter().fold(0i64, |a, &k| a * 10 + k as i64));
        let compression = if compressed { Compression::Zstd { level: 1 } } else { Compression::None };
        Array::from_ndarray(old.clone(), store.clone()).unwrap()
            .to_zarr(&dir, ZarrOptions::default().chunks(chunk.clone()).compression(compression))
            .unwrap();
        let new = ArrayD::from_shape_fn(IxDyn(&len), |i| -1 - i.slice().iter().fold(0i64, |a, &k| a * 10 + k as i64));
        Array::from_ndarray(new.clone(), blocks).unwrap()
            .to_zarr_region_with(&dir, &offset, &Scheduler::threads(2))
            .unwrap();
        let mut want = old;
        want.slice_each_axis_mut(|ax| {
            let k = ax.axis.index();
            Slice::from(offset[k]..offset[k] + len[k])
        })
        .assign(&new);
        let got = Array::<i64>::from_zarr(&dir).unwrap().compute().unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        prop_assert_eq!(got, want);
    }
}

/// Two writers at once, each a region of rows that cuts every chunk the other also writes:
/// neither loses the other's cells, in many rounds.
#[test]
fn disjoint_regions_sharing_chunks_written_at_once_keep_both() {
    common::with_watchdog("two region writers at once", disjoint_regions_race);
}

fn disjoint_regions_race() {
    let s = Scheduler::threads(2);
    for round in 0..40 {
        let dir = temp("race");
        Array::<u32>::zeros(&[12, 12], [12, 12])
            .unwrap()
            .to_zarr(&dir, ZarrOptions::default().chunks([6, 6]))
            .unwrap();
        // Rows 0..3 and 3..6 (and 6..9, 9..12): each chunk is cut by both writers.
        std::thread::scope(|scope| {
            for w in 0..2u32 {
                let (dir, s) = (&dir, &s);
                scope.spawn(move || {
                    for band in [w as usize, w as usize + 2] {
                        let x = Array::<u32>::full(&[3, 12], [3, 4], w + 1).unwrap();
                        x.to_zarr_region_with(dir, &[band * 3, 0], s).unwrap();
                    }
                });
            }
        });
        let got = Array::<u32>::from_zarr(&dir).unwrap().compute().unwrap();
        for (idx, &v) in got.indexed_iter() {
            let row = idx[0];
            assert_eq!(v, (row / 3 % 2) as u32 + 1, "round {round}: row {row}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn bad_regions_are_errors() {
    let dir = temp("bad");
    Array::<f32>::zeros(&[4, 4], [4, 4])
        .unwrap()
        .to_zarr(&dir, ZarrOptions::default())
        .unwrap();
    let x = Array::<f32>::ones(&[2, 2], [2, 2]).unwrap();
    for offset in [&[3, 0][..], &[0, 3], &[0], &[0, 0, 0], &[usize::MAX, 0]] {
        let e = x.to_zarr_region(&dir, offset).unwrap_err();
        assert!(
            matches!(e, Error::InvalidParameter { .. }),
            "{offset:?}: {e}"
        );
    }
    let e = Array::<i32>::ones(&[2, 2], [2, 2])
        .unwrap()
        .to_zarr_region(&dir, &[0, 0])
        .unwrap_err();
    assert!(matches!(e, Error::DtypeMismatch { .. }), "{e}");
    let e = x.to_zarr_region(dir.join("missing"), &[0, 0]).unwrap_err();
    assert!(matches!(e, Error::BadStore { .. }), "{e}");
    // The store is untouched by the refused writes.
    assert!(
        Array::<f32>::from_zarr(&dir)
            .unwrap()
            .compute()
            .unwrap()
            .iter()
            .all(|&v| v == 0.0)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A region that covers whole chunks, edge chunks included (their cells inside the array),
/// replaces them without reading them: the old chunks here are garbage, which a read would
/// report. A region that cuts a chunk does read it.
#[test]
fn covered_chunks_are_replaced_without_a_read() {
    let dir = temp("covered");
    // Shape 10 x 7 in 4 x 4 chunks: the last row and column of chunks are edge chunks.
    Array::<u16>::zeros(&[10, 7], [10, 7])
        .unwrap()
        .to_zarr(&dir, ZarrOptions::default().chunks([4, 4]).fill_value(9))
        .unwrap();
    for key in ["c/1/1", "c/2/1", "c/2/0"] {
        std::fs::write(dir.join(key), b"not a zstd frame").unwrap();
    }
    let part = Array::<u16>::from_fn(&[6, 7], [3, 2], |i| (i[0] * 7 + i[1]) as u16 + 1).unwrap();
    part.to_zarr_region(&dir, &[4, 0]).unwrap();
    let got = Array::<u16>::from_zarr(&dir).unwrap().compute().unwrap();
    let mut want = ArrayD::<u16>::zeros(IxDyn(&[10, 7]));
    want.slice_mut(ndarray::s![4.., ..])
        .assign(&part.compute().unwrap());
    assert_eq!(got, want);
    // Cutting the garbage chunk (2, 1) reads it: an error naming it.
    std::fs::write(dir.join("c/2/1"), b"not a zstd frame").unwrap();
    let cut = Array::<u16>::ones(&[1, 1], [1, 1]).unwrap();
    match cut.to_zarr_region(&dir, &[9, 6]) {
        Err(Error::Chunk { key, .. }) => assert!(key.contains("c/2/1"), "{key}"),
        other => panic!("expected a chunk error, got {other:?}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Two writers at once over one chunk: A writes a region that is exactly that chunk, B a
/// smaller region inside it. Whatever the order, every cell only A writes holds A's value and
/// B's cells hold one writer's values throughout (each chunk write is whole and serialised),
/// on every codec and on a sharded store (where the store's chunk is the shard).
#[test]
fn a_whole_chunk_write_and_a_cut_of_the_same_chunk_never_lose_cells() {
    common::with_watchdog(
        "whole-chunk and cut writers at once",
        overlapping_regions_race,
    );
}

fn overlapping_regions_race() {
    let s = Scheduler::threads(2);
    let layouts: [(&str, ZarrOptions<u32>); 4] = [
        ("zstd", ZarrOptions::default().chunks([8, 6])),
        (
            "none",
            ZarrOptions::default()
                .chunks([8, 6])
                .compression(Compression::None),
        ),
        (
            "gzip",
            ZarrOptions::default()
                .chunks([8, 6])
                .compression(Compression::Gzip { level: 1 }),
        ),
        (
            "sharded",
            ZarrOptions::default().chunks([4, 3]).shards(&[8, 6]),
        ),
    ];
    for (name, options) in layouts {
        for round in 0..60 {
            let dir = temp("overlap");
            Array::<u32>::zeros(&[16, 12], [16, 12])
                .unwrap()
                .to_zarr(&dir, options.clone())
                .unwrap();
            let barrier = std::sync::Barrier::new(2);
            std::thread::scope(|scope| {
                let (dir, s, barrier) = (&dir, &s, &barrier);
                scope.spawn(move || {
                    let a = Array::<u32>::full(&[8, 6], [8, 6], 1).unwrap();
                    barrier.wait();
                    a.to_zarr_region_with(dir, &[0, 0], s).unwrap();
                });
                scope.spawn(move || {
                    let b = Array::<u32>::full(&[2, 3], [2, 3], 2).unwrap();
                    barrier.wait();
                    b.to_zarr_region_with(dir, &[3, 2], s).unwrap();
                });
            });
            let got = Array::<u32>::from_zarr(&dir).unwrap().compute().unwrap();
            let in_b = |r: usize, c: usize| (3..5).contains(&r) && (2..5).contains(&c);
            let b_cells: Vec<u32> = (3..5)
                .flat_map(|r| (2..5).map(move |c| (r, c)))
                .map(|(r, c)| got[[r, c]])
                .collect();
            assert!(
                b_cells.iter().all(|&v| v == b_cells[0]) && (b_cells[0] == 1 || b_cells[0] == 2),
                "{name}, round {round}: B's cells {b_cells:?} come from no single writer"
            );
            for (idx, &v) in got.indexed_iter() {
                let (r, c) = (idx[0], idx[1]);
                if in_b(r, c) {
                    continue;
                }
                let want = u32::from(r < 8 && c < 6);
                assert_eq!(v, want, "{name}, round {round}: cell ({r}, {c})");
            }
            std::fs::remove_dir_all(&dir).unwrap();
        }
    }
}
