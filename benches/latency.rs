//! Event-to-screen latency of the terminal UI's real loop at 10,000 events
//! per second (goal: p99 ≤ 50 ms at the default 20 frames per second).
//!
//! A producer thread stamps frames as it sends them; the feed applies them
//! to the model; a wrapper around ratatui's TestBackend notes when each
//! applied frame reaches the screen (the backend's flush). Latency is flush
//! time minus send time, for every event.
//!
//! `cargo bench --bench latency`

use std::convert::Infallible;
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::{Backend, ClearType, TestBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use runtop::config::Config;
use runtop::engine::{Engine, EngineConfig, Origin};
use runtop::protocol::time::wall_clock_now;
use runtop::protocol::{Millis, to_json_line};
use runtop::sim::{DEFAULT_START, Scenario, Simulator};
use runtop::tui::app::App;
use runtop::tui::model::Model;
use runtop::tui::panels::Theme;
use runtop::tui::run::{Feed, Keys, Loop, run};

const RATE: u64 = 10_000;
const SECONDS: u64 = 4;

/// Send stamps of frames applied but not yet on screen, and latencies seen.
#[derive(Default)]
struct Clocks {
    applied: Vec<(Instant, usize)>,
    latencies_us: Vec<u64>,
}

struct TimedBackend {
    inner: TestBackend,
    clocks: Arc<Mutex<Clocks>>,
}

impl Backend for TimedBackend {
    type Error = Infallible;
    fn draw<'a, I: Iterator<Item = (u16, u16, &'a Cell)>>(
        &mut self,
        content: I,
    ) -> Result<(), Infallible> {
        self.inner.draw(content)
    }
    fn hide_cursor(&mut self) -> Result<(), Infallible> {
        self.inner.hide_cursor()
    }
    fn show_cursor(&mut self) -> Result<(), Infallible> {
        self.inner.show_cursor()
    }
    fn get_cursor_position(&mut self) -> Result<Position, Infallible> {
        self.inner.get_cursor_position()
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Infallible> {
        self.inner.set_cursor_position(position)
    }
    fn clear(&mut self) -> Result<(), Infallible> {
        self.inner.clear()
    }
    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Infallible> {
        self.inner.clear_region(clear_type)
    }
    fn size(&self) -> Result<Size, Infallible> {
        self.inner.size()
    }
    fn window_size(&mut self) -> Result<WindowSize, Infallible> {
        self.inner.window_size()
    }
    fn flush(&mut self) -> Result<(), Infallible> {
        let now = Instant::now();
        let mut c = self.clocks.lock().unwrap();
        let applied = std::mem::take(&mut c.applied);
        for (sent, events) in applied {
            let us = now.duration_since(sent).as_micros() as u64;
            c.latencies_us.extend(std::iter::repeat_n(us, events));
        }
        self.inner.flush()
    }
}

struct ChannelFeed {
    rx: Receiver<(Instant, Vec<String>)>,
    clocks: Arc<Mutex<Clocks>>,
}

impl Feed for ChannelFeed {
    fn pump(&mut self, model: &mut Model, budget: Duration) -> bool {
        let started = Instant::now();
        let mut changed = false;
        while started.elapsed() < budget {
            let Ok((sent, lines)) = self.rx.try_recv() else {
                break;
            };
            let now = wall_clock_now();
            for line in &lines {
                model.engine.feed(line.as_bytes(), now, Origin::default());
            }
            self.clocks
                .lock()
                .unwrap()
                .applied
                .push((sent, lines.len()));
            changed = true;
        }
        changed
    }
    fn now(&self, _: &Model) -> Millis {
        wall_clock_now()
    }
}

/// Waits as a terminal would; quits once the run is over.
struct Idle(Instant);

impl Keys for Idle {
    fn next(&mut self, timeout: Duration) -> std::io::Result<Option<KeyEvent>> {
        if Instant::now() >= self.0 {
            return Ok(Some(KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE)));
        }
        std::thread::sleep(timeout);
        Ok(None)
    }
}

fn main() {
    let clocks = Arc::new(Mutex::new(Clocks::default()));
    let (tx, rx) = sync_channel::<(Instant, Vec<String>)>(10_000);
    let producer = std::thread::spawn(move || {
        let mut events = Simulator::scenario(Scenario::Flood, 1, DEFAULT_START).map(|mut e| {
            e.ts = wall_clock_now();
            to_json_line(&e)
        });
        let start = Instant::now();
        // Ten events a millisecond.
        for tick in 0..SECONDS * 1_000 {
            let due = start + Duration::from_millis(tick);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
            let batch: Vec<String> = events.by_ref().take((RATE / 1_000) as usize).collect();
            if tx.send((Instant::now(), batch)).is_err() {
                return;
            }
        }
    });
    let mut terminal = Terminal::new(TimedBackend {
        inner: TestBackend::new(160, 48),
        clocks: clocks.clone(),
    })
    .unwrap();
    let mut app = App::default();
    let mut model = Model::new(
        Engine::new(EngineConfig::live()),
        &Config::default(),
        "latency".into(),
    );
    let mut feed = ChannelFeed {
        rx,
        clocks: clocks.clone(),
    };
    let mut keys = Idle(Instant::now() + Duration::from_secs(SECONDS) - Duration::from_millis(200));
    let mut system = || None;
    let (mut clipboard, mut notify) = (|_: &str| {}, |_: &[runtop::alerts::Transition]| {});
    let l = Loop {
        keys: &mut keys,
        feed: &mut feed,
        system: &mut system,
        fps: 20,
        theme: Theme { color: true },
        clipboard: &mut clipboard,
        notify: &mut notify,
    };
    run(&mut terminal, &mut app, &mut model, l).unwrap();
    drop(feed);
    let _ = producer.join();
    let mut l = std::mem::take(&mut clocks.lock().unwrap().latencies_us);
    l.sort_unstable();
    let q =
        |p: f64| l[((p * l.len() as f64).ceil() as usize).clamp(1, l.len()) - 1] as f64 / 1000.0;
    println!(
        "event-to-screen latency at {RATE} events/s, 20 fps, 160x48: {} events drawn, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        l.len(),
        q(0.5),
        q(0.99),
        q(1.0)
    );
}
