//! Reductions: whole-array, along one axis, or over a set of axes, as trees of partial results.
//!
//! Every built-in reduction is a per-cell state (`A`) with an initial value, a step that adds
//! one element, a merge of two states and a final step; [`Array::reduction`] builds the tree
//! from them. Partial states are merged in a tree with fan-in `split_every` per reduced axis.

use super::IntoAxis;
use super::compare::TruthValue;
use std::sync::Arc;

use ndarray::{ArrayD, ArrayViewD, Axis};
use num_traits::{Float, One, Zero};

use super::Array;
use crate::error::{Error, Result};
use crate::expr::block::Element;
use crate::expr::reduction::{
    Aggregate, AggregateFn, ChunkFn, Combine, CombineFn, ReduceChunk, RunFn,
};
use crate::scheduler::Scheduler;

/// dask's default fan-in of the combine tree, per reduced axis.
pub const DEFAULT_SPLIT_EVERY: usize = 4;

/// Folds `view` over `axes` (sorted, distinct) into states, keeping the reduced axes with
/// length 1: `add` folds an element into a state, `run` a contiguous slice of elements (as
/// `add` would, perhaps faster), `merge` two states.
fn fold_axes<T, A>(
    view: ArrayViewD<'_, T>,
    axes: &[usize],
    init: &A,
    add: impl Fn(&A, &T) -> A,
    run: &dyn Fn(&A, &[T]) -> A,
    merge: impl Fn(&A, &A) -> A,
) -> ArrayD<A>
where
    A: Clone,
{
    let Some((&last, rest)) = axes.split_last() else {
        return view.map(|x| add(init, x));
    };
    // Along a contiguous axis, fold each lane on its own (one pass along memory); along any
    // other, add whole subviews into a row of states (ndarray's fold_axis), which also walks
    // memory in order.
    let contiguous = |strides: &[isize], shape: &[usize], a: usize| strides[a] == 1 && shape[a] > 1;
    let mut r = if contiguous(view.strides(), view.shape(), last) {
        view.map_axis(Axis(last), |lane| match lane.as_slice() {
            Some(s) => run(init, s),
            None => lane.iter().fold(init.clone(), |acc, x| add(&acc, x)),
        })
    } else {
        view.fold_axis(Axis(last), init.clone(), |acc, x| add(acc, x))
    };
    for &a in rest.iter().rev() {
        r = if contiguous(r.strides(), r.shape(), a) {
            r.map_axis(Axis(a), |lane| {
                lane.iter().fold(init.clone(), |acc, x| merge(&acc, x))
            })
        } else {
            r.fold_axis(Axis(a), init.clone(), |acc, x| merge(acc, x))
        };
    }
    for &a in axes {
        r.insert_axis_inplace(Axis(a));
    }
    r
}

/// Running count, mean and sum of squared deviations: merged with Chan et al.'s parallel
/// formula ("Updating formulae and a pairwise algorithm for computing sample variances", 1979),
/// so that partial results combine without losing precision.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Moments<T> {
    /// Number of values.
    pub n: T,
    /// Their mean.
    pub mean: T,
    /// Sum of squared deviations from the mean.
    pub m2: T,
}

// Partial states cross the ranks of a cluster in this byte form, so that a combine step on one
// rank reads the partials made on another rather than making them again.
crate::dtype::encode_fields!(Moments<T> { n, mean, m2 });

impl<T: Float> Moments<T> {
    /// No values. Every mean, var and std builds its graph from this, so it registers the
    /// states' byte form (once).
    fn empty() -> Self {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            crate::dtype::register::<Moments<f64>>();
            crate::dtype::register::<Moments<f32>>();
        });
        Moments {
            n: T::zero(),
            mean: T::zero(),
            m2: T::zero(),
        }
    }

    /// Adds one value (Welford's update).
    fn add(&self, x: T) -> Self {
        let n = self.n + T::one();
        let delta = x - self.mean;
        let mean = self.mean + delta / n;
        Moments {
            n,
            mean,
            m2: self.m2 + delta * (x - mean),
        }
    }

    /// Chan's merge of two partial results.
    fn merge(&self, o: &Self) -> Self {
        if o.n == T::zero() {
            return *self;
        }
        if self.n == T::zero() {
            return *o;
        }
        let n = self.n + o.n;
        let delta = o.mean - self.mean;
        Moments {
            n,
            mean: self.mean + delta * (o.n / n),
            m2: self.m2 + o.m2 + delta * delta * (self.n * o.n / n),
        }
    }

    /// The variance with `ddof` delta degrees of freedom (NaN for `n <= ddof`), as
    /// [`Array::var`] computes it.
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::Array::from_ndarray(ndarray::array![1.0, 2.0, 3.0, 4.0], [3])?;
    /// let m = x.moments().compute_scalar()?;
    /// assert_eq!(m.var(0.0), 1.25);
    /// assert_eq!(m.var(1.0), x.var(1.0).compute_scalar()?);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn var(&self, ddof: T) -> T {
        let d = self.n - ddof;
        if d <= T::zero() {
            T::nan()
        } else {
            self.m2 / d
        }
    }
}

/// Sums a run with eight independent accumulators, which the compiler vectorises.
fn sum_run<T: Zero + Copy>(a: &T, s: &[T]) -> T {
    let mut acc = [T::zero(); 8];
    let chunks = s.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for (x, &y) in acc.iter_mut().zip(c) {
            *x = *x + y;
        }
    }
    let total = acc.iter().fold(*a, |t, &x| t + x);
    rest.iter().fold(total, |t, &x| t + x)
}

/// Count and mean of a run (one pass), merged into `a`: enough for a mean.
fn mean_run<T: Float>(a: &Moments<T>, s: &[T]) -> Moments<T> {
    if s.is_empty() {
        return *a;
    }
    let n = T::from(s.len()).expect("a count fits a float");
    let mean = sum_run(&T::zero(), s) / n;
    a.merge(&Moments {
        n,
        mean,
        m2: T::zero(),
    })
}

/// Count, mean and squared deviations of a run (two passes over it, which are in cache),
/// merged into `a`.
/// `ddof` if it is a finite number of at least 0, else an [`Error::InvalidParameter`] naming
/// it. Raised when the reduction is computed: the whole-array reductions return their lazy
/// array directly.
fn check_ddof<T: Float>(op: &'static str, ddof: T) -> Result<T> {
    if ddof.is_finite() && ddof >= T::zero() {
        return Ok(ddof);
    }
    Err(Error::InvalidParameter {
        op,
        name: "ddof",
        value: ddof.to_f64().map_or_else(|| "?".into(), |d| d.to_string()),
        expected: "a finite number >= 0",
    })
}

