//! Connected-component labelling across blocks, numbered as `scipy.ndimage.label` numbers.
//!
//! 1. Each block is labelled on its own, as scipy's two-pass labelling does: provisional `u32`
//!    labels in raster order, joined in a union-find over labels (not cells). When the
//!    structure holds the left neighbour (face and full connectivity do), a run of true cells
//!    along a row is one object, so runs are labelled, not cells, and each run is compared
//!    only with the runs of the earlier rows the structure reaches. The block keeps its runs
//!    (a few bytes each, not four per cell), each provisional label's local label (`1..=k` by
//!    first cell), each local label's first cell (its raster position in the whole array),
//!    and its first and last layer across each axis, in local labels: all that another
//!    block's cells touch.
//! 2. A tree reduction gathers the labelled blocks (shared, not copied).
//! 3. One task joins the local labels that touch across block edges (a union-find over dense
//!    indexes; the facing layers of neighbouring blocks, diagonal neighbours included, are
//!    walked side by side), orders the objects by their first cell, as scipy numbers them, and
//!    makes a table per block from local to final label.
//! 4. Each block's runs are written straight into the result, a run at a time, with their
//!    labels looked up through the table.
//!
//! An object that winds through many blocks and joins far away is joined in step 3, where
//! every block edge is seen at once; nothing depends on how many blocks it crosses.

use std::sync::Arc;

use ndarray::{ArrayD, ArrayViewD, Dimension, IxDyn};

use crate::array::Array;
use crate::chunks::Chunks;
use crate::error::{Error, Result};

/// Which neighbours join two cells into one object.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure::{self, Connectivity}};
/// let diagonal = Array::from_ndarray(ndarray::array![[true, false], [false, true]], [1, 1])?;
/// let (_, n) = ndmeasure::label(&diagonal, Connectivity::Face)?;
/// assert_eq!(n.compute_scalar()?, 2);
/// let (_, n) = ndmeasure::label(&diagonal, Connectivity::Full)?;
/// assert_eq!(n.compute_scalar()?, 1);
/// # Ok::<(), chunkwise::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connectivity {
    /// Neighbours that share a face (4 in 2-D, 6 in 3-D): scipy's default structure.
    Face,
    /// Every neighbour (8 in 2-D, 26 in 3-D).
    Full,
}

/// Labels the connected objects of `mask`: each object's cells get one label, `1..=n` in the
/// order of each object's first cell in row-major order, the background 0, so the result is
/// identical to `scipy.ndimage.label(mask, structure)` whatever the chunking. Returns the
/// labels (in `mask`'s blocks) and the number of objects, both lazy.
///
/// # Errors
///
/// At compute, [`Error::InvalidParameter`] if there are more than `u32::MAX` objects (rather
/// than a wrapped label).
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure::{self, Connectivity}};
/// let mask = Array::from_ndarray(ndarray::array![
///     [true, true, false, false],
///     [false, false, false, true],
///     [true, false, true, true],
/// ], [2, 2])?;
/// let (labels, n) = ndmeasure::label(&mask, Connectivity::Face)?;
/// assert_eq!(labels.compute()?, ndarray::array![[1u32, 1, 0, 0], [0, 0, 0, 2], [3, 0, 2, 2]].into_dyn());
/// assert_eq!(n.compute_scalar()?, 3);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn label(mask: &Array<bool>, connectivity: Connectivity) -> Result<(Array<u32>, Array<usize>)> {
    let rank = match connectivity {
        Connectivity::Face => 1,
        Connectivity::Full => mask.ndim(),
    };
    label_with_structure(mask, crate::ndfilters::binary_structure(mask.ndim(), rank))
}

