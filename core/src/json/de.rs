//! The decoding machinery every object kind uses: serde visitors over
//! `serde-json-core` that write into arrays carved from the caller's
//! [`Scratch`](super::Scratch), keep the JSON path for errors, and skip what dsr
//! does not read.
//!
//! Strings are borrowed from the input as written; one that holds an escape is
//! unescaped into the scratch's text buffer. Object keys are compared as written
//! (the API server and `kubectl` never escape a field name).

#[cfg(feature = "compact")]
use core::cell::Cell;

use serde::de::{self, DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json_core::de::Error as JsonError;

#[cfg(not(feature = "compact"))]
use super::skip::{self, Level, Rest};
use super::{Problem, ScratchPool};
use crate::input::LabelInput;
use crate::Timestamp;

/// Deepest nesting of objects and arrays in a document, counted from its top (an
/// event's `{` is level 1): a skipped value deeper than this is refused, as each
/// level of skipping costs stack.
pub const MAX_DEPTH: usize = 32;

/// Path segments kept for messages (the deepest field dsr reads is 12 down).
pub(crate) const PATH_MAX: usize = 16;

/// One step of a JSON path.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Seg<'a> {
    Key(&'a str),
    Index(u32),
}

/// A growing array at the front of a scratch array; [`Bump::finish`] hands the
/// entries pushed so far out for the scratch's lifetime.
pub(crate) struct Bump<'a, T> {
    rest: &'a mut [T],
    used: usize,
    capacity: usize,
    pool: ScratchPool,
}

impl<'a, T> Bump<'a, T> {
    pub fn new(rest: &'a mut [T], pool: ScratchPool) -> Self {
        Bump {
            capacity: rest.len(),
            rest,
            used: 0,
            pool,
        }
    }

    /// Appends `v`; `Err` naming the pool and its capacity when it is full.
    pub fn push(&mut self, v: T) -> Result<(), Problem> {
        match self.rest.get_mut(self.used) {
            Some(slot) => {
                *slot = v;
                self.used += 1;
                Ok(())
            }
            None => Err(Problem::ScratchFull {
                pool: self.pool,
                capacity: self.capacity,
            }),
        }
    }

    /// The next entry's place, to fill in place; [`Bump::commit`] counts it.
    pub fn next(&mut self) -> Result<&mut T, Problem> {
        let (pool, capacity) = (self.pool, self.capacity);
        self.rest
            .get_mut(self.used)
            .ok_or(Problem::ScratchFull { pool, capacity })
    }

    /// Counts the entry [`Bump::next`] gave.
    pub fn commit(&mut self) {
        self.used = (self.used + 1).min(self.rest.len());
    }

    /// Forgets the entries pushed since the last `finish`.
    pub fn clear(&mut self) {
        self.used = 0;
    }

    /// The entries pushed since the last `finish`.
    pub fn finish(&mut self) -> &'a [T] {
        let rest = core::mem::take(&mut self.rest);
        let at = self.used.min(rest.len());
        let (done, rest) = rest.split_at_mut(at);
        self.rest = rest;
        self.used = 0;
        done
    }
}

/// `s`, a JSON string's text as written (escapes and all), unescaped into
/// `text` and handed out for the scratch's lifetime: the one place escapes are
/// undone (by `serde-json-core`'s own rules).
pub(crate) fn unescape_into<'a>(s: &str, text: &mut Bump<'a, u8>) -> Result<&'a str, Problem> {
    for fragment in serde_json_core::str::EscapedStr(s).fragments() {
        let mut buf = [0u8; 4];
        let bytes = match fragment {
            Ok(serde_json_core::str::EscapedStringFragment::NotEscaped(f)) => f.as_bytes(),
            Ok(serde_json_core::str::EscapedStringFragment::Escaped(c)) => {
                c.encode_utf8(&mut buf).as_bytes()
            }
            Err(_) => return Err(Problem::Syntax(JsonError::InvalidEscapeSequence)),
        };
        for &b in bytes {
            text.push(b)?;
        }
    }
    core::str::from_utf8(text.finish())
        .map_err(|_| Problem::Syntax(JsonError::InvalidUnicodeCodePoint))
}

