//! Differences along an axis: numpy's `diff`.

use std::ops::Sub;

use ndarray::SliceInfoElem;

use super::{Array, IntoAxis};
use crate::error::{Error, Result};
use crate::expr::block::Element;

impl<T: Element + Copy + Sub<Output = T>> Array<T> {
    /// The `n`-th difference along `axis` (numpy's `diff`): `out[i] = x[i + 1] - x[i]`, `n`
    /// times, so the axis is `n` shorter (empty when `n` is its length or more); `n = 0` is
    /// the array itself. Lazy: each step is the array sliced twice and subtracted, so it fuses
    /// with its neighbours and reads across block edges without copies of whole blocks.
    ///
    /// # Errors
    ///
    /// [`Error::AxisOutOfRange`]; [`Error::UnsupportedRank`] for a 0-d array.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// use ndarray::{array, Axis};
    /// let x = Array::from_ndarray(array![[1, 2, 4, 7, 0], [1, 1, 1, 1, 1]], [1, 2])?;
    /// assert_eq!(x.diff(1, Axis(1))?.compute()?, array![[1, 2, 3, -7], [0, 0, 0, 0]].into_dyn());
    /// assert_eq!(x.diff(2, 1)?.compute()?, array![[1, 1, -10], [0, 0, 0]].into_dyn());
    /// assert_eq!(x.diff(9, 1)?.shape(), &[2, 0]);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn diff(&self, n: usize, axis: impl IntoAxis) -> Result<Array<T>> {
        if self.ndim() == 0 {
            return Err(Error::UnsupportedRank {
                op: "diff",
                ndim: 0,
                expected: "diff needs at least one axis",
            });
        }
        let axis = self.check_axis("diff", axis.axis_index())?;
        let mut out = self.clone();
        for _ in 0..n {
            let len = out.shape()[axis];
            if len == 0 {
                break;
            }
            let part = |from: usize, to: usize| -> Vec<SliceInfoElem> {
                (0..out.ndim())
                    .map(|k| {
                        if k == axis {
                            SliceInfoElem::Slice {
                                start: from as isize,
                                end: Some(to as isize),
                                step: 1,
                            }
                        } else {
                            SliceInfoElem::Slice {
                                start: 0,
                                end: None,
                                step: 1,
                            }
                        }
                    })
                    .collect()
            };
            let upper = out.slice(&part(1, len)[..])?;
            let lower = out.slice(&part(0, len - 1)[..])?;
            out = upper.zip_with(&lower, |a: T, b: T| a - b)?;
        }
        Ok(out)
    }
}