fn moments_run<T: Float>(a: &Moments<T>, s: &[T]) -> Moments<T> {
    if s.is_empty() {
        return *a;
    }
    let n = T::from(s.len()).expect("a count fits a float");
    let mean = sum_run(&T::zero(), s) / n;
    let mut dev = [T::zero(); 8];
    let chunks = s.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for (d, &x) in dev.iter_mut().zip(c) {
            *d = *d + (x - mean) * (x - mean);
        }
    }
    let m2 = rest
        .iter()
        .fold(dev.iter().fold(T::zero(), |t, &x| t + x), |t, &x| {
            t + (x - mean) * (x - mean)
        });
    a.merge(&Moments { n, mean, m2 })
}

fn is_nan<T: PartialOrd>(x: &T) -> bool {
    x.partial_cmp(x).is_none()
}

/// The extreme of two optional values; NaN wins (it propagates, as numpy's min and max).
fn pick<T: PartialOrd + Copy>(a: Option<T>, b: Option<T>, min: bool) -> Option<T> {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some(x), _) if is_nan(&x) => Some(x),
        (_, Some(y)) if is_nan(&y) => Some(y),
        (Some(x), Some(y)) => Some(if (y < x) == min && y != x { y } else { x }),
    }
}

/// The better of two `(value, index)` candidates: the extreme value, the first NaN, and on a tie
/// the smaller index (numpy's argmin and argmax).
fn pick_arg<T: PartialOrd + Copy>(
    a: Option<(T, usize)>,
    b: Option<(T, usize)>,
    min: bool,
) -> Option<(T, usize)> {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some(x), Some(y)) => {
            let (xn, yn) = (is_nan(&x.0), is_nan(&y.0));
            let y_better = match (xn, yn) {
                (true, true) => y.1 < x.1,
                (true, false) => false,
                (false, true) => true,
                (false, false) => {
                    if x.0 == y.0 {
                        y.1 < x.1
                    } else {
                        (y.0 < x.0) == min
                    }
                }
            };
            Some(if y_better { y } else { x })
        }
    }
}

/// The extreme of a run and its position: the first NaN if there is one, else the first
/// extreme (a tight loop, one comparison per element).
fn best_in<T: PartialOrd + Copy>(s: &[T], min: bool, skip_nan: bool) -> Option<(T, usize)> {
    let mut best: Option<(T, usize)> = None;
    for (i, &v) in s.iter().enumerate() {
        if is_nan(&v) {
            if skip_nan {
                continue;
            }
            return Some((v, i));
        }
        match best {
            Some((bv, _)) if !((min && v < bv) || (!min && v > bv)) => {}
            _ => best = Some((v, i)),
        }
    }
    best
}

impl<T: Element> Array<T> {
    /// This array, with its named reductions (`sum`, `mean`, `max_axis`, `argmin`, ...)
    /// merging `split_every` partial results per task, as dask's `split_every=` on each of
    /// them (the default, [`DEFAULT_SPLIT_EVERY`], is dask's 4): more per task is a shallower
    /// tree with fewer tasks, fewer per task keeps less in memory at once. The setting is the
    /// array handle's: arrays made from it start again from the default.
    ///
    /// # Errors
    ///
    /// [`Error::UnsupportedSize`] for fewer than 2.
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::Array::<f64>::ones(&[64], [1])?;
    /// let deep = x.sum();
    /// let shallow = x.with_split_every(64)?.sum();
    /// assert!(shallow.num_tasks() < deep.num_tasks());
    /// assert_eq!(shallow.compute_scalar()?, 64.0);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn with_split_every(&self, split_every: usize) -> Result<Array<T>> {
        if split_every < 2 {
            return Err(Error::UnsupportedSize {
                op: "split_every",
                size: split_every,
            });
        }
        let mut a = self.clone();
        a.split_every = Some(split_every);
        Ok(a)
    }
}

