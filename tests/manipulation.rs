//! Slicing, reshaping, joining and linear algebra against plain ndarray on the whole array
//! (numpy's rules where ndarray has no equivalent), over random shapes (empty axes and 0-d
//! included), random chunkings and random arguments.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chunkwise::{Array, Boundary, Error, concatenate, stack, where_};
use ndarray::{ArrayD, Axis, IxDyn, SliceInfoElem, s};
use proptest::prelude::*;

use common::{assert_array_eq, chunking, data, pad_whole, seeded_chunks, shape};

/// A small deterministic generator for arguments drawn inside a test body.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        if n == 0 {
            0
        } else {
            (self.0 >> 33) as usize % n
        }
    }
}

fn case() -> impl Strategy<Value = (ArrayD<f64>, Vec<Vec<usize>>, u64)> {
    shape().prop_flat_map(|sh| {
        let d = data(&sh, 7);
        (Just(d), chunking(sh), any::<u64>())
    })
}

/// A random slice entry for an axis of length `len`, valid by ndarray's rules.
fn slice_elem(len: usize, r: &mut Lcg) -> SliceInfoElem {
    let n = len as isize;
    let bound = |r: &mut Lcg| {
        let i = r.next(len + 1) as isize;
        if r.next(2) == 0 { i } else { i - n }
    };
    if len > 0 && r.next(5) == 0 {
        return SliceInfoElem::Index(bound(r).clamp(-n, n - 1));
    }
    let start = bound(r);
    let end = if r.next(3) == 0 { None } else { Some(bound(r)) };
    let step = [1, 1, 2, 3, -1, -2, -3][r.next(7)];
    SliceInfoElem::Slice { start, end, step }
}

fn ndarray_slice(a: &ArrayD<f64>, elems: &[SliceInfoElem]) -> ArrayD<f64> {
    a.slice(elems).to_owned()
}

/// The prime factors of `n`, with repeats.
fn factors(mut n: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut p = 2;
    while n > 1 {
        while n.is_multiple_of(p) {
            out.push(p);
            n /= p;
        }
        p += 1;
    }
    out
}

