//! What the charts draw: the monitor's figures sampled on a fixed grid of
//! the engine's clock, one point every [`STEP_MS`] for the last
//! [`SPAN_MS`], per series — bounded whatever the stream (360 points per
//! stage and per node, stages and nodes already capped by the engine), and
//! never recomputed from raw events when a frame is drawn.
//!
//! Each point is traceable to the engine's windows at its time: a stage's
//! p50/p95 over the minute before the point (the 1-minute window), the
//! executions that finished in that minute and how many failed, the
//! executions active at the point, and each runner node's last reported
//! load (if it reported in the 30 s before). The distributions the Timings
//! screen draws as histograms ([`Shape`]) are taken at most once a step,
//! on ticks, from the same HDR histograms the quantiles come from.

use std::collections::{BTreeMap, VecDeque};

use crate::engine::{Engine, LogBuckets, Window};
use crate::protocol::{Millis, Status};

/// One point every 10 s of the engine's clock.
pub const STEP_MS: Millis = 10_000;
/// An hour of points.
pub const SPAN_MS: Millis = 3_600_000;
/// Points kept per series.
pub const POINTS: usize = (SPAN_MS / STEP_MS) as usize;
/// Buckets of a [`Shape`]: a screen shows them as they are, or merges
/// neighbours when it has fewer rows.
pub const SHAPE_BUCKETS: usize = 24;
/// A node that has not reported for this long has no point.
const NODE_FRESH_MS: Millis = 30_000;

/// The runners' throughput at a point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunnerPoint {
    pub at: Millis,
    /// Executions that finished in the minute before `at`.
    pub finished: u64,
    /// Of those, how many failed or timed out.
    pub failed: u64,
    /// Executions running at `at`.
    pub active: u64,
}

impl RunnerPoint {
    /// Failed share of the minute's finished executions, if any finished.
    pub fn error_rate(&self) -> Option<f64> {
        (self.finished > 0).then(|| self.failed as f64 / self.finished as f64)
    }
}

/// A stage's durations over the minute before a point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StagePoint {
    pub at: Millis,
    /// Attempts that finished in that minute (no quantile when zero).
    pub count: u64,
    pub p50: f64,
    pub p95: f64,
}

/// A runner node's last reported load, at a point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NodePoint {
    pub at: Millis,
    pub cpu_percent: f64,
    pub memory_mb: f64,
}

/// One stage's durations over one window as of [`History::shapes_at`]:
/// log-spaced buckets with the quantiles of the same histogram.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    pub buckets: LogBuckets,
    pub count: u64,
    pub p50: f64,
    pub p95: f64,
}

/// Every chart's series.
#[derive(Debug, Clone, Default)]
pub struct History {
    pub runners: VecDeque<RunnerPoint>,
    pub stages: BTreeMap<Box<str>, VecDeque<StagePoint>>,
    pub nodes: BTreeMap<Box<str>, VecDeque<NodePoint>>,
    /// Each stage's durations per window (in [`Window::ALL`]'s order).
    pub shapes: BTreeMap<Box<str>, [Option<Shape>; 4]>,
    /// When the shapes were taken (engine clock).
    pub shapes_at: Option<Millis>,
    /// The next grid point a sample is due at.
    next: Option<Millis>,
    /// Inputs counted when the shapes were taken.
    shaped_received: u64,
}

fn push<T>(series: &mut VecDeque<T>, point: T) {
    if series.len() == POINTS {
        series.pop_front();
    }
    series.push_back(point);
}

impl History {
    /// Whether `now` has crossed the next grid point.
    pub fn due(&self, now: Millis) -> bool {
        self.next.is_none_or(|next| now >= next)
    }

    /// Samples every series at the grid point at or before `now`.
    pub fn sample(&mut self, engine: &Engine, now: Millis) {
        let at = now.div_euclid(STEP_MS) * STEP_MS;
        if self.runners.back().is_some_and(|p| p.at >= at) {
            return;
        }
        self.next = Some(at + STEP_MS);
        let oldest = at - SPAN_MS;
        let (finished, statuses) = engine.execution_durations().counts(Window::OneMinute);
        push(
            &mut self.runners,
            RunnerPoint {
                at,
                finished,
                failed: statuses[Status::Failed.index()] + statuses[Status::Timeout.index()],
                active: engine.executions().active_len() as u64,
            },
        );
        for (name, stats) in engine.stages() {
            // A minute with nothing finished merges no histogram.
            let (count, _) = stats.durations.counts(Window::OneMinute);
            let (p50, p95) = if count > 0 {
                let s = stats.durations.snapshot(Window::OneMinute);
                (s.p50, s.p95)
            } else {
                (0.0, 0.0)
            };
            let series = match self.stages.get_mut(name) {
                Some(series) => series,
                None => self.stages.entry(name.into()).or_default(),
            };
            push(
                series,
                StagePoint {
                    at,
                    count,
                    p50,
                    p95,
                },
            );
        }
        for (name, load) in engine.nodes() {
            if at.saturating_sub(load.last_at) > NODE_FRESH_MS {
                continue;
            }
            let series = match self.nodes.get_mut(name) {
                Some(series) => series,
                None => self.nodes.entry(name.into()).or_default(),
            };
            push(
                series,
                NodePoint {
                    at,
                    cpu_percent: load.cpu_percent,
                    memory_mb: load.memory_mb,
                },
            );
        }
        // A node that stopped reporting an hour ago is gone from the charts.
        for series in self.nodes.values_mut() {
            while series.front().is_some_and(|p| p.at <= oldest) {
                series.pop_front();
            }
        }
        self.nodes.retain(|_, series| !series.is_empty());
    }

