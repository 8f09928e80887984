#!/usr/bin/env python3
"""Rebuild examples/cluster.json: every node and DaemonSet manifest of the test data,
as deployed on one cluster, with the ControllerRevisions and pods the DaemonSet
controller would have made, as one kubectl-style `List` (what
`kubectl get nodes,daemonsets,controllerrevisions,pods -A -o json` prints).

usage: python3 scripts/make-example-cluster.py [MANIFESTS_DIR] [> examples/cluster.json]

MANIFESTS_DIR defaults to tests/data/manifests, or ../shared/manifests while the
test data copy is absent. It holds nodes/*.json and daemonsets/*.json, one object
per file. Nodes are copied unchanged. DaemonSets get what the API server and the
controller add once they are created: a uid, a generation, the template-generation
annotation, the defaulted update strategy and status.observedGeneration.

Where the pods go: `dsr explain` (run through cargo, or the binary named by $DSR)
says on which nodes each DaemonSet's pod runs; each such node gets one ready pod of
the current revision, made as the controller makes it (labels, controller owner
reference, node affinity pinned to the node), except for the departures below that
make `dsr plan examples/cluster.json --now 2024-03-01T11:00:00Z` interesting:

- kube-system/fluentd-elasticsearch is rolling out its template generation 2
  (maxUnavailable 1): the first half of its nodes, by name, still run generation 1;
  every pod is ready, so the plan deletes exactly one old pod.
- kube-system/aws-node is rolling out too (maxUnavailable 10%): four nodes run the
  new revision, the newest of those pods is not ready yet and holds one unit of
  the budget back.
- kube-system/kube-proxy has no pod on worker-1 (the plan creates one) and a pod on
  the Windows node akswin22000000, which its nodeSelector excludes (deleted).
- kube-system/calico-node's pod on worker-pressure has failed (deleted).
- kube-system/node-problem-detector's pod on worker-1 has lost its owner reference
  (kubectl delete --cascade=orphan of an earlier DaemonSet): it is adopted.

Standard library only (plus the dsr CLI for placement).
"""
import hashlib
import json
import os
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent

NOW = "2024-03-01T11:00:00Z"
CREATED = "2024-02-01T00:00:00Z"
POD_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def manifests_dir() -> pathlib.Path:
    if len(sys.argv) > 1:
        return pathlib.Path(sys.argv[1])
    for candidate in (ROOT / "tests/data/manifests", ROOT.parent / "shared/manifests"):
        if candidate.is_dir():
            return candidate
    sys.exit("no manifests: pass MANIFESTS_DIR (tests/data/manifests is absent)")


def digest(*parts: str) -> bytes:
    return hashlib.sha256("/".join(parts).encode()).digest()


def uid(*parts: str) -> str:
    h = digest("uid", *parts).hex()
    return f"{h[0:8]}-{h[8:12]}-4{h[13:16]}-8{h[17:20]}-{h[20:32]}"


def suffix(n: int, *parts: str) -> str:
    return "".join(POD_ALPHABET[b % len(POD_ALPHABET)] for b in digest(*parts)[:n])


def revision_hash(ds_name: str, revision: int) -> str:
    return suffix(10, "revision", ds_name, str(revision))


