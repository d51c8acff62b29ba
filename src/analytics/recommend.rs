//! Recommendations: rule-based and explainable. Each comes from a
//! bottleneck or a comparison, names the figures behind it and an action.

use serde::Serialize;

use super::bottlenecks::{Bottleneck, Kind};
use super::compare::Comparison;
use crate::units::human_ms;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    pub action: String,
    /// The figures it rests on.
    pub because: String,
    /// What it addresses: a bottleneck kind and subject, or `comparison`.
    pub about: String,
}

fn pct(v: f64) -> String {
    format!("{:.0}%", v * 100.0)
}

pub fn recommend(bottlenecks: &[Bottleneck], comparisons: &[Comparison]) -> Vec<Recommendation> {
    let mut out = Vec::new();
    let mut first_stage = true;
    for b in bottlenecks {
        let f = |k: &str| b.figures.get(k).copied().unwrap_or(0.0);
        let (action, because) = match b.kind {
            Kind::QueueWait => (
                format!("grow the {} pool", b.subject),
                format!(
                    "queue wait (median {}) is {} of its duration",
                    human_ms(f("queue_ms")),
                    pct(f("queue_ratio"))
                ),
            ),
            Kind::ConcurrencySaturation => (
                "raise the runner's concurrency limit or add runners".into(),
                format!(
                    "executions wait a median {} for a slot, {} of their run time",
                    human_ms(f("wait_ms")),
                    pct(f("wait_ratio"))
                ),
            ),
            Kind::Retries if f("retry_success") < 0.5 => (
                format!(
                    "use exponential backoff with jitter at {}, or stop retrying what does not recover",
                    b.subject
                ),
                format!(
                    "{} of tasks are retried and only {} of those then succeed",
                    pct(f("retry_rate")),
                    pct(f("retry_success"))
                ),
            ),
            Kind::Retries => (
                format!("find why {} needs retries", b.subject),
                format!("{} of its tasks are retried", pct(f("retry_rate"))),
            ),
            Kind::ResourceSaturation if b.subject.starts_with("node ") => (
                format!("add capacity to {} or move work off it", &b.subject[5..]),
                b.evidence.join("; "),
            ),
            Kind::ResourceSaturation => (
                format!("lower parallelism during {}", b.subject),
                format!(
                    "CPU above 95% in {} of its slow attempts",
                    pct(f("saturated_share"))
                ),
            ),
            Kind::SlowNode => {
                let (stage, node) = b.subject.split_once('@').unwrap_or((&b.subject, "?"));
                (
                    format!("look at node {node}"),
                    format!(
                        "{:.1}× slower at {stage} (p95 {} vs the fleet's {})",
                        f("ratio"),
                        human_ms(f("p95")),
                        human_ms(f("fleet_p95"))
                    ),
                )
            }
            // Only the stage that would save the most: the others are listed
            // as bottlenecks.
            Kind::StageTime if !first_stage => continue,
            Kind::StageTime => (
                {
                    first_stage = false;
                    format!("speed up {} first", b.subject)
                },
                format!(
                    "it is {} of execution time and its p95 is {} of target",
                    pct(f("share")),
                    pct(f("p95_over_target"))
                ),
            ),
            Kind::FailureHotspot => (format!("investigate {}", b.subject), b.evidence.join("; ")),
            Kind::CriticalPath => continue,
        };
        out.push(Recommendation {
            action,
            because,
            about: format!("{:?} {}", b.kind, b.subject).to_lowercase(),
        });
    }
    for c in comparisons.iter().filter(|c| c.significant) {
        let (better, worse) = if c.relative < 0.0 {
            (&c.b, &c.a)
        } else {
            (&c.a, &c.b)
        };
        let at = if c.subject == "execution" {
            "overall".to_string()
        } else {
            format!("at {}", c.subject)
        };
        out.push(Recommendation {
            action: format!("prefer variant {better} over {worse} {at}"),
            because: c.verdict.clone(),
            about: format!("comparison {}", c.subject),
        });
    }
    out
}
