//! Pods and the sync: one DaemonSet's plan (creates, deletes, adoptions,
//! releases, status), kept in the engine and read entry by entry; what the
//! caller reports back (observed creates and deletes, adopted and released
//! pods); deleting a DaemonSet with a propagation policy.
//!
//! A round: `dsr_engine_sync()` plans; the caller creates the pods it asks
//! for (labels from `dsr_engine_new_pod_labels()`), deletes the pods it names,
//! adds and removes them in the engine as they appear and go, and reports
//! each planned create and delete with `dsr_engine_observe_creates()` /
//! `_deletes()`; the next sync then plans from there.

use core::ffi::{c_char, c_void};

use dsr_core::error::Field;
use dsr_core::sync::{
    CreateReason, DeleteReason, HoldReason, Propagation, RolloutHalt, SyncOutcome, BURST_REPLICAS,
};
use dsr_core::{PodId, Reason, SetId, Timestamp};

use crate::capacities::{build, CoreEngine, CorePlan};
use crate::convert::with_pod;
use crate::engine::{check_name, check_text, dsr_engine, write_text, State};
use crate::result::dsr_result;
use crate::types::{
    dsr_create_reason, dsr_daemon_set_status, dsr_delete_reason, dsr_expectations, dsr_hold_reason,
    dsr_label, dsr_plan_create, dsr_plan_delete, dsr_plan_hold, dsr_plan_info, dsr_pod,
    dsr_propagation, dsr_reason_kind, dsr_rollout_budget, dsr_rollout_halt, dsr_str,
    dsr_sync_outcome, DSR_NONE,
};

use dsr_result::{
    DSR_RESULT_BAD_LENGTH, DSR_RESULT_BUFFER_TOO_SMALL, DSR_RESULT_MISALIGNED,
    DSR_RESULT_NOT_A_PLAN, DSR_RESULT_NOT_FOUND, DSR_RESULT_NULL_POINTER, DSR_RESULT_STALE_PLAN,
    DSR_RESULT_UNKNOWN_ENUM,
};

// The plan must hold one pass of creates for the sync to be useful; a smaller
// DSR_PLAN still works, with DSR_RESULT_FULL_OUTPUT on larger clusters.
const _: () = assert!(build::PLAN >= 1 && BURST_REPLICAS >= 1);

/// A Rust string as a `dsr_str` (borrowing its bytes).
pub(crate) fn c_str(s: &str) -> dsr_str {
    dsr_str {
        ptr: s.as_ptr().cast::<c_char>(),
        len: s.len(),
    }
}

/// `"dsr_pln1"`: marks memory that `dsr_plan_init()` set up.
const PLAN_MAGIC: u64 = u64::from_be_bytes(*b"dsr_pln1");

/// A sync's plan, in memory the caller gave to `dsr_plan_init()`: a node
/// manager holds one per DaemonSet it syncs. Opaque to C.
pub struct dsr_plan {
    magic: u64,
    /// The engine whose `dsr_engine_sync()` filled it (its address; 0: none
    /// yet), and that engine's epoch then.
    engine: usize,
    epoch: u64,
    /// When it was planned (for the rollout's held-back report).
    now: Timestamp,
    plan: CorePlan,
}

/// Bytes of memory a plan needs (`DSR_PLAN_SIZE` of the build's
/// `dsr_config.h`).
#[no_mangle]
pub extern "C" fn dsr_plan_size() -> usize {
    boundary!(value 0, { core::mem::size_of::<dsr_plan>() })
}

/// Alignment, in bytes, of the memory a plan needs (`DSR_PLAN_ALIGN`).
#[no_mangle]
pub extern "C" fn dsr_plan_align() -> usize {
    boundary!(value 0, { core::mem::align_of::<dsr_plan>() })
}

