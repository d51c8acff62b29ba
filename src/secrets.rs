//! What never appears in output: the user-info and query string of a URL
//! (tokens live there), and everything after the host of a webhook URL
//! (Slack's secret is its path). Errors, the screen, reports and logs show
//! URLs only through these functions.

/// `scheme://host:port/path?…`: the URL without user-info, with its query
/// string (and fragment) replaced by `?…`. Text that is not a URL is kept
/// up to anything that looks like a query.
pub fn url(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, url),
    };
    let (before_query, had_query) = match rest.find(['?', '#']) {
        Some(i) => (&rest[..i], true),
        None => (rest, false),
    };
    let (authority, path) = match before_query.find('/') {
        Some(i) => before_query.split_at(i),
        None => (before_query, ""),
    };
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let mut out = String::with_capacity(url.len());
    if let Some(scheme) = scheme {
        out.push_str(scheme);
        out.push_str("://");
    }
    out.push_str(host);
    out.push_str(path);
    if had_query {
        out.push_str("?…");
    }
    out
}

/// `scheme://host:port/…`: a webhook URL with nothing after its host.
pub fn webhook(url: &str) -> String {
    let shown = self::url(url);
    let after_scheme = shown.find("://").map_or(0, |i| i + 3);
    match shown[after_scheme..].find(['/', '?']) {
        Some(i) => format!("{}/…", &shown[..after_scheme + i]),
        None => shown,
    }
}

/// `text` with every occurrence of `secret_url` (and of its parts after the
/// host, which some errors quote alone) replaced by `shown`.
pub fn scrub(text: &str, secret_url: &str, shown: &str) -> String {
    let mut out = text.replace(secret_url, shown);
    let after_scheme = secret_url.find("://").map_or(0, |i| i + 3);
    if let Some(i) = secret_url[after_scheme..].find(['/', '?']) {
        let tail = &secret_url[after_scheme + i..];
        if tail.len() > 1 {
            out = out.replace(tail, "/…");
        }
    }
    if let Some(at) = secret_url[after_scheme..].find('@') {
        let userinfo = &secret_url[after_scheme..after_scheme + at];
        if !userinfo.is_empty() {
            out = out.replace(userinfo, "…");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_user_info_and_query() {
        assert_eq!(
            url("wss://user:pw@runner:9443/events?token=abc#x"),
            "wss://runner:9443/events?…"
        );
        assert_eq!(
            url("ws://127.0.0.1:99999/events"),
            "ws://127.0.0.1:99999/events"
        );
        assert_eq!(url("not a url?secret"), "not a url?…");
        assert_eq!(url("ws://[::1]:7878/"), "ws://[::1]:7878/");
    }

    #[test]
    fn webhooks_show_only_their_host() {
        assert_eq!(
            webhook("https://hooks.slack.com/services/T000/B000/XXXX"),
            "https://hooks.slack.com/…"
        );
        assert_eq!(
            webhook("http://u:p@127.0.0.1:9/x?y"),
            "http://127.0.0.1:9/…"
        );
        assert_eq!(webhook("http://127.0.0.1:9"), "http://127.0.0.1:9");
    }

    #[test]
    fn scrubbing_removes_every_trace() {
        let secret = "https://user:pw@hooks.example/services/T0/B0/XXXX";
        let text = format!("error sending to {secret}: path /services/T0/B0/XXXX refused");
        let shown = webhook(secret);
        let clean = scrub(&text, secret, &shown);
        assert!(!clean.contains("XXXX") && !clean.contains("pw"), "{clean}");
        assert!(clean.contains("https://hooks.example/…"), "{clean}");
    }
}
