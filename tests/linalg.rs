//! `linalg` against numpy (`scripts/linalg_fixtures.py`, committed under `tests/data/linalg/`)
//! and against its own definitions over many shapes and chunkings: Q R is A, Q's columns are
//! orthonormal and R is upper triangular, U diag(S) Vᵀ is A, and least squares gives numpy's
//! solution, residuals, rank and singular values, whatever the chunking (one block, blocks of
//! one row, irregular blocks, enough blocks for a two-level tree, blocks along columns too).

use chunkwise::{Array, ErrorKind, Scheduler, linalg};
use ndarray::{Array2, ArrayD, Ix2};

/// A deterministic test matrix of `m x n` (a hash of the cell, in [-1, 1)).
fn matrix(m: usize, n: usize, seed: u64) -> Array2<f64> {
    Array2::from_shape_fn((m, n), |(i, j)| {
        let mut z = (i as u64 * 1_000_003 + j as u64).wrapping_add(seed.wrapping_mul(0x9E37));
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    })
}

/// Row chunkings of `m` rows: one block, one row per block, irregular, and many small blocks.
fn row_chunkings(m: usize) -> Vec<Vec<usize>> {
    let mut irregular = Vec::new();
    let (mut left, mut k) = (m, 1);
    while left > 0 {
        let take = k.min(left);
        irregular.push(take);
        left -= take;
        k = k * 3 % 17 + 1;
    }
    let threes: Vec<usize> = (0..m.div_ceil(3)).map(|i| 3.min(m - 3 * i)).collect();
    vec![vec![m], vec![1; m], irregular, threes]
}

fn max_abs(a: &Array2<f64>) -> f64 {
    a.iter().fold(0.0, |m, v| m.max(v.abs()))
}

fn as2(a: ArrayD<f64>) -> Array2<f64> {
    a.into_dimensionality::<Ix2>().unwrap()
}

#[test]
fn qr_reconstructs_with_orthonormal_q_over_shapes_and_chunkings() {
    let s = Scheduler::threads(2);
    for (m, n) in [(1, 1), (6, 6), (37, 4), (100, 7), (300, 3), (64, 1)] {
        let a = matrix(m, n, (m * n) as u64);
        for rows in row_chunkings(m) {
            for cols in [vec![n], vec![n.div_ceil(2), n / 2]] {
                let cols: Vec<usize> = cols.into_iter().filter(|&c| c > 0).collect();
                let x = Array::from_ndarray(a.clone().into_dyn(), vec![rows.clone(), cols.clone()])
                    .unwrap();
                let (q, r) = linalg::qr(&x).unwrap();
                let what = format!("{m} x {n}, rows {rows:?}, cols {cols:?}");
                assert_eq!(q.chunks()[0].iter().sum::<usize>(), m, "{what}");
                let (q, r) = (
                    as2(q.compute_with(&s).unwrap()),
                    as2(r.compute_with(&s).unwrap()),
                );
                assert_eq!((q.dim(), r.dim()), ((m, n), (n, n)), "{what}");
                let err = max_abs(&(q.dot(&r) - &a)) / max_abs(&a);
                assert!(err < 1e-12, "{what}: |QR - A| / |A| = {err}");
                let qtq = q.t().dot(&q) - Array2::<f64>::eye(n);
                assert!(
                    max_abs(&qtq) < 1e-12,
                    "{what}: |QᵀQ - I| = {}",
                    max_abs(&qtq)
                );
                for i in 0..n {
                    for j in 0..i {
                        assert_eq!(r[[i, j]], 0.0, "{what}: R[{i}, {j}]");
                    }
                }
            }
        }
    }
}

