//! ndmorph against scipy.ndimage: every binary operation with three structures (face, full, an
//! even-shaped lopsided one) and 1 or 2 iterations, and grey erosion and dilation with sizes and
//! a footprint on `u16`, in 2-D and 3-D, under several chunkings (blocks of one element
//! included), compared exactly. The reference outputs were made by
//! `scripts/ndmorph_fixtures.py` and are committed under `tests/data/ndmorph/`.

mod common;

use std::path::PathBuf;

use chunkwise::{Array, Error, Scheduler, ndmorph};
use ndarray::{ArrayD, Dimension, IxDyn};
use proptest::strategy::Strategy;

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

/// The fixture masks of `scripts/distance_fixtures.py`: true unless `(37 p + 11) % period == 0`.
fn fixture_mask(shape: &[usize], period: u64) -> ArrayD<bool> {
    let n: usize = shape.iter().product();
    let v = (0..n as u64).map(|p| (37 * p + 11) % period != 0).collect();
    ArrayD::from_shape_vec(IxDyn(shape), v).unwrap()
}

fn parse_list<T: std::str::FromStr>(s: &str) -> Vec<T>
where
    T::Err: std::fmt::Debug,
{
    s.split(',')
        .filter(|t| !t.is_empty())
        .map(|t| t.trim().parse().unwrap())
        .collect()
}

#[test]
fn distance_transforms_match_scipy_whatever_the_chunking() {
    use ndmorph::{Metric, Returns};
    let text = std::fs::read_to_string(data_dir().join("distance.txt")).unwrap();
    let mut cases = 0;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split(" ; ").collect();
        let (func, shape, period, params, what, values) = (f[0], f[1], f[2], f[3], f[4], f[5]);
        let shape: Vec<usize> = shape.split('x').map(|s| s.parse().unwrap()).collect();
        let mask = fixture_mask(&shape, period.parse().unwrap());
        let mut sampling: Option<Vec<f64>> = None;
        let mut metric = Metric::Euclidean;
        for p in params.split_whitespace() {
            let (k, v) = p.split_once('=').unwrap();
            match (k, v) {
                ("sampling", "none") => {}
                ("sampling", v) => sampling = Some(parse_list(v)),
                ("metric", "euclidean") => metric = Metric::Euclidean,
                ("metric", "chessboard") => metric = Metric::Chessboard,
                ("metric", "taxicab") => metric = Metric::Taxicab,
                other => panic!("unknown parameter {other:?}"),
            }
        }
        for chunks in chunkings(&shape) {
            let x = Array::from_ndarray(mask.clone(), chunks.clone()).unwrap();
            let s = sampling.as_deref();
            let context =
                format!("{func} {shape:?} period {period} {params} {what}, chunks {chunks:?}");
            match (func, what) {
                ("edt", "distances") => {
                    let got = ndmorph::distance_transform_edt(&x, s)
                        .unwrap()
                        .compute()
                        .unwrap();
                    let want: Vec<f64> = parse_list(values);
                    // The same sums in the same order as scipy's: equal to the last bit.
                    assert_eq!(got.iter().copied().collect::<Vec<_>>(), want, "{context}");
                }
                ("edt", "indices") => {
                    let t = ndmorph::distance_transform_edt_with(&x, s, Returns::Indices).unwrap();
                    let got = t.indices.unwrap().compute().unwrap();
                    let mut full = vec![shape.len()];
                    full.extend(&shape);
                    assert_eq!(got.shape(), full.as_slice(), "{context}");
                    let want: Vec<i64> = parse_list(values);
                    assert_eq!(got.iter().copied().collect::<Vec<_>>(), want, "{context}");
                }
                ("cdt", _) => {
                    let got = ndmorph::distance_transform_cdt(&x, metric)
                        .unwrap()
                        .compute()
                        .unwrap();
                    let want: Vec<i32> = parse_list(values);
                    assert_eq!(got.iter().copied().collect::<Vec<_>>(), want, "{context}");
                }
                ("bf", _) => {
                    let got = ndmorph::distance_transform_bf(&x, metric, s)
                        .unwrap()
                        .compute()
                        .unwrap();
                    let want: Vec<f64> = parse_list(values);
                    assert_eq!(got.iter().copied().collect::<Vec<_>>(), want, "{context}");
                }
                other => panic!("unknown case {other:?}"),
            }
        }
        cases += 1;
    }
    assert!(cases >= 100, "{cases} cases read");
}

