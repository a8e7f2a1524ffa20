//! Nodes with no inputs: arrays made from data or from a rule, block by block inside tasks.

use ndarray::Dimension as _;
use std::marker::PhantomData;
use std::sync::Arc;

use ndarray::ArrayD;

use super::block::{Block, Element, handles, owned};
use super::elementwise::RUN;
use super::{Node, Props, Role, Streams, WriteInto};
use crate::chunks::Chunks;
use crate::error::Result;
use crate::expr::random;
use crate::scheduler::{Value, filled_block};

/// Blocks cut out of an array already in memory: each block is a view of it, no copy.
pub(crate) struct FromNdarray<T> {
    props: Props,
    /// Handles to the whole array (an owned block value), one per worker thread: see
    /// [`handles`].
    handles: Vec<Value>,
    _t: PhantomData<fn() -> T>,
}

impl<T: Element> FromNdarray<T> {
    pub(crate) fn new(chunks: Chunks, data: ArrayD<T>) -> Self {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        FromNdarray {
            props: Props::new::<T>("from_ndarray", chunks, vec![]),
            handles: handles::<T>(&owned(data), threads.clamp(1, 256)),
            _t: PhantomData,
        }
    }
}

impl<T: Element> Node for FromNdarray<T> {
    fn props(&self) -> &Props {
        &self.props
    }
    fn compute(&self, block: usize, _: &mut Vec<Value>) -> Result<Value> {
        let thread = rayon::current_thread_index().unwrap_or(0);
        let data = &self.handles[thread % self.handles.len()];
        let chunks = &self.props.chunks;
        let ranges = chunks.block_ranges(block);
        if chunks.num_blocks() == 1 {
            return Ok(data.clone());
        }
        // Not `region`, which would cut from the array itself, through the shared count.
        Ok(Arc::new(Block::<T>::Region {
            base: data.clone(),
            ranges,
        }))
    }
}

/// Every element the same value (`zeros`, `ones`, `full`).
pub(crate) struct Full<T> {
    props: Props,
    value: T,
}

impl<T: Element> Full<T> {
    pub(crate) fn new(chunks: Chunks, value: T) -> Full<T> {
        Full {
            props: Props::new::<T>("full", chunks, vec![]),
            value,
        }
    }
}

impl<T: Element> Node for Full<T> {
    fn props(&self) -> &Props {
        &self.props
    }
    fn compute(&self, block: usize, _: &mut Vec<Value>) -> Result<Value> {
        Ok(owned(ArrayD::from_elem(
            self.props.chunks.block_shape(block),
            self.value.clone(),
        )))
    }
}

/// The type of the element rule of [`FromFn`].
pub(crate) type ElementFn<T> = Arc<dyn Fn(&[usize]) -> T + Send + Sync>;

/// Each element from a function of its index in the whole array.
pub(crate) struct FromFn<T> {
    props: Props,
    f: ElementFn<T>,
}

impl<T: Element> FromFn<T> {
    pub(crate) fn new(chunks: Chunks, f: ElementFn<T>) -> FromFn<T> {
        FromFn {
            props: Props::new::<T>("from_fn", chunks, vec![]),
            f,
        }
    }
}

impl<T: Element> Node for FromFn<T> {
    fn props(&self) -> &Props {
        &self.props
    }
    fn compute(&self, block: usize, _: &mut Vec<Value>) -> Result<Value> {
        let start: Vec<usize> = self
            .props
            .chunks
            .block_ranges(block)
            .iter()
            .map(|r| r.start)
            .collect();
        let mut global = start.clone();
        let a = ArrayD::from_shape_fn(self.props.chunks.block_shape(block), |local| {
            for (g, (s, l)) in global.iter_mut().zip(start.iter().zip(local.slice())) {
                *g = s + l;
            }
            (self.f)(&global)
        });
        Ok(owned(a))
    }
}

/// The type of the block rule of [`FromBlocks`].
pub(crate) type BlockFn<T> = Arc<dyn Fn(usize) -> Result<ArrayD<T>> + Send + Sync>;

/// Each block from a fallible function of its linear index (a file read, a decode).
pub(crate) struct FromBlocks<T> {
    props: Props,
    f: BlockFn<T>,
}

impl<T: Element> FromBlocks<T> {
    pub(crate) fn new(name: &'static str, chunks: Chunks, f: BlockFn<T>) -> FromBlocks<T> {
        FromBlocks {
            props: Props::new::<T>(name, chunks, vec![]),
            f,
        }
    }
}

impl<T: Element> Node for FromBlocks<T> {
    fn props(&self) -> &Props {
        &self.props
    }
    fn compute(&self, block: usize, _: &mut Vec<Value>) -> Result<Value> {
        let a = (self.f)(block)?;
        let shape = self.props.chunks.block_shape(block);
        if a.shape() != shape.slice() {
            return Err(crate::error::Error::BlockShape {
                op: self.props.name.to_string(),
                block: self.props.chunks.grid_index(block).slice().to_vec(),
                expected: shape.slice().to_vec(),
                found: a.shape().to_vec(),
            });
        }
        Ok(owned(a))
    }
}

/// Random values: element `i` (row-major in the whole array) is a function of the key and `i`
/// alone ([`random`](super::random)), whatever the chunking. Each run of elements is filled by
/// one call of the distribution's fill; as a computation's root, straight into the result
/// ([`Draw`]).
pub(crate) struct Sampled<T> {
    props: Props,
    draw: Arc<Draw<T>>,
}

