//! `chunkwise::fft` against numpy.fft (fixtures by `scripts/fft_fixtures.py`) under several
//! chunkings of each input, and properties that hold for any shape and chunking.

mod common;

use chunkwise::fft::{self, Complex, FftNorm};
use chunkwise::{Array, ErrorKind};
use common::four_chunkings as chunkings;
use ndarray::ArrayD;
use proptest::prelude::*;

/// The fixture's input value at row-major position `p`.
fn real_at(p: usize) -> f64 {
    ((7 * p + 3) % 13) as f64 / 4.0 - 1.5
}

fn imag_at(p: usize) -> f64 {
    ((5 * p + 1) % 11) as f64 / 3.0 - 5.0 / 3.0
}

fn real_input(shape: &[usize]) -> ArrayD<f64> {
    let n = shape.iter().product();
    ArrayD::from_shape_vec(shape.to_vec(), (0..n).map(real_at).collect()).unwrap()
}

fn complex_input(shape: &[usize]) -> ArrayD<Complex<f64>> {
    let n = shape.iter().product();
    let v = (0..n)
        .map(|p| Complex::new(real_at(p), imag_at(p)))
        .collect();
    ArrayD::from_shape_vec(shape.to_vec(), v).unwrap()
}

/// A transform's result as plain numbers (complex values as re, im pairs).
trait Numbers {
    fn numbers(&self) -> (Vec<usize>, Vec<f64>);
}

impl Numbers for ArrayD<f64> {
    fn numbers(&self) -> (Vec<usize>, Vec<f64>) {
        (self.shape().to_vec(), self.iter().copied().collect())
    }
}

impl Numbers for ArrayD<Complex<f64>> {
    fn numbers(&self) -> (Vec<usize>, Vec<f64>) {
        let v = self.iter().flat_map(|z| [z.re, z.im]).collect();
        (self.shape().to_vec(), v)
    }
}

struct Params {
    n: Option<usize>,
    axis: usize,
    s: Option<Vec<usize>>,
    axes: Option<Vec<usize>>,
    norm: FftNorm,
    d: f64,
}

fn params(text: &str, ndim: usize) -> Params {
    let mut p = Params {
        n: None,
        axis: ndim.saturating_sub(1),
        s: None,
        axes: None,
        norm: FftNorm::Backward,
        d: 1.0,
    };
    let list = |v: &str| -> Vec<usize> { v.split(',').map(|x| x.parse().unwrap()).collect() };
    for kv in text.split_whitespace() {
        let (k, v) = kv.split_once('=').unwrap();
        match k {
            "n" => p.n = Some(v.parse().unwrap()),
            "axis" => p.axis = v.parse().unwrap(),
            "s" => p.s = Some(list(v)),
            "axes" => p.axes = Some(list(v)),
            "d" => p.d = v.parse().unwrap(),
            "norm" => {
                p.norm = match v {
                    "ortho" => FftNorm::Ortho,
                    "forward" => FftNorm::Forward,
                    _ => FftNorm::Backward,
                }
            }
            _ => panic!("unknown parameter {k}"),
        }
    }
    p
}

/// Runs `name` with `p` on `x` (real or complex input, as the fixture says).
fn run(
    name: &str,
    p: &Params,
    re: Option<&Array<f64>>,
    c: Option<&Array<Complex<f64>>>,
) -> (Vec<usize>, Vec<f64>) {
    let (s, axes) = (p.s.as_deref(), p.axes.as_deref());
    let real = |a: chunkwise::Result<Array<f64>>| a.unwrap().compute().unwrap().numbers();
    let cplx = |a: chunkwise::Result<Array<Complex<f64>>>| a.unwrap().compute().unwrap().numbers();
    macro_rules! either {
        ($f:expr) => {
            match (re, c) {
                (Some(x), _) => cplx($f(x)),
                (_, Some(x)) => cplx($f(x)),
                _ => unreachable!(),
            }
        };
    }
    match name {
        "fft" => either!(|x| fft::fft(x, p.n, p.axis, p.norm)),
        "ifft" => either!(|x| fft::ifft(x, p.n, p.axis, p.norm)),
        "fftn" => either!(|x| fft::fftn(x, s, axes, p.norm)),
        "ifftn" => either!(|x| fft::ifftn(x, s, axes, p.norm)),
        "fft2" => either!(|x| fft::fft2(x, s, axes, p.norm)),
        "ifft2" => either!(|x| fft::ifft2(x, s, axes, p.norm)),
        "rfft" => cplx(fft::rfft(re.unwrap(), p.n, p.axis, p.norm)),
        "ihfft" => cplx(fft::ihfft(re.unwrap(), p.n, p.axis, p.norm)),
        "rfftn" => cplx(fft::rfftn(re.unwrap(), s, axes, p.norm)),
        "rfft2" => cplx(fft::rfft2(re.unwrap(), s, axes, p.norm)),
        "irfft" => real(fft::irfft(c.unwrap(), p.n, p.axis, p.norm)),
        "hfft" => real(fft::hfft(c.unwrap(), p.n, p.axis, p.norm)),
        "irfftn" => real(fft::irfftn(c.unwrap(), s, axes, p.norm)),
        "irfft2" => real(fft::irfft2(c.unwrap(), s, axes, p.norm)),
        "fftshift" => match (re, c) {
            (Some(x), _) => real(fft::fftshift(x, axes)),
            (_, Some(x)) => cplx(fft::fftshift(x, axes)),
            _ => unreachable!(),
        },
        "ifftshift" => real(fft::ifftshift(re.unwrap(), axes)),
        other => panic!("no case for {other}"),
    }
}

