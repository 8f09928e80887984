//! Text from the input, made safe to print: control characters escaped (a node name
//! must not move the cursor or forge a line of the report, as `kubectl` escapes
//! them) and long values cut.
//!
//! JSON output is never passed through here: it stays exact.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Longest value (name, key, path) shown whole in a message, in characters.
pub const VALUE_CHARS: usize = 80;

/// Longest error message from a parser shown whole, in characters.
pub const MESSAGE_CHARS: usize = 400;

/// `s` with every control character (C0, DEL, C1) written as an escape: `\n`,
/// `\t`, `\r`, else `\u{1b}`.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `s` cut to [`VALUE_CHARS`] characters, saying how long it was.
pub fn clip(s: &str) -> String {
    cut(s, VALUE_CHARS)
}

fn cut(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_owned(),
        Some((at, _)) => format!("{}… ({} bytes)", &s[..at], s.len()),
    }
}

/// A parser's message with every quoted value in it cut to [`VALUE_CHARS`]
/// characters and the whole to [`MESSAGE_CHARS`], control characters escaped.
pub fn clip_message(s: &str) -> String {
    let mut out = String::new();
    for (i, part) in s.split('"').enumerate() {
        if i > 0 {
            out.push('"');
        }
        if i % 2 == 1 {
            out.push_str(&clip(part));
        } else {
            out.push_str(part);
        }
    }
    escape(&cut(&out, MESSAGE_CHARS)).into_owned()
}

/// How an input value reads in text output: escaped and cut.
pub fn value(s: &str) -> String {
    escape(&clip(s)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_text_is_kept() {
        assert_eq!(escape("node-1"), "node-1");
        assert_eq!(escape("a\nb\x1b[2Jc\u{9b}"), "a\\nb\\u{1b}[2Jc\\u{9b}");
        assert_eq!(escape("zone/é"), "zone/é");
    }

    #[test]
    fn long_values_are_cut_and_say_their_size() {
        let long = "x".repeat(1 << 20);
        let c = clip(&long);
        assert!(c.len() < 120, "{c}");
        assert!(c.ends_with("(1048576 bytes)"), "{c}");
        let m = clip_message(&format!("invalid type: string \"{long}\", expected i32"));
        assert!(m.len() < 200 && m.ends_with("expected i32"), "{m}");
    }
}
