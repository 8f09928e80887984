//! Shared pieces of the fuzz targets: owned, `Arbitrary` descriptions of the
//! objects the engine takes (converted to `dsr_core::input::*` on use), a small
//! engine, and text dumps of what an engine holds and answers, so two engines
//! whose interned symbols differ can be compared.
//!
//! Strings are drawn mostly from small dictionaries (valid and invalid label keys
//! and values, node names, operators, effects) so that inputs collide, match and
//! hit the validation edges often; a few bytes in 256 pick a raw arbitrary
//! string instead.

pub mod sync;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use arbitrary::{Arbitrary, Result, Unstructured};
use dsr_core::input::{
    DaemonSetInput, LabelInput, LabelSelectorInput, NodeInput, NodeSelectorTermInput,
    RequirementInput, TaintInput, TolerationInput,
};
use dsr_core::taint::{TaintEffect, Toleration, TolerationOperator};
use dsr_core::{Engine, Error, NodeId, Placement, Reason, SetId};

/// The engine under test: 4 nodes, 4 DaemonSets, 64 strings in 1 KiB, 32 labels
/// and 32 of each rule. A DaemonSet brings 6 or 7 automatic tolerations, so the
/// rule pools fill after a handful of objects and `Full` paths run often.
pub type FuzzEngine = dsr_core::Engine<4, 4, 4, 64, 1024, 32, 32>;

/// Longest raw string taken from the input (longer than the engine's 1024-byte
/// limit, so `TooLong` is reachable).
const RAW_MAX: usize = 1100;

