//! `dsr conformance` on the whole vector tree (placement and controller), and the
//! runner's own rules (unknown kinds and unloadable inputs are failures, never skips).

use std::path::PathBuf;
use std::process::{Command, Output};

fn dsr(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dsr"))
        .args(args)
        .output()
        .expect("run dsr")
}

/// The repository's copy of the vectors (`sub` of it); missing is a failure, never
/// a skip.
fn vectors(sub: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data/conformance")
        .join(sub);
    assert!(dir.is_dir(), "no vectors at {}", dir.display());
    dir
}

/// The `kind pass fail` row of the summary table.
fn kind_row(out: &str, kind: &str) -> (usize, usize) {
    let row = out
        .lines()
        .find(|l| l.split_whitespace().next() == Some(kind))
        .unwrap_or_else(|| panic!("no row for {kind}: {out}"));
    let cols: Vec<usize> = row
        .split_whitespace()
        .skip(1)
        .map(|c| c.parse().unwrap())
        .collect();
    (cols[0], cols[1])
}

/// The failures in the output: `(kind, case name, why)`.
fn failures(out: &str) -> Vec<(String, String, String)> {
    let lines: Vec<&str> = out.lines().collect();
    let mut found = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let Some(rest) = l.strip_prefix("FAIL ") else {
            continue;
        };
        let open = rest.rfind(" [").expect("FAIL line names its kind");
        let kind = rest[open + 2..rest.len() - 1].to_owned();
        let name = rest[..open]
            .split_once(": ")
            .map(|x| x.1)
            .unwrap_or("")
            .to_owned();
        let why = lines
            .get(i + 1)
            .map(|w| w.trim().to_owned())
            .unwrap_or_default();
        found.push((kind, name, why));
    }
    found
}

fn summary(out: &str) -> (usize, usize) {
    let last = out.lines().last().expect("output");
    let (p, f) = last
        .split_once(" passed, ")
        .expect("last line is `N passed, M failed`");
    let f = f
        .strip_suffix(" failed")
        .expect("last line is `N passed, M failed`");
    (p.parse().unwrap(), f.parse().unwrap())
}

#[test]
fn every_placement_vector_passes() {
    let dir = vectors("placement");
    let o = dsr(&["conformance", dir.to_str().unwrap()]);
    let out = String::from_utf8(o.stdout).unwrap();
    let (passed, failed) = summary(&out);
    let failed_cases = failures(&out);
    assert!(failed_cases.is_empty(), "failures: {failed_cases:#?}");
    assert_eq!((passed, failed), (3156, 0), "{out}");
    assert!(o.status.success());
}

#[test]
fn every_vector_passes_placement_and_controller() {
    let dir = vectors("");
    let o = dsr(&["conformance", dir.to_str().unwrap()]);
    let out = String::from_utf8(o.stdout).unwrap();
    let failed_cases = failures(&out);
    assert!(failed_cases.is_empty(), "failures: {failed_cases:#?}");
    // 3156 placement cases, 593 controller cases (587 reconcile, 6 shouldRun).
    assert_eq!(summary(&out), (3749, 0), "{out}");
    assert_eq!(kind_row(&out, "reconcile"), (587, 0), "{out}");
    assert!(o.status.success());
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("dsr-conformance-test-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn unknown_kinds_and_bad_inputs_fail_with_a_reason() {
    let dir = temp_dir("bad");
    std::fs::write(
        dir.join("cases.json"),
        r#"{"schema": "dsr-conformance/v1", "cases": [
            {"name": "r", "kind": "reconcile", "nodes": [], "daemonSet": {}, "pods": [], "expect": {"creates": 0}},
            {"name": "t", "kind": "reconcile", "now": "yesterday", "nodes": [], "daemonSet": {}, "expect": {"creates": 0}},
            {"name": "u", "kind": "frobnicate", "expect": {}},
            {"name": "b", "kind": "toleratesTaint", "toleration": 5, "taint": {}, "expect": {"tolerates": true}},
            {"name": "m", "kind": "shouldRun", "node": {}, "expect": {"shouldRun": true, "shouldContinueRunning": true}}
        ]}"#,
    )
    .unwrap();
    std::fs::write(dir.join("not-vectors.json"), r#"{"schema": "other"}"#).unwrap();
    let o = dsr(&["conformance", dir.to_str().unwrap()]);
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(!o.status.success());
    assert_eq!(summary(&out), (0, 6), "{out}");
    let f = failures(&out);
    let why = |name: &str| {
        f.iter()
            .find(|x| x.1 == name)
            .map(|x| x.2.clone())
            .unwrap_or_default()
    };
    assert!(why("r").starts_with("input `now` is missing"), "{out}");
    assert_eq!(
        why("t"),
        "input `now` is not an RFC 3339 time: \"yesterday\""
    );
    assert_eq!(why("u"), "unknown kind \"frobnicate\"");
    assert!(
        why("b").starts_with("cannot load input `toleration`"),
        "{out}"
    );
    assert_eq!(why("m"), "input `daemonSet` is missing");
    assert!(out.contains("not-vectors.json [(file)]"), "{out}");
    assert!(out.contains("schema is Some(\"other\")"), "{out}");
}

