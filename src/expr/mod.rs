//! Lazy expression nodes: what each operation on an array records.
//!
//! An [`Array`](crate::Array) is a handle to one node of a shared DAG. A node holds its facts
//! once ([`Props`]: name, chunks, inputs, element type, what fusion needs to know), says what
//! kind of node it is ([`Role`]), which input blocks each of its blocks reads (and which part of
//! them), and how to compute one block from them: the five methods of [`Node`]. Nothing runs
//! here: `plan` decides what is fused and needed, and `lower` turns the DAG into tasks.
//!
//! A new operation is a file here with its node type (or a constructor of an existing one such
//! as [`gather::Gather`] or [`blockwise::Blockwise`]), and a method in `array` that builds it.
#![forbid(unsafe_code)]

pub(crate) mod block;
pub(crate) mod blockwise;
pub(crate) mod elementwise;
pub(crate) mod gather;
pub(crate) mod group;
pub(crate) mod linalg;
pub(crate) mod overlap;
pub(crate) mod permute;
pub(crate) mod random;
pub(crate) mod rechunk;
pub(crate) mod reduction;
pub(crate) mod scan;
pub(crate) mod source;
pub(crate) mod take;

use std::any::{Any, TypeId};
use std::borrow::Cow;
use std::ops::Range;
use std::sync::Arc;

use crate::chunks::Chunks;
use crate::error::Result;
use crate::scheduler::Value;

/// A shared, type-erased expression node.
pub(crate) type NodeRef = Arc<dyn Node>;

/// One block of one input of a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BlockRef {
    /// Position of the input in [`Props::inputs`], or [`SELF`] for an earlier block of the node
    /// itself (a chain, as in a cumulative sum's carries).
    pub(crate) input: usize,
    /// Linear block index in that input's chunks.
    pub(crate) block: usize,
}

/// [`BlockRef::input`] of a block of the reading node itself, which must have a lower index.
pub(crate) const SELF: usize = usize::MAX;

/// What every node holds once, computed when it is made: its name, chunks, inputs and element
/// type, and the facts that planning reads (as DataFusion's `PlanProperties`).
pub(crate) struct Props {
    /// Operation name, used in task names and error messages.
    pub(crate) name: Cow<'static, str>,
    /// The chunks of the node's output.
    pub(crate) chunks: Chunks,
    /// The nodes it reads.
    pub(crate) inputs: Vec<NodeRef>,
    /// The bytes of one element of its blocks, for memory projections; 0 for a node whose tasks
    /// keep no block (a write to disk).
    pub(crate) elem_size: usize,
    /// The type of the elements of its blocks (`()` for a node whose tasks keep no block): which
    /// blocks can cross ranks.
    pub(crate) elem_type: TypeId,
    /// For each input, whether each of its blocks is read by exactly one block of this node
    /// (and the input by nothing else of this node): then a producer used only here can be
    /// fused into this node's tasks.
    pub(crate) one_to_one: Vec<bool>,
    /// Whether some of its blocks read its own earlier blocks ([`SELF`]); such a node is never
    /// fused into its reader.
    pub(crate) chained: bool,
    /// Whether the node, as the root of a computation, writes its blocks straight into the
    /// result's memory ([`WriteInto`], held by the typed array) rather than making them first.
    pub(crate) writes_in_place: bool,
    /// Axes that each of its blocks must hold whole (a transform's): advice on a smaller block
    /// shape (memory limits) never cuts them.
    pub(crate) whole_axes: Vec<usize>,
}

