//! The decoding machinery every object kind uses: serde visitors over
//! `serde-json-core` that write into arrays carved from the caller's
//! [`Scratch`](super::Scratch), keep the JSON path for errors, and skip what dsr
//! does not read.
//!
//! Strings are borrowed from the input as written; one that holds an escape is
//! unescaped into the scratch's text buffer. Object keys are compared as written
//! (the API server and `kubectl` never escape a field name).

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json_core::de::Error as JsonError;

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
    /// Whether a namespaced object written without a namespace is read as in
    /// `default` (applying does, as kubectl does; validating does not).
    pub default_namespace: bool,
}

impl<'a> Ctx<'a> {
    pub fn enter(&mut self, seg: Seg<'a>) {
        if let Some(s) = self.path.get_mut(self.depth) {
            *s = seg;
        }
        self.depth += 1;
    }

    pub fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// The path as far as it was kept.
    pub fn path(&self) -> &[Seg<'a>] {
        self.path.get(..self.depth.min(PATH_MAX)).unwrap_or(&[])
    }

    /// Records `p` (the first one wins) and gives the serde error that carries it out.
    pub fn fail<E: de::Error>(&mut self, p: Problem) -> E {
        if self.problem.is_none() {
            self.problem = Some(p);
        }
        E::custom("")
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
    pub fn unescape<E: de::Error>(&mut self, s: &'a str) -> Result<&'a str, E> {
        if !s.as_bytes().contains(&b'\\') {
            return Ok(s);
        }
        for fragment in serde_json_core::str::EscapedStr(s).fragments() {
            let mut buf = [0u8; 4];
            let bytes = match fragment {
                Ok(serde_json_core::str::EscapedStringFragment::NotEscaped(f)) => f.as_bytes(),
                Ok(serde_json_core::str::EscapedStringFragment::Escaped(c)) => {
                    c.encode_utf8(&mut buf).as_bytes()
                }
                Err(_) => return Err(self.fail(Problem::Syntax(JsonError::InvalidEscapeSequence))),
            };
            for &b in bytes {
                if let Err(p) = self.text.push(b) {
                    return Err(self.fail(p));
                }
            }
        }
        let done = self.text.finish();
        core::str::from_utf8(done)
            .map_err(|_| self.fail(Problem::Syntax(JsonError::InvalidUnicodeCodePoint)))
    }

    /// A string value (`None` for `null`).
    pub fn string<M: MapAccess<'a>>(&mut self, map: &mut M) -> Result<Option<&'a str>, M::Error> {
        let raw: Option<&'a str> = map.next_value()?;
        match raw {
            Some(s) => self.unescape(s).map(Some),
            None => Ok(None),
        }
    }

    /// A string value, `""` for `null`.
    pub fn str_or_empty<M: MapAccess<'a>>(&mut self, map: &mut M) -> Result<&'a str, M::Error> {
        Ok(self.string(map)?.unwrap_or(""))
    }

    /// An RFC 3339 time (`None` for `null`).
    pub fn time<M: MapAccess<'a>>(&mut self, map: &mut M) -> Result<Option<Timestamp>, M::Error> {
        match self.string(map)? {
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
    pub fn skip<M: MapAccess<'a>>(&mut self, map: &mut M) -> Result<(), M::Error> {
        let budget = MAX_DEPTH.saturating_sub(self.depth);
        map.next_value_seed(Skip(u8::try_from(budget).unwrap_or(u8::MAX)))
    }

    /// A nested object, read by `fields` (`null` reads as absent: `Ok(false)`).
    pub fn object<M: MapAccess<'a>, F: Fields<'a>>(
        &mut self,
        map: &mut M,
        fields: &mut F,
    ) -> Result<bool, M::Error> {
        map.next_value_seed(ObjectSeed { ctx: self, fields })
    }

    /// An array whose elements `each` reads (`null` reads as absent: `Ok(false)`).
    pub fn array<M: MapAccess<'a>, F: Elements<'a>>(
        &mut self,
        map: &mut M,
        each: &mut F,
    ) -> Result<bool, M::Error> {
        map.next_value_seed(ArraySeed { ctx: self, each })
    }

    /// A `map[string]string` as labels, in the label array (`None` for `null`).
    pub fn labels<M: MapAccess<'a>>(
        &mut self,
        map: &mut M,
    ) -> Result<Option<&'a [LabelInput<'a>]>, M::Error> {
        let present = self.object(map, &mut LabelMap)?;
        let done = self.labels.finish();
        Ok(present.then_some(done))
    }

    /// An array of strings, in the value array.
    pub fn strings<M: MapAccess<'a>>(&mut self, map: &mut M) -> Result<&'a [&'a str], M::Error> {
        self.array(map, &mut StringArray)?;
        Ok(self.values.finish())
    }
}

/// Reads the fields of one JSON object.
pub(crate) trait Fields<'a> {
    /// Reads the value of `key` (every key must consume its value: `ctx.skip`
    /// for those not read).
    fn field<M: MapAccess<'a>>(
        &mut self,
        ctx: &mut Ctx<'a>,
        key: &'a str,
        map: &mut M,
    ) -> Result<(), M::Error>;
}

