//! The engine: events in, state and statistics out.
//!
//! [`Engine`] is pure and synchronous. A source hands it each frame with the
//! time it was received ([`Engine::feed`]); it decodes, validates, deduplicates
//! and applies the events, and keeps:
//! - the active executions and a bounded history of finished ones
//!   ([`ExecutionStore`]);
//! - per stage, per metric and for delivery lag, distributions over all time
//!   and rolling windows ([`Distribution`]);
//! - per runner node, its latest load;
//! - an account of every input, good or bad ([`InputStats`]).
//!
//! It never reads the clock: [`Engine::advance`] moves its time forward when
//! nothing arrives, which is how windows drain and silent executions are
//! abandoned.

pub mod calendar;
mod clock;
mod config;
mod cost;
mod dedup;
mod execution;
mod ingest;
mod input;
mod interner;
mod names;
mod outcomes;
mod recent;
mod stats;
mod store;

pub use config::{EngineConfig, KpiTargets, Limits, Targets, WindowClock};
pub use cost::{RunnerTime, RunnerTimes, price};
pub use execution::{
    Attempt, ErrorRecord, Execution, LogLine, MAX_ATTEMPTS, MAX_LOGS, MAX_TASKS, MetricSample, Task,
};
pub use ingest::Ingested;
pub use input::{InputStats, InvalidExample, MAX_EXAMPLES, Origin};
pub use outcomes::{FirstAttempts, Outcomes};
pub use recent::{OkAttempt, RECENT_KEPT, RecentAttempts};
pub use stats::{Cumulative, Distribution, LogBuckets, Snapshot, Window};
pub use store::{ExecutionStore, StoreCounters, StoreLimits};

use std::collections::VecDeque;
use std::sync::Arc;

use serde::Serialize;

use crate::levels::Level;
use crate::protocol::{LogLevel, Millis, Status};
use dedup::RecentIds;
use names::NameTable;

/// A stage's statistics: how long its attempts ran, and how long they
/// waited for a slot first.
#[derive(Debug, Clone, Default)]
pub struct StageStats {
    pub durations: Distribution,
    pub queue: Distribution,
    /// First attempts' outcomes: what the error rate is judged on.
    pub first_attempts: FirstAttempts,
    /// The newest successful attempts: what a slowdown is judged on.
    pub recent_ok: RecentAttempts,
    /// Runner time of its finished attempts ([`RunnerTime`]).
    pub runner: RunnerTime,
    /// Attempts that ended `cancelled`: counted here, and in runner time,
    /// but kept out of `durations`, `first_attempts` and `recent_ok`.
    pub cancelled: u64,
}

/// The latest load a runner node reported, and its CPU over time.
#[derive(Debug, Clone, Default)]
pub struct NodeLoad {
    pub last_at: Millis,
    pub cpu_percent: f64,
    pub memory_mb: f64,
    pub memory_percent: Option<f64>,
    pub cpu: Distribution,
}

/// Whole-execution counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct ExecutionTotals {
    /// `execution_started` events accepted.
    pub started: u64,
    /// Executions that reported how they ended.
    pub finished: u64,
    pub by_status: [u64; 4],
    /// Finished executions that said whether they ran autonomously.
    pub autonomy_known: u64,
    pub autonomous: u64,
}

impl ExecutionTotals {
    pub fn status(&self, status: Status) -> u64 {
        self.by_status[status.index()]
    }

    pub fn success_rate(&self) -> Option<f64> {
        (self.finished > 0).then(|| self.status(Status::Ok) as f64 / self.finished as f64)
    }

    /// Share of finished executions that failed or timed out.
    pub fn error_rate(&self) -> Option<f64> {
        let errors = self.status(Status::Failed) + self.status(Status::Timeout);
        (self.finished > 0).then(|| errors as f64 / self.finished as f64)
    }

    /// Share of finished executions that completed without human help,
    /// among those that said.
    pub fn autonomous_rate(&self) -> Option<f64> {
        (self.autonomy_known > 0).then(|| self.autonomous as f64 / self.autonomy_known as f64)
    }
}

