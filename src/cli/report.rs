//! `runtop report SOURCE…`: stream a recorded log, or collect from live
//! runners for a while, through the engine and print the report.

use std::process::ExitCode;

use super::headless::{SettingsArgs, SourceArgs, analyse};
use super::{CliError, Format, print};
use crate::analytics::rankings::RankBy;
use crate::report::render_text;

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    #[command(flatten)]
    source: SourceArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    format: Format,
    /// Order the rankings of stages, tasks, projects and nodes by this.
    #[arg(long, value_enum, value_name = "BY", default_value_t = RankBy::P95)]
    rank: RankBy,
    #[command(flatten)]
    settings: SettingsArgs,
}

pub(super) fn run(args: &ReportArgs) -> Result<ExitCode, CliError> {
    let mut analysis = analyse(&args.source, &args.settings)?;
    analysis.report.rank_by(args.rank);
    let report = &analysis.report;
    let mut text = match args.format {
        Format::Json => report.to_json(),
        Format::Text => render_text(report),
    };
    if !text.ends_with('\n') {
        text.push('\n');
    }
    print(&text)?;
    let code = analysis.exit_code(ExitCode::SUCCESS);
    // The process ends here: freeing every execution and histogram one by
    // one would be the last 2 % of a large report's time, for nothing.
    std::mem::forget(analysis);
    Ok(code)
}
