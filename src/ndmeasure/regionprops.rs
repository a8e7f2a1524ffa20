//! Region tables: scikit-image's `measure.regionprops_table`, merged from per-block partials.
//!
//! Each block is scanned once, run by run along its last axis, into one partial per label it
//! holds: the cell count, the bounding box, the coordinate sums, the intensity's sum, extremes
//! and weighted coordinate sums, and, when a property needs them, the raw moments up to order 3
//! along each axis as integers about an origin. Partials merge exactly in a tree, as the other
//! reductions do: integer moments are moved to a common origin by the binomial theorem and
//! added, so the merged moments do not depend on the chunking. The table is made from the merged
//! partials: the moments about the bounding box's corner (scikit-image's `moments`), central
//! and normalised moments, Hu's invariants, the inertia tensor and what follows from it.

use std::collections::HashMap;

use ndarray::{ArrayD, ArrayViewD, IxDyn};

use crate::array::Array;
use crate::dtype::Encode;
use crate::error::{Error, Result};

/// A column of [`regionprops_table`], named as scikit-image names it.
///
/// # Examples
///
/// ```
/// use chunkwise::ndmeasure::Property;
/// assert_eq!(Property::CentroidWeighted.name(), "centroid_weighted");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Property {
    /// `area`: the number of cells.
    Area,
    /// `area_bbox`: the number of cells of the bounding box.
    AreaBbox,
    /// `bbox-k`: the bounding box, first corner then one past the last (`2 ndim` columns).
    Bbox,
    /// `centroid-k`: the mean coordinate along each axis.
    Centroid,
    /// `centroid_weighted-k`: the intensity-weighted mean coordinate along each axis.
    CentroidWeighted,
    /// `intensity_mean`.
    IntensityMean,
    /// `intensity_min`.
    IntensityMin,
    /// `intensity_max`.
    IntensityMax,
    /// `moments-p-q...`: raw moments up to order 3 along each axis, about the bounding box's
    /// first corner.
    Moments,
    /// `moments_central-p-q...`: moments about the centroid.
    MomentsCentral,
    /// `moments_normalized-p-q...`: central moments scaled to the size (NaN below order 2).
    MomentsNormalized,
    /// `moments_hu-k`: Hu's seven invariants (2-D).
    MomentsHu,
    /// `inertia_tensor-i-j`.
    InertiaTensor,
    /// `inertia_tensor_eigvals-k`: largest first.
    InertiaTensorEigvals,
    /// `axis_major_length` (2-D and 3-D).
    AxisMajorLength,
    /// `axis_minor_length` (2-D and 3-D).
    AxisMinorLength,
    /// `orientation`: the angle between axis 0 and the major axis (2-D).
    Orientation,
    /// `eccentricity` of the ellipse with the same second moments (2-D).
    Eccentricity,
    /// `equivalent_diameter_area`: the diameter of the ball of the same size.
    EquivalentDiameterArea,
    /// `extent`: the area over the bounding box's.
    Extent,
}

impl Property {
    /// scikit-image's name of the property (the prefix of its columns).
    pub fn name(self) -> &'static str {
        use Property::*;
        match self {
            Area => "area",
            AreaBbox => "area_bbox",
            Bbox => "bbox",
            Centroid => "centroid",
            CentroidWeighted => "centroid_weighted",
            IntensityMean => "intensity_mean",
            IntensityMin => "intensity_min",
            IntensityMax => "intensity_max",
            Moments => "moments",
            MomentsCentral => "moments_central",
            MomentsNormalized => "moments_normalized",
            MomentsHu => "moments_hu",
            InertiaTensor => "inertia_tensor",
            InertiaTensorEigvals => "inertia_tensor_eigvals",
            AxisMajorLength => "axis_major_length",
            AxisMinorLength => "axis_minor_length",
            Orientation => "orientation",
            Eccentricity => "eccentricity",
            EquivalentDiameterArea => "equivalent_diameter_area",
            Extent => "extent",
        }
    }

    fn needs_moments(self) -> bool {
        use Property::*;
        matches!(
            self,
            Moments
                | MomentsCentral
                | MomentsNormalized
                | MomentsHu
                | InertiaTensor
                | InertiaTensorEigvals
                | AxisMajorLength
                | AxisMinorLength
                | Orientation
                | Eccentricity
        )
    }

    fn needs_intensity(self) -> bool {
        use Property::*;
        matches!(
            self,
            CentroidWeighted | IntensityMean | IntensityMin | IntensityMax
        )
    }

    /// The numbers of axes the property is defined for (scikit-image raises otherwise).
    fn defined_for(self, ndim: usize) -> bool {
        use Property::*;
        match self {
            MomentsHu | Orientation | Eccentricity => ndim == 2,
            AxisMajorLength | AxisMinorLength => ndim == 2 || ndim == 3,
            _ => ndim >= 1,
        }
    }
}

