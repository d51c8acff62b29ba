//! Distributions of durations and metric values: all-time and over rolling
//! windows.
//!
//! Values go into HDR histograms at two significant digits, which bounds the
//! relative error of every quantile at 1 % whatever the data, with O(1) work
//! per recorded value. Quantiles use the nearest-rank definition (the value at
//! rank ⌈q·n⌉), reported as the middle of that value's histogram bucket, or
//! the exact min/max when the rank falls in their bucket.
//!
//! Each rolling window is a ring of slot histograms. A value is recorded into
//! its slot; a slot that ages out is cleared and reused. A query merges the
//! live slots of its window (at most 12), so its work is bounded by the ring,
//! not by how many values arrived.
//!
//! Why merge at query time rather than keep a running aggregate and subtract
//! expired slots from it: in a fast replay every distribution expires a slot
//! per 10 s of *event* time, and `Histogram::subtract` walks the whole bucket
//! array and then re-scans the aggregate for its new min and max. Measured on
//! a million-event replay, that was a third of all the time spent. Queries are
//! the cold path (a screen reads a handful per frame); ingest is the hot one.
//!
//! A window advances in whole slots: the "1 min" window holds the current
//! 10-second slot and the five before it, i.e. between 50 and 60 seconds.

use std::sync::OnceLock;

use hdrhistogram::{Counter, Histogram};
use serde::{Deserialize, Serialize};

use crate::protocol::{Millis, Status};

/// Values are recorded in thousandths of their unit (microseconds for
/// durations in ms), so sub-millisecond metrics keep their resolution.
const SCALE: f64 = 1000.0;
const SIGNIFICANT_DIGITS: u8 = 2;

/// A rolling window the statistics are kept over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Window {
    #[serde(rename = "1m")]
    OneMinute,
    #[serde(rename = "5m")]
    FiveMinutes,
    #[serde(rename = "1h")]
    OneHour,
    #[serde(rename = "all")]
    AllTime,
}

impl Window {
    pub const ALL: [Window; 4] = [
        Window::OneMinute,
        Window::FiveMinutes,
        Window::OneHour,
        Window::AllTime,
    ];

    /// Slot width and slot count of each rolling window.
    pub(super) const fn geometry(self) -> Option<(Millis, usize)> {
        match self {
            Window::OneMinute => Some((10_000, 6)),
            Window::FiveMinutes => Some((30_000, 10)),
            Window::OneHour => Some((300_000, 12)),
            Window::AllTime => None,
        }
    }

    /// How far back the window reaches, if it is a rolling one.
    pub fn span_ms(self) -> Option<Millis> {
        self.geometry().map(|(width, len)| width * len as Millis)
    }

    pub fn label(self) -> &'static str {
        match self {
            Window::OneMinute => "1m",
            Window::FiveMinutes => "5m",
            Window::OneHour => "1h",
            Window::AllTime => "all",
        }
    }

    /// The window's nominal length, if it has one.
    pub fn length_ms(self) -> Option<Millis> {
        self.geometry()
            .map(|(width, slots)| width * slots as Millis)
    }
}

/// What a query returns: a distribution's figures over one window.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Snapshot {
    pub count: u64,
    pub mean: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
    /// Per [`Status`], for stage durations; zero for metrics.
    pub statuses: [u64; 4],
    /// A distribution-free 95 % interval for the p95, from the binomial
    /// order statistics: with few values it is wide (with five, from the
    /// third smallest to the largest), so one outlier cannot make a p95.
    #[serde(skip)]
    pub p95_low: f64,
    #[serde(skip)]
    pub p95_high: f64,
}

impl Snapshot {
    pub fn status_count(&self, status: Status) -> u64 {
        self.statuses[status.index()]
    }

    /// Share of finished attempts that ended `ok`, if any finished.
    pub fn success_rate(&self) -> Option<f64> {
        (self.count > 0).then(|| self.status_count(Status::Ok) as f64 / self.count as f64)
    }

    /// Share of finished attempts that failed or timed out.
    pub fn error_rate(&self) -> Option<f64> {
        let errors = self.status_count(Status::Failed) + self.status_count(Status::Timeout);
        (self.count > 0).then(|| errors as f64 / self.count as f64)
    }
}

/// Count, sum, max, per-status counts and a histogram of some values.
///
/// All-time tallies count in `u64`; window slots in `u32`, which halves the
/// bucket array to clear when a slot is reused (a bucket would need over four
/// billion values within one window to saturate).
#[derive(Debug, Clone)]
struct Tally<C: Counter = u64> {
    hist: Histogram<C>,
    count: u64,
    sum: f64,
    max: f64,
    min: f64,
    statuses: [u64; 4],
}

