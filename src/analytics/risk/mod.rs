//! Failure risk of what is running now: for an execution at a moment, the
//! chance it fails, and the chance the stage running now misses its
//! target, read from what was known at that moment, with the factors
//! behind each figure.
//!
//! An execution fails when one of its tasks fails for good, so its chance
//! of failing is `1 − Π(1 − p)` over the tasks not done yet: those running
//! (by their stage, attempt number and elapsed time), those whose attempt
//! just failed (will a retry come, and save it?), and the tasks of its
//! workflow not started yet ([`model`] says how each `p` is read). Its
//! chance of missing a target is `1 − Π(1 − q)` over the attempts running
//! and not past their target yet.
//!
//! Each figure is shown only when it has earned it: [`calibration`]
//! measures it on the history held, fitted on the older half and judged on
//! the newer, against the base rate. A figure that does no better is
//! withheld, and so is one measured on fewer than
//! [`calibration::MIN_OUTCOMES`] executions.

pub mod calibration;
pub mod model;

use std::sync::Arc;

use serde::Serialize;

use crate::analytics::failures::pattern_of;
use crate::engine::{Attempt, Engine, Execution, Task};
use crate::protocol::{Millis, Status};
use crate::units::round_share;
pub use calibration::Calibration;
use model::{Count, Model, Recent, Shift, moved};

/// The risk analysis: each figure's calibration, and the model fitted on
/// every finished execution held (when a figure is shown).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Risk {
    pub fail: Calibration,
    pub late: Calibration,
    #[serde(skip)]
    pub model: Option<Arc<Model>>,
}

/// An attempt as it stood at a moment.
#[derive(Debug, Clone, Copy, PartialEq)]
enum AsOf {
    NotYet,
    Running { elapsed: f64 },
    Done(Status),
}

fn as_of(a: &Attempt, at: Millis) -> AsOf {
    // An attempt whose start was never seen began its duration before it
    // finished.
    let start = a.started_at.or_else(|| {
        let d = a.duration_ms? as Millis;
        Some(a.finished_at? - d)
    });
    match (start, a.finished_at, a.status) {
        (_, Some(f), Some(status)) if f <= at => AsOf::Done(status),
        (Some(s), _, _) if s <= at => AsOf::Running {
            elapsed: (at - s) as f64,
        },
        _ => AsOf::NotYet,
    }
}

/// Where a task stood, as far as its risk goes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum TaskState {
    Running {
        attempt: u32,
        elapsed_ms: f64,
    },
    /// Its attempt failed and no retry has started.
    Failed {
        attempt: u32,
    },
    NotStarted,
}

/// What moved a task's chance away from its stage's, in odds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Factor {
    /// `stage_recent`, `node_recent` or `error_pattern`.
    pub kind: &'static str,
    pub subject: Arc<str>,
    /// The rate behind it (shrunk), the usual one, and the cases.
    pub rate: f64,
    pub usual: f64,
    pub cases: u64,
    pub odds_ratio: f64,
    /// How likely its count is under the usual rate (one-sided, exact).
    pub p_value: f64,
}

/// One task's part in an execution's risk.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskRisk {
    pub task: Arc<str>,
    pub stage: Arc<str>,
    #[serde(flatten)]
    pub state: TaskState,
    /// Its chance of failing for good.
    pub fail: f64,
    /// Before the factors: the stage's rate at that attempt and elapsed
    /// time, and the past attempts it is read from.
    pub base: f64,
    pub cases: u64,
    pub factors: Vec<Factor>,
}

/// A running attempt's chance of missing its stage's target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LateRisk {
    pub task: Arc<str>,
    pub stage: Arc<str>,
    pub elapsed_ms: f64,
    pub target_ms: f64,
    pub late: f64,
    /// The stage's usual overrun rate, and the past attempts that ran at
    /// least as long.
    pub usual: f64,
    pub cases: u64,
}

