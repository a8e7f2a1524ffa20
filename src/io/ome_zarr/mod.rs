//! OME-Zarr multiscale images (OME-NGFF 0.5, on Zarr v3): the pyramids napari and the web
//! viewers open.
//!
//! [`write_multiscale`] writes levels 0 and 1 in one graph (each block of the image is made
//! once, written, and reduced), then makes each further level from the level before *as
//! written* (read back lazily from its store), so each level's graph is one coarsening of one
//! store: the graph stays small and memory flat however many levels there are. The
//! `multiscales` metadata (axes with their kinds and units, a scale and a translation per level)
//! is written last. In a directory, the whole pyramid is written beside its path and swapped
//! in once complete (keeping an image's `labels` group), so a write that fails half way leaves
//! the old pyramid as it was; in S3 the metadata is written last, in one PUT, so a reader sees
//! no new pyramid or a whole one.
//!
//! [`open`] reads the metadata (0.5, or 0.4 on Zarr v2) and gives each level as a lazy array;
//! `open_url` does the same over HTTP (feature `http`) or in S3 (feature `s3`), and
//! `write_multiscale_url` writes into S3.
//!
//! ```
//! use chunkwise::{Array, Coarsen};
//! use chunkwise::io::ome_zarr::{self, Downsample, MultiscaleOptions};
//! let dir = std::env::temp_dir().join(format!("chunkwise-doc-ome-{}", std::process::id()));
//! let image = Array::<u16>::from_fn(&[64, 96], [32, 32], |i| (i[0] * 3 + i[1]) as u16)?;
//! let options = MultiscaleOptions::new(&["y", "x"])
//!     .unit("micrometer")
//!     .scale(&[0.5, 0.5])
//!     .levels(3)
//!     .downsample(Downsample::Coarsen(Coarsen::Mean));
//! ome_zarr::write_multiscale(&image, &dir, &options)?;
//! let pyramid = ome_zarr::open::<u16>(&dir)?;
//! assert_eq!(pyramid.levels().len(), 3);
//! assert_eq!(pyramid.levels()[2].array.shape(), &[16, 24]);
//! assert_eq!(pyramid.levels()[2].scale, vec![2.0, 2.0]);
//! # std::fs::remove_dir_all(&dir).unwrap();
//! # Ok::<(), chunkwise::Error>(())
//! ```

use std::path::Path;

use serde_json::{Value, json};

mod labels;

pub use labels::{
    LabelColor, LabelImage, LabelOptions, label_names, open_labels, write_labels, write_labels_with,
};

use super::io_error;
use super::zarr::fs::write_atomic;
use super::zarr::{Compression, ZarrElement, ZarrOptions};
use crate::array::{Array, Coarsen, Coarsenable};
use crate::chunks::{Boundary, ChunkSpec, IntoChunks};
use crate::error::{Error, Result};
use crate::scheduler::Scheduler;

/// The kind of an axis, as OME-NGFF names it (`"space"`, `"time"`, `"channel"`).
///
/// # Examples
///
/// ```
/// use chunkwise::io::ome_zarr::{AxisKind, MultiscaleOptions};
/// assert_eq!(MultiscaleOptions::new(&["c", "y", "x"]).axes()[0].kind, AxisKind::Channel);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AxisKind {
    /// A spatial axis (2 or 3 of them, last).
    Space,
    /// Time (first, if any).
    Time,
    /// Channels (after time, before space).
    Channel,
}

impl AxisKind {
    fn name(self) -> &'static str {
        match self {
            AxisKind::Space => "space",
            AxisKind::Time => "time",
            AxisKind::Channel => "channel",
        }
    }
}

/// One axis of a multiscale image.
///
/// # Examples
///
/// ```
/// use chunkwise::io::ome_zarr::{AxisKind, ImageAxis, MultiscaleOptions};
/// let options = MultiscaleOptions::new(&["y", "x"]).unit("micrometer");
/// assert_eq!(&options.axes()[0], &ImageAxis { name: "y".into(), kind: AxisKind::Space, unit: Some("micrometer".into()) });
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ImageAxis {
    /// Its name (`"z"`, `"y"`, `"x"`, `"c"`, `"t"`).
    pub name: String,
    /// Its kind.
    pub kind: AxisKind,
    /// Its unit (`"micrometer"`, `"second"`), if any.
    pub unit: Option<String>,
}

/// How each level is made from the level before.
///
/// # Examples
///
/// ```
/// use chunkwise::Coarsen;
/// use chunkwise::io::ome_zarr::{Downsample, MultiscaleOptions};
/// // Labels must not be averaged: keep each window's most frequent label.
/// let options = MultiscaleOptions::new(&["y", "x"]).downsample(Downsample::Coarsen(Coarsen::Mode));
/// # let _ = options;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Downsample {
    /// Each window of the factors reduced to one cell ([`Array::coarsen_trim`]):
    /// [`Coarsen::Mean`] for images, [`Coarsen::Mode`] for label images.
    Coarsen(Coarsen),
    /// A Gaussian of sigma `2 * factor / 6` on each downsampled axis (scikit-image's
    /// `pyramid_reduce`), then every `factor`-th cell.
    Gaussian,
}