/// [`label`] with any structure scipy accepts: 3 cells on every axis, symmetric through its
/// centre (`structure[c + o] == structure[c - o]`).
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a structure of another shape or not centre-symmetric, or
/// blocks longer than `u32::MAX` cells along the last axis, and the errors of [`label`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure};
/// // Joined along rows only.
/// let rows = ndarray::array![[false, false, false], [true, true, true], [false, false, false]].into_dyn();
/// let mask = Array::from_ndarray(ndarray::Array2::from_elem((3, 3), true), [2, 2])?;
/// let (labels, n) = ndmeasure::label_with_structure(&mask, rows)?;
/// assert_eq!(n.compute_scalar()?, 3);
/// assert_eq!(labels.compute()?[[2, 1]], 3);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn label_with_structure(
    mask: &Array<bool>,
    structure: ArrayD<bool>,
) -> Result<(Array<u32>, Array<usize>)> {
    super::register_wire();
    let ndim = mask.ndim();
    let invalid = |expected: &'static str| Error::InvalidParameter {
        op: "label",
        name: "structure",
        value: format!("an array of shape {:?}", structure.shape()),
        expected,
    };
    if structure.shape() != vec![3; ndim].as_slice() {
        return Err(invalid("3 cells on every axis of the mask"));
    }
    let symmetric = structure.indexed_iter().all(|(i, &v)| {
        v == structure[IxDyn(&i.slice().iter().map(|&k| 2 - k).collect::<Vec<_>>())]
    });
    if !symmetric {
        return Err(invalid("a structure symmetric through its centre"));
    }
    if let Some(last) = mask.chunks().last()
        && last.iter().any(|&c| c > u32::MAX as usize)
    {
        return Err(Error::InvalidParameter {
            op: "label",
            name: "mask",
            value: format!(
                "blocks of up to {} cells along the last axis",
                last.iter().max().unwrap_or(&0)
            ),
            expected: "blocks of at most 2^32 - 1 cells along the last axis (rechunk it)",
        });
    }
    // The neighbour offsets (the centre excluded).
    let offsets: Arc<Vec<Vec<isize>>> = Arc::new(
        structure
            .indexed_iter()
            .filter(|&(_, &v)| v)
            .map(|(i, _)| {
                i.slice()
                    .iter()
                    .map(|&k| k as isize - 1)
                    .collect::<Vec<isize>>()
            })
            .filter(|o| o.iter().any(|&k| k != 0))
            .collect(),
    );
    let layout = mask.chunk_layout().clone();
    let grid_layout = layout.clone();
    let shape = mask.shape().to_vec();
    let ndim_grid = layout.grid_shape().to_vec();
    // One value per block: the block labelled on its own, with its summary.
    let one_each: Vec<Vec<usize>> = ndim_grid.iter().map(|&g| vec![1; g]).collect();
    let offs = offsets.clone();
    let whole = shape.clone();
    let blocks: Array<Arc<BlockLabels>> =
        mask.map_blocks_with_chunks(one_each, move |idx, b| {
            let block = layout.linear_index(idx);
            let start: Vec<usize> = (0..idx.len()).map(|k| layout.starts(k)[idx[k]]).collect();
            let labelled = label_block(b, &offs, block as u64, &start, &whole);
            ArrayD::from_elem(IxDyn(&vec![1; idx.len()]), Arc::new(labelled))
        })?;
    let all: Vec<usize> = (0..ndim).collect();
    // Only the summaries are gathered: on a cluster they are all that crosses ranks (the
    // runs stay on the rank that labelled the block), and the table goes back to every rank.
    let summaries = blocks.map(|b| b.summary.clone());
    let table = summaries.reduction(
        &all,
        false,
        4,
        |b, _, _| {
            let s: Vec<Arc<Summary>> = b.iter().cloned().collect();
            ArrayD::from_elem(IxDyn(&vec![1; b.ndim()]), s)
        },
        |a: &Vec<Arc<Summary>>, b: &Vec<Arc<Summary>>| a.iter().chain(b).cloned().collect(),
        move |s: &Vec<Arc<Summary>>| {
            let summaries: Vec<&Summary> = s.iter().map(|b| &**b).collect();
            resolve(&summaries, &offsets, &grid_layout).map(Arc::new)
        },
    )?;
    // Each block's runs, their labels looked up in a table made for the block from its own
    // local numbering and the final numbering.
    let labels = blocks.zip_with(&table, |b, t| (b, t))?.expand_blocks(
        "label",
        mask.chunk_layout().clone(),
        |(b, t), rows| b.finish(t, rows),
    )?;
    let count = table.map(|t| t.objects);
    Ok((labels, count))
}

/// A run of labelled cells along a row of a block: columns `start..end`, one provisional
/// label.
#[derive(Clone, Copy, Debug)]
struct Run {
    start: u32,
    end: u32,
    label: u32,
}

/// One block labelled on its own, kept as runs along its rows: a few bytes per run rather than
/// four per cell, and the final labels are written a run at a time.
#[derive(Debug, Default)]
struct BlockLabels {
    /// The runs of labelled cells, row after row, each row's from left to right.
    runs: Vec<Run>,
    /// Where each row's runs begin in `runs`, and one more entry: where the last row's end.
    row_starts: Vec<usize>,
    /// Each provisional label's local label, `1..=k` by first cell (index 0: the background).
    local: Vec<u32>,
    summary: Arc<Summary>,
}