/// Sets up an empty plan in `len` bytes at `mem` (aligned to
/// `dsr_plan_align()`, at least `dsr_plan_size()` bytes) and stores its handle
/// in `*out`. `dsr_engine_sync()` fills it; a caller may hold as many as it
/// likes (one per DaemonSet). Like an engine, it holds no other resource.
///
/// # Safety
/// `mem` must be NULL or valid for writing `len` bytes for as long as the
/// plan is used, and not be used otherwise meanwhile; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn dsr_plan_init(
    mem: *mut c_void,
    len: usize,
    out: *mut *mut dsr_plan,
) -> dsr_result {
    boundary!({
        let out = try_out!(out);
        if mem.is_null() {
            return Err(DSR_RESULT_NULL_POINTER.into());
        }
        let p = mem.cast::<dsr_plan>();
        if !p.is_aligned() {
            return Err(DSR_RESULT_MISALIGNED.into());
        }
        if len < core::mem::size_of::<dsr_plan>() {
            return Err(DSR_RESULT_BAD_LENGTH.into());
        }
        // SAFETY: non-NULL, aligned, `len` >= size_of::<dsr_plan>() writable
        // bytes (checked and by contract); `write` does not read the old
        // contents.
        unsafe {
            p.write(dsr_plan {
                magic: PLAN_MAGIC,
                engine: 0,
                epoch: 0,
                now: Timestamp(0),
                plan: CorePlan::new(),
            });
        }
        out.set(p);
        Ok(())
    })
}

/// Checks a plan pointer as [`crate::engine`] checks engines.
///
/// # Safety
/// When not NULL and aligned, `p` must point to at least 8 readable bytes, and
/// to a `dsr_plan` valid for `'a` if those bytes hold its magic number.
unsafe fn plan_ptr<'a>(p: *const dsr_plan) -> Result<&'a dsr_plan, dsr_result> {
    if p.is_null() {
        return Err(DSR_RESULT_NULL_POINTER);
    }
    if !p.is_aligned() {
        return Err(DSR_RESULT_MISALIGNED);
    }
    // SAFETY: non-NULL and aligned; the caller promises the bytes are readable.
    // Only the magic is read before trusting the rest.
    let magic = unsafe { core::ptr::addr_of!((*p).magic).read_volatile() };
    if magic != PLAN_MAGIC {
        return Err(DSR_RESULT_NOT_A_PLAN);
    }
    // SAFETY: set up by dsr_plan_init (magic), valid for 'a by contract.
    Ok(unsafe { &*p })
}

/// `&dsr_plan` from a `const dsr_plan *` argument.
macro_rules! try_plan {
    ($p:expr) => {
        // SAFETY: the exported function's contract (see `convert`).
        unsafe { plan_ptr($p) }?
    };
}

/// `&mut dsr_plan` from a `dsr_plan *` argument.
macro_rules! try_plan_mut {
    ($p:expr) => {{
        let p: *mut dsr_plan = $p;
        try_plan!(p);
        // SAFETY: checked above; the contract gives the call the plan alone.
        unsafe { &mut *p }
    }};
}

/// The plan's core plan when it is this engine's and current: a plan another
/// engine filled, or filled before the engine was cleared, restored, set up
/// again or lost a DaemonSet, is `DSR_RESULT_STALE_PLAN`; an empty plan is
/// read as empty.
fn current<'p>(
    engine: *const dsr_engine,
    e: &State,
    plan: &'p dsr_plan,
) -> Result<&'p CorePlan, dsr_result> {
    if plan.engine == 0 || (plan.engine == engine as usize && plan.epoch == e.epoch) {
        Ok(&plan.plan)
    } else {
        Err(DSR_RESULT_STALE_PLAN)
    }
}

/// Adds a pod and stores its id in `*out_id`. `ns`/`name` is unique
/// (`DSR_RESULT_DUPLICATE`); an empty name, or a name or namespace with an
/// embedded NUL, is `DSR_RESULT_INVALID_NAME`, the last error naming the field
/// (an empty namespace is taken, as upstream's tests leave it). Ids of removed
/// pods are reused.
///
/// # Safety
/// `engine` must be NULL or an engine from `dsr_engine_init()`; `pod` NULL or
/// valid for its `struct_size`, with every pointer in it valid for its
/// length; `out_id` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_add_pod(
    engine: *mut dsr_engine,
    pod: *const dsr_pod,
    out_id: *mut u32,
) -> dsr_result {
    boundary!({
        try_engine_mut!(engine).run_unit(|e| {
            let mut slot = core::mem::MaybeUninit::<dsr_pod>::uninit();
            let pod: &dsr_pod = try_struct!(pod, slot);
            let out = try_out!(out_id);
            check_name(try_str!(pod.name))?;
            check_text(try_str!(pod.ns), Field::Namespace)?;
            let id = e.with_scratch(|c, s| with_pod(s, pod, |p| Ok(c.add_pod(p)?)))?;
            out.set(id.0);
            Ok(())
        })
    })
}

