//! Protocol v1: the wire contract between a workflow runner and runtop.
//!
//! [`decode_frame`] turns a frame's bytes into sanitized [`Event`]s, and
//! classifies everything else into [`InvalidKind`]s. See `docs/protocol.md`
//! for the contract in full.

mod decode;
mod encode;
mod event;
mod raw;
pub mod sanitize;
mod scan;
pub mod time;

pub use decode::{Decoded, Invalid, InvalidKind, MAX_DEPENDENCIES, decode_frame};
pub use encode::to_json_line;
pub use event::{
    Body, ErrorInfo, Event, EventId, LogLevel, Resources, StageFinish, StageStart, Status, Text,
};
pub use time::Millis;
