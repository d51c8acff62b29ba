//! The analyses on the simulator's deterministic scenarios: each must yield
//! the finding it was built to produce.

use runtop::analytics::bottlenecks::{Kind, bottlenecks};
use runtop::analytics::compare::compare;
use runtop::analytics::critical_path::critical_paths;
use runtop::analytics::failures::failures;
use runtop::analytics::recommend::recommend;
use runtop::engine::{Engine, EngineConfig, Origin};
use runtop::protocol::to_json_line;
use runtop::sim::{DEFAULT_START, Scenario, Simulator};

fn engine(scenario: Scenario, executions: u64) -> Engine {
    let mut engine = Engine::new(EngineConfig::replay());
    for event in Simulator::scenario(scenario, 3, DEFAULT_START).limit_executions(executions) {
        engine.feed(
            to_json_line(&event).as_bytes(),
            DEFAULT_START + 30 * 86_400_000,
            Origin::default(),
        );
    }
    engine
}

#[test]
fn ab_finds_b_faster_with_a_plain_verdict() {
    let e = engine(Scenario::Ab, 400);
    let comparisons = compare(&e);
    let overall = comparisons
        .iter()
        .find(|c| c.subject == "execution")
        .expect("whole executions compared");
    assert!(
        overall.significant && overall.relative < -0.15,
        "{overall:?}"
    );
    assert!(overall.p_value < 0.001);
    assert!(
        overall.shift_high_ms < 0.0,
        "the interval excludes no difference"
    );
    assert!(
        overall.verdict.starts_with("B is ")
            && overall
                .verdict
                .contains("% faster than A overall, p < 0.001, n = "),
        "{}",
        overall.verdict
    );
    let implement = comparisons
        .iter()
        .find(|c| c.subject == "implement")
        .unwrap();
    assert!(
        implement.significant && implement.relative < -0.15,
        "{implement:?}"
    );
    let recs = recommend(&bottlenecks(&e, &critical_paths(&e)), &comparisons);
    assert!(
        recs.iter()
            .any(|r| r.action == "prefer variant B over A overall"),
        "{recs:?}"
    );
}

#[test]
fn steady_variants_show_no_significant_difference_and_say_how_many_more() {
    let e = engine(Scenario::Steady, 150);
    let overall = compare(&e)
        .into_iter()
        .find(|c| c.subject == "execution")
        .unwrap();
    assert!(!overall.significant, "{overall:?}");
    assert!(
        overall
            .verdict
            .starts_with("no significant difference overall"),
        "{}",
        overall.verdict
    );
}

#[test]
fn saturation_finds_executions_waiting_and_cpu_saturated_during_implement() {
    let e = engine(Scenario::Saturation, 300);
    let found = bottlenecks(&e, &critical_paths(&e));
    assert_eq!(
        found[0].kind,
        Kind::ConcurrencySaturation,
        "{:?}",
        found
            .iter()
            .map(|b| (b.kind, &b.subject, b.score))
            .collect::<Vec<_>>()
    );
    assert!(
        found
            .iter()
            .any(|b| b.kind == Kind::ResourceSaturation && b.subject == "implement"),
        "{found:?}"
    );
    let recs = recommend(&found, &[]);
    assert!(
        recs.iter()
            .any(|r| r.action == "lower parallelism during implement"
                && r.because.contains("CPU above 95%")),
        "{recs:?}"
    );
    assert!(
        recs.iter()
            .any(|r| r.action.starts_with("raise the runner's concurrency limit")),
        "{recs:?}"
    );
}

#[test]
fn regression_finds_implement_over_its_target() {
    let e = engine(Scenario::Regression, 300);
    let found = bottlenecks(&e, &critical_paths(&e));
    let implement = found
        .iter()
        .find(|b| b.kind == Kind::StageTime && b.subject == "implement")
        .expect("implement is a bottleneck");
    assert!(
        implement.evidence[1].contains("of its 30.00s target"),
        "{:?}",
        implement.evidence
    );
    assert!(!implement.examples.is_empty(), "examples name executions");
    let stage_times: Vec<&str> = found
        .iter()
        .filter(|b| b.kind == Kind::StageTime)
        .map(|b| b.subject.as_str())
        .collect();
    assert!(stage_times.contains(&"implement"));
}

