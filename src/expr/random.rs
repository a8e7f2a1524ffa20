//! A small, fast, reproducible random number generator for [`Array::random`](crate::Array::random).
//!
//! Each block gets four interleaved xoshiro256++ streams (Blackman and Vigna, "Scrambled linear
//! pseudorandom number generators", 2021; element `i` of a block comes from stream `i % 4`),
//! seeded by SplitMix64 from the user's seed and the block's linear index. So a block's values
//! depend only on the seed and the chunking, never on which thread runs it or when. Four
//! independent streams let the processor overlap their updates: generating a number costs about
//! a quarter of one stream's latency.
#![forbid(unsafe_code)]

/// SplitMix64 step (Steele, Lea and Flood, 2014): used to expand seeds.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One xoshiro256++ step.
#[inline(always)]
fn xoshiro(s: &mut [u64; 4]) -> u64 {
    let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
    let t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = s[3].rotate_left(45);
    result
}

/// Four interleaved xoshiro256++ streams.
pub(crate) struct Rng {
    s: [[u64; 4]; 4],
}

impl Rng {
    /// The streams of block `block` under `seed`.
    pub(crate) fn for_block(seed: u64, block: u64) -> Rng {
        let mut sm = seed ^ splitmix64(&mut block.wrapping_mul(0xD1B5_4A32_D192_ED03));
        Rng {
            s: std::array::from_fn(|_| std::array::from_fn(|_| splitmix64(&mut sm))),
        }
    }

    /// Fills `out` with the next values. Filling `a` then `b` gives the same values as filling
    /// their concatenation when `a.len()` is a multiple of 4.
    pub(crate) fn fill<T: RandomElement>(&mut self, out: &mut [T]) {
        let mut quads = out.chunks_exact_mut(4);
        for q in &mut quads {
            for (x, s) in q.iter_mut().zip(self.s.iter_mut()) {
                *x = T::draw(xoshiro(s));
            }
        }
        for (x, s) in quads.into_remainder().iter_mut().zip(self.s.iter_mut()) {
            *x = T::draw(xoshiro(s));
        }
    }
}

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
