//! Rechunk planning: intermediate chunkings between two very different ones.
//!
//! A direct rechunk from rows to columns makes every output block gather a piece of every input
//! block: `(8192 × 64) → (64 × 8192)` blocks is 128 outputs of 128 pieces each, and dask's issue
//! 417 (`(1, 100) → (100, 1)`) made 10,000 piece tasks. Going through chunk sizes between the two,
//! geometrically interpolated per axis, bounds the pieces each task gathers:
//!
//! ```text
//!   (1, 100) ──► (10, 10) ──► (100, 1)      each step: a task gathers at most ~10 pieces
//!   step s of S:  size = old^(1 - s/S) · new^(s/S) on every axis, rounded to a multiple of
//!                 the smaller of the two so that pieces line up
//! ```
//!
//! The number of steps is the smallest that keeps every step's fan-in (input blocks read by one
//! output block) within [`MAX_FAN_IN`]. Each intermediate block is no larger than the larger of
//! an old and a new block on each axis, so memory stays bounded too.

use super::{Chunks, regular_sizes};

/// The most input blocks one task of a rechunk gathers by default (when a plan of at most
/// [`MAX_STEPS`] steps can keep to it).
pub(crate) const MAX_FAN_IN: usize = 32;
/// The most rechunk steps a plan takes.
pub(crate) const MAX_STEPS: usize = 6;

/// The most blocks of `old` along `axis` that one block of `new` overlaps.
fn axis_fan_in(old: &Chunks, new: &Chunks, axis: usize) -> usize {
    new.starts(axis)
        .windows(2)
        .filter(|w| w[1] > w[0])
        .map(|w| old.locate(axis, w[1] - 1) - old.locate(axis, w[0]) + 1)
        .max()
        .unwrap_or(1)
}

/// The most blocks of `old` that one block of `new` reads.
pub(crate) fn fan_in(old: &Chunks, new: &Chunks) -> usize {
    (0..old.ndim()).map(|a| axis_fan_in(old, new, a)).product()
}

/// The chunkings to rechunk through, in order, ending with `new`, each step gathering at most
/// `max_fan_in` blocks where [`MAX_STEPS`] steps can.
pub(crate) fn plan_rechunk(old: &Chunks, new: &Chunks, max_fan_in: usize) -> Vec<Chunks> {
    if old.shape().contains(&0) || fan_in(old, new) <= max_fan_in {
        return vec![new.clone()];
    }
    let worst = |plan: &[Chunks]| {
        std::iter::once(old)
            .chain(plan)
            .zip(plan)
            .map(|(a, b)| fan_in(a, b))
            .max()
            .expect("a plan has a step")
    };
    let mut best: Option<(usize, Vec<Chunks>)> = None;
    let mut consider = |plan: Vec<Chunks>| {
        let w = worst(&plan);
        if best.as_ref().is_none_or(|(b, _)| w < *b) {
            best = Some((w, plan));
        }
        w <= max_fan_in
    };
    for steps in 2..=MAX_STEPS {
        let mut plan: Vec<Chunks> = (1..steps)
            .map(|s| interpolate(old, new, s as f64 / steps as f64))
            .collect();
        plan.push(new.clone());
        if consider(plan.clone()) {
            break;
        }
        // Geometric steps can miss where irregular last blocks do not line up: a step that
        // reads too many blocks is split into one step per axis, each reading along one axis.
        let mut split = Vec::new();
        let mut from = old;
        for step in &plan {
            if fan_in(from, step) > max_fan_in {
                split.extend(one_axis_at_a_time(from, step));
            } else {
                split.push(step.clone());
            }
            from = step;
        }
        if split.len() <= MAX_STEPS && consider(split) {
            break;
        }
    }
    best.expect("at least one plan was tried").1
}

/// The chunkings from `from` to `to` changing one axis at a time.
fn one_axis_at_a_time(from: &Chunks, to: &Chunks) -> Vec<Chunks> {
    let mut sizes = from.sizes().to_vec();
    (0..from.ndim())
        .filter(|&a| from.sizes()[a] != to.sizes()[a])
        .map(|a| {
            sizes[a] = to.sizes()[a].clone();
            Chunks::from_valid(from.shape().to_vec(), sizes.clone())
        })
        .collect()
}

/// Chunks a fraction `t` of the way from `old` to `new`, geometrically, per axis.
fn interpolate(old: &Chunks, new: &Chunks, t: f64) -> Chunks {
    let sizes = (0..old.ndim())
        .map(|a| {
            if old.sizes()[a] == new.sizes()[a] {
                return old.sizes()[a].clone();
            }
            let len = old.shape()[a];
            let mean = |c: &Chunks| len as f64 / c.grid_shape()[a] as f64;
            let (o, n) = (mean(old), mean(new));
            let size = (o.ln() * (1.0 - t) + n.ln() * t).exp();
            // A multiple of the smaller size, so that the pieces of that side line up.
            let unit = o.min(n).round().max(1.0);
            let size = ((size / unit).round().max(1.0) * unit) as usize;
            regular_sizes(len, size.clamp(1, len))
        })
        .collect();
    Chunks::from_valid(old.shape().to_vec(), sizes)
}
