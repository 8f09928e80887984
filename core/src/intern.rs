//! String interning: every name, label key and value is stored once and compared as an
//! integer ([`Sym`]) from then on.

use heapless::{String, Vec};

use crate::error::{Error, Result, Table};
use crate::selector::parse_i64;

/// An interned string. Two `Sym`s from the same [`Interner`] are equal exactly when
/// their strings are equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Sym(pub(crate) u32);

impl Sym {
    /// The empty string. It is never stored, so it is always available.
    pub const EMPTY: Sym = Sym(u32::MAX);

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

    /// The text of a symbol read as a base-10 `i64`, as [`parse_i64`] reads it.
    fn int(&self, sym: Sym) -> Option<i64> {
        parse_i64(self.resolve(sym))
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

/// [`Entry::int`] of a string that is not an integer.
const NOT_INT: i32 = i32::MIN;
/// [`Entry::int`] of an integer outside the range the entry holds.
const BIG_INT: i32 = i32::MIN + 1;

/// One string: where its text starts. Texts are stored back to back in symbol
/// order, so a string ends where the next begins (or where the text ends).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry {
    start: u32,
    /// The text read as an integer (`Gt`/`Lt` compare label values as numbers), so
    /// evaluation never parses: the value when it is in `BIG_INT + 1..=i32::MAX`,
    /// else [`NOT_INT`] or [`BIG_INT`].
    int: i32,
}

impl Entry {
    fn new(start: u32, text: &str) -> Result<Entry> {
        let int = match parse_i64(text) {
            None => NOT_INT,
            Some(v) => match i32::try_from(v) {
                Ok(v) if v > BIG_INT => v,
                _ => BIG_INT,
            },
        };
        Ok(Entry { start, int })
    }
}

/// A fixed-capacity string table: at most `STRINGS` distinct strings holding at most
/// `BYTES` bytes together.
///
/// Lookups are a binary search over an index kept sorted by content, so interning
/// the same string twice returns the same [`Sym`] and takes no space.
///
/// ```
/// use dsr_core::intern::Interner;
/// let mut strings: Interner<8, 64> = Interner::new();
/// let a = strings.intern("kubernetes.io/os").unwrap();
/// assert_eq!(strings.intern("kubernetes.io/os").unwrap(), a);
/// assert_eq!(strings.resolve(a), "kubernetes.io/os");
/// ```
#[derive(Debug, Clone)]
pub struct Interner<const STRINGS: usize, const BYTES: usize> {
    text: String<BYTES>,
    entries: Vec<Entry, STRINGS>,
    /// Symbols ordered by their text, for lookup.
    sorted: Vec<u32, STRINGS>,
}

impl<const STRINGS: usize, const BYTES: usize> Default for Interner<STRINGS, BYTES> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const STRINGS: usize, const BYTES: usize> Interner<STRINGS, BYTES> {
    /// An empty table.
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub const fn new() -> Self {
        Interner {
            text: String::new(),
            entries: Vec::new(),
            sorted: Vec::new(),
        }
    }

    /// Forgets every string.
    pub fn clear(&mut self) {
        self.text.clear();
        self.entries.clear();
        self.sorted.clear();
    }

    /// Number of distinct strings held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no string is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Bytes of text held.
    pub fn bytes_used(&self) -> usize {
        self.text.len()
    }

    /// The text of a symbol; the empty string for a symbol this table never issued.
    pub fn resolve(&self, sym: Sym) -> &str {
        let i = sym.0 as usize;
        let Some(e) = self.entries.get(i) else {
            return "";
        };
        let end = self
            .entries
            .get(i + 1)
            .map_or(self.text.len(), |next| next.start as usize);
        self.text.get(e.start as usize..end).unwrap_or("")
    }

    /// The text of a symbol read as a base-10 `i64` ([`parse_i64`]), from a value
    /// worked out when the string was interned.
    pub fn int(&self, sym: Sym) -> Option<i64> {
        match self.entries.get(sym.0 as usize)?.int {
            NOT_INT => None,
            BIG_INT => self.big_int(sym),
            v => Some(i64::from(v)),
        }
    }

