//! The terminal UI: `runtop demo`, `watch` and `replay`.
//!
//! - [`model`]: what the screens show (engine, alerts, sources, host load,
//!   analyses); fed by a [`feed`], ticked by the loop.
//! - [`actions`]: every key, in the one table the keys, the footer and the
//!   help read.
//! - [`app`]: the UI's own state and what each key does; [`lists`]: what
//!   each screen lists and where its selection rests (by identity).
//! - [`panels`]: drawing, one module per panel; reads, never writes.
//! - [`run`]: the loop, generic over the ratatui backend; [`pacing`] says
//!   when it draws.
//! - [`terminal`]: the real terminal, taken over and handed back.

pub mod actions;
pub mod app;
pub mod feed;
pub mod keys;
pub mod lists;
pub mod model;
pub mod pacing;
pub mod panels;
pub mod run;
pub mod scene;
pub mod terminal;

use crate::config::{ColorMode, Config};

/// Colour unless NO_COLOR is set (or the config says otherwise).
pub fn theme(config: &Config) -> panels::Theme {
    let color = match config.ui.color {
        ColorMode::Always => true,
        ColorMode::Never => false,
        ColorMode::Auto => std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    };
    panels::Theme { color }
}
