//! The one error type of the core.
//!
//! Every fallible operation returns [`Error`]. An operation that fails leaves every
//! table exactly as it was before the call.

use core::fmt;

use crate::selector::syntax::ParseError;
use crate::selector::RequirementProblem;
use crate::spec::SpecProblem;
use crate::text::put;

/// Why a snapshot was refused (the module needs the `snapshot` feature).
#[cfg(feature = "snapshot")]
pub use crate::snapshot::SnapshotError;
#[cfg(not(feature = "snapshot"))]
pub use snapshot_off::SnapshotError;

#[cfg(not(feature = "snapshot"))]
mod snapshot_off {
    /// Why a snapshot was refused; without the `snapshot` feature there are none.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[cfg_attr(feature = "defmt", derive(defmt::Format))]
    pub enum SnapshotError {}

    impl crate::text::Piece for SnapshotError {
        fn put<W: core::fmt::Write + ?Sized>(&self, _: &mut W) -> core::fmt::Result {
            match *self {}
        }
    }

    crate::text::display_via_piece!(SnapshotError);
}
use crate::validation::ValidationError;

/// A fixed-capacity table of the engine, named in [`Error::Full`] so that the
/// integrator knows which capacity to raise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Table {
    /// Interned strings (count).
    Strings,
    /// Bytes of interned strings.
    StringBytes,
    /// Nodes.
    Nodes,
    /// DaemonSets.
    DaemonSets,
    /// Pods.
    Pods,
    /// Labels of nodes, pods, templates and `matchLabels`.
    Labels,
    /// Taints of nodes.
    Taints,
    /// Tolerations of DaemonSet templates.
    Tolerations,
    /// Label-selector and node-selector requirements.
    Requirements,
    /// Values of requirements.
    Values,
    /// Node-affinity terms.
    Terms,
    /// Node-affinity `matchFields` requirements.
    Fields,
    /// A caller-provided output buffer (a plan, a list of names).
    Output,
    /// Failed-pod backoff entries (one per DaemonSet and node with a recently
    /// deleted failed pod; as many as there are pods).
    Backoff,
    /// Remembered ControllerRevisions (one per DaemonSet, or per DaemonSet a
    /// revision arrived before; as many as there are DaemonSets).
    Revisions,
}

impl Table {
    /// The table's name as it appears in messages.
    pub const fn name(self) -> &'static str {
        match self {
            Table::Strings => "strings",
            Table::StringBytes => "string bytes",
            Table::Nodes => "nodes",
            Table::DaemonSets => "daemon sets",
            Table::Pods => "pods",
            Table::Labels => "labels",
            Table::Taints => "taints",
            Table::Tolerations => "tolerations",
            Table::Requirements => "requirements",
            Table::Values => "values",
            Table::Terms => "terms",
            Table::Fields => "field requirements",
            Table::Output => "output",
            Table::Backoff => "failed-pod backoff",
            Table::Revisions => "controller revisions",
        }
    }
}

/// Which input field an [`Error::Invalid`] or [`Error::TooLong`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Field {
    /// An object's `metadata.name`.
    Name,
    /// An object's `metadata.namespace`.
    Namespace,
    /// An object's `metadata.uid`.
    Uid,
    /// A label key (`metadata.labels`, `nodeSelector`, a selector requirement).
    LabelKey,
    /// A label value.
    LabelValue,
    /// A DaemonSet's `spec.selector`.
    Selector,
    /// A selector requirement's `operator`.
    Operator,
    /// A selector requirement's `values`.
    Values,
    /// A node-affinity `matchFields` requirement.
    MatchFields,
    /// A taint.
    Taint,
    /// A toleration.
    Toleration,
    /// `spec.template.metadata.labels`: the selector does not match them.
    TemplateLabels,
    /// `spec.template.spec.restartPolicy`.
    RestartPolicy,
    /// `spec.updateStrategy`.
    UpdateStrategy,
    /// `spec.minReadySeconds`, `spec.revisionHistoryLimit` and other counts.
    Count,
    /// `spec.template.spec.nodeName`.
    NodeName,
    /// A pod's phase or other status field.
    Status,
    /// A timestamp.
    Time,
    /// Required node affinity's `nodeSelectorTerms`.
    NodeSelectorTerms,
    /// A node-selector term's `matchExpressions`.
    MatchExpressions,
}

