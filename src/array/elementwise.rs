//! Elementwise and blockwise operations: `map`, `zip_with`, `map_blocks`.

use ndarray::Dimension as _;
use std::marker::PhantomData;
use std::sync::Arc;

use ndarray::{ArrayD, ArrayViewD, Zip};

use super::Array;
use super::output::write_rows2;
use crate::chunks::Chunks;
use crate::error::{Error, Result};
use crate::expr::WriteInto;
use crate::expr::block::{Element, block_of, owned};
use crate::expr::blockwise::{Blockwise, Kernel, align, rechunk_fn};
use crate::expr::elementwise::{ElemExpr, Elementwise, Leaf, MapExpr, ZipExpr};
use crate::scheduler::Value;

impl<T: Element> Array<T> {
    /// A blockwise node over this array alone, with the same chunks.
    fn unary<U: Element>(
        &self,
        name: &str,
        chunks: Chunks,
        kernel: Kernel,
        writer: Option<Arc<dyn WriteInto<U>>>,
    ) -> Array<U> {
        let axes = vec![(0..chunks.ndim()).map(Some).collect()];
        Array::from_node_writing(
            Blockwise::new::<U>(
                name.to_string(),
                chunks,
                vec![self.node.clone()],
                axes,
                kernel,
                writer.is_some(),
            ),
            writer,
        )
    }

    /// Applies `f` to every element, lazily.
    ///
    /// When `U` is `T` and the input block is not shared, the block is updated in place.
    ///
    /// # Examples
    ///
    /// ```
    /// let x = chunkwise::Array::<f64>::full(&[4], &[2], 9.0)?;
    /// let roots = x.map(f64::sqrt);
    /// let labels = x.map(|v| v > 5.0);
    /// assert_eq!(roots.compute()?[[0]], 3.0);
    /// assert!(labels.compute()?[[3]]);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    ///
    /// The closure runs on worker threads, so it must be `Send + Sync + 'static`:
    ///
    /// ```compile_fail
    /// use std::rc::Rc;
    /// let x = chunkwise::Array::<f64>::zeros(&[4], [2]).unwrap();
    /// let shared = Rc::new(1.0); // not Send
    /// let y = x.map(move |v| v + *shared);
    /// ```
    pub fn map<U, F>(&self, f: F) -> Array<U>
    where
        U: Element,
        F: Fn(T) -> U + Send + Sync + 'static,
    {
        self.map_named("map", f)
    }