impl<C: Counter> Tally<C> {
    fn new() -> Self {
        Tally {
            hist: Histogram::new(SIGNIFICANT_DIGITS)
                .expect("2 significant digits is a valid precision"),
            count: 0,
            sum: 0.0,
            max: 0.0,
            min: f64::INFINITY,
            statuses: [0; 4],
        }
    }

    /// Records `value`, whose [`scaled`] form is `v` (computed once for
    /// the tally and every window).
    fn record(&mut self, value: f64, v: u64, status: Option<Status>) {
        // Auto-resizing histogram: recording cannot fail for a u64 value.
        let _ = self.hist.record(v);
        self.count += 1;
        self.sum += value;
        self.max = self.max.max(value);
        self.min = self.min.min(value);
        if let Some(status) = status {
            self.statuses[status.index()] += 1;
        }
    }

    fn snapshot(&self) -> Snapshot {
        let mut snap = Snapshot {
            count: self.count,
            max: self.max,
            statuses: self.statuses,
            ..Snapshot::default()
        };
        if self.count > 0 && !self.hist.is_empty() {
            snap.mean = self.sum / self.count as f64;
            // One pass over the buckets for all three.
            let mut q = self
                .hist
                .value_at_quantiles([0.50, 0.95, 0.99])
                .map(|raw| self.refine(raw));
            snap.p50 = q.next().unwrap_or_default();
            snap.p95 = q.next().unwrap_or_default();
            snap.p99 = q.next().unwrap_or_default();
            // A second pass: the bounds' order against 0.99 varies with n.
            let (low, high) = p95_interval_quantiles(self.count);
            let mut q = self
                .hist
                .value_at_quantiles([low, high])
                .map(|raw| self.refine(raw));
            snap.p95_low = q.next().unwrap_or_default();
            snap.p95_high = q.next().unwrap_or_default();
        }
        snap
    }

    /// A quantile's bucket value, as reported. In the bucket of the exact
    /// extremes, the extremes themselves are the best answer; elsewhere the
    /// middle of the bucket halves the worst-case error of its upper edge.
    /// Clamping keeps min ≤ p50 ≤ p99 ≤ max.
    fn refine(&self, raw: u64) -> f64 {
        refine(&self.hist, raw, self.min, self.max)
    }
}

/// The quantiles whose values bound a 95 % interval of the p95 of `n`
/// values: the ranks n·q ∓ 1.96·√(n·q·(1−q)) (normal approximation to the
/// binomial), as shares of n.
fn p95_interval_quantiles(n: u64) -> (f64, f64) {
    let n = n as f64;
    let half = 1.96 * (n * 0.95 * 0.05).sqrt();
    let low = (n * 0.95 - half).floor().clamp(1.0, n);
    let high = (n * 0.95 + half).ceil().clamp(1.0, n);
    (low / n, high / n)
}

fn scaled(value: f64) -> u64 {
    round_to_u64(value * SCALE)
}

/// `x.round() as u64`, without the call: `f64::round` is a library routine
/// on x86-64's baseline (no SSE4.1 `roundsd`), and every recorded value is
/// rounded once. Truncating and comparing the fraction with a half gives
/// the same answer everywhere: below 2^52 the fraction is exact, above it
/// every value is whole, `as` saturates alike for the huge and the
/// negative, and NaN is 0 both ways (property-tested).
#[inline]
fn round_to_u64(x: f64) -> u64 {
    let whole = x as u64;
    if x - whole as f64 >= 0.5 {
        whole.saturating_add(1)
    } else {
        whole
    }
}

/// Values a window slot keeps raw before it switches to a histogram.
const SPARSE_MAX: usize = 32;

/// A window slot's values. Most slots hold a handful (a stage finishes a few
/// times a minute), so they are kept raw until there are more than
/// [`SPARSE_MAX`]: merging such a slot into a window query is a few records
/// rather than a walk over a whole bucket array, and clearing it is free.
#[derive(Debug, Clone, Default)]
struct SlotTally {
    /// Scaled values, while sparse.
    raw: Vec<u64>,
    /// The histogram once dense; kept across reuse of the slot.
    hist: Option<Histogram<u32>>,
    dense: bool,
    count: u64,
    sum: f64,
    max: f64,
    min: f64,
    statuses: [u64; 4],
}

