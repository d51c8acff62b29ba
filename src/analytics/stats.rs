//! The statistics the analyses rest on: the Mann–Whitney U test, the
//! Hodges–Lehmann shift with its (Moses) confidence interval, the
//! two-proportion z-test, the exact binomial tail, distribution-free quantile confidence intervals,
//! and the least-squares slope with its t-test. Checked against SciPy in the
//! tests; the distributions' CDFs come from `statrs`.

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

fn standard_normal() -> Normal {
    Normal::new(0.0, 1.0).expect("the standard normal exists")
}

/// z for a two-sided 95 % interval.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// Two-sided p-value of a standard normal statistic.
pub fn two_sided_p(z: f64) -> f64 {
    (2.0 * (1.0 - standard_normal().cdf(z.abs()))).clamp(0.0, 1.0)
}

/// The result of a Mann–Whitney U test of `a` against `b`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannWhitney {
    /// U of the first sample (as SciPy's `statistic`).
    pub u: f64,
    /// Two-sided p-value, normal approximation with tie and continuity
    /// corrections (SciPy's `method="asymptotic"`).
    pub p_value: f64,
}

/// Average ranks (1-based) of `values`, and the tie-correction sum Σ(t³−t).
fn ranks(values: &[f64]) -> (Vec<f64>, f64) {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&i, &j| values[i].total_cmp(&values[j]));
    let mut ranks = vec![0.0; values.len()];
    let mut ties = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let average = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            ranks[k] = average;
        }
        let t = (j - i + 1) as f64;
        ties += t * t * t - t;
        i = j + 1;
    }
    (ranks, ties)
}

pub fn mann_whitney(a: &[f64], b: &[f64]) -> Option<MannWhitney> {
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let combined: Vec<f64> = a.iter().chain(b).copied().collect();
    let (ranks, ties) = ranks(&combined);
    let r1: f64 = ranks[..a.len()].iter().sum();
    let u1 = r1 - n1 * (n1 + 1.0) / 2.0;
    let u2 = n1 * n2 - u1;
    let n = n1 + n2;
    let mean = n1 * n2 / 2.0;
    let variance = n1 * n2 / 12.0 * ((n + 1.0) - ties / (n * (n - 1.0)));
    let p_value = if variance <= 0.0 {
        1.0
    } else {
        // The larger U with the continuity correction, as SciPy does.
        let z = (u1.max(u2) - mean - 0.5) / variance.sqrt();
        two_sided_p(z.max(0.0))
    };
    Some(MannWhitney { u: u1, p_value })
}

/// A shift of `b` against `a` (b − a) with a 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shift {
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

/// The Hodges–Lehmann estimate of the shift from `a` to `b` (the median of
/// all differences b − a), with Moses' distribution-free 95 % interval.
/// The n₁·n₂ differences are never written down ([`kth_difference`]):
/// selecting among them took most of a report's final analyses.
pub fn hodges_lehmann(a: &[f64], b: &[f64]) -> Option<Shift> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let sorted = |s: &[f64]| {
        let mut v = s.to_vec();
        v.sort_by(f64::total_cmp);
        v
    };
    let (a, b) = (sorted(a), sorted(b));
    let m = a.len() * b.len();
    let nth = |k: usize| kth_difference(&a, &b, k.min(m - 1));
    let estimate = if m % 2 == 1 {
        nth(m / 2)
    } else {
        (nth(m / 2 - 1) + nth(m / 2)) / 2.0
    };
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    let half = Z_95 * (n1 * n2 * (n1 + n2 + 1.0) / 12.0).sqrt();
    let k = ((n1 * n2 / 2.0 - half).floor().max(0.0)) as usize;
    let low = nth(k);
    let high = nth(m.saturating_sub(k + 1));
    Some(Shift {
        estimate,
        low,
        high,
    })
}

/// The `k`-th smallest (from 0, in `f64::total_cmp`'s order) of the
/// differences `y − x` for `x` in `a` and `y` in `b`, both sorted by
/// `total_cmp`: exactly the value a selection among all n₁·n₂ computed
/// differences finds, in O((n₁ + n₂) · 64) steps.
///
/// A difference only grows with `y` and shrinks with `x` (rounding is
/// monotone), so how many are at most `t` is one walk along both samples;
/// the answer is the least `t` with more than `k` of them, found by
/// bisecting the 64-bit order `total_cmp` uses. It is a difference itself,
/// since that count changes only at one.
fn kth_difference(a: &[f64], b: &[f64], k: usize) -> f64 {
    // `total_cmp`'s order as an unsigned integer's, and back.
    let key = |x: f64| {
        let bits = x.to_bits();
        if bits >> 63 == 1 {
            !bits
        } else {
            bits | 1 << 63
        }
    };
    let value = |key: u64| {
        f64::from_bits(if key >> 63 == 1 {
            key & !(1 << 63)
        } else {
            !key
        })
    };
    let at_most = |t: u64| {
        let (mut j, mut count) = (0, 0);
        for &x in a {
            while j < b.len() && key(b[j] - x) <= t {
                j += 1;
            }
            count += j;
        }
        count
    };
    let (mut low, mut high) = (key(b[0] - a[a.len() - 1]), key(b[b.len() - 1] - a[0]));
    while low < high {
        let mid = low + (high - low) / 2;
        if at_most(mid) > k {
            high = mid;
        } else {
            low = mid + 1;
        }
    }
    value(low)
}

