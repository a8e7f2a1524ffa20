//! Reductions against ndarray on the whole array: random shapes (zero-length axes included),
//! random chunkings, every axis set, every scheduler.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use chunkwise::{Array, Error, Scheduler};
use ndarray::{ArrayD, Axis, Dimension, IxDyn};
use proptest::prelude::*;

fn case() -> impl Strategy<Value = (Vec<usize>, Vec<Vec<usize>>, Vec<usize>, u64)> {
    proptest::collection::vec(prop_oneof![1 => Just(0usize), 6 => 1usize..7], 0..=3).prop_flat_map(
        |shape| {
            let chunks: Vec<_> = shape
                .iter()
                .map(|&len| {
                    if len == 0 {
                        return Just(vec![0]).boxed();
                    }
                    proptest::collection::vec(1..=len, 0..len)
                        .prop_map(move |cuts| {
                            let mut e: Vec<usize> = cuts.into_iter().filter(|&c| c < len).collect();
                            e.extend([0, len]);
                            e.sort_unstable();
                            e.dedup();
                            e.windows(2).map(|w| w[1] - w[0]).collect::<Vec<_>>()
                        })
                        .boxed()
                })
                .collect();
            let n = shape.len();
            let axes = proptest::sample::subsequence((0..n).collect::<Vec<_>>(), 0..=n);
            (Just(shape), chunks, axes, any::<u64>())
        },
    )
}

fn data(shape: &[usize], seed: u64) -> ArrayD<f64> {
    ArrayD::from_shape_fn(IxDyn(shape), |i| {
        let k = i.slice().iter().fold(seed, |a, &x| {
            a.wrapping_mul(6364136223846793005)
                .wrapping_add(x as u64 + 1)
        });
        ((k >> 40) % 41) as f64 / 4.0 - 5.0
    })
}

/// Reduces `a` over `axes` with `f` applied lane by lane, axis after axis (from the last).
fn reference<R: Clone>(
    a: &ArrayD<f64>,
    axes: &[usize],
    f: impl Fn(&ndarray::ArrayView1<f64>) -> R,
) -> ArrayD<R> {
    // Move the reduced axes to the end and flatten them into one lane per cell.
    let keep: Vec<usize> = (0..a.ndim()).filter(|k| !axes.contains(k)).collect();
    let order: Vec<usize> = keep.iter().chain(axes).copied().collect();
    let p = a
        .view()
        .permuted_axes(order)
        .as_standard_layout()
        .into_owned();
    let out_shape: Vec<usize> = keep.iter().map(|&k| a.shape()[k]).collect();
    let lane: usize = axes.iter().map(|&k| a.shape()[k]).product();
    let flat = p
        .into_shape_with_order((out_shape.iter().product::<usize>(), lane))
        .unwrap();
    let v: Vec<R> = flat.rows().into_iter().map(|r| f(&r)).collect();
    ArrayD::from_shape_vec(IxDyn(&out_shape), v).unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1.0)
}

