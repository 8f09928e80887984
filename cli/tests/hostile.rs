//! Hostile and sloppy input (issue 14): each test builds its input, runs `dsr` as a
//! user would, and checks what they see: the exit status, the first lines of the
//! output, the field named in an error.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::{json, Value};

fn dsr(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dsr"))
        .args(args)
        .output()
        .expect("run dsr")
}

fn dsr_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dsr"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run dsr");
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// A fresh folder for one test's files.
fn dir(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("dsr-hostile-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_owned()
}

fn node(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Node",
           "metadata": {"name": name, "labels": {"kubernetes.io/os": "linux", "kubernetes.io/hostname": name}}})
}

fn daemon_set(name: &str) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "DaemonSet",
           "metadata": {"name": name, "namespace": "kube-system", "uid": format!("uid-{name}"), "generation": 1},
           "spec": {"selector": {"matchLabels": {"app": name}},
                    "template": {"metadata": {"labels": {"app": name}},
                                 "spec": {"containers": [{"name": name, "image": "registry.k8s.io/pause:3.9"}]}}}})
}

fn list(items: Vec<Value>) -> String {
    json!({"apiVersion": "v1", "items": items, "kind": "List"}).to_string()
}

// Item 3: past capacity, the answer says at the top that it is partial.
#[test]
fn a_dump_larger_than_the_largest_engine_says_so_at_the_top() {
    let d = dir("partial");
    // The largest engine holds 16,384 nodes.
    let mut items: Vec<Value> = (0..16_390).map(|i| node(&format!("node-{i:05}"))).collect();
    items.push(daemon_set("agent"));
    let file = write(&d, "big.json", &list(items));
    let o = dsr(&["explain", &file]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let out = stdout(&o);
    let first = out.lines().next().unwrap();
    assert!(
        first.starts_with("INCOMPLETE: 6 object(s) left out"),
        "{first}"
    );
    assert!(first.contains("Node node-16384"), "{first}");
    assert!(out.contains("kube-system/agent: runs on 16384 of 16384 node(s)"));
    // stderr names the first few and counts the rest, never one line per object
    // of thousands.
    assert!(stderr(&o).lines().count() <= 21, "{}", stderr(&o));
    let o = dsr(&["plan", &file, "--now", "2024-03-01T11:00:00Z", "-o", "json"]);
    assert_eq!(o.status.code(), Some(2));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["complete"], false);
    assert_eq!(v["skippedCount"], 6);
    assert_eq!(v["skipped"][0]["name"], "node-16384");
}

// Item 3 and issue 13 item 8: a dump is loaded into an engine sized to it.
#[test]
fn a_hundred_nodes_fit_an_engine_sized_to_them() {
    let d = dir("hundred");
    let mut items: Vec<Value> = (0..100).map(|i| node(&format!("node-{i:03}"))).collect();
    items.push(daemon_set("agent"));
    let file = write(&d, "cluster.json", &list(items));
    let o = dsr(&["plan", &file, "--now", "2024-03-01T11:00:00Z"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("create 100 pod(s)"), "{}", stdout(&o));
}

// Item 4: no Kubernetes objects is an error.
#[test]
fn empty_input_is_an_error() {
    let d = dir("empty");
    let empty = write(&d, "empty.json", "");
    let null = write(&d, "null.yaml", "null\n");
    let no_items = write(
        &d,
        "list.json",
        r#"{"apiVersion":"v1","items":[],"kind":"List"}"#,
    );
    for file in ["/dev/null", &empty, &null, &no_items] {
        let o = dsr(&["explain", file]);
        assert_eq!(o.status.code(), Some(1), "{file}: {}", stdout(&o));
        assert!(
            stderr(&o).contains(&format!("no Kubernetes objects in {file}")),
            "{file}: {}",
            stderr(&o)
        );
        assert!(stdout(&o).is_empty());
    }
}

// Item 5: every object needs a name; the error says where it is.
#[test]
fn a_nameless_object_is_refused_with_its_position() {
    let d = dir("nameless");
    for (i, meta) in [json!(null), json!({"name": null}), json!({"name": ""})]
        .into_iter()
        .enumerate()
    {
        let text = list(vec![
            node("node-a"),
            json!({"apiVersion": "v1", "kind": "Node", "metadata": meta}),
        ]);
        let file = write(&d, &format!("c{i}.json"), &text);
        let o = dsr(&["explain", &file]);
        assert_eq!(o.status.code(), Some(1));
        let err = stderr(&o);
        assert!(
            err.contains("items[1]: a Node without metadata.name"),
            "{err}"
        );
        assert!(err.contains("line 1 column"), "{err}");
    }
}

// Item 6: names cannot move the cursor or forge a line of the report.
#[test]
fn control_characters_in_names_are_escaped_in_text_and_exact_in_json() {
    let d = dir("escape");
    let evil = "n1\nkube-system/forged: runs on 99 of 99 node(s)\x1b[2J";
    let file = write(&d, "c.json", &list(vec![node(evil), daemon_set("agent")]));
    let o = dsr(&["explain", &file]);
    let out = stdout(&o);
    assert!(!out.contains('\x1b'), "{out:?}");
    assert!(
        !out.lines().any(|l| l.starts_with("kube-system/forged")),
        "{out}"
    );
    assert!(out.contains("n1\\nkube-system/forged"), "{out}");
    let o = dsr(&["explain", &file, "-o", "json"]);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["daemonSets"][0]["nodes"][0]["node"], evil);
    let o = dsr(&["plan", &file, "--now", "2024-03-01T11:00:00Z"]);
    assert!(!stdout(&o).contains('\x1b') && !stderr(&o).contains('\x1b'));
}

