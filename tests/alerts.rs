//! Every alert rule with a fixed clock: pending → firing → resolved, and
//! hysteresis keeping a value that oscillates around a threshold from
//! flapping. Events and evaluation times are explicit; nothing reads a clock.

use runtop::alerts::{Alerts, Context, LocalLoad, Rule, Severity, State, Transition};
use runtop::config::AlertsConfig;
use runtop::engine::{Engine, EngineConfig, Origin};
use runtop::protocol::Millis;
use runtop::source::live::SourceStatus;

/// 2026-11-22T10:00:00Z.
const T0: Millis = 1_795_341_600_000;
const S: Millis = 1_000;

fn engine() -> Engine {
    Engine::new(EngineConfig::replay())
}

fn feed(engine: &mut Engine, lines: &[String]) {
    for line in lines {
        engine.feed(line.as_bytes(), T0 + 3_600 * S, Origin::default());
    }
    // What was fed is all there is for now: nothing stays held.
    engine.decide_held();
}

fn finish(cid: &str, stage: &str, at: Millis, ms: f64, status: &str) -> String {
    format!(
        r#"{{"type":"stage_finished","ts":{at},"correlation_id":"{cid}","stage":"{stage}","status":"{status}","duration_ms":{ms}}}"#
    )
}

fn eval(alerts: &mut Alerts, engine: &Engine, now: Millis) -> Vec<Transition> {
    alerts.evaluate_now(
        engine,
        &Context {
            now,
            local: None,
            sources: &[],
        },
    )
}

fn state(alerts: &Alerts, rule: Rule, subject: &str) -> Option<(State, Severity)> {
    alerts
        .book
        .firing()
        .into_iter()
        .chain(alerts.book.pending())
        .find(|a| a.rule == rule && a.subject == subject)
        .map(|a| (a.state, a.severity))
}

/// The transitions of `rule` (other rules may rightly fire alongside: a
/// stage finish with no start is an active execution, for instance).
fn moves_of(rule: Rule, ts: &[Transition]) -> Vec<(Rule, String, State)> {
    ts.iter()
        .filter(|t| t.rule == rule)
        .map(|t| (t.rule, t.subject.clone(), t.to))
        .collect()
}

fn alerts_with(edit: impl FnOnce(&mut AlertsConfig)) -> Alerts {
    let mut config = AlertsConfig::default();
    edit(&mut config);
    Alerts::new(config)
}

#[test]
fn stage_p95_warns_at_75_percent_goes_critical_at_100_and_resolves_below_70() {
    let mut e = engine();
    let mut alerts = alerts_with(|_| {});
    // prep's target is 2 s: ten finishes of 1.6 s put its p95 at 80 %.
    feed(
        &mut e,
        &(0..10)
            .map(|i| finish(&format!("a{i}"), "prep", T0 + i * S, 1_600.0, "ok"))
            .collect::<Vec<_>>(),
    );
    let t = eval(&mut alerts, &e, T0 + 10 * S);
    assert_eq!(
        moves_of(Rule::StageP95, &t),
        [
            (Rule::StageP95, "prep".into(), State::Pending),
            (Rule::StageP95, "prep".into(), State::Firing)
        ]
    );
    assert_eq!(t[1].severity, Severity::Warning);
    feed(
        &mut e,
        &(0..10)
            .map(|i| finish(&format!("b{i}"), "prep", T0 + (11 + i) * S, 2_400.0, "ok"))
            .collect::<Vec<_>>(),
    );
    let t: Vec<Transition> = eval(&mut alerts, &e, T0 + 22 * S)
        .into_iter()
        .filter(|t| t.rule == Rule::StageP95)
        .collect();
    // A new severity is a new alert (as Alertmanager fingerprints it): the
    // warning resolves, the critical fires.
    assert_eq!(
        t.iter().map(|t| (t.severity, t.to)).collect::<Vec<_>>(),
        [
            (Severity::Warning, State::Resolved),
            (Severity::Critical, State::Firing)
        ],
        "{t:?}"
    );
    // Five minutes of fast finishes later the window holds only those.
    let fast: Vec<String> = (0..20)
        .map(|i| finish(&format!("c{i}"), "prep", T0 + 400 * S + i * S, 500.0, "ok"))
        .collect();
    feed(&mut e, &fast);
    let t = eval(&mut alerts, &e, T0 + 420 * S);
    assert_eq!(
        moves_of(Rule::StageP95, &t),
        [(Rule::StageP95, "prep".into(), State::Resolved)]
    );
    assert_eq!(alerts.book.resolved().count(), 1);
}

