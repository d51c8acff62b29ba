//! What history says of a task in a given state: the tables the risk of an
//! execution is read from, fitted on finished executions.
//!
//! A task's chance of failing for good (its last attempt `failed` or
//! `timeout`) is read, most specific first, from
//! - its stage and attempt number (1, 2, 3 and later together), among past
//!   attempts that ran at least as long as this one has: an attempt that
//!   outlived the usual failures is less likely to fail;
//! - shrunk toward the stage and attempt number at any elapsed time, and
//!   that toward every stage's at that attempt number ([`SHRINK`] pseudo
//!   observations each), so a rare case reads close to a common one;
//! - then moved, in odds, by what is going on now: the stage's first
//!   attempts failing more than usual over the last [`RECENT_MS`], the
//!   node failing more than the other nodes over the same time, and for a
//!   retry the error the previous attempt failed with; each only when its
//!   count departs from the usual rate beyond chance ([`FACTOR_P`]).
//!
//! "Now" is read the way a live monitor sees it: only executions that had
//! finished by then count as recent.
//!
//! The chance of missing the target is the stage's: among its past
//! attempts that ran at least as long as this one has, the share that ran
//! past the target.

use std::collections::HashMap;
use std::sync::Arc;

use crate::analytics::critical_path::NO_WORKFLOW;
use crate::analytics::failures::pattern_of;
use crate::analytics::stats::binomial_tail;
use crate::engine::{Attempt, Execution, Targets, Task};
use crate::protocol::{Millis, Status};

/// Pseudo observations a rate is shrunk toward its broader rate with.
pub const SHRINK: f64 = 20.0;
/// Pseudo observations an overrun rate at an elapsed time is shrunk toward
/// the stage's overrun rate with (few attempts run long: a heavy weight
/// would pull every late attempt back to the usual rate).
pub const SHRINK_LATE: f64 = 5.0;
/// What "recent" is: the executions that finished in the last 10 minutes.
pub const RECENT_MS: Millis = 10 * 60_000;
/// `ok` executions a workflow needs before its task list is trusted.
pub const MIN_OK: usize = 3;
/// Attempt numbers from this one on share their tables.
const LAST_CLASS: u32 = 3;
/// Probabilities are kept inside this margin of 0 and 1, so that odds
/// stay finite.
const EDGE: f64 = 1e-4;

fn class(attempt: u32) -> u32 {
    attempt.clamp(1, LAST_CLASS)
}

fn failed(status: Option<Status>) -> bool {
    matches!(status, Some(Status::Failed | Status::Timeout))
}

/// A count of cases and of those that went wrong.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Count {
    pub n: u64,
    pub bad: u64,
}

impl Count {
    fn add(&mut self, bad: bool) {
        self.n += 1;
        self.bad += u64::from(bad);
    }

    pub fn rate(&self) -> Option<f64> {
        (self.n > 0).then(|| self.bad as f64 / self.n as f64)
    }

    /// The rate a broader one is read as: with half a case of each kind
    /// added (Jeffreys), so that none seen in a few hundred is a small
    /// chance, not none, and odds against it stay finite.
    pub fn usual(&self) -> Option<f64> {
        (self.n > 0).then(|| (self.bad as f64 + 0.5) / (self.n as f64 + 1.0))
    }

    /// The rate shrunk toward `prior` with `weight` pseudo observations.
    pub fn shrunk(&self, prior: f64, weight: f64) -> f64 {
        (self.bad as f64 + weight * prior) / (self.n as f64 + weight)
    }
}

/// Cases with a key and a flag each, sorted by key once filled, to count
/// the flagged among those in a range of keys: attempts by how long they
/// ran ([`Survival`]), outcomes by when their execution finished
/// ([`Timeline`]).
#[derive(Debug, Clone, Default, PartialEq)]
struct Flagged<K> {
    cases: Vec<(K, bool)>,
    /// Flagged cases before each index.
    flagged_before: Vec<u64>,
}

/// Attempts by duration, flagged as their table says.
type Survival = Flagged<f64>;
/// Outcomes by when their execution finished, flagged when bad.
type Timeline = Flagged<Millis>;

