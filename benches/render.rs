//! Frame render time: the overview at 160×48 with 100 and 10,000 active
//! executions, every screen at 160×48 with 10,000 active executions and an
//! hour of charts (goal: at most 2 ms a frame), and the snapshot of the
//! model taken before a frame when events arrived.
//!
//! `cargo bench --bench render`; figures in docs/performance.md.

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use runtop::config::Config;
use runtop::engine::{Engine, EngineConfig, Origin};
use runtop::protocol::to_json_line;
use runtop::sim::{DEFAULT_START, Scenario, Simulator};
use runtop::tui::app::App;
use runtop::tui::model::Model;
use runtop::tui::panels::retained::Retained;
use runtop::tui::panels::{Theme, draw, draw_keeping};
use runtop::tui::view::View;

const T0: i64 = 1_795_341_600_000;

/// Starts `active` executions, each in its `implement` stage, at the
/// times `at` gives (by index), named `{prefix}_{i:06}`.
fn start_executions(engine: &mut Engine, active: usize, prefix: &str, at: impl Fn(usize) -> i64) {
    for i in 0..active {
        let at = at(i);
        for line in [
            format!(
                r#"{{"type":"execution_started","ts":{at},"correlation_id":"{prefix}_{i:06}","project_id":"p{}","node":"runner-{}","variant":"A"}}"#,
                i % 50,
                i % 8
            ),
            format!(
                r#"{{"type":"stage_started","ts":{at},"correlation_id":"{prefix}_{i:06}","stage":"implement"}}"#
            ),
        ] {
            engine.feed(line.as_bytes(), at, Origin::default());
        }
    }
}

fn model(active: usize) -> Model {
    let mut engine = Engine::new(EngineConfig::live());
    start_executions(&mut engine, active, "exec", |i| T0 + i as i64);
    let mut model = Model::new(engine, &Config::default(), "bench".into());
    let system = runtop::tui::scene::system();
    model.tick(T0 + 60_000, Some(system));
    model
}

/// What `watch` shows of a busy runner: the flood scenario on a runner
/// running 50 executions at once, 20,000 events in, with timings, alerts
/// and bottlenecks filled.
fn flood(active: usize) -> Model {
    let mut engine = Engine::new(EngineConfig::live());
    let runner = Scenario::Flood.model().with_concurrency(active);
    let mut last = DEFAULT_START;
    for e in Simulator::with_model(Scenario::Flood, runner, 5, DEFAULT_START).take(20_000) {
        last = e.ts;
        engine.feed(to_json_line(&e).as_bytes(), e.ts, Origin::default());
    }
    let mut model = Model::new(engine, &Config::default(), "bench".into());
    model.tick(last, Some(runtop::tui::scene::system()));
    model
}

/// An hour of the steady scenario read as a replay reads it (the charts'
/// history full: 360 points a series), then 10,000 executions running.
fn charted(active: usize) -> Model {
    let mut model = Model::new(
        Engine::new(EngineConfig::replay()),
        &Config::default(),
        "bench".into(),
    );
    let end = DEFAULT_START + 3_600_000;
    let last = runtop::tui::scene::replay_into(
        &mut model,
        Simulator::scenario(Scenario::Steady, 5, DEFAULT_START).take_while(|e| e.ts < end),
    )
    .expect("an hour of events");
    start_executions(&mut model.monitor.engine, active, "busy", |_| last);
    model.monitor.engine.decide_held();
    model.tick(last + 1_000, Some(runtop::tui::scene::system()));
    model
}

fn every_screen(c: &mut Criterion) {
    let model = charted(10_000);
    let history = model.monitor.history.as_deref().unwrap();
    assert_eq!(history.runners.len(), 360, "an hour of points");
    assert!(model.monitor.engine.executions().active_len() >= 10_000);
    let view = View::capture(&model, None);
    let mut group =
        c.benchmark_group("render every screen 160x48, 10000 active, an hour of charts");
    // The Timings screen over the hour (`w` twice from 5m).
    for (name, keys) in [
        ("overview", ""),
        ("executions", "2"),
        ("timings", "3ww"),
        ("alerts", "4"),
        ("bottlenecks", "5"),
        ("compare", "6"),
        ("nodes", "7"),
        ("detail", "2\n"),
    ] {
        let mut app = App::default();
        for k in keys.chars() {
            let code = if k == '\n' {
                KeyCode::Enter
            } else {
                KeyCode::Char(k)
            };
            app.on_key(KeyEvent::new(code, KeyModifiers::NONE), &view);
        }
        let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
        group.bench_function(name, |b| {
            b.iter(|| {
                terminal
                    .draw(|f| draw(f, &app, &view, Theme::COLOUR))
                    .unwrap()
                    .area
                    .width
            })
        });
    }
    group.finish();
}

fn render(c: &mut Criterion) {
    let mut group = c.benchmark_group("render overview 160x48");
    let cases = [
        ("50 active executions, flood".to_string(), flood(50)),
        ("100 active executions".to_string(), model(100)),
        ("10000 active executions".to_string(), model(10_000)),
    ];
    for (name, model) in cases {
        let app = App::default();
        let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
        // As the run loop draws: panels that only ticks change are kept.
        let mut retained = Retained::default();
        let view = View::capture(&model, None);
        group.bench_function(name.clone(), |b| {
            b.iter(|| {
                terminal
                    .draw(|f| draw_keeping(f, &app, &view, Theme::COLOUR, &mut retained))
                    .unwrap()
                    .area
                    .width
            })
        });
        // What the loop does before a frame when events arrived: a new
        // snapshot of the model, sharing the unchanged alerts and analyses.
        group.bench_function(format!("{name}: snapshot"), |b| {
            b.iter(|| View::capture(&model, Some(&view)).active.len())
        });
    }
    group.finish();
}

criterion_group!(benches, render, every_screen);
criterion_main!(benches);
