//! The test oracle: Kubernetes objects as k8s-openapi types → the core's typed
//! inputs, field by field, written independently of the core's JSON decoder
//! (this was the CLI's loader before every command loaded through
//! `Engine::apply`). `cli/tests/json_apply.rs` checks that both give the engine
//! the same answers.
//!
//! The core's inputs hold slices (`&[LabelInput]`, `&[RequirementInput]` whose
//! values are `&[&str]`, …), so the lists they point into must live somewhere. A
//! `*Parts` struct borrows every string from its Kubernetes object and owns the
//! flat lists; `input()` (or `with_input()`, for inputs nested two slices deep)
//! lends a core input built over them. Nothing here decides anything: absent
//! fields become `""`, `None` or empty slices, exactly as the core documents.

#![allow(dead_code)]

use std::collections::BTreeMap;

use dsr_core::input::{
    ContainerInput, DaemonSetInput, IntOrStringInput, LabelInput, LabelSelectorInput, NodeInput,
    NodeSelectorTermInput, PodConditionInput, PodInput, RequirementInput, RollingUpdateInput,
    TaintInput, TolerationInput, UpdateStrategyInput,
};
use dsr_core::Timestamp;
use k8s_openapi::api::apps::v1::{ControllerRevision, DaemonSet};
use k8s_openapi::api::core::v1::{
    Node, NodeSelector, NodeSelectorRequirement, Pod, PodSpec, Taint, Toleration,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    LabelSelector, ObjectMeta, OwnerReference, Time,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// The annotation the conformance vectors carry the current revision hash in (it
/// stands in for the ControllerRevision objects they do not carry).
pub const REVISION_ANNOTATION: &str = "dsr.io/current-revision";

/// The annotation the DaemonSet controller keeps the template generation in.
pub const TEMPLATE_GENERATION_ANNOTATION: &str = "deprecated.daemonset.template.generation";

/// The label a ControllerRevision (and each pod made from it) carries its hash in.
pub const REVISION_HASH_LABEL: &str = dsr_core::pod::REVISION_HASH_LABEL;

fn s(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("")
}

/// A label map as label inputs (in key order, as `BTreeMap` keeps them).
pub fn labels(map: Option<&BTreeMap<String, String>>) -> Vec<LabelInput<'_>> {
    map.into_iter()
        .flatten()
        .map(|(key, value)| LabelInput { key, value })
        .collect()
}

/// A taint as a core input.
pub fn taint(t: &Taint) -> TaintInput<'_> {
    TaintInput {
        key: &t.key,
        value: s(&t.value),
        effect: &t.effect,
    }
}

/// A toleration as a core input.
pub fn toleration(t: &Toleration) -> TolerationInput<'_> {
    TolerationInput {
        key: s(&t.key),
        operator: s(&t.operator),
        value: s(&t.value),
        effect: s(&t.effect),
        toleration_seconds: t.toleration_seconds,
    }
}

/// A `metav1.Time` as the core's whole seconds since the epoch (a fraction is
/// dropped, rounding down, as `Timestamp::parse_rfc3339` does).
pub fn timestamp(t: &Time) -> Timestamp {
    let secs = t.0.as_second();
    Timestamp(if t.0.subsec_nanosecond() < 0 {
        secs - 1
    } else {
        secs
    })
}

/// The `uid` of an object's controller owner reference (`controller: true`), if any.
pub fn controller_uid(meta: &ObjectMeta) -> Option<&str> {
    controller_ref(meta).map(|r| r.uid.as_str())
}

/// An object's controller owner reference (`controller: true`), if any.
fn controller_ref(meta: &ObjectMeta) -> Option<&OwnerReference> {
    meta.owner_references
        .iter()
        .flatten()
        .find(|r| r.controller == Some(true))
}

fn annotation<'a>(meta: &'a ObjectMeta, key: &str) -> Option<&'a str> {
    meta.annotations
        .as_ref()
        .and_then(|a| a.get(key))
        .map(String::as_str)
}

