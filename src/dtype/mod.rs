//! Element types: what the formats and the cluster backend need to know of each, in one place.
//!
//! - [`wire`]: the little-endian byte form of numbers and `bool` (`usize` and `isize` as 64
//!   bits), and of blocks of them and of the crate's reduction states, by type tag; the form in
//!   which blocks cross the ranks of a cluster.
//! - [`encode`]: byte forms of other values ([`Encode`]), registered by the module that makes
//!   them (ndmeasure's states, a reduction's `Moments`, a user's type through
//!   `dist::register`), found by element type.
//!
//! Nothing here knows of MPI: `dist` moves these bytes.
#![forbid(unsafe_code)]

pub(crate) mod encode;
pub(crate) mod wire;

pub use encode::Encode;
pub(crate) use encode::{encode_fields, register};

/// Whether blocks of elements of type `t` can cross ranks: numbers, `bool` and the crate's
/// reduction states by tag, other types by a registered codec.
pub(crate) fn crosses(t: std::any::TypeId) -> bool {
    wire::blocks::crosses(t)
}
