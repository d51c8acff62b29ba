//! The deterministic scene the UI's tests, screenshots and benchmarks draw:
//! the simulator's `failures` scenario stopped mid-run, a connected source,
//! and a fixed host load. One definition, so all of them show the same.

use super::model::{Model, SystemView};
use crate::config::Config;
use crate::engine::{Engine, EngineConfig, Origin};
use crate::protocol::to_json_line;
use crate::sim::{DEFAULT_START, Scenario, Simulator};
use crate::source_status::{LinkState, SourceStatus};

/// A host under moderate load.
pub fn system() -> SystemView {
    SystemView {
        cpu_percent: 42.0,
        per_core: vec![40.0, 44.0],
        memory_used_mb: 6_144.0,
        memory_total_mb: 24_576.0,
        load_average: Some((1.5, 1.2, 0.9)),
        host_name: Some("ops-1".into()),
        self_cpu_percent: 0.7,
        self_rss_mb: 31.0,
    }
}

/// The `failures` scenario (seed 7) cut off after `events` events (1,300 is
/// in the middle of its failure burst, 13.6 minutes in), ticked at its last
/// event.
pub fn busy(events: usize) -> Model {
    let mut model = Model::new(
        Engine::new(EngineConfig::replay()),
        &Config::default(),
        "ws://runner-1:7878/events".into(),
    );
    let mut last = DEFAULT_START;
    // As a replay reads it: the rules and the charts' series follow the
    // file's clock event by event.
    for e in Simulator::scenario(Scenario::Failures, 7, DEFAULT_START).take(events) {
        last = e.ts;
        let monitor = &mut model.monitor;
        monitor.engine.feed(
            to_json_line(&e).as_bytes(),
            DEFAULT_START + 86_400_000,
            Origin::default(),
        );
        monitor.after_events();
    }
    let mut source = SourceStatus::new("ws://runner-1:7878/events".into(), DEFAULT_START);
    source.update(&LinkState::Connected, DEFAULT_START);
    model.monitor.sources = vec![source];
    model.tick(last, Some(system()));
    model
}