impl SlotTally {
    fn record(&mut self, value: f64, v: u64, status: Option<Status>) {
        if !self.dense && self.raw.len() < SPARSE_MAX {
            self.raw.push(v);
        } else {
            let hist = self.hist.get_or_insert_with(|| {
                Histogram::new(SIGNIFICANT_DIGITS).expect("2 significant digits is valid")
            });
            if !self.dense {
                for &r in &self.raw {
                    let _ = hist.record(r);
                }
                self.raw.clear();
                self.dense = true;
            }
            let _ = hist.record(v);
        }
        if self.count == 0 {
            self.min = value;
            self.max = value;
        }
        self.count += 1;
        self.sum += value;
        self.max = self.max.max(value);
        self.min = self.min.min(value);
        if let Some(status) = status {
            self.statuses[status.index()] += 1;
        }
    }

    fn reset(&mut self) {
        self.raw.clear();
        if self.dense
            && let Some(hist) = self.hist.as_mut()
        {
            hist.reset();
        }
        *self = SlotTally {
            raw: std::mem::take(&mut self.raw),
            hist: self.hist.take(),
            ..SlotTally::default()
        };
    }

    fn merge_into(&self, total: &mut Tally<u32>) {
        match (&self.hist, self.dense) {
            // Both auto-resize, so adding cannot run out of range.
            (Some(hist), true) => {
                let _ = total.hist.add(hist);
            }
            _ => {
                for &v in &self.raw {
                    let _ = total.hist.record(v);
                }
            }
        }
        total.count += self.count;
        total.sum += self.sum;
        total.max = total.max.max(self.max);
        total.min = total.min.min(self.min);
        for (t, n) in total.statuses.iter_mut().zip(self.statuses) {
            *t += n;
        }
    }
}

/// The epoch of a slot that holds nothing: older than any window reaches.
const EMPTIED: i64 = i64::MIN;

/// One slot of a window's ring: the values recorded during `epoch`.
#[derive(Debug, Clone)]
struct Slot {
    epoch: i64,
    tally: Option<Box<SlotTally>>,
}

/// A sliding window: a ring of slots.
#[derive(Debug, Clone)]
struct Rolling {
    width: Millis,
    slots: Box<[Slot]>,
    /// The newest epoch the window has advanced to.
    head: i64,
    /// Where the head epoch ends (ms): nearly every value falls before it,
    /// and comparing saves a division per value and window.
    head_ends: Millis,
    /// The head epoch's slot.
    head_slot: usize,
    /// The last query's answer, until a value or the window moves: a live
    /// screen asks for the same windows many times a second, and merging
    /// the slots is most of a query's work.
    /// A `OnceLock` rather than a `Cell` so that an engine can be read from
    /// two threads at once (the analyses after a file's last event are).
    memo: OnceLock<Snapshot>,
}

impl Rolling {
    fn new(width: Millis, len: usize) -> Self {
        Rolling {
            width,
            slots: vec![
                Slot {
                    epoch: EMPTIED,
                    tally: None
                };
                len
            ]
            .into_boxed_slice(),
            head: i64::MIN,
            head_ends: Millis::MIN,
            head_slot: 0,
            memo: OnceLock::new(),
        }
    }

    fn len(&self) -> i64 {
        self.slots.len() as i64
    }

    /// The oldest epoch still in the window. Saturating: a window that has
    /// never advanced has its head at `i64::MIN`.
    fn oldest_kept(&self) -> i64 {
        self.head.saturating_sub(self.len() - 1)
    }

    /// The epoch `at` falls in.
    fn epoch_of(&self, at: Millis) -> i64 {
        if at < self.head_ends && at >= self.head_ends - self.width {
            self.head
        } else {
            at.div_euclid(self.width)
        }
    }

    #[inline]
    fn advance(&mut self, now: Millis) {
        if now >= self.head_ends {
            self.move_head(now);
        }
    }

    fn move_head(&mut self, now: Millis) {
        // Nearly every move is to the next epoch, which needs no division:
        // the two below were a third of the moves' work (every window of
        // every distribution moves at each of its slot boundaries).
        let next = self.head != i64::MIN
            && now >= self.head_ends
            && now < self.head_ends.saturating_add(self.width);
        let epoch = if next {
            self.head + 1
        } else {
            now.div_euclid(self.width)
        };
        if epoch <= self.head {
            return;
        }
        let previous = self.head;
        self.head = epoch;
        self.head_slot = if next {
            if self.head_slot + 1 == self.slots.len() {
                0
            } else {
                self.head_slot + 1
            }
        } else {
            epoch.rem_euclid(self.len()) as usize
        };
        self.head_ends = (epoch + 1).saturating_mul(self.width);
        self.memo.take();
        let oldest_kept = self.oldest_kept();
        if next {
            self.empty_if_expired(self.head_slot, oldest_kept);
            return;
        }
        let len = self.len();
        // The epochs that leave the window share their slots with the ones
        // that enter it, so only those slots can hold anything too old (every
        // other slot was emptied by an earlier move or holds a kept epoch):
        // one slot per move in the common case, not the whole ring.
        let entering = (previous.saturating_add(1)..=epoch).take(self.slots.len());
        for slot in entering.map(|e| e.rem_euclid(len) as usize) {
            self.empty_if_expired(slot, oldest_kept);
        }
    }

