//! Decoding frames (WebSocket messages or NDJSON lines) into [`Event`]s.
//!
//! A frame holds one event object or a JSON array of them. Each member is
//! decoded on its own, so one bad member of a batch costs only itself. Every
//! failure is classified into an [`InvalidKind`] with a human-readable reason;
//! an unknown `type` is reported separately, because it is the forward
//! compatibility the protocol promises, not an error.

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;

use super::event::{
    Body, ErrorInfo, Event, EventId, LogLevel, Resources, StageFinish, StageStart, Status, Text,
};
use super::raw::{Json, Members, RawEvent, RawMember, parse_frame};
use super::sanitize::{MAX_ID_BYTES, MAX_TEXT_BYTES, sanitize, truncate};
use super::scan;
use super::time::{Millis, is_plausible, parse_rfc3339};

/// Longest duration or queue wait accepted (about 115 days).
pub(super) const MAX_DURATION_MS: f64 = 1e10;
/// Most `depends_on` entries kept per task; the rest are dropped.
pub const MAX_DEPENDENCIES: usize = 64;

/// Why an input was rejected. The names are the keys of the report's
/// `invalid_by_kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InvalidKind {
    /// Not JSON at all, truncated JSON, or an object with a repeated key.
    InvalidJson,
    /// Bytes that are not UTF-8.
    InvalidUtf8,
    /// JSON that is not an object (or an array of objects).
    NotAnObject,
    /// A required field absent or null.
    MissingField,
    /// A field of the wrong JSON type.
    WrongType,
    /// A `status` outside ok/failed/timeout/cancelled.
    UnknownStatus,
    /// A field of the right type with an impossible value (negative duration,
    /// unparsable timestamp, attempt 0, unknown log level, …).
    InvalidValue,
    /// A timestamp far in the future or the past.
    TimestampOutOfRange,
    /// A `stage_finished` with no matching start and no `duration_ms`, so no
    /// duration can be known.
    FinishWithoutStart,
    /// A line or message over the size limit; skipped unread.
    Oversized,
}

impl InvalidKind {
    pub const ALL: [InvalidKind; 10] = [
        InvalidKind::InvalidJson,
        InvalidKind::InvalidUtf8,
        InvalidKind::NotAnObject,
        InvalidKind::MissingField,
        InvalidKind::WrongType,
        InvalidKind::UnknownStatus,
        InvalidKind::InvalidValue,
        InvalidKind::TimestampOutOfRange,
        InvalidKind::FinishWithoutStart,
        InvalidKind::Oversized,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InvalidKind::InvalidJson => "invalid_json",
            InvalidKind::InvalidUtf8 => "invalid_utf8",
            InvalidKind::NotAnObject => "not_an_object",
            InvalidKind::MissingField => "missing_field",
            InvalidKind::WrongType => "wrong_type",
            InvalidKind::UnknownStatus => "unknown_status",
            InvalidKind::InvalidValue => "invalid_value",
            InvalidKind::TimestampOutOfRange => "timestamp_out_of_range",
            InvalidKind::FinishWithoutStart => "finish_without_start",
            InvalidKind::Oversized => "oversized",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// A rejected input: its kind and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub kind: InvalidKind,
    pub reason: String,
}

impl Invalid {
    pub fn new(kind: InvalidKind, reason: impl Into<String>) -> Self {
        Invalid {
            kind,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.as_str(), self.reason)
    }
}

/// What one member of a frame decoded to.
// Handed straight to a callback and dropped: boxing the large variant would
// cost an allocation per event for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Decoded<'a> {
    Event(Event<'a>),
    Invalid(Invalid),
    /// A well-formed object of a `type` this version does not know.
    UnknownType(Text<'a>),
}

impl Decoded<'_> {
    pub fn is_event(&self) -> bool {
        matches!(self, Decoded::Event(_))
    }
}

/// Decodes one frame, handing each member to `sink` in order.
pub fn decode_frame<'a>(bytes: &'a [u8], mut sink: impl FnMut(Decoded<'a>)) {
    if scan::events(bytes, Decoded::Event, decode_raw, &mut sink) {
        return;
    }
    match parse_frame(bytes, decode_member) {
        Ok(Members::One(decoded)) => sink(decoded),
        Ok(Members::Many(members)) => members.into_iter().for_each(sink),
        Err(err) => sink(Decoded::Invalid(classify_syntax_error(&err, bytes))),
    }
}

fn classify_syntax_error(err: &serde_json::Error, bytes: &[u8]) -> Invalid {
    // Checked only on this error path, so valid input pays nothing for it.
    if let Err(utf8) = std::str::from_utf8(bytes) {
        return Invalid::new(
            InvalidKind::InvalidUtf8,
            format!("invalid UTF-8 at byte {}", utf8.valid_up_to()),
        );
    }
    Invalid::new(InvalidKind::InvalidJson, err.to_string())
}

fn decode_member(member: RawMember<'_>) -> Decoded<'_> {
    match member {
        RawMember::Event(mut raw) => decode_raw(&mut raw),
        RawMember::NotObject(found) => Decoded::Invalid(Invalid::new(
            InvalidKind::NotAnObject,
            format!("expected an event object, found {found}"),
        )),
    }
}

/// The second pass over one event object's fields, emptying `raw`.
fn decode_raw<'a>(raw: &mut RawEvent<'a>) -> Decoded<'a> {
    decode_event(raw).unwrap_or_else(Decoded::Invalid)
}

