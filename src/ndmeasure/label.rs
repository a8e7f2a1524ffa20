//! Connected-component labelling across blocks, numbered as `scipy.ndimage.label` numbers.
//!
//! 1. Each block is labelled on its own (a union-find over the cells in raster order), its
//!    labels tagged with the block's index: provisional ids `block << 32 | local`.
//! 2. A tree reduction gathers, per block, each local label's first cell (its raster position
//!    in the whole array) and the block's shell: the cells of its outer layer, which are all a
//!    3 x ... x 3 structure can reach across a block edge.
//! 3. One task joins the ids that touch across block edges (a union-find over shell ids only),
//!    orders the objects by their first cell, as scipy numbers them, and makes a table per
//!    block from local label to final label.
//! 4. Each block's provisional ids are looked up in the table.
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
    let grid = mask.chunk_layout().clone();
    let offs = offsets.clone();
    let provisional: Array<u64> = mask.map_blocks_indexed(move |idx, b| {
        let block = grid.linear_index(idx) as u64;
        label_block(b, &offs, block)
    });
    let shape = mask.shape().to_vec();
    let all: Vec<usize> = (0..ndim).collect();
    let shape_for_blocks = shape.clone();
    let table = provisional.reduction(
        &all,
        false,
        4,
        move |b, _, start| {
            ArrayD::from_elem(
                IxDyn(&vec![1; b.ndim()]),
                vec![summary(b, start, &shape_for_blocks)],
            )
        },
        |a: &Vec<Summary>, b: &Vec<Summary>| a.iter().chain(b).cloned().collect(),
        move |s: &Vec<Summary>| resolve(s, &offsets, &shape).map(Arc::new),
    )?;
    // One lookup per cell in the table, which each block reads once (not once per cell).
    let labels = provisional.zip_blocks("label", &table, |p, t| {
        // An empty block's broadcast table has no cell either.
        match t.iter().next() {
            Some(t) => p.mapv(|v| t.get(v)),
            None => ArrayD::zeros(p.raw_dim()),
        }
    })?;
    let count = table.map(|t| t.objects);
    Ok((labels, count))
}

/// Labels the true cells of one block `1..=k` in raster order of each object's first cell,
/// joining neighbours at `offsets`, as provisional ids `block << 32 | label` (0 for the
/// background).
fn label_block(b: ArrayViewD<'_, bool>, offsets: &[Vec<isize>], block: u64) -> ArrayD<u64> {
    let b = b.as_standard_layout();
    let shape = b.shape().to_vec();
    let ndim = shape.len();
    let cells = b.as_slice().expect("standard layout");
    let strides: Vec<usize> = (0..ndim).map(|k| shape[k + 1..].iter().product()).collect();
    // Only the neighbours earlier in raster order: each pair is seen once.
    let earlier: Vec<&Vec<isize>> = offsets
        .iter()
        .filter(|o| o.iter().find(|&&k| k != 0).is_some_and(|&k| k < 0))
        .collect();
    let deltas: Vec<isize> = earlier
        .iter()
        .map(|o| (0..ndim).map(|k| o[k] * strides[k] as isize).sum())
        .collect();
    let mut parent: Vec<usize> = (0..cells.len()).collect();
    let find = |parent: &mut Vec<usize>, mut i: usize| {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    };
    let mut idx = vec![0usize; ndim];
    for (i, &on) in cells.iter().enumerate() {
        if i > 0 {
            advance(&mut idx, &shape);
        }
        if !on {
            continue;
        }
        // Away from the block's edge every neighbour is inside: no bounds to check.
        let interior = (0..ndim).all(|k| idx[k] > 0 && idx[k] + 1 < shape[k]);
        for (o, &delta) in earlier.iter().zip(&deltas) {
            let inside = interior
                || (0..ndim).all(|k| {
                    let p = idx[k] as isize + o[k];
                    p >= 0 && (p as usize) < shape[k]
                });
            if !inside {
                continue;
            }
            let j = (i as isize + delta) as usize;
            if cells[j] {
                let (a, c) = (find(&mut parent, i), find(&mut parent, j));
                // The earlier cell's root stays the root: roots are first cells.
                let (lo, hi) = (a.min(c), a.max(c));
                parent[hi] = lo;
            }
        }
    }
    let mut next = block << 32;
    let mut ids = vec![0u64; cells.len()];
    for i in 0..cells.len() {
        if cells[i] {
            let r = find(&mut parent, i);
            if r == i {
                next += 1;
                ids[i] = next;
            } else {
                ids[i] = ids[r];
            }
        }
    }
    ArrayD::from_shape_vec(IxDyn(&shape), ids).expect("one id per cell")
}

/// Moves the multi-index `idx` to the next cell of `shape` in raster order.
fn advance(idx: &mut [usize], shape: &[usize]) {
    for k in (0..shape.len()).rev() {
        idx[k] += 1;
        if idx[k] < shape[k] {
            return;
        }
        idx[k] = 0;
    }
}

/// The block of a summary without labels.
const NO_BLOCK: u64 = u64::MAX;

/// What one block tells the resolution step.
#[derive(Clone, Debug, Default)]
struct Summary {
    /// The block's index.
    block: u64,
    /// Each local label's first cell, as a raster position in the whole array.
    first: Vec<u64>,
    /// The labelled cells of the block's outer layer: raster position, provisional id.
    shell: Vec<(u64, u64)>,
}