impl<K: Copy + PartialOrd> Flagged<K> {
    fn push(&mut self, key: K, flagged: bool) {
        self.cases.push((key, flagged));
    }

    fn seal(&mut self) {
        self.cases
            .sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal));
        self.flagged_before = Vec::with_capacity(self.cases.len() + 1);
        self.flagged_before.push(0);
        let mut sum = 0;
        for c in &self.cases {
            sum += u64::from(c.1);
            self.flagged_before.push(sum);
        }
    }

    /// The cases with a key in `[from, to)`, or from `from` on.
    fn count(&self, from: K, to: Option<K>) -> Count {
        let a = self.cases.partition_point(|c| c.0 < from);
        let b = to.map_or(self.cases.len(), |to| {
            self.cases.partition_point(|c| c.0 < to)
        });
        let b = b.max(a);
        Count {
            n: (b - a) as u64,
            bad: self.flagged_before.get(b).copied().unwrap_or(0)
                - self.flagged_before.get(a).copied().unwrap_or(0),
        }
    }
}

impl Survival {
    /// Every case (once sealed).
    fn total(&self) -> Count {
        Count {
            n: self.cases.len() as u64,
            bad: self.flagged_before.last().copied().unwrap_or(0),
        }
    }

    /// The cases that lasted at least `ms`.
    fn at_least(&self, ms: f64) -> Count {
        self.count(ms, None)
    }
}

impl Timeline {
    /// The cases of executions that finished in `[from, to)`.
    fn between(&self, from: Millis, to: Millis) -> Count {
        self.count(from, Some(to))
    }
}

/// A task of a workflow, as its `ok` executions ran it.
#[derive(Debug, Clone, PartialEq)]
pub struct KnownTask {
    pub task: Arc<str>,
    pub stage: Arc<str>,
}

/// One stage's tables.
#[derive(Debug, Clone, Default, PartialEq)]
struct StageTables {
    /// Finished attempts by attempt class: how long each ran and whether
    /// its task failed for good (all of them: the class at any elapsed
    /// time).
    running: [Survival; LAST_CLASS as usize],
    /// Tasks whose attempt of a class failed: whether the task then failed
    /// for good (a retry came and failed too, or none came).
    after_failure: [Count; LAST_CLASS as usize],
    /// Retries by the pattern the previous attempt failed with.
    patterns: HashMap<String, Count>,
    /// First attempts: the usual rate.
    first: Count,
    /// With a target: how long each attempt ran, flagged when past it.
    target: Option<f64>,
    overrun: Survival,
}

/// What happened lately, by when each execution finished: the same for
/// every fit over one history, so fitted once and shared.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Recent {
    /// First attempts per stage.
    first: HashMap<Arc<str>, Timeline>,
    /// Every attempt per node, and the fleet's (the executions without a
    /// node among them).
    nodes: HashMap<Arc<str>, Timeline>,
    fleet: Timeline,
}

impl Recent {
    pub fn of<'e>(executions: impl Iterator<Item = &'e Execution>) -> Recent {
        let mut r = Recent::default();
        for e in executions {
            let Some(at) = e.finished_at else { continue };
            let mut node = e
                .node
                .as_ref()
                .map(|n| r.nodes.entry(n.clone()).or_default());
            for t in &e.tasks {
                for a in t.attempts.iter().filter(|a| outcome_known(a)) {
                    let bad = failed(a.status);
                    r.fleet.push(at, bad);
                    if let Some(node) = node.as_mut() {
                        node.push(at, bad);
                    }
                    if a.attempt == 1 {
                        r.first.entry(t.stage.clone()).or_default().push(at, bad);
                    }
                }
            }
        }
        r.first.values_mut().for_each(Timeline::seal);
        r.nodes.values_mut().for_each(Timeline::seal);
        r.fleet.seal();
        r
    }
}

