//! The terminal UI: `runtop demo`, `watch` and `replay`.
//!
//! - [`model`]: what the screens show (engine, alerts, sources, host load,
//!   analyses); fed by a [`feed`], ticked by the loop.
//! - [`app`]: the UI's own state and what each key does.
//! - [`panels`]: drawing, one module per panel; reads, never writes.
//! - [`run`]: the loop, generic over the ratatui backend.

pub mod app;
pub mod feed;
pub mod keys;
pub mod model;
pub mod panels;
pub mod run;
pub mod scene;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

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

/// Keys from the terminal; a signal (SIGTERM, SIGHUP) reads as Ctrl-C so
/// the loop ends and the terminal is restored.
pub struct TerminalKeys {
    pub stop: Arc<AtomicBool>,
}

impl run::Keys for TerminalKeys {
    fn next(&mut self, timeout: Duration) -> std::io::Result<Option<KeyEvent>> {
        if self.stop.load(Ordering::Relaxed) {
            return Ok(Some(KeyEvent::new(
                KeyCode::Char('c'),
                KeyModifiers::CONTROL,
            )));
        }
        if !event::poll(timeout)? {
            return Ok(None);
        }
        match event::read()? {
            Event::Key(k) if k.kind != KeyEventKind::Release => Ok(Some(k)),
            // A resize redraws on the next frame: report it as "nothing".
            _ => Ok(None),
        }
    }
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
        ratatui::restore();
        std::process::exit(0);
    });
}
