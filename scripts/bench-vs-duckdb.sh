#!/usr/bin/env bash
# `runtop report` against DuckDB on the same NDJSON log, side by side.
#
#   scripts/bench-vs-duckdb.sh [EVENTS] [PAIRS]     (defaults: 1070000 events, 5 pairs)
#   RUNTOP=/path/to/runtop scripts/bench-vs-duckdb.sh   # another build, to compare
#   PGO=1 scripts/bench-vs-duckdb.sh     # the shipped build: scripts/build-pgo.sh first
#
# Generates bench-data/events-EVENTS.ndjson with the committed generator
# (examples/generate.rs: RFC 3339 timestamps, an event_id on every line,
# resources on every stage_finished), installs DuckDB's Python package with
# pip when it is missing, then alternates the two PAIRS times:
#
# - runtop: `runtop report FILE` (the whole report: every statistic, rule and
#   analysis), wall time and peak RSS of the process;
# - DuckDB: exact per-stage count and p50/p95/p99 of stage_finished events
#   (read_json of four columns, quantile_cont, two threads), the query's wall
#   time inside Python (the interpreter's start and the import not counted).
#
# Prints each pair, the medians and runtop's time as a multiple of DuckDB's.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${RUNTOP:-./target/release/runtop}
if [ "${PGO:-}" = 1 ]; then
  scripts/build-pgo.sh > /dev/null
  bin=./target/pgo/runtop
fi
events=${1:-1070000}
pairs=${2:-5}

python3 -c 'import duckdb' 2>/dev/null || python3 -m pip install --quiet duckdb
# shellcheck source=scripts/bench-data.sh
. scripts/bench-data.sh
bench_data "$events"
echo "input: $data ($events events, $(du -mL "$data" | cut -f1) MB); DuckDB $(python3 -c 'import duckdb; print(duckdb.__version__)')"

duck() {
  python3 - "$1" <<'PY'
import sys, time, duckdb
con = duckdb.connect()
con.execute("SET threads = 2")
started = time.perf_counter()
rows = con.execute("""
    SELECT stage, count(*),
           quantile_cont(duration_ms, 0.50),
           quantile_cont(duration_ms, 0.95),
           quantile_cont(duration_ms, 0.99)
    FROM read_json(?, format = 'newline_delimited',
                   columns = {'type': 'VARCHAR', 'stage': 'VARCHAR',
                              'duration_ms': 'DOUBLE', 'status': 'VARCHAR'})
    WHERE type = 'stage_finished'
    GROUP BY stage ORDER BY stage
""", [sys.argv[1]]).fetchall()
elapsed = time.perf_counter() - started
assert rows, "DuckDB found no stage_finished events"
print(f"{elapsed:.3f}")
PY
}

ours=(); theirs=(); rss=()
for i in $(seq "$pairs"); do
  /usr/bin/time -f "%e %M" -o bench-data/time.out "$bin" report "$data" > /dev/null
  read -r t m < bench-data/time.out
  d=$(duck "$data")
  echo "pair $i: runtop ${t} s (peak RSS $((m / 1024)) MB), DuckDB ${d} s"
  ours+=("$t"); theirs+=("$d"); rss+=("$m")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
t=$(median "${ours[@]}"); d=$(median "${theirs[@]}"); m=$(median "${rss[@]}")
awk -v t="$t" -v d="$d" -v m="$m" -v n="$pairs" 'BEGIN {
  printf "median of %d pairs: runtop %.3f s, DuckDB %.3f s: runtop takes %.2f× DuckDB'"'"'s time; runtop peak RSS %d MB\n",
    n, t, d, t / d, m / 1024 }'
