//! `runtop report SOURCE`: stream a recorded log through the engine and
//! print the report.

use std::process::ExitCode;

use super::{CliError, Format, ReportArgs, print};
use crate::engine::{Engine, EngineConfig};
use crate::protocol::time::wall_clock_now;
use crate::report::{Report, render_text};
use crate::source::ndjson;

pub(super) fn run(args: &ReportArgs) -> Result<ExitCode, CliError> {
    let read_error = |error| CliError::Read {
        source_name: display_name(&args.source),
        error,
    };
    let reader = ndjson::open(&args.source).map_err(read_error)?;
    let mut engine = Engine::new(EngineConfig::replay());
    // A file's events were received when they were recorded; the only use of
    // the wall clock here is to reject timestamps far in its future.
    let now = wall_clock_now();
    ndjson::feed_all(reader, &mut engine, now, args.max_line_bytes as usize).map_err(read_error)?;
    let report = Report::build(&engine, &args.source);
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

fn display_name(source: &str) -> String {
    if source == "-" {
        "standard input".into()
    } else {
        format!("'{source}'")
    }
}
