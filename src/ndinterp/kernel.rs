//! Interpolation inside one output block: which input cells a block reads, and the two
//! kernels that read them.
//!
//! An output block's coordinates along an input axis span an interval; under the mode, that
//! interval lands on at most three stretches of the axis (the part inside, and the mirror or
//! periodic images of the parts beyond each end), each widened by the spline's support. The
//! block reads just those cells ([`needed`]), gathered into one array (the *box*), and a
//! table per axis says where each input index sits in the box ([`AxisBox`]).
//!
//! - [`points`]: any map (affine, coordinates from an array): per output point, per axis the
//!   first tap and the weights, then the sum over the `(order + 1)^n` taps, as scipy's
//!   `NI_GeometricTransform`.
//! - [`separable`]: maps where each output axis reads one input axis (zoom, shift, a diagonal
//!   matrix): the taps and weights of each output index once per axis, and the sum done one
//!   axis at a time, `(order + 1)` taps per axis instead of `(order + 1)^n`.

use std::ops::Range;

use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD, Axis, IxDyn};

use super::spline::{Ext, fold, fold_tap, taps_at};

/// Marks a tap whose value is the constant (grid-constant beyond the edge).
const CVAL: isize = isize::MIN;

/// The stretches of an axis of `len` cells that coordinates in `[lo, hi]` read under `mode`
/// with splines of `order`, sorted and disjoint.
pub(super) fn needed(lo: f64, hi: f64, len: usize, mode: Ext, order: usize) -> Vec<Range<usize>> {
    if len == 0 || lo.is_nan() || hi.is_nan() || lo > hi {
        return Vec::new();
    }
    let n = len as f64;
    let whole = || -> Vec<Range<usize>> { std::iter::once(0..len).collect() };
    // The coordinate intervals after folding, each within about [-1, len].
    let mut spans: Vec<(f64, f64)> = Vec::new();
    if mode.unfolded() {
        // Taps beyond a few cells of the edge all read the edge (or the constant).
        let reach = order as f64 + 2.0;
        spans.push((lo.max(-reach), hi.min(n - 1.0 + reach)));
    } else if mode == Ext::Constant {
        // Outside [0, len - 1] is the constant.
        if hi < 0.0 || lo > n - 1.0 {
            return Vec::new();
        }
        spans.push((lo.max(0.0), hi.min(n - 1.0)));
    } else {
        if len == 1 {
            return whole();
        }
        if lo <= n - 1.0 && hi >= 0.0 {
            spans.push((lo.max(0.0), hi.min(n - 1.0)));
        }
        // The period of the extension, and the image of a stretch beyond an edge while it
        // stays within one fold.
        let (period, below, above): (f64, Image, Image) = match mode {
            Ext::Mirror => (2.0 * n - 2.0, |x, _| -x, |x, n| 2.0 * (n - 1.0) - x),
            Ext::Reflect => (2.0 * n, |x, _| -x - 1.0, |x, n| 2.0 * n - 1.0 - x),
            Ext::Wrap => (n - 1.0, |x, n| x + n - 1.0, |x, n| x - (n - 1.0)),
            _ => (n, |x, n| x + n, |x, n| x - n),
        };
        if lo < 0.0 {
            let b = hi.min(0.0);
            if lo < -period / 2.0 + 1.0 {
                return whole();
            }
            let (p, q) = (below(lo, n), below(b, n));
            spans.push((p.min(q), p.max(q)));
        }
        if hi > n - 1.0 {
            let a = lo.max(n - 1.0);
            if hi > n - 1.0 + period / 2.0 - 1.0 {
                return whole();
            }
            let (p, q) = (above(a, n), above(hi, n));
            spans.push((p.min(q), p.max(q)));
        }
    }
    let half = (order / 2) as isize;
    let mut ranges: Vec<Range<usize>> = Vec::new();
    for (a, b) in spans {
        // Widened by a cell for rounding, then by the spline's reach.
        let first = (a - 1.0).floor() as isize - half - 1;
        let last = (b + 1.0).floor() as isize + half + 1;
        let inside = first.max(0)..(last + 1).min(len as isize);
        if inside.start < inside.end {
            ranges.push(inside.start as usize..inside.end as usize);
        }
        if mode == Ext::GridConstant {
            continue;
        }
        for t in (first..0).chain(len as isize..=last) {
            let i = fold_tap(t, len, mode);
            ranges.push(i..i + 1);
        }
    }
    merge(ranges)
}

/// Where a coordinate beyond an edge lands (the coordinate, the axis length) within one fold.
type Image = fn(f64, f64) -> f64;

