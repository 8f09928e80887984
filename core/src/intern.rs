//! String interning: every name, label key and value is stored once and compared as an
//! integer ([`Sym`]) from then on.
//!
//! Strings are reference-counted by the objects that hold them, so a table that
//! runs for months holds only what its live objects name: the engine counts a
//! reference for every symbol an object stores and gives it
//! back when the object goes; a string whose count drops to
//! zero is freed at once, its slot reused by the next new string and its bytes by
//! the next [compaction](Interner) of the text.

use heapless::Vec;

use crate::error::{Error, Result, Table};
use crate::selector::parse_i64_bytes;

/// An interned string. Two `Sym`s from the same [`Interner`] are equal exactly when
/// their strings are equal.
///
/// A symbol is valid while some object holds its string: once every holder is
/// gone the slot may be given to another string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Sym(pub(crate) u32);

impl Sym {
    /// The empty string. It is never stored, so it is always available.
    pub const EMPTY: Sym = Sym(u32::MAX);

    /// What a freed pool entry holds where a symbol would be: never interned
    /// (as `keys`' markers just below `EMPTY`).
    pub(crate) const VACANT: Sym = Sym(u32::MAX - 3);

    /// The symbol's index in its interner ([`u32::MAX`] for [`Sym::EMPTY`]).
    pub const fn index(self) -> u32 {
        self.0
    }

    /// True for the empty string.
    pub const fn is_empty(self) -> bool {
        self.0 == u32::MAX
    }
}

/// Read access to interned text: what evaluation needs to compare integers as numbers
/// (`Gt`, `Lt`) and what messages need to print names.
pub trait Resolve {
    /// The text of a symbol.
    fn resolve(&self, sym: Sym) -> &str;

    /// The text of a symbol read as a base-10 `i64`, as
    /// [`parse_i64`](crate::selector::parse_i64) reads it.
    fn int(&self, sym: Sym) -> Option<i64> {
        parse_i64_bytes(self.resolve(sym).as_bytes())
    }
}

impl<const STRINGS: usize, const BYTES: usize> Resolve for Interner<STRINGS, BYTES> {
    fn resolve(&self, sym: Sym) -> &str {
        Interner::resolve(self, sym)
    }

    fn int(&self, sym: Sym) -> Option<i64> {
        Interner::int(self, sym)
    }
}

/// [`Entry::start`] of a free slot.
const FREE: u32 = u32::MAX;
/// End of the free list.
const NIL: u32 = u32::MAX;
/// Bits of [`Entry::meta`] holding the text length (the rest count holders).
const LEN_BITS: u32 = 11;
/// The longest text an entry holds.
pub const TEXT_MAX: usize = (1 << LEN_BITS) - 1;
/// The most holders a string counts; one held more often than this stays until the
/// table is cleared (no real cluster comes near: it is two million handles to one
/// string).
const REFS_MAX: u32 = u32::MAX >> LEN_BITS;
/// Bits of a bucket holding a symbol (plus one); the rest hold the symbol's
/// distance from its home bucket.
const SYM_BITS: u32 = 21;
/// The low bits of a bucket: the symbol plus one.
const SYM_MASK: u32 = (1 << SYM_BITS) - 1;
/// The largest distance a bucket records; a symbol this far or farther from
/// home has its distance computed from its text's hash.
const DIST_MAX: u32 = u32::MAX >> SYM_BITS;
/// The most strings a table holds: a symbol plus one fits in a bucket's 21 low bits.
pub const STRINGS_MAX: usize = (1 << SYM_BITS) - 2;

/// One string slot: 8 bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry {
    /// Where the text starts; [`FREE`] for a free slot.
    start: u32,
    /// Text length (low [`LEN_BITS`] bits) and holders (the rest); for a free slot,
    /// the next free slot. Holders are zero for a string interned by the operation
    /// under way and not yet stored in an object (see [`Interner::sweep`]).
    meta: u32,
}

impl Entry {
    fn len(self) -> usize {
        (self.meta & ((1 << LEN_BITS) - 1)) as usize
    }

    fn refs(self) -> u32 {
        self.meta >> LEN_BITS
    }

    fn with_refs(self, refs: u32) -> Entry {
        Entry {
            start: self.start,
            meta: (self.meta & ((1 << LEN_BITS) - 1)) | (refs << LEN_BITS),
        }
    }