/// Where a DaemonSet's current revision hash came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevisionSource {
    /// The `dsr.io/current-revision` annotation.
    Annotation,
    /// The newest ControllerRevision the DaemonSet controls.
    ControllerRevision,
    /// Neither: pods are judged by template generation only.
    None,
}

impl RevisionSource {
    /// The name `dsr plan -o json` prints.
    pub fn name(self) -> &'static str {
        match self {
            RevisionSource::Annotation => "annotation",
            RevisionSource::ControllerRevision => "controllerRevision",
            RevisionSource::None => "none",
        }
    }
}

/// The hash of a DaemonSet's current revision, as `dsr` reads it:
///
/// 1. its `dsr.io/current-revision` annotation, when present (the conformance
///    vectors' convention);
/// 2. else, of the `ControllerRevision`s in `revisions` whose controller owner
///    reference is the DaemonSet (by `uid`, in its namespace), the one with the
///    highest `revision`: its `controller-revision-hash` label (the controller
///    renumbers the revision matching the template to the highest, so this is the
///    current one once the controller has synced the template);
/// 3. else `""`: pods are then judged up to date by template generation only.
pub fn current_revision_hash<'a>(
    ds: &'a DaemonSet,
    revisions: &'a [ControllerRevision],
) -> (&'a str, RevisionSource) {
    if let Some(hash) = annotation(&ds.metadata, REVISION_ANNOTATION) {
        return (hash, RevisionSource::Annotation);
    }
    let Some(uid) = ds.metadata.uid.as_deref().filter(|u| !u.is_empty()) else {
        return ("", RevisionSource::None);
    };
    revisions
        .iter()
        .filter(|r| r.metadata.namespace == ds.metadata.namespace)
        .filter(|r| controller_uid(&r.metadata) == Some(uid))
        .max_by_key(|r| r.revision)
        .and_then(|r| r.metadata.labels.as_ref())
        .and_then(|l| l.get(REVISION_HASH_LABEL))
        .map_or(("", RevisionSource::None), |h| {
            (h.as_str(), RevisionSource::ControllerRevision)
        })
}

fn int_or_string(v: &IntOrString) -> IntOrStringInput<'_> {
    match v {
        IntOrString::Int(i) => IntOrStringInput::Int(*i),
        IntOrString::String(s) => IntOrStringInput::String(s),
    }
}

/// A node's parts.
#[derive(Debug, Clone)]
pub struct NodeParts<'a> {
    name: &'a str,
    labels: Vec<LabelInput<'a>>,
    taints: Vec<TaintInput<'a>>,
    unschedulable: bool,
}

impl<'a> NodeParts<'a> {
    /// Borrows a node's name, labels, taints and `spec.unschedulable`. A node
    /// without a name gets `""`.
    pub fn new(node: &'a Node) -> Self {
        let spec = node.spec.as_ref();
        NodeParts {
            name: s(&node.metadata.name),
            labels: labels(node.metadata.labels.as_ref()),
            taints: spec
                .and_then(|s| s.taints.as_ref())
                .into_iter()
                .flatten()
                .map(taint)
                .collect(),
            unschedulable: spec.and_then(|s| s.unschedulable).unwrap_or(false),
        }
    }

    /// The node's name (`""` when it has none).
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// The core input.
    pub fn input(&self) -> NodeInput<'_> {
        NodeInput {
            name: self.name,
            labels: &self.labels,
            taints: &self.taints,
            unschedulable: self.unschedulable,
        }
    }
}

/// A requirement with its values gathered in a list.
#[derive(Debug, Clone)]
struct RequirementParts<'a> {
    key: &'a str,
    operator: &'a str,
    values: Vec<&'a str>,
}

