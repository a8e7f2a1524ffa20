//! The neighbourhood of a size-based filter: a box of one size on every axis, a size per axis,
//! or a footprint (scipy's `size=3`, `size=(1, 3, 3)` and `footprint=`).

use ndarray::{ArrayBase, ArrayD, Data, Dimension};

use crate::error::{Error, Result};

/// A filter's neighbourhood: a box of a size per axis, or the true cells of a footprint. Made
/// by [`IntoWindow`] from what the filters take.
///
/// # Examples
///
/// ```
/// use chunkwise::ndfilters::IntoWindow;
/// let cross = ndarray::array![[false, true, false], [true, true, true], [false, true, false]];
/// let w = (&cross).into_window(2);
/// assert_eq!(w.shape(), &[3, 3]);
/// assert_eq!(w.cells(), 5);
/// assert_eq!(3.into_window(3).shape(), &[3, 3, 3]);
/// assert_eq!([1, 3, 3].into_window(3).cells(), 9);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Window {
    shape: Vec<usize>,
    /// `None` for a whole box.
    footprint: Option<ArrayD<bool>>,
}

impl Window {
    /// The window's extent on each axis (the footprint's shape, or the box's sizes).
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::ndfilters::IntoWindow;
    /// assert_eq!(vec![2, 5].into_window(2).shape(), &[2, 5]);
    /// ```
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The number of cells in the neighbourhood (true cells of a footprint; `usize::MAX` for a
    /// box of more).
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::ndfilters::IntoWindow;
    /// assert_eq!((&ndarray::array![true, false, true]).into_window(1).cells(), 2);
    /// ```
    pub fn cells(&self) -> usize {
        match &self.footprint {
            Some(f) => f.iter().filter(|&&b| b).count(),
            None => self
                .shape
                .iter()
                .try_fold(1usize, |n, &k| n.checked_mul(k))
                .unwrap_or(usize::MAX),
        }
    }

    /// The window mirrored through its centre cell: the footprint reversed on every axis (a
    /// box stays a box; its centre moves for an even extent, which the caller's depth says).
    pub(crate) fn reflected(mut self) -> Window {
        if let Some(f) = &mut self.footprint {
            for axis in 0..f.ndim() {
                f.invert_axis(ndarray::Axis(axis));
            }
            *f = f.as_standard_layout().into_owned();
        }
        self
    }

    /// The footprint, unless the window is a whole box.
    pub(crate) fn footprint(&self) -> Option<&ArrayD<bool>> {
        self.footprint.as_ref()
    }

    /// Checks the window for filter `op` on an array of `ndim` axes: one extent per axis, each
    /// at least 1, and at least one cell. An all-true footprint becomes a box.
    pub(crate) fn checked(mut self, op: &'static str, ndim: usize) -> Result<Window> {
        let name = if self.footprint.is_some() {
            "footprint"
        } else {
            "size"
        };
        let invalid = |expected: &'static str| Error::InvalidParameter {
            op,
            name,
            value: format!("{:?}", self.shape),
            expected,
        };
        if self.shape.len() != ndim {
            return Err(invalid("one extent per axis of the array"));
        }
        if self.shape.contains(&0) {
            return Err(invalid("extents of at least 1"));
        }
        if self.cells() == 0 {
            return Err(invalid("a footprint with at least one true cell"));
        }
        if self
            .footprint
            .as_ref()
            .is_some_and(|f| f.iter().all(|&b| b))
        {
            self.footprint = None;
        }
        Ok(self)
    }
}

/// What a size-based filter takes as its neighbourhood: a `usize` (the same size on every
/// axis), one size per axis (`[1, 3, 3]`, `&[usize]`, `Vec<usize>`: scipy's `size=(1, 3, 3)`,
/// e.g. a 2-D filter of each slice of a stack), or a footprint (`&` a boolean `ndarray` array
/// whose true cells are the neighbourhood: scipy's `footprint=`).
///
/// The window is centred as scipy centres it: `n / 2` cells before the cell and the rest after,
/// on an axis of extent `n`.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Boundary, ndfilters};
/// let stack = Array::<f64>::random(&[4, 32, 32], [1, 16, 16], 7)?;
/// // A 3x3 median of each slice: size 1 along the stack.
/// let per_slice = ndfilters::median_filter(&stack, [1, 3, 3], Boundary::Reflect)?;
/// let first = ndfilters::median_filter(&stack.index_axis(0, 0)?, 3, Boundary::Reflect)?;
/// assert_eq!(per_slice.index_axis(0, 0)?.compute()?, first.compute()?);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub trait IntoWindow {
    /// The window for an array of `ndim` axes (checked by the filter that takes it).
    fn into_window(self, ndim: usize) -> Window;
}

fn sizes(shape: Vec<usize>) -> Window {
    Window {
        shape,
        footprint: None,
    }
}

impl IntoWindow for usize {
    fn into_window(self, ndim: usize) -> Window {
        sizes(vec![self; ndim])
    }
}

impl<const N: usize> IntoWindow for [usize; N] {
    fn into_window(self, _: usize) -> Window {
        sizes(self.to_vec())
    }
}

impl<const N: usize> IntoWindow for &[usize; N] {
    fn into_window(self, _: usize) -> Window {
        sizes(self.to_vec())
    }
}

impl IntoWindow for &[usize] {
    fn into_window(self, _: usize) -> Window {
        sizes(self.to_vec())
    }
}

impl IntoWindow for Vec<usize> {
    fn into_window(self, _: usize) -> Window {
        sizes(self)
    }
}

impl IntoWindow for Window {
    fn into_window(self, _: usize) -> Window {
        self
    }
}

impl<S, D> IntoWindow for &ArrayBase<S, D>
where
    S: Data<Elem = bool>,
    D: Dimension,
{
    fn into_window(self, _: usize) -> Window {
        Window {
            shape: self.shape().to_vec(),
            footprint: Some(self.to_owned().into_dyn()),
        }
    }
}

/// What [`uniform_filter`](super::uniform_filter) takes: a `usize` (every axis) or one size per
/// axis, as scipy's `size=` (scipy's `uniform_filter` takes no footprint either).
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Boundary, ndfilters};
/// let x = Array::<f64>::random(&[10, 10], [5, 5], 1)?;
/// let rows = ndfilters::uniform_filter(&x, [1, 3], Boundary::Nearest)?; // along rows only
/// assert_eq!(rows.shape(), &[10, 10]);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub trait IntoSizes: IntoWindow {}

impl IntoSizes for usize {}
impl<const N: usize> IntoSizes for [usize; N] {}
impl<const N: usize> IntoSizes for &[usize; N] {}
impl IntoSizes for &[usize] {}
impl IntoSizes for Vec<usize> {}

/// scipy's `generate_binary_structure(rank, connectivity)`: the cells of a 3 x ... x 3 box
/// within `connectivity` unit steps of the centre (public as
/// [`ndmorph::generate_binary_structure`](crate::ndmorph::generate_binary_structure); here, below
/// both, for labelling and morphology alike).
pub(crate) fn binary_structure(rank: usize, connectivity: usize) -> ndarray::ArrayD<bool> {
    ndarray::ArrayD::from_shape_fn(vec![3; rank], |idx| {
        (0..rank).filter(|&k| idx[k] != 1).count() <= connectivity
    })
}
