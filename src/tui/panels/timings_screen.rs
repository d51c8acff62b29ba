//! The Timings screen: per stage, every window side by side, with counts,
//! success and queue waits.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use super::{Theme, block};
use crate::engine::Window;
use crate::levels::Level;
use crate::tui::view::View;
use crate::units::human_ms;

pub fn draw(frame: &mut Frame, area: Rect, view: &View, theme: Theme) {
    let b = block("timings: p50 / p95 / p99 per window", theme);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    // Narrow terminals drop max and the queue wait.
    let wide = inner.width >= 100;
    let mut rows = Vec::new();
    for stats in &view.stages {
        let (stage, target) = (&*stats.name, stats.target);
        for (i, window) in Window::ALL.into_iter().enumerate() {
            let s = stats.durations(window);
            let level = target
                .filter(|_| s.count > 0)
                .map(|t| Level::from_ratio(s.p95 / t));
            let style = level.map_or(theme.dim(), |l| theme.level(l));
            let queue = stats.queue(window);
            let mut cells = vec![
                Cell::from(if i == 0 {
                    stage.to_string()
                } else {
                    String::new()
                }),
                Cell::from(window.label()),
                Cell::from(s.count.to_string()),
                Cell::from(
                    s.success_rate()
                        .map_or("-".into(), |r| format!("{:.1}%", r * 100.0)),
                ),
                Cell::from(human_ms(s.p50)),
                Cell::from(Span::styled(human_ms(s.p95), style)),
                Cell::from(human_ms(s.p99)),
            ];
            if wide {
                cells.push(Cell::from(human_ms(s.max)));
                cells.push(Cell::from(if queue.count > 0 {
                    human_ms(queue.p95)
                } else {
                    "-".into()
                }));
            }
            cells.push(Cell::from(Span::styled(
                format!(
                    "{} {}",
                    target.map_or("-".into(), human_ms),
                    level.map_or("", |l| l.as_str())
                ),
                style,
            )));
            rows.push(Row::new(cells));
        }
    }
    if rows.is_empty() {
        frame.render_widget(
            Paragraph::new(Span::styled("no stage has finished yet", theme.dim())),
            inner,
        );
        return;
    }
    let mut widths = vec![
        Constraint::Length(11),
        Constraint::Length(4),
        Constraint::Length(6),
        Constraint::Length(7),
    ];
    widths.extend([Constraint::Length(8); 3]);
    let mut names = vec!["stage", "win", "n", "success", "p50", "p95", "p99"];
    if wide {
        widths.extend([Constraint::Length(8), Constraint::Length(8)]);
        names.extend(["max", "queue95"]);
    }
    widths.push(Constraint::Min(10));
    names.push("target");
    frame.render_widget(
        Table::new(rows, widths).header(Row::new(names).style(theme.dim())),
        inner,
    );
}