#[test]
fn a_passing_file_exits_zero_and_files_run_in_sorted_order() {
    let dir = temp_dir("good");
    let case = |name: &str, tolerates: bool| {
        format!(
            r#"{{"schema": "dsr-conformance/v1", "cases": [{{"name": "{name}", "kind": "toleratesTaint",
               "toleration": {{"key": "k", "operator": "Exists"}}, "taint": {{"key": "k", "effect": "NoSchedule"}},
               "expect": {{"tolerates": {tolerates}}}}}]}}"#
        )
    };
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("b.json"), case("second", true)).unwrap();
    std::fs::write(dir.join("a.json"), case("first", true)).unwrap();
    std::fs::write(dir.join("sub/c.json"), case("third", true)).unwrap();
    std::fs::write(dir.join("notes.txt"), "not a vector").unwrap();
    let o = dsr(&["conformance", dir.to_str().unwrap()]);
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(o.status.success(), "{out}");
    assert_eq!(summary(&out), (3, 0));

    std::fs::write(dir.join("a.json"), case("first", false)).unwrap();
    std::fs::write(dir.join("b.json"), case("second", false)).unwrap();
    let o = dsr(&["conformance", dir.to_str().unwrap()]);
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(!o.status.success());
    let names: Vec<String> = failures(&out).into_iter().map(|f| f.1).collect();
    assert_eq!(names, ["first", "second"]);
    assert!(
        out.contains(r#"expected {"tolerates":false}, got {"tolerates":true}"#),
        "{out}"
    );
}

/// A reconcile case with two nodes and one pod, whose expectations are given by
/// `expect` (a JSON object).
fn reconcile_case(name: &str, expect: &str) -> String {
    let node = |n: &str| format!(r#"{{"kind": "Node", "metadata": {{"name": "{n}"}}}}"#);
    format!(
        r#"{{"name": "{name}", "kind": "reconcile", "now": "2024-03-01T11:00:00Z",
        "nodes": [{a}, {b}],
        "daemonSet": {{"metadata": {{"name": "agent", "namespace": "kube-system", "uid": "u1", "generation": 2,
                        "annotations": {{"deprecated.daemonset.template.generation": "2", "dsr.io/current-revision": "new"}}}},
                      "spec": {{"selector": {{"matchLabels": {{"app": "agent"}}}},
                               "template": {{"metadata": {{"labels": {{"app": "agent"}}}}, "spec": {{"containers": []}}}}}}}},
        "pods": [{{"metadata": {{"name": "agent-old", "namespace": "kube-system", "creationTimestamp": "2024-03-01T10:00:00Z",
                   "labels": {{"app": "agent", "controller-revision-hash": "old", "pod-template-generation": "1"}},
                   "ownerReferences": [{{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "agent", "uid": "u1", "controller": true}}]}},
                  "spec": {{"nodeName": "a", "containers": []}},
                  "status": {{"phase": "Running", "conditions": [{{"type": "Ready", "status": "True", "lastTransitionTime": "2024-03-01T10:00:10Z"}}]}}}}],
        "expect": {expect}}}"#,
        a = node("a"),
        b = node("b"),
    )
}

