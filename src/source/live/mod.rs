//! Live sources: runners' WebSocket streams, merged into one engine.
//!
//! Each URL gets a link task ([`link`]) on a tokio runtime that connects,
//! reads and reconnects forever, and hands what it reads to the engine's
//! side as [`Delivery`]s, tagged with the source's index. Between the two
//! sits a byte budget: a link must reserve a frame's size (text or binary,
//! plus what a delivery itself weighs) before handing it over, and the
//! reservation is released once the engine has applied it; the channel is
//! bounded too. When the engine falls behind, the budget runs out, the
//! links stop reading, and TCP pushes back on the runners: nothing is
//! dropped, and no kind of flood can grow memory past the budget.

mod endpoint;
mod link;

pub use crate::source_status::{Failure, LinkState, SourceStatus};
pub use endpoint::{
    DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_FRAME_BYTES, DEFAULT_MAX_MESSAGE_BYTES, Endpoint,
    EndpointError, Header, LinkOptions, tls_config,
};
pub use link::{Ws, connect, resolve, secure, upgrade};

// `DELIVERY_OVERHEAD_BYTES` and `FRAME_BUDGET_BYTES` are public for the
// flood tests, which check the bound they set.

use std::io;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::{Receiver, channel};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::record::{RecordError, Recorder};
use crate::engine::{Engine, Origin};
use crate::protocol::time::wall_clock_now;
use crate::protocol::{Invalid, InvalidKind, Millis};

/// Bytes of frames read but not yet applied, across all sources.
pub const FRAME_BUDGET_BYTES: usize = 2 << 20;

/// Deliveries waiting for the engine, at most.
const CHANNEL_DELIVERIES: usize = 4096;

/// What a delivery weighs in the budget besides its payload, so that a
/// flood of empty frames is bounded too.
pub const DELIVERY_OVERHEAD_BYTES: usize = 64;

/// What a link hands to the engine's side.
#[derive(Debug)]
pub enum Delivery {
    Frame {
        source: usize,
        text: Utf8Bytes,
        received_at: Millis,
        /// Held until the frame is applied: the backpressure.
        permit: OwnedSemaphorePermit,
    },
    Binary {
        source: usize,
        /// Held until the frame is counted: binary floods push back too.
        permit: OwnedSemaphorePermit,
    },
    Oversized {
        source: usize,
        limit: usize,
    },
    InvalidUtf8 {
        source: usize,
    },
    State {
        source: usize,
        state: LinkState,
    },
}

/// Starts one link per endpoint on the current tokio runtime.
pub fn spawn(endpoints: &[Endpoint], options: &LinkOptions) -> Receiver<Delivery> {
    let (tx, rx) = channel(CHANNEL_DELIVERIES);
    let budget = Arc::new(Semaphore::new(FRAME_BUDGET_BYTES));
    for (index, endpoint) in endpoints.iter().enumerate() {
        tokio::spawn(link::run(
            index,
            endpoint.clone(),
            options.clone(),
            tx.clone(),
            budget.clone(),
        ));
    }
    rx
}

/// The engine's side of live sources: applies deliveries, keeps each
/// source's status, records what arrives.
pub struct LiveSink {
    pub statuses: Vec<SourceStatus>,
    recorder: Option<Recorder>,
}

impl LiveSink {
    pub fn new(endpoints: &[Endpoint], recorder: Option<Recorder>) -> Self {
        LiveSink {
            statuses: endpoints
                .iter()
                .map(|e| SourceStatus::new(e.display(), wall_clock_now()))
                .collect(),
            recorder,
        }
    }

