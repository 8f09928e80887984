//! Who holds which string: the one list of every string handle the engine stores.
//!
//! Each stored type names its own [`Sym`] fields ([`SymFields`]); the engine adds
//! what an object reaches through its spans (a node's labels and taints, a
//! DaemonSet's selector, terms and tolerations). Reclamation counts holders with
//! it ([`Engine::hold_node`] and friends), and a snapshot renumbers strings with
//! it, so a handle added to a type is added here once and every user follows.

use crate::affinity::{FieldRequirement, Term};
use crate::engine::{DaemonSet, Engine, Node};
#[cfg(not(feature = "compact"))]
use crate::error::Error;
use crate::error::{Result, Table};
use crate::intern::{Interner, Sym};
use crate::label::Label;
use crate::pod::Pod;
use crate::selector::Requirement;
use crate::sync::backoff::BackoffEntry;
use crate::table::{Entry, Span};
use crate::taint::{Taint, TaintEffect, Toleration, TolerationOperator, DAEMON_TOLERATIONS};

/// A stored value's own string handles (not those of the pool entries it spans).
pub(crate) trait SymFields {
    /// Calls `f` on every string handle of the value.
    fn each_sym(&mut self, f: &mut dyn FnMut(&mut Sym));
}

/// Calls `f` with each string handle of a copy of `x`.
pub(crate) fn syms_of<T: SymFields + Copy>(x: &T, f: &mut dyn FnMut(Sym)) {
    let mut copy = *x;
    copy.each_sym(&mut |s| f(*s));
}

impl SymFields for Sym {
    fn each_sym(&mut self, f: &mut dyn FnMut(&mut Sym)) {
        f(self);
    }
}

impl SymFields for Label {
    fn each_sym(&mut self, f: &mut dyn FnMut(&mut Sym)) {
        f(&mut self.key);
        f(&mut self.value);
    }
}

impl SymFields for TaintEffect {
    fn each_sym(&mut self, f: &mut dyn FnMut(&mut Sym)) {
        if let TaintEffect::Other(s) = self {
            f(s);
        }
    }
}

impl SymFields for Taint {
    fn each_sym(&mut self, f: &mut dyn FnMut(&mut Sym)) {
        f(&mut self.key);
        f(&mut self.value);
        self.effect.each_sym(f);
    }
}

impl SymFields for Toleration {
    fn each_sym(&mut self, f: &mut dyn FnMut(&mut Sym)) {
        f(&mut self.key);
        if let TolerationOperator::Other(s) = &mut self.operator {
            f(s);
        }
        f(&mut self.value);
        self.effect.each_sym(f);
    }
}

impl SymFields for Requirement {
    fn each_sym(&mut self, f: &mut dyn FnMut(&mut Sym)) {
        f(&mut self.key);
    }
}

impl SymFields for Term {
    fn each_sym(&mut self, _: &mut dyn FnMut(&mut Sym)) {}
}

impl SymFields for FieldRequirement {
    fn each_sym(&mut self, f: &mut dyn FnMut(&mut Sym)) {
        f(&mut self.field);
        f(&mut self.value);
    }
}

impl SymFields for Node {
    fn each_sym(&mut self, f: &mut dyn FnMut(&mut Sym)) {
        f(&mut self.name);
    }
}

impl SymFields for DaemonSet {
    fn each_sym(&mut self, f: &mut dyn FnMut(&mut Sym)) {
        f(&mut self.name);
        f(&mut self.namespace);
        f(&mut self.uid);
        f(&mut self.node_name);
        f(&mut self.revision_hash);
        f(&mut self.template_generation_label);
    }
}

impl SymFields for Pod {
    fn each_sym(&mut self, f: &mut dyn FnMut(&mut Sym)) {
        f(&mut self.name);
        f(&mut self.namespace);
        f(&mut self.uid);
        if let Some(s) = &mut self.controller_uid {
            f(s);
        }
        f(&mut self.node_name);
        if let Some(s) = &mut self.target_node {
            f(s);
        }
        f(&mut self.revision_hash);
        f(&mut self.template_generation);
        f(&mut self.controller_name);
    }
}

