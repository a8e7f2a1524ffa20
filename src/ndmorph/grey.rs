//! Grey morphology built from erosions and dilations: scipy's `grey_opening`, `grey_closing`,
//! `morphological_gradient`, `morphological_laplace`, `white_tophat` and `black_tophat`, each
//! with scipy's default boundary (`mode='reflect'`) or another (`_with`).

use crate::array::Array;
use crate::chunks::{Boundary, IntoBoundaries};
use crate::error::Result;
use crate::expr::block::Element;
use crate::ndfilters::{IntoWindow, Window, extreme_filter, larger, smaller};

/// The numbers grey morphology takes differences of: sums and differences wrap for integers,
/// as numpy's do in scipy's `morphological_gradient`, `morphological_laplace` and top-hats
/// (computed in the input's type), and are plain for floats.
///
/// # Examples
///
/// ```
/// use chunkwise::ndmorph::GreyNumber;
/// assert_eq!(GreyNumber::minus(3u8, 5), 254);
/// assert_eq!(GreyNumber::plus(1.5f64, 2.0), 3.5);
/// ```
pub trait GreyNumber: Element + Copy + PartialOrd {
    /// `self + other`, wrapping for integers.
    fn plus(self, other: Self) -> Self;
    /// `self - other`, wrapping for integers.
    fn minus(self, other: Self) -> Self;
}

macro_rules! wrapping {
    ($($t:ty),*) => {$(
        impl GreyNumber for $t {
            fn plus(self, other: Self) -> Self {
                self.wrapping_add(other)
            }
            fn minus(self, other: Self) -> Self {
                self.wrapping_sub(other)
            }
        }
    )*};
}
wrapping!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);

macro_rules! plain {
    ($($t:ty),*) => {$(
        impl GreyNumber for $t {
            fn plus(self, other: Self) -> Self {
                self + other
            }
            fn minus(self, other: Self) -> Self {
                self - other
            }
        }
    )*};
}
plain!(f32, f64);

/// The erosion and dilation of `x` that the operations combine, over one window and boundary.
struct Pair<T> {
    window: Window,
    boundary: Vec<Boundary<T>>,
}

impl<T: GreyNumber> Pair<T> {
    fn new(x: &Array<T>, size: impl IntoWindow, boundary: impl IntoBoundaries<T>) -> Result<Self> {
        Ok(Pair {
            window: size.into_window(x.ndim()),
            boundary: boundary.into_boundaries(x.ndim())?,
        })
    }

    fn erode(&self, op: &'static str, x: &Array<T>) -> Result<Array<T>> {
        extreme_filter(
            x,
            op,
            self.window.clone(),
            self.boundary.clone(),
            smaller,
            false,
        )
    }

    fn dilate(&self, op: &'static str, x: &Array<T>) -> Result<Array<T>> {
        extreme_filter(
            x,
            op,
            self.window.clone(),
            self.boundary.clone(),
            larger,
            true,
        )
    }
}

/// Grey opening, as scipy's `grey_opening(x, size)` (or `footprint=`): a [grey
/// erosion](super::grey_erosion) then a [grey dilation](super::grey_dilation) over the same
/// window, boundary `mode='reflect'`. Removes bright details smaller than the window.
///
/// # Errors
///
/// As [`grey_erosion`](super::grey_erosion).
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmorph};
/// let x = Array::from_ndarray(ndarray::array![1u8, 1, 9, 1, 1, 5, 5, 5], [3])?;
/// assert_eq!(ndmorph::grey_opening(&x, 3)?.compute()?, ndarray::array![1u8, 1, 1, 1, 1, 5, 5, 5].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn grey_opening<T: GreyNumber>(x: &Array<T>, size: impl IntoWindow) -> Result<Array<T>> {
    grey_opening_with(x, size, Boundary::Reflect)
}

/// [`grey_opening`] with another boundary rule (scipy's `mode=`).
///
/// # Errors
///
/// As [`grey_erosion_with`](super::grey_erosion_with).
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Boundary, ndmorph};
/// let x = Array::from_ndarray(ndarray::array![4.0, 4.0, 2.0, 4.0], [2])?;
/// let y = ndmorph::grey_opening_with(&x, 3, Boundary::Constant(0.0))?.compute()?;
/// assert_eq!(y, ndarray::array![2.0, 2.0, 2.0, 2.0].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn grey_opening_with<T: GreyNumber>(
    x: &Array<T>,
    size: impl IntoWindow,
    boundary: impl IntoBoundaries<T>,
) -> Result<Array<T>> {
    let op = "grey_opening";
    let p = Pair::new(x, size, boundary)?;
    p.dilate(op, &p.erode(op, x)?)
}