    /// Empties slot `index` if it holds an epoch older than `oldest_kept`.
    #[inline]
    fn empty_if_expired(&mut self, index: usize, oldest_kept: i64) {
        let slot = &mut self.slots[index];
        // An emptied slot is marked so that later moves pass it without
        // reaching into its tally (a cache miss per slot and move).
        if slot.epoch < oldest_kept && slot.epoch != EMPTIED {
            if let Some(tally) = slot.tally.as_mut()
                && tally.count > 0
            {
                // Keep the allocation: the slot is reused next time round.
                tally.reset();
            }
            slot.epoch = EMPTIED;
        }
    }

    fn record(&mut self, at: Millis, value: f64, v: u64, status: Option<Status>) {
        self.advance(at);
        let epoch = self.epoch_of(at);
        if epoch < self.oldest_kept() {
            return; // older than the window: all-time figures only
        }
        self.memo.take();
        // Nearly every value falls in the head's slot: no division for it.
        let index = if epoch == self.head {
            self.head_slot
        } else {
            epoch.rem_euclid(self.len()) as usize
        };
        let slot = &mut self.slots[index];
        slot.epoch = epoch;
        slot.tally
            .get_or_insert_with(Box::default)
            .record(value, v, status);
    }

    /// How many values, and how many per status, without merging any
    /// histogram: what a rate needs.
    fn counts(&self) -> (u64, [u64; 4]) {
        let oldest_kept = self.oldest_kept();
        let mut statuses = [0; 4];
        let mut count = 0;
        for tally in self
            .slots
            .iter()
            .filter(|slot| slot.epoch >= oldest_kept)
            .filter_map(|slot| slot.tally.as_deref())
        {
            count += tally.count;
            for (total, n) in statuses.iter_mut().zip(tally.statuses) {
                *total += n;
            }
        }
        (count, statuses)
    }

    fn snapshot(&self) -> Snapshot {
        *self.memo.get_or_init(|| {
            self.sparse_snapshot()
                .unwrap_or_else(|| self.merged().snapshot())
        })
    }

    /// The snapshot of a window whose live slots all hold their values raw
    /// (the common case: a stage finishes a few times a slot), from the
    /// values sorted rather than from a merged histogram. Identical to the
    /// merged path's: the value at rank ⌈q·n⌉ lies in the same histogram
    /// bucket either way, and is reported the same way from it. Building and
    /// walking a merged histogram (thousands of buckets, twice) was a third
    /// of `report`'s rule evaluations; sorting a few hundred values is not.
    fn sparse_snapshot(&self) -> Option<Snapshot> {
        let live = || self.live();
        if live().any(|tally| tally.dense) {
            return None;
        }
        let mut values = Vec::with_capacity(live().map(|t| t.raw.len()).sum());
        let (mut count, mut sum, mut max, mut min) = (0, 0.0, 0.0_f64, f64::INFINITY);
        let mut statuses = [0; 4];
        for tally in live() {
            values.extend_from_slice(&tally.raw);
            count += tally.count;
            sum += tally.sum;
            max = max.max(tally.max);
            min = min.min(tally.min);
            for (total, n) in statuses.iter_mut().zip(tally.statuses) {
                *total += n;
            }
        }
        let mut snap = Snapshot {
            count,
            max,
            statuses,
            ..Snapshot::default()
        };
        if values.is_empty() {
            return Some(snap);
        }
        values.sort_unstable();
        let buckets = &*BUCKETS;
        let at = |q: f64| {
            let rank = ((q.clamp(0.0, 1.0) * values.len() as f64).ceil() as usize).max(1);
            let raw = buckets.highest_equivalent(values[rank.min(values.len()) - 1]);
            refine(buckets, raw, min, max)
        };
        snap.mean = sum / count as f64;
        snap.p50 = at(0.50);
        snap.p95 = at(0.95);
        snap.p99 = at(0.99);
        let (low, high) = p95_interval_quantiles(count);
        snap.p95_low = at(low);
        snap.p95_high = at(high);
        Some(snap)
    }

