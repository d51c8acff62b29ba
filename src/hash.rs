//! Hashes whose values are fixed by their definition, for what must not
//! change between runtop releases or machines: a kept baseline's file name,
//! an alert's fingerprint.

/// FNV-1a, 64 bits. std's `DefaultHasher` may change between Rust releases;
/// five lines do not need a crate.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn values_are_pinned() {
        // Checked against an independent implementation; a change here
        // orphans every kept baseline and changes every fingerprint.
        assert_eq!(super::fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(
            super::fnv1a(b"ws://127.0.0.1:7878/events"),
            0x2f7f_c3ef_e7e4_e190
        );
    }
}
