//! Whether a DaemonSet's pod belongs on a node: upstream's `NodeShouldRunDaemonPod`,
//! with the reason for every "no".

use core::fmt;

use crate::affinity::{node_selector_holds, node_selector_miss_with, span, TermMiss, TermProblem};
use crate::engine::{DaemonSet, Engine, Node, NodeId, SetId};
use crate::error::{Error, Result, Table};
use crate::intern::{Interner, Sym};
use crate::label::Label;
use crate::selector::Operator;
use crate::taint::{blocking_taint_in, Taint, TaintEffect};

/// Why a daemon pod may not be placed on a node, or may not stay there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Reason {
    /// Nothing stands in the way.
    Eligible,
    /// `spec.template.spec.nodeName` names another node.
    NodeNameMismatch {
        /// The node the template is pinned to.
        wanted: Sym,
    },
    /// A `nodeSelector` entry is not satisfied.
    NodeSelectorMismatch {
        /// The required label.
        wanted: Label,
        /// The node's value for that key, if it has the key.
        found: Option<Sym>,
    },
    /// Required node affinity has no term that matches. The first term's failure is
    /// given; `terms` counts the terms written (empty ones included).
    NodeAffinityMismatch {
        /// Terms written.
        terms: u16,
        /// The first stored (non-empty) term and what failed in it; `None` when every
        /// term is empty, so nothing can match.
        first: Option<(u16, TermMiss)>,
    },
    /// A taint with effect `NoSchedule` or `NoExecute` that no toleration covers.
    /// With `NoSchedule`, a pod already there may continue running.
    UntoleratedTaint(Taint),
}

impl<
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
    > crate::affinity::Pools
    for Engine<NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES, TAINTS, TERMS, BACKOFF>
{
    type Strings = Interner<STRINGS, BYTES>;
    #[inline(always)]
    fn requirements(&self) -> &[crate::selector::Requirement] {
        self.requirements.all()
    }
    #[inline(always)]
    fn values(&self) -> &[Sym] {
        self.values.all()
    }
    #[inline(always)]
    fn fields(&self) -> &[crate::affinity::FieldRequirement] {
        self.fields.all()
    }
    #[inline(always)]
    fn strings(&self) -> &Interner<STRINGS, BYTES> {
        &self.strings
    }
}

/// Whether a template's `spec.nodeName` lets its pod on a node called `node`: unset,
/// or the node's name. The only place this rule is decided.
#[inline(always)]
pub(crate) fn node_name_holds(wanted: Sym, node: Sym) -> bool {
    wanted.is_empty() || wanted == node
}

/// The answer of [`Engine::should_run`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Placement {
    /// A daemon pod should be created on the node if it has none.
    pub should_run: bool,
    /// A daemon pod already on the node may stay.
    pub should_continue_running: bool,
    /// Why not, when either is false; [`Reason::Eligible`] otherwise.
    pub reason: Reason,
    /// The versions of the DaemonSet and the node the answer was worked out from:
    /// [`Engine::describe_placement`] refuses the reason once either changed.
    pub stamp: Stamp,
}

/// Which versions of a DaemonSet and a node ([`DaemonSet::version`],
/// [`Node::version`]) an answer was worked out from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Stamp {
    /// The DaemonSet's version.
    pub set: u32,
    /// The node's version.
    pub node: u32,
}

/// `should_run` and `should_continue_running` of a (DaemonSet, node) pair without
/// the reason: what [`Engine::fit`] reads from the placements the engine keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Fit {
    /// A daemon pod should be created on the node if it has none.
    pub should_run: bool,
    /// A daemon pod already on the node may stay.
    pub should_continue_running: bool,
}

impl Fit {
    /// Should not run, may not stay.
    const NO: Fit = Fit {
        should_run: false,
        should_continue_running: false,
    };
    /// Should run, may stay.
    const YES: Fit = Fit {
        should_run: true,
        should_continue_running: true,
    };

    /// The bits the placement table keeps.
    pub(crate) const fn bits(&self) -> u8 {
        (if self.should_run {
            crate::cache::RUN
        } else {
            0
        }) | (if self.should_continue_running {
            crate::cache::CONTINUE
        } else {
            0
        })
    }
}

