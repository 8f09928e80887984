//! Labels: key/value pairs on nodes, pods and pod templates.

use crate::intern::Sym;

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
/// engine is stored. Lookups are binary searches on integers.
#[derive(Debug, Clone, Copy)]
pub struct Labels<'a>(&'a [Label]);

impl<'a> Labels<'a> {
    /// Views a slice that is sorted by key with unique keys.
    pub(crate) const fn sorted(labels: &'a [Label]) -> Self {
        Labels(labels)
    }

    /// The value of `key`, if the key is present.
    pub fn get(&self, key: Sym) -> Option<Sym> {
        self.0
            .binary_search_by(|l| l.key.cmp(&key))
            .ok()
            .and_then(|i| self.0.get(i))
            .map(|l| l.value)
    }

    /// Whether `key` is present.
    pub fn has(&self, key: Sym) -> bool {
        self.get(key).is_some()
    }

    /// The labels in storage order.
    pub fn iter(&self) -> impl Iterator<Item = &'a Label> {
        self.0.iter()
    }

    /// Number of labels.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Sorts labels with unique keys by key, as [`Labels`] requires.
pub(crate) fn sort(labels: &mut [Label]) {
    // Keys are unique (callers replace duplicates as they insert), so an unstable
    // sort is deterministic.
    labels.sort_unstable_by_key(|l| l.key);
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
        sort(&mut v);
        let l = Labels::sorted(&v);
        assert_eq!(l.get(Sym(3)), Some(Sym(9)));
        assert_eq!(l.get(Sym(1)), Some(Sym(2)));
        assert_eq!(l.get(Sym(2)), None);
    }
}
