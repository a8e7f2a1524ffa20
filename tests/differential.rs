//! Differential suite: random shapes (0 to 4 axes, zero-length axes included), random regular
//! and irregular chunkings, random chains of operations; `compute` must equal the same
//! computation in plain ndarray on the whole array, under every scheduler.

mod common;

use chunkwise::Array;
use ndarray::{ArrayD, Dimension, IxDyn};
use proptest::prelude::*;

use common::{assert_array_eq, chunking, data, seeded_chunks, shape};

#[derive(Debug, Clone)]
enum Op {
    AddScalar(f64),
    MulScalar(f64),
    DivScalar(f64),
    ScalarSub(f64),
    Neg,
    SqrtAbs,
    AddSelf,
    /// With an operand whose axes are either the current length or 1 (and, where the current
    /// length is 1, possibly longer: both sides broadcast), with its own chunking.
    Binary {
        kind: u8,
        lens: Vec<Option<usize>>,
        drop_leading: usize,
        chunk_seed: u64,
        seed: u64,
    },
    Rechunk(u64),
    MapBlocksTwice,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (-3.0..3.0f64).prop_map(Op::AddScalar),
        (-3.0..3.0f64).prop_map(Op::MulScalar),
        (0.5..3.0f64).prop_map(Op::DivScalar),
        (-3.0..3.0f64).prop_map(Op::ScalarSub),
        Just(Op::Neg),
        Just(Op::SqrtAbs),
        Just(Op::AddSelf),
        (
            0u8..3,
            proptest::collection::vec(proptest::option::of(1usize..4), 4),
            0usize..3,
            any::<u64>(),
            any::<u64>()
        )
            .prop_map(|(kind, lens, drop_leading, chunk_seed, seed)| Op::Binary {
                kind,
                lens,
                drop_leading,
                chunk_seed,
                seed
            }),
        any::<u64>().prop_map(Op::Rechunk),
        Just(Op::MapBlocksTwice),
    ]
}

fn apply(op: &Op, x: &Array<f64>, e: &ArrayD<f64>) -> (Array<f64>, ArrayD<f64>) {
    match op {
        Op::AddScalar(c) => (x + *c, e + *c),
        Op::MulScalar(c) => (x * *c, e * *c),
        Op::DivScalar(c) => (x / *c, e / *c),
        Op::ScalarSub(c) => (*c - x, e.mapv(|v| *c - v)),
        Op::Neg => (-x, -e),
        Op::SqrtAbs => (x.map(|v: f64| v.abs().sqrt()), e.mapv(|v| v.abs().sqrt())),
        Op::AddSelf => (x + x, e + e),
        Op::Binary {
            kind,
            lens,
            drop_leading,
            chunk_seed,
            seed,
        } => {
            let shape = e.shape();
            let drop = (*drop_leading).min(shape.len());
            let other_shape: Vec<usize> = shape[drop..]
                .iter()
                .zip(lens.iter().cycle())
                .map(|(&n, l)| match l {
                    None => n,
                    Some(k) if n == 1 => *k,
                    Some(_) => 1,
                })
                .collect();
            let other_e = data(&other_shape, *seed);
            let other =
                Array::from_ndarray(other_e.clone(), seeded_chunks(&other_shape, *chunk_seed))
                    .unwrap();
            match kind {
                0 => (x + &other, e + &other_e),
                1 => (&other - x, &other_e - e),
                _ => (x * &other, e * &other_e),
            }
        }
        Op::Rechunk(seed) => (
            x.rechunk(seeded_chunks(e.shape(), *seed)).unwrap(),
            e.clone(),
        ),
        Op::MapBlocksTwice => (x.map_blocks(|b| b.mapv(|v| v * 2.0)), e * 2.0),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn chains_of_operations_match_ndarray(
        (shape, chunks) in shape().prop_flat_map(|s| (Just(s.clone()), chunking(s))),
        seed in any::<u64>(),
        ops in proptest::collection::vec(op(), 0..5),
    ) {
        let e0 = data(&shape, seed);
        let mut x = Array::from_ndarray(e0.clone(), chunks.clone()).unwrap();
        prop_assert_eq!(x.chunks(), &chunks[..]);
        let mut e = e0;
        for op in &ops {
            (x, e) = apply(op, &x, &e);
        }
        assert_array_eq(&x, &e);
    }

    #[test]
    fn generated_arrays_match_ndarray(
        (shape, chunks) in shape().prop_flat_map(|s| (Just(s.clone()), chunking(s))),
        value in -5i64..5,
    ) {
        assert_array_eq(&Array::full(&shape, chunks.clone(), value).unwrap(), &ArrayD::from_elem(IxDyn(&shape), value));
        assert_array_eq(&Array::<i64>::zeros(&shape, chunks.clone()).unwrap(), &ArrayD::zeros(IxDyn(&shape)));
        assert_array_eq(&Array::<i64>::ones(&shape, chunks.clone()).unwrap(), &ArrayD::ones(IxDyn(&shape)));
        let f = |i: &[usize]| i.iter().enumerate().map(|(a, &v)| (a as i64 + 1) * v as i64).sum::<i64>();
        assert_array_eq(
            &Array::from_fn(&shape, chunks.clone(), f).unwrap(),
            &ArrayD::from_shape_fn(IxDyn(&shape), |i| f(i.slice())),
        );
    }

    #[test]
    fn random_depends_only_on_seed_and_chunks(
        (shape, chunks) in shape().prop_flat_map(|s| (Just(s.clone()), chunking(s))),
        seed in any::<u64>(),
    ) {
        let x = Array::<f64>::random(&shape, chunks.clone(), seed).unwrap();
        let reference = x.compute_with(&chunkwise::Scheduler::synchronous()).unwrap();
        prop_assert!(reference.iter().all(|&v| (0.0..1.0).contains(&v)));
        assert_array_eq(&x, &reference);
        // The same chunks again, built anew, give the same values.
        let y = Array::<f64>::random(&shape, chunks, seed).unwrap();
        prop_assert_eq!(y.compute().unwrap(), reference);
    }
}

/// Blocks of size 0 between others on leading axes (dask allows `(2, 0, 0, 2)`): each result
/// row still lands in its own block's rows.
#[test]
fn blocks_of_size_zero_between_others_compute_right() {
    let e = ndarray::Array3::from_shape_fn((4, 5, 3), |(i, j, k)| (i * 100 + j * 10 + k) as f64);
    let sizes = vec![vec![2, 0, 0, 2], vec![0, 2, 0, 3], vec![1, 0, 2]];
    let c = chunkwise::Chunks::new(&[4, 5, 3], sizes).unwrap();
    let x = Array::from_ndarray(e.clone(), c).unwrap();
    assert_array_eq(&(&x + 1.0), &(&e + 1.0).into_dyn());
    assert_array_eq(
        &x.map_blocks(|b| b.mapv(|v| v * 2.0)),
        &(&e * 2.0).into_dyn(),
    );
}
