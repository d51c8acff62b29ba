//! Recording a live session as NDJSON (`--record FILE`): each received event
//! becomes one protocol-v1 line, batches split, so that a recording can be
//! read back by `runtop report` (and replayed) exactly as it arrived.
//!
//! The file is opened for appending, never truncated, and created with mode
//! 0600 (runner events can name projects and hosts); lines are flushed at
//! least once a second. Only event payloads are written: never the
//! handshake's headers.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::value::RawValue;

const FLUSH_EVERY: Duration = Duration::from_secs(1);

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
    out: BufWriter<File>,
    last_flush: Instant,
    /// The first write error: recording stops there and the end says so.
    error: Option<io::Error>,
    pub lines: u64,
}

impl Recorder {
    /// Opens `path` for recording, or says in one line why it cannot be.
    pub fn create(path: &Path) -> Result<Recorder, String> {
        let shown = path.display();
        if path.is_dir() {
            return Err(format!("cannot record to {shown}: it is a directory"));
        }
        let mut options = OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options
            .open(path)
            .map_err(|e| format!("cannot record to {shown}: {e}"))?;
        Ok(Recorder {
            path: path.to_path_buf(),
            out: BufWriter::with_capacity(256 << 10, file),
            last_flush: Instant::now(),
            error: None,
            lines: 0,
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
        if self.error.is_some() {
            return;
        }
        // In valid JSON a raw line break can only be whitespace between
        // tokens, so a space keeps the meaning and the one-line framing.
        let result = if line.contains(['\n', '\r']) {
            self.out
                .write_all(line.replace(['\n', '\r'], " ").as_bytes())
        } else {
            self.out.write_all(line.as_bytes())
        };
        match result.and_then(|()| self.out.write_all(b"\n")) {
            Ok(()) => self.lines += 1,
            Err(e) => self.error = Some(e),
        }
    }

    pub fn flush_if_due(&mut self) {
        if self.last_flush.elapsed() >= FLUSH_EVERY {
            self.last_flush = Instant::now();
            if let Err(e) = self.out.flush()
                && self.error.is_none()
            {
                self.error = Some(e);
            }
        }
    }

    pub fn finish(mut self) -> Result<(), String> {
        let flushed = self.out.flush();
        match self.error.take().map_or(flushed, Err) {
            Ok(()) => Ok(()),
            Err(e) => Err(format!("recording to {} failed: {e}", self.path.display())),
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
                .contains("is a directory")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
