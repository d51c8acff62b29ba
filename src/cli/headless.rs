//! The headless pipeline `report`, `check` and `baseline save` share:
//! reading a file or live runners into the monitor under the effective
//! configuration, sending alert transitions on as they happen, and
//! building the report; then the kept baseline, and the exit code.

use std::ops::ControlFlow;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use super::CliError;
use super::live_args::LiveArgs;
use crate::alerts::notify::{Notifier, WebhookPolicy};
use crate::analytics::baseline::{Baseline, samples};
use crate::config::{self, Config, LoadRequest, Loaded};
use crate::engine::{Engine, EngineConfig, Origin};
use crate::monitor::Monitor;
use crate::protocol::time::wall_clock_now;
use crate::protocol::{Decoded, Millis};
use crate::report::Report;
use crate::source::live::{self, LiveSink, Step};
use crate::source::local::SystemSampler;
use crate::source::ndjson::{self, DEFAULT_MAX_LINE_BYTES};

#[derive(Debug, Clone, clap::Args)]
pub struct SourceArgs {
    /// An NDJSON file, `-` for standard input, or ws:// and wss:// URLs of
    /// runners (default: the config's sources.urls).
    #[arg(value_name = "SOURCE")]
    pub sources: Vec<String>,
    #[command(flatten)]
    pub options: SourceOptions,
}

/// How sources are read, apart from which.
#[derive(Debug, Clone, clap::Args)]
pub struct SourceOptions {
    /// Longest line accepted from a file, in bytes; longer lines are counted
    /// as oversized and skipped.
    #[arg(long, default_value_t = DEFAULT_MAX_LINE_BYTES as u64, value_parser = clap::value_parser!(u64).range(64..=(1 << 30)))]
    max_line_bytes: u64,
    /// Live: stop collecting after this long (90, 30s, 5m, 1h; at most 30d).
    #[arg(long = "for", value_name = "DURATION", value_parser = collect_for)]
    collect_for: Option<Duration>,
    /// Live: stop collecting after this many events.
    #[arg(long, value_name = "N")]
    events: Option<u64>,
    #[command(flatten)]
    live: LiveArgs,
}

fn collect_for(text: &str) -> Result<Duration, crate::units::DurationError> {
    crate::units::parse_duration(
        text,
        Duration::from_millis(100),
        Duration::from_secs(30 * 86_400),
    )
}

/// Which configuration: the file, the profile, single settings.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ConfigArgs {
    /// Config file to use instead of the platform's.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Profile: dev, prod, default, or a [profiles.NAME] of the config file.
    #[arg(long)]
    profile: Option<String>,
    /// Override one setting, e.g. --set alerts.error_rate.threshold=0.1
    /// (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    sets: Vec<String>,
}

impl ConfigArgs {
    pub fn load(&self) -> Result<Loaded, CliError> {
        let request = LoadRequest {
            config_path: self.config.clone(),
            profile: self.profile.clone(),
            sets: self.sets.clone(),
            env: Vec::new(),
        }
        .with_process_env();
        config::load(&request, config::default_path().as_deref()).map_err(CliError::from)
    }
}

/// Where alert transitions go, for the commands that evaluate rules.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct AlertArgs {
    /// Append each alert transition to this file as a JSON line.
    #[arg(long, value_name = "FILE")]
    pub alert_log: Option<PathBuf>,
    /// POST each alert transition as JSON to this URL (Slack-compatible
    /// `text`, plus the structured alert).
    #[arg(long, value_name = "URL")]
    pub alert_webhook: Option<String>,
    /// Push alerts to this Alertmanager (its base URL, e.g.
    /// http://127.0.0.1:9093; repeatable): firing ones again every minute,
    /// resolved ones once.
    #[arg(long = "alertmanager", value_name = "URL")]
    pub alertmanagers: Vec<String>,
}

