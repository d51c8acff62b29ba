//! Splitting input into lines: one at a time for the TUI's paced replay
//! ([`LineReader`]), or a chunk of whole lines at a time for the decoder
//! thread ([`ChunkReader`]). Both number lines from 1, strip `\n` and `\r\n`,
//! and skip a line longer than the limit without holding it.

use std::io::{self, BufRead, Read};
use std::ops::Range;

/// One line of input.
#[derive(Debug, PartialEq, Eq)]
pub enum Line<'a> {
    /// Its bytes, without the line ending.
    Text(&'a [u8]),
    /// Longer than the limit; skipped.
    Oversized,
}

/// Splits a reader into lines of at most `max_line_bytes`.
pub struct LineReader<R> {
    inner: R,
    buf: Vec<u8>,
    line_no: u64,
    max_line_bytes: usize,
}

impl<R: BufRead> LineReader<R> {
    pub fn new(inner: R, max_line_bytes: usize) -> Self {
        LineReader {
            inner,
            buf: Vec::new(),
            line_no: 0,
            max_line_bytes,
        }
    }

    /// The next line and its 1-based number, or `None` at the end.
    pub fn next_line(&mut self) -> io::Result<Option<(u64, Line<'_>)>> {
        self.buf.clear();
        let limit = self.max_line_bytes as u64 + 1;
        let n = (&mut self.inner)
            .take(limit)
            .read_until(b'\n', &mut self.buf)?;
        if n == 0 {
            return Ok(None);
        }
        self.line_no += 1;
        if self.buf.last() == Some(&b'\n') {
            self.buf.pop();
        } else if self.buf.len() > self.max_line_bytes {
            self.skip_rest_of_line()?;
            return Ok(Some((self.line_no, Line::Oversized)));
        }
        if self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        Ok(Some((self.line_no, Line::Text(&self.buf))))
    }

    fn skip_rest_of_line(&mut self) -> io::Result<()> {
        loop {
            let chunk = match self.inner.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                return Ok(());
            }
            match chunk.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    self.inner.consume(i + 1);
                    return Ok(());
                }
                None => {
                    let len = chunk.len();
                    self.inner.consume(len);
                }
            }
        }
    }
}

/// A chunk of whole input lines: the bytes as read, and where each line is.
/// Empty until [`ChunkReader::fill`] sizes it.
#[derive(Default)]
pub(super) struct Chunk {
    /// Read into in place: its length is its capacity, zeroed once when it
    /// was sized, so a recycled chunk is refilled without clearing it.
    pub bytes: Vec<u8>,
    /// Each line's number and range in `bytes`, without its ending; `None`
    /// for a line longer than the limit. Blank lines are left out.
    pub lines: Vec<(u64, Option<Range<usize>>)>,
}

/// The least asked of the reader at once. [`super::open`]'s buffer is no
/// larger, so that a read this size goes straight to the file and lands
/// in the chunk, rather than being copied through the buffer.
pub(super) const READ_AT_LEAST: usize = 64 << 10;

/// Reads whole lines into chunks, straight from the reader into the chunk's
/// buffer: the bytes are copied once (by the kernel), not a second time
/// line by line. The line a chunk ends inside is moved to the next one.
pub(super) struct ChunkReader<R> {
    inner: R,
    max_line_bytes: usize,
    line_no: u64,
    /// The start of the line the last chunk ended inside.
    carry: Vec<u8>,
    /// Inside a line longer than the limit: its bytes are dropped as they
    /// are read, up to its end.
    skipping: bool,
    ended: bool,
}

impl<R: Read> ChunkReader<R> {
    pub fn new(inner: R, max_line_bytes: usize) -> Self {
        ChunkReader {
            inner,
            max_line_bytes,
            line_no: 0,
            carry: Vec::new(),
            skipping: false,
            ended: false,
        }
    }