/// What [`write_multiscale`] writes: the axes, the level-0 pixel size, the number of levels,
/// how each is made, and each level's chunks and compression.
///
/// # Examples
///
/// ```
/// use chunkwise::io::ome_zarr::{AxisKind, MultiscaleOptions};
/// let options = MultiscaleOptions::new(&["c", "z", "y", "x"]).unit("micrometer").levels(4);
/// assert_eq!(options.axes()[0].kind, AxisKind::Channel);
/// assert_eq!(options.axes()[3].unit.as_deref(), Some("micrometer"));
/// ```
#[derive(Clone, Debug)]
pub struct MultiscaleOptions {
    axes: Vec<ImageAxis>,
    scale: Option<Vec<f64>>,
    translation: Option<Vec<f64>>,
    levels: usize,
    factors: Option<Vec<usize>>,
    downsample: Downsample,
    chunks: Option<ChunkSpec>,
    compression: Compression,
    shards: Option<Vec<usize>>,
    name: Option<String>,
    /// Whether `downsample` was chosen (the default averages, which labels must not).
    downsample_set: bool,
    /// The `image-label` metadata of a label image ([`write_labels`]).
    image_label: Option<Value>,
}

impl MultiscaleOptions {
    /// Options for an image with these axis names, in the array's order: `"t"` is time, `"c"`
    /// channels, any other name space. By default: 1 unit per pixel, no units, 4 levels, each
    /// half the size of the one before on every space axis by [`Coarsen::Mean`], 64 cells per
    /// chunk along every axis (clamped to the level's shape), zstd level 3.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::io::ome_zarr::{AxisKind, MultiscaleOptions};
    /// let o = MultiscaleOptions::new(&["t", "c", "y", "x"]);
    /// let kinds: Vec<AxisKind> = o.axes().iter().map(|a| a.kind).collect();
    /// assert_eq!(kinds, [AxisKind::Time, AxisKind::Channel, AxisKind::Space, AxisKind::Space]);
    /// ```
    pub fn new(axes: &[&str]) -> MultiscaleOptions {
        let axes = axes
            .iter()
            .map(|&name| ImageAxis {
                name: name.to_string(),
                kind: match name {
                    "t" => AxisKind::Time,
                    "c" => AxisKind::Channel,
                    _ => AxisKind::Space,
                },
                unit: None,
            })
            .collect();
        MultiscaleOptions {
            axes,
            scale: None,
            translation: None,
            levels: 4,
            factors: None,
            downsample: Downsample::Coarsen(Coarsen::Mean),
            chunks: None,
            compression: Compression::Zstd { level: 3 },
            shards: None,
            name: None,
            downsample_set: false,
            image_label: None,
        }
    }

    /// The axes.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::io::ome_zarr::MultiscaleOptions;
    /// assert_eq!(MultiscaleOptions::new(&["y", "x"]).axes()[1].name, "x");
    /// ```
    pub fn axes(&self) -> &[ImageAxis] {
        &self.axes
    }

    /// Sets the unit of every space axis.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::io::ome_zarr::MultiscaleOptions;
    /// let o = MultiscaleOptions::new(&["c", "y", "x"]).unit("nanometer");
    /// assert_eq!(o.axes()[0].unit, None); // channels have no unit
    /// assert_eq!(o.axes()[1].unit.as_deref(), Some("nanometer"));
    /// ```
    pub fn unit(mut self, unit: &str) -> Self {
        for a in self.axes.iter_mut().filter(|a| a.kind == AxisKind::Space) {
            a.unit = Some(unit.to_string());
        }
        self
    }

    /// Sets one axis's kind and unit.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::io::ome_zarr::{AxisKind, MultiscaleOptions};
    /// let o = MultiscaleOptions::new(&["time", "y", "x"]).axis(0, AxisKind::Time, Some("second"));
    /// assert_eq!(o.axes()[0].kind, AxisKind::Time);
    /// ```
    pub fn axis(mut self, index: usize, kind: AxisKind, unit: Option<&str>) -> Self {
        if let Some(a) = self.axes.get_mut(index) {
            a.kind = kind;
            a.unit = unit.map(str::to_string);
        }
        self
    }

    /// The size of a level-0 pixel along each axis, in its unit.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::io::ome_zarr::MultiscaleOptions;
    /// let o = MultiscaleOptions::new(&["z", "y", "x"]).scale(&[0.5, 0.25, 0.25]);
    /// assert_eq!(o.axes().len(), 3);
    /// ```
    pub fn scale(mut self, scale: &[f64]) -> Self {
        self.scale = Some(scale.to_vec());
        self
    }

    /// The position of level 0's first pixel along each axis.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::io::ome_zarr::MultiscaleOptions;
    /// let o = MultiscaleOptions::new(&["z", "y", "x"]).translation(&[0.0, 10.0, 10.0]);
    /// assert_eq!(o.axes().len(), 3);
    /// ```
    pub fn translation(mut self, translation: &[f64]) -> Self {
        self.translation = Some(translation.to_vec());
        self
    }

    /// The number of levels, level 0 (the image itself) included.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::io::ome_zarr::MultiscaleOptions;
    /// let o = MultiscaleOptions::new(&["z", "y", "x"]).levels(6);
    /// assert_eq!(o.axes().len(), 3);
    /// ```
    pub fn levels(mut self, levels: usize) -> Self {
        self.levels = levels;
        self
    }

