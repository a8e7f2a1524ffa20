//! General blockwise operations, as dask's `blockwise`: a function of blocks of several arrays
//! whose axes are named by index letters (`"ij,jk->ik"`), with contraction over the letters
//! the output lacks, new output axes, adjusted output chunks and inputs brought onto common
//! chunks along each letter (dask's `unify_chunks`).
//!
//! ```text
//!   "ij,jk->ik"    output block (i, k) reads block (i, ·) of a and (·, k) of b:
//!                  every block along the contracted j, either
//!                  - concatenated, one call of f per output block  (Blockwise::apply), or
//!                  - one call of f per block of j, the results combined in a tree of fan-in
//!                    SPLIT_EVERY                                  (Blockwise::apply_combined)
//! ```
//!
//! Everything is planned on index ids (`usize`); the subscripts parser, `apply_gufunc` and
//! the several-array `map_blocks` each name their axes and build a [`BlockwisePlan`].

use std::collections::BTreeMap;
use std::sync::Arc;

use ndarray::Dimension as _;
use ndarray::{ArrayD, ArrayViewD, Axis, IxDyn, Slice};

use super::Array;
use crate::chunks::{Chunks, refine_axis};
use crate::error::{Error, Result};
use crate::expr::block::{Element, block_of, into_owned, owned};
use crate::expr::blockwise::rechunk_fn;
use crate::expr::gather::Gather;
use crate::expr::linalg::{merge_group, merge_level};
use crate::expr::{BlockRef, NodeRef};
use crate::scheduler::Value;

/// How an output index gets its block sizes.
#[derive(Clone)]
enum Sizes {
    /// Explicit sizes, one per block.
    Given(Vec<usize>),
    /// Each unified block size mapped by a function.
    Adjusted(Arc<dyn Fn(usize) -> usize + Send + Sync>),
}

/// A blockwise operation over arrays whose axes are named by index letters, as dask's
/// `blockwise`: `Blockwise::new("ij,jk->ik")`, settings, then [`apply`](Blockwise::apply)
/// (the blocks along a contracted index concatenated, one call per output block) or
/// [`apply_combined`](Blockwise::apply_combined) (one call per block combination, the results
/// merged by a given reduction). [`blockwise`] is the short form of `apply`.
///
/// The subscripts name each input's axes, one letter each, separated by commas, then `->` and
/// the output's letters. A letter shared by several inputs must have one length there (or 1,
/// broadcast: that input's block of length 1 is handed over as it is); the inputs are
/// rechunked to the common refinement of their block edges along it, as dask's
/// `unify_chunks`. A letter the output lacks is contracted. An output letter that no input has
/// is a new axis, whose length [`new_axis`](Blockwise::new_axis) gives.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Blockwise};
/// use ndarray::{Array2, ArrayViewD, Ix2};
/// let a = Array::from_ndarray(Array2::from_shape_fn((4, 6), |(i, j)| (i + j) as f64), [2, 3])?;
/// let b = Array::from_ndarray(Array2::from_shape_fn((6, 2), |(i, j)| (i * j) as f64), [2, 1])?;
/// let dot = |blocks: &[ArrayViewD<'_, f64>]| {
///     let x = blocks[0].view().into_dimensionality::<Ix2>().unwrap();
///     let y = blocks[1].view().into_dimensionality::<Ix2>().unwrap();
///     x.dot(&y)
/// };
/// let expected = a.compute()?.into_dimensionality::<Ix2>().unwrap()
///     .dot(&b.compute()?.into_dimensionality::<Ix2>().unwrap()).into_dyn();
/// // The blocks along j concatenated: one product per output block.
/// let c = Blockwise::new("ij,jk->ik").apply(dot, &[&a, &b])?;
/// assert_eq!(c.chunks(), &[vec![2, 2], vec![1, 1]]);
/// assert_eq!(c.compute()?, expected);
/// // One product per block of j, the partial products added up.
/// let c = Blockwise::new("ij,jk->ik").apply_combined(dot, |acc, part| *acc += &part, &[&a, &b])?;
/// assert_eq!(c.compute()?, expected);
/// # Ok::<(), chunkwise::Error>(())
/// ```
#[derive(Clone)]
pub struct Blockwise {
    subscripts: String,
    new_axes: Vec<(char, usize)>,
    sizes: Vec<(char, Sizes)>,
    name: &'static str,
}

impl Blockwise {
    /// A blockwise operation with index letters `subscripts` (`"ij,jk->ik"`, `"ij->"`,
    /// `",i->i"` for a 0-d first input); checked when applied.
    ///
    /// # Examples
    ///
    /// ```
    /// let outer = chunkwise::Blockwise::new("i,j->ij");
    /// # let _ = outer;
    /// ```
    pub fn new(subscripts: &str) -> Blockwise {
        Blockwise {
            subscripts: subscripts.to_string(),
            new_axes: Vec::new(),
            sizes: Vec::new(),
            name: "blockwise",
        }
    }

