//! Fixed-capacity storage: [`Pool`]s of variable-length lists addressed by [`Span`],
//! and [`Slots`] of objects addressed by a stable index.

use heapless::binary_heap::{BinaryHeap, Min};
use heapless::Vec;

use crate::error::{Error, Result, Table};
use crate::intern::Sym;

/// A run of consecutive entries in a [`Pool`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Span {
    /// Index of the first entry.
    pub start: u32,
    /// Number of entries.
    pub len: u32,
}

impl Span {
    /// The empty span.
    pub const EMPTY: Span = Span { start: 0, len: 0 };

    /// Number of entries.
    pub const fn len(self) -> usize {
        self.len as usize
    }

    /// True when the span has no entries.
    pub const fn is_empty(self) -> bool {
        self.len == 0
    }

    /// Moves this span down after `removed` was cut out of the same pool.
    pub(crate) fn shift_after(&mut self, removed: Span) {
        if removed.len > 0 && self.start >= removed.start + removed.len {
            self.start -= removed.len;
        }
    }
}

/// A fixed-capacity list of `T` holding the variable-length parts of many objects
/// (all the labels of all the nodes, say), each object owning one [`Span`].
#[derive(Clone)]
pub struct Pool<T, const N: usize> {
    items: Vec<T, N>,
    table: Table,
    /// The most entries held at once.
    high: u32,
}

// The high-water mark is history, not content: equal pools print alike.
impl<T: core::fmt::Debug, const N: usize> core::fmt::Debug for Pool<T, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Pool")
            .field("items", &self.items)
            .field("table", &self.table)
            .finish()
    }
}

impl<T: Copy, const N: usize> Pool<T, N> {
    /// An empty pool reporting `table` when it is full.
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub const fn new(table: Table) -> Self {
        Pool {
            items: Vec::new(),
            table,
            high: 0,
        }
    }

    /// Entries in use.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when no entry is in use.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Free entries.
    pub fn room(&self) -> usize {
        N - self.items.len()
    }

    /// The error this pool reports when `needed` more entries do not fit, or `Ok`.
    pub fn reserve(&self, needed: usize) -> Result<()> {
        if self.room() < needed {
            Err(Error::Full {
                table: self.table,
                capacity: N,
            })
        } else {
            Ok(())
        }
    }

    /// The entries of a span; empty for a span that is out of range.
    #[inline]
    pub fn get(&self, span: Span) -> &[T] {
        let start = span.start as usize;
        self.items.get(start..start + span.len()).unwrap_or(&[])
    }

    /// Every entry in use.
    pub fn all(&self) -> &[T] {
        &self.items
    }

    /// The entries of a span, mutably.
    pub fn get_mut(&mut self, span: Span) -> &mut [T] {
        let start = span.start as usize;
        self.items
            .get_mut(start..start + span.len())
            .unwrap_or(&mut [])
    }

    /// The position the next [`push`](Self::push) will take.
    pub fn mark(&self) -> u32 {
        self.items.len() as u32
    }

    /// Appends one entry.
    pub fn push(&mut self, item: T) -> Result<()> {
        self.items.push(item).map_err(|_| Error::Full {
            table: self.table,
            capacity: N,
        })?;
        self.high = self.high.max(self.items.len() as u32);
        Ok(())
    }

    /// The most entries held at once since the pool was made.
    pub fn high_water(&self) -> usize {
        self.high as usize
    }

    /// The span from `mark` to the end.
    pub fn since(&self, mark: u32) -> Span {
        Span {
            start: mark,
            len: (self.items.len() as u32).saturating_sub(mark),
        }
    }

    /// Drops every entry from `mark` on: undoes pushes of an operation that failed.
    pub fn truncate(&mut self, mark: u32) {
        self.items.truncate(mark as usize);
    }

    /// Copies the entries of `src` over those of `dst`, of the same length.
    pub fn overwrite(&mut self, dst: Span, src: Span) {
        let end = src.start as usize + src.len();
        let len = self.items.len();
        if src.len != dst.len || end > len || dst.start as usize + dst.len() > len {
            return;
        }
        self.items
            .copy_within(src.start as usize..end, dst.start as usize);
    }

    /// Cuts a span out, moving later entries down. Spans that pointed after it must
    /// then be moved with `Span::shift_after`.
    pub fn remove(&mut self, span: Span) {
        let start = span.start as usize;
        let end = start + span.len();
        if span.is_empty() || end > self.items.len() {
            return;
        }
        // Rotate the removed run to the end, then drop it: no allocation, no panic.
        if let Some(tail) = self.items.get_mut(start..) {
            tail.rotate_left(span.len());
        }
        let keep = self.items.len() - span.len();
        self.items.truncate(keep);
    }
}

