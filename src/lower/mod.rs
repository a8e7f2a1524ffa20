//! Lowering: from a [`Plan`] to the task graph the scheduler runs, the evaluation of fused
//! blocks inside those tasks, and [`run`], the one way a computation runs.
//!
//! A node's blocks become tasks unless the node is fused into its only consumer, in which case
//! the consumer's task evaluates them inline. Only the blocks that the requested output needs
//! are lowered at all (culling). Tasks are added inputs-first, so their ids are a topological
//! order, and their dependency lists follow `Node::block_inputs` order.
#![forbid(unsafe_code)]

mod run;

pub(crate) use run::{Output, check_crosses, lowered, persist, run, share};

use ndarray::Dimension as _;
use std::cell::RefCell;
use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use crate::error::{Error, Result, panic_message};
use crate::expr::elementwise::{Pending, Stream};
use crate::expr::{BlockRef, Node, NodeRef, Role, SELF};
use crate::plan::{NEEDED, Plan, UNUSED};
use crate::scheduler::task::{LayerFn, Work};
use crate::scheduler::{Planner, TaskBytes, TaskGraph, TaskId, Value};

/// Builds the task graph of `plan`. Each node that is not fused becomes a layer of tasks. The root's
/// tasks gather the values of the root's input blocks (in `block_inputs` order) and hand
/// them to `write` (root node, block index, inputs), which computes the block and stores it
/// where the caller wants it; they keep nothing.
///
/// A layer's task ids are given out in block order first; then the dependencies of its
/// blocks, which read only earlier layers and earlier blocks of their own, are found in
/// ranges of blocks split by `planner` (in parallel on a scheduler's pool).
pub(crate) fn lower<'a>(
    mut plan: Plan,
    planner: Planner,
    write: impl Fn(&dyn Node, usize, &mut Vec<Value>) -> Result<()> + Send + Sync + 'a,
) -> TaskGraph<'a> {
    /// Blocks per range when finding dependencies in parallel.
    const GRAIN: usize = 8192;
    let mut graph = TaskGraph::new();
    graph.measure = Some(crate::expr::block::value_bytes);
    let fused = Arc::new(Fused {
        nodes: std::mem::take(&mut plan.nodes),
        input_ids: std::mem::take(&mut plan.input_ids),
        inline: std::mem::take(&mut plan.inline),
    });
    let root = fused.nodes.len() - 1;
    let mut write = Some(write);
    for n in 0..fused.nodes.len() {
        if fused.inline[n] {
            continue;
        }
        let node = &fused.nodes[n];
        let f = fused.clone();
        let work: LayerFn<'a> = if n == root {
            let write = write.take().expect("one root");
            Box::new(move |b, inputs| {
                let node = &*f.nodes[n];
                // A root that hands over a fused input's block: the write gets that input
                // and its inputs, and makes (or stores in place) the block itplan.
                if let Some((m, block)) = f.handed_over(n, b) {
                    inputs.reverse(); // `eval_inputs` pops them in dependency order
                    let mut values = f.eval_inputs(m, block, inputs)?;
                    let input = &*f.nodes[m];
                    return guard(input, block, || write(input, b, &mut values)).map(|()| None);
                }
                let mut values = f.task_inputs(n, b, inputs)?;
                guard(node, b, || write(node, b, &mut values)).map(|()| None)
            })
        } else {
            Box::new(move |b, inputs| f.eval_task(n, b, inputs).map(Some))
        };
        let layer = graph.add_layer(
            fused.chain_name(n),
            node.chunks().grid_shape().to_vec(),
            Work::Shared(work),
        );
        let f = fused.clone();
        let l = &mut graph.layers[layer as usize];
        l.bytes = Some(Box::new(move |b| f.task_bytes(n, b, n == root)));
        l.chunk = fused.largest_chunk(n);
        l.whole = fused.whole_axes(n);
        l.elem = (n != root).then(|| node.elem_type());
        let f = fused.clone();
        l.regions = Some(Box::new(move |b, out| f.collect_regions(n, b, out)));
        if node.home(0).is_some() {
            let node = node.clone();
            l.home = Some(Box::new(move |b| node.home(b).unwrap_or(0)));
        }
        let first = graph.len() as TaskId;
        let mut blocks = Vec::new();
        for (b, t) in plan.tasks[n].iter_mut().enumerate() {
            if *t != UNUSED {
                *t = first + blocks.len() as TaskId;
                blocks.push(b);
            }
        }
        let tasks = &plan.tasks;
        let parts = planner.map_ranges(blocks.len(), GRAIN, |range| {
            let mut deps = Vec::new();
            let mut ends = Vec::with_capacity(range.len());
            for &b in &blocks[range] {
                fused.collect_deps(n, b, tasks, &mut deps);
                ends.push(deps.len());
            }
            (deps, ends)
        });
        graph.add_tasks(layer, &blocks, parts);
    }
    graph
}

