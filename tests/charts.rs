//! The charts through ratatui's real buffer: each chart's panel at 80×24
//! and 160×48 in colour, styles included (a grid of style letters under the
//! text, with their legend), the same charts under NO_COLOR keeping their
//! series apart by shape, what they say with too little data, and the
//! monitor's history staying bounded whatever the stream.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;
use runtop::config::Config;
use runtop::engine::{Engine, EngineConfig, Window};
use runtop::monitor::history::{POINTS, SPAN_MS};
use runtop::sim::{DEFAULT_START, Scenario, Simulator};
use runtop::tui::app::App;
use runtop::tui::model::Model;
use runtop::tui::panels::{Theme, draw};
use runtop::tui::scene::{busy, replay_into};
use runtop::tui::view::View;

fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

/// The whole screen after `keys`, drawn with `theme`.
fn drawn(model: &Model, keys: &str, width: u16, height: u16, theme: Theme) -> Buffer {
    let view = View::capture(model, None);
    let mut app = App::default();
    for c in keys.chars() {
        app.on_key(key(c), &view);
    }
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| draw(f, &app, &view, theme)).unwrap();
    terminal.backend().buffer().clone()
}

fn row_text(buffer: &Buffer, y: u16, from: u16, to: u16) -> String {
    (from..to).map(|x| buffer[(x, y)].symbol()).collect()
}

/// The block whose title starts with `title`: from its `┌` to its `┘`.
fn panel(buffer: &Buffer, title: &str) -> Rect {
    let area = buffer.area;
    for y in 0..area.height {
        let line = row_text(buffer, y, 0, area.width);
        let Some(at) = line.find(&format!("┌ {title}")) else {
            continue;
        };
        let x = line[..at].chars().count() as u16;
        let right = (x + 1..area.width)
            .find(|&r| buffer[(r, y)].symbol() == "┐")
            .expect("the block's right corner");
        let bottom = (y + 1..area.height)
            .find(|&b| buffer[(x, b)].symbol() == "└")
            .expect("the block's bottom corner");
        return Rect::new(x, y, right - x + 1, bottom - y + 1);
    }
    panic!("no panel titled {title:?} in\n{}", text(buffer, area));
}

fn text(buffer: &Buffer, area: Rect) -> String {
    (area.top()..area.bottom())
        .map(|y| row_text(buffer, y, area.left(), area.right()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `area`'s words inside its borders, as one line (wrapping undone).
fn words(buffer: &Buffer, area: Rect) -> String {
    let inner = Rect::new(area.x + 1, area.y + 1, area.width - 2, area.height - 2);
    text(buffer, inner)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// `area`'s text, then a grid of one letter per cell naming its style
/// (blank: the terminal's own), then what each letter stands for.
fn styled(buffer: &Buffer, area: Rect) -> String {
    let mut styles: BTreeMap<String, char> = BTreeMap::new();
    let mut grid = String::new();
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            let cell = &buffer[(x, y)];
            let mut name = String::new();
            if cell.fg != Color::Reset {
                let _ = write!(name, "fg {:?} ", cell.fg);
            }
            if cell.bg != Color::Reset {
                let _ = write!(name, "bg {:?} ", cell.bg);
            }
            if !cell.modifier.is_empty() {
                let _ = write!(name, "{:?}", cell.modifier);
            }
            let letter = if name.is_empty() {
                ' '
            } else {
                let next = (b'a' + styles.len() as u8) as char;
                *styles.entry(name).or_insert(next)
            };
            grid.push(letter);
        }
        grid.push('\n');
    }
    let mut legend: Vec<(char, String)> = styles.into_iter().map(|(n, l)| (l, n)).collect();
    legend.sort();
    let legend: String = legend
        .iter()
        .map(|(l, n)| format!("{l}: {}\n", n.trim()))
        .collect();
    format!(
        "{}\n--- styles ---\n{grid}--- legend ---\n{legend}",
        text(buffer, area)
    )
}

/// Each chart's panel, by its screen's keys and its title.
const CHARTS: [(&str, &str, &str); 5] = [
    ("trends", "", "runners"),
    ("stage_chart", "3", "prep p50 and p95"),
    ("histogram", "3", "prep durations"),
    ("compare", "6", "compare A/B"),
    ("nodes", "7", "node load"),
];

#[test]
fn every_chart_in_colour_at_both_sizes() {
    let model = busy(1_300);
    for (name, keys, title) in CHARTS {
        for (w, h) in [(80, 24), (160, 48)] {
            let buffer = drawn(&model, keys, w, h, Theme::COLOUR);
            let area = panel(&buffer, title);
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), styled(&buffer, area));
        }
    }
}

/// Cells of `area` whose symbol is one of `glyphs`.
fn count(buffer: &Buffer, area: Rect, glyphs: impl Fn(char) -> bool) -> usize {
    (area.top()..area.bottom())
        .flat_map(|y| (area.left()..area.right()).map(move |x| (x, y)))
        .filter(|&p| buffer[p].symbol().chars().next().is_some_and(&glyphs))
        .count()
}

