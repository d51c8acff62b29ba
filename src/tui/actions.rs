//! Every key the UI answers to, in one table: what a key does
//! ([`App::on_key`](super::app::App::on_key)), the footer's hints and the
//! help overlay all read [`BINDINGS`], so they cannot disagree; `[keys]` in
//! the config adds keys to these actions by their names.

use crossterm::event::KeyCode;

use super::app::Screen;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    Help,
    Search,
    Down,
    Up,
    PageDown,
    PageUp,
    Top,
    Bottom,
    Open,
    Back,
    NextScreen,
    PreviousScreen,
    /// A screen by its number (the key's digit).
    Screen,
    Window,
    Filter,
    Sort,
    /// What the Rankings screen ranks.
    Table,
    Pause,
    Acknowledge,
    Copy,
}

/// One action: its name in `[keys]`, its default keys, how they are shown,
/// what it does, and where.
pub struct Binding {
    pub action: Action,
    pub name: &'static str,
    pub keys: &'static [KeyCode],
    pub shown: &'static str,
    pub what: &'static str,
    /// The word the footer shows for it on a screen, if it earns a place.
    pub footer: fn(Screen) -> Option<&'static str>,
    pub on: fn(Screen) -> bool,
}

fn everywhere(_: Screen) -> bool {
    true
}

fn lists(screen: Screen) -> bool {
    matches!(
        screen,
        Screen::Overview
            | Screen::Executions
            | Screen::Timings
            | Screen::Compare
            | Screen::Alerts
            | Screen::Bottlenecks
            | Screen::Evidence
            | Screen::Rankings
    )
}

/// The lists whose rows open something (an execution, an alert's
/// evidence): not the Timings and Compare selections, which only choose
/// what their charts show.
fn openable(screen: Screen) -> bool {
    lists(screen) && !matches!(screen, Screen::Timings | Screen::Compare | Screen::Rankings)
}

fn not_detail(screen: Screen) -> bool {
    screen != Screen::Detail
}

fn never(_: Screen) -> Option<&'static str> {
    None
}

const DIGITS: [KeyCode; 8] = [
    KeyCode::Char('1'),
    KeyCode::Char('2'),
    KeyCode::Char('3'),
    KeyCode::Char('4'),
    KeyCode::Char('5'),
    KeyCode::Char('6'),
    KeyCode::Char('7'),
    KeyCode::Char('8'),
];