/// The name of a chain of fused steps: `a+b+c`; a chain that repeats one pattern as
/// `pattern (xN)`; anything longer than [`NAME_CAP`] cut short with the number of steps, so that
/// profiles and plans stay readable however deep the fusion goes.
fn summarise(names: &[String]) -> String {
    let n = names.len();
    for period in 1..=n / 2 {
        if n.is_multiple_of(period) && names.chunks(period).all(|c| c == &names[..period]) {
            return format!("{} (x{})", names[..period].join("+"), n / period);
        }
    }
    let joined = names.join("+");
    if joined.len() <= NAME_CAP {
        return joined;
    }
    let mut kept = String::new();
    for name in names {
        if kept.len() + name.len() + 1 > NAME_CAP - 16 {
            break;
        }
        if !kept.is_empty() {
            kept.push('+');
        }
        kept.push_str(name);
    }
    format!("{kept}+... ({n} steps)")
}

/// The longest name of a chain of fused steps.
const NAME_CAP: usize = 120;

/// The bytes of block `b` of `node`.
fn block_bytes(node: &dyn Node, b: usize) -> usize {
    node.chunks().block_shape(b).size() * node.elem_size()
}

struct Fused {
    nodes: Vec<NodeRef>,
    input_ids: Vec<Vec<usize>>,
    inline: Vec<bool>,
}

/// Emptied buffers of block references and of values, kept for reuse.
type Spare = (Vec<Vec<BlockRef>>, Vec<Vec<Value>>);

thread_local! {
    /// Spare buffers for [`Fused::eval`], so that evaluating a block allocates no bookkeeping.
    static SPARE: RefCell<Spare> = const { RefCell::new((Vec::new(), Vec::new())) };
}

impl Fused {
    /// The name of node `n`'s tasks: the nodes fused into them and then its own, joined by `+`
    /// (`overlap+map_blocks+reduce_chunk`), so that profiles show what a task does.
    fn chain_name(&self, n: usize) -> String {
        fn visit(f: &Fused, n: usize, names: &mut Vec<String>) {
            for &i in &f.input_ids[n] {
                if f.inline[i] {
                    visit(f, i, names);
                }
            }
            let name = f.nodes[n].name();
            if names.last().is_none_or(|l| l != name) {
                names.push(name.to_string());
            }
        }
        let mut names = Vec::new();
        visit(self, n, &mut names);
        summarise(&names)
    }

    /// The projected bytes of the task of block `b` of node `n` (see [`TaskBytes`]): its block,
    /// kept for readers (a root's is written into the result, so it is scratch unless the root
    /// writes straight there), and every block of a fused node that it makes on the way.
    fn task_bytes(&self, n: usize, b: usize, root: bool) -> TaskBytes {
        let node = &self.nodes[n];
        let own = block_bytes(&**node, b);
        let mut scratch = 0;
        self.fused_bytes(n, b, &mut scratch);
        if !root {
            TaskBytes { out: own, scratch }
        } else if node.props().writes_in_place {
            TaskBytes { out: 0, scratch }
        } else {
            TaskBytes {
                out: 0,
                scratch: scratch + own,
            }
        }
    }

