//! The executions behind an alert: what an operator opens from it.
//!
//! A stage's p95 or slowdown is made of that stage's slowest attempts; its
//! error rate of the attempts that failed; the executions' error rate of
//! the failed executions; the concurrency rule of what is running; a node's
//! load of what ran there. Each row carries the figure that counted, worst
//! first, so the path from a page to an execution's waterfall is one list.

use crate::alerts::Rule;
use crate::engine::{Execution, Window};
use crate::protocol::{Millis, Status};
use crate::units::human_ms;

/// Most rows an evidence list holds.
pub const MAX_ROWS: usize = 200;

/// One execution behind an alert, and what about it counted.
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceRow {
    pub correlation_id: String,
    /// The figure that counted (`verify 1m12s`, `implement failed: E42 …`).
    pub figure: String,
    /// When it happened, for the list.
    pub at: Millis,
}

impl EvidenceRow {
    /// Its identity in a list: one execution can be behind an alert
    /// several times (two failed attempts), each its own row.
    pub fn key(&self) -> String {
        format!("{}\t{}\t{}", self.correlation_id, self.at, self.figure)
    }
}

/// The executions behind an alert, worst first, and what they are.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Evidence {
    /// What the rows are: `implement attempts over the last 5m, slowest first`.
    pub what: String,
    pub rows: Vec<EvidenceRow>,
}

/// The stage named by a rule's subject (`stage implement` or `implement`).
fn stage_of(subject: &str) -> &str {
    subject.strip_prefix("stage ").unwrap_or(subject)
}

/// The executions behind the alert `rule` raised about `subject`, among
/// these active and finished executions, over `window` up to `now` (the
/// engine's clock).
pub fn evidence<'e, A, F>(
    active: A,
    finished: F,
    rule: Rule,
    subject: &str,
    window: Window,
    now: Millis,
) -> Evidence
where
    A: Iterator<Item = &'e Execution> + Clone,
    F: Iterator<Item = &'e Execution> + Clone,
{
    let all = || active.clone().chain(finished.clone());
    let since = window
        .span_ms()
        .map_or(Millis::MIN, |span| now.saturating_sub(span));
    // Up to `now` too: a resolved alert's evidence is what it saw, not a
    // failure that came after it resolved.
    let within = |at: Millis| (since..=now).contains(&at);
    let label = window.label();
    let mut scored: Vec<(f64, EvidenceRow)> = Vec::new();
    let what = match rule {
        Rule::StageP95 | Rule::Slowdown => {
            let stage = stage_of(subject);
            for e in all() {
                for task in e.tasks.iter().filter(|t| &*t.stage == stage) {
                    for a in &task.attempts {
                        let (Some(ms), Some(at)) = (a.duration_ms, a.finished_at) else {
                            continue;
                        };
                        if within(at) {
                            scored.push((ms, row(e, format!("{stage} {}", human_ms(ms)), at)));
                        }
                    }
                }
            }
            format!("{stage} attempts over the last {label}, slowest first")
        }
        Rule::ErrorRate if subject != "executions" => {
            let stage = stage_of(subject);
            for e in all() {
                for task in e.tasks.iter().filter(|t| &*t.stage == stage) {
                    for a in &task.attempts {
                        let failed = a.status.is_some_and(Status::is_error);
                        match a.finished_at {
                            Some(at) if failed && within(at) => {
                                let why = a
                                    .error
                                    .as_deref()
                                    .and_then(|r| r.code.as_deref().or(r.kind.as_deref()))
                                    .unwrap_or("no error given");
                                let status = a.status.map_or("failed", Status::as_str);
                                let figure =
                                    format!("{stage} {status} (attempt {}): {why}", a.attempt);
                                scored.push((at as f64, row(e, figure, at)));
                            }
                            _ => {}
                        }
                    }
                }
            }
            format!("failed {stage} attempts over the last {label}, newest first")
        }
        Rule::ErrorRate => {
            for e in all() {
                if let (Some(status), Some(at)) = (e.status, e.finished_at)
                    && status.is_error()
                    && within(at)
                {
                    scored.push((
                        at as f64,
                        row(e, format!("execution {}", status.as_str()), at),
                    ));
                }
            }
            format!("failed executions over the last {label}, newest first")
        }
        Rule::StageRunning => {
            // One execution: its own row.
            for e in all().filter(|e| &*e.correlation_id == subject) {
                let figure = e.current().map_or_else(
                    || "finished".to_string(),
                    |(task, a)| {
                        let ran = now - a.started_at.unwrap_or(now);
                        format!("{} running {}", task.stage, human_ms(ran as f64))
                    },
                );
                scored.push((0.0, row(e, figure, e.last_event_at)));
            }
            "the execution".to_string()
        }
        Rule::Concurrency => {
            for e in active.clone() {
                let started = e.started_at.unwrap_or(e.first_event_at);
                let figure = format!("running {}", human_ms((now - started) as f64));
                scored.push(((now - started) as f64, row(e, figure, started)));
            }
            "running executions, longest first".to_string()
        }
        Rule::Autonomy => {
            for e in all() {
                if e.autonomous == Some(false) {
                    let at = e.finished_at.unwrap_or(e.last_event_at);
                    scored.push((at as f64, row(e, "needed a human".into(), at)));
                }
            }
            "executions that needed a human, newest first".to_string()
        }
        Rule::Resources if subject.starts_with("node ") => {
            let node = subject
                .strip_prefix("node ")
                .and_then(|s| s.rsplit_once(' ').map(|(n, _)| n))
                .unwrap_or_default();
            for e in all().filter(|e| e.node.as_deref() == Some(node)) {
                let at = e.last_event_at;
                if within(at) {
                    let figure = match e.duration_ms {
                        Some(ms) => format!("on {node}, took {}", human_ms(ms)),
                        None => format!("on {node}, running"),
                    };
                    scored.push((at as f64, row(e, figure, at)));
                }
            }
            format!("executions on {node} over the last {label}, newest first")
        }
        _ => String::new(),
    };
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    Evidence {
        what,
        rows: scored.into_iter().take(MAX_ROWS).map(|(_, r)| r).collect(),
    }
}

fn row(e: &Execution, figure: String, at: Millis) -> EvidenceRow {
    EvidenceRow {
        correlation_id: e.correlation_id.to_string(),
        figure,
        at,
    }
}