/// The fitted tables.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Model {
    stages: HashMap<Arc<str>, StageTables>,
    /// Every stage's, per attempt class.
    class: [Count; LAST_CLASS as usize],
    after_failure_class: [Count; LAST_CLASS as usize],
    recent: Arc<Recent>,
    /// Each workflow's tasks, known from [`MIN_OK`] `ok` executions.
    workflows: HashMap<Arc<str>, Vec<KnownTask>>,
}

/// Whether a finished attempt ended the way a task can end: `cancelled`
/// ones were cut short by something else and tell nothing of their own.
fn outcome_known(a: &Attempt) -> bool {
    matches!(
        a.status,
        Some(Status::Ok | Status::Failed | Status::Timeout)
    )
}

/// Whether the task failed for good, or `None` when its last attempt was
/// cut short (or never ended).
fn task_failed(t: &Task) -> Option<bool> {
    let last = t.attempts.iter().max_by_key(|a| a.attempt)?;
    outcome_known(last).then(|| failed(last.status))
}

impl Model {
    /// Fits the tables on `fit`; what is recent is read from `recent`
    /// (the same executions live, every execution in calibration).
    pub fn fit<'e>(
        fit: impl Iterator<Item = &'e Execution>,
        recent: impl Iterator<Item = &'e Execution>,
        targets: &Targets,
    ) -> Model {
        Model::fit_with(fit, Arc::new(Recent::of(recent)), targets)
    }

    /// [`Model::fit`] with what is recent already read.
    pub fn fit_with<'e>(
        fit: impl Iterator<Item = &'e Execution>,
        recent: Arc<Recent>,
        targets: &Targets,
    ) -> Model {
        let mut m = Model {
            recent,
            ..Model::default()
        };
        let mut ok_runs: HashMap<Arc<str>, (usize, Vec<KnownTask>)> = HashMap::new();
        for e in fit {
            if e.status == Some(Status::Ok) {
                let workflow = e.workflow.clone().unwrap_or_else(|| NO_WORKFLOW.into());
                let (ok, tasks) = ok_runs.entry(workflow).or_default();
                *ok += 1;
                for t in &e.tasks {
                    if !tasks.iter().any(|k| k.task == t.task_id) {
                        tasks.push(KnownTask {
                            task: t.task_id.clone(),
                            stage: t.stage.clone(),
                        });
                    }
                }
            }
            for t in &e.tasks {
                m.fit_task(t, targets);
            }
        }
        m.workflows = ok_runs
            .into_iter()
            .filter(|(_, (ok, _))| *ok >= MIN_OK)
            .map(|(w, (_, tasks))| (w, tasks))
            .collect();
        for tables in m.stages.values_mut() {
            tables.running.iter_mut().for_each(Survival::seal);
            tables.overrun.seal();
        }
        m
    }

    fn fit_task(&mut self, t: &Task, targets: &Targets) {
        if !self.stages.contains_key(&*t.stage) {
            let tables = StageTables {
                target: targets.stage(&t.stage),
                ..StageTables::default()
            };
            self.stages.insert(t.stage.clone(), tables);
        }
        let Some(tables) = self.stages.get_mut(&*t.stage) else {
            return;
        };
        for a in t.attempts.iter().filter(|a| outcome_known(a)) {
            let d = a.duration_ms.unwrap_or(0.0);
            if let Some(target) = tables.target {
                tables.overrun.push(d, d > target);
            }
            if a.attempt == 1 {
                tables.first.add(failed(a.status));
            }
        }
        let Some(task_failed) = task_failed(t) else {
            return;
        };
        let mut previous: Option<&Attempt> = None;
        let mut attempts: Vec<&Attempt> = t.attempts.iter().collect();
        attempts.sort_by_key(|a| a.attempt);
        for a in attempts {
            let c = class(a.attempt) as usize - 1;
            if outcome_known(a) {
                let d = a.duration_ms.unwrap_or(0.0);
                tables.running[c].push(d, task_failed);
                self.class[c].add(task_failed);
                if let Some(p) = previous.and_then(|p| p.error.as_deref()) {
                    tables
                        .patterns
                        .entry(pattern_of(p))
                        .or_default()
                        .add(task_failed);
                }
                if failed(a.status) {
                    tables.after_failure[c].add(task_failed);
                    self.after_failure_class[c].add(task_failed);
                }
            }
            previous = Some(a);
        }
    }

    /// Whether there is anything to read a task's chances from.
    pub fn is_empty(&self) -> bool {
        self.class.iter().all(|c| c.n == 0)
    }

    /// The tasks a workflow's `ok` executions ran, if known.
    pub fn workflow(&self, name: Option<&str>) -> Option<&[KnownTask]> {
        self.workflows
            .get(name.unwrap_or(NO_WORKFLOW))
            .map(Vec::as_slice)
    }

    fn class_rate(&self, c: u32, table: &[Count; LAST_CLASS as usize]) -> f64 {
        // A class never seen reads as the first attempts'.
        let all = self.class[0].usual().unwrap_or(0.0);
        table[c as usize - 1].usual().unwrap_or(all)
    }

    fn tables(&self, stage: &str) -> Option<&StageTables> {
        self.stages.get(stage)
    }

    /// A stage's chance at attempt class `c`, and the cases behind it.
    fn stage_rate(&self, stage: &str, c: u32) -> (f64, Count) {
        let count = self
            .tables(stage)
            .map(|t| t.running[c as usize - 1].total())
            .unwrap_or_default();
        (count.shrunk(self.class_rate(c, &self.class), SHRINK), count)
    }

    /// A running attempt of class `c` that has run `elapsed` ms: the chance
    /// its task fails for good, and the cases behind it.
    pub fn running(&self, stage: &str, attempt: u32, elapsed: f64) -> (f64, Count) {
        let c = class(attempt);
        let (prior, _) = self.stage_rate(stage, c);
        let count = self
            .tables(stage)
            .map(|t| t.running[c as usize - 1].at_least(elapsed))
            .unwrap_or_default();
        (count.shrunk(prior, SHRINK), count)
    }

    /// A task not started yet.
    pub fn unstarted(&self, stage: &str) -> (f64, Count) {
        self.stage_rate(stage, 1)
    }

    /// A task whose attempt `attempt` failed, no retry running yet.
    pub fn after_failure(&self, stage: &str, attempt: u32) -> (f64, Count) {
        let c = class(attempt);
        let count = self
            .tables(stage)
            .map(|t| t.after_failure[c as usize - 1])
            .unwrap_or_default();
        let prior = self.class_rate(c, &self.after_failure_class);
        (count.shrunk(prior, SHRINK), count)
    }

    /// A retry after an attempt that failed with `pattern`: its pattern's
    /// rate against the stage's at that attempt number, in odds.
    pub fn pattern(&self, stage: &str, attempt: u32, pattern: &str) -> Option<Shift> {
        let (usual, _) = self.stage_rate(stage, class(attempt));
        let count = *self.tables(stage)?.patterns.get(pattern)?;
        Shift::new(count, count.shrunk(usual, SHRINK), usual)
    }

    /// Whether any retry of `stage` followed an error (so that a pattern
    /// is worth working out).
    pub fn has_patterns(&self, stage: &str) -> bool {
        self.tables(stage).is_some_and(|t| !t.patterns.is_empty())
    }

    /// The stage's first attempts over the recent past, against its usual.
    pub fn stage_recent(&self, stage: &str, at: Millis) -> Option<Shift> {
        let usual = self.tables(stage)?.first.usual()?;
        let count = self
            .recent
            .first
            .get(stage)?
            .between(at.saturating_sub(RECENT_MS), at);
        Shift::new(count, count.shrunk(usual, SHRINK), usual)
    }

    /// The node's attempts over the recent past, against the other
    /// nodes' (a node with no peers reporting has nothing to be compared
    /// with).
    pub fn node_recent(&self, node: &str, at: Millis) -> Option<Shift> {
        let from = at.saturating_sub(RECENT_MS);
        let count = self.recent.nodes.get(node)?.between(from, at);
        let fleet = self.recent.fleet.between(from, at);
        let others = Count {
            n: fleet.n - count.n,
            bad: fleet.bad - count.bad,
        }
        .usual()?;
        Shift::new(count, count.shrunk(others, SHRINK), others)
    }

    /// A stage's target, if it has one and attempts were judged on it.
    pub fn target(&self, stage: &str) -> Option<f64> {
        self.tables(stage)?.target
    }

    /// The chance an attempt that has run `elapsed` ms runs past its
    /// stage's target, with the cases behind it and the stage's usual rate.
    pub fn overrun(&self, stage: &str, elapsed: f64) -> Option<(f64, Count, f64)> {
        let t = self.tables(stage)?;
        let usual = t.overrun.total().usual()?;
        let count = t.overrun.at_least(elapsed);
        Some((count.shrunk(usual, SHRINK_LATE), count, usual))
    }
}