/// Replaces pod `id`'s fields, keeping its id (a pod turned ready, scheduled,
/// failed, or started deleting).
///
/// # Safety
/// As `dsr_engine_add_pod()`.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_update_pod(
    engine: *mut dsr_engine,
    id: u32,
    pod: *const dsr_pod,
) -> dsr_result {
    boundary!({
        try_engine_mut!(engine).run_unit(|e| {
            let mut slot = core::mem::MaybeUninit::<dsr_pod>::uninit();
            let pod: &dsr_pod = try_struct!(pod, slot);
            check_name(try_str!(pod.name))?;
            check_text(try_str!(pod.ns), Field::Namespace)?;
            e.with_scratch(|c, s| with_pod(s, pod, |p| Ok(c.update_pod(PodId(id), p)?)))
        })
    })
}

/// Removes pod `id` (it is gone from the cluster).
///
/// # Safety
/// `engine` must be NULL or an engine from `dsr_engine_init()`.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_remove_pod(engine: *mut dsr_engine, id: u32) -> dsr_result {
    boundary!({ try_engine_mut!(engine).run_unit(|e| Ok(e.core.remove_pod(PodId(id))?)) })
}

/// Stores the id of the pod `ns`/`name` in `*out_id`, or returns
/// `DSR_RESULT_NOT_FOUND`.
///
/// # Safety
/// `engine` must be NULL or an engine from `dsr_engine_init()`; `ns` and
/// `name` valid for their lengths; `out_id` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_find_pod(
    engine: *const dsr_engine,
    ns: dsr_str,
    name: dsr_str,
    out_id: *mut u32,
) -> dsr_result {
    boundary!({
        let e = try_engine!(engine);
        let out = try_out!(out_id);
        let id = e
            .core
            .find_pod(try_str!(ns), try_str!(name))
            .ok_or(DSR_RESULT_NOT_FOUND)?;
        out.set(id.0);
        Ok(())
    })
}

/// Stores the number of pods in `*out`.
///
/// # Safety
/// `engine` must be NULL or an engine from `dsr_engine_init()`; `out` NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_pod_count(
    engine: *const dsr_engine,
    out: *mut usize,
) -> dsr_result {
    boundary!({
        let e = try_engine!(engine);
        try_out!(out).set(e.core.pod_count());
        Ok(())
    })
}

/// Records pod `pod_id`'s new controller: DaemonSet `set_id` after the caller
/// adopted the pod (a plan's adoptions), or none (`set_id` = `DSR_NONE`)
/// after the caller released it (a plan's releases).
///
/// # Safety
/// `engine` must be NULL or an engine from `dsr_engine_init()`.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_set_pod_controller(
    engine: *mut dsr_engine,
    pod_id: u32,
    set_id: u32,
) -> dsr_result {
    boundary!({
        let controller = (set_id != DSR_NONE).then_some(SetId(set_id));
        try_engine_mut!(engine)
            .run_unit(|e| Ok(e.core.set_pod_controller(PodId(pod_id), controller)?))
    })
}

fn outcome(o: SyncOutcome) -> dsr_sync_outcome {
    use dsr_sync_outcome::*;
    match o {
        SyncOutcome::Empty => DSR_SYNC_OUTCOME_EMPTY,
        SyncOutcome::Synced => DSR_SYNC_OUTCOME_SYNCED,
        SyncOutcome::StatusOnly => DSR_SYNC_OUTCOME_STATUS_ONLY,
        SyncOutcome::Deleting => DSR_SYNC_OUTCOME_DELETING,
        SyncOutcome::SelectsEverything => DSR_SYNC_OUTCOME_SELECTS_EVERYTHING,
    }
}

fn create_reason(r: CreateReason) -> dsr_create_reason {
    use dsr_create_reason::*;
    match r {
        CreateReason::Missing => DSR_CREATE_REASON_MISSING,
        CreateReason::ReplaceUnavailable => DSR_CREATE_REASON_REPLACE_UNAVAILABLE,
        CreateReason::Surge => DSR_CREATE_REASON_SURGE,
    }
}

pub(crate) fn reason_kind(r: &Reason) -> dsr_reason_kind {
    use dsr_reason_kind::*;
    match r {
        Reason::Eligible => DSR_REASON_KIND_ELIGIBLE,
        Reason::NodeNameMismatch { .. } => DSR_REASON_KIND_NODE_NAME_MISMATCH,
        Reason::NodeSelectorMismatch { .. } => DSR_REASON_KIND_NODE_SELECTOR_MISMATCH,
        Reason::NodeAffinityMismatch { .. } => DSR_REASON_KIND_NODE_AFFINITY_MISMATCH,
        Reason::UntoleratedTaint(_) => DSR_REASON_KIND_UNTOLERATED_TAINT,
    }
}

