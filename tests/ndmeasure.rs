//! ndmeasure against scipy.ndimage: every measurement of labelled objects in 2-D and 3-D,
//! for an index list that repeats a label, names an absent one and the background, under
//! several chunkings (blocks of one element included). The reference results were made by
//! `scripts/ndmeasure_fixtures.py` and are committed under `tests/data/ndmeasure/`.

mod common;

use std::path::PathBuf;

use chunkwise::{Array, Error, Scheduler, ndmeasure, ndmorph};
use ndarray::{ArrayD, Dimension, IxDyn};
use serde_json::Value;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/ndmeasure")
}

fn read<T>(name: &str, shape: &[usize], size: usize, f: fn(&[u8]) -> T) -> ArrayD<T> {
    let bytes = std::fs::read(data_dir().join(name)).unwrap();
    ArrayD::from_shape_vec(IxDyn(shape), bytes.chunks_exact(size).map(f).collect()).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap_or(f64::NAN))
        .collect()
}

fn close(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (a, b) in got.iter().zip(want) {
        let ok = (a.is_nan() && b.is_nan()) || (a - b).abs() <= 1e-9 * b.abs().max(1.0);
        assert!(ok, "{what}: {got:?} != {want:?}");
    }
}

#[test]
fn every_measurement_matches_scipy_whatever_the_chunking() {
    let s = Scheduler::threads(2);
    for name in ["m2d", "m3d"] {
        let want: Value = serde_json::from_str(
            &std::fs::read_to_string(data_dir().join(format!("{name}.json"))).unwrap(),
        )
        .unwrap();
        let shape: Vec<usize> = want["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect();
        let index: Vec<u32> = want["index"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as u32)
            .collect();
        let image = read(&format!("{name}_image.bin"), &shape, 8, |c| {
            f64::from_le_bytes(c.try_into().unwrap())
        });
        let labels = read(&format!("{name}_labels.bin"), &shape, 4, |c| {
            u32::from_le_bytes(c.try_into().unwrap())
        });
        let chunkings = [
            shape.iter().map(|&n| vec![n]).collect::<Vec<_>>(),
            shape.iter().map(|&n| vec![1; n]).collect(),
            common::seeded_chunks(&shape, 3),
        ];
        for chunks in chunkings {
            let x = Array::from_ndarray(image.clone(), chunks.clone()).unwrap();
            // Labels in other blocks than the image: aligned on the fly.
            let l = Array::from_ndarray(labels.clone(), common::seeded_chunks(&shape, 8)).unwrap();
            let what = |f: &str| format!("{name} {f} with chunks {chunks:?}");
            let vec = |a: Array<f64>| {
                a.compute_with(&s)
                    .unwrap()
                    .iter()
                    .copied()
                    .collect::<Vec<f64>>()
            };
            close(
                &vec(ndmeasure::sum(&x, &l, &index).unwrap()),
                &floats(&want["sum"]),
                &what("sum"),
            );
            close(
                &vec(ndmeasure::mean(&x, &l, &index).unwrap()),
                &floats(&want["mean"]),
                &what("mean"),
            );
            close(
                &vec(ndmeasure::variance(&x, &l, &index).unwrap()),
                &floats(&want["variance"]),
                &what("variance"),
            );
            close(
                &vec(ndmeasure::standard_deviation(&x, &l, &index).unwrap()),
                &floats(&want["standard_deviation"]),
                &what("standard_deviation"),
            );
            // Extremes are values of the image: exact.
            assert_eq!(
                vec(ndmeasure::minimum(&x, &l, &index).unwrap()),
                floats(&want["minimum"]),
                "{}",
                what("minimum")
            );
            assert_eq!(
                vec(ndmeasure::maximum(&x, &l, &index).unwrap()),
                floats(&want["maximum"]),
                "{}",
                what("maximum")
            );
            let counts: Vec<u64> = ndmeasure::count(&x, &l, &index)
                .unwrap()
                .compute_with(&s)
                .unwrap()
                .iter()
                .copied()
                .collect();
            let want_counts: Vec<u64> = want["count"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap())
                .collect();
            assert_eq!(counts, want_counts, "{}", what("count"));
            let com = vec(ndmeasure::center_of_mass(&x, &l, &index).unwrap());
            let want_com: Vec<f64> = want["center_of_mass"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(floats)
                .collect();
            close(&com, &want_com, &what("center_of_mass"));
            let (_, _, at_lo, at_hi) = ndmeasure::extrema(&x, &l, &index).unwrap();
            let rows = |a: Array<usize>| {
                a.compute_with(&s)
                    .unwrap()
                    .iter()
                    .map(|&v| v as u64)
                    .collect::<Vec<u64>>()
            };
            let want_rows = |k: &str| -> Vec<u64> {
                want[k]
                    .as_array()
                    .unwrap()
                    .iter()
                    .flat_map(|r| r.as_array().unwrap().iter().map(|v| v.as_u64().unwrap()))
                    .collect()
            };
            assert_eq!(
                rows(at_lo),
                want_rows("minimum_position"),
                "{}",
                what("minimum_position")
            );
            assert_eq!(
                rows(at_hi),
                want_rows("maximum_position"),
                "{}",
                what("maximum_position")
            );
            let boxes = ndmeasure::find_objects(&l).unwrap();
            let want_boxes: Vec<Option<Vec<std::ops::Range<usize>>>> = want["find_objects"]
                .as_array()
                .unwrap()
                .iter()
                .map(|b| {
                    b.as_array().map(|rs| {
                        rs.iter()
                            .map(|r| {
                                r[0].as_u64().unwrap() as usize..r[1].as_u64().unwrap() as usize
                            })
                            .collect()
                    })
                })
                .collect();
            assert_eq!(boxes, want_boxes, "{}", what("find_objects"));
        }
    }
}

#[test]
fn labeled_comprehension_applies_a_closure_to_each_object() {
    let x = Array::from_ndarray(common::data(&[12, 10], 4), [5, 3]).unwrap();
    let labels = ArrayD::from_shape_fn(IxDyn(&[12, 10]), |i| ((i[0] / 4) * 3 + i[1] / 4) as u32);
    let l = Array::from_ndarray(labels.clone(), [12, 10]).unwrap();
    let index = [0, 4, 8, 40];
    // The sum by closure equals ndmeasure::sum; an absent label gives the default.
    let by_closure =
        ndmeasure::labeled_comprehension(&x, &l, &index, |v: &[f64]| v.iter().sum::<f64>(), -1.0)
            .unwrap()
            .compute()
            .unwrap();
    let by_sum = ndmeasure::sum(&x, &l, &index).unwrap().compute().unwrap();
    for k in 0..3 {
        assert!((by_closure[[k]] - by_sum[[k]]).abs() < 1e-12);
    }
    assert_eq!(by_closure[[3]], -1.0);
}

#[test]
fn bad_labels_and_indexes_are_errors() {
    let x = Array::<f64>::zeros(&[4, 4], [2, 2]).unwrap();
    let l = Array::<u32>::zeros(&[4, 3], [2, 2]).unwrap();
    assert!(matches!(
        ndmeasure::mean(&x, &l, &[1]),
        Err(Error::IncompatibleShapes { op: "mean", .. })
    ));
    let l = Array::<u32>::zeros(&[4, 4], [2, 2]).unwrap();
    assert!(matches!(
        ndmeasure::sum(&x, &l, &[]),
        Err(Error::InvalidParameter { name: "index", .. })
    ));
    // A label far above 2^24 is kept in a map, not a table as long as the label.
    let big = Array::<u32>::full(&[4, 4], [2, 2], u32::MAX - 1).unwrap();
    let c = ndmeasure::count(&x, &big, &[u32::MAX - 1, 3])
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(c, ndarray::array![16u64, 0].into_dyn());
}

/// The structure a label fixture names, as the script makes it.
fn label_structure(name: &str, ndim: usize) -> ArrayD<bool> {
    match name {
        "face" => ndmorph::generate_binary_structure(ndim, 1),
        "full" => ndmorph::generate_binary_structure(ndim, ndim),
        // Joined along the last axis only.
        "rows" => {
            ArrayD::from_shape_fn(IxDyn(&vec![3; ndim]), |i| (0..ndim - 1).all(|k| i[k] == 1))
        }
        // The corner neighbours only: no left neighbour (labelled cell by cell).
        "corners" => corners(ndim),
        // The corners and the left and right neighbours: the row before is reached at shifts
        // -1 and +1 but not 0.
        "xrow" => {
            let c = corners(ndim);
            ArrayD::from_shape_fn(IxDyn(&vec![3; ndim]), |i| {
                c[&i]
                    || (0..ndim - 1).all(|k| i[k] == 1) && i[ndim - 1] != 1
                    || i.slice().iter().all(|&k| k == 1)
            })
        }
        other => panic!("unknown structure {other}"),
    }
}

fn corners(ndim: usize) -> ArrayD<bool> {
    ArrayD::from_shape_fn(IxDyn(&vec![3; ndim]), |i| {
        i.slice().iter().all(|&k| k != 1) || i.slice().iter().all(|&k| k == 1)
    })
}

#[test]
fn labels_equal_scipys_whatever_the_chunking() {
    let s = Scheduler::threads(2);
    let manifest = std::fs::read_to_string(data_dir().join("label_manifest.txt")).unwrap();
    for line in manifest.lines().filter(|l| !l.is_empty()) {
        let f: Vec<&str> = line.split_whitespace().collect();
        let (name, sname, n) = (f[0], f[1], f[2].parse::<usize>().unwrap());
        let shape: Vec<usize> =
            std::fs::read_to_string(data_dir().join(format!("{name}_mask.shape")))
                .unwrap()
                .split_whitespace()
                .map(|v| v.parse().unwrap())
                .collect();
        let mask = read(&format!("{name}_mask.bin"), &shape, 1, |c| c[0] != 0);
        let want = read(&format!("{name}_{sname}_labels.bin"), &shape, 4, |c| {
            u32::from_le_bytes(c.try_into().unwrap())
        });
        let clear_want = read(&format!("{name}_{sname}_cleared.bin"), &shape, 4, |c| {
            u32::from_le_bytes(c.try_into().unwrap())
        });
        let structure = label_structure(sname, shape.len());
        let chunkings = [
            shape.iter().map(|&k| vec![k]).collect::<Vec<_>>(),
            shape.iter().map(|&k| vec![1; k]).collect(),
            shape
                .iter()
                .map(|&k| chunkwise::Chunks::regular(&[k], &[4]).unwrap().sizes()[0].clone())
                .collect(),
            common::seeded_chunks(&shape, 11),
        ];
        for chunks in chunkings {
            let m = Array::from_ndarray(mask.clone(), chunks.clone()).unwrap();
            let (labels, count) = ndmeasure::label_with_structure(&m, structure.clone()).unwrap();
            let (got, got_n) = chunkwise::compute((&labels, &count), &s).unwrap();
            assert_eq!(got_n[[]], n, "{line} with chunks {chunks:?}");
            assert_eq!(got, want, "{line} with chunks {chunks:?}");
            // scikit-image's clear_border of scipy's labels, from labels in these blocks.
            let l = Array::from_ndarray(want.clone(), chunks.clone()).unwrap();
            let cleared = ndmeasure::clear_border(&l)
                .unwrap()
                .compute_with(&s)
                .unwrap();
            assert_eq!(
                cleared, clear_want,
                "clear_border {line} with chunks {chunks:?}"
            );
        }
    }
}

#[test]
fn bad_structures_for_labels_are_errors() {
    let m = Array::full(&[4, 4], [2, 2], false).unwrap();
    let wide = ArrayD::from_elem(IxDyn(&[3, 5]), true);
    assert!(matches!(
        ndmeasure::label_with_structure(&m, wide),
        Err(Error::InvalidParameter {
            op: "label",
            name: "structure",
            ..
        })
    ));
    let lopsided = ndarray::array![
        [true, false, false],
        [false, true, false],
        [false, false, false]
    ]
    .into_dyn();
    let e = ndmeasure::label_with_structure(&m, lopsided).unwrap_err();
    assert!(e.to_string().contains("symmetric"), "{e}");
}

/// Labels of the whole mask by breadth-first flood fill through `structure` (3 cells on every
/// axis, centre-symmetric), numbered in raster order of each object's first cell: the oracle
/// for the property test.
fn flood_fill(mask: &ArrayD<bool>, structure: &ArrayD<bool>) -> (ArrayD<u32>, usize) {
    let shape = mask.shape().to_vec();
    let offsets: Vec<Vec<isize>> = structure
        .indexed_iter()
        .filter(|&(_, &on)| on)
        .map(|(i, _)| i.slice().iter().map(|&k| k as isize - 1).collect())
        .collect();
    let mut out = ArrayD::<u32>::zeros(IxDyn(&shape));
    let mut n = 0u32;
    let cells: Vec<Vec<usize>> = ndarray::indices(IxDyn(&shape))
        .into_iter()
        .map(|i| ndarray::Dimension::slice(&i).to_vec())
        .collect();
    for start in cells {
        if !mask[IxDyn(&start)] || out[IxDyn(&start)] != 0 {
            continue;
        }
        n += 1;
        out[IxDyn(&start)] = n;
        let mut queue = std::collections::VecDeque::from([start]);
        while let Some(c) = queue.pop_front() {
            'offsets: for o in &offsets {
                let mut nb = c.clone();
                for k in 0..shape.len() {
                    let p = c[k] as isize + o[k];
                    if p < 0 || p as usize >= shape[k] {
                        continue 'offsets;
                    }
                    nb[k] = p as usize;
                }
                if mask[IxDyn(&nb)] && out[IxDyn(&nb)] == 0 {
                    out[IxDyn(&nb)] = n;
                    queue.push_back(nb);
                }
            }
        }
    }
    (out, n as usize)
}

/// A structure for `ndim` axes: face or full connectivity, or random neighbours made
/// centre-symmetric (with or without the left neighbour, so both ways of labelling a block).
fn structures(ndim: usize) -> impl Strategy<Value = ArrayD<bool>> {
    let cells = 3usize.pow(ndim as u32);
    (0..3u8, proptest::collection::vec(any::<bool>(), cells)).prop_map(move |(kind, random)| {
        match kind {
            0 => ndmorph::generate_binary_structure(ndim, 1),
            1 => ndmorph::generate_binary_structure(ndim, ndim),
            _ => {
                let random = ArrayD::from_shape_vec(IxDyn(&vec![3; ndim]), random).unwrap();
                ArrayD::from_shape_fn(IxDyn(&vec![3; ndim]), |i| {
                    let mirror: Vec<usize> = i.slice().iter().map(|&k| 2 - k).collect();
                    random[&i] || random[IxDyn(&mirror)]
                })
            }
        }
    })
}

/// A mask of `shape`: random cells, or long winding runs (every other row full, joined at
/// alternating ends), which cross many blocks and join far from where they start.
fn masks() -> impl Strategy<Value = (ArrayD<bool>, Vec<Vec<usize>>)> {
    common::shape()
        .prop_flat_map(|shape| {
            let n: usize = shape.iter().product();
            (
                Just(shape.clone()),
                proptest::collection::vec(any::<bool>(), n),
                any::<bool>(),
                common::chunking(shape),
            )
        })
        .prop_map(|(shape, random, winding, chunks)| {
            let mask = if winding && shape.len() >= 2 {
                let (r, c) = (shape.len() - 2, shape.len() - 1);
                ArrayD::from_shape_fn(IxDyn(&shape), |i| {
                    let (row, col) = (i[r], i[c]);
                    row % 2 == 0
                        || (row % 4 == 1 && col + 1 == shape[c])
                        || (row % 4 == 3 && col == 0)
                })
            } else {
                ArrayD::from_shape_vec(IxDyn(&shape), random).unwrap()
            };
            (mask, chunks)
        })
}

use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// `label` of random masks through face, full or random structures, under random
    /// chunkings (empty axes, 0-d arrays and blocks of size 0 included), equals a whole-array
    /// flood fill.
    #[test]
    fn label_equals_a_whole_array_flood_fill(
        ((mask, chunks), structure) in masks().prop_flat_map(|m| {
            let ndim = m.0.ndim();
            (Just(m), structures(ndim))
        })
    ) {
        let (want, n) = flood_fill(&mask, &structure);
        let m = Array::from_ndarray(mask, chunks).unwrap();
        let (labels, count) = ndmeasure::label_with_structure(&m, structure).unwrap();
        let (got, got_n) = chunkwise::compute((&labels, &count), &Scheduler::threads(2)).unwrap();
        prop_assert_eq!(got_n[[]], n);
        prop_assert_eq!(got, want);
    }
}

