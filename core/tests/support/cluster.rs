//! Test and benchmark support: a benchmark cluster (`{"nodes": [...],
//! "daemonSets": [...]}` as made by `tests/data/bench/gen_cluster.py`) or the
//! manifests of `tests/data`, loaded through `Engine::apply` (the `json`
//! feature): the one place Kubernetes objects become the engine's, as for the
//! CLI. What the objects lack for a sync (a uid, a current revision, a
//! generation) is written into them first, as the API server would have.
//! Included by `#[path]` in the core's tests and examples and in the benches of
//! `core-bench/`.

#![allow(dead_code)]

use dsr_core::json::Scratch;
use serde_json::{json, Value};

/// One cluster's objects.
pub struct Cluster {
    pub nodes: Vec<Node>,
    pub sets: Vec<Set>,
}

/// A `v1` Node, with its name and labels at hand.
pub struct Node {
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub object: Value,
}

/// An `apps/v1` DaemonSet, with what tests look up at hand.
pub struct Set {
    pub name: String,
    pub namespace: String,
    pub template_labels: Vec<(String, String)>,
    pub object: Value,
}

fn map(v: &Value) -> Vec<(String, String)> {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// A `v1` Node object.
pub fn node(n: Value) -> Node {
    Node {
        name: n["metadata"]["name"].as_str().unwrap_or("").to_string(),
        labels: map(&n["metadata"]["labels"]),
        object: n,
    }
}

/// An `apps/v1` DaemonSet object; `namespace` when it names none.
pub fn set(mut d: Value, namespace: &str) -> Set {
    if d["metadata"]["namespace"].as_str().unwrap_or("").is_empty() {
        d["metadata"]["namespace"] = json!(namespace);
    }
    Set {
        name: d["metadata"]["name"].as_str().unwrap_or("").to_string(),
        namespace: d["metadata"]["namespace"]
            .as_str()
            .unwrap_or("")
            .to_string(),
        template_labels: map(&d["spec"]["template"]["metadata"]["labels"]),
        object: d,
    }
}

/// Reads a benchmark cluster file.
pub fn load(path: &std::path::Path) -> Cluster {
    let text = std::fs::read_to_string(path).expect("cluster file");
    let mut v: Value = serde_json::from_str(&text).expect("cluster JSON");
    let nodes = match v["nodes"].take() {
        Value::Array(a) => a.into_iter().map(node).collect(),
        _ => panic!("nodes"),
    };
    let sets = match v["daemonSets"].take() {
        Value::Array(a) => a.into_iter().map(|d| set(d, "default")).collect(),
        _ => panic!("daemonSets"),
    };
    Cluster { nodes, sets }
}

/// A file of `tests/data/manifests` (`nodes/...`, `daemonsets/...`).
pub fn manifest(path: &str) -> Value {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data/manifests")
        .join(path);
    serde_json::from_str(&std::fs::read_to_string(&file).expect("manifest")).expect("JSON")
}

/// Every file of a `tests/data/manifests` directory, in name order.
pub fn manifests(dir: &str) -> Vec<(String, Value)> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data/manifests")
        .join(dir);
    let mut files: Vec<String> = std::fs::read_dir(path)
        .expect("manifests")
        .map(|e| e.expect("entry").file_name().into_string().expect("name"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|f| {
            let v = manifest(&format!("{dir}/{f}"));
            (f, v)
        })
        .collect()
}

/// An object as the JSON `Engine::apply` reads:
/// `engine.apply(&cluster::json(&object), &mut cluster::scratch())`.
pub fn json(object: &Value) -> Vec<u8> {
    serde_json::to_vec(object).expect("JSON")
}

/// A scratch for one `Engine::apply` of one object, on the heap.
pub fn scratch<'a>() -> Box<Scratch<'a>> {
    Box::new(Scratch::new())
}

/// The DaemonSet at a revision (its current hash, `dsr.io/current-revision`,
/// and template generation), with a uid and as observed at that generation.
pub fn set_at(d: &Set, revision: &str, generation: i64) -> Value {
    let mut o = d.object.clone();
    let meta = &mut o["metadata"];
    meta["uid"] = json!(set_uid(d));
    meta["generation"] = json!(generation);
    if !meta["annotations"].is_object() {
        meta["annotations"] = json!({});
    }
    meta["annotations"]["deprecated.daemonset.template.generation"] = json!(generation.to_string());
    meta["annotations"][dsr_core::json::REVISION_ANNOTATION] = json!(revision);
    o["status"] = json!({ "observedGeneration": generation });
    o
}

/// The DaemonSet at [`REVISION`], generation 1.
pub fn set_object(d: &Set) -> Value {
    set_at(d, REVISION, 1)
}

/// The revision every bench DaemonSet is at.
pub const REVISION: &str = "rev-1";

/// A DaemonSet's uid in the bench clusters: 36 characters like a real one, derived
/// from its namespace and name.
pub fn set_uid(d: &Set) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in d.namespace.bytes().chain([b'/']).chain(d.name.bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        h >> 32,
        (h >> 16) & 0xffff,
        h & 0xfff,
        (h >> 20) & 0xfff,
        h.rotate_left(17) & 0xffff_ffff_ffff
    )
}

