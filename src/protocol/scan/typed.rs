//! The fast path's shortest way: a plainly written, valid event object read
//! straight into an [`Event`], without the loosely typed [`RawEvent`] in
//! between.
//!
//! Reading every field into a `Json` and then taking each out again was
//! most of decoding a log: the 30-field `RawEvent` built, moved and dropped
//! for every event, and every value looked at twice. Here each known key's
//! value is kept as the little it is (a borrowed string, a number, the span
//! of a nested value) and the event is built from those at once.
//!
//! Only what is plainly valid is read this way, in a printable frame: a
//! known `type` with every field of the right type and within bounds. At
//! the first doubt — a missing or mistyped field, a bad timestamp, a
//! negative duration, an unknown type, the legacy shape — it declines the
//! member, and the scanner reads it into its fields as before, so that every
//! error is found, and worded, exactly where it was. What it does read is
//! the event the general path builds, which a property test holds it to.
//!
//! [`RawEvent`]: super::RawEvent

use std::borrow::Cow;

use super::{MAX_DEPTH, Number, Scanned, Scanner};
use crate::protocol::decode::{
    MAX_DEPENDENCIES, MAX_DURATION_MS, attempt_of_f64, attempt_of_u64, is_non_negative,
    millis_of_u64,
};
use crate::protocol::event::{
    Body, ErrorInfo, Event, EventId, LogLevel, Resources, StageFinish, StageStart, Status, Text,
};
use crate::protocol::raw::KEYS;
use crate::protocol::sanitize::{MAX_ID_BYTES, MAX_TEXT_BYTES, truncate};
use crate::protocol::time::{Millis, is_plausible, parse_rfc3339};

/// A known key's value as read: a nested object or array is kept as where
/// its text starts, read again only by the field that wants it.
#[derive(Debug, Clone, Copy)]
enum Value<'a> {
    Str(&'a str),
    Number(Number),
    Bool(bool),
    Nested { start: usize },
}

/// Where `key` stands in [`KEYS`], found when the crate is built.
const fn at(key: &str) -> usize {
    let mut i = 0;
    while i < KEYS.len() {
        let (a, b) = (KEYS[i].as_bytes(), key.as_bytes());
        if a.len() == b.len() {
            let mut j = 0;
            while j < a.len() && a[j] == b[j] {
                j += 1;
            }
            if j == a.len() {
                return i;
            }
        }
        i += 1;
    }
    panic!("not a known key");
}

pub(super) const TYPE: usize = at("type");
const TS: usize = at("ts");
const EVENT_ID: usize = at("event_id");
const CORRELATION_ID: usize = at("correlation_id");
const PROJECT_ID: usize = at("project_id");
const EXECUTION_ID: usize = at("execution_id");
const TASK_ID: usize = at("task_id");
const NODE: usize = at("node");
const STAGE: usize = at("stage");
const STATUS: usize = at("status");
const DURATION_MS: usize = at("duration_ms");
const RESOURCES: usize = at("resources");
const NAME: usize = at("name");
const VALUE: usize = at("value");
const UNIT: usize = at("unit");
const CPU_PERCENT: usize = at("cpu_percent");
const MEMORY_MB: usize = at("memory_mb");
const MEMORY_PERCENT: usize = at("memory_percent");
const QUEUE_MS: usize = at("queue_ms");
const DEPENDS_ON: usize = at("depends_on");
const ATTEMPT: usize = at("attempt");
const LEVEL: usize = at("level");
const MESSAGE: usize = at("message");
const WORKFLOW: usize = at("workflow");
const VARIANT: usize = at("variant");
const AUTONOMOUS: usize = at("autonomous");
const ERROR: usize = at("error");

/// The known keys' values of one object, `null` read as absent (as the
/// general path reads it).
struct Fields<'a> {
    values: [Option<Value<'a>>; KEYS.len()],
}

