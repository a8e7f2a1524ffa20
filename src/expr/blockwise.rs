//! Blockwise operations: each output block computed from the matching block of each input
//! (elementwise maps, broadcasting binary operations, `map_blocks`).

use std::sync::Arc;

use ndarray::IxDyn;

use super::rechunk::Rechunk;
use super::{BlockRef, Node, NodeRef, Props};
use crate::chunks::{Chunks, broadcast_shapes, refine_axis};
use crate::error::{Error, Result};
use crate::scheduler::Value;

/// Computes one output block (its linear index and shape given) from its input blocks.
pub(crate) type Kernel = Box<dyn Fn(usize, &IxDyn, &mut Vec<Value>) -> Result<Value> + Send + Sync>;

/// An operation whose output block `i` reads block `i` of each input (or block 0 along the
/// input's broadcast axes).
pub(crate) struct Blockwise {
    props: Props,
    /// For each input, for each of its axes: the output axis whose block index it follows, or
    /// `None` for a broadcast axis of length 1 (always its block 0).
    axes: Vec<Vec<Option<usize>>>,
    kernel: Kernel,
}

impl Blockwise {
    /// A node of `U` elements named `name`, with `chunks`: block `i` of the output reads, from
    /// each input, the block whose index follows `axes`, and `kernel` makes it. `in_place`:
    /// the array built on it writes its blocks straight into a result ([`Props`]).
    pub(crate) fn new<U: 'static>(
        name: impl Into<std::borrow::Cow<'static, str>>,
        chunks: Chunks,
        inputs: Vec<NodeRef>,
        axes: Vec<Vec<Option<usize>>>,
        kernel: Kernel,
        in_place: bool,
    ) -> Blockwise {
        let ndim = chunks.ndim();
        let one_to_one = axes
            .iter()
            .map(|a| a.len() == ndim && a.iter().enumerate().all(|(j, &k)| k == Some(j)))
            .collect();
        Blockwise {
            props: Props::new::<U>(name, chunks, inputs)
                .one_to_one_each(one_to_one)
                .writes_in_place(in_place),
            axes,
            kernel,
        }
    }
}

impl Blockwise {
    /// This node, whose blocks must each hold `axes` whole ([`Props::whole_axes`]).
    pub(crate) fn whole_along(mut self, axes: Vec<usize>) -> Blockwise {
        self.props = self.props.whole_along(axes);
        self
    }
}

impl Node for Blockwise {
    fn props(&self) -> &Props {
        &self.props
    }
    fn block_inputs(&self, block: usize, deps: &mut Vec<BlockRef>) {
        let props = &self.props;
        if props.inputs.len() == 1 && props.one_to_one[0] {
            deps.push(BlockRef { input: 0, block });
            return;
        }
        let out = props.chunks.grid_index(block);
        for (input, (node, axes)) in props.inputs.iter().zip(&self.axes).enumerate() {
            let idx: Vec<usize> = axes.iter().map(|a| a.map_or(0, |k| out[k])).collect();
            deps.push(BlockRef {
                input,
                block: node.chunks().linear_index(&idx),
            });
        }
    }
    fn compute(&self, block: usize, inputs: &mut Vec<Value>) -> Result<Value> {
        (self.kernel)(block, &self.props.chunks.block_shape(block), inputs)
    }
}

/// Operands brought onto one block grid: the broadcast shape, cut along the common refinement
/// of all the operands' block edges.
pub(crate) struct Aligned {
    pub(crate) chunks: Chunks,
    pub(crate) inputs: Vec<NodeRef>,
    pub(crate) axes: Vec<Vec<Option<usize>>>,
}

/// Makes the node that rechunks an input to new chunks (one per element type).
pub(crate) type RechunkFn = fn(NodeRef, Chunks) -> NodeRef;

/// The [`RechunkFn`] of element type `T`.
pub(crate) fn rechunk_fn<T: crate::Element>() -> RechunkFn {
    |input, chunks| Arc::new(Rechunk::<T>::new(input, chunks))
}

/// Broadcasts `operands` together (numpy rules) and rechunks each to the common refinement of
/// their block edges. Refining only splits blocks, so each new block is a view of an old one.
pub(crate) fn align(op: &'static str, operands: &[(NodeRef, RechunkFn)]) -> Result<Aligned> {
    let mut shape = operands[0].0.chunks().shape().to_vec();
    for (o, _) in &operands[1..] {
        let s = o.chunks().shape();
        shape = broadcast_shapes(&shape, s).ok_or_else(|| Error::IncompatibleShapes {
            op,
            left: shape.clone(),
            right: s.to_vec(),
        })?;
    }
    let n = shape.len();
    let mut sizes: Vec<Option<Vec<usize>>> = vec![None; n];
    for (o, _) in operands {
        let c = o.chunks();
        for (j, &len) in c.shape().iter().enumerate() {
            let k = j + n - c.ndim();
            if len == shape[k] {
                sizes[k] = Some(match sizes[k].take() {
                    None => c.sizes()[j].clone(),
                    Some(s) => refine_axis(&s, &c.sizes()[j]),
                });
            }
        }
    }
    let sizes: Vec<Vec<usize>> = sizes
        .into_iter()
        .map(|s| s.expect("an axis of the broadcast shape has an operand of its full length"))
        .collect();
    let chunks = Chunks::from_valid(shape.clone(), sizes);
    let mut inputs = Vec::with_capacity(operands.len());
    let mut all_axes = Vec::with_capacity(operands.len());
    for (o, rechunk) in operands {
        let c = o.chunks();
        let axes: Vec<Option<usize>> = (0..c.ndim())
            .map(|j| {
                let k = j + n - c.ndim();
                (c.shape()[j] == shape[k]).then_some(k)
            })
            .collect();
        let target: Vec<Vec<usize>> = axes
            .iter()
            .enumerate()
            // A broadcast axis (of length 1) in one block, which every output block reads
            // as block 0: cut with blocks of size 0 beside it, block 0 may be empty.
            .map(|(j, a)| a.map_or_else(|| vec![c.shape()[j]], |k| chunks.sizes()[k].clone()))
            .collect();
        let node = if target == c.sizes() {
            o.clone()
        } else {
            let to = Chunks::from_valid(c.shape().to_vec(), target);
            rechunk(o.clone(), to)
        };
        inputs.push(node);
        all_axes.push(axes);
    }
    Ok(Aligned {
        chunks,
        inputs,
        axes: all_axes,
    })
}