fn summary(b: ArrayViewD<'_, u64>, start: &[usize], shape: &[usize]) -> Summary {
    let ndim = b.ndim();
    let strides: Vec<u64> = (0..ndim)
        .map(|k| shape[k + 1..].iter().product::<usize>() as u64)
        .collect();
    // The block's index comes with its ids; a block without any is never looked up.
    let mut s = Summary {
        block: NO_BLOCK,
        ..Summary::default()
    };
    let b = b.as_standard_layout();
    let dims = b.shape().to_vec();
    let mut idx = vec![0usize; ndim];
    for (i, &p) in b.as_slice().expect("standard layout").iter().enumerate() {
        if i > 0 {
            advance(&mut idx, &dims);
        }
        if p == 0 {
            continue;
        }
        s.block = p >> 32;
        let pos = |idx: &[usize]| -> u64 {
            (0..ndim)
                .map(|k| (start[k] + idx[k]) as u64 * strides[k])
                .sum()
        };
        let local = (p & 0xffff_ffff) as usize;
        if local > s.first.len() {
            // Local labels appear first in raster order: label k's first cell is found here.
            s.first.push(pos(&idx));
        }
        if (0..ndim).any(|k| idx[k] == 0 || idx[k] + 1 == dims[k]) {
            s.shell.push((pos(&idx), p));
        }
    }
    s
}

/// For each block, its local labels' final labels; and the number of objects.
#[derive(Debug, Default)]
struct Table {
    /// By block index: each local label's final label.
    blocks: Vec<Vec<u32>>,
    objects: usize,
}

impl Table {
    fn get(&self, p: u64) -> u32 {
        if p == 0 {
            return 0;
        }
        self.blocks[(p >> 32) as usize][(p & 0xffff_ffff) as usize - 1]
    }
}

/// Joins the provisional ids that touch across block edges (`offsets` apart, in an array of
/// `shape`) and numbers the objects by their first cell.
fn resolve(summaries: &[Summary], offsets: &[Vec<isize>], shape: &[usize]) -> Result<Table> {
    let ndim = shape.len();
    let strides: Vec<u64> = (0..ndim)
        .map(|k| shape[k + 1..].iter().product::<usize>() as u64)
        .collect();
    // Union-find over ids; an id absent from `parent` is its own root.
    let mut parent: HashMap<u64, u64> = HashMap::new();
    fn find(parent: &mut HashMap<u64, u64>, p: u64) -> u64 {
        let mut root = p;
        while let Some(&q) = parent.get(&root) {
            root = q;
        }
        // Path compression.
        let mut cur = p;
        while let Some(&q) = parent.get(&cur) {
            parent.insert(cur, root);
            cur = q;
        }
        root
    }
    let at: HashMap<u64, u64> = summaries
        .iter()
        .flat_map(|s| s.shell.iter().copied())
        .collect();
    let mut coords = vec![0usize; ndim];
    for s in summaries {
        for &(pos, p) in &s.shell {
            let mut rest = pos;
            for k in 0..ndim {
                coords[k] = (rest / strides[k]) as usize;
                rest %= strides[k];
            }
            for o in offsets {
                let mut npos = 0u64;
                let inside = (0..ndim).all(|k| {
                    let c = coords[k] as isize + o[k];
                    npos += c.max(0) as u64 * strides[k];
                    c >= 0 && (c as usize) < shape[k]
                });
                if !inside {
                    continue;
                }
                if let Some(&q) = at.get(&npos)
                    && q >> 32 != p >> 32
                {
                    let (a, b) = (find(&mut parent, p), find(&mut parent, q));
                    if a != b {
                        parent.insert(a.max(b), a.min(b));
                    }
                }
            }
        }
    }
    // Each object's first cell: the smallest first cell of its ids.
    let mut first: HashMap<u64, u64> = HashMap::new();
    for s in summaries {
        for (l, &pos) in s.first.iter().enumerate() {
            let root = find(&mut parent, s.block << 32 | (l as u64 + 1));
            let e = first.entry(root).or_insert(pos);
            *e = (*e).min(pos);
        }
    }
    let mut order: Vec<(u64, u64)> = first.iter().map(|(&root, &pos)| (pos, root)).collect();
    order.sort_unstable();
    if order.len() > u32::MAX as usize {
        return Err(Error::InvalidParameter {
            op: "label",
            name: "mask",
            value: format!("{} objects", order.len()),
            expected: "at most u32::MAX objects (labels are u32)",
        });
    }
    let number: HashMap<u64, u32> = order
        .iter()
        .enumerate()
        .map(|(i, &(_, root))| (root, i as u32 + 1))
        .collect();
    let mut blocks = Vec::new();
    for s in summaries.iter().filter(|s| s.block != NO_BLOCK) {
        let table: Vec<u32> = (0..s.first.len())
            .map(|l| number[&find(&mut parent, s.block << 32 | (l as u64 + 1))])
            .collect();
        let b = s.block as usize;
        if blocks.len() <= b {
            blocks.resize(b + 1, Vec::new());
        }
        blocks[b] = table;
    }
    Ok(Table {
        blocks,
        objects: order.len(),
    })
}
