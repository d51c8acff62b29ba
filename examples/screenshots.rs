//! Renders every screen from one deterministic scenario, at a busy moment,
//! to SVG images in `screenshots/` (the README's gallery), colours kept:
//!
//! ```text
//! cargo run --example screenshots
//! ```
//!
//! The screens are drawn into ratatui's real buffer (as the tests do), and
//! each cell becomes SVG: text, or lines and rectangles for box-drawing
//! and block characters so that borders and bars render solid. Written here rather than taken from a crate:
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

/// The arms of a box-drawing character: (left, right, up, down), and
/// whether they are heavy. Drawn as lines that reach the cell's edges, so
/// neighbouring cells join: as text, the font's glyph is shorter than the
/// line height and vertical borders came out dashed.
fn arms(c: char) -> Option<([bool; 4], bool)> {
    let (l, r, u, d, heavy) = match c {
        '─' => (true, true, false, false, false),
        '━' => (true, true, false, false, true),
        '│' => (false, false, true, true, false),
        '┃' => (false, false, true, true, true),
        '┌' => (false, true, false, true, false),
        '┐' => (true, false, false, true, false),
        '└' => (false, true, true, false, false),
        '┘' => (true, false, true, false, false),
        '├' => (false, true, true, true, false),
        '┤' => (true, false, true, true, false),
        '┬' => (true, true, false, true, false),
        '┴' => (true, true, true, false, false),
        '┼' => (true, true, true, true, false),
        _ => return None,
    };
    Some(([l, r, u, d], heavy))
}

/// The filled part of a block element, as (x, y, width, height) shares of
/// the cell, and its opacity.
fn block_element(c: char) -> Option<(f64, f64, f64, f64, f64)> {
    let eighths = |n: f64| (0.0, 1.0 - n / 8.0, 1.0, n / 8.0, 1.0);
    Some(match c {
        '█' => (0.0, 0.0, 1.0, 1.0, 1.0),
        '▀' => (0.0, 0.0, 1.0, 0.5, 1.0),
        '▌' => (0.0, 0.0, 0.5, 1.0, 1.0),
        '▐' => (0.5, 0.0, 0.5, 1.0, 1.0),
        '░' => (0.0, 0.0, 1.0, 1.0, 0.25),
        '▒' => (0.0, 0.0, 1.0, 1.0, 0.5),
        '▓' => (0.0, 0.0, 1.0, 1.0, 0.75),
        '▁' => eighths(1.0),
        '▂' => eighths(2.0),
        '▃' => eighths(3.0),
        '▄' => eighths(4.0),
        '▅' => eighths(5.0),
        '▆' => eighths(6.0),
        '▇' => eighths(7.0),
        _ => return None,
    })
}

fn svg(buffer: &Buffer) -> String {
    let (w, h) = (buffer.area.width, buffer.area.height);
    let mut out = String::new();
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" font-family="DejaVu Sans Mono, Menlo, monospace" font-size="14" shape-rendering="crispEdges"><rect width="100%" height="100%" fill="#1e1e1e"/>"##,
        f64::from(w) * CELL_W,
        f64::from(h) * CELL_H
    );
    for y in 0..h {
        for x in 0..w {
            let cell = &buffer[(x, y)];
            let reversed = cell.modifier.contains(Modifier::REVERSED);
            let (fg, bg) = if reversed {
                (hex(cell.bg, "#1e1e1e"), hex(cell.fg, "#d4d4d4"))
            } else {
                (hex(cell.fg, "#d4d4d4"), hex(cell.bg, "#1e1e1e"))
            };
            let (left, top) = (f64::from(x) * CELL_W, f64::from(y) * CELL_H);
            if cell.bg != Color::Reset || reversed {
                let _ = write!(
                    out,
                    r#"<rect x="{left:.1}" y="{top:.1}" width="{CELL_W}" height="{CELL_H}" fill="{bg}"/>"#,
                );
            }
            let symbol = cell.symbol();
            let mut chars = symbol.chars();
            let (Some(c), None) = (chars.next(), chars.next()) else {
                if !symbol.trim().is_empty() {
                    text(&mut out, left, top, &fg, cell.modifier, symbol);
                }
                continue;
            };
            if let Some(([l, r, u, d], heavy)) = arms(c) {
                let (cx, cy) = (left + CELL_W / 2.0, top + CELL_H / 2.0);
                let width = if heavy { 2.6 } else { 1.2 };
                let mut line = |x1: f64, y1: f64, x2: f64, y2: f64| {
                    let _ = write!(
                        out,
                        r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="{fg}" stroke-width="{width}"/>"#,
                    );
                };
                if l {
                    line(left, cy, cx, cy);
                }
                if r {
                    line(cx, cy, left + CELL_W, cy);
                }
                if u {
                    line(cx, top, cx, cy);
                }
                if d {
                    line(cx, cy, cx, top + CELL_H);
                }
            } else if let Some((bx, by, bw, bh, opacity)) = block_element(c) {
                let _ = write!(
                    out,
                    r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{fg}" fill-opacity="{opacity}"/>"#,
                    left + bx * CELL_W,
                    top + by * CELL_H,
                    bw * CELL_W,
                    bh * CELL_H,
                );
            } else if c != ' ' {
                text(&mut out, left, top, &fg, cell.modifier, symbol);
            }
        }
    }
    out.push_str("</svg>\n");
    out
}

fn text(out: &mut String, left: f64, top: f64, fill: &str, modifier: Modifier, symbol: &str) {
    let weight = if modifier.contains(Modifier::BOLD) {
        r#" font-weight="bold""#
    } else {
        ""
    };
    let _ = write!(
        out,
        r#"<text x="{left:.1}" y="{:.1}" fill="{fill}"{weight}>{}</text>"#,
        top + 13.0,
        escape(symbol)
    );
}

fn main() -> std::io::Result<()> {
    // The failures scenario 13.6 minutes in: its burst has alerts firing,
    // and the charts hold every point since the start.
    let model = runtop::tui::scene::busy(1_300);
    std::fs::create_dir_all("screenshots")?;
    let key = |c| KeyEvent::new(c, KeyModifiers::NONE);
    let char = KeyCode::Char;
    let shots: [(&str, &[KeyCode]); 9] = [
        ("overview", &[]),
        ("executions", &[char('2')]),
        ("timings", &[char('3'), char('j')]),
        ("alerts", &[char('4')]),
        ("evidence", &[char('4'), KeyCode::Enter]),
        ("bottlenecks", &[char('5')]),
        ("compare", &[char('6')]),
        ("nodes", &[char('7')]),
        ("detail", &[char('j'), KeyCode::Enter]),
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
