//! `runtop demo`, `watch` and `replay`: the terminal UI on a simulated
//! runner, on live runners, or on a recording.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use super::CliError;
use super::headless::{SettingsArgs, kept_baseline_path};
use super::live_args::LiveArgs;
use crate::alerts::notify::Notifier;
use crate::analytics::baseline::Baseline;
use crate::config::Config;
use crate::engine::{Engine, EngineConfig};
use crate::protocol::time::wall_clock_now;
use crate::sim::Scenario;
use crate::sim::serve::{self, ServeOptions};
use crate::source::live::{self, Endpoint, LinkOptions, LiveSink};
use crate::source::local::SystemSampler;
use crate::source::ndjson::{self, DEFAULT_MAX_LINE_BYTES};
use crate::tui::app::App;
use crate::tui::feed::{LiveFeed, ReplayFeed};
use crate::tui::keys::KeyMap;
use crate::tui::model::Model;
use crate::tui::run::{Feed, Loop, run};
use crate::tui::terminal::{
    TerminalKeys, Watchdog, open as open_terminal, restore as restore_terminal,
};
use crate::tui::theme;

/// How the terminal UI starts, beside the config's `[ui]`.
#[derive(Debug, Clone, clap::Args)]
pub struct ViewArgs {
    /// Which executions the Executions screen lists at start (`ui.filter`).
    #[arg(long, value_enum)]
    filter: Option<crate::config::ListFilter>,
    /// How it orders them at start (`ui.sort`).
    #[arg(long, value_enum)]
    sort: Option<crate::config::ListSort>,
}

impl ViewArgs {
    /// `config` with these flags over its `[ui]`.
    fn apply(&self, mut config: Config) -> Config {
        if let Some(filter) = self.filter {
            config.ui.filter = filter;
        }
        if let Some(sort) = self.sort {
            config.ui.sort = sort;
        }
        config
    }
}

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// How much faster than real time the simulated runner goes: 10 by
    /// default, so that a demo shows in seconds what takes minutes (`simulate`
    /// and `replay` default to 1, real time, as they stand in for a runner
    /// and its recording).
    #[arg(long, default_value_t = 10.0)]
    speed: f64,
    /// What the simulated runner goes through.
    #[arg(long, value_enum, default_value_t = Scenario::Steady)]
    scenario: Scenario,
    /// Random seed: the same seed gives the same events.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    #[command(flatten)]
    view: ViewArgs,
    #[command(flatten)]
    settings: SettingsArgs,
}

#[derive(Debug, clap::Args)]
pub struct WatchArgs {
    /// ws:// or wss:// URLs of runners (default: the config's sources.urls).
    urls: Vec<String>,
    #[command(flatten)]
    live: LiveArgs,
    #[command(flatten)]
    view: ViewArgs,
    #[command(flatten)]
    settings: SettingsArgs,
}

#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// A recording (NDJSON).
    file: String,
    /// Speed against the recording's own timestamps: 1 (the default) real
    /// time, as it happened; 60 an hour a minute; 0 as fast as possible.
    /// (`demo` defaults to 10, to show minutes in seconds.)
    #[arg(long, default_value_t = 1.0)]
    speed: f64,
    #[command(flatten)]
    view: ViewArgs,
    #[command(flatten)]
    settings: SettingsArgs,
}

/// The flag a stopping signal sets ([`crate::signals`]).
fn stop_flag() -> Arc<AtomicBool> {
    crate::signals::stop_flag().unwrap_or_default()
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(CliError::Runtime)
}

/// Runs the UI on `feed` until the user quits; the terminal is restored
/// however it ends (ratatui's panic hook covers panics).
fn ui(
    config: &Config,
    model: &mut Model,
    feed: &mut dyn Feed,
    stop: Arc<AtomicBool>,
    mut notifier: Notifier,
) -> Result<ExitCode, CliError> {
    // Checked before the terminal is taken over, so the error is readable.
    let keymap = KeyMap::from_config(&config.keys)?;
    let theme = theme(config)?;
    let mut terminal = open_terminal().map_err(CliError::Terminal)?;
    let mut sampler = SystemSampler::new();
    let mut system = || sampler.as_mut().map(SystemSampler::sample);
    let watchdog = Watchdog::start(stop.clone());
    let mut keys = TerminalKeys { stop };
    let mut app = App::default();
    app.keymap = keymap;
    app.filter = config.ui.filter;
    app.sort = config.ui.sort;
    let mut clipboard = |text: &str| osc52(text);
    let result = run(
        &mut terminal,
        &mut app,
        model,
        Loop {
            keys: &mut keys,
            feed,
            system: &mut system,
            fps: config.ui.fps,
            theme,
            clipboard: &mut clipboard,
            notify: &mut |transitions| notifier.notify(transitions),
        },
    );
    restore_terminal();
    drop(watchdog);
    if let Err(e) = notifier.finish(std::time::Duration::from_secs(5)) {
        eprintln!("runtop: warning: {e}");
    }
    result.map_err(CliError::Terminal)?;
    Ok(ExitCode::SUCCESS)
}

/// Puts `text` on the clipboard of the terminal runtop draws on, even over
/// SSH: the OSC 52 escape sequence. `text` is a sanitized correlation id.
fn osc52(text: &str) {
    use base64::Engine as _;
    use std::io::Write as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let mut out = std::io::stdout().lock();
    let _ = write!(out, "\x1b]52;c;{encoded}\x07");
    let _ = out.flush();
}

