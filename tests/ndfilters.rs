//! ndfilters against scipy.ndimage: every filter, every mode, several chunkings (blocks smaller
//! than the kernel radius included), to 1e-10. The reference outputs were made by
//! `scripts/ndfilters_fixtures.py` and are committed under `tests/data/ndfilters/`.

mod common;

use std::path::PathBuf;

use chunkwise::{Array, Boundary, Error, Scheduler, ndfilters};
use ndarray::{ArrayD, IxDyn};

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/ndfilters")
}

fn read(name: &str, shape: &[usize]) -> ArrayD<f64> {
    let bytes = std::fs::read(data_dir().join(name)).unwrap();
    let v: Vec<f64> = bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect();
    ArrayD::from_shape_vec(IxDyn(shape), v).unwrap()
}

fn boundary(mode: &str, cval: f64) -> Boundary<f64> {
    match mode {
        "reflect" => Boundary::Reflect,
        "mirror" => Boundary::Mirror,
        "nearest" => Boundary::Nearest,
        "wrap" => Boundary::Periodic,
        "constant" => Boundary::Constant(cval),
        other => panic!("unknown mode {other}"),
    }
}

/// Chunkings to try for a shape: one block, blocks of 1 (smaller than every radius), small
/// regular blocks, and irregular ones.
fn chunkings(shape: &[usize]) -> Vec<Vec<Vec<usize>>> {
    let regular = |b: usize| {
        shape
            .iter()
            .map(|&n| {
                let mut v = vec![b; n / b];
                if n % b != 0 {
                    v.push(n % b);
                }
                v
            })
            .collect::<Vec<_>>()
    };
    let irregular = shape
        .iter()
        .map(|&n| {
            let mut v = vec![1, n / 2 - 1];
            v.push(n - v.iter().sum::<usize>());
            v
        })
        .collect();
    vec![
        shape.iter().map(|&n| vec![n]).collect(),
        regular(1),
        regular(2),
        regular(4),
        irregular,
    ]
}

/// Per-axis sizes written `1x3`.
fn sizes(param: &str) -> Vec<usize> {
    param.split('x').map(|n| n.parse().unwrap()).collect()
}

/// The neighbourhood a fixture names: a size (`3`), sizes per axis (`1x3`), or a footprint made
/// as `scripts/ndfilters_fixtures.py` makes it (`cross`, `skew`).
fn window(param: &str, ndim: usize) -> ndfilters::Window {
    use ndfilters::IntoWindow;
    match param {
        "cross" => {
            let f = ArrayD::from_shape_fn(IxDyn(&vec![3; ndim]), |i| {
                ndarray::Dimension::slice(&i)
                    .iter()
                    .filter(|&&k| k != 1)
                    .count()
                    <= 1
            });
            (&f).into_window(ndim)
        }
        "skew" => {
            let shape: &[usize] = if ndim == 2 { &[2, 3] } else { &[2, 2, 3] };
            let f = ArrayD::from_shape_vec(
                IxDyn(shape),
                (0..shape.iter().product())
                    .map(|k: usize| k % 3 != 1)
                    .collect(),
            )
            .unwrap();
            (&f).into_window(ndim)
        }
        p if p.contains('x') => sizes(p).into_window(ndim),
        p => p.parse::<usize>().unwrap().into_window(ndim),
    }
}

/// The weights `scripts/ndfilters_fixtures.py` correlates with: `k - 2` at row-major cell `k`
/// of a (3, 2) or (2, 3, 2) array.
fn weights(ndim: usize) -> ArrayD<f64> {
    let shape: &[usize] = if ndim == 2 { &[3, 2] } else { &[2, 3, 2] };
    let n: usize = shape.iter().product();
    ArrayD::from_shape_vec(IxDyn(shape), (0..n).map(|k| k as f64 - 2.0).collect()).unwrap()
}

