//! One test per kind of bad input in the protocol's list: each is classified,
//! counted by kind, kept as an example with its reason and line, and leaves
//! what runtop shows about the other events untouched.

use runtop::engine::{Engine, EngineConfig, Origin, Window};
use runtop::protocol::{InvalidKind, Millis};

/// 2026-11-22T11:00:00Z: "now" for these tests, an hour after the events.
const NOW: Millis = 1_795_345_200_000;

fn feed(lines: &[&str]) -> Engine {
    feed_with(Engine::new(EngineConfig::replay()), lines)
}

fn feed_with(mut engine: Engine, lines: &[&str]) -> Engine {
    for (i, line) in lines.iter().enumerate() {
        engine.feed(line.as_bytes(), NOW, Origin::line(i as u64 + 1));
    }
    // The lines are the whole file: nothing stays held.
    engine.decide_held();
    engine
}

/// A healthy execution whose figures every test checks stay intact.
const GOOD: [&str; 4] = [
    r#"{"type":"execution_started","ts":"2026-11-22T10:00:00.000Z","correlation_id":"good","project_id":"p"}"#,
    r#"{"type":"stage_started","ts":"2026-11-22T10:00:00.000Z","correlation_id":"good","stage":"prep"}"#,
    r#"{"type":"stage_finished","ts":"2026-11-22T10:00:01.000Z","correlation_id":"good","stage":"prep","status":"ok","duration_ms":1000}"#,
    r#"{"type":"execution_finished","ts":"2026-11-22T10:00:02.000Z","correlation_id":"good","status":"ok"}"#,
];

/// Feeds `bad` between the halves of the good execution and checks it was
/// rejected as `kind` at its line, while the good execution still counts.
fn assert_rejected(bad: &str, kind: InvalidKind, reason_has: &str) -> Engine {
    let lines = [GOOD[0], GOOD[1], bad, GOOD[2], GOOD[3]];
    let engine = feed(&lines);
    let input = engine.input();
    assert_eq!(
        input.invalid_of_kind(kind),
        1,
        "{bad}: {:?}",
        input.examples()
    );
    assert_eq!((input.invalid, input.accepted, input.received), (1, 4, 5));
    let example = &input.examples()[0];
    assert_eq!((example.line, example.kind), (Some(3), kind));
    assert!(
        example.reason.contains(reason_has),
        "reason {:?} lacks {reason_has:?}",
        example.reason
    );
    assert_good_intact(&engine);
    engine
}

fn assert_good_intact(engine: &Engine) {
    let prep = engine
        .stage("prep")
        .expect("prep stats")
        .durations
        .snapshot(Window::AllTime);
    assert_eq!((prep.count, prep.max), (1, 1000.0));
    assert_eq!(engine.totals().finished, 1);
    assert_eq!(
        engine
            .executions()
            .get("good")
            .and_then(|e| e.status)
            .map(|s| s.as_str()),
        Some("ok")
    );
}