    pub fn apply(&mut self, delivery: Delivery, engine: &mut Engine) {
        match delivery {
            Delivery::Frame {
                source,
                text,
                received_at,
                permit,
            } => {
                self.statuses[source].frames += 1;
                engine.feed(
                    text.as_bytes(),
                    received_at,
                    Origin {
                        line: None,
                        source: Some(source),
                    },
                );
                let status = &mut self.statuses[source];
                let offset = engine.source_clock_offset(source);
                let skewed = |o: Option<i64>| o.is_some_and(|o| o.unsigned_abs() > 60_000);
                if skewed(offset) != skewed(status.clock_offset_ms) {
                    tracing::warn!(
                        source = %status.url,
                        offset_ms = offset,
                        "source clock offset {}",
                        if skewed(offset) { "over a minute" } else { "back within a minute" }
                    );
                }
                status.clock_offset_ms = offset;
                if let Some(recorder) = self.recorder.as_mut() {
                    recorder.record_frame(&text);
                }
                drop(permit);
            }
            Delivery::Binary { source, permit } => {
                self.statuses[source].binary_frames += 1;
                if self.statuses[source].binary_frames == 1 {
                    tracing::warn!(
                        source = %self.statuses[source].url,
                        "source sends binary frames: counted and skipped"
                    );
                }
                engine.binary_frame();
                drop(permit);
            }
            Delivery::Oversized { source, limit } => {
                tracing::warn!(source = %self.statuses[source].url, limit, "message over the size limit");
                let invalid = Invalid::new(
                    InvalidKind::Oversized,
                    format!("message over the {limit}-byte limit"),
                );
                engine.reject(
                    &invalid,
                    Origin {
                        line: None,
                        source: Some(source),
                    },
                );
            }
            Delivery::InvalidUtf8 { source } => {
                tracing::warn!(source = %self.statuses[source].url, "text message that is not UTF-8");
                let invalid =
                    Invalid::new(InvalidKind::InvalidUtf8, "text message that is not UTF-8");
                engine.reject(
                    &invalid,
                    Origin {
                        line: None,
                        source: Some(source),
                    },
                );
            }
            Delivery::State { source, state } => {
                let url = &self.statuses[source].url;
                match &state {
                    LinkState::Connected => tracing::info!(source = %url, "connected"),
                    LinkState::Connecting => tracing::debug!(source = %url, "connecting"),
                    LinkState::Waiting { .. } => tracing::warn!(source = %url, "{state}"),
                }
                self.statuses[source].update(&state, wall_clock_now())
            }
        }
    }

    /// Flushes the recording if a second has passed since the last flush.
    pub fn tick(&mut self) {
        if let Some(recorder) = self.recorder.as_mut() {
            recorder.flush_if_due();
        }
    }

    /// Flushes and closes the recording; says what went wrong, if anything.
    pub fn finish(self) -> Result<(), RecordError> {
        match self.recorder {
            Some(recorder) => recorder.finish(),
            None => Ok(()),
        }
    }
}

/// What [`collect`] hands its caller: something that arrived, or a tick
/// (every 250 ms) to move time along.
#[derive(Debug)]
pub enum Step {
    Delivery(Delivery),
    Tick,
}

/// Collects from `endpoints`, handing each delivery and each tick to `on`,
/// until `on` breaks, `after` has passed, or a signal asks runtop to stop
/// ([`crate::signals`]).
pub fn collect(
    endpoints: &[Endpoint],
    options: &LinkOptions,
    after: Option<Duration>,
    on: &mut dyn FnMut(Step) -> ControlFlow<()>,
) -> io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let mut deliveries = spawn(endpoints, options);
        let deadline = after.map(|d| tokio::time::Instant::now() + d);
        let mut tick = tokio::time::interval(Duration::from_millis(250));
        let mut stop_poll = tokio::time::interval(Duration::from_millis(50));
        loop {
            let step = tokio::select! {
                biased;
                _ = stop_poll.tick() => if crate::signals::stop_requested() { break } else { continue },
                _ = sleep_until(deadline) => break,
                _ = tick.tick() => Step::Tick,
                delivery = deliveries.recv() => match delivery {
                    None => break,
                    Some(delivery) => Step::Delivery(delivery),
                },
            };
            if on(step).is_break() {
                break;
            }
        }
    });
    // Dropping the runtime cancels the links and closes their sockets.
    runtime.shutdown_timeout(Duration::from_secs(1));
    Ok(())
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}
