//! The Timings screen's line chart: one stage's p50 and p95 over the
//! selected window's span (the last hour for "all"), each point the minute
//! before it, with the stage's target and its 75 % warning level as
//! horizontal lines.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Paragraph, Wrap};

use super::plot::{self, LEVEL, LIMIT, MAIN, SECOND};
use super::{Theme, block};
use crate::engine::Window;
use crate::levels::Level;
use crate::monitor::history::History;
use crate::tui::view::{StageView, View};
use crate::units::human_ms;

/// Points a line needs.
const LEAST_POINTS: usize = 2;

pub fn draw(
    frame: &mut Frame,
    area: Rect,
    stage: &StageView,
    window: Window,
    view: &View,
    theme: Theme,
) {
    let (target, stage) = (stage.target, &*stage.name);
    let span = plot::span_of(window);
    let b = block(
        &format!("{stage} p50 and p95, last {}", plot::span_words(span)),
        theme,
    );
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let history = &view.history;
    let Some(end) = history.runners.back().map(|p| p.at) else {
        plot::too_little(
            frame,
            inner,
            &format!("no data yet: {}, from the first events", plot::resolution()),
            theme,
        );
        return;
    };
    let start = end - span;
    let points: Vec<_> = history
        .stages
        .get(stage)
        .map(|series| {
            History::since(series, start, |p| p.at)
                .filter(|p| p.count > 0)
                .collect()
        })
        .unwrap_or_default();
    if points.len() < LEAST_POINTS {
        plot::too_little(
            frame,
            inner,
            &format!(
                "too little data for a line: {} point{} with finished attempts in the last {} \
                 ({}, each over the minute before it)",
                points.len(),
                if points.len() == 1 { "" } else { "s" },
                plot::span_words(span),
                plot::resolution()
            ),
            theme,
        );
        return;
    }
    let x = |at: i64| (at - start) as f64 / 1_000.0;
    let width = span as f64 / 1_000.0;
    let p95: Vec<(f64, f64)> = points.iter().map(|p| (x(p.at), p.p95)).collect();
    let p50: Vec<(f64, f64)> = points.iter().map(|p| (x(p.at), p.p50)).collect();
    let highest = points.iter().map(|p| p.p95).fold(0.0, f64::max);
    let top = (highest.max(target.unwrap_or(0.0)) * 1.1).max(1.0);
    let latest = points.last().map_or(0.0, |p| p.p95);
    let p95_style = match target {
        Some(t) => theme.level(Level::from_ratio(latest / t)),
        None => theme.title(),
    };
    let key = legend(target, latest, points.len(), theme, p95_style);
    // The key wraps onto a second row where the chart is narrow.
    let key_rows = if key.width() > inner.width as usize {
        2
    } else {
        1
    };
    let [legend_area, chart_area] =
        Layout::vertical([Constraint::Length(key_rows), Constraint::Min(0)]).areas(inner);
    let (target_line, warning_line) = match target {
        Some(t) => (
            vec![(0.0, t), (width, t)],
            plot::dotted(0.75 * t, width, chart_area.width as usize / 3),
        ),
        None => (Vec::new(), Vec::new()),
    };
    // Drawn in this order, the p95 on top; without a target its two lines
    // have no points and draw nothing.
    let datasets = [
        (&LEVEL, GraphType::Scatter, theme.warn(), &warning_line),
        (&LIMIT, GraphType::Line, theme.crit(), &target_line),
        (&SECOND, GraphType::Line, theme.title(), &p50),
        (&MAIN, GraphType::Line, p95_style, &p95),
    ]
    .into_iter()
    .map(|(look, kind, style, data)| {
        Dataset::default()
            .marker(look.marker)
            .graph_type(kind)
            .style(style)
            .data(data)
    })
    .collect();
    frame.render_widget(Paragraph::new(key).wrap(Wrap { trim: true }), legend_area);
    let labels = plot::time_labels(start, end);
    let chart = Chart::new(datasets)
        .legend_position(None)
        .x_axis(
            Axis::default()
                .bounds([0.0, width])
                .labels(labels)
                .style(theme.dim()),
        )
        .y_axis(
            Axis::default()
                .bounds([0.0, top])
                .labels(["0".to_string(), human_ms(top / 2.0), human_ms(top)])
                .style(theme.dim()),
        );
    frame.render_widget(chart, chart_area);
}

/// The chart's key, in the series' own glyphs and styles, and what a point
/// is.
fn legend(
    target: Option<f64>,
    latest: f64,
    points: usize,
    theme: Theme,
    p95_style: Style,
) -> Line<'static> {
    let mut spans = vec![
        Span::styled(
            format!("{} p95 {}", MAIN.glyph, human_ms(latest)),
            p95_style,
        ),
        Span::raw("  "),
        Span::styled(format!("{} p50", SECOND.glyph), theme.title()),
    ];
    if let Some(t) = target {
        spans.extend([
            Span::raw("  "),
            Span::styled(
                format!("{} target {}", LIMIT.glyph, human_ms(t)),
                theme.crit(),
            ),
            Span::raw("  "),
            Span::styled(
                format!("{} 75% {}", LEVEL.glyph, human_ms(0.75 * t)),
                theme.warn(),
            ),
        ]);
    }
    spans.push(Span::styled(
        format!("  · {points} points, {}", plot::resolution()),
        theme.dim(),
    ));
    Line::from(spans)
}
