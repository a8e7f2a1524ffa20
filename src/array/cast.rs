//! [`Array::astype`]: every element converted to another number type or to `bool`, as numpy's
//! `x.astype(dtype)`.

use super::Array;
use crate::expr::block::Element;

/// An element type that `T` converts to as numpy's `astype` converts: between numbers as
/// Rust's `as` (integers wrap to a narrower type, as numpy's C casts do; floats round to the
/// nearest representable value; floats truncate toward zero to integers), numbers to `bool` as
/// `x != 0` (NaN is true), `bool` to numbers as 0 or 1.
///
/// One difference from numpy: a float that does not fit the integer type (NaN, infinite, out
/// of range) saturates as Rust's `as` does (NaN to 0), where numpy gives a platform's value
/// with a warning.
///
/// # Examples
///
/// ```
/// use chunkwise::CastFrom;
/// assert_eq!(i32::cast_from(-2.7f64), -2);
/// assert_eq!(u8::cast_from(300i32), 44); // wraps, as numpy
/// assert_eq!(f32::cast_from(true), 1.0);
/// assert!(bool::cast_from(f64::NAN));
/// ```
pub trait CastFrom<T>: Sized {
    /// `value` converted.
    fn cast_from(value: T) -> Self;
}

macro_rules! cast_row {
    ($from:ty; $($to:ty),*) => {$(
        impl CastFrom<$from> for $to {
            #[allow(clippy::cast_lossless, clippy::unnecessary_cast)]
            fn cast_from(value: $from) -> $to {
                value as $to
            }
        }
    )*
        impl CastFrom<$from> for bool {
            fn cast_from(value: $from) -> bool {
                #[allow(clippy::float_cmp)]
                let zero = value == 0 as $from;
                !zero
            }
        }
        impl CastFrom<bool> for $from {
            fn cast_from(value: bool) -> $from {
                u8::from(value) as $from
            }
        }
    };
}

macro_rules! cast_table {
    ($($from:ty),*) => {$(
        cast_row!($from; f32, f64, i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);
    )*};
}

cast_table!(
    f32, f64, i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize
);

impl CastFrom<bool> for bool {
    fn cast_from(value: bool) -> bool {
        value
    }
}

impl<T: Element> Array<T> {
    /// Every element converted to `U`, as numpy's `x.astype(U)` (see [`CastFrom`] for the
    /// rules). Lazy, and fused with the steps around it as [`Array::map`] is.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let x = Array::from_ndarray(ndarray::array![0.0f64, 1.9, -2.5, 300.0], [2])?;
    /// assert_eq!(x.astype::<i32>().compute()?, ndarray::array![0, 1, -2, 300].into_dyn());
    /// assert_eq!(x.astype::<u8>().compute()?, ndarray::array![0, 1, 0, 255].into_dyn()); // saturates
    /// assert_eq!(x.astype::<bool>().compute()?, ndarray::array![false, true, true, true].into_dyn());
    /// let mask = x.gt(1.0);
    /// assert_eq!(mask.astype::<f32>().sum().compute_scalar()?, 2.0);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn astype<U>(&self) -> Array<U>
    where
        U: Element + CastFrom<T>,
    {
        self.map_named("astype", U::cast_from)
    }
}