#[test]
fn reconcile_compares_names_counts_and_status_fields() {
    let dir = temp_dir("reconcile");
    let cases = [
        // Node b gets a pod; the old pod on a is replaced (maxUnavailable 1 and b is
        // already unavailable, so not this sync).
        reconcile_case(
            "right",
            r#"{"creates": ["b"], "deletes": 0, "status": {"desiredNumberScheduled": 2, "numberReady": 1, "updatedNumberScheduled": 1, "observedGeneration": 2}}"#,
        ),
        reconcile_case(
            "wrong-names",
            r#"{"creates": ["a"], "deletes": ["agent-old"]}"#,
        ),
        reconcile_case(
            "wrong-status",
            r#"{"status": {"numberAvailable": 2, "numberReady": 1}}"#,
        ),
        reconcile_case("unknown-key", r#"{"pods": 1}"#),
    ];
    std::fs::write(
        dir.join("cases.json"),
        format!(
            r#"{{"schema": "dsr-conformance/v1", "cases": [{}]}}"#,
            cases.join(",")
        ),
    )
    .unwrap();
    let o = dsr(&["conformance", dir.to_str().unwrap()]);
    let out = String::from_utf8(o.stdout).unwrap();
    assert_eq!(summary(&out), (1, 3), "{out}");
    let f = failures(&out);
    let why = |name: &str| {
        f.iter()
            .find(|x| x.1 == name)
            .map(|x| x.2.clone())
            .unwrap_or_default()
    };
    assert!(why("right").is_empty(), "{out}");
    let names = why("wrong-names");
    assert!(
        names.contains(r#"creates: expected {"a"}, got {"b"}"#),
        "{names}"
    );
    assert!(
        names.contains(r#"deletes: expected {"agent-old"}, got {}"#),
        "{names}"
    );
    assert_eq!(
        why("wrong-status"),
        "status.numberAvailable: expected 2, got 1"
    );
    assert_eq!(why("unknown-key"), "unknown expectation `pods`");
}

/// Every real DaemonSet in `tests/data/manifests` is one the API server accepts (in the
/// namespace `kubectl apply` would give it), and each classic mistake is refused.
#[test]
fn real_daemon_sets_validate_and_broken_ones_do_not() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/data/manifests/daemonsets");
    let mut cases = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    names.sort();
    assert!(names.len() >= 18, "{names:?}");
    for path in &names {
        let mut ds: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        if ds["metadata"]["namespace"].is_null() {
            ds["metadata"]["namespace"] = "default".into();
        }
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        cases.push(
            serde_json::json!({"name": name.clone(), "kind": "validate", "what": "daemonSet",
            "value": ds.clone(), "expect": {"valid": true}}),
        );
        if name.starts_with("kubernetes-website-fluentd") {
            let broken = |edit: &dyn Fn(&mut serde_json::Value), why: &str| {
                let mut bad = ds.clone();
                edit(&mut bad);
                serde_json::json!({"name": format!("{name} {why}"), "kind": "validate",
                    "what": "daemonSet", "value": bad, "expect": {"valid": false}})
            };
            cases.push(broken(
                &|d| d["spec"]["template"]["spec"]["restartPolicy"] = "Never".into(),
                "restartPolicy Never",
            ));
            cases.push(broken(
                &|d| {
                    d["spec"]["template"]["metadata"]["labels"] =
                        serde_json::json!({"name": "other"})
                },
                "selector misses the template",
            ));
            cases.push(broken(
                &|d| d["metadata"]["name"] = "Fluentd".into(),
                "uppercase name",
            ));
            cases.push(broken(&|d| d["spec"]["updateStrategy"] = serde_json::json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0}}), "no update budget"));
            cases.push(broken(
                &|d| {
                    d["spec"]["template"]["spec"]["tolerations"] =
                        serde_json::json!([{"operator": "Equal", "value": "x"}])
                },
                "empty key with Equal",
            ));
        }
    }
    let dir = temp_dir("validate");
    let file = dir.join("manifests.json");
    std::fs::write(
        &file,
        serde_json::json!({"schema": "dsr-conformance/v1", "cases": cases}).to_string(),
    )
    .unwrap();
    let o = dsr(&["conformance", file.to_str().unwrap()]);
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(o.status.success(), "{out}");
    assert_eq!(summary(&out), (names.len() + 5, 0));
}