#[test]
fn malformed_json() {
    assert_rejected(r#"{"type":"log","ts":"#, InvalidKind::InvalidJson, "EOF");
    assert_rejected("not json at all", InvalidKind::InvalidJson, "expected");
    assert_rejected(
        r#"{"type":"log","type":"log"}"#,
        InvalidKind::InvalidJson,
        "duplicate field",
    );
}

#[test]
fn not_an_object() {
    assert_rejected("42", InvalidKind::NotAnObject, "found number");
    assert_rejected(
        r#""stage_finished""#,
        InvalidKind::NotAnObject,
        "found string",
    );
}

#[test]
fn missing_required_fields() {
    let no_ts = r#"{"type":"stage_started","correlation_id":"x","stage":"prep"}"#;
    assert_rejected(no_ts, InvalidKind::MissingField, "`ts`");
    let no_cid = r#"{"type":"stage_finished","ts":1795341600000,"stage":"prep","status":"ok","duration_ms":5}"#;
    assert_rejected(no_cid, InvalidKind::MissingField, "`correlation_id`");
    let no_stage = r#"{"type":"stage_started","ts":1795341600000,"correlation_id":"x"}"#;
    assert_rejected(no_stage, InvalidKind::MissingField, "`stage`");
    let no_status = r#"{"type":"execution_finished","ts":1795341600000,"correlation_id":"x"}"#;
    assert_rejected(no_status, InvalidKind::MissingField, "`status`");
    let no_type = r#"{"ts":1795341600000,"correlation_id":"x"}"#;
    assert_rejected(no_type, InvalidKind::MissingField, "`type`");
    let null_value = r#"{"type":"metric","ts":1795341600000,"name":"m","value":null}"#;
    assert_rejected(null_value, InvalidKind::MissingField, "`value`");
    let no_node = r#"{"type":"resource_sample","ts":1795341600000,"cpu_percent":1,"memory_mb":2}"#;
    assert_rejected(no_node, InvalidKind::MissingField, "`node`");
}

#[test]
fn wrong_types() {
    let cases = [
        (
            r#"{"type":"stage_finished","ts":1795341600000,"correlation_id":"x","stage":"prep","status":"ok","duration_ms":"1200"}"#,
            "`duration_ms` must be a number, found string",
        ),
        (
            r#"{"type":"stage_started","ts":1795341600000,"correlation_id":7,"stage":"prep"}"#,
            "`correlation_id` must be a string",
        ),
        (
            r#"{"type":"stage_started","ts":true,"correlation_id":"x","stage":"prep"}"#,
            "`ts` must be",
        ),
        (
            r#"{"type":"stage_started","ts":1795341600000,"correlation_id":"x","stage":"prep","depends_on":"a"}"#,
            "`depends_on` must be",
        ),
        (
            r#"{"type":"execution_finished","ts":1795341600000,"correlation_id":"x","status":"ok","autonomous":"yes"}"#,
            "`autonomous` must be a boolean",
        ),
        (
            r#"{"type":["log"],"ts":1795341600000}"#,
            "`type` must be a string, found array",
        ),
    ];
    for (line, reason) in cases {
        assert_rejected(line, InvalidKind::WrongType, reason);
    }
}

#[test]
fn unknown_status() {
    let line = r#"{"type":"stage_finished","ts":1795341600000,"correlation_id":"x","stage":"prep","status":"exploded","duration_ms":3}"#;
    assert_rejected(line, InvalidKind::UnknownStatus, "\"exploded\"");
}

#[test]
fn impossible_values() {
    let negative = r#"{"type":"stage_finished","ts":1795341600000,"correlation_id":"x","stage":"prep","status":"ok","duration_ms":-5}"#;
    assert_rejected(negative, InvalidKind::InvalidValue, "non-negative");
    let bad_ts = r#"{"type":"log","ts":"last tuesday","level":"info","message":"m"}"#;
    assert_rejected(bad_ts, InvalidKind::InvalidValue, "RFC 3339");
    let attempt0 = r#"{"type":"stage_started","ts":1795341600000,"correlation_id":"x","stage":"prep","attempt":0}"#;
    assert_rejected(attempt0, InvalidKind::InvalidValue, "`attempt`");
    let level = r#"{"type":"log","ts":1795341600000,"level":"loud","message":"m"}"#;
    assert_rejected(level, InvalidKind::InvalidValue, "`level`");
}

#[test]
fn finish_with_no_start() {
    // Without a duration nothing can be known: rejected, and no execution
    // appears for it.
    let line = r#"{"type":"stage_finished","ts":1795341600000,"correlation_id":"ghost","stage":"verify","status":"ok"}"#;
    let engine = assert_rejected(line, InvalidKind::FinishWithoutStart, "no matching start");
    assert!(engine.executions().get("ghost").is_none());
    assert!(engine.stage("verify").is_none());

    // With a duration it is usable: accepted, recorded, and flagged.
    let line = r#"{"type":"stage_finished","ts":1795341600000,"correlation_id":"late","stage":"verify","status":"ok","duration_ms":700}"#;
    let engine = feed(&[line]);
    assert_eq!(engine.input().accepted, 1);
    assert_eq!(engine.stage("verify").unwrap().durations.count(), 1);
    assert_eq!(
        engine.input().anomalies().collect::<Vec<_>>(),
        [("finish_without_start", 1)]
    );
}

#[test]
fn a_start_that_never_finishes() {
    let start =
        r#"{"type":"execution_started","ts":"2026-11-22T09:00:00.000Z","correlation_id":"stuck"}"#;
    let stage = r#"{"type":"stage_started","ts":"2026-11-22T09:00:01.000Z","correlation_id":"stuck","stage":"implement"}"#;
    let mut lines = vec![start, stage];
    lines.extend(GOOD);
    let mut engine = feed(&lines);
    assert!(engine.executions().get("stuck").unwrap().is_active());
    assert_eq!(engine.executions().active_len(), 1);
    // An hour after its last event, it is given up on.
    engine.advance(1_795_341_600_000 + 3_600_000);
    let stuck = engine.executions().get("stuck").unwrap();
    assert!(stuck.abandoned && !stuck.is_active());
    assert_eq!(engine.executions().active_len(), 0);
    assert_eq!(engine.executions().counters.abandoned, 1);
    assert_good_intact(&engine);
}

#[test]
fn events_out_of_order() {
    let mut lines = GOOD.to_vec();
    lines.reverse();
    let engine = feed(&lines);
    assert_eq!(engine.input().accepted, 4);
    assert_good_intact(&engine);
    let good = engine.executions().get("good").unwrap();
    assert_eq!(good.started_at, Some(1_795_341_600_000));
    let attempt = &good.tasks[0].attempts[0];
    assert_eq!(
        (attempt.started_at, attempt.duration_ms),
        (Some(1_795_341_600_000), Some(1000.0))
    );
    assert!(engine.input().anomalies().any(|(k, _)| k == "out_of_order"));
}

#[test]
fn duplicates_change_no_statistic() {
    let with_id = r#"{"type":"stage_finished","ts":"2026-11-22T10:00:03.000Z","correlation_id":"d","stage":"verify","status":"ok","duration_ms":10,"event_id":"e1"}"#;
    let same_id = r#"{"type":"stage_finished","ts":"2026-11-22T10:00:03.000Z","correlation_id":"other","stage":"verify","status":"ok","duration_ms":99,"event_id":"e1"}"#;
    // A second finish of the same (correlation_id, task_id, attempt), no event_id.
    let refinish = r#"{"type":"stage_finished","ts":"2026-11-22T10:00:04.000Z","correlation_id":"good","stage":"prep","status":"failed","duration_ms":5000}"#;
    let restart = GOOD[0];
    let mut lines = GOOD.to_vec();
    lines.extend([with_id, same_id, refinish, restart]);
    let engine = feed(&lines);
    let input = engine.input();
    assert_eq!((input.accepted, input.duplicates, input.invalid), (5, 3, 0));
    assert_good_intact(&engine);
    let verify = engine
        .stage("verify")
        .unwrap()
        .durations
        .snapshot(Window::AllTime);
    assert_eq!((verify.count, verify.max), (1, 10.0));
    assert!(engine.executions().get("other").is_none());
}

#[test]
fn duplicate_ids_inside_one_batch() {
    let batch = r#"[{"type":"metric","ts":1795341600000,"name":"m","value":1,"event_id":"x"},
                    {"type":"metric","ts":1795341600000,"name":"m","value":1,"event_id":"x"}]"#;
    let engine = feed(&[batch]);
    assert_eq!((engine.input().accepted, engine.input().duplicates), (1, 1));
    assert_eq!(engine.metric("m").unwrap().count(), 1);
}

