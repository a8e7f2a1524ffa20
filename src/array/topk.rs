//! The `k` largest (or smallest) elements along an axis and their positions, as dask's
//! `topk` and `argtopk`: each block's lanes keep their best `k` in one pass, then the
//! survivors of `split_every` blocks at a time are merged, until one block along the axis is
//! left.

use std::cmp::Ordering;

use ndarray::{ArrayD, Axis, Dimension};

use super::search::order;
use super::{Array, IntoAxis};
use crate::chunks::Chunks;
use crate::error::{Error, Result};
use crate::expr::BlockRef;
use crate::expr::block::{Element, block_of, owned};
use crate::expr::gather::Gather;

/// Blocks merged at a time along the axis.
const SPLIT_EVERY: usize = 8;

/// numpy's order (NaN above everything, equal to itself), then the earlier position first:
/// whether `(a, i)` ranks before `(b, j)` among the largest.
fn before_largest<T: PartialOrd>(a: &(T, usize), b: &(T, usize)) -> bool {
    match order(&a.0, &b.0) {
        Ordering::Greater => true,
        Ordering::Less => false,
        Ordering::Equal => a.1 < b.1,
    }
}

/// The same among the smallest.
fn before_smallest<T: PartialOrd>(a: &(T, usize), b: &(T, usize)) -> bool {
    match order(&a.0, &b.0) {
        Ordering::Less => true,
        Ordering::Greater => false,
        Ordering::Equal => a.1 < b.1,
    }
}

/// The best `k` seen so far, unordered, and which of them is the worst.
struct Kept<T> {
    k: usize,
    largest: bool,
    items: Vec<(T, usize)>,
    worst: usize,
}

impl<T: Copy + PartialOrd> Kept<T> {
    fn new(k: usize, largest: bool) -> Kept<T> {
        Kept {
            k,
            largest,
            items: Vec::with_capacity(k),
            worst: 0,
        }
    }

    fn before(&self) -> fn(&(T, usize), &(T, usize)) -> bool {
        if self.largest {
            before_largest::<T>
        } else {
            before_smallest::<T>
        }
    }

    /// Offers one item (positions arrive ascending).
    #[inline]
    fn offer(&mut self, item: (T, usize)) {
        if self.items.len() < self.k {
            self.items.push(item);
            if self.items.len() == self.k {
                self.worst = worst_of(&self.items, self.before());
            }
        } else if (self.before())(&item, &self.items[self.worst]) {
            self.items[self.worst] = item;
            self.worst = worst_of(&self.items, self.before());
        }
    }

    /// Offers `values`, the first at position `base`: a plain comparison with the worst kept
    /// value first, since most fall short of it.
    fn offer_run(&mut self, values: &[T], base: usize) {
        let fill = (self.k - self.items.len()).min(values.len());
        for (i, &v) in values[..fill].iter().enumerate() {
            self.offer((v, base + i));
        }
        let mut t = match self.items.get(self.worst) {
            Some(w) => w.0,
            None => return,
        };
        // Negated on purpose, so that NaN (unordered) goes on to the full test.
        #[allow(clippy::neg_cmp_op_on_partial_ord)]
        for (i, &v) in values.iter().enumerate().skip(fill) {
            let maybe = if self.largest { !(v <= t) } else { !(v >= t) };
            if maybe {
                self.offer((v, base + i));
                t = self.items[self.worst].0;
            }
        }
    }

    /// The kept items, best first.
    fn sorted(mut self) -> Vec<(T, usize)> {
        let before = self.before();
        self.items.sort_by(|a, b| {
            if before(a, b) {
                Ordering::Less
            } else {
                Ordering::Greater
            }
        });
        self.items
    }
}

fn worst_of<T>(kept: &[(T, usize)], before: fn(&(T, usize), &(T, usize)) -> bool) -> usize {
    let mut w = 0;
    for i in 1..kept.len() {
        if before(&kept[w], &kept[i]) {
            w = i;
        }
    }
    w
}