/// The distance from every cell to the nearest background one, by trying them all.
fn brute_force(mask: &ArrayD<bool>, dist: impl Fn(&[usize], &[usize]) -> f64) -> ArrayD<f64> {
    let background: Vec<Vec<usize>> = mask
        .indexed_iter()
        .filter(|(_, v)| !**v)
        .map(|(i, _)| i.slice().to_vec())
        .collect();
    ArrayD::from_shape_fn(mask.raw_dim(), |p| {
        background
            .iter()
            .map(|b| dist(p.slice(), b))
            .fold(f64::INFINITY, f64::min)
    })
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

    /// Every metric against brute force on random masks, shapes (zero-length axes and 0-d
    /// included) and chunkings; every index names a background cell at the distance given.
    #[test]
    fn distance_transforms_equal_brute_force(
        (shape, chunks) in common::shape().prop_flat_map(|s| (proptest::prelude::Just(s.clone()), common::chunking(s))),
        seed in 0u64..1000,
        density in 1u64..8,
    ) {
        use ndmorph::{Metric, Returns};
        let n: usize = shape.iter().product();
        let mask = ArrayD::from_shape_vec(
            IxDyn(&shape),
            (0..n as u64).map(|p: u64| (p.wrapping_mul(2654435761).wrapping_add(seed * 97)) % 17 >= density).collect(),
        ).unwrap();
        let x = Array::from_ndarray(mask.clone(), chunks).unwrap();
        let sampling: Vec<f64> = (0..shape.len()).map(|k| 0.5 + k as f64 * 0.75).collect();
        // Each metric with the distance between two cells.
        type Distance<'a> = Box<dyn Fn(&[usize], &[usize]) -> f64 + 'a>;
        let metrics: [(Metric, Distance<'_>); 3] = [
            (Metric::Euclidean, Box::new(|p: &[usize], b: &[usize]| {
                p.iter().zip(b).zip(&sampling).map(|((&p, &b), s)| ((p as f64 - b as f64) * s).powi(2)).sum::<f64>().sqrt()
            })),
            (Metric::Taxicab, Box::new(|p: &[usize], b: &[usize]| p.iter().zip(b).map(|(&p, &b)| p.abs_diff(b)).sum::<usize>() as f64)),
            (Metric::Chessboard, Box::new(|p: &[usize], b: &[usize]| p.iter().zip(b).map(|(&p, &b)| p.abs_diff(b)).max().unwrap_or(0) as f64)),
        ];
        for (metric, dist) in &metrics {
            let want = brute_force(&mask, dist);
            let s = (*metric == Metric::Euclidean).then_some(sampling.as_slice());
            let t = ndmorph::distance_transform_bf_with(&x, *metric, s, Returns::Both).unwrap();
            let got = t.distances.unwrap().compute().unwrap();
            let indices = t.indices.unwrap().compute().unwrap();
            proptest::prop_assert_eq!(got.shape(), want.shape());
            for ((p, &g), &w) in got.indexed_iter().zip(want.iter()) {
                let p = p.slice().to_vec();
                if w == f64::INFINITY {
                    // No background at all: infinity for Euclidean, -1 (scipy's) for the others.
                    let none = if *metric == Metric::Euclidean { f64::INFINITY } else { -1.0 };
                    proptest::prop_assert_eq!(g, none, "{:?} at {:?}", metric, p);
                    continue;
                }
                proptest::prop_assert!((g - w).abs() <= 1e-12 * w.max(1.0), "{:?} at {:?}: {} vs {}", metric, p, g, w);
                let site: Vec<usize> = (0..shape.len()).map(|k| {
                    let mut at = vec![k];
                    at.extend(&p);
                    indices[IxDyn(&at)] as usize
                }).collect();
                proptest::prop_assert!(!mask[IxDyn(&site)], "{:?} at {:?}: index {:?} is foreground", metric, p, site);
                proptest::prop_assert!((dist(&p, &site) - w).abs() <= 1e-12 * w.max(1.0), "{:?} at {:?}: index {:?}", metric, p, site);
            }
        }
    }
}

#[test]
fn distance_transforms_of_a_mask_without_background() {
    use ndmorph::{Metric, Returns};
    let x = Array::from_ndarray(ndarray::Array2::from_elem((5, 7), true), [2, 3]).unwrap();
    let edt = ndmorph::distance_transform_edt_with(&x, None, Returns::Both).unwrap();
    assert!(
        edt.distances
            .unwrap()
            .compute()
            .unwrap()
            .iter()
            .all(|&d| d == f64::INFINITY)
    );
    assert!(
        edt.indices
            .unwrap()
            .compute()
            .unwrap()
            .iter()
            .all(|&i| i == -1)
    );
    for metric in [Metric::Chessboard, Metric::Taxicab] {
        let d = ndmorph::distance_transform_cdt(&x, metric)
            .unwrap()
            .compute()
            .unwrap();
        assert!(d.iter().all(|&d| d == -1), "{metric:?}: scipy's -1");
    }
    // A 0-d mask: no axes, no passes.
    let zero = Array::from_ndarray(ndarray::arr0(false).into_dyn(), Vec::<usize>::new()).unwrap();
    assert_eq!(
        ndmorph::distance_transform_edt(&zero, None)
            .unwrap()
            .compute()
            .unwrap()[[]],
        0.0
    );
    let one = Array::from_ndarray(ndarray::arr0(true).into_dyn(), Vec::<usize>::new()).unwrap();
    assert_eq!(
        ndmorph::distance_transform_cdt(&one, Metric::Taxicab)
            .unwrap()
            .compute()
            .unwrap()[[]],
        -1
    );
}

#[test]
fn bad_distance_transform_parameters_are_errors() {
    use ndmorph::Metric;
    let x = Array::from_ndarray(ndarray::Array2::from_elem((5, 5), true), [2, 2]).unwrap();
    for (sampling, name) in [
        (vec![1.0], "length"),
        (vec![1.0, 0.0], "zero"),
        (vec![1.0, f64::NAN], "nan"),
    ] {
        let e = ndmorph::distance_transform_edt(&x, Some(&sampling)).unwrap_err();
        assert!(
            matches!(
                e,
                Error::InvalidParameter {
                    name: "sampling",
                    ..
                }
            ),
            "{name}: {e}"
        );
    }
    let e = ndmorph::distance_transform_cdt(&x, Metric::Euclidean).unwrap_err();
    assert!(
        matches!(e, Error::InvalidParameter { name: "metric", .. }),
        "{e}"
    );
    let e = ndmorph::distance_transform_bf(&x, Metric::Taxicab, Some(&[1.0])).unwrap_err();
    assert!(
        matches!(
            e,
            Error::InvalidParameter {
                name: "sampling",
                ..
            }
        ),
        "{e}"
    );
}

/// The inputs of `scripts/ndmorph_more_fixtures.py`, by its formulas.
fn more_mask(shape: &[usize], period: u64, markers: bool) -> ArrayD<bool> {
    let n: usize = shape.iter().product();
    let v = (0..n as u64)
        .map(|p| ((37 * p + 11) % period == 0) == markers)
        .collect();
    ArrayD::from_shape_vec(IxDyn(shape), v).unwrap()
}

fn more_grey<T>(shape: &[usize], f: impl Fn(u64) -> T) -> ArrayD<T> {
    let n: usize = shape.iter().product();
    ArrayD::from_shape_vec(
        IxDyn(shape),
        (0..n as u64).map(|p| f((7 * p + 3) % 13)).collect(),
    )
    .unwrap()
}

/// One grey composition by name, over `size` with scipy's `mode` and `cval`.
fn grey_op<T: ndmorph::GreyNumber>(
    name: &str,
    x: &Array<T>,
    size: Vec<usize>,
    boundary: chunkwise::Boundary<T>,
) -> Array<T> {
    match name {
        "grey_opening" => ndmorph::grey_opening_with(x, size, boundary),
        "grey_closing" => ndmorph::grey_closing_with(x, size, boundary),
        "morphological_gradient" => ndmorph::morphological_gradient_with(x, size, boundary),
        "morphological_laplace" => ndmorph::morphological_laplace_with(x, size, boundary),
        "white_tophat" => ndmorph::white_tophat_with(x, size, boundary),
        "black_tophat" => ndmorph::black_tophat_with(x, size, boundary),
        other => panic!("unknown function {other}"),
    }
    .unwrap()
}

fn boundary_of<T>(mode: &str, cval: T) -> chunkwise::Boundary<T> {
    use chunkwise::Boundary;
    match mode {
        "reflect" => Boundary::Reflect,
        "constant" => Boundary::Constant(cval),
        "nearest" => Boundary::Nearest,
        "wrap" => Boundary::Periodic,
        other => panic!("unknown mode {other}"),
    }
}

#[test]
fn grey_compositions_propagation_and_hole_filling_match_scipy_whatever_the_chunking() {
    let text = std::fs::read_to_string(data_dir().join("more.txt")).unwrap();
    let mut cases = 0;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split(" ; ").collect();
        let (func, shape, params, values) = (f[0], f[1], f[2], f[3]);
        let shape: Vec<usize> = shape.split('x').map(|s| s.parse().unwrap()).collect();
        let p: std::collections::BTreeMap<&str, &str> = params
            .split_whitespace()
            .map(|kv| kv.split_once('=').unwrap())
            .collect();
        let bools = || values.bytes().map(|b| b == b'1').collect::<Vec<bool>>();
        let structure = || match p["structure"] {
            "face" => None,
            _ => Some(ndmorph::generate_binary_structure(shape.len(), shape.len())),
        };
        for chunks in chunkings(&shape) {
            let context = format!("{func} {shape:?} {params}, chunks {chunks:?}");
            if func.starts_with("binary") {
                let m = Array::from_ndarray(
                    more_mask(&shape, p["period"].parse().unwrap(), false),
                    chunks.clone(),
                )
                .unwrap();
                let got = match func {
                    "binary_fill_holes" => ndmorph::binary_fill_holes(&m, structure()),
                    "binary_hit_or_miss" => ndmorph::binary_hit_or_miss(&m, structure(), None),
                    "binary_propagation" => {
                        let markers = more_mask(&shape, p["mperiod"].parse().unwrap(), true);
                        // The markers in other chunks than the mask's.
                        let markers =
                            Array::from_ndarray(markers, common::seeded_chunks(&shape, 9)).unwrap();
                        ndmorph::binary_propagation(
                            &markers,
                            structure(),
                            Some(&m),
                            p["border"] == "1",
                        )
                    }
                    other => panic!("unknown function {other}"),
                }
                .unwrap()
                .compute()
                .unwrap();
                assert_eq!(
                    got.iter().copied().collect::<Vec<_>>(),
                    bools(),
                    "{context}"
                );
                continue;
            }
            let size: Vec<usize> = if p["size"].contains('x') {
                p["size"].split('x').map(|s| s.parse().unwrap()).collect()
            } else {
                vec![p["size"].parse().unwrap(); shape.len()]
            };
            let cval: u8 = p["cval"].parse().unwrap();
            if p["dtype"] == "u8" {
                let x = Array::from_ndarray(more_grey(&shape, |v| (v * 19) as u8), chunks.clone())
                    .unwrap();
                let got = grey_op(func, &x, size, boundary_of(p["mode"], cval))
                    .compute()
                    .unwrap();
                let want: Vec<u8> = parse_list(values);
                assert_eq!(got.iter().copied().collect::<Vec<_>>(), want, "{context}");
            } else {
                let x = Array::from_ndarray(
                    more_grey(&shape, |v| (v as f64 - 6.0) / 4.0),
                    chunks.clone(),
                )
                .unwrap();
                let got = grey_op(func, &x, size, boundary_of(p["mode"], f64::from(cval)))
                    .compute()
                    .unwrap();
                let want: Vec<f64> = parse_list(values);
                assert_eq!(got.iter().copied().collect::<Vec<_>>(), want, "{context}");
            }
        }
        cases += 1;
    }
    assert!(cases >= 250, "{cases} cases read");
}

