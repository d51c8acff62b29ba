//! `runtop rules export`: Prometheus alerting rules over the exported
//! metrics ([`super::exposition`]) that judge a fleet centrally as runtop
//! judges one runner: its configured `stage_p95` and `error_rate` rules,
//! with the same levels, window, minimum of samples, `for` and
//! `keep_firing_for`.
//!
//! What cannot be carried over, and is said in each rule's description:
//! runtop's p95 is exact within 1 %, the fleet's is interpolated within a
//! bucket; runtop clears a p95 alert below its `clear` level (hysteresis),
//! Prometheus when the level is no longer crossed (`keep_firing_for`
//! holds it); runtop judges error rates on first attempts with a
//! confidence bound, the fleet on every attempt's plain ratio.
//!
//! Written by hand: the document is a fixed shape of a few keys, and the
//! maintained YAML serializers for serde are gone (`serde_yaml` is
//! archived). Every scalar is written as a JSON string, which YAML reads
//! as the same double-quoted string.

use std::fmt::Write;

use crate::config::Config;
use crate::engine::Window;

fn quoted(s: &str) -> String {
    serde_json::to_string(s).expect("strings serialize")
}

/// A duration as Prometheus writes one (`90s`).
fn duration(secs: f64) -> String {
    format!("{}s", secs.max(0.0).round() as u64)
}

/// The range of a window in PromQL; the all-time window has none, and is
/// judged over a day.
fn range(window: Window) -> &'static str {
    match window {
        Window::OneMinute => "1m",
        Window::FiveMinutes => "5m",
        Window::OneHour => "1h",
        Window::AllTime => "1d",
    }
}

struct Rule {
    alert: &'static str,
    expr: String,
    for_secs: f64,
    keep_secs: f64,
    severity: &'static str,
    subject: String,
    summary: String,
    description: &'static str,
}

fn write_rule(out: &mut String, r: &Rule) {
    let _ = writeln!(out, "      - alert: {}", quoted(r.alert));
    let _ = writeln!(out, "        expr: {}", quoted(&r.expr));
    let _ = writeln!(out, "        for: {}", duration(r.for_secs));
    let _ = writeln!(out, "        keep_firing_for: {}", duration(r.keep_secs));
    let _ = writeln!(out, "        labels:");
    let _ = writeln!(out, "          severity: {}", quoted(r.severity));
    let _ = writeln!(out, "          rule: {}", quoted(r.alert));
    let _ = writeln!(out, "          subject: {}", quoted(&r.subject));
    let _ = writeln!(out, "        annotations:");
    let _ = writeln!(out, "          summary: {}", quoted(&r.summary));
    let _ = writeln!(out, "          description: {}", quoted(r.description));
}

/// The rules, as a Prometheus rule file.
pub fn export(config: &Config) -> String {
    let mut rules = Vec::new();
    let p95 = &config.alerts.stage_p95;
    if p95.enabled {
        let w = range(p95.window);
        for (stage, target_ms) in &config.targets.stages {
            let target = target_ms / 1000.0;
            let stage_q = stage.replace('\\', "\\\\").replace('"', "\\\"");
            let quantile = format!(
                "histogram_quantile(0.95, sum by (le, stage, instance) (rate(runtop_stage_duration_seconds_bucket{{stage=\"{stage_q}\"}}[{w}])))"
            );
            let enough = format!(
                "sum by (stage, instance) (increase(runtop_stage_duration_seconds_count{{stage=\"{stage_q}\"}}[{w}])) >= {}",
                p95.min_samples
            );
            let (warn, crit) = (p95.warning * target, p95.critical * target);
            rules.push(Rule {
                alert: "stage_p95",
                expr: format!("({quantile} > {warn} <= {crit}) and on (stage, instance) ({enough})"),
                for_secs: p95.for_secs,
                keep_secs: p95.keep_firing_for_secs,
                severity: "warning",
                subject: stage.clone(),
                summary: format!("{stage} p95 over {w} above {:.0}% of its {target}s target", p95.warning * 100.0),
                description: "runtop's stage_p95 rule over the fleet's buckets (interpolated within a bucket)",
            });
            rules.push(Rule {
                alert: "stage_p95",
                expr: format!("({quantile} > {crit}) and on (stage, instance) ({enough})"),
                for_secs: p95.for_secs,
                keep_secs: p95.keep_firing_for_secs,
                severity: "critical",
                subject: stage.clone(),
                summary: format!("{stage} p95 over {w} above {:.0}% of its {target}s target", p95.critical * 100.0),
                description: "runtop's stage_p95 rule over the fleet's buckets (interpolated within a bucket)",
            });
        }
    }
    let er = &config.alerts.error_rate;
    if er.enabled {
        let w = range(er.window);
        let failed = format!(
            "sum by (stage, instance) (increase(runtop_stage_finished_total{{status=~\"failed|timeout\"}}[{w}]))"
        );
        let all = format!("sum by (stage, instance) (increase(runtop_stage_finished_total[{w}]))");
        rules.push(Rule {
            alert: "error_rate",
            expr: format!(
                "({failed} / {all} > {}) and on (stage, instance) ({all} >= {})",
                er.threshold, er.min_samples
            ),
            for_secs: er.for_secs,
            keep_secs: er.keep_firing_for_secs,
            severity: "critical",
            subject: "{{ $labels.stage }}".into(),
            summary: format!(
                "{{{{ $labels.stage }}}}: more than {:.0}% of attempts failed or timed out over {w}",
                er.threshold * 100.0
            ),
            description: "runtop's error_rate rule as a plain ratio of every attempt (runtop judges first attempts with a confidence bound)",
        });
    }
    let mut out = String::from(
        "# Prometheus alerting rules equivalent to runtop's stage_p95 and error_rate\n\
         # rules over the metrics of `runtop serve` (written by `runtop rules export`).\n\
         groups:\n  - name: runtop\n    rules:\n",
    );
    for r in &rules {
        write_rule(&mut out, r);
    }
    out
}
