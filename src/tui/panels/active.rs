//! Active executions: each one's current stage, elapsed against its target
//! (a bar turning yellow at 75 %, red at 100 %), total elapsed, its chance
//! of failing (when that figure is calibrated well enough to be shown),
//! attempt, variant; and the count against the runner's limit.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use super::{Theme, bar, block};
use crate::tui::app::{App, Screen};
use crate::tui::view::View;
use crate::units::{human_ms, shorten_middle};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, view: &View, theme: Theme) {
    let title = format!(
        "active executions {} / limit {}",
        view.active.len(),
        view.concurrency_limit
    );
    let b = block(&title, theme);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    if view.active.is_empty() {
        let text = if view.input.received == 0 {
            "no events yet"
        } else {
            "no execution running"
        };
        frame.render_widget(Paragraph::new(Span::styled(text, theme.dim())), inner);
        return;
    }
    let wide = inner.width >= 90;
    // The id column is what the fixed ones leave (and a space between
    // each); long ids are cut in the middle to fit, keeping both ends.
    // In half of 80 columns the target bar is halved, so that the risk
    // column fits beside the rest.
    let bar_width = if inner.width < 52 { 3 } else { 8 };
    let progress_width = bar_width + 6;
    let fixed = 9 + progress_width + 7 + 5 + 4 + if wide { 14 + 10 + 3 + 7 + 4 } else { 0 };
    let id_width = (inner.width as usize).saturating_sub(fixed).max(12);
    let visible = inner.height.saturating_sub(1) as usize;
    let selected = (app.screen == Screen::Overview).then(|| {
        app.selection(Screen::Overview)
            .index_of(view.active.iter().map(|e| &*e.correlation_id))
    });
    let risk = &view.ticked.analyses.risk;
    let first = selected.map_or(0, |s| s.saturating_sub(visible.saturating_sub(1)));
    let rows = view
        .active
        .iter()
        .enumerate()
        .skip(first)
        .take(visible)
        .map(|(i, e)| {
            let (stage, elapsed, target, attempt) = match e.current() {
                Some((task, a)) => {
                    let elapsed = a.started_at.map_or(0.0, |s| (view.clock - s).max(0) as f64);
                    (
                        task.stage.as_ref(),
                        elapsed,
                        view.target(&task.stage),
                        a.attempt,
                    )
                }
                None => ("waiting", 0.0, None, 1),
            };
            let total = e.started_at.unwrap_or(e.first_event_at);
            let progress = match target {
                // Its runner is not connected: how long the stage has run
                // is unknown, not "past target".
                _ if view.stale(e) => Line::from(Span::styled("stale", theme.dim())),
                Some(t) if t > 0.0 => {
                    let r = elapsed / t;
                    Line::from(vec![
                        Span::styled(bar(r, bar_width), theme.ratio(r)),
                        Span::styled(format!(" {:>4.0}%", r * 100.0), theme.ratio(r)),
                    ])
                }
                _ if stage == "waiting" => Line::default(),
                _ => Line::from(Span::styled(human_ms(elapsed), theme.dim())),
            };
            // The chance it fails, while the figure is shown (calibrated).
            let risk = match risk.assess(e, view.clock).and_then(|a| a.fail) {
                Some(p) if !view.stale(e) => {
                    Cell::from(Span::styled(format!("{:>4.0}%", p * 100.0), theme.risk(p)))
                }
                _ => Cell::from(Span::styled("    -", theme.dim())),
            };
            let mut cells = vec![
                Cell::from(shorten_middle(&e.correlation_id, id_width)),
                Cell::from(stage),
                Cell::from(progress),
                Cell::from(human_ms((view.clock - total).max(0) as f64)),
                risk,
            ];
            if wide {
                cells.extend([
                    Cell::from(e.project_id.as_deref().unwrap_or("-")),
                    Cell::from(e.node.as_deref().unwrap_or("-")),
                    Cell::from(attempt.to_string()),
                    Cell::from(e.variant.as_deref().unwrap_or("-")),
                ]);
            }
            let row = Row::new(cells);
            if selected == Some(i) {
                row.style(theme.selected())
            } else {
                row
            }
        });
    let mut widths = vec![
        Constraint::Min(12),
        Constraint::Length(9),
        Constraint::Length(progress_width as u16),
        Constraint::Length(7),
        Constraint::Length(5),
    ];
    let mut header = vec!["correlation id", "stage", "vs target", "total", " risk"];
    if wide {
        widths.extend([
            Constraint::Length(14),
            Constraint::Length(10),
            Constraint::Length(3),
            Constraint::Length(7),
        ]);
        header.extend(["project", "node", "try", "variant"]);
    }
    let table = Table::new(rows, widths).header(Row::new(header).style(theme.dim()));
    frame.render_widget(table, inner);
}
