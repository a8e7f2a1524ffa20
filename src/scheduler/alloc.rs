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
//!
//! A result array is different: it is allocated once, written once by every worker, and
//! returned. Each 4 KiB page of it is a fault on first write (about 3 µs each in a virtual
//! machine, more than the kernel's work on most elementwise results), so a result of 4 MiB or
//! more is backed by 2 MiB pages where Linux offers them (`madvise(MADV_HUGEPAGE)`, which numpy
//! also does for its large arrays): 512 times fewer faults. A block of that size that a task
//! makes gets the same advice, since not every one is reused (see [`filled_block`]).
//! `CHUNKWISE_HUGE_PAGES=0` in the environment turns that off.

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

/// Buffers at least this large are advised to use huge pages (numpy's threshold for the same).
const HUGE_PAGE_MIN: usize = 4 << 20;

/// The huge page size the advice is aligned to (x86-64's, and arm64's with 4 KiB pages). Only
/// whole spans of it are advised: they are page-aligned for every base page size, and no
/// smaller part of a buffer could be a huge page anyway.
const HUGE_PAGE: usize = 2 << 20;

/// The whole [`HUGE_PAGE`]-aligned spans within bytes `addr..addr + len`, as the offset of
/// their start from `addr` and their length; `None` when there is no whole span.
fn huge_spans(addr: usize, len: usize) -> Option<(usize, usize)> {
    let start = addr.checked_next_multiple_of(HUGE_PAGE)?;
    let end = addr.checked_add(len)? / HUGE_PAGE * HUGE_PAGE;
    (end > start).then(|| (start - addr, end - start))
}

/// Whether results may use huge pages: unless `CHUNKWISE_HUGE_PAGES` is `0` (read on each
/// call, which costs far less than the allocation it is for).
fn huge_pages_allowed() -> bool {
    std::env::var_os("CHUNKWISE_HUGE_PAGES").is_none_or(|v| v != "0")
}

/// Asks the kernel to back the pages of `buf` not yet written with huge pages, when `buf` is
/// large enough. Call it on a fresh buffer before writing it: pages already written keep their
/// size. Advice only: where it is not possible (other systems, transparent huge pages off) the
/// buffer is used as it is, with the same contents either way.
pub(crate) fn advise_huge_pages<T>(buf: &mut [T]) {
    let bytes = std::mem::size_of_val(buf);
    if bytes < HUGE_PAGE_MIN || !huge_pages_allowed() {
        return;
    }
    let base = buf.as_mut_ptr().cast::<u8>();
    if let Some((offset, len)) = huge_spans(base as usize, bytes) {
        // Derived from `buf`, so the span keeps the buffer's provenance.
        advise(base.wrapping_add(offset), len);
    }
}

// A new block of a task's own making is advised as a result is, from the same size on. Blocks
// of 32 MiB or more are fresh mappings of glibc's on every allocation (the threshold by which
// it keeps freed memory stops there), unmapped when freed. Smaller ones come from the heaps of
// the allocating thread's arena, and are not reused as often as that suggests: an arena grows
// by heaps of 64 MiB, and glibc unmaps a heap the moment it is empty, as when the blocks a
// worker made are all freed at once by another thread (a persisted array dropped by its
// owner), so the next compute faults them in anew. On a rank of a 2-rank Gaussian of 4096² in
// 8 MiB blocks, kept with `persist_with`, that was two heaps made and unmapped per compute:
// 331,000 faults over 20 computes, against 86,000 with the advice, and 8-15% more time. Advice
// on pages already in use changes nothing, so a reused block pays one `madvise` (one process
// on the same Gaussian: the same time either way).

/// A new block of `n` copies of `fill`, for a task to overwrite: allocated zeroed and untouched
/// when `fill` is zero, and in huge pages when it is large enough.
pub(crate) fn filled_block<T: Clone>(n: usize, fill: T) -> Vec<T> {
    let mut block = vec![fill; n];
    advise_huge_pages(&mut block);
    block
}

/// An empty block with room for `n` elements, for a task to append to, its room in huge pages
/// when it is large enough.
pub(crate) fn block_with_capacity<T>(n: usize) -> Vec<T> {
    let mut block = Vec::with_capacity(n);
    advise_huge_pages(block.spare_capacity_mut());
    block
}

