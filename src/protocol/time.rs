//! Timestamps on the wire and inside runtop.
//!
//! Inside runtop every instant is a count of milliseconds since the Unix epoch
//! ([`Millis`]); the wire may carry either that integer or an RFC 3339 string.

/// Milliseconds since the Unix epoch, UTC.
pub type Millis = i64;

/// 2000-01-01T00:00:00Z: nothing a runner emits is older than this.
pub const EARLIEST_PLAUSIBLE: Millis = 946_684_800_000;
/// 2100-01-01T00:00:00Z: a timestamp past this is garbage whatever the clock.
pub const LATEST_PLAUSIBLE: Millis = 4_102_444_800_000;

/// Whether `ms` lies in the years a runner's clock can plausibly show.
pub fn is_plausible(ms: Millis) -> bool {
    (EARLIEST_PLAUSIBLE..LATEST_PLAUSIBLE).contains(&ms)
}

/// Parses an RFC 3339 timestamp such as `2026-11-22T10:00:00.050Z` or
/// `2026-11-22T11:00:00+01:00`.
pub fn parse_rfc3339(s: &str) -> Option<Millis> {
    utc_fast(s.as_bytes()).or_else(|| {
        s.parse::<jiff::Timestamp>()
            .ok()
            .map(|t| t.as_millisecond())
    })
}

/// The common shape, `YYYY-MM-DDTHH:MM:SS[.f…]Z` from 1970 on, read
/// directly: runners write nothing else, and jiff's general parser (every
/// offset, every RFC 9557 extension) was a twentieth of decoding a log.
/// Anything else, or anything doubtful (a leap second, a bad date), is left
/// to jiff, so the answer is always jiff's (a property test checks).
fn utc_fast(b: &[u8]) -> Option<Millis> {
    // Digits are read without a check each; any byte that was not one
    // shows in `bad` (a digit's value is below 10), tested once.
    let mut bad = 0u8;
    let mut digits = |range: std::ops::Range<usize>| -> Option<i64> {
        Some(b.get(range)?.iter().fold(0i64, |n, &c| {
            let d = c.wrapping_sub(b'0');
            bad |= u8::from(d > 9);
            n * 10 + i64::from(d)
        }))
    };
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b.last() != Some(&b'Z')
    {
        return None;
    }
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    if bad != 0 {
        return None;
    }
    let fraction = &b[19..b.len() - 1];
    let millis = match fraction {
        [] => 0,
        [b'.', rest @ ..] if (1..=9).contains(&rest.len()) => {
            let mut ms = 0;
            for (i, &c) in rest.iter().enumerate() {
                if !c.is_ascii_digit() {
                    return None;
                }
                if i < 3 {
                    ms = ms * 10 + i64::from(c - b'0');
                }
            }
            ms * 10_i64.pow(3u32.saturating_sub(rest.len() as u32))
        }
        _ => return None,
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let month_days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if year < 1970 || day < 1 || day > month_days || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    // Days from 1970-01-01 of a proleptic Gregorian date (the usual
    // era-based count).
    let (y, m) = if month <= 2 {
        (year - 1, month + 9)
    } else {
        (year, month - 3)
    };
    let era = y / 400;
    let year_of_era = y - era * 400;
    let day_of_year = (153 * m + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    Some(((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis)
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

    proptest::proptest! {
        /// The fast path answers as jiff does, or leaves the string to it.
        #[test]
        fn the_fast_path_agrees_with_jiff(
            ms in 0i64..8_000_000_000_000,
            digits in 0usize..10,
            tweak in 0usize..40,
            junk in 0u8..128,
        ) {
            let t = jiff::Timestamp::from_millisecond(ms).unwrap();
            let mut text = match digits {
                0 => format!("{t:.0}"),
                d => format!("{t:.d$}"),
            };
            // Now and then, a byte changed: the answer must still be jiff's.
            if tweak < text.len() && junk % 3 == 0 {
                let mut bytes = text.into_bytes();
                bytes[tweak] = junk;
                text = String::from_utf8_lossy(&bytes).into_owned();
            }
            let jiff = text.parse::<jiff::Timestamp>().ok().map(|t| t.as_millisecond());
            proptest::prop_assert_eq!(parse_rfc3339(&text), jiff, "{}", text);
        }
    }

    #[test]
    fn doubtful_shapes_go_to_jiff() {
        for text in [
            "2026-02-29T00:00:00Z",
            "2024-02-29T23:59:60Z",
            "1969-12-31T23:59:59.999Z",
            "2026-11-22T10:00:00.0500000001Z",
            "2026-11-22T10:00:00+00:00",
            "2026-13-01T00:00:00Z",
        ] {
            let jiff = text
                .parse::<jiff::Timestamp>()
                .ok()
                .map(|t| t.as_millisecond());
            assert_eq!(parse_rfc3339(text), jiff, "{text}");
        }
    }

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
