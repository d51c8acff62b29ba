//! The diagnostic trail: reconnects, dropped frames, webhook failures,
//! clock skew, signals, alert transitions, as `tracing` events. Off unless
//! asked for: `--log-file FILE` (created 0600, never through a link) writes
//! them there, at the level `RUNTOP_LOG` names (`error`, `warn`, `info`,
//! `debug`, `trace`, or any `tracing` filter; `info` by default).
//! `RUNTOP_LOG` alone logs to stderr, except for the terminal UI, which
//! owns the terminal (use `--log-file` there).
//!
//! Everything logged has already been through the protocol's sanitizer or
//! [`crate::secrets`]: no escape sequence or secret reaches a log.

use std::path::Path;
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

use crate::files::{WriteMode, create_private};

/// The environment variable that sets the level.
pub const ENV: &str = "RUNTOP_LOG";

/// Where diagnostics go, decided from `--log-file` and `RUNTOP_LOG`.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("--log-file {path}: {error}")]
    File { path: String, error: std::io::Error },
    #[error("{ENV}={value:?} is not a log level or filter: {reason}")]
    Filter { value: String, reason: String },
}

/// Starts the trail. `owns_terminal`: stderr is the screen, so without a
/// file nothing is logged.
pub fn init(log_file: Option<&Path>, owns_terminal: bool) -> Result<(), LogError> {
    let level = std::env::var(ENV).ok().filter(|v| !v.trim().is_empty());
    if log_file.is_none() && (level.is_none() || owns_terminal) {
        return Ok(());
    }
    let spec = level.clone().unwrap_or_else(|| "info".into());
    let filter = EnvFilter::try_new(format!("runtop={spec}"))
        .or_else(|_| EnvFilter::try_new(&spec))
        .map_err(|e| LogError::Filter {
            value: spec.clone(),
            reason: e.to_string(),
        })?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_target(false);
    let installed = match log_file {
        Some(path) => {
            let file = create_private(path, WriteMode::Append).map_err(|error| LogError::File {
                path: path.display().to_string(),
                error,
            })?;
            builder.with_writer(Mutex::new(file)).try_init()
        }
        None => builder.with_writer(std::io::stderr).try_init(),
    };
    // Already installed (a test calling twice): the first one stays.
    let _ = installed;
    Ok(())
}