    /// The block shape to shrink when node `n`'s tasks need too much memory: the largest among
    /// the blocks its tasks start from (the nodes they read, and fused sources), not the blocks
    /// they make on the way (a reduction's are tiny, ghost-cell padding is not the user's).
    /// The axes that the nodes fused into node `n`'s tasks read whole ([`Props::whole_axes`]).
    ///
    /// [`Props::whole_axes`]: crate::expr::Props
    fn whole_axes(&self, n: usize) -> Vec<usize> {
        let mut axes = Vec::new();
        let mut stack = vec![n];
        while let Some(m) = stack.pop() {
            axes.extend(self.nodes[m].props().whole_axes.iter().copied());
            stack.extend(
                self.input_ids[m]
                    .iter()
                    .copied()
                    .filter(|&i| self.inline[i]),
            );
        }
        axes.sort_unstable();
        axes.dedup();
        axes
    }

    fn largest_chunk(&self, n: usize) -> Vec<usize> {
        let largest = |m: usize| -> Vec<usize> {
            let c = self.nodes[m].chunks();
            c.sizes()
                .iter()
                .map(|s| s.iter().copied().max().unwrap_or(0))
                .collect()
        };
        let bytes =
            |m: usize, shape: &[usize]| shape.iter().product::<usize>() * self.nodes[m].elem_size();
        let mut best: Option<(usize, Vec<usize>)> = None;
        let mut consider = |m: usize| {
            let shape = largest(m);
            let b = bytes(m, &shape);
            if best.as_ref().is_none_or(|(bb, _)| b > *bb) {
                best = Some((b, shape));
            }
        };
        // Walk the nodes fused into the task; the sources are the nodes it reads from other
        // tasks, and fused nodes with no inputs of their own.
        let mut stack: Vec<usize> = vec![n];
        while let Some(m) = stack.pop() {
            if m != n && self.input_ids[m].is_empty() {
                consider(m);
            }
            for &i in &self.input_ids[m] {
                if self.inline[i] {
                    stack.push(i);
                } else {
                    consider(i);
                }
            }
        }
        best.map_or_else(|| largest(n), |(_, shape)| shape)
    }

    /// Adds to `acc` the blocks of fused nodes that block `b` of node `n` makes. Elementwise
    /// steps read as expressions, and sources read as streams, are evaluated run by run and
    /// make no block.
    fn fused_bytes(&self, n: usize, b: usize, acc: &mut usize) {
        let node = &self.nodes[n];
        let mut refs = SPARE.with_borrow_mut(|(r, _)| r.pop().unwrap_or_default());
        node.block_inputs(b, &mut refs);
        for &BlockRef { input, block } in &refs {
            if input == SELF {
                continue;
            }
            let m = self.input_ids[n][input];
            if !self.inline[m] {
                continue;
            }
            let producer = &*self.nodes[m];
            let runs = (node.reads_pending() && producer.elementwise().is_some())
                || (node.reads_streams() && producer.streams().is_some());
            if !runs {
                *acc += block_bytes(producer, block);
            }
            self.fused_bytes(m, block, acc);
        }
        refs.clear();
        SPARE.with_borrow_mut(|(r, _)| r.push(refs));
    }