    /// [`Array::map`] under another name in plans and profiles (an operator's: `add`, `mul`).
    pub(crate) fn map_named<U, F>(&self, name: &'static str, f: F) -> Array<U>
    where
        U: Element,
        F: Fn(T) -> U + Send + Sync + 'static,
    {
        let expr: Arc<dyn ElemExpr<U>> = Arc::new(MapExpr {
            inner: leaf::<T>(0),
            f,
        });
        elementwise_array(Elementwise::new(
            name,
            self.node.chunks().clone(),
            vec![self.node.clone()],
            expr,
        ))
    }

    /// Combines this array with `other` element by element, broadcasting their shapes as numpy
    /// does. Operands with different chunkings are cut along the common refinement of their
    /// block edges first (no copy: each refined block is a view).
    ///
    /// # Errors
    ///
    /// [`Error::IncompatibleShapes`] when the shapes cannot be broadcast together.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// use ndarray::array;
    ///
    /// let x = Array::from_ndarray(array![[1.0, 2.0], [3.0, 4.0]], &[1, 2])?;
    /// let row = Array::from_ndarray(array![10.0, 20.0], &[1])?;
    /// let y = x.zip_with(&row, |a, b| a + b)?; // row broadcast over the rows
    /// assert_eq!(y.compute()?, array![[11.0, 22.0], [13.0, 24.0]].into_dyn());
    ///
    /// let bad = Array::<f64>::zeros(&[3], &[3])?;
    /// assert!(x.zip_with(&bad, |a, b| a + b).is_err());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn zip_with<T2, U, F>(&self, other: &Array<T2>, f: F) -> Result<Array<U>>
    where
        T2: Element,
        U: Element,
        F: Fn(T, T2) -> U + Send + Sync + 'static,
    {
        self.zip_named("zip_with", other, f)
    }

    /// [`Array::zip_with`], its shape errors naming `op` (an operator's checked form).
    pub(crate) fn zip_named<T2, U, F>(
        &self,
        op: &'static str,
        other: &Array<T2>,
        f: F,
    ) -> Result<Array<U>>
    where
        T2: Element,
        U: Element,
        F: Fn(T, T2) -> U + Send + Sync + 'static,
    {
        let aligned = self.aligned_with(op, other)?;
        let mut inputs = aligned.inputs;
        let axes = aligned.axes;
        let same_shape = axes.iter().all(|a| {
            a.len() == aligned.chunks.ndim() && a.iter().enumerate().all(|(j, &k)| k == Some(j))
        });
        if same_shape {
            // Fused at the element level with neighbouring elementwise steps.
            let same_input = Arc::ptr_eq(&inputs[0], &inputs[1]);
            if same_input {
                inputs.pop();
            }
            let expr: Arc<dyn ElemExpr<U>> = Arc::new(ZipExpr {
                a: leaf::<T>(0),
                b: leaf::<T2>(if same_input { 0 } else { 1 }),
                f,
            });
            return Ok(elementwise_array(Elementwise::new(
                op,
                aligned.chunks,
                inputs,
                expr,
            )));
        }
        // Broadcasting: blockwise, each block of the smaller operand read by several outputs.
        let f = Arc::new(f);
        let writer = writer::<U>(ZipWriter::<T, T2, F> {
            f: f.clone(),
            chunks: aligned.chunks.clone(),
            _t: PhantomData,
        });
        let kernel = move |a: ArrayViewD<'_, T>, b: ArrayViewD<'_, T2>| {
            Zip::from(&a)
                .and(&b)
                .map_collect(|x, y| f(x.clone(), y.clone()))
        };
        Ok(broadcast_blockwise(
            op,
            aligned.chunks,
            inputs,
            axes,
            kernel,
            Some(writer),
        ))
    }

    /// `f` on each pair of matching blocks of this array and `other` (dask's `map_blocks`
    /// over two arrays): the two are broadcast together (numpy's rules) and cut along the
    /// common refinement of their block edges (as dask's `unify_chunks`, each new block a view
    /// of an old one), and `f` receives both blocks broadcast to the output block's shape. Its
    /// result must have that shape.
    ///
    /// # Errors
    ///
    /// [`Error::IncompatibleShapes`] for shapes that do not broadcast; a block of another
    /// shape is [`Error::BlockShape`] at compute.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// use ndarray::array;
    /// // A scalar field and a velocity field cut differently: the flux c·u of each block,
    /// // computed with both blocks at once.
    /// let c = Array::from_ndarray(array![[1.0, 2.0, 4.0, 8.0]], [1, 2])?;
    /// let u = Array::from_ndarray(array![[0.5, 0.5, 0.25, 0.25]], [1, 3])?;
    /// let flux = c.map_blocks_with(&u, |c, u| &c * &u)?;
    /// assert_eq!(flux.chunks()[1], vec![2, 1, 1]);
    /// assert_eq!(flux.compute()?, array![[0.5, 1.0, 1.0, 2.0]].into_dyn());
    /// // A row of scales broadcast over every row of a matrix, block by block.
    /// let m = Array::<f64>::ones(&[3, 4], [2, 2])?;
    /// let scaled = m.map_blocks_with(&u.remove_axis(0)?, |m, s| &m * &s)?;
    /// let row = [0.5, 0.5, 0.25, 0.25];
    /// assert_eq!(scaled.compute()?, ndarray::Array2::from_shape_fn((3, 4), |(_, j)| row[j]).into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn map_blocks_with<T2, U, D, F>(&self, other: &Array<T2>, f: F) -> Result<Array<U>>
    where
        T2: Element,
        U: Element,
        D: ndarray::Dimension,
        F: Fn(ArrayViewD<'_, T>, ArrayViewD<'_, T2>) -> ndarray::Array<U, D>
            + Send
            + Sync
            + 'static,
    {
        let aligned = self.aligned_with("map_blocks", other)?;
        let grid = aligned.chunks.clone();
        let kernel: Kernel = Box::new(move |block, shape, inputs| {
            let result = on_broadcast_pair::<T, T2, _>(inputs, shape, |a, b| f(a, b).into_dyn());
            if result.shape() != shape.slice() {
                return Err(Error::BlockShape {
                    op: "map_blocks".to_string(),
                    block: grid.grid_index(block).slice().to_vec(),
                    expected: shape.slice().to_vec(),
                    found: result.shape().to_vec(),
                });
            }
            Ok(owned(result))
        });
        let mut axes = aligned.axes;
        axes.truncate(2);
        Ok(Array::from_node(Blockwise::new::<U>(
            "map_blocks",
            aligned.chunks,
            aligned.inputs,
            axes,
            kernel,
            false,
        )))
    }

    /// Applies `f` to each pair of aligned blocks of this array and `other` (numpy
    /// broadcasting, both views broadcast to the output block's shape): for block-level work
    /// over a broadcast operand, such as a lookup table held in a 0-d array, without touching
    /// the operand once per element.
    pub(crate) fn zip_blocks<T2, U, F>(
        &self,
        op: &'static str,
        other: &Array<T2>,
        f: F,
    ) -> Result<Array<U>>
    where
        T2: Element,
        U: Element,
        F: Fn(ArrayViewD<'_, T>, ArrayViewD<'_, T2>) -> ArrayD<U> + Send + Sync + 'static,
    {
        let aligned = self.aligned_with(op, other)?;
        Ok(broadcast_blockwise(
            op,
            aligned.chunks,
            aligned.inputs,
            aligned.axes,
            f,
            None,
        ))
    }

    /// One value per block, `f(block, the value of the 0-d array side)`, in an array of this
    /// array's grid shape (one element per block): a block's partial result (a histogram, its
    /// sorted values) that needs something computed from the whole array first, such as its
    /// range. Reduce the result with [`Array::reduction`] to merge the partials in a tree.
    pub(crate) fn summarize_blocks<S, U, F>(
        &self,
        op: &'static str,
        side: &Array<S>,
        f: F,
    ) -> Result<Array<U>>
    where
        S: Element,
        U: Element,
        F: Fn(ArrayViewD<'_, T>, &S) -> U + Send + Sync + 'static,
    {
        if side.ndim() != 0 {
            return Err(Error::NotScalar {
                shape: side.shape().to_vec(),
            });
        }
        let grid = self.node.chunks().grid_shape().to_vec();
        let chunks = Chunks::one_per_block(&grid);
        let kernel: Kernel = Box::new(move |_, shape, inputs| {
            let b = block_of::<T>(&inputs[0]).view();
            let s = block_of::<S>(&inputs[1]).view();
            let s = s.iter().next().expect("a 0-d block holds one value");
            Ok(owned(ArrayD::from_elem(shape.clone(), f(b, s))))
        });
        Ok(Array::from_node_writing(
            Blockwise::new::<U>(
                op,
                chunks,
                vec![self.node.clone(), side.node.clone()],
                vec![(0..grid.len()).map(Some).collect(), vec![]],
                kernel,
                false,
            ),
            None,
        ))
    }

    /// One value per pair of aligned blocks of this array and `other` (numpy broadcasting,
    /// blocks rechunked to common boundaries where they differ): `f(a, b, start)`, `start`
    /// the pair's first cell in the whole array, in an array of the aligned grid's shape (one
    /// element per block). For per-block partials over two arrays (an image and its labels)
    /// without materialising a block of pairs; reduce with [`Array::reduction`] to merge.
    pub(crate) fn zip_summarize<T2, U, F>(
        &self,
        op: &'static str,
        other: &Array<T2>,
        f: F,
    ) -> Result<Array<U>>
    where
        T2: Element,
        U: Element,
        F: Fn(ArrayViewD<'_, T>, ArrayViewD<'_, T2>, &[usize]) -> U + Send + Sync + 'static,
    {
        let aligned = self.aligned_with(op, other)?;
        let layout = aligned.chunks;
        let grid = layout.grid_shape().to_vec();
        let chunks = Chunks::one_per_block(&grid);
        let kernel: Kernel = Box::new(move |block, one, inputs| {
            let shape = layout.block_shape(block);
            let a = block_of::<T>(&inputs[0]).view();
            let b = block_of::<T2>(&inputs[1]).view();
            let a = a
                .broadcast(shape.clone())
                .expect("aligned blocks broadcast");
            let b = b.broadcast(shape).expect("aligned blocks broadcast");
            let start: Vec<usize> = layout.block_ranges(block).iter().map(|r| r.start).collect();
            Ok(owned(ArrayD::from_elem(one.clone(), f(a, b, &start))))
        });
        let mut axes = aligned.axes;
        axes.truncate(2);
        Ok(Array::from_node_writing(
            Blockwise::new::<U>(op, chunks, aligned.inputs, axes, kernel, false),
            None,
        ))
    }

    /// The inverse of [`Array::summarize_blocks`]: this array holds one value per block of
    /// `out` (its grid shape, one element per block), and `fill(value, rows)` writes that
    /// block's cells row by row (runs along the last axis, in row-major order). When the
    /// result is computed, the rows are the result's own: no block is allocated or copied.
    pub(crate) fn expand_blocks<U, F>(
        &self,
        op: &'static str,
        out: Chunks,
        fill: F,
    ) -> Result<Array<U>>
    where
        U: Element,
        F: Fn(&T, &mut [&mut [U]]) + Send + Sync + 'static,
    {
        if out.grid_shape() != self.shape() {
            return Err(Error::GridMismatch {
                op,
                expected: self.shape().to_vec(),
                found: out.grid_shape().to_vec(),
            });
        }
        let fill = Arc::new(fill);
        let writer = writer::<U>(ExpandWriter {
            fill: fill.clone(),
            _t: PhantomData,
        });
        let kernel: Kernel = Box::new(move |_, shape, inputs| {
            let mut block = ArrayD::<U>::default(shape.clone());
            let row = shape.slice().last().copied().unwrap_or(1).max(1);
            let slice = block
                .as_slice_mut()
                .expect("a new array is in standard layout");
            let mut rows: Vec<&mut [U]> = slice.chunks_mut(row).collect();
            let value = block_of::<T>(&inputs[0]).view();
            fill(value.iter().next().expect("one value per block"), &mut rows);
            Ok(owned(block))
        });
        let axes = vec![(0..out.ndim()).map(Some).collect()];
        Ok(Array::from_node_writing(
            Blockwise::new::<U>(op, out, vec![self.node.clone()], axes, kernel, true),
            Some(writer),
        ))
    }

    /// Applies `f` to each block; each output block must keep its input block's shape. `f`
    /// may return an array of any dimension type (`ArrayD`, or an `Array2` made by slicing
    /// with `s![..]`): it is converted to a dynamic one, so ndarray code pastes in unchanged.
    ///
    /// A block of another shape makes `compute` fail with [`Error::BlockShape`]; use
    /// [`Array::map_blocks_with_chunks`] to change block shapes.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let x = Array::from_ndarray(ndarray::Array::from_iter(0..6), &[3])?;
    /// // Subtract each block's first element.
    /// let y = x.map_blocks(|b| b.mapv(|v| v - b[0]));
    /// assert_eq!(y.compute()?, ndarray::array![0, 1, 2, 0, 1, 2].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn map_blocks<U, D, F>(&self, f: F) -> Array<U>
    where
        U: Element,
        D: ndarray::Dimension,
        F: Fn(ArrayViewD<'_, T>) -> ndarray::Array<U, D> + Send + Sync + 'static,
    {
        self.map_blocks_impl("map_blocks", self.node.chunks().clone(), move |_, b| {
            f(b).into_dyn()
        })
    }

    /// [`Array::map_blocks`] for a function that may fail with an error of its own type: the
    /// first block whose function returns `Err(e)` fails the computation with
    /// [`Error::Failed`](crate::Error::Failed) naming the block, whose
    /// [`source`](std::error::Error::source) chain holds `e`
    /// ([`Error::find_source`](crate::Error::find_source) gets it back).
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Array, ErrorKind};
    ///
    /// #[derive(Debug, PartialEq)]
    /// struct Negative(f64);
    /// impl std::fmt::Display for Negative {
    ///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    ///         write!(f, "negative value {}", self.0)
    ///     }
    /// }
    /// impl std::error::Error for Negative {}
    ///
    /// let x = Array::from_ndarray(ndarray::array![4.0, 9.0, -1.0, 16.0], [2])?;
    /// let roots = x.try_map_blocks(|b| match b.iter().find(|&&v| v < 0.0) {
    ///     Some(&v) => Err(Negative(v)),
    ///     None => Ok(b.mapv(f64::sqrt)),
    /// });
    /// let err = roots.compute().unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::User);
    /// assert_eq!(err.to_string(), "task map_blocks[1] failed: negative value -1");
    /// assert_eq!(err.find_source::<Negative>(), Some(&Negative(-1.0)));
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn try_map_blocks<U, D, E, F>(&self, f: F) -> Array<U>
    where
        U: Element,
        D: ndarray::Dimension,
        E: std::error::Error + Send + Sync + 'static,
        F: Fn(ArrayViewD<'_, T>) -> std::result::Result<ndarray::Array<U, D>, E>
            + Send
            + Sync
            + 'static,
    {
        let wrong = |block: &[usize], expected: &[usize], found: &[usize]| Error::BlockShape {
            op: "map_blocks".to_string(),
            block: block.to_vec(),
            expected: expected.to_vec(),
            found: found.to_vec(),
        };
        let f = move |idx: &[usize], b: ArrayViewD<'_, T>| match f(b) {
            Ok(block) => Ok(block.into_dyn()),
            Err(e) => Err(Error::user(e).in_task(|| format!("map_blocks{idx:?}"))),
        };
        self.map_blocks_checked("map_blocks", self.node.chunks().clone(), f, wrong)
    }

    /// [`Array::map_blocks`] for a closure written for arrays of a known rank: it receives an
    /// `ArrayView2` (for `D = Ix2`), `ArrayView3`, ... and returns an array of that rank.
    ///
    /// # Errors
    ///
    /// [`Error::RankMismatch`](crate::Error::RankMismatch) if the array has another number of
    /// axes than `D`.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// use ndarray::{ArrayView2, Axis, Ix1, Ix2};
    /// let x = Array::<f64>::ones(&[6, 4], [3, 2])?;
    /// // Each block's rows, cumulatively summed: a 2-D function of 2-D blocks.
    /// let y = x.map_blocks_as::<Ix2, _, _>(|b: ArrayView2<f64>| {
    ///     let mut out = b.to_owned();
    ///     out.accumulate_axis_inplace(Axis(1), |&prev, cur| *cur += prev);
    ///     out
    /// })?;
    /// assert_eq!(y.compute()?[[0, 1]], 2.0); // second column of its block
    /// assert!(x.map_blocks_as::<Ix1, _, _>(|b| b.to_owned()).is_err());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn map_blocks_as<D, U, F>(&self, f: F) -> Result<Array<U>>
    where
        D: ndarray::Dimension,
        U: Element,
        F: Fn(ndarray::ArrayView<'_, T, D>) -> ndarray::Array<U, D> + Send + Sync + 'static,
    {
        self.check_rank::<D>("map_blocks_as")?;
        Ok(self.map_blocks(move |b| {
            f(b.into_dimensionality::<D>().expect("the rank was checked")).into_dyn()
        }))
    }

    /// Like [`Array::map_blocks`], but `f` also receives the block's grid index.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let x = Array::<usize>::zeros(&[4, 4], &[2, 2])?;
    /// let ids = x.map_blocks_indexed(|idx, b| b.mapv(|_| idx[0] * 2 + idx[1]));
    /// let y = ids.compute()?;
    /// assert_eq!((y[[0, 0]], y[[0, 3]], y[[3, 0]], y[[3, 3]]), (0, 1, 2, 3));
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn map_blocks_indexed<U, D, F>(&self, f: F) -> Array<U>
    where
        U: Element,
        D: ndarray::Dimension,
        F: Fn(&[usize], ArrayViewD<'_, T>) -> ndarray::Array<U, D> + Send + Sync + 'static,
    {
        self.map_blocks_impl("map_blocks", self.node.chunks().clone(), move |idx, b| {
            f(idx, b).into_dyn()
        })
    }

    /// Applies `f` to each block, declaring the output chunks: explicit block sizes per axis,
    /// with the same number of axes and blocks per axis as this array. `f` also receives the
    /// block's grid index.
    ///
    /// # Errors
    ///
    /// [`Error::GridMismatch`] if `chunks` has another block grid than this array. At compute,
    /// [`Error::BlockShape`] if `f` returns a block of another shape than declared.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let x = Array::from_ndarray(ndarray::Array::from_iter(0..6), &[3])?;
    /// // Keep the first element of each block.
    /// let firsts = x.map_blocks_with_chunks(vec![vec![1, 1]], |_, b| b.slice(ndarray::s![..1]).to_owned().into_dyn())?;
    /// assert_eq!(firsts.compute()?, ndarray::array![0, 3].into_dyn());
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn map_blocks_with_chunks<U, D, F>(&self, chunks: Vec<Vec<usize>>, f: F) -> Result<Array<U>>
    where
        U: Element,
        D: ndarray::Dimension,
        F: Fn(&[usize], ArrayViewD<'_, T>) -> ndarray::Array<U, D> + Send + Sync + 'static,
    {
        let chunks = self.chunks_on_grid("map_blocks_with_chunks", chunks)?;
        Ok(self.map_blocks_impl("map_blocks", chunks, move |idx, b| f(idx, b).into_dyn()))
    }

    /// Output chunks of the given sizes, which must have this array's grid of blocks.
    fn chunks_on_grid(&self, op: &'static str, sizes: Vec<Vec<usize>>) -> Result<Chunks> {
        let grid: Vec<usize> = sizes.iter().map(|c| c.len().max(1)).collect();
        if grid != self.node.chunks().grid_shape() {
            return Err(Error::GridMismatch {
                op,
                expected: self.node.chunks().grid_shape().to_vec(),
                found: grid,
            });
        }
        let shape: Vec<usize> = sizes.iter().map(|c| c.iter().sum()).collect();
        Chunks::new(&shape, sizes)
    }

    /// This array and `other` cut along the common refinement of their blocks (numpy
    /// broadcasting), for a step over both.
    fn aligned_with<T2: Element>(
        &self,
        op: &'static str,
        other: &Array<T2>,
    ) -> Result<crate::expr::blockwise::Aligned> {
        align(
            op,
            &[
                (self.node.clone(), rechunk_fn::<T>()),
                (other.node.clone(), rechunk_fn::<T2>()),
            ],
        )
    }

    /// [`Array::map_blocks_with_chunks`] for a fallible block function (an error of one block
    /// is the computation's error), named `op`.
    pub(crate) fn try_map_blocks_with_chunks<U, F>(
        &self,
        op: &'static str,
        chunks: Vec<Vec<usize>>,
        f: F,
    ) -> Result<Array<U>>
    where
        U: Element,
        F: Fn(&[usize], ArrayViewD<'_, T>) -> Result<ArrayD<U>> + Send + Sync + 'static,
    {
        let out = self.chunks_on_grid(op, chunks)?;
        let grid = out.clone();
        let kernel: Kernel = Box::new(move |block, shape, inputs| {
            let idx = grid.grid_index(block);
            let result = f(idx.slice(), block_of::<T>(&inputs[0]).view())?;
            if result.shape() != shape.slice() {
                return Err(Error::BlockShape {
                    op: op.to_string(),
                    block: idx.slice().to_vec(),
                    expected: shape.slice().to_vec(),
                    found: result.shape().to_vec(),
                });
            }
            Ok(owned(result))
        });
        Ok(self.unary(op, out, kernel, None))
    }

    fn map_blocks_impl<U, F>(&self, name: &'static str, out: Chunks, f: F) -> Array<U>
    where
        U: Element,
        F: Fn(&[usize], ArrayViewD<'_, T>) -> ArrayD<U> + Send + Sync + 'static,
    {
        self.map_blocks_checked(
            name,
            out,
            move |i, b| Ok(f(i, b)),
            move |block, expected, found| Error::BlockShape {
                op: name.to_string(),
                block: block.to_vec(),
                expected: expected.to_vec(),
                found: found.to_vec(),
            },
        )
    }

    /// Applies `f` to each block, as `map_blocks`, into blocks of `out`; a block of another
    /// shape is the error `wrong(grid index, expected shape, shape returned)`, and an error
    /// `f` returns is the task's.
    pub(crate) fn map_blocks_checked<U, F, W>(
        &self,
        name: &'static str,
        out: Chunks,
        f: F,
        wrong: W,
    ) -> Array<U>
    where
        U: Element,
        F: Fn(&[usize], ArrayViewD<'_, T>) -> Result<ArrayD<U>> + Send + Sync + 'static,
        W: Fn(&[usize], &[usize], &[usize]) -> Error + Send + Sync + 'static,
    {
        let grid = out.clone();
        let kernel: Kernel = Box::new(move |block, shape, inputs| {
            let idx = grid.grid_index(block);
            let result = f(idx.slice(), block_of::<T>(&inputs[0]).view())?;
            if result.shape() != shape.slice() {
                return Err(wrong(idx.slice(), shape.slice(), result.shape()));
            }
            Ok(owned(result))
        });
        self.unary(name, out, kernel, None)
    }
}

/// A blockwise step over two aligned inputs: `f` on each pair of blocks, broadcast to the
/// output block's shape (`writer` writes the result in place when it is a root).
fn broadcast_blockwise<T, T2, U, F>(
    name: &'static str,
    chunks: Chunks,
    inputs: Vec<crate::expr::NodeRef>,
    mut axes: Vec<Vec<Option<usize>>>,
    f: F,
    writer: Option<Arc<dyn WriteInto<U>>>,
) -> Array<U>
where
    T: Element,
    T2: Element,
    U: Element,
    F: Fn(ArrayViewD<'_, T>, ArrayViewD<'_, T2>) -> ArrayD<U> + Send + Sync + 'static,
{
    let kernel: Kernel = Box::new(move |_, shape, inputs| {
        Ok(owned(on_broadcast_pair::<T, T2, _>(inputs, shape, &f)))
    });
    axes.truncate(2);
    Array::from_node_writing(
        Blockwise::new::<U>(name, chunks, inputs, axes, kernel, writer.is_some()),
        writer,
    )
}

/// `f` of the two aligned input blocks of a blockwise step, broadcast to the output block's
/// `shape`.
fn on_broadcast_pair<T: Element, T2: Element, R>(
    inputs: &[crate::scheduler::Value],
    shape: &ndarray::IxDyn,
    f: impl FnOnce(ArrayViewD<'_, T>, ArrayViewD<'_, T2>) -> R,
) -> R {
    let a = block_of::<T>(&inputs[0]).view();
    let b = block_of::<T2>(&inputs[1]).view();
    f(
        a.broadcast(shape.clone())
            .expect("aligned blocks broadcast"),
        b.broadcast(shape.clone())
            .expect("aligned blocks broadcast"),
    )
}

/// The array of an elementwise node, which writes its blocks straight into a result.
fn elementwise_array<U: Element>(node: Elementwise<U>) -> Array<U> {
    let writer = node.writer();
    Array::from_node_writing(node, Some(writer))
}

/// A writer for an array built on a [`Blockwise`] node.
fn writer<U: Element>(w: impl WriteInto<U> + 'static) -> Arc<dyn WriteInto<U>> {
    Arc::new(w)
}

/// The result's last step is a broadcasting `zip_with`: combine the operands while writing
/// the result.
struct ZipWriter<T, T2, F> {
    f: Arc<F>,
    chunks: Chunks,
    _t: PhantomData<fn(T, T2)>,
}

impl<T, T2, U, F> WriteInto<U> for ZipWriter<T, T2, F>
where
    T: Element,
    T2: Element,
    F: Fn(T, T2) -> U + Send + Sync,
{
    fn write_into(
        &self,
        block: usize,
        inputs: &mut Vec<Value>,
        rows: &mut [&mut [U]],
    ) -> Result<()> {
        let f = |x: &T, y: &T2| (self.f)(x.clone(), y.clone());
        let shape = self.chunks.block_shape(block);
        let (va, vb) = (&inputs[0], &inputs[1]);
        let a = block_of::<T>(va).view();
        let b = block_of::<T2>(vb).view();
        let a = a
            .broadcast(shape.clone())
            .expect("aligned blocks broadcast");
        let b = b.broadcast(shape).expect("aligned blocks broadcast");
        write_rows2(a, b, rows, f);
        Ok(())
    }
}

/// The result's last step expands one value per block ([`Array::expand_blocks`]): fill the
/// result's rows from it.
struct ExpandWriter<T, F> {
    fill: Arc<F>,
    _t: PhantomData<fn(T)>,
}

impl<T, U, F> WriteInto<U> for ExpandWriter<T, F>
where
    T: Element,
    F: Fn(&T, &mut [&mut [U]]) + Send + Sync,
{
    fn write_into(
        &self,
        _block: usize,
        inputs: &mut Vec<Value>,
        rows: &mut [&mut [U]],
    ) -> Result<()> {
        let value = block_of::<T>(&inputs[0]).view();
        (self.fill)(value.iter().next().expect("one value per block"), rows);
        Ok(())
    }
}

fn leaf<S: Element>(idx: usize) -> Arc<dyn ElemExpr<S>> {
    Arc::new(Leaf::<S> {
        idx,
        _t: PhantomData,
    })
}
