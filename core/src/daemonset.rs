//! Adding DaemonSets to the engine: compiling their selector, node selector, node
//! affinity and the daemon pod's tolerations.

use crate::affinity::{FieldRequirement, Term, TermProblem, NAME_FIELD};
use crate::engine::{DaemonSet, Engine, SetId};
use crate::error::{Error, Field, Result, Table};
use crate::input::{
    DaemonSetInput, LabelSelectorInput, NodeSelectorTermInput, RequirementInput, TolerationInput,
};
use crate::selector::{validate_requirement, Operator, Requirement, RequirementProblem};
use crate::table::Span;
use crate::taint::{self, Toleration, TolerationOperator, DAEMON_TOLERATIONS};

/// Most tolerations a daemon pod may carry (the template's plus the automatic ones).
pub const TOLERATIONS_MAX: usize = 64;

/// Most required node-affinity terms of a DaemonSet, and most `matchExpressions` or
/// `matchFields` of one term, that dsr takes: their positions are kept in 16 bits
/// so that a reason names the term and the requirement that failed. More is
/// [`Error::TooMany`] (the API server accepts more; no real DaemonSet has them).
pub const POSITIONS_MAX: usize = u16::MAX as usize;

/// Label-selector operator names (`metav1.LabelSelectorOperator`).
pub(crate) fn label_selector_operator(s: &str) -> Option<Operator> {
    Some(match s {
        "In" => Operator::In,
        "NotIn" => Operator::NotIn,
        "Exists" => Operator::Exists,
        "DoesNotExist" => Operator::DoesNotExist,
        _ => return None,
    })
}

