//! What the screens show: a snapshot of the model, taken when the model
//! changed and a frame is due. The screens draw it and the keys act on it.
//!
//! Why a snapshot rather than the live model:
//! - Keys act on what was drawn: Enter opens the row the operator read, not
//!   whatever sits at that place after events arrived since the frame.
//! - Lists are sorted once per snapshot and kept ([`View::listed`]), not
//!   re-sorted for every frame and every key (10,000 executions re-sorted on
//!   each `j` held down).
//! - Pause (`p`) keeps the snapshot while ingest and alerts go on in the
//!   model. The snapshot shares executions with the store (`Arc`, written
//!   copy-on-write there) and copies only aggregates (stage quantiles,
//!   alerts, analyses), so pausing costs a pointer per execution; the deep
//!   copy of the model it replaces took 50 ms and doubled memory with
//!   20,000 executions held.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::sync::Arc;

use super::lists::AlertRef;
use super::model::{Model, SystemView};
use crate::alerts::{AlertBook, Rule};
use crate::analytics::Analyses;
use crate::analytics::baseline::Change;
use crate::config::{AlertsConfig, ListFilter, ListSort};
use crate::engine::{Execution, InputStats, Snapshot, Targets, Window};
use crate::monitor::evidence::{Evidence, evidence};
use crate::monitor::history::History;
use crate::protocol::{Millis, Status};
use crate::source_status::SourceStatus;

/// One stage's figures over every window, as of the snapshot.
#[derive(Debug, Clone)]
pub struct StageView {
    pub name: Box<str>,
    pub target: Option<f64>,
    durations: [Snapshot; 4],
    queue: [Snapshot; 4],
}

impl StageView {
    pub fn durations(&self, window: Window) -> Snapshot {
        self.durations[window_index(window)]
    }
    pub fn queue(&self, window: Window) -> Snapshot {
        self.queue[window_index(window)]
    }
}

fn window_index(window: Window) -> usize {
    Window::ALL.iter().position(|w| *w == window).unwrap_or(0)
}

/// What changes only when the model is ticked, an alert acknowledged or the
/// analyses recomputed: shared between snapshots until then.
#[derive(Debug, Clone)]
pub struct Ticked {
    pub alerts: AlertBook,
    pub alerts_config: AlertsConfig,
    pub analyses: Analyses,
    /// This host's load (the System panel).
    pub host: Option<SystemView>,
    /// The baseline's file, when one is compared with.
    pub baseline: Option<String>,
    pub changes: Vec<Change>,
    pub cpu_history: VecDeque<u64>,
    pub memory_history: VecDeque<u64>,
}

/// Which executions a list holds, and in what order.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ListKey {
    filter: ListFilter,
    sort: ListSort,
    query: Option<String>,
}

/// Lists derived from a snapshot, kept until asked for differently.
#[derive(Debug, Clone, Default)]
struct Memo {
    listed: RefCell<Option<(ListKey, Arc<[usize]>)>>,
    matches: RefCell<Option<(String, Arc<[usize]>)>>,
    evidence: RefCell<Option<(AlertRef, Arc<Evidence>)>>,
}

/// A snapshot of the model, for the screens.
#[derive(Debug, Clone)]
pub struct View {
    /// Changes whenever what only ticks change does (for panels kept
    /// between frames).
    pub generation: u64,
    /// The last tick.
    pub now: Millis,
    /// The present for elapsed times: the last tick, or the latest event
    /// if it arrived since.
    pub clock: Millis,
    pub title: String,
    /// A replay that has read its whole file.
    pub finished: bool,
    pub event_rate: f64,
    pub lag_p95: Option<f64>,
    pub concurrency_limit: u64,
    pub input: InputStats,
    pub sources: Vec<SourceStatus>,
    pub stages: Vec<StageView>,
    /// Active executions, oldest first.
    pub active: Vec<Arc<Execution>>,
    /// Finished executions, most recent first.
    pub done: Vec<Arc<Execution>>,
    pub ticked: Arc<Ticked>,
    /// The charts' series (shared with the monitor until it samples again).
    pub history: Arc<History>,
    /// `cost.per_runner_hour`: Detail prices an execution's runner time.
    pub per_runner_hour: Option<f64>,
    targets: Targets,
    memo: Memo,
}