/// A running pod of the DaemonSet on a node, of a revision, ready since
/// [`STEADY_SINCE`] (pods carry no uid: dsr does not use it).
pub fn pod(d: &Set, name: &str, node_name: &str, revision: &str) -> Value {
    let mut labels: serde_json::Map<String, Value> = d
        .template_labels
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    labels.insert("controller-revision-hash".into(), json!(revision));
    let since = "2024-03-01T11:00:00Z";
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": d.namespace,
            "creationTimestamp": since,
            "labels": labels,
            "ownerReferences": [{
                "apiVersion": "apps/v1",
                "kind": "DaemonSet",
                "name": d.name,
                "uid": set_uid(d),
                "controller": true,
                "blockOwnerDeletion": true
            }]
        },
        "spec": { "nodeName": node_name },
        "status": {
            "phase": "Running",
            "conditions": [{ "type": "Ready", "status": "True", "lastTransitionTime": since }]
        }
    })
}

/// Path of a benchmark cluster in the repository's data copies.
pub fn bench_path(file: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data/bench")
        .join(file)
}

/// An engine large enough for the 5k-node benchmark cluster in its steady state (a
/// pod on every eligible node).
pub type BenchEngine =
    dsr_core::Engine<8192, 64, { 1 << 18 }, { 1 << 19 }, { 8 << 20 }, { 1 << 21 }, 16384>;

/// Runs `f` on a thread whose stack holds a `BenchEngine` comfortably.
pub fn on_big_stack<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    std::thread::Builder::new()
        .stack_size(4 * BenchEngine::footprint() + (16 << 20))
        .spawn(f)
        .expect("thread")
        .join()
        .expect("join")
}

/// Loads a cluster into an engine; panics on any error (test data is valid).
pub fn fill<
    const NODES: usize,
    const SETS: usize,
    const PODS: usize,
    const STRINGS: usize,
    const BYTES: usize,
    const LABELS: usize,
    const RULES: usize,
    const TAINTS: usize,
    const TERMS: usize,
    const BACKOFF: usize,
>(
    engine: &mut dsr_core::Engine<
        NODES,
        SETS,
        PODS,
        STRINGS,
        BYTES,
        LABELS,
        RULES,
        TAINTS,
        TERMS,
        BACKOFF,
    >,
    c: &Cluster,
) {
    for n in &c.nodes {
        engine
            .apply(&json(&n.object), &mut scratch())
            .expect("node");
    }
    for d in &c.sets {
        engine
            .apply(&json(&set_object(d)), &mut scratch())
            .expect("daemon set");
    }
}

/// When the steady-state pods were created and turned ready
/// (2024-03-01T11:00:00Z).
pub const STEADY_SINCE: dsr_core::Timestamp = dsr_core::Timestamp(1_709_290_800);

/// Gives every node that should run a DaemonSet's pod a running, ready pod of the
/// DaemonSet's current revision: the steady state a sync leaves nothing to do in.
/// Returns the number of pods added.
pub fn steady_state<
    const NODES: usize,
    const SETS: usize,
    const PODS: usize,
    const STRINGS: usize,
    const BYTES: usize,
    const LABELS: usize,
    const RULES: usize,
    const TAINTS: usize,
    const TERMS: usize,
    const BACKOFF: usize,
>(
    engine: &mut dsr_core::Engine<
        NODES,
        SETS,
        PODS,
        STRINGS,
        BYTES,
        LABELS,
        RULES,
        TAINTS,
        TERMS,
        BACKOFF,
    >,
    c: &Cluster,
) -> usize {
    let mut added = 0;
    for d in &c.sets {
        let set = engine
            .find_daemon_set(&d.namespace, &d.name)
            .expect("daemon set loaded");
        let nodes: Vec<(String, dsr_core::NodeId)> = engine
            .nodes()
            .map(|(id, n)| (engine.text(n.name).to_string(), id))
            .collect();
        for (node_name, node) in nodes {
            if !engine.should_run(set, node).expect("ids").should_run {
                continue;
            }
            let name = format!("{}-{}", d.name, node_name);
            let mut p = pod(d, &name, &node_name, REVISION);
            p["metadata"]["labels"]["pod-template-generation"] = json!("1");
            engine.apply(&json(&p), &mut scratch()).expect("pod");
            added += 1;
        }
    }
    added
}
