//! Bad input is a clear `Error` naming what is wrong; a panic in a user closure is an `Err`.

mod common;

use chunkwise::{Array, Boundary, Error, Scheduler};
use ndarray::{Array2, ArrayD, IxDyn, array};

#[test]
fn chunk_specs_that_do_not_fit_are_errors() {
    let a = Array2::<f64>::zeros((4, 6));
    assert_eq!(
        Array::from_ndarray(a.clone(), &[2]).unwrap_err(),
        Error::ChunksRank {
            shape: vec![4, 6],
            chunks_ndim: 1
        }
    );
    assert_eq!(
        Array::from_ndarray(a.clone(), &[0, 2]).unwrap_err(),
        Error::ZeroChunk {
            op: "from_ndarray",
            axis: 0,
            len: 4
        }
    );
    let err = Array::from_ndarray(a.clone(), vec![vec![4], vec![2, 2]]).unwrap_err();
    assert_eq!(
        err,
        Error::ChunksSum {
            axis: 1,
            chunks: vec![2, 2],
            sum: 4,
            len: 6
        }
    );
    assert!(err.to_string().contains("[2, 2]") && err.to_string().contains("length 6"));
    assert!(Array::<f64>::zeros(&[3], [1, 1]).is_err());
    assert!(Array::<f64>::random(&[3, 3], [0, 1], 1).is_err());
    let x = Array::from_ndarray(a, &[2, 2]).unwrap();
    assert!(matches!(
        x.rechunk(vec![vec![1, 2], vec![6]]),
        Err(Error::ChunksSum { axis: 0, .. })
    ));
}

#[test]
fn shapes_and_chunkings_too_large_to_address_are_errors_not_aborts() {
    let big = 1usize << 40;
    // 2^80 elements do not fit a usize.
    assert_eq!(
        Array::<f64>::zeros(&[big, big], [big, big]).unwrap_err(),
        Error::TooLarge {
            shape: vec![big, big],
            what: "elements"
        }
    );
    // No elements at all, but 2^62 blocks of one: the block list alone cannot be made.
    let e = Array::<f64>::zeros(&[0, 1 << 62], [1, 1]).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "shape [0, {}] has more blocks than this machine can address",
            1usize << 62
        )
    );
    // Explicit sizes whose sum overflows say so instead of wrapping.
    assert!(matches!(
        chunkwise::Chunks::new(&[5], vec![vec![usize::MAX, 6]]),
        Err(Error::ChunksSum {
            sum: usize::MAX,
            ..
        })
    ));
    // A pad far wider than the array is a few long blocks, which are refused when they would
    // have to be made.
    let x = Array::<f64>::ones(&[4], [2]).unwrap();
    let wide = x.pad(1usize << 50, chunkwise::Boundary::Reflect).unwrap();
    assert!(wide.num_blocks() <= 2 * 1024 + 2);
    assert!(matches!(
        wide.sum().compute(),
        Err(Error::BlockTooLarge { .. })
    ));
    assert!(matches!(
        x.pad(
            vec![(usize::MAX - 1, 4)],
            chunkwise::Boundary::Constant(0.0)
        ),
        Err(Error::TooLarge {
            what: "elements",
            ..
        })
    ));
    // A lazy array larger than memory is fine to build, slice and reduce; computing it whole is
    // an error that says so, not an abort.
    let huge = Array::<f64>::zeros(&[1 << 30, 1 << 30], [1 << 20, 1 << 20]).unwrap();
    assert_eq!(
        huge.compute().unwrap_err(),
        Error::ResultTooLarge {
            shape: vec![1 << 30, 1 << 30],
            bytes: 1 << 63
        }
    );
    // Its corner lies in one block of 2^40 elements, which cannot be made either: an error
    // before anything runs, naming the block.
    assert_eq!(
        corner_of(&huge).compute().unwrap_err(),
        Error::BlockTooLarge {
            op: "full".into(),
            shape: vec![1 << 20, 1 << 20],
            bytes: 1 << 43
        }
    );
    // With a small first block, the corner computes (the huge blocks are never made).
    let n = (1 << 30) - 2;
    let uneven = Array::<f64>::zeros(&[1 << 30, 1 << 30], vec![vec![2, n], vec![2, n]]).unwrap();
    let corner = uneven
        .slice(ndarray::s![..2, ..1])
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(corner, ArrayD::<f64>::zeros(IxDyn(&[2, 1])));
    assert!(matches!(
        chunkwise::compute((&corner_of(&huge), &huge), &Scheduler::threads(2)),
        Err(Error::ResultTooLarge { .. })
    ));
    // 2^40 blocks: a valid chunking, but more blocks than a plan can list; its corner is an
    // error too, not an abort.
    let many = Array::<f64>::zeros(&[1 << 30, 1 << 30], [1 << 10, 1 << 10]).unwrap();
    assert!(matches!(
        corner_of(&many).compute(),
        Err(Error::TooLarge { what: "blocks", .. })
    ));
    // A large but addressable lazy array is fine.
    assert_eq!(
        Array::<u8>::zeros(&[1 << 20, 1 << 20], [1 << 10, 1 << 10])
            .unwrap()
            .num_blocks(),
        1 << 20
    );
}

