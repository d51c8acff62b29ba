//! A/B comparison of runner configurations: executions carry a `variant`,
//! and each variant is compared with the first (in name order), per stage
//! and for whole executions: durations with a Mann–Whitney test and a
//! Hodges–Lehmann shift, success rates with a two-proportion test, and a
//! verdict in plain words.

use std::collections::BTreeMap;

use serde::Serialize;

use super::stats::{Z_95, hodges_lehmann, mann_whitney, quantile, two_proportions};
use crate::engine::{Engine, Execution, RunnerTime};
use crate::protocol::Status;

/// Fewest samples per variant before anything is tested.
const MIN_SAMPLES: usize = 5;
/// Most recent samples per variant used for the shift: its work and memory
/// are n² (250,000 differences, 2 MB), ample for a 95 % interval.
const SHIFT_SAMPLES: usize = 500;
/// Significance level of the verdicts.
const ALPHA: f64 = 0.05;
/// z for 80 % power, in the "how many more" estimate.
const Z_POWER: f64 = 0.841_621_233_572_914_3;
/// Most variants compared.
const MAX_VARIANTS: usize = 8;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// A stage name, or `execution` for whole executions.
    pub subject: String,
    pub a: String,
    pub b: String,
    pub n_a: usize,
    pub n_b: usize,
    pub p50_a_ms: f64,
    pub p50_b_ms: f64,
    pub p95_a_ms: f64,
    pub p95_b_ms: f64,
    pub success_a: f64,
    pub success_b: f64,
    /// Mean runner time per sample, in seconds: per execution, its finished
    /// attempts' durations added up (retries and failures included, so a
    /// variant that retries more costs more even when as fast); per stage,
    /// per attempt. Priced with `cost.per_runner_hour` by whoever shows it.
    pub runner_s_a: f64,
    pub runner_s_b: f64,
    /// Hodges–Lehmann shift of B against A (negative: B faster), with its
    /// 95 % interval.
    pub shift_ms: f64,
    pub shift_low_ms: f64,
    pub shift_high_ms: f64,
    /// The shift as a share of A's median.
    pub relative: f64,
    /// Mann–Whitney U, two-sided.
    pub p_value: f64,
    /// Two-proportion z-test of the success rates.
    pub success_p_value: Option<f64>,
    pub significant: bool,
    pub verdict: String,
    /// Each variant's durations in five figures, for the box plots the
    /// Compare screen draws (the report carries the p50 and p95 above).
    #[serde(skip)]
    pub spread_a: Spread,
    #[serde(skip)]
    pub spread_b: Spread,
}

/// A variant's durations: the 5th, 25th, 50th, 75th and 95th percentiles
/// (nearest rank), what a box plot draws.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Spread {
    pub p5: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p95: f64,
}

impl Spread {
    fn of(sorted: &[f64]) -> Spread {
        let q = |p| quantile(sorted, p).unwrap_or_default();
        Spread {
            p5: q(0.05),
            p25: q(0.25),
            p50: q(0.5),
            p75: q(0.75),
            p95: q(0.95),
        }
    }
}

/// Durations and outcomes of one variant for one subject.
#[derive(Default)]
struct Samples {
    durations: Vec<f64>,
    ok: u64,
    finished: u64,
    /// Runner time of the samples, added up, and how many were added.
    runner_ms: f64,
    added: u64,
}

impl Samples {
    fn add(&mut self, duration: Option<f64>, status: Option<Status>, runner_ms: f64) {
        if let Some(d) = duration {
            self.durations.push(d);
        }
        self.runner_ms += runner_ms;
        self.added += 1;
        if let Some(s) = status {
            self.finished += 1;
            self.ok += u64::from(s == Status::Ok);
        }
    }

    fn mean_runner_s(&self) -> f64 {
        if self.added == 0 {
            0.0
        } else {
            self.runner_ms / self.added as f64 / 1000.0
        }
    }
}

/// Subject → variant → samples, oldest first. Names borrow the engine's:
/// an owned one per attempt was an allocation each.
fn collect<'e>(
    executions: impl Iterator<Item = &'e Execution>,
) -> BTreeMap<&'e str, BTreeMap<&'e str, Samples>> {
    let mut by: BTreeMap<&str, BTreeMap<&str, Samples>> = BTreeMap::new();
    for e in executions {
        let Some(variant) = e.variant.as_deref() else {
            continue;
        };
        by.entry("execution")
            .or_default()
            .entry(variant)
            .or_default()
            .add(e.duration_ms, e.status, e.runner_time().busy_ms);
        for task in &e.tasks {
            for attempt in task.attempts.iter().filter(|a| a.status.is_some()) {
                by.entry(&task.stage)
                    .or_default()
                    .entry(variant)
                    .or_default()
                    .add(
                        attempt.duration_ms,
                        attempt.status,
                        attempt.duration_ms.map_or(0.0, RunnerTime::of_attempt),
                    );
            }
        }
    }
    by
}

