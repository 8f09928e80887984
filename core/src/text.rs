//! Text output without `core::fmt`'s formatting machinery.
//!
//! `write!` builds `fmt::Arguments` and runs them through `core::fmt::write`,
//! `Formatter::pad` and the integer `Display` impls (and `{:?}` through
//! `char::escape_debug` and its Unicode tables): several KB of code on firmware,
//! for messages that are only ever strings and integers laid end to end. The
//! [`put!`] macro writes the same pieces with `write_str` alone, and integers
//! through [`Int`].

use core::fmt::{self, Write};

/// A piece of text [`put!`] can write.
pub(crate) trait Piece {
    /// Writes the piece.
    fn put<W: Write + ?Sized>(&self, w: &mut W) -> fmt::Result;
}

impl Piece for &str {
    #[inline]
    fn put<W: Write + ?Sized>(&self, w: &mut W) -> fmt::Result {
        w.write_str(self)
    }
}

macro_rules! int_piece {
    ($($t:ty),*) => {$(
        impl Piece for $t {
            #[inline]
            fn put<W: Write + ?Sized>(&self, w: &mut W) -> fmt::Result {
                w.write_str(Int::unsigned(u64::from(*self)).as_str())
            }
        }
    )*};
}
int_piece!(u16, u32);

impl Piece for i64 {
    #[inline]
    fn put<W: Write + ?Sized>(&self, w: &mut W) -> fmt::Result {
        w.write_str(Int::signed(*self).as_str())
    }
}

impl Piece for usize {
    #[inline]
    fn put<W: Write + ?Sized>(&self, w: &mut W) -> fmt::Result {
        // usize is at most 64 bits on every target this builds for; saturate
        // rather than assume.
        w.write_str(Int::unsigned(u64::try_from(*self).unwrap_or(u64::MAX)).as_str())
    }
}

/// Writes each piece in turn with `write_str`: `put!(w, "term ", index, ": ")`
/// writes what `write!(w, "term {}: ", index)` does. Evaluates to `fmt::Result`.
macro_rules! put {
    ($w:expr $(, $piece:expr)+ $(,)?) => {
        (|| -> ::core::fmt::Result {
            let w = &mut *$w;
            $( $crate::text::Piece::put(&$piece, &mut *w)?; )+
            Ok(())
        })()
    };
}
pub(crate) use put;

/// `Display` for types whose text is their [`Piece`]: one body serves `{}` and
/// [`put!`] (which needs no `core::fmt` machinery).
macro_rules! display_via_piece {
    ($($t:ty),* $(,)?) => {$(
        impl ::core::fmt::Display for $t {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                $crate::text::Piece::put(self, f)
            }
        }
    )*};
}
pub(crate) use display_via_piece;

/// An integer in decimal, as `Display` writes it.
pub(crate) struct Int {
    buf: [u8; 21],
    start: usize,
}

impl Int {
    /// Formats `n`.
    pub(crate) fn signed(n: i64) -> Self {
        Self::new(n < 0, n.unsigned_abs())
    }

    /// Formats `n`.
    pub(crate) fn unsigned(n: u64) -> Self {
        Self::new(false, n)
    }

    fn new(negative: bool, mut m: u64) -> Self {
        // u64::MAX has 20 digits; with a sign, 21 bytes.
        let mut buf = [0u8; 21];
        let mut start = buf.len();
        loop {
            start -= 1;
            if let Some(b) = buf.get_mut(start) {
                *b = b'0' + (m % 10) as u8;
            }
            m /= 10;
            if m == 0 || start == 0 {
                break;
            }
        }
        if negative && start > 0 {
            start -= 1;
            if let Some(b) = buf.get_mut(start) {
                *b = b'-';
            }
        }
        Int { buf, start }
    }

    /// The digits.
    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII digits and '-' are ever written.
        core::str::from_utf8(self.buf.get(self.start..).unwrap_or_default()).unwrap_or_default()
    }
}

/// `s` in double quotes, escaped as Rust's `{:?}` escapes ASCII: `\t`, `\r`,
/// `\n`, `\0`, `\\`, `\"`, and other control characters as `\u{1b}`. Characters
/// beyond ASCII are written as they are (where `{:?}` would also escape the few
/// that are not printable: this needs no Unicode tables).
pub(crate) struct Quoted<'a>(pub &'a str);

impl Piece for Quoted<'_> {
    fn put<W: Write + ?Sized>(&self, w: &mut W) -> fmt::Result {
        w.write_str("\"")?;
        let mut rest = self.0;
        while let Some(i) = rest
            .bytes()
            .position(|b| b < 0x20 || b == 0x7f || b == b'"' || b == b'\\')
        {
            let (plain, tail) = rest.split_at_checked(i).unwrap_or((rest, ""));
            w.write_str(plain)?;
            let mut chars = tail.chars();
            let Some(c) = chars.next() else { break };
            match c {
                '\t' => w.write_str("\\t")?,
                '\r' => w.write_str("\\r")?,
                '\n' => w.write_str("\\n")?,
                '\0' => w.write_str("\\0")?,
                '"' => w.write_str("\\\"")?,
                '\\' => w.write_str("\\\\")?,
                c => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    let b = c as u8;
                    let hi = HEX.get(usize::from(b >> 4)).copied().unwrap_or(b'0');
                    let lo = HEX.get(usize::from(b & 0xf)).copied().unwrap_or(b'0');
                    w.write_str("\\u{")?;
                    if hi != b'0' {
                        w.write_char(char::from(hi))?;
                    }
                    w.write_char(char::from(lo))?;
                    w.write_str("}")?;
                }
            }
            rest = chars.as_str();
        }
        w.write_str(rest)?;
        w.write_str("\"")
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::format;
    use std::string::String;

    use super::*;

    fn piece(p: impl Piece) -> String {
        let mut s = String::new();
        p.put(&mut s).unwrap();
        s
    }

    #[test]
    fn integers_as_display_writes_them() {
        for n in [0i64, 1, 9, 10, -1, -10, 1234567890, i64::MAX, i64::MIN] {
            assert_eq!(piece(n), format!("{n}"));
        }
        for n in [0u16, 7, 65535] {
            assert_eq!(piece(n), format!("{n}"));
        }
        assert_eq!(piece(u32::MAX), format!("{}", u32::MAX));
        assert_eq!(piece(usize::MAX), format!("{}", usize::MAX));
        assert_eq!(Int::unsigned(u64::MAX).as_str(), format!("{}", u64::MAX));
    }

    #[test]
    fn quoted_as_debug_for_ascii() {
        let all: String = (0u8..0x80).map(char::from).collect();
        for s in [
            "",
            "cp-1",
            "a\"b\\c",
            "\t\r\n\0",
            "\u{1b}[0m",
            "x\u{7f}",
            all.as_str(),
            "héllo wörld",
            "日本",
        ] {
            assert_eq!(piece(Quoted(s)), format!("{s:?}"), "{s:?}");
        }
    }

    #[test]
    fn put_writes_pieces_in_order() {
        let mut s = String::new();
        let index: u16 = 3;
        put!(&mut s, "term ", index, ": ", Quoted("a"), " ", -5i64).unwrap();
        assert_eq!(s, "term 3: \"a\" -5");
    }
}
