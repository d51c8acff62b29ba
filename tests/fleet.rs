//! `runtop serve` with the real servers of a fleet: a real Prometheus
//! scrapes it every second while `runtop simulate` feeds it, and what
//! Prometheus then holds agrees with runtop's own report; `promtool` finds
//! nothing wrong with `/metrics`. Everything on loopback, bounded in time.

mod common;

use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{BIN, Simulator, TempDir};

/// `runtop serve ARGS` on a free loopback port; killed when dropped.
struct Daemon {
    child: Child,
    addr: String,
}

impl Daemon {
    fn start(home: &TempDir, args: &[&str]) -> Daemon {
        let mut child = Command::new(BIN)
            .arg("serve")
            .args(args)
            .args(["--listen", "127.0.0.1:0"])
            .env("XDG_CONFIG_HOME", home.path("config"))
            .env("XDG_DATA_HOME", home.path("data"))
            .env_remove("RUNTOP_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stderr.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|s| s.split('/').next())
            .unwrap_or_else(|| panic!("the address served: {line:?}"))
            .to_string();
        Daemon { child, addr }
    }

    fn get(&self, path: &str) -> String {
        get(&format!("http://{}{path}", self.addr))
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn get(url: &str) -> String {
    ureq::get(url)
        .call()
        .unwrap_or_else(|e| panic!("GET {url}: {e}"))
        .into_body()
        .read_to_string()
        .unwrap()
}

/// Polls `f` every 200 ms until it gives something, for at most `limit`.
fn wait_for<T>(what: &str, limit: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(t) = f() {
            return t;
        }
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A server of the Prometheus family (`prometheus`,
/// `prometheus-alertmanager`) on a free loopback port, once it says it is
/// ready; killed when dropped.
struct Served {
    child: Child,
    url: String,
}

impl Served {
    fn start(program: &str, args: &[String]) -> Served {
        let port = common::closed_port();
        let child = Command::new(program)
            .args(args)
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--log.level=warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{program} starts: {e}"));
        let served = Served {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        wait_for(
            &format!("{program} to be ready"),
            Duration::from_secs(30),
            || ureq::get(&format!("{}/-/ready", served.url)).call().ok(),
        );
        served
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A real Prometheus scraping `target` every second.
struct Prometheus {
    served: Served,
}

impl Prometheus {
    fn start(home: &TempDir, target: &str) -> Prometheus {
        let config = home.path("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
                 scrape_configs:\n  - job_name: runtop\n    static_configs:\n      - targets: ['{target}']\n"
            ),
        )
        .unwrap();
        let served = Served::start(
            "prometheus",
            &[
                format!("--config.file={}", config.display()),
                format!("--storage.tsdb.path={}", home.str("tsdb")),
            ],
        );
        Prometheus { served }
    }

    /// The value of an instant query's only series.
    fn value(&self, query: &str) -> Option<f64> {
        let body = ureq::get(&format!("{}/api/v1/query", self.served.url))
            .query("query", query)
            .call()
            .ok()?
            .into_body()
            .read_to_string()
            .ok()?;
        let v: serde_json::Value = serde_json::from_str(&body).ok()?;
        let result = v["data"]["result"].as_array()?;
        match result.as_slice() {
            [one] => one["value"][1].as_str()?.parse().ok(),
            _ => None,
        }
    }
}

fn need_prometheus() {
    assert!(
        common::require("prometheus", "--version") && common::require("promtool", "--version"),
        "prometheus and promtool are needed (.ci/run installs them)"
    );
}

#[test]
fn prometheus_scraping_serve_holds_what_the_report_says() {
    need_prometheus();
    let home = TempDir::new("fleet-prom");
    let sim = Simulator::start(&["--speed", "300", "--executions", "40", "--seed", "3"]);
    let serve = Daemon::start(&home, &[&sim.url]);
    let prometheus = Prometheus::start(&home, &serve.addr);
    // The simulated runner finishes its 40 executions; the report says so.
    let report: serde_json::Value =
        wait_for("40 finished executions", Duration::from_secs(60), || {
            let r: serde_json::Value = serde_json::from_str(&serve.get("/api/v1/report")).ok()?;
            (r["executions"]["finished"] == 40).then_some(r)
        });
    // Prometheus has scraped it since.
    wait_for(
        "Prometheus to scrape the end",
        Duration::from_secs(20),
        || {
            prometheus
                .value("sum(runtop_executions_finished_total)")
                .filter(|v| *v == 40.0)
        },
    );
    let accepted = report["events"]["accepted"].as_f64().unwrap();
    assert!(accepted > 100.0);
    assert_eq!(
        prometheus.value(r#"runtop_events_total{outcome="accepted"}"#),
        Some(accepted)
    );
    assert_eq!(
        prometheus.value(r#"runtop_executions_finished_total{status="ok"}"#),
        report["executions"]["ok"].as_f64()
    );
    // Runner time, as the report's cost section has it (seconds, to the ms).
    for (section, part) in [
        ("stages", "stage"),
        ("projects", "project"),
        ("nodes", "node"),
    ] {
        for row in report["cost"][section].as_array().unwrap() {
            let name = row["name"].as_str().unwrap();
            for (field, metric) in [("runner_s", "runner"), ("failed_s", "runner_failed")] {
                let fleet = prometheus
                    .value(&format!(
                        r#"runtop_{part}_{metric}_seconds_total{{{part}="{name}"}}"#
                    ))
                    .unwrap_or_else(|| panic!("{part} {name} {metric}"));
                let own = row[field].as_f64().unwrap();
                assert!(
                    (fleet - own).abs() < 0.002,
                    "{part} {name} {metric}: {fleet} vs {own}"
                );
            }
        }
    }
    assert!(!report["cost"]["stages"].as_array().unwrap().is_empty());
    for stage in report["stages"].as_array().unwrap() {
        let name = stage["stage"].as_str().unwrap();
        let count = prometheus.value(&format!(
            r#"runtop_stage_duration_seconds_count{{stage="{name}"}}"#
        ));
        assert_eq!(count, stage["count"].as_f64(), "{name}");
        let finished = prometheus.value(&format!(
            r#"sum(runtop_stage_finished_total{{stage="{name}"}})"#
        ));
        assert_eq!(finished, stage["count"].as_f64(), "{name}");
        // The fleet's p95 from the buckets, against runtop's own: within
        // the bucket that holds it.
        let fleet = prometheus
            .value(&format!(
                r#"histogram_quantile(0.95, sum by (le) (runtop_stage_duration_seconds_bucket{{stage="{name}"}}))"#
            ))
            .unwrap();
        let own = stage["p95_ms"].as_f64().unwrap() / 1000.0;
        let target = stage["target_ms"].as_f64().map(|t| t / 1000.0);
        let bounds = runtop::fleet::exposition::stage_bounds(target.map(|t| t * 1000.0));
        let bucket = |v: f64| bounds.iter().position(|b| v <= *b).unwrap_or(bounds.len());
        assert!(
            bucket(fleet).abs_diff(bucket(own)) <= 1,
            "{name}: Prometheus p95 {fleet} s, runtop's {own} s, bounds {bounds:?}"
        );
    }
    // promtool finds nothing wrong with the exposition.
    let metrics = serve.get("/metrics");
    let mut promtool = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    promtool
        .stdin
        .take()
        .unwrap()
        .write_all(metrics.as_bytes())
        .unwrap();
    let out = promtool.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool check metrics: {}{}\n{metrics}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A file is read to its end, then served as it ended: ready, and its
/// report the very one `runtop report` writes of it (one monitor for both).
#[test]
fn serve_a_file_answers_as_report_does() {
    let home = TempDir::new("fleet-file");
    let log = common::regression_log(&home.0);
    let serve = Daemon::start(&home, &[&log]);
    wait_for("the file read", Duration::from_secs(30), || {
        ureq::get(&format!("http://{}/readyz", serve.addr))
            .call()
            .ok()
    });
    assert_eq!(serve.get("/healthz"), "ok\n");
    let served: serde_json::Value = serde_json::from_str(&serve.get("/api/v1/report")).unwrap();
    let out = common::run(
        &home.0,
        &["report", &log, "--format", "json"],
        Duration::from_secs(60),
    );
    let reported: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(served, reported);
    // What is not served is said, and only GET is.
    let missing = ureq::get(&format!("http://{}/nope", serve.addr)).call();
    assert!(
        matches!(missing, Err(ureq::Error::StatusCode(404))),
        "{missing:?}"
    );
    let posted = ureq::post(&format!("http://{}/metrics", serve.addr)).send("x");
    assert!(
        matches!(posted, Err(ureq::Error::StatusCode(405))),
        "{posted:?}"
    );
}

/// Hundreds of clients that connect and say nothing take no more than the
/// connection limit, for no longer than the header timeout; ingest goes on
/// meanwhile, and scrapes are served again after.
#[test]
fn a_flood_of_silent_clients_stalls_nothing() {
    let home = TempDir::new("fleet-flood");
    let sim = Simulator::start(&["--rate", "200", "--scenario", "flood"]);
    let serve = Daemon::start(&home, &[&sim.url]);
    let received = |serve: &Daemon| -> u64 {
        let r: serde_json::Value = serde_json::from_str(&serve.get("/api/v1/report")).unwrap();
        r["events"]["received"].as_u64().unwrap()
    };
    let before = wait_for("events", Duration::from_secs(20), || {
        Some(received(&serve)).filter(|n| *n > 0)
    });
    let mut silent = Vec::new();
    for _ in 0..300 {
        if let Ok(s) = std::net::TcpStream::connect(&serve.addr) {
            silent.push(s);
        }
    }
    let rss = common::peak_rss(serve.child.id()).unwrap_or(0);
    // Past the header timeout the silent ones are dropped, and the server
    // answers again: events went on arriving meanwhile.
    let after = wait_for(
        "the server to answer again",
        Duration::from_secs(20),
        || {
            ureq::get(&format!("http://{}/api/v1/report", serve.addr))
                .call()
                .ok()?;
            Some(received(&serve))
        },
    );
    drop(silent);
    assert!(after >= before + 200, "ingest went on: {before} → {after}");
    assert!(
        rss < 100 << 20,
        "memory bounded under the flood: {rss} bytes"
    );
}

/// A real Alertmanager routing to nowhere.
struct Alertmanager {
    served: Served,
}

impl Alertmanager {
    fn start(home: &TempDir) -> Alertmanager {
        let config = home.path("alertmanager.yml");
        std::fs::write(
            &config,
            "route:\n  receiver: nowhere\nreceivers:\n  - name: nowhere\n",
        )
        .unwrap();
        let served = Served::start(
            "prometheus-alertmanager",
            &[
                format!("--config.file={}", config.display()),
                format!("--storage.path={}", home.str("am")),
                "--cluster.listen-address=".into(),
            ],
        );
        Alertmanager { served }
    }

    /// The alerts it holds of a rule, by subject.
    fn alerts(&self, rule: &str) -> Vec<serde_json::Value> {
        let v: serde_json::Value =
            serde_json::from_str(&get(&format!("{}/api/v2/alerts", self.served.url))).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .filter(|a| a["labels"]["alertname"] == rule)
            .cloned()
            .collect()
    }
}

#[test]
fn alertmanager_receives_alerts_and_resolves_them_with_runtop() {
    assert!(
        common::require("prometheus-alertmanager", "--version"),
        "prometheus-alertmanager is needed (.ci/run installs it)"
    );
    let home = TempDir::new("fleet-am");
    let am = Alertmanager::start(&home);
    // The failures scenario: its burst fires the error rates; cut in the
    // middle of it, they are still firing at the end.
    let full = home.str("failures.ndjson");
    let out = common::run(
        &home.0,
        &[
            "simulate",
            "--scenario",
            "failures",
            "--seed",
            "7",
            "--executions",
            "300",
            "--out",
            &full,
        ],
        Duration::from_secs(60),
    );
    assert!(out.status.success(), "{}", common::stderr(&out));
    let text = std::fs::read_to_string(&full).unwrap();
    let cut = home.str("cut.ndjson");
    std::fs::write(
        &cut,
        text.lines().take(1_300).collect::<Vec<_>>().join("\n"),
    )
    .unwrap();
    let report = |file: &str| -> serde_json::Value {
        let out = common::run(
            &home.0,
            &["report", file, "--alertmanager", &am.served.url],
            Duration::from_secs(60),
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let r = report(&cut);
    let of_state = |r: &serde_json::Value, state: &str| -> Vec<(String, String)> {
        r["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["rule"] == "error_rate" && a["state"] == state)
            .map(|a| {
                let s = |k: &str| a[k].as_str().unwrap().to_string();
                (s("subject"), s("severity"))
            })
            .collect()
    };
    let firing = of_state(&r, "firing");
    assert!(!firing.is_empty(), "the burst fires: {}", r["alerts"]);
    let held = am.alerts("error_rate");
    let mut subjects: Vec<(String, String)> = held
        .iter()
        .map(|a| {
            let l = |k: &str| a["labels"][k].as_str().unwrap().to_string();
            (l("subject"), l("severity"))
        })
        .collect();
    subjects.sort();
    let mut expected = firing.clone();
    expected.sort();
    assert_eq!(subjects, expected, "{held:?}");
    for a in &held {
        let labels = &a["labels"];
        assert_eq!(labels["rule"], "error_rate");
        assert!(labels["instance"].as_str().is_some_and(|i| !i.is_empty()));
        assert!(
            a["annotations"]["summary"]
                .as_str()
                .unwrap()
                .contains("failed")
        );
        assert_eq!(a["status"]["state"], "active");
    }
    // The whole run: the burst ends and runtop resolves them; so does
    // Alertmanager.
    let r = report(&full);
    assert!(!of_state(&r, "resolved").is_empty(), "{}", r["alerts"]);
    assert!(of_state(&r, "firing").is_empty(), "{}", r["alerts"]);
    assert!(
        am.alerts("error_rate").is_empty(),
        "resolved in Alertmanager too: {:?}",
        am.alerts("error_rate")
    );
}

/// `runtop rules export` writes rules promtool accepts, for every stage
/// with a target, at the configured levels.
#[test]
fn doctor_finds_a_real_alertmanager_ready_and_its_test_alert_arrives() {
    assert!(
        common::require("prometheus-alertmanager", "--version"),
        "prometheus-alertmanager is needed (.ci/run installs it)"
    );
    let home = TempDir::new("fleet-doctor");
    let am = Alertmanager::start(&home);
    let out = common::run(
        &home.0,
        &["doctor", "--alertmanager", &am.served.url, "--send-test"],
        Duration::from_secs(30),
    );
    let text = common::stdout(&out);
    let line = text
        .lines()
        .find(|l| l.contains("alertmanager "))
        .unwrap_or_else(|| panic!("no alertmanager finding:\n{text}"));
    assert!(line.trim_start().starts_with("ok"), "{text}");
    assert!(line.contains("accepted a test alert"), "{line}");
    let alerts = wait_for("the test alert", Duration::from_secs(10), || {
        Some(am.alerts("RuntopDoctorTest")).filter(|a| !a.is_empty())
    });
    assert_eq!(alerts[0]["labels"]["severity"], "info");
}

#[test]
fn exported_rules_pass_promtool() {
    need_prometheus();
    let home = TempDir::new("fleet-rules");
    let out = common::run(
        &home.0,
        &[
            "rules",
            "export",
            "--set",
            "alerts.error_rate.threshold=0.1",
        ],
        Duration::from_secs(30),
    );
    assert!(out.status.success(), "{}", common::stderr(&out));
    let rules = common::stdout(&out);
    for stage in ["prep", "implement", "verify"] {
        assert!(rules.contains(&format!("subject: \"{stage}\"")), "{rules}");
    }
    assert!(
        rules.contains("> 0.1)"),
        "the configured threshold: {rules}"
    );
    let file = home.path("rules.yml");
    std::fs::write(&file, &rules).unwrap();
    let check = Command::new("promtool")
        .args(["check", "rules"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "promtool check rules: {}{}\n{rules}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
}

/// The exported stage_p95 rule, run by `promtool test rules` on the
/// buckets of a stream of implement attempts, fires when runtop's own rule
/// fires on the same attempts (within the evaluation grids: 30 s of event
/// time for runtop, 10 s here).
#[test]
fn the_exported_p95_rule_fires_when_runtops_own_does() {
    use runtop::alerts::{Rule, State};
    use runtop::config::Config;
    use runtop::engine::{Engine, EngineConfig, Origin};
    use runtop::monitor::Monitor;

    need_prometheus();
    // An implement attempt finishes every 10 s: 10 s long for ten
    // minutes, then 40 s long (its target is 30 s).
    let steps = 120;
    let took = |k: usize| if k < 60 { 10.0 } else { 40.0 };
    // runtop's own rules on these attempts.
    let t0 = 1_795_341_600_000i64;
    let mut monitor = Monitor::new(Engine::new(EngineConfig::replay()), &Config::default());
    let mut runtop_fired = None;
    for k in 0..steps {
        let ts = t0 + k as i64 * 10_000;
        let line = format!(
            r#"{{"type":"stage_finished","ts":{ts},"correlation_id":"e{k}","stage":"implement","status":"ok","duration_ms":{}}}"#,
            took(k) * 1000.0
        );
        monitor.engine.feed(line.as_bytes(), ts, Origin::default());
        monitor.after_events();
        for t in monitor.take_transitions() {
            if t.rule == Rule::StageP95
                && t.to == State::Firing
                && t.severity.as_str() == "critical"
                && runtop_fired.is_none()
            {
                runtop_fired = Some((t.at - t0) / 1000);
            }
        }
    }
    let runtop_fired = runtop_fired.expect("runtop's rule fires");
    // The same attempts as the buckets `runtop serve` exports.
    let bounds = runtop::fleet::exposition::stage_bounds(Some(30_000.0));
    let mut series = String::new();
    let les = bounds
        .iter()
        .map(|b| (format!("{b:?}"), *b))
        .chain([("+Inf".to_string(), f64::INFINITY)]);
    for (le, bound) in les {
        let values: Vec<String> = (0..steps)
            .map(|k| (0..=k).filter(|j| took(*j) <= bound).count().to_string())
            .collect();
        series.push_str(&format!(
            "      - series: 'runtop_stage_duration_seconds_bucket{{stage=\"implement\",le=\"{le}\",instance=\"a\"}}'\n        values: '{}'\n",
            values.join(" ")
        ));
    }
    let counts: Vec<String> = (1..=steps).map(|k| k.to_string()).collect();
    series.push_str(&format!(
        "      - series: 'runtop_stage_duration_seconds_count{{stage=\"implement\",instance=\"a\"}}'\n        values: '{}'\n",
        counts.join(" ")
    ));
    let home = TempDir::new("fleet-promtool-test");
    let out = common::run(&home.0, &["rules", "export"], Duration::from_secs(30));
    std::fs::write(home.path("rules.yml"), &out.stdout).unwrap();
    let firing_at = |at: i64| promtool_fires(&home, &series, "stage_p95", at);
    assert!(!firing_at(500), "quiet before the attempts slow down");
    let fleet_fired = (550..=900)
        .step_by(10)
        .find(|at| firing_at(*at))
        .expect("the exported rule fires");
    eprintln!("fired: runtop at {runtop_fired} s, the exported rule at {fleet_fired} s");
    assert!(
        (fleet_fired - runtop_fired).abs() <= 30,
        "Prometheus fires at {fleet_fired} s, runtop at {runtop_fired} s"
    );
}

/// Whether `promtool test rules` finds `alert` (critical) firing `at`
/// seconds into these series (one value every 10 s), under the exported
/// rules.
fn promtool_fires(home: &TempDir, series: &str, alert: &str, at: i64) -> bool {
    let test = format!(
        "rule_files:\n  - rules.yml\nevaluation_interval: 10s\ntests:\n  - interval: 10s\n    input_series:\n{series}\
         \x20   promql_expr_test:\n      - expr: 'count(ALERTS{{alertname=\"{alert}\",severity=\"critical\",alertstate=\"firing\"}})'\n        eval_time: {at}s\n        exp_samples:\n          - labels: '{{}}'\n            value: 1\n"
    );
    let file = home.path(&format!("test-{alert}-{at}.yml"));
    std::fs::write(&file, test).unwrap();
    Command::new("promtool")
        .args(["test", "rules"])
        .arg(&file)
        .current_dir(&home.0)
        .output()
        .unwrap()
        .status
        .success()
}

/// The exported error_rate rule fires when runtop's own does, on the same
/// attempts: healthy for ten minutes, then two of every five failing.
#[test]
fn the_exported_error_rate_rule_fires_when_runtops_own_does() {
    use runtop::alerts::{Rule, State};
    use runtop::config::Config;
    use runtop::engine::{Engine, EngineConfig, Origin};
    use runtop::monitor::Monitor;

    need_prometheus();
    let steps = 120;
    let failed = |k: usize| k >= 60 && matches!(k % 5, 0 | 2);
    let t0 = 1_795_341_600_000i64;
    let mut monitor = Monitor::new(Engine::new(EngineConfig::replay()), &Config::default());
    let mut runtop_fired = None;
    for k in 0..steps {
        let ts = t0 + k as i64 * 10_000;
        let status = if failed(k) { "failed" } else { "ok" };
        let line = format!(
            r#"{{"type":"stage_finished","ts":{ts},"correlation_id":"e{k}","stage":"implement","status":"{status}","duration_ms":5000}}"#
        );
        monitor.engine.feed(line.as_bytes(), ts, Origin::default());
        monitor.after_events();
        for t in monitor.take_transitions() {
            if t.rule == Rule::ErrorRate
                && t.subject == "stage implement"
                && t.to == State::Firing
                && runtop_fired.is_none()
            {
                runtop_fired = Some((t.at - t0) / 1000);
            }
        }
    }
    let runtop_fired = runtop_fired.expect("runtop's rule fires");
    let mut series = String::new();
    for (status, is) in [("ok", false), ("failed", true)] {
        let values: Vec<String> = (0..steps)
            .map(|k| (0..=k).filter(|j| failed(*j) == is).count().to_string())
            .collect();
        series.push_str(&format!(
            "      - series: 'runtop_stage_finished_total{{stage=\"implement\",status=\"{status}\",instance=\"a\"}}'\n        values: '{}'\n",
            values.join(" ")
        ));
    }
    let home = TempDir::new("fleet-promtool-errors");
    let out = common::run(&home.0, &["rules", "export"], Duration::from_secs(30));
    std::fs::write(home.path("rules.yml"), &out.stdout).unwrap();
    assert!(
        !promtool_fires(&home, &series, "error_rate", 590),
        "quiet before the burst"
    );
    let fleet_fired = (600..=900)
        .step_by(10)
        .find(|at| promtool_fires(&home, &series, "error_rate", *at))
        .expect("the exported rule fires");
    eprintln!("fired: runtop at {runtop_fired} s, the exported rule at {fleet_fired} s");
    assert!(
        (fleet_fired - runtop_fired).abs() <= 30,
        "Prometheus fires at {fleet_fired} s, runtop at {runtop_fired} s"
    );
}