pub const BINDINGS: [Binding; 21] = [
    Binding {
        action: Action::Quit,
        name: "quit",
        keys: &[KeyCode::Char('q')],
        shown: "q",
        what: "quit (Ctrl-C too)",
        footer: |_| Some("quit"),
        on: everywhere,
    },
    Binding {
        action: Action::Help,
        name: "help",
        keys: &[KeyCode::Char('?')],
        shown: "?",
        what: "this help (any key closes it)",
        footer: |_| Some("help"),
        on: everywhere,
    },
    Binding {
        action: Action::NextScreen,
        name: "next_screen",
        keys: &[KeyCode::Tab],
        shown: "Tab",
        what: "next screen",
        footer: |s| (!matches!(s, Screen::Detail | Screen::Evidence)).then_some("screen"),
        on: everywhere,
    },
    Binding {
        action: Action::PreviousScreen,
        name: "previous_screen",
        keys: &[KeyCode::BackTab],
        shown: "S-Tab",
        what: "previous screen",
        footer: never,
        on: everywhere,
    },
    Binding {
        action: Action::Screen,
        name: "screen",
        keys: &DIGITS,
        shown: "1-8",
        what: "a screen by its number",
        footer: never,
        on: everywhere,
    },
    Binding {
        action: Action::Back,
        name: "back",
        keys: &[KeyCode::Esc],
        shown: "Esc",
        what: "back (or clear a search's candidates)",
        footer: |s| matches!(s, Screen::Detail | Screen::Evidence).then_some("back"),
        on: everywhere,
    },
    Binding {
        action: Action::Down,
        name: "down",
        keys: &[KeyCode::Char('j'), KeyCode::Down],
        shown: "j ↓",
        what: "move the selection down",
        footer: |s| {
            matches!(s, Screen::Overview | Screen::Evidence)
                .then_some("move")
                .or((s == Screen::Timings).then_some("stage"))
                .or((s == Screen::Compare).then_some("comparison"))
        },
        on: lists,
    },
    Binding {
        action: Action::Up,
        name: "up",
        keys: &[KeyCode::Char('k'), KeyCode::Up],
        shown: "k ↑",
        what: "move the selection up",
        footer: never,
        on: lists,
    },
    Binding {
        action: Action::PageDown,
        name: "page_down",
        keys: &[KeyCode::PageDown],
        shown: "PgDn",
        what: "move down by ten",
        footer: never,
        on: lists,
    },
    Binding {
        action: Action::PageUp,
        name: "page_up",
        keys: &[KeyCode::PageUp],
        shown: "PgUp",
        what: "move up by ten",
        footer: never,
        on: lists,
    },
    Binding {
        action: Action::Top,
        name: "top",
        keys: &[KeyCode::Char('g'), KeyCode::Home],
        shown: "g Home",
        what: "first row",
        footer: never,
        on: lists,
    },
    Binding {
        action: Action::Bottom,
        name: "bottom",
        keys: &[KeyCode::Char('G'), KeyCode::End],
        shown: "G End",
        what: "last row",
        footer: never,
        on: lists,
    },
    Binding {
        action: Action::Open,
        name: "open",
        keys: &[KeyCode::Enter],
        shown: "⏎",
        what: "open: an execution's waterfall, an alert's evidence",
        footer: |s| match s {
            Screen::Alerts => Some("evidence"),
            Screen::Bottlenecks => Some("example"),
            Screen::Overview | Screen::Executions | Screen::Evidence => Some("detail"),
            _ => None,
        },
        on: openable,
    },
    Binding {
        action: Action::Search,
        name: "search",
        keys: &[KeyCode::Char('/')],
        shown: "/",
        what: "find by correlation id (the list narrows as you type)",
        footer: |s| (s != Screen::Evidence).then_some("find"),
        on: everywhere,
    },
    Binding {
        action: Action::Filter,
        name: "filter",
        keys: &[KeyCode::Char('f')],
        shown: "f",
        what: "filter: all, active, finished, failed",
        footer: |_| Some("filter"),
        on: |s| s == Screen::Executions,
    },
    Binding {
        action: Action::Sort,
        name: "sort",
        keys: &[KeyCode::Char('s')],
        shown: "s",
        what: "sort: executions recent, slowest, status; rankings p95, failed, retried, cost, path",
        footer: |_| Some("sort"),
        on: |s| matches!(s, Screen::Executions | Screen::Rankings),
    },
    Binding {
        action: Action::Table,
        name: "table",
        keys: &[KeyCode::Char('t')],
        shown: "t",
        what: "rank stages, tasks, projects or nodes",
        footer: |_| Some("table"),
        on: |s| s == Screen::Rankings,
    },
    Binding {
        action: Action::Acknowledge,
        name: "acknowledge",
        keys: &[KeyCode::Char('a')],
        shown: "a",
        what: "acknowledge the alert (quiet until it resolves)",
        footer: |_| Some("acknowledge"),
        on: |s| s == Screen::Alerts,
    },
    Binding {
        action: Action::Copy,
        name: "copy",
        keys: &[KeyCode::Char('y')],
        shown: "y",
        what: "copy the correlation id (OSC 52, over SSH too)",
        footer: |s| matches!(s, Screen::Executions | Screen::Detail).then_some("copy"),
        on: |s| openable(s) || s == Screen::Detail,
    },
    Binding {
        action: Action::Window,
        name: "window",
        keys: &[KeyCode::Char('w')],
        shown: "w",
        what: "timings window: 1m, 5m, 1h, all",
        footer: |s| matches!(s, Screen::Overview | Screen::Timings).then_some("window"),
        on: not_detail,
    },
    Binding {
        action: Action::Pause,
        name: "pause",
        keys: &[KeyCode::Char('p')],
        shown: "p",
        what: "pause the display (ingest goes on)",
        footer: |s| {
            matches!(
                s,
                Screen::Overview
                    | Screen::Timings
                    | Screen::Compare
                    | Screen::Nodes
                    | Screen::Detail
            )
            .then_some("pause")
        },
        on: everywhere,
    },
];

/// The action `code` stands for on `screen`, if any.
pub fn action_for(code: KeyCode, screen: Screen) -> Option<Action> {
    BINDINGS
        .iter()
        .find(|b| b.keys.contains(&code) && (b.on)(screen))
        .map(|b| b.action)
}

/// The footer's hints on `screen`: (keys, word), in the table's order.
pub fn footer(screen: Screen) -> Vec<(&'static str, &'static str)> {
    BINDINGS
        .iter()
        .filter(|b| (b.on)(screen))
        .filter_map(|b| (b.footer)(screen).map(|word| (b.shown, word)))
        .collect()
}

/// Every binding that applies on `screen`.
pub fn on(screen: Screen) -> impl Iterator<Item = &'static Binding> {
    BINDINGS.iter().filter(move |b| (b.on)(screen))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_means_one_thing_per_screen_and_names_are_unique() {
        for screen in Screen::TABS
            .iter()
            .chain(&[Screen::Detail, Screen::Evidence])
        {
            let mut seen = Vec::new();
            for b in on(*screen) {
                for k in b.keys {
                    assert!(!seen.contains(k), "{k:?} twice on {screen:?}");
                    seen.push(*k);
                }
            }
        }
        let mut names: Vec<_> = BINDINGS.iter().map(|b| b.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), BINDINGS.len());
    }

    #[test]
    fn every_footer_hint_is_a_key_that_works_there() {
        for screen in Screen::TABS
            .iter()
            .chain(&[Screen::Detail, Screen::Evidence])
        {
            for (shown, _) in footer(*screen) {
                let b = BINDINGS.iter().find(|b| b.shown == shown).unwrap();
                assert_eq!(action_for(b.keys[0], *screen), Some(b.action));
            }
        }
    }
}
