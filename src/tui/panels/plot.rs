//! What the charts share: the span a chart covers, its time axis, the
//! series' markers (so that they stay apart without colour) and the plain
//! sentence a chart shows instead when it has too little to draw.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::Theme;
use crate::engine::Window;
use crate::monitor::history::{SPAN_MS, STEP_MS};
use crate::protocol::Millis;
use crate::units::clock_of_day;

/// How each kind of series is drawn: by shape as well as by colour, so a
/// chart reads the same under `NO_COLOR`. The legends show the same glyph.
pub struct Look {
    pub marker: Marker,
    pub glyph: &'static str,
}

/// The main series (a p95): fine Braille dots, a continuous line.
pub const MAIN: Look = Look {
    marker: Marker::Braille,
    glyph: "⣀",
};
/// The second series (a p50): a dot per cell.
pub const SECOND: Look = Look {
    marker: Marker::Dot,
    glyph: "•",
};
/// A limit (a target): a solid bar.
pub const LIMIT: Look = Look {
    marker: Marker::HalfBlock,
    glyph: "▀",
};
/// A warning level: Braille dots with gaps (a dotted line).
pub const LEVEL: Look = Look {
    marker: Marker::Braille,
    glyph: "⠂",
};

/// How far back a chart over `window` reaches: the window, or the hour the
/// history keeps for "all".
pub fn span_of(window: Window) -> Millis {
    window.span_ms().unwrap_or(SPAN_MS).min(SPAN_MS)
}

/// A window in words, after a comma or "over": `last 5m`, `all time`.
pub fn window_words(window: Window) -> String {
    match window {
        Window::AllTime => "all time".into(),
        w => format!("last {}", w.label()),
    }
}

/// A span in words: `5m`, `1h`, `4m10s`, `40s`.
pub fn span_words(ms: Millis) -> String {
    let s = ms / 1_000;
    match (s / 3_600, s % 3_600 / 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m{s:02}s"),
        (h, 0, _) => format!("{h}h"),
        (h, m, _) => format!("{h}h{m:02}m"),
    }
}

/// Labels of a time axis from `start` to `end`: the clock at both ends and
/// in the middle (to the minute over long spans).
pub fn time_labels(start: Millis, end: Millis) -> Vec<String> {
    let clock = |ms: Millis| {
        let c = clock_of_day(ms);
        if end - start > 10 * 60_000 {
            c.get(..5).unwrap_or(&c).to_string()
        } else {
            c
        }
    };
    vec![clock(start), clock(start + (end - start) / 2), clock(end)]
}

/// A dotted horizontal line at `y` from 0 to `width` (in the chart's x
/// units): `points` points, evenly spaced.
pub fn dotted(y: f64, width: f64, points: usize) -> Vec<(f64, f64)> {
    let n = points.max(2);
    (0..n)
        .map(|i| (width * i as f64 / (n - 1) as f64, y))
        .collect()
}

/// What a chart says instead of drawing when it has too little data.
pub fn too_little(frame: &mut Frame, area: Rect, what: &str, theme: Theme) {
    frame.render_widget(
        Paragraph::new(Line::from(Span::styled(what.to_string(), theme.dim())))
            .wrap(Wrap { trim: true }),
        area,
    );
}

/// "a point every 10 s": how the series were sampled.
pub fn resolution() -> String {
    format!("a point every {} s", STEP_MS / 1_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_and_labels() {
        assert_eq!(span_of(Window::FiveMinutes), 300_000);
        assert_eq!(span_of(Window::AllTime), SPAN_MS);
        assert_eq!(span_words(300_000), "5m");
        assert_eq!(span_words(3_600_000), "1h");
        assert_eq!(span_words(70_000), "1m10s");
        assert_eq!(span_words(40_000), "40s");
        let t = 1_795_341_600_000; // 2026-11-23T… on the minute
        let labels = time_labels(t, t + 3_600_000);
        assert_eq!(labels.len(), 3);
        assert!(labels.iter().all(|l| l.len() == 5), "{labels:?}");
        assert!(time_labels(t, t + 60_000).iter().all(|l| l.len() == 8));
        assert_eq!(dotted(3.0, 10.0, 3), [(0.0, 3.0), (5.0, 3.0), (10.0, 3.0)]);
    }
}
