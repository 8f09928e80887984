//! The one name of each value of the sync's enums, as the CLI's JSON, the C
//! API (`dsr_*_str`) and the Go package (`String()`) write them.

use crate::eligibility::Reason;
use crate::sync::owner::Propagation;
use crate::sync::plan::{CreateReason, DeleteReason, HoldReason, RolloutHalt, SyncOutcome};

impl SyncOutcome {
    /// `empty`, `synced`, `statusOnly`, `deleting` or `selectsEverything`.
    pub const fn as_str(self) -> &'static str {
        match self {
            SyncOutcome::Empty => "empty",
            SyncOutcome::Synced => "synced",
            SyncOutcome::StatusOnly => "statusOnly",
            SyncOutcome::Deleting => "deleting",
            SyncOutcome::SelectsEverything => "selectsEverything",
        }
    }
}

impl CreateReason {
    /// `missing`, `replaceUnavailable` or `surge`.
    pub const fn as_str(self) -> &'static str {
        match self {
            CreateReason::Missing => "missing",
            CreateReason::ReplaceUnavailable => "replaceUnavailable",
            CreateReason::Surge => "surge",
        }
    }
}

impl DeleteReason {
    /// `nodeIneligible`, `duplicate`, `failed`, `succeeded`, `nodeMissing`,
    /// `surgeOldNotReady`, `surgeReplaced`, `rollingUpdate`,
    /// `rollingUpdateUnavailable` or `rollingUpdateNodeIneligible`.
    pub const fn as_str(&self) -> &'static str {
        match self {
            DeleteReason::NodeIneligible(_) => "nodeIneligible",
            DeleteReason::Duplicate => "duplicate",
            DeleteReason::Failed => "failed",
            DeleteReason::Succeeded => "succeeded",
            DeleteReason::NodeMissing => "nodeMissing",
            DeleteReason::SurgeOldNotReady => "surgeOldNotReady",
            DeleteReason::SurgeReplaced => "surgeReplaced",
            DeleteReason::RollingUpdate => "rollingUpdate",
            DeleteReason::RollingUpdateUnavailable => "rollingUpdateUnavailable",
            DeleteReason::RollingUpdateNodeIneligible => "rollingUpdateNodeIneligible",
        }
    }
}

impl RolloutHalt {
    /// `invalidBudget` or `missingNode`.
    pub const fn as_str(self) -> &'static str {
        match self {
            RolloutHalt::InvalidBudget => "invalidBudget",
            RolloutHalt::MissingNode => "missingNode",
        }
    }
}

impl HoldReason {
    /// `excess`, `noPod`, `oldAndNew`, `newNotAvailable`, `oldNotAvailable` or
    /// `surgingNewNotAvailable`.
    pub const fn as_str(&self) -> &'static str {
        match self {
            HoldReason::Excess => "excess",
            HoldReason::NoPod => "noPod",
            HoldReason::OldAndNew => "oldAndNew",
            HoldReason::NewNotAvailable { .. } => "newNotAvailable",
            HoldReason::OldNotAvailable { .. } => "oldNotAvailable",
            HoldReason::SurgingNewNotAvailable { .. } => "surgingNewNotAvailable",
        }
    }
}

impl Propagation {
    /// `Background`, `Foreground` or `Orphan`, as the API's
    /// `propagationPolicy` writes them.
    pub const fn as_str(self) -> &'static str {
        match self {
            Propagation::Background => "Background",
            Propagation::Foreground => "Foreground",
            Propagation::Orphan => "Orphan",
        }
    }
}

impl Reason {
    /// The names of the kinds of reason, in the order the variants are
    /// declared: `eligible`, `nodeNameMismatch`, `nodeSelectorMismatch`,
    /// `nodeAffinityMismatch`, `untoleratedTaint`.
    pub const KIND_NAMES: [&'static str; 5] = [
        "eligible",
        "nodeNameMismatch",
        "nodeSelectorMismatch",
        "nodeAffinityMismatch",
        "untoleratedTaint",
    ];

    /// The reason's kind, one of [`KIND_NAMES`](Self::KIND_NAMES).
    pub const fn kind_str(&self) -> &'static str {
        let [eligible, name, selector, affinity, taint] = Self::KIND_NAMES;
        match self {
            Reason::Eligible => eligible,
            Reason::NodeNameMismatch { .. } => name,
            Reason::NodeSelectorMismatch { .. } => selector,
            Reason::NodeAffinityMismatch { .. } => affinity,
            Reason::UntoleratedTaint(_) => taint,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_ones_the_cli_and_vectors_use() {
        assert_eq!(SyncOutcome::StatusOnly.as_str(), "statusOnly");
        assert_eq!(
            CreateReason::ReplaceUnavailable.as_str(),
            "replaceUnavailable"
        );
        assert_eq!(
            DeleteReason::RollingUpdateNodeIneligible.as_str(),
            "rollingUpdateNodeIneligible"
        );
        assert_eq!(RolloutHalt::MissingNode.as_str(), "missingNode");
        assert_eq!(
            HoldReason::SurgingNewNotAvailable { pod: None }.as_str(),
            "surgingNewNotAvailable"
        );
        assert_eq!(Propagation::Orphan.as_str(), "Orphan");
        assert_eq!(Reason::Eligible.kind_str(), "eligible");
    }
}
