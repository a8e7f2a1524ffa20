//! Where does the time go? The image-filter pipeline (a Gaussian blur of a 4096 x 4096 image in
//! 1024 x 1024 blocks, then per-column means) with a progress bar, the plan, a summary of the
//! profile and a Chrome trace.
//!
//! ```sh
//! cargo run --release --example profile                  # writes chunkwise-trace.json
//! cargo run --release --example profile -- trace.json    # or there
//! ```
//!
//! Open the trace in <https://ui.perfetto.dev> (drag the file in) or in `chrome://tracing`: one
//! track per worker, one box per task, named by operation and block. `dot -Tsvg plan.dot` draws
//! the task graph that `Array::to_dot` writes.

use chunkwise::{Array, Boundary, Scheduler, ndfilters};
use ndarray::Axis;

fn main() -> chunkwise::Result<()> {
    let trace = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "chunkwise-trace.json".to_string());
    let image = Array::<f64>::random(&[4096, 4096], [1024, 1024], 42)?;
    let blurred = ndfilters::gaussian_filter(&image, 3.0, Boundary::Reflect)?;
    let column_means = blurred.mean_axis(Axis(0))?;

    println!("The plan:\n{}", column_means.explain());
    // A progress bar on stderr (shown on a terminal, for computes longer than a second).
    let scheduler = Scheduler::threads(2).with_progress();
    let (means, profile) = column_means.compute_profiled(&scheduler)?;
    println!(
        "mean of the column means: {:.4}\n",
        means.mean().unwrap_or(f64::NAN)
    );
    println!("{}\n", profile.summary());
    profile.write_chrome_trace(&trace)?;
    println!(
        "{} tasks written to {trace}: open it in https://ui.perfetto.dev or chrome://tracing",
        profile.tasks().len()
    );
    Ok(())
}
