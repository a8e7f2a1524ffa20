//! Generalized ufuncs over chunked arrays, as dask's `apply_gufunc`: numpy's signature strings
//! (`"(i),(i)->()"`, `"(m,n)->(n)"`, `"(i)->(),()"`) name each operand's core dimensions, the
//! last axes of each array, which must each lie in one block; the axes before them are loop
//! dimensions, broadcast together (numpy's rules) and chunked. Built on
//! [`blockwise`](super::blockwise): loop dimensions are shared letters, core dimensions
//! contracted (inputs only) or new (outputs only) letters.
//!
//! Several outputs are computed once per block: their blocks side by side along one extra
//! axis of a hidden array, which each output then cuts its own part from.

use std::collections::BTreeMap;

use ndarray::Dimension as _;
use ndarray::{ArrayD, ArrayViewD, Axis, IxDyn, Slice};

use super::Array;
use super::blockwise::{BlockwisePlan, Indices};
use crate::chunks::Chunks;
use crate::error::{Error, Result};
use crate::expr::block::{Element, block_of, owned};
use crate::expr::gather::Gather;
use crate::expr::{BlockRef, NodeRef};
use crate::scheduler::Value;

/// A generalized ufunc over chunked arrays, as dask's `apply_gufunc`: `Gufunc::new(signature)`,
/// settings, then a function over whole blocks ([`apply`](Gufunc::apply)) or over one loop
/// element's core dimensions ([`vectorize`](Gufunc::vectorize), as numpy's `vectorize=True`);
/// the `_multi` forms return several outputs. [`apply_gufunc`] is the short form of `apply`.
///
/// The signature is numpy's: one parenthesised list of core dimension names per input,
/// `->`, one per output (`"(i),(i)->()"`, `"(m,n),(n,p)->(m,p)"`, `"(i)->(),()"`). Each
/// input's last axes are its core dimensions, in that order; the axes before them are loop
/// dimensions, broadcast against the other inputs' (numpy's rules: aligned from the right,
/// length 1 stretches) and chunked alike (the common refinement of their block edges). A core
/// dimension must lie in one block of each input: the input is rechunked to make it so under
/// [`allow_rechunk`](Gufunc::allow_rechunk), and is an error otherwise, as in dask. A core
/// dimension only the outputs have needs its length from
/// [`output_size`](Gufunc::output_size). The output element type is the function's.
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Gufunc};
/// use ndarray::{Array2, Axis};
/// let x = Array::from_ndarray(Array2::from_shape_fn((6, 4), |(i, j)| (i * 4 + j) as f64), [2, 4])?;
/// // The mean and the largest element of each row: two outputs of signature (i)->(),().
/// let out = Gufunc::new("(i)->(),()").vectorize_multi(
///     |core| vec![ndarray::arr0(core[0].mean().unwrap()).into_dyn(), ndarray::arr0(core[0][3]).into_dyn()],
///     &[&x],
/// )?;
/// assert_eq!(out[0].compute()?.into_iter().collect::<Vec<_>>(), vec![1.5, 5.5, 9.5, 13.5, 17.5, 21.5]);
/// assert_eq!(out[1].compute()?.into_iter().collect::<Vec<_>>(), vec![3.0, 7.0, 11.0, 15.0, 19.0, 23.0]);
/// // The same means over whole blocks: the function sees a block's rows at once.
/// let mean = Gufunc::new("(i)->()").apply(|b| b[0].mean_axis(Axis(1)).unwrap(), &[&x])?;
/// assert_eq!(mean.compute()?.into_iter().collect::<Vec<_>>(), vec![1.5, 5.5, 9.5, 13.5, 17.5, 21.5]);
/// # Ok::<(), chunkwise::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Gufunc {
    signature: String,
    sizes: Vec<(String, usize)>,
    allow_rechunk: bool,
}

/// A parsed signature: each operand's core dimension names.
struct Signature {
    inputs: Vec<Vec<String>>,
    outputs: Vec<Vec<String>>,
}

