//! What a run knows of its graph and never changes: each task's inputs and readers, its layer
//! and block, and how to measure a value.

use super::super::task::{Layer, TaskGraph, TaskId, Value};

/// The immutable shape of one run's graph.
pub(super) struct Topology<'a> {
    /// `deps[dep_start[t]..dep_start[t + 1]]` are the tasks that task `t` reads.
    pub(super) dep_start: Vec<u32>,
    pub(super) deps: Vec<TaskId>,
    /// `dependents[dependent_start[t]..dependent_start[t + 1]]` are the tasks that read `t`.
    pub(super) dependent_start: Vec<u32>,
    pub(super) dependents: Vec<TaskId>,
    /// Each task's layer and block.
    pub(super) keys: Vec<(u32, usize)>,
    pub(super) layers: Vec<Layer<'a>>,
    /// The bytes of a value, for observers.
    pub(super) measure: fn(&Value) -> usize,
}

impl<'a> Topology<'a> {
    /// The topology of `graph`: its dependency lists, and the reader lists built from them.
    pub(super) fn new(graph: TaskGraph<'a>) -> Topology<'a> {
        let n = graph.len();
        let mut counts = vec![0u32; n + 1];
        for &d in &graph.deps {
            counts[d as usize + 1] += 1;
        }
        for i in 0..n {
            counts[i + 1] += counts[i];
        }
        let dependent_start = counts.clone();
        let mut fill = counts;
        let mut dependents = vec![0; graph.deps.len()];
        for t in 0..n as TaskId {
            for &d in graph.deps_of(t) {
                dependents[fill[d as usize] as usize] = t;
                fill[d as usize] += 1;
            }
        }
        Topology {
            dep_start: graph.dep_start,
            deps: graph.deps,
            dependent_start,
            dependents,
            keys: graph.keys,
            layers: graph.layers,
            measure: graph.measure.unwrap_or(|_| 0),
        }
    }

    /// Number of tasks.
    pub(super) fn len(&self) -> usize {
        self.keys.len()
    }

    /// The tasks that task `t` reads.
    pub(super) fn inputs_of(&self, t: usize) -> &[TaskId] {
        &self.deps[self.dep_start[t] as usize..self.dep_start[t + 1] as usize]
    }

    /// The tasks that read task `t`.
    pub(super) fn readers_of(&self, t: usize) -> &[TaskId] {
        &self.dependents[self.dependent_start[t] as usize..self.dependent_start[t + 1] as usize]
    }
}