def placement(nodes: list, daemon_sets: list) -> dict:
    """{(namespace, name): [nodes where the pod runs]}, from `dsr explain -o json`."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"kind": "List", "items": nodes + daemon_sets}, f)
        path = f.name
    try:
        dsr = os.environ.get("DSR")
        cmd = [dsr] if dsr else ["cargo", "run", "-q", "-p", "dsr-cli", "--"]
        out = subprocess.run(
            cmd + ["explain", path, "-o", "json"], cwd=ROOT, check=True, capture_output=True
        ).stdout
    finally:
        os.unlink(path)
    report = json.loads(out)
    return {
        (s["namespace"], s["name"]): [n["node"] for n in s["nodes"] if n["shouldRun"]]
        for s in report["daemonSets"]
    }


def deploy(ds: dict, generation: int, strategy: dict) -> dict:
    """The DaemonSet as the API server stores it once created."""
    meta = ds["metadata"]
    meta["uid"] = uid("daemonset", meta.get("namespace", ""), meta["name"])
    meta["generation"] = generation
    meta["creationTimestamp"] = CREATED
    meta.setdefault("annotations", {})["deprecated.daemonset.template.generation"] = str(generation)
    ds["spec"]["updateStrategy"] = strategy
    ds["status"] = {"observedGeneration": generation}
    return ds


def default_strategy(ds: dict) -> dict:
    s = ds["spec"].get("updateStrategy") or {}
    if s.get("type", "RollingUpdate") != "RollingUpdate":
        return s
    r = dict(s.get("rollingUpdate") or {})
    r.setdefault("maxUnavailable", 1)
    r.setdefault("maxSurge", 0)
    return {"type": "RollingUpdate", "rollingUpdate": r}


def owner(ds: dict) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "name": ds["metadata"]["name"],
        "uid": ds["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def controller_revision(ds: dict, revision: int) -> dict:
    meta = ds["metadata"]
    h = revision_hash(meta["name"], revision)
    labels = dict(ds["spec"]["selector"].get("matchLabels") or {})
    labels["controller-revision-hash"] = h
    rev_meta = {
        "name": f"{meta['name']}-{h}",
        "labels": labels,
        "ownerReferences": [owner(ds)],
        "creationTimestamp": CREATED,
        "uid": uid("controllerrevision", meta["name"], str(revision)),
    }
    if "namespace" in meta:
        rev_meta["namespace"] = meta["namespace"]
    return {"apiVersion": "apps/v1", "kind": "ControllerRevision", "metadata": rev_meta, "revision": revision}


def pod(ds: dict, node: str, revision: int, created: str, ready_since: str | None,
        phase: str = "Running", owned: bool = True) -> dict:
    """A daemon pod as the controller makes it, in the state given."""
    meta = ds["metadata"]
    template = ds["spec"]["template"]
    name = f"{meta['name']}-{suffix(5, 'pod', meta['name'], node, str(revision))}"
    labels = dict(template["metadata"].get("labels") or {})
    labels["controller-revision-hash"] = revision_hash(meta["name"], revision)
    labels["pod-template-generation"] = str(revision)
    pod_meta = {"name": name, "labels": labels, "creationTimestamp": created,
                "uid": uid("pod", meta["name"], node, str(revision))}
    if "namespace" in meta:
        pod_meta["namespace"] = meta["namespace"]
    if owned:
        pod_meta["ownerReferences"] = [owner(ds)]
    pin = {"nodeSelectorTerms": [{"matchFields": [
        {"key": "metadata.name", "operator": "In", "values": [node]}]}]}
    spec = {
        "nodeName": node,
        "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": pin}},
        "containers": [{"name": c["name"], "image": c["image"]}
                       for c in template["spec"]["containers"]],
    }
    ready = ready_since is not None and phase == "Running"
    conditions = [{"type": "PodScheduled", "status": "True", "lastTransitionTime": created}]
    conditions.append({"type": "Ready", "status": "True" if ready else "False",
                       "lastTransitionTime": ready_since or created})
    status = {"phase": phase, "conditions": conditions, "startTime": created}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": pod_meta, "spec": spec, "status": status}


def main() -> None:
    src = manifests_dir()
    groups = {}
    for sub in ("nodes", "daemonsets"):
        files = sorted((src / sub).glob("*.json"))
        if not files:
            sys.exit(f"no {sub} in {src}")
        groups[sub] = [json.loads(f.read_text()) for f in files]
    nodes, daemon_sets = groups["nodes"], groups["daemonsets"]
    runs_on = placement(nodes, daemon_sets)

    rolling = {"fluentd-elasticsearch": 2, "aws-node": 2}
    revisions, pods = [], []
    for ds in daemon_sets:
        name = ds["metadata"]["name"]
        generation = rolling.get(name, 1)
        deploy(ds, generation, default_strategy(ds))
        for r in range(1, generation + 1):
            revisions.append(controller_revision(ds, r))
        where = sorted(runs_on[(ds["metadata"].get("namespace", ""), name)])
        for i, node in enumerate(where):
            created = f"2024-02-01T00:{5 + i:02d}:00Z"
            ready = f"2024-02-01T00:{5 + i:02d}:30Z"
            revision, phase, owned = generation, "Running", True
            if name == "fluentd-elasticsearch" and i < (len(where) + 1) // 2:
                revision = 1
            if name == "aws-node":
                # The first four nodes run the new revision; the last of them
                # started a minute ago and is not ready yet.
                revision = 2 if i < 4 else 1
                if i < 4:
                    created = f"2024-03-01T10:{50 + i:02d}:00Z"
                    ready = f"2024-03-01T10:{50 + i:02d}:40Z"
                if i == 3:
                    created, ready, phase = "2024-03-01T10:59:00Z", None, "Pending"
            if name == "kube-proxy" and node == "worker-1":
                continue
            if name == "calico-node" and node == "worker-pressure":
                phase, ready = "Failed", None
            if name == "node-problem-detector" and node == "worker-1":
                owned = False
            pods.append(pod(ds, node, revision, created, ready, phase, owned))
        if name == "kube-proxy":
            # Left over on the Windows node, which its nodeSelector excludes.
            pods.append(pod(ds, "akswin22000000", generation, CREATED, "2024-02-01T00:00:30Z"))

    items = nodes + daemon_sets + revisions + pods
    out = {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": items}
    sys.stdout.write(json.dumps(out, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
