//! Critical paths: in each finished `ok` execution, the chain of tasks that
//! set its length. Walking back from the task that finished last, each step
//! goes to the dependency (`depends_on`) that finished last: the one the
//! task was waiting for. A task on that chain that ran faster would have
//! shortened the execution; one off it would not.
//!
//! Per workflow and task: how often the task is on the path, and its time
//! on it. Its *share* is that time over the workflow's execution time, and
//! `critical_ms` (share × the executions' duration) is what ranks the tasks:
//! the time a faster task could give back, over the history held.

use std::collections::BTreeMap;

use serde::Serialize;

use super::kpis::shape::interval;
use crate::engine::{Engine, Execution, RunnerTime};
use crate::protocol::Status;
use crate::units::{round_ms, round_share};

/// A workflow's tasks are ranked from this many `ok` executions on.
pub const MIN_EXECUTIONS: u64 = 5;
/// Tasks listed at most.
const TOP: usize = 12;
/// The workflow key of executions that named none.
pub const NO_WORKFLOW: &str = "-";

/// One task of an execution, first attempt's start to last one's finish.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Span {
    /// Index into the execution's `tasks`.
    pub task: usize,
    pub start: f64,
    pub finish: f64,
}

impl Span {
    pub fn ms(&self) -> f64 {
        self.finish - self.start
    }
}

/// Where each task ran, from its finished attempts (none for a task with
/// none finished).
fn spans(e: &Execution) -> Vec<Span> {
    e.tasks
        .iter()
        .enumerate()
        .filter_map(|(task, t)| {
            let mut span: Option<Span> = None;
            for a in t.attempts.iter().filter(|a| a.status.is_some()) {
                let d = RunnerTime::of_attempt(a.duration_ms.unwrap_or(0.0));
                let Some((start, finish)) = interval(a.started_at, a.finished_at, d) else {
                    continue;
                };
                let s = span.get_or_insert(Span {
                    task,
                    start,
                    finish,
                });
                s.start = s.start.min(start);
                s.finish = s.finish.max(finish);
            }
            span
        })
        .collect()
}

/// The critical path through an execution's finished tasks, first to
/// last (so far, for one still running); empty with none finished. The
/// figures over many executions read `ok` ones only: a failed one's path
/// ends where it failed.
///
/// A runner that declares no `depends_on` at all still runs its tasks in
/// some order: there, a task waited on the one that finished last before
/// it started (the order the events show).
pub fn path_of(e: &Execution) -> Vec<Span> {
    let spans = spans(e);
    let declared = e.tasks.iter().any(|t| !t.depends_on.is_empty());
    let Some(mut at) = spans
        .iter()
        .copied()
        .max_by(|a, b| a.finish.total_cmp(&b.finish).then(b.task.cmp(&a.task)))
    else {
        return Vec::new();
    };
    let mut path = vec![at];
    // Each step moves to a task that finished earlier, but malformed input
    // may name a cycle: never more steps than tasks.
    while path.len() < spans.len() {
        let task = &e.tasks[at.task];
        let before = spans.iter().copied().filter(|s| {
            if declared {
                task.depends_on
                    .iter()
                    .any(|d| *d == e.tasks[s.task].task_id)
            } else {
                s.finish <= at.start && s.task != at.task
            }
        });
        let Some(previous) = before.max_by(|a, b| a.finish.total_cmp(&b.finish)) else {
            break;
        };
        if path.iter().any(|p| p.task == previous.task) {
            break;
        }
        path.push(previous);
        at = previous;
    }
    path.reverse();
    path
}

/// A task's place on its workflow's critical paths.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriticalTask {
    pub workflow: String,
    pub task: String,
    pub stage: String,
    /// The workflow's `ok` executions the task ran in, and those where it
    /// was on the critical path.
    pub executions: u64,
    pub on_path: u64,
    pub on_path_rate: f64,
    /// Its mean time when on the path.
    pub mean_ms: f64,
    /// Its time on the path over the workflow's execution time.
    pub share: f64,
    /// Its time on the path, added up: what ranks the tasks.
    pub critical_ms: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CriticalPaths {
    /// `ok` executions analysed (of workflows with at least
    /// [`MIN_EXECUTIONS`]).
    pub executions: u64,
    /// Workflows with fewer: not ranked.
    pub withheld: Vec<String>,
    pub tasks: Vec<CriticalTask>,
}

/// Names are borrowed from the executions: nothing is allocated per task.
#[derive(Default)]
struct Tally<'e> {
    stage: &'e str,
    executions: u64,
    on_path: u64,
    path_ms: f64,
}

#[derive(Default)]
struct Workflow<'e> {
    executions: u64,
    duration_ms: f64,
    tasks: BTreeMap<&'e str, Tally<'e>>,
}

