//! One monitor behind every front end: `replay --speed 0` in a real
//! terminal (tmux) and `report` of the same file write the same alert log,
//! transition for transition.

mod common;

use std::time::{Duration, Instant};

use common::{TempDir, require, run, tmux};

#[test]
fn replay_and_report_of_one_file_give_the_same_alert_transitions() {
    if !require("tmux", "-V") {
        eprintln!("tmux is not installed: skipped");
        return;
    }
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
