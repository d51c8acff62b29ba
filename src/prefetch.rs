//! Asking the processor for memory before it is needed: a hint that changes
//! nothing the program sees, for the few places where a replay waits on
//! memory another core wrote or that lies at a random place in megabytes.
//!
//! Written with the intrinsic because no maintained crate offers a plain
//! read prefetch; elsewhere than x86-64 it does nothing.

/// Brings the cache line holding `ptr` towards this core.
#[inline]
pub fn line<T>(ptr: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch reads nothing the program sees and never faults,
    // whatever the address; SSE, which it needs, is part of every x86-64
    // processor.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>(ptr.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = ptr;
}

/// Brings every cache line of `item` towards this core.
#[inline]
pub fn whole<T>(item: &T) {
    let start = (item as *const T).cast::<u8>();
    for offset in (0..std::mem::size_of::<T>()).step_by(64) {
        line(start.wrapping_add(offset));
    }
}
