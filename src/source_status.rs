//! The state of each live source, as an operator would want it told: what
//! the links write, and the monitor, the alert rules, reports and screens
//! read. At the bottom, so that none of those depends on the live source.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::Serialize;

/// Why a connection attempt failed or a connection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    Dns(String),
    Refused,
    TimedOut,
    Tls(String),
    /// HTTP 401 or 403 on the handshake.
    Unauthorized(u16),
    /// Another HTTP status on the handshake.
    Http(u16),
    Handshake(String),
    /// The runner closed the connection.
    Closed,
    /// The connection broke.
    Dropped(String),
    /// No data (not even a pong) for the idle timeout.
    Stalled(Duration),
    /// A message over the size limit.
    Oversized(usize),
    /// A text message that was not UTF-8.
    InvalidUtf8,
}

impl Failure {
    /// A stable name, for counting failures by kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Failure::Dns(_) => "dns",
            Failure::Refused => "refused",
            Failure::TimedOut => "timed_out",
            Failure::Tls(_) => "tls",
            Failure::Unauthorized(_) => "unauthorized",
            Failure::Http(_) => "http",
            Failure::Handshake(_) => "handshake",
            Failure::Closed => "closed",
            Failure::Dropped(_) => "dropped",
            Failure::Stalled(_) => "stalled",
            Failure::Oversized(_) => "oversized",
            Failure::InvalidUtf8 => "invalid_utf8",
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Dns(e) => write!(f, "DNS lookup failed: {e}"),
            Failure::Refused => f.write_str("connection refused"),
            Failure::TimedOut => f.write_str("connection timed out"),
            Failure::Tls(e) => write!(f, "TLS failed: {e}"),
            Failure::Unauthorized(code) => {
                write!(f, "HTTP {code}: not authorized (check --header)")
            }
            Failure::Http(code) => write!(f, "HTTP {code} on the handshake"),
            Failure::Handshake(e) => write!(f, "WebSocket handshake failed: {e}"),
            Failure::Closed => f.write_str("closed by the runner"),
            Failure::Dropped(e) => write!(f, "connection lost: {e}"),
            Failure::Stalled(d) => write!(f, "no data for {} s", d.as_secs()),
            Failure::Oversized(limit) => write!(f, "message over the {limit}-byte limit"),
            Failure::InvalidUtf8 => f.write_str("text message that is not UTF-8"),
        }
    }
}

/// Where a link is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkState {
    Connecting,
    Connected,
    /// Waiting `retry_in` before redialling, after `failure`.
    Waiting {
        failure: Failure,
        retry_in: Duration,
    },
}

impl fmt::Display for LinkState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkState::Connecting => f.write_str("connecting"),
            LinkState::Connected => f.write_str("connected"),
            LinkState::Waiting { failure, retry_in } => {
                write!(f, "{failure}; retrying in {:.1} s", retry_in.as_secs_f64())
            }
        }
    }
}

/// One source's history, for the report and the screen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceStatus {
    /// The URL, without secrets.
    pub url: String,
    /// The current state, in words.
    pub state: String,
    pub connected: bool,
    /// Successful connections.
    pub connects: u64,
    /// Connections made again after one was lost.
    pub reconnects: u64,
    pub failures: BTreeMap<&'static str, u64>,
    pub last_failure: Option<String>,
    pub frames: u64,
    pub binary_frames: u64,
    /// The runner's clock against runtop's: receive time − `ts`, the median
    /// of its recent events, in ms (positive: its clock is behind).
    pub clock_offset_ms: Option<i64>,
    /// When it last stopped being connected (wall clock, ms); `None` while
    /// connected.
    #[serde(skip)]
    pub down_since: Option<crate::protocol::Millis>,
    /// When it dials again, while waiting to (wall clock, ms).
    #[serde(skip)]
    pub retry_at: Option<crate::protocol::Millis>,
}

impl SourceStatus {
    /// A source not yet connected, as of `now` (wall clock, ms).
    pub fn new(url: String, now: crate::protocol::Millis) -> Self {
        SourceStatus {
            url,
            state: LinkState::Connecting.to_string(),
            connected: false,
            connects: 0,
            reconnects: 0,
            failures: BTreeMap::new(),
            last_failure: None,
            frames: 0,
            binary_frames: 0,
            clock_offset_ms: None,
            down_since: Some(now),
            retry_at: None,
        }
    }

    /// Lost (or never reached) after a failure: not merely connecting for
    /// the first time. The screen's banner and stale executions read it.
    pub fn is_down(&self) -> bool {
        !self.connected && self.last_failure.is_some()
    }

    pub fn update(&mut self, state: &LinkState, now: crate::protocol::Millis) {
        self.state = state.to_string();
        self.retry_at = match state {
            LinkState::Waiting { retry_in, .. } => Some(now + retry_in.as_millis() as i64),
            _ => None,
        };
        self.connected = *state == LinkState::Connected;
        self.down_since = match (self.connected, self.down_since) {
            (true, _) => None,
            (false, None) => Some(now),
            (false, since) => since,
        };
        match state {
            LinkState::Connected => {
                self.connects += 1;
                self.reconnects = self.connects - 1;
            }
            LinkState::Waiting { failure, .. } => {
                *self.failures.entry(failure.kind()).or_default() += 1;
                self.last_failure = Some(failure.to_string());
            }
            LinkState::Connecting => {}
        }
    }
}
