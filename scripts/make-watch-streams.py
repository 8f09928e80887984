#!/usr/bin/env python3
"""Rebuild the recorded watch streams of tests/data/watch/ for `dsr watch --replay`.

usage: python3 scripts/make-watch-streams.py [OUT_DIR]   (default tests/data/watch)

Every stream is what `kubectl get KIND -A --watch --output-watch-events -o json`
prints for nodes, daemonsets, controllerrevisions and pods, merged: first the
initial lists of the example cluster (examples/cluster.json, made from the real
manifests of tests/data/manifests by scripts/make-example-cluster.py), as
`ADDED` events one per line, as the watch API sends them; then a scenario, each
event pretty-printed as kubectl prints it. Each object written carries the time
of its write in metadata.managedFields (as the API server records it), so
`--replay` takes its time from there.

- initial.json: the initial lists only.
- taint-noexecute.json: worker-1 gets a NoExecute taint (the pods that do not
  tolerate it are deleted), then loses it (they come back, ready one by one).
- label-move.json: ip-10-0-1-23 is labelled eks.amazonaws.com/compute-type=hybrid,
  which moves aws-node and ebs-csi-node off it; their pods are deleted.
- rollout.json: kube-system/fluentd-elasticsearch's template is updated
  (generation 3, a new ControllerRevision); the pods are replaced node by node
  in node-name order, each new pod becoming ready before the next old one goes.
- pod-failure.json: calico-node's pod on worker-1 fails and is deleted (which
  starts the node's failed-pod backoff; as upstream, the replacement is created
  by the sync after the failed pod is gone), then recreated and becomes ready.
- owed.json: a node worker-2 joins; the controller creates the pods, except
  kube-proxy's (never created) and node-exporter's (created, stays Pending);
  kube-system/kured's spec changes and its status never catches up. Replayed
  with --owed-after 2m.
- node-deleted.json: worker-1 is deleted; the pod garbage collector deletes its
  pods 40 s later.

Deterministic: names and uids are hashes of what they name. Standard library only.
"""
import copy
import datetime
import hashlib
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
POD_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
KIND_ORDER = ["Node", "DaemonSet", "ControllerRevision", "Pod"]
TIME_KEYS = {"creationTimestamp", "deletionTimestamp", "time", "lastTransitionTime",
             "lastHeartbeatTime"}


def parse(t):
    return datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc)


