//! The alert rules: each reads the engine (and, for local load and source
//! connections, the context) and says, per subject, fire, hold or clear.

use std::collections::BTreeMap;

use super::confidence::{Z_95, Z_99, Z_998, wilson};
use super::{Alerting, Rule, Severity, Signal, Verdict};
use crate::config::{AlertsConfig, Levels, Timing};
use crate::engine::{Distribution, Engine, Outcomes, Snapshot, Window};
pub use crate::host::LocalLoad;
use crate::protocol::Millis;
use crate::protocol::Status;
use crate::source_status::SourceStatus;
use crate::units::human_ms;

/// The subject of the silence rule's "no events" alert.
const NO_EVENTS: &str = "no events";
/// Most `stage_running` subjects judged per evaluation: the worst ones.
const MAX_RUNNING_SUBJECTS: usize = 200;
/// The recent span a stage's error rate is also judged over.
const RECENT_ERRORS_MS: Millis = 120_000;
/// First attempts the recent span needs before it is judged.
const RECENT_ERRORS_MIN: u64 = 5;
/// A node's sample older than this no longer says anything about it.
const NODE_SAMPLE_FRESH_MS: Millis = 60_000;

/// What the rules need besides the engine.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The present, on the engine's clock.
    pub now: Millis,
    pub local: Option<LocalLoad>,
    /// Live sources (none for a file).
    pub sources: &'a [SourceStatus],
}

fn ms(secs: f64) -> Millis {
    (secs * 1000.0) as Millis
}

/// Judges `value` against rising levels: fire at warning or critical, clear
/// below `clear`, hold in between.
fn rising(value: f64, l: &Levels) -> Verdict {
    if value >= l.critical {
        Verdict::Fire(Severity::Critical)
    } else if value >= l.warning {
        Verdict::Fire(Severity::Warning)
    } else if value < l.clear {
        Verdict::Clear
    } else {
        Verdict::Hold
    }
}

struct Out<'c> {
    signals: Vec<Signal>,
    now: Millis,
    /// The rules with an alert in the book: only their all-clear signals
    /// can change anything.
    alerting: &'c Alerting,
}

impl Out<'_> {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        rule: Rule,
        timing: Timing,
        subject: impl FnOnce() -> String,
        verdict: Verdict,
        value: f64,
        threshold: f64,
        summary: impl FnOnce() -> String,
        cid: impl FnOnce() -> Option<String>,
    ) {
        // A verdict short of firing, from a rule with no alert in the book,
        // says nothing the book would act on (it only clears or holds
        // alerts it has): dropped before its subject is even written, which
        // was most of `report`'s rule work on a healthy week.
        let firing = matches!(verdict, Verdict::Fire(_));
        if !firing && !self.alerting.has(rule) {
            return;
        }
        // Only a firing verdict's summary is read (the book keeps it with
        // the alert).
        let summary = if firing { summary() } else { String::new() };
        let cid = cid();
        self.signals.push(Signal {
            rule,
            subject: subject(),
            verdict,
            value,
            threshold,
            summary,
            correlation_id: cid,
            for_ms: ms(timing.for_secs),
            keep_ms: ms(timing.keep_firing_for_secs),
            inhibited: false,
        });
    }

    /// Whether a p95 judged on the lower end of its interval
    /// ([`p95_verdict`]) can say nothing the book would act on: the rule
    /// has no alert to clear or hold, and that lower end is certainly under
    /// the lowest firing level. Told without sorting the window, which is
    /// then not looked at.
    fn cannot_fire(
        &self,
        rule: Rule,
        dist: &Distribution,
        window: Window,
        target: f64,
        levels: &Levels,
    ) -> bool {
        !self.alerting.has(rule)
            && target > 0.0
            && dist.p95_low_surely_below(window, levels.warning.min(levels.critical) * target)
    }
}

fn threshold_for(verdict: Verdict, l: &Levels) -> f64 {
    match verdict {
        Verdict::Fire(Severity::Critical) => l.critical,
        _ => l.warning,
    }
}

