//! The UI's own state: which screen, what is selected, the filter and sort
//! of the executions list, the search being typed, paused or not, the help
//! overlay; and what each key does. The model is read, never written (the
//! loop applies acknowledgements and clipboard copies the app asks for).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use std::collections::HashMap;

use super::actions::{self, Action};
use super::keys::KeyMap;
use super::lists::{self, Selection, Target};
use super::model::Model;
use crate::alerts::Rule;
use crate::engine::{Execution, Window};
use crate::monitor::evidence::{Evidence, evidence};
use crate::protocol::Status;

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
}

impl Screen {
    /// The screens Tab cycles through, in order (number keys 1–7).
    pub const TABS: [Screen; 7] = [
        Screen::Overview,
        Screen::Executions,
        Screen::Timings,
        Screen::Alerts,
        Screen::Bottlenecks,
        Screen::Compare,
        Screen::Nodes,
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
    /// A frozen copy of the model while paused: the display stops, ingest
    /// goes on.
    pub frozen: Option<Box<Model>>,
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
    pub evidence: Option<(Rule, String)>,
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

fn failed(e: &Execution) -> bool {
    e.status.is_some_and(Status::is_error) || e.errors().next().is_some()
}

/// The executions the Executions screen lists, filtered and sorted.
pub fn executions<'m>(app: &App, model: &'m Model) -> Vec<&'m Execution> {
    let mut list = filtered(app, model);
    if let Some(query) = app.search.as_deref().or(app.query.as_deref()) {
        list.retain(|e| e.correlation_id.contains(query));
    }
    list
}

fn filtered<'m>(app: &App, model: &'m Model) -> Vec<&'m Execution> {
    let store = model.monitor.engine.executions();
    let mut list: Vec<&Execution> = match app.filter {
        Filter::Active => store.active().collect(),
        Filter::Finished => store.finished().collect(),
        Filter::Failed => store
            .finished()
            .chain(store.active())
            .filter(|e| failed(e))
            .collect(),
        Filter::All => store.active().chain(store.finished()).collect(),
    };
    match app.sort {
        Sort::Recent => list.sort_by_key(|e| std::cmp::Reverse(e.last_event_at)),
        Sort::Slowest => list.sort_by(|a, b| {
            let d = |e: &Execution| {
                e.duration_ms
                    .unwrap_or((model.clock() - e.started_at.unwrap_or(e.first_event_at)) as f64)
            };
            d(b).total_cmp(&d(a))
        }),
        Sort::Status => list.sort_by_key(|e| {
            (
                e.status.map_or(0, |s| 1 + s.index()),
                std::cmp::Reverse(e.last_event_at),
            )
        }),
    }
    if app.filter == Filter::Failed {
        // Executions that failed before those that recovered from a failed
        // attempt (`ok` at the top of a failed list read as a wrong filter);
        // the sort holds within each (a stable sort).
        list.sort_by_key(|e| !e.status.is_some_and(Status::is_error));
    }
    list
}

/// The executions whose correlation id holds `query`, those it starts
/// first; active and finished alike.
pub fn matches<'m>(query: &str, model: &'m Model) -> Vec<&'m str> {
    let store = model.monitor.engine.executions();
    let mut found: Vec<&str> = store
        .active()
        .chain(store.finished())
        .map(|e| &*e.correlation_id)
        .filter(|c| c.contains(query))
        .collect();
    found.sort_by_key(|c| !c.starts_with(query));
    found
}

impl App {
    /// What the screens show: the frozen model while paused.
    pub fn view<'m>(&'m self, live: &'m Model) -> &'m Model {
        self.frozen.as_deref().unwrap_or(live)
    }

    pub fn paused(&self) -> bool {
        self.frozen.is_some()
    }

    /// Where `screen`'s selection rests.
    pub fn selection(&self, screen: Screen) -> Selection {
        self.selections.get(&screen).cloned().unwrap_or_default()
    }

    /// The executions behind the alert the Evidence screen shows, over the
    /// alert rule's own window, up to the engine's present.
    pub fn evidence_of(&self, model: &Model) -> Evidence {
        let Some((rule, subject)) = &self.evidence else {
            return Evidence::default();
        };
        let config = &model.monitor.alerts.config;
        let window = match rule {
            Rule::ErrorRate => config.error_rate.window,
            _ => config.stage_p95.window,
        };
        let engine = &model.monitor.engine;
        evidence(engine, *rule, subject, window, model.clock())
    }

    /// Acknowledges the selected firing alert on `model`, if `a` asked to.
    pub fn apply_acknowledge(&mut self, model: &mut Model) {
        if !std::mem::take(&mut self.acknowledge) {
            return;
        }
        let rows = lists::alert_rows(model, 0);
        let Some(key) = self
            .selection(Screen::Alerts)
            .row(&rows)
            .map(|r| r.key.clone())
        else {
            return;
        };
        let chosen = model
            .monitor
            .alerts
            .book
            .firing()
            .into_iter()
            .find(|a| lists::alert_key(a.rule, &a.subject, None) == key)
            .map(|a| (a.rule, a.subject.clone()));
        if let Some((rule, subject)) = chosen {
            model.acknowledge(rule, &subject);
        }
    }

    fn open_target(&mut self, target: Target) {
        match target {
            Target::Execution(cid) => self.open(cid),
            Target::Evidence { rule, subject } => {
                self.evidence = Some((rule, subject));
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

    fn on_search_key(&mut self, key: KeyEvent, model: &Model) {
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
                let found: Vec<String> = matches(&query, self.view(model))
                    .into_iter()
                    .take(2)
                    .map(String::from)
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

    pub fn on_key(&mut self, key: KeyEvent, model: &Model) {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && key.code == KeyCode::Char('c') {
            self.quit = true;
            return;
        }
        if self.search.is_some() {
            return self.on_search_key(key, model);
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
        let rows = lists::rows(self, self.view(model), screen);
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
                if let KeyCode::Char(c @ '1'..='7') = key.code {
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
                    None => Some(Box::new(model.clone())),
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
