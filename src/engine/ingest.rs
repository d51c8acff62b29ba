//! Applying decoded events to the engine's state.

use std::sync::Arc;

use super::clock::{AHEAD_TOLERANCE_MS, Verdict};
use super::execution::{Execution, LogLine, MetricSample, StageOutcome};
use super::input::{Anomaly, Origin};
use super::interner::Interner;
use super::store::ExecutionStore;
use super::{Engine, NodeLoad, RecentLog, StageStats, WindowClock};
use crate::protocol::time::format_rfc3339;
use crate::protocol::{
    Body, Decoded, Event, EventId, Invalid, InvalidKind, Millis, Status, decode_frame, to_json_line,
};

/// Most live sources whose clocks are tracked.
const MAX_SOURCE_CLOCKS: usize = 256;
/// A source clock further off than this makes delivery lag meaningless.
const LAG_CLOCK_TOLERANCE_MS: Millis = 60_000;

/// What became of one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ingested {
    Accepted,
    /// Held until later events tell whether its far-ahead time is real;
    /// counted when decided (at the latest by [`Engine::decide_held`]).
    Held,
    Duplicate,
    UnknownType,
    Invalid(InvalidKind),
}

/// Why an otherwise well-formed event was not applied.
enum Refused {
    Duplicate,
    Invalid(Invalid),
}

type Applied = Result<(), Refused>;

impl Engine {
    /// Decodes one frame (an NDJSON line or a WebSocket text message) and
    /// ingests every event in it, as received at `received_at`.
    pub fn feed(&mut self, frame: &[u8], received_at: Millis, origin: Origin) {
        decode_frame(frame, |decoded| {
            self.apply_decoded(&decoded, received_at, origin)
        });
    }

    /// Applies what one member of a frame decoded to, for sources that
    /// decode elsewhere (on another thread, say).
    pub fn apply_decoded(&mut self, decoded: &Decoded<'_>, received_at: Millis, origin: Origin) {
        match decoded {
            Decoded::Event(event) => {
                self.ingest(event, received_at, origin);
            }
            Decoded::Invalid(invalid) => self.input.invalid(invalid, origin),
            Decoded::UnknownType(name) => self.input.unknown_type(name),
        }
    }

    /// Asks for the memory applying `decoded` will touch, for a caller that
    /// knows the events a few ahead of the one it applies (a file's reader
    /// does): a hint, which changes nothing. Today that is the slot its
    /// `event_id` is remembered in, a random place in a few megabytes.
    pub fn prefetch(&self, decoded: &Decoded<'_>) {
        if let Decoded::Event(event) = decoded
            && let Some(id) = &event.event_id
        {
            self.recent_ids.prefetch(id.key());
        }
    }

    /// Counts an input rejected before decoding (an oversized line, say).
    pub fn reject(&mut self, invalid: &Invalid, origin: Origin) {
        self.input.invalid(invalid, origin);
    }

    /// Counts a binary WebSocket frame: not an event, skipped.
    pub fn binary_frame(&mut self) {
        self.input.binary_frames += 1;
    }

    /// Applies one decoded event received at `received_at`.
    ///
    /// On event time, an event far ahead of the stream's present is held
    /// until later events confirm or refute its time ([`super::clock`]). A
    /// timestamp more than `max_clock_skew_ms` after `received_at` is in the
    /// future; one more than that before the reference (the source's own
    /// clock on arrival time, the stream's present on event time) is in the
    /// past.
    pub fn ingest(&mut self, event: &Event<'_>, received_at: Millis, origin: Origin) -> Ingested {
        if self.config.window_clock == WindowClock::ArrivalTime {
            return self.ingest_checked(event, received_at, origin);
        }
        self.suspects.observe(event.ts);
        let in_line = self
            .newest_ts
            .is_some_and(|present| event.ts <= present + AHEAD_TOLERANCE_MS);
        let outcome =
            if in_line || event.ts > received_at.saturating_add(self.config.max_clock_skew_ms) {
                self.ingest_checked(event, received_at, origin)
            } else {
                self.suspects
                    .hold(event.ts, to_json_line(event), received_at, origin);
                Ingested::Held
            };
        if !self.suspects.is_empty() {
            self.settle(false);
        }
        outcome
    }

    /// Decides every held event now, by the majority of the events that came
    /// after it: at the end of an event-time stream (so that every input is
    /// counted), or where a caller needs the engine complete so far.
    pub fn decide_held(&mut self) {
        self.settle(true);
    }

