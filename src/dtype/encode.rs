//! Values of other types on the wire: the states that ndmeasure's passes hand from block to
//! block (a labelled block's summary, the table of final labels, histograms, per-label
//! statistics), so that a rank reads them where they were made instead of making them again.
//!
//! The element types of blocks of numbers have tags on the wire (`wire::blocks`); these have a
//! codec, registered by the code that builds their layers (`register`, on every rank, since
//! every rank builds the same graph). A receiver finds the codec by the element type of the
//! task's layer, which every rank knows, so only a marker travels.
//!
//! ```text
//!   [ENCODED][ndim as u64][each axis length as u64][each element, Encode::encode]
//! ```

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use ndarray::{ArrayD, IxDyn};

use super::wire::Bytes;
use crate::expr::block::{Element, block_of, owned};
use crate::scheduler::Value;

/// A byte form for values that cross ranks: elements of your own type, and the states of your
/// own reductions ([`Array::reduction`]), once registered (`chunkwise::dist::register`,
/// feature `mpi`).
///
/// `decode` reads exactly what `encode` wrote, and the bytes must mean the same on every rank:
/// the implementations here write numbers little-endian, `usize` and `isize` as 64 bits, a
/// `String` or `Vec` as its length then its items, an `Option` as a `bool` then the value, and
/// tuples and arrays item after item. Compose them, field after field, for a struct.
///
/// # Examples
///
/// ```
/// use chunkwise::Encode;
///
/// /// The range and count of a reduction's values.
/// #[derive(Clone, Default, Debug, PartialEq)]
/// struct Span {
///     lo: f64,
///     hi: f64,
///     n: u64,
/// }
///
/// impl Encode for Span {
///     fn encode(&self, out: &mut Vec<u8>) {
///         (self.lo, self.hi, self.n).encode(out);
///     }
///     fn decode(bytes: &mut &[u8]) -> Self {
///         let (lo, hi, n) = <(f64, f64, u64)>::decode(bytes);
///         Span { lo, hi, n }
///     }
/// }
///
/// let span = Span { lo: -1.5, hi: 2.0, n: 7 };
/// let mut bytes = Vec::new();
/// span.encode(&mut bytes);
/// assert_eq!(bytes.len(), 24);
/// let mut rest = &bytes[..];
/// assert_eq!(Span::decode(&mut rest), span);
/// assert!(rest.is_empty(), "decode moved past what it read");
/// ```
///
/// [`Array::reduction`]: crate::Array::reduction
pub trait Encode: Sized {
    /// Appends the value's bytes to `out`.
    fn encode(&self, out: &mut Vec<u8>);
    /// Reads one value from the front of `bytes`, and moves `bytes` past it.
    ///
    /// # Panics
    ///
    /// May panic if `bytes` does not start with what [`Encode::encode`] wrote: chunkwise only
    /// hands it bytes that another rank's `encode` wrote for the same type.
    fn decode(bytes: &mut &[u8]) -> Self;
}

/// The first `n` bytes of `bytes`, moving past them.
fn take<'b>(bytes: &mut &'b [u8], n: usize) -> &'b [u8] {
    let (head, tail) = bytes.split_at(n);
    *bytes = tail;
    head
}

/// Numbers and `bool` in their wire form (`wire::Bytes`: little-endian, `usize` and `isize` as
/// 64 bits whatever each rank's pointer width), the same as in blocks of numbers.
macro_rules! encode_as_bytes {
    ($($t:ty),*) => {$(
        impl Encode for $t {
            fn encode(&self, out: &mut Vec<u8>) {
                Bytes::put(self, out);
            }
            fn decode(bytes: &mut &[u8]) -> Self {
                <$t as Bytes>::get(take(bytes, <$t as Bytes>::WIDTH))
            }
        }
    )*};
}
encode_as_bytes!(
    f64, f32, i64, i32, i16, i8, u64, u32, u16, u8, usize, isize, bool
);

