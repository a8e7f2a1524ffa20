//! Metadata read from disk is input too: Zarr and `.npy` headers whose sizes are absurd (a chunk
//! shape of 10^15 for a 4-element array, a grid of 10^24 chunks, a shape whose element count
//! overflows) must give an `Err` naming the file and the value, never an abort. The checks run
//! in a child process under a 4 GiB address-space limit, where an allocation sized by a file
//! would abort the child and fail the test.
#![cfg(feature = "zarr")]

mod common;

use std::path::{Path, PathBuf};

use chunkwise::{Array, Error, Scheduler};
use common::TempDir;

/// Writes a Zarr v3 array's `zarr.json` with the given shape, chunk shape and codecs (and no
/// chunks: each reads as the fill value).
fn zarr_json(dir: &Path, name: &str, shape: &str, chunk: &str, compressed: bool) -> PathBuf {
    let p = dir.join(name);
    std::fs::create_dir_all(&p).unwrap();
    let codecs = if compressed {
        r#"[{"name":"bytes","configuration":{"endian":"little"}},{"name":"zstd","configuration":{"level":3,"checksum":false}}]"#
    } else {
        r#"[{"name":"bytes","configuration":{"endian":"little"}}]"#
    };
    let text = format!(
        r#"{{"zarr_format":3,"node_type":"array","shape":{shape},"data_type":"float64",
        "chunk_grid":{{"name":"regular","configuration":{{"chunk_shape":{chunk}}}}},
        "chunk_key_encoding":{{"name":"default","configuration":{{"separator":"/"}}}},
        "fill_value":0.0,"codecs":{codecs}}}"#
    );
    std::fs::write(p.join("zarr.json"), text).unwrap();
    p
}

/// A `.npy` file of `<f8` with a hand-written header and `data_bytes` bytes of data.
fn npy(dir: &Path, name: &str, shape: &str, data_bytes: usize) -> PathBuf {
    let p = dir.join(name);
    let dict = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}, }}\n");
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    bytes.extend_from_slice(dict.as_bytes());
    bytes.extend(std::iter::repeat_n(0u8, data_bytes));
    std::fs::write(&p, bytes).unwrap();
    p
}

/// Opens and computes `open`'s array: it must be an `Err` whose message names `file` and
/// `value`, or the right answer `expected` (the sum of the array), and never panic.
fn check(what: &str, open: impl Fn() -> chunkwise::Result<Array<f64>>, file: &Path, value: &str) {
    let run = || -> chunkwise::Result<f64> {
        let x = open()?;
        x.sum().compute_scalar_with(&Scheduler::threads(2))
    };
    let got = std::panic::catch_unwind(std::panic::AssertUnwindSafe(run))
        .unwrap_or_else(|_| panic!("{what}: panicked"));
    match got {
        Err(e) => {
            let text = e.to_string();
            assert!(
                text.contains(&file.display().to_string()),
                "{what}: the error does not name the file: {text}"
            );
            assert!(
                text.contains(value),
                "{what}: the error does not name {value}: {text}"
            );
            assert!(
                matches!(
                    e,
                    Error::BadStore { .. } | Error::Chunk { .. } | Error::BlockTooLarge { .. }
                ),
                "{what}: {e:?}"
            );
        }
        Ok(sum) => panic!("{what}: opened and summed to {sum}, expected an error"),
    }
}