/// The delete reason and, for an ineligible node, why.
fn delete_reason(r: &DeleteReason) -> (dsr_delete_reason, dsr_reason_kind) {
    use dsr_delete_reason::*;
    let eligible = dsr_reason_kind::DSR_REASON_KIND_ELIGIBLE;
    match r {
        DeleteReason::NodeIneligible(why) => (DSR_DELETE_REASON_NODE_INELIGIBLE, reason_kind(why)),
        DeleteReason::Duplicate => (DSR_DELETE_REASON_DUPLICATE, eligible),
        DeleteReason::Failed => (DSR_DELETE_REASON_FAILED, eligible),
        DeleteReason::Succeeded => (DSR_DELETE_REASON_SUCCEEDED, eligible),
        DeleteReason::NodeMissing => (DSR_DELETE_REASON_NODE_MISSING, eligible),
        DeleteReason::SurgeOldNotReady => (DSR_DELETE_REASON_SURGE_OLD_NOT_READY, eligible),
        DeleteReason::SurgeReplaced => (DSR_DELETE_REASON_SURGE_REPLACED, eligible),
        DeleteReason::RollingUpdate => (DSR_DELETE_REASON_ROLLING_UPDATE, eligible),
        DeleteReason::RollingUpdateUnavailable => {
            (DSR_DELETE_REASON_ROLLING_UPDATE_UNAVAILABLE, eligible)
        }
        DeleteReason::RollingUpdateNodeIneligible => {
            (DSR_DELETE_REASON_ROLLING_UPDATE_NODE_INELIGIBLE, eligible)
        }
    }
}

/// The C form of a hold reason and its pod.
fn hold_reason(r: &HoldReason) -> (dsr_hold_reason, u32) {
    use dsr_hold_reason::*;
    let id = |p: Option<PodId>| p.map_or(DSR_NONE, |p| p.0);
    match *r {
        HoldReason::Excess => (DSR_HOLD_REASON_EXCESS, DSR_NONE),
        HoldReason::NoPod => (DSR_HOLD_REASON_NO_POD, DSR_NONE),
        HoldReason::OldAndNew => (DSR_HOLD_REASON_OLD_AND_NEW, DSR_NONE),
        HoldReason::NewNotAvailable { pod } => (DSR_HOLD_REASON_NEW_NOT_AVAILABLE, id(pod)),
        HoldReason::OldNotAvailable { pod } => (DSR_HOLD_REASON_OLD_NOT_AVAILABLE, pod.0),
        HoldReason::SurgingNewNotAvailable { pod } => {
            (DSR_HOLD_REASON_SURGING_NEW_NOT_AVAILABLE, id(pod))
        }
    }
}

/// The C form of a plan's scalars.
fn plan_info(core: &CoreEngine, plan: &CorePlan) -> dsr_plan_info {
    let status = plan.status.map(|s| dsr_daemon_set_status {
        desired_number_scheduled: s.desired_number_scheduled,
        current_number_scheduled: s.current_number_scheduled,
        number_misscheduled: s.number_misscheduled,
        number_ready: s.number_ready,
        updated_number_scheduled: s.updated_number_scheduled,
        number_available: s.number_available,
        number_unavailable: s.number_unavailable,
        observed_generation: s.observed_generation,
    });
    let rollout = plan.rollout.map(|r| dsr_rollout_budget {
        desired: r.desired,
        max_unavailable: r.max_unavailable,
        max_surge: r.max_surge,
        in_use: r.in_use,
        candidates: r.candidates,
        chosen: r.chosen,
        replacements: r.replacements,
        halted: match r.halted {
            None => dsr_rollout_halt::DSR_ROLLOUT_HALT_NONE,
            Some(RolloutHalt::InvalidBudget) => dsr_rollout_halt::DSR_ROLLOUT_HALT_INVALID_BUDGET,
            Some(RolloutHalt::MissingNode) => dsr_rollout_halt::DSR_ROLLOUT_HALT_MISSING_NODE,
        } as u32,
    });
    dsr_plan_info {
        set_id: plan.set.map_or(DSR_NONE, |s| s.0),
        outcome: outcome(plan.outcome) as u32,
        creates_len: plan.creates.len(),
        deletes_len: plan.deletes.len(),
        adoptions_len: plan.adoptions.len(),
        releases_len: plan.releases.len(),
        has_status: status.is_some(),
        status: status.unwrap_or_default(),
        has_requeue_after: plan.requeue_after.is_some(),
        requeue_after: plan.requeue_after.unwrap_or(0),
        has_rollout: rollout.is_some(),
        rollout: rollout.unwrap_or_default(),
        revision_hash: c_str(core.text(plan.revision_hash)),
        has_template_generation: plan.template_generation.is_some(),
        template_generation: plan.template_generation.unwrap_or(0),
        held_back_len: plan.held_back.len(),
    }
}