fn corner_of(x: &Array<f64>) -> Array<f64> {
    x.slice(ndarray::s![..1, ..1]).unwrap()
}

#[test]
fn a_ddof_that_is_not_a_finite_number_of_at_least_0_is_an_error_at_compute() {
    let x = Array::from_ndarray(array![[1.0, 2.0], [4.0, 8.0]], [1, 2]).unwrap();
    let bad = [f64::NAN, f64::INFINITY, -1.0];
    for ddof in bad {
        for (op, y) in [
            ("var", x.var(ddof)),
            ("std", x.std_axis(0, ddof).unwrap()),
            ("nanvar", x.nanvar_axes(&[0, 1], false, ddof).unwrap()),
            ("nanstd", x.nanstd(ddof)),
        ] {
            let e = y.compute().unwrap_err();
            assert!(
                matches!(&e, Error::InvalidParameter { op: o, name: "ddof", value, .. } if *o == op && *value == ddof.to_string()),
                "{op} {ddof}: {e}"
            );
        }
    }
    // ddof 0 and 1 as numpy's.
    assert_eq!(x.var(0.0).compute_scalar().unwrap(), 7.1875);
    assert!((x.std(1.0).compute_scalar().unwrap() - (28.75f64 / 3.0).sqrt()).abs() < 1e-12);
}

#[test]
fn zero_block_size_is_fine_on_an_empty_axis() {
    let x = Array::<f64>::zeros(&[0, 3], [0, 2]).unwrap();
    assert_eq!(x.chunks(), &[vec![0], vec![2, 1]]);
    assert_eq!(x.compute().unwrap(), ArrayD::<f64>::zeros(IxDyn(&[0, 3])));
}

#[test]
fn incompatible_shapes_name_both() {
    let x = Array::<f64>::zeros(&[3, 4], [2, 2]).unwrap();
    let y = Array::<f64>::zeros(&[3], [2]).unwrap();
    let err = x.zip_with(&y, |a, b| a + b).unwrap_err();
    assert_eq!(
        err,
        Error::IncompatibleShapes {
            op: "zip_with",
            left: vec![3, 4],
            right: vec![3]
        }
    );
    assert_eq!(
        err.to_string(),
        "zip_with: shapes [3, 4] and [3] are incompatible; shapes line up from the last axis, \
         and [3] matches the leading axes of [3, 4]: give it trailing axes of length 1 \
         (insert_axis(Axis(1)), or keepdims on the reduction that made it)"
    );
}

#[test]
#[should_panic(expected = "add: shapes [3, 4] and [3] are incompatible")]
fn operators_panic_with_both_shapes() {
    let x = Array::<f64>::zeros(&[3, 4], [2, 2]).unwrap();
    let y = Array::<f64>::zeros(&[3], [2]).unwrap();
    let _ = &x + &y;
}