/// A table of properties per label: `labels` in increasing order (label 0, the background, is
/// not a region), and one column per number, named as scikit-image's `regionprops_table` names
/// them (`"area"`, `"centroid-0"`, `"moments_central-2-0"`, ...), each with one value per label.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure::{self, Property}};
/// let l = Array::from_ndarray(ndarray::array![[1u32, 1, 0], [0, 2, 2]], [1, 2])?;
/// let t = ndmeasure::regionprops_table(&l, None::<&Array<f64>>, &[Property::Area])?.compute_scalar()?;
/// assert_eq!(t.labels, vec![1, 2]);
/// assert_eq!(t.column("area"), Some(&[2.0, 2.0][..]));
/// # Ok::<(), chunkwise::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RegionTable {
    /// The labels, one per row.
    pub labels: Vec<u32>,
    /// The columns, in the order the properties were asked for.
    pub columns: Vec<(String, Vec<f64>)>,
}

impl RegionTable {
    /// The column named `name`, if the table has it.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, ndmeasure::{self, Property}};
    /// let l = Array::from_ndarray(ndarray::array![0u32, 3, 3, 3], [2])?;
    /// let t = ndmeasure::regionprops_table(&l, None::<&Array<f64>>, &[Property::Centroid])?.compute_scalar()?;
    /// assert_eq!(t.column("centroid-0"), Some(&[2.0][..]));
    /// assert!(t.column("area").is_none());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn column(&self, name: &str) -> Option<&[f64]> {
        self.columns
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }
}

crate::dtype::encode_fields!(RegionTable { labels, columns });

/// The properties of each labelled region (label not 0), as scikit-image's
/// `regionprops_table(labels, intensity, properties)`: a lazy 0-d array holding the
/// [`RegionTable`]. Computed by one scan of each block into per-label partials merged in a tree
/// (see the module's notes), so the table does not depend on the chunking; counts, boxes,
/// centroids and raw moments are exact, the rest equal scikit-image's to rounding.
///
/// # Errors
///
/// [`Error::IncompatibleShapes`] for an intensity of another shape than the labels, and
/// [`Error::InvalidParameter`] for an intensity property without an intensity, a property not
/// defined for the labels' number of axes (Hu moments, orientation and eccentricity are 2-D;
/// axis lengths 2-D and 3-D), or 0-d labels.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, ndmeasure::{self, Property}};
/// let labels = Array::from_ndarray(ndarray::array![
///     [1u32, 1, 1, 0],
///     [0, 0, 0, 0],
///     [2, 0, 0, 0],
///     [2, 0, 0, 0],
/// ], [2, 2])?;
/// let light = labels.map(|l| f64::from(l) * 10.0);
/// let t = ndmeasure::regionprops_table(
///     &labels,
///     Some(&light),
///     &[Property::Area, Property::Bbox, Property::IntensityMean, Property::Orientation],
/// )?
/// .compute_scalar()?;
/// assert_eq!(t.labels, vec![1, 2]);
/// assert_eq!(t.column("area"), Some(&[3.0, 2.0][..]));
/// assert_eq!(t.column("bbox-2"), Some(&[1.0, 4.0][..]));
/// assert_eq!(t.column("intensity_mean"), Some(&[10.0, 20.0][..]));
/// // A row lies across axis 0, a column along it.
/// let o = t.column("orientation").unwrap();
/// assert!((o[0].abs() - std::f64::consts::FRAC_PI_2).abs() < 1e-12 && o[1] == 0.0);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn regionprops_table<T>(
    labels: &Array<u32>,
    intensity: Option<&Array<T>>,
    properties: &[Property],
) -> Result<Array<RegionTable>>
where
    T: super::Measurable,
{
    super::register_wire();
    let op = "regionprops_table";
    let ndim = labels.ndim();
    let invalid =
        |name: &'static str, value: String, expected: &'static str| Error::InvalidParameter {
            op,
            name,
            value,
            expected,
        };
    if ndim == 0 {
        return Err(invalid(
            "labels",
            "a 0-d array".into(),
            "labels with at least one axis",
        ));
    }
    for &p in properties {
        if !p.defined_for(ndim) {
            return Err(invalid(
                "properties",
                format!("{} of {ndim}-d labels", p.name()),
                "Hu moments, orientation and eccentricity of 2-d labels, axis lengths of 2-d or 3-d ones",
            ));
        }
        if p.needs_intensity() && intensity.is_none() {
            return Err(invalid(
                "properties",
                p.name().into(),
                "an intensity image for the intensity properties",
            ));
        }
    }
    let need = Need {
        moments: properties.iter().any(|p| p.needs_moments()),
        weighted: properties.contains(&Property::CentroidWeighted),
    };
    let cells = match intensity {
        Some(x) => {
            if x.shape() != labels.shape() {
                return Err(Error::IncompatibleShapes {
                    op,
                    left: labels.shape().to_vec(),
                    right: x.shape().to_vec(),
                });
            }
            labels.zip_with(x, |l, v| (l, v.to_f64().unwrap_or(f64::NAN)))?
        }
        None => labels.map(|l| (l, 0.0)),
    };
    let all: Vec<usize> = (0..ndim).collect();
    let properties = properties.to_vec();
    cells.reduction(
        &all,
        false,
        4,
        move |b, _, start| {
            let ones = vec![1; b.ndim()];
            ArrayD::from_elem(IxDyn(&ones), scan(b, start, need))
        },
        |a: &Vec<Region>, b: &Vec<Region>| merge_all(a, b),
        move |regions| Ok(table(regions, ndim, &properties)),
    )
}