#[test]
fn qr_of_a_short_wide_matrix_and_in_f32() {
    let a = matrix(3, 8, 5);
    let x = Array::from_ndarray(a.clone().into_dyn(), [3, 3]).unwrap();
    let (q, r) = linalg::qr(&x).unwrap();
    let (q, r) = (as2(q.compute().unwrap()), as2(r.compute().unwrap()));
    assert_eq!((q.dim(), r.dim()), ((3, 3), (3, 8)));
    assert!(max_abs(&(q.dot(&r) - &a)) < 1e-12);
    assert!(max_abs(&(q.t().dot(&q) - Array2::<f64>::eye(3))) < 1e-12);
    // Rows split between blocks: refused, saying how to rechunk.
    let split = Array::from_ndarray(a.into_dyn(), [2, 8]).unwrap();
    let e = linalg::qr(&split).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    assert!(e.to_string().contains("rechunk"), "{e}");
    // f32, to f32's precision.
    let a32 = matrix(50, 4, 9).mapv(|v| v as f32);
    let x = Array::from_ndarray(a32.clone().into_dyn(), [7, 4]).unwrap();
    let (q, r) = linalg::qr(&x).unwrap();
    let q = q.compute().unwrap().into_dimensionality::<Ix2>().unwrap();
    let r = r.compute().unwrap().into_dimensionality::<Ix2>().unwrap();
    let err = (q.dot(&r) - &a32).iter().fold(0f32, |m, v| m.max(v.abs()));
    assert!(err < 1e-5, "f32: |QR - A| = {err}");
}

/// The fixtures: numpy's manifest lines and its matrices.
struct Fixtures {
    dir: std::path::PathBuf,
    lines: Vec<String>,
}

impl Fixtures {
    fn open() -> Fixtures {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/linalg");
        let text = std::fs::read_to_string(dir.join("manifest.txt")).unwrap();
        let lines = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(str::to_string)
            .collect();
        Fixtures { dir, lines }
    }

    fn array(&self, name: &str, shape: &[usize]) -> ArrayD<f64> {
        let bytes = std::fs::read(self.dir.join(format!("{name}.bin"))).unwrap();
        let v: Vec<f64> = bytes
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
            .collect();
        ArrayD::from_shape_vec(shape.to_vec(), v).unwrap()
    }
}

fn numbers(field: &str) -> Vec<f64> {
    field
        .split_whitespace()
        .map(|v| v.parse().unwrap())
        .collect()
}

/// Whether the singular values of `name` are well apart from zero (relative agreement per value
/// is then meaningful; otherwise agreement relative to the largest).
fn well_conditioned(name: &str) -> bool {
    !matches!(name, "deficient" | "graded")
}

#[test]
fn svd_matches_numpys_singular_values_and_reconstructs() {
    let f = Fixtures::open();
    let mut cases = 0;
    for line in f.lines.iter().filter(|l| l.starts_with("svd ")) {
        let parts: Vec<&str> = line.split(';').collect();
        let head: Vec<&str> = parts[0].split_whitespace().collect();
        let (name, m, n) = (head[1], head[2].parse().unwrap(), head[3].parse().unwrap());
        let want = numbers(parts[1]);
        let a = f.array(name, &[m, n]);
        for rows in row_chunkings(m) {
            let x = Array::from_ndarray(a.clone(), vec![rows.clone(), vec![n]]).unwrap();
            let (u, s, vt) = linalg::svd(&x).unwrap();
            let (u, s, vt) = (
                as2(u.compute().unwrap()),
                s.compute().unwrap(),
                as2(vt.compute().unwrap()),
            );
            for (k, (&got, &w)) in s.iter().zip(&want).enumerate() {
                let scale = if well_conditioned(name) { w } else { want[0] };
                assert!(
                    (got - w).abs() <= 1e-10 * scale,
                    "{name}, rows {rows:?}: s[{k}] = {got}, numpy {w}"
                );
            }
            let usv = u
                .dot(&Array2::from_diag(
                    &s.clone().into_dimensionality().unwrap(),
                ))
                .dot(&vt);
            let a2 = as2(a.clone());
            assert!(
                max_abs(&(usv - &a2)) < 1e-12 * max_abs(&a2).max(1.0),
                "{name}"
            );
            assert!(
                max_abs(&(u.t().dot(&u) - Array2::<f64>::eye(n))) < 1e-12,
                "{name}"
            );
        }
        cases += 1;
    }
    assert_eq!(cases, 5);
}