    /// The factor by which each level shrinks along each axis (by default 2 on space axes,
    /// 1 on the others).
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::io::ome_zarr::MultiscaleOptions;
    /// let o = MultiscaleOptions::new(&["z", "y", "x"]).factors(&[1, 2, 2]);
    /// assert_eq!(o.axes().len(), 3);
    /// ```
    pub fn factors(mut self, factors: &[usize]) -> Self {
        self.factors = Some(factors.to_vec());
        self
    }

    /// How each level is made from the one before.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::io::ome_zarr::{Downsample, MultiscaleOptions};
    /// let o = MultiscaleOptions::new(&["z", "y", "x"]).downsample(Downsample::Gaussian);
    /// assert_eq!(o.axes().len(), 3);
    /// ```
    pub fn downsample(mut self, downsample: Downsample) -> Self {
        self.downsample = downsample;
        self.downsample_set = true;
        self
    }

    /// The chunks of every level's store, in any form [`IntoChunks`] takes (a block shape,
    /// one size for every axis), clamped to each level's shape.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::io::ome_zarr::MultiscaleOptions;
    /// let o = MultiscaleOptions::new(&["z", "y", "x"]).chunks([16, 128, 128]);
    /// assert_eq!(o.axes().len(), 3);
    /// ```
    pub fn chunks(mut self, chunks: impl IntoChunks) -> Self {
        self.chunks = Some(chunks.into());
        self
    }

    /// The compression of every level's chunks.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::io::ome_zarr::MultiscaleOptions;
    /// use chunkwise::io::zarr::Compression;
    /// let o = MultiscaleOptions::new(&["z", "y", "x"]).compression(Compression::None);
    /// assert_eq!(o.axes().len(), 3);
    /// ```
    pub fn compression(mut self, compression: Compression) -> Self {
        self.compression = compression;
        self
    }

    /// Groups every level's chunks into shards of this shape (see [`ZarrOptions::shards`]),
    /// clamped to each level's size; a multiple of the chunk shape on every axis.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// use chunkwise::io::ome_zarr::{self, MultiscaleOptions};
    /// let dir = std::env::temp_dir().join(format!("chunkwise-doc-ome-shards-{}", std::process::id()));
    /// let options = MultiscaleOptions::new(&["y", "x"]).levels(2).chunks(8).shards(&[32, 32]);
    /// ome_zarr::write_multiscale(&Array::<u8>::ones(&[64, 64], [64, 64])?, &dir, &options)?;
    /// let meta = std::fs::read_to_string(dir.join("0").join("zarr.json")).unwrap();
    /// assert!(meta.contains("sharding_indexed"));
    /// assert_eq!(ome_zarr::open::<u8>(&dir)?.levels()[1].array.chunks(), &[vec![32], vec![32]]);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn shards(mut self, shape: &[usize]) -> Self {
        self.shards = Some(shape.to_vec());
        self
    }

    /// The image's name in the metadata.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::io::ome_zarr::MultiscaleOptions;
    /// let o = MultiscaleOptions::new(&["z", "y", "x"]).name("nuclei");
    /// assert_eq!(o.axes().len(), 3);
    /// ```
    pub fn name(mut self, name: &str) -> Self {
        self.name = Some(name.to_string());
        self
    }

    fn invalid(value: String, expected: &'static str, name: &'static str) -> Error {
        Error::InvalidParameter {
            op: "write_multiscale",
            name,
            value,
            expected,
        }
    }

    /// Checks the options against an image of `ndim` axes; the factors, scale and translation
    /// with their defaults filled in.
    #[allow(clippy::type_complexity)]
    fn checked(&self, ndim: usize) -> Result<(Vec<usize>, Vec<f64>, Vec<f64>)> {
        let names: Vec<&str> = self.axes.iter().map(|a| a.name.as_str()).collect();
        if self.axes.len() != ndim || !(2..=5).contains(&ndim) {
            return Err(Self::invalid(
                format!("{names:?} for an image of {ndim} axes"),
                "2 to 5 axes, one name per axis of the image",
                "axes",
            ));
        }
        let rank = |k: AxisKind| match k {
            AxisKind::Time => 0,
            AxisKind::Channel => 1,
            AxisKind::Space => 2,
        };
        let spaces = self
            .axes
            .iter()
            .filter(|a| a.kind == AxisKind::Space)
            .count();
        let ordered = self
            .axes
            .windows(2)
            .all(|w| rank(w[0].kind) <= rank(w[1].kind));
        let distinct = (0..ndim).all(|i| !names[..i].contains(&names[i]));
        let one_each = self
            .axes
            .iter()
            .filter(|a| a.kind == AxisKind::Time)
            .count()
            <= 1
            && self
                .axes
                .iter()
                .filter(|a| a.kind == AxisKind::Channel)
                .count()
                <= 1;
        if !(2..=3).contains(&spaces) || !ordered || !distinct || !one_each {
            return Err(Self::invalid(
                format!("{names:?}"),
                "distinct names: at most one time axis, then at most one channel axis, then 2 or 3 space axes",
                "axes",
            ));
        }
        if self.levels == 0 {
            return Err(Self::invalid("0".into(), "at least one level", "levels"));
        }
        let factors = self.factors.clone().unwrap_or_else(|| {
            self.axes
                .iter()
                .map(|a| if a.kind == AxisKind::Space { 2 } else { 1 })
                .collect()
        });
        if factors.len() != ndim || factors.contains(&0) {
            return Err(Self::invalid(
                format!("{factors:?}"),
                "one factor of at least 1 per axis",
                "factors",
            ));
        }
        let scale = self.scale.clone().unwrap_or_else(|| vec![1.0; ndim]);
        if scale.len() != ndim || scale.iter().any(|&s| !(s.is_finite() && s > 0.0)) {
            return Err(Self::invalid(
                format!("{scale:?}"),
                "one finite, positive pixel size per axis",
                "scale",
            ));
        }
        let translation = self.translation.clone().unwrap_or_else(|| vec![0.0; ndim]);
        if translation.len() != ndim || translation.iter().any(|t| !t.is_finite()) {
            return Err(Self::invalid(
                format!("{translation:?}"),
                "one finite offset per axis",
                "translation",
            ));
        }
        Ok((factors, scale, translation))
    }
}

