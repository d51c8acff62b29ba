//! One live source: connect, read, and reconnect forever.
//!
//! Every failure has its own state (DNS, refused, timed out, TLS, 401/403,
//! other HTTP, closed, dropped, stalled, oversized), and the link redials
//! after an exponential backoff with jitter. It never gives up: a runner that
//! is down is a state to show, not a reason to exit.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use rand::{RngExt, SeedableRng};
use rustls_pki_types::ServerName;
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use tokio::sync::mpsc::Sender;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::endpoint::{Endpoint, LinkOptions};
use super::{DELIVERY_OVERHEAD_BYTES, Delivery, FRAME_BUDGET_BYTES};
use crate::protocol::time::wall_clock_now;
use crate::source_status::{Failure, LinkState};

/// Bytes waiting to be written to one runner (pongs, pings) at most.
const MAX_WRITE_BUFFER_BYTES: usize = 1 << 20;

/// A connection that lasted this long was healthy: the backoff starts over.
const HEALTHY_AFTER: Duration = Duration::from_secs(10);

/// Exponential backoff with full jitter, from `first` up to `cap`.
///
/// Written here rather than taken from a retry crate: those wrap a call to
/// retry, while this loop also has to reset on a healthy connection and
/// report every wait as a state; the arithmetic is a few lines.
struct Backoff {
    first: Duration,
    cap: Duration,
    attempt: u32,
    rng: rand_chacha::ChaCha8Rng,
}

