//! The Compare screen: A/B comparison of variants, per stage and whole
//! executions. Each comparison is its verdict in words, then A's and B's
//! durations as box plots on one scale, and the shift of B against A with
//! its 95 % interval drawn from A's median (where B's median would sit if
//! the shift were all the difference). `j`/`k` move between comparisons.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::boxplot::{Scale, axis_row, box_row, interval_row};
use super::{Theme, block};
use crate::analytics::compare::Comparison;
use crate::tui::app::{App, Screen};
use crate::tui::lists::comparison_key;
use crate::tui::view::View;
use crate::units::human_ms;

/// Columns before the plots: `B canary n=120 `.
const LABEL: usize = 18;
/// The figures after a wide screen's box plot: p50, p95, ok and runner time.
const FIGURES: usize = 54;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, view: &View, theme: Theme) {
    let b = block(
        "compare A/B · box p25–p75, ┃ median, whiskers p5–p95",
        theme,
    );
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let comparisons = &view.ticked.analyses.comparisons;
    if comparisons.is_empty() {
        frame.render_widget(
            Paragraph::new(Span::styled(
                "nothing to compare yet: needs finished executions of two variants (5 each)",
                theme.dim(),
            ))
            .wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    let keys: Vec<String> = comparisons.iter().map(comparison_key).collect();
    let selected = app
        .selection(Screen::Compare)
        .index_of(keys.iter().map(String::as_str));
    let wide = inner.width >= 110;
    let plot_width = (inner.width as usize)
        .saturating_sub(LABEL + if wide { FIGURES } else { 0 })
        .max(10);
    // Blocks from the selected one on, as many as fit: the selection is
    // always in view.
    let mut lines = Vec::new();
    let first = first_shown(comparisons, selected, inner, plot_width, wide);
    for (i, c) in comparisons.iter().enumerate().skip(first) {
        let block = comparison(c, i == selected, plot_width, wide, inner.width, theme);
        if !lines.is_empty() && lines.len() + block.len() > inner.height as usize {
            let more = comparisons.len() - i;
            lines.push(Line::from(Span::styled(
                format!("… {more} more below (j)"),
                theme.dim(),
            )));
            break;
        }
        lines.extend(block);
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The first comparison to show so that the selected one fits.
fn first_shown(
    comparisons: &[Comparison],
    selected: usize,
    inner: Rect,
    plot_width: usize,
    wide: bool,
) -> usize {
    let height =
        |c: &Comparison| comparison(c, false, plot_width, wide, inner.width, Theme::PLAIN).len();
    let mut used = 0;
    let mut first = selected.min(comparisons.len().saturating_sub(1));
    used += comparisons.get(first).map_or(0, height);
    while first > 0 {
        let h = height(&comparisons[first - 1]);
        if used + h > inner.height as usize {
            break;
        }
        used += h;
        first -= 1;
    }
    first
}

/// One comparison's lines: verdict (wrapped), A, B, the shift, the axis,
/// a blank.
fn comparison(
    c: &Comparison,
    selected: bool,
    plot_width: usize,
    wide: bool,
    width: u16,
    theme: Theme,
) -> Vec<Line<'static>> {
    let verdict_style = match (selected, c.significant) {
        (true, _) => theme.selected(),
        (false, true) => theme.title(),
        (false, false) => Style::default(),
    };
    let mut lines: Vec<Line> = wrap(&format!("{}: {}", c.subject, c.verdict), width as usize)
        .into_iter()
        .map(|l| Line::from(Span::styled(l, verdict_style)))
        .collect();
    let (a, b) = (&c.spread_a, &c.spread_b);
    let scale = Scale::over(
        [
            a.p5,
            a.p95,
            b.p5,
            b.p95,
            c.p50_a_ms + c.shift_low_ms,
            c.p50_a_ms + c.shift_high_ms,
        ],
        plot_width,
    );
    let variant = |name: &str,
                   n: usize,
                   s: &crate::analytics::compare::Spread,
                   ok: f64,
                   runner_s: f64,
                   style| {
        let mut spans = vec![
            Span::styled(label(name, n), theme.dim()),
            Span::styled(box_row(&scale, s.p5, s.p25, s.p50, s.p75, s.p95), style),
        ];
        if wide {
            spans.push(Span::raw(format!(
                " p50 {:>8} p95 {:>8} ok {:>5.1}% runner {:>8}",
                human_ms(s.p50),
                human_ms(s.p95),
                ok * 100.0,
                human_ms(runner_s * 1000.0)
            )));
        }
        Line::from(spans)
    };
    lines.push(variant(
        &c.a,
        c.n_a,
        a,
        c.success_a,
        c.runner_s_a,
        theme.ok(),
    ));
    lines.push(variant(
        &c.b,
        c.n_b,
        b,
        c.success_b,
        c.runner_s_b,
        theme.title(),
    ));
    let shift_style = if c.significant {
        theme.crit()
    } else {
        theme.dim()
    };
    let mut shift = vec![
        Span::styled(format!("{:<LABEL$}", "shift B−A"), theme.dim()),
        Span::styled(
            interval_row(
                &scale,
                c.p50_a_ms,
                c.p50_a_ms + c.shift_low_ms,
                c.p50_a_ms + c.shift_ms,
                c.p50_a_ms + c.shift_high_ms,
            ),
            shift_style,
        ),
    ];
    let figures = format!(
        "{} [{} … {}]",
        signed(c.shift_ms),
        signed(c.shift_low_ms),
        signed(c.shift_high_ms)
    );
    if wide {
        shift.push(Span::styled(format!(" {figures}"), shift_style));
        lines.push(Line::from(shift));
    } else {
        lines.push(Line::from(shift));
        lines.push(Line::from(Span::styled(
            format!("{:<LABEL$}{figures}, ┆ A's median", ""),
            shift_style,
        )));
    }
    lines.push(Line::from(Span::styled(
        format!("{:<LABEL$}{}", "", axis_row(&scale, human_ms)),
        theme.dim(),
    )));
    lines.push(Line::from(""));
    lines
}

/// `A stable  n=120`, cut to the label's width.
fn label(name: &str, n: usize) -> String {
    let n = format!(" n={n} ");
    let room = LABEL.saturating_sub(n.chars().count());
    let name: String = name.chars().take(room).collect();
    format!("{name:<room$}{n}")
}

/// Words wrapped to `width` columns: the screen lays comparisons out by
/// their height, so it needs the lines themselves (a Paragraph wraps only
/// as it draws).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let line = lines.last_mut().expect("never empty");
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(word.to_string());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}

fn signed(ms: f64) -> String {
    if ms < 0.0 {
        format!("-{}", human_ms(-ms))
    } else {
        format!("+{}", human_ms(ms))
    }
}
