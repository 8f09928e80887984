//! Label selectors: requirements on labels, evaluated by one function,
//! [`Requirement::matches`], that every caller uses (DaemonSet selectors, node
//! affinity expressions, `kubectl -l` strings).

pub mod syntax;

use crate::intern::{Resolve, Sym};
use crate::label::Labels;
use crate::validation::{validate_label_key, validate_label_value, ValidationError};

/// How a requirement compares a label, as upstream's `selection.Operator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Operator {
    /// The key is present and its value is one of the values.
    In,
    /// The key is absent or its value is none of the values.
    NotIn,
    /// The key is present.
    Exists,
    /// The key is absent.
    DoesNotExist,
    /// `key=value` (a `matchLabels` entry, or `=` in a string).
    Equals,
    /// `key==value` in a string.
    DoubleEquals,
    /// `key!=value`: absent, or present with another value.
    NotEquals,
    /// The value, read as a base-10 `i64`, is greater than the one value.
    GreaterThan,
    /// The value, read as a base-10 `i64`, is less than the one value.
    LessThan,
}

impl Operator {
    /// The operator as written in a selector string (`in`, `notin`, `=`, ...).
    pub const fn symbol(self) -> &'static str {
        match self {
            Operator::In => "in",
            Operator::NotIn => "notin",
            Operator::Exists => "exists",
            Operator::DoesNotExist => "!",
            Operator::Equals => "=",
            Operator::DoubleEquals => "==",
            Operator::NotEquals => "!=",
            Operator::GreaterThan => ">",
            Operator::LessThan => "<",
        }
    }
}

/// One requirement of a selector, interned. Its values live in the engine's value
/// pool; [`Requirement::matches`] takes them as a slice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Requirement {
    /// The label key.
    pub key: Sym,
    /// The comparison.
    pub operator: Operator,
    /// The values, in the engine's value pool.
    pub values: crate::table::Span,
    /// Where nodes keep the value of `key` (derived; see
    /// [`keys`](crate::keys)).
    #[cfg_attr(feature = "serde", serde(skip))]
    pub slot: crate::keys::KeySlot,
}

/// Parses a base-10 `i64` as Go's `strconv.ParseInt(s, 10, 64)` does: an optional
/// sign, then digits only, no spaces, overflow rejected.
pub fn parse_i64(s: &str) -> Option<i64> {
    parse_i64_bytes(s.as_bytes())
}

/// [`parse_i64`] of text given as bytes.
pub fn parse_i64_bytes(bytes: &[u8]) -> Option<i64> {
    let (negative, digits) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, bytes),
    };
    if digits.is_empty() {
        return None;
    }
    let mut acc: i64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        let d = i64::from(b - b'0');
        // Accumulate negatively so i64::MIN parses.
        acc = acc.checked_mul(10)?.checked_sub(d)?;
    }
    if negative {
        Some(acc)
    } else {
        acc.checked_neg()
    }
}

impl Requirement {
    /// Whether `labels` satisfy this requirement; `values` are the requirement's
    /// values from the pool.
    ///
    /// This is the only place a label requirement is decided.
    #[inline]
    pub fn matches(&self, values: &[Sym], labels: Labels<'_>, strings: &impl Resolve) -> bool {
        self.holds(labels.value(self.key), values, |_| values, strings)
    }

    /// [`matches`](Self::matches) given the value `found` of the key
    /// ([`ABSENT`](crate::keys::ABSENT) when the node does not have it), with the
    /// values read from the value pool only when the operator needs them
    /// (`values(pool)` gives this requirement's).
    #[inline(always)]
    pub(crate) fn holds<'v>(
        &self,
        found: Sym,
        pool: &'v [Sym],
        values: impl Fn(&'v [Sym]) -> &'v [Sym],
        strings: &impl Resolve,
    ) -> bool {
        self.test(pool, values, strings).holds(found, strings)
    }

    /// The requirement made ready to test values: its operator and values worked
    /// out once, for [`ValueTest::holds`].
    #[inline(always)]
    pub(crate) fn test<'v>(
        &self,
        pool: &'v [Sym],
        values: impl Fn(&'v [Sym]) -> &'v [Sym],
        strings: &impl Resolve,
    ) -> ValueTest<'v> {
        let op = self.operator;
        if matches!(op, Operator::GreaterThan | Operator::LessThan) {
            let Some(want) = values(pool).first().and_then(|&v| strings.int(v)) else {
                return ValueTest::Never;
            };
            return ValueTest::Compare(Compare {
                want,
                greater: op == Operator::GreaterThan,
            });
        }
        // `In`, `=`, `==` are "listed"; `NotIn`, `!=` "not listed"; `Exists`
        // "present"; `DoesNotExist` "not present".
        let negated = matches!(
            op,
            Operator::NotIn | Operator::NotEquals | Operator::DoesNotExist
        );
        if matches!(op, Operator::Exists | Operator::DoesNotExist) {
            ValueTest::Present(Present { negated })
        } else {
            ValueTest::Listed(Listed {
                list: values(pool),
                negated,
            })
        }
    }
}

/// A [`Requirement`] ready to test the values of its key: what
/// [`Requirement::test`] makes of the operator and the values. Each kind decides
/// in one place; [`holds`](Self::holds) picks the kind, and a caller testing many
/// values may pick it once and call the kind's own `holds`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ValueTest<'v> {
    /// `In`, `=`, `==`, `NotIn`, `!=`.
    Listed(Listed<'v>),
    /// `Exists`, `DoesNotExist`.
    Present(Present),
    /// `Gt`, `Lt` with an integer value.
    Compare(Compare),
    /// `Gt`/`Lt` whose value is not an integer: nothing satisfies it.
    Never,
}