/// A case's `featureGates` set the gates it is judged under (upstream's
/// `ToleratesTaint` compares `Gt` only with `TaintTolerationComparisonOperators`
/// on); a gate the runner does not know fails the case with its name, as
/// SCHEMA.md requires; `--feature-gates` sets the gates a case does not name.
#[test]
fn feature_gates_per_case_and_unknown_gates_fail() {
    let dir = temp_dir("gates");
    let case = |name: &str, gates: &str, tolerates: bool| {
        format!(
            r#"{{"name": "{name}", "kind": "toleratesTaint"{gates},
               "toleration": {{"key": "example.com/sla", "operator": "Gt", "value": "950"}},
               "taint": {{"key": "example.com/sla", "value": "999", "effect": "NoSchedule"}},
               "expect": {{"tolerates": {tolerates}}}}}"#
        )
    };
    let file = format!(
        r#"{{"schema": "dsr-conformance/v1", "cases": [{}, {}, {}]}}"#,
        case(
            "gate-on",
            r#", "featureGates": {"TaintTolerationComparisonOperators": true}"#,
            true
        ),
        case("gate-default", "", false),
        case(
            "gate-unknown",
            r#", "featureGates": {"TaintTolerationComparisonOperators": true, "NoSuchGate": false}"#,
            true
        ),
    );
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("gates.json");
    std::fs::write(&path, file).unwrap();
    let o = dsr(&["conformance", path.to_str().unwrap()]);
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(!o.status.success());
    assert_eq!(summary(&out), (2, 1), "{out}");
    let f = failures(&out);
    assert_eq!(f.len(), 1, "{out}");
    assert_eq!(f[0].1, "gate-unknown");
    assert!(
        f[0].2
            .starts_with("featureGates.NoSuchGate: unknown feature gate"),
        "{out}"
    );
    // With the gate on for every case, the case without gates tolerates.
    let o = dsr(&[
        "conformance",
        path.to_str().unwrap(),
        "--feature-gates",
        "TaintTolerationComparisonOperators=true",
    ]);
    let out = String::from_utf8(o.stdout).unwrap();
    let names: Vec<String> = failures(&out).into_iter().map(|f| f.1).collect();
    assert_eq!(names, ["gate-default", "gate-unknown"], "{out}");
}

