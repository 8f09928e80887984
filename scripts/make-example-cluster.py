#!/usr/bin/env python3
"""Rebuild examples/cluster.json: every node and DaemonSet manifest of the test data,
as one kubectl-style `List` (what `kubectl get nodes,daemonsets -A -o json` prints).

usage: python3 scripts/make-example-cluster.py [MANIFESTS_DIR] [> examples/cluster.json]

MANIFESTS_DIR defaults to tests/data/manifests, or ../shared/manifests while the
test data copy is absent. It holds nodes/*.json and daemonsets/*.json, one object
per file. Objects are copied unchanged, nodes first, each group sorted by file name.
Standard library only.
"""
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def manifests_dir() -> pathlib.Path:
    if len(sys.argv) > 1:
        return pathlib.Path(sys.argv[1])
    for candidate in (ROOT / "tests/data/manifests", ROOT.parent / "shared/manifests"):
        if candidate.is_dir():
            return candidate
    sys.exit("no manifests: pass MANIFESTS_DIR (tests/data/manifests is absent)")


def main() -> None:
    src = manifests_dir()
    items = []
    for sub in ("nodes", "daemonsets"):
        files = sorted((src / sub).glob("*.json"))
        if not files:
            sys.exit(f"no {sub} in {src}")
        items.extend(json.loads(f.read_text()) for f in files)
    out = {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": items}
    sys.stdout.write(json.dumps(out, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
