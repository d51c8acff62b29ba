//! SIGINT, SIGTERM and SIGHUP, for every command alike: the first one asks
//! runtop to stop (stop collecting, flush the recording and the alert log,
//! print the report, restore the terminal); a second one ends the process at
//! once, in case whatever it was doing does not return.
//!
//! The handlers only set a flag (signal-hook's async-signal-safe `flag`
//! module); the loops that collect or draw look at it.

use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

/// The signals that stop runtop.
const STOPPING: [i32; 3] = [SIGINT, SIGTERM, SIGHUP];

struct Flags {
    stop: Arc<AtomicBool>,
    /// The first signal received, 0 before any.
    which: Arc<AtomicUsize>,
}

static FLAGS: OnceLock<Flags> = OnceLock::new();

/// Installs the handlers (once; later calls do nothing). Returns an error
/// only if the OS refuses a handler.
pub fn install() -> std::io::Result<()> {
    if FLAGS.get().is_some() {
        return Ok(());
    }
    let stop = Arc::new(AtomicBool::new(false));
    let which = Arc::new(AtomicUsize::new(0));
    for signal in STOPPING {
        // Order matters: the shutdown check runs before the flag is set, so
        // the first signal only sets it and the second one exits.
        signal_hook::flag::register_conditional_shutdown(signal, 128 + signal, stop.clone())?;
        signal_hook::flag::register_usize(signal, which.clone(), signal as usize)?;
        signal_hook::flag::register(signal, stop.clone())?;
    }
    let _ = FLAGS.set(Flags { stop, which });
    Ok(())
}

/// Whether a stopping signal has arrived.
pub fn stop_requested() -> bool {
    FLAGS.get().is_some_and(|f| f.stop.load(Ordering::Relaxed))
}

/// The flag itself, for loops that share it with another stop reason.
pub fn stop_flag() -> Option<Arc<AtomicBool>> {
    FLAGS.get().map(|f| f.stop.clone())
}

/// A signal that asked runtop to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    pub name: &'static str,
    pub number: i32,
}

impl Received {
    /// The conventional exit code of a process a signal ended: 128 + its
    /// number.
    pub fn exit_code(self) -> u8 {
        (128 + self.number).clamp(0, 255) as u8
    }
}

/// The signal that asked runtop to stop.
pub fn received() -> Option<Received> {
    let number = FLAGS.get()?.which.load(Ordering::Relaxed) as i32;
    let name = match number {
        SIGINT => "SIGINT",
        SIGTERM => "SIGTERM",
        SIGHUP => "SIGHUP",
        _ => return None,
    };
    Some(Received { name, number })
}
