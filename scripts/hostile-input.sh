#!/usr/bin/env bash
# Times the hostile-input cases of issue 14 on a release build of `dsr` and prints,
# for each, the wall time, the peak RSS and the exit status. Not run by CI: the
# numbers depend on the machine; the tests (cli/tests/hostile.rs, quadratic.rs)
# check the behaviour.
#
#   scripts/hostile-input.sh            # every case
#   CASES="labels-250k yaml-flow" scripts/hostile-input.sh
#
# Cases (inputs are generated into a temporary folder, about 250 MB in all):
#   labels-100k     one node with 100,000 labels
#   labels-250k     one node with 250,000 labels (issue 14 item 1: well under 1 s
#                   once the core's push_labels is O(n log n))
#   labels-4x250k   four nodes of 250,000 labels each, 15 MB
#   dump-64m        a 64 MB kubectl-like dump of nodes and pods (item 2: peak RSS
#                   against the file's size)
#   minimal-100k    100,000 nodes of one name each (the per-object floor)
#   yaml-flow       a 64 MB YAML flow sequence
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
cargo build --release -q -p dsr-cli
dsr="$root/target/release/dsr"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cases=${CASES:-"labels-100k labels-250k labels-4x250k dump-64m minimal-100k yaml-flow"}

python3 - "$work" $cases <<'PY'
import json, sys
work, cases = sys.argv[1], sys.argv[2:]

def node(name, labels=None):
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels or {}}}

def labels(n, prefix):
    return {f"example.com/{prefix}-{i:06}": "v" for i in range(n)}

def write(name, items):
    with open(f"{work}/{name}.json", "w") as f:
        json.dump({"apiVersion": "v1", "items": items, "kind": "List"}, f)

def pod(i):
    return {"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": f"agent-{i:07}", "namespace": "kube-system", "uid": f"3f1c2e4a-8b7d-4c6e-9a0f-{i:012}",
                     "labels": {"app": "agent", "controller-revision-hash": "5d4f8b7c9", "pod-template-generation": "1"},
                     "creationTimestamp": "2024-03-01T10:00:00Z",
                     "managedFields": [{"manager": "kubelet", "operation": "Update", "fieldsType": "FieldsV1",
                                        "fieldsV1": {"f:status": {"f:conditions": {}, "f:phase": {}, "f:podIP": {}}}}],
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "agent",
                                          "uid": "uid-agent", "controller": True}]},
        "spec": {"nodeName": f"node-{i % 5000:05}",
                 "containers": [{"name": "agent", "image": "example.com/agent:1.0",
                                 "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                                 "volumeMounts": [{"name": "varlog", "mountPath": "/var/log"}]}],
                 "volumes": [{"name": "varlog", "hostPath": {"path": "/var/log"}}],
                 "tolerations": [{"operator": "Exists"}], "restartPolicy": "Always"},
        "status": {"phase": "Running", "podIP": "10.0.0.1", "hostIP": "10.0.0.2",
                   "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2024-03-01T10:00:30Z"}],
                   "containerStatuses": [{"name": "agent", "ready": True, "restartCount": 0,
                                          "image": "example.com/agent:1.0", "imageID": "example.com/agent@sha256:0123",
                                          "state": {"running": {"startedAt": "2024-03-01T10:00:20Z"}}}]}}

for case in cases:
    if case == "labels-100k":
        write(case, [node("n1", labels(100_000, "a"))])
    elif case == "labels-250k":
        write(case, [node("n1", labels(250_000, "a"))])
    elif case == "labels-4x250k":
        write(case, [node(f"n{i}", labels(250_000, f"k{i}")) for i in range(4)])
    elif case == "dump-64m":
        items = [node(f"node-{i:05}", {"kubernetes.io/os": "linux"}) for i in range(5000)]
        size, i = 0, 0
        while size < 63 << 20:
            p = pod(i)
            size += len(json.dumps(p)) + 2
            items.append(p)
            i += 1
        write(case, items)
    elif case == "minimal-100k":
        write(case, [{"kind": "Node", "metadata": {"name": f"n{i}"}} for i in range(99_999)])
    elif case == "yaml-flow":
        with open(f"{work}/{case}.yaml", "w") as f:
            f.write("kind: List\nitems: [")
            f.write(", ".join(["1"] * (21 << 20)))
            f.write("]\n")
    else:
        sys.exit(f"unknown case {case}")
PY

printf '%-15s %10s %10s %12s %12s %5s\n' case "file MB" "time s" "peak RSS MB" "RSS/file" exit
for case in $cases; do
    file=$(ls "$work/$case".*)
    python3 - "$dsr" "$file" "$case" <<'PY'
import os, resource, subprocess, sys, time
dsr, file, case = sys.argv[1:]
size = os.path.getsize(file)
t = time.monotonic()
p = subprocess.run([dsr, "explain", file, "-o", "json"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
elapsed = time.monotonic() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
print(f"{case:<15} {size / 2**20:10.1f} {elapsed:10.2f} {rss / 2**20:12.1f} {rss / size:12.2f} {p.returncode:5}")
if p.returncode not in (0, 2):
    print("   ", p.stderr.decode(errors="replace").strip()[:300])
PY
done
