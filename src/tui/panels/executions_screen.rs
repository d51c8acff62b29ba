//! The Executions screen: active and finished, filtered and sorted.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use super::{Theme, block};
use crate::protocol::Status;
use crate::tui::app::{App, Filter, Screen, Sort, executions};
use crate::tui::view::View;
use crate::units::{human_ms, shorten_middle};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, view: &View, theme: Theme) {
    let list = executions(app, view);
    let filter = match app.filter {
        Filter::All => "all",
        Filter::Active => "active",
        Filter::Finished => "finished",
        Filter::Failed => "failed",
    };
    let sort = match app.sort {
        Sort::Recent => "recent",
        Sort::Slowest => "slowest",
        Sort::Status => "status",
    };
    let b = block(
        &format!("executions {} · filter {filter} · sort {sort}", list.len()),
        theme,
    );
    let inner = b.inner(area);
    frame.render_widget(b, area);
    if list.is_empty() {
        frame.render_widget(
            Paragraph::new(Span::styled("no execution matches", theme.dim())),
            inner,
        );
        return;
    }
    let visible = inner.height.saturating_sub(1) as usize;
    let selected = app
        .selection(Screen::Executions)
        .index_of(list.iter().map(|e| &*e.correlation_id));
    let first = selected.saturating_sub(visible.saturating_sub(1));
    let wide = inner.width >= 100;
    // The id column is what the fixed ones leave (and a space between
    // each); long ids are cut in the middle to fit, keeping both ends.
    let fixed = 10 + 8 + 14 + 6 + 4 + if wide { 16 + 12 + 8 + 3 } else { 0 };
    let id_width = (inner.width as usize).saturating_sub(fixed).max(14);
    let rows = list
        .iter()
        .enumerate()
        .skip(first)
        .take(visible)
        .map(|(i, e)| {
            let (status, style) = match (e.status, e.abandoned) {
                (Some(Status::Ok), _) => ("ok".to_string(), theme.ok()),
                (Some(s), _) => (s.as_str().to_string(), theme.crit()),
                (None, true) => ("abandoned".into(), theme.warn()),
                // Its runner is not connected: whether it still runs is
                // unknown.
                (None, false) if view.stale(e) => ("stale".into(), theme.dim()),
                (None, false) => ("running".into(), theme.warn()),
            };
            let duration = e
                .duration_ms
                .unwrap_or((view.clock - e.started_at.unwrap_or(e.first_event_at)).max(0) as f64);
            let stage = e
                .current()
                .map(|(t, _)| t.stage.to_string())
                .or_else(|| e.tasks.last().map(|t| t.stage.to_string()))
                .unwrap_or_default();
            let mut cells = vec![
                Cell::from(shorten_middle(&e.correlation_id, id_width).into_owned()),
                Cell::from(Span::styled(status, style)),
                Cell::from(human_ms(duration)),
                Cell::from(stage),
                Cell::from(e.errors().count().to_string()),
            ];
            if wide {
                cells.extend([
                    Cell::from(e.project_id.as_deref().unwrap_or("-").to_string()),
                    Cell::from(e.node.as_deref().unwrap_or("-").to_string()),
                    Cell::from(e.variant.as_deref().unwrap_or("-").to_string()),
                ]);
            }
            let row = Row::new(cells);
            if i == selected {
                row.style(theme.selected())
            } else {
                row
            }
        });
    let mut widths = vec![
        Constraint::Min(14),
        Constraint::Length(10),
        Constraint::Length(8),
        Constraint::Length(14),
        Constraint::Length(6),
    ];
    let mut header = vec!["correlation id", "status", "took", "stage", "errors"];
    if wide {
        widths.extend([
            Constraint::Length(16),
            Constraint::Length(12),
            Constraint::Length(8),
        ]);
        header.extend(["project", "node", "variant"]);
    }
    frame.render_widget(
        Table::new(rows, widths).header(Row::new(header).style(theme.dim())),
        inner,
    );
}