impl ValueTest<'_> {
    /// Whether a node whose value of the key is `found`
    /// ([`ABSENT`](crate::keys::ABSENT) when it does not have the key) satisfies
    /// the requirement.
    #[inline(always)]
    pub(crate) fn holds(&self, found: Sym, strings: &impl Resolve) -> bool {
        match self {
            ValueTest::Listed(t) => t.holds(found),
            ValueTest::Present(t) => t.holds(found),
            ValueTest::Compare(t) => t.holds(found, strings),
            ValueTest::Never => false,
        }
    }
}

/// The value is one of `list` (`negated`: it is not, or the key is absent).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Listed<'v> {
    /// The requirement's values.
    pub list: &'v [Sym],
    /// `NotIn` or `!=`.
    pub negated: bool,
}

impl Listed<'_> {
    /// See [`ValueTest::holds`].
    #[inline(always)]
    pub(crate) fn holds(&self, found: Sym) -> bool {
        // `ABSENT` is no string, so it is listed nowhere. The whole list is
        // compared, without stopping at a match: no branch on the value.
        let listed = self.list.iter().fold(false, |hit, x| hit | (*x == found));
        listed != self.negated
    }
}

/// The node has the key (`negated`: it has not).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Present {
    /// `DoesNotExist`.
    pub negated: bool,
}

impl Present {
    /// See [`ValueTest::holds`].
    #[inline(always)]
    pub(crate) fn holds(&self, found: Sym) -> bool {
        (found != crate::keys::ABSENT) != self.negated
    }
}

/// The value read as an integer is greater than `want` (`Gt`) or less (`Lt`); a
/// value that is no integer, or no value, satisfies neither.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Compare {
    /// The requirement's value.
    pub want: i64,
    /// `Gt` rather than `Lt`.
    pub greater: bool,
}

impl Compare {
    /// See [`ValueTest::holds`].
    #[inline(always)]
    pub(crate) fn holds(&self, found: Sym, strings: &impl Resolve) -> bool {
        if found == crate::keys::ABSENT {
            return false;
        }
        match strings.int(found) {
            Some(have) if self.greater => have > self.want,
            Some(have) => have < self.want,
            None => false,
        }
    }
}

/// Why a requirement is invalid: upstream's `labels.NewRequirement` checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum RequirementProblem {
    /// The operator is not one this kind of selector accepts.
    UnknownOperator,
    /// The key is not a valid label key.
    Key(ValidationError),
    /// `In`/`NotIn` without values, `=`/`==`/`!=`/`Gt`/`Lt` without exactly one, or
    /// `Exists`/`DoesNotExist` with some.
    ValueCount,
    /// A `Gt`/`Lt` value is not a base-10 integer.
    NotAnInteger,
    /// A value is not a valid label value.
    Value(ValidationError),
}

impl crate::text::Piece for RequirementProblem {
    fn put<W: core::fmt::Write + ?Sized>(&self, f: &mut W) -> core::fmt::Result {
        match self {
            RequirementProblem::UnknownOperator => f.write_str("unsupported operator"),
            RequirementProblem::Key(e) => crate::text::put!(f, "invalid key: ", *e),
            RequirementProblem::ValueCount => {
                f.write_str("wrong number of values for the operator")
            }
            RequirementProblem::NotAnInteger => f.write_str("value must be an integer"),
            RequirementProblem::Value(e) => crate::text::put!(f, "invalid value: ", *e),
        }
    }
}

crate::text::display_via_piece!(RequirementProblem);

/// Checks a requirement as upstream's `labels.NewRequirement` does, before anything
/// is stored. Every way of building a requirement (structured selector, node affinity,
/// selector string) goes through here.
pub fn validate_requirement<'a>(
    key: &str,
    operator: Operator,
    values: impl ExactSizeIterator<Item = &'a str> + Clone,
) -> Result<(), RequirementProblem> {
    validate_label_key(key).map_err(RequirementProblem::Key)?;
    let n = values.len();
    let count_ok = match operator {
        Operator::In | Operator::NotIn => n > 0,
        Operator::Equals | Operator::DoubleEquals | Operator::NotEquals => n == 1,
        Operator::Exists | Operator::DoesNotExist => n == 0,
        Operator::GreaterThan | Operator::LessThan => n == 1,
    };
    if !count_ok {
        return Err(RequirementProblem::ValueCount);
    }
    if matches!(operator, Operator::GreaterThan | Operator::LessThan)
        && values.clone().any(|v| parse_i64(v).is_none())
    {
        return Err(RequirementProblem::NotAnInteger);
    }
    for v in values {
        validate_label_value(v).map_err(RequirementProblem::Value)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_i64_follows_go() {
        assert_eq!(parse_i64("42"), Some(42));
        assert_eq!(parse_i64("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_i64("9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_i64("9223372036854775808"), None);
        assert_eq!(parse_i64("+7"), Some(7));
        assert_eq!(parse_i64(""), None);
        assert_eq!(parse_i64("-"), None);
        assert_eq!(parse_i64(" 1"), None);
        assert_eq!(parse_i64("1.0"), None);
    }
}
