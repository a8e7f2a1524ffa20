//! Operators: `+ - * /` between arrays and with scalars, unary `-`, and `& | ^ !` (logical
//! on `bool` arrays, as numpy's `mask_a & mask_b`; bitwise on integers).
//!
//! Between arrays, shapes broadcast as numpy; incompatible shapes panic with a message naming
//! both, as ndarray's operators do. Each operator has a checked form beside it that returns an
//! `Err` instead ([`Array::try_add`], [`Array::try_sub`], [`Array::try_mul`],
//! [`Array::try_div`], [`Array::try_and`], [`Array::try_or`], [`Array::try_xor`]), and the
//! panic message names it.

use std::ops::{Add, BitAnd, BitOr, BitXor, Div, Mul, Neg, Not, Sub};

use ndarray::ScalarOperand;

use super::Array;
use crate::expr::block::Element;

macro_rules! binary_op {
    ($Trait:ident, $method:ident, $checked:ident, $op:tt, $name:literal, $ty:literal, $one:literal) => {
        impl<T> Array<T>
        where
            T: Element + $Trait<Output = T>,
        {
            #[doc = concat!("`self ", stringify!($op), " rhs` elementwise, with numpy broadcasting: the `", stringify!($op), "` operator, returning an `Err` where the operator panics.")]
            ///
            /// # Errors
            ///
            /// [`Error::IncompatibleShapes`](crate::Error::IncompatibleShapes) naming both
            /// shapes if they cannot be broadcast together.
            ///
            /// # Examples
            ///
            /// ```
            /// use chunkwise::Array;
            #[doc = concat!("let x = Array::<", $ty, ">::full(&[3, 4], [2, 2], ", $one, ")?;")]
            #[doc = concat!("let row = Array::<", $ty, ">::full(&[4], [2], ", $one, ")?;")]
            #[doc = concat!("assert_eq!(x.", stringify!($checked), "(&row)?.shape(), &[3, 4]);")]
            #[doc = concat!("let col = Array::<", $ty, ">::full(&[3], [2], ", $one, ")?;")]
            #[doc = concat!("assert!(x.", stringify!($checked), "(&col).is_err()); // `&x ", stringify!($op), " &col` would panic")]
            /// # Ok::<(), chunkwise::Error>(())
            /// ```
            pub fn $checked(&self, rhs: &Array<T>) -> crate::Result<Array<T>> {
                self.zip_named($name, rhs, |a, b| a $op b)
            }
        }

        /// Elementwise, with numpy broadcasting.
        ///
        /// # Panics
        ///
        /// If the shapes cannot be broadcast together (the checked forms, such as
        /// [`Array::try_add`], return an `Err` instead).
        impl<'a, 'b, T> $Trait<&'b Array<T>> for &'a Array<T>
        where
            T: Element + $Trait<Output = T>,
        {
            type Output = Array<T>;
            fn $method(self, rhs: &'b Array<T>) -> Array<T> {
                self.$checked(rhs).unwrap_or_else(|e| {
                    panic!("{e} (Array::{} returns an Err instead)", stringify!($checked))
                })
            }
        }

        /// Elementwise, with numpy broadcasting.
        ///
        /// # Panics
        ///
        /// If the shapes cannot be broadcast together (the checked forms, such as
        /// [`Array::try_add`], return an `Err` instead).
        impl<T> $Trait<Array<T>> for Array<T>
        where
            T: Element + $Trait<Output = T>,
        {
            type Output = Array<T>;
            fn $method(self, rhs: Array<T>) -> Array<T> {
                (&self).$method(&rhs)
            }
        }

        /// Elementwise, with numpy broadcasting.
        ///
        /// # Panics
        ///
        /// If the shapes cannot be broadcast together (the checked forms, such as
        /// [`Array::try_add`], return an `Err` instead).
        impl<'b, T> $Trait<&'b Array<T>> for Array<T>
        where
            T: Element + $Trait<Output = T>,
        {
            type Output = Array<T>;
            fn $method(self, rhs: &'b Array<T>) -> Array<T> {
                (&self).$method(rhs)
            }
        }

        /// Elementwise, with numpy broadcasting.
        ///
        /// # Panics
        ///
        /// If the shapes cannot be broadcast together (the checked forms, such as
        /// [`Array::try_add`], return an `Err` instead).
        impl<'a, T> $Trait<Array<T>> for &'a Array<T>
        where
            T: Element + $Trait<Output = T>,
        {
            type Output = Array<T>;
            fn $method(self, rhs: Array<T>) -> Array<T> {
                self.$method(&rhs)
            }
        }

        /// With a scalar, on every element.
        impl<'a, T> $Trait<T> for &'a Array<T>
        where
            T: Element + ScalarOperand + $Trait<Output = T>,
        {
            type Output = Array<T>;
            fn $method(self, rhs: T) -> Array<T> {
                self.map_named($name, move |a| a $op rhs.clone())
            }
        }

        /// With a scalar, on every element.
        impl<T> $Trait<T> for Array<T>
        where
            T: Element + ScalarOperand + $Trait<Output = T>,
        {
            type Output = Array<T>;
            fn $method(self, rhs: T) -> Array<T> {
                (&self).$method(rhs)
            }
        }
    };
}

