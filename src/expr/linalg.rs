//! Block products for `tensordot` and `matmul`.
//!
//! The product of `a` and `b` over contracted axes is a sum over the blocks of those axes:
//!
//! ```text
//!   C[i, j] = Σ_k A[i, k] · B[k, j]        one task per (k, i, j) makes a partial product,
//!                                          a tree of fan-in `split_every` sums them over k
//! ```
//!
//! [`Contract`] makes the partial products, with the block-combination index `k` as a leading
//! axis of length-1 blocks; [`SumPartials`] levels add them up, `SPLIT_EVERY` at a time, into
//! the first partial of each group (which the task owns, so no block is allocated), the last
//! level dropping the `k` axis. Each block product is one `general_mat_mul` (matrixmultiply)
//! per batch element, after viewing each block as a matrix: free axes by contracted axes. A 2-D
//! block is handed over with its strides as they are, never copied.

use std::marker::PhantomData;

use ndarray::Dimension as _;
use ndarray::LinalgScalar;
use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayViewD, Axis, CowArray, Ix3};

use std::sync::Arc;

use super::block::{Block, Element, block_of, owned, reshaped};
use super::{BlockRef, Node, NodeRef, Props};
use crate::chunks::Chunks;
use crate::error::Result;
use crate::scheduler::Value;

/// Which axes of the two operands play which part.
#[derive(Clone, Debug)]
pub(crate) struct Axes {
    /// Number of leading batch axes, shared by `a`, `b` and the output (matmul).
    pub(crate) batch: usize,
    pub(crate) a_free: Vec<usize>,
    pub(crate) a_con: Vec<usize>,
    pub(crate) b_con: Vec<usize>,
    pub(crate) b_free: Vec<usize>,
}

/// Partial block products of `a` and `b` (see the module docs).
pub(crate) struct Contract<T> {
    props: Props,
    axes: Axes,
    /// Grid shape of the contracted axes (the same in `a` and `b`).
    k_grid: Vec<usize>,
    /// Whether the output has the leading axis of block combinations over `k`.
    partial: bool,
    _t: PhantomData<fn() -> T>,
}

impl<T: Element + LinalgScalar> Contract<T> {
    /// `a` and `b` must have equal chunks on the contracted and batch axes.
    pub(crate) fn new(name: &'static str, a: NodeRef, b: NodeRef, axes: Axes) -> Contract<T> {
        let (ca, cb) = (a.chunks(), b.chunks());
        let k_grid: Vec<usize> = axes.a_con.iter().map(|&i| ca.grid_shape()[i]).collect();
        let nk: usize = k_grid.iter().product();
        let partial = nk > 1;
        let mut shape = Vec::new();
        let mut sizes = Vec::new();
        if partial {
            shape.push(nk);
            sizes.push(vec![1; nk]);
        }
        let parts = (0..axes.batch)
            .chain(axes.a_free.iter().copied())
            .map(|i| (ca, i))
            .chain(axes.b_free.iter().map(|&i| (cb, i)));
        for (c, i) in parts {
            shape.push(c.shape()[i]);
            sizes.push(c.sizes()[i].clone());
        }
        Contract {
            props: Props::new::<T>(name, Chunks::from_valid(shape, sizes), vec![a, b]),
            axes,
            k_grid,
            partial,
            _t: PhantomData,
        }
    }

    /// Whether the output has a leading axis of partial products to sum.
    pub(crate) fn partial(&self) -> bool {
        self.partial
    }