/// Every taint, toleration and label selector the vectors give as plain inputs
/// (and the edge cases below) reads the same into the runner's own types as into
/// k8s-openapi's, the API's.
#[test]
fn the_runners_input_types_read_like_the_apis() {
    use dsr_cli::conformance::inputs;
    use k8s_openapi::api::core::v1 as api;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1 as meta;
    use serde_json::{json, Value};

    type Fields = Vec<Option<String>>;
    type Requirements = Vec<(String, String, Option<Vec<String>>)>;
    fn read<T: serde::de::DeserializeOwned>(v: &Value) -> Option<T> {
        serde_json::from_value(v.clone()).ok()
    }
    fn taint(v: &Value) -> (Option<Fields>, Option<Fields>) {
        let f = |key: String, value: Option<String>, effect: String, added: bool| {
            vec![Some(key), value, Some(effect), added.then(String::new)]
        };
        (
            read::<inputs::Taint>(v).map(|t| f(t.key, t.value, t.effect, t.time_added.is_some())),
            read::<api::Taint>(v).map(|t| f(t.key, t.value, t.effect, t.time_added.is_some())),
        )
    }
    fn toleration(v: &Value) -> (Option<Fields>, Option<Fields>) {
        let secs = |s: Option<i64>| s.map(|s| s.to_string());
        (
            read::<inputs::Toleration>(v).map(|t| {
                vec![
                    t.key,
                    t.operator,
                    t.value,
                    t.effect,
                    secs(t.toleration_seconds),
                ]
            }),
            read::<api::Toleration>(v).map(|t| {
                vec![
                    t.key,
                    t.operator,
                    t.value,
                    t.effect,
                    secs(t.toleration_seconds),
                ]
            }),
        )
    }
    fn selector(v: &Value) -> (Option<Fields>, Option<Fields>) {
        let f = |labels: Option<std::collections::BTreeMap<String, String>>,
                 reqs: Option<Requirements>| {
            vec![Some(format!("{labels:?}")), Some(format!("{reqs:?}"))]
        };
        (
            read::<inputs::LabelSelector>(v).map(|s| {
                let reqs = s.match_expressions.map(|r| {
                    r.into_iter()
                        .map(|r| (r.key, r.operator, r.values))
                        .collect()
                });
                f(s.match_labels, reqs)
            }),
            read::<meta::LabelSelector>(v).map(|s| {
                let reqs = s.match_expressions.map(|r| {
                    r.into_iter()
                        .map(|r| (r.key, r.operator, r.values))
                        .collect()
                });
                f(s.match_labels, reqs)
            }),
        )
    }
    type Reader = fn(&Value) -> (Option<Fields>, Option<Fields>);
    let mut seen: Vec<(Reader, Value)> = Vec::new();
    fn list(seen: &mut Vec<(Reader, Value)>, read: Reader, v: Option<&Value>) {
        match v {
            Some(Value::Array(items)) => seen.extend(items.iter().map(|i| (read, i.clone()))),
            Some(v) if !v.is_null() => seen.push((read, v.clone())),
            _ => {}
        }
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/data");
    let mut files = Vec::new();
    let mut dirs = vec![root.join("conformance"), root.join("conformance-next")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    for file in &files {
        let doc: Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
        for case in doc["cases"].as_array().into_iter().flatten() {
            list(&mut seen, taint, case.get("taint"));
            list(&mut seen, taint, case.get("taints"));
            list(&mut seen, taint, case["expect"].get("untolerated"));
            list(&mut seen, toleration, case.get("toleration"));
            list(&mut seen, toleration, case.get("tolerations"));
            list(&mut seen, toleration, case["expect"].get("tolerations"));
            if case["kind"] == "labelSelector" {
                list(&mut seen, selector, case.get("selector"));
            }
        }
    }
    let from_vectors = seen.len();
    assert!(from_vectors > 3000, "{from_vectors} inputs in {files:?}");
    // Absent, null and unknown fields, wrong types, arrays for objects.
    for v in [
        json!({}),
        json!({"key": null, "value": null, "effect": null, "timeAdded": null}),
        json!({"key": "k", "effect": "NoSchedule", "unknown": [1, 2]}),
        json!({"key": 5}),
        json!({"effect": false}),
        json!(["k", "v", "NoSchedule"]),
        json!("k=v:NoSchedule"),
        json!(null),
        json!({"key": "k", "timeAdded": "2024-01-02T03:04:05Z"}),
        json!({"key": "k", "timeAdded": "yesterday"}),
        json!({"key": "k", "timeAdded": 1704164645}),
    ] {
        seen.push((taint, v));
    }
    for v in [
        json!({"tolerationSeconds": null, "operator": "Exists"}),
        json!({"tolerationSeconds": -5}),
        json!({"tolerationSeconds": 1.5}),
        json!({"tolerationSeconds": "30"}),
        json!({"tolerationSeconds": 9223372036854775807_i64}),
        json!({"tolerationSeconds": 9223372036854775808_u64}),
        json!({"key": ["k"]}),
        json!([null, "Exists"]),
        json!(5),
    ] {
        seen.push((toleration, v));
    }
    for v in [
        json!({}),
        json!({"matchLabels": null, "matchExpressions": null}),
        json!({"matchLabels": {"a": "b"}, "matchExpressions": []}),
        json!({"matchExpressions": [{"key": "k", "operator": "Exists"}]}),
        json!({"matchExpressions": [{"key": "k", "operator": "In", "values": null}]}),
        json!({"matchExpressions": [{"operator": "In", "values": ["a"], "extra": 1}]}),
        json!({"matchExpressions": [["k", "Exists"]]}),
        json!({"matchExpressions": [{"key": "k", "operator": "In", "values": "a"}]}),
        json!({"matchLabels": {"a": 1}}),
        json!({"matchLabels": ["a"]}),
        json!([]),
    ] {
        seen.push((selector, v));
    }
    let mut errors = Vec::new();
    for (read, v) in &seen {
        let (ours, api) = read(v);
        assert_eq!(ours, api, "{v}");
        if ours.is_none() {
            errors.push(v);
        }
    }
    // The edge cases above hold errors for both; the vectors, none.
    assert_eq!(errors.len(), 18, "{errors:?}");
}
