//! The real terminal: raw mode and the alternate screen, handed back
//! however runtop ends (quit, error, panic, SIGTERM, SIGHUP); keys and
//! resizes from crossterm, a signal read as a quit, and a watchdog for when
//! the loop cannot see it.
//!
//! Two things differ from `ratatui::init`, both for a UI that draws up to 20
//! frames a second for hours: a frame leaves in one `write` (the output is
//! buffered, where stdout alone flushes every kilobyte), and the terminal's
//! size is read when the terminal reports a resize instead of on every
//! frame (crossterm opens `/dev/tty` and asks the kernel each time).

use std::io::{BufWriter, Stdout, stdout};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use crossterm::terminal::{EnterAlternateScreen, enable_raw_mode};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

use super::run::{Input, Keys};

/// Large enough for a full 250×80 frame with colours.
const OUTPUT_BUFFER: usize = 256 * 1024;

pub type Tty = Terminal<CrosstermBackend<BufWriter<Stdout>>>;

/// Takes the terminal over: raw mode, the alternate screen, and a panic hook
/// that hands it back before the panic is reported.
pub fn open() -> std::io::Result<Tty> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
    let opened = (|| {
        enable_raw_mode()?;
        crossterm::execute!(stdout(), EnterAlternateScreen)?;
        let (width, height) = crossterm::terminal::size()?;
        Terminal::with_options(
            CrosstermBackend::new(BufWriter::with_capacity(OUTPUT_BUFFER, stdout())),
            TerminalOptions {
                viewport: Viewport::Fixed(Rect::new(0, 0, width, height)),
            },
        )
    })();
    if opened.is_err() {
        restore();
    }
    opened
}

/// Hands the terminal back: cooked mode, the main screen. Safe to call more
/// than once.
pub fn restore() {
    ratatui::restore();
}

/// Keys and resizes from the terminal; a signal (SIGINT, SIGTERM, SIGHUP)
/// reads as Ctrl-C so the loop ends and the terminal is restored.
pub struct TerminalKeys {
    pub stop: Arc<AtomicBool>,
}

impl Keys for TerminalKeys {
    fn next(&mut self, timeout: Duration) -> std::io::Result<Option<Input>> {
        if self.stop.load(Ordering::Relaxed) {
            return Ok(Some(Input::Key(KeyEvent::new(
                KeyCode::Char('c'),
                KeyModifiers::CONTROL,
            ))));
        }
        if !event::poll(timeout)? {
            return Ok(None);
        }
        Ok(match event::read()? {
            Event::Key(k) if k.kind != KeyEventKind::Release => Some(Input::Key(k)),
            Event::Resize(width, height) => Some(Input::Resize { width, height }),
            _ => None,
        })
    }
}

/// How long the loop has to end after a signal before it is ended for it.
const SIGNAL_GRACE: Duration = Duration::from_secs(1);

/// Watches for a stopping signal ([`crate::signals`]) while the UI runs:
/// the loop sees the same flag through [`TerminalKeys`] and ends, restoring
/// the terminal. If it has not ended within a second, the terminal is
/// restored and the process exits from here: after a hang-up, crossterm's
/// event reading can spin on the dead tty without ever returning to the
/// loop (its Unix source retries reads that return end-of-file), and runtop
/// must not be left running at full CPU. Dropping the watchdog (the loop
/// ended) disarms it, so what follows the loop (flushing the recording, the
/// webhook's last deliveries) is not cut short.
pub struct Watchdog {
    ended: Arc<AtomicBool>,
}

impl Watchdog {
    pub fn start(stop: Arc<AtomicBool>) -> Watchdog {
        let ended = Arc::new(AtomicBool::new(false));
        let loop_ended = ended.clone();
        let _ = std::thread::Builder::new()
            .name("runtop-watchdog".into())
            .spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    if loop_ended.load(Ordering::Relaxed) {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
                std::thread::sleep(SIGNAL_GRACE);
                if !loop_ended.load(Ordering::Relaxed) {
                    restore();
                    std::process::exit(0);
                }
            });
        Watchdog { ended }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.ended.store(true, Ordering::Relaxed);
    }
}
