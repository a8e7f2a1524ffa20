//! Making arrays: from data in memory, or block by block inside tasks.

use std::sync::Arc;

use ndarray::Dimension;
use num_traits::{One, Zero};

use super::Array;
use super::random::uniform_fill;
use crate::chunks::{IntoChunks, chunks_for, chunks_for_type};
use crate::error::Result;
use crate::expr::block::Element;
use crate::expr::random::RandomElement;
use crate::expr::source::{FromFn, FromNdarray, Full};

impl<T: Element> Array<T> {
    /// A chunked array over `a`, an `ndarray` array of any dimension (0-d included).
    ///
    /// `a` is moved, not copied; each block is a view of it.
    ///
    /// # Errors
    ///
    /// [`Error::ChunksRank`](crate::Error::ChunksRank),
    /// [`Error::ChunksSum`](crate::Error::ChunksSum) or
    /// [`Error::ZeroChunk`](crate::Error::ZeroChunk) when `chunks` does not fit `a`'s shape.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// use ndarray::array;
    ///
    /// let a = array![[1, 2, 3], [4, 5, 6]];
    /// let x = Array::from_ndarray(a.clone(), &[1, 2])?; // block shape
    /// assert_eq!(x.chunks(), &[vec![1, 1], vec![2, 1]]);
    /// let y = Array::from_ndarray(a.clone(), vec![vec![2], vec![1, 2]])?; // explicit sizes
    /// assert_eq!(y.num_blocks(), 2);
    /// let scalar = Array::from_ndarray(ndarray::arr0(5.0), &[])?; // 0-d
    /// assert_eq!(scalar.compute()?[[]], 5.0);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn from_ndarray<D: Dimension>(
        a: ndarray::Array<T, D>,
        chunks: impl IntoChunks,
    ) -> Result<Array<T>> {
        let chunks = chunks_for_type::<T>("from_ndarray", chunks, a.shape())?;
        Ok(Array::from_node(FromNdarray::new(chunks, a.into_dyn())))
    }

    /// An array of `shape` filled with `value`; its blocks are made inside tasks.
    ///
    /// # Errors
    ///
    /// When `chunks` does not fit `shape`.
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::Array::full(&[2, 2], &[1, 1], true)?;
    /// assert!(x.compute()?.iter().all(|&b| b));
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn full(shape: &[usize], chunks: impl IntoChunks, value: T) -> Result<Array<T>> {
        Self::full_named("full", shape, chunks, value)
    }

    /// [`Array::full`], its chunk errors naming `op`.
    fn full_named(
        op: &'static str,
        shape: &[usize],
        chunks: impl IntoChunks,
        value: T,
    ) -> Result<Array<T>> {
        let chunks = chunks_for_type::<T>(op, chunks, shape)?;
        Ok(Array::from_node(Full::new(chunks, value)))
    }

    /// An array of zeros.
    ///
    /// # Errors
    ///
    /// When `chunks` does not fit `shape`.
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::Array::<f32>::zeros(&[3], &[2])?;
    /// assert_eq!(x.compute()?.sum(), 0.0);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn zeros(shape: &[usize], chunks: impl IntoChunks) -> Result<Array<T>>
    where
        T: Zero,
    {
        Self::full_named("zeros", shape, chunks, T::zero())
    }

    /// An array of ones.
    ///
    /// # Errors
    ///
    /// When `chunks` does not fit `shape`.
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::Array::<i64>::ones(&[3, 2], &[2, 2])?;
    /// assert_eq!(x.compute()?.sum(), 6);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn ones(shape: &[usize], chunks: impl IntoChunks) -> Result<Array<T>>
    where
        T: One,
    {
        Self::full_named("ones", shape, chunks, T::one())
    }

    /// An array whose element at index `i` (in the whole array) is `f(i)`; each block is made
    /// inside its own task.
    ///
    /// # Errors
    ///
    /// When `chunks` does not fit `shape`.
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::Array::from_fn(&[2, 3], &[1, 2], |i| 10 * i[0] + i[1])?;
    /// assert_eq!(x.compute()?, ndarray::array![[0, 1, 2], [10, 11, 12]].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn from_fn<F>(shape: &[usize], chunks: impl IntoChunks, f: F) -> Result<Array<T>>
    where
        F: Fn(&[usize]) -> T + Send + Sync + 'static,
    {
        let chunks = chunks_for_type::<T>("from_fn", chunks, shape)?;
        Ok(Array::from_node(FromFn::new(chunks, Arc::new(f))))
    }

    /// Uniform random values in `[0, 1)`.
    ///
    /// Each element's value depends only on `seed` and its position in the whole array: the
    /// same values whatever the chunking, the number of threads or of MPI ranks. It is the first
    /// array of [`random::Generator::new(seed)`](crate::random::Generator), whose other methods
    /// draw numpy's distributions the same way. (The values changed once, when the generator
    /// became counter-based: they used to depend on the chunking too.)
    ///
    /// # Errors
    ///
    /// When `chunks` does not fit `shape`.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, Scheduler};
    /// let x = Array::<f64>::random(&[1000], &[100], 42)?;
    /// let a = x.compute_with(&Scheduler::synchronous())?;
    /// let b = x.compute_with(&Scheduler::threads(3))?;
    /// assert_eq!(a, b);
    /// assert!(a.iter().all(|&v| (0.0..1.0).contains(&v)));
    /// // Another chunking, the same values.
    /// assert_eq!(Array::<f64>::random(&[1000], &[7], 42)?.compute()?, a);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn random(shape: &[usize], chunks: impl IntoChunks, seed: u64) -> Result<Array<T>>
    where
        T: RandomElement,
    {
        let chunks = chunks_for("random", chunks, shape)?;
        let key = crate::expr::random::key(seed, 0);
        Ok(Array::sampled("random", chunks, key, uniform_fill::<T>()))
    }
}

