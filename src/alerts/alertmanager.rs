//! What one evaluation's transitions become for a webhook: a single POST
//! shaped as Alertmanager's webhook payload (version 4: `status`,
//! `alerts[]` with `labels`, `annotations`, `startsAt`, `endsAt`,
//! `fingerprint`), so that receivers written for Alertmanager take it as it
//! is, plus Slack's `text`, so that a Slack incoming webhook shows it.
//!
//! An alert's identity is its label set, severity included (a change of
//! severity is one alert resolving and another firing), and its fingerprint
//! is a stable hash of that set.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{State, Transition};
use crate::protocol::time::format_rfc3339;

/// Alertmanager's "no end yet".
const NO_END: &str = "0001-01-01T00:00:00Z";

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Payload {
    /// Slack's message: one line per alert.
    pub text: String,
    pub version: &'static str,
    pub receiver: &'static str,
    /// `firing` while any alert of the batch fires, else `resolved`.
    pub status: &'static str,
    pub group_labels: BTreeMap<String, String>,
    pub common_labels: BTreeMap<String, String>,
    pub common_annotations: BTreeMap<String, String>,
    pub external_url: String,
    pub group_key: String,
    pub truncated_alerts: u64,
    pub alerts: Vec<AmAlert>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AmAlert {
    pub status: &'static str,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub starts_at: String,
    pub ends_at: String,
    #[serde(rename = "generatorURL")]
    pub generator_url: String,
    pub fingerprint: String,
}

/// The labels that make an alert what it is.
pub fn labels(t: &Transition) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    labels.insert("alertname".into(), t.rule.as_str().into());
    labels.insert("severity".into(), t.severity.as_str().into());
    labels.insert("subject".into(), t.subject.clone());
    if let Some(cid) = &t.correlation_id {
        labels.insert("correlation_id".into(), cid.clone());
    }
    labels
}

/// A stable hash of the label set, as Alertmanager fingerprints alerts.
pub fn fingerprint(labels: &BTreeMap<String, String>) -> String {
    let mut text = String::new();
    for (k, v) in labels {
        text.push_str(k);
        text.push('\u{ff}');
        text.push_str(v);
        text.push('\u{ff}');
    }
    format!("{:016x}", crate::hash::fnv1a(text.as_bytes()))
}

/// One line of Slack text for a transition.
pub fn line(t: &Transition) -> String {
    let state = match t.to {
        State::Pending => "pending",
        State::Firing => "FIRING",
        State::Resolved => "resolved",
    };
    format!(
        "[{}] {} {}: {} ({state})",
        t.severity.as_str().to_uppercase(),
        t.rule.as_str(),
        t.subject,
        t.summary
    )
}

/// The payload of one evaluation's transitions (pending ones left out:
/// they are not news; inhibited ones too: their cause pages). `None` when
/// nothing is left to send.
pub fn payload(transitions: &[Transition]) -> Option<Payload> {
    let sent: Vec<&Transition> = transitions
        .iter()
        .filter(|t| t.to != State::Pending && !t.inhibited)
        .collect();
    if sent.is_empty() {
        return None;
    }
    let alerts: Vec<AmAlert> = sent
        .iter()
        .map(|t| {
            let labels = labels(t);
            let mut annotations = BTreeMap::new();
            annotations.insert("summary".into(), t.summary.clone());
            annotations.insert("value".into(), format!("{}", t.value));
            annotations.insert("threshold".into(), format!("{}", t.threshold));
            let started = t.fired_at.unwrap_or(t.at);
            AmAlert {
                status: if t.to == State::Firing {
                    "firing"
                } else {
                    "resolved"
                },
                fingerprint: fingerprint(&labels),
                labels,
                annotations,
                starts_at: format_rfc3339(started),
                ends_at: if t.to == State::Resolved {
                    format_rfc3339(t.at)
                } else {
                    NO_END.into()
                },
                generator_url: String::new(),
            }
        })
        .collect();
    let firing = alerts.iter().any(|a| a.status == "firing");
    // Labels every alert of the batch shares.
    let mut common = alerts[0].labels.clone();
    common.retain(|k, v| alerts.iter().all(|a| a.labels.get(k) == Some(v)));
    Some(Payload {
        text: sent.iter().map(|t| line(t)).collect::<Vec<_>>().join("\n"),
        version: "4",
        receiver: "runtop",
        status: if firing { "firing" } else { "resolved" },
        group_labels: BTreeMap::new(),
        group_key: "{}:{}".into(),
        common_labels: common,
        common_annotations: BTreeMap::new(),
        external_url: String::new(),
        truncated_alerts: 0,
        alerts,
    })
}
