//! The plain C structs of the API.
//!
//! Input structs borrow the caller's memory for the duration of one call only;
//! nothing is kept (the engine copies what it stores). Initialise the
//! versioned ones (`dsr_node`, `dsr_daemon_set`, `dsr_pod`) with their
//! `DSR_*_INIT` macro (`dsr_daemon_set ds = DSR_DAEMON_SET_INIT;`): it sets
//! `struct_size` to the caller's `sizeof` and every other field to zero, its
//! default (empty string, empty array, `false`, no selector). Fields added in
//! later versions are appended and default to zero: a newer library reads only
//! the `struct_size` bytes an older caller has.

use core::ffi::c_char;

/// A UTF-8 string: `len` bytes at `ptr`, not NUL-terminated (a terminating
/// NUL, if any, is not counted). `ptr` may be NULL when `len` is 0.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct dsr_str {
    /// The first byte.
    pub ptr: *const c_char,
    /// Length in bytes.
    pub len: usize,
}

impl dsr_str {
    /// The empty string (NULL, 0).
    pub const EMPTY: dsr_str = dsr_str {
        ptr: core::ptr::null(),
        len: 0,
    };
}

impl Default for dsr_str {
    fn default() -> Self {
        Self::EMPTY
    }
}

/// A label, `key: value` (`metadata.labels`, `nodeSelector`, `matchLabels`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct dsr_label {
    /// The key.
    pub key: dsr_str,
    /// The value.
    pub value: dsr_str,
}

/// A node taint (`spec.taints[]`). `effect` as the API writes it:
/// `NoSchedule`, `PreferNoSchedule`, `NoExecute` (another string only equals
/// itself).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct dsr_taint {
    /// The key.
    pub key: dsr_str,
    /// The value.
    pub value: dsr_str,
    /// The effect.
    pub effect: dsr_str,
}

/// A toleration (`spec.template.spec.tolerations[]`). `operator` as written:
/// empty or `Equal`, `Exists`, or `Gt`/`Lt` (which compare integers only with the
/// feature gate `TaintTolerationComparisonOperators` on, see
/// `dsr_engine_set_feature_gate()`); anything else tolerates nothing.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct dsr_toleration {
    /// The taint key; empty with `Exists` means every key.
    pub key: dsr_str,
    /// The operator.
    pub op: dsr_str,
    /// The value, for `Equal`.
    pub value: dsr_str,
    /// The effect; empty means every effect.
    pub effect: dsr_str,
    /// Whether `toleration_seconds` is set.
    pub has_toleration_seconds: bool,
    /// `tolerationSeconds`, when `has_toleration_seconds`.
    pub toleration_seconds: i64,
}

/// A selector requirement: a `matchExpressions` entry of a label selector or a
/// node-selector term (`In`, `NotIn`, `Exists`, `DoesNotExist`; `Gt`, `Lt` in
/// node affinity), or a `matchFields` entry (`metadata.name` `In`/`NotIn`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct dsr_requirement {
    /// The label key (the field, for `matchFields`).
    pub key: dsr_str,
    /// The operator as written.
    pub op: dsr_str,
    /// The values (NULL when `values_len` is 0).
    pub values: *const dsr_str,
    /// Number of values.
    pub values_len: usize,
}

/// A `metav1.LabelSelector`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct dsr_label_selector {
    /// `matchLabels`.
    pub match_labels: *const dsr_label,
    /// Number of `matchLabels` entries.
    pub match_labels_len: usize,
    /// `matchExpressions`.
    pub match_expressions: *const dsr_requirement,
    /// Number of `matchExpressions` entries.
    pub match_expressions_len: usize,
}

/// A node-selector term of required node affinity: its expressions are ANDed;
/// the terms of a DaemonSet are ORed.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct dsr_node_selector_term {
    /// `matchExpressions`, on node labels.
    pub match_expressions: *const dsr_requirement,
    /// Number of `matchExpressions` entries.
    pub match_expressions_len: usize,
    /// `matchFields`, on node fields (`metadata.name`).
    pub match_fields: *const dsr_requirement,
    /// Number of `matchFields` entries.
    pub match_fields_len: usize,
}

/// A node: what placement reads of a `v1.Node`. Versioned: initialise it
/// with `DSR_NODE_INIT`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct dsr_node {
    /// `sizeof(dsr_node)` as the caller compiled it (`DSR_NODE_INIT` sets
    /// it); a size no release of this struct had is
    /// `DSR_RESULT_BAD_STRUCT_SIZE`.
    pub struct_size: usize,
    /// `metadata.name`; unique in an engine.
    pub name: dsr_str,
    /// `metadata.labels`.
    pub labels: *const dsr_label,
    /// Number of labels.
    pub labels_len: usize,
    /// `spec.taints`.
    pub taints: *const dsr_taint,
    /// Number of taints.
    pub taints_len: usize,
    /// `spec.unschedulable` (reported; cordoned nodes also carry a taint, which
    /// is what decides).
    pub unschedulable: bool,
}

/// How a `dsr_int_or_string` is set (its `kind`). Integers of this type
/// coming from C are checked; an unknown one is `DSR_RESULT_UNKNOWN_ENUM`.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dsr_int_or_string_kind {
    /// Absent: the API server's default applies.
    DSR_INT_OR_STRING_UNSET = 0,
    /// `int_value` (`maxSurge: 2`).
    DSR_INT_OR_STRING_INT = 1,
    /// `string_value`, which must be a percentage (`maxSurge: "25%"`).
    DSR_INT_OR_STRING_STRING = 2,
}

/// A `maxUnavailable` or `maxSurge` value (an `intstr.IntOrString`). All zero
/// is "absent".
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct dsr_int_or_string {
    /// A `dsr_int_or_string_kind`.
    pub kind: u32,
    /// The integer, for `DSR_INT_OR_STRING_INT`.
    pub int_value: i32,
    /// The string, for `DSR_INT_OR_STRING_STRING`.
    pub string_value: dsr_str,
}