/// Plans one sync of DaemonSet `set_id` at `now_unix_seconds` into `plan`, as
/// upstream's `syncDaemonSet`: claims pods (adopt, release), creates where a
/// daemon pod is missing, deletes where one may not run, duplicates, failed
/// and succeeded pods, rolls the update within its budget, and computes the
/// status. The plan's previous contents are replaced; `*out_info` gets its
/// scalars, and `dsr_engine_plan_create()`, `_delete()`, `_adoption()`,
/// `_release()` and `_hold()` read its lists. Each DaemonSet may have a plan of
/// its own (`dsr_plan_init()`).
///
/// The engine then expects what the plan asks for: the DaemonSet is only
/// adopted, released and given a status (`DSR_SYNC_OUTCOME_STATUS_ONLY`)
/// until every planned create and delete is reported with
/// `dsr_engine_observe_creates()` / `_deletes()` (or five minutes pass).
///
/// A list longer than the plan holds (`DSR_PLAN`) is
/// `DSR_RESULT_FULL_OUTPUT`; a full failed-pod backoff table is
/// `DSR_RESULT_FULL_BACKOFF`. On any failure the tables and expectations are
/// unchanged and `plan` is empty.
///
/// # Safety
/// `engine` must be NULL or an engine from `dsr_engine_init()`; `plan` NULL
/// or a plan from `dsr_plan_init()`, not used by another call meanwhile;
/// `out_info` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_sync(
    engine: *mut dsr_engine,
    set_id: u32,
    now_unix_seconds: i64,
    plan: *mut dsr_plan,
    out_info: *mut dsr_plan_info,
) -> dsr_result {
    boundary!({
        let mut g = try_engine_mut!(engine);
        let addr = g.addr;
        g.run(|e| {
            let plan = try_plan_mut!(plan);
            let out_info = try_out!(out_info);
            let now = Timestamp(now_unix_seconds);
            plan.engine = 0;
            if let Err(err) = e.core.sync(SetId(set_id), now, &mut plan.plan) {
                plan.plan.clear();
                return Err(err.into());
            }
            plan.engine = addr;
            plan.epoch = e.epoch;
            plan.now = now;
            out_info.set(plan_info(&e.core, &plan.plan));
            Ok(())
        })
    })
}

/// The scalars of `plan` (an empty plan, `DSR_SYNC_OUTCOME_EMPTY`, before any
/// sync), into `*out_info`. A plan another engine filled, or filled before
/// this engine was cleared, restored, set up again (`dsr_engine_init()`) or
/// lost a DaemonSet, is `DSR_RESULT_STALE_PLAN` here and in every function
/// that reads a plan.
///
/// # Safety
/// `engine` must be NULL or an engine from `dsr_engine_init()`; `plan` NULL or
/// a plan from `dsr_plan_init()`; `out_info` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_plan_info(
    engine: *const dsr_engine,
    plan: *const dsr_plan,
    out_info: *mut dsr_plan_info,
) -> dsr_result {
    boundary!({
        let e = try_engine!(engine);
        let p = current(engine, e, try_plan!(plan))?;
        try_out!(out_info).set(plan_info(&e.core, p));
        Ok(())
    })
}

/// Create `index` (below `creates_len`) of `plan`, into `*out`;
/// `DSR_RESULT_NOT_FOUND` past the end.
///
/// # Safety
/// As `dsr_engine_plan_info()`.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_plan_create(
    engine: *const dsr_engine,
    plan: *const dsr_plan,
    index: usize,
    out: *mut dsr_plan_create,
) -> dsr_result {
    boundary!({
        let e = try_engine!(engine);
        let p = current(engine, e, try_plan!(plan))?;
        let out = try_out!(out);
        let c = p.creates.get(index).ok_or(DSR_RESULT_NOT_FOUND)?;
        if !e.core.plan_is_current(p) && !e.core.create_is_current(c) {
            return Err(DSR_RESULT_STALE_PLAN.into());
        }
        out.set(dsr_plan_create {
            node_id: c.node.0,
            node_name: c_str(e.core.text(c.node_name)),
            reason: create_reason(c.reason) as u32,
        });
        Ok(())
    })
}

