//! Critical paths, cascades and rankings on the `graph` scenario, through
//! the real binary (`simulate`, then `report --rank`), each figure checked
//! against a reference worked out here from the events alone.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use runtop::protocol::time::parse_rfc3339;
use runtop::sim::GRAPH_SLOW_TASK;
use serde_json::Value;

mod common;
use common::TempDir;

/// The graph scenario (seed 7, 400 executions) reported with `--rank BY`,
/// and its events.
fn reported(rank: &str) -> (Value, Vec<Value>) {
    let dir = TempDir::new(&format!("paths-{rank}"));
    let log = common::simulated(&dir.0, "graph", 7, 400);
    let out = common::run(
        &dir.0,
        &["report", &log, "--rank", rank],
        Duration::from_secs(60),
    );
    assert!(out.status.success(), "{}", common::stderr(&out));
    let report = serde_json::from_slice(&out.stdout).unwrap();
    (report, common::events_of(&log))
}

fn ts(e: &Value) -> i64 {
    parse_rfc3339(e["ts"].as_str().unwrap()).unwrap()
}

/// One attempt as its finish tells it.
#[derive(Debug, Clone)]
struct Attempt {
    start: i64,
    finish: i64,
    duration: f64,
    status: String,
    pattern: String,
}

#[derive(Debug, Default)]
struct Task {
    stage: String,
    deps: Vec<String>,
    attempts: Vec<Attempt>,
}

#[derive(Debug, Default)]
struct Exec {
    status: String,
    duration: f64,
    workflow: String,
    tasks: BTreeMap<String, Task>,
}

fn executions(events: &[Value]) -> BTreeMap<String, Exec> {
    let mut out: BTreeMap<String, Exec> = BTreeMap::new();
    for e in events {
        let Some(cid) = e["correlation_id"].as_str() else {
            continue;
        };
        let x = out.entry(cid.into()).or_default();
        let task_id = e["task_id"]
            .as_str()
            .or(e["stage"].as_str())
            .unwrap_or_default()
            .to_string();
        match e["type"].as_str().unwrap() {
            "execution_started" => x.workflow = e["workflow"].as_str().unwrap().into(),
            "execution_finished" => {
                x.status = e["status"].as_str().unwrap().into();
                x.duration = e["duration_ms"].as_f64().unwrap();
            }
            "stage_started" => {
                let t = x.tasks.entry(task_id).or_default();
                t.stage = e["stage"].as_str().unwrap().into();
                t.deps = e["depends_on"]
                    .as_array()
                    .map(|d| d.iter().map(|d| d.as_str().unwrap().into()).collect())
                    .unwrap_or_default();
            }
            "stage_finished" => {
                let d = e["duration_ms"].as_f64().unwrap();
                let error = &e["error"];
                let t = x.tasks.entry(task_id).or_default();
                t.attempts.push(Attempt {
                    start: ts(e) - d as i64,
                    finish: ts(e),
                    duration: d,
                    status: e["status"].as_str().unwrap().into(),
                    pattern: error["type"].as_str().unwrap_or_default().into(),
                });
            }
            _ => {}
        }
    }
    out
}

/// The chain that set an ok execution's length: from the task that
/// finished last, back through the dependency that finished last.
fn critical_path(x: &Exec) -> Vec<(String, f64)> {
    let span = |t: &Task| {
        let start = t.attempts.iter().map(|a| a.start).min().unwrap();
        let finish = t.attempts.iter().map(|a| a.finish).max().unwrap();
        (start, finish)
    };
    let mut at = x
        .tasks
        .iter()
        .max_by_key(|(_, t)| span(t).1)
        .map(|(id, _)| id.clone())
        .unwrap();
    let mut path = Vec::new();
    loop {
        let t = &x.tasks[&at];
        let (s, f) = span(t);
        path.push((at.clone(), (f - s) as f64));
        match t.deps.iter().max_by_key(|d| span(&x.tasks[*d]).1) {
            Some(d) => at = d.clone(),
            None => break,
        }
    }
    path
}

fn failed(status: &str) -> bool {
    status == "failed" || status == "timeout"
}

fn close(a: f64, b: f64, tolerance: f64, what: &str) {
    assert!((a - b).abs() <= tolerance, "{what}: {a} against {b}");
}