impl BlockLabels {
    /// The runs of row `r`.
    fn row(&self, r: usize) -> &[Run] {
        &self.runs[self.row_starts[r]..self.row_starts[r + 1]]
    }

    /// Writes the block's final labels, row by row: the background between runs, each run's
    /// final label along it.
    fn finish(&self, table: &Table, rows: &mut [&mut [u32]]) {
        let finals = table.blocks.get(self.summary.block as usize);
        let map: Vec<u32> = self
            .local
            .iter()
            .map(|&l| match (l, finals) {
                (0, _) | (_, None) => 0,
                (l, Some(f)) => f[l as usize - 1],
            })
            .collect();
        for (r, out) in rows.iter_mut().enumerate() {
            let mut c = 0;
            for run in self.row(r) {
                let (start, end) = (run.start as usize, run.end as usize);
                out[c..start].fill(0);
                out[start..end].fill(map[run.label as usize]);
                c = end;
            }
            out[c..].fill(0);
        }
    }
}

/// The runs of equal non-zero labels in `provisional`, `rows` rows of `row_len` cells, and
/// where each row's runs begin.
fn runs_of(provisional: &[u32], rows: usize, row_len: usize) -> (Vec<Run>, Vec<usize>) {
    let mut runs = Vec::new();
    let mut row_starts = Vec::with_capacity(rows + 1);
    for r in 0..rows {
        row_starts.push(runs.len());
        let line = &provisional[r * row_len..(r + 1) * row_len];
        let mut c = 0;
        while c < row_len {
            let label = line[c];
            let end = c + line[c..]
                .iter()
                .position(|&l| l != label)
                .unwrap_or(row_len - c);
            if label != 0 {
                runs.push(Run {
                    start: c as u32,
                    end: end as u32,
                    label,
                });
            }
            c = end;
        }
    }
    row_starts.push(runs.len());
    (runs, row_starts)
}

/// An entry of a union-find: an index into its own vector (`u32` for a block's provisional
/// labels, `usize` for the dense indexes of the join).
trait Slot: Copy + Ord {
    fn at(self) -> usize;
}

impl Slot for u32 {
    fn at(self) -> usize {
        self as usize
    }
}

impl Slot for usize {
    fn at(self) -> usize {
        self
    }
}

/// The root of `i` in a union-find whose roots are the smallest entries of their sets (path
/// halving).
fn find<I: Slot>(parent: &mut [I], mut i: I) -> I {
    while parent[i.at()] != i {
        let up = parent[parent[i.at()].at()];
        parent[i.at()] = up;
        i = up;
    }
    i
}

/// Joins the sets of `a` and `b` under the smaller root, which it returns.
fn unite<I: Slot>(parent: &mut [I], a: I, b: I) -> I {
    let (a, b) = (find(parent, a), find(parent, b));
    let (lo, hi) = (a.min(b), a.max(b));
    parent[hi.at()] = lo;
    lo
}

/// A block's provisional labels as they are given out: a union-find over them (entry 0, the
/// background, unused) and each one's first cell.
struct Provisional {
    parent: Vec<u32>,
    first_cell: Vec<usize>,
}

impl Provisional {
    fn new() -> Provisional {
        Provisional {
            parent: vec![0],
            first_cell: vec![0],
        }
    }

    /// A new label, first seen at cell `at`.
    fn new_label(&mut self, at: usize) -> u32 {
        let label = u32::try_from(self.parent.len()).expect("a block holds under 2^32 objects");
        self.parent.push(label);
        self.first_cell.push(at);
        label
    }

    /// Joins `l` to the label so far (0: none yet); the result is a label of the joined set.
    fn join(&mut self, label: u32, l: u32) -> u32 {
        if label == 0 || label == l {
            return l;
        }
        unite(&mut self.parent, label, l)
    }

    /// Each label's local label, `1..=k` in the order of the sets' roots (the smallest, so
    /// earliest, label of each), and each local label's first cell as `position` gives it.
    fn number(mut self, position: impl Fn(usize) -> u64) -> (Vec<u32>, Vec<u64>) {
        let mut local = vec![0u32; self.parent.len()];
        let mut first = Vec::new();
        for l in 1..self.parent.len() {
            let root = find(&mut self.parent, l as u32).at();
            if root == l {
                first.push(position(self.first_cell[l]));
                local[l] = first.len() as u32;
            } else {
                local[l] = local[root];
            }
        }
        (local, first)
    }
}