/// One level of a multiscale image.
///
/// # Examples
///
/// ```
/// use chunkwise::Array;
/// use chunkwise::io::ome_zarr::{self, MultiscaleOptions};
/// let dir = std::env::temp_dir().join(format!("chunkwise-doc-level-{}-{}", line!(), std::process::id()));
/// ome_zarr::write_multiscale(&Array::<f32>::ones(&[8, 8], [4, 4])?, &dir, &MultiscaleOptions::new(&["y", "x"]).levels(2))?;
/// let pyramid = ome_zarr::open::<f32>(&dir)?;
/// let level = &pyramid.levels()[1];
/// assert_eq!((level.path.as_str(), level.scale.clone(), level.translation.clone()), ("1", vec![2.0, 2.0], vec![0.5, 0.5]));
/// assert_eq!(level.array.compute()?, ndarray::ArrayD::from_elem(vec![4, 4], 1.0f32));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), chunkwise::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Level<T> {
    /// The level's path in the group (`"0"`, `"1"`, ...).
    pub path: String,
    /// The level, lazily read from its store.
    pub array: Array<T>,
    /// The size of its pixels along each axis.
    pub scale: Vec<f64>,
    /// The position of its first pixel along each axis.
    pub translation: Vec<f64>,
}

/// A multiscale image opened by [`open`]: its axes and its levels, finest first.
///
/// # Examples
///
/// ```
/// use chunkwise::Array;
/// use chunkwise::io::ome_zarr::{self, MultiscaleOptions};
/// let dir = std::env::temp_dir().join(format!("chunkwise-doc-multi-{}-{}", line!(), std::process::id()));
/// ome_zarr::write_multiscale(&Array::<f32>::ones(&[8, 8], [4, 4])?, &dir, &MultiscaleOptions::new(&["y", "x"]).levels(2))?;
/// let pyramid = ome_zarr::open::<f32>(&dir)?;
/// let level = &pyramid.levels()[1];
/// assert_eq!((level.path.as_str(), level.scale.clone(), level.translation.clone()), ("1", vec![2.0, 2.0], vec![0.5, 0.5]));
/// assert_eq!(level.array.compute()?, ndarray::ArrayD::from_elem(vec![4, 4], 1.0f32));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), chunkwise::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Multiscale<T> {
    name: Option<String>,
    axes: Vec<ImageAxis>,
    levels: Vec<Level<T>>,
}

impl<T> Multiscale<T> {
    /// The image's name, if the metadata gives one.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// use chunkwise::io::ome_zarr::{self, MultiscaleOptions};
    /// let dir = std::env::temp_dir().join(format!("chunkwise-doc-ms-{}-{}", line!(), std::process::id()));
    /// let x = Array::<u8>::ones(&[8, 8], [8, 8])?;
    /// ome_zarr::write_multiscale(&x, &dir, &MultiscaleOptions::new(&["y", "x"]).levels(2).name("cells"))?;
    /// let pyramid = ome_zarr::open::<u8>(&dir)?;
    /// assert_eq!(pyramid.name(), Some("cells"));
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The axes.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// use chunkwise::io::ome_zarr::{self, MultiscaleOptions};
    /// let dir = std::env::temp_dir().join(format!("chunkwise-doc-ms-{}-{}", line!(), std::process::id()));
    /// let x = Array::<u8>::ones(&[8, 8], [8, 8])?;
    /// ome_zarr::write_multiscale(&x, &dir, &MultiscaleOptions::new(&["y", "x"]).levels(2).name("cells"))?;
    /// let pyramid = ome_zarr::open::<u8>(&dir)?;
    /// assert_eq!(pyramid.axes()[1].name, "x");
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn axes(&self) -> &[ImageAxis] {
        &self.axes
    }

    /// The levels, finest (level 0) first.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// use chunkwise::io::ome_zarr::{self, MultiscaleOptions};
    /// let dir = std::env::temp_dir().join(format!("chunkwise-doc-ms-{}-{}", line!(), std::process::id()));
    /// let x = Array::<u8>::ones(&[8, 8], [8, 8])?;
    /// ome_zarr::write_multiscale(&x, &dir, &MultiscaleOptions::new(&["y", "x"]).levels(2).name("cells"))?;
    /// let pyramid = ome_zarr::open::<u8>(&dir)?;
    /// assert_eq!(pyramid.levels()[1].array.shape(), &[4, 4]);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn levels(&self) -> &[Level<T>] {
        &self.levels
    }
}

