//! What an engine costs in RAM, from its capacities.
//!
//! An [`Engine`](crate::Engine) holds every table inline and allocates nothing, so
//! its RAM is `size_of` of the engine, a function of its seven capacities:
//!
//! ```text
//! bytes ≈ fixed
//!       + NODES   × (per_node + SETS)        (the SETS bytes: one placement byte per DaemonSet)
//!       + SETS    × per_set
//!       + PODS    × per_pod
//!       + STRINGS × per_string + BYTES
//!       + LABELS  × per_label
//!       + RULES   × per_rule
//!       + TAINTS  × per_taint
//!       + TERMS   × per_term
//!       + BACKOFF × per_backoff
//! ```
//!
//! with the per-entry costs of [`COSTS`] (each the `size_of` of the entries one
//! unit of capacity adds, listed there). [`footprint`] computes the exact figure
//! (the sum above with each table's alignment padding), and a test checks it
//! against `size_of` for several capacity sets.
//!
//! ```
//! use dsr_core::footprint::{footprint, Capacities};
//! let gateway = Capacities {
//!     nodes: 1, sets: 16, pods: 32, strings: 224, bytes: 3072, labels: 160, rules: 64,
//!     taints: 8, terms: 8, backoff: 16,
//! };
//! assert_eq!(footprint(&gateway), dsr_core::Engine::<1, 16, 32, 224, 3072, 160, 64, 8, 8, 16>::footprint());
//! ```

use core::mem::{align_of, size_of};

use crate::affinity::{FieldRequirement, Term};
use crate::engine::{DaemonSet, Node};
use crate::error::Table;
use crate::intern::Sym;
use crate::keys::KEY_SLOTS;
use crate::label::Label;
use crate::pod::Pod;
use crate::selector::Requirement;
use crate::sync::backoff::BackoffEntry;
use crate::sync::expectations::Expectations;
use crate::taint::{Taint, Toleration, DAEMON_TOLERATIONS};

/// An engine's seven capacities, as its const generics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capacities {
    /// `NODES`.
    pub nodes: usize,
    /// `SETS`.
    pub sets: usize,
    /// `PODS`.
    pub pods: usize,
    /// `STRINGS`.
    pub strings: usize,
    /// `BYTES`.
    pub bytes: usize,
    /// `LABELS`.
    pub labels: usize,
    /// `RULES`.
    pub rules: usize,
    /// `TAINTS` (`RULES` unless set apart).
    pub taints: usize,
    /// `TERMS` (`RULES` unless set apart).
    pub terms: usize,
    /// `BACKOFF` (`PODS` unless set apart).
    pub backoff: usize,
}

/// How much of each table an engine uses: what to size capacities by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    /// Nodes.
    pub nodes: usize,
    /// DaemonSets.
    pub sets: usize,
    /// Pods.
    pub pods: usize,
    /// Distinct strings.
    pub strings: usize,
    /// Bytes of strings.
    pub bytes: usize,
    /// Labels.
    pub labels: usize,
    /// Entries of each rule pool: taints, tolerations, requirements, values, terms,
    /// field requirements.
    pub rules: [usize; 6],
    /// Failed-pod backoff keys.
    pub backoff: usize,
}

impl Usage {
    /// The smallest capacities that hold this much.
    pub const fn capacities(&self) -> Capacities {
        let [taints, tolerations, requirements, values, terms, fields] = self.rules;
        Capacities {
            nodes: self.nodes,
            sets: self.sets,
            pods: self.pods,
            strings: self.strings,
            bytes: self.bytes,
            labels: self.labels,
            rules: max(max(tolerations, requirements), values),
            taints,
            terms: max(terms, fields),
            backoff: self.backoff,
        }
    }
}

