//! The numbers of B-spline interpolation, as scipy.ndimage computes them: the poles of the
//! prefilter and its boundary starts, the interpolation weights, and where a coordinate or a
//! tap outside the array lands under each mode.
//!
//! The prefilter is the recursive filter of Unser, Aldroubi and Eden, "Fast B-spline
//! transforms for continuous image representation and interpolation" (IEEE PAMI 13(3), 1991):
//! per pole `z`, a causal pass `c[i] += z c[i-1]` and an anti-causal pass `c[i] = z (c[i+1] -
//! c[i])`, each started from the value the boundary extension gives (the mirror start is the
//! paper's; the reflect and periodic starts are the closed forms of the same sums for those
//! extensions).

use super::Mode;

/// The boundary rules as the interpolation uses them (`grid-mirror` is `reflect`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Ext {
    Nearest,
    Wrap,
    Reflect,
    Mirror,
    Constant,
    GridWrap,
    GridConstant,
}

impl From<Mode> for Ext {
    fn from(m: Mode) -> Ext {
        match m {
            Mode::Nearest => Ext::Nearest,
            Mode::Wrap => Ext::Wrap,
            Mode::Reflect | Mode::GridMirror => Ext::Reflect,
            Mode::Mirror => Ext::Mirror,
            Mode::Constant => Ext::Constant,
            Mode::GridWrap => Ext::GridWrap,
            Mode::GridConstant => Ext::GridConstant,
        }
    }
}

impl Ext {
    /// The rule for spline taps beyond the edge: modes without a closed-form extension of the
    /// coefficients (`constant`, `wrap`) use the mirror one, as scipy does.
    pub(super) fn taps(self) -> Ext {
        match self {
            Ext::Constant | Ext::Wrap => Ext::Mirror,
            e => e,
        }
    }

    /// Whether coordinates are used as they are (the array was padded for these modes, and taps
    /// beyond the padding are clamped or the constant), rather than folded into the array first.
    pub(super) fn unfolded(self) -> bool {
        matches!(self, Ext::Nearest | Ext::GridConstant)
    }
}

/// The poles of the B-spline prefilter of `order` (none for 0 and 1).
pub(super) fn poles(order: usize) -> &'static [f64] {
    // Roots of the B-spline's z-transform: √8 - 3; √3 - 2; for order 4,
    // √(664 ∓ √438976) ± √304 - 19; for order 5, √(67.5 ∓ √4436.25) ± √26.25 - 6.5.
    match order {
        2 => &[-0.171_572_875_253_809_9],
        3 => &[-0.267_949_192_431_122_7],
        4 => &[-0.361_341_225_900_220_2, -0.013_725_429_297_339_121],
        5 => &[-0.430_575_347_099_973_8, -0.043_096_288_203_264_65],
        _ => &[],
    }
}

/// Turns the samples `c` of one lane into B-spline coefficients, in place, with the boundary
/// start of `mode` (scipy's `spline_filter1d`). A lane of one sample is left as it is.
pub(super) fn filter_lane(c: &mut [f64], poles: &[f64], mode: Ext) {
    let n = c.len();
    if n < 2 || poles.is_empty() {
        return;
    }
    let gain: f64 = poles.iter().map(|&z| (1.0 - z) * (1.0 - 1.0 / z)).product();
    c.iter_mut().for_each(|v| *v *= gain);
    for &z in poles {
        match mode {
            Ext::GridWrap => causal_wrap(c, z),
            Ext::Nearest | Ext::Reflect => causal_reflect(c, z),
            _ => causal_mirror(c, z),
        }
        for i in 1..n {
            c[i] += z * c[i - 1];
        }
        match mode {
            Ext::GridWrap => anticausal_wrap(c, z),
            Ext::Nearest | Ext::Reflect => c[n - 1] *= z / (z - 1.0),
            _ => c[n - 1] = (z * c[n - 2] + c[n - 1]) * z / (z * z - 1.0),
        }
        for i in (0..n - 1).rev() {
            c[i] = z * (c[i + 1] - c[i]);
        }
    }
}

/// The causal start for the mirror extension `d c b | a b c d`: the sum over the whole
/// periodised mirror image.
fn causal_mirror(c: &mut [f64], z: f64) {
    let n = c.len();
    let zn1 = z.powi((n - 1) as i32);
    let mut zi = z;
    let mut sum = c[0] + zn1 * c[n - 1];
    for i in 1..n - 1 {
        sum += zi * (c[i] + zn1 * c[n - 1 - i]);
        zi *= z;
    }
    c[0] = sum / (1.0 - zn1 * zn1);
}

