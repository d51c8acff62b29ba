//! One execution, drilled into by correlation id: its ids and status; a
//! waterfall of its tasks and attempts to scale, with queue waits and the
//! critical path marked; while it runs, its risk ([`super::risk`]); its
//! errors in full; the alerts that name it; its logs and metrics.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{Theme, block};
use crate::analytics::critical_path::path_of;
use crate::engine::{Execution, price};
use crate::protocol::Status;
use crate::protocol::time::format_rfc3339;
use crate::tui::app::App;
use crate::tui::view::View;
use crate::units::human_ms;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, view: &View, theme: Theme) {
    let cid = app.detail.as_deref().unwrap_or_default();
    let Some(e) = view.get(cid) else {
        let text =
            format!("{cid} is no longer held (the history keeps the last finished executions)");
        frame.render_widget(Paragraph::new(text).block(block("execution", theme)), area);
        return;
    };
    let risk_panel = super::risk::RiskPanel::of(e, view);
    let [ids, waterfall, risk, lower] = Layout::vertical([
        Constraint::Length(5),
        Constraint::Length(
            (e.tasks.iter().map(|t| t.attempts.len()).sum::<usize>() as u16 + 3)
                .clamp(5, area.height / 2),
        ),
        Constraint::Length(
            risk_panel
                .as_ref()
                .map_or(0, |p| p.height().min(area.height / 3)),
        ),
        Constraint::Min(4),
    ])
    .areas(area);
    draw_ids(frame, ids, e, view, theme);
    draw_waterfall(frame, waterfall, e, view, theme);
    if let Some(panel) = &risk_panel
        && risk.height > 0
    {
        panel.draw(frame, risk, view, theme);
    }
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(lower);
    draw_errors_and_alerts(frame, left, e, view, theme);
    draw_logs(frame, right, e, theme);
}

fn status_span(status: Option<Status>, abandoned: bool, theme: Theme) -> Span<'static> {
    match (status, abandoned) {
        (Some(Status::Ok), _) => Span::styled("ok", theme.ok()),
        (Some(s), _) => Span::styled(s.as_str(), theme.crit()),
        (None, true) => Span::styled("abandoned", theme.warn()),
        (None, false) => Span::styled("running", theme.warn()),
    }
}

fn draw_ids(frame: &mut Frame, area: Rect, e: &Execution, view: &View, theme: Theme) {
    let opt = |v: Option<&str>| v.unwrap_or("-").to_string();
    let end = e.finished_at.unwrap_or(view.clock);
    let start = e.started_at.unwrap_or(e.first_event_at);
    let lines = vec![
        Line::from(vec![
            Span::styled(e.correlation_id.to_string(), theme.title()),
            Span::raw("  "),
            if view.stale(e) {
                Span::styled("stale: its source is not connected", theme.dim())
            } else {
                status_span(e.status, e.abandoned, theme)
            },
            Span::raw(format!("  {}", human_ms((end - start).max(0) as f64))),
        ]),
        Line::from(format!(
            "project {} · execution {} · node {} · workflow {} · variant {}",
            opt(e.project_id.as_deref()),
            opt(e.execution_id.as_deref()),
            opt(e.node.as_deref()),
            opt(e.workflow.as_deref()),
            opt(e.variant.as_deref())
        )),
        runner_time_line(e, view, theme),
    ];
    frame.render_widget(Paragraph::new(lines).block(block("execution", theme)), area);
}

/// Its finished attempts' runner time, the part failures threw away, and
/// its price when `cost.per_runner_hour` is set.
fn runner_time_line(e: &Execution, view: &View, theme: Theme) -> Line<'static> {
    let t = e.runner_time();
    if t.attempts == 0 {
        return Line::styled("runner time: no attempt finished yet", theme.dim());
    }
    let mut spans = vec![Span::raw(format!(
        "runner time {} over {} attempt{}",
        human_ms(t.busy_ms),
        t.attempts,
        if t.attempts == 1 { "" } else { "s" }
    ))];
    if t.failed_ms > 0.0 {
        spans.push(Span::raw(" · "));
        spans.push(Span::styled(
            format!("{} thrown away by failures", human_ms(t.failed_ms)),
            theme.warn(),
        ));
    }
    if t.retry_ms > 0.0 {
        spans.push(Span::raw(format!(" · retries {}", human_ms(t.retry_ms))));
    }
    if let Some(rate) = view.per_runner_hour {
        spans.push(Span::raw(format!(" · cost {:.4}", price(t.busy_ms, rate))));
    }
    Line::from(spans)
}