/// Labels one block (the part of the array from `start`, in an array of `whole` shape),
/// joining neighbours at `offsets`, as scipy's two-pass labelling does: provisional labels
/// in raster order, joined in a union-find over labels (not cells), then numbered `1..=k` by
/// each object's first cell.
fn label_block(
    b: ArrayViewD<'_, bool>,
    offsets: &[Vec<isize>],
    block: u64,
    start: &[usize],
    whole: &[usize],
) -> BlockLabels {
    let shape = b.shape().to_vec();
    let ndim = shape.len();
    // A 0-d block is one row of one cell.
    let dims = if ndim == 0 { vec![1] } else { shape.clone() };
    let outer = dims.len() - 1;
    let row_len = dims[outer];
    let rows: usize = dims[..outer].iter().product();
    // The block's rows in raster order, as slices: a block cut from a larger array is read
    // where it lies when its rows are contiguous, copied only when they are not.
    let copy;
    let lines: Vec<&[bool]> = if row_len == 0 {
        vec![&[]; rows]
    } else if let Some(cells) = b.to_slice() {
        cells.chunks(row_len).collect()
    } else if let Some(lines) = b.rows().into_iter().map(|r| r.to_slice()).collect() {
        lines
    } else {
        copy = b.as_standard_layout().into_owned();
        let cells = copy.as_slice().expect("a new array is in standard layout");
        cells.chunks(row_len).collect()
    };
    let strides: Vec<usize> = (0..dims.len())
        .map(|k| dims[k + 1..].iter().product())
        .collect();
    // Only the neighbours earlier in raster order: each pair is seen once.
    let earlier: Vec<&Vec<isize>> = offsets
        .iter()
        .filter(|o| o.iter().find(|&&k| k != 0).is_some_and(|&k| k < 0))
        .collect();
    // With the left neighbour in the structure, a run of true cells along a row is one
    // object: label runs, not cells.
    let has_left = ndim > 0
        && offsets
            .iter()
            .any(|o| o[outer] == -1 && o[..outer].iter().all(|&k| k == 0));
    let mut labels = Provisional::new();
    let (runs, row_starts) = if has_left {
        label_runs(&lines, &dims, &earlier, &mut labels)
    } else {
        let provisional = label_cells(&lines, &dims, &earlier, &mut labels);
        runs_of(&provisional, rows, row_len)
    };
    // Number the sets by their roots, the smallest (earliest) label of each: first cells.
    let gstrides: Vec<u64> = (0..ndim)
        .map(|k| whole[k + 1..].iter().product::<usize>() as u64)
        .collect();
    let position = |i: usize| -> u64 {
        (0..ndim)
            .map(|k| (start[k] + (i / strides[k]) % dims[k]) as u64 * gstrides[k])
            .sum()
    };
    let (local, first) = labels.number(position);
    let faces = faces_of(&runs, &row_starts, &dims, ndim, &local);
    BlockLabels {
        runs,
        row_starts,
        local,
        summary: Arc::new(Summary {
            block,
            first,
            faces,
        }),
    }
}

/// The first and last layer of the block across each of its `ndim` axes, in local labels,
/// from its runs (`dims` as [`label_block`] sees the block).
fn faces_of(
    runs: &[Run],
    row_starts: &[usize],
    dims: &[usize],
    ndim: usize,
    local: &[u32],
) -> Vec<(ArrayD<u32>, ArrayD<u32>)> {
    let outer = dims.len() - 1;
    let row_len = dims[outer];
    let rows: usize = dims[..outer].iter().product();
    let face = |k: usize| {
        let mut shape = dims.to_vec();
        shape[k] = 1;
        ArrayD::<u32>::zeros(IxDyn(&shape))
    };
    let mut faces: Vec<(ArrayD<u32>, ArrayD<u32>)> =
        (0..ndim).map(|k| (face(k), face(k))).collect();
    // Across an outer axis, a layer is whole rows; `filled` counts the rows given to each.
    let mut filled = vec![(0usize, 0usize); outer];
    let mut row = vec![0usize; outer];
    for r in 0..rows {
        let line = &runs[row_starts[r]..row_starts[r + 1]];
        for k in 0..ndim.min(outer) {
            let (low, high) = &mut faces[k];
            let (n_low, n_high) = &mut filled[k];
            for (on, layer, n) in [
                (row[k] == 0, low, n_low),
                (row[k] + 1 == dims[k], high, n_high),
            ] {
                if on {
                    let cells = layer
                        .as_slice_mut()
                        .expect("a new array is in standard layout");
                    let out = &mut cells[*n * row_len..(*n + 1) * row_len];
                    for run in line {
                        out[run.start as usize..run.end as usize].fill(local[run.label as usize]);
                    }
                    *n += 1;
                }
            }
        }
        // Across the last axis, a layer is each row's first or last cell.
        if ndim > 0 {
            let (low, high) = &mut faces[outer];
            if let Some(run) = line.first().filter(|run| run.start == 0) {
                low.as_slice_mut().expect("standard layout")[r] = local[run.label as usize];
            }
            if let Some(run) = line.last().filter(|run| run.end as usize == row_len) {
                high.as_slice_mut().expect("standard layout")[r] = local[run.label as usize];
            }
        }
        advance(&mut row, &dims[..outer]);
    }
    faces
}