#[test]
fn transforms_equal_numpys_under_every_chunking() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fft/numpy.txt"),
    )
    .unwrap();
    let mut cases = 0;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split(';').map(str::trim).collect();
        let (name, kind) = (f[0], f[1]);
        let out_shape: Vec<usize> = f[4]
            .split('x')
            .filter(|t| !t.is_empty())
            .map(|t| t.parse().unwrap())
            .collect();
        let want: Vec<f64> = f[5]
            .split_whitespace()
            .map(|v| v.parse().unwrap())
            .collect();
        let scale = want.iter().fold(1.0f64, |m, v| m.max(v.abs()));
        let check = |what: &str, (shape, got): (Vec<usize>, Vec<f64>)| {
            assert_eq!(shape, out_shape, "{line} {what}");
            let err = got
                .iter()
                .zip(&want)
                .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
            assert!(
                err <= 1e-12 * scale,
                "{name} {} {what}: off by {err:e}",
                f[3]
            );
        };
        if kind == "-" {
            let p = params(f[3], 0);
            let n = p.n.unwrap();
            let got = match name {
                "fftfreq" => fft::fftfreq(n, p.d, [2]).unwrap(),
                _ => fft::rfftfreq(n, p.d, [3]).unwrap(),
            };
            check("", got.compute().unwrap().numbers());
            cases += 1;
            continue;
        }
        let shape: Vec<usize> = f[2].split('x').map(|t| t.parse().unwrap()).collect();
        let p = params(f[3], shape.len());
        for chunks in chunkings(&shape) {
            let what = format!("chunks {chunks:?}");
            if kind == "r" {
                let x = Array::from_ndarray(real_input(&shape), chunks).unwrap();
                check(&what, run(name, &p, Some(&x), None));
            } else {
                let x = Array::from_ndarray(complex_input(&shape), chunks).unwrap();
                check(&what, run(name, &p, None, Some(&x)));
            }
        }
        cases += 1;
    }
    assert_eq!(cases, 48);
}

#[test]
fn transforms_of_f32_agree_with_f64() {
    let x = real_input(&[6, 10]);
    let x32 = Array::from_ndarray(x.mapv(|v| v as f32), [4, 3]).unwrap();
    let x64 = Array::from_ndarray(x, [4, 3]).unwrap();
    let a = fft::rfft2(&x32, None, None, FftNorm::Ortho)
        .unwrap()
        .compute()
        .unwrap();
    let b = fft::rfft2(&x64, None, None, FftNorm::Ortho)
        .unwrap()
        .compute()
        .unwrap();
    for (a, b) in a.iter().zip(b.iter()) {
        assert!((f64::from(a.re) - b.re).abs() < 1e-5 && (f64::from(a.im) - b.im).abs() < 1e-5);
    }
}

#[test]
fn bad_input_gives_errors_naming_it() {
    let x = Array::<f64>::ones(&[4, 3], [2, 3]).unwrap();
    let e = fft::fft(&x, Some(0), 0, FftNorm::Backward).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(e.to_string().contains('n'), "{e}");
    assert!(fft::rfft(&x, None, 2, FftNorm::Backward).is_err());
    let empty = Array::<f64>::zeros(&[0], [1]).unwrap();
    assert!(fft::fft(&empty, None, 0, FftNorm::Backward).is_err());
    let one = Array::<Complex<f64>>::zeros(&[1], [1]).unwrap();
    assert!(
        fft::irfft(&one, None, 0, FftNorm::Backward).is_err(),
        "n = 2 (1 - 1) = 0"
    );
    assert!(fft::fftn(&x, Some(&[2, 2, 2]), Some(&[0, 1]), FftNorm::Backward).is_err());
    let line = Array::<f64>::ones(&[4], [2]).unwrap();
    assert!(fft::fft2(&line, None, None, FftNorm::Backward).is_err());
    assert!(fft::fftfreq(0, 1.0, [1]).is_err());
}

