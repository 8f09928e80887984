//! Whether a DaemonSet's pod belongs on a node: upstream's `NodeShouldRunDaemonPod`,
//! with the reason for every "no".

use core::fmt;

use crate::affinity::{node_selector_miss, span, TermMiss, TermPools, TermProblem};
use crate::engine::{DaemonSet, Engine, Node, NodeId, SetId};
use crate::error::{Error, Result, Table};
use crate::intern::{Interner, Sym};
use crate::label::{Label, Labels};
use crate::selector::Operator;
use crate::taint::{blocking_taint, Taint, TaintEffect};

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
}

/// `should_run` and `should_continue_running` of a (DaemonSet, node) pair without
/// the reason: what [`Engine::fit`] reads from the placements the engine keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Fit {
    /// A daemon pod should be created on the node if it has none.
    pub should_run: bool,
    /// A daemon pod already on the node may stay.
    pub should_continue_running: bool,
}

impl Placement {
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

    const fn no(reason: Reason) -> Self {
        Placement {
            should_run: false,
            should_continue_running: false,
            reason,
        }
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

    /// [`should_run`](Self::should_run) on stored records.
    pub fn placement(&self, set: &DaemonSet, node: &Node) -> Placement {
        if !set.node_name.is_empty() && set.node_name != node.name {
            return Placement::no(Reason::NodeNameMismatch {
                wanted: set.node_name,
            });
        }
        if let Some(reason) = self.required_affinity_miss(set, node) {
            return Placement::no(reason);
        }
        if !node.taints.is_empty() {
            let taints = self.taints.get(node.taints);
            let tolerations = self.daemon_tolerations(set);
            if let Some(t) = blocking_taint(taints, &tolerations) {
                return Placement {
                    should_run: false,
                    should_continue_running: t.effect != TaintEffect::NoExecute,
                    reason: Reason::UntoleratedTaint(*t),
                };
            }
        }
        Placement {
            should_run: true,
            should_continue_running: true,
            reason: Reason::Eligible,
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
    fn required_affinity_miss(&self, set: &DaemonSet, node: &Node) -> Option<Reason> {
        if set.node_selector.is_empty() && set.affinity.is_none() {
            return None;
        }
        let labels = self.node_label_set(node);
        if !set.node_selector.is_empty() {
            let wanted = self.labels.get(set.node_selector);
            if let Some(miss) = node_selector_miss(wanted, labels, &self.strings) {
                return Some(Reason::NodeSelectorMismatch {
                    wanted: *miss,
                    found: labels.get(miss.key),
                });
            }
        }
        let terms = set.affinity?;
        self.affinity_miss(set, terms, node.name, labels)
    }

    /// Whether the node's labels and name satisfy the required node affinity terms.
    fn affinity_miss(
        &self,
        set: &DaemonSet,
        terms: crate::table::Span,
        node_name: Sym,
        labels: Labels<'_>,
    ) -> Option<Reason> {
        let pools = self.term_pools();
        let mut first = None;
        for t in self.terms.get(terms) {
            match t.check(&pools, node_name, labels) {
                None => return None,
                Some(miss) => {
                    if first.is_none() {
                        first = Some((t.index, miss));
                    }
                }
            }
        }
        Some(Reason::NodeAffinityMismatch {
            terms: set.affinity_terms_written,
            first,
        })
    }

    pub(crate) fn term_pools(&self) -> TermPools<'_, Interner<STRINGS, BYTES>> {
        TermPools {
            requirements: self.requirements.all(),
            values: self.values.all(),
            fields: self.fields.all(),
            strings: &self.strings,
        }
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
                }
            }
        }
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
