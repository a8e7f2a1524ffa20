//! ndmorph against scipy.ndimage: every binary operation with three structures (face, full, an
//! even-shaped lopsided one) and 1 or 2 iterations, and grey erosion and dilation with sizes and
//! a footprint on `u16`, in 2-D and 3-D, under several chunkings (blocks of one element
//! included), compared exactly. The reference outputs were made by
//! `scripts/ndmorph_fixtures.py` and are committed under `tests/data/ndmorph/`.

mod common;

use std::path::PathBuf;

use chunkwise::{Array, Error, Scheduler, ndmorph};
use ndarray::{ArrayD, IxDyn};

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/ndmorph")
}

fn shape_of(input: &str) -> Vec<usize> {
    std::fs::read_to_string(data_dir().join(format!("{input}.shape")))
        .unwrap()
        .split_whitespace()
        .map(|s| s.parse().unwrap())
        .collect()
}

fn read_mask(name: &str, shape: &[usize]) -> ArrayD<bool> {
    let bytes = std::fs::read(data_dir().join(name)).unwrap();
    ArrayD::from_shape_vec(IxDyn(shape), bytes.iter().map(|&b| b != 0).collect()).unwrap()
}

fn read_u16(name: &str, shape: &[usize]) -> ArrayD<u16> {
    let bytes = std::fs::read(data_dir().join(name)).unwrap();
    let v = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    ArrayD::from_shape_vec(IxDyn(shape), v).unwrap()
}

/// The structure a fixture names, made as the script makes it.
fn structure(name: &str, ndim: usize) -> Option<ArrayD<bool>> {
    match name {
        "face" => None,
        "full" => Some(ndmorph::generate_binary_structure(ndim, ndim)),
        "skew" => {
            let shape: &[usize] = if ndim == 2 { &[2, 3] } else { &[2, 2, 3] };
            let n: usize = shape.iter().product();
            Some(
                ArrayD::from_shape_vec(IxDyn(shape), (0..n).map(|k| k % 3 != 1).collect()).unwrap(),
            )
        }
        other => panic!("unknown structure {other}"),
    }
}

/// Chunkings of a shape: one block, blocks of one element, of two, and irregular ones.
fn chunkings(shape: &[usize]) -> Vec<Vec<Vec<usize>>> {
    let mut out = vec![
        shape.iter().map(|&n| vec![n]).collect(),
        shape.iter().map(|&n| vec![1; n]).collect(),
    ];
    out.push(
        shape
            .iter()
            .map(|&n| {
                let mut v = vec![2; n / 2];
                if n % 2 == 1 {
                    v.push(1);
                }
                v
            })
            .collect(),
    );
    out.push(common::seeded_chunks(shape, 5));
    out
}

#[test]
fn binary_and_grey_morphology_match_scipy_whatever_the_chunking() {
    let manifest = std::fs::read_to_string(data_dir().join("manifest.txt")).unwrap();
    let pool = Scheduler::threads(2);
    let mut checked = 0;
    for line in manifest.lines().filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split_whitespace().collect();
        let (op, param, iterations, input, output) = (f[0], f[1], f[2], f[3], f[4]);
        let iterations: usize = iterations.parse().unwrap();
        let shape = shape_of(input);
        let ndim = shape.len();
        for chunks in chunkings(&shape) {
            if op.starts_with("binary") {
                let a = read_mask(&format!("{input}.bin"), &shape);
                let expected = read_mask(output, &shape);
                let x = Array::from_ndarray(a, chunks.clone()).unwrap();
                let s = structure(param, ndim);
                let y = match op {
                    "binary_erosion" => ndmorph::binary_erosion(&x, s, iterations),
                    "binary_dilation" => ndmorph::binary_dilation(&x, s, iterations),
                    "binary_opening" => ndmorph::binary_opening(&x, s, iterations),
                    "binary_closing" => ndmorph::binary_closing(&x, s, iterations),
                    other => panic!("unknown op {other}"),
                }
                .unwrap();
                assert_eq!(y.chunks(), &chunks[..]);
                assert_eq!(
                    y.compute_with(&pool).unwrap(),
                    expected,
                    "{line} with chunks {chunks:?}"
                );
            } else {
                let a = read_u16(&format!("{input}.bin"), &shape);
                let expected = read_u16(output, &shape);
                let x = Array::from_ndarray(a, chunks.clone()).unwrap();
                let window = match param {
                    "3" => ndmorph::generate_binary_structure(ndim, ndim).mapv(|_| true),
                    "2x3" if ndim == 2 => ArrayD::from_elem(IxDyn(&[2, 3]), true),
                    "2x3" => ArrayD::from_elem(IxDyn(&[2, 3, 1]), true),
                    _ => structure(param, ndim).unwrap(),
                };
                let y = match op {
                    "grey_erosion" => ndmorph::grey_erosion(&x, &window),
                    "grey_dilation" => ndmorph::grey_dilation(&x, &window),
                    other => panic!("unknown op {other}"),
                }
                .unwrap();
                assert_eq!(
                    y.compute_with(&pool).unwrap(),
                    expected,
                    "{line} with chunks {chunks:?}"
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 60 * 4);
}

#[test]
fn sizes_and_footprints_agree_for_grey_morphology() {
    // A box given as a size and as an all-true footprint is the same window.
    let x = Array::<f64>::random(&[9, 8], [4, 3], 2).unwrap();
    let s = Scheduler::threads(2);
    let by_size = ndmorph::grey_dilation(&x, [2, 3])
        .unwrap()
        .compute_with(&s)
        .unwrap();
    let fp = ArrayD::from_elem(IxDyn(&[2, 3]), true);
    let by_fp = ndmorph::grey_dilation(&x, &fp)
        .unwrap()
        .compute_with(&s)
        .unwrap();
    assert_eq!(by_size, by_fp);
}

#[test]
fn bad_structures_and_iterations_are_errors() {
    let x = Array::from_ndarray(ndarray::Array2::from_elem((5, 5), true), [2, 2]).unwrap();
    let flat = Some(ndarray::array![true, true, true].into_dyn());
    assert!(matches!(
        ndmorph::binary_erosion(&x, flat, 1),
        Err(Error::InvalidParameter {
            op: "binary_erosion",
            name: "footprint",
            ..
        })
    ));
    let empty = Some(ArrayD::from_elem(IxDyn(&[3, 3]), false));
    assert!(matches!(
        ndmorph::binary_dilation(&x, empty, 1),
        Err(Error::InvalidParameter {
            expected: "a footprint with at least one true cell",
            ..
        })
    ));
    let e = ndmorph::binary_opening(&x, None, 0).unwrap_err();
    assert!(
        matches!(
            e,
            Error::InvalidParameter {
                name: "iterations",
                ..
            }
        ),
        "{e}"
    );
    // A structure wider than the axis is fine, as in scipy: closing an all-true image with a
    // 1 x 13 line, the erosion (outside counted false) reaches the edge from every cell.
    let wide = Some(ArrayD::from_elem(IxDyn(&[1, 13]), true));
    let closed = ndmorph::binary_closing(&x, wide, 1)
        .unwrap()
        .compute()
        .unwrap();
    assert!(closed.iter().all(|&v| !v), "{closed}");
}
