//! The first decoding pass's fast path: frames of plainly written event
//! objects, read straight into [`RawEvent`]s, or, when plainly valid, into
//! their [`Event`]s at once ([`typed`]).
//!
//! Runners write the same few flat objects millions of times, and a replay
//! spends most of its decoding time in serde's generic machinery (a visitor
//! per field, a `Json` built through `deserialize_any`, UTF-8 checked string
//! by string behind a search for escapes). This scanner reads the common
//! shape directly: an object or a batch (an array) of them, keys without
//! escapes, strings without escapes or control characters, non-negative
//! numbers without an exponent, arrays and objects nested a few levels.
//! Anything else — an escape, a negative number, an exponent, a repeated
//! key, a batch member that is not an object, malformed JSON — it declines,
//! for the whole frame, and serde_json reads the frame as before, errors and
//! all.
//!
//! What it accepts it reads exactly as serde_json would (the same `Json`
//! values, numbers computed the same way), which a property test holds it
//! to. Written by hand because that equivalence is the point: a different
//! parser (simd-json, sonic-rs) has its own number and error semantics, and
//! measured no faster here through serde (docs/performance.md).

use std::borrow::Cow;

use super::event::Event;
use super::raw::{Json, RawEvent};
use super::sanitize::is_plain;

mod search;
mod typed;
use search::{NO_KEY, known_key_after, string_end};
use typed::TYPE;

/// Nesting read here (the event object is level 1); deeper goes to serde.
const MAX_DEPTH: u32 = 6;
/// Digits of a number read here: 19 never overflow a `u64`.
const MAX_DIGITS: usize = 19;
/// Exact powers of ten, as serde_json divides by them (`f64_from_parts`).
const POW10: [f64; MAX_DIGITS + 1] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19,
];

/// Reads a frame of plainly written event objects (one, or a batch: an
/// array of them; see the module's doc) into their fields, converting each
/// with `convert` as it is read and handing the results to `sink` once the
/// whole frame is read. False means declined, and `sink` was given
/// nothing: the caller reads the frame the general way, whatever `convert`
/// made of its first members (it must not have effects).
///
/// A lone object (a line of a log) goes to `sink` as it is converted,
/// never returned through a `Members`: each move of a decoded event cost a
/// copy of a few hundred bytes.
#[cfg(test)]
pub fn frame<'a, T>(
    bytes: &'a [u8],
    convert: impl FnMut(&mut RawEvent<'a>) -> T,
    mut sink: impl FnMut(T),
) -> bool {
    read_frame(bytes, None::<fn(Event<'a>) -> T>, convert, &mut sink).is_some()
}

/// [`frame`], with each member of a printable frame first read straight
/// into an [`Event`] by [`typed`] and handed to `event`; a member it
/// declines (anything not plainly valid) is read into its fields and
/// converted as `frame` does. What comes out is the same either way.
pub fn events<'a, T>(
    bytes: &'a [u8],
    event: impl FnMut(Event<'a>) -> T,
    convert: impl FnMut(&mut RawEvent<'a>) -> T,
    mut sink: impl FnMut(T),
) -> bool {
    read_frame(bytes, Some(event), convert, &mut sink).is_some()
}

fn read_frame<'a, T>(
    bytes: &'a [u8],
    mut typed: Option<impl FnMut(Event<'a>) -> T>,
    mut convert: impl FnMut(&mut RawEvent<'a>) -> T,
    sink: &mut impl FnMut(T),
) -> Option<()> {
    // Anything but an object or an array is serde's to judge, before the
    // whole frame is checked as UTF-8 for nothing.
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace())?;
    if !matches!(first, b'{' | b'[') {
        return None;
    }
    // UTF-8 is checked once for the frame rather than string by string:
    // outside strings serde_json accepts ASCII only, so a frame it reads
    // without error is UTF-8 throughout. A frame of printable ASCII alone
    // (nearly every one) is known to be without looking further, and so
    // are its strings clean (the scanner declines control characters in
    // them; the frame holds no DEL and nothing beyond ASCII).
    let plain = is_plain(bytes);
    let text = if plain {
        // SAFETY: every byte is below 0x7f, and ASCII is UTF-8.
        unsafe { std::str::from_utf8_unchecked(bytes) }
    } else {
        std::str::from_utf8(bytes).ok()?
    };
    if !plain {
        // Strings to clean: the typed reading is for printable frames.
        typed = None;
    }
    let mut scan = Scanner { text, bytes, at: 0 };
    // A member read into its fields (the scanner declines what it declines).
    let mut fields = |scan: &mut Scanner<'a>| -> Scanned<T> {
        let mut raw = RawEvent {
            plain,
            ..RawEvent::default()
        };
        scan.event(&mut raw)?;
        Some(convert(&mut raw))
    };
    if *first == b'{' {
        // A lone object's typed event goes to `sink` as it is made: each
        // move of a decoded event is a copy of 264 bytes (the reading into
        // fields, rare now, pays one).
        if let Some(event) = &mut typed {
            let mut ahead = scan;
            if let Some(read) = ahead.typed_event() {
                ahead.skip_whitespace();
                if ahead.at == bytes.len() {
                    sink(event(read));
                    return Some(());
                }
            }
        }
        let member = fields(&mut scan)?;
        scan.skip_whitespace();
        if scan.at != bytes.len() {
            return None;
        }
        sink(member);
        return Some(());
    }
    // One member of a batch: straight into an event if it is plainly
    // valid, else into its fields.
    let mut one = |scan: &mut Scanner<'a>| -> Scanned<T> {
        if let Some(event) = &mut typed {
            let mut ahead = *scan;
            if let Some(read) = ahead.typed_event() {
                *scan = ahead;
                return Some(event(read));
            }
        }
        fields(scan)
    };
    let members = {
        scan.skip_whitespace();
        scan.expect(b'[')?;
        let mut members = Vec::new();
        scan.skip_whitespace();
        if !scan.eat(b']') {
            loop {
                members.push(one(&mut scan)?);
                scan.skip_whitespace();
                if scan.eat(b']') {
                    break;
                }
                scan.expect(b',')?;
            }
        }
        members
    };
    scan.skip_whitespace();
    if scan.at != bytes.len() {
        return None;
    }
    members.into_iter().for_each(sink);
    Some(())
}

/// A number as the scanner reads it: serde_json's `U64` or `F64`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Number {
    Integer(u64),
    Decimal(f64),
}