/// `spec.updateStrategy`. All zero is the API server's default: RollingUpdate
/// with `maxUnavailable: 1`, `maxSurge: 0`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct dsr_update_strategy {
    /// `type` as written: `RollingUpdate` or `OnDelete`; empty means
    /// `RollingUpdate`.
    pub strategy_type: dsr_str,
    /// Whether `rollingUpdate` is present.
    pub has_rolling_update: bool,
    /// `rollingUpdate.maxUnavailable`; unset means 1.
    pub max_unavailable: dsr_int_or_string,
    /// `rollingUpdate.maxSurge`; unset means 0.
    pub max_surge: dsr_int_or_string,
}

impl dsr_int_or_string_kind {
    /// The kind for an integer, if it is one.
    pub fn from_u32(n: u32) -> Option<Self> {
        use dsr_int_or_string_kind::*;
        [
            DSR_INT_OR_STRING_UNSET,
            DSR_INT_OR_STRING_INT,
            DSR_INT_OR_STRING_STRING,
        ]
        .into_iter()
        .find(|k| *k as u32 == n)
    }
}

/// A container of the pod template: what DaemonSet validation reads of it.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct dsr_container {
    /// `name`.
    pub name: dsr_str,
}

/// A DaemonSet: what placement and the sync read of an `apps/v1` DaemonSet.
///
/// Initialise it with `DSR_DAEMON_SET_INIT` (`struct_size`, and zero, every
/// field's default, for the rest); fields are only ever appended. The fields
/// after `host_network` are the sync's and validation's; placement ignores
/// them.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct dsr_daemon_set {
    /// `sizeof(dsr_daemon_set)` as the caller compiled it (see `dsr_node`).
    pub struct_size: usize,
    /// `metadata.name`; `ns`/`name` is unique in an engine.
    pub name: dsr_str,
    /// `metadata.namespace`.
    pub ns: dsr_str,
    /// `metadata.uid`.
    pub uid: dsr_str,
    /// `spec.selector`; NULL is a nil selector, which selects nothing.
    pub selector: *const dsr_label_selector,
    /// `spec.template.metadata.labels`.
    pub template_labels: *const dsr_label,
    /// Number of template labels.
    pub template_labels_len: usize,
    /// `spec.template.spec.nodeSelector`.
    pub node_selector: *const dsr_label,
    /// Number of `nodeSelector` entries.
    pub node_selector_len: usize,
    /// Whether the template has required node affinity
    /// (`affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution`);
    /// with no terms, it selects no node.
    pub has_required_node_affinity: bool,
    /// Its `nodeSelectorTerms`.
    pub required_node_affinity: *const dsr_node_selector_term,
    /// Number of terms.
    pub required_node_affinity_len: usize,
    /// `spec.template.spec.tolerations` (the automatic daemon-pod tolerations
    /// are added by dsr).
    pub tolerations: *const dsr_toleration,
    /// Number of tolerations.
    pub tolerations_len: usize,
    /// `spec.template.spec.nodeName`; empty when unset.
    pub node_name: dsr_str,
    /// `spec.template.spec.hostNetwork`.
    pub host_network: bool,
    /// `metadata.generation`: what `status.observedGeneration` becomes after
    /// a sync.
    pub generation: i64,
    /// `status.observedGeneration` as stored: kept by a sync that only
    /// computes status, and part of the failed-pod backoff key.
    pub observed_generation: i64,
    /// `metadata.deletionTimestamp` is set: the sync leaves the DaemonSet
    /// alone.
    pub deleting: bool,
    /// `spec.updateStrategy`.
    pub update_strategy: dsr_update_strategy,
    /// `spec.minReadySeconds`.
    pub min_ready_seconds: i32,
    /// The hash of the current revision (the `controller-revision-hash` of the
    /// ControllerRevision matching the template): new pods carry it, and a pod
    /// carrying it is up to date. Empty when unknown.
    pub revision_hash: dsr_str,
    /// Whether the `deprecated.daemonset.template.generation` annotation is
    /// present.
    pub has_template_generation: bool,
    /// That annotation as written; when it parses as an integer, new pods
    /// carry it as `pod-template-generation`, and a pod carrying it is up to
    /// date.
    pub template_generation: dsr_str,
    /// `spec.template.spec.restartPolicy` as written; empty means `Always`
    /// (validation only).
    pub restart_policy: dsr_str,
    /// Whether `spec.template.spec.activeDeadlineSeconds` is set (validation
    /// only: a DaemonSet may not set it).
    pub has_active_deadline_seconds: bool,
    /// `spec.template.spec.activeDeadlineSeconds`.
    pub active_deadline_seconds: i64,
    /// Whether `spec.revisionHistoryLimit` is set (validation only).
    pub has_revision_history_limit: bool,
    /// `spec.revisionHistoryLimit`.
    pub revision_history_limit: i32,
    /// `spec.template.spec.containers` (validation only).
    pub containers: *const dsr_container,
    /// Number of containers.
    pub containers_len: usize,
}

/// A pod condition: what the sync reads of a pod's `Ready` condition.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct dsr_pod_condition {
    /// `status` as written: `True`, `False` or `Unknown`.
    pub status: dsr_str,
    /// Whether `lastTransitionTime` is set.
    pub has_last_transition_time: bool,
    /// `lastTransitionTime`, in seconds since the Unix epoch.
    pub last_transition_time: i64,
}

