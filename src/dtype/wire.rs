//! Elements as bytes: the little-endian form of the element types that cross processes (the
//! ranks of a cluster), and of blocks of them.
//!
//! The array layers are generic over any [`Element`]; only plain numbers and `bool` have a byte
//! form that every rank reads the same. Each function dispatches on the element's type once per
//! call; monomorphised, the type tests fold away and each loop is a plain copy.

use std::any::{Any, TypeId};

use ndarray::{ArrayViewD, ArrayViewMutD};

use crate::expr::block::Element;

/// Runs `$body` with `$t` bound to `T` when `T` is one of the wire types, with `$n` its bytes.
macro_rules! for_wire_type {
    ($T:ty, |$t:ident, $n:ident| $body:block, $otherwise:expr) => {{
        macro_rules! arm {
            ($ty:ty) => {
                if TypeId::of::<$T>() == TypeId::of::<$ty>() {
                    #[allow(dead_code)]
                    type $t = $ty;
                    let $n = std::mem::size_of::<$ty>();
                    return $body;
                }
            };
        }
        arm!(f64);
        arm!(f32);
        arm!(i64);
        arm!(i32);
        arm!(i16);
        arm!(i8);
        arm!(u64);
        arm!(u32);
        arm!(u16);
        arm!(u8);
        arm!(usize);
        arm!(isize);
        arm!(bool);
        arm!(num_complex::Complex<f32>);
        arm!(num_complex::Complex<f64>);
        $otherwise
    }};
}

/// Little-endian bytes of numbers and `bool`.
#[doc(hidden)]
pub trait Bytes: Sized {
    /// Bytes per element.
    const WIDTH: usize;
    /// Writes the element's bytes into `dst`, `WIDTH` long.
    fn write(&self, dst: &mut [u8]);
    fn get(bytes: &[u8]) -> Self;
    fn put(&self, out: &mut Vec<u8>) {
        let at = out.len();
        out.resize(at + Self::WIDTH, 0);
        self.write(&mut out[at..]);
    }
}

/// Appends the bytes of `values` (`n` of them) to `out`: one resize, then a plain loop that
/// the compiler turns into wide copies.
fn put_many<'v, W: Bytes + 'v>(values: impl Iterator<Item = &'v W>, n: usize, out: &mut Vec<u8>) {
    let at = out.len();
    out.resize(at + n * W::WIDTH, 0);
    for (dst, v) in out[at..].chunks_exact_mut(W::WIDTH).zip(values) {
        v.write(dst);
    }
}

macro_rules! bytes_of_number {
    ($($t:ty),*) => {$(
        impl Bytes for $t {
            const WIDTH: usize = std::mem::size_of::<$t>();
            fn write(&self, dst: &mut [u8]) {
                dst.copy_from_slice(&self.to_le_bytes());
            }
            fn get(bytes: &[u8]) -> Self {
                <$t>::from_le_bytes(bytes.try_into().expect("one element's bytes"))
            }
        }
    )*};
}
bytes_of_number!(f64, f32, i64, i32, i16, i8, u64, u32, u16, u8);

// `usize` and `isize` travel as 64 bits, whatever each rank's pointer width.
impl Bytes for usize {
    const WIDTH: usize = 8;
    fn write(&self, dst: &mut [u8]) {
        (*self as u64).write(dst);
    }
    fn get(bytes: &[u8]) -> Self {
        u64::get(bytes) as usize
    }
}

impl Bytes for isize {
    const WIDTH: usize = 8;
    fn write(&self, dst: &mut [u8]) {
        (*self as i64).write(dst);
    }
    fn get(bytes: &[u8]) -> Self {
        i64::get(bytes) as isize
    }
}

/// A complex number: its real part, then its imaginary part (numpy's and Zarr's layout).
impl<F: Bytes> Bytes for num_complex::Complex<F> {
    const WIDTH: usize = 2 * F::WIDTH;
    fn write(&self, dst: &mut [u8]) {
        let (re, im) = dst[..Self::WIDTH].split_at_mut(F::WIDTH);
        self.re.write(re);
        self.im.write(im);
    }
    fn get(bytes: &[u8]) -> Self {
        let (re, im) = bytes[..Self::WIDTH].split_at(F::WIDTH);
        num_complex::Complex::new(F::get(re), F::get(im))
    }
}

