use proptest::prelude::*;

use super::*;

#[test]
fn regular_chunks_clamp_and_keep_a_smaller_last_block() {
    let c = Chunks::regular(&[10, 3, 0], &[4, 5, 2]).unwrap();
    assert_eq!(c.sizes(), &[vec![4, 4, 2], vec![3], vec![0]]);
    assert_eq!(c.grid_shape(), &[3, 1, 1]);
    assert_eq!(c.num_blocks(), 3);
}

#[test]
fn zero_dimensional_chunks_have_one_block() {
    let c = Chunks::regular(&[], &[]).unwrap();
    assert_eq!(c.num_blocks(), 1);
    assert_eq!(c.block_shape(0).ndim(), 0);
    assert!(c.block_ranges(0).is_empty());
}

#[test]
fn bad_specs_name_the_wrong_values() {
    assert_eq!(
        Chunks::regular(&[4], &[0]).unwrap_err(),
        Error::ZeroChunk {
            op: "Chunks::regular",
            axis: 0,
            len: 4
        }
    );
    assert_eq!(
        Chunks::new(&[4, 2], vec![vec![4]]).unwrap_err(),
        Error::ChunksRank {
            shape: vec![4, 2],
            chunks_ndim: 1
        }
    );
    assert_eq!(
        Chunks::new(&[4], vec![vec![1, 2]]).unwrap_err(),
        Error::ChunksSum {
            axis: 0,
            chunks: vec![1, 2],
            sum: 3,
            len: 4
        }
    );
}

#[test]
fn empty_axis_accepts_an_empty_list() {
    let c = Chunks::new(&[0, 2], vec![vec![], vec![2]]).unwrap();
    assert_eq!(c.sizes(), &[vec![0], vec![2]]);
}

#[test]
fn broadcasting_follows_numpy() {
    assert_eq!(broadcast_shapes(&[3, 1], &[4]), Some(vec![3, 4]));
    assert_eq!(broadcast_shapes(&[], &[2, 2]), Some(vec![2, 2]));
    assert_eq!(broadcast_shapes(&[1], &[0]), Some(vec![0]));
    assert_eq!(broadcast_shapes(&[3], &[4]), None);
}

fn partition(len: usize) -> impl Strategy<Value = Vec<usize>> {
    if len == 0 {
        return Just(vec![0]).boxed();
    }
    proptest::collection::vec(1..=len, 1..=len)
        .prop_map(move |cuts| {
            let mut edges: Vec<usize> = cuts.into_iter().filter(|&c| c < len).collect();
            edges.push(0);
            edges.push(len);
            edges.sort_unstable();
            edges.dedup();
            edges.windows(2).map(|w| w[1] - w[0]).collect()
        })
        .boxed()
}

proptest! {
    #[test]
    fn refinement_has_every_edge_of_both(
        (len, a, b) in (0usize..40).prop_flat_map(|len| (Just(len), partition(len), partition(len)))
    ) {
        let r = refine_axis(&a, &b);
        prop_assert_eq!(r.iter().sum::<usize>(), len);
        let edges = |s: &[usize]| s.iter().scan(0, |acc, &x| { *acc += x; Some(*acc) }).collect::<Vec<_>>();
        let er = edges(&r);
        for e in edges(&a).into_iter().chain(edges(&b)) {
            prop_assert!(er.contains(&e), "edge {} of an operand missing from {:?}", e, r);
        }
        if len > 0 {
            prop_assert!(r.iter().all(|&x| x > 0));
        }
    }

    #[test]
    fn grid_index_round_trips_and_ranges_tile_the_array(
        shape in proptest::collection::vec(0usize..7, 0..4),
        block in proptest::collection::vec(1usize..4, 4),
    ) {
        let c = Chunks::regular(&shape, &block[..shape.len()]).unwrap();
        let mut covered = 0;
        for b in 0..c.num_blocks() {
            let idx = c.grid_index(b);
            prop_assert_eq!(c.linear_index(idx.slice()), b);
            let ranges = c.block_ranges(b);
            let shape_b = c.block_shape(b);
            for (r, &n) in ranges.iter().zip(shape_b.slice()) {
                prop_assert_eq!(r.len(), n);
            }
            covered += shape_b.size();
        }
        prop_assert_eq!(covered, shape.iter().product::<usize>());
    }

    #[test]
    fn locate_finds_the_block_holding_a_position(len in 1usize..50, block in 1usize..10, pos in 0usize..50) {
        let pos = pos % len;
        let c = Chunks::regular(&[len], &[block]).unwrap();
        let b = c.locate(0, pos);
        prop_assert!(c.starts(0)[b] <= pos && pos < c.starts(0)[b + 1]);
    }
}