#[test]
fn hysteresis_keeps_an_oscillating_value_from_flapping() {
    let mut e = engine();
    let mut alerts = alerts_with(|_| {});
    let mut transitions = 0;
    // p95 alternates between 76 % (over warning) and 72 % (under warning,
    // over clear): it fires once and stays firing.
    for round in 0..10 {
        let ms = if round % 2 == 0 { 1_520.0 } else { 1_440.0 };
        let base = T0 + round * 400 * S; // each round in a fresh 5-minute window
        feed(
            &mut e,
            &(0..10)
                .map(|i| finish(&format!("r{round}-{i}"), "prep", base + i * S, ms, "ok"))
                .collect::<Vec<_>>(),
        );
        transitions += moves_of(Rule::StageP95, &eval(&mut alerts, &e, base + 10 * S)).len();
        assert_eq!(
            state(&alerts, Rule::StageP95, "prep"),
            Some((State::Firing, Severity::Warning)),
            "round {round}"
        );
    }
    assert_eq!(transitions, 2, "pending and firing, once");
    // Without hysteresis (clear = warning) the same values would flap.
    let mut flappy = alerts_with(|c| c.stage_p95.clear = 0.75);
    let mut e = engine();
    let mut transitions = 0;
    for round in 0..10 {
        let ms = if round % 2 == 0 { 1_520.0 } else { 1_440.0 };
        let base = T0 + round * 400 * S;
        feed(
            &mut e,
            &(0..10)
                .map(|i| finish(&format!("r{round}-{i}"), "prep", base + i * S, ms, "ok"))
                .collect::<Vec<_>>(),
        );
        transitions += moves_of(Rule::StageP95, &eval(&mut flappy, &e, base + 10 * S)).len();
    }
    assert!(transitions >= 10, "{transitions}");
}

#[test]
fn a_running_stage_alerts_per_correlation_id_and_resolves_when_it_finishes() {
    let mut e = engine();
    let mut alerts = alerts_with(|_| {});
    feed(
        &mut e,
        &[format!(
            r#"{{"type":"stage_started","ts":{T0},"correlation_id":"exec_9","stage":"prep"}}"#
        )],
    );
    assert!(
        eval(&mut alerts, &e, T0 + 1_600).is_empty(),
        "80 % of 2 s: the tail of a healthy stage, nothing"
    );
    // Past its target: a warning, never a page (one long execution is
    // triage information; the stage's p95 is what pages).
    let t: Vec<Transition> = eval(&mut alerts, &e, T0 + 2_100)
        .into_iter()
        .filter(|t| t.rule == Rule::StageRunning)
        .collect();
    assert_eq!(
        t.last()
            .map(|t| (t.to, t.severity, t.correlation_id.clone())),
        Some((State::Firing, Severity::Warning, Some("exec_9".into())))
    );
    assert_eq!(
        state(&alerts, Rule::StageRunning, "exec_9"),
        Some((State::Firing, Severity::Warning))
    );
    feed(
        &mut e,
        &[finish("exec_9", "prep", T0 + 2_200, 2_200.0, "ok")],
    );
    let t = eval(&mut alerts, &e, T0 + 2_300);
    assert_eq!(
        moves_of(Rule::StageRunning, &t),
        [(Rule::StageRunning, "exec_9".into(), State::Resolved)]
    );
}

