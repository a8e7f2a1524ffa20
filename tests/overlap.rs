//! Ghost cells against an independent reference: pad the whole array axis after axis (numpy.pad
//! semantics, by iterated reflection), then cut it block by block.

mod common;

use common::pad_whole;

use chunkwise::{Array, Boundary, Error};
use ndarray::{ArrayD, Dimension, IxDyn, ShapeBuilder, Slice};
use proptest::prelude::*;

fn boundary() -> impl Strategy<Value = Boundary<i64>> {
    prop_oneof![
        Just(Boundary::None),
        Just(Boundary::Reflect),
        Just(Boundary::Mirror),
        Just(Boundary::Periodic),
        Just(Boundary::Nearest),
        (-9i64..9).prop_map(Boundary::Constant),
    ]
}

/// Shape (1 to 3 axes), chunks, per-axis depth (up to three times the axis length and more,
/// asymmetric) and boundaries.
type Case = (
    Vec<usize>,
    Vec<Vec<usize>>,
    Vec<(usize, usize)>,
    Vec<Boundary<i64>>,
);

fn case() -> impl Strategy<Value = Case> {
    proptest::collection::vec(1usize..9, 1..=3).prop_flat_map(|shape| {
        let chunks: Vec<_> = shape
            .iter()
            .map(|&len| {
                proptest::collection::vec(1..=len, 0..len).prop_map(move |cuts| {
                    let mut e: Vec<usize> = cuts.into_iter().filter(|&c| c < len).collect();
                    e.extend([0, len]);
                    e.sort_unstable();
                    e.dedup();
                    e.windows(2).map(|w| w[1] - w[0]).collect::<Vec<_>>()
                })
            })
            .collect();
        // Up to three times the axis and more: deeper than the axis, the boundary rule repeats
        // (reflect again and again, wrap around), as numpy's pad and scipy do.
        let depth: Vec<_> = shape
            .iter()
            .map(|&len| (0..=3 * len + 2, 0..=3 * len + 2))
            .collect();
        let bs = proptest::collection::vec(boundary(), shape.len());
        (Just(shape), chunks, depth, bs)
    })
}

fn data(shape: &[usize]) -> ArrayD<i64> {
    ArrayD::from_shape_fn(IxDyn(shape), |i| {
        i.slice()
            .iter()
            .fold(1i64, |acc, &x| acc * 10 + x as i64 + 1)
    })
}

/// Cells of the padded whole array that padded block `idx` should hold.
fn expected_block(
    whole: &ArrayD<i64>,
    chunks: &[Vec<usize>],
    depth: &[(usize, usize)],
    bs: &[Boundary<i64>],
    idx: &[usize],
) -> ArrayD<i64> {
    whole
        .slice_each_axis(|ax| {
            let a = ax.axis.index();
            let i = idx[a];
            let n = chunks[a].len();
            let start: usize = chunks[a][..i].iter().sum();
            let end = start + chunks[a][i];
            let (lo, hi) = depth[a];
            let len: usize = chunks[a].iter().sum();
            let _ = n;
            let (lo_eff, hi_eff) = match bs[a] {
                Boundary::None => (lo.min(start), hi.min(len - end)),
                _ => (lo, hi),
            };
            let shift = if bs[a] == Boundary::None { 0 } else { lo };
            Slice::from(start + shift - lo_eff..end + shift + hi_eff)
        })
        .to_owned()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn overlap_equals_cutting_the_padded_whole_array((shape, chunks, depth, bs) in case()) {
        let a = data(&shape);
        let x = Array::from_ndarray(a.clone(), chunks.clone()).unwrap();
        let padded = x.overlap(depth.clone(), bs.clone()).unwrap();
        prop_assert_eq!(padded.num_blocks(), x.num_blocks());
        let whole = pad_whole(&a, &depth, &bs);
        let got = padded.compute_with(&common::schedulers()[2]).unwrap();
        // The same values held column-major: blocks whose rows are not contiguous.
        let mut columns = ArrayD::zeros(IxDyn(&shape).f());
        columns.assign(&a);
        let from_columns = Array::from_ndarray(columns, chunks.clone()).unwrap();
        let padded_columns = from_columns.overlap(depth.clone(), bs.clone()).unwrap();
        prop_assert_eq!(padded_columns.compute().unwrap(), got.clone());
        // Walk the padded blocks and compare each with the reference.
        let grid: Vec<usize> = chunks.iter().map(Vec::len).collect();
        let total: usize = grid.iter().product();
        for lin in 0..total {
            let mut idx = vec![0; grid.len()];
            let mut r = lin;
            for k in (0..grid.len()).rev() {
                idx[k] = r % grid[k];
                r /= grid[k];
            }
            let block = got.slice_each_axis(|ax| {
                let a = ax.axis.index();
                let s: usize = padded.chunks()[a][..idx[a]].iter().sum();
                Slice::from(s..s + padded.chunks()[a][idx[a]])
            });
            prop_assert_eq!(block.to_owned(), expected_block(&whole, &chunks, &depth, &bs, &idx), "block {:?}", idx);
        }
        // And the round trip, where trim can know the padding (always, but under None when
        // the depth reaches past the array's edge from an inner block).
        let clamped = bs.iter().zip(&depth).zip(&chunks).any(|((b, &(lo, hi)), c)| {
            *b == Boundary::None && c.len() > 1 && (lo > c[0] || hi > c[c.len() - 1])
        });
        if !clamped {
            let back = padded.trim(depth.clone(), bs.clone()).unwrap();
            prop_assert_eq!(back.chunks(), x.chunks());
            prop_assert_eq!(back.compute().unwrap(), a);
        }
    }

    #[test]
    fn map_overlap_of_a_stencil_equals_the_stencil_on_the_padded_whole(
        (shape, chunks, depth, bs) in case()
    ) {
        let depth: Vec<usize> = depth.iter().map(|&(lo, hi)| lo.min(hi)).collect();
        let a = data(&shape);
        let x = Array::from_ndarray(a.clone(), chunks.clone()).unwrap();
        let d = depth.clone();
        let stencil = move |b: ndarray::ArrayViewD<i64>| box_sum(&b, &d);
        let y = x.map_overlap(depth.clone(), bs.clone(), stencil.clone()).unwrap();
        let sym: Vec<(usize, usize)> = depth.iter().map(|&d| (d, d)).collect();
        let whole = pad_whole(&a, &sym, &bs);
        let full = box_sum(&whole.view(), &depth);
        let expected = full.slice_each_axis(|ax| {
            let k = ax.axis.index();
            let shift = if bs[k] == Boundary::None { 0 } else { depth[k] };
            Slice::from(shift..shift + shape[k])
        }).to_owned();
        common::assert_array_eq(&y, &expected);
    }
}