impl<T: Element> Array<T> {
    /// A tree reduction of your own, as dask's `da.reduction`.
    ///
    /// - `chunk(block, axes, start)` reduces one block over `axes` to per-cell partial states:
    ///   an array of the block's shape with the reduced axes of length 1 (`start` is the block's
    ///   offset in the whole array, for index-aware reductions such as argmin);
    /// - `combine(a, b)` merges two states; partial blocks are merged in a tree, `split_every`
    ///   of them per reduced axis at a time;
    /// - `aggregate(state)` gives the result of a cell, or an error.
    ///
    /// The result drops the reduced axes, or keeps them with length 1 (`keepdims`).
    ///
    /// # Errors
    ///
    /// [`Error::AxisOutOfRange`] for an axis the array does not have, and
    /// [`Error::UnsupportedSize`] for a `split_every` below 2.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// // The sum of squares along axis 1.
    /// let x = Array::from_ndarray(ndarray::array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [1, 2])?;
    /// let ss = x.reduction(
    ///     &[1],
    ///     false,
    ///     4,
    ///     |b, axes, _| b.map_axis(ndarray::Axis(axes[0]), |l| l.iter().map(|v| v * v).sum::<f64>())
    ///         .insert_axis(ndarray::Axis(axes[0])),
    ///     |a: &f64, b: &f64| a + b,
    ///     |s| Ok(*s),
    /// )?;
    /// assert_eq!(ss.compute()?, ndarray::array![14.0, 77.0].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    #[allow(clippy::too_many_arguments)]
    pub fn reduction<A, R, C, M, G>(
        &self,
        axes: &[usize],
        keepdims: bool,
        split_every: usize,
        chunk: C,
        combine: M,
        aggregate: G,
    ) -> Result<Array<R>>
    where
        A: Element,
        R: Element,
        C: Fn(ArrayViewD<'_, T>, &[usize], &[usize]) -> ArrayD<A> + Send + Sync + 'static,
        M: Fn(&A, &A) -> A + Send + Sync + 'static,
        G: Fn(&A) -> Result<R> + Send + Sync + 'static,
    {
        let axes = self.check_axes("reduction", axes)?;
        if split_every < 2 {
            return Err(Error::UnsupportedSize {
                op: "split_every",
                size: split_every,
            });
        }
        self.tree_reduction(
            &axes,
            keepdims,
            split_every,
            Arc::new(chunk),
            Arc::new(combine),
            Arc::new(aggregate),
            None,
        )
    }

    /// Builds the chunk, combine and aggregate nodes.
    #[allow(clippy::too_many_arguments)]
    fn tree_reduction<A: Element, R: Element>(
        &self,
        axes: &[usize],
        keepdims: bool,
        split_every: usize,
        chunk: ChunkFn<T, A>,
        combine: CombineFn<A>,
        aggregate: AggregateFn<A, R>,
        runs: Option<(A, RunFn<T, A>)>,
    ) -> Result<Array<R>> {
        let axes = axes.to_vec();
        let mut node: crate::expr::NodeRef = Arc::new(ReduceChunk::<T, A>::new(
            self.node.clone(),
            axes.clone(),
            chunk,
            runs,
        ));
        while axes.iter().any(|&k| node.chunks().grid_shape()[k] > 1) {
            node = Arc::new(Combine::<A>::new(
                node,
                axes.clone(),
                split_every,
                combine.clone(),
            ));
        }
        Ok(Array::from_node(Aggregate::<A, R>::new(
            node, &axes, keepdims, aggregate,
        )))
    }

    /// Sorted, distinct axes, each checked.
    fn check_axes(&self, op: &'static str, axes: &[usize]) -> Result<Vec<usize>> {
        let mut v = axes.to_vec();
        v.sort_unstable();
        v.dedup();
        if let Some(&axis) = v.iter().find(|&&a| a >= self.ndim()) {
            return Err(Error::AxisOutOfRange {
                op,
                axis,
                ndim: self.ndim(),
            });
        }
        Ok(v)
    }

    /// A reduction from a per-cell state: `init`, `add` an element, `merge` two states, `finish`.
    #[allow(clippy::too_many_arguments)]
    fn fold_reduction<A, R, AF, MF>(
        &self,
        op: &'static str,
        axes: &[usize],
        keepdims: bool,
        init: A,
        add: AF,
        merge: MF,
        run: Option<fn(&A, &[T]) -> A>,
        finish: impl Fn(&A) -> Result<R> + Send + Sync + 'static,
    ) -> Result<Array<R>>
    where
        A: Element,
        R: Element,
        // Closures, not function pointers: they are inlined into the per-element loops.
        AF: Fn(&A, &T) -> A + Copy + Send + Sync + 'static,
        MF: Fn(&A, &A) -> A + Copy + Send + Sync + 'static,
    {
        let axes = self.check_axes(op, axes)?;
        if let crate::expr::Role::Permute(perm) = self.node.role() {
            // A fold does not care where an element sits: reduce the untransposed input over
            // the same axes, then put the kept axes in the transposed order.
            let perm = perm.to_vec();
            let mut input = Array::<T>::from_node_ref(self.node.inputs()[0].clone());
            input.split_every = self.split_every;
            let mapped: Vec<usize> = axes.iter().map(|&a| perm[a]).collect();
            let r = input.fold_reduction(op, &mapped, keepdims, init, add, merge, run, finish)?;
            if keepdims {
                return r.permuted_axes(&perm);
            }
            let kept: Vec<usize> = (0..perm.len())
                .filter(|k| !axes.contains(k))
                .map(|k| perm[k])
                .collect();
            let mut order = kept.clone();
            order.sort_unstable();
            let q: Vec<usize> = kept
                .iter()
                .map(|a| order.binary_search(a).expect("a kept axis"))
                .collect();
            return r.permuted_axes(&q);
        }
        let first = init.clone();
        let run: RunFn<T, A> = match run {
            Some(f) => Arc::new(f),
            None => Arc::new(move |a: &A, s: &[T]| s.iter().fold(a.clone(), |acc, x| add(&acc, x))),
        };
        let lane_run = run.clone();
        self.tree_reduction(
            &axes,
            keepdims,
            self.split_every.unwrap_or(DEFAULT_SPLIT_EVERY),
            Arc::new(move |b, axes, _| fold_axes(b, axes, &first, add, &*lane_run, merge)),
            Arc::new(merge),
            Arc::new(finish),
            Some((init, run)),
        )
    }

    /// The value of a 0-d array (a whole-array reduction), computed on the default scheduler.
    ///
    /// # Errors
    ///
    /// [`Error::NotScalar`] if the array is not 0-d; the errors of [`Array::compute`].
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::Array::<i64>::ones(&[10, 10], [3, 3])?;
    /// assert_eq!(x.sum().compute_scalar()?, 100);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn compute_scalar(&self) -> Result<T> {
        self.compute_scalar_with(&Scheduler::global()?)
    }

    /// The value of a 0-d array (a whole-array reduction), computed on `scheduler`.
    ///
    /// # Errors
    ///
    /// [`Error::NotScalar`] if the array is not 0-d; the errors of [`Array::compute_with`].
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, Scheduler};
    /// let x = Array::<f64>::ones(&[10, 10], [3, 3])?;
    /// assert_eq!(x.mean().compute_scalar_with(&Scheduler::threads(2))?, 1.0);
    /// assert!(x.compute_scalar_with(&Scheduler::synchronous()).is_err()); // not 0-d
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn compute_scalar_with(&self, scheduler: &Scheduler) -> Result<T> {
        if self.ndim() != 0 {
            return Err(Error::NotScalar {
                shape: self.shape().to_vec(),
            });
        }
        let a = self.compute_with(scheduler)?;
        Ok(a.first().cloned().expect("a 0-d array has one element"))
    }
}

/// Delta degrees of freedom for [`Array::var`], [`Array::std`] and their NaN-skipping and
/// per-axis forms: a float of the array's element type, or an integer as numpy's `ddof=1`.
///
/// # Examples
///
/// ```
/// use chunkwise::Array;
/// use ndarray::Axis;
/// let x = Array::from_ndarray(ndarray::array![[1.0, 2.0], [3.0, 5.0]], [1, 2])?;
/// assert_eq!(x.std_axis(Axis(0), 1)?.compute()?, x.std_axis(Axis(0), 1.0)?.compute()?);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub trait IntoDdof<T> {
    /// The value as the element type.
    fn into_ddof(self) -> T;
}

impl IntoDdof<f32> for f32 {
    fn into_ddof(self) -> f32 {
        self
    }
}

impl IntoDdof<f64> for f64 {
    fn into_ddof(self) -> f64 {
        self
    }
}

macro_rules! integer_ddof {
    ($($t:ty),*) => {$(
        impl<T: Float> IntoDdof<T> for $t {
            fn into_ddof(self) -> T {
                T::from(self).expect("every integer converts to a float")
            }
        }
    )*};
}

integer_ddof!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