#[test]
fn complex_arrays_take_operators_reductions_and_parts() {
    let z = Array::from_ndarray(complex_input(&[5, 4]), [2, 3]).unwrap();
    let whole = complex_input(&[5, 4]);
    let prod = (&z * &z.conj()).compute().unwrap();
    assert!(
        prod.iter()
            .zip(whole.iter())
            .all(|(p, w)| (p.re - w.norm_sqr()).abs() < 1e-12 && p.im == 0.0)
    );
    let total = z.sum().compute_scalar().unwrap();
    let want: Complex<f64> = whole.iter().sum();
    assert!((total - want).norm() < 1e-12);
    assert_eq!(z.re().compute().unwrap(), whole.mapv(|v| v.re));
    assert_eq!(z.im().compute().unwrap(), whole.mapv(|v| v.im));
    assert_eq!(z.abs().compute().unwrap(), whole.mapv(|v| v.norm()));
    assert_eq!(z.arg().compute().unwrap(), whole.mapv(|v| v.arg()));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// `ifftn(fftn(x))` is `x` and `irfftn(rfftn(x), s)` is `x`, for any shape (0-d excluded:
    /// a transform needs an axis) and chunking.
    #[test]
    fn inverse_transforms_return_the_input(
        shape in prop::collection::vec(1usize..7, 1..4),
        seed in 0u64..1000,
        chunk in 1usize..5,
    ) {
        let x = Array::<f64>::random(&shape, vec![chunk; shape.len()], seed).unwrap();
        let want = x.compute().unwrap();
        let back = fft::ifftn(&fft::fftn(&x, None, None, FftNorm::Backward).unwrap(), None, None, FftNorm::Backward)
            .unwrap().compute().unwrap();
        for (b, w) in back.iter().zip(want.iter()) {
            prop_assert!((b.re - w).abs() < 1e-12 && b.im.abs() < 1e-12);
        }
        let half = fft::rfftn(&x, None, None, FftNorm::Ortho).unwrap();
        let again = fft::irfftn(&half, Some(&shape), None, FftNorm::Ortho).unwrap().compute().unwrap();
        for (b, w) in again.iter().zip(want.iter()) {
            prop_assert!((b - w).abs() < 1e-12);
        }
        // The whole array's transform equals the one of a single block.
        let one = Array::from_ndarray(want.clone(), shape.clone()).unwrap();
        let a = fft::fftn(&x, None, None, FftNorm::Backward).unwrap().compute().unwrap();
        let b = fft::fftn(&one, None, None, FftNorm::Backward).unwrap().compute().unwrap();
        prop_assert_eq!(a, b);
    }
}

/// A whole axis long enough to make blocks over 8 MiB: the other axis is cut finer, and every
/// lane is still transformed (against rustfft on each column directly).
#[test]
fn long_lanes_cut_the_other_axis_and_stay_exact() {
    let (m, n) = (300, 5000);
    let x = real_input(&[m, n]);
    let a = Array::from_ndarray(x.clone(), vec![vec![100; 3], vec![n]]).unwrap();
    let y = fft::fft(&a, None, 0, FftNorm::Backward).unwrap();
    assert_eq!(y.chunks()[0], vec![m]);
    assert!(y.chunks()[1].len() > 1, "{:?}", y.chunks()[1]);
    let y = y.compute().unwrap();
    let plan = rustfft::FftPlanner::<f64>::new().plan_fft_forward(m);
    for j in (0..n).step_by(97) {
        let mut col: Vec<Complex<f64>> = (0..m).map(|i| Complex::new(x[[i, j]], 0.0)).collect();
        plan.process(&mut col);
        for (i, v) in col.iter().enumerate() {
            assert!((y[[i, j]] - v).norm() < 1e-10, "column {j} row {i}");
        }
    }
}

