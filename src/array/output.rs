//! Writing finished blocks straight into the result array, in parallel, without `unsafe`.
//!
//! The result is one contiguous row-major buffer. Each block owns a set of disjoint pieces of it,
//! one per row of the block (a run along the last axis):
//!
//! ```text
//!   result, 4 x 6, blocks of 2 x 3        block [0, 1] owns the segments
//!   ┌─────────┬─────────┐                 row 0: [3..6)
//!   │ a a a   │ b b b   │  row 0          row 1: [9..12)
//!   │ a a a   │ b b b   │  row 1
//!   ├─────────┼─────────┤                 Splitting the buffer into these `&mut [T]`
//!   │ c c c   │ d d d   │  row 2          segments once, up front, lets every block
//!   │ c c c   │ d d d   │  row 3          task write its own rows with no lock held.
//!   └─────────┴─────────┘
//! ```

use std::ops::Range;
use std::sync::{Mutex, PoisonError};

use ndarray::ArrayViewD;

use crate::chunks::Chunks;
use crate::scheduler::Planner;

/// The segments of the result, ordered block by block.
pub(crate) struct Segments<'a, T> {
    segs: Vec<&'a mut [T]>,
    /// `segs[start[b]..start[b + 1]]` belong to block `b`.
    start: Vec<usize>,
}

