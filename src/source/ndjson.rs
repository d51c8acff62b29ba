//! Reading NDJSON (one event, or one batch, per line) from a file or stdin
//! into the engine, streaming: memory use does not depend on the input's
//! size, and a line longer than the limit is skipped without being held.
//!
//! Reading a file is a two-stage pipeline, because decoding and ingesting
//! cost about the same and a runner host has more than one core: a decoder
//! thread reads lines into chunks and decodes them, and the caller's thread
//! applies each decoded chunk to the engine, in order. A bounded queue
//! between them keeps memory flat whatever the file size.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::time::Duration;

use crate::engine::{Engine, Origin};
use crate::protocol::{Decoded, Invalid, InvalidKind, Millis, decode_frame};

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

    /// The next line appended to `out` (without its ending), as its 1-based
    /// number and its range in `out`, or `None` for a line past the limit
    /// (then nothing is appended); `None` at the end. Reading straight into
    /// the caller's buffer saves copying every line twice, and the line's
    /// end is found with `memchr`'s vectorised search (the standard
    /// library's `read_until` looks a word at a time).
    pub fn append_line(
        &mut self,
        out: &mut Vec<u8>,
    ) -> io::Result<Option<(u64, Option<std::ops::Range<usize>>)>> {
        let start = out.len();
        // At most one byte past the limit is read, to tell the line is over.
        let limit = self.max_line_bytes + 1;
        loop {
            let chunk = match self.inner.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            let room = limit - (out.len() - start);
            let chunk = &chunk[..chunk.len().min(room)];
            if chunk.is_empty() {
                break; // the end of the input, or of what the limit allows
            }
            let (taken, ended) = match memchr::memchr(b'\n', chunk) {
                Some(i) => (i + 1, true),
                None => (chunk.len(), false),
            };
            out.extend_from_slice(&chunk[..taken]);
            self.inner.consume(taken);
            if ended {
                break;
            }
        }
        if out.len() == start {
            return Ok(None);
        }
        self.line_no += 1;
        if out.last() == Some(&b'\n') {
            out.pop();
        } else if out.len() - start > self.max_line_bytes {
            out.truncate(start);
            self.skip_rest_of_line()?;
            return Ok(Some((self.line_no, None)));
        }
        if out.len() > start && out.last() == Some(&b'\r') {
            out.pop();
        }
        Ok(Some((self.line_no, Some(start..out.len()))))
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
pub fn open(path: &str) -> io::Result<Box<dyn BufRead + Send>> {
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

/// Input bytes of one chunk handed from the decoder thread to the engine.
const CHUNK_BYTES: usize = 256 << 10;
/// Chunks decoded ahead of the engine: bounds memory, keeps both busy.
const CHUNKS_IN_FLIGHT: usize = 4;

/// A chunk of input lines, and each line's number.
struct Lines {
    bytes: Vec<u8>,
    /// Line number and byte range in `bytes`; `None` for an oversized line.
    lines: Vec<(u64, Option<std::ops::Range<usize>>)>,
}

/// What a chunk's lines decoded to, each with its line number.
type Items<'a> = Vec<(u64, Decoded<'a>)>;

self_cell::self_cell!(
    /// A chunk of lines together with the events decoded from it, which
    /// borrow their strings from it, so they can travel to the engine's
    /// thread without being copied.
    struct DecodedChunk {
        owner: Lines,
        #[covariant]
        dependent: Items,
    }
);

/// What [`read_all`] hands each decoded member to.
pub trait Sink {
    /// One member, in the input's order, with the line it came from.
    fn apply(&mut self, decoded: &Decoded<'_>, origin: Origin);

    /// A member that [`Sink::apply`] will be given a few calls from now: the
    /// time to ask for the memory it will touch ([`Engine::prefetch`]), so
    /// that it is in cache when it is applied.
    fn ahead(&mut self, _decoded: &Decoded<'_>) {}
}

impl<F: FnMut(&Decoded<'_>, Origin)> Sink for F {
    fn apply(&mut self, decoded: &Decoded<'_>, origin: Origin) {
        self(decoded, origin)
    }
}

/// How many members ahead of the one applied [`Sink::ahead`] is told of:
/// enough for memory to answer (a few hundred nanoseconds) while the ones
/// in between are applied, few enough that what it brought is not evicted.
const AHEAD: usize = 4;

/// An engine fed straight from a file.
struct EngineSink<'e> {
    engine: &'e mut Engine,
    received_at: Millis,
}

impl Sink for EngineSink<'_> {
    fn apply(&mut self, decoded: &Decoded<'_>, origin: Origin) {
        self.engine.apply_decoded(decoded, self.received_at, origin);
    }

    fn ahead(&mut self, decoded: &Decoded<'_>) {
        self.engine.prefetch(decoded);
    }
}

/// Feeds every line of `reader` to `engine`, as received at `received_at`,
/// and decides its held events at the end. Blank lines are skipped;
/// malformed ones are counted by the engine. Reading stops early, with
/// `Ok(false)`, when a signal asks runtop to stop ([`crate::signals`]);
/// `Ok(true)` means all was read.
pub fn feed_all(
    reader: impl BufRead + Send,
    engine: &mut Engine,
    received_at: Millis,
    max_line_bytes: usize,
) -> io::Result<bool> {
    let read_all = read_all(
        reader,
        max_line_bytes,
        &mut EngineSink {
            engine: &mut *engine,
            received_at,
        },
    )?;
    engine.decide_held();
    Ok(read_all)
}

/// Reads every line of `reader`, decoded, into `sink` in order (with the
/// line it came from): the pipeline behind [`feed_all`], for callers that
/// do more per event (the monitor evaluates its rules as time passes).
pub fn read_all(
    reader: impl BufRead + Send,
    max_line_bytes: usize,
    sink: &mut dyn Sink,
) -> io::Result<bool> {
    std::thread::scope(|scope| {
        let (tx, rx) = sync_channel(CHUNKS_IN_FLIGHT);
        // Spent chunks go back to the decoder, which frees their events and
        // refills their buffers: the large buffers are allocated once, not
        // once per chunk on one thread and freed on the other, and freeing
        // the events is work taken off the engine's thread.
        let (give_back, recycled) = sync_channel(CHUNKS_IN_FLIGHT + 2);
        let decoder = std::thread::Builder::new()
            .name("runtop-decode".into())
            .spawn_scoped(scope, move || {
                decode_chunks(reader, max_line_bytes, &tx, &recycled)
            })?;
        // Waits are short so that a signal is seen while a pipe is quiet.
        let read_all = loop {
            if crate::signals::stop_requested() {
                break false;
            }
            let chunk: DecodedChunk = match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(chunk) => chunk,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => break true,
            };
            let items = chunk.borrow_dependent();
            for (i, (line, decoded)) in items.iter().enumerate() {
                if let Some((_, later)) = items.get(i + AHEAD) {
                    sink.ahead(later);
                }
                sink.apply(decoded, Origin::line(*line));
            }
            let _ = give_back.try_send(chunk);
        };
        // Dropping the receiver stops the decoder at its next chunk.
        drop(rx);
        decoder
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        Ok(read_all)
    })
}

