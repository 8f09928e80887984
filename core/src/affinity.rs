//! Required node affinity and `nodeSelector`: upstream's
//! `nodeaffinity.GetRequiredNodeAffinity(pod).Match(node)`.

use crate::intern::{Resolve, Sym};
use crate::label::{Label, Labels};
use crate::selector::Requirement;
use crate::table::Span;

/// A `matchFields` requirement: a node field compared with one value.
///
/// A node exposes one field, `metadata.name` (and only when its name is set); any
/// other field reads as the empty string, as upstream's `fields.Set` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct FieldRequirement {
    /// The field as written.
    pub field: Sym,
    /// Whether the field is `metadata.name`.
    pub is_name: bool,
    /// `true` for `In`, `false` for `NotIn`.
    pub equal: bool,
    /// The one value.
    pub value: Sym,
}

/// The node field key dsr knows.
pub const NAME_FIELD: &str = "metadata.name";

impl FieldRequirement {
    /// Whether a node called `node_name` satisfies this requirement.
    pub fn matches(&self, node_name: Sym) -> bool {
        // A node without a name has no fields, and upstream then skips matchFields.
        if node_name.is_empty() {
            return true;
        }
        let have = if self.is_name { node_name } else { Sym::EMPTY };
        (have == self.value) == self.equal
    }
}

/// Why a node-selector term is invalid, so that it matches nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum TermProblem {
    /// Expression `index` has an operator that node affinity does not know.
    UnknownOperator {
        /// Index in `matchExpressions`.
        index: u16,
    },
    /// Expression `index` fails upstream's requirement validation (key, value count,
    /// values, integer for `Gt`/`Lt`).
    InvalidExpression {
        /// Index in `matchExpressions`.
        index: u16,
    },
    /// Field requirement `index` is not `metadata.name` `In`/`NotIn` with one value.
    InvalidField {
        /// Index in `matchFields`.
        index: u16,
    },
}

/// One compiled node-selector term. Empty terms are not stored: they select nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Term {
    /// Position in the user's `nodeSelectorTerms`, for messages.
    pub index: u16,
    /// Label requirements (`matchExpressions`), in the requirement pool.
    pub expressions: Span,
    /// Field requirements (`matchFields`), in the field pool.
    pub fields: Span,
    /// Set when the term does not parse: it then matches nothing.
    pub problem: Option<TermProblem>,
}

/// The first reason a term does not match a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum TermMiss {
    /// The term is invalid.
    Invalid(TermProblem),
    /// `matchExpressions[index]` is not satisfied.
    Expression {
        /// Index in the stored (key-sorted) requirements of the term.
        index: u16,
    },
    /// `matchFields[index]` is not satisfied.
    Field {
        /// Index in `matchFields`.
        index: u16,
    },
}

/// The pools a term refers to.
pub struct TermPools<'a, R: Resolve> {
    /// Requirements.
    pub requirements: &'a [Requirement],
    /// Values of requirements.
    pub values: &'a [Sym],
    /// Field requirements.
    pub fields: &'a [FieldRequirement],
    /// Text, for integer comparisons.
    pub strings: &'a R,
}

/// Where a term's parts are: [`TermPools`], or the engine itself (whose pools are
/// at fixed places, so evaluation need not keep each pool's address at hand).
pub(crate) trait Pools {
    /// The text of symbols.
    type Strings: Resolve;
    /// Every requirement.
    fn requirements(&self) -> &[Requirement];
    /// Every requirement value.
    fn values(&self) -> &[Sym];
    /// Every field requirement.
    fn fields(&self) -> &[FieldRequirement];
    /// The strings.
    fn strings(&self) -> &Self::Strings;
}

impl<R: Resolve> Pools for TermPools<'_, R> {
    type Strings = R;
    #[inline(always)]
    fn requirements(&self) -> &[Requirement] {
        self.requirements
    }
    #[inline(always)]
    fn values(&self) -> &[Sym] {
        self.values
    }
    #[inline(always)]
    fn fields(&self) -> &[FieldRequirement] {
        self.fields
    }
    #[inline(always)]
    fn strings(&self) -> &R {
        self.strings
    }
}

