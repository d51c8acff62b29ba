//! `runtop check SOURCE…`: the CI gate. Builds the report, judges it
//! (`report::verdict`), prints a one-screen verdict, writes the JSON export,
//! and exits 0 when the requirements are met, 1 when not, 2 on a usage or
//! input error.

use std::path::PathBuf;
use std::process::ExitCode;

use super::headless::{Analysis, SettingsArgs, SourceArgs, analyse};
use super::{CliError, print};
use crate::report::verdict::{judge, render};

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    source: SourceArgs,
    /// Write the verdict as JSON to this file (created mode 0600).
    #[arg(long, value_name = "FILE")]
    export: Option<PathBuf>,
    /// Pass when no event was accepted (no data is otherwise a failed
    /// validation: a gate must not pass on nothing).
    #[arg(long)]
    allow_empty: bool,
    #[command(flatten)]
    settings: SettingsArgs,
}

pub(super) fn run(args: &CheckArgs) -> Result<ExitCode, CliError> {
    let profile = args
        .settings
        .load()?
        .profile
        .unwrap_or_else(|| "default".into());
    let analysis = analyse(&args.source, &args.settings)?;
    let verdict = judge(
        &analysis.report,
        &analysis.monitor.engine,
        analysis.config.baseline.min_samples,
        profile,
        args.allow_empty,
    );
    if let Some(path) = &args.export {
        let json = serde_json::to_string_pretty(&verdict).expect("verdicts serialize");
        crate::files::write_private(path, (json + "\n").as_bytes()).map_err(|error| {
            CliError::WriteFile {
                path: path.clone(),
                error,
            }
        })?;
    }
    print(&render(&verdict))?;
    // Runners that delivered nothing are the verdict's failure here (exit 1,
    // said in its last line), not a failure of the command.
    let analysis = Analysis {
        no_data: None,
        ..analysis
    };
    let code = analysis.exit_code(if verdict.meets_requirements {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    });
    // As `report`: the process ends, nothing to free one by one.
    std::mem::forget(analysis);
    Ok(code)
}
