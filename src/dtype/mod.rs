//! Element types: what the formats and the cluster backend need to know of each, in one place.
//!
//! - [`Dtype`]: the table of the primitive element types (numbers, complex numbers and
//!   `bool`): numpy's name (which Zarr, OME-Zarr and image stacks use too), kind, stored size
//!   (`usize` and `isize` as 64 bits everywhere) and `.npy` descriptor. The formats' element
//!   traits (`ZarrElement`, `NpyElement`, `ImageElement`) read their names and sizes from it.
//! - [`wire`]: the little-endian byte form of numbers, complex numbers (real part first) and
//!   `bool` (`usize` and `isize` as 64 bits), and of blocks of them and of the crate's
//!   reduction states, by type tag; the form in which blocks cross the ranks of a cluster.
//! - [`encode`]: byte forms of other values ([`Encode`]), registered by the module that makes
//!   them (ndmeasure's states, a reduction's `Moments`, a user's type through
//!   `dist::register`), found by element type.
//!
//! Nothing here knows of MPI: `dist` moves these bytes.
#![forbid(unsafe_code)]

pub(crate) mod encode;
pub(crate) mod wire;

pub use encode::Encode;

use crate::expr::block::Element;

/// What kind of values an element type holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `bool`.
    Bool,
    /// Signed integers.
    Signed,
    /// Unsigned integers.
    Unsigned,
    /// Floating point.
    Float,
    /// Complex numbers: two floats, real then imaginary.
    Complex,
}

/// The facts of one primitive element type, as every format and the cluster backend read them.
#[derive(Clone, Copy, Debug)]
pub struct Dtype {
    /// numpy's name, as Zarr stores, OME-Zarr and error messages spell it (`float64`; `uint64`
    /// for `usize`).
    pub(crate) name: &'static str,
    /// What kind of values it holds.
    pub(crate) kind: Kind,
    /// Bytes per element on disk and on the wire: 8 for `usize` and `isize` on any target.
    pub(crate) size: usize,
    /// numpy's `.npy` descriptor, little-endian (`<f8`, `|u1`, `|b1`).
    pub(crate) npy: &'static str,
}

impl Dtype {
    /// Whether the type holds integers (signed or not).
    pub(crate) fn is_integer(&self) -> bool {
        matches!(self.kind, Kind::Signed | Kind::Unsigned)
    }
}

/// The primitive element types: those with a row in the table. Sealed: the trait is public
/// only so that the formats' public element traits can build on it.
pub trait Primitive: Element + Copy + wire::Bytes {
    /// This type's row of the table.
    #[doc(hidden)]
    const DTYPE: Dtype;
}

macro_rules! dtypes {
    ($($t:ty => $name:literal, $kind:ident, $size:literal, $npy:literal;)*) => {$(
        impl Primitive for $t {
            const DTYPE: Dtype = Dtype { name: $name, kind: Kind::$kind, size: $size, npy: $npy };
        }
    )*};
}

// The one table of element types.
dtypes! {
    f64 => "float64", Float, 8, "<f8";
    f32 => "float32", Float, 4, "<f4";
    i64 => "int64", Signed, 8, "<i8";
    i32 => "int32", Signed, 4, "<i4";
    i16 => "int16", Signed, 2, "<i2";
    i8 => "int8", Signed, 1, "|i1";
    u64 => "uint64", Unsigned, 8, "<u8";
    u32 => "uint32", Unsigned, 4, "<u4";
    u16 => "uint16", Unsigned, 2, "<u2";
    u8 => "uint8", Unsigned, 1, "|u1";
    usize => "uint64", Unsigned, 8, "<u8";
    isize => "int64", Signed, 8, "<i8";
    bool => "bool", Bool, 1, "|b1";
    num_complex::Complex<f32> => "complex64", Complex, 8, "<c8";
    num_complex::Complex<f64> => "complex128", Complex, 16, "<c16";
}
pub(crate) use encode::{encode_fields, register};

/// Whether blocks of elements of type `t` can cross ranks: numbers, `bool` and the crate's
/// reduction states by tag, other types by a registered codec.
pub(crate) fn crosses(t: std::any::TypeId) -> bool {
    wire::blocks::crosses(t)
}
