//! A first tour: build a lazy chunked array, look at its plan, compute it in parallel.
//!
//! Run with `cargo run --release --example quickstart`.

use std::time::Instant;

use chunkwise::random::default_rng;
use chunkwise::{Array, Scheduler};

fn main() -> chunkwise::Result<()> {
    // 4000 x 4000 random values in 1000 x 1000 blocks: only a recipe so far.
    let x = Array::<f64>::random(&[4000, 4000], [1000, 1000], 42)?;
    let y = (&x * 2.0 + 1.0).map(f64::sqrt);
    println!("{y:?}");
    println!(
        "{} blocks, {} tasks after fusion (random, *, + and sqrt run as one task per block)",
        y.num_blocks(),
        y.num_tasks()
    );

    // Broadcasting with an array of another chunking: blocks are aligned on the fly.
    let row = Array::from_ndarray(ndarray::Array::linspace(0.0, 1.0, 4000), &[1500])?;
    // Normal noise from a numpy-style generator: the same values whatever the chunking.
    let noise = default_rng(7).normal(0.0, 0.01, &[4000, 4000], [500, 4000])?;
    let z = &y - &row + &noise;

    let pool = Scheduler::threads(0); // one worker per core
    let start = Instant::now();
    let result = z.compute_with(&pool)?;
    println!(
        "computed {:?} on {} threads in {:.1} ms; mean = {:.6}",
        result.shape(),
        pool.num_threads(),
        start.elapsed().as_secs_f64() * 1e3,
        result.mean().unwrap_or(f64::NAN)
    );

    // The same graph on the synchronous scheduler gives bit-identical results.
    let again = z.compute_with(&Scheduler::synchronous())?;
    assert_eq!(result, again);
    println!("synchronous scheduler agrees bit for bit");

    // A panic in a user closure is an error naming the block, not a crash.
    let bad = x.map_blocks_indexed(|idx, b| {
        if idx == [2, 3] {
            panic!("bad block");
        }
        b.to_owned()
    });
    match bad.compute_with(&pool) {
        Err(e) => println!("as expected: {e}"),
        Ok(_) => unreachable!(),
    }
    Ok(())
}