#[test]
fn each_operator_has_a_checked_form_that_the_panic_names() {
    let x = Array::<f64>::full(&[3, 4], [2, 2], 6.0).unwrap();
    let row = Array::<f64>::full(&[4], [3], 2.0).unwrap();
    let col = Array::<f64>::zeros(&[3], [2]).unwrap();
    type Checked = fn(&Array<f64>, &Array<f64>) -> chunkwise::Result<Array<f64>>;
    type Operator = fn(&Array<f64>, &Array<f64>) -> Array<f64>;
    let forms: [(&str, Checked, Operator, f64); 4] = [
        ("add", Array::try_add, |a, b| a + b, 8.0),
        ("sub", Array::try_sub, |a, b| a - b, 4.0),
        ("mul", Array::try_mul, |a, b| a * b, 12.0),
        ("div", Array::try_div, |a, b| a / b, 3.0),
    ];
    for (name, checked, operator, value) in forms {
        // Where the operator works, the checked form gives the same.
        let y = checked(&x, &row).unwrap().compute().unwrap();
        assert!(y.iter().all(|&v| v == value), "{name}");
        assert_eq!(y, operator(&x, &row).compute().unwrap());
        // Where it panics, the checked form is an Err naming the operation and both shapes,
        // and the panic message says where to find it.
        let e = checked(&x, &col).unwrap_err();
        assert!(
            matches!(e, Error::IncompatibleShapes { op, .. } if op == name),
            "{e}"
        );
        let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| operator(&x, &col)))
            .unwrap_err();
        let text = panic.downcast_ref::<String>().unwrap();
        assert!(text.starts_with(&e.to_string()), "{text}");
        assert!(text.contains(&format!("Array::try_{name}")), "{text}");
    }
}

#[test]
fn a_block_of_the_wrong_shape_is_an_error_at_compute() {
    let x = Array::from_ndarray(array![1, 2, 3, 4, 5], &[2]).unwrap();
    let y = x.map_blocks(|b| b.slice(ndarray::s![..1]).to_owned().into_dyn());
    // Every block is wrong; the synchronous scheduler meets block 0 first.
    let err = y.compute_with(&Scheduler::synchronous()).unwrap_err();
    assert_eq!(
        err,
        Error::BlockShape {
            op: "map_blocks".into(),
            block: vec![0],
            expected: vec![2],
            found: vec![1]
        }
    );
}

#[test]
fn map_overlap_and_its_interior_form_name_each_other_when_given_the_others_shape() {
    use chunkwise::Boundary;
    let x = Array::from_ndarray(ndarray::Array2::<f64>::zeros((6, 4)), [3, 4]).unwrap();
    let sync = Scheduler::synchronous();
    // map_overlap's function returns the block without its padding.
    let trimmed = x
        .map_overlap(1, Boundary::Reflect, |b| {
            b.slice(ndarray::s![1..4, 1..5]).to_owned().into_dyn()
        })
        .unwrap();
    let e = trimmed.compute_with(&sync).unwrap_err();
    assert_eq!(
        e,
        Error::GhostCellsShape {
            op: "map_overlap",
            block: vec![0, 0],
            expected: vec![5, 6],
            found: vec![3, 4]
        }
    );
    let text = e.to_string();
    assert!(text.starts_with("map_overlap block [0, 0]: the function returned the block without its ghost cells ([3, 4])"), "{text}");
    assert!(text.ends_with("use map_overlap_interior"), "{text}");
    // map_overlap_interior's function returns the padded block.
    let padded = x
        .map_overlap_interior(1, Boundary::Reflect, |_, b| b.to_owned())
        .unwrap();
    let e = padded.compute_with(&sync).unwrap_err();
    assert!(
        matches!(&e, Error::GhostCellsShape { op: "map_overlap_interior", found, .. } if found == &vec![5, 6]),
        "{e}"
    );
    assert!(e.to_string().ends_with("use map_overlap"), "{e}");
    // Any other wrong shape is a plain BlockShape, under the operation's own name.
    let odd = x
        .map_overlap(1, Boundary::Reflect, |b| {
            b.slice(ndarray::s![..1, ..]).to_owned().into_dyn()
        })
        .unwrap();
    assert!(matches!(
        odd.compute_with(&sync).unwrap_err(),
        Error::BlockShape { op, found, .. } if op == "map_overlap" && found == vec![1, 6]
    ));
}

