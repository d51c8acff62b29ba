//! The monitor: one session of watching runners, the same behind every
//! front end (`report`, `check`, `watch`, `demo`, `replay`), so that they
//! can never disagree.
//!
//! It owns the engine, the sources' statuses, this host's latest load, the
//! alert rules and their book, a baseline to compare with, and the
//! analyses. Front ends feed it (events into [`Monitor::engine`], then
//! [`Monitor::after_events`]; time through [`Monitor::tick`]) and read it;
//! it never reads a clock or touches a terminal or a socket.
//!
//! **One evaluation schedule per clock.** The rules run on a fixed grid of
//! the engine's clock: every [`EVENT_TIME_EVERY_MS`] (30 s) of event
//! time for a file, every [`ARRIVAL_TIME_EVERY_MS`] (a second) of arrival
//! time live. A file's
//! events move its clock, so the rules are evaluated as events cross the
//! grid, however fast they are read: `replay --speed 0` and `report` of the
//! same file give the same alert transitions.
//!
//! **Analyses when data changed.** Bottlenecks, A/B comparisons, failure
//! patterns, trends, recommendations and baseline changes read thousands of
//! executions; they are recomputed on a tick only when events arrived since
//! and [`ANALYSES_EVERY_MS`] of engine time has passed, never per frame.

pub mod evidence;
pub mod history;

use crate::alerts::{Alerts, Context, Transition};
use crate::analytics::Analyses;
use crate::analytics::baseline::{Baseline, Change, changes, samples};
use crate::config::Config;
use crate::engine::{Engine, WindowClock};
use crate::host::SystemView;
use crate::protocol::Millis;
use crate::report::Report;
use crate::source_status::SourceStatus;
use history::History;
use std::sync::Arc;

/// Rule evaluations on a file's clock: every 30 s of event time. Every 10 s
/// made a week-long report twice as slow (4.8 s against 2.1 s for 1.07M
/// events); a rule's `for` under 30 s is judged to the half-minute in a
/// file.
pub const EVENT_TIME_EVERY_MS: Millis = 30_000;
/// Rule evaluations live.
pub const ARRIVAL_TIME_EVERY_MS: Millis = 1_000;
/// Analyses are recomputed at most this often (engine time).
pub const ANALYSES_EVERY_MS: Millis = 5_000;

#[derive(Debug, Clone)]
pub struct Monitor {
    pub engine: Engine,
    pub alerts: Alerts,
    /// Live sources and their connections; empty for a file.
    pub sources: Vec<SourceStatus>,
    /// This host's latest load, from the one sampler of the run: what the
    /// System panel shows and, live only, the resource rules judge (a
    /// recording's alerts must not depend on the machine that reads it).
    pub host: Option<SystemView>,
    /// A baseline to compare with (its file), and the changes against it;
    /// set with [`Monitor::set_baseline`].
    pub baseline: Option<(String, Baseline)>,
    pub changes: Vec<Change>,
    pub analyses: Analyses,
    /// The charts' series, for a front end that draws them
    /// ([`Monitor::keep_history`]); shared with its snapshots, written
    /// copy-on-write.
    pub history: Option<Arc<History>>,
    /// Counts the changes to the alerts, the analyses and the baseline, so
    /// that a front end holding a copy of them knows when to take a new one.
    pub revision: u64,
    /// Transitions not yet taken by a front end (for its sinks).
    transitions: Vec<Transition>,
    /// Inputs counted when the analyses were last computed, and when.
    analysed: Option<(u64, Millis)>,
    min_samples: u64,
    /// `cost.per_runner_hour`: reports price runner time with it.
    per_runner_hour: Option<f64>,
    every_ms: Millis,
    next_evaluation: Option<Millis>,
}

impl Monitor {
    pub fn new(engine: Engine, config: &Config) -> Monitor {
        let every_ms = match engine.config().window_clock {
            WindowClock::EventTime => EVENT_TIME_EVERY_MS,
            WindowClock::ArrivalTime => ARRIVAL_TIME_EVERY_MS,
        };
        Monitor {
            engine,
            alerts: Alerts::new(config.alerts),
            sources: Vec::new(),
            host: None,
            baseline: None,
            changes: Vec::new(),
            analyses: Analyses::default(),
            history: None,
            revision: 0,
            transitions: Vec::new(),
            analysed: None,
            min_samples: config.baseline.min_samples,
            per_runner_hour: config.cost.per_runner_hour,
            every_ms,
            next_evaluation: None,
        }
    }

    /// Compares with `baseline` from now on (the analyses are brought up to
    /// date at the next tick).
    pub fn set_baseline(&mut self, baseline: Option<(String, Baseline)>) {
        self.baseline = baseline;
        self.analysed = None;
        self.revision += 1;
    }

    /// Keeps the charts' series from now on (the TUI does; `report` and
    /// `serve` draw no charts and pay nothing for them).
    pub fn keep_history(&mut self) {
        self.history.get_or_insert_with(Arc::default);
    }

