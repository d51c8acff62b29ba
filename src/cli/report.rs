//! `runtop report SOURCE…`: stream a recorded log, or collect from live
//! runners for a while, through the engine and print the report.

use std::process::ExitCode;
use std::time::Duration;

use super::live_args::LiveArgs;
use super::{CliError, Format, print};
use crate::engine::{Engine, EngineConfig};
use crate::protocol::time::wall_clock_now;
use crate::report::{Report, render_text};
use crate::source::live::{self, LiveSink, StopWhen};
use crate::source::ndjson::{self, DEFAULT_MAX_LINE_BYTES};

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// An NDJSON file, `-` for standard input, or one or more ws:// or
    /// wss:// URLs of runners.
    #[arg(required = true, value_name = "SOURCE")]
    sources: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    format: Format,
    /// Longest line accepted from a file, in bytes; longer lines are counted
    /// as oversized and skipped.
    #[arg(long, default_value_t = DEFAULT_MAX_LINE_BYTES as u64, value_parser = clap::value_parser!(u64).range(64..=(1 << 30)))]
    max_line_bytes: u64,
    /// Live: stop collecting after this many seconds.
    #[arg(long = "for", value_name = "SECS")]
    for_secs: Option<f64>,
    /// Live: stop collecting after this many events.
    #[arg(long, value_name = "N")]
    events: Option<u64>,
    #[command(flatten)]
    live: LiveArgs,
}

pub(super) fn run(args: &ReportArgs) -> Result<ExitCode, CliError> {
    // Anything written as a URL is one, so that `http://…` is told it is not
    // ws:// rather than that no such file exists.
    let is_url = |s: &String| s.contains("://");
    let report = if args.sources.iter().any(is_url) {
        if !args.sources.iter().all(is_url) {
            return Err(CliError::Usage(
                "give either one file or ws:// and wss:// URLs, not both".into(),
            ));
        }
        report_live(args)?
    } else {
        let [source] = args.sources.as_slice() else {
            return Err(CliError::Usage("give one file at a time (or URLs)".into()));
        };
        report_file(source, args)?
    };
    let mut text = match args.format {
        Format::Json => report.to_json(),
        Format::Text => render_text(&report),
    };
    if !text.ends_with('\n') {
        text.push('\n');
    }
    print(&text)?;
    Ok(ExitCode::SUCCESS)
}

fn report_file(source: &str, args: &ReportArgs) -> Result<Report, CliError> {
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
    let mut engine = Engine::new(EngineConfig::replay());
    // A file's events were received when they were recorded; the only use of
    // the wall clock here is to reject timestamps far in its future.
    let now = wall_clock_now();
    ndjson::feed_all(reader, &mut engine, now, args.max_line_bytes as usize).map_err(read_error)?;
    Ok(Report::build(&engine, source))
}

fn report_live(args: &ReportArgs) -> Result<Report, CliError> {
    let after = match args.for_secs {
        Some(s) if !(s > 0.0 && s.is_finite()) => {
            return Err(CliError::Usage(
                "--for must be a positive number of seconds".into(),
            ));
        }
        Some(s) => Some(Duration::from_secs_f64(s)),
        None => None,
    };
    let (endpoints, options, recorder) = args.live.resolve(&args.sources)?;
    let mut engine = Engine::new(EngineConfig::live());
    let sink = LiveSink::new(&endpoints, recorder);
    let stop = StopWhen {
        after,
        events: args.events,
    };
    let sink =
        live::collect(&endpoints, &options, stop, &mut engine, sink).map_err(CliError::Usage)?;
    let source = endpoints
        .iter()
        .map(|e| e.display())
        .collect::<Vec<_>>()
        .join(" ");
    let report = Report::build(&engine, &source).with_sources(sink.statuses.clone());
    sink.finish().map_err(CliError::Usage)?;
    Ok(report)
}
