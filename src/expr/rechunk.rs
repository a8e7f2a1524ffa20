//! Rechunking: the same array cut into other blocks.
//!
//! Each output block gathers the pieces of the input blocks it overlaps:
//!
//! ```text
//!   input  |  a  |  b  |  c  |        output block [3, 8) reads
//!          0     3     6     9        a? no; b[0..3) and c[0..2)
//!   output |     |        |  |
//!          0     3        8  9
//! ```
//!
//! An output block inside one input block is a view of it (no copy); one that straddles several
//! is assembled with one copy.

use std::marker::PhantomData;
use std::ops::Range;

use ndarray::{ArrayD, Slice};

use super::block::{Element, block_of, owned, region};
use super::{BlockRef, Node, NodeRef, Props};
use crate::chunks::{Chunks, for_each_combination};
use crate::error::Result;
use crate::scheduler::Value;

pub(crate) struct Rechunk<T> {
    props: Props,
    _t: PhantomData<fn() -> T>,
}

/// The part of one input block that an output block takes, on one axis.
struct Piece {
    block: usize,
    /// Range within the input block.
    from: Range<usize>,
    /// Range within the output block.
    to: Range<usize>,
}

impl<T: Element> Rechunk<T> {
    pub(crate) fn new(input: NodeRef, chunks: Chunks) -> Self {
        Rechunk {
            props: Props::new::<T>("rechunk", chunks, vec![input]),
            _t: PhantomData,
        }
    }

    /// Per axis, the input pieces that make output block `block`.
    fn pieces(&self, block: usize) -> Vec<Vec<Piece>> {
        let src = self.props.inputs[0].chunks();
        self.props
            .chunks
            .block_ranges(block)
            .into_iter()
            .enumerate()
            .map(|(axis, r)| axis_pieces(src, axis, r))
            .collect()
    }
}

fn axis_pieces(src: &Chunks, axis: usize, r: Range<usize>) -> Vec<Piece> {
    let starts = src.starts(axis);
    let len = *starts.last().expect("starts has at least one entry");
    if r.is_empty() {
        // An empty range still reads one (possibly empty) block, to keep the grid simple.
        let b = if r.start < len {
            src.locate(axis, r.start)
        } else {
            starts.len() - 2
        };
        let at = r.start - starts[b];
        return vec![Piece {
            block: b,
            from: at..at,
            to: 0..0,
        }];
    }
    let mut out = Vec::new();
    let mut b = src.locate(axis, r.start);
    let mut pos = r.start;
    while pos < r.end {
        let end = starts[b + 1].min(r.end);
        if end > pos {
            out.push(Piece {
                block: b,
                from: pos - starts[b]..end - starts[b],
                to: pos - r.start..end - r.start,
            });
        }
        pos = end;
        b += 1;
    }
    out
}

impl<T: Element> Node for Rechunk<T> {
    fn props(&self) -> &Props {
        &self.props
    }
    fn block_inputs(&self, block: usize, deps: &mut Vec<BlockRef>) {
        let src = self.props.inputs[0].chunks();
        let mut grid = vec![0; src.ndim()];
        for_each_combination(&self.pieces(block), |ps| {
            for (g, p) in grid.iter_mut().zip(ps) {
                *g = p.block;
            }
            deps.push(BlockRef {
                input: 0,
                block: src.linear_index(&grid),
            });
        });
    }
    fn compute(&self, block: usize, inputs: &mut Vec<Value>) -> Result<Value> {
        let pieces = self.pieces(block);
        if inputs.len() == 1 {
            let from = pieces.iter().map(|p| p[0].from.clone()).collect();
            return Ok(region::<T>(&inputs[0], from));
        }
        let mut out = ArrayD::from_elem(self.props.chunks.block_shape(block), T::default());
        let mut values = inputs.iter();
        for_each_combination(&pieces, |ps| {
            let v = values.next().expect("one input per piece");
            let src = block_of::<T>(v).view();
            let src = src.slice_each_axis(|ax| Slice::from(ps[ax.axis.index()].from.clone()));
            out.slice_each_axis_mut(|ax| Slice::from(ps[ax.axis.index()].to.clone()))
                .assign(&src);
        });
        Ok(owned(out))
    }
}