    fn is_free(self) -> bool {
        self.start == FREE
    }
}

/// A fixed-capacity string table: at most `STRINGS` distinct strings holding at most
/// `BYTES` bytes together.
///
/// Lookups hash the text into a table of `STRINGS` buckets (open addressing,
/// linear probing kept in Robin Hood order: each bucket records how far its
/// symbol sits from its home bucket, so a probe compares text only with symbols
/// of the same home, stops as soon as it passes where the text would be, and a
/// removal moves the rest of its run back without hashing anything), so interning
/// costs the same whatever came and went, even in a nearly full table; interning the same string twice returns the same [`Sym`] and takes no
/// space. A table holds at most [`STRINGS_MAX`] strings of at most [`TEXT_MAX`]
/// bytes each.
///
/// Freed strings leave their bytes behind until a new string does not fit after the
/// last one: the live texts are then moved down together (in `O(STRINGS log
/// STRINGS + BYTES)`, with no memory but the table's own), so the byte capacity is
/// always available to live strings. Symbols never change.
///
/// ```
/// use dsr_core::intern::Interner;
/// let mut strings: Interner<8, 64> = Interner::new();
/// let a = strings.intern("kubernetes.io/os").unwrap();
/// assert_eq!(strings.intern("kubernetes.io/os").unwrap(), a);
/// assert_eq!(strings.resolve(a), "kubernetes.io/os");
/// ```
#[derive(Clone)]
pub struct Interner<const STRINGS: usize, const BYTES: usize> {
    text: Vec<u8, BYTES>,
    entries: Vec<Entry, STRINGS>,
    /// The hash table: 0 for an empty bucket, else the symbol plus one (low
    /// [`SYM_BITS`] bits) and its distance from its home bucket (the rest, up to
    /// [`DIST_MAX`]). Along a run, no symbol is nearer its home than the one
    /// before it is to its own, less one (Robin Hood order).
    buckets: [u32; STRINGS],
    /// First free slot ([`NIL`] when none): freed slots are reused first.
    free: u32,
    /// Strings held (slots not free).
    live: u32,
    /// Bytes of the strings held.
    live_bytes: u32,
    /// Strings interned with no holder yet.
    pending: u32,
    /// The most strings and bytes held at once.
    high: (u32, u32),
    /// Strings freed since the table was made (wrapping).
    freed: u32,
}

/// Where a probe for a text ended.
enum Probe {
    /// In this bucket, holding the text's symbol.
    Found(usize, u32),
    /// Not held: the bucket where it would go, and its distance from home there
    /// (`STRINGS` when the table has no room).
    Vacant(usize, usize),
}

/// The strings held, by symbol: what the table means, not where free slots and
/// freed bytes happen to lie (two tables that print alike answer alike).
impl<const STRINGS: usize, const BYTES: usize> core::fmt::Debug for Interner<STRINGS, BYTES> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_map()
            .entries(
                self.symbols()
                    .map(|s| (s.0, (self.resolve(s), self.holders(s)))),
            )
            .finish()
    }
}

impl<const STRINGS: usize, const BYTES: usize> Default for Interner<STRINGS, BYTES> {
    fn default() -> Self {
        Self::new()
    }
}

/// A fast 64-bit hash of a string, eight bytes a step (the multiply-rotate of
/// FxHash, then a final mix so that the low half depends on every byte too): the
/// home bucket comes from the high half, the bucket's hash bits from the low one.
fn hash(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let step = |h: u64, w: u64| (h.rotate_left(5) ^ w).wrapping_mul(K);
    let mut h = bytes.len() as u64;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        h = step(
            h,
            u64::from_le_bytes(<[u8; 8]>::try_from(w).unwrap_or_default()),
        );
    }
    let rest = words.remainder();
    if !rest.is_empty() {
        let mut last = [0u8; 8];
        if let Some(dst) = last.get_mut(..rest.len()) {
            dst.copy_from_slice(rest);
        }
        h = step(h, u64::from_le_bytes(last));
    }
    h ^ (h >> 29)
}

impl<const STRINGS: usize, const BYTES: usize> Interner<STRINGS, BYTES> {
    /// An empty table.
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub const fn new() -> Self {
        const { assert!(STRINGS <= STRINGS_MAX, "STRINGS is over STRINGS_MAX") };
        Interner {
            text: Vec::new(),
            entries: Vec::new(),
            buckets: [0; STRINGS],
            free: NIL,
            live: 0,
            live_bytes: 0,
            pending: 0,
            high: (0, 0),
            freed: 0,
        }
    }

