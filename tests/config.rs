//! Configuration: precedence (defaults < profile < file < file profile <
//! env < flag), provenance, and the messages an invalid config gets.

use std::path::PathBuf;
use std::process::Command;

use runtop::config::{LoadRequest, Origin, load, show};

fn temp_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("runtop-config-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn request(path: &std::path::Path) -> LoadRequest {
    LoadRequest {
        config_path: Some(path.to_path_buf()),
        ..LoadRequest::default()
    }
}

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn file_then_env_then_flag_each_override_the_last() {
    let path = temp_file(
        "precedence",
        "[alerts.error_rate]\nthreshold = 0.10\nmin_samples = 30\n[targets.stages]\ndeploy = 5000.0\n",
    );
    let mut req = request(&path);
    let loaded = load(&req, None).unwrap();
    assert_eq!(loaded.config.alerts.error_rate.threshold, 0.10);
    assert_eq!(
        loaded.origins["alerts.error_rate.threshold"],
        Origin::File(path.clone())
    );
    assert_eq!(loaded.config.targets.stages["deploy"], 5000.0);
    assert_eq!(
        loaded.config.targets.stages["prep"], 2000.0,
        "defaults stay"
    );

    req.env = env(&[
        ("RUNTOP_ALERTS__ERROR_RATE__THRESHOLD", "0.2"),
        ("RUNTOP_TEST_TOKEN", "not config"),
    ]);
    let loaded = load(&req, None).unwrap();
    assert_eq!(loaded.config.alerts.error_rate.threshold, 0.2);
    assert_eq!(
        loaded.origins["alerts.error_rate.threshold"],
        Origin::Env("RUNTOP_ALERTS__ERROR_RATE__THRESHOLD".into())
    );
    assert_eq!(
        loaded.config.alerts.error_rate.min_samples, 30,
        "the file's other values stay"
    );

    req.sets = vec!["alerts.error_rate.threshold=0.3".into()];
    let loaded = load(&req, None).unwrap();
    assert_eq!(loaded.config.alerts.error_rate.threshold, 0.3);
    assert_eq!(loaded.origins["alerts.error_rate.threshold"], Origin::Flag);
    let shown = show(&loaded);
    assert!(
        shown.contains("alerts.error_rate.threshold = 0.3"),
        "{shown}"
    );
    assert!(shown.contains("# flag --set"), "{shown}");
    assert!(
        shown.contains("alerts.error_rate.min_samples = 30"),
        "{shown}"
    );
}

#[test]
fn profiles_sit_below_the_file_and_its_own_profile_sections_above() {
    let path = temp_file(
        "profiles",
        "[baseline]\nmin_samples = 50\n[profiles.prod.alerts.coordination]\ncritical = 120.0\n",
    );
    let base = load(&request(&path), None).unwrap().config;
    assert_eq!(
        (base.alerts.coordination.critical, base.baseline.min_samples),
        (250.0, 50)
    );
    let dev = load(
        &LoadRequest {
            profile: Some("dev".into()),
            ..request(&path)
        },
        None,
    )
    .unwrap();
    assert_eq!(dev.config.alerts.coordination.critical, 300.0);
    assert_eq!(
        dev.config.baseline.min_samples, 50,
        "the file beats the built-in profile"
    );
    let prod = load(
        &LoadRequest {
            profile: Some("prod".into()),
            ..request(&path)
        },
        None,
    )
    .unwrap();
    assert_eq!(
        prod.config.alerts.coordination.critical, 120.0,
        "the file's [profiles.prod] beats both"
    );
    assert_eq!(prod.config.ci.fail_on, runtop::alerts::Severity::Warning);
    let defaults = load(
        &LoadRequest {
            profile: Some("dev".into()),
            ..LoadRequest::default()
        },
        None,
    )
    .unwrap()
    .config;
    assert_eq!(defaults.baseline.min_samples, 20);
    let prod = load(
        &LoadRequest {
            profile: Some("prod".into()),
            ..LoadRequest::default()
        },
        None,
    )
    .unwrap()
    .config;
    assert_eq!(
        (prod.alerts.coordination.critical, prod.baseline.min_samples),
        (150.0, 200)
    );
    let env_profile = LoadRequest {
        env: env(&[("RUNTOP_PROFILE", "dev")]),
        ..LoadRequest::default()
    };
    assert_eq!(
        load(&env_profile, None).unwrap().profile.as_deref(),
        Some("dev")
    );
}