/// A recent or specific rate against the usual one: the odds ratio it
/// moves a chance by.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shift {
    pub count: Count,
    /// The rate shrunk toward `usual`.
    pub rate: f64,
    pub usual: f64,
    pub odds_ratio: f64,
    /// How likely a count this far from the usual rate is by chance
    /// (exact binomial, one-sided).
    pub p_value: f64,
}

/// A factor moves a chance only when its count is this unlikely under the
/// usual rate (each direction): with rare failures, two in a node's last
/// forty attempts is no news, and shrinking alone would still move the
/// odds by half again.
pub const FACTOR_P: f64 = 0.025;

impl Shift {
    /// The shift, if the count departs from the usual rate beyond chance.
    fn new(count: Count, rate: f64, usual: f64) -> Option<Shift> {
        let odds_ratio = odds(rate) / odds(usual);
        // Most moments nothing is going on: the exact test (the costly
        // part) only for a move worth testing.
        if count.n == 0 || (odds_ratio.ln()).abs() < 0.1 {
            return None;
        }
        // Nor for a count within a standard deviation of the usual: no
        // binomial tail that close is below 2.5 %.
        let expected = count.n as f64 * usual;
        let sd = (expected * (1.0 - usual)).sqrt();
        if (count.bad as f64 - expected).abs() < sd {
            return None;
        }
        let p_value = binomial_tail(count.bad, count.n, usual)?;
        (p_value < FACTOR_P).then_some(Shift {
            count,
            rate,
            usual,
            odds_ratio,
            p_value,
        })
    }
}