    /// Whether the lower end of the p95's interval ([`Snapshot::p95_low`])
    /// is certainly below `bound`, told from one pass over the raw values
    /// without sorting them; `false` when it may not be, or when a slot is
    /// dense. A rule that can only fire at or above `bound` then needs no
    /// snapshot: sorting each stage's window every 30 s of a replay was a
    /// third of the rules' work, and in a healthy hour none of it fires.
    ///
    /// The reported value at a rank is at most its raw value's bucket top
    /// (within 1/128 with two significant digits) plus half a unit of
    /// scaling, so every raw value under `(bound · SCALE − 1) / 1.02` is
    /// reported under `bound`: if the rank's value is among those, so is
    /// the figure.
    fn p95_low_surely_below(&self, bound: f64) -> bool {
        if let Some(snap) = self.memo.get() {
            // With the same margin, so that no rounding at the border decides.
            return snap.p95_low < bound / 1.02;
        }
        let under = (bound * SCALE - 1.0) / 1.02;
        // A raw value, being whole, is under `under` exactly when it is
        // under its ceiling: compared as integers, in one pass.
        let limit = if under > 0.0 { under.ceil() as u64 } else { 0 };
        let (mut len, mut count, mut below) = (0, 0, 0);
        for tally in self.live() {
            if tally.dense {
                return false;
            }
            len += tally.raw.len();
            count += tally.count;
            below += tally.raw.iter().filter(|&&v| v < limit).count();
        }
        if len == 0 {
            return false;
        }
        let (low, _) = p95_interval_quantiles(count);
        // The rank `sparse_snapshot` reads the lower end at.
        let rank = ((low.clamp(0.0, 1.0) * len as f64).ceil() as usize).clamp(1, len);
        below >= rank
    }
}

/// An empty histogram of the windows' precision: its bucket arithmetic
/// (which bucket a value falls in, and that bucket's bounds) is what the
/// sparse path needs, and it is the same for every histogram.
static BUCKETS: std::sync::LazyLock<Histogram<u32>> = std::sync::LazyLock::new(|| {
    Histogram::new(SIGNIFICANT_DIGITS).expect("2 significant digits is a valid precision")
});

/// A quantile's bucket value, as reported (see [`Tally::refine`]).
fn refine<C: Counter>(hist: &Histogram<C>, raw: u64, min: f64, max: f64) -> f64 {
    if hist.equivalent(raw, scaled(max)) {
        return max;
    }
    if hist.equivalent(raw, scaled(min)) {
        return min;
    }
    (hist.median_equivalent(raw) as f64 / SCALE).clamp(min, max)
}

impl Rolling {
    /// The tallies of the slots still in the window that hold anything.
    fn live(&self) -> impl Iterator<Item = &SlotTally> {
        let oldest_kept = self.oldest_kept();
        self.slots
            .iter()
            .filter(move |slot| slot.epoch >= oldest_kept)
            .filter_map(|slot| slot.tally.as_deref())
            .filter(|tally| tally.count > 0)
    }

    /// The window's live slots merged into one tally.
    fn merged(&self) -> Tally<u32> {
        let mut merged = Tally::<u32>::new();
        for tally in self.live() {
            tally.merge_into(&mut merged);
        }
        merged
    }
}

impl<C: Counter> Tally<C> {
    /// Counts on `n` log-spaced buckets from the smallest value to the
    /// largest, in one pass over the histogram's recorded buckets.
    fn log_buckets(&self, n: usize) -> Option<LogBuckets> {
        if self.count == 0 || n == 0 {
            return None;
        }
        // A zero duration has no logarithm: the lowest edge is kept within
        // four decades of the largest value (below it, the first bucket).
        let high = self.max.max(0.001);
        let low = self.min.clamp(high / 1e4, high);
        let ratio = (high / low).ln();
        let edges: Vec<f64> = (0..=n)
            .map(|i| {
                if ratio > 0.0 {
                    low * (ratio * i as f64 / n as f64).exp()
                } else {
                    low
                }
            })
            .collect();
        let mut counts = vec![0u64; n];
        for v in self.hist.iter_recorded() {
            let value = (self.hist.median_equivalent(v.value_iterated_to()) as f64 / SCALE)
                .clamp(low, high);
            let i = if ratio > 0.0 {
                ((value / low).ln() / ratio * n as f64) as usize
            } else {
                0
            };
            counts[i.min(n - 1)] += v.count_at_value().as_u64();
        }
        Some(LogBuckets { edges, counts })
    }
}

