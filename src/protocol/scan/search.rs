//! The scanner's byte searches: where a string ends, and which known key
//! starts at a place. Both look at many bytes at once, the one thing the
//! scanner spends most of its time on.

use std::sync::atomic::{AtomicU8, Ordering};

use crate::protocol::raw::KEYS;

/// Where a string's body ends: the first quote, backslash or control
/// character in `bytes`. Sixteen bytes at a time where the processor has
/// SSE2 (every x86-64 one): most ids, keys and names then end in the first
/// block, and the loop's exit is predicted; word by word elsewhere and for
/// the last bytes of a line.
pub(super) fn string_end(bytes: &[u8]) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    {
        let mut at = 0;
        while at + 16 <= bytes.len() {
            let block = bytes[at..at + 16].try_into().expect("sixteen bytes");
            if let Some(i) = stop_in_block(block) {
                return Some(at + i);
            }
            at += 16;
        }
        string_end_by_words(&bytes[at..]).map(|i| at + i)
    }
    #[cfg(not(target_arch = "x86_64"))]
    string_end_by_words(bytes)
}

/// The first stop in sixteen bytes. Written with intrinsics because no
/// maintained crate searches for "any of two bytes or a byte below 0x20"
/// (memchr's searches are for up to three given bytes).
#[cfg(target_arch = "x86_64")]
#[inline]
fn stop_in_block(block: &[u8; 16]) -> Option<usize> {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_loadu_si128, _mm_max_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };
    // SAFETY: the load reads the sixteen bytes of `block`,
    // unaligned as `loadu` allows; the rest are register operations of
    // SSE2, which every x86-64 processor has.
    let found = unsafe {
        let v = _mm_loadu_si128(block.as_ptr().cast());
        let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
        let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
        // Unsigned `v <= 0x1f` is `max(v, 0x1f) == 0x1f`.
        let low = _mm_set1_epi8(0x1f);
        let control = _mm_cmpeq_epi8(_mm_max_epu8(v, low), low);
        _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), control))
    };
    (found != 0).then(|| found.trailing_zeros() as usize)
}

