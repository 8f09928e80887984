//! Taints and tolerations, and the tolerations every daemon pod gets.

use crate::intern::{Resolve, Sym};

/// A taint's effect, or a toleration's effect filter.
///
/// Kubernetes compares effects as strings, so an effect it does not know is kept
/// ([`TaintEffect::Other`]) and only ever equals the same string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum TaintEffect {
    /// `""`: on a toleration, every effect.
    Unset,
    /// `NoSchedule`: no new pods unless tolerated.
    NoSchedule,
    /// `PreferNoSchedule`: a soft preference; never keeps a daemon pod off a node.
    PreferNoSchedule,
    /// `NoExecute`: no new pods, and running ones are evicted, unless tolerated.
    NoExecute,
    /// Any other string.
    Other(Sym),
}

impl TaintEffect {
    /// Classifies an effect string; `other` interns one that is not standard.
    pub fn classify(s: &str, other: impl FnOnce() -> Option<Sym>) -> Option<TaintEffect> {
        Some(match s {
            "" => TaintEffect::Unset,
            "NoSchedule" => TaintEffect::NoSchedule,
            "PreferNoSchedule" => TaintEffect::PreferNoSchedule,
            "NoExecute" => TaintEffect::NoExecute,
            _ => TaintEffect::Other(other()?),
        })
    }

    /// The standard name, or `None` for [`TaintEffect::Other`].
    pub const fn name(self) -> Option<&'static str> {
        match self {
            TaintEffect::Unset => Some(""),
            TaintEffect::NoSchedule => Some("NoSchedule"),
            TaintEffect::PreferNoSchedule => Some("PreferNoSchedule"),
            TaintEffect::NoExecute => Some("NoExecute"),
            TaintEffect::Other(_) => None,
        }
    }
}

/// A node taint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Taint {
    /// The key.
    pub key: Sym,
    /// The value.
    pub value: Sym,
    /// The effect.
    pub effect: TaintEffect,
}

/// A toleration's operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum TolerationOperator {
    /// `""`: the same as `Equal`.
    Unset,
    /// `Equal`: the values must be equal.
    Equal,
    /// `Exists`: any value.
    Exists,
    /// `Gt`: the taint's value is a greater integer (only with the feature gate
    /// `TaintTolerationComparisonOperators`; see [`compare_values`]).
    Gt,
    /// `Lt`: the taint's value is a smaller integer (only with the feature gate
    /// `TaintTolerationComparisonOperators`; see [`compare_values`]).
    Lt,
    /// Anything else: tolerates nothing.
    Other(Sym),
}

impl TolerationOperator {
    /// Classifies an operator string; `other` interns one that is not standard.
    pub fn classify(s: &str, other: impl FnOnce() -> Option<Sym>) -> Option<Self> {
        Some(match s {
            "" => TolerationOperator::Unset,
            "Equal" => TolerationOperator::Equal,
            "Exists" => TolerationOperator::Exists,
            "Gt" => TolerationOperator::Gt,
            "Lt" => TolerationOperator::Lt,
            _ => TolerationOperator::Other(other()?),
        })
    }

    /// The standard name, or `None` for [`TolerationOperator::Other`].
    pub const fn name(self) -> Option<&'static str> {
        match self {
            TolerationOperator::Unset => Some(""),
            TolerationOperator::Equal => Some("Equal"),
            TolerationOperator::Exists => Some("Exists"),
            TolerationOperator::Gt => Some("Gt"),
            TolerationOperator::Lt => Some("Lt"),
            TolerationOperator::Other(_) => None,
        }
    }
}

/// Whether `Gt`/`Lt` tolerations compare (the feature gate
/// `TaintTolerationComparisonOperators`), with the text of the values they compare.
/// [`Comparisons::OFF`] (the gate's default) makes them tolerate nothing.
#[derive(Clone, Copy, Default)]
pub struct Comparisons<'a>(Option<&'a dyn Text>);

/// The one method of [`Resolve`] that comparing needs (a trait object of its own,
/// so that no other method is linked for it).
trait Text {
    fn text(&self, sym: Sym) -> &str;
}

impl<R: Resolve> Text for R {
    fn text(&self, sym: Sym) -> &str {
        self.resolve(sym)
    }
}

