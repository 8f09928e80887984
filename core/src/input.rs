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
    /// `metadata.generation`: what `status.observedGeneration` becomes after a sync.
    pub generation: i64,
    /// `status.observedGeneration` as stored: kept when a sync only updates status,
    /// and part of the failed-pod backoff key, as upstream.
    pub observed_generation: i64,
    /// `metadata.deletionTimestamp` is set: the controller leaves the DaemonSet alone.
    pub deleting: bool,
    /// `spec.updateStrategy`.
    pub update_strategy: UpdateStrategyInput<'a>,
    /// `spec.minReadySeconds`.
    pub min_ready_seconds: i32,
    /// The hash of the current revision: the `controller-revision-hash` label of the
    /// ControllerRevision that matches the template. New pods carry it, and a pod
    /// carrying it is up to date. Empty when unknown.
    pub revision_hash: &'a str,
    /// The `deprecated.daemonset.template.generation` annotation as written, if
    /// present. When it parses as an integer, new pods carry it as their
    /// `pod-template-generation` label, and a pod carrying it is up to date.
    pub template_generation: Option<&'a str>,
    /// `spec.template.spec.restartPolicy` as written; empty means `Always`.
    pub restart_policy: &'a str,
    /// `spec.template.spec.activeDeadlineSeconds`, which a DaemonSet may not set.
    pub active_deadline_seconds: Option<i64>,
    /// `spec.revisionHistoryLimit`.
    pub revision_history_limit: Option<i32>,
    /// `spec.template.spec.containers`: what validation reads of them.
    pub containers: &'a [ContainerInput<'a>],
}

/// A container of a pod template: what DaemonSet validation reads of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ContainerInput<'a> {
    /// `name`.
    pub name: &'a str,
}

/// A `maxUnavailable` or `maxSurge` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntOrStringInput<'a> {
    /// An integer (`maxSurge: 2`).
    Int(i32),
    /// A string, which must be a percentage (`maxSurge: "25%"`).
    String(&'a str),
}

/// `spec.updateStrategy.rollingUpdate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RollingUpdateInput<'a> {
    /// `maxUnavailable`; absent means 1, as the API server defaults it.
    pub max_unavailable: Option<IntOrStringInput<'a>>,
    /// `maxSurge`; absent means 0, as the API server defaults it.
    pub max_surge: Option<IntOrStringInput<'a>>,
}

/// `spec.updateStrategy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UpdateStrategyInput<'a> {
    /// `type` as written: `RollingUpdate` or `OnDelete`; empty means `RollingUpdate`,
    /// as the API server defaults it.
    pub type_: &'a str,
    /// `rollingUpdate`, if present.
    pub rolling_update: Option<RollingUpdateInput<'a>>,
}

/// A pod condition (`status.conditions[]`): what the controller reads of the
/// `Ready` condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PodConditionInput<'a> {
    /// `status` as written: `True`, `False` or `Unknown`.
    pub status: &'a str,
    /// `lastTransitionTime`, if set.
    pub last_transition_time: Option<crate::sync::time::Timestamp>,
}

/// A `v1.Pod`: what the DaemonSet controller reads of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PodInput<'a> {
    /// `metadata.name`.
    pub name: &'a str,
    /// `metadata.namespace`.
    pub namespace: &'a str,
    /// `metadata.uid`.
    pub uid: &'a str,
    /// `metadata.labels` (the `controller-revision-hash` and `pod-template-generation`
    /// labels included: the core reads them from here).
    pub labels: &'a [LabelInput<'a>],
    /// The `uid` of the `metadata.ownerReferences` entry with `controller: true`, if
    /// any: the object that controls the pod.
    pub controller_uid: Option<&'a str>,
    /// `spec.nodeName`; empty while the pod is not scheduled.
    pub node_name: &'a str,
    /// `spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms`,
    /// `None` when absent: an unscheduled daemon pod names its node here, in a
    /// `matchFields` `metadata.name In [node]` requirement.
    pub required_node_affinity: Option<&'a [NodeSelectorTermInput<'a>]>,
    /// `status.phase` as written: `Pending`, `Running`, `Succeeded`, `Failed`, `Unknown`.
    pub phase: &'a str,
    /// The first `status.conditions` entry of type `Ready`, if any.
    pub ready: Option<PodConditionInput<'a>>,
    /// `metadata.deletionTimestamp` is set: the pod is being deleted.
    pub deleting: bool,
    /// `metadata.creationTimestamp`.
    pub creation_timestamp: crate::sync::time::Timestamp,
    /// The `kind` of the controller reference (read only with `controller_uid`): a
    /// pod is a DaemonSet's only when it is `DaemonSet`, as upstream's
    /// `FilterPodsByOwner` matches namespace, kind, name and uid.
    pub controller_kind: &'a str,
    /// The `name` of the controller reference (read only with `controller_uid`).
    pub controller_name: &'a str,
}