#[test]
fn propagation_and_hole_filling_refuse_structures_they_cannot_follow() {
    let x = Array::from_ndarray(ndarray::Array2::from_elem((5, 5), true), [2, 2]).unwrap();
    let lopsided = ndarray::array![
        [false, true, false],
        [false, true, true],
        [false, false, false]
    ]
    .into_dyn();
    let e = ndmorph::binary_fill_holes(&x, Some(lopsided)).unwrap_err();
    assert!(
        matches!(
            e,
            Error::InvalidParameter {
                name: "structure",
                op: "binary_fill_holes",
                ..
            }
        ),
        "{e}"
    );
    let wide = ndarray::Array2::from_elem((5, 5), true).into_dyn();
    let e = ndmorph::binary_propagation(&x, Some(wide), None, false).unwrap_err();
    assert!(
        matches!(
            e,
            Error::InvalidParameter {
                name: "structure",
                ..
            }
        ),
        "{e}"
    );
    let other = Array::from_ndarray(ndarray::Array2::from_elem((5, 4), true), [2, 2]).unwrap();
    let e = ndmorph::binary_propagation(&x, None, Some(&other), false).unwrap_err();
    assert!(matches!(e, Error::IncompatibleShapes { .. }), "{e}");
    let flat = ndarray::array![true, true, true].into_dyn();
    assert!(ndmorph::binary_hit_or_miss(&x, Some(flat), None).is_err());
}

