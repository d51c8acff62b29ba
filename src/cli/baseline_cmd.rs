//! `runtop baseline save SOURCE FILE`: establish a baseline from a recorded
//! log (or live runners, for a while) and save it for `--baseline FILE`.

use std::path::PathBuf;
use std::process::ExitCode;

use super::headless::{ConfigArgs, SettingsArgs, SourceOptions, analyse_sources};
use super::{CliError, print};
use crate::analytics::baseline::{Baseline, samples};
use crate::protocol::time::wall_clock_now;

#[derive(Debug, clap::Subcommand)]
pub enum BaselineCommand {
    /// Compute a baseline from SOURCE and write it to FILE.
    #[command(after_help = super::help::BASELINE)]
    Save {
        /// An NDJSON file, `-`, or a ws:// URL.
        source: String,
        /// Where to write the baseline (JSON).
        file: PathBuf,
        #[command(flatten)]
        options: SourceOptions,
        #[command(flatten)]
        config: ConfigArgs,
    },
}

pub(super) fn run(command: &BaselineCommand) -> Result<ExitCode, CliError> {
    let BaselineCommand::Save {
        source,
        file,
        options,
        config,
    } = command;
    // No alert goes anywhere and nothing is compared: a baseline is taken.
    let settings = SettingsArgs::of_config(config);
    let analysis = analyse_sources(std::slice::from_ref(source), options, &settings)?;
    let baseline = Baseline::from_samples(
        &samples(&analysis.monitor.engine),
        source,
        wall_clock_now(),
        analysis.config.baseline.min_samples,
    );
    if baseline.stages.is_empty() {
        return Err(CliError::Usage(format!(
            "{source} has no finished stage to take a baseline from"
        )));
    }
    baseline.save(file).map_err(CliError::from)?;
    let mut text = format!(
        "saved baseline {} (min samples {})\n",
        file.display(),
        baseline.min_samples
    );
    for (stage, e) in &baseline.stages {
        let state = if e.established {
            "established"
        } else {
            "not yet established"
        };
        let ms = crate::units::human_ms;
        text.push_str(&format!(
            "  {stage:<14} n = {:<6} p50 {} [{}–{}]  p95 {} [{}–{}]  {state}\n",
            e.count,
            ms(e.p50),
            ms(e.p50_low),
            ms(e.p50_high),
            ms(e.p95),
            ms(e.p95_low),
            ms(e.p95_high)
        ));
    }
    print(&text)?;
    Ok(ExitCode::SUCCESS)
}
