//! Kubernetes objects (k8s-openapi types) → the core's borrowed inputs.
//!
//! The core's inputs hold slices (`&[LabelInput]`, `&[RequirementInput]` whose
//! values are `&[&str]`, …), so the lists they point into must live somewhere. A
//! `*Parts` struct borrows every string from its Kubernetes object and owns the
//! flat lists; `input()` (or `with_input()`, for inputs nested two slices deep)
//! lends a core input built over them. Nothing here decides anything: absent
//! fields become `""`, `None` or empty slices, exactly as the core documents.

use std::collections::BTreeMap;

use dsr_core::input::{
    DaemonSetInput, LabelInput, LabelSelectorInput, NodeInput, NodeSelectorTermInput,
    RequirementInput, TaintInput, TolerationInput,
};
use k8s_openapi::api::apps::v1::DaemonSet;
use k8s_openapi::api::core::v1::{Node, NodeSelectorRequirement, PodSpec, Taint, Toleration};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

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
}

impl<'a> DaemonSetParts<'a> {
    /// Borrows a DaemonSet's metadata, selector and pod template.
    ///
    /// k8s-openapi reads an absent `spec` or `spec.selector` as empty (both are
    /// required fields), so a DaemonSet without a selector has an empty one here, which
    /// selects everything, where the API server would have refused the object.
    pub fn new(ds: &'a DaemonSet) -> Self {
        let template = &ds.spec.template;
        let mut parts = Self::from_pod_spec(&ds.metadata, template.spec.as_ref());
        parts.selector = Some(SelectorParts::new(&ds.spec.selector));
        parts.template_labels = labels(template.metadata.as_ref().and_then(|m| m.labels.as_ref()));
        parts
    }

    /// Borrows the placement fields of a pod spec (`nodeSelector`, required node
    /// affinity, tolerations, `nodeName`, `hostNetwork`), with the name, namespace
    /// and uid of `meta`. The selector is nil.
    pub fn from_pod_spec(meta: &'a ObjectMeta, spec: Option<&'a PodSpec>) -> Self {
        let required = spec
            .and_then(|s| s.affinity.as_ref())
            .and_then(|a| a.node_affinity.as_ref())
            .and_then(|n| {
                n.required_during_scheduling_ignored_during_execution
                    .as_ref()
            });
        DaemonSetParts {
            name: s(&meta.name),
            namespace: s(&meta.namespace),
            uid: s(&meta.uid),
            selector: None,
            template_labels: Vec::new(),
            node_selector: labels(spec.and_then(|s| s.node_selector.as_ref())),
            affinity: required.map(|r| {
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
            }),
            tolerations: spec
                .and_then(|s| s.tolerations.as_ref())
                .into_iter()
                .flatten()
                .map(toleration)
                .collect(),
            node_name: spec.map(|p| s(&p.node_name)).unwrap_or(""),
            host_network: spec.and_then(|s| s.host_network).unwrap_or(false),
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
        let term_lists: Vec<(Vec<RequirementInput<'_>>, Vec<RequirementInput<'_>>)> = self
            .affinity
            .iter()
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
        let terms: Vec<NodeSelectorTermInput<'_>> = term_lists
            .iter()
            .map(|(e, f)| NodeSelectorTermInput {
                match_expressions: e,
                match_fields: f,
            })
            .collect();
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
            required_node_affinity: self.affinity.as_ref().map(|_| terms.as_slice()),
            tolerations: &self.tolerations,
            node_name: self.node_name,
            host_network: self.host_network,
            // Sync fields (strategy, revision, generations) are filled by the
            // reconcile loader; placement does not read them.
            ..Default::default()
        };
        f(&input)
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
    fn a_node_without_name_or_spec() {
        let n: Node = serde_json::from_value(json!({"metadata": {}})).unwrap();
        let parts = NodeParts::new(&n);
        let i = parts.input();
        assert_eq!(i.name, "");
        assert!(i.taints.is_empty() && i.labels.is_empty() && !i.unschedulable);
    }
}
