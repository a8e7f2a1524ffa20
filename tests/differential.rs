//! Differential suite: random shapes (0 to 4 axes, zero-length axes included), random regular
//! and irregular chunkings, random chains of operations; `compute` must equal the same
//! computation in plain ndarray on the whole array, under every scheduler.

mod common;

use chunkwise::Array;
use ndarray::{ArrayD, Dimension, IxDyn};
use proptest::prelude::*;

use common::assert_array_eq;

/// A chunking of one axis of length `len`: a regular block size or explicit sizes.
fn axis_chunks(len: usize) -> BoxedStrategy<Vec<usize>> {
    if len == 0 {
        return Just(vec![0]).boxed();
    }
    let regular = (1..=len + 1).prop_map(move |b| {
        let mut v = vec![b.min(len); len / b.min(len)];
        if !len.is_multiple_of(b.min(len)) {
            v.push(len % b.min(len));
        }
        v
    });
    let irregular = proptest::collection::vec(1..=len, 0..len).prop_map(move |cuts| {
        let mut edges: Vec<usize> = cuts.into_iter().filter(|&c| c < len).collect();
        edges.extend([0, len]);
        edges.sort_unstable();
        edges.dedup();
        edges.windows(2).map(|w| w[1] - w[0]).collect()
    });
    prop_oneof![regular, irregular].boxed()
}

fn chunking(shape: Vec<usize>) -> BoxedStrategy<Vec<Vec<usize>>> {
    shape
        .into_iter()
        .map(axis_chunks)
        .collect::<Vec<_>>()
        .boxed()
}

fn shape() -> impl Strategy<Value = Vec<usize>> {
    proptest::collection::vec(prop_oneof![1 => Just(0usize), 6 => 1usize..7], 0..=4)
}

fn data(shape: &[usize], seed: u64) -> ArrayD<f64> {
    ArrayD::from_shape_fn(IxDyn(shape), |i| {
        let k = i
            .slice()
            .iter()
            .fold(seed, |acc, &x| acc.wrapping_mul(31).wrapping_add(x as u64));
        ((k % 97) as f64 - 48.0) / 8.0
    })
}

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

/// A deterministic chunking of `shape` from `seed` (for operands made inside the test body).
fn seeded_chunks(shape: &[usize], seed: u64) -> Vec<Vec<usize>> {
    let mut s = seed;
    shape
        .iter()
        .map(|&len| {
            if len == 0 {
                return vec![0];
            }
            let mut v = Vec::new();
            let mut left = len;
            while left > 0 {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let b = 1 + (s >> 33) as usize % left;
                v.push(b);
                left -= b;
            }
            v
        })
        .collect()
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
