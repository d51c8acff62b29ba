//! A runner, step by step as every connection goes (`source::live`'s
//! `resolve`, `connect`, `secure`, `upgrade`), then what it sends: a first
//! event within the wait, and how its clock compares with this host's.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use super::{Section, clean};
use crate::protocol::time::wall_clock_now;
use crate::protocol::{Decoded, Millis, decode_frame};
use crate::source::live::{self, Endpoint, Failure, LinkOptions, Ws};
use crate::units::human_ms;

/// After the first event, how long more events are read to estimate the
/// runner's clock, and how many at most.
const CLOCK_SAMPLING: Duration = Duration::from_secs(1);
const CLOCK_SAMPLES: usize = 50;

pub async fn check(
    endpoint: &Endpoint,
    options: &LinkOptions,
    wait: Duration,
    skew_warning: Duration,
) -> Section {
    let mut s = Section::new(format!("runner {}", endpoint.display()));
    let Some(mut ws) = reach(endpoint, options, &mut s).await else {
        for check in ["first event", "clock"] {
            s.skipped(check, "not checked: the runner was not reached");
        }
        return s;
    };
    if let Some(subscribe) = &options.subscribe {
        // As every connection does right after its handshake.
        if let Err(e) = ws.send(Message::text(subscribe.clone())).await {
            s.fail(
                "subscribe",
                format!(
                    "the subscribe message could not be sent: {}",
                    clean(&e.to_string())
                ),
                "the runner closed the connection on it: check the message it expects",
            );
            return s;
        }
        s.ok("subscribe", "subscribe message sent");
    }
    let first = first_events(ws, wait, &mut s).await;
    match first {
        Some(offsets) => clock(&offsets, skew_warning, &mut s),
        None => s.skipped("clock", "not checked: no event to read it from"),
    }
    s
}

/// DNS, TCP, TLS and the handshake, each said; the WebSocket if all passed.
async fn reach(endpoint: &Endpoint, options: &LinkOptions, s: &mut Section) -> Option<Ws> {
    let since = |t: Instant| human_ms(t.elapsed().as_secs_f64() * 1000.0);
    let host_port = format!("{}:{}", endpoint.host, endpoint.port);
    let steps = ["dns", "tcp", "tls", "handshake"];
    let skip_rest = |s: &mut Section, from: usize| {
        for check in &steps[from..] {
            s.skipped(check, "not checked: an earlier step failed");
        }
    };
    let addrs = match live::resolve(endpoint).await {
        Ok(addrs) => {
            let shown: Vec<String> = addrs.iter().take(3).map(|a| a.ip().to_string()).collect();
            s.ok("dns", format!("{} → {}", endpoint.host, shown.join(", ")));
            addrs
        }
        Err(failure) => {
            s.fail(
                "dns",
                clean(&failure.to_string()),
                format!(
                    "check the host name in the URL, and this host's resolver (`getent hosts {}`)",
                    endpoint.host
                ),
            );
            skip_rest(s, 1);
            return None;
        }
    };
    let t = Instant::now();
    let stream = match live::connect(&addrs, options).await {
        Ok(stream) => {
            s.ok("tcp", format!("connected to {host_port} in {}", since(t)));
            stream
        }
        Err(failure) => {
            let fix = match failure {
                Failure::Refused => format!(
                    "nothing listens on {host_port}: is the runner up, and is this its port?"
                ),
                Failure::TimedOut => format!(
                    "no answer from {host_port} in {} s: a firewall, or the wrong address",
                    options.connect_timeout.as_secs()
                ),
                _ => "check the network between this host and the runner".to_string(),
            };
            s.fail("tcp", clean(&failure.to_string()), fix);
            skip_rest(s, 2);
            return None;
        }
    };
    let t = Instant::now();
    let stream = match live::secure(endpoint, stream, options).await {
        Ok(stream) if endpoint.tls => {
            s.ok(
                "tls",
                format!("{}'s certificate trusted, in {}", endpoint.host, since(t)),
            );
            stream
        }
        Ok(stream) => {
            s.skipped("tls", "not used (ws://)");
            stream
        }
        Err(failure) => {
            let said = match &failure {
                // What a plain server does with TLS's hello: close, or
                // answer it as HTTP.
                Failure::Tls(e) if e.contains("eof") || e.contains("corrupt") => {
                    "the runner did not answer TLS (it closed on the hello, or answered \
                     something else)"
                        .to_string()
                }
                other => clean(&other.to_string()),
            };
            s.fail(
                "tls",
                said,
                "if the runner serves plain WebSocket on this port, use ws://; if its certificate \
                 comes from a private CA, pass --ca-cert FILE; the name in the URL must be one \
                 the certificate names",
            );
            skip_rest(s, 3);
            return None;
        }
    };
    let t = Instant::now();
    match live::upgrade(endpoint, stream, options).await {
        Ok(ws) => {
            s.ok("handshake", format!("WebSocket open in {}", since(t)));
            Some(ws)
        }
        Err(failure) => {
            let fix = handshake_fix(&failure, endpoint, options);
            s.fail("handshake", clean(&failure.to_string()), fix);
            None
        }
    }
}

