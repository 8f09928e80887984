//! Snapshots: the whole engine state (interned strings, every table, expectations
//! and backoff) as bytes in a caller buffer, and back, so a gateway that loses power
//! comes back with the same view of its DaemonSets.
//!
//! # Format (version 4)
//!
//! All integers of the header are little-endian.
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | magic `DSRS` |
//! | 4 | 2 | format version (4) |
//! | 6 | 2 | reserved, 0 |
//! | 8 | 40 | capacities: nodes, DaemonSets, pods, strings, string bytes, labels, rules, taints, terms, backoff (`u32` each, in the order of the engine's const generics) |
//! | 48 | 4 | payload length in bytes |
//! | 52 | 4 | CRC-32 (ISO-HDLC, as zlib) of bytes 0..52 followed by the payload |
//! | 56 | n | payload |
//!
//! Version 1 had a 44-byte header naming only the first seven capacities; version 2
//! wrote every string slot ever used and no symbol list, nor feature gates,
//! `Gt`/`Lt` toleration operators and pods' controller names; version 3 had no
//! remembered ControllerRevisions. This build refuses all three
//! ([`SnapshotError::UnsupportedVersion`]).
//!
//! The payload starts with the strings held, as fixed-width little-endian `u32`s so
//! that any string can be found without decoding the others: a count `n`, the `n`
//! symbols in increasing order, `n` offsets into the text, the text's length, the text
//! (the strings in symbol order, back to back), then the `n` positions `0..n` in text
//! order. Only strings that some object holds are written, numbered by their position
//! among them: the writer gives every string handle of the payload its position, so
//! the symbol list it writes is `0..n` and the bytes do not show where freed strings
//! were (a reader takes any increasing list and renumbers by it). A snapshot's size
//! and strings depend on what is live, not on what came and went. Then come values in
//! [postcard](https://docs.rs/postcard)'s wire format (written and read by
//! `codec.rs`, one field list per type): each pool (labels, taints, tolerations,
//! requirements, values, terms, field requirements: a count, then each entry), then
//! each object table (nodes, DaemonSets, pods: a slot count, then each slot as an
//! `Option`), then the expectations of each DaemonSet slot (`SETS` values), the
//! backoff entries (a count, then each entry), the feature gates (a `u32`, see
//! [`FeatureGates::bits`](crate::gates::FeatureGates::bits)) and the remembered
//! ControllerRevisions of `Engine::apply` (a count of at most `SETS`, then each:
//! the DaemonSet's namespace and uid, whether it pins its hash, and the highest
//! `.revision` seen with its hash, as an `Option`). An engine built without the
//! `json` feature writes none, and reads and checks them but keeps none (it
//! cannot apply a ControllerRevision).
//!
//! Restoring checks the header, the length and the checksum, then decodes and checks
//! the whole payload (every count within its capacity, every symbol issued, every span
//! inside its pool, strings sorted and unique, labels sorted by key) before it
//! touches the engine: a snapshot that fails any check is rejected with its own
//! [`SnapshotError`] and the engine is left exactly as it was.

use crate::affinity::{FieldRequirement, Term};
use crate::codec::{Code, Codec};
use crate::engine::{DaemonSet, Engine, Node, STRING_MAX};
use crate::error::Table;
use crate::error::{Error, Result};
use crate::holders::{SpanFields, SymFields};
use crate::intern::Sym;
use crate::label::Label;
use crate::pod::Pod;
use crate::selector::Requirement;
use crate::sync::backoff::BackoffEntry;
use crate::sync::expectations::Expectations;
use crate::table::Span;
#[cfg(not(feature = "compact"))]
use crate::table::{Entry, Pool};
use crate::taint::{Taint, TaintEffect, Toleration, TolerationOperator};

/// The first four bytes of every snapshot.
pub const MAGIC: [u8; 4] = *b"DSRS";

/// The format version this build writes and reads.
pub const FORMAT_VERSION: u16 = 4;

/// How many capacities the header names.
pub const HEADER_CAPACITIES: usize = 10;

/// Where the capacities start in the header.
const CAPACITIES_AT: usize = 8;

/// Where the payload length is in the header.
const LENGTH_AT: usize = CAPACITIES_AT + 4 * HEADER_CAPACITIES;

/// Where the checksum is in the header (it covers the bytes before it).
const CRC_AT: usize = LENGTH_AT + 4;

/// Bytes before the payload.
pub const HEADER_LEN: usize = CRC_AT + 4;

const CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

/// Why a snapshot was not written or not restored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum SnapshotError {
    /// The buffer to write into is too small.
    BufferTooSmall,
    /// Fewer bytes than the header, or than the header says the payload has.
    Truncated,
    /// The bytes do not start with [`MAGIC`].
    BadMagic,
    /// A format version this build does not read.
    UnsupportedVersion {
        /// The version found.
        found: u16,
    },
    /// The snapshot was taken by an engine of other capacities.
    CapacityMismatch,
    /// Bytes follow the payload.
    TrailingBytes,
    /// The checksum does not match: the bytes were damaged.
    Checksum,
    /// A table holds more entries than its capacity.
    OverCapacity,
    /// The payload does not decode, or breaks an invariant of the engine.
    Corrupt,
}

