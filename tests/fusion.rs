//! Optimisation checks: fusion and culling show in the task count, and results stay right.

mod common;

use chunkwise::{Array, Scheduler};
use common::assert_array_eq;
use ndarray::{Array2, Zip, array};

#[test]
fn elementwise_chains_fuse_into_one_task_per_block() {
    let e = Array2::from_shape_fn((6, 6), |(i, j)| (i * 6 + j) as f64);
    let x = Array::from_ndarray(e.clone(), &[2, 3]).unwrap();
    let y = (&x * 2.0 + 1.0).map(f64::sqrt);
    assert_eq!(y.num_blocks(), 6);
    assert_eq!(y.num_tasks(), 6);
    assert_array_eq(&y, &e.mapv(|v| (v * 2.0 + 1.0).sqrt()).into_dyn());
}

#[test]
fn a_shared_intermediate_is_computed_once_not_fused_twice() {
    let e = Array2::from_shape_fn((4, 4), |(i, j)| (i + j) as f64);
    let x = Array::from_ndarray(e.clone(), &[2, 2]).unwrap();
    let y = &x * 3.0;
    let z = &(&y + 1.0) * &(&y - 1.0);
    // y is read by two nodes: it keeps its own tasks (4); x fuses into y; z's sides fuse into z.
    assert_eq!(z.num_tasks(), 8);
    let ey = &e * 3.0;
    assert_array_eq(&z, &((&ey + 1.0) * (&ey - 1.0)).into_dyn());
}

#[test]
fn x_times_x_reads_each_block_once() {
    let x = Array::<f64>::random(&[10], [5], 3).unwrap();
    let e = x.compute().unwrap();
    let y = &x * &x;
    assert_eq!(y.num_tasks(), 2);
    assert_array_eq(&y, &(&e * &e));
}