/// Runs every enabled rule. Signals short of firing are given only for the
/// rules `alerting` names: for the others they would change nothing.
pub fn evaluate(
    engine: &Engine,
    cfg: &AlertsConfig,
    ctx: &Context<'_>,
    alerting: &Alerting,
) -> Vec<Signal> {
    let mut out = Out {
        signals: Vec::new(),
        now: ctx.now,
        alerting,
    };
    if cfg.stage_p95.enabled {
        stage_p95(engine, cfg, &mut out);
    }
    if cfg.stage_running.enabled {
        stage_running(engine, cfg, &mut out);
    }
    if cfg.error_rate.enabled {
        error_rate(engine, cfg, &mut out);
    }
    if cfg.autonomy.enabled {
        autonomy(engine, cfg, &mut out);
    }
    if cfg.resources.enabled {
        resources(engine, cfg, ctx, &mut out);
    }
    if cfg.delivery_lag.enabled {
        delivery_lag(engine, cfg, &mut out);
    }
    if cfg.clock_skew.enabled {
        clock_skew(cfg, ctx, &mut out);
    }
    if cfg.silence.enabled {
        silence(engine, cfg, ctx, &mut out);
    }
    if cfg.coordination.enabled {
        coordination(engine, cfg, &mut out);
    }
    if cfg.concurrency.enabled {
        concurrency(engine, cfg, &mut out);
    }
    inhibit(ctx, out.signals)
}

/// While a source is disconnected, what it would have told us is unknown:
/// executions "running past target" and "no events" are consequences, not
/// causes. Their alerts are inhibited (shown as such, never sent), and the
/// disconnection is the alert that pages. Executions carry no source, so
/// with several sources any one down inhibits them all: a page less, never
/// a false one.
fn inhibit(ctx: &Context<'_>, mut signals: Vec<Signal>) -> Vec<Signal> {
    if ctx.sources.iter().all(|s| s.connected) {
        return signals;
    }
    for s in &mut signals {
        let consequence =
            s.rule == Rule::StageRunning || (s.rule == Rule::Silence && s.subject == NO_EVENTS);
        if consequence {
            s.inhibited = true;
        }
    }
    signals
}

/// A p95 against its target: it fires only when the lower bound of its 95 %
/// interval is over a level (with few values the p95 is the maximum, and
/// one slow run must not page), at that bound's level; it clears when the
/// p95 itself is under the clear level.
fn p95_verdict(snap: &Snapshot, target: f64, levels: &Levels) -> Verdict {
    match rising(snap.p95_low / target, levels) {
        Verdict::Fire(severity) => Verdict::Fire(severity),
        _ if snap.p95 / target < levels.clear => Verdict::Clear,
        _ => Verdict::Hold,
    }
}

/// 1. A stage's p95 over the window against its target.
fn stage_p95(engine: &Engine, cfg: &AlertsConfig, out: &mut Out<'_>) {
    let rule = &cfg.stage_p95;
    let levels = rule.levels();
    let window = rule.window;
    for (stage, stats) in engine.stages() {
        let Some(target) = engine.target(stage) else {
            continue;
        };
        if out.cannot_fire(Rule::StageP95, &stats.durations, window, target, &levels) {
            continue;
        }
        let snap = stats.durations.snapshot(window);
        if snap.count < rule.min_samples || target <= 0.0 {
            continue;
        }
        let verdict = p95_verdict(&snap, target, &levels);
        let threshold = threshold_for(verdict, &levels) * target;
        let summary = || {
            format!(
                "p95 {} over {} is {:.0}% of its {} target (95% interval {}–{})",
                human_ms(snap.p95),
                window.label(),
                snap.p95 / target * 100.0,
                human_ms(target),
                human_ms(snap.p95_low),
                human_ms(snap.p95_high)
            )
        };
        out.push(
            Rule::StageP95,
            levels.timing(),
            || stage.to_string(),
            verdict,
            snap.p95,
            threshold,
            summary,
            || None,
        );
    }
    // Metrics with a target are judged the same way.
    for (name, dist) in engine.metrics() {
        let Some(target) = engine.metric_target(name).filter(|t| *t > 0.0) else {
            continue;
        };
        if out.cannot_fire(Rule::StageP95, dist, window, target, &levels) {
            continue;
        }
        let snap = dist.snapshot(window);
        if snap.count < rule.min_samples {
            continue;
        }
        let verdict = p95_verdict(&snap, target, &levels);
        let threshold = threshold_for(verdict, &levels) * target;
        let summary = || {
            format!(
                "p95 {:.1} over {} is {:.0}% of its target {target}",
                snap.p95,
                window.label(),
                snap.p95 / target * 100.0
            )
        };
        out.push(
            Rule::StageP95,
            levels.timing(),
            || format!("metric {name}"),
            verdict,
            snap.p95,
            threshold,
            summary,
            || None,
        );
    }
}