/// Generates the whole-array, one-axis and set-of-axes forms of a reduction.
macro_rules! reductions {
    ($(
        $(#[$doc:meta])*
        $name:ident, $axis:ident, $axes:ident -> $R:ty where [$($bound:tt)*] ($($arg:ident: $argty:ty),*) example $ex:literal
        = |$op:ident| $body:expr;
    )*) => {$(
        impl<T: Element> Array<T> where $($bound)* {
            $(#[$doc])*
            ///
            /// Over the whole array, giving a 0-d array; see also
            #[doc = concat!("[`Array::", stringify!($axis), "`] and [`Array::", stringify!($axes), "`].")]
            ///
            /// Infallible to build (every axis exists); errors of the data (see above) come at
            /// compute.
            ///
            /// # Examples
            ///
            /// ```
            /// use chunkwise::Array;
            /// use ndarray::Axis;
            /// let x = Array::from_ndarray(ndarray::array![[3.0f64, 1.0, 4.0], [1.0, 5.0, 9.0]], [1, 2])?;
            #[doc = $ex]
            /// # Ok::<(), chunkwise::Error>(())
            /// ```
            pub fn $name(&self, $($arg: $argty),*) -> Array<$R> {
                let all: Vec<usize> = (0..self.ndim()).collect();
                self.$axes(&all, false, $($arg),*).expect("a reduction over every axis")
            }

            #[doc = concat!("[`Array::", stringify!($name), "`] along one axis, which the result drops.")]
            ///
            /// # Errors
            ///
            /// [`Error::AxisOutOfRange`] for an axis the array does not have.
            ///
            /// # Examples
            ///
            /// ```
            /// use chunkwise::Array;
            /// use ndarray::Axis;
            /// let x = Array::from_ndarray(ndarray::array![[3.0f64, 1.0, 4.0], [1.0, 5.0, 9.0]], [1, 2])?;
            $(#[doc = concat!("let ", stringify!($arg), " = 1.0; // delta degrees of freedom, as numpy's")])*
            #[doc = concat!("assert_eq!(x.", stringify!($axis), "(Axis(1)", $(", ", stringify!($arg),)* ")?.shape(), &[2]);")]
            /// # Ok::<(), chunkwise::Error>(())
            /// ```
            pub fn $axis(&self, axis: impl IntoAxis, $($arg: $argty),*) -> Result<Array<$R>> {
                self.$axes(&[axis.axis_index()], false, $($arg),*)
            }

            #[doc = concat!("[`Array::", stringify!($name), "`] over a set of axes, dropped or kept with length 1 (`keepdims`).")]
            ///
            /// # Errors
            ///
            /// [`Error::AxisOutOfRange`] for an axis the array does not have.
            ///
            /// # Examples
            ///
            /// ```
            /// use chunkwise::Array;
            /// let x = Array::from_ndarray(ndarray::array![[3.0f64, 1.0, 4.0], [1.0, 5.0, 9.0]], [1, 2])?;
            $(#[doc = concat!("let ", stringify!($arg), " = 1.0; // delta degrees of freedom, as numpy's")])*
            #[doc = concat!("assert_eq!(x.", stringify!($axes), "(&[0, 1], true", $(", ", stringify!($arg),)* ")?.shape(), &[1, 1]);")]
            /// # Ok::<(), chunkwise::Error>(())
            /// ```
            pub fn $axes(&self, axes: &[usize], keepdims: bool, $($arg: $argty),*) -> Result<Array<$R>> {
                let $op = (stringify!($name), self, axes, keepdims);
                $body
            }
        }
    )*};
}

reductions! {
    /// Sum of the elements (0 for an empty array). Integers sum in their own type: overflow
    /// wraps in release builds and panics in debug builds (the panic becomes an error at
    /// compute), as Rust's `+`.
    sum, sum_axis, sum_axes -> T where [T: Zero + Copy] ()
    example "assert_eq!(x.sum().compute_scalar()?, 23.0);"
    = |op| op.1.fold_reduction(op.0, op.2, op.3, T::zero(), |a, x| *a + *x, |a, b| *a + *b, Some(sum_run), |a| Ok(*a));

    /// Product of the elements (1 for an empty array); integer overflow as for `sum`.
    prod, prod_axis, prod_axes -> T where [T: One + Copy] ()
    example "assert_eq!(x.prod().compute_scalar()?, 540.0);"
    = |op| op.1.fold_reduction(op.0, op.2, op.3, T::one(), |a, x| *a * *x, |a, b| *a * *b, None, |a| Ok(*a));

    /// Smallest element; NaN propagates (as numpy). The minimum of nothing is an error
    /// ([`Error::EmptyReduction`]) at compute.
    min, min_axis, min_axes -> T where [T: PartialOrd + Copy] ()
    example "assert_eq!(x.min().compute_scalar()?, 1.0);"
    = |op| op.1.fold_reduction(op.0, op.2, op.3, None, |a, x| pick(*a, Some(*x), true), |a, b| pick(*a, *b, true), None,
        |a| a.ok_or(Error::EmptyReduction { op: "min" }));

    /// Largest element; NaN propagates (as numpy). The maximum of nothing is an error
    /// ([`Error::EmptyReduction`]) at compute.
    max, max_axis, max_axes -> T where [T: PartialOrd + Copy] ()
    example "assert_eq!(x.max().compute_scalar()?, 9.0);"
    = |op| op.1.fold_reduction(op.0, op.2, op.3, None, |a, x| pick(*a, Some(*x), false), |a, b| pick(*a, *b, false), None,
        |a| a.ok_or(Error::EmptyReduction { op: "max" }));

    /// Number of elements that are not zero ([`TruthValue`]: on a `bool` array, the number
    /// that are true).
    count_nonzero, count_nonzero_axis, count_nonzero_axes -> usize where [T: TruthValue] ()
    example "assert_eq!(x.count_nonzero().compute_scalar()?, 6);\nassert_eq!(x.gt(3.0).count_nonzero().compute_scalar()?, 3);"
    = |op| op.1.fold_reduction(op.0, op.2, op.3, 0usize, |a, x| a + usize::from(x.is_nonzero()), |a, b| a + b, None, |a| Ok(*a));

    /// Range of the values, largest minus smallest (numpy's `ptp`); NaN propagates. The range
    /// of nothing is an error ([`Error::EmptyReduction`]) at compute.
    ptp, ptp_axis, ptp_axes -> T where [T: PartialOrd + Copy + std::ops::Sub<Output = T>] ()
    example "assert_eq!(x.ptp().compute_scalar()?, 8.0);"
    = |op| op.1.fold_reduction(op.0, op.2, op.3, (None, None), |a, x| (pick(a.0, Some(*x), true), pick(a.1, Some(*x), false)),
        |a, b| (pick(a.0, b.0, true), pick(a.1, b.1, false)), None,
        |a| match *a { (Some(lo), Some(hi)) => Ok(hi - lo), _ => Err(Error::EmptyReduction { op: "ptp" }) });

    /// Product, skipping NaN (1 when every element is NaN).
    nanprod, nanprod_axis, nanprod_axes -> T where [T: Float] ()
    example "assert_eq!(x.map(|v| if v > 4.0 { f64::NAN } else { v }).nanprod().compute_scalar()?, 12.0);"
    = |op| op.1.fold_reduction(op.0, op.2, op.3, T::one(), |a, x| if x.is_nan() { *a } else { *a * *x }, |a, b| *a * *b, None, |a| Ok(*a));

    /// Whether any element is true, or not zero ([`TruthValue`]); false for an empty array.
    any, any_axis, any_axes -> bool where [T: TruthValue] ()
    example "assert!(x.gt(8.0).any().compute_scalar()?);\nassert!(!x.gt(9.0).any().compute_scalar()?);"
    = |op| op.1.fold_reduction(op.0, op.2, op.3, false, |a, x| *a || x.is_nonzero(), |a, b| *a || *b, None, |a| Ok(*a));

    /// Whether every element is true, or not zero ([`TruthValue`]); true for an empty array.
    all, all_axis, all_axes -> bool where [T: TruthValue] ()
    example "assert!(x.gt(0.0).all().compute_scalar()?);\nassert!(!x.gt(1.0).all().compute_scalar()?);"
    = |op| op.1.fold_reduction(op.0, op.2, op.3, true, |a, x| *a && x.is_nonzero(), |a, b| *a && *b, None, |a| Ok(*a));

    /// Mean (NaN for an empty array), from per-block count, mean and squared deviations merged
    /// with Chan's formula.
    mean, mean_axis, mean_axes -> T where [T: Float] ()
    example "assert!((x.mean().compute_scalar()? - 23.0 / 6.0).abs() < 1e-12);"
    = |op| op.1.fold_reduction(op.0, op.2, op.3, Moments::empty(), |a, x| a.add(*x), |a, b| a.merge(b), Some(mean_run), |a| Ok(if a.n == T::zero() { T::nan() } else { a.mean }));

    /// Variance with `ddof` delta degrees of freedom (as ndarray's `var`): the squared
    /// deviations divided by `n - ddof`; NaN where `n <= ddof`. A `ddof` that is NaN,
    /// infinite or negative is an [`Error::InvalidParameter`] at compute. Accurate for data far from zero
    /// (Welford within blocks, Chan's formula between them).
    var, var_axis, var_axes -> T where [T: Float] (ddof: impl IntoDdof<T>)
    example "assert!((x.var(1.0).compute_scalar()? - 8.966666666666665).abs() < 1e-12);"
    = |op| { let ddof: T = ddof.into_ddof(); op.1.fold_reduction(op.0, op.2, op.3, Moments::empty(), |a, x| a.add(*x), |a, b| a.merge(b), Some(moments_run), move |a| Ok(a.var(check_ddof("var", ddof)?))) };

    /// Count, mean and sum of squared deviations in one pass ([`Moments`]), from which
    /// [`Moments::var`] gives the variance with any `ddof`: the partial results that
    /// [`Array::mean`] and [`Array::var`] merge, for a caller who wants several of them at once.
    moments, moments_axis, moments_axes -> Moments<T> where [T: Float] ()
    example "let m = x.moments().compute_scalar()?; assert_eq!(m.n, 6.0); assert!((m.mean - 23.0 / 6.0).abs() < 1e-12); assert!((m.var(1.0) - 8.966666666666665).abs() < 1e-12);"
    = |op| op.1.fold_reduction(op.0, op.2, op.3, Moments::empty(), |a, x| a.add(*x), |a, b| a.merge(b), Some(moments_run), |a| Ok(*a));

    /// Standard deviation with `ddof` delta degrees of freedom: the square root of
    /// [`Array::var`].
    std, std_axis, std_axes -> T where [T: Float] (ddof: impl IntoDdof<T>)
    example "assert!((x.std(0.0).compute_scalar()? - 2.733536577809454).abs() < 1e-12);"
    = |op| { let ddof: T = ddof.into_ddof(); op.1.fold_reduction(op.0, op.2, op.3, Moments::empty(), |a, x| a.add(*x), |a, b| a.merge(b), Some(moments_run), move |a| Ok(a.var(check_ddof("std", ddof)?).sqrt())) };

    /// Sum, skipping NaN (0 when every element is NaN).
    nansum, nansum_axis, nansum_axes -> T where [T: Float] ()
    example "assert_eq!(x.map(|v| if v > 4.0 { f64::NAN } else { v }).nansum().compute_scalar()?, 9.0);"
    = |op| op.1.fold_reduction(op.0, op.2, op.3, T::zero(), |a, x| if x.is_nan() { *a } else { *a + *x }, |a, b| *a + *b, None, |a| Ok(*a));

    /// Mean, skipping NaN (NaN when nothing is left).
    nanmean, nanmean_axis, nanmean_axes -> T where [T: Float] ()
    example "assert_eq!(x.map(|v| if v > 4.0 { f64::NAN } else { v }).nanmean().compute_scalar()?, 2.25);"
    = |op| op.1.fold_reduction(op.0, op.2, op.3, Moments::empty(), |a, x| if x.is_nan() { *a } else { a.add(*x) }, |a, b| a.merge(b), None,
        |a| Ok(if a.n == T::zero() { T::nan() } else { a.mean }));

    /// Variance skipping NaN, with `ddof` delta degrees of freedom.
    nanvar, nanvar_axis, nanvar_axes -> T where [T: Float] (ddof: impl IntoDdof<T>)
    example "assert!((x.map(|v| if v > 4.0 { f64::NAN } else { v }).nanvar(0.0).compute_scalar()? - 1.6875).abs() < 1e-12);"
    = |op| { let ddof: T = ddof.into_ddof(); op.1.fold_reduction(op.0, op.2, op.3, Moments::empty(), |a, x| if x.is_nan() { *a } else { a.add(*x) }, |a, b| a.merge(b), None, move |a| Ok(a.var(check_ddof("nanvar", ddof)?))) };

    /// Standard deviation skipping NaN, with `ddof` delta degrees of freedom.
    nanstd, nanstd_axis, nanstd_axes -> T where [T: Float] (ddof: impl IntoDdof<T>)
    example "assert!((x.map(|v| if v > 4.0 { f64::NAN } else { v }).nanstd(0.0).compute_scalar()? - 1.6875f64.sqrt()).abs() < 1e-12);"
    = |op| { let ddof: T = ddof.into_ddof(); op.1.fold_reduction(op.0, op.2, op.3, Moments::empty(), |a, x| if x.is_nan() { *a } else { a.add(*x) }, |a, b| a.merge(b), None, move |a| Ok(a.var(check_ddof("nanstd", ddof)?).sqrt())) };

    /// Smallest element, skipping NaN: NaN if every element is NaN, an error
    /// ([`Error::EmptyReduction`]) at compute if there are none.
    nanmin, nanmin_axis, nanmin_axes -> T where [T: Float] ()
    example "assert_eq!(x.map(|v| if v < 2.0 { f64::NAN } else { v }).nanmin().compute_scalar()?, 3.0);"
    = |op| op.1.fold_reduction(op.0, op.2, op.3, (None, 0usize), |a, x| (if x.is_nan() { a.0 } else { pick(a.0, Some(*x), true) }, a.1 + 1),
        |a, b| (pick(a.0, b.0, true), a.1 + b.1), None,
        |a| if a.1 == 0 { Err(Error::EmptyReduction { op: "nanmin" }) } else { Ok(a.0.unwrap_or_else(T::nan)) });

    /// Largest element, skipping NaN: NaN if every element is NaN, an error
    /// ([`Error::EmptyReduction`]) at compute if there are none.
    nanmax, nanmax_axis, nanmax_axes -> T where [T: Float] ()
    example "assert_eq!(x.map(|v| if v > 4.0 { f64::NAN } else { v }).nanmax().compute_scalar()?, 4.0);"
    = |op| op.1.fold_reduction(op.0, op.2, op.3, (None, 0usize), |a, x| (if x.is_nan() { a.0 } else { pick(a.0, Some(*x), false) }, a.1 + 1),
        |a, b| (pick(a.0, b.0, false), a.1 + b.1), None,
        |a| if a.1 == 0 { Err(Error::EmptyReduction { op: "nanmax" }) } else { Ok(a.0.unwrap_or_else(T::nan)) });
}

impl<T: Element + PartialOrd + Copy> Array<T> {
    fn arg_reduction(
        &self,
        op: &'static str,
        axis: Option<usize>,
        min: bool,
        skip_nan: bool,
    ) -> Result<Array<usize>> {
        let shape = self.shape().to_vec();
        let axes: Vec<usize> = match axis {
            Some(a) => self.check_axes(op, &[a])?,
            None => (0..self.ndim()).collect(),
        };
        let whole = axis.is_none();
        self.reduction(
            &axes,
            false,
            self.split_every.unwrap_or(DEFAULT_SPLIT_EVERY),
            move |b, axes, start| {
                if whole {
                    // Flat (row-major) index in the whole array, as numpy's argmin; walked row
                    // by row, each row's first flat index computed once.
                    let mut best: Option<(T, usize)> = None;
                    let b = b.as_standard_layout();
                    let nd = b.ndim();
                    let row = if nd == 0 { 1 } else { b.shape()[nd - 1] };
                    let lead: Vec<usize> = b.shape()[..nd.saturating_sub(1)].to_vec();
                    let data = b.as_slice().expect("standard layout");
                    if row > 0 {
                        for (r, chunk) in data.chunks(row).enumerate() {
                            // Unravel the row number over the block's leading axes.
                            let mut rest = r;
                            let mut local = vec![0; lead.len()];
                            for k in (0..lead.len()).rev() {
                                local[k] = rest % lead[k];
                                rest /= lead[k];
                            }
                            let mut flat = 0;
                            for k in 0..nd {
                                let i = if k + 1 == nd { 0 } else { local[k] };
                                flat = flat * shape[k] + start[k] + i;
                            }
                            let row_best =
                                best_in(chunk, min, skip_nan).map(|(v, j)| (v, flat + j));
                            best = pick_arg(best, row_best, min);
                        }
                    }
                    let one = vec![1; nd];
                    ArrayD::from_elem(ndarray::IxDyn(&one), best)
                } else {
                    let k = axes[0];
                    b.map_axis(Axis(k), |lane| {
                        lane.iter().enumerate().fold(None, |acc, (i, &v)| {
                            if skip_nan && is_nan(&v) {
                                return acc;
                            }
                            pick_arg(acc, Some((v, start[k] + i)), min)
                        })
                    })
                    .insert_axis(Axis(k))
                }
            },
            move |a, b| pick_arg(*a, *b, min),
            move |a| match a {
                Some((_, i)) => Ok(*i),
                // numpy's nanargmin raises on a slice of NaN alone, as on an empty one.
                None if skip_nan => Err(Error::invalid(
                    op,
                    "values",
                    "a slice of NaN alone (or empty)",
                    "at least one value that is not NaN",
                )),
                None => Err(Error::EmptyReduction { op }),
            },
        )
    }

    /// Flat (row-major) index of the smallest element, as numpy's `argmin`: the first one on a
    /// tie, the first NaN if there is one.
    ///
    /// Infallible to build; at compute, [`Error::EmptyReduction`] for an empty array.
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::Array::from_ndarray(ndarray::array![[3, 1, 4], [1, 5, 9]], [1, 2])?;
    /// assert_eq!(x.argmin().compute_scalar()?, 1);
    /// assert_eq!(x.argmax().compute_scalar()?, 5);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn argmin(&self) -> Array<usize> {
        self.arg_reduction("argmin", None, true, false)
            .expect("a reduction over every axis")
    }

    /// Flat (row-major) index of the largest element, as numpy's `argmax`.
    ///
    /// Infallible to build; at compute, [`Error::EmptyReduction`] for an empty array.
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::Array::from_ndarray(ndarray::array![2.0, 7.0, 7.0], [2])?;
    /// assert_eq!(x.argmax().compute_scalar()?, 1);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn argmax(&self) -> Array<usize> {
        self.arg_reduction("argmax", None, false, false)
            .expect("a reduction over every axis")
    }

    /// Index along `axis` of the smallest element of each lane.
    ///
    /// # Errors
    ///
    /// [`Error::AxisOutOfRange`]; at compute, [`Error::EmptyReduction`] for an empty lane.
    ///
    /// # Examples
    ///
    /// ```
    /// use ndarray::Axis;
    /// let x = chunkwise::Array::from_ndarray(ndarray::array![[3, 1, 4], [1, 5, 9]], [1, 2])?;
    /// assert_eq!(x.argmin_axis(Axis(1))?.compute()?, ndarray::array![1, 0].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn argmin_axis(&self, axis: impl IntoAxis) -> Result<Array<usize>> {
        self.arg_reduction("argmin_axis", Some(axis.axis_index()), true, false)
    }

    /// Index along `axis` of the largest element of each lane.
    ///
    /// # Errors
    ///
    /// As [`Array::argmin_axis`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ndarray::Axis;
    /// let x = chunkwise::Array::from_ndarray(ndarray::array![[3, 1, 4], [1, 5, 9]], [1, 2])?;
    /// assert_eq!(x.argmax_axis(Axis(0))?.compute()?, ndarray::array![0, 1, 1].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn argmax_axis(&self, axis: impl IntoAxis) -> Result<Array<usize>> {
        self.arg_reduction("argmax_axis", Some(axis.axis_index()), false, false)
    }

    /// The flat index of the least value, NaN skipped, as numpy's `nanargmin`.
    ///
    /// # Errors
    ///
    /// At compute, [`Error::InvalidParameter`] for an array of NaN alone or an empty one
    /// (numpy raises for both).
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::Array::from_ndarray(ndarray::array![4.0, f64::NAN, 1.0, 1.0], [3])?;
    /// assert_eq!(x.nanargmin().compute_scalar()?, 2);
    /// assert_eq!(x.argmin().compute_scalar()?, 1); // argmin stops at the NaN
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn nanargmin(&self) -> Array<usize> {
        self.arg_reduction("nanargmin", None, true, true)
            .expect("a reduction over every axis is valid")
    }

    /// The flat index of the greatest value, NaN skipped, as numpy's `nanargmax`.
    ///
    /// # Errors
    ///
    /// As [`Array::nanargmin`].
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::Array::from_ndarray(ndarray::array![f64::NAN, 4.0, 9.0], [2])?;
    /// assert_eq!(x.nanargmax().compute_scalar()?, 2);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn nanargmax(&self) -> Array<usize> {
        self.arg_reduction("nanargmax", None, false, true)
            .expect("a reduction over every axis is valid")
    }

    /// The index of the least value along `axis`, NaN skipped, as numpy's
    /// `nanargmin(x, axis)`.
    ///
    /// # Errors
    ///
    /// [`Error::AxisOutOfRange`] for an axis the array does not have; at compute,
    /// [`Error::InvalidParameter`] for a lane of NaN alone.
    ///
    /// # Examples
    ///
    /// ```
    /// use ndarray::Axis;
    /// let x = chunkwise::Array::from_ndarray(ndarray::array![[f64::NAN, 2.0], [1.0, 3.0]], [1, 1])?;
    /// assert_eq!(x.nanargmin_axis(Axis(0))?.compute()?, ndarray::array![1, 0].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn nanargmin_axis(&self, axis: impl IntoAxis) -> Result<Array<usize>> {
        self.arg_reduction("nanargmin_axis", Some(axis.axis_index()), true, true)
    }

    /// The index of the greatest value along `axis`, NaN skipped, as numpy's
    /// `nanargmax(x, axis)`.
    ///
    /// # Errors
    ///
    /// As [`Array::nanargmin_axis`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ndarray::Axis;
    /// let x = chunkwise::Array::from_ndarray(ndarray::array![[f64::NAN, 2.0], [1.0, 3.0]], [1, 1])?;
    /// assert_eq!(x.nanargmax_axis(Axis(1))?.compute()?, ndarray::array![1, 1].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn nanargmax_axis(&self, axis: impl IntoAxis) -> Result<Array<usize>> {
        self.arg_reduction("nanargmax_axis", Some(axis.axis_index()), false, true)
    }
}