#[test]
fn timestamps_far_in_the_future_or_past() {
    let future = r#"{"type":"log","ts":"2026-11-24T10:00:00.000Z","level":"info","message":"from tomorrow and then some"}"#;
    assert_rejected(
        future,
        InvalidKind::TimestampOutOfRange,
        "2026-11-24T10:00:00.000Z is more than 24 h after it was received",
    );
    let ancient =
        r#"{"type":"log","ts":"1999-12-31T23:59:59.000Z","level":"info","message":"y2k"}"#;
    assert_rejected(ancient, InvalidKind::TimestampOutOfRange, "outside");
    let epoch_seconds =
        r#"{"type":"log","ts":1795341600,"level":"info","message":"seconds, not ms"}"#;
    assert_rejected(epoch_seconds, InvalidKind::TimestampOutOfRange, "outside");
    // On event time, "the past" is relative to the newest event seen.
    let stale = r#"{"type":"log","ts":"2026-11-20T10:00:00.000Z","level":"info","message":"two days late"}"#;
    assert_rejected(
        stale,
        InvalidKind::TimestampOutOfRange,
        "2026-11-20T10:00:00.000Z is more than 24 h older than the stream",
    );
}

#[test]
fn escape_sequences_and_control_characters_never_get_through() {
    let nasty = r#"{"type":"stage_finished","ts":1795341600000,"correlation_id":"evil\u001b[2J\u001b]0;owned\u0007","stage":"pr\u0000ep\u202e","status":"failed","duration_ms":5,"error":{"type":"E\u009b31m","message":"line1\nline2\u001b[31m red"}}"#;
    let engine = feed(&[nasty]);
    assert_eq!(engine.input().accepted, 1);
    let exec = engine.executions().get("evil").expect("sanitized id");
    assert_eq!(exec.tasks[0].stage.as_ref(), "prep");
    let error = exec.tasks[0].attempts[0].error.as_ref().unwrap();
    assert_eq!(error.kind.as_deref(), Some("E31m"));
    assert_eq!(error.message.as_deref(), Some("line1 line2 red"));
    let report = runtop::report::Report::build(&engine, "t", None).to_json();
    assert!(!report.contains("\\u001b") && !report.contains('\u{1b}'));
}

