//! Making arrays: from data in memory, or block by block inside tasks.

use std::sync::Arc;

use ndarray::Dimension;
use num_traits::{One, Zero};

use super::Array;
use super::random::uniform_fill;
use crate::chunks::{IntoChunks, chunks_for};
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
        let chunks = chunks_for("from_ndarray", chunks, a.shape())?;
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
        let chunks = chunks_for(op, chunks, shape)?;
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
        let chunks = chunks_for("from_fn", chunks, shape)?;
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