/// `n` verify finishes from `at`, one a second, the first `failed` of them
/// failed.
fn verify_finishes(tag: &str, at: Millis, n: i64, failed: i64) -> Vec<String> {
    (0..n)
        .map(|i| {
            let status = if i < failed { "failed" } else { "ok" };
            finish(&format!("{tag}{i}"), "verify", at + i * S, 100.0, status)
        })
        .collect()
}

#[test]
fn error_rate_pages_on_its_wilson_lower_bound_and_clears_on_its_upper() {
    // One failure in three: 33 %, but its 95 % interval reaches down to 1.8 %.
    let mut e = engine();
    let mut alerts = alerts_with(|_| {});
    feed(&mut e, &verify_finishes("a", T0, 3, 1));
    eval(&mut alerts, &e, T0 + 3 * S);
    assert_eq!(state(&alerts, Rule::ErrorRate, "stage verify"), None);
    // Eight in twenty: the lower bound is 20 %, over the 5 % threshold.
    let mut e = engine();
    feed(&mut e, &verify_finishes("b", T0, 20, 8));
    eval(&mut alerts, &e, T0 + 20 * S);
    assert_eq!(
        state(&alerts, Rule::ErrorRate, "stage verify"),
        Some((State::Firing, Severity::Critical))
    );
    // A low-traffic runner is judged fairly: three of four failing pages.
    let mut small = alerts_with(|_| {});
    let mut e = engine();
    feed(&mut e, &verify_finishes("c", T0, 4, 3));
    eval(&mut small, &e, T0 + 4 * S);
    assert_eq!(
        state(&small, Rule::ErrorRate, "stage verify"),
        Some((State::Firing, Severity::Critical))
    );
    // Clean finishes while the failures are still in the 5m window: three
    // of twenty-four is still over the clear level, so it holds.
    feed(&mut e, &verify_finishes("d", T0 + 10 * S, 20, 0));
    eval(&mut small, &e, T0 + 30 * S);
    assert_eq!(
        state(&small, Rule::ErrorRate, "stage verify").map(|s| s.0),
        Some(State::Firing),
        "holds while the window still shows the failures"
    );
    // A window of clean finishes only: its rate is under the clear level.
    // (Its upper bound, 17 %, is not: that would take a hundred clean
    // finishes, and the alert would outlive its incident by an hour.)
    feed(&mut e, &verify_finishes("e", T0 + 400 * S, 20, 0));
    let t = eval(&mut small, &e, T0 + 420 * S);
    assert_eq!(
        moves_of(Rule::ErrorRate, &t),
        [(Rule::ErrorRate, "stage verify".into(), State::Resolved)]
    );
}

/// A stage's first attempts, one every 12 s from `at` (an execution every
/// 15 s); `failing(i)` says which fail, each failure retried (and failing
/// again) as attempt 2.
fn implement_attempts(at: Millis, n: i64, failing: impl Fn(i64) -> bool) -> Vec<String> {
    let mut lines = Vec::new();
    for i in 0..n {
        let t = at + i * 12 * S;
        let cid = format!("i{at}-{i}");
        if failing(i) {
            lines.push(finish(&cid, "implement", t, 100.0, "failed"));
            lines.push(format!(
                r#"{{"type":"stage_finished","ts":{},"correlation_id":"{cid}","stage":"implement","status":"failed","attempt":2,"duration_ms":100}}"#,
                t + 500
            ));
        } else {
            lines.push(finish(&cid, "implement", t, 100.0, "ok"));
        }
    }
    lines
}