impl<'a, T: Send> Segments<'a, T> {
    /// Cuts `flat` (row-major, of the shape of `chunks`) into the row segments of each block.
    ///
    /// The blocks of one index along the first axis hold one contiguous slab of `flat` and a
    /// contiguous range of block numbers, so slabs are cut independently: in ranges of slabs
    /// split by `planner`, in parallel on a scheduler's pool.
    pub(super) fn new(flat: &'a mut [T], chunks: &Chunks, planner: Planner) -> Segments<'a, T> {
        /// Row segments per range of slabs when cutting in parallel.
        const GRAIN: usize = 16384;
        let nb = chunks.num_blocks();
        let ndim = chunks.ndim();
        if flat.is_empty() {
            return Segments {
                segs: Vec::new(),
                start: vec![0; nb + 1],
            };
        }
        if ndim == 0 {
            return Segments {
                segs: vec![flat],
                start: vec![0, 1],
            };
        }
        let start = row_starts(chunks);
        let grid0 = chunks.grid_shape()[0];
        let per_slab = nb / grid0; // blocks per index along the first axis
        // Ranges of slabs with about equal numbers of segments.
        let first_slab_from = |segment: usize| {
            let (mut lo, mut hi) = (0, grid0);
            while lo < hi {
                let mid = (lo + hi) / 2;
                if start[mid * per_slab] < segment {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            lo
        };
        let mut bounds = planner.map_ranges(start[nb], GRAIN, |r| first_slab_from(r.start));
        bounds.push(grid0);
        let slab_len = chunks.shape()[1..].iter().product::<usize>();
        let mut pieces = Vec::with_capacity(bounds.len() - 1);
        let mut rest = flat;
        for g in bounds.windows(2) {
            let len = (chunks.starts(0)[g[1]] - chunks.starts(0)[g[0]]) * slab_len;
            let (head, tail) = rest.split_at_mut(len);
            pieces.push((g[0]..g[1], head));
            rest = tail;
        }
        let cut = planner.map_each(pieces, |(g, slab)| cut_slabs(slab, chunks, g, &start));
        Segments {
            segs: cut.into_iter().flatten().collect(),
            start,
        }
    }

    /// One slot per block, from which that block's task takes its segments.
    pub(super) fn per_block(&mut self) -> Vec<Mutex<Option<&mut [&'a mut [T]]>>> {
        let mut out = Vec::with_capacity(self.start.len() - 1);
        let mut rest = &mut self.segs[..];
        for w in self.start.windows(2) {
            let (head, tail) = rest.split_at_mut(w[1] - w[0]);
            out.push(Mutex::new(Some(head)));
            rest = tail;
        }
        out
    }
}

/// The number of row segments before each block (rows of the block: the product of its sizes
/// on every axis but the last), in block order, with the total at the end.
fn row_starts(chunks: &Chunks) -> Vec<usize> {
    let last = chunks.ndim() - 1;
    let mut rows = vec![1usize];
    for sizes in &chunks.sizes()[..last] {
        rows = rows
            .iter()
            .flat_map(|&r| sizes.iter().map(move |&s| r * s))
            .collect();
    }
    let per_row = chunks.grid_shape()[last];
    let mut start = Vec::with_capacity(rows.len() * per_row + 1);
    let mut acc = 0;
    start.push(acc);
    for r in rows {
        for _ in 0..per_row {
            acc += r;
            start.push(acc);
        }
    }
    start
}

/// The row segments of the blocks whose index on the first axis is in `slabs`, in block order,
/// cut from `flat`: the elements of those blocks' range of the first axis.
fn cut_slabs<'a, T>(
    flat: &'a mut [T],
    chunks: &Chunks,
    slabs: Range<usize>,
    start: &[usize],
) -> Vec<&'a mut [T]> {
    let last = chunks.ndim() - 1;
    let last_sizes = &chunks.sizes()[last];
    let mut rest = flat;
    if last == 0 {
        // One segment per block.
        return last_sizes[slabs]
            .iter()
            .map(|&len| {
                let (seg, tail) = std::mem::take(&mut rest).split_at_mut(len);
                rest = tail;
                seg
            })
            .collect();
    }
    let grid = chunks.grid_shape();
    let per_slab: usize = grid[1..].iter().product();
    let base = start[slabs.start * per_slab];
    let mut slots: Vec<Option<&'a mut [T]>> =
        (base..start[slabs.end * per_slab]).map(|_| None).collect();
    let shape = chunks.shape();
    // Odometer over the row coordinates (every axis but the last), with the block holding
    // each; `settle` moves a block index past blocks of size 0.
    let settle = |k: usize, coord: &[usize], block: &mut [usize]| {
        while coord[k] >= chunks.starts(k)[block[k] + 1] {
            block[k] += 1;
        }
    };
    let mut coord = vec![0usize; last];
    let mut block = vec![0usize; last];
    coord[0] = chunks.starts(0)[slabs.start];
    block[0] = slabs.start;
    for k in 0..last {
        if coord[k] < shape[k] {
            settle(k, &coord, &mut block);
        }
    }
    for row in rest.chunks_exact_mut(shape[last]) {
        // This row's place among its block's rows, and the block's number on the leading axes.
        let (mut local, mut lead) = (0, 0);
        for k in 0..last {
            local = local * chunks.sizes()[k][block[k]] + (coord[k] - chunks.starts(k)[block[k]]);
            lead = lead * grid[k] + block[k];
        }
        let mut row = row;
        for (j, &len) in last_sizes.iter().enumerate() {
            let (seg, tail) = row.split_at_mut(len);
            row = tail;
            slots[start[lead * grid[last] + j] + local - base] = Some(seg);
        }
        for k in (0..last).rev() {
            coord[k] += 1;
            if coord[k] < shape[k] {
                settle(k, &coord, &mut block);
                break;
            }
            if k == 0 {
                break; // the last row
            }
            coord[k] = 0;
            block[k] = 0;
            settle(k, &coord, &mut block);
        }
    }
    slots
        .into_iter()
        .map(|s| s.expect("every row segment belongs to a block"))
        .collect()
}

/// A block's row segments, taken from its slot (once).
pub(crate) type Rows<'s, 'a, T> = &'s mut [&'a mut [T]];

/// Takes block's row segments out of its slot; each block is written once.
pub(super) fn take_rows<'s, 'a, T>(slot: &Mutex<Option<Rows<'s, 'a, T>>>) -> Rows<'s, 'a, T> {
    slot.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take()
        .expect("each block is written once")
}

/// Writes `f` of each element of `block` into its row segments `rows`.
pub(crate) fn write_rows<T, U>(
    block: ArrayViewD<'_, T>,
    rows: &mut [&mut [U]],
    f: impl Fn(&T) -> U,
) {
    if block.ndim() == 0 {
        if let (Some(seg), Some(v)) = (rows.first_mut(), block.first()) {
            seg[0] = f(v);
        }
        return;
    }
    for (seg, row) in rows.iter_mut().zip(block.rows()) {
        match row.as_slice() {
            Some(src) => seg.iter_mut().zip(src).for_each(|(d, s)| *d = f(s)),
            None => seg.iter_mut().zip(row).for_each(|(d, s)| *d = f(s)),
        }
    }
}