/// The decoder thread: reads lines into chunks, decodes them, and sends them
/// on. Stops early if the engine's side has gone.
fn decode_chunks(
    reader: impl BufRead,
    max_line_bytes: usize,
    tx: &SyncSender<DecodedChunk>,
    recycled: &Receiver<DecodedChunk>,
) -> io::Result<()> {
    let fresh = || match recycled.try_recv().map(DecodedChunk::into_owner) {
        Ok(mut lines) => {
            lines.bytes.clear();
            lines.lines.clear();
            lines
        }
        Err(_) => Lines {
            bytes: Vec::with_capacity(CHUNK_BYTES + 4096),
            lines: Vec::new(),
        },
    };
    let mut lines = LineReader::new(reader, max_line_bytes);
    let mut chunk = fresh();
    loop {
        let next = lines.append_line(&mut chunk.bytes)?;
        match &next {
            Some((_, Some(range)))
                if chunk.bytes[range.clone()]
                    .iter()
                    .all(u8::is_ascii_whitespace) =>
            {
                chunk.bytes.truncate(range.start);
            }
            Some((n, range)) => chunk.lines.push((*n, range.clone())),
            None => {}
        }
        if (next.is_none() && !chunk.lines.is_empty()) || chunk.bytes.len() >= CHUNK_BYTES {
            let full = std::mem::replace(&mut chunk, fresh());
            if tx.send(decode(full, max_line_bytes)).is_err() {
                return Ok(());
            }
        }
        if next.is_none() {
            return Ok(());
        }
    }
}

fn decode(lines: Lines, max_line_bytes: usize) -> DecodedChunk {
    DecodedChunk::new(lines, |lines| {
        let mut items = Vec::with_capacity(lines.lines.len());
        for (n, range) in &lines.lines {
            match range {
                Some(range) => decode_frame(&lines.bytes[range.clone()], |d| items.push((*n, d))),
                None => items.push((*n, Decoded::Invalid(oversized(max_line_bytes)))),
            }
        }
        items
    })
}

fn oversized(max_line_bytes: usize) -> Invalid {
    Invalid::new(
        InvalidKind::Oversized,
        format!("line longer than {max_line_bytes} bytes"),
    )
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
    fn appending_lines_reads_what_next_line_reads() {
        for (input, max) in [
            (&b"a\r\nbb\n\nccc"[..], 10),
            (b"short\nmuch too long a line\nok\r\n", 8),
            (b"\r\n\n x \n", 3),
            (b"exactly8\nexactly89\n", 8),
        ] {
            let mut r = LineReader::new(BufReader::with_capacity(4, input), max);
            let mut out = b"kept".to_vec();
            let mut appended = Vec::new();
            while let Some((n, range)) = r.append_line(&mut out).unwrap() {
                appended.push((
                    n,
                    range
                        .map(|r| String::from_utf8_lossy(&out[r]).into_owned())
                        .ok_or(()),
                ));
            }
            assert_eq!(appended, lines(input, max), "{input:?} {max}");
            assert!(out.starts_with(b"kept"));
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
