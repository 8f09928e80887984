//! `dsr_*_str()`: the name of each value of the C enums, the core's
//! (`as_str()`), so that the CLI, C and Go write the same words
//! (`statusOnly`, `replaceUnavailable`, ...). Each takes the enum as an integer
//! (any value is safe) and returns a static NUL-terminated string, never NULL:
//! `unknown` for a value that is no member.

use core::ffi::{c_char, CStr};

use dsr_core::sync::{
    CreateReason, DeleteReason, HoldReason, Propagation, RolloutHalt, SyncOutcome,
};
use dsr_core::{PodId, Reason};

use crate::types::{
    dsr_create_reason, dsr_delete_reason, dsr_hold_reason, dsr_propagation, dsr_reason_kind,
    dsr_rollout_halt, dsr_sync_outcome,
};

/// A core name as a C string: every core name is ASCII without NUL, so the
/// table below has one for each.
fn c(name: &'static str) -> *const c_char {
    NAMES
        .iter()
        .find(|n| n.to_bytes() == name.as_bytes())
        .map_or(c"unknown".as_ptr(), |n| n.as_ptr())
}

/// Every name the functions below return, NUL-terminated (a test checks that
/// each core name is here).
const NAMES: &[&CStr] = &[
    c"empty",
    c"synced",
    c"statusOnly",
    c"deleting",
    c"selectsEverything",
    c"missing",
    c"replaceUnavailable",
    c"surge",
    c"nodeIneligible",
    c"duplicate",
    c"failed",
    c"succeeded",
    c"nodeMissing",
    c"surgeOldNotReady",
    c"surgeReplaced",
    c"rollingUpdate",
    c"rollingUpdateUnavailable",
    c"rollingUpdateNodeIneligible",
    c"none",
    c"invalidBudget",
    c"missingNode",
    c"Background",
    c"Foreground",
    c"Orphan",
    c"eligible",
    c"nodeNameMismatch",
    c"nodeSelectorMismatch",
    c"nodeAffinityMismatch",
    c"untoleratedTaint",
    c"excess",
    c"noPod",
    c"oldAndNew",
    c"newNotAvailable",
    c"oldNotAvailable",
    c"surgingNewNotAvailable",
    c"nodes",
    c"daemon sets",
    c"pods",
    c"strings",
    c"string bytes",
    c"labels",
    c"taints",
    c"tolerations",
    c"requirements",
    c"values",
    c"terms",
    c"field requirements",
    c"failed-pod backoff",
];

fn sync_outcome(v: u32) -> Option<SyncOutcome> {
    use dsr_sync_outcome::*;
    [
        (DSR_SYNC_OUTCOME_EMPTY, SyncOutcome::Empty),
        (DSR_SYNC_OUTCOME_SYNCED, SyncOutcome::Synced),
        (DSR_SYNC_OUTCOME_STATUS_ONLY, SyncOutcome::StatusOnly),
        (DSR_SYNC_OUTCOME_DELETING, SyncOutcome::Deleting),
        (
            DSR_SYNC_OUTCOME_SELECTS_EVERYTHING,
            SyncOutcome::SelectsEverything,
        ),
    ]
    .into_iter()
    .find(|(k, _)| *k as u32 == v)
    .map(|(_, o)| o)
}

fn create_reason(v: u32) -> Option<CreateReason> {
    use dsr_create_reason::*;
    [
        (DSR_CREATE_REASON_MISSING, CreateReason::Missing),
        (
            DSR_CREATE_REASON_REPLACE_UNAVAILABLE,
            CreateReason::ReplaceUnavailable,
        ),
        (DSR_CREATE_REASON_SURGE, CreateReason::Surge),
    ]
    .into_iter()
    .find(|(k, _)| *k as u32 == v)
    .map(|(_, o)| o)
}