impl SymFields for BackoffEntry {
    fn each_sym(&mut self, f: &mut dyn FnMut(&mut Sym)) {
        f(&mut self.node);
    }
}

#[cfg(feature = "json")]
impl SymFields for crate::revisions::Remembered {
    fn each_sym(&mut self, f: &mut dyn FnMut(&mut Sym)) {
        f(&mut self.namespace);
        f(&mut self.uid);
        f(&mut self.hash);
    }
}

// What a freed pool entry holds: a key (or first span) no stored entry has.
impl Entry for Label {
    const TABLE: Table = Table::Labels;
    const VACANT: Self = Label {
        key: Sym::VACANT,
        value: Sym::VACANT,
    };
    fn is_vacant(&self) -> bool {
        self.key == Sym::VACANT
    }
    fn record(a: u32, b: u32) -> Option<Self> {
        Some(Label {
            key: Sym(a),
            value: Sym(b),
        })
    }
    fn read_record(&self) -> (u32, u32) {
        (self.key.0, self.value.0)
    }
}

impl Entry for Taint {
    const TABLE: Table = Table::Taints;
    const VACANT: Self = Taint {
        key: Sym::VACANT,
        value: Sym::VACANT,
        effect: TaintEffect::Unset,
    };
    fn is_vacant(&self) -> bool {
        self.key == Sym::VACANT
    }
    fn record(a: u32, b: u32) -> Option<Self> {
        Some(Taint {
            key: Sym(a),
            value: Sym(b),
            effect: TaintEffect::Unset,
        })
    }
    fn read_record(&self) -> (u32, u32) {
        (self.key.0, self.value.0)
    }
}

impl Entry for Toleration {
    const TABLE: Table = Table::Tolerations;
    const VACANT: Self = Toleration {
        key: Sym::VACANT,
        operator: TolerationOperator::Exists,
        value: Sym::VACANT,
        effect: TaintEffect::Unset,
        toleration_seconds: None,
    };
    fn is_vacant(&self) -> bool {
        self.key == Sym::VACANT
    }
    fn record(a: u32, b: u32) -> Option<Self> {
        Some(Toleration {
            key: Sym(a),
            value: Sym(b),
            ..Self::VACANT
        })
    }
    fn read_record(&self) -> (u32, u32) {
        (self.key.0, self.value.0)
    }
}

impl Entry for Requirement {
    const TABLE: Table = Table::Requirements;
    const VACANT: Self = Requirement {
        key: Sym::VACANT,
        operator: crate::selector::Operator::Exists,
        values: Span::EMPTY,
        slot: crate::keys::KeySlot(crate::keys::NO_SLOT),
    };
    fn is_vacant(&self) -> bool {
        self.key == Sym::VACANT
    }
    fn record(a: u32, b: u32) -> Option<Self> {
        Some(Requirement {
            key: Sym(a),
            values: Span { start: b, len: 0 },
            ..Self::VACANT
        })
    }
    fn read_record(&self) -> (u32, u32) {
        (self.key.0, self.values.start)
    }
}

impl Entry for Sym {
    const TABLE: Table = Table::Values;
    const VACANT: Self = Sym::VACANT;
    fn is_vacant(&self) -> bool {
        *self == Sym::VACANT
    }
}

/// A vacant term's expressions start past any pool.
const VACANT_TERM: u32 = u32::MAX;

impl Entry for Term {
    const TABLE: Table = Table::Terms;
    const VACANT: Self = Term {
        index: 0,
        expressions: Span {
            start: VACANT_TERM,
            len: 0,
        },
        fields: Span::EMPTY,
        problem: None,
    };
    fn is_vacant(&self) -> bool {
        self.expressions.start == VACANT_TERM
    }
    fn record(a: u32, b: u32) -> Option<Self> {
        Some(Term {
            expressions: Span { start: a, len: b },
            ..Self::VACANT
        })
    }
    fn read_record(&self) -> (u32, u32) {
        (self.expressions.start, self.expressions.len)
    }
}

