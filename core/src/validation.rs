//! Syntax checks for label keys, label values and DNS names.
//!
//! These follow Kubernetes' `IsQualifiedName` (a.k.a. `IsLabelKey`),
//! `IsValidLabelValue`, `IsDNS1123Subdomain` and `IsDNS1123Label`. Upstream
//! uses regular expressions; here each check is a hand-written byte scan so
//! the crate stays small and allocation-free. All checks work on bytes: any
//! non-ASCII byte is simply a character outside the allowed set.
//!
//! Upstream reports every problem it finds; these functions report the first
//! one in upstream's order (length before format, prefix before name), which
//! is enough to decide validity and to explain the most relevant failure.

use core::fmt;

use crate::text::{display_via_piece, put};

/// Maximum length of a label value in bytes.
pub const LABEL_VALUE_MAX: usize = 63;
/// Maximum length of a DNS-1123 subdomain in bytes.
pub const DNS_SUBDOMAIN_MAX: usize = 253;
/// Maximum length of a DNS-1123 label in bytes.
pub const DNS_LABEL_MAX: usize = 63;
/// Maximum length of the name part of a qualified name (label key) in bytes.
pub const QUALIFIED_NAME_MAX: usize = 63;
/// Upper bound on a valid label key's length in bytes (253 + 1 + 63).
pub const LABEL_KEY_MAX: usize = DNS_SUBDOMAIN_MAX + 1 + QUALIFIED_NAME_MAX;

/// Why a string failed validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ValidationError {
    /// The string (or, for a label key, its name part) is empty but must not be.
    Empty,
    /// The string (or, for a label key, its name part) is longer than `max` bytes.
    TooLong {
        /// The maximum allowed length in bytes.
        max: u16,
    },
    /// The string (or, for a label key, its name part) contains a character
    /// that is not allowed, or starts or ends with one that may only appear inside.
    InvalidFormat,
    /// A label key has more than one `/`.
    TooManySlashes,
    /// A label key has a `/` with nothing before it.
    EmptyPrefix,
    /// A label key's prefix is longer than `max` bytes.
    PrefixTooLong {
        /// The maximum allowed prefix length in bytes.
        max: u16,
    },
    /// A label key's prefix is not a lowercase DNS-1123 subdomain.
    InvalidPrefix,
}

impl crate::text::Piece for ValidationError {
    fn put<W: fmt::Write + ?Sized>(&self, f: &mut W) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("must be non-empty"),
            Self::TooLong { max } => put!(f, "must be no more than ", *max, " characters"),
            Self::InvalidFormat => f.write_str(
                "contains a character that is not allowed, or does not start and end with an alphanumeric character",
            ),
            Self::TooManySlashes => {
                f.write_str("a label key may contain at most one '/' (e.g. 'example.com/MyName')")
            }
            Self::EmptyPrefix => f.write_str("prefix part must be non-empty"),
            Self::PrefixTooLong { max } => {
                put!(f, "prefix part must be no more than ", *max, " characters")
            }
            Self::InvalidPrefix => f.write_str(
                "prefix part must be a lowercase RFC 1123 subdomain (lowercase alphanumerics, '-' or '.', starting and ending alphanumeric)",
            ),
        }
    }
}

display_via_piece!(ValidationError);

impl ValidationError {
    /// Writes what `{:?}` writes (`TooLong { max: 63 }`), without `core::fmt`.
    pub(crate) fn write_debug<W: fmt::Write + ?Sized>(&self, w: &mut W) -> fmt::Result {
        match self {
            Self::Empty => w.write_str("Empty"),
            Self::TooLong { max } => put!(w, "TooLong { max: ", *max, " }"),
            Self::InvalidFormat => w.write_str("InvalidFormat"),
            Self::TooManySlashes => w.write_str("TooManySlashes"),
            Self::EmptyPrefix => w.write_str("EmptyPrefix"),
            Self::PrefixTooLong { max } => put!(w, "PrefixTooLong { max: ", *max, " }"),
            Self::InvalidPrefix => w.write_str("InvalidPrefix"),
        }
    }
}