impl View {
    /// A snapshot of `model`, sharing what has not changed since `previous`.
    pub fn capture(model: &Model, previous: Option<&View>) -> View {
        let monitor = &model.monitor;
        let engine = &monitor.engine;
        let generation = model.generation + monitor.revision;
        let ticked = match previous {
            Some(p) if p.generation == generation => p.ticked.clone(),
            _ => Arc::new(Ticked {
                alerts: monitor.alerts.book.clone(),
                alerts_config: monitor.alerts.config,
                analyses: monitor.analyses.clone(),
                host: monitor.host.clone(),
                baseline: monitor.baseline.as_ref().map(|(file, _)| file.clone()),
                changes: monitor.changes.clone(),
                cpu_history: model.cpu_history.clone(),
                memory_history: model.memory_history.clone(),
            }),
        };
        let store = engine.executions();
        View {
            generation,
            now: model.now,
            clock: model.clock(),
            title: model.title.clone(),
            finished: model.finished,
            event_rate: model.event_rate,
            lag_p95: model.lag_p95,
            concurrency_limit: model.concurrency_limit,
            input: engine.input().clone(),
            sources: monitor.sources.clone(),
            stages: engine
                .stages()
                .map(|(name, stats)| StageView {
                    name: name.into(),
                    target: engine.target(name),
                    durations: Window::ALL.map(|w| stats.durations.snapshot(w)),
                    queue: Window::ALL.map(|w| stats.queue.snapshot(w)),
                })
                .collect(),
            active: store.active_shared().cloned().collect(),
            done: store.finished_shared().cloned().collect(),
            ticked,
            history: monitor.history.clone().unwrap_or_default(),
            per_runner_hour: monitor.per_runner_hour(),
            targets: engine.config().targets.clone(),
            memo: Memo::default(),
        }
    }

    /// A stage's duration target.
    pub fn target(&self, stage: &str) -> Option<f64> {
        self.targets.stage(stage)
    }

    /// Every execution: the active ones, then the finished.
    pub fn executions(&self) -> impl Iterator<Item = &Execution> + Clone {
        self.active.iter().chain(&self.done).map(|e| &**e)
    }

    /// The execution numbered `i` in [`View::executions`].
    pub fn execution(&self, i: usize) -> Option<&Execution> {
        match i.checked_sub(self.active.len()) {
            None => self.active.get(i).map(|e| &**e),
            Some(j) => self.done.get(j).map(|e| &**e),
        }
    }

    /// The execution by correlation id: the active one if there is one.
    pub fn get(&self, cid: &str) -> Option<&Execution> {
        self.executions().find(|e| &*e.correlation_id == cid)
    }

    /// Whether the source an execution's events come from is not
    /// connected: how long it has run since is unknown, not "past target".
    pub fn stale(&self, e: &Execution) -> bool {
        e.finished_at.is_none()
            && e.source
                .and_then(|s| self.sources.get(s))
                .is_some_and(SourceStatus::is_down)
    }

    /// The executions the Executions screen lists with this filter, sort
    /// and search, as indices into [`View::executions`]; computed once per
    /// snapshot and asking.
    pub fn listed(&self, filter: ListFilter, sort: ListSort, query: Option<&str>) -> Arc<[usize]> {
        let key = ListKey {
            filter,
            sort,
            query: query.map(String::from),
        };
        if let Some((k, list)) = &*self.memo.listed.borrow()
            && *k == key
        {
            return list.clone();
        }
        let list: Arc<[usize]> = self.list(filter, sort, query).into();
        *self.memo.listed.borrow_mut() = Some((key, list.clone()));
        list
    }

    fn list(&self, filter: ListFilter, sort: ListSort, query: Option<&str>) -> Vec<usize> {
        let active = self.active.len();
        let mut list: Vec<usize> = (0..active + self.done.len())
            .filter(|&i| match filter {
                ListFilter::All => true,
                ListFilter::Active => i < active,
                ListFilter::Finished => i >= active,
                ListFilter::Failed => self.execution(i).is_some_and(failed),
            })
            .filter(|&i| {
                query.is_none_or(|q| {
                    self.execution(i)
                        .is_some_and(|e| e.correlation_id.contains(q))
                })
            })
            .collect();
        let exec = |i: &usize| self.execution(*i).expect("listed indices exist");
        match sort {
            ListSort::Recent => list.sort_by_key(|i| std::cmp::Reverse(exec(i).last_event_at)),
            ListSort::Slowest => {
                let took = |e: &Execution| {
                    e.duration_ms
                        .unwrap_or((self.clock - e.started_at.unwrap_or(e.first_event_at)) as f64)
                };
                list.sort_by(|a, b| took(exec(b)).total_cmp(&took(exec(a))));
            }
            ListSort::Status => list.sort_by_key(|i| {
                let e = exec(i);
                (
                    e.status.map_or(0, |s| 1 + s.index()),
                    std::cmp::Reverse(e.last_event_at),
                )
            }),
        }
        if filter == ListFilter::Failed {
            // Executions that failed before those that recovered from a
            // failed attempt (`ok` at the top of a failed list read as a
            // wrong filter); the sort holds within each (a stable sort).
            list.sort_by_key(|i| !exec(i).status.is_some_and(Status::is_error));
        }
        list
    }

