//! The Nodes screen: each runner node's CPU and memory over time (from its
//! `resource_sample`s, a point of the monitor's history every 10 s), then
//! its load, its executions and how they ended, and each stage's p50/p95
//! on it; the node where a stage is slowest is marked `◀ slowest`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Sparkline, Table};

use super::{Theme, block, plot};
use crate::monitor::history::{NodePoint, STEP_MS};
use crate::tui::view::View;
use crate::units::human_ms;

pub fn draw(frame: &mut Frame, area: Rect, view: &View, theme: Theme) {
    let series = &view.history.nodes;
    // The table keeps the rows it fills; each node's load over time gets
    // one row, and up to three (24 levels) where the table leaves room,
    // the load panel staying within half the screen.
    let nodes = &view.ticked.analyses.nodes.nodes;
    let table_rows = nodes.iter().map(|n| n.stages.len() + 1).sum::<usize>() as u16 + 3;
    let spare = area.height.saturating_sub(table_rows);
    let n = series.len().max(1) as u16;
    let per_node = (spare.saturating_sub(3) / n).clamp(1, 3);
    let load_height = if series.is_empty() {
        0
    } else {
        (n * per_node + 3).min(area.height / 2)
    };
    let [load_area, table_area] =
        Layout::vertical([Constraint::Length(load_height), Constraint::Min(0)]).areas(area);
    if load_height > 0 {
        load(frame, load_area, per_node, view, theme);
    }
    table(frame, table_area, view, theme);
}

/// One row per node: CPU (0–100 %) and memory (0 to the largest any node
/// reported) as sparklines over the same span.
fn load(frame: &mut Frame, area: Rect, per_node: u16, view: &View, theme: Theme) {
    let series = &view.history.nodes;
    let inner = block("", theme).inner(area);
    let [name_w, cpu_now_w, mem_now_w] = [14, 10, 13];
    let spark_w = inner
        .width
        .saturating_sub(name_w + cpu_now_w + mem_now_w + 2)
        / 2;
    let end = view.history.runners.back().map_or(0, |p| p.at);
    let start = end - i64::from(spark_w) * STEP_MS;
    let memory_top = series
        .values()
        .flat_map(|s| s.iter().map(|p| p.memory_mb))
        .fold(0.0, f64::max)
        .max(1.0);
    let b = block(
        &format!(
            "node load · the last {}, {}",
            plot::span_words(end - start),
            plot::resolution(),
        ),
        theme,
    );
    frame.render_widget(b, area);
    let header = Line::from(Span::styled(
        format!(
            "{:<w1$}{:<w2$}{:<w3$}memory max  0–{:.1} GB",
            "node",
            "cpu max",
            "0–100%",
            memory_top / 1024.0,
            w1 = name_w as usize,
            w2 = cpu_now_w as usize,
            w3 = spark_w as usize + 1,
        ),
        theme.dim(),
    ));
    let rows = Layout::vertical(
        std::iter::once(Constraint::Length(1))
            .chain(series.iter().map(|_| Constraint::Length(per_node))),
    )
    .split(inner);
    frame.render_widget(Paragraph::new(header), rows[0]);
    for ((name, points), &row) in series.iter().zip(rows.iter().skip(1)) {
        let [name_a, cpu_now, cpu_spark, _, mem_now, mem_spark] = Layout::horizontal([
            Constraint::Length(name_w),
            Constraint::Length(cpu_now_w),
            Constraint::Length(spark_w),
            Constraint::Length(1),
            Constraint::Length(mem_now_w),
            Constraint::Length(spark_w),
        ])
        .areas(row);
        // A column per step, a gap where the node did not report.
        let columns = |value: fn(&NodePoint) -> u64| -> Vec<Option<u64>> {
            let mut out = vec![None; spark_w as usize];
            for p in points.iter().filter(|p| p.at > start) {
                let i = ((p.at - start) / STEP_MS - 1).clamp(0, i64::from(spark_w) - 1);
                out[i as usize] = Some(value(p));
            }
            out
        };
        // The peaks over the span shown: the table below has the latest.
        let shown = || points.iter().filter(|p| p.at > start);
        let cpu = shown().map(|p| p.cpu_percent).fold(0.0, f64::max);
        let memory = shown().map(|p| p.memory_mb).fold(0.0, f64::max);
        frame.render_widget(
            Paragraph::new(Span::styled(name.to_string(), theme.title())),
            name_a,
        );
        frame.render_widget(
            Paragraph::new(Span::styled(format!("{cpu:>4.0}%"), theme.percent(cpu))),
            cpu_now,
        );
        frame.render_widget(
            Sparkline::default()
                .data(columns(|p| p.cpu_percent.round() as u64))
                .max(100)
                .style(theme.ok())
                .absent_value_symbol("·")
                .absent_value_style(theme.dim()),
            cpu_spark,
        );
        frame.render_widget(
            Paragraph::new(format!("{:>7.1} GB", memory / 1024.0)),
            mem_now,
        );
        frame.render_widget(
            Sparkline::default()
                .data(columns(|p| p.memory_mb.round() as u64))
                .max(memory_top.round() as u64)
                .style(theme.title())
                .absent_value_symbol("·")
                .absent_value_style(theme.dim()),
            mem_spark,
        );
    }
}

fn table(frame: &mut Frame, area: Rect, view: &View, theme: Theme) {
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