/// Bytes each unit of a capacity adds, and what does not depend on capacities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Costs {
    /// A node: its record (`Option<Node>`), a free-slot entry, a name-index entry,
    /// the sync's name-order entry, rank and visit, and its column copies (a label
    /// value per key slot and a flag byte, see [`block`](crate::block); none in
    /// the compact build). Plus one placement byte per
    /// DaemonSet (`SETS`), not counted here.
    pub per_node: usize,
    /// A DaemonSet: its record, a free-slot entry, its expectations and (with the
    /// `json` feature) its remembered ControllerRevision.
    pub per_set: usize,
    /// A pod: its record, a free-slot entry, a name-index entry, its controller tag
    /// and node word, and the sync's claimed-pod entry.
    pub per_pod: usize,
    /// A failed-pod backoff key (`BACKOFF`).
    pub per_backoff: usize,
    /// A string: its entry (where its text starts, its integer value), its place in
    /// the sorted index, and its key slot byte. Its text costs one byte a byte (`BYTES`).
    pub per_string: usize,
    /// A label.
    pub per_label: usize,
    /// One entry in each of the three `RULES` pools: a toleration, a requirement
    /// and a requirement value.
    pub per_rule: usize,
    /// A taint (`TAINTS`).
    pub per_taint: usize,
    /// A term and a field requirement (`TERMS`).
    pub per_term: usize,
    /// The rest: lengths of every table, the key slots, the automatic tolerations.
    pub fixed: usize,
}

/// A `heapless::Vec<T, n>`: its length and `n` entries, padded to its alignment.
const fn vec<T>(n: usize) -> usize {
    round(
        size_of::<usize>() + n * size_of::<T>(),
        max(align_of::<T>(), align_of::<usize>()),
    )
}

/// The tables [`Engine::table_usage`](crate::Engine::table_usage) reports, in its
/// order.
pub const TABLES: [Table; 13] = [
    Table::Nodes,
    Table::DaemonSets,
    Table::Pods,
    Table::Strings,
    Table::StringBytes,
    Table::Labels,
    Table::Taints,
    Table::Tolerations,
    Table::Requirements,
    Table::Values,
    Table::Terms,
    Table::Fields,
    Table::Backoff,
];

/// One table of an engine: what it holds, what it can hold, and the most it held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct TableUsage {
    /// Which table.
    pub table: Table,
    /// Entries held now.
    pub used: usize,
    /// Entries it can hold (its const generic).
    pub capacity: usize,
    /// The most entries held at once.
    pub high_water: usize,
}

impl TableUsage {
    /// The report of every table in [`TABLES`] order.
    pub fn report(used: &Usage, high: &Usage, caps: &Capacities) -> [TableUsage; TABLES.len()] {
        let row = |u: &Usage| {
            let [taints, tolerations, requirements, values, terms, fields] = u.rules;
            [
                u.nodes,
                u.sets,
                u.pods,
                u.strings,
                u.bytes,
                u.labels,
                taints,
                tolerations,
                requirements,
                values,
                terms,
                fields,
                u.backoff,
            ]
        };
        let cap = [
            caps.nodes,
            caps.sets,
            caps.pods,
            caps.strings,
            caps.bytes,
            caps.labels,
            caps.taints,
            caps.rules,
            caps.rules,
            caps.rules,
            caps.terms,
            caps.terms,
            caps.backoff,
        ];
        let (u, h) = (row(used), row(high));
        let mut out = [TableUsage {
            table: Table::Nodes,
            used: 0,
            capacity: 0,
            high_water: 0,
        }; TABLES.len()];
        for (i, slot) in out.iter_mut().enumerate() {
            *slot = TableUsage {
                table: TABLES.get(i).copied().unwrap_or(Table::Nodes),
                used: u.get(i).copied().unwrap_or(0),
                capacity: cap.get(i).copied().unwrap_or(0),
                high_water: h.get(i).copied().unwrap_or(0),
            };
        }
        out
    }
}

const fn max(a: usize, b: usize) -> usize {
    if a > b {
        a
    } else {
        b
    }
}

/// `n` rounded up to a multiple of `align`.
const fn round(n: usize, align: usize) -> usize {
    n.div_ceil(align) * align
}

