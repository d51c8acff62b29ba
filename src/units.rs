//! How quantities are written for people: the report's text, alert
//! summaries, the screens.

/// Formats milliseconds the way an operator reads them: `850ms`, `1.20s`,
/// `2m05s`.
pub fn human_ms(ms: f64) -> String {
    if ms < 1.0 {
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

#[cfg(test)]
mod tests {
    use super::human_ms;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_ms(0.43), "0.43ms");
        assert_eq!(human_ms(850.0), "850ms");
        assert_eq!(human_ms(1_200.0), "1.20s");
        assert_eq!(human_ms(125_000.0), "2m05s");
    }
}