    /// Forgets every string (the high-water marks stay).
    pub fn clear(&mut self) {
        self.freed = self.freed.wrapping_add(self.live);
        self.text.clear();
        self.entries.clear();
        self.buckets.fill(0);
        self.free = NIL;
        self.live = 0;
        self.live_bytes = 0;
        self.pending = 0;
    }

    /// Number of distinct strings held.
    pub fn len(&self) -> usize {
        self.live as usize
    }

    /// True when no string is held.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Bytes of text held by live strings.
    pub fn bytes_used(&self) -> usize {
        self.live_bytes as usize
    }

    /// How many strings were freed since the table was made (wrapping; `clear()`
    /// counts every string it forgets as one): while it is unchanged, every symbol
    /// handed out still names the text it named.
    pub fn freed(&self) -> u32 {
        self.freed
    }

    /// The most strings, and the most bytes, held at once since the table was made.
    pub fn high_water(&self) -> (usize, usize) {
        (self.high.0 as usize, self.high.1 as usize)
    }

    fn entry(&self, sym: Sym) -> Option<Entry> {
        self.entries
            .get(sym.0 as usize)
            .copied()
            .filter(|e| !e.is_free())
    }

    /// The bytes of a symbol's text; empty for a symbol this table does not hold.
    #[inline]
    pub fn bytes(&self, sym: Sym) -> &[u8] {
        let Some(e) = self.entry(sym) else {
            return &[];
        };
        let start = e.start as usize;
        self.text.get(start..start + e.len()).unwrap_or(&[])
    }

    /// The text of a symbol; the empty string for a symbol this table does not hold.
    pub fn resolve(&self, sym: Sym) -> &str {
        // Only whole `&str`s are ever written, and compaction moves whole strings,
        // so this never fails; checked all the same: the core keeps `unsafe` out.
        core::str::from_utf8(self.bytes(sym)).unwrap_or("")
    }

    /// The text of a symbol read as a base-10 `i64`
    /// ([`parse_i64`](crate::selector::parse_i64)).
    #[inline]
    pub fn int(&self, sym: Sym) -> Option<i64> {
        parse_i64_bytes(self.bytes(sym))
    }

    /// The home bucket of a hash: its high half times `STRINGS` over 2^32, no
    /// division.
    fn home(h: u64) -> usize {
        (((h >> 32) * STRINGS as u64) >> 32) as usize
    }

    /// The bucket after `b`, wrapping.
    fn after(b: usize) -> usize {
        if b + 1 >= STRINGS {
            0
        } else {
            b + 1
        }
    }

    /// How far the symbol in bucket `b` (whose value is `v`) is from its home.
    #[inline]
    fn distance(&self, b: usize, v: u32) -> usize {
        let d = v >> SYM_BITS;
        if d < DIST_MAX {
            return d as usize;
        }
        // Too far to record: from the text.
        let home = Self::home(hash(self.bytes(Sym((v & SYM_MASK) - 1))));
        if b >= home {
            b - home
        } else {
            b + STRINGS - home
        }
    }

    /// A bucket's value: symbol `i` at `d` buckets from home.
    fn bucket(i: u32, d: usize) -> u32 {
        ((d as u32).min(DIST_MAX) << SYM_BITS) | (i + 1)
    }

    /// The bucket holding `s` (hashing to `h`), or where it would go and its
    /// distance from home there.
    fn probe(&self, s: &[u8], h: u64) -> Probe {
        let mut b = Self::home(h);
        // At most every bucket once: a full table has no empty one to stop at.
        for d in 0..STRINGS {
            let Some(&v) = self.buckets.get(b) else {
                break;
            };
            if v == 0 {
                return Probe::Vacant(b, d);
            }
            let dv = self.distance(b, v);
            // Robin Hood order: past every symbol of `s`'s home.
            if dv < d {
                return Probe::Vacant(b, d);
            }
            if dv == d {
                let sym = (v & SYM_MASK) - 1;
                if self.bytes(Sym(sym)) == s {
                    return Probe::Found(b, sym);
                }
            }
            b = Self::after(b);
        }
        Probe::Vacant(STRINGS, STRINGS)
    }

