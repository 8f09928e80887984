//! Labels: key/value pairs on nodes, pods and pod templates.

use crate::intern::Sym;
use crate::keys::{KeyRow, ABSENT, FAR, NO_SLOT};

/// One label, interned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Label {
    /// The key.
    pub key: Sym,
    /// The value.
    pub value: Sym,
}

/// A set of labels sorted by key symbol with unique keys, as every label list in the
/// engine is stored. A node's labels come with its [`KeyRow`], which answers
/// lookups of the keys DaemonSets select by without a search; other lookups are
/// binary searches on integers.
#[derive(Debug, Clone, Copy)]
pub struct Labels<'a> {
    labels: &'a [Label],
    row: &'a KeyRow,
    /// The slot of each symbol.
    slots: &'a [u8],
}

impl<'a> Labels<'a> {
    /// Views a slice that is sorted by key with unique keys.
    pub(crate) const fn sorted(labels: &'a [Label]) -> Self {
        Labels {
            labels,
            row: &KeyRow::UNKNOWN,
            slots: &[],
        }
    }

    /// Views a node's labels (sorted by key with unique keys) with the node's row
    /// and the slot of each symbol.
    #[cfg(test)]
    pub(crate) const fn indexed(labels: &'a [Label], row: &'a KeyRow, slots: &'a [u8]) -> Self {
        Labels { labels, row, slots }
    }

    /// The value of `key`, if the key is present.
    #[inline(always)]
    pub fn get(&self, key: Sym) -> Option<Sym> {
        let v = self.value(key);
        (v != ABSENT).then_some(v)
    }

    /// The value of `key`, or [`ABSENT`] (which no string is): a plain word, so
    /// callers can test it without branching.
    #[inline(always)]
    pub(crate) fn value(&self, key: Sym) -> Sym {
        let slot = self.slots.get(key.0 as usize).copied().unwrap_or(NO_SLOT);
        self.value_at(slot, key)
    }

    /// [`value`](Self::value) of `key`, whose slot is `slot`.
    #[inline(always)]
    pub(crate) fn value_at(&self, slot: u8, key: Sym) -> Sym {
        let v = self.row.0.get(slot as usize).copied().unwrap_or(FAR);
        if v != FAR {
            return v;
        }
        self.search(key).unwrap_or(ABSENT)
    }

    /// The value of `key` by search: a scan of a few labels (a pod's), else a
    /// binary search.
    #[inline]
    fn search(&self, key: Sym) -> Option<Sym> {
        let labels = self.labels;
        let n = labels.len();
        if n <= 8 {
            return labels.iter().find(|l| l.key == key).map(|l| l.value);
        }
        // The number of keys smaller than `key`: where it is, if it is there. Each
        // halving step moves or not without a branch, so a search costs the same
        // whatever the labels hold.
        let last = n.saturating_sub(1);
        let mut base = 0usize;
        let mut step = n.next_power_of_two() / 2;
        while step > 0 {
            let probe = base + step;
            // Clamped so the read is always in bounds; `probe <= n` masks it.
            let below = labels
                .get((probe - 1).min(last))
                .is_some_and(|l| l.key < key);
            base += step * usize::from(below & (probe <= n));
            step /= 2;
        }
        // One last probe of the entry at `base` itself.
        let below = labels.get(base.min(last)).is_some_and(|l| l.key < key);
        let at = base + usize::from(below & (base < n));
        labels.get(at).filter(|l| l.key == key).map(|l| l.value)
    }

    /// Whether `key` is present.
    pub fn has(&self, key: Sym) -> bool {
        self.get(key).is_some()
    }

    /// The labels in storage order.
    pub fn iter(&self) -> impl Iterator<Item = &'a Label> {
        self.labels.iter()
    }

    /// Number of labels.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_after_sort() {
        let mut v = [
            Label {
                key: Sym(3),
                value: Sym(9),
            },
            Label {
                key: Sym(1),
                value: Sym(2),
            },
        ];
        v.sort_by_key(|l| l.key);
        let l = Labels::sorted(&v);
        assert_eq!(l.get(Sym(3)), Some(Sym(9)));
        assert_eq!(l.get(Sym(1)), Some(Sym(2)));
        assert_eq!(l.get(Sym(2)), None);
    }

    #[test]
    fn filtered_lookup_agrees_with_a_scan() {
        for n in 0..80u32 {
            let mut v: [Label; 80] = [Label {
                key: Sym(0),
                value: Sym(0),
            }; 80];
            for (i, l) in v.iter_mut().enumerate().take(n as usize) {
                *l = Label {
                    key: Sym(3 * i as u32 + 1),
                    value: Sym(1000 + i as u32),
                };
            }
            let v = &v[..n as usize];
            let plain = Labels::sorted(v);
            // Slots for every third symbol.
            let mut keys: crate::keys::KeyIndex<256> = crate::keys::KeyIndex::new();
            let mut row = KeyRow::UNKNOWN;
            for k in (0..250).step_by(9) {
                keys.add_key(Sym(k), core::iter::once((&mut row, v)));
            }
            let indexed = Labels::indexed(v, &row, keys.slots());
            for key in 0..250 {
                let want = v.iter().find(|l| l.key == Sym(key)).map(|l| l.value);
                assert_eq!(plain.get(Sym(key)), want, "{n} labels, key {key}");
                assert_eq!(indexed.get(Sym(key)), want, "{n} labels, key {key}");
            }
            assert_eq!(plain.get(Sym::EMPTY), None);
        }
    }
}
