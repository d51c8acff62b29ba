//! How sure a rule is: confidence intervals for the rates alerts judge, so
//! that an alert pages on evidence, not on a handful of values.

/// z for a two-sided 95 % interval.
pub const Z_95: f64 = 1.959_963_984_540_054;
/// z for a two-sided 99 % interval: what paging asks of an error rate.
/// The rule tests every stage on every evaluation, and at 95 % a healthy
/// runner's chance clusters (4 failures in 26 when 1.5 % fail) paged about
/// once a day in scripts/alert-quality.sh; at 99 % they are rare, and
/// bursts still page within two or three minutes.
pub const Z_99: f64 = 2.575_829_303_548_901;
/// The normal quantile for a two-sided 99.8 % interval (one-sided 99.9 %):
/// for a test repeated over many short, overlapping spans.
pub const Z_998: f64 = 3.090_232_306_167_813;

/// The Wilson score interval, with continuity correction (Newcombe 1998,
/// method 4), of a proportion of `x` in `n`, at the confidence `z` gives. The correction makes the
/// interval conservative where n is small, which is where a pager must not
/// believe a few values: one failure in three has a lower bound of 1.8 %,
/// eight in twenty of 20 %.
pub fn wilson(x: u64, n: u64, z: f64) -> Option<(f64, f64)> {
    if n == 0 || x > n {
        return None;
    }
    let (xf, nf) = (x as f64, n as f64);
    let p = xf / nf;
    let z2 = z * z;
    let denominator = 2.0 * (nf + z2);
    let low = if x == 0 {
        0.0
    } else {
        let root = (z2 - 2.0 - 1.0 / nf + 4.0 * p * (nf * (1.0 - p) + 1.0)).sqrt();
        ((2.0 * nf * p + z2 - 1.0 - z * root) / denominator).max(0.0)
    };
    let high = if x == n {
        1.0
    } else {
        let root = (z2 + 2.0 - 1.0 / nf + 4.0 * p * (nf * (1.0 - p) - 1.0)).sqrt();
        ((2.0 * nf * p + z2 + 1.0 + z * root) / denominator).min(1.0)
    };
    Some((low, high))
}

#[cfg(test)]
mod tests {
    use super::{Z_95, Z_99, wilson};

    #[test]
    fn wilson_bounds_match_newcombe() {
        // Newcombe (1998), table I, method 4: 81/263 → 0.2535–0.3682;
        // 15/148 → 0.0598–0.1644; 0/20 → 0–0.2005; 1/29 → 0.0018–0.1963.
        let close = |a: f64, b: f64| (a - b).abs() < 6e-4;
        for (x, n, lo, hi) in [
            (81, 263, 0.2535, 0.3682),
            (15, 148, 0.0598, 0.1644),
            (0, 20, 0.0, 0.2005),
            (1, 29, 0.0018, 0.1963),
        ] {
            let (l, h) = wilson(x, n, Z_95).unwrap();
            assert!(close(l, lo) && close(h, hi), "{x}/{n}: {l:.4}–{h:.4}");
        }
    }

    #[test]
    fn one_in_three_does_not_page_eight_in_twenty_does() {
        let threshold = 0.05;
        for z in [Z_95, Z_99] {
            assert!(wilson(1, 3, z).unwrap().0 < threshold);
            assert!(wilson(8, 20, z).unwrap().0 > threshold);
        }
        // The cluster a healthy runner shows now and then.
        assert!(wilson(4, 26, Z_95).unwrap().0 > threshold);
        assert!(wilson(4, 26, Z_99).unwrap().0 < threshold);
        assert_eq!(wilson(0, 0, Z_95), None);
    }
}
