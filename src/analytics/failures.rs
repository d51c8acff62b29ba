//! Failure analysis: errors grouped into patterns (type, code, and the
//! message with numbers, ids and paths folded), with how often, since when,
//! where, whether retries recover, how long recovery takes, and examples.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::engine::{Engine, ErrorRecord, Execution};
use crate::protocol::Status;
use crate::protocol::time::format_rfc3339;

/// Patterns listed at most.
const TOP: usize = 10;
/// Example correlation ids per pattern.
const EXAMPLES: usize = 3;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailurePattern {
    /// `Type CODE: message with <n>, <id> and <path> folded`.
    pub pattern: String,
    pub count: u64,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    pub stages: Vec<String>,
    pub nodes: Vec<String>,
    /// Of the failed attempts that were retried, the share whose task later
    /// succeeded.
    pub retry_success_rate: Option<f64>,
    /// Median time from the failure to the retry that succeeded.
    pub recovery_ms: Option<f64>,
    pub examples: Vec<String>,
}

/// Folds what varies between occurrences of one error: numbers, long hex or
/// id-like tokens, and paths.
pub fn fold(message: &str) -> String {
    message
        .split(' ')
        .map(|token| {
            let core = token.trim_matches(|c: char| {
                !c.is_alphanumeric() && c != '/' && c != '_' && c != '-' && c != '.'
            });
            if core.is_empty() {
                token.to_string()
            } else if core.contains('/') && core.len() > 1 {
                token.replace(core, "<path>")
            } else if core
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
                && core.chars().any(|c| c.is_ascii_digit())
            {
                token.replace(core, "<n>")
            } else if core.len() >= 8
                && !core.contains('.')
                && core.chars().filter(|c| c.is_ascii_digit()).count() >= 3
            {
                token.replace(core, "<id>")
            } else {
                token.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// An error's pattern: `Type CODE: folded message`.
pub fn pattern_of(error: &ErrorRecord) -> String {
    let kind = error.kind.as_deref().unwrap_or("Error");
    let code = error
        .code
        .as_deref()
        .map_or(String::new(), |c| format!(" {c}"));
    let message = error
        .message
        .as_deref()
        .map_or(String::new(), |m| format!(": {}", fold(m)));
    format!("{kind}{code}{message}")
}

#[derive(Default)]
struct Acc {
    count: u64,
    first: Option<i64>,
    last: Option<i64>,
    stages: BTreeSet<String>,
    nodes: BTreeSet<String>,
    retried: u64,
    recovered: u64,
    recovery: Vec<f64>,
    examples: Vec<String>,
}

pub fn analyse<'e>(executions: impl Iterator<Item = &'e Execution>) -> Vec<FailurePattern> {
    let mut by: BTreeMap<String, Acc> = BTreeMap::new();
    for e in executions {
        for task in &e.tasks {
            for (i, attempt) in task.attempts.iter().enumerate() {
                let Some(error) = attempt.error.as_deref() else {
                    continue;
                };
                let acc = by.entry(pattern_of(error)).or_default();
                acc.count += 1;
                if let Some(at) = attempt.finished_at {
                    acc.first = Some(acc.first.map_or(at, |f| f.min(at)));
                    acc.last = Some(acc.last.map_or(at, |l| l.max(at)));
                }
                acc.stages.insert(task.stage.to_string());
                if let Some(node) = e.node.as_deref() {
                    acc.nodes.insert(node.to_string());
                }
                let later = &task.attempts[i + 1..];
                if !later.is_empty() {
                    acc.retried += 1;
                    if let Some(ok) = later.iter().find(|a| a.status == Some(Status::Ok)) {
                        acc.recovered += 1;
                        if let (Some(failed), Some(fixed)) = (attempt.finished_at, ok.finished_at) {
                            acc.recovery.push((fixed - failed).max(0) as f64);
                        }
                    }
                }
                if acc.examples.len() < EXAMPLES
                    && !acc.examples.iter().any(|x| **x == *e.correlation_id)
                {
                    acc.examples.push(e.correlation_id.to_string());
                }
            }
        }
    }
    let mut patterns: Vec<FailurePattern> = by
        .into_iter()
        .map(|(pattern, mut acc)| {
            acc.recovery.sort_by(f64::total_cmp);
            FailurePattern {
                pattern,
                count: acc.count,
                first_seen: acc.first.map(format_rfc3339),
                last_seen: acc.last.map(format_rfc3339),
                stages: acc.stages.into_iter().collect(),
                nodes: acc.nodes.into_iter().collect(),
                retry_success_rate: (acc.retried > 0).then(|| {
                    (acc.recovered as f64 / acc.retried as f64 * 10_000.0).round() / 10_000.0
                }),
                recovery_ms: super::stats::quantile(&acc.recovery, 0.5),
                examples: acc.examples,
            }
        })
        .collect();
    patterns.sort_by(|a, b| b.count.cmp(&a.count).then(a.pattern.cmp(&b.pattern)));
    patterns.truncate(TOP);
    patterns
}

/// The failure patterns of everything the engine holds.
pub fn failures(engine: &Engine) -> Vec<FailurePattern> {
    analyse(
        engine
            .executions()
            .finished()
            .chain(engine.executions().active()),
    )
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folding_keeps_the_words_and_folds_what_varies() {
        assert_eq!(
            fold("cargo build failed: 3 errors in src/lib.rs"),
            "cargo build failed: <n> errors in <path>"
        );
        assert_eq!(
            fold("agent exited with status 137 after 812 s"),
            "agent exited with status <n> after <n> s"
        );
        assert_eq!(
            fold("request a1b2c3d4e5f6 timed out (took 30.5s)"),
            "request <id> timed out (took 30.5s)"
        );
        assert_eq!(
            fold("failed to fetch crate serde v1.0.219"),
            "failed to fetch crate serde v1.0.219"
        );
    }
}