/// Each cell with a whole box of radius `depth` around it inside `b` becomes the sum of the box;
/// the others keep their value.
fn box_sum(b: &ndarray::ArrayViewD<i64>, depth: &[usize]) -> ArrayD<i64> {
    let mut out = b.to_owned();
    for (idx, v) in out.indexed_iter_mut() {
        let idx = idx.slice().to_vec();
        if idx
            .iter()
            .zip(depth)
            .zip(b.shape())
            .any(|((&i, &d), &n)| i < d || i + d >= n)
        {
            continue;
        }
        let window = b.slice_each_axis(|ax| {
            let k = ax.axis.index();
            Slice::from(idx[k] - depth[k]..idx[k] + depth[k] + 1)
        });
        *v = window.sum();
    }
    out
}

#[test]
fn dask_edge_cases() {
    let a = data(&[6, 7]);
    let x = Array::from_ndarray(a.clone(), [4, 3]).unwrap();
    // Asymmetric depth with Boundary::None.
    let y = x.overlap(vec![(1, 0), (0, 2)], Boundary::None).unwrap();
    // Block 1 of axis 1 has only one cell to its right: None pads with what exists.
    assert_eq!(y.chunks(), &[vec![4, 3], vec![5, 4, 1]]);
    // A constant on one axis and periodic on the other.
    let y = x
        .overlap(1, vec![Boundary::Constant(-1), Boundary::Periodic])
        .unwrap();
    let whole = pad_whole(
        &a,
        &[(1, 1), (1, 1)],
        &[Boundary::Constant(-1), Boundary::Periodic],
    );
    assert_eq!(y.chunks(), &[vec![6, 4], vec![5, 5, 3]]);
    let got = y.compute().unwrap();
    assert_eq!(
        got.slice(ndarray::s![0, ..]).to_owned(),
        ndarray::Array1::from_elem(13, -1)
    );
    assert_eq!(
        got.slice(ndarray::s![..6, ..5]).to_owned(),
        whole
            .slice(ndarray::s![..6, ..5])
            .to_owned()
            .into_dimensionality()
            .unwrap()
    );
    // Depth 0 on some axes: that axis does not grow.
    let y = x.overlap([0, 2], Boundary::Reflect).unwrap();
    assert_eq!(y.chunks(), &[vec![4, 2], vec![7, 7, 5]]);
    // A last block smaller than the depth: gathered from several blocks.
    let z = Array::from_ndarray(data(&[9]), [4]).unwrap(); // blocks 4, 4, 1
    let y = z.overlap(3, Boundary::Nearest).unwrap();
    let whole = pad_whole(&data(&[9]), &[(3, 3)], &[Boundary::Nearest]);
    assert_eq!(y.chunks(), &[vec![10, 10, 7]]);
    let got = y.compute().unwrap();
    assert_eq!(
        got.slice(ndarray::s![20..]).to_owned(),
        whole
            .slice(ndarray::s![8..])
            .to_owned()
            .into_dimensionality()
            .unwrap()
    );
    // Round trips for every boundary.
    for b in [
        Boundary::None,
        Boundary::Reflect,
        Boundary::Mirror,
        Boundary::Periodic,
        Boundary::Nearest,
        Boundary::Constant(5),
    ] {
        // Under None the last block on axis 1 (one cell) leaves its neighbour less than the
        // depth to pad with, which only map_overlap (knowing the pads it made) trims exactly.
        let back = if b == Boundary::None {
            x.map_overlap(2, b, |p| p.to_owned()).unwrap()
        } else {
            x.overlap(2, b.clone()).unwrap().trim(2, b).unwrap()
        };
        assert_eq!(back.compute().unwrap(), a);
    }
    let y = Array::from_ndarray(a.clone(), vec![vec![2, 2, 2], vec![3, 4]]).unwrap(); // blocks >= depth
    let back = y
        .overlap(2, Boundary::None)
        .unwrap()
        .trim(2, Boundary::None)
        .unwrap();
    assert_eq!(back.compute().unwrap(), a);
}