#[test]
fn error_rates_count_first_attempts_and_a_burst_pages_on_the_last_two_minutes() {
    // A retried failure is one execution's bad luck, not two: one failed
    // execution (two failed attempts) among 29 is judged as 1 in 29.
    let mut e = engine();
    let mut alerts = alerts_with(|_| {});
    feed(&mut e, &implement_attempts(T0, 29, |i| i == 3));
    feed(&mut e, &implement_attempts(T0 + 60 * S, 0, |_| false));
    eval(&mut alerts, &e, T0 + 60 * S);
    assert_eq!(state(&alerts, Rule::ErrorRate, "stage implement"), None);
    // Four minutes healthy (20 first attempts), then a burst: 4 of the
    // next 8 fail. Over 5m that is 4 of 25, no evidence at 99 % (the lower
    // bound is 3 %); the last two minutes hold 4 of 10, which is, at 99.8 %
    // (from 8 %).
    let mut e = engine();
    let mut alerts = alerts_with(|_| {});
    let start = T0 + 3_000 * S;
    feed(&mut e, &implement_attempts(start, 20, |_| false));
    feed(
        &mut e,
        &implement_attempts(start + 240 * S, 8, |i| i % 2 == 1),
    );
    let t = eval(&mut alerts, &e, start + 330 * S);
    let fired = t
        .iter()
        .find(|t| {
            t.rule == Rule::ErrorRate && t.subject == "stage implement" && t.to == State::Firing
        })
        .expect("the burst pages");
    assert_eq!(fired.severity, Severity::Critical);
    assert!(
        fired.summary.contains("over the last 2m (4 of 10;"),
        "{}",
        fired.summary
    );
    // Every attempt is still told: the four retries fail too.
    assert!(
        fired.summary.contains("all attempts over 5m: 8 of 29"),
        "{}",
        fired.summary
    );
}