/// One histogram fixture: `image` of element type `T`, checked against numpy's and
/// scikit-image's results under several chunkings, blocks of one element included.
fn check_histograms<T>(name: &str, image: ArrayD<T>, want: &Value)
where
    T: ndmeasure::Measurable + Into<f64>,
{
    let s = Scheduler::threads(2);
    let shape = image.shape().to_vec();
    let counts = |v: &Value| -> Vec<u64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_u64().unwrap())
            .collect()
    };
    let range = floats(&want["range"]);
    let q = floats(&want["q"]);
    let chunkings = [
        shape.iter().map(|&n| vec![n]).collect::<Vec<_>>(),
        shape.iter().map(|&n| vec![1; n]).collect(),
        common::seeded_chunks(&shape, 5),
    ];
    for chunks in chunkings {
        let x = Array::from_ndarray(image.clone(), chunks.clone()).unwrap();
        let what = |f: &str| format!("{name} {f} with chunks {chunks:?}");
        let u64s = |a: Array<u64>| {
            a.compute_with(&s)
                .unwrap()
                .iter()
                .copied()
                .collect::<Vec<_>>()
        };
        let f64s = |a: Array<f64>| {
            a.compute_with(&s)
                .unwrap()
                .iter()
                .copied()
                .collect::<Vec<_>>()
        };
        let hist = |bins, range| u64s(ndmeasure::histogram(&x, bins, range).unwrap());
        assert_eq!(
            hist(10, None),
            counts(&want["histogram_10"]),
            "{}",
            what("histogram 10")
        );
        assert_eq!(
            hist(256, None),
            counts(&want["histogram_256"]),
            "{}",
            what("histogram 256")
        );
        assert_eq!(
            hist(7, Some((range[0], range[1]))),
            counts(&want["histogram_7_range"]),
            "{}",
            what("histogram 7 over a range")
        );
        assert_eq!(
            f64s(ndmeasure::histogram_bin_edges(&x, 10, None).unwrap()),
            floats(&want["histogram_edges_10"]),
            "{}",
            what("edges")
        );
        // Exact, not close: the ranks are found exactly and interpolated as numpy does.
        assert_eq!(
            f64s(ndmeasure::quantile(&x, &q).unwrap()),
            floats(&want["quantile"]),
            "{}",
            what("quantile")
        );
        let p: Vec<f64> = q.iter().map(|q| q * 100.0).collect();
        assert_eq!(
            f64s(ndmeasure::percentile(&x, &p).unwrap()),
            floats(&want["percentile"]),
            "{}",
            what("percentile")
        );
        let unique: Vec<f64> = ndmeasure::unique(&x)
            .unwrap()
            .compute_scalar_with(&s)
            .unwrap()
            .into_iter()
            .map(Into::into)
            .collect();
        assert_eq!(unique, floats(&want["unique"]), "{}", what("unique"));
        for nbins in [256, 37] {
            let t = ndmeasure::threshold_otsu(&x, nbins).unwrap();
            let want = want[format!("otsu_{nbins}")].as_f64().unwrap();
            assert_eq!(t.compute_scalar_with(&s).unwrap(), want, "{}", what("otsu"));
        }
    }
}