impl<'a> Scanner<'a> {
    /// One event object, read straight into an [`Event`] if it is plainly
    /// valid (see the module's doc); `None` declines it, with the scanner
    /// wherever it stopped (the caller reads on from a copy).
    pub(super) fn typed_event(&mut self) -> Scanned<Event<'a>> {
        let mut fields = Fields {
            values: [None; KEYS.len()],
        };
        self.event_members(
            |scan, position| {
                fields.values[position] = Some(scan.typed_value()?);
                Some(())
            },
            |scan| scan.skip_value(2),
        )?;
        self.build(&fields)
    }

    /// A known key's value: scalars read, nested values skipped over and
    /// kept as where they start.
    #[inline]
    fn typed_value(&mut self) -> Scanned<Value<'a>> {
        Some(match *self.bytes.get(self.at)? {
            b'"' => {
                self.at += 1;
                Value::Str(self.string_body()?)
            }
            b'0'..=b'9' => Value::Number(self.number_parts()?),
            b'{' | b'[' => {
                let start = self.at;
                self.skip_value(2)?;
                Value::Nested { start }
            }
            b't' if self.eat_literal(b"true") => Value::Bool(true),
            b'f' if self.eat_literal(b"false") => Value::Bool(false),
            _ => return None,
        })
    }

    /// Steps over a value as [`Scanner::value`] reads it (the same depth,
    /// the same refusals), building nothing.
    fn skip_value(&mut self, depth: u32) -> Scanned<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match *self.bytes.get(self.at)? {
            b'"' => {
                self.at += 1;
                self.string_body()?;
            }
            b'0'..=b'9' => {
                self.number_parts()?;
            }
            b'{' => self.object(
                |scan| scan.string_body().map(drop),
                |scan, ()| scan.skip_value(depth + 1),
            )?,
            b'[' => self.array(|scan| scan.skip_value(depth + 1))?,
            b't' if self.eat_literal(b"true") => {}
            b'f' if self.eat_literal(b"false") => {}
            b'n' if self.eat_literal(b"null") => {}
            _ => return None,
        }
        Some(())
    }

    /// The event the known fields make, if they make one plainly.
    fn build(&self, fields: &Fields<'a>) -> Scanned<Event<'a>> {
        let Some(Value::Str(kind)) = fields.values[TYPE] else {
            // No type (perhaps the legacy shape), or not a string.
            return None;
        };
        let body = match kind {
            "stage_finished" => Body::StageFinished(StageFinish {
                stage: fields.required_text(STAGE, MAX_ID_BYTES)?,
                status: fields.status()?,
                duration_ms: fields.duration(DURATION_MS)?,
                attempt: fields.attempt()?,
                queue_ms: fields.duration(QUEUE_MS)?,
                error: self.error_info(fields.values[ERROR])?.map(Box::new),
                resources: self.resources(fields.values[RESOURCES])?,
            }),
            "stage_started" => Body::StageStarted(StageStart {
                stage: fields.required_text(STAGE, MAX_ID_BYTES)?,
                depends_on: self.dependencies(fields.values[DEPENDS_ON])?,
                attempt: fields.attempt()?,
                queue_ms: fields.duration(QUEUE_MS)?,
            }),
            "metric" => Body::Metric {
                name: fields.required_text(NAME, MAX_ID_BYTES)?,
                value: fields.non_negative(VALUE)??,
                unit: fields.text(UNIT, MAX_ID_BYTES)?,
            },
            "resource_sample" => Body::ResourceSample {
                cpu_percent: fields.non_negative(CPU_PERCENT)??,
                memory_mb: fields.non_negative(MEMORY_MB)??,
                memory_percent: fields.non_negative(MEMORY_PERCENT)?,
            },
            "log" => Body::Log {
                level: match fields.values[LEVEL]? {
                    Value::Str(level) => LogLevel::parse(level)?,
                    _ => return None,
                },
                message: fields.required_text(MESSAGE, MAX_TEXT_BYTES)?,
            },
            "execution_started" => Body::ExecutionStarted {
                workflow: fields.text(WORKFLOW, MAX_ID_BYTES)?,
                variant: fields.text(VARIANT, MAX_ID_BYTES)?,
            },
            "execution_finished" => Body::ExecutionFinished {
                status: fields.status()?,
                duration_ms: fields.duration(DURATION_MS)?,
                autonomous: match fields.values[AUTONOMOUS] {
                    None => None,
                    Some(Value::Bool(b)) => Some(b),
                    Some(_) => return None,
                },
            },
            _ => return None,
        };
        let correlation_id = fields.text(CORRELATION_ID, MAX_ID_BYTES)?;
        if body.needs_correlation() && correlation_id.as_deref().is_none_or(str::is_empty) {
            return None;
        }
        let node = fields.text(NODE, MAX_ID_BYTES)?;
        if body.needs_node() && node.is_none() {
            return None;
        }
        Some(Event {
            ts: fields.timestamp()?,
            correlation_id,
            project_id: fields.text(PROJECT_ID, MAX_ID_BYTES)?,
            execution_id: fields.text(EXECUTION_ID, MAX_ID_BYTES)?,
            task_id: fields.text(TASK_ID, MAX_ID_BYTES)?,
            node,
            event_id: fields.text(EVENT_ID, MAX_ID_BYTES)?.map(EventId::new),
            body,
        })
    }

    /// A scanner over the same frame at `start` (a nested value's span).
    fn rewound(&self, start: usize) -> Scanner<'a> {
        Scanner { at: start, ..*self }
    }

    /// `resources`: an object whose first `cpu_percent` and `memory_mb`
    /// (the ones the general path looks up) are numbers or null.
    fn resources(&self, value: Option<Value<'a>>) -> Scanned<Option<Resources>> {
        let Some(Value::Nested { start, .. }) = value else {
            return value.is_none().then_some(None);
        };
        let mut found = Resources::default();
        let (mut cpu, mut memory) = (false, false);
        self.rewound(start).object_members(|scan, key| {
            let slot = match key {
                "cpu_percent" if !cpu => {
                    cpu = true;
                    &mut found.cpu_percent
                }
                "memory_mb" if !memory => {
                    memory = true;
                    &mut found.memory_mb
                }
                _ => return scan.skip_value(3),
            };
            if scan.eat_literal(b"null") {
                return Some(());
            }
            let n = scan.number_if_number()?.as_f64();
            *slot = Some(n);
            is_non_negative(n).then_some(())
        })?;
        Some(Some(found))
    }

    /// `error`: a bare message, or an object whose `type`, `code` and
    /// `message` are strings, integers or null (the last of each counts).
    fn error_info(&self, value: Option<Value<'a>>) -> Scanned<Option<ErrorInfo<'a>>> {
        let start = match value {
            None => return Some(None),
            Some(Value::Str(message)) => {
                return Some(Some(ErrorInfo {
                    message: Some(text(message, MAX_TEXT_BYTES)),
                    ..ErrorInfo::default()
                }));
            }
            Some(Value::Nested { start, .. }) => start,
            Some(_) => return None,
        };
        let mut info = ErrorInfo::default();
        self.rewound(start).object_members(|scan, key| {
            let (slot, max) = match key {
                "type" => (&mut info.kind, MAX_ID_BYTES),
                "code" => (&mut info.code, MAX_ID_BYTES),
                "message" => (&mut info.message, MAX_TEXT_BYTES),
                _ => return scan.skip_value(3),
            };
            *slot = match *scan.bytes.get(scan.at)? {
                b'"' => {
                    scan.at += 1;
                    Some(text(scan.string_body()?, max))
                }
                b'n' if scan.eat_literal(b"null") => None,
                // Exit codes and HTTP statuses often arrive as numbers.
                b'0'..=b'9' => match scan.number_parts()? {
                    Number::Integer(n) => Some(Cow::Owned(n.to_string())),
                    Number::Decimal(_) => return None,
                },
                _ => return None,
            };
            Some(())
        })?;
        Some(Some(info))
    }

    /// `depends_on`: an array whose first [`MAX_DEPENDENCIES`] items are
    /// strings (the rest are dropped unread, as the general path does).
    fn dependencies(&self, value: Option<Value<'a>>) -> Scanned<Vec<Text<'a>>> {
        let Some(Value::Nested { start, .. }) = value else {
            return value.is_none().then(Vec::new);
        };
        let mut items = Vec::new();
        self.rewound(start).array(|scan| {
            if items.len() < MAX_DEPENDENCIES {
                scan.expect(b'"')?;
                items.push(text(scan.string_body()?, MAX_ID_BYTES));
                Some(())
            } else {
                scan.skip_value(3)
            }
        })?;
        Some(items)
    }

    /// Each member of the object starting here, its key given and the
    /// scanner at its value, which `member` reads.
    fn object_members(
        mut self,
        member: impl FnMut(&mut Scanner<'a>, &'a str) -> Scanned<()>,
    ) -> Scanned<()> {
        self.object(Scanner::string_body, member)
    }

    /// A number here; `None` for anything else.
    fn number_if_number(&mut self) -> Scanned<Number> {
        match self.bytes.get(self.at)? {
            b'0'..=b'9' => self.number_parts(),
            _ => None,
        }
    }
}

/// A string of a printable frame: nothing to clean, only capped.
fn text(s: &str, max: usize) -> Text<'_> {
    truncate(Cow::Borrowed(s), max)
}