/// A log line with the execution it belongs to, for the engine-wide tail.
#[derive(Debug, Clone, PartialEq)]
pub struct RecentLog {
    /// The execution's own id where it is known (shared, not copied).
    pub correlation_id: Option<Arc<str>>,
    pub line: LogLine,
}

/// The event-time span of what was accepted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Span {
    pub first_ts: Option<Millis>,
    pub last_ts: Option<Millis>,
}

impl Span {
    fn note(&mut self, ts: Millis) {
        self.first_ts = Some(self.first_ts.map_or(ts, |f| f.min(ts)));
        self.last_ts = Some(self.last_ts.map_or(ts, |l| l.max(ts)));
    }

    pub fn minutes(&self) -> Option<f64> {
        match (self.first_ts, self.last_ts) {
            (Some(f), Some(l)) if l > f => Some((l - f) as f64 / 60_000.0),
            _ => None,
        }
    }
}

/// How often (in window time) the engine sweeps for silent executions.
const SWEEP_EVERY_MS: Millis = 10_000;
/// The narrowest slot of any rolling window (see [`Window`]).
const SLOT_MS: Millis = 10_000;

#[derive(Debug, Clone)]
pub struct Engine {
    config: EngineConfig,
    input: InputStats,
    recent_ids: RecentIds,
    /// Names shared by the executions' records.
    names: interner::Interner,
    stages: NameTable<StageStats>,
    metrics: NameTable<Distribution>,
    nodes: NameTable<NodeLoad>,
    runner_time: RunnerTimes,
    calendar: calendar::Calendar,
    executions_time: Distribution,
    lag: Distribution,
    store: ExecutionStore,
    totals: ExecutionTotals,
    log_levels: [u64; 4],
    recent_logs: VecDeque<RecentLog>,
    span: Span,
    /// The engine's present: the latest window time it has seen.
    now: Option<Millis>,
    /// Newest accepted `ts`: the stream's present on event time, which only
    /// vetted events move ([`clock`]).
    newest_ts: Option<Millis>,
    /// Events held because their time is far ahead of the stream's (event
    /// time only).
    suspects: clock::Suspects,
    /// Each live source's clock offset, by source index (arrival time).
    source_clocks: Vec<clock::SourceClock>,
    /// Window time of the latest accepted event.
    last_accepted_at: Option<Millis>,
    last_sweep: Millis,
    /// The next window-slot boundary, where distributions must age.
    next_boundary: Millis,
}

impl Engine {
    pub fn new(config: EngineConfig) -> Self {
        let limits = config.limits;
        Engine {
            input: InputStats::default(),
            recent_ids: RecentIds::new(limits.recent_event_ids),
            names: interner::Interner::default(),
            stages: NameTable::new(limits.max_stage_names),
            metrics: NameTable::new(limits.max_metric_names),
            nodes: NameTable::new(limits.max_nodes),
            runner_time: RunnerTimes::default(),
            calendar: calendar::Calendar::default(),
            executions_time: Distribution::new(),
            lag: Distribution::new(),
            store: ExecutionStore::new(limits.store),
            totals: ExecutionTotals::default(),
            log_levels: [0; 4],
            recent_logs: VecDeque::new(),
            span: Span::default(),
            now: None,
            newest_ts: None,
            suspects: clock::Suspects::default(),
            source_clocks: Vec::new(),
            last_accepted_at: None,
            last_sweep: Millis::MIN,
            next_boundary: Millis::MIN,
            config,
        }
    }