#[test]
fn histograms_quantiles_and_otsu_equal_numpys_and_scikit_images() {
    let manifest = std::fs::read_to_string(data_dir().join("histogram_manifest.txt")).unwrap();
    for line in manifest.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let (name, dtype) = (words[0], words[1]);
        let shape: Vec<usize> = words[2..].iter().map(|w| w.parse().unwrap()).collect();
        let want: Value = serde_json::from_str(
            &std::fs::read_to_string(data_dir().join(format!("{name}_hist.json"))).unwrap(),
        )
        .unwrap();
        let file = format!("{name}.bin");
        match dtype {
            "<f8" => check_histograms(
                name,
                read(&file, &shape, 8, |c| {
                    f64::from_le_bytes(c.try_into().unwrap())
                }),
                &want,
            ),
            "|u1" => check_histograms(name, read(&file, &shape, 1, |c| c[0]), &want),
            "<u2" => {
                let im = read(&file, &shape, 2, |c| {
                    u16::from_le_bytes(c.try_into().unwrap())
                });
                let x = Array::from_ndarray(im.clone(), common::seeded_chunks(&shape, 4)).unwrap();
                let got = ndmeasure::bincount(&x, 0)
                    .unwrap()
                    .compute_scalar()
                    .unwrap();
                let counts: Vec<u64> = want["bincount"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c.as_u64().unwrap())
                    .collect();
                assert_eq!(got, counts, "{name} bincount");
                check_histograms(name, im, &want);
            }
            "<i4" => check_histograms(
                name,
                read(&file, &shape, 4, |c| {
                    i32::from_le_bytes(c.try_into().unwrap())
                }),
                &want,
            ),
            other => panic!("fixture {name}: unexpected dtype {other}"),
        }
    }
}