/// A random shape with `len` elements.
fn reshape_target(len: usize, r: &mut Lcg) -> Vec<usize> {
    let ndim = r.next(5);
    if len == 0 {
        let mut s: Vec<usize> = (0..ndim.max(1)).map(|_| r.next(4)).collect();
        let z = r.next(s.len());
        s[z] = 0;
        return s;
    }
    let mut s = vec![1; ndim.max(1)];
    for f in factors(len) {
        let k = r.next(s.len());
        s[k] *= f;
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    #[test]
    fn slices_match_ndarray((a, chunks, seed) in case()) {
        let mut r = Lcg(seed);
        let mut elems: Vec<SliceInfoElem> = a.shape().iter().map(|&n| slice_elem(n, &mut r)).collect();
        if r.next(4) == 0 {
            let at = r.next(elems.len() + 1);
            elems.insert(at, SliceInfoElem::NewAxis);
        }
        let x = Array::from_ndarray(a.clone(), chunks).unwrap();
        let y = x.slice(elems.as_slice()).unwrap();
        assert_array_eq(&y, &ndarray_slice(&a, &elems));
        // A slice of a slice.
        let elems2: Vec<SliceInfoElem> = y.shape().iter().map(|&n| slice_elem(n, &mut r)).collect();
        let expected = ndarray_slice(&ndarray_slice(&a, &elems), &elems2);
        assert_array_eq(&y.slice(elems2.as_slice()).unwrap(), &expected);
    }

    #[test]
    fn index_axis_and_select_match_ndarray((a, chunks, seed) in case()) {
        prop_assume!(a.ndim() > 0);
        let mut r = Lcg(seed);
        let x = Array::from_ndarray(a.clone(), chunks).unwrap();
        let axis = r.next(a.ndim());
        let len = a.shape()[axis];
        if len > 0 {
            let i = r.next(len);
            assert_array_eq(&x.index_axis(Axis(axis), i).unwrap(), &a.index_axis(Axis(axis), i).to_owned());
        }
        let n = r.next(2 * len + 2);
        let idx: Vec<usize> = if len == 0 { Vec::new() } else { (0..n).map(|_| r.next(len)).collect() };
        assert_array_eq(&x.select(Axis(axis), &idx).unwrap(), &a.select(Axis(axis), &idx));
    }

    #[test]
    fn masks_match_a_filter((a, chunks, seed) in case()) {
        let x = Array::from_ndarray(a.clone(), chunks).unwrap();
        let mut r = Lcg(seed);
        let keep = ArrayD::from_shape_fn(a.raw_dim(), |_| r.next(3) == 0);
        let m = Array::from_ndarray(keep.clone(), seeded_chunks(a.shape(), seed)).unwrap();
        let got = x.mask(&m).unwrap();
        let expected: Vec<f64> = a.iter().zip(keep.iter()).filter(|(_, k)| **k).map(|(v, _)| *v).collect();
        assert_array_eq(&got, &ArrayD::from_shape_vec(IxDyn(&[expected.len()]), expected).unwrap());
    }

    #[test]
    fn axis_permutations_match_ndarray((a, chunks, seed) in case()) {
        let x = Array::from_ndarray(a.clone(), chunks).unwrap();
        let mut r = Lcg(seed);
        assert_array_eq(&x.transpose(), &a.t().to_owned());
        let mut perm: Vec<usize> = (0..a.ndim()).collect();
        for i in (1..perm.len()).rev() {
            perm.swap(i, r.next(i + 1));
        }
        assert_array_eq(&x.permuted_axes(&perm).unwrap(), &a.clone().permuted_axes(perm.clone()));
        if a.ndim() > 0 {
            let (p, q) = (r.next(a.ndim()), r.next(a.ndim()));
            let mut e = a.clone();
            e.swap_axes(p, q);
            assert_array_eq(&x.swap_axes(p, q).unwrap(), &e);
        }
        // Reductions of a transposed array reduce the untransposed one, then permute.
        let t = x.permuted_axes(&perm).unwrap();
        let et = a.clone().permuted_axes(perm.clone());
        let axes: Vec<usize> = (0..a.ndim()).filter(|_| r.next(2) == 0).collect();
        let mut expected = et.clone();
        for &ax in axes.iter().rev() {
            expected = expected.sum_axis(Axis(ax));
        }
        assert_array_eq(&t.sum_axes(&axes, false).unwrap(), &expected);
        let mut kept = expected.clone();
        for &ax in &axes {
            kept.insert_axis_inplace(Axis(ax));
        }
        assert_array_eq(&t.sum_axes(&axes, true).unwrap(), &kept);
        let at = r.next(a.ndim() + 1);
        let inserted = x.insert_axis(Axis(at)).unwrap();
        assert_array_eq(&inserted, &a.clone().insert_axis(Axis(at)));
        assert_array_eq(&inserted.remove_axis(Axis(at)).unwrap(), &a);
    }

    #[test]
    fn reshapes_match_row_major_order((a, chunks, seed) in case()) {
        let x = Array::from_ndarray(a.clone(), chunks).unwrap();
        let mut r = Lcg(seed);
        let to = reshape_target(a.len(), &mut r);
        let flat: Vec<f64> = a.iter().copied().collect();
        let expected = ArrayD::from_shape_vec(IxDyn(&to), flat).unwrap();
        let y = x.reshape(&to).unwrap();
        assert_array_eq(&y, &expected);
        // And back.
        assert_array_eq(&y.reshape(a.shape()).unwrap(), &a);
    }

    #[test]
    fn broadcast_to_matches_ndarray((a, chunks, seed) in case()) {
        let x = Array::from_ndarray(a.clone(), chunks).unwrap();
        let mut r = Lcg(seed);
        let mut to: Vec<usize> = (0..r.next(3)).map(|_| r.next(4)).collect();
        to.extend(a.shape().iter().map(|&n| if n == 1 { r.next(4) } else { n }));
        let expected = a.broadcast(IxDyn(&to)).unwrap().to_owned();
        assert_array_eq(&x.broadcast_to(&to).unwrap(), &expected);
    }

    #[test]
    fn concatenate_and_stack_match_ndarray((a, chunks, seed) in case()) {
        prop_assume!(a.ndim() > 0);
        let mut r = Lcg(seed);
        let axis = r.next(a.ndim());
        let mut parts = vec![a.clone()];
        for k in 0..r.next(3) {
            let mut sh = a.shape().to_vec();
            sh[axis] = r.next(4);
            parts.push(data(&sh, k as u64));
        }
        let xs: Vec<Array<f64>> = parts
            .iter()
            .enumerate()
            .map(|(k, p)| {
                let c = if k == 0 { chunks.clone() } else { seeded_chunks(p.shape(), seed + k as u64) };
                Array::from_ndarray(p.clone(), c).unwrap()
            })
            .collect();
        let refs: Vec<&Array<f64>> = xs.iter().collect();
        let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
        let expected = ndarray::concatenate(Axis(axis), &views).unwrap();
        assert_array_eq(&concatenate(Axis(axis), &refs).unwrap(), &expected);
        let same: Vec<Array<f64>> = (0..3)
            .map(|k| Array::from_ndarray(a.mapv(|v| v + k as f64), seeded_chunks(a.shape(), seed ^ k)).unwrap())
            .collect();
        let refs: Vec<&Array<f64>> = same.iter().collect();
        let at = r.next(a.ndim() + 1);
        let views: Vec<ArrayD<f64>> = (0..3).map(|k| a.mapv(|v| v + k as f64)).collect();
        let views: Vec<_> = views.iter().map(|v| v.view()).collect();
        assert_array_eq(&stack(Axis(at), &refs).unwrap(), &ndarray::stack(Axis(at), &views).unwrap());
    }

    #[test]
    fn pad_matches_numpy_pad((a, chunks, seed) in case()) {
        let a = a.mapv(|v| (v * 8.0) as i64);
        let x = Array::from_ndarray(a.clone(), chunks).unwrap();
        let mut r = Lcg(seed);
        let width: Vec<(usize, usize)> = a.shape().iter().map(|_| (r.next(6), r.next(6))).collect();
        let mode = [Boundary::Reflect, Boundary::Mirror, Boundary::Periodic, Boundary::Nearest, Boundary::Constant(-7)][r.next(5)].clone();
        let padded = x.pad(width.clone(), mode.clone());
        let empty_padded = a.shape().iter().zip(&width).any(|(&n, &(lo, hi))| n == 0 && lo + hi > 0);
        if empty_padded && !matches!(mode, Boundary::Constant(_)) {
            let unsupported = matches!(padded, Err(Error::UnsupportedBoundary { op: "pad", .. }));
            prop_assert!(unsupported);
        } else {
            let modes = vec![mode; a.ndim()];
            assert_array_eq(&padded.unwrap(), &pad_whole(&a, &width, &modes));
        }
    }

    #[test]
    fn roll_where_and_clip_match_numpy((a, chunks, seed) in case()) {
        let x = Array::from_ndarray(a.clone(), chunks).unwrap();
        let mut r = Lcg(seed);
        if a.ndim() > 0 {
            let axis = r.next(a.ndim());
            let len = a.shape()[axis];
            let shift = r.next(3 * len + 1) as isize - len as isize;
            let idx: Vec<usize> = (0..len)
                .map(|p| (p as isize - shift).rem_euclid(len as isize) as usize)
                .collect();
            assert_array_eq(&x.roll(shift, Axis(axis)).unwrap(), &a.select(Axis(axis), &idx));
        }
        let c = x.map(|v| v > 0.5);
        let other = Array::from_ndarray(ndarray::arr0(-1.0).into_dyn(), Vec::<Vec<usize>>::new()).unwrap();
        let expected = a.mapv(|v| if v > 0.5 { v } else { -1.0 });
        assert_array_eq(&where_(&c, &x, &other).unwrap(), &expected);
        assert_array_eq(&x.clip(-1.0, 2.0), &a.mapv(|v| v.clamp(-1.0, 2.0)));
    }

    #[test]
    fn rechunks_between_any_chunkings_keep_the_values((a, chunks, seed) in case()) {
        let x = Array::from_ndarray(a.clone(), chunks).unwrap();
        let to = seeded_chunks(a.shape(), seed);
        assert_array_eq(&x.rechunk(to).unwrap(), &a);
    }
}

/// Integer-valued matrices, so that every sum is exact whatever its order.
fn int_matrix(rows: usize, cols: usize, seed: u64) -> ArrayD<f64> {
    data(&[rows, cols], seed).mapv(|v| (v * 8.0).round())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(80))]

    #[test]
    fn matrix_products_match_ndarray_dot(m in 0usize..7, k in 0usize..7, n in 0usize..7, seed in any::<u64>()) {
        let a = int_matrix(m, k, seed);
        let b = int_matrix(k, n, seed + 1);
        let x = Array::from_ndarray(a.clone(), seeded_chunks(&[m, k], seed)).unwrap();
        let y = Array::from_ndarray(b.clone(), seeded_chunks(&[k, n], seed + 2)).unwrap();
        let a2 = a.clone().into_dimensionality::<ndarray::Ix2>().unwrap();
        let b2 = b.clone().into_dimensionality::<ndarray::Ix2>().unwrap();
        let expected = a2.dot(&b2).into_dyn();
        assert_array_eq(&x.dot(&y).unwrap(), &expected);
        assert_array_eq(&x.matmul(&y).unwrap(), &expected);
        assert_array_eq(&x.tensordot(&y, 1).unwrap(), &expected);
        // Transposed operands: contract axis 0 of x.t() (i.e. x's axis 1) with axis 0 of y.
        assert_array_eq(&x.transpose().tensordot(&y, ([0], [0])).unwrap(), &expected);
        // Matrix-vector, vector-matrix, vector-vector.
        let v = data(&[k], seed + 3).mapv(|v| (v * 8.0).round());
        let vx = Array::from_ndarray(v.clone(), seeded_chunks(&[k], seed + 4)).unwrap();
        let v1 = v.clone().into_dimensionality::<ndarray::Ix1>().unwrap();
        assert_array_eq(&x.dot(&vx).unwrap(), &a2.dot(&v1).into_dyn());
        assert_array_eq(&x.matmul(&vx).unwrap(), &a2.dot(&v1).into_dyn());
        assert_array_eq(&vx.dot(&y).unwrap(), &v1.dot(&b2).into_dyn());
        assert_array_eq(&vx.matmul(&vx).unwrap(), &ndarray::arr0(v1.dot(&v1)).into_dyn());
    }

    #[test]
    fn batched_matmul_broadcasts_the_stack(b1 in 0usize..3, b2 in 1usize..4, m in 1usize..5, k in 0usize..5, n in 1usize..5, seed in any::<u64>()) {
        // (b2, m, k) @ (b1?, 1 or b2, k, n): the left stack broadcasts against the right.
        let a = data(&[b2, m, k], seed).mapv(|v| (v * 8.0).round());
        let right_stack = if b1 == 0 { vec![b2] } else { vec![b1, 1] };
        let mut bs = right_stack.clone();
        bs.extend([k, n]);
        let b = data(&bs, seed + 1).mapv(|v| (v * 8.0).round());
        let x = Array::from_ndarray(a.clone(), seeded_chunks(a.shape(), seed)).unwrap();
        let y = Array::from_ndarray(b.clone(), seeded_chunks(b.shape(), seed + 2)).unwrap();
        let got = x.matmul(&y).unwrap();
        let outer = if b1 == 0 { 1 } else { b1 };
        let mut shape = if b1 == 0 { vec![b2] } else { vec![b1, b2] };
        shape.extend([m, n]);
        let mut expected = ArrayD::<f64>::zeros(IxDyn(&shape));
        for o in 0..outer {
            for i in 0..b2 {
                let am = a.index_axis(Axis(0), i).into_dimensionality::<ndarray::Ix2>().unwrap();
                let bm = if b1 == 0 { b.index_axis(Axis(0), i).to_owned() } else { b.index_axis(Axis(0), o).index_axis(Axis(0), 0).to_owned() };
                let prod = am.dot(&bm.into_dimensionality::<ndarray::Ix2>().unwrap());
                let mut dst = if b1 == 0 { expected.index_axis_mut(Axis(0), i) } else { expected.index_axis_mut(Axis(0), o).into_subview(i) };
                dst.assign(&prod.into_dyn());
            }
        }
        assert_array_eq(&got, &expected);
    }

    #[test]
    fn tensordot_matches_a_loop(seed in any::<u64>()) {
        let mut r = Lcg(seed);
        let (p, q, t) = (r.next(4) + 1, r.next(4), r.next(3) + 1);
        let a = data(&[p, q, t], seed).mapv(|v| (v * 8.0).round());
        let b = data(&[t, 2, q], seed + 1).mapv(|v| (v * 8.0).round());
        let x = Array::from_ndarray(a.clone(), seeded_chunks(a.shape(), seed)).unwrap();
        let y = Array::from_ndarray(b.clone(), seeded_chunks(b.shape(), seed + 1)).unwrap();
        let got = x.tensordot(&y, ([1, 2], [2, 0])).unwrap();
        let expected = ArrayD::from_shape_fn(IxDyn(&[p, 2]), |i| {
            let mut s = 0.0;
            for j in 0..q {
                for k in 0..t {
                    s += a[[i[0], j, k]] * b[[k, i[1], j]];
                }
            }
            s
        });
        assert_array_eq(&got, &expected);
    }
}

