//! Reading NDJSON (one event, or one batch, per line) from a file or stdin
//! into the engine, streaming: memory use does not depend on the input's
//! size, and a line longer than the limit is skipped without being held.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use crate::engine::{Engine, Origin};
use crate::protocol::{Invalid, InvalidKind, Millis};

/// Longest line read by default: the same 1 MiB as a live message.
pub const DEFAULT_MAX_LINE_BYTES: usize = 1 << 20;
const READ_BUFFER_BYTES: usize = 1 << 20;

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

/// Opens `path` for reading, or stdin for `-`, with a clear error for a
/// missing file, a directory or no permission.
pub fn open(path: &str) -> io::Result<Box<dyn BufRead>> {
    if path == "-" {
        return Ok(Box::new(BufReader::with_capacity(
            READ_BUFFER_BYTES,
            io::stdin(),
        )));
    }
    if Path::new(path).is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "is a directory",
        ));
    }
    let file = File::open(path)?;
    Ok(Box::new(BufReader::with_capacity(READ_BUFFER_BYTES, file)))
}

/// Feeds every line of `reader` to `engine`, as received at `received_at`.
/// Blank lines are skipped; malformed ones are counted by the engine.
pub fn feed_all(
    reader: impl BufRead,
    engine: &mut Engine,
    received_at: Millis,
    max_line_bytes: usize,
) -> io::Result<()> {
    let mut lines = LineReader::new(reader, max_line_bytes);
    while let Some((line_no, line)) = lines.next_line()? {
        let origin = Origin::line(line_no);
        match line {
            Line::Text(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => {}
            Line::Text(bytes) => engine.feed(bytes, received_at, origin),
            Line::Oversized => engine.reject(
                Invalid::new(
                    InvalidKind::Oversized,
                    format!("line longer than {max_line_bytes} bytes"),
                ),
                origin,
            ),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
