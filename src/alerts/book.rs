//! The alert lifecycle, as in Prometheus: a condition first makes an alert
//! *pending*; it *fires* once the condition has held for the rule's `for`;
//! it *resolves* only once the value is back below the rule's clear level
//! (hysteresis) and has stayed there for `keep_firing_for`. Between the
//! clear level and the warning level nothing changes, so a value hovering
//! around a threshold cannot make an alert flap.

use std::collections::{BTreeMap, VecDeque};

use serde::Serialize;

use super::{Rule, Severity, Signal, Verdict};
use crate::protocol::Millis;

/// Transitions kept in the history.
pub const HISTORY: usize = 1_000;
/// Resolved alerts kept for the screen and the report.
pub const RECENTLY_RESOLVED: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Pending,
    Firing,
    Resolved,
}

impl State {
    /// The name reports use (the serialized form).
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Firing => "firing",
            State::Resolved => "resolved",
        }
    }
}

/// One alert: a rule about one subject (a stage, an execution, a node…).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    pub rule: Rule,
    pub subject: String,
    pub state: State,
    pub severity: Severity,
    /// When it entered its current state.
    pub since: Millis,
    pub value: f64,
    pub threshold: f64,
    pub summary: String,
    pub correlation_id: Option<String>,
    /// Quieted by an operator until it resolves.
    pub acknowledged: bool,
    /// Muted by a cause that alerts itself (a disconnected source).
    pub inhibited: bool,
    #[serde(skip)]
    clear_since: Option<Millis>,
    /// The rule's `keep_firing_for`, kept from its last signal: a subject
    /// that stops reporting is held for it too, as Prometheus does.
    #[serde(skip)]
    keep_ms: Millis,
}

/// A change of an alert's state (or of a firing alert's severity).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transition {
    pub at: Millis,
    pub rule: Rule,
    pub subject: String,
    pub from: Option<State>,
    pub to: State,
    pub severity: Severity,
    pub value: f64,
    pub threshold: f64,
    pub summary: String,
    pub correlation_id: Option<String>,
    /// When the alert started firing: `at` for a firing transition, the
    /// firing's start for a resolution; absent for pending.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fired_at: Option<Millis>,
    /// Muted by a cause that alerts itself: logged, never sent.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub inhibited: bool,
}

type Key = (Rule, String);

#[derive(Debug, Clone, Default)]
pub struct AlertBook {
    pub(super) active: BTreeMap<Key, Alert>,
    resolved: VecDeque<Alert>,
    history: VecDeque<Transition>,
    /// Alerts that ever fired.
    pub fired: u64,
}

impl AlertBook {
    /// The rules with an alert here, whatever its state.
    pub fn alerting(&self) -> super::Alerting {
        super::Alerting::of(self.active.keys().map(|(rule, _)| *rule))
    }

    /// Applies one evaluation's signals at `now`. Alerts of rules that were
    /// evaluated but gave no signal for a subject are treated as clear.
    /// Returns the transitions this made.
    pub fn update(&mut self, signals: Vec<Signal>, now: Millis) -> Vec<Transition> {
        let mut out = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for mut signal in signals {
            // The subject moves into the key, and is copied back only for
            // the few signals that change something.
            let key = (signal.rule, std::mem::take(&mut signal.subject));
            // Most signals say all is well about something with no alert:
            // nothing to do, and nothing to remember as seen (only alerts
            // already in the book can go unseen).
            let known = self.active.contains_key(&key);
            if !known && !matches!(signal.verdict, Verdict::Fire(_)) {
                continue;
            }
            signal.subject.clone_from(&key.1);
            seen.insert(key.clone());
            self.apply(key, Some(signal), now, &mut out);
        }
        let unseen: Vec<Key> = self
            .active
            .keys()
            .filter(|k| !seen.contains(*k))
            .cloned()
            .collect();
        for key in unseen {
            self.apply(key, None, now, &mut out);
        }
        for t in &out {
            if self.history.len() == HISTORY {
                self.history.pop_front();
            }
            self.history.push_back(t.clone());
        }
        out
    }