    /// Grid indices of the `a` and `b` blocks that output block `block` multiplies.
    fn operand_blocks(&self, block: usize) -> (Vec<usize>, Vec<usize>) {
        let g = self.props.chunks.grid_index(block);
        let g = g.slice();
        let (k, rest) = if self.partial {
            (g[0], &g[1..])
        } else {
            (0, g)
        };
        let ax = &self.axes;
        let (batch, rest) = rest.split_at(ax.batch);
        let (fa, fb) = rest.split_at(ax.a_free.len());
        let mut kidx = vec![0; self.k_grid.len()];
        let mut r = k;
        for (i, &n) in kidx.iter_mut().zip(&self.k_grid).rev() {
            *i = r % n;
            r /= n;
        }
        let mut ia = vec![0; self.props.inputs[0].chunks().ndim()];
        let mut ib = vec![0; self.props.inputs[1].chunks().ndim()];
        ia[..ax.batch].copy_from_slice(batch);
        ib[..ax.batch].copy_from_slice(batch);
        for (&i, &v) in ax.a_free.iter().zip(fa).chain(ax.a_con.iter().zip(&kidx)) {
            ia[i] = v;
        }
        for (&i, &v) in ax.b_free.iter().zip(fb).chain(ax.b_con.iter().zip(&kidx)) {
            ib[i] = v;
        }
        (ia, ib)
    }
}

/// `v` with axes `order` viewed as a stack of matrices `(batch, rows, cols)`, where the first
/// `batch` axes of `order` are the stack, then the next `split` make the rows; copied only when
/// the axes are not already in that order in memory.
fn as_matrices<'a, T: Element>(
    v: ArrayViewD<'a, T>,
    order: &[usize],
    batch: usize,
    split: usize,
) -> CowArray<'a, T, Ix3> {
    let mut p = v.permuted_axes(order.to_vec());
    let groups = [batch, split, order.len() - batch - split];
    let s = p.shape();
    let shape = (
        s[..batch].iter().product(),
        s[batch..batch + split].iter().product(),
        s[batch + split..].iter().product(),
    );
    // Groups of at most one axis need no reshape: a missing axis becomes one of length 1, and
    // the strides stay as they are (matrixmultiply takes any strides).
    if groups.iter().all(|&g| g <= 1) {
        for (at, g) in groups.into_iter().enumerate() {
            if g == 0 {
                p.insert_axis_inplace(Axis(at));
            }
        }
        return CowArray::from(p.into_dimensionality::<Ix3>().expect("three axes"));
    }
    if p.is_standard_layout() {
        let m = p.into_shape_with_order(shape);
        CowArray::from(m.expect("a standard-layout view reshapes in place"))
    } else {
        let m = p
            .as_standard_layout()
            .into_owned()
            .into_shape_with_order(shape);
        CowArray::from(m.expect("the same number of elements"))
    }
}

impl<T: Element + LinalgScalar> Node for Contract<T> {
    fn props(&self) -> &Props {
        &self.props
    }
    fn block_inputs(&self, block: usize, deps: &mut Vec<BlockRef>) {
        let (ia, ib) = self.operand_blocks(block);
        deps.push(BlockRef {
            input: 0,
            block: self.props.inputs[0].chunks().linear_index(&ia),
        });
        deps.push(BlockRef {
            input: 1,
            block: self.props.inputs[1].chunks().linear_index(&ib),
        });
    }
    fn compute(&self, block: usize, inputs: &mut Vec<Value>) -> Result<Value> {
        let ax = &self.axes;
        let batch: Vec<usize> = (0..ax.batch).collect();
        let a_order: Vec<usize> = batch
            .iter()
            .chain(&ax.a_free)
            .chain(&ax.a_con)
            .copied()
            .collect();
        let b_order: Vec<usize> = batch
            .iter()
            .chain(&ax.b_con)
            .chain(&ax.b_free)
            .copied()
            .collect();
        let a = as_matrices(
            block_of::<T>(&inputs[0]).view(),
            &a_order,
            ax.batch,
            ax.a_free.len(),
        );
        let b = as_matrices(
            block_of::<T>(&inputs[1]).view(),
            &b_order,
            ax.batch,
            ax.b_con.len(),
        );
        let (nb, m, n) = (a.shape()[0], a.shape()[1], b.shape()[2]);
        let mut c = ndarray::Array3::<T>::zeros((nb, m, n));
        for i in 0..nb {
            general_mat_mul(
                T::one(),
                &a.index_axis(Axis(0), i),
                &b.index_axis(Axis(0), i),
                T::zero(),
                &mut c.index_axis_mut(Axis(0), i),
            );
        }
        let c = c
            .into_dyn()
            .into_shape_with_order(self.props.chunks.block_shape(block))
            .expect("the output block has batch × rows × cols elements");
        Ok(owned(c))
    }
}

