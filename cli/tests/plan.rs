//! `dsr plan` on the shipped example cluster (`examples/cluster.json`, built by
//! `scripts/make-example-cluster.py`): what a person or a program running it sees.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

/// The time the example's pods are written against.
const NOW: &str = "2024-03-01T11:00:00Z";

fn example() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/cluster.json")
        .to_str()
        .unwrap()
        .to_owned()
}

fn dsr(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dsr"))
        .args(args)
        .output()
        .expect("run dsr")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// `plan -o json` on the example, for one DaemonSet.
fn plan_json(daemon_set: &str) -> Value {
    let file = example();
    let o = dsr(&[
        "plan",
        &file,
        "--now",
        NOW,
        "--daemonset",
        daemon_set,
        "-o",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["daemonSets"].as_array().unwrap().len(), 1);
    v["daemonSets"][0].clone()
}

fn list(v: &Value) -> &Vec<Value> {
    v.as_array().unwrap_or_else(|| panic!("not a list: {v}"))
}

#[test]
fn the_failed_pod_is_deleted_as_failed() {
    let set = plan_json("kube-system/calico-node");
    let deletes = list(&set["deletes"]);
    assert_eq!(deletes.len(), 1, "{set:#}");
    assert_eq!(deletes[0]["node"], "worker-pressure");
    assert_eq!(deletes[0]["reason"], "failed");
    assert!(deletes[0]["message"]
        .as_str()
        .unwrap()
        .starts_with("failed"));
    // Backoff: no replacement in the same sync.
    assert!(list(&set["creates"]).is_empty(), "{set:#}");
}

#[test]
fn the_misplaced_pod_is_deleted_with_its_placement_reason_and_the_missing_one_created() {
    let set = plan_json("kube-system/kube-proxy");
    let deletes = list(&set["deletes"]);
    assert_eq!(deletes.len(), 1, "{set:#}");
    assert_eq!(deletes[0]["node"], "akswin22000000");
    assert_eq!(deletes[0]["reason"], "nodeIneligible");
    assert_eq!(
        deletes[0]["message"],
        "must not run on akswin22000000: nodeSelector wants kubernetes.io/os=linux but the node has kubernetes.io/os=windows"
    );
    let creates = list(&set["creates"]);
    assert_eq!(creates.len(), 1, "{set:#}");
    assert_eq!(creates[0]["node"], "worker-1");
    assert_eq!(creates[0]["reason"], "missing");
    assert_eq!(
        creates[0]["message"],
        "no daemon pod is running on the node"
    );
    // Counted at the end of the sync: the new pod is there, not ready.
    assert_eq!(set["status"]["desiredNumberScheduled"], 16);
    assert_eq!(set["status"]["currentNumberScheduled"], 16);
    assert_eq!(set["status"]["numberReady"], 15);
    assert_eq!(set["status"]["numberMisscheduled"], 0);
}

#[test]
fn the_half_done_rollout_deletes_exactly_one_old_pod() {
    let set = plan_json("kube-system/fluentd-elasticsearch");
    assert_eq!(set["revision"]["source"], "controllerRevision");
    assert_eq!(set["revision"]["templateGeneration"], 2);
    let deletes = list(&set["deletes"]);
    assert_eq!(deletes.len(), 1, "{set:#}");
    assert_eq!(deletes[0]["reason"], "rollingUpdate");
    assert!(list(&set["creates"]).is_empty());
    let r = &set["rollout"];
    assert_eq!(r["inProgress"], true);
    assert_eq!(
        (
            &r["desired"],
            &r["maxUnavailable"],
            &r["inUse"],
            &r["chosen"]
        ),
        (&11.into(), &1.into(), &0.into(), &1.into())
    );
    assert_eq!(r["candidates"], 6);
    assert!(list(&r["heldBackBy"]).is_empty());
    assert_eq!(set["status"]["updatedNumberScheduled"], 5);
}

#[test]
fn a_percentage_budget_and_the_node_that_holds_it_back() {
    let set = plan_json("kube-system/aws-node");
    let r = &set["rollout"];
    // 10% of 16 nodes rounds up to 2; one new pod is not ready yet.
    assert_eq!(set["updateStrategy"]["maxUnavailable"], "10%");
    assert_eq!((&r["maxUnavailable"], &r["inUse"]), (&2.into(), &1.into()));
    assert_eq!(r["chosen"], 1);
    let held = list(&r["heldBackBy"]);
    assert_eq!(held.len(), 1, "{r:#}");
    assert!(
        held[0]["why"].as_str().unwrap().contains("is not ready"),
        "{r:#}"
    );
    assert_eq!(list(&set["deletes"]).len(), 1);
}

#[test]
fn the_orphan_is_adopted_and_settled_sets_do_nothing() {
    let set = plan_json("kube-system/node-problem-detector");
    let adopted = list(&set["adoptions"]);
    assert_eq!(adopted.len(), 1, "{set:#}");
    assert!(adopted[0]
        .as_str()
        .unwrap()
        .starts_with("node-problem-detector-"));
    let settled = plan_json("monitoring/node-exporter");
    assert!(list(&settled["creates"]).is_empty() && list(&settled["deletes"]).is_empty());
    assert_eq!(settled["rollout"]["inProgress"], false);
    assert_eq!(settled["status"]["numberUnavailable"], 0);
}

#[test]
fn json_output_has_every_field_for_every_daemon_set() {
    let file = example();
    let o = dsr(&["plan", &file, "--now", NOW, "--output", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["now"], NOW);
    assert_eq!(v["nodes"], 17);
    assert!(list(&v["skipped"]).is_empty());
    let sets = list(&v["daemonSets"]);
    assert_eq!(sets.len(), 18);
    for set in sets {
        for key in [
            "namespace",
            "name",
            "outcome",
            "revision",
            "updateStrategy",
            "creates",
            "deletes",
            "adoptions",
            "releases",
            "status",
            "requeueAfterSeconds",
            "rollout",
        ] {
            assert!(set.get(key).is_some(), "{} lacks {key}", set["name"]);
        }
        assert_eq!(set["outcome"], "synced");
        for key in [
            "desiredNumberScheduled",
            "currentNumberScheduled",
            "numberMisscheduled",
            "numberReady",
            "updatedNumberScheduled",
            "numberAvailable",
            "numberUnavailable",
            "observedGeneration",
        ] {
            assert!(
                set["status"][key].is_i64(),
                "{} status lacks {key}",
                set["name"]
            );
        }
    }
    // Same input, same output, byte for byte.
    let again = dsr(&["plan", &file, "--now", NOW, "--output", "json"]);
    assert_eq!(o.stdout, again.stdout);
}

#[test]
fn text_output_reads_as_a_plan() {
    let file = example();
    let o = dsr(&["plan", &file, "--now", NOW]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.starts_with(
            "One sync at 2024-03-01T11:00:00Z: 17 node(s), 251 pod(s), 18 DaemonSet(s)\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("\nkube-system/kube-proxy (RollingUpdate, maxUnavailable 1, maxSurge 0)\n")
    );
    assert!(text
        .contains("  create 1 pod(s):\n    on worker-1  no daemon pod is running on the node\n"));
    assert!(
        text.contains("  rolling update in progress: 5 of 11 node(s) on the current revision\n")
    );
    assert!(text.contains(
        "    budget: maxUnavailable 10% of 16 desired = 2; 1 in use (nodes unavailable), 1 left\n"
    ));
    assert!(text.contains("    held back by:\n"));
    assert!(text.contains("  nothing to create or delete\n"));
}

#[test]
fn now_defaults_to_the_clock_and_bad_times_are_refused() {
    let file = example();
    let o = dsr(&["plan", &file, "--daemonset", "calico-node", "-o", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(v["now"].as_str().unwrap() > NOW);
    let o = dsr(&["plan", &file, "--now", "yesterday"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("not an RFC 3339 time"),
        "{}",
        stderr(&o)
    );
    let o = dsr(&["plan", &file, "--daemonset", "nope"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("no DaemonSet \"nope\""),
        "{}",
        stderr(&o)
    );
}

/// A hand-written dump, as a new user writes one: two DaemonSets without
/// `metadata.uid`, and a ReplicaSet's pod whose controller reference has no uid
/// either. Upstream's `controller.FilterPodsByOwner` (v1.35) finds a DaemonSet's
/// pods by controller namespace, kind, name and uid, so the ReplicaSet's pod is
/// neither DaemonSet's: neither plans to delete it, and each creates its own pod.
#[test]
fn uid_less_daemon_sets_leave_a_replica_sets_pod_alone() {
    let dump = r#"{"apiVersion": "v1", "kind": "List", "items": [
      {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "worker-1"}},
      {"apiVersion": "apps/v1", "kind": "DaemonSet",
       "metadata": {"name": "log-agent", "namespace": "default"},
       "spec": {"selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}},
                             "spec": {"containers": [{"name": "a", "image": "registry.k8s.io/pause:3.9"}]}}}},
      {"apiVersion": "apps/v1", "kind": "DaemonSet",
       "metadata": {"name": "metrics-agent", "namespace": "default"},
       "spec": {"selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}},
                             "spec": {"containers": [{"name": "m", "image": "registry.k8s.io/pause:3.9"}]}}}},
      {"apiVersion": "v1", "kind": "Pod",
       "metadata": {"name": "web-7d9f-x2x4q", "namespace": "default", "labels": {"app": "web"},
                    "creationTimestamp": "2024-03-01T10:00:00Z",
                    "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                         "name": "web-7d9f", "uid": "", "controller": true}]},
       "spec": {"nodeName": "worker-1", "containers": [{"name": "web", "image": "nginx"}]},
       "status": {"phase": "Running"}}
    ]}"#;
    let dir = std::env::temp_dir().join(format!("dsr-plan-uidless-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("dump.json");
    std::fs::write(&file, dump).unwrap();
    let o = dsr(&["plan", file.to_str().unwrap(), "--now", NOW, "-o", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let sets = list(&v["daemonSets"]);
    assert_eq!(sets.len(), 2);
    for set in sets {
        assert!(list(&set["deletes"]).is_empty(), "{set}");
        assert!(list(&set["adoptions"]).is_empty(), "{set}");
        let creates: Vec<&str> = list(&set["creates"])
            .iter()
            .map(|c| c["node"].as_str().unwrap())
            .collect();
        assert_eq!(creates, ["worker-1"], "{set}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
