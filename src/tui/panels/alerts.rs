//! Alerts: firing first (severity, rule, subject, value against threshold,
//! since), then recently resolved.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{Theme, block};
use crate::levels::Severity;
use crate::protocol::time::format_rfc3339;
use crate::tui::app::{App, Screen};
use crate::tui::lists;
use crate::tui::model::Model;

fn clock(ms: i64) -> String {
    format_rfc3339(ms)
        .get(11..19)
        .unwrap_or_default()
        .to_string()
}

/// Alerts: firing, then up to `resolved_max` recently resolved;
/// `selected` highlights one (its index among both, as `lists::alert_rows`).
pub fn draw(
    frame: &mut Frame,
    area: Rect,
    selected: Option<usize>,
    resolved_max: usize,
    model: &Model,
    theme: Theme,
) {
    let book = &model.monitor.alerts.book;
    let firing = book.firing();
    let b = block(&format!("alerts {} firing", firing.len()), theme);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    // Only what fits is built: a storm can fire hundreds.
    let room = inner.height as usize;
    let mut lines: Vec<Line> = firing
        .iter()
        .enumerate()
        .take(room)
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
            if selected == Some(i) {
                line.style(theme.selected())
            } else {
                line
            }
        })
        .collect();
    let firing_shown = lines.len();
    let resolved_room = room.saturating_sub(firing_shown).min(resolved_max);
    lines.extend(
        book.resolved()
            .take(resolved_room)
            .enumerate()
            .map(|(i, a)| {
                let line = Line::from(vec![
                    Span::styled("✓ ", theme.dim()),
                    Span::raw(format!("{} {}: {}", a.rule.as_str(), a.subject, a.summary)),
                    Span::styled(format!(" resolved {}", clock(a.since)), theme.dim()),
                ]);
                if selected == Some(firing.len() + i) {
                    line.style(theme.selected())
                } else {
                    line
                }
            }),
    );
    if lines.is_empty() {
        lines.push(Line::from(Span::styled(
            "no alert: every rule is quiet",
            theme.dim(),
        )));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// The Alerts screen: the firing ones, then the recently resolved (all
/// selectable: Enter opens an alert's evidence), then the history of
/// transitions, newest first.
pub fn draw_screen(frame: &mut Frame, area: Rect, app: &App, model: &Model, theme: Theme) {
    use ratatui::layout::{Constraint, Layout};
    let rows = lists::alert_rows(model, lists::RESOLVED_LISTED);
    let [top, bottom] = Layout::vertical([
        Constraint::Length((rows.len() as u16 + 2).clamp(5, area.height * 2 / 3)),
        Constraint::Min(3),
    ])
    .areas(area);
    let selected = app.selection(Screen::Alerts).index(&rows);
    draw(
        frame,
        top,
        Some(selected),
        lists::RESOLVED_LISTED,
        model,
        theme,
    );
    let b = block("history", theme);
    let inner = b.inner(bottom);
    frame.render_widget(b, bottom);
    let history: Vec<_> = model.monitor.alerts.book.history().collect();
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