/// Reads the elements of one JSON array.
pub(crate) trait Elements<'a> {
    /// Reads the next element; `Ok(false)` at the end.
    fn element<S: SeqAccess<'a>>(
        &mut self,
        ctx: &mut Ctx<'a>,
        seq: &mut S,
    ) -> Result<bool, S::Error>;
}

pub(crate) struct ObjectSeed<'c, 'a, F> {
    pub ctx: &'c mut Ctx<'a>,
    pub fields: &'c mut F,
}

impl<'a, F: Fields<'a>> DeserializeSeed<'a> for ObjectSeed<'_, 'a, F> {
    type Value = bool;
    fn deserialize<D: Deserializer<'a>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'a, F: Fields<'a>> Visitor<'a> for ObjectSeed<'_, 'a, F> {
    type Value = bool;
    fn expecting(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
        f.write_str("an object")
    }
    fn visit_none<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_some<D: Deserializer<'a>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_map(self)
    }
    fn visit_map<M: MapAccess<'a>>(self, mut map: M) -> Result<bool, M::Error> {
        while let Some(key) = map.next_key::<&'a str>()? {
            self.ctx.enter(Seg::Key(key));
            self.fields.field(self.ctx, key, &mut map)?;
            self.ctx.leave();
        }
        Ok(true)
    }
}

pub(crate) struct ArraySeed<'c, 'a, F> {
    pub ctx: &'c mut Ctx<'a>,
    pub each: &'c mut F,
}

impl<'a, F: Elements<'a>> DeserializeSeed<'a> for ArraySeed<'_, 'a, F> {
    type Value = bool;
    fn deserialize<D: Deserializer<'a>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'a, F: Elements<'a>> Visitor<'a> for ArraySeed<'_, 'a, F> {
    type Value = bool;
    fn expecting(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
        f.write_str("an array")
    }
    fn visit_none<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_some<D: Deserializer<'a>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_seq(self)
    }
    fn visit_seq<S: SeqAccess<'a>>(self, mut seq: S) -> Result<bool, S::Error> {
        let mut i = 0u32;
        loop {
            self.ctx.enter(Seg::Index(i));
            if !self.each.element(self.ctx, &mut seq)? {
                self.ctx.leave();
                return Ok(true);
            }
            self.ctx.leave();
            i = i.saturating_add(1);
        }
    }
}

/// An array element read by `fields`; `Ok(false)` at the end of the array.
pub(crate) fn object_element<'a, S: SeqAccess<'a>, F: Fields<'a>>(
    ctx: &mut Ctx<'a>,
    seq: &mut S,
    fields: &mut F,
) -> Result<bool, S::Error> {
    Ok(seq.next_element_seed(ObjectSeed { ctx, fields })?.is_some())
}

struct LabelMap;

impl<'a> Fields<'a> for LabelMap {
    fn field<M: MapAccess<'a>>(
        &mut self,
        ctx: &mut Ctx<'a>,
        key: &'a str,
        map: &mut M,
    ) -> Result<(), M::Error> {
        let key = ctx.unescape(key)?;
        let value = ctx.str_or_empty(map)?;
        ctx.labels
            .push(LabelInput { key, value })
            .map_err(|p| ctx.fail(p))
    }
}

struct StringArray;

impl<'a> Elements<'a> for StringArray {
    fn element<S: SeqAccess<'a>>(
        &mut self,
        ctx: &mut Ctx<'a>,
        seq: &mut S,
    ) -> Result<bool, S::Error> {
        let Some(raw) = seq.next_element::<Option<&'a str>>()? else {
            return Ok(false);
        };
        let v = match raw {
            Some(s) => ctx.unescape(s)?,
            None => "",
        };
        ctx.values.push(v).map_err(|p| ctx.fail(p))?;
        Ok(true)
    }
}

/// Skips any value, to a nesting depth (serde's `IgnoredAny` has no bound, and a
/// deep enough input would exhaust the stack).
#[derive(Clone, Copy)]
pub(crate) struct Skip(pub u8);

impl<'a> DeserializeSeed<'a> for Skip {
    type Value = ();
    fn deserialize<D: Deserializer<'a>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_ignored_any(self)
    }
}

impl<'a> Visitor<'a> for Skip {
    type Value = ();
    fn expecting(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
        f.write_str("any value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_borrowed_str<E: de::Error>(self, _: &'a str) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<S: SeqAccess<'a>>(self, mut seq: S) -> Result<(), S::Error> {
        let inner = Skip(self.0.checked_sub(1).ok_or_else(too_deep::<S::Error>)?);
        while seq.next_element_seed(inner)?.is_some() {}
        Ok(())
    }
    fn visit_map<M: MapAccess<'a>>(self, mut map: M) -> Result<(), M::Error> {
        let inner = Skip(self.0.checked_sub(1).ok_or_else(too_deep::<M::Error>)?);
        while map.next_key_seed(inner)?.is_some() {
            map.next_value_seed(inner)?;
        }
        Ok(())
    }
}

/// The error a too-deep skipped value gives: a message-less custom error with no
/// recorded problem, which `mod.rs` reads as [`Problem::TooDeep`].
fn too_deep<E: de::Error>() -> E {
    E::custom("too deep")
}