/// Decoding state: the input, the scratch arrays, the path and the first problem.
pub(crate) struct Ctx<'a> {
    pub json: &'a [u8],
    pub labels: Bump<'a, LabelInput<'a>>,
    pub taints: Bump<'a, crate::input::TaintInput<'a>>,
    pub tolerations: Bump<'a, crate::input::TolerationInput<'a>>,
    pub requirements: Bump<'a, crate::input::RequirementInput<'a>>,
    pub values: Bump<'a, &'a str>,
    pub terms: Bump<'a, crate::input::NodeSelectorTermInput<'a>>,
    pub containers: Bump<'a, crate::input::ContainerInput<'a>>,
    pub text: Bump<'a, u8>,
    pub path: [Seg<'a>; PATH_MAX],
    pub depth: usize,
    /// The first problem found by a visitor (serde only carries a code).
    pub problem: Option<Problem>,
    /// A value to quote in the message (an invalid time, say).
    pub detail: &'a str,
    /// The kind and name of the object being read, for messages.
    pub kind: super::Kind,
    pub name: &'a str,
    /// Where the object being read starts.
    pub start: Option<usize>,
    /// The parser's error, when the read failed.
    pub error: Option<JsonError>,
    /// Whether a namespaced object written without a namespace is read as in
    /// `default` (applying does, as kubectl does; validating does not).
    pub default_namespace: bool,
    /// Where the object being read lies (see [`Ctx::can_finish`]).
    #[cfg(not(feature = "compact"))]
    pub tail: Tail,
    /// What followed the object when a reader ended the read early (see
    /// [`Ctx::can_finish`]).
    #[cfg(not(feature = "compact"))]
    pub finished: Option<Rest<'a>>,
}

/// Where the object being read lies in the document: what may follow it (see
/// [`Ctx::can_finish`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tail {
    /// Somewhere a read does not end early (an item of a `List`, say).
    Unknown,
    /// The object is the document.
    Document,
    /// The object is a watch event's `object`.
    Event,
}

impl<'a> Ctx<'a> {
    // Out of line in the firmware build (`compact`), where size decides.
    #[cfg_attr(feature = "compact", inline(never))]
    pub fn enter(&mut self, seg: Seg<'a>) {
        if let Some(s) = self.path.get_mut(self.depth) {
            *s = seg;
        }
        self.depth += 1;
    }

    #[cfg_attr(feature = "compact", inline(never))]
    pub fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// The path as far as it was kept.
    pub fn path(&self) -> &[Seg<'a>] {
        self.path.get(..self.depth.min(PATH_MAX)).unwrap_or(&[])
    }

    /// Records `p` (the first one wins) and stops the read.
    #[inline(never)]
    pub fn fail(&mut self, p: Problem) -> Stop {
        if self.problem.is_none() {
            self.problem = Some(p);
        }
        Stop
    }

    /// Records a parser error as the problem, unless one was recorded.
    pub fn note(&mut self, e: JsonError) {
        if self.problem.is_none() && e != JsonError::CustomError {
            self.problem = Some(Problem::Syntax(e));
        }
    }

    /// Where `key` (a key borrowed from the input) starts in the input.
    fn offset_of(&self, key: &'a str) -> Option<usize> {
        let start = (key.as_ptr() as usize).checked_sub(self.json.as_ptr() as usize)?;
        (start.checked_add(key.len())? <= self.json.len()).then_some(start)
    }

    /// Where the value that follows `key` starts: what kind of JSON value comes
    /// next, which `serde-json-core` (no `deserialize_any`) cannot tell a visitor,
    /// and where to read a value again.
    pub fn value_start(&self, key: &'a str) -> Option<usize> {
        // Past the key and its closing quote: whitespace, a colon, whitespace.
        let mut i = self
            .offset_of(key)?
            .checked_add(key.len())?
            .checked_add(1)?;
        let mut seen_colon = false;
        while let Some(&b) = self.json.get(i) {
            match b {
                b':' if !seen_colon => seen_colon = true,
                b' ' | b'\t' | b'\n' | b'\r' => {}
                _ => return Some(i),
            }
            i += 1;
        }
        None
    }

    /// The first byte of the value that follows `key`.
    pub fn peek_value(&self, key: &'a str) -> Option<u8> {
        self.json.get(self.value_start(key)?).copied()
    }

