//! Taking elements by position: slicing (with steps), index selection, padding and rolling.
//!
//! Each axis of the result maps every output position to the input position it copies, or to
//! nothing (a fill value, for constant padding). An output block then reads the input blocks
//! its positions fall in, and copies runs of positions that advance by a constant step inside
//! one input block with one strided assignment each:
//!
//! ```text
//!   input axis   |  0  1  2 |  3  4  5 |  6  7  8 |      s![7..0;-2] on ndarray's rule:
//!   output       [  7  5 ][ 3  1 ]                       positions 7, 5, 3, 1
//!   runs         block 2: 7 (len 1)   block 1: 5, 3 (step -2)   block 0: 1
//! ```
//!
//! Output chunks are chosen by the operation (a slice keeps one output block per input block
//! it touches, so a block taken whole is shared without a copy).

use std::marker::PhantomData;
use std::ops::Range;
use std::sync::Arc;

use ndarray::{ArrayD, Slice};

use super::block::{Element, block_of, owned, region};
use super::{BlockRef, Node, NodeRef, Props};
use crate::chunks::{Boundary, Chunks, for_each_combination};
use crate::error::Result;
use crate::scheduler::Value;

/// For one axis: the input position that each output position copies.
#[derive(Clone, Debug)]
pub(crate) enum AxisMap {
    /// `first, first + step, ...` (`len` positions), as a slice takes them.
    Range {
        first: usize,
        step: isize,
        len: usize,
    },
    /// An explicit list; `None` takes the fill value.
    List(Arc<[Option<usize>]>),
    /// An axis of length `len` padded by `lo` positions before it, `total` positions in all,
    /// the padding read by `rule` (`Constant` takes the fill value): what `pad` takes, without
    /// a list as long as the padding.
    Pad {
        lo: usize,
        len: usize,
        total: usize,
        rule: Boundary<()>,
    },
}

impl AxisMap {
    pub(crate) fn len(&self) -> usize {
        match self {
            AxisMap::Range { len, .. } => *len,
            AxisMap::List(l) => l.len(),
            AxisMap::Pad { total, .. } => *total,
        }
    }

