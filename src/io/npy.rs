//! `.npy` files (numpy's format, version 1.0 to 3.0), read and written block by block.
//!
//! [`Array::from_npy`] reads only the header when the array is built; each block's task then
//! reads its own bytes with positioned reads, so the file is never loaded whole (and ghost cells
//! read just the neighbours' cells they need).
//! [`Array::to_npy`] writes each block's bytes at their place in a temporary file as soon as
//! the block is computed, and renames the file into place when every block is written.
//!
//! ```text
//!   "\x93NUMPY" major minor | header length | {'descr': '<f8', 'fortran_order': False,
//!   'shape': (4, 3), } padded with spaces to a multiple of 64 | data, row-major
//! ```

use std::fs::File;
use std::marker::PhantomData;
use std::ops::Range;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ndarray::{ArrayD, IxDyn};

use super::{Sink, WriteBlock, io_error, run_sink, temp_path};
use crate::array::Array;
use crate::chunks::{Chunks, IntoChunks, for_each_combination};
use crate::dtype::Primitive;
use crate::dtype::wire::Bytes;
use crate::error::{Error, Result};
use crate::expr::block::{block_of, owned, row_major_vec};
use crate::expr::{Node, Props, Role, Stored};
use crate::scheduler::{Scheduler, Value};

const MAGIC: &[u8] = b"\x93NUMPY";

/// Element types of `.npy` files: the numeric types and `bool`, stored little-endian.
///
/// # Examples
///
/// ```
/// use chunkwise::io::npy::NpyElement;
/// assert_eq!(<f64 as NpyElement>::DESCR, "<f8");
/// assert_eq!(<bool as NpyElement>::DESCR, "|b1");
/// ```
pub trait NpyElement: Primitive {
    /// numpy's type string for the element (`<f8`, `|u1`, ...), from the element-type table.
    const DESCR: &'static str = <Self as Primitive>::DTYPE.npy;
    /// Size in bytes in the file (8 for `usize` and `isize`).
    const SIZE: usize = <Self as Primitive>::DTYPE.size;
    /// Reads one element from `SIZE` little-endian bytes.
    fn read(bytes: &[u8]) -> Self {
        <Self as Bytes>::get(bytes)
    }
    /// Writes one element as `SIZE` little-endian bytes.
    fn write(self, out: &mut [u8]) {
        Bytes::write(&self, out);
    }
}

// Every primitive element type, in the byte form of `dtype::wire` (little-endian; `usize` and
// `isize` as the 64-bit integers they are on 64-bit targets, `<u8` and `<i8`).
impl NpyElement for f64 {}
impl NpyElement for f32 {}
impl NpyElement for i64 {}
impl NpyElement for i32 {}
impl NpyElement for i16 {}
impl NpyElement for i8 {}
impl NpyElement for u64 {}
impl NpyElement for u32 {}
impl NpyElement for u16 {}
impl NpyElement for u8 {}
impl NpyElement for num_complex::Complex<f32> {}
impl NpyElement for num_complex::Complex<f64> {}
impl NpyElement for usize {}
impl NpyElement for isize {}
impl NpyElement for bool {}

/// The header of a `.npy` file.
#[derive(Debug, PartialEq)]
struct Header {
    descr: String,
    fortran_order: bool,
    shape: Vec<usize>,
    /// Offset of the data in the file.
    data_offset: u64,
}

fn bad(path: &Path, message: impl Into<String>) -> Error {
    Error::BadStore {
        path: path.display().to_string(),
        message: message.into(),
        source: None,
    }
}

