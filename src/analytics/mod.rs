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

use std::sync::atomic::{AtomicUsize, Ordering};

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
    /// Computed on two threads: after a file's last event they are all that
    /// is left to do, and the other core is idle. Which analysis weighs most
    /// depends on the data (the A/B comparisons on a log with variants, the
    /// bottlenecks' critical paths on one with task graphs), so each thread
    /// takes the next analysis not yet taken until none is left, heaviest
    /// first, rather than a fixed half each. A thread that cannot be
    /// started leaves all to this one.
    pub fn of(engine: &Engine) -> Analyses {
        let next = AtomicUsize::new(0);
        let take_turns = || {
            let mut done = Vec::new();
            while let Some(&analysis) = Part::ORDER.get(next.fetch_add(1, Ordering::Relaxed)) {
                done.push(analysis.run(engine));
            }
            done
        };
        let parts = std::thread::scope(|scope| {
            let helper = std::thread::Builder::new()
                .name("runtop-analyse".into())
                .spawn_scoped(scope, take_turns);
            let mut parts = take_turns();
            if let Ok(helper) = helper {
                parts.extend(
                    helper
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                );
            }
            parts
        });
        let mut analyses = Analyses::default();
        for part in parts {
            match part {
                Done::Comparisons(c) => analyses.comparisons = c,
                Done::Bottlenecks(b) => analyses.bottlenecks = b,
                Done::Nodes(n) => analyses.nodes = n,
                Done::Trends(t) => analyses.trends = t,
                Done::Failures(f) => analyses.failures = f,
            }
        }
        analyses.recommendations =
            recommend::recommend(&analyses.bottlenecks, &analyses.comparisons);
        analyses
    }
}

/// One analysis to run, of those [`Analyses::of`] shares between threads.
#[derive(Debug, Clone, Copy)]
enum Part {
    Comparisons,
    Bottlenecks,
    Nodes,
    Trends,
    Failures,
}

/// What one [`Part`] found.
enum Done {
    Comparisons(Vec<compare::Comparison>),
    Bottlenecks(Vec<bottlenecks::Bottleneck>),
    Nodes(nodes::Nodes),
    Trends(Vec<baseline::Trend>),
    Failures(Vec<failures::FailurePattern>),
}

impl Part {
    /// Heaviest first, so that the last to be taken are short.
    const ORDER: [Part; 5] = [
        Part::Comparisons,
        Part::Bottlenecks,
        Part::Nodes,
        Part::Trends,
        Part::Failures,
    ];

    fn run(self, engine: &Engine) -> Done {
        match self {
            Part::Comparisons => Done::Comparisons(compare::compare(engine)),
            Part::Bottlenecks => Done::Bottlenecks(bottlenecks::bottlenecks(engine)),
            Part::Nodes => Done::Nodes(nodes::nodes(engine)),
            Part::Trends => Done::Trends(baseline::trends(engine)),
            Part::Failures => Done::Failures(failures::failures(engine)),
        }
    }
}