type Result<T> = std::result::Result<T, Invalid>;

fn missing(field: &str) -> Invalid {
    Invalid::new(InvalidKind::MissingField, format!("`{field}` is required"))
}

fn wrong_type(field: &str, expected: &str, found: &Json<'_>) -> Invalid {
    Invalid::new(
        InvalidKind::WrongType,
        format!("`{field}` must be {expected}, found {}", found.type_name()),
    )
}

fn invalid_value(field: &str, why: impl fmt::Display) -> Invalid {
    Invalid::new(InvalidKind::InvalidValue, format!("`{field}` {why}"))
}

fn decode_event<'a>(raw: &mut RawEvent<'a>) -> Result<Decoded<'a>> {
    let texts = Texts { plain: raw.plain };
    let kind = match raw.kind.take() {
        Some(Json::Str(kind)) => kind,
        Some(other) => return Err(wrong_type("type", "a string", &other)),
        None if raw.operation_type.is_some() && raw.duration_ms.is_some() => {
            return legacy_performance_metrics(raw).map(Decoded::Event);
        }
        None => return Err(missing("type")),
    };
    let body = match kind.as_ref() {
        "execution_started" => Body::ExecutionStarted {
            workflow: texts.text("workflow", raw.workflow.take(), MAX_ID_BYTES)?,
            variant: texts.text("variant", raw.variant.take(), MAX_ID_BYTES)?,
        },
        "stage_started" => Body::StageStarted(StageStart {
            stage: texts.required_text("stage", raw.stage.take(), MAX_ID_BYTES)?,
            depends_on: dependencies(raw.depends_on.take())?,
            attempt: attempt(raw.attempt.take())?,
            queue_ms: duration("queue_ms", raw.queue_ms.take())?,
        }),
        "stage_finished" => Body::StageFinished(StageFinish {
            stage: texts.required_text("stage", raw.stage.take(), MAX_ID_BYTES)?,
            status: status(raw.status.take())?,
            duration_ms: duration("duration_ms", raw.duration_ms.take())?,
            attempt: attempt(raw.attempt.take())?,
            queue_ms: duration("queue_ms", raw.queue_ms.take())?,
            error: error_info(raw.error.take())?.map(Box::new),
            resources: resources("resources", raw.resources.take())?,
        }),
        "execution_finished" => Body::ExecutionFinished {
            status: status(raw.status.take())?,
            duration_ms: duration("duration_ms", raw.duration_ms.take())?,
            autonomous: boolean("autonomous", raw.autonomous.take())?,
        },
        "metric" => Body::Metric {
            name: texts.required_text("name", raw.name.take(), MAX_ID_BYTES)?,
            value: metric_value(raw.value.take())?,
            unit: texts.text("unit", raw.unit.take(), MAX_ID_BYTES)?,
        },
        "resource_sample" => Body::ResourceSample {
            cpu_percent: required(
                non_negative("cpu_percent", raw.cpu_percent.take())?,
                "cpu_percent",
            )?,
            memory_mb: required(
                non_negative("memory_mb", raw.memory_mb.take())?,
                "memory_mb",
            )?,
            memory_percent: non_negative("memory_percent", raw.memory_percent.take())?,
        },
        "log" => Body::Log {
            level: log_level(raw.level.take())?,
            message: texts.required_text("message", raw.message.take(), MAX_TEXT_BYTES)?,
        },
        _ => return Ok(Decoded::UnknownType(sanitize(kind, MAX_ID_BYTES))),
    };
    let (needs_correlation, needs_node) = (body.needs_correlation(), body.needs_node());
    envelope(raw, body, needs_correlation, needs_node).map(Decoded::Event)
}

