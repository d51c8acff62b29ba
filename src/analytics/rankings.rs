//! Rankings: stages, tasks, projects and nodes side by side on the figures
//! that say where time and money go, over the finished executions held:
//! p95 of their attempts' durations, the share of attempts that failed, the
//! share of tasks retried, runner time (cost), and their share of the
//! critical paths ([`super::critical_path`]). Rows come unsorted by figure
//! (by name); [`order`] orders them by the one asked for, as `report --rank`
//! and the Rankings screen do.

use std::collections::BTreeMap;

use serde::Serialize;

use super::critical_path::{Span, duration_of, path_of};
use super::stats::quantile;
use crate::engine::{Engine, RunnerTime};
use crate::protocol::Status;
use crate::units::{round_ms, round_share};

/// Attempts a row needs before its p95 and rates are given: fewer say
/// little, and would lead a ranking on chance.
pub const MIN_ATTEMPTS: u64 = 10;

/// What a ranking orders by, largest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum RankBy {
    #[default]
    P95,
    FailureRate,
    RetryRate,
    Cost,
    CriticalPath,
}

impl RankBy {
    pub const ALL: [RankBy; 5] = [
        RankBy::P95,
        RankBy::FailureRate,
        RankBy::RetryRate,
        RankBy::Cost,
        RankBy::CriticalPath,
    ];

    pub fn name(self) -> &'static str {
        match self {
            RankBy::P95 => "p95",
            RankBy::FailureRate => "failure-rate",
            RankBy::RetryRate => "retry-rate",
            RankBy::Cost => "cost",
            RankBy::CriticalPath => "critical-path",
        }
    }

    /// The next one, for a key that cycles through them.
    pub fn next(self) -> RankBy {
        let i = Self::ALL.iter().position(|b| *b == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }
}

/// What is ranked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RankOf {
    #[default]
    Stages,
    Tasks,
    Projects,
    Nodes,
}

impl RankOf {
    pub const ALL: [RankOf; 4] = [
        RankOf::Stages,
        RankOf::Tasks,
        RankOf::Projects,
        RankOf::Nodes,
    ];