    /// Where the object whose first key is `key` starts (its `{`).
    pub fn object_start(&self, key: &'a str) -> Option<usize> {
        let start = self.offset_of(key)?;
        // Back over the key's opening quote and whitespace to the brace.
        let before = self.json.get(..start.checked_sub(1)?)?;
        let pos = before
            .iter()
            .rposition(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))?;
        (before.get(pos) == Some(&b'{')).then_some(pos)
    }

    /// `s` as written in the input, unescaped into the text buffer if it holds an
    /// escape.
    #[inline(never)]
    pub fn unescape(&mut self, s: &'a str) -> Read<&'a str> {
        // Not inlined into the readers: that costs the pod event's apply 16
        // bytes of stack (the 4 KiB bound).
        #[cfg(not(feature = "compact"))]
        let escaped = has_backslash(s.as_bytes());
        // `contains` looks a word at a time (serde-json-core's own unescaping
        // brings its `memchr` in already).
        #[cfg(feature = "compact")]
        let escaped = s.as_bytes().contains(&b'\\');
        if !escaped {
            return Ok(s);
        }
        self.unescape_into_text(s)
    }

    /// [`Ctx::unescape`] of a string that holds an escape.
    #[inline(never)]
    fn unescape_into_text(&mut self, s: &'a str) -> Read<&'a str> {
        unescape_into(s, &mut self.text).map_err(|p| self.fail(p))
    }

    /// Says where the object being read lies, for [`Ctx::can_finish`] (nothing
    /// in the firmware build, which reads every document to its end).
    pub fn set_tail(&mut self, tail: Tail) {
        #[cfg(not(feature = "compact"))]
        {
            self.tail = tail;
        }
        let _ = tail;
    }

    /// Whether a reader ended the read early, as [`Ctx::can_finish`] allowed
    /// (the read's error is then not one).
    pub fn finished(&self) -> bool {
        #[cfg(not(feature = "compact"))]
        return self.finished.is_some();
        #[cfg(feature = "compact")]
        false
    }

    /// The watch event's `type` found after the object by an early end.
    pub fn finished_event_type(&self) -> Option<&'a str> {
        #[cfg(not(feature = "compact"))]
        return self.finished.as_ref().and_then(|r| r.event_type);
        #[cfg(feature = "compact")]
        None
    }

    /// A string value (`None` for `null`).
    #[inline(never)]
    pub fn string(&mut self, src: &mut dyn Source<'a>) -> Read<Option<&'a str>> {
        match raw_str(src)? {
            Some(s) => self.unescape(s).map(Some),
            None => Ok(None),
        }
    }

    /// A string value, `""` for `null`.
    #[inline(never)]
    pub fn str_or_empty(&mut self, src: &mut dyn Source<'a>) -> Read<&'a str> {
        Ok(self.string(src)?.unwrap_or(""))
    }

    /// An `int32` value (`None` for `null`); out of range is an invalid number,
    /// as the parser says of one out of `i64`'s.
    #[inline(never)]
    pub fn int32(&mut self, src: &mut dyn Source<'a>) -> Read<Option<i32>> {
        match int(src)? {
            Some(i) => i32::try_from(i)
                .map(Some)
                .map_err(|_| self.fail(Problem::Syntax(JsonError::InvalidNumber))),
            None => Ok(None),
        }
    }

    /// An RFC 3339 time (`None` for `null`).
    #[inline(never)]
    pub fn time(&mut self, src: &mut dyn Source<'a>) -> Read<Option<Timestamp>> {
        match self.string(src)? {
            None => Ok(None),
            Some(s) => match Timestamp::parse_rfc3339(s) {
                Some(t) => Ok(Some(t)),
                None => {
                    self.detail = s;
                    Err(self.fail(Problem::Time))
                }
            },
        }
    }

    /// Skips a value dsr does not read.
    #[inline(never)]
    pub fn skip(&mut self, src: &mut dyn Source<'a>) -> Read<()> {
        let budget = MAX_DEPTH.saturating_sub(self.depth);
        src.next(Want::Skip(u8::try_from(budget).unwrap_or(u8::MAX)))
            .map(drop)
    }

    /// A nested object, read by `fields` (`null` reads as absent: `Ok(false)`).
    // Inlined, but in the firmware build (`compact`, where code size decides):
    // a frame less for each level of nesting (the stack bound).
    #[cfg_attr(not(feature = "compact"), inline(always))]
    #[cfg_attr(feature = "compact", inline(never))]
    pub fn object(&mut self, src: &mut dyn Source<'a>, fields: &mut dyn Fields<'a>) -> Read<bool> {
        Ok(matches!(src.next(Want::Object(self, fields))?, Out::Done))
    }

    /// An array whose elements `each` reads (`null` reads as absent: `Ok(false)`).
    // Inlined, but in the firmware build (`compact`, where code size decides):
    // a frame less for each level of nesting (the stack bound).
    #[cfg_attr(not(feature = "compact"), inline(always))]
    #[cfg_attr(feature = "compact", inline(never))]
    pub fn array(&mut self, src: &mut dyn Source<'a>, each: &mut dyn Elements<'a>) -> Read<bool> {
        Ok(matches!(src.next(Want::Array(self, each))?, Out::Done))
    }

    /// A `map[string]string` as labels, in the label array (`None` for `null`).
    #[inline(never)]
    pub fn labels(&mut self, src: &mut dyn Source<'a>) -> Read<Option<&'a [LabelInput<'a>]>> {
        // The labels are most of what a node event reads: read by a loop of
        // their own over the parser's map (see `Source::labels`), but in the
        // firmware build (`compact`, where code size decides).
        #[cfg(not(feature = "compact"))]
        let present = src.labels(self)?;
        #[cfg(feature = "compact")]
        let present = self.object(src, &mut LabelMap)?;
        let done = self.labels.finish();
        Ok(present.then_some(done))
    }

    /// An array of strings, in the value array.
    #[inline(never)]
    pub fn strings(&mut self, src: &mut dyn Source<'a>) -> Read<&'a [&'a str]> {
        self.array(src, &mut StringArray)?;
        Ok(self.values.finish())
    }
}

#[cfg(not(feature = "compact"))]
impl<'a> Ctx<'a> {
    /// Whether the read of the object may end after the value of `key`, a key
    /// `levels.len()` objects down in it (the object's own keys are one down):
    /// the rest of the document after that value is valid JSON that
    /// `serde-json-core` would accept, whose further keys are none that a
    /// reader reads. `levels` says which keys may follow in each object, from
    /// `key`'s out to the object's; after the object come the ends of the
    /// document (and, in a watch event, its `type`). Then the rest need not be
    /// parsed (see `skip`): a Node's `status`, say, is most of a node event.
    ///
    /// Otherwise (keys in another order, a document not as written by the API
    /// server, a rest that is not valid), `None`, and the read goes on as
    /// always, to the same answer or the same error.
    #[inline(never)]
    pub fn can_finish(&self, key: &'a str, levels: &[Level]) -> Option<Rest<'a>> {
        let (outer, after) = match self.tail {
            Tail::Unknown => return None,
            Tail::Document => (0, None),
            Tail::Event => (1, Some(Level::Event)),
        };
        if self.depth != outer + levels.len() {
            return None;
        }
        let at = self.value_start(key)?;
        skip::rest(
            self.json,
            at,
            self.depth,
            levels.iter().copied().chain(after),
        )
    }

    /// Ends the read here, as [`Ctx::can_finish`] allowed: the [`Stop`] is not
    /// an error (see [`Ctx::finished`]).
    pub fn finish(&mut self, rest: Rest<'a>) -> Stop {
        self.finished = Some(rest);
        Stop
    }
}

/// Whether `s` holds a backslash, looked for a word at a time, in line: the
/// strings of an object are short (a label value is a few bytes), and a call
/// of `memchr` for each costs more than looking.
#[cfg(not(feature = "compact"))]
#[inline(always)]
// The last bytes by a loop, not `contains`: a call of `memchr` for at most
// seven bytes.
#[allow(clippy::manual_contains)]
fn has_backslash(s: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    const BACKSLASHES: u64 = u64::from_ne_bytes([b'\\'; 8]);
    let mut words = s.chunks_exact(8);
    for w in &mut words {
        let w = u64::from_ne_bytes(<[u8; 8]>::try_from(w).unwrap_or([0; 8])) ^ BACKSLASHES;
        // A zero byte of `w` (a backslash of `s`) sets its high bit here, and
        // only then.
        if w.wrapping_sub(ONES) & !w & HIGHS != 0 {
            return true;
        }
    }
    words.remainder().iter().any(|&b| b == b'\\')
}

/// A read stopped: the problem is the one recorded in [`Ctx::problem`], or the
/// parser's error, which travels up beside (see [`MapSource`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stop;

/// What reading a part of a document gives.
pub(crate) type Read<T> = Result<T, Stop>;

/// Where the next value comes from: the object being read (the value of the key
/// just read) or the array being read (its next element).
pub(crate) trait Source<'a> {
    /// Reads the next value as `want` says; [`Out::End`] at the end of an array.
    fn next(&mut self, want: Want<'_, 'a>) -> Read<Out<'a>>;

    /// Reads the next value, a `map[string]string` or `null`, into the label
    /// array: whether it was a map.
    #[cfg(not(feature = "compact"))]
    fn labels(&mut self, ctx: &mut Ctx<'a>) -> Read<bool> {
        Ok(matches!(
            self.next(Want::Object(ctx, &mut LabelMap))?,
            Out::Done
        ))
    }
}

/// A string as written (`None` for `null`), not unescaped.
#[inline(never)]
pub(crate) fn raw_str<'a>(src: &mut dyn Source<'a>) -> Read<Option<&'a str>> {
    Ok(match src.next(Want::Str)? {
        Out::Str(s) => Some(s),
        _ => None,
    })
}

/// An `int64` value (`None` for `null`).
#[inline(never)]
pub(crate) fn int<'a>(src: &mut dyn Source<'a>) -> Read<Option<i64>> {
    Ok(match src.next(Want::Int)? {
        Out::Int(i) => Some(i),
        _ => None,
    })
}

/// A `bool` value, `false` for `null`.
#[inline(never)]
pub(crate) fn boolean<'a>(src: &mut dyn Source<'a>) -> Read<bool> {
    Ok(matches!(src.next(Want::Bool)?, Out::Bool(true)))
}