// Item 7: a type error names the JSON path; a long value is cut.
#[test]
fn errors_name_the_field_and_cut_long_values() {
    let d = dir("field");
    let mut n = node("n1");
    n["metadata"]["labels"]["topology.kubernetes.io/zone"] = json!(["a", "b"]);
    let file = write(&d, "type.json", &list(vec![n]));
    let o = dsr(&["explain", &file]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("Node \"n1\": metadata.labels.topology.kubernetes.io/zone: not the JSON type the API defines for this field"),
        "{err}"
    );
    // A 1 MB label value: the key is named, the value is not echoed.
    let mut n = node("n2");
    n["metadata"]["labels"]["example.com/blob"] = json!("v".repeat(1 << 20));
    let long_name = "n".repeat(1 << 20);
    let mut m = node("n3");
    m["metadata"]["name"] = json!(long_name);
    let file = write(&d, "long.json", &list(vec![n, m, daemon_set("agent")]));
    let o = dsr(&["explain", &file]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.len() < 2000, "{} bytes on stderr", err.len());
    assert!(
        err.contains("skipping Node n2: metadata.labels.example.com/blob: label value is too long"),
        "{err}"
    );
    assert!(err.contains("(1048576 bytes)"), "{err}");
    assert!(stdout(&o).len() < 2000);
}

// Item 8: a per-DaemonSet limit is not reported as a full table.
#[test]
fn too_many_tolerations_name_the_per_object_limit() {
    let d = dir("tolerations");
    let mut ds = daemon_set("agent");
    let tolerations: Vec<Value> = (0..64)
        .map(|i| json!({"key": format!("example.com/t{i}"), "operator": "Exists"}))
        .collect();
    ds["spec"]["template"]["spec"]["tolerations"] = json!(tolerations);
    let file = write(&d, "c.json", &list(vec![node("n1"), ds]));
    let o = dsr(&["explain", &file]);
    assert_eq!(o.status.code(), Some(2));
    let out = stdout(&o);
    assert!(out.starts_with("INCOMPLETE: 1 object(s)"), "{out}");
    let err = stderr(&o);
    assert!(
        err.contains("more than 64 tolerations on this one DaemonSet: a per-object limit"),
        "{err}"
    );
    assert!(err.contains("TOLERATIONS_MAX"), "{err}");
    assert!(!err.contains("table is full"), "{err}");
}

// Item 9: a rollout halted by an invalid budget is said, and the exit status says it.
#[test]
fn a_rollout_halted_by_an_invalid_budget_is_reported_and_exits_3() {
    let d = dir("halted");
    for bad in ["abc", "-1"] {
        let mut ds = daemon_set("agent");
        ds["metadata"]["annotations"] = json!({"dsr.io/current-revision": "new"});
        ds["spec"]["updateStrategy"] =
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": bad}});
        let pod = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "agent-x7k2p", "namespace": "kube-system", "uid": "p1",
                         "labels": {"app": "agent", "controller-revision-hash": "old"},
                         "creationTimestamp": "2024-03-01T10:00:00Z",
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "agent",
                                              "uid": "uid-agent", "controller": true}]},
            "spec": {"nodeName": "n1", "containers": [{"name": "agent"}]},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True",
                        "lastTransitionTime": "2024-03-01T10:00:00Z"}]}});
        let file = write(&d, "c.json", &list(vec![node("n1"), ds, pod]));
        let o = dsr(&["plan", &file, "--now", "2024-03-01T11:00:00Z"]);
        assert_eq!(o.status.code(), Some(3), "{bad}: {}", stderr(&o));
        let out = stdout(&o);
        assert!(out.starts_with("HALTED: 1 DaemonSet(s)"), "{out}");
        assert!(
            out.contains("rolling update in progress: 0 of 1 node(s) on the current revision"),
            "{out}"
        );
        assert!(out.contains("halted: maxUnavailable"), "{out}");
        let o = dsr(&["plan", &file, "--now", "2024-03-01T11:00:00Z", "-o", "json"]);
        assert_eq!(o.status.code(), Some(3));
        let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
        let rollout = &v["daemonSets"][0]["rollout"];
        assert_eq!(rollout["inProgress"], true, "{bad}");
        assert_eq!(rollout["halted"], "invalidBudget");
        assert_eq!(v["haltedCount"], 1);
    }
}