impl<'a> RequirementParts<'a> {
    fn new(key: &'a str, operator: &'a str, values: Option<&'a Vec<String>>) -> Self {
        RequirementParts {
            key,
            operator,
            values: values.into_iter().flatten().map(String::as_str).collect(),
        }
    }

    fn node(r: &'a NodeSelectorRequirement) -> Self {
        Self::new(&r.key, &r.operator, r.values.as_ref())
    }

    fn input(&self) -> RequirementInput<'_> {
        RequirementInput {
            key: self.key,
            operator: self.operator,
            values: &self.values,
        }
    }
}

/// A `metav1.LabelSelector`'s parts.
#[derive(Debug, Clone, Default)]
pub struct SelectorParts<'a> {
    match_labels: Vec<LabelInput<'a>>,
    match_expressions: Vec<RequirementParts<'a>>,
}

impl<'a> SelectorParts<'a> {
    /// Borrows a label selector.
    pub fn new(sel: &'a LabelSelector) -> Self {
        SelectorParts {
            match_labels: labels(sel.match_labels.as_ref()),
            match_expressions: sel
                .match_expressions
                .iter()
                .flatten()
                .map(|r| RequirementParts::new(&r.key, &r.operator, r.values.as_ref()))
                .collect(),
        }
    }
}

/// A node-selector term's parts.
#[derive(Debug, Clone, Default)]
struct TermParts<'a> {
    match_expressions: Vec<RequirementParts<'a>>,
    match_fields: Vec<RequirementParts<'a>>,
}