/// Writes `x` as an OME-Zarr multiscale image at `path` (a Zarr v3 group holding one array per
/// level, `"0"` the image itself), on the default scheduler. See the module notes.
///
/// Each level is made by [`MultiscaleOptions::downsample`] from the level before as written;
/// an axis that does not divide by its factor loses its last cells (as `coarsen_trim`). Level
/// `k`'s scale is level 0's times the product of the factors so far; its translation moves to
/// the centre of the first window for [`Downsample::Coarsen`] (and stays for
/// [`Downsample::Gaussian`], whose samples are level 0's pixels).
///
/// # Errors
///
/// [`Error::InvalidParameter`] for options that do not fit the image (see
/// [`MultiscaleOptions`]) or a level that would have an empty axis; the errors of
/// [`Array::to_zarr`] and of computing `x`.
///
/// # Examples
///
/// See the module notes.
pub fn write_multiscale<T>(
    x: &Array<T>,
    path: impl AsRef<Path>,
    options: &MultiscaleOptions,
) -> Result<()>
where
    T: ZarrElement + Coarsenable,
{
    write_multiscale_with(x, path, options, &Scheduler::global()?)
}

/// [`write_multiscale`] on `scheduler`.
///
/// # Errors
///
/// As [`write_multiscale`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Scheduler};
/// use chunkwise::io::ome_zarr::{self, MultiscaleOptions};
/// let dir = std::env::temp_dir().join(format!("chunkwise-doc-ome-with-{}", std::process::id()));
/// let image = Array::<f32>::ones(&[2, 40, 40], [1, 20, 20])?;
/// let options = MultiscaleOptions::new(&["c", "y", "x"]).levels(2).chunks([1, 16, 16]);
/// ome_zarr::write_multiscale_with(&image, &dir, &options, &Scheduler::threads(2))?;
/// assert_eq!(ome_zarr::open::<f32>(&dir)?.levels()[1].array.shape(), &[2, 20, 20]);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn write_multiscale_with<T>(
    x: &Array<T>,
    path: impl AsRef<Path>,
    options: &MultiscaleOptions,
    scheduler: &Scheduler,
) -> Result<()>
where
    T: ZarrElement + Coarsenable,
{
    // The whole pyramid is written beside `path` and takes its place once every level and the
    // group's metadata are written; an image's `labels` group is kept.
    let name = path
        .as_ref()
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("");
    refuse_averaged_labels::<T>(name, options)?;
    let staging = super::zarr::stage(path.as_ref(), scheduler)?;
    write_pyramid(x, &Place::Dir(&staging.dir()), options, scheduler)?;
    super::zarr::commit_staged(&[staging], &["labels"], scheduler)
}

/// [`write_multiscale`] into S3 (feature `s3`): the pyramid at `s3://bucket/path`, each level's
/// chunks uploaded by the tasks that make them, each further level read back from the bucket
/// as written, and the group's metadata uploaded last (one PUT: no pyramid or a whole one).
/// Credentials and endpoint as for [`Array::from_zarr_url`].
///
/// # Errors
///
/// As [`write_multiscale`] and [`Array::to_zarr_url`].
///
/// # Examples
///
/// ```no_run
/// use chunkwise::Array;
/// use chunkwise::io::ome_zarr::{self, MultiscaleOptions};
/// let image = Array::<u16>::zeros(&[4096, 4096], [1024, 1024])?;
/// let options = MultiscaleOptions::new(&["y", "x"]).levels(4);
/// ome_zarr::write_multiscale_url(&image, "s3://my-bucket/image.ome.zarr", &options)?;
/// # Ok::<(), chunkwise::Error>(())
/// ```
#[cfg(feature = "s3")]
pub fn write_multiscale_url<T>(x: &Array<T>, url: &str, options: &MultiscaleOptions) -> Result<()>
where
    T: ZarrElement + Coarsenable,
{
    write_multiscale_url_with(x, url, options, &Scheduler::global()?)
}

/// [`write_multiscale_url`] on `scheduler`.
///
/// # Errors
///
/// As [`write_multiscale_url`].
///
/// # Examples
///
/// ```no_run
/// use chunkwise::{Array, Scheduler};
/// use chunkwise::io::ome_zarr::{self, MultiscaleOptions};
/// let image = Array::<u8>::ones(&[2048, 2048], [512, 512])?;
/// let options = MultiscaleOptions::new(&["y", "x"]).levels(3);
/// let s = Scheduler::threads(8);
/// ome_zarr::write_multiscale_url_with(&image, "s3://my-bucket/ones.ome.zarr", &options, &s)?;
/// # Ok::<(), chunkwise::Error>(())
/// ```
#[cfg(feature = "s3")]
pub fn write_multiscale_url_with<T>(
    x: &Array<T>,
    url: &str,
    options: &MultiscaleOptions,
    scheduler: &Scheduler,
) -> Result<()>
where
    T: ZarrElement + Coarsenable,
{
    write_pyramid(
        x,
        &Place::Url(url.trim_end_matches('/')),
        options,
        scheduler,
    )
}