/// An object table with stable indices: a removed object's slot is reused by a later
/// insert (the lowest free index first), and no other object moves.
///
/// Freed indices wait in a min-heap, so an insert costs `O(log N)` whatever the
/// table's history.
#[derive(Clone)]
pub struct Slots<T, const N: usize> {
    slots: Vec<Option<T>, N>,
    /// Indices below `slots.len()` whose slot is `None`.
    free: BinaryHeap<u32, Min, N>,
    used: usize,
    table: Table,
    /// The most objects held at once.
    high: u32,
}

// The free heap's order depends on history; only the slots show, so equal tables
// print alike.
impl<T: core::fmt::Debug, const N: usize> core::fmt::Debug for Slots<T, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Slots")
            .field("slots", &self.slots)
            .field("used", &self.used)
            .field("table", &self.table)
            .finish()
    }
}

impl<T, const N: usize> Slots<T, N> {
    /// An empty table reporting `table` when it is full.
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub const fn new(table: Table) -> Self {
        Slots {
            slots: Vec::new(),
            free: BinaryHeap::new(),
            used: 0,
            table,
            high: 0,
        }
    }

    /// Objects held.
    pub fn len(&self) -> usize {
        self.used
    }

    /// The most objects held at once since the table was made.
    pub fn high_water(&self) -> usize {
        self.high as usize
    }

    fn note_high(&mut self) {
        self.high = self.high.max(self.used as u32);
    }

    /// Removes every object.
    pub fn clear(&mut self) {
        self.slots.clear();
        self.free.clear();
        self.used = 0;
    }

    /// True when no object is held.
    pub fn is_empty(&self) -> bool {
        self.used == 0
    }

    /// True when an insert would fail.
    pub fn is_full(&self) -> bool {
        self.used >= N
    }

    /// The error for a full table, or `Ok`.
    pub fn reserve(&self) -> Result<()> {
        if self.is_full() {
            Err(Error::Full {
                table: self.table,
                capacity: N,
            })
        } else {
            Ok(())
        }
    }

    /// Stores an object and returns its index: the lowest free one.
    pub fn insert(&mut self, item: T) -> Result<u32> {
        if let Some(i) = self.free.pop() {
            let Some(slot) = self.slots.get_mut(i as usize) else {
                return Err(Error::LogicBug);
            };
            *slot = Some(item);
            self.used += 1;
            self.note_high();
            return Ok(i);
        }
        let i = self.slots.len() as u32;
        self.slots.push(Some(item)).map_err(|_| Error::Full {
            table: self.table,
            capacity: N,
        })?;
        self.used += 1;
        self.note_high();
        Ok(i)
    }

    /// The object at an index.
    pub fn get(&self, index: u32) -> Option<&T> {
        self.slots.get(index as usize).and_then(Option::as_ref)
    }

    /// The object at an index, mutably.
    pub fn get_mut(&mut self, index: u32) -> Option<&mut T> {
        self.slots.get_mut(index as usize).and_then(Option::as_mut)
    }

    /// Takes an object out, freeing its slot.
    pub fn remove(&mut self, index: u32) -> Option<T> {
        let taken = self.slots.get_mut(index as usize).and_then(Option::take);
        if taken.is_some() {
            self.used -= 1;
            // The heap holds at most the free slots, fewer than N: this push fits.
            let _ = self.free.push(index);
        }
        taken
    }

    /// Slots in use or freed, up to the highest index ever used.
    pub fn slot_count(&self) -> usize {
        self.slots.len()
    }

    /// Up to `len` slots from index `start` on, `None` for a free one; empty past
    /// the last slot.
    pub fn window(&self, start: usize, len: usize) -> &[Option<T>] {
        let rest = self.slots.get(start..).unwrap_or(&[]);
        rest.get(..len).unwrap_or(rest)
    }

    /// Every slot in index order, `None` for a free one.
    pub fn slots(&self) -> impl Iterator<Item = Option<&T>> + '_ {
        self.slots.iter().map(Option::as_ref)
    }

    /// Appends a slot as it was: restoring a snapshot.
    #[cfg(feature = "snapshot")]
    pub(crate) fn restore_slot(&mut self, slot: Option<T>) -> Result<()> {
        let used = slot.is_some();
        let index = self.slots.len() as u32;
        self.slots.push(slot).map_err(|_| Error::Full {
            table: self.table,
            capacity: N,
        })?;
        if used {
            self.used += 1;
            self.note_high();
        } else {
            self.free.push(index).map_err(|_| Error::LogicBug)?;
        }
        Ok(())
    }

    /// The objects in index order, with their indices.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &T)> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_ref().map(|t| (i as u32, t)))
    }

    /// The objects in index order, mutably.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (u32, &mut T)> + '_ {
        self.slots
            .iter_mut()
            .enumerate()
            .filter_map(|(i, s)| s.as_mut().map(|t| (i as u32, t)))
    }
}

