//! Time: one event dated hours ahead cannot move a file's present (it is
//! rejected, not the bulk after it); a real gap in a recording loses
//! nothing; a live runner whose clock is days off loses nothing, and its
//! offset is shown and alerted on.

mod common;

use std::time::Duration;

use common::{TempDir, run, stderr, stdout};
use futures_util::SinkExt;
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

const LIMIT: Duration = Duration::from_secs(60);

fn report(d: &TempDir, file: &str) -> Value {
    let out = run(&d.0, &["report", &d.str(file)], LIMIT);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

/// The sample's lines, and one more dated `hours` after its first.
fn sample_with_outlier(hours: i64) -> (Vec<String>, String) {
    let lines: Vec<String> = std::fs::read_to_string("assets/sample.ndjson")
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    let outlier = lines[5].replace("2026-11-22T10:", &format!("2026-11-22T{:02}:", 10 + hours));
    assert_ne!(outlier, lines[5]);
    (lines, outlier)
}

#[test]
fn one_line_dated_hours_ahead_is_rejected_not_the_bulk() {
    let d = TempDir::new("outlier");
    let (lines, outlier) = sample_with_outlier(9);
    let clean = report_of_lines(&d, "clean.ndjson", &lines);
    for at in [0, 1, lines.len() / 2, lines.len()] {
        let mut with = lines.clone();
        with.insert(at, outlier.replace("ev-", "ev-x"));
        let r = report_of_lines(&d, &format!("outlier-{at}.ndjson"), &with);
        let events = &r["events"];
        assert_eq!(events["received"], lines.len() as u64 + 1, "at {at}");
        assert_eq!(
            events["invalid_by_kind"]["timestamp_out_of_range"], 1,
            "at {at}: {events}"
        );
        assert_eq!(events["accepted"], clean["events"]["accepted"], "at {at}");
        // The present stayed the file's: windows and stages are the same.
        assert_eq!(r["stages"], clean["stages"], "at {at}");
    }
}

fn report_of_lines(d: &TempDir, name: &str, lines: &[String]) -> Value {
    std::fs::write(d.path(name), lines.join("\n") + "\n").unwrap();
    report(d, name)
}

#[test]
fn a_real_gap_in_a_recording_loses_nothing() {
    let d = TempDir::new("gap");
    // The same sample twice, the second copy three hours later.
    let lines: Vec<String> = std::fs::read_to_string("assets/sample.ndjson")
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    let later: Vec<String> = lines
        .iter()
        .map(|l| {
            l.replace("2026-11-22T10:", "2026-11-22T13:")
                .replace("ev-", "ev-later-")
                .replace("exec_", "exec_later_")
        })
        .collect();
    let both: Vec<String> = lines.iter().chain(&later).cloned().collect();
    let r = report_of_lines(&d, "gap.ndjson", &both);
    assert_eq!(r["events"]["invalid"], 0, "{}", r["events"]);
    assert_eq!(r["events"]["accepted"], both.len() as u64);
}

/// A runner whose clock is `skew_ms` behind: it stamps `now - skew`.
async fn skewed_runner(skew_ms: i64) -> String {
    common::ws_server(move |mut ws| async move {
        for i in 0..40 {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis() as i64;
            let line = format!(
                r#"{{"type":"metric","ts":{},"name":"m","value":{i},"event_id":"e{i}"}}"#,
                now - skew_ms
            );
            if ws.send(Message::text(line)).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        // Stay connected, quietly, until runtop leaves.
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_runner_days_off_loses_nothing_and_its_offset_is_shown_and_alerted() {
    let url = skewed_runner(2 * 86_400_000).await;
    let out = tokio::task::spawn_blocking(move || {
        let d = TempDir::new("skew");
        let out = run(&d.0, &["report", &url, "--for", "2"], LIMIT);
        (out, d)
    })
    .await
    .unwrap()
    .0;
    assert!(out.status.success(), "{}", stderr(&out));
    let r: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(r["events"]["accepted"], 40, "{}", r["events"]);
    let offset = r["sources"][0]["clock_offset_ms"].as_i64().unwrap();
    assert!((offset - 2 * 86_400_000).abs() < 5_000, "{offset}");
    let skew = r["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["rule"] == "clock_skew")
        .unwrap_or_else(|| panic!("no clock_skew alert: {}", r["alerts"]));
    assert_eq!(skew["severity"], "warning");
    assert!(
        skew["summary"].as_str().unwrap().contains("2d00h behind"),
        "{skew}"
    );
    // Delivery lag is not "two days": it is not measured for this source.
    assert_eq!(
        r["delivery_lag"]["count"].as_u64().unwrap_or(0),
        0,
        "{}",
        r["delivery_lag"]
    );
}