#[test]
fn declared_chunks_must_match_the_block_grid() {
    let x = Array::from_ndarray(array![1, 2, 3, 4, 5], &[2]).unwrap();
    let err = x
        .map_blocks_with_chunks(vec![vec![1, 1]], |_, b| b.to_owned())
        .unwrap_err();
    assert_eq!(
        err,
        Error::GridMismatch {
            op: "map_blocks_with_chunks",
            expected: vec![3],
            found: vec![2]
        }
    );
}

#[test]
fn a_panic_in_a_user_closure_is_an_error_naming_the_block_and_the_pool_survives() {
    let pool = Scheduler::threads(2);
    let x = Array::<f64>::ones(&[8, 8], [2, 2]).unwrap();
    let y = x.map_blocks_indexed(|idx, b| {
        assert!(idx != [3, 1], "block {idx:?} is cursed");
        b.to_owned()
    });
    for s in [Scheduler::synchronous(), pool.clone()] {
        match y.compute_with(&s) {
            Err(Error::TaskPanicked { task, message }) => {
                assert_eq!(task, "map_blocks[3, 1]");
                assert_eq!(message, "block [3, 1] is cursed");
            }
            other => panic!("expected TaskPanicked, got {other:?}"),
        }
    }
    // A panic inside a closure fused into another op's task still names the op that panicked.
    let z =
        (&x.map(|v: f64| if v > 0.0 { panic!("map failed") } else { v }) + 1.0).map(|v| v * 2.0);
    match z.compute_with(&pool) {
        Err(Error::TaskPanicked { task, message }) => {
            assert!(task.starts_with("map["), "{task}");
            assert_eq!(message, "map failed");
        }
        other => panic!("expected TaskPanicked, got {other:?}"),
    }
    assert_eq!((&x + 1.0).compute_with(&pool).unwrap().sum(), 128.0);
}

#[test]
fn arrays_are_send_sync_and_cheap_to_clone() {
    fn send_sync<T: Send + Sync>(_: &T) {}
    let x = Array::<f64>::ones(&[4], [2]).unwrap();
    send_sync(&x);
    let y = x.clone();
    let h = std::thread::spawn(move || (&y * 2.0).compute().unwrap());
    assert_eq!(h.join().unwrap().sum(), 8.0);
}

/// A broadcast that fails because the smaller array lines up with the leading axes (a
/// reduction without keepdims) says how to fix it; other mismatches carry no such hint.
#[test]
fn broadcast_errors_suggest_keepdims_or_insert_axis() {
    let x = chunkwise::Array::<f64>::ones(&[100, 60], [50, 20]).unwrap();
    let row_means = x.mean_axis(ndarray::Axis(1)).unwrap(); // shape [100]
    let err = x.zip_with(&row_means, |a, b| a - b).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("[100, 60]") && text.contains("[100]"),
        "{text}"
    );
    assert!(
        text.contains("insert_axis(Axis(1))") && text.contains("keepdims"),
        "{text}"
    );
    // The suggestion works.
    let kept = x.mean_axes(&[1], true).unwrap();
    assert_eq!(
        x.zip_with(&kept, |a, b| a - b)
            .unwrap()
            .compute()
            .unwrap()
            .sum(),
        0.0
    );
    let fixed = row_means.insert_axis(ndarray::Axis(1)).unwrap();
    assert!(x.zip_with(&fixed, |a, b| a - b).is_ok());
    // Two axes short: both named, in the order to insert them.
    let y = chunkwise::Array::<f64>::ones(&[4, 5, 6], [2, 5, 3]).unwrap();
    let first = y.sum_axes(&[1, 2], false).unwrap();
    let text = y.zip_with(&first, |a, b| a + b).unwrap_err().to_string();
    assert!(
        text.contains("insert_axis(Axis(1), then Axis(2))"),
        "{text}"
    );
    // Shapes that are simply different get no hint.
    let a = chunkwise::Array::<f64>::ones(&[3], [3]).unwrap();
    let b = chunkwise::Array::<f64>::ones(&[4], [4]).unwrap();
    let text = a.zip_with(&b, |p, q| p + q).unwrap_err().to_string();
    assert!(!text.contains("insert_axis"), "{text}");
}

