#!/usr/bin/env bash
# Measures dsr and prints the README's memory, stack and speed tables (markdown).
#
#   bash scripts/measure.sh            # all tables
#   RUNS=31 bash scripts/measure.sh    # more timed runs per measurement (median)
#
# Memory: the footprint function (core/src/footprint.rs) on the three profile
# engines, via `cargo test --test footprint memory_table`. Stack: the painting test
# (core/tests/stack.rs), optimized. Speed: `dsr bench --json` on the 1k and 5k bench
# clusters and on a 10k cluster generated here with the same generator and seed
# (not committed). Timings are medians on this machine, which is shared and noisy:
# the load average is printed with them.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
runs=${RUNS:-15}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cargo build --release -q -p dsr-cli
python3 tests/data/bench/gen_cluster.py --nodes 10000 --daemonsets 50 --seed 1 >"$tmp/cluster-10k.json"

echo "### Memory"
echo
cargo test --release -q -p dsr-core --test footprint -- --nocapture --exact memory_table 2>/dev/null |
    grep -E '^\|' | awk 'prev != "" && $0 ~ /^\| Entry/ { print "" } { print; prev = $0 }'
echo
echo "### Stack"
echo
cargo test --release -q -p dsr-core --test stack -- --nocapture 2>/dev/null | grep -E '^\|'
echo
echo "### Speed"
echo
echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores;" \
    "load average $(cut -d' ' -f1-3 /proc/loadavg); medians of $runs runs after 2 warm-up runs."
echo
echo "| Cluster | Nodes × DaemonSets | Eligibility per pair | Full sync (every DaemonSet) | Node change (re-evaluate vs every DaemonSet) | Allocations | Engine RAM |"
echo "|---|---|---|---|---|---|---|"
for f in tests/data/bench/cluster-1k.json tests/data/bench/cluster-5k.json "$tmp/cluster-10k.json"; do
    name=$(basename "$f" .json)
    ./target/release/dsr bench "$f" --json --runs "$runs" |
        python3 -c '
import json, sys
r = json.load(sys.stdin)
name = sys.argv[1]
nodes_by_name = {"cluster-1k": "1,000 × 20", "cluster-5k": "5,000 × 50", "cluster-10k": "10,000 × 50"}
print("| {} | {} | {:.1f} ns | {:.2f} ms | {:.2f} µs | {} | {:.1f} MiB |".format(
    name, nodes_by_name.get(name, str(r["pairs"]) + " pairs"),
    r["eligibility_ns_per_pair"], r["full_sync_ns"] / 1e6, r["node_change_ns"] / 1e3,
    r["allocations"], r["engine_bytes"] / 2**20))
' "$name"
done
