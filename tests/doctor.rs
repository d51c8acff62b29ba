//! `runtop doctor` run as an operator would, against real servers on
//! loopback: a live simulator passes; a refused port, a TLS mismatch, a
//! 401, a silent runner and a dead Alertmanager are each named, with the
//! fix, and make the exit code 1.

use std::process::Output;
use std::time::Duration;

mod common;

fn doctor(args: &[&str]) -> (Output, String) {
    let home = common::TempDir::new("doctor");
    let mut all = vec!["doctor"];
    all.extend_from_slice(args);
    let out = common::run(&home.0, &all, Duration::from_secs(30));
    let text = common::stdout(&out);
    (out, text)
}

/// The line of check `check` in the printed findings, and the fix under it.
fn finding<'t>(text: &'t str, check: &str) -> (&'t str, &'t str) {
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.get(8..).is_some_and(|rest| rest.starts_with(check)))
        .unwrap_or_else(|| panic!("no {check:?} line in:\n{text}"));
    let fix = lines
        .get(at + 1)
        .filter(|l| l.trim_start().starts_with("fix:"))
        .copied()
        .unwrap_or("");
    (lines[at], fix)
}

fn status(line: &str) -> &str {
    line.split_whitespace().next().unwrap_or_default()
}

#[test]
fn a_live_simulator_passes_every_runner_check() {
    let sim = common::Simulator::start(&[]);
    let (out, text) = doctor(&[&sim.url, "--wait", "10s"]);
    assert_eq!(out.status.code(), Some(0), "{text}{}", common::stderr(&out));
    for check in ["dns", "tcp", "handshake", "first event", "clock"] {
        let (line, _) = finding(&text, check);
        assert_eq!(status(line), "ok", "{line}\n{text}");
    }
    assert_eq!(status(finding(&text, "tls").0), "-", "ws:// uses no TLS");
    assert!(
        finding(&text, "clock").0.contains("of this host's"),
        "{text}"
    );
    assert!(
        text.lines().last().unwrap().starts_with("0 problems")
            || text.ends_with("nothing wrong found\n")
    );
}

#[test]
fn a_refused_port_is_named_with_its_fix() {
    let url = format!("ws://127.0.0.1:{}/events", common::closed_port());
    let (out, text) = doctor(&[&url]);
    assert_eq!(out.status.code(), Some(1), "{text}");
    let (line, fix) = finding(&text, "tcp");
    assert_eq!(status(line), "FAIL");
    assert!(line.contains("connection refused"), "{line}");
    assert!(fix.contains("nothing listens on 127.0.0.1:"), "{fix}");
    assert!(
        finding(&text, "handshake").0.contains("not checked"),
        "{text}"
    );
}

#[test]
fn wss_to_a_plain_runner_is_a_tls_problem() {
    let sim = common::Simulator::start(&[]);
    let url = sim.url.replacen("ws://", "wss://", 1);
    let (out, text) = doctor(&[&url]);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert_eq!(status(finding(&text, "tcp").0), "ok");
    let (line, fix) = finding(&text, "tls");
    assert_eq!(status(line), "FAIL", "{text}");
    assert!(fix.contains("use ws://"), "{fix}");
}

#[test]
fn a_401_says_to_pass_a_token_and_never_shows_one() {
    let (url, _) = common::http_server(vec![401, 401]);
    let url = url.replacen("http://", "ws://", 1);
    let (out, text) = doctor(&[&url]);
    assert_eq!(out.status.code(), Some(1), "{text}");
    let (line, fix) = finding(&text, "handshake");
    assert_eq!(status(line), "FAIL", "{text}");
    assert!(line.contains("401"), "{line}");
    assert!(fix.contains("--header-env"), "{fix}");
    // With a token that is refused: said so, and the token never printed.
    let (out, text) = doctor(&[&url, "--header", "Authorization: Bearer s3cr3t-t0ken"]);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        finding(&text, "handshake")
            .1
            .contains("refused the credentials"),
        "{text}"
    );
    assert!(!text.contains("s3cr3t") && !common::stderr(&out).contains("s3cr3t"));
}

#[test]
fn a_silent_runner_and_a_dead_alertmanager_are_named() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let url = runtime.block_on(common::ws_server(|ws| async move {
        // Open, and silent.
        let _held = ws;
        tokio::time::sleep(Duration::from_secs(5)).await;
    }));
    let alertmanager = format!("http://127.0.0.1:{}", common::closed_port());
    let (out, text) = doctor(&[&url, "--wait", "300ms", "--alertmanager", &alertmanager]);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert_eq!(status(finding(&text, "handshake").0), "ok", "{text}");
    let (line, fix) = finding(&text, "first event");
    assert_eq!(status(line), "FAIL");
    assert!(line.contains("nothing came in"), "{line}");
    assert!(fix.contains("--subscribe"), "{fix}");
    assert_eq!(status(finding(&text, "alertmanager").0), "FAIL", "{text}");
}

#[test]
fn a_webhook_gets_a_test_message_and_its_path_stays_secret() {
    let (url, bodies) = common::http_server(vec![]);
    let hook = url.replace("/hook", "/services/T000/B000/SECRETPATH");
    let (out, text) = doctor(&["--alert-webhook", &hook, "--send-test"]);
    let (line, _) = finding(&text, "webhook");
    assert_eq!(status(line), "ok", "{text}{}", common::stderr(&out));
    let body: serde_json::Value =
        serde_json::from_str(&bodies.recv_timeout(Duration::from_secs(5)).unwrap()).unwrap();
    assert!(
        body["text"].as_str().unwrap().contains("test notification"),
        "{body}"
    );
    assert!(!text.contains("SECRETPATH") && !common::stderr(&out).contains("SECRETPATH"));
}
