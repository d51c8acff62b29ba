//! Reading NDJSON (one event, or one batch, per line) from a file or stdin
//! into the engine, streaming: memory use does not depend on the input's
//! size, and a line longer than the limit is skipped without being held.
//!
//! Reading a file is a two-stage pipeline, because decoding and ingesting
//! cost about the same and a runner host has more than one core: a decoder
//! thread reads lines into chunks and decodes them, and the caller's thread
//! applies each decoded chunk to the engine, in order. A bounded queue
//! between them keeps memory flat whatever the file size.

mod lines;

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::time::Duration;

use crate::engine::{Engine, Origin};
use crate::protocol::{Decoded, Invalid, InvalidKind, Millis, decode_frame};
use lines::{Chunk, ChunkReader, READ_AT_LEAST};
pub use lines::{Line, LineReader};

/// Longest line read by default: the same 1 MiB as a live message.
pub const DEFAULT_MAX_LINE_BYTES: usize = 1 << 20;
const READ_BUFFER_BYTES: usize = READ_AT_LEAST;

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

/// What a chunk's lines decoded to, each with its line number.
type Items<'a> = Vec<(u64, Decoded<'a>)>;

self_cell::self_cell!(
    /// A chunk of lines together with the events decoded from it, which
    /// borrow their strings from it, so they can travel to the engine's
    /// thread without being copied.
    struct DecodedChunk {
        owner: Chunk,
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

/// How many members ahead the decoded members themselves are asked for:
/// the decoder's core wrote them, so each is a miss on this one the first
/// time it is read (by [`Sink::ahead`], then by the engine).
const FETCH_AHEAD: usize = 12;

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
    reader: impl Read + Send,
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
    reader: impl Read + Send,
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
                if let Some(further) = items.get(i + FETCH_AHEAD) {
                    crate::prefetch::whole(further);
                }
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
    reader: impl Read,
    max_line_bytes: usize,
    tx: &SyncSender<DecodedChunk>,
    recycled: &Receiver<DecodedChunk>,
) -> io::Result<()> {
    let mut reader = ChunkReader::new(reader, max_line_bytes);
    loop {
        let mut chunk = match recycled.try_recv() {
            Ok(spent) => spent.into_owner(),
            Err(_) => Chunk::default(),
        };
        let more = reader.fill(&mut chunk, CHUNK_BYTES)?;
        if !chunk.lines.is_empty() && tx.send(decode(chunk, max_line_bytes)).is_err() {
            return Ok(());
        }
        if !more {
            return Ok(());
        }
    }
}

fn decode(chunk: Chunk, max_line_bytes: usize) -> DecodedChunk {
    DecodedChunk::new(chunk, |chunk| {
        let mut items = Vec::with_capacity(chunk.lines.len());
        for (n, range) in &chunk.lines {
            match range {
                Some(range) => decode_frame(&chunk.bytes[range.clone()], |d| items.push((*n, d))),
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
