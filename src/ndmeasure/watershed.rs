//! Watersheds: scikit-image's `segmentation.watershed` and scipy's `watershed_ift`.
//!
//! A watershed floods from markers in order of height, so whether a pixel joins one basin or
//! another can depend on markers anywhere in the image; ties are broken by the order of a
//! priority queue over the whole image. Both functions therefore flood in one task, over the
//! whole image gathered into one block (within the scheduler's memory limit, which refuses the
//! plan beforehand otherwise), and give the whole-image answer whatever the chunking: the
//! result is cut back into the image's chunks. The queues are scikit-image's and scipy's own
//! (a binary heap ordered by height and age; buckets of doubly linked lists), so that ties,
//! plateaus and the order of markers come out as theirs.

use ndarray::{ArrayD, ArrayViewD, Dimension, IxDyn};
use num_traits::ToPrimitive;

use crate::array::Array;
use crate::error::{Error, Result};
use crate::expr::block::Element;

/// The whole of `a`, as one block.
fn whole<T: Element>(a: &Array<T>) -> Result<Array<T>> {
    a.rechunk(a.shape().to_vec())
}

fn same_shape(op: &'static str, a: &[usize], b: &[usize]) -> Result<()> {
    if a != b {
        return Err(Error::IncompatibleShapes {
            op,
            left: a.to_vec(),
            right: b.to_vec(),
        });
    }
    Ok(())
}

/// The watershed of `image` from `markers`, as scikit-image's
/// `segmentation.watershed(image, markers, connectivity, mask)` (with `compactness=0` and no
/// watershed line): every pixel of the mask (all of them when `None`) takes the label of the
/// marker whose flood reaches it first, floods advancing by increasing height (the highest
/// height met on the way) and, at equal heights, in the order they were queued. `markers` are
/// labels (0: none); markers outside the mask are dropped; pixels the floods cannot reach
/// stay 0. Neighbours are those within `connectivity` unit steps (1: faces, up to the number
/// of axes: all).
///
/// Equal to scikit-image's, ties and plateaus included, whatever the chunking (see the
/// module's notes: one task floods the whole image).
///
/// # Errors
///
/// [`Error::IncompatibleShapes`] for markers or a mask of another shape than the image, and
/// [`Error::InvalidParameter`] for a connectivity outside `1..=ndim` or an image of 2^32 cells
/// or more.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure};
/// let height = Array::from_ndarray(ndarray::array![0.0, 1.0, 3.0, 2.0, 1.0, 0.0], [2])?;
/// let markers = Array::from_ndarray(ndarray::array![1u32, 0, 0, 0, 0, 2], [4])?;
/// let basins = ndmeasure::watershed(&height, &markers, 1, None)?.compute()?;
/// assert_eq!(basins, ndarray::array![1u32, 1, 1, 2, 2, 2].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn watershed<T>(
    image: &Array<T>,
    markers: &Array<u32>,
    connectivity: usize,
    mask: Option<&Array<bool>>,
) -> Result<Array<u32>>
where
    T: Element + Copy + ToPrimitive,
{
    flooded("watershed", image, markers, connectivity, mask, false)
}

/// [`watershed`] with watershed lines, as scikit-image's `watershed(..., watershed_line=True)`:
/// the pixels where two basins meet stay 0 (one pixel wide, by the connectivity), so that
/// touching objects come out separated.
///
/// # Errors
///
/// As [`watershed`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure};
/// let height = Array::from_ndarray(ndarray::array![0.0, 1.0, 2.0, 3.0, 2.0, 1.0, 0.0], [3])?;
/// let markers = Array::from_ndarray(ndarray::array![1u32, 0, 0, 0, 0, 0, 2], [4])?;
/// let basins = ndmeasure::watershed_lines(&height, &markers, 1, None)?.compute()?;
/// assert_eq!(basins, ndarray::array![1u32, 1, 1, 0, 2, 2, 2].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn watershed_lines<T>(
    image: &Array<T>,
    markers: &Array<u32>,
    connectivity: usize,
    mask: Option<&Array<bool>>,
) -> Result<Array<u32>>
where
    T: Element + Copy + ToPrimitive,
{
    flooded("watershed_lines", image, markers, connectivity, mask, true)
}