#[test]
fn lstsq_matches_numpy_on_full_rank_and_rank_deficient_inputs() {
    let f = Fixtures::open();
    let mut cases = 0;
    for line in f.lines.iter().filter(|l| l.starts_with("lstsq ")) {
        let parts: Vec<&str> = line.split(';').collect();
        let head: Vec<&str> = parts[0].split_whitespace().collect();
        let (name, m, n) = (head[1], head[2].parse().unwrap(), head[3].parse().unwrap());
        let (bname, k): (&str, usize) = (head[4], head[5].parse().unwrap());
        let (want_x, want_res) = (numbers(parts[1]), numbers(parts[2]));
        let want_rank: usize = parts[3].trim().parse().unwrap();
        let want_s = numbers(parts[4]);
        let a = f.array(name, &[m, n]);
        let b_shape = if k == 0 { vec![m] } else { vec![m, k] };
        let b = f.array(bname, &b_shape);
        // The graded matrix's condition number is about 1e9: its solution is good to about
        // 1e-16 * 1e9 relative, numpy's and ours alike.
        let tol = if name == "graded" { 1e-6 } else { 1e-10 };
        for rows in row_chunkings(m) {
            let x = Array::from_ndarray(a.clone(), vec![rows.clone(), vec![n]]).unwrap();
            let mut b_chunks = vec![rows.clone()];
            if k > 0 {
                b_chunks.push(vec![k]);
            }
            let y = Array::from_ndarray(b.clone(), b_chunks).unwrap();
            let (sol, res, rank, s) = linalg::lstsq(&x, &y).unwrap();
            let what = format!("{name} with b {bname}, rows {rows:?}");
            let sol = sol.compute().unwrap();
            assert_eq!(
                sol.shape(),
                if k == 0 { vec![n] } else { vec![n, k] },
                "{what}"
            );
            let scale = want_x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            for (got, w) in sol.iter().zip(&want_x) {
                assert!((got - w).abs() <= tol * scale, "{what}: x {got}, numpy {w}");
            }
            assert_eq!(rank.compute_scalar().unwrap(), want_rank, "{what}");
            let s = s.compute().unwrap();
            for (got, w) in s.iter().zip(&want_s) {
                assert!(
                    (got - w).abs() <= 1e-10 * want_s[0],
                    "{what}: s {got}, numpy {w}"
                );
            }
            // numpy gives residuals only for full rank with more rows than columns.
            let res = res.compute().unwrap();
            assert_eq!(res.len(), k.max(1), "{what}");
            for (got, w) in res.iter().zip(&want_res) {
                assert!(
                    (got - w).abs() <= 1e-9 * w.abs().max(1e-12),
                    "{what}: residual {got}, numpy {w}"
                );
            }
        }
        cases += 1;
    }
    assert_eq!(cases, 6);
}

#[test]
fn bad_inputs_are_errors_naming_them() {
    let v = Array::<f64>::zeros(&[5], [2]).unwrap();
    let e = linalg::qr(&v).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    let wide = Array::<f64>::zeros(&[2, 5], [2, 5]).unwrap();
    assert!(linalg::svd(&wide).is_err());
    let a = Array::<f64>::zeros(&[6, 2], [3, 2]).unwrap();
    let b = Array::<f64>::zeros(&[5], [5]).unwrap();
    let e = linalg::lstsq(&a, &b).unwrap_err();
    assert!(e.to_string().contains('b'), "{e}");
}

