//! Where each node keeps the label keys DaemonSets select by, so that placement looks
//! a key up with two loads instead of a search.
//!
//! The label keys that `nodeSelector`s and node-affinity expressions name are few
//! (`kubernetes.io/os`, `kubernetes.io/arch`, a zone, some roles). Each such key gets
//! one of [`KEY_SLOTS`] slots; every node records, per slot, its value for that key,
//! or that it has none. A lookup of a slotted key on a node is then a load of the
//! slot and a load of the value. Keys beyond the slots (and the labels of pods) are
//! found by binary search, as before: the index only remembers what a search would
//! find, so answers are the same either way.
//!
//! The index is derived from the tables: it is rebuilt from them when a snapshot is
//! restored, and it is not part of one.

use heapless::Vec;

use crate::intern::Sym;
use crate::label::Label;

/// Label keys that get a slot (the first distinct keys DaemonSets select nodes by).
/// Each costs four bytes per node.
pub const KEY_SLOTS: usize = 16;

/// A key without a slot.
pub(crate) const NO_SLOT: u8 = u8::MAX;
/// In a node's row: the node does not have the key.
pub(crate) const ABSENT: Sym = Sym(u32::MAX - 1);
// (`Sym::EMPTY` is `u32::MAX`; interned strings count up from 0.)
/// In a node's row: nothing is known (no key has the slot, or the value is a symbol
/// the row cannot tell from the markers); search for it.
pub(crate) const FAR: Sym = Sym(u32::MAX - 2);

/// One node's row: for each slot, the node's value for the slot's key.
///
/// Derived from the labels and the slots: it is not part of a node's value (every
/// row compares equal and prints alike), nor of a snapshot. The default row knows
/// nothing, so every lookup through it searches.
#[derive(Clone, Copy)]
pub struct KeyRow(pub(crate) [Sym; KEY_SLOTS]);

impl Default for KeyRow {
    fn default() -> Self {
        KeyRow::UNKNOWN
    }
}

impl PartialEq for KeyRow {
    fn eq(&self, _: &KeyRow) -> bool {
        true
    }
}

impl Eq for KeyRow {}

impl core::fmt::Debug for KeyRow {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("KeyRow")
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for KeyRow {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "KeyRow")
    }
}

impl KeyRow {
    /// A row for which nothing is known: every lookup searches.
    pub(crate) const UNKNOWN: KeyRow = KeyRow([FAR; KEY_SLOTS]);

    /// The row of a node with `labels` (sorted by key) for the slots of `keys`.
    pub(crate) fn of<const STRINGS: usize>(labels: &[Label], keys: &KeyIndex<STRINGS>) -> KeyRow {
        let mut row = KeyRow::UNKNOWN;
        for (c, &key) in row.0.iter_mut().zip(keys.keys.iter()) {
            *c = cell(labels, key);
        }
        row
    }
}

/// The slot of a requirement's key, kept with the requirement so node-affinity
/// evaluation reads the node's row without looking the key up.
///
/// Derived from the slots: it is not part of a requirement's value (every slot
/// compares equal and prints alike), nor of a snapshot. The default has no slot,
/// so every lookup through it searches.
#[derive(Clone, Copy)]
pub struct KeySlot(pub(crate) u8);

impl Default for KeySlot {
    fn default() -> Self {
        KeySlot(NO_SLOT)
    }
}

impl PartialEq for KeySlot {
    fn eq(&self, _: &KeySlot) -> bool {
        true
    }
}

impl Eq for KeySlot {}

impl core::fmt::Debug for KeySlot {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("KeySlot")
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for KeySlot {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "KeySlot")
    }
}

/// Which keys have slots.
#[derive(Clone)]
pub(crate) struct KeyIndex<const STRINGS: usize> {
    /// The key of each slot in use.
    keys: Vec<Sym, KEY_SLOTS>,
    /// The slot of each symbol, [`NO_SLOT`] for most.
    slot_of: [u8; STRINGS],
    /// Set when a DaemonSet went away or changed, so some slots may be unused.
    pub stale: bool,
}

// Which keys got slots depends on the order things were added; it does not change
// any answer, so it does not show.
impl<const STRINGS: usize> core::fmt::Debug for KeyIndex<STRINGS> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KeyIndex").finish_non_exhaustive()
    }
}

