//! The report as a readable text table, for a terminal or a CI log.

use std::fmt::Write;

use super::Report;
use crate::units::human_ms;

use crate::units::percent_or_dash as percent;

pub fn render_text(r: &Report) -> String {
    let mut out = String::new();
    let _ = render(r, &mut out);
    out
}

fn render(r: &Report, out: &mut String) -> std::fmt::Result {
    writeln!(out, "runtop report: {}", r.source)?;
    let e = &r.events;
    writeln!(
        out,
        "\nEVENTS  {} received · {} accepted · {} invalid · {} duplicates · {} unknown type",
        e.received, e.accepted, e.invalid, e.duplicates, e.unknown_type
    )?;
    if !e.invalid_by_kind.is_empty() {
        writeln!(out, "  invalid by kind: {}", counts(&e.invalid_by_kind))?;
        for ex in e.invalid_examples.iter().take(5) {
            let at = ex.line.map_or_else(String::new, |l| format!("line {l}: "));
            writeln!(out, "    {at}{}: {}", ex.kind.as_str(), ex.reason)?;
        }
    }
    if !e.anomalies.is_empty() {
        writeln!(out, "  anomalies: {}", counts(&e.anomalies))?;
    }
    if let (Some(first), Some(last)) = (&r.span.first_ts, &r.span.last_ts) {
        writeln!(
            out,
            "  span: {first} → {last} ({:.1} min)",
            r.span.minutes.unwrap_or(0.0)
        )?;
    }

    if !r.sources.is_empty() {
        writeln!(out, "\nSOURCES")?;
        for s in &r.sources {
            writeln!(out, "  {}  {}", s.url, s.state)?;
            writeln!(
                out,
                "    {} frames · {} binary · {} connects · {} reconnects{}",
                s.frames,
                s.binary_frames,
                s.connects,
                s.reconnects,
                s.last_failure
                    .as_ref()
                    .map_or_else(String::new, |f| format!(" · last failure: {f}"))
            )?;
        }
    }

    writeln!(out, "\nSTAGES")?;
    if r.stages.is_empty() {
        writeln!(out, "  no stage has finished")?;
    } else {
        writeln!(
            out,
            "  {:<14} {:>7} {:>7} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}  level",
            "stage", "count", "success", "mean", "p50", "p95", "p99", "max", "target"
        )?;
        for s in &r.stages {
            writeln!(
                out,
                "  {:<14} {:>7} {:>7} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}  {}",
                truncate(&s.stage, 14),
                s.count,
                percent(s.success_rate),
                human_ms(s.mean_ms),
                human_ms(s.p50_ms),
                human_ms(s.p95_ms),
                human_ms(s.p99_ms),
                human_ms(s.max_ms),
                s.target_ms.map_or_else(|| "-".into(), human_ms),
                s.level.map_or("-", |l| l.as_str()),
            )?;
        }
    }

    if !r.metrics.is_empty() {
        writeln!(out, "\nMETRICS")?;
        writeln!(
            out,
            "  {:<28} {:>7} {:>9} {:>9} {:>9} {:>9} {:>9}",
            "name", "count", "mean", "p50", "p95", "p99", "max"
        )?;
        for m in &r.metrics {
            writeln!(
                out,
                "  {:<28} {:>7} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
                truncate(&m.name, 28),
                m.count,
                m.mean,
                m.p50,
                m.p95,
                m.p99,
                m.max
            )?;
        }
    }

    let x = &r.executions;
    writeln!(out, "\nEXECUTIONS")?;
    writeln!(
        out,
        "  {} started · {} finished · {} active · {} abandoned",
        x.started, x.finished, x.active, x.abandoned
    )?;
    writeln!(
        out,
        "  {} ok · {} failed · {} timeout · {} cancelled · success {} · autonomous {}",
        x.ok,
        x.failed,
        x.timeout,
        x.cancelled,
        percent(x.success_rate),
        percent(x.autonomous_rate)
    )?;
    if let Some(t) = x.throughput_per_min {
        let p95 = x.duration_p95_ms.map_or_else(|| "-".into(), human_ms);
        writeln!(out, "  {t:.2} finished per minute · duration p95 {p95}")?;
    }

    if !r.nodes.is_empty() {
        writeln!(out, "\nNODES")?;
        for n in &r.nodes {
            writeln!(
                out,
                "  {:<16} cpu {:>5.1}% (p95 {:>5.1}%) · memory {:.0} MB · samples {}",
                truncate(&n.node, 16),
                n.cpu_percent,
                n.cpu_p95_percent,
                n.memory_mb,
                n.samples
            )?;
        }
    }

    cost(&r.cost, out)?;
    kpis(&r.kpis, out)?;
    temporal(&r.temporal, out)?;
    super::text_paths::critical_path(&r.critical_path, out)?;
    super::text_paths::cascades(&r.cascades, out)?;
    super::text_paths::rankings(&r.rankings, out)?;
    super::text_risk::risk(&r.risk, out)?;

    if !r.bottlenecks.is_empty() {
        writeln!(out, "\nBOTTLENECKS")?;
        for b in r.bottlenecks.iter().take(8) {
            let kind = serde_json::to_value(b.kind)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default();
            writeln!(
                out,
                "  {:>5.3}  {kind} {}: {}",
                b.score,
                b.subject,
                b.evidence.join("; ")
            )?;
            if !b.examples.is_empty() {
                writeln!(out, "         e.g. {}", b.examples.join(", "))?;
            }
        }
    }
    if !r.comparisons.is_empty() {
        writeln!(out, "\nA/B")?;
        for c in &r.comparisons {
            writeln!(out, "  {}", c.verdict)?;
        }
    }
    if !r.failures.is_empty() {
        writeln!(out, "\nFAILURES")?;
        for f in r.failures.iter().take(5) {
            let retry = f.retry_success_rate.map_or_else(
                || "not retried".into(),
                |s| format!("{:.0}% of retries recover", s * 100.0),
            );
            writeln!(
                out,
                "  {:>4}  {} · {} · {retry}",
                f.count,
                f.pattern,
                f.stages.join(", ")
            )?;
        }
    }
    if !r.trends.is_empty() {
        let trends: Vec<String> = r
            .trends
            .iter()
            .map(|t| {
                format!(
                    "{} {} ({}, p = {:.3})",
                    t.stage,
                    t.direction,
                    crate::units::human_slope(t.slope_ms_per_hour),
                    t.p_value
                )
            })
            .collect();
        writeln!(out, "\nTRENDS  {}", trends.join(" · "))?;
    }
    if let Some(b) = &r.baseline {
        let state = if b.established {
            "established"
        } else {
            "not yet established"
        };
        writeln!(out, "\nBASELINE  {} ({state})", b.file)?;
        if b.changes.is_empty() {
            writeln!(out, "  no regression or improvement")?;
        }
        for c in &b.changes {
            let severity = c
                .severity
                .map_or(String::new(), |s| format!(" {}", s.as_str()));
            writeln!(
                out,
                "  {}{severity}: {} {} {} ({:+.0}%)",
                c.kind,
                c.subject,
                c.quantile,
                c.shown(),
                c.change * 100.0
            )?;
        }
    }
    if !r.recommendations.is_empty() {
        writeln!(out, "\nRECOMMENDATIONS")?;
        for x in &r.recommendations {
            writeln!(out, "  - {}: {}", x.action, x.because)?;
        }
    }

    writeln!(out, "\nREQUIREMENTS")?;
    if r.requirements.is_empty() {
        writeln!(out, "  nothing to judge yet")?;
    }
    for q in &r.requirements {
        let mark = if q.met { "pass" } else { "FAIL" };
        writeln!(
            out,
            "  {mark}  {} = {} ({} {})",
            q.name,
            trim(q.actual),
            q.op,
            trim(q.threshold)
        )?;
    }
    writeln!(
        out,
        "\n{}",
        if r.meets_requirements {
            "requirements met"
        } else {
            "requirements NOT met"
        }
    )
}

