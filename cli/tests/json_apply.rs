//! `Engine::apply` (the core's `json` feature), the one way every `dsr` command
//! loads objects, against the typed inputs: every object of `tests/data`
//! (the manifests, the bench's small cluster, the conformance cases' nodes,
//! DaemonSets and pods) and of `examples/cluster.json`, applied as JSON, gives
//! the engine the same answers (every placement and its reason, every
//! DaemonSet's tolerations and sync plan) as the same objects read into
//! k8s-openapi types and mapped field by field to the core's inputs
//! (`support/typed.rs`, written apart from the core's decoder).

use std::fmt::Write as _;
use std::path::PathBuf;

use dsr_core::json::{Change, Kind, ObjectId, Problem, Scratch, ScratchPool};
use dsr_core::{Plan, Timestamp};
use k8s_openapi::api::apps::v1::{ControllerRevision, DaemonSet};
use k8s_openapi::api::core::v1::{Node, Pod};
use serde_json::{json, Value};

#[path = "support/typed.rs"]
mod typed;

use typed::{current_revision_hash, DaemonSetParts, NodeParts, PodParts};

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

/// Objects read into k8s-openapi types.
#[derive(Default)]
struct Typed {
    nodes: Vec<Node>,
    daemon_sets: Vec<DaemonSet>,
    pods: Vec<Pod>,
    revisions: Vec<ControllerRevision>,
}

impl Typed {
    /// Adds one object of `kind` (a namespaced one without a namespace is in
    /// `default`, as kubectl takes it).
    fn push(&mut self, kind: &str, mut v: Value) {
        if kind != "Node"
            && v["metadata"]["namespace"]
                .as_str()
                .is_none_or(str::is_empty)
        {
            v["metadata"]["namespace"] = json!("default");
        }
        match kind {
            "Node" => self.nodes.push(serde_json::from_value(v).unwrap()),
            "DaemonSet" => self.daemon_sets.push(serde_json::from_value(v).unwrap()),
            "Pod" => self.pods.push(serde_json::from_value(v).unwrap()),
            "ControllerRevision" => self.revisions.push(serde_json::from_value(v).unwrap()),
            _ => {}
        }
    }

    /// Reads a file: one object, a `List`, or the bench format.
    fn read(&mut self, path: &std::path::Path) {
        let v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        if let Some(items) = v["items"].as_array() {
            for item in items {
                self.push(item["kind"].as_str().unwrap(), item.clone());
            }
        } else if let Some(kind) = v["kind"].as_str() {
            self.push(kind, v.clone());
        } else {
            for (field, kind) in [
                ("nodes", "Node"),
                ("daemonSets", "DaemonSet"),
                ("pods", "Pod"),
            ] {
                for item in v[field].as_array().into_iter().flatten() {
                    self.push(kind, item.clone());
                }
            }
        }
    }

    /// Loads the typed inputs: nodes, then DaemonSets with their current
    /// revision hash, then pods.
    fn load<
        const NODES: usize,
        const SETS: usize,
        const PODS: usize,
        const STRINGS: usize,
        const BYTES: usize,
        const LABELS: usize,
        const RULES: usize,
    >(
        &self,
        e: &mut dsr_core::Engine<NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES>,
    ) {
        for n in &self.nodes {
            e.add_node(&NodeParts::new(n).input()).unwrap();
        }
        for ds in &self.daemon_sets {
            let (hash, _) = current_revision_hash(ds, &self.revisions);
            DaemonSetParts::new(ds)
                .with_revision_hash(hash)
                .with_input(|i| e.add_daemon_set(i))
                .unwrap();
        }
        for p in &self.pods {
            PodParts::new(p).with_input(|i| e.add_pod(i)).unwrap();
        }
    }
}

/// Loads files into the typed inputs.
fn load_cli(e: &mut E, paths: &[PathBuf]) {
    let mut all = Typed::default();
    for p in paths {
        all.read(p);
    }
    all.load(e);
}

fn apply_one(e: &mut E, json: &[u8]) -> dsr_core::json::Applied {
    let mut s = One::new();
    e.apply(json, &mut s)
        .unwrap_or_else(|err| panic!("{err}: {}", String::from_utf8_lossy(json)))
}

