//! Random values that depend only on the seed and each element's position in the whole array:
//! the same values whatever the chunking, the thread count or the number of ranks.
//!
//! The generator is counter-based (Salmon et al., "Parallel random numbers: as easy as 1, 2,
//! 3", SC 2011): element `i` (its row-major index in the whole array) of an array drawn with key
//! `k` is wyrand's output (Wang Yi's wyhash family: one 64 x 64 -> 128-bit multiply, folded;
//! it passes BigCrush and PractRand) at the `i + 1`-th step of the stream seeded by `k`, a
//! function of `k` and `i` alone. A uniform value is that one output. A distribution that needs
//! more (a normal whose ziggurat rejects; a Poisson, a gamma) draws them from the element's
//! own stream, which goes on from that first output ([`ElemRng`]), so however many it takes,
//! no other element's values move. Keys come from the seed and the array's place in its
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

/// The random bits of one element, as many as its distribution asks for: its first output is
/// the element's counter-based bits ([`bits`]), and each further one wyrand's output at the
/// previous one (a hash chain, so an element that rejects a few draws costs one multiply each).
pub(crate) struct ElemRng {
    state: u64,
}

impl ElemRng {
    /// The stream of element `i` under `key`.
    #[inline(always)]
    pub(crate) fn at(key: u64, i: u64) -> ElemRng {
        ElemRng {
            state: key.wrapping_add(i.wrapping_add(1).wrapping_mul(WY)),
        }
    }

    /// The stream as it is once its last output was `b`.
    #[inline(always)]
    fn after(b: u64) -> ElemRng {
        ElemRng {
            state: b.wrapping_add(WY),
        }
    }

    /// The next 64 bits.
    #[inline(always)]
    pub(crate) fn next(&mut self) -> u64 {
        let v = wy(self.state);
        *self = ElemRng::after(v);
        v
    }

    /// A uniform value in `(0, 1)`, never 0 or 1 (for logarithms).
    #[inline]
    pub(crate) fn open01(&mut self) -> f64 {
        ((self.next() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
    }
}

impl rand::TryRng for ElemRng {
    type Error = std::convert::Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok((self.next() >> 32) as u32)
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(self.next())
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for chunk in dst.chunks_mut(8) {
            let v = self.next().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
        Ok(())
    }
}

/// Fills the values of a run of elements: `fill(key, first, run)` writes the values of
/// elements `first..first + run.len()` under `key`.
pub(crate) type FillFn<T> = Arc<dyn Fn(u64, u64, &mut [T]) + Send + Sync>;

/// The run fill that draws each element by `sample` from its own stream ([`ElemRng`]): one
/// call through the pointer per run, `sample` inlined into the loop.
pub(crate) fn each<T: 'static>(
    sample: impl Fn(&mut ElemRng) -> T + Send + Sync + 'static,
) -> FillFn<T> {
    Arc::new(move |key, first, run: &mut [T]| {
        for (i, x) in (first..).zip(run.iter_mut()) {
            *x = sample(&mut ElemRng::at(key, i));
        }
    })
}

/// The ziggurat for the standard normal (Marsaglia and Tsang, "The ziggurat method for
/// generating random variables", J. Stat. Softw. 5(8), 2000), with 256 layers of equal area
/// [`ZIG_V`], the base layer reaching [`ZIG_R`] and the tail beyond it. Layer `i` spans
/// `[0, x[i])` between heights `f[i]` and `f[i + 1]` (`f(x) = exp(-x^2 / 2)`); `x[0]` is the
/// base layer's area over `f(R)`, its width were it a rectangle.
struct Ziggurat {
    x: [f64; 257],
    f: [f64; 257],
    /// `x` over 2^53, for a point from 53 random bits in one multiply.
    scaled: [f64; 257],
}

/// Where the base layer ends and the tail begins, for 256 layers.
const ZIG_R: f64 = 3.654_152_885_361_009;
/// Each layer's area, for 256 layers.
const ZIG_V: f64 = 4.928_673_233_99e-3;

fn ziggurat() -> &'static Ziggurat {
    static Z: std::sync::OnceLock<Ziggurat> = std::sync::OnceLock::new();
    Z.get_or_init(|| {
        let f = |x: f64| (-0.5 * x * x).exp();
        let mut x = [0.0; 257];
        x[0] = ZIG_V / f(ZIG_R);
        x[1] = ZIG_R;
        for i in 1..255 {
            // Layer i has area V: x[i] * (f(x[i + 1]) - f(x[i])) = V.
            x[i + 1] = (-2.0 * (f(x[i]) + ZIG_V / x[i]).ln()).sqrt();
        }
        // The top layer's upper edge is the curve's peak (x = 0).
        x[256] = 0.0;
        let scaled = x.map(|v| v * (1.0 / (1u64 << 53) as f64));
        Ziggurat {
            x,
            f: x.map(f),
            scaled,
        }
    })
}

