//! The UI's own state: which screen, what is selected, paused or not, the
//! help overlay; and what each key does. The model is read, never written.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::model::Model;
use crate::engine::Window;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Overview,
    /// One execution, by correlation id (in `App::detail`).
    Detail,
}

/// The overview panel that has the selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Executions,
    Alerts,
}

#[derive(Debug, Clone)]
pub struct App {
    pub screen: Screen,
    /// Where Esc returns to.
    back: Vec<Screen>,
    pub focus: Focus,
    pub selected: usize,
    pub window: Window,
    /// A frozen copy of the model while paused: the display stops, ingest
    /// goes on.
    pub frozen: Option<Box<Model>>,
    pub help: bool,
    pub detail: Option<String>,
    pub quit: bool,
    /// `a` was pressed on the alerts: the run loop acknowledges the
    /// selected alert on the live model.
    pub acknowledge: bool,
}

impl Default for App {
    fn default() -> Self {
        App {
            screen: Screen::Overview,
            back: Vec::new(),
            focus: Focus::Executions,
            selected: 0,
            window: Window::FiveMinutes,
            frozen: None,
            help: false,
            detail: None,
            quit: false,
            acknowledge: false,
        }
    }
}

/// The correlation ids the focused panel lists, in display order.
pub fn listed(focus: Focus, model: &Model) -> Vec<String> {
    match focus {
        Focus::Executions => model
            .engine
            .executions()
            .active()
            .map(|e| e.correlation_id.to_string())
            .collect(),
        Focus::Alerts => model
            .alerts
            .book
            .firing()
            .iter()
            .map(|a| a.correlation_id.clone().unwrap_or_default())
            .collect(),
    }
}

impl App {
    /// Acknowledges the selected firing alert on `model`, if `a` asked to.
    pub fn apply_acknowledge(&mut self, model: &mut Model) {
        if std::mem::take(&mut self.acknowledge)
            && let Some((rule, subject)) = model
                .alerts
                .book
                .firing()
                .get(self.selected)
                .map(|a| (a.rule, a.subject.clone()))
        {
            model.alerts.book.acknowledge(rule, &subject);
        }
    }

    /// What the screens show: the frozen model while paused.
    pub fn view<'m>(&'m self, live: &'m Model) -> &'m Model {
        self.frozen.as_deref().unwrap_or(live)
    }

    pub fn paused(&self) -> bool {
        self.frozen.is_some()
    }

    pub fn on_key(&mut self, key: KeyEvent, model: &Model) {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if self.help {
            // Any key closes the help; q and Ctrl-C still quit.
            self.help = false;
            if !(key.code == KeyCode::Char('q') || (ctrl && key.code == KeyCode::Char('c'))) {
                return;
            }
        }
        let count = listed(self.focus, self.view(model)).len();
        match key.code {
            KeyCode::Char('c') if ctrl => self.quit = true,
            KeyCode::Char('q') => self.quit = true,
            KeyCode::Char('?') => self.help = true,
            KeyCode::Char('j') | KeyCode::Down => {
                self.selected = (self.selected + 1).min(count.saturating_sub(1))
            }
            KeyCode::Char('k') | KeyCode::Up => self.selected = self.selected.saturating_sub(1),
            KeyCode::PageDown => self.selected = (self.selected + 10).min(count.saturating_sub(1)),
            KeyCode::PageUp => self.selected = self.selected.saturating_sub(10),
            KeyCode::Char('g') | KeyCode::Home => self.selected = 0,
            KeyCode::Char('G') | KeyCode::End => self.selected = count.saturating_sub(1),
            KeyCode::Tab | KeyCode::BackTab if self.screen == Screen::Overview => {
                self.focus = if self.focus == Focus::Executions {
                    Focus::Alerts
                } else {
                    Focus::Executions
                };
                self.selected = 0;
            }
            KeyCode::Char('w') => {
                self.window = match self.window {
                    Window::OneMinute => Window::FiveMinutes,
                    Window::FiveMinutes => Window::OneHour,
                    Window::OneHour => Window::AllTime,
                    Window::AllTime => Window::OneMinute,
                }
            }
            KeyCode::Char('p') => {
                self.frozen = match self.frozen {
                    Some(_) => None,
                    None => Some(Box::new(model.clone())),
                }
            }
            KeyCode::Char('a') if self.focus == Focus::Alerts => self.acknowledge = true,
            KeyCode::Enter if self.screen == Screen::Overview => {
                if let Some(cid) = listed(self.focus, self.view(model))
                    .get(self.selected)
                    .filter(|c| !c.is_empty())
                {
                    self.detail = Some(cid.clone());
                    self.back.push(self.screen);
                    self.screen = Screen::Detail;
                }
            }
            KeyCode::Esc => {
                if let Some(previous) = self.back.pop() {
                    self.screen = previous;
                }
            }
            _ => {}
        }
    }
}
