//! The Rankings screen: stages, tasks, projects or nodes (`t`) ranked by
//! p95, failure rate, retry rate, cost or critical-path share (`s`); below
//! it, the tasks that set executions' length and the failures that took
//! other work down.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use super::{Theme, block};
use crate::analytics::rankings::{MIN_ATTEMPTS, RankBy, RankRow};
use crate::engine::price;
use crate::tui::app::{App, Screen};
use crate::tui::lists;
use crate::tui::view::View;
use crate::units::{human_ms, shorten_middle};

use crate::units::percent_or_dash as percent;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, view: &View, theme: Theme) {
    // The table takes what its rows need (borders, header, note), up to
    // half the screen; the paths and cascades below get the rest.
    let rows = view.ticked.analyses.rankings.rows(app.rank_of).len() as u16;
    let [top, bottom] = Layout::vertical([
        Constraint::Length((rows + 4).min(area.height / 2).max(5)),
        Constraint::Min(0),
    ])
    .areas(area);
    // Side by side where their lines fit, one over the other where not.
    let halves = [Constraint::Percentage(50), Constraint::Percentage(50)];
    let [left, right] = if area.width >= 120 {
        Layout::horizontal(halves).areas(bottom)
    } else {
        Layout::vertical(halves).areas(bottom)
    };
    table(frame, top, app, view, theme);
    critical_path(frame, left, view, theme);
    cascades(frame, right, view, theme);
}

/// The columns, each with the figure it ranks by (none for the name and
/// the attempts).
const COLUMNS: [(&str, Option<RankBy>); 7] = [
    ("name", None),
    ("attempts", None),
    ("p95", Some(RankBy::P95)),
    ("failed", Some(RankBy::FailureRate)),
    ("retried", Some(RankBy::RetryRate)),
    ("runner time", Some(RankBy::Cost)),
    ("critical path", Some(RankBy::CriticalPath)),
];

fn cells(row: &RankRow, per_runner_hour: Option<f64>) -> [String; 7] {
    let cost = match per_runner_hour {
        Some(rate) => format!(
            "{} · {:.2}",
            human_ms(row.runner_ms),
            price(row.runner_ms, rate)
        ),
        None => human_ms(row.runner_ms),
    };
    [
        row.name.clone(),
        row.attempts.to_string(),
        row.p95_ms.map_or_else(|| "-".into(), human_ms),
        percent(row.failure_rate),
        percent(row.retry_rate),
        cost,
        percent(row.critical_share),
    ]
}

fn table(frame: &mut Frame, area: Rect, app: &App, view: &View, theme: Theme) {
    let rankings = &view.ticked.analyses.rankings;
    let b = block(
        &format!(
            "{} by {} · over {} finished executions · t: table · s: sort",
            app.rank_of.name(),
            app.rank_by.name(),
            rankings.executions
        ),
        theme,
    );
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let rows = lists::ranked(app, view);
    if rows.is_empty() {
        frame.render_widget(
            Paragraph::new(Span::styled(
                "nothing ranked yet: rows come with finished executions",
                theme.dim(),
            )),
            inner,
        );
        return;
    }
    let header = Row::new(COLUMNS.map(|(name, by)| {
        if by == Some(app.rank_by) {
            Cell::from(format!("{name} ▼")).style(theme.selected())
        } else {
            Cell::from(name).style(theme.dim())
        }
    }));
    let keys = lists::rows(app, view, Screen::Rankings);
    let selected = app.selection(Screen::Rankings).index(&keys);
    // Keep the selection in sight: scroll by whole pages of rows.
    let visible = (inner.height as usize).saturating_sub(2).max(1);
    let first = selected / visible * visible;
    let body = rows
        .iter()
        .enumerate()
        .skip(first)
        .take(visible)
        .map(|(i, row)| {
            let mut c = cells(row, view.per_runner_hour);
            c[0] = shorten_middle(&c[0], 22).into_owned();
            let line = Row::new(c);
            if i == selected {
                line.style(theme.selected())
            } else {
                line
            }
        });
    let widths = [
        Constraint::Length(22),
        Constraint::Length(9),
        Constraint::Length(9),
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(if view.per_runner_hour.is_some() {
            20
        } else {
            14
        }),
        Constraint::Length(16),
    ];
    let [table_area, note] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(inner);
    frame.render_widget(Table::new(body, widths).header(header), table_area);
    frame.render_widget(
        Paragraph::new(Span::styled(
            format!("p95 and rates from {MIN_ATTEMPTS} attempts; - where fewer"),
            theme.dim(),
        )),
        note,
    );
}

fn critical_path(frame: &mut Frame, area: Rect, view: &View, theme: Theme) {
    let paths = &view.ticked.analyses.critical_paths;
    let b = block(
        &format!("critical path · over {} ok executions", paths.executions),
        theme,
    );
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let mut lines: Vec<Line> = paths
        .tasks
        .iter()
        .map(|t| {
            Line::from(vec![
                Span::styled(
                    format!("{:<16} ", shorten_middle(&t.task, 16)),
                    theme.title(),
                ),
                Span::raw(format!(
                    "{} of {} · on the path {} · {} each",
                    percent(Some(t.share)),
                    shorten_middle(&t.workflow, 12),
                    percent(Some(t.on_path_rate)),
                    human_ms(t.mean_ms)
                )),
            ])
        })
        .collect();
    if lines.is_empty() {
        lines.push(Line::from(Span::styled(
            "none yet: a workflow is ranked from 5 ok executions",
            theme.dim(),
        )));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn cascades(frame: &mut Frame, area: Rect, view: &View, theme: Theme) {
    let c = &view.ticked.analyses.cascades;
    let b = block(
        &format!(
            "cascades · {} of {} failed executions · {} lost",
            c.cascading,
            c.failed_executions,
            human_ms(c.lost_ms)
        ),
        theme,
    );
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let mut lines = Vec::new();
    for x in &c.cascades {
        lines.push(Line::from(vec![
            Span::styled(
                format!("{:<16} ", shorten_middle(&x.task, 16)),
                theme.crit(),
            ),
            Span::raw(format!(
                "{} lost · {} root{} · {} cancelled · {} never ran",
                human_ms(x.lost_ms),
                x.roots,
                if x.roots == 1 { "" } else { "s" },
                x.cancelled,
                x.never_ran
            )),
        ]));
        lines.push(Line::from(Span::styled(
            format!("  {}", x.pattern),
            theme.dim(),
        )));
    }
    if lines.is_empty() {
        lines.push(Line::from(Span::styled(
            "no failure took other work down",
            theme.dim(),
        )));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
