//! The text report's blocks on where executions' time goes: critical
//! paths, cascades of failures, and the rankings.

use std::fmt::Write;

use super::RankingsSection;
use crate::analytics::cascades::Cascades;
use crate::analytics::critical_path::CriticalPaths;
use crate::analytics::rankings::{RankBy, RankOf, RankRow};
use crate::units::human_ms;

/// Rows of each ranking table the text shows.
const RANKED_ROWS: usize = 5;

use crate::units::percent_or_dash as percent;

pub(super) fn critical_path(c: &CriticalPaths, out: &mut String) -> std::fmt::Result {
    if c.tasks.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "\nCRITICAL PATH  over {} ok executions · what a faster task would give back",
        c.executions
    )?;
    for t in &c.tasks {
        writeln!(
            out,
            "  {:<14} {:<16} on the path in {}/{} ({}) · {} each · {} of the time · {} in all",
            t.workflow,
            t.task,
            t.on_path,
            t.executions,
            percent(Some(t.on_path_rate)),
            human_ms(t.mean_ms),
            percent(Some(t.share)),
            human_ms(t.critical_ms)
        )?;
    }
    if !c.withheld.is_empty() {
        writeln!(
            out,
            "  too few ok executions to rank: {}",
            c.withheld.join(", ")
        )?;
    }
    Ok(())
}

pub(super) fn cascades(c: &Cascades, out: &mut String) -> std::fmt::Result {
    if c.failed_executions == 0 {
        return Ok(());
    }
    writeln!(
        out,
        "\nCASCADES  {} of {} failed executions took other work down · {} lost",
        c.cascading,
        c.failed_executions,
        human_ms(c.lost_ms)
    )?;
    for x in &c.cascades {
        writeln!(
            out,
            "  {:<16} {} root{} · {} cancelled ({}) · {} never ran (~{}) · {}",
            x.task,
            x.roots,
            if x.roots == 1 { "" } else { "s" },
            x.cancelled,
            human_ms(x.cancelled_ms),
            x.never_ran,
            human_ms(x.never_ran_ms),
            x.pattern
        )?;
    }
    Ok(())
}

fn figure(row: &RankRow, by: RankBy) -> String {
    match by {
        RankBy::P95 => row.p95_ms.map_or_else(|| "-".into(), human_ms),
        RankBy::FailureRate => percent(row.failure_rate),
        RankBy::RetryRate => percent(row.retry_rate),
        RankBy::Cost => human_ms(row.runner_ms),
        RankBy::CriticalPath => percent(row.critical_share),
    }
}

pub(super) fn rankings(r: &RankingsSection, out: &mut String) -> std::fmt::Result {
    if r.tables.executions == 0 {
        return Ok(());
    }
    writeln!(
        out,
        "\nRANKED BY {}  over {} finished executions (p95 · failed · retried · runner time · critical path)",
        r.by.name(),
        r.tables.executions
    )?;
    for of in RankOf::ALL {
        let rows = r.tables.rows(of);
        if rows.is_empty() {
            continue;
        }
        writeln!(out, " {}", of.name())?;
        for row in rows.iter().take(RANKED_ROWS) {
            writeln!(
                out,
                "  {:<16} {:>8} · {:>8} · {:>6} · {:>6} · {:>8} · {:>6}",
                crate::units::shorten_middle(&row.name, 16),
                figure(row, r.by),
                row.p95_ms.map_or_else(|| "-".into(), human_ms),
                percent(row.failure_rate),
                percent(row.retry_rate),
                human_ms(row.runner_ms),
                percent(row.critical_share)
            )?;
        }
    }
    Ok(())
}
