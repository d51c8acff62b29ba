//! The efficiency KPIs (`report`'s `kpis` section and `check`'s
//! requirements), checked against reference values computed here from the
//! events themselves: the real binary reads simulator scenarios, and each
//! figure it reports must be what the file's own events give. Then the
//! verdicts: a healthy runner meets every KPI, a saturated one fails
//! throughput and startup and is told to give implement more CPU, targets
//! come from `[targets.kpi]`, and a bad target is refused.

use std::collections::{BTreeMap, HashMap};
use std::process::Output;
use std::time::Duration;

use runtop::protocol::time::parse_rfc3339;
use serde_json::Value;

mod common;
use common::TempDir;

fn runtop(home: &TempDir, args: &[&str]) -> Output {
    common::run(&home.0, args, Duration::from_secs(60))
}

/// `name` written by the simulator into a directory of `test`'s own.
fn scenario(name: &str, test: &str) -> (TempDir, String) {
    common::scenario_log(name, &format!("kpis-{test}"))
}

fn report(dir: &TempDir, path: &str) -> Value {
    let out = runtop(dir, &["report", path]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[derive(Default, Debug)]
struct Attempt {
    start: Option<f64>,
    finish: Option<f64>,
    duration: f64,
    ok: bool,
    queue: Option<f64>,
    cpu: Option<f64>,
}

#[derive(Default, Debug)]
struct Task {
    stage: String,
    deps: Vec<String>,
    attempts: BTreeMap<u64, Attempt>,
}

#[derive(Default, Debug)]
struct Exec {
    workflow: String,
    first: f64,
    finished: Option<f64>,
    duration: Option<f64>,
    tasks: BTreeMap<String, Task>,
    boot: Option<f64>,
    coordination: Vec<f64>,
}

fn ts(e: &Value) -> f64 {
    parse_rfc3339(e["ts"].as_str().unwrap()).unwrap() as f64
}

/// Every execution of the file, pieced together independently of runtop.
fn executions(path: &str) -> HashMap<String, Exec> {
    let mut out: HashMap<String, Exec> = HashMap::new();
    for line in std::fs::read_to_string(path).unwrap().lines() {
        let e: Value = serde_json::from_str(line).unwrap();
        let Some(cid) = e["correlation_id"].as_str() else {
            continue;
        };
        let at = ts(&e);
        let x = out.entry(cid.to_string()).or_insert_with(|| Exec {
            first: at,
            ..Exec::default()
        });
        x.first = x.first.min(at);
        let task = || {
            let id = e["task_id"].as_str().or(e["stage"].as_str()).unwrap();
            id.to_string()
        };
        match e["type"].as_str().unwrap() {
            "execution_started" => x.workflow = e["workflow"].as_str().unwrap().into(),
            "execution_finished" => {
                x.finished = Some(at);
                x.duration = e["duration_ms"].as_f64();
            }
            "stage_started" => {
                let t = x.tasks.entry(task()).or_default();
                t.stage = e["stage"].as_str().unwrap().into();
                t.deps = e["depends_on"]
                    .as_array()
                    .map(|d| d.iter().map(|d| d.as_str().unwrap().into()).collect())
                    .unwrap_or_default();
                let a = t
                    .attempts
                    .entry(e["attempt"].as_u64().unwrap_or(1))
                    .or_default();
                a.start = Some(at);
                a.queue = e["queue_ms"].as_f64();
            }
            "stage_finished" => {
                let t = x.tasks.entry(task()).or_default();
                let a = t
                    .attempts
                    .entry(e["attempt"].as_u64().unwrap_or(1))
                    .or_default();
                a.finish = Some(at);
                a.duration = e["duration_ms"].as_f64().unwrap();
                a.ok = e["status"] == "ok";
                a.cpu = e["resources"]["cpu_percent"].as_f64();
            }
            "metric" => match e["name"].as_str().unwrap() {
                "container_boot_ms" => x.boot = x.boot.or(e["value"].as_f64()),
                "coordination_overhead_ms" => x.coordination.push(e["value"].as_f64().unwrap()),
                _ => {}
            },
            _ => {}
        }
    }
    out.retain(|_, x| x.finished.is_some());
    out
}

fn nearest_rank(mut v: Vec<f64>, q: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1]
}

fn close(actual: &Value, expected: f64, tolerance: f64, what: &str) {
    let actual = actual
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: {actual}"));
    assert!(
        (actual - expected).abs() <= tolerance,
        "{what}: reported {actual}, the events give {expected}"
    );
}

#[test]
fn every_kpi_is_what_the_events_give() {
    let (dir, path) = scenario("steady", "figures");
    let k = report(&dir, &path)["kpis"].clone();
    let execs = executions(&path);
    assert_eq!(k["executions"], execs.len());

    // Throughput per workflow over the span the executions cover.
    let from = execs.values().map(|x| x.first).fold(f64::MAX, f64::min);
    let to = execs
        .values()
        .filter_map(|x| x.finished)
        .fold(f64::MIN, f64::max);
    let minutes = (to - from) / 60_000.0;
    close(&k["minutes"], minutes, 0.006, "minutes");
    let mut per_workflow: BTreeMap<&str, (usize, f64, f64, usize)> = BTreeMap::new();
    let (mut startups, mut waits) = (Vec::new(), Vec::new());
    let (mut overhead, mut duration) = (0.0, 0.0);
    let (mut tasks, mut retried) = (0, 0);
    let mut cpu: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for x in execs.values() {
        let w = per_workflow.entry(&x.workflow).or_default();
        w.0 += 1;
        // Intervals of finished attempts: busy work, wall, most at once.
        let attempts: Vec<&Attempt> = x
            .tasks
            .values()
            .flat_map(|t| t.attempts.values())
            .filter(|a| a.finish.is_some())
            .collect();
        let spans: Vec<(f64, f64)> = attempts
            .iter()
            .map(|a| (a.start.unwrap(), a.finish.unwrap()))
            .collect();
        let work: f64 = attempts.iter().map(|a| a.duration).sum();
        let wall = spans.iter().map(|s| s.1).fold(f64::MIN, f64::max)
            - spans.iter().map(|s| s.0).fold(f64::MAX, f64::min);
        let most = spans
            .iter()
            .map(|&(s, _)| spans.iter().filter(|o| o.0 <= s && s < o.1).count())
            .max()
            .unwrap();
        if most > 1 {
            w.1 += work;
            w.2 += wall * most as f64;
            w.3 += 1;
        }
        // Startup: each task's first wait, plus the boot for the first task.
        let first = x
            .tasks
            .iter()
            .filter(|(_, t)| t.deps.is_empty())
            .min_by(|a, b| {
                a.1.attempts[&1]
                    .start
                    .partial_cmp(&b.1.attempts[&1].start)
                    .unwrap()
            })
            .map(|(id, _)| id.clone());
        for (id, t) in &x.tasks {
            let q = t.attempts[&1].queue.unwrap();
            let boot = if Some(id) == first.as_ref() {
                x.boot.unwrap()
            } else {
                0.0
            };
            startups.push(q + boot);
            if !t.deps.is_empty() {
                let ready = t
                    .deps
                    .iter()
                    .map(|d| {
                        let dep = &x.tasks[d];
                        dep.attempts
                            .values()
                            .filter(|a| a.ok)
                            .map(|a| a.finish.unwrap())
                            .fold(f64::MIN, f64::max)
                    })
                    .fold(f64::MIN, f64::max);
                waits.push((t.attempts[&1].start.unwrap() - ready).max(0.0));
            }
            // Tasks a finished sibling cut short never finished: not counted.
            if t.attempts.values().any(|a| a.finish.is_some()) {
                tasks += 1;
                retried += usize::from(t.attempts.len() > 1);
            }
            for a in t.attempts.values() {
                cpu.entry(&t.stage).or_default().extend(a.cpu);
            }
        }
        overhead += x.coordination.iter().sum::<f64>();
        duration += x.duration.unwrap();
    }
    let workflows = k["workflows"].as_array().unwrap();
    assert_eq!(workflows.len(), per_workflow.len());
    for (w, (name, (n, work, capacity, graphs))) in workflows.iter().zip(&per_workflow) {
        assert_eq!(w["workflow"], *name);
        assert_eq!(w["executions"], *n);
        close(&w["per_min"], *n as f64 / minutes, 0.006, "per_min");
        assert_eq!(w["efficiency_executions"], *graphs, "{name}");
        if *graphs >= 10 {
            close(
                &w["parallel_efficiency"],
                work / capacity,
                0.0001,
                "efficiency",
            );
        } else {
            assert!(
                w["parallel_efficiency"].is_null(),
                "{name}: too few to judge"
            );
        }
    }
    assert!(
        workflows
            .iter()
            .any(|w| w["parallel"] == true && w["parallel_efficiency"].is_f64()),
        "the scenario has task graphs: {workflows:?}"
    );
    assert_eq!(k["startup"]["count"], startups.len());
    close(
        &k["startup"]["p95_ms"],
        nearest_rank(startups.clone(), 0.95),
        0.001,
        "startup p95",
    );
    close(
        &k["startup"]["p50_ms"],
        nearest_rank(startups, 0.5),
        0.001,
        "startup p50",
    );
    assert_eq!(k["dependency_wait"]["count"], waits.len());
    close(
        &k["dependency_wait"]["p95_ms"],
        nearest_rank(waits, 0.95),
        0.001,
        "dependency wait",
    );
    close(
        &k["coordination"]["share"],
        overhead / duration,
        0.0001,
        "coordination share",
    );
    assert_eq!(k["retries"]["tasks"], tasks);
    assert_eq!(k["retries"]["retried"], retried);
    close(
        &k["retries"]["rate"],
        retried as f64 / tasks as f64,
        0.0001,
        "retry rate",
    );
    for row in k["stage_resources"].as_array().unwrap() {
        let samples = &cpu[row["name"].as_str().unwrap()];
        let mean = samples.iter().sum::<f64>() / samples.len() as f64;
        close(&row["cpu_mean_percent"], mean, 0.051, "cpu mean");
        close(
            &row["cpu_peak_percent"],
            samples.iter().copied().fold(0.0, f64::max),
            0.051,
            "cpu peak",
        );
    }
}

fn requirement<'r>(report: &'r Value, name: &str) -> Option<&'r Value> {
    report["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
}

