//! Comparisons, boolean operators, `astype`, and reductions of boolean arrays, against plain
//! ndarray on the whole array, over random shapes and chunkings (zero-length axes and 0-d
//! included); with a scalar, with an array of another chunking, and broadcast.

mod common;

use chunkwise::{Array, Error};
use ndarray::{ArrayD, Axis, IxDyn, Zip};
use proptest::prelude::*;

use common::{assert_array_eq, chunking, data, shape};

/// Data with NaN and infinities among ordinary values (and repeats, so `equal` finds some).
fn floats(shape: &[usize], seed: u64) -> ArrayD<f64> {
    data(shape, seed).mapv(|v| match (v * 8.0) as i64 % 11 {
        0 => f64::NAN,
        1 => f64::INFINITY,
        2 => f64::NEG_INFINITY,
        _ => (v * 2.0).round() / 2.0,
    })
}

/// A shape, two chunkings of it and a seed.
type Case = (Vec<usize>, Vec<Vec<usize>>, Vec<Vec<usize>>, u64);

fn case() -> impl Strategy<Value = Case> {
    shape().prop_flat_map(|s| {
        (
            Just(s.clone()),
            chunking(s.clone()),
            chunking(s),
            any::<u64>(),
        )
    })
}

type Cmp = fn(&f64, &f64) -> bool;

/// Each comparison with its method and the ndarray oracle.
fn comparisons() -> Vec<(&'static str, Cmp)> {
    vec![
        ("gt", |a, b| a > b),
        ("ge", |a, b| a >= b),
        ("lt", |a, b| a < b),
        ("le", |a, b| a <= b),
        ("equal", |a, b| a == b),
        ("not_equal", |a, b| a != b),
    ]
}

fn by_scalar(x: &Array<f64>, name: &str, s: f64) -> Array<bool> {
    match name {
        "gt" => x.gt(s),
        "ge" => x.ge(s),
        "lt" => x.lt(s),
        "le" => x.le(s),
        "equal" => x.equal(s),
        _ => x.not_equal(s),
    }
}

