//! Nothing lost under faults: signals during a live report, a recording
//! that fails, files planted as links, secrets in errors, hostile
//! arguments. The real binary against its own simulator on 127.0.0.1.

mod common;

use std::time::{Duration, Instant};

use common::{Simulator, TempDir, command, kill, run, stderr, stdout, wait_bounded};
use serde_json::Value;

const LIMIT: Duration = Duration::from_secs(60);

/// Waits until `path` holds at least `lines` lines.
fn wait_for_lines(path: &std::path::Path, lines: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::fs::read_to_string(path).map_or(0, |t| t.lines().count()) < lines {
        assert!(
            Instant::now() < deadline,
            "{} never had {lines} lines",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_signal_ends_a_live_report_with_the_report_and_the_whole_recording() {
    let sim = Simulator::start(&["--speed", "50"]);
    for signal in ["TERM", "HUP", "INT"] {
        let d = TempDir::new(&format!("signal-{signal}"));
        let record = d.str("session.ndjson");
        let child = command(&d.0, &["report", &sim.url, "--record", &record])
            .spawn()
            .unwrap();
        let pid = child.id();
        // The recording is flushed once a second: wait for its first lines.
        wait_for_lines(&d.path("session.ndjson"), 5);
        kill(pid, signal);
        let started = Instant::now();
        let out = wait_bounded(child, Duration::from_secs(10));
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{signal}: slow to stop"
        );
        assert_eq!(out.status.code(), Some(0), "{signal}: {}", stderr(&out));
        let report: Value = serde_json::from_str(&stdout(&out)).expect("a report");
        let accepted = report["events"]["accepted"].as_u64().unwrap();
        let recorded = std::fs::read_to_string(&record).unwrap();
        assert!(recorded.ends_with('\n'));
        assert_eq!(
            recorded.lines().count() as u64,
            report["events"]["received"].as_u64().unwrap(),
            "{signal}: every received event is in the recording"
        );
        assert!(accepted > 0);
    }
}

#[test]
fn a_failing_recording_keeps_the_report_and_says_where_it_stopped() {
    let sim = Simulator::start(&["--speed", "50"]);
    let d = TempDir::new("devfull");
    let out = run(
        &d.0,
        &[
            "report",
            &sim.url,
            "--events",
            "200",
            "--record",
            "/dev/full",
        ],
        LIMIT,
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).expect("the report is printed");
    assert!(report["events"]["accepted"].as_u64().unwrap() > 0);
    let err = stderr(&out);
    assert!(err.contains("recording to /dev/full failed"), "{err}");
    assert!(err.contains("first 0 events"), "{err}");
}

#[test]
fn a_recording_cut_short_by_a_full_disk_ends_with_a_whole_line() {
    // `ulimit -f` makes the disk "full" (writes fail with EFBIG,
    // once SIGXFSZ is ignored) past 512 KiB: the file must end on a line boundary.
    let sim = Simulator::start(&["--scenario", "flood", "--rate", "1000", "--batch", "7"]);
    let d = TempDir::new("efbig");
    let record = d.str("cut.ndjson");
    let script = format!(
        "trap '' XFSZ; ulimit -f 1024; exec '{}' report '{}' --events 3000 --record '{record}'",
        common::BIN,
        sim.url
    );
    let out = wait_bounded(common::shell(&d.0, &script).spawn().unwrap(), LIMIT);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(serde_json::from_str::<Value>(&stdout(&out)).is_ok());
    let text = std::fs::read_to_string(&record).unwrap();
    assert!(
        !text.is_empty() && text.len() <= 512 << 10,
        "{} bytes",
        text.len()
    );
    assert!(text.ends_with('\n'), "a partial last line");
    for line in text.lines() {
        serde_json::from_str::<Value>(line).expect("whole JSON lines");
    }
    let kept = text.lines().count();
    assert!(
        stderr(&out).contains(&format!("first {kept} events")),
        "{}",
        stderr(&out)
    );
}
