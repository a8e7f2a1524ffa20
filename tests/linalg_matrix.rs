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
