//! The UI's own state: which screen, what is selected, the filter and sort
//! of the executions list, the search being typed, paused or not, the help
//! overlay; and what each key does. Keys act on the [`View`] shown, never
//! on the model (the loop applies acknowledgements and clipboard copies the
//! app asks for).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use std::collections::HashMap;
use std::sync::Arc;

use super::actions::{self, Action};
use super::keys::KeyMap;
use super::lists::{self, AlertRef, Selection, Target};
use super::model::Model;
use super::view::View;
use crate::analytics::rankings::{RankBy, RankOf};
use crate::engine::{Execution, Window};
use crate::monitor::evidence::Evidence;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Screen {
    Overview,
    Executions,
    Timings,
    Alerts,
    Bottlenecks,
    Compare,
    /// One execution, by correlation id (in `App::detail`).
    Detail,
    /// The executions behind an alert (in `App::evidence`).
    Evidence,
    /// Runner nodes side by side.
    Nodes,
    /// Stages, tasks, projects or nodes ranked, critical paths, cascades.
    Rankings,
}

impl Screen {
    /// The screens Tab cycles through, in order (number keys 1–8).
    pub const TABS: [Screen; 8] = [
        Screen::Overview,
        Screen::Executions,
        Screen::Timings,
        Screen::Alerts,
        Screen::Bottlenecks,
        Screen::Compare,
        Screen::Nodes,
        Screen::Rankings,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Screen::Overview => "overview",
            Screen::Executions => "executions",
            Screen::Timings => "timings",
            Screen::Alerts => "alerts",
            Screen::Bottlenecks => "bottlenecks",
            Screen::Compare => "compare",
            Screen::Detail => "detail",
            Screen::Evidence => "evidence",
            Screen::Nodes => "nodes",
            Screen::Rankings => "rankings",
        }
    }

    /// The tab's name where eight must fit 80 columns.
    pub fn short_title(self) -> &'static str {
        match self {
            Screen::Executions => "execs",
            Screen::Rankings => "ranks",
            s => s.title(),
        }
    }
}

/// Which executions the Executions screen lists, and how it orders them
/// (`ui.filter`, `ui.sort`, `--filter`, `--sort`; `f` and `s` cycle them).
pub use crate::config::{ListFilter as Filter, ListSort as Sort};

#[derive(Debug, Clone)]
pub struct App {
    pub screen: Screen,
    /// Where Esc returns to.
    back: Vec<Screen>,
    /// Each screen's selection, by the selected row's identity.
    selections: HashMap<Screen, Selection>,
    pub window: Window,
    pub filter: Filter,
    pub sort: Sort,
    /// What the Rankings screen ranks, and by what (`t` and `s` cycle them).
    pub rank_of: RankOf,
    pub rank_by: RankBy,
    /// The snapshot shown while paused: the display stops, ingest and
    /// alerts go on in the model.
    pub frozen: Option<Box<View>>,
    pub help: bool,
    /// The correlation id search being typed after `/`: the Executions
    /// list narrows to its matches as it is typed.
    pub search: Option<String>,
    /// A search that matched several executions, kept as the Executions
    /// list's filter until Esc (the candidates to pick from).
    pub query: Option<String>,
    /// What the last search found nothing for.
    pub not_found: Option<String>,
    pub detail: Option<String>,
    /// The alert whose evidence the Evidence screen shows.
    pub evidence: Option<AlertRef>,
    pub quit: bool,
    /// `a` was pressed on the alerts: the loop acknowledges the selected one.
    pub acknowledge: bool,
    /// `y` was pressed: the loop copies this to the clipboard (OSC 52).
    pub copy: Option<String>,
    /// Extra keys from the config.
    pub keymap: KeyMap,
}

impl Default for App {
    fn default() -> Self {
        App {
            screen: Screen::Overview,
            back: Vec::new(),
            selections: HashMap::new(),
            window: Window::FiveMinutes,
            filter: Filter::All,
            sort: Sort::Recent,
            rank_of: RankOf::Stages,
            rank_by: RankBy::P95,
            frozen: None,
            help: false,
            search: None,
            query: None,
            not_found: None,
            detail: None,
            evidence: None,
            quit: false,
            acknowledge: false,
            copy: None,
            keymap: KeyMap::default(),
        }
    }
}

