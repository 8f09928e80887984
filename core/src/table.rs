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

    /// Moves this span down after `removed` was cut out of the same pool (the
    /// compact build's pools).
    #[cfg(feature = "compact")]
    pub(crate) fn shift_after(&mut self, removed: Span) {
        if removed.len > 0 && self.start >= removed.start + removed.len {
            self.start -= removed.len;
        }
    }
}

/// An entry of a [`Pool`]: the table it fills, and what a freed entry holds.
///
/// Each pool's entries are of their own type, so the type names the table.
pub trait Entry: Copy {
    /// The table a full pool of these reports.
    const TABLE: Table;
    /// A freed entry, equal to no stored one.
    const VACANT: Self;
    /// True for a freed entry.
    fn is_vacant(&self) -> bool;
    /// An entry holding two numbers, written where entries are free while a
    /// pool is compacted; `None` for a type too small to hold them.
    fn record(_a: u32, _b: u32) -> Option<Self> {
        None
    }
    /// The two numbers of an entry made by [`record`](Self::record).
    fn read_record(&self) -> (u32, u32) {
        (0, 0)
    }
}

/// Where each position of a pool went when it was compacted: a span starting
/// at `p` now starts at `moved(p)`.
pub type Moved<'a> = dyn Fn(u32) -> u32 + 'a;

/// A fixed-capacity list of `T` holding the variable-length parts of many objects
/// (all the labels of all the nodes, say), each object owning one [`Span`].
///
/// Entries are appended at the end. A freed span is left where it is, its
/// entries [vacant](Entry::VACANT) (a hole), so no other object's span moves:
/// freeing costs the span's length. A hole is taken again by
/// [`place`](Self::place), and holes are squeezed out by
/// [`compact`](Self::compact) when the end reaches the capacity.
#[derive(Clone)]
pub struct Pool<T, const N: usize> {
    /// Live and vacant entries up to the end.
    items: Vec<T, N, u32>,
    /// Vacant entries among `items`.
    vacant: u32,
    /// The most live entries held at once.
    high: u32,
    /// Where the hole freed last starts: the first one [`place`](Self::place)
    /// tries.
    hint: u32,
}

// Holes and the high-water mark are history, not content: pools of the same
// live entries in the same order print alike.
impl<T: Entry + core::fmt::Debug, const N: usize> core::fmt::Debug for Pool<T, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Pool")
            .field("items", &Live(&self.items))
            .field("table", &T::TABLE)
            .finish()
    }
}

impl<T: Entry, const N: usize> Default for Pool<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

/// The live entries of a pool, for `Debug`.
struct Live<'a, T>(&'a [T]);

impl<T: Entry + core::fmt::Debug> core::fmt::Debug for Live<'_, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().filter(|e| !e.is_vacant()))
            .finish()
    }
}

impl<T: Entry, const N: usize> Pool<T, N> {
    /// An empty pool.
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub const fn new() -> Self {
        Pool {
            items: Vec::new(),
            vacant: 0,
            high: 0,
            hint: 0,
        }
    }

    /// Live entries: what the objects hold.
    pub fn len(&self) -> usize {
        self.items.len() - self.vacant as usize
    }

    /// True when no entry is live.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Entries free at the end: what pushes can take before the pool is
    /// compacted.
    pub fn room(&self) -> usize {
        N - self.items.len()
    }

    /// Vacant entries below the end: what [`compact`](Self::compact) gives back.
    pub fn vacant(&self) -> usize {
        self.vacant as usize
    }

    fn full() -> Error {
        Error::Full {
            table: T::TABLE,
            capacity: crate::error::saturating_u32(N),
        }
    }

    /// The error this pool reports when `needed` more entries do not fit at the
    /// end, or `Ok`.
    pub fn reserve(&self, needed: usize) -> Result<()> {
        if self.room() < needed {
            Err(Self::full())
        } else {
            Ok(())
        }
    }