/// Random integer-valued images with random chunkings (0-d arrays and empty axes included).
fn images() -> impl Strategy<Value = (ArrayD<i32>, Vec<Vec<usize>>)> {
    common::shape().prop_flat_map(|shape| {
        let n: usize = shape.iter().product();
        let image = proptest::collection::vec(-20i32..60, n);
        let chunks = common::chunking(shape.clone());
        (image, chunks).prop_map(move |(v, chunks)| {
            (ArrayD::from_shape_vec(IxDyn(&shape), v).unwrap(), chunks)
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    /// Histogram, bincount, unique, quantile and Otsu's threshold of random images under
    /// random chunkings equal plain whole-array versions written here: bins found by
    /// comparing with the edges, a sort for the order statistics, and Otsu's threshold of the
    /// same image in one block.
    #[test]
    fn histograms_and_order_statistics_equal_whole_array_oracles((image, chunks) in images()) {
        let s = Scheduler::threads(2);
        let x = Array::from_ndarray(image.clone(), chunks).unwrap();
        let mut sorted: Vec<i32> = image.iter().copied().collect();
        sorted.sort_unstable();

        let edges = ndmeasure::histogram_bin_edges(&x, 6, Some((-5.0, 30.5))).unwrap().compute_with(&s).unwrap();
        let mut want = vec![0u64; 6];
        for &v in &sorted {
            let v = f64::from(v);
            if let Some(i) = (0..6).find(|&i| edges[i] <= v && (v < edges[i + 1] || (i == 5 && v == edges[6]))) {
                want[i] += 1;
            }
        }
        let got = ndmeasure::histogram(&x, 6, Some((-5.0, 30.5))).unwrap().compute_with(&s).unwrap();
        prop_assert_eq!(got.iter().copied().collect::<Vec<_>>(), want);

        let mut distinct = sorted.clone();
        distinct.dedup();
        prop_assert_eq!(ndmeasure::unique(&x).unwrap().compute_scalar_with(&s).unwrap(), distinct);

        let shifted = x.map(|v| (v + 20) as u32);
        let mut counts = vec![0u64; 3];
        for &v in &sorted {
            let v = (v + 20) as usize;
            if v >= counts.len() { counts.resize(v + 1, 0); }
            counts[v] += 1;
        }
        prop_assert_eq!(ndmeasure::bincount(&shifted, 3).unwrap().compute_scalar_with(&s).unwrap(), counts);

        let q = [0.0, 0.3, 0.5, 0.95, 1.0];
        let got = ndmeasure::quantile(&x, &q).unwrap().compute_with(&s);
        let one_block: Vec<Vec<usize>> = image.shape().iter().map(|&n| vec![n]).collect();
        let whole = Array::from_ndarray(image.clone(), one_block).unwrap();
        let otsu = ndmeasure::threshold_otsu(&x, 20).unwrap().compute_scalar_with(&s);
        let otsu_whole = ndmeasure::threshold_otsu(&whole, 20).unwrap().compute_scalar_with(&s);
        if sorted.is_empty() {
            let empty = |r: &Result<_, Error>| matches!(r, Err(Error::EmptyReduction { .. }));
            prop_assert!(empty(&got.map(|_| ())));
            prop_assert!(empty(&otsu.map(|_| ())));
        } else {
            let n = sorted.len();
            for (g, q) in got.unwrap().iter().zip(q) {
                let at = (n - 1) as f64 * q;
                let (lo, hi) = (sorted[at.floor() as usize], sorted[at.ceil() as usize]);
                let want = f64::from(lo) + f64::from(hi - lo) * (at - at.floor());
                prop_assert!((g - want).abs() <= 1e-9, "quantile {}: {} != {}", q, g, want);
            }
            let otsu = otsu.unwrap();
            prop_assert_eq!(otsu, otsu_whole.unwrap());
            prop_assert!(sorted.contains(&(otsu as i32)), "an integer image's threshold is one of its values");
        }
    }
}

#[test]
fn bad_histogram_and_quantile_arguments_are_errors() {
    let x = Array::from_ndarray(ndarray::array![1.0, f64::NAN, 3.0].into_dyn(), [2]).unwrap();
    let bad = |r: Result<Array<u64>, Error>| matches!(r, Err(Error::InvalidParameter { .. }));
    assert!(bad(ndmeasure::histogram(&x, 0, None)));
    assert!(bad(ndmeasure::histogram(&x, 3, Some((2.0, 1.0)))));
    assert!(bad(ndmeasure::histogram(&x, 3, Some((0.0, f64::INFINITY)))));
    // The default range of an array holding NaN is not finite: an error at compute.
    let e = ndmeasure::histogram(&x, 3, None)
        .unwrap()
        .compute()
        .unwrap_err();
    assert!(e.to_string().contains("NaN"), "{e}");
    // An explicit range leaves NaN uncounted, as numpy.
    let h = ndmeasure::histogram(&x, 2, Some((1.0, 3.0)))
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(h, ndarray::array![1u64, 1].into_dyn());
    for q in [&[][..], &[1.5], &[-0.1], &[f64::NAN]] {
        assert!(
            matches!(
                ndmeasure::quantile(&x, q),
                Err(Error::InvalidParameter { .. })
            ),
            "{q:?}"
        );
    }
    assert!(ndmeasure::percentile(&x, &[100.5]).is_err());
    // NaN among the values makes every quantile NaN, as numpy.
    let q = ndmeasure::quantile(&x, &[0.0, 0.5])
        .unwrap()
        .compute()
        .unwrap();
    assert!(q.iter().all(|v| v.is_nan()));
    assert!(
        ndmeasure::threshold_otsu(&x, 256)
            .unwrap()
            .compute_scalar()
            .is_err()
    );
    assert!(ndmeasure::threshold_otsu(&x, 0).is_err());
    // NaN sorts last and counts once in unique, as numpy's default.
    let u = ndmeasure::unique(&chunkwise::concatenate(0, [&x, &x]).unwrap())
        .unwrap()
        .compute_scalar()
        .unwrap();
    assert_eq!(&u[..2], &[1.0, 3.0]);
    assert!(u.len() == 3 && u[2].is_nan());
    let neg = Array::from_ndarray(ndarray::array![3i64, -2].into_dyn(), [1]).unwrap();
    let e = ndmeasure::bincount(&neg, 0)
        .unwrap()
        .compute_scalar()
        .unwrap_err();
    assert!(e.to_string().contains("-2"), "{e}");
    // A constant image's threshold is its value, as scikit-image's.
    let c = Array::<u16>::full(&[4, 4], [3, 3], 9).unwrap();
    assert_eq!(
        ndmeasure::threshold_otsu(&c, 256)
            .unwrap()
            .compute_scalar()
            .unwrap(),
        9.0
    );
}

/// examples/segment.rs's pipeline (smooth, Otsu, closing, clear the border, label, measure)
/// on scikit-image's coins equals scipy's and scikit-image's results, in blocks of any shape.
#[test]
fn segmenting_coins_equals_scipy_and_scikit_image_in_any_blocks() {
    let s = Scheduler::threads(2);
    let dir = data_dir().join("../segment");
    let want: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("segment.json")).unwrap()).unwrap();
    let want_areas: Vec<u64> = want["areas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    for blocks in [[303, 384], [50, 61], [128, 17]] {
        let coins = Array::<u8>::from_npy(dir.join("coins.npy"), blocks).unwrap();
        let smooth = chunkwise::ndfilters::gaussian_filter(
            &coins.map(f64::from),
            2.0,
            chunkwise::Boundary::Reflect,
        )
        .unwrap();
        let threshold = ndmeasure::threshold_otsu(&smooth, 256).unwrap();
        let foreground = smooth.zip_with(&threshold, |v, t| v > t).unwrap();
        let square = ArrayD::from_elem(IxDyn(&[3, 3]), true);
        let closed = ndmorph::binary_closing(&foreground, Some(square), 1).unwrap();
        let (labels, _) = ndmeasure::label(&closed, ndmeasure::Connectivity::Face).unwrap();
        let inner = ndmeasure::clear_border(&labels).unwrap().map(|l| l > 0);
        let (objects, count) = ndmeasure::label(&inner, ndmeasure::Connectivity::Face).unwrap();
        let (objects, n, t) = chunkwise::compute((&objects, &count, &threshold), &s).unwrap();
        // Close, not equal: the Gaussian's sums round in another order than scipy's.
        close(
            &[t[[]]],
            &[want["threshold"].as_f64().unwrap()],
            "threshold",
        );
        assert_eq!(
            n[[]] as u64,
            want["count"].as_u64().unwrap(),
            "count in blocks {blocks:?}"
        );
        let objects = Array::from_ndarray(objects, blocks).unwrap();
        let index: Vec<u32> = (1..=n[[]] as u32).collect();
        let areas = ndmeasure::count(&coins, &objects, &index)
            .unwrap()
            .compute_with(&s)
            .unwrap();
        assert_eq!(
            areas.iter().copied().collect::<Vec<_>>(),
            want_areas,
            "areas in blocks {blocks:?}"
        );
        let means = ndmeasure::mean(&coins, &objects, &index)
            .unwrap()
            .compute_with(&s)
            .unwrap();
        close(
            means.as_slice().unwrap(),
            &floats(&want["mean_intensity"]),
            "mean intensity",
        );
    }
}

/// A panic in a user closure of the image modules (labeled_comprehension, generic_filter) is
/// an `Err` naming the task, on another pool than the default, and the pool then runs the
/// next compute; a closure may itself compute an array (on the default pool) without hanging.
#[test]
fn panics_and_nested_computes_in_image_closures() {
    common::with_watchdog("panics and nested computes in image closures", || {
        panics_and_nested_computes()
    });
}

fn panics_and_nested_computes() {
    let s = Scheduler::threads(2);
    let values = ndarray::Array::from_iter((0..64).map(f64::from))
        .into_shape_with_order((8, 8))
        .unwrap()
        .into_dyn();
    let x = Array::from_ndarray(values, [3, 3]).unwrap();
    let labels = x.map(|v| (v as u32) % 3);
    let boom = ndmeasure::labeled_comprehension(
        &x,
        &labels,
        &[1, 2],
        |v: &[f64]| -> f64 {
            if v.len() > 5 {
                panic!("boom in a comprehension");
            }
            v[0]
        },
        0.0,
    )
    .unwrap()
    .compute_with(&s)
    .unwrap_err();
    assert!(
        matches!(&boom, Error::TaskPanicked { message, .. } if message.contains("boom in a comprehension")),
        "{boom}"
    );
    let boom = chunkwise::ndfilters::generic_filter(
        &x,
        3,
        chunkwise::Boundary::Reflect,
        |w: &mut [f64]| {
            if w[4] > 60.0 {
                panic!("boom in a filter");
            }
            w[4]
        },
    )
    .unwrap()
    .compute_with(&s)
    .unwrap_err();
    assert!(
        matches!(&boom, Error::TaskPanicked { message, .. } if message.contains("boom in a filter")),
        "{boom}"
    );
    // The pool keeps working, and a closure that computes (a histogram of its object's values,
    // on the default pool) finishes with the right answer.
    let counts = ndmeasure::labeled_comprehension(
        &x,
        &labels,
        &[0, 1, 2],
        |v: &[f64]| -> u64 {
            let a =
                Array::from_ndarray(ndarray::Array::from_vec(v.to_vec()).into_dyn(), [4]).unwrap();
            ndmeasure::histogram(&a, 1, Some((0.0, 63.0)))
                .unwrap()
                .compute()
                .unwrap()[[0]]
        },
        0,
    )
    .unwrap()
    .compute_with(&s)
    .unwrap();
    assert_eq!(counts, ndarray::array![22u64, 21, 21].into_dyn());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Quantiles, percentiles and medians along an axis equal a sort of each lane and numpy's
    /// linear interpolation, with and without NaN skipped, for every axis.
    #[test]
    fn quantiles_along_an_axis_match_sorted_lanes(
        shape in common::shape(),
        seed in any::<u64>(),
        block in 1usize..4,
    ) {
        let a = common::data(&shape, seed).mapv(|v| if v > 5.0 { f64::NAN } else { v });
        let chunks: Vec<usize> = shape.iter().map(|&m| block.min(m.max(1))).collect();
        let x = Array::from_ndarray(a.clone(), chunks).unwrap();
        let q = [0.0, 0.1, 0.37, 0.5, 1.0];
        let of = |lane: Vec<f64>, p: f64| -> f64 {
            if lane.is_empty() || lane.iter().any(|v| v.is_nan()) { return f64::NAN; }
            let mut v = lane;
            v.sort_by(|a, b| a.partial_cmp(b).unwrap());
            let at = p * (v.len() - 1) as f64;
            let (lo, hi) = (at.floor() as usize, at.ceil() as usize);
            v[lo] + (v[hi] - v[lo]) * (at - lo as f64)
        };
        let close = |g: f64, w: f64| (g.is_nan() && w.is_nan()) || (g - w).abs() <= 1e-12 * w.abs().max(1.0);
        for k in 0..shape.len() {
            let got = ndmeasure::quantile_axis(&x, &q, k).unwrap().compute().unwrap();
            let nan = ndmeasure::nanquantile_axis(&x, &q, k).unwrap().compute().unwrap();
            let med = ndmeasure::median_axis(&x, k).unwrap().compute().unwrap();
            let lanes: Vec<Vec<f64>> = a.lanes(ndarray::Axis(k)).into_iter().map(|l| l.to_vec()).collect();
            let rest: usize = lanes.len();
            prop_assert_eq!(got.len(), q.len() * rest);
            for (i, &p) in q.iter().enumerate() {
                for (j, lane) in lanes.iter().enumerate() {
                    let g = got.as_slice().unwrap()[i * rest + j];
                    prop_assert!(close(g, of(lane.clone(), p)), "q {} lane {:?}: {}", p, lane, g);
                    let kept: Vec<f64> = lane.iter().copied().filter(|v| !v.is_nan()).collect();
                    let g = nan.as_slice().unwrap()[i * rest + j];
                    prop_assert!(close(g, of(kept, p)), "nan q {} lane {:?}: {}", p, lane, g);
                }
            }
            for (j, lane) in lanes.iter().enumerate() {
                prop_assert!(close(med.as_slice().unwrap()[j], of(lane.clone(), 0.5)));
            }
        }
    }
}

/// Values numpy gave: `np.quantile(x, [0.1, 0.37, 0.5, 0.99], axis=1)`.
#[test]
fn quantiles_along_an_axis_equal_numpys() {
    let x = Array::from_ndarray(
        ndarray::array![[4.0, 1.0, 3.0, 8.0], [10.0, 0.0, 2.0, 2.0]],
        [2, 3],
    )
    .unwrap();
    let got = ndmeasure::quantile_axis(&x, &[0.1, 0.37, 0.5, 0.99], 1)
        .unwrap()
        .compute()
        .unwrap();
    let want = ndarray::array![
        [1.6, 0.6000000000000001],
        [3.11, 2.0],
        [3.5, 2.0],
        [7.879999999999999, 9.759999999999998]
    ];
    assert_eq!(got, want.into_dyn());
    assert!(ndmeasure::quantile_axis(&x, &[1.5], 0).is_err());
    assert!(ndmeasure::median_axis(&x, 2).is_err());
}

/// numpy's `histogramdd` with explicit edges, written as its definition: for each point, in
/// each dimension the bin whose half-open interval holds it (the last bin closed), found by a
/// linear walk over the edges; density divides by each dimension's widths, then by the total.
fn histogramdd_ref(
    sample: &[ArrayD<f64>],
    edges: &[Vec<f64>],
    weights: Option<&ArrayD<f64>>,
    density: bool,
) -> ArrayD<f64> {
    let bins: Vec<usize> = edges.iter().map(|e| e.len() - 1).collect();
    let mut h = ArrayD::<f64>::zeros(IxDyn(&bins));
    let flat: Vec<Vec<f64>> = sample.iter().map(|a| a.iter().copied().collect()).collect();
    let w: Vec<f64> =
        weights.map_or_else(|| vec![1.0; flat[0].len()], |w| w.iter().copied().collect());
    'points: for p in 0..flat[0].len() {
        let mut at = Vec::new();
        for (k, e) in edges.iter().enumerate() {
            let v = flat[k][p];
            let last = e.len() - 2;
            let found = (0..=last).rev().find(|&i| {
                (e[i] <= v && v < e[i + 1]) || (i == last && v == e[i + 1] && e[i] <= v)
            });
            match found {
                Some(i) => at.push(i),
                None => continue 'points,
            }
        }
        h[IxDyn(&at)] += w[p];
    }
    if density {
        let s = h.sum();
        for (k, e) in edges.iter().enumerate() {
            for (i, mut lane) in h.axis_iter_mut(ndarray::Axis(k)).enumerate() {
                let width = e[i + 1] - e[i];
                lane.mapv_inplace(|v| v / width);
            }
        }
        h.mapv_inplace(|v| v / s);
    }
    h
}

#[test]
fn histogramdd_matches_its_definition_over_chunkings() {
    for seed in 0..40u64 {
        let n = (seed % 4) as usize * 7;
        let shape = if seed % 3 == 0 {
            vec![n]
        } else {
            vec![n / 7 + 1, 3]
        };
        let d = 1 + (seed % 3) as usize;
        let sample: Vec<ArrayD<f64>> = (0..d)
            .map(|k| {
                let mut s = seed * 31 + k as u64;
                ArrayD::from_shape_simple_fn(IxDyn(&shape), || {
                    s = s
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    match s >> 61 {
                        0 => f64::NAN,
                        1 => 1.0, // on an edge
                        _ => ((s >> 40) % 700) as f64 / 100.0 - 1.0,
                    }
                })
            })
            .collect();
        let edges: Vec<Vec<f64>> = (0..d)
            .map(|k| match (seed + k as u64) % 3 {
                0 => ndmeasure::uniform_edges(4, (0.0, 5.0)).unwrap(),
                1 => vec![-0.5, 1.0, 1.0, 2.5, 6.0],
                _ => vec![1.0, 3.0],
            })
            .collect();
        let w = ArrayD::from_shape_fn(IxDyn(&shape), |i| 0.5 + i.slice()[0] as f64);
        for chunks in common::four_chunkings(&shape) {
            let arrays: Vec<Array<f64>> = sample
                .iter()
                .map(|a| Array::from_ndarray(a.clone(), chunks.clone()).unwrap())
                .collect();
            let refs: Vec<&Array<f64>> = arrays.iter().collect();
            let wa = Array::from_ndarray(w.clone(), chunks.clone()).unwrap();
            for (weights, density) in [
                (None, false),
                (Some((&wa, &w)), false),
                (None, true),
                (Some((&wa, &w)), true),
            ] {
                let got = ndmeasure::histogramdd(&refs, &edges, weights.map(|p| p.0), density)
                    .unwrap()
                    .compute()
                    .unwrap();
                let want = histogramdd_ref(&sample, &edges, weights.map(|p| p.1), density);
                let same = got
                    .iter()
                    .zip(want.iter())
                    .all(|(a, b)| a == b || (a.is_nan() && b.is_nan()));
                assert!(
                    same && got.shape() == want.shape(),
                    "seed {seed}, chunks {chunks:?}, weights {}, density {density}: {got} vs {want}",
                    weights.is_some()
                );
            }
        }
    }
    // Bad edges and shapes are errors naming them.
    let x = Array::from_ndarray(ndarray::array![1.0, 2.0].into_dyn(), [1]).unwrap();
    let y = Array::from_ndarray(ndarray::array![1.0, 2.0, 3.0].into_dyn(), [1]).unwrap();
    assert!(
        ndmeasure::histogramdd(&[&x], &[vec![1.0]], None, false)
            .unwrap_err()
            .to_string()
            .contains("at least 2 finite edges")
    );
    assert!(
        ndmeasure::histogramdd(&[&x], &[vec![2.0, 1.0]], None, false)
            .unwrap_err()
            .to_string()
            .contains("monotonically increasing")
    );
    assert!(ndmeasure::histogramdd(&[&x], &[vec![0.0, 1.0], vec![0.0, 1.0]], None, false).is_err());
    assert!(
        ndmeasure::histogram2d(&x, &y, [&[0.0, 1.0], &[0.0, 1.0]], None, false)
            .unwrap_err()
            .to_string()
            .contains("incompatible")
    );
    assert!(ndmeasure::uniform_edges(0, (0.0, 1.0)).is_err());
}

#[test]
fn unique_counts_inverse_and_weighted_bincount_match_their_definitions() {
    for seed in 0..30u64 {
        let n = (seed % 6) as usize * 5;
        let mut s = seed;
        let mut next = || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            s >> 40
        };
        let vals: Vec<f64> = (0..n)
            .map(|_| {
                if next() % 7 == 0 {
                    f64::NAN
                } else {
                    (next() % 5) as f64
                }
            })
            .collect();
        let a = ArrayD::from_shape_vec(IxDyn(&[n]), vals.clone()).unwrap();
        for chunks in common::four_chunkings(&[n]) {
            let x = Array::from_ndarray(a.clone(), chunks.clone()).unwrap();
            // numpy: sorted distinct values, NaNs as one at the end.
            let mut distinct: Vec<f64> = vals.iter().copied().filter(|v| !v.is_nan()).collect();
            distinct.sort_by(|p, q| p.partial_cmp(q).unwrap());
            distinct.dedup();
            let nans = vals.iter().filter(|v| v.is_nan()).count();
            let mut counts: Vec<u64> = distinct
                .iter()
                .map(|d| vals.iter().filter(|v| *v == d).count() as u64)
                .collect();
            if nans > 0 {
                distinct.push(f64::NAN);
                counts.push(nans as u64);
            }
            let (v, c) = ndmeasure::unique_counts(&x).unwrap();
            let (v, c) = chunkwise::compute((&v, &c), &Scheduler::threads(2)).unwrap();
            let same = |p: &[f64], q: &[f64]| {
                p.len() == q.len()
                    && p.iter()
                        .zip(q)
                        .all(|(a, b)| a == b || (a.is_nan() && b.is_nan()))
            };
            assert!(same(&v[[]], &distinct), "{:?} vs {distinct:?}", v[[]]);
            assert_eq!(c[[]], counts);
            let (v2, inv) = ndmeasure::unique_inverse(&x).unwrap();
            let v2 = v2.compute_scalar().unwrap();
            let inv = inv.compute().unwrap();
            let back: Vec<f64> = inv.iter().map(|&i| v2[i]).collect();
            assert!(same(&back, &vals), "values[inverse] gives the array back");
            // Weighted bincount of integer codes.
            let codes = a.mapv(|v| if v.is_nan() { 9u16 } else { v as u16 });
            let w = ArrayD::from_shape_fn(IxDyn(&[n]), |i| 0.25 * (i[0] % 3) as f64);
            let xc = Array::from_ndarray(codes.clone(), chunks.clone()).unwrap();
            let xw = Array::from_ndarray(w.clone(), chunks.clone()).unwrap();
            let got = ndmeasure::bincount_weighted(&xc, &xw, 3)
                .unwrap()
                .compute_scalar()
                .unwrap();
            let len = codes
                .iter()
                .map(|&c| c as usize + 1)
                .max()
                .unwrap_or(0)
                .max(3);
            let mut want = vec![0.0; len];
            for (c, wv) in codes.iter().zip(w.iter()) {
                want[*c as usize] += wv;
            }
            assert_eq!(got, want);
        }
    }
    let x = Array::from_ndarray(ndarray::array![1u8, 2].into_dyn(), [1]).unwrap();
    let w = Array::from_ndarray(ndarray::array![1.0].into_dyn(), [1]).unwrap();
    assert!(ndmeasure::bincount_weighted(&x, &w, 0).is_err());
}