/// Where `key` is among labels sorted by key, if there.
fn position(labels: &[Label], key: Sym) -> Option<usize> {
    labels.binary_search_by_key(&key, |l| l.key).ok()
}

/// What a row holds for `key` in `labels`.
fn cell(labels: &[Label], key: Sym) -> Sym {
    match position(labels, key).and_then(|i| labels.get(i)) {
        None => ABSENT,
        Some(l) if l.value == ABSENT || l.value == FAR => FAR,
        Some(l) => l.value,
    }
}

impl<const STRINGS: usize> KeyIndex<STRINGS> {
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub const fn new() -> Self {
        KeyIndex {
            keys: Vec::new(),
            slot_of: [NO_SLOT; STRINGS],
            stale: false,
        }
    }

    /// Forgets every slot.
    pub fn clear(&mut self) {
        for &k in &self.keys {
            if let Some(s) = self.slot_of.get_mut(k.0 as usize) {
                *s = NO_SLOT;
            }
        }
        self.keys.clear();
        self.stale = false;
    }

    /// The slot of each symbol, for lookups.
    #[cfg(test)]
    pub fn slots(&self) -> &[u8] {
        &self.slot_of
    }

    /// Slots in use.
    pub fn used(&self) -> usize {
        self.keys.len()
    }

    /// The slot of `key` ([`NO_SLOT`] when it has none).
    pub fn slot(&self, key: Sym) -> KeySlot {
        KeySlot(self.slot_of.get(key.0 as usize).copied().unwrap_or(NO_SLOT))
    }

    /// Whether `key` has a slot.
    pub fn has_slot(&self, key: Sym) -> bool {
        self.slot_of
            .get(key.0 as usize)
            .is_some_and(|&s| s != NO_SLOT)
    }

