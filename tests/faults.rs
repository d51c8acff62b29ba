//! Nothing lost under faults: signals during a live report, a recording
//! that fails, files planted as links, secrets in errors, hostile
//! arguments. The real binary against its own simulator on 127.0.0.1.

mod common;

use std::time::{Duration, Instant};

use common::{Simulator, TempDir, command, kill, run, shell, stderr, stdout, wait_bounded};
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

#[test]
fn hostile_arguments_are_refused_with_exit_2_never_a_panic() {
    let d = TempDir::new("args");
    let url = format!("ws://127.0.0.1:{}/events", common::closed_port());
    let cases: &[&[&str]] = &[
        &["report", &url, "--for", "1e19"],
        &["report", &url, "--for", "18446744073709551615"],
        &["report", &url, "--idle-timeout", "1e300"],
        &["report", &url, "--idle-timeout", "1e-9"],
        &["report", &url, "--for=-3"],
        &["report", "ws://127.0.0.1:99999/events", "--for", "1"],
        &["report", "ws://127.0.0.1:abc/events", "--for", "1"],
        &["report", &url, "--ca-cert", "/dev/zero"],
        &["check", "assets/sample.ndjson", "--config", "/dev/zero"],
        &["check", "assets/sample.ndjson", "--baseline", "/dev/zero"],
    ];
    for args in cases {
        let started = Instant::now();
        let out = run(&d.0, args, Duration::from_secs(20));
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(err.lines().count() <= 4, "{args:?}: {err}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{args:?} took long"
        );
    }
    let out = run(&d.0, &["report", "ws://127.0.0.1:99999/events"], LIMIT);
    assert!(stderr(&out).contains("port \"99999\""), "{}", stderr(&out));
    let out = run(&d.0, &["report", &url, "--ca-cert", "/dev/zero"], LIMIT);
    assert!(
        stderr(&out).contains("larger than 4 MiB"),
        "{}",
        stderr(&out)
    );
}

/// Exit 2 is for what the caller can fix; a failure around runtop at run
/// time (here: standard output is a full disk, a port already taken) is 3,
/// so a script can tell "my command is wrong" from "the machine is".
#[test]
fn run_time_failures_exit_3_not_as_usage_errors() {
    let d = TempDir::new("exit3");
    let out = shell(
        &d.0,
        "exec \"$RUNTOP\" report assets/sample.ndjson > /dev/full",
    )
    .env("RUNTOP", env!("CARGO_BIN_EXE_runtop"))
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot write output"),
        "{}",
        stderr(&out)
    );
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = run(&d.0, &["simulate", "--listen", &addr], LIMIT);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("cannot listen on {addr}")),
        "{}",
        stderr(&out)
    );
    // The same flag with a value that is no address is usage.
    let out = run(&d.0, &["simulate", "--listen", "nowhere"], LIMIT);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn secrets_in_urls_never_reach_output() {
    let d = TempDir::new("secrets");
    let port = common::closed_port();
    // A bad port, so the URL is refused with an error that shows it.
    let out = run(
        &d.0,
        &[
            "report",
            "ws://admin:hunter2@127.0.0.1:70000/events?token=hunter2",
        ],
        LIMIT,
    );
    assert_eq!(out.status.code(), Some(2));
    let said = stderr(&out) + &stdout(&out);
    assert!(said.contains("127.0.0.1:70000/events?…"), "{said}");
    assert!(
        !said.contains("hunter2") && !said.contains("admin"),
        "{said}"
    );
    // A live report of a runner that is down, with a secret query.
    let url = format!("ws://admin:hunter2@127.0.0.1:{port}/events?token=hunter2");
    let out = run(
        &d.0,
        &["report", &url, "--for", "1", "--format", "text"],
        LIMIT,
    );
    let said = stderr(&out) + &stdout(&out);
    assert!(
        !said.contains("hunter2") && !said.contains("admin"),
        "{said}"
    );
    // A webhook that fails: its path is the secret.
    let log = common::regression_log(&d.0);
    let hook = format!("http://127.0.0.1:{port}/services/T0/B0/hunter2");
    let out = run(&d.0, &["check", &log, "--alert-webhook", &hook], LIMIT);
    let said = stderr(&out) + &stdout(&out);
    assert!(said.contains("webhook"), "the failure is said: {said}");
    assert!(
        !said.contains("hunter2") && !said.contains("/services/"),
        "{said}"
    );
    let out = run(
        &d.0,
        &["check", &log, "--alert-webhook", "ftp://x/hunter2"],
        LIMIT,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(!stderr(&out).contains("hunter2"), "{}", stderr(&out));
}

#[cfg(unix)]
#[test]
fn runner_data_files_are_0600_and_planted_links_are_refused() {
    use std::os::unix::fs::PermissionsExt;
    let d = TempDir::new("files");
    let log = common::regression_log(&d.0);
    // Under umask 000, every file runtop writes is still 0600.
    let alerts = d.str("alerts.ndjson");
    let export = d.str("verdict.json");
    let baseline = d.str("baseline.json");
    let script = format!(
        "umask 000; '{bin}' check '{log}' --alert-log '{alerts}' --export '{export}'; \
         '{bin}' baseline save '{log}' '{baseline}'",
        bin = common::BIN
    );
    let out = wait_bounded(common::shell(&d.0, &script).spawn().unwrap(), LIMIT);
    assert!(out.status.success(), "{}", stderr(&out));
    for file in [&alerts, &export, &baseline] {
        let mode = std::fs::metadata(file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{file}");
    }
    // A link planted where the alert log or the recording goes is refused,
    // and its target is left alone.
    let target = d.path("target");
    std::fs::write(&target, "").unwrap();
    let link = d.str("planted");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let out = run(&d.0, &["check", &log, "--alert-log", &link], LIMIT);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));
    let sim = Simulator::start(&["--speed", "50"]);
    let out = run(
        &d.0,
        &["report", &sim.url, "--events", "20", "--record", &link],
        LIMIT,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "");
}