fn draw_waterfall(frame: &mut Frame, area: Rect, e: &Execution, view: &View, theme: Theme) {
    let b = block("waterfall (* critical path)", theme);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let start = e.started_at.unwrap_or(e.first_event_at);
    let end = e.finished_at.unwrap_or(view.clock).max(start + 1);
    let span = (end - start) as f64;
    let label_width = 22usize;
    let tail = 26usize;
    let track = (inner.width as usize)
        .saturating_sub(label_width + tail)
        .max(10);
    let path: Vec<usize> = path_of(e).iter().map(|s| s.task).collect();
    let mut lines = Vec::new();
    for (ti, task) in e.tasks.iter().enumerate() {
        let critical = if path.contains(&ti) { "*" } else { " " };
        for a in &task.attempts {
            let from = a.started_at.unwrap_or(start);
            let to = a.finished_at.unwrap_or(view.clock).max(from);
            let col = |t: i64| {
                (((t - start) as f64 / span) * track as f64)
                    .round()
                    .clamp(0.0, track as f64) as usize
            };
            let (c0, c1) = (col(from), col(to).max(col(from) + 1).min(track));
            let queue = a
                .queue_ms
                .map_or(0, |q| ((q / span) * track as f64).round() as usize)
                .min(c0);
            let style = match a.status {
                Some(Status::Ok) => theme.ok(),
                Some(_) => theme.crit(),
                None => theme.warn(),
            };
            let name = format!("{critical}{} #{}", task.task_id, a.attempt);
            lines.push(Line::from(vec![
                Span::raw(format!(
                    "{:<label_width$}",
                    name.chars().take(label_width - 1).collect::<String>()
                )),
                Span::raw(" ".repeat(c0 - queue)),
                Span::styled("·".repeat(queue), theme.dim()),
                Span::styled("█".repeat(c1 - c0), style),
                Span::raw(" ".repeat(track - c1)),
                Span::raw(format!(
                    " {:>8} ",
                    a.duration_ms
                        .map_or_else(|| human_ms((view.clock - from).max(0) as f64), human_ms)
                )),
                status_span(a.status, false, theme),
                Span::styled(
                    a.queue_ms
                        .map_or(String::new(), |q| format!(" q {}", human_ms(q))),
                    theme.dim(),
                ),
            ]));
        }
    }
    if lines.is_empty() {
        lines.push(Line::from(Span::styled(
            "no stage has started",
            theme.dim(),
        )));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn draw_errors_and_alerts(frame: &mut Frame, area: Rect, e: &Execution, view: &View, theme: Theme) {
    let mut lines: Vec<Line> = e
        .errors()
        .map(|(task, a, err)| {
            let kind = err.kind.as_deref().unwrap_or("Error");
            let code = err.code.as_deref().unwrap_or("");
            Line::from(vec![
                Span::styled(
                    format!("{} #{} {kind} {code}: ", task.task_id, a.attempt),
                    theme.crit(),
                ),
                Span::raw(err.message.as_deref().unwrap_or("").to_string()),
            ])
        })
        .collect();
    let alerts: Vec<Line> = view
        .ticked
        .alerts
        .firing()
        .iter()
        .filter(|a| a.correlation_id.as_deref() == Some(&*e.correlation_id))
        .map(|a| {
            Line::from(Span::styled(
                format!(
                    "alert {} {} {}: {}",
                    a.severity.as_str(),
                    a.rule.as_str(),
                    a.subject,
                    a.summary
                ),
                theme.warn(),
            ))
        })
        .collect();
    lines.extend(alerts);
    let resources: Vec<Line> = e
        .tasks
        .iter()
        .flat_map(|t| t.attempts.iter().map(move |a| (t, a)))
        .filter_map(|(t, a)| {
            let r = a.resources?;
            Some(Line::from(Span::styled(
                format!(
                    "{} #{}: cpu {} mem {}",
                    t.task_id,
                    a.attempt,
                    r.cpu_percent.map_or("-".into(), |c| format!("{c:.0}%")),
                    r.memory_mb.map_or("-".into(), |m| format!("{m:.0} MB"))
                ),
                theme.dim(),
            )))
        })
        .collect();
    lines.extend(resources);
    if lines.is_empty() {
        lines.push(Line::from(Span::styled("no error, no alert", theme.dim())));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(block("errors · alerts · resources", theme)),
        area,
    );
}

fn draw_logs(frame: &mut Frame, area: Rect, e: &Execution, theme: Theme) {
    let rows = area.height.saturating_sub(2) as usize;
    let mut lines: Vec<Line> = e
        .logs
        .iter()
        .map(|l| {
            Line::from(vec![
                Span::styled(
                    format_rfc3339(l.ts)
                        .get(11..19)
                        .unwrap_or_default()
                        .to_string(),
                    theme.dim(),
                ),
                Span::raw(format!(" {} {}", l.level.as_str(), l.message)),
            ])
        })
        .chain(e.metrics.iter().map(|m| {
            Line::from(Span::styled(
                format!(
                    "{} = {}",
                    m.name,
                    crate::units::human_metric(&m.name, m.value)
                ),
                theme.dim(),
            ))
        }))
        .collect();
    let skip = lines.len().saturating_sub(rows);
    lines.drain(..skip);
    if lines.is_empty() {
        lines.push(Line::from(Span::styled("no log or metric", theme.dim())));
    }
    frame.render_widget(
        Paragraph::new(lines).block(block("logs · metrics", theme)),
        area,
    );
}
