//! `runtop rules export`: runtop's judgement as Prometheus alerting rules
//! for a fleet (src/fleet/rules.rs).

use std::process::ExitCode;

use super::headless::ConfigArgs;
use super::{CliError, print};

#[derive(Debug, clap::Subcommand)]
pub enum RulesCommand {
    /// Print Prometheus alerting rules (YAML) equivalent to the configured
    /// stage_p95 and error_rate rules, over the metrics of `runtop serve`.
    #[command(after_help = super::help::RULES)]
    Export {
        #[command(flatten)]
        config: ConfigArgs,
    },
}

pub(super) fn run(command: &RulesCommand) -> Result<ExitCode, CliError> {
    match command {
        RulesCommand::Export { config } => {
            let config = config.load()?.config;
            print(&crate::fleet::rules::export(&config))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
