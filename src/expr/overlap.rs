//! Ghost cells: `Overlap` grows every block by cells of its neighbours (or of the boundary
//! rule), `Trim` cuts them off again.
//!
//! Each padded block is assembled in one task with one copy, from slices of every input block
//! it overlaps: its neighbours (up to 3^d of them), or more when the depth exceeds a block.
//! When the input is stored (it [reads regions](super::Stored::reads_regions)), the task reads
//! just those slices itself: no neighbour block is kept alive for other readers, so memory
//! stays at a few padded blocks per thread whatever the grid.

use std::marker::PhantomData;

use ndarray::{ArrayD, Slice};

use super::block::{Element, block_of, owned, region};
use super::{BlockRef, Node, NodeRef, Props};
use crate::chunks::ghost::{Boundary, Depth, Run, Source, all_pads, axis_runs, padded_chunks};
use crate::chunks::{Chunks, for_each_combination};
use crate::error::Result;
use crate::scheduler::{Value, block_with_capacity};

pub(crate) struct Overlap<T> {
    props: Props,
    depth: Depth,
    boundaries: Vec<Boundary<T>>,
}

/// The runs of each axis of one padded block, and the input blocks they read per axis.
struct Plan {
    runs: Vec<Vec<Run>>,
    /// Per axis, the distinct input blocks read, in order.
    blocks: Vec<Vec<usize>>,
}

impl<T: Element> Overlap<T> {
    pub(crate) fn new(input: NodeRef, depth: Depth, boundaries: Vec<Boundary<T>>) -> Self {
        let chunks = padded_chunks(input.chunks(), &depth, &boundaries);
        Overlap {
            props: Props::new::<T>("overlap", chunks, vec![input]),
            depth,
            boundaries,
        }
    }

    /// Per axis, per block: the padding of each block, which a trim of the result must cut.
    pub(crate) fn pads(&self) -> Vec<Vec<(usize, usize)>> {
        all_pads(self.props.inputs[0].chunks(), &self.depth, &self.boundaries)
    }

    fn plan(&self, block: usize) -> Plan {
        let src = self.props.inputs[0].chunks();
        let idx = self.props.chunks.grid_index(block);
        let mut runs = Vec::with_capacity(idx.ndim());
        let mut blocks = Vec::with_capacity(idx.ndim());
        for (axis, &i) in idx.slice().iter().enumerate() {
            let r = axis_runs(
                src,
                axis,
                i,
                self.depth.axes()[axis],
                &self.boundaries[axis],
            );
            let mut bs: Vec<usize> = r
                .iter()
                .filter_map(|run| match run.src {
                    Source::Block { block, .. } => Some(block),
                    Source::Constant => None,
                })
                .collect();
            bs.sort_unstable();
            bs.dedup();
            runs.push(r);
            blocks.push(bs);
        }
        Plan { runs, blocks }
    }
}

use ndarray::Dimension as _;