trait IntoSubview<'a> {
    fn into_subview(self, i: usize) -> ndarray::ArrayViewMutD<'a, f64>;
}

impl<'a> IntoSubview<'a> for ndarray::ArrayViewMutD<'a, f64> {
    fn into_subview(self, i: usize) -> ndarray::ArrayViewMutD<'a, f64> {
        self.index_axis_move(Axis(0), i)
    }
}

/// Empty blocks inside an axis are legal chunkings; a pad whose padding cycles over the whole
/// axis once listed them as inputs (the blocks read by a task and the blocks its runs copy from
/// disagreed, and a task sliced an empty block). Found by `pad_matches_numpy_pad` in CI.
#[test]
fn pad_over_empty_blocks_matches_numpy_pad() {
    let a = ndarray::array![[1i64, 2, 3], [4, 5, 6]].into_dyn();
    let chunkings = [
        vec![vec![1, 1], vec![0, 3]],
        vec![vec![2, 0], vec![3, 0]],
        vec![vec![0, 1, 0, 1], vec![1, 0, 2]],
    ];
    let modes = [
        Boundary::Reflect,
        Boundary::Mirror,
        Boundary::Periodic,
        Boundary::Nearest,
        Boundary::Constant(-7),
    ];
    for chunks in &chunkings {
        for mode in &modes {
            for width in [
                vec![(1, 2), (5, 5)],
                vec![(0, 7), (9, 1)],
                vec![(3, 3), (0, 0)],
            ] {
                let x = Array::from_ndarray(a.clone(), chunks.clone()).unwrap();
                let got = x.pad(width.clone(), mode.clone()).unwrap().compute();
                let got = got.unwrap_or_else(|e| panic!("{chunks:?} {mode:?} {width:?}: {e}"));
                assert_eq!(
                    got,
                    pad_whole(&a, &width, &vec![mode.clone(); 2]),
                    "{chunks:?} {mode:?} {width:?}"
                );
            }
        }
    }
}

#[test]
fn a_slice_touching_three_of_a_million_blocks_computes_three() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let x = Array::<i64>::from_fn(&[1_000_000], &[1], move |i| {
        counter.fetch_add(1, Ordering::Relaxed);
        i[0] as i64
    })
    .unwrap();
    let y = x.slice(s![500_000..500_003]).unwrap();
    assert_eq!(y.num_tasks(), 3);
    assert_eq!(
        y.compute().unwrap().into_raw_vec_and_offset().0,
        vec![500_000, 500_001, 500_002]
    );
    assert_eq!(calls.load(Ordering::Relaxed), 3);
}

#[test]
fn a_slice_inside_one_block_is_fused_with_its_source() {
    let x = Array::<f64>::ones(&[100, 100], [10, 10]).unwrap();
    // 2 x 3 blocks touched; each slice block reads one source block and runs in its task.
    assert_eq!(x.slice(s![5..15, 25..55]).unwrap().num_tasks(), 2 * 4);
    assert_eq!(x.slice(s![5..15;3, 20..50]).unwrap().num_tasks(), 2 * 3);
}

#[test]
fn rows_to_columns_rechunk_goes_through_intermediate_chunks() {
    // dask issue 417: (1, 100) -> (100, 1) blocks on a 100 x 100 array.
    let x = Array::<f64>::ones(&[100, 100], [1, 100]).unwrap();
    let y = x.rechunk([100, 1]).unwrap();
    assert_eq!(y.chunks(), &[vec![100], vec![1; 100]]);
    // 100 source blocks, 100 intermediate (10 x 10) blocks and 100 output blocks; a direct
    // rechunk would have 100 tasks of 100 inputs each.
    assert_eq!(y.num_tasks(), 300);
    assert_eq!(
        y.compute().unwrap(),
        ndarray::Array2::<f64>::ones((100, 100)).into_dyn()
    );
    // Between near chunkings, one step.
    let z = x.rechunk([2, 50]).unwrap();
    assert_eq!(z.num_tasks(), 100 + 100);
}

#[test]
fn shape_and_index_errors_name_the_values() {
    let x = Array::<f64>::zeros(&[4, 6], [2, 3]).unwrap();
    assert_eq!(
        x.slice(s![4, ..]).unwrap_err(),
        Error::IndexOutOfRange {
            op: "slice",
            axis: 0,
            index: 4,
            len: 4
        }
    );
    let zero_step = [
        SliceInfoElem::from(..),
        SliceInfoElem::Slice {
            start: 1,
            end: None,
            step: 0,
        },
    ];
    assert_eq!(
        x.slice(zero_step.as_slice()).unwrap_err(),
        Error::ZeroStep { axis: 1 }
    );
    assert_eq!(
        x.slice(s![..]).unwrap_err(),
        Error::RankMismatch {
            op: "slice",
            given: 1,
            ndim: 2
        }
    );
    assert_eq!(
        x.select(Axis(1), &[0, 9]).unwrap_err(),
        Error::IndexOutOfRange {
            op: "select",
            axis: 1,
            index: 9,
            len: 6
        }
    );
    assert!(matches!(
        x.index_axis(Axis(2), 0),
        Err(Error::AxisOutOfRange { axis: 2, .. })
    ));
    let e = x.reshape(&[5, 5]).unwrap_err();
    assert_eq!(
        e,
        Error::ReshapeSize {
            from: vec![4, 6],
            to: vec![5, 5]
        }
    );
    assert_eq!(
        e.to_string(),
        "reshape: cannot reshape shape [4, 6] (24 elements) into shape [5, 5] (25 elements)"
    );
    assert!(matches!(
        x.permuted_axes(&[1, 1]),
        Err(Error::InvalidAxes { .. })
    ));
    assert_eq!(
        x.remove_axis(Axis(0)).unwrap_err(),
        Error::RemoveAxis { axis: 0, len: 4 }
    );
    assert!(matches!(
        x.broadcast_to(&[4, 7]),
        Err(Error::IncompatibleShapes {
            op: "broadcast_to",
            ..
        })
    ));
    let wrong = Array::<bool>::full(&[4, 5], [2, 2], true).unwrap();
    assert_eq!(
        x.mask(&wrong).unwrap_err(),
        Error::IncompatibleShapes {
            op: "mask",
            left: vec![4, 6],
            right: vec![4, 5]
        }
    );
    let y = Array::<f64>::zeros(&[5, 2], [2, 2]).unwrap();
    let e = x.matmul(&y).unwrap_err();
    assert_eq!(
        e.to_string(),
        "matmul: axis 1 of shape [4, 6] has length 6, but axis 0 of shape [5, 2] has length 5"
    );
    assert!(matches!(
        x.dot(&y),
        Err(Error::ContractionMismatch { op: "dot", .. })
    ));
    let s3 = Array::<f64>::zeros(&[2, 2, 2], [1, 1, 1]).unwrap();
    assert!(matches!(
        s3.dot(&s3),
        Err(Error::UnsupportedRank {
            op: "dot",
            ndim: 3,
            ..
        })
    ));
    assert!(matches!(
        x.tensordot(&y, ([0, 1], [0])),
        Err(Error::InvalidAxes { .. })
    ));
    assert!(matches!(
        concatenate(Axis(0), Vec::<Array<f64>>::new()),
        Err(Error::NoArrays { op: "concatenate" })
    ));
    assert!(matches!(
        concatenate(Axis(1), [&x, &y]),
        Err(Error::IncompatibleShapes { .. })
    ));
    assert!(matches!(
        stack(Axis(3), [&x, &x]),
        Err(Error::AxisOutOfRange { .. })
    ));
    assert!(matches!(
        x.pad(1, Boundary::None),
        Err(Error::UnsupportedBoundary { op: "pad", .. })
    ));
    assert!(matches!(
        x.roll(1, Axis(2)),
        Err(Error::AxisOutOfRange { .. })
    ));
}

