//! What each screen lists, and where its selection rests.
//!
//! Lists re-sort live (the newest execution first, alerts by severity), so
//! a selection kept as a row number moves under the operator: `j j j` and
//! the highlight drifted to other executions with no key pressed, and Enter
//! on the Alerts screen opened another alert than the one read. Each
//! screen therefore keeps its own [`Selection`], by the selected row's
//! identity (a correlation id, an alert's rule and subject), as
//! tokio-console and bottom keep theirs: rows move, the selection moves
//! with its row; when the row is gone, it stays at the same place.

use super::app::{App, Screen, executions};
use super::view::View;
use crate::alerts::Rule;
use crate::analytics::rankings::{self, RankRow};

/// What Enter on a row opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An execution's Detail, by correlation id.
    Execution(String),
    /// The executions behind an alert (the Evidence screen).
    Evidence(AlertRef),
    Nothing,
}

/// One alert: firing, or as it resolved at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRef {
    pub rule: Rule,
    pub subject: String,
    /// When it resolved; `None` while it fires. Its evidence is taken over
    /// the window up to then (a window ending now held nothing behind an
    /// alert that resolved an hour ago).
    pub resolved_at: Option<i64>,
}

/// One row a selection can rest on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Identity: stays the same while the row moves.
    pub key: String,
    pub target: Target,
}

/// Where one screen's selection rests: the selected row's key, and its
/// last index (where it stays if that row goes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    key: Option<String>,
    index: usize,
}

impl Selection {
    /// The selected row's index among rows with these keys.
    pub fn index_of<'k>(&self, keys: impl IntoIterator<Item = &'k str>) -> usize {
        let mut len = 0;
        for (i, key) in keys.into_iter().enumerate() {
            if self.key.as_deref() == Some(key) {
                return i;
            }
            len = i + 1;
        }
        self.index.min(len.saturating_sub(1))
    }

    pub fn index(&self, rows: &[Row]) -> usize {
        self.index_of(rows.iter().map(|r| r.key.as_str()))
    }

    /// Selects row `index` (clamped).
    pub fn set(&mut self, rows: &[Row], index: usize) {
        let index = index.min(rows.len().saturating_sub(1));
        self.index = index;
        self.key = rows.get(index).map(|r| r.key.clone());
    }

    /// Moves by `delta` rows from where the selection rests now.
    pub fn move_by(&mut self, rows: &[Row], delta: isize) {
        let at = self.index(rows) as isize;
        self.set(rows, (at + delta).max(0) as usize);
    }

    /// The selected row, if any.
    pub fn row<'r>(&self, rows: &'r [Row]) -> Option<&'r Row> {
        rows.get(self.index(rows))
    }
}

/// The key of an alert row: firing ones by rule and subject, resolved ones
/// also by when they resolved (the same subject can resolve twice).
pub fn alert_key(rule: Rule, subject: &str, resolved_at: Option<i64>) -> String {
    match resolved_at {
        None => format!("firing\t{}\t{subject}", rule.as_str()),
        Some(at) => format!("resolved\t{}\t{subject}\t{at}", rule.as_str()),
    }
}

/// What Enter on an alert opens: its execution, or the executions behind it.
fn alert_target(rule: Rule, subject: &str, cid: Option<&str>, resolved_at: Option<i64>) -> Target {
    match cid {
        Some(cid) => Target::Execution(cid.to_string()),
        None => Target::Evidence(AlertRef {
            rule,
            subject: subject.to_string(),
            resolved_at,
        }),
    }
}

/// The alert rows the Alerts screen shows, in its order: firing (by
/// severity, then age), then recently resolved, newest first.
pub fn alert_rows(view: &View, resolved: usize) -> Vec<Row> {
    let book = &view.ticked.alerts;
    let firing = book.firing().into_iter().map(|a| Row {
        key: alert_key(a.rule, &a.subject, None),
        target: alert_target(a.rule, &a.subject, a.correlation_id.as_deref(), None),
    });
    let resolved = book.resolved().take(resolved).map(|a| Row {
        key: alert_key(a.rule, &a.subject, Some(a.since)),
        target: alert_target(
            a.rule,
            &a.subject,
            a.correlation_id.as_deref(),
            Some(a.since),
        ),
    });
    firing.chain(resolved).collect()
}

