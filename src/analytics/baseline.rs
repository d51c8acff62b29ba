//! Baselines, regressions and trends.
//!
//! A baseline holds, per stage and per metric, the median and p95 with
//! distribution-free 95 % intervals (from order statistics), and counts as
//! established once it rests on `min_samples` values. Against it, a current
//! figure more than 15 % worse and outside the interval is a regression
//! (warning; critical past 30 %); more than 15 % better and outside it, an
//! improvement. A baseline may follow the current figures (an exponential
//! moving average) only while the stage is healthy, so a degradation is not
//! learned as the new normal. Trends come from the slope of the medians of
//! successive slices of recent history: significant (p < 0.05) and material
//! (at least 5 % over the span), else stable.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::stats::{linear_slope, quantile, quantile_interval};
use crate::engine::{Engine, Execution};
use crate::levels::Severity;
use crate::protocol::Status;
use crate::protocol::time::format_rfc3339;

pub const SCHEMA: &str = "runtop.baseline.v1";
/// Worse than the baseline by more than this (and outside its interval):
/// a warning.
pub const WARN_CHANGE: f64 = 0.15;
/// … and by more than this: critical.
pub const CRITICAL_CHANGE: f64 = 0.30;
/// A stage is healthy enough for its baseline to follow it above this
/// success rate.
pub const HEALTHY_SUCCESS: f64 = 0.85;
/// The weight of the current figures when a baseline follows them.
pub const EMA_ALPHA: f64 = 0.1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub count: u64,
    pub p50: f64,
    pub p50_low: f64,
    pub p50_high: f64,
    pub p95: f64,
    pub p95_low: f64,
    pub p95_high: f64,
    pub established: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    pub schema: String,
    pub source: String,
    pub created_at: String,
    pub updated_at: String,
    pub min_samples: u64,
    pub stages: BTreeMap<String, Entry>,
    pub metrics: BTreeMap<String, Entry>,
}

/// Values per stage and per metric, and each stage's outcomes, named as
/// the engine names them (an owned name per value cost an allocation per
/// attempt).
#[derive(Debug, Default)]
pub struct Samples<'e> {
    pub stages: BTreeMap<&'e str, Vec<f64>>,
    pub metrics: BTreeMap<&'e str, Vec<f64>>,
    pub outcomes: BTreeMap<&'e str, (u64, u64)>,
}

/// What the engine's finished executions hold.
pub fn samples(engine: &Engine) -> Samples<'_> {
    let mut s = Samples::default();
    for e in engine.executions().finished() {
        for task in &e.tasks {
            for a in &task.attempts {
                if let (Some(d), Some(status)) = (a.duration_ms, a.status) {
                    s.stages.entry(&task.stage).or_default().push(d);
                    let o = s.outcomes.entry(&task.stage).or_default();
                    o.0 += u64::from(status == Status::Ok);
                    o.1 += 1;
                }
            }
        }
        for m in &e.metrics {
            s.metrics.entry(&m.name).or_default().push(m.value);
        }
    }
    s
}

fn entry(values: &[f64], min_samples: u64) -> Option<Entry> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let (p50_low, p50_high) = quantile_interval(&v, 0.5)?;
    let (p95_low, p95_high) = quantile_interval(&v, 0.95)?;
    Some(Entry {
        count: v.len() as u64,
        p50: quantile(&v, 0.5)?,
        p50_low,
        p50_high,
        p95: quantile(&v, 0.95)?,
        p95_low,
        p95_high,
        established: v.len() as u64 >= min_samples,
    })
}

/// Why a baseline could not be read or kept.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("cannot read baseline {}: {error}", path.display())]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("baseline {} is not valid: {error}", path.display())]
    Invalid {
        path: PathBuf,
        error: serde_json::Error,
    },
    #[error("baseline {} has schema {schema:?}, expected {SCHEMA}", path.display())]
    Schema { path: PathBuf, schema: String },
    #[error("cannot write baseline {}: {error}", path.display())]
    Write {
        path: PathBuf,
        error: std::io::Error,
    },
}

