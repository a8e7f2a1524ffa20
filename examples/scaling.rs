//! Strong scaling of the two foundation workloads over 1, 2, 4, ... threads, each beside a
//! hand-written rayon version on the same number of threads.
//!
//! - overhead: 1,000,000 one-element blocks, `+ 1.0`, graph building included (µs per block);
//! - elementwise: `sqrt(x*x + 1)` over 50,000,000 f64 in blocks of 1,000,000;
//! - reduction: `sum(sqrt(x*x + 1))` on the same data, fused, beside rayon's `par_iter` sum;
//! - ghost cells: `gaussian_filter` (sigma 3) of a 4096 x 4096 image in 512 x 512 blocks.
//!
//! `cargo run --release --example scaling -- 16` (the largest thread count; default: the cores).

use std::hint::black_box;
use std::time::Instant;

use chunkwise::{Array, Boundary, Scheduler, ndfilters};
use ndarray::{Array1, Zip};
use rayon::prelude::*;

fn best_of<R>(reps: usize, mut f: impl FnMut() -> R) -> f64 {
    (0..reps)
        .map(|_| {
            let t = Instant::now();
            black_box(f());
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() -> chunkwise::Result<()> {
    let max: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let small = Array1::<f64>::zeros(1_000_000);
    let data = Array1::from_shape_fn(50_000_000, |i| (i % 1000) as f64 * 1e-3);
    let x = Array::from_ndarray(data.clone(), [1_000_000])?;
    let closure = x.map(|v| (v * v + 1.0).sqrt());
    let chain = (&x * &x + 1.0).map(f64::sqrt);
    let total = x.map(|v| (v * v + 1.0).sqrt()).sum();
    let image =
        ndarray::Array2::from_shape_fn((4096, 4096), |(i, j)| ((i * 31 + j * 17) % 101) as f64);
    let img = Array::from_ndarray(image, [512, 512])?;
    let blurred = ndfilters::gaussian_filter(&img, 3.0, Boundary::Reflect)?;
    println!(
        "threads | overhead µs/blk  rayon spawn µs |    map ms  chain ms  rayon ms map/rayon |   sum ms rayon ms | gauss ms"
    );
    let mut threads = 1;
    while threads <= max {
        let pool = Scheduler::threads(threads);
        let rp = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let overhead = best_of(3, || {
            let a = Array::from_ndarray(small.clone(), [1]).unwrap();
            (&a + 1.0).compute_with(&pool).unwrap()
        }); // seconds for 1e6 blocks = µs per block
        let spawn = best_of(3, || {
            rp.scope(|s| {
                for i in 0..1_000_000 {
                    s.spawn(move |_| {
                        black_box(i);
                    });
                }
            })
        });
        let map = best_of(5, || closure.compute_with(&pool).unwrap());
        let ch = best_of(5, || chain.compute_with(&pool).unwrap());
        let r = best_of(5, || {
            rp.install(|| Zip::from(&data).par_map_collect(|&v| (v * v + 1.0).sqrt()))
        });
        let sum = best_of(5, || total.compute_with(&pool).unwrap());
        let slice = data.as_slice().expect("contiguous");
        let rsum = best_of(5, || {
            rp.install(|| slice.par_iter().map(|v| (v * v + 1.0).sqrt()).sum::<f64>())
        });
        let gauss = best_of(3, || blurred.compute_with(&pool).unwrap());
        println!(
            "{threads:>7} | {overhead:>15.3} {:>15.3} | {:>9.1} {:>9.1} {:>9.1} {:>9.2} | {:>8.1} {:>8.1} | {:>8.1}",
            spawn,
            map * 1e3,
            ch * 1e3,
            r * 1e3,
            r / map,
            sum * 1e3,
            rsum * 1e3,
            gauss * 1e3
        );
        threads *= 2;
    }
    Ok(())
}
