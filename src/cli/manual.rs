//! `runtop completions SHELL` and `runtop man`: the shell completions and
//! manual pages, generated from the same argument definitions as `--help`
//! (clap_complete, clap_mangen), so they can never disagree with it.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::CommandFactory;
use clap_complete::Shell;

use super::{Cli, CliError, print};

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete runtop's commands and flags in.
    #[arg(value_enum)]
    shell: Shell,
}

#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// The command whose page to print, e.g. `report` or `config show`
    /// (default: runtop's own page).
    #[arg(value_name = "COMMAND")]
    command: Vec<String>,
    /// Write every command's page (runtop.1, runtop-report.1, …) to this
    /// directory instead of printing one.
    #[arg(long, value_name = "DIR", conflicts_with = "command")]
    out: Option<PathBuf>,
}

pub(super) fn completions(args: &CompletionsArgs) -> Result<ExitCode, CliError> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "runtop", &mut script);
    print(&String::from_utf8_lossy(&script))?;
    Ok(ExitCode::SUCCESS)
}

pub(super) fn man(args: &ManArgs) -> Result<ExitCode, CliError> {
    let top = Cli::command().disable_help_subcommand(true);
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir)
            .and_then(|()| clap_mangen::generate_to(top, dir))
            .map_err(|error| CliError::WriteFile {
                path: dir.clone(),
                error,
            })?;
        return Ok(ExitCode::SUCCESS);
    }
    print(&page(top, &args.command)?)?;
    Ok(ExitCode::SUCCESS)
}

/// The roff page of the command at `path` below `top` (`top`'s own for an
/// empty path), named as `generate_to` names its file.
pub fn page(mut top: clap::Command, path: &[String]) -> Result<String, CliError> {
    top.build();
    let mut cmd = top;
    for name in path {
        cmd = cmd
            .find_subcommand(name)
            .cloned()
            .ok_or_else(|| CliError::Usage(format!("no command {name:?}; see runtop --help")))?;
    }
    let mut roff = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut roff)
        .map_err(CliError::Output)?;
    Ok(String::from_utf8_lossy(&roff).into_owned())
}