#[test]
fn failures_groups_errors_into_patterns_with_their_figures() {
    let e = engine(Scenario::Failures, 200);
    let patterns = failures(&e);
    assert!(patterns.len() >= 3);
    let top = &patterns[0];
    assert!(top.count >= 10, "{top:?}");
    assert!(!top.stages.is_empty() && !top.nodes.is_empty() && !top.examples.is_empty());
    assert!(top.first_seen <= top.last_seen);
    let bare_number = |t: &str| {
        let t = t.trim_matches(|c: char| !c.is_alphanumeric());
        !t.is_empty() && t.chars().all(|c| c.is_ascii_digit())
    };
    assert!(
        patterns
            .iter()
            .all(|p| !p.pattern.split(' ').any(bare_number)),
        "numbers folded: {patterns:?}"
    );
    let build = patterns
        .iter()
        .find(|p| {
            p.pattern
                .starts_with("BuildError E42: cargo build failed: <n> errors in <path>")
        })
        .expect("folded");
    assert!(build.retry_success_rate.is_some());
    // The burst shows in time: most failures fall between minutes 10 and 15.
    let total: u64 = patterns.iter().map(|p| p.count).sum();
    assert!(total > 30, "{total}");
}

#[test]
fn the_report_carries_every_analysis() {
    let e = engine(Scenario::Ab, 200);
    let report = runtop::report::Report::build(&e, "ab", None).with_analytics(&e);
    assert!(!report.bottlenecks.is_empty());
    assert!(!report.comparisons.is_empty());
    assert!(!report.recommendations.is_empty());
    assert!(!report.failures.is_empty());
    assert!(
        report
            .recommendations
            .iter()
            .all(|r| r.because.chars().any(|c| c.is_ascii_digit())),
        "every recommendation has a figure"
    );
}

/// A/B compares runner time too: each variant's mean per finished
/// execution, checked against the sums of the scenario's own events.
#[test]
fn ab_compares_runner_time_per_execution_with_the_events_sums() {
    use std::collections::{HashMap, HashSet};
    let mut variant: HashMap<String, String> = HashMap::new();
    let mut runner: HashMap<String, f64> = HashMap::new();
    let mut finished: HashSet<String> = HashSet::new();
    for event in Simulator::scenario(Scenario::Ab, 3, DEFAULT_START).limit_executions(400) {
        let v: serde_json::Value = serde_json::from_str(&to_json_line(&event)).unwrap();
        let cid = v["correlation_id"].as_str().unwrap_or_default().to_string();
        match v["type"].as_str() {
            Some("execution_started") => {
                variant.insert(cid, v["variant"].as_str().unwrap().to_string());
            }
            Some("stage_finished") => {
                *runner.entry(cid).or_default() += v["duration_ms"].as_f64().unwrap()
            }
            Some("execution_finished") => {
                finished.insert(cid);
            }
            _ => {}
        }
    }
    let mean = |name: &str| {
        let ids: Vec<_> = finished
            .iter()
            .filter(|c| variant.get(*c).is_some_and(|v| v == name))
            .collect();
        ids.iter()
            .map(|c| runner.get(*c).copied().unwrap_or(0.0))
            .sum::<f64>()
            / ids.len() as f64
            / 1000.0
    };
    let e = engine(Scenario::Ab, 400);
    let overall = compare(&e)
        .into_iter()
        .find(|c| c.subject == "execution")
        .unwrap();
    assert!(
        (overall.runner_s_a - mean(&overall.a)).abs() < 0.002,
        "{} vs {}",
        overall.runner_s_a,
        mean(&overall.a)
    );
    assert!(
        (overall.runner_s_b - mean(&overall.b)).abs() < 0.002,
        "{} vs {}",
        overall.runner_s_b,
        mean(&overall.b)
    );
    // B is the faster configuration, and costs less runner time.
    assert!(overall.runner_s_b < overall.runner_s_a * 0.9, "{overall:?}");
}