/// Where a pyramid is written: a directory, or a path in an S3 bucket.
enum Place<'a> {
    Dir(&'a Path),
    #[cfg(feature = "s3")]
    Url(&'a str),
}

impl Place<'_> {
    /// The last part of the place's path, to name the image by.
    fn name(&self) -> &str {
        match self {
            Place::Dir(path) => path.file_name().and_then(|n| n.to_str()).unwrap_or(""),
            #[cfg(feature = "s3")]
            Place::Url(url) => url.rsplit('/').next().unwrap_or(""),
        }
    }

    /// The write of `x` as level `k`.
    fn level_sink<T: ZarrElement>(
        &self,
        x: &Array<T>,
        k: usize,
        options: ZarrOptions<T>,
    ) -> Result<super::zarr::ZarrSink> {
        match self {
            Place::Dir(path) => x.zarr_sink(path.join(k.to_string()), options),
            #[cfg(feature = "s3")]
            Place::Url(url) => x.zarr_sink_url(&format!("{url}/{k}"), options),
        }
    }

    /// Writes `x` as level `k` on `scheduler`.
    fn write_level<T: ZarrElement>(
        &self,
        x: &Array<T>,
        k: usize,
        options: ZarrOptions<T>,
        scheduler: &Scheduler,
    ) -> Result<()> {
        match self {
            Place::Dir(path) => x.to_zarr_with(path.join(k.to_string()), options, scheduler),
            #[cfg(feature = "s3")]
            Place::Url(url) => x.to_zarr_url_with(&format!("{url}/{k}"), options, scheduler),
        }
    }

    /// Level `k` as written.
    fn level<T: ZarrElement>(&self, k: usize) -> Result<Array<T>> {
        match self {
            Place::Dir(path) => Array::from_zarr(path.join(k.to_string())),
            #[cfg(feature = "s3")]
            Place::Url(url) => Array::from_zarr_url(&format!("{url}/{k}")),
        }
    }

    /// Makes the group's place, before any level is written.
    fn prepare(&self) -> Result<()> {
        match self {
            Place::Dir(path) => {
                std::fs::create_dir_all(path).map_err(|e| io_error("write_multiscale", path, e))
            }
            #[cfg(feature = "s3")]
            Place::Url(_) => Ok(()),
        }
    }

    /// Writes the group's metadata document, atomically.
    fn put_group(&self, text: &str) -> Result<()> {
        match self {
            Place::Dir(path) => {
                let meta = path.join("zarr.json");
                write_atomic(&meta, text.as_bytes())
                    .map_err(|e| io_error("write_multiscale", &meta, e))
            }
            #[cfg(feature = "s3")]
            Place::Url(url) => super::zarr::put_url_document(url, "zarr.json", text.as_bytes()),
        }
    }
}

/// [`write_multiscale_with`] to any place.
fn write_pyramid<T>(
    x: &Array<T>,
    place: &Place<'_>,
    options: &MultiscaleOptions,
    scheduler: &Scheduler,
) -> Result<()>
where
    T: ZarrElement + Coarsenable,
{
    refuse_averaged_labels::<T>(place.name(), options)?;
    let (factors, scale, translation) = options.checked(x.ndim())?;
    // Every level's shape, checked before anything is written.
    let mut shapes = vec![x.shape().to_vec()];
    for k in 1..options.levels {
        let prev = &shapes[k - 1];
        let next: Vec<usize> = prev.iter().zip(&factors).map(|(n, f)| n / f).collect();
        if next.contains(&0) {
            return Err(MultiscaleOptions::invalid(
                format!("{} for an image of shape {:?}", options.levels, x.shape()),
                "levels that keep every axis at least one cell long",
                "levels",
            ));
        }
        shapes.push(next);
    }
    place.prepare()?;
    let names: Vec<&str> = options.axes.iter().map(|a| a.name.as_str()).collect();
    let level_options = |shape: &[usize]| -> Result<ZarrOptions<T>> {
        let chunks: Vec<usize> = match &options.chunks {
            Some(spec) => {
                let c = crate::chunks::chunks_for("write_multiscale", spec.clone(), shape)?;
                c.sizes().iter().map(|s| s[0].max(1)).collect()
            }
            None => shape.iter().map(|&n| n.clamp(1, 64)).collect(),
        };
        let mut zarr = ZarrOptions::<T>::default()
            .compression(options.compression)
            .dimension_names(&names);
        if let Some(shards) = &options.shards {
            // No larger than the level, in whole chunks.
            let clamped: Vec<usize> = (0..shape.len())
                .map(|k| {
                    let c = chunks.get(k).copied().unwrap_or(1);
                    shards
                        .get(k)
                        .map_or(c, |&s| s.min(shape[k].div_ceil(c) * c))
                })
                .collect();
            zarr = zarr.shards(&clamped);
        }
        Ok(zarr.chunks(chunks))
    };
    let reduce = |prev: &Array<T>| match options.downsample {
        Downsample::Coarsen(how) => prev.coarsen_trim(&factors, how),
        Downsample::Gaussian => gaussian_reduce(prev, &factors),
    };
    // Levels 0 and 1 in one graph: each block of `x` is made (or read) once, written, and
    // reduced for level 1 (level 0 as written is `x`, cell for cell).
    let mut sinks = vec![place.level_sink(x, 0, level_options(&shapes[0])?)?];
    if shapes.len() > 1 {
        sinks.push(place.level_sink(&reduce(x)?, 1, level_options(&shapes[1])?)?);
    }
    super::zarr::store(&sinks, scheduler)?;
    for (k, shape) in shapes.iter().enumerate().skip(2) {
        let next = reduce(&place.level::<T>(k - 1)?)?;
        debug_assert_eq!(next.shape(), shape.as_slice());
        place.write_level(&next, k, level_options(shape)?, scheduler)?;
    }
    // The metadata last, atomically: no pyramid or a whole one.
    let mut datasets = Vec::new();
    let mut cumulative = vec![1usize; factors.len()];
    for k in 0..options.levels {
        let s: Vec<f64> = (0..scale.len())
            .map(|a| scale[a] * cumulative[a] as f64)
            .collect();
        let t: Vec<f64> = (0..scale.len())
            .map(|a| match options.downsample {
                Downsample::Coarsen(_) => {
                    translation[a] + (cumulative[a] as f64 - 1.0) / 2.0 * scale[a]
                }
                Downsample::Gaussian => translation[a],
            })
            .collect();
        let mut transforms = vec![json!({"type": "scale", "scale": s})];
        if t.iter().any(|&v| v != 0.0) {
            transforms.push(json!({"type": "translation", "translation": t}));
        }
        datasets.push(json!({"path": k.to_string(), "coordinateTransformations": transforms}));
        for a in 0..factors.len() {
            cumulative[a] *= factors[a];
        }
    }
    let axes: Vec<Value> = options
        .axes
        .iter()
        .map(|a| {
            let mut v = json!({"name": a.name, "type": a.kind.name()});
            if let Some(u) = &a.unit {
                v["unit"] = json!(u);
            }
            v
        })
        .collect();
    let mut multiscale = json!({"axes": axes, "datasets": datasets});
    if let Some(name) = &options.name {
        multiscale["name"] = json!(name);
    }
    if let Downsample::Coarsen(how) = options.downsample {
        multiscale["type"] = json!(format!("{how:?}").to_lowercase());
    } else {
        multiscale["type"] = json!("gaussian");
    }
    let mut ome = json!({"version": "0.5", "multiscales": [multiscale]});
    if let Some(label) = &options.image_label {
        ome["image-label"] = label.clone();
    }
    let group = json!({
        "zarr_format": 3,
        "node_type": "group",
        "attributes": {"ome": ome},
    });
    let text = serde_json::to_string_pretty(&group).expect("JSON values serialise");
    place.put_group(&text)
}

