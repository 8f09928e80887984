//! A validating skipper: where a JSON value ends, found without reading it, so
//! that a read can stop once everything dsr reads of a document is read (see
//! [`Ctx::can_finish`](super::de::Ctx::can_finish)). `serde-json-core` cannot
//! skip a value but by parsing it, strings through its byte loop; a Node's
//! `status`, which dsr never reads, is most of a node event.
//!
//! It decodes nothing: it is the judge of whether the rest of a document is one
//! that `serde-json-core` would accept and that holds nothing a reader reads.
//! It is at least as strict as `serde-json-core`: JSON as RFC 8259 writes it
//! (numbers and literals as spelled there, strings UTF-8), nested no deeper
//! than the reader would skip. Within a string it is as lenient as
//! `serde-json-core` skipping one: control characters and escapes are not
//! judged, and a string ends at the first quote after an even number of
//! backslashes.
//! Whatever it refuses is read by `serde-json-core` as before, which gives the
//! same answer or the same error: so nothing depends on it but speed.
//!
//! Not in the firmware build (`compact`), where code size decides.

use super::de::MAX_DEPTH;

/// What may follow, in one enclosing object, the value a read stops after
/// (innermost first).
#[derive(Clone, Copy)]
pub(crate) enum Level {
    /// No further key: the object's reader may read any.
    Closed,
    /// Further keys, but none of these (which the object's reader reads).
    Without(&'static [&'static str]),
    /// A watch event's top level: a further key must be `type`, a string
    /// without an escape.
    Event,
}

/// What [`rest`] found after the value: a watch event's `type`, when one
/// followed it.
pub(crate) struct Rest<'a> {
    pub event_type: Option<&'a str>,
}

/// JSON's whitespace.
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// Past the whitespace at `i`.
pub(super) fn ws(json: &[u8], mut i: usize) -> usize {
    while json.get(i).copied().is_some_and(is_ws) {
        i += 1;
    }
    i
}

/// A word of eight copies of `b`.
const fn splat(b: u8) -> u64 {
    u64::from_ne_bytes([b; 8])
}

/// The high bit of each byte of `w` (eight bytes of a string, first byte
/// lowest) that is `b`, and of no byte before the first one. (The usual bit
/// trick: `x - 0x01` sets the high bit of a zero byte of `x`; a borrow can
/// only mark bytes above the first one marked.)
#[inline(always)]
fn marks(w: &[u8], b: u8) -> u64 {
    let x = u64::from_le_bytes(w.try_into().unwrap_or([0; 8])) ^ splat(b);
    x.wrapping_sub(splat(1)) & !x & splat(0x80)
}

/// Where in `block` (sixteen bytes of a string) the first `"` is, or 16 if
/// there is none: sixteen bytes a step (most strings end within the first),
/// as two words.
#[inline(always)]
fn quote_in(block: &[u8; 16]) -> usize {
    let (lo, hi) = block.split_at(8);
    let (lo, hi) = (marks(lo, b'"'), marks(hi, b'"'));
    let bit = if lo != 0 {
        lo.trailing_zeros()
    } else {
        // At most 128: 16 once divided.
        64 + hi.trailing_zeros()
    };
    (bit / 8) as usize
}

/// How far from `from` on `json[from..to]` holds no backslash, a multiple of
/// 16 bytes from `from` or `to` (if the range is not in `json`, `from`): looked
/// for sixteen bytes at a time, without finding where in them a backslash is.
pub(crate) fn no_backslash(json: &[u8], from: usize, to: usize) -> usize {
    let Some(span) = json.get(from..to) else {
        return from;
    };
    // Whether `w` holds a backslash, without where (the trick of `marks`,
    // written so that the compiler checks both words at once).
    let has = |w: &[u8]| {
        let x = u64::from_le_bytes(w.try_into().unwrap_or([0; 8])) ^ splat(b'\\');
        x.wrapping_sub(splat(1)) & !x & splat(0x80)
    };
    let mut blocks = span.chunks_exact(16);
    let mut i = from;
    for b in &mut blocks {
        let (lo, hi) = b.split_at(8);
        if has(lo) | has(hi) != 0 {
            return i;
        }
        i += 16;
    }
    if blocks.remainder().contains(&b'\\') {
        i
    } else {
        to
    }
}

