//! Telling the world about alert transitions: a JSON line per transition to
//! `--alert-log FILE`, and to `--alert-webhook URL` one JSON POST per
//! evaluation carrying all its transitions (Alertmanager's webhook shape
//! plus Slack's `text`: [`super::alertmanager`]).
//!
//! The webhook runs on a thread of its own behind a bounded queue, with a
//! timeout and retries, so a slow or dead endpoint never blocks the UI or
//! ingest: when the queue is full, the transition is dropped and counted.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::{State, Transition};
use crate::files::{WriteMode, create_private};
use crate::protocol::time::format_rfc3339;

/// Evaluations' payloads waiting for the webhook.
const QUEUE: usize = 256;

/// How the webhook is called.
#[derive(Debug, Clone, Copy)]
pub struct WebhookPolicy {
    pub timeout: Duration,
    /// Waits before each retry; their number is the number of retries.
    pub backoff: [Duration; 3],
}

impl Default for WebhookPolicy {
    fn default() -> Self {
        WebhookPolicy {
            timeout: Duration::from_secs(5),
            backoff: [
                Duration::from_millis(500),
                Duration::from_secs(1),
                Duration::from_secs(2),
            ],
        }
    }
}

/// Why the alert log or webhook could not start, or what they lost.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("--alert-webhook {0:?}: expected an http:// or https:// URL")]
    WebhookUrl(String),
    #[error("cannot start the webhook thread: {0}")]
    Thread(io::Error),
    #[error("--alert-log {}: {error}", path.display())]
    AlertLogOpen { path: PathBuf, error: io::Error },
    #[error("alert log: {0}")]
    AlertLogWrite(io::Error),
    #[error("--alertmanager {0:?}: expected an http:// or https:// URL")]
    AlertmanagerUrl(String),
    #[error("{failed} {what} deliveries failed (last: {last})")]
    Deliveries {
        what: &'static str,
        failed: u64,
        last: String,
    },
}

/// What [`Notifier::finish`] found lost: one or more [`NotifyError`]s.
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct Losses(pub Vec<NotifyError>);

/// What became of the webhook's deliveries.
#[derive(Debug, Default)]
pub struct WebhookStats {
    pub delivered: AtomicU64,
    pub failed: AtomicU64,
    pub dropped: AtomicU64,
    pub attempts: AtomicU64,
    pub last_error: Mutex<Option<String>>,
}

/// The line a transition becomes in the alert log (its documented format:
/// extended, never renamed).
#[derive(Serialize)]
struct LogLine<'t> {
    text: String,
    at: String,
    alert: &'t Transition,
}

fn log_line(t: &Transition) -> String {
    serde_json::to_string(&LogLine {
        text: super::alertmanager::line(t),
        at: format_rfc3339(t.at),
        alert: t,
    })
    .expect("transitions serialize")
}

pub struct Webhook {
    /// What it is, for warnings: `alert webhook`, `Alertmanager`.
    what: &'static str,
    tx: Option<SyncSender<String>>,
    worker: Option<JoinHandle<()>>,
    pub stats: Arc<WebhookStats>,
}

impl Webhook {
    /// Starts the webhook's thread for `url` (http:// or https://).
    pub fn start(url: &str, policy: WebhookPolicy) -> Result<Webhook, NotifyError> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(NotifyError::WebhookUrl(crate::secrets::webhook(url)));
        }
        Self::start_as("alert webhook", url, policy)
    }

    /// Starts a thread that POSTs JSON bodies to `url` (checked by the
    /// caller), with `policy`'s timeout and retries, behind a bounded queue.
    pub fn start_as(
        what: &'static str,
        url: &str,
        policy: WebhookPolicy,
    ) -> Result<Webhook, NotifyError> {
        let (tx, rx) = sync_channel(QUEUE);
        let stats = Arc::new(WebhookStats::default());
        let worker_stats = stats.clone();
        let url = url.to_string();
        let worker = std::thread::Builder::new()
            .name("runtop-webhook".into())
            .spawn(move || deliver_all(&url, policy, rx, &worker_stats))
            .map_err(NotifyError::Thread)?;
        Ok(Webhook {
            what,
            tx: Some(tx),
            worker: Some(worker),
            stats,
        })
    }

    /// Queues one evaluation's transitions as one POST; never waits.
    pub fn send(&self, transitions: &[Transition]) {
        let Some(payload) = super::alertmanager::payload(transitions) else {
            return;
        };
        self.post(serde_json::to_string(&payload).expect("payloads serialize"));
    }

    /// Queues one JSON body; never waits (dropped and counted when full).
    pub fn post(&self, body: String) {
        let Some(tx) = &self.tx else { return };
        if let Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) = tx.try_send(body) {
            let dropped = self.stats.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            tracing::warn!(dropped, what = self.what, "delivery queue full: dropped");
        }
    }

    /// What went wrong with the deliveries, once finished.
    fn losses(&self) -> Option<NotifyError> {
        let stats = &self.stats;
        let failed = stats.failed.load(Ordering::Relaxed) + stats.dropped.load(Ordering::Relaxed);
        (failed > 0).then(|| NotifyError::Deliveries {
            what: self.what,
            failed,
            last: stats
                .last_error
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone()
                .unwrap_or_default(),
        })
    }

    /// Lets queued deliveries finish for up to `grace`, then stops; what
    /// was lost.
    pub fn finish(mut self, grace: Duration) -> Option<NotifyError> {
        self.tx.take();
        let deadline = Instant::now() + grace;
        if let Some(worker) = self.worker.take() {
            while !worker.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            if worker.is_finished() {
                let _ = worker.join();
            }
        }
        self.losses()
    }
}

