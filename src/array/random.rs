//! Random arrays in numpy's style: a [`Generator`] whose methods draw lazy arrays of numpy's
//! distributions, each element's value a function of the seed, the array's place in the
//! generator's sequence and the element's position in the whole array: the same values whatever
//! the chunking, the number of threads or of MPI ranks.
//!
//! How each distribution keeps that property: element `i` has its own stream of random bits
//! (its first 64 a counter-based function of the key and `i`, the rest a hash chain from
//! there; see the crate's `expr/random.rs`), and its sampler draws as many as it needs from
//! that stream alone: the normal family by the ziggurat (written here, from its first 64 bits
//! about 99% of the time), the exponential by `rand_distr`'s ziggurat, gamma, beta, chi-square
//! and Student's t by Marsaglia and Tsang's rejection, Poisson and binomial by `rand_distr`'s
//! rejection samplers, the rest by inverting the distribution function at one uniform value.
//! A rejection moves no other element's values.
//!
//! Parameters are numbers or arrays that broadcast against the shape ([`Param`]), as numpy's.
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

use ndarray::{ArrayD, Dimension as _};
use rand_distr::Distribution;

use super::Array;
use crate::chunks::{Chunks, IntoChunks, chunks_for};
use crate::error::{Error, Result};
use crate::expr::block::{Element, block_of, owned};
use crate::expr::blockwise::{Blockwise, Kernel};
use crate::expr::random::{self, ElemRng, FillFn, RandomElement, key};
use crate::expr::source::Sampled;

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

/// A distribution's parameter: one number for every element, or an array of numbers that
/// broadcasts against the drawn array's shape (numpy's array-like parameters), each element
/// drawn with the parameters at its position. Numbers are checked when the array is made;
/// an array's values when its blocks are drawn, a bad one failing the computation with
/// [`Error::InvalidParameter`] naming it.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, random::default_rng};
///
/// // One mean per column, broadcast down the rows.
/// let means = Array::from_ndarray(ndarray::array![0.0, 100.0, -100.0].into_dyn(), [3])?;
/// let x = default_rng(1).normal(&means, 1.0, &[10_000, 3], [2_500, 1])?;
/// let m = x.mean_axis(0)?.compute()?;
/// assert!((m[[1]] - 100.0).abs() < 0.1 && (m[[2]] + 100.0).abs() < 0.1);
/// # Ok::<(), chunkwise::Error>(())
/// ```
#[derive(Clone)]
pub enum Param {
    /// The same number for every element.
    Scalar(f64),
    /// An array broadcast against the shape.
    Array(Array<f64>),
}

impl From<f64> for Param {
    fn from(v: f64) -> Param {
        Param::Scalar(v)
    }
}

impl From<Array<f64>> for Param {
    fn from(a: Array<f64>) -> Param {
        Param::Array(a)
    }
}

impl From<&Array<f64>> for Param {
    fn from(a: &Array<f64>) -> Param {
        Param::Array(a.clone())
    }
}

/// What values a parameter takes: its name, the test and the words for it.
#[derive(Clone, Copy)]
struct Rule {
    name: &'static str,
    test: fn(f64) -> bool,
    expected: &'static str,
}

impl Rule {
    fn finite(name: &'static str) -> Rule {
        let test = |v: f64| v.is_finite();
        let expected = "a finite number";
        Rule {
            name,
            test,
            expected,
        }
    }
    fn non_negative(name: &'static str) -> Rule {
        let test = |v: f64| v.is_finite() && v >= 0.0;
        let expected = "a finite number >= 0";
        Rule {
            name,
            test,
            expected,
        }
    }
    fn positive(name: &'static str) -> Rule {
        let test = |v: f64| v.is_finite() && v > 0.0;
        let expected = "a finite number > 0";
        Rule {
            name,
            test,
            expected,
        }
    }
    fn probability(name: &'static str) -> Rule {
        let test = |v: f64| (0.0..=1.0).contains(&v);
        let expected = "a probability in [0, 1]";
        Rule {
            name,
            test,
            expected,
        }
    }