impl<'a> Comparisons<'a> {
    /// The gate is off: `Gt`/`Lt` tolerate nothing.
    pub const OFF: Comparisons<'static> = Comparisons(None);

    /// The gate is on; values are read from `strings`.
    pub fn on<R: Resolve>(strings: &'a R) -> Self {
        Comparisons(Some(strings))
    }

    /// `on(strings)` when `enabled`, else [`OFF`](Self::OFF).
    pub fn new<R: Resolve>(enabled: bool, strings: &'a R) -> Self {
        if enabled {
            Comparisons(Some(strings))
        } else {
            Comparisons(None)
        }
    }

    /// Whether the gate is on.
    pub const fn enabled(&self) -> bool {
        self.0.is_some()
    }
}

impl core::fmt::Debug for Comparisons<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(if self.enabled() {
            "Comparisons(on)"
        } else {
            "Comparisons(off)"
        })
    }
}

/// What is wrong with a value a `Gt`/`Lt` toleration compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum NumberProblem {
    /// Not a decimal integer in canonical form (`0`, or `-?[1-9][0-9]*`): empty,
    /// a sign `+`, a leading zero, `-0`, a fraction.
    NotCanonical,
    /// Canonical, but outside the range of a 64-bit signed integer.
    OutOfRange,
}

impl NumberProblem {
    /// What is wrong, as a sentence ending (`the value ...`).
    pub const fn text(self) -> &'static str {
        match self {
            NumberProblem::NotCanonical => {
                "is not a decimal integer in canonical form (0, or digits not starting with 0, optionally after -)"
            }
            NumberProblem::OutOfRange => "does not fit in a 64-bit signed integer",
        }
    }
}

impl crate::text::Piece for NumberProblem {
    fn put<W: core::fmt::Write + ?Sized>(&self, w: &mut W) -> core::fmt::Result {
        w.write_str(self.text())
    }
}

crate::text::display_via_piece!(NumberProblem);

/// Why a `Gt`/`Lt` toleration whose key and effect apply does not tolerate a taint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ComparisonMiss {
    /// The feature gate `TaintTolerationComparisonOperators` is off.
    GateOff,
    /// The toleration's value is not a number it may compare.
    TolerationValue(NumberProblem),
    /// The taint's value is not a number it may compare.
    TaintValue(NumberProblem),
    /// Both are numbers, and the taint's is not greater (`Gt`) or not less (`Lt`).
    Comparison,
}

/// A value read as a `Gt`/`Lt` toleration reads it (upstream's `IsDecimalInteger`,
/// then `ParseInt(v, 10, 64)`): canonical decimal that fits in an `i64`.
pub fn decimal_integer(value: &str) -> Result<i64, NumberProblem> {
    let b = value.as_bytes();
    let digits = b.strip_prefix(b"-").unwrap_or(b);
    let canonical = match digits {
        [b'0'] => digits.len() == b.len(),
        [first, ..] => (b'1'..=b'9').contains(first) && digits.iter().all(u8::is_ascii_digit),
        [] => false,
    };
    if !canonical {
        return Err(NumberProblem::NotCanonical);
    }
    crate::selector::parse_i64(value).ok_or(NumberProblem::OutOfRange)
}

/// Upstream's `compareNumericValues` for a `Gt`/`Lt` toleration with the gate on:
/// both values must be [`decimal_integer`]s; `Gt` tolerates a taint value greater
/// than its own, `Lt` a smaller one (strictly). Any other operator is
/// [`ComparisonMiss::Comparison`].
pub fn compare_values(
    operator: TolerationOperator,
    toleration_value: &str,
    taint_value: &str,
) -> Result<(), ComparisonMiss> {
    let wanted = decimal_integer(toleration_value).map_err(ComparisonMiss::TolerationValue)?;
    let found = decimal_integer(taint_value).map_err(ComparisonMiss::TaintValue)?;
    let holds = match operator {
        TolerationOperator::Gt => found > wanted,
        TolerationOperator::Lt => found < wanted,
        _ => false,
    };
    if holds {
        Ok(())
    } else {
        Err(ComparisonMiss::Comparison)
    }
}

