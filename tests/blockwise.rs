//! `blockwise`, `apply_gufunc`, `map_blocks` and `map_overlap` over several arrays, against
//! the same functions applied to the whole arrays with plain ndarray, over random shapes and
//! chunkings (each input cut its own way), 0-d and empty axes included.

mod common;

use std::collections::BTreeMap;

use chunkwise::{
    Array, Blockwise, Boundary, ErrorKind, Gufunc, MapBlocks, Scheduler, apply_gufunc, blockwise,
    map_blocks, map_overlap,
};
use common::{assert_array_eq, seeded_chunks, with_watchdog};
use ndarray::{ArrayD, ArrayViewD, Axis, IxDyn};
use proptest::prelude::*;

/// Small integers, so every sum is exact whatever its order.
fn ints(shape: &[usize], seed: u64) -> ArrayD<i64> {
    let mut s = seed;
    ArrayD::from_shape_simple_fn(IxDyn(shape), || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (s >> 60) as i64 - 8
    })
}

/// numpy's `einsum` written out: every combination of every letter's values, the product of
/// the operands' elements there (a length-1 axis read at 0) added into the output.
fn einsum_ref(spec: &str, ops: &[ArrayViewD<'_, i64>]) -> ArrayD<i64> {
    let (lhs, out) = spec.split_once("->").unwrap();
    let terms: Vec<Vec<char>> = if lhs.is_empty() {
        vec![vec![]; ops.len()]
    } else {
        lhs.split(',').map(|t| t.chars().collect()).collect()
    };
    let mut len: BTreeMap<char, usize> = BTreeMap::new();
    for (t, a) in terms.iter().zip(ops) {
        for (&c, &n) in t.iter().zip(a.shape()) {
            let e = len.entry(c).or_insert(n);
            if *e == 1 {
                *e = n;
            }
        }
    }
    let out: Vec<char> = out.chars().collect();
    let letters: Vec<char> = len.keys().copied().collect();
    let oshape: Vec<usize> = out.iter().map(|c| len[c]).collect();
    let mut result = ArrayD::<i64>::zeros(IxDyn(&oshape));
    let all: Vec<usize> = letters.iter().map(|c| len[c]).collect();
    for idx in ndarray::indices(IxDyn(&all)) {
        let value = |c: char| idx[letters.iter().position(|&l| l == c).unwrap()];
        let mut p = 1;
        for (t, a) in terms.iter().zip(ops) {
            let at: Vec<usize> = t
                .iter()
                .zip(a.shape())
                .map(|(&c, &n)| if n == 1 { 0 } else { value(c) })
                .collect();
            p *= a[IxDyn(&at)];
        }
        let o: Vec<usize> = out.iter().map(|&c| value(c)).collect();
        result[IxDyn(&o)] += p;
    }
    result
}

/// Index strings from numpy's and dask's documentation, with the shapes of their operands
/// written as letters (`1` a broadcast length), each letter's length drawn per case.
const SPECS: &[(&str, &[&str])] = &[
    ("ij,jk->ik", &["ij", "jk"]),
    ("ij->ji", &["ij"]),
    ("i,i->", &["i", "i"]),
    ("i,j->ij", &["i", "j"]),
    ("ij->", &["ij"]),
    ("ij->i", &["ij"]),
    ("ij->j", &["ij"]),
    ("bij,bjk->bik", &["bij", "bjk"]),
    ("ij,j->i", &["ij", "j"]),
    ("i,i->i", &["i", "i"]),
    ("ij,ij->ij", &["ij", "ij"]),
    ("ijk->kji", &["ijk"]),
    ("ij,jk,kl->il", &["ij", "jk", "kl"]),
    ("->", &[""]),
    (",i->i", &["", "i"]),
    ("ij,kj->ik", &["ij", "kj"]),
    ("ijk->ik", &["ijk"]),
    ("ij,ij->ij", &["ij", "1j"]),
    ("ij,jk->ik", &["i1", "jk"]),
    ("i,i->i", &["1", "i"]),
];

fn spec_case() -> impl Strategy<Value = (usize, BTreeMap<char, usize>, u64)> {
    (
        0..SPECS.len(),
        proptest::collection::vec(prop_oneof![1 => Just(0usize), 8 => 1usize..6], 6),
        any::<u64>(),
    )
        .prop_map(|(k, lens, seed)| {
            let m = "bijkl".chars().zip(lens).collect();
            (k, m, seed)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(120))]

    /// Every index string, concatenated and combined, equals the whole-array einsum.
    #[test]
    fn blockwise_matches_einsum_on_the_whole_arrays((k, lens, seed) in spec_case()) {
        let (spec, shapes) = SPECS[k];
        let mut wholes = Vec::new();
        let mut arrays = Vec::new();
        for (x, s) in shapes.iter().enumerate() {
            let shape: Vec<usize> = s.chars().map(|c| if c == '1' { 1 } else { lens[&c] }).collect();
            let a = ints(&shape, seed + x as u64);
            arrays.push(Array::from_ndarray(a.clone(), seeded_chunks(&shape, seed ^ (x as u64 + 7))).unwrap());
            wholes.push(a);
        }
        let views: Vec<ArrayViewD<'_, i64>> = wholes.iter().map(|a| a.view()).collect();
        let expected = einsum_ref(spec, &views);
        let refs: Vec<&Array<i64>> = arrays.iter().collect();
        let s = spec.to_string();
        let concatenated = blockwise(spec, move |b| einsum_ref(&s, b), &refs).unwrap();
        assert_array_eq(&concatenated, &expected);
        let s = spec.to_string();
        let combined = Blockwise::new(spec)
            .apply_combined(move |b| einsum_ref(&s, b), |acc, part| *acc += &part, &refs)
            .unwrap();
        assert_array_eq(&combined, &expected);
    }

    /// `map_blocks` over three broadcast arrays cut differently, with an axis dropped or added.
    #[test]
    fn map_blocks_over_several_arrays_matches_ndarray(
        shape in proptest::collection::vec(prop_oneof![1 => Just(0usize), 6 => 1usize..6], 1..4),
        ones in proptest::collection::vec(any::<bool>(), 4),
        seed in any::<u64>(),
        mode in 0usize..3,
    ) {
        let n = shape.len();
        let a = ints(&shape, seed);
        // b: the last axes only; c: length 1 where `ones` says.
        let bshape = shape[n / 2..].to_vec();
        let b = ints(&bshape, seed + 1);
        let cshape: Vec<usize> = shape.iter().zip(&ones).map(|(&k, &o)| if o { 1 } else { k }).collect();
        let c = ints(&cshape, seed + 2);
        let arrays = [
            Array::from_ndarray(a.clone(), seeded_chunks(&shape, seed + 3)).unwrap(),
            Array::from_ndarray(b.clone(), seeded_chunks(&bshape, seed + 4)).unwrap(),
            Array::from_ndarray(c.clone(), seeded_chunks(&cshape, seed + 5)).unwrap(),
        ];
        let refs: Vec<&Array<i64>> = arrays.iter().collect();
        let sum = |v: &[ArrayViewD<'_, i64>]| &(&v[0] + &v[1]) + &v[2];
        let whole = sum(&[a.view(), b.view(), c.view()]);
        match mode {
            0 => assert_array_eq(&map_blocks(sum, &refs).unwrap(), &whole),
            1 => {
                let d = n - 1;
                let y = MapBlocks::new().drop_axis(&[d]).apply(move |v| sum(v).sum_axis(Axis(d)), &refs).unwrap();
                assert_array_eq(&y, &whole.sum_axis(Axis(d)));
            }
            _ => {
                let y = MapBlocks::new().new_axis(&[0]).apply(move |v| sum(v).insert_axis(Axis(0)), &refs).unwrap();
                assert_array_eq(&y, &whole.insert_axis(Axis(0)));
            }
        }
    }
}

/// A core function and its signature: what numpy's `vectorize(f, signature=...)` calls.
type Core = fn(&[ArrayViewD<'_, i64>]) -> Vec<ArrayD<i64>>;

/// Signatures from numpy's and dask's documentation, each with a core function, its input
/// core shapes as letters, and the lengths of output-only dimensions.
/// A signature, its core function, its inputs' core shapes as letters, and the lengths of
/// output-only dimensions.
type Case = (
    &'static str,
    Core,
    &'static [&'static str],
    &'static [(&'static str, usize)],
);

fn gufuncs() -> Vec<Case> {
    vec![
        (
            "(i)->()",
            |c| vec![ndarray::arr0(c[0].sum()).into_dyn()],
            &["i"],
            &[],
        ),
        (
            "(i),(i)->()",
            |c| vec![ndarray::arr0((&c[0] * &c[1]).sum()).into_dyn()],
            &["i", "i"],
            &[],
        ),
        ("(m,n)->(n)", |c| vec![c[0].sum_axis(Axis(0))], &["mn"], &[]),
        (
            "(m,n),(n,p)->(m,p)",
            |c| {
                let a = c[0].view().into_dimensionality::<ndarray::Ix2>().unwrap();
                let b = c[1].view().into_dimensionality::<ndarray::Ix2>().unwrap();
                vec![a.dot(&b).into_dyn()]
            },
            &["mn", "np"],
            &[],
        ),
        ("()->()", |c| vec![c[0].mapv(|v| 2 * v + 1)], &[""], &[]),
        (
            "(i)->(i)",
            |c| {
                let mut o = c[0].to_owned();
                o.accumulate_axis_inplace(Axis(0), |&p, v| *v += p);
                vec![o]
            },
            &["i"],
            &[],
        ),
        (
            "(i)->(),()",
            |c| {
                vec![
                    ndarray::arr0(c[0].iter().copied().min().unwrap_or(i64::MAX)).into_dyn(),
                    ndarray::arr0(c[0].iter().copied().max().unwrap_or(i64::MIN)).into_dyn(),
                ]
            },
            &["i"],
            &[],
        ),
        ("(i),()->(i)", |c| vec![&c[0] + &c[1]], &["i", ""], &[]),
        (
            "(n)->(k)",
            |c| {
                vec![
                    ndarray::arr1(&[
                        c[0].sum(),
                        c[0].len() as i64,
                        c[0].iter().map(|v| v * v).sum(),
                    ])
                    .into_dyn(),
                ]
            },
            &["n"],
            &[("k", 3)],
        ),
        ("(m,n)->(m)", |c| vec![c[0].sum_axis(Axis(1))], &["mn"], &[]),
        ("(i,j)->(j,i)", |c| vec![c[0].t().to_owned()], &["ij"], &[]),
        (
            "()->(k)",
            |c| vec![ndarray::arr1(&[c[0][[]], -c[0][[]]]).into_dyn()],
            &[""],
            &[("k", 2)],
        ),
        (
            "(i),(j)->(i,j)",
            |c| {
                let (x, y) = (&c[0], &c[1]);
                vec![ArrayD::from_shape_fn(IxDyn(&[x.len(), y.len()]), |ij| {
                    x[[ij[0]]] * y[[ij[1]]]
                })]
            },
            &["i", "j"],
            &[],
        ),
        ("(),()->()", |c| vec![&c[0] - &c[1]], &["", ""], &[]),
        (
            "(m,m)->()",
            |c| {
                vec![
                    ndarray::arr0(
                        c[0].view()
                            .into_dimensionality::<ndarray::Ix2>()
                            .unwrap()
                            .diag()
                            .sum(),
                    )
                    .into_dyn(),
                ]
            },
            &["mm"],
            &[],
        ),
        (
            "(m,m)->(m,m),(m)",
            |c| vec![c[0].t().to_owned(), c[0].sum_axis(Axis(0))],
            &["mm"],
            &[],
        ),
    ]
}

/// numpy's gufunc loop on whole arrays: loop dimensions broadcast, `core` per loop element;
/// `outs` the outputs' core shapes.
fn vectorize_ref(
    core: Core,
    ncore: &[usize],
    ops: &[ArrayViewD<'_, i64>],
    outs: &[Vec<usize>],
) -> Vec<ArrayD<i64>> {
    let nl: Vec<usize> = ops.iter().zip(ncore).map(|(a, &c)| a.ndim() - c).collect();
    let loops = nl.iter().copied().max().unwrap_or(0);
    let mut lshape = vec![1usize; loops];
    for (a, &l) in ops.iter().zip(&nl) {
        for k in 0..l {
            if a.shape()[k] != 1 {
                lshape[loops - l + k] = a.shape()[k];
            }
        }
    }
    let mut flat: Vec<Vec<i64>> = vec![Vec::new(); outs.len()];
    for idx in ndarray::indices(IxDyn(&lshape)) {
        let views: Vec<ArrayViewD<'_, i64>> = ops
            .iter()
            .zip(&nl)
            .map(|(a, &l)| {
                let mut v = a.view();
                for k in 0..l {
                    let i = if v.shape()[0] == 1 {
                        0
                    } else {
                        idx[loops - l + k]
                    };
                    v = v.index_axis_move(Axis(0), i);
                }
                v
            })
            .collect();
        for (o, r) in core(&views).into_iter().enumerate() {
            assert_eq!(
                r.shape(),
                outs[o].as_slice(),
                "the core function's output {o}"
            );
            flat[o].extend(r.iter().copied());
        }
    }
    flat.into_iter()
        .zip(outs)
        .map(|(f, c)| {
            let mut shape = lshape.clone();
            shape.extend_from_slice(c);
            ArrayD::from_shape_vec(IxDyn(&shape), f).unwrap()
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(120))]

    /// Every signature, vectorized and over whole blocks, equals numpy's loop on the whole
    /// arrays: loop dimensions broadcast and chunked each input its own way.
    #[test]
    fn apply_gufunc_matches_the_loop_on_the_whole_arrays(
        k in 0usize..16,
        loop_shape in proptest::collection::vec(prop_oneof![1 => Just(0usize), 6 => 1usize..5], 0..3),
        lens in proptest::collection::vec(1usize..4, 4),
        drop in proptest::collection::vec(0usize..3, 3),
        seed in any::<u64>(),
    ) {
        let (sig, core, cores, sizes) = gufuncs()[k];
        let len: BTreeMap<char, usize> = "ijmn".chars().zip(lens).chain([('p', 2)]).collect();
        let mut wholes = Vec::new();
        let mut arrays = Vec::new();
        for (x, c) in cores.iter().enumerate() {
            // Each input's loop axes: the last few of the loop shape, some of them 1.
            let keep = loop_shape.len() - drop[x].min(loop_shape.len());
            let mut shape: Vec<usize> = loop_shape[loop_shape.len() - keep..]
                .iter()
                .enumerate()
                .map(|(j, &n)| if (seed >> (x * 3 + j)) & 1 == 1 { 1 } else { n })
                .collect();
            let nl = shape.len();
            shape.extend(c.chars().map(|ch| len[&ch]));
            let a = ints(&shape, seed + x as u64);
            let mut chunks = seeded_chunks(&shape, seed ^ (x as u64 * 13 + 1));
            for (j, c) in chunks.iter_mut().enumerate().skip(nl) {
                *c = vec![shape[j]];
            }
            arrays.push(Array::from_ndarray(a.clone(), chunks).unwrap());
            wholes.push(a);
        }
        let views: Vec<ArrayViewD<'_, i64>> = wholes.iter().map(|a| a.view()).collect();
        let ncore: Vec<usize> = cores.iter().map(|c| c.len()).collect();
        let outs: Vec<Vec<usize>> = sig.split("->").nth(1).unwrap()
            .split("),")
            .map(|o| o.trim_matches(|c| c == '(' || c == ')').chars().filter(|c| c.is_alphabetic())
                .map(|c| sizes.iter().find(|s| s.0 == c.to_string()).map_or_else(|| len[&c], |s| s.1))
                .collect())
            .collect();
        let nout = outs.len();
        let expected = vectorize_ref(core, &ncore, &views, &outs);
        let refs: Vec<&Array<i64>> = arrays.iter().collect();
        let mut g = Gufunc::new(sig);
        for &(name, n) in sizes {
            g = g.output_size(name, n);
        }
        let nc = ncore.clone();
        let by_block = move |b: &[ArrayViewD<'_, i64>]| vectorize_ref(core, &nc, b, &outs);
        if nout == 1 {
            assert_array_eq(&g.vectorize(move |c| core(c).remove(0), &refs).unwrap(), &expected[0]);
            assert_array_eq(&g.apply(move |b| by_block(b).remove(0), &refs).unwrap(), &expected[0]);
        } else {
            for (got, want) in g.vectorize_multi(core, &refs).unwrap().iter().zip(&expected) {
                assert_array_eq(got, want);
            }
            for (got, want) in g.apply_multi(by_block, &refs).unwrap().iter().zip(&expected) {
                assert_array_eq(got, want);
            }
        }
    }
}

#[test]
fn new_axes_and_adjusted_chunks_shape_the_output() {
    let x = Array::from_ndarray(ndarray::Array1::from_iter(0..10i64), [4]).unwrap();
    let whole = x.compute().unwrap();
    // A new axis in one block: each element repeated along it.
    let repeat = |b: &[ArrayViewD<'_, i64>]| {
        let n = b[0].len();
        ndarray::Array2::from_shape_fn((n, 3), |(i, k)| b[0][i] * 10 + k as i64)
    };
    let y = Blockwise::new("i->ik")
        .new_axis('k', 3)
        .apply(repeat, &[&x])
        .unwrap();
    let expected = ndarray::Array2::from_shape_fn((10, 3), |(i, k)| whole[i] * 10 + k as i64);
    assert_array_eq(&y, &expected.into_dyn());
    // Split into blocks of 2 and 1 along k, the function must make blocks of those widths:
    // returning 3 columns for the second is a BlockShape error naming the block.
    let y = Blockwise::new("i->ik")
        .new_axis('k', 3)
        .chunks('k', &[2, 1])
        .apply(repeat, &[&x])
        .unwrap();
    assert_eq!(y.chunks(), &[vec![4, 4, 2], vec![2, 1]]);
    let err = y.compute().unwrap_err();
    assert!(matches!(err, chunkwise::Error::BlockShape { .. }), "{err}");
    assert!(
        err.to_string().contains("expected a block of shape [4, 2]"),
        "{err}"
    );
    assert_eq!(err.kind(), ErrorKind::Task);
    // adjust_chunks: each block halved.
    let halves = Blockwise::new("i->i")
        .adjust_chunks('i', |n| n / 2)
        .apply(
            |b| b[0].slice(ndarray::s![..b[0].len() / 2]).to_owned(),
            &[&x],
        )
        .unwrap();
    assert_eq!(halves.chunks(), &[vec![2, 2, 1]]);
    assert_array_eq(&halves, &ndarray::array![0, 1, 4, 5, 8].into_dyn());
}

#[test]
fn bad_subscripts_and_settings_are_clear_errors() {
    let a = Array::<f64>::ones(&[4, 3], [2, 2]).unwrap();
    let b = Array::<f64>::ones(&[5, 2], [2, 2]).unwrap();
    let id = |v: &[ArrayViewD<'_, f64>]| v[0].to_owned();
    let cases: Vec<(chunkwise::Result<Array<f64>>, &str)> = vec![
        (blockwise("ij,jk", id, &[&a, &b]), "->"),
        (blockwise("ij->ij", id, &[&a, &b]), "one term per input"),
        (blockwise("i->i", id, &[&a]), "one letter per axis"),
        (
            blockwise("ij,jk->ik", id, &[&a, &b]),
            "one length per letter",
        ),
        (blockwise("ii->i", id, &[&a]), "at most once per input"),
        (blockwise("ij->ii", id, &[&a]), "at most once in the output"),
        (
            blockwise("ij->ijk", id, &[&a]),
            "a length for each output letter",
        ),
        (blockwise("i2->i", id, &[&a]), "letters"),
        (
            Blockwise::new("ij->ij").new_axis('i', 3).apply(id, &[&a]),
            "only for an output letter that no input",
        ),
        (
            Blockwise::new("ij->ij").chunks('i', &[4]).apply(id, &[&a]),
            "one size per block",
        ),
        (
            Blockwise::new("ij->ijk")
                .new_axis('k', 3)
                .chunks('k', &[1, 1])
                .apply(id, &[&a]),
            "adding up to its length",
        ),
        (
            Blockwise::new("ij->i")
                .chunks('j', &[1, 2])
                .apply(id, &[&a]),
            "block sizes only for an output letter",
        ),
        (
            apply_gufunc("(i)->()", id, &[&a, &b]),
            "one core list per input",
        ),
        (apply_gufunc("(i)->()", id, &[&a]), "allow_rechunk"),
        (
            apply_gufunc("(i)->(k)", id, &[&a.rechunk([2, 3]).unwrap()]),
            "a length for each core dimension",
        ),
        (
            apply_gufunc("(i,j,k)->()", id, &[&a]),
            "no more core dimensions than axes",
        ),
        (
            apply_gufunc(
                "(i),(i)->()",
                id,
                &[&a.rechunk([2, 3]).unwrap(), &b.rechunk([2, 2]).unwrap()],
            ),
            "one length per core dimension",
        ),
        (apply_gufunc("(i)->(),()", id, &[&a]), "the _multi forms"),
        (apply_gufunc("(i->()", id, &[&a]), "numpy's form"),
        (apply_gufunc("(i)->", id, &[&a]), "numpy's form"),
        (
            Gufunc::new("(i)->()")
                .output_size("i", 2)
                .apply(id, &[&a.rechunk([2, 3]).unwrap()]),
            "only the outputs have",
        ),
        (map_blocks(id, &[]), "at least one array"),
        (map_blocks(id, &[&a, &b]), "incompatible"),
        (
            MapBlocks::new().drop_axis(&[2]).apply(id, &[&a]),
            "distinct axes",
        ),
        (
            MapBlocks::new().new_axis(&[3]).apply(id, &[&a]),
            "distinct positions",
        ),
        (
            MapBlocks::new().chunks(vec![vec![4]]).apply(id, &[&a]),
            "one list of block sizes per output axis",
        ),
        (
            map_overlap(1, Boundary::Reflect, id, &[&a, &b]),
            "incompatible",
        ),
    ];
    for (k, (r, needle)) in cases.into_iter().enumerate() {
        let err = match r {
            Ok(_) => panic!("case {k} ({needle}) was accepted"),
            Err(e) => e,
        };
        let text = err.to_string();
        assert!(
            text.contains(needle),
            "case {k}: '{text}' should mention '{needle}'"
        );
        assert_eq!(err.kind(), ErrorKind::InvalidArgument, "case {k}: {text}");
    }
    // A function returning the wrong shape fails at compute, naming the block.
    let wrong = apply_gufunc(
        "(i)->()",
        |b| b[0].to_owned(),
        &[&a.rechunk([2, 3]).unwrap()],
    )
    .unwrap();
    let err = wrong.compute().unwrap_err();
    assert!(err.to_string().contains("apply_gufunc block [0]"), "{err}");
    let wrong = Gufunc::new("(i)->(),()")
        .vectorize_multi(
            |c| vec![ndarray::arr0(c[0].sum()).into_dyn()],
            &[&a.rechunk([2, 3]).unwrap()],
        )
        .unwrap();
    assert!(
        wrong[0]
            .compute()
            .unwrap_err()
            .to_string()
            .contains("one block per output")
    );
}

#[test]
fn a_panicking_function_is_an_error_and_the_pool_keeps_working() {
    with_watchdog("panics in blockwise functions", || {
        let s = Scheduler::threads(2);
        let a = Array::from_ndarray(
            ndarray::Array2::from_shape_fn((6, 6), |(i, j)| (i * 6 + j) as i64),
            [2, 3],
        )
        .unwrap();
        let boom = blockwise(
            "ij->i",
            |b| {
                if b[0][[0, 0]] == 12 {
                    panic!("block at row 2");
                }
                b[0].sum_axis(Axis(1))
            },
            &[&a],
        )
        .unwrap();
        let err = boom.compute_with(&s).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Task, "{err}");
        assert!(err.to_string().contains("block at row 2"), "{err}");
        let boom = Gufunc::new("(j)->()")
            .vectorize(
                |c| -> ndarray::Array0<i64> {
                    if c[0][0] == 30 {
                        panic!("row 5");
                    }
                    ndarray::arr0(c[0].sum())
                },
                &[&a.rechunk([2, 6]).unwrap()],
            )
            .unwrap();
        assert!(
            boom.compute_with(&s)
                .unwrap_err()
                .to_string()
                .contains("row 5")
        );
        // The same pool then computes a sound graph.
        let rows = blockwise("ij->i", |b| b[0].sum_axis(Axis(1)), &[&a]).unwrap();
        assert_eq!(
            rows.compute_with(&s).unwrap(),
            a.compute().unwrap().sum_axis(Axis(1))
        );
    });
}

/// A velocity field advecting a scalar field: one upwind step of `c_t + div(u c) = 0` in 2-D
/// per `map_overlap` over both fields, against the same steps on whole arrays.
#[test]
fn map_overlap_advects_a_scalar_with_a_velocity_field() {
    let n = 24;
    let c0 = ndarray::Array2::from_shape_fn((n, n), |(i, j)| {
        if (6..12).contains(&i) && (5..10).contains(&j) {
            1.0
        } else {
            0.0
        }
    });
    // u along axis 0, everywhere positive, varying along both axes.
    let u0 = ndarray::Array2::from_shape_fn((n, n), |(i, j)| 0.1 + 0.01 * ((i + 2 * j) % 7) as f64);
    let step = |c: ndarray::ArrayView2<'_, f64>, u: ndarray::ArrayView2<'_, f64>| {
        let mut out = c.to_owned();
        for i in 1..c.nrows() {
            for j in 0..c.ncols() {
                out[[i, j]] = c[[i, j]] - (u[[i, j]] * c[[i, j]] - u[[i - 1, j]] * c[[i - 1, j]]);
            }
        }
        out
    };
    for (cc, uc) in [([5, 7], [8, 3]), ([24, 24], [1, 24]), ([7, 24], [7, 24])] {
        let mut c = Array::from_ndarray(c0.clone(), cc).unwrap();
        let u = Array::from_ndarray(u0.clone(), uc).unwrap();
        let mut whole = c0.clone();
        for _ in 0..3 {
            c = map_overlap(
                1,
                Boundary::Constant(0.0),
                move |b| {
                    let c = b[0].view().into_dimensionality::<ndarray::Ix2>().unwrap();
                    let u = b[1].view().into_dimensionality::<ndarray::Ix2>().unwrap();
                    step(c, u)
                },
                &[&c, &u],
            )
            .unwrap();
            // The whole array padded by one zero row on top: the same upwind rule at the edge.
            let mut padded = ndarray::Array2::<f64>::zeros((n + 1, n));
            padded.slice_mut(ndarray::s![1.., ..]).assign(&whole);
            let mut up = ndarray::Array2::<f64>::zeros((n + 1, n));
            up.slice_mut(ndarray::s![1.., ..]).assign(&u0);
            whole = step(padded.view(), up.view())
                .slice(ndarray::s![1.., ..])
                .to_owned();
        }
        let got = c.compute().unwrap();
        let diff = (&got - &whole.into_dyn())
            .mapv(f64::abs)
            .fold(0.0f64, |a, &b| a.max(b));
        assert!(diff < 1e-12, "chunks {cc:?}/{uc:?}: off by {diff}");
        // Mass leaves only through the far edge; none is made.
        assert!(got.sum() <= c0.sum() + 1e-9);
    }
}

/// `from_blocks` (one function call per block, in its own task), `to_delayed` (every block a
/// value of a user's graph) and `from_delayed` (a graph's value as an array, kept across
/// computations), against the whole arrays.
#[test]
fn arrays_meet_graphs_of_closures() {
    with_watchdog("delayed", || {
        for chunks in [
            vec![vec![5], vec![7]],
            vec![vec![2, 3], vec![4, 3]],
            vec![vec![1; 5], vec![2, 2, 2, 1]],
        ] {
            let whole =
                ndarray::Array2::from_shape_fn((5, 7), |(i, j)| (i * 7 + j) as i64).into_dyn();
            let w2 = whole.clone();
            let starts: Vec<Vec<usize>> = chunks
                .iter()
                .map(|s| {
                    s.iter()
                        .scan(0, |a, &n| {
                            let st = *a;
                            *a += n;
                            Some(st)
                        })
                        .collect()
                })
                .collect();
            let sizes = chunks.clone();
            let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let counter = calls.clone();
            let x = Array::from_blocks(&[5, 7], chunks.clone(), move |idx: &[usize]| {
                counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let (r, c) = (starts[0][idx[0]], starts[1][idx[1]]);
                w2.slice(ndarray::s![
                    r..r + sizes[0][idx[0]],
                    c..c + sizes[1][idx[1]]
                ])
                .to_owned()
                .into_dyn()
            })
            .unwrap();
            assert_array_eq(&x, &whole);
            let before = calls.load(std::sync::atomic::Ordering::Relaxed);
            x.compute_with(&Scheduler::threads(2)).unwrap();
            assert_eq!(
                calls.load(std::sync::atomic::Ordering::Relaxed) - before,
                x.num_blocks(),
                "one call per block"
            );
            // Every block a value of a graph.
            let mut g = chunkwise::Graph::new();
            let blocks = x.to_delayed(&mut g).unwrap();
            assert_eq!(blocks.shape(), x.chunk_layout().grid_shape());
            let handles: Vec<_> = blocks.iter().copied().collect();
            let deps: Vec<_> = handles.iter().map(|h| h.task()).collect();
            let all = g
                .add("all", &deps, move |inp| {
                    handles
                        .iter()
                        .map(|h| inp.get(h).cloned())
                        .collect::<chunkwise::Result<Vec<_>>>()
                })
                .unwrap();
            let got = g.compute_with(&all, &Scheduler::threads(2)).unwrap();
            let layout = x.chunk_layout().clone();
            for (b, block) in got.iter().enumerate() {
                let g = ndarray::IxDyn(&[b / layout.grid_shape()[1], b % layout.grid_shape()[1]]);
                let (r, c): (usize, usize) = (
                    layout.sizes()[0][..g[0]].iter().sum(),
                    layout.sizes()[1][..g[1]].iter().sum(),
                );
                let want = whole.slice(ndarray::s![
                    r..r + layout.sizes()[0][g[0]],
                    c..c + layout.sizes()[1][g[1]]
                ]);
                assert_eq!(
                    block.view().into_dimensionality::<ndarray::Ix2>().unwrap(),
                    want.into_dimensionality::<ndarray::Ix2>().unwrap()
                );
            }
        }
        // A graph's value as an array: run once, kept; a failing graph fails every compute.
        let runs = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let r2 = runs.clone();
        let mut g = chunkwise::Graph::new();
        let v = g
            .add("v", &[], move |_| {
                r2.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                Ok(ndarray::ArrayD::from_elem(IxDyn(&[3]), 2.5))
            })
            .unwrap();
        let x = Array::from_delayed(g, v, &[3]).unwrap();
        let y = x.map(|v| v * 2.0);
        assert_eq!(y.sum().compute_scalar().unwrap(), 15.0);
        assert_eq!(
            y.compute_with(&Scheduler::threads(2)).unwrap(),
            ndarray::ArrayD::from_elem(IxDyn(&[3]), 5.0)
        );
        assert_eq!(runs.load(std::sync::atomic::Ordering::Relaxed), 1);
        let mut g = chunkwise::Graph::new();
        let bad = g
            .add("bad", &[], |_| -> chunkwise::Result<ArrayD<f64>> {
                Err(chunkwise::Error::user(std::io::Error::other(
                    "no such file",
                )))
            })
            .unwrap();
        let x = Array::from_delayed(g, bad, &[2]).unwrap();
        assert!(
            x.compute()
                .unwrap_err()
                .to_string()
                .contains("no such file")
        );
        assert!(
            x.compute()
                .unwrap_err()
                .to_string()
                .contains("no such file")
        );
        // A value of another shape than declared is a BlockShape error.
        let mut g = chunkwise::Graph::new();
        let v = g
            .add("v", &[], |_| Ok(ndarray::ArrayD::<f64>::zeros(IxDyn(&[4]))))
            .unwrap();
        let x = Array::from_delayed(g, v, &[3]).unwrap();
        assert!(matches!(
            x.compute().unwrap_err(),
            chunkwise::Error::BlockShape { .. }
        ));
        // A panic in a block function is an error; the pool goes on.
        let s = Scheduler::threads(2);
        let x = Array::<f64>::from_blocks(&[4], [2], |idx: &[usize]| {
            if idx[0] == 1 {
                panic!("block 1 cannot be made");
            }
            ndarray::ArrayD::zeros(IxDyn(&[2]))
        })
        .unwrap();
        assert!(
            x.compute_with(&s)
                .unwrap_err()
                .to_string()
                .contains("block 1 cannot be made")
        );
        assert_eq!(
            Array::<f64>::ones(&[3], [1])
                .unwrap()
                .sum()
                .compute_with(&s)
                .unwrap()[[]],
            3.0
        );
    });
}

/// Blocks of size 0 among the others (dask allows `(2, 0, 3)`): every index string still
/// equals the whole-array einsum, in both forms.
#[test]
fn blocks_of_size_zero_are_no_trouble() {
    let cut = |n: usize| -> Vec<usize> {
        match n {
            0 => vec![0],
            1 => vec![0, 1, 0],
            n => vec![1, 0, n - 1, 0],
        }
    };
    for (k, &(spec, shapes)) in SPECS.iter().enumerate() {
        let lens: BTreeMap<char, usize> = "bijkl".chars().zip([2, 3, 4, 1, 2]).collect();
        let mut wholes = Vec::new();
        let mut arrays = Vec::new();
        for (x, s) in shapes.iter().enumerate() {
            let shape: Vec<usize> = s
                .chars()
                .map(|c| if c == '1' { 1 } else { lens[&c] })
                .collect();
            let a = ints(&shape, k as u64 * 10 + x as u64);
            let chunks: Vec<Vec<usize>> = shape.iter().map(|&n| cut(n)).collect();
            arrays.push(Array::from_ndarray(a.clone(), chunks).unwrap());
            wholes.push(a);
        }
        let views: Vec<ArrayViewD<'_, i64>> = wholes.iter().map(|a| a.view()).collect();
        let expected = einsum_ref(spec, &views);
        let refs: Vec<&Array<i64>> = arrays.iter().collect();
        let s = spec.to_string();
        assert_array_eq(
            &blockwise(spec, move |b| einsum_ref(&s, b), &refs).unwrap(),
            &expected,
        );
        let s = spec.to_string();
        let combined = Blockwise::new(spec)
            .apply_combined(move |b| einsum_ref(&s, b), |acc, part| *acc += &part, &refs)
            .unwrap();
        assert_array_eq(&combined, &expected);
        let refs2: Vec<&Array<i64>> = arrays.iter().take(1).collect();
        let n = refs2[0].ndim();
        if n > 0 {
            let y = MapBlocks::new()
                .drop_axis(&[n - 1])
                .apply(move |v| v[0].sum_axis(Axis(n - 1)), &refs2)
                .unwrap();
            assert_array_eq(&y, &wholes[0].sum_axis(Axis(n - 1)));
        }
    }
}

/// A broadcast operand of length 1 cut with blocks of size 0 beside its one element
/// (`[0, 1, 0]`): elementwise operations, `map_blocks_with` and `where_` read the element,
/// not the empty block 0.
#[test]
fn a_broadcast_axis_cut_with_empty_blocks_reads_its_element() {
    let x = Array::from_ndarray(
        ndarray::array![[1i64, 2, 3], [4, 5, 6]].into_dyn(),
        vec![vec![1, 1], vec![2, 1]],
    )
    .unwrap();
    let row = Array::from_ndarray(
        ndarray::array![[10i64, 20, 30]].into_dyn(),
        vec![vec![0, 1, 0], vec![1, 0, 2]],
    )
    .unwrap();
    let want = ndarray::array![[11i64, 22, 33], [14, 25, 36]].into_dyn();
    assert_array_eq(&x.zip_with(&row, |a, b| a + b).unwrap(), &want);
    assert_array_eq(&(&x + &row), &want);
    assert_array_eq(&x.map_blocks_with(&row, |a, b| &a + &b).unwrap(), &want);
    let cond = x.map(|v| v > 2);
    assert_array_eq(
        &chunkwise::where_(&cond, &x, &row).unwrap(),
        &ndarray::array![[10i64, 20, 3], [4, 5, 6]].into_dyn(),
    );
    assert_array_eq(&map_blocks(|b| &b[0] + &b[1], &[&x, &row]).unwrap(), &want);
}

/// The combinations a user reaches: blockwise, gufunc and several-array map_overlap under
/// memory limits from tight to ample on every scheduler (the right answer, or the budget's
/// refusal, never a wrong answer or a hang), and block functions that themselves compute
/// chunkwise arrays on the same pool, another pool and the synchronous one.
#[test]
fn general_block_functions_under_limits_and_nesting() {
    with_watchdog("limits and nesting", || {
        let a = ints(&[24, 18], 3);
        let b = ints(&[18, 12], 4);
        let x = Array::from_ndarray(a.clone(), [5, 4]).unwrap();
        let y = Array::from_ndarray(b.clone(), [4, 5]).unwrap();
        let spec = "ij,jk->ik";
        let want = einsum_ref(spec, &[a.view(), b.view()]);
        let prod = Blockwise::new(spec)
            .apply_combined(move |v| einsum_ref(spec, v), |acc, p| *acc += &p, &[&x, &y])
            .unwrap();
        let joined = blockwise(spec, move |v| einsum_ref(spec, v), &[&x, &y]).unwrap();
        let rows = Gufunc::new("(j)->()")
            .allow_rechunk(true)
            .apply(|v| v[0].sum_axis(Axis(1)), &[&x])
            .unwrap();
        let smooth = map_overlap(1, Boundary::Reflect, |v| &v[0] + &v[0], &[&x, &x]).unwrap();
        for limit in [1usize << 10, 4 << 10, 16 << 10, 1 << 30] {
            for s in common::schedulers() {
                let s = s.with_memory_limit(limit);
                for (name, arr, expected) in [
                    ("combined", &prod, want.clone()),
                    ("joined", &joined, want.clone()),
                    ("gufunc", &rows, a.sum_axis(Axis(1))),
                    ("map_overlap", &smooth, &a + &a),
                ] {
                    match arr.compute_with(&s) {
                        Ok(got) => assert_eq!(got, expected, "{name} under {limit} on {s:?}"),
                        Err(chunkwise::Error::OverMemoryBudget { .. }) => {}
                        Err(e) => panic!("{name} under {limit} on {s:?}: {e}"),
                    }
                }
            }
        }
        // Nested: each block's function computes a chunkwise array of its own.
        let pool = Scheduler::threads(2);
        for inner in [
            pool.clone(),
            Scheduler::threads(3),
            Scheduler::synchronous(),
        ] {
            let nested = map_blocks(
                move |v| {
                    let inner_x = Array::from_ndarray(v[0].to_owned(), [2, 2]).unwrap();
                    let s = inner_x.sum().compute_with(&inner).unwrap()[[]];
                    v[0].mapv(|e| e + s)
                },
                &[&x],
            )
            .unwrap();
            let got = nested.compute_with(&pool).unwrap();
            // Each element plus the sum of its own block.
            let layout = x.chunk_layout().clone();
            for (b, rows) in layout.sizes()[0].iter().enumerate() {
                for (c, cols) in layout.sizes()[1].iter().enumerate() {
                    let (r0, c0) = (
                        layout.sizes()[0][..b].iter().sum::<usize>(),
                        layout.sizes()[1][..c].iter().sum::<usize>(),
                    );
                    let block = a.slice(ndarray::s![r0..r0 + rows, c0..c0 + cols]);
                    let s: i64 = block.sum();
                    assert_eq!(
                        got.slice(ndarray::s![r0..r0 + rows, c0..c0 + cols]),
                        block.mapv(|e| e + s)
                    );
                }
            }
        }
    });
}