impl Encode for String {
    fn encode(&self, out: &mut Vec<u8>) {
        self.len().encode(out);
        out.extend_from_slice(self.as_bytes());
    }
    fn decode(bytes: &mut &[u8]) -> Self {
        let n = usize::decode(bytes);
        String::from_utf8_lossy(take(bytes, n)).into_owned()
    }
}

impl<E: Encode> Encode for Option<E> {
    fn encode(&self, out: &mut Vec<u8>) {
        self.is_some().encode(out);
        if let Some(v) = self {
            v.encode(out);
        }
    }
    fn decode(bytes: &mut &[u8]) -> Self {
        bool::decode(bytes).then(|| E::decode(bytes))
    }
}

impl<A: Encode, B: Encode> Encode for (A, B) {
    fn encode(&self, out: &mut Vec<u8>) {
        self.0.encode(out);
        self.1.encode(out);
    }
    fn decode(bytes: &mut &[u8]) -> Self {
        let a = A::decode(bytes);
        (a, B::decode(bytes))
    }
}

impl<A: Encode, B: Encode, C: Encode> Encode for (A, B, C) {
    fn encode(&self, out: &mut Vec<u8>) {
        self.0.encode(out);
        self.1.encode(out);
        self.2.encode(out);
    }
    fn decode(bytes: &mut &[u8]) -> Self {
        let a = A::decode(bytes);
        let b = B::decode(bytes);
        (a, b, C::decode(bytes))
    }
}

impl<E: Encode> Encode for Vec<E> {
    fn encode(&self, out: &mut Vec<u8>) {
        self.len().encode(out);
        for v in self {
            v.encode(out);
        }
    }
    fn decode(bytes: &mut &[u8]) -> Self {
        let n = usize::decode(bytes);
        (0..n).map(|_| E::decode(bytes)).collect()
    }
}

impl<E: Encode> Encode for Arc<E> {
    fn encode(&self, out: &mut Vec<u8>) {
        (**self).encode(out);
    }
    fn decode(bytes: &mut &[u8]) -> Self {
        Arc::new(E::decode(bytes))
    }
}

impl<E: Encode, const N: usize> Encode for [E; N] {
    fn encode(&self, out: &mut Vec<u8>) {
        for v in self {
            v.encode(out);
        }
    }
    fn decode(bytes: &mut &[u8]) -> Self {
        std::array::from_fn(|_| E::decode(bytes))
    }
}

/// An n-d array: its shape, then its elements in row-major order.
impl<E: Encode> Encode for ArrayD<E> {
    fn encode(&self, out: &mut Vec<u8>) {
        self.shape().to_vec().encode(out);
        for v in self {
            v.encode(out);
        }
    }
    fn decode(bytes: &mut &[u8]) -> Self {
        let shape = Vec::<usize>::decode(bytes);
        let n = shape.iter().product();
        let data: Vec<E> = (0..n).map(|_| E::decode(bytes)).collect();
        ArrayD::from_shape_vec(IxDyn(&shape), data).expect("the shape's element count was read")
    }
}

/// Implements [`Encode`] for a struct, field after field in the order named (every field).
macro_rules! encode_fields {
    ($ty:ident $(<$g:ident>)? { $($field:ident),* $(,)? }) => {
        impl$(<$g: $crate::dtype::encode::Encode>)? $crate::dtype::encode::Encode for $ty$(<$g>)? {
            fn encode(&self, out: &mut Vec<u8>) {
                $($crate::dtype::encode::Encode::encode(&self.$field, out);)*
            }
            fn decode(bytes: &mut &[u8]) -> Self {
                $ty {
                    $($field: $crate::dtype::encode::Encode::decode(bytes),)*
                }
            }
        }
    };
}
pub(crate) use encode_fields;

/// Appends a block value's bytes.
type PutFn = fn(&Value, &mut Vec<u8>);
/// Reads a block value; the bytes it took.
type GetFn = fn(&[u8]) -> (Value, usize);

