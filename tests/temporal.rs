//! Temporal patterns (`report`'s `temporal` section): failure bursts come
//! out with the scenario's real minutes and the counts its own events
//! give; healthy runs have none; starts and failures by hour are the
//! events' own; a periodic load is found at its period, and a steady one
//! is "none".

use std::collections::BTreeMap;
use std::time::Duration;

use runtop::protocol::time::parse_rfc3339;
use runtop::sim::{BURST_MS, LOAD_PERIOD_MS, TROUBLE_STARTS_MS};
use serde_json::Value;

mod common;
use common::TempDir;

/// `scenario` with `seed` and `executions`, reported as JSON; the events
/// too.
fn reported(scenario: &str, seed: u64, executions: u64) -> (Value, Vec<Value>) {
    let dir = TempDir::new(&format!("temporal-{scenario}-{seed}-{executions}"));
    let log = common::simulated(&dir.0, scenario, seed, executions);
    let out = common::run(&dir.0, &["report", &log], Duration::from_secs(60));
    assert!(out.status.success(), "{}", common::stderr(&out));
    let report = serde_json::from_slice(&out.stdout).unwrap();
    (report, common::events_of(&log))
}

fn ts(e: &Value) -> i64 {
    parse_rfc3339(e["ts"].as_str().unwrap()).unwrap()
}

