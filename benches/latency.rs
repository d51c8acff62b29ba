//! Event-to-screen latency of the terminal UI's real loop (goal: p99 ≤ 50 ms
//! at 10,000 events per second and the default 20 frames per second), and
//! the same for a trickle of 20 events per second, which the loop draws a
//! few at a time (src/tui/pacing.rs).
//!
//! A producer thread sends events at random moments (so that their arrival
//! is spread evenly over the frame grid) and stamps each batch as it sends
//! it; the feed applies them to the model; a wrapper around ratatui's
//! TestBackend notes when each applied batch reaches the screen (the
//! backend's flush). Latency is flush time minus send time, for every event.
//!
//! `cargo bench --bench latency`

use std::convert::Infallible;
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use rand::{RngExt as _, SeedableRng};
use rand_chacha::ChaCha8Rng;
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
use runtop::tui::run::{Feed, Input, Keys, Loop, run};

/// Send stamps of frames applied but not yet on screen, and latencies seen.
#[derive(Default)]
struct Clocks {
    applied: Vec<(Instant, usize)>,
    latencies_us: Vec<u64>,
    frames: usize,
    /// When the feed last looked for data, and how long from then each
    /// frame took to reach the screen.
    last_pump: Option<Instant>,
    draw_us: Vec<u64>,
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
        c.frames += 1;
        if let Some(pumped) = c.last_pump.take() {
            let us = now.duration_since(pumped).as_micros() as u64;
            c.draw_us.push(us);
        }
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
                model
                    .monitor
                    .engine
                    .feed(line.as_bytes(), now, Origin::default());
            }
            self.clocks
                .lock()
                .unwrap()
                .applied
                .push((sent, lines.len()));
            changed = true;
        }
        self.clocks.lock().unwrap().last_pump = Some(Instant::now());
        changed
    }
    fn now(&self, _: &Model) -> Millis {
        wall_clock_now()
    }
}

/// Waits as a terminal would; quits once the run is over.
struct Idle(Instant);

impl Keys for Idle {
    fn next(&mut self, timeout: Duration) -> std::io::Result<Option<Input>> {
        if Instant::now() >= self.0 {
            return Ok(Some(Input::Key(KeyEvent::new(
                KeyCode::Char('q'),
                KeyModifiers::NONE,
            ))));
        }
        std::thread::sleep(timeout);
        Ok(None)
    }
}

fn main() {
    for (rate, seconds) in [(10_000, 4), (20, 15)] {
        let Measured {
            latencies,
            frames,
            frame_us,
        } = measure(rate, seconds);
        let q = |p: f64| {
            latencies[((p * latencies.len() as f64).ceil() as usize).clamp(1, latencies.len()) - 1]
                as f64
                / 1000.0
        };
        println!(
            "event-to-screen latency at {rate} events/s, 20 fps, 160x48: {} events in {frames} frames, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; a frame takes {:.2} ms (max {:.2}) after its last data",
            latencies.len(),
            q(0.5),
            q(0.99),
            q(1.0),
            frame_us.0 as f64 / 1000.0,
            frame_us.1 as f64 / 1000.0,
        );
    }
}

struct Measured {
    /// Every event's latency in µs, sorted.
    latencies: Vec<u64>,
    frames: usize,
    /// From the last look for data to the screen, median and max, µs: what
    /// a frame adds to the latency of the events it shows.
    frame_us: (u64, u64),
}

/// Runs the loop for `seconds` on events arriving at `rate` a second.
fn measure(rate: u64, seconds: u64) -> Measured {
    // Batches of events sent every `every`, at a random moment within it.
    let (per_batch, every) = if rate >= 1_000 {
        ((rate / 1_000) as usize, Duration::from_millis(1))
    } else {
        (1, Duration::from_secs(1) / rate as u32)
    };
    let batches = (seconds * rate) as usize / per_batch;
    let mut events = Simulator::scenario(Scenario::Flood, 1, DEFAULT_START);
    let lines: Vec<Vec<String>> = (0..batches)
        .map(|_| {
            events
                .by_ref()
                .take(per_batch)
                .map(|mut e| {
                    e.ts = wall_clock_now();
                    to_json_line(&e)
                })
                .collect()
        })
        .collect();
    let clocks = Arc::new(Mutex::new(Clocks::default()));
    let (tx, rx) = sync_channel::<(Instant, Vec<String>)>(100_000);
    let producer = std::thread::spawn(move || {
        let mut rng = ChaCha8Rng::seed_from_u64(rate);
        let start = Instant::now();
        for (i, batch) in lines.into_iter().enumerate() {
            let due = start + every * i as u32 + every.mul_f64(rng.random::<f64>());
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
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
    let mut keys = Idle(Instant::now() + Duration::from_secs(seconds) - Duration::from_millis(200));
    let mut system = || None;
    let (mut clipboard, mut notify) = (|_: &str| {}, |_: &[runtop::alerts::Transition]| {});
    let l = Loop {
        keys: &mut keys,
        feed: &mut feed,
        system: &mut system,
        fps: 20,
        theme: Theme::COLOUR,
        clipboard: &mut clipboard,
        notify: &mut notify,
    };
    run(&mut terminal, &mut app, &mut model, l).unwrap();
    drop(feed);
    let _ = producer.join();
    let mut c = clocks.lock().unwrap();
    let mut latencies = std::mem::take(&mut c.latencies_us);
    latencies.sort_unstable();
    let mut d = std::mem::take(&mut c.draw_us);
    d.sort_unstable();
    Measured {
        latencies,
        frames: c.frames,
        frame_us: (d[d.len() / 2], d[d.len() - 1]),
    }
}