impl AlertArgs {
    /// Where alert transitions go: `--alert-log`, `--alert-webhook`,
    /// `--alertmanager`.
    pub fn notifier(&self) -> Result<Notifier, CliError> {
        self.notifier_from(None)
    }

    /// As [`AlertArgs::notifier`], the alerts sent to Alertmanager linking
    /// to `generator` (`runtop serve`'s report).
    pub fn notifier_from(&self, generator: Option<String>) -> Result<Notifier, CliError> {
        Notifier::new(
            self.alert_log.as_deref(),
            self.alert_webhook.as_deref(),
            WebhookPolicy::default(),
        )
        .and_then(|n| n.with_alertmanagers(&self.alertmanagers, generator))
        .map_err(CliError::from)
    }
}

/// Everything that shapes a monitoring run: the configuration, where alerts
/// go, and the baseline to compare with.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SettingsArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub alerts: AlertArgs,
    /// Compare with this baseline (from `runtop baseline save`). Live
    /// sources otherwise keep one per source in the platform's data dir.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
}

impl SettingsArgs {
    /// Settings of `config` alone: no alert sinks, no baseline given.
    pub fn of_config(config: &ConfigArgs) -> Self {
        SettingsArgs {
            config: config.clone(),
            ..SettingsArgs::default()
        }
    }

    pub fn load(&self) -> Result<Loaded, CliError> {
        self.config.load()
    }

    pub fn notifier(&self) -> Result<Notifier, CliError> {
        self.alerts.notifier()
    }
}

/// Refuses, by name, the flags that would do nothing for the sources given:
/// `--max-line-bytes` for live runners (`live`), the `live_only` flags
/// given for a file.
pub(super) fn refuse_unused(
    live: bool,
    max_line_bytes: u64,
    live_only: Vec<&'static str>,
) -> Result<(), CliError> {
    if live && max_line_bytes != DEFAULT_MAX_LINE_BYTES as u64 {
        return Err(CliError::Usage(
            "--max-line-bytes applies to files; live runners are bounded by --max-message".into(),
        ));
    }
    if !live && !live_only.is_empty() {
        return Err(CliError::Usage(format!(
            "{} only to live runners (ws://, wss://), not to a file",
            super::flags_apply(&live_only)
        )));
    }
    Ok(())
}

/// Where a live source set keeps its baseline when no file is given: a
/// name that must stay the same across runtop releases and platforms.
pub(super) fn kept_baseline_path(sources: &[String]) -> Option<PathBuf> {
    let mut sorted = sources.to_vec();
    sorted.sort();
    let key = crate::hash::fnv1a(sorted.join("\n").as_bytes());
    directories::ProjectDirs::from("", "", "runtop").map(|d| {
        d.data_dir()
            .join("baselines")
            .join(format!("{key:016x}.json"))
    })
}

/// Compares with the given baseline, or, live, with the one kept for these
/// sources (which then follows the current figures while healthy).
fn with_baseline(
    mut analysis: Analysis,
    settings: &SettingsArgs,
    sources: &[String],
) -> Result<Analysis, CliError> {
    let now = wall_clock_now();
    // This run's figures as a baseline: only when there is one to compare
    // with or to keep (reading every finished execution again is a serial
    // cost at the end of a plain report, which needs neither).
    let current = |analysis: &Analysis| {
        Baseline::from_samples(
            &samples(&analysis.monitor.engine),
            &analysis.report.source,
            now,
            analysis.config.baseline.min_samples,
        )
    };
    let live = sources.iter().any(|s| s.contains("://"));
    if let Some(path) = &settings.baseline {
        let baseline = Baseline::load(path).map_err(CliError::from)?;
        let current = current(&analysis);
        analysis.report =
            analysis
                .report
                .with_baseline(path.display().to_string(), &baseline, &current);
    } else if live && let Some(path) = kept_baseline_path(sources) {
        let current = current(&analysis);
        let kept = match Baseline::load(&path) {
            Ok(kept) => {
                analysis.report = analysis.report.clone().with_baseline(
                    path.display().to_string(),
                    &kept,
                    &current,
                );
                let mut kept = kept;
                kept.follow(&current, &samples(&analysis.monitor.engine).outcomes, now);
                kept
            }
            Err(_) => current,
        };
        if !kept.stages.is_empty()
            && let Err(e) = kept.save(&path)
        {
            eprintln!("runtop: warning: {e}");
        }
    }
    Ok(analysis)
}

