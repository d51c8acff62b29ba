//! The terminal the UI would draw on: is there one, is it big enough, what
//! it says it is (`TERM`), and how many colours runtop will use.

use std::io::IsTerminal;

use super::Section;
use crate::tui::panels::{MIN_HEIGHT, MIN_WIDTH};

pub fn check() -> Section {
    let mut s = Section::new("terminal");
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let term = env("TERM");
    let tty = std::io::stdout().is_terminal() && std::io::stdin().is_terminal();
    judge(
        tty,
        term.as_deref(),
        crossterm::terminal::size().ok(),
        env("NO_COLOR").is_some(),
        env("COLORTERM").as_deref(),
        &mut s,
    );
    s
}

/// The findings for a terminal described by these facts (separate from
/// reading them, so that each case can be tested).
fn judge(
    tty: bool,
    term: Option<&str>,
    size: Option<(u16, u16)>,
    no_color: bool,
    colorterm: Option<&str>,
    s: &mut Section,
) {
    if !tty {
        s.warn(
            "tty",
            "standard input or output is not a terminal",
            "the UI (demo, watch, replay) needs one: run it in a terminal or over `ssh -t`; \
             report, check and serve do not",
        );
    } else {
        s.ok("tty", "standard input and output are a terminal");
    }
    match term {
        None | Some("dumb") => {
            let said = match term {
                None => "TERM is not set".to_string(),
                Some(t) => format!("TERM is {t:?}: no cursor movement"),
            };
            let fix = "export TERM=xterm-256color (or what your terminal emulator is)";
            if tty {
                s.fail("TERM", said, fix);
            } else {
                s.warn("TERM", said, fix);
            }
        }
        Some(t) => s.ok("TERM", t.to_string()),
    }
    match size {
        Some((w, h)) if w < MIN_WIDTH || h < MIN_HEIGHT => s.warn(
            "size",
            format!("{w}×{h}: runtop needs {MIN_WIDTH}×{MIN_HEIGHT}"),
            "enlarge the window, or use a smaller font",
        ),
        Some((w, h)) => s.ok("size", format!("{w}×{h}")),
        None if tty => s.warn(
            "size",
            "the terminal does not say its size",
            "check that TERM matches the terminal emulator",
        ),
        None => s.skipped("size", "no terminal to measure"),
    }
    let colours = if no_color {
        "none: NO_COLOR is set (series still differ by glyph)"
    } else if matches!(colorterm, Some("truecolor" | "24bit")) {
        "24-bit (COLORTERM)"
    } else if term.is_some_and(|t| t.contains("256color")) {
        "256 (TERM)"
    } else {
        "16, the safe default (TERM names no more)"
    };
    s.ok("colours", colours);
}

#[cfg(test)]
mod tests {
    use super::super::Status;
    use super::*;

    fn statuses(
        tty: bool,
        term: Option<&str>,
        size: Option<(u16, u16)>,
    ) -> Vec<(&'static str, Status)> {
        let mut s = Section::new("terminal");
        judge(tty, term, size, false, None, &mut s);
        s.findings.iter().map(|f| (f.check, f.status)).collect()
    }

    #[test]
    fn a_good_terminal_passes() {
        let got = statuses(true, Some("xterm-256color"), Some((120, 40)));
        assert!(got.iter().all(|(_, st)| *st == Status::Ok), "{got:?}");
    }

    #[test]
    fn no_term_in_a_terminal_fails_and_a_small_one_warns() {
        let got = statuses(true, None, Some((70, 20)));
        assert!(got.contains(&("TERM", Status::Fail)), "{got:?}");
        assert!(got.contains(&("size", Status::Warn)), "{got:?}");
        let got = statuses(true, Some("dumb"), Some((80, 24)));
        assert!(got.contains(&("TERM", Status::Fail)), "{got:?}");
        assert!(got.contains(&("size", Status::Ok)), "{got:?}");
    }

    #[test]
    fn without_a_terminal_only_warns() {
        let got = statuses(false, None, None);
        assert!(got.iter().all(|(_, st)| *st != Status::Fail), "{got:?}");
        assert!(got.contains(&("tty", Status::Warn)), "{got:?}");
    }
}