    fn apply(&mut self, key: Key, signal: Option<Signal>, now: Millis, out: &mut Vec<Transition>) {
        let verdict = signal.as_ref().map_or(Verdict::Clear, |s| s.verdict);
        match (self.active.get_mut(&key), verdict) {
            (None, Verdict::Fire(severity)) => {
                let s = signal.expect("a firing verdict comes with its signal");
                let mut alert = Alert {
                    rule: s.rule,
                    subject: s.subject,
                    state: State::Pending,
                    severity,
                    since: now,
                    value: s.value,
                    threshold: s.threshold,
                    summary: s.summary,
                    correlation_id: s.correlation_id,
                    acknowledged: false,
                    inhibited: s.inhibited,
                    clear_since: None,
                    keep_ms: s.keep_ms,
                };
                out.push(transition(&alert, None, State::Pending, now));
                if s.for_ms <= 0 {
                    self.fire(&mut alert, now, out);
                }
                self.active.insert(key, alert);
            }
            (None, _) => {}
            (Some(alert), Verdict::Fire(severity)) => {
                let s = signal.expect("a firing verdict comes with its signal");
                alert.value = s.value;
                alert.threshold = s.threshold;
                alert.summary = s.summary;
                alert.clear_since = None;
                alert.keep_ms = s.keep_ms;
                alert.inhibited = s.inhibited;
                match alert.state {
                    State::Pending if now - alert.since >= s.for_ms => {
                        alert.severity = severity;
                        Self::fire_in_place(alert, now, out, &mut self.fired);
                    }
                    State::Pending => alert.severity = severity,
                    // Severity is part of an alert's identity (Alertmanager
                    // fingerprints it): the old one resolves, the new one
                    // fires (its condition has already held for `for`).
                    // Only upwards: a firing alert keeps its worst severity
                    // until it clears, so a value hovering at the critical
                    // level cannot page and un-page over and over.
                    State::Firing if severity > alert.severity => {
                        out.push(transition(alert, Some(State::Firing), State::Resolved, now));
                        alert.severity = severity;
                        alert.since = now;
                        alert.acknowledged = false;
                        out.push(transition(alert, None, State::Firing, now));
                        self.fired += 1;
                    }
                    _ => {}
                }
            }
            (Some(alert), Verdict::Hold) => {
                if let Some(s) = signal {
                    alert.value = s.value;
                }
                match alert.state {
                    // The condition no longer holds: a pending alert is dropped.
                    State::Pending => {
                        self.active.remove(&key);
                    }
                    _ => alert.clear_since = None,
                }
            }
            (Some(alert), Verdict::Clear) => {
                // A subject with no signal (it stopped reporting) is held
                // for the `keep_firing_for` its last signal carried.
                let keep_ms = signal.as_ref().map_or(alert.keep_ms, |s| s.keep_ms);
                if let Some(s) = &signal {
                    alert.value = s.value;
                }
                match alert.state {
                    State::Pending => {
                        self.active.remove(&key);
                    }
                    _ => {
                        let since = *alert.clear_since.get_or_insert(now);
                        if now - since >= keep_ms {
                            let mut alert = self.active.remove(&key).expect("present");
                            out.push(transition(
                                &alert,
                                Some(State::Firing),
                                State::Resolved,
                                now,
                            ));
                            alert.state = State::Resolved;
                            alert.since = now;
                            if self.resolved.len() == RECENTLY_RESOLVED {
                                self.resolved.pop_front();
                            }
                            self.resolved.push_back(alert);
                        }
                    }
                }
            }
        }
    }

    fn fire(&mut self, alert: &mut Alert, now: Millis, out: &mut Vec<Transition>) {
        Self::fire_in_place(alert, now, out, &mut self.fired);
    }

    fn fire_in_place(alert: &mut Alert, now: Millis, out: &mut Vec<Transition>, fired: &mut u64) {
        out.push(transition(alert, Some(State::Pending), State::Firing, now));
        alert.state = State::Firing;
        alert.since = now;
        *fired += 1;
    }

    /// Quiets a firing alert until it resolves. False if there is none.
    pub fn acknowledge(&mut self, rule: Rule, subject: &str) -> bool {
        match self.active.get_mut(&(rule, subject.to_string())) {
            Some(alert) if alert.state == State::Firing => {
                alert.acknowledged = true;
                true
            }
            _ => false,
        }
    }