/// Reads and parses the header of the `.npy` file at `path`.
fn read_header(path: &Path, file: &File) -> Result<Header> {
    let mut pre = [0u8; 12];
    let n = file
        .read_at(&mut pre, 0)
        .map_err(|e| io_error("read", path, e))?;
    if n < 10 || &pre[..6] != MAGIC {
        return Err(bad(path, "not a .npy file (no \\x93NUMPY magic)"));
    }
    let (len, start) = match pre[6] {
        1 => (u16::from_le_bytes([pre[8], pre[9]]) as usize, 10),
        2 | 3 => (
            u32::from_le_bytes([pre[8], pre[9], pre[10], pre[11]]) as usize,
            12,
        ),
        v => {
            return Err(bad(
                path,
                format!(".npy format version {v} is not supported"),
            ));
        }
    };
    // The length is read from the file: check it against the file before allocating it.
    let file_len = file
        .metadata()
        .map_err(|e| io_error("stat", path, e))?
        .len();
    if (start + len) as u64 > file_len {
        return Err(bad(
            path,
            format!("header length {len} runs past the end of the file ({file_len} bytes)"),
        ));
    }
    let mut text = vec![0u8; len];
    file.read_exact_at(&mut text, start as u64)
        .map_err(|e| io_error("read", path, e))?;
    let text = String::from_utf8_lossy(&text);
    let field = |name: &str| -> Result<&str> {
        let key = format!("'{name}':");
        let at = text
            .find(&key)
            .ok_or_else(|| bad(path, format!("header has no '{name}': {text}")))?;
        Ok(text[at + key.len()..].trim_start())
    };
    let descr = field("descr")?;
    let descr = descr
        .strip_prefix('\'')
        .and_then(|d| d.split('\'').next())
        .ok_or_else(|| bad(path, format!("header has an unreadable descr: {text}")))?
        .to_string();
    let fortran_order = field("fortran_order")?.starts_with("True");
    let shape_text = field("shape")?;
    let shape_text = shape_text
        .strip_prefix('(')
        .and_then(|s| s.split(')').next())
        .ok_or_else(|| bad(path, format!("header has an unreadable shape: {text}")))?;
    let shape = shape_text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_end_matches('L').parse::<usize>())
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|_| bad(path, format!("header has an unreadable shape: {text}")))?;
    Ok(Header {
        descr,
        fortran_order,
        shape,
        data_offset: (start + len) as u64,
    })
}

/// The header of a version 1.0 `.npy` file for `T` and `shape`, padded so the data starts at a
/// multiple of 64 bytes.
fn header_bytes<T: NpyElement>(shape: &[usize]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    let tuple = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let mut dict = format!(
        "{{'descr': '{}', 'fortran_order': False, 'shape': {tuple}, }}",
        T::DESCR
    );
    let unpadded = MAGIC.len() + 4 + dict.len() + 1;
    dict.push_str(&" ".repeat(unpadded.next_multiple_of(64) - unpadded));
    dict.push('\n');
    let mut out = Vec::with_capacity(unpadded.next_multiple_of(64));
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out
}

/// For the region `ranges` of a row-major array of `shape`: calls `f(element offset in the
/// array, element offset in the region, run length)` for each run of the region that is
/// contiguous in the file.
fn for_each_file_run(
    shape: &[usize],
    ranges: &[Range<usize>],
    mut f: impl FnMut(usize, usize, usize),
) {
    let n = shape.len();
    if n == 0 {
        f(0, 0, 1);
        return;
    }
    if ranges.iter().any(|r| r.is_empty()) {
        return;
    }
    // Trailing axes taken whole merge into one run with the first axis that is not.
    let mut k = n - 1;
    while k > 0 && ranges[k].len() == shape[k] {
        k -= 1;
    }
    let inner: usize = shape[k + 1..].iter().product();
    let run = ranges[k].len() * inner;
    let outer: Vec<Vec<usize>> = ranges[..k].iter().map(|r| r.clone().collect()).collect();
    let mut strides = vec![1; n];
    for a in (0..n - 1).rev() {
        strides[a] = strides[a + 1] * shape[a + 1];
    }
    let mut at = 0;
    for_each_combination(&outer, |idx| {
        let offset: usize = idx
            .iter()
            .zip(&strides)
            .map(|(&&i, s)| i * s)
            .sum::<usize>()
            + ranges[k].start * strides[k];
        f(offset, at, run);
        at += run;
    });
}

/// Reads the blocks of a `.npy` file.
struct NpySource<T> {
    path: PathBuf,
    file: Arc<File>,
    data_offset: u64,
    props: Props,
    _t: PhantomData<fn() -> T>,
}

impl<T: NpyElement> Stored for NpySource<T> {
    fn describe(&self) -> String {
        format!("from_npy {}", self.path.display())
    }
    fn reads_regions(&self) -> bool {
        true
    }
    fn read_region(&self, block: usize, ranges: &[Range<usize>]) -> Result<Value> {
        let global: Vec<Range<usize>> = self
            .props
            .chunks
            .block_ranges(block)
            .iter()
            .zip(ranges)
            .map(|(s, r)| s.start + r.start..s.start + r.end)
            .collect();
        self.read(&global)
    }
}

impl<T: NpyElement> Node for NpySource<T> {
    fn props(&self) -> &Props {
        &self.props
    }
    fn role(&self) -> Role<'_> {
        Role::Stored(self)
    }
    fn compute(&self, block: usize, _inputs: &mut Vec<Value>) -> Result<Value> {
        self.read(&self.props.chunks.block_ranges(block))
    }
}