impl Number {
    fn as_f64(self) -> f64 {
        match self {
            Number::Integer(n) => n as f64,
            Number::Decimal(n) => n,
        }
    }
}

#[derive(Clone, Copy)]
struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

/// `None` means "declined" throughout.
type Scanned<T> = Option<T>;

impl<'a> Scanner<'a> {
    fn event(&mut self, raw: &mut RawEvent<'a>) -> Scanned<()> {
        self.event_members(
            |scan, position| scan.value_into(raw.field_at_mut(position)),
            |scan| scan.value(2).map(drop),
        )
    }

    /// Walks an event object: each known key's value (unless `null`, which
    /// reads as absent) goes to `known` with the key's position in `KEYS`,
    /// any other key's to `unknown`, each of which reads it. A known key
    /// given twice is declined (serde's "duplicate field" error).
    #[inline]
    fn event_members(
        &mut self,
        mut known: impl FnMut(&mut Self, usize) -> Scanned<()>,
        mut unknown: impl FnMut(&mut Self) -> Scanned<()>,
    ) -> Scanned<()> {
        let mut seen = 0u32;
        // The kind of event (its `type`'s length, once read) and the last
        // key: what the next key is guessed from ([`known_key_after`]).
        let order = std::cell::Cell::new((0, NO_KEY));
        self.object(
            |scan| {
                let (kind, previous) = order.get();
                match known_key_after(&scan.bytes[scan.at..], kind, previous) {
                    Some((position, len)) => {
                        scan.at += len;
                        order.set((kind, position));
                        Some(Some(position))
                    }
                    None => {
                        order.set((kind, NO_KEY));
                        scan.string_body().map(|_| None)
                    }
                }
            },
            |scan, key| match key {
                Some(position) => {
                    let bit = 1 << position;
                    if seen & bit != 0 {
                        return None;
                    }
                    seen |= bit;
                    if scan.eat_literal(b"null") {
                        return Some(());
                    }
                    let start = scan.at;
                    known(scan, position)?;
                    if position == TYPE {
                        order.set((scan.at - start, position));
                    }
                    Some(())
                }
                None => unknown(scan),
            },
        )
    }

    /// Walks the object starting here (after any whitespace): each key is
    /// read by `key` (the opening quote already taken) and its value by
    /// `member`, given what `key` made of it.
    #[inline]
    fn object<K>(
        &mut self,
        mut key: impl FnMut(&mut Self) -> Scanned<K>,
        mut member: impl FnMut(&mut Self, K) -> Scanned<()>,
    ) -> Scanned<()> {
        self.skip_whitespace();
        self.expect(b'{')?;
        self.skip_whitespace();
        if self.eat(b'}') {
            return Some(());
        }
        loop {
            self.skip_whitespace();
            self.expect(b'"')?;
            let read = key(self)?;
            self.skip_whitespace();
            self.expect(b':')?;
            self.skip_whitespace();
            member(self, read)?;
            self.skip_whitespace();
            if self.eat(b'}') {
                return Some(());
            }
            self.expect(b',')?;
        }
    }