fn run(
    filter: &str,
    param: &str,
    x: &Array<f64>,
    b: Boundary<f64>,
) -> chunkwise::Result<Array<f64>> {
    let size = || param.parse::<usize>().unwrap();
    match filter {
        "gaussian" => ndfilters::gaussian_filter(x, param.parse().unwrap(), b),
        "uniform" if param.contains('x') => ndfilters::uniform_filter(x, sizes(param), b),
        "uniform" => ndfilters::uniform_filter(x, size(), b),
        "median" => ndfilters::median_filter(x, window(param, x.ndim()), b),
        "minimum" => ndfilters::minimum_filter(x, window(param, x.ndim()), b),
        "maximum" => ndfilters::maximum_filter(x, window(param, x.ndim()), b),
        "sobel" => ndfilters::sobel(x, size(), b),
        "prewitt" => ndfilters::prewitt(x, size(), b),
        "rank" if param == "2" => ndfilters::rank_filter(x, 2, 3, b),
        "rank" => ndfilters::rank_filter(x, param.parse().unwrap(), window("skew", x.ndim()), b),
        "percentile" if param == "30" => ndfilters::percentile_filter(x, 30.0, 3, b),
        "percentile" => {
            ndfilters::percentile_filter(x, param.parse().unwrap(), window("skew", x.ndim()), b)
        }
        "generic_range" => ndfilters::generic_filter(x, size(), b, |v: &mut [f64]| {
            let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            hi - lo
        }),
        "correlate" => ndfilters::correlate(x, &weights(x.ndim()), b),
        "convolve" => ndfilters::convolve(x, &weights(x.ndim()), b),
        "gaussian_order" => {
            // The fixtures' sigma: 2 in 2-D, 1 in 3-D.
            let n = x.ndim();
            let sigma = if n == 2 { 2.0 } else { 1.0 };
            ndfilters::gaussian_derivative(x, &vec![sigma; n], &sizes(param), 4.0, b)
        }
        "gradient_magnitude" => {
            ndfilters::gaussian_gradient_magnitude(x, param.parse().unwrap(), b)
        }
        "gaussian_laplace" => ndfilters::gaussian_laplace(x, param.parse().unwrap(), b),
        "laplace" => ndfilters::laplace(x, b),
        other => panic!("unknown filter {other}"),
    }
}