#[test]
fn rows_to_columns_plans_go_through_square_blocks() {
    // dask issue 417's case, and the benchmark's.
    let old = Chunks::regular(&[100, 100], &[1, 100]).unwrap();
    let new = Chunks::regular(&[100, 100], &[100, 1]).unwrap();
    let plan = plan::plan_rechunk(&old, &new, plan::MAX_FAN_IN);
    assert_eq!(plan.len(), 2);
    assert_eq!(plan[0].sizes(), &[vec![10; 10], vec![10; 10]]);
    assert_eq!(plan[1], new);
    let old = Chunks::regular(&[8192, 8192], &[8192, 64]).unwrap();
    let new = Chunks::regular(&[8192, 8192], &[64, 8192]).unwrap();
    let plan = plan::plan_rechunk(&old, &new, plan::MAX_FAN_IN);
    assert_eq!(plan.len(), 2);
    assert!(plan::fan_in(&old, &plan[0]) <= plan::MAX_FAN_IN);
    assert!(plan::fan_in(&plan[0], &new) <= plan::MAX_FAN_IN);
}

fn axis_sizes(len: usize, block: usize) -> Vec<usize> {
    Chunks::regular(&[len], &[block]).unwrap().sizes()[0].clone()
}

proptest! {
    #[test]
    fn rechunk_plans_bound_the_fan_in_and_end_at_the_target(
        shape in proptest::collection::vec(1usize..400, 1..=3),
        seed in any::<u64>(),
    ) {
        let mut s = seed;
        let mut pick = |n: usize| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            1 + (s >> 33) as usize % n
        };
        let old_sizes = shape.iter().map(|&n| axis_sizes(n, pick(n))).collect();
        let new_sizes = shape.iter().map(|&n| axis_sizes(n, pick(n))).collect();
        let old = Chunks::new(&shape, old_sizes).unwrap();
        let new = Chunks::new(&shape, new_sizes).unwrap();
        let plan = plan::plan_rechunk(&old, &new, plan::MAX_FAN_IN);
        prop_assert_eq!(plan.last(), Some(&new));
        prop_assert!(plan.len() <= plan::MAX_STEPS);
        let mut from = &old;
        for step in &plan {
            prop_assert!(plan::fan_in(from, step) <= plan::MAX_FAN_IN, "{:?} -> {:?}", from, step);
            from = step;
        }
    }
}

/// Two cases the property test found where geometric steps alone could not keep to the
/// fan-in bound (irregular last blocks that never line up): the over-wide step is split into
/// one step per axis.
#[test]
fn plans_split_a_step_that_reads_too_many_blocks_by_axis() {
    let cases = [
        (vec![316, 285, 111], vec![120, 21, 27], vec![313, 68, 55]),
        (vec![134, 25, 342], vec![17, 3, 1], vec![62, 22, 339]),
    ];
    for (shape, a, b) in cases {
        let old = Chunks::regular(&shape, &a).unwrap();
        let new = Chunks::regular(&shape, &b).unwrap();
        let plan = plan::plan_rechunk(&old, &new, plan::MAX_FAN_IN);
        assert_eq!(plan.last(), Some(&new));
        assert!(plan.len() <= plan::MAX_STEPS);
        let mut from = &old;
        for step in &plan {
            assert!(
                plan::fan_in(from, step) <= plan::MAX_FAN_IN,
                "{from:?} -> {step:?}"
            );
            from = step;
        }
    }
}