#[cfg(unix)]
#[test]
fn the_diagnostic_trail_goes_to_a_private_log_file_without_secrets() {
    use std::os::unix::fs::PermissionsExt;
    let d = TempDir::new("trail");
    let port = common::closed_port();
    let url = format!("ws://admin:hunter2@127.0.0.1:{port}/events?token=hunter2");
    let log = d.str("runtop.log");
    // Off by default: no file, nothing on stderr but the report's outcome.
    let out = run(&d.0, &["report", &url, "--for", "1"], LIMIT);
    let err = stderr(&out);
    assert!(!err.contains(" WARN ") && !err.contains(" INFO "), "{err}");
    let mut c = command(&d.0, &["report", &url, "--for", "1", "--log-file", &log]);
    c.env("RUNTOP_LOG", "info");
    let out = wait_bounded(c.spawn().unwrap(), LIMIT);
    assert_eq!(out.status.code(), Some(2));
    let trail = std::fs::read_to_string(&log).unwrap();
    assert!(trail.contains("connection refused"), "{trail}");
    assert!(trail.contains("runtop starting"), "{trail}");
    assert!(
        !trail.contains("hunter2") && !trail.contains("admin"),
        "{trail}"
    );
    let mode = std::fs::metadata(&log).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    // A bad level is a usage error, said clearly.
    let mut c = command(&d.0, &["report", &url, "--log-file", &log]);
    c.env("RUNTOP_LOG", "loud[[");
    let out = wait_bounded(c.spawn().unwrap(), LIMIT);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("RUNTOP_LOG"), "{}", stderr(&out));
}

/// `simulate --listen` stops on SIGTERM as on Ctrl-C (it ran on, a
/// scripted flood never ended).
#[test]
fn the_simulator_stops_on_sigterm() {
    let sim = common::Simulator::start(&["--scenario", "flood"]);
    common::kill(sim.child.id(), "TERM");
    let mut sim = sim;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let status = loop {
        if let Some(status) = sim.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still running 5 s after SIGTERM"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
}
