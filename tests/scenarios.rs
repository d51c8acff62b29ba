//! Each simulator scenario produces the behaviour it is named for, seen
//! through the engine: deterministic for a seed.

use runtop::engine::{Engine, EngineConfig, Origin, Window};
use runtop::protocol::{Body, Status, to_json_line};
use runtop::sim::{DEFAULT_START, Scenario, Simulator, TROUBLE_STARTS_MS};

const RECEIVED: i64 = DEFAULT_START + 30 * 86_400_000;

fn events(scenario: Scenario, executions: u64) -> Vec<runtop::protocol::Event<'static>> {
    Simulator::scenario(scenario, 3, DEFAULT_START)
        .limit_executions(executions)
        .collect()
}

fn mean_duration(
    evs: &[runtop::protocol::Event<'static>],
    stage: &str,
    keep: impl Fn(i64, Option<&str>) -> bool,
) -> f64 {
    let mut variants = std::collections::HashMap::new();
    let (mut sum, mut n) = (0.0, 0);
    for e in evs {
        match &e.body {
            Body::ExecutionStarted { variant, .. } => {
                variants.insert(e.correlation_id.clone(), variant.clone());
            }
            Body::StageFinished(f) if f.stage == stage && f.status == Status::Ok => {
                let variant = variants.get(&e.correlation_id).cloned().flatten();
                if keep(e.ts - DEFAULT_START, variant.as_deref()) {
                    sum += f.duration_ms.unwrap();
                    n += 1;
                }
            }
            _ => {}
        }
    }
    assert!(n > 20, "too few samples: {n}");
    sum / n as f64
}

#[test]
fn regression_slows_implement_after_ten_minutes() {
    let evs = events(Scenario::Regression, 120);
    let before = mean_duration(&evs, "implement", |t, _| t < TROUBLE_STARTS_MS);
    let after = mean_duration(&evs, "implement", |t, _| t > TROUBLE_STARTS_MS + 120_000);
    assert!(
        after > before * 1.5,
        "before {before:.0} ms, after {after:.0} ms"
    );
    let prep_before = mean_duration(&evs, "prep", |t, _| t < TROUBLE_STARTS_MS);
    let prep_after = mean_duration(&evs, "prep", |t, _| t > TROUBLE_STARTS_MS);
    assert!(
        (prep_after / prep_before - 1.0).abs() < 0.3,
        "prep unchanged"
    );
}

#[test]
fn failures_burst_between_minute_ten_and_fifteen() {
    let evs = events(Scenario::Failures, 150);
    let rate = |from: i64, to: i64| {
        let (mut failed, mut n) = (0, 0);
        for e in &evs {
            if let Body::StageFinished(f) = &e.body
                && f.stage != "prep"
                && (from..to).contains(&(e.ts - DEFAULT_START))
            {
                n += 1;
                failed += usize::from(f.status != Status::Ok);
            }
        }
        failed as f64 / n as f64
    };
    let normal = rate(0, TROUBLE_STARTS_MS);
    let burst = rate(TROUBLE_STARTS_MS, TROUBLE_STARTS_MS + 5 * 60_000);
    assert!(
        burst > 0.15 && burst > normal * 4.0,
        "normal {normal:.3}, burst {burst:.3}"
    );
}

#[test]
fn saturation_runs_hot_and_queues_grow() {
    let feed = |scenario| {
        let mut engine = Engine::new(EngineConfig::replay());
        for e in events(scenario, 100) {
            engine.feed(to_json_line(&e).as_bytes(), RECEIVED, Origin::default());
        }
        engine
    };
    let (steady, hot) = (feed(Scenario::Steady), feed(Scenario::Saturation));
    let queue = |e: &Engine| {
        e.metric("queue_latency_ms")
            .unwrap()
            .snapshot(Window::AllTime)
            .p95
    };
    assert!(
        queue(&hot) > queue(&steady) * 2.0,
        "queue p95 {} vs {}",
        queue(&hot),
        queue(&steady)
    );
    let peak_cpu = |e: &Engine| {
        e.nodes()
            .map(|(_, n)| n.cpu.snapshot(Window::AllTime).p95)
            .fold(0.0, f64::max)
    };
    assert!(peak_cpu(&hot) > 95.0, "node cpu p95 {}", peak_cpu(&hot));
}

#[test]
fn ab_variant_b_is_faster_and_steady_variants_are_alike() {
    let evs = events(Scenario::Ab, 200);
    let a = mean_duration(&evs, "implement", |_, v| v == Some("A"));
    let b = mean_duration(&evs, "implement", |_, v| v == Some("B"));
    assert!(b < a * 0.85, "A {a:.0} ms, B {b:.0} ms");
    let evs = events(Scenario::Steady, 200);
    let a = mean_duration(&evs, "implement", |_, v| v == Some("A"));
    let b = mean_duration(&evs, "implement", |_, v| v == Some("B"));
    assert!((b / a - 1.0).abs() < 0.15, "A {a:.0} ms, B {b:.0} ms");
}

#[test]
fn every_scenario_is_deterministic_and_valid() {
    for scenario in [
        Scenario::Steady,
        Scenario::Regression,
        Scenario::Failures,
        Scenario::Saturation,
        Scenario::Ab,
        Scenario::Flood,
    ] {
        let a: Vec<String> = events(scenario, 20).iter().map(to_json_line).collect();
        let b: Vec<String> = events(scenario, 20).iter().map(to_json_line).collect();
        assert_eq!(a, b, "{scenario:?}");
        let mut engine = Engine::new(EngineConfig::replay());
        for line in &a {
            engine.feed(line.as_bytes(), RECEIVED, Origin::default());
        }
        let input = engine.input();
        assert_eq!(
            (input.invalid, input.duplicates),
            (0, 0),
            "{scenario:?}: {:?}",
            input.examples()
        );
        assert_eq!(
            engine.totals().finished,
            20,
            "{scenario:?}: every execution finishes"
        );
        assert_eq!(engine.executions().active_len(), 0);
    }
}
