//! Live sources over real WebSockets on 127.0.0.1: the real `runtop`
//! binary against its own simulator and against small test servers that
//! misbehave on purpose. Every run is bounded by `--for`/`--events` and a
//! hard timeout, so no test can hang.

use std::net::SocketAddr;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use futures_util::SinkExt;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;

mod common;

use common::{BIN, Simulator};

/// Runs `runtop` with `args`, killing it if it outlives `limit`.
async fn runtop(args: Vec<String>, limit: Duration) -> Output {
    tokio::task::spawn_blocking(move || {
        // A developer's own ~/.config/runtop must not change what tests see.
        let mut child = Command::new(BIN)
            // Never the user's data directory (kept baselines).
            .env(
                "XDG_DATA_HOME",
                std::env::temp_dir().join("runtop-test-data"),
            )
            .args(&args)
            .env("XDG_CONFIG_HOME", "/nonexistent")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + limit;
        while child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                child.kill().unwrap();
                panic!("runtop {args:?} ran past {limit:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

/// The first source failed at least once in the way `kind` names.
fn assert_failed(r: &Value, kind: &str) {
    assert!(
        r["sources"][0]["failures"][kind].as_u64().unwrap() >= 1,
        "no {kind} failure: {}",
        r["sources"]
    );
}

fn report_of(out: &Output) -> Value {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    // Exit 0, or 2 when no source delivered an event (said on stderr).
    let silent = report["events"]["accepted"] == 0;
    assert_eq!(
        out.status.code(),
        Some(if silent { 2 } else { 0 }),
        "{stderr}"
    );
    assert_eq!(silent, stderr.contains("no events accepted"), "{stderr}");
    report
}

/// Reports on `url` until it has `events` events (10 s at most), with
/// `extra` options.
async fn collect(url: &str, events: u64, extra: &[&str]) -> Value {
    let mut list = args(&[
        "report",
        url,
        "--events",
        &events.to_string(),
        "--for",
        "10",
    ]);
    list.extend(args(extra));
    report_of(&runtop(list, Duration::from_secs(20)).await)
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn event(i: u64) -> String {
    format!(
        r#"{{"type":"metric","ts":{},"name":"m","value":{i},"event_id":"ev-{i}"}}"#,
        now_ms()
    )
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// A test server: each accepted connection is handed to `handler` with its
/// number (0 for the first).
async fn server<F, Fut>(listener: TcpListener, handler: F)
where
    F: Fn(usize, tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>) -> Fut
        + Send
        + Sync
        + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let handler = std::sync::Arc::new(handler);
    let mut n = 0;
    while let Ok((stream, _)) = listener.accept().await {
        if let Ok(ws) = tokio_tungstenite::accept_async(stream).await {
            tokio::spawn(handler(n, ws));
            n += 1;
        }
    }
}

async fn listen() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_simulators_stream_arrives_whole_in_batches_and_single_frames() {
    // The same 25 executions written to a file: how many events they are.
    let file = Command::new(BIN)
        // Never the user's data directory (kept baselines).
        .env(
            "XDG_DATA_HOME",
            std::env::temp_dir().join("runtop-test-data"),
        )
        .args([
            "simulate",
            "--out",
            "-",
            "--executions",
            "25",
            "--seed",
            "5",
        ])
        .output()
        .unwrap();
    let expected = file.stdout.iter().filter(|&&b| b == b'\n').count() as u64;
    assert!(expected > 300, "{expected}");
    for batch in ["1", "50"] {
        let sim = Simulator::start(&[
            "--speed",
            "0",
            "--executions",
            "25",
            "--seed",
            "5",
            "--batch",
            batch,
        ]);
        let out = runtop(
            args(&["report", &sim.url, "--for", "3"]),
            Duration::from_secs(20),
        )
        .await;
        let r = report_of(&out);
        // The stream ends, the client redials and gets it again: every
        // repeat is a duplicate by event_id, so nothing is lost or doubled.
        assert_eq!(r["events"]["accepted"], expected, "batch {batch}");
        assert_eq!(r["events"]["invalid"], 0);
        assert!(r["sources"][0]["connects"].as_u64().unwrap() >= 1);
        assert!(r["stages"].as_array().unwrap().len() >= 3);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn binary_frames_are_counted_and_skipped() {
    let (listener, addr) = listen().await;
    tokio::spawn(server(listener, |_, mut ws| async move {
        ws.send(Message::text(event(1))).await.unwrap();
        ws.send(Message::binary(vec![0u8, 159, 146, 150]))
            .await
            .unwrap();
        ws.send(Message::text(event(2))).await.unwrap();
        tokio::time::sleep(Duration::from_secs(30)).await;
    }));
    let r = collect(&format!("ws://{addr}/"), 3, &[]).await;
    assert_eq!(r["events"]["accepted"], 2);
    assert_eq!(r["events"]["binary_frames"], 1);
    assert_eq!(r["sources"][0]["binary_frames"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_abrupt_drop_and_a_restart_on_the_same_port_lose_and_double_nothing() {
    let (listener, addr) = listen().await;
    // The first runner sends 300 events and dies without a close frame.
    let first = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(stream).await.unwrap();
        for i in 1..=300 {
            ws.send(Message::text(event(i))).await.unwrap();
        }
        drop(ws);
    });
    let client = tokio::spawn(runtop(
        args(&[
            "report",
            &format!("ws://{addr}/x"),
            "--events",
            "650",
            "--for",
            "15",
        ]),
        Duration::from_secs(25),
    ));
    first.await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    // Its replacement, on the same port, resends the last 50 it had sent
    // (same event ids) and carries on to 600.
    let listener = TcpListener::bind(addr).await.unwrap();
    tokio::spawn(server(listener, |_, mut ws| async move {
        for i in 251..=600 {
            ws.send(Message::text(event(i))).await.unwrap();
        }
        tokio::time::sleep(Duration::from_secs(30)).await;
    }));
    let r = report_of(&client.await.unwrap());
    assert_eq!(r["events"]["accepted"], 600);
    assert_eq!(r["events"]["duplicates"], 50);
    assert_eq!(r["metrics"][0]["count"], 600);
    assert!(r["events"]["reconnects"].as_u64().unwrap() >= 1);
}

async fn auth_server() -> SocketAddr {
    let (listener, addr) = listen().await;
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                #[allow(clippy::result_large_err)] // tungstenite's callback signature
                let check = |req: &Request, resp: Response| -> Result<Response, ErrorResponse> {
                    match req
                        .headers()
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                    {
                        Some("Bearer s3cret") => Ok(resp),
                        _ => {
                            let mut denied = ErrorResponse::new(None);
                            *denied.status_mut() = StatusCode::UNAUTHORIZED;
                            Err(denied)
                        }
                    }
                };
                if let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(stream, check).await {
                    for i in 1..=5 {
                        let _ = ws.send(Message::text(event(i))).await;
                    }
                    tokio::time::sleep(Duration::from_secs(30)).await;
                }
            });
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread")]
async fn unauthorized_without_the_header_and_through_with_it_never_showing_it() {
    let addr = auth_server().await;
    let url = format!("ws://{addr}/events");
    let out = runtop(
        args(&["report", &url, "--for", "1.5"]),
        Duration::from_secs(15),
    )
    .await;
    let r = report_of(&out);
    assert_eq!(r["events"]["received"], 0);
    assert_failed(&r, "unauthorized");
    assert!(
        r["sources"][0]["last_failure"]
            .as_str()
            .unwrap()
            .contains("HTTP 401")
    );

    let dir = std::env::temp_dir().join(format!("runtop-auth-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let recording = dir.join("rec.ndjson");
    let rec = recording.to_str().unwrap();
    let with = runtop(
        args(&[
            "report",
            &url,
            "--events",
            "5",
            "--for",
            "10",
            "--header",
            "Authorization: Bearer s3cret",
            "--record",
            rec,
        ]),
        Duration::from_secs(20),
    )
    .await;
    let r = report_of(&with);
    assert_eq!(r["events"]["accepted"], 5);
    let from_env = Command::new(BIN)
        // Never the user's data directory (kept baselines).
        .env(
            "XDG_DATA_HOME",
            std::env::temp_dir().join("runtop-test-data"),
        )
        .args([
            "report",
            &url,
            "--events",
            "5",
            "--for",
            "10",
            "--header-env",
            "Authorization=RUNTOP_TEST_TOKEN",
        ])
        .env("RUNTOP_TEST_TOKEN", "Bearer s3cret")
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .output()
        .unwrap();
    assert_eq!(report_of(&from_env)["events"]["accepted"], 5);
    let recorded = std::fs::read_to_string(&recording).unwrap();
    assert_eq!(recorded.lines().count(), 5);
    for output in [
        &with.stdout,
        &with.stderr,
        &from_env.stdout,
        &from_env.stderr,
        recorded.as_bytes(),
    ] {
        assert!(
            !String::from_utf8_lossy(output).contains("s3cret"),
            "the secret leaked"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_oversized_message_is_counted_and_the_link_redialled() {
    let (listener, addr) = listen().await;
    tokio::spawn(server(listener, |n, mut ws| async move {
        if n == 0 {
            let huge = format!(
                r#"{{"type":"log","ts":1,"level":"info","message":"{}"}}"#,
                "x".repeat(2 << 20)
            );
            let _ = ws.send(Message::text(huge)).await;
        }
        for i in 1..=10 {
            let _ = ws.send(Message::text(event(i))).await;
        }
        tokio::time::sleep(Duration::from_secs(30)).await;
    }));
    let r = collect(&format!("ws://{addr}/"), 11, &[]).await;
    assert_eq!(r["events"]["oversized"], 1);
    assert_eq!(r["events"]["invalid_by_kind"]["oversized"], 1);
    assert_eq!(r["events"]["accepted"], 10);
    assert!(r["events"]["reconnects"].as_u64().unwrap() >= 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stalled_runner_is_dropped_and_redialled() {
    let (listener, addr) = listen().await;
    tokio::spawn(server(listener, |n, mut ws| async move {
        let first = n as u64 * 100;
        for i in first + 1..=first + 5 {
            let _ = ws.send(Message::text(event(i))).await;
        }
        // Hold the socket without reading it: pings go unanswered.
        tokio::time::sleep(Duration::from_secs(60)).await;
        drop(ws);
    }));
    let r = collect(&format!("ws://{addr}/"), 10, &["--idle-timeout", "0.8"]).await;
    assert_eq!(r["events"]["accepted"], 10);
    assert_failed(&r, "stalled");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_runner_that_is_down_is_a_state_not_an_exit() {
    let (listener, addr) = listen().await;
    drop(listener);
    let out = runtop(
        args(&["report", &format!("ws://{addr}/"), "--for", "1.2"]),
        Duration::from_secs(15),
    )
    .await;
    let r = report_of(&out);
    assert_failed(&r, "refused");
    assert_eq!(r["sources"][0]["connected"], false);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_urls_and_paths_are_exit_2_before_connecting() {
    let cases: [(&[&str], &str); 6] = [
        (&["report", "ws://"], "invalid URL"),
        (&["report", "http://127.0.0.1:1/"], "is not ws or wss"),
        (&["report", "ws://exa mple/"], "invalid URL"),
        (
            &["report", "ws://127.0.0.1:1/", "--record", "/"],
            "is a directory",
        ),
        (
            &["report", "ws://127.0.0.1:1/", "--header", "nonsense"],
            "Name: value",
        ),
        (
            &["report", "ws://127.0.0.1:1/", "events.ndjson"],
            "not both",
        ),
    ];
    for (list, says) in cases {
        let out = runtop(args(list), Duration::from_secs(10)).await;
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{list:?}: {err}");
        assert!(
            err.starts_with("runtop: ") && err.contains(says),
            "{list:?}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_subscribe_message_is_sent_after_each_connect() {
    use futures_util::StreamExt;
    let (listener, addr) = listen().await;
    tokio::spawn(server(listener, |_, mut ws| async move {
        // Events flow only once the expected subscription has arrived.
        if let Some(Ok(Message::Text(text))) = ws.next().await
            && text.as_str() == r#"{"action":"subscribe","topics":["executions"]}"#
        {
            for i in 1..=4 {
                let _ = ws.send(Message::text(event(i))).await;
            }
        }
        tokio::time::sleep(Duration::from_secs(30)).await;
    }));
    let url = format!("ws://{addr}/");
    let subscribe = r#"{"action":"subscribe","topics":["executions"]}"#;
    assert_eq!(
        collect(&url, 4, &["--subscribe", subscribe]).await["events"]["accepted"],
        4
    );
    let out = runtop(
        args(&["report", &url, "--for", "1"]),
        Duration::from_secs(15),
    )
    .await;
    assert_eq!(
        report_of(&out)["events"]["received"],
        0,
        "no subscription, no events"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn several_runners_merge_into_one_report_with_a_state_each() {
    let (a, addr_a) = listen().await;
    let (b, addr_b) = listen().await;
    tokio::spawn(server(a, |_, mut ws| async move {
        for i in 1..=7 {
            let _ = ws.send(Message::text(event(i))).await;
        }
        tokio::time::sleep(Duration::from_secs(30)).await;
    }));
    tokio::spawn(server(b, |_, mut ws| async move {
        for i in 101..=105 {
            let _ = ws.send(Message::text(event(i))).await;
        }
        tokio::time::sleep(Duration::from_secs(30)).await;
    }));
    let (down, addr_down) = listen().await;
    drop(down);
    let urls = [
        format!("ws://{addr_a}/a"),
        format!("ws://{addr_b}/b"),
        format!("ws://{addr_down}/c"),
    ];
    let out = runtop(
        args(&[
            "report", &urls[0], &urls[1], &urls[2], "--events", "12", "--for", "10",
        ]),
        Duration::from_secs(20),
    )
    .await;
    let r = report_of(&out);
    assert_eq!(r["events"]["accepted"], 12);
    let sources = r["sources"].as_array().unwrap();
    assert_eq!(sources.len(), 3);
    assert_eq!(
        (sources[0]["frames"].as_u64(), sources[1]["frames"].as_u64()),
        (Some(7), Some(5))
    );
    assert_eq!(
        (
            sources[0]["connected"].as_bool(),
            sources[2]["connected"].as_bool()
        ),
        (Some(true), Some(false))
    );
    // The twelfth event can arrive before the refusal of the third is
    // counted (a loaded machine): then it is still connecting, said so.
    let refused = sources[2]["failures"]["refused"].as_u64().unwrap_or(0);
    let state = sources[2]["state"].as_str().unwrap_or_default();
    assert!(
        refused >= 1 || state.contains("connecting"),
        "{:?}",
        sources[2]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_name_that_does_not_resolve_is_a_dns_state() {
    let out = runtop(
        args(&["report", "ws://runner.invalid:7878/events", "--for", "1"]),
        Duration::from_secs(15),
    )
    .await;
    let r = report_of(&out);
    assert_failed(&r, "dns");
    assert!(
        r["sources"][0]["state"]
            .as_str()
            .unwrap()
            .starts_with("DNS lookup failed")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_recording_reports_the_same_as_the_live_session() {
    let sim = Simulator::start(&[
        "--speed",
        "0",
        "--executions",
        "15",
        "--seed",
        "9",
        "--batch",
        "20",
    ]);
    let dir = std::env::temp_dir().join(format!("runtop-recording-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("session.ndjson");
    let rec = path.to_str().unwrap();
    let live = report_of(
        &runtop(
            args(&["report", &sim.url, "--for", "2", "--record", rec]),
            Duration::from_secs(20),
        )
        .await,
    );
    let replay = report_of(&runtop(args(&["report", rec]), Duration::from_secs(20)).await);
    std::fs::remove_dir_all(&dir).unwrap();
    // The recording holds what arrived, repeats included: reading it back
    // counts the same events, and the same statistics, as the live session.
    for key in ["received", "accepted", "duplicates", "invalid"] {
        assert_eq!(live["events"][key], replay["events"][key], "{key}");
    }
    assert_eq!(live["stages"], replay["stages"]);
    assert_eq!(
        live["executions"]["finished"],
        replay["executions"]["finished"]
    );
}