/// `[A-Za-z0-9]`: allowed at both ends of a name.
fn is_name_end(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// `[-A-Za-z0-9_.]`: allowed inside a name.
fn is_name_inner(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.'
}

/// Matches `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]` (non-empty name).
fn is_name_format(s: &[u8]) -> bool {
    match (s.first(), s.last()) {
        (Some(&first), Some(&last)) => {
            is_name_end(first) && is_name_end(last) && s.iter().all(|&b| is_name_inner(b))
        }
        _ => false,
    }
}

/// Matches one DNS-1123 label `[a-z0-9]([-a-z0-9]*[a-z0-9])?`.
fn is_dns_label_format(s: &[u8]) -> bool {
    let end_ok = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    match (s.first(), s.last()) {
        (Some(&first), Some(&last)) => {
            end_ok(first) && end_ok(last) && s.iter().all(|&b| end_ok(b) || b == b'-')
        }
        _ => false,
    }
}

/// Matches labels joined by single dots; an empty label anywhere fails.
fn is_dns_subdomain_format(s: &[u8]) -> bool {
    s.split(|&b| b == b'.').all(is_dns_label_format)
}

/// Validates a label key (upstream `IsQualifiedName` / `IsLabelKey`).
///
/// A key is an optional prefix and a name separated by `/`. The prefix must
/// be a DNS-1123 subdomain of at most 253 bytes; the name must be 1..=63
/// bytes of `[-A-Za-z0-9_.]` beginning and ending with `[A-Za-z0-9]`.
pub fn validate_label_key(key: &str) -> Result<(), ValidationError> {
    let bytes = key.as_bytes();
    let mut parts = bytes.split(|&b| b == b'/');
    let first = parts.next().unwrap_or_default();
    let name = match (parts.next(), parts.next()) {
        (None, _) => first,
        (Some(name), None) => {
            // Upstream checks the prefix before the name, so its faults win.
            if first.is_empty() {
                return Err(ValidationError::EmptyPrefix);
            }
            match validate_dns_subdomain_bytes(first) {
                Ok(()) => {}
                Err(ValidationError::TooLong { max }) => {
                    return Err(ValidationError::PrefixTooLong { max })
                }
                Err(_) => return Err(ValidationError::InvalidPrefix),
            }
            name
        }
        (Some(_), Some(_)) => return Err(ValidationError::TooManySlashes),
    };
    if name.is_empty() {
        return Err(ValidationError::Empty);
    }
    if name.len() > QUALIFIED_NAME_MAX {
        return Err(ValidationError::TooLong {
            max: QUALIFIED_NAME_MAX as u16,
        });
    }
    if !is_name_format(name) {
        return Err(ValidationError::InvalidFormat);
    }
    Ok(())
}

/// Validates a label value (upstream `IsValidLabelValue`).
///
/// The empty string is valid; otherwise at most 63 bytes of
/// `[-A-Za-z0-9_.]` beginning and ending with `[A-Za-z0-9]`.
pub fn validate_label_value(value: &str) -> Result<(), ValidationError> {
    let bytes = value.as_bytes();
    if bytes.len() > LABEL_VALUE_MAX {
        return Err(ValidationError::TooLong {
            max: LABEL_VALUE_MAX as u16,
        });
    }
    if !bytes.is_empty() && !is_name_format(bytes) {
        return Err(ValidationError::InvalidFormat);
    }
    Ok(())
}

fn validate_dns_subdomain_bytes(name: &[u8]) -> Result<(), ValidationError> {
    if name.len() > DNS_SUBDOMAIN_MAX {
        return Err(ValidationError::TooLong {
            max: DNS_SUBDOMAIN_MAX as u16,
        });
    }
    if !is_dns_subdomain_format(name) {
        return Err(ValidationError::InvalidFormat);
    }
    Ok(())
}

/// Validates a DNS-1123 subdomain (upstream `IsDNS1123Subdomain`).
///
/// At most 253 bytes of dot-separated labels, each `[a-z0-9]([-a-z0-9]*[a-z0-9])?`.
/// The empty string is invalid (reported as [`ValidationError::InvalidFormat`],
/// since upstream only has a format error for it).
pub fn validate_dns_subdomain(name: &str) -> Result<(), ValidationError> {
    validate_dns_subdomain_bytes(name.as_bytes())
}

/// Checks the name of a DaemonSet or pod given to an engine through the C API
/// (`metadata.name`): not empty, since every Kubernetes object has one and an
/// empty one from C is a field never set, and no NUL byte
/// ([`validate_stored_text`]). Names are not held to DNS-1123: upstream's
/// placement and sync accept any name, and its tests (and so the conformance
/// vectors) use names such as `node_2`; [`validate_dns_subdomain`] is the API
/// server's rule. The engine itself takes any name, the empty one included, as
/// upstream's controller code does (its unit tests build unnamed objects).
pub fn validate_stored_name(name: &str) -> Result<(), ValidationError> {
    if name.is_empty() {
        return Err(ValidationError::Empty);
    }
    validate_stored_text(name)
}

/// Checks a node name or a namespace given to an engine through the C API: no
/// NUL byte, which C callers cannot tell from the end of a string. Both may be
/// empty. An unnamed node is one upstream decides on: it has no
/// `metadata.name` field for a node-affinity field selector, and conformance
/// vectors pin what that gives (`metadata.name In (node-2)` matches it, for
/// one). An empty namespace is what upstream's tests leave (the API server
/// defaults it).
pub fn validate_stored_text(text: &str) -> Result<(), ValidationError> {
    // A plain scan: `contains` brings a word-at-a-time search that costs
    // firmware code size for names of a few dozen bytes.
    match text.bytes().any(|b| b == 0) {
        true => Err(ValidationError::InvalidFormat),
        false => Ok(()),
    }
}

/// Validates a DNS-1123 label (upstream `IsDNS1123Label`).
///
/// At most 63 bytes matching `[a-z0-9]([-a-z0-9]*[a-z0-9])?`.
pub fn validate_dns_label(name: &str) -> Result<(), ValidationError> {
    let bytes = name.as_bytes();
    if bytes.len() > DNS_LABEL_MAX {
        return Err(ValidationError::TooLong {
            max: DNS_LABEL_MAX as u16,
        });
    }
    if !is_dns_label_format(bytes) {
        return Err(ValidationError::InvalidFormat);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    #[test]
    fn stored_names_refuse_only_nul_and_empty() {
        assert_eq!(
            validate_stored_name("edge\0rpi"),
            Err(ValidationError::InvalidFormat)
        );
        assert_eq!(
            validate_stored_name("\0"),
            Err(ValidationError::InvalidFormat)
        );
        assert_eq!(validate_stored_name("node_2"), Ok(()));
        assert_eq!(validate_stored_name(""), Err(ValidationError::Empty));
        assert_eq!(
            validate_stored_text("kube\0system"),
            Err(ValidationError::InvalidFormat)
        );
        assert_eq!(validate_stored_text(""), Ok(()));
    }
    use std::string::String;
    use std::vec;
    use std::vec::Vec;

    fn rep(c: char, n: usize) -> String {
        (0..n).map(|_| c).collect()
    }

    /// Checks one of upstream's tables: `validate` accepts every `good` name and
    /// one of exactly `max` characters, refuses every `bad` name, and refuses one
    /// character more as `TooLong`.
    fn check_table(
        validate: fn(&str) -> Result<(), ValidationError>,
        good: &[&str],
        bad: &[&str],
        max: usize,
    ) {
        for v in good.iter().copied().chain([rep('a', max).as_str()]) {
            assert_eq!(validate(v), Ok(()), "{v:?}");
        }
        for v in bad {
            assert!(validate(v).is_err(), "{v:?}");
        }
        assert_eq!(
            validate(&rep('a', max + 1)),
            Err(ValidationError::TooLong { max: max as u16 })
        );
    }

    // Transcribed from upstream validation_test.go TestIsDNS1123Label.
    #[test]
    fn dns_label_table() {
        let good = [
            "a",
            "ab",
            "abc",
            "a1",
            "a-1",
            "a--1--2--b",
            "0",
            "01",
            "012",
            "1a",
            "1-a",
            "1--a--b--2",
        ];
        let bad = [
            "", "A", "ABC", "aBc", "A1", "A-1", "1-A", "-", "a-", "-a", "1-", "-1", "_", "a_",
            "_a", "a_b", "1_", "_1", "1_2", ".", "a.", ".a", "a.b", "1.", ".1", "1.2", " ", "a ",
            " a", "a b", "1 ", " 1", "1 2", "é", "aé",
        ];
        check_table(validate_dns_label, &good, &bad, 63);
    }

    // Transcribed from upstream validation_test.go TestIsDNS1123Subdomain.
    #[test]
    fn dns_subdomain_table() {
        let good = [
            "a",
            "ab",
            "abc",
            "a1",
            "a-1",
            "a--1--2--b",
            "0",
            "01",
            "012",
            "1a",
            "1-a",
            "1--a--b--2",
            "a.a",
            "ab.a",
            "abc.a",
            "a1.a",
            "a-1.a",
            "a--1--2--b.a",
            "a.1",
            "ab.1",
            "abc.1",
            "a1.1",
            "a-1.1",
            "a--1--2--b.1",
            "0.a",
            "01.a",
            "012.a",
            "1a.a",
            "1-a.a",
            "1--a--b--2",
            "0.1",
            "01.1",
            "012.1",
            "1a.1",
            "1-a.1",
            "1--a--b--2.1",
            "a.b.c.d.e",
            "aa.bb.cc.dd.ee",
            "1.2.3.4.5",
            "11.22.33.44.55",
        ];
        let bad = [
            "",
            "A",
            "ABC",
            "aBc",
            "A1",
            "A-1",
            "1-A",
            "-",
            "a-",
            "-a",
            "1-",
            "-1",
            "_",
            "a_",
            "_a",
            "a_b",
            "1_",
            "_1",
            "1_2",
            ".",
            "a.",
            ".a",
            "a..b",
            "1.",
            ".1",
            "1..2",
            " ",
            "a ",
            " a",
            "a b",
            "1 ",
            " 1",
            "1 2",
            "A.a",
            "aB.a",
            "ab.A",
            "A1.a",
            "a1.A",
            "A.1",
            "aB.1",
            "A1.1",
            "1A.1",
            "0.A",
            "01.A",
            "012.A",
            "1A.a",
            "1a.A",
            "A.B.C.D.E",
            "AA.BB.CC.DD.EE",
            "a.B.c.d.e",
            "aa.bB.cc.dd.ee",
            "a@b",
            "a,b",
            "a_b",
            "a;b",
            "a:b",
            "a%b",
            "a?b",
            "a$b",
            "ä.com",
            "a\n",
        ];
        check_table(validate_dns_subdomain, &good, &bad, 253);
    }

    // Transcribed from upstream validation_test.go TestIsQualifiedName.
    #[test]
    fn label_key_table() {
        let mut good: Vec<String> = [
            "simple",
            "now-with-dashes",
            "1-starts-with-num",
            "1234",
            "simple/simple",
            "now-with-dashes/simple",
            "now-with-dashes/now-with-dashes",
            "now.with.dots/simple",
            "now-with.dashes-and.dots/simple",
            "1-num.2-num/3-num",
            "1234/5678",
            "1.2.3.4/5678",
            "Uppercase_Is_OK_123",
            "example.com/Uppercase_Is_OK_123",
            "requests.storage-foo",
        ]
        .iter()
        .map(|s| String::from(*s))
        .collect();
        good.push(rep('a', 63));
        let mut longest = rep('a', 253);
        longest.push('/');
        longest.push_str(&rep('b', 63));
        assert_eq!(longest.len(), LABEL_KEY_MAX);
        good.push(longest);
        for v in &good {
            assert_eq!(validate_label_key(v), Ok(()), "{v:?}");
        }

        let mut too_long_prefix = rep('a', 254);
        too_long_prefix.push_str("/abc");
        let bad: Vec<(String, ValidationError)> = vec![
            ("nospecialchars%^=@".into(), ValidationError::InvalidFormat),
            ("cantendwithadash-".into(), ValidationError::InvalidFormat),
            (
                "-cantstartwithadash-".into(),
                ValidationError::InvalidFormat,
            ),
            ("only/one/slash".into(), ValidationError::TooManySlashes),
            ("Example.com/abc".into(), ValidationError::InvalidPrefix),
            ("example_com/abc".into(), ValidationError::InvalidPrefix),
            ("example.com/".into(), ValidationError::Empty),
            ("/simple".into(), ValidationError::EmptyPrefix),
            (rep('a', 64), ValidationError::TooLong { max: 63 }),
            (too_long_prefix, ValidationError::PrefixTooLong { max: 253 }),
            ("".into(), ValidationError::Empty),
            ("/".into(), ValidationError::EmptyPrefix),
            ("ü".into(), ValidationError::InvalidFormat),
            ("ä/b".into(), ValidationError::InvalidPrefix),
            ("a/ü".into(), ValidationError::InvalidFormat),
            ("a\n".into(), ValidationError::InvalidFormat),
        ];
        for (v, e) in &bad {
            assert_eq!(validate_label_key(v), Err(*e), "{v:?}");
        }
    }

    // Transcribed from upstream validation_test.go TestIsValidLabelValue.
    #[test]
    fn label_value_table() {
        let good = [
            "simple",
            "now-with-dashes",
            "1-starts-with-num",
            "end-with-num-1",
            "1234",
            "",
            "Mixed_Case.dots-dashes_09",
        ];
        let bad = [
            "nospecialchars%^=@",
            "Tama-nui-te-rā.is.Māori.sun",
            "\\backslashes\\are\\bad",
            "-starts-with-dash",
            "ends-with-dash-",
            ".starts.with.dot",
            "ends.with.dot.",
            " ",
            "a b",
            "a/b",
        ];
        check_table(validate_label_value, &good, &bad, 63);
    }

    #[test]
    fn display_is_human_readable() {
        use core::fmt::Write;
        let mut s = String::new();
        write!(s, "{}", ValidationError::TooLong { max: 63 }).unwrap();
        assert_eq!(s, "must be no more than 63 characters");
    }
}
