//! Verdicts that cannot lie: `check` never passes on no data, `report` of
//! runners that delivered nothing says so, and an untouched `config init`
//! changes no verdict under any profile. The real binary, real files, real
//! (closed) loopback ports.

mod common;

use std::time::Duration;

use common::{TempDir, closed_port, run, stderr, stdout};
use serde_json::Value;

const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn check_fails_on_no_data_unless_allowed() {
    let d = TempDir::new("nodata");
    std::fs::write(d.path("empty.ndjson"), "").unwrap();
    std::fs::write(
        d.path("garbage.ndjson"),
        "garbage\n{\"type\":\"nope\"}\n\x00\x01\n",
    )
    .unwrap();
    for file in ["empty.ndjson", "garbage.ndjson"] {
        let export = d.str("verdict.json");
        let out = run(&d.0, &["check", &d.str(file), "--export", &export], LIMIT);
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(1), "{file}: {text}");
        let last = text.lines().last().unwrap();
        assert!(
            last.contains("FAIL: no events accepted from") && last.contains(file),
            "{last}"
        );
        assert!(!text.contains("PASS"), "{text}");
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&export).unwrap()).unwrap();
        assert_eq!(v["validation_passed"], false);
        assert_eq!(v["meets_requirements"], false);
        assert_eq!(v["overall_health"], Value::Null);

        let out = run(&d.0, &["check", &d.str(file), "--allow-empty"], LIMIT);
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(0), "{text}");
        assert!(text.contains("--allow-empty"), "{text}");
        assert!(!text.contains("FAILED"), "FAILED beside a PASS: {text}");
    }
}

#[test]
fn check_of_runners_that_never_answered_fails_naming_them() {
    let d = TempDir::new("noanswer");
    let url = format!("ws://127.0.0.1:{}/events", closed_port());
    let out = run(&d.0, &["check", &url, "--for", "1"], LIMIT);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    let last = text.lines().last().unwrap();
    assert!(last.contains("no events accepted from"), "{last}");
    assert!(last.contains("connection refused"), "{last}");
}

#[test]
fn report_of_runners_that_delivered_nothing_prints_it_and_exits_2() {
    let d = TempDir::new("report-nothing");
    let url = format!("ws://127.0.0.1:{}/events", closed_port());
    let out = run(&d.0, &["report", &url, "--for", "1"], LIMIT);
    assert_eq!(out.status.code(), Some(2));
    let report: Value = serde_json::from_str(&stdout(&out)).expect("the report is printed");
    assert_eq!(report["events"]["accepted"], 0);
    let err = stderr(&out);
    assert!(err.contains("no events accepted"), "{err}");
    assert!(err.contains(&format!("{url}: connection refused")), "{err}");
}

/// Every verdict under every profile, as (exit code, health, requirements).
fn verdicts(d: &TempDir, log: &str, config: Option<&str>) -> Vec<(Option<i32>, Value, Value)> {
    ["default", "dev", "prod"]
        .iter()
        .map(|profile| {
            let export = d.str(&format!("v-{profile}.json"));
            let mut args = vec!["check", log, "--profile", profile, "--export", &export];
            if let Some(config) = config {
                args.extend(["--config", config]);
            }
            let out = run(&d.0, &args, LIMIT);
            let v: Value =
                serde_json::from_str(&std::fs::read_to_string(&export).unwrap()).unwrap();
            (
                out.status.code(),
                v["overall_health"].clone(),
                v["report"]["requirements"].clone(),
            )
        })
        .collect()
}

#[test]
fn an_untouched_config_init_changes_no_verdict() {
    let d = TempDir::new("init");
    let log = common::regression_log(&d.0);
    let before = verdicts(&d, &log, None);
    // The profiles really differ on this log, so the comparison means something.
    assert_ne!(before[0], before[2], "default and prod judged alike");

    let config = d.str("config.toml");
    assert!(
        run(&d.0, &["config", "init", "--config", &config], LIMIT)
            .status
            .success()
    );
    assert_eq!(verdicts(&d, &log, Some(&config)), before);
    // And `config show` attributes nothing to the file.
    let out = run(
        &d.0,
        &["config", "show", "--config", &config, "--profile", "dev"],
        LIMIT,
    );
    let shown = stdout(&out);
    assert!(shown.starts_with("# file: "), "{shown}");
    assert!(!shown.contains(&format!("# file {config}")), "{shown}");
}
