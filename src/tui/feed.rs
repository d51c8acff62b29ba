//! Feeding the model: from live sources (through the same links and sink
//! as `report`), or from a recorded file paced by its timestamps.

use std::io::BufRead;
use std::time::{Duration, Instant};

use tokio::sync::mpsc::Receiver;

use super::model::Model;
use super::run::Feed;
use crate::engine::Origin;
use crate::protocol::time::wall_clock_now;
use crate::protocol::{Invalid, InvalidKind, Millis, decode_frame};
use crate::source::live::{Delivery, LiveSink};
use crate::source::ndjson::{Line, LineReader};

pub struct LiveFeed {
    pub deliveries: Receiver<Delivery>,
    pub sink: LiveSink,
}

impl Feed for LiveFeed {
    fn pump(&mut self, model: &mut Model, budget: Duration) -> bool {
        let started = Instant::now();
        let mut changed = false;
        while started.elapsed() < budget {
            match self.deliveries.try_recv() {
                Ok(delivery) => {
                    self.sink.apply(delivery, &mut model.monitor.engine);
                    changed = true;
                }
                Err(_) => break,
            }
        }
        if changed {
            model.monitor.sources.clone_from(&self.sink.statuses);
        }
        self.sink.tick();
        model.monitor.engine.advance(wall_clock_now());
        changed
    }

    fn now(&self, _: &Model) -> Millis {
        wall_clock_now()
    }
}

/// A recording (or `demo`'s simulation), paced by its timestamps: `speed`
/// × real time, or as fast as possible with speed 0. Its present is the
/// recording's own: the first timestamp plus the time played × `speed`, so
/// that a stage running in it is as old on screen as in the recording.
pub struct ReplayFeed {
    lines: LineReader<Box<dyn BufRead + Send>>,
    speed: f64,
    started: Instant,
    first_ts: Option<Millis>,
    received_at: Millis,
    max_line_bytes: usize,
}

impl ReplayFeed {
    pub fn new(reader: Box<dyn BufRead + Send>, speed: f64, max_line_bytes: usize) -> Self {
        ReplayFeed {
            lines: LineReader::new(reader, max_line_bytes),
            speed,
            started: Instant::now(),
            first_ts: None,
            received_at: wall_clock_now(),
            max_line_bytes,
        }
    }
}

impl ReplayFeed {
    /// Where playback is on the recording's clock, while it plays at a
    /// speed.
    fn present(&self) -> Option<Millis> {
        let first = self.first_ts?;
        (self.speed > 0.0)
            .then(|| first + (self.started.elapsed().as_secs_f64() * 1000.0 * self.speed) as Millis)
    }
}

impl Feed for ReplayFeed {
    fn pump(&mut self, model: &mut Model, budget: Duration) -> bool {
        if model.finished {
            return false;
        }
        // Timestamps far past the wall clock are refused; a simulation
        // played faster than real time is legitimately ahead of it.
        self.received_at = wall_clock_now().max(self.present().unwrap_or(Millis::MIN));
        let started = Instant::now();
        let mut changed = false;
        while started.elapsed() < budget {
            // Ahead of the recording's own pace: wait for the next frame.
            if let (Some(first), Some(last), true) = (
                self.first_ts,
                model.monitor.engine.span().last_ts,
                self.speed > 0.0,
            ) && (last - first) as f64
                > self.started.elapsed().as_secs_f64() * 1000.0 * self.speed
            {
                break;
            }
            match self.lines.next_line() {
                Ok(Some((n, Line::Text(bytes)))) => {
                    if !bytes.iter().all(u8::is_ascii_whitespace) {
                        // As `report` does, event by event: the rules run
                        // when the file's clock crosses their grid.
                        let monitor = &mut model.monitor;
                        decode_frame(bytes, |decoded| {
                            monitor.engine.apply_decoded(
                                &decoded,
                                self.received_at,
                                Origin::line(n),
                            );
                            monitor.after_events();
                        });
                        changed = true;
                    }
                }
                Ok(Some((n, Line::Oversized))) => {
                    let invalid = Invalid::new(
                        InvalidKind::Oversized,
                        format!("line longer than {} bytes", self.max_line_bytes),
                    );
                    model.monitor.engine.reject(&invalid, Origin::line(n));
                    model.monitor.after_events();
                    changed = true;
                }
                Ok(None) | Err(_) => {
                    model.monitor.finish();
                    model.finished = true;
                    return true;
                }
            }
            if self.first_ts.is_none() {
                self.first_ts = model.monitor.engine.span().first_ts;
            }
        }
        changed
    }

    fn now(&self, model: &Model) -> Millis {
        let engine = model.monitor.engine.now();
        match (self.present(), engine) {
            // A finished recording stops at its last event.
            (Some(present), Some(last)) if !model.finished => present.max(last),
            (_, Some(last)) => last,
            (present, None) => present.unwrap_or_else(wall_clock_now),
        }
    }
}