impl crate::text::Piece for SnapshotError {
    fn put<W: core::fmt::Write + ?Sized>(&self, f: &mut W) -> core::fmt::Result {
        match self {
            SnapshotError::BufferTooSmall => f.write_str("buffer too small for the snapshot"),
            SnapshotError::Truncated => f.write_str("snapshot is truncated"),
            SnapshotError::BadMagic => f.write_str("not a dsr snapshot (bad magic)"),
            SnapshotError::UnsupportedVersion { found } => crate::text::put!(
                f,
                "snapshot format version ",
                *found,
                " is not supported (this build reads ",
                FORMAT_VERSION,
                ")"
            ),
            SnapshotError::CapacityMismatch => {
                f.write_str("snapshot was taken by an engine with other capacities")
            }
            SnapshotError::TrailingBytes => f.write_str("bytes follow the snapshot payload"),
            SnapshotError::Checksum => f.write_str("snapshot checksum does not match"),
            SnapshotError::OverCapacity => {
                f.write_str("snapshot holds more than a table's capacity")
            }
            SnapshotError::Corrupt => f.write_str("snapshot payload is corrupt"),
        }
    }
}

crate::text::display_via_piece!(SnapshotError);

impl From<SnapshotError> for Error {
    fn from(e: SnapshotError) -> Self {
        Error::Snapshot(e)
    }
}

/// An upper bound of the postcard encoding of a plain-data value of type `T`: every
/// integer grows by at most a quarter as a varint, and every tag or length takes at
/// most a few bytes that padding and niches already account for. Checked against
/// real output by the tests.
const fn item_max<T>() -> usize {
    2 * core::mem::size_of::<T>() + 2
}

/// Varint bytes of a `u32` count.
const COUNT_MAX: usize = 5;

/// Writes values one after another into a buffer.
struct Writer<'a> {
    buf: &'a mut [u8],
    pos: usize,
    /// Where the strings section lists the engine's symbols (in increasing
    /// order, while the rest is written): a symbol is written as its position
    /// there, so that a snapshot does not show where freed strings were.
    symbols: core::ops::Range<usize>,
    /// Where the next span of each pool starts: a pool is written in the order
    /// its holders come ([`Engine::each_held`]), without holes, so each span
    /// written takes the next entries. (The compact build's pools have no
    /// holes: they are written as they are.)
    #[cfg(not(feature = "compact"))]
    spans: [u32; 8],
}

/// Which of [`Writer::spans`] (and [`Reader::held`]) counts the entries of
/// pool `t`.
fn span_counter(t: Table) -> usize {
    match t {
        Table::Labels => 0,
        Table::Taints => 1,
        Table::Tolerations => 2,
        Table::Requirements => 3,
        Table::Values => 4,
        Table::Terms => 5,
        Table::Fields => 6,
        _ => 7,
    }
}

impl Writer<'_> {
    /// Writes a copy of a stored value with each string handle replaced by its
    /// position among the engine's symbols (0..n, as a restored engine numbers
    /// them). One routine for every type, so it exists once in the code.
    #[inline(never)]
    fn put_stored(&mut self, copy: &mut dyn Stored) -> Result<()> {
        #[cfg(not(feature = "compact"))]
        {
            let spans = &mut self.spans;
            copy.each_span(&mut |t, s| {
                if let Some(next) = spans.get_mut(span_counter(t)) {
                    s.start = *next;
                    *next = next.saturating_add(s.len);
                }
            });
        }
        let symbols = self.buf.get(self.symbols.clone()).unwrap_or(&[]);
        let mut missing = false;
        copy.each_sym(&mut |s| match position(symbols, *s) {
            Some(p) => *s = p,
            None => missing = true,
        });
        // Every handle names a held string (reclamation's invariant).
        if missing {
            return Err(Error::LogicBug);
        }
        self.put(copy)
    }

    #[inline(never)]
    fn put(&mut self, value: &mut dyn Code) -> Result<()> {
        let rest = self
            .buf
            .get_mut(self.pos..)
            .ok_or(Error::Snapshot(SnapshotError::BufferTooSmall))?;
        let mut c = Codec::writer(rest);
        value.code(&mut c);
        self.pos += c.finish()?;
        Ok(())
    }

    fn count(&mut self, n: usize) -> Result<()> {
        let mut n = u32::try_from(n).map_err(|_| Error::LogicBug)?;
        self.put(&mut n)
    }

    fn raw(&mut self, bytes: &[u8]) -> Result<()> {
        let end = self.pos + bytes.len();
        self.buf
            .get_mut(self.pos..end)
            .ok_or(Error::Snapshot(SnapshotError::BufferTooSmall))?
            .copy_from_slice(bytes);
        self.pos = end;
        Ok(())
    }

    fn raw_u32(&mut self, n: usize) -> Result<()> {
        let n = u32::try_from(n).map_err(|_| Error::LogicBug)?;
        self.raw(&n.to_le_bytes())
    }
}

/// The strings section, checked for shape and read in place.
struct Strings<'a> {
    count: u32,
    /// The symbols, strictly increasing: where a written symbol is found, to
    /// renumber it.
    symbols: &'a [u8],
    offsets: &'a [u8],
    text: &'a [u8],
    sorted: &'a [u8],
}

