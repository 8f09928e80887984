//! Kubernetes feature gates that change a decision dsr makes, with upstream's
//! defaults.
//!
//! A gate is named as Kubernetes spells it and set as the component that makes the
//! decision has it (for the DaemonSet controller, kube-controller-manager's
//! `--feature-gates`). [`FeatureGates::parse`] reads that flag's
//! `Name=true,Other=false` form; a name dsr does not know is an error, never
//! ignored, since an answer under a gate dsr cannot honour would be wrong.

use core::fmt;

/// A feature gate dsr knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum FeatureGate {
    /// `TaintTolerationComparisonOperators` (KEP-5471, alpha in v1.35, off by
    /// default): toleration operators `Gt` and `Lt` compare a taint's value with the
    /// toleration's as integers. Off, such a toleration tolerates nothing and the
    /// API refuses it.
    TaintTolerationComparisonOperators,
}

impl FeatureGate {
    /// Every gate dsr knows.
    pub const ALL: [FeatureGate; 1] = [FeatureGate::TaintTolerationComparisonOperators];

    /// The name, as Kubernetes spells it.
    pub const fn name(self) -> &'static str {
        match self {
            FeatureGate::TaintTolerationComparisonOperators => "TaintTolerationComparisonOperators",
        }
    }

    /// The gate called `name` (exact spelling, as Kubernetes matches it).
    pub fn from_name(name: &str) -> Option<FeatureGate> {
        FeatureGate::ALL.into_iter().find(|g| g.name() == name)
    }

    /// Upstream's default.
    pub const fn default_enabled(self) -> bool {
        match self {
            FeatureGate::TaintTolerationComparisonOperators => false,
        }
    }

    const fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

/// Why a `--feature-gates` value was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum GateError {
    /// A gate dsr does not know.
    Unknown,
    /// An entry is not `Name=value`.
    Malformed,
    /// A value is not a boolean (`true`, `false`, `1`, `0`, `t`, `f` in any of
    /// Go's `ParseBool` spellings).
    NotABoolean,
}

impl crate::text::Piece for GateError {
    fn put<W: fmt::Write + ?Sized>(&self, w: &mut W) -> fmt::Result {
        w.write_str(match self {
            GateError::Unknown => "unknown feature gate",
            GateError::Malformed => "a feature gate is not written as Name=true",
            GateError::NotABoolean => "a feature gate's value is not true or false",
        })
    }
}

crate::text::display_via_piece!(GateError);

/// Which gates are on: a value, [`FeatureGates::DEFAULT`] as upstream ships.
#[derive(Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct FeatureGates {
    enabled: u32,
}

impl FeatureGates {
    /// Every gate at upstream's default.
    pub const DEFAULT: FeatureGates = {
        let mut enabled = 0;
        let mut rest: &[FeatureGate] = &FeatureGate::ALL;
        while let [g, tail @ ..] = rest {
            if g.default_enabled() {
                enabled |= g.bit();
            }
            rest = tail;
        }
        FeatureGates { enabled }
    };

    /// Whether `gate` is on.
    pub const fn enabled(self, gate: FeatureGate) -> bool {
        self.enabled & gate.bit() != 0
    }

    /// Turns `gate` on or off.
    pub fn set(&mut self, gate: FeatureGate, enabled: bool) {
        if enabled {
            self.enabled |= gate.bit();
        } else {
            self.enabled &= !gate.bit();
        }
    }

    /// These gates with `gate` on or off.
    pub const fn with(self, gate: FeatureGate, enabled: bool) -> FeatureGates {
        FeatureGates {
            enabled: if enabled {
                self.enabled | gate.bit()
            } else {
                self.enabled & !gate.bit()
            },
        }
    }

    /// Turns the gate called `name` on or off; [`GateError::Unknown`] for a name dsr
    /// does not know.
    pub fn set_by_name(&mut self, name: &str, enabled: bool) -> Result<(), GateError> {
        let gate = FeatureGate::from_name(name).ok_or(GateError::Unknown)?;
        self.set(gate, enabled);
        Ok(())
    }

