//! Elementwise operations, fused at the element level.
//!
//! `map` and same-shape `zip_with` record an [`Elementwise`] node: an expression tree of typed
//! element functions over leaf blocks. When the planner fuses such a node into an elementwise
//! consumer, the consumer receives a [`Pending`] expression instead of a computed block, and
//! evaluates the whole chain in runs of [`RUN`] elements that stay in cache:
//!
//! ```text
//!   sqrt(x * x + 1)         one pass over x, one write of the result:
//!                           for each run of 4096 elements:
//!      map(sqrt)              tmp1[..] = x[run] ; tmp2[..] = x[run]   (leaves)
//!        map(+1)              tmp3 = tmp1 * tmp2                      (zip)
//!          zip(*)             tmp4 = tmp3 + 1                         (map)
//!          x    x             out[run] = sqrt(tmp4)                   (map)
//! ```
//!
//! A dynamic call happens once per node and run, not per element, so each step's loop is
//! vectorised by the compiler. Leaves are read as contiguous row-major slices (a leaf block that
//! is not contiguous is copied once into standard layout first).

use std::any::{Any, TypeId};
use std::marker::PhantomData;
use std::sync::Arc;

use ndarray::ArrayD;

use super::block::{Block, Element, block_of, owned};
use super::{BlockRef, Node, NodeRef, Props, Role, WriteInto};
use crate::chunks::Chunks;
use crate::error::Result;
use crate::scheduler::{Value, filled_block};

/// Elements evaluated per step: large enough that the per-step costs (a dynamic call, finding a
/// leaf's slice) vanish, small enough that every intermediate stays in L2 cache.
pub(crate) const RUN: usize = 4096;