/// A distribution's values on log-spaced buckets
/// ([`Distribution::log_buckets`]): what a histogram of durations draws.
#[derive(Debug, Clone, PartialEq)]
pub struct LogBuckets {
    /// `counts.len() + 1` edges, ascending: bucket `i` holds the values
    /// from `edges[i]` to `edges[i + 1]`.
    pub edges: Vec<f64>,
    pub counts: Vec<u64>,
}

/// All-time counts at or below fixed bounds ([`Distribution::cumulative`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Cumulative {
    pub count: u64,
    pub sum: f64,
    /// Values at or below each bound, in the bounds' order.
    pub at_most: Vec<u64>,
}

/// A named distribution (one stage's durations, one metric's values) over
/// all time and the three rolling windows.
#[derive(Debug, Clone)]
pub struct Distribution {
    all_time: Tally,
    windows: [Rolling; 3],
}

impl Default for Distribution {
    fn default() -> Self {
        Self::new()
    }
}

impl Distribution {
    pub fn new() -> Self {
        let rolling = |w: Window| {
            let (width, len) = w.geometry().expect("rolling windows have a geometry");
            Rolling::new(width, len)
        };
        Distribution {
            all_time: Tally::new(),
            windows: [
                rolling(Window::OneMinute),
                rolling(Window::FiveMinutes),
                rolling(Window::OneHour),
            ],
        }
    }

    /// Records `value` observed at `at` (window time, see [`super::WindowClock`]).
    pub fn record(&mut self, at: Millis, value: f64, status: Option<Status>) {
        let v = scaled(value);
        self.all_time.record(value, v, status);
        for w in &mut self.windows {
            w.record(at, value, v, status);
        }
    }

    /// Ages every window to `now`, so quiet distributions empty out.
    pub fn advance(&mut self, now: Millis) {
        for w in &mut self.windows {
            w.advance(now);
        }
    }

    /// The rolling window `window` names (none for all time).
    fn rolling(&self, window: Window) -> Option<&Rolling> {
        match window {
            Window::OneMinute => Some(&self.windows[0]),
            Window::FiveMinutes => Some(&self.windows[1]),
            Window::OneHour => Some(&self.windows[2]),
            Window::AllTime => None,
        }
    }

    pub fn snapshot(&self, window: Window) -> Snapshot {
        self.rolling(window)
            .map_or_else(|| self.all_time.snapshot(), Rolling::snapshot)
    }

    /// Whether `window`'s p95 lower bound is certainly below `bound`, told
    /// without a snapshot where that is cheap (see
    /// `Rolling::p95_low_surely_below`); `false` when it may not be.
    pub fn p95_low_surely_below(&self, window: Window, bound: f64) -> bool {
        self.rolling(window)
            .is_some_and(|w| w.p95_low_surely_below(bound))
    }

    /// The count and per-status counts over `window`: cheaper than a
    /// snapshot (no histogram is merged), for rates.
    pub fn counts(&self, window: Window) -> (u64, [u64; 4]) {
        self.rolling(window).map_or(
            (self.all_time.count, self.all_time.statuses),
            Rolling::counts,
        )
    }

    /// The values over `window` on `n` log-spaced buckets from the smallest
    /// to the largest (each value placed by its histogram bucket's middle,
    /// so within 1 %); `None` when the window is empty.
    pub fn log_buckets(&self, window: Window, n: usize) -> Option<LogBuckets> {
        match self.rolling(window) {
            Some(w) => w.merged().log_buckets(n),
            None => self.all_time.log_buckets(n),
        }
    }

    /// Total count over all time.
    pub fn count(&self) -> u64 {
        self.all_time.count
    }