/// Reads a raw string of at most [`RAW_MAX`] bytes.
fn raw(u: &mut Unstructured<'_>) -> Result<String> {
    let mut s: String = u.arbitrary()?;
    if s.len() > RAW_MAX {
        let mut cut = RAW_MAX;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    Ok(s)
}

/// Picks `dict[b]` for most bytes, a raw string for the last few.
fn pick(u: &mut Unstructured<'_>, dict: &[&str]) -> Result<String> {
    let b: u8 = u.arbitrary()?;
    if b >= 250 {
        return raw(u);
    }
    let i = b as usize % (dict.len() + LONG.len());
    Ok(match dict.get(i) {
        Some(s) => (*s).to_string(),
        None => long(i - dict.len()),
    })
}

/// Strings at and just past the length limits.
const LONG: [usize; 4] = [0, 1, 2, 3];

fn long(i: usize) -> String {
    match i {
        // Longest valid label value / name part.
        0 => "v".repeat(63),
        // One byte too long for a label value.
        1 => "v".repeat(64),
        // Longest valid label key: a 253-byte DNS prefix and a 63-byte name.
        2 => format!("{}.{}/{}", "d".repeat(126), "e".repeat(126), "k".repeat(63)),
        // Past the engine's string limit.
        _ => "x".repeat(1025),
    }
}

/// Label keys and values, names, numbers: valid and invalid.
pub const WORDS: &[&str] = &[
    "",
    "app",
    "tier",
    "zone",
    "x",
    "a",
    "b",
    "in",
    "notin",
    "kubernetes.io/arch",
    "kubernetes.io/os",
    "kubernetes.io/hostname",
    "node-role.kubernetes.io/control-plane",
    "node.kubernetes.io/not-ready",
    "node.kubernetes.io/unschedulable",
    "node.kubernetes.io/network-unavailable",
    "example.com/edge",
    "metadata.name",
    "amd64",
    "arm64",
    "linux",
    "edge",
    "n1",
    "n2",
    "0",
    "1",
    "-1",
    "007",
    "+3",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "1.5",
    "-a",
    "a-",
    "A.b_c",
    "a/b/c",
    "/a",
    "a b",
    "Exists",
];

/// Node names (and `spec.template.spec.nodeName`, `matchFields` values).
pub const NODE_NAMES: &[&str] = &["n1", "n2", "n3", "n4", "n5", ""];

/// DaemonSet names and namespaces.
pub const SET_NAMES: &[&str] = &["a", "b", "c", "d", "e"];
/// Namespaces.
pub const NAMESPACES: &[&str] = &["kube-system", "default", ""];

/// Selector operators, as written in the API, and some that are not.
pub const OPERATORS: &[&str] = &[
    "In",
    "NotIn",
    "Exists",
    "DoesNotExist",
    "Gt",
    "Lt",
    "in",
    "",
    "Equal",
];

/// Taint and toleration effects.
pub const EFFECTS: &[&str] = &["NoSchedule", "NoExecute", "PreferNoSchedule", "", "Other"];

/// Toleration operators.
pub const TOLERATION_OPERATORS: &[&str] = &["", "Equal", "Exists", "Gt", "Other"];

macro_rules! dict_string {
    ($(#[$m:meta])* $name:ident, $dict:expr) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(pub String);

        impl<'a> Arbitrary<'a> for $name {
            fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
                pick(u, $dict).map($name)
            }
        }

        impl $name {
            /// The text.
            pub fn s(&self) -> &str {
                &self.0
            }
        }
    };
}

dict_string!(
    /// A label key or value, or another word.
    Word,
    WORDS
);
dict_string!(
    /// A node name.
    NodeName,
    NODE_NAMES
);
dict_string!(
    /// A DaemonSet name.
    SetName,
    SET_NAMES
);
dict_string!(
    /// A namespace.
    Namespace,
    NAMESPACES
);
dict_string!(
    /// A selector operator.
    Op,
    OPERATORS
);
dict_string!(
    /// An effect.
    Effect,
    EFFECTS
);
dict_string!(
    /// A toleration operator.
    TolOp,
    TOLERATION_OPERATORS
);

/// A label.
#[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
pub struct FLabel {
    /// Key.
    pub key: Word,
    /// Value.
    pub value: Word,
}

/// A selector requirement (label selector, node-selector term expression or field).
#[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
pub struct FReq {
    /// Key.
    pub key: Word,
    /// Operator.
    pub op: Op,
    /// Values.
    pub values: Vec<Word>,
}

/// A `metav1.LabelSelector`.
#[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
pub struct FSelector {
    /// `matchLabels`.
    pub match_labels: Vec<FLabel>,
    /// `matchExpressions`.
    pub match_expressions: Vec<FReq>,
}

/// A node-selector term.
#[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
pub struct FTerm {
    /// `matchExpressions`.
    pub match_expressions: Vec<FReq>,
    /// `matchFields`.
    pub match_fields: Vec<FField>,
}

/// A `matchFields` requirement: mostly on `metadata.name` with node names.
#[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
pub struct FField {
    /// `metadata.name` unless set.
    pub other_key: Option<Word>,
    /// Operator.
    pub op: Op,
    /// Values.
    pub values: Vec<NodeName>,
}

impl FField {
    fn key(&self) -> &str {
        self.other_key.as_ref().map_or("metadata.name", Word::s)
    }
}

/// A taint.
#[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
pub struct FTaint {
    /// Key.
    pub key: Word,
    /// Value.
    pub value: Word,
    /// Effect.
    pub effect: Effect,
}

/// A toleration.
#[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
pub struct FToleration {
    /// Key.
    pub key: Word,
    /// Operator.
    pub op: TolOp,
    /// Value.
    pub value: Word,
    /// Effect.
    pub effect: Effect,
    /// `tolerationSeconds`.
    pub seconds: Option<i64>,
}

/// A node.
#[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
pub struct FNode {
    /// Name.
    pub name: NodeName,
    /// Labels.
    pub labels: Vec<FLabel>,
    /// Taints.
    pub taints: Vec<FTaint>,
    /// `spec.unschedulable`.
    pub unschedulable: bool,
}

/// A DaemonSet.
#[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
pub struct FDaemonSet {
    /// Name.
    pub name: SetName,
    /// Namespace.
    pub namespace: Namespace,
    /// UID.
    pub uid: Word,
    /// `spec.selector`.
    pub selector: Option<FSelector>,
    /// Template labels.
    pub template_labels: Vec<FLabel>,
    /// `nodeSelector`.
    pub node_selector: Vec<FLabel>,
    /// Required node affinity terms.
    pub affinity: Option<Vec<FTerm>>,
    /// Template tolerations.
    pub tolerations: Vec<FToleration>,
    /// `spec.template.spec.nodeName`: mostly unset.
    pub node_name: Option<NodeName>,
    /// `hostNetwork`.
    pub host_network: bool,
}

/// Borrowed views of owned labels.
pub fn labels(l: &[FLabel]) -> Vec<LabelInput<'_>> {
    l.iter()
        .map(|l| LabelInput {
            key: l.key.s(),
            value: l.value.s(),
        })
        .collect()
}

