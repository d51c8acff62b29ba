//! The HTTP side of `runtop serve`: `/metrics`, `/api/v1/report`,
//! `/healthz`, `/readyz`.
//!
//! Bounded so that scrapers can never stall ingest or grow memory: at most
//! [`MAX_CONNECTIONS`] connections at once (more are closed at once), a
//! request's headers within [`HEADER_TIMEOUT`], a connection closed after
//! [`CONNECTION_TIMEOUT`] whatever it does (a client reading its answer a
//! byte a minute), and answers built at most once a second and shared by
//! every request meanwhile: a flood of scrapes costs one snapshot of the
//! monitor a second, each one a short hold of its lock.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{ACCEPT, ALLOW, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::sync::Semaphore;

use super::exposition::{Exposition, text_004};
use crate::levels::Severity;
use crate::monitor::Monitor;

/// Connections served at once.
pub const MAX_CONNECTIONS: usize = 64;
/// Time a client has to send a request's headers.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(5);
/// Time a connection may stay open, keep-alive included.
pub const CONNECTION_TIMEOUT: Duration = Duration::from_secs(30);
/// How long an answer is shared before it is built again.
const FRESH_FOR: Duration = Duration::from_secs(1);

const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
const TEXT_004: &str = "text/plain; version=0.0.4; charset=utf-8";

/// What the ingest side and the HTTP side share.
#[derive(Debug)]
pub struct Shared {
    pub monitor: Mutex<Monitor>,
    /// A source connected, or the file was read to its end.
    pub ready: AtomicBool,
    /// What the report says was watched.
    pub watched: String,
    pub fail_on: Severity,
    answers: Mutex<Answers>,
}

/// Answers built recently, by what they were built from.
#[derive(Debug, Default)]
struct Answers {
    metrics: Option<Kept>,
    report: Option<Kept>,
}

#[derive(Debug)]
struct Kept {
    version: (u64, u64),
    at: Instant,
    body: Arc<str>,
}

impl Kept {
    fn fresh(&self, version: (u64, u64)) -> bool {
        self.version == version && self.at.elapsed() < FRESH_FOR
    }
}

impl Shared {
    pub fn new(monitor: Monitor, watched: String, fail_on: Severity) -> Shared {
        Shared {
            monitor: Mutex::new(monitor),
            ready: AtomicBool::new(false),
            watched,
            fail_on,
            answers: Mutex::default(),
        }
    }

    /// The monitor, even if a thread panicked holding it (what it holds is
    /// still the best there is to serve).
    pub fn monitor(&self) -> std::sync::MutexGuard<'_, Monitor> {
        self.monitor.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn version(monitor: &Monitor) -> (u64, u64) {
        (monitor.engine.input().received, monitor.revision)
    }

    /// The OpenMetrics exposition, built at most once a second.
    pub fn metrics(&self) -> Arc<str> {
        self.answer(|a| &mut a.metrics, Exposition::of, |x| x.openmetrics())
    }

    /// The `runtop.report.v1` JSON of what was seen, built at most once a
    /// second.
    pub fn report(&self) -> Arc<str> {
        self.answer(
            |a| &mut a.report,
            |m| m.report(&self.watched, self.fail_on),
            |r| r.to_json(),
        )
    }

    /// A kept answer if fresh; else a copy taken under the monitor's lock,
    /// turned into text after it is released.
    fn answer<T>(
        &self,
        slot: fn(&mut Answers) -> &mut Option<Kept>,
        copy: impl FnOnce(&Monitor) -> T,
        text: impl FnOnce(T) -> String,
    ) -> Arc<str> {
        let mut answers = self.answers.lock().unwrap_or_else(|e| e.into_inner());
        let (version, copied) = {
            let monitor = self.monitor();
            let version = Self::version(&monitor);
            if let Some(kept) = slot(&mut answers).as_ref().filter(|k| k.fresh(version)) {
                return kept.body.clone();
            }
            (version, copy(&monitor))
        };
        let body: Arc<str> = text(copied).into();
        *slot(&mut answers) = Some(Kept {
            version,
            at: Instant::now(),
            body: body.clone(),
        });
        body
    }
}

/// Whether the scraper asked for OpenMetrics (Prometheus does).
fn wants_openmetrics(req: &Request<Incoming>) -> bool {
    req.headers()
        .get_all(ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("application/openmetrics-text"))
}

fn answer(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn route(req: &Request<Incoming>, shared: &Shared) -> Response<Full<Bytes>> {
    const PLAIN: &str = "text/plain; charset=utf-8";
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut r = answer(StatusCode::METHOD_NOT_ALLOWED, PLAIN, "only GET\n");
        r.headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    match req.uri().path() {
        "/metrics" => {
            let body = shared.metrics();
            if wants_openmetrics(req) {
                answer(StatusCode::OK, OPENMETRICS, body.to_string())
            } else {
                answer(StatusCode::OK, TEXT_004, text_004(&body))
            }
        }
        "/api/v1/report" => answer(
            StatusCode::OK,
            "application/json",
            shared.report().to_string(),
        ),
        "/healthz" => answer(StatusCode::OK, PLAIN, "ok\n"),
        "/readyz" if shared.ready.load(Ordering::Relaxed) => {
            answer(StatusCode::OK, PLAIN, "ready\n")
        }
        "/readyz" => answer(
            StatusCode::SERVICE_UNAVAILABLE,
            PLAIN,
            "not ready: no source connected yet\n",
        ),
        _ => answer(
            StatusCode::NOT_FOUND,
            PLAIN,
            "not found: /metrics, /api/v1/report, /healthz, /readyz\n",
        ),
    }
}

/// The server, running on its own thread until stopped.
#[derive(Debug)]
pub struct Server {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Serves `shared` on `listener` (bound by the caller, so that a taken
    /// port is said before anything starts).
    pub fn start(listener: std::net::TcpListener, shared: Arc<Shared>) -> std::io::Result<Server> {
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::Builder::new()
            .name("runtop-http".into())
            .spawn(move || runtime.block_on(serve(listener, shared, stopping)))?;
        Ok(Server {
            addr,
            stop,
            thread: Some(thread),
        })
    }

    /// Stops accepting and waits (briefly) for the thread to end.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

async fn serve(listener: std::net::TcpListener, shared: Arc<Shared>, stop: Arc<AtomicBool>) {
    let listener = match tokio::net::TcpListener::from_std(listener) {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(error = %e, "cannot serve HTTP");
            return;
        }
    };
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut poll = tokio::time::interval(Duration::from_millis(100));
    loop {
        let accepted = tokio::select! {
            _ = poll.tick() => {
                if stop.load(Ordering::Relaxed) || crate::signals::stop_requested() {
                    return;
                }
                continue;
            }
            accepted = listener.accept() => accepted,
        };
        let Ok((stream, _)) = accepted else {
            // Out of descriptors, say: wait rather than spin.
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        // Over the limit the connection is closed at once: a flood is
        // turned away, not queued.
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            drop(stream);
            continue;
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req: Request<Incoming>| {
                let response = route(&req, &shared);
                async move { Ok::<_, Infallible>(response) }
            });
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .max_buf_size(64 * 1024)
                .serve_connection(TokioIo::new(stream), service);
            let _ = tokio::time::timeout(CONNECTION_TIMEOUT, connection).await;
            drop(slot);
        });
    }
}