def fmt(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def times(v):
    """Every time the replay reads in an object (the keys dsr watch reads)."""
    if isinstance(v, dict):
        for k, x in v.items():
            if k in TIME_KEYS and isinstance(x, str):
                yield parse(x)
            else:
                yield from times(x)
    elif isinstance(v, list):
        for x in v:
            yield from times(x)


def digest(*parts):
    return hashlib.sha256("/".join(parts).encode()).hexdigest()


def suffix(*parts, n=5):
    h = int(digest(*parts), 16)
    out = ""
    for _ in range(n):
        h, r = divmod(h, len(POD_ALPHABET))
        out += POD_ALPHABET[r]
    return out


def uid(*parts):
    h = digest("uid", *parts)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


class Cluster:
    def __init__(self, items):
        self.items = items

    def get(self, kind, name, namespace=None):
        for i in self.items:
            m = i["metadata"]
            if i["kind"] == kind and m["name"] == name and m.get("namespace") == namespace:
                return i
        raise KeyError((kind, namespace, name))

    def pods(self, ds=None, node=None):
        out = []
        for i in self.items:
            if i["kind"] != "Pod":
                continue
            owners = i["metadata"].get("ownerReferences") or [{}]
            if ds is not None and owners[0].get("name") != ds:
                continue
            if node is not None and i["spec"].get("nodeName") != node:
                continue
            out.append(i)
        return out

    def put(self, obj):
        m = obj["metadata"]
        for n, i in enumerate(self.items):
            im = i["metadata"]
            if (i["kind"], im["name"], im.get("namespace")) == (obj["kind"], m["name"], m.get("namespace")):
                self.items[n] = obj
                return
        self.items.append(obj)

    def drop(self, obj):
        m = obj["metadata"]
        self.items = [i for i in self.items if not (
            i["kind"] == obj["kind"] and i["metadata"]["name"] == m["name"]
            and i["metadata"].get("namespace") == m.get("namespace"))]


class Stream:
    def __init__(self, cluster):
        self.cluster = Cluster(copy.deepcopy(cluster.items))
        self.lines = []
        for kind in KIND_ORDER:
            for i in cluster.items:
                if i["kind"] == kind:
                    self.lines.append(json.dumps({"type": "ADDED", "object": i},
                                                 separators=(",", ":")) + "\n")
        self.t0 = max(t for i in cluster.items for t in times(i))

    def at(self, seconds):
        return self.t0 + datetime.timedelta(seconds=seconds)

    def write(self, type_, obj, seconds, manager):
        """An event of `obj` as written at t0 + seconds by `manager`."""
        obj = copy.deepcopy(obj)
        obj["metadata"]["managedFields"] = [{
            "apiVersion": obj["apiVersion"], "fieldsType": "FieldsV1", "manager": manager,
            "operation": "Update", "time": fmt(self.at(seconds))}]
        if type_ == "DELETED":
            self.cluster.drop(obj)
        else:
            self.cluster.put(obj)
        self.lines.append(json.dumps({"type": type_, "object": obj}, indent=4) + "\n")
        return obj

    def delete_pod(self, pod, seconds, manager="kube-controller-manager"):
        """Graceful deletion: the deletion time is set, then the pod is gone."""
        pod = copy.deepcopy(pod)
        pod["metadata"]["deletionTimestamp"] = fmt(self.at(seconds))
        pod["metadata"]["deletionGracePeriodSeconds"] = 30
        pod = self.write("MODIFIED", pod, seconds, manager)
        self.write("DELETED", pod, seconds + 1, "kubelet")

    def heartbeat(self, node_name, seconds):
        node = copy.deepcopy(self.cluster.get("Node", node_name))
        for c in node.get("status", {}).get("conditions", []):
            c["lastHeartbeatTime"] = fmt(self.at(seconds))
        self.write("MODIFIED", node, seconds, "kubelet")

    def new_pod(self, ds_name, node, seconds, generation=None, revision_hash=None, tag=""):
        """The controller creates a daemon pod for `node` (Pending, pinned to it)."""
        template = self.cluster.pods(ds=ds_name)[0]
        ds = self.cluster.get("DaemonSet", ds_name, template["metadata"].get("namespace"))
        if generation is None:
            generation = ds["metadata"]["annotations"]["deprecated.daemonset.template.generation"]
        if revision_hash is None:
            revisions = [i for i in self.cluster.items
                         if i["kind"] == "ControllerRevision" and owner(i) == ds_name]
            if revisions:
                newest = max(revisions, key=lambda r: r["revision"])
                revision_hash = newest["metadata"]["labels"]["controller-revision-hash"]
        pod = copy.deepcopy(template)
        m = pod["metadata"]
        m["name"] = f"{ds_name}-{suffix(ds_name, node, tag)}"
        m["uid"] = uid(ds_name, node, tag)
        m["creationTimestamp"] = fmt(self.at(seconds))
        if generation is not None:
            m["labels"]["pod-template-generation"] = str(generation)
        if revision_hash is not None:
            m["labels"]["controller-revision-hash"] = revision_hash
        pod["spec"].pop("nodeName", None)
        pod["spec"]["affinity"] = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [{"matchFields": [
                {"key": "metadata.name", "operator": "In", "values": [node]}]}]}}}
        pod["status"] = {"phase": "Pending"}
        return self.write("ADDED", pod, seconds, "kube-controller-manager")

    def schedule(self, pod, node, seconds):
        pod = copy.deepcopy(pod)
        pod["spec"]["nodeName"] = node
        pod["status"] = {"phase": "Pending", "conditions": [
            {"type": "PodScheduled", "status": "True", "lastTransitionTime": fmt(self.at(seconds))}]}
        return self.write("MODIFIED", pod, seconds, "kube-scheduler")

    def run(self, pod, seconds, ready):
        pod = copy.deepcopy(pod)
        conditions = [c for c in pod["status"].get("conditions", []) if c["type"] != "Ready"]
        conditions.append({"type": "Ready", "status": "True" if ready else "False",
                           "lastTransitionTime": fmt(self.at(seconds))})
        pod["status"] = {"phase": "Running", "conditions": conditions,
                         "startTime": pod["metadata"]["creationTimestamp"]}
        return self.write("MODIFIED", pod, seconds, "kubelet")

    def start(self, ds_name, node, seconds, tag, ready_after=4, **kw):
        """A pod created, scheduled, running, then ready."""
        pod = self.new_pod(ds_name, node, seconds, tag=tag, **kw)
        pod = self.schedule(pod, node, seconds + 1)
        pod = self.run(pod, seconds + 2, ready=False)
        return self.run(pod, seconds + ready_after, ready=True)

    def text(self):
        return "".join(self.lines)