    /// Moves the engine's time forward to `now` (window time): windows age
    /// and silent executions are abandoned. Time never moves backwards.
    ///
    /// Windows move in whole 10-second slots, so the work is done once per
    /// slot boundary, not once per event.
    pub fn advance(&mut self, now: Millis) {
        if self.now.is_some_and(|n| now <= n) {
            return;
        }
        self.now = Some(now);
        if now < self.next_boundary {
            return;
        }
        self.next_boundary = (now.div_euclid(SLOT_MS) + 1) * SLOT_MS;
        for stage in self.stages.values_mut() {
            stage.durations.advance(now);
            stage.queue.advance(now);
            stage.first_attempts.advance(now);
        }
        for metric in self.metrics.values_mut() {
            metric.advance(now);
        }
        for node in self.nodes.values_mut() {
            node.cpu.advance(now);
        }
        self.executions_time.advance(now);
        self.lag.advance(now);
        if now.saturating_sub(self.last_sweep) >= SWEEP_EVERY_MS {
            self.last_sweep = now;
            self.store
                .abandon_silent(now.saturating_sub(self.config.stale_after_ms));
        }
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// The engine's present (window time), once anything happened.
    pub fn now(&self) -> Option<Millis> {
        self.now
    }

    /// Window time of the latest accepted event.
    pub fn last_accepted_at(&self) -> Option<Millis> {
        self.last_accepted_at
    }

    /// Live source `source`'s estimated clock offset, in ms: receive time
    /// minus the runner's `ts` (positive when the runner's clock is behind),
    /// as the median of its recent events.
    pub fn source_clock_offset(&self, source: usize) -> Option<Millis> {
        self.source_clocks.get(source).and_then(|c| c.offset())
    }

    /// Events held because their timestamp is far ahead of the stream's
    /// present, until later events tell whether it is real (event time).
    pub fn held(&self) -> usize {
        self.suspects.len()
    }

    pub fn input(&self) -> &InputStats {
        &self.input
    }

    /// Runner time over all time: every finished attempt's duration, in
    /// total and by project and node (by stage: [`StageStats::runner`]).
    pub fn runner_time(&self) -> &RunnerTimes {
        &self.runner_time
    }

    /// Starts and failures by hour, weekday and minute.
    pub fn calendar(&self) -> &calendar::Calendar {
        &self.calendar
    }

    pub fn executions(&self) -> &ExecutionStore {
        &self.store
    }

    pub fn totals(&self) -> &ExecutionTotals {
        &self.totals
    }

    pub fn span(&self) -> Span {
        self.span
    }

    /// Per stage name, in the order first seen.
    pub fn stages(&self) -> impl Iterator<Item = (&str, &StageStats)> {
        self.stages.iter()
    }

    pub fn stage(&self, name: &str) -> Option<&StageStats> {
        self.stages.get(name)
    }

    /// Stage finishes whose stage name did not fit in the table.
    pub fn stage_name_overflow(&self) -> u64 {
        self.stages.overflow()
    }

    /// Per metric name, in the order first seen.
    pub fn metrics(&self) -> impl Iterator<Item = (&str, &Distribution)> {
        self.metrics.iter()
    }

    pub fn metric(&self, name: &str) -> Option<&Distribution> {
        self.metrics.get(name)
    }

    pub fn metric_name_overflow(&self) -> u64 {
        self.metrics.overflow()
    }

    pub fn nodes(&self) -> impl Iterator<Item = (&str, &NodeLoad)> {
        self.nodes.iter()
    }

    /// Whole-execution durations of finished executions.
    pub fn execution_durations(&self) -> &Distribution {
        &self.executions_time
    }

    /// Delivery lag (receive time − `ts`), measured on arrival time only.
    pub fn delivery_lag(&self) -> &Distribution {
        &self.lag
    }

    pub fn log_count(&self, level: LogLevel) -> u64 {
        self.log_levels[level as usize]
    }

    /// The most recent log lines across all executions, oldest first.
    pub fn recent_logs(&self) -> impl Iterator<Item = &RecentLog> {
        self.recent_logs.iter()
    }

    /// The target of a stage, if it has one.
    pub fn target(&self, stage: &str) -> Option<f64> {
        self.config.targets.stage(stage)
    }

    /// The target of a metric (its p95 at most), if it has one.
    pub fn metric_target(&self, metric: &str) -> Option<f64> {
        self.config.targets.metric(metric)
    }

    /// A stage's level over `window`: its p95 against its target.
    pub fn level(&self, stage: &str, window: Window) -> Option<Level> {
        let target = self.target(stage)?;
        let snap = self.stage(stage)?.durations.snapshot(window);
        (snap.count > 0 && target > 0.0).then(|| Level::from_ratio(snap.p95 / target))
    }
}