/// A finished analysis.
pub struct Analysis {
    pub report: Report,
    pub config: Config,
    pub monitor: Monitor,
    /// What went wrong on the way without costing the report: each is said
    /// on stderr after the report is printed, and the exit code is 2.
    pub failures: Vec<crate::source::record::RecordError>,
    /// The signal that cut a file's reading short: the report is partial.
    pub interrupted: Option<crate::signals::Received>,
    /// Live runners that never delivered an event, and why: a failure of
    /// `report`; `check` says it in its verdict instead.
    pub no_data: Option<String>,
}

impl Analysis {
    /// Says on stderr what went wrong besides the report, and picks the exit
    /// code: `code` when all went well, 2 when something failed, 128 + the
    /// signal's number when reading a file was interrupted.
    pub fn exit_code(&self, code: ExitCode) -> ExitCode {
        if let Some(no_data) = &self.no_data {
            eprintln!("runtop: {no_data}");
        }
        for failure in &self.failures {
            eprintln!("runtop: {failure}");
        }
        if let Some(signal) = self.interrupted {
            eprintln!(
                "runtop: reading stopped by {}: the report covers only what was read",
                signal.name
            );
            return ExitCode::from(signal.exit_code());
        }
        if self.no_data.is_none() && self.failures.is_empty() {
            code
        } else {
            ExitCode::from(2)
        }
    }
}

pub fn analyse(args: &SourceArgs, settings: &SettingsArgs) -> Result<Analysis, CliError> {
    analyse_sources(&args.sources, &args.options, settings)
}

pub fn analyse_sources(
    given: &[String],
    src: &SourceOptions,
    settings: &SettingsArgs,
) -> Result<Analysis, CliError> {
    let loaded = settings.load()?;
    let config = loaded.config;
    let sources = if given.is_empty() {
        config.sources.urls.clone()
    } else {
        given.to_vec()
    };
    if sources.is_empty() {
        return Err(CliError::Usage(
            "give a file, `-`, or ws:// URLs (or set sources.urls in the config)".into(),
        ));
    }
    let mut notifier = settings.notifier()?;
    // Anything written as a URL is one, so that `http://…` is told it is not
    // ws:// rather than that no such file exists.
    let is_url = |s: &String| s.contains("://");
    let analysis = if sources.iter().any(is_url) {
        if !sources.iter().all(is_url) {
            return Err(CliError::Usage(
                "give either one file or ws:// and wss:// URLs, not both".into(),
            ));
        }
        refuse_unused(true, src.max_line_bytes, Vec::new())?;
        live_analysis(&sources, src, &config, &mut notifier)?
    } else {
        let mut live_only = src.live.given();
        if src.collect_for.is_some() {
            live_only.push("--for");
        }
        if src.events.is_some() {
            live_only.push("--events");
        }
        refuse_unused(false, src.max_line_bytes, live_only)?;
        let [source] = sources.as_slice() else {
            return Err(CliError::Usage("give one file at a time (or URLs)".into()));
        };
        file_analysis(source, src, &config, &mut notifier)?
    };
    // Failing to tell the world about alerts is worth a warning, but it
    // changes nothing of the analysis (nor `check`'s verdict).
    let mut analysis = with_baseline(analysis, settings, &sources)?;
    // Live runners that never delivered an event: the report is still
    // printed (nothing is lost), but this is no success.
    let live = !analysis.report.sources.is_empty();
    if live && analysis.report.events.accepted == 0 {
        let mut said = String::from("no events accepted from any source");
        for state in analysis.report.source_states() {
            said.push_str("\n  ");
            said.push_str(&state);
        }
        analysis.no_data = Some(said);
    }
    if let Err(e) = notifier.finish(Duration::from_secs(10)) {
        eprintln!("runtop: warning: {e}");
    }
    Ok(analysis)
}

