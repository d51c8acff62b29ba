//! The report's risk section: each figure's calibration, and the
//! executions still running at the end of the input, riskiest first.

use serde::Serialize;

use crate::analytics::risk::{Assessment, Calibration, Risk};
use crate::engine::Engine;

/// Running executions listed at most.
const TOP: usize = 10;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RiskSection {
    /// The chance an execution fails, and that the stage running misses
    /// its target: how each did on the newer half of the history.
    pub fail: Calibration,
    pub late: Calibration,
    /// Executions running, and the riskiest of them.
    pub running: u64,
    pub active: Vec<ActiveRisk>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActiveRisk {
    pub correlation_id: String,
    pub workflow: Option<String>,
    pub node: Option<String>,
    #[serde(flatten)]
    pub assessment: Assessment,
}

impl RiskSection {
    pub fn new(risk: &Risk, engine: &Engine) -> RiskSection {
        let now = engine.now().unwrap_or(0);
        let mut active: Vec<ActiveRisk> = engine
            .executions()
            .active()
            .filter_map(|e| {
                Some(ActiveRisk {
                    correlation_id: e.correlation_id.to_string(),
                    workflow: e.workflow.as_deref().map(str::to_string),
                    node: e.node.as_deref().map(str::to_string),
                    assessment: risk.assess(e, now)?,
                })
            })
            .filter(|a| a.assessment.fail.is_some() || a.assessment.late.is_some())
            .collect();
        let key = |a: &ActiveRisk| {
            (
                a.assessment.fail.unwrap_or(0.0),
                a.assessment.late.unwrap_or(0.0),
            )
        };
        active.sort_by(|a, b| {
            let (ka, kb) = (key(a), key(b));
            kb.0.total_cmp(&ka.0)
                .then(kb.1.total_cmp(&ka.1))
                .then(a.correlation_id.cmp(&b.correlation_id))
        });
        active.truncate(TOP);
        RiskSection {
            fail: risk.fail.clone(),
            late: risk.late.clone(),
            running: engine.executions().active_len() as u64,
            active,
        }
    }
}
