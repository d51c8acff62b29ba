//! How quantities are written for people (the report's text, alert
//! summaries, the screens) and read from them (durations on the command
//! line).

use std::time::Duration;

/// Why a duration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("unknown unit {unit:?} in {text:?}: use ms, s, m, h or d (e.g. 30s, 5m)")]
    Unit { unit: String, text: String },
    #[error("{0:?} is not a duration (e.g. 90, 30s, 5m, 1h)")]
    NotANumber(String),
    #[error("{text:?} is out of range: from {min} to {max}")]
    Range {
        text: String,
        min: String,
        max: String,
    },
}

/// Reads a duration as people write it: `90` (seconds), `1.5`, `30s`,
/// `250ms`, `5m`, `1h`, `2d`, within `min..=max`. Everything else
/// (negative, NaN, `1e300`, a unit it does not know) is refused with the
/// reason. Written here rather than taken from `humantime`, which wants a
/// unit on every value (`90` is how these flags were always given).
pub fn parse_duration(text: &str, min: Duration, max: Duration) -> Result<Duration, DurationError> {
    let t = text.trim();
    let split = t
        .find(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E')
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let scale = match unit.trim() {
        "" | "s" | "sec" | "secs" => 1.0,
        "ms" => 0.001,
        "m" | "min" | "mins" => 60.0,
        "h" => 3_600.0,
        "d" => 86_400.0,
        other => {
            return Err(DurationError::Unit {
                unit: other.to_string(),
                text: text.to_string(),
            });
        }
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| DurationError::NotANumber(text.to_string()))?;
    let secs = value * scale;
    if !secs.is_finite() || secs < min.as_secs_f64() || secs > max.as_secs_f64() {
        return Err(DurationError::Range {
            text: text.to_string(),
            min: human_secs(min),
            max: human_secs(max),
        });
    }
    Ok(Duration::from_secs_f64(secs))
}

/// `0.5s`, `30s`, `5m`, `24h`, `30d`: a bound, for error messages.
fn human_secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    match s {
        s if s >= 86_400.0 && s % 86_400.0 == 0.0 => format!("{}d", s / 86_400.0),
        s if s >= 3_600.0 && s % 3_600.0 == 0.0 => format!("{}h", s / 3_600.0),
        s if s >= 60.0 && s % 60.0 == 0.0 => format!("{}m", s / 60.0),
        s => format!("{s}s"),
    }
}

/// `text` in at most `width` characters, cut in the middle where it is too
/// long: identifiers differ at both ends (`ci/acme-corp/monorepo/pull-4711/
/// run-42-attempt-1` and `…-attempt-2`), so both are kept, the end a little
/// more (`ci/acme-c…n-42-attempt-1` in 24).
pub fn shorten_middle(text: &str, width: usize) -> std::borrow::Cow<'_, str> {
    let len = text.chars().count();
    if len <= width {
        return std::borrow::Cow::Borrowed(text);
    }
    if width < 2 {
        return text.chars().take(width).collect::<String>().into();
    }
    let kept = width - 1;
    let head = kept * 2 / 5;
    let tail = kept - head;
    let mut out: String = text.chars().take(head).collect();
    out.push('…');
    out.extend(text.chars().skip(len - tail));
    out.into()
}

/// A change of duration over time, signed: `+1.20s/h`, `-850ms/h`.
pub fn human_slope(ms_per_hour: f64) -> String {
    let sign = if ms_per_hour < 0.0 { "-" } else { "+" };
    format!("{sign}{}/h", human_ms(ms_per_hour.abs()))
}

/// A metric's value as people read it: durations (`…_ms`) formatted as
/// durations, other values as they are.
pub fn human_metric(name: &str, value: f64) -> String {
    if name.ends_with("_ms") {
        human_ms(value)
    } else if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}