/// [`watershed`] or [`watershed_lines`]: the checks, then one task flooding the whole image.
fn flooded<T>(
    op: &'static str,
    image: &Array<T>,
    markers: &Array<u32>,
    connectivity: usize,
    mask: Option<&Array<bool>>,
    lines: bool,
) -> Result<Array<u32>>
where
    T: Element + Copy + ToPrimitive,
{
    super::register_wire();
    let ndim = image.ndim();
    same_shape(op, image.shape(), markers.shape())?;
    if let Some(m) = mask {
        same_shape(op, image.shape(), m.shape())?;
    }
    if ndim > 0 && !(1..=ndim).contains(&connectivity) {
        return Err(Error::InvalidParameter {
            op,
            name: "connectivity",
            value: connectivity.to_string(),
            expected: "from 1 (face neighbours) to the number of axes (all neighbours)",
        });
    }
    let padded: usize = image.shape().iter().map(|&n| n + 2).product();
    if padded > u32::MAX as usize {
        return Err(Error::InvalidParameter {
            op,
            name: "image",
            value: format!("an image of shape {:?}", image.shape()),
            expected: "fewer than 2^32 cells, padded by one on every side (one task floods it)",
        });
    }
    let seeds = match mask {
        Some(m) => markers.zip_with(m, |l, m| (l, m))?,
        None => markers.map(|l| (l, true)),
    };
    // Heights as ordered integers, converted in parallel before the one task.
    let heights = whole(&image.map(|v| order_bits(v.to_f64().unwrap_or(f64::NAN))))?;
    let flooded = heights.zip_blocks(op, &whole(&seeds)?, move |h, s| {
        flood(h, s, connectivity, lines)
    })?;
    flooded.rechunk(image.chunks().to_vec())
}

/// The cells of `structure` other than its centre, as offsets from it (-1, 0 or 1 along each
/// axis), in row-major order.
fn structure_offsets(structure: &ArrayD<bool>) -> Vec<Vec<isize>> {
    structure
        .indexed_iter()
        .filter(|&(_, &on)| on)
        .map(|(i, _)| {
            i.slice()
                .iter()
                .map(|&k| k as isize - 1)
                .collect::<Vec<_>>()
        })
        .filter(|o| o.iter().any(|&v| v != 0))
        .collect()
}

/// The neighbour offsets within `connectivity` unit steps, as scikit-image orders them: by
/// distance from the centre, then in row-major order of the offset.
fn neighbourhood(ndim: usize, connectivity: usize) -> Vec<Vec<isize>> {
    let mut offsets = structure_offsets(&crate::ndfilters::binary_structure(ndim, connectivity));
    // A stable sort by distance keeps row-major order within each distance.
    offsets.sort_by_key(|o| o.iter().filter(|&&v| v != 0).count());
    offsets
}

/// An entry of scikit-image's watershed queue: a pixel (flat index in the padded image), the
/// height its flood arrived at (a marker's own height; as [`order_bits`]), and its age (the
/// order it was queued in; markers 0). 16 bytes, so that the heap moves little.
#[derive(Clone, Copy)]
struct Entry {
    height: u64,
    age: u32,
    index: u32,
    /// The marker whose flood queued it (read only when drawing watershed lines).
    source: u32,
}

impl Entry {
    fn before(&self, other: &Entry) -> bool {
        (self.height, self.age) < (other.height, other.age)
    }
}

/// `f64`'s order as unsigned integers' (negative values' bits flipped, positive values' sign
/// bit set), so that heights compare in one integer comparison.
fn order_bits(h: f64) -> u64 {
    let b = h.to_bits();
    if b >> 63 == 1 { !b } else { b | 1 << 63 }
}

/// A binary min-heap of entries that sifts as scikit-image's does, so that entries of equal
/// key (the markers) leave it in the same order.
struct Heap(Vec<Entry>);

impl Heap {
    fn push(&mut self, e: Entry) {
        let heap = &mut self.0;
        let mut child = heap.len();
        heap.push(e);
        while child > 0 {
            let parent = (child - 1) / 2;
            if e.before(&heap[parent]) {
                heap[child] = heap[parent];
                child = parent;
            } else {
                break;
            }
        }
        heap[child] = e;
    }

    fn pop(&mut self) -> Option<Entry> {
        let heap = &mut self.0;
        let top = *heap.first()?;
        let last = heap.pop().expect("not empty");
        let n = heap.len();
        if n == 0 {
            return Some(top);
        }
        // The last entry sifts down from the root: each step takes the smaller child (the
        // left one on a tie) if it goes before the entry.
        let mut i = 0;
        loop {
            let l = 2 * i + 1;
            if l >= n {
                break;
            }
            let mut c = l;
            if l + 1 < n && heap[l + 1].before(&heap[l]) {
                c = l + 1;
            }
            if !heap[c].before(&last) {
                break;
            }
            heap[i] = heap[c];
            i = c;
        }
        heap[i] = last;
        Some(top)
    }
}

