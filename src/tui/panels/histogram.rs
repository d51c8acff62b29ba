//! The Timings screen's histogram: one stage's durations over the selected
//! window on log-spaced buckets (from the engine's HDR histograms, via the
//! monitor's [`Shape`]s), fastest at the top, with the buckets holding the
//! p50, the p95 and the target named in words beside them.

use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Paragraph};

use super::plot;
use super::{Theme, block};
use crate::engine::{LogBuckets, Window};
use crate::monitor::history::Shape;
use crate::tui::view::{StageView, View};
use crate::units::{clock_of_day, human_ms};

/// Fewest values worth a histogram.
const LEAST_VALUES: u64 = 5;

pub fn draw(
    frame: &mut Frame,
    area: Rect,
    stage: &StageView,
    window: Window,
    view: &View,
    theme: Theme,
) {
    let shape: Option<&Shape> = view.history.shape_of(&stage.name, window);
    let (target, as_of) = (stage.target, view.history.shapes_at);
    let stage = &*stage.name;
    let b = block(
        &format!("{stage} durations, {}", plot::window_words(window)),
        theme,
    );
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let Some(shape) = shape.filter(|s| s.count >= LEAST_VALUES) else {
        let n = shape.map_or(0, |s| s.count);
        plot::too_little(
            frame,
            inner,
            &format!(
                "too little data for a histogram: {n} finished attempt{}, {} (needs {LEAST_VALUES})",
                if n == 1 { "" } else { "s" },
                plot::window_words(window)
            ),
            theme,
        );
        return;
    };
    let [summary, bars_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
    let mut summary_text = vec![Span::raw(format!("{} attempts", shape.count))];
    if let Some(t) = as_of {
        summary_text.push(Span::styled(
            format!(" · as of {}", clock_of_day(t)),
            theme.dim(),
        ));
    }
    if summary.width >= 50 {
        summary_text.push(Span::styled(" · log-spaced buckets", theme.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(summary_text)), summary);
    // Few values on many buckets read as noise: about 2·√n buckets (at
    // most one a row).
    let wanted = (2.0 * (shape.count as f64).sqrt()).ceil() as usize;
    let buckets = merged(&shape.buckets, wanted.min(bars_area.height as usize));
    let max = buckets.counts.iter().copied().max().unwrap_or(1).max(1);
    let marks = |low: f64, high: f64, last: bool| {
        let inside = |v: f64| v >= low && (v < high || (last && v <= high));
        let mut m = Vec::new();
        if inside(shape.p50) {
            m.push("p50");
        }
        if inside(shape.p95) {
            m.push("p95");
        }
        if target.is_some_and(inside) {
            m.push("target");
        }
        m.join(" ")
    };
    let n = buckets.counts.len();
    let bars: Vec<Bar> = buckets
        .counts
        .iter()
        .enumerate()
        .map(|(i, &count)| {
            let (low, high) = (buckets.edges[i], buckets.edges[i + 1]);
            let mark = marks(low, high, i + 1 == n);
            let style = match target {
                Some(t) if low >= t => theme.crit(),
                Some(t) if high > 0.75 * t => theme.warn(),
                Some(_) => theme.ok(),
                None => theme.title(),
            };
            let label = Line::from(vec![
                Span::raw(format!("≤{:>7} ", human_ms(high))),
                Span::styled(format!("{mark:<11}"), theme.title()),
            ]);
            Bar::default()
                .value(count)
                .text_value(if count > 0 {
                    count.to_string()
                } else {
                    String::new()
                })
                .label(label)
                .style(style)
        })
        .collect();
    frame.render_widget(
        BarChart::default()
            .direction(Direction::Horizontal)
            .bar_width(1)
            .bar_gap(0)
            .max(max)
            .value_style(theme.selected())
            .data(BarGroup::default().bars(&bars)),
        bars_area,
    );
    // Where the target lies outside every bucket, say so.
    if let Some(t) = target
        && (t > buckets.edges[n] || t < buckets.edges[0])
        && bars_area.height as usize > n
    {
        let note = if t > buckets.edges[n] {
            format!("target {}: above the slowest", human_ms(t))
        } else {
            format!("target {}: below the fastest", human_ms(t))
        };
        let at = Rect {
            y: bars_area.y + n as u16,
            height: 1,
            ..bars_area
        };
        frame.render_widget(Paragraph::new(Span::styled(note, theme.dim())), at);
    }
}

/// `buckets` with neighbours merged so that they fit in `rows`.
fn merged(buckets: &LogBuckets, rows: usize) -> LogBuckets {
    let n = buckets.counts.len();
    let by = n.div_ceil(rows.max(1)).max(1);
    let counts: Vec<u64> = buckets.counts.chunks(by).map(|c| c.iter().sum()).collect();
    let mut edges: Vec<f64> = buckets.edges.iter().step_by(by).copied().collect();
    if edges.len() < counts.len() + 1 {
        edges.push(buckets.edges[n]);
    } else if let Some(last) = edges.last_mut() {
        *last = buckets.edges[n];
    }
    LogBuckets { edges, counts }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_keeps_every_value_and_the_outer_edges() {
        let b = LogBuckets {
            edges: (0..=24).map(f64::from).collect(),
            counts: (0..24).collect(),
        };
        for rows in [1, 5, 7, 12, 24, 40] {
            let m = merged(&b, rows);
            assert!(m.counts.len() <= rows.max(1), "{rows}: {}", m.counts.len());
            assert_eq!(m.edges.len(), m.counts.len() + 1);
            assert_eq!(m.counts.iter().sum::<u64>(), (0..24).sum::<u64>());
            assert_eq!(m.edges[0], 0.0);
            assert_eq!(*m.edges.last().unwrap(), 24.0);
        }
    }
}
