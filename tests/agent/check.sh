#!/usr/bin/env bash
# examples/agent, in C or in Go, against its golden output:
#   tests/agent/check.sh AGENT_BINARY
# 1. a full replay of tests/data/watch/agent-gateway.jsonl from no state prints
#    examples/agent/expected.txt;
# 2. stopped after event 26 and started again, it resumes from its snapshot:
#    the two runs print the same, together;
# 3. stopped after event 21 (before fluentd's template update), the same
#    again: the snapshot carries the ControllerRevisions the engine saw, so
#    revision 2 of fluentd is "updated" after the restart as without it.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
agent=$1
node=yurt-edge-gw-hz01
stream=$root/tests/data/watch/agent-gateway.jsonl
golden=$root/examples/agent/expected.txt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
    echo "agent-check: $agent: $*" >&2
    exit 1
}

"$agent" "$node" "$stream" "$tmp/full.state" >"$tmp/full.out"
diff -u "$golden" "$tmp/full.out" || fail "a full replay printed something else than $golden"

for after in 26 21; do
    "$agent" "$node" "$stream" "$tmp/$after.state" "$after" >"$tmp/$after.out"
    [ "$(grep -c '^event ' "$tmp/$after.out")" = "$after" ] || fail "did not stop after event $after"
    "$agent" "$node" "$stream" "$tmp/$after.state" >>"$tmp/$after.out" 2>"$tmp/$after.err"
    grep -q "resumed from .* after event $after\$" "$tmp/$after.err" || fail "did not resume after event $after"
done
for after in 26 21; do
    diff -u "$golden" "$tmp/$after.out" || fail "stopped after event $after and resumed, it printed something else"
done
echo "agent-check: $agent: ok ($(grep -c '^event ' "$golden") events; resumed after 26 and 21)"