/// The default downsampling averages, which turns a label image's windows into values that
/// are no label of theirs: refused for an integer image whose name (the options' or the
/// path's) says labels, unless a downsampling was chosen ([`Coarsen::Mode`] keeps labels;
/// [`write_labels`] writes label images as OME-Zarr expects them).
fn refuse_averaged_labels<T: ZarrElement>(place: &str, options: &MultiscaleOptions) -> Result<()> {
    let integer = T::DTYPE.is_integer();
    let name = options.name.as_deref().unwrap_or(place).to_lowercase();
    // "nuclei_labels", "Labels of cells", "label": a word of the name; not "labelled".
    let says_labels = name
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| w == "label" || w == "labels");
    if integer && !options.downsample_set && says_labels {
        return Err(MultiscaleOptions::invalid(
            format!(
                "the default (Coarsen::Mean) for the {} image {name:?}, which averages labels \
                 into values that are no label of their window",
                T::NAME
            ),
            "Downsample::Coarsen(Coarsen::Mode) for a label image (or ome_zarr::write_labels), \
             or a downsampling chosen explicitly",
            "downsample",
        ));
    }
    Ok(())
}

/// scikit-image's `pyramid_reduce` on the axes with a factor above 1: a Gaussian of sigma
/// `2 * factor / 6` (computed in `f64`, nearest-edge boundary), then every `factor`-th cell,
/// converted back (rounded for integer types).
fn gaussian_reduce<T: Coarsenable>(x: &Array<T>, factors: &[usize]) -> Result<Array<T>> {
    let sigmas: Vec<f64> = factors
        .iter()
        .map(|&f| if f > 1 { 2.0 * f as f64 / 6.0 } else { 0.0 })
        .collect();
    let as_f64 = x.map(|v| v.to_f64().unwrap_or(f64::NAN));
    let smooth = crate::ndfilters::gaussian_filter_axes(&as_f64, &sigmas, 4.0, Boundary::Reflect)?;
    let steps: Vec<ndarray::SliceInfoElem> = (0..x.ndim())
        .map(|k| ndarray::SliceInfoElem::Slice {
            start: 0,
            end: Some((x.shape()[k] / factors[k] * factors[k]) as isize),
            step: factors[k] as isize,
        })
        .collect();
    let float = T::from(0.5).and_then(|h| h.to_f64()) == Some(0.5);
    let strided = smooth.slice(steps.as_slice())?;
    let zero = T::from(0).expect("every number type holds 0");
    Ok(strided.map(move |v| {
        let v = if float { v } else { v.round() };
        T::from(v).unwrap_or(zero)
    }))
}

fn bad(path: &Path, message: impl Into<String>) -> Error {
    Error::BadStore {
        path: path.display().to_string(),
        message: message.into(),
        source: None,
    }
}

/// Opens the OME-Zarr multiscale image at `path` (OME-NGFF 0.5 on Zarr v3, or 0.4 on Zarr
/// v2; the first image of its `multiscales`): its axes and each level as a lazy array read
/// from its store, with the level's scale and translation.
///
/// # Errors
///
/// [`Error::BadStore`] for a group without multiscales metadata or with metadata that does not
/// fit its arrays; the errors of [`Array::from_zarr`] for each level (a level of another
/// element type than `T` is [`Error::DtypeMismatch`]).
///
/// # Examples
///
/// See the module notes.
pub fn open<T: ZarrElement>(path: impl AsRef<Path>) -> Result<Multiscale<T>> {
    let path = path.as_ref();
    let read = |name: &str| -> Result<Option<Value>> {
        let Ok(text) = std::fs::read_to_string(path.join(name)) else {
            return Ok(None);
        };
        Ok(serde_json::from_str(&text).ok())
    };
    open_with(path, read, |level| Array::<T>::from_zarr(path.join(level)))
}