/// Borrowed view of an owned taint.
pub fn taint(t: &FTaint) -> TaintInput<'_> {
    TaintInput {
        key: t.key.s(),
        value: t.value.s(),
        effect: t.effect.s(),
    }
}

/// Borrowed view of an owned toleration.
pub fn toleration(t: &FToleration) -> TolerationInput<'_> {
    TolerationInput {
        key: t.key.s(),
        operator: t.op.s(),
        value: t.value.s(),
        effect: t.effect.s(),
        toleration_seconds: t.seconds,
    }
}

impl FNode {
    /// Calls `f` with the node as the engine takes it.
    pub fn with<R>(&self, f: impl FnOnce(&NodeInput<'_>) -> R) -> R {
        let labels = labels(&self.labels);
        let taints: Vec<_> = self.taints.iter().map(taint).collect();
        f(&NodeInput {
            name: self.name.s(),
            labels: &labels,
            taints: &taints,
            unschedulable: self.unschedulable,
        })
    }
}

fn value_lists(reqs: &[FReq]) -> Vec<Vec<&str>> {
    reqs.iter()
        .map(|r| r.values.iter().map(Word::s).collect())
        .collect()
}

fn requirements<'a>(reqs: &'a [FReq], values: &'a [Vec<&'a str>]) -> Vec<RequirementInput<'a>> {
    reqs.iter()
        .zip(values)
        .map(|(r, v)| RequirementInput {
            key: r.key.s(),
            operator: r.op.s(),
            values: v,
        })
        .collect()
}

