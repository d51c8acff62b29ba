//! The simulated runner's WebSocket endpoint (`runtop simulate`).
//!
//! Every client gets a simulation of its own, started when it connects, so
//! each sees a complete, deterministic stream (same seed, same events), and
//! a slow client slows only its own stream: the server waits on the socket,
//! and TCP pushes back, rather than dropping events.
//!
//! Events are paced by simulated time, sped up by `speed`; `rate` paces them
//! at a fixed number of events per second instead, and the `flood` scenario
//! sends them as fast as the client takes them. Served events are stamped
//! with the wall-clock time they are sent, so that delivery lag and the
//! engine's time checks see a live runner; their durations are the
//! simulated ones.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;

use super::{DEFAULT_START, Scenario, Simulator};
use crate::protocol::time::wall_clock_now;
use crate::protocol::{Event, to_json_line};

#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub path: String,
    pub seed: u64,
    pub speed: f64,
    pub scenario: Scenario,
    /// Events per second, instead of simulated-time pacing.
    pub rate: Option<f64>,
    pub executions: Option<u64>,
    /// Executions the runner runs at once, instead of the scenario's limit.
    pub concurrency: Option<usize>,
    /// Events per frame: 1 sends single objects, more sends JSON arrays.
    pub batch: usize,
}

/// Serves until the listener fails; each connection on its own task.
pub async fn serve(listener: TcpListener, options: ServeOptions) -> std::io::Result<()> {
    loop {
        let (stream, peer) = listener.accept().await?;
        let options = options.clone();
        tokio::spawn(async move {
            match serve_client(stream, &options).await {
                Err(e) if !is_departure(&e) => eprintln!("runtop simulate: {peer}: {e}"),
                _ => {}
            }
        });
    }
}

/// A client that simply left: nothing worth saying.
fn is_departure(e: &tokio_tungstenite::tungstenite::Error) -> bool {
    use std::io::ErrorKind;
    use tokio_tungstenite::tungstenite::Error;
    match e {
        Error::ConnectionClosed | Error::AlreadyClosed | Error::Protocol(_) => true,
        Error::Io(io) => matches!(
            io.kind(),
            ErrorKind::BrokenPipe | ErrorKind::ConnectionReset | ErrorKind::UnexpectedEof
        ),
        _ => false,
    }
}

/// The simulation a client gets.
pub fn simulator(options: &ServeOptions) -> Simulator {
    simulator_from(options, DEFAULT_START)
}

/// The simulation `options` describe, its clock starting at `start`.
pub fn simulator_from(options: &ServeOptions, start: crate::protocol::Millis) -> Simulator {
    let mut model = options.scenario.model();
    if let Some(n) = options.concurrency {
        model = model.with_concurrency(n);
    }
    let sim = Simulator::with_model(options.scenario, model, options.seed, start);
    match options.executions {
        Some(n) => sim.limit_executions(n),
        None => sim,
    }
}

async fn serve_client(
    stream: TcpStream,
    options: &ServeOptions,
) -> Result<(), tokio_tungstenite::tungstenite::Error> {
    let _ = stream.set_nodelay(true);
    let path = options.path.clone();
    // The signature is tungstenite's handshake callback's.
    #[allow(clippy::result_large_err)]
    let check_path = move |req: &Request, resp: Response| -> Result<Response, ErrorResponse> {
        if req.uri().path() == path {
            Ok(resp)
        } else {
            let mut not_found =
                ErrorResponse::new(Some(format!("no event stream at {}", req.uri().path())));
            *not_found.status_mut() = StatusCode::NOT_FOUND;
            Err(not_found)
        }
    };
    let ws = tokio_tungstenite::accept_hdr_async(stream, check_path).await?;
    let (mut sink, mut incoming) = ws.split();
    // Read what the client sends (a subscribe message, pings, its close) so
    // that pings are answered and a departed client is noticed.
    let reader = tokio::spawn(async move { while let Some(Ok(_)) = incoming.next().await {} });

    let mut sim = simulator(options).peekable();
    let pace = Pace::new(options);
    let mut sent: u64 = 0;
    let mut frame = String::new();
    while sim.peek().is_some() {
        if reader.is_finished() {
            return Ok(());
        }
        let mut batch: Vec<Event<'static>> = Vec::with_capacity(options.batch);
        while batch.len() < options.batch {
            let Some(next) = sim.peek() else { break };
            match pace.wait_for(next.ts, sent + batch.len() as u64) {
                None => batch.push(sim.next().expect("peeked")),
                Some(_) if !batch.is_empty() => break,
                Some(wait) => tokio::time::sleep(wait).await,
            }
        }
        let now = wall_clock_now();
        frame.clear();
        if options.batch > 1 {
            frame.push('[');
        }
        for (i, mut event) in batch.into_iter().enumerate() {
            event.ts = now;
            if i > 0 {
                frame.push(',');
            }
            frame.push_str(&to_json_line(&event));
            sent += 1;
        }
        if options.batch > 1 {
            frame.push(']');
        }
        sink.send(Message::text(std::mem::take(&mut frame))).await?;
    }
    sink.send(Message::Close(None)).await?;
    reader.abort();
    Ok(())
}

/// When the next event is due.
struct Pace {
    started: Instant,
    sim_start: i64,
    speed: f64,
    rate: Option<f64>,
    paced: bool,
}

impl Pace {
    fn new(options: &ServeOptions) -> Self {
        Pace {
            started: Instant::now(),
            sim_start: DEFAULT_START,
            speed: options.speed,
            rate: options.rate,
            paced: options.scenario.paced(),
        }
    }

    /// How long to wait before sending the event at simulated time `ts`,
    /// the `n`th of the stream; `None` if it is due now.
    fn wait_for(&self, ts: i64, n: u64) -> Option<Duration> {
        let elapsed = self.started.elapsed();
        let due = match self.rate {
            Some(rate) => Duration::from_secs_f64(n as f64 / rate),
            None if !self.paced || self.speed <= 0.0 => return None,
            None => {
                Duration::from_secs_f64((ts - self.sim_start).max(0) as f64 / 1000.0 / self.speed)
            }
        };
        // Sleep in short steps so a batch never waits long to fill.
        due.checked_sub(elapsed)
            .map(|d| d.min(Duration::from_millis(50)))
    }
}

/// Binds `addr`, reporting what actually bound (a port of 0 picks one).
pub async fn bind(addr: SocketAddr) -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}

/// Simulated events as NDJSON lines, with their simulated timestamps.
pub fn ndjson_lines(options: &ServeOptions) -> impl Iterator<Item = String> {
    simulator(options).map(|e| to_json_line(&e))
}

/// A simulation as an NDJSON stream to read, started at `start`: what
/// `demo` replays at its speed, so that every time it shows (timestamps,
/// durations, elapsed times, bars against targets) is simulated time.
pub struct NdjsonReader {
    lines: Box<dyn Iterator<Item = String> + Send>,
    pending: Vec<u8>,
    at: usize,
}

impl NdjsonReader {
    pub fn new(options: &ServeOptions, start: crate::protocol::Millis) -> Self {
        NdjsonReader {
            lines: Box::new(simulator_from(options, start).map(|e| to_json_line(&e) + "\n")),
            pending: Vec::new(),
            at: 0,
        }
    }
}

impl std::io::Read for NdjsonReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.at == self.pending.len() {
            match self.lines.next() {
                Some(line) => {
                    self.pending = line.into_bytes();
                    self.at = 0;
                }
                None => return Ok(0),
            }
        }
        let n = out.len().min(self.pending.len() - self.at);
        out[..n].copy_from_slice(&self.pending[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}