/// The causal start for the reflect extension `c b a | a b c d`.
fn causal_reflect(c: &mut [f64], z: f64) {
    let n = c.len();
    let zn = z.powi(n as i32);
    let c0 = c[0];
    let mut zi = z;
    let mut sum = c[0] + zn * c[n - 1];
    for i in 1..n {
        // The last term reads the running sum where the first sample was (scipy computes
        // the sum in place in c[0]; its results are matched, not the closed form's).
        let mirrored = if i == n - 1 { sum } else { c[n - 1 - i] };
        sum += zi * (c[i] + zn * mirrored);
        zi *= z;
    }
    c[0] = sum * z / (1.0 - zn * zn) + c0;
}

/// The causal start for the periodic extension.
fn causal_wrap(c: &mut [f64], z: f64) {
    let n = c.len();
    let mut zi = z;
    let mut sum = c[0];
    for i in 1..n {
        sum += zi * c[n - i];
        zi *= z;
    }
    c[0] = sum / (1.0 - zi);
}

/// The anti-causal start for the periodic extension.
fn anticausal_wrap(c: &mut [f64], z: f64) {
    let n = c.len();
    let mut zi = z;
    let mut sum = c[n - 1];
    for &v in &c[..n - 1] {
        sum += zi * v;
        zi *= z;
    }
    c[n - 1] = sum * z / (zi - 1.0);
}

/// `x` rounded down, for coordinates well inside `i64`'s range (a plain conversion: `f64::floor`
/// is a call into the C library on baseline x86-64).
#[inline(always)]
fn floor(x: f64) -> f64 {
    let t = x as i64 as f64;
    if t > x { t - 1.0 } else { t }
}

/// The B-spline weights of the `order + 1` taps around coordinate `x` (order 0 to 5) into
/// `w`, and the first tap's index. The last weight is one minus the others, so they add to
/// one.
#[inline(always)]
pub(super) fn taps_at(x: f64, order: usize, w: &mut [f64; 6]) -> isize {
    let knot = if order & 1 == 1 {
        floor(x)
    } else {
        floor(x + 0.5)
    };
    let first = knot as isize - (order / 2) as isize;
    let x = x - knot;
    let z = 1.0 - x;
    // The pieces of the centred B-spline β(t) of each order, at the distances of the taps.
    match order {
        1 => w[0] = 1.0 - x,
        2 => {
            w[1] = 0.75 - x * x;
            let y = 0.5 - x;
            w[0] = 0.5 * y * y;
        }
        3 => {
            w[1] = (x * x * (x - 2.0) * 3.0 + 4.0) / 6.0;
            w[2] = (z * z * (z - 2.0) * 3.0 + 4.0) / 6.0;
            w[0] = z * z * z / 6.0;
        }
        4 => {
            let t = x * x;
            w[2] = t * (t * 0.25 - 0.625) + 115.0 / 192.0;
            let y = 1.0 + x;
            w[1] = y * (y * (y * (5.0 - y) / 6.0 - 1.25) + 5.0 / 24.0) + 55.0 / 96.0;
            w[3] = z * (z * (z * (5.0 - z) / 6.0 - 1.25) + 5.0 / 24.0) + 55.0 / 96.0;
            let y = 0.5 - x;
            let t = y * y;
            w[0] = t * t / 24.0;
        }
        5 => {
            let t = x * x;
            w[2] = t * (t * (0.25 - x / 12.0) - 0.5) + 0.55;
            let t = z * z;
            w[3] = t * (t * (0.25 - z / 12.0) - 0.5) + 0.55;
            let y = x + 1.0;
            w[1] = y * (y * (y * (y * (y / 24.0 - 0.375) + 1.25) - 1.75) + 0.625) + 0.425;
            let y = z + 1.0;
            w[4] = y * (y * (y * (y * (y / 24.0 - 0.375) + 1.25) - 1.75) + 0.625) + 0.425;
            let y = 1.0 - x;
            let t = y * y;
            w[0] = y * t * t / 120.0;
        }
        _ => {
            w[0] = 1.0;
            return first;
        }
    }
    w[order] = 1.0 - w[..order].iter().sum::<f64>();
    first
}