/// The shape runners already log as `performance_metrics`: a finished stage
/// with `operation_type` for the stage and `resource_usage` for resources.
/// `timestamp` stands in for `ts` when `ts` is absent.
fn legacy_performance_metrics<'a>(raw: &mut RawEvent<'a>) -> Result<Event<'a>> {
    let texts = Texts { plain: raw.plain };
    if raw.ts.is_none() {
        raw.ts = raw.timestamp.take();
    }
    let status = match raw.status.take() {
        None => Status::Ok,
        some => status(some)?,
    };
    let body = Body::StageFinished(StageFinish {
        stage: texts.required_text("operation_type", raw.operation_type.take(), MAX_ID_BYTES)?,
        status,
        duration_ms: duration("duration_ms", raw.duration_ms.take())?,
        attempt: attempt(raw.attempt.take())?,
        queue_ms: duration("queue_ms", raw.queue_ms.take())?,
        error: error_info(raw.error.take())?.map(Box::new),
        resources: resources("resource_usage", raw.resource_usage.take())?,
    });
    envelope(raw, body, true, false)
}

fn envelope<'a>(
    raw: &mut RawEvent<'a>,
    body: Body<'a>,
    needs_correlation: bool,
    needs_node: bool,
) -> Result<Event<'a>> {
    let texts = Texts { plain: raw.plain };
    let ts = timestamp(raw.ts.take())?;
    let correlation_id = texts.text("correlation_id", raw.correlation_id.take(), MAX_ID_BYTES)?;
    if needs_correlation && correlation_id.as_deref().is_none_or(str::is_empty) {
        return Err(missing("correlation_id"));
    }
    let node = texts.text("node", raw.node.take(), MAX_ID_BYTES)?;
    if needs_node && node.is_none() {
        return Err(missing("node"));
    }
    Ok(Event {
        ts,
        correlation_id,
        project_id: texts.text("project_id", raw.project_id.take(), MAX_ID_BYTES)?,
        execution_id: texts.text("execution_id", raw.execution_id.take(), MAX_ID_BYTES)?,
        task_id: texts.text("task_id", raw.task_id.take(), MAX_ID_BYTES)?,
        node,
        event_id: texts
            .text("event_id", raw.event_id.take(), MAX_ID_BYTES)?
            .map(EventId::new),
        body,
    })
}

fn required<T>(value: Option<T>, field: &str) -> Result<T> {
    value.ok_or_else(|| missing(field))
}

/// How an event's strings are read: cleaned ([`sanitize`]), or only capped
/// when the scanner found the whole frame printable ASCII (cleaning then
/// changes nothing, and looked at every byte again).
#[derive(Clone, Copy)]
struct Texts {
    plain: bool,
}

impl Texts {
    fn text<'a>(
        self,
        field: &str,
        value: Option<Json<'a>>,
        max: usize,
    ) -> Result<Option<Text<'a>>> {
        match value {
            None | Some(Json::Null) => Ok(None),
            Some(Json::Str(s)) if self.plain => Ok(Some(truncate(s, max))),
            Some(Json::Str(s)) => Ok(Some(sanitize(s, max))),
            Some(other) => Err(wrong_type(field, "a string", &other)),
        }
    }

    fn required_text<'a>(
        self,
        field: &str,
        value: Option<Json<'a>>,
        max: usize,
    ) -> Result<Text<'a>> {
        match self.text(field, value, max)? {
            Some(s) if !s.is_empty() => Ok(s),
            _ => Err(missing(field)),
        }
    }
}

/// A string cleaned whatever frame it came from.
fn text<'a>(field: &str, value: Option<Json<'a>>, max: usize) -> Result<Option<Text<'a>>> {
    Texts { plain: false }.text(field, value, max)
}

fn timestamp(value: Option<Json<'_>>) -> Result<Millis> {
    let ms = match value {
        None | Some(Json::Null) => return Err(missing("ts")),
        Some(Json::Str(s)) => parse_rfc3339(&s).ok_or_else(|| {
            invalid_value(
                "ts",
                format_args!("is not an RFC 3339 timestamp: {:?}", sanitize(s, 64)),
            )
        })?,
        Some(Json::U64(n)) => millis_of_u64(n),
        Some(Json::I64(n)) => n,
        Some(Json::F64(n)) if n.is_finite() => n as i64,
        Some(other) => {
            return Err(wrong_type(
                "ts",
                "an RFC 3339 string or integer milliseconds",
                &other,
            ));
        }
    };
    if !is_plausible(ms) {
        return Err(Invalid::new(
            InvalidKind::TimestampOutOfRange,
            format!("`ts` {ms} ms is outside 2000-01-01..2100-01-01"),
        ));
    }
    Ok(ms)
}