#[test]
fn every_filter_and_mode_matches_scipy_whatever_the_chunking() {
    let manifest = std::fs::read_to_string(data_dir().join("manifest.txt")).unwrap();
    let pool = Scheduler::threads(2);
    let mut checked = 0;
    for line in manifest.lines().filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split_whitespace().collect();
        let (filter, param, mode, cval, input, output) = (f[0], f[1], f[2], f[3], f[4], f[5]);
        let shape: Vec<usize> = std::fs::read_to_string(data_dir().join(format!("{input}.shape")))
            .unwrap()
            .split_whitespace()
            .map(|s| s.parse().unwrap())
            .collect();
        let a = read(&format!("{input}.bin"), &shape);
        let expected = read(output, &shape);
        for chunks in chunkings(&shape) {
            let x = Array::from_ndarray(a.clone(), chunks.clone()).unwrap();
            let y = run(filter, param, &x, boundary(mode, cval.parse().unwrap())).unwrap();
            assert_eq!(y.chunks(), &chunks[..]);
            let got = y.compute_with(&pool).unwrap();
            let err = (&got - &expected)
                .iter()
                .fold(0.0f64, |m, d| m.max(d.abs()));
            assert!(
                err <= 1e-10,
                "{line} with chunks {chunks:?}: max abs error {err:e}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 375 * 5);
}

#[test]
fn the_synchronous_scheduler_and_f32_agree() {
    let a = read("in2d.bin", &[13, 17]);
    let x = Array::from_ndarray(a.clone(), [4, 5]).unwrap();
    let y = ndfilters::gaussian_filter(&x, 2.0, Boundary::Reflect).unwrap();
    let expected = read("in2d_gaussian_2.0_reflect.bin", &[13, 17]);
    common::assert_array_eq(&y, &y.compute_with(&Scheduler::synchronous()).unwrap());
    let err = (&y.compute().unwrap() - &expected)
        .iter()
        .fold(0.0f64, |m, d| m.max(d.abs()));
    assert!(err <= 1e-10);
    let x32 = Array::from_ndarray(a.mapv(|v| v as f32), [4, 5]).unwrap();
    let y32 = ndfilters::gaussian_filter(&x32, 2.0f32, Boundary::Reflect)
        .unwrap()
        .compute()
        .unwrap();
    let err = (&y32.mapv(f64::from) - &expected)
        .iter()
        .fold(0.0f64, |m, d| m.max(d.abs()));
    assert!(err <= 1e-5, "f32 error {err}");
}

#[test]
fn bad_filter_arguments_are_errors() {
    let x = Array::<f64>::zeros(&[5, 5], [2, 2]).unwrap();
    assert_eq!(
        ndfilters::gaussian_filter(&x, 1.0, Boundary::None).unwrap_err(),
        Error::UnsupportedBoundary {
            op: "gaussian_filter",
            boundary: "None"
        }
    );
    assert_eq!(
        ndfilters::uniform_filter(&x, 0, Boundary::Reflect).unwrap_err(),
        Error::InvalidParameter {
            op: "uniform_filter",
            name: "size",
            value: "[0, 0]".into(),
            expected: "extents of at least 1"
        }
    );
    // Ranks and percentiles outside the neighbourhood, derivative orders and weights that do
    // not fit.
    let bad_rank = ndfilters::rank_filter(&x, 9, 3, Boundary::Reflect).unwrap_err();
    assert!(
        matches!(bad_rank, Error::InvalidParameter { name: "rank", .. }),
        "{bad_rank}"
    );
    assert!(ndfilters::rank_filter(&x, -10, 3, Boundary::Reflect).is_err());
    assert!(ndfilters::rank_filter(&x, -9, 3, Boundary::Reflect).is_ok());
    for p in [f64::NAN, 100.5, -100.5, f64::INFINITY] {
        assert!(matches!(
            ndfilters::percentile_filter(&x, p, 3, Boundary::Reflect),
            Err(Error::InvalidParameter {
                name: "percentile",
                ..
            })
        ));
    }
    for orders in [&[1][..], &[0, 65]] {
        assert!(matches!(
            ndfilters::gaussian_derivative(&x, &[1.0, 1.0], orders, 4.0, Boundary::Reflect),
            Err(Error::InvalidParameter { name: "order", .. })
        ));
    }
    let flat = ndarray::array![1.0, 2.0].into_dyn();
    assert!(matches!(
        ndfilters::correlate(&x, &flat, Boundary::Reflect),
        Err(Error::InvalidParameter {
            name: "weights",
            ..
        })
    ));
    // All-zero weights give zeros, as scipy's.
    let zeros = ArrayD::<f64>::zeros(IxDyn(&[3, 3]));
    let y = ndfilters::convolve(&x, &zeros, Boundary::Reflect).unwrap();
    assert!(y.compute().unwrap().iter().all(|&v| v == 0.0));
    // One size per axis, of another length than the axes.
    assert_eq!(
        ndfilters::median_filter(&x, [3, 3, 3], Boundary::Reflect)
            .unwrap_err()
            .to_string(),
        "median_filter: size = [3, 3, 3] is not valid; expected one extent per axis of the array"
    );
    // Footprints of another rank, or selecting nothing.
    let flat = ndarray::array![true, true];
    assert!(matches!(
        ndfilters::minimum_filter(&x, &flat, Boundary::Reflect),
        Err(Error::InvalidParameter {
            name: "footprint",
            ..
        })
    ));
    let empty = ndarray::Array2::from_elem((3, 3), false);
    assert!(matches!(
        ndfilters::maximum_filter(&x, &empty, Boundary::Reflect),
        Err(Error::InvalidParameter {
            name: "footprint",
            expected: "a footprint with at least one true cell",
            ..
        })
    ));
    // A footprint wider than the axis: its ghost cells repeat the boundary rule, as scipy's
    // (the values against scipy are in the fixtures); the zeros stay zeros.
    let wide = ndarray::Array2::from_elem((1, 13), true);
    let y = ndfilters::median_filter(&x, &wide, Boundary::Reflect).unwrap();
    assert!(y.compute().unwrap().iter().all(|&v| v == 0.0));
    assert_eq!(
        ndfilters::sobel(&x, 2, Boundary::Reflect).unwrap_err(),
        Error::AxisOutOfRange {
            op: "sobel",
            axis: 2,
            ndim: 2
        }
    );
    // A kernel radius (round(4 * 2) = 8) larger than the axis is fine, as in scipy; one whose
    // padded blocks could never be allocated is refused before the kernel is made.
    let y = ndfilters::gaussian_filter(&x, 2.0, Boundary::Reflect).unwrap();
    assert!(y.compute().unwrap().iter().all(|&v| v == 0.0));
    assert!(matches!(
        ndfilters::gaussian_filter(&x, 1e17, Boundary::Reflect),
        Err(Error::DepthTooLarge { .. })
    ));
    assert!(matches!(
        ndfilters::laplace(&x, vec![Boundary::Reflect]),
        Err(Error::BoundaryRank { .. })
    ));
}

/// Every numeric parameter of every filter, driven with NaN, infinities, negatives, zero and
/// huge values: each call is an `Err` naming the value, or a result equal to the same filter
/// on one block (the oracle), never a panic. Nothing proportional to a parameter may be
/// allocated before it is checked, which the memory-limited run below makes an abort.
#[test]
fn bad_numbers_are_errors_or_right_never_panics() {
    let x = Array::<f64>::random(&[9, 7], [4, 3], 5).unwrap();
    let whole = x.rechunk([9, 7]).unwrap();
    let floats = [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        -1.0,
        -0.0,
        0.0,
        0.5,
        1e15,
        f64::MAX,
    ];
    let sizes = [0usize, 1, 2, 3, 7, 100, usize::MAX / 2, usize::MAX];
    type Filter = Box<dyn Fn(&Array<f64>) -> chunkwise::Result<Array<f64>>>;
    let mut cases: Vec<(String, Filter)> = Vec::new();
    for &s in &floats {
        cases.push((
            format!("gaussian_filter sigma {s}"),
            Box::new(move |a| ndfilters::gaussian_filter(a, s, Boundary::Reflect)),
        ));
        cases.push((
            format!("gaussian_filter_axes sigma [0, {s}]"),
            Box::new(move |a| {
                ndfilters::gaussian_filter_axes(a, &[0.0, s], 4.0, Boundary::Nearest)
            }),
        ));
        cases.push((
            format!("gaussian_filter_axes truncate {s}"),
            Box::new(move |a| {
                ndfilters::gaussian_filter_axes(a, &[1.0, 1.0], s, Boundary::Nearest)
            }),
        ));
    }
    for &n in &sizes {
        cases.push((
            format!("uniform_filter size {n}"),
            Box::new(move |a| ndfilters::uniform_filter(a, n, Boundary::Reflect)),
        ));
        cases.push((
            format!("minimum_filter size {n}"),
            Box::new(move |a| ndfilters::minimum_filter(a, n, Boundary::Nearest)),
        ));
        cases.push((
            format!("maximum_filter size {n}"),
            Box::new(move |a| ndfilters::maximum_filter(a, n, Boundary::Nearest)),
        ));
        cases.push((
            format!("median_filter size {n}"),
            Box::new(move |a| ndfilters::median_filter(a, n, Boundary::Reflect)),
        ));
        cases.push((
            format!("median_filter size [1, {n}]"),
            Box::new(move |a| ndfilters::median_filter(a, [1, n], Boundary::Reflect)),
        ));
        cases.push((
            format!("uniform_filter size [{n}, 1]"),
            Box::new(move |a| ndfilters::uniform_filter(a, [n, 1], Boundary::Mirror)),
        ));
        cases.push((
            format!("sobel axis {n}"),
            Box::new(move |a| ndfilters::sobel(a, n, Boundary::Reflect)),
        ));
    }
    for (name, f) in &cases {
        let got = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            f(&x).and_then(|y| y.compute_with(&Scheduler::threads(2)))
        }));
        let got = got.unwrap_or_else(|_| panic!("{name}: panicked"));
        match got {
            Err(e) => {
                // The error names what was wrong.
                let text = e.to_string();
                assert!(
                    matches!(
                        e,
                        Error::InvalidParameter { .. }
                            | Error::DepthTooLarge { .. }
                            | Error::UnsupportedSize { .. }
                            | Error::AxisOutOfRange { .. }
                    ),
                    "{name}: {text}"
                );
            }
            Ok(y) => {
                let oracle = f(&whole).and_then(|w| w.compute_with(&Scheduler::synchronous()));
                let oracle = oracle.unwrap_or_else(|e| panic!("{name}: one block failed: {e}"));
                assert_eq!(y.shape(), oracle.shape(), "{name}");
                for (a, b) in y.iter().zip(&oracle) {
                    assert!(
                        (a - b).abs() <= 1e-12 * b.abs().max(1.0),
                        "{name}: {a} != {b}"
                    );
                }
            }
        }
    }
    // The classes the issue named: a NaN or negative sigma is an error, not the input back.
    assert!(matches!(
        ndfilters::gaussian_filter(&x, f64::NAN, Boundary::Reflect),
        Err(Error::InvalidParameter { name: "sigma", .. })
    ));
    assert!(matches!(
        ndfilters::gaussian_filter(&x, -1.0, Boundary::Reflect),
        Err(Error::InvalidParameter { name: "sigma", .. })
    ));
    assert!(matches!(
        ndfilters::gaussian_filter(&x, 1e15, Boundary::Reflect),
        Err(Error::DepthTooLarge { .. })
    ));
}

