//! The alert sinks: the alert log can be written, the webhook's host and
//! the Alertmanagers answer; with `--send-test`, each gets a test
//! notification. Webhook URLs are shown only up to their host (Slack's
//! secret is the path), Alertmanager URLs without user-info or query.

use std::net::ToSocketAddrs;
use std::path::Path;
use std::time::Duration;

use super::{Section, clean};
use crate::cli::headless::AlertArgs;
use crate::protocol::time::{format_rfc3339, wall_clock_now};
use crate::secrets;

const TIMEOUT: Duration = Duration::from_secs(5);

pub fn check(args: &AlertArgs, send_test: bool) -> Section {
    let mut s = Section::new("alert sinks");
    if args.alert_log.is_none() && args.alert_webhook.is_none() && args.alertmanagers.is_empty() {
        s.skipped(
            "sinks",
            "none given: alerts show on screen and in reports only (--alert-log, \
             --alert-webhook, --alertmanager send them on)",
        );
        return s;
    }
    if let Some(path) = &args.alert_log {
        alert_log(path, &mut s);
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .http_status_as_error(false)
        .build()
        .into();
    if let Some(url) = &args.alert_webhook {
        webhook(&agent, url, send_test, &mut s);
    }
    for url in &args.alertmanagers {
        alertmanager(&agent, url, send_test, &mut s);
    }
    s
}

/// Opened as runtop opens it (appending, created 0600); a file this made
/// is removed again.
fn alert_log(path: &Path, s: &mut Section) {
    let existed = path.exists();
    match crate::files::create_private(path, crate::files::WriteMode::Append) {
        Ok(_) => {
            if !existed {
                let _ = std::fs::remove_file(path);
            }
            s.ok(
                "alert log",
                format!("{} can be appended to", path.display()),
            );
        }
        Err(e) => s.fail(
            "alert log",
            format!("{}: {e}", path.display()),
            "give a path in a directory runtop can write, to a regular file (not a link)",
        ),
    }
}

fn webhook(agent: &ureq::Agent, url: &str, send_test: bool, s: &mut Section) {
    let shown = secrets::webhook(url);
    let example = "the webhook's full URL, e.g. https://hooks.slack.com/services/…";
    if !is_http(url, "webhook", &shown, example, s) {
        return;
    }
    if !send_test {
        match reachable(url) {
            Ok(addr) => s.ok(
                "webhook",
                format!("{shown} answers on {addr} (--send-test posts a message)"),
            ),
            Err(e) => s.fail(
                "webhook",
                format!("{shown}: {e}"),
                "check the URL's host and port, and that this host may reach it (proxy, firewall)",
            ),
        }
        return;
    }
    let body = serde_json::json!({
        "text": format!("runtop doctor: a test notification from {}", crate::alerts::alertmanager_push::instance()),
        "runtop": { "test": true },
    });
    match post(agent, url, &body.to_string()) {
        Ok(()) => s.ok("webhook", format!("{shown} accepted a test message")),
        Err(e) => s.fail(
            "webhook",
            format!(
                "{shown}: the test message failed: {}",
                secrets::scrub(&e, url, &shown)
            ),
            "check the URL (a revoked Slack webhook answers 403 or 404) and this host's proxy",
        ),
    }
}

fn alertmanager(agent: &ureq::Agent, url: &str, send_test: bool, s: &mut Section) {
    let shown = secrets::url(url);
    let example = "Alertmanager's base URL, e.g. http://127.0.0.1:9093";
    if !is_http(url, "alertmanager", &shown, example, s) {
        return;
    }
    let base = url.trim_end_matches('/');
    let ready = agent
        .get(format!("{base}/-/ready"))
        .call()
        .map_err(|e| e.to_string())
        .and_then(|r| match r.status().as_u16() {
            200 => Ok(()),
            code => Err(format!("HTTP {code} from /-/ready")),
        });
    if let Err(e) = ready {
        s.fail(
            "alertmanager",
            format!("{shown}: {}", clean(&secrets::scrub(&e, url, &shown))),
            "give Alertmanager's base URL (what serves /-/ready and /api/v2/alerts), and check \
             that it runs",
        );
        return;
    }
    if !send_test {
        s.ok(
            "alertmanager",
            format!("{shown} is ready (--send-test sends a test alert)"),
        );
        return;
    }
    let now = wall_clock_now();
    let alert = serde_json::json!([{
        "labels": {
            "alertname": "RuntopDoctorTest",
            "severity": "info",
            "instance": crate::alerts::alertmanager_push::instance(),
        },
        "annotations": {
            "summary": "a test alert from runtop doctor; it resolves by itself in five minutes",
        },
        "startsAt": format_rfc3339(now),
        "endsAt": format_rfc3339(now + 5 * 60_000),
    }]);
    match post(agent, &format!("{base}/api/v2/alerts"), &alert.to_string()) {
        Ok(()) => s.ok(
            "alertmanager",
            format!("{shown} accepted a test alert (RuntopDoctorTest)"),
        ),
        Err(e) => s.fail(
            "alertmanager",
            format!(
                "{shown}: the test alert failed: {}",
                clean(&secrets::scrub(&e, url, &shown))
            ),
            "check Alertmanager's logs: it refused the alert",
        ),
    }
}

/// Whether `url` is http(s); if not, a failure saying what to give.
fn is_http(url: &str, check: &'static str, shown: &str, example: &str, s: &mut Section) -> bool {
    let http = url.starts_with("http://") || url.starts_with("https://");
    if !http {
        s.fail(
            check,
            format!("{shown} is not an http:// or https:// URL"),
            format!("give {example}"),
        );
    }
    http
}

fn post(agent: &ureq::Agent, url: &str, body: &str) -> Result<(), String> {
    let response = agent
        .post(url)
        .header("content-type", "application/json")
        .send(body)
        .map_err(|e| e.to_string())?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("HTTP {}", response.status().as_u16()))
    }
}

/// The URL's host resolved and connected to (TCP): where it answered.
fn reachable(url: &str) -> Result<String, String> {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = after_scheme
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    let default_port = if url.starts_with("https://") { 443 } else { 80 };
    let target = if host_port
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
    {
        host_port.to_string()
    } else {
        format!("{host_port}:{default_port}")
    };
    let addrs: Vec<_> = target
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve: {e}"))?
        .collect();
    let mut last = "no address".to_string();
    for addr in addrs {
        match std::net::TcpStream::connect_timeout(&addr, TIMEOUT) {
            Ok(_) => return Ok(addr.to_string()),
            Err(e) => last = e.to_string(),
        }
    }
    Err(last)
}
