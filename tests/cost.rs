//! Runner time and cost (`report`'s `cost` section), checked against
//! reference values computed here from the events themselves: the real
//! binary reads a simulator scenario with retries and failures, and every
//! total it reports must be the sum of the attempts' durations in the file.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::process::Output;
use std::time::Duration;

use serde_json::Value;

mod common;
use common::TempDir;

/// The real binary, with a private home, bounded in time.
fn runtop(home: &TempDir, args: &[&str]) -> Output {
    common::run(&home.0, args, Duration::from_secs(60))
}

/// A scenario written by the real simulator, in a directory of its own.
fn scenario(name: &str) -> (TempDir, String) {
    common::scenario_log(name, "cost")
}

#[derive(Default, Debug, Clone, Copy)]
struct Reference {
    attempts: u64,
    busy_ms: f64,
    failed_ms: f64,
    retry_ms: f64,
}

impl Reference {
    fn add(&mut self, d: f64, ok: bool, attempt: u64) {
        self.attempts += 1;
        self.busy_ms += d;
        if !ok {
            self.failed_ms += d;
        }
        if attempt > 1 {
            self.retry_ms += d;
        }
    }
}

/// Totals by part ("all", "stage:x", "project:x", "node:x") from the file:
/// each (execution, task, attempt) finished once, its project and node the
/// event's own or else the execution's latest known.
fn reference(path: &str) -> BTreeMap<String, Reference> {
    let text = std::fs::read_to_string(path).expect("scenario file");
    let mut seen = HashSet::new();
    let mut project: HashMap<String, String> = HashMap::new();
    let mut node: HashMap<String, String> = HashMap::new();
    let mut by: BTreeMap<String, Reference> = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line).expect("the simulator writes JSON");
        let cid = v["correlation_id"].as_str().unwrap_or_default().to_string();
        let p = v["project_id"].as_str().map(str::to_string);
        let n = v["node"].as_str().map(str::to_string);
        if v["type"] == "stage_finished" {
            let stage = v["stage"].as_str().expect("stage").to_string();
            let task = v["task_id"].as_str().unwrap_or(&stage).to_string();
            let attempt = v["attempt"].as_u64().unwrap_or(1);
            if !seen.insert((cid.clone(), task, attempt)) {
                continue;
            }
            let d = v["duration_ms"]
                .as_f64()
                .expect("the simulator says how long");
            let ok = v["status"] == "ok";
            let p = p.clone().or_else(|| project.get(&cid).cloned());
            let n = n.clone().or_else(|| node.get(&cid).cloned());
            let mut parts = vec!["all".to_string(), format!("stage:{stage}")];
            parts.extend(p.map(|p| format!("project:{p}")));
            parts.extend(n.map(|n| format!("node:{n}")));
            for part in parts {
                by.entry(part).or_default().add(d, ok, attempt);
            }
        }
        if let Some(p) = p {
            project.insert(cid.clone(), p);
        }
        if let Some(n) = n {
            node.insert(cid, n);
        }
    }
    by
}

fn close(actual: &Value, expected_ms: f64, what: &str) {
    let actual = actual
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: {actual}"));
    // The report rounds seconds to the millisecond.
    assert!(
        (actual - expected_ms / 1000.0).abs() < 0.0015,
        "{what}: {actual} s, expected {} s",
        expected_ms / 1000.0
    );
}

fn check_row(row: &Value, r: &Reference, what: &str) {
    assert_eq!(row["attempts"].as_u64(), Some(r.attempts), "{what}: {row}");
    close(&row["runner_s"], r.busy_ms, what);
    close(&row["failed_s"], r.failed_ms, what);
    close(&row["retry_s"], r.retry_ms, what);
}

#[test]
fn runner_time_is_the_attempts_durations_added_up_and_priced() {
    let (dir, path) = scenario("failures");
    let expected = reference(&path);
    let out = runtop(
        &dir,
        &["report", &path, "--set", "cost.per_runner_hour=0.5"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let cost = &report["cost"];
    assert_eq!(cost["per_runner_hour"], 0.5);
    let all = &expected["all"];
    // The scenario throws work away and retries: the figures are not zero.
    assert!(all.failed_ms > 0.0 && all.retry_ms > 0.0, "{all:?}");
    check_row(&cost["total"], all, "total");
    let money = cost["total"]["cost"].as_f64().expect("priced");
    assert!(
        (money - all.busy_ms / 3_600_000.0 * 0.5).abs() < 1e-4,
        "{money}"
    );
    let wasted = cost["total"]["wasted_cost"].as_f64().expect("priced");
    assert!((wasted - all.failed_ms / 3_600_000.0 * 0.5).abs() < 1e-4);
    for (section, prefix) in [
        ("stages", "stage"),
        ("projects", "project"),
        ("nodes", "node"),
    ] {
        let rows = cost[section].as_array().expect("rows");
        let expected_rows: Vec<_> = expected
            .iter()
            .filter_map(|(k, r)| k.strip_prefix(&format!("{prefix}:")).map(|n| (n, r)))
            .collect();
        assert_eq!(rows.len(), expected_rows.len(), "{section}");
        for (name, r) in expected_rows {
            let row = rows
                .iter()
                .find(|row| row["name"] == name)
                .unwrap_or_else(|| panic!("{section} has {name}"));
            check_row(row, r, &format!("{section} {name}"));
        }
        // Ranked: most runner time first.
        let times: Vec<f64> = rows
            .iter()
            .map(|r| r["runner_s"].as_f64().unwrap())
            .collect();
        assert!(
            times.windows(2).all(|w| w[0] >= w[1]),
            "{section}: {times:?}"
        );
    }
    let top = cost["top_executions"].as_array().expect("top executions");
    assert_eq!(top.len(), 10);
    let times: Vec<f64> = top
        .iter()
        .map(|e| e["runner_s"].as_f64().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");
}

#[test]
fn unpriced_runner_time_has_no_money_and_bad_prices_are_refused() {
    let (dir, path) = scenario("steady");
    let out = runtop(&dir, &["report", &path]);
    assert!(out.status.success());
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert!(report["cost"]["per_runner_hour"].is_null());
    assert!(report["cost"]["total"].get("cost").is_none());
    assert!(report["cost"]["total"]["runner_s"].as_f64().unwrap() > 0.0);

    for bad in ["-1", "nan", "\"cheap\""] {
        let out = runtop(
            &dir,
            &[
                "report",
                &path,
                "--set",
                &format!("cost.per_runner_hour={bad}"),
            ],
        );
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("per_runner_hour"), "{bad}: {err}");
        assert!(out.stdout.is_empty());
    }
}