fn delete_reason(v: u32) -> Option<DeleteReason> {
    use dsr_delete_reason::*;
    [
        (
            DSR_DELETE_REASON_NODE_INELIGIBLE,
            DeleteReason::NodeIneligible(Reason::Eligible),
        ),
        (DSR_DELETE_REASON_DUPLICATE, DeleteReason::Duplicate),
        (DSR_DELETE_REASON_FAILED, DeleteReason::Failed),
        (DSR_DELETE_REASON_SUCCEEDED, DeleteReason::Succeeded),
        (DSR_DELETE_REASON_NODE_MISSING, DeleteReason::NodeMissing),
        (
            DSR_DELETE_REASON_SURGE_OLD_NOT_READY,
            DeleteReason::SurgeOldNotReady,
        ),
        (
            DSR_DELETE_REASON_SURGE_REPLACED,
            DeleteReason::SurgeReplaced,
        ),
        (
            DSR_DELETE_REASON_ROLLING_UPDATE,
            DeleteReason::RollingUpdate,
        ),
        (
            DSR_DELETE_REASON_ROLLING_UPDATE_UNAVAILABLE,
            DeleteReason::RollingUpdateUnavailable,
        ),
        (
            DSR_DELETE_REASON_ROLLING_UPDATE_NODE_INELIGIBLE,
            DeleteReason::RollingUpdateNodeIneligible,
        ),
    ]
    .into_iter()
    .find(|(k, _)| *k as u32 == v)
    .map(|(_, o)| o)
}

fn reason_kind(v: u32) -> Option<&'static str> {
    use dsr_reason_kind::*;
    let [eligible, name, selector, affinity, taint] = Reason::KIND_NAMES;
    Some(match dsr_reason_kind::from_u32(v)? {
        DSR_REASON_KIND_ELIGIBLE => eligible,
        DSR_REASON_KIND_NODE_NAME_MISMATCH => name,
        DSR_REASON_KIND_NODE_SELECTOR_MISMATCH => selector,
        DSR_REASON_KIND_NODE_AFFINITY_MISMATCH => affinity,
        DSR_REASON_KIND_UNTOLERATED_TAINT => taint,
    })
}

/// `empty`, `synced`, `statusOnly`, `deleting`, `selectsEverything` for a
/// `dsr_sync_outcome`.
#[no_mangle]
pub extern "C" fn dsr_sync_outcome_str(outcome: u32) -> *const c_char {
    boundary!(value c"unknown".as_ptr(), {
        sync_outcome(outcome).map_or(c"unknown".as_ptr(), |o| c(o.as_str()))
    })
}

/// `missing`, `replaceUnavailable`, `surge` for a `dsr_create_reason`.
#[no_mangle]
pub extern "C" fn dsr_create_reason_str(reason: u32) -> *const c_char {
    boundary!(value c"unknown".as_ptr(), {
        create_reason(reason).map_or(c"unknown".as_ptr(), |r| c(r.as_str()))
    })
}

/// `nodeIneligible`, `duplicate`, `failed`, ... for a `dsr_delete_reason`.
#[no_mangle]
pub extern "C" fn dsr_delete_reason_str(reason: u32) -> *const c_char {
    boundary!(value c"unknown".as_ptr(), {
        delete_reason(reason).map_or(c"unknown".as_ptr(), |r| c(r.as_str()))
    })
}

/// `none`, `invalidBudget`, `missingNode` for a `dsr_rollout_halt`.
#[no_mangle]
pub extern "C" fn dsr_rollout_halt_str(halt: u32) -> *const c_char {
    boundary!(value c"unknown".as_ptr(), {
        use dsr_rollout_halt::*;
        match halt {
            h if h == DSR_ROLLOUT_HALT_NONE as u32 => c"none".as_ptr(),
            h if h == DSR_ROLLOUT_HALT_INVALID_BUDGET as u32 => c(RolloutHalt::InvalidBudget.as_str()),
            h if h == DSR_ROLLOUT_HALT_MISSING_NODE as u32 => c(RolloutHalt::MissingNode.as_str()),
            _ => c"unknown".as_ptr(),
        }
    })
}

/// `Background`, `Foreground`, `Orphan` for a `dsr_propagation`.
#[no_mangle]
pub extern "C" fn dsr_propagation_str(propagation: u32) -> *const c_char {
    boundary!(value c"unknown".as_ptr(), {
        let p = match dsr_propagation::from_u32(propagation) {
            Some(dsr_propagation::DSR_PROPAGATION_BACKGROUND) => Some(Propagation::Background),
            Some(dsr_propagation::DSR_PROPAGATION_FOREGROUND) => Some(Propagation::Foreground),
            Some(dsr_propagation::DSR_PROPAGATION_ORPHAN) => Some(Propagation::Orphan),
            None => None,
        };
        p.map_or(c"unknown".as_ptr(), |p| c(p.as_str()))
    })
}

