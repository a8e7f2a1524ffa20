//! The opaque task graph that the executor runs.

use std::any::Any;
use std::sync::Arc;

use crate::error::Result;

/// A task's output: any shareable value. Blocks travel between tasks behind this `Arc`, never copied.
pub(crate) type Value = Arc<dyn Any + Send + Sync>;

/// The work of one task: its inputs in the order of its dependencies, to its output.
pub(crate) type TaskFn<'a> = Box<dyn FnOnce(Vec<Value>) -> Result<Value> + Send + 'a>;

/// Index of a task in its [`TaskGraph`].
pub(crate) type TaskId = u32;

/// A group of tasks that share a name and a grid of block indices (one operation of an array
/// expression, or one task of a user-built graph). Task names are derived from it lazily, so a
/// million tasks cost no million strings.
pub(crate) struct Layer {
    pub(crate) name: String,
    pub(crate) grid: Vec<usize>,
}

/// A directed acyclic graph of tasks.
///
/// Tasks are added in a topological order: a task may depend only on tasks added before it, so
/// the graph is acyclic by construction. Dependencies are stored flat (compressed rows).
#[derive(Default)]
pub(crate) struct TaskGraph<'a> {
    pub(crate) layers: Vec<Layer>,
    /// `deps[dep_start[t]..dep_start[t + 1]]` are the dependencies of task `t`.
    pub(crate) dep_start: Vec<u32>,
    pub(crate) deps: Vec<TaskId>,
    /// Layer and linear block index of each task, for its name.
    pub(crate) keys: Vec<(u32, usize)>,
    pub(crate) fns: Vec<TaskFn<'a>>,
}

impl<'a> TaskGraph<'a> {
    pub(crate) fn new() -> Self {
        TaskGraph {
            dep_start: vec![0],
            ..Default::default()
        }
    }

    /// Adds a layer of tasks named `name` whose blocks are indexed on `grid`.
    pub(crate) fn add_layer(&mut self, name: impl Into<String>, grid: Vec<usize>) -> u32 {
        self.layers.push(Layer {
            name: name.into(),
            grid,
        });
        (self.layers.len() - 1) as u32
    }

    /// Adds a task; every dependency must already be in the graph.
    pub(crate) fn add_task(
        &mut self,
        layer: u32,
        block: usize,
        deps: impl IntoIterator<Item = TaskId>,
        f: TaskFn<'a>,
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
        self.fns.push(f);
        id
    }

    pub(crate) fn len(&self) -> usize {
        self.fns.len()
    }

    pub(crate) fn deps_of(&self, task: TaskId) -> &[TaskId] {
        let t = task as usize;
        &self.deps[self.dep_start[t] as usize..self.dep_start[t + 1] as usize]
    }
}

/// The name of a task, `layer[i, j]`, from its layer and linear block index.
pub(crate) fn task_name(layers: &[Layer], (layer, block): (u32, usize)) -> String {
    let layer = &layers[layer as usize];
    let mut index = vec![0; layer.grid.len()];
    let mut rest = block;
    for (i, &n) in layer.grid.iter().enumerate().rev() {
        if n > 0 {
            index[i] = rest % n;
            rest /= n;
        }
    }
    format!("{}{:?}", layer.name, index)
}

impl<'a> TaskGraph<'a> {
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
        let TaskGraph {
            layers,
            dep_start,
            deps,
            keys,
            fns,
        } = self;
        let mut out = TaskGraph::new();
        out.layers = layers;
        let mut new_id = vec![TaskId::MAX; n];
        for (t, f) in fns.into_iter().enumerate() {
            if needed[t] {
                let ds = deps[dep_start[t] as usize..dep_start[t + 1] as usize]
                    .iter()
                    .map(|&d| new_id[d as usize]);
                new_id[t] = out.add_task(keys[t].0, keys[t].1, ds, f);
            }
        }
        let keep = keep.iter().map(|&k| new_id[k as usize]).collect();
        (out, keep)
    }
}
