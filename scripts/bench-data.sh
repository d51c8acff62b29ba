# Sourced by the bench scripts: bench_data EVENTS generates
# bench-data/events-EVENTS.ndjson with the committed generator (the
# simulated runner, seed 7, dated weeks back so no event lies in the
# future; not committed) unless it is there, and sets $data to its path.
bench_data() {
  data="bench-data/events-$1.ndjson"
  cargo build --release --quiet --example generate --bin runtop
  if [ ! -s "$data" ]; then
    mkdir -p bench-data
    echo "generating $data ..." >&2
    ./target/release/examples/generate "$1" 7 2026-10-01T00:00:00Z > "$data.tmp"
    mv "$data.tmp" "$data"
  fi
}
