//! Configuration: a TOML file in the platform's config directory
//! (`~/.config/runtop/config.toml` on Linux), overridden by `--config FILE`,
//! then `RUNTOP_*` environment variables, then `--set` flags; with built-in
//! profiles `dev` and `prod`. See `docs/config.md`.

mod load;
mod schema;

pub use load::{BUILTIN_PROFILES, ConfigError, LoadRequest, Loaded, Origin, load, show};
pub use schema::*;

use std::path::PathBuf;

use crate::engine::{EngineConfig, Limits, StoreLimits, Targets};

/// The platform's config file path, if the platform has a config directory.
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "runtop").map(|d| d.config_dir().join("config.toml"))
}

impl Config {
    /// The engine's settings under this config, on top of `base` (replay
    /// or live).
    pub fn engine(&self, mut base: EngineConfig) -> EngineConfig {
        let mut targets = Targets::empty();
        for (stage, ms) in &self.targets.stages {
            targets.set_stage(stage, *ms);
        }
        for (metric, target) in &self.targets.metrics {
            targets.set_metric(metric, *target);
        }
        base.targets = targets;
        base.kpi = self.targets.kpi.clone();
        let r = &self.retention;
        base.limits = Limits {
            max_stage_names: r.max_stage_names,
            max_metric_names: r.max_metric_names,
            recent_event_ids: r.recent_event_ids,
            store: StoreLimits {
                max_active: r.max_active_executions,
                max_finished: r.max_finished_executions,
                max_retained_bytes: r.max_retained_log_bytes,
            },
            ..base.limits
        };
        base
    }
}

/// The commented file `runtop config init` writes: every setting commented
/// out at its default, explained. An untouched file must change nothing (a
/// live value here would outrank every profile), so none is live.
pub const TEMPLATE: &str = r#"# runtop configuration. Every setting is written commented out with its
# default (`#key = value`), so this file changes nothing until you remove the
# `#` of the lines you want to change. Precedence: this file < RUNTOP_* environment
# variables (RUNTOP_SECTION__KEY, e.g. RUNTOP_ALERTS__ERROR_RATE__THRESHOLD=0.1)
# < --set key=value flags. `runtop config show` prints the effective values.
# Profiles: --profile dev (more permissive) or prod (stricter), or your own
# [profiles.NAME] sections below.

[sources]
# Runners to watch when no URL is given on the command line.
# urls = ["ws://127.0.0.1:7878/events"]
# Handshake headers whose values come from environment variables.
# headers_env = { Authorization = "RUNNER_TOKEN" }
# subscribe = '{"action":"subscribe","topics":["executions"]}'

[targets.stages]
# Stage duration targets, in milliseconds; any stage name.
#prep = 2000.0
#implement = 30000.0
#verify = 60000.0

[targets.metrics]
# Metric targets (p95 at most), any metric name.
# queue_latency_ms = 5000.0

[targets.kpi]
# The efficiency KPIs `runtop check` judges (docs/analytics.md). Throughput:
# least executions finished per minute, judged only while work waited for a
# slot; simple_per_min for workflows whose tasks run one at a time,
# complex_per_min for task graphs, or per workflow by name. Shares are 0 to 1.
#simple_per_min = 20.0
#complex_per_min = 5.0
# throughput_per_min = { standard = 30.0 }
#parallel_efficiency = 0.7
#startup_ms = 5000.0
#coordination_share = 0.1
#retry_rate = 0.15
#stage_success_rate = 0.85

# Alert rules. Each has enabled, for_secs (how long the condition must hold
# before it fires) and keep_firing_for_secs (how long it keeps firing once
# clear). It resolves only below its clear level (hysteresis).

[alerts.stage_p95]
# A stage's p95 over the window, as a share of its target: fires when the
# lower bound of the p95's 95 % interval is over a level.
#enabled = true
#for_secs = 0.0
#keep_firing_for_secs = 0.0
#warning = 0.75
#critical = 1.0
#clear = 0.7
#window = "5m"
#min_samples = 5

[alerts.stage_running]
# An active execution's current stage, elapsed as a share of its target.
#enabled = true
#for_secs = 0.0
#keep_firing_for_secs = 0.0
#warning = 0.75
#critical = 1.0
#clear = 0.7

[alerts.error_rate]
# Failed + timed out over finished (a stage: its first attempts), per stage
# and overall: critical when the lower bound of its 99 % Wilson interval is
# above threshold (over the window, or a stage's last 2 minutes at 99.8 %),
# clear when the 95 % upper bound, or the window's own rate, is below clear.
#enabled = true
#for_secs = 0.0
#keep_firing_for_secs = 0.0
#threshold = 0.05
#clear = 0.04
#min_samples = 3
#window = "5m"

