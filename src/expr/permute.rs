//! Axis permutations (transposes): block `g` of the result is block `g` permuted of the input,
//! copied into standard layout.
//!
//! The node says what it is ([`Role::Permute`](super::Role::Permute)), so that a reduction over a transposed
//! array can reduce the untransposed one instead and permute only the (smaller) result.

use std::marker::PhantomData;

use super::block::{Element, block_of, owned, permuted_copy};
use super::{BlockRef, Node, NodeRef, Props, Role};
use crate::chunks::Chunks;
use crate::error::Result;
use crate::scheduler::Value;

pub(crate) struct Permute<T> {
    props: Props,
    /// Axis `k` of the output is axis `perm[k]` of the input.
    perm: Vec<usize>,
    _t: PhantomData<fn() -> T>,
}

impl<T: Element> Permute<T> {
    /// `perm` must be a permutation of the input's axes.
    pub(crate) fn new(input: NodeRef, perm: Vec<usize>) -> Permute<T> {
        let src = input.chunks();
        let chunks = Chunks::from_valid(
            perm.iter().map(|&a| src.shape()[a]).collect(),
            perm.iter().map(|&a| src.sizes()[a].clone()).collect(),
        );
        Permute {
            props: Props::new::<T>("transpose", chunks, vec![input]).one_to_one(),
            perm,
            _t: PhantomData,
        }
    }
}

impl<T: Element> Node for Permute<T> {
    fn props(&self) -> &Props {
        &self.props
    }
    fn role(&self) -> Role<'_> {
        Role::Permute(&self.perm)
    }
    fn block_inputs(&self, block: usize, deps: &mut Vec<BlockRef>) {
        let g = self.props.chunks.grid_index(block);
        let mut idx = vec![0; self.perm.len()];
        for (k, &a) in self.perm.iter().enumerate() {
            idx[a] = g[k];
        }
        deps.push(BlockRef {
            input: 0,
            block: self.props.inputs[0].chunks().linear_index(&idx),
        });
    }
    fn compute(&self, _block: usize, inputs: &mut Vec<Value>) -> Result<Value> {
        let v = block_of::<T>(&inputs[0]).view();
        Ok(owned(permuted_copy(v, &self.perm)))
    }
}