#[test]
fn svd_compressed_finds_the_top_singular_values_within_the_published_bound() {
    // A rank-5 matrix with singular values 100, 80, 60, 40, 20, plus noise of about 1e-3.
    let (m, n, k, p) = (2000, 60, 5, 10);
    let basis = |rows: usize, seed: u64| {
        let g = Array::from_ndarray(matrix(rows, k, seed).into_dyn(), [rows, k]).unwrap();
        as2(linalg::qr(&g).unwrap().0.compute().unwrap())
    };
    let (u, v) = (basis(m, 1), basis(n, 2));
    let sigma = Array2::from_diag(&ndarray::arr1(&[100.0, 80.0, 60.0, 40.0, 20.0]));
    let a = u.dot(&sigma).dot(&v.t()) + matrix(m, n, 3) * 1e-3;
    let exact = {
        let x = Array::from_ndarray(a.clone().into_dyn(), [m, n]).unwrap();
        linalg::svd(&x).unwrap().1.compute().unwrap()
    };
    // Halko, Martinsson and Tropp (2011), eq. (10.9): with oversampling p, the range found
    // misses A by at most (1 + 9 sqrt(k + p) sqrt(min(m, n))) sigma_{k+1}, except with
    // probability 3 p^-p; each singular value of Qᵀ A is within that of A's (Weyl).
    let bound = (1.0 + 9.0 * ((k + p) as f64).sqrt() * (n as f64).sqrt()) * exact[[k]];
    for rows in [
        vec![m],
        vec![300; m / 300]
            .into_iter()
            .chain([m % 300])
            .collect::<Vec<_>>(),
    ] {
        for power in [0, 2] {
            let x = Array::from_ndarray(a.clone().into_dyn(), vec![rows.clone(), vec![n]]).unwrap();
            let (uk, s, vt) = linalg::svd_compressed(&x, k, power, 7).unwrap();
            let (uk, s, vt) = (
                as2(uk.compute().unwrap()),
                s.compute().unwrap(),
                as2(vt.compute().unwrap()),
            );
            assert_eq!((uk.dim(), s.len(), vt.dim()), ((m, k), k, (k, n)));
            for i in 0..k {
                let err = (s[[i]] - exact[[i]]).abs();
                assert!(
                    err <= bound,
                    "s[{i}] = {}, exact {}, bound {bound}",
                    s[[i]],
                    exact[[i]]
                );
                // With power iterations the noise is all that is left.
                if power > 0 {
                    assert!(
                        err < 1e-6 * exact[[0]],
                        "power {power}: s[{i}] off by {err}"
                    );
                }
            }
            assert!(max_abs(&(uk.t().dot(&uk) - Array2::<f64>::eye(k))) < 1e-12);
            let approx = uk
                .dot(&Array2::from_diag(&s.into_dimensionality().unwrap()))
                .dot(&vt);
            assert!(
                max_abs(&(approx - &a)) < bound,
                "rows {rows:?}, power {power}"
            );
        }
    }
    let x = Array::from_ndarray(a.into_dyn(), [500, 60]).unwrap();
    assert!(linalg::svd_compressed(&x, 0, 0, 1).is_err());
    assert!(linalg::svd_compressed(&x, 61, 0, 1).is_err());
}