/// One flooding's fixed inputs: heights (as [`order_bits`]), the mask and the neighbour steps,
/// all over the padded image.
struct Queue<'a> {
    h: &'a [u64],
    mask: &'a [bool],
    offsets: &'a [isize],
}

impl Queue<'_> {
    /// Queues the unlabelled neighbours of `at` (queued at `height`) in the mask, each labelled
    /// as `at` at once (scikit-image labels when queueing), with the next ages.
    fn spread(
        &self,
        at: usize,
        height: u64,
        age: &mut u32,
        out: &mut [u32],
        mut queue: impl FnMut(u64, u32, u32),
    ) {
        for &o in self.offsets {
            let n = (at as isize + o) as usize;
            if !self.mask[n] || out[n] != 0 {
                continue;
            }
            *age += 1;
            out[n] = out[at];
            queue(self.h[n].max(height), *age, n as u32);
        }
    }

    /// scikit-image's flooding, queue and all: markers of equal height leave its heap in an
    /// order only the same heap gives.
    fn flood_exact(&self, starts: &[u32], out: &mut [u32]) {
        let mut heap = Heap(Vec::new());
        for &index in starts {
            heap.push(Entry {
                height: self.h[index as usize],
                age: 0,
                index,
                source: index,
            });
        }
        let mut age = 1u32;
        while let Some(e) = heap.pop() {
            self.spread(
                e.index as usize,
                e.height,
                &mut age,
                out,
                |height, age, index| {
                    heap.push(Entry {
                        height,
                        age,
                        index,
                        source: e.source,
                    })
                },
            );
        }
    }

    /// The same flooding when no two markers have the same height: then no two entries have
    /// the same (height, age), so any exact priority queue pops them in scikit-image's order.
    /// Entries queued at the height being flooded (downhill and on plateaus) go after every
    /// other entry of that height and before any higher one: a first-in first-out run beside
    /// a heap for the rest.
    fn flood_distinct(&self, starts: &[u32], out: &mut [u32]) {
        use std::cmp::Reverse;
        use std::collections::{BinaryHeap, VecDeque};
        let key = |height: u64, age: u32, index: u32| {
            (u128::from(height) << 64) | (u128::from(age) << 32) | u128::from(index)
        };
        let mut heap: BinaryHeap<Reverse<u128>> = starts
            .iter()
            .map(|&i| Reverse(key(self.h[i as usize], 0, i)))
            .collect();
        // Entries at the current height, oldest first.
        let mut level: VecDeque<(u32, u32)> = VecDeque::new();
        let mut current = 0u64;
        let mut age = 1u32;
        loop {
            let from_level = match (level.front(), heap.peek()) {
                (Some(&(a, _)), Some(&Reverse(k))) => key(current, a, 0) < k,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            let index = if from_level {
                level.pop_front().expect("an entry at this height").1
            } else {
                let Reverse(k) = heap.pop().expect("an entry");
                current = (k >> 64) as u64;
                k as u32
            };
            let height = current;
            self.spread(index as usize, height, &mut age, out, |h, a, i| {
                if h == height {
                    level.push_back((a, i));
                } else {
                    heap.push(Reverse(key(h, a, i)));
                }
            });
        }
    }
}

/// The image padded by one cell (`fill` there) on every side.
fn padded<T: Copy>(a: &ArrayViewD<'_, T>, fill: T) -> ArrayD<T> {
    let shape: Vec<usize> = a.shape().iter().map(|&n| n + 2).collect();
    let mut out = ArrayD::from_elem(IxDyn(&shape), fill);
    out.slice_each_axis_mut(inside).assign(a);
    out
}

/// Along one axis of a padded image, the cells inside the padding.
fn inside(axis: ndarray::AxisDescription) -> ndarray::Slice {
    ndarray::Slice::from(1..axis.len as isize - 1)
}

