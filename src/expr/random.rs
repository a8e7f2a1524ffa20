//! Random values that depend only on the seed and each element's position in the whole array:
//! the same values whatever the chunking, the thread count or the number of ranks.
//!
//! The generator is counter-based (Salmon et al., "Parallel random numbers: as easy as 1, 2,
//! 3", SC 2011): element `i` (its row-major index in the whole array) of an array drawn with key
//! `k` is wyrand's output (Wang Yi's wyhash family: one 64 x 64 -> 128-bit multiply, folded;
//! it passes BigCrush and PractRand) at the `i + 1`-th step of the stream seeded by `k`, a
//! function of `k` and `i` alone. A uniform value is that one output. A distribution that needs
//! more (a normal by the ziggurat, which sometimes rejects; a Poisson, a gamma) draws them from
//! the element's own wyrand stream started there ([`ElemRng`]), so however many it takes, no
//! other element's values move. Keys come from the seed and the array's place in its
//! generator's sequence through SplitMix64's mixer (Steele, Lea and Flood, OOPSLA 2014).
#![forbid(unsafe_code)]

use crate::chunks::Chunks;
use std::sync::Arc;

/// SplitMix64's increment (the golden ratio in 64 bits), for keys.
const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's output function.
#[inline(always)]
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The key of the `n`-th array drawn from a generator seeded with `seed`.
pub(crate) fn key(seed: u64, n: u64) -> u64 {
    mix(mix(seed ^ 0x6A09_E667_F3BC_C909).wrapping_add(n.wrapping_mul(GAMMA)))
}

/// wyrand's increment (Wang Yi's wyhash constants).
const WY: u64 = 0xa076_1d64_78bd_642f;

/// wyrand's output function: one 64 x 64 -> 128-bit multiply, folded.
#[inline(always)]
fn wy(state: u64) -> u64 {
    let t = u128::from(state).wrapping_mul(u128::from(state ^ 0xe703_7ed1_a0b4_28db));
    ((t >> 64) as u64) ^ (t as u64)
}

/// The first 64 random bits of element `i` under `key`.
#[inline(always)]
pub(crate) fn bits(key: u64, i: u64) -> u64 {
    wy(key.wrapping_add(i.wrapping_add(1).wrapping_mul(WY)))
}

/// The random bits of one element, as many as its distribution asks for: wyrand started from
/// the element's own first output.
pub(crate) struct ElemRng {
    state: u64,
}

impl ElemRng {
    /// The stream of element `i` under `key`.
    #[inline]
    pub(crate) fn at(key: u64, i: u64) -> ElemRng {
        ElemRng {
            state: bits(key, i),
        }
    }
}

impl rand::TryRng for ElemRng {
    type Error = std::convert::Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        self.try_next_u64().map(|v| (v >> 32) as u32)
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        self.state = self.state.wrapping_add(WY);
        Ok(wy(self.state))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for chunk in dst.chunks_mut(8) {
            let v = self.try_next_u64()?.to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
        Ok(())
    }
}

/// Calls `f(first, len)` for each row of block `block` (the runs along its last axis, in
/// row-major order): `first` is the row's first element's row-major index in the whole array.
/// A 0-d block is one row of one element; an empty block has none.
pub(crate) fn for_each_row(chunks: &Chunks, block: usize, mut f: impl FnMut(u64, usize)) {
    let shape = chunks.shape();
    let ranges = chunks.block_ranges(block);
    let Some((last, outer)) = ranges.split_last() else {
        return f(0, 1);
    };
    if ranges.iter().any(|r| r.is_empty()) {
        return;
    }
    let mut strides = vec![1u64; shape.len()];
    for k in (0..shape.len().saturating_sub(1)).rev() {
        strides[k] = strides[k + 1] * shape[k + 1] as u64;
    }
    let mut idx: Vec<usize> = outer.iter().map(|r| r.start).collect();
    loop {
        let first = idx
            .iter()
            .zip(&strides)
            .map(|(&g, &s)| g as u64 * s)
            .sum::<u64>()
            + last.start as u64;
        f(first, last.len());
        // The next row: the odometer over the outer axes.
        let mut k = idx.len();
        loop {
            if k == 0 {
                return;
            }
            k -= 1;
            idx[k] += 1;
            if idx[k] < outer[k].end {
                break;
            }
            idx[k] = outer[k].start;
        }
    }
}

/// Fills `out` with the uniform values of elements `first..first + out.len()` under `key`.
#[inline]
pub(crate) fn fill_uniform<T: RandomElement>(key: u64, first: u64, out: &mut [T]) {
    // wyrand's state at element `first`, then one addition per element. Four at a time: the
    // four multiplies are independent, so the processor overlaps them.
    let mut state = key.wrapping_add(first.wrapping_add(1).wrapping_mul(WY));
    let mut quads = out.chunks_exact_mut(4);
    let (w2, w3, w4) = (WY.wrapping_mul(2), WY.wrapping_mul(3), WY.wrapping_mul(4));
    for q in &mut quads {
        let z = [
            wy(state),
            wy(state.wrapping_add(WY)),
            wy(state.wrapping_add(w2)),
            wy(state.wrapping_add(w3)),
        ];
        state = state.wrapping_add(w4);
        for (x, z) in q.iter_mut().zip(z) {
            *x = T::draw(z);
        }
    }
    for x in quads.into_remainder() {
        *x = T::draw(wy(state));
        state = state.wrapping_add(WY);
    }
}

/// A random permutation of `0..n` under `key`, each ordering equally likely: the indices
/// sorted by their random bits (ties, at odds of about n^2 / 2^65, by index). A function of
/// `key` and `n` alone, so the same however the array it is used on is cut.
pub(crate) fn permutation(key: u64, n: usize) -> Vec<usize> {
    let mut keyed: Vec<(u64, usize)> = (0..n).map(|i| (bits(key, i as u64), i)).collect();
    keyed.sort_unstable();
    keyed.into_iter().map(|(_, i)| i).collect()
}

/// One value of a distribution, from an element's random bits.
pub(crate) type SampleFn<T> = Arc<dyn Fn(&mut ElemRng) -> T + Send + Sync>;

/// Element types that [`Array::random`](crate::Array::random) can draw: uniform in `[0, 1)`.
///
/// # Examples
///
/// ```
/// let x = chunkwise::Array::<f32>::random(&[100], &[30], 1)?.compute()?;
/// assert!(x.iter().all(|&v| (0.0..1.0).contains(&v)));
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub trait RandomElement: crate::Element + Copy {
    /// Draws one value, uniform in `[0, 1)`.
    #[doc(hidden)]
    fn draw(bits: u64) -> Self;
}

impl RandomElement for f64 {
    #[inline]
    fn draw(bits: u64) -> f64 {
        // The top 53 bits, scaled by 2^-53: every multiple of 2^-53 in [0, 1) equally likely.
        (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

impl RandomElement for f32 {
    #[inline]
    fn draw(bits: u64) -> f32 {
        (bits >> 40) as f32 * (1.0 / (1u32 << 24) as f32)
    }
}