/// Compares every variant with the first, for every subject.
pub fn compare(engine: &Engine) -> Vec<Comparison> {
    // Finished executions come newest first; take them oldest first so the
    // "most recent" cut below keeps the newest.
    let mut finished: Vec<&Execution> = engine.executions().finished().collect();
    finished.reverse();
    let mut out = Vec::new();
    for (subject, variants) in collect(finished.into_iter()) {
        let mut names = variants.keys().take(MAX_VARIANTS);
        let Some(a) = names.next() else { continue };
        for b in names {
            if let Some(c) = compare_pair(subject, a, &variants[a], b, &variants[b]) {
                out.push(c);
            }
        }
    }
    // Whole executions first, then the most significant.
    out.sort_by(|x, y| {
        (y.subject == "execution")
            .cmp(&(x.subject == "execution"))
            .then(x.p_value.total_cmp(&y.p_value))
    });
    out
}

fn compare_pair(subject: &str, a: &str, sa: &Samples, b: &str, sb: &Samples) -> Option<Comparison> {
    if sa.durations.len() < MIN_SAMPLES || sb.durations.len() < MIN_SAMPLES {
        return None;
    }
    let mw = mann_whitney(&sa.durations, &sb.durations)?;
    let recent = |s: &[f64]| s[s.len().saturating_sub(SHIFT_SAMPLES)..].to_vec();
    let shift = hodges_lehmann(&recent(&sa.durations), &recent(&sb.durations))?;
    let sorted = |s: &[f64]| {
        let mut v = s.to_vec();
        v.sort_by(f64::total_cmp);
        v
    };
    let (da, db) = (sorted(&sa.durations), sorted(&sb.durations));
    let p50_a = quantile(&da, 0.5)?;
    let rate = |s: &Samples| {
        if s.finished > 0 {
            s.ok as f64 / s.finished as f64
        } else {
            0.0
        }
    };
    let success_p_value = two_proportions(sa.ok, sa.finished, sb.ok, sb.finished);
    let relative = if p50_a > 0.0 {
        shift.estimate / p50_a
    } else {
        0.0
    };
    let significant = mw.p_value < ALPHA && (shift.high < 0.0 || shift.low > 0.0);
    let (n_a, n_b) = (sa.durations.len(), sb.durations.len());
    let at = if subject == "execution" {
        "overall".to_string()
    } else {
        format!("at {subject}")
    };
    let verdict = if significant {
        let faster = if relative < 0.0 { "faster" } else { "slower" };
        format!(
            "{b} is {:.0}% {faster} than {a} {at}, {}, n = {n_a}/{n_b}",
            relative.abs() * 100.0,
            p_text(mw.p_value)
        )
    } else {
        let spread = robust_sd(&da).max(robust_sd(&db));
        let effect = shift.estimate.abs();
        match needed_per_variant(spread, effect) {
            Some(need) if need > n_a.min(n_b) => format!(
                "no significant difference {at} yet ({}, n = {n_a}/{n_b}); about {} more executions per variant needed to tell a {:.0}% difference",
                p_text(mw.p_value),
                need - n_a.min(n_b),
                relative.abs() * 100.0
            ),
            _ => format!(
                "no significant difference {at} ({}, n = {n_a}/{n_b})",
                p_text(mw.p_value)
            ),
        }
    };
    let ms = |v: f64| (v * 1000.0).round() / 1000.0;
    Some(Comparison {
        subject: subject.into(),
        a: a.into(),
        b: b.into(),
        n_a,
        n_b,
        p50_a_ms: ms(p50_a),
        p50_b_ms: ms(quantile(&db, 0.5)?),
        p95_a_ms: ms(quantile(&da, 0.95)?),
        p95_b_ms: ms(quantile(&db, 0.95)?),
        success_a: rate(sa),
        success_b: rate(sb),
        runner_s_a: ms(sa.mean_runner_s()),
        runner_s_b: ms(sb.mean_runner_s()),
        shift_ms: ms(shift.estimate),
        shift_low_ms: ms(shift.low),
        shift_high_ms: ms(shift.high),
        relative: (relative * 10_000.0).round() / 10_000.0,
        p_value: mw.p_value,
        success_p_value,
        significant,
        verdict,
        spread_a: Spread::of(&da),
        spread_b: Spread::of(&db),
    })
}

fn p_text(p: f64) -> String {
    if p < 0.001 {
        "p < 0.001".into()
    } else {
        format!("p = {p:.3}")
    }
}

/// A spread robust to outliers: the interquartile range over 1.349 (the
/// standard deviation, for normal data).
fn robust_sd(sorted: &[f64]) -> f64 {
    match (quantile(sorted, 0.25), quantile(sorted, 0.75)) {
        (Some(q1), Some(q3)) => (q3 - q1) / 1.349,
        _ => 0.0,
    }
}

/// Samples per variant to detect a shift of `effect` with 80 % power at the
/// 5 % level (the normal approximation; the rank test needs about 5 % more).
fn needed_per_variant(spread: f64, effect: f64) -> Option<usize> {
    (effect > 0.0 && spread > 0.0)
        .then(|| (1.05 * 2.0 * ((Z_95 + Z_POWER) * spread / effect).powi(2)).ceil() as usize)
}