/// Grey closing, as scipy's `grey_closing(x, size)`: a grey dilation then a grey erosion over
/// the same window, boundary `mode='reflect'`. Fills dark details smaller than the window.
///
/// # Errors
///
/// As [`grey_erosion`](super::grey_erosion).
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmorph};
/// let x = Array::from_ndarray(ndarray::array![5u8, 5, 0, 5, 5, 1, 1, 1], [3])?;
/// assert_eq!(ndmorph::grey_closing(&x, 3)?.compute()?, ndarray::array![5u8, 5, 5, 5, 5, 1, 1, 1].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn grey_closing<T: GreyNumber>(x: &Array<T>, size: impl IntoWindow) -> Result<Array<T>> {
    grey_closing_with(x, size, Boundary::Reflect)
}

/// [`grey_closing`] with another boundary rule (scipy's `mode=`).
///
/// # Errors
///
/// As [`grey_erosion_with`](super::grey_erosion_with).
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Boundary, ndmorph};
/// let x = Array::from_ndarray(ndarray::array![1.0, 1.0, 3.0, 1.0], [2])?;
/// let y = ndmorph::grey_closing_with(&x, 3, Boundary::Constant(9.0))?.compute()?;
/// assert_eq!(y, ndarray::array![3.0, 3.0, 3.0, 3.0].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn grey_closing_with<T: GreyNumber>(
    x: &Array<T>,
    size: impl IntoWindow,
    boundary: impl IntoBoundaries<T>,
) -> Result<Array<T>> {
    let op = "grey_closing";
    let p = Pair::new(x, size, boundary)?;
    p.erode(op, &p.dilate(op, x)?)
}

/// The morphological gradient, as scipy's `morphological_gradient(x, size)`: the grey
/// dilation less the grey erosion (wrapping for integers, as numpy), boundary
/// `mode='reflect'`. Bright on edges.
///
/// # Errors
///
/// As [`grey_erosion`](super::grey_erosion).
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmorph};
/// let x = Array::from_ndarray(ndarray::array![0u8, 0, 0, 7, 7, 7], [4])?;
/// assert_eq!(ndmorph::morphological_gradient(&x, 3)?.compute()?, ndarray::array![0u8, 0, 7, 7, 0, 0].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn morphological_gradient<T: GreyNumber>(
    x: &Array<T>,
    size: impl IntoWindow,
) -> Result<Array<T>> {
    morphological_gradient_with(x, size, Boundary::Reflect)
}

/// [`morphological_gradient`] with another boundary rule (scipy's `mode=`).
///
/// # Errors
///
/// As [`grey_erosion_with`](super::grey_erosion_with).
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Boundary, ndmorph};
/// let x = Array::from_ndarray(ndarray::array![2.0, 2.0, 2.0], [2])?;
/// let y = ndmorph::morphological_gradient_with(&x, 3, Boundary::Constant(0.0))?.compute()?;
/// assert_eq!(y, ndarray::array![2.0, 0.0, 2.0].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn morphological_gradient_with<T: GreyNumber>(
    x: &Array<T>,
    size: impl IntoWindow,
    boundary: impl IntoBoundaries<T>,
) -> Result<Array<T>> {
    let op = "morphological_gradient";
    let p = Pair::new(x, size, boundary)?;
    p.dilate(op, x)?.zip_with(&p.erode(op, x)?, T::minus)
}

/// The morphological Laplacian, as scipy's `morphological_laplace(x, size)`: the grey dilation
/// plus the grey erosion less twice the input (in the input's type, wrapping for integers as
/// numpy's does), boundary `mode='reflect'`.
///
/// # Errors
///
/// As [`grey_erosion`](super::grey_erosion).
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmorph};
/// let x = Array::from_ndarray(ndarray::array![0.0, 0.0, 4.0, 0.0, 0.0], [2])?;
/// assert_eq!(ndmorph::morphological_laplace(&x, 3)?.compute()?, ndarray::array![0.0, 4.0, -4.0, 4.0, 0.0].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn morphological_laplace<T: GreyNumber>(
    x: &Array<T>,
    size: impl IntoWindow,
) -> Result<Array<T>> {
    morphological_laplace_with(x, size, Boundary::Reflect)
}

