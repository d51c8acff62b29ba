//! Drawing: one module per panel, each a function of (`App`, `Model`) that
//! reads and never writes. Layout arithmetic saturates, so any size draws.

mod active;
mod alerts;
mod bottlenecks;
mod boxplot;
mod compare;
mod detail;
mod evidence;
mod executions_screen;
mod header;
mod histogram;
mod kpi_strip;
mod nodes_screen;
mod plot;
mod rankings_screen;
pub mod retained;
mod risk;
mod stage_chart;
mod stage_table;
mod system;
mod timings_screen;
mod trends;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::app::{App, Screen};
use super::view::View;
use crate::levels::Level;
use retained::{Panel, Retained};

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// Colours, or none (NO_COLOR, `ui.color = "never"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
    pub palette: Palette,
}

/// The colours of a theme (`[theme]` in the config).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    pub ok: Color,
    pub warning: Color,
    pub critical: Color,
    pub dim: Color,
    pub title: Color,
    pub border: Color,
}

impl Palette {
    pub const DEFAULT: Palette = Palette {
        ok: Color::Green,
        warning: Color::Yellow,
        critical: Color::Red,
        dim: Color::DarkGray,
        title: Color::Cyan,
        border: Color::Reset,
    };
}

impl Theme {
    /// No colour at all.
    pub const PLAIN: Theme = Theme {
        color: false,
        palette: Palette::DEFAULT,
    };
    /// The default colours.
    pub const COLOUR: Theme = Theme {
        color: true,
        palette: Palette::DEFAULT,
    };

    fn fg(self, c: Color) -> Style {
        if self.color {
            Style::default().fg(c)
        } else {
            Style::default()
        }
    }
    pub fn ok(self) -> Style {
        self.fg(self.palette.ok)
    }
    pub fn warn(self) -> Style {
        self.fg(self.palette.warning)
    }
    pub fn crit(self) -> Style {
        self.fg(self.palette.critical).add_modifier(Modifier::BOLD)
    }
    pub fn dim(self) -> Style {
        self.fg(self.palette.dim)
    }
    pub fn title(self) -> Style {
        self.fg(self.palette.title).add_modifier(Modifier::BOLD)
    }
    /// Reversed, in colour too: a background of its own hid the text
    /// drawn in that colour (dim grey `since …` on a dark grey bar);
    /// reversed, every span keeps its colour, as the bar's.
    pub fn selected(self) -> Style {
        Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)
    }
    /// Borders in the terminal's own foreground by default: dark grey
    /// vanished on light themes.
    pub fn border(self) -> Style {
        self.fg(self.palette.border)
    }
    /// The style of a ratio against a target: yellow from 75 %, red from 100 %.
    pub fn ratio(self, r: f64) -> Style {
        self.graded(r, 0.75, 1.0)
    }
    /// A load in percent: yellow from 80 %, red from 95 % (the resource rule).
    pub fn percent(self, p: f64) -> Style {
        self.graded(p, 80.0, 95.0)
    }
    /// A chance of failing: yellow from 20 %, red from 50 %.
    pub fn risk(self, p: f64) -> Style {
        self.graded(p, 0.2, 0.5)
    }
    /// Ok below `warn`, warning from it, critical from `crit`.
    fn graded(self, v: f64, warn: f64, crit: f64) -> Style {
        if v >= crit {
            self.crit()
        } else if v >= warn {
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
        .border_style(theme.border())
}

/// A bar of `width` cells filled to `ratio` (capped at 1).
pub fn bar(ratio: f64, width: usize) -> String {
    let filled = ((ratio.clamp(0.0, 1.0) * width as f64).round() as usize).min(width);
    format!("{}{}", "█".repeat(filled), "░".repeat(width - filled))
}

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, app: &App, view: &View, theme: Theme) {
    draw_keeping(frame, app, view, theme, &mut Retained::default());
}

/// Draws the whole screen, copying the panels that have not changed since
/// the last frame from `retained` (what the run loop does).
pub fn draw_keeping(
    frame: &mut Frame,
    app: &App,
    view: &View,
    theme: Theme,
    retained: &mut Retained,
) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = format!(
            "terminal too small: {}×{}; runtop needs {MIN_WIDTH}×{MIN_HEIGHT}",
            area.width, area.height
        );
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
        return;
    }
    let view = app.view(view);
    // A source that is not connected is said up front, one line each (at
    // most three), until it is back.
    let down = view.sources.iter().filter(|s| s.is_down()).count().min(3) as u16;
    let [head, banner, tabs_area, body, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(down),
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    header::draw(frame, head, app, view, theme);
    header::banner(frame, banner, view, theme);
    tabs(frame, tabs_area, app, theme);
    match app.screen {
        Screen::Overview => overview(frame, body, app, view, theme, retained),
        Screen::Executions => executions_screen::draw(frame, body, app, view, theme),
        Screen::Timings => timings_screen::draw(frame, body, app, view, theme),
        Screen::Alerts => alerts::draw_screen(frame, body, app, view, theme),
        Screen::Bottlenecks => bottlenecks::draw_screen(frame, body, app, view, theme),
        Screen::Compare => compare::draw(frame, body, app, view, theme),
        Screen::Detail => detail::draw(frame, body, app, view, theme),
        Screen::Evidence => evidence::draw(frame, body, app, view, theme),
        Screen::Nodes => nodes_screen::draw(frame, body, view, theme),
        Screen::Rankings => rankings_screen::draw(frame, body, app, view, theme),
    }
    footer(frame, foot, app, view, theme);
    if app.help {
        help(frame, area, app, theme);
    }
}