/// What the partials must hold beyond counts, boxes, sums and extremes.
#[derive(Clone, Copy)]
struct Need {
    moments: bool,
    weighted: bool,
}

/// One label's partial over the cells seen so far.
#[derive(Clone, Debug, Default)]
pub(super) struct Region {
    label: u32,
    count: u64,
    /// The bounding box, first and last cell (inclusive), in the whole array's coordinates.
    lo: Vec<i64>,
    hi: Vec<i64>,
    /// The sum of each coordinate.
    sums: Vec<i128>,
    isum: f64,
    imin: f64,
    imax: f64,
    /// The sum of intensity times each coordinate, when asked for.
    weighted: Vec<f64>,
    /// Raw moments about `origin`, `4^ndim` of them (the power along axis k is digit k, in
    /// base 4, most significant first), when asked for.
    origin: Vec<i64>,
    moments: Vec<i128>,
}

impl Encode for Region {
    fn encode(&self, out: &mut Vec<u8>) {
        self.label.encode(out);
        self.count.encode(out);
        self.lo.encode(out);
        self.hi.encode(out);
        let halves = |v: &[i128]| {
            v.iter()
                .map(|&x| (x as u64, (x >> 64) as u64))
                .collect::<Vec<_>>()
        };
        halves(&self.sums).encode(out);
        self.isum.encode(out);
        self.imin.encode(out);
        self.imax.encode(out);
        self.weighted.encode(out);
        self.origin.encode(out);
        halves(&self.moments).encode(out);
    }

    fn decode(bytes: &mut &[u8]) -> Self {
        let whole = |v: Vec<(u64, u64)>| {
            v.into_iter()
                .map(|(lo, hi)| (i128::from(hi as i64) << 64) | i128::from(lo))
                .collect::<Vec<i128>>()
        };
        Region {
            label: Encode::decode(bytes),
            count: Encode::decode(bytes),
            lo: Encode::decode(bytes),
            hi: Encode::decode(bytes),
            sums: whole(Encode::decode(bytes)),
            isum: Encode::decode(bytes),
            imin: Encode::decode(bytes),
            imax: Encode::decode(bytes),
            weighted: Encode::decode(bytes),
            origin: Encode::decode(bytes),
            moments: whole(Encode::decode(bytes)),
        }
    }
}

