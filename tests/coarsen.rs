//! `coarsen` and `coarsen_trim` against a whole-array oracle written here, for every chunking
//! (random, irregular, empty axes and 0-d arrays included): the result never depends on the
//! chunking.

mod common;

use chunkwise::{Array, Coarsen, Error, Scheduler};
use ndarray::{ArrayD, IxDyn};
use proptest::prelude::*;

const HOWS: [Coarsen; 5] = [
    Coarsen::Mean,
    Coarsen::Sum,
    Coarsen::Min,
    Coarsen::Max,
    Coarsen::Mode,
];

/// Each window's values, reduced one window at a time on the whole array.
fn oracle(x: &ArrayD<i32>, factors: &[usize], how: Coarsen) -> ArrayD<i32> {
    let shape: Vec<usize> = (0..x.ndim()).map(|k| x.shape()[k] / factors[k]).collect();
    ArrayD::from_shape_fn(IxDyn(&shape), |o| {
        let mut window = Vec::new();
        for (i, &v) in x.indexed_iter() {
            if (0..x.ndim()).all(|k| i[k] / factors[k] == o[k] && i[k] < shape[k] * factors[k]) {
                window.push(v);
            }
        }
        let sum: i64 = window.iter().map(|&v| i64::from(v)).sum();
        match how {
            Coarsen::Sum => sum as i32,
            Coarsen::Mean => (sum as f64 / window.len() as f64).round() as i32,
            Coarsen::Min => *window.iter().min().unwrap(),
            Coarsen::Max => *window.iter().max().unwrap(),
            Coarsen::Mode => {
                window.sort();
                let mut best = (0, window[0]);
                for &v in &window {
                    let n = window.iter().filter(|&&w| w == v).count();
                    if n > best.0 {
                        best = (n, v);
                    }
                }
                best.1
            }
        }
    })
}

fn cases() -> impl Strategy<Value = (ArrayD<i32>, Vec<Vec<usize>>, Vec<usize>)> {
    common::shape().prop_flat_map(|shape| {
        let n: usize = shape.iter().product();
        let factors = shape
            .iter()
            .map(|&len| 1..=len.clamp(1, 3))
            .collect::<Vec<_>>();
        (
            proptest::collection::vec(-9i32..9, n),
            common::chunking(shape.clone()),
            factors,
        )
            .prop_map(move |(v, chunks, factors)| {
                (
                    ArrayD::from_shape_vec(IxDyn(&shape), v).unwrap(),
                    chunks,
                    factors,
                )
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// `coarsen_trim` (and `coarsen` where the factors divide the axes) of every reduction
    /// equals the whole-array oracle, whatever the chunking.
    #[test]
    fn coarsen_equals_a_whole_array_oracle((x, chunks, factors) in cases()) {
        let s = Scheduler::threads(2);
        let a = Array::from_ndarray(x.clone(), chunks).unwrap();
        let divides = (0..x.ndim()).all(|k| x.shape()[k] % factors[k] == 0);
        for how in HOWS {
            let want = oracle(&x, &factors, how);
            let got = a.coarsen_trim(&factors, how).unwrap().compute_with(&s).unwrap();
            prop_assert_eq!(&got, &want, "coarsen_trim {:?} by {:?}", how, &factors);
            let whole = a.coarsen(&factors, how);
            if divides {
                prop_assert_eq!(whole.unwrap().compute_with(&s).unwrap(), want);
            } else {
                let refused = matches!(whole, Err(Error::InvalidParameter { .. }));
                prop_assert!(refused);
            }
        }
    }
}

/// Floats: the mean is not rounded, and NaN propagates through the mean, min and max.
#[test]
fn float_means_and_nan() {
    let x = ndarray::array![[1.0, 2.0, f64::NAN, 4.0], [5.0, 7.0, 7.0, 8.0]].into_dyn();
    for chunks in [vec![vec![2], vec![4]], vec![vec![1, 1], vec![1, 3]]] {
        let a = Array::from_ndarray(x.clone(), chunks).unwrap();
        let mean = a
            .coarsen(&[2, 2], Coarsen::Mean)
            .unwrap()
            .compute()
            .unwrap();
        assert_eq!(mean[[0, 0]], 3.75);
        assert!(mean[[0, 1]].is_nan());
        let min = a.coarsen(&[2, 2], Coarsen::Min).unwrap().compute().unwrap();
        assert_eq!(min[[0, 0]], 1.0);
        assert!(min[[0, 1]].is_nan());
        let max = a.coarsen(&[1, 2], Coarsen::Max).unwrap().compute().unwrap();
        assert_eq!(max.iter().filter(|v| v.is_nan()).count(), 1);
        assert_eq!(max[[1, 1]], 8.0);
    }
}

/// A `u16` mean rounds to the nearest integer, halves away from zero.
#[test]
fn integer_means_round() {
    let x = Array::from_ndarray(ndarray::array![1u16, 2, 2, 2, 7, 8], [4]).unwrap();
    let mean = x.coarsen(&[2], Coarsen::Mean).unwrap().compute().unwrap();
    assert_eq!(mean, ndarray::array![2u16, 2, 8].into_dyn()); // 1.5, 2 and 7.5
}

#[test]
fn bad_factors_and_overflow_are_errors() {
    let x = Array::from_ndarray(ndarray::Array2::from_elem((4, 6), 200u8), [3, 4]).unwrap();
    for factors in [&[2][..], &[2, 2, 2], &[0, 2]] {
        let e = x.coarsen(factors, Coarsen::Mean).unwrap_err();
        assert!(
            matches!(e, Error::InvalidParameter { .. }),
            "{factors:?}: {e}"
        );
        assert!(x.coarsen_trim(factors, Coarsen::Mean).is_err());
    }
    let e = x.coarsen(&[4, 4], Coarsen::Mean).unwrap_err();
    assert!(e.to_string().contains("axis 1"), "{e}");
    // Four 200s do not fit a u8: an error naming the sum and the type, not a wrapped value.
    let e = x
        .coarsen(&[2, 2], Coarsen::Sum)
        .unwrap()
        .compute()
        .unwrap_err();
    assert!(
        e.to_string().contains("800") && e.to_string().contains("u8"),
        "{e}"
    );
    // Widened first, it fits.
    let wide = x
        .map(u32::from)
        .coarsen(&[2, 2], Coarsen::Sum)
        .unwrap()
        .compute()
        .unwrap();
    assert!(wide.iter().all(|&v| v == 800));
}
