//! Recording a live session as NDJSON (`--record FILE`): each received event
//! becomes one protocol-v1 line, batches split, so that a recording can be
//! read back by `runtop report` (and replayed) exactly as it arrived.
//!
//! The file is opened for appending, never truncated, created with mode 0600
//! (runner events can name projects and hosts) and never through a symbolic
//! link; lines are flushed at least once a second. Only event payloads are
//! written: never the handshake's headers.
//!
//! When a write fails (a full disk), recording stops there, the file is cut
//! back to its last whole line, and `finish` says where it stopped: a
//! recording is never left with half a line at its end.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::value::RawValue;

use crate::files::{WriteMode, create_private};

const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// Why a recording could not start, or where it stopped.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("cannot record to {}: {error}", path.display())]
    Open { path: PathBuf, error: io::Error },
    #[error(
        "recording to {} failed: {error}; it holds the first {lines} events of this run, \
         ending with a whole line",
        path.display()
    )]
    Stopped {
        path: PathBuf,
        error: io::Error,
        lines: u64,
    },
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("path", &self.path)
            .field("lines", &self.lines)
            .finish()
    }
}

pub struct Recorder {
    path: PathBuf,
    /// `None` once a write failed.
    out: Option<BufWriter<File>>,
    last_flush: Instant,
    /// The first write error: recording stops there and the end says so.
    error: Option<io::Error>,
    /// Lines handed to the buffer.
    pub lines: u64,
    /// The file's length and line count as of the last flush that wrote
    /// everything: the end of the last whole line known to be on disk.
    flushed_len: u64,
    flushed_lines: u64,
    /// Bytes handed to the buffer since that flush.
    pending_len: u64,
}

impl Recorder {
    /// Opens `path` for recording, or says in one line why it cannot be.
    pub fn create(path: &Path) -> Result<Recorder, RecordError> {
        let file = create_private(path, WriteMode::Append).map_err(|error| RecordError::Open {
            path: path.to_path_buf(),
            error,
        })?;
        let flushed_len = file.metadata().map_or(0, |m| m.len());
        Ok(Recorder {
            path: path.to_path_buf(),
            out: Some(BufWriter::with_capacity(256 << 10, file)),
            last_flush: Instant::now(),
            error: None,
            lines: 0,
            flushed_len,
            flushed_lines: 0,
            pending_len: 0,
        })
    }

    /// Records one received text frame: a batch as one line per member.
    pub fn record_frame(&mut self, text: &str) {
        if text.trim_start().starts_with('[')
            && let Ok(members) = serde_json::from_str::<Vec<&RawValue>>(text)
        {
            for member in members {
                self.write_line(member.get());
            }
            return;
        }
        // One event, or something that is not JSON: kept as it came, so that
        // reading the recording counts it the same way.
        self.write_line(text);
    }

    fn write_line(&mut self, line: &str) {
        let Some(out) = self.out.as_mut() else { return };
        // In valid JSON a raw line break can only be whitespace between
        // tokens, so a space keeps the meaning and the one-line framing.
        let result = if line.contains(['\n', '\r']) {
            out.write_all(line.replace(['\n', '\r'], " ").as_bytes())
        } else {
            out.write_all(line.as_bytes())
        };
        match result.and_then(|()| out.write_all(b"\n")) {
            Ok(()) => {
                self.lines += 1;
                self.pending_len += line.len() as u64 + 1;
            }
            Err(e) => self.fail(e),
        }
    }

    pub fn flush_if_due(&mut self) {
        if self.last_flush.elapsed() >= FLUSH_EVERY {
            self.last_flush = Instant::now();
            self.flush();
        }
    }

    fn flush(&mut self) {
        let Some(out) = self.out.as_mut() else { return };
        match out.flush() {
            Ok(()) => {
                self.flushed_len += self.pending_len;
                self.flushed_lines = self.lines;
                self.pending_len = 0;
            }
            Err(e) => self.fail(e),
        }
    }

    /// Stops recording at the first error, cutting the file back to its last
    /// whole line (some of the buffer may have reached the disk).
    fn fail(&mut self, e: io::Error) {
        // What is still buffered is dropped, not flushed (a flush on drop
        // would write part of it again).
        if let Some(out) = self.out.take() {
            let (file, _unwritten) = out.into_parts();
            if file.metadata().is_ok_and(|m| m.is_file()) {
                let _ = file.set_len(self.flushed_len);
            }
            tracing::error!(path = %self.path.display(), error = %e, "recording failed");
            self.error = Some(e);
        }
    }

    /// Flushes, and says what went wrong and where, if anything did.
    pub fn finish(mut self) -> Result<(), RecordError> {
        self.flush();
        match self.error.take() {
            None => Ok(()),
            Some(error) => Err(RecordError::Stopped {
                path: self.path,
                error,
                lines: self.flushed_lines,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_are_split_and_files_appended_with_mode_0600() {
        let dir = std::env::temp_dir().join(format!("runtop-rec-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("session.ndjson");
        let mut r = Recorder::create(&path).unwrap();
        r.record_frame(
            r#"[{"type":"log","n":1},
            {"type":"log","n":2}]"#,
        );
        r.record_frame("{\"type\":\"log\",\n\"n\":3}");
        r.finish().unwrap();
        let mut r = Recorder::create(&path).unwrap();
        r.record_frame("not json");
        r.finish().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text.lines().collect::<Vec<_>>(),
            [
                r#"{"type":"log","n":1}"#,
                r#"{"type":"log","n":2}"#,
                r#"{"type":"log", "n":3}"#,
                "not json"
            ]
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        assert!(
            Recorder::create(&dir)
                .unwrap_err()
                .to_string()
                .contains("is a directory")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
