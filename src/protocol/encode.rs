//! Writing events back out as protocol-v1 JSON: what the simulator serves
//! and what a recording holds. Absent fields are left out, and `ts` is
//! written as RFC 3339 so recordings stay readable.

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::event::{Body, ErrorInfo, Event, LogLevel, Resources};
use super::time::format_rfc3339;

impl Serialize for Event<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("type", self.body.type_name())?;
        m.serialize_entry("ts", &format_rfc3339(self.ts))?;
        let common = [
            ("correlation_id", &self.correlation_id),
            ("project_id", &self.project_id),
            ("execution_id", &self.execution_id),
            ("task_id", &self.task_id),
            ("node", &self.node),
        ];
        for (key, value) in common {
            if let Some(v) = value {
                m.serialize_entry(key, v)?;
            }
        }
        if let Some(id) = &self.event_id {
            m.serialize_entry("event_id", id)?;
        }
        fn opt<M: SerializeMap, T: Serialize>(
            m: &mut M,
            key: &str,
            v: &Option<T>,
        ) -> Result<(), M::Error> {
            match v {
                Some(v) => m.serialize_entry(key, v),
                None => Ok(()),
            }
        }
        match &self.body {
            Body::ExecutionStarted { workflow, variant } => {
                opt(&mut m, "workflow", workflow)?;
                opt(&mut m, "variant", variant)?;
            }
            Body::StageStarted(st) => {
                m.serialize_entry("stage", &st.stage)?;
                if !st.depends_on.is_empty() {
                    m.serialize_entry("depends_on", &st.depends_on)?;
                }
                if st.attempt != 1 {
                    m.serialize_entry("attempt", &st.attempt)?;
                }
                opt(&mut m, "queue_ms", &st.queue_ms)?;
            }
            Body::StageFinished(f) => {
                m.serialize_entry("stage", &f.stage)?;
                m.serialize_entry("status", &f.status)?;
                opt(&mut m, "duration_ms", &f.duration_ms)?;
                if f.attempt != 1 {
                    m.serialize_entry("attempt", &f.attempt)?;
                }
                opt(&mut m, "queue_ms", &f.queue_ms)?;
                opt(&mut m, "error", &f.error.as_deref().map(WireError))?;
                opt(
                    &mut m,
                    "resources",
                    &f.resources.as_ref().map(WireResources),
                )?;
            }
            Body::ExecutionFinished {
                status,
                duration_ms,
                autonomous,
            } => {
                m.serialize_entry("status", status)?;
                opt(&mut m, "duration_ms", duration_ms)?;
                opt(&mut m, "autonomous", autonomous)?;
            }
            Body::Metric { name, value, unit } => {
                m.serialize_entry("name", name)?;
                m.serialize_entry("value", value)?;
                opt(&mut m, "unit", unit)?;
            }
            Body::ResourceSample {
                cpu_percent,
                memory_mb,
                memory_percent,
            } => {
                m.serialize_entry("cpu_percent", cpu_percent)?;
                m.serialize_entry("memory_mb", memory_mb)?;
                opt(&mut m, "memory_percent", memory_percent)?;
            }
            Body::Log { level, message } => {
                m.serialize_entry("level", level)?;
                m.serialize_entry("message", message)?;
            }
        }
        m.end()
    }
}

struct WireError<'e, 'a>(&'e ErrorInfo<'a>);

impl Serialize for WireError<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        for (key, value) in [
            ("type", &self.0.kind),
            ("code", &self.0.code),
            ("message", &self.0.message),
        ] {
            if let Some(v) = value {
                m.serialize_entry(key, v)?;
            }
        }
        m.end()
    }
}

struct WireResources<'r>(&'r Resources);

impl Serialize for WireResources<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        for (key, value) in [
            ("cpu_percent", self.0.cpu_percent),
            ("memory_mb", self.0.memory_mb),
        ] {
            if let Some(v) = value {
                m.serialize_entry(key, &v)?;
            }
        }
        m.end()
    }
}

impl LogLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        }
    }
}

/// One event as a single line of protocol-v1 JSON (no trailing newline).
pub fn to_json_line(event: &Event<'_>) -> String {
    serde_json::to_string(event).expect("events serialize to JSON")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Decoded, decode_frame};

    #[test]
    fn every_example_of_the_protocol_round_trips() {
        let examples = [
            r#"{"type":"execution_started","ts":"2026-11-22T10:00:00.000Z","correlation_id":"exec_123456","project_id":"web-shop","node":"runner-1","variant":"A"}"#,
            r#"{"type":"stage_started","ts":"2026-11-22T10:00:00.050Z","correlation_id":"exec_123456","stage":"prep","queue_ms":40.0}"#,
            r#"{"type":"stage_finished","ts":"2026-11-22T10:00:01.250Z","correlation_id":"exec_123456","stage":"prep","status":"ok","duration_ms":1200.0,"resources":{"cpu_percent":35.5,"memory_mb":210.0}}"#,
            r#"{"type":"stage_started","ts":"2026-11-22T10:00:01.300Z","correlation_id":"exec_123456","stage":"implement","depends_on":["prep"]}"#,
            r#"{"type":"stage_finished","ts":"2026-11-22T10:00:17.225Z","correlation_id":"exec_123456","stage":"implement","status":"failed","duration_ms":15925.3,"attempt":2,"error":{"type":"BuildError","code":"E42","message":"cargo build failed"}}"#,
            r#"{"type":"metric","ts":"2026-11-22T10:00:17.300Z","correlation_id":"exec_123456","name":"coordination_overhead_ms","value":0.43}"#,
            r#"{"type":"execution_finished","ts":"2026-11-22T10:01:40.000Z","correlation_id":"exec_123456","status":"failed","autonomous":false}"#,
            r#"{"type":"resource_sample","ts":"2026-11-22T10:01:40.000Z","node":"runner-1","cpu_percent":71.0,"memory_mb":2048.0,"memory_percent":25.0}"#,
            r#"{"type":"log","ts":"2026-11-22T10:01:40.000Z","correlation_id":"exec_123456","level":"warn","message":"retrying"}"#,
        ];
        for line in examples {
            let mut seen = 0;
            decode_frame(line.as_bytes(), |d| {
                let Decoded::Event(ev) = d else {
                    panic!("{line}: {d:?}")
                };
                assert_eq!(to_json_line(&ev), line);
                seen += 1;
            });
            assert_eq!(seen, 1);
        }
    }
}
