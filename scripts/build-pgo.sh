#!/usr/bin/env bash
# Builds runtop with profile-guided optimisation (PGO) into target/pgo/runtop:
# the binary to ship, 5–7 % less CPU than a plain release build on a report
# (docs/performance.md, eighth session), the same behaviour byte for byte.
#
#   scripts/build-pgo.sh            # about 8 minutes on two cores
#
# 1. an instrumented release build (target/pgo-work/gen);
# 2. training runs of that build on what runtop does for real, none of it
#    the benchmark's own file: a report and a check of a generated log
#    (seed 11, 300k events), a report of each simulator scenario, and the
#    live client reading the simulator over loopback (batches and single
#    frames), so that the WebSocket path is optimised too, not left cold;
# 3. the profiles merged with the toolchain's own llvm-profdata (rustup's
#    llvm-tools component, added when missing: the profile format follows
#    the compiler's LLVM, so a system llvm-profdata will not do);
# 4. the release build again, using them (target/pgo-work/use).
set -euo pipefail
cd "$(dirname "$0")/.."

sysroot=$(rustc --print sysroot)
host=$(rustc -vV | awk '/^host:/ {print $2}')
profdata="$sysroot/lib/rustlib/$host/bin/llvm-profdata"
[ -x "$profdata" ] || rustup component add llvm-tools
[ -x "$profdata" ] || { echo "llvm-profdata not found at $profdata" >&2; exit 1; }

work="$PWD/target/pgo-work"
profiles="$work/profiles"
rm -rf "$profiles" "$work/train"
mkdir -p "$profiles" "$work/train" target/pgo
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT

echo "== instrumented build" >&2
RUSTFLAGS="${RUSTFLAGS:-} -Cprofile-generate=$profiles" \
  cargo build --release --locked --quiet --bin runtop --target-dir "$work/gen"
gen="$work/gen/release/runtop"

echo "== training" >&2
cargo build --release --locked --quiet --example generate
train="$work/train"
./target/release/examples/generate 300000 11 2026-09-01T00:00:00Z > "$train/events.ndjson"
"$gen" report "$train/events.ndjson" > /dev/null
"$gen" check "$train/events.ndjson" > /dev/null || [ $? -eq 1 ] # 1: requirements unmet, a verdict
for scenario in steady regression failures saturation ab flood incidents; do
  "$gen" simulate --scenario "$scenario" --seed 11 --executions 300 --out "$train/$scenario.ndjson" > /dev/null
  "$gen" report "$train/$scenario.ndjson" > /dev/null
done
live() { # batch events
  "$gen" simulate --listen 127.0.0.1:0 --scenario flood --batch "$1" > "$train/sim" &
  local sim=$!
  until [ -s "$train/sim" ]; do sleep 0.05; done
  "$gen" report "$(awk '{print $2; exit}' "$train/sim")" --events "$2" --for 60 > /dev/null
  kill "$sim"; wait "$sim" 2>/dev/null || true; : > "$train/sim"
}
live 200 600000
live 1 100000

echo "== optimised build" >&2
"$profdata" merge -o "$work/merged.profdata" "$profiles"
RUSTFLAGS="${RUSTFLAGS:-} -Cprofile-use=$work/merged.profdata" \
  cargo build --release --locked --quiet --bin runtop --target-dir "$work/use"
cp "$work/use/release/runtop" target/pgo/runtop
echo "target/pgo/runtop"