impl FSelector {
    /// Calls `f` with the selector as the engine takes it.
    pub fn with<R>(&self, f: impl FnOnce(&LabelSelectorInput<'_>) -> R) -> R {
        let ml = labels(&self.match_labels);
        let values = value_lists(&self.match_expressions);
        let me = requirements(&self.match_expressions, &values);
        f(&LabelSelectorInput {
            match_labels: &ml,
            match_expressions: &me,
        })
    }

    /// The selector in `kubectl -l` syntax, when it has one: every operator a
    /// label selector knows and every key and value free of the characters the
    /// string syntax uses.
    pub fn to_selector_string(&self) -> Option<String> {
        let plain = |s: &str| {
            s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'))
        };
        let mut parts = Vec::new();
        for l in &self.match_labels {
            if !plain(l.key.s()) || l.key.s().is_empty() || !plain(l.value.s()) {
                return None;
            }
            parts.push(format!("{}={}", l.key.s(), l.value.s()));
        }
        for r in &self.match_expressions {
            let key = r.key.s();
            if key.is_empty() || !plain(key) || !r.values.iter().all(|v| plain(v.s())) {
                return None;
            }
            let list = || r.values.iter().map(Word::s).collect::<Vec<_>>().join(",");
            parts.push(match (r.op.s(), r.values.len()) {
                ("In", n) if n > 0 => format!("{key} in ({})", list()),
                ("NotIn", n) if n > 0 => format!("{key} notin ({})", list()),
                ("Exists", 0) => key.to_string(),
                ("DoesNotExist", 0) => format!("!{key}"),
                _ => return None,
            });
        }
        Some(parts.join(","))
    }
}

impl FDaemonSet {
    /// Calls `f` with the DaemonSet as the engine takes it.
    pub fn with<R>(&self, f: impl FnOnce(&DaemonSetInput<'_>) -> R) -> R {
        let empty = FSelector {
            match_labels: vec![],
            match_expressions: vec![],
        };
        let sel = self.selector.as_ref().unwrap_or(&empty);
        let sel_ml = labels(&sel.match_labels);
        let sel_values = value_lists(&sel.match_expressions);
        let sel_me = requirements(&sel.match_expressions, &sel_values);
        let terms = self.affinity.as_deref().unwrap_or(&[]);
        let term_values: Vec<_> = terms
            .iter()
            .map(|t| {
                (
                    value_lists(&t.match_expressions),
                    t.match_fields
                        .iter()
                        .map(|f| f.values.iter().map(NodeName::s).collect::<Vec<_>>())
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        let term_reqs: Vec<_> = terms
            .iter()
            .zip(&term_values)
            .map(|(t, (ev, fv))| {
                (
                    requirements(&t.match_expressions, ev),
                    t.match_fields
                        .iter()
                        .zip(fv)
                        .map(|(f, v)| RequirementInput {
                            key: f.key(),
                            operator: f.op.s(),
                            values: v,
                        })
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        let term_inputs: Vec<_> = term_reqs
            .iter()
            .map(|(e, f)| NodeSelectorTermInput {
                match_expressions: e,
                match_fields: f,
            })
            .collect();
        let template_labels = labels(&self.template_labels);
        let node_selector = labels(&self.node_selector);
        let tolerations: Vec<_> = self.tolerations.iter().map(toleration).collect();
        f(&DaemonSetInput {
            name: self.name.s(),
            namespace: self.namespace.s(),
            uid: self.uid.s(),
            selector: self.selector.as_ref().map(|_| LabelSelectorInput {
                match_labels: &sel_ml,
                match_expressions: &sel_me,
            }),
            template_labels: &template_labels,
            node_selector: &node_selector,
            required_node_affinity: self.affinity.as_ref().map(|_| &term_inputs[..]),
            tolerations: &tolerations,
            node_name: self.node_name.as_ref().map_or("", NodeName::s),
            host_network: self.host_network,
            // Sync and validation fields: placement does not read them.
            ..Default::default()
        })
    }
}

/// True for the errors of a full string table, which depend on every string the
/// engine ever interned (strings are not freed when objects are removed).
pub fn is_string_full(e: &Error) -> bool {
    matches!(
        e,
        Error::Full {
            table: dsr_core::error::Table::Strings | dsr_core::error::Table::StringBytes,
            ..
        }
    )
}

/// Everything observable about one stored node, as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeDump {
    /// Name.
    pub name: String,
    /// Labels, sorted by key text.
    pub labels: Vec<(String, String)>,
    /// Taints in order, as `key=value:Effect`.
    pub taints: Vec<String>,
    /// `spec.unschedulable`.
    pub unschedulable: bool,
}

/// Everything observable about one stored DaemonSet, as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetDump {
    /// `namespace/name`.
    pub name: String,
    /// UID.
    pub uid: String,
    /// Selector requirements in stored order.
    pub selector: Option<Vec<String>>,
    /// Template labels, sorted by key text.
    pub template_labels: Vec<(String, String)>,
    /// `nodeSelector`, sorted by key text.
    pub node_selector: Vec<(String, String)>,
    /// Affinity terms.
    pub affinity: Option<Vec<String>>,
    /// Terms written.
    pub terms_written: u16,
    /// Daemon tolerations in order.
    pub tolerations: Vec<String>,
    /// `nodeName`.
    pub node_name: String,
    /// `hostNetwork`.
    pub host_network: bool,
}

/// The answers for one (DaemonSet, node) pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// `should_run`.
    pub should_run: bool,
    /// `should_continue_running`.
    pub should_continue_running: bool,
    /// The reason's variant name.
    pub reason_kind: &'static str,
    /// `describe` of the reason.
    pub text: String,
    /// `matches_node_affinity`.
    pub matches_node_affinity: bool,
}

/// What an engine holds and answers, keyed by object names so that two engines
/// with different ids and symbols compare equal when they hold the same objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dump {
    /// Nodes by name.
    pub nodes: BTreeMap<String, NodeDump>,
    /// DaemonSets by `namespace/name`.
    pub sets: BTreeMap<String, SetDump>,
    /// Answers by (`namespace/name`, node name).
    pub answers: BTreeMap<(String, String), Answer>,
}

fn sorted_labels(e: &FuzzEngine, l: &[dsr_core::label::Label]) -> Vec<(String, String)> {
    let mut v: Vec<_> = l
        .iter()
        .map(|l| (e.text(l.key).to_string(), e.text(l.value).to_string()))
        .collect();
    v.sort();
    v
}

fn effect_text(e: &FuzzEngine, effect: TaintEffect) -> String {
    match effect {
        TaintEffect::Other(s) => format!("Other({})", e.text(s)),
        other => format!("{other:?}"),
    }
}

fn toleration_text(e: &FuzzEngine, t: &Toleration) -> String {
    let op = match t.operator {
        TolerationOperator::Other(s) => format!("Other({})", e.text(s)),
        other => format!("{other:?}"),
    };
    format!(
        "{} {} {} {} {:?}",
        e.text(t.key),
        op,
        e.text(t.value),
        effect_text(e, t.effect),
        t.toleration_seconds
    )
}

fn requirement_text(e: &FuzzEngine, r: &dsr_core::selector::Requirement) -> String {
    let mut s = format!("{:?} ", r.operator);
    e.write_requirement(r, &mut s).expect("String never fails");
    s
}

/// The variant name of a reason.
pub fn reason_kind(r: &Reason) -> &'static str {
    match r {
        Reason::Eligible => "Eligible",
        Reason::NodeNameMismatch { .. } => "NodeNameMismatch",
        Reason::NodeSelectorMismatch { .. } => "NodeSelectorMismatch",
        Reason::NodeAffinityMismatch { .. } => "NodeAffinityMismatch",
        Reason::UntoleratedTaint(_) => "UntoleratedTaint",
    }
}

/// The name key of a stored DaemonSet.
pub fn set_key(e: &FuzzEngine, id: SetId) -> String {
    let d = e.daemon_set(id).expect("listed set exists");
    format!("{}/{}", e.text(d.namespace), e.text(d.name))
}

/// The answers for one pair, checking the invariants every answer must satisfy.
pub fn answer(e: &FuzzEngine, set: SetId, node: NodeId) -> Answer {
    let p: Placement = e.should_run(set, node).expect("both ids exist");
    assert!(
        !p.should_run || p.should_continue_running,
        "should_run without should_continue_running: {p:?}"
    );
    assert_eq!(
        p.should_run,
        p.reason == Reason::Eligible,
        "reason Eligible iff should_run: {p:?}"
    );
    let mut text = String::new();
    e.describe(set, &p.reason, &mut text)
        .expect("describe into a String never fails");
    assert!(!text.is_empty(), "empty description of {p:?}");
    // A buffer too small must give an error, never a panic.
    let mut small = heapless::String::<8>::new();
    let _ = e.describe(set, &p.reason, &mut small);
    let matches = e.matches_node_affinity(set, node).expect("both ids exist");
    match p.reason {
        Reason::NodeSelectorMismatch { .. } | Reason::NodeAffinityMismatch { .. } => {
            assert!(!matches, "affinity reason {p:?} but matches_node_affinity")
        }
        Reason::Eligible | Reason::UntoleratedTaint(_) => {
            assert!(matches, "{p:?} but matches_node_affinity is false")
        }
        Reason::NodeNameMismatch { .. } => {}
    }
    let s = e.daemon_set(set).expect("exists");
    let n = e.node(node).expect("exists");
    if !s.node_name.is_empty() && s.node_name != n.name {
        assert_eq!(reason_kind(&p.reason), "NodeNameMismatch", "{p:?}");
    }
    if let Reason::UntoleratedTaint(t) = p.reason {
        // The taint named is one of the node's, with a scheduling effect.
        assert!(e.node_taints(n).contains(&t), "{p:?}");
        assert!(
            matches!(t.effect, TaintEffect::NoSchedule | TaintEffect::NoExecute),
            "{p:?}"
        );
        assert_eq!(
            p.should_continue_running,
            t.effect == TaintEffect::NoSchedule,
            "{p:?}"
        );
    }
    Answer {
        should_run: p.should_run,
        should_continue_running: p.should_continue_running,
        reason_kind: reason_kind(&p.reason),
        text,
        matches_node_affinity: matches,
    }
}

/// A DaemonSet's template labels.
pub fn template_labels<'e>(
    e: &'e FuzzEngine,
    s: &dsr_core::DaemonSet,
) -> &'e [dsr_core::label::Label] {
    e.template_labels(s)
}

/// Dumps an engine, checking the per-answer invariants on the way.
pub fn dump(e: &FuzzEngine) -> Dump {
    let mut nodes = BTreeMap::new();
    for (_, n) in e.nodes() {
        let d = NodeDump {
            name: e.text(n.name).to_string(),
            labels: sorted_labels(e, e.node_labels(n)),
            taints: e
                .node_taints(n)
                .iter()
                .map(|t| {
                    let mut s = String::new();
                    e.write_taint(t, &mut s).expect("String never fails");
                    format!("{s} {}", effect_text(e, t.effect))
                })
                .collect(),
            unschedulable: n.unschedulable,
        };
        assert!(
            nodes.insert(d.name.clone(), d).is_none(),
            "two nodes of one name"
        );
    }
    let mut sets = BTreeMap::new();
    for (id, s) in e.daemon_sets() {
        let affinity = s.affinity.map(|_| {
            e.affinity_terms(s)
                .iter()
                .map(|t| {
                    let mut out = format!("#{} {:?}:", t.index, t.problem);
                    for r in e.requirements(t.expressions) {
                        write!(out, " [{}]", requirement_text(e, r)).expect("String");
                    }
                    for f in e.term_fields(t) {
                        write!(
                            out,
                            " <{} {} {} {}>",
                            e.text(f.field),
                            f.is_name,
                            f.equal,
                            e.text(f.value)
                        )
                        .expect("String");
                    }
                    out
                })
                .collect()
        });
        let d = SetDump {
            name: set_key(e, id),
            uid: e.text(s.uid).to_string(),
            selector: s.selector.map(|span| {
                e.requirements(span)
                    .iter()
                    .map(|r| requirement_text(e, r))
                    .collect()
            }),
            template_labels: sorted_labels(e, template_labels(e, s)),
            node_selector: sorted_labels(e, e.node_selector(s)),
            affinity,
            terms_written: s.affinity_terms_written,
            tolerations: e
                .daemon_tolerations(s)
                .iter()
                .map(|t| toleration_text(e, t))
                .collect(),
            node_name: e.text(s.node_name).to_string(),
            host_network: s.host_network,
        };
        assert!(
            sets.insert(d.name.clone(), d).is_none(),
            "two DaemonSets of one name"
        );
    }
    let mut answers = BTreeMap::new();
    for (sid, _) in e.daemon_sets() {
        for (nid, n) in e.nodes() {
            answers.insert(
                (set_key(e, sid), e.text(n.name).to_string()),
                answer(e, sid, nid),
            );
        }
    }
    Dump {
        nodes,
        sets,
        answers,
    }
}

/// The engine's `Debug` text: every table, for "nothing changed" checks.
pub fn debug(e: &FuzzEngine) -> String {
    format!("{e:?}")
}

/// What a check compares to decide that an engine did not change: its snapshot
/// (every table, string and sync state byte for byte: `Engine::snapshot` is
/// deterministic), then the derived state a snapshot leaves out and a failed
/// operation could still damage: the kept placement of every (DaemonSet slot,
/// node slot) pair (`Engine::fit`, or `NotFound`), and the node and pod name
/// indexes (`find_node`, `find_pod` of every stored name). Much cheaper than
/// formatting the engine; [`assert_unchanged`] falls back to the `Debug` text to
/// show what differs.
pub fn fingerprint<
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
    e: &Engine<NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES, TAINTS, TERMS, BACKOFF>,
) -> Vec<u8> {
    let max = Engine::<NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES, TAINTS, TERMS, BACKOFF>::max_snapshot_size();
    let mut out = vec![0u8; max];
    let n = e
        .snapshot(&mut out)
        .expect("max_snapshot_size always suffices");
    out.truncate(n);
    for s in 0..SETS as u32 {
        for node in 0..NODES as u32 {
            out.push(match e.fit(SetId(s), NodeId(node)) {
                Ok(f) => u8::from(f.should_run) | u8::from(f.should_continue_running) << 1,
                Err(_) => 0xFF,
            });
        }
    }
    for (_, n) in e.nodes() {
        let found = e.find_node(e.text(n.name)).map_or(u32::MAX, |id| id.0);
        out.extend_from_slice(&found.to_le_bytes());
    }
    for (_, p) in e.pods() {
        let found = e
            .find_pod(e.text(p.namespace), e.text(p.name))
            .map_or(u32::MAX, |id| id.0);
        out.extend_from_slice(&found.to_le_bytes());
    }
    out
}