/// `compute_as` gives fixed-dimension arrays, and a wrong rank is an error before any task
/// runs (the block function here would panic).
#[test]
fn compute_as_checks_the_rank_before_running() {
    let e = ndarray::Array3::from_shape_fn((4, 3, 5), |(i, j, k)| (i * 15 + j * 5 + k) as i64);
    let x = Array::from_ndarray(e.clone(), [2, 2, 2]).unwrap();
    let s = Scheduler::threads(2);
    assert_eq!(x.compute_as::<ndarray::Ix3>(&s).unwrap(), e);
    assert_eq!(x.compute_as::<IxDyn>(&s).unwrap(), e.clone().into_dyn());
    let boom = x.map(|_| -> i64 { panic!("must not run") });
    assert_eq!(
        boom.compute_as::<ndarray::Ix2>(&s).unwrap_err(),
        Error::RankMismatch {
            op: "compute_as",
            given: 2,
            ndim: 3
        }
    );
}

/// Typed block closures: the same results as their dynamic forms, and a wrong rank an error.
#[test]
fn typed_block_closures_match_the_dynamic_ones() {
    use chunkwise::Boundary;
    use ndarray::{ArrayView2, Ix2, Ix3};
    let e = ndarray::Array2::from_shape_fn((9, 7), |(i, j)| (i * 7 + j) as f64);
    let x = Array::from_ndarray(e, [4, 3]).unwrap();
    let typed = x
        .map_overlap_as::<Ix2, _, _>(1, Boundary::Reflect, |b: ArrayView2<f64>| {
            b.mapv(|v| v * 2.0) + b[(0, 0)]
        })
        .unwrap();
    let dynamic = x
        .map_overlap(1, Boundary::Reflect, |b| b.mapv(|v| v * 2.0) + b[[0, 0]])
        .unwrap();
    assert_eq!(typed.compute().unwrap(), dynamic.compute().unwrap());
    let blocks = x
        .map_blocks_as::<Ix2, _, _>(|b: ArrayView2<f64>| b.t().t().to_owned())
        .unwrap();
    assert_eq!(blocks.compute().unwrap(), x.compute().unwrap());
    assert!(matches!(
        x.map_overlap_as::<Ix3, _, _>(1, Boundary::Reflect, |b| b.to_owned()),
        Err(Error::RankMismatch {
            op: "map_overlap_as",
            given: 3,
            ndim: 2
        })
    ));
}

/// A named operation on an array, for tables of cases.
type Case = (
    String,
    Box<dyn Fn(&Array<f64>) -> chunkwise::Result<Array<f64>>>,
);

fn case(name: String, f: impl Fn(&Array<f64>) -> chunkwise::Result<Array<f64>> + 'static) -> Case {
    (name, Box::new(f))
}

