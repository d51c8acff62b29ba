//! Failure risk on the simulator's scenarios: the model must read back the
//! rates the simulator was built with, its calibration must beat the base
//! rate where there is something to predict and withhold the figure where
//! there is not, and a running execution's figure must follow what it is
//! doing. The calibration's counts are checked against the events.

use std::collections::BTreeMap;
use std::time::Duration;

use runtop::analytics::risk::calibration::calibrate;
use runtop::analytics::risk::model::Model;
use runtop::engine::{Engine, EngineConfig, Execution, Origin};
use runtop::protocol::time::parse_rfc3339;
use runtop::protocol::to_json_line;
use runtop::sim::{
    DEFAULT_START, GRAPH_IMPLEMENT_FAILURE_RATE, GRAPH_RETRY_FAILURE_RATE, Scenario, Simulator,
};
use serde_json::Value;

mod common;
use common::TempDir;

fn engine(scenario: Scenario, seed: u64, executions: u64) -> Engine {
    let mut engine = Engine::new(EngineConfig::replay());
    for event in Simulator::scenario(scenario, seed, DEFAULT_START).limit_executions(executions) {
        engine.feed(
            to_json_line(&event).as_bytes(),
            DEFAULT_START + 30 * 86_400_000,
            Origin::default(),
        );
    }
    engine
}