/// `match key { "a" => x, "b" | "c" => y, _ => z }` over an object's field
/// names (no name in two arms). The firmware build (`compact`, where code size
/// decides) looks `key` up in a table of the names, in [`key_index`], and picks
/// the arm by position: one loop of comparisons for every reader instead of a
/// compiled comparison per name (about 20 bytes each).
macro_rules! match_key {
    ($key:expr; $($($k:literal)|+ => $arm:expr,)* _ => $default:expr $(,)?) => {{
        #[cfg(not(feature = "compact"))]
        let picked = match $key {
            $($($k)|+ => $arm,)*
            _ => $default,
        };
        #[cfg(feature = "compact")]
        let picked = 'arm: {
            let i = $crate::json::de::key_index($key, &[$($($k),+),*]);
            let mut n = 0usize;
            $(
                let first = n;
                $(n += 1; let _ = $k;)+
                if first <= i && i < n {
                    break 'arm ($arm);
                }
            )*
            let _ = n;
            $default
        };
        picked
    }};
}
pub(crate) use match_key;

/// The position of `key` among `keys` (`keys.len()` when it is not there): the
/// comparisons of [`match_key!`] in the firmware build.
#[cfg(feature = "compact")]
#[inline(never)]
pub(crate) fn key_index(key: &str, keys: &[&str]) -> usize {
    keys.iter().position(|k| *k == key).unwrap_or(keys.len())
}

