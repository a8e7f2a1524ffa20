//! Arithmetic operators: `+ - * /` between arrays and with scalars, and unary `-`.
//!
//! Between arrays, shapes broadcast as numpy; incompatible shapes panic with a message naming
//! both, as ndarray's operators do ([`Array::zip_with`] returns an `Err` instead).

use std::ops::{Add, Div, Mul, Neg, Sub};

use ndarray::ScalarOperand;

use super::Array;
use crate::expr::block::Element;

macro_rules! binary_op {
    ($Trait:ident, $method:ident, $op:tt, $name:literal) => {
        /// Elementwise, with numpy broadcasting.
        ///
        /// # Panics
        ///
        /// If the shapes cannot be broadcast together.
        impl<'a, 'b, T> $Trait<&'b Array<T>> for &'a Array<T>
        where
            T: Element + $Trait<Output = T>,
        {
            type Output = Array<T>;
            fn $method(self, rhs: &'b Array<T>) -> Array<T> {
                self.zip_with(rhs, |a, b| a $op b)
                    .unwrap_or_else(|e| panic!("{}: {e}", $name))
            }
        }

        /// Elementwise, with numpy broadcasting.
        ///
        /// # Panics
        ///
        /// If the shapes cannot be broadcast together.
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
        /// If the shapes cannot be broadcast together.
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
        /// If the shapes cannot be broadcast together.
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
                self.map(move |a| a $op rhs.clone())
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

binary_op!(Add, add, +, "add");
binary_op!(Sub, sub, -, "sub");
binary_op!(Mul, mul, *, "mul");
binary_op!(Div, div, /, "div");

macro_rules! scalar_lhs {
    ($($t:ty),*) => {$(
        /// A scalar with every element of an array.
        impl<'a> Add<&'a Array<$t>> for $t {
            type Output = Array<$t>;
            fn add(self, rhs: &'a Array<$t>) -> Array<$t> { rhs.map(move |b| self + b) }
        }
        /// A scalar with every element of an array.
        impl<'a> Sub<&'a Array<$t>> for $t {
            type Output = Array<$t>;
            fn sub(self, rhs: &'a Array<$t>) -> Array<$t> { rhs.map(move |b| self - b) }
        }
        /// A scalar with every element of an array.
        impl<'a> Mul<&'a Array<$t>> for $t {
            type Output = Array<$t>;
            fn mul(self, rhs: &'a Array<$t>) -> Array<$t> { rhs.map(move |b| self * b) }
        }
        /// A scalar with every element of an array.
        impl<'a> Div<&'a Array<$t>> for $t {
            type Output = Array<$t>;
            fn div(self, rhs: &'a Array<$t>) -> Array<$t> { rhs.map(move |b| self / b) }
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
        self.map(|a| -a)
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
