//! Cumulative operations along an axis: each block is scanned on its own, and a chain of carries
//! (the running total of all earlier blocks along the axis) is added to it.
//!
//! ```text
//!   axis ──►   block 0          block 1            block 2
//!   local      scan(b0)         scan(b1)           scan(b2)
//!   carry      0 ──► last(b0) ─────► + last(b1) ──────►        (one task per block, chained)
//!   result     local0 + 0       local1 + carry1    local2 + carry2
//! ```
//!
//! A carry block reads only the previous carry and the previous local block, so the blocks
//! alive at once stay few along any axis.

use ndarray::{ArrayD, Axis, Zip};

use super::block::{Element, block_of, owned};
use super::{BlockRef, Node, NodeRef, Props, SELF};
use crate::chunks::Chunks;
use crate::error::Result;
use crate::scheduler::Value;

/// The carry into each block: `op` of the last cells of every earlier block along `axis`.
pub(crate) struct ScanCarry<T> {
    props: Props,
    axis: usize,
    identity: T,
    op: fn(T, T) -> T,
}

impl<T: Element + Copy> ScanCarry<T> {
    pub(crate) fn new(local: NodeRef, axis: usize, identity: T, op: fn(T, T) -> T) -> Self {
        let c = local.chunks();
        let sizes: Vec<Vec<usize>> = c
            .sizes()
            .iter()
            .enumerate()
            .map(|(k, s)| {
                if k == axis {
                    vec![1; s.len()]
                } else {
                    s.clone()
                }
            })
            .collect();
        let shape = sizes.iter().map(|s| s.iter().sum()).collect();
        ScanCarry {
            props: Props::new::<T>("scan_carry", Chunks::from_valid(shape, sizes), vec![local])
                .chained(),
            axis,
            identity,
            op,
        }
    }
}

impl<T: Element + Copy> Node for ScanCarry<T> {
    fn props(&self) -> &Props {
        &self.props
    }
    fn block_inputs(&self, block: usize, deps: &mut Vec<BlockRef>) {
        let mut idx = self.props.chunks.grid_index(block);
        if idx[self.axis] == 0 {
            return;
        }
        idx[self.axis] -= 1;
        let prev = self.props.chunks.linear_index(idx.slice());
        // Same grid for the carries and the local scans.
        deps.push(BlockRef {
            input: SELF,
            block: prev,
        });
        deps.push(BlockRef {
            input: 0,
            block: prev,
        });
    }
    fn compute(&self, block: usize, inputs: &mut Vec<Value>) -> Result<Value> {
        let shape = self.props.chunks.block_shape(block);
        if inputs.is_empty() {
            return Ok(owned(ArrayD::from_elem(shape, self.identity)));
        }
        let carry = block_of::<T>(&inputs[0]).view();
        let local = block_of::<T>(&inputs[1]).view();
        let n = local.shape()[self.axis];
        if n == 0 {
            return Ok(owned(carry.to_owned()));
        }
        let last = local
            .index_axis(Axis(self.axis), n - 1)
            .insert_axis(Axis(self.axis));
        let op = self.op;
        Ok(owned(
            Zip::from(&carry).and(&last).map_collect(|&a, &b| op(a, b)),
        ))
    }
}

use ndarray::Dimension as _;
