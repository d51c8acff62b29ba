//! Scenarios: how the simulated runner's behaviour changes over a run, so
//! that each problem runtop should catch can be produced on demand.

use clap::ValueEnum;

use super::model::{RunnerModel, StageModel};
use crate::protocol::Millis;

/// When the trouble starts in the time-bound scenarios: 10 simulated minutes
/// in, long enough to establish what normal looks like.
pub const TROUBLE_STARTS_MS: Millis = 10 * 60_000;
/// Share of implement and verify attempts that fail during the burst.
const BURST_FAILURE_RATE: f64 = 0.4;
/// How long the `failures` burst lasts.
pub const BURST_MS: Millis = 5 * 60_000;

/// The `incidents` day: an execution every 15 s for three hours, healthy but
/// for an error burst (40 % of implement attempts failing, 0:40 to 0:50) and
/// a slowdown (implement 2.2 times slower, 1:50 to 2:20). What alert quality
/// is measured on (scripts/alert-quality.sh): each incident should page
/// within two minutes and keep paging; the healthy hours should be quiet.
pub const INCIDENT_BURST: (Millis, Millis) = (40 * 60_000, 50 * 60_000);
pub const INCIDENT_SLOWDOWN: (Millis, Millis) = (110 * 60_000, 140 * 60_000);
const SLOWDOWN_FACTOR: f64 = 2.2;
/// The `periodic` load's period and swing: submissions rise and fall by
/// 80 % around their mean every 20 minutes (short enough that a test's
/// two-hour stream holds six of them).
pub const LOAD_PERIOD_MS: Millis = 20 * 60_000;
const LOAD_SWING: f64 = 0.8;
/// The `graph` scenario's slow branch and its implement failure rate.
pub const GRAPH_SLOW_TASK: &str = "implement-ui";
const GRAPH_SLOW_FACTOR: f64 = 1.6;
pub const GRAPH_IMPLEMENT_FAILURE_RATE: f64 = 0.12;
pub const GRAPH_RETRY_FAILURE_RATE: f64 = 0.5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scenario {
    /// A healthy runner: stages well inside their targets.
    Steady,
    /// `implement` runs 2.5 times slower after 10 minutes.
    Regression,
    /// A burst of failures in implement and verify from minute 10 to 15.
    Failures,
    /// CPU-heavy work and more submissions than slots: queues grow.
    Saturation,
    /// Variant B is about 25 % faster at implement and verify.
    Ab,
    /// Events as fast as possible (or at `--rate`), for load tests.
    Flood,
    /// Three healthy hours (an execution every 15 s) with two incidents: 40 %
    /// of implement attempts failing from 0:40 to 0:50, implement 2.2 times
    /// slower from 1:50 to 2:20.
    Incidents,
    /// A healthy runner whose submissions rise and fall every 20 minutes.
    Periodic,
    /// Every execution a task graph (prep, then an api and a ui branch, each
    /// implemented and verified) whose ui implementation takes 1.6 times as
    /// long, implement attempts failing 12 % of the time and half their
    /// retries too: a failure
    /// cancels the other branch in flight. Critical paths and cascades.
    Graph,
}

impl Scenario {
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Steady => "steady",
            Scenario::Regression => "regression",
            Scenario::Failures => "failures",
            Scenario::Saturation => "saturation",
            Scenario::Ab => "ab",
            Scenario::Flood => "flood",
            Scenario::Incidents => "incidents",
            Scenario::Periodic => "periodic",
            Scenario::Graph => "graph",
        }
    }

    /// The runner model this scenario starts from.
    pub fn model(self) -> RunnerModel {
        let mut m = RunnerModel::steady();
        match self {
            Scenario::Saturation => {
                m.mean_interarrival_ms = 45_000.0;
                for stage in [&mut m.prep, &mut m.implement, &mut m.verify] {
                    for v in stage.iter_mut() {
                        v.cpu_percent = (v.cpu_percent * 1.3).min(99.0);
                        v.duration.median_ms *= 2.0;
                    }
                }
                m.node_base_cpu = 55.0;
            }
            Scenario::Ab => {
                m.implement[1].duration.median_ms *= 0.7;
                m.verify[1].duration.median_ms *= 0.7;
            }
            Scenario::Flood => {
                // Pacing is ignored; many projects keep every event type busy.
                m.projects
                    .extend(["p09", "p10", "p11", "p12", "p13", "p14", "p15", "p16"]);
                m.max_concurrent = 16;
            }
            // Eight projects, each submitting every two minutes: one
            // execution every 15 s.
            Scenario::Incidents => m.mean_interarrival_ms = 120_000.0,
            Scenario::Graph => {
                m.graph_share = 1.0;
                for v in m.implement.iter_mut() {
                    v.failure_rate = GRAPH_IMPLEMENT_FAILURE_RATE;
                }
                m.retry_failure_rate = GRAPH_RETRY_FAILURE_RATE;
            }
            Scenario::Steady | Scenario::Regression | Scenario::Failures | Scenario::Periodic => {}
        }
        m
    }

    /// A stage's behaviour `elapsed` into the run.
    pub fn stage_at(self, base: StageModel, stage: &str, elapsed: Millis) -> StageModel {
        let mut s = base;
        match self {
            Scenario::Regression if stage == "implement" && elapsed >= TROUBLE_STARTS_MS => {
                s.duration.median_ms *= 2.5;
            }
            Scenario::Failures
                if stage != "prep"
                    && (TROUBLE_STARTS_MS..TROUBLE_STARTS_MS + BURST_MS).contains(&elapsed) =>
            {
                s.failure_rate = BURST_FAILURE_RATE;
            }
            Scenario::Incidents if stage == "implement" => {
                let within = |(from, to): (Millis, Millis)| (from..to).contains(&elapsed);
                if within(INCIDENT_BURST) {
                    s.failure_rate = BURST_FAILURE_RATE;
                }
                if within(INCIDENT_SLOWDOWN) {
                    s.duration.median_ms *= SLOWDOWN_FACTOR;
                }
            }
            _ => {}
        }
        s
    }

    /// How much longer than its stage's model task `task_id` takes.
    pub fn task_factor(self, task_id: &str) -> f64 {
        match self {
            Scenario::Graph if task_id == GRAPH_SLOW_TASK => GRAPH_SLOW_FACTOR,
            _ => 1.0,
        }
    }

    /// How busy submissions are `elapsed` into the run, against the
    /// model's mean (1 for every scenario but `periodic`).
    pub fn load_at(self, elapsed: Millis) -> f64 {
        match self {
            Scenario::Periodic => {
                let phase = elapsed as f64 / LOAD_PERIOD_MS as f64 * std::f64::consts::TAU;
                1.0 + LOAD_SWING * phase.sin()
            }
            _ => 1.0,
        }
    }

    /// Whether events are paced by simulated time.
    pub fn paced(self) -> bool {
        self != Scenario::Flood
    }
}