/// A pod: what the DaemonSet controller reads of a `v1.Pod`. Initialise it
/// with `DSR_POD_INIT`; fields are only ever appended.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct dsr_pod {
    /// `sizeof(dsr_pod)` as the caller compiled it (see `dsr_node`).
    pub struct_size: usize,
    /// `metadata.name`; `ns`/`name` is unique in an engine.
    pub name: dsr_str,
    /// `metadata.namespace`.
    pub ns: dsr_str,
    /// `metadata.uid`.
    pub uid: dsr_str,
    /// `metadata.labels`, the `controller-revision-hash` and
    /// `pod-template-generation` labels included.
    pub labels: *const dsr_label,
    /// Number of labels.
    pub labels_len: usize,
    /// Whether `metadata.ownerReferences` has an entry with `controller: true`.
    pub has_controller: bool,
    /// That entry's `uid`: the object controlling the pod (its `kind` and `name`
    /// are `controller_kind` and `controller_name`).
    pub controller_uid: dsr_str,
    /// `spec.nodeName`; empty while the pod is not scheduled.
    pub node_name: dsr_str,
    /// Whether the pod has required node affinity: an unscheduled daemon pod
    /// names its node there, in a `matchFields` `metadata.name In [node]`
    /// requirement.
    pub has_required_node_affinity: bool,
    /// Its `nodeSelectorTerms`.
    pub required_node_affinity: *const dsr_node_selector_term,
    /// Number of terms.
    pub required_node_affinity_len: usize,
    /// `status.phase` as written: `Pending`, `Running`, `Succeeded`, `Failed`,
    /// `Unknown`.
    pub phase: dsr_str,
    /// Whether `status.conditions` has a `Ready` condition.
    pub has_ready: bool,
    /// The first `Ready` condition.
    pub ready: dsr_pod_condition,
    /// `metadata.deletionTimestamp` is set.
    pub deleting: bool,
    /// `metadata.creationTimestamp`, in seconds since the Unix epoch.
    pub creation_timestamp: i64,
    /// The controller entry's `kind` (read with `has_controller`): the pod is a
    /// DaemonSet's only when it is `DaemonSet` and `controller_name` and
    /// `controller_uid` are the DaemonSet's (upstream's `FilterPodsByOwner`).
    pub controller_kind: dsr_str,
    /// The controller entry's `name` (read with `has_controller`).
    pub controller_name: dsr_str,
}

/// Why a daemon pod may not run on a node (`dsr_reason.kind`). Integers of
/// this type coming from C are checked; an unknown one is
/// `DSR_RESULT_UNKNOWN_ENUM`.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dsr_reason_kind {
    /// Nothing stands in the way.
    DSR_REASON_KIND_ELIGIBLE = 0,
    /// `spec.template.spec.nodeName` names another node.
    DSR_REASON_KIND_NODE_NAME_MISMATCH = 1,
    /// A `nodeSelector` entry is not satisfied.
    DSR_REASON_KIND_NODE_SELECTOR_MISMATCH = 2,
    /// No required node-affinity term matches.
    DSR_REASON_KIND_NODE_AFFINITY_MISMATCH = 3,
    /// A `NoSchedule` or `NoExecute` taint is not tolerated.
    DSR_REASON_KIND_UNTOLERATED_TAINT = 4,
}

impl dsr_reason_kind {
    /// The kind for an integer, if it is one.
    pub fn from_u32(n: u32) -> Option<Self> {
        use dsr_reason_kind::*;
        [
            DSR_REASON_KIND_ELIGIBLE,
            DSR_REASON_KIND_NODE_NAME_MISMATCH,
            DSR_REASON_KIND_NODE_SELECTOR_MISMATCH,
            DSR_REASON_KIND_NODE_AFFINITY_MISMATCH,
            DSR_REASON_KIND_UNTOLERATED_TAINT,
        ]
        .into_iter()
        .find(|k| *k as u32 == n)
    }
}

/// "No index" in `dsr_reason` fields.
pub const DSR_NONE: u32 = u32::MAX;

/// Why a daemon pod may or may not run on a node, as
/// `dsr_engine_should_run()` found it. `dsr_engine_describe()` puts it in
/// words.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct dsr_reason {
    /// A `dsr_reason_kind`.
    pub kind: u32,
    /// The DaemonSet it is about.
    pub set_id: u32,
    /// The node it is about.
    pub node_id: u32,
    /// `DSR_REASON_KIND_NODE_AFFINITY_MISMATCH`: the number of terms written.
    /// Otherwise 0.
    pub terms: u32,
    /// `DSR_REASON_KIND_NODE_AFFINITY_MISMATCH`: the index of the first
    /// non-empty term (whose failure `dsr_engine_describe()` explains), or
    /// `DSR_NONE` when every term is empty. Otherwise `DSR_NONE`.
    pub term: u32,
    /// `DSR_REASON_KIND_UNTOLERATED_TAINT`: the index of the taint in the
    /// node's taints. Otherwise `DSR_NONE`.
    pub taint: u32,
    /// The version of the DaemonSet the answer was worked out from (a number the
    /// engine never gives twice): once the DaemonSet is updated or removed,
    /// `dsr_engine_describe()` refuses the reason with `DSR_RESULT_STALE_REASON`.
    pub set_version: u32,
    /// The version of the node the answer was worked out from, as `set_version`.
    pub node_version: u32,
}

/// The answer of `dsr_engine_should_run()`: upstream's
/// `NodeShouldRunDaemonPod`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct dsr_placement {
    /// A daemon pod should be created on the node if it has none.
    pub should_run: bool,
    /// A daemon pod already on the node may stay.
    pub should_continue_running: bool,
    /// Why not, when either is false (`DSR_REASON_KIND_ELIGIBLE` otherwise).
    pub reason: dsr_reason,
}