impl<'a> TermParts<'a> {
    /// The terms of a required node affinity, `None` when there is none.
    fn required(spec: Option<&'a PodSpec>) -> Option<Vec<TermParts<'a>>> {
        let required: Option<&NodeSelector> = spec
            .and_then(|s| s.affinity.as_ref())
            .and_then(|a| a.node_affinity.as_ref())
            .and_then(|n| {
                n.required_during_scheduling_ignored_during_execution
                    .as_ref()
            });
        required.map(|r| {
            r.node_selector_terms
                .iter()
                .map(|t| TermParts {
                    match_expressions: t
                        .match_expressions
                        .iter()
                        .flatten()
                        .map(RequirementParts::node)
                        .collect(),
                    match_fields: t
                        .match_fields
                        .iter()
                        .flatten()
                        .map(RequirementParts::node)
                        .collect(),
                })
                .collect()
        })
    }
}

/// Lends the core's term inputs over `terms` to `f` (`None` stays `None`).
fn with_terms<R>(
    terms: Option<&Vec<TermParts<'_>>>,
    f: impl FnOnce(Option<&[NodeSelectorTermInput<'_>]>) -> R,
) -> R {
    let term_lists: Vec<(Vec<RequirementInput<'_>>, Vec<RequirementInput<'_>>)> = terms
        .into_iter()
        .flatten()
        .map(|t| {
            (
                t.match_expressions
                    .iter()
                    .map(RequirementParts::input)
                    .collect(),
                t.match_fields.iter().map(RequirementParts::input).collect(),
            )
        })
        .collect();
    let inputs: Vec<NodeSelectorTermInput<'_>> = term_lists
        .iter()
        .map(|(e, f)| NodeSelectorTermInput {
            match_expressions: e,
            match_fields: f,
        })
        .collect();
    f(terms.map(|_| inputs.as_slice()))
}

/// `spec.updateStrategy`'s parts.
#[derive(Debug, Clone, Copy, Default)]
struct StrategyParts<'a> {
    type_: &'a str,
    rolling_update: Option<RollingUpdateInput<'a>>,
}

/// The placement-relevant parts of a DaemonSet (or of a pod, for the
/// `requiredNodeAffinity` vectors, whose pod spec is read the same way).
#[derive(Debug, Clone, Default)]
pub struct DaemonSetParts<'a> {
    name: &'a str,
    namespace: &'a str,
    uid: &'a str,
    selector: Option<SelectorParts<'a>>,
    template_labels: Vec<LabelInput<'a>>,
    node_selector: Vec<LabelInput<'a>>,
    /// `None` without required node affinity; `Some(vec![])` for a `null` or empty
    /// `nodeSelectorTerms`.
    affinity: Option<Vec<TermParts<'a>>>,
    tolerations: Vec<TolerationInput<'a>>,
    node_name: &'a str,
    host_network: bool,
    generation: i64,
    observed_generation: i64,
    deleting: bool,
    update_strategy: StrategyParts<'a>,
    min_ready_seconds: i32,
    revision_hash: &'a str,
    template_generation: Option<&'a str>,
    restart_policy: &'a str,
    active_deadline_seconds: Option<i64>,
    revision_history_limit: Option<i32>,
    containers: Vec<ContainerInput<'a>>,
}

impl<'a> DaemonSetParts<'a> {
    /// Borrows a DaemonSet's metadata, selector, pod template, update strategy and
    /// status. The current revision hash is the `dsr.io/current-revision`
    /// annotation, `""` without it (see [`current_revision_hash`] and
    /// [`Self::with_revision_hash`] for dumps with ControllerRevisions).
    ///
    /// k8s-openapi reads an absent `spec` or `spec.selector` as empty (both are
    /// required fields), so a DaemonSet without a selector has an empty one here, which
    /// selects everything, where the API server would have refused the object.
    pub fn new(ds: &'a DaemonSet) -> Self {
        let template = &ds.spec.template;
        let mut parts = Self::from_pod_spec(&ds.metadata, template.spec.as_ref());
        parts.selector = Some(SelectorParts::new(&ds.spec.selector));
        parts.template_labels = labels(template.metadata.as_ref().and_then(|m| m.labels.as_ref()));
        let meta = &ds.metadata;
        parts.generation = meta.generation.unwrap_or(0);
        parts.observed_generation = ds
            .status
            .as_ref()
            .and_then(|s| s.observed_generation)
            .unwrap_or(0);
        parts.deleting = meta.deletion_timestamp.is_some();
        parts.update_strategy = ds
            .spec
            .update_strategy
            .as_ref()
            .map(|u| StrategyParts {
                type_: s(&u.type_),
                rolling_update: u.rolling_update.as_ref().map(|r| RollingUpdateInput {
                    max_unavailable: r.max_unavailable.as_ref().map(int_or_string),
                    max_surge: r.max_surge.as_ref().map(int_or_string),
                }),
            })
            .unwrap_or_default();
        parts.min_ready_seconds = ds.spec.min_ready_seconds.unwrap_or(0);
        parts.revision_history_limit = ds.spec.revision_history_limit;
        parts.revision_hash = annotation(meta, REVISION_ANNOTATION).unwrap_or("");
        parts.template_generation = annotation(meta, TEMPLATE_GENERATION_ANNOTATION);
        parts
    }

    /// Sets the current revision hash (see [`current_revision_hash`]).
    pub fn with_revision_hash(mut self, hash: &'a str) -> Self {
        self.revision_hash = hash;
        self
    }

    /// Borrows the placement fields of a pod spec (`nodeSelector`, required node
    /// affinity, tolerations, `nodeName`, `hostNetwork`), with the name, namespace
    /// and uid of `meta`. The selector is nil.
    pub fn from_pod_spec(meta: &'a ObjectMeta, spec: Option<&'a PodSpec>) -> Self {
        DaemonSetParts {
            name: s(&meta.name),
            namespace: s(&meta.namespace),
            uid: s(&meta.uid),
            selector: None,
            template_labels: Vec::new(),
            node_selector: labels(spec.and_then(|s| s.node_selector.as_ref())),
            affinity: TermParts::required(spec),
            tolerations: spec
                .and_then(|s| s.tolerations.as_ref())
                .into_iter()
                .flatten()
                .map(toleration)
                .collect(),
            node_name: spec.map(|p| s(&p.node_name)).unwrap_or(""),
            host_network: spec.and_then(|s| s.host_network).unwrap_or(false),
            restart_policy: spec.map(|p| s(&p.restart_policy)).unwrap_or(""),
            active_deadline_seconds: spec.and_then(|p| p.active_deadline_seconds),
            containers: spec
                .into_iter()
                .flat_map(|p| &p.containers)
                .map(|c| ContainerInput { name: &c.name })
                .collect(),
            ..Default::default()
        }
    }