/// Integer milliseconds on the wire, saturated (then out of range).
pub(super) fn millis_of_u64(n: u64) -> Millis {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Whether a number is what a duration, a load or a metric may be.
pub(super) fn is_non_negative(n: f64) -> bool {
    n >= 0.0 && n.is_finite()
}

/// An `attempt` given as an integer or as a float with no fraction.
pub(super) fn attempt_of_u64(n: u64) -> Option<u32> {
    (1..=u64::from(u32::MAX)).contains(&n).then_some(n as u32)
}

pub(super) fn attempt_of_f64(n: f64) -> Option<u32> {
    (n.fract() == 0.0 && (1.0..=f64::from(u32::MAX)).contains(&n)).then_some(n as u32)
}

fn number(field: &str, value: Option<Json<'_>>) -> Result<Option<f64>> {
    match value {
        None | Some(Json::Null) => Ok(None),
        Some(v) => match v.as_f64() {
            Some(n) => Ok(Some(n)),
            None => Err(wrong_type(field, "a number", &v)),
        },
    }
}

fn non_negative(field: &str, value: Option<Json<'_>>) -> Result<Option<f64>> {
    match number(field, value)? {
        Some(n) if !is_non_negative(n) => Err(invalid_value(
            field,
            format_args!("must be a non-negative number, got {n}"),
        )),
        other => Ok(other),
    }
}

fn duration(field: &str, value: Option<Json<'_>>) -> Result<Option<f64>> {
    match non_negative(field, value)? {
        Some(n) if n > MAX_DURATION_MS => Err(invalid_value(
            field,
            format_args!("{n} ms is implausibly long"),
        )),
        other => Ok(other),
    }
}

fn metric_value(value: Option<Json<'_>>) -> Result<f64> {
    // Histograms hold non-negative values; every metric the protocol names
    // (latencies, overheads, boot times) is one.
    required(non_negative("value", value)?, "value")
}

fn attempt(value: Option<Json<'_>>) -> Result<u32> {
    let whole = match value {
        Some(Json::U64(n)) => attempt_of_u64(n),
        Some(Json::F64(n)) => attempt_of_f64(n),
        _ => None,
    };
    if let Some(attempt) = whole {
        return Ok(attempt);
    }
    match value {
        None | Some(Json::Null) => Ok(1),
        Some(v @ (Json::U64(_) | Json::I64(_) | Json::F64(_))) => Err(invalid_value(
            "attempt",
            format_args!(
                "must be a whole number from 1, got {}",
                v.as_f64().unwrap_or(f64::NAN)
            ),
        )),
        Some(other) => Err(wrong_type("attempt", "an integer", &other)),
    }
}

fn status(value: Option<Json<'_>>) -> Result<Status> {
    match value {
        None | Some(Json::Null) => Err(missing("status")),
        Some(Json::Str(s)) => Status::parse(&s).ok_or_else(|| {
            Invalid::new(
                InvalidKind::UnknownStatus,
                format!(
                    "`status` {:?} is not one of ok, failed, timeout, cancelled",
                    sanitize(s, 64)
                ),
            )
        }),
        Some(other) => Err(wrong_type("status", "a string", &other)),
    }
}

fn boolean(field: &str, value: Option<Json<'_>>) -> Result<Option<bool>> {
    match value {
        None | Some(Json::Null) => Ok(None),
        Some(Json::Bool(b)) => Ok(Some(b)),
        Some(other) => Err(wrong_type(field, "a boolean", &other)),
    }
}

fn log_level(value: Option<Json<'_>>) -> Result<LogLevel> {
    match value {
        None | Some(Json::Null) => Err(missing("level")),
        Some(Json::Str(s)) => LogLevel::parse(&s).ok_or_else(|| {
            invalid_value(
                "level",
                format_args!(
                    "{:?} is not one of debug, info, warn, error",
                    sanitize(s, 64)
                ),
            )
        }),
        Some(other) => Err(wrong_type("level", "a string", &other)),
    }
}

fn dependencies(value: Option<Json<'_>>) -> Result<Vec<Text<'_>>> {
    match value {
        None | Some(Json::Null) => Ok(Vec::new()),
        Some(Json::Array(items)) => items
            .into_iter()
            .take(MAX_DEPENDENCIES)
            .map(|item| match item {
                Json::Str(s) => Ok(sanitize(s, MAX_ID_BYTES)),
                other => Err(wrong_type("depends_on[]", "a string", &other)),
            })
            .collect(),
        Some(other) => Err(wrong_type("depends_on", "an array of task ids", &other)),
    }
}

fn error_info(value: Option<Json<'_>>) -> Result<Option<ErrorInfo<'_>>> {
    match value {
        None | Some(Json::Null) => Ok(None),
        // Many runners log a bare message where the protocol has an object.
        Some(Json::Str(message)) => Ok(Some(ErrorInfo {
            message: Some(sanitize(message, MAX_TEXT_BYTES)),
            ..ErrorInfo::default()
        })),
        Some(Json::Object(fields)) => {
            let mut info = ErrorInfo::default();
            for (key, value) in fields {
                let slot = match key.as_ref() {
                    "type" => &mut info.kind,
                    "code" => &mut info.code,
                    "message" => &mut info.message,
                    _ => continue,
                };
                let max = if key == "message" {
                    MAX_TEXT_BYTES
                } else {
                    MAX_ID_BYTES
                };
                *slot = match value {
                    // Exit codes and HTTP statuses often arrive as numbers.
                    Json::U64(n) => Some(Cow::Owned(n.to_string())),
                    Json::I64(n) => Some(Cow::Owned(n.to_string())),
                    other => text("error.*", Some(other), max)?,
                };
            }
            Ok(Some(info))
        }
        Some(other) => Err(wrong_type(
            "error",
            "an object {type, code, message}",
            &other,
        )),
    }
}

fn resources(field: &str, value: Option<Json<'_>>) -> Result<Option<Resources>> {
    match value {
        None | Some(Json::Null) => Ok(None),
        Some(obj @ Json::Object(_)) => Ok(Some(Resources {
            cpu_percent: non_negative("resources.cpu_percent", obj.get("cpu_percent").cloned())?,
            memory_mb: non_negative("resources.memory_mb", obj.get("memory_mb").cloned())?,
        })),
        Some(other) => Err(wrong_type(
            field,
            "an object {cpu_percent, memory_mb}",
            &other,
        )),
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// What the general (serde) reading decodes a frame to.
    pub(in crate::protocol) fn by_serde(bytes: &[u8]) -> Vec<String> {
        match parse_frame(bytes, decode_member) {
            Ok(Members::One(d)) => vec![format!("{d:?}")],
            Ok(Members::Many(ds)) => ds.iter().map(|d| format!("{d:?}")).collect(),
            Err(err) => vec![format!(
                "{:?}",
                Decoded::Invalid(classify_syntax_error(&err, bytes))
            )],
        }
    }

    /// What [`decode_frame`] decodes a frame to.
    pub(in crate::protocol) fn decoded(bytes: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        decode_frame(bytes, |d| out.push(format!("{d:?}")));
        out
    }

    /// Strings as runners and attackers write them: plain, long, escape
    /// sequences, controls, DEL, bidi overrides, other scripts.
    fn hostile() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop_oneof![
            3 => "[a-z0-9_-]{1,12}",
            1 => "[a-z .:]{250,300}",
            1 => "[a-zé日\u{1b}\u{7f}\u{85}\u{9b}\u{202e}\u{2066}\t\\[;0-9m]{1,20}",
            1 => "[a-z]{0,4}\u{1b}\\[31m[a-z]{0,4}",
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(500))]
        /// An event's strings come out the same whether its frame was
        /// plain ASCII (only capped) or not (cleaned), and whichever
        /// reading took it: the fast path's shortcut changes nothing.
        #[test]
        fn strings_decode_alike_on_either_path(
            stage in hostile(),
            cid in hostile(),
            node in hostile(),
            message in hostile(),
            batch in proptest::bool::ANY,
        ) {
            let finished = serde_json::json!({
                "type": "stage_finished", "ts": "2026-10-01T00:00:02.976Z",
                "correlation_id": cid, "node": node, "event_id": "ev-1",
                "stage": stage, "status": "ok", "duration_ms": 430.0,
            });
            let log = serde_json::json!({
                "type": "log", "ts": "2026-10-01T00:00:03Z", "correlation_id": cid,
                "level": "info", "message": message,
            });
            let text = if batch {
                serde_json::to_string(&serde_json::json!([finished, log])).unwrap()
            } else {
                serde_json::to_string(&finished).unwrap()
            };
            let fast = decoded(text.as_bytes());
            proptest::prop_assert_eq!(&fast, &by_serde(text.as_bytes()), "{}", text);
            for d in fast {
                proptest::prop_assert!(!d.contains('\u{1b}') && !d.contains('\u{202e}'), "{}", d);
            }
        }
    }
}
