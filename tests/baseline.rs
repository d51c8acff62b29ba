//! Baselines end to end: saved from one run, compared with another, trends,
//! and the per-source baseline live runs keep.

use std::process::{Command, Output};

use runtop::analytics::baseline::trends;
use runtop::engine::{Engine, EngineConfig, Origin};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_runtop");

fn runtop(args: &[&str], data: &std::path::Path) -> Output {
    Command::new(BIN)
        .args(args)
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .env("XDG_DATA_HOME", data)
        .output()
        .unwrap()
}

#[test]
fn a_regression_against_a_saved_baseline_fails_the_check() {
    let dir = std::env::temp_dir().join(format!("runtop-baseline-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = |n: &str| dir.join(n).to_str().unwrap().to_string();
    for (scenario, seed, name) in [
        ("steady", "5", "base.ndjson"),
        ("steady", "6", "again.ndjson"),
        ("regression", "5", "slow.ndjson"),
    ] {
        let out = runtop(
            &[
                "simulate",
                "--scenario",
                scenario,
                "--seed",
                seed,
                "--executions",
                "300",
                "--out",
                &file(name),
            ],
            &dir,
        );
        assert!(out.status.success());
    }
    let saved = runtop(
        &["baseline", "save", &file("base.ndjson"), &file("base.json")],
        &dir,
    );
    assert!(
        saved.status.success(),
        "{}",
        String::from_utf8_lossy(&saved.stderr)
    );
    assert!(String::from_utf8_lossy(&saved.stdout).contains("implement"));

    let slow = runtop(
        &[
            "check",
            &file("slow.ndjson"),
            "--baseline",
            &file("base.json"),
            "--set",
            "targets.stages.implement=90000",
        ],
        &dir,
    );
    assert_eq!(
        slow.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&slow.stdout)
    );
    let report = runtop(
        &[
            "report",
            &file("slow.ndjson"),
            "--baseline",
            &file("base.json"),
        ],
        &dir,
    );
    let r: Value = serde_json::from_slice(&report.stdout).unwrap();
    let changes = r["baseline"]["changes"].as_array().unwrap();
    assert!(
        changes.iter().any(|c| c["subject"] == "stage implement"
            && c["kind"] == "regression"
            && c["severity"] == "critical"),
        "{changes:?}"
    );
    assert!(
        r["recommendations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["action"] == "find what changed at implement")
    );

    // Another healthy run of the same runner: no stage regresses.
    let again = runtop(
        &[
            "report",
            &file("again.ndjson"),
            "--baseline",
            &file("base.json"),
        ],
        &dir,
    );
    let r: Value = serde_json::from_slice(&again.stdout).unwrap();
    let regressions: Vec<&Value> = r["baseline"]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            c["kind"] == "regression" && c["subject"].as_str().unwrap().starts_with("stage")
        })
        .collect();
    assert!(regressions.is_empty(), "{regressions:?}");
    let bad = runtop(
        &[
            "check",
            &file("again.ndjson"),
            "--baseline",
            &file("again.ndjson"),
        ],
        &dir,
    );
    assert_eq!(bad.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn trends_tell_degrading_from_stable() {
    let mut e = Engine::new(EngineConfig::replay());
    let t0: i64 = 1_795_341_600_000;
    for i in 0..200i64 {
        let slow = 10_000.0 + i as f64 * 50.0;
        let flat = 1_000.0 + (i % 7) as f64;
        for (cid, stage, ms) in [
            (format!("a{i}"), "implement", slow),
            (format!("b{i}"), "prep", flat),
        ] {
            let at = t0 + i * 60_000;
            let start =
                format!(r#"{{"type":"execution_started","ts":{at},"correlation_id":"{cid}"}}"#);
            let finish = format!(
                r#"{{"type":"stage_finished","ts":{at},"correlation_id":"{cid}","stage":"{stage}","status":"ok","duration_ms":{ms}}}"#
            );
            let done = format!(
                r#"{{"type":"execution_finished","ts":{at},"correlation_id":"{cid}","status":"ok"}}"#
            );
            for line in [start, finish, done] {
                e.feed(line.as_bytes(), t0 + 400 * 60_000, Origin::default());
            }
        }
    }
    let t = trends(&e);
    let implement = t.iter().find(|t| t.stage == "implement").unwrap();
    assert_eq!(implement.direction, "degrading", "{implement:?}");
    assert!(
        (implement.slope_ms_per_hour - 3_000.0).abs() < 300.0,
        "{implement:?}"
    );
    assert_eq!(
        t.iter().find(|t| t.stage == "prep").unwrap().direction,
        "stable"
    );
}

#[test]
fn live_runs_keep_a_baseline_per_source() {
    let dir = std::env::temp_dir().join(format!("runtop-baseline-live-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut sim = Command::new(BIN)
        // Never the user's data directory (kept baselines).
        .env(
            "XDG_DATA_HOME",
            std::env::temp_dir().join("runtop-test-data"),
        )
        .args([
            "simulate",
            "--listen",
            "127.0.0.1:0",
            "--speed",
            "0",
            "--executions",
            "60",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(sim.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let url = line.split_whitespace().nth(1).unwrap().to_string();
    // The same live report twice: the first keeps a baseline, the second
    // compares with it.
    let report = [
        "report",
        url.as_str(),
        "--for",
        "1.5",
        "--set",
        "baseline.min_samples=20",
    ];
    let first = runtop(&report, &dir);
    let r: Value = serde_json::from_slice(&first.stdout).unwrap();
    assert!(r["baseline"].is_null(), "nothing kept yet");
    let kept: Vec<_> = std::fs::read_dir(dir.join("runtop/baselines"))
        .unwrap()
        .collect();
    assert_eq!(kept.len(), 1, "one baseline for this source");
    let second = runtop(&report, &dir);
    let r: Value = serde_json::from_slice(&second.stdout).unwrap();
    assert_eq!(r["baseline"]["established"], true, "{}", r["baseline"]);
    assert!(
        r["baseline"]["file"]
            .as_str()
            .unwrap()
            .contains("runtop/baselines/")
    );
    let _ = sim.kill();
    let _ = sim.wait();
    std::fs::remove_dir_all(&dir).unwrap();
}
