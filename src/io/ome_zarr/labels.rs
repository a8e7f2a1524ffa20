//! OME-Zarr label images (OME-NGFF 0.5 `labels`): a segmentation stored beside the image it
//! labels, as napari and ome-zarr-py find it.
//!
//! ```text
//!   image.ome.zarr/
//!     zarr.json            the image's multiscales
//!     0/ 1/ 2/             the image's levels
//!     labels/
//!       zarr.json          {"ome": {"labels": ["cells", ...]}}
//!       cells/
//!         zarr.json        multiscales + "image-label" (colors, properties, source)
//!         0/ 1/ 2/         the label image's levels, downsampled by the mode of each window
//! ```
//!
//! [`write_labels`] takes the axes, pixel size and number of levels from the image, so each
//! label level lies over the image level of the same index; each level is made from the one
//! before by [`Coarsen::Mode`] (the most frequent label of each window), never averaged.
//! [`open_labels`] reads one back; [`label_names`] lists them.

use std::path::Path;

use serde_json::{Map, Value, json};

use super::{
    AxisKind, Downsample, Multiscale, MultiscaleOptions, bad, open, write_multiscale_with,
};
use crate::array::{Array, Coarsen, Coarsenable};
use crate::chunks::ChunkSpec;
use crate::error::{Error, Result};
use crate::io::io_error;
use crate::io::zarr::fs::write_atomic;
use crate::io::zarr::{Compression, ZarrElement};
use crate::scheduler::Scheduler;

/// The display colour of one label value (OME-NGFF's `colors` entry).
///
/// # Examples
///
/// ```
/// use chunkwise::io::ome_zarr::LabelColor;
/// let red = LabelColor { label: 1, rgba: [255, 0, 0, 255] };
/// assert_eq!(red.rgba[0], 255);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelColor {
    /// The label value.
    pub label: u64,
    /// Red, green, blue and alpha, 0 to 255.
    pub rgba: [u8; 4],
}

/// What [`write_labels`] writes beside the image's own metadata: colours and properties of
/// label values, and each level's chunks and compression. The axes, pixel size, number of
/// levels and factors come from the image.
///
/// # Examples
///
/// ```
/// use chunkwise::io::ome_zarr::LabelOptions;
/// let options = LabelOptions::new()
///     .color(1, [255, 0, 0, 255])
///     .property(1, "class", "nucleus")
///     .chunks([64, 64]);
/// # let _ = options;
/// ```
#[derive(Clone, Debug)]
pub struct LabelOptions {
    colors: Vec<LabelColor>,
    properties: Vec<(u64, Map<String, Value>)>,
    chunks: Option<ChunkSpec>,
    compression: Compression,
    levels: Option<usize>,
}

impl Default for LabelOptions {
    fn default() -> Self {
        LabelOptions::new()
    }
}

impl LabelOptions {
    /// No colours or properties, the image's number of levels, 64 cells per chunk along every
    /// axis (clamped to each level's shape), zstd level 3.
    ///
    /// # Examples
    ///
    /// ```
    /// let options = chunkwise::io::ome_zarr::LabelOptions::new();
    /// # let _ = options;
    /// ```
    pub fn new() -> LabelOptions {
        LabelOptions {
            colors: Vec::new(),
            properties: Vec::new(),
            chunks: None,
            compression: Compression::Zstd { level: 3 },
            levels: None,
        }
    }

    /// The display colour of label value `label`.
    ///
    /// # Examples
    ///
    /// ```
    /// let options = chunkwise::io::ome_zarr::LabelOptions::new().color(3, [0, 128, 255, 255]);
    /// # let _ = options;
    /// ```
    pub fn color(mut self, label: u64, rgba: [u8; 4]) -> Self {
        self.colors.retain(|c| c.label != label);
        self.colors.push(LabelColor { label, rgba });
        self
    }

    /// A property of label value `label` (`"area"`, `"class"`, ...), any JSON value.
    ///
    /// # Examples
    ///
    /// ```
    /// let options = chunkwise::io::ome_zarr::LabelOptions::new()
    ///     .property(1, "area (pixels)", 1200)
    ///     .property(1, "class", "nucleus");
    /// # let _ = options;
    /// ```
    pub fn property(mut self, label: u64, key: &str, value: impl Into<Value>) -> Self {
        match self.properties.iter_mut().find(|(l, _)| *l == label) {
            Some((_, map)) => {
                map.insert(key.to_string(), value.into());
            }
            None => {
                let mut map = Map::new();
                map.insert(key.to_string(), value.into());
                self.properties.push((label, map));
            }
        }
        self
    }