/// The capacities and limits this build of the library was made with (the
/// `DSR_*` build variables; defaults in `ffi/README.md`). Fields are only ever
/// appended.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct dsr_capacities {
    /// Bytes of memory `dsr_engine_init()` needs (`dsr_engine_size()`).
    pub engine_size: usize,
    /// Alignment that memory needs (`dsr_engine_align()`).
    pub engine_align: usize,
    /// Nodes (`DSR_NODES`).
    pub nodes: usize,
    /// DaemonSets (`DSR_DAEMON_SETS`).
    pub daemon_sets: usize,
    /// Pods (`DSR_PODS`).
    pub pods: usize,
    /// String slots (`DSR_STRINGS`): every string the engine has interned
    /// (names, keys, values) takes one until the engine is cleared or
    /// restored, whether an object still uses it or not.
    pub strings: usize,
    /// Bytes of those strings (`DSR_STRING_BYTES`).
    pub string_bytes: usize,
    /// Labels (`DSR_LABELS`).
    pub labels: usize,
    /// Each of tolerations, requirements and requirement values (`DSR_RULES`).
    pub rules: usize,
    /// Longest string stored, in bytes.
    pub string_max: usize,
    /// Labels in one call, all label arrays together (`DSR_CALL_LABELS`).
    pub call_labels: usize,
    /// Taints in one call (`DSR_CALL_TAINTS`).
    pub call_taints: usize,
    /// Tolerations in one call (`DSR_CALL_TOLERATIONS`).
    pub call_tolerations: usize,
    /// Requirements in one call, selector and all terms together
    /// (`DSR_CALL_REQUIREMENTS`).
    pub call_requirements: usize,
    /// Requirement values in one call (`DSR_CALL_VALUES`).
    pub call_values: usize,
    /// Node-selector terms in one call (`DSR_CALL_TERMS`).
    pub call_terms: usize,
    /// Entries of each list of a sync's plan (`DSR_PLAN`).
    pub plan: usize,
    /// Containers of a DaemonSet in one call (`DSR_CALL_CONTAINERS`).
    pub call_containers: usize,
    /// Bytes a snapshot of the engine takes at most
    /// (`dsr_engine_snapshot_max_size()`).
    pub snapshot_max_size: usize,
    /// Node taints (`DSR_TAINTS`, default `DSR_RULES`).
    pub taints: usize,
    /// Each of node-affinity terms and field requirements (`DSR_TERMS`,
    /// default `DSR_RULES`).
    pub terms: usize,
    /// Failed-pod backoff entries (`DSR_BACKOFF`, default `DSR_PODS`).
    pub backoff: usize,
    /// Bytes of memory `dsr_plan_init()` needs (`dsr_plan_size()`).
    pub plan_size: usize,
    /// Alignment that memory needs (`dsr_plan_align()`).
    pub plan_align: usize,
    /// Objects of one `dsr_engine_apply()`: the items of a `List`
    /// (`DSR_JSON_OBJECTS`). 0 in a build without `dsr_engine_apply()` (the
    /// `json` feature off), as are the three below.
    pub json_objects: usize,
    /// Labels, `matchLabels` and `nodeSelector` entries of one
    /// `dsr_engine_apply()` (`DSR_JSON_LABELS`).
    pub json_labels: usize,
    /// Each of taints, tolerations, requirements, requirement values,
    /// node-selector terms and containers of one `dsr_engine_apply()`
    /// (`DSR_JSON_RULES`).
    pub json_rules: usize,
    /// Bytes of the escaped strings of one `dsr_engine_apply()`, unescaped
    /// (`DSR_JSON_TEXT`); strings without escapes take none.
    pub json_text: usize,
}

/// How far a sync went (`dsr_plan_info.outcome`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dsr_sync_outcome {
    /// No sync has been planned yet (or the last one failed).
    DSR_SYNC_OUTCOME_EMPTY = 0,
    /// Managed and (for RollingUpdate) rolled; status computed.
    DSR_SYNC_OUTCOME_SYNCED = 1,
    /// Earlier creates or deletes are not observed yet: only adoption,
    /// release and status, with `observedGeneration` left as it was.
    DSR_SYNC_OUTCOME_STATUS_ONLY = 2,
    /// The DaemonSet is being deleted: nothing to do, no status.
    DSR_SYNC_OUTCOME_DELETING = 3,
    /// The selector is empty and would select every pod: nothing is done, as
    /// upstream.
    DSR_SYNC_OUTCOME_SELECTS_EVERYTHING = 4,
}

/// Why a pod is created (`dsr_plan_create.reason`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dsr_create_reason {
    /// The node should run the daemon pod and has none running.
    DSR_CREATE_REASON_MISSING = 0,
    /// Surge: the node's old pod is not available, so its replacement starts
    /// now.
    DSR_CREATE_REASON_REPLACE_UNAVAILABLE = 1,
    /// Surge: a new pod starts beside the node's available old one, within
    /// `maxSurge`.
    DSR_CREATE_REASON_SURGE = 2,
}

/// Why a pod is deleted (`dsr_plan_delete.reason`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dsr_delete_reason {
    /// The daemon pod must not continue running on its node
    /// (`dsr_plan_delete.ineligible` says why).
    DSR_DELETE_REASON_NODE_INELIGIBLE = 0,
    /// Another pod of the DaemonSet on the node is kept (the oldest).
    DSR_DELETE_REASON_DUPLICATE = 1,
    /// The pod failed; a later sync recreates it, after the node's backoff.
    DSR_DELETE_REASON_FAILED = 2,
    /// The pod succeeded (a daemon must keep running).
    DSR_DELETE_REASON_SUCCEEDED = 3,
    /// The pod is not scheduled and is pinned to a node that no longer exists.
    DSR_DELETE_REASON_NODE_MISSING = 4,
    /// Surge: the old pod is not ready and a new pod is already on the node.
    DSR_DELETE_REASON_SURGE_OLD_NOT_READY = 5,
    /// Surge: the node's new pod is available, so the old one goes.
    DSR_DELETE_REASON_SURGE_REPLACED = 6,
    /// Rolling update: an old, available pod, within `maxUnavailable`.
    DSR_DELETE_REASON_ROLLING_UPDATE = 7,
    /// Rolling update: an old pod that is not available, replaced whatever
    /// the budget.
    DSR_DELETE_REASON_ROLLING_UPDATE_UNAVAILABLE = 8,
    /// Rolling update with surge: an old pod on a node that should no longer
    /// run the daemon.
    DSR_DELETE_REASON_ROLLING_UPDATE_NODE_INELIGIBLE = 9,
}