#[test]
fn long_strings_are_capped() {
    let id = "x".repeat(10_000);
    let message = "m".repeat(100_000);
    let line = format!(
        r#"{{"type":"log","ts":1795341600000,"correlation_id":"{id}","level":"error","message":"{message}"}}"#
    );
    let engine = feed(&[&line]);
    let log = engine.recent_logs().next().unwrap();
    assert_eq!(log.correlation_id.as_deref().map(str::len), Some(256));
    assert_eq!(log.line.message.len(), 4096);
}

#[test]
fn huge_lines_are_skipped_unread() {
    let huge = format!("{}\n", "x".repeat(300_000));
    let input = [GOOD[0], GOOD[1], &huge, GOOD[2], GOOD[3]].join("\n");
    let mut engine = Engine::new(EngineConfig::replay());
    runtop::source::ndjson::feed_all(input.as_bytes(), &mut engine, NOW, 64 * 1024).unwrap();
    assert_eq!(engine.input().invalid_of_kind(InvalidKind::Oversized), 1);
    assert_eq!(engine.input().examples()[0].line, Some(3));
    assert_good_intact(&engine);
}

#[test]
fn binary_frames_are_counted_not_decoded() {
    let mut engine = feed(&GOOD);
    engine.binary_frame();
    assert_eq!(engine.input().binary_frames, 1);
    assert_eq!(engine.input().received, 4);
}