    /// Each level's chunks, as [`MultiscaleOptions::chunks`].
    ///
    /// # Examples
    ///
    /// ```
    /// let options = chunkwise::io::ome_zarr::LabelOptions::new().chunks([1, 128, 128]);
    /// # let _ = options;
    /// ```
    pub fn chunks(mut self, chunks: impl crate::IntoChunks) -> Self {
        self.chunks = Some(chunks.into());
        self
    }

    /// Each level's compression.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::io::{ome_zarr::LabelOptions, zarr::Compression};
    /// let options = LabelOptions::new().compression(Compression::None);
    /// # let _ = options;
    /// ```
    pub fn compression(mut self, compression: Compression) -> Self {
        self.compression = compression;
        self
    }

    /// Fewer levels than the image has (never more: each label level lies over an image level).
    ///
    /// # Examples
    ///
    /// ```
    /// let options = chunkwise::io::ome_zarr::LabelOptions::new().levels(1);
    /// # let _ = options;
    /// ```
    pub fn levels(mut self, levels: usize) -> Self {
        self.levels = Some(levels);
        self
    }
}

/// A label image opened by [`open_labels`]: its levels, and the colours and properties its
/// metadata gives.
///
/// # Examples
///
/// See [`write_labels`].
#[derive(Clone, Debug)]
pub struct LabelImage<T> {
    /// The label image's axes and levels.
    pub multiscale: Multiscale<T>,
    /// The display colours of label values.
    pub colors: Vec<LabelColor>,
    /// The properties of label values: each an object with its `"label-value"`.
    pub properties: Vec<Value>,
}

fn invalid(name: &'static str, value: String, expected: &'static str) -> Error {
    Error::InvalidParameter {
        op: "write_labels",
        name,
        value,
        expected,
    }
}

/// Reads a JSON document, `None` if the file is missing or not JSON.
fn read_json(path: &Path) -> Option<Value> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

/// Writes `labels` as the OME-Zarr label image `name` of the image at `image` (an OME-Zarr
/// multiscale image, as [`write_multiscale`](super::write_multiscale) writes), on the default
/// scheduler: `image/labels/name`, a multiscale image with `image-label` metadata, listed in
/// `image/labels/zarr.json`. See the module notes.
///
/// The label image has the image's axes, units, pixel size and translation, and as many levels
/// as the image (or [`LabelOptions::levels`]), each made from the one before by
/// [`Coarsen::Mode`] with the image's factors between its first two levels. Like any pyramid
/// here, it is written beside its path and swapped in whole, replacing a label image of that
/// name; the image itself is not touched.
///
/// # Errors
///
/// [`Error::BadStore`] if `image` holds no OME-Zarr image; [`Error::InvalidParameter`] for
/// labels of another shape than the image's level 0, an element type that is not an integer,
/// a name that is empty or a path (`"a/b"`), or more levels than the image has; the errors of
/// writing the levels.
///
/// # Examples
///
/// ```
/// use chunkwise::Array;
/// use chunkwise::io::ome_zarr::{self, LabelOptions, MultiscaleOptions};
/// let dir = std::env::temp_dir().join(format!("chunkwise-doc-segmented-{}", std::process::id()));
/// let image = Array::<f32>::from_fn(&[32, 32], [16, 16], |i| (i[0] + i[1]) as f32)?;
/// ome_zarr::write_multiscale(&image, &dir, &MultiscaleOptions::new(&["y", "x"]).levels(2))?;
/// let cells = image.gt(31.0).astype::<u32>(); // two regions: 0 and 1
/// let options = LabelOptions::new().color(1, [255, 0, 0, 255]).property(1, "class", "bright");
/// ome_zarr::write_labels(&cells, &dir, "cells", &options)?;
/// assert_eq!(ome_zarr::label_names(&dir)?, ["cells"]);
/// let back = ome_zarr::open_labels::<u32>(&dir, "cells")?;
/// assert_eq!(back.multiscale.levels().len(), 2);
/// assert_eq!(back.colors[0].rgba, [255, 0, 0, 255]);
/// assert_eq!(back.multiscale.levels()[0].array.compute()?, cells.compute()?);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn write_labels<T>(
    labels: &Array<T>,
    image: impl AsRef<Path>,
    name: &str,
    options: &LabelOptions,
) -> Result<()>
where
    T: ZarrElement + Coarsenable,
{
    write_labels_with(labels, image, name, options, &Scheduler::global()?)
}