/// Panics, showing both `Debug` texts, unless `after` is exactly `before` (same
/// [`fingerprint`]).
pub fn assert_unchanged<
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
    before: &Engine<NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES, TAINTS, TERMS, BACKOFF>,
    after: &Engine<NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES, TAINTS, TERMS, BACKOFF>,
    what: &str,
) {
    if fingerprint(before) != fingerprint(after) {
        assert_eq!(
            format!("{before:?}"),
            format!("{after:?}"),
            "{what} changed the engine"
        );
        panic!("{what} changed the engine's kept placements or name indexes");
    }
}

/// Checks that every kept placement (`Engine::fit`) is what a fresh evaluation
/// (`Engine::placement`) gives: the cache is a pure function of the tables; and that
/// judging 64 nodes at a time (`Engine::evaluate_fit_block`) agrees node by node.
pub fn assert_fits_fresh<
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
    e: &Engine<NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES, TAINTS, TERMS, BACKOFF>,
) {
    for (sid, s) in e.daemon_sets() {
        for (nid, n) in e.nodes() {
            let p = e.placement(s, n);
            let f = e.fit(sid, nid).expect("both ids exist");
            assert_eq!(
                (f.should_run, f.should_continue_running),
                (p.should_run, p.should_continue_running),
                "kept placement of ({sid:?}, {nid:?}) is stale: {p:?}"
            );
        }
        // Judged 64 nodes at a time, every node has the same answer, a free slot none.
        for b in 0..=e.node_blocks() {
            for (nid, f) in e.evaluate_fit_block(s, b).fits(b) {
                let one = e.node(nid).map(|n| e.evaluate_fit(s, n));
                assert_eq!(
                    f,
                    one.unwrap_or_default(),
                    "block fit of ({sid:?}, {nid:?})"
                );
            }
        }
    }
}