    /// Over all time: how many values, their sum, and how many are at or
    /// below each of `bounds` (ascending), for a fixed-bucket histogram of
    /// the same values (Prometheus's). A value within the 1 % of a bound
    /// that its histogram bucket spans may count on either side of it.
    pub fn cumulative(&self, bounds: &[f64]) -> Cumulative {
        let t = &self.all_time;
        let scaled_bounds: Vec<u64> = bounds.iter().map(|&b| scaled(b)).collect();
        // One pass over the recorded buckets (not one per bound): a value
        // is at or below a bound when its bucket starts there or lower, as
        // `count_between` counts.
        let mut in_bucket = vec![0u64; bounds.len() + 1];
        for v in t.hist.iter_recorded() {
            let start = t.hist.lowest_equivalent(v.value_iterated_to());
            let i = scaled_bounds.partition_point(|b| *b < start);
            in_bucket[i] += v.count_at_value();
        }
        let mut below = 0;
        let at_most = bounds
            .iter()
            .zip(&in_bucket)
            .map(|(&b, n)| {
                below += n;
                if t.count == 0 || b < t.min {
                    0
                } else if b >= t.max {
                    t.count
                } else {
                    below
                }
            })
            .collect();
        Cumulative {
            count: t.count,
            sum: t.sum,
            at_most,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Rounding without the library call rounds as `f64::round` does.
        #[test]
        fn rounding_agrees_with_the_library(
            x in proptest::prop_oneof![
                proptest::num::f64::ANY,
                0.0f64..1e7,
                proptest::strategy::Strategy::prop_map(0u64..1_000_000, |n| n as f64 + 0.5),
                proptest::strategy::Strategy::prop_map(0u64..1_000_000, |n| n as f64 / 1000.0),
            ]
        ) {
            proptest::prop_assert_eq!(round_to_u64(x), x.round() as u64, "{}", x);
        }

        /// Whenever the one-pass bound says the p95's lower end is below a
        /// figure, the snapshot agrees (and it says so for most figures well
        /// above the snapshot's).
        #[test]
        fn the_p95_lower_end_is_below_where_the_bound_says(
            values in proptest::collection::vec((0u64..10, 0.0f64..120_000.0), 1..300),
            bound in 0.0f64..150_000.0,
        ) {
            let mut w = Rolling::new(30_000, 10);
            for (slot, value) in &values {
                w.record(1_800_000_000_000 + *slot as i64 * 30_000, *value, scaled(*value), None);
            }
            let surely = w.p95_low_surely_below(bound);
            let snap = w.snapshot();
            if surely {
                proptest::prop_assert!(snap.p95_low < bound, "{} !< {}", snap.p95_low, bound);
            } else if values.len() <= SPARSE_MAX && bound > snap.p95_low * 1.05 + 1.0 {
                // A fresh window (no memo) must find it too.
                let mut fresh = Rolling::new(30_000, 10);
                for (slot, value) in &values {
                    fresh.record(1_800_000_000_000 + *slot as i64 * 30_000, *value, scaled(*value), None);
                }
                proptest::prop_assert!(fresh.p95_low_surely_below(bound));
            }
        }

        /// The sparse path answers exactly as the merged histogram does.
        #[test]
        fn sparse_windows_answer_as_merged_histograms(
            values in proptest::collection::vec((0u64..10, 0.0f64..120_000.0, 0usize..4), 1..300)
        ) {
            let mut w = Rolling::new(30_000, 10);
            for (slot, value, status) in &values {
                let status = [Status::Ok, Status::Failed, Status::Timeout, Status::Cancelled][*status];
                w.record(1_800_000_000_000 + *slot as i64 * 30_000, *value, scaled(*value), Some(status));
            }
            // Slots past SPARSE_MAX values are dense: the sparse path declines.
            match w.sparse_snapshot() {
                Some(sparse) => {
                    let merged = w.merged().snapshot();
                    proptest::prop_assert_eq!(sparse, merged);
                    proptest::prop_assert_eq!(
                        (sparse.p95_low, sparse.p95_high),
                        (merged.p95_low, merged.p95_high)
                    );
                }
                None => proptest::prop_assert!(values.len() > SPARSE_MAX),
            }
        }

        /// Whatever the steps between values (within a slot, a few slots,
        /// past the whole window), a window counts exactly the values whose
        /// slot is among its last ones.
        #[test]
        fn windows_hold_exactly_their_last_slots(
            steps in proptest::collection::vec((0i64..400_000, 1u32..4), 1..200)
        ) {
            const WIDTH: i64 = 30_000;
            let mut w = Rolling::new(WIDTH, 10);
            let mut at = 1_800_000_000_000;
            let mut recorded = Vec::new();
            for (step, n) in steps {
                at += step;
                for _ in 0..n {
                    w.record(at, 1.0, scaled(1.0), None);
                    recorded.push(at);
                }
                let newest = at.div_euclid(WIDTH);
                let kept = recorded.iter().filter(|t| t.div_euclid(WIDTH) > newest - 10).count();
                proptest::prop_assert_eq!(w.counts().0, kept as u64);
                proptest::prop_assert_eq!(w.snapshot().count, kept as u64);
            }
        }
    }

    #[test]
    fn the_p95_interval_is_wide_with_few_values_and_narrows() {
        let mut d = Distribution::new();
        for v in [100.0, 110.0, 120.0, 130.0, 10_000.0] {
            d.record(0, v, None);
        }
        let s = d.snapshot(Window::AllTime);
        // Five values: p95 is the outlier, its lower bound is not.
        assert!(s.p95 > 9_000.0 && s.p95_low < 150.0, "{s:?}");
        for i in 0..1_000 {
            d.record(0, 100.0 + (i % 100) as f64, None);
        }
        let s = d.snapshot(Window::AllTime);
        assert!(s.p95_low <= s.p95 && s.p95 <= s.p95_high, "{s:?}");
        assert!(s.p95_high - s.p95_low < 10.0, "{s:?}");
    }

    #[test]
    fn all_time_figures() {
        let mut d = Distribution::new();
        for (i, v) in [100.0, 200.0, 300.0, 400.0].into_iter().enumerate() {
            d.record(
                i as Millis,
                v,
                Some(if i == 3 { Status::Failed } else { Status::Ok }),
            );
        }
        let s = d.snapshot(Window::AllTime);
        assert_eq!(s.count, 4);
        assert_eq!(s.mean, 250.0);
        assert_eq!(s.max, 400.0);
        assert!((s.p50 - 200.0).abs() <= 2.0, "{}", s.p50);
        assert_eq!(s.p99, 400.0);
        assert_eq!(s.success_rate(), Some(0.75));
        assert_eq!(s.error_rate(), Some(0.25));
    }

    #[test]
    fn a_repeated_query_sees_every_new_value_and_every_move_of_the_window() {
        let mut d = Distribution::new();
        d.record(0, 100.0, None);
        assert_eq!(d.snapshot(Window::OneMinute).count, 1);
        d.record(1, 300.0, None);
        assert_eq!(d.snapshot(Window::OneMinute).count, 2);
        assert_eq!(d.snapshot(Window::OneMinute).max, 300.0);
        d.advance(30_000);
        assert_eq!(d.snapshot(Window::OneMinute).count, 2, "still inside");
        d.advance(70_000);
        assert_eq!(d.snapshot(Window::OneMinute).count, 0, "aged out");
        d.record(70_001, 5.0, None);
        assert_eq!(d.snapshot(Window::OneMinute).max, 5.0);
    }

    #[test]
    fn windows_forget_old_values() {
        let mut d = Distribution::new();
        d.record(0, 5000.0, Some(Status::Ok));
        d.record(61_000, 10.0, Some(Status::Ok));
        // The 1-minute window has moved past t=0; the 5-minute one has not.
        assert_eq!(d.snapshot(Window::OneMinute).count, 1);
        assert_eq!(d.snapshot(Window::OneMinute).max, 10.0);
        assert_eq!(d.snapshot(Window::FiveMinutes).count, 2);
        assert_eq!(d.snapshot(Window::FiveMinutes).p99, 5000.0);
        d.advance(10 * 60_000);
        assert_eq!(d.snapshot(Window::FiveMinutes).count, 0);
        assert_eq!(d.snapshot(Window::OneHour).count, 2);
        assert_eq!(d.snapshot(Window::AllTime).count, 2);
    }

    #[test]
    fn subtracting_expired_slots_keeps_quantiles_of_what_remains() {
        let mut d = Distribution::new();
        for i in 0..1000 {
            d.record(i * 1000, if i < 900 { 1000.0 } else { 10.0 }, None);
        }
        // At t=999 s the 1-minute window holds its six 10-second slots,
        // t in [940 s, 999 s]: all 10.0.
        let s = d.snapshot(Window::OneMinute);
        assert_eq!(s.count, 60);
        assert!((s.p99 - 10.0).abs() < 0.1, "{s:?}");
    }

    #[test]
    fn late_values_within_the_window_count_and_older_ones_do_not() {
        let mut d = Distribution::new();
        d.record(100_000, 1.0, None);
        d.record(95_000, 2.0, None); // same window, earlier slot
        d.record(1_000, 3.0, None); // before the 1-minute window
        assert_eq!(d.snapshot(Window::OneMinute).count, 2);
        assert_eq!(d.snapshot(Window::FiveMinutes).count, 3);
    }

    #[test]
    fn sub_millisecond_values_keep_resolution() {
        let mut d = Distribution::new();
        d.record(0, 0.43, None);
        let s = d.snapshot(Window::AllTime);
        assert!((s.p50 - 0.43).abs() < 0.005, "{s:?}");
    }
}