    /// The entries of a span; empty for a span that is out of range.
    // Out of line in the firmware build (`compact`): it is called from dozens
    // of places, and each inlined copy costs more than the call.
    #[cfg_attr(not(feature = "compact"), inline)]
    #[cfg_attr(feature = "compact", inline(never))]
    pub fn get(&self, span: Span) -> &[T] {
        let start = span.start as usize;
        self.items.get(start..start + span.len()).unwrap_or(&[])
    }

    /// Every entry up to the end, vacant ones included: what spans index.
    pub fn all(&self) -> &[T] {
        &self.items
    }

    /// The live entries, mutably.
    pub(crate) fn live_mut(&mut self) -> impl Iterator<Item = &mut T> + '_ {
        self.items.iter_mut().filter(|e| !e.is_vacant())
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
        self.items.push(item).map_err(|_| Self::full())?;
        self.high = self.high.max(self.len() as u32);
        Ok(())
    }

    /// Appends a copy of the entries of `span`, all or (when they do not fit,
    /// or `span` is out of range) none: whether they were.
    #[cfg(not(feature = "compact"))]
    pub fn push_copy(&mut self, span: Span) -> bool {
        let at = self.items.len();
        let start = span.start as usize;
        let end = start + span.len();
        if end > at || self.items.resize(at + span.len(), T::VACANT).is_err() {
            return false;
        }
        self.items.copy_within(start..end, at);
        self.high = self.high.max(self.len() as u32);
        true
    }

    /// The most live entries held at once since the pool was made.
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
        #[cfg(not(feature = "compact"))]
        {
            let gone = self.items.get(mark as usize..).unwrap_or(&[]);
            let vacant = gone.iter().filter(|e| e.is_vacant()).count() as u32;
            self.vacant = self.vacant.saturating_sub(vacant);
        }
        self.items.truncate(mark as usize);
    }

    /// Drops every entry.
    pub fn clear(&mut self) {
        self.items.clear();
        self.vacant = 0;
        self.hint = 0;
    }

    /// Drops the vacant entries at the end, so the end is a live entry's.
    #[cfg(not(feature = "compact"))]
    fn trim(&mut self) {
        while self.items.last().is_some_and(Entry::is_vacant) {
            self.items.pop();
            self.vacant = self.vacant.saturating_sub(1);
        }
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

    /// Frees a span: its entries become vacant, and no other span moves. A span
    /// at the end is dropped instead.
    #[cfg(not(feature = "compact"))]
    pub fn free(&mut self, span: Span) {
        let start = span.start as usize;
        let Some(run) = self.items.get_mut(start..start + span.len()) else {
            return;
        };
        if run.is_empty() {
            return;
        }
        for e in run.iter_mut().filter(|e| !e.is_vacant()) {
            *e = T::VACANT;
            self.vacant += 1;
        }
        self.hint = span.start;
        self.trim();
    }

    /// The compact build's [`free`](Self::free): the span is cut out and later
    /// entries move down, so the pool never has holes (less code, and a free
    /// costs the pool's length). Spans that pointed after it must then be moved
    /// with `Span::shift_after`.
    #[cfg(feature = "compact")]
    pub fn free(&mut self, span: Span) {
        let start = span.start as usize;
        let end = start + span.len();
        if span.is_empty() || end > self.items.len() {
            return;
        }
        // Move the entries after the run down over it (one memmove; entries
        // are `Copy`), then drop the copies left at the end.
        let len = self.items.len();
        self.items.copy_within(end..len, start);
        self.items.truncate(len - span.len());
    }

    /// Moves `span`, the last entries of the pool (an object just stored), into
    /// the hole freed last when it fits there, and returns where it is now.
    #[cfg(not(feature = "compact"))]
    pub fn place(&mut self, span: Span) -> Span {
        let (at, len) = (self.hint as usize, span.len());
        let fits = !span.is_empty()
            && span.start as usize + len == self.items.len()
            && at + len <= span.start as usize
            && self
                .items
                .get(at..at + len)
                .is_some_and(|hole| hole.iter().all(Entry::is_vacant));
        if !fits {
            return span;
        }
        let end = self.items.len();
        self.items.copy_within(span.start as usize..end, at);
        // The copies were vacant, the originals are gone: as many vacant
        // entries as before less the hole's.
        self.items.truncate(span.start as usize);
        self.vacant = self.vacant.saturating_sub(span.len);
        self.hint = at as u32 + span.len;
        self.trim();
        Span {
            start: at as u32,
            len: span.len,
        }
    }

    /// Squeezes the holes out: live entries move down, in order. `fix` is given
    /// where each position below the end goes, and moves the spans (their
    /// starts) with it: once, for every span at once, in
    /// O(entries + holders × log holes); for entries too small to hold a record
    /// ([`Entry::record`]), once per hole, highest first, each in the positions
    /// before any moved.
    #[cfg(not(feature = "compact"))]
    pub fn compact(&mut self, fix: &mut dyn FnMut(&Moved<'_>)) {
        if T::record(0, 0).is_none() {
            let mut end = self.items.len();
            while let Some(hole) = self.hole_below(end) {
                let after = hole.start + hole.len;
                fix(&|s| if s >= after { s - hole.len } else { s });
                end = hole.start as usize;
            }
            self.slide();
            return;
        }
        // Live entries move down; behind them, in the room the holes leave,
        // goes a record per hole: where it ends and how many vacant entries
        // come before that. The records sit at the front of that room, so
        // each live entry moved pushes the first record to the back.
        let (mut kept, mut records, mut vacant) = (0usize, 0usize, 0u32);
        for i in 0..self.items.len() {
            let Some(e) = self.items.get(i).copied() else {
                break;
            };
            if e.is_vacant() {
                vacant += 1;
                let ends = self.items.get(i + 1).is_none_or(|n| !n.is_vacant());
                if ends {
                    // The room is `vacant` entries, more than the records.
                    let r = T::record(i as u32 + 1, vacant);
                    if let (Some(slot), Some(r)) = (self.items.get_mut(kept + records), r) {
                        *slot = r;
                    }
                    records += 1;
                }
                continue;
            }
            if records > 0 {
                let first = self.items.get(kept).copied();
                if let (Some(slot), Some(first)) = (self.items.get_mut(kept + records), first) {
                    *slot = first;
                }
            }
            if let Some(slot) = self.items.get_mut(kept) {
                *slot = e;
            }
            kept += 1;
        }
        let end = kept + records;
        if let Some(dir) = self.items.get_mut(kept..end) {
            dir.sort_unstable_by_key(|r| r.read_record().0);
        }
        let dir = self.items.get(kept..end).unwrap_or(&[]);
        fix(&|s| {
            // The last hole ending at or before `s`.
            let i = dir.partition_point(|r| r.read_record().0 <= s);
            match i.checked_sub(1).and_then(|i| dir.get(i)) {
                Some(r) => s.saturating_sub(r.read_record().1),
                None => s,
            }
        });
        self.items.truncate(kept);
        self.vacant = 0;
        self.hint = 0;
    }

    /// Moves the live entries down over the vacant ones, in order.
    #[cfg(not(feature = "compact"))]
    fn slide(&mut self) {
        let mut kept = 0;
        for i in 0..self.items.len() {
            match self.items.get(i).copied() {
                Some(e) if !e.is_vacant() => {
                    if let Some(slot) = self.items.get_mut(kept) {
                        *slot = e;
                    }
                    kept += 1;
                }
                _ => {}
            }
        }
        self.items.truncate(kept);
        self.vacant = 0;
        self.hint = 0;
    }

    /// The highest run of vacant entries that ends at or before `end`.
    #[cfg(not(feature = "compact"))]
    fn hole_below(&self, end: usize) -> Option<Span> {
        let below = self.items.get(..end)?;
        let last = below.iter().rposition(Entry::is_vacant)?;
        let first = below
            .get(..last)?
            .iter()
            .rposition(|e| !e.is_vacant())
            .map_or(0, |i| i + 1);
        Some(Span {
            start: first as u32,
            len: (last + 1 - first) as u32,
        })
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
                capacity: crate::error::saturating_u32(N),
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
            capacity: crate::error::saturating_u32(N),
        })?;
        self.used += 1;
        self.note_high();
        Ok(i)
    }

    /// The object at an index.
    // Out of line in the firmware build (`compact`): see `Pool::get`.
    #[cfg_attr(feature = "compact", inline(never))]
    pub fn get(&self, index: u32) -> Option<&T> {
        self.slots.get(index as usize).and_then(Option::as_ref)
    }

    /// The object at an index, mutably.
    #[cfg_attr(feature = "compact", inline(never))]
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

    /// Takes back the object an insert that appended a slot stored (the last
    /// slot, when nothing came after): the slot goes too, so the table is as
    /// before the insert. Any other index is freed as [`remove`](Self::remove)
    /// frees it.
    pub(crate) fn take_back(&mut self, index: u32) -> Option<T> {
        if index as usize + 1 != self.slots.len() {
            return self.remove(index);
        }
        let taken = self.slots.pop().flatten();
        if taken.is_some() {
            self.used -= 1;
        }
        taken
    }

    /// Whether the next insert appends a slot (no freed slot waits).
    pub(crate) fn appends(&self) -> bool {
        self.free.is_empty()
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
            capacity: crate::error::saturating_u32(N),
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
///
/// A removed object's entry stays, marked gone (a high bit in its index),
/// until an insert next to it takes its place or a full index needs the room:
/// removing from the middle of a sorted list would move every later entry (a
/// pod deleted in a 65k-pod cluster moved half a megabyte). Lookups stay binary
/// searches. The compact build (`compact`) removes at once.
#[derive(Debug, Clone)]
pub struct NameIndex<const N: usize> {
    entries: Vec<(Sym, u32), N>,
}

/// The bit of a [`NameIndex`] entry's index that says its object was removed
/// (indices are table slots, far below it).
const GONE: u32 = 1 << 31;

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

    /// Where `(name, index)` goes: after every entry before it, gone or not.
    fn position(&self, name: Sym, index: u32) -> usize {
        self.entries
            .partition_point(|&(n, i)| (n, i & !GONE) < (name, index))
    }

    /// The lowest index of an object called `name` for which `wanted` holds.
    pub fn find(&self, name: Sym, wanted: impl Fn(u32) -> bool) -> Option<u32> {
        let from = self.entries.partition_point(|&(n, _)| n < name);
        self.entries
            .get(from..)?
            .iter()
            .take_while(|&&(n, _)| n == name)
            .map(|&(_, i)| i)
            .filter(|&i| cfg!(feature = "compact") || i & GONE == 0)
            .find(|&i| wanted(i))
    }

    /// Records an object.
    pub fn insert(&mut self, name: Sym, index: u32) -> Result<()> {
        if index & GONE != 0 {
            return Err(Error::LogicBug);
        }
        let mut at = self.position(name, index);
        // A gone entry beside the place takes the object: the order holds
        // and nothing moves. The one at the place first, as it may be the
        // object's own entry (the same name and slot again).
        let gone_at = |i: usize| self.entries.get(i).is_some_and(|&(_, x)| x & GONE != 0);
        let free = match at.checked_sub(1) {
            _ if cfg!(feature = "compact") => None,
            _ if gone_at(at) => Some(at),
            Some(before) if gone_at(before) => Some(before),
            _ => None,
        };
        if let Some(slot) = free.and_then(|i| self.entries.get_mut(i)) {
            *slot = (name, index);
            return Ok(());
        }
        if !cfg!(feature = "compact") && self.entries.is_full() {
            // Gone entries make the room (the objects are not changed).
            self.entries.retain(|&(_, i)| i & GONE == 0);
            at = self.position(name, index);
        }
        self.entries
            .insert(at, (name, index))
            .map_err(|_| Error::LogicBug)
    }

    /// Forgets an object.
    pub fn remove(&mut self, name: Sym, index: u32) {
        let Ok(at) = self
            .entries
            .binary_search_by(|&(n, i)| (n, i & !GONE).cmp(&(name, index)))
        else {
            return;
        };
        if cfg!(feature = "compact") || at + 1 == self.entries.len() {
            self.entries.remove(at);
        } else if let Some(entry) = self.entries.get_mut(at) {
            entry.1 |= GONE;
        }
    }

    /// Forgets every object.
    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec;

    fn label(k: u32) -> crate::label::Label {
        crate::label::Label {
            key: Sym(k),
            value: Sym(k),
        }
    }

    fn keys<const N: usize>(p: &Pool<crate::label::Label, N>, span: Span) -> std::vec::Vec<u32> {
        p.get(span).iter().map(|l| l.key.0).collect()
    }

    /// Pushes labels `keys` and returns their span.
    fn stored<const N: usize>(p: &mut Pool<crate::label::Label, N>, keys: &[u32]) -> Span {
        let m = p.mark();
        keys.iter().for_each(|&k| p.push(label(k)).unwrap());
        p.since(m)
    }

    #[cfg(not(feature = "compact"))]
    #[test]
    fn a_freed_span_is_a_hole_and_no_other_span_moves() {
        let mut p: Pool<crate::label::Label, 8> = Pool::new();
        let a = stored(&mut p, &[1, 2]);
        let b = stored(&mut p, &[3]);
        p.free(a);
        assert_eq!(
            (keys(&p, b), p.len(), p.vacant(), p.room()),
            (vec![3], 1, 2, 5)
        );
        // A span freed at the end is dropped, with the holes just below it.
        p.free(b);
        assert_eq!((p.len(), p.vacant(), p.room()), (0, 0, 8));
    }

    #[cfg(not(feature = "compact"))]
    #[test]
    fn a_span_stored_last_takes_the_hole_freed_last_when_it_fits() {
        let mut p: Pool<crate::label::Label, 16> = Pool::new();
        let a = stored(&mut p, &[1, 2, 3]);
        let b = stored(&mut p, &[4]);
        p.free(a);
        // Too long for the hole: it stays at the end.
        let c = stored(&mut p, &[5, 6, 7, 8]);
        assert_eq!(p.place(c), c);
        let d = stored(&mut p, &[9, 10]);
        assert_eq!(p.place(d), Span { start: 0, len: 2 });
        assert_eq!(keys(&p, Span { start: 0, len: 2 }), vec![9, 10]);
        assert_eq!((p.len(), p.vacant(), p.mark()), (7, 1, 8));
        assert_eq!((keys(&p, b), keys(&p, c)), (vec![4], vec![5, 6, 7, 8]));
        // The rest of the hole is taken next.
        let e = stored(&mut p, &[11]);
        assert_eq!(p.place(e), Span { start: 2, len: 1 });
        assert_eq!((p.len(), p.vacant(), p.mark()), (8, 0, 8));
    }

    #[cfg(not(feature = "compact"))]
    #[test]
    fn compacting_moves_live_entries_down_in_order_and_maps_each_position() {
        let mut p: Pool<crate::label::Label, 8> = Pool::new();
        let a = stored(&mut p, &[1]);
        let b = stored(&mut p, &[2, 3]);
        let c = stored(&mut p, &[4]);
        let d = stored(&mut p, &[5, 6]);
        let e = stored(&mut p, &[7]);
        p.free(a);
        p.free(c);
        p.free(d);
        let (mut b2, mut e2) = (b, e);
        let mut calls = 0;
        p.compact(&mut |at| {
            calls += 1;
            b2.start = at(b.start);
            e2.start = at(e.start);
        });
        assert_eq!(calls, 1);
        assert_eq!((b2.start, e2.start), (0, 2));
        assert_eq!((keys(&p, b2), keys(&p, e2)), (vec![2, 3], vec![7]));
        assert_eq!((p.len(), p.vacant(), p.mark()), (3, 0, 3));
    }

    #[cfg(not(feature = "compact"))]
    #[test]
    fn compacting_entries_too_small_for_records_goes_hole_by_hole() {
        let mut p: Pool<Sym, 8> = Pool::new();
        let mut spans = std::vec::Vec::new();
        for k in 1..=5 {
            let m = p.mark();
            p.push(Sym(k)).unwrap();
            spans.push(p.since(m));
        }
        p.free(spans[0]);
        p.free(spans[2]);
        let mut holes = 0;
        let mut live = [spans[1], spans[3], spans[4]];
        p.compact(&mut |at| {
            holes += 1;
            live.iter_mut().for_each(|s| s.start = at(s.start));
        });
        assert_eq!(holes, 2);
        let got: std::vec::Vec<_> = live.iter().map(|&s| p.get(s)[0].0).collect();
        assert_eq!((got, live.map(|s| s.start)), (vec![2, 4, 5], [0, 1, 2]));
    }

    #[cfg(not(feature = "compact"))]
    #[test]
    fn truncating_past_a_hole_forgets_it() {
        let mut p: Pool<crate::label::Label, 8> = Pool::new();
        let m = p.mark();
        let a = stored(&mut p, &[1, 2]);
        stored(&mut p, &[3]);
        p.free(a);
        p.truncate(m);
        assert_eq!((p.len(), p.vacant(), p.room()), (0, 0, 8));
    }

    #[cfg(feature = "compact")]
    #[test]
    fn the_compact_build_cuts_a_freed_span_out() {
        let mut p: Pool<crate::label::Label, 8> = Pool::new();
        let a = stored(&mut p, &[1, 2]);
        let mut b = stored(&mut p, &[3]);
        p.free(a);
        b.shift_after(a);
        assert_eq!((keys(&p, b), p.len(), p.room()), (vec![3], 1, 7));
    }

    #[test]
    fn full_pool_reports_its_table_and_capacity() {
        let mut p: Pool<Sym, 1> = Pool::new();
        p.push(Sym(1)).unwrap();
        assert_eq!(
            p.push(Sym(2)),
            Err(Error::Full {
                table: Table::Values,
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

    #[test]
    fn name_index_removals_in_the_middle_free_room_for_later_inserts() {
        let mut x: NameIndex<4> = NameIndex::new();
        for (name, i) in [(1, 0), (2, 1), (3, 2), (4, 3)] {
            x.insert(Sym(name), i).unwrap();
        }
        // Full: removing from the middle, then adding a new name at the end.
        x.remove(Sym(2), 1);
        assert_eq!(x.find(Sym(2), |_| true), None);
        x.insert(Sym(9), 1).unwrap();
        assert_eq!(x.find(Sym(9), |_| true), Some(1));
        assert!(x.insert(Sym(10), 4).is_err(), "four objects fill it");
        // The same name again, in another slot, and a removed one back.
        x.remove(Sym(3), 2);
        x.remove(Sym(1), 0);
        x.insert(Sym(3), 5).unwrap();
        x.insert(Sym(1), 0).unwrap();
        assert_eq!(x.find(Sym(3), |_| true), Some(5));
        assert_eq!(x.find(Sym(1), |_| true), Some(0));
        assert_eq!(x.find(Sym(4), |_| true), Some(3));
        for name in [1, 3, 4, 9] {
            x.remove(Sym(name), x.find(Sym(name), |_| true).unwrap());
        }
        assert_eq!(x.find(Sym(4), |_| true), None);
        // Back in its old slot, then removed again: it is gone.
        x.insert(Sym(4), 3).unwrap();
        assert_eq!(x.find(Sym(4), |_| true), Some(3));
        x.remove(Sym(4), 3);
        assert_eq!(x.find(Sym(4), |_| true), None);
    }
}