/// A `Pool<T, n>`: its entries with a `u32` length, then three `u32`s (vacant
/// entries, high-water mark, the hole freed last).
const fn pool<T>(n: usize) -> usize {
    let align = max(align_of::<T>(), align_of::<u32>());
    round(round(4 + n * size_of::<T>(), align) + 3 * 4, align)
}

/// A `Slots<T, n>`: the slots, the free-index heap, the count and the table byte.
const fn slots<T>(n: usize) -> usize {
    round(
        vec::<Option<T>>(n) + vec::<u32>(n) + size_of::<usize>() + 1 + 4,
        max(align_of::<Option<T>>(), align_of::<usize>()),
    )
}

/// Bytes of the sync's per-node scratch entries (name order, visits).
const NODE_SLOT: usize = 12;
/// Bytes of the sync's per-pod scratch entry.
const CLAIMED: usize = 12;
/// Bytes of a string's table entry.
const STRING_ENTRY: usize = 8;
/// Bytes of a name-index entry.
const NAME_ENTRY: usize = 2 * size_of::<u32>();

/// A remembered ControllerRevision (the `json` feature's, one per DaemonSet).
#[cfg(feature = "json")]
const REVISION_ENTRY: usize = size_of::<Option<crate::revisions::Remembered>>();
#[cfg(not(feature = "json"))]
const REVISION_ENTRY: usize = 0;

/// The bytes an engine of capacities `c` occupies: `size_of` of
/// `Engine<NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES, TAINTS, TERMS, BACKOFF>`.
pub const fn footprint(c: &Capacities) -> usize {
    // Text, entries, bucket heads, then seven `u32`s (free list, live count, live
    // bytes, pending, the two high-water marks, strings freed).
    let interner = round(
        round(c.bytes + size_of::<usize>(), align_of::<usize>())
            + vec::<[u32; STRING_ENTRY / 4]>(c.strings)
            + 4 * c.strings
            + 7 * size_of::<u32>(),
        align_of::<usize>(),
    );
    let rules = pool::<Taint>(c.taints)
        + pool::<Toleration>(c.rules)
        + pool::<Requirement>(c.rules)
        + pool::<Sym>(c.rules)
        + pool::<Term>(c.terms)
        + pool::<FieldRequirement>(c.terms);
    let objects = slots::<Node>(c.nodes) + slots::<DaemonSet>(c.sets) + slots::<Pod>(c.pods);
    let names = vec::<[u8; NAME_ENTRY]>(c.nodes) + vec::<[u8; NAME_ENTRY]>(c.pods);
    let keys = round(vec::<Sym>(KEY_SLOTS) + c.strings + 1, align_of::<usize>());
    let node_columns = round(COLUMNS_PER_NODE * c.nodes, align_of::<Sym>());
    let placements = c.nodes * c.sets;
    let pod_index = round(
        (size_of::<u8>() + size_of::<u32>()) * c.pods + size_of::<usize>(),
        align_of::<usize>(),
    );
    let automatic = DAEMON_TOLERATIONS.len() * size_of::<Toleration>();
    let sync = round(
        c.sets * size_of::<Option<Expectations>>()
            + round(vec::<BackoffEntry>(c.backoff) + 4, align_of::<usize>())
            + vec::<[u32; 3]>(c.nodes)
            + 1
            + c.nodes * size_of::<u32>()
            + vec::<[u32; CLAIMED / 4]>(c.pods)
            + vec::<[u32; 3]>(c.nodes)
            + size_of::<i64>(),
        align_of::<usize>(),
    );
    round(
        interner
            + pool::<Label>(c.labels)
            + rules
            + objects
            + names
            + keys
            + node_columns
            + placements
            + pod_index
            + automatic
            + sync
            + size_of::<crate::gates::FeatureGates>()
            // The next object version.
            + size_of::<u32>()
            + c.sets * REVISION_ENTRY,
        align_of::<usize>(),
    )
}

/// A node's column copies (a label value per key slot and a flag byte, see
/// [`block`](crate::block)); the compact build keeps none.
const COLUMNS_PER_NODE: usize = if cfg!(feature = "compact") {
    0
} else {
    KEY_SLOTS * size_of::<Sym>() + size_of::<u8>()
};

