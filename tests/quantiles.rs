//! Quantile accuracy: the engine's p50/p95/p99 against exact sorting on
//! random log-normal data, all-time and over a sliding window. The exact
//! sort is the oracle only; the engine never sorts.

use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution as _, LogNormal};
use runtop::engine::{Distribution, Window};

/// The nearest-rank quantile, the definition the engine documents: the
/// value at rank ⌈q·n⌉ (1-based), computed the same way the histogram does.
fn exact(sorted: &[f64], q: f64) -> f64 {
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn assert_within_one_percent(got: f64, want: f64, what: &str) -> Result<(), TestCaseError> {
    let err = (got - want).abs() / want.abs().max(1e-9);
    prop_assert!(
        err <= 0.01,
        "{what}: engine {got} vs exact {want} ({:.3} % off)",
        err * 100.0
    );
    Ok(())
}

fn lognormal(median_ms: f64, sigma: f64, n: usize, seed: u64) -> Vec<f64> {
    let dist = LogNormal::new(median_ms.ln(), sigma).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // Values below 1 µs are below the engine's resolution by design.
    (0..n).map(|_| dist.sample(&mut rng).max(0.001)).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn all_time_quantiles_within_one_percent(
        median_ms in 0.5f64..100_000.0,
        sigma in 0.05f64..2.0,
        n in 1usize..20_000,
        seed in any::<u64>(),
    ) {
        let values = lognormal(median_ms, sigma, n, seed);
        let mut dist = Distribution::new();
        for (i, &v) in values.iter().enumerate() {
            dist.record(i as i64, v, None);
        }
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        let s = dist.snapshot(Window::AllTime);
        prop_assert_eq!(s.count, n as u64);
        prop_assert_eq!(s.max, sorted[n - 1]);
        let mean = values.iter().sum::<f64>() / n as f64;
        prop_assert!((s.mean - mean).abs() <= mean * 1e-9);
        for (q, got) in [(0.50, s.p50), (0.95, s.p95), (0.99, s.p99)] {
            assert_within_one_percent(got, exact(&sorted, q), &format!("p{}", q * 100.0))?;
        }
    }

    #[test]
    fn windowed_quantiles_within_one_percent_of_what_the_window_holds(
        median_ms in 1.0f64..60_000.0,
        sigma in 0.1f64..1.5,
        n in 10usize..5_000,
        span_ms in 60_000i64..3_000_000,
        seed in any::<u64>(),
    ) {
        let values = lognormal(median_ms, sigma, n, seed);
        let mut dist = Distribution::new();
        let times: Vec<i64> = (0..n).map(|i| i as i64 * span_ms / n as i64).collect();
        for (&t, &v) in times.iter().zip(&values) {
            dist.record(t, v, None);
        }
        // The five-minute window is ten 30-second slots ending at the newest.
        let newest_slot = times[n - 1].div_euclid(30_000);
        let mut held: Vec<f64> = times
            .iter()
            .zip(&values)
            .filter(|(t, _)| t.div_euclid(30_000) > newest_slot - 10)
            .map(|(_, &v)| v)
            .collect();
        held.sort_by(f64::total_cmp);
        let s = dist.snapshot(Window::FiveMinutes);
        prop_assert_eq!(s.count, held.len() as u64);
        prop_assert_eq!(s.max, held[held.len() - 1]);
        for (q, got) in [(0.50, s.p50), (0.95, s.p95), (0.99, s.p99)] {
            assert_within_one_percent(got, exact(&held, q), &format!("window p{}", q * 100.0))?;
        }
    }
}