impl<T: Element + Copy + PartialOrd> Array<T> {
    /// The `k` largest elements along `axis`, largest first (dask's `topk`); for negative
    /// `k`, the `-k` smallest, smallest first. NaN counts as the largest value, as numpy sorts
    /// it; of equal values the earlier comes first. The axis becomes `|k|` long, in one block.
    ///
    /// # Errors
    ///
    /// [`Error::AxisOutOfRange`]; [`Error::InvalidParameter`] for `k = 0` or `|k|` above the
    /// axis's length.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let x = Array::from_ndarray(ndarray::array![5, 1, 9, 3, 7, 2], [2])?;
    /// assert_eq!(x.topk(2, 0)?.compute()?, ndarray::array![9, 7].into_dyn());
    /// assert_eq!(x.topk(-3, 0)?.compute()?, ndarray::array![1, 2, 3].into_dyn());
    /// assert_eq!(x.argtopk(2, 0)?.compute()?, ndarray::array![2, 4].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn topk(&self, k: isize, axis: impl IntoAxis) -> Result<Array<T>> {
        Ok(self
            .top("topk", k, axis.axis_index())?
            .map_named("topk", |p: (T, usize)| p.0))
    }

    /// The positions along `axis` of [`Array::topk`]'s elements, in the same order (dask's
    /// `argtopk`).
    ///
    /// # Errors
    ///
    /// As [`Array::topk`].
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let x = Array::from_ndarray(ndarray::array![[0.5, 0.1, 0.9], [0.3, 0.8, 0.2]], [1, 2])?;
    /// assert_eq!(x.argtopk(1, 1)?.compute()?, ndarray::array![[2], [1]].into_dyn());
    /// assert_eq!(x.argtopk(-1, 0)?.compute()?, ndarray::array![[1, 0, 1]].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn argtopk(&self, k: isize, axis: impl IntoAxis) -> Result<Array<usize>> {
        Ok(self
            .top("argtopk", k, axis.axis_index())?
            .map_named("argtopk", |p: (T, usize)| p.1))
    }

    /// The best `|k|` along `axis` with their positions: a tree of selections.
    fn top(&self, op: &'static str, k: isize, axis: usize) -> Result<Array<(T, usize)>> {
        let axis = self.check_axis(op, axis)?;
        let len = self.shape()[axis];
        let n = k.unsigned_abs();
        if k == 0 || n > len {
            return Err(Error::InvalidParameter {
                op,
                name: "k",
                value: k.to_string(),
                expected: "a count from 1 to the axis's length (negative for the smallest)",
            });
        }
        let largest = k > 0;
        let starts = self.chunk_layout().starts(axis).to_vec();
        let mut level = select(op, self, axis, n, largest, 1, move |kept, lane, m| {
            let base = starts[m];
            match lane.as_slice() {
                Some(run) => kept.offer_run(run, base),
                None => lane
                    .iter()
                    .enumerate()
                    .for_each(|(i, &v)| kept.offer((v, base + i))),
            }
        });
        while level.chunks()[axis].len() > 1 {
            level = select(
                op,
                &level,
                axis,
                n,
                largest,
                SPLIT_EVERY,
                |kept, lane, _| lane.iter().for_each(|&p| kept.offer(p)),
            );
        }
        Ok(level)
    }
}

/// One level of the tree: output block `j` along `axis` keeps, per lane, the best `n` of
/// input blocks `j * group ..` (`group` of them), each lane offered by `offer(kept, lane,
/// block along the axis)`.
fn select<S, T, F>(
    op: &'static str,
    x: &Array<S>,
    axis: usize,
    n: usize,
    largest: bool,
    group: usize,
    offer: F,
) -> Array<(T, usize)>
where
    S: Element,
    T: Element + Copy + PartialOrd,
    F: Fn(&mut Kept<T>, ndarray::ArrayView1<'_, S>, usize) + Send + Sync + 'static,
{
    let src = x.chunk_layout().clone();
    let sizes_in = &src.sizes()[axis];
    let groups: Vec<std::ops::Range<usize>> = (0..sizes_in.len())
        .step_by(group)
        .map(|g| g..(g + group).min(sizes_in.len()))
        .collect();
    let mut sizes = src.sizes().to_vec();
    sizes[axis] = groups
        .iter()
        .map(|g| n.min(sizes_in[g.clone()].iter().sum()))
        .collect();
    let out = Chunks::from_valid(
        src.shape()
            .iter()
            .enumerate()
            .map(|(k, &m)| {
                if k == axis {
                    sizes[axis].iter().sum()
                } else {
                    m
                }
            })
            .collect(),
        sizes,
    );
    let (o, s, g) = (out.clone(), src.clone(), groups.clone());
    let deps = move |b: usize, deps: &mut Vec<BlockRef>| {
        let mut idx = o.grid_index(b).slice().to_vec();
        for m in g[idx[axis]].clone() {
            idx[axis] = m;
            deps.push(BlockRef {
                input: 0,
                block: s.linear_index(&idx),
            });
        }
    };
    let o = out.clone();
    let kernel = move |b: usize, inputs: &mut Vec<crate::scheduler::Value>| {
        let idx = o.grid_index(b);
        let group = &groups[idx[axis]];
        let shape = o.block_shape(b);
        let blocks: Vec<_> = inputs.iter().map(|v| block_of::<S>(v).view()).collect();
        let mut iters: Vec<_> = blocks
            .iter()
            .map(|v| v.lanes(Axis(axis)).into_iter())
            .collect();
        let count = iters.first().map_or(0, |l| l.len());
        let mut picked: Vec<Vec<(T, usize)>> = Vec::with_capacity(count);
        for _ in 0..count {
            let mut kept = Kept::new(n, largest);
            for (it, m) in iters.iter_mut().zip(group.clone()) {
                offer(
                    &mut kept,
                    it.next().expect("as many lanes in each block"),
                    m,
                );
            }
            picked.push(kept.sorted());
        }
        // Lanes run along `axis`; write each lane's picks back along it.
        let mut made = ArrayD::from_elem(shape, (T::default(), 0usize));
        for (mut lane, p) in made.lanes_mut(Axis(axis)).into_iter().zip(picked) {
            for (d, v) in lane.iter_mut().zip(p) {
                *d = v;
            }
        }
        Ok(owned(made))
    };
    Array::from_node(Gather::new::<(T, usize)>(
        op,
        out,
        vec![x.node().clone()],
        group == 1,
        Box::new(deps),
        Box::new(kernel),
    ))
}