/// Where the string whose opening quote is at `at` ends (past its closing
/// quote); `None` if it does not end. The closing quote is the first one after
/// an even number of backslashes, as `serde-json-core` finds it, which does
/// not judge escapes in what it skips (nor does this). Its UTF-8 is checked by
/// [`rest`], once for the whole rest of the document.
// Inlined: most of what is skipped is strings, and a call for each costs
// more than its body.
#[inline(always)]
pub(crate) fn string(json: &[u8], at: usize) -> Option<usize> {
    if json.get(at) != Some(&b'"') {
        return None;
    }
    let mut i = at + 1;
    loop {
        // The next quote, sixteen bytes at a time.
        loop {
            match json.get(i..).and_then(<[u8]>::first_chunk::<16>) {
                Some(block) => {
                    let n = quote_in(block);
                    i += n;
                    if n < 16 {
                        break;
                    }
                }
                None => {
                    i += json.get(i..)?.iter().position(|&b| b == b'"')?;
                    break;
                }
            }
        }
        // Most quotes follow no backslash: they end the string.
        if json.get(i - 1) != Some(&b'\\') {
            return Some(i + 1);
        }
        let before = json.get(at + 1..i)?;
        let backslashes = before.iter().rev().take_while(|&&b| b == b'\\').count();
        i += 1;
        if backslashes % 2 == 0 {
            return Some(i);
        }
    }
}

/// Past the run of digits at `i`; `None` if there is none.
fn digits(json: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    while json.get(j).is_some_and(u8::is_ascii_digit) {
        j += 1;
    }
    (j > i).then_some(j)
}

/// Where the number at `at` ends: `-`, an integer without leading zeros, a
/// fraction, an exponent.
fn number(json: &[u8], at: usize) -> Option<usize> {
    let mut i = at;
    if json.get(i) == Some(&b'-') {
        i += 1;
    }
    i = match json.get(i)? {
        b'0' => i + 1,
        b'1'..=b'9' => digits(json, i)?,
        _ => return None,
    };
    if json.get(i) == Some(&b'.') {
        i = digits(json, i + 1)?;
    }
    if let Some(b'e' | b'E') = json.get(i) {
        i += 1;
        if let Some(b'+' | b'-') = json.get(i) {
            i += 1;
        }
        i = digits(json, i)?;
    }
    Some(i)
}

/// Where the scalar (string, number, `true`, `false`, `null`) at `at` ends.
fn scalar(json: &[u8], at: usize) -> Option<usize> {
    let literal = |word: &[u8]| {
        let end = at.checked_add(word.len())?;
        (json.get(at..end)? == word).then_some(end)
    };
    match *json.get(at)? {
        b'"' => string(json, at),
        b't' => literal(b"true"),
        b'f' => literal(b"false"),
        b'n' => literal(b"null"),
        _ => number(json, at),
    }
}

/// Where the value at `at` (whitespace first allowed) ends, its objects and
/// arrays nested at most `depth` deep (`0`: a scalar only, as `serde-json-core`
/// skipping with that many levels left); `None` if it is not a valid value.
pub(crate) fn value(json: &[u8], at: usize, depth: usize) -> Option<usize> {
    // One bit per open container, set for an object: the depth is at most
    // `MAX_DEPTH`, which fits.
    const _: () = assert!(MAX_DEPTH < 64);
    let depth = depth.min(MAX_DEPTH);
    let mut open = 0usize;
    let mut objects = 0u64;
    let mut i = ws(json, at);
    loop {
        // A value starts at `i`.
        match *json.get(i)? {
            c @ (b'{' | b'[') => {
                if open == depth {
                    return None;
                }
                objects = (objects << 1) | u64::from(c == b'{');
                open += 1;
                i = ws(json, i + 1);
                let close = if c == b'{' { b'}' } else { b']' };
                if json.get(i) == Some(&close) {
                    // Empty: closed below.
                    open -= 1;
                    objects >>= 1;
                    i += 1;
                } else {
                    if c == b'{' {
                        i = key(json, i)?;
                    }
                    continue;
                }
            }
            _ => i = scalar(json, i)?,
        }
        // After a value: the end of the containers it closes, or the next one.
        loop {
            if open == 0 {
                return Some(i);
            }
            let in_object = objects & 1 == 1;
            i = ws(json, i);
            match (*json.get(i)?, in_object) {
                (b',', true) => {
                    i = key(json, ws(json, i + 1))?;
                    break;
                }
                (b',', false) => {
                    i = ws(json, i + 1);
                    break;
                }
                (b'}', true) | (b']', false) => {
                    open -= 1;
                    objects >>= 1;
                    i += 1;
                }
                _ => return None,
            }
        }
    }
}

