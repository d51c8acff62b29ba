//! How good the risk figures are, measured on the history held: the
//! finished executions (`ok`, `failed` or `timeout`) are put in the order
//! they started and split in two. The model is fitted on the older half;
//! each execution of the newer half is then read at the moments of a grid
//! of the clock (about [`CHECKPOINTS`] to an execution of median length)
//! that fall within its life, as a live monitor would have seen it then,
//! and each figure scored against what happened.
//!
//! - The score is the Brier score (mean squared difference between the
//!   chance given and the outcome, 0 or 1), against the base rate's: the
//!   older half's failure rate for everything, or each stage's usual
//!   overrun rate. Skill is `1 − brier / brier_base`.
//! - Checkpoints of one execution share its outcome, so the skill's
//!   one-sided 95 % lower bound comes from a standard error clustered by
//!   execution. A figure is shown when that bound is above 0 and the
//!   skill at least [`MIN_SKILL`]: better than the base rate, beyond
//!   chance and by a margin worth reading; and only when the judged half
//!   holds [`MIN_OUTCOMES`] executions, [`MIN_EACH`] of them with the
//!   outcome and as many without.
//! - The reliability table says, per band of chances given, how often the
//!   outcome came: a calibrated figure's 20 % comes true one time in five.

use serde::Serialize;

use std::sync::Arc;

use super::model::{Model, Recent};
use super::{Raw, judged, standing};
use crate::engine::{Execution, Targets};
use crate::protocol::{Millis, Status};
use crate::units::round_share;

/// Executions a figure must be judged on before it can be shown.
pub const MIN_OUTCOMES: u64 = 50;
/// Executions of the judged half where the outcome came, and where it did
/// not, needed: a half with no failure only says the base rate was high.
pub const MIN_EACH: u64 = 10;
/// Least skill worth showing: a figure a hair better than the base rate
/// (both near 0 on a healthy runner) tells an operator nothing more.
pub const MIN_SKILL: f64 = 0.05;
/// Executions calibration reads at most, the newest: half to fit, half to
/// judge. Two thousand judged tell skill well enough; a history of ten
/// thousand read whole took 40 ms at each analysis.
pub const MAX_SPLIT: usize = 4_000;
/// Moments an execution of median length is read at.
pub const CHECKPOINTS: usize = 5;
/// The reliability table's bands of chances.
pub const BANDS: [f64; 7] = [0.0, 0.05, 0.1, 0.2, 0.4, 0.7, 1.0];
/// One-sided 95 %.
const Z_ONE_SIDED_95: f64 = 1.644_853_626_951_472;

/// One band of the reliability table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Band {
    pub from: f64,
    pub to: f64,
    pub checkpoints: u64,
    /// The mean chance given, and how often the outcome came.
    pub predicted: f64,
    pub observed: f64,
}

/// One figure's calibration.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Calibration {
    pub shown: bool,
    /// Why it is withheld, when it is.
    pub withheld: Option<&'static str>,
    /// Executions of the older half it was fitted on.
    pub fitted_on: u64,
    /// Executions of the newer half it was judged on, the checkpoints
    /// scored, and those where the outcome came.
    pub outcomes: u64,
    pub checkpoints: u64,
    pub occurred: u64,
    /// Judged executions where the outcome came at some checkpoint.
    pub occurred_in: u64,
    /// The mean chance the base rate gave.
    pub base_rate: Option<f64>,
    pub brier: Option<f64>,
    pub brier_base: Option<f64>,
    pub skill: Option<f64>,
    /// Its one-sided 95 % lower bound.
    pub skill_low: Option<f64>,
    pub bands: Vec<Band>,
}

/// One checkpoint: the chance given, the base rate's, and the outcome.
#[derive(Debug, Clone, Copy)]
struct Scored {
    p: f64,
    base: f64,
    happened: bool,
}

/// Checkpoints grouped by execution.
#[derive(Default)]
struct Scores {
    executions: Vec<Vec<Scored>>,
}

impl Scores {
    fn push(&mut self, scored: Vec<Scored>) {
        if !scored.is_empty() {
            self.executions.push(scored);
        }
    }