fn report(dir: &TempDir, log: &str) -> Value {
    let out = common::run(&dir.0, &["report", log], Duration::from_secs(60));
    assert!(out.status.success(), "{}", common::stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_model_reads_back_the_simulators_failure_rates() {
    let e = engine(Scenario::Graph, 7, 1000);
    let finished: Vec<&Execution> = e.executions().finished().collect();
    let m = Model::fit(
        finished.iter().copied(),
        finished.iter().copied(),
        &e.config().targets,
    );
    let implement = "implement";
    // Two attempts at most: a retry that fails fails the task for good.
    let (retry, cases) = m.running(implement, 2, 0.0);
    assert!(cases.n > 100, "{cases:?}");
    assert!(
        (retry - GRAPH_RETRY_FAILURE_RATE).abs() < 0.1,
        "retry {retry} against {GRAPH_RETRY_FAILURE_RATE}"
    );
    let (after_first, _) = m.after_failure(implement, 1);
    assert!(
        (after_first - GRAPH_RETRY_FAILURE_RATE).abs() < 0.1,
        "{after_first}"
    );
    let (after_last, _) = m.after_failure(implement, 2);
    assert!(after_last > 0.9, "{after_last}");
    // A task not started: its first attempt fails, then its retry.
    let truth = GRAPH_IMPLEMENT_FAILURE_RATE * GRAPH_RETRY_FAILURE_RATE;
    let (fresh, _) = m.unstarted(implement);
    assert!((fresh - truth).abs() < 0.025, "{fresh} against {truth}");
    // The simulator draws failures independently of durations: having
    // run 12 s says nothing more.
    let (at_12s, cases) = m.running(implement, 1, 12_000.0);
    assert!(cases.n > 100, "{cases:?}");
    assert!((at_12s - fresh).abs() < 0.04, "{at_12s} against {fresh}");
}

#[test]
fn the_failure_risk_beats_the_base_rate_on_task_graphs_and_is_withheld_on_a_healthy_runner() {
    let dir = TempDir::new("risk-calibration");
    let log = common::simulated(&dir.0, "graph", 7, 400);
    let fail = &report(&dir, &log)["risk"]["fail"];
    assert_eq!(fail["shown"], true, "{fail}");
    assert!(fail["skill"].as_f64().unwrap() >= 0.15, "{fail}");
    assert!(fail["skill_low"].as_f64().unwrap() > 0.0, "{fail}");
    assert!(fail["brier"].as_f64() < fail["brier_base"].as_f64());

    // The base rate is the older half's failure share, the outcomes the
    // newer half's executions: worked out from the events.
    let mut runs: Vec<(i64, i64, bool)> = Vec::new();
    let mut started: BTreeMap<String, i64> = BTreeMap::new();
    for ev in common::events_of(&log) {
        let at = parse_rfc3339(ev["ts"].as_str().unwrap()).unwrap();
        let cid = ev["correlation_id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        match ev["type"].as_str().unwrap() {
            "execution_started" => {
                started.insert(cid, at);
            }
            "execution_finished" => {
                let failed = ev["status"] != "ok";
                runs.push((started[&cid], at, failed));
            }
            _ => {}
        }
    }
    runs.sort();
    let (older, newer) = runs.split_at(runs.len() / 2);
    let base = older.iter().filter(|r| r.2).count() as f64 / older.len() as f64;
    assert!((fail["base_rate"].as_f64().unwrap() - base).abs() < 1e-4);
    assert_eq!(fail["fitted_on"], older.len() as u64);
    // Every execution of the newer half is read unless it ran shorter than
    // one step of the grid.
    let outcomes = fail["outcomes"].as_u64().unwrap();
    assert!(outcomes <= newer.len() as u64 && outcomes * 10 >= newer.len() as u64 * 9);
    let failed_newer = newer.iter().filter(|r| r.2).count() as u64;
    assert!(fail["occurred_in"].as_u64().unwrap() <= failed_newer);

    // The reliability table holds every checkpoint, each band's chances
    // inside it; and it discriminates: the top band's outcome comes far
    // more often than the bottom's.
    let bands = fail["bands"].as_array().unwrap();
    let sum: u64 = bands
        .iter()
        .map(|b| b["checkpoints"].as_u64().unwrap())
        .sum();
    assert_eq!(sum, fail["checkpoints"].as_u64().unwrap());
    for b in bands {
        let p = b["predicted"].as_f64().unwrap();
        assert!(p >= b["from"].as_f64().unwrap() && p <= b["to"].as_f64().unwrap());
    }
    let observed = |b: &Value| b["observed"].as_f64().unwrap();
    let (low, high) = (bands.first().unwrap(), bands.last().unwrap());
    assert!(observed(high) > observed(low) + 0.3, "{bands:?}");

    // A healthy runner's failures are too few to predict: withheld, said
    // why, and no running execution carries a figure.
    let log = common::simulated(&dir.0, "steady", 7, 400);
    let risk = &report(&dir, &log)["risk"];
    assert_eq!(risk["fail"]["shown"], false);
    assert!(risk["fail"]["withheld"].as_str().is_some(), "{risk}");
}

#[test]
fn a_running_retry_reads_riskier_than_a_clean_run() {
    let dir = TempDir::new("risk-live");
    let log = common::simulated(&dir.0, "graph", 7, 400);
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // Cut the recording just after a retry of implement starts, late
    // enough for a history to judge by.
    let cut = (lines.len() * 3 / 4..lines.len())
        .find(|&i| {
            let ev: Value = serde_json::from_str(lines[i]).unwrap();
            ev["type"] == "stage_started" && ev["stage"] == "implement" && ev["attempt"] == 2
        })
        .expect("a retry in the last quarter");
    let retried: Value = serde_json::from_str(lines[cut]).unwrap();
    let cid = retried["correlation_id"].as_str().unwrap();
    let cut_log = dir.path("cut.ndjson");
    std::fs::write(&cut_log, lines[..=cut].join("\n") + "\n").unwrap();

    let risk = report(&dir, cut_log.to_str().unwrap())["risk"].clone();
    assert_eq!(risk["fail"]["shown"], true, "{risk}");
    let active = risk["active"].as_array().unwrap();
    let row = active
        .iter()
        .find(|a| a["correlation_id"] == cid)
        .unwrap_or_else(|| panic!("{cid} not among {active:?}"));
    let p = row["fail"].as_f64().unwrap();
    assert!(p >= 0.3, "{row}");
    // Riskiest first, and this one's figure is the retry's doing.
    assert!(active[0]["fail"].as_f64().unwrap() >= p);
    let top = &row["tasks"][0];
    assert_eq!(
        (&top["state"], &top["attempt"], &top["stage"]),
        (
            &Value::from("running"),
            &Value::from(2),
            &Value::from("implement")
        ),
        "{row}"
    );
    assert!(top["cases"].as_u64().unwrap() >= 20, "{top}");
    // An execution whose implementations are done and verified in part
    // has little left that can fail.
    let calm: Vec<&Value> = active
        .iter()
        .filter(|a| {
            a["tasks"]
                .as_array()
                .unwrap()
                .iter()
                .all(|t| t["stage"] == "verify")
        })
        .collect();
    assert!(!calm.is_empty(), "{active:?}");
    for a in calm {
        assert!(a["fail"].as_f64().unwrap() < 0.1, "{a}");
    }
}

#[test]
fn the_chance_of_missing_a_target_rises_with_elapsed_time_and_beats_the_base_rate() {
    let e = engine(Scenario::Regression, 2, 300);
    let finished: Vec<&Execution> = e.executions().finished().collect();
    let (fail, late) = calibrate(&finished, &e.config().targets);
    assert!(late.shown, "{late:?}");
    assert!(late.skill.unwrap() > 0.05);
    // Implement 2.5 times slower: its failures are as rare as ever.
    assert!(!fail.shown, "{fail:?}");
    let m = Model::fit(
        finished.iter().copied(),
        finished.iter().copied(),
        &e.config().targets,
    );
    let implement = "implement";
    let (fresh, ..) = m.overrun(implement, 0.0).unwrap();
    let (late_on, cases, _) = m.overrun(implement, 25_000.0).unwrap();
    assert!(cases.n >= 20, "{cases:?}");
    assert!(late_on > 2.0 * fresh, "{late_on} against {fresh}");
}