/// Steps `row` (a position on the outer axes of `dims`) to the next in raster order.
fn advance(row: &mut [usize], dims: &[usize]) {
    for k in (0..row.len()).rev() {
        row[k] += 1;
        if row[k] < dims[k] {
            break;
        }
        row[k] = 0;
    }
}

/// Whether the row at `row` (outer axes of `dims`) shifted by `o` lies inside the block.
fn row_inside(row: &[usize], o: &[isize], dims: &[usize]) -> bool {
    row.iter().zip(o).zip(dims).all(|((&r, &o), &d)| {
        let p = r as isize + o;
        p >= 0 && (p as usize) < d
    })
}

/// Labels the runs of true cells along each of the `lines` of a block of `dims`, for a
/// structure that holds the left neighbour. Each earlier row the structure reaches is seen
/// through the column shifts it allows, merged into intervals ([-1, 1] for full
/// connectivity), and through its runs: a cursor per reached row and interval walks them
/// once per row, so the work is per run, never per cell.
fn label_runs(
    lines: &[&[bool]],
    dims: &[usize],
    earlier: &[&Vec<isize>],
    labels: &mut Provisional,
) -> (Vec<Run>, Vec<usize>) {
    let outer = dims.len() - 1;
    let row_len = dims[outer];
    let rows: usize = dims[..outer].iter().product();
    let row_strides: Vec<isize> = (0..outer)
        .map(|k| dims[k + 1..outer].iter().product::<usize>() as isize)
        .collect();
    // Each earlier row: its offset on the outer axes, its distance in rows, and the column
    // shifts it allows as inclusive intervals.
    type Reached<'o> = (&'o [isize], isize, Vec<(isize, isize)>);
    let mut reached: Vec<Reached> = Vec::new();
    for o in earlier
        .iter()
        .filter(|o| o[..outer].iter().any(|&k| k != 0))
    {
        let shift = (o[outer], o[outer]);
        match reached.iter_mut().find(|(r, ..)| *r == &o[..outer]) {
            Some((_, _, shifts)) => shifts.push(shift),
            None => {
                let delta = (0..outer).map(|k| o[k] * row_strides[k]).sum();
                reached.push((&o[..outer], delta, vec![shift]));
            }
        }
    }
    for (_, _, shifts) in &mut reached {
        shifts.sort_unstable();
        let mut merged: Vec<(isize, isize)> = Vec::new();
        for &(lo, hi) in shifts.iter() {
            match merged.last_mut() {
                Some(last) if lo <= last.1 + 1 => last.1 = last.1.max(hi),
                _ => merged.push((lo, hi)),
            }
        }
        *shifts = merged;
    }
    let mut runs: Vec<Run> = Vec::new();
    let mut row_starts: Vec<usize> = Vec::with_capacity(rows + 1);
    let mut row = vec![0usize; outer];
    // Per reached row and interval: its shifts, the next run that may touch, and its row's end.
    let mut windows: Vec<(isize, isize, usize, usize)> = Vec::new();
    let mut spans: Vec<(u32, u32)> = Vec::new();
    for (r, line) in lines.iter().enumerate() {
        row_starts.push(runs.len());
        windows.clear();
        for (o, delta, shifts) in &reached {
            if row_inside(&row, o, &dims[..outer]) {
                let above = (r as isize + delta) as usize;
                let (from, to) = (row_starts[above], row_starts[above + 1]);
                windows.extend(shifts.iter().map(|&(lo, hi)| (lo, hi, from, to)));
            }
        }
        let base = r * row_len;
        spans.clear();
        runs_along(line, &mut spans);
        for &(c, end) in &spans {
            let mut label = 0u32;
            for (lo, hi, next, stop) in &mut windows {
                // The cells `from..to` of the reached row touch this run.
                let (from, to) = (c as isize + *lo, end as isize + *hi);
                while *next < *stop && (runs[*next].end as isize) <= from {
                    *next += 1;
                }
                for above in runs[*next..*stop]
                    .iter()
                    .take_while(|above| (above.start as isize) < to)
                {
                    label = labels.join(label, above.label);
                }
            }
            if label == 0 {
                label = labels.new_label(base + c as usize);
            }
            runs.push(Run {
                start: c,
                end,
                label,
            });
        }
        advance(&mut row, &dims[..outer]);
    }
    row_starts.push(runs.len());
    (runs, row_starts)
}

