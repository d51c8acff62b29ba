//! What the end-to-end test files share: the real binary run with a
//! private configuration and data directory, bounded in time.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_runtop");

/// A fresh directory for one test, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let d = std::env::temp_dir().join(format!("runtop-t-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        TempDir(d)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    pub fn str(&self, name: &str) -> String {
        self.path(name).to_str().unwrap().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `runtop ARGS` with the user's config and data directories out of reach
/// (the test's own under `home`), not yet started.
pub fn command(home: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args);
    private(c, home)
}

/// `c` with the test's own config and data directories, no `RUNTOP_LOG`,
/// no standard input, and its output captured.
fn private(mut c: Command, home: &Path) -> Command {
    c.env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env_remove("RUNTOP_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// A log of the `regression` scenario (implement slows past its target),
/// written into the directory `d`; its path.
pub fn regression_log(d: &Path) -> String {
    let log = d.join("regression.ndjson").to_str().unwrap().to_string();
    let args = [
        "simulate",
        "--scenario",
        "regression",
        "--executions",
        "150",
        "--out",
        &log,
    ];
    let out = run(d, &args, Duration::from_secs(60));
    assert!(out.status.success(), "{}", stderr(&out));
    log
}

/// `scenario` (seed 7, 300 executions) written by the real simulator into
/// a directory of its own, named after `tag`; the directory and the path.
pub fn scenario_log(scenario: &str, tag: &str) -> (TempDir, String) {
    let dir = TempDir::new(&format!("{tag}-{scenario}"));
    let path = simulated(&dir.0, scenario, 7, 300);
    (dir, path)
}

/// `scenario` with `seed` and `executions`, written by the real simulator
/// into `d`; its path.
pub fn simulated(d: &Path, scenario: &str, seed: u64, executions: u64) -> String {
    let path = d
        .join(format!("{scenario}-{seed}-{executions}.ndjson"))
        .to_str()
        .unwrap()
        .to_string();
    let (seed, executions) = (seed.to_string(), executions.to_string());
    let args = [
        "simulate",
        "--scenario",
        scenario,
        "--seed",
        &seed,
        "--executions",
        &executions,
        "--out",
        &path,
    ];
    let out = run(d, &args, Duration::from_secs(60));
    assert!(out.status.success(), "{}", stderr(&out));
    path
}

/// The events of an NDJSON log, parsed.
pub fn events_of(path: &str) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The highest VmHWM (peak resident set) `pid` has reached, in bytes.
pub fn peak_rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Waits for `child`, killing it (and failing) past `limit`.
pub fn wait_bounded(mut child: Child, limit: Duration) -> Output {
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "runtop ran past {limit:?}; stderr: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// Runs `runtop ARGS` to its end, within `limit`.
pub fn run(home: &Path, args: &[&str], limit: Duration) -> Output {
    wait_bounded(command(home, args).spawn().unwrap(), limit)
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A loopback port nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// `runtop simulate` on a free loopback port; killed when dropped.
pub struct Simulator {
    pub child: Child,
    pub url: String,
}

impl Simulator {
    pub fn start(extra: &[&str]) -> Simulator {
        use std::io::BufRead;
        let mut child = Command::new(BIN)
            .args(["simulate", "--listen", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .split_whitespace()
            .nth(1)
            .expect("serving URL")
            .to_string();
        Simulator { child, url }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends `signal` (e.g. "TERM") to `pid`.
pub fn kill(pid: u32, signal: &str) {
    let ok = Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -{signal} {pid}");
}

/// `sh -c SCRIPT` with the same private environment as [`command`].
pub fn shell(home: &Path, script: &str) -> Command {
    let mut c = Command::new("sh");
    c.args(["-c", script]);
    private(c, home)
}

/// A WebSocket server on a free loopback port that hands every accepted
/// connection to `serve`; its `ws://` URL. It lives as long as the test's
/// runtime.
pub async fn ws_server<F, Fut>(serve: F) -> String
where
    F: Fn(tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let serve = std::sync::Arc::new(serve);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let serve = serve.clone();
            tokio::spawn(async move {
                if let Ok(ws) = tokio_tungstenite::accept_async(stream).await {
                    serve(ws).await;
                }
            });
        }
    });
    format!("ws://{addr}/events")
}

/// Whether `tool` runs (`tool ARG` succeeds); in CI (`CI` set) it must:
/// `.ci/run` installs it, and a test that skipped itself there would test
/// nothing.
pub fn require(tool: &str, arg: &str) -> bool {
    let there = Command::new(tool)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        there || std::env::var_os("CI").is_none(),
        "{tool} is missing in CI: .ci/run installs it"
    );
    there
}

/// `tmux ARGS`, its standard output.
pub fn tmux(args: &[&str]) -> String {
    let out = Command::new("tmux").args(args).output().expect("tmux runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The pid of the program a tmux session's pane runs (its shell's child).
pub fn pane_child_pid(session: &str) -> Option<u32> {
    let shell = tmux(&["display", "-p", "-t", session, "#{pane_pid}"]);
    let children = Command::new("pgrep")
        .args(["-P", shell.trim()])
        .output()
        .ok()?;
    String::from_utf8_lossy(&children.stdout)
        .lines()
        .next()?
        .trim()
        .parse()
        .ok()
}

/// A tmux session, killed when dropped.
pub struct TmuxSession(pub String);

impl Drop for TmuxSession {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.0])
            .output();
    }
}

/// A detached tmux session of `width`×`height` running `runtop ARGS` (a
/// shell word list) with the test's private directories under `home`; the
/// pane stays 30 s after runtop exits, for its screen to be read.
pub fn tmux_session(
    name: &str,
    home: &Path,
    args: &str,
    (width, height): (u16, u16),
) -> TmuxSession {
    let session = TmuxSession(format!("runtop-{name}-{}", std::process::id()));
    let shell = format!(
        "XDG_CONFIG_HOME={home}/config XDG_DATA_HOME={home}/data {BIN} {args}; sleep 30",
        home = home.display(),
    );
    tmux(&[
        "new-session",
        "-d",
        "-s",
        &session.0,
        "-x",
        &width.to_string(),
        "-y",
        &height.to_string(),
        &shell,
    ]);
    session
}

/// An HTTP server on 127.0.0.1 answering each request with the next status
/// of `statuses` (then 200), reporting each body it receives.
pub fn http_server(statuses: Vec<u16>) -> (String, std::sync::mpsc::Receiver<String>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    use std::io::{BufRead, Read, Write};
    std::thread::spawn(move || {
        let mut statuses = statuses.into_iter();
        for stream in listener.incoming().take(1_000) {
            let Ok(mut stream) = stream else { continue };
            let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let _ = tx.send(String::from_utf8(body).unwrap());
            let status = statuses.next().unwrap_or(200);
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            );
        }
    });
    (url, rx)
}
