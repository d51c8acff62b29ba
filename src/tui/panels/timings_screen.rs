//! The Timings screen: every stage over the selected window (`w`) in a
//! table, and for the selected stage (`j`/`k`) its p50 and p95 over time
//! beside the distribution of its durations.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use super::{Theme, block, histogram, plot, stage_chart};
use crate::levels::Level;
use crate::tui::app::{App, Screen};
use crate::tui::view::View;
use crate::units::human_ms;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, view: &View, theme: Theme) {
    if view.stages.is_empty() {
        let b = block("timings", theme);
        let inner = b.inner(area);
        frame.render_widget(b, area);
        frame.render_widget(
            Paragraph::new(Span::styled("no stage has finished yet", theme.dim())),
            inner,
        );
        return;
    }
    let selected = app
        .selection(Screen::Timings)
        .index_of(view.stages.iter().map(|s| &*s.name));
    // The table gets its rows, up to a third of the screen; the charts the
    // rest.
    let table_height = (view.stages.len() as u16 + 3).min((area.height / 3).max(5));
    let [table_area, charts] =
        Layout::vertical([Constraint::Length(table_height), Constraint::Min(0)]).areas(area);
    table(frame, table_area, app, view, selected, theme);
    let stage = &view.stages[selected.min(view.stages.len() - 1)];
    let [line, distribution] =
        Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)]).areas(charts);
    stage_chart::draw(frame, line, stage, app.window, view, theme);
    histogram::draw(frame, distribution, stage, app.window, view, theme);
}

fn table(frame: &mut Frame, area: Rect, app: &App, view: &View, selected: usize, theme: Theme) {
    let window = app.window;
    let b = block(
        &format!(
            "timings, {} (w: window · j/k: stage)",
            plot::window_words(window)
        ),
        theme,
    );
    let inner = b.inner(area);
    frame.render_widget(b, area);
    // Narrow terminals drop max and the queue wait.
    let wide = inner.width >= 100;
    let rows: Vec<Row> = view
        .stages
        .iter()
        .map(|stats| {
            let s = stats.durations(window);
            let target = stats.target;
            let level = target
                .filter(|_| s.count > 0)
                .map(|t| Level::from_ratio(s.p95 / t));
            let style = level.map_or(theme.dim(), |l| theme.level(l));
            let queue = stats.queue(window);
            let figure = |v: f64| {
                if s.count > 0 { human_ms(v) } else { "-".into() }
            };
            let mut cells = vec![
                Cell::from(stats.name.to_string()),
                Cell::from(s.count.to_string()),
                Cell::from(
                    s.success_rate()
                        .map_or("-".into(), |r| format!("{:.1}%", r * 100.0)),
                ),
                Cell::from(figure(s.p50)),
                Cell::from(Span::styled(figure(s.p95), style)),
                Cell::from(figure(s.p99)),
            ];
            if wide {
                cells.push(Cell::from(figure(s.max)));
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
            Row::new(cells)
        })
        .collect();
    let mut widths = vec![
        Constraint::Length(14),
        Constraint::Length(6),
        Constraint::Length(8),
    ];
    widths.extend([Constraint::Length(9); 3]);
    let mut names = vec!["stage", "n", "success", "p50", "p95", "p99"];
    if wide {
        widths.extend([Constraint::Length(9), Constraint::Length(9)]);
        names.extend(["max", "queue95"]);
    }
    widths.push(Constraint::Min(10));
    names.push("target");
    let mut state = TableState::default().with_selected(Some(selected));
    frame.render_stateful_widget(
        Table::new(rows, widths)
            .header(Row::new(names).style(theme.dim()))
            .row_highlight_style(theme.selected()),
        inner,
        &mut state,
    );
}
