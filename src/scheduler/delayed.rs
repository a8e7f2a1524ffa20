//! A graph of the user's own closures, run on the same schedulers: the counterpart of
//! `dask.delayed`.

use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::Scheduler;
use super::task::{TaskGraph, TaskId, Value, Work};
use crate::error::{Error, Result};
use std::sync::Mutex;

static NEXT_GRAPH_ID: AtomicU64 = AtomicU64::new(0);

/// A directed acyclic graph of closures, built by hand and run in parallel.
///
/// Each task is a closure that reads the values of the tasks it declares as dependencies and
/// returns a value of its own. Tasks can only depend on tasks added before them, so the graph is
/// acyclic by construction. Computing a task runs only what it needs, in parallel, and frees each
/// intermediate value as soon as its last reader has run.
///
/// # Examples
///
/// ```
/// use chunkwise::{Graph, Scheduler};
///
/// let mut g = Graph::new();
/// let load = g.add("load", &[], |_| Ok(vec![1.0, 2.0, 3.0]))?;
/// let total = g.add("total", &[load.task()], move |inp| Ok(inp.get(&load)?.iter().sum::<f64>()))?;
/// let count = g.add("count", &[load.task()], move |inp| Ok(inp.get(&load)?.len()))?;
/// let mean = g.add("mean", &[total.task(), count.task()], move |inp| {
///     Ok(inp.get(&total)? / *inp.get(&count)? as f64)
/// })?;
/// assert_eq!(g.compute_with(&mean, &Scheduler::threads(2))?, 2.0);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub struct Graph {
    id: u64,
    tasks: TaskGraph<'static>,
}

/// An untyped reference to a task of a [`Graph`], for dependency lists.
///
/// # Examples
///
/// ```
/// let mut g = chunkwise::Graph::new();
/// let a = g.add("a", &[], |_| Ok(1))?;
/// let deps: [chunkwise::TaskRef; 1] = [a.task()];
/// # Ok::<(), chunkwise::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TaskRef {
    graph: u64,
    id: TaskId,
}

/// A typed handle to a task of a [`Graph`] whose value is a `T`.
///
/// # Examples
///
/// ```
/// let mut g = chunkwise::Graph::new();
/// let answer: chunkwise::Delayed<i32> = g.add("answer", &[], |_| Ok(42))?;
/// assert_eq!(g.compute(&answer)?, 42);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub struct Delayed<T> {
    task: TaskRef,
    _value: PhantomData<fn() -> T>,
}

impl<T> Clone for Delayed<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Delayed<T> {}

impl<T> std::fmt::Debug for Delayed<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Delayed({})", self.task.id)
    }
}

impl<T> Delayed<T> {
    /// The untyped reference, for a dependency list.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut g = chunkwise::Graph::new();
    /// let a = g.add("a", &[], |_| Ok(1))?;
    /// let b = g.add("b", &[a.task()], move |inp| Ok(inp.get(&a)? + 1))?;
    /// assert_eq!(g.compute(&b)?, 2);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn task(&self) -> TaskRef {
        self.task
    }
}

/// The values of a task's dependencies, as its closure sees them.
///
/// # Examples
///
/// ```
/// let mut g = chunkwise::Graph::new();
/// let a = g.add("a", &[], |_| Ok(String::from("chunk")))?;
/// let b = g.add("b", &[a.task()], move |inp| Ok(inp.get(&a)?.len()))?;
/// assert_eq!(g.compute(&b)?, 5);
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub struct Inputs<'v> {
    task: &'v str,
    deps: &'v [TaskRef],
    values: &'v [Value],
}

impl Inputs<'_> {
    /// The value of dependency `d`.
    ///
    /// # Errors
    ///
    /// [`Error::UndeclaredInput`] if `d` is not among the task's declared dependencies.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut g = chunkwise::Graph::new();
    /// let a = g.add("a", &[], |_| Ok(2))?;
    /// let b = g.add("b", &[], |_| Ok(3))?;
    /// // `b` is read but not declared: an error, not a wrong answer.
    /// let c = g.add("c", &[a.task()], move |inp| Ok(inp.get(&a)? * inp.get(&b)?))?;
    /// assert!(matches!(g.compute(&c), Err(chunkwise::Error::UndeclaredInput { .. })));
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn get<T: Send + Sync + 'static>(&self, d: &Delayed<T>) -> Result<&T> {
        let pos = self.deps.iter().position(|&t| t == d.task);
        pos.and_then(|i| self.values[i].downcast_ref::<T>())
            .ok_or_else(|| Error::UndeclaredInput {
                task: self.task.to_string(),
                input: d.task.id as usize,
            })
    }
}

