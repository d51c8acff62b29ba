//! The terminal UI: `runtop demo`, `watch` and `replay`.
//!
//! - [`model`]: what the screens show (engine, alerts, sources, host load,
//!   analyses); fed by a [`feed`], ticked by the loop.
//! - [`app`]: the UI's own state and what each key does.
//! - [`panels`]: drawing, one module per panel; reads, never writes.
//! - [`run`]: the loop, generic over the ratatui backend; [`pacing`] says
//!   when it draws.
//! - [`terminal`]: the real terminal, taken over and handed back.

pub mod app;
pub mod feed;
pub mod keys;
pub mod model;
pub mod pacing;
pub mod panels;
pub mod run;
pub mod scene;
pub mod terminal;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

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

/// How long the UI has to wind down after SIGTERM or SIGHUP before it is
/// ended for it.
const SIGNAL_GRACE: Duration = Duration::from_secs(1);

/// On SIGTERM or SIGHUP (an SSH session dropping), sets `stop` so the loop
/// ends and the terminal is restored. If the loop has not ended within a
/// second, the terminal is restored and the process exits from here: after
/// a hang-up, crossterm's event reading can spin on the dead tty without
/// ever returning to the loop (its Unix source retries reads that return
/// end-of-file), and runtop must not be left running at full CPU.
pub fn stop_on_signals(runtime: &tokio::runtime::Runtime, stop: Arc<AtomicBool>) {
    #[cfg(unix)]
    runtime.spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = hup.recv() => {}
        }
        stop.store(true, Ordering::Relaxed);
        tokio::time::sleep(SIGNAL_GRACE).await;
        terminal::restore();
        std::process::exit(0);
    });
}