/// 2. Each active execution's current stage, elapsed against its target.
fn stage_running(engine: &Engine, cfg: &AlertsConfig, out: &mut Out<'_>) {
    let l = &cfg.stage_running;
    let mut running: Vec<(f64, &str, &str, f64, f64)> = engine
        .executions()
        .active()
        .filter_map(|e| {
            let (task, attempt) = e.current()?;
            let target = engine.target(&task.stage)?;
            let elapsed = (out.now - attempt.started_at?).max(0) as f64;
            let ratio = elapsed / target;
            (ratio >= l.clear).then_some((ratio, &*e.correlation_id, &*task.stage, elapsed, target))
        })
        .collect();
    running.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (ratio, cid, stage, elapsed, target) in running.into_iter().take(MAX_RUNNING_SUBJECTS) {
        // One execution running long is triage information, not a page: the
        // stage's p95 is what pages. So it warns, and only once past its
        // target (the `critical` level); the tail of a healthy stage reaches
        // 75 % every hour.
        let verdict = if ratio >= l.critical {
            Verdict::Fire(Severity::Warning)
        } else if ratio < l.clear {
            Verdict::Clear
        } else {
            Verdict::Hold
        };
        let summary = || {
            format!(
                "{stage} running for {} against its {} target",
                human_ms(elapsed),
                human_ms(target)
            )
        };
        let threshold = threshold_for(verdict, l) * target;
        out.push(
            Rule::StageRunning,
            l.timing(),
            || cid.to_string(),
            verdict,
            elapsed,
            threshold,
            summary,
            || Some(cid.to_string()),
        );
    }
}

