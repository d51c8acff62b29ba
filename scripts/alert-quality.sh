#!/usr/bin/env bash
# Alert quality on generated multi-hour logs with known incidents.
#
#   scripts/alert-quality.sh [SEEDS] [EXECUTIONS]     (defaults: "1 2 3", 130)
#
# For each seed, writes three ~3-hour logs with the simulated runner (an
# execution every 90 s): `steady` (healthy throughout), `failures` (40 % of
# implement and verify attempts failing from minute 10 to 15) and
# `regression` (implement 2.5x slower from minute 10 on); reports each with
# --alert-log, and reads the logs back: when each incident first paged
# critical, whether its critical alerts resolved while it lasted, critical
# alerts outside incidents, warnings, and how often one subject fired.
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-"1 2 3"}
executions=${2:-130}
cargo build --release --quiet --bin runtop
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export XDG_CONFIG_HOME="$dir/config" XDG_DATA_HOME="$dir/data"
for seed in $seeds; do
  for scenario in steady failures regression; do
    log="$dir/$scenario-$seed.ndjson"
    ./target/release/runtop simulate --scenario "$scenario" --seed "$seed" \
      --executions "$executions" --out "$log"
    ./target/release/runtop report "$log" --alert-log "$log.alerts" > /dev/null
  done
done
python3 - "$dir" "$seeds" <<'PY'
import json, sys, glob, os
from datetime import datetime
d, seeds = sys.argv[1], sys.argv[2].split()
def t(s): return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
INCIDENT = {"steady": None, "failures": (600, 900), "regression": (600, None)}
for scenario in ["steady", "failures", "regression"]:
    for seed in seeds:
        log = f"{d}/{scenario}-{seed}.ndjson"
        first = last = None
        with open(log) as f:
            for line in f:
                ts = t(json.loads(line)["ts"])
                first = ts if first is None else min(first, ts)
                last = ts if last is None else max(last, ts)
        alerts = [json.loads(l)["alert"] for l in open(log + ".alerts")] if os.path.exists(log + ".alerts") else []
        window = INCIDENT[scenario]
        start, end = (None, None) if window is None else (first + window[0], first + (window[1] or 1e12))
        inside = lambda a: start is not None and start <= a["at"] / 1000 <= end + 300
        crit_fires = [a for a in alerts if a["to"] == "firing" and a["severity"] == "critical"]
        outside = [a for a in crit_fires if not inside(a)]
        paged = [a for a in crit_fires if inside(a)]
        first_page = min((a["at"] / 1000 - start for a in paged), default=None)
        # Critical resolutions of a subject that paged, while the incident lasted.
        paged_subjects = {(a["rule"], a["subject"]) for a in paged}
        early = [a for a in alerts if a["to"] == "resolved" and a["severity"] == "critical"
                 and (a["rule"], a["subject"]) in paged_subjects and start is not None
                 and start <= a["at"] / 1000 < (end if end < 1e11 else last)]
        warnings = [a for a in alerts if a["to"] == "firing" and a["severity"] == "warning"]
        fires = {}
        for a in alerts:
            if a["to"] == "firing":
                fires[(a["rule"], a["subject"])] = fires.get((a["rule"], a["subject"]), 0) + 1
        hours = (last - first) / 3600
        print(f"{scenario:<10} seed {seed}: {hours:.1f} h, critical outside incidents {len(outside)}, "
              f"first critical page {'-' if first_page is None else f'{first_page:.0f} s'} after the start, "
              f"resolved mid-incident {len(early)}, warnings {len(warnings)}, "
              f"most fires of one subject {max(fires.values(), default=0)}")
        for a in outside + early:
            print(f"    {a['to']:<8} {a['severity']:<8} {a['rule']} {a['subject']}: {a['summary']}")
PY
