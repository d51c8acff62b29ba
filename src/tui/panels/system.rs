//! This host (the one runtop runs on, named in the title; runner nodes are
//! on the Nodes screen): CPU (per core where there is room), memory, load
//! average, runtop's own CPU and memory, with labelled sparklines of recent
//! CPU and memory.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline};

use super::{Theme, block};
use crate::tui::view::View;

pub fn draw(frame: &mut Frame, area: Rect, view: &View, theme: Theme) {
    let name = view
        .ticked
        .host
        .as_ref()
        .and_then(|s| s.host_name.as_deref())
        .unwrap_or("this host");
    let b = block(
        &format!("system · {name} (runtop's host; runners: 7)"),
        theme,
    );
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let Some(s) = &view.ticked.host else {
        frame.render_widget(
            Paragraph::new(Span::styled("sampling this host's load…", theme.dim())),
            inner,
        );
        return;
    };
    let load = s.load_average.map_or_else(String::new, |(a, b, c)| {
        format!(" │ load {a:.2} {b:.2} {c:.2}")
    });
    let summary = Line::from(vec![
        Span::raw("CPU "),
        Span::styled(
            format!("{:>3.0}%", s.cpu_percent),
            theme.percent(s.cpu_percent),
        ),
        Span::raw(format!(
            " │ mem {:.1}/{:.1} GB ({:.0}%)",
            s.memory_used_mb / 1024.0,
            s.memory_total_mb / 1024.0,
            s.memory_percent()
        )),
        Span::raw(load),
        Span::styled(
            format!(
                " │ runtop {:.0}% {:.0} MB",
                s.self_cpu_percent, s.self_rss_mb
            ),
            theme.dim(),
        ),
    ]);
    let [text, spark] = Layout::horizontal([
        Constraint::Min(0),
        Constraint::Length(if inner.width > 100 { 40 } else { 0 }),
    ])
    .areas(inner);
    let mut lines = vec![summary];
    if inner.height > 1 && !s.per_core.is_empty() {
        let cores: Vec<Span> = s
            .per_core
            .iter()
            .map(|c| Span::styled(format!("{c:>3.0}% "), theme.percent(*c)))
            .collect();
        lines.push(Line::from([vec![Span::raw("cores ")], cores].concat()));
    }
    frame.render_widget(Paragraph::new(lines), text);
    if spark.width > 0 {
        // CPU above, memory below: the last minutes, a column a second.
        let [cpu_area, memory_area] =
            Layout::vertical([Constraint::Ratio(1, 2), Constraint::Ratio(1, 2)]).areas(spark);
        for (label, history, area, style) in [
            ("cpu", &view.ticked.cpu_history, cpu_area, theme.ok()),
            (
                "mem",
                &view.ticked.memory_history,
                memory_area,
                theme.title(),
            ),
        ] {
            // What it is and its scale: a sparkline alone says neither.
            let [label_area, area] =
                Layout::horizontal([Constraint::Length(11), Constraint::Min(0)]).areas(area);
            frame.render_widget(
                Paragraph::new(Span::styled(format!("{label} 0–100% "), theme.dim())),
                label_area,
            );
            let data: Vec<u64> = history.iter().copied().collect();
            let start = data.len().saturating_sub(area.width as usize);
            frame.render_widget(
                Sparkline::default()
                    .data(&data[start..])
                    .max(100)
                    .style(style),
                area,
            );
        }
    }
}
