//! Rule 10, `slowdown`: a stage slower than its own usual pace.
//!
//! A p95 against a target needs many attempts before its confidence bound
//! moves (`stage_p95`): a stage that became 2.2 times slower, to a p95 just
//! over its target, takes a quarter of an hour to page that way. Against
//! the stage's own history the same change is plain within a handful of
//! attempts.
//!
//! Each stage learns its usual pace from its successful attempts while it
//! is not alerting (its last `recent` attempts are kept out, so a
//! slowdown's first attempts cannot teach it): the median and spread of
//! their logarithms, durations being multiplicative. Each evaluation asks
//! how far the last `recent` attempts, and the last half of them, sit above
//! that: a one-sided z-test of their mean log duration, each attempt's
//! deviation capped at 3 σ so that one or two outliers cannot make a
//! slowdown. The half span sees a slowdown within four attempts, before
//! the slow ones are the majority of eight (on the `incidents` day, seed 1,
//! that was a minute sooner); `alpha` is split between the two tests. It
//! fires when the chance of so high a mean at the usual pace is under that
//! and the span's median is `warning_ratio` or `critical_ratio` times the
//! usual median; it clears when both spans are back within what the usual
//! pace gives one time in twenty. While it fires nothing is learnt, so it keeps paging for as long
//! as the stage stays slow.

use std::collections::VecDeque;

use super::{Rule, Severity, Signal, Verdict};
use statrs::distribution::{ContinuousCDF, Normal};

use crate::config::SlowdownRule;
use crate::engine::Engine;
use crate::protocol::Millis;
use crate::units::human_ms;

/// Healthy attempts each stage's usual pace is learnt from, at most.
const REFERENCE_KEPT: usize = 256;
/// The recent attempts must have finished within this long: a quiet
/// stage's old attempts say nothing about now.
const RECENT_WITHIN_MS: Millis = 15 * 60_000;
/// Most standard deviations one attempt can add to the test: a hung
/// attempt is one attempt, not a slowdown.
const CAP_SIGMAS: f64 = 3.0;
/// Below this z the last attempts are within the usual pace (5 %, one-sided).
const Z_USUAL: f64 = 1.645;
/// The least spread assumed of log durations: a stage whose attempts all
/// took the same time would otherwise call one slower attempt a slowdown.
const MIN_LOG_SPREAD: f64 = 0.05;

/// What each stage's usual pace is, learnt as the rule runs.
#[derive(Debug, Clone, Default)]
pub struct Slowdowns {
    /// Each stage's usual pace, in the order the engine first saw the
    /// stages (its stage table only grows, in that order), so that a stage
    /// is found where it was at the last evaluation, with one comparison of
    /// its name rather than a walk down a tree of them.
    stages: Vec<(Box<str>, Usual)>,
    /// The stage being judged's last attempts, newest first (scratch).
    recent: Vec<f64>,
    /// One scale's attempts, sorted for their median (scratch).
    sorted: Vec<f64>,
}

#[derive(Debug, Clone, Default)]
struct Usual {
    /// Healthy attempts' durations, oldest first.
    healthy: VecDeque<f64>,
    /// The same, kept sorted as they come and go (a ring of 256 re-sorted
    /// at every evaluation cost a week-long report a quarter of a second).
    sorted: Vec<f64>,
    /// The newest attempt already considered for learning.
    learned_to: u64,
    /// Whether the stage is being called slower (fire, or hold after it).
    slow: bool,
    /// The last judged ratio of recent to usual median.
    ratio: f64,
}

impl Usual {
    fn learn(&mut self, duration_ms: f64) {
        if self.healthy.len() == REFERENCE_KEPT
            && let Some(oldest) = self.healthy.pop_front()
        {
            let at = self
                .sorted
                .partition_point(|v| v.total_cmp(&oldest).is_lt());
            self.sorted.remove(at);
        }
        self.healthy.push_back(duration_ms);
        let at = self
            .sorted
            .partition_point(|v| v.total_cmp(&duration_ms).is_lt());
        self.sorted.insert(at, duration_ms);
    }

    fn quantile(&self, q: f64) -> f64 {
        quantile_of(&self.sorted, q)
    }
}