/// A pod toleration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Toleration {
    /// The taint key it applies to; empty means every key.
    pub key: Sym,
    /// How the value is compared.
    pub operator: TolerationOperator,
    /// The value for `Equal`.
    pub value: Sym,
    /// The effect it applies to; [`TaintEffect::Unset`] means every effect.
    pub effect: TaintEffect,
    /// `tolerationSeconds`, for `NoExecute`.
    pub toleration_seconds: Option<i64>,
}

impl Toleration {
    /// Whether this toleration tolerates `taint`: upstream's `ToleratesTaint`, with
    /// `comparisons` saying whether `Gt`/`Lt` compare (their feature gate).
    #[inline]
    pub fn tolerates(&self, taint: &Taint, comparisons: Comparisons<'_>) -> bool {
        if !self.applies_to(taint) {
            return false;
        }
        match self.operator {
            TolerationOperator::Unset | TolerationOperator::Equal => self.value == taint.value,
            TolerationOperator::Exists => true,
            TolerationOperator::Gt | TolerationOperator::Lt => {
                self.compare(taint, comparisons).is_ok()
            }
            TolerationOperator::Other(_) => false,
        }
    }

    /// The effect and key checks of `ToleratesTaint`, which come first for every
    /// operator.
    #[inline(always)]
    pub fn applies_to(&self, taint: &Taint) -> bool {
        (self.effect == TaintEffect::Unset || self.effect == taint.effect)
            && (self.key.is_empty() || self.key == taint.key)
    }

    /// Why a `Gt`/`Lt` toleration does not tolerate a taint it applies to, or
    /// `Ok` when it does (see [`compare_values`]).
    #[cold]
    #[inline(never)]
    pub fn compare(
        &self,
        taint: &Taint,
        comparisons: Comparisons<'_>,
    ) -> Result<(), ComparisonMiss> {
        let strings = comparisons.0.ok_or(ComparisonMiss::GateOff)?;
        compare_values(
            self.operator,
            strings.text(self.value),
            strings.text(taint.value),
        )
    }

    /// Whether two tolerations have the same key, operator, value and effect
    /// (upstream's `MatchToleration`, which ignores `tolerationSeconds`).
    pub fn same_rule(&self, other: &Toleration) -> bool {
        self.key == other.key
            && self.operator == other.operator
            && self.value == other.value
            && self.effect == other.effect
    }
}

/// Whether any of `tolerations` tolerates `taint`.
#[inline]
pub fn tolerated(tolerations: &[Toleration], taint: &Taint, comparisons: Comparisons<'_>) -> bool {
    tolerations.iter().any(|t| t.tolerates(taint, comparisons))
}

/// The first taint, in order, that passes `considered` and that no toleration
/// tolerates: upstream's `FindMatchingUntoleratedTaint`.
pub fn find_untolerated<'a>(
    taints: &'a [Taint],
    tolerations: &[Toleration],
    comparisons: Comparisons<'_>,
    considered: impl Fn(TaintEffect) -> bool,
) -> Option<&'a Taint> {
    taints
        .iter()
        .filter(|t| considered(t.effect))
        .find(|t| !tolerated(tolerations, t, comparisons))
}

/// A daemon pod's tolerations: the template's (merged with the automatic ones as
/// upstream's `AddOrUpdateDaemonPodTolerations` does), then the automatic ones the
/// template did not already have.
///
/// The automatic tolerations are the same for every DaemonSet, so the engine keeps
/// one copy and each DaemonSet only a bit per automatic toleration it gets.
#[derive(Debug, Clone, Copy)]
pub struct Tolerations<'a> {
    template: &'a [Toleration],
    automatic: &'a [Toleration],
    mask: u8,
    comparisons: Comparisons<'a>,
}

impl<'a> Tolerations<'a> {
    /// A list held in one slice.
    pub const fn from_slice(list: &'a [Toleration]) -> Self {
        Tolerations {
            template: list,
            automatic: &[],
            mask: 0,
            comparisons: Comparisons(None),
        }
    }

    /// The same list, with `Gt`/`Lt` judged under `comparisons`.
    pub const fn comparing(self, comparisons: Comparisons<'a>) -> Self {
        Tolerations {
            comparisons,
            ..self
        }
    }

