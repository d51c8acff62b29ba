//! Timestamps on the wire and inside runtop.
//!
//! Inside runtop every instant is a count of milliseconds since the Unix epoch
//! ([`Millis`]); the wire may carry either that integer or an RFC 3339 string.

/// Milliseconds since the Unix epoch, UTC.
pub type Millis = i64;

/// 2000-01-01T00:00:00Z: nothing a runner emits is older than this.
pub const EARLIEST_PLAUSIBLE: Millis = 946_684_800_000;

/// Parses an RFC 3339 timestamp such as `2026-11-22T10:00:00.050Z` or
/// `2026-11-22T11:00:00+01:00`.
pub fn parse_rfc3339(s: &str) -> Option<Millis> {
    s.parse::<jiff::Timestamp>()
        .ok()
        .map(|t| t.as_millisecond())
}

/// Formats `ms` as RFC 3339 with millisecond precision, e.g. for reports.
pub fn format_rfc3339(ms: Millis) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(t) => format!("{t:.3}"),
        Err(_) => ms.to_string(),
    }
}

/// The wall clock, for the thin layers (CLI, sources) that must ask for it.
/// The engine itself never calls this: time is passed in.
pub fn wall_clock_now() -> Millis {
    jiff::Timestamp::now().as_millisecond()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_utc_and_offsets() {
        assert_eq!(
            parse_rfc3339("2026-11-22T10:00:00.050Z"),
            Some(1_795_341_600_050)
        );
        assert_eq!(
            parse_rfc3339("2026-11-22T11:00:00.050+01:00"),
            Some(1_795_341_600_050)
        );
        assert_eq!(parse_rfc3339("2026-11-22 10:00"), None);
        assert_eq!(parse_rfc3339("yesterday"), None);
    }

    #[test]
    fn formats_round_trip() {
        let ms = 1_795_341_600_050;
        assert_eq!(format_rfc3339(ms), "2026-11-22T10:00:00.050Z");
        assert_eq!(parse_rfc3339(&format_rfc3339(ms)), Some(ms));
    }
}