/// Why a rolling update did nothing this sync (`dsr_rollout_budget.halted`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dsr_rollout_halt {
    /// It did not halt.
    DSR_ROLLOUT_HALT_NONE = 0,
    /// `maxUnavailable` or `maxSurge` is a string that is not a percentage.
    DSR_ROLLOUT_HALT_INVALID_BUDGET = 1,
    /// With surge, an old pod is on a node that does not exist.
    DSR_ROLLOUT_HALT_MISSING_NODE = 2,
}

/// `propagationPolicy` of `dsr_engine_delete_daemon_set()`. Integers of this
/// type coming from C are checked; an unknown one is
/// `DSR_RESULT_UNKNOWN_ENUM`.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dsr_propagation {
    /// The DaemonSet goes now; the caller deletes its pods after it (the
    /// Kubernetes default).
    DSR_PROPAGATION_BACKGROUND = 0,
    /// The caller deletes the pods, then the DaemonSet is gone.
    DSR_PROPAGATION_FOREGROUND = 1,
    /// The pods are released (their controller cleared) and keep running.
    DSR_PROPAGATION_ORPHAN = 2,
}

impl dsr_propagation {
    /// The policy for an integer, if it is one.
    pub fn from_u32(n: u32) -> Option<Self> {
        use dsr_propagation::*;
        [
            DSR_PROPAGATION_BACKGROUND,
            DSR_PROPAGATION_FOREGROUND,
            DSR_PROPAGATION_ORPHAN,
        ]
        .into_iter()
        .find(|k| *k as u32 == n)
    }
}

/// A DaemonSet's `status`, as upstream's `updateDaemonSetStatus` computes it.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct dsr_daemon_set_status {
    /// Nodes that should run the daemon pod.
    pub desired_number_scheduled: i32,
    /// Of those, nodes that have at least one daemon pod.
    pub current_number_scheduled: i32,
    /// Nodes that have a daemon pod but should not run one.
    pub number_misscheduled: i32,
    /// Nodes whose oldest daemon pod is ready.
    pub number_ready: i32,
    /// Nodes whose oldest daemon pod is of the current revision.
    pub updated_number_scheduled: i32,
    /// Nodes whose oldest daemon pod has been ready for `minReadySeconds`.
    pub number_available: i32,
    /// `desired_number_scheduled - number_available`.
    pub number_unavailable: i32,
    /// The generation this status reflects.
    pub observed_generation: i64,
}

/// The rolling update's arithmetic in one sync.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct dsr_rollout_budget {
    /// Nodes that should run the daemon pod (the base of percentages).
    pub desired: i64,
    /// `maxUnavailable` scaled (1 when both budgets scale to 0).
    pub max_unavailable: i64,
    /// `maxSurge` scaled; when positive, the update surges.
    pub max_surge: i64,
    /// Budget in use: nodes counted unavailable (without surge) or surging
    /// (with surge).
    pub in_use: i64,
    /// Nodes whose old pod is available and could be replaced within the
    /// budget.
    pub candidates: i64,
    /// Of those, how many this sync replaces.
    pub chosen: i64,
    /// Nodes whose old pod is not available, replaced whatever the budget.
    pub replacements: i64,
    /// A `dsr_rollout_halt`: why nothing was done, when the pass stopped.
    pub halted: u32,
}

/// A plan's scalars (`dsr_engine_sync()`, `dsr_engine_plan_info()`):
/// everything but the lists, which `dsr_engine_plan_create()` and friends give
/// entry by entry.
///
/// The strings point into the engine's memory and stay valid until the
/// engine is cleared, restored or initialised again. Copy them before passing
/// them back into a call that takes a `dsr_engine *` (such a call changes the
/// memory they point into).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct dsr_plan_info {
    /// The DaemonSet planned for (`DSR_NONE` when the plan is empty).
    pub set_id: u32,
    /// A `dsr_sync_outcome`.
    pub outcome: u32,
    /// Pods to create (`dsr_engine_plan_create()`), sorted by node name.
    pub creates_len: usize,
    /// Pods to delete (`dsr_engine_plan_delete()`), sorted by pod name.
    pub deletes_len: usize,
    /// Pods without a controller that the DaemonSet adopts
    /// (`dsr_engine_plan_adoption()`): set their controller reference, then
    /// `dsr_engine_set_pod_controller()`.
    pub adoptions_len: usize,
    /// Pods the DaemonSet controls that its selector no longer matches
    /// (`dsr_engine_plan_release()`): remove their controller reference.
    pub releases_len: usize,
    /// Whether `status` is set (not for `DELETING` and `SELECTS_EVERYTHING`).
    pub has_status: bool,
    /// The status at the end of the sync (created pods counted, not ready;
    /// deleted pods not counted).
    pub status: dsr_daemon_set_status,
    /// Whether `requeue_after` is set.
    pub has_requeue_after: bool,
    /// Sync again after this many seconds (a failed pod's backoff ends, a
    /// ready pod passes `minReadySeconds`, pending expectations expire).
    pub requeue_after: i64,
    /// Whether `rollout` is set (RollingUpdate, when the sync managed the
    /// DaemonSet).
    pub has_rollout: bool,
    /// The rolling update's budget arithmetic.
    pub rollout: dsr_rollout_budget,
    /// The `controller-revision-hash` label created pods carry (empty: none).
    pub revision_hash: dsr_str,
    /// Whether created pods carry a `pod-template-generation` label.
    pub has_template_generation: bool,
    /// Its value.
    pub template_generation: i64,
    /// Nodes that hold the rolling update back, the ones `rollout.in_use`
    /// counts (`dsr_engine_plan_hold()`).
    pub held_back_len: usize,
}

