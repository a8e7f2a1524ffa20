//! Folders of image files as one array: [`imread`] stacks the 2-D frames of the files a
//! pattern names along a new first axis, one block per file, each file read inside its own
//! task (dask-image's `imread`). TIFF through the `tiff` crate, PNG through the `image` crate,
//! behind the `imread` feature.
//!
//! ```
//! use chunkwise::io::imread::imread;
//! let dir = std::env::temp_dir().join(format!("chunkwise-doc-imread-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! for t in 0..3u16 {
//!     let frame = image::ImageBuffer::<image::Luma<u16>, _>::from_fn(4, 2, |x, y| image::Luma([t * 100 + (y * 4 + x) as u16]));
//!     frame.save(dir.join(format!("frame_{t}.png"))).unwrap();
//! }
//! let stack = imread::<u16>(dir.join("frame_*.png"))?;
//! assert_eq!(stack.shape(), &[3, 2, 4]);
//! assert_eq!(stack.chunks()[0], vec![1, 1, 1]); // one block per file
//! assert_eq!(stack.compute()?[[2, 1, 3]], 207);
//! # std::fs::remove_dir_all(&dir).unwrap();
//! # Ok::<(), chunkwise::Error>(())
//! ```

use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ndarray::{ArrayD, IxDyn};
use tiff::decoder::{Decoder, DecodingResult};

use crate::array::Array;
use crate::chunks::Chunks;
use crate::dtype::Primitive;
use crate::error::{Error, Result};
use crate::expr::source::FromBlocks;

/// Element types of grayscale image files: what one sample of a frame decodes to.
///
/// # Examples
///
/// ```
/// use chunkwise::io::imread::ImageElement;
/// assert_eq!(<u16 as ImageElement>::NAME, "uint16");
/// ```
pub trait ImageElement: Primitive {
    /// The sample type's name, as numpy names it (from the element-type table).
    const NAME: &'static str = <Self as Primitive>::DTYPE.name;
    /// The samples of a decoded TIFF frame, if they are of this type.
    fn from_tiff(samples: DecodingResult) -> Option<Vec<Self>>;
    /// The samples of a decoded PNG frame, if they are of this type (PNG holds 8- and 16-bit
    /// samples only).
    fn from_image(image: image::DynamicImage) -> Option<Vec<Self>> {
        let _ = image;
        None
    }
}

macro_rules! image_element {
    ($t:ty, $tiff:ident $(, $image:ident)?) => {
        impl ImageElement for $t {
            fn from_tiff(samples: DecodingResult) -> Option<Vec<Self>> {
                match samples {
                    DecodingResult::$tiff(v) => Some(v),
                    _ => None,
                }
            }
            $(fn from_image(image: image::DynamicImage) -> Option<Vec<Self>> {
                match image {
                    image::DynamicImage::$image(i) => Some(i.into_raw()),
                    _ => None,
                }
            })?
        }
    };
}

image_element!(u8, U8, ImageLuma8);
image_element!(u16, U16, ImageLuma16);
image_element!(u32, U32);
image_element!(f32, F32);
image_element!(f64, F64);

/// One decoded frame: its height and width, and its samples.
enum Frame {
    Tiff(usize, usize, DecodingResult),
    Image(usize, usize, image::DynamicImage),
}

impl Frame {
    fn size(&self) -> (usize, usize) {
        match self {
            Frame::Tiff(h, w, _) | Frame::Image(h, w, _) => (*h, *w),
        }
    }

    /// The sample type's name, for errors.
    fn kind(&self) -> String {
        match self {
            Frame::Tiff(_, _, d) => match d {
                DecodingResult::U8(_) => "uint8".into(),
                DecodingResult::U16(_) => "uint16".into(),
                DecodingResult::U32(_) => "uint32".into(),
                DecodingResult::U64(_) => "uint64".into(),
                DecodingResult::F32(_) => "float32".into(),
                DecodingResult::F64(_) => "float64".into(),
                DecodingResult::I8(_) => "int8".into(),
                DecodingResult::I16(_) => "int16".into(),
                DecodingResult::I32(_) => "int32".into(),
                DecodingResult::I64(_) => "int64".into(),
                other => format!("{:?}", std::mem::discriminant(other)),
            },
            Frame::Image(_, _, i) => format!("{:?}", i.color()),
        }
    }

    fn samples<T: ImageElement>(self, path: &Path) -> Result<Vec<T>> {
        let kind = self.kind();
        match self {
            Frame::Tiff(_, _, d) => T::from_tiff(d),
            Frame::Image(_, _, i) => T::from_image(i),
        }
        .ok_or_else(|| Error::DtypeMismatch {
            path: path.display().to_string(),
            stored: kind,
            requested: T::NAME.to_string(),
        })
    }
}

fn bad(path: &Path, message: impl std::fmt::Display) -> Error {
    Error::BadStore {
        path: path.display().to_string(),
        message: message.to_string(),
        source: None,
    }
}

/// An error of decoding the file at `path`: one that ran out of bytes names the file as
/// truncated (the decoders say only "failed to fill whole buffer").
fn undecodable(path: &Path, e: impl std::error::Error + 'static) -> Error {
    let mut cause: Option<&dyn std::error::Error> = Some(&e);
    while let Some(c) = cause {
        if c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::UnexpectedEof)
        {
            let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
            return bad(
                path,
                format!(
                    "the file is truncated: it ends ({len} bytes) before the image data its \
                     header declares ({e})"
                ),
            );
        }
        cause = c.source();
    }
    bad(path, e)
}