impl Entry for FieldRequirement {
    const TABLE: Table = Table::Fields;
    const VACANT: Self = FieldRequirement {
        field: Sym::VACANT,
        is_name: false,
        equal: false,
        value: Sym::VACANT,
    };
    fn is_vacant(&self) -> bool {
        self.field == Sym::VACANT
    }
    fn record(a: u32, b: u32) -> Option<Self> {
        Some(FieldRequirement {
            field: Sym(a),
            value: Sym(b),
            ..Self::VACANT
        })
    }
    fn read_record(&self) -> (u32, u32) {
        (self.field.0, self.value.0)
    }
}

/// A stored value's own spans (not those of the entries they span), each with
/// the pool it indexes: what a snapshot renumbers.
#[cfg_attr(any(not(feature = "snapshot"), feature = "compact"), allow(dead_code))]
pub(crate) trait SpanFields {
    /// Calls `f` on every span of the value, in the order
    /// [`Engine::each_held`] visits them.
    fn each_span(&mut self, _f: &mut dyn FnMut(Table, &mut Span)) {}
}

impl SpanFields for Sym {}
impl SpanFields for Label {}
impl SpanFields for Taint {}
impl SpanFields for Toleration {}
impl SpanFields for FieldRequirement {}
impl SpanFields for BackoffEntry {}

impl SpanFields for Requirement {
    fn each_span(&mut self, f: &mut dyn FnMut(Table, &mut Span)) {
        f(Table::Values, &mut self.values);
    }
}

impl SpanFields for Term {
    fn each_span(&mut self, f: &mut dyn FnMut(Table, &mut Span)) {
        f(Table::Requirements, &mut self.expressions);
        f(Table::Fields, &mut self.fields);
    }
}

impl SpanFields for Node {
    fn each_span(&mut self, f: &mut dyn FnMut(Table, &mut Span)) {
        f(Table::Labels, &mut self.labels);
        f(Table::Taints, &mut self.taints);
    }
}

impl SpanFields for DaemonSet {
    fn each_span(&mut self, f: &mut dyn FnMut(Table, &mut Span)) {
        if let Some(s) = &mut self.selector {
            f(Table::Requirements, s);
        }
        f(Table::Labels, &mut self.template_labels);
        f(Table::Labels, &mut self.node_selector);
        if let Some(s) = &mut self.affinity {
            f(Table::Terms, s);
        }
        f(Table::Tolerations, &mut self.tolerations);
    }
}

impl SpanFields for Pod {
    fn each_span(&mut self, f: &mut dyn FnMut(Table, &mut Span)) {
        f(Table::Labels, &mut self.labels);
    }
}

/// Whether a holder comes or goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hold {
    /// One more holder of each string.
    Retain,
    /// One holder less; strings left with none are freed.
    Release,
}

impl Hold {
    #[inline]
    pub(crate) fn apply<const S: usize, const B: usize>(
        self,
        strings: &mut Interner<S, B>,
        s: Sym,
    ) {
        match self {
            Hold::Retain => strings.retain(s),
            Hold::Release => strings.release(s),
        }
    }
}