/// Why a node holds a rolling update back (`dsr_plan_hold.reason`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dsr_hold_reason {
    /// More than one old or more than one new pod: the sync deletes extras.
    DSR_HOLD_REASON_EXCESS = 0,
    /// The node should run the daemon pod and has none.
    DSR_HOLD_REASON_NO_POD = 1,
    /// An old and a new pod, without surge.
    DSR_HOLD_REASON_OLD_AND_NEW = 2,
    /// The new pod (`pod_id`; `DSR_NONE` when created in this sync) is not
    /// available yet.
    DSR_HOLD_REASON_NEW_NOT_AVAILABLE = 3,
    /// The old pod (`pod_id`) is not available: it is replaced whatever the
    /// budget.
    DSR_HOLD_REASON_OLD_NOT_AVAILABLE = 4,
    /// Surging: a new pod (`pod_id`; `DSR_NONE` when created in this sync),
    /// not available yet, beside the old one.
    DSR_HOLD_REASON_SURGING_NEW_NOT_AVAILABLE = 5,
}

/// A node that holds a rolling update back: one entry of a plan
/// (`dsr_engine_plan_hold()`; `dsr_engine_describe_hold()` in words).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct dsr_plan_hold {
    /// The node's name (in the engine's memory: see `dsr_plan_info`).
    pub node_name: dsr_str,
    /// A `dsr_hold_reason`.
    pub reason: u32,
    /// The pod the reason is about, or `DSR_NONE`.
    pub pod_id: u32,
}

/// A pod to create: one entry of the plan. The pod is the DaemonSet's
/// template with the labels of `dsr_engine_new_pod_labels()`, a controller
/// reference to the DaemonSet, the automatic daemon tolerations, and its
/// required node affinity replaced by `matchFields` `metadata.name In
/// [node_name]`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct dsr_plan_create {
    /// The node.
    pub node_id: u32,
    /// The node's name (in the engine's memory: see `dsr_plan_info`).
    pub node_name: dsr_str,
    /// A `dsr_create_reason`.
    pub reason: u32,
}

/// A pod to delete: one entry of the plan.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct dsr_plan_delete {
    /// The pod.
    pub pod_id: u32,
    /// The pod's name (in the engine's memory: see `dsr_plan_info`).
    pub pod_name: dsr_str,
    /// The node it is for (its `spec.nodeName` or pinned node).
    pub node_name: dsr_str,
    /// A `dsr_delete_reason`.
    pub reason: u32,
    /// For `DSR_DELETE_REASON_NODE_INELIGIBLE`, the `dsr_reason_kind` that
    /// keeps the pod off the node; otherwise `DSR_REASON_KIND_ELIGIBLE`.
    pub ineligible: u32,
}

/// The creates and deletes a DaemonSet's last sync planned that are not
/// observed yet (`dsr_engine_expectations()`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct dsr_expectations {
    /// Creates still to observe.
    pub creates: i64,
    /// Deletes still to observe.
    pub deletes: i64,
    /// When the sync set them, in seconds since the Unix epoch; they expire
    /// five minutes later.
    pub set_at: i64,
}

// SAFETY: `#[repr(C)]`, starts with `struct_size: usize`; every field is a
// raw pointer, an integer, a `bool` or a struct of those (`dsr_str`), for
// which zero bytes are valid (NULL, 0, false).
unsafe impl crate::convert::Versioned for dsr_node {
    const KNOWN_SIZES: &'static [usize] = &[core::mem::size_of::<dsr_node>()];
}

// SAFETY: as for `dsr_node` (`dsr_update_strategy` and `dsr_int_or_string`
// are more of the same).
unsafe impl crate::convert::Versioned for dsr_daemon_set {
    const KNOWN_SIZES: &'static [usize] = &[core::mem::size_of::<dsr_daemon_set>()];
}

// SAFETY: as for `dsr_node` (`dsr_pod_condition` is more of the same).
unsafe impl crate::convert::Versioned for dsr_pod {
    const KNOWN_SIZES: &'static [usize] = &[core::mem::size_of::<dsr_pod>()];
}

// All-zero values with `struct_size` set, as a C caller writes
// `DSR_*_INIT` (for Rust callers and tests).

impl Default for dsr_int_or_string {
    fn default() -> Self {
        dsr_int_or_string {
            kind: 0,
            int_value: 0,
            string_value: dsr_str::EMPTY,
        }
    }
}

impl Default for dsr_update_strategy {
    fn default() -> Self {
        dsr_update_strategy {
            strategy_type: dsr_str::EMPTY,
            has_rolling_update: false,
            max_unavailable: dsr_int_or_string::default(),
            max_surge: dsr_int_or_string::default(),
        }
    }
}

impl Default for dsr_daemon_set {
    fn default() -> Self {
        dsr_daemon_set {
            struct_size: core::mem::size_of::<dsr_daemon_set>(),
            name: dsr_str::EMPTY,
            ns: dsr_str::EMPTY,
            uid: dsr_str::EMPTY,
            selector: core::ptr::null(),
            template_labels: core::ptr::null(),
            template_labels_len: 0,
            node_selector: core::ptr::null(),
            node_selector_len: 0,
            has_required_node_affinity: false,
            required_node_affinity: core::ptr::null(),
            required_node_affinity_len: 0,
            tolerations: core::ptr::null(),
            tolerations_len: 0,
            node_name: dsr_str::EMPTY,
            host_network: false,
            generation: 0,
            observed_generation: 0,
            deleting: false,
            update_strategy: dsr_update_strategy::default(),
            min_ready_seconds: 0,
            revision_hash: dsr_str::EMPTY,
            has_template_generation: false,
            template_generation: dsr_str::EMPTY,
            restart_policy: dsr_str::EMPTY,
            has_active_deadline_seconds: false,
            active_deadline_seconds: 0,
            has_revision_history_limit: false,
            revision_history_limit: 0,
            containers: core::ptr::null(),
            containers_len: 0,
        }
    }
}