/// [`write_labels`] on `scheduler`.
///
/// # Errors
///
/// As [`write_labels`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Scheduler};
/// use chunkwise::io::ome_zarr::{self, LabelOptions, MultiscaleOptions};
/// let dir = std::env::temp_dir().join(format!("chunkwise-doc-segmented-with-{}", std::process::id()));
/// let image = Array::<u16>::zeros(&[16, 16], [8, 8])?;
/// ome_zarr::write_multiscale(&image, &dir, &MultiscaleOptions::new(&["y", "x"]).levels(1))?;
/// let labels = Array::<u8>::ones(&[16, 16], [8, 8])?;
/// ome_zarr::write_labels_with(&labels, &dir, "all", &LabelOptions::new(), &Scheduler::threads(2))?;
/// assert_eq!(ome_zarr::label_names(&dir)?, ["all"]);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn write_labels_with<T>(
    labels: &Array<T>,
    image: impl AsRef<Path>,
    name: &str,
    options: &LabelOptions,
    scheduler: &Scheduler,
) -> Result<()>
where
    T: ZarrElement + Coarsenable,
{
    let image = image.as_ref();
    if !T::DTYPE.is_integer() {
        return Err(invalid(
            "labels",
            format!("elements of type {}", T::NAME),
            "an integer element type (OME-NGFF labels are integers)",
        ));
    }
    if name.is_empty() || name.contains(['/', '\\']) || name == "." || name == ".." {
        return Err(invalid(
            "name",
            format!("{name:?}"),
            "a non-empty name without path separators",
        ));
    }
    let multiscale = level_layout(image)?;
    let Some(first) = multiscale.shapes.first() else {
        return Err(bad(image, "multiscales: no datasets"));
    };
    if labels.shape() != first.as_slice() {
        return Err(invalid(
            "labels",
            format!("shape {:?} for an image of shape {first:?}", labels.shape()),
            "the shape of the image's level 0",
        ));
    }
    let levels = options.levels.unwrap_or(multiscale.shapes.len());
    if levels == 0 || levels > multiscale.shapes.len() {
        return Err(invalid(
            "levels",
            format!(
                "{levels} for an image of {} levels",
                multiscale.shapes.len()
            ),
            "at least 1, at most the image's levels",
        ));
    }
    // The image's factors between its first two levels, whole numbers.
    let factors: Vec<usize> = match multiscale.shapes.get(1) {
        Some(next) => first
            .iter()
            .zip(next)
            .map(|(&a, &b)| a.checked_div(b).unwrap_or(1).max(1))
            .collect(),
        None => vec![1; first.len()],
    };
    let names: Vec<&str> = multiscale.axes.iter().map(|a| a.0.as_str()).collect();
    let mut ms = MultiscaleOptions::new(&names)
        .levels(levels)
        .factors(&factors)
        .scale(&multiscale.scale)
        .translation(&multiscale.translation)
        .downsample(Downsample::Coarsen(Coarsen::Mode))
        .compression(options.compression)
        .name(name);
    for (k, (_, kind, unit)) in multiscale.axes.iter().enumerate() {
        ms = ms.axis(k, *kind, unit.as_deref());
    }
    if let Some(chunks) = &options.chunks {
        ms = ms.chunks(chunks.clone());
    }
    let colors: Vec<Value> = options
        .colors
        .iter()
        .map(|c| json!({"label-value": c.label, "rgba": c.rgba}))
        .collect();
    let properties: Vec<Value> = options
        .properties
        .iter()
        .map(|(label, map)| {
            let mut entry = map.clone();
            entry.insert("label-value".into(), json!(label));
            Value::Object(entry)
        })
        .collect();
    let mut image_label = json!({"source": {"image": "../../"}});
    if !colors.is_empty() {
        image_label["colors"] = json!(colors);
    }
    if !properties.is_empty() {
        image_label["properties"] = json!(properties);
    }
    ms.image_label = Some(image_label);
    let group = image.join("labels");
    write_multiscale_with(labels, group.join(name), &ms, scheduler)?;
    // List it in the labels group (made if this is the first label image).
    let meta = group.join("zarr.json");
    let mut doc = read_json(&meta).unwrap_or_else(|| {
        json!({"zarr_format": 3, "node_type": "group", "attributes": {"ome": {"version": "0.5"}}})
    });
    let list = &mut doc["attributes"]["ome"]["labels"];
    let mut names: Vec<String> = list
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if !names.iter().any(|n| n == name) {
        names.push(name.to_string());
    }
    *list = json!(names);
    doc["attributes"]["ome"]["version"] = json!("0.5");
    let text = serde_json::to_string_pretty(&doc).expect("JSON values serialise");
    write_atomic(&meta, text.as_bytes()).map_err(|e| io_error("write_labels", &meta, e))
}