/// Node-selector operator names (`v1.NodeSelectorOperator`).
pub(crate) fn node_selector_operator(s: &str) -> Option<Operator> {
    Some(match s {
        "Gt" => Operator::GreaterThan,
        "Lt" => Operator::LessThan,
        _ => return label_selector_operator(s),
    })
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
    /// Adds a DaemonSet. `namespace/name` is unique. A selector that upstream's
    /// `LabelSelectorAsSelector` rejects is an error; an invalid node-affinity term is
    /// stored and matches nothing, as upstream.
    pub fn add_daemon_set(&mut self, input: &DaemonSetInput<'_>) -> Result<SetId> {
        self.add_daemon_set_in::<true>(input)
    }

    /// [`add_daemon_set`](Self::add_daemon_set); without `ROOM`, the pools
    /// are not compacted when one fills up (a [`Stage`](crate::stage::Stage)
    /// does that itself).
    pub(crate) fn add_daemon_set_in<const ROOM: bool>(
        &mut self,
        input: &DaemonSetInput<'_>,
    ) -> Result<SetId> {
        if self.find_daemon_set(input.namespace, input.name).is_some() {
            return Err(Error::Duplicate(Table::DaemonSets));
        }
        self.sets.reserve()?;
        self.with_room_if::<ROOM, _>(&mut |e| {
            e.atomically(|e| {
                let set = e.compile_daemon_set(input)?;
                let id = e.sets.insert(set).map(SetId)?;
                e.hold_set(&set, crate::holders::Hold::Retain);
                Ok(id)
            })
        })
        .inspect(|&id| {
            self.sweep_strings();
            self.slot_set_keys(id);
            self.refresh_set_fits(id.0);
        })
    }

    /// Replaces a DaemonSet's spec, keeping its id. On error the old one is kept.
    pub fn update_daemon_set(&mut self, id: SetId, input: &DaemonSetInput<'_>) -> Result<()> {
        self.with_room(&mut |e| e.replace_daemon_set::<false>(id, input, false))
            .map(drop)
    }

    /// Replaces a DaemonSet's spec, keeping its id; with `only_if_changed`, one
    /// whose compiled form does not change is left alone (`Ok(false)`). One
    /// body for both, so that the DaemonSet is compiled once either way. With
    /// `KEEP` (a [`Stage`](crate::stage::Stage)), the old DaemonSet's parts and
    /// string holds are kept for the caller, who gives them back or puts it back.
    pub(crate) fn replace_daemon_set<const KEEP: bool>(
        &mut self,
        id: SetId,
        input: &DaemonSetInput<'_>,
        only_if_changed: bool,
    ) -> Result<bool> {
        let old = *self
            .sets
            .get(id.0)
            .ok_or(Error::NotFound(Table::DaemonSets))?;
        if let Some(other) = self.find_daemon_set(input.namespace, input.name) {
            if other != id {
                return Err(Error::Duplicate(Table::DaemonSets));
            }
        }
        let cp = self.checkpoint();
        let new = self.atomically(|e| e.compile_daemon_set(input))?;
        if only_if_changed && self.same_set(&old, &new) {
            self.rollback(cp);
            return Ok(false);
        }
        self.hold_set(&new, crate::holders::Hold::Retain);
        if !KEEP {
            self.hold_set(&old, crate::holders::Hold::Release);
        }
        self.sweep_strings();
        let slot = self.sets.get_mut(id.0).ok_or(Error::LogicBug)?;
        *slot = new;
        if !KEEP {
            self.free_set_parts(&old);
        }
        self.keys.stale = true;
        self.slot_set_keys(id);
        self.refresh_set_fits(id.0);
        Ok(true)
    }

    /// [`update_daemon_set`](Self::update_daemon_set), except that a DaemonSet
    /// whose compiled form does not change is left alone (its version, and so
    /// the placements answered from it, stay): `Ok(false)`.
    #[cfg_attr(not(feature = "json"), allow(dead_code))]
    pub(crate) fn update_daemon_set_if_changed(
        &mut self,
        id: SetId,
        input: &DaemonSetInput<'_>,
    ) -> Result<bool> {
        self.with_room(&mut |e| e.replace_daemon_set::<false>(id, input, true))
    }

    /// Whether two compiled DaemonSets say the same (their versions and where
    /// their parts sit aside).
    fn same_set(&self, a: &DaemonSet, b: &DaemonSet) -> bool {
        let scalars = DaemonSet {
            selector: None,
            template_labels: Span::default(),
            node_selector: Span::default(),
            affinity: None,
            tolerations: Span::default(),
            version: 0,
            ..*a
        } == DaemonSet {
            selector: None,
            template_labels: Span::default(),
            node_selector: Span::default(),
            affinity: None,
            tolerations: Span::default(),
            version: 0,
            ..*b
        };
        let same_terms = match (a.affinity, b.affinity) {
            (None, None) => true,
            (Some(x), Some(y)) => {
                let (x, y) = (self.terms.get(x), self.terms.get(y));
                x.len() == y.len()
                    && x.iter().zip(y).all(|(s, t)| {
                        (s.index, s.problem) == (t.index, t.problem)
                            && self.same_requirements(s.expressions, t.expressions)
                            && self.fields.get(s.fields) == self.fields.get(t.fields)
                    })
            }
            _ => false,
        };
        scalars
            && same_terms
            && match (a.selector, b.selector) {
                (None, None) => true,
                (Some(x), Some(y)) => self.same_requirements(x, y),
                _ => false,
            }
            && self.labels.get(a.template_labels) == self.labels.get(b.template_labels)
            && self.labels.get(a.node_selector) == self.labels.get(b.node_selector)
            && self.tolerations.get(a.tolerations) == self.tolerations.get(b.tolerations)
    }

    fn same_requirements(&self, a: Span, b: Span) -> bool {
        let (x, y) = (self.requirements.get(a), self.requirements.get(b));
        x.len() == y.len()
            && x.iter().zip(y).all(|(r, s)| {
                (r.key, r.operator) == (s.key, s.operator)
                    && self.values.get(r.values) == self.values.get(s.values)
            })
    }

    pub(crate) fn compile_daemon_set(&mut self, input: &DaemonSetInput<'_>) -> Result<DaemonSet> {
        let name = self.intern(input.name, Field::Name)?;
        let namespace = self.intern(input.namespace, Field::Namespace)?;
        let uid = self.intern(input.uid, Field::Uid)?;
        let selector = match &input.selector {
            None => None,
            Some(sel) => Some(self.compile_label_selector(sel)?),
        };
        let template_labels = self.push_labels(input.template_labels)?;
        let node_selector = self.push_labels(input.node_selector)?;
        let (affinity, written) = match input.required_node_affinity {
            None => (None, 0),
            Some(terms) => {
                let written = positions(terms.len(), Field::NodeSelectorTerms)?;
                (Some(self.compile_terms(terms)?), written)
            }
        };
        let (tolerations, automatic_tolerations) =
            self.compile_daemon_tolerations(input.tolerations, input.host_network)?;
        let node_name = self.intern(input.node_name, Field::NodeName)?;
        let rollout = self.compile_rollout(input)?;
        Ok(DaemonSet {
            name,
            namespace,
            uid,
            selector,
            template_labels,
            node_selector,
            affinity,
            affinity_terms_written: written,
            tolerations,
            automatic_tolerations,
            node_name,
            host_network: input.host_network,
            generation: input.generation,
            observed_generation: input.observed_generation,
            deleting: input.deleting,
            update_strategy: rollout.update_strategy,
            min_ready_seconds: input.min_ready_seconds,
            revision_hash: rollout.revision_hash,
            template_generation: rollout.template_generation,
            template_generation_label: rollout.template_generation_label,
            version: self.new_version(),
        })
    }

    /// Stores one checked requirement and its values.
    pub(crate) fn push_requirement(
        &mut self,
        key: &str,
        operator: Operator,
        values: &[&str],
    ) -> Result<()> {
        self.values.reserve(values.len())?;
        let key = self.intern(key, Field::LabelKey)?;
        let mark = self.values.mark();
        for v in values {
            let v = self.intern(v, Field::LabelValue)?;
            self.values.push(v)?;
        }
        let values = self.values.since(mark);
        self.requirements.push(Requirement {
            key,
            operator,
            values,
            slot: crate::keys::KeySlot::default(),
        })
    }

    /// Orders a selector's requirements by key text, as upstream does, so that
    /// messages name the same requirement first whatever the input order.
    fn sort_requirements(&mut self, span: Span) {
        let strings = &self.strings;
        // Requirements equal in all three are identical, so an unstable sort is
        // deterministic.
        crate::sort::sort_by(self.requirements.get_mut(span), |a, b| {
            strings
                .resolve(a.key)
                .cmp(strings.resolve(b.key))
                .then((a.operator as u8).cmp(&(b.operator as u8)))
                .then(a.values.start.cmp(&b.values.start))
        });
    }

    /// Compiles a `metav1.LabelSelector` as upstream's `LabelSelectorAsSelector`.
    pub(crate) fn compile_label_selector(&mut self, sel: &LabelSelectorInput<'_>) -> Result<Span> {
        let invalid = |problem| Error::Requirement {
            field: Field::Selector,
            problem,
        };
        // Check everything first, so nothing is stored for an invalid selector.
        for l in sel.match_labels {
            validate_requirement(l.key, Operator::Equals, core::iter::once(l.value))
                .map_err(invalid)?;
        }
        for r in sel.match_expressions {
            let op = label_selector_operator(r.operator)
                .ok_or(invalid(RequirementProblem::UnknownOperator))?;
            validate_requirement(r.key, op, r.values.iter().copied()).map_err(invalid)?;
        }
        self.requirements
            .reserve(sel.match_labels.len() + sel.match_expressions.len())?;
        let mark = self.requirements.mark();
        for l in sel.match_labels {
            self.push_requirement(l.key, Operator::Equals, &[l.value])?;
        }
        for r in sel.match_expressions {
            let op = label_selector_operator(r.operator).ok_or(Error::LogicBug)?;
            self.push_requirement(r.key, op, r.values)?;
        }
        let span = self.requirements.since(mark);
        self.sort_requirements(span);
        Ok(span)
    }

    /// Compiles required node-affinity terms as upstream's `NewLazyErrorNodeSelector`:
    /// empty terms are dropped, invalid ones kept with their problem.
    fn compile_terms(&mut self, terms: &[NodeSelectorTermInput<'_>]) -> Result<Span> {
        // Empty terms are not stored, so they need no room.
        let stored = terms
            .iter()
            .filter(|t| !(t.match_expressions.is_empty() && t.match_fields.is_empty()))
            .count();
        // Checked before anything is stored.
        positions(terms.len(), Field::NodeSelectorTerms)?;
        for t in terms {
            positions(t.match_expressions.len(), Field::MatchExpressions)?;
            positions(t.match_fields.len(), Field::MatchFields)?;
        }
        self.terms.reserve(stored)?;
        let first = self.terms.mark();
        for (i, t) in terms.iter().enumerate() {
            if t.match_expressions.is_empty() && t.match_fields.is_empty() {
                continue;
            }
            let index = positions(i, Field::NodeSelectorTerms)?;
            let term = self.compile_term(index, t)?;
            self.terms.push(term)?;
        }
        Ok(self.terms.since(first))
    }

    fn compile_term(&mut self, index: u16, t: &NodeSelectorTermInput<'_>) -> Result<Term> {
        let problem = term_problem(t);
        let mut expressions = Span::EMPTY;
        let mut fields = Span::EMPTY;
        if problem.is_none() {
            self.requirements.reserve(t.match_expressions.len())?;
            let mark = self.requirements.mark();
            for r in t.match_expressions {
                let op = node_selector_operator(r.operator).ok_or(Error::LogicBug)?;
                self.push_requirement(r.key, op, r.values)?;
            }
            expressions = self.requirements.since(mark);
            self.sort_requirements(expressions);
            self.fields.reserve(t.match_fields.len())?;
            let mark = self.fields.mark();
            for r in t.match_fields {
                let field = self.intern(r.key, Field::MatchFields)?;
                let value =
                    self.intern(r.values.first().copied().unwrap_or(""), Field::MatchFields)?;
                self.fields.push(FieldRequirement {
                    field,
                    is_name: r.key == NAME_FIELD,
                    equal: r.operator == "In",
                    value,
                })?;
            }
            fields = self.fields.since(mark);
        }
        Ok(Term {
            index,
            expressions,
            fields,
            problem,
        })
    }

    /// The daemon pod's tolerations: the template's, with the automatic ones merged
    /// in as upstream's `AddOrUpdateDaemonPodTolerations` does. Only the template's
    /// are stored; the automatic ones it did not have are bits.
    fn compile_daemon_tolerations(
        &mut self,
        input: &[TolerationInput<'_>],
        host_network: bool,
    ) -> Result<(Span, u8)> {
        let too_many = Error::Full {
            table: Table::Tolerations,
            capacity: crate::error::saturating_u32(TOLERATIONS_MAX),
        };
        let mark = self.tolerations.mark();
        for (n, t) in input.iter().enumerate() {
            let compiled = self.compile_toleration(t)?;
            if n >= TOLERATIONS_MAX {
                return Err(too_many);
            }
            self.tolerations.push(compiled)?;
        }
        let automatic = if host_network {
            DAEMON_TOLERATIONS.len()
        } else {
            DAEMON_TOLERATIONS.len() - 1
        };
        let mut mask = 0u8;
        for (i, (key, _)) in DAEMON_TOLERATIONS.iter().enumerate().take(automatic) {
            let key = self.intern(key, Field::Toleration)?;
            let auto = self.set_automatic_toleration(i, key);
            let span = self.tolerations.since(mark);
            // Upstream's `AddOrUpdateTolerationInPodSpec`: an identical one changes
            // nothing, one of the same rule is replaced, else it is appended.
            if taint::merge(self.tolerations.get_mut(span), auto) {
                mask |= 1 << i;
            }
        }
        let span = self.tolerations.since(mark);
        if span.len() + mask.count_ones() as usize > TOLERATIONS_MAX {
            return Err(too_many);
        }
        Ok((span, mask))
    }

    pub(crate) fn compile_toleration(&mut self, t: &TolerationInput<'_>) -> Result<Toleration> {
        toleration_of(t, &mut |s, field| self.intern(s, field))
    }
}

/// A toleration with its strings made symbols by `sym` (key, value, effect,
/// then operator, in that order: the first that fails is the error).
pub(crate) fn toleration_of<'a>(
    t: &TolerationInput<'a>,
    sym: &mut impl FnMut(&'a str, Field) -> Result<crate::intern::Sym>,
) -> Result<Toleration> {
    let key = sym(t.key, Field::Toleration)?;
    let value = sym(t.value, Field::Toleration)?;
    let effect = crate::node::effect_of(t.effect, Field::Toleration, sym)?;
    let mut failure = None;
    let operator =
        TolerationOperator::classify(t.operator, || match sym(t.operator, Field::Toleration) {
            Ok(s) => Some(s),
            Err(e) => {
                failure = Some(e);
                None
            }
        })
        .ok_or(failure.unwrap_or(Error::LogicBug))?;
    Ok(Toleration {
        key,
        operator,
        value,
        effect,
        toleration_seconds: t.toleration_seconds,
    })
}

/// `len` (a count or a position) in 16 bits, or [`Error::TooMany`] naming the list
/// and the limit.
fn positions(len: usize, field: Field) -> Result<u16> {
    u16::try_from(len).map_err(|_| Error::TooMany {
        field,
        max: crate::error::saturating_u32(POSITIONS_MAX),
    })
}

/// Why a non-empty term is invalid, checked as upstream parses it.
fn term_problem(t: &NodeSelectorTermInput<'_>) -> Option<TermProblem> {
    for (i, r) in t.match_expressions.iter().enumerate() {
        let index = u16::try_from(i).unwrap_or(u16::MAX);
        let Some(op) = node_selector_operator(r.operator) else {
            return Some(TermProblem::UnknownOperator { index });
        };
        if validate_requirement(r.key, op, r.values.iter().copied()).is_err() {
            return Some(TermProblem::InvalidExpression { index });
        }
    }
    for (i, r) in t.match_fields.iter().enumerate() {
        let index = u16::try_from(i).unwrap_or(u16::MAX);
        if !field_requirement_valid(r) {
            return Some(TermProblem::InvalidField { index });
        }
    }
    None
}

/// `matchFields` take `In` or `NotIn` with exactly one value; the key is not checked.
fn field_requirement_valid(r: &RequirementInput<'_>) -> bool {
    matches!(r.operator, "In" | "NotIn") && r.values.len() == 1
}
