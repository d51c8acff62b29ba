//! The `runtop` binary: everything lives in the library; see `runtop --help`.

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys::{
    mi_free, mi_malloc, mi_malloc_aligned, mi_realloc, mi_realloc_aligned, mi_zalloc,
    mi_zalloc_aligned,
};

/// mimalloc rather than the system allocator: a report allocates and frees
/// millions of small objects (names, executions, window slots) on two
/// threads, and glibc's malloc was a tenth of the engine's thread
/// (`runtop report` of 1.07M events 0.47 → 0.41 s). Built without
/// transparent huge pages (`no_thp`): mimalloc asks for them on its
/// segments, and the 2 MiB pages raised peak RSS from 41 to 65–69 MB, over
/// the 64 MB bound, for no gain in time.
///
/// Glue written here rather than the `mimalloc` crate's `MiMalloc`, which
/// asks for every block through mimalloc's aligned entry points: a zeroed
/// one then takes its slow, over-allocating path (2 % of the engine's
/// thread). Every block mimalloc hands out is aligned to 16 bytes, so only
/// stricter alignments need those entry points.
struct Mimalloc;

/// The alignment every mimalloc block has (`MI_MAX_ALIGN_SIZE`).
const NATURAL: usize = 16;

/// Whether mimalloc's plain entry points align a block of `layout`.
fn natural(layout: Layout) -> bool {
    layout.align() <= NATURAL && layout.align() <= layout.size()
}

/// A block for `layout` from the plain entry point where that aligns it,
/// from the aligned one otherwise.
///
/// # Safety
/// As [`GlobalAlloc::alloc`]: `layout` has a non-zero size.
#[inline]
unsafe fn block(
    layout: Layout,
    plain: unsafe extern "C" fn(usize) -> *mut c_void,
    aligned: unsafe extern "C" fn(usize, usize) -> *mut c_void,
) -> *mut u8 {
    // SAFETY: plain calls into the allocator with a size (and alignment).
    unsafe {
        if natural(layout) {
            plain(layout.size()).cast()
        } else {
            aligned(layout.size(), layout.align()).cast()
        }
    }
}

// SAFETY: each method hands mimalloc's own blocks back to mimalloc, and asks
// for an explicit alignment whenever the layout needs more than mimalloc's
// natural 16 bytes (a block is at least as large as its alignment, as
// layouts are, so the natural alignment covers every smaller one).
unsafe impl GlobalAlloc for Mimalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the trait's contract is `block`'s.
        unsafe { block(layout, mi_malloc, mi_malloc_aligned) }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`.
        unsafe { block(layout, mi_zalloc, mi_zalloc_aligned) }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` came from this allocator (the trait's contract).
        unsafe { mi_free(ptr.cast::<c_void>()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from this allocator with `layout` (the trait's
        // contract); the block keeps that alignment.
        unsafe {
            if natural(layout) {
                mi_realloc(ptr.cast(), new_size).cast()
            } else {
                mi_realloc_aligned(ptr.cast(), new_size, layout.align()).cast()
            }
        }
    }
}

#[global_allocator]
static GLOBAL: Mimalloc = Mimalloc;

fn main() -> std::process::ExitCode {
    runtop::cli::main()
}