#[test]
fn bad_depths_and_boundaries_are_errors() {
    let x = Array::from_ndarray(data(&[6, 7]), [4, 3]).unwrap();
    assert_eq!(
        x.overlap([1, 2, 3], Boundary::Reflect).unwrap_err(),
        Error::DepthRank {
            ndim: 2,
            depth: vec![(1, 1), (2, 2), (3, 3)]
        }
    );
    // Deeper than the axis is fine (the rule repeats); an empty axis has no cells to
    // reflect, and padding that could never be allocated is refused.
    assert!(x.overlap(7, Boundary::Reflect).is_ok());
    let empty = Array::from_ndarray(data(&[0, 7]), [1, 3]).unwrap();
    assert_eq!(
        empty.overlap(1, Boundary::Reflect).unwrap_err(),
        Error::DepthTooLarge {
            axis: 0,
            depth: (1, 1),
            len: 0
        }
    );
    assert!(empty.overlap(1, Boundary::Constant(0)).is_ok());
    assert!(matches!(
        x.overlap(usize::MAX / 4, Boundary::Periodic),
        Err(Error::DepthTooLarge { axis: 0, .. })
    ));
    let err = x.overlap(1, vec![Boundary::Reflect]).unwrap_err();
    assert_eq!(
        err,
        Error::BoundaryRank {
            ndim: 2,
            boundaries: vec!["Reflect"]
        }
    );
    assert!(err.to_string().contains("[\"Reflect\"]"));
    assert!(matches!(
        x.trim(3, Boundary::Reflect),
        Err(Error::TrimTooLarge {
            axis: 0,
            block: 0,
            size: 4,
            depth: (3, 3)
        })
    ));
    // A function that changes a padded block's shape is an error at compute.
    let y = x
        .map_overlap(1, Boundary::Reflect, |b| {
            b.slice(ndarray::s![1.., ..]).to_owned().into_dyn()
        })
        .unwrap();
    assert!(matches!(y.compute(), Err(Error::BlockShape { .. })));
}

#[test]
fn each_padded_block_is_one_task() {
    let x = Array::<f64>::ones(&[64, 64], [16, 16]).unwrap();
    // 16 source blocks are read by up to 9 padded blocks each, so they stay tasks of their
    // own; the overlap, the function and the trim fuse into one task per block.
    let y = x
        .map_overlap(2, Boundary::Reflect, |b| b.to_owned())
        .unwrap();
    assert_eq!(y.num_tasks(), 32);
    let y = x
        .map_overlap_interior(2, Boundary::Reflect, |_, b| {
            b.slice(ndarray::s![2..18, 2..18]).to_owned().into_dyn()
        })
        .unwrap();
    assert_eq!(y.num_tasks(), 32);
    assert_eq!(y.compute().unwrap(), ArrayD::<f64>::ones(IxDyn(&[64, 64])));
}

#[test]
fn a_0d_array_pads_to_itself() {
    let x = Array::from_ndarray(ndarray::arr0(5i64).into_dyn(), Vec::<usize>::new()).unwrap();
    for b in [
        Boundary::Reflect,
        Boundary::Periodic,
        Boundary::Constant(-1),
    ] {
        let none: Vec<(usize, usize)> = Vec::new();
        let y = x.overlap(none.clone(), b.clone()).unwrap();
        assert_eq!(y.compute().unwrap(), ndarray::arr0(5i64).into_dyn());
        let z = x.map_overlap(none, b, |v| v.mapv(|c| c * 2)).unwrap();
        assert_eq!(z.compute().unwrap(), ndarray::arr0(10i64).into_dyn());
    }
}