/// `kind 3, other 1`
/// Runner time, the share failures threw away, and money when priced.
fn cost(c: &super::CostSection, out: &mut String) -> std::fmt::Result {
    if c.total.attempts == 0 {
        return Ok(());
    }
    let money = |v: Option<f64>| v.map_or_else(String::new, |v| format!(" · cost {v:.2}"));
    let line = |out: &mut String, r: &super::CostRow| {
        writeln!(
            out,
            "  {:<16} {} runner time · {} attempt{} · failed {} ({}) · retries {}{}",
            truncate(&r.name, 16),
            human_ms(r.runner_s * 1000.0),
            r.attempts,
            if r.attempts == 1 { "" } else { "s" },
            human_ms(r.failed_s * 1000.0),
            percent(r.wasted_share),
            human_ms(r.retry_s * 1000.0),
            money(r.cost)
        )
    };
    match c.per_runner_hour {
        Some(rate) => writeln!(out, "\nCOST  at {rate} per runner hour")?,
        None => writeln!(out, "\nRUNNER TIME  (set cost.per_runner_hour to price it)")?,
    }
    line(out, &c.total)?;
    for (title, rows) in [
        ("by stage", &c.stages),
        ("by project", &c.projects),
        ("by node", &c.nodes),
    ] {
        if !rows.is_empty() {
            writeln!(out, " {title}")?;
            for r in rows.iter().take(8) {
                line(out, r)?;
            }
        }
    }
    if let Some(e) = c.top_executions.first() {
        writeln!(
            out,
            " costliest held execution: {} ({} runner time{})",
            e.correlation_id,
            human_ms(e.runner_s * 1000.0),
            money(e.cost)
        )?;
    }
    Ok(())
}