/// scikit-image's flooding with watershed lines (`watershed_line=True`): a pixel is labelled
/// when it leaves the queue (it may be queued more than once), unless a neighbour in the mask
/// already has another label, in which case it joins the line: it leaves the mask and stays 0.
/// Through scikit-image's heap, so that ties come out as theirs.
fn flood_lines(h: &[u64], mask: &mut [bool], offsets: &[isize], starts: &[u32], out: &mut [u32]) {
    let mut heap = Heap(Vec::new());
    for &index in starts {
        heap.push(Entry {
            height: h[index as usize],
            age: 0,
            index,
            source: index,
        });
    }
    let step = |at: usize, o: isize| (at as isize + o) as usize;
    let mut age = 1u32;
    while let Some(e) = heap.pop() {
        let (at, source) = (e.index as usize, e.source as usize);
        if out[at] != 0 && at != source {
            continue;
        }
        let label = out[source];
        let on_line = if !mask[at] {
            true
        } else if offsets.iter().any(|&o| {
            let n = step(at, o);
            mask[n] && out[n] != 0 && out[n] != label
        }) {
            mask[at] = false;
            true
        } else {
            false
        };
        if !on_line {
            out[at] = label;
        }
        for &o in offsets {
            let n = step(at, o);
            if !mask[n] || out[n] != 0 {
                continue;
            }
            age += 1;
            heap.push(Entry {
                height: h[n].max(e.height),
                age,
                index: n as u32,
                source: e.source,
            });
        }
    }
}

/// scikit-image's flooding of one whole image: `heights` as [`order_bits`], `seeds` each
/// pixel's marker and whether it is in the mask; with watershed `lines` or without.
fn flood(
    heights: ArrayViewD<'_, u64>,
    seeds: ArrayViewD<'_, (u32, bool)>,
    connectivity: usize,
    lines: bool,
) -> ArrayD<u32> {
    let shape = heights.shape().to_vec();
    if heights.is_empty() {
        return ArrayD::zeros(IxDyn(&shape));
    }
    // Padded by one cell that is outside the mask, so that no neighbour needs a bounds check.
    let h = padded(&heights, 0);
    let strides = h.strides().to_vec();
    let h = h.into_raw_vec_and_offset().0;
    let seeds = padded(&seeds, (0, false));
    let mut out: Vec<u32> = seeds.iter().map(|&(l, m)| if m { l } else { 0 }).collect();
    let mut mask: Vec<bool> = seeds.iter().map(|&(_, m)| m).collect();
    let offsets: Vec<isize> = neighbourhood(shape.len(), connectivity)
        .iter()
        .map(|o| o.iter().zip(&strides).map(|(&v, &s)| v * s).sum())
        .collect();
    let starts: Vec<u32> = (0..out.len() as u32)
        .filter(|&i| out[i as usize] != 0)
        .collect();
    let mut heights: Vec<u64> = starts.iter().map(|&i| h[i as usize]).collect();
    heights.sort_unstable();
    let ties = heights.windows(2).any(|w| w[0] == w[1]);
    if lines {
        flood_lines(&h, &mut mask, &offsets, &starts, &mut out);
    } else {
        let queue = Queue {
            h: &h,
            mask: &mask,
            offsets: &offsets,
        };
        if ties {
            queue.flood_exact(&starts, &mut out);
        } else {
            queue.flood_distinct(&starts, &mut out);
        }
    }
    let out = ArrayD::from_shape_vec(seeds.raw_dim(), out).expect("the padded shape");
    out.slice_each_axis(inside).to_owned()
}

/// The watershed by image foresting transform, as scipy's `watershed_ift(input, markers,
/// structure)`: each pixel takes the label of the marker joined to it by the path whose
/// largest step (the absolute difference of neighbouring values) is smallest. Positive
/// markers are objects, negative ones background (flooded after the objects at equal cost),
/// 0 none. Neighbours are the cells of `structure` (3 cells per axis; the face neighbours when
/// `None`) taken as scipy takes them: as steps of the flat (row-major) index, so that, as in
/// scipy, a step off one end of a row arrives at the other end of the next.
///
/// Equal to scipy's, ties included, whatever the chunking: one task floods the whole image
/// with scipy's queue (buckets of doubly linked lists, one per cost).
///
/// # Errors
///
/// [`Error::IncompatibleShapes`] for markers of another shape than the input, and
/// [`Error::InvalidParameter`] for a structure without 3 cells on every axis.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure};
/// let x = Array::from_ndarray(ndarray::array![0u8, 10, 200, 10, 0], [2])?;
/// let markers = Array::from_ndarray(ndarray::array![1i32, 0, 0, 0, -1], [3])?;
/// let y = ndmeasure::watershed_ift(&x, &markers, None)?.compute()?;
/// assert_eq!(y, ndarray::array![1i32, 1, 1, -1, -1].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn watershed_ift<T>(
    input: &Array<T>,
    markers: &Array<i32>,
    structure: Option<ArrayD<bool>>,
) -> Result<Array<i32>>
where
    T: Element + Copy + Into<u16>,
{
    let op = "watershed_ift";
    let ndim = input.ndim();
    same_shape(op, input.shape(), markers.shape())?;
    let structure = structure.unwrap_or_else(|| crate::ndfilters::binary_structure(ndim, 1));
    if structure.shape() != vec![3; ndim].as_slice() {
        return Err(Error::InvalidParameter {
            op,
            name: "structure",
            value: format!("an array of shape {:?}", structure.shape()),
            expected: "3 cells on every axis of the input",
        });
    }
    let values = whole(&input.map(|v| v.into()))?;
    let flooded = values.zip_blocks(op, &whole(markers)?, move |v, m| ift(v, m, &structure))?;
    flooded.rechunk(input.chunks().to_vec())
}

