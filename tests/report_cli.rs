//! `runtop report` as an operator runs it: the real binary, real files, real
//! exit codes. The golden report pins the JSON schema and every figure.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn runtop(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_runtop"))
        // Never the user's data directory (kept baselines).
        .env(
            "XDG_DATA_HOME",
            std::env::temp_dir().join("runtop-test-data"),
        )
        .args(args)
        .output()
        .expect("runtop runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("UTF-8 output")
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("UTF-8 errors")
}

const GOLDEN: &str = "tests/fixtures/golden.ndjson";

#[test]
fn golden_report_json() {
    let out = runtop(&["report", GOLDEN, "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn golden_report_text() {
    let out = runtop(&["report", GOLDEN, "--format", "text"]);
    assert!(out.status.success(), "{}", stderr(&out));
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn json_report_has_every_documented_field() {
    let out = runtop(&["report", GOLDEN]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON by default");
    assert_eq!(v["schema"], "runtop.report.v1");
    for key in [
        "received",
        "accepted",
        "invalid",
        "duplicates",
        "unknown_type",
        "binary_frames",
        "invalid_by_kind",
        "invalid_examples",
    ] {
        assert!(v["events"].get(key).is_some(), "events.{key}");
    }
    for key in ["line", "kind", "reason"] {
        assert!(
            v["events"]["invalid_examples"][0].get(key).is_some(),
            "invalid_examples[].{key}"
        );
    }
    let stage_keys = [
        "stage",
        "count",
        "ok",
        "failed",
        "timeout",
        "cancelled",
        "success_rate",
        "mean_ms",
        "p50_ms",
        "p95_ms",
        "p99_ms",
        "max_ms",
        "target_ms",
        "level",
    ];
    for key in stage_keys {
        assert!(v["stages"][0].get(key).is_some(), "stages[].{key}");
    }
    for key in ["name", "count", "mean", "p50", "p95", "p99", "max"] {
        assert!(v["metrics"][0].get(key).is_some(), "metrics[].{key}");
    }
    for key in [
        "started",
        "finished",
        "active",
        "ok",
        "failed",
        "success_rate",
        "autonomous_rate",
    ] {
        assert!(v["executions"].get(key).is_some(), "executions.{key}");
    }
    for key in ["alerts", "bottlenecks", "comparisons", "recommendations"] {
        assert!(v[key].is_array(), "{key}");
    }
    let calibration_keys = [
        "shown",
        "withheld",
        "fitted_on",
        "outcomes",
        "checkpoints",
        "occurred",
        "occurred_in",
        "base_rate",
        "brier",
        "brier_base",
        "skill",
        "skill_low",
        "bands",
    ];
    for figure in ["fail", "late"] {
        for key in calibration_keys {
            assert!(v["risk"][figure].get(key).is_some(), "risk.{figure}.{key}");
        }
    }
    assert!(v["risk"]["active"].is_array() && v["risk"]["running"].is_u64());
    assert!(v["meets_requirements"].is_boolean());
}

#[test]
fn reads_standard_input() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_runtop"))
        // Never the user's data directory (kept baselines).
        .env(
            "XDG_DATA_HOME",
            std::env::temp_dir().join("runtop-test-data"),
        )
        .args(["report", "-"])
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let input = std::fs::read(GOLDEN).unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["events"]["received"], 30);
    assert_eq!(v["source"], "-");
}

#[test]
fn the_sample_meets_its_requirements() {
    let out = runtop(&["report", "assets/sample.ndjson"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["events"]["invalid"], 0);
    assert_eq!(v["events"]["accepted"], v["events"]["received"]);
    assert!(v["stages"].as_array().unwrap().len() >= 3);
    assert_eq!(v["meets_requirements"], true);
}

#[test]
fn unreadable_input_is_one_line_and_exit_2() {
    for (args, says) in [
        (
            vec!["report", "does/not/exist.ndjson"],
            "cannot read 'does/not/exist.ndjson': No such file or directory",
        ),
        (
            vec!["report", "tests"],
            "cannot read 'tests': is a directory",
        ),
    ] {
        let out = runtop(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("runtop: ") && err.contains(says), "{err}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn bad_usage_exits_2() {
    for args in [
        vec!["report"],
        vec!["report", GOLDEN, "--format", "yaml"],
        vec!["frobnicate"],
        vec!["report", GOLDEN, "--max-line-bytes", "1"],
    ] {
        let out = runtop(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
    assert_eq!(runtop(&["--help"]).status.code(), Some(0));
}

#[test]
fn binary_garbage_is_counted_not_fatal() {
    let dir = std::env::temp_dir().join(format!("runtop-garbage-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("garbage.ndjson");
    let mut bytes: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
    bytes.extend_from_slice(
        b"\n{\"type\":\"metric\",\"ts\":1795341600000,\"name\":\"m\",\"value\":1}\n",
    );
    std::fs::write(&path, bytes).unwrap();
    let out = runtop(&["report", path.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["events"]["accepted"], 1);
    assert!(v["events"]["invalid"].as_u64().unwrap() >= 1);
}