impl<'a> Strings<'a> {
    fn read(
        r: &mut Reader<'a>,
        capacity: usize,
        bytes: usize,
    ) -> core::result::Result<Self, SnapshotError> {
        let count = r.raw_u32()?;
        if count as usize > capacity {
            return Err(SnapshotError::OverCapacity);
        }
        let symbols = r.raw(4 * count as usize)?;
        let offsets = r.raw(4 * count as usize)?;
        let len = r.raw_u32()? as usize;
        if len > bytes {
            return Err(SnapshotError::OverCapacity);
        }
        let text = r.raw(len)?;
        let sorted = r.raw(4 * count as usize)?;
        let mut prev = None;
        for k in 0..count {
            let sym = le_u32(symbols, 4 * k as usize)?;
            if sym == Sym::EMPTY.index() || prev.is_some_and(|p| p >= sym) {
                return Err(SnapshotError::Corrupt);
            }
            prev = Some(sym);
        }
        Ok(Strings {
            count,
            symbols,
            offsets,
            text,
            sorted,
        })
    }

    fn offset(&self, i: u32) -> core::result::Result<usize, SnapshotError> {
        if i == self.count {
            return Ok(self.text.len());
        }
        Ok(le_u32(self.offsets, 4 * i as usize)? as usize)
    }

    /// The text of symbol `i`: checked to lie inside the text and be UTF-8.
    fn text(&self, i: u32) -> core::result::Result<&'a str, SnapshotError> {
        let start = self.offset(i)?;
        let end = self.offset(i + 1)?;
        let bytes = self.text.get(start..end).ok_or(SnapshotError::Corrupt)?;
        core::str::from_utf8(bytes).map_err(|_| SnapshotError::Corrupt)
    }

    /// What symbol `s` of the snapshot is numbered when restored: its position among
    /// the written symbols.
    fn renumber(&self, s: Sym) -> Option<Sym> {
        if s.is_empty() {
            return Some(s);
        }
        let (mut lo, mut hi) = (0u32, self.count);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let at = le_u32(self.symbols, 4 * mid as usize).ok()?;
            match at.cmp(&s.index()) {
                core::cmp::Ordering::Equal => return Some(Sym(mid)),
                core::cmp::Ordering::Less => lo = mid + 1,
                core::cmp::Ordering::Greater => hi = mid,
            }
        }
        None
    }

    /// The `k`-th symbol in text order.
    fn sorted(&self, k: u32) -> core::result::Result<u32, SnapshotError> {
        let i = le_u32(self.sorted, 4 * k as usize)?;
        if i >= self.count {
            return Err(SnapshotError::Corrupt);
        }
        Ok(i)
    }
}

/// Reads values one after another from a payload.
struct Reader<'a> {
    rest: &'a [u8],
    /// How many entries of each pool the spans read so far hold (indexed as
    /// [`span_counter`]): every entry of a pool has exactly one holder, so a
    /// payload whose spans hold more or fewer entries than its pools have is
    /// corrupt.
    held: [u64; 8],
}

impl<'a> Reader<'a> {
    fn take<T: Code>(&mut self) -> core::result::Result<T, SnapshotError> {
        let mut v = T::blank();
        self.take_into(&mut v)?;
        Ok(v)
    }

    /// Reads into `v` (which starts as its type's blank value).
    #[inline(never)]
    fn take_into(&mut self, v: &mut dyn Code) -> core::result::Result<(), SnapshotError> {
        let mut c = Codec::reader(self.rest);
        v.code(&mut c);
        let used = c.finish().map_err(|_| SnapshotError::Corrupt)?;
        self.rest = self.rest.get(used..).ok_or(SnapshotError::Corrupt)?;
        Ok(())
    }

    /// Reads a stored value into `v`, checks it against `bounds` and gives its
    /// string handles their restored numbers: one routine for every type.
    #[inline(never)]
    fn take_stored(
        &mut self,
        v: &mut dyn Stored,
        bounds: &Bounds<'_>,
    ) -> core::result::Result<(), SnapshotError> {
        self.take_into(v)?;
        if !v.valid(bounds) {
            return Err(SnapshotError::Corrupt);
        }
        let held = &mut self.held;
        v.each_span(&mut |t, s| {
            if let Some(n) = held.get_mut(span_counter(t)) {
                *n += u64::from(s.len);
            }
        });
        bounds.renumber(v);
        Ok(())
    }

    fn raw(&mut self, n: usize) -> core::result::Result<&'a [u8], SnapshotError> {
        let (head, rest) = self
            .rest
            .split_at_checked(n)
            .ok_or(SnapshotError::Corrupt)?;
        self.rest = rest;
        Ok(head)
    }

    fn raw_u32(&mut self) -> core::result::Result<u32, SnapshotError> {
        let b = self.raw(4)?;
        le_u32(b, 0)
    }

    /// A count, refused when over `capacity`.
    fn count(&mut self, capacity: usize) -> core::result::Result<usize, SnapshotError> {
        let n: u32 = self.take()?;
        let n = n as usize;
        if n > capacity {
            return Err(SnapshotError::OverCapacity);
        }
        Ok(n)
    }
}

/// The lengths everything in the payload is checked against.
#[derive(Default)]
struct Bounds<'a> {
    strings: Option<&'a Strings<'a>>,
    labels: u32,
    taints: u32,
    tolerations: u32,
    requirements: u32,
    values: u32,
    terms: u32,
    fields: u32,
    sets: u32,
}

