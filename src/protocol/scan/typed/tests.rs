//! The typed reading against the general path: real runner output, hand
//! cases it must decline, and a property over generated objects.

use super::*;
use crate::protocol::Decoded;
use crate::protocol::decode::tests::{by_serde, decoded};

fn typed(line: &str) -> Option<Event<'_>> {
    let mut scan = Scanner {
        text: line,
        bytes: line.as_bytes(),
        at: 0,
    };
    scan.typed_event()
}

#[test]
fn reads_the_events_runners_write() {
    // Every line a runner writes takes the short way, and comes out as
    // the general path reads it.
    let sample = include_str!("../../../../assets/sample.ndjson");
    for line in sample.lines() {
        let event = typed(line).unwrap_or_else(|| panic!("declined {line}"));
        assert_eq!(
            vec![format!("{:?}", Decoded::Event(event))],
            by_serde(line.as_bytes()),
            "{line}"
        );
    }
    let failed = r#"{"type":"stage_finished","ts":1790000000000,"correlation_id":"c","stage":"implement","status":"failed","attempt":2,"duration_ms":15925.3,"error":{"type":"BuildError","code":42,"message":"cargo build failed"},"depends_on":["prep"],"extra":{"x":[1,true,null]}}"#;
    assert!(typed(failed).is_some_and(|e| matches!(
        e.body,
        Body::StageFinished(StageFinish {
            attempt: 2,
            error: Some(_),
            ..
        })
    )));
}

#[test]
fn declines_what_the_general_path_judges() {
    for line in [
        r#"{"ts":"2026-11-22T10:00:00Z","operation_type":"prep","duration_ms":5}"#,
        r#"{"type":"future_kind","ts":"2026-11-22T10:00:00Z"}"#,
        r#"{"type":"log","ts":"2026-11-22T10:00:00Z","level":"loud","message":"m"}"#,
        r#"{"type":"log","ts":"1999-12-31T23:59:59Z","level":"info","message":"m"}"#,
        r#"{"type":"log","ts":"2026-11-22T10:00:00Z","level":"info","message":""}"#,
        r#"{"type":"stage_started","ts":"2026-11-22T10:00:00Z","stage":"prep"}"#,
        r#"{"type":"stage_started","ts":"2026-11-22T10:00:00Z","correlation_id":"c","stage":"prep","attempt":0}"#,
        r#"{"type":"stage_finished","ts":"2026-11-22T10:00:00Z","correlation_id":"c","stage":"prep","status":"done"}"#,
        r#"{"type":"stage_finished","ts":"2026-11-22T10:00:00Z","correlation_id":"c","stage":"prep","status":"ok","duration_ms":"5"}"#,
        r#"{"type":"stage_finished","ts":"2026-11-22T10:00:00Z","correlation_id":"c","stage":"prep","status":"ok","resources":{"cpu_percent":"high"}}"#,
        r#"{"type":"stage_finished","ts":"2026-11-22T10:00:00Z","correlation_id":"c","stage":"prep","status":"ok","error":{"code":4.5}}"#,
        r#"{"type":"resource_sample","ts":"2026-11-22T10:00:00Z","cpu_percent":1,"memory_mb":2}"#,
        r#"{"type":"metric","ts":"2026-11-22T10:00:00Z","name":"m"}"#,
        r#"{"type":"execution_finished","ts":"2026-11-22T10:00:00Z","correlation_id":"c","status":"ok","autonomous":1}"#,
    ] {
        assert!(typed(line).is_none(), "{line}");
    }
}