/// Delete `index` (below `deletes_len`) of `plan`, into `*out`;
/// `DSR_RESULT_NOT_FOUND` past the end.
///
/// # Safety
/// As `dsr_engine_plan_info()`.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_plan_delete(
    engine: *const dsr_engine,
    plan: *const dsr_plan,
    index: usize,
    out: *mut dsr_plan_delete,
) -> dsr_result {
    boundary!({
        let e = try_engine!(engine);
        let p = current(engine, e, try_plan!(plan))?;
        let out = try_out!(out);
        let d = p.deletes.get(index).ok_or(DSR_RESULT_NOT_FOUND)?;
        if !e.core.plan_is_current(p) && !e.core.delete_is_current(d) {
            return Err(DSR_RESULT_STALE_PLAN.into());
        }
        let (reason, ineligible) = delete_reason(&d.reason);
        out.set(dsr_plan_delete {
            pod_id: d.pod.0,
            pod_name: c_str(e.core.text(d.pod_name)),
            node_name: c_str(e.core.text(d.node_name)),
            reason: reason as u32,
            ineligible: ineligible as u32,
        });
        Ok(())
    })
}

/// The id of adoption `index` (below `adoptions_len`) of `plan`, into
/// `*out_pod_id` (`dsr_engine_pod_name()` gives its name);
/// `DSR_RESULT_NOT_FOUND` past the end.
///
/// # Safety
/// As `dsr_engine_plan_info()`.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_plan_adoption(
    engine: *const dsr_engine,
    plan: *const dsr_plan,
    index: usize,
    out_pod_id: *mut u32,
) -> dsr_result {
    boundary!({
        let e = try_engine!(engine);
        let p = current(engine, e, try_plan!(plan))?;
        let out = try_out!(out_pod_id);
        out.set(p.adoptions.get(index).ok_or(DSR_RESULT_NOT_FOUND)?.0);
        Ok(())
    })
}

/// The id of release `index` (below `releases_len`) of `plan`, into
/// `*out_pod_id`; `DSR_RESULT_NOT_FOUND` past the end.
///
/// # Safety
/// As `dsr_engine_plan_info()`.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_plan_release(
    engine: *const dsr_engine,
    plan: *const dsr_plan,
    index: usize,
    out_pod_id: *mut u32,
) -> dsr_result {
    boundary!({
        let e = try_engine!(engine);
        let p = current(engine, e, try_plan!(plan))?;
        let out = try_out!(out_pod_id);
        out.set(p.releases.get(index).ok_or(DSR_RESULT_NOT_FOUND)?.0);
        Ok(())
    })
}

/// Node `index` (below `held_back_len`) of those that hold `plan`'s rolling
/// update back (the nodes counted in `rollout.in_use`, in node-name order),
/// with why, into `*out`; `DSR_RESULT_NOT_FOUND` past the end.
///
/// # Safety
/// As `dsr_engine_plan_info()`.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_plan_hold(
    engine: *const dsr_engine,
    plan: *const dsr_plan,
    index: usize,
    out: *mut dsr_plan_hold,
) -> dsr_result {
    boundary!({
        let e = try_engine!(engine);
        let p = current(engine, e, try_plan!(plan))?;
        let out = try_out!(out);
        let h = p.held_back.get(index).ok_or(DSR_RESULT_NOT_FOUND)?;
        if !e.core.plan_is_current(p) {
            return Err(DSR_RESULT_STALE_PLAN.into());
        }
        let (reason, pod_id) = hold_reason(&h.reason);
        out.set(dsr_plan_hold {
            node_name: c_str(e.core.text(h.node)),
            reason: reason as u32,
            pod_id,
        });
        Ok(())
    })
}

/// Puts create `index` of `plan` in words (`no daemon pod is running on the
/// node`) into `buf`, as `dsr_engine_describe()` does (NUL-terminated;
/// `DSR_RESULT_BUFFER_TOO_SMALL` with the needed length in `*out_len`).
/// `DSR_RESULT_NOT_FOUND` past the end.
///
/// # Safety
/// As `dsr_engine_plan_info()`; `buf` NULL or writable for `buf_len` bytes;
/// `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_describe_create(
    engine: *const dsr_engine,
    plan: *const dsr_plan,
    index: usize,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> dsr_result {
    boundary!({
        let e = try_engine!(engine);
        let p = current(engine, e, try_plan!(plan))?;
        let out_len = try_out!(out_len);
        let c = p.creates.get(index).ok_or(DSR_RESULT_NOT_FOUND)?;
        write_text(try_out_bytes!(buf, buf_len), out_len, |mut w| {
            e.core.describe_create(c, &mut w)
        })
    })
}