    /// Where the stretch of fill positions that `p` starts ends, if `p` is one and the map
    /// knows the stretch without walking it (the constant padding of a pad).
    fn fill_until(&self, p: usize) -> Option<usize> {
        match self {
            AxisMap::Pad {
                lo,
                len,
                total,
                rule: Boundary::Constant(()),
            } => {
                if p < *lo {
                    Some(*lo)
                } else if p >= lo + len {
                    Some(*total)
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    /// Whether some output positions read input positions that others read too (a pad that
    /// repeats the edge by a rule): then no output block reads an input block alone.
    fn repeats(&self) -> bool {
        matches!(self, AxisMap::Pad { lo, len, total, rule }
            if *rule != Boundary::Constant(()) && (*lo > 0 || *total > lo + len))
    }

    fn get(&self, p: usize) -> Option<usize> {
        match self {
            AxisMap::Range { first, step, .. } => {
                Some((*first as isize + p as isize * *step) as usize)
            }
            AxisMap::List(l) => l[p],
            // `p` and `lo` are below `total`, whose length was checked to fit an `isize`.
            AxisMap::Pad { lo, len, rule, .. } => rule.source(p as isize - *lo as isize, *len),
        }
    }
}

/// An axis of the result: an axis of the take (one per input axis), or a new axis of length 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OutAxis {
    Input(usize),
    New,
}

/// A run of output positions on one axis, copied from one input block with one step (or filled).
#[derive(Debug)]
struct Run {
    /// Output positions, relative to the output block.
    to: Range<usize>,
    /// The input block along this axis and the slice of it, or `None` to fill.
    from: Option<(usize, Slice)>,
}

/// A run being built: its first output position, the input block with its first local index
/// and step (or `None` to fill), and its length.
struct Open {
    to: usize,
    from: Option<(usize, usize, isize)>,
    n: usize,
}

impl Open {
    /// Whether input position `next` (block, local index; `None` to fill) continues the run.
    fn extend(&mut self, next: Option<(usize, usize)>) -> bool {
        let ok = match (&mut self.from, next) {
            (None, None) => true,
            (Some((b, f, step)), Some((nb, local))) if *b == nb => {
                if self.n == 1 && local != *f {
                    *step = local as isize - *f as isize;
                    true
                } else {
                    self.n > 1 && local as isize == *f as isize + self.n as isize * *step
                }
            }
            _ => false,
        };
        self.n += usize::from(ok);
        ok
    }

    fn close(self) -> Run {
        let n = self.n as isize;
        let from = self.from.map(|(b, f, step)| {
            let f = f as isize;
            let slice = if self.n == 1 {
                Slice::new(f, Some(f + 1), 1)
            } else if step > 0 {
                Slice::new(f, Some(f + (n - 1) * step + 1), step)
            } else {
                // ndarray walks a negative step from the end of the range.
                Slice::new(f + (n - 1) * step, Some(f + 1), step)
            };
            (b, slice)
        });
        Run {
            to: self.to..self.to + self.n,
            from,
        }
    }
}

/// Builds a run list for output range `r` of `map` over input axis `axis` of `src`.
fn runs(map: &AxisMap, src: &Chunks, axis: usize, r: Range<usize>) -> Vec<Run> {
    let starts = src.starts(axis);
    let mut out: Vec<Run> = Vec::new();
    let mut cur: Option<Open> = None;
    let mut block = 0;
    let mut p = r.start;
    while p < r.end {
        // A stretch of fill known to the map is one run, however long.
        if let Some(end) = map.fill_until(p) {
            let end = end.min(r.end);
            if let Some(c) = cur.as_mut().filter(|c| c.from.is_none()) {
                c.n += end - p;
            } else {
                out.extend(cur.take().map(Open::close));
                cur = Some(Open {
                    to: p - r.start,
                    from: None,
                    n: end - p,
                });
            }
            p = end;
            continue;
        }
        let here = p;
        p += 1;
        let next = map.get(here).map(|i| {
            if !(starts[block]..starts[block + 1]).contains(&i) {
                block = src.locate(axis, i);
            }
            (block, i - starts[block])
        });
        if cur.as_mut().is_some_and(|c| c.extend(next)) {
            continue;
        }
        out.extend(cur.take().map(Open::close));
        cur = Some(Open {
            to: here - r.start,
            from: next.map(|(b, l)| (b, l, 1)),
            n: 1,
        });
    }
    out.extend(cur.map(Open::close));
    out
}

/// Output chunk sizes for `map` (which has no fill positions) over input axis `axis`: one chunk
/// per maximal stretch of output positions inside one input block, as a slice keeps them.
pub(crate) fn chunk_counts(map: &AxisMap, src: &Chunks, axis: usize) -> Vec<usize> {
    let n = map.len();
    if n == 0 {
        return vec![0];
    }
    let starts = src.starts(axis);
    let mut out = Vec::new();
    let mut p = 0;
    while p < n {
        let i = map.get(p).expect("a slice has no fill positions");
        let b = src.locate(axis, i);
        let k = match map {
            AxisMap::Range { step, .. } if *step > 0 => {
                (starts[b + 1] - 1 - i) / *step as usize + 1
            }
            AxisMap::Range { step, .. } => (i - starts[b]) / step.unsigned_abs() + 1,
            AxisMap::List(_) | AxisMap::Pad { .. } => {
                let mut k = 1;
                while p + k < n
                    && map
                        .get(p + k)
                        .is_some_and(|j| (starts[b]..starts[b + 1]).contains(&j))
                {
                    k += 1;
                }
                k
            }
        };
        let k = k.min(n - p);
        out.push(k);
        p += k;
    }
    out
}

/// Takes elements of the input by position on every axis (see the module docs).
pub(crate) struct Take<T> {
    props: Props,
    maps: Vec<AxisMap>,
    /// Chunk sizes of the take, one list per input axis.
    take_chunks: Chunks,
    /// The axes of the result; input axes left out must have length 1 and are dropped.
    layout: Vec<OutAxis>,
    fill: T,
    _t: PhantomData<fn() -> T>,
}

impl<T: Element> Take<T> {
    /// `sizes` are the output chunk sizes per input axis (adding up to each map's length).
    pub(crate) fn new(
        name: &'static str,
        input: NodeRef,
        maps: Vec<AxisMap>,
        sizes: Vec<Vec<usize>>,
        layout: Vec<OutAxis>,
        fill: T,
    ) -> Take<T> {
        let take_shape: Vec<usize> = maps.iter().map(AxisMap::len).collect();
        let take_chunks = Chunks::from_valid(take_shape, sizes);
        let (shape, out_sizes) = layout
            .iter()
            .map(|a| match *a {
                OutAxis::Input(i) => (take_chunks.shape()[i], take_chunks.sizes()[i].clone()),
                OutAxis::New => (1, vec![1]),
            })
            .unzip();
        let chunks = Chunks::from_valid(shape, out_sizes);
        let src = input.chunks().clone();
        // One-to-one if every output chunk reads at most one input block on every axis, and no
        // two output chunks read the same one.
        let one_to_one = maps.iter().enumerate().all(|(axis, map)| {
            if map.repeats() {
                return false;
            }
            let starts = take_chunks.starts(axis);
            let mut seen = vec![false; src.grid_shape()[axis]];
            starts.windows(2).all(|w| {
                let blocks = blocks_read(map, &src, axis, w[0]..w[1]);
                match blocks.as_slice() {
                    [] => true,
                    [b] => !std::mem::replace(&mut seen[*b], true),
                    _ => false,
                }
            })
        });
        Take {
            props: Props::new::<T>(name, chunks, vec![input]).one_to_one_each(vec![one_to_one]),
            maps,
            take_chunks,
            layout,
            fill,
            _t: PhantomData,
        }
    }

    /// The block of the take that output block `block` is.
    fn take_block(&self, block: usize) -> usize {
        let g = self.props.chunks.grid_index(block);
        let mut idx = vec![0; self.maps.len()];
        for (k, a) in self.layout.iter().enumerate() {
            if let OutAxis::Input(i) = a {
                idx[*i] = g[k];
            }
        }
        self.take_chunks.linear_index(&idx)
    }

    fn axis_runs(&self, tb: usize) -> Vec<Vec<Run>> {
        let src = self.props.inputs[0].chunks();
        self.take_chunks
            .block_ranges(tb)
            .into_iter()
            .enumerate()
            .map(|(axis, r)| runs(&self.maps[axis], src, axis, r))
            .collect()
    }
}

/// The input blocks along `axis` that output positions `r` read, ascending.
fn blocks_read(map: &AxisMap, src: &Chunks, axis: usize, r: Range<usize>) -> Vec<usize> {
    if let AxisMap::Pad { lo, len, rule, .. } = map {
        return pad_blocks_read(src, axis, r, *lo, *len, rule);
    }
    blocks_of(&runs(map, src, axis, r))
}

/// [`blocks_read`] for a pad, without walking its padding position by position (a wide pad's
/// blocks may be far longer than memory): the part of `r` inside the axis reads the blocks it
/// overlaps; a part in the padding reads nothing (constant), one edge cell (nearest), every
/// block (a cycling rule over a stretch as long as its period), or what its few positions read.
/// It must list exactly what [`runs`] copy from: `compute` finds a run's input by its place in
/// this list.
fn pad_blocks_read(
    src: &Chunks,
    axis: usize,
    r: Range<usize>,
    lo: usize,
    len: usize,
    rule: &Boundary<()>,
) -> Vec<usize> {
    let mut blocks = Vec::new();
    let locate = |pos: usize| src.locate(axis, pos);
    let inside = r.start.max(lo)..r.end.min(lo + len);
    if !inside.is_empty() {
        blocks.extend(locate(inside.start - lo)..=locate(inside.end - 1 - lo));
    }
    let below = r.start..r.end.min(lo);
    let above = r.start.max(lo + len)..r.end;
    for part in [below, above] {
        if part.is_empty() || len == 0 {
            continue;
        }
        match rule {
            Boundary::Constant(()) | Boundary::None => {}
            Boundary::Nearest => blocks.push(locate(if part.start < lo { 0 } else { len - 1 })),
            _ if part.len() >= 2 * len => blocks.extend(0..src.grid_shape()[axis]),
            _ => blocks.extend(
                part.filter_map(|p| rule.source(p as isize - lo as isize, len))
                    .map(locate),
            ),
        }
    }
    // Empty blocks hold no position: a range or a whole period spanning one reads nothing of it.
    let sizes = &src.sizes()[axis];
    blocks.retain(|&b| sizes[b] > 0);
    blocks.sort_unstable();
    blocks.dedup();
    blocks
}

/// The distinct input blocks that `runs` copy from, ascending.
fn blocks_of(runs: &[Run]) -> Vec<usize> {
    let mut blocks: Vec<usize> = runs
        .iter()
        .filter_map(|run| run.from.as_ref().map(|f| f.0))
        .collect();
    blocks.sort_unstable();
    blocks.dedup();
    blocks
}

impl<T: Element> Node for Take<T> {
    fn props(&self) -> &Props {
        &self.props
    }
    fn block_inputs(&self, block: usize, deps: &mut Vec<BlockRef>) {
        let tb = self.take_block(block);
        let src = self.props.inputs[0].chunks();
        let per_axis: Vec<Vec<usize>> = self
            .take_chunks
            .block_ranges(tb)
            .into_iter()
            .enumerate()
            .map(|(axis, r)| blocks_read(&self.maps[axis], src, axis, r))
            .collect();
        let mut idx = vec![0; per_axis.len()];
        for_each_combination(&per_axis, |bs| {
            for (i, b) in idx.iter_mut().zip(bs) {
                *i = **b;
            }
            deps.push(BlockRef {
                input: 0,
                block: src.linear_index(&idx),
            });
        });
    }
    fn input_region(&self, block: usize, k: usize) -> Option<Vec<Range<usize>>> {
        let runs = self.axis_runs(self.take_block(block));
        let per_axis: Vec<Vec<usize>> = runs.iter().map(|rs| blocks_of(rs)).collect();
        // The k-th combination of per-axis blocks, row-major, as `block_inputs` lists them.
        let mut rest = k;
        let mut chosen = vec![0usize; per_axis.len()];
        for axis in (0..per_axis.len()).rev() {
            let n = per_axis[axis].len();
            chosen[axis] = per_axis[axis][rest % n];
            rest /= n;
        }
        // Per axis, the cells of that block some run copies.
        let ranges = runs
            .iter()
            .zip(&chosen)
            .map(|(rs, &b)| {
                let (mut lo, mut hi) = (usize::MAX, 0);
                for r in rs {
                    if let Some((rb, slice)) = &r.from
                        && *rb == b
                    {
                        lo = lo.min(slice.start as usize);
                        hi = hi.max(slice.end.expect("runs have an end") as usize);
                    }
                }
                lo.min(hi)..hi
            })
            .collect();
        Some(ranges)
    }
    fn compute(&self, block: usize, inputs: &mut Vec<Value>) -> Result<Value> {
        let tb = self.take_block(block);
        let runs = self.axis_runs(tb);
        let identity_layout = self.layout.len() == self.maps.len()
            && self
                .layout
                .iter()
                .enumerate()
                .all(|(k, a)| *a == OutAxis::Input(k));
        // A block taken as one contiguous region of one input block: share it.
        if identity_layout
            && inputs.len() == 1
            && runs
                .iter()
                .all(|r| r.len() == 1 && r[0].from.as_ref().is_some_and(|(_, s)| s.step == 1))
        {
            let ranges = runs
                .iter()
                .map(|r| {
                    let s = &r[0].from.as_ref().expect("checked above").1;
                    s.start as usize..s.end.expect("runs have an end") as usize
                })
                .collect();
            return Ok(region::<T>(&inputs[0], ranges));
        }
        let mut out = ArrayD::from_elem(self.take_chunks.block_shape(tb), self.fill.clone());
        // Position of each input block along each axis in the list of blocks read (the order
        // of `block_inputs`), to find a run's value.
        let per_axis: Vec<Vec<usize>> = runs.iter().map(|rs| blocks_of(rs)).collect();
        let mut strides = vec![1; per_axis.len()];
        for a in (0..per_axis.len().saturating_sub(1)).rev() {
            strides[a] = strides[a + 1] * per_axis[a + 1].len();
        }
        for_each_combination(&runs, |rs| {
            let mut value = 0;
            for (a, r) in rs.iter().enumerate() {
                let Some((b, _)) = &r.from else { return };
                value += strides[a] * per_axis[a].binary_search(b).expect("a block read");
            }
            let slices: Vec<Slice> = rs
                .iter()
                .map(|r| r.from.as_ref().expect("fill runs return above").1)
                .collect();
            let src = block_of::<T>(&inputs[value]).view_of(&slices);
            out.slice_each_axis_mut(|ax| Slice::from(rs[ax.axis.index()].to.clone()))
                .assign(&src);
        });
        if identity_layout {
            return Ok(owned(out));
        }
        let out = out
            .into_shape_with_order(self.props.chunks.block_shape(block))
            .expect("dropped and new axes have length 1");
        Ok(owned(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The blocks a pad reads, found without walking the padding, are exactly those that
    /// walking it position by position finds: every rule, width, block layout and range.
    #[test]
    fn pad_blocks_read_matches_walking_every_position() {
        let rules = [
            Boundary::Constant(()),
            Boundary::Nearest,
            Boundary::Reflect,
            Boundary::Mirror,
            Boundary::Periodic,
        ];
        for sizes in [
            vec![1],
            vec![3],
            vec![2, 2, 1],
            vec![1, 4, 2],
            vec![0, 2],
            vec![2, 0],
            vec![1, 0, 0, 2, 0],
        ] {
            let len: usize = sizes.iter().sum();
            let src = Chunks::new(&[len], vec![sizes.clone()]).unwrap();
            for rule in &rules {
                for (lo, hi) in [(0, 0), (1, 0), (0, 2), (3, 5), (11, 17)] {
                    let total = lo + len + hi;
                    let map = AxisMap::Pad {
                        lo,
                        len,
                        total,
                        rule: rule.clone(),
                    };
                    for a in 0..total {
                        for b in a..=total {
                            let walked = blocks_of(&runs(&map, &src, 0, a..b));
                            let fast = pad_blocks_read(&src, 0, a..b, lo, len, rule);
                            assert_eq!(
                                fast, walked,
                                "{rule:?} {sizes:?} pad ({lo}, {hi}) {a}..{b}"
                            );
                        }
                    }
                }
            }
        }
    }
}