    /// Puts symbol `i` in bucket `b`, `d` from its home, where a probe for its
    /// text stopped; the symbols from there to the first empty bucket move up
    /// one, each one farther from its home.
    fn place(&mut self, mut b: usize, d: usize, i: u32) {
        // A run is in home order, so the symbols from `b` to the first empty
        // bucket all move up one: as a block when they do not wrap around. The
        // firmware build (`compact`) keeps only the loop below, which gives the
        // same table.
        #[cfg(not(feature = "compact"))]
        if let Some(run) = self.buckets.get_mut(b..) {
            if let Some(end) = run.iter().position(|&v| v == 0) {
                if let Some(block) = run.get_mut(..=end) {
                    block.copy_within(..end, 1);
                    if let Some((first, moved)) = block.split_first_mut() {
                        for v in moved {
                            *v += u32::from(*v >> SYM_BITS < DIST_MAX) << SYM_BITS;
                        }
                        *first = Self::bucket(i, d);
                    }
                    return;
                }
            }
        }
        // Bucket by bucket, wrapping: each symbol takes the next bucket, one
        // farther from its home (a distance past DIST_MAX stays recorded as
        // DIST_MAX).
        let mut carried = Self::bucket(i, d);
        for _ in 0..STRINGS {
            let Some(slot) = self.buckets.get_mut(b) else {
                return;
            };
            let v = core::mem::replace(slot, carried);
            if v == 0 {
                return;
            }
            carried = v + (u32::from(v >> SYM_BITS < DIST_MAX) << SYM_BITS);
            b = Self::after(b);
        }
    }

    /// The symbol of `s` if it is held, without adding it.
    pub fn get(&self, s: &str) -> Option<Sym> {
        if s.is_empty() {
            return Some(Sym::EMPTY);
        }
        match self.probe(s.as_bytes(), hash(s.as_bytes())) {
            Probe::Found(_, sym) => Some(Sym(sym)),
            Probe::Vacant(..) => None,
        }
    }

    /// The symbol of `s`, adding it when new. A new string has no holder until
    /// the object that stores it is counted as its holder; the operation's end frees
    /// it if none is.
    ///
    /// Fails with [`Error::Full`] (and changes nothing) when either the string count
    /// or the byte capacity would be exceeded by the live strings.
    pub fn intern(&mut self, s: &str) -> Result<Sym> {
        if s.is_empty() {
            return Ok(Sym::EMPTY);
        }
        let bytes = s.as_bytes();
        let h = hash(bytes);
        let (mut bucket, mut distance) = match self.probe(bytes, h) {
            Probe::Found(_, i) => return Ok(Sym(i)),
            Probe::Vacant(b, d) => (b, d),
        };
        if bytes.len() > TEXT_MAX || BYTES - (self.live_bytes as usize) < bytes.len() {
            return Err(Error::Full {
                table: Table::StringBytes,
                capacity: crate::error::saturating_u32(BYTES),
            });
        }
        if self.live as usize >= STRINGS || bucket >= STRINGS {
            return Err(Error::Full {
                table: Table::Strings,
                capacity: crate::error::saturating_u32(STRINGS),
            });
        }
        if BYTES - self.text.len() < bytes.len() {
            self.compact();
            if let Probe::Vacant(b, d) = self.probe(bytes, h) {
                (bucket, distance) = (b, d);
            }
        }
        let start = u32::try_from(self.text.len()).map_err(|_| Error::LogicBug)?;
        self.text
            .extend_from_slice(bytes)
            .map_err(|_| Error::LogicBug)?;
        let entry = Entry {
            start,
            meta: bytes.len() as u32,
        };
        let id = if self.free != NIL {
            let id = self.free;
            let slot = self.entries.get_mut(id as usize).ok_or(Error::LogicBug)?;
            self.free = slot.meta;
            *slot = entry;
            id
        } else {
            let id = u32::try_from(self.entries.len()).map_err(|_| Error::LogicBug)?;
            self.entries.push(entry).map_err(|_| Error::LogicBug)?;
            id
        };
        self.place(bucket, distance, id);
        self.live += 1;
        self.live_bytes += bytes.len() as u32;
        self.pending += 1;
        self.high = (self.high.0.max(self.live), self.high.1.max(self.live_bytes));
        Ok(Sym(id))
    }

