//! The options every live command shares: how to reach runners (headers,
//! subscription, TLS, limits), and recording what they send.

use std::path::PathBuf;
use std::time::Duration;

use super::CliError;
use crate::config::SourcesConfig;
use crate::source::live::{
    DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_FRAME_BYTES, DEFAULT_MAX_MESSAGE_BYTES, Endpoint, Header,
    LinkOptions, tls_config,
};
use crate::source::record::Recorder;

#[derive(Debug, Clone, clap::Args)]
pub struct LiveArgs {
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// Silence (not even a pong) before a connection is dropped and
    /// redialled: 30, 30s, 2m (from 0.5s to 1h).
    #[arg(long, default_value = "30s", value_name = "DURATION", value_parser = idle_timeout)]
    idle_timeout: Duration,
    /// Append every received event to this NDJSON file (created mode 0600).
    #[arg(long, value_name = "FILE")]
    record: Option<PathBuf>,
}

/// How runners are reached.
#[derive(Debug, Clone, clap::Args)]
pub struct ConnectArgs {
    /// A handshake header, `Name: value` (repeatable). Values are never shown.
    #[arg(long = "header", value_name = "NAME: VALUE")]
    headers: Vec<String>,
    /// A handshake header whose value comes from an environment variable,
    /// `Name=VAR` (repeatable).
    #[arg(long = "header-env", value_name = "NAME=VAR")]
    header_envs: Vec<String>,
    /// A message to send after each connect, e.g.
    /// '{"action":"subscribe","topics":["executions"]}'.
    #[arg(long, value_name = "JSON")]
    subscribe: Option<String>,
    /// A PEM file of CA certificates to trust for wss://, besides the system's.
    #[arg(long, value_name = "FILE")]
    ca_cert: Option<PathBuf>,
    /// Largest message accepted, in bytes; a larger one is counted and the
    /// connection redialled.
    #[arg(long, default_value_t = DEFAULT_MAX_MESSAGE_BYTES, value_name = "BYTES")]
    max_message: usize,
    /// Largest WebSocket frame accepted, in bytes.
    #[arg(long, default_value_t = DEFAULT_MAX_FRAME_BYTES, value_name = "BYTES")]
    max_frame: usize,
}

fn idle_timeout(text: &str) -> Result<Duration, crate::units::DurationError> {
    crate::units::parse_duration(text, Duration::from_millis(500), Duration::from_secs(3_600))
}

impl LiveArgs {
    /// The flags given a value other than their default: a command that
    /// reads a file refuses them, as they would do nothing there.
    pub fn given(&self) -> Vec<&'static str> {
        let c = &self.connect;
        [
            ("--header", !c.headers.is_empty()),
            ("--header-env", !c.header_envs.is_empty()),
            ("--subscribe", c.subscribe.is_some()),
            ("--ca-cert", c.ca_cert.is_some()),
            ("--max-message", c.max_message != DEFAULT_MAX_MESSAGE_BYTES),
            ("--max-frame", c.max_frame != DEFAULT_MAX_FRAME_BYTES),
            ("--idle-timeout", self.idle_timeout != DEFAULT_IDLE_TIMEOUT),
            ("--record", self.record.is_some()),
        ]
        .into_iter()
        .filter_map(|(flag, given)| given.then_some(flag))
        .collect()
    }

    /// [`ConnectArgs::resolve`], and the recording opened.
    pub fn resolve(
        &self,
        urls: &[String],
        config: &SourcesConfig,
    ) -> Result<(Vec<Endpoint>, LinkOptions, Option<Recorder>), CliError> {
        let (endpoints, options) = self.connect.resolve(urls, config, self.idle_timeout)?;
        let recorder = self
            .record
            .as_deref()
            .map(Recorder::create)
            .transpose()
            .map_err(CliError::from)?;
        Ok((endpoints, options, recorder))
    }
}

impl ConnectArgs {
    /// Checks the URLs and options, before anything connects; `config`
    /// supplies headers and the subscribe message the flags do not. A link
    /// silent for `idle_timeout` is dropped.
    pub fn resolve(
        &self,
        urls: &[String],
        config: &SourcesConfig,
        idle_timeout: Duration,
    ) -> Result<(Vec<Endpoint>, LinkOptions), CliError> {
        let endpoints = urls
            .iter()
            .map(|u| Endpoint::parse(u))
            .collect::<Result<Vec<_>, _>>()
            .map_err(CliError::from)?;
        let mut headers = self
            .headers
            .iter()
            .map(|h| Header::parse(h))
            .collect::<Result<Vec<_>, _>>()
            .map_err(CliError::from)?;
        let from_config = config
            .headers_env
            .iter()
            .map(|(name, var)| format!("{name}={var}"));
        for spec in self.header_envs.iter().cloned().chain(from_config) {
            headers.push(
                Header::from_env(&spec, |var| std::env::var(var).ok()).map_err(CliError::from)?,
            );
        }
        let subscribe = self.subscribe.clone().or_else(|| config.subscribe.clone());
        if let Some(s) = &subscribe
            && serde_json::from_str::<serde_json::Value>(s).is_err()
        {
            // Not echoed: a subscribe message can carry a token.
            return Err(CliError::Usage("--subscribe is not valid JSON".into()));
        }
        if self.max_message == 0 || self.max_frame == 0 {
            return Err(CliError::Usage(
                "--max-message and --max-frame must be positive".into(),
            ));
        }
        let tls = tls_config(self.ca_cert.as_deref()).map_err(CliError::from)?;
        let options = LinkOptions {
            headers,
            subscribe,
            tls,
            max_message_bytes: self.max_message,
            max_frame_bytes: self.max_frame.min(self.max_message),
            idle_timeout,
            // Ping well inside the idle timeout, so a quiet but healthy
            // runner is heard from (its pongs) before it counts as stalled.
            ping_every: (idle_timeout / 3).min(Duration::from_secs(10)),
            connect_timeout: Duration::from_secs(10),
        };
        Ok((endpoints, options))
    }
}