/// The inputs of `scripts/watershed_fixtures.py`, by its formulas.
fn ws_inputs(
    shape: &[usize],
    levels: u64,
    period: u64,
    signed: bool,
) -> (ArrayD<u64>, ArrayD<i64>, ArrayD<bool>) {
    let n: usize = shape.iter().product();
    let p = 0..n as u64;
    let h = p.clone().map(|p| ((7 * p + 3) % 13) / levels).collect();
    let m = p
        .clone()
        .map(|p| {
            let l = if (37 * p + 11) % period == 0 {
                1 + (p % 5) as i64
            } else {
                0
            };
            if signed && p % 3 == 0 { -l } else { l }
        })
        .collect();
    let mask = p.map(|p| (11 * p + 5) % 7 != 0).collect();
    (
        ArrayD::from_shape_vec(IxDyn(shape), h).unwrap(),
        ArrayD::from_shape_vec(IxDyn(shape), m).unwrap(),
        ArrayD::from_shape_vec(IxDyn(shape), mask).unwrap(),
    )
}

#[test]
fn watersheds_match_scikit_image_and_scipy_whatever_the_chunking() {
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/ndmeasure/watershed.txt"),
    )
    .unwrap();
    let mut cases = 0;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split(" ; ").collect();
        let shape: Vec<usize> = f[1].split('x').map(|s| s.parse().unwrap()).collect();
        let p: std::collections::BTreeMap<&str, &str> = f[2]
            .split_whitespace()
            .map(|kv| kv.split_once('=').unwrap())
            .collect();
        let want: Vec<i64> = f[3].split(',').map(|v| v.parse().unwrap()).collect();
        let levels = p["levels"].parse().unwrap();
        let period = p["period"].parse().unwrap();
        let conn: usize = p["connectivity"].parse().unwrap();
        let (h, m, mask) = ws_inputs(&shape, levels, period, f[0] == "watershed_ift");
        for chunks in common::four_chunkings(&shape) {
            let context = format!("{line:.80}, chunks {chunks:?}");
            // Markers and mask chunked unlike the image.
            let other = common::seeded_chunks(&shape, 3);
            let got: Vec<i64> = if f[0] == "watershed" {
                let mut heights = h.mapv(|v| v as f64);
                if p["distinct"] == "1" {
                    // Markers raised by p / 10^6: no two at the same height.
                    for (k, (v, &l)) in heights.iter_mut().zip(m.iter()).enumerate() {
                        if l != 0 {
                            *v += k as f64 / 1e6;
                        }
                    }
                }
                let img = Array::from_ndarray(heights, chunks.clone()).unwrap();
                let mk = Array::from_ndarray(m.mapv(|v| v as u32), other.clone()).unwrap();
                let mask = Array::from_ndarray(mask.clone(), other.clone()).unwrap();
                let use_mask = p["mask"] == "1";
                let mask = use_mask.then_some(&mask);
                let out = if p["line"] == "1" {
                    ndmeasure::watershed_lines(&img, &mk, conn, mask)
                } else {
                    ndmeasure::watershed(&img, &mk, conn, mask)
                }
                .unwrap();
                assert_eq!(out.chunks(), img.chunks(), "{context}");
                out.compute()
                    .unwrap()
                    .iter()
                    .map(|&v| i64::from(v))
                    .collect()
            } else {
                let img = Array::from_ndarray(h.mapv(|v| (v * 20) as u8), chunks.clone()).unwrap();
                let mk = Array::from_ndarray(m.mapv(|v| v as i32), other.clone()).unwrap();
                let st = ndmorph::generate_binary_structure(shape.len(), conn);
                let out = ndmeasure::watershed_ift(&img, &mk, Some(st)).unwrap();
                out.compute()
                    .unwrap()
                    .iter()
                    .map(|&v| i64::from(v))
                    .collect()
            };
            assert_eq!(got, want, "{context}");
        }
        cases += 1;
    }
    assert!(cases >= 250, "{cases} cases read");
}

