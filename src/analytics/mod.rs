//! Analyses that turn a monitor into a triage tool, computed from what the
//! engine holds (its finished-execution history and its distributions):
//! A/B comparison of configurations, failure patterns, bottlenecks and the
//! recommendations that follow from them, runner nodes side by side,
//! efficiency KPIs, temporal patterns, critical paths, cascades, rankings
//! and the failure risk of what is running. Pure functions, time passed in.

pub mod baseline;
pub mod bottlenecks;
pub mod cascades;
pub mod compare;
pub mod critical_path;
pub mod failures;
pub mod kpis;
pub mod nodes;
pub mod rankings;
pub mod recommend;
pub mod risk;
pub mod stats;
pub mod temporal;

use crate::engine::Engine;

/// Every analysis of one moment, computed together (they read thousands of
/// executions: the monitor computes them when the data changed, never per
/// frame).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Analyses {
    pub bottlenecks: Vec<bottlenecks::Bottleneck>,
    pub comparisons: Vec<compare::Comparison>,
    pub failures: Vec<failures::FailurePattern>,
    pub trends: Vec<baseline::Trend>,
    pub recommendations: Vec<recommend::Recommendation>,
    pub nodes: nodes::Nodes,
    pub kpis: kpis::Kpis,
    pub temporal: temporal::Temporal,
    pub critical_paths: critical_path::CriticalPaths,
    pub cascades: cascades::Cascades,
    /// Unsorted (by name): each front end orders them as asked.
    pub rankings: rankings::Rankings,
    /// Failure risk: its calibration, and the model that reads it.
    pub risk: risk::Risk,
}

impl Analyses {
    /// Computed on two threads, about half on each: after a file's last
    /// event they are all that is left to do, and the other core is idle
    /// (a thread that cannot be started leaves all to this one).
    pub fn of(engine: &Engine) -> Analyses {
        // The halves, timed after the 1.07M-event bench log's last event:
        // bottlenecks 8 ms, trends 2, failures 1 on this thread; the A/B
        // comparisons 7 ms and nodes 4 on the helper (the comparisons alone
        // left this thread 15 ms against the helper's 7).
        let helper_part = || {
            (
                compare::compare(engine),
                nodes::nodes(engine),
                kpis::kpis(engine),
                cascades::cascades(engine),
                rankings::rankings(engine),
            )
        };
        let (
            (critical_paths, bottlenecks, failures, trends, temporal, risk),
            (comparisons, nodes, kpis, cascades, rankings),
        ) = std::thread::scope(|scope| {
            let helper = std::thread::Builder::new()
                .name("runtop-analyse".into())
                .spawn_scoped(scope, helper_part);
            let critical_paths = critical_path::critical_paths(engine);
            let rest = (
                bottlenecks::bottlenecks(engine, &critical_paths),
                failures::failures(engine),
                baseline::trends(engine),
                temporal::temporal(engine),
                risk::risk(engine),
            );
            let rest = (critical_paths, rest.0, rest.1, rest.2, rest.3, rest.4);
            let helped = match helper {
                Ok(helper) => helper
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                Err(_) => helper_part(),
            };
            (rest, helped)
        });
        let mut recommendations = recommend::recommend(&bottlenecks, &comparisons);
        recommendations.extend(kpis.recommendations());
        Analyses {
            failures,
            trends,
            bottlenecks,
            comparisons,
            recommendations,
            nodes,
            kpis,
            temporal,
            critical_paths,
            cascades,
            rankings,
            risk,
        }
    }
}