/// Reads the fields of one JSON object.
pub(crate) trait Fields<'a> {
    /// Reads the value of `key` (every key must consume its value: `ctx.skip`
    /// for those not read).
    fn field(&mut self, ctx: &mut Ctx<'a>, key: &'a str, src: &mut dyn Source<'a>) -> Read<()>;
}

/// Reads the elements of one JSON array.
pub(crate) trait Elements<'a> {
    /// Reads the next element; `Ok(false)` at the end.
    fn element(&mut self, ctx: &mut Ctx<'a>, src: &mut dyn Source<'a>) -> Read<bool>;
}

/// What to read next. One seed and visitor type for every value, so that the
/// parser's generic code is made once rather than once per kind of value.
pub(crate) enum Want<'c, 'a> {
    /// An object key.
    Key,
    /// `string` or `null`.
    Str,
    /// An integer or `null`.
    Int,
    /// `true`, `false` or `null`.
    Bool,
    /// An object (or `null`), its fields read by the reader.
    Object(&'c mut Ctx<'a>, &'c mut dyn Fields<'a>),
    /// An array (or `null`), its elements read by the reader.
    Array(&'c mut Ctx<'a>, &'c mut dyn Elements<'a>),
    /// Any value, skipped, nested at most this deep (serde's `IgnoredAny` has
    /// no bound, and a deep enough input would exhaust the stack).
    Skip(u8),
}

/// A value read.
pub(crate) enum Out<'a> {
    /// `null`.
    Null,
    Str(&'a str),
    Int(i64),
    Bool(bool),
    /// An object or array read, or a value skipped.
    Done,
    /// The end of the array.
    End,
}

impl<'a> DeserializeSeed<'a> for Want<'_, 'a> {
    type Value = Out<'a>;
    // Out of line in the firmware build (`compact`, where size decides): one
    // body for the sources, the documents and the event's object, at the cost
    // of a small frame for each level of nesting.
    #[cfg_attr(not(feature = "compact"), inline(always))]
    #[cfg_attr(feature = "compact", inline(never))]
    fn deserialize<D: Deserializer<'a>>(self, d: D) -> Result<Out<'a>, D::Error> {
        match self {
            #[cfg(not(feature = "compact"))]
            Want::Key => d.deserialize_str(self),
            #[cfg(feature = "compact")]
            Want::Key => string(d),
            #[cfg(not(feature = "compact"))]
            Want::Skip(depth) => d
                .deserialize_ignored_any(Skip(depth, Nowhere))
                .map(|()| Out::Done),
            // The visitor that reads strings (see `Keep`).
            #[cfg(feature = "compact")]
            Want::Skip(depth) => d
                .deserialize_ignored_any(Skip(depth, &Cell::new("")))
                .map(|()| Out::Done),
            _ => d.deserialize_option(self),
        }
    }
}

