#!/usr/bin/env python3
"""Write a cluster-5k watch stream for measuring `dsr watch --replay` (see
scripts/watch-bench.sh, which runs it).

usage: python3 scripts/watch-bench.py OUT [EVENTS] [CLUSTER]

CLUSTER (default tests/data/bench/cluster-5k.json) gives the nodes and
DaemonSets; `dsr explain` (the binary named by $DSR, default target/release/dsr)
says where each DaemonSet's pod runs, and each such node gets one running,
ready pod of it. The stream is the initial lists (ADDED events, one per line as
the watch API sends them), then EVENTS (default 100,000) changes (a pod replaced
is two events: DELETED and ADDED), pretty-printed
as `kubectl get -w --output-watch-events -o json` prints them, 100 per second of
event time:

- 40%: a node's label changes: 4 times in 5 a label no DaemonSet selects by, else
  one some nodeSelector names, moved to a value other nodes have, or removed;
- 10%: a node gains or loses a NoSchedule or NoExecute taint;
- 50%: pod churn: a pod goes not ready, or ready again, or is deleted and its
  replacement added (as the controller would).

Prints the number of events written on stdout. Deterministic (seeded).
Standard library only.
"""
import copy
import datetime
import json
import os
import pathlib
import random
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
START = datetime.datetime(2024, 3, 1, 11, 0, 0, tzinfo=datetime.timezone.utc)


def fmt(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def main():
    out = pathlib.Path(sys.argv[1])
    events = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    cluster_path = pathlib.Path(sys.argv[3]) if len(sys.argv) > 3 else ROOT / "tests/data/bench/cluster-5k.json"
    cluster = json.loads(cluster_path.read_text())
    nodes = cluster["nodes"]
    sets = cluster["daemonSets"]
    for i, ds in enumerate(sets):
        m = ds["metadata"]
        m["uid"] = f"00000000-0000-4000-8000-{i:012d}"
        m["generation"] = 1
        m["creationTimestamp"] = fmt(START)
        m.setdefault("annotations", {})["deprecated.daemonset.template.generation"] = "1"
        ds["status"] = {"observedGeneration": 1}
    dsr = os.environ.get("DSR", str(ROOT / "target/release/dsr"))
    explained = json.loads(subprocess.run(
        [dsr, "explain", str(cluster_path), "-o", "json"], check=True,
        capture_output=True).stdout)
    runs = {(d["namespace"], d["name"]): [n["node"] for n in d["nodes"] if n["shouldRun"]]
            for d in explained["daemonSets"]}
    r = random.Random(5000)
    serial = [0]

    def pod_for(ds, node, t):
        serial[0] += 1
        m = ds["metadata"]
        labels = dict(ds["spec"]["template"]["metadata"]["labels"])
        labels["pod-template-generation"] = "1"
        return {
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {
                "name": f"{m['name']}-{serial[0]:06d}", "namespace": m["namespace"],
                "uid": f"00000000-0000-4000-9000-{serial[0]:012d}",
                "creationTimestamp": fmt(t), "labels": labels,
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "DaemonSet",
                                     "name": m["name"], "uid": m["uid"], "controller": True,
                                     "blockOwnerDeletion": True}]},
            "spec": {"nodeName": node, "containers": ds["spec"]["template"]["spec"]["containers"]},
            "status": {"phase": "Running", "conditions": [
                {"type": "Ready", "status": "True", "lastTransitionTime": fmt(t)}]},
        }

    pods = []
    for ds in sets:
        m = ds["metadata"]
        for node in runs[(m["namespace"], m["name"])]:
            pods.append((ds, pod_for(ds, node, START)))
    written = [0]
    with out.open("w") as f:
        def line(type_, obj):
            written[0] += 1
            f.write(json.dumps({"type": type_, "object": obj}, separators=(",", ":")) + "\n")

        def pretty(type_, obj, t):
            written[0] += 1
            obj["metadata"]["managedFields"] = [{"manager": "bench", "operation": "Update",
                                                 "time": fmt(t)}]
            f.write(json.dumps({"type": type_, "object": obj}, indent=4) + "\n")

        for n in nodes:
            line("ADDED", n)
        for ds in sets:
            line("ADDED", ds)
        for _, p in pods:
            line("ADDED", p)
        selected = sorted({k for ds in sets
                           for k in ds["spec"]["template"]["spec"].get("nodeSelector", {})})
        values = {k: sorted({n["metadata"]["labels"][k] for n in nodes
                             if k in n["metadata"].get("labels", {})}) or ["true"]
                  for k in selected}
        for i in range(events):
            t = START + datetime.timedelta(seconds=60 + i // 100)
            x = r.random()
            if x < 0.4:
                n = r.choice(nodes)
                labels = n["metadata"].setdefault("labels", {})
                if r.random() < 0.8:
                    # Most label writes are of labels no DaemonSet selects by
                    # (agents' versions, build ids, ...).
                    labels["example.com/agent-build"] = str(i)
                else:
                    # A label some DaemonSet selects by moves between values
                    # nodes of the cluster have, or goes.
                    key = r.choice(selected)
                    if key in labels and r.random() < 0.5:
                        del labels[key]
                    else:
                        labels[key] = r.choice(values[key])
                pretty("MODIFIED", copy.deepcopy(n), t)
            elif x < 0.5:
                n = r.choice(nodes)
                taints = n.setdefault("spec", {}).setdefault("taints", [])
                mine = [tt for tt in taints if tt["key"] == "example.com/drain"]
                if mine:
                    taints.remove(mine[0])
                else:
                    taints.append({"key": "example.com/drain", "value": "true",
                                   "effect": r.choice(["NoSchedule", "NoExecute"]),
                                   "timeAdded": fmt(t)})
                pretty("MODIFIED", copy.deepcopy(n), t)
            else:
                k = r.randrange(len(pods))
                ds, p = pods[k]
                y = r.random()
                if y < 0.6:
                    ready = p["status"]["conditions"][0]
                    ready["status"] = "False" if ready["status"] == "True" else "True"
                    ready["lastTransitionTime"] = fmt(t)
                    pretty("MODIFIED", copy.deepcopy(p), t)
                else:
                    pretty("DELETED", p, t)
                    fresh = pod_for(ds, p["spec"]["nodeName"], t)
                    pods[k] = (ds, fresh)
                    pretty("ADDED", copy.deepcopy(fresh), t)
    initial = len(nodes) + len(sets) + len(pods)
    print(f"{out}: {len(nodes)} nodes, {len(sets)} DaemonSets, {len(pods)} pods; "
          f"{initial} initial events, {written[0] - initial} change events", file=sys.stderr)
    print(written[0])


if __name__ == "__main__":
    main()
