//! The real binary in a real terminal (tmux), when tmux is installed: the
//! overview shows, Enter drills into an execution, `q` quits with exit 0 and
//! the terminal has left the alternate screen; SIGTERM restores it too.

mod common;

use std::process::Command;

use common::{TmuxSession, tmux};
use std::time::{Duration, Instant};

fn has_tmux() -> bool {
    common::require("tmux", "-V")
}

/// Polls the pane until it shows `text`, for up to `limit`.
fn wait_for(session: &str, text: &str, limit: Duration) -> String {
    let deadline = Instant::now() + limit;
    loop {
        let pane = tmux(&["capture-pane", "-t", session, "-p"]);
        if pane.contains(text) || Instant::now() > deadline {
            return pane;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// runtop's pid in a session's pane: the pane's shell's child.
fn runtop_pid(session: &str) -> String {
    common::pane_child_pid(session)
        .expect("runtop's pid")
        .to_string()
}

/// Waits up to 10 s for `path` to exist.
fn wait_for_file(path: &std::path::Path) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !path.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn has_pgrep() -> bool {
    common::require("pgrep", "-V")
}

/// runtop wrote exit code 0 and the terminal has left the alternate screen.
fn assert_exited_cleanly(session: &str, exit_file: &std::path::Path) {
    wait_for_file(exit_file);
    assert_eq!(
        std::fs::read_to_string(exit_file)
            .unwrap_or_default()
            .trim(),
        "EXIT=0",
        "runtop's exit; the pane: {}",
        tmux(&["capture-pane", "-p", "-t", session])
    );
    assert_eq!(
        tmux(&["display", "-p", "-t", session, "#{alternate_on}"]).trim(),
        "0",
        "left the alternate screen"
    );
}

fn start(name: &str, term: &str, exit_file: &std::path::Path) -> TmuxSession {
    start_with(name, term, "demo --speed 20", exit_file)
}

/// A session running `runtop ARGS` at 80×24, and the file its exit code
/// goes to.
fn launch(name: &str, args: &str) -> (TmuxSession, std::path::PathBuf) {
    assert!(has_tmux(), "tmux is needed");
    let exit_file =
        std::env::temp_dir().join(format!("runtop-e2e-{name}-{}.exit", std::process::id()));
    let _ = std::fs::remove_file(&exit_file);
    let session = start_with(name, "xterm-256color", args, &exit_file);
    (session, exit_file)
}

/// `q`, then runtop has exited cleanly.
fn quit(session: &TmuxSession, exit_file: &std::path::Path) {
    tmux(&["send-keys", "-t", &session.0, "q"]);
    assert_exited_cleanly(&session.0, exit_file);
    let _ = std::fs::remove_file(exit_file);
}

fn start_with(name: &str, term: &str, args: &str, exit_file: &std::path::Path) -> TmuxSession {
    let session = format!("runtop-e2e-{name}-{}", std::process::id());
    let command = format!(
        "TERM={term} XDG_CONFIG_HOME=/nonexistent XDG_DATA_HOME=/nonexistent {} {args}; echo EXIT=$? > {}; sleep 30",
        env!("CARGO_BIN_EXE_runtop"),
        exit_file.display()
    );
    tmux(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        "80",
        "-y",
        "24",
        &command,
    ]);
    TmuxSession(session)
}

#[test]
fn overview_drill_down_and_quit_in_a_real_terminal() {
    assert!(has_tmux(), "tmux is needed (.ci/run installs it)");
    let exit_file = std::env::temp_dir().join(format!("runtop-e2e-{}.exit", std::process::id()));
    let _ = std::fs::remove_file(&exit_file);
    let s = start("quit", "xterm-256color", &exit_file);
    let pane = wait_for(&s.0, "exec_0000", Duration::from_secs(20));
    assert!(
        pane.contains("active executions") && pane.contains("exec_0000"),
        "{pane}"
    );
    assert_eq!(
        tmux(&["display", "-p", "-t", &s.0, "#{alternate_on}"]).trim(),
        "1",
        "drawn on the alternate screen"
    );
    // runtop reads the size when the terminal reports a resize: the wider
    // layout (with a variant column) appears, and goes when it shrinks.
    assert!(!pane.contains("variant"), "{pane}");
    tmux(&["resize-window", "-t", &s.0, "-x", "160", "-y", "48"]);
    let pane = wait_for(&s.0, "variant", Duration::from_secs(10));
    assert!(pane.contains("variant"), "{pane}");
    tmux(&["resize-window", "-t", &s.0, "-x", "80", "-y", "24"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while tmux(&["capture-pane", "-t", &s.0, "-p"]).contains("variant") {
        assert!(Instant::now() < deadline, "the narrow layout came back");
        std::thread::sleep(Duration::from_millis(100));
    }
    tmux(&["send-keys", "-t", &s.0, "Enter"]);
    let pane = wait_for(&s.0, "waterfall", Duration::from_secs(10));
    assert!(pane.contains("waterfall"), "{pane}");
    quit(&s, &exit_file);
}

/// From launch, `4` `Enter` `Enter`: the top critical alert's evidence,
/// then the worst execution behind it, in a real terminal. The `failures`
/// scenario's burst starts 10 simulated minutes in: 10 s at ×60.
#[test]
fn four_enter_enter_from_launch_reaches_the_execution_behind_the_top_alert() {
    let (s, exit_file) = launch("evidence", "demo --scenario failures --speed 60");
    let pane = wait_for(&s.0, "✖1", Duration::from_secs(40));
    assert!(pane.contains("✖"), "a critical alert fires: {pane}");
    tmux(&["send-keys", "-t", &s.0, "4"]);
    wait_for(&s.0, "history", Duration::from_secs(5));
    tmux(&["send-keys", "-t", &s.0, "Enter"]);
    let pane = wait_for(&s.0, "executions behind it", Duration::from_secs(5));
    assert!(pane.contains("executions behind it"), "{pane}");
    assert!(
        pane.contains("failed"),
        "the failed attempts, worst first: {pane}"
    );
    tmux(&["send-keys", "-t", &s.0, "Enter"]);
    let pane = wait_for(&s.0, "waterfall", Duration::from_secs(5));
    assert!(pane.contains("waterfall"), "{pane}");
    quit(&s, &exit_file);
}

/// A runner that refuses: a banner says so, why, for how long and when
/// runtop tries again, within five seconds of launch.
#[test]
fn a_refused_source_shows_its_banner_within_5_seconds() {
    let url = format!("ws://127.0.0.1:{}/events", common::closed_port());
    let started = Instant::now();
    let (s, exit_file) = launch("banner", &format!("watch {url}"));
    let pane = wait_for(&s.0, "connection refused", Duration::from_secs(5));
    assert!(started.elapsed() <= Duration::from_secs(6), "{pane}");
    let banner = pane
        .lines()
        .find(|l| l.contains("connection refused"))
        .unwrap_or_else(|| panic!("no banner: {pane}"));
    assert!(
        banner.contains(&format!("○ {}", url.replace("/events", ""))),
        "{banner}"
    );
    assert!(
        banner.contains("down") && banner.contains("try"),
        "{banner}"
    );
    quit(&s, &exit_file);
}

/// `7`: the runner nodes side by side, the slowest node of each stage
/// marked, in two keys from launch.
#[test]
fn the_nodes_screen_names_the_slowest_node_per_stage() {
    let (s, exit_file) = launch("nodes", "demo --speed 60");
    wait_for(&s.0, "exec_000020", Duration::from_secs(40));
    tmux(&["send-keys", "-t", &s.0, "7"]);
    // Each stage is compared once two nodes have five attempts of it.
    let marked = |pane: &str| {
        ["prep", "implement", "verify"].iter().all(|stage| {
            pane.lines()
                .any(|l| l.contains(stage) && l.contains("◀ slowest"))
        })
    };
    let deadline = Instant::now() + Duration::from_secs(40);
    let mut pane = String::new();
    while Instant::now() < deadline && !marked(&pane) {
        std::thread::sleep(Duration::from_millis(250));
        pane = tmux(&["capture-pane", "-t", &s.0, "-p"]);
    }
    assert!(
        pane.contains("runner nodes") && pane.contains("runner-1"),
        "{pane}"
    );
    assert!(marked(&pane), "the slowest node of every stage: {pane}");
    quit(&s, &exit_file);
}

#[test]
fn the_timings_screen_charts_the_selected_stage_in_a_real_terminal() {
    let (s, exit_file) = launch("charts", "demo --speed 60");
    wait_for(&s.0, "exec_000020", Duration::from_secs(40));
    tmux(&["send-keys", "-t", &s.0, "3", "j"]);
    let pane = wait_for(&s.0, "implement durations", Duration::from_secs(10));
    assert!(pane.contains("implement p50 and p95, last 5m"), "{pane}");
    // The line is drawn (Braille), with its key; the histogram marks p50.
    let braille = pane
        .chars()
        .filter(|c| ('\u{2801}'..='\u{28FF}').contains(c))
        .count();
    assert!(braille > 10, "a line: {pane}");
    assert!(pane.contains("• p50") && pane.contains("target"), "{pane}");
    assert!(
        pane.lines().any(|l| l.contains("p50") && l.contains('█')),
        "{pane}"
    );
    // `w` moves the charts to the next window.
    tmux(&["send-keys", "-t", &s.0, "w"]);
    let pane = wait_for(
        &s.0,
        "implement p50 and p95, last 1h",
        Duration::from_secs(5),
    );
    assert!(pane.contains("implement durations, last 1h"), "{pane}");
    quit(&s, &exit_file);
}

/// The correlation id on the row drawn reversed (the selection).
fn selected_cid(session: &str) -> Option<String> {
    let pane = tmux(&["capture-pane", "-e", "-p", "-t", session]);
    let line = pane.lines().filter(|l| l.contains("exec_")).find(|l| {
        l.split("\x1b[").skip(1).any(|sgr| {
            sgr.split('m')
                .next()
                .is_some_and(|codes| codes.split(';').any(|c| c == "7"))
        })
    })?;
    let start = line.find("exec_")?;
    Some(line[start..start + 11].to_string())
}

/// The executions list re-sorts as new ones arrive (newest first): the
/// selection stays on the execution chosen, not on its row number.
#[test]
fn the_selection_stays_on_its_execution_while_the_list_re_sorts() {
    let (s, exit_file) = launch("select", "demo --speed 60");
    wait_for(&s.0, "exec_000008", Duration::from_secs(30));
    tmux(&["send-keys", "-t", &s.0, "2", "j", "j", "j"]);
    std::thread::sleep(Duration::from_millis(500));
    let chosen = selected_cid(&s.0).unwrap_or_else(|| {
        panic!(
            "a selected row: {}",
            tmux(&["capture-pane", "-e", "-p", "-t", &s.0])
        )
    });
    let row_of = |cid: &str| {
        tmux(&["capture-pane", "-p", "-t", &s.0])
            .lines()
            .position(|l| l.contains(cid))
    };
    let first_row = row_of(&chosen);
    // New executions arrive on top and push it down.
    let deadline = Instant::now() + Duration::from_secs(20);
    while row_of(&chosen) == first_row && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_ne!(row_of(&chosen), first_row, "the list moved");
    assert_eq!(selected_cid(&s.0).as_deref(), Some(chosen.as_str()));
    tmux(&["send-keys", "-t", &s.0, "Enter"]);
    let pane = wait_for(&s.0, "waterfall", Duration::from_secs(5));
    assert!(pane.contains(&chosen), "Enter opens the one chosen: {pane}");
    quit(&s, &exit_file);
}

/// Ids that differ only at their end stay apart at 80 columns: cut in
/// the middle, not at the end (a recording of three such executions).
#[test]
fn long_ids_are_distinguishable_at_80_columns() {
    assert!(has_tmux(), "tmux is needed");
    let dir = common::TempDir::new("e2e-long-ids");
    let log = dir.path("long.ndjson");
    let mut lines = String::new();
    for attempt in 1..=3 {
        lines.push_str(&format!(
            "{{\"type\":\"stage_started\",\"ts\":\"2026-11-22T10:00:0{attempt}Z\",\"correlation_id\":\"ci/acme-corp/monorepo/pull-4711/run-42-attempt-{attempt}\",\"stage\":\"implement\"}}\n"
        ));
    }
    std::fs::write(&log, lines).unwrap();
    let exit_file =
        std::env::temp_dir().join(format!("runtop-e2e-ids-{}.exit", std::process::id()));
    let _ = std::fs::remove_file(&exit_file);
    let s = start_with(
        "ids",
        "xterm-256color",
        &format!("replay {} --speed 0", log.display()),
        &exit_file,
    );
    wait_for(&s.0, "replay finished", Duration::from_secs(10));
    for screen in ["1", "2"] {
        tmux(&["send-keys", "-t", &s.0, screen]);
        std::thread::sleep(Duration::from_millis(300));
        let pane = tmux(&["capture-pane", "-p", "-t", &s.0]);
        for attempt in 1..=3 {
            assert!(
                pane.lines()
                    .any(|l| l.contains('…') && l.contains(&format!("tempt-{attempt} "))),
                "screen {screen}, attempt {attempt}: {pane}"
            );
        }
    }
    quit(&s, &exit_file);
}

/// `--filter` and `--sort` (as `ui.filter`, `ui.sort`) set how the
/// Executions screen starts.
#[test]
fn the_executions_list_starts_as_the_flags_say() {
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/sample.ndjson");
    let (s, exit_file) = launch(
        "flags",
        &format!("replay {sample} --speed 0 --filter failed --sort slowest"),
    );
    wait_for(&s.0, "replay finished", Duration::from_secs(20));
    tmux(&["send-keys", "-t", &s.0, "2"]);
    let pane = wait_for(&s.0, "filter failed", Duration::from_secs(5));
    assert!(pane.contains("filter failed · sort slowest"), "{pane}");
    assert!(
        pane.contains("failed") || pane.contains("timeout"),
        "{pane}"
    );
    quit(&s, &exit_file);
}

/// `/` narrows the list as it is typed; an ambiguous search shows its
/// candidates to pick from instead of opening one of them.
#[test]
fn an_ambiguous_search_shows_its_candidates() {
    let (s, exit_file) = launch("search", "demo --speed 60");
    wait_for(&s.0, "exec_000012", Duration::from_secs(30));
    tmux(&["send-keys", "-t", &s.0, "/", "exec_00000"]);
    let pane = wait_for(&s.0, "9 matches", Duration::from_secs(5));
    assert!(pane.contains("9 matches"), "{pane}");
    tmux(&["send-keys", "-t", &s.0, "Enter"]);
    let pane = wait_for(&s.0, "pick one", Duration::from_secs(5));
    assert!(pane.contains("9 match \"exec_00000\": pick one"), "{pane}");
    assert!(
        pane.contains("exec_000001") && !pane.contains("exec_000012"),
        "{pane}"
    );
    tmux(&["send-keys", "-t", &s.0, "Enter"]);
    let pane = wait_for(&s.0, "waterfall", Duration::from_secs(5));
    assert!(pane.contains("waterfall"), "{pane}");
    quit(&s, &exit_file);
}

/// The demo plays simulated time: a stage's bar against its target moves
/// at the pace its stage does, and the Detail header's total agrees with
/// the list's.
#[test]
fn demo_bars_move_at_the_speed_stages_do() {
    let (s, exit_file) = launch("bars", "demo --speed 10");
    // At ×10 a verify stage (target 60 s, about 20 s long) reaches 10 % of
    // its target within 6 s of wall time: a bar of at least one cell.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = 0;
    while Instant::now() < deadline {
        let pane = tmux(&["capture-pane", "-t", &s.0, "-p"]);
        seen = pane
            .lines()
            .filter(|l| l.contains("verify") && l.contains('█'))
            .filter_map(|l| {
                l.split_whitespace()
                    .find(|w| w.ends_with('%'))
                    .and_then(|w| w.trim_end_matches('%').parse::<u32>().ok())
            })
            .max()
            .unwrap_or(0)
            .max(seen);
        if seen >= 20 {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(
        seen >= 20,
        "a verify stage passed 20 % of its target: {seen} %"
    );
    quit(&s, &exit_file);
}

/// A signal sent to runtop ends it with the terminal handed back.
fn signal_restores_the_terminal(signal: &str, term: &str) {
    assert!(
        has_tmux() && has_pgrep(),
        "tmux and pgrep are needed (.ci/run installs them)"
    );
    let exit_file =
        std::env::temp_dir().join(format!("runtop-e2e-{signal}-{}.exit", std::process::id()));
    let _ = std::fs::remove_file(&exit_file);
    let s = start(signal, term, &exit_file);
    let pane = wait_for(&s.0, "active executions", Duration::from_secs(20));
    assert!(pane.contains("active executions"), "{pane}");
    let runtop = runtop_pid(&s.0);
    Command::new("kill")
        .args([&format!("-{signal}"), &runtop])
        .status()
        .unwrap();
    assert_exited_cleanly(&s.0, &exit_file);
    let _ = std::fs::remove_file(&exit_file);
}

#[test]
fn sigterm_restores_the_terminal_under_term_screen() {
    signal_restores_the_terminal("TERM", "screen");
}

#[test]
fn sigint_restores_the_terminal() {
    signal_restores_the_terminal("INT", "xterm-256color");
}

#[test]
fn a_dropped_terminal_sighup_ends_runtop() {
    assert!(
        has_tmux() && has_pgrep() && std::path::Path::new("/proc/self").exists(),
        "tmux, pgrep and /proc are needed (.ci/run installs the first two)"
    );
    let exit_file =
        std::env::temp_dir().join(format!("runtop-e2e-hup-{}.exit", std::process::id()));
    let s = start("hup", "xterm-256color", &exit_file);
    let pane = wait_for(&s.0, "active executions", Duration::from_secs(20));
    assert!(pane.contains("active executions"), "{pane}");
    let runtop = runtop_pid(&s.0);
    // Killing the session hangs up its terminal, as an SSH drop does.
    tmux(&["kill-session", "-t", &s.0]);
    let proc_dir = std::path::PathBuf::from(format!("/proc/{runtop}"));
    let deadline = Instant::now() + Duration::from_secs(10);
    while proc_dir.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let still = proc_dir.exists();
    if still {
        // Do not leave it spinning if the assertion fails.
        let _ = Command::new("kill").args(["-9", &runtop]).status();
    }
    assert!(
        !still,
        "runtop {runtop} still running after its terminal hung up"
    );
    let _ = std::fs::remove_file(&exit_file);
}