impl<T: NpyElement> NpySource<T> {
    /// Reads the region `ranges` of the array.
    fn read(&self, ranges: &[Range<usize>]) -> Result<Value> {
        let shape: Vec<usize> = ranges.iter().map(|r| r.len()).collect();
        let mut bytes = vec![0u8; shape.iter().product::<usize>() * T::SIZE];
        let mut failed = None;
        for_each_file_run(self.props.chunks.shape(), ranges, |offset, at, len| {
            if failed.is_some() {
                return;
            }
            let pos = self.data_offset + (offset * T::SIZE) as u64;
            let dst = &mut bytes[at * T::SIZE..(at + len) * T::SIZE];
            if let Err(e) = self.file.read_exact_at(dst, pos) {
                failed = Some(io_error("read", &self.path, e));
            }
        });
        if let Some(e) = failed {
            return Err(e);
        }
        let data: Vec<T> = bytes.chunks_exact(T::SIZE).map(T::read).collect();
        let a = ArrayD::from_shape_vec(IxDyn(&shape), data).expect("one element per cell");
        Ok(owned(a))
    }
}

impl<T: NpyElement> Array<T> {
    /// The `.npy` file at `path`, cut into `chunks`, read lazily: building the array reads the
    /// header only, and each block's task reads its own bytes.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the file cannot be opened, [`Error::BadStore`] for a file that is not
    /// `.npy`, is Fortran-ordered or big-endian, or is shorter than its header says,
    /// [`Error::DtypeMismatch`] if it does not hold `T`, and the errors of
    /// [`IntoChunks::into_chunks`].
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let path = std::env::temp_dir().join(format!("chunkwise-doc-npy-{}.npy", std::process::id()));
    /// let x = Array::<i32>::from_fn(&[5, 3], [2, 2], |i| (i[0] * 3 + i[1]) as i32)?;
    /// x.to_npy(&path)?;
    /// let y = Array::<i32>::from_npy(&path, [4, 3])?;
    /// assert_eq!(y.compute()?, x.compute()?);
    /// assert!(Array::<f64>::from_npy(&path, [4, 3]).is_err()); // the file holds <i4
    /// # std::fs::remove_file(&path).unwrap();
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn from_npy(path: impl AsRef<Path>, chunks: impl IntoChunks) -> Result<Array<T>> {
        let path = path.as_ref().to_path_buf();
        let file = File::open(&path).map_err(|e| io_error("open", &path, e))?;
        let header = read_header(&path, &file)?;
        if header.descr != T::DESCR {
            let size_one = T::SIZE == 1 && header.descr.get(1..) == T::DESCR.get(1..);
            if !size_one {
                return Err(Error::DtypeMismatch {
                    path: path.display().to_string(),
                    stored: header.descr,
                    requested: T::DESCR.to_string(),
                });
            }
        }
        if header.fortran_order {
            return Err(bad(&path, "Fortran-ordered .npy files are not supported"));
        }
        let len = file
            .metadata()
            .map_err(|e| io_error("stat", &path, e))?
            .len();
        let shape = &header.shape;
        let need = shape
            .iter()
            .try_fold(T::SIZE as u64, |acc, &n| acc.checked_mul(n as u64))
            .and_then(|n| n.checked_add(header.data_offset))
            .ok_or_else(|| {
                bad(
                    &path,
                    format!("shape {shape:?} has more bytes than can be addressed"),
                )
            })?;
        if len < need {
            return Err(bad(
                &path,
                format!("file has {len} bytes, its shape {shape:?} needs {need}"),
            ));
        }
        // A shape too large for the blocks asked for comes from the file: name it.
        let chunks = crate::chunks::chunks_for("from_npy", chunks, shape).map_err(|e| match e {
            Error::TooLarge { .. } => bad(&path, e.to_string()),
            e => e,
        })?;
        Ok(Array::from_node(NpySource::<T> {
            props: Props::new::<T>("from_npy", chunks, vec![]),
            path,
            file: Arc::new(file),
            data_offset: header.data_offset,
            _t: PhantomData,
        }))
    }

    /// Computes the array into a `.npy` file at `path` on the default scheduler; see
    /// [`Array::to_npy_with`].
    ///
    /// # Errors
    ///
    /// As [`Array::to_npy_with`].
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let path = std::env::temp_dir().join(format!("chunkwise-doc-to-npy-{}.npy", std::process::id()));
    /// Array::<f32>::ones(&[4, 4], [2, 2])?.to_npy(&path)?;
    /// assert_eq!(Array::<f32>::from_npy(&path, [4, 4])?.sum().compute_scalar()?, 16.0);
    /// # std::fs::remove_file(&path).unwrap();
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn to_npy(&self, path: impl AsRef<Path>) -> Result<()> {
        self.to_npy_with(path, &Scheduler::global()?)
    }