    /// Replaces the name and namespace (the vectors' objects often have none, and the
    /// engine keys DaemonSets by them).
    pub fn with_name(mut self, namespace: &'a str, name: &'a str) -> Self {
        self.namespace = namespace;
        self.name = name;
        self
    }

    /// Sets the selector (`None` for a nil selector).
    pub fn with_selector(mut self, selector: Option<SelectorParts<'a>>) -> Self {
        self.selector = selector;
        self
    }

    /// `namespace/name`, or `name` without a namespace.
    pub fn display_name(&self) -> String {
        if self.namespace.is_empty() {
            self.name.to_owned()
        } else {
            format!("{}/{}", self.namespace, self.name)
        }
    }

    /// Lends the core input to `f`. The requirement and term lists the input points
    /// into are built here, as they borrow from `self`.
    pub fn with_input<R>(&self, f: impl FnOnce(&DaemonSetInput<'_>) -> R) -> R {
        let selector_expressions: Vec<RequirementInput<'_>> = self
            .selector
            .iter()
            .flat_map(|s| &s.match_expressions)
            .map(RequirementParts::input)
            .collect();
        with_terms(self.affinity.as_ref(), |terms| {
            let input = DaemonSetInput {
                name: self.name,
                namespace: self.namespace,
                uid: self.uid,
                selector: self.selector.as_ref().map(|s| LabelSelectorInput {
                    match_labels: &s.match_labels,
                    match_expressions: &selector_expressions,
                }),
                template_labels: &self.template_labels,
                node_selector: &self.node_selector,
                required_node_affinity: terms,
                tolerations: &self.tolerations,
                node_name: self.node_name,
                host_network: self.host_network,
                generation: self.generation,
                observed_generation: self.observed_generation,
                deleting: self.deleting,
                update_strategy: UpdateStrategyInput {
                    type_: self.update_strategy.type_,
                    rolling_update: self.update_strategy.rolling_update,
                },
                min_ready_seconds: self.min_ready_seconds,
                revision_hash: self.revision_hash,
                template_generation: self.template_generation,
                restart_policy: self.restart_policy,
                active_deadline_seconds: self.active_deadline_seconds,
                revision_history_limit: self.revision_history_limit,
                containers: &self.containers,
            };
            f(&input)
        })
    }
}

/// What the DaemonSet controller reads of a pod.
#[derive(Debug, Clone)]
pub struct PodParts<'a> {
    name: &'a str,
    namespace: &'a str,
    uid: &'a str,
    labels: Vec<LabelInput<'a>>,
    controller_uid: Option<&'a str>,
    controller_kind: &'a str,
    controller_name: &'a str,
    node_name: &'a str,
    affinity: Option<Vec<TermParts<'a>>>,
    phase: &'a str,
    ready: Option<PodConditionInput<'a>>,
    deleting: bool,
    creation_timestamp: Timestamp,
}

impl<'a> PodParts<'a> {
    /// Borrows a pod's metadata (name, namespace, uid, labels, controller owner
    /// reference, deletion and creation times), `spec.nodeName`, its required node
    /// affinity (an unscheduled daemon pod names its node there), `status.phase` and
    /// its first `Ready` condition.
    pub fn new(pod: &'a Pod) -> Self {
        let meta = &pod.metadata;
        let spec = pod.spec.as_ref();
        let status = pod.status.as_ref();
        PodParts {
            name: s(&meta.name),
            namespace: s(&meta.namespace),
            uid: s(&meta.uid),
            labels: labels(meta.labels.as_ref()),
            controller_uid: controller_uid(meta),
            controller_kind: controller_ref(meta).map_or("", |r| r.kind.as_str()),
            controller_name: controller_ref(meta).map_or("", |r| r.name.as_str()),
            node_name: spec.map(|p| s(&p.node_name)).unwrap_or(""),
            affinity: TermParts::required(spec),
            phase: status.map(|st| s(&st.phase)).unwrap_or(""),
            ready: status
                .and_then(|st| st.conditions.as_ref())
                .into_iter()
                .flatten()
                .find(|c| c.type_ == "Ready")
                .map(|c| PodConditionInput {
                    status: &c.status,
                    last_transition_time: c.last_transition_time.as_ref().map(timestamp),
                }),
            deleting: meta.deletion_timestamp.is_some(),
            creation_timestamp: meta
                .creation_timestamp
                .as_ref()
                .map(timestamp)
                .unwrap_or_default(),
        }
    }

