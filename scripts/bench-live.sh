#!/usr/bin/env bash
# Load benchmark of the live client: `runtop simulate --scenario flood` on
# loopback, read by `runtop report ws://…` until it has N events.
#
#   scripts/bench-live.sh [RUNS]     (default 3 runs per case)
#   RUNTOP=/path/to/runtop scripts/bench-live.sh   # another build, to compare
#
# Cases: 3,000,000 events in 200-event batches, and 1,000,000 events one
# per frame. Prints each run's wall time, events/s and peak RSS of the
# client, the medians, and checks that nothing was lost or doubled.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
cargo build --release --quiet --bin runtop
bin=${RUNTOP:-./target/release/runtop}
out=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$out"' EXIT

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

bench() {
  local batch=$1 events=$2 rates=() rss=()
  echo "== batch $batch, $events events"
  for i in $(seq "$runs"); do
    "$bin" simulate --listen 127.0.0.1:0 --scenario flood --batch "$batch" > "$out/sim" &
    local sim=$!
    until [ -s "$out/sim" ]; do sleep 0.05; done
    local url; url=$(awk '{print $2; exit}' "$out/sim")
    local start end
    start=$(date +%s.%N)
    /usr/bin/time -f "%M" -o "$out/time" "$bin" report "$url" --events "$events" --for 120 > "$out/report.json"
    end=$(date +%s.%N)
    kill "$sim"; wait "$sim" 2>/dev/null || true; : > "$out/sim"
    local accepted; accepted=$(python3 -c "import json,sys; e=json.load(open(sys.argv[1]))['events']; print(e['accepted'] if e['invalid']==0 and e['duplicates']==0 else -1)" "$out/report.json")
    [ "$accepted" = "$events" ] || { echo "run $i: LOST OR DOUBLED EVENTS (accepted $accepted of $events)"; exit 1; }
    local secs rate m
    secs=$(awk -v s="$start" -v e="$end" 'BEGIN {print e - s}')
    rate=$(awk -v n="$events" -v t="$secs" 'BEGIN {printf "%.0f", n / t}')
    m=$(( $(cat "$out/time") / 1024 ))
    echo "run $i: ${secs} s, ${rate} events/s, peak RSS ${m} MB, all $events accepted"
    rates+=("$rate"); rss+=("$m")
  done
  echo "median: $(median "${rates[@]}") events/s, peak RSS $(median "${rss[@]}") MB"
}

bench 200 3000000
bench 1 1000000
