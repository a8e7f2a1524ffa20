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

use std::sync::{Mutex, PoisonError};

use ndarray::ArrayViewD;
use ndarray::Dimension as _;

use crate::chunks::Chunks;

/// The segments of the result, ordered block by block.
pub(crate) struct Segments<'a, T> {
    segs: Vec<&'a mut [T]>,
    /// `segs[start[b]..start[b + 1]]` belong to block `b`.
    start: Vec<usize>,
}

impl<'a, T> Segments<'a, T> {
    /// Cuts `flat` (row-major, of the shape of `chunks`) into the row segments of each block.
    pub(super) fn new(flat: &'a mut [T], chunks: &Chunks) -> Segments<'a, T> {
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
        let last = ndim - 1;
        let shape = chunks.shape();
        // Rows per block: the product of its sizes on every axis but the last.
        let mut start = Vec::with_capacity(nb + 1);
        start.push(0);
        for b in 0..nb {
            let s = chunks.block_shape(b);
            start.push(start[b] + s.slice()[..last].iter().product::<usize>());
        }
        let mut slots: Vec<Option<&'a mut [T]>> = (0..start[nb]).map(|_| None).collect();
        let last_sizes = &chunks.sizes()[last];
        // Odometer over the row coordinates, with the block holding each coordinate.
        let mut coord = vec![0usize; last];
        let mut block = vec![0usize; ndim];
        for row in flat.chunks_exact_mut(shape[last]) {
            // Position of this row inside its block, row-major over the block's leading axes.
            let mut local = 0;
            for k in 0..last {
                let s = chunks.starts(k);
                local = local * chunks.sizes()[k][block[k]] + (coord[k] - s[block[k]]);
            }
            let mut rest = row;
            for (j, &len) in last_sizes.iter().enumerate() {
                let (seg, tail) = rest.split_at_mut(len);
                rest = tail;
                block[last] = j;
                let b = chunks.linear_index(&block);
                slots[start[b] + local] = Some(seg);
            }
            for k in (0..last).rev() {
                coord[k] += 1;
                if coord[k] < shape[k] {
                    if coord[k] == chunks.starts(k)[block[k] + 1] {
                        block[k] += 1;
                    }
                    break;
                }
                coord[k] = 0;
                block[k] = 0;
            }
        }
        Segments {
            segs: slots
                .into_iter()
                .map(|s| s.expect("every row segment belongs to a block"))
                .collect(),
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