/// `eligible`, `nodeNameMismatch`, `nodeSelectorMismatch`,
/// `nodeAffinityMismatch`, `untoleratedTaint` for a `dsr_reason_kind`.
#[no_mangle]
pub extern "C" fn dsr_reason_kind_str(kind: u32) -> *const c_char {
    boundary!(value c"unknown".as_ptr(), {
        reason_kind(kind).map_or(c"unknown".as_ptr(), c)
    })
}

/// `excess`, `noPod`, `oldAndNew`, `newNotAvailable`, `oldNotAvailable`,
/// `surgingNewNotAvailable` for a `dsr_hold_reason`.
#[no_mangle]
pub extern "C" fn dsr_hold_reason_str(reason: u32) -> *const c_char {
    boundary!(value c"unknown".as_ptr(), {
        use dsr_hold_reason::*;
        let pod = PodId(0);
        let r = [
            (DSR_HOLD_REASON_EXCESS, HoldReason::Excess),
            (DSR_HOLD_REASON_NO_POD, HoldReason::NoPod),
            (DSR_HOLD_REASON_OLD_AND_NEW, HoldReason::OldAndNew),
            (DSR_HOLD_REASON_NEW_NOT_AVAILABLE, HoldReason::NewNotAvailable { pod: None }),
            (DSR_HOLD_REASON_OLD_NOT_AVAILABLE, HoldReason::OldNotAvailable { pod }),
            (
                DSR_HOLD_REASON_SURGING_NEW_NOT_AVAILABLE,
                HoldReason::SurgingNewNotAvailable { pod: None },
            ),
        ]
        .into_iter()
        .find(|(k, _)| *k as u32 == reason)
        .map(|(_, r)| r);
        r.map_or(c"unknown".as_ptr(), |r| c(r.as_str()))
    })
}

/// The core's name of a `dsr_table` (`nodes`, `daemon sets`, `strings`,
/// `string bytes`, ...: what its full-table errors say).
#[no_mangle]
pub extern "C" fn dsr_table_str(table: u32) -> *const c_char {
    boundary!(value c"unknown".as_ptr(), {
        dsr_core::footprint::TABLES
            .get(table as usize)
            .map_or(c"unknown".as_ptr(), |t| c(t.name()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(p: *const c_char) -> String {
        // SAFETY: the functions return static NUL-terminated strings.
        unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_owned()
    }

    #[test]
    fn every_value_has_the_core_name_and_unknown_values_say_so() {
        for v in 0..5 {
            assert_eq!(
                name(dsr_sync_outcome_str(v)),
                sync_outcome(v).unwrap().as_str()
            );
        }
        assert_eq!(name(dsr_sync_outcome_str(2)), "statusOnly");
        for v in 0..3 {
            assert_eq!(
                name(dsr_create_reason_str(v)),
                create_reason(v).unwrap().as_str()
            );
        }
        for v in 0..10 {
            assert_eq!(
                name(dsr_delete_reason_str(v)),
                delete_reason(v).unwrap().as_str()
            );
        }
        assert_eq!(name(dsr_rollout_halt_str(2)), "missingNode");
        assert_eq!(name(dsr_propagation_str(2)), "Orphan");
        assert_eq!(name(dsr_reason_kind_str(4)), "untoleratedTaint");
        assert_eq!(name(dsr_reason_kind_str(1)), "nodeNameMismatch");
        for v in 0..6 {
            assert_ne!(name(dsr_hold_reason_str(v)), "unknown", "{v}");
        }
        assert_eq!(name(dsr_hold_reason_str(5)), "surgingNewNotAvailable");
        for f in [
            dsr_sync_outcome_str,
            dsr_create_reason_str,
            dsr_delete_reason_str,
            dsr_rollout_halt_str,
            dsr_propagation_str,
            dsr_reason_kind_str,
            dsr_hold_reason_str,
        ] {
            assert_eq!(name(f(99)), "unknown");
        }
    }
}
