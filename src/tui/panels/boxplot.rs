//! Box plots and intervals as rows of text on a shared linear scale: what
//! the Compare screen draws for two variants and the shift between them.
//! ratatui has no box plot; a row of box-drawing characters is all one
//! takes, and drawing it as text keeps it crisp at any size.

/// A linear scale from `low` to `high` over `width` columns.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub low: f64,
    pub high: f64,
    pub width: usize,
}

impl Scale {
    /// The scale over every value given, a little wider so the ends show.
    pub fn over(values: impl IntoIterator<Item = f64>, width: usize) -> Scale {
        let (mut low, mut high) = (f64::INFINITY, f64::NEG_INFINITY);
        for v in values.into_iter().filter(|v| v.is_finite()) {
            low = low.min(v);
            high = high.max(v);
        }
        if !low.is_finite() {
            (low, high) = (0.0, 1.0);
        }
        let pad = ((high - low) * 0.03).max(high.abs() * 1e-6).max(1e-9);
        Scale {
            low: (low - pad).max(0.0_f64.min(low)),
            high: high + pad,
            width: width.max(2),
        }
    }

    /// The column of `v`, clamped to the row.
    pub fn column(&self, v: f64) -> usize {
        let share = (v - self.low) / (self.high - self.low);
        ((share * (self.width - 1) as f64).round().max(0.0) as usize).min(self.width - 1)
    }
}

/// `├──[███┃████]───┤`: whiskers from p5 to p95, the box from p25 to p75,
/// `┃` at the median.
pub fn box_row(scale: &Scale, p5: f64, p25: f64, p50: f64, p75: f64, p95: f64) -> String {
    let mut row = vec![' '; scale.width];
    let (w0, b0, m, b1, w1) = (
        scale.column(p5),
        scale.column(p25),
        scale.column(p50),
        scale.column(p75),
        scale.column(p95),
    );
    for c in row.iter_mut().take(w1 + 1).skip(w0) {
        *c = '─';
    }
    for c in row.iter_mut().take(b1 + 1).skip(b0) {
        *c = '█';
    }
    row[w0] = '├';
    row[w1] = '┤';
    if b1 > b0 {
        row[b0] = '▐';
        row[b1] = '▌';
    }
    row[m] = '┃';
    row.into_iter().collect()
}

/// `┆  ├──●──┤`: a reference mark, and an interval with its estimate
/// (`├─┆─●──┤` when the interval holds the reference).
pub fn interval_row(scale: &Scale, reference: f64, low: f64, estimate: f64, high: f64) -> String {
    let mut row = vec![' '; scale.width];
    let (l, e, h) = (
        scale.column(low),
        scale.column(estimate),
        scale.column(high),
    );
    for c in row.iter_mut().take(h + 1).skip(l) {
        *c = '─';
    }
    row[l] = '├';
    row[h] = '┤';
    row[e] = '●';
    // On top of the interval too: an interval across the reference is
    // the picture of "no clear shift".
    let r = scale.column(reference);
    if r != e {
        row[r] = '┆';
    }
    row.into_iter().collect()
}

/// Labels at both ends and the middle of the scale, spread over its width.
pub fn axis_row(scale: &Scale, label: impl Fn(f64) -> String) -> String {
    let mid = (scale.low + scale.high) / 2.0;
    let (left, middle, right) = (label(scale.low), label(mid), label(scale.high));
    let mut row = vec![' '; scale.width];
    let mut put = |text: &str, start: usize| {
        for (i, ch) in text.chars().enumerate() {
            if let Some(c) = row.get_mut(start + i) {
                *c = ch;
            }
        }
    };
    put(&left, 0);
    let m = middle.chars().count();
    put(&middle, (scale.width / 2).saturating_sub(m / 2));
    let r = right.chars().count();
    put(&right, scale.width.saturating_sub(r));
    row.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_box_row_puts_each_figure_in_its_column() {
        let scale = Scale {
            low: 0.0,
            high: 20.0,
            width: 21,
        };
        assert_eq!(
            box_row(&scale, 2.0, 5.0, 8.0, 12.0, 18.0),
            "  ├──▐██┃███▌─────┤  "
        );
        assert_eq!(
            interval_row(&scale, 8.0, 9.0, 10.0, 12.0),
            "        ┆├●─┤        "
        );
        assert_eq!(
            interval_row(&scale, 8.0, 6.0, 10.0, 12.0),
            "      ├─┆─●─┤        "
        );
        assert_eq!(
            axis_row(&scale, |v| format!("{v:.0}")),
            "0        10        20"
        );
    }

    #[test]
    fn degenerate_scales_still_draw() {
        let scale = Scale::over([5.0, 5.0], 10);
        let row = box_row(&scale, 5.0, 5.0, 5.0, 5.0, 5.0);
        assert_eq!(row.chars().count(), 10);
        assert!(row.contains('┃'));
        let scale = Scale::over(std::iter::empty(), 1);
        assert_eq!(scale.width, 2);
    }
}
