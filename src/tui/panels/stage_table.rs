//! The Overview's timings: p50 / p95 / p99 per stage over the selected
//! window, against target, with the level (their course over time is the
//! Timings screen's chart).

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use super::{Theme, block};
use crate::levels::Level;
use crate::tui::app::App;
use crate::tui::view::View;
use crate::units::human_ms;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, view: &View, theme: Theme) {
    let b = block(&format!("timings {}", app.window.label()), theme);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let wide = inner.width >= 50;
    let rows: Vec<Row> = view
        .stages
        .iter()
        .map(|stage| (&*stage.name, stage.durations(app.window)))
        .filter(|(_, s)| s.count > 0)
        .map(|(stage, s)| {
            let target = view.target(stage);
            let level = target.map(|t| Level::from_ratio(s.p95 / t));
            let style = level.map_or(theme.dim(), |l| theme.level(l));
            let level_text = level.map_or("-", |l| l.as_str());
            let mut cells = vec![
                Cell::from(stage.to_string()),
                Cell::from(human_ms(s.p50)),
                Cell::from(Span::styled(human_ms(s.p95), style)),
            ];
            if wide {
                cells.extend([
                    Cell::from(human_ms(s.p99)),
                    Cell::from(target.map_or("-".into(), human_ms)),
                ]);
                cells.push(Cell::from(Span::styled(level_text.to_string(), style)));
            } else {
                // p95 as a share of target, where there is no room for both.
                cells.push(Cell::from(Span::styled(
                    target.map_or("-".into(), |t| format!("{:.0}%", s.p95 / t * 100.0)),
                    style,
                )));
            }
            Row::new(cells)
        })
        .collect();
    if rows.is_empty() {
        frame.render_widget(
            Paragraph::new(Span::styled(
                format!("no stage finished in {}", app.window.label()),
                theme.dim(),
            )),
            inner,
        );
        return;
    }
    let table_area = inner;
    let (widths, header) = if wide {
        (
            vec![
                Constraint::Min(9),
                Constraint::Length(7),
                Constraint::Length(7),
                Constraint::Length(7),
                Constraint::Length(7),
                Constraint::Length(10),
            ],
            vec!["stage", "p50", "p95", "p99", "target", "level"],
        )
    } else {
        (
            vec![
                Constraint::Min(9),
                Constraint::Length(7),
                Constraint::Length(7),
                Constraint::Length(5),
            ],
            vec!["stage", "p50", "p95", "/tgt"],
        )
    };
    frame.render_widget(
        Table::new(rows, widths).header(Row::new(header).style(theme.dim())),
        table_area,
    );
}