    /// Whether `Gt`/`Lt` compare for this list.
    pub const fn comparisons(&self) -> Comparisons<'a> {
        self.comparisons
    }

    /// `template`, then each of `automatic` whose bit is set in `mask`.
    pub(crate) const fn new(
        template: &'a [Toleration],
        automatic: &'a [Toleration],
        mask: u8,
    ) -> Self {
        Tolerations {
            template,
            automatic,
            mask,
            comparisons: Comparisons(None),
        }
    }

    /// The tolerations in order.
    pub fn iter(&self) -> TolerationsIter<'a> {
        TolerationsIter {
            template: self.template.iter(),
            automatic: self.automatic,
            mask: self.mask,
            next: 0,
        }
    }

    /// Number of tolerations.
    pub fn len(&self) -> usize {
        let automatic = self.automatic.len().min(8) as u32;
        let in_range = if automatic >= 8 {
            self.mask
        } else {
            self.mask & ((1u8 << automatic) - 1)
        };
        self.template.len() + in_range.count_ones() as usize
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether any of them tolerates `taint`.
    #[inline]
    pub fn tolerate(&self, taint: &Taint) -> bool {
        tolerated(self.template, taint, self.comparisons)
            || (self.mask != 0
                && self.automatic.iter().enumerate().any(|(i, t)| {
                    self.mask & (1 << i) != 0 && t.tolerates(taint, self.comparisons)
                }))
    }
}

impl<'a> IntoIterator for Tolerations<'a> {
    type Item = &'a Toleration;
    type IntoIter = TolerationsIter<'a>;

    fn into_iter(self) -> TolerationsIter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for &Tolerations<'a> {
    type Item = &'a Toleration;
    type IntoIter = TolerationsIter<'a>;

    fn into_iter(self) -> TolerationsIter<'a> {
        self.iter()
    }
}

/// The iterator of [`Tolerations::iter`].
#[derive(Debug, Clone)]
pub struct TolerationsIter<'a> {
    template: core::slice::Iter<'a, Toleration>,
    automatic: &'a [Toleration],
    mask: u8,
    next: usize,
}

impl<'a> Iterator for TolerationsIter<'a> {
    type Item = &'a Toleration;

    fn next(&mut self) -> Option<&'a Toleration> {
        if let Some(t) = self.template.next() {
            return Some(t);
        }
        while let Some(t) = self.automatic.get(self.next) {
            let i = self.next;
            self.next += 1;
            if i < 8 && self.mask & (1 << i) != 0 {
                return Some(t);
            }
        }
        None
    }
}

/// The taint that keeps a daemon pod off a node, as upstream's
/// `NodeShouldRunDaemonPod` finds it with two [`find_untolerated`] calls (first
/// `NoExecute` only, then `NoSchedule` and `NoExecute`), in one pass: the first
/// untolerated `NoExecute` taint, else the first untolerated `NoSchedule` taint.
#[inline]
pub fn blocking_taint<'a>(taints: &'a [Taint], tolerations: &Tolerations<'_>) -> Option<&'a Taint> {
    blocking_taint_in(taints, tolerations, &TaintRow::UNKNOWN)
}

/// [`blocking_taint`] with the node's [`TaintRow`]: which automatic tolerations
/// tolerate each of its first taints, worked out when the node was stored, so only
/// the template's own tolerations are tried against those, and only against the
/// taints that may keep a daemon pod off at all.
#[inline(always)]
pub(crate) fn blocking_taint_in<'a>(
    taints: &'a [Taint],
    tolerations: &Tolerations<'_>,
    row: &TaintRow,
) -> Option<&'a Taint> {
    if !row.complete {
        return blocking_taint_by(taints.iter().enumerate(), tolerations, row);
    }
    // The others are tolerated by every daemon pod (or do not keep pods off).
    let mut may_block = row.may_block;
    let candidates = core::iter::from_fn(move || {
        if may_block == 0 {
            return None;
        }
        let i = may_block.trailing_zeros() as usize;
        may_block &= may_block - 1;
        taints.get(i).map(|t| (i, t))
    });
    blocking_taint_by(candidates, tolerations, row)
}

