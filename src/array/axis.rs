//! One way to name an axis: ndarray's `Axis(k)` or a plain `k`.

use ndarray::Axis;

/// An axis, named as ndarray names it (`Axis(1)`) or by its number (`1`): every function of
/// chunkwise that takes one axis takes either.
///
/// # Examples
///
/// ```
/// use chunkwise::Array;
/// use ndarray::Axis;
/// let x = Array::<f64>::ones(&[4, 6], [2, 3])?;
/// assert_eq!(x.sum_axis(1)?.compute()?, x.sum_axis(Axis(1))?.compute()?);
/// assert_eq!(x.swap_axes(0, Axis(1))?.shape(), &[6, 4]);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub trait IntoAxis {
    /// The axis's number.
    fn axis_index(self) -> usize;
}

impl IntoAxis for usize {
    fn axis_index(self) -> usize {
        self
    }
}

impl IntoAxis for Axis {
    fn axis_index(self) -> usize {
        self.index()
    }
}