/// Every function that takes one axis takes `Axis(k)` and plain `k` alike, with the same
/// result, and the same error for an axis the array does not have.
#[test]
fn axes_are_named_alike_by_number_or_by_axis() {
    use chunkwise::{Boundary, ndfilters};
    let whole = data(&[4, 5, 3], 11);
    let x = Array::from_ndarray(whole.clone(), [3, 2, 2]).unwrap();
    let same = |name: &str, a: chunkwise::Result<Array<f64>>, b: chunkwise::Result<Array<f64>>| {
        let (a, b) = (a.unwrap().compute().unwrap(), b.unwrap().compute().unwrap());
        assert_eq!(a, b, "{name}");
    };
    for k in 0..3 {
        same("sum_axis", x.sum_axis(k), x.sum_axis(Axis(k)));
        same("mean_axis", x.mean_axis(k), x.mean_axis(Axis(k)));
        same("var_axis", x.var_axis(k, 1.0), x.var_axis(Axis(k), 1.0));
        same("nanmax_axis", x.nanmax_axis(k), x.nanmax_axis(Axis(k)));
        same("cumsum", x.cumsum(k), x.cumsum(Axis(k)));
        same("cumprod", x.cumprod(k), x.cumprod(Axis(k)));
        same("index_axis", x.index_axis(k, 1), x.index_axis(Axis(k), 1));
        same("select", x.select(k, &[0, 2]), x.select(Axis(k), &[0, 2]));
        same("insert_axis", x.insert_axis(k), x.insert_axis(Axis(k)));
        same("roll", x.roll(2, k), x.roll(2, Axis(k)));
        same(
            "swap_axes",
            x.swap_axes(k, 2),
            x.swap_axes(Axis(k), Axis(2)),
        );
        same(
            "concatenate",
            concatenate(k, [&x, &x]),
            concatenate(Axis(k), [&x, &x]),
        );
        same("stack", stack(k, [&x, &x]), stack(Axis(k), [&x, &x]));
        same(
            "sobel",
            ndfilters::sobel(&x, k, Boundary::Reflect),
            ndfilters::sobel(&x, Axis(k), Boundary::Reflect),
        );
        let (a, b) = (x.argmax_axis(k).unwrap(), x.argmax_axis(Axis(k)).unwrap());
        assert_eq!(a.compute().unwrap(), b.compute().unwrap());
        // Against ndarray on the whole array, once per spelling.
        assert_array_eq(&x.sum_axis(k).unwrap(), &whole.sum_axis(Axis(k)));
    }
    let one = x.insert_axis(1).unwrap();
    same("remove_axis", one.remove_axis(1), one.remove_axis(Axis(1)));
    assert_eq!(x.sum_axis(3).unwrap_err(), x.sum_axis(Axis(3)).unwrap_err());
    assert!(matches!(
        x.swap_axes(0, 7),
        Err(Error::AxisOutOfRange { axis: 7, .. })
    ));
}