impl<T: Element> Node for Overlap<T> {
    fn props(&self) -> &Props {
        &self.props
    }
    fn block_inputs(&self, block: usize, deps: &mut Vec<BlockRef>) {
        if self.props.inputs[0].region_reader().is_some() {
            // Each piece is read from the store inside this task (see `compute`).
            return;
        }
        let src = self.props.inputs[0].chunks();
        for_each_combination(&self.plan(block).blocks, |bs| {
            let grid: Vec<usize> = bs.iter().map(|&&b| b).collect();
            deps.push(BlockRef {
                input: 0,
                block: src.linear_index(&grid),
            });
        });
    }
    fn input_region(&self, block: usize, k: usize) -> Option<Vec<std::ops::Range<usize>>> {
        if self.props.inputs[0].region_reader().is_some() {
            return None; // no input blocks: pieces are read inside the task
        }
        let plan = self.plan(block);
        // The k-th combination of per-axis blocks, row-major, as `block_inputs` lists them.
        let mut rest = k;
        let mut chosen = vec![0usize; plan.blocks.len()];
        for axis in (0..plan.blocks.len()).rev() {
            let n = plan.blocks[axis].len();
            chosen[axis] = plan.blocks[axis][rest % n];
            rest /= n;
        }
        // Per axis, the cells of that block that some run reads.
        let ranges = plan
            .runs
            .iter()
            .zip(&chosen)
            .map(|(runs, &b)| {
                let mut lo = usize::MAX;
                let mut hi = 0;
                for run in runs {
                    if let Source::Block { block, slice } = run.src
                        && block == b
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
        let plan = self.plan(block);
        let shape = self.props.chunks.block_shape(block);
        let input = &self.props.inputs[0];
        let Some(stored) = input.region_reader() else {
            return Ok(owned(self.assemble(&plan, shape, inputs)));
        };
        // A stored input: each rectangular piece is read from the store and assigned into a
        // block made first.
        let mut out = ArrayD::from_elem(shape, T::default());
        let mut failed = None;
        for_each_combination(&plan.runs, |runs| {
            if failed.is_some() {
                return;
            }
            let mut dst = out.view_mut();
            for (axis, run) in runs.iter().enumerate() {
                dst.slice_axis_inplace(ndarray::Axis(axis), Slice::from(run.out.clone()));
            }
            // A constant on any axis wins, the one of the latest axis (padding is applied
            // axis after axis, so a later axis's padding covers the corners).
            let constant = runs.iter().enumerate().rev().find_map(|(axis, r)| {
                (r.src == Source::Constant).then(|| match &self.boundaries[axis] {
                    Boundary::Constant(c) => c.clone(),
                    _ => unreachable!("only Constant padding has constant runs"),
                })
            });
            if let Some(c) = constant {
                dst.fill(c);
                return;
            }
            let slice = |axis: usize| match &runs[axis].src {
                Source::Block { slice, .. } => *slice,
                Source::Constant => unreachable!("constant runs return above"),
            };
            // Read just this piece of the neighbour, then walk it with the run's step.
            let mut grid = Vec::with_capacity(runs.len());
            let mut ranges = Vec::with_capacity(runs.len());
            for run in runs.iter() {
                let Source::Block { block, slice } = run.src else {
                    unreachable!()
                };
                grid.push(block);
                let end = slice.end.expect("runs have an end") as usize;
                ranges.push(slice.start as usize..end);
            }
            match stored.read_region(input.chunks().linear_index(&grid), &ranges) {
                Ok(v) => {
                    let piece = block_of::<T>(&v).view();
                    let piece = piece
                        .slice_each_axis(|ax| Slice::new(0, None, slice(ax.axis.index()).step));
                    dst.assign(&piece);
                }
                Err(e) => failed = Some(e),
            }
        });
        if let Some(e) = failed {
            return Err(e);
        }
        Ok(owned(out))
    }
}

impl<T: Element> Overlap<T> {
    /// The padded block of `shape` made row by row, in row-major order, from the input blocks
    /// of `plan` (in `inputs`, combinations in row-major order): each row is its runs along the
    /// last axis appended one after another, a contiguous piece of a neighbour's row copied
    /// whole. One write per cell and no zeroing pass first (the assembly by rectangular pieces
    /// into a block made first, in `compute`, remains for stored inputs).
    fn assemble(&self, plan: &Plan, shape: ndarray::IxDyn, inputs: &[Value]) -> ArrayD<T> {
        let Some(last) = shape.ndim().checked_sub(1) else {
            // A 0-d block pads nothing: its one cell.
            return block_of::<T>(&inputs[0]).view_of(&[]).to_owned();
        };
        let constant = |axis: usize| match &self.boundaries[axis] {
            Boundary::Constant(c) => c.clone(),
            _ => unreachable!("only Constant padding has constant runs"),
        };
        // Per outer axis, per padded coordinate: its run, and the cell of the run's input
        // block it copies (none for a constant run).
        let cells: Vec<Vec<(usize, Option<usize>)>> = plan.runs[..last]
            .iter()
            .map(|runs| run_cells(runs))
            .collect();
        // Strides to find a combination of per-axis blocks in the row-major list of inputs.
        let mut strides = vec![1usize; plan.blocks.len()];
        for a in (0..last).rev() {
            strides[a] = strides[a + 1] * plan.blocks[a + 1].len();
        }
        let position = |axis: usize, block: usize| {
            plan.blocks[axis]
                .binary_search(&block)
                .expect("planned block")
                * strides[axis]
        };
        let mut out: Vec<T> = block_with_capacity(shape.size());
        let mut row = vec![0usize; last];
        let rows: usize = shape.slice()[..last].iter().product();
        for _ in 0..rows {
            // A constant on an outer axis covers the row, the latest such axis's (padding is
            // applied axis after axis); the last axis's constant runs still win over it.
            let outer_constant = (0..last).rev().find(|&a| cells[a][row[a]].1.is_none());
            let mut pos = 0;
            if outer_constant.is_none() {
                for (a, &c) in row.iter().enumerate() {
                    let Source::Block { block, .. } = plan.runs[a][cells[a][c].0].src else {
                        unreachable!("block runs only, checked above")
                    };
                    pos += position(a, block);
                }
            }
            for run in &plan.runs[last] {
                let n = run.out.len();
                let (block, slice) = match (&run.src, outer_constant) {
                    (Source::Constant, _) => {
                        out.extend(std::iter::repeat_n(constant(last), n));
                        continue;
                    }
                    (Source::Block { .. }, Some(a)) => {
                        out.extend(std::iter::repeat_n(constant(a), n));
                        continue;
                    }
                    (&Source::Block { block, slice }, None) => (block, slice),
                };
                // Through `view_of`: on a cluster the input may be just the window read here.
                let slices: Vec<Slice> = (0..last)
                    .map(|a| {
                        let cell = cells[a][row[a]].1.expect("a block run");
                        Slice::from(cell..cell + 1)
                    })
                    .chain([slice])
                    .collect();
                let lane = block_of::<T>(&inputs[pos + position(last, block)]).view_of(&slices);
                debug_assert!(
                    lane.len() == n || lane.len() == 1,
                    "a run reads n cells or one"
                );
                if lane.len() == 1 {
                    // One cell broadcast over the run (the nearest edge, say).
                    let cell = lane.iter().next().expect("one cell").clone();
                    out.extend(std::iter::repeat_n(cell, n));
                } else if let Some(piece) = lane.as_slice() {
                    out.extend_from_slice(piece);
                } else {
                    out.extend(lane.iter().cloned());
                }
            }
            for a in (0..last).rev() {
                row[a] += 1;
                if row[a] < shape[a] {
                    break;
                }
                row[a] = 0;
            }
        }
        ArrayD::from_shape_vec(shape, out).expect("every run appended its cells")
    }
}

/// For each coordinate along a padded axis made of `runs`: the run it lies in, and the cell of
/// the run's input block it copies (`None` for a constant run). A reversed run counts from its
/// end; a run read from one cell repeats it.
fn run_cells(runs: &[Run]) -> Vec<(usize, Option<usize>)> {
    let mut cells = Vec::new();
    for (r, run) in runs.iter().enumerate() {
        debug_assert_eq!(run.out.start, cells.len(), "runs cover the axis in order");
        for k in 0..run.out.len() {
            let cell = match run.src {
                Source::Constant => None,
                Source::Block { slice, .. } => {
                    let start = slice.start as usize;
                    let end = slice.end.expect("runs have an end") as usize;
                    let step = slice.step.unsigned_abs();
                    Some(if end - start == 1 {
                        start
                    } else if slice.step > 0 {
                        start + k * step
                    } else {
                        end - 1 - k * step
                    })
                }
            };
            cells.push((r, cell));
        }
    }
    cells
}

/// Cuts `depth` cells off each side of every block (none on the outer sides of edge blocks
/// under `Boundary::None`): a view of each block, no copy.
pub(crate) struct Trim<T> {
    props: Props,
    /// Per axis, per block: the cells cut from the lower and upper side.
    cuts: Vec<Vec<(usize, usize)>>,
    _t: PhantomData<fn() -> T>,
}

impl<T: Element> Trim<T> {
    /// Cuts `cuts[axis][block] = (lower, upper)` cells off each block of `input`; returns the
    /// first cut that does not fit as `(axis, block, size, cut)`.
    pub(crate) fn new(
        input: NodeRef,
        cuts: Vec<Vec<(usize, usize)>>,
    ) -> std::result::Result<Self, (usize, usize, usize, (usize, usize))> {
        let c = input.chunks();
        let mut sizes = Vec::with_capacity(c.ndim());
        for (axis, (s, axis_cuts)) in c.sizes().iter().zip(&cuts).enumerate() {
            let mut axis_sizes = Vec::with_capacity(s.len());
            for (i, (&size, &(lo, hi))) in s.iter().zip(axis_cuts).enumerate() {
                if lo + hi > size {
                    return Err((axis, i, size, (lo, hi)));
                }
                axis_sizes.push(size - lo - hi);
            }
            sizes.push(axis_sizes);
        }
        let shape = sizes.iter().map(|s| s.iter().sum()).collect();
        Ok(Trim {
            props: Props::new::<T>("trim", Chunks::from_valid(shape, sizes), vec![input])
                .one_to_one(),
            cuts,
            _t: PhantomData,
        })
    }
}

impl<T: Element> Node for Trim<T> {
    fn props(&self) -> &Props {
        &self.props
    }
    fn block_inputs(&self, block: usize, deps: &mut Vec<BlockRef>) {
        deps.push(BlockRef { input: 0, block });
    }
    fn compute(&self, block: usize, inputs: &mut Vec<Value>) -> Result<Value> {
        let idx = self.props.chunks.grid_index(block);
        let ranges = idx
            .slice()
            .iter()
            .enumerate()
            .map(|(axis, &i)| {
                let (lo, _) = self.cuts[axis][i];
                lo..lo + self.props.chunks.sizes()[axis][i]
            })
            .collect();
        Ok(region::<T>(&inputs[0], ranges))
    }
}