impl Baseline {
    pub fn from_samples(samples: &Samples, source: &str, now: i64, min_samples: u64) -> Baseline {
        let entries = |m: &BTreeMap<&str, Vec<f64>>| {
            m.iter()
                .filter_map(|(k, v)| Some((k.to_string(), entry(v, min_samples)?)))
                .collect()
        };
        Baseline {
            schema: SCHEMA.into(),
            source: source.into(),
            created_at: format_rfc3339(now),
            updated_at: format_rfc3339(now),
            min_samples,
            stages: entries(&samples.stages),
            metrics: entries(&samples.metrics),
        }
    }

    /// Established when every stage in it is.
    pub fn established(&self) -> bool {
        !self.stages.is_empty() && self.stages.values().all(|e| e.established)
    }

    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let text = crate::files::read_capped_string(path).map_err(|error| BaselineError::Read {
            path: path.to_path_buf(),
            error,
        })?;
        let b: Baseline = serde_json::from_str(&text).map_err(|error| BaselineError::Invalid {
            path: path.to_path_buf(),
            error,
        })?;
        if b.schema != SCHEMA {
            return Err(BaselineError::Schema {
                path: path.to_path_buf(),
                schema: b.schema,
            });
        }
        Ok(b)
    }

    /// Writes the baseline whole or not at all (a private temporary file
    /// renamed over the path: a link planted there is replaced, not followed).
    pub fn save(&self, path: &Path) -> Result<(), BaselineError> {
        let write = |error| BaselineError::Write {
            path: path.to_path_buf(),
            error,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(write)?;
        }
        let tmp = path.with_extension("json.tmp");
        let text = serde_json::to_string_pretty(self).expect("baselines serialize") + "\n";
        crate::files::write_private(&tmp, text.as_bytes())
            .and_then(|()| std::fs::rename(&tmp, path))
            .map_err(write)
    }

    /// Follows the current figures, stage by stage, only where the stage is
    /// healthy; entries not yet established are replaced by the current
    /// ones. Returns the stages that followed.
    pub fn follow(
        &mut self,
        current: &Baseline,
        outcomes: &BTreeMap<&str, (u64, u64)>,
        now: i64,
    ) -> Vec<String> {
        let mut followed = Vec::new();
        for (stage, cur) in &current.stages {
            let healthy = outcomes
                .get(stage.as_str())
                .is_some_and(|&(ok, n)| n > 0 && ok as f64 / n as f64 > HEALTHY_SUCCESS);
            match self.stages.get_mut(stage) {
                Some(base) if base.established && healthy => {
                    let ema = |b: &mut f64, c: f64| *b = (1.0 - EMA_ALPHA) * *b + EMA_ALPHA * c;
                    ema(&mut base.p50, cur.p50);
                    ema(&mut base.p50_low, cur.p50_low);
                    ema(&mut base.p50_high, cur.p50_high);
                    ema(&mut base.p95, cur.p95);
                    ema(&mut base.p95_low, cur.p95_low);
                    ema(&mut base.p95_high, cur.p95_high);
                    base.count += cur.count;
                    followed.push(stage.clone());
                }
                Some(base) if !base.established => {
                    *base = cur.clone();
                    followed.push(stage.clone());
                }
                Some(_) => {}
                None => {
                    self.stages.insert(stage.clone(), cur.clone());
                    followed.push(stage.clone());
                }
            }
        }
        for (metric, cur) in &current.metrics {
            self.metrics
                .entry(metric.clone())
                .or_insert_with(|| cur.clone());
        }
        self.updated_at = format_rfc3339(now);
        followed
    }
}

