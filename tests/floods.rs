//! Floods of every frame kind (small and large binary, text, pings) keep a
//! live `runtop report`, and `runtop watch` in a real terminal (tmux), under
//! 64 MB: every queue from a socket to the engine and the screen is bounded
//! in bytes. Real WebSocket servers on 127.0.0.1, each run bounded by
//! `--for` (or a signal) and a hard timeout.

mod common;

use std::time::{Duration, Instant};

use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::Message;

use common::{TempDir, command, kill, pane_child_pid, peak_rss, require, stderr, ws_server};

/// Peak resident memory the issue allows any long-running command.
const MAX_RSS_BYTES: u64 = 64 << 20;

/// A server that sends `frame()` as fast as the connection takes it.
async fn flood(frame: fn(u64) -> Message) -> String {
    ws_server(move |mut ws| async move {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut i = 0;
        while Instant::now() < deadline {
            i += 1;
            // `feed` queues without flushing: the fastest a peer can send.
            if ws.feed(frame(i)).await.is_err() {
                return;
            }
            if i % 64 == 0 && ws.flush().await.is_err() {
                return;
            }
        }
    })
    .await
}

/// A server that, after the handshake, writes `frame` (already encoded as
/// WebSocket frame bytes) over and over straight to the socket: far faster
/// than a WebSocket library can send them one by one.
async fn raw_flood(frame: &'static [u8]) -> String {
    use tokio::io::AsyncWriteExt;
    ws_server(move |ws| async move {
        let mut socket = ws.into_inner();
        let chunk: Vec<u8> = frame
            .iter()
            .copied()
            .cycle()
            .take(frame.len() * 20_000)
            .collect();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if socket.write_all(&chunk).await.is_err() {
                return;
            }
        }
    })
    .await
}

/// A flood of log events, over 5,000 executions.
async fn text_flood() -> String {
    flood(|i| {
        Message::text(format!(
            r#"{{"type":"log","ts":"2026-11-23T10:00:00Z","level":"info","message":"m{i}","correlation_id":"c{}"}}"#,
            i % 5000
        ))
    })
    .await
}

/// Unmasked server frames: FIN + opcode, length, payload.
const TINY_BINARY: &[u8] = &[0x82, 0x01, 0x00];
const EMPTY_PING: &[u8] = &[0x89, 0x00];

/// The highest peak RSS of `pid` seen, polling until `done` says so.
fn peak_until(pid: u32, mut done: impl FnMut() -> bool) -> u64 {
    let mut peak = 0;
    while !done() {
        peak = peak.max(peak_rss(pid).unwrap_or(0));
        std::thread::sleep(Duration::from_millis(50));
    }
    peak
}

async fn report_under(url: String, what: &str) {
    let d = TempDir::new(&format!("flood-{what}"));
    let child = command(&d.0, &["report", &url, "--for", "4"])
        .spawn()
        .unwrap();
    let pid = child.id();
    let out = tokio::task::spawn_blocking(move || {
        let mut child = child;
        let deadline = Instant::now() + Duration::from_secs(30);
        let peak = peak_until(pid, || {
            assert!(Instant::now() < deadline, "report ran past 30 s");
            child.try_wait().unwrap().is_some()
        });
        (peak, child.wait_with_output().unwrap())
    })
    .await
    .unwrap();
    let (peak, out) = out;
    eprintln!("report, {what}: peak RSS {} MB", peak >> 20);
    assert!(
        peak > 0 || !std::path::Path::new("/proc/self/status").exists(),
        "no reading of memory"
    );
    assert!(
        peak < MAX_RSS_BYTES,
        "{what}: peak RSS {} MB; stderr: {}",
        peak >> 20,
        stderr(&out)
    );
    assert!(out.status.code().is_some(), "{what}: killed by a signal");
}

#[tokio::test(flavor = "multi_thread")]
async fn small_binary_frames() {
    report_under(
        flood(|_| Message::binary(vec![0u8; 1])).await,
        "binary-small",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn large_binary_frames() {
    report_under(
        flood(|_| Message::binary(vec![7u8; 200_000])).await,
        "binary-large",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn text_events() {
    report_under(text_flood().await, "text").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn pings() {
    report_under(
        flood(|_| Message::Ping(vec![1u8; 100].into())).await,
        "ping",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn raw_empty_pings() {
    report_under(raw_flood(EMPTY_PING).await, "raw-ping").await;
}

/// `runtop watch` under a flood, in a real terminal: the screen's side
/// drains a budget per frame, so it is the slowest reader there is.
async fn watch_under(url: String, what: &str) {
    assert!(
        require("tmux", "-V") && require("pgrep", "-V"),
        "tmux and pgrep are needed (.ci/run installs them)"
    );
    let d = TempDir::new(&format!("watch-{what}"));
    let session = common::tmux_session(
        &format!("flood-{what}"),
        &d.0,
        &format!("watch {url}"),
        (160, 48),
    );
    let peak = tokio::task::spawn_blocking(move || {
        let deadline = Instant::now() + Duration::from_secs(10);
        let pid = loop {
            if let Some(pid) = pane_child_pid(&session.0) {
                break pid;
            }
            assert!(Instant::now() < deadline, "watch did not start");
            std::thread::sleep(Duration::from_millis(50));
        };
        let until = Instant::now() + Duration::from_secs(6);
        let peak = peak_until(pid, || Instant::now() >= until);
        kill(pid, "TERM");
        peak
    })
    .await
    .unwrap();
    eprintln!("watch, {what}: peak RSS {} MB", peak >> 20);
    assert!(peak > 0, "no reading of memory");
    assert!(
        peak < MAX_RSS_BYTES,
        "watch, {what}: peak RSS {} MB",
        peak >> 20
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn watch_under_small_binary_frames() {
    watch_under(raw_flood(TINY_BINARY).await, "binary").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn watch_under_text_events() {
    watch_under(text_flood().await, "text").await;
}

/// The engine's side stops reading for two seconds (a slow frame, a paused
/// screen) while a runner floods empty binary frames: what waits for it
/// stays within the byte budget, whatever the frame kind.
#[tokio::test(flavor = "multi_thread")]
async fn what_waits_for_a_stalled_engine_is_bounded_whatever_the_frame_kind() {
    use runtop::source::live::{
        DELIVERY_OVERHEAD_BYTES, Endpoint, FRAME_BUDGET_BYTES, LinkOptions, spawn, tls_config,
    };
    for frame in [TINY_BINARY, EMPTY_PING] {
        let url = raw_flood(frame).await;
        let endpoint = Endpoint::parse(&url).unwrap();
        let options = LinkOptions::defaults(tls_config(None).unwrap());
        let mut deliveries = spawn(&[endpoint], &options);
        tokio::time::sleep(Duration::from_secs(2)).await;
        let mut waiting = 0;
        while deliveries.try_recv().is_ok() {
            waiting += 1;
        }
        let most = FRAME_BUDGET_BYTES / DELIVERY_OVERHEAD_BYTES + 16;
        assert!(
            waiting <= most,
            "{waiting} deliveries waited (at most {most})"
        );
    }
}