/// Writes `f` of each pair of elements of `a` and `b` (of the same shape) into `rows`.
pub(crate) fn write_rows2<A, B, U>(
    a: ArrayViewD<'_, A>,
    b: ArrayViewD<'_, B>,
    rows: &mut [&mut [U]],
    f: impl Fn(&A, &B) -> U,
) {
    if a.ndim() == 0 {
        if let (Some(seg), Some(x), Some(y)) = (rows.first_mut(), a.first(), b.first()) {
            seg[0] = f(x, y);
        }
        return;
    }
    for (seg, (ra, rb)) in rows.iter_mut().zip(a.rows().into_iter().zip(b.rows())) {
        match (ra.as_slice(), rb.as_slice()) {
            (Some(sa), Some(sb)) => {
                for ((d, x), y) in seg.iter_mut().zip(sa).zip(sb) {
                    *d = f(x, y);
                }
            }
            _ => {
                for ((d, x), y) in seg.iter_mut().zip(ra).zip(rb) {
                    *d = f(x, y);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::Scheduler;

    /// Every block's segments are its rows, in order, at their place in the result: checked
    /// element offset by element offset, cut serially and in parallel ranges of slabs.
    #[test]
    fn segments_are_each_blocks_rows_serial_and_parallel() {
        let cases: Vec<(Vec<usize>, Vec<Vec<usize>>)> = vec![
            (vec![70_000], vec![vec![1; 70_000]]),
            (vec![300, 500], vec![vec![7; 300 / 7 + 1], vec![1; 500]]),
            (
                vec![40, 30, 50],
                vec![
                    vec![3, 0, 0, 17, 20],
                    vec![1; 30],
                    [vec![0], vec![1; 49], vec![0, 1]].concat(),
                ],
            ),
            (vec![5, 0, 3], vec![vec![2, 3], vec![0], vec![3]]),
        ];
        for (shape, mut sizes) in cases {
            // Trim the regular sizes to the shape.
            for (s, &len) in sizes.iter_mut().zip(&shape) {
                let total: usize = s.iter().sum();
                if total > len {
                    let last = s.len() - 1;
                    s[last] -= total - len;
                }
            }
            let chunks = Chunks::new(&shape, sizes).unwrap();
            let n: usize = shape.iter().product();
            for scheduler in [Scheduler::synchronous(), Scheduler::threads(4)] {
                let mut flat = vec![0u8; n];
                let base = flat.as_ptr() as usize;
                let segments = scheduler.plan(|p| Segments::new(&mut flat, &chunks, p));
                assert_eq!(segments.start.len(), chunks.num_blocks() + 1);
                for b in 0..chunks.num_blocks() {
                    let idx = chunks.grid_index(b);
                    let block = chunks.block_shape(b);
                    let rows = &segments.segs[segments.start[b]..segments.start[b + 1]];
                    let last = shape.len() - 1;
                    let lead: usize = (0..last).map(|k| block[k]).product();
                    assert_eq!(rows.len(), if n == 0 { 0 } else { lead }, "block {b}");
                    for (r, seg) in rows.iter().enumerate() {
                        // The row's coordinates in the result, then its flat offset.
                        let (mut rem, mut offset) = (r, 0);
                        let mut coord = vec![0; last];
                        for k in (0..last).rev() {
                            coord[k] = rem % block[k] + chunks.starts(k)[idx[k]];
                            rem /= block[k];
                        }
                        for k in 0..last {
                            offset = offset * shape[k] + coord[k];
                        }
                        offset = offset * shape[last] + chunks.starts(last)[idx[last]];
                        assert_eq!(seg.as_ptr() as usize - base, offset, "block {b} row {r}");
                        assert_eq!(seg.len(), block[last]);
                    }
                }
            }
        }
    }
}
