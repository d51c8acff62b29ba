//! `runtop check`, the CI gate, and where alert transitions go: exit codes
//! on a passing and a failing log, the export, the alert log, and the
//! webhook against a local HTTP server (a retry, a timeout).

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;

use serde_json::Value;

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_runtop");

fn runtop(args: &[&str]) -> Output {
    Command::new(BIN)
        // Never the user's data directory (kept baselines).
        .env(
            "XDG_DATA_HOME",
            std::env::temp_dir().join("runtop-test-data"),
        )
        .args(args)
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .output()
        .unwrap()
}

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("runtop-check-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn a_passing_log_exits_0_with_the_export() {
    let d = dir("pass");
    let export = d.join("verdict.json");
    let out = runtop(&[
        "check",
        "assets/sample.ndjson",
        "--export",
        export.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout
            .lines()
            .last()
            .unwrap()
            .ends_with("PASS: requirements met"),
        "{stdout}"
    );
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&export).unwrap()).unwrap();
    for key in [
        "coordination_overhead_ms",
        "overall_health",
        "meets_requirements",
        "baseline_established",
        "validation_passed",
        "stages",
    ] {
        assert!(v.get(key).is_some(), "{key}");
    }
    assert_eq!(v["meets_requirements"], true);
    assert_eq!(v["validation_passed"], true);
    assert_eq!(v["coordination_overhead_ms"]["level"], "GOOD");
    assert_eq!(v["stages"][0]["stage"], "prep");
    for key in ["pass", "p50_ms", "p95_ms", "target_ms"] {
        assert!(v["stages"][0].get(key).is_some(), "stages[].{key}");
    }
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn a_failing_log_exits_1_and_writes_the_alert_log() {
    let d = dir("fail");
    let log = common::regression_log(&d);
    let alert_log = d.join("alerts.ndjson");
    let out = runtop(&["check", &log, "--alert-log", alert_log.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("FAIL  implement")
            && (stdout.contains("overall health: critical")
                || stdout.contains("overall health: poor")),
        "{stdout}"
    );
    let lines: Vec<Value> = std::fs::read_to_string(&alert_log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let implement = lines.iter().find(|l| {
        l["alert"]["rule"] == "stage_p95"
            && l["alert"]["subject"] == "implement"
            && l["alert"]["severity"] == "critical"
    });
    let implement = implement.expect("a critical stage_p95 alert for implement");
    assert_eq!(implement["alert"]["to"], "firing");
    assert!(
        implement["text"]
            .as_str()
            .unwrap()
            .starts_with("[CRITICAL] stage_p95 implement")
    );
    // The same log passes when the gate is set wider (and the stage is not
    // held to its own earlier pace: `slowdown` pages on the change itself;
    // nor are tasks held to a 5 s startup: slower executions make the next
    // ones of their project wait).
    let wider = runtop(&[
        "check",
        &log,
        "--set",
        "targets.stages.implement=60000",
        "--set",
        "targets.kpi.startup_ms=60000",
        "--set",
        "alerts.slowdown.enabled=false",
        "--set",
        "ci.fail_on=\"critical\"",
    ]);
    assert_eq!(
        wider.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&wider.stdout)
    );
    // And prod fails on warnings too.
    assert_eq!(
        runtop(&["check", "assets/sample.ndjson", "--profile", "prod"])
            .status
            .code(),
        Some(1)
    );
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn usage_and_input_errors_exit_2() {
    for args in [
        vec!["check", "no/such/file.ndjson"],
        vec!["check", "assets/sample.ndjson", "--profile", "nope"],
        vec!["check", "assets/sample.ndjson", "--set", "ui.fps=fast"],
        vec![
            "check",
            "assets/sample.ndjson",
            "--alert-webhook",
            "ftp://x",
        ],
        vec!["check"],
    ] {
        let out = runtop(&args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn the_webhook_retries_after_a_server_error() {
    let d = dir("webhook");
    let log = common::regression_log(&d);
    let (url, bodies) = common::http_server(vec![500]);
    let out = runtop(&["check", &log, "--alert-webhook", &url]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let received: Vec<Value> = bodies
        .try_iter()
        .map(|b| serde_json::from_str(&b).unwrap())
        .collect();
    assert!(received.len() >= 2, "{received:?}");
    assert_eq!(
        received[0], received[1],
        "the first delivery, retried after the 500"
    );
    assert!(received[0]["text"].as_str().unwrap().contains("FIRING"));
    // Alertmanager's webhook shape: every transition of one evaluation in
    // one POST.
    let first = &received[0];
    assert_eq!(first["version"], "4");
    assert_eq!(first["status"], "firing");
    let alert = &first["alerts"][0];
    for key in [
        "status",
        "labels",
        "annotations",
        "startsAt",
        "endsAt",
        "fingerprint",
    ] {
        assert!(alert.get(key).is_some(), "alerts[].{key}: {alert}");
    }
    assert!(alert["labels"]["alertname"].is_string() && alert["labels"]["severity"].is_string());
    // Fewer POSTs than transitions: one per evaluation that had news.
    let alert_log = d.join("alerts.ndjson");
    let (url, bodies) = common::http_server(Vec::new());
    runtop(&[
        "check",
        &log,
        "--alert-webhook",
        &url,
        "--alert-log",
        alert_log.to_str().unwrap(),
    ]);
    let posts: Vec<Value> = bodies
        .try_iter()
        .map(|b| serde_json::from_str(&b).unwrap())
        .collect();
    let transitions = std::fs::read_to_string(&alert_log).unwrap().lines().count();
    let carried: usize = posts
        .iter()
        .map(|p| p["alerts"].as_array().unwrap().len())
        .sum();
    assert_eq!(carried, transitions, "every transition is in some POST");
    assert!(
        posts.len() < transitions,
        "{} POSTs for {transitions}",
        posts.len()
    );
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn an_unreachable_webhook_is_a_warning_not_a_different_verdict() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    drop(listener);
    // A log with alerts to send (the sample is healthy: nothing to send).
    let d = dir("unreachable-webhook");
    let log = common::regression_log(&d);
    let without = runtop(&["check", &log]);
    let with = runtop(&["check", &log, "--alert-webhook", &url]);
    assert_eq!(with.status.code(), without.status.code());
    assert_eq!(with.stdout, without.stdout);
    let err = String::from_utf8_lossy(&with.stderr);
    assert!(
        err.starts_with("runtop: warning: ") && err.contains("webhook deliveries failed"),
        "{err}"
    );
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn a_webhook_that_never_answers_times_out_without_blocking() {
    use runtop::alerts::notify::{Webhook, WebhookPolicy};
    // Accepts connections and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let held = std::thread::spawn(move || {
        listener
            .incoming()
            .take(4)
            .filter_map(Result::ok)
            .collect::<Vec<_>>()
    });
    let policy = WebhookPolicy {
        timeout: Duration::from_millis(200),
        backoff: [Duration::from_millis(10); 3],
    };
    let webhook = Webhook::start(&url, policy).unwrap();
    let stats = webhook.stats.clone();
    let t = runtop::alerts::Transition {
        at: 0,
        rule: runtop::alerts::Rule::Silence,
        subject: "x".into(),
        from: None,
        to: runtop::alerts::State::Firing,
        severity: runtop::alerts::Severity::Warning,
        value: 1.0,
        threshold: 0.0,
        summary: "s".into(),
        correlation_id: None,
        fired_at: Some(0),
        inhibited: false,
    };
    let started = std::time::Instant::now();
    webhook.send(&[t]);
    assert!(
        started.elapsed() < Duration::from_millis(50),
        "sending never waits"
    );
    webhook.finish(Duration::from_secs(5));
    use std::sync::atomic::Ordering::Relaxed;
    assert_eq!(
        (
            stats.attempts.load(Relaxed),
            stats.failed.load(Relaxed),
            stats.delivered.load(Relaxed)
        ),
        (4, 1, 0)
    );
    assert!(
        stats
            .last_error
            .lock()
            .unwrap()
            .as_deref()
            .unwrap_or("")
            .to_lowercase()
            .contains("timeout"),
        "{:?}",
        stats.last_error
    );
    drop(held);
}

#[test]
fn metric_targets_from_the_config_are_requirements_and_alerts() {
    let out = runtop(&[
        "check",
        "assets/sample.ndjson",
        "--set",
        "targets.metrics.queue_latency_ms=5000",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("FAIL  metric.queue_latency_ms.p95"),
        "{stdout}"
    );
    let report = runtop(&[
        "report",
        "assets/sample.ndjson",
        "--set",
        "targets.metrics.queue_latency_ms=5000",
    ]);
    let v: Value = serde_json::from_slice(&report.stdout).unwrap();
    let row = v["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "queue_latency_ms")
        .unwrap();
    assert_eq!(row["target"], 5000.0);
    assert!(
        v["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["subject"] == "metric queue_latency_ms"),
        "{}",
        v["alerts"]
    );
}