/// Rounds a duration in ms to the microsecond, for a stable, readable
/// document (reports, exports).
pub fn round_ms(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// Rounds a share (0 to 1) to a hundredth of a percent, likewise.
pub fn round_share(v: f64) -> f64 {
    (v * 10_000.0).round() / 10_000.0
}

/// A share as a percentage with one decimal, `-` when there is none.
pub fn percent_or_dash(share: Option<f64>) -> String {
    share.map_or_else(|| "-".into(), |v| format!("{:.1}%", v * 100.0))
}

/// Formats milliseconds the way an operator reads them: `850ms`, `1.20s`,
/// `2m05s`, `3h07m`, `2d04h`.
pub fn human_ms(ms: f64) -> String {
    if ms >= 86_400_000.0 {
        let h = (ms / 3_600_000.0).round() as u64;
        format!("{}d{:02}h", h / 24, h % 24)
    } else if ms >= 3_600_000.0 {
        let m = (ms / 60_000.0).round() as u64;
        format!("{}h{:02}m", m / 60, m % 60)
    } else if ms == 0.0 {
        "0ms".to_string()
    } else if ms < 1.0 {
        format!("{ms:.2}ms")
    } else if ms < 1_000.0 {
        format!("{ms:.0}ms")
    } else if ms < 60_000.0 {
        format!("{:.2}s", ms / 1_000.0)
    } else {
        let s = (ms / 1_000.0).round() as u64;
        format!("{}m{:02}s", s / 60, s % 60)
    }
}

/// The time of day of `ms` (UTC), `HH:MM:SS`: when an alert changed, on
/// a screen that shows the date elsewhere.
pub fn clock_of_day(ms: i64) -> String {
    crate::protocol::time::format_rfc3339(ms)
        .get(11..19)
        .unwrap_or_default()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_read_humanely_and_bounded() {
        let (min, max) = (Duration::from_millis(500), Duration::from_secs(30 * 86_400));
        let ok = |t: &str| parse_duration(t, min, max).unwrap();
        assert_eq!(ok("90"), Duration::from_secs(90));
        assert_eq!(ok("1.5"), Duration::from_millis(1_500));
        assert_eq!(ok("30s"), Duration::from_secs(30));
        assert_eq!(ok("750ms"), Duration::from_millis(750));
        assert_eq!(ok("5m"), Duration::from_secs(300));
        assert_eq!(ok("1h"), Duration::from_secs(3_600));
        assert_eq!(ok("2d"), Duration::from_secs(172_800));
        for bad in [
            "1e19",
            "18446744073709551615",
            "1e300",
            "1e-9",
            "-5",
            "NaN",
            "inf",
            "",
            "5 parsecs",
            "31d",
        ] {
            let err = parse_duration(bad, min, max).unwrap_err().to_string();
            assert!(err.contains(&format!("{bad:?}")), "{bad}: {err}");
        }
        let err = parse_duration("1e-9", min, max).unwrap_err().to_string();
        assert!(err.contains("from 0.5s to 30d"), "{err}");
    }

    #[test]
    fn slopes_and_metrics_read_naturally() {
        assert_eq!(human_slope(-922_461.0), "-15m22s/h");
        assert_eq!(human_slope(1_200.0), "+1.20s/h");
        assert_eq!(human_metric("queue_latency_ms", 896_688.0), "14m57s");
        assert_eq!(human_metric("tokens", 1_200.0), "1200");
        assert_eq!(human_metric("ratio", 0.256), "0.26");
    }

    #[test]
    fn long_ids_keep_both_ends() {
        let a = "ci/acme-corp/monorepo/pull-4711/run-42-attempt-1";
        let b = "ci/acme-corp/monorepo/pull-4711/run-42-attempt-2";
        let (sa, sb) = (shorten_middle(a, 24), shorten_middle(b, 24));
        assert_eq!(sa, "ci/acme-c…n-42-attempt-1");
        assert_eq!(sa.chars().count(), 24);
        assert_ne!(sa, sb, "distinguishable");
        assert_eq!(shorten_middle("exec_000001", 24), "exec_000001");
        assert_eq!(shorten_middle("abc", 1), "a");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_ms(0.43), "0.43ms");
        assert_eq!(human_ms(850.0), "850ms");
        assert_eq!(human_ms(1_200.0), "1.20s");
        assert_eq!(human_ms(125_000.0), "2m05s");
        assert_eq!(human_ms(3_600_000.0 * 3.12), "3h07m");
        assert_eq!(human_ms(86_400_000.0 * 2.0 + 3_600_000.0 * 4.0), "2d04h");
    }
}
