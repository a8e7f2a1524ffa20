//! `eye`, `identity`, `tril`, `triu`, `diagonal`, `diag`, `trace` and `outer` against plain
//! ndarray on the whole array, over random shapes (empty axes included), chunkings and offsets.

mod common;

use chunkwise::{Array, Scheduler, linalg};
use ndarray::{Array1, Array2, ArrayD, Axis, Dimension as _, IxDyn};
use proptest::prelude::*;

/// Shapes of 2 to 4 axes (lengths 0 to 6), a chunking of each, and an offset.
fn cases() -> impl Strategy<Value = (ArrayD<f64>, Vec<Vec<usize>>, isize)> {
    proptest::collection::vec(prop_oneof![1 => Just(0usize), 6 => 1usize..7], 2..=4)
        .prop_flat_map(|shape| (Just(shape.clone()), common::chunking(shape), -7isize..8))
        .prop_map(|(shape, chunks, k)| (common::data(&shape, 7), chunks, k))
}

/// The reference diagonal: `x` with axes `a1`, `a2` moved last, element `[.., i, i + k]`.
fn reference_diagonal(x: &ArrayD<f64>, k: isize, a1: usize, a2: usize) -> ArrayD<f64> {
    let nd = x.ndim();
    let mut order: Vec<usize> = (0..nd).filter(|&j| j != a1 && j != a2).collect();
    order.extend([a1, a2]);
    let p = x.clone().permuted_axes(order);
    let (rows, cols) = (p.shape()[nd - 2] as isize, p.shape()[nd - 1] as isize);
    let (r0, c0) = ((-k).max(0), k.max(0));
    let len = (rows - r0).min(cols - c0).max(0) as usize;
    let mut shape = p.shape()[..nd - 2].to_vec();
    shape.push(len);
    ArrayD::from_shape_fn(IxDyn(&shape), |idx| {
        let mut at = idx.slice()[..nd - 2].to_vec();
        let i = idx[nd - 2];
        at.extend([r0 as usize + i, c0 as usize + i]);
        p[at.as_slice()]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(120))]

    #[test]
    fn triangles_and_diagonals_equal_ndarrays((x, chunks, k) in cases()) {
        let s = Scheduler::threads(2);
        let a = Array::from_ndarray(x.clone(), chunks.clone()).unwrap();
        let nd = x.ndim();
        let keep = |idx: &IxDyn, lower: bool| {
            let d = idx[nd - 1] as isize - idx[nd - 2] as isize;
            if lower { d <= k } else { d >= k }
        };
        for lower in [true, false] {
            let want = ArrayD::from_shape_fn(x.raw_dim(), |i| if keep(&i, lower) { x[&i] } else { 0.0 });
            let got = if lower { linalg::tril(&a, k) } else { linalg::triu(&a, k) };
            prop_assert_eq!(got.unwrap().compute_with(&s).unwrap(), want);
        }
        for (a1, a2) in [(0, 1), (1, 0), (nd - 2, nd - 1), (0, nd - 1)] {
            if a1 == a2 {
                continue;
            }
            let got = linalg::diagonal(&a, k, a1, a2).unwrap().compute_with(&s).unwrap();
            prop_assert_eq!(got, reference_diagonal(&x, k, a1, a2), "axes {} {}", a1, a2);
        }
        let trace = linalg::trace(&a, k).unwrap().compute_with(&s).unwrap();
        let d = reference_diagonal(&x, k, 0, 1);
        prop_assert_eq!(trace, d.sum_axis(Axis(nd - 2)));
    }

    #[test]
    fn eye_diag_and_outer_equal_ndarrays(
        (n, m, k) in (0usize..7, 0usize..7, -7isize..8),
        rows in 1usize..4,
        v in proptest::collection::vec(-5i64..5, 0..7),
        w in proptest::collection::vec(-5i64..5, 1..5),
    ) {
        let s = Scheduler::threads(2);
        let eye = linalg::eye::<f64>(n, Some(m), k, [rows, rows]).unwrap();
        let want = Array2::from_shape_fn((n, m), |(i, j)| f64::from(j as isize - i as isize == k));
        prop_assert_eq!(eye.compute_with(&s).unwrap(), want.into_dyn());
        let vv = Array::from_ndarray(Array1::from(v.clone()).into_dyn(), [rows]).unwrap();
        let size = v.len() + k.unsigned_abs();
        let want = Array2::from_shape_fn((size, size), |(i, j)| {
            let d = j as isize - i as isize;
            if d == k {
                let at = if k >= 0 { i } else { j };
                v[at]
            } else {
                0
            }
        });
        let got = linalg::diag(&vv, k).unwrap().compute_with(&s).unwrap();
        prop_assert_eq!(&got, &want.clone().into_dyn());
        // And back: the diagonal of that matrix is v.
        let m2 = Array::from_ndarray(want.into_dyn(), [rows, rows + 1]).unwrap();
        let back = linalg::diag(&m2, k).unwrap().compute_with(&s).unwrap();
        prop_assert_eq!(back, Array1::from(v.clone()).into_dyn());
        let ww = Array::from_ndarray(Array1::from(w.clone()).into_dyn(), [2]).unwrap();
        let want = Array2::from_shape_fn((v.len(), w.len()), |(i, j)| v[i] * w[j]);
        prop_assert_eq!(linalg::outer(&vv, &ww).unwrap().compute_with(&s).unwrap(), want.into_dyn());
    }
}