/// The `q` quantile of sorted values (nearest rank).
fn quantile_of(sorted: &[f64], q: f64) -> f64 {
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

impl Slowdowns {
    /// Learns from the attempts that finished since the last evaluation and
    /// judges each stage's last ones.
    ///
    /// Verdicts short of firing are given only when `alerting` (the rule has
    /// an alert in the book): otherwise they would change nothing. The
    /// learning goes on either way.
    pub fn evaluate(
        &mut self,
        engine: &Engine,
        rule: &SlowdownRule,
        now: Millis,
        alerting: bool,
    ) -> Vec<Signal> {
        let n = rule.recent.max(1);
        let standard = Normal::standard();
        let alpha = rule.alpha.clamp(1e-12, 0.5);
        let scales = scales(n as usize);
        // Each scale is a test of its own: the chance is split between them
        // (Bonferroni), so scanning two spans pages no more often on a
        // healthy stage than judging one did.
        let z_fire = standard.inverse_cdf(1.0 - alpha / scales.len() as f64);
        let mut signals = Vec::new();
        for (i, (stage, stats)) in engine.stages().enumerate() {
            let at = match self.stages.get(i) {
                Some((name, _)) if **name == *stage => i,
                _ => match self.stages.iter().position(|(name, _)| **name == *stage) {
                    Some(j) => j,
                    None => {
                        self.stages.push((stage.into(), Usual::default()));
                        self.stages.len() - 1
                    }
                },
            };
            let usual = &mut self.stages[at].1;
            let attempts = &stats.recent_ok;
            // Learn what has left the recent set, unless the stage is slow:
            // the attempts are numbered one after another, so those already
            // learnt are skipped by count, not looked at one by one.
            let learn_to = attempts.last_seq().saturating_sub(n);
            if !usual.slow {
                let first_seq = attempts.iter().next().map_or(0, |a| a.seq);
                let known = (usual.learned_to + 1).saturating_sub(first_seq);
                for attempt in attempts
                    .iter()
                    .skip(usize::try_from(known).unwrap_or(usize::MAX))
                    .take_while(|a| a.seq <= learn_to)
                {
                    usual.learn(attempt.duration_ms);
                }
            }
            usual.learned_to = usual.learned_to.max(learn_to);
            if (usual.healthy.len() as u64) < rule.min_reference.max(1) {
                continue;
            }
            // Into a buffer kept between stages and evaluations: one less
            // allocation per stage every 30 s of a week-long replay.
            let recent = &mut self.recent;
            recent.clear();
            recent.extend(
                attempts
                    .iter()
                    .rev()
                    .take(n as usize)
                    .filter(|a| now - a.at <= RECENT_WITHIN_MS)
                    .map(|a| a.duration_ms),
            );
            if (recent.len() as u64) < n {
                if usual.slow && alerting {
                    // Too few recent attempts to say either way.
                    signals.push(signal(rule, stage, Verdict::Hold, usual.ratio, String::new));
                }
                continue;
            }
            let median = usual.quantile(0.50);
            let (q25, q75) = (usual.quantile(0.25), usual.quantile(0.75));
            if median <= 0.0 || q25 <= 0.0 {
                continue;
            }
            let center = median.ln();
            // The interquartile range of a normal is 1.349 σ.
            let spread = ((q75.ln() - q25.ln()) / 1.349).max(MIN_LOG_SPREAD);
            let mut judged: Option<(Judged, Option<Severity>)> = None;
            let mut all_usual = true;
            for &k in &scales {
                let j = Judged::of(&recent[..k], center, spread, median, &mut self.sorted);
                all_usual &= j.z < Z_USUAL;
                let severity = if j.z < z_fire {
                    None
                } else if j.ratio >= rule.critical_ratio {
                    Some(Severity::Critical)
                } else if j.ratio >= rule.warning_ratio {
                    Some(Severity::Warning)
                } else {
                    None
                };
                // The scale with the gravest verdict speaks (the full span on
                // a tie, which holds the most evidence; no severity is the
                // least).
                if judged.as_ref().is_none_or(|(_, graver)| severity > *graver) {
                    judged = Some((j, severity));
                }
            }
            let Some((
                Judged {
                    n: k,
                    z,
                    ratio,
                    recent_median,
                },
                severity,
            )) = judged
            else {
                continue;
            };
            let verdict = match severity {
                Some(severity) => Verdict::Fire(severity),
                None if all_usual => Verdict::Clear,
                None => Verdict::Hold,
            };
            usual.ratio = ratio;
            usual.slow = match verdict {
                Verdict::Fire(_) => true,
                Verdict::Clear => false,
                Verdict::Hold => usual.slow,
            };
            let summary = || {
                format!(
                    "its last {k} successful attempts took {ratio:.1}× its usual time (median {} \
                 against {}; z {z:.1}, a chance of {} at its usual pace; learnt from {} \
                 attempts)",
                    human_ms(recent_median),
                    human_ms(median),
                    chance(standard.sf(z)),
                    usual.healthy.len()
                )
            };
            if alerting || matches!(verdict, Verdict::Fire(_)) {
                signals.push(signal(rule, stage, verdict, ratio, summary));
            }
        }
        signals
    }
}

/// Shortest span the scan judges: fewer attempts, however slow, are too
/// few to call a stage slower.
const MIN_SCALE: usize = 4;

/// The spans judged, most attempts first: the configured `recent`, and half
/// of it. A stage that turned slow shows within its last few attempts well
/// before they are the majority of a longer span; the longer span is the
/// surer one once they are.
fn scales(n: usize) -> Vec<usize> {
    let half = n / 2;
    if half >= MIN_SCALE {
        vec![n, half]
    } else {
        vec![n]
    }
}

/// One span's test: how far its attempts sit above the usual pace.
struct Judged {
    /// Attempts judged.
    n: usize,
    /// Their mean capped deviation in log duration, as a z score.
    z: f64,
    /// Their median against the usual median.
    ratio: f64,
    recent_median: f64,
}

impl Judged {
    fn of(
        recent: &[f64],
        center: f64,
        spread: f64,
        usual_median: f64,
        sorted: &mut Vec<f64>,
    ) -> Judged {
        let deviations: f64 = recent
            .iter()
            .map(|d| {
                ((d.max(f64::MIN_POSITIVE).ln() - center) / spread).clamp(-CAP_SIGMAS, CAP_SIGMAS)
            })
            .sum();
        sorted.clear();
        sorted.extend_from_slice(recent);
        sorted.sort_unstable_by(f64::total_cmp);
        let recent_median = quantile_of(sorted, 0.5);
        Judged {
            n: recent.len(),
            z: deviations / (recent.len() as f64).sqrt(),
            ratio: recent_median / usual_median,
            recent_median,
        }
    }
}

/// A small probability as people read it: `2.5 %`, `1 in 43,478`, and no
/// figure past what a normal tail can honestly claim.
fn chance(p: f64) -> String {
    if p >= 0.001 {
        format!("{:.1} %", p * 100.0)
    } else if p >= 1e-9 {
        format!("1 in {}", group_thousands((1.0 / p).round() as u64))
    } else {
        "under 1 in a billion".to_string()
    }
}

fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn signal(
    rule: &SlowdownRule,
    stage: &str,
    verdict: Verdict,
    ratio: f64,
    summary: impl FnOnce() -> String,
) -> Signal {
    let timing = rule.timing();
    // As the other rules: only a firing verdict's summary is read.
    let summary = match verdict {
        Verdict::Fire(_) => summary(),
        _ => String::new(),
    };
    Signal {
        rule: Rule::Slowdown,
        subject: format!("stage {stage}"),
        verdict,
        value: ratio,
        threshold: match verdict {
            Verdict::Fire(Severity::Critical) => rule.critical_ratio,
            _ => rule.warning_ratio,
        },
        summary,
        correlation_id: None,
        for_ms: (timing.for_secs * 1000.0) as Millis,
        keep_ms: (timing.keep_firing_for_secs * 1000.0) as Millis,
        inhibited: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_usual_pace_stays_sorted_as_attempts_come_and_go() {
        let mut usual = Usual::default();
        for i in 0..(REFERENCE_KEPT as u64 + 100) {
            usual.learn(((i * 7919) % 1000) as f64);
        }
        let mut expected: Vec<f64> = usual.healthy.iter().copied().collect();
        expected.sort_by(f64::total_cmp);
        assert_eq!(usual.sorted, expected);
        assert_eq!(usual.sorted.len(), REFERENCE_KEPT);
    }

    #[test]
    fn chances_read_naturally() {
        assert_eq!(chance(0.25), "25.0 %");
        assert_eq!(chance(2.3e-5), "1 in 43,478");
    }
}
