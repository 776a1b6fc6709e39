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

/// Allocations of at least this many bytes are mapped straight from the kernel.
pub const PAGE_BACKED_MIN_BYTES: usize = 1 << 20;

/// The largest alignment a fresh mapping is sure to have (one small page).
const MAPPING_ALIGN: usize = 4096;

/// A global allocator for a binary or addon built on the core: large
/// allocations (sample buffers, a partition's documents) are their own
/// anonymous mappings, returned to the system the moment they are freed;
/// everything else goes to the system allocator.
///
/// Why: glibc raises its mmap threshold to the size of each large block it
/// frees, so after the first partition every sample buffer of that size
/// came from its per-thread arenas and stayed there, scattered among small
/// allocations, once freed: a worker's RSS grew with the number of
/// partitions it had run. Mapping them directly keeps them out of glibc
/// (and its threshold where it was) without changing how the rest of the
/// process allocates, which `MALLOC_MMAP_THRESHOLD_` would.
pub struct PageBacked;

#[inline]
fn page_backed(layout: std::alloc::Layout) -> bool {
    cfg!(unix) && layout.size() >= PAGE_BACKED_MIN_BYTES && layout.align() <= MAPPING_ALIGN
}

#[cfg(unix)]
unsafe fn map(size: usize) -> *mut u8 {
    // SAFETY: an anonymous private mapping touches no existing memory.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            size,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        std::ptr::null_mut()
    } else {
        p.cast()
    }
}

#[cfg(unix)]
unsafe fn unmap(p: *mut u8, size: usize) {
    // SAFETY: the caller gives back a whole mapping made by `map(size)`.
    unsafe {
        libc::munmap(p.cast(), size);
    }
}

#[cfg(not(unix))]
unsafe fn map(_size: usize) -> *mut u8 {
    unreachable!("page_backed is false off unix")
}

#[cfg(not(unix))]
unsafe fn unmap(_p: *mut u8, _size: usize) {
    unreachable!("page_backed is false off unix")
}

// SAFETY: every block is freed by the path that made it: `page_backed` is
// a function of the layout, and Rust hands the same layout to `dealloc`
// (the new one's size to a `realloc`'s result).
unsafe impl std::alloc::GlobalAlloc for PageBacked {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        if page_backed(layout) {
            unsafe { map(layout.size()) }
        } else {
            unsafe { std::alloc::System.alloc(layout) }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        if page_backed(layout) {
            // A fresh anonymous mapping reads as zeros.
            unsafe { map(layout.size()) }
        } else {
            unsafe { std::alloc::System.alloc_zeroed(layout) }
        }
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: std::alloc::Layout) {
        if page_backed(layout) {
            unsafe { unmap(p, layout.size()) }
        } else {
            unsafe { std::alloc::System.dealloc(p, layout) }
        }
    }

    unsafe fn realloc(&self, p: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees new_size, with layout's alignment, is a valid layout.
        let new =
            unsafe { std::alloc::Layout::from_size_align_unchecked(new_size, layout.align()) };
        match (page_backed(layout), page_backed(new)) {
            (false, false) => unsafe { std::alloc::System.realloc(p, layout, new_size) },
            #[cfg(target_os = "linux")]
            (true, true) => unsafe {
                // The kernel moves the pages, not their bytes.
                let q = libc::mremap(p.cast(), layout.size(), new_size, libc::MREMAP_MAYMOVE);
                if q == libc::MAP_FAILED {
                    std::ptr::null_mut()
                } else {
                    q.cast()
                }
            },
            _ => unsafe {
                let q = self.alloc(new);
                if !q.is_null() {
                    std::ptr::copy_nonoverlapping(p, q, layout.size().min(new_size));
                    self.dealloc(p, layout);
                }
                q
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::alloc::{GlobalAlloc, Layout};

    fn layout(size: usize, align: usize) -> Layout {
        Layout::from_size_align(size, align).unwrap()
    }

    /// Fill, grow or shrink across the threshold both ways, and check the bytes survive each move.
    #[test]
    fn page_backed_blocks_keep_their_bytes_across_every_realloc_path() {
        let a = PageBacked;
        let sizes = [
            64,
            PAGE_BACKED_MIN_BYTES - 8,
            PAGE_BACKED_MIN_BYTES,
            3 * PAGE_BACKED_MIN_BYTES + 24,
            PAGE_BACKED_MIN_BYTES + 8,
            100,
        ];
        unsafe {
            let mut l = layout(sizes[0], 8);
            let mut p = a.alloc(l);
            assert!(!p.is_null());
            for i in 0..l.size() {
                *p.add(i) = (i % 251) as u8;
            }
            for &next in &sizes[1..] {
                p = a.realloc(p, l, next);
                assert!(!p.is_null(), "realloc {} -> {next}", l.size());
                let kept = l.size().min(next);
                for i in 0..kept {
                    assert_eq!(
                        *p.add(i),
                        (i % 251) as u8,
                        "byte {i} after {} -> {next}",
                        l.size()
                    );
                }
                l = layout(next, 8);
                for i in kept..next {
                    *p.add(i) = (i % 251) as u8;
                }
            }
            a.dealloc(p, l);
        }
    }

    #[test]
    fn a_large_zeroed_block_reads_zero_and_a_large_alignment_still_works() {
        let a = PageBacked;
        unsafe {
            let l = layout(2 * PAGE_BACKED_MIN_BYTES, 64);
            let p = a.alloc_zeroed(l);
            assert!(!p.is_null());
            assert!(std::slice::from_raw_parts(p, l.size())
                .iter()
                .all(|&b| b == 0));
            a.dealloc(p, l);
            // An alignment beyond a page goes to the system allocator.
            let big = layout(2 * PAGE_BACKED_MIN_BYTES, 2 * MAPPING_ALIGN);
            let q = a.alloc(big);
            assert!(!q.is_null() && (q as usize).is_multiple_of(big.align()));
            a.dealloc(q, big);
        }
    }
}