/// One execution's risk at a moment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    /// Chance it fails; `None` while the figure is withheld.
    pub fail: Option<f64>,
    /// Chance an attempt running now misses its target; `None` while
    /// withheld, or with no attempt that can still make it.
    pub late: Option<f64>,
    /// Running attempts already past their target.
    pub missed: Vec<Arc<str>>,
    /// The tasks it is made of, likeliest to fail first.
    pub tasks: Vec<TaskRisk>,
    pub late_tasks: Vec<LateRisk>,
}

/// Both figures before they are rounded or withheld (what calibration
/// scores).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Raw {
    pub fail: Option<f64>,
    pub late: Option<f64>,
    pub tasks: Vec<TaskRisk>,
    pub late_tasks: Vec<LateRisk>,
    pub missed: Vec<Arc<str>>,
}

fn factor(kind: &'static str, subject: Arc<str>, s: Shift) -> Factor {
    Factor {
        kind,
        subject,
        rate: round_share(s.rate),
        usual: round_share(s.usual),
        cases: s.count.n,
        odds_ratio: (s.odds_ratio * 100.0).round() / 100.0,
        p_value: s.p_value,
    }
}

/// The last attempt a task had begun by `at` (by attempt number), with
/// how it stood, and the one before it. Without allocating: calibration
/// reads every task of thousands of executions at each checkpoint.
fn standing(t: &Task, at: Millis) -> Option<(&Attempt, AsOf, Option<&Attempt>)> {
    let mut last: Option<(&Attempt, AsOf)> = None;
    let mut before: Option<&Attempt> = None;
    for a in &t.attempts {
        let state = as_of(a, at);
        if state == AsOf::NotYet {
            continue;
        }
        match last {
            Some((l, _)) if l.attempt > a.attempt => {
                if before.is_none_or(|b| b.attempt < a.attempt) {
                    before = Some(a);
                }
            }
            _ => {
                before = last.map(|(l, _)| l);
                last = Some((a, state));
            }
        }
    }
    let (a, state) = last?;
    Some((a, state, before))
}

impl Model {
    /// Execution `e` as it stood at `at`: each task's chance of failing
    /// for good, and each running attempt's of missing its target.
    pub(crate) fn assess(&self, e: &Execution, at: Millis) -> Raw {
        let mut tasks = Vec::new();
        let mut late_tasks = Vec::new();
        let mut missed = Vec::new();
        // The same for every task of the execution: read once.
        let node = e.node.as_ref().and_then(|node| {
            self.node_recent(node, at)
                .map(|s| factor("node_recent", node.clone(), s))
        });
        let shifts = |stage: &Arc<str>, first: bool| {
            let mut out = Vec::new();
            if first && let Some(s) = self.stage_recent(stage, at) {
                out.push(factor("stage_recent", stage.clone(), s));
            }
            out.extend(node.clone());
            out
        };
        for t in &e.tasks {
            let Some((a, state, previous)) = standing(t, at) else {
                continue;
            };
            let (state, (base, cases), factors) = match state {
                AsOf::Running { elapsed } => {
                    let mut factors = shifts(&t.stage, a.attempt == 1);
                    if a.attempt > 1
                        && self.has_patterns(&t.stage)
                        && let Some(p) = previous.and_then(|p| p.error.as_deref())
                    {
                        let pattern = pattern_of(p);
                        if let Some(s) = self.pattern(&t.stage, a.attempt, &pattern) {
                            factors.push(factor("error_pattern", pattern.into(), s));
                        }
                    }
                    if let Some(target) = self.target(&t.stage) {
                        if elapsed > target {
                            missed.push(t.task_id.clone());
                        } else if let Some((late, count, usual)) = self.overrun(&t.stage, elapsed) {
                            late_tasks.push(LateRisk {
                                task: t.task_id.clone(),
                                stage: t.stage.clone(),
                                elapsed_ms: elapsed,
                                target_ms: target,
                                late,
                                usual,
                                cases: count.n,
                            });
                        }
                    }
                    (
                        TaskState::Running {
                            attempt: a.attempt,
                            elapsed_ms: elapsed,
                        },
                        self.running(&t.stage, a.attempt, elapsed),
                        factors,
                    )
                }
                AsOf::Done(Status::Failed | Status::Timeout) => (
                    TaskState::Failed { attempt: a.attempt },
                    self.after_failure(&t.stage, a.attempt),
                    Vec::new(),
                ),
                // Done, or cut short by another task's failure (which
                // carries the risk).
                AsOf::Done(_) | AsOf::NotYet => continue,
            };
            tasks.push(task_risk(&t.task_id, &t.stage, state, base, cases, factors));
        }
        // The tasks of its workflow not begun yet (a task the workflow's
        // list does not know of is not known until it starts).
        for k in self.workflow(e.workflow.as_deref()).unwrap_or_default() {
            if e.tasks
                .iter()
                .any(|t| t.task_id == k.task && standing(t, at).is_some())
            {
                continue;
            }
            let (base, cases) = self.unstarted(&k.stage);
            let factors = shifts(&k.stage, true);
            tasks.push(task_risk(
                &k.task,
                &k.stage,
                TaskState::NotStarted,
                base,
                cases,
                factors,
            ));
        }
        tasks.sort_by(|a, b| b.fail.total_cmp(&a.fail).then(a.task.cmp(&b.task)));
        late_tasks.sort_by(|a, b| b.late.total_cmp(&a.late).then(a.task.cmp(&b.task)));
        let fail = (!self.is_empty())
            .then(|| 1.0 - tasks.iter().fold(1.0, |keep, t| keep * (1.0 - t.fail)));
        let late = (!late_tasks.is_empty())
            .then(|| 1.0 - late_tasks.iter().fold(1.0, |keep, t| keep * (1.0 - t.late)));
        Raw {
            fail,
            late,
            tasks,
            late_tasks,
            missed,
        }
    }
}

