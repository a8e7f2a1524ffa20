//! scipy's `value_indices`: where each distinct value of an integer array lies.

use ndarray::{ArrayD, IxDyn};
use num_traits::PrimInt;

use crate::array::Array;
use crate::dtype::Encode;
use crate::error::Result;
use crate::expr::block::Element;

/// The positions of each distinct value, as scipy's `value_indices` returns them: the values
/// in increasing order, each with one list of coordinates per axis (numpy's tuple of index
/// arrays), its cells in row-major order.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure};
/// let x = Array::from_ndarray(ndarray::array![[1u8, 0], [2, 1]], [1, 1])?;
/// let v = ndmeasure::value_indices(&x, Some(0))?.compute_scalar()?;
/// assert_eq!(v.values, vec![1, 2]);
/// assert_eq!(v.indices[0], vec![vec![0, 1], vec![0, 1]]);
/// assert_eq!(v.get(2), Some(&[vec![1], vec![0]][..]));
/// # Ok::<(), chunkwise::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ValueIndices<T> {
    /// The distinct values, increasing.
    pub values: Vec<T>,
    /// For each value, one coordinate list per axis.
    pub indices: Vec<Vec<Vec<usize>>>,
}

impl<T: PartialOrd + Copy> ValueIndices<T> {
    /// The coordinate lists of `value`, if the array holds it.
    pub fn get(&self, value: T) -> Option<&[Vec<usize>]> {
        let at = self.values.iter().position(|&v| v == value)?;
        Some(&self.indices[at])
    }
}

crate::dtype::encode_fields!(ValueIndices<T> { values, indices });

/// Where each distinct value of `x` lies, as scipy's `value_indices(x, ignore_value)`: a lazy
/// 0-d array holding the [`ValueIndices`]. Each block lists its values' cells (in the whole
/// array's coordinates); the lists are merged in a tree, values in order and cells in
/// row-major order, whatever the chunking.
///
/// # Errors
///
/// None when building; the errors of computing `x`.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure};
/// let x = Array::from_ndarray(ndarray::array![3i32, 1, 2, 1], [3])?;
/// let v = ndmeasure::value_indices(&x, None)?.compute_scalar()?;
/// assert_eq!(v.values, vec![1, 2, 3]);
/// assert_eq!(v.get(1), Some(&[vec![1, 3]][..]));
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn value_indices<T>(x: &Array<T>, ignore_value: Option<T>) -> Result<Array<ValueIndices<T>>>
where
    T: Element + Copy + PrimInt + Encode,
{
    super::register_wire();
    let shape = x.shape().to_vec();
    let all: Vec<usize> = (0..x.ndim()).collect();
    let chunk = move |b: ndarray::ArrayViewD<'_, T>, _: &[usize], start: &[usize]| {
        // Each cell's row-major index in the whole array, grouped by value.
        let mut cells: Vec<(T, usize)> = b
            .indexed_iter()
            .filter(|&(_, &v)| Some(v) != ignore_value)
            .map(|(i, &v)| {
                let flat = (0..shape.len()).fold(0, |f, d| f * shape[d] + start[d] + i[d]);
                (v, flat)
            })
            .collect();
        cells.sort_unstable();
        ArrayD::from_elem(IxDyn(&vec![1; b.ndim()]), cells)
    };
    let merge = |a: &Vec<(T, usize)>, b: &Vec<(T, usize)>| {
        let mut out = Vec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            if a[i] <= b[j] {
                out.push(a[i]);
                i += 1;
            } else {
                out.push(b[j]);
                j += 1;
            }
        }
        out.extend_from_slice(&a[i..]);
        out.extend_from_slice(&b[j..]);
        out
    };
    let shape = x.shape().to_vec();
    x.reduction(&all, false, 4, chunk, merge, move |cells| {
        let mut out = ValueIndices {
            values: Vec::new(),
            indices: Vec::new(),
        };
        for &(v, flat) in cells {
            if out.values.last() != Some(&v) {
                out.values.push(v);
                out.indices.push(vec![Vec::new(); shape.len()]);
            }
            let lists = out.indices.last_mut().expect("a value was pushed");
            let mut rest = flat;
            for d in (0..shape.len()).rev() {
                lists[d].push(rest % shape[d]);
                rest /= shape[d];
            }
        }
        Ok(out)
    })
}