    /// Counts one more holder of `sym`.
    #[inline]
    pub(crate) fn retain(&mut self, sym: Sym) {
        if let Some(e) = self.entries.get_mut(sym.0 as usize) {
            if e.is_free() {
                return;
            }
            let refs = e.refs();
            if refs == 0 {
                self.pending = self.pending.saturating_sub(1);
            }
            *e = e.with_refs(refs.saturating_add(1).min(REFS_MAX));
        }
    }

    /// Counts one holder of `sym` less, freeing the string when it was the last.
    #[inline]
    pub(crate) fn release(&mut self, sym: Sym) {
        let Some(e) = self.entries.get_mut(sym.0 as usize) else {
            return;
        };
        let refs = e.refs();
        // A string counted to the maximum has lost count: it stays.
        if e.is_free() || refs == 0 || refs == REFS_MAX {
            return;
        }
        *e = e.with_refs(refs - 1);
        if refs == 1 {
            self.free_slot(sym.0);
        }
    }

    /// Holders of `sym` (0 for a string not yet stored, or not held).
    pub fn holders(&self, sym: Sym) -> u32 {
        self.entry(sym).map_or(0, Entry::refs)
    }

    /// Frees every string interned with no holder (an operation failed after
    /// interning, or interned text it did not keep).
    pub(crate) fn sweep(&mut self) {
        if self.pending == 0 {
            return;
        }
        for i in 0..self.entries.len() as u32 {
            if self
                .entries
                .get(i as usize)
                .is_some_and(|e| !e.is_free() && e.refs() == 0)
            {
                self.free_slot(i);
            }
        }
        self.pending = 0;
    }

    /// Frees every string with no holder, pending or not.
    pub(crate) fn sweep_unheld(&mut self) {
        self.pending = 1;
        self.sweep();
    }

    /// Sets every holder count to zero (to count them again).
    pub(crate) fn forget_holders(&mut self) {
        for e in self.entries.iter_mut() {
            if !e.is_free() {
                *e = e.with_refs(0);
            }
        }
        self.pending = self.live;
    }

    /// Takes slot `i` out of the hash table and puts it on the free list.
    fn free_slot(&mut self, i: u32) {
        let Some(e) = self.entry(Sym(i)) else {
            return;
        };
        let text = self.bytes(Sym(i));
        if let Probe::Found(bucket, found) = self.probe(text, hash(text)) {
            if found == i {
                self.unlink(bucket);
            }
        }
        if e.start as usize + e.len() == self.text.len() {
            // The last text: its bytes come back at once.
            self.text.truncate(e.start as usize);
        }
        if let Some(slot) = self.entries.get_mut(i as usize) {
            *slot = Entry {
                start: FREE,
                meta: self.free,
            };
        }
        self.free = i;
        self.freed = self.freed.wrapping_add(1);
        self.live = self.live.saturating_sub(1);
        self.live_bytes = self.live_bytes.saturating_sub(e.len() as u32);
    }

    /// Empties bucket `hole` and moves the rest of its run back one bucket, each
    /// symbol one nearer its home, up to an empty bucket or a symbol at home (no
    /// tombstones, and no text hashed unless a distance is past [`DIST_MAX`]).
    fn unlink(&mut self, mut hole: usize) {
        // The symbols after the hole up to an empty bucket or one at home move
        // back as a block when they do not wrap around and none is too far
        // from home to record (not in the firmware build, `compact`: the loop
        // below gives the same table).
        #[cfg(not(feature = "compact"))]
        if let Some(run) = self.buckets.get_mut(hole..) {
            if let Some(end) = run.iter().skip(1).position(|&v| v >> SYM_BITS == 0) {
                if let Some(block) = run.get_mut(..=end) {
                    let far = block
                        .iter()
                        .fold(false, |far, &v| far | (v >> SYM_BITS == DIST_MAX));
                    if !far {
                        block.copy_within(1.., 0);
                        if let Some((last, moved)) = block.split_last_mut() {
                            for v in moved {
                                *v -= 1 << SYM_BITS;
                            }
                            *last = 0;
                        }
                        return;
                    }
                }
            }
        }
        for _ in 0..STRINGS {
            let b = Self::after(hole);
            let Some(&v) = self.buckets.get(b) else {
                break;
            };
            if v == 0 {
                break;
            }
            let d = self.distance(b, v);
            if d == 0 {
                break;
            }
            if let Some(slot) = self.buckets.get_mut(hole) {
                *slot = Self::bucket((v & SYM_MASK) - 1, d - 1);
            }
            hole = b;
        }
        if let Some(slot) = self.buckets.get_mut(hole) {
            *slot = 0;
        }
    }