    /// Computes the array into a `.npy` file at `path` on `scheduler`, block by block: each
    /// block's bytes are written at their place as soon as it is computed, then the block is
    /// freed. The file is written under a temporary name and renamed into place at the end, so
    /// a failure leaves any earlier file at `path` untouched.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the file cannot be written, and every error of computing the array.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, Scheduler};
    /// let path = std::env::temp_dir().join(format!("chunkwise-doc-to-npy-with-{}.npy", std::process::id()));
    /// Array::<u8>::full(&[3, 5], [2, 2], 9)?.to_npy_with(&path, &Scheduler::threads(2))?;
    /// assert_eq!(Array::<u8>::from_npy(&path, [3, 5])?.compute()?[[2, 4]], 9);
    /// # std::fs::remove_file(&path).unwrap();
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn to_npy_with(&self, path: impl AsRef<Path>, scheduler: &Scheduler) -> Result<()> {
        let path = path.as_ref();
        let tmp = temp_path(path);
        let header = header_bytes::<T>(self.shape());
        let result = (|| {
            let file = File::create(&tmp).map_err(|e| io_error("create", &tmp, e))?;
            let size = header.len() as u64 + (self.len() * T::SIZE) as u64;
            file.set_len(size)
                .map_err(|e| io_error("resize", &tmp, e))?;
            file.write_all_at(&header, 0)
                .map_err(|e| io_error("write", &tmp, e))?;
            let sink = Sink::node(
                self.node().clone(),
                self.chunk_layout().clone(),
                NpyWrite::<T> {
                    path: tmp.clone(),
                    file: Arc::new(file),
                    data_offset: header.len() as u64,
                    _t: PhantomData,
                },
            );
            run_sink(&sink, scheduler)?;
            std::fs::rename(&tmp, path).map_err(|e| io_error("rename", path, e))
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }
}

/// Writes each block of its input at its place in a `.npy` file.
struct NpyWrite<T> {
    path: PathBuf,
    file: Arc<File>,
    data_offset: u64,
    _t: PhantomData<fn() -> T>,
}

impl<T: NpyElement> WriteBlock for NpyWrite<T> {
    const NAME: &'static str = "to_npy";
    fn write(&self, chunks: &Chunks, block: usize, input: &Value) -> Result<()> {
        let view = block_of::<T>(input).view();
        let mut bytes = vec![0u8; view.len() * T::SIZE];
        let values = row_major_vec(&view);
        for (v, out) in values.iter().zip(bytes.chunks_exact_mut(T::SIZE)) {
            v.write(out);
        }
        let mut result = Ok(());
        let ranges = chunks.block_ranges(block);
        for_each_file_run(chunks.shape(), &ranges, |offset, at, len| {
            if result.is_err() {
                return;
            }
            let pos = self.data_offset + (offset * T::SIZE) as u64;
            let src = &bytes[at * T::SIZE..(at + len) * T::SIZE];
            result = self
                .file
                .write_all_at(src, pos)
                .map_err(|e| io_error("write", &self.path, e));
        });
        result
    }
}

#[cfg(test)]
mod test {
    use ndarray::Dimension as _;

    use super::*;

    #[test]
    fn headers_parse_back_and_pad_to_64_bytes() {
        for shape in [vec![], vec![0], vec![5], vec![3, 4, 5]] {
            let h = header_bytes::<f64>(&shape);
            assert_eq!(h.len() % 64, 0);
            let dir = std::env::temp_dir().join(format!("chunkwise-npy-header-{}", shape.len()));
            std::fs::write(&dir, &h).unwrap();
            let f = File::open(&dir).unwrap();
            let parsed = read_header(&dir, &f).unwrap();
            assert_eq!(parsed.shape, shape);
            assert_eq!(parsed.descr, "<f8");
            assert!(!parsed.fortran_order);
            assert_eq!(parsed.data_offset, h.len() as u64);
            std::fs::remove_file(&dir).unwrap();
        }
    }

    #[test]
    fn file_runs_cover_each_block_once() {
        let chunks = Chunks::regular(&[4, 5, 6], &[3, 2, 6]).unwrap();
        let mut seen = [0u8; 4 * 5 * 6];
        for b in 0..chunks.num_blocks() {
            let mut at_expected = 0;
            for_each_file_run(
                chunks.shape(),
                &chunks.block_ranges(b),
                |offset, at, len| {
                    assert_eq!(at, at_expected);
                    at_expected += len;
                    for s in &mut seen[offset..offset + len] {
                        *s += 1;
                    }
                },
            );
            assert_eq!(at_expected, chunks.block_shape(b).size());
        }
        assert!(seen.iter().all(|&s| s == 1));
    }
}