impl<'a> Visitor<'a> for Want<'_, 'a> {
    type Value = Out<'a>;
    fn expecting(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
        f.write_str("a value")
    }
    fn visit_none<E: de::Error>(self) -> Result<Out<'a>, E> {
        Ok(Out::Null)
    }
    #[inline(always)]
    fn visit_some<D: Deserializer<'a>>(self, d: D) -> Result<Out<'a>, D::Error> {
        match self {
            Want::Int => d.deserialize_i64(self),
            Want::Bool => d.deserialize_bool(self),
            Want::Object(..) => d.deserialize_map(self),
            Want::Array(..) => d.deserialize_seq(self),
            #[cfg(feature = "compact")]
            Want::Str => string(d),
            // Keys and skipped values are not read as options.
            #[cfg(not(feature = "compact"))]
            Want::Str | Want::Key | Want::Skip(_) => d.deserialize_str(self),
            // (Nor read with this visitor: see `Keep`.)
            #[cfg(feature = "compact")]
            Want::Key | Want::Skip(_) => Err(D::Error::custom("")),
        }
    }
    fn visit_unit<E: de::Error>(self) -> Result<Out<'a>, E> {
        Ok(Out::Done)
    }
    fn visit_borrowed_str<E: de::Error>(self, s: &'a str) -> Result<Out<'a>, E> {
        Ok(Out::Str(s))
    }
    fn visit_i64<E: de::Error>(self, i: i64) -> Result<Out<'a>, E> {
        Ok(Out::Int(i))
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Out<'a>, E> {
        Ok(Out::Bool(b))
    }
    #[inline(always)]
    fn visit_map<M: MapAccess<'a>>(self, mut map: M) -> Result<Out<'a>, M::Error> {
        match self {
            Want::Object(ctx, fields) => read_fields(ctx, fields, &mut map),
            _ => Err(M::Error::custom("")),
        }
    }
    #[inline(always)]
    fn visit_seq<S: SeqAccess<'a>>(self, mut seq: S) -> Result<Out<'a>, S::Error> {
        match self {
            Want::Array(ctx, each) => read_elements(ctx, each, &mut seq),
            _ => Err(S::Error::custom("")),
        }
    }
}

/// The fields of an object, each read by `fields`.
#[inline(always)]
fn read_fields<'a, M: MapAccess<'a>>(
    ctx: &mut Ctx<'a>,
    fields: &mut dyn Fields<'a>,
    map: &mut M,
) -> Result<Out<'a>, M::Error> {
    while let Some(Out::Str(key)) = map.next_key_seed(Want::Key)? {
        ctx.enter(Seg::Key(key));
        let mut src = MapSource { map, err: None };
        if fields.field(ctx, key, &mut src).is_err() {
            return Err(src.err.unwrap_or_else(|| M::Error::custom("")));
        }
        ctx.leave();
    }
    Ok(Out::Done)
}

/// A `map[string]string` (or `null`) read into the label array by
/// [`read_labels`]: whether it was a map.
#[cfg(not(feature = "compact"))]
struct Labels<'c, 'a>(&'c mut Ctx<'a>);

#[cfg(not(feature = "compact"))]
impl<'a> DeserializeSeed<'a> for Labels<'_, 'a> {
    type Value = bool;
    fn deserialize<D: Deserializer<'a>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_option(self)
    }
}

#[cfg(not(feature = "compact"))]
impl<'a> Visitor<'a> for Labels<'_, 'a> {
    type Value = bool;
    fn expecting(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
        f.write_str("labels")
    }
    fn visit_none<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_some<D: Deserializer<'a>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_map(self)
    }
    fn visit_map<M: MapAccess<'a>>(self, mut map: M) -> Result<bool, M::Error> {
        read_labels(self.0, &mut map).map(|_| true)
    }
}

