//! Random arrays in numpy's style: a [`Generator`] whose methods draw lazy arrays of numpy's
//! distributions, each element's value a function of the seed, the array's place in the
//! generator's sequence and the element's position in the whole array: the same values whatever
//! the chunking, the number of threads or of MPI ranks.
//!
//! How each distribution keeps that property: element `i` has its own stream of random bits
//! (wyrand started from a counter-based output at the key and `i`; see the crate's
//! `expr/random.rs`), and its sampler (from `rand_distr`: the ziggurat for normals and
//! exponentials, Marsaglia and Tsang for gammas, rejection for Poisson and binomial) draws as
//! many bits as it needs from that stream alone. A rejection moves no other element's values.
//!
//! # Examples
//!
//! ```
//! use chunkwise::random::default_rng;
//!
//! let rng = default_rng(42);
//! let x = rng.normal(10.0, 2.0, &[1000, 1000], [250, 250])?;
//! let mean = x.mean().compute_scalar()?;
//! assert!((mean - 10.0).abs() < 0.01);
//! // The same seed gives the same values, however the array is cut.
//! let again = default_rng(42).normal(10.0, 2.0, &[1000, 1000], [1000, 7])?;
//! assert_eq!(again.compute()?, x.compute()?);
//! # Ok::<(), chunkwise::Error>(())
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rand_distr::Distribution;

use super::Array;
use crate::chunks::{IntoChunks, chunks_for};
use crate::error::{Error, Result};
use crate::expr::block::Element;
use crate::expr::random::{ElemRng, RandomElement, key};
use crate::expr::source::{Random, Sampled};

/// A source of random arrays, as numpy's `np.random.Generator`: seeded once, each method call
/// draws the next array of its sequence (so two calls give different values), and a generator
/// made with the same seed and called in the same order gives the same arrays. Cheap to make;
/// shareable between threads (calls from several threads take places in the sequence in the
/// order they happen).
///
/// # Examples
///
/// ```
/// use chunkwise::random::Generator;
///
/// let rng = Generator::new(7);
/// let a = rng.random::<f64>(&[4], [2])?.compute()?;
/// let b = rng.random::<f64>(&[4], [2])?.compute()?;
/// assert_ne!(a, b); // the next array of the sequence
/// let again = Generator::new(7);
/// assert_eq!(again.random::<f64>(&[4], [4])?.compute()?, a);
/// # Ok::<(), chunkwise::Error>(())
/// ```
#[derive(Debug)]
pub struct Generator {
    seed: u64,
    /// Arrays drawn so far: the next one's place in the sequence.
    drawn: AtomicU64,
}

/// A [`Generator`] seeded with `seed`, as numpy's `np.random.default_rng(seed)`.
///
/// # Examples
///
/// ```
/// let x = chunkwise::random::default_rng(1).standard_normal(&[100], [10])?;
/// assert_eq!(x.shape(), &[100]);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn default_rng(seed: u64) -> Generator {
    Generator::new(seed)
}

/// `value`, if finite and at least `low` (or above it, when `strict`).
fn check(
    op: &'static str,
    name: &'static str,
    value: f64,
    low: f64,
    strict: bool,
    expected: &'static str,
) -> Result<f64> {
    let ok = value.is_finite() && (value > low || (!strict && value == low));
    if ok {
        Ok(value)
    } else {
        Err(Error::invalid(op, name, value, expected))
    }
}

impl Generator {
    /// A generator seeded with `seed`.
    ///
    /// # Examples
    ///
    /// ```
    /// let rng = chunkwise::random::Generator::new(3);
    /// let x = rng.uniform(-1.0, 1.0, &[10], [5])?.compute()?;
    /// assert!(x.iter().all(|&v| (-1.0..1.0).contains(&v)));
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn new(seed: u64) -> Generator {
        Generator {
            seed,
            drawn: AtomicU64::new(0),
        }
    }