/// Sorted, overlapping or touching ranges joined.
fn merge(mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    ranges.sort_by_key(|r| r.start);
    let mut out: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

/// One input axis as a block's box holds it.
pub(super) struct AxisBox {
    /// The axis's length in the input.
    pub(super) len: usize,
    /// The first input index the table covers.
    lo: usize,
    /// The box position of input index `lo + i` (`u32::MAX` where the box lacks it).
    table: Vec<u32>,
    /// Elements between neighbours along this axis in the box.
    pub(super) stride: isize,
}

impl AxisBox {
    /// The box axis made of `ranges` of an axis of `len`, `stride` apart in the box.
    pub(super) fn new(len: usize, ranges: &[Range<usize>], stride: usize) -> AxisBox {
        let lo = ranges.first().map_or(0, |r| r.start);
        let hi = ranges.last().map_or(0, |r| r.end);
        let mut table = vec![u32::MAX; hi - lo];
        let mut at = 0u32;
        for r in ranges {
            for i in r.clone() {
                table[i - lo] = at;
                at += 1;
            }
        }
        AxisBox {
            len,
            lo,
            table,
            stride: stride as isize,
        }
    }

    /// The box offset of input index `i`.
    #[inline]
    fn at(&self, i: usize) -> isize {
        let p = self.table[i - self.lo];
        debug_assert!(p != u32::MAX, "index {i} was gathered");
        p as isize * self.stride
    }
}

/// What [`axis_taps`] found at one coordinate.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Taps {
    /// The point takes the constant.
    Outside,
    /// Every tap reads the box.
    Box,
    /// Some taps are the constant (grid-constant beyond the edge).
    SomeConstant,
}

/// The taps of one axis at one coordinate: their weights and box offsets ([`CVAL`] for the
/// constant).
#[inline(always)]
fn axis_taps(
    x: f64,
    ax: &AxisBox,
    mode: Ext,
    order: usize,
    w: &mut [f64; 6],
    off: &mut [isize; 6],
) -> Taps {
    if !x.is_finite() {
        return Taps::Outside;
    }
    let x = if mode.unfolded() {
        // Beyond a spline's reach of the edge every tap is the edge (or the constant): the
        // same value as at that reach, and the index stays small.
        let reach = order as f64 + 3.0;
        x.clamp(-reach, ax.len as f64 + reach)
    } else if x >= 0.0 && x <= (ax.len - 1) as f64 {
        x
    } else {
        let x = fold(x, ax.len, mode);
        if x <= -1.0 {
            return Taps::Outside;
        }
        x
    };
    let start = taps_at(x, order, w);
    let len = ax.len as isize;
    if start >= 0 && start + (order as isize) < len {
        let base = ax.at(start as usize);
        // Consecutive input indices are consecutive in the box unless a gap falls between.
        if order == 0 || ax.at(start as usize + order) == base + order as isize * ax.stride {
            for (l, o) in off[..=order].iter_mut().enumerate() {
                *o = base + l as isize * ax.stride;
            }
        } else {
            for (l, o) in off[..=order].iter_mut().enumerate() {
                *o = ax.at(start as usize + l);
            }
        }
        return Taps::Box;
    }
    let mut found = Taps::Box;
    for (l, o) in off[..=order].iter_mut().enumerate() {
        let t = start + l as isize;
        *o = if (0..len).contains(&t) {
            ax.at(t as usize)
        } else if mode == Ext::GridConstant {
            found = Taps::SomeConstant;
            CVAL
        } else {
            ax.at(fold_tap(t, ax.len, mode))
        };
    }
    found
}

/// The sum over the taps of axes `k..`, from box offset `base`, some taps the constant.
fn tap_sum(
    data: &[f64],
    k: usize,
    base: isize,
    orders: &[usize],
    w: &[[f64; 6]],
    off: &[[isize; 6]],
    cval: f64,
) -> f64 {
    let (wk, ok) = (&w[k], &off[k]);
    let mut t = 0.0;
    for l in 0..=orders[k] {
        let v = if ok[l] == CVAL {
            cval
        } else if k + 1 == orders.len() {
            data[(base + ok[l]) as usize]
        } else {
            tap_sum(data, k + 1, base + ok[l], orders, w, off, cval)
        };
        t += wk[l] * v;
    }
    t
}

/// [`points_with`]'s order for "each axis its own" (the orders are not all equal).
const VARIES: usize = usize::MAX;

/// The order of axis `k`: `O`, or `orders[k]` where `O` is [`VARIES`]. With `O` a constant,
/// the loops over taps below are unrolled.
#[inline(always)]
fn ord<const O: usize>(orders: &[usize], k: usize) -> usize {
    if O == VARIES { orders[k] } else { O }
}

