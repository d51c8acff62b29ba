//! How serious things are, in the words every layer shares: an alert's
//! [`Severity`] (rules, the alert book, reports, the CI gate, sinks) and a
//! stage's health [`Level`] against its target (the engine's statistics,
//! reports, the screens). They live at the bottom so that no layer has to
//! reach sideways or up for them.

use serde::{Deserialize, Serialize};

/// How serious an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Warning,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

/// How a stage's p95 compares with its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Excellent,
    Good,
    Acceptable,
    Poor,
    Critical,
}

impl Level {
    /// The level of `p95 / target`: below 0.5 excellent, 0.75 good, 1.0
    /// acceptable, 1.5 poor, else critical.
    pub fn from_ratio(ratio: f64) -> Level {
        match ratio {
            r if r < 0.5 => Level::Excellent,
            r if r < 0.75 => Level::Good,
            r if r < 1.0 => Level::Acceptable,
            r if r < 1.5 => Level::Poor,
            _ => Level::Critical,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Excellent => "excellent",
            Level::Good => "good",
            Level::Acceptable => "acceptable",
            Level::Poor => "poor",
            Level::Critical => "critical",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_the_ratio_bands() {
        let cases = [
            (0.0, Level::Excellent),
            (0.49, Level::Excellent),
            (0.5, Level::Good),
            (0.74, Level::Good),
            (0.75, Level::Acceptable),
            (0.99, Level::Acceptable),
            (1.0, Level::Poor),
            (1.49, Level::Poor),
            (1.5, Level::Critical),
            (f64::INFINITY, Level::Critical),
        ];
        for (ratio, level) in cases {
            assert_eq!(Level::from_ratio(ratio), level, "ratio {ratio}");
        }
    }
}