impl Placement {
    /// The bits the placement table keeps.
    #[cfg(test)]
    pub(crate) const fn bits(&self) -> u8 {
        Fit {
            should_run: self.should_run,
            should_continue_running: self.should_continue_running,
        }
        .bits()
    }
}

impl<
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
    > Engine<NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES, TAINTS, TERMS, BACKOFF>
{
    /// Whether the DaemonSet's pod should run on the node, and may continue running
    /// there: upstream's `NodeShouldRunDaemonPod`, with a [`Reason`].
    ///
    /// ```
    /// use dsr_core::input::{DaemonSetInput, LabelInput, LabelSelectorInput, NodeInput, TaintInput};
    /// let mut engine = dsr_core::TinyEngine::new();
    /// let node = engine.add_node(&NodeInput {
    ///     name: "cp-1",
    ///     taints: &[TaintInput { key: "node-role.kubernetes.io/control-plane", value: "", effect: "NoSchedule" }],
    ///     ..Default::default()
    /// }).unwrap();
    /// let app = [LabelInput { key: "app", value: "agent" }];
    /// let set = engine.add_daemon_set(&DaemonSetInput {
    ///     name: "agent", namespace: "kube-system",
    ///     selector: Some(LabelSelectorInput { match_labels: &app, ..Default::default() }),
    ///     template_labels: &app,
    ///     ..Default::default()
    /// }).unwrap();
    /// let p = engine.should_run(set, node).unwrap();
    /// assert!(!p.should_run && p.should_continue_running);
    /// ```
    pub fn should_run(&self, set: SetId, node: NodeId) -> Result<Placement> {
        let s = self
            .sets
            .get(set.0)
            .ok_or(Error::NotFound(Table::DaemonSets))?;
        let n = self
            .nodes
            .get(node.0)
            .ok_or(Error::NotFound(Table::Nodes))?;
        let p = self.placement(s, n);
        crate::trace::trace!("should_run {:?} {:?}: {:?}", set, node, p);
        Ok(p)
    }

    /// [`should_run`](Self::should_run) without the reason, read from the
    /// placements the engine keeps: every change to a node or a DaemonSet
    /// re-evaluates that node against every DaemonSet, or that DaemonSet on every
    /// node, so this is a lookup.
    ///
    /// ```
    /// use dsr_core::input::{DaemonSetInput, LabelInput, NodeInput};
    /// let mut engine = dsr_core::TinyEngine::new();
    /// let arm = [LabelInput { key: "kubernetes.io/arch", value: "arm64" }];
    /// let node = engine.add_node(&NodeInput { name: "edge-rpi4-01", labels: &arm, ..Default::default() }).unwrap();
    /// let set = engine.add_daemon_set(&DaemonSetInput {
    ///     name: "agent", namespace: "kube-system", node_selector: &arm, ..Default::default()
    /// }).unwrap();
    /// assert!(engine.fit(set, node).unwrap().should_run);
    /// let amd = [LabelInput { key: "kubernetes.io/arch", value: "amd64" }];
    /// engine.update_node(node, &NodeInput { name: "edge-rpi4-01", labels: &amd, ..Default::default() }).unwrap();
    /// assert!(!engine.fit(set, node).unwrap().should_run);
    /// ```
    pub fn fit(&self, set: SetId, node: NodeId) -> Result<Fit> {
        self.sets
            .get(set.0)
            .ok_or(Error::NotFound(Table::DaemonSets))?;
        self.nodes
            .get(node.0)
            .ok_or(Error::NotFound(Table::Nodes))?;
        let bits = self.placements.get(set.0, node.0);
        Ok(Fit {
            should_run: bits & crate::cache::RUN != 0,
            should_continue_running: bits & crate::cache::CONTINUE != 0,
        })
    }

    /// [`should_run`](Self::should_run) on stored records: the decision of
    /// [`evaluate_fit`](Self::evaluate_fit), with the reason worked out only on a
    /// "no".
    pub fn placement(&self, set: &DaemonSet, node: &Node) -> Placement {
        let fit = self.evaluate_fit(set, node);
        Placement {
            should_run: fit.should_run,
            should_continue_running: fit.should_continue_running,
            reason: if fit.should_run {
                Reason::Eligible
            } else {
                self.reason(set, node)
            },
            stamp: Stamp {
                set: set.version,
                node: node.version,
            },
        }
    }

    /// Whether the DaemonSet's pod should run on the node, and may continue running
    /// there, without the reason: upstream's `NodeShouldRunDaemonPod`, the decision
    /// itself. The engine's placements are kept with it, and
    /// [`placement`](Self::placement) adds the reason to it. The rules are checked
    /// cheapest first, each by the one function that decides it; the first that
    /// fails decides.
    // Inlined where it is hot; one copy in the compact (firmware) build.
    #[cfg_attr(not(feature = "compact"), inline(always))]
    #[cfg_attr(feature = "compact", inline(never))]
    pub fn evaluate_fit(&self, set: &DaemonSet, node: &Node) -> Fit {
        // The cheap checks here, the loops (terms, taints) out of line, so that a
        // caller's loop keeps its registers.
        if !node_name_holds(set.node_name, node.name) {
            return Fit::NO;
        }
        if !set.node_selector.is_empty() {
            let wanted = self.labels.get(set.node_selector);
            let holds = |want: &Label| {
                node_selector_holds(
                    want,
                    self.node_value(node, self.keys.slot(want.key).0, want.key),
                )
            };
            if !wanted.iter().all(holds) {
                return Fit::NO;
            }
        }
        if let Some(terms) = set.affinity {
            if !self.affinity_holds(terms, node) {
                return Fit::NO;
            }
        }
        if node.taint_row.may_block() {
            return self.taint_fit(set, node);
        }
        Fit::YES
    }

    /// Whether some required node-affinity term matches the node.
    #[inline(never)]
    fn affinity_holds(&self, terms: crate::table::Span, node: &Node) -> bool {
        let value = |r: &crate::selector::Requirement| self.node_value(node, r.slot.0, r.key);
        self.terms
            .get(terms)
            .iter()
            .any(|t| t.check_with(self, node.name, value).is_none())
    }

    /// The decision as the node's taints leave it.
    #[inline(never)]
    pub(crate) fn taint_fit(&self, set: &DaemonSet, node: &Node) -> Fit {
        match self.blocking_taint(set, node) {
            Some(t) => Fit {
                should_run: false,
                should_continue_running: t.effect != TaintEffect::NoExecute,
            },
            None => Fit::YES,
        }
    }

    /// The taint that keeps the DaemonSet's pod off the node, if one does.
    // Inlined, but in the firmware build (`compact`, where code size decides):
    // one copy for its two callers.
    #[cfg_attr(not(feature = "compact"), inline(always))]
    #[cfg_attr(feature = "compact", inline(never))]
    fn blocking_taint<'a>(&'a self, set: &DaemonSet, node: &Node) -> Option<&'a Taint> {
        let taints = self.taints.get(node.taints);
        let tolerations = self.daemon_tolerations(set);
        blocking_taint_in(taints, &tolerations, &node.taint_row)
    }

    /// Why [`evaluate_fit`](Self::evaluate_fit) says no: the first rule that fails,
    /// in the order it checks them ([`Reason::Eligible`] when none does).
    #[cold]
    #[inline(never)]
    fn reason(&self, set: &DaemonSet, node: &Node) -> Reason {
        if !node_name_holds(set.node_name, node.name) {
            return Reason::NodeNameMismatch {
                wanted: set.node_name,
            };
        }
        if let Some(reason) = self.required_affinity_miss(set, node) {
            return reason;
        }
        match self.blocking_taint(set, node) {
            Some(t) => Reason::UntoleratedTaint(*t),
            None => Reason::Eligible,
        }
    }

    /// Whether the node satisfies the DaemonSet's `nodeSelector` and required node
    /// affinity: upstream's `GetRequiredNodeAffinity(pod).Match(node)`.
    pub fn matches_node_affinity(&self, set: SetId, node: NodeId) -> Result<bool> {
        let s = self
            .sets
            .get(set.0)
            .ok_or(Error::NotFound(Table::DaemonSets))?;
        let n = self
            .nodes
            .get(node.0)
            .ok_or(Error::NotFound(Table::Nodes))?;
        Ok(self.required_affinity_miss(s, n).is_none())
    }

    /// The first `nodeSelector` entry or the affinity failure that keeps the pod off.
    #[inline]
    fn required_affinity_miss(&self, set: &DaemonSet, node: &Node) -> Option<Reason> {
        if !set.node_selector.is_empty() {
            let wanted = self.labels.get(set.node_selector);
            let value = |key: Sym| self.node_value(node, self.keys.slot(key).0, key);
            if let Some(miss) = node_selector_miss_with(wanted, &self.strings, value) {
                let found = value(miss.key);
                return Some(Reason::NodeSelectorMismatch {
                    wanted: *miss,
                    found: (found != crate::keys::ABSENT).then_some(found),
                });
            }
        }
        let terms = set.affinity?;
        self.affinity_miss(set, terms, node)
    }

    /// A node's value of `key`, whose slot is `slot`, or
    /// [`ABSENT`](crate::keys::ABSENT): from the node's row, else by a search of
    /// its labels.
    #[inline(always)]
    pub(crate) fn node_value(&self, node: &Node, slot: u8, key: Sym) -> Sym {
        let v = node
            .keys
            .0
            .get(slot as usize)
            .copied()
            .unwrap_or(crate::keys::FAR);
        if v != crate::keys::FAR {
            return v;
        }
        self.search_node_value(node, key)
    }

    #[cold]
    #[inline(never)]
    fn search_node_value(&self, node: &Node, key: Sym) -> Sym {
        crate::label::Labels::sorted(self.labels.get(node.labels))
            .get(key)
            .unwrap_or(crate::keys::ABSENT)
    }

    /// Whether the node's labels and name satisfy the required node affinity terms.
    #[inline(always)]
    fn affinity_miss(
        &self,
        set: &DaemonSet,
        terms: crate::table::Span,
        node: &Node,
    ) -> Option<Reason> {
        let value = |r: &crate::selector::Requirement| self.node_value(node, r.slot.0, r.key);
        // The first term's miss is the one reported; the others only may match.
        let terms = self.terms.get(terms);
        let first = match terms.first() {
            None => None,
            Some(t) => Some((t.index, t.check_with(self, node.name, value)?)),
        };
        let rest = terms.get(1..).unwrap_or(&[]);
        if rest
            .iter()
            .any(|t| t.check_with(self, node.name, value).is_none())
        {
            return None;
        }
        Some(Reason::NodeAffinityMismatch {
            terms: set.affinity_terms_written,
            first,
        })
    }

    /// Writes a reason in words, e.g. `node has taint dedicated=gpu:NoSchedule that
    /// the pod does not tolerate`.
    pub fn describe<W: fmt::Write>(&self, set: SetId, reason: &Reason, w: &mut W) -> fmt::Result {
        use crate::text::{put, Quoted};
        let t = |s: Sym| self.strings.resolve(s);
        match reason {
            Reason::Eligible => w.write_str("eligible"),
            Reason::NodeNameMismatch { wanted } => {
                put!(w, "template spec.nodeName is ", Quoted(t(*wanted)))
            }
            Reason::NodeSelectorMismatch { wanted, found } => match found {
                None => put!(
                    w,
                    "nodeSelector wants ",
                    t(wanted.key),
                    "=",
                    t(wanted.value),
                    " but the node has no label ",
                    t(wanted.key)
                ),
                Some(v) => put!(
                    w,
                    "nodeSelector wants ",
                    t(wanted.key),
                    "=",
                    t(wanted.value),
                    " but the node has ",
                    t(wanted.key),
                    "=",
                    t(*v)
                ),
            },
            Reason::NodeAffinityMismatch { terms, first } => {
                let Some((index, miss)) = first else {
                    return put!(
                        w,
                        "required node affinity has ",
                        *terms,
                        " term(s), all empty, so it selects no node"
                    );
                };
                if *terms > 1 {
                    put!(
                        w,
                        "none of the ",
                        *terms,
                        " required node affinity terms matches; "
                    )?;
                } else {
                    w.write_str("required node affinity does not match; ")?;
                }
                put!(w, "term ", *index, ": ")?;
                self.describe_term_miss(set, *index, miss, w)
            }
            Reason::UntoleratedTaint(taint) => {
                w.write_str("node has taint ")?;
                self.write_taint(taint, w)?;
                match taint.effect {
                    TaintEffect::NoSchedule => w.write_str(
                        " that the pod does not tolerate (a pod already there may stay)",
                    ),
                    _ => w.write_str(" that the pod does not tolerate"),
                }?;
                self.describe_comparisons(set, taint, w)
            }
        }
    }

    /// Puts a [`should_run`](Self::should_run) answer's reason in words, as
    /// [`describe`](Self::describe) does, after checking that the answer is still
    /// the engine's: the DaemonSet and the node are the versions it was worked out
    /// from. Once either was updated or removed (and its id perhaps given to
    /// another), the reason may name taints, terms or values that are gone, so it
    /// is refused with [`Error::StaleReason`] rather than re-worded.
    ///
    /// ```
    /// use dsr_core::input::{DaemonSetInput, LabelInput, NodeInput, TaintInput};
    /// let mut engine = dsr_core::TinyEngine::new();
    /// let gpu = [TaintInput { key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" }];
    /// let node = engine.add_node(&NodeInput { name: "gpu-1", taints: &gpu, ..Default::default() }).unwrap();
    /// let app = [LabelInput { key: "app", value: "agent" }];
    /// let set = engine.add_daemon_set(&DaemonSetInput {
    ///     name: "agent", namespace: "kube-system", template_labels: &app, ..Default::default()
    /// }).unwrap();
    /// let p = engine.should_run(set, node).unwrap();
    /// let mut why = String::new();
    /// engine.describe_placement(set, node, &p, &mut why).unwrap();
    /// assert!(why.contains("nvidia.com/gpu"));
    /// // The taint is lifted: the old reason is stale.
    /// engine.update_node(node, &NodeInput { name: "gpu-1", ..Default::default() }).unwrap();
    /// assert_eq!(engine.describe_placement(set, node, &p, &mut why),
    ///            Err(dsr_core::Error::StaleReason));
    /// ```
    pub fn describe_placement<W: fmt::Write>(
        &self,
        set: SetId,
        node: NodeId,
        placement: &Placement,
        w: &mut W,
    ) -> Result<()> {
        let fresh = self.sets.get(set.0).map(|s| s.version) == Some(placement.stamp.set)
            && self.nodes.get(node.0).map(|n| n.version) == Some(placement.stamp.node);
        if !fresh {
            return Err(Error::StaleReason);
        }
        self.describe(set, &placement.reason, w)
            .map_err(|_| Error::Full {
                table: Table::Output,
                capacity: 0,
            })
    }

    /// For each `Gt`/`Lt` toleration of the DaemonSet whose key and effect apply
    /// to `taint`, why it does not tolerate it (`; toleration ... does not tolerate
    /// it: ...`).
    // Written piece by piece with `write_str`: the firmware build counts its bytes.
    fn describe_comparisons<W: fmt::Write>(
        &self,
        set: SetId,
        taint: &Taint,
        w: &mut W,
    ) -> fmt::Result {
        use crate::taint::{ComparisonMiss, TolerationOperator};
        let Some(s) = self.sets.get(set.0) else {
            return Ok(());
        };
        let t = |s: Sym| self.strings.resolve(s);
        let comparisons = self.comparisons();
        // The automatic tolerations are all `Exists`: only the template's can be
        // `Gt`/`Lt`.
        for tol in self.tolerations.get(s.tolerations) {
            let gt = match tol.operator {
                TolerationOperator::Gt => true,
                TolerationOperator::Lt => false,
                _ => continue,
            };
            if !tol.applies_to(taint) {
                continue;
            }
            let Err(miss) = tol.compare(taint, comparisons) else {
                continue;
            };
            let value = t(tol.value);
            let found = t(taint.value);
            let why = match miss {
                ComparisonMiss::GateOff => [
                    "the feature gate TaintTolerationComparisonOperators is off, so Gt and Lt tolerate nothing",
                    "",
                    "",
                    "",
                ],
                ComparisonMiss::TolerationValue(p) => ["its value ", value, " ", p.text()],
                ComparisonMiss::TaintValue(p) => ["the taint's value ", found, " ", p.text()],
                ComparisonMiss::Comparison => [
                    "the taint's value ",
                    found,
                    if gt {
                        " is not greater than "
                    } else {
                        " is not less than "
                    },
                    value,
                ],
            };
            let [a, b, c, d] = why;
            let op = if gt { " Gt " } else { " Lt " };
            let parts = [
                "; toleration ",
                t(tol.key),
                op,
                value,
                " does not tolerate it: ",
                a,
                b,
                c,
                d,
            ];
            for part in parts {
                w.write_str(part)?;
            }
        }
        Ok(())
    }

    /// Writes a taint as `key=value:Effect`.
    pub fn write_taint<W: fmt::Write>(&self, taint: &Taint, w: &mut W) -> fmt::Result {
        use crate::text::put;
        w.write_str(self.strings.resolve(taint.key))?;
        if !taint.value.is_empty() {
            put!(w, "=", self.strings.resolve(taint.value))?;
        }
        let effect = match taint.effect {
            TaintEffect::Other(s) => self.strings.resolve(s),
            e => e.name().unwrap_or(""),
        };
        put!(w, ":", effect)
    }

    fn describe_term_miss<W: fmt::Write>(
        &self,
        set: SetId,
        index: u16,
        miss: &TermMiss,
        w: &mut W,
    ) -> fmt::Result {
        use crate::text::put;
        let term = self
            .sets
            .get(set.0)
            .and_then(|s| s.affinity)
            .and_then(|terms| self.terms.get(terms).iter().find(|t| t.index == index));
        match miss {
            TermMiss::Invalid(TermProblem::UnknownOperator { index }) => put!(
                w,
                "matchExpressions[",
                *index,
                "] has an unsupported operator, so the term matches nothing"
            ),
            TermMiss::Invalid(TermProblem::InvalidExpression { index }) => put!(
                w,
                "matchExpressions[",
                *index,
                "] is invalid, so the term matches nothing"
            ),
            TermMiss::Invalid(TermProblem::InvalidField { index }) => put!(
                w,
                "matchFields[",
                *index,
                "] is invalid (only In/NotIn with one value), so the term matches nothing"
            ),
            TermMiss::Expression { index } => {
                let req = term.and_then(|t| {
                    span(self.requirements.all(), t.expressions).get(*index as usize)
                });
                match req {
                    Some(r) => {
                        w.write_str("node labels do not satisfy ")?;
                        self.write_requirement(r, w)
                    }
                    None => w.write_str("an expression does not match"),
                }
            }
            TermMiss::Field { index } => {
                let f = term.and_then(|t| span(self.fields.all(), t.fields).get(*index as usize));
                match f {
                    Some(f) => put!(
                        w,
                        "node name does not satisfy ",
                        self.strings.resolve(f.field),
                        if f.equal { " In " } else { " NotIn " },
                        self.strings.resolve(f.value)
                    ),
                    None => w.write_str("a field requirement does not match"),
                }
            }
        }
    }

    /// Writes a requirement in selector-string form (`zone in (a,b)`, `!gpu`).
    pub fn write_requirement<W: fmt::Write>(
        &self,
        r: &crate::selector::Requirement,
        w: &mut W,
    ) -> fmt::Result {
        use crate::text::put;
        let key = self.strings.resolve(r.key);
        let values = self.values.get(r.values);
        match r.operator {
            Operator::Exists => w.write_str(key),
            Operator::DoesNotExist => put!(w, "!", key),
            Operator::In | Operator::NotIn => {
                put!(w, key, " ", r.operator.symbol(), " (")?;
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        w.write_str(",")?;
                    }
                    w.write_str(self.strings.resolve(*v))?;
                }
                w.write_str(")")
            }
            op => {
                let v = values
                    .first()
                    .map(|v| self.strings.resolve(*v))
                    .unwrap_or("");
                put!(w, key, op.symbol(), v)
            }
        }
    }
}
