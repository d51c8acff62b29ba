//! Threshold alerts: rules that read the engine ([`rules`]), and the
//! lifecycle of the alerts they raise ([`book`]). Pure: time is passed in,
//! and nothing here touches a terminal, a socket or a file; [`notify`] is
//! the thin layer that writes transitions to a log and a webhook.

pub mod alertmanager;
pub mod alertmanager_push;
mod book;
pub mod confidence;
pub mod notify;
mod rules;
pub mod slowdown;

pub use book::{Alert, AlertBook, HISTORY, State, Transition};
pub use rules::{Context, LocalLoad, coordination_level, evaluate};

use serde::Serialize;

use crate::config::AlertsConfig;
use crate::engine::Engine;
/// Defined with the configuration, which names it (`fail_on`).
pub use crate::levels::Severity;
use crate::protocol::Millis;

/// The rules, numbered as in docs/alerts.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    StageP95,
    StageRunning,
    ErrorRate,
    Autonomy,
    Resources,
    DeliveryLag,
    Silence,
    Coordination,
    Concurrency,
    ClockSkew,
    Slowdown,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::StageP95 => "stage_p95",
            Rule::StageRunning => "stage_running",
            Rule::ErrorRate => "error_rate",
            Rule::Autonomy => "autonomy",
            Rule::Resources => "resources",
            Rule::DeliveryLag => "delivery_lag",
            Rule::Silence => "silence",
            Rule::Coordination => "coordination",
            Rule::Concurrency => "concurrency",
            Rule::ClockSkew => "clock_skew",
            Rule::Slowdown => "slowdown",
        }
    }
}

/// The rules that have an alert in the book, any state: the only ones whose
/// verdicts short of firing can change anything (they hold or clear alerts
/// the book has), so rules leave those out for the others.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Alerting(u32);

impl Alerting {
    pub fn of(rules: impl IntoIterator<Item = Rule>) -> Self {
        Alerting(rules.into_iter().fold(0, |set, r| set | 1 << r as u32))
    }

    pub fn has(self, rule: Rule) -> bool {
        self.0 & 1 << rule as u32 != 0
    }
}

/// What one evaluation says about one subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Past a threshold.
    Fire(Severity),
    /// Between the clear level and the warning level: no change.
    Hold,
    /// Below the clear level.
    Clear,
}

/// A rule's judgement of one subject at one evaluation. Its summary never
/// repeats the subject: every place that shows an alert shows `rule
/// subject: summary`.
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    pub rule: Rule,
    pub subject: String,
    pub verdict: Verdict,
    pub value: f64,
    pub threshold: f64,
    /// What the alert says, for a firing verdict (empty otherwise: only a
    /// firing verdict's is kept).
    pub summary: String,
    pub correlation_id: Option<String>,
    pub for_ms: Millis,
    pub keep_ms: Millis,
    /// Muted by a cause that is itself alerting (a disconnected source):
    /// shown as such, never sent to the webhook.
    pub inhibited: bool,
}

/// The rules and their book. When they run is the monitor's to decide
/// (one schedule per clock: `crate::monitor`).
#[derive(Debug, Clone)]
pub struct Alerts {
    pub config: AlertsConfig,
    pub book: AlertBook,
    /// Each stage's usual pace, learnt as the slowdown rule runs.
    slowdowns: slowdown::Slowdowns,
}

impl Alerts {
    pub fn new(config: AlertsConfig) -> Self {
        Alerts {
            config,
            book: AlertBook::default(),
            slowdowns: slowdown::Slowdowns::default(),
        }
    }

    /// Evaluates the rules now.
    pub fn evaluate_now(&mut self, engine: &Engine, ctx: &Context<'_>) -> Vec<Transition> {
        let alerting = self.book.alerting();
        self.evaluate_for(engine, ctx, alerting)
    }

    /// Evaluates the rules now, with verdicts short of firing from the
    /// rules `alerting` names only.
    fn evaluate_for(
        &mut self,
        engine: &Engine,
        ctx: &Context<'_>,
        alerting: Alerting,
    ) -> Vec<Transition> {
        let mut signals = evaluate(engine, &self.config, ctx, &alerting);
        if self.config.slowdown.enabled {
            signals.extend(self.slowdowns.evaluate(
                engine,
                &self.config.slowdown,
                ctx.now,
                alerting.has(Rule::Slowdown),
            ));
        }
        self.book.update(signals, ctx.now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{EngineConfig, Origin};
    use crate::sim::{DEFAULT_START, Scenario, Simulator};

    const ALL: [Rule; 11] = [
        Rule::StageP95,
        Rule::StageRunning,
        Rule::ErrorRate,
        Rule::Autonomy,
        Rule::Resources,
        Rule::DeliveryLag,
        Rule::Silence,
        Rule::Coordination,
        Rule::Concurrency,
        Rule::ClockSkew,
        Rule::Slowdown,
    ];

    /// Rules leave out their verdicts short of firing when they have no
    /// alert in the book: the book moves exactly as when given them all.
    #[test]
    fn leaving_out_quiet_rules_all_clears_changes_nothing() {
        for scenario in [
            Scenario::Failures,
            Scenario::Regression,
            Scenario::Incidents,
        ] {
            let mut engine = Engine::new(EngineConfig::replay());
            let config = AlertsConfig::default();
            let (mut lean, mut full) = (Alerts::new(config), Alerts::new(config));
            let mut next = None;
            let mut moved = 0;
            for event in Simulator::scenario(scenario, 5, DEFAULT_START).take(40_000) {
                engine.ingest(&event, event.ts, Origin::default());
                let Some(now) = engine.now() else { continue };
                if next.is_some_and(|n| now < n) {
                    continue;
                }
                next = Some(now + 30_000);
                let ctx = Context {
                    now,
                    local: None,
                    sources: &[],
                };
                let expected = full.evaluate_for(&engine, &ctx, Alerting::of(ALL));
                assert_eq!(
                    lean.evaluate_now(&engine, &ctx),
                    expected,
                    "{scenario:?} at {now}"
                );
                // The alerts themselves too: a hold and a clear of a firing
                // alert differ in when it may resolve, not at once.
                assert!(
                    lean.book.active == full.book.active,
                    "{scenario:?} at {now}"
                );
                moved += expected.len();
            }
            assert!(
                moved >= 4,
                "{scenario:?}: too few transitions to compare ({moved})"
            );
        }
    }
}
