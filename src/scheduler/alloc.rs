//! Keeping freed blocks in the process, so that the next block does not fault its pages in.
//!
//! glibc's `malloc` serves a request of 128 KiB or more with a fresh `mmap`, and gives it back
//! with `munmap` when it is freed, until freeing such a mapping raises that threshold: it then
//! follows the largest mapping freed, up to 32 MiB, and the threshold for returning the top of
//! a heap to the system becomes twice that (mallopt(3), `M_MMAP_THRESHOLD`). A computation
//! allocates and frees blocks of megabytes all the time, of many sizes (decompressed chunks,
//! encoded chunks, results of each operation). While they are mapped and unmapped, the first
//! write to every 4 KiB of every block is a page fault: a 5-level pyramid of 1 GiB took 730,000
//! of them, 2.4 s of system time out of 3.4 s.
//!
//! Freeing one untouched block of 31 MiB once puts glibc where it would get by itself after
//! the first such block: blocks up to 31 MiB come from its heaps and go back to them, and are
//! reused. The same pyramid then took 29,000 faults and 2.8 s. Other allocators see one
//! allocation and one free of memory that is never touched.

use std::sync::Once;

/// The block freed once: under glibc's 32 MiB cap once its header and page rounding are added.
const SETTLING_BLOCK: usize = 31 << 20;

/// Frees one untouched block of [`SETTLING_BLOCK`] bytes, once per process, before the first
/// computation runs.
pub(crate) fn settle() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        drop(std::hint::black_box(Vec::<u8>::with_capacity(
            SETTLING_BLOCK,
        )))
    });
}