/// A JSON value for a field: mostly of the type it should have, now
/// and then of another, out of range, or malformed.
fn value_for(key: &'static str) -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let good: BoxedStrategy<String> = match key {
        "type" => proptest::sample::select(vec![
            "stage_finished",
            "stage_started",
            "metric",
            "resource_sample",
            "log",
            "execution_started",
            "execution_finished",
            "other",
        ])
        .prop_map(|t| format!("\"{t}\""))
        .boxed(),
        "ts" => prop_oneof![
            Just("\"2026-11-22T10:00:00.050Z\"".to_owned()),
            Just("\"2026-11-22T11:00:00+01:00\"".to_owned()),
            (946_684_800_000u64..4_200_000_000_000).prop_map(|n| n.to_string()),
            Just("\"yesterday\"".to_owned()),
        ]
        .boxed(),
        "status" => {
            proptest::sample::select(vec!["ok", "failed", "timeout", "cancelled", "OK", ""])
                .prop_map(|s| format!("\"{s}\""))
                .boxed()
        }
        "level" => proptest::sample::select(vec!["info", "WARN", "Error", "trace", "loud"])
            .prop_map(|s| format!("\"{s}\""))
            .boxed(),
        "duration_ms" | "queue_ms" | "value" | "cpu_percent" | "memory_mb" | "memory_percent" => {
            prop_oneof![
                "(0|[1-9][0-9]{0,4})(\\.[0-9]{1,3})?",
                Just("20000000000".to_owned()),
            ]
            .boxed()
        }
        "attempt" => prop_oneof!["[0-9]", Just("2.0".to_owned()), Just("2.5".to_owned())].boxed(),
        "autonomous" => prop_oneof![Just("true".to_owned()), Just("false".to_owned())].boxed(),
        "depends_on" => proptest::collection::vec("[a-z]{0,4}", 0..4)
            .prop_map(|ids| {
                format!(
                    "[{}]",
                    ids.iter()
                        .map(|i| format!("\"{i}\""))
                        .collect::<Vec<_>>()
                        .join(",")
                )
            })
            .boxed(),
        "resources" => (
            proptest::option::of("[0-9]{1,3}(\\.[0-9])?"),
            proptest::option::of(prop_oneof![
                "[0-9]{1,4}".prop_map(|s| s),
                Just("null".to_owned()),
                Just("\"x\"".to_owned())
            ]),
            proptest::bool::ANY,
        )
            .prop_map(|(cpu, memory, twice)| {
                let mut members = Vec::new();
                if let Some(cpu) = cpu {
                    members.push(format!("\"cpu_percent\":{cpu}"));
                }
                if let Some(memory) = memory {
                    members.push(format!("\"memory_mb\":{memory}"));
                }
                if twice {
                    members.push("\"cpu_percent\":7,\"memory_mb\":8".to_owned());
                }
                format!("{{{}}}", members.join(","))
            })
            .boxed(),
        "error" => prop_oneof![
            Just("\"bare message\"".to_owned()),
            (
                proptest::sample::select(vec!["\"E42\"", "42", "null", "4.5", "true"]),
                proptest::sample::select(vec!["\"BuildError\"", "null"]),
                proptest::bool::ANY,
            )
                .prop_map(|(code, kind, twice)| {
                    let again = if twice { ",\"code\":\"later\"" } else { "" };
                    format!(
                        "{{\"type\":{kind},\"code\":{code},\"message\":\"m\"{again},\"x\":[1]}}"
                    )
                }),
        ]
        .boxed(),
        _ => "[a-z0-9_-]{0,10}".prop_map(|s| format!("\"{s}\"")).boxed(),
    };
    let odd = proptest::sample::select(vec![
        "null",
        "\"\"",
        "\"text\"",
        "7",
        "-1",
        "1e3",
        "true",
        "[]",
        "{}",
        "[\"a\",1]",
        "{\"a\":{}}",
    ])
    .prop_map(str::to_owned);
    prop_oneof![40 => good, 1 => odd]
}

const FIELDS: [&str; 24] = [
    "ts",
    "correlation_id",
    "project_id",
    "execution_id",
    "task_id",
    "node",
    "event_id",
    "stage",
    "status",
    "duration_ms",
    "resources",
    "name",
    "value",
    "unit",
    "cpu_percent",
    "memory_mb",
    "memory_percent",
    "queue_ms",
    "depends_on",
    "attempt",
    "level",
    "message",
    "autonomous",
    "error",
];

/// An event object: every field, each present nineteen times in
/// twenty, most of the right type (then any type's object is valid),
/// `type` anywhere among them.
fn object() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let fields: Vec<_> = FIELDS
        .iter()
        .map(|&key| {
            proptest::option::weighted(0.95, value_for(key))
                .prop_map(move |v| v.map(|v| format!("\"{key}\":{v}")))
        })
        .collect();
    (value_for("type"), fields, 0usize..24, proptest::bool::ANY).prop_map(
        |(kind, fields, at, reversed)| {
            let mut fields: Vec<String> = fields.into_iter().flatten().collect();
            if reversed {
                fields.reverse();
            }
            fields.insert(at.min(fields.len()), format!("\"type\":{kind}"));
            format!("{{{}}}", fields.join(","))
        },
    )
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config::with_cases(3_000))]
    /// Whatever the short way reads, the general path reads the same;
    /// whatever it declines still decodes as the general path has it.
    #[test]
    fn reads_as_the_general_path(objects in proptest::collection::vec(object(), 1..3), batch in proptest::bool::ANY) {
        let frame = if batch { format!("[{}]", objects.join(",")) } else { objects[0].clone() };
        proptest::prop_assert_eq!(decoded(frame.as_bytes()), by_serde(frame.as_bytes()), "{}", frame);
    }
}

#[test]
fn the_property_reaches_both_ways() {
    // The generated objects are taken the short way often enough, and
    // declined often enough, for the property to say something.
    use proptest::strategy::{Strategy, ValueTree};
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut read, mut declined) = (0, 0);
    for _ in 0..1_000 {
        let line = object().new_tree(&mut runner).unwrap().current();
        match typed(&line) {
            Some(_) => read += 1,
            None => declined += 1,
        }
    }
    assert!(
        read > 100 && declined > 100,
        "read {read}, declined {declined}"
    );
}
