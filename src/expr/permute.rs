//! Axis permutations (transposes): block `g` of the result is block `g` permuted of the input,
//! copied into standard layout.
//!
//! The node says what it is ([`Node::permutation`]), so that a reduction over a transposed
//! array can reduce the untransposed one instead and permute only the (smaller) result.

use std::marker::PhantomData;

use super::block::{Element, block_of, owned, permuted_copy};
use super::{BlockRef, Node, NodeRef};
use crate::chunks::Chunks;
use crate::error::Result;
use crate::scheduler::Value;

pub(crate) struct Permute<T> {
    inputs: [NodeRef; 1],
    /// Axis `k` of the output is axis `perm[k]` of the input.
    perm: Vec<usize>,
    chunks: Chunks,
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
            inputs: [input],
            perm,
            chunks,
            _t: PhantomData,
        }
    }
}

impl<T: Element> Node for Permute<T> {
    fn elem_size(&self) -> usize {
        std::mem::size_of::<T>()
    }
    fn elem_type(&self) -> std::any::TypeId {
        std::any::TypeId::of::<T>()
    }
    fn name(&self) -> &str {
        "transpose"
    }
    fn chunks(&self) -> &Chunks {
        &self.chunks
    }
    fn inputs(&self) -> &[NodeRef] {
        &self.inputs
    }
    fn one_to_one(&self, _input: usize) -> bool {
        true
    }
    fn permutation(&self) -> Option<&[usize]> {
        Some(&self.perm)
    }
    fn block_inputs(&self, block: usize, deps: &mut Vec<BlockRef>) {
        let g = self.chunks.grid_index(block);
        let mut idx = vec![0; self.perm.len()];
        for (k, &a) in self.perm.iter().enumerate() {
            idx[a] = g[k];
        }
        deps.push(BlockRef {
            input: 0,
            block: self.inputs[0].chunks().linear_index(&idx),
        });
    }
    fn compute(&self, _block: usize, inputs: &mut Vec<Value>) -> Result<Value> {
        let v = block_of::<T>(&inputs[0]).view();
        Ok(owned(permuted_copy(v, &self.perm)))
    }
}