/// Everything the engine answers, by name: each placement with its reason, and
/// each DaemonSet's tolerations and sync plan.
fn answers<
    const NODES: usize,
    const SETS: usize,
    const PODS: usize,
    const STRINGS: usize,
    const BYTES: usize,
    const LABELS: usize,
    const RULES: usize,
>(
    e: &dsr_core::Engine<NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES>,
) -> String {
    // A sync records what it expects: answer from a copy.
    let mut e = Box::new(e.clone());
    answers_of(&mut e)
}

fn answers_of<
    const NODES: usize,
    const SETS: usize,
    const PODS: usize,
    const STRINGS: usize,
    const BYTES: usize,
    const LABELS: usize,
    const RULES: usize,
>(
    e: &mut dsr_core::Engine<NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES>,
) -> String {
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
        let mut tolerations: Vec<String> = e
            .daemon_tolerations(&d)
            .iter()
            .map(|t| {
                format!(
                    "{:?}={:?}:{:?}:{:?} {:?}",
                    e.text(t.key),
                    strip_ids(&format!("{:?}", t.operator)),
                    e.text(t.value),
                    strip_ids(&format!("{:?}", t.effect)),
                    t.toleration_seconds
                )
            })
            .collect();
        tolerations.sort();
        writeln!(out, "  tolerations {tolerations:?}").unwrap();
        for (node_name, node) in &nodes {
            let p = e.should_run(*set, *node).unwrap();
            let mut why = String::new();
            e.describe(*set, &p.reason, &mut why).unwrap();
            writeln!(
                out,
                "  {node_name}: run {} continue {} affinity {:?}: {why}",
                p.should_run,
                p.should_continue_running,
                e.matches_node_affinity(*set, *node).unwrap()
            )
            .unwrap();
        }
        let mut plan = Box::new(Plan::<PODS>::new());
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

/// The engine for the bench's small cluster (1,000 nodes, 20 DaemonSets).
type Bench = dsr_core::Engine<1024, 32, 1024, 65_536, { 4 << 20 }, 65_536, 4096>;

#[test]
fn the_bench_cluster_applied_answers_as_its_typed_inputs() {
    on_big_stack(|| {
        let path = data("tests/data/bench/cluster-1k.json");
        let mut typed = Box::new(Bench::new());
        let mut all = Typed::default();
        all.read(&path);
        all.load(&mut typed);
        // Applied as `dsr bench` and `dsr plan` load it: each object as the
        // CLI's loader writes it.
        let objects =
            dsr_cli::load::read_objects(&path, &dsr_cli::load::Limits::default()).unwrap();
        let mut applied = Box::new(Bench::new());
        for o in objects.nodes.iter().chain(&objects.daemon_sets) {
            let mut s = One::new();
            let a = applied.apply(&o.json, &mut s).unwrap();
            assert_eq!(a.change, Change::Added, "{}", o.name);
        }
        assert_eq!(applied.node_count(), 1000);
        assert_eq!(applied.daemon_set_count(), 20);
        let want = answers(&*typed);
        assert!(want.contains("run true") && want.contains("run false"));
        same(&answers(&*applied), &want, "applied");
        assert_eq!(applied.usage(), typed.usage());
    });
}

/// A conformance case's objects, by the kind their key says (the vectors leave
/// `kind` out).
fn case_objects(case: &Value) -> Vec<(&'static str, Value)> {
    let mut out = Vec::new();
    let mut one = |kind: &'static str, v: &Value| {
        if let Value::Object(m) = v {
            let mut m = m.clone();
            m.insert("kind".into(), json!(kind));
            out.push((kind, Value::Object(m)));
        }
    };
    for key in ["node", "nodes"] {
        match &case[key] {
            Value::Array(items) => items.iter().for_each(|n| one("Node", n)),
            v => one("Node", v),
        }
    }
    match case["kind"].as_str() {
        Some("requiredNodeAffinity") => {
            // The pod's spec, as the pod template of a DaemonSet (as the runner
            // asks the engine).
            let pod = &case["pod"];
            one(
                "DaemonSet",
                &json!({"metadata": pod["metadata"], "spec": {"template": {"spec": pod["spec"]}}}),
            );
        }
        _ => one("DaemonSet", &case["daemonSet"]),
    }
    for p in case["pods"].as_array().into_iter().flatten() {
        one("Pod", p);
    }
    out
}