/// Past a key at `at`, its colon and the whitespace before its value.
// Inlined: most of what is skipped is keys, and a call for each costs more
// than its body.
#[inline(always)]
fn key(json: &[u8], at: usize) -> Option<usize> {
    let end = string(json, at)?;
    let i = ws(json, end);
    (json.get(i) == Some(&b':')).then(|| ws(json, i + 1))
}

/// Whether every byte of `s` is ASCII: its words' high bits all looked at
/// together, with no stop before the end (which the compiler does sixteen
/// bytes or more a step).
fn ascii(s: &[u8]) -> bool {
    let mut words = s.chunks_exact(8);
    let all = (&mut words).fold(0u64, |all, w| {
        all | u64::from_le_bytes(w.try_into().unwrap_or([0; 8]))
    });
    all & splat(0x80) == 0 && words.remainder().is_ascii()
}

/// Whether the rest of `json`, from the value at `at` (the value of a key
/// `depth` levels down, as [`Ctx::depth`](super::de::Ctx) counts) on, is that
/// value, then the ends of the enclosing objects as `levels` allow (innermost
/// first), then only whitespace. Skipped values nest no deeper than
/// `serde-json-core` skipping at their level would allow.
pub(crate) fn rest<'a>(
    json: &'a [u8],
    at: usize,
    depth: usize,
    levels: impl Iterator<Item = Level>,
) -> Option<Rest<'a>> {
    // Strings are UTF-8 as `serde-json-core` requires iff the rest is: the
    // bytes between strings are ASCII in valid JSON, and no character of
    // UTF-8 holds an ASCII byte. Most documents are ASCII, which a look at
    // all of it at once tells (`from_utf8` stops at each word to check it).
    let tail = json.get(at..)?;
    if !ascii(tail) {
        core::str::from_utf8(tail).ok()?;
    }
    let budget = |depth: usize| MAX_DEPTH.saturating_sub(depth);
    let mut i = value(json, at, budget(depth))?;
    let mut found = Rest { event_type: None };
    for (up, level) in levels.enumerate() {
        // The keys of this level are `depth - up` down.
        let here = depth.checked_sub(up)?;
        loop {
            i = ws(json, i);
            match *json.get(i)? {
                b'}' => {
                    i += 1;
                    break;
                }
                b',' => {}
                _ => return None,
            }
            let start = ws(json, i + 1);
            let end = string(json, start)?;
            // Keys are compared as written, as the readers compare them.
            let name = json.get(start + 1..end - 1)?;
            i = ws(json, end);
            if json.get(i) != Some(&b':') {
                return None;
            }
            i = ws(json, i + 1);
            match level {
                Level::Closed => return None,
                Level::Without(read) => {
                    if read.iter().any(|k| k.as_bytes() == name) {
                        return None;
                    }
                    i = value(json, i, budget(here))?;
                }
                Level::Event => {
                    if name != b"type" {
                        return None;
                    }
                    let end = string(json, i)?;
                    let s = core::str::from_utf8(json.get(i + 1..end - 1)?).ok()?;
                    if s.contains('\\') {
                        return None;
                    }
                    found.event_type = Some(s);
                    i = end;
                }
            }
        }
    }
    (ws(json, i) == json.len()).then_some(found)
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::format;

    use super::*;

    /// The end of the value at the start of `s`, nested at most `depth` deep.
    fn end(s: &str, depth: usize) -> Option<usize> {
        value(s.as_bytes(), 0, depth)
    }

    #[test]
    fn values_end_where_json_says() {
        // Each value, then what follows it.
        for (v, after) in [
            (r#""plain""#, ","),
            (r#""say \"hi\" \\ \/ \b\f\n\r\t \u00e9 \uD83D\uDE00""#, " "),
            ("\"Grüße, 東京 🚀\"", "]"),
            ("0", ","),
            ("-12.5e+3", "}"),
            ("1E9", " "),
            ("true", ","),
            ("false", "]"),
            ("null", "}"),
            (r#"{"a": [1, {"b": null}, "x"], "c": {}}"#, " , "),
            ("[ ]", " x"),
        ] {
            assert_eq!(end(&format!("{v}{after}"), 8), Some(v.len()), "{v}");
        }
        assert_eq!(end(" \t\r\n{}", 8), Some(6));
        // Escapes and control characters are not judged, as `serde-json-core`
        // does not judge them in a string it skips.
        for v in [
            r#""a \x escape""#,
            r#""\u12g4""#,
            "\"tab\there\"",
            r#""\\\\""#,
        ] {
            assert_eq!(end(v, 8), Some(v.len()), "{v}");
        }
    }

    #[test]
    fn a_string_ends_at_its_closing_quote_wherever_it_falls() {
        for n in 0..40 {
            let tail = "\"x\":\"y\"".repeat(3);
            let plain = format!("\"{}\"{tail}", "a".repeat(n));
            assert_eq!(string(plain.as_bytes(), 0), Some(n + 2), "{plain}");
            // An escaped quote first, then `m` bytes more.
            let m = n % 19;
            let escaped = format!("\"{}\\\"{}\"{tail}", "a".repeat(n), "b".repeat(m));
            assert_eq!(string(escaped.as_bytes(), 0), Some(n + m + 4), "{escaped}");
            // Cut before the closing quote: no end.
            assert_eq!(string(&plain.as_bytes()[..n + 1], 0), None, "{plain}");
        }
    }

    #[test]
    fn no_backslash_stops_at_or_before_the_first() {
        let text = "a".repeat(70);
        for at in [0, 1, 15, 16, 17, 31, 32, 60, 69] {
            let mut s = text.clone().into_bytes();
            s[at] = b'\\';
            for from in [0, 1, 3, 16] {
                let end = no_backslash(&s, from, s.len());
                if from > at {
                    assert_eq!(end, s.len(), "{at} {from}");
                } else {
                    assert!(from <= end && end <= at, "{at} {from}: {end}");
                    // Within a block of it.
                    assert!(at - end < 16, "{at} {from}: {end}");
                }
                // The range's end bounds the look.
                assert_eq!(no_backslash(&s, from, from.max(at)), from.max(at));
            }
        }
        assert_eq!(no_backslash(text.as_bytes(), 0, 70), 70);
        assert_eq!(no_backslash(text.as_bytes(), 5, 80), 5);
    }

    #[test]
    fn invalid_values_are_refused() {
        for s in [
            "",
            "\"no end",
            "\"\\\"",
            "[01]",
            "-",
            "1.",
            ".5",
            "1e",
            "+1",
            "tru",
            "nul",
            "True",
            "{",
            "{\"a\" 1}",
            "{\"a\": 1,}",
            "{\"a\": 1 \"b\": 2}",
            "{1: 2}",
            "[1,]",
            "[,1]",
            "[1 2]",
            "[}",
            "{]",
            "}",
        ] {
            assert_eq!(end(s, 8), None, "{s:?}");
        }
    }

    #[test]
    fn ascii_is_told_wherever_a_byte_above_it_falls() {
        let text = "a".repeat(70);
        assert!(ascii(text.as_bytes()));
        assert!(ascii(b""));
        for at in [0, 7, 8, 15, 16, 63, 64, 69] {
            let mut s = text.clone().into_bytes();
            s[at] = 0x80;
            assert!(!ascii(&s), "{at}");
        }
    }

    #[test]
    fn strings_must_be_utf8() {
        // A lone continuation byte, an overlong `/`, a surrogate, a cut sequence.
        for bad in [&b"\x80"[..], b"\xc0\xaf", b"\xed\xa0\x80", b"\xe6\x9d"] {
            let mut doc = b"{\"status\":{\"a\":\"".to_vec();
            doc.extend_from_slice(bad);
            doc.extend_from_slice(b"\"}}");
            assert!(
                rest(&doc, 10, 1, [Level::Closed].into_iter()).is_none(),
                "{bad:?}"
            );
        }
        let good = "{\"status\":{\"a\":\"Grüße, 東京 🚀\"}}";
        assert!(rest(good.as_bytes(), 10, 1, [Level::Closed].into_iter()).is_some());
    }

    #[test]
    fn nesting_is_bounded_as_serde_json_core_skipping_is() {
        assert_eq!(end("1", 0), Some(1));
        assert_eq!(end("{}", 0), None);
        assert_eq!(end("[[[]]]", 3), Some(6));
        assert_eq!(end("[[[]]]", 2), None);
        assert_eq!(end(r#"{"a":{"b":[1]}}"#, 3), Some(15));
        assert_eq!(end(r#"{"a":{"b":[1]}}"#, 2), None);
        // Deeper than any budget, refused rather than counted past 64 levels.
        let deep = "[".repeat(100) + &"]".repeat(100);
        assert_eq!(end(&deep, usize::MAX), None);
    }

    #[test]
    fn the_rest_of_an_event_after_a_nodes_status() {
        fn rest_at(s: &str) -> Option<Option<&str>> {
            let at = s.find("\"status\":").map(|i| i + 9)?;
            let levels = [Level::Closed, Level::Event];
            rest(s.as_bytes(), at, 2, levels.into_iter()).map(|r| r.event_type)
        }
        let node = r#"{"kind":"Node","metadata":{"name":"a"},"status":{"phase":"x","c":[1,2]}}"#;
        assert_eq!(
            rest_at(&format!(r#"{{"type":"MODIFIED","object":{node}}}"#)),
            Some(None)
        );
        assert_eq!(
            rest_at(&format!("{{\"object\":{node} , \"type\" : \"ADDED\"}}\n")),
            Some(Some("ADDED"))
        );
        for s in [
            // A key after the status, in the node or the event.
            r#"{"object":{"status":{},"spec":{}},"type":"ADDED"}"#,
            r#"{"object":{"status":{}},"type":"ADDED","kind":"WatchEvent"}"#,
            // A type that is escaped or not a string.
            r#"{"object":{"status":{}},"type":"ADD\u0045D"}"#,
            r#"{"object":{"status":{}},"type":null}"#,
            // Something after the document, or a document cut short.
            r#"{"object":{"status":{}}} {}"#,
            r#"{"object":{"status":{}}"#,
            r#"{"object":{"status":{"a":tru}}}"#,
        ] {
            assert_eq!(rest_at(s), None, "{s}");
        }
    }

    #[test]
    fn keys_a_reader_does_not_read_are_skipped() {
        let levels = [Level::Without(&["phase", "conditions"]), Level::Closed];
        let rest_at = |s: &str| {
            let at = s.find("\"phase\":").map(|i| i + 8)?;
            rest(s.as_bytes(), at, 2, levels.iter().copied()).map(|_| ())
        };
        assert_eq!(
            rest_at(r#"{"status":{"phase":"Running","podIP":"10.0.0.1","x":[{}]}}"#),
            Some(())
        );
        assert_eq!(
            rest_at(r#"{"status":{"phase":"Running","conditions":[]}}"#),
            None
        );
        // Nested as deep as skipping at the status's keys allows (two levels
        // are taken), and one deeper.
        let nested = |n: usize| {
            format!(
                r#"{{"status":{{"phase":"Running","x":{}{}}}}}"#,
                "[".repeat(n),
                "]".repeat(n)
            )
        };
        assert_eq!(rest_at(&nested(MAX_DEPTH - 2)), Some(()));
        assert_eq!(rest_at(&nested(MAX_DEPTH - 1)), None);
    }
}