    /// The tasks that block `b` of node `n` reads, looking through fused nodes; in the order
    /// that [`Fused::eval`] consumes them.
    fn collect_deps(&self, n: usize, b: usize, tasks: &[Vec<TaskId>], deps: &mut Vec<TaskId>) {
        // Called once per task while lowering: reuse the (thread's) buffers.
        let mut refs = SPARE.with_borrow_mut(|(r, _)| r.pop().unwrap_or_default());
        self.nodes[n].block_inputs(b, &mut refs);
        for &BlockRef { input, block } in &refs {
            if input == SELF {
                deps.push(tasks[n][block]);
                continue;
            }
            let m = self.input_ids[n][input];
            if self.inline[m] {
                self.collect_deps(m, block, tasks, deps);
            } else {
                let t = tasks[m][block];
                debug_assert!(t < NEEDED, "inputs are lowered before their readers");
                deps.push(t);
            }
        }
        refs.clear();
        SPARE.with_borrow_mut(|(r, _)| r.push(refs));
    }

    /// The part of each task dependency of block `b` of node `n` that it reads (`None`: all of
    /// it), in the order of [`Fused::collect_deps`]. Blocks read through a fused node are read
    /// by that node, which makes its whole block from them.
    fn collect_regions(&self, n: usize, b: usize, out: &mut Vec<Option<Vec<Range<usize>>>>) {
        let mut refs = Vec::new();
        self.nodes[n].block_inputs(b, &mut refs);
        for (k, &BlockRef { input, block }) in refs.iter().enumerate() {
            if input == SELF {
                out.push(None);
                continue;
            }
            let m = self.input_ids[n][input];
            if self.inline[m] {
                self.collect_regions(m, block, out);
            } else {
                out.push(self.nodes[n].input_region(b, k));
            }
        }
    }

    /// For a root `n` that [hands over](Role::HandsOver) its blocks: the fused input node and
    /// block that block `b` of `n` is, or `None` where that input is a task of its own.
    fn handed_over(&self, n: usize, b: usize) -> Option<(usize, usize)> {
        if !matches!(self.nodes[n].role(), Role::HandsOver) {
            return None;
        }
        let mut refs = SPARE.with_borrow_mut(|(r, _)| r.pop().unwrap_or_default());
        self.nodes[n].block_inputs(b, &mut refs);
        let found = match refs[..] {
            [BlockRef { input, block }] if input != SELF => {
                let m = self.input_ids[n][input];
                self.inline[m].then_some((m, block))
            }
            _ => None,
        };
        refs.clear();
        SPARE.with_borrow_mut(|(r, _)| r.push(refs));
        found
    }

    /// Evaluates block `b` of node `n` from the values of the task's dependencies.
    fn eval_task(&self, n: usize, b: usize, inputs: &mut Vec<Value>) -> Result<Value> {
        inputs.reverse(); // `eval` pops them in dependency order
        self.eval(n, b, inputs)
    }

    /// The input values of block `b` of node `n`, from the values of the task's dependencies.
    fn task_inputs(&self, n: usize, b: usize, inputs: &mut Vec<Value>) -> Result<Vec<Value>> {
        inputs.reverse(); // `eval_inputs` pops them in dependency order
        self.eval_inputs(n, b, inputs)
    }

    fn eval(&self, n: usize, b: usize, inputs: &mut Vec<Value>) -> Result<Value> {
        let node = &*self.nodes[n];
        let mut values = self.eval_inputs(n, b, inputs)?;
        let result = guard(node, b, || node.compute(b, &mut values));
        values.clear();
        SPARE.with_borrow_mut(|(_, v)| v.push(values));
        result
    }