/// A checked gufunc call: the blockwise plan of its one output (or of the outputs side by
/// side), and what its functions need to see loop elements.
struct Call<T> {
    plan: BlockwisePlan<T>,
    /// Number of loop dimensions of the output.
    loops: usize,
    /// Each input's number of loop dimensions.
    input_loops: Vec<usize>,
    /// Each output's core shape.
    cores: Vec<Vec<usize>>,
}

impl Gufunc {
    /// A generalized ufunc of numpy signature `signature`; checked when applied.
    ///
    /// # Examples
    ///
    /// ```
    /// let inner = chunkwise::Gufunc::new("(i),(i)->()");
    /// # let _ = inner;
    /// ```
    pub fn new(signature: &str) -> Gufunc {
        Gufunc {
            signature: signature.to_string(),
            sizes: Vec::new(),
            allow_rechunk: false,
        }
    }

    /// The length of core dimension `name`, which only the outputs have (dask's
    /// `output_sizes`).
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, Gufunc};
    /// // Each value and its square, along a new core dimension of length 2.
    /// let x = Array::from_ndarray(ndarray::array![1.0, 2.0, 3.0], [2])?;
    /// let y = Gufunc::new("()->(k)").output_size("k", 2)
    ///     .vectorize(|c| ndarray::arr1(&[c[0][[]], c[0][[]] * c[0][[]]]), &[&x])?;
    /// assert_eq!(y.compute()?, ndarray::array![[1.0, 1.0], [2.0, 4.0], [3.0, 9.0]].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn output_size(mut self, name: &str, len: usize) -> Gufunc {
        self.sizes.retain(|(n, _)| n != name);
        self.sizes.push((name.to_string(), len));
        self
    }

    /// Whether an input whose core dimension spans several blocks is rechunked to one block
    /// along it (dask's `allow_rechunk`; off by default, as there: such an input is an error,
    /// since one block along a long axis may be much larger than the rest).
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, Gufunc};
    /// let x = Array::<f64>::ones(&[4, 6], [2, 3])?;
    /// let sum = |b: &[ndarray::ArrayViewD<'_, f64>]| b[0].sum_axis(ndarray::Axis(1));
    /// assert!(Gufunc::new("(i)->()").apply(sum, &[&x]).is_err());
    /// let s = Gufunc::new("(i)->()").allow_rechunk(true).apply(sum, &[&x])?;
    /// assert_eq!(s.compute()?.into_iter().collect::<Vec<_>>(), vec![6.0; 4]);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn allow_rechunk(mut self, allow: bool) -> Gufunc {
        self.allow_rechunk = allow;
        self
    }

    /// `f` on each block of loop dimensions: one view per input holding its loop axes (the
    /// block's, of length 1 where broadcast) and its core dimensions whole, as a numpy gufunc
    /// receives them; it returns the one output's block (the block's loop shape, then the
    /// output's core shape).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a signature that does not parse or does not fit the
    /// inputs (a number of inputs or outputs other than it names, an input with fewer axes
    /// than core dimensions, a core dimension with two lengths, loop dimensions that do not
    /// broadcast, a core dimension split into blocks without
    /// [`allow_rechunk`](Gufunc::allow_rechunk), an output core dimension without a length);
    /// at compute, [`Error::BlockShape`] for a block of another shape.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, Gufunc};
    /// // Inner products of matching rows: (i),(i)->().
    /// let a = Array::from_ndarray(ndarray::array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], [2, 2])?;
    /// let b = Array::from_ndarray(ndarray::array![1.0, 10.0], [2])?; // broadcast over the rows
    /// let dots = Gufunc::new("(i),(i)->()").apply(|v| (&v[0] * &v[1]).sum_axis(ndarray::Axis(1)), &[&a, &b])?;
    /// assert_eq!(dots.compute()?.into_iter().collect::<Vec<_>>(), vec![21.0, 43.0, 65.0]);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn apply<T, U, D, F>(&self, f: F, inputs: &[&Array<T>]) -> Result<Array<U>>
    where
        T: Element,
        U: Element,
        D: ndarray::Dimension,
        F: Fn(&[ArrayViewD<'_, T>]) -> ndarray::Array<U, D> + Send + Sync + 'static,
    {
        let call = self.call(inputs, Some(1))?;
        Ok(call
            .plan
            .concatenated("apply_gufunc", move |b| Ok(f(b).into_dyn())))
    }

    /// `f` on each loop element: one view per input of its core dimensions (0-d for an input
    /// without), returning the output's core block, as numpy's `vectorize` (dask's
    /// `vectorize=True`).
    ///
    /// # Errors
    ///
    /// As [`apply`](Gufunc::apply); at compute, [`Error::BlockShape`] for a core block of
    /// another shape than the signature and [`output_size`](Gufunc::output_size) give.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, Gufunc};
    /// use ndarray::Ix2;
    /// // A stack of 2 x 2 matrices times a vector each: (m,n),(n)->(m).
    /// let m = Array::from_ndarray(ndarray::Array3::from_shape_fn((4, 2, 2), |(k, i, j)| (k + i * j) as f64), [2, 2, 2])?;
    /// let v = Array::from_ndarray(ndarray::array![1.0, 2.0], [2])?;
    /// let mv = Gufunc::new("(m,n),(n)->(m)").vectorize(|c| {
    ///     let a = c[0].view().into_dimensionality::<Ix2>().unwrap();
    ///     a.dot(&c[1].view().into_dimensionality::<ndarray::Ix1>().unwrap())
    /// }, &[&m, &v])?;
    /// assert_eq!(mv.compute()?, ndarray::array![[0.0, 2.0], [3.0, 5.0], [6.0, 8.0], [9.0, 11.0]].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn vectorize<T, U, D, F>(&self, f: F, inputs: &[&Array<T>]) -> Result<Array<U>>
    where
        T: Element,
        U: Element,
        D: ndarray::Dimension,
        F: Fn(&[ArrayViewD<'_, T>]) -> ndarray::Array<U, D> + Send + Sync + 'static,
    {
        let call = self.call(inputs, Some(1))?;
        let (loops, input_loops, core) = (call.loops, call.input_loops, call.cores[0].clone());
        Ok(call.plan.concatenated("apply_gufunc", move |blocks| {
            let lshape = loop_shape(blocks, &input_loops, loops);
            let mut shape = lshape.clone();
            shape.extend_from_slice(&core);
            let mut out = ArrayD::<U>::default(IxDyn(&shape));
            for_each_loop(blocks, &input_loops, &lshape, |at, cores| {
                let r = f(cores).into_dyn();
                check_core(&core, r.shape(), at)?;
                let mut dst = out.view_mut();
                for &i in at {
                    dst.index_axis_inplace(Axis(0), i);
                }
                dst.assign(&r);
                Ok(())
            })?;
            Ok(out)
        }))
    }

    /// [`apply`](Gufunc::apply) for several outputs: `f` returns one block per output, in the
    /// signature's order; computed once per block.
    ///
    /// # Errors
    ///
    /// As [`apply`](Gufunc::apply); at compute, [`Error::BlockShape`] for a wrong number of
    /// outputs or a block of another shape.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, Gufunc};
    /// use ndarray::Axis;
    /// // Each row's smallest and largest values.
    /// let x = Array::from_ndarray(ndarray::array![[3, 1, 2], [5, 9, 4]], [1, 3])?;
    /// let [lo, hi]: [Array<i32>; 2] = Gufunc::new("(i)->(),()").apply_multi(|b| {
    ///     vec![b[0].fold_axis(Axis(1), i32::MAX, |a, &v| (*a).min(v)),
    ///          b[0].fold_axis(Axis(1), i32::MIN, |a, &v| (*a).max(v))]
    /// }, &[&x])?.try_into().unwrap();
    /// assert_eq!((lo.compute()?.into_iter().collect::<Vec<_>>(), hi.compute()?.into_iter().collect::<Vec<_>>()), (vec![1, 4], vec![3, 9]));
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn apply_multi<T, U, F>(&self, f: F, inputs: &[&Array<T>]) -> Result<Vec<Array<U>>>
    where
        T: Element,
        U: Element,
        F: Fn(&[ArrayViewD<'_, T>]) -> Vec<ArrayD<U>> + Send + Sync + 'static,
    {
        let call = self.call(inputs, None)?;
        let (loops, input_loops) = (call.loops, call.input_loops.clone());
        let cores = call.cores.clone();
        self.sided(call, move |blocks, out| {
            let lshape = loop_shape(blocks, &input_loops, loops);
            let results = f(blocks);
            check_count(results.len(), cores.len())?;
            let mut at = 0;
            for (r, core) in results.iter().zip(&cores) {
                let mut expected = lshape.clone();
                expected.extend_from_slice(core);
                check_core(&expected, r.shape(), &[])?;
                let n: usize = core.iter().product();
                let mut flat = lshape.clone();
                flat.push(n);
                let r = r.to_shape(flat).expect("the shape was checked");
                out.slice_axis_mut(Axis(loops), Slice::from(at..at + n))
                    .assign(&r);
                at += n;
            }
            Ok(())
        })
    }

    /// [`vectorize`](Gufunc::vectorize) for several outputs: `f` returns one core block per
    /// output, in the signature's order.
    ///
    /// # Errors
    ///
    /// As [`apply_multi`](Gufunc::apply_multi).
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, Gufunc};
    /// // numpy's divmod as a gufunc of two outputs: ()->(),().
    /// let x = Array::from_ndarray(ndarray::array![7, 8, 9, 10], [3])?;
    /// let qr = Gufunc::new("()->(),()").vectorize_multi(
    ///     |c| vec![c[0].mapv(|v| v / 3), c[0].mapv(|v| v % 3)],
    ///     &[&x],
    /// )?;
    /// assert_eq!(qr[0].compute()?.into_iter().collect::<Vec<_>>(), vec![2, 2, 3, 3]);
    /// assert_eq!(qr[1].compute()?.into_iter().collect::<Vec<_>>(), vec![1, 2, 0, 1]);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn vectorize_multi<T, U, F>(&self, f: F, inputs: &[&Array<T>]) -> Result<Vec<Array<U>>>
    where
        T: Element,
        U: Element,
        F: Fn(&[ArrayViewD<'_, T>]) -> Vec<ArrayD<U>> + Send + Sync + 'static,
    {
        let call = self.call(inputs, None)?;
        let (loops, input_loops) = (call.loops, call.input_loops.clone());
        let cores = call.cores.clone();
        self.sided(call, move |blocks, out| {
            let lshape = loop_shape(blocks, &input_loops, loops);
            for_each_loop(blocks, &input_loops, &lshape, |at, core_views| {
                let results = f(core_views);
                check_count(results.len(), cores.len())?;
                let mut dst = out.view_mut();
                for &i in at {
                    dst.index_axis_inplace(Axis(0), i);
                }
                let mut k = 0;
                for (r, core) in results.iter().zip(&cores) {
                    check_core(core, r.shape(), at)?;
                    for v in r.iter() {
                        dst[[k]] = v.clone();
                        k += 1;
                    }
                }
                Ok(())
            })
        })
    }

    /// Parses the signature and plans it over `inputs`: with `outputs = Some(1)`, the one
    /// output's plan; with `None`, any number of outputs side by side along one extra axis.
    fn call<T: Element>(&self, inputs: &[&Array<T>], outputs: Option<usize>) -> Result<Call<T>> {
        let op = "apply_gufunc";
        let sig = parse(&self.signature)?;
        if sig.inputs.len() != inputs.len() {
            return Err(Error::invalid(
                op,
                "signature",
                format!("'{}' for {} inputs", self.signature, inputs.len()),
                "one core list per input",
            ));
        }
        if let Some(n) = outputs
            && sig.outputs.len() != n
        {
            return Err(Error::invalid(
                op,
                "signature",
                format!("'{}' for {n} output", self.signature),
                "one output (the _multi forms take several)",
            ));
        }
        // Core dimension lengths, checked across inputs.
        let mut lens: BTreeMap<&str, usize> = BTreeMap::new();
        let mut input_loops = Vec::with_capacity(inputs.len());
        for (x, (core, a)) in sig.inputs.iter().zip(inputs).enumerate() {
            if a.ndim() < core.len() {
                return Err(Error::invalid(
                    op,
                    "signature",
                    format!(
                        "{} core dimensions for input {x} of {} axes",
                        core.len(),
                        a.ndim()
                    ),
                    "no more core dimensions than axes",
                ));
            }
            let nl = a.ndim() - core.len();
            input_loops.push(nl);
            for (name, &n) in core.iter().zip(&a.shape()[nl..]) {
                match lens.insert(name, n) {
                    Some(m) if m != n => {
                        return Err(Error::invalid(
                            op,
                            "signature",
                            format!("core dimension '{name}' of lengths {m} and {n}"),
                            "one length per core dimension",
                        ));
                    }
                    _ => {}
                }
            }
        }
        for (name, len) in &self.sizes {
            let new =
                !lens.contains_key(name.as_str()) && sig.outputs.iter().any(|o| o.contains(name));
            if !new {
                return Err(Error::invalid(
                    op,
                    "output_size",
                    format!("'{name}'"),
                    "a length only for a core dimension that only the outputs have",
                ));
            }
            lens.insert(name, *len);
        }
        for name in sig.outputs.iter().flatten() {
            if !lens.contains_key(name.as_str()) {
                return Err(Error::invalid(
                    op,
                    "output_size",
                    format!("'{name}'"),
                    "a length for each core dimension only the outputs have",
                ));
            }
        }
        let loops = input_loops.iter().copied().max().unwrap_or(0);
        // Ids: the loop dimensions first, then each core name.
        let mut names: Vec<String> = (0..loops).map(|k| format!("loop axis {k}")).collect();
        // Each core axis its own id: an input's core axes lie in one block each (so nothing
        // is unified along them, and their lengths were checked above), and an output's are
        // new axes of the lengths found; a name repeated within one operand, as numpy's
        // `(m,m)`, is then no repeated letter.
        let id = |name: &str, names: &mut Vec<String>| -> usize {
            names.push(name.to_string());
            names.len() - 1
        };
        let mut axes = Vec::with_capacity(inputs.len());
        let mut nodes = Vec::with_capacity(inputs.len());
        for (x, (core, a)) in sig.inputs.iter().zip(inputs).enumerate() {
            let nl = input_loops[x];
            let mut letters: Vec<usize> = (loops - nl..loops).collect();
            letters.extend(core.iter().map(|c| id(c, &mut names)));
            axes.push(letters);
            let split: Vec<usize> = (nl..a.ndim())
                .filter(|&j| a.chunks()[j].len() > 1)
                .collect();
            let node = if split.is_empty() {
                a.node().clone()
            } else if self.allow_rechunk {
                let mut sizes = a.chunks().to_vec();
                for &j in &split {
                    sizes[j] = vec![a.shape()[j]];
                }
                a.rechunk(sizes)?.node().clone()
            } else {
                let j = split[0];
                return Err(Error::invalid(
                    op,
                    "chunks",
                    format!(
                        "core dimension '{}' of input {x} in {} blocks",
                        core[j - nl],
                        a.chunks()[j].len()
                    ),
                    "core dimensions in one block each (rechunk, or allow_rechunk(true))",
                ));
            };
            nodes.push(node);
        }
        let cores: Vec<Vec<usize>> = sig
            .outputs
            .iter()
            .map(|o| o.iter().map(|n| lens[n.as_str()]).collect())
            .collect();
        let mut output: Vec<usize> = (0..loops).collect();
        let mut new = BTreeMap::new();
        if outputs == Some(1) {
            for name in &sig.outputs[0] {
                let k = id(name, &mut names);
                output.push(k);
                new.insert(k, lens[name.as_str()]);
            }
        } else {
            // The outputs side by side along one new axis.
            let total: usize = cores.iter().map(|c| c.iter().product::<usize>()).sum();
            names.push("outputs".to_string());
            let k = names.len() - 1;
            output.push(k);
            new.insert(k, total);
        }
        let plan = BlockwisePlan::new(op, Indices::new(names, axes, output, new), nodes)?;
        Ok(Call {
            plan,
            loops,
            input_loops,
            cores,
        })
    }

    /// The outputs of `call` (planned side by side), each block of them made by `fill` into a
    /// block of the loop shape and every output's core elements, row-major, along the last
    /// axis; each output then cuts its part.
    fn sided<T, U, F>(&self, call: Call<T>, fill: F) -> Result<Vec<Array<U>>>
    where
        T: Element,
        U: Element,
        F: Fn(&[ArrayViewD<'_, T>], &mut ArrayD<U>) -> Result<()> + Send + Sync + 'static,
    {
        let loops = call.loops;
        let cores = call.cores.clone();
        let side = call.plan.out_chunks().clone();
        let both = call.plan.concatenated("apply_gufunc", move |blocks| {
            let shape = side_shape(blocks, &call.input_loops, loops, &side);
            let mut out = ArrayD::<U>::default(IxDyn(&shape));
            fill(blocks, &mut out)?;
            Ok(out)
        });
        let node: NodeRef = both.node().clone();
        let c = node.chunks().clone();
        let mut start = 0;
        let mut outs = Vec::with_capacity(cores.len());
        for core in cores {
            let n: usize = core.iter().product();
            let range = start..start + n;
            start += n;
            let mut shape = c.shape()[..loops].to_vec();
            shape.extend_from_slice(&core);
            let mut sizes = c.sizes()[..loops].to_vec();
            sizes.extend(core.iter().map(|&k| vec![k]));
            let chunks = Chunks::from_valid(shape, sizes);
            let deps = Box::new(|block: usize, deps: &mut Vec<BlockRef>| {
                deps.push(BlockRef { input: 0, block });
            });
            let out = chunks.clone();
            let kernel = Box::new(move |block: usize, values: &mut Vec<Value>| {
                let v = block_of::<U>(&values[0]).view();
                let part = v.slice_axis(Axis(loops), Slice::from(range.clone()));
                let shape = out.block_shape(block);
                let a = part
                    .as_standard_layout()
                    .into_owned()
                    .into_shape_with_order(shape)
                    .expect("an output's part has its block's elements");
                Ok(owned(a))
            });
            outs.push(Array::from_node(Gather::new::<U>(
                "apply_gufunc",
                chunks,
                vec![node.clone()],
                true,
                deps,
                kernel,
            )));
        }
        Ok(outs)
    }
}

/// The block shape of outputs side by side: the loop shape of the output block, then the
/// outputs' total number of core elements.
fn side_shape<T: Element>(
    blocks: &[ArrayViewD<'_, T>],
    input_loops: &[usize],
    loops: usize,
    side: &Chunks,
) -> Vec<usize> {
    let mut shape = loop_shape(blocks, input_loops, loops);
    shape.push(side.shape()[loops]);
    shape
}

/// Parses `signature` in numpy's grammar:, names of letters, digits and underscores.
fn parse(signature: &str) -> Result<Signature> {
    let bad = || {
        Error::invalid(
            "apply_gufunc",
            "signature",
            format!("'{signature}'"),
            "numpy's form, as '(i),(i)->()' or '(m,n)->(n),()'",
        )
    };
    let s: String = signature.chars().filter(|c| !c.is_whitespace()).collect();
    let (lhs, rhs) = s.split_once("->").ok_or_else(bad)?;
    let lists = |side: &str| -> Result<Vec<Vec<String>>> {
        let mut out = Vec::new();
        let mut rest = side;
        while !rest.is_empty() {
            let inner = rest.strip_prefix('(').ok_or_else(bad)?;
            let end = inner.find(')').ok_or_else(bad)?;
            let names: Vec<String> = if inner[..end].is_empty() {
                Vec::new()
            } else {
                inner[..end].split(',').map(str::to_string).collect()
            };
            for n in &names {
                let ok = n
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_alphabetic() || c == '_')
                    && n.chars().all(|c| c.is_alphanumeric() || c == '_');
                if !ok {
                    return Err(bad());
                }
            }
            out.push(names);
            rest = &inner[end + 1..];
            if let Some(r) = rest.strip_prefix(',') {
                if r.is_empty() {
                    return Err(bad());
                }
                rest = r;
            } else if !rest.is_empty() {
                return Err(bad());
            }
        }
        Ok(out)
    };
    let outputs = lists(rhs)?;
    if outputs.is_empty() {
        return Err(bad());
    }
    Ok(Signature {
        inputs: lists(lhs)?,
        outputs,
    })
}

/// The loop shape of an output block: along each loop dimension, the longest of the inputs'
/// lengths there (the others being 1 or absent).
fn loop_shape<T: Element>(
    blocks: &[ArrayViewD<'_, T>],
    input_loops: &[usize],
    loops: usize,
) -> Vec<usize> {
    let mut shape = vec![1; loops];
    for (b, &nl) in blocks.iter().zip(input_loops) {
        for (k, &n) in b.shape()[..nl].iter().enumerate() {
            let at = loops - nl + k;
            if n != 1 {
                shape[at] = n;
            }
        }
    }
    // An empty length wins: a loop dimension of length 0 has no elements.
    for (b, &nl) in blocks.iter().zip(input_loops) {
        for (k, &n) in b.shape()[..nl].iter().enumerate() {
            if n == 0 {
                shape[loops - nl + k] = 0;
            }
        }
    }
    shape
}

/// Calls `f(loop index, core views)` for each loop element of a block, in row-major order.
fn for_each_loop<T: Element>(
    blocks: &[ArrayViewD<'_, T>],
    input_loops: &[usize],
    lshape: &[usize],
    mut f: impl FnMut(&[usize], &[ArrayViewD<'_, T>]) -> Result<()>,
) -> Result<()> {
    let loops = lshape.len();
    for idx in ndarray::indices(IxDyn(lshape)) {
        let idx = idx.slice();
        let cores: Vec<ArrayViewD<'_, T>> = blocks
            .iter()
            .zip(input_loops)
            .map(|(b, &nl)| {
                let mut v = b.view();
                for k in 0..nl {
                    let i = if v.shape()[0] == 1 {
                        0
                    } else {
                        idx[loops - nl + k]
                    };
                    v.index_axis_inplace(Axis(0), i);
                }
                v
            })
            .collect();
        f(idx, &cores)?;
    }
    Ok(())
}

/// The error of a core block of shape `found` where `expected` was declared.
fn check_core(expected: &[usize], found: &[usize], at: &[usize]) -> Result<()> {
    if expected == found {
        return Ok(());
    }
    Err(Error::BlockShape {
        op: "apply_gufunc".to_string(),
        block: at.to_vec(),
        expected: expected.to_vec(),
        found: found.to_vec(),
    })
}

/// The error of a function returning `found` outputs where the signature names `expected`.
fn check_count(found: usize, expected: usize) -> Result<()> {
    if found == expected {
        return Ok(());
    }
    Err(Error::invalid(
        "apply_gufunc",
        "outputs",
        format!("{found} returned"),
        "one block per output of the signature",
    ))
}

/// `f` on each block of loop dimensions, as [`Gufunc::apply`]: `apply_gufunc(signature, f,
/// inputs)` with dask's defaults (`vectorize=False`, `allow_rechunk=False`).
///
/// # Errors
///
/// As [`Gufunc::apply`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, apply_gufunc};
/// // The norm of each row: (i)->().
/// let x = Array::from_ndarray(ndarray::array![[3.0f64, 4.0], [6.0, 8.0], [5.0, 12.0]], [2, 2])?;
/// let norms = apply_gufunc("(i)->()", |b| b[0].map_axis(ndarray::Axis(1), |r| r.dot(&r).sqrt()), &[&x])?;
/// assert_eq!(norms.compute()?.into_iter().collect::<Vec<_>>(), vec![5.0, 10.0, 13.0]);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn apply_gufunc<T, U, D, F>(signature: &str, f: F, inputs: &[&Array<T>]) -> Result<Array<U>>
where
    T: Element,
    U: Element,
    D: ndarray::Dimension,
    F: Fn(&[ArrayViewD<'_, T>]) -> ndarray::Array<U, D> + Send + Sync + 'static,
{
    Gufunc::new(signature).apply(f, inputs)
}