#[test]
fn the_critical_path_is_the_chain_the_events_show_and_the_slow_branch_leads() {
    let (report, events) = reported("critical-path");
    let execs = executions(&events);
    // (on the path, ms on it, executions it ran in), per task.
    let mut reference: BTreeMap<String, (u64, f64, u64)> = BTreeMap::new();
    let (mut ok, mut duration) = (0, 0.0);
    for x in execs.values().filter(|x| x.status == "ok") {
        ok += 1;
        duration += x.duration;
        for id in x.tasks.keys() {
            reference.entry(id.clone()).or_default().2 += 1;
        }
        for (id, ms) in critical_path(x) {
            let r = reference.get_mut(&id).unwrap();
            r.0 += 1;
            r.1 += ms;
        }
    }
    let paths = &report["critical_path"];
    assert_eq!(paths["executions"].as_u64(), Some(ok));
    let tasks = paths["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 5, "{tasks:?}");
    for t in tasks {
        let id = t["task"].as_str().unwrap();
        let (on, ms, ran) = reference[id];
        assert_eq!(t["workflow"], "fan-out");
        assert_eq!(t["on_path"].as_u64(), Some(on), "{id}");
        assert_eq!(t["executions"].as_u64(), Some(ran), "{id}");
        close(t["critical_ms"].as_f64().unwrap(), ms, 0.01, id);
        close(t["share"].as_f64().unwrap(), ms / duration, 0.0001, id);
    }
    // The ui branch takes 1.6 times as long: it is the path most of the
    // time, and its verify leads the ranking.
    let rate = |id: &str| reference[id].0 as f64 / ok as f64;
    assert!(rate(GRAPH_SLOW_TASK) > 0.6, "{}", rate(GRAPH_SLOW_TASK));
    assert!(rate("implement-api") < 0.4);
    assert_eq!(tasks[0]["task"], "verify-ui");
    assert_eq!(tasks[1]["task"], GRAPH_SLOW_TASK);
    // The ranking by critical path agrees: verify, then implement.
    let stages = report["rankings"]["stages"].as_array().unwrap();
    assert_eq!(report["rankings"]["by"], "critical-path");
    let names: Vec<&str> = stages.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["verify", "implement", "prep"]);
}

