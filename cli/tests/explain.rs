//! `dsr explain` on the shipped example cluster (`examples/cluster.json`): what a
//! person running it sees.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/cluster.json")
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

/// `explain -o json` on the example, restricted to one DaemonSet.
fn explain_json(daemon_set: &str) -> Value {
    let file = example();
    let o = dsr(&[
        "explain",
        file.to_str().unwrap(),
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

fn row<'a>(set: &'a Value, node: &str) -> &'a Value {
    set["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["node"] == node)
        .unwrap_or_else(|| panic!("no row for {node}"))
}

fn names_where(set: &Value, f: impl Fn(&Value) -> bool) -> Vec<String> {
    set["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| f(n))
        .map(|n| n["node"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn fluentd_runs_on_untainted_and_auto_tolerated_nodes() {
    let set = explain_json("kube-system/fluentd-elasticsearch");
    assert_eq!(set["namespace"], "kube-system");
    assert_eq!(set["name"], "fluentd-elasticsearch");
    assert_eq!(set["nodes"].as_array().unwrap().len(), 17);
    let runs = names_where(&set, |n| n["shouldRun"] == true);
    assert_eq!(
        runs,
        [
            "aks-nodepool1-28371640-vmss000000",
            "akswin22000000",
            "edge-rpi4-01",
            "gke-prod-default-pool-5f1c2a3b-x7k2",
            "ip-10-0-1-23.us-west-2.compute.internal",
            "ip-10-0-2-117.us-west-2.compute.internal",
            "k3s-server-1",
            "worker-1",
            // cordoned and under pressure: daemon pods tolerate those taints.
            "worker-cordoned",
            "worker-pressure",
            "yurt-edge-gw-hz01",
        ]
    );
    // Eligible rows carry no reason.
    assert!(row(&set, "worker-1")["reason"].is_null());
}

#[test]
fn fluentd_may_stay_but_is_not_placed_on_control_plane_and_not_ready_nodes() {
    let set = explain_json("kube-system/fluentd-elasticsearch");
    // The docs example tolerates only the old `master` taint.
    let cp = row(&set, "cp-1");
    assert_eq!(cp["shouldRun"], false);
    assert_eq!(cp["shouldContinueRunning"], true);
    let why = cp["reason"].as_str().unwrap();
    assert!(
        why.contains("node-role.kubernetes.io/control-plane:NoSchedule"),
        "{why}"
    );
    // Not ready: the automatic not-ready:NoExecute toleration keeps a running pod,
    // but the node's not-ready:NoSchedule taint stops a new one.
    let nr = row(&set, "worker-notready");
    assert_eq!(
        (
            nr["shouldRun"].as_bool(),
            nr["shouldContinueRunning"].as_bool()
        ),
        (Some(false), Some(true))
    );
    assert!(nr["reason"]
        .as_str()
        .unwrap()
        .contains("node.kubernetes.io/not-ready:NoSchedule"));
    // network-unavailable is tolerated automatically only with hostNetwork.
    let net = row(&set, "worker-network-unavailable");
    assert_eq!(net["shouldRun"], false);
    assert!(net["reason"]
        .as_str()
        .unwrap()
        .contains("network-unavailable"));
}

#[test]
fn host_network_pods_tolerate_network_unavailable() {
    let set = explain_json("default/ip-masq-agent");
    assert_eq!(row(&set, "worker-network-unavailable")["shouldRun"], true);
}

#[test]
fn the_windows_node_is_excluded_by_node_selector() {
    let set = explain_json("kube-system/kube-proxy");
    let win = row(&set, "akswin22000000");
    assert_eq!(win["shouldRun"], false);
    assert_eq!(win["shouldContinueRunning"], false);
    assert_eq!(
        win["reason"],
        "nodeSelector wants kubernetes.io/os=linux but the node has kubernetes.io/os=windows"
    );
    // And the Windows-only DaemonSet (no namespace in its kustomize base, so in
    // `default`, as kubectl has it) runs there alone.
    let set = explain_json("ebs-csi-node-windows");
    assert_eq!(set["namespace"], "default");
    assert_eq!(
        names_where(&set, |n| n["shouldRun"] == true),
        ["akswin22000000"]
    );
}

#[test]
fn the_windows_node_is_excluded_by_node_affinity_with_the_term_named() {
    let set = explain_json("kube-system/aws-node");
    let why = row(&set, "akswin22000000")["reason"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(why.contains("required node affinity"), "{why}");
    assert!(why.contains("kubernetes.io/os in (linux)"), "{why}");
}

#[test]
fn tolerate_everything_runs_everywhere() {
    let set = explain_json("kube-system/weave-net");
    assert_eq!(names_where(&set, |n| n["shouldRun"] == true).len(), 17);
}

#[test]
fn text_output_is_grouped_and_aligned() {
    let file = example();
    let o = dsr(&[
        "explain",
        file.to_str().unwrap(),
        "--daemonset",
        "kube-system/fluentd-elasticsearch",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.starts_with("17 node(s), 1 DaemonSet(s)\n"), "{text}");
    assert!(
        text.contains("kube-system/fluentd-elasticsearch: runs on 11 of 17 node(s)\n"),
        "{text}"
    );
    assert!(
        text.contains("  runs on:\n    aks-nodepool1-28371640-vmss000000, akswin22000000,"),
        "{text}"
    );
    assert!(
        text.contains("  not placed anew, but a running pod may stay, on:\n"),
        "{text}"
    );
    // Reasons start in one column.
    let columns: Vec<usize> = text
        .lines()
        .filter(|l| l.contains("node has taint"))
        .map(|l| l.find("node has taint").unwrap())
        .collect();
    assert_eq!(columns.len(), 6, "{text}");
    assert!(columns.windows(2).all(|w| w[0] == w[1]), "{text}");
    assert!(!text.contains("does not run on:"), "{text}");
}

#[test]
fn every_daemon_set_of_the_example_loads() {
    let file = example();
    let o = dsr(&["explain", file.to_str().unwrap(), "-o", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["daemonSets"].as_array().unwrap().len(), 18);
    assert_eq!(v["skipped"], serde_json::json!([]));
    assert_eq!(stderr(&o), "");
}

#[test]
fn one_node_only() {
    let file = example();
    let o = dsr(&[
        "explain",
        file.to_str().unwrap(),
        "--node",
        "worker-1",
        "-o",
        "json",
    ]);
    assert!(o.status.success());
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    for set in v["daemonSets"].as_array().unwrap() {
        assert_eq!(set["nodes"].as_array().unwrap().len(), 1);
        assert_eq!(set["nodes"][0]["node"], "worker-1");
    }
}

#[test]
fn unknown_names_are_errors() {
    let file = example();
    let o = dsr(&[
        "explain",
        file.to_str().unwrap(),
        "--daemonset",
        "kube-system/nope",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("no DaemonSet \"kube-system/nope\""),
        "{}",
        stderr(&o)
    );
    let o = dsr(&["explain", file.to_str().unwrap(), "--node", "nope"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no node \"nope\""), "{}", stderr(&o));
}

fn temp_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dsr-explain-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_refused_object_is_named_and_the_rest_explained() {
    let text = r#"{"kind": "List", "items": [
        {"kind": "Node", "metadata": {"name": "n1"}},
        {"kind": "Node", "metadata": {"name": "n1"}},
        {"kind": "DaemonSet", "metadata": {"name": "d", "namespace": "x"},
         "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {"metadata": {"labels": {"a": "b"}}}}}
    ]}"#;
    let path = temp_file("dup.json", text);
    let o = dsr(&["explain", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("warning: skipping Node n1:"),
        "{}",
        stderr(&o)
    );
    assert!(
        stdout(&o).contains("x/d: runs on 1 of 1 node(s)"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn yaml_streams_are_read() {
    let text = "apiVersion: v1\nkind: Node\nmetadata:\n  name: edge\n  labels:\n    kubernetes.io/os: linux\n---\n\
apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: agent\n  namespace: edge\nspec:\n  selector:\n    matchLabels: {app: agent}\n  template:\n    metadata:\n      labels: {app: agent}\n    spec:\n      nodeSelector:\n        kubernetes.io/os: windows\n";
    let path = temp_file("stream.yaml", text);
    let o = dsr(&["explain", path.to_str().unwrap(), "-o", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        v["daemonSets"][0]["nodes"][0]["reason"],
        "nodeSelector wants kubernetes.io/os=windows but the node has kubernetes.io/os=linux"
    );
}

#[test]
fn oversized_input_names_the_cap() {
    let file = example();
    let o = dsr(&["explain", file.to_str().unwrap(), "--max-bytes", "1000"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("input size cap of 1000 bytes"),
        "{}",
        stderr(&o)
    );
    let o = dsr(&["explain", file.to_str().unwrap(), "--max-objects", "5"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("object count cap"), "{}", stderr(&o));
}

/// A cluster of one node tainted `example.com/sla=999:NoSchedule` and a DaemonSet
/// whose template tolerates `example.com/sla Gt 950`, as `kubectl get -o json`
/// prints them.
const SLA_CLUSTER: &str = r#"{"apiVersion": "v1", "kind": "List", "items": [
  {"apiVersion": "v1", "kind": "Node",
   "metadata": {"name": "edge-sla-1", "labels": {"kubernetes.io/hostname": "edge-sla-1"}},
   "spec": {"taints": [{"key": "example.com/sla", "value": "999", "effect": "NoSchedule"}]}},
  {"apiVersion": "apps/v1", "kind": "DaemonSet",
   "metadata": {"name": "sla-agent", "namespace": "default", "uid": "0b9f8e7d-6c5b-4a39-8271-605f4e3d2c1b"},
   "spec": {"selector": {"matchLabels": {"app": "sla-agent"}},
            "template": {"metadata": {"labels": {"app": "sla-agent"}},
                         "spec": {"containers": [{"name": "agent", "image": "registry.k8s.io/pause:3.9"}],
                                  "tolerations": [{"key": "example.com/sla", "operator": "Gt",
                                                   "value": "950", "effect": "NoSchedule"}]}}}}
]}"#;

/// The toleration operators `Gt`/`Lt` (KEP-5471) follow kube-controller-manager's
/// `--feature-gates`: upstream's `ToleratesTaint` compares 999 > 950 only with
/// `TaintTolerationComparisonOperators` on (alpha in v1.35, off by default), and
/// explain says so when it is off.
#[test]
fn feature_gates_turn_on_gt_and_lt_tolerations() {
    let dir = std::env::temp_dir().join(format!("dsr-explain-gates-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("sla.json");
    std::fs::write(&file, SLA_CLUSTER).unwrap();
    let file = file.to_str().unwrap();

    let on = dsr(&[
        "explain",
        file,
        "--feature-gates",
        "TaintTolerationComparisonOperators=true",
        "-o",
        "json",
    ]);
    assert!(on.status.success(), "{}", stderr(&on));
    let v: Value = serde_json::from_str(&stdout(&on)).unwrap();
    let r = row(&v["daemonSets"][0], "edge-sla-1");
    assert_eq!(r["shouldRun"], true, "{r}");
    assert_eq!(r["reason"], Value::Null, "{r}");

    let off = dsr(&["explain", file]);
    assert!(off.status.success(), "{}", stderr(&off));
    let text = stdout(&off);
    assert!(
        text.contains(
            "node has taint example.com/sla=999:NoSchedule that the pod does not tolerate (a pod already there may stay); \
             toleration example.com/sla Gt 950 does not tolerate it: \
             the feature gate TaintTolerationComparisonOperators is off"
        ),
        "{text}"
    );

    // A gate dsr does not know is an error naming it, never ignored.
    let unknown = dsr(&[
        "explain",
        file,
        "--feature-gates",
        "TaintTolerationComparisonOperator=true",
    ]);
    assert!(!unknown.status.success());
    assert!(
        stderr(&unknown).contains("TaintTolerationComparisonOperator: unknown feature gate"),
        "{}",
        stderr(&unknown)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