/// The first untolerated `NoExecute` taint of `taints` (with their indices), else
/// the first untolerated `NoSchedule` one: the one place the taint rule is decided.
#[inline(always)]
fn blocking_taint_by<'a>(
    taints: impl Iterator<Item = (usize, &'a Taint)>,
    tolerations: &Tolerations<'_>,
    row: &TaintRow,
) -> Option<&'a Taint> {
    let mut no_schedule = None;
    for (i, t) in taints {
        let execute = match t.effect {
            TaintEffect::NoExecute => true,
            TaintEffect::NoSchedule if no_schedule.is_none() => false,
            _ => continue,
        };
        let tolerated = match row.automatic.get(i) {
            Some(&bits) if row.complete || bits != TaintRow::NOT_KNOWN => {
                bits & tolerations.mask != 0
                    || tolerated(tolerations.template, t, tolerations.comparisons)
            }
            _ => tolerate_cold(tolerations, t),
        };
        if tolerated {
            continue;
        }
        if execute {
            return Some(t);
        }
        no_schedule = Some(t);
    }
    no_schedule
}

/// [`Tolerations::tolerate`] out of line: for taints a row does not cover.
#[cold]
#[inline(never)]
fn tolerate_cold(tolerations: &Tolerations<'_>, t: &Taint) -> bool {
    tolerations.tolerate(t)
}

/// Taints of a node whose automatic tolerations a [`TaintRow`] records.
pub const TAINT_ROW: usize = 4;

/// The automatic tolerations every daemon pod has: all but the last (which only
/// pods with `hostNetwork` get). A template toleration of the same rule replaces
/// one of them (its bit is then clear), and tolerates the same taints.
const EVERY_POD: u8 = (1 << (DAEMON_TOLERATIONS.len() - 1)) - 1;

/// For each of a node's first [`TAINT_ROW`] taints, the automatic daemon-pod
/// tolerations that tolerate it (bit `i`: [`DAEMON_TOLERATIONS`]`[i]`), and which
/// of them may keep a daemon pod off at all.
///
/// Derived from the taints and the automatic tolerations: it is not part of a
/// node's value (every row compares equal and prints alike), nor of a snapshot.
#[derive(Clone, Copy)]
pub struct TaintRow {
    /// Bits of the automatic tolerations that tolerate each taint.
    automatic: [u8; TAINT_ROW],
    /// Bit `i`: taint `i` is `NoSchedule` or `NoExecute` and not tolerated by the
    /// automatic tolerations every daemon pod has.
    may_block: u8,
    /// The row covers every taint of the node.
    complete: bool,
}

impl TaintRow {
    /// A taint whose bits are not known: every toleration is tried.
    pub(crate) const NOT_KNOWN: u8 = u8::MAX;
    /// A row that knows nothing.
    pub(crate) const UNKNOWN: TaintRow = TaintRow {
        automatic: [Self::NOT_KNOWN; TAINT_ROW],
        may_block: 0,
        complete: false,
    };

    /// The row of `taints` for the automatic tolerations `automatic`.
    pub(crate) fn of(taints: &[Taint], automatic: &[Toleration]) -> TaintRow {
        let mut row = TaintRow::UNKNOWN;
        if automatic.len() != DAEMON_TOLERATIONS.len() {
            return row;
        }
        for (i, (bits, t)) in row.automatic.iter_mut().zip(taints).enumerate() {
            *bits = automatic
                .iter()
                .enumerate()
                // The automatic tolerations are all `Exists`.
                .filter(|(_, a)| a.tolerates(t, Comparisons::OFF))
                .fold(0, |b, (i, _)| b | 1 << i);
            let blocks = matches!(t.effect, TaintEffect::NoSchedule | TaintEffect::NoExecute);
            if blocks && *bits & EVERY_POD == 0 {
                row.may_block |= 1 << i;
            }
        }
        row.complete = taints.len() <= TAINT_ROW;
        row
    }

    /// Whether some taint of the node may keep a daemon pod off.
    #[inline]
    pub(crate) fn may_block(&self) -> bool {
        self.may_block != 0 || !self.complete
    }
}

impl Default for TaintRow {
    fn default() -> Self {
        TaintRow::UNKNOWN
    }
}