/// What [`write_labels`] takes from the image: each axis's name, kind and unit, level 0's
/// scale and translation, and every level's shape.
struct ImageLayout {
    axes: Vec<(String, AxisKind, Option<String>)>,
    scale: Vec<f64>,
    translation: Vec<f64>,
    shapes: Vec<Vec<usize>>,
}

/// The layout of the OME-Zarr image at `image`, read from its metadata (no chunk is read).
fn level_layout(image: &Path) -> Result<ImageLayout> {
    let group = read_json(&image.join("zarr.json"))
        .ok_or_else(|| bad(image, "no OME-Zarr image here: no readable zarr.json"))?;
    let m = &group["attributes"]["ome"]["multiscales"][0];
    if m.is_null() {
        return Err(bad(image, "the group's metadata holds no multiscales"));
    }
    let axes: Vec<(String, AxisKind, Option<String>)> = m["axes"]
        .as_array()
        .ok_or_else(|| bad(image, "multiscales: no axes"))?
        .iter()
        .map(|a| {
            let kind = match a["type"].as_str() {
                Some("time") => AxisKind::Time,
                Some("channel") => AxisKind::Channel,
                _ => AxisKind::Space,
            };
            let name = a["name"].as_str().unwrap_or_default().to_string();
            (name, kind, a["unit"].as_str().map(str::to_string))
        })
        .collect();
    let datasets = m["datasets"]
        .as_array()
        .ok_or_else(|| bad(image, "multiscales: no datasets"))?;
    let mut shapes = Vec::with_capacity(datasets.len());
    for d in datasets {
        let path = d["path"]
            .as_str()
            .ok_or_else(|| bad(image, "a dataset without a path"))?;
        let meta = read_json(&image.join(path).join("zarr.json"))
            .ok_or_else(|| bad(image, format!("level {path}: no readable zarr.json")))?;
        let shape: Option<Vec<usize>> = meta["shape"]
            .as_array()
            .and_then(|a| a.iter().map(|v| v.as_u64().map(|n| n as usize)).collect());
        shapes.push(shape.ok_or_else(|| bad(image, format!("level {path}: no shape")))?);
    }
    let (scale, translation) = datasets
        .first()
        .map(|d| super::transforms(&d["coordinateTransformations"], axes.len()))
        .unwrap_or_else(|| (vec![1.0; axes.len()], vec![0.0; axes.len()]));
    Ok(ImageLayout {
        axes,
        scale,
        translation,
        shapes,
    })
}

/// The names of the label images of the OME-Zarr image at `image` (its `labels` group's
/// list), empty if it has none.
///
/// # Errors
///
/// [`Error::BadStore`] if `image` is not a directory.
///
/// # Examples
///
/// See [`write_labels`].
pub fn label_names(image: impl AsRef<Path>) -> Result<Vec<String>> {
    let image = image.as_ref();
    if !image.is_dir() {
        return Err(bad(image, "nothing is there (no such directory)"));
    }
    let doc = read_json(&image.join("labels").join("zarr.json"));
    Ok(doc
        .as_ref()
        .and_then(|d| d["attributes"]["ome"]["labels"].as_array())
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default())
}

/// Opens the label image `name` of the OME-Zarr image at `image`: its levels (as [`open`]
/// gives them), colours and properties.
///
/// # Errors
///
/// As [`open`], naming `image/labels/name`.
///
/// # Examples
///
/// See [`write_labels`].
pub fn open_labels<T: ZarrElement>(image: impl AsRef<Path>, name: &str) -> Result<LabelImage<T>> {
    let path = image.as_ref().join("labels").join(name);
    let multiscale = open::<T>(&path)?;
    let doc = read_json(&path.join("zarr.json")).unwrap_or(Value::Null);
    let label = &doc["attributes"]["ome"]["image-label"];
    let colors = label["colors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| {
            let rgba: Vec<u8> = c["rgba"]
                .as_array()?
                .iter()
                .map(|v| v.as_u64().map(|n| n.min(255) as u8))
                .collect::<Option<_>>()?;
            Some(LabelColor {
                label: c["label-value"].as_u64()?,
                rgba: rgba.try_into().ok()?,
            })
        })
        .collect();
    let properties = label["properties"].as_array().cloned().unwrap_or_default();
    Ok(LabelImage {
        multiscale,
        colors,
        properties,
    })
}
