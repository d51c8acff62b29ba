//! Sanitizing untrusted strings from the wire.
//!
//! Every string an event carries may end up on an operator's terminal, in a
//! report or in a log file, so it is cleaned exactly once, at decode time:
//! terminal escape sequences (CSI, OSC, DCS, …) are removed whole, other
//! C0/C1 control characters and DEL are dropped (tab, CR and LF become a
//! space so words stay apart), bidi override characters that can make text
//! display in a different order than it is stored are dropped, and the result
//! is capped in length on a character boundary.
//!
//! Escape sequences are recognised with `vte`, the parser behind Alacritty, so
//! that `ESC [ 31 m` disappears entirely instead of leaving `[31m` behind.

use std::borrow::Cow;

/// Longest identifier kept (correlation ids, stage names, nodes, …), in bytes.
pub const MAX_ID_BYTES: usize = 256;
/// Longest free-text field kept (log and error messages), in bytes.
pub const MAX_TEXT_BYTES: usize = 4096;

/// Cleans `s` and caps it at `max_bytes`. Borrows when nothing had to change,
/// which is the case for almost every string a healthy runner sends.
pub fn sanitize(s: Cow<'_, str>, max_bytes: usize) -> Cow<'_, str> {
    let clean = if is_plain(s.as_bytes()) {
        s
    } else {
        Cow::Owned(strip(&s))
    };
    truncate(clean, max_bytes)
}

/// Printable ASCII (0x20..0x7f) needs no further look: the fast path.
/// Written as the largest byte after a shift, which the compiler turns into
/// a few vector instructions, where "all bytes printable" was a branch per
/// byte (a string stops at its first odd byte, but almost none has one).
pub fn is_plain(bytes: &[u8]) -> bool {
    bytes.iter().map(|b| b.wrapping_sub(0x20)).fold(0, u8::max) < 0x7f - 0x20
}

/// The same, a byte at a time: the reference `is_plain` is tested against.
#[cfg(test)]
fn is_plain_byte(b: u8) -> bool {
    (0x20..0x7f).contains(&b)
}

fn strip(s: &str) -> String {
    struct Printable(String);
    impl vte::Perform for Printable {
        fn print(&mut self, c: char) {
            if !is_hidden_char(c) {
                self.0.push(c);
            }
        }
        fn execute(&mut self, byte: u8) {
            if matches!(byte, b'\t' | b'\n' | b'\r') && !self.0.ends_with(' ') {
                self.0.push(' ');
            }
        }
    }
    let mut out = Printable(String::with_capacity(s.len()));
    let mut parser = vte::Parser::new();
    parser.advance(&mut out, s.as_bytes());
    out.0
}

/// Control characters that `vte` passes through as printable (C1 controls
/// written as UTF-8, DEL) and the bidi embedding/override/isolate characters.
fn is_hidden_char(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Caps `s` at `max_bytes` on a character boundary: all that a string
/// known to be printable ASCII ([`is_plain`]) needs of [`sanitize`].
pub fn truncate(s: Cow<'_, str>, max_bytes: usize) -> Cow<'_, str> {
    if s.len() <= max_bytes {
        return s;
    }
    let mut end = max_bytes;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    match s {
        Cow::Borrowed(b) => Cow::Borrowed(&b[..end]),
        Cow::Owned(mut o) => {
            o.truncate(end);
            Cow::Owned(o)
        }
    }
}

/// True when `s` holds nothing `sanitize` would remove: used by tests and
/// debug assertions downstream.
pub fn is_clean(s: &str) -> bool {
    !s.chars().any(|c| is_hidden_char(c) || c == '\u{1b}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(s: &str) -> String {
        sanitize(Cow::Borrowed(s), MAX_TEXT_BYTES).into_owned()
    }

    #[test]
    fn plain_is_printable_ascii_throughout() {
        for b in 0..=255u8 {
            for at in 0..40 {
                let mut bytes = vec![b'a'; 40];
                bytes[at] = b;
                assert_eq!(is_plain(&bytes), is_plain_byte(b), "{b:#x} at {at}");
            }
        }
        assert!(is_plain(b""));
    }

    #[test]
    fn plain_ascii_is_borrowed() {
        assert!(matches!(
            sanitize(Cow::Borrowed("exec_123"), MAX_ID_BYTES),
            Cow::Borrowed("exec_123")
        ));
    }

    #[test]
    fn removes_whole_escape_sequences() {
        assert_eq!(clean("\u{1b}[31mred\u{1b}[0m"), "red");
        assert_eq!(clean("a\u{1b}]0;pwned title\u{7}b"), "ab");
        assert_eq!(clean("x\u{1b}]52;c;ZXZpbA==\u{1b}\\y"), "xy");
        assert_eq!(clean("\u{1b}P1$qm\u{1b}\\ok"), "ok");
    }

    #[test]
    fn drops_controls_and_bidi_but_keeps_unicode_text() {
        assert_eq!(clean("a\u{0}b\u{7}c\u{7f}d\u{85}e\u{9b}f"), "abcdef");
        assert_eq!(clean("user\u{202E}gnp.exe"), "usergnp.exe");
        assert_eq!(clean("\u{2066}x\u{2069}"), "x");
        assert_eq!(clean("héllo — 日本"), "héllo — 日本");
    }

    #[test]
    fn whitespace_controls_become_one_space() {
        assert_eq!(clean("line one\r\nline two\tend"), "line one line two end");
    }

    #[test]
    fn caps_length_on_a_char_boundary() {
        let s = "é".repeat(300);
        let out = sanitize(Cow::Borrowed(&s), MAX_ID_BYTES);
        assert!(out.len() <= MAX_ID_BYTES);
        assert_eq!(out.len(), 256);
        let s = "ab".repeat(200);
        assert_eq!(sanitize(Cow::Owned(s), 5), "ababa");
    }

    #[test]
    fn result_is_always_clean() {
        let nasty = "\u{1b}[2J\u{1b}[H\u{1b}]8;;http://x\u{7}link\u{1b}]8;;\u{7}\u{9d}\u{202B}";
        let out = clean(nasty);
        assert!(is_clean(&out), "{out:?}");
        assert_eq!(out, "link");
    }
}