/// Every size-like argument of the array operations, at zero, one past the end, and huge: an
/// `Err`, or the same answer as on the array in one block, never a panic. Run again in a child
/// under a memory limit by the test below, so that an allocation sized by an argument aborts
/// there instead of succeeding by overcommit.
#[test]
fn huge_and_edge_arguments_are_errors_or_right_never_panics() {
    let whole = common::data(&[6, 5], 3);
    let x = Array::from_ndarray(whole.clone(), [4, 2]).unwrap();
    let one = Array::from_ndarray(whole, [6, 5]).unwrap();
    let huge = [0, 1, 5, 6, 7, 64, 1 << 40, usize::MAX / 2, usize::MAX];
    let mut cases: Vec<Case> = Vec::new();
    for &n in &huge {
        cases.extend([
            case(format!("map_overlap depth {n}"), move |a| {
                a.map_overlap(n, Boundary::Reflect, |b| b.to_owned())
            }),
            case(format!("pad {n}"), move |a| {
                a.pad(vec![(n, 1), (0, n)], Boundary::Constant(2.0))
            }),
            case(format!("pad reflect {n}"), move |a| {
                a.pad(n, Boundary::Reflect)
            }),
            case(format!("rechunk {n}"), move |a| a.rechunk([n, 1])),
            case(format!("index_axis {n}"), move |a| a.index_axis(1, n)),
            case(format!("select {n}"), move |a| a.select(0, &[0, n])),
            case(format!("roll {n}"), move |a| a.roll(n as isize, 0)),
            case(format!("swap_axes {n}"), move |a| a.swap_axes(n, 0)),
            case(format!("reshape [{n}, 30]"), move |a| a.reshape(&[n, 30])),
            case(format!("broadcast_to [{n}, 6, 5]"), move |a| {
                a.broadcast_to(&[n, 6, 5])
            }),
            case(format!("insert_axis {n}"), move |a| a.insert_axis(n)),
            case(format!("cumsum {n}"), move |a| a.cumsum(n)),
            case(format!("sum_axes [{n}]"), move |a| a.sum_axes(&[n], true)),
            case(format!("var ddof {n}"), move |a| {
                a.var(n as f64).insert_axis(0)?.insert_axis(0)
            }),
            case(format!("zeros like [{n}, 5]"), move |_| {
                Array::zeros(&[n, 5], [4, 2])
            }),
            case(format!("full in blocks of {n}"), move |_| {
                Array::full(&[6, 5], [n, n], 1.5)
            }),
        ]);
    }
    for (name, f) in &cases {
        let run = || f(&x).and_then(|y| y.compute_with(&Scheduler::threads(2)).map(|v| (y, v)));
        let got = std::panic::catch_unwind(std::panic::AssertUnwindSafe(run))
            .unwrap_or_else(|_| panic!("{name}: panicked"));
        let Ok((_, got)) = got else { continue };
        // Right: the same on the array of one block, on the synchronous scheduler.
        let oracle = f(&one)
            .and_then(|y| y.compute_with(&Scheduler::synchronous()))
            .unwrap_or_else(|e| panic!("{name}: one block failed: {e}"));
        assert_eq!(got.shape(), oracle.shape(), "{name}");
        for (a, b) in got.iter().zip(&oracle) {
            // Reductions sum in another order over several blocks.
            let close = (a - b).abs() <= 1e-12 * b.abs().max(1.0);
            assert!(close || (a.is_nan() && b.is_nan()), "{name}: {a} != {b}");
        }
    }
}

#[test]
fn huge_and_edge_arguments_never_abort_under_a_memory_limit() {
    common::run_under_memory_limit("huge_and_edge_arguments_are_errors_or_right_never_panics");
}

/// A zero block size names the operation it was given to.
#[test]
fn a_zero_block_size_names_its_operation() {
    let cases: Vec<(&str, chunkwise::Result<Array<f64>>)> = vec![
        ("zeros", Array::<f64>::zeros(&[4], [0])),
        ("ones", Array::<f64>::ones(&[4], [0])),
        ("full", Array::<f64>::full(&[4], [0], 1.0)),
        ("random", Array::<f64>::random(&[4], [0], 1)),
        ("from_fn", Array::<f64>::from_fn(&[4], [0], |_| 0.0)),
        (
            "from_ndarray",
            Array::from_ndarray(ArrayD::<f64>::zeros(IxDyn(&[4])), [0]),
        ),
        (
            "rechunk",
            Array::<f64>::zeros(&[4], [2]).unwrap().rechunk([0]),
        ),
    ];
    for (op, got) in cases {
        let e = got.unwrap_err();
        assert!(
            matches!(e, Error::ZeroChunk { op: o, axis: 0, len: 4 } if o == op),
            "{op}: {e:?}"
        );
        assert!(
            e.to_string().starts_with(&format!("{op}: block size 0")),
            "{e}"
        );
    }
}

