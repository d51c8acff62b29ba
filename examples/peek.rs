use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use runtop::tui::app::App;
use runtop::tui::panels::{Theme, draw};
use runtop::tui::view::View;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let events: usize = args[1].parse().unwrap();
    let (w, h): (u16, u16) = (args[2].parse().unwrap(), args[3].parse().unwrap());
    let model = runtop::tui::scene::busy(events);
    let view = View::capture(&model, None);
    let mut app = App::default();
    for c in args[4].chars() {
        let code = match c {
            '\n' | 'E' => KeyCode::Enter,
            c => KeyCode::Char(c),
        };
        app.on_key(KeyEvent::new(code, KeyModifiers::NONE), &view);
    }
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| draw(f, &app, &view, Theme::PLAIN)).unwrap();
    let b = t.backend().buffer();
    for y in 0..h {
        let mut s = String::new();
        for x in 0..w {
            s.push_str(b[(x, y)].symbol());
        }
        println!("{}", s.trim_end());
    }
}