    /// Walks the array starting here: each item is read by `item`.
    #[inline]
    fn array(&mut self, mut item: impl FnMut(&mut Self) -> Scanned<()>) -> Scanned<()> {
        self.expect(b'[')?;
        self.skip_whitespace();
        if self.eat(b']') {
            return Some(());
        }
        loop {
            self.skip_whitespace();
            item(self)?;
            self.skip_whitespace();
            if self.eat(b']') {
                return Some(());
            }
            self.expect(b',')?;
        }
    }

    /// A field's value, built where it is kept (`slot`, empty): returned
    /// and then moved, the 32-byte value stalled the store that followed
    /// its return, at every field of every event.
    #[inline]
    fn value_into(&mut self, slot: &mut Option<Json<'a>>) -> Scanned<()> {
        match *self.bytes.get(self.at)? {
            b'"' => {
                self.at += 1;
                let text = self.string_body()?;
                *slot = Some(Json::Str(Cow::Borrowed(text)));
            }
            b'0'..=b'9' => *slot = Some(self.number()?),
            _ => *slot = Some(self.value(2)?),
        }
        Some(())
    }

    fn value(&mut self, depth: u32) -> Scanned<Json<'a>> {
        if depth > MAX_DEPTH {
            return None;
        }
        match *self.bytes.get(self.at)? {
            b'"' => {
                self.at += 1;
                Some(Json::Str(Cow::Borrowed(self.string_body()?)))
            }
            b'0'..=b'9' => self.number(),
            b'{' => {
                let mut fields = Vec::new();
                self.object(Scanner::string_body, |scan, key| {
                    fields.push((Cow::Borrowed(key), scan.value(depth + 1)?));
                    Some(())
                })?;
                Some(Json::Object(fields))
            }
            b'[' => {
                let mut items = Vec::new();
                self.array(|scan| {
                    items.push(scan.value(depth + 1)?);
                    Some(())
                })?;
                Some(Json::Array(items))
            }
            b't' if self.eat_literal(b"true") => Some(Json::Bool(true)),
            b'f' if self.eat_literal(b"false") => Some(Json::Bool(false)),
            b'n' if self.eat_literal(b"null") => Some(Json::Null),
            _ => None,
        }
    }

    /// The rest of a string whose opening quote was read: borrowed as it
    /// stands, since it may hold no escape and no control character.
    fn string_body(&mut self) -> Scanned<&'a str> {
        let start = self.at;
        let len = string_end(&self.bytes[start..])?;
        if self.bytes[start + len] != b'"' {
            return None;
        }
        self.at = start + len + 1;
        // SAFETY: `text` is `bytes` as UTF-8, and the slice lies within it
        // (its end was found in it) between two ASCII bytes: the opening
        // quote just before `start` and the closing one at its end, so both
        // ends are character boundaries.
        Some(unsafe { self.text.get_unchecked(start..start + len) })
    }

    /// A non-negative number, as serde_json's `deserialize_any` reads it: an
    /// integer as `U64`, a decimal as its digits divided by a power of ten.
    fn number(&mut self) -> Scanned<Json<'a>> {
        Some(match self.number_parts()? {
            Number::Integer(n) => Json::U64(n),
            Number::Decimal(n) => Json::F64(n),
        })
    }

    /// [`Scanner::number`]'s reading, before it is made a [`Json`].
    fn number_parts(&mut self) -> Scanned<Number> {
        let start = self.at;
        // The digits are summed as they are read (wrapping: more than
        // MAX_DIGITS are declined below, before the sum is used).
        let mut significand = 0u64;
        let mut digits = |scan: &mut Self| {
            let from = scan.at;
            while let Some(&b) = scan.bytes.get(scan.at)
                && b.is_ascii_digit()
            {
                significand = significand
                    .wrapping_mul(10)
                    .wrapping_add(u64::from(b - b'0'));
                scan.at += 1;
            }
            scan.at - from
        };
        let whole = digits(self);
        // One leading zero only, as JSON has it.
        if whole > 1 && self.bytes[start] == b'0' {
            return None;
        }
        let fraction = if self.eat(b'.') { digits(self) } else { 0 };
        let end = self.at;
        if matches!(self.bytes.get(end), Some(b'.' | b'e' | b'E'))
            || (end > start + whole && fraction == 0)
            || whole + fraction > MAX_DIGITS
        {
            return None;
        }
        Some(if end == start + whole {
            Number::Integer(significand)
        } else {
            Number::Decimal(significand as f64 / POW10[fraction])
        })
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.bytes.get(self.at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.bytes.get(self.at) == Some(&byte);
        self.at += usize::from(found);
        found
    }

    fn expect(&mut self, byte: u8) -> Scanned<()> {
        self.eat(byte).then_some(())
    }

    fn eat_literal(&mut self, literal: &[u8]) -> bool {
        let found = self.bytes[self.at..].starts_with(literal);
        if found {
            self.at += literal.len();
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::raw::{Members, RawMember, parse_frame};

    /// What serde_json's path reads the same bytes to, if it reads one event.
    fn by_serde(bytes: &[u8]) -> Option<RawEvent<'_>> {
        match parse_frame(bytes, |m| m) {
            Ok(Members::One(RawMember::Event(raw))) => Some(raw),
            _ => None,
        }
    }

    /// What the scanner hands on, if it reads the frame.
    fn fast<'a, T>(bytes: &'a [u8], convert: impl FnMut(&mut RawEvent<'a>) -> T) -> Option<Vec<T>> {
        let mut members = Vec::new();
        frame(bytes, convert, |m| members.push(m)).then_some(members)
    }

    fn scanned(bytes: &[u8]) -> Option<RawEvent<'_>> {
        // A lone object, not a batch of one.
        if bytes.trim_ascii_start().first() != Some(&b'{') {
            return None;
        }
        fast(bytes, std::mem::take).map(|mut members| members.remove(0))
    }

    /// Both readings of a frame, each member as its raw fields (or what was
    /// found instead of an object).
    type Frame<'a> = Option<Vec<Result<RawEvent<'a>, &'static str>>>;

    fn both(bytes: &[u8]) -> (Frame<'_>, Frame<'_>) {
        let list = |members| match members {
            Members::One(m) => vec![m],
            Members::Many(ms) => ms,
        };
        let fast = fast(bytes, |raw| Ok(std::mem::take(raw)));
        let serde = parse_frame(bytes, |m| match m {
            RawMember::Event(raw) => Ok(raw),
            RawMember::NotObject(found) => Err(found),
        })
        .ok()
        .map(list);
        (fast, serde)
    }

    #[test]
    fn reads_the_events_runners_write() {
        let sample = include_str!("../../assets/sample.ndjson");
        for line in sample.lines() {
            let fast = scanned(line.as_bytes()).unwrap_or_else(|| panic!("declined {line}"));
            assert_eq!(Some(fast), by_serde(line.as_bytes()), "{line}");
        }
    }

    #[test]
    fn declines_what_it_does_not_read() {
        for line in [
            r#"[{"type":"log"},1]"#,
            r#"[{"type":"log"} {"type":"log"}]"#,
            r#"[{"type":"log"}"#,
            r#"[{"type":"log"},]"#,
            r#"[{"type":"log"}] x"#,
            r#"{"type":"lo\u0067"}"#,
            r#"{"message":"a\nb"}"#,
            "{\"message\":\"tab\there\"}",
            r#"{"value":-1}"#,
            r#"{"value":1e3}"#,
            r#"{"value":01}"#,
            r#"{"value":1.}"#,
            r#"{"value":.5}"#,
            r#"{"value":12345678901234567890}"#,
            r#"{"type":"log","type":"log"}"#,
            r#"{"ts":null,"ts":1}"#,
            r#"{"type":"log",}"#,
            r#"{"type":"log"} x"#,
            r#"{"a":[[[[[[1]]]]]]}"#,
            r#"{"type":"log""#,
            "",
            "null",
        ] {
            assert!(both(line.as_bytes()).0.is_none(), "{line}");
        }
        assert!(scanned(b"{\"node\":\"\xff\"}").is_none());
    }

    #[test]
    fn reads_batches_as_serde_does() {
        let sample = include_str!("../../assets/sample.ndjson");
        let lines: Vec<&str> = sample.lines().take(50).collect();
        for batch in [
            format!("[{}]", lines.join(",")),
            format!(" [ {} ] ", lines[..3].join(" ,\n ")),
            "[]".to_owned(),
        ] {
            let (fast, serde) = both(batch.as_bytes());
            assert!(fast.is_some(), "declined {batch}");
            assert_eq!(fast, serde);
        }
    }

    #[test]
    fn reads_numbers_as_serde_json_does() {
        for n in [
            "0",
            "7",
            "0.5",
            "430.0",
            "10.6",
            "1698.0",
            "0.1",
            "0.30000000000000004",
            "123456789.987654321",
            "9999999999999999999",
            "1727740800000",
            "3.14159265358979",
            "0.000001",
        ] {
            let line = format!(r#"{{"value":{n}}}"#);
            let fast = scanned(line.as_bytes()).expect(n);
            assert_eq!(Some(fast), by_serde(line.as_bytes()), "{n}");
        }
    }

    #[test]
    fn reads_unknown_keys_nesting_and_whitespace_as_serde_does() {
        for line in [
            " { \"type\" : \"stage_started\" , \"depends_on\" : [ \"a\" , \"b\" ] } \r\n",
            r#"{"extra":{"deep":[1,{"x":null}],"t":true},"type":"metric","value":2}"#,
            r#"{"error":{"type":"E","code":7,"message":"ünïcödé ✓"},"status":"failed"}"#,
            r#"{"resources":{},"depends_on":[],"autonomous":false,"unit":null}"#,
            r#"{}"#,
            r#"{"x":1,"x":2}"#,
        ] {
            let fast = scanned(line.as_bytes()).unwrap_or_else(|| panic!("declined {line}"));
            assert_eq!(Some(fast), by_serde(line.as_bytes()), "{line}");
        }
    }

    /// JSON text for a value, in the forms runners and attackers write.
    fn value_text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let scalar = prop_oneof![
            4 => "[a-z_ ]{0,12}".prop_map(|s| format!("\"{s}\"")),
            // Escapes, controls, non-ASCII and stray quotes inside strings.
            1 => "[a-zé✓\\\\\"\t\u{1}\u{7f}]{0,6}".prop_map(|s| format!("\"{s}\"")),
            4 => "(0|[1-9][0-9]{0,9})\\.[0-9]{1,9}",
            2 => "(0|[1-9][0-9]{0,19})",
            1 => "-?(0|[1-9][0-9]{0,21})(\\.[0-9]{0,21})?([eE][+-]?[0-9]{1,3})?",
            1 => "0[0-9]{1,3}",
            1 => Just("true".to_owned()),
            1 => Just("false".to_owned()),
            2 => Just("null".to_owned()),
            1 => Just("tru".to_owned()),
        ];
        scalar.prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4)
                    .prop_map(|items| format!("[{}]", items.join(","))),
                proptest::collection::vec(("[a-z_]{1,10}", inner), 0..4).prop_map(|fields| {
                    let fields: Vec<String> =
                        fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                    format!("{{{}}}", fields.join(","))
                }),
            ]
        })
    }

    use proptest::strategy::Strategy as _;

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(2_000))]
        /// Whatever the scanner reads, serde_json reads the same way.
        #[test]
        fn what_it_reads_serde_reads_the_same(
            fields in proptest::collection::vec(
                (
                    proptest::prop_oneof![
                        proptest::sample::select(vec![
                            "type", "ts", "event_id", "correlation_id", "stage", "status",
                            "duration_ms", "resources", "value", "depends_on", "attempt",
                            "error", "message", "cpu_percent", "timestamp",
                        ]).prop_map(str::to_owned),
                        "[a-z_]{1,8}",
                    ],
                    value_text(),
                ),
                0..8,
            ),
            spaces in proptest::collection::vec(proptest::sample::select(vec!["", "", " ", "\t", "\r\n"]), 4),
            batch in 0usize..5,
            cut in 0usize..400,
            junk in 0u8..=255,
        ) {
            let fields: Vec<String> = fields
                .iter()
                .map(|(k, v)| format!("\"{k}\"{}:{}{v}", spaces[0], spaces[1]))
                .collect();
            let object = format!("{{{}}}", fields.join(","));
            // One object, or a batch of up to three (the first is this one).
            let body = match batch {
                0 | 1 => object,
                n => {
                    let members = [object.as_str(), r#"{"type":"log","level":"info"}"#, "{}"];
                    format!("[{}]", members[..n - 1].join(&format!(",{}", spaces[0])))
                }
            };
            let mut line = format!("{}{body}{}", spaces[2], spaces[3]).into_bytes();
            // Now and then a byte changed or the line cut short.
            match junk % 8 {
                0 if cut < line.len() => line[cut] = junk,
                1 => line.truncate(cut),
                _ => {}
            }
            let (fast, serde) = both(&line);
            if fast.is_some() {
                proptest::prop_assert_eq!(fast, serde, "{}", String::from_utf8_lossy(&line));
            }
        }
    }
}
