//! What can be configured, and the defaults. Every section denies unknown
//! keys, so a typo is an error with a hint rather than a silent default.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::engine::Window;

pub use crate::engine::KpiTargets;

pub use crate::levels::Severity;

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub sources: SourcesConfig,
    pub targets: TargetsConfig,
    pub alerts: AlertsConfig,
    pub retention: RetentionConfig,
    pub baseline: BaselineConfig,
    pub cost: CostConfig,
    pub ci: CiConfig,
    pub ui: UiConfig,
    pub theme: ThemeConfig,
    /// Key bindings: action = key, e.g. `quit = "q"`.
    pub keys: BTreeMap<String, String>,
    /// Named profiles in the file: partial configs applied with `--profile`.
    #[serde(skip_serializing)]
    pub profiles: BTreeMap<String, Config>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SourcesConfig {
    /// Runners to connect to when no URL is given.
    pub urls: Vec<String>,
    /// Handshake headers whose values come from environment variables:
    /// header name = variable name. Values themselves never go in a file.
    pub headers_env: BTreeMap<String, String>,
    /// Sent after every connect.
    pub subscribe: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TargetsConfig {
    /// Stage duration targets in ms, any stage name.
    pub stages: BTreeMap<String, f64>,
    /// Metric targets (a metric's p95 should stay at or below), any name.
    pub metrics: BTreeMap<String, f64>,
    /// The efficiency KPIs' targets.
    pub kpi: KpiTargets,
}

impl Default for TargetsConfig {
    fn default() -> Self {
        TargetsConfig {
            stages: [
                ("prep", 2_000.0),
                ("implement", 30_000.0),
                ("verify", 60_000.0),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
            metrics: BTreeMap::new(),
            kpi: KpiTargets::default(),
        }
    }
}

/// What every rule has: on/off, how long a condition must hold before the
/// alert fires (`for_secs`), and how long it keeps firing after clearing
/// (`keep_firing_for_secs`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timing {
    pub enabled: bool,
    pub for_secs: f64,
    pub keep_firing_for_secs: f64,
}

// serde's `flatten` cannot be combined with `deny_unknown_fields`, and
// unknown keys must be errors; so each rule spells out the common fields
// and hands them out through `timing()`.
macro_rules! rule {
    ($(#[$doc:meta])* $name:ident { $($(#[$fdoc:meta])* $field:ident: $ty:ty = $default:expr),* $(,)? }
     timing = ($for_secs:expr, $keep:expr)) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields, default)]
        pub struct $name {
            pub enabled: bool,
            pub for_secs: f64,
            pub keep_firing_for_secs: f64,
            $($(#[$fdoc])* pub $field: $ty,)*
        }

        impl Default for $name {
            fn default() -> Self {
                $name { enabled: true, for_secs: $for_secs, keep_firing_for_secs: $keep, $($field: $default,)* }
            }
        }

        impl $name {
            pub fn timing(&self) -> Timing {
                Timing { enabled: self.enabled, for_secs: self.for_secs, keep_firing_for_secs: self.keep_firing_for_secs }
            }
        }
    };
}

rule! {
    /// A rule with a warning and a critical level and a clear level below
    /// which it resolves (hysteresis), all in the rule's unit.
    Levels { warning: f64 = 0.75, critical: f64 = 1.0, clear: f64 = 0.70 }
    timing = (0.0, 0.0)
}

impl Levels {
    fn with(warning: f64, critical: f64, clear: f64, for_secs: f64) -> Levels {
        Levels {
            warning,
            critical,
            clear,
            for_secs,
            ..Levels::default()
        }
    }
}

rule! {
    /// 1. A stage's p95 over `window` as a share of its target.
    StageP95Rule {
        warning: f64 = 0.75,
        critical: f64 = 1.0,
        clear: f64 = 0.70,
        /// `1m`, `5m`, `1h` or `all`.
        window: Window = Window::FiveMinutes,
        /// Fewer finished attempts in the window than this: no judgement.
        min_samples: u64 = 5,
    }
    timing = (0.0, 0.0)
}

impl StageP95Rule {
    pub fn levels(&self) -> Levels {
        Levels {
            enabled: self.enabled,
            for_secs: self.for_secs,
            keep_firing_for_secs: self.keep_firing_for_secs,
            warning: self.warning,
            critical: self.critical,
            clear: self.clear,
        }
    }
}

rule! {
    /// 3. Failed + timed out over finished: critical when the 95 % Wilson
    /// interval's lower bound is above `threshold`, clear when its upper
    /// bound is below `clear`.
    ErrorRateRule {
        threshold: f64 = 0.05,
        clear: f64 = 0.04,
        /// Finishes before a rate is judged at all; the interval does the
        /// rest (no fixed floor of twenty).
        min_samples: u64 = 3,
        window: Window = Window::FiveMinutes,
    }
    timing = (0.0, 0.0)
}

rule! {
    /// 4. Executions completed without a human: warning when the 95 %
    /// Wilson interval's upper bound is below `threshold`, clear when it is
    /// back over `clear`.
    AutonomyRule { threshold: f64 = 0.80, clear: f64 = 0.82, min_samples: u64 = 20 }
    timing = (0.0, 0.0)
}

rule! {
    /// 6. Silence while executions are active, and disconnected sources.
    SilenceRule {
        /// No event for this long while executions are active: warning.
        no_events_secs: f64 = 60.0,
        /// A source disconnected for longer than this: warning.
        disconnected_secs: f64 = 30.0,
    }
    timing = (0.0, 0.0)
}

rule! {
    /// 9. A live runner's clock off runtop's (its events are kept: windows
    /// run on arrival time; only its delivery lag means nothing).
    ClockSkewRule {
        /// Offset beyond which the source's clock is called skewed: warning.
        warning_secs: f64 = 60.0,
    }
    timing = (0.0, 0.0)
}

rule! {
    /// 8. The runner held at its concurrency limits.
    ConcurrencyRule {
        /// Executions the runner runs at once.
        max_running: u64 = 5,
        /// Executions the runner runs at once per project.
        max_per_project: u64 = 1,
    }
    // At the limit for five minutes: a moment there is a busy runner doing
    // its job, minutes there is work queueing. Held for two minutes once
    // clear: a runner going in and out of its limit is one condition, not
    // twenty.
    timing = (300.0, 120.0)
}

rule! {
    /// 10. A stage slower than its own usual pace: its last `recent`
    /// successful attempts' mean log duration higher than the usual pace
    /// gives with a chance under `alpha`, their median `warning_ratio`
    /// (warning) or `critical_ratio` (critical) times its usual median.
    SlowdownRule {
        warning_ratio: f64 = 1.3,
        critical_ratio: f64 = 1.6,
        /// Attempts judged: the stage's most recent successful ones, and
        /// the last half of them too when that is four or more.
        recent: u64 = 8,
        /// Chance, were the stage at its usual pace, of attempts this slow,
        /// below which it is called slower.
        alpha: f64 = 0.00001,
        /// Healthy attempts the usual pace is learnt from before any
        /// judgement.
        min_reference: u64 = 40,
    }
    // Held a minute once clear: a slow stage's last attempts can dip back
    // for a moment while it is still slow.
    timing = (0.0, 60.0)
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertsConfig {
    pub stage_p95: StageP95Rule,
    /// 2. An active execution's current stage running against its target.
    pub stage_running: Levels,
    pub error_rate: ErrorRateRule,
    pub autonomy: AutonomyRule,
    /// 5. Local and runner-node CPU and memory, in percent.
    pub resources: Levels,
    /// 6. Delivery lag p95 in ms.
    pub delivery_lag: Levels,
    pub silence: SilenceRule,
    /// 7. `coordination_overhead_ms`, mean and p95, in ms.
    pub coordination: Levels,
    pub concurrency: ConcurrencyRule,
    pub clock_skew: ClockSkewRule,
    pub slowdown: SlowdownRule,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        AlertsConfig {
            stage_p95: StageP95Rule::default(),
            stage_running: Levels::default(),
            error_rate: ErrorRateRule::default(),
            autonomy: AutonomyRule::default(),
            resources: Levels::with(80.0, 95.0, 75.0, 15.0),
            delivery_lag: Levels::with(500.0, f64::INFINITY, 400.0, 0.0),
            silence: SilenceRule::default(),
            // POOR (from 200 ms) warns; critical at 250 ms, between the dev
            // profile (300 ms, the protocol's CRITICAL band) and prod (150 ms).
            coordination: Levels::with(200.0, 250.0, 180.0, 0.0),
            concurrency: ConcurrencyRule::default(),
            clock_skew: ClockSkewRule::default(),
            slowdown: SlowdownRule::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionConfig {
    pub max_active_executions: usize,
    pub max_finished_executions: usize,
    pub max_stage_names: usize,
    pub max_metric_names: usize,
    pub recent_event_ids: usize,
    pub max_retained_log_bytes: usize,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        RetentionConfig {
            max_active_executions: 100_000,
            max_finished_executions: 10_000,
            max_stage_names: 256,
            max_metric_names: 256,
            recent_event_ids: 100_000,
            max_retained_log_bytes: 16 << 20,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BaselineConfig {
    /// Samples a stage needs before its baseline counts as established.
    pub min_samples: u64,
}

impl Default for BaselineConfig {
    fn default() -> Self {
        BaselineConfig { min_samples: 100 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CostConfig {
    /// What an hour of runner time costs (any currency): runner time is
    /// priced in reports when set.
    #[serde(deserialize_with = "price", skip_serializing_if = "Option::is_none")]
    pub per_runner_hour: Option<f64>,
}

/// A price: a finite number, zero or more.
fn price<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let v = f64::deserialize(d)?;
    if v.is_finite() && v >= 0.0 {
        Ok(Some(v))
    } else {
        Err(serde::de::Error::custom(format!(
            "per_runner_hour must be a number, zero or more, not {v}"
        )))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CiConfig {
    /// `runtop check` fails on firing alerts of this severity or worse.
    pub fail_on: Severity,
}

impl Default for CiConfig {
    fn default() -> Self {
        CiConfig {
            fail_on: Severity::Critical,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UiConfig {
    /// Most frames drawn per second.
    pub fps: u32,
    /// `auto` (colour unless NO_COLOR is set), `always` or `never`.
    pub color: ColorMode,
    /// Which executions the Executions screen lists at start.
    pub filter: ListFilter,
    /// How it orders them at start.
    pub sort: ListSort,
}

impl Default for UiConfig {
    fn default() -> Self {
        UiConfig {
            fps: 20,
            color: ColorMode::Auto,
            filter: ListFilter::All,
            sort: ListSort::Recent,
        }
    }
}

/// Which executions the Executions screen lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum ListFilter {
    All,
    Active,
    Finished,
    Failed,
}

/// How the Executions screen orders them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum ListSort {
    /// Latest event first.
    Recent,
    /// Longest first.
    Slowest,
    /// Running, then by how they ended.
    Status,
}

/// Colours of the terminal UI, by name (`red`, `lightblue`, `gray`…) or
/// `#rrggbb`; `default` is the terminal's own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ThemeConfig {
    pub ok: String,
    pub warning: String,
    pub critical: String,
    /// Secondary text (since…, labels).
    pub dim: String,
    /// Panel titles and key hints.
    pub title: String,
    pub border: String,
}

impl Default for ThemeConfig {
    fn default() -> Self {
        ThemeConfig {
            ok: "green".into(),
            warning: "yellow".into(),
            critical: "red".into(),
            dim: "darkgray".into(),
            title: "cyan".into(),
            border: "default".into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColorMode {
    Auto,
    Always,
    Never,
}