    /// The values of the input blocks of block `b` of node `n`, evaluating fused inputs and
    /// popping the others from `inputs`.
    fn eval_inputs(&self, n: usize, b: usize, inputs: &mut Vec<Value>) -> Result<Vec<Value>> {
        let (mut refs, mut values) = SPARE
            .with_borrow_mut(|(r, v)| (r.pop().unwrap_or_default(), v.pop().unwrap_or_default()));
        let node = &self.nodes[n];
        node.block_inputs(b, &mut refs);
        for &BlockRef { input, block } in &refs {
            if input == SELF {
                values.push(inputs.pop().expect("the task input of an earlier block"));
                continue;
            }
            let m = self.input_ids[n][input];
            values.push(if self.inline[m] {
                match (node.reads_pending(), self.nodes[m].elementwise()) {
                    // An elementwise producer fused into a consumer that reads expressions (an
                    // elementwise step, a whole-block reduction): hand over the expression, to
                    // be evaluated run by run inside the consumer, with no block in between.
                    (true, Some(producer)) => {
                        let mut leaves = self.eval_inputs(m, block, inputs)?;
                        producer.normalize(&mut leaves);
                        Arc::new(Pending {
                            node: self.nodes[m].clone(),
                            leaves,
                        })
                    }
                    // A source that streams, fused into a reader of runs: no block is made.
                    (_, None) if node.reads_streams() && self.nodes[m].streams().is_some() => {
                        Arc::new(Stream {
                            node: self.nodes[m].clone(),
                            block,
                        })
                    }
                    _ => self.eval(m, block, inputs)?,
                }
            } else {
                inputs
                    .pop()
                    .expect("one task input per non-fused block input")
            });
        }
        refs.clear();
        SPARE.with_borrow_mut(|(r, _)| r.push(refs));
        Ok(values)
    }
}

/// Runs `f` (the work of block `b` of `node`), turning a panic into an error that names the
/// operation and block: caught here rather than only in the scheduler, so that the error names
/// the operation that panicked even when it was fused into another's task.
fn guard<R>(node: &dyn Node, b: usize, f: impl FnOnce() -> Result<R>) -> Result<R> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        Err(Error::TaskPanicked {
            task: format!("{}{:?}", node.name(), node.chunks().grid_index(b).slice()),
            message: panic_message(&*payload),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Array, Boundary, Scheduler};

    #[test]
    fn fused_names_summarise_repeats_and_stay_short() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            summarise(&names(&["overlap", "map_blocks"])),
            "overlap+map_blocks"
        );
        let stacked: Vec<&str> = (0..64).flat_map(|_| ["overlap", "map_blocks"]).collect();
        assert_eq!(summarise(&names(&stacked)), "overlap+map_blocks (x64)");
        assert_eq!(summarise(&names(&["take"; 5])), "take (x5)");
        let long: Vec<String> = (0..100).map(|i| format!("step{i}")).collect();
        let s = summarise(&long);
        assert!(s.len() <= NAME_CAP, "{s}");
        assert!(
            s.starts_with("step0+step1+") && s.ends_with("(100 steps)"),
            "{s}"
        );
    }

    /// Lowering in parallel ranges builds the same task graph as lowering serially: the same
    /// tasks, keys and dependencies in the same order, for layers that read neighbours (ghost
    /// cells) and that combine (a reduction tree).
    #[test]
    fn parallel_lowering_builds_the_serial_graph() {
        let x = Array::<f64>::ones(&[180, 200], [1, 2]).unwrap();
        let ghost = x
            .map_overlap([1, 2], Boundary::Reflect, |b| b.to_owned())
            .unwrap();
        let y = (&ghost * 2.0).sum_axis(ndarray::Axis(0)).unwrap();
        let pool = Scheduler::threads(4);
        let serial = lower(Plan::new(y.node()).unwrap(), Planner::SERIAL, |_, _, _| {
            Ok(())
        });
        let parallel = pool.plan(|p| lower(Plan::new(y.node()).unwrap(), p, |_, _, _| Ok(())));
        assert!(
            serial.len() > 4 * 8192,
            "large enough to split: {}",
            serial.len()
        );
        assert_eq!(serial.keys, parallel.keys);
        assert_eq!(serial.dep_start, parallel.dep_start);
        assert_eq!(serial.deps, parallel.deps);
        let expected = ndarray::Array1::<f64>::from_elem(200, 360.0).into_dyn();
        assert_eq!(y.compute_with(&pool).unwrap(), expected);
    }
}