/// `ndfourier`'s filters equal scipy.ndimage's (fixtures by `scripts/ndfourier_fixtures.py`)
/// in 1, 2 and 3 dimensions, real and complex input, complex and real transforms (`n`), under
/// four chunkings each.
#[test]
fn fourier_filters_equal_scipys_under_every_chunking() {
    use chunkwise::ndfourier;
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ndfourier/scipy.txt"),
    )
    .unwrap();
    let mut cases = 0;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split(';').map(str::trim).collect();
        let (name, kind) = (f[0], f[1]);
        let shape: Vec<usize> = f[2].split('x').map(|t| t.parse().unwrap()).collect();
        let p: Vec<f64> = f[3].split(',').map(|t| t.parse().unwrap()).collect();
        let n = match f[4].parse::<i64>().unwrap() {
            -1 => None,
            n => Some(n as usize),
        };
        let axis: usize = f[5].parse().unwrap();
        let want: Vec<f64> = f[6]
            .split_whitespace()
            .map(|v| v.parse().unwrap())
            .collect();
        let scale = want.iter().fold(1.0f64, |m, v| m.max(v.abs()));
        for chunks in chunkings(&shape)
            .into_iter()
            .take(if shape.iter().product::<usize>() > 500 {
                2
            } else {
                4
            })
        {
            let got = if kind == "r" {
                let x = Array::from_ndarray(real_input(&shape), chunks.clone()).unwrap();
                match name {
                    "fourier_gaussian" => ndfourier::fourier_gaussian(&x, &p, n, axis)
                        .unwrap()
                        .compute()
                        .unwrap()
                        .numbers(),
                    "fourier_uniform" => ndfourier::fourier_uniform(&x, &p, n, axis)
                        .unwrap()
                        .compute()
                        .unwrap()
                        .numbers(),
                    "fourier_ellipsoid" => ndfourier::fourier_ellipsoid(&x, &p, n, axis)
                        .unwrap()
                        .compute()
                        .unwrap()
                        .numbers(),
                    _ => ndfourier::fourier_shift(&x, &p, n, axis)
                        .unwrap()
                        .compute()
                        .unwrap()
                        .numbers(),
                }
            } else {
                let x = Array::from_ndarray(complex_input(&shape), chunks.clone()).unwrap();
                let out = match name {
                    "fourier_gaussian" => ndfourier::fourier_gaussian(&x, &p, n, axis),
                    "fourier_uniform" => ndfourier::fourier_uniform(&x, &p, n, axis),
                    "fourier_ellipsoid" => ndfourier::fourier_ellipsoid(&x, &p, n, axis),
                    _ => ndfourier::fourier_shift(&x, &p, n, axis),
                };
                out.unwrap().compute().unwrap().numbers()
            };
            assert_eq!(got.0, shape, "{line}");
            let err = got
                .1
                .iter()
                .zip(&want)
                .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
            assert_eq!(got.1.len(), want.len());
            assert!(
                err <= 1e-12 * scale,
                "{name} {kind} {shape:?} n {n:?} axis {axis} chunks {chunks:?}: off by {err:e}"
            );
        }
        cases += 1;
    }
    assert_eq!(cases, 49);
    // Bad input: a 4-D ellipsoid, a parameter per axis of the wrong length, n of 0.
    let x = Array::<f64>::ones(&[2, 2, 2, 2], [1, 2, 2, 2]).unwrap();
    assert_eq!(
        ndfourier::fourier_ellipsoid(&x, 1.0, None, 3)
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidArgument
    );
    assert!(ndfourier::fourier_gaussian(&x, [1.0, 2.0], None, 3).is_err());
    assert!(ndfourier::fourier_uniform(&x, 1.0, Some(0), 3).is_err());
    assert!(ndfourier::fourier_shift(&x, 1.0, None, 4).is_err());
}

/// An empty axis padded to `n` transforms zeros, as numpy's `fft(np.zeros(0), 4)`; an empty
/// other axis gives an empty result.
#[test]
fn empty_axes_pad_or_stay_empty() {
    let empty = Array::<f64>::zeros(&[0], [1]).unwrap();
    let y = fft::fft(&empty, Some(4), 0, FftNorm::Backward)
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(y, ArrayD::from_elem(vec![4], Complex::new(0.0, 0.0)));
    let flat = Array::<f64>::zeros(&[0, 6], [1, 3]).unwrap();
    let y = fft::rfft(&flat, None, 1, FftNorm::Backward)
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(y.shape(), &[0, 4]);
}

/// Under a memory limit too small for a transform's tasks, the error comes before anything
/// runs and names a chunking that fits: the transformed axis in one chunk (each task reads it
/// whole), the other axes narrower; following it, the transform runs under the limit.
#[test]
fn a_memory_limit_names_a_chunking_with_the_axis_whole() {
    let spectrum = |x: &Array<f64>| {
        fft::rfft(x, None, 0, FftNorm::Backward)
            .unwrap()
            .map(|z: Complex<f64>| z.norm())
    };
    let x = Array::<f64>::random(&[1024, 512], [256, 512], 1).unwrap();
    let want = spectrum(&x).compute().unwrap();
    let tight = chunkwise::Scheduler::threads(2).with_memory_limit(3 << 20);
    let err = spectrum(&x).compute_with(&tight).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Resources);
    let text = err.to_string();
    assert!(
        text.contains("rfft") && text.contains("reads axes [0] whole"),
        "{text}"
    );
    let columns: usize = text
        .split("blocks of about [whole, ")
        .nth(1)
        .and_then(|t| t.split(']').next())
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or_else(|| panic!("advice keeps axis 0 whole: {text}"));
    assert!(columns < 512, "{text}");
    // Random values are the same whatever the chunking: made anew in the advised blocks.
    let x = Array::<f64>::random(&[1024, 512], [1024, columns], 1).unwrap();
    assert_eq!(spectrum(&x).compute_with(&tight).unwrap(), want);
}