/// The test above again, in a child process limited to 4 GiB of address space: an allocation
/// proportional to a huge parameter aborts the child (which no `catch_unwind` can catch) instead
/// of swapping, and this test fails with the child's output.
#[test]
fn bad_numbers_never_abort_under_a_memory_limit() {
    common::run_under_memory_limit("bad_numbers_are_errors_or_right_never_panics");
}

/// The size-based filters take integer images too (u8, u16, i32, ...), and give what the same
/// filter gives on the values as f64.
#[test]
fn integer_images_filter_as_their_float_values() {
    let s = Scheduler::threads(2);
    let a = ndarray::Array2::from_shape_fn((11, 9), |(i, j)| ((i * 37 + j * 101) % 251) as u16);
    let x = Array::from_ndarray(a.clone(), [4, 3]).unwrap();
    let xf = Array::from_ndarray(a.mapv(f64::from), [4, 3]).unwrap();
    let xi = Array::from_ndarray(a.mapv(i32::from), [5, 2]).unwrap();
    let as_f64 = |y: ArrayD<u16>| y.mapv(f64::from);
    for size in [[3, 3], [1, 4]] {
        let median = ndfilters::median_filter(&x, size, Boundary::Reflect)
            .unwrap()
            .compute_with(&s)
            .unwrap();
        let medianf = ndfilters::median_filter(&xf, size, Boundary::Reflect)
            .unwrap()
            .compute_with(&s)
            .unwrap();
        assert_eq!(as_f64(median), medianf);
        let min = ndfilters::minimum_filter(&x, size, Boundary::Reflect)
            .unwrap()
            .compute_with(&s)
            .unwrap();
        let minf = ndfilters::minimum_filter(&xf, size, Boundary::Reflect)
            .unwrap()
            .compute_with(&s)
            .unwrap();
        assert_eq!(as_f64(min), minf);
        let max = ndfilters::maximum_filter(&xi, size, Boundary::Constant(-1)).unwrap();
        let maxf = ndfilters::maximum_filter(&xf, size, Boundary::Constant(-1.0)).unwrap();
        assert_eq!(
            max.compute_with(&s).unwrap().mapv(f64::from),
            maxf.compute_with(&s).unwrap()
        );
    }
}