impl Bytes for bool {
    const WIDTH: usize = 1;
    fn write(&self, dst: &mut [u8]) {
        dst[0] = u8::from(*self);
    }
    fn get(bytes: &[u8]) -> Self {
        bytes[0] != 0
    }
}

// The partial states of the crate's reductions (min and max, nanmin and nanmax, argmin and
// argmax) have fixed widths too: a combine step on one rank reads the
// partials made on another, rather than making them again from their blocks (which would
// send the blocks, or with a fused chain, repeat the whole chain on every rank).

impl<W: Bytes> Bytes for Option<W> {
    const WIDTH: usize = 1 + W::WIDTH;
    fn write(&self, dst: &mut [u8]) {
        match self {
            Some(v) => {
                dst[0] = 1;
                v.write(&mut dst[1..Self::WIDTH]);
            }
            None => dst.fill(0),
        }
    }
    fn get(bytes: &[u8]) -> Self {
        (bytes[0] != 0).then(|| W::get(&bytes[1..Self::WIDTH]))
    }
}

impl<A: Bytes, B: Bytes> Bytes for (A, B) {
    const WIDTH: usize = A::WIDTH + B::WIDTH;
    fn write(&self, dst: &mut [u8]) {
        let (a, b) = dst[..Self::WIDTH].split_at_mut(A::WIDTH);
        self.0.write(a);
        self.1.write(b);
    }
    fn get(bytes: &[u8]) -> Self {
        let (a, b) = bytes[..Self::WIDTH].split_at(A::WIDTH);
        (A::get(a), B::get(b))
    }
}

/// Bytes per element on the wire, or `None` when `T` cannot cross ranks.
pub(crate) fn width<T: Element>() -> Option<usize> {
    fn width_of<T: Element>() -> Option<usize> {
        // The table's stored size: 8 for `usize` and `isize`, whatever the target.
        for_wire_type!(
            T,
            |W, _n| { Some(<W as super::Primitive>::DTYPE.size) },
            None
        )
    }
    width_of::<T>()
}

/// Appends the bytes of `values` to `out`. `T` must have a [`width`].
pub(crate) fn encode<'v, T: Element>(
    values: impl ExactSizeIterator<Item = &'v T>,
    out: &mut Vec<u8>,
) {
    fn put_all<'v, T: Element, W: Bytes + 'static>(
        values: impl ExactSizeIterator<Item = &'v T>,
        out: &mut Vec<u8>,
    ) {
        let n = values.len();
        let values = values.map(|v| {
            (v as &dyn Any)
                .downcast_ref::<W>()
                .expect("the element type was matched")
        });
        put_many(values, n, out);
    }
    fn go<'v, T: Element>(values: impl ExactSizeIterator<Item = &'v T>, out: &mut Vec<u8>) {
        for_wire_type!(
            T,
            |W, _n| { put_all::<T, W>(values, out) },
            unreachable!("encode is called only for wire types")
        )
    }
    go(values, out)
}

/// Reads elements from `bytes` into `dst`, in order; returns the bytes read. `T` must have a
/// [`width`].
pub(crate) fn decode<'v, T: Element>(bytes: &[u8], dst: impl Iterator<Item = &'v mut T>) -> usize {
    fn get_all<'v, T: Element, W: Bytes + 'static>(
        bytes: &[u8],
        width: usize,
        dst: impl Iterator<Item = &'v mut T>,
    ) -> usize {
        debug_assert_eq!(width, W::WIDTH);
        let mut n = 0;
        // Zipped with exact chunks: no bounds check per element.
        for (d, b) in dst.zip(bytes.chunks_exact(W::WIDTH)) {
            *(d as &mut dyn Any)
                .downcast_mut::<W>()
                .expect("the element type was matched") = W::get(b);
            n += 1;
        }
        n * W::WIDTH
    }
    let width = width::<T>().expect("decode is called only for wire types");
    fn go<'v, T: Element>(
        bytes: &[u8],
        width: usize,
        dst: impl Iterator<Item = &'v mut T>,
    ) -> usize {
        for_wire_type!(
            T,
            |W, _n| { get_all::<T, W>(bytes, width, dst) },
            unreachable!("decode is called only for wire types")
        )
    }
    go(bytes, width, dst)
}