/// The baseline the UI compares with: `--baseline FILE`, else (live) the
/// one `report` keeps for these sources, if there is one.
fn baseline_for(
    settings: &SettingsArgs,
    live: Option<&[String]>,
) -> Result<Option<(String, Baseline)>, CliError> {
    if let Some(path) = &settings.baseline {
        let b = Baseline::load(path).map_err(CliError::from)?;
        return Ok(Some((path.display().to_string(), b)));
    }
    Ok(live.and_then(kept_baseline_path).and_then(|p| {
        Baseline::load(&p)
            .ok()
            .map(|b| (p.display().to_string(), b))
    }))
}

pub(super) fn demo(args: &DemoArgs) -> Result<ExitCode, CliError> {
    let config = args.view.apply(args.settings.load()?.config);
    if !(args.speed >= 0.0 && args.speed.is_finite()) {
        return Err(CliError::Usage(
            "--speed must be a non-negative number".into(),
        ));
    }
    // The simulation is played as a recording is, on its own clock from
    // now on: at ×10 a 9 s stage takes 0.9 s of wall time and shows as 9 s
    // everywhere (list, bars against targets, Detail, waterfall). Served
    // over a socket instead, its events were stamped with wall-clock time
    // but carried simulated durations, and the two disagreed on screen.
    let options = ServeOptions {
        path: "/events".into(),
        seed: args.seed,
        speed: args.speed,
        scenario: args.scenario,
        rate: None,
        executions: None,
        concurrency: None,
        batch: 1,
    };
    let reader = serve::NdjsonReader::new(&options, wall_clock_now());
    let mut feed = ReplayFeed::new(
        Box::new(std::io::BufReader::new(reader)),
        args.speed,
        DEFAULT_MAX_LINE_BYTES,
    );
    let title = format!(
        "demo: simulated runner ({}, ×{}, simulated time)",
        args.scenario.name(),
        args.speed
    );
    play(&config, &mut feed, title, &args.settings)
}

/// The UI on a stream played on its own clock (a recording, the demo's
/// simulation).
fn play(
    config: &Config,
    feed: &mut ReplayFeed,
    title: String,
    settings: &SettingsArgs,
) -> Result<ExitCode, CliError> {
    let mut model = Model::new(
        Engine::new(config.engine(EngineConfig::replay())),
        config,
        title,
    );
    model.monitor.set_baseline(baseline_for(settings, None)?);
    ui(config, &mut model, feed, stop_flag(), settings.notifier()?)
}

pub(super) fn watch(args: &WatchArgs) -> Result<ExitCode, CliError> {
    let config = args.view.apply(args.settings.load()?.config);
    let urls = if args.urls.is_empty() {
        config.sources.urls.clone()
    } else {
        args.urls.clone()
    };
    if urls.is_empty() {
        return Err(CliError::Usage(
            "give ws:// or wss:// URLs (or set sources.urls in the config)".into(),
        ));
    }
    let (endpoints, link, recorder) = args.live.resolve(&urls, &config.sources)?;
    let runtime = runtime()?;
    let title = endpoints
        .iter()
        .map(Endpoint::display)
        .collect::<Vec<_>>()
        .join(" ");
    watch_endpoints(
        &runtime,
        &config,
        Watch {
            endpoints,
            link: &link,
            recorder,
            title,
            notifier: args.settings.notifier()?,
            baseline: baseline_for(&args.settings, Some(&urls))?,
        },
    )
}

/// What one watch session shows and where its output goes.
struct Watch<'a> {
    endpoints: Vec<Endpoint>,
    link: &'a LinkOptions,
    recorder: Option<crate::source::record::Recorder>,
    title: String,
    notifier: Notifier,
    baseline: Option<(String, Baseline)>,
}

fn watch_endpoints(
    runtime: &tokio::runtime::Runtime,
    config: &Config,
    watch: Watch<'_>,
) -> Result<ExitCode, CliError> {
    let Watch {
        endpoints,
        link,
        recorder,
        title,
        notifier,
        baseline,
    } = watch;
    let deliveries = {
        let _entered = runtime.enter();
        live::spawn(&endpoints, link)
    };
    let stop = stop_flag();
    let sink = LiveSink::new(&endpoints, recorder);
    let mut feed = LiveFeed { deliveries, sink };
    let mut model = Model::new(
        Engine::new(config.engine(EngineConfig::live())),
        config,
        title,
    );
    model.monitor.set_baseline(baseline);
    let code = ui(config, &mut model, &mut feed, stop, notifier)?;
    if let Err(e) = feed.sink.finish() {
        eprintln!("runtop: warning: {e}");
    }
    Ok(code)
}

pub(super) fn replay(args: &ReplayArgs) -> Result<ExitCode, CliError> {
    let config = args.view.apply(args.settings.load()?.config);
    if !(args.speed >= 0.0 && args.speed.is_finite()) {
        return Err(CliError::Usage(
            "--speed must be a non-negative number".into(),
        ));
    }
    let reader = ndjson::open(&args.file).map_err(|error| CliError::Read {
        source_name: format!("'{}'", args.file),
        error,
    })?;
    let mut feed = ReplayFeed::new(reader, args.speed, DEFAULT_MAX_LINE_BYTES);
    let title = format!("replay {} ×{}", args.file, args.speed);
    play(&config, &mut feed, title, &args.settings)
}