    fn calibration(self, fitted_on: u64) -> Calibration {
        let n = self.executions.len();
        let all: Vec<Scored> = self.executions.iter().flatten().copied().collect();
        let mut c = Calibration {
            fitted_on,
            outcomes: n as u64,
            checkpoints: all.len() as u64,
            occurred: all.iter().filter(|s| s.happened).count() as u64,
            occurred_in: self
                .executions
                .iter()
                .filter(|cs| cs.iter().any(|s| s.happened))
                .count() as u64,
            ..Calibration::default()
        };
        if n == 0 {
            c.withheld = Some("no execution to judge it on");
            return c;
        }
        let sq = |p: f64, happened: bool| (p - f64::from(u8::from(happened))).powi(2);
        let m = all.len() as f64;
        let brier = all.iter().map(|s| sq(s.p, s.happened)).sum::<f64>() / m;
        let brier_base = all.iter().map(|s| sq(s.base, s.happened)).sum::<f64>() / m;
        // The difference's standard error, clustered by execution (its
        // checkpoints share one outcome, so they are not independent).
        let mean = brier - brier_base;
        let spread: f64 = self
            .executions
            .iter()
            .map(|cs| {
                let sum: f64 = cs
                    .iter()
                    .map(|s| sq(s.p, s.happened) - sq(s.base, s.happened))
                    .sum();
                (sum - cs.len() as f64 * mean).powi(2)
            })
            .sum();
        let nf = n as f64;
        let var = spread / (m * m) * nf / (nf - 1.0).max(1.0);
        let high = mean + Z_ONE_SIDED_95 * var.sqrt();
        c.base_rate = Some(round_share(
            all.iter().map(|s| s.base).sum::<f64>() / all.len() as f64,
        ));
        c.brier = Some(round_brier(brier));
        c.brier_base = Some(round_brier(brier_base));
        if brier_base > 0.0 {
            c.skill = Some(round_share(1.0 - brier / brier_base));
            c.skill_low = Some(round_share(-high / brier_base));
        }
        c.bands = bands(&all);
        c.withheld = if c.outcomes < MIN_OUTCOMES {
            Some("fewer than 50 executions to judge it on")
        } else if c.occurred_in < MIN_EACH || c.outcomes - c.occurred_in < MIN_EACH {
            Some("fewer than 10 executions with the outcome, or without it, to judge it on")
        } else if c.skill_low.is_none_or(|low| low <= 0.0) || c.skill.is_none_or(|s| s < MIN_SKILL)
        {
            Some("no better than the base rate")
        } else {
            None
        };
        c.shown = c.withheld.is_none();
        c
    }
}

fn round_brier(v: f64) -> f64 {
    (v * 100_000.0).round() / 100_000.0
}

fn bands(all: &[Scored]) -> Vec<Band> {
    BANDS
        .windows(2)
        .enumerate()
        .filter_map(|(i, w)| {
            let last = i == BANDS.len() - 2;
            let inside: Vec<&Scored> = all
                .iter()
                .filter(|s| s.p >= w[0] && (s.p < w[1] || last))
                .collect();
            let k = inside.len() as f64;
            (!inside.is_empty()).then(|| Band {
                from: w[0],
                to: w[1],
                checkpoints: inside.len() as u64,
                predicted: round_share(inside.iter().map(|s| s.p).sum::<f64>() / k),
                observed: round_share(inside.iter().filter(|s| s.happened).count() as f64 / k),
            })
        })
        .collect()
}

/// The moments an execution is read at: those of a grid of the clock,
/// every `every` ms, that fall within its life. A grid the same for every
/// execution weighs each by how long it ran, as an operator looking at a
/// random moment sees them; moments placed by an execution's own length
/// would not do: a failed execution ends at its failure, so the moments
/// just before it would be read more often than those of one that went on.
fn checkpoints(e: &Execution, every: Millis) -> impl Iterator<Item = Millis> {
    let (start, finish) = (e.started_at.unwrap_or(0), e.finished_at.unwrap_or(0));
    let first = start.div_euclid(every) * every + every;
    (0..)
        .map(move |k| first + k * every)
        .take_while(move |&at| at < finish)
}

/// The grid's step: [`CHECKPOINTS`] to an execution of the median length.
fn grid(older: &[&Execution]) -> Millis {
    let mut lengths: Vec<Millis> = older
        .iter()
        .filter_map(|e| Some(e.finished_at? - e.started_at?))
        .collect();
    lengths.sort_unstable();
    let median = lengths.get(lengths.len() / 2).copied().unwrap_or(0);
    (median / CHECKPOINTS as Millis).max(1)
}

