//! Writes a simulated runner's events as NDJSON to stdout.
//!
//! ```text
//! cargo run --release --example generate -- [EVENTS] [SEED] > FILE
//! ```
//! `assets/sample.ndjson` is `generate 3000 42`; the benchmarks generate
//! their million-event input the same way (`scripts/bench-report.sh`).

use std::io::{self, BufWriter, Write};

use runtop::protocol::to_json_line;
use runtop::sim::{DEFAULT_START, RunnerModel, Simulator};

fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: generate [EVENTS] [SEED]";
    let events: usize = args
        .next()
        .map_or(Ok(3_000), |a| a.parse())
        .map_err(|_| io::Error::other(usage))?;
    let seed: u64 = args
        .next()
        .map_or(Ok(42), |a| a.parse())
        .map_err(|_| io::Error::other(usage))?;
    let mut out = BufWriter::new(io::stdout().lock());
    for event in Simulator::new(RunnerModel::steady(), seed, DEFAULT_START).take(events) {
        writeln!(out, "{}", to_json_line(&event))?;
    }
    out.flush()
}