/// An index on an axis of length 1 and a new axis elsewhere keep the number of axes but move
/// them: not the array itself (a case the property test found).
#[test]
fn an_index_and_a_new_axis_that_keep_the_rank_still_move_the_axes() {
    let a = ndarray::array![[1.0, 2.0, 3.0]].into_dyn();
    let x = Array::from_ndarray(a.clone(), [1, 2]).unwrap();
    let y = x.slice(s![0, .., ndarray::NewAxis]).unwrap();
    assert_eq!(y.shape(), &[3, 1]);
    assert_array_eq(
        &y,
        &a.slice(s![0, .., ndarray::NewAxis]).to_owned().into_dyn(),
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// `flip`, `rot90`, `moveaxis`, `squeeze` and `diff` equal numpy's rules written with
    /// ndarray on the whole array, for every axis (or pair) of random shapes and chunkings.
    #[test]
    fn rearrangements_and_differences_match_ndarray((a, chunks, seed) in case()) {
        let x = Array::from_ndarray(a.clone(), chunks).unwrap();
        let n = a.ndim();
        let mut r = Lcg(seed);
        for k in 0..n {
            let mut want = a.view();
            want.invert_axis(Axis(k));
            assert_array_eq(&x.flip(&[k]).unwrap(), &want.to_owned());
            for order in 0..3 {
                let got = x.diff(order, Axis(k)).unwrap();
                let mut want = a.clone();
                for _ in 0..order {
                    let len = want.shape()[k];
                    if len == 0 { break; }
                    let hi = want.slice_axis(Axis(k), ndarray::Slice::from(1..len)).to_owned();
                    let lo = want.slice_axis(Axis(k), ndarray::Slice::from(0..len - 1)).to_owned();
                    want = hi - lo;
                }
                assert_array_eq(&got, &want);
            }
            let to = r.next(n);
            let got = x.moveaxis(k, to).unwrap();
            let mut perm: Vec<usize> = (0..n).filter(|&j| j != k).collect();
            perm.insert(to, k);
            assert_array_eq(&got, &a.clone().permuted_axes(IxDyn(&perm)).as_standard_layout().into_owned());
        }
        let mut all = a.view();
        for k in 0..n { all.invert_axis(Axis(k)); }
        assert_array_eq(&x.flip(&[]).unwrap(), &all.to_owned());
        if n >= 2 {
            let (p, q) = (r.next(n), r.next(n));
            if p != q {
                for turns in -2i64..=4 {
                    // numpy: k = 1 flips the second axis then swaps the two.
                    let mut want = a.clone();
                    for _ in 0..turns.rem_euclid(4) {
                        want.invert_axis(Axis(q));
                        want.swap_axes(p, q);
                        want = want.as_standard_layout().into_owned();
                    }
                    assert_array_eq(&x.rot90(turns, (p, q)).unwrap(), &want);
                }
            }
        }
        let kept: Vec<usize> = a.shape().iter().copied().filter(|&m| m != 1).collect();
        let want = a.clone().into_shape_with_order(IxDyn(&kept)).unwrap();
        assert_array_eq(&x.squeeze(), &want);
    }
}

#[test]
fn rearrangements_refuse_bad_axes() {
    let x = Array::<f64>::zeros(&[2, 3], [1, 2]).unwrap();
    assert!(matches!(
        x.flip(&[2]),
        Err(Error::AxisOutOfRange { op: "flip", .. })
    ));
    assert!(matches!(
        x.flip(&[1, 1]),
        Err(Error::InvalidAxes { op: "flip", .. })
    ));
    assert!(matches!(
        x.rot90(1, (0, 0)),
        Err(Error::InvalidAxes { op: "rot90", .. })
    ));
    assert!(matches!(
        x.moveaxis(0, 2),
        Err(Error::AxisOutOfRange { op: "moveaxis", .. })
    ));
    assert!(matches!(
        x.diff(1, 2),
        Err(Error::AxisOutOfRange { op: "diff", .. })
    ));
    let scalar = Array::from_ndarray(ndarray::arr0(1.0), Vec::<usize>::new()).unwrap();
    assert!(matches!(
        scalar.diff(1, 0),
        Err(Error::UnsupportedRank { op: "diff", .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// `repeat` and `tile` equal numpy's rules written with ndarray, for random repeats.
    #[test]
    fn repeat_and_tile_match_ndarray((a, chunks, seed) in case()) {
        let x = Array::from_ndarray(a.clone(), chunks).unwrap();
        let mut r = Lcg(seed);
        let n = a.ndim();
        for k in 0..n {
            let times = r.next(4);
            let got = x.repeat(times, Axis(k)).unwrap();
            let views: Vec<_> = a.axis_iter(Axis(k)).flat_map(|v| std::iter::repeat_n(v.insert_axis(Axis(k)), times)).collect();
            let mut shape = a.shape().to_vec();
            shape[k] *= times;
            let want = if views.is_empty() { ArrayD::zeros(IxDyn(&shape)) } else { ndarray::concatenate(Axis(k), &views).unwrap() };
            assert_array_eq(&got, &want);
        }
        let reps: Vec<usize> = (0..r.next(n + 2)).map(|_| 1 + r.next(3)).collect();
        let got = x.tile(&reps).unwrap();
        let mut want = a.clone();
        while want.ndim() < reps.len() { want.insert_axis_inplace(Axis(0)); }
        let skip = want.ndim() - reps.len();
        for (j, &t) in reps.iter().enumerate() {
            let views: Vec<_> = (0..t).map(|_| want.view()).collect();
            want = ndarray::concatenate(Axis(skip + j), &views).unwrap();
        }
        assert_array_eq(&got, &want);
    }

    /// `arange` and `linspace` equal numpy's formulas, in any chunking.
    #[test]
    fn ranges_match_numpys_formulas(start in -20i64..20, len in 0usize..30, step in 1i64..5, block in 1usize..7, endpoint in any::<bool>()) {
        let stop = start + len as i64;
        let got = Array::arange(start, stop, step, [block]).unwrap();
        let want: Vec<i64> = (0..).map(|i| start + i * step).take_while(|&v| v < stop).collect();
        assert_array_eq(&got, &ndarray::Array1::from(want).into_dyn());
        let (a, b) = (start as f64 / 3.0, stop as f64 / 7.0);
        let got = Array::linspace(a, b, len, endpoint, [block]).unwrap();
        let div = if endpoint { len.saturating_sub(1) } else { len };
        let want: Vec<f64> = (0..len).map(|i| {
            if endpoint && len > 1 && i == len - 1 { b } else if div == 0 { i as f64 * (b - a) + a } else { i as f64 * ((b - a) / div as f64) + a }
        }).collect();
        assert_array_eq(&got, &ndarray::Array1::from(want).into_dyn());
    }
}

#[test]
fn ranges_refuse_a_zero_step() {
    assert!(matches!(
        Array::arange(0.0, 1.0, 0.0, [2]),
        Err(Error::InvalidParameter { op: "arange", .. })
    ));
    assert!(matches!(
        Array::arange(0.0, f64::INFINITY, 1.0, [2]),
        Err(Error::InvalidParameter { op: "arange", .. })
    ));
    // numpy: np.linspace(2.0, 3.0, 5) and np.arange(0.1, 0.5, 0.1) (length 4: 0.4000...0004 < 0.5).
    let l = Array::linspace(2.0, 3.0, 5, true, [2])
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(l, ndarray::array![2.0, 2.25, 2.5, 2.75, 3.0].into_dyn());
    assert_eq!(Array::arange(0.1, 0.5, 0.1, [3]).unwrap().shape(), &[4]);
}

/// numpy's gradient of one lane, by its formulas.
fn lane_gradient(f: &[f64], h: f64, edge_order: usize) -> Vec<f64> {
    let n = f.len();
    (0..n)
        .map(|i| match (i, edge_order) {
            (0, 1) => (f[1] - f[0]) / h,
            (0, _) => (-3.0 * f[0] + 4.0 * f[1] - f[2]) / (2.0 * h),
            (i, 1) if i == n - 1 => (f[n - 1] - f[n - 2]) / h,
            (i, _) if i == n - 1 => (3.0 * f[n - 1] - 4.0 * f[n - 2] + f[n - 3]) / (2.0 * h),
            (i, _) => (f[i + 1] - f[i - 1]) / (2.0 * h),
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// `gradient_axis` equals numpy's formulas lane by lane, for both edge orders.
    #[test]
    fn gradient_matches_numpys_formulas((a, chunks, _seed) in case(), h in 0.25f64..3.0) {
        let x = Array::from_ndarray(a.clone(), chunks).unwrap();
        for k in 0..a.ndim() {
            for order in [1, 2] {
                let len = a.shape()[k];
                let got = x.gradient_axis(k, h, order);
                if len < order + 1 {
                    prop_assert!(got.is_err());
                    continue;
                }
                let got = got.unwrap().compute().unwrap();
                let mut want = a.clone();
                for (lane, mut out) in a.lanes(Axis(k)).into_iter().zip(want.lanes_mut(Axis(k))) {
                    let g = lane_gradient(&lane.to_vec(), h, order);
                    for (o, v) in out.iter_mut().zip(g) { *o = v; }
                }
                prop_assert!(got.iter().zip(&want).all(|(p, q)| (p - q).abs() <= 1e-12 * q.abs().max(1.0)), "{:?} vs {:?}", got, want);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// `map_blocks_with` over two arrays that broadcast, each cut its own way, equals the
    /// same arithmetic on the whole arrays with ndarray's broadcasting.
    #[test]
    fn map_blocks_over_two_arrays_broadcasts_and_aligns((a, chunks, seed) in case(), other in any::<u64>()) {
        let mut r = Lcg(seed ^ other);
        let x = Array::from_ndarray(a.clone(), chunks).unwrap();
        // The second operand: some axes of length 1, some leading axes dropped.
        let drop = r.next(a.ndim() + 1);
        let shape_b: Vec<usize> = a.shape()[drop..].iter().map(|&m| if r.next(3) == 0 { 1 } else { m }).collect();
        let b = data(&shape_b, other);
        let chunks_b: Vec<Vec<usize>> = shape_b.iter().map(|&m| {
            let mut left = m;
            let mut sizes = Vec::new();
            while left > 0 { let s = 1 + r.next(left); sizes.push(s); left -= s; }
            sizes
        }).collect();
        let y = Array::from_ndarray(b.clone(), chunks_b).unwrap();
        let got = x.map_blocks_with(&y, |p, q| &p * 2.0 + &q).unwrap();
        let want = &a * 2.0 + &b;
        assert_array_eq(&got, &want);
    }
}

#[test]
fn map_blocks_with_checks_the_block_shape() {
    let x = Array::<f64>::ones(&[4], [2]).unwrap();
    let y = Array::<f64>::ones(&[4], [3]).unwrap();
    let bad = x
        .map_blocks_with(&y, |p, _| p.slice(ndarray::s![..1]).to_owned())
        .unwrap();
    assert!(matches!(bad.compute(), Err(Error::BlockShape { .. })));
    let z = Array::<f64>::ones(&[3], [3]).unwrap();
    assert!(matches!(
        x.map_blocks_with(&z, |p, _| p.to_owned()),
        Err(Error::IncompatibleShapes { .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// `average_axis` with full and 1-D weights, and `ediff1d`, against ndarray.
    #[test]
    fn averages_and_flat_differences_match_ndarray((a, chunks, seed) in case()) {
        let x = Array::from_ndarray(a.clone(), chunks).unwrap();
        let w = data(a.shape(), seed ^ 5).mapv(|v| v.abs() + 0.5);
        let xw = Array::from_ndarray(w.clone(), a.shape().iter().map(|&m| m.max(1)).collect::<Vec<_>>()).unwrap();
        for k in 0..a.ndim() {
            let want = (&a * &w).sum_axis(Axis(k)) / w.sum_axis(Axis(k));
            let got = x.average_axis(k, &xw).unwrap().compute().unwrap();
            prop_assert!(got.iter().zip(&want).all(|(p, q)| (p - q).abs() <= 1e-12 * q.abs().max(1.0) || (p.is_nan() && q.is_nan())));
            let line: ndarray::Array1<f64> = (0..a.shape()[k]).map(|i| 1.0 + i as f64).collect();
            let mut shape = vec![1; a.ndim()];
            shape[k] = a.shape()[k];
            let full = line.clone().into_shape_with_order(IxDyn(&shape)).unwrap();
            let want = (&a * &full).sum_axis(Axis(k)) / line.sum();
            let lw = Array::from_ndarray(line.into_dyn(), [2]).unwrap();
            let got = x.average_axis(k, &lw).unwrap().compute().unwrap();
            prop_assert!(got.iter().zip(&want).all(|(p, q)| (p - q).abs() <= 1e-12 * q.abs().max(1.0) || (p.is_nan() && q.is_nan())));
        }
        let flat: Vec<f64> = a.iter().copied().collect();
        let want: Vec<f64> = flat.windows(2).map(|p| p[1] - p[0]).collect();
        assert_array_eq(&x.ediff1d().unwrap(), &ndarray::Array1::from(want).into_dyn());
    }
}

#[test]
fn average_refuses_weights_of_another_shape() {
    let x = Array::<f64>::ones(&[2, 3], [1, 2]).unwrap();
    let w = Array::<f64>::ones(&[2], [2]).unwrap();
    assert!(matches!(
        x.average_axis(1, &w),
        Err(Error::IncompatibleShapes { op: "average", .. })
    ));
    assert!(x.average_axis(0, &w).is_ok());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// `meshgrid` (both indexings) and `indices` hold, at every grid point, the coordinate
    /// numpy's rules give.
    #[test]
    fn grids_hold_their_coordinates(lens in prop::collection::vec(0usize..5, 0..4), block in 1usize..3, ij in any::<bool>()) {
        let xs: Vec<Array<i64>> = lens.iter().enumerate().map(|(k, &n)| {
            Array::from_ndarray(ndarray::Array1::from_iter((0..n as i64).map(|i| 10 * k as i64 + i)).into_dyn(), [block]).unwrap()
        }).collect();
        let refs: Vec<&Array<i64>> = xs.iter().collect();
        let indexing = if ij { chunkwise::Indexing::Ij } else { chunkwise::Indexing::Xy };
        let grids = chunkwise::meshgrid(&refs, indexing).unwrap();
        let n = lens.len();
        let place = |k: usize| if !ij && n > 1 && k < 2 { 1 - k } else { k };
        for (k, g) in grids.iter().enumerate() {
            let g = g.compute().unwrap();
            for (idx, &v) in g.indexed_iter() {
                prop_assert_eq!(v, 10 * k as i64 + idx[place(k)] as i64);
            }
        }
        let ind = Array::indices(&lens, vec![block; lens.len()]).unwrap().compute().unwrap();
        let mut full = vec![lens.len()];
        full.extend_from_slice(&lens);
        prop_assert_eq!(ind.shape(), &full[..]);
        for (idx, &v) in ind.indexed_iter() {
            prop_assert_eq!(v, idx[1 + idx[0]]);
        }
    }
}

/// numpy's `x[i0, i1, ...]` with integer arrays for the leading axes, written out: the index
/// arrays broadcast, each point's element (or the rest of the axes) copied.
fn vindex_ref(a: &ArrayD<f64>, idx: &[ArrayD<i64>]) -> ArrayD<f64> {
    let mut shape: Vec<usize> = Vec::new();
    for i in idx {
        let n = shape.len().max(i.ndim());
        let mut s = vec![1; n];
        for (k, &v) in shape.iter().rev().enumerate() {
            s[n - 1 - k] = v;
        }
        for (k, &v) in i.shape().iter().rev().enumerate() {
            if v != 1 {
                s[n - 1 - k] = v;
            }
        }
        shape = s;
    }
    let views: Vec<_> = idx
        .iter()
        .map(|i| i.broadcast(IxDyn(&shape)).unwrap())
        .collect();
    let mut rest = Vec::new();
    for p in ndarray::indices(IxDyn(&shape)) {
        let mut v = a.view();
        for (k, i) in views.iter().enumerate() {
            let len = a.shape()[k] as i64;
            let x = i[&p];
            v.index_axis_inplace(Axis(0), (if x < 0 { x + len } else { x }) as usize);
        }
        rest.extend(v.iter().copied());
    }
    let mut full = shape;
    full.extend_from_slice(&a.shape()[idx.len()..]);
    ArrayD::from_shape_vec(IxDyn(&full), rest).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(120))]

    /// `vindex` with one to all axes indexed by broadcast arrays (negative indices included),
    /// `take` with a chunked index array, `nonzero` and `argwhere`, against numpy's rules on the
    /// whole array.
    #[test]
    fn advanced_indexing_matches_numpy_rules((a, chunks, seed) in case()) {
        let mut r = Lcg(seed);
        let x = Array::from_ndarray(a.clone(), chunks).unwrap();
        let nd = a.ndim();
        if nd > 0 && a.shape()[..].iter().all(|&n| n > 0) {
            let k = 1 + r.next(nd);
            let pshape: Vec<usize> = (0..r.next(3)).map(|_| r.next(4)).collect();
            let idx: Vec<ArrayD<i64>> = (0..k)
                .map(|ax| {
                    let len = a.shape()[ax] as i64;
                    // Some index arrays of length 1 along an axis: broadcast.
                    let sh: Vec<usize> = pshape.iter().map(|&n| if r.next(3) == 0 { 1 } else { n }).collect();
                    let mut q = Lcg(seed ^ ax as u64);
                    ArrayD::from_shape_simple_fn(IxDyn(&sh), || q.next(2 * len as usize) as i64 - len)
                })
                .collect();
            assert_array_eq(&x.vindex(&idx).unwrap(), &vindex_ref(&a, &idx));
        }
        if nd > 0 {
            let axis = r.next(nd);
            let len = a.shape()[axis];
            let ilen = if len == 0 { 0 } else { r.next(7) };
            let mut q = Lcg(seed + 1);
            let iv: Vec<i64> = (0..ilen).map(|_| q.next(2 * len) as i64 - len as i64).collect();
            let ia = ndarray::Array1::from(iv.clone()).into_dyn();
            let ix = Array::from_ndarray(ia, seeded_chunks(&[ilen], seed)).unwrap();
            let pos: Vec<usize> = iv.iter().map(|&v| if v < 0 { (v + len as i64) as usize } else { v as usize }).collect();
            assert_array_eq(&x.take(&ix, axis).unwrap(), &a.select(Axis(axis), &pos));
            // An index array of two axes: its axes replace the one taken.
            let i2 = Array::from_ndarray(ndarray::Array1::from(iv).into_dyn().into_shape_with_order(vec![1, ilen]).unwrap(), [1, 2]).unwrap();
            let mut s2 = a.shape()[..axis].to_vec();
            s2.extend([1, ilen]);
            s2.extend_from_slice(&a.shape()[axis + 1..]);
            assert_array_eq(&x.take(&i2, axis).unwrap(), &a.select(Axis(axis), &pos).to_shape(s2).unwrap().to_owned());
            // nonzero and argwhere of the elements above zero.
            let pos_elems: Vec<Vec<usize>> = ndarray::indices(IxDyn(a.shape()))
                .into_iter()
                .filter(|i| a[i] > 0.0)
                .map(|i| ndarray::Dimension::slice(&i).to_vec())
                .collect();
            let above = x.map(|v| if v > 0.0 { v } else { 0.0 });
            let nz = above.nonzero().unwrap();
            for (k, axis_idx) in nz.iter().enumerate() {
                let want: Vec<usize> = pos_elems.iter().map(|p| p[k]).collect();
                assert_array_eq(axis_idx, &ndarray::Array1::from(want).into_dyn());
            }
            let flat: Vec<usize> = pos_elems.iter().flatten().copied().collect();
            let want = ArrayD::from_shape_vec(IxDyn(&[pos_elems.len(), nd]), flat).unwrap();
            assert_array_eq(&above.argwhere().unwrap(), &want);
        }
    }
}

#[test]
fn advanced_indexing_errors_name_the_problem() {
    let x = Array::from_ndarray(ndarray::Array2::<f64>::zeros((4, 5)).into_dyn(), [2, 2]).unwrap();
    let i = |v: Vec<i64>| ndarray::Array1::from(v).into_dyn();
    for (r, needle) in [
        (x.vindex::<i64>(&[]), "at least one"),
        (
            x.vindex(&[i(vec![0]), i(vec![0]), i(vec![0])]),
            "one index array per leading axis",
        ),
        (x.vindex(&[i(vec![0, 1]), i(vec![0, 1, 2])]), "incompatible"),
        (x.vindex(&[i(vec![4])]), "out of range"),
        (x.vindex(&[i(vec![0]), i(vec![-6])]), "out of range"),
        (
            x.take(&Array::from_ndarray(i(vec![0]), [1]).unwrap(), 2),
            "axis 2",
        ),
    ] {
        let e = r.err().unwrap_or_else(|| panic!("accepted: {needle}"));
        assert!(
            e.to_string().contains(needle),
            "'{e}' should mention '{needle}'"
        );
    }
    // An index outside the axis in a lazy index array fails at compute.
    let bad = x
        .take(&Array::from_ndarray(i(vec![1, 5]), [1]).unwrap(), 0)
        .unwrap();
    assert!(
        bad.compute()
            .unwrap_err()
            .to_string()
            .contains("out of range")
    );
    let zero_d = Array::from_ndarray(ndarray::arr0(1.0).into_dyn(), Vec::<usize>::new()).unwrap();
    assert!(zero_d.nonzero().is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    /// `ChunkSpec::Auto` blocks hold at most the bytes asked for (counting the element type's
    /// size), not much less, and keep the values; `Balanced` blocks differ by one at most.
    #[test]
    fn auto_and_balanced_chunks_keep_their_promises(
        shape in proptest::collection::vec(prop_oneof![1 => Just(0usize), 6 => 1usize..40], 0..4),
        kib in 1usize..64,
        block in proptest::collection::vec(1usize..12, 4),
    ) {
        let bytes = kib * 128;
        let a = data(&shape, 3);
        let x = Array::from_ndarray(a.clone(), shape.iter().map(|&n| vec![n]).collect::<Vec<_>>()).unwrap();
        let total: usize = shape.iter().product();
        for (itemsize, y) in [
            (8, x.rechunk(chunkwise::ChunkSpec::Auto(bytes)).unwrap().chunks().to_vec()),
            (1, Array::<u8>::zeros(&shape, chunkwise::ChunkSpec::Auto(bytes)).unwrap().chunks().to_vec()),
        ] {
            let target = bytes / itemsize;
            let largest: usize = y.iter().map(|s| s.iter().copied().max().unwrap_or(0)).product();
            prop_assert!(largest <= target.max(1), "{:?}: {} elements of {} bytes over {} bytes", y, largest, itemsize, bytes);
            let floor = total.min(target >> shape.len());
            prop_assert!(largest >= floor, "{:?}: {} elements, at least {} expected", y, largest, floor);
        }
        assert_array_eq(&x.rechunk(chunkwise::ChunkSpec::Auto(bytes)).unwrap(), &a);
        let b = block[..shape.len()].to_vec();
        let z = x.rechunk(chunkwise::ChunkSpec::Balanced(b.clone())).unwrap();
        for ((sizes, &len), &bk) in z.chunks().iter().zip(&shape).zip(&b) {
            prop_assert_eq!(sizes.len(), len.div_ceil(bk).max(1));
            let (lo, hi) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
            prop_assert!(hi - lo <= 1, "{:?}", sizes);
        }
        assert_array_eq(&z, &a);
    }
}

#[test]
fn auto_chunks_match_dask_on_its_documented_shapes() {
    use chunkwise::{ChunkSpec, IntoChunks};
    // dask: da.ones((10000, 10000), chunks="auto").chunksize == (4096, 4096), and a cube of
    // 1000^3 f64 gets 256^3 blocks (128 MiB each).
    assert_eq!(
        ChunkSpec::auto()
            .into_chunks(&[10_000, 10_000])
            .unwrap()
            .sizes()[0][0],
        4096
    );
    let x = Array::<f64>::zeros(&[1000, 1000, 1000], ChunkSpec::auto()).unwrap();
    assert_eq!(x.chunks()[2][0], 256);
    // u8: 10^8 elements fit one block of 128 MiB.
    assert_eq!(
        Array::<u8>::zeros(&[10_000, 10_000], ChunkSpec::auto())
            .unwrap()
            .num_blocks(),
        1
    );
}

/// numpy's `sliding_window_view` on the whole array, from its definition: element
/// `[i..., k...]` is `x[i + k]`, the window axes in the order given.
fn windows_ref(a: &ArrayD<f64>, window: &[usize], axes: &[usize]) -> ArrayD<f64> {
    let n = a.ndim();
    let mut shape: Vec<usize> = a.shape().to_vec();
    for (&ax, &w) in axes.iter().zip(window) {
        shape[ax] = shape[ax] + 1 - w;
    }
    shape.extend_from_slice(window);
    ArrayD::from_shape_fn(IxDyn(&shape), |idx| {
        let mut at: Vec<usize> = ndarray::Dimension::slice(&idx)[..n].to_vec();
        for (k, &ax) in axes.iter().enumerate() {
            at[ax] += idx[n + k];
        }
        a[IxDyn(&at)]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(120))]

    #[test]
    fn sliding_windows_and_apply_along_axis_match_numpy_rules((a, chunks, seed) in case()) {
        let mut r = Lcg(seed);
        let x = Array::from_ndarray(a.clone(), chunks).unwrap();
        let n = a.ndim();
        // Windows along a random subset of the non-empty axes, in a random order.
        let mut axes: Vec<usize> = (0..n).filter(|&k| a.shape()[k] > 0 && r.next(2) == 0).collect();
        if axes.len() > 1 && r.next(2) == 0 {
            axes.reverse();
        }
        let window: Vec<usize> = axes.iter().map(|&k| 1 + r.next(a.shape()[k])).collect();
        assert_array_eq(&x.sliding_window_view(&window, &axes).unwrap(), &windows_ref(&a, &window, &axes));
        if n > 0 {
            let axis = r.next(n);
            let lanes = |f: &dyn Fn(ndarray::ArrayView1<'_, f64>) -> ArrayD<f64>| -> ArrayD<f64> {
                let outs: Vec<ArrayD<f64>> = a.lanes(Axis(axis)).into_iter().map(f).collect();
                let core = f(ndarray::Array1::<f64>::zeros(a.shape()[axis]).view()).shape().to_vec();
                let mut loop_shape: Vec<usize> = a.shape().to_vec();
                loop_shape.remove(axis);
                let mut full = loop_shape.clone();
                full.extend_from_slice(&core);
                let flat: Vec<f64> = outs.iter().flat_map(|o| o.iter().copied()).collect();
                let moved = ArrayD::from_shape_vec(IxDyn(&full), flat).unwrap();
                // The output's axes back where the lane's axis was.
                let r = core.len();
                let mut perm: Vec<usize> = (0..axis).collect();
                perm.extend(n - 1..n - 1 + r);
                perm.extend(axis..n - 1);
                moved.permuted_axes(perm).as_standard_layout().into_owned()
            };
            let cum = |l: ndarray::ArrayView1<'_, f64>| {
                let mut v = l.to_owned();
                v.accumulate_axis_inplace(Axis(0), |&p, c| *c += p);
                v.into_dyn()
            };
            assert_array_eq(&x.apply_along_axis(axis, cum).unwrap(), &lanes(&cum));
            let total = |l: ndarray::ArrayView1<'_, f64>| ndarray::arr0(l.sum()).into_dyn();
            assert_array_eq(&x.apply_along_axis(axis, total).unwrap(), &lanes(&total));
            let outer = |l: ndarray::ArrayView1<'_, f64>| {
                ndarray::Array2::from_shape_fn((2, l.len()), |(i, j)| l[j] * (i + 1) as f64).into_dyn()
            };
            assert_array_eq(&x.apply_along_axis(axis, outer).unwrap(), &lanes(&outer));
        }
    }
}

#[test]
fn choose_and_select_match_numpy_rules() {
    for seed in 0..30u64 {
        let shape = vec![(seed % 5) as usize, 3];
        let mut r = Lcg(seed);
        let idx = ArrayD::from_shape_simple_fn(IxDyn(&shape), || r.next(3) as u8);
        let cs: Vec<ArrayD<f64>> = (0..3).map(|k| data(&shape, seed + k)).collect();
        // The third choice a row, broadcast over the rows.
        let row = data(&[3], seed + 9);
        let xi = Array::from_ndarray(idx.clone(), seeded_chunks(&shape, seed)).unwrap();
        let xa = Array::from_ndarray(cs[0].clone(), seeded_chunks(&shape, seed + 1)).unwrap();
        let xb = Array::from_ndarray(cs[1].clone(), seeded_chunks(&shape, seed + 2)).unwrap();
        let xr = Array::from_ndarray(row.clone(), seeded_chunks(&[3], seed + 3)).unwrap();
        let want = ArrayD::from_shape_fn(IxDyn(&shape), |i| match idx[&i] {
            0 => cs[0][&i],
            1 => cs[1][&i],
            _ => row[i[1]],
        });
        assert_array_eq(&chunkwise::choose(&xi, &[&xa, &xb, &xr]).unwrap(), &want);
        // select: a < 0 first, then b > 1, else 7.
        let ca = xa.map(|v| v < 0.0);
        let cb = xb.map(|v| v > 1.0);
        let want = ArrayD::from_shape_fn(IxDyn(&shape), |i| {
            if cs[0][&i] < 0.0 {
                cs[0][&i]
            } else if cs[1][&i] > 1.0 {
                row[i[1]]
            } else {
                7.0
            }
        });
        assert_array_eq(
            &chunkwise::select(&[&ca, &cb], &[&xa, &xr], 7.0).unwrap(),
            &want,
        );
    }
    let xi = Array::from_ndarray(ndarray::array![0i32, 3].into_dyn(), [1]).unwrap();
    let xa = Array::from_ndarray(ndarray::array![1.0, 2.0].into_dyn(), [1]).unwrap();
    let err = chunkwise::choose(&xi, &[&xa, &xa])
        .unwrap()
        .compute()
        .unwrap_err();
    assert!(err.to_string().contains("out of range"), "{err}");
    let neg = Array::from_ndarray(ndarray::array![-1i32, 0].into_dyn(), [2]).unwrap();
    assert!(chunkwise::choose(&neg, &[&xa]).unwrap().compute().is_err());
    assert!(chunkwise::choose::<i32, f64>(&xi, &[]).is_err());
    assert!(chunkwise::select(&[&xa.map(|v| v > 0.0)], &[], 0.0).is_err());
}

/// `gradient_axis_coords` against numpy's `gradient(f, x, axis, edge_order)` at uneven and
/// even coordinates (`scripts/gradient_fixtures.py`), over four chunkings: equal to numpy's
/// to the last bit, as its coefficients and sums are computed in numpy's order.
#[test]
fn gradient_at_coordinates_matches_numpy() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/manipulation/gradient.txt"),
    )
    .unwrap();
    let nums = |s: &str| -> Vec<f64> { s.split(' ').map(|v| v.parse().unwrap()).collect() };
    let mut cases = 0;
    for line in text.lines() {
        let f: Vec<&str> = line.split(';').collect();
        let shape: Vec<usize> = f[0].split(' ').map(|v| v.parse().unwrap()).collect();
        let (axis, edge): (usize, usize) = (f[1].parse().unwrap(), f[2].parse().unwrap());
        let coords = nums(f[3]);
        let a = ArrayD::from_shape_vec(IxDyn(&shape), nums(f[4])).unwrap();
        let want = ArrayD::from_shape_vec(IxDyn(&shape), nums(f[5])).unwrap();
        for chunks in common::four_chunkings(&shape) {
            let x = Array::from_ndarray(a.clone(), chunks.clone()).unwrap();
            let got = x
                .gradient_axis_coords(axis, &coords, edge)
                .unwrap()
                .compute()
                .unwrap();
            let worst = got
                .iter()
                .zip(want.iter())
                .map(|(g, w)| (g - w).abs() / w.abs().max(1.0))
                .fold(0.0, f64::max);
            assert!(
                worst <= 4.0 * f64::EPSILON,
                "{shape:?} axis {axis} edge {edge} {chunks:?}: off by {worst}"
            );
            cases += 1;
        }
    }
    assert!(cases >= 60, "{cases} cases");
    let x = Array::from_ndarray(ndarray::array![1.0, 2.0, 3.0].into_dyn(), [2]).unwrap();
    assert!(x.gradient_axis_coords(0, &[0.0, 1.0], 1).is_err());
    let d = x.ediff1d_with(&[7.0], &[]).unwrap().compute().unwrap();
    assert_eq!(d, ndarray::array![7.0, 1.0, 1.0].into_dyn());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    /// `compress` along each axis with a lazy mask, and `expand_dims`, against ndarray.
    #[test]
    fn compress_and_expand_dims_match_numpy_rules((a, chunks, seed) in case()) {
        let mut r = Lcg(seed);
        let x = Array::from_ndarray(a.clone(), chunks).unwrap();
        for axis in 0..a.ndim() {
            let len = a.shape()[axis];
            let m: Vec<bool> = (0..len).map(|_| r.next(2) == 0).collect();
            let mask = Array::from_ndarray(ndarray::Array1::from(m.clone()).into_dyn(), seeded_chunks(&[len], seed)).unwrap();
            let keep: Vec<usize> = (0..len).filter(|&i| m[i]).collect();
            assert_array_eq(&x.compress(&mask, axis).unwrap(), &a.select(Axis(axis), &keep));
        }
        let pos = r.next(a.ndim() + 1);
        let mut want = a.clone().insert_axis(Axis(pos));
        want = want.insert_axis(Axis(a.ndim() + 1));
        assert_array_eq(&x.expand_dims(&[a.ndim() + 1, pos]).unwrap(), &want);
        prop_assert!(x.expand_dims(&[0, 0]).is_err());
        prop_assert!(x.expand_dims(&[a.ndim() + 1]).is_err());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    /// `diff_with` a prepended and appended array (or 0-d value) along each axis, against
    /// ndarray's concatenate then numpy's repeated differences.
    #[test]
    fn diff_with_prepend_and_append_matches_numpy_rules((a, chunks, seed) in case()) {
        prop_assume!(a.ndim() > 0);
        let mut r = Lcg(seed);
        let x = Array::from_ndarray(a.clone(), chunks).unwrap();
        let axis = r.next(a.ndim());
        let n = r.next(4);
        let mut pshape = a.shape().to_vec();
        pshape[axis] = 1 + r.next(2);
        let p = data(&pshape, seed + 1);
        let xp = Array::from_ndarray(p.clone(), seeded_chunks(&pshape, seed)).unwrap();
        let v = Array::from_ndarray(ndarray::arr0(0.5).into_dyn(), Vec::<usize>::new()).unwrap();
        let mut vshape = a.shape().to_vec();
        vshape[axis] = 1;
        let vb = ArrayD::from_elem(IxDyn(&vshape), 0.5);
        let mut whole = ndarray::concatenate(Axis(axis), &[p.view(), a.view(), vb.view()]).unwrap();
        for _ in 0..n {
            let len = whole.shape()[axis];
            if len == 0 { break; }
            whole = &whole.slice_axis(Axis(axis), ndarray::Slice::from(1..len)) - &whole.slice_axis(Axis(axis), ndarray::Slice::from(0..len - 1));
        }
        assert_array_eq(&x.diff_with(n, axis, Some(&xp), Some(&v)).unwrap(), &whole);
        prop_assert!(x.diff_with(1, axis, Some(&Array::from_ndarray(data(&[7, 7, 7, 7, 7], 1), [7, 7, 7, 7, 7]).unwrap()), None).is_err());
    }
}