fn codecs() -> &'static RwLock<HashMap<TypeId, (PutFn, GetFn)>> {
    static CODECS: OnceLock<RwLock<HashMap<TypeId, (PutFn, GetFn)>>> = OnceLock::new();
    CODECS.get_or_init(Default::default)
}

/// Lets blocks of `E` cross ranks. Called where their layers are built, on every rank (the
/// same program builds the same layers everywhere); registering again does nothing new.
pub(crate) fn register<E: Encode + Element>() {
    if crosses(TypeId::of::<E>()) {
        return;
    }
    fn put<E: Encode + Element>(v: &Value, out: &mut Vec<u8>) {
        // As `ArrayD::encode` writes it, without copying the block first.
        let view = block_of::<E>(v).view();
        view.shape().to_vec().encode(out);
        for e in &view {
            e.encode(out);
        }
    }
    fn get<E: Encode + Element>(bytes: &[u8]) -> (Value, usize) {
        let mut rest = bytes;
        let a = ArrayD::<E>::decode(&mut rest);
        (owned(a), bytes.len() - rest.len())
    }
    codecs()
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .insert(TypeId::of::<E>(), (put::<E>, get::<E>));
}

/// Whether blocks of the element type `t` have a registered codec.
pub(crate) fn crosses(t: TypeId) -> bool {
    codecs()
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .contains_key(&t)
}

/// Appends block value `v`, whose elements are of type `t`; `false` (nothing written) when `t`
/// has no codec.
pub(crate) fn put(t: TypeId, v: &Value, out: &mut Vec<u8>) -> bool {
    let Some(&(put, _)) = codecs().read().unwrap_or_else(|e| e.into_inner()).get(&t) else {
        return false;
    };
    put(v, out);
    true
}

/// The block value of element type `t` at the start of `bytes`, and the bytes it took.
pub(crate) fn get(t: TypeId, bytes: &[u8]) -> (Value, usize) {
    let &(_, get) = codecs()
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(&t)
        .expect("a block arrives only with a registered codec");
    get(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<E: Encode + PartialEq + std::fmt::Debug>(v: E) {
        let mut bytes = Vec::new();
        v.encode(&mut bytes);
        bytes.push(0xAB);
        let mut rest = &bytes[..];
        assert_eq!(E::decode(&mut rest), v);
        assert_eq!(rest, &[0xAB], "decode reads exactly what encode wrote");
    }

    #[test]
    fn values_round_trip() {
        round_trip(vec![Some((1.5f64, usize::MAX)), None]);
        round_trip((u64::MAX, -0.0f32, true));
        round_trip(Arc::new(vec![vec![1u32, 2], vec![]]));
        round_trip(Some("rank 1: bad value".to_string()));
        round_trip(ndarray::array![[1i16, -2, 3], [4, 5, i16::MIN]].into_dyn());
        round_trip(ArrayD::<u32>::zeros(IxDyn(&[0, 3])));
        round_trip(ArrayD::from_elem(IxDyn(&[]), 7u8));
        round_trip([(1u8, -2.5f64), (0, f64::MAX)]);
        round_trip([[0i64; 0]; 3]);
    }

    #[test]
    fn registered_blocks_cross() {
        type Hist = Vec<(u32, f64)>;
        assert!(!crosses(TypeId::of::<Hist>()));
        register::<Hist>();
        assert!(crosses(TypeId::of::<Hist>()));
        let a = ndarray::array![
            [vec![(1, 0.5)], vec![]],
            [vec![(2, -1.0), (3, 2.0)], vec![]]
        ];
        let mut bytes = Vec::new();
        assert!(put(
            TypeId::of::<Hist>(),
            &owned(a.clone().into_dyn()),
            &mut bytes
        ));
        let (v, used) = get(TypeId::of::<Hist>(), &bytes);
        assert_eq!(used, bytes.len());
        assert_eq!(block_of::<Hist>(&v).view(), a.into_dyn().view());
        assert!(!put(
            TypeId::of::<Vec<i8>>(),
            &owned(ArrayD::<Vec<i8>>::default(IxDyn(&[1]))),
            &mut bytes
        ));
    }
}