/// 3. Failed + timed out over finished, per stage and overall.
///
/// Judged by its Wilson interval: it pages when even the 99 % interval's
/// lower bound is over the threshold, and clears when the 95 % upper bound
/// is under the clear level (over the rule's window, or the last hour when the
/// window holds too few finishes to tell). Between the two it holds.
///
/// A stage is judged on its first attempts, one independent trial per
/// execution (`engine::FirstAttempts`: a retry of a failed attempt fails
/// again far more often); the summary gives every attempt too. Executions
/// are judged on their outcome.
fn error_rate(engine: &Engine, cfg: &AlertsConfig, out: &mut Out<'_>) {
    let rule = &cfg.error_rate;
    let window = rule.window;
    // Counts only: a rate needs no histogram merged.
    let attempts_of = |dist: &Distribution, window| {
        let (n, statuses) = dist.counts(window);
        Outcomes {
            finished: n,
            errors: statuses[Status::Failed.index()] + statuses[Status::Timeout.index()],
        }
    };
    enum Evidence<'e> {
        Stage(&'e crate::engine::StageStats),
        Executions(&'e Distribution),
    }
    let judged = |evidence: &Evidence<'_>, window| match evidence {
        Evidence::Stage(stats) => stats.first_attempts.over(window),
        Evidence::Executions(dist) => attempts_of(dist, window),
    };
    // Subjects are written only for the signals kept (see `Out::push`).
    let subjects = engine
        .stages()
        .map(|(stage, stats)| (Some(stage), Evidence::Stage(stats)))
        .chain(std::iter::once((
            None,
            Evidence::Executions(engine.execution_durations()),
        )));
    for (stage, evidence) in subjects {
        let subject = || match stage {
            Some(stage) => format!("stage {stage}"),
            None => "executions".to_string(),
        };
        let mut over = window.label();
        let mut recent_z = Z_99;
        let window_now = judged(&evidence, window);
        let mut judged_now = window_now;
        // A burst shows in the last two minutes before it moves a 5m rate:
        // a stage is also judged over them, and pages if either does. Short
        // spans overlap and are tested four times as often, so they must
        // convince at 99.8 %, on five first attempts at least (two failures
        // in four healthy ones happen at a 1.5 % rate, a few times a week).
        if let Evidence::Stage(stats) = &evidence
            && matches!(
                window,
                Window::FiveMinutes | Window::OneHour | Window::AllTime
            )
        {
            let recent = stats.first_attempts.last(RECENT_ERRORS_MS);
            let convinces = |o: Outcomes, z| {
                wilson(o.errors, o.finished, z).is_some_and(|(low, _)| low > rule.threshold)
            };
            if recent.finished >= RECENT_ERRORS_MIN.max(rule.min_samples)
                && convinces(recent, Z_998)
                && !convinces(judged_now, Z_99)
            {
                judged_now = recent;
                over = "the last 2m";
                recent_z = Z_998;
            }
        }
        let Outcomes {
            finished: count,
            errors,
        } = judged_now;
        if count < rule.min_samples.max(1) {
            continue;
        }
        // Pages on the 99 % lower bound, clears on the 95 % upper one.
        let (Some((low, _)), Some((_, high))) =
            (wilson(errors, count, recent_z), wilson(errors, count, Z_95))
        else {
            continue;
        };
        // An upper bound under 4 % needs about a hundred clean first
        // attempts: at five a minute, twenty minutes, and an hour's window
        // holds the incident itself. So a rule window whose own rate is back
        // under the clear level clears too: during a real incident it never
        // is (no failure in five minutes of a 40 % burst), and the alert
        // resolves minutes after it ends, not an hour.
        let calm = window_now.finished >= rule.min_samples.max(1)
            && (window_now.errors as f64) <= rule.clear * window_now.finished as f64;
        let verdict = if low > rule.threshold {
            Verdict::Fire(Severity::Critical)
        } else if high < rule.clear || calm {
            Verdict::Clear
        } else {
            Verdict::Hold
        };
        let rate = errors as f64 / count as f64;
        let summary = || match &evidence {
            Evidence::Stage(stats) => {
                let all = attempts_of(&stats.durations, window);
                format!(
                    "{:.1}% of first attempts failed or timed out over {} ({} of {}; bounds \
                     {:.1}–{:.1}%; all attempts over {}: {} of {})",
                    rate * 100.0,
                    over,
                    errors,
                    count,
                    low * 100.0,
                    high * 100.0,
                    window.label(),
                    all.errors,
                    all.finished
                )
            }
            Evidence::Executions(_) => format!(
                "{:.1}% failed or timed out over {} ({} of {} finished; bounds {:.1}–{:.1}%)",
                rate * 100.0,
                window.label(),
                errors,
                count,
                low * 100.0,
                high * 100.0
            ),
        };
        out.push(
            Rule::ErrorRate,
            rule.timing(),
            subject,
            verdict,
            rate,
            rule.threshold,
            summary,
            || None,
        );
    }
}

