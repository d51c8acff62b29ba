//! A running execution's risk, in Detail: its chance of failing and of
//! missing a target, each with the calibration that earned it a place, and
//! the tasks and factors behind them; or why the figure is withheld.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Theme, block};
use crate::analytics::risk::{Assessment, Calibration, Factor, TaskRisk, TaskState};
use crate::engine::Execution;
use crate::tui::view::View;
use crate::units::human_ms;

/// Task lines shown at most.
const TASKS: usize = 4;

fn percent(p: f64) -> String {
    if p < 0.1 {
        format!("{:.1}%", p * 100.0)
    } else {
        format!("{:.0}%", p * 100.0)
    }
}

/// Factors that moved a chance less than this (in odds, either way) are
/// left out: noise, and the line has room for a few.
const NOTABLE: f64 = 0.25;

/// The panel for one execution: its assessment, worked out once for both
/// the layout and the drawing.
pub struct RiskPanel {
    /// `None` while neither figure has anything to show.
    assessment: Option<Assessment>,
}

impl RiskPanel {
    /// The panel for `e`, if it is running (a finished one has none).
    pub fn of(e: &Execution, view: &View) -> Option<RiskPanel> {
        e.is_active().then(|| RiskPanel {
            assessment: view
                .ticked
                .analyses
                .risk
                .assess(e, view.clock)
                .filter(|a| a.fail.is_some() || a.late.is_some() || !a.missed.is_empty()),
        })
    }

    /// Rows it wants: the borders and the two calibration notes, then the
    /// figures' line and one per task.
    pub fn height(&self) -> u16 {
        let figures = self.assessment.as_ref().map_or(0, |a| {
            1 + a.tasks.len().min(TASKS) + a.late_tasks.len().min(2)
        });
        figures as u16 + 4
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, view: &View, theme: Theme) {
        let risk = &view.ticked.analyses.risk;
        let mut text = self
            .assessment
            .as_ref()
            .map_or_else(Vec::new, |a| lines(a, view, theme));
        for (name, c) in [("failure risk", &risk.fail), ("target risk", &risk.late)] {
            text.push(Line::styled(calibration_note(name, c), theme.dim()));
        }
        frame.render_widget(
            Paragraph::new(text).block(block(
                "risk (calibrated on the newer half of the history)",
                theme,
            )),
            area,
        );
    }
}

fn calibration_note(name: &str, c: &Calibration) -> String {
    match c.withheld {
        Some(why) => format!("{name} withheld: {why} ({} judged)", c.outcomes),
        None => format!(
            "{name}: Brier {:.3} against the base rate's {:.3} on {} executions",
            c.brier.unwrap_or(0.0),
            c.brier_base.unwrap_or(0.0),
            c.outcomes
        ),
    }
}

fn factor_text(f: &Factor) -> String {
    let what = match f.kind {
        "stage_recent" => format!("{} lately", f.subject),
        "node_recent" => format!("node {}", f.subject),
        // The error's type and code: its message is in the errors panel.
        _ => format!("after {}", f.subject.split(':').next().unwrap_or_default()),
    };
    format!(
        " · {what} ×{:.1} ({} vs {}, {} cases)",
        f.odds_ratio,
        percent(f.rate),
        percent(f.usual),
        f.cases
    )
}

fn task_line(t: &TaskRisk, theme: Theme) -> Line<'static> {
    let state = match t.state {
        TaskState::Running {
            attempt,
            elapsed_ms,
        } => format!("running #{attempt} {}", human_ms(elapsed_ms)),
        TaskState::Failed { attempt } => format!("#{attempt} failed, no retry yet"),
        TaskState::NotStarted => "not started".to_string(),
    };
    let mut spans = vec![
        Span::raw(format!("{:<16} {:<24}", t.task, state)),
        Span::styled(format!("{:>5}", percent(t.fail)), theme.risk(t.fail)),
        Span::styled(format!(" from {} past attempts", t.cases), theme.dim()),
    ];
    spans.extend(
        t.factors
            .iter()
            .filter(|f| (f.odds_ratio.ln()).abs() >= (1.0 + NOTABLE).ln())
            .map(|f| Span::styled(factor_text(f), theme.dim())),
    );
    Line::from(spans)
}

fn lines(a: &Assessment, view: &View, theme: Theme) -> Vec<Line<'static>> {
    let risk = &view.ticked.analyses.risk;
    let mut head = Vec::new();
    if let Some(p) = a.fail {
        head.push(Span::raw("fails "));
        head.push(Span::styled(percent(p), theme.risk(p)));
        head.push(Span::styled(
            format!(
                " (base rate {})",
                percent(risk.fail.base_rate.unwrap_or(0.0))
            ),
            theme.dim(),
        ));
    }
    if let Some(p) = a.late {
        head.push(Span::raw(if head.is_empty() { "" } else { " · " }));
        head.push(Span::raw("misses a target "));
        head.push(Span::styled(percent(p), theme.risk(p)));
    }
    if !a.missed.is_empty() {
        head.push(Span::raw(if head.is_empty() { "" } else { " · " }));
        head.push(Span::styled(
            format!("past target: {}", a.missed.join(", ")),
            theme.crit(),
        ));
    }
    let mut out = vec![Line::from(head)];
    out.extend(a.tasks.iter().take(TASKS).map(|t| task_line(t, theme)));
    out.extend(a.late_tasks.iter().take(2).map(|l| {
        Line::from(vec![
            Span::raw(format!(
                "{:<16} {} of {} target: ",
                l.task,
                human_ms(l.elapsed_ms),
                human_ms(l.target_ms)
            )),
            Span::styled(percent(l.late), theme.risk(l.late)),
            Span::styled(
                format!(
                    " miss it (usual {}, {} ran as long)",
                    percent(l.usual),
                    l.cases
                ),
                theme.dim(),
            ),
        ])
    }));
    out
}
