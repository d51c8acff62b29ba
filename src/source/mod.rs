//! Sources: thin layers that read input and feed the engine.
//!
//! - [`ndjson`]: recorded sessions and logs, from a file or stdin.

pub mod ndjson;