fn handshake_fix(failure: &Failure, endpoint: &Endpoint, options: &LinkOptions) -> String {
    match failure {
        Failure::Unauthorized(_) if options.headers.is_empty() => {
            "the runner wants credentials: pass its token with --header-env \
             'Authorization=VAR' (the value read from $VAR), or set sources.headers_env in the \
             config"
                .to_string()
        }
        Failure::Unauthorized(_) => {
            "the runner refused the credentials sent: check the token and the header's name"
                .to_string()
        }
        Failure::Http(404) => format!(
            "no WebSocket at {}: check the URL's path",
            endpoint.uri.path()
        ),
        Failure::Http(_) => {
            "the runner answered HTTP, but not with a WebSocket: check the URL".to_string()
        }
        _ if !endpoint.tls => {
            "not a WebSocket handshake: if the runner serves TLS on this port, use wss://".into()
        }
        _ => "not a WebSocket handshake: check the URL and that a runner serves it".into(),
    }
}

/// Reads until the first event (at most `wait`), then a little longer for
/// the clock; says what came. The clock offsets (receive time minus `ts`)
/// of the events read, if any was.
async fn first_events(mut ws: Ws, wait: Duration, s: &mut Section) -> Option<Vec<Millis>> {
    let started = Instant::now();
    let mut deadline = tokio::time::Instant::now() + wait;
    let mut offsets = Vec::new();
    let (mut messages, mut first_problem, mut first_event) = (0u64, None, None);
    let ended = loop {
        let message = match tokio::time::timeout_at(deadline, ws.next()).await {
            Err(_) => break None,
            Ok(None) => break Some("the runner closed the connection".to_string()),
            Ok(Some(Err(e))) => {
                break Some(format!("the connection broke: {}", clean(&e.to_string())));
            }
            Ok(Some(Ok(message))) => message,
        };
        let received_at = wall_clock_now();
        let text = match message {
            Message::Text(text) => text,
            Message::Close(frame) => {
                let why = frame.map(|f| clean(&f.reason)).unwrap_or_default();
                break Some(
                    format!("the runner closed the connection {why}")
                        .trim_end()
                        .to_string(),
                );
            }
            Message::Binary(_) => {
                messages += 1;
                first_problem
                    .get_or_insert_with(|| "a binary message (events are text)".to_string());
                continue;
            }
            _ => continue,
        };
        messages += 1;
        let had_event = first_event.is_some();
        decode_frame(text.as_bytes(), |decoded| match decoded {
            Decoded::Event(event) => {
                offsets.push(received_at - event.ts);
                first_event.get_or_insert((event.body.type_name(), started.elapsed()));
            }
            Decoded::Invalid(invalid) => {
                first_problem.get_or_insert_with(|| clean(&invalid.to_string()));
            }
            Decoded::UnknownType(kind) => {
                first_problem
                    .get_or_insert_with(|| format!("an event of unknown type {:?}", clean(&kind)));
            }
        });
        if !had_event && first_event.is_some() {
            // The first event: a little more for the clock, not the whole wait.
            deadline = deadline.min(tokio::time::Instant::now() + CLOCK_SAMPLING);
        }
        if offsets.len() >= CLOCK_SAMPLES {
            break None;
        }
    };
    let _ = ws.close(None).await;
    match first_event {
        Some((kind, after)) => {
            s.ok(
                "first event",
                format!(
                    "{kind} {} after the handshake ({} events read)",
                    human_ms(after.as_secs_f64() * 1000.0),
                    offsets.len()
                ),
            );
            Some(offsets)
        }
        None => {
            let waited = human_ms(wait.as_secs_f64() * 1000.0);
            match (messages, first_problem, ended) {
                (0, _, Some(why)) => s.fail(
                    "first event",
                    format!("{why} before sending anything"),
                    "the runner may refuse this client after the handshake: see its logs",
                ),
                (0, _, None) => s.fail(
                    "first event",
                    format!("connected, but nothing came in {waited}"),
                    "a runner with nothing running sends nothing: start a workflow or wait \
                     longer (--wait 60s); if it needs a subscription first, pass --subscribe \
                     '{…}' (or set sources.subscribe)",
                ),
                (n, problem, _) => s.fail(
                    "first event",
                    format!(
                        "{n} messages, none an event; the first problem: {}",
                        problem.unwrap_or_default()
                    ),
                    "the runner does not speak runtop's protocol v1 here (docs/protocol.md): \
                     check the URL's path and the runner's event format",
                ),
            }
            None
        }
    }
}

/// The runner's clock against this host's: the median of receive time
/// minus `ts` (positive when the runner's clock is behind), as the engine
/// estimates it.
fn clock(offsets: &[Millis], warning: Duration, s: &mut Section) {
    let mut sorted = offsets.to_vec();
    sorted.sort_unstable();
    let median = sorted[sorted.len() / 2];
    let shown = human_ms(median.unsigned_abs() as f64);
    let direction = if median >= 0 { "behind" } else { "ahead of" };
    if median.unsigned_abs() as u128 > warning.as_millis() {
        s.warn(
            "clock",
            format!(
                "the runner's clock runs {shown} {direction} this host's (median of {} events)",
                sorted.len()
            ),
            "synchronise both clocks (timedatectl status; chronyc tracking): runtop keeps \
             the events, but cannot tell their delivery lag, and the clock_skew rule will fire",
        );
    } else {
        s.ok(
            "clock",
            format!(
                "within {shown} of this host's (median of {} events, delivery included)",
                sorted.len()
            ),
        );
    }
}
