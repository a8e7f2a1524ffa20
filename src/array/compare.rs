//! Elementwise comparisons (`gt`, `ge`, `lt`, `le`, `equal`, `not_equal`), the float tests
//! (`isnan`, `isfinite`, `isinf`) and the truth value of an element ([`TruthValue`]), as
//! numpy's `x > 0.5`, `np.isnan(x)` and `bool(x)`.
//!
//! A comparison takes a scalar (`x.gt(0.5)`, an [`Array<bool>`] directly, as [`Array::map`]
//! gives) or another array (`x.gt(&y)`, broadcast as numpy; a `Result`, as
//! [`Array::zip_with`] gives, since the shapes may not broadcast). The boolean operators
//! `& | ^ !` live with the arithmetic ones (`ops.rs`).

use super::Array;
use crate::error::Result;
use crate::expr::block::Element;

/// What a comparison of an `Array<T>` takes on its right: a scalar `T`, giving an
/// [`Array<bool>`] directly, or an array of `T` (by reference or by value), broadcast against
/// it, giving a `Result`.
///
/// # Examples
///
/// ```
/// use chunkwise::Array;
/// let x = Array::from_ndarray(ndarray::array![0.2, 0.7, 0.5], [2])?;
/// let above: Array<bool> = x.gt(0.5); // a scalar: the lazy array itself
/// let y = Array::from_ndarray(ndarray::array![0.3, 0.3, 0.5], [3])?;
/// let same: Array<bool> = x.equal(&y)?; // an array: it must broadcast
/// assert_eq!(above.compute()?, ndarray::array![false, true, false].into_dyn());
/// assert_eq!(same.compute()?, ndarray::array![false, false, true].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub trait CompareTo<T> {
    /// [`Array<bool>`] for a scalar, `Result<Array<bool>>` for an array.
    type Output;
    /// `f(x, self)` at every element of `x`, named `name` in the graph.
    fn compare(self, x: &Array<T>, name: &'static str, f: fn(&T, &T) -> bool) -> Self::Output;
}

impl<T: Element> CompareTo<T> for &Array<T> {
    type Output = Result<Array<bool>>;
    fn compare(self, x: &Array<T>, name: &'static str, f: fn(&T, &T) -> bool) -> Self::Output {
        x.zip_named(name, self, move |a, b| f(&a, &b))
    }
}

impl<T: Element> CompareTo<T> for Array<T> {
    type Output = Result<Array<bool>>;
    fn compare(self, x: &Array<T>, name: &'static str, f: fn(&T, &T) -> bool) -> Self::Output {
        (&self).compare(x, name, f)
    }
}

macro_rules! scalar_operand {
    ($($t:ty),*) => {$(
        impl CompareTo<$t> for $t {
            type Output = Array<bool>;
            fn compare(self, x: &Array<$t>, name: &'static str, f: fn(&$t, &$t) -> bool) -> Array<bool> {
                x.map_named(name, move |a| f(&a, &self))
            }
        }
    )*};
}

scalar_operand!(
    f32, f64, i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, bool, char
);

