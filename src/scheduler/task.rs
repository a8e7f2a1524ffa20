//! The opaque task graph that the executor runs.
//!
//! Tasks come in layers: a layer is one operation applied to many blocks, with one shared
//! function that takes the block index, so a million tasks cost no million closures. A layer
//! of a user-built [`Graph`](super::Graph) holds one task with its own `FnOnce`.

use std::any::Any;
use std::sync::{Arc, Mutex, PoisonError};

use crate::error::Result;

/// The projected bytes of one task.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct TaskBytes {
    /// The value it keeps for its readers.
    pub(crate) out: usize,
    /// What it allocates while it runs and frees before it ends (fused intermediate blocks, a
    /// block made before it is copied into the result).
    pub(crate) scratch: usize,
}

/// The projected bytes of block `block` of a layer.
pub(crate) type BytesFn<'a> = Box<dyn Fn(usize) -> TaskBytes + Send + Sync + 'a>;

/// A task's output: any shareable value. Blocks travel between tasks behind this `Arc`, never copied.
pub(crate) type Value = Arc<dyn Any + Send + Sync>;

/// Index of a task in its [`TaskGraph`].
pub(crate) type TaskId = u32;

/// The shared work of a layer: block index and the inputs in dependency order, to the output
/// (`None` for a task that writes its result elsewhere and has no readers).
pub(crate) type LayerFn<'a> =
    Box<dyn Fn(usize, &mut Vec<Value>) -> Result<Option<Value>> + Send + Sync + 'a>;

/// The work of a single task that runs once.
pub(crate) type OnceFn<'a> = Box<dyn FnOnce(&mut Vec<Value>) -> Result<Value> + Send + 'a>;

pub(crate) enum Work<'a> {
    Shared(LayerFn<'a>),
    Once(Mutex<Option<OnceFn<'a>>>),
}

/// A group of tasks that share a name, a grid of block indices and their work.
pub(crate) struct Layer<'a> {
    pub(crate) name: String,
    pub(crate) grid: Vec<usize>,
    pub(crate) work: Work<'a>,
    /// Projected bytes of each task, for memory budgets; `None` counts nothing.
    pub(crate) bytes: Option<BytesFn<'a>>,
    /// The largest block shape, for advice on rechunking when a task needs too much memory.
    pub(crate) chunk: Vec<usize>,
    /// Axes its blocks must hold whole: advice never cuts them.
    pub(crate) whole: Vec<usize>,
    /// The element type of the blocks its tasks make, when they make blocks: whether they can
    /// cross ranks in a distributed run.
    pub(crate) elem: Option<std::any::TypeId>,
    /// The rank each block must run on, for blocks kept on one rank of a cluster.
    pub(crate) home: Option<Box<dyn Fn(usize) -> usize + Send + Sync + 'a>>,
    /// The part of each dependency a task reads (`None`: all), in dependency order: on a
    /// cluster, only that part crosses ranks.
    pub(crate) regions: Option<RegionsFn<'a>>,
}

/// See [`Layer::regions`].
pub(crate) type RegionsFn<'a> =
    Box<dyn Fn(usize, &mut Vec<Option<Vec<std::ops::Range<usize>>>>) + Send + Sync + 'a>;

impl Layer<'_> {
    /// Runs the task of block `block` of this layer.
    pub(crate) fn run(&self, block: usize, inputs: &mut Vec<Value>) -> Result<Option<Value>> {
        match &self.work {
            Work::Shared(f) => f(block, inputs),
            Work::Once(f) => {
                let f = f
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take()
                    .expect("a task runs once");
                f(inputs).map(Some)
            }
        }
    }
}

/// A directed acyclic graph of tasks.
///
/// Tasks are added in a topological order: a task may depend only on tasks added before it, so
/// the graph is acyclic by construction. Dependencies are stored flat (compressed rows).
pub(crate) struct TaskGraph<'a> {
    pub(crate) layers: Vec<Layer<'a>>,
    /// `deps[dep_start[t]..dep_start[t + 1]]` are the dependencies of task `t`.
    pub(crate) dep_start: Vec<u32>,
    pub(crate) deps: Vec<TaskId>,
    /// Layer and linear block index of each task.
    pub(crate) keys: Vec<(u32, usize)>,
    /// The size in bytes of a task's value, for callbacks (see [`super::TaskInfo::bytes`]).
    pub(crate) measure: Option<fn(&Value) -> usize>,
}

