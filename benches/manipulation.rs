//! Array manipulation and linear algebra on `threads(2)`, each beside its baselines in the same
//! run.
//!
//! - matmul of two 4096 x 4096 f64 matrices in 1024 x 1024 blocks, against ndarray's
//!   single-threaded `dot` (matrixmultiply) on the whole matrices, and against 1024-row bands
//!   multiplied in parallel with rayon. Target: at least 1.7x faster than the serial `dot`.
//! - rechunk of an 8192 x 8192 f64 array from (8192 x 64) to (64 x 8192) blocks, planned (at
//!   most 32 blocks per task, through square blocks) and direct (each row block gathers all 128
//!   column blocks), against a plain copy of the whole array (the memory traffic any rechunk
//!   must pay at least once).
//!   `cargo run --release --example rechunk` prints its task count and peak memory.
//! - transpose then `sum_axis(0)` of 8192 x 8192 in 1024 x 1024 blocks, against ndarray's
//!   `a.t().sum_axis(Axis(0))` and a rayon version.
//! - a strided slice `s![..;3, 1..;2]` of the same array, against ndarray's `slice(..).to_owned()`.
//! - `coarsen` by 2 x 2 x 2 with `Coarsen::Mean` of a 256^3 `u16` volume in 64^3 blocks (a
//!   pyramid level), against the same window means written by hand, serially and with rayon
//!   over output planes.
//!
//! - `blockwise("ij,jk->ik")` of two 2048 x 2048 f64 matrices in 512 x 512 blocks with a
//!   block matrix product (ndarray's `general_mat_mul`), the partial products added by
//!   `apply_combined`, and with the blocks along j concatenated (`apply`), against `matmul` on
//!   the same arrays. Target: within 10% of `matmul`.
//! - `apply_gufunc("(i)->()")` with a closure over core blocks (each row's sum of squares) on
//!   8192 x 1024 f64 in 512-row blocks, against the same closure in `map_blocks` with
//!   `drop_axis`. Target: within 10%.
//!
//! `cargo bench --bench manipulation`

use std::hint::black_box;

use chunkwise::{Array, Blockwise, MapBlocks, Scheduler, apply_gufunc};
use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::{Array2, Axis, s};
use rayon::prelude::*;

fn matrix(n: usize, seed: u64) -> Array2<f64> {
    Array2::from_shape_fn((n, n), |(i, j)| {
        ((i as u64 * 31 + j as u64 * 17 + seed) % 1000) as f64 * 1e-3
    })
}

fn matmul(c: &mut Criterion) {
    let pool = Scheduler::threads(2);
    let (a, b) = (matrix(4096, 1), matrix(4096, 2));
    let x = Array::from_ndarray(a.clone(), [1024, 1024]).unwrap();
    let y = Array::from_ndarray(b.clone(), [1024, 1024]).unwrap();
    let z = x.matmul(&y).unwrap();
    let mut g = c.benchmark_group("matmul_4096");
    g.sample_size(10);
    g.bench_function("chunkwise_1024_blocks_threads2", |bch| {
        bch.iter(|| black_box(z.compute_with(&pool).unwrap()))
    });
    g.bench_function("ndarray_dot_serial", |bch| {
        bch.iter(|| black_box(a.dot(&b)))
    });
    let rp = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    g.bench_function("rayon_row_bands_2threads", |bch| {
        // Each 1024-row band of the product is one ndarray dot, bands in parallel.
        bch.iter(|| {
            rp.install(|| {
                let bands: Vec<Array2<f64>> = (0..4)
                    .into_par_iter()
                    .map(|i| a.slice(s![i * 1024..(i + 1) * 1024, ..]).dot(&b))
                    .collect();
                black_box(bands)
            })
        })
    });
    g.finish();
}

fn rechunk(c: &mut Criterion) {
    let pool = Scheduler::threads(2);
    let a = matrix(8192, 3);
    let x = Array::from_ndarray(a.clone(), [8192, 64]).unwrap();
    let y = x.rechunk([64, 8192]).unwrap();
    let mut g = c.benchmark_group("rechunk_8192_cols_to_rows");
    g.sample_size(10);
    g.bench_function("chunkwise_threads2", |b| {
        b.iter(|| black_box(y.compute_with(&pool).unwrap()))
    });
    let direct = x.rechunk_with_fan_in([64, 8192], usize::MAX).unwrap();
    g.bench_function("chunkwise_direct_threads2", |b| {
        b.iter(|| black_box(direct.compute_with(&pool).unwrap()))
    });
    g.bench_function("ndarray_copy_serial", |b| {
        b.iter(|| black_box(a.to_owned()))
    });
    g.finish();
}

fn transpose_and_slice(c: &mut Criterion) {
    let pool = Scheduler::threads(2);
    let rp = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let a = matrix(8192, 4);
    let x = Array::from_ndarray(a.clone(), [1024, 1024]).unwrap();
    let ts = x.transpose().sum_axis(Axis(0)).unwrap();
    let mut g = c.benchmark_group("transpose_sum_axis0_8192");
    g.sample_size(10);
    g.bench_function("chunkwise_threads2", |b| {
        b.iter(|| black_box(ts.compute_with(&pool).unwrap()))
    });
    g.bench_function("ndarray_serial", |b| {
        b.iter(|| black_box(a.t().sum_axis(Axis(0))))
    });
    g.bench_function("rayon_rows_2threads", |b| {
        // a.t().sum_axis(0)[j] is the sum of row j of a.
        b.iter(|| {
            rp.install(|| {
                black_box(
                    a.outer_iter()
                        .into_par_iter()
                        .map(|r| r.sum())
                        .collect::<Vec<f64>>(),
                )
            })
        })
    });
    g.finish();

    let sl = x.slice(s![..;3, 1..;2]).unwrap();
    let mut g = c.benchmark_group("strided_slice_8192");
    g.sample_size(10);
    g.bench_function("chunkwise_threads2", |b| {
        b.iter(|| black_box(sl.compute_with(&pool).unwrap()))
    });
    g.bench_function("ndarray_serial", |b| {
        b.iter(|| black_box(a.slice(s![..;3, 1..;2]).to_owned()))
    });
    g.finish();
}

