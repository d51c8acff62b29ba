//! `runtop rules export`: Prometheus alerting rules over the exported
//! metrics ([`super::exposition`]) that judge a fleet centrally as runtop
//! judges one runner: its configured `stage_p95` and `error_rate` rules,
//! with the same levels, window, minimum of samples, `for` and
//! `keep_firing_for`.
//!
//! What cannot be carried over, and is said in each rule's description:
//! runtop clears a p95 alert below its `clear` level (hysteresis),
//! Prometheus when the level is no longer crossed (`keep_firing_for`
//! holds it); runtop judges error rates on first attempts (a retry of a
//! failed attempt fails far more often), the fleet on every attempt, as
//! only those are exported.
//!
//! Written by hand: the document is a fixed shape of a few keys, and the
//! maintained YAML serializers for serde are gone (`serde_yaml` is
//! archived). Every scalar is written as a JSON string, which YAML reads
//! as the same double-quoted string.

use std::fmt::Write;

use super::exposition::le_label;
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

/// How many of `counter` were counted over `range`, per stage and
/// instance: exactly, as runtop counts its windows. `increase()` would
/// extrapolate to the range's edges and, on a 2-minute range of 10 s
/// scrapes, count 9 % more attempts than there were, which tightens a
/// confidence bound: the exported error rate paged 40 s before runtop's.
/// A counter reset (`serve` restarted) makes the difference negative for
/// one range, and the rule quiet meanwhile.
fn counted(counter: &str, range: &str) -> String {
    format!("sum by (stage, instance) ({counter} - {counter} offset {range})")
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
            let n = counted(
                &format!("runtop_stage_duration_seconds_count{{stage=\"{stage_q}\"}}"),
                w,
            );
            // runtop fires on the lower 95 % bound of the p95: the value at
            // rank ⌊0.95 n − 1.96 √(0.0475 n)⌋ (engine/stats.rs). It is above
            // a level when fewer attempts than that rank are at or below the
            // level, which the level's own bucket (among the bounds `serve`
            // exports) counts exactly: no interpolation.
            let rank = format!("floor(0.95 * {n} - 1.96 * sqrt(0.0475 * {n}))");
            let above = |level: f64| {
                let le = le_label(level * target);
                let at_most = counted(
                    &format!(
                        "runtop_stage_duration_seconds_bucket{{stage=\"{stage_q}\",le=\"{le}\"}}"
                    ),
                    w,
                );
                format!("({at_most} < {rank})")
            };
            let enough = format!("{n} >= {}", p95.min_samples);
            let (warn, crit) = (above(p95.warning), above(p95.critical));
            let description = "runtop's stage_p95 rule: the lower 95% bound of the p95 above the level, from the bucket at that level";
            rules.push(Rule {
                alert: "stage_p95",
                expr: format!("({warn} unless {crit}) and on (stage, instance) ({enough})"),
                for_secs: p95.for_secs,
                keep_secs: p95.keep_firing_for_secs,
                severity: "warning",
                subject: stage.clone(),
                summary: format!(
                    "{stage} p95 over {w} above {:.0}% of its {target}s target",
                    p95.warning * 100.0
                ),
                description,
            });
            rules.push(Rule {
                alert: "stage_p95",
                expr: format!("{crit} and on (stage, instance) ({enough})"),
                for_secs: p95.for_secs,
                keep_secs: p95.keep_firing_for_secs,
                severity: "critical",
                subject: stage.clone(),
                summary: format!(
                    "{stage} p95 over {w} above {:.0}% of its {target}s target",
                    p95.critical * 100.0
                ),
                description,
            });
        }
    }
    let er = &config.alerts.error_rate;
    if er.enabled {
        use crate::alerts::confidence::{Z_99, Z_998};
        // The lower bound of the Wilson interval of the failed share over
        // a range, as runtop's rule judges it (alerts/confidence.rs),
        // written out; with at least `least` attempts in the range and a
        // failure among them.
        let judged = |range: &str, z: f64, least: u64| {
            let failed = counted(
                "runtop_stage_finished_total{status=~\"failed|timeout\"}",
                range,
            );
            let all = counted("runtop_stage_finished_total", range);
            // With the continuity correction runtop uses (Newcombe's
            // method 4): (2x + z² − 1 − z √(z² − 2 − 1/n + 4 (x/n)(n − x + 1)))
            // / 2(n + z²), for x failed in n.
            let (x, n) = (failed, all);
            format!(
                "(((2 * {x} + {z2} - 1 - {z} * sqrt({z2} - 2 - 1 / {n} + 4 * ({x} / {n}) * ({n} - {x} + 1))) / (2 * ({n} + {z2}))) > {threshold}) and on (stage, instance) ({n} >= {least}) and on (stage, instance) ({x} > 0)",
                z2 = z * z,
                threshold = er.threshold,
            )
        };
        let w = range(er.window);
        let mut expr = format!("({})", judged(w, Z_99, er.min_samples));
        // As runtop, a burst also pages on the last two minutes alone, at
        // 99.8 % on five attempts at least, when the window is longer.
        if er.window != Window::OneMinute {
            expr.push_str(&format!(
                " or ({})",
                judged("2m", Z_998, er.min_samples.max(5))
            ));
        }
        rules.push(Rule {
            alert: "error_rate",
            expr,
            for_secs: er.for_secs,
            keep_secs: er.keep_firing_for_secs,
            severity: "critical",
            subject: "{{ $labels.stage }}".into(),
            summary: format!(
                "{{{{ $labels.stage }}}}: more than {:.0}% of attempts failed or timed out over {w} or the last 2m (Wilson lower bound)",
                er.threshold * 100.0
            ),
            description: "runtop's error_rate rule (the 99% Wilson lower bound of the failed share over the window, or the 99.8% one over the last 2m, above the threshold), on every attempt where runtop counts first attempts only",
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