/// Puts delete `index` of `plan` in words (`must not run on edge-1: node has
/// taint ...`) into `buf`, as `dsr_engine_describe_create()` does.
///
/// # Safety
/// As `dsr_engine_describe_create()`.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_describe_delete(
    engine: *const dsr_engine,
    plan: *const dsr_plan,
    index: usize,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> dsr_result {
    boundary!({
        let e = try_engine!(engine);
        let p = current(engine, e, try_plan!(plan))?;
        let out_len = try_out!(out_len);
        let d = p.deletes.get(index).ok_or(DSR_RESULT_NOT_FOUND)?;
        // Words name the taints, terms and values of the sync's time: only
        // while no string was freed since are they the ones it saw.
        if !e.core.plan_is_current(p) {
            return Err(DSR_RESULT_STALE_PLAN.into());
        }
        let set = p.set.ok_or(dsr_result::DSR_RESULT_LOGIC_BUG)?;
        write_text(try_out_bytes!(buf, buf_len), out_len, |mut w| {
            e.core.describe_delete(set, d, &mut w)
        })
    })
}

/// Puts hold `index` of `plan` in words (`its new pod agent-x7k2p is not ready
/// (Pending)`), as of the plan's sync, into `buf` as
/// `dsr_engine_describe_create()` does.
///
/// # Safety
/// As `dsr_engine_describe_create()`.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_describe_hold(
    engine: *const dsr_engine,
    plan: *const dsr_plan,
    index: usize,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> dsr_result {
    boundary!({
        let e = try_engine!(engine);
        let plan = try_plan!(plan);
        let p = current(engine, e, plan)?;
        let out_len = try_out!(out_len);
        let h = p.held_back.get(index).ok_or(DSR_RESULT_NOT_FOUND)?;
        // Words name the taints, terms and values of the sync's time: only
        // while no string was freed since are they the ones it saw.
        if !e.core.plan_is_current(p) {
            return Err(DSR_RESULT_STALE_PLAN.into());
        }
        let set = p.set.ok_or(dsr_result::DSR_RESULT_LOGIC_BUG)?;
        write_text(try_out_bytes!(buf, buf_len), out_len, |mut w| {
            e.core.describe_hold(set, h, plan.now, &mut w)
        })
    })
}

/// The labels a pod created for DaemonSet `set_id` carries: the template's,
/// then `pod-template-generation` and `controller-revision-hash` (when the
/// DaemonSet has them), which replace template labels of the same keys, as
/// upstream's `CreatePodTemplate`. Written to `out[0..n]` with `n` in
/// `*out_len`; the strings point into the engine's memory (or are static), as
/// `dsr_plan_info`'s do: copy them before giving them to `dsr_engine_add_pod()`.
///
/// With `out_cap` < `n`, nothing is written to `out`, `*out_len` gets `n` and
/// the result is `DSR_RESULT_BUFFER_TOO_SMALL` (`out` may be NULL with
/// `out_cap` 0 to ask for `n`).
///
/// # Safety
/// `engine` must be NULL or an engine from `dsr_engine_init()`; `out` NULL or
/// writable for `out_cap` labels; `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_new_pod_labels(
    engine: *const dsr_engine,
    set_id: u32,
    out: *mut dsr_label,
    out_cap: usize,
    out_len: *mut usize,
) -> dsr_result {
    boundary!({
        let e = try_engine!(engine);
        let out_len = try_out!(out_len);
        let set = SetId(set_id);
        let mut n = 0usize;
        e.core.new_pod_labels(set, |_, _| n += 1)?;
        if out_cap < n {
            out_len.set(n);
            return Err(DSR_RESULT_BUFFER_TOO_SMALL.into());
        }
        let mut array = try_out_array!(out, out_cap);
        let mut i = 0usize;
        let mut r = Ok(());
        e.core.new_pod_labels(set, |key, value| {
            if r.is_ok() {
                r = array.set(
                    i,
                    dsr_label {
                        key: c_str(key),
                        value: c_str(value),
                    },
                );
                i += 1;
            }
        })?;
        r?;
        out_len.set(i);
        Ok(())
    })
}

