//! The deterministic scene the UI's tests, screenshots and benchmarks draw:
//! the simulator's `failures` scenario stopped mid-run, a connected source,
//! and a fixed host load. One definition, so all of them show the same.

use super::model::{Model, SystemView};
use crate::config::Config;
use crate::engine::{Engine, EngineConfig, Origin};
use crate::protocol::{Event, Millis, to_json_line};
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
    let last = replay_into(
        &mut model,
        Simulator::scenario(Scenario::Failures, 7, DEFAULT_START).take(events),
    )
    .unwrap_or(DEFAULT_START);
    let mut source = SourceStatus::new("ws://runner-1:7878/events".into(), DEFAULT_START);
    source.update(&LinkState::Connected, DEFAULT_START);
    model.monitor.sources = vec![source];
    model.tick(last, Some(system()));
    model
}

/// Feeds `events` to `model`'s monitor as a replay reads them: event by
/// event, so that the rules and the charts' series follow the file's clock.
/// Returns the last event's time.
pub fn replay_into<'e>(
    model: &mut Model,
    events: impl IntoIterator<Item = Event<'e>>,
) -> Option<Millis> {
    let monitor = &mut model.monitor;
    let mut last = None;
    for e in events {
        last = Some(e.ts);
        // Received a day after the scene starts: a recording read later.
        monitor.engine.feed(
            to_json_line(&e).as_bytes(),
            DEFAULT_START + 86_400_000,
            Origin::default(),
        );
        monitor.after_events();
    }
    last
}