    /// Moves the live texts down over the bytes of freed ones, in text order, then
    /// rebuilds the hash table, whose buckets served as scratch for the order.
    fn compact(&mut self) {
        let Interner {
            text,
            entries,
            buckets,
            ..
        } = self;
        let mut n = 0;
        for (i, e) in entries.iter().enumerate() {
            if !e.is_free() {
                if let Some(slot) = buckets.get_mut(n) {
                    *slot = i as u32;
                    n += 1;
                }
            }
        }
        let order = buckets.get_mut(..n).unwrap_or(&mut []);
        crate::sort::sort_by_key(order, |&i| entries.get(i as usize).map_or(0, |e| e.start));
        let mut to = 0usize;
        for &i in order.iter() {
            let Some(e) = entries.get_mut(i as usize) else {
                continue;
            };
            let from = e.start as usize;
            let len = e.len();
            if from != to {
                text.copy_within(from..from + len, to);
            }
            e.start = to as u32;
            to += len;
        }
        text.truncate(to);
        self.rehash();
    }

    /// Rebuilds the hash table from the entries.
    fn rehash(&mut self) {
        self.buckets.fill(0);
        for i in 0..self.entries.len() as u32 {
            if self.entry(Sym(i)).is_none() {
                continue;
            }
            let text = self.bytes(Sym(i));
            if let Probe::Vacant(b, d) = self.probe(text, hash(text)) {
                self.place(b, d, i);
            }
        }
    }

