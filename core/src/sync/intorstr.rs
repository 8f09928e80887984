//! `maxUnavailable` and `maxSurge`: an integer or a percentage, scaled as upstream's
//! `intstr.GetScaledValueFromIntOrPercent` does.

use crate::input::IntOrStringInput;
use crate::selector::parse_i64;

/// A compiled `IntOrString`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum IntOrPercent {
    /// An absolute number.
    Int(i64),
    /// A percentage of the nodes that should run the daemon pod (`"25%"`).
    Percent(i64),
    /// A string that is not `<integer>%`: upstream fails to scale it, and the
    /// rolling update then does nothing.
    Invalid,
}

impl IntOrPercent {
    /// Compiles an input value. A string must be an integer followed by `%`, read as
    /// Go's `strconv.Atoi` does.
    pub fn from_input(v: IntOrStringInput<'_>) -> IntOrPercent {
        match v {
            IntOrStringInput::Int(i) => IntOrPercent::Int(i64::from(i)),
            IntOrStringInput::String(s) => match s.strip_suffix('%').and_then(parse_i64) {
                Some(p) => IntOrPercent::Percent(p),
                None => IntOrPercent::Invalid,
            },
        }
    }

    /// The value scaled to `total`, percentages rounded up; `None` for an invalid value.
    ///
    /// ```
    /// use dsr_core::sync::intorstr::IntOrPercent;
    /// assert_eq!(IntOrPercent::Percent(34).scaled(5), Some(2));
    /// assert_eq!(IntOrPercent::Percent(10).scaled(0), Some(0));
    /// assert_eq!(IntOrPercent::Int(3).scaled(100), Some(3));
    /// ```
    pub fn scaled(self, total: i64) -> Option<i64> {
        match self {
            IntOrPercent::Int(i) => Some(i),
            IntOrPercent::Percent(p) => {
                // Exact integer arithmetic for upstream's ceil(p * total / 100) in
                // float64: they agree wherever float64 is exact. A product past i64
                // saturates (and needs no 128-bit division on small targets).
                let Some(product) = p.checked_mul(total) else {
                    return Some(if (p < 0) != (total < 0) {
                        i64::MIN
                    } else {
                        i64::MAX
                    });
                };
                let q = product.div_euclid(100);
                Some(if product.rem_euclid(100) == 0 {
                    q
                } else {
                    q + 1
                })
            }
            IntOrPercent::Invalid => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_as_upstream() {
        // (value, total, want): from intstr's own table and the DaemonSet tests.
        let cases: &[(IntOrStringInput<'_>, i64, Option<i64>)] = &[
            (IntOrStringInput::Int(1), 10, Some(1)),
            (IntOrStringInput::Int(0), 10, Some(0)),
            (IntOrStringInput::String("10%"), 10, Some(1)),
            (IntOrStringInput::String("10%"), 5, Some(1)),
            (IntOrStringInput::String("25%"), 5, Some(2)),
            (IntOrStringInput::String("34%"), 3, Some(2)),
            (IntOrStringInput::String("100%"), 20, Some(20)),
            (IntOrStringInput::String("0%"), 20, Some(0)),
            (IntOrStringInput::String("50%"), 0, Some(0)),
            (IntOrStringInput::String("-10%"), 15, Some(-1)),
            (IntOrStringInput::String("+5%"), 20, Some(1)),
            (IntOrStringInput::String("5"), 20, None),
            (IntOrStringInput::String("%"), 20, None),
            (IntOrStringInput::String("1.5%"), 20, None),
            (IntOrStringInput::String(""), 20, None),
        ];
        for (v, total, want) in cases {
            assert_eq!(
                IntOrPercent::from_input(*v).scaled(*total),
                *want,
                "{v:?} of {total}"
            );
        }
    }
}