macro_rules! comparisons {
    ($($(#[$doc:meta])* $name:ident, $op:tt, $example:literal;)*) => {
        impl<T: Element + PartialOrd> Array<T> {$(
            $(#[$doc])*
            ///
            /// With a scalar, the lazy boolean array directly; with an array (broadcast as
            /// numpy), a `Result`. NaN compares as IEEE 754 says: false except with
            /// `not_equal`.
            ///
            /// # Errors
            ///
            /// With an array: [`Error::IncompatibleShapes`](crate::Error::IncompatibleShapes)
            /// naming both shapes if they do not broadcast.
            ///
            /// # Examples
            ///
            /// ```
            /// use chunkwise::Array;
            /// let x = Array::from_ndarray(ndarray::array![[1i32, 5], [3, 3]], [1, 2])?;
            /// let col = Array::from_ndarray(ndarray::array![[3], [1]], [1, 1])?;
            #[doc = $example]
            /// # Ok::<(), chunkwise::Error>(())
            /// ```
            pub fn $name<R: CompareTo<T>>(&self, rhs: R) -> R::Output {
                rhs.compare(self, stringify!($name), |a, b| a $op b)
            }
        )*}
    };
}

comparisons! {
    /// `self > rhs` at every element, as numpy's `x > rhs` (`np.greater`).
    gt, >, "assert_eq!(x.gt(2).compute()?, ndarray::array![[false, true], [true, true]].into_dyn());\nassert_eq!(x.gt(&col)?.compute()?, ndarray::array![[false, true], [true, true]].into_dyn());";
    /// `self >= rhs` at every element, as numpy's `x >= rhs` (`np.greater_equal`).
    ge, >=, "assert_eq!(x.ge(3).compute()?, ndarray::array![[false, true], [true, true]].into_dyn());\nassert_eq!(x.ge(&col)?.compute()?, ndarray::array![[false, true], [true, true]].into_dyn());";
    /// `self < rhs` at every element, as numpy's `x < rhs` (`np.less`).
    lt, <, "assert_eq!(x.lt(3).compute()?, ndarray::array![[true, false], [false, false]].into_dyn());\nassert_eq!(x.lt(&col)?.compute()?, ndarray::array![[true, false], [false, false]].into_dyn());";
    /// `self <= rhs` at every element, as numpy's `x <= rhs` (`np.less_equal`).
    le, <=, "assert_eq!(x.le(3).compute()?, ndarray::array![[true, false], [true, true]].into_dyn());\nassert_eq!(x.le(&col)?.compute()?, ndarray::array![[true, false], [false, false]].into_dyn());";
    /// `self == rhs` at every element, as numpy's `x == rhs` (`np.equal`).
    equal, ==, "assert_eq!(x.equal(3).compute()?, ndarray::array![[false, false], [true, true]].into_dyn());\nassert_eq!(x.equal(&col)?.compute()?, ndarray::array![[false, false], [false, false]].into_dyn());";
    /// `self != rhs` at every element, as numpy's `x != rhs` (`np.not_equal`).
    not_equal, !=, "assert_eq!(x.not_equal(3).compute()?, ndarray::array![[true, true], [false, false]].into_dyn());\nassert_eq!(x.not_equal(&col)?.compute()?, ndarray::array![[true, true], [true, true]].into_dyn());";
}

impl<T: Element + num_traits::Float> Array<T> {
    /// Whether each element is NaN, as numpy's `np.isnan`.
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::Array::from_ndarray(ndarray::array![1.0, f64::NAN, f64::INFINITY], [2])?;
    /// assert_eq!(x.isnan().compute()?, ndarray::array![false, true, false].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn isnan(&self) -> Array<bool> {
        self.map_named("isnan", |v: T| v.is_nan())
    }

    /// Whether each element is finite (neither infinite nor NaN), as numpy's `np.isfinite`.
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::Array::from_ndarray(ndarray::array![1.0, f64::NAN, f64::INFINITY], [2])?;
    /// assert_eq!(x.isfinite().compute()?, ndarray::array![true, false, false].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn isfinite(&self) -> Array<bool> {
        self.map_named("isfinite", |v: T| v.is_finite())
    }

    /// Whether each element is positive or negative infinity, as numpy's `np.isinf`.
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::Array::from_ndarray(ndarray::array![1.0, f64::NAN, f64::NEG_INFINITY], [2])?;
    /// assert_eq!(x.isinf().compute()?, ndarray::array![false, false, true].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn isinf(&self) -> Array<bool> {
        self.map_named("isinf", |v: T| v.is_infinite())
    }
}

/// An element with a truth value, as numpy's `bool(x)`: numbers are true unless zero (NaN is
/// true), booleans are themselves. What [`Array::count_nonzero`], [`Array::any`] and
/// [`Array::all`] count and test.
///
/// # Examples
///
/// ```
/// use chunkwise::TruthValue;
/// assert!(2.5f64.is_nonzero() && f64::NAN.is_nonzero() && !0.0f32.is_nonzero());
/// assert!(true.is_nonzero() && !0u8.is_nonzero());
/// ```
pub trait TruthValue: Element + Copy {
    /// Whether the element counts as true.
    fn is_nonzero(&self) -> bool;
}

macro_rules! truth_of_numbers {
    ($($t:ty),*) => {$(
        impl TruthValue for $t {
            fn is_nonzero(&self) -> bool {
                #[allow(clippy::float_cmp)]
                let zero = *self == 0 as $t;
                !zero
            }
        }
    )*};
}

truth_of_numbers!(
    f32, f64, i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize
);

impl TruthValue for bool {
    fn is_nonzero(&self) -> bool {
        *self
    }
}