/// Where coordinate `x` lands on an axis of `len` under `mode`: folded into the array
/// (mirror, reflect, wrap), clamped (nearest), or `-1` for outside (constant). Coordinates
/// inside `[0, len - 1]` stay as they are.
#[inline]
pub(super) fn fold(x: f64, len: usize, mode: Ext) -> f64 {
    let n = len as i64;
    // Whole periods are taken off with a truncating division, as C's cast does.
    let periods = |v: f64, p: i64| (v / p as f64) as i64 * p;
    if x < 0.0 {
        match mode {
            _ if len <= 1 && !matches!(mode, Ext::Nearest | Ext::Constant) => 0.0,
            Ext::Mirror => {
                let p = 2 * n - 2;
                let v = periods(-x, p) as f64 + x;
                if v <= (1 - n) as f64 {
                    v + p as f64
                } else {
                    -v
                }
            }
            Ext::Reflect => {
                let p = 2 * n;
                let v = if x < -(p as f64) {
                    periods(-x, p) as f64 + x
                } else {
                    x
                };
                if v < -(n as f64) {
                    v + p as f64
                } else {
                    // Kept off -1 exactly, which would read as outside.
                    (if v > -1e-15 { 1e-15 } else { -v }) - 1.0
                }
            }
            Ext::Wrap => {
                let p = n - 1;
                x + (p * ((-x / p as f64) as i64 + 1)) as f64
            }
            Ext::GridWrap => x + (n * (((-1.0 - x) / n as f64) as i64 + 1)) as f64,
            Ext::Nearest => 0.0,
            Ext::Constant | Ext::GridConstant => -1.0,
        }
    } else if x > (n - 1) as f64 {
        match mode {
            _ if len <= 1 && !matches!(mode, Ext::Nearest | Ext::Constant) => 0.0,
            Ext::Mirror => {
                let p = 2 * n - 2;
                let v = x - periods(x, p) as f64;
                if v >= n as f64 { p as f64 - v } else { v }
            }
            Ext::Reflect => {
                let p = 2 * n;
                let v = x - periods(x, p) as f64;
                if v >= n as f64 { p as f64 - v - 1.0 } else { v }
            }
            Ext::Wrap => x - periods(x, n - 1) as f64,
            Ext::GridWrap => x - periods(x, n) as f64,
            Ext::Nearest => (n - 1) as f64,
            Ext::Constant | Ext::GridConstant => -1.0,
        }
    } else {
        x
    }
}

/// The array index that tap `i` (outside `[0, len)`) reads under the taps' rule of `mode`.
#[inline]
pub(super) fn fold_tap(i: isize, len: usize, mode: Ext) -> usize {
    let v = fold(i as f64, len, mode.taps()) as isize;
    v.clamp(0, len as isize - 1) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_add_to_one_and_interpolate_at_the_nodes() {
        let mut w = [0.0; 6];
        for order in 1..=5 {
            for &x in &[0.0, 0.25, 0.5, 0.75, 3.1, -2.6] {
                taps_at(x, order, &mut w);
                let s: f64 = w[..=order].iter().sum();
                assert!((s - 1.0).abs() < 1e-15, "order {order} at {x}: {s}");
            }
        }
        // At a node, the cubic spline's taps are 1/6, 2/3, 1/6 around it.
        assert_eq!(taps_at(2.0, 3, &mut w), 1);
        assert!((w[0] - 1.0 / 6.0).abs() < 1e-15 && (w[1] - 2.0 / 3.0).abs() < 1e-15);
        assert!(w[3].abs() < 1e-15);
    }

    #[test]
    fn folds_match_the_extensions() {
        // Mirror of a 4-long axis: d c b | a b c d | c b a
        assert_eq!(fold(-1.0, 4, Ext::Mirror), 1.0);
        assert_eq!(fold(4.0, 4, Ext::Mirror), 2.0);
        assert_eq!(fold(-7.0, 4, Ext::Mirror), 1.0);
        // Reflect: c b a | a b c d | d c b
        assert_eq!(fold(-1.0, 4, Ext::Reflect), 0.0);
        assert_eq!(fold(4.0, 4, Ext::Reflect), 3.0);
        assert_eq!(fold(5.0, 4, Ext::Reflect), 2.0);
        // Grid-wrap: period 4.
        assert_eq!(fold(-1.0, 4, Ext::GridWrap), 3.0);
        assert_eq!(fold(5.0, 4, Ext::GridWrap), 1.0);
        assert_eq!(fold(-0.5, 4, Ext::Constant), -1.0);
        assert_eq!(fold_tap(-2, 4, Ext::Constant), 2);
        assert_eq!(fold_tap(9, 4, Ext::Nearest), 3);
    }

    #[test]
    fn the_prefilter_inverts_sampling_at_the_nodes() {
        // Interpolating the coefficients at the nodes gives the samples back (mirror rule).
        let x: Vec<f64> = (0..9).map(|i| ((i * 7) % 5) as f64 - 1.5).collect();
        for order in 2..=5 {
            let mut c = x.clone();
            filter_lane(&mut c, poles(order), Ext::Mirror);
            let mut w = [0.0; 6];
            for (i, &want) in x.iter().enumerate() {
                let start = taps_at(i as f64, order, &mut w);
                let got: f64 = (0..=order)
                    .map(|l| {
                        let t = start + l as isize;
                        let j = if (0..9).contains(&t) {
                            t as usize
                        } else {
                            fold_tap(t, 9, Ext::Mirror)
                        };
                        w[l] * c[j]
                    })
                    .sum();
                assert!(
                    (got - want).abs() < 1e-12,
                    "order {order} at {i}: {got} vs {want}"
                );
            }
        }
    }
}
