//! Decode and ingest throughput on a realistic event mix (the simulated
//! runner's steady stream: stage starts and finishes, logs, metrics, node
//! samples, retries and failures).
//!
//! `cargo bench --bench ingest`; figures in docs/performance.md.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use runtop::engine::{Engine, EngineConfig, Origin, Window};
use runtop::protocol::{decode_frame, to_json_line};
use runtop::sim::{DEFAULT_START, RunnerModel, Simulator};

const EVENTS: usize = 50_000;
/// After the last simulated event: nothing is "in the future".
const RECEIVED_AT: i64 = DEFAULT_START + 30 * 24 * 3_600_000;

fn lines() -> Vec<String> {
    Simulator::new(RunnerModel::steady(), 11, DEFAULT_START)
        .take(EVENTS)
        .map(|e| to_json_line(&e))
        .collect()
}

fn ingest(c: &mut Criterion) {
    let lines = lines();
    let mut group = c.benchmark_group("ingest");
    group.throughput(Throughput::Elements(EVENTS as u64));
    group.bench_function("decode", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for line in &lines {
                decode_frame(line.as_bytes(), |d| {
                    n += std::hint::black_box(&d).is_event() as usize
                });
            }
            n
        })
    });
    for (name, config) in [
        ("decode+ingest/replay", EngineConfig::replay()),
        ("decode+ingest/live", EngineConfig::live()),
    ] {
        group.bench_function(name, |b| {
            b.iter_batched(
                || Engine::new(config.clone()),
                |mut engine| {
                    for (i, line) in lines.iter().enumerate() {
                        let received = match config.window_clock {
                            runtop::engine::WindowClock::ArrivalTime => {
                                DEFAULT_START + i as i64 * 50
                            }
                            runtop::engine::WindowClock::EventTime => RECEIVED_AT,
                        };
                        engine.feed(line.as_bytes(), received, Origin::default());
                    }
                    engine
                },
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();

    // What a screen pays per frame: one window's snapshot of every stage,
    // first after a change (the slots are merged) and then again (a window
    // remembers its answer until a value arrives or it moves).
    let mut engine = Engine::new(EngineConfig::replay());
    for line in &lines {
        engine.feed(line.as_bytes(), RECEIVED_AT, Origin::default());
    }
    let mut group = c.benchmark_group("query");
    let durations: Vec<_> = engine.stages().map(|(_, s)| s.durations.clone()).collect();
    for window in [Window::OneMinute, Window::OneHour, Window::AllTime] {
        group.bench_function(
            format!("stage snapshots after a change/{}", window.label()),
            |b| {
                b.iter_batched_ref(
                    || durations.clone(),
                    |fresh| fresh.iter().map(|d| d.snapshot(window).p95).sum::<f64>(),
                    BatchSize::SmallInput,
                )
            },
        );
        group.bench_function(format!("stage snapshots again/{}", window.label()), |b| {
            b.iter(|| {
                engine
                    .stages()
                    .map(|(_, s)| s.durations.snapshot(window).p95)
                    .sum::<f64>()
            })
        });
    }
    // What the alert rules cost per evaluation (once a second live).
    let mut alerts = runtop::alerts::Alerts::new(Default::default());
    let now = engine.now().unwrap_or_default();
    group.bench_function("evaluate every alert rule", |b| {
        b.iter(|| {
            alerts
                .evaluate_now(
                    &engine,
                    &runtop::alerts::Context {
                        now,
                        local: None,
                        sources: &[],
                    },
                )
                .len()
        })
    });
    // What the analyses cost: after a file's last event (a serial tail, on
    // two threads), and every few seconds on a live screen.
    group.bench_function("every analysis", |b| {
        b.iter(|| runtop::analytics::Analyses::of(&engine))
    });
    // Their parts that read every held execution's tasks once more, each
    // against the whole above (same engine, same run).
    use runtop::analytics::{cascades, critical_path, rankings, risk, temporal};
    group.bench_function("critical paths", |b| {
        b.iter(|| critical_path::critical_paths(&engine))
    });
    group.bench_function("cascades", |b| b.iter(|| cascades::cascades(&engine)));
    group.bench_function("rankings", |b| b.iter(|| rankings::rankings(&engine)));
    group.bench_function("temporal patterns", |b| {
        b.iter(|| temporal::temporal(&engine))
    });
    // Two fits (the older half, then every execution) and the newer half
    // read at its checkpoints.
    group.bench_function("failure risk", |b| b.iter(|| risk::risk(&engine)));
    group.finish();
}

criterion_group!(benches, ingest);
criterion_main!(benches);