def tolerates(tol, taint):
    if tol.get("effect") and tol["effect"] != taint["effect"]:
        return False
    if not tol.get("key"):
        return tol.get("operator") == "Exists"
    if tol["key"] != taint["key"]:
        return False
    if tol.get("operator") == "Exists":
        return True
    return tol.get("value", "") == taint.get("value", "")


def owner(pod):
    return (pod["metadata"].get("ownerReferences") or [{}])[0].get("name")


def taint_noexecute(s):
    node = copy.deepcopy(s.cluster.get("Node", "worker-1"))
    taint = {"key": "example.com/maintenance", "value": "kernel-upgrade", "effect": "NoExecute",
             "timeAdded": fmt(s.at(10))}
    node["spec"]["taints"] = node["spec"].get("taints", []) + [taint]
    s.write("MODIFIED", node, 10, "kubectl-taint")
    evicted = []
    for pod in sorted(s.cluster.pods(node="worker-1"), key=lambda p: p["metadata"]["name"]):
        if owner(pod) is None:
            continue  # the orphan waiting to be adopted: left alone
        ds = s.cluster.get("DaemonSet", owner(pod), pod["metadata"].get("namespace"))
        tols = ds["spec"]["template"]["spec"].get("tolerations", [])
        if not any(tolerates(t, taint) for t in tols):
            evicted.append(owner(pod))
            s.delete_pod(pod, 12)
    node["spec"]["taints"] = [t for t in node["spec"]["taints"] if t["key"] != taint["key"]]
    s.write("MODIFIED", node, 60, "kubectl-taint")
    for n, ds in enumerate(evicted):
        s.start(ds, "worker-1", 61 + 5 * n, tag="untainted")


def label_move(s):
    name = "ip-10-0-1-23.us-west-2.compute.internal"
    node = copy.deepcopy(s.cluster.get("Node", name))
    node["metadata"]["labels"]["eks.amazonaws.com/compute-type"] = "hybrid"
    s.write("MODIFIED", node, 10, "kubectl-label")
    for pod in sorted(s.cluster.pods(node=name), key=lambda p: p["metadata"]["name"]):
        if owner(pod) in ("aws-node", "ebs-csi-node"):
            s.delete_pod(pod, 12)


def rollout(s):
    ds = copy.deepcopy(s.cluster.get("DaemonSet", "fluentd-elasticsearch", "kube-system"))
    ds["metadata"]["generation"] = 3
    ds["metadata"]["annotations"]["deprecated.daemonset.template.generation"] = "3"
    container = ds["spec"]["template"]["spec"]["containers"][0]
    container["image"] = container["image"].rsplit(":", 1)[0] + ":v2.5.3"
    s.write("MODIFIED", ds, 10, "kubectl-client-side-apply")
    old_rev = max((i for i in s.cluster.items if i["kind"] == "ControllerRevision"
                   and owner(i) == "fluentd-elasticsearch"), key=lambda r: r["revision"])
    rev = copy.deepcopy(old_rev)
    new_hash = suffix("fluentd-elasticsearch", "revision", "3", n=10)
    rev["metadata"]["name"] = f"fluentd-elasticsearch-{new_hash}"
    rev["metadata"]["uid"] = uid("fluentd-elasticsearch", "revision", "3")
    rev["metadata"]["labels"]["controller-revision-hash"] = new_hash
    rev["metadata"]["creationTimestamp"] = fmt(s.at(11))
    rev["revision"] = 3
    s.write("ADDED", rev, 11, "kube-controller-manager")
    ds = copy.deepcopy(ds)
    ds["status"]["observedGeneration"] = 3
    s.write("MODIFIED", ds, 11, "kube-controller-manager")
    t = 20
    for pod in sorted(s.cluster.pods(ds="fluentd-elasticsearch"), key=lambda p: p["spec"]["nodeName"]):
        node = pod["spec"]["nodeName"]
        s.delete_pod(pod, t)
        s.start("fluentd-elasticsearch", node, t + 2, tag="gen3", generation=3,
                revision_hash=new_hash, ready_after=6)
        t += 10