/// Distance transforms, hole filling, a watershed and a region table under memory limits on
/// every scheduler (each run either equal to the whole-array answer or refused before it
/// starts), and a distance transform computed inside block functions on the same pool, another
/// pool and the synchronous one: under a watchdog.
#[test]
fn segmentation_under_limits_and_nesting() {
    use chunkwise::ndmeasure::{self, Property};
    common::with_watchdog("segmentation under limits and nesting", || {
        let n: u64 = 23 * 19;
        let img = ArrayD::from_shape_vec(
            IxDyn(&[23, 19]),
            (0..n)
                .map(|p| ((p * 2654435761) % 97) as f64 / 97.0)
                .collect(),
        )
        .unwrap();
        let whole = Array::from_ndarray(img.clone(), [23, 19]).unwrap();
        let x = Array::from_ndarray(img, [5, 4]).unwrap();
        let build = |x: &Array<f64>| {
            let mask = x.map(|v| v > 0.2);
            let edt = ndmorph::distance_transform_edt(&mask, None).unwrap();
            let filled = ndmorph::binary_fill_holes(&mask, None)
                .unwrap()
                .map(u8::from);
            let (markers, _) =
                ndmeasure::label(&x.map(|v| v > 0.9), ndmeasure::Connectivity::Full).unwrap();
            let basins = ndmeasure::watershed(&x.map(|v| -v), &markers, 1, Some(&mask)).unwrap();
            let table = ndmeasure::regionprops_table(
                &basins,
                Some(x),
                &[Property::Area, Property::Centroid],
            )
            .unwrap();
            (edt, filled, basins, table)
        };
        let sync = Scheduler::synchronous();
        let (e0, f0, b0, t0) = build(&whole);
        let (e0, f0, b0, t0) = (
            e0.compute_with(&sync).unwrap(),
            f0.compute_with(&sync).unwrap(),
            b0.compute_with(&sync).unwrap(),
            t0.compute_scalar_with(&sync).unwrap(),
        );
        let (e, f, b, t) = build(&x);
        let mut ran = 0;
        for limit in [1usize << 10, 16 << 10, 256 << 10, 1 << 30] {
            for s in common::schedulers() {
                let s = s.with_memory_limit(limit);
                let at = format!("under {limit} on {s:?}");
                let refused = |r: &chunkwise::Error| matches!(r, Error::OverMemoryBudget { .. });
                match e.compute_with(&s) {
                    Ok(got) => assert_eq!(got, e0, "edt {at}"),
                    Err(err) => assert!(refused(&err), "edt {at}: {err}"),
                }
                match f.compute_with(&s) {
                    Ok(got) => assert_eq!(got, f0, "fill {at}"),
                    Err(err) => assert!(refused(&err), "fill {at}: {err}"),
                }
                match b.compute_with(&s) {
                    Ok(got) => assert_eq!(got, b0, "watershed {at}"),
                    Err(err) => assert!(refused(&err), "watershed {at}: {err}"),
                }
                match t.compute_scalar_with(&s) {
                    Ok(got) => {
                        assert_eq!(got, t0, "regionprops {at}");
                        ran += 1;
                    }
                    Err(err) => assert!(refused(&err), "regionprops {at}: {err}"),
                }
            }
        }
        assert!(
            ran >= common::schedulers().len(),
            "the largest limit runs everything"
        );
        // Nested: each block's function takes the distance transform of its own block.
        let pool = Scheduler::threads(2);
        for inner in [
            pool.clone(),
            Scheduler::threads(3),
            Scheduler::synchronous(),
        ] {
            let nested = x.map(|v| v > 0.2).map_blocks(move |b| {
                let block = Array::from_ndarray(b.to_owned(), [2, 2]).unwrap();
                ndmorph::distance_transform_edt(&block, None)
                    .unwrap()
                    .compute_with(&inner)
                    .unwrap()
            });
            let got = nested.compute_with(&pool).unwrap();
            // Each block's own transform, computed alone.
            let mask = x.map(|v| v > 0.2).compute_with(&sync).unwrap();
            let layout = x.chunk_layout().clone();
            let (mut r0, sizes) = (0, layout.sizes());
            for rows in &sizes[0] {
                let mut c0 = 0;
                for cols in &sizes[1] {
                    let part = mask
                        .slice(ndarray::s![r0..r0 + rows, c0..c0 + cols])
                        .to_owned();
                    let alone = Array::from_ndarray(part, [*rows, *cols]).unwrap();
                    let want = ndmorph::distance_transform_edt(&alone, None)
                        .unwrap()
                        .compute_with(&sync)
                        .unwrap();
                    assert_eq!(
                        got.slice(ndarray::s![r0..r0 + rows, c0..c0 + cols])
                            .into_dyn(),
                        want
                    );
                    c0 += cols;
                }
                r0 += rows;
            }
        }
    });
}