#[test]
fn the_failures_burst_comes_out_with_its_real_minutes_and_counts() {
    let (report, events) = reported("failures", 7, 300);
    let first = events.iter().map(ts).min().unwrap();
    let (from, to) = (
        first + TROUBLE_STARTS_MS,
        first + TROUBLE_STARTS_MS + BURST_MS,
    );
    let bursts = report["temporal"]["bursts"].as_array().unwrap();
    for stage in ["implement", "verify"] {
        let b = bursts
            .iter()
            .find(|b| b["kind"] == "stage" && b["subject"] == stage)
            .unwrap_or_else(|| panic!("no {stage} burst in {bursts:?}"));
        // The stage's first attempts, as the events tell them.
        let firsts: Vec<(i64, bool)> = events
            .iter()
            .filter(|e| {
                e["type"] == "stage_finished"
                    && e["stage"] == stage
                    && e["attempt"].as_u64().unwrap_or(1) == 1
            })
            .map(|e| (ts(e), e["status"] == "failed" || e["status"] == "timeout"))
            .collect();
        let failed_in_burst: Vec<i64> = firsts
            .iter()
            .filter(|(at, failed)| *failed && (from..to).contains(at))
            .map(|(at, _)| *at)
            .collect();
        let start = parse_rfc3339(b["start"].as_str().unwrap()).unwrap();
        let end = parse_rfc3339(b["end"].as_str().unwrap()).unwrap();
        // From one failure of the burst to another, within its minutes and
        // covering most of them.
        assert!(failed_in_burst.contains(&start) && failed_in_burst.contains(&end));
        assert!(
            start - from < 60_000,
            "{stage} starts {} s in",
            (start - from) / 1000
        );
        assert!(
            to - end < 90_000,
            "{stage} ends {} s early",
            (to - end) / 1000
        );
        let inside: Vec<&(i64, bool)> = firsts
            .iter()
            .filter(|(at, _)| (start..=end).contains(at))
            .collect();
        let failures = inside.iter().filter(|(_, failed)| *failed).count();
        assert_eq!(b["attempts"], inside.len());
        assert_eq!(b["failures"], failures);
        let outside_failures = firsts.iter().filter(|(_, f)| *f).count() - failures;
        let base = outside_failures as f64 / (firsts.len() - inside.len()) as f64;
        assert!((b["base_rate"].as_f64().unwrap() - base).abs() < 1e-4);
        // The scenario fails 40 % of attempts; the base is about 1 %.
        assert!(b["rate"].as_f64().unwrap() > 0.25 && base < 0.03, "{b}");
        assert!(b["p_value"].as_f64().unwrap() < 1e-6, "{b}");
        let named: u64 = b["patterns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p[1].as_u64().unwrap())
            .sum();
        assert!(named > 0 && named <= failures as u64);
    }
    // prep is not in the burst.
    assert!(!bursts.iter().any(|b| b["subject"] == "prep"), "{bursts:?}");
}

#[test]
fn healthy_runs_have_no_burst_and_no_period() {
    for (scenario, seed) in [("steady", 1), ("steady", 2), ("steady", 3), ("ab", 7)] {
        let (report, _) = reported(scenario, seed, 600);
        let t = &report["temporal"];
        assert_eq!(t["bursts"], serde_json::json!([]), "{scenario} {seed}");
        assert_eq!(t["periodicity"]["verdict"], "none", "{scenario} {seed}");
    }
}

#[test]
fn a_periodic_load_is_found_at_its_period() {
    let (report, events) = reported("periodic", 7, 600);
    let p = &report["temporal"]["periodicity"];
    assert_eq!(p["verdict"], "periodic", "{p}");
    let period = p["period_minutes"].as_u64().unwrap() as i64;
    assert!((period - LOAD_PERIOD_MS / 60_000).abs() <= 1, "{p}");
    assert!(p["autocorrelation"].as_f64().unwrap() > 0.4, "{p}");
    // The minutes judged run from the first start to the last start or
    // failure.
    let counted = |e: &&Value| {
        e["type"] == "execution_started"
            || (e["type"] == "execution_finished"
                && (e["status"] == "failed" || e["status"] == "timeout"))
    };
    let starts: Vec<i64> = events.iter().filter(counted).map(ts).collect();
    let last = *starts.iter().max().unwrap();
    let minutes = (last / 60_000 - starts.iter().min().unwrap() / 60_000 + 1) as u64;
    assert_eq!(p["minutes"], minutes);
}

#[test]
fn starts_and_failures_by_hour_are_the_events_own() {
    let (report, events) = reported("incidents", 7, 300);
    let mut expected: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for e in &events {
        let hour = format!("{:02}", ts(e).rem_euclid(86_400_000) / 3_600_000);
        match e["type"].as_str().unwrap() {
            "execution_started" => expected.entry(hour).or_default().0 += 1,
            "execution_finished" if e["status"] == "failed" || e["status"] == "timeout" => {
                expected.entry(hour).or_default().1 += 1
            }
            _ => {}
        }
    }
    let rows = report["temporal"]["by_hour"].as_array().unwrap();
    let got: BTreeMap<String, (u64, u64)> = rows
        .iter()
        .map(|r| {
            let when = r["when"].as_str().unwrap().to_string();
            (
                when,
                (
                    r["started"].as_u64().unwrap(),
                    r["failed"].as_u64().unwrap(),
                ),
            )
        })
        .collect();
    assert_eq!(got, expected);
    assert!(expected.len() >= 2, "the stream spans an hour boundary");
    // Under a week: no days of the week.
    assert_eq!(report["temporal"]["by_weekday"], serde_json::json!([]));
}

#[test]
fn a_week_of_starts_is_told_by_day() {
    use runtop::engine::{Engine, EngineConfig, Origin};
    let mut engine = Engine::new(EngineConfig::replay());
    // 2026-11-23 was a Monday: one execution a day for eight days, the
    // Saturday's failing.
    let monday = parse_rfc3339("2026-11-23T09:00:00Z").unwrap();
    for day in 0..8 {
        let at = monday + day * 86_400_000;
        let status = if day == 5 { "failed" } else { "ok" };
        for line in [
            format!(r#"{{"type":"execution_started","ts":{at},"correlation_id":"e{day}"}}"#),
            format!(
                r#"{{"type":"execution_finished","ts":{},"correlation_id":"e{day}","status":"{status}"}}"#,
                at + 60_000
            ),
        ] {
            engine.feed(line.as_bytes(), at, Origin::default());
        }
    }
    engine.decide_held();
    let t = runtop::analytics::temporal::temporal(&engine);
    let days: Vec<(&str, u64, u64)> = t
        .by_weekday
        .iter()
        .map(|d| (d.when.as_str(), d.started, d.failed))
        .collect();
    assert_eq!(
        days,
        [
            ("Mon", 2, 0),
            ("Tue", 1, 0),
            ("Wed", 1, 0),
            ("Thu", 1, 0),
            ("Fri", 1, 0),
            ("Sat", 1, 1),
            ("Sun", 1, 0)
        ]
    );
    assert_eq!(t.by_hour.len(), 1);
    assert_eq!(t.by_hour[0].failure_rate, Some(0.125));
}