/// Appends the bytes of `view`'s elements in row-major order, a row at a time (a block of the
/// result is a strided region of it).
pub(crate) fn encode_view<T: Element>(view: ArrayViewD<'_, T>, out: &mut Vec<u8>) {
    if view.ndim() == 0 {
        encode(view.iter(), out);
    } else {
        for row in view.rows() {
            encode(row.iter(), out);
        }
    }
}

/// Reads `view`'s elements, row-major, from `bytes`; the bytes read.
pub(crate) fn decode_view<T: Element>(bytes: &[u8], mut view: ArrayViewMutD<'_, T>) -> usize {
    if view.ndim() == 0 {
        return decode(bytes, view.iter_mut());
    }
    let mut at = 0;
    for mut row in view.rows_mut() {
        at += decode(&bytes[at..], row.iter_mut());
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T: Element + PartialEq + std::fmt::Debug>(values: Vec<T>) {
        let w = width::<T>().unwrap();
        let mut bytes = Vec::new();
        encode(values.iter(), &mut bytes);
        assert_eq!(bytes.len(), values.len() * w);
        let mut back = vec![T::default(); values.len()];
        assert_eq!(decode(&bytes, back.iter_mut()), bytes.len());
        assert_eq!(back, values);
    }

    #[test]
    fn every_wire_type_round_trips_and_others_have_no_width() {
        round_trip(
            vec![
                1.5f64,
                -0.0,
                f64::NAN.copysign(-1.0),
                f64::INFINITY,
                f64::MIN_POSITIVE / 2.0,
            ]
            .into_iter()
            .map(f64::to_bits)
            .collect::<Vec<u64>>(),
        );
        round_trip(vec![1.5f32, -2.25]);
        round_trip(vec![i64::MIN, 0, i64::MAX]);
        round_trip(vec![-3i32, 7]);
        round_trip(vec![-3i16, 7]);
        round_trip(vec![-3i8, 7]);
        round_trip(vec![u32::MAX, 1]);
        round_trip(vec![u16::MAX, 1]);
        round_trip(vec![u8::MAX, 1]);
        round_trip(vec![usize::MAX, 3]);
        round_trip(vec![isize::MIN, 3]);
        round_trip(vec![true, false, true]);
        // f64 bit patterns survive, NaN payloads included.
        let nan = f64::from_bits(0x7ff8_dead_beef_0001);
        let mut bytes = Vec::new();
        encode([nan].iter(), &mut bytes);
        let mut back = [0.0f64];
        decode(&bytes, back.iter_mut());
        assert_eq!(back[0].to_bits(), nan.to_bits());
        assert_eq!(width::<String>(), None);
        assert_eq!(width::<(f64, f64)>(), None);
    }
}

/// Blocks on the wire: `[type tag][rank][each axis length as u64][elements]`, for the blocks a
/// rank hands to another.
pub(crate) mod blocks {
    use std::any::TypeId;

    use std::ops::Range;
    use std::sync::Arc;

    use ndarray::{ArrayD, IxDyn, Slice};

    use super::super::encode;
    use super::{Bytes, put_many};

    /// Marks a window of a block, in the type tag.
    const WINDOW: u8 = 0x80;
    use crate::expr::block::{Block, owned};
    use crate::scheduler::Value;

    /// Appends `view`'s elements, row-major: one copy when contiguous, else row by row (a
    /// region of a bigger block, a window).
    fn put_elements<W: Bytes>(view: ndarray::ArrayViewD<'_, W>, out: &mut Vec<u8>) {
        match view.as_slice() {
            Some(s) => put_many(s.iter(), s.len(), out),
            None if view.ndim() > 0 => {
                for row in view.rows() {
                    put_many(row.iter(), row.len(), out);
                }
            }
            None => put_many(view.iter(), view.len(), out),
        }
    }

    macro_rules! tagged {
        ($($tag:literal => $t:ty),* $(,)?) => {
            /// Whether blocks of elements of type `t` can cross ranks: numbers and the
            /// reductions' states by tag, other types by a registered codec.
            pub(crate) fn crosses(t: TypeId) -> bool {
                $(t == TypeId::of::<$t>())||* || encode::crosses(t)
            }

            /// Appends block value `v`, or with `window` only that part of it (a
            /// [`Block::Window`] on arrival); `false` (nothing written) if it is not a block of
            /// a type that crosses ranks.
            pub(crate) fn put(v: &Value, window: Option<&[Range<usize>]>, out: &mut Vec<u8>) -> bool {
                $(
                    if let Some(b) = v.downcast_ref::<Block<$t>>() {
                        let view = b.view();
                        out.push(if window.is_some() { $tag | WINDOW } else { $tag });
                        out.push(view.ndim() as u8);
                        for &n in view.shape() {
                            (n as u64).put(out);
                        }
                        let Some(ranges) = window else {
                            put_elements(view, out);
                            return true;
                        };
                        for r in ranges {
                            (r.start as u64).put(out);
                        }
                        for r in ranges {
                            (r.len() as u64).put(out);
                        }
                        put_elements(
                            view.slice_each_axis(|ax| Slice::from(ranges[ax.axis.index()].clone())),
                            out,
                        );
                        return true;
                    }
                )*
                false
            }

            /// The block value at the start of `bytes` (a whole block, or a
            /// [`Block::Window`]), and the bytes it took.
            pub(crate) fn get(bytes: &[u8]) -> (Value, usize) {
                let (tag, ndim) = (bytes[0], bytes[1] as usize);
                let mut at = 2;
                let mut dims = |k: usize| -> Vec<usize> {
                    (0..k)
                        .map(|_| {
                            at += 8;
                            u64::get(&bytes[at - 8..at]) as usize
                        })
                        .collect()
                };
                let shape = dims(ndim);
                let window = (tag & WINDOW != 0).then(|| (dims(ndim), dims(ndim)));
                let part = window.as_ref().map_or(&shape, |(_, w)| w).clone();
                match tag & !WINDOW {
                    $(
                        $tag => {
                            let n: usize = part.iter().product();
                            let w = <$t as Bytes>::WIDTH;
                            let data: Vec<$t> = bytes[at..at + n * w]
                                .chunks_exact(w)
                                .map(<$t as Bytes>::get)
                                .collect();
                            let a = ArrayD::from_shape_vec(IxDyn(&part), data)
                                .expect("the shape's element count was read");
                            let v: Value = match window {
                                None => owned(a),
                                Some((origin, _)) => Arc::new(Block::Window { data: a, origin, shape }),
                            };
                            (v, at + n * w)
                        }
                    )*
                    _ => unreachable!("blocks are tagged by put"),
                }
            }
        };
    }

    /// Marks a block of a type with a registered codec (`encode.rs`), in place of a tag.
    const ENCODED: u8 = 0x7F;

    /// Appends block value `v` of a layer whose blocks hold elements of type `elem`, or with
    /// `window` only that part of it where its type has a tag (a block with a codec goes
    /// whole); `false` (nothing written) if it cannot cross.
    pub(crate) fn put_any(
        elem: Option<TypeId>,
        v: &Value,
        window: Option<&[Range<usize>]>,
        out: &mut Vec<u8>,
    ) -> bool {
        if put(v, window, out) {
            return true;
        }
        let Some(t) = elem else { return false };
        let at = out.len();
        out.push(ENCODED);
        if encode::put(t, v, out) {
            return true;
        }
        out.truncate(at);
        false
    }

    /// The block value at the start of `bytes`, of a layer whose blocks hold elements of type
    /// `elem`, and the bytes it took.
    pub(crate) fn get_any(elem: Option<TypeId>, bytes: &[u8]) -> (Value, usize) {
        if bytes[0] == ENCODED {
            let t = elem.expect("an encoded block belongs to a layer of blocks");
            let (v, used) = encode::get(t, &bytes[1..]);
            return (v, 1 + used);
        }
        get(bytes)
    }

    tagged! {
        0 => f64, 1 => f32, 2 => i64, 3 => i32, 4 => i16, 5 => i8, 6 => u64, 7 => u32,
        8 => u16, 9 => u8, 10 => usize, 11 => isize, 12 => bool,
        13 => num_complex::Complex<f32>, 14 => num_complex::Complex<f64>,
        // Partial states of min and max.
        16 => Option<f64>, 17 => Option<f32>, 18 => Option<i64>, 19 => Option<i32>,
        20 => Option<i16>, 21 => Option<i8>, 22 => Option<u64>, 23 => Option<u32>,
        24 => Option<u16>, 25 => Option<u8>, 26 => Option<usize>, 27 => Option<isize>,
        28 => Option<bool>,
        // Of argmin and argmax: the best value and its index.
        32 => Option<(f64, usize)>, 33 => Option<(f32, usize)>, 34 => Option<(i64, usize)>,
        35 => Option<(i32, usize)>, 36 => Option<(i16, usize)>, 37 => Option<(i8, usize)>,
        38 => Option<(u64, usize)>, 39 => Option<(u32, usize)>, 40 => Option<(u16, usize)>,
        41 => Option<(u8, usize)>, 42 => Option<(usize, usize)>, 43 => Option<(isize, usize)>,
        44 => Option<(bool, usize)>,
        // Of nanmin and nanmax: the best value and the count. (Those of mean, var and std,
        // `Moments`, have a codec registered by the reductions that make them.)
        50 => (Option<f64>, usize), 51 => (Option<f32>, usize),
    }
}

#[cfg(test)]
mod block_tests {
    use std::any::TypeId;
    use std::fmt::Debug;

    use ndarray::{ArrayD, IxDyn};

    use super::blocks;
    use crate::expr::block::{Block, Element, block_of, owned};

    /// A block of `values` crosses, whole and as a window, and comes back equal.
    fn crosses<T: Element + PartialEq + Debug>(values: Vec<T>) {
        assert!(blocks::crosses(TypeId::of::<T>()));
        let n = values.len();
        let a = ArrayD::from_shape_vec(IxDyn(&[n]), values).unwrap();
        let mut bytes = Vec::new();
        assert!(blocks::put(&owned(a.clone()), None, &mut bytes));
        let (v, used) = blocks::get(&bytes);
        assert_eq!(used, bytes.len());
        assert_eq!(block_of::<T>(&v).view(), a.view());
        // The last element alone, as a window.
        bytes.clear();
        let last = std::iter::once(n - 1..n).collect::<Vec<_>>();
        assert!(blocks::put(&owned(a.clone()), Some(&last), &mut bytes));
        let (v, used) = blocks::get(&bytes);
        assert_eq!(used, bytes.len());
        let Block::Window {
            data,
            origin,
            shape,
        } = block_of::<T>(&v)
        else {
            panic!("a window arrives as a window");
        };
        assert_eq!((origin, shape), (&vec![n - 1], &vec![n]));
        assert_eq!(data.as_slice().unwrap(), &a.as_slice().unwrap()[n - 1..]);
    }

    /// Complex numbers cross as their two parts, in order.
    #[test]
    fn complex_blocks_cross() {
        use num_complex::Complex;
        crosses(vec![
            Complex::new(1.5f64, -0.25),
            Complex::new(-3.0, f64::INFINITY),
        ]);
        crosses(vec![
            Complex::new(2.5f32, 3.25),
            Complex::new(-1.0, f32::MIN_POSITIVE),
        ]);
    }

    #[test]
    fn reduction_partial_states_cross() {
        crosses(vec![Some(1.5f64), None, Some(f64::NEG_INFINITY)]);
        crosses(vec![None, Some(-3i16)]);
        crosses(vec![Some(true), None]);
        crosses(vec![Some((2.5f32, usize::MAX)), None, Some((-0.0, 7))]);
        crosses(vec![None, Some((u8::MAX, 3usize))]);
        crosses(vec![(Some(1.0f64), 4usize), (None, 0)]);
        // A state of a user's own type has no byte form: it is made again where it is read.
        assert!(!blocks::crosses(TypeId::of::<Vec<(u8, String)>>()));
        assert!(!blocks::crosses(TypeId::of::<Option<String>>()));
    }
}