impl Field {
    /// The field's name as it appears in messages.
    pub const fn name(self) -> &'static str {
        match self {
            Field::Name => "metadata.name",
            Field::Namespace => "metadata.namespace",
            Field::Uid => "metadata.uid",
            Field::LabelKey => "label key",
            Field::LabelValue => "label value",
            Field::Selector => "spec.selector",
            Field::Operator => "operator",
            Field::Values => "values",
            Field::MatchFields => "matchFields",
            Field::Taint => "taint",
            Field::Toleration => "toleration",
            Field::TemplateLabels => "spec.template.metadata.labels",
            Field::RestartPolicy => "spec.template.spec.restartPolicy",
            Field::UpdateStrategy => "spec.updateStrategy",
            Field::Count => "count",
            Field::NodeName => "spec.template.spec.nodeName",
            Field::Status => "status",
            Field::Time => "time",
            Field::NodeSelectorTerms => "spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms",
            Field::MatchExpressions => "matchExpressions",
        }
    }
}

/// Everything that can go wrong in the core.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A fixed-capacity table is full; `capacity` is its size.
    Full {
        /// The table that is full.
        table: Table,
        /// Its capacity, as chosen by the integrator.
        capacity: u32,
    },
    /// A string is longer than Kubernetes allows for the field.
    TooLong {
        /// The field.
        field: Field,
        /// The maximum length in bytes.
        max: u32,
    },
    /// A value fails validation.
    Invalid {
        /// The field.
        field: Field,
        /// Why.
        reason: ValidationError,
    },
    /// A selector requirement fails upstream's requirement checks.
    Requirement {
        /// The selector it belongs to.
        field: Field,
        /// What is wrong.
        problem: RequirementProblem,
    },
    /// A selector string does not parse.
    Parse(ParseError),
    /// A DaemonSet spec the API server would reject.
    Spec(SpecProblem),
    /// A snapshot could not be written or restored.
    Snapshot(SnapshotError),
    /// An object with this name (or uid) is already in the table.
    Duplicate(Table),
    /// No object with this id or name.
    NotFound(Table),
    /// A feature gate dsr does not know, or a `--feature-gates` value that does not
    /// parse.
    FeatureGate(crate::gates::GateError),
    /// A list has more entries than dsr numbers (positions are kept in 16 bits, so
    /// that messages can name an entry): see
    /// [`POSITIONS_MAX`](crate::daemonset::POSITIONS_MAX).
    TooMany {
        /// The list.
        field: Field,
        /// The most entries dsr takes.
        max: u32,
    },
    /// An internal invariant does not hold: a bug in dsr, never the caller's fault.
    LogicBug,
    /// A reason (or answer) was worked out from a version of a DaemonSet or node
    /// that has since been updated or removed: ask again.
    StaleReason,
}

impl Error {
    /// Shorthand for an invalid field.
    pub const fn invalid(field: Field, reason: ValidationError) -> Self {
        Error::Invalid { field, reason }
    }
}

impl From<ParseError> for Error {
    fn from(e: ParseError) -> Self {
        Error::Parse(e)
    }
}