    /// Fills `chunk` with the next whole lines, `target` bytes or a little
    /// more of them (fewer at the end). `Ok(false)` once the input has
    /// ended: the chunk then holds its last lines, if any.
    pub fn fill(&mut self, chunk: &mut Chunk, target: usize) -> io::Result<bool> {
        let Chunk { bytes, lines } = chunk;
        lines.clear();
        let need = self.carry.len() + READ_AT_LEAST;
        if bytes.len() < need {
            bytes.resize(need.max(target + READ_AT_LEAST), 0);
        }
        let mut len = self.carry.len();
        bytes[..len].copy_from_slice(&self.carry);
        self.carry.clear();
        // The start of the line being read, and how far line ends are known.
        let mut line_start = 0;
        let mut scanned = len;
        loop {
            if self.skipping {
                // What was read of the long line is dropped; what follows
                // its end, if read, moves to where the line began.
                match memchr::memchr(b'\n', &bytes[line_start..len]) {
                    Some(i) => {
                        bytes.copy_within(line_start + i + 1..len, line_start);
                        len -= i + 1;
                        self.skipping = false;
                    }
                    None => len = line_start,
                }
                scanned = line_start;
            }
            for i in memchr::memchr_iter(b'\n', &bytes[scanned..len]) {
                let end = scanned + i;
                self.end_line(bytes, lines, line_start..end);
                line_start = end + 1;
            }
            scanned = len;
            if !self.skipping && len - line_start > self.max_line_bytes {
                // Too long already: counted now, and skipped to its end.
                self.line_no += 1;
                lines.push((self.line_no, None));
                self.skipping = true;
                len = line_start;
                scanned = len;
            }
            if self.ended {
                if len > line_start {
                    self.end_line(bytes, lines, line_start..len);
                }
                return Ok(false);
            }
            if len >= target && line_start > 0 {
                self.carry.extend_from_slice(&bytes[line_start..len]);
                return Ok(true);
            }
            if bytes.len() - len < READ_AT_LEAST {
                // Only a line longer than a chunk gets here.
                bytes.resize(len + READ_AT_LEAST, 0);
            }
            match self.inner.read(&mut bytes[len..]) {
                Ok(0) => self.ended = true,
                Ok(n) => len += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Numbers the line at `range` of the chunk and notes it, unless blank.
    fn end_line(
        &mut self,
        bytes: &[u8],
        lines: &mut Vec<(u64, Option<Range<usize>>)>,
        range: Range<usize>,
    ) {
        self.line_no += 1;
        if range.len() > self.max_line_bytes {
            lines.push((self.line_no, None));
            return;
        }
        let mut end = range.end;
        if end > range.start && bytes[end - 1] == b'\r' {
            end -= 1;
        }
        let line = range.start..end;
        if !bytes[line.clone()].iter().all(u8::is_ascii_whitespace) {
            lines.push((self.line_no, Some(line)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Just;
    use std::io::BufReader;

    fn lines(input: &[u8], max: usize) -> Vec<(u64, Result<String, ()>)> {
        let mut r = LineReader::new(BufReader::with_capacity(4, input), max);
        let mut out = Vec::new();
        while let Some((n, line)) = r.next_line().unwrap() {
            out.push((
                n,
                match line {
                    Line::Text(b) => Ok(String::from_utf8_lossy(b).into_owned()),
                    Line::Oversized => Err(()),
                },
            ));
        }
        out
    }

    /// A reader that hands out at most `step` bytes a call.
    struct Trickle<'a> {
        bytes: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.bytes.len());
            buf[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    /// Every non-blank line, as the chunk reader finds it.
    fn chunked(
        input: &[u8],
        max: usize,
        step: usize,
        target: usize,
    ) -> Vec<(u64, Result<String, ()>)> {
        let mut r = ChunkReader::new(Trickle { bytes: input, step }, max);
        let mut chunk = Chunk::default();
        let mut out = Vec::new();
        loop {
            let more = r.fill(&mut chunk, target).unwrap();
            for (n, range) in &chunk.lines {
                let line = range
                    .clone()
                    .map(|r| String::from_utf8_lossy(&chunk.bytes[r]).into_owned());
                out.push((*n, line.ok_or(())));
            }
            if !more {
                return out;
            }
        }
    }

    fn non_blank(lines: Vec<(u64, Result<String, ()>)>) -> Vec<(u64, Result<String, ()>)> {
        lines
            .into_iter()
            .filter(|(_, l)| !matches!(l, Ok(l) if l.bytes().all(|b| b.is_ascii_whitespace())))
            .collect()
    }

    #[test]
    fn chunks_hold_the_lines_next_line_reads() {
        for (input, max) in [
            (&b"a\r\nbb\n\nccc"[..], 10),
            (b"short\nmuch too long a line\nok\r\n", 8),
            (b"\r\n\n x \n", 3),
            (b"exactly8\nexactly89\n", 8),
            (b"12345\n1234567890123\nok\n123456", 5),
            (b"no end, too long", 4),
        ] {
            for step in [1, 2, 3, 7, 1000] {
                for target in [1, 4, 9, 64] {
                    assert_eq!(
                        chunked(input, max, step, target),
                        non_blank(lines(input, max)),
                        "{input:?} max {max} step {step} target {target}"
                    );
                }
            }
        }
    }

    proptest::proptest! {
        /// Any input, read in any pieces into chunks of any size, gives the
        /// lines a line-at-a-time reader gives.
        #[test]
        fn chunks_agree_with_lines_on_any_input(
            input in proptest::collection::vec(
                proptest::prop_oneof![Just(b'\n'), Just(b'\r'), Just(b' '), Just(b'x'), Just(b'y')],
                0..200,
            ),
            max in 1usize..20,
            step in 1usize..40,
            target in 1usize..50,
        ) {
            proptest::prop_assert_eq!(chunked(&input, max, step, target), non_blank(lines(&input, max)));
        }
    }

    #[test]
    fn splits_lines_and_strips_endings() {
        assert_eq!(
            lines(b"a\r\nbb\n\nccc", 10),
            [
                (1, Ok("a".into())),
                (2, Ok("bb".into())),
                (3, Ok("".into())),
                (4, Ok("ccc".into()))
            ]
        );
    }

    #[test]
    fn oversized_lines_are_skipped_and_numbering_continues() {
        assert_eq!(
            lines(b"12345\n1234567890123\nok\n123456", 5),
            [
                (1, Ok("12345".into())),
                (2, Err(())),
                (3, Ok("ok".into())),
                (4, Err(()))
            ]
        );
    }
}
