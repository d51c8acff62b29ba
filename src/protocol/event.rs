//! The typed, validated form of a protocol-v1 event.
//!
//! Strings borrow from the frame they were decoded from whenever sanitizing
//! left them unchanged, so decoding a healthy stream allocates little. Every
//! string here has already been sanitized (see [`super::sanitize`]).

use std::borrow::Cow;

use std::hash::BuildHasher;

use serde::Serialize;

use super::time::Millis;

/// A sanitized string from the wire.
pub type Text<'a> = Cow<'a, str>;

/// One decoded event: the common fields plus the type-specific body.
#[derive(Debug, Clone, PartialEq)]
pub struct Event<'a> {
    /// When the runner emitted it.
    pub ts: Millis,
    pub correlation_id: Option<Text<'a>>,
    pub project_id: Option<Text<'a>>,
    pub execution_id: Option<Text<'a>>,
    pub task_id: Option<Text<'a>>,
    pub node: Option<Text<'a>>,
    pub event_id: Option<EventId<'a>>,
    pub body: Body<'a>,
}

/// An event's `event_id`, with the keyed 64-bit hash duplicates are told by.
///
/// The hash is taken where the event is built, on the decoder's thread for
/// a file, so the engine's thread neither hashes the id nor reads its bytes
/// (which the decoder's core wrote). The key is random per process, so a
/// sender cannot aim two different ids at the same hash.
#[derive(Debug, Clone)]
pub struct EventId<'a> {
    text: Text<'a>,
    key: u64,
}

impl<'a> EventId<'a> {
    pub fn new(text: Text<'a>) -> Self {
        static KEY: std::sync::OnceLock<foldhash::quality::RandomState> =
            std::sync::OnceLock::new();
        let key = KEY.get_or_init(Default::default).hash_one(&*text);
        EventId { text, key }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The id's keyed hash: equal ids have equal keys within a process.
    pub fn key(&self) -> u64 {
        self.key
    }
}

impl PartialEq for EventId<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Serialize for EventId<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

/// The part of an event that depends on its `type`.
#[derive(Debug, Clone, PartialEq)]
pub enum Body<'a> {
    ExecutionStarted {
        workflow: Option<Text<'a>>,
        variant: Option<Text<'a>>,
    },
    StageStarted(StageStart<'a>),
    StageFinished(StageFinish<'a>),
    ExecutionFinished {
        status: Status,
        duration_ms: Option<f64>,
        autonomous: Option<bool>,
    },
    Metric {
        name: Text<'a>,
        value: f64,
        unit: Option<Text<'a>>,
    },
    ResourceSample {
        cpu_percent: f64,
        memory_mb: f64,
        memory_percent: Option<f64>,
    },
    Log {
        level: LogLevel,
        message: Text<'a>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct StageStart<'a> {
    pub stage: Text<'a>,
    pub depends_on: Vec<Text<'a>>,
    pub attempt: u32,
    pub queue_ms: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StageFinish<'a> {
    pub stage: Text<'a>,
    pub status: Status,
    pub duration_ms: Option<f64>,
    pub attempt: u32,
    pub queue_ms: Option<f64>,
    /// Boxed: most finishes carry none, and every decoded event is as large
    /// as the largest kind (it crosses threads in chunks of them).
    pub error: Option<Box<ErrorInfo<'a>>>,
    pub resources: Option<Resources>,
}

/// How a stage or an execution ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    Failed,
    Timeout,
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Ok,
        Status::Failed,
        Status::Timeout,
        Status::Cancelled,
    ];

    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "ok" => Status::Ok,
            "failed" => Status::Failed,
            "timeout" => Status::Timeout,
            "cancelled" => Status::Cancelled,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Failed => "failed",
            Status::Timeout => "timeout",
            Status::Cancelled => "cancelled",
        }
    }

    /// Position in [`Status::ALL`], for per-status counters.
    pub fn index(self) -> usize {
        self as usize
    }

    /// Failed and timed-out work counts against the error rate; a
    /// cancellation is someone's decision, not an error.
    pub fn is_error(self) -> bool {
        matches!(self, Status::Failed | Status::Timeout)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    Debug,
    Info,
    Warn,
    Error,
}

impl LogLevel {
    /// Accepts the four protocol levels and the common spellings runners
    /// use for them (`trace`, `warning`, `fatal`, `critical`).
    pub fn parse(s: &str) -> Option<LogLevel> {
        // Compared without case rather than lowercased first: no String
        // for every log line.
        const NAMES: [(&str, LogLevel); 8] = [
            ("info", LogLevel::Info),
            ("debug", LogLevel::Debug),
            ("warn", LogLevel::Warn),
            ("error", LogLevel::Error),
            ("trace", LogLevel::Debug),
            ("warning", LogLevel::Warn),
            ("fatal", LogLevel::Error),
            ("critical", LogLevel::Error),
        ];
        NAMES
            .iter()
            .find(|(name, _)| s.eq_ignore_ascii_case(name))
            .map(|&(_, level)| level)
    }
}

/// The `error` object of a failed stage.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ErrorInfo<'a> {
    pub kind: Option<Text<'a>>,
    pub code: Option<Text<'a>>,
    pub message: Option<Text<'a>>,
}

/// The `resources` (or legacy `resource_usage`) object of a stage.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Resources {
    pub cpu_percent: Option<f64>,
    pub memory_mb: Option<f64>,
}

impl Body<'_> {
    /// Execution and stage events belong to an execution: they need a
    /// `correlation_id`.
    pub fn needs_correlation(&self) -> bool {
        matches!(
            self,
            Body::ExecutionStarted { .. }
                | Body::StageStarted(_)
                | Body::StageFinished(_)
                | Body::ExecutionFinished { .. }
        )
    }

    /// A host's load sample says which host: it needs a `node`.
    pub fn needs_node(&self) -> bool {
        matches!(self, Body::ResourceSample { .. })
    }

    /// The protocol's name for this event type.
    pub fn type_name(&self) -> &'static str {
        match self {
            Body::ExecutionStarted { .. } => "execution_started",
            Body::StageStarted(_) => "stage_started",
            Body::StageFinished(_) => "stage_finished",
            Body::ExecutionFinished { .. } => "execution_finished",
            Body::Metric { .. } => "metric",
            Body::ResourceSample { .. } => "resource_sample",
            Body::Log { .. } => "log",
        }
    }
}