/// The partials of one block (whose first cell is at `start`), sorted by label: each row of
/// the last axis is read run by run (a run: cells of one label side by side).
fn scan(block: ArrayViewD<'_, (u32, f64)>, start: &[usize], need: Need) -> Vec<Region> {
    let ndim = block.ndim();
    let block = block.as_standard_layout();
    let data = block.as_slice().expect("standard layout");
    let shape = block.shape();
    let last = shape[ndim - 1];
    let mut regions: Vec<Region> = Vec::new();
    let mut slot: HashMap<u32, usize> = HashMap::new();
    if last == 0 || data.is_empty() {
        return regions;
    }
    let origin: Vec<i64> = start.iter().map(|&s| s as i64).collect();
    let mut at = vec![0i64; ndim];
    // Powers 0..=3 of the block-relative coordinate along each axis, for the moments.
    let mut powers = vec![[0i128; 4]; ndim];
    for (r, row) in data.chunks_exact(last).enumerate() {
        let mut rest = r;
        for d in (0..ndim - 1).rev() {
            at[d] = origin[d] + (rest % shape[d]) as i64;
            rest /= shape[d];
        }
        let mut j = 0;
        while j < last {
            let l = row[j].0;
            let mut k = j + 1;
            while k < last && row[k].0 == l {
                k += 1;
            }
            if l != 0 {
                let s = *slot.entry(l).or_insert_with(|| {
                    regions.push(Region::new(l, ndim, &origin, need));
                    regions.len() - 1
                });
                let reg = &mut regions[s];
                let (x0, x1) = (origin[ndim - 1] + j as i64, origin[ndim - 1] + k as i64 - 1);
                let n = (k - j) as i64;
                at[ndim - 1] = x0;
                reg.count += n as u64;
                for (d, &c) in at[..ndim - 1].iter().enumerate() {
                    reg.lo[d] = reg.lo[d].min(c);
                    reg.hi[d] = reg.hi[d].max(c);
                    reg.sums[d] += i128::from(c) * i128::from(n);
                }
                reg.lo[ndim - 1] = reg.lo[ndim - 1].min(x0);
                reg.hi[ndim - 1] = reg.hi[ndim - 1].max(x1);
                reg.sums[ndim - 1] += i128::from(x0 + x1) * i128::from(n) / 2;
                let mut run_sum = 0.0;
                for (x, &(_, v)) in (x0..).zip(&row[j..k]) {
                    run_sum += v;
                    reg.imin = reg.imin.min(v);
                    reg.imax = reg.imax.max(v);
                    if need.weighted {
                        reg.weighted[ndim - 1] += v * x as f64;
                    }
                }
                reg.isum += run_sum;
                if need.weighted {
                    for (w, &c) in reg.weighted.iter_mut().zip(&at[..ndim - 1]) {
                        *w += run_sum * c as f64;
                    }
                }
                if need.moments {
                    for d in 0..ndim - 1 {
                        let x = i128::from(at[d] - origin[d]);
                        powers[d] = [1, x, x * x, x * x * x];
                    }
                    for x in x0..=x1 {
                        let x = i128::from(x - origin[ndim - 1]);
                        powers[ndim - 1] = [1, x, x * x, x * x * x];
                        for (e, m) in reg.moments.iter_mut().enumerate() {
                            let mut term = 1i128;
                            let mut rest = e;
                            for d in (0..ndim).rev() {
                                term *= powers[d][rest % 4];
                                rest /= 4;
                            }
                            *m += term;
                        }
                    }
                }
            }
            j = k;
        }
    }
    regions.sort_by_key(|r| r.label);
    regions
}

impl Region {
    fn new(label: u32, ndim: usize, origin: &[i64], need: Need) -> Region {
        Region {
            label,
            count: 0,
            lo: vec![i64::MAX; ndim],
            hi: vec![i64::MIN; ndim],
            sums: vec![0; ndim],
            isum: 0.0,
            imin: f64::INFINITY,
            imax: f64::NEG_INFINITY,
            weighted: if need.weighted {
                vec![0.0; ndim]
            } else {
                Vec::new()
            },
            origin: origin.to_vec(),
            moments: if need.moments {
                vec![0; 1 << (2 * ndim)]
            } else {
                Vec::new()
            },
        }
    }

