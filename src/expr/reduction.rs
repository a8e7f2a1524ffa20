//! Tree reductions: `chunk` reduces each block to per-cell partial states, `combine` merges
//! groups of `split_every` partial blocks per reduced axis, level after level, and `aggregate`
//! turns the last partials into results (dask's `reduction`).
//!
//! ```text
//!   blocks    b0  b1  b2  b3  b4  b5  b6  b7  b8     chunk: one partial per block
//!              \  |  |  /      \  |  |  /    |      combine, split_every = 4
//!                 c0              c1         c2
//!                   \             |         /       combine
//!                                 r                 aggregate
//! ```
//!
//! Partial blocks keep the reduced axes with length 1, so that a combine step is an elementwise
//! merge of same-shaped arrays of states.

use std::marker::PhantomData;
use std::sync::Arc;

use ndarray::{ArrayD, ArrayViewD, IxDyn, Zip};

use super::block::{Element, block_of, owned};
use super::elementwise::for_each_run;
use super::{BlockRef, Node, NodeRef, Props, Role};
use crate::chunks::{Chunks, for_each_combination};
use crate::error::Result;
use crate::scheduler::Value;

/// The chunk step: a block, the reduced axes, and the block's offset in the whole array, to the
/// block's partial states (the block's shape, with the reduced axes of length 1).
pub(crate) type ChunkFn<T, A> =
    Arc<dyn Fn(ArrayViewD<'_, T>, &[usize], &[usize]) -> ArrayD<A> + Send + Sync>;
/// The combine step: merges two partial states.
pub(crate) type CombineFn<A> = Arc<dyn Fn(&A, &A) -> A + Send + Sync>;
/// The aggregate step: a final state to a result, or an error (e.g. the minimum of nothing).
pub(crate) type AggregateFn<A, R> = Arc<dyn Fn(&A) -> Result<R> + Send + Sync>;

/// The chunks of partials: the reduced axes cut into `n` blocks of length 1.
fn partial_chunks(
    chunks: &Chunks,
    axes: &[usize],
    blocks_per_axis: impl Fn(usize) -> usize,
) -> Chunks {
    let sizes: Vec<Vec<usize>> = chunks
        .sizes()
        .iter()
        .enumerate()
        .map(|(k, s)| {
            if axes.contains(&k) {
                vec![1; blocks_per_axis(k)]
            } else {
                s.clone()
            }
        })
        .collect();
    let shape = sizes.iter().map(|s| s.iter().sum()).collect();
    Chunks::from_valid(shape, sizes)
}

/// Folds a contiguous run of elements into a state, for reductions over every axis.
pub(crate) type RunFn<T, A> = Arc<dyn Fn(&A, &[T]) -> A + Send + Sync>;

pub(crate) struct ReduceChunk<T, A> {
    props: Props,
    axes: Vec<usize>,
    f: ChunkFn<T, A>,
    /// When reducing over every axis: the initial state and a fold over runs of elements, so
    /// that a block is read as flat slices, or an elementwise input is evaluated run by run
    /// without making its block.
    runs: Option<(A, RunFn<T, A>)>,
}

impl<T: Element, A: Element> ReduceChunk<T, A> {
    pub(crate) fn new(
        input: NodeRef,
        axes: Vec<usize>,
        f: ChunkFn<T, A>,
        runs: Option<(A, RunFn<T, A>)>,
    ) -> Self {
        let c = input.chunks();
        let chunks = partial_chunks(c, &axes, |k| c.grid_shape()[k]);
        let every_axis = axes.len() == c.ndim();
        ReduceChunk {
            props: Props::new::<A>("reduce_chunk", chunks, vec![input]).one_to_one(),
            axes,
            f,
            runs: runs.filter(|_| every_axis),
        }
    }
}

impl<T: Element, A: Element> Node for ReduceChunk<T, A> {
    fn props(&self) -> &Props {
        &self.props
    }
    fn block_inputs(&self, block: usize, deps: &mut Vec<BlockRef>) {
        deps.push(BlockRef { input: 0, block });
    }
    fn role(&self) -> Role<'_> {
        match self.runs {
            Some(_) => Role::ReadsRuns,
            None => Role::Plain,
        }
    }
    fn compute(&self, block: usize, inputs: &mut Vec<Value>) -> Result<Value> {
        let src = self.props.inputs[0].chunks();
        if let Some((init, fold)) = &self.runs {
            let mut state = init.clone();
            for_each_run::<T>(&inputs[0], src.block_shape(block).size(), |run| {
                state = fold(&state, run);
            });
            let one = vec![1; src.ndim()];
            return Ok(owned(ArrayD::from_elem(IxDyn(&one), state)));
        }
        let start: Vec<usize> = src.block_ranges(block).iter().map(|r| r.start).collect();
        let view = block_of::<T>(&inputs[0]).view();
        Ok(owned((self.f)(view, &self.axes, &start)))
    }
}