#[test]
fn without_colour_the_series_stay_apart_by_shape() {
    let model = busy(1_300);
    // `w` twice: the last hour, where the whole run is.
    let buffer = drawn(&model, "3ww", 160, 48, Theme::PLAIN);
    let area = panel(&buffer, "prep p50 and p95");
    let colours = (area.top()..area.bottom())
        .flat_map(|y| (area.left()..area.right()).map(move |x| (x, y)))
        .filter(|&p| buffer[p].fg != Color::Reset || buffer[p].bg != Color::Reset)
        .count();
    assert_eq!(colours, 0, "no colour at all");
    let braille = |c: char| ('\u{2801}'..='\u{28FF}').contains(&c);
    // The p95 (Braille line), the p50 (dots), the target (a solid bar).
    assert!(
        count(&buffer, area, braille) > 20,
        "{}",
        text(&buffer, area)
    );
    assert!(count(&buffer, area, |c| c == '•') > 20);
    assert!(count(&buffer, area, |c| c == '▀' || c == '▄') > 40);
    // The key names each by the same glyph.
    let shown = text(&buffer, area);
    for key in ["⣀ p95", "• p50", "▀ target 2.00s", "⠂ 75% 1.50s"] {
        assert!(shown.contains(key), "{key:?} in\n{shown}");
    }
    // The histogram names p50, p95 and where the target is in words.
    let histogram = text(&buffer, panel(&buffer, "prep durations"));
    for word in ["p50", "p95", "target 2.00s"] {
        assert!(histogram.contains(word), "{word:?} in\n{histogram}");
    }
    // Box plots: A and B rows, the median, the shift's interval and
    // estimate, A's median as reference.
    let buffer = drawn(&model, "6", 160, 48, Theme::PLAIN);
    let compare = text(&buffer, panel(&buffer, "compare A/B"));
    for mark in ["├", "┤", "┃", "●", "┆", "shift B−A"] {
        assert!(compare.contains(mark), "{mark:?} in\n{compare}");
    }
    assert!(
        !compare.contains("more below"),
        "four comparisons fit 160×48"
    );
}

#[test]
fn j_moves_the_charts_to_the_next_stage() {
    let model = busy(1_300);
    let buffer = drawn(&model, "3j", 160, 48, Theme::PLAIN);
    panel(&buffer, "implement p50 and p95");
    panel(&buffer, "implement durations");
    let buffer = drawn(&model, "3jjjjjk", 160, 48, Theme::PLAIN);
    panel(&buffer, "implement p50 and p95");
}

#[test]
fn too_little_data_is_said_plainly() {
    // Twenty events in: a prep or two has finished.
    let model = busy(20);
    let buffer = drawn(&model, "3", 80, 24, Theme::PLAIN);
    let chart = words(&buffer, panel(&buffer, "prep p50 and p95"));
    assert!(chart.contains("too little data for a line"), "{chart}");
    let histogram = words(&buffer, panel(&buffer, "prep durations"));
    let finished = model
        .monitor
        .engine
        .stage("prep")
        .unwrap()
        .durations
        .snapshot(Window::FiveMinutes)
        .count;
    assert!((1..5).contains(&finished));
    assert!(
        histogram.contains(&format!(
            "too little data for a histogram: {finished} finished attempts, last 5m"
        )),
        "{histogram}"
    );
    let empty = Model::new(
        Engine::new(EngineConfig::live()),
        &Config::default(),
        "t".into(),
    );
    let buffer = drawn(&empty, "", 80, 24, Theme::PLAIN);
    let trends = words(&buffer, panel(&buffer, "runners"));
    assert!(
        trends.contains("too little data for trends yet: 0 points"),
        "{trends}"
    );
    let buffer = drawn(&model, "6", 80, 24, Theme::PLAIN);
    assert!(text(&buffer, buffer.area).contains("nothing to compare yet"));
}

#[test]
fn the_history_stays_an_hour_at_ten_seconds_whatever_the_stream() {
    // Two and a half hours of the steady scenario, as a replay reads it.
    let mut model = Model::new(
        Engine::new(EngineConfig::replay()),
        &Config::default(),
        "t".into(),
    );
    let end = DEFAULT_START + 9_000_000;
    replay_into(
        &mut model,
        Simulator::scenario(Scenario::Steady, 3, DEFAULT_START).take_while(|e| e.ts < end),
    );
    model.monitor.finish();
    let history = model.monitor.history.as_deref().expect("the TUI keeps one");
    let newest = history.runners.back().unwrap().at;
    assert_eq!(history.runners.len(), POINTS);
    assert!(history.runners.front().unwrap().at > newest - SPAN_MS);
    for series in history.stages.values() {
        assert!(series.len() <= POINTS);
        assert!(series.iter().all(|p| p.at > newest - SPAN_MS));
        assert!(
            series
                .iter()
                .zip(series.iter().skip(1))
                .all(|(a, b)| b.at - a.at >= 10_000)
        );
    }
    for series in history.nodes.values() {
        assert!(series.len() <= POINTS);
    }
    // Every figure a histogram draws is a value of the window it names.
    for (name, stats) in model.monitor.engine.stages() {
        for window in Window::ALL {
            let snapshot = stats.durations.snapshot(window);
            let shape = history.shape_of(name, window);
            assert_eq!(
                shape.map_or(0, |s| s.buckets.counts.iter().sum::<u64>()),
                snapshot.count,
                "{name} {window:?}"
            );
            if let Some(s) = shape {
                assert_eq!((s.p50, s.p95), (snapshot.p50, snapshot.p95));
            }
        }
    }
    // A report monitor keeps none.
    let report =
        runtop::monitor::Monitor::new(Engine::new(EngineConfig::replay()), &Config::default());
    assert!(report.history.is_none());
}
