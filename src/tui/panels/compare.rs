//! The Compare screen: A/B comparison of variants, per stage and whole
//! executions, with the verdict in words.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{Theme, block};
use crate::tui::view::View;
use crate::units::human_ms;

pub fn draw(frame: &mut Frame, area: Rect, view: &View, theme: Theme) {
    let mut lines = Vec::new();
    for c in &view.ticked.analyses.comparisons {
        let style = if c.significant {
            theme.title()
        } else {
            theme.dim()
        };
        lines.push(Line::from(Span::styled(c.verdict.clone(), style)));
        lines.push(Line::from(format!(
            "   {}: {} n={} p50 {} p95 {} ok {:.1}%   {} n={} p50 {} p95 {} ok {:.1}%   shift {} [{} … {}]",
            c.subject,
            c.a,
            c.n_a,
            human_ms(c.p50_a_ms),
            human_ms(c.p95_a_ms),
            c.success_a * 100.0,
            c.b,
            c.n_b,
            human_ms(c.p50_b_ms),
            human_ms(c.p95_b_ms),
            c.success_b * 100.0,
            signed(c.shift_ms),
            signed(c.shift_low_ms),
            signed(c.shift_high_ms),
        )));
    }
    if lines.is_empty() {
        lines.push(Line::from(Span::styled(
            "nothing to compare yet: needs executions of two variants (5 each)",
            theme.dim(),
        )));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block("compare: A/B by variant", theme)),
        area,
    );
}

fn signed(ms: f64) -> String {
    if ms < 0.0 {
        format!("-{}", human_ms(-ms))
    } else {
        format!("+{}", human_ms(ms))
    }
}