/// One level of the combine tree.
pub(crate) struct Combine<A> {
    props: Props,
    axes: Vec<usize>,
    split_every: usize,
    f: CombineFn<A>,
}

impl<A: Element> Combine<A> {
    pub(crate) fn new(
        input: NodeRef,
        axes: Vec<usize>,
        split_every: usize,
        f: CombineFn<A>,
    ) -> Self {
        let c = input.chunks();
        let chunks = partial_chunks(c, &axes, |k| c.grid_shape()[k].div_ceil(split_every));
        Combine {
            props: Props::new::<A>("combine", chunks, vec![input]),
            axes,
            split_every,
            f,
        }
    }
}

impl<A: Element> Node for Combine<A> {
    fn props(&self) -> &Props {
        &self.props
    }
    fn block_inputs(&self, block: usize, deps: &mut Vec<BlockRef>) {
        let src = self.props.inputs[0].chunks();
        let out = self.props.chunks.grid_index(block);
        // Per axis, the input blocks this output block merges.
        let ranges: Vec<std::ops::Range<usize>> = (0..src.ndim())
            .map(|k| {
                if self.axes.contains(&k) {
                    let s = self.split_every;
                    out[k] * s..((out[k] + 1) * s).min(src.grid_shape()[k])
                } else {
                    out[k]..out[k] + 1
                }
            })
            .collect();
        let lists: Vec<Vec<usize>> = ranges.into_iter().map(|r| r.collect()).collect();
        for_each_combination(&lists, |idx| {
            let idx: Vec<usize> = idx.iter().map(|&&i| i).collect();
            deps.push(BlockRef {
                input: 0,
                block: src.linear_index(&idx),
            });
        });
    }
    fn compute(&self, _block: usize, inputs: &mut Vec<Value>) -> Result<Value> {
        let mut acc = block_of::<A>(&inputs[0]).view().to_owned();
        for v in &inputs[1..] {
            Zip::from(&mut acc)
                .and(&block_of::<A>(v).view())
                .for_each(|a, b| *a = (self.f)(a, b));
        }
        Ok(owned(acc))
    }
}

/// The last step: results from the final partial states; the reduced axes are dropped, or kept
/// with length 1.
pub(crate) struct Aggregate<A, R> {
    props: Props,
    f: AggregateFn<A, R>,
    _t: PhantomData<fn(A) -> R>,
}

impl<A: Element, R: Element> Aggregate<A, R> {
    pub(crate) fn new(
        input: NodeRef,
        axes: &[usize],
        keepdims: bool,
        f: AggregateFn<A, R>,
    ) -> Self {
        let c = input.chunks();
        let sizes: Vec<Vec<usize>> = c
            .sizes()
            .iter()
            .enumerate()
            .filter(|(k, _)| keepdims || !axes.contains(k))
            .map(|(_, s)| s.clone())
            .collect();
        let shape = sizes.iter().map(|s| s.iter().sum()).collect();
        Aggregate {
            props: Props::new::<R>("aggregate", Chunks::from_valid(shape, sizes), vec![input])
                .one_to_one(),
            f,
            _t: PhantomData,
        }
    }
}

impl<A: Element, R: Element> Node for Aggregate<A, R> {
    fn props(&self) -> &Props {
        &self.props
    }
    fn block_inputs(&self, block: usize, deps: &mut Vec<BlockRef>) {
        // The same grid, less (or with single-block) reduced axes: the same linear index.
        deps.push(BlockRef { input: 0, block });
    }
    fn compute(&self, block: usize, inputs: &mut Vec<Value>) -> Result<Value> {
        let partial = block_of::<A>(&inputs[0]).view();
        let values = partial
            .iter()
            .map(|a| (self.f)(a))
            .collect::<Result<Vec<R>>>()?;
        let shape = self.props.chunks.block_shape(block);
        Ok(owned(
            ArrayD::from_shape_vec(IxDyn(shape.slice()), values).expect("one result per partial"),
        ))
    }
}

use ndarray::Dimension as _;
