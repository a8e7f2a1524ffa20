//! Reshape geometry: which input chunks let each output block be one input block, reshaped.
//!
//! Row-major reshapes split the axes into groups whose lengths multiply to the same number on
//! both sides (`(6, 4, 5) → (24, 5)`: groups `{6, 4} → {24}` and `{5} → {5}`). Inside a
//! group, the elements of the flat range it covers are in the same order on both sides, so a
//! block maps to a block when, on each side, only the group's first axis is cut and the cuts
//! fall at the same flat positions:
//!
//! ```text
//!   input  (6, 4) cut 2 rows at a time:  flat  [0, 8) [8, 16) [16, 24)
//!   output (24,)  cut 8 at a time:       flat  [0, 8) [8, 16) [16, 24)
//! ```
//!
//! When the input is not cut that way it is rechunked first: the group's other axes whole, its
//! first axis cut at multiples that line up, keeping about as many elements per block.

use super::{Chunks, regular_sizes};

/// How to reshape an array with non-zero size: the input chunks it needs, the output chunks,
/// and, for each input axis, the output axis whose block index it takes (or `None`: block 0).
pub(crate) struct ReshapePlan {
    pub(crate) input: Chunks,
    pub(crate) output: Chunks,
    pub(crate) follows: Vec<Option<usize>>,
}

/// Plans a row-major reshape of `old` (whose shape has as many elements as `to`, at least one).
pub(crate) fn plan_reshape(old: &Chunks, to: &[usize]) -> ReshapePlan {
    let from = old.shape();
    let mut in_sizes: Vec<Vec<usize>> = from.iter().map(|&n| vec![n]).collect();
    let mut out_sizes: Vec<Vec<usize>> = to.iter().map(|&n| vec![n]).collect();
    let mut follows = vec![None; from.len()];
    let (mut i, mut j) = (0, 0);
    while i < from.len() || j < to.len() {
        // Axes of length 1 make groups of their own, with nothing on the other side.
        if i < from.len() && from[i] == 1 {
            i += 1;
            continue;
        }
        if j < to.len() && to[j] == 1 {
            j += 1;
            continue;
        }
        let (i0, j0) = (i, j);
        let (mut pi, mut pj) = (from[i], to[j]);
        i += 1;
        j += 1;
        while pi != pj {
            if pi < pj {
                pi *= from[i];
                i += 1;
            } else {
                pj *= to[j];
                j += 1;
            }
        }
        let r_in: usize = from[i0 + 1..i].iter().product();
        let r_out: usize = to[j0 + 1..j].iter().product();
        let whole_rest = (i0 + 1..i).all(|a| old.sizes()[a].len() == 1);
        let first = &old.sizes()[i0];
        let cuts = if whole_rest && first.iter().all(|c| (c * r_in).is_multiple_of(r_out)) {
            first.clone()
        } else {
            // Smallest first-axis cut that lines up, and a block about as big as before.
            let unit = r_out / gcd(r_in, r_out);
            let before: usize = (i0..i)
                .map(|a| old.sizes()[a].iter().copied().max().unwrap_or(1))
                .product();
            regular_sizes(from[i0], (before / r_in / unit).max(1) * unit)
        };
        out_sizes[j0] = cuts.iter().map(|c| c * r_in / r_out).collect();
        in_sizes[i0] = cuts;
        follows[i0] = Some(j0);
    }
    ReshapePlan {
        input: Chunks::from_valid(from.to_vec(), in_sizes),
        output: Chunks::from_valid(to.to_vec(), out_sizes),
        follows,
    }
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}
