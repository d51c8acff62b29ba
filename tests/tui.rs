//! The terminal UI through ratatui's real buffer (TestBackend), with a
//! fixed clock and scripted events and keys: snapshots of every screen at
//! 80×24 and 160×48, and the run loop driven end to end.

use std::collections::VecDeque;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use runtop::config::Config;
use runtop::engine::{Engine, EngineConfig, Origin};
use runtop::protocol::{Millis, to_json_line};
use runtop::sim::{DEFAULT_START, Simulator};
use runtop::source::live::{LinkState, SourceStatus};
use runtop::tui::app::{App, Filter, Screen};
use runtop::tui::model::Model;
use runtop::tui::panels::{Theme, draw};
use runtop::tui::run::{Feed, Input, Keys, Loop, run};
use runtop::tui::view::View;

const PLAIN: Theme = Theme::PLAIN;

use runtop::tui::scene::{busy, system};

/// What the screens show of `model`.
fn view(model: &Model) -> View {
    View::capture(model, None)
}

fn screen(app: &App, model: &Model, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    let view = view(model);
    terminal.draw(|f| draw(f, app, &view, PLAIN)).unwrap();
    terminal.backend().to_string()
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

#[test]
fn overview_empty() {
    let model = Model::new(
        Engine::new(EngineConfig::live()),
        &Config::default(),
        "ws://127.0.0.1:7878/events".into(),
    );
    let app = App::default();
    insta::assert_snapshot!("empty_80x24", screen(&app, &model, 80, 24));
    insta::assert_snapshot!("empty_160x48", screen(&app, &model, 160, 48));
}

#[test]
fn overview_busy_with_alerts_firing() {
    let model = busy(1_500);
    assert!(
        model.monitor.alerts.book.firing().len() >= 2,
        "the failures burst fires alerts"
    );
    let app = App::default();
    insta::assert_snapshot!("busy_80x24", screen(&app, &model, 80, 24));
    insta::assert_snapshot!("busy_160x48", screen(&app, &model, 160, 48));
}

#[test]
fn disconnected_and_paused() {
    let mut model = busy(2_000);
    let mut down = SourceStatus::new("ws://runner-2:7878/events".into(), DEFAULT_START);
    down.update(
        &LinkState::Waiting {
            failure: runtop::source::live::Failure::Refused,
            retry_in: Duration::from_secs(2),
        },
        DEFAULT_START,
    );
    model.monitor.sources.push(down);
    // Two executions run on the second runner, the rest on the first.
    let at = model.monitor.engine.now().unwrap();
    for (i, line) in [
        r#"{"type":"execution_started","correlation_id":"r2-exec-1"}"#,
        r#"{"type":"stage_started","correlation_id":"r2-exec-1","stage":"prep"}"#,
        r#"{"type":"execution_started","correlation_id":"r2-exec-2"}"#,
    ]
    .iter()
    .enumerate()
    {
        let line = line.replacen('{', &format!(r#"{{"ts":{},"#, at + i as i64), 1);
        let from_runner_2 = Origin {
            line: None,
            source: Some(1),
        };
        model
            .monitor
            .engine
            .feed(line.as_bytes(), at, from_runner_2);
    }
    let mut app = App::default();
    app.on_key(key(KeyCode::Char('p')), &view(&model));
    // Tall enough for every active execution to have its row.
    let frozen = screen(&app, &model, 160, 48);
    assert!(frozen.lines().next().unwrap().contains("PAUSED"));
    // A runner is down: its executions are stale, not "past target"; the
    // other runner's are not.
    let rows: Vec<&str> = frozen
        .lines()
        .filter(|l| l.contains("│exec_") || l.contains("│r2-exec"))
        .collect();
    for row in &rows {
        assert_eq!(row.contains("r2-exec"), row.contains("stale"), "{frozen}");
    }
    assert!(
        rows.iter().filter(|r| r.contains("stale")).count() == 2,
        "{frozen}"
    );
    assert!(rows.len() > 2, "{frozen}");
    assert!(
        frozen.lines().next().unwrap().contains("● ○"),
        "one source up, one down"
    );
    insta::assert_snapshot!("paused_disconnected_80x24", screen(&app, &model, 80, 24));
    insta::assert_snapshot!("paused_disconnected_160x48", frozen);
}

/// Pause freezes what the screen shows while the model goes on taking
/// events, and the frozen snapshot shares the executions it shows with the
/// store instead of copying the engine.
#[test]
fn pause_freezes_a_shared_snapshot_while_ingest_goes_on() {
    use std::sync::Arc;
    let mut model = busy(1_500);
    let mut app = App::default();
    app.on_key(key(KeyCode::Char('2')), &view(&model));
    let before = screen(&app, &model, 120, 40);
    app.on_key(key(KeyCode::Char('p')), &view(&model));
    let frozen = app.frozen.as_deref().expect("paused");
    // Shared, not copied: each finished execution is the store's own.
    assert!(!frozen.done.is_empty());
    assert!(frozen.done.iter().all(|e| Arc::strong_count(e) >= 2));
    let running = frozen.active[0].clone();
    let received = frozen.input.received;
    // Ingest goes on: the rest of the run, active executions included.
    for e in Simulator::scenario(runtop::sim::Scenario::Failures, 7, DEFAULT_START)
        .skip(1_300)
        .take(700)
    {
        model.monitor.engine.feed(
            to_json_line(&e).as_bytes(),
            DEFAULT_START + 86_400_000,
            Origin::default(),
        );
    }
    let now = model.monitor.engine.now().unwrap();
    model.tick(now, Some(system()));
    assert_eq!(model.monitor.engine.input().received, received + 700);
    // The execution that ran on changed in the store, not in the snapshot.
    let live = model
        .monitor
        .engine
        .executions()
        .get(&running.correlation_id)
        .unwrap();
    assert_ne!(
        live.last_event_at, running.last_event_at,
        "it moved on in the model"
    );
    let frozen = app.frozen.as_deref().unwrap();
    assert_eq!(frozen.active[0].last_event_at, running.last_event_at);
    // The screen stays as it was, but for the PAUSED mark.
    let paused = screen(&app, &model, 120, 40);
    assert!(
        paused.lines().next().unwrap().contains("PAUSED"),
        "{paused}"
    );
    let body = |s: &str| s.lines().skip(1).collect::<Vec<_>>().join("\n");
    assert_eq!(body(&paused), body(&before));
    // Unpaused: the screen shows what came meanwhile.
    app.on_key(key(KeyCode::Char('p')), &view(&model));
    let after = screen(&app, &model, 120, 40);
    assert_ne!(body(&after), body(&before));
}

#[test]
fn drill_down_into_an_execution_and_back() {
    let model = busy(1_500);
    let mut app = App::default();
    app.on_key(key(KeyCode::Char('j')), &view(&model));
    app.on_key(key(KeyCode::Enter), &view(&model));
    assert_eq!(app.screen, Screen::Detail);
    let cid = app.detail.clone().unwrap();
    let shown = screen(&app, &model, 80, 24);
    assert!(shown.contains(&cid) && shown.contains("waterfall"));
    insta::assert_snapshot!("detail_80x24", shown);
    insta::assert_snapshot!("detail_160x48", screen(&app, &model, 160, 48));
    app.on_key(key(KeyCode::Esc), &view(&model));
    assert_eq!(app.screen, Screen::Overview);
}

#[test]
fn an_alert_opens_its_execution_and_a_can_acknowledge() {
    let mut model = busy(1_500);
    let mut app = App::default();
    app.on_key(key(KeyCode::Char('4')), &view(&model));
    assert_eq!(app.screen, Screen::Alerts);
    let before = model
        .monitor
        .alerts
        .book
        .firing()
        .iter()
        .filter(|a| !a.acknowledged)
        .count();
    app.on_key(key(KeyCode::Char('a')), &view(&model));
    app.apply_acknowledge(&view(&model), &mut model);
    let after = model
        .monitor
        .alerts
        .book
        .firing()
        .iter()
        .filter(|a| !a.acknowledged)
        .count();
    assert_eq!(after + 1, before);
    insta::assert_snapshot!("alerts_80x24", screen(&app, &model, 80, 24));
    insta::assert_snapshot!("alerts_160x48", screen(&app, &model, 160, 48));
}

#[test]
fn four_enter_enter_reaches_the_worst_execution_behind_the_top_alert() {
    let model = busy(1_500);
    let mut app = App::default();
    let top = model.monitor.alerts.book.firing()[0].clone();
    assert_eq!(top.severity, runtop::levels::Severity::Critical);
    assert!(
        top.correlation_id.is_none(),
        "a rate or stage alert: {top:?}"
    );
    app.on_key(key(KeyCode::Char('4')), &view(&model));
    app.on_key(key(KeyCode::Enter), &view(&model));
    assert_eq!(app.screen, Screen::Evidence);
    let chosen = app.evidence.clone().expect("an alert's evidence");
    assert_eq!((chosen.rule, &chosen.subject), (top.rule, &top.subject));
    assert_eq!(chosen.resolved_at, None, "it fires");
    let evidence = app.evidence_of(&view(&model));
    assert!(!evidence.rows.is_empty(), "{evidence:?}");
    let shown = screen(&app, &model, 120, 40);
    assert!(shown.contains(&top.summary[..40]), "{shown}");
    assert!(shown.contains(&evidence.rows[0].correlation_id), "{shown}");
    // Every row can be reached, one execution's several attempts too (the
    // scene has one behind this alert twice).
    let mut cids: Vec<&str> = evidence
        .rows
        .iter()
        .map(|r| r.correlation_id.as_str())
        .collect();
    cids.sort_unstable();
    let all = cids.len();
    cids.dedup();
    assert!(cids.len() < all, "an execution twice: {evidence:?}");
    for _ in 1..evidence.rows.len() {
        app.on_key(key(KeyCode::Char('j')), &view(&model));
    }
    let rows = runtop::tui::lists::rows(&app, &view(&model), Screen::Evidence);
    assert_eq!(app.selection(Screen::Evidence).index(&rows), rows.len() - 1);
    app.on_key(key(KeyCode::Char('g')), &view(&model));
    app.on_key(key(KeyCode::Enter), &view(&model));
    assert_eq!(app.screen, Screen::Detail);
    assert_eq!(
        app.detail.as_deref(),
        Some(&*evidence.rows[0].correlation_id)
    );
    // Esc goes back along the way it came.
    app.on_key(key(KeyCode::Esc), &view(&model));
    assert_eq!(app.screen, Screen::Evidence);
    app.on_key(key(KeyCode::Esc), &view(&model));
    assert_eq!(app.screen, Screen::Alerts);
}

/// A resolved alert's evidence is what was behind it when it fired: over
/// its window up to when it resolved, not a window ending now (which held
/// nothing an hour after the burst).
#[test]
fn a_resolved_alert_opens_the_executions_behind_it_then() {
    // The failures scenario with its rules run as events come, past the
    // end of its burst.
    let mut model = busy(0);
    let mut last = DEFAULT_START;
    for e in Simulator::scenario(runtop::sim::Scenario::Failures, 7, DEFAULT_START).take(4_000) {
        last = e.ts;
        let line = to_json_line(&e);
        model
            .monitor
            .engine
            .feed(line.as_bytes(), DEFAULT_START, Origin::default());
        model.monitor.after_events();
    }
    model.tick(last, Some(system()));
    let shown = view(&model);
    let rows = runtop::tui::lists::alert_rows(&shown, runtop::tui::lists::RESOLVED_LISTED);
    let at = rows
        .iter()
        .position(|r| r.key.starts_with("resolved\terror_rate\tstage"))
        .unwrap_or_else(|| {
            panic!(
                "the failure burst's error rate resolved: {:?}",
                rows.iter().map(|r| &r.key).collect::<Vec<_>>()
            )
        });
    let mut app = App::default();
    app.on_key(key(KeyCode::Char('4')), &shown);
    for _ in 0..at {
        app.on_key(key(KeyCode::Char('j')), &shown);
    }
    app.on_key(key(KeyCode::Enter), &shown);
    assert_eq!(app.screen, Screen::Evidence);
    let chosen = app.evidence.clone().unwrap();
    let resolved_at = chosen.resolved_at.expect("a resolved alert");
    assert!(
        shown.clock - resolved_at > 5 * 60_000,
        "resolved over 5 minutes ago"
    );
    let evidence = app.evidence_of(&shown);
    assert!(!evidence.rows.is_empty(), "{evidence:?}");
    assert!(evidence.rows.iter().all(|r| r.at <= resolved_at));
    let text = screen(&app, &model, 120, 40);
    assert!(text.contains("resolved "), "{text}");
    assert!(text.contains(&evidence.rows[0].correlation_id), "{text}");
}

#[test]
fn the_selection_stays_on_its_execution_while_the_list_moves() {
    // Three keys down the Executions list (newest first), then more events
    // arrive: newer executions push the rows down, the selection stays.
    let mut model = busy(600);
    let mut app = App::default();
    app.on_key(key(KeyCode::Char('2')), &view(&model));
    for _ in 0..3 {
        app.on_key(key(KeyCode::Char('j')), &view(&model));
    }
    let chosen = selected_cid(&app, &model);
    let more = busy(1_500);
    model = more;
    assert_ne!(
        runtop::tui::lists::rows(&app, &view(&model), Screen::Executions)
            .iter()
            .position(|r| r.key == chosen),
        Some(3),
        "the list must have moved for this test to mean anything"
    );
    assert_eq!(selected_cid(&app, &model), chosen);
    app.on_key(key(KeyCode::Enter), &view(&model));
    assert_eq!(app.detail.as_deref(), Some(chosen.as_str()));
}

fn selected_cid(app: &App, model: &Model) -> String {
    let rows = runtop::tui::lists::rows(app, &view(model), app.screen);
    app.selection(app.screen).row(&rows).unwrap().key.clone()
}

#[test]
fn help_and_too_small() {
    let model = busy(1_000);
    let mut app = App::default();
    app.on_key(key(KeyCode::Char('?')), &view(&model));
    insta::assert_snapshot!("help_80x24", screen(&app, &model, 80, 24));
    insta::assert_snapshot!("help_160x48", screen(&app, &model, 160, 48));
    app.on_key(key(KeyCode::Char('x')), &view(&model));
    assert!(!app.help, "any key closes the help");
    let small = screen(&app, &model, 60, 20);
    assert!(small.contains("terminal too small: 60×20"), "{small}");
    insta::assert_snapshot!("too_small_60x20", small);
    // Degenerate sizes draw without panicking (a zero-sized buffer has
    // nothing to show, so only drawing is checked).
    for (w, h) in [
        (0, 0),
        (1, 1),
        (80, 1),
        (1, 24),
        (79, 24),
        (80, 23),
        (250, 80),
    ] {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        terminal
            .draw(|f| draw(f, &app, &view(&model), PLAIN))
            .unwrap();
    }
}

/// Keys in order; `None` is a turn with no key, which waits out the
/// loop's timeout as a terminal would (so frames fall due).
struct ScriptedKeys(VecDeque<Option<KeyEvent>>);

impl Keys for ScriptedKeys {
    fn next(&mut self, timeout: Duration) -> std::io::Result<Option<Input>> {
        match self.0.pop_front().flatten() {
            Some(k) => Ok(Some(Input::Key(k))),
            None => {
                std::thread::sleep(timeout);
                Ok(None)
            }
        }
    }
}

/// Feeds the `steady` scenario a hundred events a pump.
struct ScriptedFeed(std::iter::Peekable<Simulator>);

impl Feed for ScriptedFeed {
    fn pump(&mut self, model: &mut Model, _: Duration) -> bool {
        let mut changed = false;
        for e in self.0.by_ref().take(100) {
            model.monitor.engine.feed(
                to_json_line(&e).as_bytes(),
                DEFAULT_START + 86_400_000,
                Origin::default(),
            );
            changed = true;
        }
        changed
    }
    fn now(&self, model: &Model) -> Millis {
        model.monitor.engine.now().unwrap_or(DEFAULT_START)
    }
}

#[test]
fn the_run_loop_handles_keys_first_and_quits() {
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let mut app = App::default();
    let mut model = Model::new(
        Engine::new(EngineConfig::replay()),
        &Config::default(),
        "scripted".into(),
    );
    let mut feed = ScriptedFeed(
        Simulator::new(runtop::sim::RunnerModel::steady(), 1, DEFAULT_START).peekable(),
    );
    // Enter before any data opens nothing; after a few turns of data it
    // opens the first active execution, which is drawn; then quit.
    let idle = |n| std::iter::repeat_n(None, n);
    let script: VecDeque<Option<KeyEvent>> = std::iter::once(Some(key(KeyCode::Enter)))
        .chain(idle(20))
        .chain([
            Some(key(KeyCode::Char('w'))),
            Some(key(KeyCode::Enter)),
            Some(key(KeyCode::Char('y'))),
        ])
        .chain(idle(20))
        .chain([Some(key(KeyCode::Char('q')))])
        .collect();
    let mut keys = ScriptedKeys(script);
    let mut system = || Some(system());
    let mut copied = Vec::new();
    let mut clipboard = |t: &str| copied.push(t.to_string());
    let l = Loop {
        keys: &mut keys,
        feed: &mut feed,
        system: &mut system,
        fps: 1000,
        theme: PLAIN,
        clipboard: &mut clipboard,
        notify: &mut |_| {},
    };
    run(&mut terminal, &mut app, &mut model, l).unwrap();
    assert!(app.quit);
    assert_eq!(
        app.window,
        runtop::engine::Window::OneHour,
        "w moved 5m → 1h"
    );
    assert_eq!(app.screen, Screen::Detail);
    let shown = terminal.backend().to_string();
    assert!(
        shown.contains("waterfall") && shown.contains(app.detail.as_deref().unwrap()),
        "{shown}"
    );
    assert_eq!(
        copied,
        [app.detail.clone().unwrap()],
        "y copied the correlation id"
    );
}

#[test]
fn every_screen_by_number_and_tab() {
    let model = busy(1_500);
    let mut app = App::default();
    for (n, name) in [
        ('2', "executions"),
        ('3', "timings"),
        ('5', "bottlenecks"),
        ('6', "compare"),
        ('7', "nodes"),
        ('8', "rankings"),
    ] {
        app.on_key(key(KeyCode::Char(n)), &view(&model));
        insta::assert_snapshot!(format!("{name}_80x24"), screen(&app, &model, 80, 24));
        insta::assert_snapshot!(format!("{name}_160x48"), screen(&app, &model, 160, 48));
    }
    app.on_key(key(KeyCode::Tab), &view(&model));
    assert_eq!(app.screen, Screen::Overview, "Tab wraps around");
    app.on_key(key(KeyCode::BackTab), &view(&model));
    assert_eq!(app.screen, Screen::Rankings);
}

#[test]
fn the_executions_list_filters_sorts_and_opens() {
    let model = busy(1_500);
    let mut app = App::default();
    app.on_key(key(KeyCode::Char('2')), &view(&model));
    let v = view(&model);
    let all = runtop::tui::app::executions(&app, &v).len();
    for _ in 0..3 {
        app.on_key(key(KeyCode::Char('f')), &view(&model));
    }
    assert_eq!(app.filter, Filter::Failed);
    let failed = runtop::tui::app::executions(&app, &v);
    assert!(!failed.is_empty() && failed.len() < all);
    // Those that failed come first, then those that recovered.
    let ended_failed: Vec<bool> = failed
        .iter()
        .map(|e| e.status.is_some_and(runtop::protocol::Status::is_error))
        .collect();
    assert!(ended_failed[0], "a failed execution first");
    assert!(
        ended_failed.windows(2).all(|w| w[0] || !w[1]),
        "no failed one after a recovered one: {ended_failed:?}"
    );
    assert!(
        failed
            .iter()
            .all(|e| e.status.is_some_and(|s| s.is_error()) || e.errors().next().is_some())
    );
    app.on_key(key(KeyCode::Char('s')), &view(&model));
    let slowest = runtop::tui::app::executions(&app, &v);
    let first = slowest[0].correlation_id.to_string();
    app.on_key(key(KeyCode::Enter), &view(&model));
    assert_eq!(
        (app.screen, app.detail.as_deref()),
        (Screen::Detail, Some(first.as_str()))
    );
    app.on_key(key(KeyCode::Esc), &view(&model));
    assert_eq!(
        app.screen,
        Screen::Executions,
        "Esc returns where you came from"
    );
}

#[test]
fn slash_finds_by_prefix_or_substring_finished_executions_too() {
    let model = busy(1_500);
    let finished = model
        .monitor
        .engine
        .executions()
        .finished()
        .last()
        .unwrap()
        .correlation_id
        .to_string();
    let mut app = App::default();
    app.on_key(key(KeyCode::Char('/')), &view(&model));
    for c in finished.trim_start_matches("exec_").chars() {
        app.on_key(key(KeyCode::Char(c)), &view(&model));
    }
    insta::assert_snapshot!("search_80x24", screen(&app, &model, 80, 24));
    app.on_key(key(KeyCode::Enter), &view(&model));
    assert_eq!(
        (app.screen, app.detail.as_deref()),
        (Screen::Detail, Some(finished.as_str())),
        "substring match"
    );
    app.on_key(key(KeyCode::Char('/')), &view(&model));
    for c in "nope".chars() {
        app.on_key(key(KeyCode::Char(c)), &view(&model));
    }
    app.on_key(key(KeyCode::Enter), &view(&model));
    assert_eq!(app.not_found.as_deref(), Some("nope"));
    assert!(screen(&app, &model, 80, 24).contains("no execution matches \"nope\""));
    // A query several ids hold: the Executions list shows them to pick from,
    // a match count in the footer; Enter opens the one picked; Esc clears.
    app.on_key(key(KeyCode::Esc), &view(&model));
    app.on_key(key(KeyCode::Char('1')), &view(&model));
    app.on_key(key(KeyCode::Char('/')), &view(&model));
    for c in "exec_00001".chars() {
        app.on_key(key(KeyCode::Char(c)), &view(&model));
    }
    assert!(screen(&app, &model, 80, 24).contains("10 matches"));
    app.on_key(key(KeyCode::Enter), &view(&model));
    assert_eq!(app.screen, Screen::Executions);
    let shown = screen(&app, &model, 80, 24);
    assert!(
        shown.contains("10 match \"exec_00001\": pick one"),
        "{shown}"
    );
    assert!(
        shown.contains("exec_000010") && shown.contains("exec_000019"),
        "{shown}"
    );
    assert!(!shown.contains("exec_000020"), "{shown}");
    app.on_key(key(KeyCode::Char('j')), &view(&model));
    app.on_key(key(KeyCode::Enter), &view(&model));
    assert_eq!(app.screen, Screen::Detail);
    assert!(app.detail.as_deref().unwrap().starts_with("exec_00001"));
    app.on_key(key(KeyCode::Esc), &view(&model));
    app.on_key(key(KeyCode::Esc), &view(&model));
    assert!(app.query.is_none(), "Esc clears the candidates");
    app.on_key(key(KeyCode::Esc), &view(&model));
    assert_eq!(app.screen, Screen::Overview);
    // Esc cancels a search without leaving the screen.
    app.on_key(key(KeyCode::Char('/')), &view(&model));
    app.on_key(key(KeyCode::Esc), &view(&model));
    assert!(app.search.is_none());
    assert_eq!(app.screen, Screen::Overview);
}

#[test]
fn a_replay_reads_to_the_end_and_says_so() {
    use runtop::tui::feed::ReplayFeed;
    let file = std::fs::read("assets/sample.ndjson").unwrap();
    let reader: Box<dyn std::io::BufRead + Send> = Box::new(std::io::Cursor::new(file));
    let mut feed = ReplayFeed::new(reader, 0.0, 1 << 20);
    let mut model = Model::new(
        Engine::new(EngineConfig::replay()),
        &Config::default(),
        "replay assets/sample.ndjson ×0".into(),
    );
    for _ in 0..1_000 {
        feed.pump(&mut model, Duration::from_millis(50));
        if model.finished {
            break;
        }
    }
    assert!(model.finished);
    assert_eq!(model.monitor.engine.input().accepted, 3_000);
    let now = feed.now(&model);
    model.tick(now, None);
    let shown = screen(&App::default(), &model, 80, 24);
    assert!(
        shown.lines().next().unwrap().contains("(replay finished)"),
        "{shown}"
    );
}

#[test]
fn key_bindings_from_the_config_add_keys() {
    let model = busy(1_000);
    let keys = std::collections::BTreeMap::from([
        ("quit".to_string(), "x".to_string()),
        ("next_screen".to_string(), "n".to_string()),
    ]);
    let mut app = App::default();
    app.keymap = runtop::tui::keys::KeyMap::from_config(&keys).unwrap();
    app.on_key(key(KeyCode::Char('n')), &view(&model));
    assert_eq!(app.screen, Screen::Executions);
    app.on_key(key(KeyCode::Char('x')), &view(&model));
    assert!(app.quit);
}

#[test]
fn a_tick_hands_its_alert_transitions_to_the_loop() {
    // The scene's single tick fired its alerts: the loop sends these on to
    // --alert-log and --alert-webhook.
    let model = busy(1_500);
    assert!(
        model
            .transitions
            .iter()
            .any(|t| t.to == runtop::alerts::State::Firing),
        "{:?}",
        model.transitions
    );
}

#[test]
fn failures_trends_and_baseline_regressions_show_on_the_bottlenecks_screen() {
    use runtop::analytics::baseline::{Baseline, samples};
    let mut model = busy(1_500);
    // A baseline taken from the same history, with implement twice as fast.
    let mut baseline =
        Baseline::from_samples(&samples(&model.monitor.engine), "test", DEFAULT_START, 20);
    let implement = baseline.stages.get_mut("implement").unwrap();
    for v in [
        &mut implement.p50,
        &mut implement.p50_low,
        &mut implement.p50_high,
        &mut implement.p95,
        &mut implement.p95_low,
        &mut implement.p95_high,
    ] {
        *v /= 2.0;
    }
    model
        .monitor
        .set_baseline(Some(("baseline.json".into(), baseline)));
    let now = model.monitor.engine.now().unwrap();
    model.tick(now + 10_000, None);
    assert!(
        !model.monitor.analyses.failures.is_empty() && !model.monitor.analyses.trends.is_empty()
    );
    assert!(
        model
            .monitor
            .changes
            .iter()
            .any(|c| c.subject == "stage implement" && c.kind == "regression"),
        "{:?}",
        model.monitor.changes
    );
    let mut app = App::default();
    app.on_key(key(KeyCode::Char('5')), &view(&model));
    let shown = screen(&app, &model, 160, 48);
    assert!(
        shown.contains("failures") && shown.contains("trends · baseline"),
        "{shown}"
    );
    assert!(shown.contains("regression stage implement"), "{shown}");
    insta::assert_snapshot!("bottlenecks_with_baseline_160x48", shown);
}

/// Keeping panels from frame to frame must never show anything a fresh
/// draw would not: through events, ticks, an acknowledgement, a resize, a
/// pause and NO_COLOR, the screen drawn keeping panels equals the screen
/// drawn from scratch.
#[test]
fn kept_panels_always_equal_a_fresh_draw() {
    use ratatui::layout::Rect;
    use runtop::tui::panels::draw_keeping;
    use runtop::tui::panels::retained::Retained;

    let mut model = busy(3_000);
    let mut app = App::default();
    let mut retained = Retained::default();
    let mut kept = Terminal::new(TestBackend::new(160, 48)).unwrap();
    let mut events = Simulator::scenario(runtop::sim::Scenario::Failures, 7, DEFAULT_START)
        .skip(3_000)
        .peekable();
    let mut compared = 0;
    let mut shown = view(&model);
    for step in 0..12 {
        // Events, as between two ticks.
        for e in events.by_ref().take(150) {
            model.monitor.engine.feed(
                to_json_line(&e).as_bytes(),
                DEFAULT_START + 86_400_000,
                Origin::default(),
            );
        }
        let now = model.monitor.engine.now().unwrap_or(DEFAULT_START);
        match step {
            3 | 7 => {
                model.tick(now, Some(system()));
            }
            5 => {
                // Acknowledged on the Alerts screen, seen on the overview.
                app.on_key(key(KeyCode::Char('4')), &view(&model));
                app.on_key(key(KeyCode::Char('a')), &view(&model));
                app.apply_acknowledge(&view(&model), &mut model);
                app.on_key(key(KeyCode::Char('1')), &view(&model));
            }
            6 => {
                let (w, h) = (120, 40);
                kept.backend_mut().resize(w, h);
                kept.resize(Rect::new(0, 0, w, h)).unwrap();
            }
            8 => app.on_key(key(KeyCode::Char('p')), &view(&model)),
            10 => app.on_key(key(KeyCode::Char('p')), &view(&model)),
            _ => {}
        }
        // As the loop does: a new snapshot sharing what did not change.
        shown = View::capture(&model, Some(&shown));
        // Twice a step: the second frame copies what it can.
        let theme = if step == 9 { PLAIN } else { Theme::COLOUR };
        for _ in 0..2 {
            kept.draw(|f| draw_keeping(f, &app, &shown, theme, &mut retained))
                .unwrap();
            let area = kept.backend().buffer().area;
            let mut fresh = Terminal::new(TestBackend::new(area.width, area.height)).unwrap();
            fresh.draw(|f| draw(f, &app, &view(&model), theme)).unwrap();
            assert_eq!(
                kept.backend().buffer(),
                fresh.backend().buffer(),
                "step {step}"
            );
            compared += 1;
        }
    }
    assert_eq!(compared, 24);
}

#[test]
fn long_ids_stay_distinguishable_at_80_columns() {
    let mut model = Model::new(
        Engine::new(EngineConfig::live()),
        &Config::default(),
        "ws://127.0.0.1:7878/events".into(),
    );
    let now = DEFAULT_START;
    for attempt in 1..=3 {
        let cid = format!("ci/acme-corp/monorepo/pull-4711/run-42-attempt-{attempt}");
        let line = format!(
            r#"{{"type":"stage_started","ts":{},"correlation_id":"{cid}","stage":"implement"}}"#,
            now + attempt
        );
        model
            .monitor
            .engine
            .feed(line.as_bytes(), now + attempt, Origin::default());
    }
    let mut app = App::default();
    for screen_key in ['1', '2'] {
        app.on_key(key(KeyCode::Char(screen_key)), &view(&model));
        let shown = screen(&app, &model, 80, 24);
        // Cut in the middle: the ends that tell them apart are kept (cut
        // from the end, all three read `ci/acme-corp/`).
        for attempt in 1..=3 {
            assert!(
                shown.contains('…') && shown.contains(&format!("tempt-{attempt} ")),
                "screen {screen_key}: {shown}"
            );
        }
    }
    // The full id in Detail.
    app.on_key(key(KeyCode::Enter), &view(&model));
    let shown = screen(&app, &model, 80, 24);
    assert!(
        shown.contains("ci/acme-corp/monorepo/pull-4711/run-42-attempt-"),
        "{shown}"
    );
}

#[test]
fn the_selection_never_hides_text_and_borders_use_the_terminals_colour() {
    use ratatui::style::{Color, Modifier};
    let model = busy(1_500);
    let mut app = App::default();
    app.on_key(key(KeyCode::Char('2')), &view(&model));
    app.on_key(key(KeyCode::Char('j')), &view(&model));
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let colour = Theme::COLOUR;
    terminal
        .draw(|f| draw(f, &app, &view(&model), colour))
        .unwrap();
    let buffer = terminal.backend().buffer().clone();
    let text = |y: u16| -> String {
        (0..120)
            .map(|x| buffer[(x, y)].symbol().to_string())
            .collect()
    };
    let chosen = {
        let rows = runtop::tui::lists::rows(&app, &view(&model), Screen::Executions);
        app.selection(Screen::Executions)
            .row(&rows)
            .unwrap()
            .key
            .clone()
    };
    let y = (0..40)
        .find(|&y| text(y).contains(&chosen))
        .expect("the selected row is drawn");
    for x in 1..119 {
        let cell = &buffer[(x, y)];
        assert!(
            cell.modifier.contains(Modifier::REVERSED),
            "({x},{y}) {:?} in {:?}",
            cell.symbol(),
            text(y)
        );
    }
    // No text drawn in the colour of its own background, anywhere.
    for y in 0..40 {
        for x in 0..120 {
            let cell = &buffer[(x, y)];
            assert!(
                cell.fg == Color::Reset || cell.fg != cell.bg,
                "({x},{y}) {:?} fg {:?} on bg {:?}",
                cell.symbol(),
                cell.fg,
                cell.bg
            );
        }
    }
    // Borders in the terminal's own foreground (dark grey vanished on light
    // themes).
    let corner = &buffer[(0, 2)];
    assert_eq!(corner.symbol(), "┌", "{:?}", text(2));
    assert_eq!(corner.fg, Color::Reset);
}

#[test]
fn help_shows_the_keys_the_config_added() {
    let model = busy(600);
    let mut app = App::default();
    app.keymap = runtop::tui::keys::KeyMap::from_config(&std::collections::BTreeMap::from([
        ("quit".to_string(), "x".to_string()),
        ("open".to_string(), "space".to_string()),
    ]))
    .unwrap();
    app.on_key(key(KeyCode::Char('?')), &view(&model));
    let shown = screen(&app, &model, 80, 24);
    assert!(shown.contains("q x  quit"), "{shown}");
    assert!(shown.contains("⏎ space  open"), "{shown}");
    // And the added key does what the help says.
    app.on_key(key(KeyCode::Char('z')), &view(&model));
    app.on_key(key(KeyCode::Char('x')), &view(&model));
    assert!(app.quit);
}

#[test]
fn detail_shows_an_executions_runner_time_and_what_failures_threw_away() {
    let model = busy(1_500);
    let v = view(&model);
    let e = v
        .executions()
        .find(|e| e.runner_time().failed_ms > 0.0)
        .expect("the busy scene has a failed attempt");
    let t = e.runner_time();
    let mut app = App::default();
    app.screen = Screen::Detail;
    app.detail = Some(e.correlation_id.to_string());
    let shown = screen(&app, &model, 160, 48);
    let line = shown
        .lines()
        .find(|l| l.contains("runner time"))
        .unwrap_or_else(|| panic!("{shown}"));
    let busy = runtop::units::human_ms(t.busy_ms);
    let failed = runtop::units::human_ms(t.failed_ms);
    assert!(
        line.contains(&format!("runner time {busy} over {}", t.attempts)),
        "{line}"
    );
    assert!(
        line.contains(&format!("{failed} thrown away by failures")),
        "{line}"
    );
    assert!(!line.contains("cost"), "unpriced: {line}");
}

/// The KPI strip colours each figure by its target: the failures burst's
/// task startup over 5 s in the warning colour, coordination well under
/// its share in the ok colour; and it gives way to the active list at 24
/// rows.
#[test]
fn the_kpi_strip_colours_each_figure_by_its_target() {
    let model = busy(1_500);
    let shown = view(&model);
    let k = &shown.ticked.analyses.kpis;
    let startup = k.startup.as_ref().expect("enough tasks for a startup p95");
    assert!(startup.p95_ms > k.targets.startup_ms, "{startup:?}");
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
    terminal
        .draw(|f| draw(f, &App::default(), &shown, Theme::COLOUR))
        .unwrap();
    let buffer = terminal.backend().buffer().clone();
    let line = |y: u16| -> String { (0..160).map(|x| buffer[(x, y)].symbol()).collect() };
    let y = (0..48)
        .find(|&y| line(y).starts_with("KPIs "))
        .expect("a KPI strip at 160×48");
    let row = line(y);
    let colour_after = |label: &str| {
        let at = row
            .find(label)
            .unwrap_or_else(|| panic!("{label} in {row}"));
        let x = row[..at + label.len()].chars().count() as u16;
        buffer[(x, y)].fg
    };
    let palette = runtop::tui::panels::Palette::DEFAULT;
    assert_eq!(colour_after("startup p95 "), palette.warning, "{row}");
    assert_eq!(colour_after("coordination "), palette.ok, "{row}");
    let small = screen(&App::default(), &model, 80, 24);
    assert!(!small.contains("KPIs"), "{small}");
}

#[test]
fn rankings_sort_by_the_key_keep_the_selected_row_and_mark_the_column() {
    use ratatui::style::Modifier;
    use runtop::analytics::rankings::{RankBy, RankOf};
    let model = busy(1_500);
    let mut app = App::default();
    app.on_key(key(KeyCode::Char('8')), &view(&model));
    assert_eq!(app.screen, Screen::Rankings);
    app.on_key(key(KeyCode::Char('t')), &view(&model));
    assert_eq!(app.rank_of, RankOf::Tasks);
    let names = |app: &App| -> Vec<String> {
        runtop::tui::lists::rows(app, &view(&model), Screen::Rankings)
            .into_iter()
            .map(|r| r.key)
            .collect()
    };
    let by_p95 = names(&app);
    assert!(by_p95.len() >= 3, "{by_p95:?}");
    // The rows are in the order of their p95, largest first.
    let v = view(&model);
    let p95: Vec<f64> = runtop::tui::lists::ranked(&app, &v)
        .iter()
        .filter_map(|r| r.p95_ms)
        .collect();
    assert!(p95.windows(2).all(|w| w[0] >= w[1]), "{p95:?}");
    // Select the last row, sort by runner time: the selection stays on it.
    app.on_key(key(KeyCode::Char('G')), &view(&model));
    let chosen = by_p95.last().unwrap().clone();
    app.on_key(key(KeyCode::Char('s')), &view(&model));
    app.on_key(key(KeyCode::Char('s')), &view(&model));
    app.on_key(key(KeyCode::Char('s')), &view(&model));
    assert_eq!(app.rank_by, RankBy::Cost);
    let rows = runtop::tui::lists::rows(&app, &view(&model), Screen::Rankings);
    assert_eq!(
        app.selection(Screen::Rankings).row(&rows).unwrap().key,
        chosen
    );
    let cost: Vec<f64> = runtop::tui::lists::ranked(&app, &v)
        .iter()
        .map(|r| r.runner_ms)
        .collect();
    assert!(cost.windows(2).all(|w| w[0] >= w[1]), "{cost:?}");
    // The column it is sorted by is marked, in the selected style.
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    terminal
        .draw(|f| draw(f, &app, &view(&model), Theme::COLOUR))
        .unwrap();
    let buffer = terminal.backend().buffer().clone();
    let (x, y) = (0..40u16)
        .flat_map(|y| (0..107u16).map(move |x| (x, y)))
        .find(|&(x, y)| {
            (0..13)
                .map(|i| buffer[(x + i, y)].symbol())
                .collect::<String>()
                == "runner time ▼"
        })
        .expect("the sorted column is marked");
    assert!(buffer[(x, y)].modifier.contains(Modifier::REVERSED));
}
