//! For baselines that should write their result into huge pages as chunkwise's results are
//! (`src/scheduler/alloc.rs`), so that a comparison is of the work and not of page faults.

/// `madvise(MADV_HUGEPAGE)` on the whole 2 MiB spans of a fresh, zeroed buffer.
pub(crate) fn advise_huge_pages(buf: &mut [f64]) {
    const HUGE: usize = 2 << 20;
    let (addr, len) = (buf.as_mut_ptr() as usize, std::mem::size_of_val(buf));
    let start = addr.next_multiple_of(HUGE);
    let end = (addr + len) / HUGE * HUGE;
    if end > start {
        let p = buf.as_mut_ptr().cast::<u8>().wrapping_add(start - addr);
        // SAFETY: `p..p + (end - start)` lies inside `buf`, aligned to 2 MiB; the advice changes
        // how the kernel backs those pages, never their contents.
        unsafe { libc::madvise(p.cast(), end - start, libc::MADV_HUGEPAGE) };
    }
}