/// A current figure against its baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// `stage NAME` or `metric NAME`.
    pub subject: String,
    /// `p50` or `p95`.
    pub quantile: &'static str,
    pub baseline: f64,
    pub baseline_low: f64,
    pub baseline_high: f64,
    pub current: f64,
    /// (current − baseline) / baseline.
    pub change: f64,
    /// `regression` or `improvement`.
    pub kind: &'static str,
    /// For regressions.
    pub severity: Option<Severity>,
}

impl Change {
    /// `from → to` as people read them: durations for stages, a metric's
    /// value in its unit.
    pub fn shown(&self) -> String {
        let show = |v: f64| match self.subject.strip_prefix("metric ") {
            Some(name) => crate::units::human_metric(name, v),
            None => crate::units::human_ms(v),
        };
        format!("{} → {}", show(self.baseline), show(self.current))
    }
}

/// Regressions and improvements of `current` against `baseline`, for the
/// entries established in both.
pub fn changes(baseline: &Baseline, current: &Baseline) -> Vec<Change> {
    let mut out = Vec::new();
    let groups = [
        ("stage", &baseline.stages, &current.stages),
        ("metric", &baseline.metrics, &current.metrics),
    ];
    for (what, base, cur) in groups {
        for (name, b) in base.iter().filter(|(_, b)| b.established) {
            let Some(c) = cur.get(name).filter(|c| c.established) else {
                continue;
            };
            for (q, bv, low, high, cv) in [
                ("p50", b.p50, b.p50_low, b.p50_high, c.p50),
                ("p95", b.p95, b.p95_low, b.p95_high, c.p95),
            ] {
                if bv <= 0.0 {
                    continue;
                }
                let change = (cv - bv) / bv;
                let (kind, severity) = if change > WARN_CHANGE && cv > high {
                    (
                        "regression",
                        Some(if change > CRITICAL_CHANGE {
                            Severity::Critical
                        } else {
                            Severity::Warning
                        }),
                    )
                } else if change < -WARN_CHANGE && cv < low {
                    ("improvement", None)
                } else {
                    continue;
                };
                let r = |v: f64| (v * 1000.0).round() / 1000.0;
                out.push(Change {
                    subject: format!("{what} {name}"),
                    quantile: q,
                    baseline: r(bv),
                    baseline_low: r(low),
                    baseline_high: r(high),
                    current: r(cv),
                    change: (change * 10_000.0).round() / 10_000.0,
                    kind,
                    severity,
                });
            }
        }
    }
    out.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.change.abs().total_cmp(&a.change.abs()))
    });
    out
}

/// A stage's direction over recent history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trend {
    pub stage: String,
    /// `improving`, `degrading` or `stable`.
    pub direction: &'static str,
    /// Change of the median per hour, in ms.
    pub slope_ms_per_hour: f64,
    pub p_value: f64,
    /// Slices of history the medians come from.
    pub slices: usize,
}

const SLICES: usize = 10;
/// A trend must change the median by at least this share over its span.
const MATERIAL_CHANGE: f64 = 0.05;
const PER_SLICE: usize = 5;

