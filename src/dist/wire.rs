//! Regions of a result sent between ranks as MPI's own datatypes (the byte forms of elements
//! and blocks are `dtype`'s).

use std::any::Any;
use std::ops::Range;

use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use ndarray::ArrayD;

/// The tag of the messages of [`exchange_regions`] (after a compute's own messages, whose tags
/// are `flow.rs`'s).
const REGION_TAG: i32 = 17;

/// Fills `out` on every rank from the ranks that computed it: each `(owner, range)` of
/// `regions` (elements of `out` in row-major order, sorted, disjoint, covering `out`) is sent
/// by its owner straight into place on every other rank, as MPI's own datatype, in pieces of at
/// most `cap` bytes: no bytes to encode, gather and decode. All the sends and receives are
/// posted at once, so every rank's part travels at the same time (one owner after another, as
/// broadcasts, took half again as long on 2 ranks). Returns `false`, having sent nothing, when
/// `T` has no fixed-width MPI datatype here (`usize` and `isize` differ between ranks of
/// different pointer widths) or `out` is not in standard layout; both are the same on every
/// rank, so all ranks take the same path.
pub(super) fn exchange_regions(
    world: &SimpleCommunicator,
    out: &mut dyn Any,
    regions: &[(usize, Range<usize>)],
    cap: usize,
) -> bool {
    fn go<W: Equivalence + 'static>(
        world: &SimpleCommunicator,
        out: &mut dyn Any,
        regions: &[(usize, Range<usize>)],
        cap: usize,
    ) -> bool {
        let Some(mut rest) = out
            .downcast_mut::<ArrayD<W>>()
            .and_then(|out| out.as_slice_mut())
        else {
            return false;
        };
        let me = world.rank() as usize;
        let step = (cap / std::mem::size_of::<W>()).clamp(1, i32::MAX as usize);
        // Cut `out` into the regions: this rank's to read from, the others' to write into.
        let mut mine: Vec<&[W]> = Vec::new();
        let mut theirs: Vec<(usize, &mut [W])> = Vec::new();
        let mut at = 0;
        for (owner, range) in regions {
            let (_, tail) = std::mem::take(&mut rest).split_at_mut(range.start - at);
            let (region, tail) = tail.split_at_mut(range.len());
            (rest, at) = (tail, range.end);
            if *owner == me {
                mine.push(region);
            } else {
                theirs.push((*owner, region));
            }
        }
        let others: Vec<i32> = (0..world.size()).filter(|&r| r as usize != me).collect();
        mpi::request::scope(|scope| {
            let mut requests = Vec::new();
            for (owner, region) in theirs {
                let from = world.process_at_rank(owner as i32);
                for piece in region.chunks_mut(step) {
                    requests.push(from.immediate_receive_into_with_tag(scope, piece, REGION_TAG));
                }
            }
            for region in &mine {
                for &to in &others {
                    let to = world.process_at_rank(to);
                    for piece in region.chunks(step) {
                        requests.push(to.immediate_send_with_tag(scope, piece, REGION_TAG));
                    }
                }
            }
            for request in requests {
                request.wait();
            }
        });
        true
    }
    macro_rules! typed {
        ($($w:ty),*) => {$(
            if out.is::<ArrayD<$w>>() {
                return go::<$w>(world, out, regions, cap);
            }
        )*};
    }
    typed!(f64, f32, i64, i32, i16, i8, u64, u32, u16, u8, bool);
    false
}