#[test]
fn a_missing_platform_file_is_fine_and_a_missing_given_file_is_not() {
    let nowhere = PathBuf::from("/nonexistent/runtop/config.toml");
    assert!(load(&LoadRequest::default(), Some(&nowhere)).is_ok());
    let err = load(&request(&nowhere), None).unwrap_err();
    assert!(
        err.to_string()
            .contains("cannot read config /nonexistent/runtop/config.toml"),
        "{err}"
    );
}

fn error_for(name: &str, text: &str) -> String {
    let path = temp_file(name, text);
    let err = load(&request(&path), None).unwrap_err().to_string();
    err.replace(&path.display().to_string(), "config.toml")
}

#[test]
fn bad_config_messages() {
    insta::assert_snapshot!(
        "unknown_key",
        error_for("unknown", "[alerts.error_rate]\nthresold = 0.1\n")
    );
    insta::assert_snapshot!("unknown_section", error_for("section", "[alert]\n"));
    insta::assert_snapshot!(
        "wrong_type",
        error_for("type", "[retention]\nmax_active_executions = \"many\"\n")
    );
    insta::assert_snapshot!(
        "bad_window",
        error_for("window", "[alerts.stage_p95]\nwindow = \"2m\"\n")
    );
    insta::assert_snapshot!("syntax", error_for("syntax", "[ui]\nfps = \n"));
    let env_err = load(
        &LoadRequest {
            env: env(&[("RUNTOP_UI__FPS", "fast")]),
            ..LoadRequest::default()
        },
        None,
    )
    .unwrap_err();
    insta::assert_snapshot!("env_wrong_type", env_err.to_string());
    let set_err = load(
        &LoadRequest {
            sets: vec!["alerts.eror_rate.threshold=1".into()],
            ..LoadRequest::default()
        },
        None,
    )
    .unwrap_err();
    insta::assert_snapshot!("flag_unknown_key", set_err.to_string());
    let profile_err = load(
        &LoadRequest {
            profile: Some("prdo".into()),
            ..LoadRequest::default()
        },
        None,
    )
    .unwrap_err();
    insta::assert_snapshot!("unknown_profile", profile_err.to_string());
}

#[test]
fn the_binary_says_it_in_one_line_and_exits_2() {
    let path = temp_file("binary", "[alerts.error_rate]\nthresold = 0.1\n");
    let out = Command::new(env!("CARGO_BIN_EXE_runtop"))
        // Never the user's data directory (kept baselines).
        .env(
            "XDG_DATA_HOME",
            std::env::temp_dir().join("runtop-test-data"),
        )
        .args([
            "report",
            "assets/sample.ndjson",
            "--config",
            path.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("line 2, column 1") && err.contains("did you mean `threshold`?"),
        "{err}"
    );
}

#[test]
fn config_init_writes_the_template_once_and_show_and_path_work() {
    let dir = std::env::temp_dir().join(format!("runtop-config-init-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_runtop"))
            // Never the user's data directory (kept baselines).
            .env(
                "XDG_DATA_HOME",
                std::env::temp_dir().join("runtop-test-data"),
            )
            .args(args)
            .env("XDG_CONFIG_HOME", &dir)
            .output()
            .unwrap()
    };
    let path = run(&["config", "path"]);
    let expected = dir.join("runtop/config.toml");
    assert_eq!(
        String::from_utf8_lossy(&path.stdout).trim(),
        expected.to_str().unwrap()
    );
    assert!(run(&["config", "init"]).status.success());
    assert_eq!(
        std::fs::read_to_string(&expected).unwrap(),
        runtop::config::TEMPLATE
    );
    let again = run(&["config", "init"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists; not overwriting it"));
    let shown = run(&["config", "show", "--set", "ui.fps=5"]);
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(
        text.contains("ui.fps = 5") && text.contains("# flag --set"),
        "{text}"
    );
    // The file was read, and (all commented out) sets nothing.
    assert!(
        text.contains(&format!("# file: {}", expected.display())),
        "{text}"
    );
    assert!(
        !text.contains(&format!("# file {}", expected.display())),
        "{text}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