#[test]
fn watershed_errors_name_the_bad_input() {
    let img = Array::from_ndarray(ndarray::Array2::<f64>::zeros((4, 5)), [2, 2]).unwrap();
    let mk = Array::from_ndarray(ndarray::Array2::<u32>::zeros((4, 4)), [2, 2]).unwrap();
    assert!(matches!(
        ndmeasure::watershed(&img, &mk, 1, None),
        Err(Error::IncompatibleShapes {
            op: "watershed",
            ..
        })
    ));
    let mk = Array::from_ndarray(ndarray::Array2::<u32>::zeros((4, 5)), [2, 2]).unwrap();
    assert!(matches!(
        ndmeasure::watershed(&img, &mk, 3, None),
        Err(Error::InvalidParameter {
            name: "connectivity",
            ..
        })
    ));
    let mask = Array::from_ndarray(ndarray::Array1::from_elem(5, true), [2]).unwrap();
    assert!(matches!(
        ndmeasure::watershed(&img, &mk, 1, Some(&mask)),
        Err(Error::IncompatibleShapes { .. })
    ));
    let u = Array::from_ndarray(ndarray::Array2::<u8>::zeros((4, 5)), [2, 2]).unwrap();
    let sm = Array::from_ndarray(ndarray::Array2::<i32>::zeros((4, 5)), [2, 2]).unwrap();
    let wide = Some(ndarray::Array2::from_elem((5, 5), true).into_dyn());
    assert!(matches!(
        ndmeasure::watershed_ift(&u, &sm, wide),
        Err(Error::InvalidParameter {
            name: "structure",
            ..
        })
    ));
}

