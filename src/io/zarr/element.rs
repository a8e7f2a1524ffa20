//! The element types a Zarr store holds, and how each meets the store's codecs.

use zarrs::array::{DataType, ElementOwned, data_type};

use crate::dtype::Primitive;

/// Element types that Zarr stores hold: the fixed-width integers, floats and `bool`, complex
/// numbers (`Complex<f32>` as `complex64`, `Complex<f64>` as `complex128`), and `usize` and
/// `isize` (what indices and `argmax` give) as 64-bit integers (`uint64`, `int64`), which
/// read back as any 64-bit integer type.
///
/// # Examples
///
/// ```
/// use chunkwise::io::zarr::ZarrElement;
/// assert_eq!(<f32 as ZarrElement>::NAME, "float32");
/// assert_eq!(<bool as ZarrElement>::NAME, "bool");
/// assert_eq!(<usize as ZarrElement>::NAME, "uint64");
/// assert_eq!(<chunkwise::fft::Complex<f64> as ZarrElement>::NAME, "complex128");
/// ```
pub trait ZarrElement: Primitive {
    /// The Zarr v3 name of the data type (the element-type table's).
    const NAME: &'static str = <Self as Primitive>::DTYPE.name;
    /// The type the store's codecs encode: `Self`, or the 64-bit integer for `usize`/`isize`.
    #[doc(hidden)]
    type Stored: ElementOwned + zarrs::array::Element + Copy;
    /// `elements` as the store's type (no copy where that is `Self`).
    #[doc(hidden)]
    fn stored(elements: &[Self]) -> std::borrow::Cow<'_, [Self::Stored]>;
    /// Elements decoded as the store's type, as `Self`.
    #[doc(hidden)]
    fn from_stored(stored: Vec<Self::Stored>) -> Vec<Self>;
    /// The Zarr data type.
    fn data_type() -> DataType;
    /// This value as a Zarr fill value.
    fn fill_value(self) -> zarrs::array::FillValue;
    /// Fills `out` from `bytes`: `out.len()` elements in native byte order, as decoded chunks
    /// hold them.
    #[doc(hidden)]
    fn from_ne_bytes_into(bytes: &[u8], out: &mut [Self]);
    /// The elements of `bytes`, in native byte order: a new vector, filled as it is made (no
    /// zeroing pass first).
    #[doc(hidden)]
    fn vec_from_ne_bytes(bytes: &[u8]) -> Vec<Self> {
        let mut out = vec![Self::default(); bytes.len() / std::mem::size_of::<Self>()];
        Self::from_ne_bytes_into(bytes, &mut out);
        out
    }
}

macro_rules! zarr_elements {
    ($($t:ty => $f:ident;)*) => {$(
        impl ZarrElement for $t {
            type Stored = $t;
            fn stored(elements: &[Self]) -> std::borrow::Cow<'_, [Self]> {
                std::borrow::Cow::Borrowed(elements)
            }
            fn from_stored(stored: Vec<Self>) -> Vec<Self> {
                stored
            }
            fn data_type() -> DataType {
                data_type::$f()
            }
            fn fill_value(self) -> zarrs::array::FillValue {
                self.into()
            }
            fn from_ne_bytes_into(bytes: &[u8], out: &mut [Self]) {
                const N: usize = std::mem::size_of::<$t>();
                for (o, b) in out.iter_mut().zip(bytes.chunks_exact(N)) {
                    *o = <$t>::from_ne_bytes(b.try_into().expect("chunks of N bytes"));
                }
            }
            fn vec_from_ne_bytes(bytes: &[u8]) -> Vec<Self> {
                const N: usize = std::mem::size_of::<$t>();
                bytes
                    .chunks_exact(N)
                    .map(|b| <$t>::from_ne_bytes(b.try_into().expect("chunks of N bytes")))
                    .collect()
            }
        }
    )*};
}