impl<'a> Fields<'a> {
    /// An optional string: `Some(None)` when absent, `None` (declined) when
    /// not a string.
    fn text(&self, position: usize, max: usize) -> Scanned<Option<Text<'a>>> {
        match self.values[position] {
            None => Some(None),
            Some(Value::Str(s)) => Some(Some(text(s, max))),
            Some(_) => None,
        }
    }

    fn required_text(&self, position: usize, max: usize) -> Scanned<Text<'a>> {
        self.text(position, max)?.filter(|s| !s.is_empty())
    }

    /// An optional non-negative number (`Some(None)` when absent).
    fn non_negative(&self, position: usize) -> Scanned<Option<f64>> {
        match self.values[position] {
            None => Some(None),
            Some(Value::Number(n)) => {
                let n = n.as_f64();
                is_non_negative(n).then_some(Some(n))
            }
            Some(_) => None,
        }
    }

    fn duration(&self, position: usize) -> Scanned<Option<f64>> {
        let n = self.non_negative(position)?;
        n.is_none_or(|n| n <= MAX_DURATION_MS).then_some(n)
    }

    fn attempt(&self) -> Scanned<u32> {
        match self.values[ATTEMPT] {
            None => Some(1),
            Some(Value::Number(Number::Integer(n))) => attempt_of_u64(n),
            Some(Value::Number(Number::Decimal(n))) => attempt_of_f64(n),
            Some(_) => None,
        }
    }

    fn status(&self) -> Scanned<Status> {
        match self.values[STATUS]? {
            Value::Str(s) => Status::parse(s),
            _ => None,
        }
    }

    fn timestamp(&self) -> Scanned<Millis> {
        let ms = match self.values[TS]? {
            Value::Str(s) => parse_rfc3339(s)?,
            Value::Number(Number::Integer(n)) => millis_of_u64(n),
            Value::Number(Number::Decimal(n)) if n.is_finite() => n as i64,
            _ => return None,
        };
        is_plausible(ms).then_some(ms)
    }
}

#[cfg(test)]
mod tests;