/// 4. Autonomous completion rate below the threshold.
fn autonomy(engine: &Engine, cfg: &AlertsConfig, out: &mut Out<'_>) {
    let rule = &cfg.autonomy;
    let totals = engine.totals();
    let Some(rate) = totals
        .autonomous_rate()
        .filter(|_| totals.autonomy_known >= rule.min_samples)
    else {
        return;
    };
    // Like error rates, judged by the Wilson interval: 20 of 26 is not yet
    // evidence of a runner below 80 % (its 95 % upper bound is 89 %).
    let Some((_, high)) = wilson(totals.autonomous, totals.autonomy_known, Z_95) else {
        return;
    };
    let verdict = if high < rule.threshold {
        Verdict::Fire(Severity::Warning)
    } else if high >= rule.clear {
        Verdict::Clear
    } else {
        Verdict::Hold
    };
    let summary = || {
        format!(
            "{:.1}% of {} executions completed without a human (at most {:.1}%)",
            rate * 100.0,
            totals.autonomy_known,
            high * 100.0
        )
    };
    out.push(
        Rule::Autonomy,
        rule.timing(),
        || "executions".into(),
        verdict,
        rate,
        rule.threshold,
        summary,
        || None,
    );
}

/// 5. Local and runner-node CPU and memory.
fn resources(engine: &Engine, cfg: &AlertsConfig, ctx: &Context<'_>, out: &mut Out<'_>) {
    let l = &cfg.resources;
    let mut judge = |subject: &dyn Fn() -> String, what: &str, value: f64| {
        let verdict = rising(value, l);
        let summary = || format!("{what} at {value:.0}%");
        out.push(
            Rule::Resources,
            l.timing(),
            subject,
            verdict,
            value,
            threshold_for(verdict, l),
            summary,
            || None,
        );
    };
    if let Some(local) = ctx.local {
        judge(&|| "local cpu".into(), "CPU", local.cpu_percent);
        judge(&|| "local memory".into(), "memory", local.memory_percent);
    }
    for (node, load) in engine.nodes() {
        if ctx.now - load.last_at > NODE_SAMPLE_FRESH_MS {
            continue;
        }
        judge(&|| format!("node {node} cpu"), "CPU", load.cpu_percent);
        if let Some(memory) = load.memory_percent {
            judge(&|| format!("node {node} memory"), "memory", memory);
        }
    }
}

/// 6a. Delivery lag p95 over the last minute.
fn delivery_lag(engine: &Engine, cfg: &AlertsConfig, out: &mut Out<'_>) {
    let l = &cfg.delivery_lag;
    let snap = engine.delivery_lag().snapshot(Window::OneMinute);
    if snap.count == 0 {
        return;
    }
    let verdict = rising(snap.p95, l);
    let summary = || format!("delivery lag p95 {} over 1m", human_ms(snap.p95));
    out.push(
        Rule::DeliveryLag,
        l.timing(),
        || "delivery".into(),
        verdict,
        snap.p95,
        threshold_for(verdict, l),
        summary,
        || None,
    );
}

/// 6b. No events while executions are active; sources disconnected.
fn silence(engine: &Engine, cfg: &AlertsConfig, ctx: &Context<'_>, out: &mut Out<'_>) {
    let rule = &cfg.silence;
    let active = engine.executions().active_len();
    if let Some(last) = engine.last_accepted_at() {
        let quiet = (ctx.now - last).max(0) as f64 / 1000.0;
        let verdict = if active > 0 && quiet > rule.no_events_secs {
            Verdict::Fire(Severity::Warning)
        } else {
            Verdict::Clear
        };
        let summary = || format!("no events for {quiet:.0} s with {active} executions active");
        out.push(
            Rule::Silence,
            rule.timing(),
            || NO_EVENTS.into(),
            verdict,
            quiet,
            rule.no_events_secs,
            summary,
            || None,
        );
    }
    for source in ctx.sources {
        let down = source
            .down_since
            .map_or(0.0, |since| (ctx.now - since).max(0) as f64 / 1000.0);
        // The cause of every other silence: it pages.
        let verdict = if down > rule.disconnected_secs {
            Verdict::Fire(Severity::Critical)
        } else {
            Verdict::Clear
        };
        let summary = || format!("disconnected for {down:.0} s: {}", source.state);
        out.push(
            Rule::Silence,
            rule.timing(),
            || source.url.clone(),
            verdict,
            down,
            rule.disconnected_secs,
            summary,
            || None,
        );
    }
}

