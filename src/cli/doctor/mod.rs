//! `runtop doctor`: what operators run first when nothing shows up. It
//! checks, in the order a problem would hide the next one, the
//! configuration, each runner (DNS, TCP, TLS, the WebSocket handshake, a
//! first event, its clock), the alert sinks and the terminal, and says for
//! each what is wrong and how to fix it.
//!
//! Each check is a [`Finding`]; this module runs them and prints them, the
//! checks themselves live in `runner.rs`, `sinks.rs` and `terminal.rs`.

mod runner;
mod sinks;
mod terminal;

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use super::headless::{AlertArgs, ConfigArgs};
use super::live_args::ConnectArgs;
use super::{CliError, print};

#[derive(Debug, clap::Args)]
pub struct DoctorArgs {
    /// ws:// or wss:// URLs of runners (default: the config's sources.urls).
    urls: Vec<String>,
    /// How long to wait for each runner's first event.
    #[arg(long, default_value = "10s", value_name = "DURATION", value_parser = wait)]
    wait: Duration,
    /// Send a test notification to each alert sink (a webhook message, an
    /// Alertmanager alert that resolves by itself in five minutes).
    #[arg(long)]
    send_test: bool,
    #[command(flatten)]
    connect: ConnectArgs,
    #[command(flatten)]
    config: ConfigArgs,
    #[command(flatten)]
    alerts: AlertArgs,
}

fn wait(text: &str) -> Result<Duration, crate::units::DurationError> {
    crate::units::parse_duration(text, Duration::from_millis(100), Duration::from_secs(600))
}

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    /// Not applicable here (TLS for ws://), or not run because an earlier
    /// step failed.
    Skipped,
    /// Works, but something is likely to surprise.
    Warn,
    /// Broken.
    Fail,
}

impl Status {
    fn label(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Skipped => "-",
            Status::Warn => "warn",
            Status::Fail => "FAIL",
        }
    }
}

/// One check's outcome: what was found, and how to fix it when it is wrong.
#[derive(Debug, Clone)]
pub struct Finding {
    pub check: &'static str,
    pub status: Status,
    pub said: String,
    pub fix: Option<String>,
}

/// The findings about one thing (the config, a runner, the sinks, the
/// terminal).
#[derive(Debug, Default)]
pub struct Section {
    pub title: String,
    pub findings: Vec<Finding>,
}

impl Section {
    pub fn new(title: impl Into<String>) -> Self {
        Section {
            title: title.into(),
            findings: Vec::new(),
        }
    }

    pub fn ok(&mut self, check: &'static str, said: impl Into<String>) {
        self.push(check, Status::Ok, said, None);
    }

    pub fn skipped(&mut self, check: &'static str, said: impl Into<String>) {
        self.push(check, Status::Skipped, said, None);
    }

    pub fn warn(&mut self, check: &'static str, said: impl Into<String>, fix: impl Into<String>) {
        self.push(check, Status::Warn, said, Some(fix.into()));
    }

    pub fn fail(&mut self, check: &'static str, said: impl Into<String>, fix: impl Into<String>) {
        self.push(check, Status::Fail, said, Some(fix.into()));
    }

    fn push(
        &mut self,
        check: &'static str,
        status: Status,
        said: impl Into<String>,
        fix: Option<String>,
    ) {
        self.findings.push(Finding {
            check,
            status,
            said: said.into(),
            fix,
        });
    }
}

pub(super) fn run(args: &DoctorArgs) -> Result<ExitCode, CliError> {
    let mut sections = Vec::new();
    let mut config_section = Section::new("config");
    let config = match args.config.load() {
        Ok(loaded) => {
            let profile = loaded.profile.as_deref().unwrap_or("default");
            match &loaded.path {
                Some(path) => config_section.ok(
                    "file",
                    format!("{} (profile {profile})", path.display()),
                ),
                None => config_section.ok(
                    "file",
                    format!("none: built-in defaults (profile {profile}); `runtop config init` writes one to edit"),
                ),
            }
            Some(loaded.config)
        }
        Err(e) => {
            config_section.fail(
                "file",
                e.to_string(),
                "fix the setting named, or see what runtop reads with `runtop config show`",
            );
            None
        }
    };
    let config_read = config.is_some();
    let config = config.unwrap_or_default();
    let urls = if args.urls.is_empty() {
        config.sources.urls.clone()
    } else {
        args.urls.clone()
    };
    if urls.is_empty() && config_read {
        config_section.warn(
            "sources",
            "no runner given, and none in the config's sources.urls",
            "give a URL (runtop doctor ws://HOST:PORT/PATH) or set sources.urls with `runtop config init`",
        );
    }
    sections.push(config_section);
    // Its own `--wait` bounds each read: the idle timeout plays no part.
    let idle = crate::source::live::DEFAULT_IDLE_TIMEOUT;
    match args.connect.resolve(&urls, &config.sources, idle) {
        Ok((endpoints, options)) => {
            let skew = Duration::from_secs_f64(config.alerts.clock_skew.warning_secs.max(0.0));
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(CliError::Runtime)?;
            for endpoint in &endpoints {
                sections.push(runtime.block_on(runner::check(endpoint, &options, args.wait, skew)));
            }
        }
        Err(e) => {
            let mut section = Section::new("runners");
            section.fail(
                "options",
                e.to_string(),
                "a URL looks like ws://HOST:PORT/PATH or wss://…; headers like 'Name: value'",
            );
            sections.push(section);
        }
    }
    sections.push(sinks::check(&args.alerts, args.send_test));
    sections.push(terminal::check());
    print(&render(&sections))?;
    let failed = sections
        .iter()
        .flat_map(|s| &s.findings)
        .any(|f| f.status == Status::Fail);
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The findings as the operator reads them: a section per thing, a line
/// per check, the fix under what is wrong, and a count at the end.
pub fn render(sections: &[Section]) -> String {
    let mut out = String::new();
    let (mut problems, mut warnings) = (0, 0);
    for section in sections {
        let _ = writeln!(out, "{}", section.title);
        for f in &section.findings {
            let _ = writeln!(out, "  {:<5} {:<12} {}", f.status.label(), f.check, f.said);
            if let Some(fix) = &f.fix {
                let _ = writeln!(out, "  {:<5} {:<12} fix: {fix}", "", "");
            }
            problems += usize::from(f.status == Status::Fail);
            warnings += usize::from(f.status == Status::Warn);
        }
    }
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let _ = match (problems, warnings) {
        (0, 0) => writeln!(out, "nothing wrong found"),
        _ => writeln!(
            out,
            "{}, {}",
            plural(problems, "problem", "problems"),
            plural(warnings, "warning", "warnings")
        ),
    };
    out
}

/// `text` from the network or an error made of it, safe to print: no
/// control characters or escape sequences, at most a line's worth.
pub fn clean(text: &str) -> String {
    crate::protocol::sanitize::sanitize(text.into(), 300).into_owned()
}
