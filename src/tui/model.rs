//! What the screens show: the monitor (engine, alerts, sources, analyses,
//! baseline) and what only a screen wants (this host's load over time,
//! rates, the System panel's sparklines). The screens read it and never change it;
//! the run loop feeds it and ticks it.

use std::collections::VecDeque;

use crate::config::Config;
use crate::engine::{Engine, Window};
pub use crate::host::SystemView;
use crate::monitor::Monitor;
use crate::protocol::Millis;

/// Seconds of history the sparklines keep.
pub const HISTORY_SECS: usize = 300;

#[derive(Debug, Clone)]
pub struct Model {
    /// The session every front end shares: engine, sources, alerts,
    /// analyses, baseline.
    pub monitor: Monitor,
    pub cpu_history: VecDeque<u64>,
    pub memory_history: VecDeque<u64>,
    /// The present, on the engine's clock (arrival time live, event time in
    /// a replay).
    pub now: Millis,
    /// Events per second, over the last second.
    pub event_rate: f64,
    /// Delivery lag p95 over the last minute, as of the last tick.
    pub lag_p95: Option<f64>,
    /// What is being watched, for the header.
    pub title: String,
    /// A replay that has read its whole file.
    pub finished: bool,
    pub concurrency_limit: u64,
    last_received: u64,
    last_rate_at: Millis,
    /// The alert transitions since the last tick, for the loop to send on.
    pub transitions: Vec<crate::alerts::Transition>,
    /// Counts the changes to what only ticks and acknowledgements change
    /// (host load, alerts, analyses), so that panels showing only those
    /// can be kept from frame to frame (`panels::retained`).
    pub generation: u64,
}

impl Model {
    pub fn new(engine: Engine, config: &Config, title: String) -> Self {
        let mut monitor = Monitor::new(engine, config);
        monitor.keep_history();
        Model {
            monitor,
            cpu_history: VecDeque::new(),
            memory_history: VecDeque::new(),
            now: 0,
            event_rate: 0.0,
            lag_p95: None,
            title,
            finished: false,
            concurrency_limit: config.alerts.concurrency.max_running,
            last_received: 0,
            last_rate_at: 0,
            transitions: Vec::new(),
            generation: 0,
        }
    }

    /// The present for elapsed times: the last tick, or the latest event if
    /// it arrived since.
    pub fn clock(&self) -> Millis {
        self.now
            .max(self.monitor.engine.now().unwrap_or(Millis::MIN))
    }

    /// Moves the model to `now`: rates and histories, then the monitor
    /// (rules if due, analyses if data changed). Returns whether anything
    /// visible changed.
    pub fn tick(&mut self, now: Millis, system: Option<SystemView>) -> bool {
        self.now = now;
        self.generation += 1;
        let engine = &self.monitor.engine;
        let elapsed = now - self.last_rate_at;
        if elapsed >= 1_000 || self.last_rate_at == 0 {
            let received = engine.input().received;
            if self.last_rate_at != 0 {
                self.event_rate = (received - self.last_received) as f64 * 1000.0 / elapsed as f64;
            }
            self.last_received = received;
            self.last_rate_at = now;
            if let Some(s) = &system {
                push(&mut self.cpu_history, s.cpu_percent.round() as u64);
                push(&mut self.memory_history, s.memory_percent().round() as u64);
            }
            let lag = engine.delivery_lag().snapshot(Window::OneMinute);
            self.lag_p95 = (lag.count > 0).then_some(lag.p95);
        }
        if system.is_some() {
            self.monitor.host = system;
        }
        self.monitor.tick(now);
        self.transitions = self.monitor.take_transitions();
        true
    }
}

impl Model {
    /// Acknowledges a firing alert: it stays, marked, until it resolves.
    pub fn acknowledge(&mut self, rule: crate::alerts::Rule, subject: &str) {
        if self.monitor.acknowledge(rule, subject) {
            self.generation += 1;
        }
    }
}

fn push(history: &mut VecDeque<u64>, v: u64) {
    if history.len() == HISTORY_SECS {
        history.pop_front();
    }
    history.push_back(v);
}