type CaseE = dsr_core::Engine<64, 4, 256, 4096, { 1 << 18 }, 4096, 4096>;

#[test]
fn every_conformance_case_object_applied_answers_as_its_typed_inputs() {
    on_big_stack(|| {
        let mut files = Vec::new();
        for dir in ["tests/data/conformance", "tests/data/conformance-next"] {
            let mut stack = vec![data(dir)];
            while let Some(d) = stack.pop() {
                for e in std::fs::read_dir(d).unwrap() {
                    let p = e.unwrap().path();
                    if p.is_dir() {
                        stack.push(p);
                    } else if p.extension().is_some_and(|x| x == "json") {
                        files.push(p);
                    }
                }
            }
        }
        files.sort();
        let (mut compared, mut validated) = (0, 0);
        let mut typed = Box::new(CaseE::new());
        let mut applied = Box::new(CaseE::new());
        for file in &files {
            let doc: Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
            for case in doc["cases"].as_array().into_iter().flatten() {
                let what = format!("{}: {}", file.display(), case["name"]);
                if case["kind"] == "validate" && case["what"] == "daemonSet" {
                    // Validation reads the object as written: no default namespace.
                    let v = &case["value"];
                    let ds: DaemonSet = serde_json::from_value(v.clone()).unwrap();
                    let want =
                        DaemonSetParts::new(&ds).with_input(|i| typed.validate_daemon_set(i));
                    let mut m = v.as_object().unwrap().clone();
                    m.insert("kind".into(), json!("DaemonSet"));
                    let json = serde_json::to_vec(&m).unwrap();
                    let mut s = One::new();
                    let got = applied
                        .validate_daemon_set_json(&json, &mut s)
                        .map_err(|e| e.problem);
                    assert_eq!(got, want.map_err(Problem::Engine), "{what}");
                    validated += 1;
                    continue;
                }
                let objects = case_objects(case);
                if objects.is_empty() {
                    continue;
                }
                typed.clear();
                applied.clear();
                let mut t = Typed::default();
                for (kind, v) in &objects {
                    t.push(kind, v.clone());
                }
                if case["kind"] == "requiredNodeAffinity" {
                    // The typed runner read the pod spec without a selector.
                    for n in &t.nodes {
                        typed.add_node(&NodeParts::new(n).input()).unwrap();
                    }
                    let pod: Pod = serde_json::from_value(case["pod"].clone()).unwrap();
                    let mut meta = pod.metadata.clone();
                    meta.namespace.get_or_insert_with(|| "default".into());
                    DaemonSetParts::from_pod_spec(&meta, pod.spec.as_ref())
                        .with_input(|i| typed.add_daemon_set(i))
                        .unwrap();
                } else {
                    t.load(&mut *typed);
                }
                for (_, v) in &objects {
                    let json = serde_json::to_vec(v).unwrap();
                    let mut s = One::new();
                    applied
                        .apply(&json, &mut s)
                        .unwrap_or_else(|e| panic!("{what}: {e}"));
                }
                if case["kind"] == "requiredNodeAffinity" {
                    let (set, _) = applied.daemon_sets().next().unwrap();
                    let (typed_set, _) = typed.daemon_sets().next().unwrap();
                    let node = applied.nodes().next().unwrap().0;
                    let typed_node = typed.nodes().next().unwrap().0;
                    assert_eq!(
                        applied.matches_node_affinity(set, node),
                        typed.matches_node_affinity(typed_set, typed_node),
                        "{what}"
                    );
                } else {
                    same(&answers_of(&mut applied), &answers_of(&mut typed), &what);
                }
                compared += 1;
            }
        }
        // shouldRun, reconcile, daemonPodTolerations and requiredNodeAffinity.
        assert!(compared > 1800, "{compared} cases compared");
        assert!(validated >= 10, "{validated} DaemonSets validated");
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
