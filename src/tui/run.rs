//! The run loop, generic over the ratatui backend so tests drive it with
//! `TestBackend`: keys first, then data, then a redraw, at a capped frame
//! rate and only when something changed.

use std::time::{Duration, Instant};

use crossterm::event::KeyEvent;
use ratatui::Terminal;
use ratatui::backend::Backend;

use super::app::App;
use super::model::{Model, SystemView};
use super::panels::{Theme, draw};
use crate::protocol::Millis;

/// Where keys come from: the terminal, or a test's script.
pub trait Keys {
    /// The next key, waiting at most `timeout`.
    fn next(&mut self, timeout: Duration) -> std::io::Result<Option<KeyEvent>>;
}

/// Where events come from: a live connection, a replayed file.
pub trait Feed {
    /// Applies what has arrived to `model`, spending at most `budget`.
    /// Returns whether anything changed.
    fn pump(&mut self, model: &mut Model, budget: Duration) -> bool;
    /// The present on the engine's clock.
    fn now(&self, model: &Model) -> Millis;
}

/// How long before a frame is due the data that came is applied.
const PUMP_AHEAD: Duration = Duration::from_millis(5);

/// What the loop needs besides the terminal.
pub struct Loop<'a> {
    pub keys: &'a mut dyn Keys,
    pub feed: &'a mut dyn Feed,
    pub system: &'a mut dyn FnMut() -> Option<SystemView>,
    pub fps: u32,
    pub theme: Theme,
    /// Puts text on the clipboard (`y`): OSC 52 on a real terminal.
    pub clipboard: &'a mut dyn FnMut(&str),
    /// Sends alert transitions on (`--alert-log`, `--alert-webhook`).
    pub notify: &'a mut dyn FnMut(&[crate::alerts::Transition]),
}

/// Runs until the user quits.
pub fn run<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    model: &mut Model,
    l: Loop<'_>,
) -> std::io::Result<()>
where
    B::Error: std::fmt::Display,
{
    let frame_every = Duration::from_secs_f64(1.0 / f64::from(l.fps.clamp(1, 120)));
    let mut last_tick = Instant::now() - Duration::from_secs(1);
    let mut last_draw = Instant::now() - frame_every;
    let mut dirty = true;
    loop {
        // Input first: every key waiting is handled before any data.
        // Wake twice a frame: shortly before the frame is due, to apply the
        // data that came, and when it is due, to draw it at once. With
        // nothing to draw, wake at half-frame intervals to look for data.
        let until_frame = frame_every.saturating_sub(last_draw.elapsed());
        let wait = if until_frame.is_zero() {
            if dirty {
                Duration::from_millis(1)
            } else {
                frame_every / 2
            }
        } else if until_frame > 2 * PUMP_AHEAD {
            until_frame - PUMP_AHEAD
        } else {
            until_frame
        };
        let mut key = l.keys.next(wait)?;
        while let Some(k) = key {
            app.on_key(k, model);
            app.apply_acknowledge(model);
            if let Some(text) = app.copy.take() {
                (l.clipboard)(&text);
            }
            dirty = true;
            if app.quit {
                return Ok(());
            }
            key = l.keys.next(Duration::ZERO)?;
        }
        dirty |= l.feed.pump(model, frame_every / 2);
        if last_tick.elapsed() >= Duration::from_secs(1) {
            last_tick = Instant::now();
            let now = l.feed.now(model);
            dirty |= model.tick(now, (l.system)());
            if !model.transitions.is_empty() {
                (l.notify)(&model.transitions);
            }
        }
        // While paused the screens read the frozen model, so data changes
        // nothing on screen until the pause ends.
        if dirty && last_draw.elapsed() >= frame_every {
            terminal
                .draw(|f| draw(f, app, model, l.theme))
                .map_err(|e| std::io::Error::other(e.to_string()))?;
            last_draw = Instant::now();
            dirty = false;
        }
    }
}
