//! Elementwise lookups and numeric cleanups, as numpy's: `isclose`/`allclose`, `nan_to_num`,
//! `round`, `isin`, `digitize` and `searchsorted`. Each is one elementwise step (it fuses with
//! its neighbours); the sorted tables of the lookups are held once, shared by every block.

use std::cmp::Ordering;
use std::sync::Arc;

use num_traits::Float;

use super::Array;
use crate::error::{Error, Result};
use crate::expr::block::Element;

/// Which end of a run of equal values [`searchsorted`] gives (numpy's `side`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Side {
    /// The first position where the value could go (`a[i-1] < v <= a[i]`).
    #[default]
    Left,
    /// The last position (`a[i-1] <= v < a[i]`).
    Right,
}

/// Whether `v` is unordered even with itself (NaN).
fn is_nan<T: PartialOrd>(v: &T) -> bool {
    v.partial_cmp(v).is_none()
}

/// numpy's order for sorting: NaN after everything, equal to itself.
pub(super) fn order<T: PartialOrd>(a: &T, b: &T) -> Ordering {
    match (is_nan(a), is_nan(b)) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => a.partial_cmp(b).unwrap_or(Ordering::Equal),
    }
}

/// Where `v` goes in `sorted` (ascending in numpy's order).
fn position<T: PartialOrd>(sorted: &[T], v: &T, side: Side) -> usize {
    match side {
        Side::Left => sorted.partition_point(|a| order(a, v) == Ordering::Less),
        Side::Right => sorted.partition_point(|a| order(a, v) != Ordering::Greater),
    }
}

/// numpy's `searchsorted(a, v, side)`: for each element of `v`, the index at which it would go
/// into `a` (sorted ascending, NaN last, as numpy sorts) to keep it sorted.
///
/// # Errors
///
/// [`Error::InvalidParameter`] if `a` is not sorted.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Side, searchsorted};
/// let v = Array::from_ndarray(ndarray::array![0.5, 2.0, 9.0], [2])?;
/// let at = searchsorted(&[1.0, 2.0, 3.0], &v, Side::Left)?;
/// assert_eq!(at.compute()?, ndarray::array![0, 1, 3].into_dyn());
/// let at = searchsorted(&[1.0, 2.0, 3.0], &v, Side::Right)?;
/// assert_eq!(at.compute()?, ndarray::array![0, 2, 3].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn searchsorted<T: Element + Copy + PartialOrd>(
    a: &[T],
    v: &Array<T>,
    side: Side,
) -> Result<Array<usize>> {
    if a.windows(2)
        .any(|w| order(&w[0], &w[1]) == Ordering::Greater)
    {
        return Err(Error::InvalidParameter {
            op: "searchsorted",
            name: "a",
            value: format!("a list of {} values out of order", a.len()),
            expected: "values sorted ascending (NaN last)",
        });
    }
    let a: Arc<[T]> = a.into();
    Ok(v.map_named("searchsorted", move |x| position(&a, &x, side)))
}

