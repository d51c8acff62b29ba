//! One workflow execution, as pieced together from its events.
//!
//! Events may arrive late, twice, or without their partner; the rules for each
//! case live here, next to the data they protect:
//! - a second `stage_finished` for the same (task, attempt) is a duplicate;
//! - a start that arrives after its finish fills in what the start knew
//!   (queue wait, dependencies) without reopening the attempt;
//! - a finish with no start is usable only if it says its `duration_ms`.

use std::collections::VecDeque;
use std::sync::Arc;

use serde::Serialize;

use super::interner::Interner;

use crate::protocol::{
    ErrorInfo, LogLevel, Millis, Resources, StageFinish, StageStart, Status, Text,
};

/// Most tasks kept per execution.
pub const MAX_TASKS: usize = 256;
/// Most attempts kept per task.
pub const MAX_ATTEMPTS: usize = 32;
/// Most log lines, and most metric samples, kept per execution.
pub const MAX_LOGS: usize = 200;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Execution {
    pub correlation_id: Arc<str>,
    pub project_id: Option<Arc<str>>,
    pub execution_id: Option<Box<str>>,
    pub node: Option<Arc<str>>,
    pub workflow: Option<Arc<str>>,
    pub variant: Option<Arc<str>>,
    /// From `execution_started`; `None` when only later events were seen.
    pub started_at: Option<Millis>,
    pub finished_at: Option<Millis>,
    /// `None` while running, or when it went silent (`abandoned`).
    pub status: Option<Status>,
    pub duration_ms: Option<f64>,
    pub autonomous: Option<bool>,
    /// No event for longer than the engine's `stale_after`: given up on.
    pub abandoned: bool,
    /// The first and latest event time seen for it.
    pub first_event_at: Millis,
    pub last_event_at: Millis,
    /// The live source its latest event came from (by index), so that a
    /// source going down marks its own executions stale and no other's;
    /// `None` from a file.
    #[serde(skip)]
    pub source: Option<usize>,
    pub tasks: Vec<Task>,
    pub logs: VecDeque<LogLine>,
    pub metrics: VecDeque<MetricSample>,
    /// What the store counts `logs` and `metrics` as against its byte
    /// budget, kept as they change: adding them up again when an execution
    /// leaves the history read every line it kept, long out of cache (3 %
    /// of a report's engine thread).
    #[serde(skip)]
    pub(super) retained_bytes: usize,
}