impl Default for dsr_pod_condition {
    fn default() -> Self {
        dsr_pod_condition {
            status: dsr_str::EMPTY,
            has_last_transition_time: false,
            last_transition_time: 0,
        }
    }
}

impl Default for dsr_pod {
    fn default() -> Self {
        dsr_pod {
            struct_size: core::mem::size_of::<dsr_pod>(),
            name: dsr_str::EMPTY,
            ns: dsr_str::EMPTY,
            uid: dsr_str::EMPTY,
            labels: core::ptr::null(),
            labels_len: 0,
            has_controller: false,
            controller_uid: dsr_str::EMPTY,
            node_name: dsr_str::EMPTY,
            has_required_node_affinity: false,
            required_node_affinity: core::ptr::null(),
            required_node_affinity_len: 0,
            phase: dsr_str::EMPTY,
            has_ready: false,
            ready: dsr_pod_condition::default(),
            deleting: false,
            creation_timestamp: 0,
            controller_kind: dsr_str::EMPTY,
            controller_name: dsr_str::EMPTY,
        }
    }
}

/// Which rule an invalid DaemonSet breaks (`dsr_spec_problem.kind`): one
/// value for each of the API server's checks that dsr makes.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dsr_spec_problem_kind {
    /// No problem (what a zeroed struct says).
    DSR_SPEC_PROBLEM_NONE = 0,
    /// `metadata.name` is empty or not a DNS-1123 subdomain (`validation`).
    DSR_SPEC_PROBLEM_NAME = 1,
    /// `metadata.namespace` is empty or not a DNS-1123 label (`validation`).
    DSR_SPEC_PROBLEM_NAMESPACE = 2,
    /// `spec.selector` is missing.
    DSR_SPEC_PROBLEM_SELECTOR_MISSING = 3,
    /// `spec.selector` has no `matchLabels` and no `matchExpressions`.
    DSR_SPEC_PROBLEM_SELECTOR_EMPTY = 4,
    /// A `spec.selector` requirement is invalid (`detail`, `validation`).
    DSR_SPEC_PROBLEM_SELECTOR = 5,
    /// `spec.selector` does not select the template's labels.
    DSR_SPEC_PROBLEM_SELECTOR_DOES_NOT_MATCH_TEMPLATE = 6,
    /// A template label is invalid (`detail`, `validation`).
    DSR_SPEC_PROBLEM_TEMPLATE_LABEL = 7,
    /// A `nodeSelector` entry is invalid (`detail`, `validation`).
    DSR_SPEC_PROBLEM_NODE_SELECTOR = 8,
    /// Required node affinity has no terms.
    DSR_SPEC_PROBLEM_AFFINITY_NO_TERMS = 9,
    /// Required node-affinity term `index` is invalid.
    DSR_SPEC_PROBLEM_AFFINITY_TERM = 10,
    /// Toleration `index` is invalid (`detail`, `validation`).
    DSR_SPEC_PROBLEM_TOLERATION = 11,
    /// The template has no containers.
    DSR_SPEC_PROBLEM_NO_CONTAINERS = 12,
    /// Container `index`'s name is not a DNS-1123 label.
    DSR_SPEC_PROBLEM_CONTAINER_NAME = 13,
    /// Container `index` has the name of an earlier one.
    DSR_SPEC_PROBLEM_DUPLICATE_CONTAINER_NAME = 14,
    /// `restartPolicy` is not `Always`.
    DSR_SPEC_PROBLEM_RESTART_POLICY = 15,
    /// `activeDeadlineSeconds` is set.
    DSR_SPEC_PROBLEM_ACTIVE_DEADLINE_SECONDS = 16,
    /// `minReadySeconds` is negative.
    DSR_SPEC_PROBLEM_MIN_READY_SECONDS = 17,
    /// `revisionHistoryLimit` is negative.
    DSR_SPEC_PROBLEM_REVISION_HISTORY_LIMIT = 18,
    /// `updateStrategy.type` is not `RollingUpdate` or `OnDelete`.
    DSR_SPEC_PROBLEM_UPDATE_STRATEGY_TYPE = 19,
    /// `rollingUpdate.maxUnavailable` is invalid (`detail`).
    DSR_SPEC_PROBLEM_MAX_UNAVAILABLE = 20,
    /// `rollingUpdate.maxSurge` is invalid (`detail`).
    DSR_SPEC_PROBLEM_MAX_SURGE = 21,
    /// `maxUnavailable` and `maxSurge` are both non-zero.
    DSR_SPEC_PROBLEM_SURGE_WITH_UNAVAILABLE = 22,
    /// `maxUnavailable` and `maxSurge` are both zero.
    DSR_SPEC_PROBLEM_NO_UPDATE_BUDGET = 23,
    /// A problem this version of the C API has no kind for;
    /// `dsr_engine_last_error()` describes it.
    DSR_SPEC_PROBLEM_OTHER = 99,
}