/// The executions the Executions screen lists, filtered, sorted and
/// narrowed by the search being typed or kept.
pub fn executions<'v>(app: &App, view: &'v View) -> Vec<&'v Execution> {
    let query = app.search.as_deref().or(app.query.as_deref());
    view.listed(app.filter, app.sort, query)
        .iter()
        .filter_map(|i| view.execution(*i))
        .collect()
}

impl App {
    /// What the screens show: the frozen snapshot while paused.
    pub fn view<'v>(&'v self, live: &'v View) -> &'v View {
        self.frozen.as_deref().unwrap_or(live)
    }

    pub fn paused(&self) -> bool {
        self.frozen.is_some()
    }

    /// Where `screen`'s selection rests.
    pub fn selection(&self, screen: Screen) -> Selection {
        self.selections.get(&screen).cloned().unwrap_or_default()
    }

    /// The executions behind the alert the Evidence screen shows.
    pub fn evidence_of(&self, view: &View) -> Arc<Evidence> {
        match &self.evidence {
            Some(alert) => view.evidence(alert),
            None => Arc::default(),
        }
    }

    /// Acknowledges on `model` the firing alert selected on the screen
    /// (`live`, or the paused snapshot), if `a` asked to. Returns whether
    /// an alert was acknowledged.
    pub fn apply_acknowledge(&mut self, live: &View, model: &mut Model) -> bool {
        if !std::mem::take(&mut self.acknowledge) {
            return false;
        }
        let view = self.view(live);
        let rows = lists::alert_rows(view, 0);
        let Some(key) = self
            .selection(Screen::Alerts)
            .row(&rows)
            .map(|r| r.key.clone())
        else {
            return false;
        };
        let chosen = view
            .ticked
            .alerts
            .firing()
            .into_iter()
            .find(|a| lists::alert_key(a.rule, &a.subject, None) == key)
            .map(|a| (a.rule, a.subject.clone()));
        if let Some((rule, subject)) = chosen {
            model.acknowledge(rule, &subject);
            if let Some(frozen) = self.frozen.as_mut() {
                frozen.acknowledge(rule, &subject);
            }
            return true;
        }
        false
    }

    fn open_target(&mut self, target: Target) {
        match target {
            Target::Execution(cid) => self.open(cid),
            Target::Evidence(alert) => {
                self.evidence = Some(alert);
                if self.screen != Screen::Evidence {
                    self.back.push(self.screen);
                }
                self.screen = Screen::Evidence;
                self.selections.remove(&Screen::Evidence);
            }
            Target::Nothing => {}
        }
    }

    fn open(&mut self, cid: String) {
        self.detail = Some(cid);
        if self.screen != Screen::Detail {
            self.back.push(self.screen);
        }
        self.screen = Screen::Detail;
    }

    fn go(&mut self, screen: Screen) {
        if screen != self.screen {
            self.screen = screen;
            self.back.clear();
        }
    }

    fn on_search_key(&mut self, key: KeyEvent, live: &View) {
        let Some(query) = self.search.as_mut() else {
            return;
        };
        match key.code {
            KeyCode::Esc => self.search = None,
            KeyCode::Backspace => {
                query.pop();
            }
            KeyCode::Enter => {
                let query = self.search.take().unwrap_or_default();
                let view = self.view(live);
                let found: Vec<String> = view
                    .matches(&query)
                    .iter()
                    .take(2)
                    .filter_map(|i| view.execution(*i))
                    .map(|e| e.correlation_id.to_string())
                    .collect();
                match found.as_slice() {
                    [] => self.not_found = Some(query),
                    [one] => {
                        self.not_found = None;
                        let cid = one.clone();
                        self.open(cid);
                    }
                    // Several: the Executions list shows them to pick from
                    // (a prefix of many ids opened one of them silently).
                    _ => {
                        self.not_found = None;
                        self.query = Some(query);
                        if self.screen != Screen::Executions {
                            self.back.push(self.screen);
                            self.screen = Screen::Executions;
                        }
                        self.selections.remove(&Screen::Executions);
                    }
                }
            }
            // Correlation ids are sanitized, printable text.
            KeyCode::Char(c) if !c.is_control() && query.len() < 256 => query.push(c),
            _ => {}
        }
    }

