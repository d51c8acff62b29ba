//! Bottlenecks: the ranked list, with its evidence.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Theme, block};
use crate::tui::model::Model;

pub fn draw(frame: &mut Frame, area: Rect, model: &Model, theme: Theme) {
    let b = block("bottlenecks", theme);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let lines: Vec<Line> = if model.bottlenecks.is_empty() {
        vec![Line::from(Span::styled(
            "none yet: ranked once ten executions have finished",
            theme.dim(),
        ))]
    } else {
        model
            .bottlenecks
            .iter()
            .map(|b| {
                let kind = serde_json::to_value(b.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default();
                Line::from(vec![
                    Span::styled(format!("{:.2} ", b.score), theme.warn()),
                    Span::raw(format!("{kind} {}: {}", b.subject, b.evidence.join("; "))),
                ])
            })
            .collect()
    };
    frame.render_widget(Paragraph::new(lines), inner);
}