/// Whether every pool is empty and no object is left (strings stay interned).
pub fn pools_empty(u: &dsr_core::footprint::Usage) -> bool {
    u.nodes == 0 && u.sets == 0 && u.pods == 0 && u.labels == 0 && u.rules == [0; 6]
}

/// The answers of every (DaemonSet, node) pair as the engine gives them, by id,
/// with the reason in words: to compare states of one engine.
pub fn answers(e: &FuzzEngine) -> Vec<(SetId, NodeId, bool, bool, String, bool)> {
    let mut out = Vec::new();
    for (sid, _) in e.daemon_sets() {
        for (nid, _) in e.nodes() {
            let p = e.should_run(sid, nid).expect("both ids exist");
            // The reason in words: its strings are numbered anew when an object
            // goes and comes back, and which versions answered is not the answer.
            let mut why = String::new();
            e.describe(sid, &p.reason, &mut why)
                .expect("a String takes any text");
            let m = e.matches_node_affinity(sid, nid).expect("both ids exist");
            out.push((sid, nid, p.should_run, p.should_continue_running, why, m));
        }
    }
    out
}

/// An engine as it was before an operation, to check that a failed operation or
/// a query left it so. Its fingerprint is made at most once, or carried over
/// from the last check when the engine has not changed since (the snapshot's
/// CRC makes a fingerprint the costly part of a check); a copy of the engine is
/// kept only when the fingerprint is not known yet.
pub struct Before {
    engine: Option<FuzzEngine>,
    fingerprint: std::cell::RefCell<Option<Vec<u8>>>,
}