#[test]
fn broadcast_operands_are_not_fused_into_many_readers() {
    let x = Array::<f64>::ones(&[4, 6], [2, 3]).unwrap();
    let row = Array::from_ndarray(array![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[3]).unwrap();
    let y = &x + &row;
    // The row's 2 blocks are each read by 2 output blocks: 2 tasks for the row, 4 for y.
    assert_eq!(y.num_tasks(), 6);
    let e = Array2::<f64>::ones((4, 6)) + array![1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    assert_array_eq(&y, &e.into_dyn());
}

#[test]
fn mismatched_chunkings_are_unified_to_the_common_refinement() {
    let e1 = Array2::from_shape_fn((5, 4), |(i, j)| (i * 4 + j) as i64);
    let a = Array::from_ndarray(e1.clone(), vec![vec![2, 3], vec![4]]).unwrap();
    let b = Array::from_ndarray(e1.clone(), vec![vec![1, 4], vec![1, 3]]).unwrap();
    let c = &a + &b;
    assert_eq!(c.chunks(), &[vec![1, 1, 3], vec![1, 3]]);
    assert_array_eq(&c, &(&e1 + &e1).into_dyn());
}

#[test]
fn a_million_blocks_build_quickly() {
    // Building the graph is O(1) per operation; planning is O(blocks).
    let x = Array::from_ndarray(ndarray::Array1::<f64>::zeros(1_000_000), &[1]).unwrap();
    let y = &(&x + 1.0) * 2.0;
    assert_eq!(y.num_blocks(), 1_000_000);
    assert_eq!(y.num_tasks(), 1_000_000);
    assert_eq!(y.compute().unwrap().sum(), 2_000_000.0);
}

/// Fused steps compute a pending operand of their own type in place, in the output, and read
/// others through buffers: every mix of pending and computed operands, of the output's type and
/// not, over blocks longer than one run of the evaluator and not a multiple of it.
#[test]
fn fused_chains_with_every_mix_of_operand_types_match_ndarray() {
    let e = Array2::from_shape_fn((150, 131), |(i, j)| ((i * 131 + j) % 97) as f64 - 40.0);
    let ei = e.mapv(|v| v as i64);
    let x = Array::from_ndarray(e.clone(), &[70, 131]).unwrap();
    let xt = Array::from_ndarray(e.t().to_owned(), &[131, 70])
        .unwrap()
        .transpose();
    let xi = x.map(|v| v as i64);
    // map over a pending operand of the same type, then of another type
    let same = (&x * &x + 1.0).map(f64::abs);
    let other = xi.map(|v| (v * 3) as f64 + 0.5);
    // zip: pending a of the output type; pending b of the output type; both; neither; mixed
    let a_pending = (&x + 2.0).zip_with(&x, |a, b| a * b).unwrap();
    let b_pending = x.zip_with(&(&x - 2.0), |a, b| a - b).unwrap();
    let both = (&x + 1.0)
        .zip_with(&(&xt * 2.0), |a, b| a / (b.abs() + 1.0))
        .unwrap();
    let mixed = xi.zip_with(&(&x * 0.5), |a, b| a as f64 + b).unwrap();
    let to_int = (&x * 2.0)
        .zip_with(&(&x + 1.0), |a, b| (a - b) as i64)
        .unwrap();
    assert_array_eq(&same, &e.mapv(|v| (v * v + 1.0).abs()).into_dyn());
    assert_array_eq(&other, &ei.mapv(|v| (v * 3) as f64 + 0.5).into_dyn());
    assert_array_eq(&a_pending, &((&e + 2.0) * &e).into_dyn());
    assert_array_eq(&b_pending, &(&e - (&e - 2.0)).into_dyn());
    assert_array_eq(
        &both,
        &Zip::from(&e)
            .and(&e)
            .map_collect(|&a, &b| (a + 1.0) / ((b * 2.0).abs() + 1.0))
            .into_dyn(),
    );
    assert_array_eq(
        &mixed,
        &Zip::from(&ei)
            .and(&e)
            .map_collect(|&a, &b| a as f64 + b * 0.5)
            .into_dyn(),
    );
    assert_array_eq(
        &to_int,
        &Zip::from(&e)
            .map_collect(|&v| (v * 2.0 - (v + 1.0)) as i64)
            .into_dyn(),
    );
    // The pending operands were fused, so the in-place paths ran.
    let plans = [&same, &other, &a_pending, &b_pending, &both, &mixed]
        .map(|y| y.explain())
        .into_iter()
        .chain([to_int.explain()]);
    for plan in plans {
        assert!(plan.contains("fused into"), "{plan}");
    }
}

/// `chunkwise::compute` of several arrays: each equals its own compute, on every scheduler, and
/// an input they share runs once per block, not once per array.
#[test]
fn computing_several_arrays_shares_their_inputs() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let runs = Arc::new(AtomicUsize::new(0));
    let counter = runs.clone();
    let x = Array::<f64>::random(&[60, 40], [20, 10], 3).unwrap();
    let shared = x.map_blocks(move |b| {
        counter.fetch_add(1, Ordering::SeqCst);
        b.mapv(|v| v * 10.0)
    });
    let mean = shared.mean();
    let std = shared.std(1.0);
    let big = shared
        .map(|v| u32::from(v > 5.0))
        .sum_axis(ndarray::Axis(0))
        .unwrap();
    for s in common::schedulers() {
        runs.store(0, Ordering::SeqCst);
        let (m, d, b) = chunkwise::compute((&mean, &std, &big), s).unwrap();
        assert_eq!(
            runs.load(Ordering::SeqCst),
            x.num_blocks(),
            "once per block, {s:?}"
        );
        assert_eq!(m, mean.compute_with(s).unwrap());
        assert_eq!(d, std.compute_with(s).unwrap());
        assert_eq!(b, big.compute_with(s).unwrap());
    }
    // Eight arrays of six element types: 0-d, empty, the same array twice, blocks of bool.
    let e = Array::<i32>::zeros(&[0, 3], [2, 2]).unwrap();
    let r = chunkwise::compute(
        (
            &x,
            &x.sum(),
            &x.map(|v| v > 0.5),
            &x.argmax(),
            &e,
            &x.map(|v| v as f32),
            &x,
            &x.map(|v| (v * 100.0) as u8),
        ),
        &Scheduler::threads(2),
    )
    .unwrap();
    let whole = x.compute().unwrap();
    assert_eq!(r.0, whole);
    assert_eq!(r.1, x.sum().compute().unwrap());
    assert_eq!(r.2, whole.mapv(|v| v > 0.5));
    assert_eq!(r.3, x.argmax().compute().unwrap());
    assert_eq!(r.4.shape(), &[0, 3]);
    assert_eq!(r.5, whole.mapv(|v| v as f32));
    assert_eq!(r.6, whole);
    assert_eq!(r.7, whole.mapv(|v| (v * 100.0) as u8));
    // A panic in one array's task is the Err of the whole compute.
    let bad = x.map(|v| if v > 0.9 { panic!("too big") } else { v });
    let err = chunkwise::compute((&mean, &bad), &Scheduler::threads(2)).unwrap_err();
    assert!(
        matches!(err, chunkwise::Error::TaskPanicked { .. }),
        "{err}"
    );
}

/// Arrays computed together are written straight into their results where their own compute
/// does so (labels, elementwise chains, sources): each equals its own compute, on every
/// scheduler; a task that panics in one of them is an error, and the pool keeps working.
#[test]
fn several_arrays_written_in_place_equal_their_own_computes() {
    use chunkwise::ndmeasure::{self, Connectivity};
    let x = Array::<f64>::random(&[50, 70], [16, 24], 5).unwrap();
    let mask = x.map(|v| v > 0.6);
    let (labels, count) = ndmeasure::label(&mask, Connectivity::Full).unwrap();
    let chain = (&x * &x + 1.0).map(f64::sqrt);
    let source = Array::from_ndarray(
        Array2::from_shape_fn((50, 70), |(i, j)| i * 70 + j),
        [16, 24],
    )
    .unwrap();
    let sliced = x.slice(ndarray::s![3..41, 5..66;2]).unwrap();
    for s in common::schedulers() {
        let (l, n, c, o, sl) =
            chunkwise::compute((&labels, &count, &chain, &source, &sliced), s).unwrap();
        assert_eq!(l, labels.compute_with(s).unwrap(), "{s:?}");
        assert_eq!(n, count.compute_with(s).unwrap(), "{s:?}");
        assert_eq!(c, chain.compute_with(s).unwrap(), "{s:?}");
        assert_eq!(o, source.compute_with(s).unwrap(), "{s:?}");
        assert_eq!(sl, sliced.compute_with(s).unwrap(), "{s:?}");
    }
    let boom = x.map_blocks_indexed(|idx, b| {
        assert!(idx != [2, 1], "boom on purpose");
        b.to_owned()
    });
    let pool = Scheduler::threads(2);
    let e = chunkwise::compute((&labels, &boom), &pool).unwrap_err();
    assert!(e.to_string().contains("boom on purpose"), "{e}");
    assert_eq!(
        chunkwise::compute((&labels, &count), &pool).unwrap().0,
        labels.compute_with(&pool).unwrap()
    );
}