/// Two-sided p-value of the pooled two-proportion z-test of x₁/n₁ against
/// x₂/n₂.
pub fn two_proportions(x1: u64, n1: u64, x2: u64, n2: u64) -> Option<f64> {
    if n1 == 0 || n2 == 0 {
        return None;
    }
    let (n1, n2) = (n1 as f64, n2 as f64);
    let pooled = (x1 + x2) as f64 / (n1 + n2);
    let se = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    if se == 0.0 {
        return Some(1.0);
    }
    Some(two_sided_p((x1 as f64 / n1 - x2 as f64 / n2) / se))
}

/// One-sided binomial p-value of `bad` failures in `n` against a rate
/// `rate`, in the direction the count lies (more than `n × rate`: the
/// chance of as many or more; fewer: of as few or fewer). Exact.
pub fn binomial_tail(bad: u64, n: u64, rate: f64) -> Option<f64> {
    use statrs::distribution::{Binomial, DiscreteCDF};
    let b = Binomial::new(rate.clamp(0.0, 1.0), n).ok()?;
    let p = if bad as f64 >= n as f64 * rate {
        match bad.checked_sub(1) {
            Some(below) => b.sf(below),
            None => 1.0,
        }
    } else {
        b.cdf(bad)
    };
    Some(p.clamp(0.0, 1.0))
}

/// A distribution-free 95 % interval for the `q` quantile of `sorted`, from
/// the binomial order statistics (normal approximation).
pub fn quantile_interval(sorted: &[f64], q: f64) -> Option<(f64, f64)> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let nf = n as f64;
    let half = Z_95 * (nf * q * (1.0 - q)).sqrt();
    let low = ((nf * q - half).floor().max(1.0) as usize).min(n);
    let high = ((nf * q + half).ceil().max(1.0) as usize).min(n);
    Some((sorted[low - 1], sorted[high - 1]))
}

/// The nearest-rank quantile of `sorted` (the engine's definition).
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    let n = sorted.len();
    (n > 0).then(|| sorted[((q * n as f64).ceil() as usize).clamp(1, n) - 1])
}

/// A least-squares slope and the two-sided p-value of its t-test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Slope {
    pub slope: f64,
    pub p_value: f64,
}

pub fn linear_slope(x: &[f64], y: &[f64]) -> Option<Slope> {
    let n = x.len();
    if n < 3 || n != y.len() {
        return None;
    }
    let nf = n as f64;
    let (mx, my) = (x.iter().sum::<f64>() / nf, y.iter().sum::<f64>() / nf);
    let sxx: f64 = x.iter().map(|v| (v - mx).powi(2)).sum();
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    if sxx == 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    let residual: f64 = x
        .iter()
        .zip(y)
        .map(|(a, b)| (b - my - slope * (a - mx)).powi(2))
        .sum();
    let df = nf - 2.0;
    let se = (residual / df / sxx).sqrt();
    let p_value = if se == 0.0 {
        0.0
    } else {
        let t = StudentsT::new(0.0, 1.0, df).expect("df > 0");
        (2.0 * (1.0 - t.cdf((slope / se).abs()))).clamp(0.0, 1.0)
    };
    Some(Slope { slope, p_value })
}

#[cfg(test)]
mod tests {
    //! Reference values computed with SciPy 1.17.1 (scipy.stats.mannwhitneyu
    //! with method="asymptotic", use_continuity=True, two-sided;
    //! scipy.stats.linregress; the pooled two-proportion z-test with
    //! scipy.stats.norm.sf), on the samples below.

    use super::*;

    #[test]
    fn binomial_tails_match_scipy() {
        // scipy.stats.binom.sf(4, 10, 0.1), binom.cdf(0, 40, 0.05)
        let high = binomial_tail(5, 10, 0.1).unwrap();
        assert!((high - 0.001_634_937_4).abs() < 1e-9, "{high}");
        let low = binomial_tail(0, 40, 0.05).unwrap();
        assert!((low - 0.95f64.powi(40)).abs() < 1e-12, "{low}");
        assert_eq!(binomial_tail(0, 10, 0.0), Some(1.0));
    }