fn open_each_hostile_file() {
    let dir = TempDir::new("sizes");
    let d = &dir.0;

    // A 4-element array whose one chunk claims 10^15 elements, compressed (decoded whole) and
    // not (read in part).
    for compressed in [true, false] {
        let p = zarr_json(
            d,
            &format!("huge-chunk-{compressed}"),
            "[4]",
            "[1000000000000000]",
            compressed,
        );
        if compressed {
            check(
                "zarr chunk 10^15, zstd",
                || Array::<f64>::from_zarr(&p),
                &p,
                "1000000000000000",
            );
        } else {
            // Read in part, only the 4 cells the array has: the right answer.
            let x = Array::<f64>::from_zarr(&p).unwrap();
            assert_eq!(x.sum().compute_scalar().unwrap(), 0.0);
        }
    }
    let e12 = "1000000000000";
    let cases = [
        // A grid of 10^24 chunks.
        (
            "grid-1e24",
            format!("[{e12},{e12}]"),
            "[1,1]".to_string(),
            e12,
        ),
        // 10^18 chunks on one axis: fits a usize, but not the per-axis block list.
        (
            "grid-1e18",
            "[1000000000000000000]".into(),
            "[1]".into(),
            "1000000000000000000",
        ),
        // A shape whose element count overflows, in one chunk.
        (
            "elements-1e24",
            format!("[{e12},{e12}]"),
            format!("[{e12},{e12}]"),
            e12,
        ),
        // A plausible lazy array of 10^12 elements, in one chunk: opening is fine (nothing is
        // read), decoding the chunk is the error.
        (
            "chunk-1e12",
            "[1000000,1000000]".into(),
            "[1000000,1000000]".into(),
            "1000000",
        ),
    ];
    for (name, shape, chunk, value) in &cases {
        let p = zarr_json(d, name, shape, chunk, true);
        check(name, || Array::<f64>::from_zarr(&p), &p, value);
    }

    sharded_stores(d);

    // .npy: an element count that overflows, and one that needs more bytes than the file has.
    let p = npy(d, "overflow.npy", "(4294967296, 4294967296, 4294967296)", 0);
    check(
        "npy 2^96 elements",
        || Array::<f64>::from_npy(&p, [1, 1, 1]),
        &p,
        "4294967296",
    );
    let p = npy(d, "short.npy", "(1000000000000000,)", 64);
    check(
        "npy 10^15 elements in 64 bytes",
        || Array::<f64>::from_npy(&p, [1000]),
        &p,
        "1000000000000000",
    );
    // An empty axis beside a huge one: no bytes are needed, but 10^18 blocks are.
    let p = npy(d, "empty-huge.npy", "(0, 1000000000000000000)", 0);
    check(
        "npy (0, 10^18) in blocks of 1",
        || Array::<f64>::from_npy(&p, [1, 1]),
        &p,
        "1000000000000000000",
    );
    // A header length larger than the file.
    let p = d.join("long-header.npy");
    let mut bytes = b"\x93NUMPY\x02\x00".to_vec();
    bytes.extend_from_slice(&u32::MAX.to_le_bytes());
    bytes.extend_from_slice(b"{'descr': '<f8'");
    std::fs::write(&p, bytes).unwrap();
    check(
        "npy header of 4 GiB",
        || Array::<f64>::from_npy(&p, [1]),
        &p,
        "4294967295",
    );
}

/// A sharded store (8 x 8 of f64 in shards of 4 x 4, inner chunks of 2 x 2, zstd inside)
/// written here, then its `zarr.json` edited at `pointer` to `value`.
fn mutated_shards(dir: &Path, name: &str, pointer: &str, value: &str) -> PathBuf {
    use chunkwise::io::zarr::ZarrOptions;
    let p = dir.join(name);
    Array::<f64>::from_fn(&[8, 8], [4, 4], |i| (i[0] * 8 + i[1]) as f64)
        .unwrap()
        .to_zarr(&p, ZarrOptions::default().chunks([2, 2]).shards(&[4, 4]))
        .unwrap();
    let text = std::fs::read_to_string(p.join("zarr.json")).unwrap();
    let mut meta: serde_json::Value = serde_json::from_str(&text).unwrap();
    *meta
        .pointer_mut(pointer)
        .unwrap_or_else(|| panic!("{name}: no {pointer} in {text}")) =
        serde_json::from_str(value).unwrap();
    std::fs::write(p.join("zarr.json"), meta.to_string()).unwrap();
    p
}