#[test]
fn bad_axes_are_errors() {
    let a = Array::<f64>::zeros(&[3, 3], [2, 2]).unwrap();
    assert!(linalg::diagonal(&a, 0, 0, 0).is_err());
    assert!(linalg::diagonal(&a, 0, 0, 2).is_err());
    let v = Array::<f64>::zeros(&[3], [2]).unwrap();
    assert!(linalg::tril(&v, 0).is_err());
    assert!(linalg::trace(&v, 0).is_err());
    let cube = Array::<f64>::zeros(&[2, 2, 2], [1, 1, 1]).unwrap();
    assert!(linalg::diag(&cube, 0).is_err());
}

/// A matrix case: data of 1-6 x 1-6 and a chunking.
fn matrices() -> impl Strategy<Value = (ArrayD<f64>, Vec<Vec<usize>>)> {
    (1usize..7, 1usize..7)
        .prop_flat_map(|(m, n)| (Just(vec![m, n]), common::chunking(vec![m, n])))
        .prop_map(|(shape, chunks)| (common::data(&shape, 3), chunks))
}

fn close(a: &ArrayD<f64>, b: &ArrayD<f64>) -> bool {
    a.shape() == b.shape()
        && a.iter()
            .zip(b)
            .all(|(x, y)| (x - y).abs() <= 1e-12 * (1.0 + y.abs()) || (x.is_nan() && y.is_nan()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    #[test]
    fn norms_equal_their_definitions((x, chunks) in matrices()) {
        use linalg::NormOrd::*;
        let s = Scheduler::threads(2);
        let a = Array::from_ndarray(x.clone(), chunks).unwrap();
        let x2 = x.clone().into_dimensionality::<ndarray::Ix2>().unwrap();
        let abs = x2.mapv(f64::abs);
        let col_sums = abs.sum_axis(Axis(0));
        let row_sums = abs.sum_axis(Axis(1));
        let fold = |v: &Array1<f64>, f: fn(f64, f64) -> f64, init: f64| v.iter().fold(init, |m, &y| f(m, y));
        let cases = [
            (Default, x2.mapv(|v| v * v).sum().sqrt()),
            (Fro, x2.mapv(|v| v * v).sum().sqrt()),
            (Inf, fold(&row_sums, f64::max, 0.0)),
            (NegInf, fold(&row_sums, f64::min, f64::INFINITY)),
            (P(1.0), fold(&col_sums, f64::max, 0.0)),
            (P(-1.0), fold(&col_sums, f64::min, f64::INFINITY)),
        ];
        for (ord, want) in cases {
            let got = linalg::norm(&a, ord, None, false).unwrap().compute_scalar_with(&s).unwrap();
            prop_assert!((got - want).abs() <= 1e-12 * (1.0 + want), "{:?}: {} vs {}", ord, got, want);
        }
        // Vector norms along each axis.
        for axis in 0..2 {
            for (ord, p) in [(P(1.0), 1.0), (Default, 2.0), (P(3.0), 3.0), (P(0.5), 0.5)] {
                let want = abs.mapv(|v| v.powf(p)).sum_axis(Axis(axis)).mapv(|v| v.powf(1.0 / p));
                let got = linalg::norm(&a, ord, Some(&[axis]), false).unwrap().compute_with(&s).unwrap();
                prop_assert!(close(&got, &want.clone().into_dyn()), "{:?} along {}", ord, axis);
                let kept = linalg::norm(&a, ord, Some(&[axis]), true).unwrap();
                prop_assert_eq!(kept.shape()[axis], 1);
            }
            let nonzero = x2.mapv(|v| f64::from(v != 0.0)).sum_axis(Axis(axis));
            let got = linalg::norm(&a, P(0.0), Some(&[axis]), false).unwrap().compute_with(&s).unwrap();
            prop_assert_eq!(got, nonzero.into_dyn());
        }
        // Covariance and correlation, rows as variables, against the definitions.
        let (m, n) = x2.dim();
        if n > 1 {
            let centred = &x2 - &x2.mean_axis(Axis(1)).unwrap().insert_axis(Axis(1));
            let want = centred.dot(&centred.t()) / (n as f64 - 1.0);
            let got = linalg::cov(&a, true, 1.0).unwrap().compute_with(&s).unwrap();
            prop_assert!(close(&got, &want.clone().into_dyn()), "cov {:?} vs {:?}", got, want);
            let d = want.diag().mapv(f64::sqrt);
            let r = Array2::from_shape_fn((m, m), |(i, j)| (want[[i, j]] / (d[i] * d[j])).clamp(-1.0, 1.0));
            let got = linalg::corrcoef(&a, true).unwrap().compute_with(&s).unwrap();
            prop_assert!(close(&got, &r.into_dyn()), "corrcoef");
        }
    }
}

#[test]
fn singular_value_norms_and_bad_orders() {
    use linalg::NormOrd::*;
    // diag(3, 2, 1) rotated by a permutation: singular values 3, 2, 1.
    let x = ndarray::array![
        [0.0, 2.0, 0.0],
        [0.0, 0.0, -1.0],
        [3.0, 0.0, 0.0],
        [0.0, 0.0, 0.0]
    ];
    let a = Array::from_ndarray(x.into_dyn(), [2, 2]).unwrap();
    for (ord, want) in [(P(2.0), 3.0f64), (P(-2.0), 1.0), (Nuc, 6.0)] {
        let got = linalg::norm(&a, ord, None, false)
            .unwrap()
            .compute_scalar()
            .unwrap();
        assert!((got - want).abs() < 1e-12, "{ord:?}: {got}");
        let wide = linalg::norm(&a.transpose(), ord, None, false).unwrap();
        assert!(
            (wide.compute_scalar().unwrap() - want).abs() < 1e-12,
            "{ord:?} of the transpose"
        );
    }
    let v = Array::<f64>::zeros(&[4], [2]).unwrap();
    assert!(linalg::norm(&v, Fro, None, false).is_err());
    assert!(linalg::norm(&a, P(3.0), None, false).is_err());
    let cube = Array::<f64>::zeros(&[2, 2, 2], [1, 1, 1]).unwrap();
    assert!(linalg::norm(&cube, Inf, None, false).is_err());
    assert!(linalg::norm(&cube, Default, None, false).is_ok());
}