    /// Applies a `--feature-gates` value (`Name=true,Other=false`; spaces around
    /// entries, names and values are ignored, and so are empty entries, as
    /// Kubernetes components read the flag). Nothing changes when it fails.
    pub fn apply(&mut self, flag: &str) -> Result<(), GateError> {
        let mut next = *self;
        for entry in flag.split(',') {
            let entry = entry.trim();
            if entry.is_empty() {
                continue;
            }
            let (name, value) = entry.split_once('=').ok_or(GateError::Malformed)?;
            let value = parse_bool(value.trim()).ok_or(GateError::NotABoolean)?;
            next.set_by_name(name.trim(), value)?;
        }
        *self = next;
        Ok(())
    }

    /// Upstream's defaults with a `--feature-gates` value applied.
    ///
    /// ```
    /// use dsr_core::gates::{FeatureGate, FeatureGates, GateError};
    /// let gates = FeatureGates::parse("TaintTolerationComparisonOperators=true").unwrap();
    /// assert!(gates.enabled(FeatureGate::TaintTolerationComparisonOperators));
    /// assert_eq!(FeatureGates::parse("NoSuchGate=true"), Err(GateError::Unknown));
    /// ```
    pub fn parse(flag: &str) -> Result<FeatureGates, GateError> {
        let mut gates = FeatureGates::DEFAULT;
        gates.apply(flag)?;
        Ok(gates)
    }

    /// Every gate dsr knows with its state, in [`FeatureGate::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = (FeatureGate, bool)> {
        FeatureGate::ALL
            .into_iter()
            .map(move |g| (g, self.enabled(g)))
    }

    /// The bits of the gates that are on (bit `i`: [`FeatureGate::ALL`]`[i]`).
    pub const fn bits(self) -> u32 {
        self.enabled
    }

    /// Gates from [`bits`](Self::bits); `None` when a bit names no gate dsr knows.
    pub const fn from_bits(bits: u32) -> Option<FeatureGates> {
        let known = (1u32 << FeatureGate::ALL.len()) - 1;
        if bits & !known != 0 {
            return None;
        }
        Some(FeatureGates { enabled: bits })
    }
}

impl Default for FeatureGates {
    fn default() -> Self {
        FeatureGates::DEFAULT
    }
}

impl fmt::Debug for FeatureGates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for (g, on) in self.iter() {
            m.entry(&g.name(), &on);
        }
        m.finish()
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for FeatureGates {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "FeatureGates({=u32:#x})", self.enabled)
    }
}

/// Go's `strconv.ParseBool`, which Kubernetes' `--feature-gates` uses.
fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GATE: FeatureGate = FeatureGate::TaintTolerationComparisonOperators;

    #[test]
    fn defaults_are_upstreams_and_the_flag_form_is_kubernetes() {
        // pkg/features/kube_features.go: TaintTolerationComparisonOperators is
        // alpha in v1.35, Default: false.
        assert!(!FeatureGates::DEFAULT.enabled(GATE));
        assert!(
            FeatureGates::parse(" TaintTolerationComparisonOperators = True ,")
                .unwrap()
                .enabled(GATE)
        );
        assert!(!FeatureGates::parse(
            "TaintTolerationComparisonOperators=true,TaintTolerationComparisonOperators=0"
        )
        .unwrap()
        .enabled(GATE));
        assert_eq!(FeatureGates::parse(""), Ok(FeatureGates::DEFAULT));
        // Names are matched exactly, as Kubernetes does.
        assert_eq!(
            FeatureGates::parse("taintTolerationComparisonOperators=true"),
            Err(GateError::Unknown)
        );
        assert_eq!(
            FeatureGates::parse("TaintTolerationComparisonOperators"),
            Err(GateError::Malformed)
        );
        assert_eq!(
            FeatureGates::parse("TaintTolerationComparisonOperators=yes"),
            Err(GateError::NotABoolean)
        );
        // A failed apply changes nothing.
        let mut g = FeatureGates::DEFAULT;
        assert!(g
            .apply("TaintTolerationComparisonOperators=true,Nope=true")
            .is_err());
        assert_eq!(g, FeatureGates::DEFAULT);
        assert_eq!(FeatureGates::from_bits(2), None);
        assert_eq!(
            FeatureGates::from_bits(FeatureGates::DEFAULT.with(GATE, true).bits()),
            Some(FeatureGates::DEFAULT.with(GATE, true))
        );
    }
}
