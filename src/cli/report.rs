//! `runtop report SOURCE…`: stream a recorded log, or collect from live
//! runners for a while, through the engine and print the report.

use std::process::ExitCode;

use super::analysis::{SettingsArgs, SourceArgs, analyse};
use super::{CliError, Format, print};
use crate::report::render_text;

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    #[command(flatten)]
    source: SourceArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    format: Format,
    #[command(flatten)]
    settings: SettingsArgs,
}

pub(super) fn run(args: &ReportArgs) -> Result<ExitCode, CliError> {
    let report = analyse(&args.source, &args.settings)?.report;
    let mut text = match args.format {
        Format::Json => report.to_json(),
        Format::Text => render_text(&report),
    };
    if !text.ends_with('\n') {
        text.push('\n');
    }
    print(&text)?;
    // Live runners that never delivered an event: the report is printed
    // (nothing is lost), but this is no success.
    if !report.sources.is_empty() && report.events.accepted == 0 {
        eprintln!("runtop: no events accepted from any source");
        for state in report.source_states() {
            eprintln!("runtop:   {state}");
        }
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}