/// `madvise(MADV_HUGEPAGE)` on `len` bytes at `start`, which lie within one live allocation.
#[cfg(all(target_os = "linux", not(miri)))]
#[allow(unsafe_code)]
fn advise(start: *mut u8, len: usize) {
    // SAFETY: `start..start + len` lies inside the caller's buffer, which is live and borrowed
    // mutably for the call, and is aligned to 2 MiB, a multiple of the page size. MADV_HUGEPAGE
    // changes only how the kernel backs those pages, never their contents or whether they are
    // mapped, so no memory Rust can see is affected. A refusal (EINVAL where huge pages are not
    // built in) leaves everything as it was, so the result is ignored.
    let _ = unsafe { libc::madvise(start.cast(), len, libc::MADV_HUGEPAGE) };
}

/// Under Miri, which cannot call the kernel: checks what the call's safety rests on, that the
/// span lies inside the buffer (Miri reports an access outside it).
#[cfg(miri)]
#[allow(unsafe_code)]
fn advise(start: *mut u8, len: usize) {
    use std::mem::MaybeUninit;
    // SAFETY: the span is inside the caller's buffer (read as `MaybeUninit`, as a `Vec`'s spare
    // capacity is not initialised); if it were not, this is the error Miri is run to find.
    unsafe {
        std::ptr::read_volatile(start.cast::<MaybeUninit<u8>>());
        std::ptr::read_volatile(start.add(len - 1).cast::<MaybeUninit<u8>>());
    }
}

/// Elsewhere the advice does not exist; buffers keep their pages.
#[cfg(not(any(target_os = "linux", miri)))]
fn advise(_start: *mut u8, _len: usize) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_spans_are_the_whole_aligned_spans_inside() {
        let m = HUGE_PAGE;
        assert_eq!(huge_spans(m, 2 * m), Some((0, 2 * m)));
        assert_eq!(huge_spans(m + 16, 3 * m), Some((m - 16, 2 * m)));
        assert_eq!(huge_spans(m + 16, 2 * m), Some((m - 16, m)));
        assert_eq!(huge_spans(m + 16, m), None);
        assert_eq!(huge_spans(m - 1, m), None);
        assert_eq!(huge_spans(usize::MAX - m, m), None);
        for addr in [0, 1, 4096, m - 1, 5 * m + 7] {
            for len in [0, 1, m, m + 1, 3 * m - 5, 7 * m] {
                if let Some((off, n)) = huge_spans(addr, len) {
                    assert_eq!((addr + off) % m, 0);
                    assert_eq!(n % m, 0);
                    assert!(n > 0 && off + n <= len, "{addr} {len}: {off} {n}");
                    // No whole span is left out at either end.
                    assert!(off < m && len - off - n < m, "{addr} {len}: {off} {n}");
                }
            }
        }
    }

    /// Under Miri this checks the span handed to the kernel lies inside the buffer, for buffers
    /// of several sizes and element types and several alignments of the start. (Marks rather
    /// than whole-buffer passes keep it quick under Miri.)
    #[test]
    fn advising_leaves_the_contents_and_stays_inside() {
        for (bytes, shift) in [
            (HUGE_PAGE_MIN, 0),
            (HUGE_PAGE_MIN + 3, 1),
            (5 * HUGE_PAGE, 8),
        ] {
            let mut buf = vec![0u8; bytes + 64];
            let marks = [shift, shift + 1, shift + bytes / 2, bytes + 63];
            marks.iter().for_each(|&i| buf[i] = 7);
            advise_huge_pages(&mut buf[shift..]);
            assert!(marks.iter().all(|&i| buf[i] == 7));
            assert_eq!(buf[shift + 2], 0);
        }
        let mut f = vec![0.0f64; HUGE_PAGE_MIN / 8 + 1];
        f[1] = 1.5;
        advise_huge_pages(&mut f[1..]);
        assert_eq!((f[0], f[1], f[2]), (0.0, 1.5, 0.0));
        // A block's spare capacity, not yet initialised, as the filters and the ghost-cell
        // assembly advise it before appending.
        let mut v: Vec<f32> = block_with_capacity(HUGE_PAGE_MIN / 4 + 5);
        v.push(2.5);
        advise_huge_pages(v.spare_capacity_mut());
        v.extend_from_slice(&[1.0; 4]);
        assert_eq!(v[..2], [2.5, 1.0]);
        let z = filled_block(HUGE_PAGE_MIN / 8, 0.0f64);
        assert_eq!(
            (z.len(), z[0], z[z.len() - 1]),
            (HUGE_PAGE_MIN / 8, 0.0, 0.0)
        );
        // Below the threshold nothing is asked.
        let mut small = vec![7u16; 100];
        advise_huge_pages(&mut small);
        assert!(small.iter().all(|&v| v == 7));
    }
}