    const A: [f64; 12] = [
        12.1, 14.3, 11.8, 15.2, 13.3, 12.9, 16.4, 14.3, 13.0, 12.2, 15.8, 14.9,
    ];
    const B: [f64; 10] = [10.2, 11.9, 10.8, 12.5, 11.1, 10.9, 12.2, 13.1, 11.4, 10.5];

    fn close(got: f64, want: f64, rel: f64) {
        assert!(
            (got - want).abs() <= rel * want.abs().max(1e-12),
            "got {got}, want {want}"
        );
    }

    #[test]
    fn mann_whitney_matches_scipy() {
        let r = mann_whitney(&A, &B).unwrap();
        assert_eq!(r.u, 108.5);
        close(r.p_value, 0.0015411836781945565, 1e-9);
        let c = [1.0, 2.0, 2.0, 3.0, 3.0, 3.0, 4.0, 5.0];
        let d = [2.0, 3.0, 3.0, 4.0, 4.0, 5.0, 5.0, 6.0, 7.0];
        let r = mann_whitney(&c, &d).unwrap();
        assert_eq!(r.u, 17.0);
        close(r.p_value, 0.06935045438181722, 1e-9);
        let same = [1.0, 2.0, 3.0, 4.0, 5.0];
        let r = mann_whitney(&same, &same).unwrap();
        assert_eq!((r.u, r.p_value), (12.5, 1.0));
    }

    #[test]
    fn hodges_lehmann_is_the_median_pairwise_difference() {
        // numpy.median(numpy.subtract.outer(B, A)) = -2.3
        let s = hodges_lehmann(&A, &B).unwrap();
        close(s.estimate, -2.3, 1e-12);
        assert!(
            s.low <= s.estimate && s.estimate <= s.high && s.high < 0.0,
            "{s:?}"
        );
    }

    #[test]
    fn two_proportions_matches_the_z_test() {
        // z = 2.1778620259218857
        close(
            two_proportions(180, 200, 165, 200).unwrap(),
            0.029416310406347793,
            1e-9,
        );
        assert_eq!(two_proportions(5, 5, 5, 5), Some(1.0));
    }

    #[test]
    fn slope_and_its_p_value_match_linregress() {
        let x: Vec<f64> = (0..10).map(f64::from).collect();
        let rising = [10.0, 10.4, 10.9, 11.1, 11.8, 12.0, 12.6, 12.9, 13.5, 13.6];
        let s = linear_slope(&x, &rising).unwrap();
        close(s.slope, 0.416969696969697, 1e-12);
        close(s.p_value, 9.96889353540626e-10, 1e-6);
        let flat = [10.0, 9.8, 10.3, 10.1, 9.9, 10.2, 10.0, 9.7, 10.1, 10.0];
        let s = linear_slope(&x, &flat).unwrap();
        close(s.slope, -0.0054545454545455434, 1e-9);
        close(s.p_value, 0.8001062204101764, 1e-6);
    }

    #[test]
    fn quantile_intervals_bracket_the_quantile() {
        let sorted: Vec<f64> = (1..=1000).map(f64::from).collect();
        let (low, high) = quantile_interval(&sorted, 0.5).unwrap();
        assert!(
            low < 500.0 && high > 500.0 && high - low < 80.0,
            "{low} {high}"
        );
        let (low, high) = quantile_interval(&sorted, 0.95).unwrap();
        assert!(low < 950.0 && high > 950.0, "{low} {high}");
        assert_eq!(quantile(&sorted, 0.95), Some(950.0));
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(500))]
        /// Selecting without writing the differences down finds what a
        /// selection among all of them does, bit for bit (zeros of both
        /// signs, ties, magnitudes far apart included).
        #[test]
        fn kth_difference_is_the_selection_among_all(
            a in proptest::collection::vec(value(), 1..30),
            b in proptest::collection::vec(value(), 1..30),
            pick in 0.0f64..1.0,
        ) {
            let mut all: Vec<f64> = b.iter().flat_map(|y| a.iter().map(move |x| y - x)).collect();
            let k = ((all.len() as f64 * pick) as usize).min(all.len() - 1);
            let expected = *all.select_nth_unstable_by(k, f64::total_cmp).1;
            let sorted = |s: &[f64]| {
                let mut v = s.to_vec();
                v.sort_by(f64::total_cmp);
                v
            };
            let found = kth_difference(&sorted(&a), &sorted(&b), k);
            proptest::prop_assert_eq!(found.to_bits(), expected.to_bits());
        }
    }

    fn value() -> impl proptest::strategy::Strategy<Value = f64> {
        use proptest::prelude::*;
        prop_oneof![
            3 => (0u32..50).prop_map(f64::from),
            3 => 0.0f64..100_000.0,
            1 => Just(0.0),
            1 => Just(-0.0),
            1 => -1e6f64..1e6,
            1 => proptest::num::f64::NORMAL,
        ]
    }
}