    /// Acknowledges a firing alert: it stays, marked, until it resolves.
    /// False if no such alert is firing.
    pub fn acknowledge(&mut self, rule: crate::alerts::Rule, subject: &str) -> bool {
        let done = self.alerts.book.acknowledge(rule, subject);
        self.revision += u64::from(done);
        done
    }

    /// Whether this monitor runs on a file's clock.
    pub fn event_time(&self) -> bool {
        self.engine.config().window_clock == WindowClock::EventTime
    }

    /// Call after events were applied to [`Monitor::engine`]: evaluates the
    /// rules if the engine's clock crossed the next grid point.
    pub fn after_events(&mut self) {
        if let Some(now) = self.engine.now()
            && self.next_evaluation.is_none_or(|next| now >= next)
        {
            self.evaluate(now);
        }
        if let (Some(history), Some(now)) = (&mut self.history, self.engine.now())
            && history.due(now)
        {
            Arc::make_mut(history).sample(&self.engine, now);
            self.revision += 1;
        }
    }

    /// A live tick: the sources' statuses and this host's load as they
    /// stand (the load kept if none was sampled), then [`Monitor::tick`] at
    /// `now` on the wall clock.
    pub fn tick_live(&mut self, sources: &[SourceStatus], host: Option<SystemView>, now: Millis) {
        self.sources.clear();
        self.sources.extend_from_slice(sources);
        if host.is_some() {
            self.host = host;
        }
        self.tick(now);
    }

    /// Moves the monitor to `now` on the engine's clock (the wall clock
    /// live; a file's own present otherwise): windows age, rules run if due,
    /// analyses are recomputed if data changed.
    pub fn tick(&mut self, now: Millis) {
        if !self.event_time() {
            self.engine.advance(now);
        }
        let now = self.engine.now().unwrap_or(now).max(now);
        if self.next_evaluation.is_none_or(|next| now >= next) {
            self.evaluate(now);
        }
        self.analyse_if_changed(now);
        // Written only when due: a snapshot holding the series makes the
        // write a copy.
        if let Some(history) = &mut self.history
            && (history.due(now) || history.shape_due(&self.engine, now))
        {
            let history = Arc::make_mut(history);
            if history.due(now) {
                history.sample(&self.engine, now);
            }
            if history.shape_due(&self.engine, now) {
                history.shape(&self.engine, now);
            }
            self.revision += 1;
        }
    }

    /// The end of the input: held events decided, a last evaluation at the
    /// engine's present, analyses brought up to date.
    pub fn finish(&mut self) {
        self.engine.decide_held();
        if let Some(now) = self.engine.now() {
            self.evaluate(now);
            self.analyse(now);
            if let Some(history) = &mut self.history {
                let history = Arc::make_mut(history);
                history.sample(&self.engine, now);
                history.shape(&self.engine, now);
            }
        }
    }

    /// The transitions since the last call, for the alert log and webhook.
    pub fn take_transitions(&mut self) -> Vec<Transition> {
        std::mem::take(&mut self.transitions)
    }

    /// Whether there are transitions to take (checked per event, so cheap).
    pub fn has_transitions(&self) -> bool {
        !self.transitions.is_empty()
    }

    /// `cost.per_runner_hour`, what front ends price runner time at.
    pub fn per_runner_hour(&self) -> Option<f64> {
        self.per_runner_hour
    }

    /// The report of what the monitor holds, with its alerts, analyses and
    /// sources; `fail_on` from the configuration's `ci`.
    pub fn report(&self, source: &str, fail_on: crate::levels::Severity) -> Report {
        Report::build(&self.engine, source, self.per_runner_hour)
            .with_analyses(&self.analyses, &self.engine)
            .with_sources(self.sources.clone())
            .with_alerts(&self.alerts.book, fail_on)
    }

    /// This run's figures, as a baseline would hold them.
    pub fn current_baseline(&self, source: &str, now: Millis) -> Baseline {
        Baseline::from_samples(&samples(&self.engine), source, now, self.min_samples)
    }

    fn evaluate(&mut self, now: Millis) {
        // On the grid, so that when evaluations happen depends only on the
        // engine's clock, not on when a front end looked.
        self.next_evaluation = Some((now.div_euclid(self.every_ms) + 1) * self.every_ms);
        self.revision += 1;
        let local = match &self.host {
            Some(host) if !self.event_time() => Some(host.load()),
            _ => None,
        };
        let transitions = self.alerts.evaluate_now(
            &self.engine,
            &Context {
                now,
                local,
                sources: &self.sources,
            },
        );
        self.transitions.extend(transitions);
    }

    fn analyse_if_changed(&mut self, now: Millis) {
        let received = self.engine.input().received;
        let due = match self.analysed {
            None => true,
            Some((seen, at)) => received != seen && now.saturating_sub(at) >= ANALYSES_EVERY_MS,
        };
        if due {
            self.analyse(now);
        }
    }

    fn analyse(&mut self, now: Millis) {
        self.analysed = Some((self.engine.input().received, now));
        self.revision += 1;
        self.analyses = Analyses::of(&self.engine);
        if let Some((_, base)) = &self.baseline {
            self.changes = changes(base, &self.current_baseline("", now));
        }
    }
}
