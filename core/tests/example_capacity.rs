//! The capacities `dsr capacity examples/cluster.json` prints (no headroom) are
//! enough for that cluster: the type below is the one the CLI prints (its test
//! `cli/tests/capacity.rs` reads this file and checks), and the cluster's nodes,
//! DaemonSets and pods load into it, filling it exactly.
//!
//! The loader here is narrow (serde_json only): it hands the core the same fields
//! the CLI's `convert` does, for the fields the core stores.

use dsr_core::input::{
    DaemonSetInput, IntOrStringInput, LabelInput, LabelSelectorInput, NodeInput,
    NodeSelectorTermInput, PodConditionInput, PodInput, RequirementInput, RollingUpdateInput,
    TaintInput, TolerationInput, UpdateStrategyInput,
};
use dsr_core::Timestamp;
use serde_json::Value;

/// What `dsr capacity examples/cluster.json` prints.
type ExampleEngine = dsr_core::Engine<17, 18, 251, 740, 18397, 1174, 39, 11, 5, 1>;

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

fn labels(v: &Value) -> Vec<LabelInput<'_>> {
    v.as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| LabelInput {
            key: k,
            value: s(v),
        })
        .collect()
}

fn list(v: &Value) -> &[Value] {
    v.as_array().map_or(&[], Vec::as_slice)
}

struct Req<'a> {
    key: &'a str,
    operator: &'a str,
    values: Vec<&'a str>,
}

fn reqs(v: &Value) -> Vec<Req<'_>> {
    list(v)
        .iter()
        .map(|r| Req {
            key: s(&r["key"]),
            operator: s(&r["operator"]),
            values: list(&r["values"]).iter().map(s).collect(),
        })
        .collect()
}