/// Appends the runs of true cells of `line` to `spans`, as `start..end` columns. The cells
/// are packed into a bit per cell, 64 at a time (8 cells per multiply), and the runs' ends
/// read off the bits where a cell differs from the one before: no branch per cell, and only
/// the loop over those bits per run.
fn runs_along(line: &[bool], spans: &mut Vec<(u32, u32)>) {
    // Edges alternate, a run's start then its end: an even count means outside a run.
    let mut seen = 0usize;
    // The cell before the word (the one before the line is background).
    let mut before = 0u64;
    for (w, cells) in line.chunks(64).enumerate() {
        let bits = pack(cells);
        let mut edges = bits ^ (bits << 1 | before);
        before = bits >> 63;
        let base = (w * 64) as u32;
        while edges != 0 {
            let at = base + edges.trailing_zeros();
            edges &= edges - 1;
            if seen.is_multiple_of(2) {
                spans.push((at, 0));
            } else if let Some(run) = spans.last_mut() {
                run.1 = at;
            }
            seen += 1;
        }
    }
    if seen % 2 == 1
        && let Some(run) = spans.last_mut()
    {
        run.1 = line.len() as u32;
    }
}

/// Up to 64 cells as bits, cell `i` in bit `i`.
fn pack(cells: &[bool]) -> u64 {
    let mut bits = 0u64;
    for (k, group) in cells.chunks(8).enumerate() {
        let bytes: [u8; 8] = match <&[bool; 8]>::try_from(group) {
            Ok(whole) => whole.map(u8::from),
            Err(_) => std::array::from_fn(|i| group.get(i).copied().map_or(0, u8::from)),
        };
        // Each byte is 0 or 1: the multiply gathers byte `i` into bit `56 + i`.
        let gathered = u64::from_le_bytes(bytes).wrapping_mul(0x0102_0408_1020_4080) >> 56;
        bits |= gathered << (8 * k);
    }
    bits
}

/// Labels the cells of the `lines` of a block of `dims` one by one, for a structure without the
/// left neighbour; returns the provisional label of every cell. Away from the first and last
/// cell of a row, only the row's position decides which neighbours exist.
fn label_cells(
    lines: &[&[bool]],
    dims: &[usize],
    earlier: &[&Vec<isize>],
    labels: &mut Provisional,
) -> Vec<u32> {
    let ndim = dims.len();
    let outer = ndim - 1;
    let row_len = dims[outer];
    let rows: usize = dims[..outer].iter().product();
    let strides: Vec<isize> = (0..ndim)
        .map(|k| dims[k + 1..].iter().product::<usize>() as isize)
        .collect();
    // Each offset as a distance in cells, and its shift along the row. (A 0-d block, seen as
    // one cell, has no offsets.)
    let earlier: Vec<(&[isize], isize, isize)> = earlier
        .iter()
        .map(|o| {
            let delta = o.iter().zip(&strides).map(|(&o, &s)| o * s).sum();
            (&o[..outer], delta, o[outer])
        })
        .collect();
    // Filled in raster order (each cell reads only earlier ones): no zeroing pass.
    let mut provisional: Vec<u32> = Vec::with_capacity(rows * row_len);
    let mut row = vec![0usize; outer];
    let mut valid: Vec<(isize, isize)> = Vec::with_capacity(earlier.len());
    for (r, line) in lines.iter().enumerate() {
        let base = r * row_len;
        valid.clear();
        for &(o, delta, shift) in &earlier {
            if row_inside(&row, o, &dims[..outer]) {
                valid.push((delta, shift));
            }
        }
        for (c, &on) in line.iter().enumerate() {
            let i = base + c;
            if !on {
                provisional.push(0);
                continue;
            }
            let mut label = 0u32;
            for &(delta, shift) in &valid {
                if (shift < 0 && c == 0) || (shift > 0 && c + 1 == row_len) {
                    continue;
                }
                let l = provisional[(i as isize + delta) as usize];
                if l != 0 {
                    label = labels.join(label, l);
                }
            }
            if label == 0 {
                label = labels.new_label(i);
            }
            provisional.push(label);
        }
        advance(&mut row, &dims[..outer]);
    }
    provisional
}

