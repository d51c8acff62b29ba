//! Bottlenecks: the ranked list, with its evidence.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{Theme, block};
use crate::tui::app::App;
use crate::tui::view::View;

pub fn draw(frame: &mut Frame, area: Rect, view: &View, theme: Theme) {
    let b = block("bottlenecks", theme);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let lines: Vec<Line> = if view.ticked.analyses.bottlenecks.is_empty() {
        vec![Line::from(Span::styled(
            "none yet: ranked once ten executions have finished",
            theme.dim(),
        ))]
    } else {
        view.ticked
            .analyses
            .bottlenecks
            .iter()
            .take(inner.height as usize)
            .map(|b| {
                let kind = b.kind.as_str();
                Line::from(vec![
                    Span::styled(format!("{:.2} ", b.score), theme.warn()),
                    Span::raw(format!("{kind} {}: {}", b.subject, b.evidence.join("; "))),
                ])
            })
            .collect()
    };
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// The Bottlenecks screen: each with its full evidence and examples
/// (Enter opens the first), then the recommendations.
pub fn draw_screen(frame: &mut Frame, area: Rect, app: &App, view: &View, theme: Theme) {
    use ratatui::layout::{Constraint, Layout};
    let [top, middle, bottom] = Layout::vertical([
        Constraint::Percentage(45),
        Constraint::Percentage(30),
        Constraint::Percentage(25),
    ])
    .areas(area);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(middle);
    failures(frame, left, view, theme);
    trends_and_baseline(frame, right, view, theme);
    let b = block("bottlenecks", theme);
    let inner = b.inner(top);
    frame.render_widget(b, top);
    let mut lines = Vec::new();
    let rows = crate::tui::lists::rows(app, view, crate::tui::app::Screen::Bottlenecks);
    let selected = app
        .selection(crate::tui::app::Screen::Bottlenecks)
        .index(&rows);
    for (i, bn) in view.ticked.analyses.bottlenecks.iter().enumerate() {
        let kind = bn.kind.as_str();
        let head = Line::from(vec![
            Span::styled(format!("{:.2} ", bn.score), theme.warn()),
            Span::styled(format!("{kind} {}", bn.subject), theme.title()),
        ]);
        lines.push(if i == selected {
            head.style(theme.selected())
        } else {
            head
        });
        lines.extend(bn.evidence.iter().map(|e| Line::from(format!("     {e}"))));
        if !bn.examples.is_empty() {
            lines.push(Line::from(Span::styled(
                format!("     e.g. {}", bn.examples.join(", ")),
                theme.dim(),
            )));
        }
    }
    if lines.is_empty() {
        lines.push(Line::from(Span::styled(
            "none yet: ranked once ten executions have finished",
            theme.dim(),
        )));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    // Computed by the monitor when data changed, not per frame.
    let recommendations = &view.ticked.analyses.recommendations;
    let lines: Vec<Line> = if recommendations.is_empty() {
        vec![Line::from(Span::styled(
            "no recommendation yet: each needs a figure behind it",
            theme.dim(),
        ))]
    } else {
        recommendations
            .iter()
            .map(|r| {
                Line::from(vec![
                    Span::styled(format!("- {}: ", r.action), theme.title()),
                    Span::raw(r.because.clone()),
                ])
            })
            .collect()
    };
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(ratatui::widgets::Wrap { trim: true })
            .block(block("recommendations", theme)),
        bottom,
    );
}

/// Failure bursts, then error patterns (most frequent first), then
/// whether the load is periodic.
fn failures(frame: &mut Frame, area: Rect, view: &View, theme: Theme) {
    let temporal = &view.ticked.analyses.temporal;
    let clock = |ms| {
        let t = crate::protocol::time::format_rfc3339(ms);
        t.get(11..16).map_or(t.clone(), str::to_string)
    };
    let mut lines: Vec<Line> = temporal
        .bursts
        .iter()
        .map(|b| {
            let pattern = b
                .patterns
                .first()
                .map_or_else(String::new, |(p, _)| format!(" · mostly {p}"));
            Line::from(vec![
                Span::styled("burst ", theme.crit()),
                Span::raw(format!(
                    "{} {} {}–{} UTC · {} of {} failed (peak {:.0}%, base {:.1}%){pattern}",
                    b.kind,
                    b.subject,
                    clock(b.start_ms),
                    clock(b.end_ms),
                    b.failures,
                    b.attempts,
                    b.peak_rate * 100.0,
                    b.base_rate * 100.0
                )),
            ])
        })
        .collect();
    lines.extend(view.ticked.analyses.failures.iter().map(|f| {
        let retry = f.retry_success_rate.map_or_else(
            || "not retried".into(),
            |r| format!("{:.0}% of retries recover", r * 100.0),
        );
        Line::from(vec![
            Span::styled(format!("{:>4} ", f.count), theme.crit()),
            Span::raw(format!("{} · {} · {retry}", f.pattern, f.stages.join(","))),
        ])
    }));
    if lines.is_empty() {
        lines.push(Line::from(Span::styled("no failure yet", theme.dim())));
    }
    let p = &temporal.periodicity;
    lines.push(Line::from(Span::styled(
        match p.period_minutes {
            Some(period) => format!("load repeats every {period} min"),
            None => format!("periodic load: {}", p.verdict),
        },
        theme.dim(),
    )));
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block("failures", theme)),
        area,
    );
}

/// Each stage's trend, and the regressions and improvements against the
/// baseline, when there is one.
fn trends_and_baseline(frame: &mut Frame, area: Rect, view: &View, theme: Theme) {
    let mut lines: Vec<Line> = view
        .ticked
        .analyses
        .trends
        .iter()
        .map(|t| {
            let style = match t.direction {
                "degrading" => theme.crit(),
                "improving" => theme.ok(),
                _ => theme.dim(),
            };
            Line::from(vec![
                Span::raw(format!("{} ", t.stage)),
                Span::styled(t.direction, style),
                Span::styled(
                    format!(
                        " {}, p = {:.3}",
                        crate::units::human_slope(t.slope_ms_per_hour),
                        t.p_value
                    ),
                    theme.dim(),
                ),
            ])
        })
        .collect();
    if lines.is_empty() {
        lines.push(Line::from(Span::styled(
            "no trend yet: needs 20 finished attempts of a stage",
            theme.dim(),
        )));
    }
    match &view.ticked.baseline {
        None => lines.push(Line::from(Span::styled(
            "no baseline (--baseline FILE, or one kept for live sources)",
            theme.dim(),
        ))),
        Some(file) if view.ticked.changes.is_empty() => lines.push(Line::from(Span::styled(
            format!("baseline {file}: no regression"),
            theme.ok(),
        ))),
        Some(file) => {
            lines.push(Line::from(Span::styled(
                format!("baseline {file}:"),
                theme.title(),
            )));
            lines.extend(view.ticked.changes.iter().map(|c| {
                let style = if c.kind == "regression" {
                    theme.crit()
                } else {
                    theme.ok()
                };
                Line::from(Span::styled(
                    format!(
                        "  {} {} {} {:+.0}% ({})",
                        c.kind,
                        c.subject,
                        c.quantile,
                        c.change * 100.0,
                        c.shown()
                    ),
                    style,
                ))
            }));
        }
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block("trends · baseline", theme)),
        area,
    );
}