impl Before {
    /// Remembers `e`; `known` is its fingerprint when already made.
    pub fn new(e: &FuzzEngine, known: Option<Vec<u8>>) -> Self {
        Before {
            engine: known.is_none().then(|| e.clone()),
            fingerprint: std::cell::RefCell::new(known),
        }
    }

    /// The engine remembered: the copy, or the snapshot at the start of its
    /// fingerprint restored (for messages).
    fn engine(&self) -> FuzzEngine {
        if let Some(e) = &self.engine {
            return e.clone();
        }
        let known = self.fingerprint.borrow();
        let fp = known.as_ref().expect("a copy or a fingerprint");
        let len = u32::from_le_bytes(fp[48..52].try_into().expect("4 bytes")) as usize;
        let mut e = FuzzEngine::new();
        e.restore(&fp[..dsr_core::snapshot::HEADER_LEN + len])
            .expect("a snapshot of this engine type restores");
        e
    }

    /// Panics, showing both `Debug` texts, unless `after` is exactly the engine
    /// remembered.
    pub fn assert_unchanged(&self, after: &FuzzEngine, what: &str) {
        let now = fingerprint(after);
        let same = {
            let mut known = self.fingerprint.borrow_mut();
            let engine = &self.engine;
            let before = known.get_or_insert_with(|| {
                fingerprint(engine.as_ref().expect("a copy when no fingerprint"))
            });
            *before == now
        };
        if !same {
            assert_unchanged(&self.engine(), after, what);
            panic!("{what} changed the engine (fingerprints differ)");
        }
    }

    /// The fingerprint of the engine remembered, when it was made: the next
    /// operation's, if this one changed nothing.
    pub fn into_known(self) -> Option<Vec<u8>> {
        self.fingerprint.into_inner()
    }
}
