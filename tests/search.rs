//! `isclose`, `allclose`, `nan_to_num`, `round`, `isin`, `digitize` and `searchsorted` against
//! numpy's rules written out plainly (linear scans, not binary searches) on the whole array,
//! over random shapes (empty axes and 0-d included) and chunkings; and cases checked with
//! numpy itself.

mod common;

use chunkwise::{Array, ErrorKind, Side, searchsorted};
use ndarray::ArrayD;
use proptest::prelude::*;

use common::{assert_array_eq, chunking, data, shape};

fn case() -> impl Strategy<Value = (ArrayD<f64>, Vec<Vec<usize>>)> {
    (shape(), any::<u64>()).prop_flat_map(|(sh, seed)| {
        // A few repeated values, NaN and infinities among them.
        let d = data(&sh, seed).mapv(|v| match (v * 7.0).rem_euclid(13.0) as i64 {
            0 => f64::NAN,
            1 => f64::INFINITY,
            2 => f64::NEG_INFINITY,
            k => (k % 6) as f64 * 0.5,
        });
        (Just(d), chunking(sh))
    })
}

/// numpy's `searchsorted` by a scan: the count of values before `v` (NaN last).
fn scan(a: &[f64], v: f64, side: Side) -> usize {
    let before = |x: f64| match side {
        Side::Left => !x.is_nan() && (v.is_nan() || x < v),
        Side::Right => (!x.is_nan() && (v.is_nan() || x <= v)) || (x.is_nan() && v.is_nan()),
    };
    a.iter().filter(|&&x| before(x)).count()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn lookups_match_numpys_rules((a, chunks) in case()) {
        let x = Array::from_ndarray(a.clone(), chunks).unwrap();
        let edges = [-1.0, 0.0, 0.5, 0.5, 1.5, 2.5, f64::INFINITY];
        for side in [Side::Left, Side::Right] {
            let want = a.mapv(|v| scan(&edges, v, side));
            assert_array_eq(&searchsorted(&edges, &x, side).unwrap(), &want);
        }
        // digitize: increasing edges count those at or below (right: strictly below).
        assert_array_eq(&x.digitize(&edges, false).unwrap(), &a.mapv(|v| scan(&edges, v, Side::Right)));
        assert_array_eq(&x.digitize(&edges, true).unwrap(), &a.mapv(|v| scan(&edges, v, Side::Left)));
        let down: Vec<f64> = edges.iter().rev().copied().collect();
        let want = a.mapv(|v| down.iter().filter(|&&e| !v.is_nan() && e > v).count());
        assert_array_eq(&x.digitize(&down, false).unwrap(), &want);
        let members = [0.5, 2.0, f64::NAN, f64::NEG_INFINITY];
        assert_array_eq(&x.isin(&members), &a.mapv(|v| members.contains(&v)));
        let fixed = a.mapv(|v| if v.is_nan() { 7.0 } else if v == f64::INFINITY { 8.0 } else if v == f64::NEG_INFINITY { -8.0 } else { v });
        assert_array_eq(&x.nan_to_num(7.0, Some(8.0), Some(-8.0)), &fixed);
        let y = x.map(|v| v * 1.0000001 + 1e-9);
        let b = a.mapv(|v| v * 1.0000001 + 1e-9);
        let want = ndarray::Zip::from(&a).and(&b).map_collect(|&p, &q| {
            if p.is_nan() || q.is_nan() { p.is_nan() && q.is_nan() }
            else if p.is_infinite() || q.is_infinite() { p == q }
            else { (p - q).abs() <= 1e-8 + 1e-5 * q.abs() }
        });
        assert_array_eq(&x.isclose(&y, 1e-5, 1e-8, true).unwrap(), &want);
        prop_assert_eq!(x.allclose(&y, 1e-5, 1e-8, true).unwrap().compute_scalar().unwrap(), want.iter().all(|&t| t));
        let halves = x.nan_to_num(7.0, Some(8.0), Some(-8.0)).map(|v| v + 0.25);
        let want = fixed.mapv(|v| {
            let y = (v + 0.25) * 10.0;
            let r = y.round_ties_even();
            r / 10.0
        });
        assert_array_eq(&halves.round(1), &want);
    }
}

/// Values numpy gave (numpy 2.4): `digitize` with `right`, `round` to two places,
/// `searchsorted` with NaN in the table.
#[test]
fn cases_checked_with_numpy() {
    let x = Array::from_ndarray(ndarray::array![1.0, 2.5], [1]).unwrap();
    let up = [0.0, 1.0, 2.5, 4.0, 10.0];
    let down = [10.0, 4.0, 2.5, 1.0, 0.0];
    assert_eq!(
        x.digitize(&up, true).unwrap().compute().unwrap(),
        ndarray::array![1, 2].into_dyn()
    );
    assert_eq!(
        x.digitize(&down, true).unwrap().compute().unwrap(),
        ndarray::array![4, 3].into_dyn()
    );
    let r = Array::from_ndarray(ndarray::array![2.675, 0.125], [1])
        .unwrap()
        .round(2)
        .compute()
        .unwrap();
    assert_eq!(r, ndarray::array![2.68, 0.12].into_dyn());
    let v = Array::from_ndarray(ndarray::array![f64::NAN, 2.0], [1]).unwrap();
    let at = searchsorted(&[1.0, 2.0, 3.0, f64::NAN], &v, Side::Right)
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(at, ndarray::array![4, 2].into_dyn());
}

#[test]
fn unsorted_tables_are_refused() {
    let x = Array::<f64>::zeros(&[3], [2]).unwrap();
    let e = searchsorted(&[2.0, 1.0], &x, Side::Left)
        .map(|_| ())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(e.to_string().contains("sorted"), "{e}");
    let e = x.digitize(&[0.0, 2.0, 1.0], false).map(|_| ()).unwrap_err();
    assert!(e.to_string().contains("increasing or decreasing"), "{e}");
    let y = Array::<f64>::zeros(&[4], [2]).unwrap();
    assert!(x.isclose(&y, 1e-5, 1e-8, false).is_err());
}