    /// Applies or rejects the held events that are decided, oldest first.
    fn settle(&mut self, forced: bool) {
        while let Some((suspect, verdict)) =
            self.suspects
                .take_decided(self.newest_ts, self.span.first_ts, forced)
        {
            match verdict {
                Verdict::Apply => decode_frame(suspect.line.as_bytes(), |decoded| {
                    if let Decoded::Event(event) = decoded {
                        self.ingest_checked(&event, suspect.received_at, suspect.origin);
                    }
                }),
                _ => {
                    let present = self.newest_ts.unwrap_or(suspect.ts);
                    let invalid = Invalid::new(
                        InvalidKind::TimestampOutOfRange,
                        format!(
                            "`ts` {} is {} ahead of the stream ({}) and the events after it did not follow",
                            format_rfc3339(suspect.ts),
                            crate::units::human_ms((suspect.ts - present) as f64),
                            format_rfc3339(present)
                        ),
                    );
                    self.input.invalid(&invalid, suspect.origin);
                }
            }
        }
    }

    /// Applies one event whose time is judged by its clock alone.
    fn ingest_checked(
        &mut self,
        event: &Event<'_>,
        received_at: Millis,
        origin: Origin,
    ) -> Ingested {
        if let Err(invalid) = self.check_time(event.ts, received_at, origin) {
            let kind = invalid.kind;
            self.input.invalid(&invalid, origin);
            return Ingested::Invalid(kind);
        }
        let id_key = event.event_id.as_ref().map(EventId::key);
        if let Some(key) = id_key
            && !self.recent_ids.remember(key)
        {
            self.input.duplicate();
            return Ingested::Duplicate;
        }
        let at = match self.config.window_clock {
            WindowClock::EventTime => event.ts,
            WindowClock::ArrivalTime => received_at,
        };
        self.advance(at);
        match self.apply(event, at) {
            Ok(()) => {
                self.input.accepted();
                if let (Some(source), Some(cid)) = (origin.source, event.correlation_id.as_deref())
                {
                    self.store.note_source(cid, source);
                }
                self.span.note(event.ts);
                self.last_accepted_at = Some(at);
                self.newest_ts = Some(self.newest_ts.map_or(event.ts, |n| n.max(event.ts)));
                // Delivery lag means something only where the runner's clock
                // roughly agrees with ours.
                let clock_agrees = origin
                    .source
                    .and_then(|s| self.source_clock_offset(s))
                    .is_none_or(|o| o.abs() <= LAG_CLOCK_TOLERANCE_MS);
                if self.config.window_clock == WindowClock::ArrivalTime && clock_agrees {
                    self.lag
                        .record(at, (received_at - event.ts).max(0) as f64, None);
                }
                Ingested::Accepted
            }
            Err(refused) => {
                if let Some(key) = id_key {
                    self.recent_ids.forget_last(key);
                }
                match refused {
                    Refused::Duplicate => {
                        self.input.duplicate();
                        Ingested::Duplicate
                    }
                    Refused::Invalid(invalid) => {
                        let kind = invalid.kind;
                        self.input.invalid(&invalid, origin);
                        Ingested::Invalid(kind)
                    }
                }
            }
        }
    }

    fn check_time(
        &mut self,
        ts: Millis,
        received_at: Millis,
        origin: Origin,
    ) -> Result<(), Invalid> {
        let skew = self.config.max_clock_skew_ms;
        // A live source is judged by its own recent clock: a runner whose
        // clock is off by days loses nothing.
        if self.config.window_clock == WindowClock::ArrivalTime
            && let Some(source) = origin.source.filter(|s| *s < MAX_SOURCE_CLOCKS)
        {
            if self.source_clocks.len() <= source {
                self.source_clocks.resize_with(source + 1, Default::default);
            }
            let offset = received_at.saturating_sub(ts);
            return match self.source_clocks[source].observe(offset) {
                Some(usual) if offset.abs_diff(usual) > skew as u64 => Err(Invalid::new(
                    InvalidKind::TimestampOutOfRange,
                    format!(
                        "`ts` {} is {} off its source's clock (which runs {} {} ours)",
                        format_rfc3339(ts),
                        crate::units::human_ms(offset.abs_diff(usual) as f64),
                        crate::units::human_ms(usual.unsigned_abs() as f64),
                        if usual >= 0 { "behind" } else { "ahead of" }
                    ),
                )),
                _ => Ok(()),
            };
        }
        if ts > received_at.saturating_add(skew) {
            return Err(Invalid::new(
                InvalidKind::TimestampOutOfRange,
                format!(
                    "`ts` {} is more than {} h after it was received",
                    format_rfc3339(ts),
                    skew / 3_600_000
                ),
            ));
        }
        let reference = match self.config.window_clock {
            WindowClock::ArrivalTime => Some(received_at),
            WindowClock::EventTime => self.newest_ts,
        };
        if let Some(reference) = reference
            && ts < reference.saturating_sub(skew)
        {
            return Err(Invalid::new(
                InvalidKind::TimestampOutOfRange,
                format!(
                    "`ts` {} is more than {} h older than the stream's present",
                    format_rfc3339(ts),
                    skew / 3_600_000
                ),
            ));
        }
        Ok(())
    }

