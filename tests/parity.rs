//! One monitor behind every front end: `replay --speed 0` in a real
//! terminal (tmux) and `report` of the same file write the same alert log,
//! transition for transition; and `report`'s pipelined reading (a decoder
//! thread ahead of the engine) gives the same report, value for value, as
//! reading the file line by line on one thread, on generated and hostile
//! files alike.

mod common;

use std::time::{Duration, Instant};

use common::{TempDir, require, run, tmux};

#[test]
fn replay_and_report_of_one_file_give_the_same_alert_transitions() {
    assert!(
        require("tmux", "-V"),
        "tmux is needed (.ci/run installs it)"
    );
    let d = TempDir::new("parity");
    let log = d.str("regression.ndjson");
    let limit = Duration::from_secs(60);
    let out = run(
        &d.0,
        &[
            "simulate",
            "--scenario",
            "regression",
            "--executions",
            "300",
            "--out",
            &log,
        ],
        limit,
    );
    assert!(out.status.success());
    let (from_report, from_replay) = (d.str("report.alerts"), d.str("replay.alerts"));
    let out = run(&d.0, &["report", &log, "--alert-log", &from_report], limit);
    assert!(out.status.success());

    let session = common::tmux_session(
        "parity",
        &d.0,
        &format!("replay {log} --speed 0 --alert-log {from_replay}"),
        (120, 40),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while !tmux(&["capture-pane", "-t", &session.0, "-p"]).contains("replay finished") {
        assert!(Instant::now() < deadline, "the replay never finished");
        std::thread::sleep(Duration::from_millis(100));
    }
    // Ticks go on after the end: they must add nothing.
    std::thread::sleep(Duration::from_millis(2_500));
    tmux(&["send-keys", "-t", &session.0, "q"]);
    std::thread::sleep(Duration::from_millis(500));

    let report = std::fs::read_to_string(&from_report).unwrap();
    let replay = std::fs::read_to_string(&from_replay).unwrap();
    assert!(
        report.lines().count() > 10,
        "too few transitions to compare"
    );
    assert_eq!(report.lines().count(), replay.lines().count());
    for (a, b) in report.lines().zip(replay.lines()) {
        assert_eq!(a, b);
    }
}

mod pipeline {
    use runtop::config::Config;
    use runtop::engine::{Engine, EngineConfig, Origin};
    use runtop::levels::Severity;
    use runtop::monitor::Monitor;
    use runtop::protocol::{Decoded, Invalid, InvalidKind, decode_frame, to_json_line};
    use runtop::sim::{DEFAULT_START, Scenario, Simulator};
    use runtop::source::ndjson::{Line, LineReader, Sink, read_all};

    const RECEIVED: i64 = DEFAULT_START + 30 * 86_400_000;
    const MAX_LINE: usize = 4096;

    fn monitor() -> Monitor {
        Monitor::new(Engine::new(EngineConfig::replay()), &Config::default())
    }

    /// `report`'s way: the decoder thread's chunks, applied in order, each
    /// event announced a few ahead.
    fn pipelined(bytes: &[u8]) -> String {
        struct Replay(Monitor);
        impl Sink for Replay {
            fn apply(&mut self, decoded: &Decoded<'_>, origin: Origin) {
                self.0.engine.apply_decoded(decoded, RECEIVED, origin);
                self.0.after_events();
            }
            fn ahead(&mut self, decoded: &Decoded<'_>) {
                self.0.engine.prefetch(decoded);
            }
        }
        let mut replay = Replay(monitor());
        read_all(bytes, MAX_LINE, &mut replay).unwrap();
        let mut m = replay.0;
        m.finish();
        m.report("file", Severity::Critical).to_json()
    }

    /// One thread, one line at a time (as the TUI's replay reads).
    fn line_by_line(bytes: &[u8]) -> String {
        let mut m = monitor();
        let mut lines = LineReader::new(bytes, MAX_LINE);
        while let Some((n, line)) = lines.next_line().unwrap() {
            match line {
                Line::Text(text) if text.iter().all(u8::is_ascii_whitespace) => {}
                Line::Text(text) => decode_frame(text, |decoded| {
                    m.engine.apply_decoded(&decoded, RECEIVED, Origin::line(n));
                    m.after_events();
                }),
                Line::Oversized => {
                    let invalid = Invalid::new(
                        InvalidKind::Oversized,
                        format!("line longer than {MAX_LINE} bytes"),
                    );
                    m.engine.reject(&invalid, Origin::line(n));
                    m.after_events();
                }
            }
        }
        m.finish();
        m.report("file", Severity::Critical).to_json()
    }

    fn scenario(s: Scenario, seed: u64, events: usize) -> Vec<u8> {
        Simulator::scenario(s, seed, DEFAULT_START)
            .take(events)
            .flat_map(|e| (to_json_line(&e) + "\n").into_bytes())
            .collect()
    }

    /// A scenario with hostile lines dealt in: bad JSON, oversized lines,
    /// blanks, CRLF, binary, batches, repeats, escapes, far-future times.
    fn hostile(seed: u64) -> Vec<u8> {
        let clean = scenario(Scenario::Failures, seed, 6_000);
        let text = String::from_utf8(clean).unwrap();
        let mut out = Vec::new();
        for (i, line) in text.lines().enumerate() {
            match i % 97 {
                3 => out.extend_from_slice(b"{\"type\": \"stage_finished\", \"ts\": \n"),
                11 => out.extend_from_slice(&vec![b'x'; MAX_LINE + 10]),
                17 => out.extend_from_slice(b"   \t  "),
                23 => out.extend_from_slice(format!("{line}\r").as_bytes()),
                31 => out.extend_from_slice(&[0xff, 0xfe, b'{', 0x00, b'}']),
                41 => out.extend_from_slice(format!("[{line},{line}]").as_bytes()),
                53 => out.extend_from_slice(format!("{line}\n{line}").as_bytes()),
                61 => out.extend_from_slice(
                    br#"{"type":"log","ts":"2026-11-22T10:00:00Z","correlation_id":"\u001b[31mx","level":"info","message":"\u202e"}"#,
                ),
                71 => out.extend_from_slice(
                    br#"{"type":"execution_started","ts":"2199-01-01T00:00:00Z","correlation_id":"future"}"#,
                ),
                _ => out.extend_from_slice(line.as_bytes()),
            }
            out.push(b'\n');
        }
        out
    }

    #[test]
    fn the_pipeline_reports_what_one_thread_reports() {
        let files = [
            ("steady", scenario(Scenario::Steady, 1, 10_000)),
            ("failures", scenario(Scenario::Failures, 7, 10_000)),
            ("flood", scenario(Scenario::Flood, 3, 15_000)),
            ("hostile 1", hostile(5)),
            ("hostile 2", hostile(9)),
        ];
        for (name, bytes) in files {
            let (a, b) = (pipelined(&bytes), line_by_line(&bytes));
            assert!(a.len() > 1_000, "{name}: a report");
            assert_eq!(a, b, "{name}: the pipelined report differs");
        }
        // The hostile files did exercise the bad-input paths.
        let report = pipelined(&hostile(5));
        for kind in ["oversized", "invalid_json", "duplicates"] {
            assert!(report.contains(kind), "{kind} in {report}");
        }
    }
}