impl<T: Element + Copy> Array<T> {
    fn scan(
        &self,
        op_name: &'static str,
        axis: impl IntoAxis,
        identity: T,
        op: fn(T, T) -> T,
    ) -> Result<Array<T>> {
        self.scan_reseeding(op_name, axis, identity, op, None)
    }

    /// [`Array::scan`], where a lane whose carry `reseed` picks is scanned again from the
    /// input's own values, starting from the carry: for a product whose carry is an exact 0,
    /// which a block's product that overflowed to infinity would otherwise turn into NaN
    /// (0 x inf), where numpy's running product stays 0.
    fn scan_reseeding(
        &self,
        op_name: &'static str,
        axis: impl IntoAxis,
        identity: T,
        op: fn(T, T) -> T,
        reseed: Option<fn(T) -> bool>,
    ) -> Result<Array<T>> {
        let k = self.check_axes(op_name, &[axis.axis_index()])?[0];
        let local = self.map_blocks(move |b| {
            let mut a = b.to_owned();
            a.accumulate_axis_inplace(Axis(k), |&prev, cur| *cur = op(prev, *cur));
            a
        });
        let carry: crate::expr::NodeRef = Arc::new(crate::expr::scan::ScanCarry::new(
            local.node.clone(),
            k,
            identity,
            op,
        ));
        let identity_axes: Vec<Option<usize>> = (0..self.ndim()).map(Some).collect();
        let kernel: crate::expr::blockwise::Kernel = Box::new(move |_, shape, inputs| {
            let local = crate::expr::block::block_of::<T>(&inputs[0]).view();
            let carry = crate::expr::block::block_of::<T>(&inputs[1]).view();
            let seeds = carry.clone();
            let carry = carry
                .broadcast(shape.clone())
                .expect("a carry spans its block");
            let mut out = ndarray::Zip::from(&local)
                .and(&carry)
                .map_collect(|&x, &c| op(c, x));
            if let (Some(pick), Some(input)) = (reseed, inputs.get(2)) {
                let input = crate::expr::block::block_of::<T>(input).view();
                let lanes = out.lanes_mut(Axis(k)).into_iter();
                for ((mut lane, x), &c) in lanes.zip(input.lanes(Axis(k))).zip(seeds.iter()) {
                    if pick(c) {
                        let mut r = c;
                        for (o, &v) in lane.iter_mut().zip(x.iter()) {
                            r = op(r, v);
                            *o = r;
                        }
                    }
                }
            }
            Ok(crate::expr::block::owned(out))
        });
        let mut inputs = vec![local.node.clone(), carry];
        let mut axes = vec![identity_axes.clone(), identity_axes.clone()];
        if reseed.is_some() {
            inputs.push(self.node.clone());
            axes.push(identity_axes);
        }
        Ok(Array::from_node_writing(
            crate::expr::blockwise::Blockwise::new::<T>(
                op_name,
                local.node.chunks().clone(),
                inputs,
                axes,
                kernel,
                false,
            ),
            None,
        ))
    }