    /// Whether the shapes are due: a step has passed since the last ones
    /// and events arrived.
    pub fn shape_due(&self, engine: &Engine, now: Millis) -> bool {
        let stale = self
            .shapes_at
            .is_none_or(|at| now.saturating_sub(at) >= STEP_MS);
        stale && engine.input().received != self.shaped_received
    }

    /// Takes every stage's shape over every window at `now`.
    pub fn shape(&mut self, engine: &Engine, now: Millis) {
        let received = engine.input().received;
        self.shapes_at = Some(now);
        self.shaped_received = received;
        self.shapes.clear();
        for (name, stats) in engine.stages() {
            let shapes = Window::ALL.map(|window| {
                let buckets = stats.durations.log_buckets(window, SHAPE_BUCKETS)?;
                let s = stats.durations.snapshot(window);
                Some(Shape {
                    buckets,
                    count: s.count,
                    p50: s.p50,
                    p95: s.p95,
                })
            });
            self.shapes.insert(name.into(), shapes);
        }
    }

    /// `name`'s shape over `window`, if it has values there.
    pub fn shape_of(&self, name: &str, window: Window) -> Option<&Shape> {
        let i = Window::ALL.iter().position(|w| *w == window)?;
        self.shapes.get(name)?[i].as_ref()
    }

    /// The points of `series` from `since` on.
    pub fn since<T: Copy>(
        series: &VecDeque<T>,
        since: Millis,
        at: impl Fn(&T) -> Millis,
    ) -> impl Iterator<Item = T> + '_ {
        let start = series.partition_point(|p| at(p) < since);
        series.range(start..).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{EngineConfig, Origin};

    fn finish(engine: &mut Engine, cid: &str, ts: Millis, status: &str) {
        for line in [
            format!(
                r#"{{"type":"execution_started","ts":{},"correlation_id":"{cid}","node":"n1"}}"#,
                ts - 1_000
            ),
            format!(
                r#"{{"type":"stage_finished","ts":{ts},"correlation_id":"{cid}","stage":"prep","duration_ms":1000,"status":"{status}"}}"#
            ),
            format!(
                r#"{{"type":"execution_finished","ts":{ts},"correlation_id":"{cid}","status":"{status}","duration_ms":1000}}"#
            ),
        ] {
            engine.feed(line.as_bytes(), ts, Origin::default());
        }
    }

    #[test]
    fn one_point_per_step_and_an_hour_at_most() {
        let mut engine = Engine::new(EngineConfig::replay());
        let mut history = History::default();
        let t0 = 1_800_000_000_000;
        for i in 0..500i64 {
            let ts = t0 + i * 10_000 + 3_000;
            finish(
                &mut engine,
                &format!("e{i}"),
                ts,
                if i % 4 == 0 { "failed" } else { "ok" },
            );
            assert!(history.due(ts));
            history.sample(&engine, ts);
            assert!(!history.due(ts + 6_999), "one point per step");
        }
        assert_eq!(history.runners.len(), POINTS);
        let last = history.runners.back().unwrap();
        assert_eq!(last.at % STEP_MS, 0, "points sit on the grid");
        // The minute before: six executions, those with i % 4 == 0 failed.
        assert_eq!(last.finished, 6);
        assert!((1..=2).contains(&last.failed), "{last:?}");
        let prep = &history.stages["prep"];
        assert_eq!(prep.len(), POINTS);
        assert_eq!(prep.back().unwrap().p95, 1000.0);
        let since: Vec<_> = History::since(prep, last.at - 60_000, |p| p.at).collect();
        assert_eq!(since.len(), 7, "the points of the last minute, both ends");
    }

    #[test]
    fn shapes_are_taken_once_a_step_when_data_changed() {
        let mut engine = Engine::new(EngineConfig::replay());
        let mut history = History::default();
        let t0 = 1_800_000_000_000;
        finish(&mut engine, "a", t0, "ok");
        engine.decide_held();
        assert!(history.shape_due(&engine, t0));
        history.shape(&engine, t0);
        let shape = history.shape_of("prep", Window::AllTime).unwrap();
        assert_eq!(shape.count, 1);
        assert_eq!(shape.buckets.counts.iter().sum::<u64>(), 1);
        finish(&mut engine, "b", t0 + 1_000, "ok");
        engine.decide_held();
        assert!(!history.shape_due(&engine, t0 + 1_000), "not within a step");
        assert!(history.shape_due(&engine, t0 + 10_000));
        history.shape(&engine, t0 + 10_000);
        assert_eq!(history.shape_of("prep", Window::AllTime).unwrap().count, 2);
        assert!(
            !history.shape_due(&engine, t0 + 30_000),
            "nothing arrived since"
        );
    }
}