/// Number of partial products one task of [`SumPartials`] adds.
pub(crate) const SPLIT_EVERY: usize = 4;

/// One level of a tree that merges partial results along a leading axis of one-element
/// blocks, [`SPLIT_EVERY`] at a time: the chunks of the level made from `partials` (the
/// leading axis shortened to one block per group, or dropped by the level that leaves one
/// group), and whether it is that last level.
pub(crate) fn merge_level(partials: &Chunks) -> (Chunks, bool) {
    let groups = partials.shape()[0].div_ceil(SPLIT_EVERY);
    let last = groups == 1;
    let (mut shape, mut sizes) = (partials.shape().to_vec(), partials.sizes().to_vec());
    if last {
        shape.remove(0);
        sizes.remove(0);
    } else {
        shape[0] = groups;
        sizes[0] = vec![1; groups];
    }
    (Chunks::from_valid(shape, sizes), last)
}

/// The blocks of `partials` that block `block` of a [`merge_level`] (`level`, the `last` one
/// or not) merges, appended to `deps` in order.
pub(crate) fn merge_group(
    partials: &Chunks,
    level: &Chunks,
    last: bool,
    block: usize,
    deps: &mut Vec<BlockRef>,
) {
    let g = level.grid_index(block);
    let (group, rest) = if last {
        (0, g.slice())
    } else {
        (g[0], &g.slice()[1..])
    };
    let mut idx = Vec::with_capacity(partials.ndim());
    idx.push(0);
    idx.extend_from_slice(rest);
    let n = partials.shape()[0];
    for k in group * SPLIT_EVERY..((group + 1) * SPLIT_EVERY).min(n) {
        idx[0] = k;
        deps.push(BlockRef {
            input: 0,
            block: partials.linear_index(&idx),
        });
    }
}

/// One level of the sum over the leading partial-products axis: groups of [`SPLIT_EVERY`]
/// blocks along it are added; the level that leaves one group drops the axis.
pub(crate) struct SumPartials<T> {
    props: Props,
    last: bool,
    _t: PhantomData<fn() -> T>,
}

impl<T: Element + LinalgScalar> SumPartials<T> {
    pub(crate) fn new(input: NodeRef) -> SumPartials<T> {
        let (chunks, last) = merge_level(input.chunks());
        SumPartials {
            props: Props::new::<T>("sum_partials", chunks, vec![input]),
            last,
            _t: PhantomData,
        }
    }

    /// Whether this level leaves the sum (the leading axis is gone).
    pub(crate) fn is_last(&self) -> bool {
        self.last
    }
}

impl<T: Element + LinalgScalar> Node for SumPartials<T> {
    fn props(&self) -> &Props {
        &self.props
    }
    fn block_inputs(&self, block: usize, deps: &mut Vec<BlockRef>) {
        let src = self.props.inputs[0].chunks();
        merge_group(src, &self.props.chunks, self.last, block, deps);
    }
    fn compute(&self, block: usize, inputs: &mut Vec<Value>) -> Result<Value> {
        let mut values = inputs.drain(..);
        let first = values.next().expect("a group has a partial product");
        let mut acc = reshaped::<T>(first, self.props.chunks.block_shape(block));
        let sum = Arc::get_mut(&mut acc)
            .and_then(|v| v.downcast_mut::<Block<T>>())
            .and_then(|b| match b {
                Block::Owned(a) => Some(a),
                Block::Region { .. } | Block::Window { .. } => None,
            })
            .expect("reshaped gives a fresh owned block");
        for v in values {
            let v = block_of::<T>(&v).view();
            let v = v
                .to_shape(sum.raw_dim())
                .expect("partials of one output block have its size");
            sum.zip_mut_with(&v, |a, b| *a = *a + *b);
        }
        Ok(acc)
    }
}
