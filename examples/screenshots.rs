//! Renders the main screens from one deterministic scenario to SVG images
//! in `screenshots/`, colours kept:
//!
//! ```text
//! cargo run --example screenshots
//! ```
//!
//! The screens are drawn into ratatui's real buffer (as the tests do), and
//! each cell becomes SVG text. Written here rather than taken from a crate:
//! the point is to picture this buffer exactly, and the conversion is a
//! page of code.

use std::fmt::Write as _;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use runtop::tui::app::App;
use runtop::tui::panels::{Theme, draw};
use runtop::tui::view::View;

const WIDTH: u16 = 160;
const HEIGHT: u16 = 48;
const CELL_W: f64 = 8.4;
const CELL_H: f64 = 17.0;

fn hex(c: Color, default: &str) -> String {
    match c {
        Color::Reset => default.into(),
        Color::Black => "#1e1e1e".into(),
        Color::Red => "#f14c4c".into(),
        Color::Green => "#23d18b".into(),
        Color::Yellow => "#f5f543".into(),
        Color::Blue => "#3b8eea".into(),
        Color::Magenta => "#d670d6".into(),
        Color::Cyan => "#29b8db".into(),
        Color::Gray => "#cccccc".into(),
        Color::DarkGray => "#767676".into(),
        Color::White => "#ffffff".into(),
        Color::Rgb(r, g, b) => format!("#{r:02x}{g:02x}{b:02x}"),
        _ => default.into(),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn svg(buffer: &Buffer) -> String {
    let (w, h) = (buffer.area.width, buffer.area.height);
    let mut out = String::new();
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" font-family="DejaVu Sans Mono, Menlo, monospace" font-size="14"><rect width="100%" height="100%" fill="#1e1e1e"/>"##,
        f64::from(w) * CELL_W,
        f64::from(h) * CELL_H
    );
    for y in 0..h {
        for x in 0..w {
            let cell = &buffer[(x, y)];
            if cell.bg != Color::Reset {
                let _ = write!(
                    out,
                    r#"<rect x="{:.1}" y="{:.1}" width="{CELL_W}" height="{CELL_H}" fill="{}"/>"#,
                    f64::from(x) * CELL_W,
                    f64::from(y) * CELL_H,
                    hex(cell.bg, "#1e1e1e")
                );
            }
            let symbol = cell.symbol();
            if symbol.trim().is_empty() {
                continue;
            }
            let weight = if cell.modifier.contains(Modifier::BOLD) {
                r#" font-weight="bold""#
            } else {
                ""
            };
            let _ = write!(
                out,
                r#"<text x="{:.1}" y="{:.1}" fill="{}"{weight}>{}</text>"#,
                f64::from(x) * CELL_W,
                f64::from(y) * CELL_H + 13.0,
                hex(cell.fg, "#d4d4d4"),
                escape(symbol)
            );
        }
    }
    out.push_str("</svg>\n");
    out
}

fn main() -> std::io::Result<()> {
    let model = runtop::tui::scene::busy(1_300);
    std::fs::create_dir_all("screenshots")?;
    let key = |c| KeyEvent::new(c, KeyModifiers::NONE);
    let shots: [(&str, &[KeyCode]); 7] = [
        ("overview", &[]),
        ("detail", &[KeyCode::Char('j'), KeyCode::Enter]),
        ("executions", &[KeyCode::Char('2')]),
        ("timings", &[KeyCode::Char('3')]),
        ("alerts", &[KeyCode::Char('4')]),
        ("bottlenecks", &[KeyCode::Char('5')]),
        ("compare", &[KeyCode::Char('6')]),
    ];
    let view = View::capture(&model, None);
    for (name, keys) in shots {
        let mut app = App::default();
        for k in keys {
            app.on_key(key(*k), &view);
        }
        let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("a test terminal");
        terminal
            .draw(|f| draw(f, &app, &view, Theme::COLOUR))
            .expect("drawn");
        let path = format!("screenshots/{name}.svg");
        std::fs::write(&path, svg(terminal.backend().buffer()))?;
        println!("wrote {path}");
    }
    Ok(())
}
