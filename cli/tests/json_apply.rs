//! `Engine::apply` (the core's `json` feature) against the CLI's loader: every
//! object of `tests/data/manifests` and `examples/cluster.json`, applied as JSON,
//! gives the engine the same answers (every placement and its reason, every
//! DaemonSet's sync plan) as loading it the way `dsr plan` does.

use std::fmt::Write as _;
use std::path::PathBuf;

use dsr_cli::convert::{current_revision_hash, DaemonSetParts, NodeParts, PodParts};
use dsr_cli::load;
use dsr_core::json::{Change, Kind, ObjectId, Problem, Scratch, ScratchPool};
use dsr_core::{Plan, Timestamp};
use serde_json::{json, Value};

type E = dsr_core::Engine<32, 32, 512, 16384, { 1 << 20 }, 16384, 4096>;

/// A scratch for one object or event.
type One<'a> = Scratch<'a, 1, 256, 128, 4096>;
/// A scratch for the example cluster as one `List`.
type Many<'a> = Scratch<'a, 512, 8192, 2048, 8192>;

/// The time the example's pods are written against.
const NOW: &str = "2024-03-01T11:00:00Z";

fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(rel)
}

fn files(dir: &str) -> Vec<PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(data(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    v.sort();
    v
}

/// Loads files as `dsr plan` does: nodes, then DaemonSets with their current
/// revision hash, then pods.
fn load_cli(e: &mut E, paths: &[PathBuf]) {
    let mut all = load::Objects::default();
    for p in paths {
        let o = load::read_objects(p, &load::Limits::default()).unwrap();
        all.nodes.extend(o.nodes);
        all.daemon_sets.extend(o.daemon_sets);
        all.pods.extend(o.pods);
        all.controller_revisions.extend(o.controller_revisions);
    }
    for n in &all.nodes {
        e.add_node(&NodeParts::new(n).input()).unwrap();
    }
    for ds in &all.daemon_sets {
        let (hash, _) = current_revision_hash(ds, &all.controller_revisions);
        DaemonSetParts::new(ds)
            .with_revision_hash(hash)
            .with_input(|i| e.add_daemon_set(i))
            .unwrap();
    }
    for p in &all.pods {
        let pod = p.to_pod();
        PodParts::new(&pod).with_input(|i| e.add_pod(i)).unwrap();
    }
}

fn apply_one(e: &mut E, json: &[u8]) -> dsr_core::json::Applied {
    let mut s = One::new();
    e.apply(json, &mut s)
        .unwrap_or_else(|err| panic!("{err}: {}", String::from_utf8_lossy(json)))
}

/// Everything the engine answers, by name: each placement with its reason, and
/// each DaemonSet's sync plan.
fn answers(e: &E) -> String {
    // A sync records what it expects: answer from a copy.
    let mut e = Box::new(e.clone());
    let e = &mut *e;
    let now = Timestamp::parse_rfc3339(NOW).unwrap();
    let mut out = String::new();
    let mut sets: Vec<_> = e
        .daemon_sets()
        .map(|(id, d)| (format!("{}/{}", e.text(d.namespace), e.text(d.name)), id))
        .collect();
    sets.sort();
    let mut nodes: Vec<_> = e
        .nodes()
        .map(|(id, n)| (e.text(n.name).to_owned(), id))
        .collect();
    nodes.sort();
    for (set_name, set) in &sets {
        let d = *e.daemon_set(*set).unwrap();
        writeln!(
            out,
            "{set_name}: hash {:?} generation {:?}",
            e.text(d.revision_hash),
            d.template_generation
        )
        .unwrap();
        for (node_name, node) in &nodes {
            let p = e.should_run(*set, *node).unwrap();
            let mut why = String::new();
            e.describe(*set, &p.reason, &mut why).unwrap();
            writeln!(
                out,
                "  {node_name}: run {} continue {}: {why}",
                p.should_run, p.should_continue_running
            )
            .unwrap();
        }
        let mut plan = Box::new(Plan::<512>::new());
        e.sync(*set, now, &mut plan).unwrap();
        let pod = |id| e.text(e.pod(id).unwrap().name).to_owned();
        let mut creates: Vec<_> = plan
            .creates
            .iter()
            .map(|c| format!("{} {:?}", e.text(c.node_name), c.reason))
            .collect();
        creates.sort();
        let mut deletes: Vec<_> = plan
            .deletes
            .iter()
            .map(|d| {
                strip_ids(&format!(
                    "{} on {} {:?}",
                    e.text(d.pod_name),
                    e.text(d.node_name),
                    d.reason
                ))
            })
            .collect();
        deletes.sort();
        let mut adoptions: Vec<_> = plan.adoptions.iter().map(|&p| pod(p)).collect();
        adoptions.sort();
        let mut held: Vec<_> = plan
            .held_back
            .iter()
            .map(|h| strip_ids(&format!("{} {:?}", e.text(h.node), h.reason)))
            .collect();
        held.sort();
        writeln!(
            out,
            "  plan {:?} creates {creates:?} deletes {deletes:?} adopts {adoptions:?} releases {} \
             status {:?} requeue {:?} rollout {:?} held {held:?} hash {:?} generation {:?}",
            plan.outcome,
            plan.releases.len(),
            plan.status,
            plan.requeue_after,
            plan.rollout,
            e.text(plan.revision_hash),
            plan.template_generation
        )
        .unwrap();
    }
    out
}

/// Ids and string handles (`PodId(n)`, `Sym(n)`) depend on the order objects came
/// in; names are compared elsewhere.
fn strip_ids(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("Id(").or_else(|| rest.find("Sym(")) {
        let i = rest
            .find("Id(")
            .into_iter()
            .chain(rest.find("Sym("))
            .min()
            .unwrap_or(i);
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        let end = after.find(')').map_or(after.len(), |j| j + 1);
        out.push('#');
        rest = &after[end..];
    }
    out + rest
}

/// Asserts two answer texts agree, showing the first line that differs.
#[track_caller]
fn same(got: &str, want: &str, what: &str) {
    for (i, (g, w)) in got.lines().zip(want.lines()).enumerate() {
        assert_eq!(g, w, "{what}: line {i}");
    }
    assert_eq!(got.lines().count(), want.lines().count(), "{what}");
}

fn on_big_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(512 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

fn manifests() -> Vec<PathBuf> {
    let mut v = files("tests/data/manifests/nodes");
    v.extend(files("tests/data/manifests/daemonsets"));
    v
}

#[test]
fn every_manifest_applied_answers_as_the_cli_loads_it() {
    on_big_stack(|| {
        let paths = manifests();
        let mut cli = E::new();
        load_cli(&mut cli, &paths);
        let mut applied = E::new();
        for p in &paths {
            let a = apply_one(&mut applied, &std::fs::read(p).unwrap());
            assert_eq!(a.change, Change::Added, "{}", p.display());
        }
        assert_eq!(applied.node_count(), cli.node_count());
        assert_eq!(applied.daemon_set_count(), 18);
        let want = answers(&cli);
        assert!(
            want.contains("does not tolerate") || want.contains("taint"),
            "{want}"
        );
        same(&answers(&applied), &want, "applied");
        applied.check_holders().unwrap();
    });
}

#[test]
fn the_example_cluster_as_one_list_answers_as_the_cli_loads_it() {
    on_big_stack(|| {
        let path = data("examples/cluster.json");
        let mut cli = E::new();
        load_cli(&mut cli, std::slice::from_ref(&path));
        let bytes = std::fs::read(&path).unwrap();
        let mut applied = E::new();
        let mut s = Box::new(Many::new());
        let a = applied.apply(&bytes, &mut s).unwrap();
        assert_eq!(a.kind, Kind::List);
        assert_eq!(a.id, ObjectId::None);
        assert!(a.placement_changed);
        assert_eq!(a.counts.ignored, 0);
        let c = a.counts;
        let items = serde_json::from_slice::<Value>(&bytes).unwrap()["items"]
            .as_array()
            .unwrap()
            .len();
        assert_eq!((c.added + c.updated + c.unchanged) as usize, items);
        assert_eq!(
            c.added as usize,
            applied.node_count() + applied.daemon_set_count() + applied.pod_count() + 18,
            "{c:?}"
        );
        let want = answers(&cli);
        // The example's DaemonSets take their hash from ControllerRevisions.
        assert!(!want.contains("hash \"\""), "{want}");
        same(&answers(&applied), &want, "applied");
        assert_eq!(applied.usage(), cli.usage());
        applied.check_holders().unwrap();

        // Applying the same list again is a re-list: nothing changes.
        let mut s = Box::new(Many::new());
        let again = applied.apply(&bytes, &mut s).unwrap();
        assert_eq!(again.change, Change::Unchanged);
        // Revisions older than the one seen are ignored.
        let c = again.counts;
        assert_eq!((c.added, c.updated, c.removed), (0, 0, 0), "{c:?}");
        assert_eq!((c.unchanged + c.ignored) as usize, items, "{c:?}");
        assert!(!again.placement_changed);
        same(&answers(&applied), &want, "applied");
    });
}

/// The example cluster's items as watch events, revisions first and pods before
/// their DaemonSets: the order a watch may deliver them in.
fn events(kind_order: &[&str]) -> Vec<Vec<u8>> {
    let list: Value =
        serde_json::from_slice(&std::fs::read(data("examples/cluster.json")).unwrap()).unwrap();
    let items = list["items"].as_array().unwrap();
    let mut out = Vec::new();
    for kind in kind_order {
        for item in items.iter().filter(|i| i["kind"] == *kind).rev() {
            out.push(serde_json::to_vec(&json!({"type": "ADDED", "object": item})).unwrap());
        }
    }
    out
}

#[test]
fn watch_events_in_any_order_answer_as_the_cli_loads_the_dump() {
    on_big_stack(|| {
        let path = data("examples/cluster.json");
        let mut cli = E::new();
        load_cli(&mut cli, std::slice::from_ref(&path));
        let want = answers(&cli);
        for order in [
            ["ControllerRevision", "Pod", "DaemonSet", "Node"],
            ["Node", "DaemonSet", "ControllerRevision", "Pod"],
        ] {
            let mut applied = E::new();
            for ev in events(&order) {
                apply_one(&mut applied, &ev);
            }
            same(&answers(&applied), &want, &format!("order {order:?}"));
            applied.check_holders().unwrap();
            // MODIFIED of the same objects changes nothing.
            for ev in events(&order) {
                let text = String::from_utf8(ev)
                    .unwrap()
                    .replacen("ADDED", "MODIFIED", 1);
                let a = apply_one(&mut applied, text.as_bytes());
                assert!(
                    matches!(a.change, Change::Unchanged | Change::Ignored),
                    "{a:?}"
                );
                assert!(!a.placement_changed);
            }
            same(
                &answers(&applied),
                &want,
                &format!("order {order:?}, re-applied"),
            );
        }
    });
}

fn first_of(kind: &str) -> Value {
    let list: Value =
        serde_json::from_slice(&std::fs::read(data("examples/cluster.json")).unwrap()).unwrap();
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == kind)
        .unwrap()
        .clone()
}

#[test]
fn deleted_bookmark_and_error_events() {
    on_big_stack(|| {
        let mut e = E::new();
        let node = first_of("Node");
        let ds = first_of("DaemonSet");
        let ev = |t: &str, o: &Value| serde_json::to_vec(&json!({"type": t, "object": o})).unwrap();
        let a = apply_one(&mut e, &ev("ADDED", &node));
        assert_eq!((a.kind, a.change), (Kind::Node, Change::Added));
        let a = apply_one(&mut e, &ev("ADDED", &ds));
        assert_eq!((a.kind, a.change), (Kind::DaemonSet, Change::Added));
        let before = answers(&e);

        let bookmark = br#"{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"12746"}}}"#;
        let a = apply_one(&mut e, bookmark);
        assert_eq!(a.change, Change::Ignored);
        same(&answers(&e), &before, "after");

        let error = br#"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 12746 (13001)","reason":"Expired","code":410}}"#;
        let mut s = One::new();
        let err = e.apply(error, &mut s).unwrap_err();
        assert_eq!(err.problem, Problem::Watch { code: 410 });
        assert_eq!(
            err.to_string(),
            "watch error 410: too old resource version: 12746 (13001)"
        );
        same(&answers(&e), &before, "after");

        let a = apply_one(&mut e, &ev("DELETED", &ds));
        assert_eq!((a.kind, a.change), (Kind::DaemonSet, Change::Removed));
        assert!(a.placement_changed);
        assert_eq!(e.daemon_set_count(), 0);
        let a = apply_one(&mut e, &ev("DELETED", &ds));
        assert_eq!(a.change, Change::Ignored);
        let a = apply_one(&mut e, &ev("DELETED", &node));
        assert_eq!((a.kind, a.change), (Kind::Node, Change::Removed));
        assert_eq!(e.node_count(), 0);
        assert_eq!(e.usage(), E::new().usage(), "everything given back");
    });
}

#[test]
fn revisions_set_the_hash_whichever_comes_first_and_deletion_forgets_it() {
    on_big_stack(|| {
        let ds = first_of("DaemonSet");
        let uid = ds["metadata"]["uid"].as_str().unwrap().to_owned();
        let ns = ds["metadata"]["namespace"].as_str().unwrap().to_owned();
        let rev = |n: i64, hash: &str| {
            json!({"type": "ADDED", "object": {"apiVersion": "apps/v1", "kind": "ControllerRevision",
                "metadata": {"name": format!("x-{hash}"), "namespace": ns,
                    "labels": {"controller-revision-hash": hash},
                    "ownerReferences": [{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "x",
                                         "uid": uid, "controller": true}]},
                "revision": n}})
        };
        let bytes = |v: &Value| serde_json::to_vec(v).unwrap();
        let hash = |e: &E| {
            let (_, d) = e.daemon_sets().next().unwrap();
            e.text(d.revision_hash).to_owned()
        };
        let mut e = E::new();
        // Revisions first, out of order; the DaemonSet last.
        apply_one(&mut e, &bytes(&rev(7, "newest")));
        let a = apply_one(&mut e, &bytes(&rev(3, "older")));
        assert_eq!(a.change, Change::Ignored);
        apply_one(&mut e, &bytes(&json!({"type": "ADDED", "object": ds})));
        assert_eq!(hash(&e), "newest");
        // A higher revision after the DaemonSet.
        let a = apply_one(&mut e, &bytes(&rev(8, "next")));
        assert_eq!(
            (a.kind, a.change),
            (Kind::ControllerRevision, Change::Updated)
        );
        assert_eq!(hash(&e), "next");
        // Deleting an old revision changes nothing; deleting the current one
        // forgets its hash.
        let mut old = rev(7, "newest");
        old["type"] = json!("DELETED");
        assert_eq!(apply_one(&mut e, &bytes(&old)).change, Change::Ignored);
        let mut cur = rev(8, "next");
        cur["type"] = json!("DELETED");
        assert_eq!(apply_one(&mut e, &bytes(&cur)).change, Change::Removed);
        assert_eq!(hash(&e), "");
        e.check_holders().unwrap();
        // The DaemonSet going takes its remembered revision with it.
        apply_one(&mut e, &bytes(&rev(9, "last")));
        let mut gone = json!({"type": "DELETED", "object": ds});
        apply_one(&mut e, &bytes(&gone));
        gone["type"] = json!("ADDED");
        apply_one(&mut e, &bytes(&gone));
        assert_eq!(
            hash(&e),
            "",
            "a re-created DaemonSet starts without the old revision"
        );
        e.check_holders().unwrap();
    });
}

/// Applies `json`, expecting an error, and checks the engine did not change.
fn refused(e: &mut E, json: &[u8]) -> dsr_core::json::ApplyError {
    let before = answers(e);
    let usage = e.usage();
    let mut s = One::new();
    let err = e.apply(json, &mut s).unwrap_err();
    same(&answers(e), &before, &err.to_string());
    assert_eq!(e.usage(), usage, "{err}");
    e.check_holders().unwrap();
    err
}

fn fluentd() -> Value {
    serde_json::from_slice(
        &std::fs::read(data(
            "tests/data/manifests/daemonsets/kubernetes-website-fluentd-elasticsearch.json",
        ))
        .unwrap(),
    )
    .unwrap()
}

#[test]
fn errors_name_the_object_and_the_path_and_change_nothing() {
    on_big_stack(|| {
        let mut e = E::new();
        for p in manifests() {
            apply_one(&mut e, &std::fs::read(p).unwrap());
        }

        // A type error deep in a template.
        let mut ds = fluentd();
        ds["spec"]["template"]["spec"]["tolerations"][0]["operator"] = json!(7);
        let err = refused(&mut e, &serde_json::to_vec(&ds).unwrap());
        assert_eq!(err.kind, Kind::DaemonSet);
        assert_eq!(err.name, "fluentd-elasticsearch");
        assert_eq!(err.path, "spec.template.spec.tolerations[0].operator");
        // An index of two digits, as the API server writes it.
        let mut many = fluentd();
        let tolerations = many["spec"]["template"]["spec"]["tolerations"]
            .as_array_mut()
            .unwrap();
        let first = tolerations[0].clone();
        while tolerations.len() < 13 {
            tolerations.push(first.clone());
        }
        tolerations[12]["effect"] = json!(["NoSchedule"]);
        let err12 = refused(&mut e, &serde_json::to_vec(&many).unwrap());
        assert_eq!(err12.path, "spec.template.spec.tolerations[12].effect");
        assert!(matches!(err.problem, Problem::Syntax(_)), "{err}");
        assert_eq!(
            err.to_string(),
            "DaemonSet \"fluentd-elasticsearch\": spec.template.spec.tolerations[0].operator: not the JSON type the API defines for this field"
        );

        // An operator the API does not know: the engine refuses the selector.
        let mut ds = fluentd();
        ds["spec"]["selector"]["matchExpressions"] =
            json!([{"key": "name", "operator": "Gtx", "values": ["a"]}]);
        let err = refused(&mut e, &serde_json::to_vec(&ds).unwrap());
        assert_eq!(
            err.to_string(),
            "DaemonSet \"fluentd-elasticsearch\": spec.selector.matchExpressions[0].operator: \
             invalid requirement in spec.selector: unsupported operator: \"Gtx\""
        );
        // The engine refuses it the same way (without the path).
        let mut cli = E::new();
        let typed: k8s_openapi::api::apps::v1::DaemonSet = serde_json::from_value(ds).unwrap();
        let engine_err = DaemonSetParts::new(&typed)
            .with_input(|i| cli.add_daemon_set(i))
            .unwrap_err();
        assert_eq!(err.problem, Problem::Engine(engine_err));

        // Over a scratch capacity: the array is named, nothing is cut.
        let mut node: Value = serde_json::from_slice(
            &std::fs::read(data("tests/data/manifests/nodes/worker-1.json")).unwrap(),
        )
        .unwrap();
        for i in 0..300 {
            node["metadata"]["labels"][format!("example.com/l{i}")] = json!("v");
        }
        let err = refused(&mut e, &serde_json::to_vec(&node).unwrap());
        assert_eq!(
            err.problem,
            Problem::ScratchFull {
                pool: ScratchPool::Labels,
                capacity: 256
            }
        );
        assert_eq!(err.kind, Kind::Node);
        assert_eq!(err.name, "worker-1");
        assert!(
            err.path.starts_with("metadata.labels.example.com/l"),
            "{}",
            err.path
        );

        // An invalid time names its field and quotes it.
        let mut pod = first_of("Pod");
        pod["status"]["conditions"][1]["lastTransitionTime"] = json!("yesterday");
        let err = refused(&mut e, &serde_json::to_vec(&pod).unwrap());
        assert_eq!(err.problem, Problem::Time);
        assert_eq!(err.path, "status.conditions[1].lastTransitionTime");
        assert_eq!(err.detail, "yesterday");

        // Invalid and truncated JSON, at every length.
        let whole = serde_json::to_vec(&fluentd()).unwrap();
        for cut in [0, 1, whole.len() / 3, whole.len() / 2, whole.len() - 1] {
            let err = refused(&mut e, &whole[..cut]);
            assert!(
                matches!(err.problem, Problem::Syntax(_) | Problem::NotAnObject),
                "{cut}: {err}"
            );
        }
        let err = refused(
            &mut e,
            b"{\"kind\": \"Node\", \"metadata\": {\"name\": \"n\"} trailing",
        );
        assert!(matches!(err.problem, Problem::Syntax(_)), "{err}");
        refused(&mut e, b"[1, 2]");
        refused(&mut e, br#"{"metadata": {"name": "no-kind"}}"#);
        let err = refused(&mut e, br#"{"type": "SYNC", "object": {"kind": "Node"}}"#);
        assert_eq!(err.problem, Problem::EventType);

        // Unknown fields are skipped at any shape, and escaped strings unescaped.
        let mut node: Value = serde_json::from_slice(
            &std::fs::read(data("tests/data/manifests/nodes/worker-1.json")).unwrap(),
        )
        .unwrap();
        node["metadata"]["labels"]["example.com/quote"] = json!("a\"b\\c\u{e9}");
        node["spec"]["future"] =
            json!({"a": [[1, {"b": null}], [], {}], "c": -1.5e3, "d": [true, false]});
        node["zzz"] = json!([[[[[]]]]]);
        let text = serde_json::to_string(&node)
            .unwrap()
            .replace('\u{e9}', "\\u00e9");
        let a = apply_one(&mut e, text.as_bytes());
        assert_eq!(a.change, Change::Updated);
        let id = e.find_node("worker-1").unwrap();
        let n = e.node(id).unwrap();
        let labels = e.node_labels(n);
        assert!(labels
            .iter()
            .any(|l| e.text(l.key) == "example.com/quote" && e.text(l.value) == "a\"b\\c\u{e9}"));

        // A skipped value nested too deep is refused, not a stack overflow.
        let deep = format!(
            r#"{{"kind":"Node","metadata":{{"name":"deep"}},"x":{}{}}}"#,
            "[".repeat(500),
            "]".repeat(500)
        );
        let err = refused(&mut e, deep.as_bytes());
        assert_eq!(err.problem, Problem::TooDeep);
    });
}