/// What one block tells the resolution step.
#[derive(Clone, Debug, Default)]
struct Summary {
    /// The block's index.
    block: u64,
    /// Each local label's first cell, as a raster position in the whole array.
    first: Vec<u64>,
    /// Per axis, the block's first and last layer across it (the block's shape with that
    /// axis 1 long), in local labels (0: the background): all that cells of other blocks
    /// touch.
    faces: Vec<(ArrayD<u32>, ArrayD<u32>)>,
}

/// For each block, its local labels' final labels; and the number of objects.
#[derive(Debug, Default)]
struct Table {
    /// By block index: each local label's final label.
    blocks: Vec<Vec<u32>>,
    objects: usize,
}

crate::dtype::encode_fields!(Summary {
    block,
    first,
    faces
});
crate::dtype::encode_fields!(Table { blocks, objects });

/// Lets the values that labelling hands between blocks cross ranks: the summaries, gathered
/// where the table is made, and the table, read by every block.
pub(super) fn register_wire() {
    crate::dtype::register::<Vec<Arc<Summary>>>();
    crate::dtype::register::<Arc<Table>>();
}

/// Joins the local labels that touch across block edges (`offsets` apart, in blocks of
/// `layout`) and numbers the objects by their first cell. Every block's local labels get
/// dense indexes (block after block), so the union-find is a vector.
///
/// Each pair of neighbours is seen once, from the later cell through an earlier offset `o`.
/// The cells of a block whose neighbour at `o` lies in the block `d` away on the grid
/// (`d` is 0 or `o`'s sign on each axis) form a box on the block's layer across an axis where
/// `d` is not 0, and their neighbours the same box, shifted, on that block's opposite layer:
/// the two are walked side by side. Empty blocks are stepped over: the cells on either side of
/// them are neighbours.
fn resolve(summaries: &[&Summary], offsets: &[Vec<isize>], layout: &Chunks) -> Result<Table> {
    let ndim = layout.ndim();
    let mut bases = Vec::with_capacity(summaries.len());
    let mut total = 0usize;
    for s in summaries {
        bases.push(total);
        total += s.first.len();
    }
    let mut parent: Vec<usize> = (0..total).collect();
    // The grid without its empty blocks: per axis, the grid indexes of blocks with cells.
    let kept: Vec<Vec<usize>> = layout
        .sizes()
        .iter()
        .map(|sizes| (0..sizes.len()).filter(|&g| sizes[g] > 0).collect())
        .collect();
    let mut by_block = vec![usize::MAX; layout.num_blocks()];
    for (si, s) in summaries.iter().enumerate() {
        by_block[s.block as usize] = si;
    }
    let earlier: Vec<&Vec<isize>> = offsets
        .iter()
        .filter(|o| o.iter().find(|&&k| k != 0).is_some_and(|&k| k < 0))
        .collect();
    // The grid steps `d` each offset can cross, with the axis whose layers are walked.
    let steps: Vec<(&Vec<isize>, Vec<isize>, usize)> = earlier
        .iter()
        .flat_map(|&o| {
            let moving: Vec<usize> = (0..ndim).filter(|&k| o[k] != 0).collect();
            (1..1usize << moving.len()).map(move |bits| {
                let mut d = vec![0isize; ndim];
                for (i, &k) in moving.iter().enumerate() {
                    if bits >> i & 1 == 1 {
                        d[k] = o[k];
                    }
                }
                let across = (0..ndim).find(|&k| d[k] != 0).expect("d is not 0");
                (o, d, across)
            })
        })
        .collect();
    // (An array without cells has nothing to join.)
    let compressed: Vec<usize> = kept.iter().map(|k| k.len()).collect();
    let cells = compressed.iter().all(|&n| n > 0);
    for q in ndarray::indices(IxDyn(&compressed))
        .into_iter()
        .filter(|_| cells)
    {
        let q = q.slice();
        let grid: Vec<usize> = (0..ndim).map(|k| kept[k][q[k]]).collect();
        let sb = by_block[layout.linear_index(&grid)];
        for (o, d, across) in &steps {
            let Some(ngrid) = (0..ndim)
                .map(|k| {
                    let n = q[k] as isize + d[k];
                    (n >= 0 && (n as usize) < kept[k].len()).then(|| kept[k][n as usize])
                })
                .collect::<Option<Vec<usize>>>()
            else {
                continue;
            };
            let sa = by_block[layout.linear_index(&ngrid)];
            let k = *across;
            let (mine, theirs) = if d[k] < 0 {
                (&summaries[sb].faces[k].0, &summaries[sa].faces[k].1)
            } else {
                (&summaries[sb].faces[k].1, &summaries[sa].faces[k].0)
            };
            // The box on each layer: one cell across where `d` moves, else the cells whose
            // neighbour at `o` stays on the grid line.
            let (mut here, mut there) = (Vec::with_capacity(ndim), Vec::with_capacity(ndim));
            for j in 0..ndim {
                let (nb, na) = (mine.shape()[j], theirs.shape()[j]);
                let (h, t) = match d[j].signum() {
                    _ if j == k => (0..1, 0..1),
                    -1 => (0..1, na - 1..na),
                    1 => (nb - 1..nb, 0..1),
                    _ => match o[j].signum() {
                        -1 => (1.min(nb)..nb, 0..nb.saturating_sub(1)),
                        1 => (0..nb.saturating_sub(1), 1.min(nb)..nb),
                        _ => (0..nb, 0..nb),
                    },
                };
                here.push(ndarray::SliceInfoElem::from(h));
                there.push(ndarray::SliceInfoElem::from(t));
            }
            let (mine, theirs) = (mine.slice(here.as_slice()), theirs.slice(there.as_slice()));
            let mut last = (0, 0);
            ndarray::Zip::from(&mine).and(&theirs).for_each(|&x, &y| {
                if x != 0 && y != 0 && (x, y) != last {
                    last = (x, y);
                    unite(
                        &mut parent,
                        bases[sb] + x as usize - 1,
                        bases[sa] + y as usize - 1,
                    );
                }
            });
        }
    }
    // Each object's first cell: the smallest first cell of its labels.
    let mut first = vec![u64::MAX; total];
    for (si, s) in summaries.iter().enumerate() {
        for (l, &pos) in s.first.iter().enumerate() {
            let r = find(&mut parent, bases[si] + l);
            first[r] = first[r].min(pos);
        }
    }
    let mut roots: Vec<usize> = (0..total).filter(|&i| parent[i] == i).collect();
    roots.sort_unstable_by_key(|&r| first[r]);
    if roots.len() > u32::MAX as usize {
        return Err(Error::InvalidParameter {
            op: "label",
            name: "mask",
            value: format!("{} objects", roots.len()),
            expected: "at most u32::MAX objects (labels are u32)",
        });
    }
    let mut number = vec![0u32; total];
    for (k, &r) in roots.iter().enumerate() {
        number[r] = k as u32 + 1;
    }
    let nblocks = summaries
        .iter()
        .map(|s| s.block as usize + 1)
        .max()
        .unwrap_or(0);
    let mut blocks = vec![Vec::new(); nblocks];
    for (si, s) in summaries.iter().enumerate() {
        blocks[s.block as usize] = (0..s.first.len())
            .map(|l| number[find(&mut parent, bases[si] + l)])
            .collect();
    }
    Ok(Table {
        blocks,
        objects: roots.len(),
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// The runs read off packed bits are those a cell-by-cell walk finds, for lines of
        /// every length around the 8- and 64-cell words.
        #[test]
        fn runs_along_finds_each_run(line in proptest::collection::vec(any::<bool>(), 0..200)) {
            let mut want = Vec::new();
            let mut c = 0;
            while c < line.len() {
                if line[c] {
                    let start = c;
                    while c < line.len() && line[c] {
                        c += 1;
                    }
                    want.push((start as u32, c as u32));
                } else {
                    c += 1;
                }
            }
            let mut got = vec![(7, 7)];
            runs_along(&line, &mut got);
            prop_assert_eq!(&got[1..], &want[..]);
        }

        /// A block whose rows are not contiguous (a transposed view) is labelled as its
        /// standard-layout copy is.
        #[test]
        fn strided_blocks_are_labelled_as_their_copies(
            cells in proptest::collection::vec(any::<bool>(), 36),
        ) {
            let m = ndarray::Array2::from_shape_vec((4, 9), cells).unwrap().into_dyn();
            let face = vec![vec![-1, 0], vec![0, -1], vec![0, 1], vec![1, 0]];
            let t = m.t();
            let copy = t.as_standard_layout().into_owned();
            let a = label_block(t.view(), &face, 0, &[0, 0], &[9, 4]);
            let b = label_block(copy.view(), &face, 0, &[0, 0], &[9, 4]);
            let runs = |l: &BlockLabels| l.runs.iter().map(|r| (r.start, r.end, r.label)).collect::<Vec<_>>();
            prop_assert_eq!(runs(&a), runs(&b));
            prop_assert_eq!(&a.row_starts, &b.row_starts);
            prop_assert_eq!(&a.summary.first, &b.summary.first);
        }
    }
}