/// [`morphological_laplace`] with another boundary rule (scipy's `mode=`).
///
/// # Errors
///
/// As [`grey_erosion_with`](super::grey_erosion_with).
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Boundary, ndmorph};
/// let x = Array::from_ndarray(ndarray::array![1i16, 1, 1], [2])?;
/// let y = ndmorph::morphological_laplace_with(&x, 3, Boundary::Constant(5))?.compute()?;
/// assert_eq!(y, ndarray::array![4i16, 0, 4].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn morphological_laplace_with<T: GreyNumber>(
    x: &Array<T>,
    size: impl IntoWindow,
    boundary: impl IntoBoundaries<T>,
) -> Result<Array<T>> {
    let op = "morphological_laplace";
    let p = Pair::new(x, size, boundary)?;
    let sum = p.dilate(op, x)?.zip_with(&p.erode(op, x)?, T::plus)?;
    sum.zip_with(x, |s, v| s.minus(v).minus(v))
}

/// The white top-hat, as scipy's `white_tophat(x, size)`: the input less its [grey
/// opening](grey_opening), boundary `mode='reflect'`. Bright details smaller than the window.
///
/// # Errors
///
/// As [`grey_erosion`](super::grey_erosion).
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmorph};
/// let x = Array::from_ndarray(ndarray::array![1u8, 1, 9, 1, 1, 5, 5, 5], [3])?;
/// assert_eq!(ndmorph::white_tophat(&x, 3)?.compute()?, ndarray::array![0u8, 0, 8, 0, 0, 0, 0, 0].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn white_tophat<T: GreyNumber>(x: &Array<T>, size: impl IntoWindow) -> Result<Array<T>> {
    white_tophat_with(x, size, Boundary::Reflect)
}

/// [`white_tophat`] with another boundary rule (scipy's `mode=`).
///
/// # Errors
///
/// As [`grey_erosion_with`](super::grey_erosion_with).
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Boundary, ndmorph};
/// let x = Array::from_ndarray(ndarray::array![4.0, 4.0, 2.0, 4.0], [2])?;
/// let y = ndmorph::white_tophat_with(&x, 3, Boundary::Constant(0.0))?.compute()?;
/// assert_eq!(y, ndarray::array![2.0, 2.0, 0.0, 2.0].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn white_tophat_with<T: GreyNumber>(
    x: &Array<T>,
    size: impl IntoWindow,
    boundary: impl IntoBoundaries<T>,
) -> Result<Array<T>> {
    let op = "white_tophat";
    let p = Pair::new(x, size, boundary)?;
    x.zip_with(&p.dilate(op, &p.erode(op, x)?)?, T::minus)
}

/// The black top-hat, as scipy's `black_tophat(x, size)`: the [grey closing](grey_closing)
/// less the input, boundary `mode='reflect'`. Dark details smaller than the window.
///
/// # Errors
///
/// As [`grey_erosion`](super::grey_erosion).
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmorph};
/// let x = Array::from_ndarray(ndarray::array![5u8, 5, 0, 5, 5, 1, 1, 1], [3])?;
/// assert_eq!(ndmorph::black_tophat(&x, 3)?.compute()?, ndarray::array![0u8, 0, 5, 0, 0, 0, 0, 0].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn black_tophat<T: GreyNumber>(x: &Array<T>, size: impl IntoWindow) -> Result<Array<T>> {
    black_tophat_with(x, size, Boundary::Reflect)
}

/// [`black_tophat`] with another boundary rule (scipy's `mode=`).
///
/// # Errors
///
/// As [`grey_erosion_with`](super::grey_erosion_with).
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Boundary, ndmorph};
/// let x = Array::from_ndarray(ndarray::array![1.0, 1.0, 3.0, 1.0], [2])?;
/// let y = ndmorph::black_tophat_with(&x, 3, Boundary::Constant(9.0))?.compute()?;
/// assert_eq!(y, ndarray::array![2.0, 2.0, 0.0, 2.0].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn black_tophat_with<T: GreyNumber>(
    x: &Array<T>,
    size: impl IntoWindow,
    boundary: impl IntoBoundaries<T>,
) -> Result<Array<T>> {
    let op = "black_tophat";
    let p = Pair::new(x, size, boundary)?;
    p.erode(op, &p.dilate(op, x)?)?.zip_with(x, T::minus)
}
