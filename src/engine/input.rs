//! Accounting for everything that arrives, good or bad.
//!
//! Every event is counted exactly once as accepted, invalid, duplicate or of
//! unknown type, so `received = accepted + invalid + duplicates +
//! unknown_type` always holds. Invalid input is counted by kind and the first
//! few examples are kept with their reason and where they came from.

use serde::Serialize;

use super::names::NameTable;
use crate::protocol::{Invalid, InvalidKind};

/// How many invalid inputs are kept as examples.
pub const MAX_EXAMPLES: usize = 20;
const MAX_UNKNOWN_TYPE_NAMES: usize = 64;

/// Where an input came from: a file line, or a live source's frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Origin {
    /// 1-based line number, for files.
    pub line: Option<u64>,
    /// Index of the live source, when there are several.
    pub source: Option<usize>,
}

impl Origin {
    pub fn line(line: u64) -> Self {
        Origin {
            line: Some(line),
            source: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InvalidExample {
    pub line: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<usize>,
    pub kind: InvalidKind,
    pub reason: String,
}

/// Accepted events that were odd but usable; counted, not rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anomaly {
    /// A `stage_finished` with no matching start, usable thanks to its
    /// `duration_ms`; or an `execution_finished` with no start.
    FinishWithoutStart,
    /// A start that arrived after its finish.
    OutOfOrder,
    /// A new stage name past the cap: the event counts for its execution
    /// but has no statistics of its own.
    StageNameOverflow,
    /// A new metric name past the cap.
    MetricNameOverflow,
    /// A task or log past an execution's caps.
    ExecutionCapReached,
}

impl Anomaly {
    const ALL: [Anomaly; 5] = [
        Anomaly::FinishWithoutStart,
        Anomaly::OutOfOrder,
        Anomaly::StageNameOverflow,
        Anomaly::MetricNameOverflow,
        Anomaly::ExecutionCapReached,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Anomaly::FinishWithoutStart => "finish_without_start",
            Anomaly::OutOfOrder => "out_of_order",
            Anomaly::StageNameOverflow => "stage_name_overflow",
            Anomaly::MetricNameOverflow => "metric_name_overflow",
            Anomaly::ExecutionCapReached => "execution_cap_reached",
        }
    }
}

#[derive(Debug, Clone)]
pub struct InputStats {
    pub received: u64,
    pub accepted: u64,
    pub invalid: u64,
    pub duplicates: u64,
    pub unknown_type: u64,
    pub binary_frames: u64,
    invalid_by_kind: [u64; InvalidKind::ALL.len()],
    anomalies: [u64; Anomaly::ALL.len()],
    examples: Vec<InvalidExample>,
    unknown_types: NameTable<u64>,
}

impl Default for InputStats {
    fn default() -> Self {
        InputStats {
            received: 0,
            accepted: 0,
            invalid: 0,
            duplicates: 0,
            unknown_type: 0,
            binary_frames: 0,
            invalid_by_kind: [0; InvalidKind::ALL.len()],
            anomalies: [0; Anomaly::ALL.len()],
            examples: Vec::new(),
            unknown_types: NameTable::new(MAX_UNKNOWN_TYPE_NAMES),
        }
    }
}

impl InputStats {
    pub(crate) fn accepted(&mut self) {
        self.received += 1;
        self.accepted += 1;
    }

    pub(crate) fn duplicate(&mut self) {
        self.received += 1;
        self.duplicates += 1;
    }

    pub(crate) fn unknown_type(&mut self, name: &str) {
        self.received += 1;
        self.unknown_type += 1;
        if let Some(n) = self.unknown_types.entry(name, || 0) {
            *n += 1;
        }
    }

    pub(crate) fn invalid(&mut self, invalid: &Invalid, origin: Origin) {
        self.received += 1;
        self.invalid += 1;
        self.invalid_by_kind[invalid.kind.index()] += 1;
        if self.examples.len() < MAX_EXAMPLES {
            self.examples.push(InvalidExample {
                line: origin.line,
                source: origin.source,
                kind: invalid.kind,
                reason: invalid.reason.clone(),
            });
        }
    }

    pub(crate) fn anomaly(&mut self, anomaly: Anomaly) {
        self.anomalies[anomaly as usize] += 1;
    }

    /// Invalid inputs by kind, kinds with no occurrence left out.
    pub fn invalid_by_kind(&self) -> impl Iterator<Item = (InvalidKind, u64)> + '_ {
        InvalidKind::ALL
            .into_iter()
            .map(|k| (k, self.invalid_by_kind[k.index()]))
            .filter(|&(_, n)| n > 0)
    }

    pub fn invalid_of_kind(&self, kind: InvalidKind) -> u64 {
        self.invalid_by_kind[kind.index()]
    }

    /// Anomalies by kind, kinds with no occurrence left out.
    pub fn anomalies(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        Anomaly::ALL
            .into_iter()
            .map(|a| (a.as_str(), self.anomalies[a as usize]))
            .filter(|&(_, n)| n > 0)
    }

    pub fn examples(&self) -> &[InvalidExample] {
        &self.examples
    }

    /// Unknown `type` names and how often each came.
    pub fn unknown_types(&self) -> impl Iterator<Item = (&str, u64)> {
        self.unknown_types.iter().map(|(k, &n)| (k, n))
    }
}