impl Bounds<'_> {
    fn sym(&self, s: Sym) -> bool {
        s.is_empty() || self.strings.is_some_and(|t| t.renumber(s).is_some())
    }

    /// Gives each string handle of `x` its restored number (handles were checked
    /// with [`sym`](Self::sym) first).
    fn renumber(&self, x: &mut dyn Stored) {
        x.each_sym(&mut |s| {
            if let Some(new) = self.strings.and_then(|t| t.renumber(*s)) {
                *s = new;
            }
        });
    }

    fn span(span: Span, len: u32) -> bool {
        u64::from(span.start) + u64::from(span.len) <= u64::from(len)
    }

    fn effect(&self, e: TaintEffect) -> bool {
        match e {
            TaintEffect::Other(s) => self.sym(s),
            _ => true,
        }
    }
}

/// What each stored entry must satisfy to be restored.
trait Valid {
    fn valid(&self, b: &Bounds<'_>) -> bool;
}

/// A value of the payload that holds strings and is checked on restore.
trait Stored: Code + SymFields + SpanFields + Valid {}

impl<T: Code + SymFields + SpanFields + Valid> Stored for T {}

/// An object table's slot: `None` when free.
impl<T: Valid> Valid for Option<T> {
    fn valid(&self, b: &Bounds<'_>) -> bool {
        self.as_ref().is_none_or(|x| x.valid(b))
    }
}

impl<T: SpanFields> SpanFields for Option<T> {
    fn each_span(&mut self, f: &mut dyn FnMut(Table, &mut Span)) {
        if let Some(x) = self {
            x.each_span(f);
        }
    }
}

impl<T: SymFields> SymFields for Option<T> {
    fn each_sym(&mut self, f: &mut dyn FnMut(&mut Sym)) {
        if let Some(x) = self {
            x.each_sym(f);
        }
    }
}

impl Valid for Sym {
    fn valid(&self, b: &Bounds<'_>) -> bool {
        b.sym(*self)
    }
}

impl Valid for Label {
    fn valid(&self, b: &Bounds<'_>) -> bool {
        b.sym(self.key) && b.sym(self.value)
    }
}

impl Valid for Taint {
    fn valid(&self, b: &Bounds<'_>) -> bool {
        b.sym(self.key) && b.sym(self.value) && b.effect(self.effect)
    }
}

impl Valid for Toleration {
    fn valid(&self, b: &Bounds<'_>) -> bool {
        let op = match self.operator {
            TolerationOperator::Other(s) => b.sym(s),
            _ => true,
        };
        op && b.sym(self.key) && b.sym(self.value) && b.effect(self.effect)
    }
}

impl Valid for Requirement {
    fn valid(&self, b: &Bounds<'_>) -> bool {
        b.sym(self.key) && Bounds::span(self.values, b.values)
    }
}

impl Valid for Term {
    fn valid(&self, b: &Bounds<'_>) -> bool {
        Bounds::span(self.expressions, b.requirements) && Bounds::span(self.fields, b.fields)
    }
}

impl Valid for FieldRequirement {
    fn valid(&self, b: &Bounds<'_>) -> bool {
        b.sym(self.field) && b.sym(self.value)
    }
}

impl Valid for Node {
    fn valid(&self, b: &Bounds<'_>) -> bool {
        b.sym(self.name)
            && Bounds::span(self.labels, b.labels)
            && Bounds::span(self.taints, b.taints)
    }
}

impl Valid for DaemonSet {
    fn valid(&self, b: &Bounds<'_>) -> bool {
        [
            self.name,
            self.namespace,
            self.uid,
            self.node_name,
            self.revision_hash,
            self.template_generation_label,
        ]
        .iter()
        .all(|s| b.sym(*s))
            && self
                .selector
                .is_none_or(|s| Bounds::span(s, b.requirements))
            && Bounds::span(self.template_labels, b.labels)
            && Bounds::span(self.node_selector, b.labels)
            && self.affinity.is_none_or(|s| Bounds::span(s, b.terms))
            && Bounds::span(self.tolerations, b.tolerations)
            && u32::from(self.automatic_tolerations) < 1 << crate::taint::DAEMON_TOLERATIONS.len()
    }
}

impl Valid for Pod {
    fn valid(&self, b: &Bounds<'_>) -> bool {
        [
            self.name,
            self.namespace,
            self.uid,
            self.node_name,
            self.revision_hash,
            self.template_generation,
            self.controller_name,
        ]
        .iter()
        .all(|s| b.sym(*s))
            && self.controller_uid.is_none_or(|s| b.sym(s))
            && self.target_node.is_none_or(|s| b.sym(s))
            && Bounds::span(self.labels, b.labels)
    }
}

impl Valid for BackoffEntry {
    fn valid(&self, b: &Bounds<'_>) -> bool {
        b.sym(self.node) && self.set.0 < b.sets
    }
}

/// A remembered ControllerRevision as the payload holds it (since version 4):
/// the same in every build, with or without the `json` feature that keeps them.
#[derive(Clone, Copy)]
struct RevisionEntry {
    namespace: Sym,
    uid: Sym,
    pinned: bool,
    /// The highest `.revision` seen, and its `controller-revision-hash`.
    revision: Option<(i64, Sym)>,
}

impl Code for RevisionEntry {
    fn blank() -> Self {
        RevisionEntry {
            namespace: Sym::EMPTY,
            uid: Sym::EMPTY,
            pinned: false,
            revision: None,
        }
    }
    fn code(&mut self, c: &mut Codec<'_>) {
        c.code(&mut self.namespace);
        c.code(&mut self.uid);
        c.bool(&mut self.pinned);
        let mut some = self.revision.is_some();
        c.bool(&mut some);
        let (mut n, mut hash) = self.revision.unwrap_or((0, Sym::EMPTY));
        if some {
            c.code(&mut n);
            c.code(&mut hash);
        }
        self.revision = some.then_some((n, hash));
    }
}

// A remembered revision spans no pool.
impl SpanFields for RevisionEntry {}

impl SymFields for RevisionEntry {
    fn each_sym(&mut self, f: &mut dyn FnMut(&mut Sym)) {
        f(&mut self.namespace);
        f(&mut self.uid);
        if let Some((_, hash)) = &mut self.revision {
            f(hash);
        }
    }
}

impl Valid for RevisionEntry {
    fn valid(&self, b: &Bounds<'_>) -> bool {
        // A revision is remembered for the DaemonSet its controller reference names.
        !self.uid.is_empty()
            && b.sym(self.namespace)
            && b.sym(self.uid)
            && self.revision.is_none_or(|(_, hash)| b.sym(hash))
    }
}

#[cfg(feature = "json")]
impl From<&crate::revisions::Remembered> for RevisionEntry {
    fn from(r: &crate::revisions::Remembered) -> Self {
        RevisionEntry {
            namespace: r.namespace,
            uid: r.uid,
            pinned: r.pinned,
            revision: r.revision(),
        }
    }
}

impl Valid for Expectations {
    fn valid(&self, _: &Bounds<'_>) -> bool {
        true
    }
}

/// Decodes a pool (a count, then entries), checking each entry; `store` receives
/// them when given.
fn read_list<T: Code + Valid + SymFields + SpanFields>(
    r: &mut Reader<'_>,
    capacity: usize,
    bounds: &Bounds<'_>,
    mut store: Option<&mut dyn FnMut(T) -> Result<()>>,
) -> core::result::Result<u32, SnapshotError> {
    let n = r.count(capacity)?;
    for _ in 0..n {
        let mut item = T::blank();
        r.take_stored(&mut item, bounds)?;
        if let Some(store) = store.as_mut() {
            store(item).map_err(|_| SnapshotError::Corrupt)?;
        }
    }
    Ok(n as u32)
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
    const CAPACITIES: [usize; HEADER_CAPACITIES] = [
        NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES, TAINTS, TERMS, BACKOFF,
    ];

    /// The largest snapshot an engine of these capacities can write: a buffer of this
    /// size always suffices for [`snapshot`](Self::snapshot).
    pub const fn max_snapshot_size() -> usize {
        HEADER_LEN
            // Strings: count, symbols, offsets, text length, text, index.
            + 4 + 4 * STRINGS + 4 * STRINGS + 4 + BYTES + 4 * STRINGS
            + COUNT_MAX + LABELS * item_max::<Label>()
            + COUNT_MAX + TAINTS * item_max::<Taint>()
            + COUNT_MAX + RULES * item_max::<Toleration>()
            + COUNT_MAX + RULES * item_max::<Requirement>()
            + COUNT_MAX + RULES * item_max::<Sym>()
            + COUNT_MAX + TERMS * item_max::<Term>()
            + COUNT_MAX + TERMS * item_max::<FieldRequirement>()
            + COUNT_MAX + NODES * item_max::<Option<Node>>()
            + COUNT_MAX + SETS * item_max::<Option<DaemonSet>>()
            + COUNT_MAX + PODS * item_max::<Option<Pod>>()
            + SETS * item_max::<Option<Expectations>>()
            + COUNT_MAX + BACKOFF * item_max::<BackoffEntry>()
            + item_max::<u32>()
            + COUNT_MAX + SETS * item_max::<RevisionEntry>()
    }

    /// Writes the engine's whole state into `buf` and returns the bytes written.
    /// [`max_snapshot_size`](Self::max_snapshot_size) bytes always suffice; a smaller
    /// buffer that turns out too small is [`SnapshotError::BufferTooSmall`].
    ///
    /// ```
    /// use dsr_core::input::NodeInput;
    /// let mut engine = dsr_core::TinyEngine::new();
    /// engine.add_node(&NodeInput { name: "edge-rpi4-01", ..Default::default() }).unwrap();
    /// let mut flash = [0u8; 4096];
    /// let n = engine.snapshot(&mut flash).unwrap();
    ///
    /// let mut after_reboot = dsr_core::TinyEngine::new();
    /// after_reboot.restore(&flash[..n]).unwrap();
    /// assert!(after_reboot.find_node("edge-rpi4-01").is_some());
    /// ```
    pub fn snapshot(&self, buf: &mut [u8]) -> Result<usize> {
        let (header, payload) = buf
            .split_at_mut_checked(HEADER_LEN)
            .ok_or(Error::Snapshot(SnapshotError::BufferTooSmall))?;
        let mut w = Writer {
            buf: payload,
            pos: 0,
            symbols: 0..0,
            #[cfg(not(feature = "compact"))]
            spans: [0; 8],
        };
        self.write_strings(&mut w)?;
        #[cfg(not(feature = "compact"))]
        {
            self.write_held(&mut w, &self.labels)?;
            self.write_held(&mut w, &self.taints)?;
            self.write_held(&mut w, &self.tolerations)?;
            self.write_held(&mut w, &self.requirements)?;
            self.write_held(&mut w, &self.values)?;
            self.write_held(&mut w, &self.terms)?;
            self.write_held(&mut w, &self.fields)?;
        }
        #[cfg(feature = "compact")]
        {
            self.write_pool(&mut w, self.labels.all())?;
            self.write_pool(&mut w, self.taints.all())?;
            self.write_pool(&mut w, self.tolerations.all())?;
            self.write_pool(&mut w, self.requirements.all())?;
            self.write_pool(&mut w, self.values.all())?;
            self.write_pool(&mut w, self.terms.all())?;
            self.write_pool(&mut w, self.fields.all())?;
        }
        w.count(self.nodes.slot_count())?;
        for slot in self.nodes.slots() {
            w.put_stored(&mut slot.copied())?;
        }
        w.count(self.sets.slot_count())?;
        for slot in self.sets.slots() {
            w.put_stored(&mut slot.copied())?;
        }
        w.count(self.pods.slot_count())?;
        for slot in self.pods.slots() {
            w.put_stored(&mut slot.copied())?;
        }
        for e in &self.sync.expectations {
            w.put(&mut e.clone())?;
        }
        self.write_pool(&mut w, self.sync.backoff.entries())?;
        // Since version 3: the feature gates.
        w.put(&mut self.gates.bits())?;
        // Since version 4: the remembered ControllerRevisions, last.
        #[cfg(feature = "json")]
        {
            w.count(self.revisions.iter().count())?;
            for r in self.revisions.iter() {
                w.put_stored(&mut RevisionEntry::from(r))?;
            }
        }
        #[cfg(not(feature = "json"))]
        w.count(0)?;
        // Every handle is written as its position (found in the list of
        // symbols): now the list becomes 0..n.
        for k in 0..self.strings.len() {
            let at = w.symbols.start + 4 * k;
            put_u32(w.buf, at, u32::try_from(k).map_err(|_| Error::LogicBug)?);
        }
        let payload_len = w.pos;
        let mut head = [0u8; HEADER_LEN];
        fill_header(&mut head, &Self::CAPACITIES, payload_len)?;
        let mut digest = CRC.digest();
        digest.update(head.get(..CRC_AT).ok_or(Error::LogicBug)?);
        digest.update(payload.get(..payload_len).ok_or(Error::LogicBug)?);
        let crc = digest.finalize().to_le_bytes();
        head.get_mut(CRC_AT..HEADER_LEN)
            .ok_or(Error::LogicBug)?
            .copy_from_slice(&crc);
        header.copy_from_slice(&head);
        Ok(HEADER_LEN + payload_len)
    }

    fn write_pool<T: Stored + Copy>(&self, w: &mut Writer<'_>, items: &[T]) -> Result<()> {
        w.count(items.len())?;
        for item in items {
            w.put_stored(&mut item.clone())?;
        }
        Ok(())
    }

    /// Writes the live entries of a pool in the order of their holders (see
    /// [`Writer::spans`]): what is live, wherever holes left it.
    #[cfg(not(feature = "compact"))]
    fn write_held<T: Stored + Entry, const M: usize>(
        &self,
        w: &mut Writer<'_>,
        pool: &Pool<T, M>,
    ) -> Result<()> {
        let mut n = 0;
        self.each_held(T::TABLE, &mut |s| n += s.len());
        // Every live entry has its holder (what freeing keeps true).
        if n != pool.len() {
            return Err(Error::LogicBug);
        }
        w.count(n)?;
        let mut written = Ok(());
        self.each_held(T::TABLE, &mut |s| {
            for item in pool.get(s) {
                if written.is_ok() {
                    written = w.put_stored(&mut item.clone());
                }
            }
        });
        written
    }

    fn write_strings(&self, w: &mut Writer<'_>) -> Result<()> {
        let strings = &self.strings;
        let n = strings.len();
        w.raw_u32(n)?;
        let symbols_at = w.pos;
        for sym in strings.symbols() {
            w.raw_u32(sym.index() as usize)?;
        }
        w.symbols = symbols_at..w.pos;
        let mut offset = 0usize;
        for sym in strings.symbols() {
            w.raw_u32(offset)?;
            offset += strings.bytes(sym).len();
        }
        w.raw_u32(offset)?;
        for sym in strings.symbols() {
            w.raw(strings.bytes(sym))?;
        }
        // The text order: positions 0..n written, then sorted where they lie by the
        // text of the symbol at each position (no memory but the output's).
        let index_at = w.pos;
        for k in 0..n {
            w.raw_u32(k)?;
        }
        let (head, tail) = w.buf.split_at_mut(index_at);
        let symbols = head
            .get(symbols_at..symbols_at + 4 * n)
            .ok_or(Error::LogicBug)?;
        let index = tail.get_mut(..4 * n).ok_or(Error::LogicBug)?;
        let text =
            |k: u32| le_u32(symbols, 4 * k as usize).map_or(&[][..], |sym| strings.bytes(Sym(sym)));
        crate::sort::heapsort_indexed(n, &mut |i, j, op| {
            let (Ok(a), Ok(b)) = (le_u32(index, 4 * i), le_u32(index, 4 * j)) else {
                return false;
            };
            match op {
                crate::sort::Op::Less => text(a) < text(b),
                crate::sort::Op::Swap => {
                    put_u32(index, 4 * i, b);
                    put_u32(index, 4 * j, a);
                    false
                }
            }
        });
        Ok(())
    }

    /// Replaces the engine's state with a snapshot's. Every check runs before the
    /// engine is touched: on any error the engine is exactly as it was.
    pub fn restore(&mut self, bytes: &[u8]) -> Result<()> {
        let payload = check_header(bytes, &Self::CAPACITIES)?;
        // First pass: decode and check everything, storing nothing.
        self.read_payload(payload, false)?;
        // Second pass: the same reads, now storing. It cannot fail on a payload
        // the first pass accepted; if it did, the engine is left empty.
        self.clear();
        if let Err(e) = self
            .read_payload(payload, true)
            .and_then(|()| self.reindex())
        {
            self.clear();
            return Err(e);
        }
        Ok(())
    }

    fn read_payload(&mut self, payload: &[u8], store: bool) -> Result<()> {
        let mut r = Reader {
            rest: payload,
            held: [0; 8],
        };
        let strings = Strings::read(&mut r, STRINGS, BYTES)?;
        let mut b = Bounds {
            strings: Some(&strings),
            sets: u32::try_from(SETS).unwrap_or(u32::MAX),
            ..Bounds::default()
        };
        for i in 0..strings.count {
            let text = strings.text(i)?;
            if text.is_empty() || text.len() > STRING_MAX {
                return Err(SnapshotError::Corrupt.into());
            }
            // Restored strings are numbered 0..n in the written order.
            if store && self.strings.restore_push(text)? != Sym(i) {
                return Err(Error::LogicBug);
            }
        }
        // The index must list every symbol once in strictly increasing text order:
        // strictly increasing implies distinct, and `count` distinct symbols below
        // `count` are all of them.
        let mut prev: Option<&str> = None;
        for k in 0..strings.count {
            let i = strings.sorted(k)?;
            let text = strings.text(i)?;
            if prev.is_some_and(|p| p >= text) {
                return Err(SnapshotError::Corrupt.into());
            }
            prev = Some(text);
        }
        macro_rules! pool {
            ($field:ident, $ty:ty, $cap:expr) => {{
                let mut push = |item: $ty| self.$field.push(item);
                read_list::<$ty>(
                    &mut r,
                    $cap,
                    &b,
                    store.then_some(&mut push as &mut dyn FnMut($ty) -> Result<()>),
                )?
            }};
        }
        // Pools refer to later pools (requirements to values, terms to requirements
        // and fields), so their lengths are read first from a look-ahead pass.
        let lens = pool_lengths(r.rest, [LABELS, TAINTS, RULES, RULES, RULES, TERMS, TERMS])?;
        b.labels = lens[0];
        b.taints = lens[1];
        b.tolerations = lens[2];
        b.requirements = lens[3];
        b.values = lens[4];
        b.terms = lens[5];
        b.fields = lens[6];
        pool!(labels, Label, LABELS);
        pool!(taints, Taint, TAINTS);
        pool!(tolerations, Toleration, RULES);
        pool!(requirements, Requirement, RULES);
        pool!(values, Sym, RULES);
        pool!(terms, Term, TERMS);
        pool!(fields, FieldRequirement, TERMS);
        macro_rules! slots {
            ($field:ident, $ty:ty, $cap:expr) => {{
                let n = r.count($cap)?;
                for _ in 0..n {
                    let mut slot: Option<$ty> = None;
                    r.take_stored(&mut slot, &b)?;
                    if store {
                        self.$field.restore_slot(slot)?;
                    }
                }
            }};
        }
        slots!(nodes, Node, NODES);
        slots!(sets, DaemonSet, SETS);
        slots!(pods, Pod, PODS);
        // Each entry of every pool is held once: the spans read hold as many
        // entries as the pools have (the order of `lens` is `span_counter`'s).
        if r.held
            .iter()
            .zip(lens)
            .any(|(&held, len)| held != u64::from(len))
        {
            return Err(SnapshotError::Corrupt.into());
        }
        for i in 0..SETS {
            let e: Option<Expectations> = r.take()?;
            if store {
                if let Some(slot) = self.sync.expectations.get_mut(i) {
                    *slot = e;
                }
            }
        }
        {
            let mut push = |e: BackoffEntry| self.sync.backoff.restore_push(e);
            read_list::<BackoffEntry>(
                &mut r,
                BACKOFF,
                &b,
                store.then_some(&mut push as &mut dyn FnMut(BackoffEntry) -> Result<()>),
            )?;
        }
        // Since version 3: the feature gates; a bit of a gate this build does not
        // know is refused (its decisions could not be made as the snapshot's were).
        let gates: u32 = r.take()?;
        let gates = crate::gates::FeatureGates::from_bits(gates).ok_or(SnapshotError::Corrupt)?;
        if store {
            self.gates = gates;
        }
        // Since version 4: the remembered ControllerRevisions (kept with `json`).
        #[cfg(feature = "json")]
        {
            let mut slots = self.revisions.entries.iter_mut();
            let mut push = |e: RevisionEntry| -> Result<()> {
                let slot = slots.next().ok_or(Error::LogicBug)?;
                let r = crate::revisions::Remembered::new(e.namespace, e.uid, e.pinned);
                *slot = Some(r.with_revision(e.revision));
                Ok(())
            };
            read_list::<RevisionEntry>(
                &mut r,
                SETS,
                &b,
                store.then_some(&mut push as &mut dyn FnMut(RevisionEntry) -> Result<()>),
            )?;
        }
        #[cfg(not(feature = "json"))]
        read_list::<RevisionEntry>(&mut r, SETS, &b, None)?;
        if !r.rest.is_empty() {
            return Err(SnapshotError::Corrupt.into());
        }
        Ok(())
    }
}

/// The entry counts of the seven pools, read ahead without decoding their entries'
/// contents beyond what skipping them needs. A count over its pool's capacity is
/// [`SnapshotError::OverCapacity`] here already, whatever its entries hold.
fn pool_lengths(
    rest: &[u8],
    capacities: [usize; 7],
) -> core::result::Result<[u32; 7], SnapshotError> {
    let mut r = Reader { rest, held: [0; 8] };
    let mut lens = [0u32; 7];
    macro_rules! skip {
        ($i:expr, $ty:ty) => {{
            let n = r.count(capacities.get($i).copied().unwrap_or(0))? as u32;
            for _ in 0..n {
                let _: $ty = r.take()?;
            }
            if let Some(l) = lens.get_mut($i) {
                *l = n;
            }
        }};
    }
    skip!(0, Label);
    skip!(1, Taint);
    skip!(2, Toleration);
    skip!(3, Requirement);
    skip!(4, Sym);
    skip!(5, Term);
    skip!(6, FieldRequirement);
    Ok(lens)
}

fn fill_header(
    head: &mut [u8; HEADER_LEN],
    caps: &[usize; HEADER_CAPACITIES],
    payload_len: usize,
) -> Result<()> {
    let mut put = |at: usize, bytes: &[u8]| -> Result<()> {
        head.get_mut(at..at + bytes.len())
            .ok_or(Error::LogicBug)?
            .copy_from_slice(bytes);
        Ok(())
    };
    put(0, &MAGIC)?;
    put(4, &FORMAT_VERSION.to_le_bytes())?;
    put(6, &[0, 0])?;
    for (i, c) in caps.iter().enumerate() {
        let c = u32::try_from(*c).map_err(|_| Error::LogicBug)?;
        put(CAPACITIES_AT + 4 * i, &c.to_le_bytes())?;
    }
    let len = u32::try_from(payload_len).map_err(|_| Error::LogicBug)?;
    put(LENGTH_AT, &len.to_le_bytes())
}

/// The position of `s` in a little-endian list of increasing symbols (the
/// empty string is itself).
fn position(symbols: &[u8], s: Sym) -> Option<Sym> {
    if s.is_empty() {
        return Some(s);
    }
    let (mut lo, mut hi) = (0usize, symbols.len() / 4);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let at = le_u32(symbols, 4 * mid).ok()?;
        match at.cmp(&s.index()) {
            core::cmp::Ordering::Equal => return u32::try_from(mid).ok().map(Sym),
            core::cmp::Ordering::Less => lo = mid + 1,
            core::cmp::Ordering::Greater => hi = mid,
        }
    }
    None
}

