//! Failure bursts: spans where a stage's or a node's failure rate rose
//! significantly above its own base rate.
//!
//! Each subject's finished first attempts (one independent trial per
//! task, as the error-rate alert judges), in the order they finished, feed a
//! Bernoulli CUSUM (Page 1954): each failure adds the log-likelihood ratio
//! of a raised rate against the base one, each success takes a little
//! away, and the sum never goes under zero. Every rise of that sum from
//! zero to its peak is a candidate, trimmed to the span between two of its
//! failures whose failures are least likely at the rate outside that span
//! (the binomial chance of at least that many). It is a burst when that
//! chance is under [`ALPHA`] split over the subject's attempts (every
//! attempt could have begun one), with at least [`MIN_FAILURES`].

use std::collections::BTreeMap;

use serde::Serialize;
use statrs::distribution::{Binomial, DiscreteCDF};

use crate::analytics::failures::pattern_of;
use crate::engine::{Attempt, Engine, Execution};
use crate::protocol::time::format_rfc3339;
use crate::protocol::{Millis, Status};
use crate::units::round_share;

/// Attempts a subject needs before its bursts are looked for.
pub const MIN_ATTEMPTS: usize = 30;
/// Failures a burst holds at least.
pub const MIN_FAILURES: u64 = 3;
/// Chance of a false burst per subject (before the split over attempts).
pub const ALPHA: f64 = 0.001;
/// The peak rate is the highest share of failures among this many
/// consecutive attempts within the burst (all of them when it is shorter).
pub const PEAK_SPAN: usize = 10;
/// Error patterns and examples named per burst.
const NAMED: usize = 3;
/// Bursts listed at most.
const TOP: usize = 20;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Burst {
    /// `stage` or `node`.
    pub kind: &'static str,
    pub subject: String,
    pub start: String,
    pub end: String,
    #[serde(skip)]
    pub start_ms: Millis,
    #[serde(skip)]
    pub end_ms: Millis,
    /// Finished first attempts from its first failure to its last.
    pub attempts: u64,
    pub failures: u64,
    pub rate: f64,
    /// The subject's failure rate outside the burst.
    pub base_rate: f64,
    pub peak_rate: f64,
    /// Chance of so many failures at the base rate.
    pub p_value: f64,
    /// The error patterns involved, most frequent first, with counts.
    pub patterns: Vec<(String, u64)>,
    pub examples: Vec<String>,
}

/// One finished attempt, as the scan needs it.
struct Trial<'e> {
    at: Millis,
    failed: bool,
    exec: &'e Execution,
    /// Read for its error pattern, only once the trial is in a burst.
    attempt: &'e Attempt,
}