/// How many automatic daemon-pod tolerations a DaemonSet's pod gets (the last one
/// only with `hostNetwork`).
pub(crate) const fn automatic_count(host_network: bool) -> usize {
    if host_network {
        DAEMON_TOLERATIONS.len()
    } else {
        DAEMON_TOLERATIONS.len() - 1
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
    /// Counts a node as a holder of its strings, or not any more.
    pub(crate) fn hold_node(&mut self, n: &Node, hold: Hold) {
        let Engine {
            strings,
            labels,
            taints,
            ..
        } = self;
        let f = &mut |s| hold.apply(strings, s);
        syms_of(n, f);
        for l in labels.get(n.labels) {
            syms_of(l, f);
        }
        for t in taints.get(n.taints) {
            syms_of(t, f);
        }
    }

    /// Moves a node's holds from `old` to `new`: what `new` holds is counted first,
    /// then what `old` held is given back. Labels at the same place in both (the
    /// usual update: a value changed, or nothing dsr reads) are skipped, so an
    /// update costs what it changes.
    #[cfg(not(feature = "compact"))]
    pub(crate) fn hold_node_change(&mut self, old: &Node, new: &Node) {
        let Engine {
            strings,
            labels,
            taints,
            ..
        } = self;
        let (was, now) = (labels.get(old.labels), labels.get(new.labels));
        let pairwise = was.len() == now.len();
        for hold in [Hold::Retain, Hold::Release] {
            let (node, mine, theirs) = match hold {
                Hold::Retain => (new, now, was),
                Hold::Release => (old, was, now),
            };
            let f = &mut |s| hold.apply(strings, s);
            syms_of(node, f);
            for (i, l) in mine.iter().enumerate() {
                if !(pairwise && theirs.get(i) == Some(l)) {
                    syms_of(l, f);
                }
            }
            for t in taints.get(node.taints) {
                syms_of(t, f);
            }
        }
    }

    /// The firmware build (`compact`, where code size decides) counts every
    /// string of `new` and gives back every one of `old`: the same counts, by
    /// the code that adds and removes nodes.
    #[cfg(feature = "compact")]
    pub(crate) fn hold_node_change(&mut self, old: &Node, new: &Node) {
        self.hold_node(new, Hold::Retain);
        self.hold_node(old, Hold::Release);
    }

    /// Counts a pod as a holder of its strings, or not any more.
    pub(crate) fn hold_pod(&mut self, p: &Pod, hold: Hold) {
        let Engine {
            strings, labels, ..
        } = self;
        let f = &mut |s| hold.apply(strings, s);
        syms_of(p, f);
        for l in labels.get(p.labels) {
            syms_of(l, f);
        }
    }

    /// Counts a DaemonSet as a holder of its strings (the automatic tolerations'
    /// keys its pod gets included), or not any more.
    pub(crate) fn hold_set(&mut self, d: &DaemonSet, hold: Hold) {
        let Engine {
            strings,
            labels,
            tolerations,
            requirements,
            values,
            terms,
            fields,
            automatic_tolerations,
            ..
        } = self;
        let f = &mut |s| hold.apply(strings, s);
        syms_of(d, f);
        let mut requirement_syms = |span| {
            for r in requirements.get(span) {
                syms_of(r, f);
                for v in values.get(r.values) {
                    f(*v);
                }
            }
        };
        if let Some(sel) = d.selector {
            requirement_syms(sel);
        }
        for t in d.affinity.map(|s| terms.get(s)).unwrap_or(&[]) {
            requirement_syms(t.expressions);
        }
        for t in d.affinity.map(|s| terms.get(s)).unwrap_or(&[]) {
            for r in fields.get(t.fields) {
                syms_of(r, f);
            }
        }
        for l in labels.get(d.template_labels) {
            syms_of(l, f);
        }
        for l in labels.get(d.node_selector) {
            syms_of(l, f);
        }
        for t in tolerations.get(d.tolerations) {
            syms_of(t, f);
        }
        for t in automatic_tolerations
            .0
            .iter()
            .take(automatic_count(d.host_network))
        {
            f(t.key);
        }
    }

    /// Checks that every string's holder count is the number of handles the live
    /// objects (and backoff keys) have to it, and that no handle names a free
    /// string: the invariant reclamation keeps. For tests and fuzzing; costs a
    /// copy of the string table.
    #[doc(hidden)]
    pub fn check_holders(&self) -> core::result::Result<(), &'static str> {
        let mut fresh = self.clone();
        fresh.strings.forget_holders();
        fresh.recount_holders();
        for s in self.strings.symbols() {
            if self.strings.holders(s) != fresh.strings.holders(s) {
                return Err("a string's holder count differs from its handles");
            }
        }
        if fresh.strings.len() != self.strings.len() {
            return Err("a handle names a free string, or a string has no holder");
        }
        Ok(())
    }

    /// Counts every holder of every string from scratch (after a snapshot was
    /// restored, whose strings arrive with none; or on a copy with the counts
    /// forgotten, to check them), then frees what none holds.
    pub(crate) fn recount_holders(&mut self) {
        for i in 0..self.nodes.slot_count() as u32 {
            if let Some(&n) = self.nodes.get(i) {
                self.hold_node(&n, Hold::Retain);
            }
        }
        for i in 0..self.sets.slot_count() as u32 {
            if let Some(&d) = self.sets.get(i) {
                self.hold_set(&d, Hold::Retain);
            }
        }
        for i in 0..self.pods.slot_count() as u32 {
            if let Some(&p) = self.pods.get(i) {
                self.hold_pod(&p, Hold::Retain);
            }
        }
        let Engine { sync, strings, .. } = self;
        for e in sync.backoff.entries() {
            syms_of(e, &mut |s| strings.retain(s));
        }
        #[cfg(feature = "json")]
        for r in self.revisions.iter() {
            syms_of(r, &mut |s| self.strings.retain(s));
        }
        // A handle to a free string would not be counted above: count the strings
        // that now have holders.
        self.strings.sweep_unheld();
    }

    /// Calls `f` with every span of pool `table` that an object holds, in the
    /// order a snapshot writes the holders: nodes, DaemonSets (each as
    /// [`SpanFields`] lists its spans), pods; the entries of one pool (terms,
    /// requirements) in the order they are written.
    #[cfg_attr(any(not(feature = "snapshot"), feature = "compact"), allow(dead_code))]
    pub(crate) fn each_held(&self, table: Table, f: &mut dyn FnMut(Span)) {
        let sets = || self.sets.iter().map(|(_, d)| d);
        match table {
            Table::Labels => {
                self.nodes.iter().for_each(|(_, n)| f(n.labels));
                for d in sets() {
                    f(d.template_labels);
                    f(d.node_selector);
                }
                self.pods.iter().for_each(|(_, p)| f(p.labels));
            }
            Table::Taints => self.nodes.iter().for_each(|(_, n)| f(n.taints)),
            Table::Tolerations => sets().for_each(|d| f(d.tolerations)),
            Table::Terms => sets().filter_map(|d| d.affinity).for_each(f),
            // The terms' expressions (written with the terms), then the selectors
            // (written with the DaemonSets).
            Table::Requirements => {
                self.each_held(Table::Terms, &mut |s| {
                    self.terms.get(s).iter().for_each(|t| f(t.expressions))
                });
                sets().filter_map(|d| d.selector).for_each(f);
            }
            Table::Values => self.each_held(Table::Requirements, &mut |s| {
                self.requirements.get(s).iter().for_each(|r| f(r.values))
            }),
            Table::Fields => self.each_held(Table::Terms, &mut |s| {
                self.terms.get(s).iter().for_each(|t| f(t.fields))
            }),
            _ => {}
        }
    }

    /// Squeezes the holes out of every pool that has some, moving each span
    /// that points past a hole: O(entries + holders × log holes) for a pool
    /// (O(entries + holes × holders) for the values, too small to hold the
    /// records that takes).
    #[cfg(not(feature = "compact"))]
    pub(crate) fn compact_pools(&mut self) {
        self.compact_pools_with(&mut |_, _| {});
    }

    /// [`compact_pools`](Self::compact_pools), moving also the spans `more`
    /// moves when it is called with a pool and where its positions went (the
    /// parts a [`Stage`](crate::stage::Stage) keeps).
    #[cfg(not(feature = "compact"))]
    pub(crate) fn compact_pools_with(
        &mut self,
        more: &mut dyn FnMut(Table, &crate::table::Moved<'_>),
    ) {
        let Engine {
            labels,
            taints,
            tolerations,
            requirements,
            values,
            terms,
            fields,
            nodes,
            sets,
            pods,
            ..
        } = self;
        // Each span's start goes where `at` says its position went.
        let fix = |s: &mut Span, at: &crate::table::Moved<'_>| s.start = at(s.start);
        if labels.vacant() > 0 {
            labels.compact(&mut |at| {
                more(Table::Labels, at);
                nodes.iter_mut().for_each(|(_, n)| fix(&mut n.labels, at));
                pods.iter_mut().for_each(|(_, p)| fix(&mut p.labels, at));
                for (_, d) in sets.iter_mut() {
                    fix(&mut d.template_labels, at);
                    fix(&mut d.node_selector, at);
                }
            });
        }
        if taints.vacant() > 0 {
            taints.compact(&mut |at| {
                more(Table::Taints, at);
                nodes.iter_mut().for_each(|(_, n)| fix(&mut n.taints, at));
            });
        }
        if tolerations.vacant() > 0 {
            tolerations.compact(&mut |at| {
                more(Table::Tolerations, at);
                sets.iter_mut()
                    .for_each(|(_, d)| fix(&mut d.tolerations, at));
            });
        }
        if requirements.vacant() > 0 {
            requirements.compact(&mut |at| {
                more(Table::Requirements, at);
                for (_, d) in sets.iter_mut() {
                    if let Some(s) = &mut d.selector {
                        fix(s, at);
                    }
                }
                terms.live_mut().for_each(|t| fix(&mut t.expressions, at));
            });
        }
        if values.vacant() > 0 {
            values.compact(&mut |at| {
                more(Table::Values, at);
                requirements.live_mut().for_each(|r| fix(&mut r.values, at));
            });
        }
        if terms.vacant() > 0 {
            terms.compact(&mut |at| {
                more(Table::Terms, at);
                for (_, d) in sets.iter_mut() {
                    if let Some(s) = &mut d.affinity {
                        fix(s, at);
                    }
                }
            });
        }
        if fields.vacant() > 0 {
            fields.compact(&mut |at| {
                more(Table::Fields, at);
                terms.live_mut().for_each(|t| fix(&mut t.fields, at));
            });
        }
    }

    /// Runs `f`, an operation that changes nothing when it fails; when it
    /// fails because a pool's end is reached while holes are left in it, the
    /// pools are compacted and `f` runs once more. Compacting changes no
    /// answer, so it stays done when `f` fails again.
    // One body for the two runs: `f` is not inlined twice.
    #[cfg(not(feature = "compact"))]
    pub(crate) fn with_room<T>(&mut self, f: &mut dyn FnMut(&mut Self) -> Result<T>) -> Result<T> {
        match f(self) {
            Err(Error::Full { table, .. }) if self.pool_vacant(table) > 0 => {
                self.compact_pools();
                f(self)
            }
            r => r,
        }
    }

    /// The compact build's pools have no holes: `f` runs once.
    #[cfg(feature = "compact")]
    #[inline(always)]
    pub(crate) fn with_room<T>(&mut self, f: &mut dyn FnMut(&mut Self) -> Result<T>) -> Result<T> {
        f(self)
    }

    /// [`with_room`](Self::with_room) with `ROOM`, else `f` once.
    #[inline(always)]
    pub(crate) fn with_room_if<const ROOM: bool, T>(
        &mut self,
        f: &mut dyn FnMut(&mut Self) -> Result<T>,
    ) -> Result<T> {
        if ROOM {
            self.with_room(f)
        } else {
            f(self)
        }
    }

    /// Vacant entries of pool `table` (0 for a table that is not a pool).
    #[cfg(not(feature = "compact"))]
    pub(crate) fn pool_vacant(&self, table: Table) -> usize {
        match table {
            Table::Labels => self.labels.vacant(),
            Table::Taints => self.taints.vacant(),
            Table::Tolerations => self.tolerations.vacant(),
            Table::Requirements => self.requirements.vacant(),
            Table::Values => self.values.vacant(),
            Table::Terms => self.terms.vacant(),
            Table::Fields => self.fields.vacant(),
            _ => 0,
        }
    }

    /// Frees the strings that the operation under way interned and no object took.
    pub(crate) fn sweep_strings(&mut self) {
        self.strings.sweep();
    }
}