binary_op!(Add, add, try_add, +, "add", "f64", "1.0");
binary_op!(Sub, sub, try_sub, -, "sub", "f64", "1.0");
binary_op!(Mul, mul, try_mul, *, "mul", "f64", "1.0");
binary_op!(Div, div, try_div, /, "div", "f64", "1.0");
binary_op!(BitAnd, bitand, try_and, &, "and", "bool", "true");
binary_op!(BitOr, bitor, try_or, |, "or", "bool", "true");
binary_op!(BitXor, bitxor, try_xor, ^, "xor", "bool", "true");

macro_rules! scalar_lhs {
    ($($t:ty),*) => {$(
        /// A scalar with every element of an array.
        impl<'a> Add<&'a Array<$t>> for $t {
            type Output = Array<$t>;
            fn add(self, rhs: &'a Array<$t>) -> Array<$t> { rhs.map_named("add", move |b| self + b) }
        }
        /// A scalar with every element of an array.
        impl<'a> Sub<&'a Array<$t>> for $t {
            type Output = Array<$t>;
            fn sub(self, rhs: &'a Array<$t>) -> Array<$t> { rhs.map_named("sub", move |b| self - b) }
        }
        /// A scalar with every element of an array.
        impl<'a> Mul<&'a Array<$t>> for $t {
            type Output = Array<$t>;
            fn mul(self, rhs: &'a Array<$t>) -> Array<$t> { rhs.map_named("mul", move |b| self * b) }
        }
        /// A scalar with every element of an array.
        impl<'a> Div<&'a Array<$t>> for $t {
            type Output = Array<$t>;
            fn div(self, rhs: &'a Array<$t>) -> Array<$t> { rhs.map_named("div", move |b| self / b) }
        }
    )*};
}

scalar_lhs!(f32, f64, i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

/// Negation of every element.
impl<T> Neg for &Array<T>
where
    T: Element + Neg<Output = T>,
{
    type Output = Array<T>;
    fn neg(self) -> Array<T> {
        self.map_named("neg", |a| -a)
    }
}

/// Negation of every element.
impl<T> Neg for Array<T>
where
    T: Element + Neg<Output = T>,
{
    type Output = Array<T>;
    fn neg(self) -> Array<T> {
        -&self
    }
}

/// Logical not of every element of a `bool` array (bitwise not of integers), as numpy's `~mask`.
///
/// # Examples
///
/// ```
/// use chunkwise::Array;
/// let x = Array::from_ndarray(ndarray::array![1.0f64, 5.0, 3.0], [2])?;
/// let outside = !&(&x.gt(2.0) & &x.lt(4.0));
/// assert_eq!(outside.compute()?, ndarray::array![true, true, false].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
impl<T> Not for &Array<T>
where
    T: Element + Not<Output = T>,
{
    type Output = Array<T>;
    fn not(self) -> Array<T> {
        self.map_named("not", |a| !a)
    }
}

/// Logical not of every element of a `bool` array (bitwise not of integers).
impl<T> Not for Array<T>
where
    T: Element + Not<Output = T>,
{
    type Output = Array<T>;
    fn not(self) -> Array<T> {
        !&self
    }
}