fn clock_skew(cfg: &AlertsConfig, ctx: &Context<'_>, out: &mut Out<'_>) {
    let rule = &cfg.clock_skew;
    for source in ctx.sources {
        let Some(offset) = source.clock_offset_ms else {
            continue;
        };
        let off_secs = offset.unsigned_abs() as f64 / 1000.0;
        let verdict = if off_secs > rule.warning_secs {
            Verdict::Fire(Severity::Warning)
        } else {
            Verdict::Clear
        };
        let direction = if offset >= 0 { "behind" } else { "ahead of" };
        let summary = || {
            format!(
                "its clock runs {} {direction} runtop's; its events are kept, its delivery lag is not measured",
                human_ms(offset.unsigned_abs() as f64)
            )
        };
        out.push(
            Rule::ClockSkew,
            rule.timing(),
            || source.url.clone(),
            verdict,
            off_secs,
            rule.warning_secs,
            summary,
            || None,
        );
    }
}

/// The protocol's level for a coordination overhead in ms.
pub fn coordination_level(ms: f64) -> &'static str {
    match ms {
        v if v < 100.0 => "EXCELLENT",
        v if v < 150.0 => "GOOD",
        v if v < 200.0 => "ACCEPTABLE",
        v if v <= 300.0 => "POOR",
        _ => "CRITICAL",
    }
}

/// 7. `coordination_overhead_ms`, mean and p95.
fn coordination(engine: &Engine, cfg: &AlertsConfig, out: &mut Out<'_>) {
    let l = &cfg.coordination;
    let Some(dist) = engine.metric("coordination_overhead_ms") else {
        return;
    };
    let snap = dist.snapshot(cfg.stage_p95.window);
    // As for a stage's p95: a mean of one or two values is no judgement.
    if snap.count < cfg.stage_p95.min_samples.max(1) {
        return;
    }
    // The p95 fires on the lower bound of its interval, as a stage's does.
    for (subject, value, judged) in [
        ("mean", snap.mean, snap.mean),
        ("p95", snap.p95, snap.p95_low),
    ] {
        let verdict = match rising(judged, l) {
            Verdict::Fire(severity) => Verdict::Fire(severity),
            _ if value < l.clear => Verdict::Clear,
            _ => Verdict::Hold,
        };
        let summary = || {
            format!(
                "coordination overhead {} ({})",
                human_ms(value),
                coordination_level(value)
            )
        };
        out.push(
            Rule::Coordination,
            l.timing(),
            || subject.into(),
            verdict,
            value,
            threshold_for(verdict, l),
            summary,
            || None,
        );
    }
}

/// 8. The runner held at its concurrency limits.
fn concurrency(engine: &Engine, cfg: &AlertsConfig, out: &mut Out<'_>) {
    let rule = &cfg.concurrency;
    let running = engine.executions().active_len() as u64;
    let verdict = if running >= rule.max_running {
        Verdict::Fire(Severity::Warning)
    } else {
        Verdict::Clear
    };
    let summary = || format!("{running} executions running, limit {}", rule.max_running);
    out.push(
        Rule::Concurrency,
        rule.timing(),
        || "runner".into(),
        verdict,
        running as f64,
        rule.max_running as f64,
        summary,
        || None,
    );
    let mut per_project: BTreeMap<&str, u64> = BTreeMap::new();
    for e in engine.executions().active() {
        if let Some(p) = e.project_id.as_deref() {
            *per_project.entry(p).or_default() += 1;
        }
    }
    for (project, n) in per_project
        .into_iter()
        .filter(|&(_, n)| n > rule.max_per_project)
    {
        let summary = || {
            format!(
                "project {project} has {n} executions running, limit {}",
                rule.max_per_project
            )
        };
        out.push(
            Rule::Concurrency,
            rule.timing(),
            || format!("project {project}"),
            Verdict::Fire(Severity::Warning),
            n as f64,
            rule.max_per_project as f64,
            summary,
            || None,
        );
    }
}