/// The execution's own duration, or its tasks' wall time when it said none.
pub fn duration_of(e: &Execution, path: &[Span]) -> Option<f64> {
    e.duration_ms
        .filter(|d| d.is_finite() && *d > 0.0)
        .or_else(|| {
            let first = path.first()?.start;
            let last = path.last()?.finish;
            (last > first).then_some(last - first)
        })
}

pub fn critical_paths(engine: &Engine) -> CriticalPaths {
    let mut workflows: BTreeMap<&str, Workflow> = BTreeMap::new();
    for e in engine.executions().finished() {
        if e.status != Some(Status::Ok) {
            continue;
        }
        let path = path_of(e);
        let Some(duration) = duration_of(e, &path).filter(|_| !path.is_empty()) else {
            continue;
        };
        let w = workflows
            .entry(e.workflow.as_deref().unwrap_or(NO_WORKFLOW))
            .or_default();
        w.executions += 1;
        w.duration_ms += duration;
        for (i, t) in e.tasks.iter().enumerate() {
            if t.attempts.iter().all(|a| a.status.is_none()) {
                continue;
            }
            let tally = w.tasks.entry(&t.task_id).or_default();
            if tally.stage.is_empty() {
                tally.stage = &t.stage;
            }
            tally.executions += 1;
            if let Some(s) = path.iter().find(|s| s.task == i) {
                tally.on_path += 1;
                tally.path_ms += s.ms();
            }
        }
    }
    let mut out = CriticalPaths::default();
    for (workflow, w) in workflows {
        if w.executions < MIN_EXECUTIONS {
            out.withheld.push(workflow.to_string());
            continue;
        }
        out.executions += w.executions;
        for (task, t) in w.tasks {
            if t.on_path == 0 {
                continue;
            }
            out.tasks.push(CriticalTask {
                workflow: workflow.to_string(),
                task: task.to_string(),
                stage: t.stage.to_string(),
                executions: t.executions,
                on_path: t.on_path,
                on_path_rate: round_share(t.on_path as f64 / t.executions as f64),
                mean_ms: round_ms(t.path_ms / t.on_path as f64),
                share: round_share(t.path_ms / w.duration_ms),
                critical_ms: round_ms(t.path_ms),
            });
        }
    }
    out.tasks
        .sort_by(|a, b| b.critical_ms.total_cmp(&a.critical_ms));
    out.tasks.truncate(TOP);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Attempt, Task};

    fn task(id: &str, deps: &[&str], start: i64, finish: i64) -> Task {
        Task {
            task_id: id.into(),
            stage: id.split('-').next().unwrap().into(),
            depends_on: deps.iter().map(|d| (*d).into()).collect(),
            attempts: vec![Attempt {
                attempt: 1,
                started_at: Some(start),
                finished_at: Some(finish),
                queue_ms: None,
                duration_ms: Some((finish - start) as f64),
                status: Some(Status::Ok),
                error: None,
                resources: None,
            }],
        }
    }

    fn execution(tasks: Vec<Task>) -> Execution {
        let mut e = Execution::new("c", 0);
        e.status = Some(Status::Ok);
        e.duration_ms = Some(100.0);
        e.tasks = tasks;
        e
    }

    fn ids(e: &Execution) -> Vec<&str> {
        path_of(e)
            .iter()
            .map(|s| &*e.tasks[s.task].task_id)
            .collect()
    }

    #[test]
    fn the_path_follows_the_dependency_that_finished_last() {
        let e = execution(vec![
            task("prep", &[], 0, 10),
            task("implement-api", &["prep"], 10, 40),
            task("implement-ui", &["prep"], 10, 60),
            task("verify-api", &["implement-api"], 40, 95),
            task("verify-ui", &["implement-ui"], 60, 90),
        ]);
        // verify-api finished last; its dependency is the api branch even
        // though the ui one took longer.
        assert_eq!(ids(&e), ["prep", "implement-api", "verify-api"]);
        let path = path_of(&e);
        assert_eq!(path.iter().map(Span::ms).sum::<f64>(), 95.0);
    }

    #[test]
    fn undeclared_dependencies_follow_the_order_of_events_and_cycles_end() {
        let e = execution(vec![
            task("prep", &[], 0, 10),
            task("implement", &[], 12, 40),
            task("verify", &[], 41, 90),
        ]);
        assert_eq!(ids(&e), ["prep", "implement", "verify"]);
        let cycle = execution(vec![task("a", &["b"], 0, 10), task("b", &["a"], 0, 20)]);
        assert_eq!(ids(&cycle), ["a", "b"]);
        assert!(path_of(&execution(Vec::new())).is_empty());
    }
}
