//! A periodic load: starts per minute checked for a repeating pattern by
//! their autocorrelation.
//!
//! The series (the engine's last week of starts per minute) is summed into
//! at most [`MAX_POINTS`] bins, so that a week is judged in 7-minute bins
//! and an hour in 1-minute ones. Its sample autocorrelation is taken at
//! every lag up to half the series (two whole periods at least). The
//! period is the lag of the highest peak after the series first
//! decorrelates (the autocorrelation going under zero), or the shortest
//! lag whose peak is within a tenth of it (a pattern repeating every 20
//! minutes also matches itself at 40). It is called periodic when that
//! peak is at least [`MIN_ACF`] and four standard errors of white noise
//! (4/√n); otherwise "none".

use serde::Serialize;

/// Bins judged at most.
pub const MAX_POINTS: usize = 1_440;
/// Bins needed before the series is judged.
pub const MIN_POINTS: usize = 40;
/// Least autocorrelation called periodic.
pub const MIN_ACF: f64 = 0.3;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Periodicity {
    /// `periodic`, `none`, or `withheld` (under [`MIN_POINTS`] minutes).
    pub verdict: &'static str,
    pub period_minutes: Option<u64>,
    /// The autocorrelation at that period.
    pub autocorrelation: Option<f64>,
    /// Minutes the series covers, and the bin they were judged in.
    pub minutes: u64,
    pub bin_minutes: u64,
}

impl Default for Periodicity {
    fn default() -> Self {
        Periodicity {
            verdict: "withheld",
            period_minutes: None,
            autocorrelation: None,
            minutes: 0,
            bin_minutes: 1,
        }
    }
}

pub fn periodicity(starts_per_minute: &[u32]) -> Periodicity {
    let minutes = starts_per_minute.len();
    let bin = minutes.div_ceil(MAX_POINTS).max(1);
    let series: Vec<f64> = starts_per_minute
        .chunks_exact(bin)
        .map(|c| c.iter().map(|&v| f64::from(v)).sum())
        .collect();
    let mut out = Periodicity {
        minutes: minutes as u64,
        bin_minutes: bin as u64,
        ..Periodicity::default()
    };
    let n = series.len();
    if n < MIN_POINTS {
        return out;
    }
    out.verdict = "none";
    let acf = autocorrelation(&series, n / 2);
    let Some(first_negative) = acf.iter().position(|&r| r < 0.0) else {
        return out;
    };
    let peaks: Vec<(usize, f64)> = (first_negative.max(1)..acf.len().saturating_sub(1))
        .filter(|&k| acf[k] >= acf[k - 1] && acf[k] >= acf[k + 1] && acf[k] > 0.0)
        .map(|k| (k, acf[k]))
        .collect();
    let Some(&(_, highest)) = peaks.iter().max_by(|a, b| a.1.total_cmp(&b.1)) else {
        return out;
    };
    let Some(&(lag, r)) = peaks.iter().find(|(_, r)| *r >= 0.9 * highest) else {
        return out;
    };
    if r >= MIN_ACF.max(4.0 / (n as f64).sqrt()) {
        out.verdict = "periodic";
        out.period_minutes = Some((lag * bin) as u64);
        out.autocorrelation = Some((r * 1000.0).round() / 1000.0);
    }
    out
}

/// The sample autocorrelation at lags 0..=max_lag (index = lag).
fn autocorrelation(series: &[f64], max_lag: usize) -> Vec<f64> {
    let n = series.len();
    let mean = series.iter().sum::<f64>() / n as f64;
    let centred: Vec<f64> = series.iter().map(|v| v - mean).collect();
    let variance: f64 = centred.iter().map(|v| v * v).sum();
    if variance <= 0.0 {
        return vec![1.0];
    }
    (0..=max_lag.min(n - 1))
        .map(|k| {
            centred[..n - k]
                .iter()
                .zip(&centred[k..])
                .map(|(a, b)| a * b)
                .sum::<f64>()
                / variance
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sine_is_found_at_its_period_and_a_flat_load_is_none() {
        let wave: Vec<u32> = (0..180)
            .map(|m| (5.0 + 4.0 * (m as f64 * std::f64::consts::TAU / 20.0).sin()).round() as u32)
            .collect();
        let p = periodicity(&wave);
        assert_eq!((p.verdict, p.period_minutes), ("periodic", Some(20)));
        // Noise around a flat load (xorshift).
        let mut x = 0x2545_f491_4f6c_dd1d_u64;
        let flat: Vec<u32> = (0..180)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                3 + (x % 5) as u32
            })
            .collect();
        assert_eq!(periodicity(&flat).verdict, "none");
        assert_eq!(periodicity(&wave[..30]).verdict, "withheld");
    }

    #[test]
    fn a_week_is_judged_in_bins_of_seven_minutes() {
        let week = vec![1; 7 * 24 * 60];
        let p = periodicity(&week);
        assert_eq!((p.bin_minutes, p.verdict), (7, "none"));
    }
}
