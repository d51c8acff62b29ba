#!/usr/bin/env bash
# Benchmark `runtop report` over a generated ~1M-event NDJSON file.
#
#   scripts/bench-report.sh [EVENTS] [RUNS]      (defaults: 1070000 events, 5 runs)
#
# Generates bench-data/events-EVENTS.ndjson with the simulated runner (not
# committed; dated weeks back so no event lies in the future), then runs the
# release binary RUNS times and prints each run's wall time and peak RSS, and
# their medians with the throughput in events per second.
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-1070000}
runs=${2:-5}

# shellcheck source=scripts/bench-data.sh
. scripts/bench-data.sh
bench_data "$events"
size=$(du -m "$data" | cut -f1)
echo "input: $data ($events events, ${size} MB)"

times=(); rss=()
for i in $(seq "$runs"); do
  # GNU time writes "<seconds> <max RSS KB>" to the file given with -o.
  /usr/bin/time -f "%e %M" -o bench-data/time.out ./target/release/runtop report "$data" > /dev/null
  read -r t m < bench-data/time.out
  echo "run $i: ${t} s, peak RSS $((m / 1024)) MB"
  times+=("$t"); rss+=("$m")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
t=$(median "${times[@]}"); m=$(median "${rss[@]}")
awk -v t="$t" -v n="$events" -v m="$m" -v r="$runs" 'BEGIN {
  printf "median of %d: %.2f s, %.2f M events/s, peak RSS %d MB\n", r, t, n / t / 1e6, m / 1024 }'
