//! The KPI strip: one line at the top of the overview with the efficiency
//! KPIs of the held history, each coloured by its target (`[targets.kpi]`):
//! throughput per workflow, parallel efficiency, task startup p95,
//! coordination share, retry rate, and stages at saturation. A KPI withheld
//! for lack of data is not shown; with none yet, the strip says what it
//! waits for.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::Theme;
use crate::analytics::kpis::{Kpis, MIN_SAMPLES};
use crate::tui::view::View;
use crate::units::human_ms;

fn judged(theme: Theme, met: bool) -> Style {
    if met { theme.ok() } else { theme.warn() }
}

/// The strip's parts, each a label and a styled figure.
fn parts(k: &Kpis, theme: Theme) -> Vec<(String, String, Style)> {
    let t = &k.targets;
    let pct = |v: f64| format!("{:.1}%", v * 100.0);
    let mut out = Vec::new();
    for w in &k.workflows {
        // Without a backlog throughput is demand, not a verdict: dim.
        let style = if w.backlog {
            judged(theme, w.per_min >= w.target_per_min)
        } else {
            theme.dim()
        };
        out.push((w.workflow.clone(), format!("{:.1}/min", w.per_min), style));
        if let Some(e) = w.parallel_efficiency {
            out.push((
                "efficiency".into(),
                pct(e),
                judged(theme, e >= t.parallel_efficiency),
            ));
        }
    }
    if let Some(s) = &k.startup {
        out.push((
            "startup p95".into(),
            human_ms(s.p95_ms),
            judged(theme, s.p95_ms <= t.startup_ms),
        ));
    }
    if let Some(c) = &k.coordination {
        out.push((
            "coordination".into(),
            pct(c.share),
            judged(theme, c.share <= t.coordination_share),
        ));
    }
    if let Some(r) = &k.retries {
        out.push((
            "retries".into(),
            pct(r.rate),
            judged(theme, r.rate <= t.retry_rate),
        ));
    }
    for r in k
        .stage_resources
        .iter()
        .filter(|r| r.state == Some("saturated"))
    {
        out.push((r.name.clone(), "CPU saturated".into(), theme.crit()));
    }
    out
}

pub fn draw(frame: &mut Frame, area: Rect, view: &View, theme: Theme) {
    let k = &view.ticked.analyses.kpis;
    let parts = parts(k, theme);
    let mut spans = vec![Span::styled("KPIs ", theme.title())];
    if parts.is_empty() {
        spans.push(Span::styled(
            format!(
                "waiting for {MIN_SAMPLES} finished executions ({} so far)",
                k.executions
            ),
            theme.dim(),
        ));
    }
    for (i, (label, value, style)) in parts.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", theme.dim()));
        }
        spans.push(Span::raw(format!("{label} ")));
        spans.push(Span::styled(value, style));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