/// Decodes the one grayscale frame of a TIFF or PNG file.
fn decode(path: &Path) -> Result<Frame> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let file = std::fs::File::open(path).map_err(|e| super::io_error("imread", path, e))?;
    if ext == "tif" || ext == "tiff" {
        let mut d = Decoder::new(BufReader::new(file)).map_err(|e| undecodable(path, e))?;
        let (w, h) = d.dimensions().map_err(|e| bad(path, e))?;
        let color = d.colortype().map_err(|e| bad(path, e))?;
        if !matches!(color, tiff::ColorType::Gray(_)) {
            return Err(bad(
                path,
                format!("a {color:?} image, not a grayscale frame"),
            ));
        }
        let samples = d.read_image().map_err(|e| undecodable(path, e))?;
        Ok(Frame::Tiff(h as usize, w as usize, samples))
    } else {
        let reader = image::ImageReader::new(BufReader::new(file))
            .with_guessed_format()
            .map_err(|e| bad(path, e))?;
        let image = reader.decode().map_err(|e| undecodable(path, e))?;
        if image.color().channel_count() != 1 {
            return Err(bad(
                path,
                format!("a {:?} image, not a grayscale frame", image.color()),
            ));
        }
        Ok(Frame::Image(
            image.height() as usize,
            image.width() as usize,
            image,
        ))
    }
}

/// Whether `name` matches `pattern`, whose `*` stands for any run of characters and `?` for
/// any one.
fn glob_match(pattern: &[char], name: &[char]) -> bool {
    match pattern.split_first() {
        None => name.is_empty(),
        Some(('*', rest)) => (0..=name.len()).any(|i| glob_match(rest, &name[i..])),
        Some(('?', rest)) => !name.is_empty() && glob_match(rest, &name[1..]),
        Some((c, rest)) => name.first() == Some(c) && glob_match(rest, &name[1..]),
    }
}

/// The files `pattern` names (wildcards in its last component only), sorted by name.
fn matching(pattern: &Path) -> Result<Vec<PathBuf>> {
    let dir = pattern
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name: Vec<char> = pattern
        .file_name()
        .map(|n| n.to_string_lossy().chars().collect())
        .unwrap_or_default();
    let entries = std::fs::read_dir(dir).map_err(|e| super::io_error("imread", dir, e))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .filter(|p| {
            let n: Vec<char> = p
                .file_name()
                .map(|n| n.to_string_lossy().chars().collect())
                .unwrap_or_default();
            glob_match(&name, &n)
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(bad(pattern, "no file matches this pattern"));
    }
    Ok(files)
}

/// The 2-D grayscale frames of the TIFF (`.tif`, `.tiff`) or PNG files that `pattern` names
/// (`*` and `?` in its file name), in name order, stacked along a new first axis: an array of
/// shape `(files, height, width)`, one block per file, each file read inside its own task.
/// The first file sets the frame size and sample type; it is read now, the others when
/// computed.
///
/// # Errors
///
/// [`Error::BadStore`] if no file matches, or naming the first file if it cannot be decoded
/// or is not grayscale; [`Error::DtypeMismatch`] if its samples are not `T`. At compute, the
/// same for any other file, and [`Error::BadStore`] naming a file whose frame has another size
/// than the first (a truncated or corrupt file included).
///
/// # Examples
///
/// See the module notes.
pub fn imread<T: ImageElement>(pattern: impl AsRef<Path>) -> Result<Array<T>> {
    let files = matching(pattern.as_ref())?;
    let first = decode(&files[0])?;
    let (h, w) = first.size();
    first.samples::<T>(&files[0])?;
    let n = files.len();
    let chunks = Chunks::new(&[n, h, w], vec![vec![1; n], vec![h], vec![w]])?;
    let files = Arc::new(files);
    let read = move |block: usize| -> Result<ArrayD<T>> {
        let path = &files[block];
        let frame = decode(path)?;
        if frame.size() != (h, w) {
            let (fh, fw) = frame.size();
            return Err(bad(
                path,
                format!(
                    "a {fh} x {fw} frame, where {} holds {h} x {w}",
                    files[0].display()
                ),
            ));
        }
        let samples = frame.samples::<T>(path)?;
        ArrayD::from_shape_vec(IxDyn(&[1, h, w]), samples).map_err(|e| bad(path, e))
    };
    Ok(Array::from_node(FromBlocks::new(
        "imread",
        chunks,
        Arc::new(read),
    )))
}

#[cfg(test)]
mod test {
    use super::glob_match;

    #[test]
    fn patterns_match_as_a_shell_does() {
        let m = |p: &str, n: &str| {
            glob_match(
                &p.chars().collect::<Vec<_>>(),
                &n.chars().collect::<Vec<_>>(),
            )
        };
        assert!(m("*.tif", "a.tif") && m("*.tif", ".tif") && m("f?_*.png", "f1_x.png"));
        assert!(!m("*.tif", "a.tiff") && !m("f?.png", "f12.png") && !m("a", "ab"));
        assert!(m("*", "") && m("a*b*c", "aXbYc") && !m("a*b*c", "aXbY"));
    }
}
