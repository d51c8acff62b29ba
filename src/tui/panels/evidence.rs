//! The Evidence screen: an alert, its figure, and the executions behind it
//! worst first (`monitor::evidence`); Enter opens one's waterfall.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{Theme, block};
use crate::tui::app::{App, Screen};
use crate::tui::view::View;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, view: &View, theme: Theme) {
    let Some(chosen) = &app.evidence else {
        return;
    };
    let (rule, subject) = (&chosen.rule, &chosen.subject);
    let book = &view.ticked.alerts;
    // The alert chosen: firing, or as it resolved then (a firing one that
    // resolved since: as it last resolved).
    let firing = chosen.resolved_at.is_none().then(|| {
        book.firing()
            .into_iter()
            .find(|a| a.rule == *rule && &a.subject == subject)
            .map(|a| (a.severity, a.summary.clone(), "firing".to_string()))
    });
    let alert = firing.flatten().or_else(|| {
        book.resolved()
            .find(|a| {
                a.rule == *rule
                    && &a.subject == subject
                    && chosen.resolved_at.is_none_or(|at| a.since == at)
            })
            .map(|a| {
                let when = crate::units::clock_of_day(a.since);
                (a.severity, a.summary.clone(), format!("resolved {when}"))
            })
    });
    let evidence = app.evidence_of(view);
    let [head, list] = Layout::vertical([Constraint::Length(5), Constraint::Min(3)]).areas(area);
    let b = block(&format!("{} {subject}", rule.as_str()), theme);
    let inner = b.inner(head);
    frame.render_widget(b, head);
    let mut lines = Vec::new();
    if let Some((severity, summary, state)) = alert {
        let style = match severity {
            crate::levels::Severity::Critical => theme.crit(),
            crate::levels::Severity::Warning => theme.warn(),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{} {state} ", severity.as_str()), style),
            Span::raw(summary),
        ]));
    }
    lines.push(Line::from(Span::styled(
        if evidence.what.is_empty() {
            "this rule is about no execution".to_string()
        } else {
            format!("{} ({})", evidence.what, evidence.rows.len())
        },
        theme.dim(),
    )));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);

    let b = block("executions behind it", theme);
    let inner = b.inner(list);
    frame.render_widget(b, list);
    if evidence.rows.is_empty() {
        frame.render_widget(
            Paragraph::new(Span::styled(
                "none in the window: the alert's figure is all there is",
                theme.dim(),
            )),
            inner,
        );
        return;
    }
    let visible = inner.height as usize;
    let keys: Vec<String> = evidence.rows.iter().map(|r| r.key()).collect();
    let selected = app
        .selection(Screen::Evidence)
        .index_of(keys.iter().map(String::as_str));
    let first = selected.saturating_sub(visible.saturating_sub(1));
    let lines: Vec<Line> = evidence
        .rows
        .iter()
        .enumerate()
        .skip(first)
        .take(visible)
        .map(|(i, r)| {
            let line = Line::from(vec![
                Span::raw(format!(
                    "{:<28} ",
                    crate::units::shorten_middle(&r.correlation_id, 28)
                )),
                Span::raw(r.figure.clone()),
            ]);
            if i == selected {
                line.style(theme.selected())
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
