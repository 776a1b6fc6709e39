//! Memory advice for the large sample buffers the core allocates.

/// Below this the buffer stays on normal pages.
const HUGE_PAGE_MIN_BYTES: usize = 4 << 20;

/// Ask for transparent huge pages on a large, still untouched sample buffer
/// (most kernels default THP to `madvise`). Faulting in fresh 4 KiB pages is
/// a large share of filling an 80 MB buffer from the page cache; 2 MiB pages
/// measured ~1.7x faster on the 2-core bench machine. Advice only: failure
/// is ignored.
pub fn advise_huge_pages<T>(data: &mut [T]) {
    #[cfg(target_os = "linux")]
    {
        let bytes = std::mem::size_of_val(data);
        if bytes < HUGE_PAGE_MIN_BYTES {
            return;
        }
        let page = 4096usize;
        let start = (data.as_mut_ptr() as usize).div_ceil(page) * page;
        let end = (data.as_mut_ptr() as usize + bytes) / page * page;
        if end > start {
            // SAFETY: the range lies inside `data`'s allocation; MADV_HUGEPAGE
            // changes only how the kernel backs it, never its contents.
            unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = data;
}

/// Give the allocator's free memory back to the system (glibc: `malloc_trim`,
/// which also releases free pages inside its arenas, not only at the top).
/// A worker that reads and writes partition after partition frees tens of MB
/// each time, on several threads; glibc keeps most of it in per-thread arenas,
/// so a process's RSS grew with the number of partitions it had run rather
/// than with the partition's size. A no-op off glibc.
pub fn trim_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory to the kernel.
    unsafe {
        libc::malloc_trim(0);
    }
}