fn file_analysis(
    source: &str,
    src: &SourceOptions,
    config: &Config,
    notifier: &mut Notifier,
) -> Result<Analysis, CliError> {
    let shown = if source == "-" {
        "standard input".into()
    } else {
        format!("'{source}'")
    };
    let read_error = |error| CliError::Read {
        source_name: shown.clone(),
        error,
    };
    let reader = ndjson::open(source).map_err(read_error)?;
    let mut monitor = Monitor::new(Engine::new(config.engine(EngineConfig::replay())), config);
    // A file's events were received when they were recorded; the only use of
    // the wall clock here is to reject timestamps far in its future.
    let received_at = wall_clock_now();
    let read_all = ndjson::read_all(
        reader,
        src.max_line_bytes as usize,
        &mut Replay {
            monitor: &mut monitor,
            notifier: &mut *notifier,
            received_at,
        },
    )
    .map_err(read_error)?;
    monitor.finish();
    notifier.notify(&monitor.take_transitions());
    let report = monitor.report(source, config.ci.fail_on);
    Ok(Analysis {
        report,
        config: config.clone(),
        monitor,
        failures: Vec::new(),
        // Reading stops early only on a signal, which is then recorded.
        interrupted: if read_all {
            None
        } else {
            crate::signals::received()
        },
        no_data: None,
    })
}

/// A file's decoded events going into the monitor, its transitions out to
/// the notifier.
struct Replay<'a> {
    monitor: &'a mut Monitor,
    notifier: &'a mut Notifier,
    received_at: Millis,
}

impl ndjson::Sink for Replay<'_> {
    fn apply(&mut self, decoded: &Decoded<'_>, origin: Origin) {
        self.monitor
            .engine
            .apply_decoded(decoded, self.received_at, origin);
        self.monitor.after_events();
        self.notifier.notify(&self.monitor.take_transitions());
    }

    fn ahead(&mut self, decoded: &Decoded<'_>) {
        self.monitor.engine.prefetch(decoded);
    }
}

fn live_analysis(
    urls: &[String],
    src: &SourceOptions,
    config: &Config,
    notifier: &mut Notifier,
) -> Result<Analysis, CliError> {
    let (endpoints, options, recorder) = src.live.resolve(urls, &config.sources)?;
    let mut monitor = Monitor::new(Engine::new(config.engine(EngineConfig::live())), config);
    let mut sampler = SystemSampler::new();
    let mut sink = LiveSink::new(&endpoints, recorder);
    live::collect(&endpoints, &options, src.collect_for, &mut |step| {
        match step {
            Step::Delivery(delivery) => {
                sink.apply(delivery, &mut monitor.engine);
                if src
                    .events
                    .is_some_and(|n| monitor.engine.input().received >= n)
                {
                    return ControlFlow::Break(());
                }
            }
            Step::Tick => {
                sink.tick();
                let host = sampler.as_mut().map(SystemSampler::sample);
                monitor.tick_live(&sink.statuses, host, wall_clock_now());
                notifier.notify(&monitor.take_transitions());
            }
        }
        ControlFlow::Continue(())
    })
    .map_err(CliError::Runtime)?;
    monitor.sources.clone_from(&sink.statuses);
    monitor.finish();
    notifier.notify(&monitor.take_transitions());
    let source = endpoints
        .iter()
        .map(|e| e.display())
        .collect::<Vec<_>>()
        .join(" ");
    let report = monitor.report(&source, config.ci.fail_on);
    // A recording that failed costs the recording, never the report.
    let failures = sink.finish().err().into_iter().collect();
    Ok(Analysis {
        report,
        config: config.clone(),
        monitor,
        failures,
        interrupted: None,
        no_data: None,
    })
}