#[test]
fn square_systems_solve_invert_and_factorise() {
    let s = Scheduler::threads(2);
    for n in [1usize, 5, 12, 40] {
        let a = matrix(n, n, n as u64) + Array2::<f64>::eye(n) * 2.0;
        let b = matrix(n, 3, 99);
        for chunk in [n, (n / 3).max(1)] {
            let what = format!("n {n}, chunks {chunk}");
            let x = Array::from_ndarray(a.clone().into_dyn(), [chunk, chunk]).unwrap();
            let y = Array::from_ndarray(b.clone().into_dyn(), [chunk, 3]).unwrap();
            let sol = as2(linalg::solve(&x, &y).unwrap().compute_with(&s).unwrap());
            assert!(max_abs(&(a.dot(&sol) - &b)) < 1e-11, "{what}: solve");
            let v = linalg::solve(&x, &y.index_axis(1, 0).unwrap()).unwrap();
            assert_eq!(v.shape(), &[n], "{what}");
            let ainv = as2(linalg::inv(&x).unwrap().compute_with(&s).unwrap());
            assert!(
                max_abs(&(ainv.dot(&a) - Array2::<f64>::eye(n))) < 1e-11,
                "{what}: inv"
            );
            // A symmetric positive-definite matrix: AᵀA + I.
            let spd = a.t().dot(&a) + Array2::<f64>::eye(n);
            let z = Array::from_ndarray(spd.clone().into_dyn(), [chunk, chunk]).unwrap();
            let l = as2(linalg::cholesky(&z).unwrap().compute_with(&s).unwrap());
            assert!(
                max_abs(&(l.dot(&l.t()) - &spd)) < 1e-10 * max_abs(&spd),
                "{what}: cholesky"
            );
            assert!(
                (0..n).all(|i| (i + 1..n).all(|j| l[[i, j]] == 0.0)),
                "{what}: L is lower"
            );
            let (p, l, u) = linalg::lu(&x).unwrap();
            let (p, l, u) = (
                as2(p.compute().unwrap()),
                as2(l.compute().unwrap()),
                as2(u.compute().unwrap()),
            );
            assert!(max_abs(&(p.dot(&l).dot(&u) - &a)) < 1e-12, "{what}: P L U");
            assert!(
                p.rows().into_iter().all(|r| r.sum() == 1.0),
                "{what}: P permutes"
            );
            assert!(
                (0..n).all(|i| l[[i, i]] == 1.0
                    && (i + 1..n).all(|j| l[[i, j]] == 0.0 && u[[j, i]] == 0.0))
            );
            for lower in [true, false] {
                let t = if lower { l.clone() } else { u.clone() };
                let tt = Array::from_ndarray(t.clone().into_dyn(), [chunk, chunk]).unwrap();
                let sol = as2(linalg::solve_triangular(&tt, &y, lower)
                    .unwrap()
                    .compute()
                    .unwrap());
                assert!(
                    max_abs(&(t.dot(&sol) - &b)) < 1e-9,
                    "{what}: triangular {lower}"
                );
            }
        }
    }
    // Bad input: clear errors, at once or when computed, never a panic.
    let wide = Array::<f64>::zeros(&[2, 3], [2, 3]).unwrap();
    assert_eq!(
        linalg::inv(&wide).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
    let zero = Array::<f64>::zeros(&[3, 3], [2, 2]).unwrap();
    let b = Array::<f64>::ones(&[3], [3]).unwrap();
    let e = linalg::solve(&zero, &b).unwrap().compute().unwrap_err();
    assert!(e.to_string().contains("singular"), "{e}");
    assert!(linalg::inv(&zero).unwrap().compute().is_err());
    let indefinite =
        Array::from_ndarray(ndarray::array![[1.0, 2.0], [2.0, 1.0]].into_dyn(), [1, 1]).unwrap();
    let e = linalg::cholesky(&indefinite)
        .unwrap()
        .compute()
        .unwrap_err();
    assert!(e.to_string().contains("positive definite"), "{e}");
    let short = Array::<f64>::ones(&[2], [2]).unwrap();
    assert!(linalg::solve(&zero, &short).is_err());
}

/// `solve`, `inv`, `cholesky` and `lu` by their block algorithms equal numpy's and scipy's over
/// tile grids from one tile to tiles of one row, irregular ones, and column blocks other than
/// the rows' (rechunked to square tiles). The `pivoted` matrix has near-zero diagonal tiles for
/// every tiling: its pivots must come from other tiles, and P must be scipy's exactly.
#[test]
fn square_systems_match_scipy_over_tile_grids() {
    let f = Fixtures::open();
    let mut cases = 0;
    let close = |got: &Array2<f64>, want: &[f64], tol: f64, what: &str| {
        let want = Array2::from_shape_vec(got.dim(), want.to_vec()).unwrap();
        let scale = max_abs(&want).max(1.0);
        let err = max_abs(&(got - &want));
        assert!(err <= tol * scale, "{what}: off by {err:e}");
    };
    for line in f.lines.iter().filter(|l| l.starts_with("square ")) {
        let parts: Vec<&str> = line.split(';').collect();
        let head: Vec<&str> = parts[0].split_whitespace().collect();
        let (name, n, bname) = (head[1], head[2].parse::<usize>().unwrap(), head[3]);
        let k: usize = head[4].parse().unwrap();
        let a = as2(f.array(name, &[n, n]));
        let b = if k == 0 {
            f.array(bname, &[n])
        } else {
            f.array(bname, &[n, k])
        };
        let grids: [Vec<Vec<usize>>; 5] = [
            vec![vec![n], vec![n]],
            vec![vec![1; n], vec![1; n]],
            vec![vec![5, 5, 2], vec![5, 5, 2]],
            vec![vec![4; 3], vec![3; 4]],
            vec![vec![3, 1, 8], vec![2, 10]],
        ];
        for grid in grids {
            let what = format!("{name} over {grid:?}");
            let x = Array::from_ndarray(a.clone().into_dyn(), grid.clone()).unwrap();
            let rows = grid[0].clone();
            let bx = if k == 0 {
                Array::from_ndarray(b.clone(), vec![rows]).unwrap()
            } else {
                Array::from_ndarray(b.clone(), vec![rows, vec![2, k - 2]]).unwrap()
            };
            let sol = linalg::solve(&x, &bx).unwrap().compute().unwrap();
            assert_eq!(sol.shape(), b.shape(), "{what}");
            let sol = sol.into_shape_with_order((n, k.max(1))).unwrap();
            close(&sol, &numbers(parts[1]), 1e-10, &format!("{what}: solve"));
            let inv = as2(linalg::inv(&x).unwrap().compute().unwrap());
            close(&inv, &numbers(parts[2]), 1e-10, &format!("{what}: inv"));
            let spd = a.t().dot(&a) + Array2::<f64>::eye(n);
            let z = Array::from_ndarray(spd.into_dyn(), grid.clone()).unwrap();
            let l = as2(linalg::cholesky(&z).unwrap().compute().unwrap());
            close(&l, &numbers(parts[3]), 1e-12, &format!("{what}: cholesky"));
            let (p, l, u) = linalg::lu(&x).unwrap();
            let p = as2(p.compute().unwrap());
            let want_p = Array2::from_shape_vec((n, n), numbers(parts[4])).unwrap();
            assert_eq!(p, want_p, "{what}: P");
            let l = as2(l.compute().unwrap());
            close(&l, &numbers(parts[5]), 1e-12, &format!("{what}: L"));
            assert!(
                max_abs(&l) <= 1.0,
                "{what}: partial pivoting keeps |L| <= 1"
            );
            close(
                &as2(u.compute().unwrap()),
                &numbers(parts[6]),
                1e-12,
                &format!("{what}: U"),
            );
            cases += 1;
        }
    }
    assert_eq!(cases, 10);
    // Diagonal tiles that are exactly singular in a nonsingular matrix (dask's lu fails here).
    let flip = Array2::<f64>::eye(6)
        .slice(ndarray::s![..;-1, ..])
        .to_owned();
    let x = Array::from_ndarray(flip.clone().into_dyn(), [3, 3]).unwrap();
    let (p, l, u) = linalg::lu(&x).unwrap();
    let plu = as2(p.matmul(&l).unwrap().matmul(&u).unwrap().compute().unwrap());
    assert_eq!(plu, flip);
    let inv = as2(linalg::inv(&x).unwrap().compute().unwrap());
    assert_eq!(inv, flip);
}

/// A contraction of two operands goes through `tensordot` (a product per pair of blocks), not
/// through a broadcast product whose blocks span every label's extent: the same graph.
#[test]
fn einsum_contracts_two_operands_by_tensordot() {
    let a = Array::<f64>::random(&[400, 300], [100, 100], 1).unwrap();
    let b = Array::<f64>::random(&[300, 200], [100, 100], 2).unwrap();
    let e = linalg::einsum("ij,jk->ki", &[&a, &b]).unwrap();
    let t = a.tensordot(&b, 1).unwrap().permuted_axes(&[1, 0]).unwrap();
    assert!(e.explain().contains("tensordot"), "{}", e.explain());
    assert_eq!(e.num_tasks(), t.num_tasks());
    // The very same sums, in the same order.
    assert_eq!(e.compute().unwrap(), t.compute().unwrap());
    // A batch label (in both operands and the output) takes the general path, and is right.
    let x = Array::<f64>::random(&[3, 4, 5], [1, 2, 5], 3).unwrap();
    let y = Array::<f64>::random(&[3, 5, 2], [1, 5, 2], 4).unwrap();
    let batch = linalg::einsum("bij,bjk->bik", &[&x, &y])
        .unwrap()
        .compute()
        .unwrap();
    let (x, y) = (x.compute().unwrap(), y.compute().unwrap());
    for k in 0..3 {
        let want = as2(x.index_axis(ndarray::Axis(0), k).to_owned())
            .dot(&as2(y.index_axis(ndarray::Axis(0), k).to_owned()));
        let got = as2(batch.index_axis(ndarray::Axis(0), k).to_owned());
        assert!(max_abs(&(got - want)) < 1e-12);
    }
}

#[test]
fn einsum_equals_numpys_on_a_table_of_subscripts() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/linalg/einsum.txt"),
    )
    .unwrap();
    let shape = |s: &str| -> Vec<usize> {
        let s = s.trim();
        if s.is_empty() {
            vec![]
        } else {
            s.split('x').map(|v| v.parse().unwrap()).collect()
        }
    };
    let mut cases = 0;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let parts: Vec<&str> = line.split(" ; ").collect();
        let subscripts = parts[0].trim();
        let shapes: Vec<Vec<usize>> = parts[1].split('|').map(shape).collect();
        let want_shape = shape(parts[2]);
        let want: Vec<f64> = parts.get(3).map_or(vec![], |v| {
            v.split_whitespace().map(|x| x.parse().unwrap()).collect()
        });
        // The script's operands: value ((7 p + 13 k) % 11 - 5) / 4 at row-major position p.
        let data: Vec<ArrayD<f64>> = shapes
            .iter()
            .enumerate()
            .map(|(k, sh)| {
                let n: usize = sh.iter().product();
                let v = (0..n)
                    .map(|p| ((7 * p + 13 * k) % 11) as f64 - 5.0)
                    .map(|v| v / 4.0);
                ArrayD::from_shape_vec(sh.clone(), v.collect()).unwrap()
            })
            .collect();
        for chunk in [1usize, 2, 4] {
            let arrays: Vec<Array<f64>> = data
                .iter()
                .map(|d| Array::from_ndarray(d.clone(), vec![chunk; d.ndim()]).unwrap())
                .collect();
            let refs: Vec<&Array<f64>> = arrays.iter().collect();
            let got = linalg::einsum(subscripts, &refs)
                .unwrap_or_else(|e| panic!("{subscripts}: {e}"))
                .compute()
                .unwrap();
            assert_eq!(got.shape(), want_shape.as_slice(), "{subscripts}");
            for (g, w) in got.iter().zip(&want) {
                assert!(
                    (g - w).abs() < 1e-12,
                    "{subscripts}, chunks {chunk}: {g} vs numpy {w}"
                );
            }
        }
        cases += 1;
    }
    assert!(cases >= 30, "{cases} cases");
    // Bad subscripts: clear errors.
    let a = Array::<f64>::zeros(&[2, 2], [1, 1]).unwrap();
    for bad in ["ij,jk->ik", "i->i", "ij->ii", "ij->k", "i.j", "ij->...."] {
        let e = linalg::einsum(bad, &[&a]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{bad}: {e}");
    }
}

#[test]
fn empty_matrices_factorise_to_empty_factors() {
    for (m, n) in [(0usize, 0usize), (5, 0), (0, 3)] {
        let a = Array::<f64>::zeros(&[m, n], [2, 2]).unwrap();
        let (q, r) = linalg::qr(&a).unwrap();
        let k = m.min(n);
        assert_eq!(q.compute().unwrap().shape(), &[m, k], "{m} x {n}");
        assert_eq!(r.compute().unwrap().shape(), &[k, n], "{m} x {n}");
        if m >= n {
            let (_, s, _) = linalg::svd(&a).unwrap();
            assert_eq!(s.compute().unwrap().len(), n);
            let b = Array::<f64>::ones(&[m], [2]).unwrap();
            let (x, res, rank, s) = linalg::lstsq(&a, &b).unwrap();
            assert_eq!(x.compute().unwrap().len(), n);
            assert_eq!(rank.compute_scalar().unwrap(), 0);
            assert_eq!(s.compute().unwrap().len(), n);
            // With no unknowns every residual is b's own: m ones squared.
            assert_eq!(res.compute().unwrap()[[0]], m as f64, "{m} x {n}");
        }
    }
}