/// The entries of a `map[string]string` as labels: what [`read_fields`] with
/// [`LabelMap`] does (the same path and the same errors), without calls
/// through the readers for each entry: the labels are most of what a node
/// event reads.
#[cfg(not(feature = "compact"))]
fn read_labels<'a, M: MapAccess<'a>>(ctx: &mut Ctx<'a>, map: &mut M) -> Result<Out<'a>, M::Error> {
    let mut plain = Plain { from: 0, to: 0 };
    while let Some(Out::Str(key)) = map.next_key_seed(Want::Key)? {
        ctx.enter(Seg::Key(key));
        let key = if plain.holds(ctx.json, key) {
            key
        } else {
            match ctx.unescape(key) {
                Ok(s) => s,
                Err(Stop) => return Err(M::Error::custom("")),
            }
        };
        let value = match map.next_value_seed(Want::Str)? {
            Out::Str(s) if plain.holds(ctx.json, s) => s,
            Out::Str(s) => match ctx.unescape(s) {
                Ok(s) => s,
                Err(Stop) => return Err(M::Error::custom("")),
            },
            _ => "",
        };
        if let Err(p) = ctx.labels.push(LabelInput { key, value }) {
            ctx.fail(p);
            return Err(M::Error::custom(""));
        }
        ctx.leave();
    }
    Ok(Out::Done)
}

/// A stretch `from..to` of the input known to hold no backslash, so that the
/// strings in it are as written: [`read_labels`] looks for backslashes once
/// over the stretch instead of in each key and value (a call and a look at
/// the last bytes each), a stretch at a time.
#[cfg(not(feature = "compact"))]
struct Plain {
    from: usize,
    to: usize,
}

#[cfg(not(feature = "compact"))]
impl Plain {
    /// How far past a string a stretch is looked at: the rest of a label map,
    /// about, not the rest of the document.
    const AHEAD: usize = 256;

    /// Whether `s`, a string of `json` (borrowed from it), holds no backslash;
    /// `false` when it may hold one (or is not in `json`): then
    /// [`Ctx::unescape`] decides.
    #[inline(always)]
    fn holds(&mut self, json: &[u8], s: &str) -> bool {
        let Some(at) = (s.as_ptr() as usize).checked_sub(json.as_ptr() as usize) else {
            return false;
        };
        let Some(end) = at.checked_add(s.len()) else {
            return false;
        };
        if self.from <= at && end <= self.to {
            return true;
        }
        if end > json.len() {
            return false;
        }
        // A new stretch from `s` on, at least to its end, in whole steps of
        // the look (see `no_backslash`) but at the end of the input.
        let ahead = s.len().max(Self::AHEAD).next_multiple_of(16);
        let to = at.saturating_add(ahead).min(json.len());
        self.from = at;
        self.to = skip::no_backslash(json, at, to);
        end <= self.to
    }
}

/// The elements of an array, each read by `each`.
#[inline(always)]
fn read_elements<'a, S: SeqAccess<'a>>(
    ctx: &mut Ctx<'a>,
    each: &mut dyn Elements<'a>,
    seq: &mut S,
) -> Result<Out<'a>, S::Error> {
    let mut i = 0u32;
    loop {
        ctx.enter(Seg::Index(i));
        let mut src = SeqSource { seq, err: None };
        match each.element(ctx, &mut src) {
            Ok(true) => {}
            Ok(false) => {
                ctx.leave();
                return Ok(Out::Done);
            }
            Err(Stop) => return Err(src.err.unwrap_or_else(|| S::Error::custom(""))),
        }
        ctx.leave();
        i = i.saturating_add(1);
    }
}

/// Reads the value of `key`, in the object `map` is visiting, by `fields`.
pub(crate) fn field_of<'a, M: MapAccess<'a>>(
    ctx: &mut Ctx<'a>,
    fields: &mut dyn Fields<'a>,
    key: &'a str,
    map: &mut M,
) -> Result<(), M::Error> {
    let mut src = MapSource { map, err: None };
    match fields.field(ctx, key, &mut src) {
        Ok(()) => Ok(()),
        Err(Stop) => Err(src.err.unwrap_or_else(|| M::Error::custom(""))),
    }
}

/// The object being read, at a key: its value is the next one. A parser error
/// is kept here while the readers return [`Stop`], and handed back to the
/// parser by the visitor.
struct MapSource<'m, M, E> {
    map: &'m mut M,
    err: Option<E>,
}

impl<'a, M: MapAccess<'a>> Source<'a> for MapSource<'_, M, M::Error> {
    fn next(&mut self, want: Want<'_, 'a>) -> Read<Out<'a>> {
        self.map.next_value_seed(want).map_err(|e| {
            self.err = Some(e);
            Stop
        })
    }

    // A seed of its own (not a `Want`), so that the parser's functions it
    // goes through are made apart from those every other value goes through,
    // whose frames nest once per level of the document (the stack bound).
    #[cfg(not(feature = "compact"))]
    fn labels(&mut self, ctx: &mut Ctx<'a>) -> Read<bool> {
        self.map.next_value_seed(Labels(ctx)).map_err(|e| {
            self.err = Some(e);
            Stop
        })
    }
}

/// The array being read: its next element is the next value.
struct SeqSource<'m, S, E> {
    seq: &'m mut S,
    err: Option<E>,
}

impl<'a, S: SeqAccess<'a>> Source<'a> for SeqSource<'_, S, S::Error> {
    fn next(&mut self, want: Want<'_, 'a>) -> Read<Out<'a>> {
        match self.seq.next_element_seed(want) {
            Ok(v) => Ok(v.unwrap_or(Out::End)),
            Err(e) => {
                self.err = Some(e);
                Err(Stop)
            }
        }
    }
}

/// Runs `want` over the JSON value at the start of `json` (trailing text after
/// it is not looked at).
pub(crate) fn read_value<'a>(json: &'a [u8], want: Want<'_, 'a>) -> Result<Out<'a>, JsonError> {
    let mut d = serde_json_core::de::Deserializer::new(json, None);
    want.deserialize(&mut d)
}

/// Runs `want` over the whole of `json`: one JSON value, nothing after it but
/// whitespace.
#[inline(never)]
pub(crate) fn read_whole<'a>(json: &'a [u8], want: Want<'_, 'a>) -> Result<Out<'a>, JsonError> {
    let mut d = serde_json_core::de::Deserializer::new(json, None);
    let out = want.deserialize(&mut d)?;
    d.end()?;
    Ok(out)
}