/// `usize` and `isize` as the 64-bit integers they are on 64-bit targets (converted with
/// `as` elsewhere, so a stored value past a 32-bit target's range wraps there).
macro_rules! zarr_pointer_sized {
    ($($t:ty => $wide:ty, $f:ident;)*) => {$(
        impl ZarrElement for $t {
            type Stored = $wide;
            fn stored(elements: &[Self]) -> std::borrow::Cow<'_, [$wide]> {
                std::borrow::Cow::Owned(elements.iter().map(|&v| v as $wide).collect())
            }
            fn from_stored(stored: Vec<$wide>) -> Vec<Self> {
                stored.into_iter().map(|v| v as $t).collect()
            }
            fn data_type() -> DataType {
                data_type::$f()
            }
            fn fill_value(self) -> zarrs::array::FillValue {
                (self as $wide).into()
            }
            fn from_ne_bytes_into(bytes: &[u8], out: &mut [Self]) {
                const N: usize = std::mem::size_of::<$wide>();
                for (o, b) in out.iter_mut().zip(bytes.chunks_exact(N)) {
                    *o = <$wide>::from_ne_bytes(b.try_into().expect("chunks of N bytes")) as $t;
                }
            }
            fn vec_from_ne_bytes(bytes: &[u8]) -> Vec<Self> {
                // One element per stored 64-bit value, whatever the width of `usize` here.
                const N: usize = std::mem::size_of::<$wide>();
                bytes
                    .chunks_exact(N)
                    .map(|b| <$wide>::from_ne_bytes(b.try_into().expect("chunks of N bytes")) as $t)
                    .collect()
            }
        }
    )*};
}

/// Complex numbers: Zarr v3's `complex64` and `complex128`, the real part then the imaginary.
macro_rules! zarr_complex {
    ($($f:ty => $name:ident;)*) => {$(
        impl ZarrElement for num_complex::Complex<$f> {
            type Stored = Self;
            fn stored(elements: &[Self]) -> std::borrow::Cow<'_, [Self]> {
                std::borrow::Cow::Borrowed(elements)
            }
            fn from_stored(stored: Vec<Self>) -> Vec<Self> {
                stored
            }
            fn data_type() -> DataType {
                data_type::$name()
            }
            fn fill_value(self) -> zarrs::array::FillValue {
                self.into()
            }
            fn from_ne_bytes_into(bytes: &[u8], out: &mut [Self]) {
                const N: usize = std::mem::size_of::<$f>();
                for (o, b) in out.iter_mut().zip(bytes.chunks_exact(2 * N)) {
                    let part = |b: &[u8]| <$f>::from_ne_bytes(b.try_into().expect("N bytes"));
                    *o = num_complex::Complex::new(part(&b[..N]), part(&b[N..]));
                }
            }
        }
    )*};
}

zarr_complex! {
    f32 => complex64;
    f64 => complex128;
}

zarr_pointer_sized! {
    usize => u64, uint64;
    isize => i64, int64;
}

impl ZarrElement for bool {
    type Stored = bool;
    fn stored(elements: &[Self]) -> std::borrow::Cow<'_, [Self]> {
        std::borrow::Cow::Borrowed(elements)
    }
    fn from_stored(stored: Vec<Self>) -> Vec<Self> {
        stored
    }
    fn data_type() -> DataType {
        data_type::bool()
    }
    fn fill_value(self) -> zarrs::array::FillValue {
        self.into()
    }
    fn from_ne_bytes_into(bytes: &[u8], out: &mut [Self]) {
        for (o, &b) in out.iter_mut().zip(bytes) {
            *o = b != 0;
        }
    }
}

zarr_elements! {
    i8 => int8;
    i16 => int16;
    i32 => int32;
    i64 => int64;
    u8 => uint8;
    u16 => uint16;
    u32 => uint32;
    u64 => uint64;
    f32 => float32;
    f64 => float64;
}