/// Per stage: the medians of successive equal slices of its finished
/// attempts (by finish time), and the significance of their slope.
pub fn trends(engine: &Engine) -> Vec<Trend> {
    let mut by_stage: BTreeMap<&str, Vec<(i64, f64)>> = BTreeMap::new();
    let finished: Vec<&Execution> = engine.executions().finished().collect();
    for e in finished {
        for task in &e.tasks {
            for a in &task.attempts {
                if let (Some(at), Some(d)) = (a.finished_at, a.duration_ms) {
                    by_stage.entry(&task.stage).or_default().push((at, d));
                }
            }
        }
    }
    let mut out = Vec::new();
    for (stage, mut points) in by_stage {
        points.sort_by_key(|p| p.0);
        let slices = SLICES.min(points.len() / PER_SLICE);
        if slices < 4 {
            continue;
        }
        let size = points.len() / slices;
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for chunk in points.chunks(size).take(slices) {
            let mut d: Vec<f64> = chunk.iter().map(|p| p.1).collect();
            d.sort_by(f64::total_cmp);
            let mid = chunk[chunk.len() / 2].0 as f64 / 3_600_000.0;
            x.push(mid);
            y.extend(quantile(&d, 0.5));
        }
        let Some(s) = linear_slope(&x, &y) else {
            continue;
        };
        // Significant and large enough to matter: the fitted change over
        // the span is at least 5 % of the typical median.
        let span = x.last().unwrap_or(&0.0) - x.first().unwrap_or(&0.0);
        let typical = y.iter().sum::<f64>() / y.len() as f64;
        let material = typical > 0.0 && (s.slope * span).abs() / typical >= MATERIAL_CHANGE;
        let direction = match (s.p_value < 0.05 && material, s.slope > 0.0) {
            (true, true) => "degrading",
            (true, false) => "improving",
            _ => "stable",
        };
        out.push(Trend {
            stage: stage.to_string(),
            direction,
            slope_ms_per_hour: (s.slope * 1000.0).round() / 1000.0,
            p_value: s.p_value,
            slices,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(values: &[f64]) -> Baseline {
        let samples = Samples {
            stages: BTreeMap::from([("implement", values.to_vec())]),
            ..Samples::default()
        };
        Baseline::from_samples(&samples, "t", 0, 20)
    }

    #[test]
    fn regressions_need_both_the_margin_and_to_leave_the_interval() {
        let normal: Vec<f64> = (0..200)
            .map(|i| 10_000.0 + (i % 20) as f64 * 100.0)
            .collect();
        let b = base(&normal);
        assert!(b.established());
        let slower: Vec<f64> = normal.iter().map(|v| v * 1.4).collect();
        let c = changes(&b, &base(&slower));
        assert_eq!(c.len(), 2, "{c:?}");
        assert!(
            c.iter()
                .all(|c| c.kind == "regression" && c.severity == Some(Severity::Critical))
        );
        let bit_slower: Vec<f64> = normal.iter().map(|v| v * 1.2).collect();
        assert!(
            changes(&b, &base(&bit_slower))
                .iter()
                .any(|c| c.severity == Some(Severity::Warning))
        );
        let same: Vec<f64> = normal.iter().map(|v| v * 1.02).collect();
        assert!(changes(&b, &base(&same)).is_empty());
        let faster: Vec<f64> = normal.iter().map(|v| v * 0.7).collect();
        assert!(
            changes(&b, &base(&faster))
                .iter()
                .all(|c| c.kind == "improvement")
        );
        // Too few samples on either side: no judgement.
        assert!(changes(&b, &base(&slower[..10])).is_empty());
    }

    #[test]
    fn the_baseline_follows_only_while_healthy() {
        let normal: Vec<f64> = vec![10_000.0; 100];
        let mut b = base(&normal);
        let current = base(&vec![20_000.0; 100]);
        let sick = BTreeMap::from([("implement", (70, 100))]);
        assert!(b.follow(&current, &sick, 1).is_empty());
        assert_eq!(b.stages["implement"].p50, 10_000.0);
        let healthy = BTreeMap::from([("implement", (95, 100))]);
        assert_eq!(b.follow(&current, &healthy, 2), ["implement"]);
        assert_eq!(b.stages["implement"].p50, 11_000.0, "EMA with alpha 0.1");
    }

    #[test]
    fn saved_baselines_load_back_and_others_are_refused() {
        let dir = std::env::temp_dir().join(format!("runtop-baseline-{}", std::process::id()));
        let path = dir.join("b.json");
        let b = base(&[1.0, 2.0, 3.0]);
        b.save(&path).unwrap();
        assert_eq!(Baseline::load(&path).unwrap(), b);
        std::fs::write(&path, r#"{"schema":"other"}"#).unwrap();
        assert!(
            Baseline::load(&path)
                .unwrap_err()
                .to_string()
                .contains("not valid")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
