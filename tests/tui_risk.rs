//! The failure risk in the terminal UI, through ratatui's real buffer: the
//! active list's risk column and Detail's risk panel, on the `graph`
//! scenario stopped just after a retry started.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use runtop::config::Config;
use runtop::engine::{Engine, EngineConfig};
use runtop::protocol::{Body, Event};
use runtop::sim::{DEFAULT_START, Scenario, Simulator};
use runtop::tui::app::{App, Screen};
use runtop::tui::model::Model;
use runtop::tui::panels::{Theme, draw};
use runtop::tui::scene::{replay_into, system};
use runtop::tui::view::View;

/// The graph scenario (seed 7) up to the first retry of implement that
/// starts after 250 executions finished, and that retry's execution.
fn stopped_at_a_retry() -> (Model, String) {
    let mut model = Model::new(
        Engine::new(EngineConfig::replay()),
        &Config::default(),
        "ws://runner-1:7878/events".into(),
    );
    let mut finished = 0;
    let mut events: Vec<Event<'static>> = Vec::new();
    let mut retried = None;
    for e in Simulator::scenario(Scenario::Graph, 7, DEFAULT_START) {
        match &e.body {
            Body::ExecutionFinished { .. } => finished += 1,
            Body::StageStarted(s)
                if finished >= 250 && s.attempt == 2 && s.stage == "implement" =>
            {
                retried = e.correlation_id.as_deref().map(str::to_string);
            }
            _ => {}
        }
        events.push(e);
        if retried.is_some() {
            break;
        }
    }
    let last = replay_into(&mut model, events).unwrap();
    model.tick(last, Some(system()));
    (model, retried.expect("a retry after 250 executions"))
}

fn screen(app: &App, model: &Model, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    let view = View::capture(model, None);
    terminal
        .draw(|f| draw(f, app, &view, Theme::PLAIN))
        .unwrap();
    terminal.backend().to_string()
}

#[test]
fn a_running_retry_shows_its_risk_in_the_list_and_its_factors_in_detail() {
    let (model, cid) = stopped_at_a_retry();
    let risk = &model.monitor.analyses.risk;
    assert!(risk.fail.shown, "{:?}", risk.fail);
    let view = View::capture(&model, None);
    let e = view.get(&cid).unwrap();
    let p = risk.assess(e, view.clock).unwrap().fail.unwrap();
    assert!(p >= 0.3, "{p}");

    // The active list: the retry's row carries its figure, at 80 columns
    // as at 160.
    let app = App::default();
    for width in [80, 160] {
        let shown = screen(&app, &model, width, 40);
        assert!(shown.contains(" risk"), "{shown}");
        let row = shown
            .lines()
            .find(|l| l.contains(&cid[cid.len() - 4..]) && l.contains("implement"))
            .unwrap_or_else(|| panic!("{cid} at {width}: {shown}"));
        assert!(
            row.contains(&format!("{:>4.0}%", p * 100.0)),
            "{row} should show {p}"
        );
    }

    // Detail: the figure, the base rate, the retry behind it, and the
    // calibration that earned it its place.
    let mut app = App::default();
    app.screen = Screen::Detail;
    app.detail = Some(cid.clone());
    let shown = screen(&app, &model, 160, 48);
    assert!(shown.contains("risk (calibrated"), "{shown}");
    assert!(
        shown.contains(&format!("fails {:.0}%", p * 100.0)),
        "{shown}"
    );
    // One line a task: nothing wraps into the next.
    assert!(!shown.contains("│status <n>"), "{shown}");
    assert!(shown.contains("(base rate "), "{shown}");
    let task = shown
        .lines()
        .find(|l| l.contains("running #2"))
        .unwrap_or_else(|| panic!("{shown}"));
    assert!(
        task.contains("implement-") && task.contains("past attempts"),
        "{task}"
    );
    assert!(shown.contains("failure risk: Brier "), "{shown}");
    assert!(shown.contains("target risk"), "{shown}");
}

#[test]
fn a_withheld_figure_shows_a_dash_and_says_why() {
    // The failures burst scene: too little history to judge a figure on.
    let model = runtop::tui::scene::busy(1_500);
    let risk = &model.monitor.analyses.risk;
    assert!(!risk.fail.shown);
    let view = View::capture(&model, None);
    let e = view.active.first().expect("executions running").clone();
    let app = App::default();
    let shown = screen(&app, &model, 160, 48);
    let row = shown
        .lines()
        .find(|l| l.contains(&*e.correlation_id))
        .unwrap();
    assert!(row.contains("    -"), "{row}");
    let mut app = App::default();
    app.screen = Screen::Detail;
    app.detail = Some(e.correlation_id.to_string());
    let shown = screen(&app, &model, 160, 48);
    assert!(
        shown.contains("failure risk withheld: fewer than 50 executions to judge it on"),
        "{shown}"
    );
}