/// [`string_end`] eight bytes at a time, in a `u64`.
fn string_end_by_words(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // A byte's high bit set where it is zero, or below 0x20: exact up to the
    // first such byte, which is all that is asked.
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let below_space = |x: u64| x.wrapping_sub(ONES * 0x20) & !x & HIGHS;
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let x = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let found = zero(x ^ (ONES * u64::from(b'"')))
            | zero(x ^ (ONES * u64::from(b'\\')))
            | below_space(x);
        if found != 0 {
            return Some(at + found.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    let rest = chunks.remainder();
    rest.iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .map(|i| at + i)
}

/// Known keys by their first byte (ASCII): positions in [`KEYS`] plus
/// one, in the list's order (most frequent first), 0 after the last.
const KEYS_BY_FIRST_BYTE: [[u8; 4]; 128] = {
    let mut table = [[0u8; 4]; 128];
    let mut i = 0;
    while i < KEYS.len() {
        let first = KEYS[i].as_bytes()[0] as usize;
        let mut j = 0;
        // More than four keys with one first byte fails the build here.
        while table[first][j] != 0 {
            j += 1;
        }
        table[first][j] = (i + 1) as u8;
        i += 1;
    }
    table
};

/// Each known key with its closing quote, as the little-endian number its
/// bytes make (zeros after), and the mask that keeps that many bytes: the
/// longest key and its quote fit in sixteen bytes (checked here too).
const KEY_PATTERNS: [u128; KEYS.len()] = key_words().0;
const KEY_MASKS: [u128; KEYS.len()] = key_words().1;

const fn key_words() -> ([u128; KEYS.len()], [u128; KEYS.len()]) {
    let mut patterns = [0u128; KEYS.len()];
    let mut masks = [0u128; KEYS.len()];
    let mut i = 0;
    while i < KEYS.len() {
        let key = KEYS[i].as_bytes();
        assert!(
            key.len() < 16,
            "a key and its quote must fit in sixteen bytes"
        );
        let mut j = 0;
        while j <= key.len() {
            let byte = if j < key.len() { key[j] } else { b'"' };
            patterns[i] |= (byte as u128) << (8 * j);
            masks[i] |= 0xff << (8 * j);
            j += 1;
        }
        i += 1;
    }
    (patterns, masks)
}

/// `rest`'s first sixteen bytes as one number, when it has that many: what
/// [`key_matches`] compares under each key's mask.
#[inline]
fn block_of(rest: &[u8]) -> Option<u128> {
    rest.get(..16)
        .map(|b| u128::from_le_bytes(b.try_into().expect("sixteen bytes")))
}

/// Whether known key `position`, with its closing quote, starts `rest`
/// (`block` being [`block_of`] it). At most one key can match at a place
/// (each is followed by its quote), so a guess that matches is what
/// [`known_key_at`] would have found.
#[inline]
fn key_matches(rest: &[u8], block: Option<u128>, position: usize) -> bool {
    match block {
        Some(block) => block & KEY_MASKS[position] == KEY_PATTERNS[position],
        None => {
            let key = KEYS[position].as_bytes();
            rest.get(key.len()) == Some(&b'"') && rest.starts_with(key)
        }
    }
}

/// Kinds of event the key order is remembered for (see [`NEXT_KEY`]).
const KINDS: usize = 16;
/// Where the previous key is not a known one (or there is none yet).
pub(super) const NO_KEY: usize = KEYS.len();

/// Which known key followed each one last time, per kind of event
/// (position plus one; 0 for none yet). A runner writes every event of a
/// kind with its keys in the same order, so this guesses right for nearly
/// every key after the first few lines, and one comparison replaces the
/// look-up by first byte and the walk over its candidates (a seventh of the
/// decoder's thread, most of it mispredicted branches). Only a guess: a
/// wrong one costs the look-up it saved, and threads decoding at once may
/// overwrite each other's guesses (relaxed atomics: plain loads and stores,
/// no thread-local look-up per key).
static NEXT_KEY: [[AtomicU8; NO_KEY + 1]; KINDS] =
    [const { [const { AtomicU8::new(0) }; NO_KEY + 1] }; KINDS];

/// [`known_key_at`], guessing first that the key is the one that followed
/// `previous` in the last event of kind `kind` (any number that tells kinds
/// apart: the length of its `type`).
#[inline]
pub(super) fn known_key_after(rest: &[u8], kind: usize, previous: usize) -> Option<(usize, usize)> {
    let slot = &NEXT_KEY[kind % KINDS][previous.min(NO_KEY)];
    let guess = usize::from(slot.load(Ordering::Relaxed));
    if guess != 0 && key_matches(rest, block_of(rest), guess - 1) {
        return Some((guess - 1, KEYS[guess - 1].len() + 1));
    }
    let found = known_key_at(rest);
    if let Some((position, _)) = found {
        // Positions fit in a byte: there are fewer than 255 keys.
        slot.store(position as u8 + 1, Ordering::Relaxed);
    }
    found
}

/// The key protocol v1 knows at the start of `rest` (just after its
/// opening quote) with its closing quote: its position in [`KEYS`] and the
/// bytes it takes. Keys are recognised in the input itself, by their first
/// byte and then sixteen bytes compared under a mask, rather than searched
/// for their end and compared with each known key in turn (most of a key's
/// cost).
#[inline]
pub(super) fn known_key_at(rest: &[u8]) -> Option<(usize, usize)> {
    let first = *rest.first()?;
    let candidates = KEYS_BY_FIRST_BYTE.get(usize::from(first))?;
    let block = block_of(rest);
    for &candidate in candidates.iter().take_while(|&&c| c != 0) {
        let position = usize::from(candidate - 1);
        if key_matches(rest, block, position) {
            return Some((position, KEYS[position].len() + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_every_key_and_only_those() {
        for (position, key) in KEYS.iter().enumerate() {
            // Near the end of the input (the byte-wise comparison) and far
            // from it (the masked one).
            for tail in ["", ":1234567890123456789}"] {
                let text = format!("{key}\"{tail}");
                assert_eq!(
                    known_key_at(text.as_bytes()),
                    Some((position, key.len() + 1)),
                    "{text}"
                );
                for other in [
                    format!("{key}s\"{tail}"),
                    format!("x{key}\"{tail}"),
                    format!("{}\"{tail}", &key[..key.len() - 1]),
                ] {
                    let found = known_key_at(other.as_bytes());
                    // Another key may start the same way ("ts", "type").
                    assert!(
                        found.is_none_or(|(p, len)| p != position
                            && len == KEYS[p].len() + 1
                            && other.as_bytes()[..len - 1] == *KEYS[p].as_bytes()),
                        "{other}: {found:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_guessed_key_is_found_as_the_look_up_finds_it() {
        let ts = KEYS.iter().position(|k| *k == "ts").expect("ts is known");
        let stage = KEYS
            .iter()
            .position(|k| *k == "stage")
            .expect("stage is known");
        // The guess is learnt from the key that followed, then tried first:
        // right, wrong, and for a key that is not known at all. Kind 7 is
        // one no real `type` has, so other tests' guesses do not meet these.
        for _ in 0..2 {
            for text in [
                "ts\":1",
                "stage\":\"prep\"",
                "stages\":1",
                "ts\":1234567890123456789",
            ] {
                assert_eq!(
                    known_key_after(text.as_bytes(), 7, ts),
                    known_key_at(text.as_bytes()),
                    "{text}"
                );
            }
        }
        assert_eq!(known_key_after(b"stage\":1", 7, stage), Some((stage, 6)));
        assert_eq!(known_key_after(b"ts\":1", 7, stage), Some((ts, 3)));
        assert_eq!(known_key_after(b"tsx\":1", 7, stage), None);
    }

    proptest::proptest! {
        /// The word-at-a-time search finds what a byte-at-a-time one does.
        #[test]
        fn string_end_finds_the_first_stop(bytes in proptest::collection::vec(
            proptest::prop_oneof![
                4 => 0x20u8..0x7f,
                1 => proptest::sample::select(vec![b'"', b'\\', 0, 0x1f, 0x20, 0x7f, 0x80, 0xff, b'!', b']']),
            ],
            0..70,
        )) {
            let slow = bytes.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20);
            proptest::prop_assert_eq!(string_end(&bytes), slow);
            proptest::prop_assert_eq!(string_end_by_words(&bytes), slow);
        }
    }
}