    /// `self` and `b` (of the same label) as one partial.
    fn merged(&self, b: &Region) -> Region {
        let mut m = self.clone();
        m.count += b.count;
        for d in 0..m.lo.len() {
            m.lo[d] = m.lo[d].min(b.lo[d]);
            m.hi[d] = m.hi[d].max(b.hi[d]);
            m.sums[d] += b.sums[d];
        }
        m.isum += b.isum;
        m.imin = m.imin.min(b.imin);
        m.imax = m.imax.max(b.imax);
        for (w, v) in m.weighted.iter_mut().zip(&b.weighted) {
            *w += v;
        }
        if !m.moments.is_empty() {
            let origin: Vec<i64> = self
                .origin
                .iter()
                .zip(&b.origin)
                .map(|(a, c)| *a.min(c))
                .collect();
            let here = shift(&self.moments, &self.origin, &origin);
            let there = shift(&b.moments, &b.origin, &origin);
            m.moments = here.iter().zip(&there).map(|(a, c)| a + c).collect();
            m.origin = origin;
        }
        m
    }
}

/// Two label-sorted lists of partials as one.
fn merge_all(a: &[Region], b: &[Region]) -> Vec<Region> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].label.cmp(&b[j].label) {
            std::cmp::Ordering::Less => {
                out.push(a[i].clone());
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j].clone());
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push(a[i].merged(&b[j]));
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

const BINOMIAL: [[i128; 4]; 4] = [[1, 0, 0, 0], [1, 1, 0, 0], [1, 2, 1, 0], [1, 3, 3, 1]];

/// Integer raw moments about `from` moved to `to`, exactly: along each axis,
/// `Σ (x - d)^p = Σ_j C(p, j) (-d)^(p - j) Σ x^j` with `d = to - from`.
fn shift(m: &[i128], from: &[i64], to: &[i64]) -> Vec<i128> {
    let ndim = from.len();
    let mut m = m.to_vec();
    for axis in 0..ndim {
        let d = i128::from(to[axis] - from[axis]);
        if d == 0 {
            continue;
        }
        let neg = [1, -d, d * d, -d * d * d];
        let step = 1usize << (2 * (ndim - 1 - axis));
        let old = m.clone();
        for (e, v) in m.iter_mut().enumerate() {
            let p = (e / step) % 4;
            let base = e - p * step;
            *v = (0..=p)
                .map(|j| BINOMIAL[p][j] * neg[p - j] * old[base + j * step])
                .sum();
        }
    }
    m
}

/// The same in floating point, to a non-integer point (the centroid): central moments.
fn shift_f(m: &[f64], by: &[f64]) -> Vec<f64> {
    let ndim = by.len();
    let mut m = m.to_vec();
    for (axis, &d) in by.iter().enumerate() {
        let neg = [1.0, -d, d * d, -d * d * d];
        let step = 1usize << (2 * (ndim - 1 - axis));
        let old = m.clone();
        for (e, v) in m.iter_mut().enumerate() {
            let p = (e / step) % 4;
            let base = e - p * step;
            *v = (0..=p)
                .map(|j| BINOMIAL[p][j] as f64 * neg[p - j] * old[base + j * step])
                .sum();
        }
    }
    m
}

/// The flat index of the moment with power `p[k]` along axis k.
fn at(p: &[usize]) -> usize {
    p.iter().fold(0, |e, &v| e * 4 + v)
}

/// The moment suffixes of the column names, `-p-q...`, in flat-index order.
fn suffixes(ndim: usize) -> Vec<String> {
    (0..1usize << (2 * ndim))
        .map(|e| {
            (0..ndim)
                .map(|d| format!("-{}", (e >> (2 * (ndim - 1 - d))) % 4))
                .collect()
        })
        .collect()
}

/// The eigenvalues of a small symmetric matrix (row-major), by cyclic Jacobi rotations,
/// largest first and clipped at 0 (as scikit-image's `inertia_tensor_eigvals`).
fn eigenvalues(a: &[f64], n: usize) -> Vec<f64> {
    let mut a = a.to_vec();
    for _ in 0..64 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i * n + j] * a[i * n + j])
            .sum();
        if off
            <= f64::EPSILON
                * f64::EPSILON
                * (a.iter().map(|v| v * v).sum::<f64>() + f64::MIN_POSITIVE)
        {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq == 0.0 {
                    continue;
                }
                let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (akp, akq) = (a[k * n + p], a[k * n + q]);
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (a[p * n + k], a[q * n + k]);
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
            }
        }
    }
    let mut ev: Vec<f64> = (0..n).map(|i| a[i * n + i].max(0.0)).collect();
    ev.sort_by(|x, y| y.total_cmp(x));
    ev
}