/// An array element read by `fields`; `Ok(false)` at the end of the array.
// Inlined, but in the firmware build (`compact`, where code size decides):
// a frame less for each level of nesting (the stack bound).
#[cfg_attr(not(feature = "compact"), inline(always))]
#[cfg_attr(feature = "compact", inline(never))]
pub(crate) fn object_element<'a>(
    ctx: &mut Ctx<'a>,
    src: &mut dyn Source<'a>,
    fields: &mut dyn Fields<'a>,
) -> Read<bool> {
    Ok(!matches!(src.next(Want::Object(ctx, fields))?, Out::End))
}

struct LabelMap;

impl<'a> Fields<'a> for LabelMap {
    fn field(&mut self, ctx: &mut Ctx<'a>, key: &'a str, src: &mut dyn Source<'a>) -> Read<()> {
        let key = ctx.unescape(key)?;
        let value = ctx.str_or_empty(src)?;
        ctx.labels
            .push(LabelInput { key, value })
            .map_err(|p| ctx.fail(p))
    }
}

struct StringArray;

impl<'a> Elements<'a> for StringArray {
    fn element(&mut self, ctx: &mut Ctx<'a>, src: &mut dyn Source<'a>) -> Read<bool> {
        let v = match src.next(Want::Str)? {
            Out::End => return Ok(false),
            Out::Str(s) => ctx.unescape(s)?,
            _ => "",
        };
        ctx.values.push(v).map_err(|p| ctx.fail(p))?;
        Ok(true)
    }
}

/// Skips any value, to a nesting depth (serde's `IgnoredAny` has no bound, and a
/// deep enough input would exhaust the stack). A type of its own, apart from
/// [`Want`], so that each level of skipping costs only its small frames. A
/// string it meets goes where `K` says.
#[derive(Clone, Copy)]
struct Skip<K>(u8, K);

/// Where [`Skip`] puts a string: nowhere (hosted builds), or in a cell (the
/// firmware build, `compact`, where [`Want`] reads keys and strings with
/// [`Skip`]'s visitor too: the parser's string reading, which includes
/// unescaping into a buffer dsr never gives it, is then made once rather than
/// once for each visitor, 270 bytes less code; a level of skipping takes 16
/// bytes more stack).
trait Keep<'a>: Copy {
    fn keep(self, s: &'a str);
}

/// Keeps nothing.
#[cfg(not(feature = "compact"))]
#[derive(Clone, Copy)]
struct Nowhere;

#[cfg(not(feature = "compact"))]
impl<'a> Keep<'a> for Nowhere {
    fn keep(self, _: &'a str) {}
}

#[cfg(feature = "compact")]
impl<'a> Keep<'a> for &Cell<&'a str> {
    fn keep(self, s: &'a str) {
        self.set(s);
    }
}

impl<'a, K: Keep<'a>> DeserializeSeed<'a> for Skip<K> {
    type Value = ();
    fn deserialize<D: Deserializer<'a>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_ignored_any(self)
    }
}

impl<'a, K: Keep<'a>> Visitor<'a> for Skip<K> {
    type Value = ();
    fn expecting(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
        f.write_str("any value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_borrowed_str<E: de::Error>(self, s: &'a str) -> Result<(), E> {
        self.1.keep(s);
        Ok(())
    }
    fn visit_seq<S: SeqAccess<'a>>(self, mut seq: S) -> Result<(), S::Error> {
        let inner = Skip(
            self.0.checked_sub(1).ok_or_else(too_deep::<S::Error>)?,
            self.1,
        );
        while seq.next_element_seed(inner)?.is_some() {}
        Ok(())
    }
    fn visit_map<M: MapAccess<'a>>(self, mut map: M) -> Result<(), M::Error> {
        let inner = Skip(
            self.0.checked_sub(1).ok_or_else(too_deep::<M::Error>)?,
            self.1,
        );
        while map.next_key_seed(inner)?.is_some() {
            map.next_value_seed(inner)?;
        }
        Ok(())
    }
}

/// A key or a string value (`Want::Key`, `Want::Str`) in the firmware build,
/// read with [`Skip`]'s visitor (see [`Keep`]).
#[cfg(feature = "compact")]
#[inline(always)]
fn string<'a, D: Deserializer<'a>>(d: D) -> Result<Out<'a>, D::Error> {
    let s = Cell::new("");
    d.deserialize_str(Skip(0, &s))?;
    Ok(Out::Str(s.get()))
}

/// The error a too-deep skipped value gives: a message-less custom error with no
/// recorded problem, which `mod.rs` reads as [`Problem::TooDeep`].
fn too_deep<E: de::Error>() -> E {
    E::custom("too deep")
}