/// Opening what is not a Zarr array says what is there.
#[cfg(feature = "zarr")]
#[test]
fn from_zarr_says_what_is_at_the_path() {
    use chunkwise::io::zarr::ZarrOptions;
    let dir = std::env::temp_dir().join(format!("chunkwise-errors-open-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let message = |p: &std::path::Path| Array::<f64>::from_zarr(p).unwrap_err().to_string();
    assert!(message(&dir.join("missing")).contains("nothing is there"));
    std::fs::write(dir.join("file"), b"x").unwrap();
    assert!(message(&dir.join("file")).contains("a file, not a Zarr store"));
    assert!(message(&dir).contains("without zarr.json or .zarray"));
    // An OME-Zarr image is a group of arrays: the error names them.
    let image = dir.join("image");
    chunkwise::io::ome_zarr::write_multiscale(
        &Array::<f64>::zeros(&[8, 8], [4, 4]).unwrap(),
        &image,
        &chunkwise::io::ome_zarr::MultiscaleOptions::new(&["y", "x"]).levels(2),
    )
    .unwrap();
    let m = message(&image);
    assert!(
        m.contains("a Zarr v3 group") && m.contains("its arrays: 0, 1"),
        "{m}"
    );
    // A v2 group.
    let v2 = dir.join("v2");
    std::fs::create_dir_all(v2.join("a")).unwrap();
    std::fs::write(v2.join(".zgroup"), br#"{"zarr_format": 2}"#).unwrap();
    std::fs::write(v2.join("a").join(".zarray"), b"{}").unwrap();
    let m = message(&v2);
    assert!(
        m.contains("a Zarr v2 group") && m.contains("its arrays: a"),
        "{m}"
    );
    // An array still opens.
    Array::<f64>::zeros(&[3], [3])
        .unwrap()
        .to_zarr(dir.join("array"), ZarrOptions::default())
        .unwrap();
    assert!(Array::<f64>::from_zarr(dir.join("array")).is_ok());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// An I/O failure keeps the operating system's error: `source()` leads down to the
/// `std::io::Error`, whose kind a caller can match.
#[test]
fn io_errors_keep_the_operating_systems_error_as_their_source() {
    use std::error::Error as _;
    let io_kind = |e: &Error| {
        let mut cause = e.source();
        while let Some(c) = cause {
            if let Some(io) = c.downcast_ref::<std::io::Error>() {
                return Some(io.kind());
            }
            cause = c.source();
        }
        None
    };
    let missing = std::env::temp_dir().join(format!("chunkwise-missing-{}", std::process::id()));
    let e = Array::<f64>::from_npy(missing.join("x.npy"), [1]).unwrap_err();
    assert!(matches!(e, Error::Io { op: "open", .. }), "{e:?}");
    assert_eq!(io_kind(&e), Some(std::io::ErrorKind::NotFound), "{e:?}");
    // The message still names the operation and the file; a clone keeps the source.
    assert!(e.to_string().contains("x.npy"), "{e}");
    assert_eq!(io_kind(&e.clone()), Some(std::io::ErrorKind::NotFound));
    // Writing into a directory that is a file.
    let file = std::env::temp_dir().join(format!("chunkwise-a-file-{}", std::process::id()));
    std::fs::write(&file, b"x").unwrap();
    let e = Array::<f64>::zeros(&[2], [2])
        .unwrap()
        .to_npy(file.join("y.npy"))
        .unwrap_err();
    assert!(io_kind(&e).is_some(), "{e:?}");
    std::fs::remove_file(&file).unwrap();
}

/// A user's own error type, to come back out of closures.
#[derive(Debug, PartialEq)]
struct Refused(usize);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "refused at {}", self.0)
    }
}

impl std::error::Error for Refused {}

/// A closure may fail with an error of its own type: the task's error is `Error::Failed`,
/// naming the task, of kind `User`, and the user's error is down its `source()` chain; the
/// pool runs the next computation as before.
#[test]
fn a_user_closures_own_error_is_the_source_of_the_tasks_error() {
    use chunkwise::ErrorKind;
    use std::error::Error as _;
    let pool = Scheduler::threads(2);
    let x = Array::from_ndarray(ArrayD::from_shape_fn(IxDyn(&[6, 4]), |i| i[0]), [2, 2]).unwrap();
    for s in [&pool, &Scheduler::synchronous()] {
        // map_blocks: the block holding row 4 fails.
        let y = x.try_map_blocks(|b| match b.iter().find(|&&v| v == 4) {
            Some(&v) => Err(Refused(v)),
            None => Ok(b.mapv(|v| v * 2)),
        });
        let e = y.compute_with(s).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::User, "{e:?}");
        assert!(e.to_string().starts_with("task map_blocks[2, "), "{e}");
        assert_eq!(e.find_source::<Refused>(), Some(&Refused(4)));
        // Walked by hand, too: the chain reaches the user's value.
        let mut cause = e.source();
        let mut found = false;
        while let Some(c) = cause {
            found |= c.downcast_ref::<Refused>() == Some(&Refused(4));
            cause = c.source();
        }
        assert!(found, "{e:?}");
        // A clone keeps it.
        assert_eq!(e.clone().find_source::<Refused>(), Some(&Refused(4)));
        // No block fails: the same function gives the right values.
        let ok = x
            .try_map_blocks(|b| Ok::<_, Refused>(b.mapv(|v| v + 1)))
            .compute_with(s)
            .unwrap();
        assert_eq!(ok, x.compute().unwrap().mapv(|v| v + 1));
    }
    // A Graph task: the scheduler names the task.
    let mut g = chunkwise::Graph::new();
    let a = g.add("a", &[], |_| Ok(1usize)).unwrap();
    let b = g
        .add("load", &[a.task()], move |inp| {
            let v = *inp.get(&a)?;
            if v == 1 {
                Err(Error::user(Refused(v)))
            } else {
                Ok(v)
            }
        })
        .unwrap();
    let e = g.compute_with(&b, &pool).unwrap_err();
    assert!(
        matches!(&e, Error::Failed { task, .. } if task == "load"),
        "{e:?}"
    );
    assert_eq!(e.to_string(), "task load failed: refused at 1");
    assert_eq!(e.find_source::<Refused>(), Some(&Refused(1)));
    // labeled_comprehension: objects of fewer than 3 cells are refused.
    let values = Array::from_ndarray(array![1.0, 5.0, 3.0, 4.0, 9.0, 2.0], [2]).unwrap();
    let labels = Array::from_ndarray(array![1u32, 1, 1, 2, 2, 0], [4]).unwrap();
    let f = |v: &[f64]| match v.len() {
        n if n < 3 => Err(Refused(n)),
        n => Ok(v.iter().sum::<f64>() / n as f64),
    };
    let ok = chunkwise::ndmeasure::try_labeled_comprehension(&values, &labels, &[1, 3], f, -1.0)
        .unwrap()
        .compute_with(&pool)
        .unwrap();
    assert_eq!(ok, array![3.0, -1.0].into_dyn());
    let e = chunkwise::ndmeasure::try_labeled_comprehension(&values, &labels, &[1, 2], f, -1.0)
        .unwrap()
        .compute_with(&pool)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::User);
    assert_eq!(e.find_source::<Refused>(), Some(&Refused(2)));
    // The pool is still good.
    assert_eq!(
        x.sum().compute_with(&pool).unwrap()[[]],
        2 * (2 + 4 + 6 + 8 + 10)
    );
}

/// Errors group by kind, so a caller can match a kind without naming variants.
#[test]
fn errors_are_grouped_by_kind() {
    use chunkwise::ErrorKind;
    let x = Array::<f64>::ones(&[4, 4], [2, 2]).unwrap();
    let kind = |r: chunkwise::Result<ArrayD<f64>>| r.unwrap_err().kind();
    assert_eq!(
        Array::<f64>::zeros(&[4], [0]).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
    assert_eq!(
        x.sum_axis(ndarray::Axis(5)).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
    assert_eq!(
        kind(
            x.map_blocks(|b| b.slice(ndarray::s![..1, ..]).to_owned())
                .compute()
        ),
        ErrorKind::Task
    );
    assert_eq!(
        kind(
            x.map_blocks(|b| -> Array2<f64> { panic!("no {}", b.len()) })
                .compute()
        ),
        ErrorKind::Task
    );
    assert_eq!(
        kind(x.compute_with(&Scheduler::threads(1).with_memory_limit(8))),
        ErrorKind::Resources
    );
    assert_eq!(
        Array::<f64>::from_npy("/no/such/dir/x.npy", [1])
            .unwrap_err()
            .kind(),
        ErrorKind::Io
    );
}
