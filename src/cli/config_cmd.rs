//! `runtop config init|show|path`.

use std::path::PathBuf;
use std::process::ExitCode;

use super::headless::ConfigArgs;
use super::{CliError, print};
use crate::config::{self, TEMPLATE};

#[derive(Debug, clap::Subcommand)]
pub enum ConfigCommand {
    /// Write a commented default config file (never overwrites one).
    #[command(after_help = super::help::CONFIG)]
    Init {
        /// Where to write it, instead of the platform's config path.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Print the effective config, and where each value came from.
    #[command(after_help = super::help::CONFIG)]
    Show {
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Print the platform's config file path.
    #[command(after_help = super::help::CONFIG)]
    Path,
}

fn platform_path() -> Result<PathBuf, CliError> {
    config::default_path().ok_or_else(|| {
        CliError::Usage("this platform has no config directory; use --config FILE".into())
    })
}

pub(super) fn run(command: &ConfigCommand) -> Result<ExitCode, CliError> {
    match command {
        ConfigCommand::Path => print(&format!("{}\n", platform_path()?.display()))?,
        ConfigCommand::Show { config } => print(&config::show(&config.load()?))?,
        ConfigCommand::Init { config } => {
            let path = match config {
                Some(p) => p.clone(),
                None => platform_path()?,
            };
            if path.exists() {
                return Err(CliError::Usage(format!(
                    "{} already exists; not overwriting it",
                    path.display()
                )));
            }
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|error| CliError::WriteFile {
                    path: dir.to_path_buf(),
                    error,
                })?;
            }
            // create_new: even a file appearing meanwhile is not overwritten.
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
                .and_then(|mut f| std::io::Write::write_all(&mut f, TEMPLATE.as_bytes()))
                .map_err(|error| CliError::WriteFile {
                    path: path.to_path_buf(),
                    error,
                })?;
            print(&format!("wrote {}\n", path.display()))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