    /// Every held symbol, in symbol order.
    pub fn symbols(&self) -> impl Iterator<Item = Sym> + '_ {
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.start != FREE)
            .map(|(i, _)| Sym(i as u32))
    }

    /// Appends a string with no holder and no lookup: restoring a snapshot, whose
    /// strings were checked to be unique. Holders are counted as the objects are
    /// restored.
    #[cfg(feature = "snapshot")]
    pub(crate) fn restore_push(&mut self, s: &str) -> Result<Sym> {
        let sym = self.intern(s)?;
        Ok(sym)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::selector::parse_i64;

    #[test]
    fn same_string_same_symbol() {
        let mut t: Interner<4, 32> = Interner::new();
        let a = t.intern("zone").unwrap();
        let b = t.intern("arch").unwrap();
        assert_ne!(a, b);
        assert_eq!(t.intern("zone").unwrap(), a);
        assert_eq!(t.get("arch"), Some(b));
        assert_eq!(t.get("os"), None);
        assert_eq!(t.resolve(b), "arch");
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn full_table_changes_nothing() {
        let mut t: Interner<2, 8> = Interner::new();
        t.intern("a").unwrap();
        t.intern("b").unwrap();
        assert_eq!(
            t.intern("c"),
            Err(Error::Full {
                table: Table::Strings,
                capacity: 2
            })
        );
        assert_eq!(t.len(), 2);
        let mut t: Interner<4, 4> = Interner::new();
        t.intern("abc").unwrap();
        assert_eq!(
            t.intern("de"),
            Err(Error::Full {
                table: Table::StringBytes,
                capacity: 4
            })
        );
        assert_eq!(t.bytes_used(), 3);
        assert_eq!(t.get("de"), None);
    }

    #[test]
    fn a_released_string_gives_back_its_slot_and_bytes() {
        let mut t: Interner<2, 8> = Interner::new();
        let a = t.intern("pod-a1").unwrap();
        t.retain(a);
        let b = t.intern("ns").unwrap();
        t.retain(b);
        // Full on both counts until the pod's name goes.
        assert!(t.intern("pod-b2").is_err());
        t.sweep();
        t.release(a);
        assert_eq!((t.len(), t.bytes_used()), (1, 2));
        assert_eq!(t.get("pod-a1"), None);
        let c = t.intern("pod-b2").unwrap();
        t.retain(c);
        assert_eq!(t.resolve(c), "pod-b2");
        assert_eq!(t.resolve(b), "ns");
        assert_eq!(t.high_water(), (2, 8));
    }

    #[test]
    fn compaction_keeps_every_symbol_and_text() {
        let mut t: Interner<64, 256> = Interner::new();
        let keep = t.intern("kube-system").unwrap();
        t.retain(keep);
        // Ten thousand restarts with fresh names in a table of 256 bytes.
        let mut last: Option<Sym> = None;
        for i in 0..10_000u32 {
            let mut name = heapless::String::<32>::new();
            core::fmt::write(&mut name, format_args!("fluentd-{i:05x}")).unwrap();
            let s = t.intern(&name).unwrap();
            t.retain(s);
            if let Some(last) = last {
                t.release(last);
            }
            last = Some(s);
            assert_eq!(t.resolve(s), name.as_str());
            assert_eq!(t.resolve(keep), "kube-system");
            assert_eq!(t.get(&name), Some(s));
        }
        assert_eq!(t.len(), 2);
        assert_eq!(t.bytes_used(), "kube-system".len() + "fluentd-00000".len());
        assert_eq!(t.high_water(), (3, 11 + 2 * 13));
    }

    #[test]
    fn a_full_table_churned_finds_every_string() {
        // Pod names coming and going in a table kept nearly full: every held
        // name is found, every given-back one is not, whatever runs the hash
        // table's buckets form.
        const N: usize = 97;
        let mut t: Interner<N, 4096> = Interner::new();
        let mut held: [Option<(u32, Sym)>; N] = [None; N];
        let name = |n: u32| {
            let mut s = heapless::String::<32>::new();
            core::fmt::write(&mut s, format_args!("fluentd-{n:x}")).unwrap();
            s
        };
        for (n, slot) in (1_000_000u32..).zip(held.iter_mut()) {
            let sym = t.intern(&name(n)).unwrap();
            t.retain(sym);
            *slot = Some((n, sym));
        }
        let mut rng = 0x2545_f491_u32;
        for step in 0..20_000u32 {
            rng ^= rng << 13;
            rng ^= rng >> 17;
            rng ^= rng << 5;
            let slot = (rng as usize) % N;
            match held[slot] {
                Some((_, sym)) if step % 8 == 0 => {
                    t.release(sym);
                    held[slot] = None;
                }
                Some(_) => {}
                None => {
                    let sym = t.intern(&name(step)).unwrap();
                    t.retain(sym);
                    held[slot] = Some((step, sym));
                }
            }
            if step % 97 == 0 || step > 19_900 {
                for &(n, sym) in held.iter().flatten() {
                    assert_eq!(t.get(&name(n)), Some(sym), "step {step}");
                    assert_eq!(t.resolve(sym), name(n).as_str());
                }
                assert_eq!(t.get(&name(step.wrapping_sub(1) | 1 << 31)), None);
            }
        }
        let live = held.iter().flatten().count();
        assert_eq!(t.len(), live);
        assert!(live > N * 4 / 5, "the table was kept nearly full: {live}");
        assert_eq!(t.high_water().0, N);
    }

    #[test]
    fn unheld_strings_are_swept() {
        let mut t: Interner<4, 32> = Interner::new();
        let a = t.intern("held").unwrap();
        t.retain(a);
        t.intern("dropped").unwrap();
        t.sweep();
        assert_eq!(t.len(), 1);
        assert_eq!(t.get("dropped"), None);
        assert_eq!(t.get("held"), Some(a));
    }

    #[test]
    fn integers_are_read_as_parse_i64_reads_them() {
        let mut t: Interner<32, 512> = Interner::new();
        for s in [
            "0",
            "6",
            "-7",
            "+7",
            "10000",
            "2147483647",
            "-2147483648",
            "9223372036854775807",
            "-9223372036854775808",
            "9223372036854775808",
            "1.0",
            " 1",
            "-",
            "amd64",
        ] {
            let sym = t.intern(s).unwrap();
            assert_eq!(t.int(sym), parse_i64(s), "{s:?}");
            assert_eq!(Resolve::int(&t, sym), parse_i64(s), "{s:?}");
        }
        assert_eq!(t.int(Sym::EMPTY), None);
    }

    #[test]
    fn empty_string_is_a_symbol() {
        let mut t: Interner<2, 2> = Interner::new();
        let e = t.intern("").unwrap();
        assert_eq!(e, Sym::EMPTY);
        assert_eq!(t.resolve(e), "");
        assert_eq!(t.get(""), Some(e));
        assert!(t.is_empty());
    }
}
