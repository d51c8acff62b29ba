//! Frame render time: the overview at 160×48 with 100 and 10,000 active
//! executions (goal: at most 2 ms a frame with 10,000).
//!
//! `cargo bench --bench render`; figures in docs/performance.md.

use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use runtop::config::Config;
use runtop::engine::{Engine, EngineConfig, Origin};
use runtop::tui::app::App;
use runtop::tui::model::Model;
use runtop::tui::panels::{Theme, draw};

const T0: i64 = 1_795_341_600_000;

fn model(active: usize) -> Model {
    let mut engine = Engine::new(EngineConfig::live());
    for i in 0..active {
        let at = T0 + i as i64;
        for line in [
            format!(
                r#"{{"type":"execution_started","ts":{at},"correlation_id":"exec_{i:06}","project_id":"p{}","node":"runner-{}","variant":"A"}}"#,
                i % 50,
                i % 8
            ),
            format!(
                r#"{{"type":"stage_started","ts":{at},"correlation_id":"exec_{i:06}","stage":"implement"}}"#
            ),
        ] {
            engine.feed(line.as_bytes(), at, Origin::default());
        }
    }
    let mut model = Model::new(engine, &Config::default(), "bench".into());
    let system = runtop::tui::scene::system();
    model.tick(T0 + 60_000, Some(system));
    model
}

fn render(c: &mut Criterion) {
    let mut group = c.benchmark_group("render overview 160x48");
    for active in [100, 10_000] {
        let model = model(active);
        let app = App::default();
        let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
        group.bench_function(format!("{active} active executions"), |b| {
            b.iter(|| {
                terminal
                    .draw(|f| draw(f, &app, &model, Theme { color: true }))
                    .unwrap()
                    .area
                    .width
            })
        });
    }
    group.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);
