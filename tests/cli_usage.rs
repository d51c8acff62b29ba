//! The command line as a new user meets it: `runtop` alone, every
//! command's help with examples, options refused where they would do
//! nothing, and the completions and manual pages for every command.

use std::time::Duration;

use clap::CommandFactory;
use runtop::cli::Cli;

mod common;

const LIMIT: Duration = Duration::from_secs(30);

fn runtop(args: &[&str]) -> std::process::Output {
    let home = common::TempDir::new("usage");
    common::run(&home.0, args, LIMIT)
}

/// Every command's path below `runtop` (`["config", "show"]`…), parents
/// before their subcommands.
fn command_paths() -> Vec<Vec<String>> {
    fn walk(cmd: &clap::Command, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            path.push(sub.get_name().to_string());
            out.push(path.clone());
            walk(sub, path, out);
            path.pop();
        }
    }
    let mut out = Vec::new();
    walk(&Cli::command(), &mut Vec::new(), &mut out);
    out
}

#[test]
fn runtop_alone_shows_where_to_start_not_a_clap_error() {
    let out = runtop(&[]);
    assert_eq!(out.status.code(), Some(2));
    let said = common::stderr(&out);
    for start in ["runtop demo", "runtop watch ws://", "runtop report FILE"] {
        assert!(said.contains(start), "{said}");
    }
    assert!(!said.contains("error:"), "{said}");
}

#[test]
fn every_command_says_examples_in_its_help() {
    let paths = command_paths();
    assert!(paths.len() >= 15, "{paths:?}");
    for path in &paths {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let out = runtop(&args);
        let help = common::stdout(&out);
        assert_eq!(out.status.code(), Some(0), "{path:?}");
        assert!(
            help.contains("Examples:"),
            "runtop {} --help has no examples:\n{help}",
            path.join(" ")
        );
    }
}

#[test]
fn options_that_would_do_nothing_are_refused() {
    for args in [
        &[
            "config",
            "show",
            "--alert-webhook",
            "https://hooks.example/x",
        ][..],
        &["baseline", "save", "a.ndjson", "b.json", "--alert-log", "x"],
        &["baseline", "save", "a.ndjson", "b.json", "--baseline", "x"],
        &["rules", "export", "--alertmanager", "http://127.0.0.1:9093"],
        &["serve", "--baseline", "x"],
        &["doctor", "--record", "x"],
        &["doctor", "--idle-timeout", "5s"],
        &["config", "path", "--profile", "dev"],
        &["simulate", "--out", "x.ndjson", "--speed", "0"],
        &[
            "simulate", "--out", "x.ndjson", "--batch", "20", "--path", "/x",
        ],
    ] {
        let out = runtop(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let said = common::stderr(&out);
        assert!(
            said.contains("unexpected argument")
                || said.contains("only when serving, not with --out"),
            "{args:?}: {said}"
        );
    }
}

#[test]
fn live_flags_are_refused_for_a_file_and_file_flags_for_runners() {
    let out = runtop(&[
        "report",
        "assets/sample.ndjson",
        "--for",
        "10",
        "--header",
        "A: b",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let said = common::stderr(&out);
    assert!(
        said.contains("--header, --for apply only to live runners"),
        "{said}"
    );
    assert!(!said.contains("A: b"), "a header's value is never echoed");
    let url = format!("ws://127.0.0.1:{}/events", common::closed_port());
    let out = runtop(&["check", &url, "--max-line-bytes", "100"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(common::stderr(&out).contains("--max-line-bytes applies to files"));
    let out = runtop(&["serve", "assets/sample.ndjson", "--record", "x.ndjson"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(common::stderr(&out).contains("--record applies only to live runners"));
}

#[test]
fn speed_defaults_are_explained_where_they_differ() {
    for (command, default) in [("demo", "10"), ("simulate", "1"), ("replay", "1")] {
        let out = runtop(&[command, "--help"]);
        let help = common::stdout(&out);
        assert!(
            help.contains(&format!("[default: {default}]")),
            "{command}:\n{help}"
        );
        assert!(help.contains("real time"), "{command}:\n{help}");
    }
}

#[test]
fn completions_generate_for_every_shell_and_know_every_command() {
    let names: Vec<String> = Cli::command()
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = runtop(&["completions", shell]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{shell}: {}",
            common::stderr(&out)
        );
        let script = common::stdout(&out);
        for name in &names {
            assert!(script.contains(name.as_str()), "{shell} lacks {name}");
        }
        assert!(script.contains("alert-webhook"), "{shell} lacks the flags");
    }
    assert_eq!(runtop(&["completions", "tcsh"]).status.code(), Some(2));
}

#[test]
fn a_manual_page_for_every_command() {
    let home = common::TempDir::new("man");
    let dir = home.path("man1");
    let out = runtop(&["man", "--out", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let mut pages = vec![("runtop.1".to_string(), Vec::new())];
    for path in command_paths() {
        pages.push((format!("runtop-{}.1", path.join("-")), path));
    }
    for (file, path) in &pages {
        let roff =
            std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(roff.contains(".TH"), "{file} is not a man page");
        // The page printed for one command is the one written for it.
        let mut args = vec!["man"];
        args.extend(path.iter().map(String::as_str));
        let printed = runtop(&args);
        assert_eq!(
            common::stdout(&printed),
            roff,
            "runtop man {}",
            path.join(" ")
        );
    }
    assert!(
        std::fs::read_to_string(dir.join("runtop-report.1"))
            .unwrap()
            .contains("Examples:")
    );
    let out = runtop(&["man", "nosuch"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(common::stderr(&out).contains("no command \"nosuch\""));
}