/// The per-entry costs of the formula in the [module docs](self). The exact
/// [`footprint`] differs from the linear formula only by alignment padding (a few
/// bytes per table).
pub const COSTS: Costs = Costs {
    per_node: size_of::<Option<Node>>()
        + size_of::<u32>()
        + NAME_ENTRY
        + NODE_SLOT
        + size_of::<u32>()
        + NODE_SLOT
        + COLUMNS_PER_NODE,
    per_set: size_of::<Option<DaemonSet>>()
        + size_of::<u32>()
        + size_of::<Option<Expectations>>()
        + REVISION_ENTRY,
    per_pod: size_of::<Option<Pod>>()
        + size_of::<u32>()
        + NAME_ENTRY
        + size_of::<u8>()
        + size_of::<u32>()
        + CLAIMED,
    per_backoff: size_of::<BackoffEntry>(),
    per_string: STRING_ENTRY + size_of::<u32>() + 1,
    per_label: size_of::<Label>(),
    per_rule: size_of::<Toleration>() + size_of::<Requirement>() + size_of::<Sym>(),
    per_taint: size_of::<Taint>(),
    per_term: size_of::<Term>() + size_of::<FieldRequirement>(),
    fixed: footprint(&Capacities {
        nodes: 0,
        sets: 0,
        pods: 0,
        strings: 0,
        bytes: 0,
        labels: 0,
        rules: 0,
        taints: 0,
        terms: 0,
        backoff: 0,
    }),
};

/// The linear formula of the [module docs](self) with [`COSTS`].
pub const fn estimate(c: &Capacities) -> usize {
    COSTS.fixed
        + c.nodes * (COSTS.per_node + c.sets)
        + c.sets * COSTS.per_set
        + c.pods * COSTS.per_pod
        + c.strings * COSTS.per_string
        + c.bytes
        + c.labels * COSTS.per_label
        + c.rules * COSTS.per_rule
        + c.taints * COSTS.per_taint
        + c.terms * COSTS.per_term
        + c.backoff * COSTS.per_backoff
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The entries of the private tables have the sizes the formula uses.
    #[test]
    fn private_entries_have_the_sizes_the_formula_uses() {
        assert_eq!(size_of::<crate::intern::Entry>(), STRING_ENTRY);
        assert_eq!(size_of::<crate::sync::NodeSlot>(), NODE_SLOT);
        assert_eq!(size_of::<crate::sync::Visit>(), NODE_SLOT);
        assert_eq!(size_of::<crate::sync::Claimed>(), CLAIMED);
        assert_eq!(size_of::<(Sym, u32)>(), NAME_ENTRY);
    }

    /// The formula is `size_of` of the engine, for capacities of every shape.
    #[test]
    fn footprint_is_size_of_the_engine() {
        macro_rules! check {
            ($($c:expr),*) => {$(
                {
                    type E = crate::Engine<{ $c[0] }, { $c[1] }, { $c[2] }, { $c[3] }, { $c[4] }, { $c[5] }, { $c[6] }, { $c[7] }, { $c[8] }, { $c[9] }>;
                    let caps = E::capacities();
                    assert_eq!(footprint(&caps), E::footprint(), "{caps:?}");
                    let linear = estimate(&caps);
                    assert!(linear.abs_diff(E::footprint()) <= 64, "{caps:?}: {linear}");
                }
            )*};
        }
        check!(
            [1usize, 1, 1, 1, 1, 1, 1, 1, 1, 1],
            [0usize, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            [1usize, 16, 32, 224, 3072, 160, 64, 8, 8, 16],
            [3usize, 5, 7, 9, 11, 13, 17, 19, 23, 29],
            [8usize, 4, 16, 128, 4096, 128, 64, 64, 64, 16],
            [64usize, 32, 2048, 4096, 65536, 8192, 512, 128, 64, 2048],
            [
                5000usize,
                50,
                65536,
                98304,
                1 << 21,
                1 << 20,
                4096,
                16384,
                256,
                65536
            ]
        );
    }
}