thread_local! {
    /// Scratch buffers of the expression steps, kept per thread and element type, so that a
    /// step neither allocates nor clears a buffer per run.
    static SCRATCH: std::cell::RefCell<Vec<Box<dyn Any>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs `f` with a scratch buffer of `n` initialised `T`s (values left by earlier users).
fn with_scratch<T: Element, R>(n: usize, f: impl FnOnce(&mut [T]) -> R) -> R {
    let found = SCRATCH.with_borrow_mut(|pool| {
        let i = pool.iter().position(|b| b.is::<Vec<T>>())?;
        Some(pool.swap_remove(i))
    });
    let mut buf: Vec<T> = found
        .and_then(|b| b.downcast::<Vec<T>>().ok())
        .map_or_else(Vec::new, |b| *b);
    if buf.len() < n {
        buf.resize(n, T::default());
    }
    let r = f(&mut buf[..n]);
    SCRATCH.with_borrow_mut(|pool| pool.push(Box::new(buf)));
    r
}

/// An elementwise expression producing elements of type `U` from leaf blocks.
pub(crate) trait ElemExpr<U>: Send + Sync {
    /// Writes elements `off..off + out.len()` (flat, row-major in the block) into `out`.
    fn eval_run(&self, leaves: &[Value], off: usize, out: &mut [U]);

    /// Brings every leaf block this expression reads into contiguous standard layout.
    fn normalize(&self, leaves: &mut [Value]);

    /// The leaf this expression is, if it is one: its parent then reads the block in place
    /// rather than through a copy.
    fn leaf_index(&self) -> Option<usize> {
        None
    }
}

/// Runs `f` on the contiguous elements `off..off + len` of `expr` when `expr` is a leaf holding
/// a computed block (the common case), with no copy; `None` otherwise.
fn with_leaf_slice<S: Element, R>(
    expr: &dyn ElemExpr<S>,
    leaves: &[Value],
    off: usize,
    len: usize,
    f: impl FnOnce(&[S]) -> R,
) -> Option<R> {
    let block = leaves[expr.leaf_index()?].downcast_ref::<Block<S>>()?;
    let view = block.view();
    let src = view.as_slice()?;
    Some(f(&src[off..off + len]))
}

/// The elementwise view of a node, for fusion through [`Pending`] values.
pub(crate) trait ElemNode: Send + Sync {
    /// The node's `Arc<dyn ElemExpr<U>>`.
    fn expr_any(&self) -> &(dyn Any + Send + Sync);
    /// Brings the node's (computed) leaf blocks into standard layout.
    fn normalize(&self, leaves: &mut [Value]);
}

/// A fused elementwise input: not a block but the expression of one, with its leaf blocks.
pub(crate) struct Pending {
    pub(crate) node: NodeRef,
    pub(crate) leaves: Vec<Value>,
}

/// A fused source input: block `block` of `node`, produced run by run by its reader.
pub(crate) struct Stream {
    pub(crate) node: NodeRef,
    pub(crate) block: usize,
}

/// Reads leaf `idx` directly: a block of `S`, or a pending expression producing `S`.
pub(crate) struct Leaf<S> {
    pub(crate) idx: usize,
    pub(crate) _t: PhantomData<fn() -> S>,
}

impl<S: Element> ElemExpr<S> for Leaf<S> {
    fn eval_run(&self, leaves: &[Value], off: usize, out: &mut [S]) {
        let v = &leaves[self.idx];
        if let Some(p) = v.downcast_ref::<Pending>() {
            let e = p.node.elementwise().expect("a pending node is elementwise");
            let expr = e
                .expr_any()
                .downcast_ref::<Arc<dyn ElemExpr<S>>>()
                .expect("a pending expression yields the leaf's type");
            expr.eval_run(&p.leaves, off, out);
            return;
        }
        let view = block_of::<S>(v).view();
        let src = view
            .as_slice()
            .expect("leaves are normalized to standard layout");
        out.clone_from_slice(&src[off..off + out.len()]);
    }

    fn leaf_index(&self) -> Option<usize> {
        Some(self.idx)
    }

    fn normalize(&self, leaves: &mut [Value]) {
        let v = &mut leaves[self.idx];
        if v.is::<Pending>() {
            return;
        }
        let view = block_of::<S>(v).view();
        if !view.is_standard_layout() {
            let copy = view.as_standard_layout().into_owned();
            *v = owned(copy);
        }
    }
}

/// `x` as a `T`, when `U` is `T` (the caller checked). Monomorphised, the type test folds away.
#[inline(always)]
fn as_same<U: Element, T: Element>(x: &U) -> &T {
    (x as &dyn Any)
        .downcast_ref::<T>()
        .expect("called only when the types are equal")
}

/// Whether `A` and `B` are one type.
fn same_type<A: Element, B: Element>() -> bool {
    TypeId::of::<A>() == TypeId::of::<B>()
}

/// Evaluates the pending expression in leaf `expr` (one yielding `U`) straight into `out`,
/// returning `false` (and writing nothing) when `expr` is not a leaf holding one.
///
/// A step whose input and output types agree uses this to compute its input in place and then
/// apply itself there: the output is written once, while the inputs stream in, and no scratch
/// buffer is copied. That keeps a chain such as `(&x * &x + 1.0).map(f64::sqrt)` within a few
/// per cent of one closure doing it all, where separate buffers cost it a quarter.
fn pending_into<T: Element, U: Element>(
    expr: &dyn ElemExpr<T>,
    leaves: &[Value],
    off: usize,
    out: &mut [U],
) -> bool {
    if !same_type::<T, U>() {
        return false;
    }
    let Some(idx) = expr.leaf_index() else {
        return false;
    };
    if !leaves[idx].is::<Pending>() {
        return false;
    }
    let leaf = Leaf::<U> {
        idx,
        _t: PhantomData,
    };
    leaf.eval_run(leaves, off, out);
    true
}

/// Runs `f` on the elements `off..off + len` of `expr`: read in place when it is a leaf holding
/// a computed block, else evaluated into a scratch buffer.
fn with_run<S: Element>(
    expr: &dyn ElemExpr<S>,
    leaves: &[Value],
    off: usize,
    len: usize,
    f: impl FnOnce(&[S]),
) {
    let mut f = Some(f);
    let mut call = |xs: &[S]| (f.take().expect("called once"))(xs);
    if with_leaf_slice(expr, leaves, off, len, &mut call).is_none() {
        with_scratch::<S, _>(len, |t| {
            expr.eval_run(leaves, off, t);
            call(t);
        });
    }
}

/// `f(inner)`, element by element.
pub(crate) struct MapExpr<T, F> {
    pub(crate) inner: Arc<dyn ElemExpr<T>>,
    pub(crate) f: F,
}

impl<T: Element, U: Element, F: Fn(T) -> U + Send + Sync> ElemExpr<U> for MapExpr<T, F> {
    fn eval_run(&self, leaves: &[Value], off: usize, out: &mut [U]) {
        if pending_into(&*self.inner, leaves, off, out) {
            for o in out.iter_mut() {
                *o = (self.f)(as_same::<U, T>(o).clone());
            }
            return;
        }
        for (k, chunk) in out.chunks_mut(RUN).enumerate() {
            with_run(&*self.inner, leaves, off + k * RUN, chunk.len(), |xs| {
                for (o, x) in chunk.iter_mut().zip(xs) {
                    *o = (self.f)(x.clone());
                }
            });
        }
    }

    fn normalize(&self, leaves: &mut [Value]) {
        self.inner.normalize(leaves);
    }
}

/// `f(a, b)`, element by element, for operands of the same shape.
pub(crate) struct ZipExpr<A, B, F> {
    pub(crate) a: Arc<dyn ElemExpr<A>>,
    pub(crate) b: Arc<dyn ElemExpr<B>>,
    pub(crate) f: F,
}

impl<A: Element, B: Element, U: Element, F: Fn(A, B) -> U + Send + Sync> ElemExpr<U>
    for ZipExpr<A, B, F>
{
    fn eval_run(&self, leaves: &[Value], off: usize, out: &mut [U]) {
        let zip = |out: &mut [U], xs: &[A], ys: &[B]| {
            for ((o, x), y) in out.iter_mut().zip(xs).zip(ys) {
                *o = (self.f)(x.clone(), y.clone());
            }
        };
        for (k, chunk) in out.chunks_mut(RUN).enumerate() {
            let (n, at) = (chunk.len(), off + k * RUN);
            // Read each operand in place when it is a computed block, else through a buffer.
            let done = with_leaf_slice(&*self.a, leaves, at, n, |xs| {
                with_leaf_slice(&*self.b, leaves, at, n, |ys| zip(&mut *chunk, xs, ys)).is_some()
            });
            if done == Some(true) {
                continue;
            }
            // A pending operand of the output's type is computed in place, the other read in
            // place or through a buffer, and the step applied where the first one lies.
            if pending_into(&*self.a, leaves, at, chunk) {
                with_run(&*self.b, leaves, at, n, |ys| {
                    for (o, y) in chunk.iter_mut().zip(ys) {
                        *o = (self.f)(as_same::<U, A>(o).clone(), y.clone());
                    }
                });
                continue;
            }
            if pending_into(&*self.b, leaves, at, chunk) {
                with_run(&*self.a, leaves, at, n, |xs| {
                    for (o, x) in chunk.iter_mut().zip(xs) {
                        *o = (self.f)(x.clone(), as_same::<U, B>(o).clone());
                    }
                });
                continue;
            }
            with_scratch::<A, _>(n, |ta| {
                self.a.eval_run(leaves, at, ta);
                with_scratch::<B, _>(n, |tb| {
                    self.b.eval_run(leaves, at, tb);
                    zip(chunk, ta, tb);
                })
            });
        }
    }

    fn normalize(&self, leaves: &mut [Value]) {
        self.a.normalize(leaves);
        self.b.normalize(leaves);
    }
}

/// A node computing an elementwise expression over inputs of its own shape and chunks.
pub(crate) struct Elementwise<U> {
    props: Props,
    /// `Arc<dyn ElemExpr<U>>`, kept as `Any` for [`ElemNode::expr_any`].
    expr_any: Box<dyn Any + Send + Sync>,
    _t: PhantomData<fn() -> U>,
}

impl<U: Element> Elementwise<U> {
    pub(crate) fn new(
        name: &'static str,
        chunks: Chunks,
        inputs: Vec<NodeRef>,
        expr: Arc<dyn ElemExpr<U>>,
    ) -> Self {
        Elementwise {
            props: Props::new::<U>(name, chunks, inputs)
                .one_to_one()
                .writes_in_place(true),
            expr_any: Box::new(expr),
            _t: PhantomData,
        }
    }

    /// The writer of this node's blocks straight into a result's rows.
    pub(crate) fn writer(&self) -> Arc<dyn WriteInto<U>> {
        Arc::new(ExprWriter {
            expr: self.expr().clone(),
            chunks: self.props.chunks.clone(),
        })
    }

    fn expr(&self) -> &Arc<dyn ElemExpr<U>> {
        self.expr_any
            .downcast_ref()
            .expect("an Elementwise<U> holds an expression of U")
    }
}

impl<U: Element> ElemNode for Elementwise<U> {
    fn expr_any(&self) -> &(dyn Any + Send + Sync) {
        &*self.expr_any
    }
    fn normalize(&self, leaves: &mut [Value]) {
        self.expr().normalize(leaves);
    }
}

impl<U: Element> Node for Elementwise<U> {
    fn props(&self) -> &Props {
        &self.props
    }
    fn role(&self) -> Role<'_> {
        Role::Elementwise(self)
    }
    fn block_inputs(&self, block: usize, deps: &mut Vec<BlockRef>) {
        deps.extend((0..self.props.inputs.len()).map(|input| BlockRef { input, block }));
    }
    fn compute(&self, block: usize, inputs: &mut Vec<Value>) -> Result<Value> {
        let expr = self.expr();
        expr.normalize(inputs);
        let shape = self.props.chunks.block_shape(block);
        let mut data = filled_block(shape.size(), U::default());
        for (k, run) in data.chunks_mut(RUN).enumerate() {
            expr.eval_run(inputs, k * RUN, run);
        }
        let a = ArrayD::from_shape_vec(shape, data).expect("length matches the block shape");
        Ok(owned(a))
    }
}

