//! `runtop serve`: the monitor as a long-lived daemon next to a runner, for
//! the fleet (src/fleet/): Prometheus scrapes its `/metrics`, scripts read
//! its report, Alertmanager receives its alerts.

use std::net::{SocketAddr, TcpListener};
use std::ops::ControlFlow;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::CliError;
use super::headless::{AlertArgs, ConfigArgs};
use super::live_args::LiveArgs;
use crate::engine::{Engine, EngineConfig};
use crate::fleet::http::{Server, Shared};
use crate::monitor::Monitor;
use crate::protocol::Decoded;
use crate::protocol::time::wall_clock_now;
use crate::source::live::{self, LiveSink, Step};
use crate::source::local::SystemSampler;
use crate::source::ndjson::{self, DEFAULT_MAX_LINE_BYTES};

#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// ws:// and wss:// URLs of runners (default: the config's
    /// sources.urls), or one NDJSON file, read at full speed and then served
    /// as it ended.
    #[arg(value_name = "SOURCE")]
    sources: Vec<String>,
    /// Where to serve /metrics, /api/v1/report, /healthz and /readyz.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9464")]
    listen: SocketAddr,
    /// Longest line accepted from a file, in bytes.
    #[arg(long, default_value_t = DEFAULT_MAX_LINE_BYTES as u64, value_parser = clap::value_parser!(u64).range(64..=(1 << 30)))]
    max_line_bytes: u64,
    #[command(flatten)]
    live: LiveArgs,
    #[command(flatten)]
    config: ConfigArgs,
    #[command(flatten)]
    alerts: AlertArgs,
}

pub fn run(args: &ServeArgs) -> Result<ExitCode, CliError> {
    let config = args.config.load()?.config;
    let sources = if args.sources.is_empty() {
        config.sources.urls.clone()
    } else {
        args.sources.clone()
    };
    let is_url = |s: &String| s.contains("://");
    let live = match sources.as_slice() {
        [] => {
            return Err(CliError::Usage(
                "give ws:// URLs or a file (or set sources.urls in the config)".into(),
            ));
        }
        [one] if !is_url(one) => false,
        all if all.iter().all(is_url) => true,
        _ => {
            return Err(CliError::Usage(
                "give either one file or ws:// and wss:// URLs, not both".into(),
            ));
        }
    };
    super::headless::refuse_unused(live, args.max_line_bytes, args.live.given())?;
    // Bound before anything runs: a taken port is said at once.
    let listener = TcpListener::bind(args.listen).map_err(|error| CliError::Listen {
        addr: args.listen.to_string(),
        error,
    })?;
    let generator = listener
        .local_addr()
        .ok()
        .map(|a| format!("http://{a}/api/v1/report"));
    let mut notifier = args.alerts.notifier_from(generator)?;
    let fail_on = config.ci.fail_on;
    if live {
        let (endpoints, options, recorder) = args.live.resolve(&sources, &config.sources)?;
        let monitor = Monitor::new(Engine::new(config.engine(EngineConfig::live())), &config);
        let watched = endpoints
            .iter()
            .map(|e| e.display())
            .collect::<Vec<_>>()
            .join(" ");
        let shared = Arc::new(Shared::new(monitor, watched, fail_on));
        let server = Server::start(listener, shared.clone()).map_err(CliError::Serve)?;
        announce(&server);
        let mut sampler = SystemSampler::new();
        let mut sink = LiveSink::new(&endpoints, recorder);
        live::collect(&endpoints, &options, None, &mut |step| {
            let mut monitor = shared.monitor();
            match step {
                Step::Delivery(delivery) => {
                    sink.apply(delivery, &mut monitor.engine);
                    monitor.after_events();
                }
                Step::Tick => {
                    sink.tick();
                    let up = sink.statuses.iter().any(|s| s.connected);
                    shared.ready.store(up, Ordering::Relaxed);
                    let host = sampler.as_mut().map(SystemSampler::sample);
                    monitor.tick_live(&sink.statuses, host, wall_clock_now());
                }
            }
            notifier.notify(&monitor.take_transitions());
            ControlFlow::Continue(())
        })
        .map_err(CliError::Runtime)?;
        server.stop();
        if let Err(e) = sink.finish() {
            eprintln!("runtop: {e}");
        }
    } else {
        let source = &sources[0];
        let read_error = |error| CliError::Read {
            source_name: format!("'{source}'"),
            error,
        };
        let reader = ndjson::open(source).map_err(read_error)?;
        let monitor = Monitor::new(Engine::new(config.engine(EngineConfig::replay())), &config);
        let shared = Arc::new(Shared::new(monitor, source.clone(), fail_on));
        let server = Server::start(listener, shared.clone()).map_err(CliError::Serve)?;
        announce(&server);
        let received_at = wall_clock_now();
        let read_all = ndjson::read_all(
            reader,
            args.max_line_bytes as usize,
            &mut |decoded: &Decoded<'_>, origin| {
                let mut monitor = shared.monitor();
                monitor.engine.apply_decoded(decoded, received_at, origin);
                monitor.after_events();
                notifier.notify(&monitor.take_transitions());
            },
        )
        .map_err(read_error)?;
        {
            let mut monitor = shared.monitor();
            monitor.finish();
            notifier.notify(&monitor.take_transitions());
        }
        if read_all {
            shared.ready.store(true, Ordering::Relaxed);
            tracing::info!(file = %source, "file read: serving it as it ended");
            while !crate::signals::stop_requested() {
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        server.stop();
    }
    if let Err(e) = notifier.finish(Duration::from_secs(10)) {
        eprintln!("runtop: warning: {e}");
    }
    Ok(ExitCode::SUCCESS)
}

fn announce(server: &Server) {
    tracing::info!(addr = %server.addr, "serving");
    eprintln!(
        "runtop: serving http://{}/metrics, /api/v1/report, /healthz, /readyz",
        server.addr
    );
}