#[test]
fn autonomy_warns_when_confidently_below_80_percent() {
    let executions = |n: i64, autonomous: &dyn Fn(i64) -> bool| -> Vec<String> {
        (0..n)
            .map(|i| format!(r#"{{"type":"execution_finished","ts":{},"correlation_id":"x{i}","status":"ok","autonomous":{}}}"#, T0 + i * S, autonomous(i)))
            .collect()
    };
    // 15 of 20 is 75 %, but its 95 % interval reaches 91 %: no evidence.
    let mut e = engine();
    let mut alerts = alerts_with(|_| {});
    feed(&mut e, &executions(20, &|i| i % 4 != 0));
    eval(&mut alerts, &e, T0 + 20 * S);
    assert_eq!(state(&alerts, Rule::Autonomy, "executions"), None);
    // 70 of 100: at most 79 %.
    let mut e = engine();
    feed(&mut e, &executions(100, &|i| i % 10 < 7));
    eval(&mut alerts, &e, T0 + 100 * S);
    assert_eq!(
        state(&alerts, Rule::Autonomy, "executions"),
        Some((State::Firing, Severity::Warning))
    );
}

#[test]
fn resources_fire_after_15_seconds_locally_and_per_node() {
    let mut e = engine();
    let mut alerts = alerts_with(|_| {});
    let hot = LocalLoad {
        cpu_percent: 97.0,
        memory_percent: 50.0,
    };
    let sample = |at: Millis| {
        format!(
            r#"{{"type":"resource_sample","ts":{at},"node":"runner-3","cpu_percent":85,"memory_mb":100,"memory_percent":40}}"#
        )
    };
    feed(&mut e, &[sample(T0)]);
    let ctx = |now| Context {
        now,
        local: Some(hot),
        sources: &[],
    };
    alerts.evaluate_now(&e, &ctx(T0));
    assert_eq!(
        state(&alerts, Rule::Resources, "local cpu"),
        Some((State::Pending, Severity::Critical))
    );
    assert_eq!(
        state(&alerts, Rule::Resources, "node runner-3 cpu"),
        Some((State::Pending, Severity::Warning))
    );
    feed(&mut e, &[sample(T0 + 10 * S)]);
    alerts.evaluate_now(&e, &ctx(T0 + 10 * S));
    assert_eq!(
        state(&alerts, Rule::Resources, "local cpu").map(|s| s.0),
        Some(State::Pending)
    );
    feed(&mut e, &[sample(T0 + 15 * S)]);
    alerts.evaluate_now(&e, &ctx(T0 + 15 * S));
    assert_eq!(
        state(&alerts, Rule::Resources, "local cpu"),
        Some((State::Firing, Severity::Critical))
    );
    assert_eq!(
        state(&alerts, Rule::Resources, "node runner-3 cpu"),
        Some((State::Firing, Severity::Warning))
    );
    assert_eq!(state(&alerts, Rule::Resources, "local memory"), None);
    // A dip that ends the condition before `for` cancels a pending alert.
    let cool = LocalLoad {
        cpu_percent: 10.0,
        memory_percent: 90.0,
    };
    alerts.evaluate_now(
        &e,
        &Context {
            now: T0 + 16 * S,
            local: Some(cool),
            sources: &[],
        },
    );
    alerts.evaluate_now(
        &e,
        &Context {
            now: T0 + 17 * S,
            local: Some(hot),
            sources: &[],
        },
    );
    assert_eq!(
        state(&alerts, Rule::Resources, "local memory"),
        None,
        "memory 90 % then 50 %: never 15 s"
    );
}

#[test]
fn delivery_lag_silence_and_a_disconnected_source_that_pages_and_inhibits() {
    let mut e = Engine::new(EngineConfig::live());
    let mut alerts = alerts_with(|_| {});
    for i in 0..5 {
        let ts = T0 + i * S;
        let line = format!(
            r#"{{"type":"stage_started","ts":{ts},"correlation_id":"c{i}","stage":"verify"}}"#
        );
        e.feed(line.as_bytes(), ts + 800, Origin::default());
    }
    let mut sources = vec![SourceStatus::new("ws://runner-1:7878/events".into(), T0)];
    fn ctx(now: Millis, sources: &[SourceStatus]) -> Context<'_> {
        Context {
            now,
            local: None,
            sources,
        }
    }
    alerts.evaluate_now(&e, &ctx(T0 + 5 * S, &sources));
    assert_eq!(
        state(&alerts, Rule::DeliveryLag, "delivery"),
        Some((State::Firing, Severity::Warning))
    );
    assert_eq!(
        state(&alerts, Rule::Silence, "ws://runner-1:7878/events"),
        None,
        "down 5 s: not yet"
    );
    let t = alerts.evaluate_now(&e, &ctx(T0 + 70 * S, &sources));
    // The disconnection is the cause: it pages, and is the top alert.
    assert_eq!(
        state(&alerts, Rule::Silence, "ws://runner-1:7878/events"),
        Some((State::Firing, Severity::Critical))
    );
    let top = alerts.book.firing()[0];
    assert_eq!(
        (top.rule, top.subject.as_str()),
        (Rule::Silence, "ws://runner-1:7878/events")
    );
    assert!(
        top.summary.contains("connecting"),
        "its reason: {}",
        top.summary
    );
    // Its consequences (no events, executions running past target) are
    // inhibited: shown, counted apart, never sent to the webhook.
    assert_eq!(
        state(&alerts, Rule::Silence, "no events"),
        Some((State::Firing, Severity::Warning))
    );
    let inhibited: Vec<_> = t
        .iter()
        .filter(|t| t.inhibited)
        .map(|t| (t.rule, t.subject.clone()))
        .collect();
    assert!(
        inhibited.contains(&(Rule::Silence, "no events".into())),
        "{inhibited:?}"
    );
    assert!(
        inhibited
            .iter()
            .any(|(rule, _)| *rule == Rule::StageRunning),
        "{inhibited:?}"
    );
    let calling: Vec<_> = alerts
        .book
        .firing()
        .into_iter()
        .filter(|a| a.severity == Severity::Warning && !a.inhibited)
        .map(|a| (a.rule, a.subject.clone()))
        .collect();
    assert!(
        calling
            .iter()
            .all(|(rule, subject)| *rule != Rule::StageRunning && subject != "no events"),
        "{calling:?}"
    );
    assert_eq!(alerts.book.count(Severity::Warning), calling.len());
    let sent = runtop::alerts::alertmanager::payload(&t).unwrap();
    assert!(
        sent.alerts
            .iter()
            .all(|a| a.labels["alertname"] != "stage_running")
    );
    sources[0].update(&runtop::source::live::LinkState::Connected, T0 + 71 * S);
    let t = alerts.evaluate_now(&e, &ctx(T0 + 72 * S, &sources));
    assert!(
        moves_of(Rule::Silence, &t).contains(&(
            Rule::Silence,
            "ws://runner-1:7878/events".into(),
            State::Resolved
        )),
        "{t:?}"
    );
}

#[test]
fn coordination_overhead_poor_warns_and_critical_is_critical() {
    let mut e = engine();
    let mut alerts = alerts_with(|_| {});
    let metric = |i: Millis, v: f64| {
        format!(
            r#"{{"type":"metric","ts":{},"name":"coordination_overhead_ms","value":{v}}}"#,
            T0 + i * S
        )
    };
    feed(
        &mut e,
        &(0..10).map(|i| metric(i, 220.0)).collect::<Vec<_>>(),
    );
    eval(&mut alerts, &e, T0 + 10 * S);
    assert_eq!(
        state(&alerts, Rule::Coordination, "mean"),
        Some((State::Firing, Severity::Warning))
    );
    feed(
        &mut e,
        &(10..30).map(|i| metric(i, 320.0)).collect::<Vec<_>>(),
    );
    eval(&mut alerts, &e, T0 + 30 * S);
    assert_eq!(
        state(&alerts, Rule::Coordination, "p95"),
        Some((State::Firing, Severity::Critical))
    );
}

#[test]
fn the_runner_held_at_its_limit_for_five_minutes_warns_and_acknowledging_quiets_it() {
    let mut e = engine();
    let mut alerts = alerts_with(|_| {});
    let start = |i: i64| {
        format!(
            r#"{{"type":"execution_started","ts":{},"correlation_id":"e{i}","project_id":"p{i}"}}"#,
            T0 + i
        )
    };
    feed(&mut e, &(0..5).map(start).collect::<Vec<_>>());
    eval(&mut alerts, &e, T0 + S);
    assert_eq!(
        state(&alerts, Rule::Concurrency, "runner").map(|s| s.0),
        Some(State::Pending)
    );
    // A minute at the limit is a busy runner, not yet a queue.
    eval(&mut alerts, &e, T0 + 61 * S);
    assert_eq!(
        state(&alerts, Rule::Concurrency, "runner").map(|s| s.0),
        Some(State::Pending)
    );
    eval(&mut alerts, &e, T0 + 301 * S);
    assert_eq!(
        state(&alerts, Rule::Concurrency, "runner"),
        Some((State::Firing, Severity::Warning))
    );
    // Minutes without an event while five run: the silence rule warns too.
    assert_eq!(
        state(&alerts, Rule::Silence, "no events"),
        Some((State::Firing, Severity::Warning))
    );
    assert_eq!(alerts.book.count(Severity::Warning), 2);
    assert!(alerts.book.acknowledge(Rule::Concurrency, "runner"));
    assert_eq!(
        alerts.book.count(Severity::Warning),
        1,
        "quiet once acknowledged"
    );
    assert!(
        alerts
            .book
            .firing()
            .iter()
            .any(|a| a.rule == Rule::Concurrency && a.acknowledged)
    );
    feed(
        &mut e,
        &[format!(
            r#"{{"type":"execution_finished","ts":{},"correlation_id":"e0","status":"ok"}}"#,
            T0 + 302 * S
        )],
    );
    // Held two minutes once clear (keep_firing_for), so that a runner going
    // in and out of its limit is one alert.
    assert!(moves_of(Rule::Concurrency, &eval(&mut alerts, &e, T0 + 303 * S)).is_empty());
    let t = eval(&mut alerts, &e, T0 + 423 * S);
    assert_eq!(
        moves_of(Rule::Concurrency, &t),
        [(Rule::Concurrency, "runner".into(), State::Resolved)]
    );
}

#[test]
fn keep_firing_for_holds_a_cleared_alert_and_history_is_capped() {
    let mut e = engine();
    let mut alerts = alerts_with(|c| c.coordination.keep_firing_for_secs = 30.0);
    let metric = |at: Millis, v: f64| {
        format!(r#"{{"type":"metric","ts":{at},"name":"coordination_overhead_ms","value":{v}}}"#)
    };
    // Five values: as few as a judgement takes.
    let five = |at: Millis, v: f64| (0..5).map(|i| metric(at + i * S, v)).collect::<Vec<_>>();
    feed(&mut e, &five(T0, 400.0));
    eval(&mut alerts, &e, T0 + 4 * S);
    feed(&mut e, &five(T0 + 400 * S, 10.0));
    assert!(
        eval(&mut alerts, &e, T0 + 404 * S).is_empty(),
        "clear, but kept firing"
    );
    assert!(eval(&mut alerts, &e, T0 + 424 * S).is_empty());
    let t = eval(&mut alerts, &e, T0 + 435 * S);
    assert_eq!(
        t.iter().filter(|t| t.to == State::Resolved).count(),
        2,
        "mean and p95"
    );
    // Fire and resolve over and over: 6 transitions a round (mean and p95
    // pending, firing, resolved), far past the history's cap.
    let mut alerts = alerts_with(|_| {});
    for i in 0..300 {
        let at = T0 + (1_000 + i * 1_000) * S;
        for line in five(at, 400.0) {
            e.feed(line.as_bytes(), at + 4 * S, Origin::default());
        }
        // 16 minutes after the last event: held until decided.
        e.decide_held();
        eval(&mut alerts, &e, at + 4 * S);
        // Time passes with no event: the window empties.
        e.advance(at + 400 * S);
        eval(&mut alerts, &e, at + 400 * S);
    }
    assert_eq!(alerts.book.history().count(), runtop::alerts::HISTORY);
}

#[test]
fn one_slow_run_among_few_does_not_make_a_p95_alert() {
    let mut e = engine();
    let mut alerts = alerts_with(|_| {});
    // Five prep finishes (target 2 s), one of them 20 s: the p95 of five is
    // that one, but the lower bound of its interval is a normal run.
    let mut lines: Vec<String> = (0..4)
        .map(|i| finish(&format!("p{i}"), "prep", T0 + i * S, 800.0, "ok"))
        .collect();
    lines.push(finish("p4", "prep", T0 + 4 * S, 20_000.0, "ok"));
    feed(&mut e, &lines);
    eval(&mut alerts, &e, T0 + 5 * S);
    assert_eq!(state(&alerts, Rule::StageP95, "prep"), None);
    // Five slow ones: the whole interval is over the target.
    let slow: Vec<String> = (0..5)
        .map(|i| finish(&format!("q{i}"), "prep", T0 + (5 + i) * S, 2_600.0, "ok"))
        .collect();
    feed(&mut e, &slow);
    eval(&mut alerts, &e, T0 + 10 * S);
    assert_eq!(
        state(&alerts, Rule::StageP95, "prep").map(|s| s.0),
        Some(State::Firing)
    );
}

/// Implement attempts one every 12 s from `at`, `ms(i)` long, all `ok`.
fn paced(at: Millis, n: i64, tag: &str, ms: impl Fn(i64) -> f64) -> Vec<String> {
    (0..n)
        .map(|i| {
            finish(
                &format!("{tag}{i}"),
                "implement",
                at + i * 12 * S,
                ms(i),
                "ok",
            )
        })
        .collect()
}

#[test]
fn a_slowdown_pages_before_its_attempts_are_half_of_the_span() {
    // A steadier stage (9 s give or take a fifth), then 2.2 times slower:
    // four slow attempts are half of the eight judged, their median too
    // close to the usual one to page, but as a span of their own they are
    // plain. Judging eight alone paged critical only at the sixth.
    let steadier = |i: i64| 9_000.0 * (0.2 * ((i * 7919) % 101 - 50) as f64 / 30.0).exp();
    let mut e = engine();
    let mut alerts = alerts_with(|c| c.stage_p95.enabled = false);
    let mut now = T0;
    // Evaluated as they come: a stage keeps only its last few attempts.
    for line in paced(T0, 300, "h", steadier) {
        feed(&mut e, &[line]);
        now += 12 * S;
        assert!(moves_of(Rule::Slowdown, &eval(&mut alerts, &e, now)).is_empty());
    }
    for (i, line) in paced(now, 4, "s", |i| steadier(i) * 2.2)
        .into_iter()
        .enumerate()
    {
        feed(&mut e, &[line]);
        now += 12 * S;
        let moves = moves_of(Rule::Slowdown, &eval(&mut alerts, &e, now));
        assert_eq!(moves.is_empty(), i < 3, "attempt {}: {moves:?}", i + 1);
    }
    let firing = alerts.book.firing();
    let alert = firing.iter().find(|a| a.rule == Rule::Slowdown).unwrap();
    assert_eq!(alert.severity, Severity::Critical);
    assert!(
        alert.summary.contains("its last 4 successful attempts"),
        "{}",
        alert.summary
    );
}

/// Durations spread as a healthy stage's are: 9 s give or take a third.
fn usual(i: i64) -> f64 {
    9_000.0 * (0.33 * ((i * 7919) % 101 - 50) as f64 / 30.0).exp()
}

#[test]
fn a_stage_slower_than_its_usual_pace_pages_at_once_and_keeps_paging() {
    let mut e = engine();
    let mut alerts = alerts_with(|c| c.stage_p95.enabled = false);
    let mut now = T0;
    // Feeds `lines` (12 s apart from `now`), evaluating after each, then
    // every 30 s until `until`; the slowdown alert's moves.
    fn step(
        e: &mut Engine,
        alerts: &mut Alerts,
        now: &mut Millis,
        lines: Vec<String>,
        until: Millis,
    ) -> Vec<(Rule, String, State)> {
        let mut moves = Vec::new();
        for line in lines {
            feed(e, &[line]);
            *now += 12 * S;
            moves.extend(moves_of(Rule::Slowdown, &eval(alerts, e, *now)));
        }
        while *now < until {
            *now += 30 * S;
            moves.extend(moves_of(Rule::Slowdown, &eval(alerts, e, *now)));
        }
        moves
    }
    // An hour at the usual pace, with two attempts hung at ten times it:
    // outliers, not a slowdown.
    let hung = |i| {
        if i == 100 || i == 140 {
            usual(i) * 10.0
        } else {
            usual(i)
        }
    };
    let moves = step(&mut e, &mut alerts, &mut now, paced(T0, 300, "h", hung), 0);
    assert!(moves.is_empty(), "{moves:?}");
    // 2.2 times slower: within eight attempts (96 s) it pages critical.
    let start = now;
    let slow = paced(now, 8, "s", |i| usual(i) * 2.2);
    let moves = step(&mut e, &mut alerts, &mut now, slow, 0);
    assert!(
        moves.contains(&(Rule::Slowdown, "stage implement".into(), State::Firing)),
        "{moves:?}"
    );
    assert!(now - start <= 96 * S);
    let firing = alerts.book.firing();
    let alert = firing.iter().find(|a| a.rule == Rule::Slowdown).unwrap();
    assert_eq!(alert.severity, Severity::Critical);
    assert!(
        alert.summary.contains("× its usual time"),
        "{}",
        alert.summary
    );
    // Half an hour more at that pace: it keeps firing (the usual pace is
    // not learnt from a slow stage).
    let more_slow = paced(now, 150, "t", |i| usual(i) * 2.2);
    let moves = step(&mut e, &mut alerts, &mut now, more_slow, 0);
    assert!(moves.is_empty(), "{moves:?}");
    // Back to the usual pace: resolved, after its minute of keep_firing_for.
    let until = now + 12 * 12 * S + 120 * S;
    let healthy_again = paced(now, 12, "u", usual);
    let moves = step(&mut e, &mut alerts, &mut now, healthy_again, until);
    assert_eq!(
        moves,
        [(Rule::Slowdown, "stage implement".into(), State::Resolved)]
    );
}
