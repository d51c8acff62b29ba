//! runtop: watch workflow-runner executions live, and report on them.
//!
//! The crate is layered so that each part can be read and tested alone:
//!
//! - [`protocol`]: the wire contract (protocol v1): decoding frames into
//!   sanitized, typed events and classifying bad input.
//! - [`engine`]: a pure, synchronous state machine. Events go in with the time
//!   they were received; executions, rolling statistics and input accounting
//!   come out. It knows nothing of terminals, sockets or the wall clock.
//! - [`source`]: thin layers that feed the engine (NDJSON files and stdin,
//!   live WebSocket links, recordings) and sample this host's load.
//! - [`monitor`]: one session of watching (engine, sources, alerts,
//!   analyses, baseline) that every front end drives, on one schedule.
//! - [`report`]: the headless report (`runtop report`), JSON and text.
//! - [`analytics`]: A/B comparison, failure patterns, bottlenecks and
//!   recommendations, from what the engine holds.
//! - [`alerts`]: threshold rules over the engine, and the alert lifecycle.
//! - [`config`]: the TOML configuration, its layers and profiles.
//! - [`cli`]: the command line.
//! - [`tui`]: the terminal UI (`demo`, `watch`, `replay`).
//! - [`sim`]: a deterministic simulated runner, for the sample data, tests
//!   and benchmarks.
//! - [`units`]: how durations are written for people.
//! - [`secrets`]: URLs as they may be shown (no user-info, query or
//!   webhook path).
//! - [`signals`]: SIGINT, SIGTERM and SIGHUP ask every command to stop
//!   cleanly; a second one ends it at once.
//! - [`diagnostics`]: the `tracing` trail (`--log-file`, `RUNTOP_LOG`).
//! - [`hash`]: stable hashes (kept baseline names, alert fingerprints).
//! - [`files`]: the files runtop writes (0600, never through a link) and
//!   reads (capped).
//! - [`prefetch`]: asking the processor for memory ahead of a replay's need.
//! - Types several layers share, at the bottom: [`levels`] (alert severity,
//!   a stage's health level), [`source_status`] (each live source's
//!   connection), [`host`] (this host's load).

pub mod alerts;
pub mod analytics;
pub mod cli;
pub mod config;
pub mod diagnostics;
pub mod engine;
pub mod files;
pub mod fleet;
pub mod hash;
pub mod host;
pub mod levels;
pub mod monitor;
pub mod prefetch;
pub mod protocol;
pub mod report;
pub mod secrets;
pub mod signals;
pub mod sim;
pub mod source;
pub mod source_status;
pub mod tui;
pub mod units;