    /// Gives the output letter `index`, which no input has, the length `len`, in one block (as
    /// dask's `new_axes={'k': len}`); [`chunks`](Blockwise::chunks) splits it.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, Blockwise};
    /// // Each element repeated along a new axis of length 3.
    /// let x = Array::from_ndarray(ndarray::array![1, 2, 3, 4], [2])?;
    /// let y = Blockwise::new("i->ik")
    ///     .new_axis('k', 3)
    ///     .apply(|b| b[0].view().insert_axis(ndarray::Axis(1)).broadcast((2, 3)).unwrap().to_owned(), &[&x])?;
    /// assert_eq!(y.shape(), &[4, 3]);
    /// assert_eq!(y.compute()?[[3, 2]], 4);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn new_axis(mut self, index: char, len: usize) -> Blockwise {
        self.new_axes.retain(|(c, _)| *c != index);
        self.new_axes.push((index, len));
        self
    }

    /// The block sizes of the output letter `index`: one per block the inputs give it (for a
    /// new axis, any number, adding up to its length), as dask's `adjust_chunks={'i': (..)}`.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, Blockwise};
    /// // Each block's sum: one element per block.
    /// let x = Array::from_ndarray(ndarray::Array1::from_iter(0..10), [4])?;
    /// let sums = Blockwise::new("i->i")
    ///     .chunks('i', &[1, 1, 1])
    ///     .apply(|b| ndarray::arr1(&[b[0].sum()]), &[&x])?;
    /// assert_eq!(sums.compute()?.into_iter().collect::<Vec<_>>(), vec![6, 22, 17]);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn chunks(mut self, index: char, sizes: &[usize]) -> Blockwise {
        self.sizes.retain(|(c, _)| *c != index);
        self.sizes.push((index, Sizes::Given(sizes.to_vec())));
        self
    }

    /// Maps each block size of the output letter `index` by `f`, as dask's
    /// `adjust_chunks={'i': f}`: for a function that changes each block's length by a rule.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, Blockwise};
    /// // Every other element of each block.
    /// let x = Array::from_ndarray(ndarray::Array1::from_iter(0..8), [4])?;
    /// let y = Blockwise::new("i->i")
    ///     .adjust_chunks('i', |n| n.div_ceil(2))
    ///     .apply(|b| b[0].slice(ndarray::s![..;2]).to_owned(), &[&x])?;
    /// assert_eq!(y.compute()?.into_iter().collect::<Vec<_>>(), vec![0, 2, 4, 6]);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn adjust_chunks<F>(mut self, index: char, f: F) -> Blockwise
    where
        F: Fn(usize) -> usize + Send + Sync + 'static,
    {
        self.sizes.retain(|(c, _)| *c != index);
        self.sizes.push((index, Sizes::Adjusted(Arc::new(f))));
        self
    }

    /// `f` on the blocks of `inputs` that each output block reads, one view per input, in the
    /// order of the subscripts: along a contracted letter, all of that input's blocks
    /// concatenated (as dask's `concatenate=True`); along the others, the block of the output
    /// block's position (the block of length 1 along a broadcast letter). `f` must return a
    /// block of the output block's shape.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for subscripts that do not parse or do not fit the inputs, a
    /// letter with two lengths (neither 1), a new letter without a length or a length for one
    /// that is not new, or block sizes that do not fit; at compute, [`Error::BlockShape`] for a
    /// block of another shape.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, Blockwise};
    /// // Row sums: j contracted, each output block gets its rows whole.
    /// let x = Array::from_ndarray(ndarray::Array2::from_shape_fn((4, 6), |(i, j)| (i * j) as i64), [2, 2])?;
    /// let rows = Blockwise::new("ij->i").apply(|b| b[0].sum_axis(ndarray::Axis(1)), &[&x])?;
    /// assert_eq!(rows.compute()?.into_iter().collect::<Vec<_>>(), vec![0, 15, 30, 45]);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn apply<T, U, D, F>(&self, f: F, inputs: &[&Array<T>]) -> Result<Array<U>>
    where
        T: Element,
        U: Element,
        D: ndarray::Dimension,
        F: Fn(&[ArrayViewD<'_, T>]) -> ndarray::Array<U, D> + Send + Sync + 'static,
    {
        let plan = self.plan(inputs)?;
        Ok(plan.concatenated(self.name, move |blocks| Ok(f(blocks).into_dyn())))
    }

    /// `f` on each combination of blocks along the contracted letters (one block of each
    /// input, as dask's `concatenate=False`), the results for one output block merged by
    /// `combine(accumulated, next)` in a tree of fan-in 4: the form of a matrix product by
    /// block products and sums, which holds one block of each input at a time. Without a
    /// contracted letter of several blocks this is [`apply`](Blockwise::apply).
    ///
    /// # Errors
    ///
    /// As [`apply`](Blockwise::apply).
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, Blockwise};
    /// // The largest element of each row, block by block along j.
    /// let x = Array::from_ndarray(ndarray::array![[1.0, 7.0, 3.0], [9.0, 2.0, 4.0]], [1, 1])?;
    /// let max = |b: &[ndarray::ArrayViewD<'_, f64>]| b[0].fold_axis(ndarray::Axis(1), f64::MIN, |a, &v| a.max(v));
    /// let m = Blockwise::new("ij->i")
    ///     .apply_combined(max, |acc, part| acc.zip_mut_with(&part, |a, &b| *a = a.max(b)), &[&x])?;
    /// assert_eq!(m.compute()?.into_iter().collect::<Vec<_>>(), vec![7.0, 9.0]);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn apply_combined<T, U, D, F, C>(
        &self,
        f: F,
        combine: C,
        inputs: &[&Array<T>],
    ) -> Result<Array<U>>
    where
        T: Element,
        U: Element,
        D: ndarray::Dimension,
        F: Fn(&[ArrayViewD<'_, T>]) -> ndarray::Array<U, D> + Send + Sync + 'static,
        C: Fn(&mut ArrayD<U>, ArrayViewD<'_, U>) + Send + Sync + 'static,
    {
        let plan = self.plan(inputs)?;
        Ok(plan.combined(self.name, move |b| Ok(f(b).into_dyn()), combine))
    }

    /// Parses the subscripts against `inputs` and plans the operation.
    fn plan<T: Element>(&self, inputs: &[&Array<T>]) -> Result<BlockwisePlan<T>> {
        let op = self.name;
        let bad = |value: String, expected: &'static str| {
            Error::invalid(op, "subscripts", value, expected)
        };
        let s: String = self
            .subscripts
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let Some((lhs, rhs)) = s.split_once("->") else {
            return Err(bad(s, "input letters, '->' and the output's letters"));
        };
        let terms: Vec<&str> = if lhs.is_empty() && inputs.len() <= 1 {
            vec![""; inputs.len()]
        } else {
            lhs.split(',').collect()
        };
        if terms.len() != inputs.len() {
            return Err(bad(
                format!("{} terms for {} inputs", terms.len(), inputs.len()),
                "one term per input",
            ));
        }
        let mut ids: BTreeMap<char, usize> = BTreeMap::new();
        let mut names: Vec<String> = Vec::new();
        let mut id_of = |c: char| -> Result<usize> {
            if !c.is_ascii_alphabetic() {
                return Err(bad(format!("'{c}' in '{s}'"), "letters, ',' and '->'"));
            }
            let next = ids.len();
            let id = *ids.entry(c).or_insert(next);
            if id == names.len() {
                names.push(c.to_string());
            }
            Ok(id)
        };
        let mut axes = Vec::with_capacity(inputs.len());
        for (x, (term, a)) in terms.iter().zip(inputs).enumerate() {
            let letters: Vec<usize> = term.chars().map(&mut id_of).collect::<Result<_>>()?;
            if letters.len() != a.ndim() {
                return Err(bad(
                    format!("'{term}' for input {x} of {} axes", a.ndim()),
                    "one letter per axis of each input",
                ));
            }
            axes.push(letters);
        }
        let output: Vec<usize> = rhs.chars().map(&mut id_of).collect::<Result<_>>()?;
        let mut new = BTreeMap::new();
        for &(c, len) in &self.new_axes {
            let id = id_of(c)?;
            new.insert(id, len);
        }
        let mut sizes = BTreeMap::new();
        for (c, s) in &self.sizes {
            let id = id_of(*c)?;
            sizes.insert(id, s.clone());
        }
        let nodes: Vec<NodeRef> = inputs.iter().map(|a| a.node().clone()).collect();
        BlockwisePlan::new(
            op,
            Indices {
                names,
                inputs: axes,
                output,
                new,
                sizes,
            },
            nodes,
        )
    }
}

/// `f` on the blocks of `inputs` that each output block reads, with index letters
/// `subscripts`: [`Blockwise::new(subscripts)`](Blockwise::new)`.apply(f, inputs)`, dask's
/// `blockwise(f, out_ind, *args)` with `concatenate=True`.
///
/// # Errors
///
/// As [`Blockwise::apply`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, blockwise};
/// // An outer product: i from the first input, j from the second.
/// let x = Array::from_ndarray(ndarray::array![1, 2, 3], [2])?;
/// let y = Array::from_ndarray(ndarray::array![10, 20], [1])?;
/// let outer = blockwise("i,j->ij", |b| {
///     let (x, y) = (&b[0], &b[1]);
///     ndarray::Array2::from_shape_fn((x.len(), y.len()), |(i, j)| x[i] * y[j])
/// }, &[&x, &y])?;
/// assert_eq!(outer.compute()?, ndarray::array![[10, 20], [20, 40], [30, 60]].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn blockwise<T, U, D, F>(subscripts: &str, f: F, inputs: &[&Array<T>]) -> Result<Array<U>>
where
    T: Element,
    U: Element,
    D: ndarray::Dimension,
    F: Fn(&[ArrayViewD<'_, T>]) -> ndarray::Array<U, D> + Send + Sync + 'static,
{
    Blockwise::new(subscripts).apply(f, inputs)
}

/// `map_blocks` over several arrays, as dask's: the arrays broadcast together (numpy's
/// rules: aligned from the right, a length-1 axis against a longer one), cut along the common
/// refinement of their block edges, and `f` called on each set of matching blocks as they are
/// (not broadcast: a block of length 1 stays so). [`drop_axis`](MapBlocks::drop_axis) removes
/// axes from the output (each block then spans them whole, its blocks along them
/// concatenated), [`new_axis`](MapBlocks::new_axis) inserts axes into it, and
/// [`chunks`](MapBlocks::chunks) declares the output's block sizes. [`map_blocks`] is the
/// short form without settings.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, MapBlocks};
/// use ndarray::{Array2, Axis};
/// let x = Array::from_ndarray(Array2::from_shape_fn((4, 6), |(i, j)| (i * 6 + j) as f64), [2, 2])?;
/// let w = Array::from_ndarray(ndarray::Array1::from_elem(6, 0.5), [3])?;
/// // Weighted row sums: axis 1 dropped, so each block holds whole rows of x (and all of w).
/// let sums = MapBlocks::new()
///     .drop_axis(&[1])
///     .apply(|b| (&b[0] * &b[1]).sum_axis(Axis(1)), &[&x, &w])?;
/// assert_eq!(sums.compute()?.into_iter().collect::<Vec<_>>(), vec![7.5, 25.5, 43.5, 61.5]);
/// # Ok::<(), chunkwise::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct MapBlocks {
    drop: Vec<usize>,
    new: Vec<usize>,
    chunks: Option<Vec<Vec<usize>>>,
}

impl MapBlocks {
    /// `map_blocks` with no axes dropped or added and the inputs' chunks.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = chunkwise::MapBlocks::new().drop_axis(&[0]);
    /// # let _ = m;
    /// ```
    pub fn new() -> MapBlocks {
        MapBlocks::default()
    }

    /// Axes of the broadcast inputs that the output lacks (dask's `drop_axis`): each block
    /// `f` receives spans them whole.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, MapBlocks};
    /// let x = Array::<i32>::ones(&[3, 4], [1, 2])?;
    /// let cols = MapBlocks::new().drop_axis(&[0]).apply(|b| b[0].sum_axis(ndarray::Axis(0)), &[&x])?;
    /// assert_eq!(cols.chunks(), &[vec![2, 2]]);
    /// assert_eq!(cols.compute()?.into_iter().collect::<Vec<_>>(), vec![3; 4]);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn drop_axis(mut self, axes: &[usize]) -> MapBlocks {
        self.drop = axes.to_vec();
        self
    }

    /// Positions in the output of new axes (dask's `new_axis`), each of length 1 in one block
    /// unless [`chunks`](MapBlocks::chunks) gives its sizes.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, MapBlocks};
    /// let x = Array::from_ndarray(ndarray::array![1.0, 2.0, 3.0], [2])?;
    /// // Each value with its square, along a new last axis of length 2.
    /// let y = MapBlocks::new()
    ///     .new_axis(&[1])
    ///     .chunks(vec![vec![2, 1], vec![2]])
    ///     .apply(|b| ndarray::stack![ndarray::Axis(1), b[0], b[0].mapv(|v| v * v)], &[&x])?;
    /// assert_eq!(y.compute()?, ndarray::array![[1.0, 1.0], [2.0, 4.0], [3.0, 9.0]].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn new_axis(mut self, axes: &[usize]) -> MapBlocks {
        self.new = axes.to_vec();
        self
    }

    /// The output's block sizes per axis (dask's `chunks`): along an axis of the inputs, one
    /// size per block they have there; along a new axis, any sizes, adding up to its length.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, MapBlocks};
    /// // The first two elements of each block.
    /// let x = Array::from_ndarray(ndarray::Array1::from_iter(0..9), [3])?;
    /// let heads = MapBlocks::new()
    ///     .chunks(vec![vec![2, 2, 2]])
    ///     .apply(|b| b[0].slice(ndarray::s![..2]).to_owned(), &[&x])?;
    /// assert_eq!(heads.compute()?.into_iter().collect::<Vec<_>>(), vec![0, 1, 3, 4, 6, 7]);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn chunks(mut self, sizes: Vec<Vec<usize>>) -> MapBlocks {
        self.chunks = Some(sizes);
        self
    }

    /// `f` on each set of matching blocks of `inputs`, one view per input in their order; it
    /// returns the output block, of the shape the settings give.
    ///
    /// # Errors
    ///
    /// [`Error::IncompatibleShapes`] for inputs that do not broadcast;
    /// [`Error::InvalidParameter`] for no input, a dropped axis or new-axis position out of
    /// range or given twice, or chunks of another rank or grid than the output's; at compute,
    /// [`Error::BlockShape`] for a block of another shape.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, map_blocks};
    /// // A velocity and a density field cut differently: their product, block by block.
    /// let u = Array::from_ndarray(ndarray::array![[1.0, 2.0, 3.0, 4.0]], [1, 3])?;
    /// let rho = Array::from_ndarray(ndarray::array![[2.0, 2.0, 1.0, 1.0]], [1, 2])?;
    /// let flux = map_blocks(|b| &b[0] * &b[1], &[&u, &rho])?;
    /// assert_eq!(flux.chunks()[1], vec![2, 1, 1]);
    /// assert_eq!(flux.compute()?, ndarray::array![[2.0, 4.0, 3.0, 4.0]].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn apply<T, U, D, F>(&self, f: F, inputs: &[&Array<T>]) -> Result<Array<U>>
    where
        T: Element,
        U: Element,
        D: ndarray::Dimension,
        F: Fn(&[ArrayViewD<'_, T>]) -> ndarray::Array<U, D> + Send + Sync + 'static,
    {
        let op = "map_blocks";
        if inputs.is_empty() {
            return Err(Error::invalid(op, "inputs", "none", "at least one array"));
        }
        let n = inputs.iter().map(|a| a.ndim()).max().unwrap_or(0);
        let mut shape: Vec<usize> = Vec::new();
        for a in inputs {
            shape = crate::chunks::broadcast_shapes(&shape, a.shape()).ok_or_else(|| {
                Error::IncompatibleShapes {
                    op,
                    left: shape.clone(),
                    right: a.shape().to_vec(),
                }
            })?;
        }
        for (k, &d) in self.drop.iter().enumerate() {
            if d >= n || self.drop[..k].contains(&d) {
                return Err(Error::invalid(
                    op,
                    "drop_axis",
                    format!("{:?} of {n} axes", self.drop),
                    "distinct axes of the broadcast inputs",
                ));
            }
        }
        let rank = n - self.drop.len() + self.new.len();
        for (k, &p) in self.new.iter().enumerate() {
            if p >= rank || self.new[..k].contains(&p) {
                return Err(Error::invalid(
                    op,
                    "new_axis",
                    format!("{:?} in an output of {rank} axes", self.new),
                    "distinct positions in the output",
                ));
            }
        }
        if let Some(c) = &self.chunks
            && c.len() != rank
        {
            return Err(Error::invalid(
                op,
                "chunks",
                format!("{} axes of sizes for an output of {rank} axes", c.len()),
                "one list of block sizes per output axis",
            ));
        }
        let mut names: Vec<String> = (0..n).map(|k| format!("axis {k}")).collect();
        let axes: Vec<Vec<usize>> = inputs.iter().map(|a| (n - a.ndim()..n).collect()).collect();
        let mut kept = (0..n).filter(|d| !self.drop.contains(d));
        let mut output = Vec::with_capacity(rank);
        let mut new = BTreeMap::new();
        for p in 0..rank {
            if self.new.contains(&p) {
                names.push(format!("new axis {p}"));
                let id = names.len() - 1;
                let len = self.chunks.as_ref().map_or(1, |c| c[p].iter().sum());
                new.insert(id, len);
                output.push(id);
            } else {
                output.push(kept.next().expect("the rank counts the kept axes"));
            }
        }
        let mut ix = Indices::new(names, axes, output.clone(), new);
        if let Some(c) = &self.chunks {
            for (&id, sizes) in output.iter().zip(c) {
                ix = ix.with_sizes(id, sizes.clone());
            }
        }
        let nodes: Vec<NodeRef> = inputs.iter().map(|a| a.node().clone()).collect();
        let plan = BlockwisePlan::new(op, ix, nodes)?;
        Ok(plan.concatenated(op, move |b| Ok(f(b).into_dyn())))
    }
}

/// `f` on each set of matching blocks of several arrays, as dask's `map_blocks(f, *arrays)`:
/// [`MapBlocks::new()`](MapBlocks::new)`.apply(f, inputs)`.
///
/// # Errors
///
/// As [`MapBlocks::apply`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, map_blocks};
/// let a = Array::from_ndarray(ndarray::array![1, 2, 3, 4], [2])?;
/// let b = Array::from_ndarray(ndarray::array![10, 20, 30, 40], [3])?;
/// let c = Array::from_ndarray(ndarray::array![100], [1])?; // broadcast: its block stays 1 long
/// let s = map_blocks(|v| &v[0] + &v[1] + &v[2], &[&a, &b, &c])?;
/// assert_eq!(s.compute()?.into_iter().collect::<Vec<_>>(), vec![111, 122, 133, 144]);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn map_blocks<T, U, D, F>(f: F, inputs: &[&Array<T>]) -> Result<Array<U>>
where
    T: Element,
    U: Element,
    D: ndarray::Dimension,
    F: Fn(&[ArrayViewD<'_, T>]) -> ndarray::Array<U, D> + Send + Sync + 'static,
{
    MapBlocks::new().apply(f, inputs)
}

/// The first of `arrays`, which must all have its shape: the error names `op` and the first
/// shape that differs, or that there is no array.
pub(crate) fn one_shape<'a, T: Element>(
    op: &'static str,
    arrays: &[&'a Array<T>],
) -> Result<&'a Array<T>> {
    let Some(&first) = arrays.first() else {
        return Err(Error::invalid(op, "inputs", "none", "at least one array"));
    };
    match arrays.iter().find(|a| a.shape() != first.shape()) {
        Some(a) => Err(Error::IncompatibleShapes {
            op,
            left: first.shape().to_vec(),
            right: a.shape().to_vec(),
        }),
        None => Ok(first),
    }
}

/// Axes named by index ids: what [`BlockwisePlan::new`] checks and plans.
pub(crate) struct Indices {
    /// Each id's name, for errors.
    pub(crate) names: Vec<String>,
    /// Each input's ids, one per axis.
    pub(crate) inputs: Vec<Vec<usize>>,
    /// The output's ids.
    pub(crate) output: Vec<usize>,
    /// New output ids and their lengths.
    pub(crate) new: BTreeMap<usize, usize>,
    /// Output ids whose block sizes are given or adjusted.
    sizes: BTreeMap<usize, Sizes>,
}

impl Indices {
    /// Ids named `names`, with `inputs` and `output` as ids and `new` output ids with lengths.
    pub(crate) fn new(
        names: Vec<String>,
        inputs: Vec<Vec<usize>>,
        output: Vec<usize>,
        new: BTreeMap<usize, usize>,
    ) -> Indices {
        Indices {
            names,
            inputs,
            output,
            new,
            sizes: BTreeMap::new(),
        }
    }

    /// With the block sizes of output id `id` given.
    pub(crate) fn with_sizes(mut self, id: usize, sizes: Vec<usize>) -> Indices {
        self.sizes.insert(id, Sizes::Given(sizes));
        self
    }
}

/// A checked blockwise operation on unified inputs, ready to be built one way or the other.
pub(crate) struct BlockwisePlan<T> {
    /// The inputs, rechunked to the unified chunks.
    inputs: Vec<NodeRef>,
    /// Each input's ids, one per axis.
    axes: Vec<Vec<usize>>,
    /// Per input axis: whether it is broadcast (length 1 against a longer index).
    broadcast: Vec<Vec<bool>>,
    /// Each id's unified block sizes (before the output's adjustments).
    sizes: Vec<Vec<usize>>,
    /// The contracted ids, in order of first appearance.
    contracted: Vec<usize>,
    /// The output's chunks, and for each output axis its id.
    out: Chunks,
    out_ids: Vec<usize>,
    _t: std::marker::PhantomData<fn() -> T>,
}

impl<T: Element> BlockwisePlan<T> {
    /// Checks `ix` against `inputs` and rechunks them onto common block edges.
    pub(crate) fn new(
        op: &'static str,
        ix: Indices,
        inputs: Vec<NodeRef>,
    ) -> Result<BlockwisePlan<T>> {
        let bad = |value: String, expected: &'static str| {
            Error::invalid(op, "subscripts", value, expected)
        };
        let name = |id: usize| format!("'{}'", ix.names[id]);
        let n_ids = ix.names.len();
        for (x, letters) in ix.inputs.iter().enumerate() {
            for (k, &id) in letters.iter().enumerate() {
                if letters[..k].contains(&id) {
                    return Err(bad(
                        format!("{} twice in input {x}", name(id)),
                        "each letter at most once per input",
                    ));
                }
            }
        }
        for (k, &id) in ix.output.iter().enumerate() {
            if ix.output[..k].contains(&id) {
                return Err(bad(
                    format!("{} twice in the output", name(id)),
                    "each letter at most once in the output",
                ));
            }
        }
        let in_inputs = |id: usize| ix.inputs.iter().any(|l| l.contains(&id));
        for &id in ix.new.keys() {
            if in_inputs(id) || !ix.output.contains(&id) {
                return Err(Error::invalid(
                    op,
                    "new_axis",
                    name(id),
                    "a length only for an output letter that no input has",
                ));
            }
        }
        for &id in &ix.output {
            if !in_inputs(id) && !ix.new.contains_key(&id) {
                return Err(Error::invalid(
                    op,
                    "new_axis",
                    name(id),
                    "a length for each output letter that no input has",
                ));
            }
        }
        // Each id's length: the one every input that has it agrees on, 1 broadcasting.
        let mut len: Vec<Option<usize>> = vec![None; n_ids];
        for (x, (letters, node)) in ix.inputs.iter().zip(&inputs).enumerate() {
            for (&id, &n) in letters.iter().zip(node.chunks().shape()) {
                len[id] = match len[id] {
                    None | Some(1) => Some(n),
                    Some(m) if n == 1 || n == m => Some(m),
                    Some(m) => {
                        return Err(bad(
                            format!("{} of length {m}, and {n} in input {x}", name(id)),
                            "one length per letter (or 1, broadcast)",
                        ));
                    }
                };
            }
        }
        for (&id, &n) in &ix.new {
            len[id] = Some(n);
        }
        // Unified block sizes: the common refinement over the inputs not broadcast.
        let mut sizes: Vec<Option<Vec<usize>>> = vec![None; n_ids];
        for (letters, node) in ix.inputs.iter().zip(&inputs) {
            let c = node.chunks();
            for (j, &id) in letters.iter().enumerate() {
                if Some(c.shape()[j]) == len[id] {
                    sizes[id] = Some(match sizes[id].take() {
                        None => c.sizes()[j].clone(),
                        Some(s) => refine_axis(&s, &c.sizes()[j]),
                    });
                }
            }
        }
        for (&id, &n) in &ix.new {
            sizes[id] = Some(vec![n]);
        }
        let sizes: Vec<Vec<usize>> = sizes
            .into_iter()
            .map(|s| s.unwrap_or_else(|| vec![0]))
            .collect();
        let mut axes = Vec::with_capacity(inputs.len());
        let mut broadcast = Vec::with_capacity(inputs.len());
        let mut unified = Vec::with_capacity(inputs.len());
        for (letters, node) in ix.inputs.iter().zip(inputs) {
            let c = node.chunks();
            let b: Vec<bool> = letters
                .iter()
                .zip(c.shape())
                .map(|(&id, &n)| Some(n) != len[id])
                .collect();
            let target: Vec<Vec<usize>> = letters
                .iter()
                .zip(&b)
                .enumerate()
                .map(|(j, (&id, &bc))| {
                    if bc {
                        // One block (block 0, which every output block reads), even where
                        // blocks of size 0 lie beside it.
                        vec![c.shape()[j]]
                    } else {
                        sizes[id].clone()
                    }
                })
                .collect();
            let node = if target == c.sizes() {
                node
            } else {
                let chunks = Chunks::from_valid(c.shape().to_vec(), target);
                (rechunk_fn::<T>())(node, chunks)
            };
            unified.push(node);
            axes.push(letters.clone());
            broadcast.push(b);
        }
        let mut contracted = Vec::new();
        for letters in &ix.inputs {
            for &id in letters {
                if !ix.output.contains(&id) && !contracted.contains(&id) {
                    contracted.push(id);
                }
            }
        }
        let mut out_sizes = Vec::with_capacity(ix.output.len());
        for &id in &ix.output {
            let s = match ix.sizes.get(&id) {
                None => sizes[id].clone(),
                Some(Sizes::Adjusted(f)) => sizes[id].iter().map(|&n| f(n)).collect(),
                Some(Sizes::Given(given)) => {
                    let fits = if ix.new.contains_key(&id) {
                        // Any number of blocks, adding up to the new axis's length.
                        (!given.is_empty() || len[id] == Some(0))
                            && Some(given.iter().sum::<usize>()) == len[id]
                    } else {
                        given.len() == sizes[id].len() || (given.is_empty() && sizes[id] == [0])
                    };
                    if !fits {
                        return Err(Error::invalid(
                            op,
                            "chunks",
                            format!("{given:?} for {} of blocks {:?}", name(id), sizes[id]),
                            "one size per block of the letter (for a new one, sizes adding up to its length)",
                        ));
                    }
                    given.clone()
                }
            };
            out_sizes.push(s);
        }
        for &id in ix.sizes.keys() {
            if !ix.output.contains(&id) {
                return Err(Error::invalid(
                    op,
                    "chunks",
                    name(id),
                    "block sizes only for an output letter",
                ));
            }
        }
        let shape: Vec<usize> = out_sizes.iter().map(|s| s.iter().sum()).collect();
        let out = Chunks::new(&shape, out_sizes)?;
        Ok(BlockwisePlan {
            inputs: unified,
            axes,
            broadcast,
            sizes,
            contracted,
            out,
            out_ids: ix.output,
            _t: std::marker::PhantomData,
        })
    }

    /// The output's chunks.
    pub(crate) fn out_chunks(&self) -> &Chunks {
        &self.out
    }

    /// Each input block index along input `x`'s axes for output grid index `g` and block
    /// indices `k` of the contracted ids (in `self.contracted` order).
    fn block_index(&self, x: usize, g: &[usize], k: &[usize]) -> usize {
        let idx: Vec<usize> = self.axes[x]
            .iter()
            .zip(&self.broadcast[x])
            .map(|(id, &bc)| {
                if bc {
                    0
                } else if let Some(p) = self.out_ids.iter().position(|o| o == id) {
                    // An output axis with adjusted sizes keeps the inputs' grid.
                    g[p]
                } else {
                    let c = self
                        .contracted
                        .iter()
                        .position(|c| c == id)
                        .expect("contracted");
                    k[c]
                }
            })
            .collect();
        self.inputs[x].chunks().linear_index(&idx)
    }

    /// The contracted ids' numbers of blocks.
    fn contracted_grid(&self) -> Vec<usize> {
        self.contracted
            .iter()
            .map(|&id| self.sizes[id].len())
            .collect()
    }

    /// Whether every block of every input is read by one output block at most.
    fn one_to_one(&self) -> bool {
        let grid = self.out.grid_shape();
        self.contracted_grid().iter().all(|&n| n == 1)
            && self.axes.iter().zip(&self.broadcast).all(|(ids, bc)| {
                self.out_ids
                    .iter()
                    .zip(grid)
                    .all(|(o, &n)| n == 1 || ids.iter().zip(bc).any(|(i, &b)| i == o && !b))
            })
    }

    /// One task per output block: `f` on each input's blocks, concatenated along the
    /// contracted ids.
    pub(crate) fn concatenated<U, F>(self, name: &'static str, f: F) -> Array<U>
    where
        U: Element,
        F: Fn(&[ArrayViewD<'_, T>]) -> Result<ArrayD<U>> + Send + Sync + 'static,
    {
        let plan = Arc::new(self);
        let kgrid = plan.contracted_grid();
        // For each input, the combinations of its contracted blocks (all contracted ids, the
        // ones it lacks or broadcasts fixed at 0), in row-major order.
        let combos: Vec<Vec<Vec<usize>>> = (0..plan.inputs.len())
            .map(|x| {
                let lists: Vec<Vec<usize>> = plan
                    .contracted
                    .iter()
                    .zip(&kgrid)
                    .map(|(id, &n)| {
                        let spans = plan.axes[x]
                            .iter()
                            .zip(&plan.broadcast[x])
                            .any(|(i, &b)| i == id && !b);
                        if spans { (0..n).collect() } else { vec![0] }
                    })
                    .collect();
                let mut all = Vec::new();
                crate::chunks::for_each_combination(&lists, |c| {
                    all.push(c.iter().map(|&&v| v).collect())
                });
                all
            })
            .collect();
        let combos = Arc::new(combos);
        let one_to_one = plan.one_to_one();
        let (p, c) = (plan.clone(), combos.clone());
        let deps = Box::new(move |block: usize, deps: &mut Vec<BlockRef>| {
            let g = p.out.grid_index(block);
            for (x, list) in c.iter().enumerate() {
                for k in list {
                    deps.push(BlockRef {
                        input: x,
                        block: p.block_index(x, g.slice(), k),
                    });
                }
            }
        });
        let p = plan.clone();
        let kernel = Box::new(move |block: usize, values: &mut Vec<Value>| {
            let mut at = 0;
            let mut joined: Vec<Option<ArrayD<T>>> = Vec::with_capacity(combos.len());
            for (x, list) in combos.iter().enumerate() {
                let parts = &values[at..at + list.len()];
                joined.push((list.len() > 1).then(|| p.join(x, list, parts)));
                at += list.len();
            }
            let mut views = Vec::with_capacity(combos.len());
            let mut at = 0;
            for (list, j) in combos.iter().zip(&joined) {
                views.push(match j {
                    Some(a) => a.view(),
                    None => block_of::<T>(&values[at]).view(),
                });
                at += list.len();
            }
            let result = f(&views)?;
            p.check(name, block, result.shape())?;
            Ok(owned(result))
        });
        let gather = Gather::new::<U>(
            name,
            plan.out.clone(),
            plan.inputs.clone(),
            one_to_one,
            deps,
            kernel,
        );
        Array::from_node(gather)
    }

    /// Input `x`'s blocks `parts` (combinations `list` of the contracted ids) joined into one
    /// array spanning the contracted ids whole.
    fn join(&self, x: usize, list: &[Vec<usize>], parts: &[Value]) -> ArrayD<T> {
        let first = block_of::<T>(&parts[0]).view();
        let mut shape = first.shape().to_vec();
        // Per axis: the position of its id among the contracted, if it spans them.
        let along: Vec<Option<usize>> = self.axes[x]
            .iter()
            .zip(&self.broadcast[x])
            .map(|(id, &b)| {
                if b {
                    None
                } else {
                    self.contracted.iter().position(|c| c == id)
                }
            })
            .collect();
        for (j, a) in along.iter().enumerate() {
            if let Some(c) = a {
                shape[j] = self.sizes[self.contracted[*c]].iter().sum();
            }
        }
        let mut out = ArrayD::<T>::default(IxDyn(&shape));
        for (k, v) in list.iter().zip(parts) {
            let block = block_of::<T>(v).view();
            let mut dst = out.view_mut();
            dst.slice_each_axis_inplace(|ax| {
                let j = ax.axis.index();
                match along[j] {
                    Some(c) => {
                        let id = self.contracted[c];
                        let start: usize = self.sizes[id][..k[c]].iter().sum();
                        Slice::from(start..start + block.shape()[j])
                    }
                    None => Slice::from(..),
                }
            });
            dst.assign(&block);
        }
        out
    }

    /// The error of a result of shape `found` for output block `block`, if that is not the
    /// block's shape.
    fn check(&self, name: &'static str, block: usize, found: &[usize]) -> Result<()> {
        let expected = self.out.block_shape(block);
        if found != expected.slice() {
            return Err(Error::BlockShape {
                op: name.to_string(),
                block: self.out.grid_index(block).slice().to_vec(),
                expected: expected.slice().to_vec(),
                found: found.to_vec(),
            });
        }
        Ok(())
    }

    /// One task per combination of blocks along the contracted ids, the results merged by
    /// `combine` in a tree of fan-in 4, the levels matmul's partial sums take
    /// ([`merge_level`]).
    pub(crate) fn combined<U, F, C>(self, name: &'static str, f: F, combine: C) -> Array<U>
    where
        U: Element,
        F: Fn(&[ArrayViewD<'_, T>]) -> Result<ArrayD<U>> + Send + Sync + 'static,
        C: Fn(&mut ArrayD<U>, ArrayViewD<'_, U>) + Send + Sync + 'static,
    {
        let kgrid = self.contracted_grid();
        let nk: usize = kgrid.iter().product();
        if nk <= 1 {
            return self.concatenated(name, f);
        }
        let plan = Arc::new(self);
        let decode = move |mut r: usize| -> Vec<usize> {
            let mut k = vec![0; kgrid.len()];
            for (i, &n) in k.iter_mut().zip(&kgrid).rev() {
                *i = r % n;
                r /= n;
            }
            k
        };
        let decode = Arc::new(decode);
        // The partials: a leading axis of one block per combination.
        let mut shape = vec![nk];
        shape.extend_from_slice(plan.out.shape());
        let mut sizes = vec![vec![1; nk]];
        sizes.extend_from_slice(plan.out.sizes());
        let partials = Chunks::from_valid(shape, sizes);
        let (p, d, grid) = (plan.clone(), decode.clone(), partials.clone());
        let deps = Box::new(move |block: usize, deps: &mut Vec<BlockRef>| {
            let g = grid.grid_index(block);
            let k = d(g[0]);
            for x in 0..p.inputs.len() {
                deps.push(BlockRef {
                    input: x,
                    block: p.block_index(x, &g.slice()[1..], &k),
                });
            }
        });
        let (p, grid) = (plan.clone(), partials.clone());
        let kernel = Box::new(move |block: usize, values: &mut Vec<Value>| {
            let views: Vec<ArrayViewD<'_, T>> =
                values.iter().map(|v| block_of::<T>(v).view()).collect();
            let result = f(&views)?;
            let g = grid.grid_index(block);
            p.check(name, p.out.linear_index(&g.slice()[1..]), result.shape())?;
            Ok(owned(result.insert_axis(Axis(0))))
        });
        let mut node: NodeRef = Arc::new(Gather::new::<U>(
            name,
            partials,
            plan.inputs.clone(),
            false,
            deps,
            kernel,
        ));
        let combine = Arc::new(combine);
        loop {
            let c = node.chunks().clone();
            let (level, last) = merge_level(&c);
            let lv = level.clone();
            let deps = Box::new(move |block: usize, deps: &mut Vec<BlockRef>| {
                merge_group(&c, &lv, last, block, deps);
            });
            let comb = combine.clone();
            let kernel = Box::new(move |_: usize, values: &mut Vec<Value>| {
                let mut parts = values.drain(..);
                let first = parts.next().expect("a group has a partial result");
                let mut acc = into_owned::<U>(first).index_axis_move(Axis(0), 0);
                for v in parts {
                    comb(
                        &mut acc,
                        block_of::<U>(&v).view().index_axis_move(Axis(0), 0),
                    );
                }
                Ok(owned(if last { acc } else { acc.insert_axis(Axis(0)) }))
            });
            node = Arc::new(Gather::new::<U>(
                "combine",
                level,
                vec![node],
                true,
                deps,
                kernel,
            ));
            if last {
                return Array::from_node_ref(node);
            }
        }
    }
}