/// A task of an execution: one stage, possibly attempted several times.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Task {
    pub task_id: Arc<str>,
    pub stage: Arc<str>,
    pub depends_on: Vec<Arc<str>>,
    pub attempts: Vec<Attempt>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attempt {
    pub attempt: u32,
    pub started_at: Option<Millis>,
    pub finished_at: Option<Millis>,
    pub queue_ms: Option<f64>,
    pub duration_ms: Option<f64>,
    /// `None` while running.
    pub status: Option<Status>,
    /// Boxed: most attempts have none, and finished executions are many.
    pub error: Option<Box<ErrorRecord>>,
    pub resources: Option<Resources>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorRecord {
    #[serde(rename = "type")]
    pub kind: Option<Box<str>>,
    pub code: Option<Box<str>>,
    pub message: Option<Box<str>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogLine {
    pub ts: Millis,
    pub level: LogLevel,
    /// Shared with the engine's tail of recent lines.
    pub message: Arc<str>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricSample {
    pub ts: Millis,
    pub name: Arc<str>,
    pub value: f64,
}

/// What applying a stage event to an execution did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StageOutcome {
    Started,
    /// A start that came after its finish; merged in.
    LateStart,
    /// A finished attempt, with the duration to record.
    Finished {
        duration_ms: f64,
        queue_ms: Option<f64>,
        without_start: bool,
    },
    Duplicate,
    /// A finish with no start and no `duration_ms`: rejected, nothing changed.
    FinishWithoutStart,
    /// Past [`MAX_TASKS`] or [`MAX_ATTEMPTS`]: ignored.
    CapReached,
}

fn boxed(t: &Option<Text<'_>>) -> Option<Box<str>> {
    t.as_deref().map(Box::from)
}

fn shared(names: &mut Interner, t: &Option<Text<'_>>) -> Option<Arc<str>> {
    t.as_deref().map(|t| names.share(t))
}

impl Execution {
    pub fn new(correlation_id: &str, at: Millis) -> Self {
        Execution {
            correlation_id: correlation_id.into(),
            project_id: None,
            execution_id: None,
            node: None,
            workflow: None,
            variant: None,
            started_at: None,
            finished_at: None,
            status: None,
            duration_ms: None,
            autonomous: None,
            abandoned: false,
            first_event_at: at,
            last_event_at: at,
            source: None,
            tasks: Vec::new(),
            logs: VecDeque::new(),
            metrics: VecDeque::new(),
            retained_bytes: 0,
        }
    }

    pub fn is_active(&self) -> bool {
        self.status.is_none() && !self.abandoned
    }

    /// Fills in correlation fields the execution does not know yet and
    /// notes the event's time.
    pub fn observe(
        &mut self,
        at: Millis,
        project_id: &Option<Text<'_>>,
        execution_id: &Option<Text<'_>>,
        node: &Option<Text<'_>>,
        names: &mut Interner,
    ) {
        self.first_event_at = self.first_event_at.min(at);
        self.last_event_at = self.last_event_at.max(at);
        for (slot, value) in [(&mut self.project_id, project_id), (&mut self.node, node)] {
            if slot.is_none() {
                *slot = shared(names, value);
            }
        }
        if self.execution_id.is_none() {
            // Unique per execution: nothing to share.
            self.execution_id = execution_id.as_deref().map(Box::from);
        }
    }

    pub fn set_start(
        &mut self,
        at: Millis,
        workflow: &Option<Text<'_>>,
        variant: &Option<Text<'_>>,
        names: &mut Interner,
    ) {
        self.started_at = Some(at);
        self.workflow = self.workflow.take().or_else(|| shared(names, workflow));
        self.variant = self.variant.take().or_else(|| shared(names, variant));
    }

    /// Records the execution's end. Its duration is the one sent, else the
    /// time since its start.
    pub fn set_finish(
        &mut self,
        at: Millis,
        status: Status,
        duration_ms: Option<f64>,
        autonomous: Option<bool>,
    ) {
        self.finished_at = Some(at);
        self.status = Some(status);
        self.abandoned = false;
        self.autonomous = autonomous;
        self.duration_ms = duration_ms.or_else(|| self.started_at.map(|s| (at - s).max(0) as f64));
    }

    fn task_index(&self, task_id: &str) -> Option<usize> {
        self.tasks.iter().position(|t| &*t.task_id == task_id)
    }

    fn task_or_insert(
        &mut self,
        task_id: &str,
        stage: &str,
        names: &mut Interner,
    ) -> Option<&mut Task> {
        let i = match self.task_index(task_id) {
            Some(i) => i,
            None if self.tasks.len() < MAX_TASKS => {
                self.tasks.push(Task {
                    task_id: names.share(task_id),
                    stage: names.share(stage),
                    depends_on: Vec::new(),
                    // Nearly every task runs once; `Vec` would reserve four.
                    attempts: Vec::with_capacity(1),
                });
                self.tasks.len() - 1
            }
            None => return None,
        };
        Some(&mut self.tasks[i])
    }

    pub fn start_stage(
        &mut self,
        at: Millis,
        task_id: &str,
        start: &StageStart<'_>,
        names: &mut Interner,
    ) -> StageOutcome {
        let Some(task) = self.task_or_insert(task_id, &start.stage, names) else {
            return StageOutcome::CapReached;
        };
        if task.depends_on.is_empty() {
            task.depends_on = start.depends_on.iter().map(|d| names.share(d)).collect();
        }
        let full = task.attempts.len() >= MAX_ATTEMPTS;
        match task
            .attempts
            .iter_mut()
            .find(|a| a.attempt == start.attempt)
        {
            Some(a) if a.started_at.is_some() => StageOutcome::Duplicate,
            Some(a) => {
                a.started_at = Some(at);
                a.queue_ms = a.queue_ms.or(start.queue_ms);
                StageOutcome::LateStart
            }
            None if full => StageOutcome::CapReached,
            None => {
                task.attempts.push(Attempt {
                    attempt: start.attempt,
                    started_at: Some(at),
                    finished_at: None,
                    queue_ms: start.queue_ms,
                    duration_ms: None,
                    status: None,
                    error: None,
                    resources: None,
                });
                StageOutcome::Started
            }
        }
    }

    /// Checks a finish against what is known without changing anything, so
    /// a rejected event leaves no trace.
    pub fn check_finish(&self, task_id: &str, finish: &StageFinish<'_>) -> StageOutcome {
        let attempt = self.task_index(task_id).and_then(|i| {
            self.tasks[i]
                .attempts
                .iter()
                .find(|a| a.attempt == finish.attempt)
        });
        match attempt {
            Some(a) if a.status.is_some() => StageOutcome::Duplicate,
            Some(a) if a.started_at.is_some() || finish.duration_ms.is_some() => {
                StageOutcome::Started
            }
            _ if finish.duration_ms.is_none() => StageOutcome::FinishWithoutStart,
            _ => StageOutcome::Started,
        }
    }

    /// Applies a finish that [`Execution::check_finish`] let through.
    pub fn finish_stage(
        &mut self,
        at: Millis,
        task_id: &str,
        finish: &StageFinish<'_>,
        names: &mut Interner,
    ) -> StageOutcome {
        match self.check_finish(task_id, finish) {
            StageOutcome::Started => {}
            refused => return refused,
        }
        let Some(task) = self.task_or_insert(task_id, &finish.stage, names) else {
            return StageOutcome::CapReached;
        };
        let i = match task
            .attempts
            .iter()
            .position(|a| a.attempt == finish.attempt)
        {
            Some(i) => i,
            None if task.attempts.len() >= MAX_ATTEMPTS => return StageOutcome::CapReached,
            None => {
                task.attempts.push(Attempt {
                    attempt: finish.attempt,
                    started_at: None,
                    finished_at: None,
                    queue_ms: None,
                    duration_ms: None,
                    status: None,
                    error: None,
                    resources: None,
                });
                task.attempts.len() - 1
            }
        };
        let a = &mut task.attempts[i];
        let without_start = a.started_at.is_none();
        let duration_ms = finish
            .duration_ms
            .or_else(|| a.started_at.map(|s| (at - s).max(0) as f64))
            .unwrap_or(0.0);
        a.finished_at = Some(at);
        a.duration_ms = Some(duration_ms);
        a.status = Some(finish.status);
        a.queue_ms = finish.queue_ms.or(a.queue_ms);
        a.resources = finish.resources;
        a.error = finish.error.as_ref().map(|e| Box::new(error_record(e)));
        StageOutcome::Finished {
            duration_ms,
            queue_ms: a.queue_ms,
            without_start,
        }
    }

    /// Gives back spare capacity, for an execution that will not grow again
    /// (it has finished and joins a history of thousands).
    pub fn compact(&mut self) {
        self.tasks.shrink_to_fit();
        for task in &mut self.tasks {
            task.attempts.shrink_to_fit();
        }
        self.logs.shrink_to_fit();
        self.metrics.shrink_to_fit();
    }

    /// Runner time of its finished attempts (as the engine's
    /// [`super::RunnerTimes`] counted them).
    pub fn runner_time(&self) -> super::RunnerTime {
        let mut t = super::RunnerTime::default();
        for a in self.tasks.iter().flat_map(|t| &t.attempts) {
            if let (Some(d), Some(status)) = (a.duration_ms, a.status) {
                t.add(d, status, a.attempt);
            }
        }
        t
    }

    /// The attempt running now, if any: the latest started and unfinished.
    pub fn current(&self) -> Option<(&Task, &Attempt)> {
        self.tasks
            .iter()
            .flat_map(|t| t.attempts.iter().map(move |a| (t, a)))
            .filter(|(_, a)| a.status.is_none() && a.started_at.is_some())
            .max_by_key(|(_, a)| a.started_at)
    }

    /// Every error of every attempt, in task order.
    pub fn errors(&self) -> impl Iterator<Item = (&Task, &Attempt, &ErrorRecord)> {
        self.tasks
            .iter()
            .flat_map(|t| t.attempts.iter().map(move |a| (t, a)))
            .filter_map(|(t, a)| a.error.as_deref().map(|e| (t, a, e)))
    }
}

fn error_record(e: &ErrorInfo<'_>) -> ErrorRecord {
    ErrorRecord {
        kind: boxed(&e.kind),
        code: boxed(&e.code),
        message: boxed(&e.message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn start(stage: &str, attempt: u32) -> StageStart<'static> {
        StageStart {
            stage: Cow::Owned(stage.into()),
            depends_on: vec![],
            attempt,
            queue_ms: Some(5.0),
        }
    }

    fn finish(stage: &str, attempt: u32, duration_ms: Option<f64>) -> StageFinish<'static> {
        StageFinish {
            stage: Cow::Owned(stage.into()),
            status: Status::Ok,
            duration_ms,
            attempt,
            queue_ms: None,
            error: None,
            resources: None,
        }
    }

    #[test]
    fn duration_comes_from_the_start_when_not_sent() {
        let mut e = Execution::new("c", 0);
        let mut names = Interner::default();
        assert_eq!(
            e.start_stage(1000, "prep", &start("prep", 1), &mut names),
            StageOutcome::Started
        );
        assert_eq!(e.current().map(|(t, _)| &*t.stage), Some("prep"));
        let out = e.finish_stage(2500, "prep", &finish("prep", 1, None), &mut names);
        assert_eq!(
            out,
            StageOutcome::Finished {
                duration_ms: 1500.0,
                queue_ms: Some(5.0),
                without_start: false
            }
        );
        assert!(e.current().is_none());
        assert_eq!(
            e.finish_stage(2600, "prep", &finish("prep", 1, Some(3.0)), &mut names),
            StageOutcome::Duplicate
        );
    }

    #[test]
    fn finish_without_start_needs_a_duration_and_leaves_no_trace_otherwise() {
        let mut e = Execution::new("c", 0);
        let mut names = Interner::default();
        assert_eq!(
            e.finish_stage(10, "x", &finish("x", 1, None), &mut names),
            StageOutcome::FinishWithoutStart
        );
        assert!(e.tasks.is_empty());
        assert!(matches!(
            e.finish_stage(10, "x", &finish("x", 1, Some(7.0)), &mut names),
            StageOutcome::Finished {
                duration_ms: 7.0,
                without_start: true,
                ..
            }
        ));
    }

    #[test]
    fn late_start_merges_into_the_finished_attempt() {
        let mut e = Execution::new("c", 0);
        let mut names = Interner::default();
        e.finish_stage(2000, "prep", &finish("prep", 1, Some(900.0)), &mut names);
        assert_eq!(
            e.start_stage(1100, "prep", &start("prep", 1), &mut names),
            StageOutcome::LateStart
        );
        let a = &e.tasks[0].attempts[0];
        assert_eq!(
            (a.started_at, a.queue_ms, a.status),
            (Some(1100), Some(5.0), Some(Status::Ok))
        );
        assert_eq!(
            e.start_stage(1100, "prep", &start("prep", 1), &mut names),
            StageOutcome::Duplicate
        );
    }

    #[test]
    fn retries_are_separate_attempts_and_tasks_are_capped() {
        let mut e = Execution::new("c", 0);
        let mut names = Interner::default();
        e.start_stage(0, "impl", &start("implement", 1), &mut names);
        e.start_stage(10, "impl", &start("implement", 2), &mut names);
        assert_eq!(e.tasks.len(), 1);
        assert_eq!(e.tasks[0].attempts.len(), 2);
        for i in 0..MAX_TASKS {
            e.start_stage(0, &format!("t{i}"), &start("s", 1), &mut names);
        }
        assert_eq!(e.tasks.len(), MAX_TASKS);
        assert_eq!(
            e.start_stage(0, "one-more", &start("s", 1), &mut names),
            StageOutcome::CapReached
        );
    }
}