/// Opens the OME-Zarr multiscale image at a URL, as [`open`] a directory: `http(s)://`
/// (feature `http`) or `s3://bucket/path` (feature `s3`), the levels read as
/// [`Array::from_zarr_url`] reads them, fetching only the chunks a computation needs. Public
/// OME-Zarr datasets (the IDR's, for one) are served this way.
///
/// # Errors
///
/// As [`open`]; a metadata document the server cannot give is [`Error::BadStore`] naming it.
///
/// # Examples
///
/// ```no_run
/// use chunkwise::io::ome_zarr;
/// let image = ome_zarr::open_url::<u16>("https://example.org/data/image.ome.zarr")?;
/// let thumbnail = image.levels().last().unwrap().array.compute()?; // the smallest level only
/// # let _ = thumbnail;
/// # Ok::<(), chunkwise::Error>(())
/// ```
#[cfg(any(feature = "http", feature = "s3"))]
pub fn open_url<T: ZarrElement>(url: &str) -> Result<Multiscale<T>> {
    let url = url.trim_end_matches('/');
    let label = Path::new(url);
    let read = |name: &str| -> Result<Option<Value>> {
        let bytes = super::zarr::read_url_document(url, name)?;
        Ok(bytes.and_then(|b| serde_json::from_slice(&b).ok()))
    };
    open_with(label, read, |level| {
        Array::<T>::from_zarr_url(&format!("{url}/{level}"))
    })
}

/// [`open`] over any store: `read` gives a metadata document of the group by name (`None` if
/// there is none), `level` opens the array at a dataset's path.
fn open_with<T: ZarrElement>(
    path: &Path,
    read: impl Fn(&str) -> Result<Option<Value>>,
    level_array: impl Fn(&str) -> Result<Array<T>>,
) -> Result<Multiscale<T>> {
    let multiscales = if let Some(group) = read("zarr.json")? {
        group["attributes"]["ome"]["multiscales"].clone()
    } else if let Some(attrs) = read(".zattrs")? {
        attrs["multiscales"].clone()
    } else {
        return Err(bad(
            path,
            "no OME-Zarr group here: neither zarr.json nor .zattrs",
        ));
    };
    let m = multiscales
        .get(0)
        .ok_or_else(|| bad(path, "the group's metadata holds no multiscales"))?;
    let axes: Vec<ImageAxis> = m["axes"]
        .as_array()
        .ok_or_else(|| bad(path, "multiscales: no axes"))?
        .iter()
        .map(|a| ImageAxis {
            name: a["name"].as_str().unwrap_or_default().to_string(),
            kind: match a["type"].as_str() {
                Some("time") => AxisKind::Time,
                Some("channel") => AxisKind::Channel,
                _ => AxisKind::Space,
            },
            unit: a["unit"].as_str().map(str::to_string),
        })
        .collect();
    let ndim = axes.len();
    // A transformation of the whole multiscale applies after each level's own.
    let (outer_scale, outer_translation) = transforms(&m["coordinateTransformations"], ndim);
    let mut levels = Vec::new();
    for d in m["datasets"]
        .as_array()
        .ok_or_else(|| bad(path, "multiscales: no datasets"))?
    {
        let level = d["path"]
            .as_str()
            .ok_or_else(|| bad(path, "a dataset without a path"))?;
        let array = level_array(level)?;
        if array.ndim() != ndim {
            return Err(bad(
                path,
                format!(
                    "level {level} has {} axes, the metadata {ndim}",
                    array.ndim()
                ),
            ));
        }
        let (s, t) = transforms(&d["coordinateTransformations"], ndim);
        levels.push(Level {
            path: level.to_string(),
            array,
            scale: (0..ndim).map(|a| s[a] * outer_scale[a]).collect(),
            translation: (0..ndim)
                .map(|a| t[a] * outer_scale[a] + outer_translation[a])
                .collect(),
        });
    }
    if levels.is_empty() {
        return Err(bad(path, "multiscales: no datasets"));
    }
    Ok(Multiscale {
        name: m["name"].as_str().map(str::to_string),
        axes,
        levels,
    })
}

/// The scale and translation of a list of coordinate transformations (identity if absent).
fn transforms(list: &Value, ndim: usize) -> (Vec<f64>, Vec<f64>) {
    let (mut scale, mut translation) = (vec![1.0; ndim], vec![0.0; ndim]);
    let numbers = |v: &Value| -> Option<Vec<f64>> {
        let v: Vec<f64> = v.as_array()?.iter().filter_map(Value::as_f64).collect();
        (v.len() == ndim).then_some(v)
    };
    for t in list.as_array().into_iter().flatten() {
        match t["type"].as_str() {
            Some("scale") => {
                if let Some(s) = numbers(&t["scale"]) {
                    scale = s;
                }
            }
            Some("translation") => {
                if let Some(v) = numbers(&t["translation"]) {
                    translation = v;
                }
            }
            _ => {}
        }
    }
    (scale, translation)
}