impl Default for Graph {
    fn default() -> Self {
        Self::new()
    }
}

impl Graph {
    /// An empty graph.
    ///
    /// # Examples
    ///
    /// ```
    /// let g = chunkwise::Graph::new();
    /// assert!(g.is_empty());
    /// ```
    pub fn new() -> Graph {
        Graph {
            id: NEXT_GRAPH_ID.fetch_add(1, Ordering::Relaxed),
            tasks: TaskGraph::new(),
        }
    }

    /// Adds a task named `name` that reads the values of `deps` and returns a `T`.
    ///
    /// The closure runs at most once, on some worker thread, after every dependency has run. An
    /// `Err` it returns, or a panic, fails the whole computation with that error.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownTask`] if a dependency belongs to another graph.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut g = chunkwise::Graph::new();
    /// let x = g.add("x", &[], |_| Ok(20))?;
    /// let y = g.add("y", &[], |_| Ok(22))?;
    /// let sum = g.add("sum", &[x.task(), y.task()], move |inp| Ok(inp.get(&x)? + inp.get(&y)?))?;
    /// assert_eq!(g.compute(&sum)?, 42);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn add<T, F>(&mut self, name: &str, deps: &[TaskRef], f: F) -> Result<Delayed<T>>
    where
        T: Send + Sync + 'static,
        F: FnOnce(&Inputs<'_>) -> Result<T> + Send + 'static,
    {
        for d in deps {
            self.check(*d)?;
        }
        let deps_owned: Vec<TaskRef> = deps.to_vec();
        let task_label = name.to_string();
        let run = Box::new(move |values: &mut Vec<Value>| {
            let inputs = Inputs {
                task: &task_label,
                deps: &deps_owned,
                values,
            };
            f(&inputs).map(|v| Arc::new(v) as Value)
        });
        let layer = self
            .tasks
            .add_layer(name, vec![], Work::Once(Mutex::new(Some(run))));
        let id = self.tasks.add_task(layer, 0, deps.iter().map(|d| d.id));
        Ok(Delayed {
            task: TaskRef { graph: self.id, id },
            _value: PhantomData,
        })
    }

    /// Number of tasks.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut g = chunkwise::Graph::new();
    /// g.add("a", &[], |_| Ok(()))?;
    /// assert_eq!(g.len(), 1);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Whether the graph has no tasks.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(chunkwise::Graph::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.tasks.len() == 0
    }

    /// Runs `target` and what it needs on the default scheduler, and returns its value.
    ///
    /// # Errors
    ///
    /// The first error or panic of a task, and [`Error::UnknownTask`] for a handle of another
    /// graph.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut g = chunkwise::Graph::new();
    /// let a = g.add("a", &[], |_| Ok(6 * 7))?;
    /// assert_eq!(g.compute(&a)?, 42);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn compute<T: Send + Sync + 'static>(self, target: &Delayed<T>) -> Result<T> {
        self.compute_with(target, &Scheduler::global()?)
    }

    /// Runs `target` and what it needs on `scheduler`, and returns its value. Tasks that
    /// `target` does not need do not run.
    ///
    /// # Errors
    ///
    /// As [`Graph::compute`].
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::{Graph, Scheduler};
    ///
    /// let mut g = Graph::new();
    /// let a = g.add("a", &[], |_| Ok(1))?;
    /// let _unused = g.add("boom", &[], |_| -> chunkwise::Result<i32> { panic!("never runs") })?;
    /// assert_eq!(g.compute_with(&a, &Scheduler::synchronous())?, 1);
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn compute_with<T: Send + Sync + 'static>(
        self,
        target: &Delayed<T>,
        scheduler: &Scheduler,
    ) -> Result<T> {
        self.check(target.task)?;
        let (tasks, keep) = self.tasks.cull(&[target.task.id]);
        let value = scheduler
            .execute(tasks, &keep)?
            .pop()
            .expect("one kept value");
        let value = value
            .downcast::<T>()
            .unwrap_or_else(|_| unreachable!("a Delayed<T> holds a T"));
        Ok(Arc::try_unwrap(value)
            .unwrap_or_else(|_| unreachable!("every reader has dropped its reference")))
    }

    fn check(&self, t: TaskRef) -> Result<()> {
        if t.graph != self.id || t.id as usize >= self.tasks.len() {
            return Err(Error::UnknownTask {
                id: t.id as usize,
                len: self.tasks.len(),
            });
        }
        Ok(())
    }
}