#[test]
fn invalid_utf8() {
    let bad =
        b"{\"type\":\"log\",\"ts\":1795341600000,\"level\":\"info\",\"message\":\"\xff\xfe\"}";
    let mut engine = feed(&GOOD[..2]);
    engine.feed(bad, NOW, Origin::line(3));
    let engine = feed_with(engine, &GOOD[2..]);
    assert_eq!(engine.input().invalid_of_kind(InvalidKind::InvalidUtf8), 1);
    let at = bad.iter().position(|&b| b == 0xff).unwrap();
    assert_eq!(
        engine.input().examples()[0].reason,
        format!("invalid UTF-8 at byte {at}")
    );
    assert_good_intact(&engine);
}

#[test]
fn unknown_types_are_counted_apart_from_errors() {
    let line = r#"{"type":"deployment_started","ts":1795341600000,"whatever":1}"#;
    let mut lines = GOOD.to_vec();
    lines.push(line);
    let engine = feed(&lines);
    let input = engine.input();
    assert_eq!(
        (input.unknown_type, input.invalid, input.accepted),
        (1, 0, 4)
    );
    assert_eq!(
        input.unknown_types().collect::<Vec<_>>(),
        [("deployment_started", 1)]
    );
}

#[test]
fn a_bad_member_of_a_batch_costs_only_itself() {
    let batch = format!("[{}, 17, {{\"type\":\"log\"}}, {}]", GOOD[2], GOOD[3]);
    let engine = feed(&[GOOD[0], GOOD[1], &batch]);
    let input = engine.input();
    assert_eq!((input.received, input.accepted, input.invalid), (6, 4, 2));
    assert_eq!(input.invalid_of_kind(InvalidKind::NotAnObject), 1);
    assert_eq!(input.invalid_of_kind(InvalidKind::MissingField), 1);
    assert_good_intact(&engine);
}

#[test]
fn the_legacy_performance_metrics_shape_is_a_stage_finish() {
    let legacy = r#"{"operation_type":"implement","duration_ms":15925.3,"correlation_id":"old","timestamp":"2026-11-22T10:00:17.225Z","resource_usage":{"cpu_percent":80.5,"memory_mb":1200}}"#;
    let engine = feed(&[legacy]);
    assert_eq!(engine.input().accepted, 1);
    let s = engine
        .stage("implement")
        .unwrap()
        .durations
        .snapshot(Window::AllTime);
    assert_eq!((s.count, s.max, s.success_rate()), (1, 15925.3, Some(1.0)));
    let attempt = &engine.executions().get("old").unwrap().tasks[0].attempts[0];
    assert_eq!(attempt.resources.and_then(|r| r.cpu_percent), Some(80.5));
}

#[test]
fn accounting_always_adds_up() {
    let lines = [
        GOOD[0],
        "garbage",
        GOOD[1],
        r#"{"type":"mystery","ts":1}"#,
        GOOD[2],
        GOOD[2],
        GOOD[3],
        "[]",
        "[1,2]",
    ];
    let engine = feed(&lines);
    let i = engine.input();
    assert_eq!(
        i.received,
        i.accepted + i.invalid + i.duplicates + i.unknown_type
    );
    assert_eq!(
        (
            i.received,
            i.accepted,
            i.invalid,
            i.duplicates,
            i.unknown_type
        ),
        (9, 4, 3, 1, 1)
    );
}

#[test]
fn new_names_past_the_caps_cannot_grow_memory() {
    let mut config = EngineConfig::replay();
    config.limits.max_stage_names = 3;
    let mut engine = Engine::new(config);
    for i in 0..10 {
        let line = format!(
            r#"{{"type":"stage_finished","ts":1795341600000,"correlation_id":"c{i}","stage":"s{i}","status":"ok","duration_ms":1}}"#
        );
        engine.feed(line.as_bytes(), NOW, Origin::default());
    }
    assert_eq!(engine.stages().count(), 3);
    assert_eq!(engine.stage_name_overflow(), 7);
    assert_eq!(engine.input().accepted, 10);
}
