//! Test and benchmark support: loads a benchmark cluster (`{"nodes": [...],
//! "daemonSets": [...]}` as made by `tests/data/bench/gen_cluster.py`) into core
//! inputs. Host-only and deliberately narrow: the CLI owns the full Kubernetes loader.

#![allow(dead_code)]

use dsr_core::input::{
    DaemonSetInput, LabelInput, LabelSelectorInput, NodeInput, NodeSelectorTermInput,
    RequirementInput, TaintInput, TolerationInput,
};
use serde_json::Value;

/// Owned strings of one cluster, from which borrowed inputs are made.
pub struct Cluster {
    pub nodes: Vec<OwnedNode>,
    pub sets: Vec<OwnedSet>,
}

pub struct OwnedNode {
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub taints: Vec<(String, String, String)>,
}

pub struct OwnedReq {
    pub key: String,
    pub operator: String,
    pub values: Vec<String>,
}

pub struct OwnedSet {
    pub name: String,
    pub namespace: String,
    pub match_labels: Vec<(String, String)>,
    pub template_labels: Vec<(String, String)>,
    pub node_selector: Vec<(String, String)>,
    pub terms: Option<Vec<(Vec<OwnedReq>, Vec<OwnedReq>)>>,
    pub tolerations: Vec<(String, String, String, String, Option<i64>)>,
    pub host_network: bool,
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or("").to_string()
}

fn map(v: &Value) -> Vec<(String, String)> {
    v.as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), s(v))).collect())
        .unwrap_or_default()
}