/// A standard normal value from the element's stream `r`: its first 64 bits choose a layer
/// (the low 8), a sign (bit 8) and a point along the layer (the top 53); the point lies under
/// the curve for about 99% of draws, and the rest go on along the stream.
#[inline(always)]
pub(crate) fn standard_normal(r: &mut ElemRng) -> f64 {
    normal_on(ziggurat(), r)
}

/// The run fill of normal values of mean `loc` and standard deviation `scale`:
/// `loc + scale * z`, `z` as [`standard_normal`]'s, with the tables looked up once a run.
pub(crate) fn normal_fill(loc: f64, scale: f64) -> FillFn<f64> {
    Arc::new(move |key, first, run: &mut [f64]| {
        let z = ziggurat();
        // Four elements at a time: their multiplies and table lookups are independent, so the
        // processor overlaps them; the rare rejection goes on along its element's stream.
        let mut quads = run.chunks_exact_mut(4);
        let mut i = first;
        for q in &mut quads {
            let b: [u64; 4] = std::array::from_fn(|k| ElemRng::at(key, i + k as u64).next());
            for (x, b) in q.iter_mut().zip(b) {
                let v = match normal_fast(z, b) {
                    Some(v) => v,
                    None => normal_beyond(z, b, &mut ElemRng::after(b)),
                };
                *x = loc + scale * v;
            }
            i += 4;
        }
        for (i, x) in (i..).zip(quads.into_remainder()) {
            *x = loc + scale * normal_on(z, &mut ElemRng::at(key, i));
        }
    })
}

/// The ziggurat's first try at bits `b`: the value, if the point lies in its layer's inner
/// rectangle.
#[inline(always)]
fn normal_fast(z: &Ziggurat, b: u64) -> Option<f64> {
    let i = (b & 0xFF) as usize;
    let x = (b >> 11) as f64 * z.scaled[i];
    // The sign bit, moved to the top.
    (x < z.x[i + 1]).then(|| f64::from_bits(x.to_bits() | ((b & 0x100) << 55)))
}

/// [`standard_normal`] with the tables `z`.
#[inline(always)]
fn normal_on(z: &Ziggurat, r: &mut ElemRng) -> f64 {
    let b = r.next();
    normal_fast(z, b).unwrap_or_else(|| normal_beyond(z, b, r))
}