def pod_failure(s):
    pod = copy.deepcopy(s.cluster.pods(ds="calico-node", node="worker-1")[0])
    pod["status"]["phase"] = "Failed"
    for c in pod["status"]["conditions"]:
        if c["type"] == "Ready":
            c["status"] = "False"
            c["lastTransitionTime"] = fmt(s.at(10))
    s.write("MODIFIED", pod, 10, "kubelet")
    s.delete_pod(pod, 11)
    # The heartbeats only let time pass before the controller creates the
    # replacement.
    s.heartbeat("worker-1", 12)
    s.heartbeat("cp-1", 30)
    s.start("calico-node", "worker-1", 31, tag="after-backoff")


def owed(s):
    node = copy.deepcopy(s.cluster.get("Node", "worker-1"))
    node["metadata"]["name"] = "worker-2"
    node["metadata"]["labels"]["kubernetes.io/hostname"] = "worker-2"
    node["metadata"]["uid"] = uid("node", "worker-2")
    node["metadata"]["creationTimestamp"] = fmt(s.at(10))
    for c in node.get("status", {}).get("conditions", []):
        c["lastHeartbeatTime"] = c["lastTransitionTime"] = fmt(s.at(10))
    s.write("ADDED", node, 10, "kubelet")
    sets = sorted({owner(p) for p in s.cluster.pods(node="worker-1")} - {None}
                  | {"node-problem-detector"})
    n = 0
    for ds in sets:
        if ds == "kube-proxy":
            continue  # a quota refuses it: never created
        if ds == "node-exporter":
            pod = s.new_pod(ds, "worker-2", 12, tag="join")
            continue  # never scheduled: stays Pending
        s.start(ds, "worker-2", 12 + n, tag="join")
        n += 1
    kured = copy.deepcopy(s.cluster.get("DaemonSet", "kured", "kube-system"))
    kured["metadata"]["generation"] += 1
    kured["spec"]["minReadySeconds"] = 10
    s.write("MODIFIED", kured, 40, "kubectl-edit")
    for t in (70, 130, 190):
        s.heartbeat("worker-2", t)
    del pod


def node_deleted(s):
    node = s.cluster.get("Node", "worker-1")
    s.write("DELETED", node, 10, "kube-controller-manager")
    for pod in sorted(s.cluster.pods(node="worker-1"), key=lambda p: p["metadata"]["name"]):
        s.delete_pod(pod, 50, manager="pod-garbage-collector")


SCENARIOS = {
    "initial": None,
    "taint-noexecute": taint_noexecute,
    "label-move": label_move,
    "rollout": rollout,
    "pod-failure": pod_failure,
    "owed": owed,
    "node-deleted": node_deleted,
}


def main():
    out = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "tests/data/watch"
    out.mkdir(parents=True, exist_ok=True)
    cluster = Cluster(json.loads((ROOT / "examples/cluster.json").read_text())["items"])
    for name, scenario in SCENARIOS.items():
        s = Stream(cluster)
        if scenario:
            # A heartbeat first: the first event that is not ADDED ends the
            # initial lists for dsr watch, so the scenario's own ADDED events
            # are not taken for part of them.
            s.heartbeat("cp-1", 5)
            scenario(s)
        (out / f"{name}.json").write_text(s.text())


if __name__ == "__main__":
    main()