    /// The key of the next array of the sequence.
    fn next_key(&self) -> u64 {
        key(self.seed, self.drawn.fetch_add(1, Ordering::Relaxed))
    }

    /// An array of values of `sample`, named `op`.
    fn sampled<T: Element>(
        &self,
        op: &'static str,
        shape: &[usize],
        chunks: impl IntoChunks,
        sample: impl Fn(&mut ElemRng) -> T + Send + Sync + 'static,
    ) -> Result<Array<T>> {
        let chunks = chunks_for(op, chunks, shape)?;
        Ok(Array::from_node(Sampled::new(
            op,
            chunks,
            self.next_key(),
            Arc::new(sample),
        )))
    }

    /// An array of values of the distribution `d`, named `op`.
    fn drawn<T: Element, D: Distribution<T> + Send + Sync + 'static>(
        &self,
        op: &'static str,
        shape: &[usize],
        chunks: impl IntoChunks,
        d: D,
    ) -> Result<Array<T>> {
        self.sampled(op, shape, chunks, move |r| d.sample(r))
    }

    /// Uniform values in `[0, 1)`, as numpy's `random`: `f64` from the top 53 bits of each
    /// element's draw, `f32` from the top 24. The first array of `Generator::new(seed)` is
    /// [`Array::random`]'s with that seed.
    ///
    /// # Errors
    ///
    /// When `chunks` does not fit `shape`.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, random::Generator};
    /// let x = Generator::new(5).random::<f32>(&[6], [4])?;
    /// assert_eq!(x.compute()?, Array::<f32>::random(&[6], [3], 5)?.compute()?);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn random<T: RandomElement>(
        &self,
        shape: &[usize],
        chunks: impl IntoChunks,
    ) -> Result<Array<T>> {
        let chunks = chunks_for("random", chunks, shape)?;
        Ok(Array::from_node(Random::<T>::new(chunks, self.next_key())))
    }

    /// Uniform values in `[low, high)`, as numpy's `uniform`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `low` and `high` are finite with `low < high`.
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::random::default_rng(2).uniform(5.0, 6.0, &[100], [30])?.compute()?;
    /// assert!(x.iter().all(|&v| (5.0..6.0).contains(&v)));
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn uniform(
        &self,
        low: f64,
        high: f64,
        shape: &[usize],
        chunks: impl IntoChunks,
    ) -> Result<Array<f64>> {
        let low = check(
            "uniform",
            "low",
            low,
            f64::NEG_INFINITY,
            true,
            "a finite number",
        )?;
        let high = check(
            "uniform",
            "high",
            high,
            low,
            true,
            "a finite number above low",
        )?;
        let d = rand_distr::Uniform::new(low, high)
            .map_err(|_| Error::invalid("uniform", "high", high, "a finite number above low"))?;
        self.drawn("uniform", shape, chunks, d)
    }

    /// Integers in `[low, high)`, or `[low, high]` with `endpoint`, each equally likely, as
    /// numpy's `integers(low, high, endpoint=...)`, of any integer element type.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when the range is empty (`low >= high`, or `low > high`
    /// with `endpoint`).
    ///
    /// # Examples
    ///
    /// ```
    /// let rng = chunkwise::random::default_rng(4);
    /// let dice = rng.integers(1u8, 6, true, &[1000], [100])?.compute()?;
    /// assert!(dice.iter().all(|&v| (1..=6).contains(&v)));
    /// assert!((1..=6).all(|face| dice.iter().any(|&v| v == face)));
    /// assert!(rng.integers(3i64, 3, false, &[1], [1]).is_err());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn integers<T>(
        &self,
        low: T,
        high: T,
        endpoint: bool,
        shape: &[usize],
        chunks: impl IntoChunks,
    ) -> Result<Array<T>>
    where
        T: Element + Copy + PartialOrd + std::fmt::Display + rand_distr::uniform::SampleUniform,
        T::Sampler: Send + Sync,
    {
        let d = if endpoint {
            rand_distr::Uniform::new_inclusive(low, high)
        } else {
            rand_distr::Uniform::new(low, high)
        };
        let d = d.map_err(|_| Error::InvalidParameter {
            op: "integers",
            name: "high",
            value: format!("{high} (low {low})"),
            expected: "a non-empty range: high above low (at least low with endpoint)",
        })?;
        self.drawn("integers", shape, chunks, d)
    }

    /// Standard normal values (mean 0, standard deviation 1), as numpy's `standard_normal`,
    /// by the ziggurat method.
    ///
    /// # Errors
    ///
    /// When `chunks` does not fit `shape`.
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::random::default_rng(0).standard_normal(&[400, 400], [100, 100])?;
    /// assert!(x.mean().compute_scalar()?.abs() < 0.01);
    /// assert!((x.std(0.0).compute_scalar()? - 1.0).abs() < 0.01);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn standard_normal(&self, shape: &[usize], chunks: impl IntoChunks) -> Result<Array<f64>> {
        self.drawn("standard_normal", shape, chunks, rand_distr::StandardNormal)
    }

    /// Normal values of mean `loc` and standard deviation `scale`, as numpy's `normal`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `loc` is finite and `scale` finite and at least 0.
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::random::default_rng(1).normal(-3.0, 0.5, &[100_000], [10_000])?;
    /// assert!((x.mean().compute_scalar()? + 3.0).abs() < 0.01);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn normal(
        &self,
        loc: f64,
        scale: f64,
        shape: &[usize],
        chunks: impl IntoChunks,
    ) -> Result<Array<f64>> {
        let loc = check(
            "normal",
            "loc",
            loc,
            f64::NEG_INFINITY,
            true,
            "a finite number",
        )?;
        let scale = check("normal", "scale", scale, 0.0, false, "a finite number >= 0")?;
        self.sampled("normal", shape, chunks, move |r| {
            let z: f64 = rand_distr::StandardNormal.sample(r);
            loc + scale * z
        })
    }

    /// Values whose logarithm is normal with mean `mean` and standard deviation `sigma`, as
    /// numpy's `lognormal`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `mean` is finite and `sigma` finite and at least 0.
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::random::default_rng(1).lognormal(0.0, 1.0, &[1000], [100])?;
    /// assert!(x.compute()?.iter().all(|&v| v > 0.0));
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn lognormal(
        &self,
        mean: f64,
        sigma: f64,
        shape: &[usize],
        chunks: impl IntoChunks,
    ) -> Result<Array<f64>> {
        let mean = check(
            "lognormal",
            "mean",
            mean,
            f64::NEG_INFINITY,
            true,
            "a finite number",
        )?;
        let sigma = check(
            "lognormal",
            "sigma",
            sigma,
            0.0,
            false,
            "a finite number >= 0",
        )?;
        self.sampled("lognormal", shape, chunks, move |r| {
            let z: f64 = rand_distr::StandardNormal.sample(r);
            (mean + sigma * z).exp()
        })
    }

    /// Exponential values of mean `scale`, as numpy's `exponential`, by the ziggurat method.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `scale` is finite and at least 0.
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::random::default_rng(9).exponential(2.0, &[100_000], [25_000])?;
    /// assert!((x.mean().compute_scalar()? - 2.0).abs() < 0.05);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn exponential(
        &self,
        scale: f64,
        shape: &[usize],
        chunks: impl IntoChunks,
    ) -> Result<Array<f64>> {
        let scale = check(
            "exponential",
            "scale",
            scale,
            0.0,
            false,
            "a finite number >= 0",
        )?;
        self.sampled("exponential", shape, chunks, move |r| {
            let e: f64 = rand_distr::Exp1.sample(r);
            scale * e
        })
    }

    /// Gamma values of shape `k` and scale `theta` (mean `k * theta`), as numpy's `gamma`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `k` is finite and above 0 and `theta` finite and at
    /// least 0.
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::random::default_rng(3).gamma(2.0, 1.5, &[100_000], [20_000])?;
    /// assert!((x.mean().compute_scalar()? - 3.0).abs() < 0.05);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn gamma(
        &self,
        k: f64,
        theta: f64,
        shape: &[usize],
        chunks: impl IntoChunks,
    ) -> Result<Array<f64>> {
        let k = check("gamma", "shape", k, 0.0, true, "a finite number > 0")?;
        let theta = check("gamma", "scale", theta, 0.0, false, "a finite number >= 0")?;
        if theta == 0.0 {
            return self.sampled("gamma", shape, chunks, |_| 0.0);
        }
        let d = rand_distr::Gamma::new(k, theta)
            .map_err(|_| Error::invalid("gamma", "shape", k, "a finite number > 0"))?;
        self.drawn("gamma", shape, chunks, d)
    }

    /// Poisson counts of mean `lam`, as numpy's `poisson` (as `u64`: counts are never
    /// negative).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `lam` is finite, at least 0 and below 10^19.
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::random::default_rng(4).poisson(3.5, &[100_000], [10_000])?;
    /// let mean = x.map(|v| v as f64).mean().compute_scalar()?;
    /// assert!((mean - 3.5).abs() < 0.05);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn poisson(
        &self,
        lam: f64,
        shape: &[usize],
        chunks: impl IntoChunks,
    ) -> Result<Array<u64>> {
        let lam = check(
            "poisson",
            "lam",
            lam,
            0.0,
            false,
            "a finite number >= 0 below 1e19",
        )?;
        if lam == 0.0 {
            return self.sampled("poisson", shape, chunks, |_| 0u64);
        }
        let d = rand_distr::Poisson::new(lam).map_err(|_| {
            Error::invalid("poisson", "lam", lam, "a finite number >= 0 below 1e19")
        })?;
        self.sampled("poisson", shape, chunks, move |r| d.sample(r) as u64)
    }

    /// Beta values of parameters `a` and `b` (in `[0, 1]`, mean `a / (a + b)`), as numpy's
    /// `beta`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `a` and `b` are finite and above 0.
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::random::default_rng(1).beta(2.0, 6.0, &[100_000], [10_000])?;
    /// assert!((x.mean().compute_scalar()? - 0.25).abs() < 0.01);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn beta(
        &self,
        a: f64,
        b: f64,
        shape: &[usize],
        chunks: impl IntoChunks,
    ) -> Result<Array<f64>> {
        let a = check("beta", "a", a, 0.0, true, "a finite number > 0")?;
        let b = check("beta", "b", b, 0.0, true, "a finite number > 0")?;
        let d = rand_distr::Beta::new(a, b)
            .map_err(|_| Error::invalid("beta", "a", a, "a finite number > 0"))?;
        self.drawn("beta", shape, chunks, d)
    }

    /// Binomial counts of successes in `n` trials of probability `p`, as numpy's `binomial` (as
    /// `u64`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `p` is in `[0, 1]`.
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::random::default_rng(2).binomial(10, 0.3, &[100_000], [10_000])?;
    /// let mean = x.map(|v| v as f64).mean().compute_scalar()?;
    /// assert!((mean - 3.0).abs() < 0.05);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn binomial(
        &self,
        n: u64,
        p: f64,
        shape: &[usize],
        chunks: impl IntoChunks,
    ) -> Result<Array<u64>> {
        if !(0.0..=1.0).contains(&p) {
            return Err(Error::invalid(
                "binomial",
                "p",
                p,
                "a probability in [0, 1]",
            ));
        }
        let d = rand_distr::Binomial::new(n, p)
            .map_err(|_| Error::invalid("binomial", "p", p, "a probability in [0, 1]"))?;
        self.drawn("binomial", shape, chunks, d)
    }

    /// Chi-square values of `df` degrees of freedom, as numpy's `chisquare`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `df` is finite and above 0.
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::random::default_rng(3).chisquare(4.0, &[100_000], [10_000])?;
    /// assert!((x.mean().compute_scalar()? - 4.0).abs() < 0.1);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn chisquare(
        &self,
        df: f64,
        shape: &[usize],
        chunks: impl IntoChunks,
    ) -> Result<Array<f64>> {
        let df = check("chisquare", "df", df, 0.0, true, "a finite number > 0")?;
        let d = rand_distr::ChiSquared::new(df)
            .map_err(|_| Error::invalid("chisquare", "df", df, "a finite number > 0"))?;
        self.drawn("chisquare", shape, chunks, d)
    }

    /// Student's t values of `df` degrees of freedom, as numpy's `standard_t`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `df` is finite and above 0.
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::random::default_rng(4).standard_t(10.0, &[100_000], [10_000])?;
    /// assert!(x.mean().compute_scalar()?.abs() < 0.05);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn standard_t(
        &self,
        df: f64,
        shape: &[usize],
        chunks: impl IntoChunks,
    ) -> Result<Array<f64>> {
        let df = check("standard_t", "df", df, 0.0, true, "a finite number > 0")?;
        let d = rand_distr::StudentT::new(df)
            .map_err(|_| Error::invalid("standard_t", "df", df, "a finite number > 0"))?;
        self.drawn("standard_t", shape, chunks, d)
    }

    /// The number of trials up to and including the first success, each of probability `p`, as
    /// numpy's `geometric` (as `u64`, at least 1).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `p` is in `(0, 1]`.
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::random::default_rng(5).geometric(0.25, &[100_000], [10_000])?;
    /// let x = x.map(|v| v as f64);
    /// assert!((x.mean().compute_scalar()? - 4.0).abs() < 0.1);
    /// assert!(x.compute()?.iter().all(|&v| v >= 1.0));
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn geometric(
        &self,
        p: f64,
        shape: &[usize],
        chunks: impl IntoChunks,
    ) -> Result<Array<u64>> {
        if !(p > 0.0 && p <= 1.0) {
            return Err(Error::invalid(
                "geometric",
                "p",
                p,
                "a probability in (0, 1]",
            ));
        }
        let d = rand_distr::Geometric::new(p)
            .map_err(|_| Error::invalid("geometric", "p", p, "a probability in (0, 1]"))?;
        // rand_distr counts the failures before the first success; numpy the trials.
        self.sampled("geometric", shape, chunks, move |r| {
            d.sample(r).saturating_add(1)
        })
    }

    /// Weibull values of shape `a` and scale 1, as numpy's `weibull`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `a` is finite and above 0.
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::random::default_rng(6).weibull(1.0, &[100_000], [10_000])?;
    /// assert!((x.mean().compute_scalar()? - 1.0).abs() < 0.05); // an exponential
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn weibull(&self, a: f64, shape: &[usize], chunks: impl IntoChunks) -> Result<Array<f64>> {
        let a = check("weibull", "a", a, 0.0, true, "a finite number > 0")?;
        let d = rand_distr::Weibull::new(1.0, a)
            .map_err(|_| Error::invalid("weibull", "a", a, "a finite number > 0"))?;
        self.drawn("weibull", shape, chunks, d)
    }

    /// Laplace (double exponential) values of position `loc` and scale `scale`, as numpy's
    /// `laplace`, by inverting the distribution function at one uniform value.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `loc` is finite and `scale` finite and at least 0.
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::random::default_rng(7).laplace(1.0, 0.5, &[100_000], [10_000])?;
    /// assert!((x.mean().compute_scalar()? - 1.0).abs() < 0.02);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn laplace(
        &self,
        loc: f64,
        scale: f64,
        shape: &[usize],
        chunks: impl IntoChunks,
    ) -> Result<Array<f64>> {
        let loc = check(
            "laplace",
            "loc",
            loc,
            f64::NEG_INFINITY,
            true,
            "a finite number",
        )?;
        let scale = check(
            "laplace",
            "scale",
            scale,
            0.0,
            false,
            "a finite number >= 0",
        )?;
        self.sampled("laplace", shape, chunks, move |r| {
            // u in (-1/2, 1/2): open at both ends, so the logarithm stays finite.
            let u: f64 = Distribution::<f64>::sample(&rand_distr::Open01, r) - 0.5;
            loc - scale * u.signum() * (1.0 - 2.0 * u.abs()).ln()
        })
    }

    /// Logistic values of position `loc` and scale `scale`, as numpy's `logistic`, by
    /// inverting the distribution function at one uniform value.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `loc` is finite and `scale` finite and at least 0.
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::random::default_rng(8).logistic(-2.0, 1.0, &[100_000], [10_000])?;
    /// assert!((x.mean().compute_scalar()? + 2.0).abs() < 0.05);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn logistic(
        &self,
        loc: f64,
        scale: f64,
        shape: &[usize],
        chunks: impl IntoChunks,
    ) -> Result<Array<f64>> {
        let loc = check(
            "logistic",
            "loc",
            loc,
            f64::NEG_INFINITY,
            true,
            "a finite number",
        )?;
        let scale = check(
            "logistic",
            "scale",
            scale,
            0.0,
            false,
            "a finite number >= 0",
        )?;
        self.sampled("logistic", shape, chunks, move |r| {
            let u: f64 = rand_distr::Open01.sample(r);
            loc + scale * (u / (1.0 - u)).ln()
        })
    }

    /// A random permutation of `0..n`, as numpy's `permutation(n)` (as `usize`), every ordering
    /// equally likely and the same whatever the chunking. It is made when this is called (the
    /// indices sorted by their random bits: `n` words of memory, `n log n` time), then cut into
    /// blocks.
    ///
    /// # Errors
    ///
    /// When `chunks` does not fit `[n]`.
    ///
    /// # Examples
    ///
    /// ```
    /// let p = chunkwise::random::default_rng(1).permutation(10, [3])?.compute()?;
    /// let mut sorted: Vec<usize> = p.iter().copied().collect();
    /// sorted.sort();
    /// assert_eq!(sorted, (0..10).collect::<Vec<_>>());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn permutation(&self, n: usize, chunks: impl IntoChunks) -> Result<Array<usize>> {
        let order = crate::expr::random::permutation(self.next_key(), n);
        Array::from_ndarray(ndarray::Array1::from(order), chunks)
    }

    /// `x` with its slices along `axis` in a random order, as numpy's `permutation(x, axis)`
    /// (numpy's `shuffle` does the same in place; an array here is never changed). The order is
    /// made when this is called (as [`Generator::permutation`] of the axis length); the rest is
    /// lazy: each block of the result reads the input blocks its slices come from.
    ///
    /// # Errors
    ///
    /// [`Error::AxisOutOfRange`] for an axis `x` does not have.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let x = Array::from_ndarray(ndarray::Array::from_iter(0..8), [3])?;
    /// let y = chunkwise::random::default_rng(2).shuffle(&x, 0)?.compute()?;
    /// let mut v: Vec<i32> = y.iter().copied().collect();
    /// v.sort();
    /// assert_eq!(v, (0..8).collect::<Vec<_>>());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn shuffle<T: Element>(
        &self,
        x: &Array<T>,
        axis: impl crate::IntoAxis,
    ) -> Result<Array<T>> {
        let axis = axis.axis_index();
        let Some(&n) = x.shape().get(axis) else {
            return Err(Error::AxisOutOfRange {
                op: "shuffle",
                axis,
                ndim: x.ndim(),
            });
        };
        let order = crate::expr::random::permutation(self.next_key(), n);
        x.select(axis, &order)
    }

    /// `size` indices into `0..n`, as numpy's `choice(n, size, replace, p)` (as `usize`):
    /// uniform, or with the probabilities `p` (one per index, summing to 1); with `replace`
    /// false, no index twice (uniform only: the first `size` positions of a random permutation
    /// of `0..n`, made when this is called).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for `p` of another length than `n`, with a negative or
    /// non-finite entry, or not summing to 1 (within 1e-8); for a sample larger than `n`
    /// without replacement; for `n` = 0 with `size` > 0; and for `p` without replacement (not
    /// there yet).
    ///
    /// # Examples
    ///
    /// ```
    /// let rng = chunkwise::random::default_rng(3);
    /// let c = rng.choice(5, 1000, true, Some(&[0.0, 0.5, 0.0, 0.5, 0.0]), [100])?.compute()?;
    /// assert!(c.iter().all(|&i| i == 1 || i == 3));
    /// let d = rng.choice(10, 10, false, None, [4])?.compute()?;
    /// let mut v: Vec<usize> = d.iter().copied().collect();
    /// v.sort();
    /// assert_eq!(v, (0..10).collect::<Vec<_>>());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn choice(
        &self,
        n: usize,
        size: usize,
        replace: bool,
        p: Option<&[f64]>,
        chunks: impl IntoChunks,
    ) -> Result<Array<usize>> {
        if n == 0 && size > 0 {
            return Err(Error::invalid("choice", "a", n, "a non-empty population"));
        }
        if let Some(p) = p {
            if p.len() != n {
                return Err(Error::invalid(
                    "choice",
                    "p",
                    format!("{} probabilities", p.len()),
                    "one probability per choice",
                ));
            }
            if let Some(bad) = p.iter().find(|v| !(v.is_finite() && **v >= 0.0)) {
                return Err(Error::invalid(
                    "choice",
                    "p",
                    bad,
                    "probabilities that are finite and >= 0",
                ));
            }
            let total: f64 = p.iter().sum();
            if (total - 1.0).abs() > 1e-8 {
                return Err(Error::invalid(
                    "choice",
                    "p",
                    format!("sum {total}"),
                    "probabilities that sum to 1",
                ));
            }
            if !replace {
                return Err(Error::invalid(
                    "choice",
                    "replace",
                    "false with p",
                    "replace = true when p is given (weighted sampling without replacement is not there yet)",
                ));
            }
            let d = rand_distr::weighted::WeightedIndex::new(p.to_vec()).map_err(|_| {
                Error::invalid("choice", "p", "weights", "probabilities that sum to 1")
            })?;
            return self.sampled("choice", &[size], chunks, move |r| d.sample(r));
        }
        if replace {
            if size == 0 {
                return self.sampled("choice", &[0], chunks, |_| 0usize);
            }
            return self.integers(0, n, false, &[size], chunks);
        }
        if size > n {
            return Err(Error::invalid(
                "choice",
                "size",
                size,
                "at most the population without replacement",
            ));
        }
        let mut order = crate::expr::random::permutation(self.next_key(), n);
        order.truncate(size);
        Array::from_ndarray(ndarray::Array1::from(order), chunks)
    }

    /// Vectors from the multivariate normal distribution of `mean` (length `d`) and covariance
    /// `cov` (`d` x `d`, symmetric, positive semi-definite), as numpy's
    /// `multivariate_normal(mean, cov, size)`: an array of shape `shape` + `[d]`, the last axis
    /// the vector (one block along it: `chunks` gives the blocks of `shape`). Each vector is
    /// `mean + L z`, `L` the Cholesky factor of `cov` and `z` `d` standard normals from the
    /// vector's own random bits, so the same whatever the chunking.
    ///
    /// Each element of a vector draws the vector's `z` again (the vector's bits are the same
    /// for all of them): `d` normals per element, which suits the short vectors this is used
    /// for; a long one costs `d` times the draws.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a `cov` of another shape than `d` x `d`, not symmetric,
    /// not positive semi-definite, or with entries that are not finite, and for a `mean` that
    /// is not finite.
    ///
    /// # Examples
    ///
    /// ```
    /// let rng = chunkwise::random::default_rng(1);
    /// let cov = [[1.0, 0.8], [0.8, 1.0]];
    /// let x = rng.multivariate_normal(&[0.0, 5.0], &cov, &[50_000], [10_000])?;
    /// assert_eq!(x.shape(), &[50_000, 2]);
    /// let m = x.mean_axis(0)?.compute()?;
    /// assert!((m[[1]] - 5.0).abs() < 0.05);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn multivariate_normal<const D: usize>(
        &self,
        mean: &[f64; D],
        cov: &[[f64; D]; D],
        shape: &[usize],
        chunks: impl IntoChunks,
    ) -> Result<Array<f64>> {
        let op = "multivariate_normal";
        if let Some(bad) = mean.iter().find(|v| !v.is_finite()) {
            return Err(Error::invalid(op, "mean", bad, "finite numbers"));
        }
        if let Some(bad) = cov.iter().flatten().find(|v| !v.is_finite()) {
            return Err(Error::invalid(op, "cov", bad, "finite numbers"));
        }
        for (i, row) in cov.iter().enumerate() {
            for (j, &a) in row.iter().enumerate().take(i) {
                let b = cov[j][i];
                if (a - b).abs() > 1e-8 * (1.0 + a.abs().max(b.abs())) {
                    return Err(Error::invalid(
                        op,
                        "cov",
                        format!("[{i}][{j}] = {a}, [{j}][{i}] = {b}"),
                        "a symmetric matrix",
                    ));
                }
            }
        }
        let l = cholesky_psd(cov).ok_or_else(|| {
            Error::invalid(
                op,
                "cov",
                "a matrix with a negative eigenvalue",
                "a positive semi-definite matrix",
            )
        })?;
        let outer = chunks_for(op, chunks, shape)?;
        let mut sizes = outer.sizes().to_vec();
        sizes.push(vec![D]);
        let mut full = shape.to_vec();
        full.push(D);
        let (mean, key) = (*mean, self.next_key());
        let lead = shape.to_vec();
        Array::from_fn(&full, sizes, move |idx| {
            let (k, vector) = idx.split_last().expect("the vector's axis");
            // The vector's row-major index among the vectors.
            let v = vector
                .iter()
                .zip(&lead)
                .fold(0u64, |acc, (&i, &n)| acc * n as u64 + i as u64);
            let mut r = ElemRng::at(key, v);
            let z: [f64; D] = std::array::from_fn(|_| rand_distr::StandardNormal.sample(&mut r));
            mean[*k] + (0..=*k).map(|j| l[*k][j] * z[j]).sum::<f64>()
        })
    }
}