/// Whether the attempts `raw` judged late-or-not at `at` ran past their
/// targets; `None` when one of them never said how long it ran.
fn overran(e: &Execution, raw: &Raw, at: Millis) -> Option<bool> {
    let mut any = false;
    for l in &raw.late_tasks {
        let t = e.tasks.iter().find(|t| *t.task_id == *l.task)?;
        let (a, _, _) = standing(t, at)?;
        any |= a.duration_ms? > l.target_ms;
    }
    Some(any)
}

/// Both figures' calibrations on `finished` (the history held).
pub fn calibrate(finished: &[&Execution], targets: &Targets) -> (Calibration, Calibration) {
    let recent = Arc::new(Recent::of(finished.iter().copied()));
    calibrate_with(finished, targets, recent)
}

/// [`calibrate`] with what is recent already read from `finished`.
pub fn calibrate_with(
    finished: &[&Execution],
    targets: &Targets,
    recent: Arc<Recent>,
) -> (Calibration, Calibration) {
    let mut judged: Vec<&Execution> = finished.iter().copied().filter(|e| judged(e)).collect();
    judged.sort_by_key(|e| (e.started_at, e.finished_at));
    let judged = &judged[judged.len().saturating_sub(MAX_SPLIT)..];
    let (older, newer) = judged.split_at(judged.len() / 2);
    let model = Model::fit_with(older.iter().copied(), recent, targets);
    let failed = |e: &Execution| e.status != Some(Status::Ok);
    let base = if older.is_empty() {
        None
    } else {
        Some(older.iter().filter(|e| failed(e)).count() as f64 / older.len() as f64)
    };
    let every = grid(older);
    let (mut fail, mut late) = (Scores::default(), Scores::default());
    for e in newer {
        let (mut f, mut l) = (Vec::new(), Vec::new());
        for at in checkpoints(e, every) {
            let raw = model.assess(e, at);
            if let (Some(p), Some(base)) = (raw.fail, base) {
                f.push(Scored {
                    p,
                    base,
                    happened: failed(e),
                });
            }
            if let (Some(p), Some(happened)) = (raw.late, overran(e, &raw, at)) {
                let keep = raw.late_tasks.iter().fold(1.0, |k, t| k * (1.0 - t.usual));
                l.push(Scored {
                    p,
                    base: 1.0 - keep,
                    happened,
                });
            }
        }
        fail.push(f);
        late.push(l);
    }
    let fitted_on = older.len() as u64;
    (fail.calibration(fitted_on), late.calibration(fitted_on))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scores(cases: &[(f64, f64, bool)], executions: usize) -> Scores {
        let mut s = Scores::default();
        for _ in 0..executions {
            s.push(
                cases
                    .iter()
                    .map(|&(p, base, happened)| Scored { p, base, happened })
                    .collect(),
            );
        }
        s
    }

    #[test]
    fn a_sharper_figure_beats_the_base_rate_and_is_shown() {
        // Half the executions fail; the figure says 0.9 for those and 0.1
        // for the others, the base rate 0.5 for all.
        let mut s = scores(&[(0.9, 0.5, true)], 30);
        s.executions
            .extend(scores(&[(0.1, 0.5, false)], 30).executions);
        let c = s.calibration(60);
        assert_eq!((c.outcomes, c.checkpoints, c.occurred), (60, 60, 30));
        assert_eq!(c.brier, Some(0.01));
        assert_eq!(c.brier_base, Some(0.25));
        assert_eq!(c.skill, Some(0.96));
        assert!(c.shown, "{c:?}");
        assert_eq!(c.bands.len(), 2);
        assert_eq!((c.bands[1].predicted, c.bands[1].observed), (0.9, 1.0));
    }

    #[test]
    fn withheld_under_fifty_executions_or_without_skill() {
        let few = scores(&[(0.9, 0.5, true), (0.1, 0.5, false)], 49).calibration(49);
        assert_eq!(
            few.withheld,
            Some("fewer than 50 executions to judge it on")
        );
        // The base rate itself, said again: no skill.
        let mut same = scores(&[(0.5, 0.5, true)], 40);
        same.executions
            .extend(scores(&[(0.5, 0.5, false)], 40).executions);
        let same = same.calibration(80);
        assert_eq!(same.skill, Some(0.0));
        assert_eq!(same.withheld, Some("no better than the base rate"));
        assert!(!same.shown);
        // Sharp, but with no failure to be sharp about.
        let none = scores(&[(0.01, 0.2, false)], 80).calibration(80);
        assert!(none.skill.is_some_and(|s| s > 0.9), "{none:?}");
        assert_eq!(
            none.withheld,
            Some("fewer than 10 executions with the outcome, or without it, to judge it on")
        );
    }
}