impl Term {
    /// `None` when the term matches the node, else the first thing that failed.
    pub fn check<R: Resolve>(
        &self,
        pools: &TermPools<'_, R>,
        node_name: Sym,
        labels: Labels<'_>,
    ) -> Option<TermMiss> {
        self.check_with(pools, node_name, |r| {
            labels.get(r.key).unwrap_or(crate::keys::ABSENT)
        })
    }

    /// [`check`](Self::check) with the node's value of each requirement's key from
    /// `value` ([`ABSENT`](crate::keys::ABSENT) when the node does not have it).
    /// This is the only place a term is decided.
    #[inline(always)]
    pub(crate) fn check_with(
        &self,
        pools: &impl Pools,
        node_name: Sym,
        value: impl Fn(&Requirement) -> Sym,
    ) -> Option<TermMiss> {
        if let Some(p) = self.problem {
            return Some(TermMiss::Invalid(p));
        }
        let reqs = span(pools.requirements(), self.expressions);
        for (i, r) in reqs.iter().enumerate() {
            let values = pools.values();
            if !r.holds(value(r), values, |v| span(v, r.values), pools.strings()) {
                return Some(TermMiss::Expression { index: i as u16 });
            }
        }
        if self.fields.len == 0 {
            return None;
        }
        let fields = span(pools.fields(), self.fields);
        for (i, f) in fields.iter().enumerate() {
            if !f.matches(node_name) {
                return Some(TermMiss::Field { index: i as u16 });
            }
        }
        None
    }
}

/// The entries of `span` in `pool`; empty when out of range.
#[inline]
pub(crate) fn span<T>(pool: &[T], span: Span) -> &[T] {
    let start = span.start as usize;
    pool.get(start..start + span.len()).unwrap_or(&[])
}

/// Whether a node whose value of the entry's key is `found`
/// ([`ABSENT`](crate::keys::ABSENT) when it does not have the key) satisfies one
/// `nodeSelector` entry. This is the only place an entry is decided.
#[inline(always)]
pub(crate) fn node_selector_holds(want: &Label, found: Sym) -> bool {
    found == want.value
}

/// The `nodeSelector` entry the node's labels do not satisfy that comes first in key
/// order (upstream's selector sorts its requirements by key), so the reason does not
/// depend on the order strings were interned in.
pub fn node_selector_miss<'a>(
    node_selector: &'a [Label],
    labels: Labels<'_>,
    strings: &impl Resolve,
) -> Option<&'a Label> {
    node_selector_miss_with(node_selector, strings, |key| {
        labels.get(key).unwrap_or(crate::keys::ABSENT)
    })
}

/// [`node_selector_miss`] with the node's value of each key from `value`.
#[inline(always)]
pub(crate) fn node_selector_miss_with<'a>(
    node_selector: &'a [Label],
    strings: &impl Resolve,
    value: impl Fn(Sym) -> Sym,
) -> Option<&'a Label> {
    // Every entry is looked at (they are few), so a miss is found without a branch
    // per entry; the one to report is picked only when there is one.
    let (head, tail) = node_selector.split_at(node_selector.len().min(64));
    let misses = head.iter().enumerate().fold(0u64, |m, (i, want)| {
        m | u64::from(!node_selector_holds(want, value(want.key))) << i
    });
    if tail.is_empty() {
        if misses == 0 {
            return None;
        }
        if misses.is_power_of_two() {
            // One miss: it comes first in any order.
            return head.get(misses.trailing_zeros() as usize);
        }
    }
    first_miss(node_selector, strings, value)
}

#[cold]
#[inline(never)]
fn first_miss<'a>(
    node_selector: &'a [Label],
    strings: &impl Resolve,
    value: impl Fn(Sym) -> Sym,
) -> Option<&'a Label> {
    node_selector
        .iter()
        .filter(|want| !node_selector_holds(want, value(want.key)))
        .min_by(|a, b| strings.resolve(a.key).cmp(strings.resolve(b.key)))
}