/// The lower Cholesky factor `L` (`L Lᵀ = cov`) of a symmetric positive semi-definite matrix:
/// a column whose pivot is zero, within rounding, is zero (numpy accepts singular covariances
/// too). `None` if the matrix has a negative eigenvalue beyond rounding.
fn cholesky_psd<const D: usize>(cov: &[[f64; D]; D]) -> Option<[[f64; D]; D]> {
    let mut l = [[0.0; D]; D];
    let scale = cov
        .iter()
        .flatten()
        .fold(0.0f64, |m, v| m.max(v.abs()))
        .max(f64::MIN_POSITIVE);
    let tol = 1e-10 * scale;
    for j in 0..D {
        let pivot = cov[j][j] - (0..j).map(|k| l[j][k] * l[j][k]).sum::<f64>();
        if pivot < -tol {
            return None;
        }
        if pivot <= tol {
            // A zero column: every entry below must be zero too, or the matrix is indefinite.
            for i in j + 1..D {
                let rest = cov[i][j] - (0..j).map(|k| l[i][k] * l[j][k]).sum::<f64>();
                if rest.abs() > tol.sqrt() * scale.sqrt() {
                    return None;
                }
            }
            continue;
        }
        let d = pivot.sqrt();
        l[j][j] = d;
        for i in j + 1..D {
            l[i][j] = (cov[i][j] - (0..j).map(|k| l[i][k] * l[j][k]).sum::<f64>()) / d;
        }
    }
    Some(l)
}
