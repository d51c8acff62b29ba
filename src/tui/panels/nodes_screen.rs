//! The Nodes screen: each runner node's load (from its `resource_sample`s),
//! its executions and how they ended, and each stage's p50/p95 on it; the
//! node where a stage is slowest is marked `◀ slowest`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use super::{Theme, block};
use crate::tui::view::View;
use crate::units::human_ms;

pub fn draw(frame: &mut Frame, area: Rect, view: &View, theme: Theme) {
    let nodes = &view.ticked.analyses.nodes;
    let b = block("runner nodes", theme);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    if nodes.nodes.is_empty() {
        frame.render_widget(
            Paragraph::new(Span::styled(
                "no runner node yet: nodes come from executions' `node` and `resource_sample`s",
                theme.dim(),
            )),
            inner,
        );
        return;
    }
    let percent = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.0}%"));
    let mut rows = Vec::new();
    for n in &nodes.nodes {
        let success = n
            .success_rate()
            .map_or_else(|| "-".to_string(), |r| format!("{:.0}%", r * 100.0));
        rows.push(
            Row::new(vec![
                Cell::from(Span::styled(n.node.clone(), theme.title())),
                Cell::from(percent(n.cpu_percent)),
                Cell::from(percent(n.cpu_p95_5m)),
                Cell::from(
                    n.memory_mb
                        .map_or_else(|| "-".to_string(), |mb| format!("{:.1} GB", mb / 1024.0)),
                ),
                Cell::from(format!("{} ({} running)", n.executions, n.running)),
                Cell::from(success),
            ])
            .style(theme.title()),
        );
        for (stage, s) in &n.stages {
            let slowest = nodes.slowest.get(stage) == Some(&n.node);
            let mark = if slowest {
                Span::styled("◀ slowest", theme.crit())
            } else {
                Span::raw("")
            };
            rows.push(Row::new(vec![
                Cell::from(format!("  {stage}")),
                Cell::from(""),
                Cell::from(""),
                Cell::from(""),
                Cell::from(format!(
                    "p50 {} p95 {} ({} ok)",
                    human_ms(s.p50_ms),
                    human_ms(s.p95_ms),
                    s.attempts
                )),
                Cell::from(Line::from(mark)),
            ]));
        }
    }
    let widths = [
        Constraint::Length(14),
        Constraint::Length(6),
        Constraint::Length(8),
        Constraint::Length(9),
        Constraint::Min(30),
        Constraint::Length(9),
    ];
    let header =
        Row::new(vec!["node", "cpu", "cpu p95", "memory", "executions", "ok"]).style(theme.dim());
    frame.render_widget(
        Table::new(rows.into_iter().take(inner.height as usize), widths).header(header),
        inner,
    );
}