/// The sum over the taps of one to three axes that all read the box.
#[inline(always)]
fn box_sum<const O: usize>(
    data: &[f64],
    orders: &[usize],
    w: &[[f64; 6]],
    off: &[[isize; 6]],
) -> f64 {
    match orders.len() {
        1 => (0..=ord::<O>(orders, 0))
            .map(|i| w[0][i] * data[off[0][i] as usize])
            .sum(),
        2 => {
            let mut t = 0.0;
            for i in 0..=ord::<O>(orders, 0) {
                let mut s = 0.0;
                for j in 0..=ord::<O>(orders, 1) {
                    s += w[1][j] * data[(off[0][i] + off[1][j]) as usize];
                }
                t += w[0][i] * s;
            }
            t
        }
        3 => {
            let mut t = 0.0;
            for i in 0..=ord::<O>(orders, 0) {
                let mut s = 0.0;
                for j in 0..=ord::<O>(orders, 1) {
                    let o = off[0][i] + off[1][j];
                    let mut r = 0.0;
                    for k in 0..=ord::<O>(orders, 2) {
                        r += w[2][k] * data[(o + off[2][k]) as usize];
                    }
                    s += w[1][j] * r;
                }
                t += w[0][i] * s;
            }
            t
        }
        _ => tap_sum(data, 0, 0, orders, w, off, 0.0),
    }
}

/// Where a block's output points read, row by row (a row: the points along the last axis).
pub(super) trait Coords {
    /// Starts the row at block position `idx` (its last index 0), point `p` in row-major order.
    fn row(&mut self, idx: &[usize], p: usize);
    /// The input coordinates (padding included) of point `j` of the row.
    fn at(&self, j: usize, c: &mut [f64]);
}

/// A block's box and how it is read: the cells (row-major), each input axis as the box holds
/// it, the spline order per axis, the mode and the constant.
pub(super) struct Boxed<'a> {
    pub(super) data: &'a [f64],
    pub(super) axes: &'a [AxisBox],
    pub(super) orders: &'a [usize],
    pub(super) mode: Ext,
    pub(super) cval: f64,
}

/// Interpolates `out` (one output block of `shape`, row-major) from `src` at the points
/// `coords` gives.
pub(super) fn points<T>(
    src: &Boxed<'_>,
    shape: &[usize],
    out: &mut [T],
    into: impl Fn(f64) -> T,
    coords: &mut impl Coords,
) {
    let orders = src.orders;
    let uniform = orders.iter().all(|&o| o == orders[0]);
    let run = match (uniform, orders[0]) {
        (true, 0) => points_with::<0, T>,
        (true, 1) => points_with::<1, T>,
        (true, 2) => points_with::<2, T>,
        (true, 3) => points_with::<3, T>,
        (true, 4) => points_with::<4, T>,
        (true, 5) => points_with::<5, T>,
        _ => points_with::<VARIES, T>,
    };
    run(src, shape, out, &into, coords);
}

/// [`points`] for orders `O` on every axis (or [`VARIES`]).
fn points_with<const O: usize, T>(
    src: &Boxed<'_>,
    shape: &[usize],
    out: &mut [T],
    into: &dyn Fn(f64) -> T,
    coords: &mut impl Coords,
) {
    let Boxed {
        data,
        axes,
        orders,
        mode,
        cval,
    } = *src;
    let n = axes.len();
    let mut c = vec![0.0; n];
    let mut w = vec![[0.0; 6]; n];
    let mut off = vec![[0isize; 6]; n];
    let last = *shape.last().expect("an output of at least one axis");
    if last == 0 {
        return;
    }
    let mut idx = vec![0usize; shape.len()];
    for (r, row) in out.chunks_mut(last).enumerate() {
        coords.row(&idx, r * last);
        for (j, o) in row.iter_mut().enumerate() {
            coords.at(j, &mut c);
            let mut found = Taps::Box;
            for k in 0..n {
                match axis_taps(
                    c[k],
                    &axes[k],
                    mode,
                    ord::<O>(orders, k),
                    &mut w[k],
                    &mut off[k],
                ) {
                    Taps::Outside => {
                        found = Taps::Outside;
                        break;
                    }
                    Taps::SomeConstant => found = Taps::SomeConstant,
                    Taps::Box => {}
                }
            }
            let t = match found {
                Taps::Outside => cval,
                Taps::Box => box_sum::<O>(data, orders, &w, &off),
                Taps::SomeConstant => tap_sum(data, 0, 0, orders, &w, &off, cval),
            };
            *o = into(t);
        }
        for k in (0..idx.len() - 1).rev() {
            idx[k] += 1;
            if idx[k] < shape[k] {
                break;
            }
            idx[k] = 0;
        }
    }
}