/// [`standard_normal`] when its first point was not in a layer's inner rectangle: the layer's
/// wedge or the tail, drawing more from the stream until a point lies under the curve.
#[cold]
#[inline(never)]
fn normal_beyond(z: &Ziggurat, mut b: u64, r: &mut ElemRng) -> f64 {
    loop {
        let i = (b & 0xFF) as usize;
        let x = (b >> 11) as f64 * z.scaled[i];
        let sign = (b & 0x100) << 55;
        let signed = |v: f64| f64::from_bits(v.to_bits() | sign);
        if x < z.x[i + 1] {
            return signed(x);
        }
        if i == 0 {
            // The tail beyond R (Marsaglia, "Generating a variable from the tail of the
            // normal distribution", Technometrics 6, 1964).
            loop {
                let a = -r.open01().ln() / ZIG_R;
                let c = -r.open01().ln();
                if c + c > a * a {
                    return signed(ZIG_R + a);
                }
            }
        }
        // The wedge: a height uniform between the layer's edges, under the curve at x?
        let y = z.f[i] + r.open01() * (z.f[i + 1] - z.f[i]);
        if y < (-0.5 * x * x).exp() {
            return signed(x);
        }
        b = r.next();
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

/// The indices of `0..p.len()` in the order of successive weighted draws without
/// replacement (each next index drawn with the probabilities `p` of those not drawn yet),
/// those of probability 0 left out: the indices sorted by `E_i / p_i`, `E_i` an exponential
/// value from index `i`'s bits under `key` (Efraimidis and Spirakis, IPL 97(5), 2006).
pub(crate) fn weighted_order(key: u64, p: &[f64]) -> Vec<usize> {
    let mut keyed: Vec<(f64, usize)> = p
        .iter()
        .enumerate()
        .filter(|&(_, &w)| w > 0.0)
        .map(|(i, &w)| (-ElemRng::at(key, i as u64).open01().ln() / w, i))
        .collect();
    keyed.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    keyed.into_iter().map(|(_, i)| i).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every layer of the ziggurat has the same area (the base layer's tail included), so the
    /// constants R and V and the tables agree.
    #[test]
    fn the_ziggurat_layers_have_equal_areas() {
        let z = ziggurat();
        for i in 1..256 {
            let area = z.x[i] * (z.f[i + 1] - z.f[i]);
            assert!(
                (area / ZIG_V - 1.0).abs() < 1e-6,
                "layer {i}: area {area}, not {ZIG_V}"
            );
        }
        // The base layer: the rectangle under f(R) plus the tail beyond R.
        let tail = (std::f64::consts::PI / 2.0).sqrt() * erfc_over_sqrt2(ZIG_R);
        let base = ZIG_R * z.f[1] + tail;
        assert!((base / ZIG_V - 1.0).abs() < 1e-6, "base area {base}");
        assert!((z.x[0] * z.f[1] / ZIG_V - 1.0).abs() < 1e-12);
    }

    /// The wedges are drawn with the right weight: the frequencies of values in the spans of
    /// the widest wedge (layer 1, next to the tail) and of the top layer (all wedge) lie within
    /// 5.3 standard deviations (a correct sampler fails less than once in 10^6) of the normal
    /// distribution's, as do those beyond R and of either sign. Accepting every wedge point
    /// moves the first two by about 10 standard deviations.
    #[test]
    fn the_ziggurat_wedges_have_the_normal_weight() {
        let n = 4_000_000u64;
        let z = ziggurat();
        let bands = [(z.x[2], z.x[1]), (0.0, z.x[255]), (ZIG_R, f64::INFINITY)];
        let mut counts = [0u64; 3];
        let mut negative = 0u64;
        for i in 0..n {
            let v = standard_normal(&mut ElemRng::at(0xABCD, i));
            negative += u64::from(v < 0.0);
            for (c, &(a, b)) in counts.iter_mut().zip(&bands) {
                *c += u64::from((a..b).contains(&v.abs()));
            }
        }
        let upper = |x: f64| 0.5 * erfc_over_sqrt2(x);
        for (&c, &(a, b)) in counts.iter().zip(&bands) {
            let p = 2.0 * (upper(a) - if b.is_finite() { upper(b) } else { 0.0 });
            let (mean, sd) = (p * n as f64, (p * (1.0 - p) * n as f64).sqrt());
            assert!(
                (c as f64 - mean).abs() < 5.3 * sd,
                "|z| in [{a}, {b}): {c} draws, expected {mean:.1} (sd {sd:.1})"
            );
        }
        let sd = (0.25 * n as f64).sqrt();
        assert!((negative as f64 - 0.5 * n as f64).abs() < 5.3 * sd);
    }

    /// The tail beyond R has the normal distribution's shape: 10^5 draws of the base layer
    /// past R pass a Kolmogorov-Smirnov test (bound for a failure once in 10^6) against the
    /// normal distribution conditioned on exceeding R.
    #[test]
    fn the_ziggurat_tail_has_the_normal_shape() {
        let n = 100_000;
        let z = ziggurat();
        // Layer 0, positive, the point at the far end of the base layer: past R.
        let b = u64::MAX << 11;
        let mut v: Vec<f64> = (0..n)
            .map(|i| normal_beyond(z, b, &mut ElemRng::at(77, i as u64)))
            .collect();
        v.sort_by(f64::total_cmp);
        assert!(v[0] >= ZIG_R);
        let upper = |x: f64| erfc_over_sqrt2(x);
        let cdf = |x: f64| 1.0 - upper(x) / upper(ZIG_R);
        let d = v
            .iter()
            .enumerate()
            .map(|(k, &x)| {
                let f = cdf(x);
                (f - k as f64 / n as f64).max((k + 1) as f64 / n as f64 - f)
            })
            .fold(0.0, f64::max);
        let bound = (-(0.5e-6f64).ln() / 2.0).sqrt() / (n as f64).sqrt();
        assert!(d < bound, "KS distance {d} over {bound}");
    }

    /// erfc(x / sqrt 2), by its continued fraction for x > 3 and the series of erf below
    /// (both well within 1e-9 relative where the tests use them).
    fn erfc_over_sqrt2(x: f64) -> f64 {
        let t = x / std::f64::consts::SQRT_2;
        if t > 2.0 {
            // erfc(t) = exp(-t^2) / sqrt(pi) * 1 / (t + 1/2 / (t + 1 / (t + 3/2 / (t + ...))))
            let mut frac = t;
            for k in (1..60).rev() {
                frac = t + (k as f64 / 2.0) / frac;
            }
            (-t * t).exp() / std::f64::consts::PI.sqrt() / frac
        } else {
            // erf(t) = 2 / sqrt(pi) * sum (-1)^k t^(2k+1) / (k! (2k+1))
            let (mut term, mut sum) = (t, t);
            for k in 1..80 {
                term *= -t * t / k as f64;
                sum += term / (2 * k + 1) as f64;
            }
            1.0 - 2.0 / std::f64::consts::PI.sqrt() * sum
        }
    }
}