fn tabs(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let mut spans = Vec::new();
    for (i, screen) in Screen::TABS.iter().enumerate() {
        let style = if *screen == app.screen {
            theme.selected()
        } else {
            theme.dim()
        };
        // Eight tabs fit 80 columns only without their padding, and with
        // two of their names short.
        let label = if area.width >= 100 {
            format!(" {} {} ", i + 1, screen.title())
        } else if area.width >= 90 {
            format!("{} {} ", i + 1, screen.title())
        } else {
            format!("{} {} ", i + 1, screen.short_title())
        };
        spans.push(Span::styled(label, style));
    }
    if matches!(app.screen, Screen::Detail | Screen::Evidence) {
        spans.push(Span::styled(
            format!(" {} ", app.screen.title()),
            theme.selected(),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Body rows from which the overview has its KPI strip.
const KPI_STRIP_MIN_HEIGHT: u16 = 28;

fn overview(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    view: &View,
    theme: Theme,
    retained: &mut Retained,
) {
    // The KPI strip where there is a row to spare: at 24 rows the active
    // list needs it more.
    let strip_height = u16::from(area.height >= KPI_STRIP_MIN_HEIGHT);
    let [strip, area] =
        Layout::vertical([Constraint::Length(strip_height), Constraint::Min(0)]).areas(area);
    if strip_height > 0 {
        kpi_strip::draw(frame, strip, view, theme);
    }
    let tall = area.height >= 40;
    let sys_height = if tall { 5 } else { 3 };
    let trends_height = if tall { 5 } else { 4 };
    let lower_least = if tall { 10 } else { 5 };
    // The active list and the timings get the rows they fill (a runner
    // limited to five executions needs eight, not thirty); alerts and
    // bottlenecks get the rest.
    let filled = view.active.len().max(view.stages.len()) as u16 + 3;
    let middle_height = filled.max(6).min(
        area.height
            .saturating_sub(sys_height + trends_height + lower_least),
    );
    let [sys, trends_area, middle, lower] = Layout::vertical([
        Constraint::Length(sys_height),
        Constraint::Length(trends_height),
        Constraint::Length(middle_height),
        Constraint::Min(lower_least),
    ])
    .areas(area);
    retained.draw(Panel::System, frame, sys, view, theme, |f| {
        system::draw(f, sys, view, theme);
    });
    retained.draw(Panel::Trends, frame, trends_area, view, theme, |f| {
        trends::draw(f, trends_area, view, theme);
    });
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(middle);
    active::draw(frame, left, app, view, theme);
    stage_table::draw(frame, right, app, view, theme);
    let [l, r] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(lower);
    retained.draw(Panel::Alerts, frame, l, view, theme, |f| {
        alerts::draw(f, l, None, 3, view, theme);
    });
    retained.draw(Panel::Bottlenecks, frame, r, view, theme, |f| {
        bottlenecks::draw(f, r, view, theme);
    });
}

fn footer(frame: &mut Frame, area: Rect, app: &App, view: &View, theme: Theme) {
    if let Some(query) = &app.search {
        let found = view.matches(query).len();
        let line = Line::from(vec![
            Span::styled(" / ", theme.title()),
            Span::raw(format!("{query}▏")),
            Span::styled(
                format!(
                    "  {found} match{} · Enter open · Esc cancel",
                    if found == 1 { "" } else { "es" }
                ),
                theme.dim(),
            ),
        ]);
        frame.render_widget(Paragraph::new(line), area);
        return;
    }
    if let Some(query) = &app.not_found {
        let line = Line::from(vec![
            Span::styled(format!(" no execution matches {query:?} "), theme.warn()),
            Span::styled(" / ", theme.title()),
            Span::raw("find again "),
            Span::styled(" q ", theme.title()),
            Span::raw("quit "),
            Span::styled(" ? ", theme.title()),
            Span::raw("help"),
        ]);
        frame.render_widget(Paragraph::new(line), area);
        return;
    }
    if let (Some(query), Screen::Executions) = (&app.query, app.screen) {
        let found = crate::tui::app::executions(app, view).len();
        let line = Line::from(vec![
            Span::styled(format!(" {found} match {query:?}: pick one "), theme.warn()),
            Span::styled(" ↑↓ ", theme.title()),
            Span::raw("move "),
            Span::styled(" ⏎ ", theme.title()),
            Span::raw("detail "),
            Span::styled(" Esc ", theme.title()),
            Span::raw("all executions"),
        ]);
        frame.render_widget(Paragraph::new(line), area);
        return;
    }
    let keys = crate::tui::actions::footer(app.screen);
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

/// Every key of the current screen, from the one action table, with the
/// keys the config's `[keys]` added.
fn help(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let keys: Vec<(String, &str)> = crate::tui::actions::on(app.screen)
        .map(|b| {
            let added = app.keymap.added_to(b.keys[0]);
            let shown = if added.is_empty() {
                b.shown.to_string()
            } else {
                format!("{} {}", b.shown, added.join(" "))
            };
            (shown, b.what)
        })
        .collect();
    let lines: Vec<Line> = keys
        .iter()
        .map(|(k, what)| {
            Line::from(vec![
                Span::styled(format!("{k:>13}  "), theme.title()),
                Span::raw(*what),
            ])
        })
        .collect();
    let width = 90.min(area.width);
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