#[test]
fn a_healthy_runner_meets_every_kpi_and_a_saturated_one_does_not() {
    let (dir, path) = scenario("steady", "verdicts");
    let steady = report(&dir, &path);
    for name in [
        "workflow.fan-out.parallel_efficiency",
        "kpi.startup.p95_ms",
        "kpi.coordination_share",
        "kpi.retry_rate",
        "stage.implement.success_rate",
    ] {
        let r = requirement(&steady, name).unwrap_or_else(|| panic!("{name} judged"));
        assert_eq!(r["met"], true, "{r}");
    }
    // No backlog: throughput measures the demand, and is not judged.
    assert!(requirement(&steady, "workflow.standard.per_min").is_none());
    assert_eq!(steady["meets_requirements"], true);

    let (dir, path) = scenario("saturation", "verdicts");
    let saturated = report(&dir, &path);
    for name in ["workflow.standard.per_min", "kpi.startup.p95_ms"] {
        let r = requirement(&saturated, name).unwrap_or_else(|| panic!("{name} judged"));
        assert_eq!(r["met"], false, "{r}");
    }
    let implement = saturated["kpis"]["stage_resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "implement")
        .unwrap();
    assert_eq!(implement["state"], "saturated", "{implement}");
    assert!(
        saturated["recommendations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| {
                r["action"] == "give implement more CPU, or split its work"
                    && r["because"].as_str().unwrap().contains("on average")
            }),
        "{}",
        saturated["recommendations"]
    );
}

#[test]
fn targets_come_from_the_config_and_bad_ones_are_refused() {
    let (dir, path) = scenario("steady", "targets");
    let out = runtop(
        &dir,
        &[
            "check",
            &path,
            "--set",
            "targets.kpi.parallel_efficiency=0.95",
        ],
    );
    let text = common::stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("FAIL  workflow.fan-out.parallel_efficiency"),
        "{text}"
    );
    let out = runtop(&dir, &["check", &path]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stdout(&out));
    for bad in [
        "targets.kpi.retry_rate=1.5",
        "targets.kpi.startup_ms=-1",
        "targets.kpi.throughput_per_min={standard=-2}",
        "targets.kpi.nope=1",
    ] {
        let out = runtop(&dir, &["check", &path, "--set", bad]);
        let err = common::stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{bad}: {err}");
        let key = bad.split('=').next().unwrap().rsplit('.').next().unwrap();
        assert!(err.contains(key), "{bad}: {err}");
    }
}
