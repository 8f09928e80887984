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
# the initial lists alone: memory is flat when the two are close. Rates are per
# second of CPU time (user + system; dsr works on one thread), which a shared
# machine's load does not inflate as it does the wall clock (also printed).
# Not run in CI.
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
run() { # FILE [FLAGS] -> "cpu_seconds wall_seconds peak_kib reports"
    /usr/bin/time -f '%U %S %e %M' -o "$tmp/time" "$dsr" watch --replay -o json "$@" >"$tmp/out"
    read -r user sys wall rss <"$tmp/time"
    echo "$(python3 -c "print($user + $sys)") $wall $rss $(wc -l <"$tmp/out")"
}
read -r s_all w_all rss_all lines_all <<<"$(run "$tmp/stream.json")"
read -r s_init w_init rss_init _ <<<"$(run "$tmp/initial.json")"
read -r s_batch w_batch _ lines_batch <<<"$(run "$tmp/stream.json" --batch 1s)"
bytes=$(stat -c %s "$tmp/stream.json")
python3 - "$total" "$initial" "$s_all" "$s_init" "$rss_all" "$rss_init" "$lines_all" "$bytes" "$s_batch" "$lines_batch" "$w_all" "$w_batch" <<'PY'
import sys
(total, initial, s_all, s_init, rss_all, rss_init, lines, size, s_batch, lines_batch,
 w_all, w_batch) = sys.argv[1:]
total, initial, lines, size, lines_batch = int(total), int(initial), int(lines), int(size), int(lines_batch)
s_all, s_init, s_batch, w_all, w_batch = map(float, (s_all, s_init, s_batch, w_all, w_batch))
changes = total - initial
print(f"stream: {total:,} events ({initial:,} initial, {changes:,} changes), {size / 2**20:.0f} MiB")
print(f"per event: {s_all:.1f} s CPU ({w_all:.1f} s wall), {total / s_all:,.0f} events/s; "
      f"initial lists {initial / s_init:,.0f}/s, changes {changes / (s_all - s_init):,.0f}/s; {lines:,} reports")
print(f"--batch 1s: {s_batch:.1f} s CPU ({w_batch:.1f} s wall), {total / s_batch:,.0f} events/s; "
      f"changes {changes / (s_batch - s_init):,.0f}/s; {lines_batch:,} reports")
print(f"peak RSS: {int(rss_all) / 1024:.1f} MiB (initial lists alone: {int(rss_init) / 1024:.1f} MiB)")
PY