    /// Cumulative sum along `axis`, as numpy's `cumsum`: each block is summed on its own, then
    /// the running total of the earlier blocks along the axis is added, carried from block to
    /// block. Integer overflow as for [`Array::sum`].
    ///
    /// # Errors
    ///
    /// [`Error::AxisOutOfRange`] for an axis the array does not have.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// use ndarray::{Axis, array};
    /// let x = Array::from_ndarray(array![[1, 2, 3], [4, 5, 6]], [1, 2])?;
    /// assert_eq!(x.cumsum(Axis(1))?.compute()?, array![[1, 3, 6], [4, 9, 15]].into_dyn());
    /// assert_eq!(x.cumsum(Axis(0))?.compute()?, array![[1, 2, 3], [5, 7, 9]].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn cumsum(&self, axis: impl IntoAxis) -> Result<Array<T>>
    where
        T: Zero,
    {
        self.scan("cumsum", axis, T::zero(), |a, b| a + b)
    }

    /// Cumulative product along `axis`, as numpy's `cumprod`.
    ///
    /// # Errors
    ///
    /// [`Error::AxisOutOfRange`] for an axis the array does not have.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// use ndarray::{Axis, array};
    /// let x = Array::from_ndarray(array![1, 2, 3, 4, 5], [2])?;
    /// assert_eq!(x.cumprod(Axis(0))?.compute()?, array![1, 2, 6, 24, 120].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn cumprod(&self, axis: impl IntoAxis) -> Result<Array<T>>
    where
        T: One + Zero + PartialEq,
    {
        self.scan_reseeding(
            "cumprod",
            axis,
            T::one(),
            |a, b| a * b,
            Some(|c: T| c == T::zero()),
        )
    }
}

