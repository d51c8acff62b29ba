#!/usr/bin/env bash
# Ingest of `runtop serve` fed by the flood simulator for 10 s: not scraped, scraped every second, scraped back to back.
cd "$(dirname "$0")/.."
cargo build --release --quiet
B=$PWD/target/release/runtop
recv() { curl -s localhost:$1/api/v1/report | python3 -c "import json,sys; print(json.load(sys.stdin)['events']['received'])"; }
n=0
for mode in none every1s flood none every1s flood; do  # two runs of each
  n=$((n+1)); sp=$((17900+n)); hp=$((19500+n))
  $B simulate --listen 127.0.0.1:$sp --scenario flood >/dev/null 2>&1 & SIM=$!
  sleep 0.3
  XDG_CONFIG_HOME=/nonexistent XDG_DATA_HOME=/tmp/xdg $B serve ws://127.0.0.1:$sp/events --listen 127.0.0.1:$hp 2>/dev/null & SRV=$!
  sleep 1.5
  start=$(recv $hp)
  case $mode in
    every1s) (for i in $(seq 10); do curl -s -o /dev/null localhost:$hp/metrics; sleep 1; done) & L=$! ;;
    flood) (end=$((SECONDS+10)); c=0; while [ $SECONDS -lt $end ]; do curl -s -o /dev/null localhost:$hp/metrics; c=$((c+1)); done; echo "  $c scrapes" >&2) & L=$! ;;
    *) L= ;;
  esac
  sleep 10
  end=$(recv $hp)
  echo "$mode: $(( (end-start)/10 )) events/s"
  [ -n "$L" ] && wait $L
  kill $SRV $SIM 2>/dev/null; wait $SRV $SIM 2>/dev/null
done