    /// [`int`](Self::int) of an integer too big for the entry: parsed again.
    #[cold]
    #[inline(never)]
    fn big_int(&self, sym: Sym) -> Option<i64> {
        parse_i64(self.resolve(sym))
    }

    fn search(&self, s: &str) -> core::result::Result<usize, usize> {
        self.sorted
            .binary_search_by(|&i| self.resolve(Sym(i)).cmp(s))
    }

    /// The symbol of `s` if it is held, without adding it.
    pub fn get(&self, s: &str) -> Option<Sym> {
        if s.is_empty() {
            return Some(Sym::EMPTY);
        }
        self.search(s)
            .ok()
            .and_then(|pos| self.sorted.get(pos))
            .map(|&i| Sym(i))
    }

    /// The symbol of `s`, adding it when new.
    ///
    /// Fails with [`Error::Full`] (and changes nothing) when either the string count
    /// or the byte capacity would be exceeded.
    pub fn intern(&mut self, s: &str) -> Result<Sym> {
        if s.is_empty() {
            return Ok(Sym::EMPTY);
        }
        let pos = match self.search(s) {
            Ok(pos) => {
                return self.sorted.get(pos).map(|&i| Sym(i)).ok_or(Error::LogicBug);
            }
            Err(pos) => pos,
        };
        if self.entries.is_full() {
            return Err(Error::Full {
                table: Table::Strings,
                capacity: STRINGS,
            });
        }
        if BYTES - self.text.len() < s.len() {
            return Err(Error::Full {
                table: Table::StringBytes,
                capacity: BYTES,
            });
        }
        let start = u32::try_from(self.text.len()).map_err(|_| Error::LogicBug)?;
        let entry = Entry::new(start, s)?;
        let id = u32::try_from(self.entries.len()).map_err(|_| Error::LogicBug)?;
        // Capacity was checked above, so none of these pushes can fail.
        self.text.push_str(s).map_err(|_| Error::LogicBug)?;
        self.entries.push(entry).map_err(|_| Error::LogicBug)?;
        self.sorted.insert(pos, id).map_err(|_| Error::LogicBug)?;
        Ok(Sym(id))
    }

    /// The number of strings held, to undo later additions with [`rollback`](Self::rollback).
    pub fn mark(&self) -> u32 {
        self.entries.len() as u32
    }

    /// Forgets every string added since `mark`.
    pub fn rollback(&mut self, mark: u32) {
        let Some(first_new) = self.entries.get(mark as usize).copied() else {
            return;
        };
        self.entries.truncate(mark as usize);
        self.text.truncate(first_new.start as usize);
        self.sorted.retain(|&i| i < mark);
    }

    /// Symbol indices ordered by their text.
    pub fn sorted_index(&self) -> &[u32] {
        &self.sorted
    }

    /// Appends a string without looking it up: restoring a snapshot whose strings
    /// were checked to be unique.
    #[cfg(feature = "snapshot")]
    pub(crate) fn restore_push(&mut self, s: &str) -> Result<()> {
        let start = u32::try_from(self.text.len()).map_err(|_| Error::LogicBug)?;
        let entry = Entry::new(start, s)?;
        self.text.push_str(s).map_err(|_| Error::Full {
            table: Table::StringBytes,
            capacity: BYTES,
        })?;
        self.entries.push(entry).map_err(|_| Error::Full {
            table: Table::Strings,
            capacity: STRINGS,
        })
    }

    /// Appends the next symbol of the text-ordered index when restoring.
    #[cfg(feature = "snapshot")]
    pub(crate) fn restore_sorted(&mut self, sym: u32) -> Result<()> {
        self.sorted.push(sym).map_err(|_| Error::Full {
            table: Table::Strings,
            capacity: STRINGS,
        })
    }

    /// Whether `count` new strings totalling `bytes` bytes would fit.
    pub fn has_room(&self, count: usize, bytes: usize) -> bool {
        STRINGS - self.entries.len() >= count && BYTES - self.text.len() >= bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn integers_are_read_once_as_parse_i64_reads_them() {
        let mut t: Interner<32, 512> = Interner::new();
        for s in [
            "0",
            "6",
            "-7",
            "+7",
            "10000",
            "2147483647",
            "-2147483647",
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