/// The labels and intensity of `scripts/regionprops_fixtures.py`, by its formulas.
fn regionprops_inputs(case: &str) -> (ArrayD<u32>, ArrayD<f64>) {
    let labels = if case == "2d" {
        // Centre, quadratic form (a, b, c), bound.
        type Ellipse = ((i64, i64), (i64, i64, i64), i64);
        let ellipses: [Ellipse; 6] = [
            ((8, 10), (4, 3, 2), 60),
            ((20, 30), (1, -1, 3), 80),
            ((30, 12), (5, 0, 1), 90),
            ((12, 38), (2, 2, 2), 70),
            ((33, 40), (1, 1, 1), 20),
            ((25, 22), (3, -4, 3), 40),
        ];
        let mut l = ArrayD::<u32>::zeros(IxDyn(&[40, 50]));
        for (k, ((ci, cj), (a, b, c), r)) in ellipses.iter().enumerate() {
            for i in 0..40 {
                for j in 0..50 {
                    let (di, dj) = (i as i64 - ci, j as i64 - cj);
                    if a * di * di + b * di * dj + c * dj * dj <= *r {
                        l[[i, j]] = 3 * k as u32 + 2;
                    }
                }
            }
        }
        l[[0, 49]] = 40;
        l[[39, 0]] = 40;
        for i in 28..40 {
            for j in 2..50 {
                if (i - 28) + 2 * (j - 2) <= 10 {
                    l[[i, j]] = 50;
                }
            }
        }
        l
    } else {
        type Ellipsoid = ((i64, i64, i64), (i64, i64, i64, i64), i64);
        let ellipsoids: [Ellipsoid; 3] = [
            ((4, 5, 4), (2, 1, 3, 1), 20),
            ((8, 9, 6), (1, 2, 1, -1), 14),
            ((6, 4, 7), (3, 1, 1, 1), 12),
        ];
        let mut l = ArrayD::<u32>::zeros(IxDyn(&[12, 14, 10]));
        for (n, ((ci, cj, ck), (a, b, c, d), r)) in ellipsoids.iter().enumerate() {
            for i in 0..12 {
                for j in 0..14 {
                    for k in 0..10 {
                        let (di, dj, dk) = (i as i64 - ci, j as i64 - cj, k as i64 - ck);
                        if a * di * di + b * dj * dj + c * dk * dk + d * di * dj <= *r {
                            l[[i, j, k]] = 3 * n as u32 + 2;
                        }
                    }
                }
            }
        }
        for i in 7..12 {
            for j in 1..14 {
                for k in 1..10 {
                    if (i - 7) + 2 * (j - 1) + 3 * (k - 1) <= 8 {
                        l[[i, j, k]] = 50;
                    }
                }
            }
        }
        l
    };
    let n = labels.len() as u64;
    let shape = labels.shape().to_vec();
    let intensity = ArrayD::from_shape_vec(
        IxDyn(&shape),
        (0..n)
            .map(|p| ((7 * p + 3) % 13) as f64 / 2.0 + 1.0)
            .collect(),
    )
    .unwrap();
    (labels, intensity)
}