impl<T: Element + num_traits::Float> Array<T> {
    /// The `order`-th central moment, `sum((x - mean)^order) / (n - ddof)`, as dask's
    /// `moment(x, order, ddof=ddof)`: two passes (the mean, then the powers of the
    /// deviations).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for an order above 64 or a `ddof` not below the number of
    /// elements.
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::Array::from_ndarray(ndarray::array![1.0, 2.0, 3.0, 6.0], [3])?;
    /// // deviations -2, -1, 0, 3: cubes -8, -1, 0, 27.
    /// assert_eq!(x.moment(3, 0)?.compute_scalar()?, 4.5);
    /// assert_eq!(x.moment(2, 1)?.compute_scalar()?, x.var(1.0).compute_scalar()?);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn moment(&self, order: u32, ddof: usize) -> Result<Array<T>> {
        let all: Vec<usize> = (0..self.ndim()).collect();
        self.moment_over("moment", order, ddof, &all)
    }

    /// [`Array::moment`] along `axis`.
    ///
    /// # Errors
    ///
    /// As [`Array::moment`], and [`Error::AxisOutOfRange`] for an axis the array lacks.
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::Array::from_ndarray(ndarray::array![[1.0, 3.0], [2.0, 6.0]], [1, 1])?;
    /// assert_eq!(x.moment_axis(2, 1, 0)?.compute()?, ndarray::array![1.0, 4.0].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn moment_axis(&self, order: u32, axis: impl IntoAxis, ddof: usize) -> Result<Array<T>> {
        let a = self.check_axes("moment_axis", &[axis.axis_index()])?;
        self.moment_over("moment_axis", order, ddof, &a)
    }

    fn moment_over(
        &self,
        op: &'static str,
        order: u32,
        ddof: usize,
        axes: &[usize],
    ) -> Result<Array<T>> {
        if order > 64 {
            return Err(Error::invalid(op, "order", order, "at most 64"));
        }
        let n: usize = axes.iter().map(|&a| self.shape()[a]).product();
        if ddof >= n.max(1) && n > 0 {
            return Err(Error::invalid(
                op,
                "ddof",
                ddof,
                "below the number of elements",
            ));
        }
        let mean = self.mean_axes(axes, true)?;
        let dev = self.try_sub(&mean)?;
        let powered = dev.map(move |d: T| d.powi(order as i32));
        let sum = powered.sum_axes(axes, false)?;
        let denom = T::from(n.saturating_sub(ddof)).expect("a count is a float");
        Ok(sum.map(move |v: T| v / denom))
    }

    /// Cumulative sum along `axis` with NaN counted as zero, as numpy's `nancumsum`.
    ///
    /// # Errors
    ///
    /// [`Error::AxisOutOfRange`] for an axis the array does not have.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let x = Array::from_ndarray(ndarray::array![f64::NAN, 1.0, f64::NAN, 2.0], [3])?;
    /// assert_eq!(x.nancumsum(0)?.compute()?, ndarray::array![0.0, 1.0, 1.0, 3.0].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn nancumsum(&self, axis: impl IntoAxis) -> Result<Array<T>> {
        let z = |v: T| if v.is_nan() { T::zero() } else { v };
        let scanned = self.scan("nancumsum", axis, T::zero(), |a, b| {
            let z = |v: T| if v.is_nan() { T::zero() } else { v };
            z(a) + z(b)
        })?;
        // A lane's first element is its own running sum: NaN there counts as zero too.
        Ok(scanned.map_named("nancumsum", z))
    }

    /// Cumulative product along `axis` with NaN counted as one, as numpy's `nancumprod`.
    ///
    /// # Errors
    ///
    /// [`Error::AxisOutOfRange`] for an axis the array does not have.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let x = Array::from_ndarray(ndarray::array![f64::NAN, 2.0, f64::NAN, 3.0], [3])?;
    /// assert_eq!(x.nancumprod(0)?.compute()?, ndarray::array![1.0, 2.0, 2.0, 6.0].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn nancumprod(&self, axis: impl IntoAxis) -> Result<Array<T>> {
        let one = |v: T| if v.is_nan() { T::one() } else { v };
        let scanned = self.scan("nancumprod", axis, T::one(), |a, b| {
            let one = |v: T| if v.is_nan() { T::one() } else { v };
            one(a) * one(b)
        })?;
        Ok(scanned.map_named("nancumprod", one))
    }

    /// Forward fill along `axis`: each NaN replaced by the last value before it that is not
    /// NaN (NaN where there is none), as dask's `push` and pandas' `ffill` without a limit.
    ///
    /// # Errors
    ///
    /// [`Error::AxisOutOfRange`] for an axis the array does not have.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let nan = f64::NAN;
    /// let x = Array::from_ndarray(ndarray::array![[nan, 1.0, nan, nan, 4.0, nan]], [1, 2])?;
    /// let y = x.push(1)?.compute()?;
    /// assert!(y[[0, 0]].is_nan());
    /// assert_eq!(y.slice(ndarray::s![0, 1..]).to_vec(), vec![1.0, 1.0, 1.0, 4.0, 4.0]);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn push(&self, axis: impl IntoAxis) -> Result<Array<T>> {
        self.scan(
            "push",
            axis,
            T::nan(),
            |a, b| if b.is_nan() { a } else { b },
        )
    }
}