impl<'a> TaskGraph<'a> {
    pub(crate) fn new() -> Self {
        TaskGraph {
            layers: Vec::new(),
            dep_start: vec![0],
            deps: Vec::new(),
            keys: Vec::new(),
            measure: None,
        }
    }

    /// Adds a layer named `name`, whose blocks are indexed on `grid`.
    pub(crate) fn add_layer(
        &mut self,
        name: impl Into<String>,
        grid: Vec<usize>,
        work: Work<'a>,
    ) -> u32 {
        self.layers.push(Layer {
            name: name.into(),
            grid,
            work,
            bytes: None,
            chunk: Vec::new(),
            whole: Vec::new(),
            elem: None,
            home: None,
            regions: None,
        });
        (self.layers.len() - 1) as u32
    }

    /// Adds the task of block `block` of `layer`; every dependency must already be in the graph.
    pub(crate) fn add_task(
        &mut self,
        layer: u32,
        block: usize,
        deps: impl IntoIterator<Item = TaskId>,
    ) -> TaskId {
        let id = self.len() as TaskId;
        for d in deps {
            assert!(
                d < id,
                "task {id} depends on task {d}, which was not added before it"
            );
            self.deps.push(d);
        }
        self.dep_start.push(self.deps.len() as u32);
        self.keys.push((layer, block));
        id
    }

    /// Adds the tasks of `blocks` of `layer`, in order, with the dependencies found in `parts`:
    /// consecutive ranges of `blocks`, each with its dependencies laid end to end and where
    /// each block's end; every dependency must come before its task.
    pub(crate) fn add_tasks(
        &mut self,
        layer: u32,
        blocks: &[usize],
        parts: Vec<(Vec<TaskId>, Vec<usize>)>,
    ) {
        let first = self.len();
        self.keys.reserve(blocks.len());
        self.dep_start.reserve(blocks.len());
        self.keys.extend(blocks.iter().map(|&b| (layer, b)));
        for (deps, ends) in parts {
            let base = self.deps.len();
            let mut start = 0;
            for end in ends {
                let id = self.dep_start.len() - 1;
                for &d in &deps[start..end] {
                    assert!(
                        (d as usize) < id,
                        "task {id} depends on task {d}, which was not added before it"
                    );
                }
                self.dep_start.push((base + end) as u32);
                start = end;
            }
            self.deps.extend_from_slice(&deps);
        }
        assert_eq!(
            self.dep_start.len() - 1,
            first + blocks.len(),
            "one range per block"
        );
    }

    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    pub(crate) fn deps_of(&self, task: TaskId) -> &[TaskId] {
        let t = task as usize;
        &self.deps[self.dep_start[t] as usize..self.dep_start[t + 1] as usize]
    }

    /// Keeps only the tasks that `keep` needs; returns the smaller graph and the new ids of `keep`.
    pub(crate) fn cull(self, keep: &[TaskId]) -> (TaskGraph<'a>, Vec<TaskId>) {
        let n = self.len();
        let mut needed = vec![false; n];
        let mut stack: Vec<TaskId> = keep.to_vec();
        while let Some(t) = stack.pop() {
            if !needed[t as usize] {
                needed[t as usize] = true;
                stack.extend_from_slice(self.deps_of(t));
            }
        }
        if needed.iter().all(|&x| x) {
            return (self, keep.to_vec());
        }
        let mut out = TaskGraph::new();
        let mut new_id = vec![TaskId::MAX; n];
        for t in 0..n {
            if needed[t] {
                let ds = self
                    .deps_of(t as TaskId)
                    .iter()
                    .map(|&d| new_id[d as usize]);
                let (layer, block) = self.keys[t];
                new_id[t] = out.add_task(layer, block, ds);
            }
        }
        out.layers = self.layers;
        let keep = keep.iter().map(|&k| new_id[k as usize]).collect();
        (out, keep)
    }
}

/// The name of a task, `layer[i, j]`, from its layer and linear block index.
pub(crate) fn task_name(layers: &[Layer<'_>], (layer, block): (u32, usize)) -> String {
    let layer = &layers[layer as usize];
    if layer.grid.is_empty() {
        layer.name.clone()
    } else {
        format!("{}{:?}", layer.name, block_index(&layer.grid, block))
    }
}

/// The grid index of linear (row-major) block `block` in a grid of shape `grid`.
pub(crate) fn block_index(grid: &[usize], block: usize) -> Vec<usize> {
    let mut index = vec![0; grid.len()];
    let mut rest = block;
    for (i, &n) in grid.iter().enumerate().rev() {
        if n > 0 {
            index[i] = rest % n;
            rest /= n;
        }
    }
    index
}
