//! Analyses that turn a monitor into a triage tool, computed from what the
//! engine holds (its finished-execution history and its distributions):
//! A/B comparison of configurations, failure patterns, bottlenecks and the
//! recommendations that follow from them, runner nodes side by side. Pure functions, time passed in.

pub mod baseline;
pub mod bottlenecks;
pub mod compare;
pub mod failures;
pub mod nodes;
pub mod recommend;
pub mod stats;

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
}

impl Analyses {
    pub fn of(engine: &Engine) -> Analyses {
        let bottlenecks = bottlenecks::bottlenecks(engine);
        let comparisons = compare::compare(engine);
        let recommendations = recommend::recommend(&bottlenecks, &comparisons);
        Analyses {
            failures: failures::failures(engine),
            trends: baseline::trends(engine),
            bottlenecks,
            comparisons,
            recommendations,
            nodes: nodes::nodes(engine),
        }
    }
}
