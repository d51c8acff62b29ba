//! `runtop simulate`: a simulated runner, served over WebSocket or written
//! to a file.

use std::io::{BufWriter, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use super::CliError;
use crate::sim::Scenario;
use crate::sim::serve::{self, ServeOptions};

const DEFAULT_LISTEN: &str = "127.0.0.1:7878";
const DEFAULT_PATH: &str = "/events";

#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// Address to serve on (loopback unless told otherwise; port 0 picks one).
    #[arg(long, default_value = DEFAULT_LISTEN)]
    listen: SocketAddr,
    /// URL path of the event stream.
    #[arg(long, default_value = DEFAULT_PATH)]
    path: String,
    /// Random seed: the same seed gives the same events.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// How much faster than real time simulated time runs: 1 (the default)
    /// real time, as a runner would; 0 no pacing. (`demo` defaults to 10.)
    #[arg(long, default_value_t = 1.0)]
    speed: f64,
    /// What the simulated runner goes through.
    #[arg(long, value_enum, default_value_t = Scenario::Steady)]
    scenario: Scenario,
    /// Events per second, instead of simulated-time pacing.
    #[arg(long, value_name = "EVENTS_PER_S")]
    rate: Option<f64>,
    /// Stop after this many executions (the stream ends when they finish).
    #[arg(long)]
    executions: Option<u64>,
    /// Executions the simulated runner runs at once (default: the scenario's).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=100_000))]
    concurrency: Option<u64>,
    /// Events per WebSocket message (more than 1 sends JSON arrays).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    batch: u64,
    /// Write NDJSON to this file (`-` for stdout) instead of serving, and exit.
    /// Without --executions, writes 200 executions.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

pub(super) fn run(args: &SimulateArgs) -> Result<ExitCode, CliError> {
    if !(args.speed >= 0.0 && args.speed.is_finite()) {
        return Err(CliError::Usage(
            "--speed must be a non-negative number".into(),
        ));
    }
    if args.rate.is_some_and(|r| !(r > 0.0 && r.is_finite())) {
        return Err(CliError::Usage(
            "--rate must be a positive number of events per second".into(),
        ));
    }
    if !args.path.starts_with('/') {
        return Err(CliError::Usage("--path must start with /".into()));
    }
    if args.out.is_some() {
        // A file holds simulated time, written at once: pacing, framing and
        // where to listen mean nothing there.
        let serving_only: Vec<&str> = [
            (
                "--listen",
                args.listen != DEFAULT_LISTEN.parse().expect("a valid address"),
            ),
            ("--path", args.path != DEFAULT_PATH),
            ("--speed", args.speed != 1.0),
            ("--rate", args.rate.is_some()),
            ("--batch", args.batch != 1),
        ]
        .into_iter()
        .filter_map(|(flag, given)| given.then_some(flag))
        .collect();
        if !serving_only.is_empty() {
            return Err(CliError::Usage(format!(
                "{} only when serving, not with --out",
                super::flags_apply(&serving_only)
            )));
        }
    }
    let options = ServeOptions {
        path: args.path.clone(),
        seed: args.seed,
        speed: args.speed,
        scenario: args.scenario,
        rate: args.rate,
        executions: args.executions,
        concurrency: args.concurrency.map(|n| n as usize),
        batch: args.batch as usize,
    };
    match &args.out {
        Some(path) => write_file(
            path,
            ServeOptions {
                executions: Some(args.executions.unwrap_or(200)),
                ..options
            },
        ),
        None => serve_forever(args.listen, options),
    }
}

fn write_file(path: &std::path::Path, options: ServeOptions) -> Result<ExitCode, CliError> {
    let out: Box<dyn Write> = if path.as_os_str() == "-" {
        Box::new(std::io::stdout().lock())
    } else {
        // Event logs are runner data, simulated or not: 0600, no link.
        let file = crate::files::create_private(path, crate::files::WriteMode::Truncate).map_err(
            |error| CliError::WriteFile {
                path: path.to_path_buf(),
                error,
            },
        )?;
        Box::new(file)
    };
    let mut out = BufWriter::new(out);
    let write = |out: &mut BufWriter<Box<dyn Write>>| -> std::io::Result<()> {
        for line in serve::ndjson_lines(&options) {
            out.write_all(line.as_bytes())?;
            out.write_all(b"\n")?;
        }
        out.flush()
    };
    match write(&mut out) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(CliError::Output(e)),
        _ => Ok(ExitCode::SUCCESS),
    }
}

fn serve_forever(listen: SocketAddr, options: ServeOptions) -> Result<ExitCode, CliError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(CliError::Runtime)?;
    runtime.block_on(async {
        let (listener, local) = serve::bind(listen)
            .await
            .map_err(|error| CliError::Listen {
                addr: listen.to_string(),
                error,
            })?;
        // The first line of output says where to connect (tests read it).
        println!(
            "serving ws://{local}{} scenario={} seed={}",
            options.path,
            options.scenario.name(),
            options.seed
        );
        let _ = std::io::stdout().flush();
        tokio::select! {
            result = serve::serve(listener, options) => result.map_err(CliError::Serve)?,
            // SIGINT, SIGTERM and SIGHUP alike (`crate::signals`): a
            // simulator sent SIGTERM by a script used to run on.
            _ = stop_requested() => {}
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// Returns once a stopping signal has arrived.
async fn stop_requested() {
    let mut poll = tokio::time::interval(std::time::Duration::from_millis(50));
    while !crate::signals::stop_requested() {
        poll.tick().await;
    }
}
