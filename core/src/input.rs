//! Borrowed, unvalidated descriptions of Kubernetes objects: what a caller (the CLI's
//! JSON loader, the C ABI, a firmware integration) hands to the engine. Strings are
//! kept exactly as the API gives them, operators and effects included; the engine
//! interns, classifies and validates them once, at insertion.

/// `key: value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LabelInput<'a> {
    /// The key.
    pub key: &'a str,
    /// The value.
    pub value: &'a str,
}

/// A selector requirement: a `matchExpressions` entry of a label selector, or a
/// `matchExpressions`/`matchFields` entry of a node-selector term.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RequirementInput<'a> {
    /// The key (for `matchFields`, the field: only `metadata.name` is supported).
    pub key: &'a str,
    /// The operator as written: `In`, `NotIn`, `Exists`, `DoesNotExist`, `Gt`, `Lt`.
    pub operator: &'a str,
    /// The values.
    pub values: &'a [&'a str],
}

/// A `metav1.LabelSelector`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LabelSelectorInput<'a> {
    /// `matchLabels`.
    pub match_labels: &'a [LabelInput<'a>],
    /// `matchExpressions`.
    pub match_expressions: &'a [RequirementInput<'a>],
}

/// A `v1.NodeSelectorTerm` of required node affinity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NodeSelectorTermInput<'a> {
    /// `matchExpressions`, on node labels.
    pub match_expressions: &'a [RequirementInput<'a>],
    /// `matchFields`, on node fields.
    pub match_fields: &'a [RequirementInput<'a>],
}

/// A `v1.Taint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TaintInput<'a> {
    /// The key.
    pub key: &'a str,
    /// The value.
    pub value: &'a str,
    /// The effect as written.
    pub effect: &'a str,
}

/// A `v1.Toleration`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TolerationInput<'a> {
    /// The key.
    pub key: &'a str,
    /// The operator as written (`""`, `Equal`, `Exists`).
    pub operator: &'a str,
    /// The value.
    pub value: &'a str,
    /// The effect as written.
    pub effect: &'a str,
    /// `tolerationSeconds`.
    pub toleration_seconds: Option<i64>,
}

/// A `v1.Node`: what placement needs of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NodeInput<'a> {
    /// `metadata.name`.
    pub name: &'a str,
    /// `metadata.labels`.
    pub labels: &'a [LabelInput<'a>],
    /// `spec.taints`.
    pub taints: &'a [TaintInput<'a>],
    /// `spec.unschedulable` (reported, not decisive: cordoned nodes carry a taint).
    pub unschedulable: bool,
}

/// An `apps/v1` DaemonSet: what placement needs of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DaemonSetInput<'a> {
    /// `metadata.name`.
    pub name: &'a str,
    /// `metadata.namespace`.
    pub namespace: &'a str,
    /// `metadata.uid`.
    pub uid: &'a str,
    /// `spec.selector`; `None` is a nil selector, which selects nothing.
    pub selector: Option<LabelSelectorInput<'a>>,
    /// `spec.template.metadata.labels`.
    pub template_labels: &'a [LabelInput<'a>],
    /// `spec.template.spec.nodeSelector`.
    pub node_selector: &'a [LabelInput<'a>],
    /// `spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms`;
    /// `None` when there is no required node affinity.
    pub required_node_affinity: Option<&'a [NodeSelectorTermInput<'a>]>,
    /// `spec.template.spec.tolerations`.
    pub tolerations: &'a [TolerationInput<'a>],
    /// `spec.template.spec.nodeName`.
    pub node_name: &'a str,
    /// `spec.template.spec.hostNetwork`.
    pub host_network: bool,
}
