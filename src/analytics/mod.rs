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
    /// Computed on two threads, about half on each: after a file's last
    /// event they are all that is left to do, and the other core is idle
    /// (a thread that cannot be started leaves all to this one).
    pub fn of(engine: &Engine) -> Analyses {
        // The A/B comparisons weigh about as much as all the rest.
        let ((bottlenecks, nodes, failures, trends), comparisons) = std::thread::scope(|scope| {
            let helper = std::thread::Builder::new()
                .name("runtop-analyse".into())
                .spawn_scoped(scope, || compare::compare(engine));
            let rest = (
                bottlenecks::bottlenecks(engine),
                nodes::nodes(engine),
                failures::failures(engine),
                baseline::trends(engine),
            );
            let comparisons = match helper {
                Ok(helper) => helper
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                Err(_) => compare::compare(engine),
            };
            (rest, comparisons)
        });
        let recommendations = recommend::recommend(&bottlenecks, &comparisons);
        Analyses {
            failures,
            trends,
            bottlenecks,
            comparisons,
            recommendations,
            nodes,
        }
    }
}