/// No queue entry.
const NIL: usize = usize::MAX;

/// scipy's image foresting transform of one whole image.
fn ift(
    values: ArrayViewD<'_, u16>,
    markers: ArrayViewD<'_, i32>,
    structure: &ArrayD<bool>,
) -> ArrayD<i32> {
    let shape = values.shape().to_vec();
    let v: Vec<i64> = values.iter().map(|&x| i64::from(x)).collect();
    let mut label: Vec<i32> = markers.iter().copied().collect();
    let size = v.len();
    if size == 0 {
        return ArrayD::zeros(IxDyn(&shape));
    }
    let maxval = v.iter().copied().max().unwrap_or(0) as usize;
    // Each cost's queue: first and last entries, entries linked both ways.
    let (mut first, mut last) = (vec![NIL; maxval + 1], vec![NIL; maxval + 1]);
    let (mut next, mut prev) = (vec![NIL; size], vec![NIL; size]);
    let mut cost = vec![0usize; size];
    let mut done = vec![false; size];
    for j in 0..size {
        if label[j] == 0 {
            cost[j] = maxval + 1;
            continue;
        }
        if first[0] == NIL {
            first[0] = j;
            last[0] = j;
        } else if label[j] > 0 {
            // Objects queue first, each new one before the others.
            next[j] = first[0];
            prev[first[0]] = j;
            first[0] = j;
        } else {
            prev[j] = last[0];
            next[last[0]] = j;
            last[0] = j;
        }
    }
    // The structure's cells (not its centre) as steps of the flat index, in row-major order.
    let mut strides = vec![1i64; shape.len()];
    for d in (0..shape.len().saturating_sub(1)).rev() {
        strides[d] = strides[d + 1] * shape[d + 1] as i64;
    }
    let steps: Vec<i64> = structure_offsets(structure)
        .iter()
        .map(|o| {
            o.iter()
                .zip(&strides)
                .map(|(&c, &s)| c as i64 * s)
                .sum::<i64>()
        })
        // As scipy: a step of 0 (a cell beside the centre on an axis of length 1) is none.
        .filter(|&o| o != 0)
        .collect();
    for c in 0..=maxval {
        while first[c] != NIL {
            let at = first[c];
            first[c] = next[at];
            if first[c] != NIL {
                prev[first[c]] = NIL;
            }
            prev[at] = NIL;
            next[at] = NIL;
            done[at] = true;
            for &step in &steps {
                let p = at as i64 + step;
                if p < 0 || p >= size as i64 {
                    continue;
                }
                let p = p as usize;
                if done[p] {
                    continue;
                }
                let arc = (v[p] - v[at]).unsigned_abs() as usize;
                let reach = cost[at].max(arc);
                let old = cost[p];
                if reach >= old {
                    continue;
                }
                cost[p] = reach;
                label[p] = label[at];
                // Out of its old queue, as scipy: only when linked to another entry.
                if next[p] != NIL || prev[p] != NIL {
                    let (pp, np) = (prev[p], next[p]);
                    if first[old] == p {
                        first[old] = np;
                    }
                    if last[old] == p {
                        last[old] = pp;
                    }
                    if pp != NIL {
                        next[pp] = np;
                    }
                    if np != NIL {
                        prev[np] = pp;
                    }
                }
                if label[p] < 0 {
                    prev[p] = last[reach];
                    next[p] = NIL;
                    if last[reach] != NIL {
                        next[last[reach]] = p;
                    }
                    last[reach] = p;
                    if first[reach] == NIL {
                        first[reach] = p;
                    }
                } else {
                    next[p] = first[reach];
                    prev[p] = NIL;
                    if first[reach] != NIL {
                        prev[first[reach]] = p;
                    }
                    first[reach] = p;
                    if last[reach] == NIL {
                        last[reach] = p;
                    }
                }
            }
        }
    }
    ArrayD::from_shape_vec(IxDyn(&shape), label).expect("one label per cell")
}
