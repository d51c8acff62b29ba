//! A scrape of `runtop serve`'s `/metrics`: the copy taken under the
//! monitor's lock (`Exposition::of`), and the text written after it
//! (OpenMetrics, and text 0.0.4), with 256 stages that each finished
//! attempts of every status, and 50 named metrics.
//!
//! `cargo bench --bench exposition`; figures in docs/fleet.md.

use criterion::{Criterion, criterion_group, criterion_main};
use runtop::config::Config;
use runtop::engine::{Engine, EngineConfig, Limits, Origin};
use runtop::fleet::exposition::{Exposition, text_004};
use runtop::monitor::Monitor;

const T0: i64 = 1_795_341_600_000;

fn monitor() -> Monitor {
    let mut config = EngineConfig::replay();
    config.limits = Limits {
        max_stage_names: 512,
        ..config.limits
    };
    let mut engine = Engine::new(config);
    let statuses = ["ok", "failed", "timeout", "cancelled"];
    for i in 0..20_000u64 {
        let at = T0 + i as i64 * 10;
        let stage = format!("stage-{:03}", i % 256);
        let status = statuses[(i / 256 % 4) as usize];
        let ms = 100 + (i * 7919) % 60_000;
        let line = format!(
            r#"{{"type":"stage_finished","ts":{at},"correlation_id":"e{i}","stage":"{stage}","status":"{status}","duration_ms":{ms}}}"#
        );
        engine.feed(line.as_bytes(), at, Origin::default());
        let metric = format!(
            r#"{{"type":"metric","ts":{at},"name":"metric_{:02}_ms","value":{}}}"#,
            i % 50,
            ms % 500
        );
        engine.feed(metric.as_bytes(), at, Origin::default());
    }
    Monitor::new(engine, &Config::default())
}

fn scrape(c: &mut Criterion) {
    let monitor = monitor();
    assert_eq!(monitor.engine.stages().count(), 256);
    let mut group = c.benchmark_group("scrape, 256 stages x 4 statuses, 50 metrics");
    group.bench_function("copy under the lock", |b| {
        b.iter(|| Exposition::of(&monitor).stages.len())
    });
    let copy = Exposition::of(&monitor);
    group.bench_function("OpenMetrics text", |b| b.iter(|| copy.openmetrics().len()));
    let om = copy.openmetrics();
    group.bench_function("text 0.0.4 from it", |b| b.iter(|| text_004(&om).len()));
    group.finish();
}

criterion_group!(benches, scrape);
criterion_main!(benches);
