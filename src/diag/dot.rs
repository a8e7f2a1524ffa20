//! Pictures of a computation: the plan as text, the task graph as Graphviz DOT.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::array::Array;
use crate::expr::block::Element;
use crate::plan::{Plan, UNUSED};
use crate::scheduler::Projection;

/// Graphs with more tasks than this are drawn one box per operation.
const MAX_DRAWN_TASKS: usize = 300;

/// A fill colour for operation `op`, the same in every picture.
fn colour(op: &str) -> &'static str {
    const PALETTE: [&str; 10] = [
        "#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69", "#fccde5",
        "#d9d9d9", "#bc80bd",
    ];
    let h = op
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    PALETTE[h as usize % PALETTE.len()]
}

/// A byte count for people: `800 B`, `1.5 KiB`, `64.0 MiB`.
fn bytes(n: usize) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

impl<T: Element> Array<T> {
    /// The plan of this array's computation as text, like a query plan: one line per operation
    /// in the order they run, with its shape, blocks and tasks, what fusion and culling did, and
    /// the projected memory of its largest task (the blocks it reads, makes and fuses; see
    /// [`Scheduler::with_memory_limit`](crate::Scheduler::with_memory_limit)). A last line
    /// projects the peak of the whole run on one thread, depth first: each further thread adds
    /// about one more task's worth.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let x = Array::<f64>::ones(&[100, 100], [10, 10])?;
    /// let y = (&x * 2.0).slice(ndarray::s![..15, ..])?;
    /// let plan = y.explain();
    /// assert!(plan.contains("20 tasks"), "{plan}");
    /// assert!(plan.contains("fused into"), "{plan}");
    /// assert!(plan.contains("culled"), "{plan}");
    /// // Each slice task makes a 10 x 10 block of ones, doubles it and cuts its slice from it:
    /// // three blocks of 800 bytes.
    /// assert!(plan.contains("2.3 KiB per task"), "{plan}");
    /// assert!(plan.contains("projected peak"), "{plan}");
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn explain(&self) -> String {
        let plan = match Plan::new(self.node()) {
            Ok(plan) => plan,
            Err(e) => return format!("cannot be planned: {e}\n"),
        };
        let mut consumer = vec![None; plan.nodes.len()];
        for (c, inputs) in plan.input_ids.iter().enumerate() {
            for &i in inputs {
                consumer[i] = Some(c);
            }
        }
        let mut out = format!(
            "{} operations, {} tasks after fusion and culling\n",
            plan.nodes.len(),
            plan.num_tasks()
        );
        // Project the memory of the lowered graph: one figure per layer (a node with tasks).
        let graph = crate::lower::lowered(self.node()).expect("planned above");
        let projection = Projection::of(&graph);
        let mut layer_peak = vec![0usize; graph.layers.len()];
        for (t, &(layer, _)) in graph.keys.iter().enumerate() {
            let p = &mut layer_peak[layer as usize];
            *p = (*p).max(projection.peak[t]);
        }
        let run_peak = projection.sequential_peak(&graph, &[]);
        let mut layers = layer_peak.into_iter();
        for (n, node) in plan.nodes.iter().enumerate() {
            let c = node.chunks();
            let used = plan.tasks[n].iter().filter(|&&t| t != UNUSED).count();
            let blocks = c.num_blocks();
            let _ = write!(
                out,
                "#{n:<3} {:<16} shape {:?}, {} blocks {:?}",
                node.name(),
                c.shape(),
                blocks,
                c.grid_shape()
            );
            if !plan.input_ids[n].is_empty() {
                let inputs: Vec<String> =
                    plan.input_ids[n].iter().map(|i| format!("#{i}")).collect();
                let _ = write!(out, ", reads {}", inputs.join(" "));
            }
            if plan.inline[n] {
                let into = consumer[n].map_or_else(String::new, |c| format!("#{c}"));
                let _ = write!(out, ": fused into {into}");
            } else {
                let peak = layers.next().unwrap_or(0);
                let _ = write!(out, ": {used} tasks, {} per task", bytes(peak));
            }
            if used < blocks {
                let _ = write!(out, " ({} blocks culled)", blocks - used);
            }
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "projected peak: {} on one thread (blocks held for readers plus the running task)",
            bytes(run_peak)
        );
        out
    }

    /// The task graph of this array's computation in Graphviz DOT, for `dot -Tsvg`: one box per
    /// task, labelled with its operation and block index and coloured by operation, with an
    /// arrow from each input. Graphs of more than 300 tasks are summarised: one box per
    /// operation, with its number of tasks, and arrows labelled with the number of task edges.
    ///
    /// # Examples
    ///
    /// ```
    /// use chunkwise::Array;
    /// let x = Array::<f64>::ones(&[4, 4], [2, 2])?;
    /// let dot = (&x + 1.0).sum().to_dot();
    /// assert!(dot.starts_with("digraph chunkwise {"));
    /// assert!(dot.contains("reduce_chunk"));
    /// # Ok::<(), chunkwise::Error>(())
    /// ```
    pub fn to_dot(&self) -> String {
        let graph = match crate::lower::lowered(self.node()) {
            Ok(graph) => graph,
            Err(e) => return format!("digraph chunkwise {{\n  error [label=\"{e}\"];\n}}\n"),
        };
        let mut out = String::from(
            "digraph chunkwise {\n  rankdir=LR;\n  node [shape=box, style=filled, fontname=\"Helvetica\"];\n",
        );
        let n = graph.len();
        if n <= MAX_DRAWN_TASKS {
            for t in 0..n {
                let (layer, block) = graph.keys[t];
                let l = &graph.layers[layer as usize];
                let name = crate::scheduler::task::task_name(&graph.layers, (layer, block));
                let label = name.replacen(&l.name, &format!("{}\\n", l.name), 1);
                let _ = writeln!(
                    out,
                    "  t{t} [label=\"{}\", fillcolor=\"{}\"];",
                    escape(&label).replace("\\\\n", "\\n"),
                    colour(&l.name)
                );
            }
            for t in 0..n {
                for d in graph.deps_of(t as u32) {
                    let _ = writeln!(out, "  t{d} -> t{t};");
                }
            }
        } else {
            let mut counts = vec![0usize; graph.layers.len()];
            let mut edges: BTreeMap<(u32, u32), usize> = BTreeMap::new();
            for t in 0..n {
                let layer = graph.keys[t].0;
                counts[layer as usize] += 1;
                for &d in graph.deps_of(t as u32) {
                    *edges.entry((graph.keys[d as usize].0, layer)).or_default() += 1;
                }
            }
            for (i, l) in graph.layers.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "  l{i} [label=\"{}\\n{} tasks, grid {:?}\", fillcolor=\"{}\"];",
                    escape(&l.name),
                    counts[i],
                    l.grid,
                    colour(&l.name)
                );
            }
            for ((a, b), k) in edges {
                let _ = writeln!(out, "  l{a} -> l{b} [label=\"{k}\"];");
            }
        }
        out.push_str("}\n");
        out
    }
}
