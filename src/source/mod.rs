//! Sources: thin layers that read input and feed the engine.
//!
//! - [`ndjson`]: recorded sessions and logs, from a file or stdin.
//! - [`live`]: runners' WebSocket streams, with reconnection and backpressure.
//! - [`local`]: this host's CPU and memory.
//! - [`record`]: writing what live sources receive to an NDJSON file.

pub mod live;
pub mod local;
pub mod ndjson;
pub mod record;