/// `gaussian_filter_to` and `uniform_filter_to` of integer images (u8, u16, i16), into their
/// own type and into f64, against scipy's `output=` in every mode
/// (`scripts/ndfilters_int_fixtures.py`), over several chunkings: the integer outputs equal
/// scipy's exactly (the truncation after each axis included), the f64 ones to 1e-12.
#[test]
fn integer_images_in_gaussian_and_uniform_filters_match_scipy() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ndfilters/integer.txt"),
    )
    .unwrap();
    let mut cases = 0;
    for line in text.lines() {
        let f: Vec<&str> = line.split(';').collect();
        let (filt, param, mode, tin, tout) = (f[0], f[1], f[2], f[3], f[4]);
        let shape: Vec<usize> = f[5].split(' ').map(|v| v.parse().unwrap()).collect();
        let input: Vec<f64> = f[6].split(' ').map(|v| v.parse().unwrap()).collect();
        let want: Vec<f64> = f[7].split(' ').map(|v| v.parse().unwrap()).collect();
        let b = boundary(mode, 0.0);
        let run = |chunks: &Vec<Vec<usize>>| -> Vec<f64> {
            macro_rules! with_input {
                ($t:ty) => {{
                    let a = ArrayD::from_shape_vec(
                        IxDyn(&shape),
                        input.iter().map(|&v| v as $t).collect(),
                    )
                    .unwrap();
                    let x = Array::from_ndarray(a, chunks.clone()).unwrap();
                    let sigma: f64 = param.parse().unwrap();
                    let size: usize = param.parse().unwrap_or(0);
                    match (filt, tout == "float64") {
                        ("gaussian", true) => {
                            ndfilters::gaussian_filter_to::<$t, f64>(&x, sigma, b.clone())
                                .unwrap()
                                .compute()
                                .unwrap()
                                .iter()
                                .copied()
                                .collect()
                        }
                        ("gaussian", false) => {
                            ndfilters::gaussian_filter_to::<$t, $t>(&x, sigma, b.clone())
                                .unwrap()
                                .compute()
                                .unwrap()
                                .iter()
                                .map(|&v| v as f64)
                                .collect()
                        }
                        ("uniform", true) => {
                            ndfilters::uniform_filter_to::<$t, f64>(&x, size, b.clone())
                                .unwrap()
                                .compute()
                                .unwrap()
                                .iter()
                                .copied()
                                .collect()
                        }
                        _ => ndfilters::uniform_filter_to::<$t, $t>(&x, size, b.clone())
                            .unwrap()
                            .compute()
                            .unwrap()
                            .iter()
                            .map(|&v| v as f64)
                            .collect(),
                    }
                }};
            }
            match tin {
                "uint8" => with_input!(u8),
                "uint16" => with_input!(u16),
                "int16" => with_input!(i16),
                other => panic!("unknown type {other}"),
            }
        };
        for chunks in common::four_chunkings(&shape) {
            let got = run(&chunks);
            for (k, (g, w)) in got.iter().zip(&want).enumerate() {
                let ok = if tout == "float64" {
                    (g - w).abs() <= 1e-12 * w.abs().max(1.0)
                } else {
                    g == w
                };
                assert!(
                    ok,
                    "{filt} {param} {mode} {tin}->{tout} {chunks:?}: element {k} is {g}, scipy {w}"
                );
            }
            cases += 1;
        }
    }
    assert_eq!(cases, 480);
}
