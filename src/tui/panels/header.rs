//! The top line: what is watched, connection states (and a runner's clock
//! when it is off ours), events and their rate, delivery lag, alert
//! counts, PAUSED.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::Theme;
use crate::levels::Severity;
use crate::tui::app::App;
use crate::tui::view::View;
use crate::units::human_ms;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, view: &View, theme: Theme) {
    let mut spans = vec![Span::styled("runtop", theme.title())];
    let (crit, warn) = (
        view.ticked.alerts.count(Severity::Critical),
        view.ticked.alerts.count(Severity::Warning),
    );
    spans.push(Span::styled(
        format!(" ✖{crit}"),
        if crit > 0 { theme.crit() } else { theme.dim() },
    ));
    spans.push(Span::styled(
        format!(" ▲{warn}"),
        if warn > 0 { theme.warn() } else { theme.dim() },
    ));
    if app.paused() {
        spans.push(Span::styled(" PAUSED", theme.crit()));
    }
    for s in &view.sources {
        let (mark, style) = if s.connected {
            ("●", theme.ok())
        } else {
            ("○", theme.crit())
        };
        spans.push(Span::styled(format!(" {mark}"), style));
        // A runner whose clock is off: its events are kept, but the operator
        // should know its timestamps (and lag) are not runtop's.
        if let Some(offset) = s.clock_offset_ms.filter(|o| o.unsigned_abs() > 60_000) {
            let sign = if offset > 0 { "-" } else { "+" };
            spans.push(Span::styled(
                format!(" clock {sign}{}", human_ms(offset.unsigned_abs() as f64)),
                theme.warn(),
            ));
        }
    }
    if view.finished {
        spans.push(Span::styled(" (replay finished)", theme.warn()));
    }
    let input = &view.input;
    spans.push(Span::raw(format!(
        " │ {} events {:.0}/s",
        input.received, view.event_rate
    )));
    if let Some(p95) = view.lag_p95 {
        spans.push(Span::raw(format!(" │ lag p95 {p95:.0}ms")));
    }
    spans.push(Span::raw(format!(" │ {}", view.title)));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// One line per source that is not connected (it failed at least once):
/// what it is, why, for how long, and when runtop tries again. Its
/// executions' elapsed times are stale meanwhile.
pub fn banner(frame: &mut Frame, area: Rect, view: &View, theme: Theme) {
    if area.height == 0 {
        return;
    }
    // The last tick's present: the wall clock live.
    let now = view.now;
    let lines: Vec<Line> = view
        .sources
        .iter()
        .filter(|s| s.is_down())
        .take(area.height as usize)
        .map(|s| {
            let down = s
                .down_since
                .map(|since| format!(" · down {}", human_ms((now - since).max(0) as f64)))
                .unwrap_or_default();
            let retry = match s.retry_at {
                Some(at) if at > now => format!(" · next try in {}", human_ms((at - now) as f64)),
                Some(_) => " · trying again".to_string(),
                None => " · connecting".to_string(),
            };
            Line::from(vec![
                Span::styled(format!(" ○ {} ", s.url), theme.crit()),
                Span::raw(format!(
                    "{}{down}{retry} · its running executions are stale",
                    s.last_failure.as_deref().unwrap_or("not connected")
                )),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}
