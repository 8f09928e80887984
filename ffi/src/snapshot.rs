//! Snapshots of the whole engine and DaemonSet validation.
//!
//! A snapshot is the engine's state (strings, every table, expectations and
//! backoff) behind a header with a magic number, format version, the
//! capacities, the payload length and a CRC-32; the format is the core's
//! (`core/src/snapshot.rs`). Restoring checks all of it before the engine is
//! touched, and refuses bad input with one `DSR_RESULT_SNAPSHOT_*` code per
//! way it can be wrong.

use dsr_core::error::Error;
use dsr_core::selector::RequirementProblem;
use dsr_core::spec::{IntOrPercentProblem, RollingUpdateField, SpecProblem, TolerationProblem};
use dsr_core::taint::NumberProblem;
use dsr_core::validation::ValidationError;

use crate::capacities::CoreEngine;
use crate::convert::{with_daemon_set, zeroed};
use crate::engine::dsr_engine;
use crate::result::dsr_result;
use crate::types::{
    dsr_daemon_set, dsr_spec_detail, dsr_spec_problem, dsr_spec_problem_kind, dsr_validation_error,
    DSR_NONE,
};

use dsr_result::{DSR_RESULT_BUFFER_TOO_SMALL, DSR_RESULT_NOT_FOUND};

/// The largest snapshot an engine of this library's capacities can write, in
/// bytes: a buffer of this size always suffices for `dsr_engine_snapshot()`.
#[no_mangle]
pub extern "C" fn dsr_engine_snapshot_max_size() -> usize {
    boundary!(value 0, { CoreEngine::max_snapshot_size() })
}

/// Writes the engine's whole state into `buf` (`buf_len` bytes) and the
/// snapshot's length into `*out_written`. Store those bytes (flash, disk)
/// and give them to `dsr_engine_restore()` later, in an engine of a library
/// built with the same capacities.
///
/// A buffer that turns out too small is `DSR_RESULT_BUFFER_TOO_SMALL`, with
/// `dsr_engine_snapshot_max_size()` (which always suffices) in
/// `*out_written`. The buffer is scratch space: on failure its contents are
/// unspecified. Plans and the last error are not part of a snapshot.
///
/// # Safety
/// `engine` must be NULL or an engine from `dsr_engine_init()`; `buf` NULL or
/// writable for `buf_len` bytes; `out_written` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_snapshot(
    engine: *const dsr_engine,
    buf: *mut u8,
    buf_len: usize,
    out_written: *mut usize,
) -> dsr_result {
    boundary!({
        let e = try_engine!(engine);
        let out_written = try_out!(out_written);
        // The core writes into `&mut [u8]`: the caller's bytes are zeroed
        // first, never read.
        let bytes = zeroed(try_out_bytes!(buf, buf_len));
        match e.core.snapshot(bytes) {
            Ok(n) => {
                out_written.set(n);
                Ok(())
            }
            Err(err) => {
                let code = dsr_result::from(err);
                if code == DSR_RESULT_BUFFER_TOO_SMALL {
                    out_written.set(CoreEngine::max_snapshot_size());
                }
                Err(err.into())
            }
        }
    })
}

/// Replaces the engine's whole state with a snapshot's: `len` bytes at `buf`,
/// exactly as `dsr_engine_snapshot()` wrote them. Every check runs first
/// (header, length, checksum, every count, symbol and span of the payload);
/// bad input is refused with its `DSR_RESULT_SNAPSHOT_*` code and the engine
/// is left exactly as it was. On success plans made before are stale.
///
/// # Safety
/// `engine` must be NULL or an engine from `dsr_engine_init()`; `buf` NULL or
/// readable for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_restore(
    engine: *mut dsr_engine,
    buf: *const u8,
    len: usize,
) -> dsr_result {
    boundary!({
        try_engine_mut!(engine).run_unit(|e| {
            let bytes = try_slice!(buf, len);
            e.core.restore(bytes)?;
            e.epoch = e.epoch.wrapping_add(1);
            Ok(())
        })
    })
}

/// Checks a DaemonSet as the API server would before accepting it (upstream
/// `ValidateDaemonSet` after the `apps/v1` defaults, for the fields dsr
/// reads): `DSR_RESULT_OK`, or `DSR_RESULT_INVALID_DAEMON_SET` with the
/// first rule it breaks in `dsr_engine_last_spec_problem()` and in words in
/// `dsr_engine_last_error()`. The engine is left as it was (it lends scratch
/// space for the selector check).
///
/// # Safety
/// `engine` must be NULL or an engine from `dsr_engine_init()`; `set` NULL or
/// valid for its `struct_size`, with every pointer it reaches valid for its
/// length.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_validate_daemon_set(
    engine: *mut dsr_engine,
    set: *const dsr_daemon_set,
) -> dsr_result {
    boundary!({
        try_engine_mut!(engine).run_unit(|e| {
            let mut slot = core::mem::MaybeUninit::<dsr_daemon_set>::uninit();
            let set: &dsr_daemon_set = try_struct!(set, slot);
            e.with_scratch(|c, s| with_daemon_set(s, set, |d| Ok(c.validate_daemon_set(d)?)))
        })
    })
}