    pub fn name(self) -> &'static str {
        match self {
            RankOf::Stages => "stages",
            RankOf::Tasks => "tasks",
            RankOf::Projects => "projects",
            RankOf::Nodes => "nodes",
        }
    }

    pub fn next(self) -> RankOf {
        let i = Self::ALL.iter().position(|b| *b == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankRow {
    pub name: String,
    /// Finished attempts, cancelled ones included.
    pub attempts: u64,
    /// Over the attempts that were not cancelled (from [`MIN_ATTEMPTS`]).
    pub p95_ms: Option<f64>,
    pub failure_rate: Option<f64>,
    /// Tasks with more than one attempt, over its tasks.
    pub retry_rate: Option<f64>,
    /// Every finished attempt's duration, added up.
    pub runner_ms: f64,
    /// Its time on critical paths over the duration of the `ok` executions
    /// that had one; `None` when there were none.
    pub critical_share: Option<f64>,
}

impl RankRow {
    /// The figure `by` ranks on; `None` ranks last.
    pub fn figure(&self, by: RankBy) -> Option<f64> {
        match by {
            RankBy::P95 => self.p95_ms,
            RankBy::FailureRate => self.failure_rate,
            RankBy::RetryRate => self.retry_rate,
            RankBy::Cost => Some(self.runner_ms),
            RankBy::CriticalPath => self.critical_share,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Rankings {
    /// Finished executions read.
    pub executions: u64,
    pub stages: Vec<RankRow>,
    pub tasks: Vec<RankRow>,
    pub projects: Vec<RankRow>,
    pub nodes: Vec<RankRow>,
}

impl Rankings {
    pub fn rows(&self, of: RankOf) -> &[RankRow] {
        match of {
            RankOf::Stages => &self.stages,
            RankOf::Tasks => &self.tasks,
            RankOf::Projects => &self.projects,
            RankOf::Nodes => &self.nodes,
        }
    }

    /// Every table ordered by `by` ([`order`]).
    pub fn sorted(mut self, by: RankBy) -> Rankings {
        for rows in [
            &mut self.stages,
            &mut self.tasks,
            &mut self.projects,
            &mut self.nodes,
        ] {
            rows.sort_by(|a, b| order(a, b, by));
        }
        self
    }
}

/// Largest `by` first; rows without it last; ties by name.
pub fn order(a: &RankRow, b: &RankRow, by: RankBy) -> std::cmp::Ordering {
    match (a.figure(by), b.figure(by)) {
        (Some(x), Some(y)) => y.total_cmp(&x).then_with(|| a.name.cmp(&b.name)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.name.cmp(&b.name),
    }
}

#[derive(Default)]
struct Tally {
    attempts: u64,
    durations: Vec<f64>,
    failed: u64,
    tasks: u64,
    retried: u64,
    runner_ms: f64,
    critical_ms: f64,
}

impl Tally {
    fn row(mut self, name: &str, path_time: f64) -> RankRow {
        let judged = self.durations.len() as u64;
        let enough = judged >= MIN_ATTEMPTS;
        self.durations.sort_by(f64::total_cmp);
        RankRow {
            name: name.to_string(),
            attempts: self.attempts,
            p95_ms: enough
                .then(|| quantile(&self.durations, 0.95))
                .flatten()
                .map(round_ms),
            failure_rate: enough.then(|| round_share(self.failed as f64 / judged as f64)),
            retry_rate: (enough && self.tasks > 0)
                .then(|| round_share(self.retried as f64 / self.tasks as f64)),
            runner_ms: round_ms(self.runner_ms),
            critical_share: (path_time > 0.0).then(|| round_share(self.critical_ms / path_time)),
        }
    }
}

/// Names borrowed from the executions: nothing allocated per task.
type Table<'e> = BTreeMap<&'e str, Tally>;

fn rows(table: Table<'_>, path_time: f64) -> Vec<RankRow> {
    table
        .into_iter()
        .map(|(name, t)| t.row(name, path_time))
        .collect()
}

pub fn rankings(engine: &Engine) -> Rankings {
    let mut tables: [Table<'_>; 4] = Default::default();
    let mut executions = 0;
    let mut path_time = 0.0;
    for e in engine.executions().finished() {
        executions += 1;
        let project = e.project_id.as_deref();
        let node = e.node.as_deref();
        // An ok execution's path, kept only when its time is known: the
        // shares are over that time.
        let mut path = if e.status == Some(Status::Ok) {
            path_of(e)
        } else {
            Vec::new()
        };
        match duration_of(e, &path) {
            Some(d) if !path.is_empty() => path_time += d,
            _ => path.clear(),
        }
        for (i, task) in e.tasks.iter().enumerate() {
            let finished = || task.attempts.iter().filter(|a| a.status.is_some());
            if finished().next().is_none() {
                continue;
            }
            let names = [Some(&*task.stage), Some(&*task.task_id), project, node];
            let critical = path.iter().find(|s| s.task == i).map_or(0.0, Span::ms);
            for (table, name) in tables.iter_mut().zip(names) {
                let Some(name) = name else { continue };
                let t = table.entry(name).or_default();
                t.tasks += 1;
                t.retried += u64::from(task.attempts.len() > 1);
                t.critical_ms += critical;
                for a in finished() {
                    let d = RunnerTime::of_attempt(a.duration_ms.unwrap_or(0.0));
                    t.attempts += 1;
                    t.runner_ms += d;
                    if a.status == Some(Status::Cancelled) {
                        continue;
                    }
                    t.durations.push(d);
                    t.failed +=
                        u64::from(matches!(a.status, Some(Status::Failed | Status::Timeout)));
                }
            }
        }
    }
    let [stages, tasks, projects, nodes] = tables;
    Rankings {
        executions,
        stages: rows(stages, path_time),
        tasks: rows(tasks, path_time),
        projects: rows(projects, path_time),
        nodes: rows(nodes, path_time),
    }
}