[alerts.autonomy]
# Share of executions completed without a human: warning when the upper bound
# of its 95 % Wilson interval is below threshold, clear when it is over clear.
#enabled = true
#for_secs = 0.0
#keep_firing_for_secs = 0.0
#threshold = 0.8
#clear = 0.82
#min_samples = 20

[alerts.resources]
# Local and runner-node CPU and memory, in percent.
#enabled = true
#for_secs = 15.0
#keep_firing_for_secs = 0.0
#warning = 80.0
#critical = 95.0
#clear = 75.0

[alerts.delivery_lag]
# Delivery lag p95 (receive time - ts) in milliseconds.
#enabled = true
#for_secs = 0.0
#keep_firing_for_secs = 0.0
#warning = 500.0
#critical = inf
#clear = 400.0

[alerts.silence]
# No event while executions are active, or a source disconnected: warning.
#enabled = true
#for_secs = 0.0
#keep_firing_for_secs = 0.0
#no_events_secs = 60.0
#disconnected_secs = 30.0

[alerts.coordination]
# coordination_overhead_ms, mean and p95, in milliseconds. Levels: EXCELLENT
# < 100, GOOD 100-150, ACCEPTABLE 150-200, POOR 200-300, CRITICAL > 300.
#enabled = true
#for_secs = 0.0
#keep_firing_for_secs = 0.0
#warning = 200.0
#critical = 250.0
#clear = 180.0

[alerts.concurrency]
# The runner held at its limits (at once, per project) for for_secs (five
# minutes: work queueing, not a busy moment): warning.
#enabled = true
#for_secs = 300.0
#keep_firing_for_secs = 120.0
#max_running = 5
#max_per_project = 1

[alerts.clock_skew]
# A live runner's clock further than warning_secs from runtop's: warning.
# Its events are kept (windows run on arrival time).
#enabled = true
#for_secs = 0.0
#keep_firing_for_secs = 0.0
#warning_secs = 60.0

[alerts.slowdown]
# A stage slower than its own usual pace (learnt from its healthy attempts):
# its last `recent` successful attempts slower than the usual pace gives with
# a chance under alpha, their median warning_ratio (warning) or
# critical_ratio (critical) times its usual median.
#enabled = true
#for_secs = 0.0
#keep_firing_for_secs = 60.0
#warning_ratio = 1.3
#critical_ratio = 1.6
#recent = 8
#alpha = 1e-5
#min_reference = 40

[retention]
#max_active_executions = 100000
#max_finished_executions = 10000
#max_stage_names = 256
#max_metric_names = 256
#recent_event_ids = 100000
#max_retained_log_bytes = 16777216

[baseline]
# Samples a stage needs before its baseline counts as established.
#min_samples = 100

[cost]
# What an hour of runner time costs, in any currency: reports then price the
# runner time of each stage, project, node and execution, and the work that
# failures threw away. Unset: runner time only.
# per_runner_hour = 0.50

[ci]
# `runtop check` fails on firing alerts this severe or worse: warning or critical.
#fail_on = "critical"

[ui]
# Most frames per second, and colour: auto (off when NO_COLOR is set), always, never.
# The Executions screen's filter (all, active, finished, failed) and sort
# (recent, slowest, status) at start (--filter, --sort).
#fps = 20
#color = "auto"
#filter = "all"
#sort = "recent"

[theme]
# Colours by name (red, lightblue, gray, ...) or #rrggbb; "default" is the
# terminal's own. The selection is drawn reversed, whatever the colours.
#ok = "green"
#warning = "yellow"
#critical = "red"
#dim = "darkgray"
#title = "cyan"
#border = "default"

[keys]
# Extra keys for the terminal UI's actions, beside the defaults; e.g.
# quit = "x", open = "space", next_screen = "ctrl-n". Actions: quit, help,
# search, down, up, page_down, page_up, top, bottom, open, back, next_screen,
# previous_screen, window, filter, sort, pause, acknowledge, copy.

# [profiles.night]
# alerts.resources.warning = 90.0
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_sets_nothing_and_its_commented_values_are_the_defaults() {
        fn values(table: &toml::Table) -> usize {
            table.values().map(|v| v.as_table().map_or(1, values)).sum()
        }
        let parsed: toml::Table = toml::from_str(TEMPLATE).unwrap();
        assert_eq!(values(&parsed), 0, "live settings in the template");
        let setting = regex_free_setting;
        let uncommented: String = TEMPLATE
            .lines()
            .map(|l| if setting(l) { &l[1..] } else { l })
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            uncommented.len() < TEMPLATE.len(),
            "no commented default found"
        );
        let parsed: Config = toml::from_str(&uncommented).unwrap();
        assert_eq!(parsed, Config::default());
    }

    /// `#key = value`: a default, commented out.
    fn regex_free_setting(line: &str) -> bool {
        line.strip_prefix('#').is_some_and(|rest| {
            rest.split_once(" = ").is_some_and(|(key, _)| {
                !key.is_empty() && key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
            })
        })
    }
}