    fn apply(&mut self, ev: &Event<'_>, at: Millis) -> Applied {
        match &ev.body {
            Body::ExecutionStarted { workflow, variant } => {
                let cid = correlation(ev);
                match self.store.get_mut(cid) {
                    Some(e)
                        if e.started_at == Some(ev.ts)
                            || (e.is_active() && e.started_at.is_some()) =>
                    {
                        return Err(Refused::Duplicate);
                    }
                    // Later events of this execution came first.
                    Some(e) if e.started_at.is_none() => {
                        e.set_start(ev.ts, workflow, variant, &mut self.names);
                        observe(e, ev, &mut self.names);
                        self.input.anomaly(Anomaly::OutOfOrder);
                    }
                    // A finished execution's id started again: a new run.
                    _ => {
                        let e = self.store.insert_active(Execution::new(cid, ev.ts));
                        e.set_start(ev.ts, workflow, variant, &mut self.names);
                        observe(e, ev, &mut self.names);
                    }
                }
                self.totals.started += 1;
                self.calendar.started(ev.ts);
            }
            Body::StageStarted(start) => {
                let task_id = ev.task_id.as_deref().unwrap_or(&start.stage);
                let e = execution_or_insert(&mut self.store, ev);
                match e.start_stage(ev.ts, task_id, start, &mut self.names) {
                    StageOutcome::Duplicate => return Err(Refused::Duplicate),
                    StageOutcome::LateStart => self.input.anomaly(Anomaly::OutOfOrder),
                    StageOutcome::CapReached => self.input.anomaly(Anomaly::ExecutionCapReached),
                    _ => {}
                }
                observe(e, ev, &mut self.names);
            }
            Body::StageFinished(finish) => {
                let task_id = ev.task_id.as_deref().unwrap_or(&finish.stage);
                let cid = correlation(ev);
                // A finish may create its execution only if it says how long
                // it took; `finish_stage` refuses it otherwise, unchanged.
                if finish.duration_ms.is_none() && self.store.get(cid).is_none() {
                    return Err(finish_without_start(cid, task_id, finish.attempt));
                }
                let e = execution_or_insert(&mut self.store, ev);
                let outcome = e.finish_stage(ev.ts, task_id, finish, &mut self.names);
                match outcome {
                    StageOutcome::Duplicate => return Err(Refused::Duplicate),
                    StageOutcome::FinishWithoutStart => {
                        return Err(finish_without_start(cid, task_id, finish.attempt));
                    }
                    StageOutcome::CapReached => self.input.anomaly(Anomaly::ExecutionCapReached),
                    StageOutcome::Finished {
                        duration_ms,
                        queue_ms,
                        without_start,
                    } => {
                        if without_start {
                            self.input.anomaly(Anomaly::FinishWithoutStart);
                        }
                        // The event's own project and node first: an
                        // execution's first event has not been observed yet.
                        self.runner_time.record(
                            ev.project_id.as_deref().or(e.project_id.as_deref()),
                            ev.node.as_deref().or(e.node.as_deref()),
                            duration_ms,
                            finish.status,
                            finish.attempt,
                        );
                        match self.stages.entry(&finish.stage, StageStats::default) {
                            Some(stats) => {
                                stats.runner.add(duration_ms, finish.status, finish.attempt);
                                if let Some(q) = queue_ms {
                                    stats.queue.record(at, q, None);
                                }
                                // Cut short by something else (a failing
                                // sibling, an operator): its time is no
                                // sample of the stage's pace nor its outcome
                                // evidence of the stage's health.
                                if finish.status == Status::Cancelled {
                                    stats.cancelled += 1;
                                } else {
                                    stats.durations.record(at, duration_ms, Some(finish.status));
                                    if finish.attempt <= 1 {
                                        stats.first_attempts.record(at, finish.status);
                                    }
                                    if finish.status == Status::Ok {
                                        stats.recent_ok.record(at, duration_ms);
                                    }
                                }
                            }
                            None => self.input.anomaly(Anomaly::StageNameOverflow),
                        }
                    }
                    StageOutcome::Started | StageOutcome::LateStart => {}
                }
                observe(e, ev, &mut self.names);
            }
            Body::ExecutionFinished {
                status,
                duration_ms,
                autonomous,
            } => {
                let cid = correlation(ev);
                let e = match self.store.get_or_insert(cid, ev.ts) {
                    (e, false) if e.status.is_some() => return Err(Refused::Duplicate),
                    (e, false) => e,
                    (e, true) => {
                        self.input.anomaly(Anomaly::FinishWithoutStart);
                        e
                    }
                };
                observe(e, ev, &mut self.names);
                e.set_finish(ev.ts, *status, *duration_ms, *autonomous);
                if let Some(d) = e.duration_ms {
                    self.executions_time.record(at, d, Some(*status));
                }
                self.store.retire(cid);
                self.totals.finished += 1;
                self.totals.by_status[status.index()] += 1;
                if matches!(status, Status::Failed | Status::Timeout) {
                    self.calendar.failed(ev.ts);
                }
                if let Some(autonomous) = autonomous {
                    self.totals.autonomy_known += 1;
                    self.totals.autonomous += u64::from(*autonomous);
                }
            }
            Body::Metric { name, value, .. } => {
                match self.metrics.entry(name, Default::default) {
                    Some(dist) => dist.record(at, *value, None),
                    None => self.input.anomaly(Anomaly::MetricNameOverflow),
                }
                if let Some(cid) = ev.correlation_id.as_deref() {
                    let sample = MetricSample {
                        ts: ev.ts,
                        name: self.names.share(name),
                        value: *value,
                    };
                    let names = &mut self.names;
                    self.store
                        .push_metric(cid, sample, |e| observe(e, ev, names));
                }
            }
            Body::ResourceSample {
                cpu_percent,
                memory_mb,
                memory_percent,
            } => {
                let node = ev.node.as_deref().unwrap_or_default();
                match self.nodes.entry(node, NodeLoad::default) {
                    Some(load) if ev.ts >= load.last_at => {
                        load.last_at = ev.ts;
                        load.cpu_percent = *cpu_percent;
                        load.memory_mb = *memory_mb;
                        load.memory_percent = *memory_percent;
                        load.cpu.record(at, *cpu_percent, None);
                    }
                    Some(load) => load.cpu.record(at, *cpu_percent, None),
                    None => self.input.anomaly(Anomaly::ExecutionCapReached),
                }
            }
            Body::Log { level, message } => {
                self.log_levels[*level as usize] += 1;
                // One copy of the message, shared by the execution and the
                // tail: a log line used to cost three allocations.
                let line = LogLine {
                    ts: ev.ts,
                    level: *level,
                    message: Arc::from(&**message),
                };
                let names = &mut self.names;
                let correlation_id = ev.correlation_id.as_deref().map(|cid| {
                    self.store
                        .push_log(cid, line.clone(), |e| observe(e, ev, names))
                        .unwrap_or_else(|| Arc::from(cid))
                });
                if self.recent_logs.len() >= self.config.limits.recent_logs {
                    self.recent_logs.pop_front();
                }
                if self.config.limits.recent_logs > 0 {
                    self.recent_logs.push_back(RecentLog {
                        correlation_id,
                        line,
                    });
                }
            }
        }
        Ok(())
    }
}

/// The event's execution, created (as active, start unknown) if new.
fn execution_or_insert<'s>(store: &'s mut ExecutionStore, ev: &Event<'_>) -> &'s mut Execution {
    store.get_or_insert(correlation(ev), ev.ts).0
}

/// Notes the event on `e`, its execution.
fn observe(e: &mut Execution, ev: &Event<'_>, names: &mut Interner) {
    e.observe(ev.ts, &ev.project_id, &ev.execution_id, &ev.node, names);
}

fn finish_without_start(cid: &str, task_id: &str, attempt: u32) -> Refused {
    Refused::Invalid(Invalid::new(
        InvalidKind::FinishWithoutStart,
        format!(
            "`stage_finished` for {cid}/{task_id} attempt {attempt} has no matching start and no `duration_ms`"
        ),
    ))
}

fn correlation<'e>(ev: &'e Event<'_>) -> &'e str {
    // Decoding guarantees execution and stage events carry one.
    ev.correlation_id.as_deref().unwrap_or_default()
}