/// Writes `v` little-endian at `at`, when it fits.
fn put_u32(bytes: &mut [u8], at: usize, v: u32) {
    if let Some(x) = bytes.get_mut(at..at + 4) {
        x.copy_from_slice(&v.to_le_bytes());
    }
}

fn le_u32(bytes: &[u8], at: usize) -> core::result::Result<u32, SnapshotError> {
    let b: [u8; 4] = bytes
        .get(at..at + 4)
        .and_then(|s| s.try_into().ok())
        .ok_or(SnapshotError::Truncated)?;
    Ok(u32::from_le_bytes(b))
}

/// Checks everything the header promises and returns the payload.
fn check_header<'a>(
    bytes: &'a [u8],
    caps: &[usize; HEADER_CAPACITIES],
) -> core::result::Result<&'a [u8], SnapshotError> {
    // Magic and version first: a snapshot of another version (whose header may be
    // shorter) is named as such, not as truncated.
    let magic = bytes.get(0..4).ok_or(SnapshotError::Truncated)?;
    if magic != MAGIC {
        return Err(SnapshotError::BadMagic);
    }
    let version = match bytes.get(4..6) {
        Some(&[lo, hi]) => u16::from_le_bytes([lo, hi]),
        _ => return Err(SnapshotError::Truncated),
    };
    if version != FORMAT_VERSION {
        return Err(SnapshotError::UnsupportedVersion { found: version });
    }
    let (head, rest) = bytes
        .split_at_checked(HEADER_LEN)
        .ok_or(SnapshotError::Truncated)?;
    if head.get(6..8) != Some(&[0, 0][..]) {
        return Err(SnapshotError::Corrupt);
    }
    for (i, c) in caps.iter().enumerate() {
        if le_u32(head, CAPACITIES_AT + 4 * i)? as usize != *c {
            return Err(SnapshotError::CapacityMismatch);
        }
    }
    let len = le_u32(head, LENGTH_AT)? as usize;
    let payload = rest.get(..len).ok_or(SnapshotError::Truncated)?;
    if rest.len() > len {
        return Err(SnapshotError::TrailingBytes);
    }
    let mut digest = CRC.digest();
    digest.update(head.get(..CRC_AT).ok_or(SnapshotError::Truncated)?);
    digest.update(payload);
    if digest.finalize() != le_u32(head, CRC_AT)? {
        return Err(SnapshotError::Checksum);
    }
    Ok(payload)
}