impl Props {
    /// The facts of a node of `T` elements named `name`, with `chunks`, reading `inputs`: none
    /// read one-to-one, not chained, not written in place.
    pub(crate) fn new<T: 'static>(
        name: impl Into<Cow<'static, str>>,
        chunks: Chunks,
        inputs: Vec<NodeRef>,
    ) -> Props {
        let n = inputs.len();
        Props {
            name: name.into(),
            chunks,
            inputs,
            elem_size: std::mem::size_of::<T>(),
            elem_type: TypeId::of::<T>(),
            one_to_one: vec![false; n],
            chained: false,
            writes_in_place: false,
            whole_axes: Vec::new(),
        }
    }

    /// These facts, with every input read one-to-one.
    pub(crate) fn one_to_one(mut self) -> Props {
        self.one_to_one.fill(true);
        self
    }

    /// These facts, with input `k` read one-to-one where `each[k]`.
    pub(crate) fn one_to_one_each(mut self, each: Vec<bool>) -> Props {
        debug_assert_eq!(each.len(), self.inputs.len());
        self.one_to_one = each;
        self
    }

    /// These facts, for a node that reads its own earlier blocks.
    pub(crate) fn chained(mut self) -> Props {
        self.chained = true;
        self
    }

    /// These facts, for a node that writes in place as a root.
    pub(crate) fn writes_in_place(mut self, writes: bool) -> Props {
        self.writes_in_place = writes;
        self
    }

    /// These facts, for a node whose blocks must each hold `axes` whole.
    pub(crate) fn whole_along(mut self, axes: Vec<usize>) -> Props {
        self.whole_axes = axes;
        self
    }

    /// These facts, for a node whose tasks keep no block (a write).
    pub(crate) fn keeping_nothing(mut self) -> Props {
        self.elem_size = 0;
        self.elem_type = TypeId::of::<()>();
        self
    }
}