    /// Acts on `key` against what the screen shows (`live`, or the paused
    /// snapshot).
    pub fn on_key(&mut self, key: KeyEvent, live: &View) {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && key.code == KeyCode::Char('c') {
            self.quit = true;
            return;
        }
        if self.search.is_some() {
            return self.on_search_key(key, live);
        }
        let key = self.keymap.translate(key);
        if self.help {
            // Any key closes the help; q still quits.
            self.help = false;
            if key.code != KeyCode::Char('q') {
                return;
            }
        }
        let screen = self.screen;
        let Some(action) = actions::action_for(key.code, screen) else {
            return;
        };
        let rows = lists::rows(self, self.view(live), screen);
        let selection = self.selections.entry(screen).or_default();
        match action {
            Action::Quit => self.quit = true,
            Action::Help => self.help = true,
            Action::Search => {
                self.search = Some(String::new());
                self.not_found = None;
            }
            Action::Down => selection.move_by(&rows, 1),
            Action::Up => selection.move_by(&rows, -1),
            Action::PageDown => selection.move_by(&rows, 10),
            Action::PageUp => selection.move_by(&rows, -10),
            Action::Top => selection.set(&rows, 0),
            Action::Bottom => selection.set(&rows, usize::MAX),
            Action::NextScreen | Action::PreviousScreen => {
                let at = Screen::TABS
                    .iter()
                    .position(|s| *s == self.screen)
                    .unwrap_or(0);
                let n = Screen::TABS.len();
                let next = if action == Action::NextScreen {
                    (at + 1) % n
                } else {
                    (at + n - 1) % n
                };
                self.go(Screen::TABS[next]);
            }
            Action::Screen => {
                if let KeyCode::Char(c @ '1'..='8') = key.code {
                    self.go(Screen::TABS[(c as usize) - ('1' as usize)]);
                }
            }
            Action::Window => {
                self.window = match self.window {
                    Window::OneMinute => Window::FiveMinutes,
                    Window::FiveMinutes => Window::OneHour,
                    Window::OneHour => Window::AllTime,
                    Window::AllTime => Window::OneMinute,
                }
            }
            Action::Filter => {
                self.filter = match self.filter {
                    Filter::All => Filter::Active,
                    Filter::Active => Filter::Finished,
                    Filter::Finished => Filter::Failed,
                    Filter::Failed => Filter::All,
                };
            }
            Action::Sort if self.screen == Screen::Rankings => self.rank_by = self.rank_by.next(),
            Action::Table => self.rank_of = self.rank_of.next(),
            Action::Sort => {
                self.sort = match self.sort {
                    Sort::Recent => Sort::Slowest,
                    Sort::Slowest => Sort::Status,
                    Sort::Status => Sort::Recent,
                };
            }
            Action::Pause => {
                self.frozen = match self.frozen {
                    Some(_) => None,
                    None => Some(Box::new(live.clone())),
                }
            }
            Action::Acknowledge => self.acknowledge = true,
            Action::Copy => {
                self.copy = match self.screen {
                    Screen::Detail => self.detail.clone(),
                    _ => match selection.row(&rows).map(|r| &r.target) {
                        Some(Target::Execution(cid)) => Some(cid.clone()),
                        _ => None,
                    },
                };
            }
            Action::Open => {
                if let Some(row) = selection.row(&rows) {
                    let target = row.target.clone();
                    self.open_target(target);
                }
            }
            Action::Back if self.query.is_some() => self.query = None,
            Action::Back => {
                if let Some(previous) = self.back.pop() {
                    self.screen = previous;
                }
            }
        }
    }
}