/// When the engine's last failure was `DSR_RESULT_INVALID_DAEMON_SET`, which
/// rule the DaemonSet broke, into `*out`; otherwise `DSR_RESULT_NOT_FOUND`.
///
/// # Safety
/// `engine` must be NULL or an engine from `dsr_engine_init()`; `out` NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_last_spec_problem(
    engine: *const dsr_engine,
    out: *mut dsr_spec_problem,
) -> dsr_result {
    boundary!({
        let e = try_engine!(engine);
        let out = try_out!(out);
        match e.last.and_then(|f| f.core) {
            Some(Error::Spec(p)) => {
                out.set(spec_problem(&p));
                Ok(())
            }
            _ => Err(DSR_RESULT_NOT_FOUND.into()),
        }
    })
}

fn validation(e: ValidationError) -> dsr_validation_error {
    use dsr_validation_error::*;
    match e {
        ValidationError::Empty => DSR_VALIDATION_EMPTY,
        ValidationError::TooLong { .. } => DSR_VALIDATION_TOO_LONG,
        ValidationError::InvalidFormat => DSR_VALIDATION_INVALID_FORMAT,
        ValidationError::TooManySlashes => DSR_VALIDATION_TOO_MANY_SLASHES,
        ValidationError::EmptyPrefix => DSR_VALIDATION_EMPTY_PREFIX,
        ValidationError::PrefixTooLong { .. } => DSR_VALIDATION_PREFIX_TOO_LONG,
        ValidationError::InvalidPrefix => DSR_VALIDATION_INVALID_PREFIX,
        _ => DSR_VALIDATION_OTHER,
    }
}

fn requirement(p: RequirementProblem) -> (dsr_spec_detail, dsr_validation_error) {
    use dsr_spec_detail::*;
    let none = dsr_validation_error::DSR_VALIDATION_NONE;
    match p {
        RequirementProblem::UnknownOperator => (DSR_SPEC_DETAIL_UNKNOWN_OPERATOR, none),
        RequirementProblem::Key(e) => (DSR_SPEC_DETAIL_KEY, validation(e)),
        RequirementProblem::ValueCount => (DSR_SPEC_DETAIL_VALUE_COUNT, none),
        RequirementProblem::NotAnInteger => (DSR_SPEC_DETAIL_NOT_AN_INTEGER, none),
        RequirementProblem::Value(e) => (DSR_SPEC_DETAIL_VALUE, validation(e)),
    }
}

fn toleration(p: TolerationProblem) -> (dsr_spec_detail, dsr_validation_error) {
    use dsr_spec_detail::*;
    let none = dsr_validation_error::DSR_VALIDATION_NONE;
    match p {
        TolerationProblem::Key(e) => (DSR_SPEC_DETAIL_KEY, validation(e)),
        TolerationProblem::EmptyKeyNeedsExists => (DSR_SPEC_DETAIL_EMPTY_KEY_NEEDS_EXISTS, none),
        TolerationProblem::SecondsWithoutNoExecute => {
            (DSR_SPEC_DETAIL_SECONDS_WITHOUT_NO_EXECUTE, none)
        }
        TolerationProblem::Value(e) => (DSR_SPEC_DETAIL_VALUE, validation(e)),
        TolerationProblem::ValueWithExists => (DSR_SPEC_DETAIL_VALUE_WITH_EXISTS, none),
        TolerationProblem::Operator => (DSR_SPEC_DETAIL_OPERATOR, none),
        TolerationProblem::Effect => (DSR_SPEC_DETAIL_EFFECT, none),
        TolerationProblem::ComparisonValue(NumberProblem::NotCanonical) => {
            (DSR_SPEC_DETAIL_NOT_CANONICAL_INTEGER, none)
        }
        TolerationProblem::ComparisonValue(NumberProblem::OutOfRange) => {
            (DSR_SPEC_DETAIL_OUT_OF_RANGE, none)
        }
    }
}