pub fn odds(p: f64) -> f64 {
    let p = p.clamp(EDGE, 1.0 - EDGE);
    p / (1.0 - p)
}

/// A chance moved by an odds ratio.
pub fn moved(p: f64, odds_ratio: f64) -> f64 {
    let o = odds(p) * odds_ratio;
    (o / (1.0 + o)).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Attempt;

    /// An execution on `node` of one `implement` task whose attempts ran
    /// 10 s each, back to back from `start`, ending as `statuses` say.
    fn execution(id: &str, node: &str, start: Millis, statuses: &[Status]) -> Execution {
        let mut e = Execution::new(id, start);
        e.node = Some(node.into());
        e.started_at = Some(start);
        let attempts = statuses
            .iter()
            .enumerate()
            .map(|(i, &status)| Attempt {
                attempt: i as u32 + 1,
                started_at: Some(start + i as Millis * 10_000),
                finished_at: Some(start + (i as Millis + 1) * 10_000),
                queue_ms: None,
                duration_ms: Some(10_000.0),
                status: Some(status),
                error: None,
                resources: None,
            })
            .collect();
        e.tasks.push(Task {
            task_id: "implement".into(),
            stage: "implement".into(),
            depends_on: Vec::new(),
            attempts,
        });
        let end = start + statuses.len() as Millis * 10_000;
        let status = *statuses.last().unwrap();
        e.set_finish(end, status, None, None);
        e
    }

    #[test]
    fn a_node_failing_more_than_the_fleet_moves_the_odds_up() {
        // Two hours, an execution a minute on each node; over the last ten
        // minutes runner-2 fails one in two, runner-1 one in fifty.
        let mut history = Vec::new();
        for i in 0..120 {
            let at = i * 60_000;
            let recent = i >= 110;
            for (node, fails) in [
                ("runner-1", i % 50 == 0),
                ("runner-2", recent && i % 2 == 0),
            ] {
                let status = if fails { Status::Failed } else { Status::Ok };
                history.push(execution(&format!("{node}-{i}"), node, at, &[status]));
            }
        }
        let m = Model::fit(history.iter(), history.iter(), &Targets::default());
        let now = 120 * 60_000;
        let bad = m.node_recent("runner-2", now).unwrap();
        let good = m.node_recent("runner-1", now).unwrap();
        assert_eq!(bad.count, Count { n: 10, bad: 5 });
        assert!(bad.odds_ratio > 2.0, "{bad:?}");
        assert!(good.odds_ratio < 1.0, "{good:?}");
        // The same running attempt reads riskier on the failing node.
        let running = |node: &str| {
            let mut e = execution("live", node, now - 5_000, &[Status::Ok]);
            e.status = None;
            e.finished_at = None;
            e.tasks[0].attempts[0].status = None;
            e.tasks[0].attempts[0].finished_at = None;
            m.assess(&e, now)
        };
        let (on_bad, on_good) = (running("runner-2"), running("runner-1"));
        assert!(on_bad.fail.unwrap() > 2.0 * on_good.fail.unwrap());
        let factor = &on_bad.tasks[0].factors;
        assert!(
            factor
                .iter()
                .any(|f| f.kind == "node_recent" && &*f.subject == "runner-2")
        );
    }

    #[test]
    fn a_retry_reads_from_retries_and_a_failed_last_attempt_from_what_followed() {
        // Half the first attempts fail; every retry fails too, so a task
        // that needed one failed for good.
        let history: Vec<Execution> = (0..100)
            .map(|i| {
                let statuses: &[Status] = if i % 2 == 0 {
                    &[Status::Failed, Status::Failed]
                } else {
                    &[Status::Ok]
                };
                execution(&format!("e{i}"), "n", i * 60_000, statuses)
            })
            .collect();
        let m = Model::fit(history.iter(), history.iter(), &Targets::empty());
        let stage: Arc<str> = "implement".into();
        let (first, cases) = m.running(&stage, 1, 0.0);
        assert_eq!(cases, Count { n: 100, bad: 50 });
        assert!((first - 0.5).abs() < 0.01, "{first}");
        let (retry, cases) = m.running(&stage, 2, 0.0);
        assert_eq!(cases, Count { n: 50, bad: 50 });
        assert!(retry > 0.9, "{retry}");
        let (after, _) = m.after_failure(&stage, 1);
        assert!(after > 0.9, "{after}");
    }

    #[test]
    fn survival_counts_the_flagged_among_the_longer() {
        let mut s = Survival::default();
        for (d, f) in [(5.0, true), (1.0, false), (3.0, true), (9.0, false)] {
            s.push(d, f);
        }
        s.seal();
        assert_eq!(s.at_least(0.0), Count { n: 4, bad: 2 });
        assert_eq!(s.at_least(3.0), Count { n: 3, bad: 2 });
        assert_eq!(s.at_least(6.0), Count { n: 1, bad: 0 });
        assert_eq!(s.at_least(10.0), Count { n: 0, bad: 0 });
    }

    #[test]
    fn timeline_counts_a_range_of_finishing_times() {
        let mut t = Timeline::default();
        for (at, bad) in [(30, true), (10, false), (20, true), (40, false)] {
            t.push(at, bad);
        }
        t.seal();
        assert_eq!(t.between(15, 35), Count { n: 2, bad: 2 });
        assert_eq!(t.between(0, 15), Count { n: 1, bad: 0 });
        assert_eq!(t.between(50, 60), Count { n: 0, bad: 0 });
    }

    #[test]
    fn shrinking_and_odds() {
        let c = Count { n: 20, bad: 10 };
        assert!((c.shrunk(0.1, SHRINK) - 0.3).abs() < 1e-12);
        assert!((moved(0.5, 3.0) - 0.75).abs() < 1e-12);
        assert!((moved(0.2, 1.0) - 0.2).abs() < 1e-12);
    }
}
