//! Alerts: firing first (severity, rule, subject, value against threshold,
//! since), then recently resolved.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{Theme, block};
use crate::levels::Severity;
use crate::tui::app::{App, Screen};
use crate::tui::lists;
use crate::tui::view::View;

use crate::units::clock_of_day as clock;

/// Most firing alerts listed: a storm can fire hundreds.
const FIRING_LISTED: usize = 200;

/// One line per alert: firing, then up to `resolved_max` recently
/// resolved; `selected` highlights one (its index among both, as
/// `lists::alert_rows`).
fn lines(
    view: &View,
    selected: Option<usize>,
    resolved_max: usize,
    theme: Theme,
) -> Vec<Line<'static>> {
    let book = &view.ticked.alerts;
    let firing = book.firing();
    let highlight = |i: usize, line: Line<'static>| {
        if selected == Some(i) {
            line.style(theme.selected())
        } else {
            line
        }
    };
    let mut lines: Vec<Line> = firing
        .iter()
        .take(FIRING_LISTED)
        .enumerate()
        .map(|(i, a)| {
            let (mark, style) = match a.severity {
                Severity::Critical => ("✖", theme.crit()),
                Severity::Warning => ("▲", theme.warn()),
            };
            let ack = if a.acknowledged {
                " (ack)"
            } else if a.inhibited {
                " (inhibited: a source is down)"
            } else {
                ""
            };
            let line = Line::from(vec![
                Span::styled(format!("{mark} "), style),
                Span::raw(format!(
                    "{} {}: {}{ack}",
                    a.rule.as_str(),
                    a.subject,
                    a.summary
                )),
                Span::styled(format!(" since {}", clock(a.since)), theme.dim()),
            ]);
            highlight(i, line)
        })
        .collect();
    let firing_listed = lines.len();
    lines.extend(
        book.resolved()
            .take(resolved_max)
            .enumerate()
            .map(|(i, a)| {
                let line = Line::from(vec![
                    Span::styled("✓ ", theme.dim()),
                    Span::raw(format!("{} {}: {}", a.rule.as_str(), a.subject, a.summary)),
                    Span::styled(format!(" resolved {}", clock(a.since)), theme.dim()),
                ]);
                highlight(firing_listed + i, line)
            }),
    );
    lines
}

/// How many rows each line takes, wrapped at `width`.
fn heights(lines: &[Line<'static>], width: u16) -> Vec<usize> {
    lines
        .iter()
        .map(|l| {
            Paragraph::new(l.clone())
                .wrap(Wrap { trim: false })
                .line_count(width)
                .max(1)
        })
        .collect()
}

/// Alerts: firing, then up to `resolved_max` recently resolved, wrapped;
/// scrolled so that the `selected` one is in full view.
pub fn draw(
    frame: &mut Frame,
    area: Rect,
    selected: Option<usize>,
    resolved_max: usize,
    view: &View,
    theme: Theme,
) {
    let lines = lines(view, selected, resolved_max, theme);
    render(frame, area, view, lines, None, selected, theme);
}

/// Draws alert `lines` (their wrapped `heights` when already measured).
fn render(
    frame: &mut Frame,
    area: Rect,
    view: &View,
    lines: Vec<Line<'static>>,
    heights: Option<&[usize]>,
    selected: Option<usize>,
    theme: Theme,
) {
    let firing = view.ticked.alerts.firing().len();
    let b = block(&format!("alerts {firing} firing"), theme);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    if lines.is_empty() {
        let quiet = Line::from(Span::styled("no alert: every rule is quiet", theme.dim()));
        frame.render_widget(Paragraph::new(quiet), inner);
        return;
    }
    let room = inner.height as usize;
    // The first row shown: the selected alert's last row at the bottom at
    // the latest, its first row in view at the earliest.
    let scroll = selected.filter(|s| *s < lines.len()).map_or(0, |s| {
        let measured;
        let heights = match heights {
            Some(h) => h,
            None => {
                measured = self::heights(&lines[..=s], inner.width);
                &measured
            }
        };
        let top: usize = heights[..s].iter().sum();
        let bottom = top + heights[s];
        bottom.saturating_sub(room).min(top)
    });
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll.min(u16::MAX as usize) as u16, 0)),
        inner,
    );
}

/// The Alerts screen: the firing ones, then the recently resolved (all
/// selectable: Enter opens an alert's evidence), then the history of
/// transitions, newest first.
pub fn draw_screen(frame: &mut Frame, area: Rect, app: &App, view: &View, theme: Theme) {
    use ratatui::layout::{Constraint, Layout};
    let rows = lists::alert_rows(view, lists::RESOLVED_LISTED);
    let selected = app.selection(Screen::Alerts).index(&rows);
    let lines = lines(view, Some(selected), lists::RESOLVED_LISTED, theme);
    // The alerts get the rows they take wrapped (up to two thirds), the
    // history the rest.
    let heights = heights(&lines, area.width.saturating_sub(2));
    let needed: usize = heights.iter().sum();
    let [top, bottom] = Layout::vertical([
        Constraint::Length(
            (needed.min(u16::MAX as usize - 2) as u16 + 2).clamp(5, area.height * 2 / 3),
        ),
        Constraint::Min(3),
    ])
    .areas(area);
    render(
        frame,
        top,
        view,
        lines,
        Some(&heights),
        Some(selected),
        theme,
    );
    let b = block("history", theme);
    let inner = b.inner(bottom);
    frame.render_widget(b, bottom);
    let history: Vec<_> = view.ticked.alerts.history().collect();
    let mut lines: Vec<Line> = history
        .iter()
        .rev()
        .take(inner.height as usize)
        .map(|t| {
            let to = t.to.as_str();
            Line::from(vec![
                Span::styled(format!("{} ", clock(t.at)), theme.dim()),
                Span::raw(format!(
                    "{to:<8} {:<8} {} {}: {}",
                    t.severity.as_str(),
                    t.rule.as_str(),
                    t.subject,
                    t.summary
                )),
            ])
        })
        .collect();
    if lines.is_empty() {
        lines.push(Line::from(Span::styled("no transition yet", theme.dim())));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