/// The C form of a spec problem.
pub(crate) fn spec_problem(p: &SpecProblem) -> dsr_spec_problem {
    use dsr_spec_detail::*;
    use dsr_spec_problem_kind::*;
    let none = dsr_validation_error::DSR_VALIDATION_NONE;
    let plain = |kind: dsr_spec_problem_kind| (kind, DSR_NONE, DSR_SPEC_DETAIL_NONE, none);
    let (kind, index, detail, valid) = match *p {
        SpecProblem::Name(e) => (
            DSR_SPEC_PROBLEM_NAME,
            DSR_NONE,
            DSR_SPEC_DETAIL_NONE,
            validation(e),
        ),
        SpecProblem::Namespace(e) => (
            DSR_SPEC_PROBLEM_NAMESPACE,
            DSR_NONE,
            DSR_SPEC_DETAIL_NONE,
            validation(e),
        ),
        SpecProblem::SelectorMissing => plain(DSR_SPEC_PROBLEM_SELECTOR_MISSING),
        SpecProblem::SelectorEmpty => plain(DSR_SPEC_PROBLEM_SELECTOR_EMPTY),
        SpecProblem::Selector(r) => {
            let (d, v) = requirement(r);
            (DSR_SPEC_PROBLEM_SELECTOR, DSR_NONE, d, v)
        }
        SpecProblem::SelectorDoesNotMatchTemplate => {
            plain(DSR_SPEC_PROBLEM_SELECTOR_DOES_NOT_MATCH_TEMPLATE)
        }
        SpecProblem::TemplateLabel(r) => {
            let (d, v) = requirement(r);
            (DSR_SPEC_PROBLEM_TEMPLATE_LABEL, DSR_NONE, d, v)
        }
        SpecProblem::NodeSelector(r) => {
            let (d, v) = requirement(r);
            (DSR_SPEC_PROBLEM_NODE_SELECTOR, DSR_NONE, d, v)
        }
        SpecProblem::AffinityNoTerms => plain(DSR_SPEC_PROBLEM_AFFINITY_NO_TERMS),
        SpecProblem::AffinityTerm { term } => (
            DSR_SPEC_PROBLEM_AFFINITY_TERM,
            term,
            DSR_SPEC_DETAIL_NONE,
            none,
        ),
        SpecProblem::Toleration { index, problem } => {
            let (d, v) = toleration(problem);
            (DSR_SPEC_PROBLEM_TOLERATION, index, d, v)
        }
        SpecProblem::NoContainers => plain(DSR_SPEC_PROBLEM_NO_CONTAINERS),
        SpecProblem::ContainerName { index } => (
            DSR_SPEC_PROBLEM_CONTAINER_NAME,
            index,
            DSR_SPEC_DETAIL_NONE,
            none,
        ),
        SpecProblem::DuplicateContainerName { index } => (
            DSR_SPEC_PROBLEM_DUPLICATE_CONTAINER_NAME,
            index,
            DSR_SPEC_DETAIL_NONE,
            none,
        ),
        SpecProblem::RestartPolicy => plain(DSR_SPEC_PROBLEM_RESTART_POLICY),
        SpecProblem::ActiveDeadlineSeconds => plain(DSR_SPEC_PROBLEM_ACTIVE_DEADLINE_SECONDS),
        SpecProblem::MinReadySeconds => plain(DSR_SPEC_PROBLEM_MIN_READY_SECONDS),
        SpecProblem::RevisionHistoryLimit => plain(DSR_SPEC_PROBLEM_REVISION_HISTORY_LIMIT),
        SpecProblem::UpdateStrategyType => plain(DSR_SPEC_PROBLEM_UPDATE_STRATEGY_TYPE),
        SpecProblem::RollingUpdate { field, problem } => {
            let kind = match field {
                RollingUpdateField::MaxUnavailable => DSR_SPEC_PROBLEM_MAX_UNAVAILABLE,
                RollingUpdateField::MaxSurge => DSR_SPEC_PROBLEM_MAX_SURGE,
            };
            let detail = match problem {
                IntOrPercentProblem::Negative => DSR_SPEC_DETAIL_NEGATIVE,
                IntOrPercentProblem::NotAPercent => DSR_SPEC_DETAIL_NOT_A_PERCENT,
                IntOrPercentProblem::OverHundredPercent => DSR_SPEC_DETAIL_OVER_HUNDRED_PERCENT,
            };
            (kind, DSR_NONE, detail, none)
        }
        SpecProblem::SurgeWithUnavailable => plain(DSR_SPEC_PROBLEM_SURGE_WITH_UNAVAILABLE),
        SpecProblem::NoUpdateBudget => plain(DSR_SPEC_PROBLEM_NO_UPDATE_BUDGET),
        _ => plain(DSR_SPEC_PROBLEM_OTHER),
    };
    dsr_spec_problem {
        kind: kind as u32,
        index,
        detail: detail as u32,
        validation: valid as u32,
    }
}