/// numpy's ranges: evenly spaced values along one axis.
impl<T: Element + Copy + num_traits::NumCast + PartialOrd> Array<T> {
    /// The values `start, start + step, ...` below `stop` (above it for a negative step), as
    /// numpy's `arange`: `ceil((stop - start) / step)` of them, value `i` computed as
    /// `start + i * step`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) for a step of zero, or
    /// bounds that are not finite; when `chunks` does not fit.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// assert_eq!(Array::arange(2, 11, 3, [2])?.compute()?, ndarray::array![2, 5, 8].into_dyn());
    /// assert_eq!(Array::arange(1.0, 0.0, -0.25, [2])?.compute()?, ndarray::array![1.0, 0.75, 0.5, 0.25].into_dyn());
    /// assert_eq!(Array::arange(0, -3, 1, [2])?.shape(), &[0]);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn arange(start: T, stop: T, step: T, chunks: impl IntoChunks) -> Result<Array<T>>
    where
        T: std::ops::Add<Output = T> + std::ops::Mul<Output = T>,
    {
        let f = |v: T| <f64 as num_traits::NumCast>::from(v).unwrap_or(f64::NAN);
        let (a, b, s) = (f(start), f(stop), f(step));
        if s == 0.0 || !a.is_finite() || !b.is_finite() || !s.is_finite() {
            return Err(crate::error::Error::InvalidParameter {
                op: "arange",
                name: "step",
                value: format!("{s} (from {a} to {b})"),
                expected: "a step other than 0 and finite bounds",
            });
        }
        let len = ((b - a) / s).ceil().max(0.0) as usize;
        let chunks = chunks_for("arange", chunks, &[len])?;
        Ok(Array::from_node(FromFn::new(
            chunks,
            Arc::new(move |i: &[usize]| {
                start
                    + <T as num_traits::NumCast>::from(i[0])
                        .expect("an index fits the element type")
                        * step
            }),
        )))
    }
}

impl<T: Element + num_traits::Float> Array<T> {
    /// `num` evenly spaced values from `start` to `stop` (numpy's `linspace`): value `i` is
    /// `start + i * (stop - start) / (num - 1)`, the last one exactly `stop`; without the
    /// `endpoint`, `num` steps of `(stop - start) / num`, `stop` left out.
    ///
    /// # Errors
    ///
    /// When `chunks` does not fit.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// assert_eq!(Array::linspace(0.0, 1.0, 5, true, [2])?.compute()?, ndarray::array![0.0, 0.25, 0.5, 0.75, 1.0].into_dyn());
    /// assert_eq!(Array::linspace(0.0, 1.0, 4, false, [3])?.compute()?, ndarray::array![0.0, 0.25, 0.5, 0.75].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn linspace(
        start: T,
        stop: T,
        num: usize,
        endpoint: bool,
        chunks: impl IntoChunks,
    ) -> Result<Array<T>> {
        let chunks = chunks_for("linspace", chunks, &[num])?;
        let div = if endpoint { num.saturating_sub(1) } else { num };
        let delta = stop - start;
        let cast = |n: usize| T::from(n).expect("a count fits a float");
        let step = if div > 0 { delta / cast(div) } else { T::nan() };
        Ok(Array::from_node(FromFn::new(
            chunks,
            Arc::new(move |i: &[usize]| {
                if endpoint && num > 1 && i[0] == num - 1 {
                    return stop;
                }
                let y = cast(i[0]);
                let y = if div == 0 {
                    y * delta
                } else if step == T::zero() {
                    y / cast(div) * delta
                } else {
                    y * step
                };
                y + start
            }),
        )))
    }
}

impl Array<usize> {
    /// The index grid of `shape` (numpy's `indices`): shape `[ndim, ...shape]`, entry
    /// `[k, i...]` being `i[k]`; `chunks` cut the grid's axes (the first axis is one block).
    ///
    /// # Errors
    ///
    /// When `chunks` does not fit `shape`.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let g = Array::indices(&[2, 3], [1, 2])?.compute()?;
    /// assert_eq!(g, ndarray::array![[[0, 0, 0], [1, 1, 1]], [[0, 1, 2], [0, 1, 2]]].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn indices(shape: &[usize], chunks: impl IntoChunks) -> Result<Array<usize>> {
        let grid = chunks_for("indices", chunks, shape)?;
        let mut full = vec![shape.len()];
        full.extend_from_slice(shape);
        let mut sizes = vec![vec![shape.len()]];
        sizes.extend(grid.sizes().iter().cloned());
        if shape.is_empty() {
            sizes = vec![Vec::new()];
        }
        let chunks = crate::chunks::Chunks::new(&full, sizes)?;
        Ok(Array::from_node(FromFn::new(
            chunks,
            Arc::new(|i: &[usize]| i[1 + i[0]]),
        )))
    }
}
