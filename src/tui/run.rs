//! The run loop, generic over the ratatui backend so tests drive it with
//! `TestBackend`: keys first, then data, then a redraw when [`Pacing`]
//! says one is due.

use std::time::{Duration, Instant};

use crossterm::event::KeyEvent;
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::layout::Rect;

use super::app::App;
use super::model::{Model, SystemView};
use super::pacing::Pacing;
use super::panels::retained::Retained;
use super::panels::{Theme, draw_keeping};
use super::view::View;
use crate::protocol::Millis;

/// What the user does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    Key(KeyEvent),
    /// The terminal is now this size.
    Resize {
        width: u16,
        height: u16,
    },
}

/// Where keys come from: the terminal, or a test's script.
pub trait Keys {
    /// The next key or resize, waiting at most `timeout`.
    fn next(&mut self, timeout: Duration) -> std::io::Result<Option<Input>>;
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
    let mut pacing = Pacing::new(l.fps, Instant::now());
    let mut retained = Retained::default();
    let frame_every = pacing.frame_every();
    let mut last_tick = Instant::now() - Duration::from_secs(1);
    // What the screen shows and keys act on; taken again from the model
    // before a frame when the model changed (not while paused).
    let mut view = View::capture(model, None);
    let mut behind = false;
    loop {
        // Input first: every key waiting is handled before any data.
        // Wake shortly before a frame is due, to apply the data that came,
        // and when it is due, to draw it at once. With nothing waiting, look
        // for data just before the next frame slot (so a steady stream keeps
        // to the grid), and after that once a frame.
        let now = Instant::now();
        let at = pacing
            .due()
            .unwrap_or_else(|| pacing.next_slot().max(now + frame_every));
        let until = at.saturating_duration_since(now);
        let wait = if until > 2 * PUMP_AHEAD {
            until - PUMP_AHEAD
        } else {
            until
        };
        let mut input = l.keys.next(wait)?;
        while let Some(i) = input {
            match i {
                Input::Key(k) => {
                    app.on_key(k, &view);
                    behind |= app.apply_acknowledge(&view, model);
                    if let Some(text) = app.copy.take() {
                        (l.clipboard)(&text);
                    }
                    if app.quit {
                        return Ok(());
                    }
                }
                Input::Resize { width, height } => terminal
                    .resize(Rect::new(0, 0, width, height))
                    .map_err(|e| std::io::Error::other(e.to_string()))?,
            }
            pacing.changed();
            input = l.keys.next(Duration::ZERO)?;
        }
        // While paused the screens read the frozen snapshot: data and
        // ticks change nothing on screen until the pause ends.
        let live = !app.paused();
        let received = model.monitor.engine.input().received;
        let changed = l.feed.pump(model, frame_every / 2);
        behind |= changed;
        let events = model
            .monitor
            .engine
            .input()
            .received
            .saturating_sub(received);
        if live && changed {
            if events == 0 {
                // A source connected or dropped, a replay ended.
                pacing.changed();
            }
            pacing.events(events, Instant::now());
        }
        if last_tick.elapsed() >= Duration::from_secs(1) {
            last_tick = Instant::now();
            let now = l.feed.now(model);
            behind = true;
            if model.tick(now, (l.system)()) && live {
                pacing.changed();
            }
            // Every tick, with or without news: Alertmanager hears again
            // of what still fires.
            (l.notify)(&model.transitions);
        }
        let started = Instant::now();
        if pacing.due().is_some_and(|due| started >= due) {
            if behind && !app.paused() {
                view = View::capture(model, Some(&view));
                behind = false;
            }
            terminal
                .draw(|f| draw_keeping(f, app, &view, l.theme, &mut retained))
                .map_err(|e| std::io::Error::other(e.to_string()))?;
            pacing.drawn(started);
        }
    }
}