/// Each 2 x 2 x 2 window's mean, rounded: the hand-written version of one output plane.
fn mean_plane(v: &ndarray::Array3<u16>, i: usize, out: &mut ndarray::ArrayViewMut2<'_, u16>) {
    let (_, m, n) = out_dims(v);
    for j in 0..m {
        for k in 0..n {
            let mut sum = 0u32;
            for (a, b, c) in (0..8).map(|w| (w >> 2, (w >> 1) & 1, w & 1)) {
                sum += u32::from(v[[2 * i + a, 2 * j + b, 2 * k + c]]);
            }
            out[[j, k]] = (f64::from(sum) / 8.0).round() as u16;
        }
    }
}

fn out_dims(v: &ndarray::Array3<u16>) -> (usize, usize, usize) {
    let d = v.dim();
    (d.0 / 2, d.1 / 2, d.2 / 2)
}

fn coarsen(c: &mut Criterion) {
    let pool = Scheduler::threads(2);
    let v = ndarray::Array3::from_shape_fn((256, 256, 256), |(i, j, k)| {
        ((i * 7 + j * 13 + k * 3) % 4099) as u16
    });
    let x = Array::from_ndarray(v.clone(), [64, 64, 64]).unwrap();
    let y = x.coarsen(&[2, 2, 2], chunkwise::Coarsen::Mean).unwrap();
    let mut g = c.benchmark_group("coarsen_mean_2x2x2_256cubed_u16");
    g.sample_size(10);
    g.bench_function("chunkwise_64_blocks_threads2", |b| {
        b.iter(|| black_box(y.compute_with(&pool).unwrap()))
    });
    let (l, m, n) = out_dims(&v);
    g.bench_function("hand_written_serial", |b| {
        b.iter(|| {
            let mut out = ndarray::Array3::<u16>::zeros((l, m, n));
            for (i, mut plane) in out.axis_iter_mut(Axis(0)).enumerate() {
                mean_plane(&v, i, &mut plane);
            }
            black_box(out)
        })
    });
    g.bench_function("hand_written_rayon_2_threads", |b| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        b.iter(|| {
            let mut out = ndarray::Array3::<u16>::zeros((l, m, n));
            pool.install(|| {
                out.axis_iter_mut(Axis(0))
                    .into_par_iter()
                    .enumerate()
                    .for_each(|(i, mut plane)| mean_plane(&v, i, &mut plane));
            });
            black_box(out)
        })
    });
    g.finish();
}

/// The product of two 2-D blocks.
fn block_product(b: &[ndarray::ArrayViewD<'_, f64>]) -> ndarray::Array2<f64> {
    let x = b[0].view().into_dimensionality::<ndarray::Ix2>().unwrap();
    let y = b[1].view().into_dimensionality::<ndarray::Ix2>().unwrap();
    let mut out = Array2::<f64>::zeros((x.nrows(), y.ncols()));
    ndarray::linalg::general_mat_mul(1.0, &x, &y, 0.0, &mut out);
    out
}

fn blockwise(c: &mut Criterion) {
    let pool = Scheduler::threads(2);
    let x = Array::from_ndarray(matrix(2048, 1), [512, 512]).unwrap();
    let y = Array::from_ndarray(matrix(2048, 2), [512, 512]).unwrap();
    let product = x.matmul(&y).unwrap();
    let combined = Blockwise::new("ij,jk->ik")
        .apply_combined(block_product, |acc, part| *acc += &part, &[&x, &y])
        .unwrap();
    let concatenated = Blockwise::new("ij,jk->ik")
        .apply(block_product, &[&x, &y])
        .unwrap();
    let mut g = c.benchmark_group("blockwise_matmul_2048");
    g.sample_size(10);
    g.bench_function("blockwise_combined_threads2", |bch| {
        bch.iter(|| black_box(combined.compute_with(&pool).unwrap()))
    });
    g.bench_function("blockwise_concatenated_threads2", |bch| {
        bch.iter(|| black_box(concatenated.compute_with(&pool).unwrap()))
    });
    g.bench_function("matmul_threads2", |bch| {
        bch.iter(|| black_box(product.compute_with(&pool).unwrap()))
    });
    g.finish();

    let x = Array::from_ndarray(matrix(8192, 3).slice_move(s![.., ..1024]), [512, 1024]).unwrap();
    let squares = |b: &[ndarray::ArrayViewD<'_, f64>]| b[0].map_axis(Axis(1), |r| r.dot(&r));
    let gufunc = apply_gufunc("(i)->()", squares, &[&x]).unwrap();
    let mapped = MapBlocks::new()
        .drop_axis(&[1])
        .apply(squares, &[&x])
        .unwrap();
    let mut g = c.benchmark_group("apply_gufunc_row_norms");
    g.bench_function("apply_gufunc_threads2", |bch| {
        bch.iter(|| black_box(gufunc.compute_with(&pool).unwrap()))
    });
    g.bench_function("map_blocks_drop_axis_threads2", |bch| {
        bch.iter(|| black_box(mapped.compute_with(&pool).unwrap()))
    });
    g.finish();
}

criterion_group!(
    benches,
    matmul,
    rechunk,
    transpose_and_slice,
    coarsen,
    blockwise
);
criterion_main!(benches);
