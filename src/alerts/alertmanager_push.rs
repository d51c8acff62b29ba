//! Pushing alerts to Alertmanager's API (`POST /api/v2/alerts`, for
//! `--alertmanager URL`), as Prometheus does: a firing alert is sent when it
//! fires and again every minute while it fires, each time with `endsAt` a
//! few minutes ahead, so that Alertmanager resolves it by itself if runtop
//! dies; a resolved one is sent once with its end. Pending alerts are never
//! sent, nor inhibited ones (their cause pages).
//!
//! Deliveries go through the webhook's thread ([`super::notify::Webhook`]):
//! a bounded queue, a timeout and retries, never blocking the caller.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use super::notify::{NotifyError, Webhook, WebhookPolicy};
use super::{State, Transition};
use crate::protocol::Millis;
use crate::protocol::time::format_rfc3339;

/// How often what fires is sent again.
pub const RESEND_MS: Millis = 60_000;
/// How far ahead of each sending a firing alert's `endsAt` is set: four
/// resends, so a lost one or two do not resolve it.
pub const ENDS_AHEAD_MS: Millis = 4 * RESEND_MS;

/// One alert as Alertmanager's API takes it (`postableAlert`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PostableAlert {
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub starts_at: String,
    pub ends_at: String,
    #[serde(rename = "generatorURL", skip_serializing_if = "Option::is_none")]
    pub generator_url: Option<String>,
}

/// One Alertmanager, and what runtop has told it fires.
pub struct Alertmanager {
    post: Webhook,
    generator: Option<String>,
    /// Firing alerts by fingerprint, with when each started.
    firing: BTreeMap<String, (PostableAlert, Millis)>,
    last_sent: Option<Millis>,
}

/// This host's name: the `instance` label.
pub fn instance() -> String {
    sysinfo::System::host_name().unwrap_or_else(|_| "unknown".into())
}

impl Alertmanager {
    /// Starts pushing to the Alertmanager at `url` (its base URL:
    /// `http://alertmanager:9093`).
    pub fn start(
        url: &str,
        generator: Option<String>,
        policy: WebhookPolicy,
    ) -> Result<Alertmanager, NotifyError> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(NotifyError::AlertmanagerUrl(crate::secrets::webhook(url)));
        }
        let endpoint = format!("{}/api/v2/alerts", url.trim_end_matches('/'));
        Ok(Alertmanager {
            post: Webhook::start_as("Alertmanager", &endpoint, policy)?,
            generator,
            firing: BTreeMap::new(),
            last_sent: None,
        })
    }

    fn alert(&self, t: &Transition, ends_at: Millis) -> PostableAlert {
        let mut labels = super::alertmanager::labels(t);
        labels.insert("rule".into(), t.rule.as_str().into());
        labels.insert("instance".into(), instance());
        let mut annotations = BTreeMap::new();
        annotations.insert("summary".into(), t.summary.clone());
        annotations.insert(
            "description".into(),
            format!(
                "{} {} on {}: {} (value {}, threshold {})",
                t.severity.as_str(),
                t.rule.as_str(),
                t.subject,
                t.summary,
                t.value,
                t.threshold
            ),
        );
        PostableAlert {
            labels,
            annotations,
            starts_at: format_rfc3339(t.fired_at.unwrap_or(t.at)),
            ends_at: format_rfc3339(ends_at),
            generator_url: self.generator.clone(),
        }
    }

    /// Sends what `transitions` fired or resolved, and, a minute after the
    /// last sending, everything still firing. `now` is the wall clock (ms).
    pub fn notify(&mut self, transitions: &[Transition], now: Millis) {
        let batch = self.batch(transitions, now);
        if !batch.is_empty() {
            self.post
                .post(serde_json::to_string(&batch).expect("alerts serialize"));
        }
    }

    /// What [`Alertmanager::notify`] sends.
    fn batch(&mut self, transitions: &[Transition], now: Millis) -> Vec<PostableAlert> {
        let mut batch = Vec::new();
        for t in transitions.iter().filter(|t| !t.inhibited) {
            let key = super::alertmanager::fingerprint(&super::alertmanager::labels(t));
            match t.to {
                State::Pending => {}
                State::Firing => {
                    let alert = self.alert(t, now + ENDS_AHEAD_MS);
                    self.firing
                        .insert(key, (alert.clone(), t.fired_at.unwrap_or(t.at)));
                    batch.push(alert);
                }
                State::Resolved => {
                    self.firing.remove(&key);
                    // Ended when it resolved, on the engine's clock: never
                    // before it started.
                    let started = t.fired_at.unwrap_or(t.at);
                    batch.push(self.alert(t, t.at.max(started)));
                }
            }
        }
        let due = self
            .last_sent
            .is_none_or(|at| now.saturating_sub(at) >= RESEND_MS);
        // Everything firing goes again once a minute (not merely when news
        // comes: news every 50 s would keep the others from ever being
        // sent again, and Alertmanager would resolve them).
        if due && !self.firing.is_empty() {
            self.last_sent = Some(now);
            let ends = format_rfc3339(now + ENDS_AHEAD_MS);
            for (alert, _) in self.firing.values_mut() {
                alert.ends_at = ends.clone();
                if !batch.iter().any(|a| a.labels == alert.labels) {
                    batch.push(alert.clone());
                }
            }
        }
        batch
    }

    /// Lets queued deliveries finish for up to `grace`; what was lost.
    pub fn finish(self, grace: Duration) -> Option<NotifyError> {
        self.post.finish(grace)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::Rule;
    use crate::levels::Severity;

    fn transition(to: State, at: Millis) -> Transition {
        Transition {
            at,
            rule: Rule::ErrorRate,
            subject: "stage implement".into(),
            from: None,
            to,
            severity: Severity::Critical,
            value: 0.4,
            threshold: 0.1,
            summary: "40% failed".into(),
            correlation_id: None,
            fired_at: (to != State::Pending).then_some(1_000),
            inhibited: false,
        }
    }

    #[test]
    fn firing_is_sent_again_every_minute_resolved_once_pending_never() {
        // Never delivered: the address is closed; only batches are read.
        let mut am =
            Alertmanager::start("http://127.0.0.1:9", None, WebhookPolicy::default()).unwrap();
        assert!(am.batch(&[transition(State::Pending, 500)], 500).is_empty());
        let fired = am.batch(&[transition(State::Firing, 1_000)], 1_000);
        assert_eq!(fired.len(), 1);
        assert_eq!(fired[0].ends_at, format_rfc3339(1_000 + ENDS_AHEAD_MS));
        assert_eq!(fired[0].labels["rule"], "error_rate");
        assert!(
            am.batch(&[], 31_000).is_empty(),
            "sent less than a minute ago"
        );
        let again = am.batch(&[], 61_000);
        assert_eq!(again.len(), 1, "a minute on: sent again");
        assert_eq!(again[0].ends_at, format_rfc3339(61_000 + ENDS_AHEAD_MS));
        assert_eq!(again[0].starts_at, fired[0].starts_at);
        let resolved = am.batch(&[transition(State::Resolved, 90_000)], 90_000);
        assert_eq!(resolved.len(), 1);
        assert_eq!(resolved[0].ends_at, format_rfc3339(90_000));
        assert!(am.batch(&[], 200_000).is_empty(), "nothing fires any more");
    }
}