/// Reports that `n` creates the last sync of DaemonSet `set_id` planned
/// happened (the pod appeared), failed, or were skipped (upstream's
/// `CreationObserved`). More than are pending leaves none pending (the count
/// stops at 0: `UINT32_MAX` is "all of them").
///
/// # Safety
/// `engine` must be NULL or an engine from `dsr_engine_init()`.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_observe_creates(
    engine: *mut dsr_engine,
    set_id: u32,
    n: u32,
) -> dsr_result {
    boundary!({
        try_engine_mut!(engine).run_unit(|e| Ok(e.core.observe_creates(SetId(set_id), n)?))
    })
}

/// Reports that `n` deletes the last sync of DaemonSet `set_id` planned
/// happened (the pod is gone) or failed (upstream's `DeletionObserved`). More
/// than are pending leaves none pending.
///
/// # Safety
/// As `dsr_engine_observe_creates()`.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_observe_deletes(
    engine: *mut dsr_engine,
    set_id: u32,
    n: u32,
) -> dsr_result {
    boundary!({
        try_engine_mut!(engine).run_unit(|e| Ok(e.core.observe_deletes(SetId(set_id), n)?))
    })
}

/// The creates and deletes DaemonSet `set_id`'s last sync planned that are
/// not yet observed, into `*out` (all zero when none are pending).
///
/// # Safety
/// `engine` must be NULL or an engine from `dsr_engine_init()`; `out` NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_expectations(
    engine: *const dsr_engine,
    set_id: u32,
    out: *mut dsr_expectations,
) -> dsr_result {
    boundary!({
        let e = try_engine!(engine);
        let out = try_out!(out);
        let set = SetId(set_id);
        e.core.daemon_set(set).ok_or(DSR_RESULT_NOT_FOUND)?;
        let x = e
            .core
            .expectations(set)
            .map_or_else(dsr_expectations::default, |x| dsr_expectations {
                creates: x.creates,
                deletes: x.deletes,
                set_at: x.set_at.seconds(),
            });
        out.set(x);
        Ok(())
    })
}

/// Deletes DaemonSet `set_id` with a `dsr_propagation` policy, and writes the
/// ids of the pods it controlled to `out_pods[0..n]`, `n` in `*out_len`. With
/// `DSR_PROPAGATION_BACKGROUND` or `_FOREGROUND` the caller deletes those pods
/// (and removes each from the engine once gone); with `_ORPHAN` the engine
/// releases them and they stay. The DaemonSet's expectations and backoff go
/// with it; plans made before are stale.
///
/// `out_pods` must have room for as many ids as the engine holds pods
/// (`dsr_engine_pod_count()`; `dsr_capacities.pods` always suffices): with
/// less, nothing changes, `*out_len` gets the pod count and the result is
/// `DSR_RESULT_BUFFER_TOO_SMALL`. An unknown policy is
/// `DSR_RESULT_UNKNOWN_ENUM`.
///
/// # Safety
/// `engine` must be NULL or an engine from `dsr_engine_init()`; `out_pods`
/// NULL or writable for `out_cap` ids; `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_delete_daemon_set(
    engine: *mut dsr_engine,
    set_id: u32,
    propagation: u32,
    out_pods: *mut u32,
    out_cap: usize,
    out_len: *mut usize,
) -> dsr_result {
    boundary!({
        try_engine_mut!(engine).run_unit(|e| {
            let out_len = try_out!(out_len);
            let propagation = match dsr_propagation::from_u32(propagation) {
                Some(dsr_propagation::DSR_PROPAGATION_BACKGROUND) => Propagation::Background,
                Some(dsr_propagation::DSR_PROPAGATION_FOREGROUND) => Propagation::Foreground,
                Some(dsr_propagation::DSR_PROPAGATION_ORPHAN) => Propagation::Orphan,
                None => return Err(DSR_RESULT_UNKNOWN_ENUM.into()),
            };
            let mut array = try_out_array!(out_pods, out_cap);
            let set = SetId(set_id);
            // The room check comes first, so that a small buffer changes nothing.
            if e.core.daemon_set(set).is_some() && out_cap < e.core.pod_count() {
                out_len.set(e.core.pod_count());
                return Err(DSR_RESULT_BUFFER_TOO_SMALL.into());
            }
            let mut pods: heapless::Vec<PodId, { build::PODS }> = heapless::Vec::new();
            e.core.delete_daemon_set(set, propagation, &mut pods)?;
            e.epoch = e.epoch.wrapping_add(1);
            for (i, p) in pods.iter().enumerate() {
                array.set(i, p.0)?;
            }
            out_len.set(pods.len());
            Ok(())
        })
    })
}
