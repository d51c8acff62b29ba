#!/usr/bin/env bash
# CPU of `runtop watch` on a trickle of events: the simulated runner sends
# about 20 events a second with 50 executions running, and runtop draws in a
# 160x48 tmux pane. Reads runtop's utime+stime from /proc over a window after
# a warm-up, several runs, and prints each run and the median.
#
#   scripts/bench-tui-cpu.sh [RUNS] [SECONDS]
#   KEYS=3 scripts/bench-tui-cpu.sh    # keys sent first: here, the Timings screen
#
# Needs tmux and Linux's /proc. Uses target/release/runtop (built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-3}
seconds=${2:-30}
rate=${RATE:-20}
concurrency=${CONCURRENCY:-50}
warmup=10

command -v tmux >/dev/null || { echo "tmux is needed" >&2; exit 2; }
cargo build --release --quiet
bin=$PWD/target/release/runtop
tick=$(getconf CLK_TCK)
work=$(mktemp -d)
session="runtop-cpu-$$"
sim_pid=

cleanup() {
    tmux kill-session -t "$session" 2>/dev/null || true
    [[ -n $sim_pid ]] && kill "$sim_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# Utime + stime of a process, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

results=()
for run in $(seq 1 "$runs"); do
    "$bin" simulate --listen 127.0.0.1:0 --scenario flood --rate "$rate" \
        --concurrency "$concurrency" >"$work/sim.out" 2>&1 &
    sim_pid=$!
    for _ in $(seq 1 50); do
        url=$(grep -o 'ws://[^ ]*' "$work/sim.out" | head -n1 || true)
        [[ -n $url ]] && break
        sleep 0.1
    done
    [[ -n $url ]] || { echo "the simulator did not start: $(cat "$work/sim.out")" >&2; exit 1; }

    tmux new-session -d -s "$session" -x 160 -y 48 \
        "env XDG_CONFIG_HOME=/nonexistent XDG_DATA_HOME=$work RUNTOP_ALERTS__CONCURRENCY__MAX_RUNNING=$concurrency TERM=xterm-256color $bin watch $url"
    pid=
    for _ in $(seq 1 50); do
        pid=$(pgrep -n -x runtop -P "$(tmux display -p -t "$session" '#{pane_pid}')" || true)
        [[ -z $pid ]] && pid=$(tmux display -p -t "$session" '#{pane_pid}')
        [[ $(cat "/proc/$pid/comm" 2>/dev/null) == runtop ]] && break
        sleep 0.1
    done
    [[ -n ${KEYS:-} ]] && tmux send-keys -t "$session" "$KEYS"
    sleep "$warmup"
    before=$(cpu_ticks "$pid")
    sleep "$seconds"
    after=$(cpu_ticks "$pid")
    active=$(tmux capture-pane -p -t "$session" | grep -o 'active executions [0-9]*' | head -n1 | grep -o '[0-9]*$' || echo '-')
    percent=$(awk -v a="$after" -v b="$before" -v t="$tick" -v s="$seconds" \
        'BEGIN { printf "%.2f", 100 * (a - b) / t / s }')
    echo "run $run: ${percent} % of a core over ${seconds} s (${active} active on screen)"
    results+=("$percent")
    tmux send-keys -t "$session" q
    sleep 0.5
    tmux kill-session -t "$session" 2>/dev/null || true
    kill "$sim_pid" 2>/dev/null || true
    wait "$sim_pid" 2>/dev/null || true
    sim_pid=
done
median=$(printf '%s\n' "${results[@]}" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
echo "median: ${median} % of a core (goal: at most 1 %)"