/// Hu's seven invariants of normalised moments `nu` (2-D, flat-indexed).
fn hu(nu: &[f64]) -> [f64; 7] {
    let n = |p: usize, q: usize| nu[at(&[p, q])];
    let (n20, n02, n11) = (n(2, 0), n(0, 2), n(1, 1));
    let (n30, n03, n21, n12) = (n(3, 0), n(0, 3), n(2, 1), n(1, 2));
    let (a, b) = (n30 + n12, n21 + n03);
    let (c, d) = (n30 - 3.0 * n12, 3.0 * n21 - n03);
    [
        n20 + n02,
        (n20 - n02).powi(2) + 4.0 * n11 * n11,
        c * c + d * d,
        a * a + b * b,
        c * a * (a * a - 3.0 * b * b) + d * b * (3.0 * a * a - b * b),
        (n20 - n02) * (a * a - b * b) + 4.0 * n11 * a * b,
        d * a * (a * a - 3.0 * b * b) - c * b * (3.0 * a * a - b * b),
    ]
}

/// What the table needs of one region's second moments.
struct Second {
    /// The inertia tensor, row-major.
    tensor: Vec<f64>,
    /// Its eigenvalues, largest first.
    eigen: Vec<f64>,
}

/// The rows of the table.
fn table(regions: &[Region], ndim: usize, properties: &[Property]) -> RegionTable {
    use Property::*;
    let mut columns: Vec<(String, Vec<f64>)> = Vec::new();
    let mut column = |name: String, values: Vec<f64>| columns.push((name, values));
    let local: Vec<Vec<f64>> = regions
        .iter()
        .map(|r| {
            if r.moments.is_empty() {
                return Vec::new();
            }
            shift(&r.moments, &r.origin, &r.lo)
                .iter()
                .map(|&v| v as f64)
                .collect()
        })
        .collect();
    let central: Vec<Vec<f64>> = local
        .iter()
        .map(|m| {
            if m.is_empty() {
                return Vec::new();
            }
            let m0 = m[0];
            let c: Vec<f64> = (0..ndim)
                .map(|d| {
                    let mut p = vec![0; ndim];
                    p[d] = 1;
                    m[at(&p)] / m0
                })
                .collect();
            shift_f(m, &c)
        })
        .collect();
    let normalized: Vec<Vec<f64>> = central
        .iter()
        .map(|mu| {
            let mu0 = mu.first().copied().unwrap_or(0.0);
            (0..mu.len())
                .map(|e| {
                    let order: usize = (0..ndim).map(|d| (e >> (2 * (ndim - 1 - d))) % 4).sum();
                    if order < 2 {
                        f64::NAN
                    } else {
                        mu[e] / mu0.powf(order as f64 / ndim as f64 + 1.0)
                    }
                })
                .collect()
        })
        .collect();
    let second: Vec<Second> = central
        .iter()
        .map(|mu| {
            if mu.is_empty() {
                return Second {
                    tensor: Vec::new(),
                    eigen: Vec::new(),
                };
            }
            let mu0 = mu[0];
            let two = |d: usize| {
                let mut p = vec![0; ndim];
                p[d] = 2;
                mu[at(&p)]
            };
            let total: f64 = (0..ndim).map(two).sum();
            let mut tensor = vec![0.0; ndim * ndim];
            for i in 0..ndim {
                tensor[i * ndim + i] = (total - two(i)) / mu0;
                for j in i + 1..ndim {
                    let mut p = vec![0; ndim];
                    p[i] = 1;
                    p[j] = 1;
                    let v = -mu[at(&p)] / mu0;
                    tensor[i * ndim + j] = v;
                    tensor[j * ndim + i] = v;
                }
            }
            let eigen = eigenvalues(&tensor, ndim);
            Second { tensor, eigen }
        })
        .collect();
    let per = |f: &dyn Fn(usize) -> f64| (0..regions.len()).map(f).collect::<Vec<f64>>();
    let suffix = suffixes(ndim);
    for &p in properties {
        let name = p.name();
        match p {
            Area => column(name.into(), per(&|i| regions[i].count as f64)),
            AreaBbox => column(name.into(), per(&|i| bbox_area(&regions[i]))),
            Bbox => {
                for d in 0..ndim {
                    column(format!("bbox-{d}"), per(&|i| regions[i].lo[d] as f64));
                }
                for d in 0..ndim {
                    column(
                        format!("bbox-{}", ndim + d),
                        per(&|i| (regions[i].hi[d] + 1) as f64),
                    );
                }
            }
            Centroid => {
                for d in 0..ndim {
                    column(
                        format!("centroid-{d}"),
                        per(&|i| regions[i].sums[d] as f64 / regions[i].count as f64),
                    );
                }
            }
            CentroidWeighted => {
                for d in 0..ndim {
                    column(
                        format!("centroid_weighted-{d}"),
                        per(&|i| regions[i].weighted[d] / regions[i].isum),
                    );
                }
            }
            IntensityMean => column(
                name.into(),
                per(&|i| regions[i].isum / regions[i].count as f64),
            ),
            IntensityMin => column(name.into(), per(&|i| regions[i].imin)),
            IntensityMax => column(name.into(), per(&|i| regions[i].imax)),
            Moments | MomentsCentral | MomentsNormalized => {
                let of = match p {
                    Moments => &local,
                    MomentsCentral => &central,
                    _ => &normalized,
                };
                for (e, s) in suffix.iter().enumerate() {
                    column(format!("{name}{s}"), per(&|i| of[i][e]));
                }
            }
            MomentsHu => {
                let h: Vec<[f64; 7]> = normalized.iter().map(|nu| hu(nu)).collect();
                for k in 0..7 {
                    let values = h.iter().map(|row| row[k]).collect();
                    column(format!("{name}-{k}"), values);
                }
            }
            InertiaTensor => {
                for a in 0..ndim {
                    for b in 0..ndim {
                        column(
                            format!("{name}-{a}-{b}"),
                            per(&|i| second[i].tensor[a * ndim + b]),
                        );
                    }
                }
            }
            InertiaTensorEigvals => {
                for k in 0..ndim {
                    column(format!("{name}-{k}"), per(&|i| second[i].eigen[k]));
                }
            }
            AxisMajorLength | AxisMinorLength => {
                let major = p == AxisMajorLength;
                column(
                    name.into(),
                    per(&|i| {
                        let ev = &second[i].eigen;
                        if ndim == 2 {
                            4.0 * if major { ev[0] } else { ev[1] }.sqrt()
                        } else if major {
                            (10.0 * (ev[0] + ev[1] - ev[2])).max(0.0).sqrt()
                        } else {
                            (10.0 * (-ev[0] + ev[1] + ev[2])).max(0.0).sqrt()
                        }
                    }),
                );
            }
            Orientation => column(
                name.into(),
                per(&|i| {
                    let t = &second[i].tensor;
                    let (a, b, c) = (t[0], t[1], t[3]);
                    if a - c == 0.0 {
                        if b < 0.0 {
                            std::f64::consts::FRAC_PI_4
                        } else {
                            -std::f64::consts::FRAC_PI_4
                        }
                    } else {
                        0.5 * (-2.0 * b).atan2(c - a)
                    }
                }),
            ),
            Eccentricity => column(
                name.into(),
                per(&|i| {
                    let ev = &second[i].eigen;
                    if ev[0] == 0.0 {
                        0.0
                    } else {
                        (1.0 - ev[1] / ev[0]).sqrt()
                    }
                }),
            ),
            EquivalentDiameterArea => column(
                name.into(),
                per(&|i| {
                    (2.0 * ndim as f64 * regions[i].count as f64 / std::f64::consts::PI)
                        .powf(1.0 / ndim as f64)
                }),
            ),
            Extent => column(
                name.into(),
                per(&|i| regions[i].count as f64 / bbox_area(&regions[i])),
            ),
        }
    }
    RegionTable {
        labels: regions.iter().map(|r| r.label).collect(),
        columns,
    }
}

fn bbox_area(r: &Region) -> f64 {
    r.lo.iter()
        .zip(&r.hi)
        .map(|(l, h)| (h - l + 1) as f64)
        .product()
}
