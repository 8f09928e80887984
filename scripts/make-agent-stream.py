#!/usr/bin/env python3
"""Write tests/data/watch/agent-gateway.jsonl: the watch stream one edge gateway,
yurt-edge-gw-hz01, receives (its Node, every DaemonSet and ControllerRevision, the
pods bound to it), one watch event per line, as
`kubectl get -w --output-watch-events -o json` and the watch API write them, made
from the real manifests of tests/data/manifests. examples/agent replays it.

usage: python3 scripts/make-agent-stream.py [> tests/data/watch/agent-gateway.jsonl]

The story, event by event (the replay clock: event i happens at 2024-06-01T10:00:00Z
plus 30 s times i, and the objects' times say the same):

- the initial list: the node, the ControllerRevisions and one ready pod on the
  node of three DaemonSets, the DaemonSets as deployed (uid, generation, the
  template-generation annotation, the defaulted update strategy), a BOOKMARK.
  The DaemonSets are the Kubernetes docs' fluentd-elasticsearch,
  kube-prometheus's node-exporter (tolerates every taint) and KubeEdge's
  edgemesh-agent, given a nodeSelector on the OpenYurt node pool
  (apps.openyurt.io/nodepool: hangzhou), as a pool-scoped DaemonSet has;
- a NoExecute taint (example.com/maintenance) is added: fluentd and edgemesh must
  stop, their pods are deleted; the taint is removed: both must start again, their
  new pods arrive and become ready;
- the node moves to node pool ningbo (a label change): edgemesh must stop;
- fluentd's template is updated (image 1.20 to 1.21, generation 2, a new
  ControllerRevision): its old pod is replaced by a pod of the new revision;
- node-exporter's pod fails (phase Failed): it is deleted and recreated.

Standard library only; the helpers of make-example-cluster.py make the objects.
"""
import copy
import importlib.util
import json
import pathlib
import sys
from datetime import datetime, timedelta, timezone

ROOT = pathlib.Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("cluster", ROOT / "scripts/make-example-cluster.py")
cluster = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cluster)

NODE = "yurt-edge-gw-hz01"
START = datetime(2024, 6, 1, 10, 0, 0, tzinfo=timezone.utc)
STEP = 30
MANIFESTS = ROOT / "tests/data/manifests"

events = []


def at(i: int) -> str:
    return (START + timedelta(seconds=STEP * i)).strftime("%Y-%m-%dT%H:%M:%SZ")


def emit(kind: str, obj: dict) -> None:
    events.append({"type": kind, "object": copy.deepcopy(obj)})


def load(path: str) -> dict:
    return json.loads((MANIFESTS / path).read_text())


def daemon_set(path: str) -> dict:
    ds = load(path)
    return cluster.deploy(ds, 1, cluster.default_strategy(ds))


def pod(ds: dict, revision: int, incarnation: int, ready: bool) -> dict:
    """A daemon pod made now; `incarnation` tells apart pods of one revision."""
    now = at(len(events))
    p = cluster.pod(ds, NODE, revision, now, now if ready else None,
                    phase="Running" if ready else "Pending")
    name = ds["metadata"]["name"]
    p["metadata"]["name"] = f"{name}-{cluster.suffix(5, 'pod', name, NODE, str(revision), str(incarnation))}"
    p["metadata"]["uid"] = cluster.uid("pod", name, NODE, str(revision), str(incarnation))
    return p


def become_ready(p: dict) -> dict:
    p["status"]["phase"] = "Running"
    for c in p["status"]["conditions"]:
        if c["type"] == "Ready":
            c["status"], c["lastTransitionTime"] = "True", at(len(events))
    return p


def main() -> None:
    node = load(f"nodes/{NODE}.json")
    fluentd = daemon_set("daemonsets/kubernetes-website-fluentd-elasticsearch.json")
    exporter = daemon_set("daemonsets/kube-prometheus-node-exporter.json")
    edgemesh = load("daemonsets/kubeedge-edgemesh-agent.json")
    edgemesh["spec"]["template"]["spec"]["nodeSelector"] = {"apps.openyurt.io/nodepool": "hangzhou"}
    edgemesh = cluster.deploy(edgemesh, 1, cluster.default_strategy(edgemesh))

    # The initial list: what the agent's watches (nodes, controllerrevisions,
    # pods, daemonsets) list first. The DaemonSets come last, so the agent sees
    # each with its revision and pod already there.
    emit("ADDED", node)
    for ds in (fluentd, exporter, edgemesh):
        emit("ADDED", cluster.controller_revision(ds, 1))
    pods = {}
    for ds in (fluentd, exporter, edgemesh):
        pods[ds["metadata"]["name"]] = pod(ds, 1, 0, ready=True)
        emit("ADDED", pods[ds["metadata"]["name"]])
    for ds in (fluentd, exporter, edgemesh):
        emit("ADDED", ds)
    emit("BOOKMARK", {"kind": "Pod", "apiVersion": "v1", "metadata": {"resourceVersion": "1205000"}})

    # A NoExecute taint, then its removal.
    node["spec"]["taints"] = [{"key": "example.com/maintenance", "value": "firmware",
                               "effect": "NoExecute", "timeAdded": at(len(events))}]
    emit("MODIFIED", node)
    for name in ("fluentd-elasticsearch", "edgemesh-agent"):
        emit("DELETED", pods.pop(name))
    del node["spec"]["taints"]
    emit("MODIFIED", node)
    for ds in (fluentd, edgemesh):
        pods[ds["metadata"]["name"]] = pod(ds, 1, 1, ready=False)
        emit("ADDED", pods[ds["metadata"]["name"]])
    for name in ("fluentd-elasticsearch", "edgemesh-agent"):
        emit("MODIFIED", become_ready(pods[name]))

    # The node moves to another node pool: edgemesh's nodeSelector no longer matches.
    node["metadata"]["labels"]["apps.openyurt.io/nodepool"] = "ningbo"
    node["metadata"]["labels"]["apps.openyurt.io/desired-nodepool"] = "ningbo"
    emit("MODIFIED", node)
    emit("DELETED", pods.pop("edgemesh-agent"))

    # fluentd's template update rolls through.
    fluentd["spec"]["template"]["spec"]["containers"][0]["image"] = "k8s.gcr.io/fluentd-elasticsearch:1.21"
    fluentd["metadata"]["generation"] = 2
    fluentd["metadata"]["annotations"]["deprecated.daemonset.template.generation"] = "2"
    emit("MODIFIED", fluentd)
    emit("ADDED", cluster.controller_revision(fluentd, 2))
    emit("DELETED", pods.pop("fluentd-elasticsearch"))
    pods["fluentd-elasticsearch"] = pod(fluentd, 2, 0, ready=False)
    emit("ADDED", pods["fluentd-elasticsearch"])
    emit("MODIFIED", become_ready(pods["fluentd-elasticsearch"]))

    # node-exporter's pod fails; it is replaced.
    failed = pods.pop("node-exporter")
    failed["status"]["phase"] = "Failed"
    for c in failed["status"]["conditions"]:
        if c["type"] == "Ready":
            c["status"], c["lastTransitionTime"] = "False", at(len(events))
    emit("MODIFIED", failed)
    emit("DELETED", failed)
    pods["node-exporter"] = pod(exporter, 1, 1, ready=False)
    emit("ADDED", pods["node-exporter"])
    emit("MODIFIED", become_ready(pods["node-exporter"]))
    emit("BOOKMARK", {"kind": "Pod", "apiVersion": "v1", "metadata": {"resourceVersion": "1205400"}})

    for e in events:
        sys.stdout.write(json.dumps(e, separators=(",", ":"), sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
