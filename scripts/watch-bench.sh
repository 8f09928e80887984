#!/usr/bin/env bash
# How fast `dsr watch --replay -o json` follows cluster-5k, and in how much memory.
#
#   bash scripts/watch-bench.sh [EVENTS]     (default 100000; takes a few minutes)
#
# Builds dsr (release), writes the stream of scripts/watch-bench.py (the initial
# lists of cluster-5k with their pods, then EVENTS label, taint and pod changes)
# to a temporary file, replays it with the output to /dev/null, and prints the
# events per second (decoding, apply, syncs and JSON output included; the
# initial lists counted too) and the peak RSS, beside the peak RSS of replaying
# the initial lists alone: memory is flat when the two are close. Not run in CI.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
events=${1:-100000}
export CARGO_INCREMENTAL=0
cargo build -q --release -p dsr-cli
dsr=target/release/dsr
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
total=$(DSR=$dsr python3 scripts/watch-bench.py "$tmp/stream.json" "$events")
initial=$(DSR=$dsr python3 scripts/watch-bench.py "$tmp/initial.json" 0)
run() { # FILE [FLAGS] -> "seconds peak_kib reports"
    /usr/bin/time -f '%e %M' -o "$tmp/time" "$dsr" watch --replay -o json "$@" >"$tmp/out"
    echo "$(cat "$tmp/time") $(wc -l <"$tmp/out")"
}
read -r s_all rss_all lines_all <<<"$(run "$tmp/stream.json")"
read -r s_init rss_init _ <<<"$(run "$tmp/initial.json")"
read -r s_batch _ lines_batch <<<"$(run "$tmp/stream.json" --batch 1s)"
bytes=$(stat -c %s "$tmp/stream.json")
python3 - "$total" "$initial" "$s_all" "$s_init" "$rss_all" "$rss_init" "$lines_all" "$bytes" "$s_batch" "$lines_batch" <<'PY'
import sys
total, initial, s_all, s_init, rss_all, rss_init, lines, size, s_batch, lines_batch = sys.argv[1:]
s_batch, lines_batch = float(s_batch), int(lines_batch)
total, initial, lines, size = int(total), int(initial), int(lines), int(size)
s_all, s_init = float(s_all), float(s_init)
changes = total - initial
print(f"stream: {total:,} events ({initial:,} initial, {changes:,} changes), {size / 2**20:.0f} MiB; {lines:,} reports")
print(f"whole replay: {s_all:.2f} s, {total / s_all:,.0f} events/s")
if s_all > s_init:
    print(f"changes alone: {s_all - s_init:.2f} s, {changes / (s_all - s_init):,.0f} events/s")
print(f"with --batch 1s (100 events a batch): {s_batch:.2f} s, {total / s_batch:,.0f} events/s, {lines_batch:,} reports")
if s_batch > s_init:
    print(f"  changes alone: {changes / (s_batch - s_init):,.0f} events/s")
print(f"peak RSS: {int(rss_all) / 1024:.1f} MiB (initial lists alone: {int(rss_init) / 1024:.1f} MiB)")
PY