impl<T: Element + Float> Array<T> {
    /// Whether each element is close to the matching one of `other` (broadcast):
    /// `|a - b| <= atol + rtol * |b|` (numpy's `isclose`, not symmetric); infinities are close
    /// when equal; NaNs when `equal_nan`.
    ///
    /// # Errors
    ///
    /// [`Error::IncompatibleShapes`] for shapes that do not broadcast.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let a = Array::from_ndarray(ndarray::array![1.0, 1e10, f64::NAN], [2])?;
    /// let b = Array::from_ndarray(ndarray::array![1.0 + 1e-9, 1.00001e10, f64::NAN], [3])?;
    /// assert_eq!(a.isclose(&b, 1e-5, 1e-8, false)?.compute()?, ndarray::array![true, true, false].into_dyn());
    /// assert!(a.allclose(&b, 1e-5, 1e-8, true)?.compute_scalar()?);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn isclose(
        &self,
        other: &Array<T>,
        rtol: T,
        atol: T,
        equal_nan: bool,
    ) -> Result<Array<bool>> {
        self.zip_named("isclose", other, move |a: T, b: T| {
            if a.is_nan() || b.is_nan() {
                return equal_nan && a.is_nan() && b.is_nan();
            }
            if a.is_infinite() || b.is_infinite() {
                return a == b;
            }
            (a - b).abs() <= atol + rtol * b.abs()
        })
    }

    /// Whether every element is close to the matching one of `other` ([`Array::isclose`]), as
    /// a lazy 0-d array (dask's `allclose`; `compute_scalar` gives the `bool`).
    ///
    /// # Errors
    ///
    /// [`Error::IncompatibleShapes`] for shapes that do not broadcast.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let a = Array::<f64>::ones(&[4, 4], [2, 2])?;
    /// assert!(a.allclose(&(&a + 1e-12), 1e-9, 0.0, false)?.compute_scalar()?);
    /// assert!(!a.allclose(&(&a * 2.0), 1e-9, 0.0, false)?.compute_scalar()?);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn allclose(
        &self,
        other: &Array<T>,
        rtol: T,
        atol: T,
        equal_nan: bool,
    ) -> Result<Array<bool>> {
        Ok(self.isclose(other, rtol, atol, equal_nan)?.all())
    }

    /// NaN replaced by `nan`, infinities by `posinf` and `neginf` (numpy's `nan_to_num`;
    /// `None` gives numpy's defaults, the largest and smallest finite values).
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let x = Array::from_ndarray(ndarray::array![f64::NAN, f64::INFINITY, -f64::INFINITY, 2.0], [2])?;
    /// let y = x.nan_to_num(0.0, None, Some(-1.0)).compute()?;
    /// assert_eq!(y, ndarray::array![0.0, f64::MAX, -1.0, 2.0].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn nan_to_num(&self, nan: T, posinf: Option<T>, neginf: Option<T>) -> Array<T> {
        let (hi, lo) = (
            posinf.unwrap_or_else(T::max_value),
            neginf.unwrap_or_else(T::min_value),
        );
        self.map_named("nan_to_num", move |v: T| {
            if v.is_nan() {
                nan
            } else if v.is_infinite() {
                if v > T::zero() { hi } else { lo }
            } else {
                v
            }
        })
    }

    /// Each element rounded to `decimals` decimal places, halves to even (numpy's `round`:
    /// scaled by `10^decimals`, rounded half to even, scaled back; negative `decimals` round
    /// to tens, hundreds, ...).
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let x = Array::from_ndarray(ndarray::array![0.5, 1.5, 2.675, 1234.5], [2])?;
    /// assert_eq!(x.round(0).compute()?, ndarray::array![0.0, 2.0, 3.0, 1234.0].into_dyn());
    /// assert_eq!(x.round(-2).compute()?, ndarray::array![0.0, 0.0, 0.0, 1200.0].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn round(&self, decimals: i32) -> Array<T> {
        let ten = T::from(10.0).expect("10 is a float");
        let scale = ten.powi(decimals.abs());
        let half = T::from(0.5).expect("0.5 is a float");
        let two = T::from(2.0).expect("2 is a float");
        let even = move |y: T| {
            let r = y.round();
            if (r - y).abs() == half && r % two != T::zero() {
                r - y.signum()
            } else {
                r
            }
        };
        self.map_named("round", move |v: T| {
            if decimals >= 0 {
                even(v * scale) / scale
            } else {
                even(v / scale) * scale
            }
        })
    }
}

impl<T: Element + Copy + PartialOrd> Array<T> {
    /// Whether each element is one of `values` (numpy's `isin`; NaN is in nothing).
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let x = Array::from_ndarray(ndarray::array![[1, 2], [3, 4]], [1, 2])?;
    /// assert_eq!(x.isin(&[4, 1, 9]).compute()?, ndarray::array![[true, false], [false, true]].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn isin(&self, values: &[T]) -> Array<bool> {
        let mut set: Vec<T> = values.iter().copied().filter(|v| !is_nan(v)).collect();
        set.sort_by(order);
        let set: Arc<[T]> = set.into();
        self.map_named("isin", move |x: T| {
            !is_nan(&x) && set.binary_search_by(|a| order(a, &x)).is_ok()
        })
    }

    /// The bin of each element (numpy's `digitize`): for increasing `bins`, `i` with
    /// `bins[i-1] <= x < bins[i]` (`bins[i-1] < x <= bins[i]` when `right`), 0 below the first
    /// edge and `bins.len()` above the last; for decreasing `bins`, the mirror rule.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] if `bins` is neither increasing nor decreasing.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let x = Array::from_ndarray(ndarray::array![0.2, 6.4, 3.0, 1.6], [2])?;
    /// let bins = [0.0, 1.0, 2.5, 4.0, 10.0];
    /// assert_eq!(x.digitize(&bins, false)?.compute()?, ndarray::array![1, 4, 3, 2].into_dyn());
    /// let down = [10.0, 4.0, 2.5, 1.0, 0.0];
    /// assert_eq!(x.digitize(&down, false)?.compute()?, ndarray::array![4, 1, 2, 3].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn digitize(&self, bins: &[T], right: bool) -> Result<Array<usize>> {
        let up = bins
            .windows(2)
            .all(|w| order(&w[0], &w[1]) != Ordering::Greater);
        let down = bins
            .windows(2)
            .all(|w| order(&w[0], &w[1]) != Ordering::Less);
        if !(up || down) {
            return Err(Error::InvalidParameter {
                op: "digitize",
                name: "bins",
                value: format!("{} edges out of order", bins.len()),
                expected: "edges increasing or decreasing",
            });
        }
        let n = bins.len();
        let side = if right { Side::Left } else { Side::Right };
        if up {
            let bins: Arc<[T]> = bins.into();
            return Ok(self.map_named("digitize", move |x| position(&bins, &x, side)));
        }
        let rev: Arc<[T]> = bins.iter().rev().copied().collect::<Vec<T>>().into();
        Ok(self.map_named("digitize", move |x| n - position(&rev, &x, side)))
    }
}
