//! A Gaussian filter (σ 3) of an 8192 x 8192 f64 image in blocks of 128 MiB (4096 x 4096,
//! dask's default chunk size) beside the same in 8 MiB blocks, the whole result kept in blocks
//! (`persist_with`), best of three.
//!
//! Blocks of 32 MiB or more are fresh mappings of the allocator every time, so every page of
//! every padded block and every filter pass is faulted in anew; chunkwise backs blocks of 4 MiB
//! or more, and results, with huge pages (`src/scheduler/alloc.rs`). Compare with the advice
//! off:
//!
//! ```sh
//! cargo run --release --example big_blocks
//! CHUNKWISE_HUGE_PAGES=0 cargo run --release --example big_blocks
//! ```

use std::time::Instant;

use chunkwise::{Array, Boundary, Scheduler, ndfilters};

fn main() -> chunkwise::Result<()> {
    let s = Scheduler::threads(2);
    let n = 8192;
    let img = ndarray::Array2::from_shape_fn((n, n), |(i, j)| ((i * 31 + j * 17) % 101) as f64);
    for block in [1024, 4096] {
        let x = Array::from_ndarray(img.clone(), [block, block])?;
        let y = ndfilters::gaussian_filter(&x, 3.0, Boundary::Reflect)?;
        let mut best = f64::INFINITY;
        for _ in 0..3 {
            let t = Instant::now();
            drop(y.persist_with(&s)?);
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!("{n}² in {block}² blocks: {:.1} ms", best * 1e3);
    }
    Ok(())
}