use ndarray::Dimension as _;

/// Writes an elementwise expression straight into the result's row segments.
struct ExprWriter<U> {
    expr: Arc<dyn ElemExpr<U>>,
    chunks: Chunks,
}

impl<U: Element> WriteInto<U> for ExprWriter<U> {
    fn write_into(
        &self,
        block: usize,
        inputs: &mut Vec<Value>,
        rows: &mut [&mut [U]],
    ) -> Result<()> {
        self.expr.normalize(inputs);
        let shape = self.chunks.block_shape(block);
        let row_len = shape.slice().last().copied().unwrap_or(1);
        for (r, seg) in rows.iter_mut().enumerate() {
            for (k, run) in seg.chunks_mut(RUN).enumerate() {
                self.expr.eval_run(inputs, r * row_len + k * RUN, run);
            }
        }
        Ok(())
    }
}

/// Calls `f` on the elements of block value `v` (a block of `T`, or a pending expression
/// producing one) in row-major order, one contiguous run at a time; `len` is the block's size.
pub(crate) fn for_each_run<T: Element>(v: &Value, len: usize, mut f: impl FnMut(&[T])) {
    if let Some(s) = v.downcast_ref::<Stream>() {
        let source = s
            .node
            .streams()
            .expect("a stream comes from a node that streams");
        source.stream(s.block, &mut |run| {
            f(run
                .downcast_ref::<Vec<T>>()
                .expect("a stream of the reader's type"))
        });
        return;
    }
    if let Some(p) = v.downcast_ref::<Pending>() {
        let e = p.node.elementwise().expect("a pending node is elementwise");
        let expr = e
            .expr_any()
            .downcast_ref::<Arc<dyn ElemExpr<T>>>()
            .expect("a pending expression yields the reader's type");
        let mut tmp = vec![T::default(); len.min(RUN)];
        let mut off = 0;
        while off < len {
            let n = RUN.min(len - off);
            expr.eval_run(&p.leaves, off, &mut tmp[..n]);
            f(&tmp[..n]);
            off += n;
        }
        return;
    }
    let view = block_of::<T>(v).view();
    // Cache-sized runs, so that a reader may pass over each run twice at no memory cost.
    match view.as_slice() {
        Some(s) => s.chunks(RUN).for_each(f),
        None => {
            let owned = view.as_standard_layout();
            owned
                .as_slice()
                .expect("standard layout")
                .chunks(RUN)
                .for_each(f);
        }
    }
}