fn reqs(v: &Value) -> Vec<OwnedReq> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|r| OwnedReq {
                    key: s(&r["key"]),
                    operator: s(&r["operator"]),
                    values: r["values"]
                        .as_array()
                        .map(|v| v.iter().map(s).collect())
                        .unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A `v1` Node object.
pub fn parse_node(n: &Value) -> OwnedNode {
    OwnedNode {
        name: s(&n["metadata"]["name"]),
        labels: map(&n["metadata"]["labels"]),
        taints: n["spec"]["taints"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|t| (s(&t["key"]), s(&t["value"]), s(&t["effect"])))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// An `apps/v1` DaemonSet object.
pub fn parse_set(d: &Value) -> OwnedSet {
    let spec = &d["spec"]["template"]["spec"];
    let required =
        &spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"];
    OwnedSet {
        name: s(&d["metadata"]["name"]),
        namespace: s(&d["metadata"]["namespace"]),
        match_labels: map(&d["spec"]["selector"]["matchLabels"]),
        template_labels: map(&d["spec"]["template"]["metadata"]["labels"]),
        node_selector: map(&spec["nodeSelector"]),
        terms: required.is_object().then(|| {
            required["nodeSelectorTerms"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|t| (reqs(&t["matchExpressions"]), reqs(&t["matchFields"])))
                        .collect()
                })
                .unwrap_or_default()
        }),
        tolerations: spec["tolerations"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|t| {
                        (
                            s(&t["key"]),
                            s(&t["operator"]),
                            s(&t["value"]),
                            s(&t["effect"]),
                            t["tolerationSeconds"].as_i64(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        host_network: spec["hostNetwork"].as_bool().unwrap_or(false),
    }
}

/// Reads a benchmark cluster file.
pub fn load(path: &std::path::Path) -> Cluster {
    let text = std::fs::read_to_string(path).expect("cluster file");
    let v: Value = serde_json::from_str(&text).expect("cluster JSON");
    let nodes = v["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(parse_node)
        .collect();
    let sets = v["daemonSets"]
        .as_array()
        .expect("daemonSets")
        .iter()
        .map(parse_set)
        .collect();
    Cluster { nodes, sets }
}

fn labels(v: &[(String, String)]) -> Vec<LabelInput<'_>> {
    v.iter()
        .map(|(k, v)| LabelInput { key: k, value: v })
        .collect()
}

/// Calls `f` with the node's input.
pub fn with_node<R>(n: &OwnedNode, f: impl FnOnce(&NodeInput<'_>) -> R) -> R {
    let l = labels(&n.labels);
    let t: Vec<TaintInput<'_>> = n
        .taints
        .iter()
        .map(|(k, v, e)| TaintInput {
            key: k,
            value: v,
            effect: e,
        })
        .collect();
    f(&NodeInput {
        name: &n.name,
        labels: &l,
        taints: &t,
        unschedulable: false,
    })
}

/// Calls `f` with the DaemonSet's input.
// Fields the bench clusters do not set keep their defaults as the input grows.
#[allow(clippy::needless_update)]
pub fn with_set<R>(d: &OwnedSet, f: impl FnOnce(&DaemonSetInput<'_>) -> R) -> R {
    with_set_at(d, REVISION, "1", f)
}

/// Calls `f` with the DaemonSet's input at a revision (hash and template
/// generation).
// Fields the bench clusters do not set keep their defaults as the input grows.
#[allow(clippy::needless_update)]
pub fn with_set_at<R>(
    d: &OwnedSet,
    revision: &str,
    generation: &str,
    f: impl FnOnce(&DaemonSetInput<'_>) -> R,
) -> R {
    let ml = labels(&d.match_labels);
    let tl = labels(&d.template_labels);
    let ns = labels(&d.node_selector);
    let values: Vec<Vec<Vec<&str>>> = d
        .terms
        .iter()
        .flatten()
        .map(|(e, f)| {
            e.iter()
                .chain(f.iter())
                .map(|r| r.values.iter().map(String::as_str).collect())
                .collect()
        })
        .collect();
    let req_inputs: Vec<(Vec<RequirementInput<'_>>, Vec<RequirementInput<'_>>)> = d
        .terms
        .iter()
        .flatten()
        .zip(values.iter())
        .map(|((e, f), vals)| {
            let mut inputs =
                e.iter()
                    .chain(f.iter())
                    .zip(vals.iter())
                    .map(|(r, v)| RequirementInput {
                        key: &r.key,
                        operator: &r.operator,
                        values: v.as_slice(),
                    });
            let e: Vec<_> = inputs.by_ref().take(e.len()).collect();
            let f: Vec<_> = inputs.collect();
            (e, f)
        })
        .collect();
    let terms: Vec<NodeSelectorTermInput<'_>> = req_inputs
        .iter()
        .map(|(e, f)| NodeSelectorTermInput {
            match_expressions: e,
            match_fields: f,
        })
        .collect();
    let tols: Vec<TolerationInput<'_>> = d
        .tolerations
        .iter()
        .map(|(k, o, v, e, secs)| TolerationInput {
            key: k,
            operator: o,
            value: v,
            effect: e,
            toleration_seconds: *secs,
        })
        .collect();
    let uid = set_uid(d);
    f(&DaemonSetInput {
        name: &d.name,
        namespace: &d.namespace,
        uid: &uid,
        selector: Some(LabelSelectorInput {
            match_labels: &ml,
            match_expressions: &[],
        }),
        template_labels: &tl,
        node_selector: &ns,
        required_node_affinity: d.terms.as_ref().map(|_| terms.as_slice()),
        tolerations: &tols,
        node_name: "",
        host_network: d.host_network,
        generation: 1,
        observed_generation: 1,
        revision_hash: revision,
        template_generation: Some(generation),
        ..Default::default()
    })
}

/// The revision every bench DaemonSet is at.
pub const REVISION: &str = "rev-1";

/// A DaemonSet's uid in the bench clusters: 36 characters like a real one, derived
/// from its namespace and name.
pub fn set_uid(d: &OwnedSet) -> String {
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

/// Loads a cluster into an engine; panics on any core error (test data is valid).
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
        with_node(n, |i| engine.add_node(i)).expect("node");
    }
    for d in &c.sets {
        with_set(d, |i| engine.add_daemon_set(i)).expect("daemon set");
    }
}

/// When the steady-state pods were created and turned ready.
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
    use dsr_core::input::{PodConditionInput, PodInput};
    let mut added = 0;
    for d in &c.sets {
        let set = engine
            .find_daemon_set(&d.namespace, &d.name)
            .expect("daemon set loaded");
        let uid = set_uid(d);
        let mut labels: Vec<(String, String)> = d.template_labels.clone();
        labels.push(("controller-revision-hash".into(), REVISION.into()));
        labels.push(("pod-template-generation".into(), "1".into()));
        let labels = self::labels(&labels);
        let nodes: Vec<(String, dsr_core::NodeId)> = engine
            .nodes()
            .map(|(id, n)| (engine.text(n.name).to_string(), id))
            .collect();
        for (node_name, node) in nodes {
            if !engine.should_run(set, node).expect("ids").should_run {
                continue;
            }
            let name = format!("{}-{}", d.name, node_name);
            engine
                .add_pod(&PodInput {
                    name: &name,
                    namespace: &d.namespace,
                    labels: &labels,
                    controller_uid: Some(&uid),
                    controller_kind: "DaemonSet",
                    controller_name: &d.name,
                    node_name: &node_name,
                    phase: "Running",
                    ready: Some(PodConditionInput {
                        status: "True",
                        last_transition_time: Some(STEADY_SINCE),
                    }),
                    creation_timestamp: STEADY_SINCE,
                    ..Default::default()
                })
                .expect("pod");
            added += 1;
        }
    }
    added
}
