//! Writes a simulated runner's events as NDJSON to stdout.
//!
//! ```text
//! cargo run --release --example generate -- [EVENTS] [SEED] [START] > FILE
//! ```
//! START is an RFC 3339 time (default 2026-11-22T10:00:00Z). `assets/sample.ndjson`
//! is `generate 3000 42`; the benchmarks generate their million-event input
//! the same way, starting weeks earlier so that none of it lies in the future
//! (`scripts/bench-report.sh`).

use std::io::{self, BufWriter, Write};

use runtop::protocol::time::parse_rfc3339;
use runtop::protocol::to_json_line;
use runtop::sim::{DEFAULT_START, RunnerModel, Simulator};

fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: generate [EVENTS] [SEED] [START (RFC 3339)]";
    let events: usize = args
        .next()
        .map_or(Ok(3_000), |a| a.parse())
        .map_err(|_| io::Error::other(usage))?;
    let seed: u64 = args
        .next()
        .map_or(Ok(42), |a| a.parse())
        .map_err(|_| io::Error::other(usage))?;
    let start = match args.next() {
        Some(a) => parse_rfc3339(&a).ok_or_else(|| io::Error::other(usage))?,
        None => DEFAULT_START,
    };
    let mut out = BufWriter::new(io::stdout().lock());
    for event in Simulator::new(RunnerModel::steady(), seed, start).take(events) {
        writeln!(out, "{}", to_json_line(&event))?;
    }
    out.flush()
}
