//! Arbitrary bytes and mutated valid events through the NDJSON reader and
//! the decoder, on both clocks: never a panic, and every input counted once
//! (`received = accepted + invalid + duplicates + unknown_type`).

use proptest::prelude::*;
use runtop::engine::{Engine, EngineConfig, InputStats, Origin};
use runtop::source::ndjson::feed_all;

/// 2026-11-22T12:00:00Z, two hours after the sample starts.
const NOW: i64 = 1_795_348_800_000;

fn sample_lines() -> Vec<String> {
    std::fs::read_to_string("assets/sample.ndjson")
        .unwrap()
        .lines()
        .take(200)
        .map(String::from)
        .collect()
}

fn balanced(input: &InputStats) -> bool {
    input.received == input.accepted + input.invalid + input.duplicates + input.unknown_type
}

fn read_file(bytes: &[u8]) -> Engine {
    let mut engine = Engine::new(EngineConfig::replay());
    feed_all(bytes, &mut engine, NOW, 64 * 1024).unwrap();
    engine
}

/// One way of breaking a line.
#[derive(Debug, Clone)]
enum Mutation {
    FlipByte(usize, u8),
    Truncate(usize),
    Insert(usize, String),
    ReplaceNumber(String),
    Duplicate,
    ShiftTime(i64),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::FlipByte(i, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), "[\\PC\\x00-\\x1f\"\\\\{}\\[\\]]{0,8}")
            .prop_map(|(i, s)| Mutation::Insert(i, s)),
        prop_oneof![
            Just("1e400".to_string()),
            Just("-1".to_string()),
            Just("NaN".to_string()),
            Just("18446744073709551616".to_string()),
            Just("\"x\"".to_string()),
            Just("null".to_string()),
        ]
        .prop_map(Mutation::ReplaceNumber),
        Just(Mutation::Duplicate),
        (-200i64..200).prop_map(|h| Mutation::ShiftTime(h * 3_600_000)),
    ]
}

fn apply(line: &str, m: &Mutation) -> Vec<String> {
    let mut bytes = line.as_bytes().to_vec();
    match m {
        Mutation::FlipByte(i, b) if !bytes.is_empty() => {
            let i = i % bytes.len();
            bytes[i] = if *b == b'\n' { b' ' } else { *b };
        }
        Mutation::Truncate(i) => bytes.truncate(i % (bytes.len() + 1)),
        Mutation::Insert(i, s) => {
            let i = i % (bytes.len() + 1);
            bytes.splice(i..i, s.replace('\n', " ").into_bytes());
        }
        Mutation::ReplaceNumber(n) => {
            let text = line.replacen(|c: char| c.is_ascii_digit(), n, 1);
            return vec![text];
        }
        Mutation::Duplicate => return vec![line.to_string(), line.to_string()],
        Mutation::ShiftTime(ms) => {
            let text = line.replace(
                "\"ts\":\"2026-11-22T10:",
                &format!("\"ts\":{},\"x\":\"", NOW + ms),
            );
            return vec![text];
        }
        _ => {}
    }
    vec![String::from_utf8_lossy(&bytes).replace('\n', " ")]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic_and_are_all_counted(
        bytes in proptest::collection::vec(any::<u8>(), 0..4096)
    ) {
        let engine = read_file(&bytes);
        prop_assert!(balanced(engine.input()), "{:?}", engine.input());
        // The same bytes as live frames, from two sources.
        let mut live = Engine::new(EngineConfig::live());
        for (i, frame) in bytes.split(|b| *b == b'\n').enumerate() {
            live.feed(frame, NOW, Origin { line: None, source: Some(i % 2) });
        }
        prop_assert!(balanced(live.input()), "{:?}", live.input());
    }

    #[test]
    fn mutated_events_never_panic_and_are_all_counted(
        mutations in proptest::collection::vec((0usize..200, mutation()), 1..40)
    ) {
        let mut lines = sample_lines();
        for (at, m) in &mutations {
            let at = at % lines.len();
            let replaced = apply(&lines[at], m);
            lines.splice(at..=at, replaced);
        }
        let text = lines.join("\n");
        let engine = read_file(text.as_bytes());
        let input = engine.input();
        prop_assert!(balanced(input), "{:?}", input);
        prop_assert_eq!(input.received as usize, lines.iter().filter(|l| !l.trim().is_empty()).count());
        prop_assert_eq!(engine.held(), 0);
    }
}