    /// Firing alerts, the ones that call for someone first (inhibited
    /// last), critical first, then the oldest.
    pub fn firing(&self) -> Vec<&Alert> {
        let mut firing: Vec<&Alert> = self
            .active
            .values()
            .filter(|a| a.state == State::Firing)
            .collect();
        firing.sort_by(|a, b| {
            a.inhibited
                .cmp(&b.inhibited)
                .then(b.severity.cmp(&a.severity))
                .then(a.since.cmp(&b.since))
        });
        firing
    }

    pub fn pending(&self) -> impl Iterator<Item = &Alert> {
        self.active.values().filter(|a| a.state == State::Pending)
    }

    /// Recently resolved alerts, the latest first.
    pub fn resolved(&self) -> impl Iterator<Item = &Alert> {
        self.resolved.iter().rev()
    }

    pub fn history(&self) -> impl Iterator<Item = &Transition> {
        self.history.iter()
    }

    /// Firing alerts of `severity` that still call for someone: not
    /// acknowledged, not inhibited.
    pub fn count(&self, severity: Severity) -> usize {
        self.firing()
            .iter()
            .filter(|a| a.severity == severity && !a.acknowledged && !a.inhibited)
            .count()
    }
}

fn transition(alert: &Alert, from: Option<State>, to: State, at: Millis) -> Transition {
    Transition {
        at,
        rule: alert.rule,
        subject: alert.subject.clone(),
        from,
        to,
        severity: alert.severity,
        value: alert.value,
        threshold: alert.threshold,
        summary: alert.summary.clone(),
        correlation_id: alert.correlation_id.clone(),
        inhibited: alert.inhibited,
        fired_at: match to {
            State::Pending => None,
            State::Firing => Some(at),
            State::Resolved => Some(alert.since),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signal(verdict: Verdict, keep_ms: Millis) -> Signal {
        Signal {
            rule: Rule::ErrorRate,
            subject: "stage implement".into(),
            verdict,
            value: 0.4,
            threshold: 0.05,
            summary: String::new(),
            correlation_id: None,
            for_ms: 0,
            keep_ms,
            inhibited: false,
        }
    }

    fn moves(t: &[Transition]) -> Vec<(Option<State>, State, Severity)> {
        t.iter().map(|t| (t.from, t.to, t.severity)).collect()
    }

    #[test]
    fn a_subject_that_stops_reporting_is_kept_firing_for_keep_firing_for() {
        let mut book = AlertBook::default();
        book.update(vec![signal(Verdict::Fire(Severity::Critical), 60_000)], 0);
        assert_eq!(book.firing().len(), 1);
        // No signal at all for the subject: held for 60 s, then resolved.
        assert!(book.update(Vec::new(), 10_000).is_empty());
        assert!(book.update(Vec::new(), 69_000).is_empty());
        let t = book.update(Vec::new(), 70_000);
        assert_eq!(
            moves(&t),
            [(Some(State::Firing), State::Resolved, Severity::Critical)]
        );
    }

    #[test]
    fn a_change_of_severity_resolves_the_old_alert_and_fires_the_new() {
        let mut book = AlertBook::default();
        book.update(vec![signal(Verdict::Fire(Severity::Warning), 0)], 0);
        let t = book.update(vec![signal(Verdict::Fire(Severity::Critical), 0)], 1_000);
        assert_eq!(
            moves(&t),
            [
                (Some(State::Firing), State::Resolved, Severity::Warning),
                (None, State::Firing, Severity::Critical)
            ]
        );
        assert_eq!(book.firing()[0].severity, Severity::Critical);
        // Back to the warning level: it keeps its worst severity until clear.
        let t = book.update(vec![signal(Verdict::Fire(Severity::Warning), 0)], 2_000);
        assert!(t.is_empty(), "{t:?}");
        assert_eq!(book.firing()[0].severity, Severity::Critical);
    }

    #[test]
    fn state_names_are_the_serialized_ones() {
        for state in [State::Pending, State::Firing, State::Resolved] {
            assert_eq!(serde_json::to_value(state).unwrap(), state.as_str());
        }
    }
}
