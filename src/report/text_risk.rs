//! The text report's RISK block: how each risk figure did on the newer half
//! of the history (or why it is withheld), its reliability table, and the
//! executions still running at the end, riskiest first.

use std::fmt::Write;

use super::risk::RiskSection;
use crate::analytics::risk::Calibration;
use crate::units::percent_or_dash as percent;

fn calibration(name: &str, c: &Calibration, out: &mut String) -> std::fmt::Result {
    match c.withheld {
        Some(why) => writeln!(
            out,
            "  {name}: withheld, {why} ({} judged, {} with the outcome)",
            c.outcomes, c.occurred_in
        )?,
        None => writeln!(
            out,
            "  {name}: Brier {:.4} against the base rate's {:.4} (skill {}, at least {} at 95%) on {} executions",
            c.brier.unwrap_or(0.0),
            c.brier_base.unwrap_or(0.0),
            percent(c.skill),
            percent(c.skill_low),
            c.outcomes
        )?,
    }
    if c.shown {
        for b in &c.bands {
            writeln!(
                out,
                "    {:>7}  {:>5} checkpoints  said {:>6}  came {:>6}",
                format!("{:.0}–{:.0}%", b.from * 100.0, b.to * 100.0),
                b.checkpoints,
                percent(Some(b.predicted)),
                percent(Some(b.observed))
            )?;
        }
    }
    Ok(())
}

pub(super) fn risk(r: &RiskSection, out: &mut String) -> std::fmt::Result {
    if r.fail.outcomes == 0 && r.late.outcomes == 0 {
        return Ok(());
    }
    writeln!(
        out,
        "\nRISK  fitted on the older half of the history, judged on the newer"
    )?;
    calibration("fails", &r.fail, out)?;
    calibration("misses a target", &r.late, out)?;
    for a in &r.active {
        let top = a.assessment.tasks.first().map_or(String::new(), |t| {
            format!(" · most from {} ({})", t.task, percent(Some(t.fail)))
        });
        writeln!(
            out,
            "  running {:<24} fails {} · misses a target {}{top}",
            a.correlation_id,
            percent(a.assessment.fail),
            percent(a.assessment.late)
        )?;
    }
    Ok(())
}