    /// `v`, if it passes the rule.
    fn check(&self, op: &'static str, v: f64) -> Result<f64> {
        if (self.test)(v) {
            Ok(v)
        } else {
            Err(Error::invalid(op, self.name, v, self.expected))
        }
    }
}

impl<T: Element> Array<T> {
    /// An array of `chunks` named `op` whose runs of elements `fill` draws under `key`, and
    /// which draws its blocks straight into a result.
    pub(crate) fn sampled(op: &'static str, chunks: Chunks, key: u64, fill: FillFn<T>) -> Array<T> {
        let (node, writer) = Sampled::new(op, chunks, key, fill);
        Array::from_node_writing(node, Some(writer))
    }
}

/// The run fill of uniform values in `[0, 1)`.
pub(crate) fn uniform_fill<T: RandomElement>() -> FillFn<T> {
    Arc::new(random::fill_uniform::<T>)
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
        Ok(Array::sampled(
            op,
            chunks,
            self.next_key(),
            random::each(sample),
        ))
    }

    /// An array named `op` of the distribution that `make` gives for the parameters' values
    /// (each checked by its rule first): one sampler for the whole array when every parameter
    /// is a number, else one per element from the parameters at its position.
    fn draw<const M: usize, T, S>(
        &self,
        op: &'static str,
        params: [(Param, Rule); M],
        shape: &[usize],
        chunks: impl IntoChunks,
        make: impl Fn([f64; M]) -> Result<S> + Send + Sync + 'static,
    ) -> Result<Array<T>>
    where
        T: Element,
        S: Fn(&mut ElemRng) -> T + Send + Sync + 'static,
    {
        let chunks = chunks_for(op, chunks, shape)?;
        let rules = params.each_ref().map(|(_, rule)| *rule);
        let mut values = [0.0; M];
        // For each parameter given as an array, its place among the node's inputs.
        let mut slot = [None; M];
        let mut inputs = Vec::new();
        for (j, (p, rule)) in params.into_iter().enumerate() {
            match p {
                Param::Scalar(v) => values[j] = rule.check(op, v)?,
                Param::Array(a) => {
                    let a = a.broadcast_to(shape).map_err(|_| {
                        Error::invalid(
                            op,
                            rule.name,
                            format!("an array of shape {:?}", a.shape()),
                            "an array that broadcasts to the shape drawn",
                        )
                    })?;
                    let a = a.rechunk(chunks.sizes().to_vec())?;
                    slot[j] = Some(inputs.len());
                    inputs.push(a.node().clone());
                }
            }
        }
        if inputs.is_empty() {
            let sample = make(values)?;
            let fill = random::each(sample);
            return Ok(Array::sampled(op, chunks, self.next_key(), fill));
        }
        let (key, grid) = (self.next_key(), chunks.clone());
        let kernel: Kernel = Box::new(move |block, shape, blocks| {
            let views: Vec<_> = blocks.iter().map(|v| block_of::<f64>(v).view()).collect();
            let mut its: Vec<_> = views.iter().map(|v| v.iter()).collect();
            let mut out = Vec::with_capacity(shape.size());
            let mut failed = None;
            random::for_each_row(&grid, block, |first, len| {
                for i in first..first + len as u64 {
                    let mut v = values;
                    for (j, s) in slot.iter().enumerate() {
                        if let Some(k) = *s {
                            v[j] = *its[k].next().expect("a parameter per element");
                        }
                    }
                    if failed.is_some() {
                        continue;
                    }
                    let checked = (0..M)
                        .filter(|&j| slot[j].is_some())
                        .try_for_each(|j| rules[j].check(op, v[j]).map(drop));
                    match checked.and_then(|()| make(v)) {
                        Ok(sample) => out.push(sample(&mut ElemRng::at(key, i))),
                        Err(e) => failed = Some(e),
                    }
                }
            });
            if let Some(e) = failed {
                return Err(e);
            }
            Ok(owned(
                ArrayD::from_shape_vec(shape.clone(), out).expect("a value per element"),
            ))
        });
        let axes = vec![(0..chunks.ndim()).map(Some).collect(); inputs.len()];
        Ok(Array::from_node(Blockwise::new::<T>(
            op, chunks, inputs, axes, kernel, false,
        )))
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
        Ok(Array::sampled(
            "random",
            chunks,
            self.next_key(),
            uniform_fill::<T>(),
        ))
    }

    /// Uniform values in `[low, high)`, as numpy's `uniform`: `low + (high - low) * u`, `u` as
    /// [`Generator::random`]'s.
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
        low: impl Into<Param>,
        high: impl Into<Param>,
        shape: &[usize],
        chunks: impl IntoChunks,
    ) -> Result<Array<f64>> {
        let params = [
            (low.into(), Rule::finite("low")),
            (high.into(), Rule::finite("high")),
        ];
        self.draw("uniform", params, shape, chunks, |[low, high]| {
            if low >= high {
                return Err(Error::invalid(
                    "uniform",
                    "high",
                    format!("{high} (low {low})"),
                    "a finite number above low",
                ));
            }
            let width = high - low;
            Ok(move |r: &mut ElemRng| low + width * f64::draw(r.next()))
        })
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
        self.sampled("integers", shape, chunks, move |r| d.sample(r))
    }

    /// Standard normal values (mean 0, standard deviation 1), as numpy's `standard_normal`,
    /// by the ziggurat method (Marsaglia and Tsang, 2000) with 256 layers.
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
        let chunks = chunks_for("standard_normal", chunks, shape)?;
        let fill = random::normal_fill(0.0, 1.0);
        Ok(Array::sampled(
            "standard_normal",
            chunks,
            self.next_key(),
            fill,
        ))
    }

    /// Normal values of mean `loc` and standard deviation `scale`, as numpy's `normal`:
    /// `loc + scale * z`, `z` as [`Generator::standard_normal`]'s.
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
        loc: impl Into<Param>,
        scale: impl Into<Param>,
        shape: &[usize],
        chunks: impl IntoChunks,
    ) -> Result<Array<f64>> {
        let params = [
            (loc.into(), Rule::finite("loc")),
            (scale.into(), Rule::non_negative("scale")),
        ];
        self.draw("normal", params, shape, chunks, |[loc, scale]| {
            Ok(move |r: &mut ElemRng| loc + scale * random::standard_normal(r))
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
        mean: impl Into<Param>,
        sigma: impl Into<Param>,
        shape: &[usize],
        chunks: impl IntoChunks,
    ) -> Result<Array<f64>> {
        let params = [
            (mean.into(), Rule::finite("mean")),
            (sigma.into(), Rule::non_negative("sigma")),
        ];
        self.draw("lognormal", params, shape, chunks, |[mean, sigma]| {
            Ok(move |r: &mut ElemRng| (mean + sigma * random::standard_normal(r)).exp())
        })
    }

    /// Exponential values of mean `scale`, as numpy's `exponential`, by the ziggurat method
    /// (`rand_distr`'s).
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
        scale: impl Into<Param>,
        shape: &[usize],
        chunks: impl IntoChunks,
    ) -> Result<Array<f64>> {
        let params = [(scale.into(), Rule::non_negative("scale"))];
        self.draw("exponential", params, shape, chunks, |[scale]| {
            Ok(move |r: &mut ElemRng| scale * Distribution::<f64>::sample(&rand_distr::Exp1, r))
        })
    }

    /// Gamma values of shape `k` and scale `theta` (mean `k * theta`), as numpy's `gamma`, by
    /// Marsaglia and Tsang's method (`rand_distr`'s).
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
        k: impl Into<Param>,
        theta: impl Into<Param>,
        shape: &[usize],
        chunks: impl IntoChunks,
    ) -> Result<Array<f64>> {
        let params = [
            (k.into(), Rule::positive("shape")),
            (theta.into(), Rule::non_negative("scale")),
        ];
        self.draw("gamma", params, shape, chunks, |[k, theta]| {
            let d = rand_distr::Gamma::new(k, 1.0)
                .map_err(|_| Error::invalid("gamma", "shape", k, "a finite number > 0"))?;
            Ok(move |r: &mut ElemRng| theta * d.sample(r))
        })
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
        lam: impl Into<Param>,
        shape: &[usize],
        chunks: impl IntoChunks,
    ) -> Result<Array<u64>> {
        let rule = Rule {
            name: "lam",
            test: |v| v.is_finite() && (0.0..1e19).contains(&v),
            expected: "a finite number >= 0 below 1e19",
        };
        self.draw(
            "poisson",
            [(lam.into(), rule)],
            shape,
            chunks,
            move |[lam]| {
                let d = match lam {
                    0.0 => None,
                    _ => Some(
                        rand_distr::Poisson::new(lam)
                            .map_err(|_| Error::invalid("poisson", "lam", lam, rule.expected))?,
                    ),
                };
                Ok(move |r: &mut ElemRng| d.as_ref().map_or(0, |d| d.sample(r) as u64))
            },
        )
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
        a: impl Into<Param>,
        b: impl Into<Param>,
        shape: &[usize],
        chunks: impl IntoChunks,
    ) -> Result<Array<f64>> {
        let params = [
            (a.into(), Rule::positive("a")),
            (b.into(), Rule::positive("b")),
        ];
        self.draw("beta", params, shape, chunks, |[a, b]| {
            let d = rand_distr::Beta::new(a, b)
                .map_err(|_| Error::invalid("beta", "a", a, "a finite number > 0"))?;
            Ok(move |r: &mut ElemRng| d.sample(r))
        })
    }

    /// Binomial counts of successes in `n` trials of probability `p`, as numpy's `binomial` (as
    /// `u64`). `n` is one number for the whole array.
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
        p: impl Into<Param>,
        shape: &[usize],
        chunks: impl IntoChunks,
    ) -> Result<Array<u64>> {
        let params = [(p.into(), Rule::probability("p"))];
        self.draw("binomial", params, shape, chunks, move |[p]| {
            let d = rand_distr::Binomial::new(n, p)
                .map_err(|_| Error::invalid("binomial", "p", p, "a probability in [0, 1]"))?;
            Ok(move |r: &mut ElemRng| d.sample(r))
        })
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
        df: impl Into<Param>,
        shape: &[usize],
        chunks: impl IntoChunks,
    ) -> Result<Array<f64>> {
        let params = [(df.into(), Rule::positive("df"))];
        self.draw("chisquare", params, shape, chunks, |[df]| {
            let d = rand_distr::ChiSquared::new(df)
                .map_err(|_| Error::invalid("chisquare", "df", df, "a finite number > 0"))?;
            Ok(move |r: &mut ElemRng| d.sample(r))
        })
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
        df: impl Into<Param>,
        shape: &[usize],
        chunks: impl IntoChunks,
    ) -> Result<Array<f64>> {
        let params = [(df.into(), Rule::positive("df"))];
        self.draw("standard_t", params, shape, chunks, |[df]| {
            let d = rand_distr::StudentT::new(df)
                .map_err(|_| Error::invalid("standard_t", "df", df, "a finite number > 0"))?;
            Ok(move |r: &mut ElemRng| d.sample(r))
        })
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
        p: impl Into<Param>,
        shape: &[usize],
        chunks: impl IntoChunks,
    ) -> Result<Array<u64>> {
        let rule = Rule {
            name: "p",
            test: |p| p > 0.0 && p <= 1.0,
            expected: "a probability in (0, 1]",
        };
        self.draw("geometric", [(p.into(), rule)], shape, chunks, |[p]| {
            let d = rand_distr::Geometric::new(p)
                .map_err(|_| Error::invalid("geometric", "p", p, "a probability in (0, 1]"))?;
            // rand_distr counts the failures before the first success; numpy the trials.
            Ok(move |r: &mut ElemRng| d.sample(r).saturating_add(1))
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
    pub fn weibull(
        &self,
        a: impl Into<Param>,
        shape: &[usize],
        chunks: impl IntoChunks,
    ) -> Result<Array<f64>> {
        let params = [(a.into(), Rule::positive("a"))];
        self.draw("weibull", params, shape, chunks, |[a]| {
            let d = rand_distr::Weibull::new(1.0, a)
                .map_err(|_| Error::invalid("weibull", "a", a, "a finite number > 0"))?;
            Ok(move |r: &mut ElemRng| d.sample(r))
        })
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
        loc: impl Into<Param>,
        scale: impl Into<Param>,
        shape: &[usize],
        chunks: impl IntoChunks,
    ) -> Result<Array<f64>> {
        let params = [
            (loc.into(), Rule::finite("loc")),
            (scale.into(), Rule::non_negative("scale")),
        ];
        self.draw("laplace", params, shape, chunks, |[loc, scale]| {
            Ok(move |r: &mut ElemRng| {
                // u in (-1/2, 1/2): open at both ends, so the logarithm stays finite.
                let u = r.open01() - 0.5;
                loc - scale * u.signum() * (1.0 - 2.0 * u.abs()).ln()
            })
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
        loc: impl Into<Param>,
        scale: impl Into<Param>,
        shape: &[usize],
        chunks: impl IntoChunks,
    ) -> Result<Array<f64>> {
        let params = [
            (loc.into(), Rule::finite("loc")),
            (scale.into(), Rule::non_negative("scale")),
        ];
        self.draw("logistic", params, shape, chunks, |[loc, scale]| {
            Ok(move |r: &mut ElemRng| {
                let u = r.open01();
                loc + scale * (u / (1.0 - u)).ln()
            })
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
        let order = random::permutation(self.next_key(), n);
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
        let order = random::permutation(self.next_key(), n);
        x.select(axis, &order)
    }

    /// `size` indices into `0..n`, as numpy's `choice(n, size, replace, p)` (as `usize`):
    /// uniform, or with the probabilities `p` (one per index, summing to 1). With `replace`
    /// false, no index twice: uniform, the first `size` places of a random permutation of
    /// `0..n`; weighted, each next index drawn with the probabilities of those not drawn yet
    /// (numpy's rule), as the `size` smallest of `E_i / p_i` with `E_i` exponential
    /// (Efraimidis and Spirakis, "Weighted random sampling with a reservoir", IPL 97(5),
    /// 2006). Without replacement the indices are made when this is called (`n` words).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for `p` of another length than `n`, with a negative or
    /// non-finite entry, or not summing to 1 (within 1e-8); for a sample larger than `n`
    /// (or than the nonzero entries of `p`) without replacement; and for `n` = 0 with `size`
    /// above 0.
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
    /// let w = rng.choice(4, 2, false, Some(&[0.7, 0.0, 0.3, 0.0]), [2])?.compute()?;
    /// assert!(w[0] != w[1] && w.iter().all(|&i| i == 0 || i == 2));
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
        let op = "choice";
        if n == 0 && size > 0 {
            return Err(Error::invalid(op, "a", n, "a non-empty population"));
        }
        if let Some(p) = p {
            check_probabilities(op, p, n)?;
        }
        if replace {
            return match p {
                Some(p) => {
                    let d = rand_distr::weighted::WeightedIndex::new(p.to_vec()).map_err(|_| {
                        Error::invalid(op, "p", "weights", "probabilities that sum to 1")
                    })?;
                    self.sampled(op, &[size], chunks, move |r| d.sample(r))
                }
                None if size == 0 => self.sampled(op, &[0], chunks, |_| 0usize),
                None => self.integers(0, n, false, &[size], chunks),
            };
        }
        let drawable = p.map_or(n, |p| p.iter().filter(|&&w| w > 0.0).count());
        if size > drawable {
            return Err(Error::invalid(
                op,
                "size",
                size,
                if p.is_some() {
                    "at most the entries of p above 0 without replacement"
                } else {
                    "at most the population without replacement"
                },
            ));
        }
        let key = self.next_key();
        let mut order = match p {
            None => random::permutation(key, n),
            Some(p) => random::weighted_order(key, p),
        };
        order.truncate(size);
        Array::from_ndarray(ndarray::Array1::from(order), chunks)
    }

    /// `size` values drawn from the 1-D array `a`, as numpy's `choice(a, size, replace, p)`:
    /// the values at the indices [`Generator::choice`] draws for `a`'s length, the same
    /// whatever `a`'s chunking or the result's. Lazy: each block of the result reads `a` whole
    /// (one block of it, so the population must fit in memory; the sample need not).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for an `a` that is not 1-D, and as [`Generator::choice`].
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let colours = Array::from_ndarray(ndarray::array![10u8, 20, 30].into_dyn(), [2])?;
    /// let rng = chunkwise::random::default_rng(8);
    /// let c = rng.choice_from(&colours, 1000, true, None, [300])?.compute()?;
    /// assert!(c.iter().all(|v| [10, 20, 30].contains(v)));
    /// assert!([10, 20, 30].iter().all(|v| c.iter().any(|w| w == v)));
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn choice_from<T: Element>(
        &self,
        a: &Array<T>,
        size: usize,
        replace: bool,
        p: Option<&[f64]>,
        chunks: impl IntoChunks,
    ) -> Result<Array<T>> {
        if a.ndim() != 1 {
            return Err(Error::invalid(
                "choice",
                "a",
                format!("an array of shape {:?}", a.shape()),
                "a 1-D array",
            ));
        }
        let n = a.shape()[0];
        let idx = self.choice(n, size, replace, p, chunks)?;
        let whole = a.rechunk([n.max(1)])?;
        let kernel: Kernel = Box::new(|_, _, blocks| {
            let idx = block_of::<usize>(&blocks[0]).view();
            let a = block_of::<T>(&blocks[1]).view();
            Ok(owned(idx.mapv(|k| a[[k]].clone())))
        });
        let chunks = idx.node().chunks().clone();
        let inputs = vec![idx.node().clone(), whole.node().clone()];
        let axes = vec![vec![Some(0)], vec![None]];
        Ok(Array::from_node(Blockwise::new::<T>(
            "choice", chunks, inputs, axes, kernel, false,
        )))
    }

    /// Vectors from the multivariate normal distribution of `mean` (length `d`) and covariance
    /// `cov` (`d` x `d`, symmetric, positive semi-definite; an `ndarray` matrix or a view of
    /// one), as numpy's `multivariate_normal(mean, cov, size)`: an array of shape `shape` +
    /// `[d]`, the last axis the vector (one block along it: `chunks` gives the blocks of
    /// `shape`). Each vector is `mean + L z`, `L` the Cholesky factor of `cov` and `z` standard
    /// normals drawn in turn from the vector's own random bits, so the same whatever the
    /// chunking. Element `k` of a vector draws `z_0..=z_k` itself (the same for every element
    /// of the vector): `k + 1` normals, which suits the short vectors this is used for.
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
    /// let cov = ndarray::arr2(&[[1.0, 0.8], [0.8, 1.0]]);
    /// let x = rng.multivariate_normal(&[0.0, 5.0], &cov, &[50_000], [10_000])?;
    /// assert_eq!(x.shape(), &[50_000, 2]);
    /// let m = x.mean_axis(0)?.compute()?;
    /// assert!((m[[1]] - 5.0).abs() < 0.05);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn multivariate_normal<'c>(
        &self,
        mean: &[f64],
        cov: impl ndarray::AsArray<'c, f64, ndarray::Ix2>,
        shape: &[usize],
        chunks: impl IntoChunks,
    ) -> Result<Array<f64>> {
        let op = "multivariate_normal";
        let cov = cov.into();
        let d = mean.len();
        if cov.dim() != (d, d) {
            return Err(Error::invalid(
                op,
                "cov",
                format!("a matrix of shape {:?}", cov.shape()),
                "a d x d matrix for a mean of length d",
            ));
        }
        if let Some(bad) = mean.iter().find(|v| !v.is_finite()) {
            return Err(Error::invalid(op, "mean", bad, "finite numbers"));
        }
        if let Some(bad) = cov.iter().find(|v| !v.is_finite()) {
            return Err(Error::invalid(op, "cov", bad, "finite numbers"));
        }
        for ((i, j), &a) in cov.indexed_iter().filter(|((i, j), _)| j < i) {
            let b = cov[[j, i]];
            if (a - b).abs() > 1e-8 * (1.0 + a.abs().max(b.abs())) {
                return Err(Error::invalid(
                    op,
                    "cov",
                    format!("[{i}][{j}] = {a}, [{j}][{i}] = {b}"),
                    "a symmetric matrix",
                ));
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
        sizes.push(vec![d]);
        let mut full = shape.to_vec();
        full.push(d);
        let (mean, key) = (mean.to_vec(), self.next_key());
        let lead = shape.to_vec();
        Array::from_fn(&full, sizes, move |idx| {
            let (&k, vector) = idx.split_last().expect("the vector's axis");
            // The vector's row-major index among the vectors.
            let v = vector
                .iter()
                .zip(&lead)
                .fold(0u64, |acc, (&i, &n)| acc * n as u64 + i as u64);
            let mut r = ElemRng::at(key, v);
            let row = l.row(k);
            mean[k]
                + row
                    .iter()
                    .take(k + 1)
                    .map(|&lkj| lkj * random::standard_normal(&mut r))
                    .sum::<f64>()
        })
    }
}

/// The lower Cholesky factor `L` (`L Lᵀ = cov`) of a symmetric positive semi-definite matrix:
/// a column whose pivot is zero, within rounding, is zero (numpy accepts singular covariances
/// too). `None` if the matrix has a negative eigenvalue beyond rounding.
fn cholesky_psd(cov: ndarray::ArrayView2<'_, f64>) -> Option<ndarray::Array2<f64>> {
    let d = cov.nrows();
    let mut l = ndarray::Array2::<f64>::zeros((d, d));
    let scale = cov
        .iter()
        .fold(0.0f64, |m, v| m.max(v.abs()))
        .max(f64::MIN_POSITIVE);
    let tol = 1e-10 * scale;
    let dot = |l: &ndarray::Array2<f64>, i: usize, j: usize, upto: usize| {
        (0..upto).map(|k| l[[i, k]] * l[[j, k]]).sum::<f64>()
    };
    for j in 0..d {
        let pivot = cov[[j, j]] - dot(&l, j, j, j);
        if pivot < -tol {
            return None;
        }
        if pivot <= tol {
            // A zero column: every entry below must be zero too, or the matrix is indefinite.
            for i in j + 1..d {
                let rest = cov[[i, j]] - dot(&l, i, j, j);
                if rest.abs() > tol.sqrt() * scale.sqrt() {
                    return None;
                }
            }
            continue;
        }
        let p = pivot.sqrt();
        l[[j, j]] = p;
        for i in j + 1..d {
            l[[i, j]] = (cov[[i, j]] - dot(&l, i, j, j)) / p;
        }
    }
    Some(l)
}

/// Checks numpy's rules for `choice`'s probabilities over a population of `n`.
fn check_probabilities(op: &'static str, p: &[f64], n: usize) -> Result<()> {
    if p.len() != n {
        return Err(Error::invalid(
            op,
            "p",
            format!("{} probabilities", p.len()),
            "one probability per choice",
        ));
    }
    if let Some(bad) = p.iter().find(|v| !(v.is_finite() && **v >= 0.0)) {
        return Err(Error::invalid(
            op,
            "p",
            bad,
            "probabilities that are finite and >= 0",
        ));
    }
    let total: f64 = p.iter().sum();
    if (total - 1.0).abs() > 1e-8 {
        return Err(Error::invalid(
            op,
            "p",
            format!("sum {total}"),
            "probabilities that sum to 1",
        ));
    }
    Ok(())
}