impl Error {
    /// Writes the error as `Display` does, with `write_str` alone: no
    /// `core::fmt` formatting machinery is linked for it (firmware; see
    /// `src/text.rs`).
    pub fn write_text<W: fmt::Write + ?Sized>(&self, f: &mut W) -> fmt::Result {
        match self {
            Error::Full { table, capacity } => {
                put!(f, table.name(), " table is full (capacity ", *capacity, ")")
            }
            Error::TooLong { field, max } => {
                put!(f, field.name(), " is too long (at most ", *max, " bytes)")
            }
            Error::Invalid { field, reason } => put!(f, "invalid ", field.name(), ": ", *reason),
            Error::Requirement { field, problem } => {
                put!(f, "invalid requirement in ", field.name(), ": ", *problem)
            }
            Error::Parse(e) => put!(f, "selector does not parse: ", *e),
            Error::Spec(p) => put!(f, "invalid DaemonSet: ", *p),
            Error::Snapshot(e) => put!(f, "snapshot: ", *e),
            Error::Duplicate(t) => put!(f, "already in the ", t.name(), " table"),
            Error::NotFound(t) => put!(f, "not in the ", t.name(), " table"),
            Error::FeatureGate(e) => put!(f, "feature gates: ", *e),
            Error::TooMany { field, max } => put!(
                f,
                field.name(),
                " has more than ",
                *max,
                " entries, the most dsr takes"
            ),
            Error::LogicBug => f.write_str("internal invariant violated (a bug in dsr)"),
            Error::StaleReason => f.write_str(
                "the reason is stale: its DaemonSet or node was updated or removed since",
            ),
        }
    }
}

impl crate::text::Piece for Error {
    fn put<W: fmt::Write + ?Sized>(&self, w: &mut W) -> fmt::Result {
        self.write_text(w)
    }
}

crate::text::display_via_piece!(Error);

#[cfg(feature = "defmt")]
impl defmt::Format for Error {
    fn format(&self, f: defmt::Formatter) {
        match self {
            Error::Full { table, capacity } => {
                defmt::write!(
                    f,
                    "{=str} table full (capacity {=u32})",
                    table.name(),
                    capacity
                )
            }
            Error::TooLong { field, max } => {
                defmt::write!(f, "{=str} too long (max {=u32})", field.name(), max)
            }
            Error::Invalid { field, .. } => defmt::write!(f, "invalid {=str}", field.name()),
            Error::Requirement { field, .. } => {
                defmt::write!(f, "invalid requirement in {=str}", field.name())
            }
            Error::Parse(_) => defmt::write!(f, "selector does not parse"),
            Error::Spec(p) => defmt::write!(f, "invalid DaemonSet: {}", p),
            Error::Snapshot(e) => defmt::write!(f, "snapshot: {}", e),
            Error::Duplicate(t) => defmt::write!(f, "duplicate in {=str}", t.name()),
            Error::NotFound(t) => defmt::write!(f, "not found in {=str}", t.name()),
            Error::FeatureGate(e) => defmt::write!(f, "feature gates: {}", e),
            Error::TooMany { field, max } => {
                defmt::write!(f, "{=str}: more than {=u32}", field.name(), max)
            }
            Error::LogicBug => defmt::write!(f, "logic bug"),
            Error::StaleReason => defmt::write!(f, "stale reason"),
        }
    }
}

/// Result with the core's [`Error`].
pub type Result<T> = core::result::Result<T, Error>;

/// `n` as the `u32` an [`Error`] carries, `u32::MAX` for more (a capacity
/// of over four billion entries).
pub(crate) const fn saturating_u32(n: usize) -> u32 {
    if n > u32::MAX as usize {
        u32::MAX
    } else {
        n as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_result_fits_in_two_registers() {
        // Every fallible call returns a `Result<_, Error>` and every `?` moves
        // one: at 16 bytes it travels in two registers on 64-bit targets (at 40
        // it went through memory: 3.6 KB more .text in the json firmware
        // program, 2.8 KB without json; it is 12 now). A wider payload in a
        // variant (a `usize` where a `u32` or `u16` holds every value) grows
        // it back.
        assert!(core::mem::size_of::<Error>() <= 16);
        assert!(core::mem::size_of::<Result<()>>() <= 16);
        assert!(core::mem::size_of::<Result<crate::intern::Sym>>() <= 16);
    }
}
