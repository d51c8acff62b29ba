//! Cascades: what one failure took down with it. In a failed execution the
//! *root* is the task whose last attempt failed (or timed out) first; the
//! work it took down is
//! - the attempts of other tasks that ended `cancelled` at or after it
//!   (cut short in flight), with their runner time, and
//! - the tasks of its workflow that never ran (their `depends_on` waited on
//!   the failure, directly or through a cancelled task), with the runner
//!   time they usually take: the median of that task in the workflow's `ok`
//!   executions. A workflow's tasks are known from [`MIN_OK`] `ok`
//!   executions on; before that, tasks never run are not counted.
//!
//! Roots are grouped by task and error pattern and ranked by the runner
//! time they took down; a root that took nothing down (the last task
//! failing) is counted among the failed executions, not listed.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::critical_path::NO_WORKFLOW;
use super::failures::pattern_of;
use crate::engine::{Engine, Execution, RunnerTime, Task};
use crate::protocol::{Millis, Status};
use crate::units::round_ms;

/// `ok` executions a workflow needs before its task list is trusted.
pub const MIN_OK: usize = 3;
/// Cascades listed at most, and example correlation ids per cascade.
const TOP: usize = 10;
const EXAMPLES: usize = 3;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cascade {
    pub task: String,
    pub stage: String,
    pub pattern: String,
    /// Failed executions this failure was the root of.
    pub roots: u64,
    /// Attempts of other tasks cancelled at or after it, and their time.
    pub cancelled: u64,
    pub cancelled_ms: f64,
    /// Tasks of the workflow that never ran, and their usual time.
    pub never_ran: u64,
    pub never_ran_ms: f64,
    /// `cancelled_ms + never_ran_ms`: what ranks the cascades.
    pub lost_ms: f64,
    pub examples: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Cascades {
    /// Failed executions with a root failure.
    pub failed_executions: u64,
    /// Of which those that took other work down.
    pub cascading: u64,
    pub lost_ms: f64,
    pub cascades: Vec<Cascade>,
}

/// A workflow's tasks as its `ok` executions ran them: the usual runner
/// time of each.
struct KnownTasks<'e> {
    ok: usize,
    times: BTreeMap<&'e str, Vec<f64>>,
}

fn runner_ms(task: &Task) -> f64 {
    task.attempts
        .iter()
        .filter(|a| a.status.is_some())
        .map(|a| RunnerTime::of_attempt(a.duration_ms.unwrap_or(0.0)))
        .fold(0.0, |sum, d| sum + d)
}

fn known_tasks(engine: &Engine) -> HashMap<&str, BTreeMap<&str, f64>> {
    let mut known: HashMap<&str, KnownTasks> = HashMap::new();
    for e in engine.executions().finished() {
        if e.status != Some(Status::Ok) {
            continue;
        }
        let k = known
            .entry(e.workflow.as_deref().unwrap_or(NO_WORKFLOW))
            .or_insert_with(|| KnownTasks {
                ok: 0,
                times: BTreeMap::new(),
            });
        k.ok += 1;
        for t in &e.tasks {
            k.times.entry(&t.task_id).or_default().push(runner_ms(t));
        }
    }
    known
        .into_iter()
        .filter(|(_, k)| k.ok >= MIN_OK)
        .map(|(w, k)| {
            let medians = k
                .times
                .into_iter()
                .map(|(task, mut times)| {
                    times.sort_by(f64::total_cmp);
                    (task, times[times.len() / 2])
                })
                .collect();
            (w, medians)
        })
        .collect()
}

/// The root of a failed execution: the task whose last attempt failed
/// first, with the time it did.
fn root_of(e: &Execution) -> Option<(&Task, Millis)> {
    e.tasks
        .iter()
        .filter_map(|t| {
            let last = t.attempts.last()?;
            matches!(last.status, Some(Status::Failed | Status::Timeout))
                .then_some((t, last.finished_at?))
        })
        .min_by_key(|&(_, at)| at)
}

#[derive(Default)]
struct Tally {
    stage: String,
    roots: u64,
    cancelled: u64,
    cancelled_ms: f64,
    never_ran: u64,
    never_ran_ms: f64,
    examples: Vec<String>,
}

pub fn cascades(engine: &Engine) -> Cascades {
    let known = known_tasks(engine);
    let mut out = Cascades::default();
    let mut tallies: BTreeMap<(String, String), Tally> = BTreeMap::new();
    for e in engine.executions().finished() {
        if !matches!(e.status, Some(Status::Failed | Status::Timeout)) {
            continue;
        }
        let Some((root, at)) = root_of(e) else {
            continue;
        };
        out.failed_executions += 1;
        let (mut cancelled, mut cancelled_ms) = (0, 0.0);
        for t in e.tasks.iter().filter(|t| !std::ptr::eq(*t, root)) {
            for a in &t.attempts {
                if a.status == Some(Status::Cancelled) && a.finished_at.is_some_and(|f| f >= at) {
                    cancelled += 1;
                    cancelled_ms += RunnerTime::of_attempt(a.duration_ms.unwrap_or(0.0));
                }
            }
        }
        let (mut never_ran, mut never_ran_ms) = (0, 0.0);
        if let Some(tasks) = known.get(e.workflow.as_deref().unwrap_or(NO_WORKFLOW)) {
            for (task, ms) in tasks {
                if !e.tasks.iter().any(|t| &*t.task_id == *task) {
                    never_ran += 1;
                    never_ran_ms += ms;
                }
            }
        }
        if cancelled + never_ran > 0 {
            out.cascading += 1;
        }
        let pattern = root
            .attempts
            .last()
            .and_then(|a| a.error.as_deref())
            .map_or_else(|| "(no error reported)".to_string(), pattern_of);
        let tally = tallies
            .entry((root.task_id.to_string(), pattern))
            .or_default();
        if tally.stage.is_empty() {
            tally.stage = root.stage.to_string();
        }
        tally.roots += 1;
        tally.cancelled += cancelled;
        tally.cancelled_ms += cancelled_ms;
        tally.never_ran += never_ran;
        tally.never_ran_ms += never_ran_ms;
        if tally.examples.len() < EXAMPLES {
            tally.examples.push(e.correlation_id.to_string());
        }
    }
    out.cascades = tallies
        .into_iter()
        .filter(|(_, t)| t.cancelled + t.never_ran > 0)
        .map(|((task, pattern), t)| Cascade {
            task,
            stage: t.stage,
            pattern,
            roots: t.roots,
            cancelled: t.cancelled,
            cancelled_ms: round_ms(t.cancelled_ms),
            never_ran: t.never_ran,
            never_ran_ms: round_ms(t.never_ran_ms),
            lost_ms: round_ms(t.cancelled_ms + t.never_ran_ms),
            examples: t.examples,
        })
        .collect();
    // A fold from +0: an empty f64 sum is -0, which JSON would print.
    out.lost_ms = round_ms(out.cascades.iter().fold(0.0, |sum, c| sum + c.lost_ms));
    out.cascades
        .sort_by(|a, b| b.lost_ms.total_cmp(&a.lost_ms).then(b.roots.cmp(&a.roots)));
    out.cascades.truncate(TOP);
    out
}