fn task_risk(
    task: &Arc<str>,
    stage: &Arc<str>,
    state: TaskState,
    base: f64,
    cases: Count,
    factors: Vec<Factor>,
) -> TaskRisk {
    let fail = factors.iter().fold(base, |p, f| moved(p, f.odds_ratio));
    TaskRisk {
        task: task.clone(),
        stage: stage.clone(),
        state,
        fail,
        base,
        cases: cases.n,
        factors,
    }
}

impl Risk {
    /// `e` as it stands at `now`, each figure only if shown; `None` with
    /// neither shown.
    pub fn assess(&self, e: &Execution, now: Millis) -> Option<Assessment> {
        let model = self.model.as_ref()?;
        let mut raw = model.assess(e, now);
        for t in &mut raw.tasks {
            t.fail = round_share(t.fail);
            t.base = round_share(t.base);
        }
        for t in &mut raw.late_tasks {
            t.late = round_share(t.late);
            t.usual = round_share(t.usual);
        }
        let fail = raw.fail.filter(|_| self.fail.shown);
        let late = raw.late.filter(|_| self.late.shown);
        Some(Assessment {
            fail: fail.map(round_share),
            late: late.map(round_share),
            missed: raw.missed,
            tasks: if fail.is_some() {
                raw.tasks
            } else {
                Vec::new()
            },
            late_tasks: if late.is_some() {
                raw.late_tasks
            } else {
                Vec::new()
            },
        })
    }
}

/// The risk analysis of what `engine` holds.
pub fn risk(engine: &Engine) -> Risk {
    let finished: Vec<&Execution> = engine.executions().finished().collect();
    let targets = &engine.config().targets;
    let recent = Arc::new(Recent::of(finished.iter().copied()));
    let (fail, late) = calibration::calibrate_with(&finished, targets, recent.clone());
    let model = (fail.shown || late.shown)
        .then(|| Arc::new(Model::fit_with(finished.iter().copied(), recent, targets)));
    Risk { fail, late, model }
}

/// The executions `e` may be judged on: finished `ok`, `failed` or
/// `timeout` with a known start (a cancelled one was stopped from outside).
pub(crate) fn judged(e: &Execution) -> bool {
    e.started_at.is_some()
        && e.finished_at.is_some()
        && matches!(
            e.status,
            Some(Status::Ok | Status::Failed | Status::Timeout)
        )
}
