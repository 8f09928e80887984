#!/usr/bin/env bash
# Measures dsr and prints the README's memory, stack and speed tables (markdown).
#
#   bash scripts/measure.sh                   # all tables, to stdout
#   bash scripts/measure.sh --update-readme   # and put them into README.md
#   RUNS=31 bash scripts/measure.sh           # more timed runs per measurement (median)
#   ROUNDS=7 bash scripts/measure.sh          # more rounds over the clusters (median)
#
# Memory: the footprint function (core/src/footprint.rs) on the three profile
# engines, via `cargo test --test footprint memory_table`. Stack: the painting test
# (core/tests/stack.rs), optimized. Speed: `dsr bench --json` on the 1k and 5k bench
# clusters and on a 10k cluster generated here with the same generator and seed
# (not committed). Firmware: tests/firmware/check.sh's size and stack report.
# Timings are medians on this machine, which is shared and noisy: each cluster is
# benched ROUNDS times (default 5), the rounds going over the clusters in turn so
# that a slow minute does not fall on one cluster only, and each figure is the
# median of its rounds; the load average is printed with them.
#
# --update-readme replaces what lies between the `measure.sh:begin` and
# `measure.sh:end` markers in README.md with the tables.
set -euo pipefail

update_readme=false
case "${1:-}" in
--update-readme) update_readme=true ;;
"") ;;
*)
    echo "usage: $0 [--update-readme]" >&2
    exit 2
    ;;
esac

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
runs=${RUNS:-15}
rounds=${ROUNDS:-5}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cargo build --release -q -p dsr-cli
python3 tests/data/bench/gen_cluster.py --nodes 10000 --daemonsets 50 --seed 1 >"$tmp/cluster-10k.json"

tables() {
    echo "### Memory"
    echo
    cargo test --release -q -p dsr-core --test footprint -- --nocapture --exact memory_table 2>/dev/null |
        grep -E '^\|' | awk 'prev != "" && $0 ~ /^\| Entry/ { print "" } { print; prev = $0 }'
    echo
    echo "### Stack"
    echo
    # With `json`, so that Engine::apply of real watch events is measured too.
    cargo test --release -q -p dsr-core --features json --test stack -- --nocapture 2>/dev/null >"$tmp/stack.log"
    grep -E '^\|' "$tmp/stack.log"
    echo
    sed -n 's/^apply (deepest skipped value): \([0-9]*\) bytes (limit \([0-9]*\))$/apply of a node whose unknown field nests json::MAX_DEPTH deep (each level skipped is a serde frame): \1 bytes, held to \2./p' "$tmp/stack.log"
    echo
    echo "### Speed"
    echo
    echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores;" \
        "load average $(cut -d' ' -f1-3 /proc/loadavg); each figure the median of $rounds rounds" \
        "taken in turn over the clusters, each round the median of $runs runs after 2 warm-up runs."
    echo
    echo "| Cluster | Nodes × DaemonSets | Eligibility per pair | Full sync (every DaemonSet) | Full sync per node | Node change (re-evaluate vs every DaemonSet) | Node update (update_node, a label changed) | Apply node (MODIFIED event, 4 KB node) | Apply pod (MODIFIED event, Ready flipped) | Allocations | Engine RAM |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|"
    local clusters=(tests/data/bench/cluster-1k.json tests/data/bench/cluster-5k.json "$tmp/cluster-10k.json")
    for ((round = 0; round < rounds; round++)); do
        for f in "${clusters[@]}"; do
            ./target/release/dsr bench "$f" --json --runs "$runs" >>"$tmp/$(basename "$f" .json).jsonl"
        done
    done
    for f in "${clusters[@]}"; do
        name=$(basename "$f" .json)
        python3 -c "$speed_row" "$name" "$f" <"$tmp/$name.jsonl"
    done
    echo
    echo "### Firmware"
    echo
    bash tests/firmware/check.sh >"$tmp/firmware.log" 2>&1 || {
        cat "$tmp/firmware.log" >&2
        echo "measure: tests/firmware/check.sh failed" >&2
        exit 1
    }
    python3 -c "$firmware_rows" <"$tmp/firmware.log"
}