#[test]
fn region_tables_match_scikit_image_whatever_the_chunking() {
    use ndmeasure::Property::*;
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/ndmeasure/regionprops.txt"),
    )
    .unwrap();
    let all = [
        Area,
        AreaBbox,
        Bbox,
        Centroid,
        CentroidWeighted,
        IntensityMean,
        IntensityMin,
        IntensityMax,
        Moments,
        MomentsCentral,
        MomentsNormalized,
        MomentsHu,
        InertiaTensor,
        InertiaTensorEigvals,
        AxisMajorLength,
        AxisMinorLength,
        Orientation,
        Eccentricity,
        EquivalentDiameterArea,
        Extent,
    ];
    for case in ["2d", "3d"] {
        let (labels, intensity) = regionprops_inputs(case);
        let props: Vec<_> = all
            .iter()
            .copied()
            .filter(|p| case == "2d" || !matches!(p, MomentsHu | Orientation | Eccentricity))
            .collect();
        let want: Vec<(&str, Vec<f64>)> = text
            .lines()
            .filter(|l| l.starts_with(case))
            .map(|l| {
                let f: Vec<&str> = l.split(" ; ").collect();
                (f[1], f[2].split(',').map(|v| v.parse().unwrap()).collect())
            })
            .collect();
        for chunks in common::four_chunkings(labels.shape()) {
            let l = Array::from_ndarray(labels.clone(), chunks.clone()).unwrap();
            let x =
                Array::from_ndarray(intensity.clone(), common::seeded_chunks(labels.shape(), 4))
                    .unwrap();
            let t = ndmeasure::regionprops_table(&l, Some(&x), &props)
                .unwrap()
                .compute_scalar()
                .unwrap();
            let (_, want_labels) = &want[0];
            assert_eq!(
                t.labels.iter().map(|&v| f64::from(v)).collect::<Vec<_>>(),
                *want_labels,
                "{case} labels"
            );
            assert_eq!(t.columns.len(), want.len() - 1, "{case}: the columns");
            for (name, values) in &want[1..] {
                let got = t
                    .column(name)
                    .unwrap_or_else(|| panic!("{case}: no column {name}"));
                // The column's scale, but at least a millionth of its family's (the columns
                // named alike before the first '-'): a central moment that cancels to nearly 0
                // is computed from moments as large as the rest of its family.
                let largest = |v: &[f64]| {
                    v.iter()
                        .filter(|v| v.is_finite())
                        .fold(f64::MIN_POSITIVE, |m, v| m.max(v.abs()))
                };
                let family = name.split('-').next().unwrap();
                let family_scale = want
                    .iter()
                    .filter(|(n, _)| n.split('-').next() == Some(family))
                    .map(|(_, v)| largest(v))
                    .fold(0.0, f64::max);
                let scale = largest(values).max(1e-6 * family_scale);
                for (k, (&g, &w)) in got.iter().zip(values).enumerate() {
                    let ok = (g.is_nan() && w.is_nan()) || (g - w).abs() <= 1e-9 * scale;
                    assert!(
                        ok,
                        "{case} {name}[{k}] (label {}): {g} vs {w}, chunks {chunks:?}",
                        t.labels[k]
                    );
                }
            }
        }
    }
}

#[test]
fn region_tables_refuse_what_they_cannot_measure() {
    use ndmeasure::Property;
    let l = Array::from_ndarray(ndarray::Array3::<u32>::ones((3, 3, 3)), [2, 2, 2]).unwrap();
    let e = ndmeasure::regionprops_table(&l, None::<&Array<f64>>, &[Property::Orientation])
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::InvalidParameter {
                name: "properties",
                ..
            }
        ),
        "{e}"
    );
    let e = ndmeasure::regionprops_table(&l, None::<&Array<f64>>, &[Property::IntensityMean])
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::InvalidParameter {
                name: "properties",
                ..
            }
        ),
        "{e}"
    );
    let x = Array::from_ndarray(ndarray::Array3::<f64>::ones((3, 3, 2)), [2, 2, 2]).unwrap();
    let e = ndmeasure::regionprops_table(&l, Some(&x), &[Property::Area]).unwrap_err();
    assert!(matches!(e, Error::IncompatibleShapes { .. }), "{e}");
    // No regions: an empty table with the columns asked for.
    let z = Array::from_ndarray(ndarray::Array2::<u32>::zeros((4, 4)), [3, 3]).unwrap();
    let t = ndmeasure::regionprops_table(&z, None::<&Array<f64>>, &[Property::Centroid])
        .unwrap()
        .compute_scalar()
        .unwrap();
    assert!(t.labels.is_empty());
    assert_eq!(t.column("centroid-1"), Some(&[][..]));
}

#[test]
fn medians_sums_and_value_indices_match_scipy_whatever_the_chunking() {
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/ndmeasure/values.txt"),
    )
    .unwrap();
    let field = |key: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{key} ;")))
            .unwrap()
            .split(" ; ")
            .nth(1)
            .unwrap()
            .to_string()
    };
    let index: Vec<u32> = field("index")
        .split(',')
        .map(|v| v.parse().unwrap())
        .collect();
    let floats =
        |key: &str| -> Vec<f64> { field(key).split(',').map(|v| v.parse().unwrap()).collect() };
    let (labels, light) = regionprops_inputs("2d");
    let codes = light.mapv(|v| (v * 2.0) as u8);
    for chunks in common::four_chunkings(labels.shape()) {
        let l = Array::from_ndarray(labels.clone(), chunks.clone()).unwrap();
        let x =
            Array::from_ndarray(light.clone(), common::seeded_chunks(labels.shape(), 6)).unwrap();
        let median = ndmeasure::median(&x, &l, &index)
            .unwrap()
            .compute()
            .unwrap();
        assert_eq!(
            median.iter().copied().collect::<Vec<_>>(),
            floats("median"),
            "{chunks:?}"
        );
        let sums = ndmeasure::sum_labels(&x, &l, &index)
            .unwrap()
            .compute()
            .unwrap();
        for (g, w) in sums.iter().zip(floats("sum_labels")) {
            assert!((g - w).abs() <= 1e-12 * w.abs(), "{chunks:?}: {g} vs {w}");
        }
        let by_label = ndmeasure::value_indices(&l, Some(0))
            .unwrap()
            .compute_scalar()
            .unwrap();
        let c = Array::from_ndarray(codes.clone(), chunks.clone()).unwrap();
        let by_code = ndmeasure::value_indices(&c, None)
            .unwrap()
            .compute_scalar()
            .unwrap();
        let mut seen = 0;
        for line in text.lines().filter(|l| l.starts_with("value_indices")) {
            let (head, axes) = line.split_once(" ; ").unwrap();
            let words: Vec<&str> = head.split_whitespace().collect();
            let value: u64 = words[2].parse().unwrap();
            let want: Vec<Vec<usize>> = axes
                .split(" ; ")
                .map(|a| a.split(',').map(|v| v.parse().unwrap()).collect())
                .collect();
            let got = if words[1] == "labels" {
                by_label.get(value as u32).map(|g| g.to_vec())
            } else {
                by_code.get(value as u8).map(|g| g.to_vec())
            };
            assert_eq!(got, Some(want), "{} {value}, chunks {chunks:?}", words[1]);
            seen += 1;
        }
        assert_eq!(
            seen,
            by_label.values.len() + by_code.values.len(),
            "no value scipy lacks"
        );
    }
}
