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
/// [`Error::InvalidParameter`] for a connectivity outside `1..=ndim`.
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
    let op = "watershed";
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
    let seeds = match mask {
        Some(m) => markers.zip_with(m, |l, m| (l, m))?,
        None => markers.map(|l| (l, true)),
    };
    let heights = whole(&image.map(|v| v.to_f64().unwrap_or(f64::NAN)))?;
    let flooded = heights.zip_blocks(op, &whole(&seeds)?, move |h, s| flood(h, s, connectivity))?;
    flooded.rechunk(image.chunks().to_vec())
}

/// The neighbour offsets within `connectivity` unit steps, as scikit-image orders them: by
/// distance from the centre, then in row-major order of the offset.
fn neighbourhood(ndim: usize, connectivity: usize) -> Vec<Vec<isize>> {
    let mut offsets: Vec<Vec<isize>> = Vec::new();
    let total = 3usize.pow(ndim as u32);
    for k in 0..total {
        let mut rest = k;
        let mut o = vec![0isize; ndim];
        for d in (0..ndim).rev() {
            o[d] = (rest % 3) as isize - 1;
            rest /= 3;
        }
        let steps = o.iter().filter(|&&v| v != 0).count();
        if steps > 0 && steps <= connectivity {
            offsets.push(o);
        }
    }
    // Row-major order already; a stable sort by distance keeps it within each distance.
    offsets.sort_by_key(|o| o.iter().filter(|&&v| v != 0).count());
    offsets
}

/// An entry of scikit-image's watershed queue: a pixel (flat index in the padded image), the
/// height its flood arrived at (a marker's own height), and its age (the order it was queued
/// in; markers 0).
#[derive(Clone, Copy)]
struct Entry {
    height: f64,
    age: u64,
    index: usize,
}

impl Entry {
    fn before(&self, other: &Entry) -> bool {
        if self.height != other.height {
            self.height < other.height
        } else {
            self.age < other.age
        }
    }
}

/// A binary min-heap of entries that sifts as scikit-image's does, so that entries of equal
/// key (the markers) leave it in the same order.
struct Heap(Vec<Entry>);

impl Heap {
    fn push(&mut self, e: Entry) {
        let mut child = self.0.len();
        self.0.push(e);
        while child > 0 {
            let parent = (child - 1) / 2;
            if self.0[child].before(&self.0[parent]) {
                self.0.swap(child, parent);
                child = parent;
            } else {
                break;
            }
        }
    }

    fn pop(&mut self) -> Option<Entry> {
        let top = *self.0.first()?;
        let last = self.0.pop().expect("not empty");
        let n = self.0.len();
        if n == 0 {
            return Some(top);
        }
        self.0[0] = last;
        let mut i = 0;
        loop {
            let (l, r) = (2 * i + 1, 2 * i + 2);
            if l >= n {
                break;
            }
            let mut smallest = i;
            if self.0[l].before(&self.0[smallest]) {
                smallest = l;
            }
            if r < n && self.0[r].before(&self.0[smallest]) {
                smallest = r;
            }
            if smallest == i {
                break;
            }
            self.0.swap(i, smallest);
            i = smallest;
        }
        Some(top)
    }
}

/// The image padded by one cell on every side (`fill` there), row-major, with its strides.
fn padded<T: Copy>(a: &ArrayViewD<'_, T>, fill: T) -> (Vec<T>, Vec<usize>) {
    let shape: Vec<usize> = a.shape().iter().map(|&n| n + 2).collect();
    let mut out = ArrayD::from_elem(IxDyn(&shape), fill);
    let inner = ndarray::SliceInfo::<Vec<ndarray::SliceInfoElem>, IxDyn, IxDyn>::try_from(
        shape
            .iter()
            .map(|&n| ndarray::SliceInfoElem::from(1..n as isize - 1))
            .collect::<Vec<_>>(),
    )
    .expect("one range per axis");
    out.slice_mut(inner).assign(a);
    let mut strides = vec![1usize; shape.len()];
    for d in (0..shape.len().saturating_sub(1)).rev() {
        strides[d] = strides[d + 1] * shape[d + 1];
    }
    (out.into_raw_vec_and_offset().0, strides)
}

/// scikit-image's flooding of one whole image: `seeds` holds each pixel's marker and whether
/// it is in the mask.
fn flood(
    heights: ArrayViewD<'_, f64>,
    seeds: ArrayViewD<'_, (u32, bool)>,
    connectivity: usize,
) -> ArrayD<u32> {
    let shape = heights.shape().to_vec();
    if heights.is_empty() {
        return ArrayD::zeros(IxDyn(&shape));
    }
    // Padded by one cell that is outside the mask, so that no neighbour needs a bounds check.
    let (h, strides) = padded(&heights, 0.0);
    let (s, _) = padded(&seeds, (0, false));
    let mask: Vec<bool> = s.iter().map(|&(_, m)| m).collect();
    let mut out: Vec<u32> = s.iter().map(|&(l, m)| if m { l } else { 0 }).collect();
    let offsets: Vec<isize> = neighbourhood(shape.len(), connectivity)
        .iter()
        .map(|o| o.iter().zip(&strides).map(|(&v, &s)| v * s as isize).sum())
        .collect();
    let mut heap = Heap(Vec::new());
    for (index, &l) in out.iter().enumerate() {
        if l != 0 {
            heap.push(Entry {
                height: h[index],
                age: 0,
                index,
            });
        }
    }
    let mut age = 1u64;
    while let Some(e) = heap.pop() {
        for &o in &offsets {
            let n = (e.index as isize + o) as usize;
            if !mask[n] || out[n] != 0 {
                continue;
            }
            age += 1;
            out[n] = out[e.index];
            heap.push(Entry {
                height: h[n].max(e.height),
                age,
                index: n,
            });
        }
    }
    let full: Vec<usize> = shape.iter().map(|&n| n + 2).collect();
    let out = ArrayD::from_shape_vec(IxDyn(&full), out).expect("the padded shape");
    let inner = ndarray::SliceInfo::<Vec<ndarray::SliceInfoElem>, IxDyn, IxDyn>::try_from(
        full.iter()
            .map(|&n| ndarray::SliceInfoElem::from(1..n as isize - 1))
            .collect::<Vec<_>>(),
    )
    .expect("one range per axis");
    out.slice(inner).to_owned()
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
    let steps: Vec<i64> = structure
        .indexed_iter()
        .filter(|&(_, &on)| on)
        .map(|(i, _)| {
            i.slice()
                .iter()
                .zip(&strides)
                .map(|(&c, &s)| (c as i64 - 1) * s)
                .sum::<i64>()
        })
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