impl PartialEq for TaintRow {
    fn eq(&self, _: &TaintRow) -> bool {
        true
    }
}

impl Eq for TaintRow {}

impl core::fmt::Debug for TaintRow {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("TaintRow")
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for TaintRow {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "TaintRow")
    }
}

/// Well-known node-condition taint keys that daemon pods tolerate automatically.
pub mod keys {
    /// The node is not ready.
    pub const NOT_READY: &str = "node.kubernetes.io/not-ready";
    /// The node controller cannot reach the node.
    pub const UNREACHABLE: &str = "node.kubernetes.io/unreachable";
    /// The node's disk is under pressure.
    pub const DISK_PRESSURE: &str = "node.kubernetes.io/disk-pressure";
    /// The node's memory is under pressure.
    pub const MEMORY_PRESSURE: &str = "node.kubernetes.io/memory-pressure";
    /// The node is running out of process ids.
    pub const PID_PRESSURE: &str = "node.kubernetes.io/pid-pressure";
    /// The node is cordoned.
    pub const UNSCHEDULABLE: &str = "node.kubernetes.io/unschedulable";
    /// The node's network is not configured.
    pub const NETWORK_UNAVAILABLE: &str = "node.kubernetes.io/network-unavailable";
}

/// The tolerations a daemon pod gets on top of its template's, in the order they are
/// added: `(key, effect)`, all with operator `Exists`. The last one applies only to
/// pods with `hostNetwork`.
pub const DAEMON_TOLERATIONS: [(&str, TaintEffect); 7] = [
    (keys::NOT_READY, TaintEffect::NoExecute),
    (keys::UNREACHABLE, TaintEffect::NoExecute),
    (keys::DISK_PRESSURE, TaintEffect::NoSchedule),
    (keys::MEMORY_PRESSURE, TaintEffect::NoSchedule),
    (keys::PID_PRESSURE, TaintEffect::NoSchedule),
    (keys::UNSCHEDULABLE, TaintEffect::NoSchedule),
    (keys::NETWORK_UNAVAILABLE, TaintEffect::NoSchedule),
];

/// Adds or updates one automatic toleration in `list[..len]`, as upstream's
/// `AddOrUpdateTolerationInPodSpec`: every existing toleration with the same rule
/// (key, operator, value, effect) is replaced by it; when there is none it is
/// appended. Returns the new length, or `None` when the list has no room to append.
pub fn add_or_update(list: &mut [Toleration], len: usize, toleration: Toleration) -> Option<usize> {
    let current = list.get_mut(..len)?;
    if !merge(current, toleration) {
        return Some(len);
    }
    let slot = list.get_mut(len)?;
    *slot = toleration;
    Some(len + 1)
}