    /// Gives `key` a slot if one is free, filling the slot's cell in each row of
    /// `nodes` (each with its labels). Returns whether the key has a slot.
    pub fn add_key<'a>(
        &mut self,
        key: Sym,
        nodes: impl Iterator<Item = (&'a mut KeyRow, &'a [Label])>,
    ) -> bool {
        if self.has_slot(key) {
            return true;
        }
        let slot = self.keys.len();
        // A symbol beyond the table (the empty string) is always searched for.
        let Some(entry) = self.slot_of.get_mut(key.0 as usize) else {
            return true;
        };
        let Ok(byte) = u8::try_from(slot) else {
            return false;
        };
        if self.keys.push(key).is_err() {
            return false;
        }
        *entry = byte;
        for (row, labels) in nodes {
            if let Some(c) = row.0.get_mut(slot) {
                *c = cell(labels, key);
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(key: u32, value: u32) -> Label {
        Label {
            key: Sym(key),
            value: Sym(value),
        }
    }

    #[test]
    fn rows_record_positions_of_slotted_keys() {
        let mut x: KeyIndex<16> = KeyIndex::new();
        let a = [l(1, 10), l(4, 11), l(7, 12)];
        let b = [l(4, 13)];
        let mut rows = [KeyRow::UNKNOWN; 2];
        {
            let [ra, rb] = &mut rows;
            assert!(x.add_key(Sym(7), [(ra, &a[..]), (rb, &b[..])].into_iter()));
        }
        {
            let [ra, rb] = &mut rows;
            assert!(x.add_key(Sym(4), [(ra, &a[..]), (rb, &b[..])].into_iter()));
        }
        assert!(x.add_key(Sym(7), core::iter::empty()));
        assert_eq!(x.slots()[7], 0);
        assert_eq!(x.slots()[4], 1);
        assert_eq!(rows[0].0[..2], [Sym(12), Sym(11)]);
        assert_eq!(rows[1].0[..2], [ABSENT, Sym(13)]);
        assert_eq!(x.slot(Sym(7)).0, 0);
        assert_eq!(x.slot(Sym(5)).0, NO_SLOT);
        let r = KeyRow::of(&a, &x);
        assert_eq!(r.0[..3], [Sym(12), Sym(11), FAR]);
        // A symbol beyond the table needs none.
        assert!(x.add_key(Sym(99), core::iter::empty()));
        assert!(!x.has_slot(Sym(99)));
        for k in 0..KEY_SLOTS as u32 {
            x.add_key(Sym(k % 16), core::iter::empty());
        }
        x.clear();
        assert!(!x.has_slot(Sym(7)));
    }

    /// The index only caches where a search lands: with slots given in any order,
    /// full, stale or rebuilt, every placement equals the one found by searching.
    #[test]
    fn placements_with_slots_equal_placements_by_search() {
        extern crate std;
        use crate::input::{
            DaemonSetInput, LabelInput, LabelSelectorInput, NodeInput, NodeSelectorTermInput,
            RequirementInput,
        };
        use std::format;
        use std::string::String;
        use std::vec::Vec;

        type E = crate::Engine<16, 24, 4, 1024, 32768, 1024, 512>;
        let leak = |s: String| -> &'static str { std::boxed::Box::leak(s.into_boxed_str()) };
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let mut e = std::boxed::Box::new(E::new());
        let app = [LabelInput {
            key: "app",
            value: "agent",
        }];
        let mut sets = Vec::new();
        let mut nodes = Vec::new();
        let mut most_slots = 0;
        for round in 0..150 {
            match next(4) {
                0 | 1 => {
                    // A node with labels k0..k47 drawn at random.
                    let labels: Vec<LabelInput<'static>> = (0..next(12))
                        .map(|_| LabelInput {
                            key: leak(format!("example.com/k{}", next(48))),
                            value: leak(format!("{}", next(3))),
                        })
                        .collect();
                    let input = NodeInput {
                        name: leak(format!("node-{round}")),
                        labels: std::boxed::Box::leak(labels.into_boxed_slice()),
                        ..Default::default()
                    };
                    if nodes.len() < 16 {
                        nodes.push(e.add_node(&input).unwrap());
                    } else {
                        let id = nodes[next(16) as usize];
                        e.update_node(id, &input).unwrap();
                    }
                }
                2 => {
                    let key = |k: u64| leak(format!("example.com/k{k}"));
                    let node_selector: Vec<LabelInput<'static>> = (0..next(3))
                        .map(|_| LabelInput {
                            key: key(next(48)),
                            value: leak(format!("{}", next(3))),
                        })
                        .collect();
                    let ops = ["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"];
                    let exprs: Vec<RequirementInput<'static>> = (0..1 + next(3))
                        .map(|_| {
                            let op = ops[next(6) as usize];
                            let values: &'static [&'static str] = match op {
                                "Exists" | "DoesNotExist" => &[],
                                "Gt" | "Lt" => &["1"],
                                _ => &["0", "2"],
                            };
                            RequirementInput {
                                key: key(next(48)),
                                operator: op,
                                values,
                            }
                        })
                        .collect();
                    let terms =
                        std::boxed::Box::leak(std::boxed::Box::new([NodeSelectorTermInput {
                            match_expressions: std::boxed::Box::leak(exprs.into_boxed_slice()),
                            match_fields: &[],
                        }]));
                    let input = DaemonSetInput {
                        name: leak(format!("set-{round}")),
                        namespace: "kube-system",
                        selector: Some(LabelSelectorInput {
                            match_labels: &app,
                            ..Default::default()
                        }),
                        template_labels: &app,
                        node_selector: std::boxed::Box::leak(node_selector.into_boxed_slice()),
                        required_node_affinity: Some(terms),
                        ..Default::default()
                    };
                    if sets.len() < 24 {
                        sets.push(e.add_daemon_set(&input).unwrap());
                    } else {
                        let id = sets[next(24) as usize];
                        e.update_daemon_set(id, &input).unwrap();
                    }
                }
                _ => {
                    if !sets.is_empty() && next(2) == 0 {
                        let id = sets.swap_remove(next(sets.len() as u64) as usize);
                        e.remove_daemon_set(id).unwrap();
                    }
                }
            }
            most_slots = most_slots.max(e.keys.keys.len());
            let mut searched = e.clone();
            searched.keys.clear();
            for (_, n) in searched.nodes.iter_mut() {
                n.keys = KeyRow::UNKNOWN;
            }
            for (_, s) in e.daemon_sets() {
                for (_, n) in e.nodes() {
                    let by_search = searched.placement(s, n);
                    assert_eq!(e.placement(s, n), by_search, "round {round}");
                }
            }
        }
        // More keys than slots were used: some lookups searched.
        assert_eq!(most_slots, KEY_SLOTS);
    }
}