fn assert_close(got: &ArrayD<f64>, want: &ArrayD<f64>, what: &str) {
    assert_eq!(got.shape(), want.shape(), "{what}: shape");
    for (g, w) in got.iter().zip(want) {
        assert!(close(*g, *w), "{what}: {g} != {w}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(120))]

    #[test]
    fn reductions_match_ndarray((shape, chunks, axes, seed) in case()) {
        let a = data(&shape, seed);
        let x = Array::from_ndarray(a.clone(), chunks).unwrap();
        let lanes_empty = axes.iter().any(|&k| shape[k] == 0);
        for s in common::schedulers() {
            let sum = x.sum_axes(&axes, false).unwrap().compute_with(s).unwrap();
            assert_close(&sum, &reference(&a, &axes, |l| l.sum()), "sum");
            let mean = x.mean_axes(&axes, false).unwrap().compute_with(s).unwrap();
            assert_close(&mean, &reference(&a, &axes, |l| if l.is_empty() { f64::NAN } else { l.sum() / l.len() as f64 }), "mean");
            let var = x.var_axes(&axes, false, 1.0).unwrap().compute_with(s).unwrap();
            assert_close(&var, &reference(&a, &axes, |l| if l.len() <= 1 { f64::NAN } else { l.var(1.0) }), "var");
            let std = x.std_axes(&axes, true, 0.0).unwrap().compute_with(s).unwrap();
            let mut want_std = reference(&a, &axes, |l| if l.is_empty() { f64::NAN } else { l.std(0.0) });
            for &k in &axes { want_std.insert_axis_inplace(Axis(k)); }
            assert_close(&std, &want_std, "std keepdims");
            let nz = x.count_nonzero_axes(&axes, false).unwrap().compute_with(s).unwrap();
            prop_assert_eq!(nz, reference(&a, &axes, |l| l.iter().filter(|&&v| v != 0.0).count()));
            let prod = x.map(|v| v.signum()).prod_axes(&axes, false).unwrap().compute_with(s).unwrap();
            assert_close(&prod, &reference(&a, &axes, |l| l.iter().map(|v| v.signum()).product()), "prod");
            match x.min_axes(&axes, false).unwrap().compute_with(s) {
                Ok(min) => {
                    prop_assert!(!lanes_empty || min.is_empty());
                    assert_close(&min, &reference(&a, &axes, |l| l.iter().copied().fold(f64::INFINITY, f64::min)), "min");
                }
                Err(e) => {
                    prop_assert!(lanes_empty, "unexpected {:?}", e);
                    prop_assert_eq!(e, Error::EmptyReduction { op: "min" });
                }
            }
            match x.ptp_axes(&axes, false).unwrap().compute_with(s) {
                Ok(ptp) => {
                    let range = |l: &ndarray::ArrayView1<f64>| {
                        l.iter().copied().fold(f64::NEG_INFINITY, f64::max) - l.iter().copied().fold(f64::INFINITY, f64::min)
                    };
                    assert_close(&ptp, &reference(&a, &axes, range), "ptp");
                }
                Err(e) => {
                    prop_assert!(lanes_empty, "unexpected {:?}", e);
                    prop_assert_eq!(e, Error::EmptyReduction { op: "ptp" });
                }
            }
            let holed = x.map(|v| if v > 2.0 { f64::NAN } else { v.signum() });
            let nanprod = holed.nanprod_axes(&axes, false).unwrap().compute_with(s).unwrap();
            let want = reference(&a, &axes, |l| l.iter().filter(|&&v| v <= 2.0).map(|v| v.signum()).product());
            assert_close(&nanprod, &want, "nanprod");
            if a.is_empty() {
                prop_assert_eq!(x.argmax().compute_with(s).unwrap_err(), Error::EmptyReduction { op: "argmax" });
            } else {
                let (mut best, mut at) = (f64::NEG_INFINITY, 0);
                for (i, &v) in a.iter().enumerate() {
                    if v > best { best = v; at = i; }
                }
                prop_assert_eq!(x.argmax().compute_with(s).unwrap().into_iter().next(), Some(at));
            }
        }
        // An elementwise chain read run by run by a whole-array reduction.
        let y = (&x * 2.0 + 1.0).map(|v: f64| v.abs().sqrt());
        let e = a.mapv(|v| (v * 2.0 + 1.0).abs().sqrt());
        let got = y.sum().compute().unwrap();
        prop_assert!(close(got[[]], e.sum()), "fused sum {} vs {}", got[[]], e.sum());
        let got = y.var(0.0).compute().unwrap()[[]];
        let want = if e.is_empty() { f64::NAN } else { e.var(0.0) };
        prop_assert!(close(got, want), "fused var {} vs {}", got, want);
        for &k in &axes {
            if shape[k] == 0 { continue; }
            let got = x.argmin_axis(Axis(k)).unwrap().compute().unwrap();
            let want = a.map_axis(Axis(k), |l| {
                let m = l.iter().copied().fold(f64::INFINITY, f64::min);
                l.iter().position(|&v| v == m).unwrap()
            });
            prop_assert_eq!(got, want);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(120))]

    #[test]
    fn cumulative_sums_and_products_match_ndarray((shape, chunks, _axes, seed) in case()) {
        let a = data(&shape, seed).mapv(|v| (v as i64).clamp(-2, 2));
        let x = Array::from_ndarray(a.clone(), chunks).unwrap();
        for k in 0..shape.len() {
            let mut want = a.clone();
            want.accumulate_axis_inplace(Axis(k), |&p, c| *c += p);
            let mut want_prod = a.clone();
            want_prod.accumulate_axis_inplace(Axis(k), |&p, c| *c *= p);
            for s in common::schedulers() {
                prop_assert_eq!(&x.cumsum(Axis(k)).unwrap().compute_with(s).unwrap(), &want);
                prop_assert_eq!(&x.cumprod(Axis(k)).unwrap().compute_with(s).unwrap(), &want_prod);
            }
        }
        prop_assert!(x.cumsum(Axis(shape.len())).is_err());
    }
}

#[test]
fn nan_semantics_follow_numpy() {
    let a = ndarray::array![[1.0, f64::NAN, 3.0], [4.0, 5.0, 0.5]].into_dyn();
    let x = Array::from_ndarray(a, [1, 2]).unwrap();
    assert!(x.min().compute_scalar().unwrap().is_nan());
    assert!(x.max().compute_scalar().unwrap().is_nan());
    assert!(x.sum().compute_scalar().unwrap().is_nan());
    assert_eq!(x.nanmin().compute_scalar().unwrap(), 0.5);
    assert_eq!(x.nanmax().compute_scalar().unwrap(), 5.0);
    assert_eq!(x.nansum().compute_scalar().unwrap(), 13.5);
    assert_eq!(x.nanmean().compute_scalar().unwrap(), 2.7);
    assert_eq!(
        x.argmin().compute_scalar().unwrap(),
        1,
        "the first NaN, as numpy"
    );
    let all_nan = Array::from_ndarray(ndarray::array![f64::NAN, f64::NAN], [1]).unwrap();
    assert!(all_nan.nanmax().compute_scalar().unwrap().is_nan());
    assert!(all_nan.nanmean().compute_scalar().unwrap().is_nan());
    assert_eq!(all_nan.nansum().compute_scalar().unwrap(), 0.0);
}

#[test]
fn empty_array_semantics_follow_numpy() {
    let e = Array::<f64>::zeros(&[0, 3], [2, 2]).unwrap();
    assert_eq!(e.sum().compute_scalar().unwrap(), 0.0);
    assert_eq!(e.prod().compute_scalar().unwrap(), 1.0);
    assert!(e.mean().compute_scalar().unwrap().is_nan());
    assert_eq!(e.count_nonzero().compute_scalar().unwrap(), 0);
    assert_eq!(
        e.min().compute_scalar().unwrap_err(),
        Error::EmptyReduction { op: "min" }
    );
    assert_eq!(
        e.argmin().compute_scalar().unwrap_err(),
        Error::EmptyReduction { op: "argmin" }
    );
    assert_eq!(
        e.nanmax().compute_scalar().unwrap_err(),
        Error::EmptyReduction { op: "nanmax" }
    );
    // Along the non-empty axis the lanes are empty; along the empty axis there are no lanes.
    assert_eq!(
        e.sum_axis(Axis(0)).unwrap().compute().unwrap(),
        ArrayD::<f64>::zeros(IxDyn(&[3]))
    );
    assert_eq!(
        e.max_axis(Axis(1)).unwrap().compute().unwrap().shape(),
        &[0]
    );
    let b = Array::<bool>::full(&[0], [1], true).unwrap();
    assert!(!b.any().compute_scalar().unwrap());
    assert!(b.all().compute_scalar().unwrap());
}

#[test]
fn generated_blocks_streamed_into_a_reduction_equal_the_computed_ones() {
    for s in common::schedulers() {
        let x = Array::<f64>::random(&[1_000_003], [65_536], 5).unwrap();
        let a = x.compute_with(s).unwrap();
        let got = x.sum().compute_with(s).unwrap()[[]];
        assert!(
            (got - a.sum()).abs() <= 1e-9 * a.sum(),
            "{got} vs {}",
            a.sum()
        );
        let m = x.mean().compute_with(s).unwrap()[[]];
        assert!((m - a.mean().unwrap()).abs() < 1e-12);
        let (mut best, mut at) = (f64::NEG_INFINITY, 0);
        for (i, &v) in a.iter().enumerate() {
            if v > best {
                best = v;
                at = i;
            }
        }
        assert_eq!(x.argmax().compute_with(s).unwrap()[[]], at);
    }
}

#[test]
fn integers_sum_in_their_own_type() {
    let x = Array::from_fn(&[100, 100], [7, 9], |i| (i[0] * 100 + i[1]) as i64).unwrap();
    assert_eq!(
        x.sum().compute_scalar().unwrap(),
        (0..10_000i64).sum::<i64>()
    );
    assert_eq!(x.max().compute_scalar().unwrap(), 9_999);
    assert_eq!(x.argmax().compute_scalar().unwrap(), 9_999);
    let s = x.sum_axis(Axis(1)).unwrap().compute().unwrap();
    assert_eq!(s[[3]], (300..400i64).sum::<i64>());
}

#[test]
fn bad_axes_are_errors() {
    let x = Array::<f64>::zeros(&[3, 4], [2, 2]).unwrap();
    assert_eq!(
        x.sum_axis(Axis(2)).unwrap_err(),
        Error::AxisOutOfRange {
            op: "sum",
            axis: 2,
            ndim: 2
        }
    );
    assert!(matches!(
        x.argmin_axis(Axis(5)),
        Err(Error::AxisOutOfRange { axis: 5, .. })
    ));
    assert_eq!(
        x.sum_axis(Axis(0)).unwrap().compute_scalar().unwrap_err(),
        Error::NotScalar { shape: vec![4] }
    );
    let r = x.reduction(
        &[0],
        false,
        1,
        |b, _, _| b.to_owned(),
        |a: &f64, b: &f64| a + b,
        |a| Ok(*a),
    );
    assert!(matches!(
        r,
        Err(Error::UnsupportedSize {
            op: "split_every",
            size: 1
        })
    ));
}

#[test]
fn variance_far_from_zero_stays_accurate() {
    // 4 million values near 1e8: a one-pass E[x^2] - E[x]^2 loses every digit here.
    let x = Array::<f64>::random(&[4_000_000], [65_536], 11)
        .unwrap()
        .map(|v| 1e8 + v);
    let a = x.compute().unwrap();
    // Two-pass reference on the values less 1e8 (an exact subtraction here).
    let shifted = a.mapv(|v| v - 1e8);
    let mean = shifted.sum() / a.len() as f64;
    let two_pass = shifted.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / a.len() as f64;
    let got = x.var(0.0).compute_scalar().unwrap();
    assert!(
        ((got - two_pass) / two_pass).abs() < 1e-7,
        "{got} vs two-pass {two_pass}"
    );
    assert!((two_pass - 1.0 / 12.0).abs() < 1e-3);
    // What the test guards against: the one-pass formula loses every digit.
    let n = a.len() as f64;
    let naive = a.iter().map(|v| v * v).sum::<f64>() / n - (a.sum() / n).powi(2);
    assert!(
        ((naive - two_pass) / two_pass).abs() > 1e-2,
        "naive {naive}"
    );
}

/// An element that counts how many of its kind are alive.
#[derive(Debug)]
struct Probe(f64);

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

impl Probe {
    fn new(v: f64) -> Probe {
        let now = LIVE.fetch_add(1, Ordering::SeqCst) + 1;
        PEAK.fetch_max(now, Ordering::SeqCst);
        Probe(v)
    }
}

impl Default for Probe {
    fn default() -> Self {
        Probe::new(0.0)
    }
}

impl Clone for Probe {
    fn clone(&self) -> Self {
        Probe::new(self.0)
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::SeqCst);
    }
}

#[test]
fn a_reduction_over_many_blocks_holds_few_at_once() {
    const BLOCK: usize = 1000;
    let pool = Scheduler::threads(2);
    let x = Array::from_fn(&[400 * BLOCK], [BLOCK], |i| Probe::new(i[0] as f64)).unwrap();
    let total = x
        .reduction(
            &[0],
            false,
            4,
            |b, _, _| ndarray::arr1(&[b.iter().map(|p| p.0).sum::<f64>()]).into_dyn(),
            |a: &f64, b: &f64| a + b,
            |a| Ok(*a),
        )
        .unwrap();
    PEAK.store(0, Ordering::SeqCst);
    let s = total
        .compute_with(&pool)
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
    assert_eq!(s, (0..400 * BLOCK).map(|i| i as f64).sum::<f64>());
    assert_eq!(LIVE.load(Ordering::SeqCst), 0);
    let peak_blocks = PEAK.load(Ordering::SeqCst).div_ceil(BLOCK);
    // O(threads x split_every), here at most 2 x 4 blocks, against 400 in all.
    assert!(peak_blocks <= 2 * 4, "{peak_blocks} blocks alive at once");
}

/// `moments` gives what `mean` and `var` merge: count, mean and squared deviations, per axis or
/// for the whole array, equal to ndarray's mean and variance.
#[test]
fn moments_match_ndarrays_mean_and_variance() {
    let e = ndarray::Array2::from_shape_fn((37, 23), |(i, j)| ((i * 7 + j * 13) % 29) as f64 - 9.5);
    let x = chunkwise::Array::from_ndarray(e.clone(), vec![vec![10, 10, 17], vec![5, 18]]).unwrap();
    for s in common::schedulers() {
        let m = x.moments().compute_scalar_with(s).unwrap();
        assert_eq!(m.n, 37.0 * 23.0);
        assert!((m.mean - e.mean().unwrap()).abs() < 1e-12);
        assert!((m.var(1.0) - e.var(1.0)).abs() < 1e-9);
        let per_column = x
            .moments_axis(ndarray::Axis(0))
            .unwrap()
            .compute_with(s)
            .unwrap();
        let expected = e.var_axis(ndarray::Axis(0), 0.0);
        for (got, want) in per_column.iter().zip(&expected) {
            assert_eq!(got.n, 37.0);
            assert!(
                (got.var(0.0) - want).abs() < 1e-9,
                "{} != {want}",
                got.var(0.0)
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// `topk` and `argtopk` equal a stable sort of each lane (NaN largest, earlier first among
    /// equals), for every axis and a random `k` of either sign.
    #[test]
    fn topk_matches_a_sorted_lane((shape, chunks, _axes, seed) in case(), pick in any::<u64>()) {
        let a = data(&shape, seed).mapv(|v| if v.abs() > 5.5 { f64::NAN } else { (v * 2.0).round() });
        let x = Array::from_ndarray(a.clone(), chunks).unwrap();
        for (k, &len) in shape.iter().enumerate() {
            if len == 0 {
                prop_assert!(x.topk(1, k).is_err());
                continue;
            }
            let n = 1 + (pick as usize % len);
            for kk in [n as isize, -(n as isize)] {
                let rank = |p: &f64, q: &f64| match (p.is_nan(), q.is_nan()) {
                    (true, true) => std::cmp::Ordering::Equal,
                    (true, false) => std::cmp::Ordering::Greater,
                    (false, true) => std::cmp::Ordering::Less,
                    _ => p.partial_cmp(q).unwrap(),
                };
                let sorted = |lane: ndarray::ArrayView1<f64>| {
                    let mut items: Vec<(f64, usize)> = lane.iter().copied().zip(0..).collect();
                    items.sort_by(|p, q| if kk > 0 { rank(&q.0, &p.0) } else { rank(&p.0, &q.0) });
                    items.truncate(n);
                    items
                };
                let mut want_v = a.clone();
                let mut want_i = a.mapv(|_| 0usize);
                want_v = want_v.slice_axis(Axis(k), ndarray::Slice::from(0..n)).to_owned();
                want_i = want_i.slice_axis(Axis(k), ndarray::Slice::from(0..n)).to_owned();
                for ((lane, mut v), mut i) in a.lanes(Axis(k)).into_iter().zip(want_v.lanes_mut(Axis(k))).zip(want_i.lanes_mut(Axis(k))) {
                    for (j, (val, at)) in sorted(lane).into_iter().enumerate() {
                        v[j] = val;
                        i[j] = at;
                    }
                }
                let got_v = x.topk(kk, k).unwrap().compute().unwrap();
                let got_i = x.argtopk(kk, k).unwrap().compute().unwrap();
                prop_assert_eq!(got_v.shape(), want_v.shape());
                prop_assert!(got_v.iter().zip(&want_v).all(|(p, q)| p == q || (p.is_nan() && q.is_nan())), "topk {} along {}: {:?} vs {:?}", kk, k, got_v, want_v);
                prop_assert_eq!(got_i, want_i);
            }
        }
    }
}

#[test]
fn topk_refuses_bad_k() {
    let x = Array::<f64>::zeros(&[4, 3], [2, 2]).unwrap();
    for k in [0isize, 5, -5] {
        let e = x.topk(k, 0).map(|_| ()).unwrap_err();
        assert!(
            matches!(
                e,
                Error::InvalidParameter {
                    op: "topk",
                    name: "k",
                    ..
                }
            ),
            "{e}"
        );
    }
    assert!(matches!(
        x.argtopk(1, 2),
        Err(Error::AxisOutOfRange { op: "argtopk", .. })
    ));
}

/// Many blocks along the axis: several levels of merging, equal to a sorted copy.
#[test]
fn topk_over_many_blocks_merges_in_levels() {
    let a = ndarray::Array1::from_shape_fn(1000, |i| ((i * 7919) % 1009) as f64).into_dyn();
    let x = Array::from_ndarray(a.clone(), [7]).unwrap();
    let mut order: Vec<usize> = (0..1000).collect();
    order.sort_by(|&p, &q| a[[q]].partial_cmp(&a[[p]]).unwrap().then(p.cmp(&q)));
    let got = x.argtopk(25, 0).unwrap().compute().unwrap();
    assert_eq!(
        got.iter().copied().collect::<Vec<_>>(),
        order[..25].to_vec()
    );
    let got = x.topk(-4, 0).unwrap().compute().unwrap();
    let mut low: Vec<f64> = a.iter().copied().collect();
    low.sort_by(|p, q| p.partial_cmp(q).unwrap());
    assert_eq!(got.iter().copied().collect::<Vec<_>>(), low[..4].to_vec());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    /// `nancumsum`, `nancumprod` and `push` along each axis, against sequential loops over
    /// each lane of the whole array (NaN in about a third of the elements; small integers, so
    /// that the blocks' sums and products are exact in any order).
    #[test]
    fn nan_scans_and_push_match_sequential_loops(
        shape in proptest::collection::vec(prop_oneof![1 => Just(0usize), 6 => 1usize..6], 1..4),
        seed in any::<u64>(),
    ) {
        let mut s = seed;
        let a = ndarray::ArrayD::from_shape_simple_fn(ndarray::IxDyn(&shape), || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            if (s >> 62) == 0 { f64::NAN } else { ((s >> 40) % 3) as f64 + 1.0 }
        });
        let x = Array::from_ndarray(a.clone(), common::seeded_chunks(&shape, seed)).unwrap();
        for axis in 0..shape.len() {
            let lanes = |f: &dyn Fn(f64, f64) -> f64, first: &dyn Fn(f64) -> f64| {
                let mut out = a.clone();
                for mut lane in out.lanes_mut(ndarray::Axis(axis)) {
                    let mut acc: Option<f64> = None;
                    for v in lane.iter_mut() {
                        let next = match acc { None => first(*v), Some(p) => f(p, *v) };
                        *v = next;
                        acc = Some(next);
                    }
                }
                out
            };
            let z = |v: f64| if v.is_nan() { 0.0 } else { v };
            let o = |v: f64| if v.is_nan() { 1.0 } else { v };
            let same = |got: ndarray::ArrayD<f64>, want: ndarray::ArrayD<f64>| {
                got.iter().zip(want.iter()).all(|(g, w)| g == w || (g.is_nan() && w.is_nan()))
            };
            let want = lanes(&|p, v| p + z(v), &z);
            prop_assert!(same(x.nancumsum(axis).unwrap().compute().unwrap(), want), "nancumsum axis {}", axis);
            let want = lanes(&|p, v| p * o(v), &o);
            prop_assert!(same(x.nancumprod(axis).unwrap().compute().unwrap(), want), "nancumprod axis {}", axis);
            let want = lanes(&|p, v| if v.is_nan() { p } else { v }, &|v| v);
            prop_assert!(same(x.push(axis).unwrap().compute().unwrap(), want), "push axis {}", axis);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    /// `nanargmin`/`nanargmax`, whole and along each axis, against a scan of the whole array
    /// (first of equal values; NaN skipped; a lane of NaN alone an error).
    #[test]
    fn nan_arg_reductions_match_a_scan(
        shape in proptest::collection::vec(1usize..5, 1..4),
        seed in any::<u64>(),
    ) {
        let mut s = seed;
        let a = ndarray::ArrayD::from_shape_simple_fn(ndarray::IxDyn(&shape), || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            if (s >> 61) < 3 { f64::NAN } else { ((s >> 40) % 4) as f64 }
        });
        let x = Array::from_ndarray(a.clone(), common::seeded_chunks(&shape, seed)).unwrap();
        let best = |vals: &mut dyn Iterator<Item = f64>, min: bool| -> Option<usize> {
            let mut b: Option<(f64, usize)> = None;
            for (i, v) in vals.enumerate() {
                if v.is_nan() { continue; }
                if b.is_none_or(|(bv, _)| if min { v < bv } else { v > bv }) {
                    b = Some((v, i));
                }
            }
            b.map(|p| p.1)
        };
        for min in [true, false] {
            let whole = if min { x.nanargmin() } else { x.nanargmax() };
            match best(&mut a.iter().copied(), min) {
                Some(i) => prop_assert_eq!(whole.compute_scalar().unwrap(), i),
                None => prop_assert!(whole.compute_scalar().is_err()),
            }
            for axis in 0..shape.len() {
                let lanes: Vec<Option<usize>> = a.lanes(Axis(axis)).into_iter().map(|l| best(&mut l.iter().copied(), min)).collect();
                let got = if min { x.nanargmin_axis(axis) } else { x.nanargmax_axis(axis) }.unwrap().compute();
                if lanes.iter().any(Option::is_none) {
                    prop_assert!(got.is_err());
                } else {
                    let got: Vec<usize> = got.unwrap().iter().copied().collect();
                    let want: Vec<usize> = lanes.into_iter().map(Option::unwrap).collect();
                    prop_assert_eq!(got, want);
                }
            }
        }
    }
}

#[test]
fn moments_match_two_passes_over_the_whole_array() {
    for seed in 0..20u64 {
        let shape = vec![3 + (seed % 4) as usize, 5];
        let a = common::data(&shape, seed);
        let x = Array::from_ndarray(a.clone(), common::seeded_chunks(&shape, seed)).unwrap();
        for order in [0u32, 1, 2, 3, 4] {
            for ddof in [0usize, 1] {
                let n = a.len() as f64;
                let m = a.mean().unwrap();
                let want =
                    a.iter().map(|v| (v - m).powi(order as i32)).sum::<f64>() / (n - ddof as f64);
                let got = x.moment(order, ddof).unwrap().compute_scalar().unwrap();
                assert!(
                    (got - want).abs() <= 1e-12 * want.abs().max(1.0),
                    "order {order}: {got} vs {want}"
                );
                let lanes = x.moment_axis(order, 0, ddof).unwrap().compute().unwrap();
                for (j, col) in a.axis_iter(Axis(1)).enumerate() {
                    let k = col.len() as f64;
                    let m = col.mean().unwrap();
                    let want = col.iter().map(|v| (v - m).powi(order as i32)).sum::<f64>()
                        / (k - ddof as f64);
                    assert!((lanes[j] - want).abs() <= 1e-12 * want.abs().max(1.0));
                }
            }
        }
    }
    let x = Array::from_ndarray(ndarray::array![1.0, 2.0].into_dyn(), [1]).unwrap();
    assert!(x.moment(65, 0).is_err());
    assert!(x.moment(2, 2).is_err());
}

/// dask's replayed test: a running product that reached an exact 0 stays 0 through a later
/// block whose own product overflows (numpy: 0 x 1e200 x 1e200 = 0, never 0 x inf = NaN),
/// while a real infinity after the 0 still gives NaN, as numpy's does.
#[test]
fn cumprod_keeps_an_exact_zero_through_an_overflowing_block() {
    for chunks in [vec![1, 2, 2], vec![2, 3], vec![1, 1, 1, 1, 1]] {
        let a = ndarray::array![3.0, 0.0, 1e200, 1e200, 2.0].into_dyn();
        let x = Array::from_ndarray(a.clone(), vec![chunks.clone()]).unwrap();
        let got = x.cumprod(0).unwrap().compute().unwrap();
        assert_eq!(
            got,
            ndarray::array![3.0, 0.0, 0.0, 0.0, 0.0].into_dyn(),
            "chunks {chunks:?}"
        );
        let b = ndarray::array![3.0, 0.0, 1e200, f64::INFINITY, 2.0].into_dyn();
        let y = Array::from_ndarray(b, vec![chunks.clone()])
            .unwrap()
            .cumprod(0)
            .unwrap()
            .compute()
            .unwrap();
        assert_eq!(&y.as_slice().unwrap()[..3], &[3.0, 0.0, 0.0]);
        assert!(y[[3]].is_nan() && y[[4]].is_nan(), "{y} under {chunks:?}");
    }
    // Along an axis of a 2-D array, lanes whose carry is not 0 keep the block product.
    let a = ndarray::array![[0.0, 2.0], [1e200, 3.0], [1e200, 4.0]].into_dyn();
    let x = Array::from_ndarray(a, [1, 1]).unwrap();
    assert_eq!(
        x.cumprod(0).unwrap().compute().unwrap(),
        ndarray::array![[0.0, 2.0], [0.0, 6.0], [0.0, 24.0]].into_dyn()
    );
}

/// dask's `x.sum(dtype=...)` is `x.astype::<U>().sum()` here: the cast fuses into the
/// reduction's tasks (as many tasks as the plain sum), and the sum is the wide type's.
#[test]
fn a_cast_before_a_reduction_fuses_into_it() {
    let x = Array::from_ndarray(ndarray::Array1::from_elem(1000, 200u8).into_dyn(), [100]).unwrap();
    let wide = x.astype::<u64>().sum();
    assert_eq!(wide.num_tasks(), x.sum().num_tasks());
    assert_eq!(wide.compute_scalar().unwrap(), 200_000);
}

/// dask's `split_every=` on named reductions: `with_split_every(n)` changes the tree (fewer
/// tasks for a larger fan-in), never the result, also through a transposed input.
#[test]
fn split_every_changes_the_tree_not_the_result() {
    let a = common::data(&[37, 29], 5).mapv(|v| (v * 8.0).round());
    let x = Array::from_ndarray(a.clone(), [3, 2]).unwrap();
    for n in [2usize, 3, 8, 1000] {
        let y = x.with_split_every(n).unwrap();
        assert_eq!(
            y.sum().compute_scalar().unwrap(),
            x.sum().compute_scalar().unwrap()
        );
        assert_eq!(
            y.max_axis(Axis(1)).unwrap().compute().unwrap(),
            x.max_axis(Axis(1)).unwrap().compute().unwrap()
        );
        assert_eq!(
            y.argmin_axis(Axis(0)).unwrap().compute().unwrap(),
            x.argmin_axis(Axis(0)).unwrap().compute().unwrap()
        );
        let t = x.transpose().with_split_every(n).unwrap();
        assert_eq!(
            t.sum_axis(Axis(0)).unwrap().compute().unwrap(),
            a.sum_axis(Axis(1))
        );
        let fewer = n > 4;
        let (k, d) = (y.sum().num_tasks(), x.sum().num_tasks());
        assert!(
            if fewer { k < d } else { k >= d },
            "split_every {n}: {k} tasks, default {d}"
        );
        let m = y.mean_axis(Axis(0)).unwrap().compute().unwrap();
        let want = x.mean_axis(Axis(0)).unwrap().compute().unwrap();
        assert!(
            m.iter()
                .zip(want.iter())
                .all(|(p, q)| (p - q).abs() < 1e-12)
        );
    }
    assert!(x.with_split_every(1).is_err());
}