/// The key of a comparison row: its subject and variants.
pub fn comparison_key(c: &crate::analytics::compare::Comparison) -> String {
    format!("{}\t{}\t{}", c.subject, c.a, c.b)
}

/// Resolved alerts the Alerts screen lists under the firing ones.
pub const RESOLVED_LISTED: usize = 20;

fn execution(cid: &str) -> Row {
    Row {
        key: cid.to_string(),
        target: Target::Execution(cid.to_string()),
    }
}

/// The rows of `screen`, in display order.
pub fn rows(app: &App, view: &View, screen: Screen) -> Vec<Row> {
    match screen {
        Screen::Overview => view
            .active
            .iter()
            .map(|e| execution(&e.correlation_id))
            .collect(),
        Screen::Executions => executions(app, view)
            .iter()
            .map(|e| execution(&e.correlation_id))
            .collect(),
        Screen::Alerts => alert_rows(view, RESOLVED_LISTED),
        Screen::Bottlenecks => view
            .ticked
            .analyses
            .bottlenecks
            .iter()
            .map(|b| Row {
                key: format!("{}\t{}", b.kind.as_str(), b.subject),
                target: b
                    .examples
                    .first()
                    .map_or(Target::Nothing, |cid| Target::Execution(cid.clone())),
            })
            .collect(),
        Screen::Evidence => app
            .evidence_of(view)
            .rows
            .iter()
            .map(|r| Row {
                key: r.key(),
                target: Target::Execution(r.correlation_id.clone()),
            })
            .collect(),
        Screen::Timings => view
            .stages
            .iter()
            .map(|s| Row {
                key: s.name.to_string(),
                target: Target::Nothing,
            })
            .collect(),
        Screen::Compare => view
            .ticked
            .analyses
            .comparisons
            .iter()
            .map(|c| Row {
                key: comparison_key(c),
                target: Target::Nothing,
            })
            .collect(),
        Screen::Rankings => ranked(app, view)
            .iter()
            .map(|r| Row {
                key: r.name.clone(),
                target: Target::Nothing,
            })
            .collect(),
        Screen::Detail | Screen::Nodes => Vec::new(),
    }
}

/// The Rankings screen's rows, in the order it shows them.
pub fn ranked<'v>(app: &App, view: &'v View) -> Vec<&'v RankRow> {
    let mut rows: Vec<&RankRow> = view
        .ticked
        .analyses
        .rankings
        .rows(app.rank_of)
        .iter()
        .collect();
    let by = app.rank_by;
    rows.sort_by(|a, b| rankings::order(a, b, by));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(keys: &[&str]) -> Vec<Row> {
        keys.iter()
            .map(|k| Row {
                key: k.to_string(),
                target: Target::Nothing,
            })
            .collect()
    }

    #[test]
    fn the_selection_follows_its_row_and_stays_in_place_when_it_goes() {
        let mut s = Selection::default();
        let before = rows(&["a", "b", "c", "d"]);
        s.move_by(&before, 2);
        assert_eq!(s.row(&before).unwrap().key, "c");
        // New rows arrive on top: the selection stays on "c".
        let after = rows(&["x", "y", "a", "b", "c", "d"]);
        assert_eq!(s.index(&after), 4);
        s.move_by(&after, 1);
        assert_eq!(s.row(&after).unwrap().key, "d");
        // "d" is gone: the selection stays at its place, clamped.
        let gone = rows(&["x", "y", "a"]);
        assert_eq!(s.index(&gone), 2);
        assert_eq!(s.index(&[]), 0);
        s.move_by(&gone, -10);
        assert_eq!(s.row(&gone).unwrap().key, "x");
    }
}