/// What kind of node a node is, for the planner and the evaluator, which match on it in one
/// place each (`plan::passes`, `lower`): most nodes are [`Role::Plain`].
#[derive(Clone, Copy)]
pub(crate) enum Role<'a> {
    /// Computes each block from its input blocks.
    Plain,
    /// An elementwise expression ([`elementwise`]): fused into a reader of runs, it hands over
    /// the expression, evaluated run by run inside that reader, and makes no block.
    Elementwise(&'a dyn elementwise::ElemNode),
    /// A reader of runs (a whole-block reduction): takes fused elementwise inputs as
    /// expressions and fused sources that stream as streams.
    ReadsRuns,
    /// A source that can make its blocks run by run ([`Streams`]).
    Streams(&'a dyn Streams),
    /// An array in a store or file ([`Stored`]).
    Stored(&'a dyn Stored),
    /// A transpose of its one input: output axis `k` is input axis `perm[k]`.
    Permute(&'a [usize]),
    /// Blocks kept on the ranks of a cluster: the rank of each (`persist_with` on a cluster).
    /// Such a node is never fused into its reader, so that its tasks run where its blocks are.
    Homed(&'a [usize]),
    /// A root that only hands each block of one input to the caller's write (several arrays
    /// computed together): block `b` is the one block its `block_inputs` names. Where that
    /// input is fused into the root's tasks, lowering gives the write the input node and the
    /// input's own inputs instead of the computed block, so that the write can store it in
    /// place.
    HandsOver,
}

/// A source that can make its blocks as consecutive runs (row-major), instead of whole: fused
/// into a reduction, no block is made.
pub(crate) trait Streams: Send + Sync {
    /// Produces block `block` as runs, each a `Vec<T>` handed to `f`.
    fn stream(&self, block: usize, f: &mut dyn FnMut(&dyn Any));
}

/// An array in a store or file.
pub(crate) trait Stored: Send + Sync {
    /// The source as error messages name it: the operation and the file.
    fn describe(&self) -> String;

    /// Whether [`Stored::read_region`] can read any part of any block directly (a store whose
    /// chunks can be read in part). A reader that needs only parts of its input blocks (ghost
    /// cells) then reads just those inside its own task, instead of keeping whole neighbour
    /// blocks alive until all their readers have run.
    fn reads_regions(&self) -> bool;

    /// Reads `ranges` (relative to block `block`) as a block value of that shape.
    fn read_region(&self, block: usize, ranges: &[Range<usize>]) -> Result<Value>;

    /// Whether the store serves many requests at once better than one at a time (a remote
    /// one): then [`Stored::will_read`] tells it, before a computation runs, which blocks it
    /// will read.
    fn reads_ahead(&self) -> bool {
        false
    }

    /// The blocks that a computation about to run will read, ascending.
    fn will_read(&self, _blocks: &[usize]) {}
}

/// An operation in the lazy expression DAG: its facts ([`Props`]) and [`Role`], which input
/// blocks each block reads and which part of them, and how to compute a block.
pub(crate) trait Node: Send + Sync + 'static {
    /// The node's facts.
    fn props(&self) -> &Props;

    /// What kind of node this is for planning and evaluation.
    fn role(&self) -> Role<'_> {
        Role::Plain
    }

    /// Appends the input blocks that output block `block` reads, in the order `compute` takes
    /// them.
    fn block_inputs(&self, _block: usize, _deps: &mut Vec<BlockRef>) {}

    /// The part of its `k`-th input block (in [`Node::block_inputs`] order) that block `block`
    /// reads, as ranges relative to that input block; `None` when it reads all of it. A node
    /// that gives regions must accept, as that input, a block holding only the region
    /// ([`Block::Window`](block::Block::Window)): on a cluster, only the region crosses ranks.
    fn input_region(&self, _block: usize, _k: usize) -> Option<Vec<Range<usize>>> {
        None
    }

    /// Computes output block `block` from the values of its input blocks, in `block_inputs`
    /// order. It may take the values out of `inputs` (to reuse a block it alone holds).
    fn compute(&self, block: usize, inputs: &mut Vec<Value>) -> Result<Value>;
}

/// The facts and roles of a node, read from its [`Props`] and [`Role`].
impl dyn Node {
    /// Operation name, used in task names and error messages.
    pub(crate) fn name(&self) -> &str {
        &self.props().name
    }

    /// The operation as error messages name it: its name, and for a stored array, the file.
    pub(crate) fn describe(&self) -> String {
        match self.role() {
            Role::Stored(s) => s.describe(),
            _ => self.name().to_string(),
        }
    }

    /// The chunks of this node's output.
    pub(crate) fn chunks(&self) -> &Chunks {
        &self.props().chunks
    }

    /// The nodes this one reads.
    pub(crate) fn inputs(&self) -> &[NodeRef] {
        &self.props().inputs
    }

    /// The bytes of one element of this node's blocks (0 for a node that keeps none).
    pub(crate) fn elem_size(&self) -> usize {
        self.props().elem_size
    }

    /// The type of the elements of this node's blocks.
    pub(crate) fn elem_type(&self) -> TypeId {
        self.props().elem_type
    }

    /// The node as an elementwise expression, if it is one.
    pub(crate) fn elementwise(&self) -> Option<&dyn elementwise::ElemNode> {
        match self.role() {
            Role::Elementwise(e) => Some(e),
            _ => None,
        }
    }

    /// Whether this node reads a fused elementwise input as an expression
    /// ([`elementwise::Pending`]) rather than as a computed block.
    pub(crate) fn reads_pending(&self) -> bool {
        matches!(self.role(), Role::Elementwise(_) | Role::ReadsRuns)
    }

    /// Whether this node reads a fused input that streams run by run.
    pub(crate) fn reads_streams(&self) -> bool {
        matches!(self.role(), Role::ReadsRuns)
    }

    /// The node as a source that streams, if it is one.
    pub(crate) fn streams(&self) -> Option<&dyn Streams> {
        match self.role() {
            Role::Streams(s) => Some(s),
            _ => None,
        }
    }

    /// The node as a stored array whose blocks can be read in part, if it is one.
    pub(crate) fn region_reader(&self) -> Option<&dyn Stored> {
        match self.role() {
            Role::Stored(s) if s.reads_regions() => Some(s),
            _ => None,
        }
    }

    /// The rank where block `block` lives, for blocks kept on one rank of a cluster.
    pub(crate) fn home(&self, block: usize) -> Option<usize> {
        match self.role() {
            Role::Homed(homes) => Some(homes[block]),
            _ => None,
        }
    }
}

/// Computes a block of `T` straight into the row segments of the result (see `array::output`),
/// saving the block's allocation and a copy: the last elementwise step of a computation writes
/// where the result lives.
pub(crate) trait WriteInto<T>: Send + Sync {
    /// Computes block `block` from its input values and writes it, row by row (runs along the
    /// last axis, in row-major order), into `rows`.
    fn write_into(
        &self,
        block: usize,
        inputs: &mut Vec<Value>,
        rows: &mut [&mut [T]],
    ) -> Result<()>;
}