/// What exactly is wrong with the part a `dsr_spec_problem` names
/// (`dsr_spec_problem.detail`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dsr_spec_detail {
    /// Nothing more to say.
    DSR_SPEC_DETAIL_NONE = 0,
    /// Requirement: the operator is not one this selector accepts.
    DSR_SPEC_DETAIL_UNKNOWN_OPERATOR = 1,
    /// Requirement or label: the key is invalid (`validation` says how).
    DSR_SPEC_DETAIL_KEY = 2,
    /// Requirement: the wrong number of values for the operator.
    DSR_SPEC_DETAIL_VALUE_COUNT = 3,
    /// Requirement: a `Gt`/`Lt` value is not an integer.
    DSR_SPEC_DETAIL_NOT_AN_INTEGER = 4,
    /// Requirement, label or toleration: a value is invalid (`validation`
    /// says how).
    DSR_SPEC_DETAIL_VALUE = 5,
    /// Toleration: an empty key needs operator `Exists`.
    DSR_SPEC_DETAIL_EMPTY_KEY_NEEDS_EXISTS = 6,
    /// Toleration: `tolerationSeconds` is only for effect `NoExecute`.
    DSR_SPEC_DETAIL_SECONDS_WITHOUT_NO_EXECUTE = 7,
    /// Toleration: `Exists` takes no value.
    DSR_SPEC_DETAIL_VALUE_WITH_EXISTS = 8,
    /// Toleration: the operator is not `Equal` or `Exists` (nor `Gt`/`Lt` with
    /// the feature gate `TaintTolerationComparisonOperators` on).
    DSR_SPEC_DETAIL_OPERATOR = 9,
    /// Toleration: the effect is not `NoSchedule`, `PreferNoSchedule` or
    /// `NoExecute`.
    DSR_SPEC_DETAIL_EFFECT = 10,
    /// Budget: a negative integer.
    DSR_SPEC_DETAIL_NEGATIVE = 11,
    /// Budget: a string that is not a percentage like `25%`.
    DSR_SPEC_DETAIL_NOT_A_PERCENT = 12,
    /// Budget: a percentage over 100%.
    DSR_SPEC_DETAIL_OVER_HUNDRED_PERCENT = 13,
    /// Toleration: a `Gt`/`Lt` value is not a decimal integer in canonical form
    /// (`0`, or `-?[1-9][0-9]*`).
    DSR_SPEC_DETAIL_NOT_CANONICAL_INTEGER = 14,
    /// Toleration: a `Gt`/`Lt` value does not fit in a 64-bit signed integer.
    DSR_SPEC_DETAIL_OUT_OF_RANGE = 15,
}

/// How a name, key or value fails Kubernetes validation
/// (`dsr_spec_problem.validation`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dsr_validation_error {
    /// Not a validation failure.
    DSR_VALIDATION_NONE = 0,
    /// Empty, but must not be.
    DSR_VALIDATION_EMPTY = 1,
    /// Too long.
    DSR_VALIDATION_TOO_LONG = 2,
    /// A character that is not allowed, or not alphanumeric at an end.
    DSR_VALIDATION_INVALID_FORMAT = 3,
    /// A label key with more than one `/`.
    DSR_VALIDATION_TOO_MANY_SLASHES = 4,
    /// A label key with nothing before its `/`.
    DSR_VALIDATION_EMPTY_PREFIX = 5,
    /// A label key whose prefix is too long.
    DSR_VALIDATION_PREFIX_TOO_LONG = 6,
    /// A label key whose prefix is not a DNS-1123 subdomain.
    DSR_VALIDATION_INVALID_PREFIX = 7,
    /// A way this version of the C API has no value for.
    DSR_VALIDATION_OTHER = 99,
}

/// Why a DaemonSet is invalid, as `dsr_engine_last_spec_problem()` gives it:
/// the first rule it breaks, in the order the API server checks them.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct dsr_spec_problem {
    /// A `dsr_spec_problem_kind`.
    pub kind: u32,
    /// The index of the term, toleration or container at fault; `DSR_NONE`
    /// for the other kinds.
    pub index: u32,
    /// A `dsr_spec_detail`.
    pub detail: u32,
    /// A `dsr_validation_error`.
    pub validation: u32,
}

/// A table of the engine, in the order `dsr_engine_usage()` reports them.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dsr_table {
    /// Nodes (`DSR_NODES`).
    DSR_TABLE_NODES = 0,
    /// DaemonSets (`DSR_DAEMON_SETS`).
    DSR_TABLE_DAEMON_SETS = 1,
    /// Pods (`DSR_PODS`).
    DSR_TABLE_PODS = 2,
    /// Distinct strings held (`DSR_STRINGS`).
    DSR_TABLE_STRINGS = 3,
    /// Bytes of those strings (`DSR_STRING_BYTES`).
    DSR_TABLE_STRING_BYTES = 4,
    /// Labels (`DSR_LABELS`).
    DSR_TABLE_LABELS = 5,
    /// Node taints (`DSR_TAINTS`).
    DSR_TABLE_TAINTS = 6,
    /// Template tolerations (`DSR_RULES`).
    DSR_TABLE_TOLERATIONS = 7,
    /// Selector and affinity requirements (`DSR_RULES`).
    DSR_TABLE_REQUIREMENTS = 8,
    /// Requirement values (`DSR_RULES`).
    DSR_TABLE_VALUES = 9,
    /// Node-affinity terms (`DSR_TERMS`).
    DSR_TABLE_TERMS = 10,
    /// `matchFields` requirements (`DSR_TERMS`).
    DSR_TABLE_FIELDS = 11,
    /// Failed-pod backoff keys (`DSR_BACKOFF`).
    DSR_TABLE_BACKOFF = 12,
}

/// How much of one table an engine uses (`dsr_engine_usage()`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct dsr_table_usage {
    /// A `dsr_table`.
    pub table: u32,
    /// Entries held now.
    pub used: usize,
    /// Entries the table can hold (this build's `DSR_*` variable).
    pub capacity: usize,
    /// The most entries held at once since the engine was set up (`clear` and
    /// `restore` keep it): what to size the build by after a long run.
    pub high_water: usize,
}
