//! The command line: argument definitions and dispatch. Each command lives
//! in its own module and returns an exit code; errors are one line on stderr.
//!
//! Exit codes: 0 success, 1 `check` found the requirements unmet, 2 bad
//! usage or input (a config, a file or URL given), 3 a run-time failure
//! (terminal, runtime, socket, standard output); docs/failures.md.

mod baseline_cmd;
mod check;
mod config_cmd;
mod doctor;
mod headless;
mod help;
mod live_args;
mod manual;
mod report;
mod rules_cmd;
mod serve_cmd;
mod simulate;
mod tui_cmd;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "runtop",
    version,
    about = "Watch workflow-runner executions live, and report on them.",
    after_help = help::TOP
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Write a diagnostic trail (reconnects, dropped frames, webhook
    /// failures, clock skew, alert transitions) to this file, created 0600;
    /// its level is RUNTOP_LOG (info by default).
    #[arg(long, global = true, value_name = "FILE")]
    log_file: Option<std::path::PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The terminal UI on a simulated runner started in-process.
    #[command(after_help = help::DEMO)]
    Demo(tui_cmd::DemoArgs),
    /// The terminal UI on live runners.
    #[command(after_help = help::WATCH)]
    Watch(tui_cmd::WatchArgs),
    /// The terminal UI on a recording, paced by its timestamps.
    #[command(after_help = help::REPLAY)]
    Replay(tui_cmd::ReplayArgs),
    /// Report on a recorded NDJSON log, or on live runners for a while.
    #[command(after_help = help::REPORT)]
    Report(report::ReportArgs),
    /// The CI gate: report, judge, export; exit 0 when requirements are met, 1 when not.
    #[command(after_help = help::CHECK)]
    Check(check::CheckArgs),
    /// Run a simulated runner: serve its events over WebSocket, or write them.
    #[command(after_help = help::SIMULATE)]
    Simulate(simulate::SimulateArgs),
    /// Run headless as a daemon: /metrics for Prometheus, the report as JSON.
    #[command(after_help = help::SERVE)]
    Serve(serve_cmd::ServeArgs),
    /// Export runtop's alert rules for Prometheus.
    #[command(subcommand, after_help = help::RULES)]
    Rules(rules_cmd::RulesCommand),
    /// Write, show or locate the configuration.
    #[command(subcommand, after_help = help::CONFIG)]
    Config(config_cmd::ConfigCommand),
    /// Save a baseline to compare later runs with (`--baseline FILE`).
    #[command(subcommand, after_help = help::BASELINE)]
    Baseline(baseline_cmd::BaselineCommand),
    /// Check the config, each runner's connection, the alert sinks and the
    /// terminal, and say what is wrong and how to fix it.
    #[command(after_help = help::DOCTOR)]
    Doctor(doctor::DoctorArgs),
    /// Print a completion script for a shell.
    #[command(after_help = help::COMPLETIONS)]
    Completions(manual::CompletionsArgs),
    /// Print runtop's manual page, or one command's, or write them all.
    #[command(after_help = help::MAN)]
    Man(manual::ManArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Json,
    Text,
}

/// A command's failure, said in one line. Its exit code tells a script
/// which kind it was: 2 for what the caller can fix (usage, a config, a file
/// or URL given), 3 for what failed around runtop at run time (the terminal,
/// the async runtime, a socket, standard output).
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error("invalid config: {0}")]
    Config(#[from] crate::config::ConfigError),
    #[error("invalid config: {0}")]
    Keys(#[from] crate::tui::keys::KeyError),
    #[error(transparent)]
    Endpoint(#[from] crate::source::live::EndpointError),
    #[error(transparent)]
    Baseline(#[from] crate::analytics::baseline::BaselineError),
    #[error(transparent)]
    Notify(#[from] crate::alerts::notify::NotifyError),
    #[error(transparent)]
    Record(#[from] crate::source::record::RecordError),
    #[error("cannot read {source_name}: {error}")]
    Read {
        source_name: String,
        error: io::Error,
    },
    #[error("cannot write {}: {error}", path.display())]
    WriteFile {
        path: std::path::PathBuf,
        error: io::Error,
    },
    #[error("cannot write output: {0}")]
    Output(io::Error),
    #[error("cannot start the runtime: {0}")]
    Runtime(io::Error),
    #[error("cannot use this terminal: {0}")]
    Terminal(io::Error),
    #[error("cannot listen on {addr}: {error}")]
    Listen { addr: String, error: io::Error },
    #[error("serving failed: {0}")]
    Serve(io::Error),
}

impl CliError {
    /// 2: bad usage or input; 3: a run-time failure ([`CliError`]).
    pub fn exit_code(&self) -> u8 {
        use crate::alerts::notify::NotifyError;
        match self {
            CliError::Output(_)
            | CliError::Runtime(_)
            | CliError::Terminal(_)
            | CliError::Listen { .. }
            | CliError::Serve(_)
            | CliError::Notify(NotifyError::Thread(_)) => 3,
            _ => 2,
        }
    }
}

/// Parses the arguments and runs the command.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    let Some(command) = cli.command else {
        eprint!("{}", help::START);
        return ExitCode::from(2);
    };
    let owns_terminal = matches!(
        command,
        Command::Demo(_) | Command::Watch(_) | Command::Replay(_)
    );
    if let Err(e) = crate::diagnostics::init(cli.log_file.as_deref(), owns_terminal) {
        eprintln!("runtop: {e}");
        return ExitCode::from(2);
    }
    if let Err(e) = crate::signals::install() {
        eprintln!("runtop: warning: cannot handle signals: {e}");
    }
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "runtop starting");
    let result = match command {
        Command::Demo(args) => tui_cmd::demo(&args),
        Command::Watch(args) => tui_cmd::watch(&args),
        Command::Replay(args) => tui_cmd::replay(&args),
        Command::Report(args) => report::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Simulate(args) => simulate::run(&args),
        Command::Serve(args) => serve_cmd::run(&args),
        Command::Rules(command) => rules_cmd::run(&command),
        Command::Config(command) => config_cmd::run(&command),
        Command::Baseline(command) => baseline_cmd::run(&command),
        Command::Doctor(args) => doctor::run(&args),
        Command::Completions(args) => manual::completions(&args),
        Command::Man(args) => manual::man(&args),
    };
    if let Some(signal) = crate::signals::received() {
        tracing::info!(signal = signal.name, "stopped by a signal");
    }
    match result {
        Ok(code) => code,
        Err(e) => {
            tracing::error!(error = %e, "runtop failed");
            eprintln!("runtop: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// "--a, --b apply" or "--a applies": the start of a refusal of flags that
/// would do nothing.
fn flags_apply(flags: &[&str]) -> String {
    let verb = if flags.len() == 1 { "applies" } else { "apply" };
    format!("{} {verb}", flags.join(", "))
}

/// Writes `text` to stdout; a closed pipe (`runtop report … | head`) is not
/// an error.
fn print(text: &str) -> Result<(), CliError> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(CliError::Output(e)),
        _ => Ok(()),
    }
}