fn by_array(x: &Array<f64>, name: &str, y: &Array<f64>) -> chunkwise::Result<Array<bool>> {
    match name {
        "gt" => x.gt(y),
        "ge" => x.ge(y),
        "lt" => x.lt(y),
        "le" => x.le(y),
        "equal" => x.equal(y),
        _ => x.not_equal(y),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn comparisons_and_float_tests_equal_ndarray((s, ca, cb, seed) in case()) {
        let a = floats(&s, seed);
        let b = floats(&s, seed.wrapping_add(7));
        let x = Array::from_ndarray(a.clone(), ca).unwrap();
        let y = Array::from_ndarray(b.clone(), cb).unwrap();
        for (name, f) in comparisons() {
            for scalar in [0.5, f64::NAN, f64::INFINITY] {
                assert_array_eq(&by_scalar(&x, name, scalar), &a.mapv(|v| f(&v, &scalar)));
            }
            let want = Zip::from(&a).and(&b).map_collect(f);
            assert_array_eq(&by_array(&x, name, &y).unwrap(), &want);
        }
        assert_array_eq(&x.isnan(), &a.mapv(f64::is_nan));
        assert_array_eq(&x.isfinite(), &a.mapv(f64::is_finite));
        assert_array_eq(&x.isinf(), &a.mapv(f64::is_infinite));
    }

    #[test]
    fn boolean_operators_equal_ndarray((s, ca, cb, seed) in case()) {
        let p = data(&s, seed).mapv(|v| v > 0.0);
        let q = data(&s, seed ^ 0x55).mapv(|v| v < 1.0);
        let x = Array::from_ndarray(p.clone(), ca).unwrap();
        let y = Array::from_ndarray(q.clone(), cb).unwrap();
        assert_array_eq(&(&x & &y), &Zip::from(&p).and(&q).map_collect(|a, b| *a & *b));
        assert_array_eq(&(&x | &y), &Zip::from(&p).and(&q).map_collect(|a, b| *a | *b));
        assert_array_eq(&(&x ^ &y), &Zip::from(&p).and(&q).map_collect(|a, b| *a ^ *b));
        assert_array_eq(&!&x, &p.mapv(|v| !v));
        assert_array_eq(&(&x & true), &p);
        assert_array_eq(&(x.clone() ^ true), &p.mapv(|v| !v));
        assert_array_eq(&x.try_or(&y).unwrap(), &Zip::from(&p).and(&q).map_collect(|a, b| *a | *b));
    }

    #[test]
    fn astype_equals_as_casts((s, ca, _cb, seed) in case()) {
        let a = floats(&s, seed).mapv(|v| if v.is_finite() { v * 37.0 } else { v });
        let x = Array::from_ndarray(a.clone(), ca).unwrap();
        assert_array_eq(&x.astype::<i32>(), &a.mapv(|v| v as i32));
        assert_array_eq(&x.astype::<u8>(), &a.mapv(|v| v as u8));
        // By bits: NaN is not equal to itself.
        assert_array_eq(
            &x.astype::<f32>().map(f32::to_bits),
            &a.mapv(|v| (v as f32).to_bits()),
        );
        assert_array_eq(&x.astype::<bool>(), &a.mapv(|v| v != 0.0));
        let ints = x.astype::<i64>();
        let ai = a.mapv(|v| v as i64);
        assert_array_eq(&ints.astype::<u8>(), &ai.mapv(|v| v as u8)); // wraps
        assert_array_eq(&ints.astype::<f64>(), &ai.mapv(|v| v as f64));
        let mask = x.gt(0.0);
        assert_array_eq(&mask.astype::<u16>(), &a.mapv(|v| u16::from(v > 0.0)));
        assert_array_eq(&mask.astype::<f64>(), &a.mapv(|v| if v > 0.0 { 1.0 } else { 0.0 }));
        assert_array_eq(&mask.astype::<bool>(), &a.mapv(|v| v > 0.0));
    }

    #[test]
    fn reductions_of_masks_equal_ndarray((s, ca, _cb, seed) in case()) {
        let a = data(&s, seed);
        let x = Array::from_ndarray(a.clone(), ca).unwrap();
        let mask = x.gt(0.25);
        let m = a.mapv(|v| v > 0.25);
        let count = m.iter().filter(|&&v| v).count();
        assert_eq!(mask.count_nonzero().compute_scalar().unwrap(), count);
        assert_eq!(mask.any().compute_scalar().unwrap(), count > 0);
        assert_eq!(mask.all().compute_scalar().unwrap(), count == m.len());
        assert_eq!(x.count_nonzero().compute_scalar().unwrap(), a.iter().filter(|&&v| v != 0.0).count());
        for k in 0..s.len() {
            let counts = m.map_axis(Axis(k), |l| l.iter().filter(|&&v| v).count());
            assert_array_eq(&mask.count_nonzero_axis(k).unwrap(), &counts);
            assert_array_eq(&mask.any_axis(k).unwrap(), &m.map_axis(Axis(k), |l| l.iter().any(|&v| v)));
            assert_array_eq(&mask.all_axis(k).unwrap(), &m.map_axis(Axis(k), |l| l.iter().all(|&v| v)));
            assert_array_eq(&x.any_axis(k).unwrap(), &a.map_axis(Axis(k), |l| l.iter().any(|&v| v != 0.0)));
        }
    }
}

#[test]
fn comparisons_broadcast_and_name_shapes_that_do_not() {
    let a = data(&[4, 5], 3);
    let row = data(&[5], 9);
    let x = Array::from_ndarray(a.clone(), [3, 2]).unwrap();
    let r = Array::from_ndarray(row.clone(), [4]).unwrap();
    let want = Zip::from(&a).and_broadcast(&row).map_collect(|p, q| p < q);
    assert_array_eq(&x.lt(&r).unwrap(), &want);
    assert_array_eq(&x.lt(r.clone()).unwrap(), &want);
    let col = Array::<f64>::zeros(&[3], [3]).unwrap();
    match x.gt(&col) {
        Err(Error::IncompatibleShapes { .. }) => {}
        other => panic!("expected IncompatibleShapes, got {other:?}"),
    }
    // 0-d arrays against each other and against a scalar.
    let z = Array::from_ndarray(ndarray::arr0(2.0f64).into_dyn(), Vec::<usize>::new()).unwrap();
    assert!(z.ge(2.0).compute_scalar().unwrap());
    assert!(!z.gt(&z).unwrap().compute_scalar().unwrap());
}

#[test]
fn integer_and_float_ddof_agree() {
    let a = data(&[6, 4], 5);
    let x = Array::from_ndarray(a.clone(), [4, 3]).unwrap();
    assert_eq!(
        x.std_axis(Axis(0), 1).unwrap().compute().unwrap(),
        x.std_axis(Axis(0), 1.0).unwrap().compute().unwrap()
    );
    assert_eq!(
        x.var(2usize).compute_scalar().unwrap(),
        x.var(2.0).compute_scalar().unwrap()
    );
    let want = a.var_axis(Axis(1), 1.0);
    let got = x.var_axis(1, 1).unwrap().compute().unwrap();
    assert!(got.iter().zip(&want).all(|(g, w)| (g - w).abs() < 1e-12));
    // A negative integer ddof is refused at compute, as a negative float one is.
    assert!(matches!(
        x.nanstd(-1).compute_scalar(),
        Err(Error::InvalidParameter { .. })
    ));
}

#[test]
fn persist_on_the_default_pool_keeps_the_blocks() {
    let x = Array::from_ndarray(data(&[7, 5], 2), [3, 2]).unwrap();
    let y = x.map(|v| v * 3.0).persist().unwrap();
    assert_eq!(y.chunks(), x.chunks());
    assert_eq!(y.num_tasks(), x.num_blocks());
    assert_eq!(y.compute().unwrap(), data(&[7, 5], 2).mapv(|v| v * 3.0));
}

/// Closures written with fixed-dimension ndarray code (slicing with `s![..]`) paste in
/// unchanged: their arrays are converted to dynamic ones.
#[test]
fn block_functions_may_return_arrays_of_any_dimension() {
    use chunkwise::Boundary;
    use ndarray::{Ix2, s};
    let a = data(&[6, 8], 1);
    let x = Array::from_ndarray(a.clone(), [3, 4]).unwrap();
    let doubled = x.map_blocks(|b| {
        let b = b.into_dimensionality::<Ix2>().unwrap();
        b.slice(s![.., ..]).mapv(|v| v * 2.0)
    });
    assert_eq!(doubled.compute().unwrap(), a.mapv(|v| v * 2.0));
    let indexed = x.map_blocks_indexed(|idx, b| {
        let b = b.into_dimensionality::<Ix2>().unwrap();
        b.slice(s![.., ..]).mapv(|v| v + idx[0] as f64)
    });
    assert_eq!(indexed.compute().unwrap()[[3, 0]], a[[3, 0]] + 1.0);
    // A 3-point sum along rows, in the ghost-padded block.
    let smooth = x
        .map_overlap(1, Boundary::Constant(0.0), |b| {
            let b = b.into_dimensionality::<Ix2>().unwrap();
            let (n, m) = b.dim();
            let mut out = b.to_owned();
            let inner =
                &b.slice(s![..n - 2, ..]) + &b.slice(s![1..n - 1, ..]) + b.slice(s![2.., ..]);
            out.slice_mut(s![1..n - 1, ..]).assign(&inner);
            let _ = m;
            out
        })
        .unwrap();
    let got = smooth.compute().unwrap();
    let want = (a[[0, 2]] + a[[1, 2]] + a[[2, 2]]) + 0.0;
    assert!((got[[1, 2]] - want).abs() < 1e-12);
    let interior = x
        .map_overlap_interior(1, Boundary::Nearest, |_, b| {
            let b = b.into_dimensionality::<Ix2>().unwrap();
            let (n, m) = b.dim();
            b.slice(s![1..n - 1, 1..m - 1]).to_owned()
        })
        .unwrap();
    assert_eq!(interior.compute().unwrap(), a);
    let cut = x
        .map_blocks_with_chunks(vec![vec![1, 1], vec![1, 1]], |_, b| {
            let b = b.into_dimensionality::<Ix2>().unwrap();
            b.slice(s![..1, ..1]).to_owned()
        })
        .unwrap();
    assert_eq!(
        cut.compute().unwrap(),
        ndarray::array![[a[[0, 0]], a[[0, 4]]], [a[[3, 0]], a[[3, 4]]]].into_dyn()
    );
    let _ = IxDyn(&[0]);
}