/// How a [`Sampled`] array's values are drawn: its writer, too.
pub(crate) struct Draw<T> {
    chunks: Chunks,
    key: u64,
    fill: random::FillFn<T>,
}

impl<T: Element> Sampled<T> {
    /// Values of `chunks` named `name`, each run filled by `fill` under `key`, and the writer
    /// that draws them straight into a result.
    pub(crate) fn new(
        name: &'static str,
        chunks: Chunks,
        key: u64,
        fill: random::FillFn<T>,
    ) -> (Sampled<T>, Arc<Draw<T>>) {
        let draw = Arc::new(Draw {
            chunks: chunks.clone(),
            key,
            fill,
        });
        let props = Props::new::<T>(name, chunks, vec![]).writes_in_place(true);
        let node = Sampled {
            props,
            draw: draw.clone(),
        };
        (node, draw)
    }
}

impl<T: Element> Streams for Sampled<T> {
    fn stream(&self, block: usize, f: &mut dyn FnMut(&dyn std::any::Any)) {
        let d = &self.draw;
        stream_rows(&d.chunks, block, f, |first, run: &mut [T]| {
            (d.fill)(d.key, first, run)
        });
    }
}

impl<T: Element> Node for Sampled<T> {
    fn props(&self) -> &Props {
        &self.props
    }
    fn role(&self) -> Role<'_> {
        Role::Streams(self)
    }
    fn compute(&self, block: usize, _: &mut Vec<Value>) -> Result<Value> {
        let d = &self.draw;
        make_rows(&d.chunks, block, |first, row: &mut [T]| {
            (d.fill)(d.key, first, row)
        })
    }
}

impl<T: Element> WriteInto<T> for Draw<T> {
    fn write_into(&self, block: usize, _: &mut Vec<Value>, rows: &mut [&mut [T]]) -> Result<()> {
        let mut rows = rows.iter_mut();
        random::for_each_row(&self.chunks, block, |first, len| {
            let row = rows.next().expect("the result has a segment per row");
            debug_assert_eq!(row.len(), len);
            (self.fill)(self.key, first, row)
        });
        Ok(())
    }
}

/// Block `block` of `chunks`, each row filled by `fill(index of its first element, row)`.
fn make_rows<T: Element>(
    chunks: &Chunks,
    block: usize,
    mut fill: impl FnMut(u64, &mut [T]),
) -> Result<Value> {
    let shape = chunks.block_shape(block);
    let mut data = filled_block(shape.size(), T::default());
    let mut at = 0;
    random::for_each_row(chunks, block, |first, len| {
        fill(first, &mut data[at..at + len]);
        at += len;
    });
    let a = ArrayD::from_shape_vec(shape, data).expect("length matches the block shape");
    Ok(owned(a))
}

/// Hands block `block` of `chunks` to `f` in runs of at most [`RUN`] elements, row-major, each
/// filled by `fill(index of its first element, run)`.
fn stream_rows<T: Element>(
    chunks: &Chunks,
    block: usize,
    f: &mut dyn FnMut(&dyn std::any::Any),
    mut fill: impl FnMut(u64, &mut [T]),
) {
    let mut run: Vec<T> = Vec::with_capacity(RUN);
    random::for_each_row(chunks, block, |first, len| {
        let mut done = 0;
        while done < len {
            let k = (RUN - run.len()).min(len - done);
            let at = run.len();
            run.resize(at + k, T::default());
            fill(first + done as u64, &mut run[at..]);
            done += k;
            if run.len() == RUN {
                f(&run);
                run.clear();
            }
        }
    });
    if !run.is_empty() {
        f(&run);
    }
}

/// Blocks computed once and kept (`persist`); on a cluster, each on the rank that made it.
pub(crate) struct Persisted<T> {
    props: Props,
    /// The blocks this process holds; `None` for those that live on other ranks.
    blocks: Vec<Option<Value>>,
    /// On a cluster, the rank that holds each block.
    homes: Option<Vec<usize>>,
    _t: PhantomData<fn() -> T>,
}

impl<T: Element> Persisted<T> {
    /// Blocks of `chunks`, held here where `Some`, on the ranks `homes` names on a cluster.
    pub(crate) fn new(
        chunks: Chunks,
        blocks: Vec<Option<Value>>,
        homes: Option<Vec<usize>>,
    ) -> Persisted<T> {
        Persisted {
            props: Props::new::<T>("persisted", chunks, vec![]),
            blocks,
            homes,
            _t: PhantomData,
        }
    }
}

impl<T: Element> Node for Persisted<T> {
    fn props(&self) -> &Props {
        &self.props
    }
    fn role(&self) -> Role<'_> {
        match &self.homes {
            Some(homes) => Role::Homed(homes),
            None => Role::Plain,
        }
    }
    fn compute(&self, block: usize, _: &mut Vec<Value>) -> Result<Value> {
        self.blocks[block]
            .clone()
            .ok_or_else(|| crate::error::Error::Mpi {
                message: format!(
                    "block {block} of a persisted array lives on rank {}: compute arrays \
                     persisted on a cluster with that cluster's scheduler",
                    self.homes.as_ref().map_or(0, |h| h[block])
                ),
            })
    }
}