# One speed row from the rounds of `dsr bench --json` (one object a line, the
# median of each figure); argv: cluster name, cluster file.
speed_row='
import json, statistics, sys
rounds = [json.loads(line) for line in sys.stdin if line.strip()]
r = {k: statistics.median(x[k] for x in rounds) for k in rounds[0]}
r["allocations"] = max(x["allocations"] for x in rounds)
name, path = sys.argv[1], sys.argv[2]
c = json.load(open(path))
nodes, sets = len(c["nodes"]), len(c["daemonSets"])
print("| {} | {:,} × {} | {:.1f} ns | {:.2f} ms | {:.0f} ns | {:.2f} µs | {:.2f} µs | {:.2f} µs | {:.2f} µs | {} | {:.1f} MiB |".format(
    name, nodes, sets, r["eligibility_ns_per_pair"], r["full_sync_ns"] / 1e6,
    r["full_sync_ns"] / nodes, r["node_change_ns"] / 1e3, r["node_update_ns"] / 1e3,
    r["apply_node_ns"] / 1e3, r["apply_pod_ns"] / 1e3,
    r["allocations"], r["engine_bytes"] / 2**20))
'

# The firmware figures from tests/firmware/check.sh output on stdin.
firmware_rows='
import re, sys
log = sys.stdin.read()
def grab(pattern):
    m = re.search(pattern, log)
    if not m:
        sys.exit("measure: no match for " + pattern + " in the firmware check output")
    return int(m.group(1))
program = grab(r"firmware program .*: \.text (\d+) bytes")
budget = grab(r"\(budget (\d+)\)")
obj = grab(r"dsr object \.text: (\d+) bytes")
engine = grab(r"firmware: engine (\d+) bytes")
stack = grab(r"firmware: deepest stack (\d+) bytes")
json_obj = grab(r"json build: dsr object \.text (\d+) bytes")
json_program = grab(r"json build: .*firmware program \.text (\d+) bytes")
json_budget = grab(r"json build: .*\(budget (\d+);")
print("| What | Bytes |")
print("|---|---|")
print("| `.text` of tests/firmware/firmware.c linked with the firmware libdsr (budget {:,}) | {:,} ({:.1f} KiB) |".format(budget, program, program / 1024))
print("| `.text` of the whole dsr object (every exported function) | {:,} |".format(obj))
print("| engine of the firmware profile (scripts/build-firmware.sh) with 4 nodes, C API scratch included | {:,} |".format(engine))
print("| deepest stack of a C API call, measured by firmware.c | {:,} |".format(stack))
json_stack = grab(r"firmware \(json\): deepest stack (\d+) bytes")
print("| the same program against the build with `json` (DSR_JSON=1), which also applies watch events through dsr_engine_apply, `.text` (budget {:,}, 128 KiB) | {:,} ({:.1f} KiB) |".format(json_budget, json_program, json_program / 1024))
print("| deepest stack of a C API call in that program (dsr_engine_apply included) | {:,} |".format(json_stack))
print("| `.text` of the whole dsr object with `json` | {:,} |".format(json_obj))
'

if $update_readme; then
    tables >"$tmp/tables.md"
    python3 - "$tmp/tables.md" <<'PY'
import sys
tables = open(sys.argv[1]).read()
readme = open("README.md").read()
begin, end = "<!-- measure.sh:begin -->\n", "<!-- measure.sh:end -->\n"
if begin not in readme or end not in readme:
    sys.exit("measure: README.md has no measure.sh:begin/end markers")
head, rest = readme.split(begin, 1)
_, tail = rest.split(end, 1)
open("README.md", "w").write(head + begin + "\n" + tables + "\n" + end + tail)
PY
    cat "$tmp/tables.md"
    echo "measure: README.md updated" >&2
else
    tables
fi