#[test]
fn a_failure_cancels_the_other_branch_and_cascades_count_what_it_took_down() {
    let (report, events) = reported("p95");
    let execs = executions(&events);
    // Cancellations come only after a failure, in the executions it failed.
    for x in execs.values() {
        let cancelled = x
            .tasks
            .values()
            .flat_map(|t| &t.attempts)
            .filter(|a| a.status == "cancelled");
        for c in cancelled {
            assert!(failed(&x.status), "{x:?}");
            assert!(
                x.tasks
                    .values()
                    .flat_map(|t| t.attempts.last())
                    .any(|a| failed(&a.status) && a.finish <= c.finish)
            );
        }
    }
    // The usual runner time of each task, from the ok executions.
    let mut times: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for x in execs.values().filter(|x| x.status == "ok") {
        for (id, t) in &x.tasks {
            times
                .entry(id)
                .or_default()
                .push(t.attempts.iter().map(|a| a.duration).sum());
        }
    }
    let usual: BTreeMap<&str, f64> = times
        .into_iter()
        .map(|(id, mut v)| {
            v.sort_by(f64::total_cmp);
            (id, v[v.len() / 2])
        })
        .collect();
    let (mut roots, mut cascading, mut lost, mut cancelled_total) = (0, 0, 0.0, 0);
    let mut by_root: BTreeMap<&str, f64> = BTreeMap::new();
    for x in execs.values().filter(|x| failed(&x.status)) {
        let root = x
            .tasks
            .iter()
            .filter(|(_, t)| failed(&t.attempts.last().unwrap().status))
            .min_by_key(|(_, t)| t.attempts.last().unwrap().finish);
        let Some((root, t)) = root else { continue };
        roots += 1;
        let at = t.attempts.last().unwrap().finish;
        let cut: Vec<&Attempt> = x
            .tasks
            .iter()
            .filter(|(id, _)| *id != root)
            .flat_map(|(_, t)| &t.attempts)
            .filter(|a| a.status == "cancelled" && a.finish >= at)
            .collect();
        let never: Vec<f64> = usual
            .iter()
            .filter(|(id, _)| !x.tasks.contains_key(**id))
            .map(|(_, ms)| *ms)
            .collect();
        let here = cut.iter().map(|a| a.duration).sum::<f64>() + never.iter().sum::<f64>();
        cascading += u64::from(!cut.is_empty() || !never.is_empty());
        cancelled_total += cut.len();
        lost += here;
        *by_root.entry(root.as_str()).or_default() += here;
        assert!(!t.attempts.last().unwrap().pattern.is_empty());
    }
    let c = &report["cascades"];
    assert_eq!(c["failed_executions"].as_u64(), Some(roots));
    assert_eq!(c["cascading"].as_u64(), Some(cascading));
    assert!(cancelled_total >= 10, "the branches cancel each other");
    close(c["lost_ms"].as_f64().unwrap(), lost, 1.0, "lost");
    // The list is by root and error pattern, most work lost first.
    let listed = c["cascades"].as_array().unwrap();
    let lost_of: Vec<f64> = listed
        .iter()
        .map(|x| x["lost_ms"].as_f64().unwrap())
        .collect();
    assert!(lost_of.windows(2).all(|w| w[0] >= w[1]), "{lost_of:?}");
    for x in listed {
        let parts = x["cancelled_ms"].as_f64().unwrap() + x["never_ran_ms"].as_f64().unwrap();
        close(x["lost_ms"].as_f64().unwrap(), parts, 0.01, "parts");
    }
    // Implement failures take down the most: they fail far more often.
    assert!(by_root["implement-api"] + by_root["implement-ui"] > 0.8 * lost);
    // A cancelled attempt counts as work, not as a duration of its stage.
    let cancelled_verify = execs
        .values()
        .flat_map(|x| x.tasks.values())
        .filter(|t| t.stage == "verify")
        .flat_map(|t| &t.attempts)
        .filter(|a| a.status == "cancelled")
        .count() as u64;
    let verify = report["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["stage"] == "verify")
        .unwrap();
    assert_eq!(verify["cancelled"].as_u64(), Some(cancelled_verify));
    assert_eq!(
        verify["count"].as_u64().unwrap(),
        verify["ok"].as_u64().unwrap()
            + verify["failed"].as_u64().unwrap()
            + verify["timeout"].as_u64().unwrap()
            + cancelled_verify
    );
}

#[test]
fn rankings_order_by_the_figure_asked_and_agree_with_the_events() {
    let (report, events) = reported("failure-rate");
    let execs = executions(&events);
    let rankings = &report["rankings"];
    assert_eq!(rankings["by"], "failure-rate");
    assert_eq!(rankings["executions"].as_u64(), Some(execs.len() as u64));
    // Per task: attempts, failed ones (not cancelled), runner time.
    let mut reference: BTreeMap<String, (u64, u64, u64, f64, u64, u64)> = BTreeMap::new();
    let mut nodes = BTreeSet::new();
    for e in &events {
        nodes.extend(e["node"].as_str().map(str::to_string));
    }
    for x in execs.values() {
        for (id, t) in &x.tasks {
            let r = reference.entry(id.clone()).or_default();
            r.4 += 1;
            r.5 += u64::from(t.attempts.len() > 1);
            for a in &t.attempts {
                r.0 += 1;
                r.3 += a.duration;
                if a.status != "cancelled" {
                    r.2 += 1;
                    r.1 += u64::from(a.status == "failed" || a.status == "timeout");
                }
            }
        }
    }
    let tasks = rankings["tasks"].as_array().unwrap();
    let rates: Vec<f64> = tasks
        .iter()
        .map(|t| t["failure_rate"].as_f64().unwrap())
        .collect();
    assert!(rates.windows(2).all(|w| w[0] >= w[1]), "{rates:?}");
    for t in tasks {
        let id = t["name"].as_str().unwrap();
        let (attempts, failed, judged, runner, ran, retried) = reference[id];
        assert_eq!(t["attempts"].as_u64(), Some(attempts), "{id}");
        close(
            t["failure_rate"].as_f64().unwrap(),
            failed as f64 / judged as f64,
            0.0001,
            id,
        );
        close(
            t["retry_rate"].as_f64().unwrap(),
            retried as f64 / ran as f64,
            0.0001,
            id,
        );
        close(t["runner_ms"].as_f64().unwrap(), runner, 0.01, id);
    }
    // The implement tasks fail most (12 % of attempts against 1 %).
    assert!(tasks[0]["name"].as_str().unwrap().starts_with("implement"));
    assert!(tasks[1]["name"].as_str().unwrap().starts_with("implement"));
    let listed: BTreeSet<String> = rankings["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(listed, nodes);
    // An unknown ranking is refused by name, with the ones there are.
    let dir = TempDir::new("paths-bad-rank");
    let out = common::run(
        &dir.0,
        &["report", "-", "--rank", "speed"],
        Duration::from_secs(20),
    );
    assert!(!out.status.success());
    let err = common::stderr(&out);
    assert!(
        err.contains("speed") && err.contains("critical-path"),
        "{err}"
    );
}

#[test]
fn the_fleet_export_counts_cancelled_attempts_that_the_durations_leave_out() {
    use runtop::config::Config;
    use runtop::engine::{Engine, EngineConfig, Origin};
    use runtop::fleet::exposition::Exposition;
    use runtop::monitor::Monitor;
    let t0 = 1_795_341_600_000i64;
    let mut monitor = Monitor::new(Engine::new(EngineConfig::replay()), &Config::default());
    for (k, status) in ["ok", "failed", "cancelled", "cancelled"]
        .iter()
        .enumerate()
    {
        let ts = t0 + k as i64 * 1_000;
        let line = format!(
            r#"{{"type":"stage_finished","ts":{ts},"correlation_id":"e{k}","stage":"verify","status":"{status}","duration_ms":5000}}"#
        );
        monitor.engine.feed(line.as_bytes(), ts, Origin::default());
        monitor.after_events();
    }
    let metrics = Exposition::of(&monitor).openmetrics();
    for (status, n) in [("ok", 1), ("failed", 1), ("cancelled", 2)] {
        let sample =
            format!(r#"runtop_stage_finished_total{{stage="verify",status="{status}"}} {n}"#);
        assert!(metrics.contains(&sample), "{sample} in\n{metrics}");
    }
    // Two durations, not four: the cancelled ones were cut short.
    assert!(
        metrics.contains(r#"runtop_stage_duration_seconds_count{stage="verify"} 2"#),
        "{metrics}"
    );
}