fn deliver_all(url: &str, policy: WebhookPolicy, rx: Receiver<String>, stats: &WebhookStats) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(policy.timeout))
        .http_status_as_error(false)
        .build()
        .into();
    for body in rx {
        let mut waits = policy.backoff.iter();
        loop {
            stats.attempts.fetch_add(1, Ordering::Relaxed);
            let outcome = agent
                .post(url)
                .header("content-type", "application/json")
                .send(body.as_str())
                .map_err(|e| e.to_string())
                .and_then(|r| {
                    if r.status().is_success() {
                        Ok(())
                    } else {
                        Err(format!("HTTP {}", r.status().as_u16()))
                    }
                });
            match outcome {
                Ok(()) => {
                    stats.delivered.fetch_add(1, Ordering::Relaxed);
                    break;
                }
                Err(e) => {
                    // An HTTP client's error may quote the URL, whose path
                    // is the secret of a Slack webhook.
                    let e = crate::secrets::scrub(&e, url, &crate::secrets::webhook(url));
                    tracing::warn!(error = %e, "alert webhook delivery failed");
                    *stats.last_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                    match waits.next() {
                        Some(wait) => std::thread::sleep(*wait),
                        None => {
                            stats.failed.fetch_add(1, Ordering::Relaxed);
                            break;
                        }
                    }
                }
            }
        }
    }
}

/// Where transitions go.
#[derive(Default)]
pub struct Notifier {
    log: Option<BufWriter<File>>,
    log_error: Option<io::Error>,
    pub webhook: Option<Webhook>,
    /// `--alertmanager URL`s.
    pub alertmanagers: Vec<super::alertmanager_push::Alertmanager>,
}

impl Notifier {
    pub fn new(
        alert_log: Option<&Path>,
        webhook: Option<&str>,
        policy: WebhookPolicy,
    ) -> Result<Notifier, NotifyError> {
        let log = match alert_log {
            Some(path) => Some(BufWriter::new(
                create_private(path, WriteMode::Append).map_err(|error| {
                    NotifyError::AlertLogOpen {
                        path: path.to_path_buf(),
                        error,
                    }
                })?,
            )),
            None => None,
        };
        let webhook = webhook.map(|url| Webhook::start(url, policy)).transpose()?;
        Ok(Notifier {
            log,
            log_error: None,
            webhook,
            alertmanagers: Vec::new(),
        })
    }

    /// Also pushes to these Alertmanagers (`--alertmanager URL`), the
    /// alerts' `generatorURL` being `generator` when given.
    pub fn with_alertmanagers(
        mut self,
        urls: &[String],
        generator: Option<String>,
    ) -> Result<Notifier, NotifyError> {
        for url in urls {
            self.alertmanagers
                .push(super::alertmanager_push::Alertmanager::start(
                    url,
                    generator.clone(),
                    WebhookPolicy::default(),
                )?);
        }
        Ok(self)
    }

    /// Writes each transition to firing or resolved (pending is not news)
    /// to the log, and sends them all to the webhook in one POST.
    /// Alertmanagers also hear again of what still fires, once a minute:
    /// call it on every tick, with or without transitions.
    pub fn notify(&mut self, transitions: &[Transition]) {
        if let Some(webhook) = &self.webhook {
            webhook.send(transitions);
        }
        // The clock only for Alertmanager (re-sending what fires): `report`
        // calls this after every event, and reading the clock each time was
        // a twentieth of its engine thread.
        if !self.alertmanagers.is_empty() {
            let now = crate::protocol::time::wall_clock_now();
            for am in &mut self.alertmanagers {
                am.notify(transitions, now);
            }
        }
        for t in transitions.iter().filter(|t| t.to != State::Pending) {
            tracing::info!(
                rule = t.rule.as_str(),
                subject = %t.subject,
                severity = t.severity.as_str(),
                to = ?t.to,
                "alert"
            );
            if let Some(log) = self.log.as_mut()
                && self.log_error.is_none()
                && let Err(e) = writeln!(log, "{}", log_line(t)).and_then(|()| log.flush())
            {
                self.log_error = Some(e);
            }
        }
    }

    /// Flushes, lets the webhook finish for up to `grace`, and says what
    /// went wrong, if anything.
    pub fn finish(self, grace: Duration) -> Result<(), Losses> {
        let mut problems: Vec<NotifyError> = self
            .log_error
            .map(NotifyError::AlertLogWrite)
            .into_iter()
            .collect();
        if let Some(webhook) = self.webhook {
            problems.extend(webhook.finish(grace));
        }
        for am in self.alertmanagers {
            problems.extend(am.finish(grace));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Losses(problems))
        }
    }
}