    /// The executions whose correlation id holds `query`, those it starts
    /// first, active and finished alike (what `/` finds).
    pub fn matches(&self, query: &str) -> Arc<[usize]> {
        if let Some((q, found)) = &*self.memo.matches.borrow()
            && q == query
        {
            return found.clone();
        }
        let mut found: Vec<usize> = self
            .executions()
            .enumerate()
            .filter(|(_, e)| e.correlation_id.contains(query))
            .map(|(i, _)| i)
            .collect();
        found.sort_by_key(|i| {
            self.execution(*i)
                .is_none_or(|e| !e.correlation_id.starts_with(query))
        });
        let found: Arc<[usize]> = found.into();
        *self.memo.matches.borrow_mut() = Some((query.to_string(), found.clone()));
        found
    }

    /// The executions behind an alert, over its rule's own window, up to
    /// when it resolved, or the snapshot's present while it fires.
    pub fn evidence(&self, alert: &AlertRef) -> Arc<Evidence> {
        if let Some((a, evidence)) = &*self.memo.evidence.borrow()
            && a == alert
        {
            return evidence.clone();
        }
        let AlertRef {
            rule,
            subject,
            resolved_at,
        } = alert;
        let rule = *rule;
        let config = &self.ticked.alerts_config;
        let window = match rule {
            Rule::ErrorRate => config.error_rate.window,
            _ => config.stage_p95.window,
        };
        let active = self.active.iter().map(|e| &**e);
        let done = self.done.iter().map(|e| &**e);
        let until = resolved_at.unwrap_or(self.clock);
        let evidence = Arc::new(evidence(active, done, rule, subject, window, until));
        *self.memo.evidence.borrow_mut() = Some((alert.clone(), evidence.clone()));
        evidence
    }

    /// Acknowledges a firing alert in this snapshot too (a paused screen
    /// shows the acknowledgement the model took).
    pub fn acknowledge(&mut self, rule: Rule, subject: &str) {
        Arc::make_mut(&mut self.ticked)
            .alerts
            .acknowledge(rule, subject);
    }
}

fn failed(e: &Execution) -> bool {
    e.status.is_some_and(Status::is_error) || e.errors().next().is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::scene::busy;

    #[test]
    fn a_list_is_sorted_once_per_snapshot_and_asking() {
        let model = busy(1_300);
        let view = View::capture(&model, None);
        let recent = view.listed(ListFilter::All, ListSort::Recent, None);
        assert_eq!(recent.len(), view.active.len() + view.done.len());
        let at = |i: &usize| view.execution(*i).unwrap().last_event_at;
        assert!(recent.windows(2).all(|w| at(&w[0]) >= at(&w[1])));
        // Asked again the same way (every frame, every key): the same list.
        let again = view.listed(ListFilter::All, ListSort::Recent, None);
        assert!(Arc::ptr_eq(&recent, &again));
        // Asked differently: sorted anew.
        let slowest = view.listed(ListFilter::All, ListSort::Slowest, None);
        assert!(!Arc::ptr_eq(&recent, &slowest));
        let found = view.listed(ListFilter::Failed, ListSort::Recent, Some("exec_0"));
        assert!(!found.is_empty());
        assert!(found.iter().all(|i| {
            let e = view.execution(*i).unwrap();
            failed(e) && e.correlation_id.contains("exec_0")
        }));
    }

    #[test]
    fn a_new_snapshot_shares_what_ticks_alone_change() {
        let mut model = busy(1_300);
        let first = View::capture(&model, None);
        let second = View::capture(&model, Some(&first));
        assert!(Arc::ptr_eq(&first.ticked, &second.ticked));
        // An acknowledgement changes the alerts: taken anew.
        let alert = model.monitor.alerts.book.firing()[0].clone();
        model.acknowledge(alert.rule, &alert.subject);
        let third = View::capture(&model, Some(&second));
        assert!(!Arc::ptr_eq(&second.ticked, &third.ticked));
        assert!(third.ticked.alerts.firing()[0].acknowledged);
    }
}