/// Objects by name: `(name, index)` sorted by the name's symbol, then the index,
/// for binary-search lookups. Sorting by symbol rather than text puts a freshly
/// interned name (the highest symbol yet) at the end, so adding objects with new
/// names appends. Objects of one name in several namespaces sit side by side; the
/// caller tells which is wanted.
#[derive(Debug, Clone)]
pub struct NameIndex<const N: usize> {
    entries: Vec<(Sym, u32), N>,
}

impl<const N: usize> Default for NameIndex<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> NameIndex<N> {
    /// An empty index.
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub const fn new() -> Self {
        NameIndex {
            entries: Vec::new(),
        }
    }

    /// The lowest index of an object called `name` for which `wanted` holds.
    pub fn find(&self, name: Sym, wanted: impl Fn(u32) -> bool) -> Option<u32> {
        let from = self.entries.partition_point(|&(n, _)| n < name);
        self.entries
            .get(from..)?
            .iter()
            .take_while(|&&(n, _)| n == name)
            .map(|&(_, i)| i)
            .find(|&i| wanted(i))
    }

    /// Records an object.
    pub fn insert(&mut self, name: Sym, index: u32) -> Result<()> {
        let at = self.entries.partition_point(|&e| e < (name, index));
        self.entries
            .insert(at, (name, index))
            .map_err(|_| Error::LogicBug)
    }

    /// Forgets an object.
    pub fn remove(&mut self, name: Sym, index: u32) {
        if let Ok(at) = self.entries.binary_search(&(name, index)) {
            self.entries.remove(at);
        }
    }

    /// Forgets every object.
    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_remove_moves_later_spans_down() {
        let mut p: Pool<u8, 8> = Pool::new(Table::Labels);
        let m = p.mark();
        p.push(1).unwrap();
        p.push(2).unwrap();
        let a = p.since(m);
        let m = p.mark();
        p.push(3).unwrap();
        let mut b = p.since(m);
        p.remove(a);
        b.shift_after(a);
        assert_eq!(p.get(b), &[3]);
        assert_eq!(p.len(), 1);
    }

    #[test]
    fn full_pool_reports_its_table_and_capacity() {
        let mut p: Pool<u8, 1> = Pool::new(Table::Taints);
        p.push(1).unwrap();
        assert_eq!(
            p.push(2),
            Err(Error::Full {
                table: Table::Taints,
                capacity: 1
            })
        );
        assert_eq!(p.len(), 1);
    }

    #[test]
    fn slots_reuse_freed_index_and_keep_others() {
        let mut s: Slots<&str, 3> = Slots::new(Table::Nodes);
        let a = s.insert("a").unwrap();
        let b = s.insert("b").unwrap();
        assert_eq!(s.remove(a), Some("a"));
        let c = s.insert("c").unwrap();
        assert_eq!(c, a);
        assert_eq!(s.get(b), Some(&"b"));
        assert_eq!(s.len(), 2);
    }

    #[test]
    fn slots_reuse_the_lowest_free_index_first() {
        let mut s: Slots<u32, 8> = Slots::new(Table::Pods);
        for i in 0..6 {
            assert_eq!(s.insert(i).unwrap(), i);
        }
        for i in [4, 1, 3] {
            s.remove(i).unwrap();
        }
        assert_eq!(s.remove(3), None);
        assert_eq!(s.insert(10).unwrap(), 1);
        assert_eq!(s.insert(11).unwrap(), 3);
        assert_eq!(s.insert(12).unwrap(), 4);
        assert_eq!(s.insert(13).unwrap(), 6);
        assert_eq!(s.len(), 7);
    }

    #[test]
    fn name_index_finds_by_name_and_what_the_caller_wants() {
        let mut x: NameIndex<4> = NameIndex::new();
        x.insert(Sym(5), 0).unwrap();
        x.insert(Sym(5), 1).unwrap();
        x.insert(Sym(3), 2).unwrap();
        assert_eq!(x.find(Sym(5), |i| i == 1), Some(1));
        assert_eq!(x.find(Sym(5), |_| true), Some(0));
        assert_eq!(x.find(Sym(3), |_| true), Some(2));
        assert_eq!(x.find(Sym(4), |_| true), None);
        x.remove(Sym(5), 0);
        assert_eq!(x.find(Sym(5), |_| true), Some(1));
    }
}