impl Backoff {
    fn new(first: Duration, cap: Duration, seed: u64) -> Self {
        Backoff {
            first,
            cap,
            attempt: 0,
            rng: rand_chacha::ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// The next wait: a random time in the upper half of the current step, so
    /// that many clients of one runner do not redial in lockstep.
    fn next_delay(&mut self) -> Duration {
        let step = self
            .first
            .saturating_mul(1 << self.attempt.min(16))
            .min(self.cap);
        self.attempt += 1;
        step.mul_f64(self.rng.random_range(0.5..=1.0))
    }

    fn reset(&mut self) {
        self.attempt = 0;
    }
}

/// A runner's WebSocket, over TLS or not.
pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Runs source `index` until the receiving side goes away.
pub async fn run(
    index: usize,
    endpoint: Endpoint,
    options: LinkOptions,
    tx: Sender<Delivery>,
    budget: Arc<Semaphore>,
) {
    let mut backoff = Backoff::new(
        Duration::from_millis(250),
        Duration::from_secs(30),
        index as u64 ^ wall_clock_now() as u64,
    );
    let state = |state: LinkState| {
        tx.send(Delivery::State {
            source: index,
            state,
        })
    };
    loop {
        if state(LinkState::Connecting).await.is_err() {
            return;
        }
        let failure = match dial(&endpoint, &options).await {
            Err(failure) => failure,
            Ok(ws) => {
                if state(LinkState::Connected).await.is_err() {
                    return;
                }
                let since = Instant::now();
                let failure = pump(index, ws, &options, &tx, &budget).await;
                if since.elapsed() >= HEALTHY_AFTER {
                    backoff.reset();
                }
                failure
            }
        };
        let retry_in = backoff.next_delay();
        if state(LinkState::Waiting { failure, retry_in })
            .await
            .is_err()
        {
            return;
        }
        tokio::time::sleep(retry_in).await;
    }
}

async fn dial(endpoint: &Endpoint, options: &LinkOptions) -> Result<Ws, Failure> {
    let addrs = resolve(endpoint).await?;
    let stream = connect(&addrs, options).await?;
    let stream = secure(endpoint, stream, options).await?;
    let mut ws = upgrade(endpoint, stream, options).await?;
    if let Some(subscribe) = &options.subscribe {
        ws.send(Message::text(subscribe.clone()))
            .await
            .map_err(|e| Failure::Dropped(e.to_string()))?;
    }
    Ok(ws)
}

// The steps of reaching a runner, each with failures of its own: every
// connection goes through them in turn, and `runtop doctor` checks them
// one at a time.

/// The runner's addresses (DNS).
pub async fn resolve(endpoint: &Endpoint) -> Result<Vec<SocketAddr>, Failure> {
    let addrs: Vec<_> = tokio::net::lookup_host((endpoint.host.as_str(), endpoint.port))
        .await
        .map_err(|e| Failure::Dns(e.to_string()))?
        .collect();
    if addrs.is_empty() {
        return Err(Failure::Dns(format!("no address for {}", endpoint.host)));
    }
    Ok(addrs)
}

/// A TCP connection to the first of `addrs` that answers.
pub async fn connect(addrs: &[SocketAddr], options: &LinkOptions) -> Result<TcpStream, Failure> {
    let stream = match tokio::time::timeout(options.connect_timeout, TcpStream::connect(addrs))
        .await
    {
        Err(_) => return Err(Failure::TimedOut),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            return Err(Failure::Refused);
        }
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::TimedOut => return Err(Failure::TimedOut),
        Ok(Err(e)) => return Err(Failure::Dropped(e.to_string())),
        Ok(Ok(stream)) => stream,
    };
    let _ = stream.set_nodelay(true);
    Ok(stream)
}

/// The connection under TLS for a `wss://` runner (its certificate checked
/// against the system's roots and `--ca-cert`), as it is for `ws://`.
pub async fn secure(
    endpoint: &Endpoint,
    stream: TcpStream,
    options: &LinkOptions,
) -> Result<MaybeTlsStream<TcpStream>, Failure> {
    if !endpoint.tls {
        return Ok(MaybeTlsStream::Plain(stream));
    }
    let name = ServerName::try_from(endpoint.host.clone())
        .map_err(|e| Failure::Tls(format!("{e}: {}", endpoint.host)))?;
    let connector = tokio_rustls::TlsConnector::from(options.tls.clone());
    match tokio::time::timeout(options.connect_timeout, connector.connect(name, stream)).await {
        Err(_) => Err(Failure::TimedOut),
        Ok(Err(e)) => Err(Failure::Tls(e.to_string())),
        Ok(Ok(tls)) => Ok(MaybeTlsStream::Rustls(tls)),
    }
}

/// The WebSocket handshake, with the operator's headers.
pub async fn upgrade(
    endpoint: &Endpoint,
    stream: MaybeTlsStream<TcpStream>,
    options: &LinkOptions,
) -> Result<Ws, Failure> {
    let mut request = endpoint
        .uri
        .clone()
        .into_client_request()
        .map_err(|e| Failure::Handshake(e.to_string()))?;
    for header in &options.headers {
        request
            .headers_mut()
            .insert(header.name.clone(), header.value.clone());
    }
    // Pongs to a ping flood from a runner that never reads would pile up in
    // the write buffer, which tungstenite leaves unbounded: cap it, and a
    // connection past the cap is dropped (and redialled) instead.
    let config = WebSocketConfig::default()
        .max_message_size(Some(options.max_message_bytes))
        .max_frame_size(Some(options.max_frame_bytes))
        .write_buffer_size(64 << 10)
        .max_write_buffer_size(MAX_WRITE_BUFFER_BYTES);
    let handshake = tokio_tungstenite::client_async_with_config(request, stream, Some(config));
    match tokio::time::timeout(options.connect_timeout, handshake).await {
        Err(_) => Err(Failure::TimedOut),
        Ok(result) => result.map(|(ws, _)| ws).map_err(handshake_failure),
    }
}

fn handshake_failure(e: tungstenite::Error) -> Failure {
    match e {
        tungstenite::Error::Http(response) => match response.status().as_u16() {
            code @ (401 | 403) => Failure::Unauthorized(code),
            code => Failure::Http(code),
        },
        tungstenite::Error::Tls(e) => Failure::Tls(e.to_string()),
        tungstenite::Error::Io(e)
            if e.to_string().contains("certificate") || e.to_string().contains("tls") =>
        {
            Failure::Tls(e.to_string())
        }
        tungstenite::Error::Io(e) => Failure::Dropped(e.to_string()),
        other => Failure::Handshake(other.to_string()),
    }
}

/// Reads until the connection ends, handing frames to the engine's side.
/// Returns why it ended.
async fn pump(
    index: usize,
    ws: Ws,
    options: &LinkOptions,
    tx: &Sender<Delivery>,
    budget: &Arc<Semaphore>,
) -> Failure {
    let (mut sink, mut stream) = ws.split();
    let mut ping = tokio::time::interval(options.ping_every);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ping.tick().await;
    let mut last_heard = tokio::time::Instant::now();
    loop {
        tokio::select! {
            next = tokio::time::timeout_at(last_heard + options.idle_timeout, stream.next()) => {
                let message = match next {
                    Err(_) => return Failure::Stalled(options.idle_timeout),
                    Ok(None) => return Failure::Closed,
                    Ok(Some(Err(e))) => return read_failure(index, e, tx).await,
                    Ok(Some(Ok(message))) => message,
                };
                let received_at = wall_clock_now();
                last_heard = tokio::time::Instant::now();
                let payload = match &message {
                    Message::Text(text) => text.len(),
                    Message::Binary(bytes) => bytes.len(),
                    Message::Close(_) => return Failure::Closed,
                    Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
                };
                // Wait for room before reading on: this is where a slow
                // engine pushes back on the runner, through TCP. A binary
                // frame's bytes are dropped here, but its delivery still
                // weighs something until it is counted.
                let bytes = (payload + DELIVERY_OVERHEAD_BYTES).min(FRAME_BUDGET_BYTES) as u32;
                let Ok(permit) = budget.clone().acquire_many_owned(bytes).await else {
                    return Failure::Closed;
                };
                last_heard = tokio::time::Instant::now();
                let delivery = match message {
                    Message::Text(text) => Delivery::Frame { source: index, text, received_at, permit },
                    _ => Delivery::Binary { source: index, permit },
                };
                if tx.send(delivery).await.is_err() {
                    return Failure::Closed;
                }
            }
            _ = ping.tick() => {
                if let Err(e) = sink.send(Message::Ping(Default::default())).await {
                    return Failure::Dropped(e.to_string());
                }
            }
        }
    }
}

async fn read_failure(index: usize, e: tungstenite::Error, tx: &Sender<Delivery>) -> Failure {
    match e {
        tungstenite::Error::Capacity(tungstenite::error::CapacityError::MessageTooLong {
            max_size,
            ..
        }) => {
            let _ = tx
                .send(Delivery::Oversized {
                    source: index,
                    limit: max_size,
                })
                .await;
            Failure::Oversized(max_size)
        }
        tungstenite::Error::Utf8(_) => {
            let _ = tx.send(Delivery::InvalidUtf8 { source: index }).await;
            Failure::InvalidUtf8
        }
        tungstenite::Error::Protocol(p) => Failure::Dropped(p.to_string()),
        other => Failure::Dropped(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_its_cap_with_jitter_and_resets() {
        let mut b = Backoff::new(Duration::from_millis(250), Duration::from_secs(30), 1);
        let delays: Vec<Duration> = (0..12).map(|_| b.next_delay()).collect();
        assert!(delays[0] >= Duration::from_millis(125) && delays[0] <= Duration::from_millis(250));
        assert!(delays[3] >= Duration::from_secs(1) && delays[3] <= Duration::from_secs(2));
        assert!(delays.iter().all(|d| *d <= Duration::from_secs(30)));
        assert!(
            delays[11] >= Duration::from_secs(15),
            "capped at 30 s, jittered down to half"
        );
        b.reset();
        assert!(b.next_delay() <= Duration::from_millis(250));
    }
}