// Item 10: a selector that does not select the template, or an empty one, is
// warned about in upstream's words.
#[test]
fn invalid_selectors_are_warned_about_in_upstreams_words() {
    let d = dir("selector");
    let mut mismatch = daemon_set("agent");
    mismatch["spec"]["selector"] = json!({"matchLabels": {"app": "other"}});
    let mut empty = daemon_set("everything");
    empty["spec"]["selector"] = json!({});
    let file = write(&d, "c.json", &list(vec![node("n1"), mismatch, empty]));
    for args in [
        vec!["explain", &file],
        vec!["plan", &file, "--now", "2024-03-01T11:00:00Z"],
    ] {
        let o = dsr(&args);
        let out = stdout(&o);
        assert!(
            out.contains("warning: the API server would reject it: spec.template.metadata.labels: `selector` does not match template `labels`"),
            "{args:?}: {out}"
        );
        assert!(
            out.contains("spec.selector: empty selector is invalid for daemonset"),
            "{out}"
        );
        assert!(
            out.contains(
                "This daemon set is selecting all pods. A non-empty selector is required."
            ),
            "{out}"
        );
        assert!(stderr(&o).contains("dsr: warning: DaemonSet kube-system/agent"));
    }
}

// Item 11: `--runs` is bounded; no value panics or aborts.
#[test]
fn bench_runs_are_bounded() {
    let d = dir("runs");
    let file = write(&d, "c.json", &list(vec![node("n1"), daemon_set("agent")]));
    for runs in ["18446744073709551615", "1e11", "0", "10001"] {
        let o = dsr(&["bench", &file, "--runs", runs]);
        assert_eq!(o.status.code(), Some(2), "{runs}: {}", stderr(&o));
        assert!(stderr(&o).contains("--runs"), "{}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"));
    }
    let o = dsr(&["bench", &file, "--runs", "1", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

// Item 12: `-` reads stdin, a folder reads its files, JSON objects may follow one another.
#[test]
fn stdin_folders_and_concatenated_json() {
    let two = format!(
        "{}\n{}",
        list(vec![node("n1")]),
        list(vec![node("n2"), daemon_set("agent")])
    );
    let o = dsr_stdin(&["explain", "-"], two.as_bytes());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("kube-system/agent: runs on 2 of 2 node(s)"),
        "{}",
        stdout(&o)
    );

    let d = dir("folder");
    write(&d, "nodes.json", &list(vec![node("n1")]));
    write(
        &d,
        "agent.yaml",
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: agent\n  namespace: kube-system\nspec:\n  selector:\n    matchLabels: {app: agent}\n  template:\n    metadata:\n      labels: {app: agent}\n    spec:\n      containers: [{name: agent}]\n",
    );
    write(
        &d,
        "more.yml",
        "apiVersion: v1\nkind: Node\nmetadata:\n  name: n2\n",
    );
    write(&d, "notes.txt", "not read");
    let o = dsr(&["explain", d.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("kube-system/agent: runs on 2 of 2 node(s)"),
        "{}",
        stdout(&o)
    );
}

// Issue 13 item 8: a conformance case is judged in an engine big enough for it.
#[test]
fn a_conformance_case_of_a_hundred_nodes_runs_in_a_larger_engine() {
    let d = dir("conformance");
    let nodes: Vec<Value> = (0..100).map(|i| node(&format!("node-{i:03}"))).collect();
    let mut ds = daemon_set("agent");
    ds["metadata"]["annotations"] = json!({"dsr.io/current-revision": "5d4f8b7c9"});
    let vectors = json!({"schema": "dsr-conformance/v1", "cases": [
        {"name": "a hundred nodes, no pods", "kind": "reconcile", "now": "2024-03-01T11:00:00Z",
         "nodes": nodes, "daemonSet": ds, "pods": [],
         "expect": {"creates": 100, "deletes": 0, "status": {"desiredNumberScheduled": 100}}}]});
    let file = write(&d, "big.json", &vectors.to_string());
    let o = dsr(&["conformance", &file]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.ends_with("1 passed, 0 failed\n"), "{out}");
}