/// [`add_or_update`] on `list` without appending: returns true when `toleration`
/// must be appended (no toleration of its rule is there).
pub(crate) fn merge(list: &mut [Toleration], toleration: Toleration) -> bool {
    // Upstream also means to stop at an identical entry, but its check compares a
    // pointer with a value and never holds: every entry of the rule is replaced,
    // `tolerationSeconds` and all.
    let mut replaced = false;
    for existing in list.iter_mut() {
        if existing.same_rule(&toleration) {
            *existing = toleration;
            replaced = true;
        }
    }
    !replaced
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;

    /// Texts for symbols 0.. in a test.
    struct Texts(&'static [&'static str]);

    impl Resolve for Texts {
        fn resolve(&self, sym: Sym) -> &str {
            self.0.get(sym.0 as usize).copied().unwrap_or("")
        }
    }

    #[test]
    fn gt_and_lt_compare_canonical_integers_only_with_their_gate() {
        // Upstream's `ToleratesTaint` and `compareNumericValues`
        // (staging/src/k8s.io/api/core/v1/toleration.go, v1.35+) and the cases of
        // its toleration_test.go: effect and key first, then, with the gate on,
        // both values canonical decimal int64s and a strict comparison.
        const TEXTS: &[&str] = &[
            "example.com/sla",
            "other",
            "950",
            "999",
            "900",
            "0950",
            "abc",
            "-5",
            "-10",
            "-0",
            "+5",
            "",
            "9223372036854775808",
            "9223372036854775807",
            "9.5",
            "0",
            "5",
        ];
        let sym = |text: &str| Sym(TEXTS.iter().position(|t| *t == text).unwrap() as u32);
        let taint = |key: &str, value: &str, effect| Taint {
            key: if key.is_empty() { Sym::EMPTY } else { sym(key) },
            value: sym(value),
            effect,
        };
        let tol = |key: &str, operator, value: &str, effect| Toleration {
            key: if key.is_empty() { Sym::EMPTY } else { sym(key) },
            operator,
            value: sym(value),
            effect,
            toleration_seconds: None,
        };
        use TaintEffect::{NoExecute, NoSchedule, Unset};
        use TolerationOperator::{Gt, Lt};
        let sla = "example.com/sla";
        let on = Comparisons::on(&Texts(TEXTS));
        let cases: &[(Toleration, Taint, Result<(), ComparisonMiss>)] = &[
            (
                tol(sla, Gt, "950", NoSchedule),
                taint(sla, "999", NoSchedule),
                Ok(()),
            ),
            (
                tol(sla, Gt, "950", NoSchedule),
                taint(sla, "950", NoSchedule),
                Err(ComparisonMiss::Comparison),
            ),
            (
                tol(sla, Gt, "950", NoSchedule),
                taint(sla, "900", NoSchedule),
                Err(ComparisonMiss::Comparison),
            ),
            (
                tol(sla, Lt, "950", NoSchedule),
                taint(sla, "900", NoSchedule),
                Ok(()),
            ),
            (
                tol(sla, Lt, "950", NoSchedule),
                taint(sla, "950", NoSchedule),
                Err(ComparisonMiss::Comparison),
            ),
            (
                tol(sla, Gt, "950", NoSchedule),
                taint(sla, "abc", NoSchedule),
                Err(ComparisonMiss::TaintValue(NumberProblem::NotCanonical)),
            ),
            (
                tol(sla, Gt, "950", NoSchedule),
                taint(sla, "0950", NoSchedule),
                Err(ComparisonMiss::TaintValue(NumberProblem::NotCanonical)),
            ),
            (
                tol(sla, Gt, "0950", NoSchedule),
                taint(sla, "999", NoSchedule),
                Err(ComparisonMiss::TolerationValue(NumberProblem::NotCanonical)),
            ),
            (
                tol(sla, Gt, "-10", Unset),
                taint(sla, "-5", NoExecute),
                Ok(()),
            ),
            (
                tol(sla, Lt, "0", NoSchedule),
                taint(sla, "-5", NoSchedule),
                Ok(()),
            ),
            (
                tol(sla, Gt, "-10", NoSchedule),
                taint(sla, "-0", NoSchedule),
                Err(ComparisonMiss::TaintValue(NumberProblem::NotCanonical)),
            ),
            (
                tol(sla, Gt, "", NoSchedule),
                taint(sla, "5", NoSchedule),
                Err(ComparisonMiss::TolerationValue(NumberProblem::NotCanonical)),
            ),
            (
                tol(sla, Lt, "+5", NoSchedule),
                taint(sla, "0", NoSchedule),
                Err(ComparisonMiss::TolerationValue(NumberProblem::NotCanonical)),
            ),
            (
                tol(sla, Gt, "950", NoSchedule),
                taint(sla, "9223372036854775808", NoSchedule),
                Err(ComparisonMiss::TaintValue(NumberProblem::OutOfRange)),
            ),
            (
                tol(sla, Lt, "9223372036854775807", NoSchedule),
                taint(sla, "999", NoSchedule),
                Ok(()),
            ),
            (
                tol(sla, Gt, "900", NoSchedule),
                taint(sla, "9.5", NoSchedule),
                Err(ComparisonMiss::TaintValue(NumberProblem::NotCanonical)),
            ),
            (
                tol("", Gt, "900", NoSchedule),
                taint("other", "950", NoSchedule),
                Ok(()),
            ),
        ];
        for (t, x, want) in cases {
            assert!(t.applies_to(x));
            assert_eq!(t.compare(x, on), *want, "{t:?} vs {x:?}");
            assert_eq!(t.tolerates(x, on), want.is_ok(), "{t:?} vs {x:?}");
            // Gate off: a Gt/Lt toleration tolerates nothing.
            assert_eq!(t.compare(x, Comparisons::OFF), Err(ComparisonMiss::GateOff));
            assert!(!t.tolerates(x, Comparisons::OFF));
        }
        // Effect and key are checked first, for every operator.
        let gt = tol(sla, Gt, "950", NoSchedule);
        assert!(!gt.tolerates(&taint(sla, "999", NoExecute), on));
        assert!(!gt.tolerates(&taint("other", "999", NoSchedule), on));
    }

    #[test]
    fn every_template_toleration_of_an_automatic_rule_is_replaced() {
        // Upstream's `AddOrUpdateTolerationInPodSpec`: its "already present" check
        // (`Semantic.DeepEqual(toleration, podTolerations[i])`, a pointer against a
        // value) never holds, so a template with `not-ready Exists NoExecute` twice,
        // once with `tolerationSeconds: 30`, ends with both as the automatic one.
        let not_ready = |seconds| Toleration {
            key: Sym(1),
            operator: TolerationOperator::Exists,
            value: Sym::EMPTY,
            effect: TaintEffect::NoExecute,
            toleration_seconds: seconds,
        };
        let other = Toleration {
            key: Sym(2),
            ..not_ready(Some(5))
        };
        let mut list = [not_ready(None), not_ready(Some(30)), other, other];
        assert_eq!(add_or_update(&mut list, 3, not_ready(None)), Some(3));
        assert_eq!(list[..3], [not_ready(None), not_ready(None), other]);
        // A rule that is not there is appended.
        let mut list = [other, other];
        assert_eq!(add_or_update(&mut list, 1, not_ready(None)), Some(2));
        assert_eq!(list, [other, not_ready(None)]);
    }

    #[test]
    fn blocking_taint_is_the_two_upstream_searches_in_one_pass() {
        let effects = [
            TaintEffect::NoSchedule,
            TaintEffect::NoExecute,
            TaintEffect::PreferNoSchedule,
            TaintEffect::Other(Sym(9)),
        ];
        let taint = |i: usize| Taint {
            key: Sym(i as u32 % 3),
            value: Sym::EMPTY,
            effect: effects[i / 3 % 4],
        };
        let toleration = |key: u32, effect: TaintEffect| Toleration {
            key: Sym(key),
            operator: TolerationOperator::Exists,
            value: Sym::EMPTY,
            effect,
            toleration_seconds: None,
        };
        let toleration_sets = [
            [].as_slice(),
            &[toleration(0, TaintEffect::NoExecute)],
            &[toleration(1, TaintEffect::Unset)],
            &[
                toleration(2, TaintEffect::NoSchedule),
                toleration(0, TaintEffect::Unset),
            ],
        ];
        // Every list of up to three taints drawn from twelve.
        for a in 0..13 {
            for b in 0..13 {
                for c in 0..13 {
                    let taints: std::vec::Vec<Taint> = [a, b, c]
                        .iter()
                        .filter(|&&i| i < 12)
                        .map(|&i| taint(i))
                        .collect();
                    for tolerations in toleration_sets {
                        let upstream =
                            find_untolerated(&taints, tolerations, Comparisons::OFF, |e| {
                                e == TaintEffect::NoExecute
                            })
                            .or_else(|| {
                                find_untolerated(&taints, tolerations, Comparisons::OFF, |e| {
                                    matches!(e, TaintEffect::NoSchedule | TaintEffect::NoExecute)
                                })
                            });
                        let view = Tolerations::from_slice(tolerations);
                        assert_eq!(blocking_taint(&taints, &view), upstream);
                        // Every toleration as an automatic one, with the node's row.
                        let row = TaintRow::of(&taints, tolerations);
                        assert_eq!(blocking_taint_in(&taints, &view, &row), upstream);
                        // The same list split into a template part and automatic
                        // bits answers the same.
                        if let Some((last, first)) = tolerations.split_last() {
                            let split = Tolerations::new(first, core::slice::from_ref(last), 1);
                            assert_eq!(blocking_taint(&taints, &split), upstream);
                            assert_eq!(split.len(), tolerations.len());
                            assert!(split.iter().eq(tolerations.iter()));
                        }
                    }
                }
            }
        }
    }
}