/// Sharded stores whose inner chunk shape, shard shape, index location or codecs were edited:
/// each an error naming the store and what is wrong (or the chunk that cannot be read), never
/// an abort sized by the file.
fn sharded_stores(d: &Path) {
    let e12 = "1000000000000";
    let inner = "/codecs/0/configuration/chunk_shape";
    let grid = "/chunk_grid/configuration/chunk_shape";
    let cases: [(&str, &str, String, &str); 9] = [
        // Inner chunks of 10^12: they do not divide the shard, and would index 10^24 chunks.
        ("inner-1e12", inner, format!("[{e12},{e12}]"), e12),
        ("inner-1e12-by-2", inner, format!("[{e12},2]"), e12),
        // Inner chunks that do not divide the shard.
        ("inner-3x3", inner, "[3,3]".into(), "[3, 3]"),
        // Inner chunks of another rank.
        ("inner-rank", inner, "[2]".into(), "[2]"),
        // Shards of 10^12 x 4 in chunks of 2 x 2: an index of 10^12 entries.
        ("shard-1e12", grid, format!("[{e12},4]"), e12),
        ("shard-4e6", grid, "[4000000,4000000]".into(), "4000000"),
        // Index at the start where it was written at the end: the index read is garbage. (Which
        // chunk fails first depends on the threads: the error names one.)
        (
            "index-start",
            "/codecs/0/configuration/index_location",
            r#""start""#.into(),
            "chunk c/",
        ),
        // The index without its checksum: its size no longer matches.
        (
            "index-codecs",
            "/codecs/0/configuration/index_codecs",
            r#"[{"name":"bytes","configuration":{"endian":"little"}}]"#.into(),
            "chunk c/",
        ),
        // The inner chunks read as uncompressed.
        (
            "inner-codecs",
            "/codecs/0/configuration/codecs",
            r#"[{"name":"bytes","configuration":{"endian":"little"}}]"#.into(),
            "chunk c/",
        ),
    ];
    for (name, pointer, value, named) in &cases {
        let p = mutated_shards(d, &format!("sharded-{name}"), pointer, value);
        check(name, || Array::<f64>::from_zarr(&p), &p, named);
    }
    // Shards whose inner chunks are whole shards of 10^12 x 4: a plausible lazy array, but an
    // inner chunk cannot be decoded.
    let p = mutated_shards(d, "sharded-whole-1e12", grid, &format!("[{e12},4]"));
    let text = std::fs::read_to_string(p.join("zarr.json")).unwrap();
    let mut meta: serde_json::Value = serde_json::from_str(&text).unwrap();
    *meta.pointer_mut(inner).unwrap() = serde_json::from_str(&format!("[{e12},4]")).unwrap();
    std::fs::write(p.join("zarr.json"), meta.to_string()).unwrap();
    check(
        "sharded, inner chunk of 10^12 x 4",
        || Array::<f64>::from_zarr(&p),
        &p,
        e12,
    );
    // Sharding inside sharding, the inner one absurd.
    let nested = format!(
        r#"[{{"name":"sharding_indexed","configuration":{{"chunk_shape":[{e12},1],
        "codecs":[{{"name":"bytes","configuration":{{"endian":"little"}}}}],
        "index_codecs":[{{"name":"bytes","configuration":{{"endian":"little"}}}}],
        "index_location":"end"}}}}]"#
    );
    let p = mutated_shards(
        d,
        "sharded-nested",
        "/codecs/0/configuration/codecs",
        &nested,
    );
    check(
        "nested sharding of 10^12 x 1",
        || Array::<f64>::from_zarr(&p),
        &p,
        e12,
    );
}

/// Runs itself in a child process under a 4 GiB address-space limit, so that an allocation
/// sized by a file fails instead of succeeding by overcommit (and then aborts the child).
#[test]
fn absurd_sizes_in_files_are_errors_naming_the_file_and_the_value() {
    if std::env::var_os(common::MEMORY_LIMITED_CHILD).is_some() {
        open_each_hostile_file();
    } else {
        common::run_under_memory_limit(
            "absurd_sizes_in_files_are_errors_naming_the_file_and_the_value",
        );
    }
}
