//! Drawing: one module per panel, each a function of (`App`, `Model`) that
//! reads and never writes. Layout arithmetic saturates, so any size draws.

mod alerts;
mod bottlenecks;
mod detail;
mod executions;
mod header;
mod system;
mod timings;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::app::{App, Screen};
use super::model::Model;
use crate::engine::Level;

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// Colours, or none (NO_COLOR, `ui.color = "never"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    fn fg(self, c: Color) -> Style {
        if self.color {
            Style::default().fg(c)
        } else {
            Style::default()
        }
    }
    pub fn ok(self) -> Style {
        self.fg(Color::Green)
    }
    pub fn warn(self) -> Style {
        self.fg(Color::Yellow)
    }
    pub fn crit(self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    pub fn dim(self) -> Style {
        self.fg(Color::DarkGray)
    }
    pub fn title(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    pub fn selected(self) -> Style {
        if self.color {
            Style::default()
                .bg(Color::DarkGray)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::default().add_modifier(Modifier::REVERSED)
        }
    }
    /// The style of a ratio against a target: yellow from 75 %, red from 100 %.
    pub fn ratio(self, r: f64) -> Style {
        if r >= 1.0 {
            self.crit()
        } else if r >= 0.75 {
            self.warn()
        } else {
            self.ok()
        }
    }
    /// A load in percent: yellow from 80 %, red from 95 % (the resource rule).
    pub fn percent(self, p: f64) -> Style {
        if p >= 95.0 {
            self.crit()
        } else if p >= 80.0 {
            self.warn()
        } else {
            self.ok()
        }
    }

    pub fn level(self, l: Level) -> Style {
        match l {
            Level::Excellent | Level::Good => self.ok(),
            Level::Acceptable => self.warn(),
            Level::Poor | Level::Critical => self.crit(),
        }
    }
}

fn block(title: &str, theme: Theme) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(format!(" {title} "), theme.title()))
        .border_style(theme.dim())
}

/// A bar of `width` cells filled to `ratio` (capped at 1).
pub fn bar(ratio: f64, width: usize) -> String {
    let filled = ((ratio.clamp(0.0, 1.0) * width as f64).round() as usize).min(width);
    format!("{}{}", "█".repeat(filled), "░".repeat(width - filled))
}

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, app: &App, model: &Model, theme: Theme) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = format!(
            "terminal too small: {}×{}; runtop needs {MIN_WIDTH}×{MIN_HEIGHT}",
            area.width, area.height
        );
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
        return;
    }
    let model = app.view(model);
    let [head, body, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    header::draw(frame, head, app, model, theme);
    match app.screen {
        Screen::Overview => overview(frame, body, app, model, theme),
        Screen::Detail => detail::draw(frame, body, app, model, theme),
    }
    footer(frame, foot, app, theme);
    if app.help {
        help(frame, area, app, theme);
    }
}

fn overview(frame: &mut Frame, area: Rect, app: &App, model: &Model, theme: Theme) {
    let tall = area.height >= 40;
    let [sys, middle, lower] = Layout::vertical([
        Constraint::Length(if tall { 5 } else { 3 }),
        Constraint::Min(6),
        Constraint::Length(if tall { 10 } else { 6 }),
    ])
    .areas(area);
    system::draw(frame, sys, model, theme);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(middle);
    executions::draw(frame, left, app, model, theme);
    timings::draw(frame, right, app, model, theme);
    let [l, r] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(lower);
    alerts::draw(frame, l, app, model, theme);
    bottlenecks::draw(frame, r, model, theme);
}

fn footer(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let keys: &[(&str, &str)] = match app.screen {
        Screen::Overview => &[
            ("q", "quit"),
            ("?", "help"),
            ("↑↓", "move"),
            ("⏎", "detail"),
            ("Tab", "panel"),
            ("w", "window"),
            ("p", "pause"),
            ("a", "ack"),
        ],
        Screen::Detail => &[
            ("q", "quit"),
            ("?", "help"),
            ("Esc", "back"),
            ("p", "pause"),
        ],
    };
    let spans: Vec<Span> = keys
        .iter()
        .flat_map(|(k, what)| {
            [
                Span::styled(format!(" {k} "), theme.title()),
                Span::raw(format!("{what} ")),
            ]
        })
        .collect();
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Every key of the current screen.
fn help(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let mut keys = vec![
        ("q, Ctrl-C", "quit"),
        ("?", "this help (any key closes it)"),
        ("p", "pause the display (ingest goes on)"),
    ];
    match app.screen {
        Screen::Overview => keys.extend([
            ("j k ↑ ↓", "move the selection"),
            ("PgUp PgDn", "move by ten"),
            ("g G", "first, last"),
            ("Enter", "open the selected execution (or the alert's)"),
            ("Tab", "switch between executions and alerts"),
            ("w", "timings window: 1m, 5m, 1h, all"),
            ("a", "acknowledge the selected alert"),
        ]),
        Screen::Detail => keys.extend([("Esc", "back")]),
    }
    let lines: Vec<Line> = keys
        .iter()
        .map(|(k, what)| {
            Line::from(vec![
                Span::styled(format!("{k:>10}  "), theme.title()),
                Span::raw(*what),
            ])
        })
        .collect();
    let width = 60.min(area.width);
    let height = (lines.len() as u16 + 2).min(area.height);
    let popup = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block("keys", theme)), popup);
}