/// The taps of every output index along one axis of a separable map.
pub(super) struct AxisTaps {
    order: usize,
    /// Per output index: whether it takes the constant (constant mode beyond the edge).
    outside: Vec<bool>,
    weights: Vec<[f64; 6]>,
    /// Box positions along the axis (not offsets), [`CVAL`] for the constant.
    at: Vec<[isize; 6]>,
}

impl AxisTaps {
    /// The taps at coordinates `xs` along box axis `ax`.
    pub(super) fn new(
        xs: impl Iterator<Item = f64>,
        ax: &AxisBox,
        mode: Ext,
        order: usize,
    ) -> Self {
        debug_assert_eq!(ax.stride, 1, "separable taps are positions along the axis");
        let (mut outside, mut ws, mut at) = (Vec::new(), Vec::new(), Vec::new());
        for x in xs {
            let (mut w, mut o) = ([0.0; 6], [0isize; 6]);
            outside.push(axis_taps(x, ax, mode, order, &mut w, &mut o) == Taps::Outside);
            ws.push(w);
            at.push(o);
        }
        AxisTaps {
            order,
            outside,
            weights: ws,
            at,
        }
    }
}

/// Interpolates a separable map: `data` (the box) is resampled along each axis in turn by its
/// [`AxisTaps`], then the points that any axis puts outside take the constant.
pub(super) fn separable(data: ArrayD<f64>, taps: &[AxisTaps], cval: f64) -> ArrayD<f64> {
    let n = taps.len();
    let mut cur = data;
    for k in (0..n).rev() {
        let t = &taps[k];
        let mut shape = cur.shape().to_vec();
        shape[k] = t.outside.len();
        let mut next = ArrayD::<f64>::zeros(IxDyn(&shape));
        if k == n - 1 {
            for (src, mut dst) in cur.rows().into_iter().zip(next.rows_mut()) {
                for (j, d) in dst.iter_mut().enumerate() {
                    if t.outside[j] {
                        continue;
                    }
                    let (w, at) = (&t.weights[j], &t.at[j]);
                    let mut s = 0.0;
                    for l in 0..=t.order {
                        s += w[l]
                            * if at[l] == CVAL {
                                cval
                            } else {
                                src[at[l] as usize]
                            };
                    }
                    *d = s;
                }
            }
        } else {
            for j in 0..t.outside.len() {
                if t.outside[j] {
                    continue;
                }
                let mut dst = next.index_axis_mut(Axis(k), j);
                let (w, at) = (&t.weights[j], &t.at[j]);
                for l in 0..=t.order {
                    if at[l] == CVAL {
                        dst.mapv_inplace(|d| d + w[l] * cval);
                    } else {
                        add_scaled(&mut dst, w[l], cur.index_axis(Axis(k), at[l] as usize));
                    }
                }
            }
        }
        cur = next;
    }
    for (k, t) in taps.iter().enumerate() {
        for (j, &o) in t.outside.iter().enumerate() {
            if o {
                cur.index_axis_mut(Axis(k), j).fill(cval);
            }
        }
    }
    cur
}

/// `dst += w * src`.
fn add_scaled(dst: &mut ArrayViewMutD<'_, f64>, w: f64, src: ArrayViewD<'_, f64>) {
    ndarray::Zip::from(dst)
        .and(&src)
        .for_each(|d, &s| *d += w * s);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needed_cells_cover_the_taps_and_their_images() {
        // Inside: the interval widened by the spline's reach.
        let r = needed(10.2, 12.7, 100, Ext::Mirror, 3);
        assert!(r.len() == 1 && r[0].start <= 9 && r[0].end >= 15 && r[0].end < 20);
        // Beyond the low end under wrap: the high end of the axis too, not all of it.
        let r = needed(-2.5, 3.0, 100, Ext::GridWrap, 1);
        assert_eq!(r.len(), 2);
        assert!(r[0].start == 0 && r[1].start <= 97 && r[1].end == 100);
        // Constant: nothing beyond the edges.
        assert!(needed(-9.0, -1.5, 100, Ext::Constant, 3).is_empty());
        // Far out under mirror: the whole axis.
        assert_eq!(needed(-500.0, 0.0, 100, Ext::Mirror, 3), vec![0..100]);
        assert!(needed(f64::NAN, 1.0, 10, Ext::Mirror, 3).is_empty());
    }
}
