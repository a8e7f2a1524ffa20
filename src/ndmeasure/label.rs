//! Connected-component labelling across blocks, numbered as `scipy.ndimage.label` numbers.
//!
//! 1. Each block is labelled on its own, as scipy's two-pass labelling does: provisional `u32`
//!    labels in raster order, joined in a union-find over labels (not cells). When the
//!    structure holds the left neighbour (face and full connectivity do), a run of true cells
//!    along a row is one object, so runs are labelled, not cells. The block keeps its
//!    provisional labels, each one's local label (`1..=k` by first cell), each local label's
//!    first cell (its raster position in the whole array), and of its outer layer (all a
//!    3 x ... x 3 structure can reach across a block edge) the labelled cells that reach
//!    another block through an earlier offset (queries) and those such cells reach (targets).
//! 2. A tree reduction gathers the blocks' summaries (first cells, queries and targets).
//! 3. One task joins the local labels that touch across block edges (a union-find over dense
//!    indexes; each query looks its neighbours up among the targets, by position in a map),
//!    orders the objects by their first cell, as scipy numbers them, and makes a table per
//!    block from local to final label.
//! 4. Each block's provisional labels are looked up, through its local labels, in the table,
//!    and written straight into the result: one pass over the cells.
//!
//! An object that winds through many blocks and joins far away is joined in step 3, where
//! every block edge is seen at once; nothing depends on how many blocks it crosses.

use std::collections::HashMap;
use std::sync::Arc;

use ndarray::{ArrayD, ArrayViewD, Dimension, IxDyn};

use crate::array::Array;
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
    label_with_structure(
        mask,
        crate::ndmorph::generate_binary_structure(mask.ndim(), rank),
    )
}

/// [`label`] with any structure scipy accepts: 3 cells on every axis, symmetric through its
/// centre (`structure[c + o] == structure[c - o]`).
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a structure of another shape or not centre-symmetric, and
/// the errors of [`label`].
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
    let table = blocks.reduction(
        &all,
        false,
        4,
        |b, _, _| {
            let s: Vec<Summary> = b.iter().map(|l| l.summary.clone()).collect();
            ArrayD::from_elem(IxDyn(&vec![1; b.ndim()]), s)
        },
        |a: &Vec<Summary>, b: &Vec<Summary>| a.iter().chain(b).cloned().collect(),
        move |s: &Vec<Summary>| resolve(s, &offsets, &shape).map(Arc::new),
    )?;
    // Each block's provisional labels, looked up once per cell in a table made for the block
    // from its own local numbering and the final numbering.
    let labels = blocks.zip_with(&table, |b, t| (b, t))?.expand_blocks(
        "label",
        mask.chunk_layout().clone(),
        |(b, t), rows| b.finish(t, rows),
    )?;
    let count = table.map(|t| t.objects);
    Ok((labels, count))
}

/// One block labelled on its own.
#[derive(Debug, Default)]
struct BlockLabels {
    /// Provisional labels in raster order (0 for the background).
    provisional: Vec<u32>,
    /// Each provisional label's local label, `1..=k` by first cell (index 0: the background).
    local: Vec<u32>,
    summary: Summary,
}

impl BlockLabels {
    /// Writes the block's final labels, row by row.
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
        let mut cells = self.provisional.iter();
        for row in rows.iter_mut() {
            for (out, &p) in row.iter_mut().zip(&mut cells) {
                *out = map[p as usize];
            }
        }
    }
}

/// An earlier row a structure reaches: its offset on the outer axes, its distance in cells,
/// and the column shifts it allows, as inclusive intervals.
type RowReached = (Vec<isize>, isize, Vec<(isize, isize)>);

/// The root of `l` in a union-find whose roots are the smallest labels of their sets (path
/// halving).
fn find(parent: &mut [u32], mut l: u32) -> u32 {
    while parent[l as usize] != l {
        let up = parent[parent[l as usize] as usize];
        parent[l as usize] = up;
        l = up;
    }
    l
}

