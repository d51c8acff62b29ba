#!/usr/bin/env bash
# Alert quality on generated three-hour logs with known incidents.
#
#   scripts/alert-quality.sh [SEEDS] [EXECUTIONS]     (defaults: "1 2 3", 780)
#
# For each seed, writes two ~3-hour logs with the simulated runner (an
# execution every 15 s): `incidents` (healthy but for an error burst, 40 % of
# implement attempts failing from 0:40 to 0:50, and a slowdown, implement
# 2.2 times slower from 1:50 to 2:20) and `steady` (healthy throughout, at
# its own pace); reports each with --alert-log, and reads the alert logs
# back against the goal of issue 11:
#
#   - every incident pages critical within 2 minutes of its start, and a
#     critical alert about it fires without a gap until it ends;
#   - no critical alert outside incidents (5 minutes' grace after one);
#   - at most one warning per 3 healthy hours;
#   - no subject fires more than twice per incident;
#   - `steady`: zero critical, zero flapping (a subject firing again within
#     10 minutes of resolving).
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-"1 2 3"}
executions=${2:-780}
cargo build --release --quiet --bin runtop
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export XDG_CONFIG_HOME="$dir/config" XDG_DATA_HOME="$dir/data"
for seed in $seeds; do
  for scenario in incidents steady; do
    log="$dir/$scenario-$seed.ndjson"
    n=$executions
    # steady submits one execution every ~11 s: as many hours, more of them.
    [ "$scenario" = steady ] && n=$((executions * 4 / 3))
    ./target/release/runtop simulate --scenario "$scenario" --seed "$seed" \
      --executions "$n" --out "$log"
    ./target/release/runtop report "$log" --alert-log "$log.alerts" > /dev/null
  done
done
python3 - "$dir" "$seeds" <<'PY'
import json, sys, os
from datetime import datetime
d, seeds = sys.argv[1], sys.argv[2].split()
def t(s): return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
# Incident windows in seconds from the log's first event (src/sim/scenario.rs).
INCIDENTS = {"incidents": [("error burst", 2400, 3000), ("slowdown", 6600, 8400)], "steady": []}
GRACE = 300
failed = []
for scenario in ["incidents", "steady"]:
    for seed in seeds:
        log = f"{d}/{scenario}-{seed}.ndjson"
        first = last = None
        with open(log) as f:
            for line in f:
                ts = t(json.loads(line)["ts"])
                first = ts if first is None else min(first, ts)
                last = ts if last is None else max(last, ts)
        alerts = [json.loads(l)["alert"] for l in open(log + ".alerts")] if os.path.exists(log + ".alerts") else []
        for a in alerts:
            a["s"] = a["at"] / 1000 - first
        windows = INCIDENTS[scenario]
        def incident_of(s):
            return next((w for w in windows if w[1] <= s <= w[2] + GRACE), None)
        hours = (last - first) / 3600
        healthy_hours = hours - sum((e - s) / 3600 for _, s, e in windows)
        fires = [a for a in alerts if a["to"] == "firing"]
        crit_outside = [a for a in fires if a["severity"] == "critical" and incident_of(a["s"]) is None]
        warn_outside = [a for a in fires if a["severity"] == "warning" and incident_of(a["s"]) is None]
        line = (f"{scenario:<9} seed {seed}: {hours:.1f} h; critical outside incidents {len(crit_outside)}; "
                f"warnings in {healthy_hours:.1f} healthy h {len(warn_outside)}")
        problems = []
        if crit_outside:
            problems.append("critical outside incidents")
        if len(warn_outside) > max(1, healthy_hours / 3):
            problems.append("more than one warning per 3 healthy hours")
        # Flapping: a subject firing again within 10 minutes of resolving.
        resolved_at, flaps = {}, 0
        for a in alerts:
            key = (a["rule"], a["subject"])
            if a["to"] == "resolved":
                resolved_at[key] = a["s"]
            elif a["to"] == "firing" and key in resolved_at and a["s"] - resolved_at[key] < 600 \
                    and a.get("from") != "firing":
                flaps += 1
        line += f"; re-fired within 10 min {flaps}"
        if scenario == "steady" and flaps:
            problems.append("flapping")
        print(line)
        for name, start, end in windows:
            inside = [a for a in alerts if start <= a["s"] <= end + GRACE]
            crit = [a for a in inside if a["to"] == "firing" and a["severity"] == "critical"]
            first_page = min((a["s"] - start for a in crit), default=None)
            # Critical coverage: from the first page to the incident's end,
            # some critical alert about it is firing.
            firing, gaps, covered_until = {}, 0, None
            for a in sorted(alerts, key=lambda a: a["s"]):
                key = (a["rule"], a["subject"])
                if a["severity"] != "critical" and a["to"] == "firing":
                    continue
                if a["to"] == "firing" and start <= a["s"] <= end:
                    firing[key] = a["s"]
                elif a["to"] == "resolved" and key in firing:
                    del firing[key]
                    if not firing and first_page is not None and start + first_page <= a["s"] < end:
                        gaps += 1
            per_subject = {}
            for a in inside:
                if a["to"] == "firing":
                    k = (a["rule"], a["subject"])
                    per_subject[k] = per_subject.get(k, 0) + 1
            most = max(per_subject.items(), key=lambda kv: kv[1], default=(None, 0))
            print(f"    {name}: first critical page "
                  f"{'never' if first_page is None else f'{first_page:.0f} s'} after its start; "
                  f"critical gaps while it lasted {gaps}; most fires of one subject {most[1]}"
                  f"{'' if most[0] is None else f' ({most[0][0]} {most[0][1]})'}")
            if first_page is None or first_page > 120:
                problems.append(f"{name}: no critical page within 2 minutes")
            if gaps:
                problems.append(f"{name}: critical resolved while it lasted")
            if most[1] > 2:
                problems.append(f"{name}: a subject fired more than twice")
        for a in crit_outside + warn_outside:
            print(f"    outside: {a['severity']:<8} {a['rule']} {a['subject']} at {a['s']/60:.1f} min: {a['summary']}")
        if problems:
            failed.append(f"{scenario} seed {seed}: " + "; ".join(problems))
print("goal met" if not failed else "goal NOT met:\n  " + "\n  ".join(failed))
PY
