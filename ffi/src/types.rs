//! The plain C structs of the API.
//!
//! Input structs borrow the caller's memory for the duration of one call only;
//! nothing is kept (the engine copies what it stores). Zero-initialise input
//! structs (`dsr_daemon_set ds = {0};`): an all-zero field is the default
//! (empty string, empty array, `false`, no selector), and fields added in later
//! versions are appended and default to zero.

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
/// empty or `Equal`, or `Exists` (anything else tolerates nothing).
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

/// A node: what placement reads of a `v1.Node`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct dsr_node {
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

/// A DaemonSet: what placement reads of an `apps/v1` DaemonSet.
///
/// Fields the sync needs (update strategy, generation, revision) will be
/// appended; zero-initialise the struct so that they get their defaults.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct dsr_daemon_set {
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
    /// Distinct strings (`DSR_STRINGS`).
    pub strings: usize,
    /// Bytes of those strings (`DSR_STRING_BYTES`).
    pub string_bytes: usize,
    /// Labels (`DSR_LABELS`).
    pub labels: usize,
    /// Each of taints, tolerations, requirements, values, terms and field
    /// requirements (`DSR_RULES`).
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
}