/// Labels one block (the part of the array from `start`, in an array of `whole` shape),
/// joining neighbours at `offsets`, as scipy's two-pass labelling does: provisional labels
/// in raster order, joined in a union-find over labels (not cells), then numbered `1..=k` by
/// each object's first cell. Away from the block's first and last cell of a row, only the
/// row's position decides which neighbours exist, so the inner loop checks no bounds.
fn label_block(
    b: ArrayViewD<'_, bool>,
    offsets: &[Vec<isize>],
    block: u64,
    start: &[usize],
    whole: &[usize],
) -> BlockLabels {
    let b = b.as_standard_layout();
    let shape = b.shape().to_vec();
    let cells = b.as_slice().expect("standard layout");
    let n = cells.len();
    let ndim = shape.len();
    // A 0-d block is one row of one cell.
    let dims = if ndim == 0 { vec![1] } else { shape.clone() };
    let outer = dims.len() - 1;
    let row_len = dims[outer];
    let strides: Vec<usize> = (0..dims.len())
        .map(|k| dims[k + 1..].iter().product())
        .collect();
    // Only the neighbours earlier in raster order: each pair is seen once.
    let earlier: Vec<(&Vec<isize>, isize)> = offsets
        .iter()
        .filter(|o| o.iter().find(|&&k| k != 0).is_some_and(|&k| k < 0))
        .map(|o| (o, (0..ndim).map(|k| o[k] * strides[k] as isize).sum()))
        .collect();
    // With the left neighbour in the structure, a run of true cells along a row is one
    // object: label runs, not cells. Each earlier row the structure reaches is seen through
    // the column shifts it allows, merged into intervals ([-1, 1] for full connectivity).
    let has_left = ndim > 0
        && offsets
            .iter()
            .any(|o| o[outer] == -1 && o[..outer].iter().all(|&k| k == 0));
    let mut rows_reached: Vec<RowReached> = Vec::new();
    for &(o, _) in earlier
        .iter()
        .filter(|(o, _)| o[..outer].iter().any(|&k| k != 0))
    {
        let row_delta: isize = (0..outer).map(|k| o[k] * strides[k] as isize).sum();
        match rows_reached
            .iter_mut()
            .find(|(outer_o, ..)| outer_o[..] == o[..outer])
        {
            Some((_, _, shifts)) => shifts.push((o[outer], o[outer])),
            None => rows_reached.push((o[..outer].to_vec(), row_delta, vec![(o[outer], o[outer])])),
        }
    }
    for (_, _, shifts) in &mut rows_reached {
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
    // Filled in raster order (each cell reads only earlier ones): no zeroing pass.
    let mut provisional: Vec<u32> = Vec::with_capacity(n);
    let mut parent: Vec<u32> = vec![0];
    let mut first_cell: Vec<usize> = vec![0];
    // Joins `l` to the label so far (0: none yet); the result is a label of the joined set.
    let join = |parent: &mut Vec<u32>, label: u32, l: u32| -> u32 {
        if label == 0 || label == l {
            return l;
        }
        let (a, b) = (find(parent, label), find(parent, l));
        let (lo, hi) = (a.min(b), a.max(b));
        parent[hi as usize] = lo;
        lo
    };
    let rows = n.checked_div(row_len).unwrap_or(0);
    let mut row = vec![0usize; outer];
    let inside = |row: &[usize], o: &[isize]| {
        (0..outer).all(|k| {
            let p = row[k] as isize + o[k];
            p >= 0 && (p as usize) < dims[k]
        })
    };
    let mut valid: Vec<(isize, isize)> = Vec::with_capacity(earlier.len());
    let mut valid_rows: Vec<(isize, &[(isize, isize)])> = Vec::with_capacity(rows_reached.len());
    for r in 0..rows {
        let base = r * row_len;
        if has_left {
            valid_rows.clear();
            for (o, delta, shifts) in &rows_reached {
                if inside(&row, o) {
                    valid_rows.push((*delta, shifts));
                }
            }
            let line = &cells[base..base + row_len];
            let mut c = 0;
            while c < row_len {
                let gap = line[c..].iter().position(|&v| v).unwrap_or(row_len - c);
                provisional.resize(provisional.len() + gap, 0);
                c += gap;
                if c == row_len {
                    break;
                }
                let end = c + line[c..].iter().position(|&v| !v).unwrap_or(row_len - c);
                let mut label = 0u32;
                for &(delta, shifts) in &valid_rows {
                    let above = (base as isize + delta) as usize;
                    for &(lo, hi) in shifts {
                        let from = (c as isize + lo).max(0) as usize;
                        let to = (end as isize + hi).min(row_len as isize);
                        let mut last = 0;
                        for &l in provisional[above..]
                            .iter()
                            .take(to.max(0) as usize)
                            .skip(from)
                        {
                            if l != 0 && l != last {
                                last = l;
                                label = join(&mut parent, label, l);
                            }
                        }
                    }
                }
                if label == 0 {
                    label = u32::try_from(parent.len()).expect("a block holds under 2^32 objects");
                    parent.push(label);
                    first_cell.push(base + c);
                }
                provisional.resize(provisional.len() + (end - c), label);
                c = end;
            }
        } else {
            valid.clear();
            for &(o, delta) in &earlier {
                if inside(&row, o) {
                    valid.push((delta, if ndim == 0 { 0 } else { o[outer] }));
                }
            }
            for c in 0..row_len {
                let i = base + c;
                if !cells[i] {
                    provisional.push(0);
                    continue;
                }
                let mut label = 0u32;
                for &(delta, last) in &valid {
                    if (last < 0 && c == 0) || (last > 0 && c + 1 == row_len) {
                        continue;
                    }
                    let l = provisional[(i as isize + delta) as usize];
                    if l != 0 {
                        label = join(&mut parent, label, l);
                    }
                }
                if label == 0 {
                    label = u32::try_from(parent.len()).expect("a block holds under 2^32 objects");
                    parent.push(label);
                    first_cell.push(i);
                }
                provisional.push(label);
            }
        }
        for k in (0..outer).rev() {
            row[k] += 1;
            if row[k] < dims[k] {
                break;
            }
            row[k] = 0;
        }
    }
    // Number the sets by their roots, the smallest (earliest) label of each: first cells.
    let gstrides: Vec<u64> = (0..ndim)
        .map(|k| whole[k + 1..].iter().product::<usize>() as u64)
        .collect();
    let position = |i: usize| -> u64 {
        (0..ndim)
            .map(|k| (start[k] + (i / strides[k]) % dims[k]) as u64 * gstrides[k])
            .sum()
    };
    let mut local = vec![0u32; parent.len()];
    let mut first = Vec::new();
    for l in 1..parent.len() {
        let root = find(&mut parent, l as u32) as usize;
        if root == l {
            first.push(position(first_cell[l]));
            local[l] = first.len() as u32;
        } else {
            local[l] = local[root];
        }
    }
    // The outer layer: whole rows on a face of the outer axes, else each row's two ends. Of
    // its labelled cells, the join needs those that reach a cell of another block through an
    // earlier offset (queries) and those such a cell reaches (targets); a face on the array's
    // edge is neither.
    let (mut queries, mut targets) = (Vec::new(), Vec::new());
    let mut coords = vec![0usize; ndim];
    let leaves = |coords: &[usize], o: &[isize], sign: isize| {
        let mut out = false;
        for k in 0..ndim {
            let l = coords[k] as isize + sign * o[k];
            let g = start[k] as isize + l;
            if g < 0 || g >= whole[k] as isize {
                return false;
            }
            out |= l < 0 || l >= dims[k] as isize;
        }
        out
    };
    let mut push = |i: usize| {
        let p = provisional[i];
        if p == 0 {
            return;
        }
        for (k, c) in coords.iter_mut().enumerate() {
            *c = (i / strides[k]) % dims[k];
        }
        let cell = (position(i), local[p as usize]);
        if earlier.iter().any(|(o, _)| leaves(&coords, o, 1)) {
            queries.push(cell);
        }
        if earlier.iter().any(|(o, _)| leaves(&coords, o, -1)) {
            targets.push(cell);
        }
    };
    let mut row = vec![0usize; outer];
    for r in 0..rows {
        let base = r * row_len;
        if (0..outer).any(|k| row[k] == 0 || row[k] + 1 == dims[k]) {
            (base..base + row_len).for_each(&mut push);
        } else {
            push(base);
            if row_len > 1 {
                push(base + row_len - 1);
            }
        }
        for k in (0..outer).rev() {
            row[k] += 1;
            if row[k] < dims[k] {
                break;
            }
            row[k] = 0;
        }
    }
    BlockLabels {
        provisional,
        local,
        summary: Summary {
            block,
            first,
            queries,
            targets,
        },
    }
}

/// What one block tells the resolution step.
#[derive(Clone, Debug, Default)]
struct Summary {
    /// The block's index.
    block: u64,
    /// Each local label's first cell, as a raster position in the whole array.
    first: Vec<u64>,
    /// The labelled cells that reach a cell of another block through an earlier offset:
    /// raster position, local label.
    queries: Vec<(u64, u32)>,
    /// The labelled cells that a cell of another block reaches through an earlier offset.
    targets: Vec<(u64, u32)>,
}

/// For each block, its local labels' final labels; and the number of objects.
#[derive(Debug, Default)]
struct Table {
    /// By block index: each local label's final label.
    blocks: Vec<Vec<u32>>,
    objects: usize,
}

/// A hasher for raster positions: one multiply and a fold of the high bits into the low ones
/// (the table indexes by the low bits), instead of SipHash's rounds.
#[derive(Default)]
struct PositionHasher(u64);

impl std::hash::Hasher for PositionHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(self.0 ^ u64::from(b));
        }
    }
    fn write_u64(&mut self, v: u64) {
        let x = v.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 = x ^ (x >> 29);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type PositionMap<V> = HashMap<u64, V, std::hash::BuildHasherDefault<PositionHasher>>;

/// The root of `i`, the smallest index of its set (path halving).
fn root(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// Joins the local labels that touch across block edges (`offsets` apart, in an array of
/// `shape`) and numbers the objects by their first cell. Every block's local labels get dense
/// indexes (block after block), so the union-find is a vector; only the shell cells go into a
/// map, by raster position, to find each one's neighbours in other blocks.
fn resolve(summaries: &[Summary], offsets: &[Vec<isize>], shape: &[usize]) -> Result<Table> {
    let ndim = shape.len();
    let strides: Vec<u64> = (0..ndim)
        .map(|k| shape[k + 1..].iter().product::<usize>() as u64)
        .collect();
    let mut bases = Vec::with_capacity(summaries.len());
    let mut total = 0usize;
    for s in summaries {
        bases.push(total);
        total += s.first.len();
    }
    let dense = |si: usize, local: u32| bases[si] + local as usize - 1;
    let mut at: PositionMap<(usize, usize)> = PositionMap::default();
    at.reserve(summaries.iter().map(|s| s.targets.len()).sum());
    for (si, s) in summaries.iter().enumerate() {
        for &(pos, l) in &s.targets {
            at.insert(pos, (dense(si, l), si));
        }
    }
    // Each pair of neighbours is seen once, from the later cell (a query) to the earlier (a
    // target): the earlier offsets suffice.
    let earlier: Vec<&Vec<isize>> = offsets
        .iter()
        .filter(|o| o.iter().find(|&&k| k != 0).is_some_and(|&k| k < 0))
        .collect();
    let mut parent: Vec<usize> = (0..total).collect();
    let mut coords = vec![0usize; ndim];
    for (si, s) in summaries.iter().enumerate() {
        for &(pos, l) in &s.queries {
            let mut rest = pos;
            for k in 0..ndim {
                coords[k] = (rest / strides[k]) as usize;
                rest %= strides[k];
            }
            for o in &earlier {
                let mut npos = 0u64;
                let inside = (0..ndim).all(|k| {
                    let c = coords[k] as isize + o[k];
                    npos += c.max(0) as u64 * strides[k];
                    c >= 0 && (c as usize) < shape[k]
                });
                if !inside {
                    continue;
                }
                if let Some(&(q, sq)) = at.get(&npos)
                    && sq != si
                {
                    let (a, b) = (root(&mut parent, dense(si, l)), root(&mut parent, q));
                    parent[a.max(b)] = a.min(b);
                }
            }
        }
    }
    // Each object's first cell: the smallest first cell of its labels.
    let mut first = vec![u64::MAX; total];
    for (si, s) in summaries.iter().enumerate() {
        for (l, &pos) in s.first.iter().enumerate() {
            let r = root(&mut parent, bases[si] + l);
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
            .map(|l| number[root(&mut parent, bases[si] + l)])
            .collect();
    }
    Ok(Table {
        blocks,
        objects: roots.len(),
    })
}
