//! The Overview's trends: the runners' throughput (executions finished per
//! minute), error rate and active executions over the last minutes, as
//! labelled sparklines with their scale and span. Each column is a point
//! of the monitor's history (one every 10 s), newest on the right.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline, SparklineBar};

use super::plot;
use super::{Theme, block};
use crate::monitor::history::{RunnerPoint, STEP_MS};
use crate::tui::view::View;

/// One sparkline: what it shows, in what unit, from which figure.
struct Trend {
    label: &'static str,
    unit: &'static str,
    value: fn(&RunnerPoint) -> Option<u64>,
    style: fn(Theme) -> Style,
}

const TRENDS: [Trend; 3] = [
    Trend {
        label: "finished/min",
        unit: "",
        value: |p| Some(p.finished),
        style: Theme::title,
    },
    Trend {
        label: "failed",
        unit: "%",
        // No execution finished in that minute: no rate (drawn as a gap).
        value: |p| p.error_rate().map(|r| (r * 100.0).round() as u64),
        style: Theme::crit,
    },
    Trend {
        label: "active",
        unit: "",
        value: |p| Some(p.active),
        style: Theme::ok,
    },
];

pub fn draw(frame: &mut Frame, area: Rect, view: &View, theme: Theme) {
    let history = &view.history.runners;
    let columns = Layout::horizontal([Constraint::Ratio(1, 3); 3])
        .spacing(2)
        .split(block("", theme).inner(area));
    // The three share one span: as many points as the narrowest holds.
    let shown = columns
        .iter()
        .map(|c| c.width as usize)
        .min()
        .unwrap_or(0)
        .min(history.len());
    let title = if shown < 2 {
        "runners".to_string()
    } else {
        format!(
            "runners · the last {} ({})",
            plot::span_words(shown as i64 * STEP_MS),
            plot::resolution()
        )
    };
    let b = block(&title, theme);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    if history.len() < 2 {
        plot::too_little(
            frame,
            inner,
            &format!(
                "too little data for trends yet: {} point{}",
                history.len(),
                if history.len() == 1 { "" } else { "s" },
            ),
            theme,
        );
        return;
    }
    let points: Vec<&RunnerPoint> = history.range(history.len() - shown..).collect();
    for (trend, &column) in TRENDS.iter().zip(columns.iter()) {
        draw_trend(frame, column, trend, &points, theme);
    }
}

fn draw_trend(
    frame: &mut Frame,
    area: Rect,
    trend: &Trend,
    history: &[&RunnerPoint],
    theme: Theme,
) {
    let [label_area, spark_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    let points: Vec<Option<u64>> = history.iter().map(|p| (trend.value)(p)).collect();
    let values = || points.iter().flatten().copied();
    let (low, high) = (values().min(), values().max());
    let now = points.last().copied().flatten();
    let figure = |v: Option<u64>| v.map_or("-".to_string(), |v| format!("{v}{}", trend.unit));
    let label = Line::from(vec![
        Span::styled(format!("{} ", trend.label), theme.dim()),
        Span::styled(figure(now), (trend.style)(theme)),
        Span::styled(format!("  {}–{}", figure(low), figure(high)), theme.dim()),
    ]);
    frame.render_widget(Paragraph::new(label), label_area);
    let bars: Vec<SparklineBar> = points.iter().map(|&v| SparklineBar::from(v)).collect();
    frame.render_widget(
        Sparkline::default()
            .data(bars)
            .max(high.unwrap_or(1).max(1))
            .style((trend.style)(theme))
            .absent_value_symbol("·")
            .absent_value_style(theme.dim()),
        spark_area,
    );
}