fn req_inputs<'a>(r: &'a [Req<'a>]) -> Vec<RequirementInput<'a>> {
    r.iter()
        .map(|r| RequirementInput {
            key: r.key,
            operator: r.operator,
            values: &r.values,
        })
        .collect()
}

/// A pod spec's required node-affinity terms, as (expressions, fields).
fn terms(spec: &Value) -> Option<Vec<(Vec<Req<'_>>, Vec<Req<'_>>)>> {
    let required =
        &spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"];
    if required.is_null() {
        return None;
    }
    Some(
        list(&required["nodeSelectorTerms"])
            .iter()
            .map(|t| (reqs(&t["matchExpressions"]), reqs(&t["matchFields"])))
            .collect(),
    )
}

/// Lends the core's term inputs.
fn with_terms<R>(
    terms: &Option<Vec<(Vec<Req<'_>>, Vec<Req<'_>>)>>,
    f: impl FnOnce(Option<&[NodeSelectorTermInput<'_>]>) -> R,
) -> R {
    let lists: Vec<(Vec<RequirementInput<'_>>, Vec<RequirementInput<'_>>)> = terms
        .iter()
        .flatten()
        .map(|(e, f)| (req_inputs(e), req_inputs(f)))
        .collect();
    let inputs: Vec<NodeSelectorTermInput<'_>> = lists
        .iter()
        .map(|(e, f)| NodeSelectorTermInput {
            match_expressions: e,
            match_fields: f,
        })
        .collect();
    f(terms.as_ref().map(|_| inputs.as_slice()))
}

fn int_or_string(v: &Value) -> Option<IntOrStringInput<'_>> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .and_then(|i| i32::try_from(i).ok())
            .map(IntOrStringInput::Int),
        Value::String(t) => Some(IntOrStringInput::String(t)),
        _ => None,
    }
}

fn time(v: &Value) -> Option<Timestamp> {
    v.as_str().and_then(Timestamp::parse_rfc3339)
}

/// The DaemonSet's current revision hash as the CLI reads it: its
/// `dsr.io/current-revision` annotation, else the newest ControllerRevision it
/// controls.
fn revision_hash<'a>(ds: &'a Value, items: &'a [Value]) -> &'a str {
    let meta = &ds["metadata"];
    if let Some(h) = meta["annotations"]["dsr.io/current-revision"].as_str() {
        return h;
    }
    items
        .iter()
        .filter(|i| i["kind"] == "ControllerRevision")
        .filter(|r| r["metadata"]["namespace"] == meta["namespace"])
        .filter(|r| {
            list(&r["metadata"]["ownerReferences"])
                .iter()
                .any(|o| o["controller"] == true && o["uid"] == meta["uid"])
        })
        .max_by_key(|r| r["revision"].as_i64())
        .and_then(|r| r["metadata"]["labels"]["controller-revision-hash"].as_str())
        .unwrap_or("")
}

#[test]
fn the_example_cluster_fills_the_capacities_dsr_capacity_prints() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/cluster.json");
    let dump: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let items = list(&dump["items"]);
    let mut engine = ExampleEngine::new();
    for n in items.iter().filter(|i| i["kind"] == "Node") {
        let l = labels(&n["metadata"]["labels"]);
        let taints: Vec<TaintInput<'_>> = list(&n["spec"]["taints"])
            .iter()
            .map(|t| TaintInput {
                key: s(&t["key"]),
                value: s(&t["value"]),
                effect: s(&t["effect"]),
            })
            .collect();
        engine
            .add_node(&NodeInput {
                name: s(&n["metadata"]["name"]),
                labels: &l,
                taints: &taints,
                unschedulable: n["spec"]["unschedulable"].as_bool().unwrap_or(false),
            })
            .unwrap();
    }
    for d in items.iter().filter(|i| i["kind"] == "DaemonSet") {
        let meta = &d["metadata"];
        let spec = &d["spec"];
        let pod = &spec["template"]["spec"];
        let match_labels = labels(&spec["selector"]["matchLabels"]);
        let expressions = reqs(&spec["selector"]["matchExpressions"]);
        let expressions = req_inputs(&expressions);
        let template_labels = labels(&spec["template"]["metadata"]["labels"]);
        let node_selector = labels(&pod["nodeSelector"]);
        let tolerations: Vec<TolerationInput<'_>> = list(&pod["tolerations"])
            .iter()
            .map(|t| TolerationInput {
                key: s(&t["key"]),
                operator: s(&t["operator"]),
                value: s(&t["value"]),
                effect: s(&t["effect"]),
                toleration_seconds: t["tolerationSeconds"].as_i64(),
            })
            .collect();
        let strategy = &spec["updateStrategy"];
        let namespace = meta["namespace"].as_str().unwrap_or("default");
        let terms = terms(pod);
        with_terms(&terms, |terms| {
            engine
                .add_daemon_set(&DaemonSetInput {
                    name: s(&meta["name"]),
                    namespace,
                    uid: s(&meta["uid"]),
                    selector: Some(LabelSelectorInput {
                        match_labels: &match_labels,
                        match_expressions: &expressions,
                    }),
                    template_labels: &template_labels,
                    node_selector: &node_selector,
                    required_node_affinity: terms,
                    tolerations: &tolerations,
                    node_name: s(&pod["nodeName"]),
                    host_network: pod["hostNetwork"].as_bool().unwrap_or(false),
                    generation: meta["generation"].as_i64().unwrap_or(0),
                    observed_generation: d["status"]["observedGeneration"].as_i64().unwrap_or(0),
                    update_strategy: UpdateStrategyInput {
                        type_: s(&strategy["type"]),
                        rolling_update: strategy.get("rollingUpdate").map(|r| RollingUpdateInput {
                            max_unavailable: int_or_string(&r["maxUnavailable"]),
                            max_surge: int_or_string(&r["maxSurge"]),
                        }),
                    },
                    min_ready_seconds: spec["minReadySeconds"].as_i64().unwrap_or(0) as i32,
                    revision_hash: revision_hash(d, items),
                    template_generation: meta["annotations"]
                        ["deprecated.daemonset.template.generation"]
                        .as_str(),
                    ..Default::default()
                })
                .unwrap()
        });
    }
    for p in items.iter().filter(|i| i["kind"] == "Pod") {
        let meta = &p["metadata"];
        let l = labels(&meta["labels"]);
        let controller_ref = list(&meta["ownerReferences"])
            .iter()
            .find(|o| o["controller"] == true);
        let controller = controller_ref.map(|o| s(&o["uid"]));
        let ready = list(&p["status"]["conditions"])
            .iter()
            .find(|c| c["type"] == "Ready")
            .map(|c| PodConditionInput {
                status: s(&c["status"]),
                last_transition_time: time(&c["lastTransitionTime"]),
            });
        let terms = terms(&p["spec"]);
        with_terms(&terms, |terms| {
            engine
                .add_pod(&PodInput {
                    name: s(&meta["name"]),
                    namespace: meta["namespace"].as_str().unwrap_or("default"),
                    uid: s(&meta["uid"]),
                    labels: &l,
                    controller_uid: controller,
                    controller_kind: controller_ref.map_or("", |o| s(&o["kind"])),
                    controller_name: controller_ref.map_or("", |o| s(&o["name"])),
                    node_name: s(&p["spec"]["nodeName"]),
                    required_node_affinity: terms,
                    phase: s(&p["status"]["phase"]),
                    ready,
                    deleting: !meta["deletionTimestamp"].is_null(),
                    creation_timestamp: time(&meta["creationTimestamp"]).unwrap_or_default(),
                })
                .unwrap()
        });
    }
    // Filled exactly: the capacities are the smallest that hold the cluster
    // (backoff, empty after loading, is 1: a capacity is never 0).
    let mut used = engine.usage().capacities();
    used.backoff = used.backoff.max(1);
    assert_eq!(used, ExampleEngine::capacities());
}
