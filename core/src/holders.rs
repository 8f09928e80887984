//! Who holds which string: the one list of every string handle the engine stores.
//!
//! Each stored type names its own [`Sym`] fields ([`SymFields`]); the engine adds
//! what an object reaches through its spans (a node's labels and taints, a
//! DaemonSet's selector, terms and tolerations). Reclamation counts holders with
//! it ([`Engine::hold_node`] and friends), and a snapshot renumbers strings with
//! it, so a handle added to a type is added here once and every user follows.

use crate::affinity::{FieldRequirement, Term};
use crate::engine::{DaemonSet, Engine, Node};
use crate::intern::{Interner, Sym};
use crate::label::Label;
use crate::pod::Pod;
use crate::selector::Requirement;
use crate::sync::backoff::BackoffEntry;
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

    /// Frees the strings that the operation under way interned and no object took.
    pub(crate) fn sweep_strings(&mut self) {
        self.strings.sweep();
    }
}