    /// `namespace/name`.
    pub fn display_name(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    /// Lends the core input to `f`.
    pub fn with_input<R>(&self, f: impl FnOnce(&PodInput<'_>) -> R) -> R {
        with_terms(self.affinity.as_ref(), |terms| {
            f(&PodInput {
                name: self.name,
                namespace: self.namespace,
                uid: self.uid,
                labels: &self.labels,
                controller_uid: self.controller_uid,
                controller_kind: self.controller_kind,
                controller_name: self.controller_name,
                node_name: self.node_name,
                required_node_affinity: terms,
                phase: self.phase,
                ready: self.ready,
                deleting: self.deleting,
                creation_timestamp: self.creation_timestamp,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ds(v: serde_json::Value) -> DaemonSet {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn a_daemon_set_maps_field_by_field() {
        let d = ds(json!({
            "metadata": {"name": "agent", "namespace": "kube-system", "uid": "u1"},
            "spec": {
                "selector": {"matchLabels": {"app": "agent"},
                             "matchExpressions": [{"key": "tier", "operator": "In", "values": ["a", "b"]}]},
                "template": {
                    "metadata": {"labels": {"app": "agent", "tier": "a"}},
                    "spec": {
                        "nodeSelector": {"kubernetes.io/os": "linux"},
                        "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                            "nodeSelectorTerms": [
                                {"matchExpressions": [{"key": "zone", "operator": "Exists"}]},
                                {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n1"]}]}
                            ]}}},
                        "tolerations": [{"operator": "Exists"}, {"key": "k", "value": "v", "effect": "NoExecute", "tolerationSeconds": 30}],
                        "nodeName": "n1",
                        "hostNetwork": true,
                        "containers": []
                    }
                }
            }
        }));
        let parts = DaemonSetParts::new(&d);
        assert_eq!(parts.display_name(), "kube-system/agent");
        parts.with_input(|i| {
            assert_eq!((i.name, i.namespace, i.uid), ("agent", "kube-system", "u1"));
            let sel = i.selector.unwrap();
            assert_eq!(
                sel.match_labels,
                &[LabelInput {
                    key: "app",
                    value: "agent"
                }]
            );
            assert_eq!(sel.match_expressions[0].values, &["a", "b"]);
            assert_eq!(i.template_labels.len(), 2);
            assert_eq!(
                i.node_selector,
                &[LabelInput {
                    key: "kubernetes.io/os",
                    value: "linux"
                }]
            );
            let terms = i.required_node_affinity.unwrap();
            assert_eq!(terms.len(), 2);
            assert_eq!(terms[0].match_expressions[0].operator, "Exists");
            assert!(terms[0].match_expressions[0].values.is_empty());
            assert_eq!(terms[1].match_fields[0].values, &["n1"]);
            assert_eq!(
                i.tolerations[0],
                TolerationInput {
                    operator: "Exists",
                    ..Default::default()
                }
            );
            assert_eq!(i.tolerations[1].toleration_seconds, Some(30));
            assert_eq!(i.node_name, "n1");
            assert!(i.host_network);
        });
    }

    #[test]
    fn affinity_absent_null_and_empty_are_told_apart() {
        let cases = [
            (json!({}), None),
            (json!({"affinity": {"nodeAffinity": {}}}), None),
            (
                json!({"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": null}}}}),
                Some(0),
            ),
            (
                json!({"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{}]}}}}),
                Some(1),
            ),
        ];
        let meta = ObjectMeta::default();
        for (spec, want) in cases {
            let spec: PodSpec = serde_json::from_value(spec).unwrap();
            DaemonSetParts::from_pod_spec(&meta, Some(&spec))
                .with_input(|i| assert_eq!(i.required_node_affinity.map(<[_]>::len), want));
        }
    }

    #[test]
    fn sync_fields_of_a_daemon_set() {
        let d = ds(json!({
            "metadata": {"name": "agent", "namespace": "kube-system", "uid": "u1", "generation": 4,
                         "deletionTimestamp": "2024-03-01T11:00:00Z",
                         "annotations": {"deprecated.daemonset.template.generation": "3",
                                         "dsr.io/current-revision": "5d4f8b7c9"}},
            "spec": {"selector": {}, "template": {}, "minReadySeconds": 10,
                     "updateStrategy": {"type": "RollingUpdate",
                                        "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": 0}}},
            "status": {"observedGeneration": 3}
        }));
        DaemonSetParts::new(&d).with_input(|i| {
            assert_eq!((i.generation, i.observed_generation), (4, 3));
            assert!(i.deleting);
            assert_eq!(i.min_ready_seconds, 10);
            assert_eq!(i.update_strategy.type_, "RollingUpdate");
            let r = i.update_strategy.rolling_update.unwrap();
            assert_eq!(r.max_unavailable, Some(IntOrStringInput::String("25%")));
            assert_eq!(r.max_surge, Some(IntOrStringInput::Int(0)));
            assert_eq!(i.revision_hash, "5d4f8b7c9");
            assert_eq!(i.template_generation, Some("3"));
        });
        let bare = ds(json!({"metadata": {"name": "b"}, "spec": {"selector": {}, "template": {}}}));
        DaemonSetParts::new(&bare).with_input(|i| {
            assert_eq!(
                (i.generation, i.observed_generation, i.deleting),
                (0, 0, false)
            );
            assert_eq!(i.update_strategy, UpdateStrategyInput::default());
            assert_eq!((i.revision_hash, i.template_generation), ("", None));
        });
    }

    #[test]
    fn a_pod_maps_field_by_field() {
        let p: Pod = serde_json::from_value(json!({
            "metadata": {"name": "agent-x7k2p", "namespace": "kube-system", "uid": "p1",
                         "creationTimestamp": "2024-03-01T10:00:00Z",
                         "deletionTimestamp": "2024-03-01T11:00:00Z",
                         "labels": {"app": "agent", "controller-revision-hash": "5d4f8b7c9"},
                         "ownerReferences": [
                            {"apiVersion": "v1", "kind": "Node", "name": "n", "uid": "other"},
                            {"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "agent", "uid": "u1", "controller": true}]},
            "spec": {"containers": [],
                     "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n1"]}]}]}}}},
            "status": {"phase": "Running", "conditions": [
                {"type": "PodScheduled", "status": "True"},
                {"type": "Ready", "status": "True", "lastTransitionTime": "2024-03-01T10:00:30.5Z"}]}
        }))
        .unwrap();
        let parts = PodParts::new(&p);
        assert_eq!(parts.display_name(), "kube-system/agent-x7k2p");
        parts.with_input(|i| {
            assert_eq!(
                (i.name, i.namespace, i.uid),
                ("agent-x7k2p", "kube-system", "p1")
            );
            assert_eq!(i.labels.len(), 2);
            assert_eq!(
                (i.controller_uid, i.controller_kind, i.controller_name),
                (Some("u1"), "DaemonSet", "agent")
            );
            assert_eq!(i.node_name, "");
            let terms = i.required_node_affinity.unwrap();
            assert_eq!(terms[0].match_fields[0].values, &["n1"]);
            assert_eq!(i.phase, "Running");
            let ready = i.ready.unwrap();
            assert_eq!(ready.status, "True");
            let t = |s| Timestamp::parse_rfc3339(s).unwrap();
            assert_eq!(ready.last_transition_time, Some(t("2024-03-01T10:00:30Z")));
            assert!(i.deleting);
            assert_eq!(i.creation_timestamp, t("2024-03-01T10:00:00Z"));
        });
        let bare: Pod = serde_json::from_value(json!({"metadata": {"name": "p"}})).unwrap();
        PodParts::new(&bare).with_input(|i| {
            assert_eq!((i.node_name, i.phase, i.controller_uid), ("", "", None));
            assert!(i.ready.is_none() && i.required_node_affinity.is_none() && !i.deleting);
        });
    }

    #[test]
    fn the_current_revision_is_the_annotation_or_the_newest_owned_revision() {
        let rev = |name: &str, owner: &str, n: i64, hash: &str| -> ControllerRevision {
            serde_json::from_value(json!({
                "metadata": {"name": name, "namespace": "kube-system",
                             "labels": {"controller-revision-hash": hash},
                             "ownerReferences": [{"apiVersion": "apps/v1", "kind": "DaemonSet",
                                                  "name": "agent", "uid": owner, "controller": true}]},
                "revision": n
            }))
            .unwrap()
        };
        let revisions = [
            rev("agent-1", "u1", 1, "aaa"),
            rev("agent-3", "u1", 3, "ccc"),
            rev("other-9", "u2", 9, "zzz"),
            rev("agent-2", "u1", 2, "bbb"),
        ];
        let plain = ds(
            json!({"metadata": {"name": "agent", "namespace": "kube-system", "uid": "u1"},
                              "spec": {"selector": {}, "template": {}}}),
        );
        assert_eq!(
            current_revision_hash(&plain, &revisions),
            ("ccc", RevisionSource::ControllerRevision)
        );
        assert_eq!(
            current_revision_hash(&plain, &[]),
            ("", RevisionSource::None)
        );
        let annotated = ds(
            json!({"metadata": {"name": "agent", "namespace": "kube-system", "uid": "u1",
                                               "annotations": {"dsr.io/current-revision": "ann"}},
                                  "spec": {"selector": {}, "template": {}}}),
        );
        assert_eq!(
            current_revision_hash(&annotated, &revisions),
            ("ann", RevisionSource::Annotation)
        );
        let elsewhere = ds(
            json!({"metadata": {"name": "agent", "namespace": "default", "uid": "u1"},
                                  "spec": {"selector": {}, "template": {}}}),
        );
        assert_eq!(
            current_revision_hash(&elsewhere, &revisions).1,
            RevisionSource::None
        );
    }

    #[test]
    fn times_round_down_to_seconds() {
        let t = |s: &str| timestamp(&serde_json::from_value(json!(s)).unwrap());
        assert_eq!(t("1970-01-01T00:01:00.9Z"), Timestamp(60));
        assert_eq!(t("1969-12-31T23:59:59.5Z"), Timestamp(-1));
        assert_eq!(t("2024-03-01T12:00:00+01:00"), t("2024-03-01T11:00:00Z"));
    }

    #[test]
    fn a_node_without_name_or_spec() {
        let n: Node = serde_json::from_value(json!({"metadata": {}})).unwrap();
        let parts = NodeParts::new(&n);
        let i = parts.input();
        assert_eq!(i.name, "");
        assert!(i.taints.is_empty() && i.labels.is_empty() && !i.unschedulable);
    }
}