/// The bursts of every stage and node, over the held executions.
pub fn bursts(engine: &Engine) -> Vec<Burst> {
    let mut by: BTreeMap<(&'static str, &str), Vec<Trial<'_>>> = BTreeMap::new();
    let executions = engine
        .executions()
        .finished()
        .chain(engine.executions().active());
    for e in executions {
        for task in &e.tasks {
            for a in &task.attempts {
                let (Some(at), Some(status)) = (a.finished_at, a.status) else {
                    continue;
                };
                // First attempts only: a retry fails again far more often
                // than a first try (the error is often still there), so
                // retries would make clusters of every lone failure.
                if status == Status::Cancelled || a.attempt > 1 {
                    continue;
                }
                let failed = matches!(status, Status::Failed | Status::Timeout);
                let trial = || Trial {
                    at,
                    failed,
                    exec: e,
                    attempt: a,
                };
                by.entry(("stage", &task.stage)).or_default().push(trial());
                if let Some(node) = e.node.as_deref() {
                    by.entry(("node", node)).or_default().push(trial());
                }
            }
        }
    }
    let mut out = Vec::new();
    for ((kind, subject), mut trials) in by {
        if trials.len() < MIN_ATTEMPTS {
            continue;
        }
        trials.sort_by_key(|t| t.at);
        let failures = trials.iter().filter(|t| t.failed).count() as u64;
        out.extend(
            scan(&trials, failures)
                .into_iter()
                .map(|(from, to, p)| describe(kind, subject, &trials, failures, from, to, p)),
        );
    }
    out.sort_by(|a, b| {
        a.p_value
            .total_cmp(&b.p_value)
            .then(a.start_ms.cmp(&b.start_ms))
    });
    out.truncate(TOP);
    out.sort_by(|a, b| a.start_ms.cmp(&b.start_ms).then(a.subject.cmp(&b.subject)));
    out
}

/// The significant rises: (first trial, last trial, chance), inclusive.
fn scan(trials: &[Trial<'_>], failures: u64) -> Vec<(usize, usize, f64)> {
    let n = trials.len();
    let p0 = laplace(failures, n as u64);
    // The raised rate the scan is tuned to: four times the base, at least
    // ten points more (a burst that matters is not 2 % against 1 %).
    let p1 = (4.0 * p0).max(p0 + 0.10).min(0.95);
    if p0 >= p1 {
        return Vec::new();
    }
    let up = (p1 / p0).ln();
    let down = ((1.0 - p1) / (1.0 - p0)).ln();
    let mut found = Vec::new();
    let (mut sum, mut from, mut peak, mut peak_at) = (0.0_f64, None, 0.0_f64, 0);
    fn close(from: Option<usize>, peak_at: usize, found: &mut Vec<(usize, usize)>) {
        if let Some(from) = from {
            found.push((from, peak_at));
        }
    }
    for (i, t) in trials.iter().enumerate() {
        let next = sum + if t.failed { up } else { down };
        if next <= 0.0 {
            close(from.take(), peak_at, &mut found);
            sum = 0.0;
            peak = 0.0;
            continue;
        }
        if sum == 0.0 {
            from = Some(i);
        }
        sum = next;
        if sum > peak {
            peak = sum;
            peak_at = i;
        }
    }
    close(from, peak_at, &mut found);
    let alpha = ALPHA / n as f64;
    found
        .into_iter()
        .filter_map(|(from, to)| tightest(trials, from, to, failures))
        .filter(|&(_, _, p)| p < alpha)
        .collect()
}

/// Failures a rise is trimmed over at most (from each end).
const TRIM_OVER: usize = 64;

/// The span between two of a rise's failures whose failures are least
/// likely at the rate outside it. A lone failure shortly before a burst
/// keeps the scan's sum up until the burst comes, and would otherwise date
/// the burst from it.
fn tightest(
    trials: &[Trial<'_>],
    from: usize,
    to: usize,
    failures: u64,
) -> Option<(usize, usize, f64)> {
    let n = trials.len();
    let at: Vec<usize> = (from..=to).filter(|&i| trials[i].failed).collect();
    let mut best: Option<(usize, usize, f64)> = None;
    for (a, &i) in at.iter().enumerate().take(TRIM_OVER) {
        for (b, &j) in at.iter().enumerate().rev().take(TRIM_OVER) {
            let x = (b + 1).saturating_sub(a) as u64;
            if j < i || x < MIN_FAILURES {
                continue;
            }
            let inside = j + 1 - i;
            let outside = (n - inside).max(1);
            let base = laplace(failures - x, outside as u64);
            let Some(p) = chance_of_at_least(x, inside as u64, base.min(1.0)) else {
                continue;
            };
            if best.is_none_or(|(_, _, q)| p < q) {
                best = Some((i, j, p));
            }
        }
    }
    best
}

/// A rate estimated with one failure and one success added (Laplace): a
/// subject that never failed outside a span is not taken to never fail,
/// which would make any three failures a burst.
fn laplace(failures: u64, trials: u64) -> f64 {
    (failures as f64 + 1.0) / (trials as f64 + 2.0)
}

/// P(X ≥ x) for X ~ Binomial(n, p).
fn chance_of_at_least(x: u64, n: u64, p: f64) -> Option<f64> {
    let binomial = Binomial::new(p, n).ok()?;
    Some(if x == 0 { 1.0 } else { binomial.sf(x - 1) })
}

fn describe(
    kind: &'static str,
    subject: &str,
    trials: &[Trial<'_>],
    total_failures: u64,
    from: usize,
    to: usize,
    p: f64,
) -> Burst {
    let inside = &trials[from..=to];
    let failures = inside.iter().filter(|t| t.failed).count() as u64;
    let outside = (trials.len() - inside.len()).max(1);
    let span = PEAK_SPAN.min(inside.len());
    let peak = inside
        .windows(span)
        .map(|w| w.iter().filter(|t| t.failed).count())
        .max()
        .unwrap_or(0);
    let mut patterns: BTreeMap<String, u64> = BTreeMap::new();
    let mut examples: Vec<String> = Vec::new();
    for t in inside.iter().filter(|t| t.failed) {
        // A failure without an error record is named by its status.
        let pattern = t.attempt.error.as_deref().map_or_else(
            || {
                t.attempt
                    .status
                    .map_or("failed", Status::as_str)
                    .to_string()
            },
            pattern_of,
        );
        *patterns.entry(pattern).or_default() += 1;
        let cid = &*t.exec.correlation_id;
        if examples.len() < NAMED && !examples.iter().any(|x| x == cid) {
            examples.push(cid.to_string());
        }
    }
    let mut patterns: Vec<(String, u64)> = patterns.into_iter().collect();
    patterns.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    patterns.truncate(NAMED);
    let (start_ms, end_ms) = (inside[0].at, inside[inside.len() - 1].at);
    Burst {
        kind,
        subject: subject.to_string(),
        start: format_rfc3339(start_ms),
        end: format_rfc3339(end_ms),
        start_ms,
        end_ms,
        attempts: inside.len() as u64,
        failures,
        rate: round_share(failures as f64 / inside.len() as f64),
        base_rate: round_share((total_failures - failures) as f64 / outside as f64),
        peak_rate: round_share(peak as f64 / span as f64),
        p_value: p,
        patterns,
        examples,
    }
}