/// The efficiency KPIs, each beside its target; withheld ones are absent.
fn kpis(k: &crate::analytics::kpis::Kpis, out: &mut String) -> std::fmt::Result {
    let Some(minutes) = k.minutes else {
        return Ok(());
    };
    let t = &k.targets;
    writeln!(
        out,
        "\nKPIS  {} finished executions over {minutes:.1} min",
        k.executions
    )?;
    for w in &k.workflows {
        let judged = if w.backlog {
            ""
        } else {
            ", no backlog: not judged"
        };
        write!(
            out,
            "  {:<16} {:.2}/min (target {:.2}{judged}) · {:.2} tasks/min",
            truncate(&w.workflow, 16),
            w.per_min,
            w.target_per_min,
            w.tasks_per_min
        )?;
        match w.parallel_efficiency {
            Some(e) => writeln!(
                out,
                " · parallel efficiency {} over {} (target {})",
                percent(Some(e)),
                w.efficiency_executions,
                percent(Some(t.parallel_efficiency))
            )?,
            None => writeln!(out)?,
        }
    }
    for (name, spread, target) in [
        ("task startup", &k.startup, Some(t.startup_ms)),
        ("dependency wait", &k.dependency_wait, None),
    ] {
        if let Some(s) = spread {
            let target = target.map_or_else(String::new, |t| format!(", target {}", human_ms(t)));
            writeln!(
                out,
                "  {name}: p50 {} · p95 {} · max {} ({} tasks{target})",
                human_ms(s.p50_ms),
                human_ms(s.p95_ms),
                human_ms(s.max_ms),
                s.count
            )?;
        }
    }
    if let Some(c) = &k.coordination {
        writeln!(
            out,
            "  coordination: {} of execution time over {} executions (target under {})",
            percent(Some(c.share)),
            c.executions,
            percent(Some(t.coordination_share))
        )?;
    }
    if let Some(r) = &k.retries {
        writeln!(
            out,
            "  retries: {} of {} tasks (target under {}) · {} of them recovered",
            percent(Some(r.rate)),
            r.tasks,
            percent(Some(t.retry_rate)),
            percent(r.success_rate)
        )?;
    }
    for r in k.stage_resources.iter().filter(|r| r.state.is_some()) {
        writeln!(
            out,
            "  {} {}: CPU mean {:.0}%, peak {:.0}% over {} attempts",
            r.name,
            r.state.unwrap_or_default(),
            r.cpu_mean_percent.unwrap_or_default(),
            r.cpu_peak_percent.unwrap_or_default(),
            r.attempts
        )?;
    }
    Ok(())
}

fn counts(map: &std::collections::BTreeMap<&str, u64>) -> String {
    let parts: Vec<String> = map.iter().map(|(k, n)| format!("{k} {n}")).collect();
    parts.join(", ")
}

fn trim(v: f64) -> String {
    let s = format!("{v:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn truncate(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(width - 1).collect();
        t.push('…');
        t
    }
}

fn temporal(t: &crate::analytics::temporal::Temporal, out: &mut String) -> std::fmt::Result {
    if t.by_hour.is_empty() {
        return Ok(());
    }
    writeln!(out, "\nTEMPORAL")?;
    for b in &t.bursts {
        writeln!(
            out,
            "  burst {} {}: {} to {} · {} of {} attempts failed ({}, peak {}, base {}){}",
            b.kind,
            b.subject,
            b.start,
            b.end,
            b.failures,
            b.attempts,
            percent(Some(b.rate)),
            percent(Some(b.peak_rate)),
            percent(Some(b.base_rate)),
            b.patterns
                .first()
                .map_or_else(String::new, |(p, n)| format!(" · mostly {p} ({n})"))
        )?;
    }
    if t.bursts.is_empty() {
        writeln!(out, "  no failure bursts")?;
    }
    let p = &t.periodicity;
    match (p.period_minutes, p.autocorrelation) {
        (Some(period), Some(r)) => writeln!(
            out,
            "  periodic load: starts repeat every {period} min (autocorrelation {r:.2} over {} min)",
            p.minutes
        )?,
        _ => writeln!(
            out,
            "  periodic load: {} ({} min of starts)",
            p.verdict, p.minutes
        )?,
    }
    let hours: Vec<String> = t
        .by_hour
        .iter()
        .map(|h| format!("{}h {}/{}", h.when, h.failed, h.started))
        .collect();
    writeln!(out, "  failed/started by hour (UTC): {}", hours.join(" · "))?;
    if !t.by_weekday.is_empty() {
        let days: Vec<String> = t
            .by_weekday
            .iter()
            .map(|d| format!("{} {}/{}", d.when, d.failed, d.started))
            .collect();
        writeln!(out, "  failed/started by day: {}", days.join(" · "))?;
    }
    Ok(())
}
