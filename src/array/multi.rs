//! Several arrays computed in one graph, as `dask.compute(a, b)`: inputs they share are
//! computed once, and every result block is written straight into its own array.

use std::sync::Arc;

use ndarray::ArrayD;

use super::output::{Segments, take_rows, write_rows};
use super::{Array, BlockWriter};
use crate::error::Result;
use crate::expr::block::{Element, block_of};
use crate::expr::group::Group;
use crate::expr::{Node, NodeRef, Role};
use crate::lower::{Output, check_crosses, run, share};
use crate::scheduler::{Scheduler, Value};

/// Writes block `j` of one input into its result: given `(node, j, values)`, either that
/// input's own node and inputs (the block is made, or written in place, here), or the group
/// and the finished block in `values[0]`.
type Writer<'s> = Box<dyn Fn(&dyn Node, usize, &mut Vec<Value>) -> Result<()> + Send + Sync + 's>;

/// Arrays that [`compute`] can compute together: tuples of 1 to 8 `&Array`s of any element
/// types.
pub trait ComputeMany {
    /// The results: a tuple of `ArrayD`s of the arrays' element types.
    type Output;

    /// Computes the arrays in one graph on `scheduler`.
    ///
    /// # Errors
    ///
    /// The first error of any task, as [`Array::compute_with`].
    fn compute_many(self, scheduler: &Scheduler) -> Result<Self::Output>;
}

/// Computes several arrays in one graph, as `dask.compute(a, b, c)`: an input they share (the
/// data a mean and a standard deviation both read) is computed once, not once per array.
/// Returns a tuple of `ArrayD`s, each of its array's element type (tuples of 1 to 8).
///
/// # Errors
///
/// The first error of any task, as [`Array::compute_with`].
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, Scheduler};
/// use ndarray::Axis;
///
/// let x = Array::<f64>::random(&[400, 300], [100, 100], 7)?;
/// let y = x.map(|v| v * 10.0); // read by all three: generated once per block
/// let above = y.map(|v| u32::from(v > 5.0)).sum_axis(Axis(0))?;
/// let (mean, std, big) =
///     chunkwise::compute((&y.mean(), &y.std(0.0), &above), &Scheduler::threads(2))?;
/// assert!((mean[[]] - 5.0).abs() < 0.1);
/// assert!(std[[]] > 2.0);
/// assert_eq!(big.shape(), &[300]);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn compute<C: ComputeMany>(arrays: C, scheduler: &Scheduler) -> Result<C::Output> {
    arrays.compute_many(scheduler)
}

/// Runs the group of `nodes` on `scheduler`, handing each finished block to its writer; on a
/// cluster, the rank that made each block of each node.
fn run_group(
    nodes: Vec<NodeRef>,
    writers: &[Writer<'_>],
    scheduler: &Scheduler,
) -> Result<Option<Vec<Vec<usize>>>> {
    let group = Arc::new(Group::new("compute", nodes).handing_over());
    let root: NodeRef = group.clone();
    let blocks = group.blocks.clone();
    let write = move |node: &dyn Node, b: usize, values: &mut Vec<Value>| {
        let (k, j) = group.blocks[b];
        writers[k](node, j, values)
    };
    let ran = run(&root, &|_| true, Output::Gather(Box::new(write)), scheduler)?;
    Ok(ran.owners.map(|owners| {
        let mut each: Vec<Vec<usize>> = vec![Vec::new(); writers.len()];
        for (&(k, j), &rank) in blocks.iter().zip(&owners) {
            let mine = &mut each[k];
            mine.resize(mine.len().max(j + 1), 0);
            mine[j] = rank;
        }
        each
    }))
}

/// A writer of blocks of `array` into `slots`, the row segments of its result: in place
/// where the array's node can write so (as [`Array::compute_with`] does), else from the block.
fn writer<'s, T: Element>(
    array: &Array<T>,
    slots: &'s [std::sync::Mutex<Option<&'s mut [&mut [T]]>>],
) -> Writer<'s> {
    let in_place = BlockWriter::of(array);
    Box::new(move |node: &dyn Node, j, values: &mut Vec<Value>| {
        let rows = take_rows(&slots[j]);
        // The group itself: the input was a task of its own, its block is made.
        if matches!(node.role(), Role::HandsOver) {
            write_rows(block_of::<T>(&values[0]).view(), rows, T::clone);
            return Ok(());
        }
        in_place.write(node, j, values, rows)
    })
}

macro_rules! compute_many {
    ($($T:ident $a:ident $out:ident $seg:ident $slots:ident),+) => {
        impl<$($T: Element),+> ComputeMany for ($(&Array<$T>,)+) {
            type Output = ($(ArrayD<$T>,)+);

            fn compute_many(self, scheduler: &Scheduler) -> Result<Self::Output> {
                let ($($a,)+) = self;
                $(
                    check_crosses::<$T>(scheduler)?;
                    let mut $out = super::result_array::<$T>($a.shape())?;
                )+
                let owners = {
                    $(
                        let flat = $out
                            .as_slice_mut()
                            .expect("a new array is contiguous and in standard order");
                        let mut $seg = scheduler
                            .plan(|planner| Segments::new(flat, $a.chunk_layout(), planner));
                        let $slots = $seg.per_block();
                    )+
                    let writers = [$(writer::<$T>($a, &$slots)),+];
                    run_group(vec![$($a.node().clone()),+], &writers, scheduler)?
                };
                // On a cluster, every rank receives the blocks the others made.
                let mut each = owners.into_iter().flatten();
                $(
                    share(&mut $out, $a.chunk_layout(), each.next().as_deref(), scheduler)?;
                )+
                Ok(($($out,)+))
            }
        }
    };
}

compute_many!(A a oa sa la);
compute_many!(A a oa sa la, B b ob sb lb);
compute_many!(A a oa sa la, B b ob sb lb, C c oc sc lc);
compute_many!(A a oa sa la, B b ob sb lb, C c oc sc lc, D d od sd ld);
compute_many!(A a oa sa la, B b ob sb lb, C c oc sc lc, D d od sd ld, E e oe se le);
compute_many!(A a oa sa la, B b ob sb lb, C c oc sc lc, D d od sd ld, E e oe se le, F f of sf lf);
compute_many!(
    A a oa sa la, B b ob sb lb, C c oc sc lc, D d od sd ld, E e oe se le, F f of sf lf,
    G g og sg lg
);
compute_many!(
    A a oa sa la, B b ob sb lb, C c oc sc lc, D d od sd ld, E e oe se le, F f of sf lf,
    G g og sg lg, H h oh sh lh
);
