//! The engine in caller memory: set-up, nodes, DaemonSets, placement.
//!
//! Thread safety: an engine is not synchronised. Functions taking a
//! `dsr_engine *` must not run concurrently with any other call on the same
//! engine; functions taking a `const dsr_engine *` may run concurrently with
//! each other. A call taking a `dsr_engine *` that finds another such call in
//! progress on the same engine fails with `DSR_RESULT_BUSY` and changes
//! nothing ([`lock`]); a reader running beside a writer is not detected.

use core::cell::UnsafeCell;
use core::ffi::{c_char, c_void};
use core::fmt;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use dsr_core::error::{Error, Field};
use dsr_core::validation::{validate_stored_name, validate_stored_text};
use dsr_core::{NodeId, Placement, Reason, SetId};

use crate::capacities::{build, CoreEngine};
use crate::convert::{with_daemon_set, with_node, write_bytes, Out, Scratch};
use crate::result::{dsr_result, Failure};
use crate::types::{
    dsr_capacities, dsr_daemon_set, dsr_node, dsr_placement, dsr_reason, dsr_reason_kind, dsr_str,
    dsr_table_usage, DSR_NONE,
};

use dsr_result::{
    DSR_RESULT_BAD_LENGTH, DSR_RESULT_BUFFER_TOO_SMALL, DSR_RESULT_BUSY, DSR_RESULT_MISALIGNED,
    DSR_RESULT_NOT_AN_ENGINE, DSR_RESULT_NULL_POINTER, DSR_RESULT_STALE_REASON,
    DSR_RESULT_UNKNOWN_ENUM,
};

/// `"dsr_eng1"`: marks memory that `dsr_engine_init()` set up.
const MAGIC: u64 = u64::from_be_bytes(*b"dsr_eng1");

/// An engine: every table, in memory the caller gave to `dsr_engine_init()`.
/// Opaque to C.
pub struct dsr_engine {
    magic: u64,
    /// Set while a call that takes a `dsr_engine *` runs (see [`lock`]).
    busy: AtomicBool,
    /// Everything else; reached through [`engine_ref`] (shared) or a [`Guard`]
    /// (exclusive), never through a reference that also covers `busy`.
    state: UnsafeCell<State>,
}

/// The engine's state behind its busy flag.
pub(crate) struct State {
    /// Bumped whenever plans made before may name what is gone (clear,
    /// restore, a DaemonSet removed): a `dsr_plan` of another epoch is stale.
    pub(crate) epoch: u64,
    /// The last failure of a call that takes a `dsr_engine *`.
    pub(crate) last: Option<Failure>,
    pub(crate) core: CoreEngine,
    /// C arrays converted for the call in progress (see
    /// [`State::with_scratch`]); the lifetime is a placeholder, never used as
    /// such.
    scratch: Scratch<'static>,
    /// What `dsr_engine_apply()` reads, and its last error (see
    /// [`crate::apply`]).
    #[cfg(feature = "json")]
    pub(crate) json: crate::apply::JsonState,
}

/// Checks an engine pointer: not NULL, aligned, set up by `dsr_engine_init()`.
///
/// # Safety
/// When not NULL and aligned, `p` must point to at least 8 readable bytes, and
/// to a `dsr_engine` valid for `'a` if those bytes hold its magic number.
unsafe fn checked<'a>(p: *const dsr_engine) -> Result<&'a dsr_engine, dsr_result> {
    if p.is_null() {
        return Err(DSR_RESULT_NULL_POINTER);
    }
    if !p.is_aligned() {
        return Err(DSR_RESULT_MISALIGNED);
    }
    // SAFETY: non-NULL and aligned; the caller promises the bytes are readable.
    // Only the magic is read before trusting the rest.
    let magic = unsafe { core::ptr::addr_of!((*p).magic).read_volatile() };
    if magic != MAGIC {
        return Err(DSR_RESULT_NOT_AN_ENGINE);
    }
    // SAFETY: set up by dsr_engine_init (magic), valid for 'a by contract. The
    // reference covers `busy` (an atomic) and `state` (an UnsafeCell), so it
    // may coexist with another call's guard.
    Ok(unsafe { &*p })
}

/// The state of an engine for a call that only reads (`const dsr_engine *`).
///
/// # Safety
/// As [`checked`], and no call that takes a `dsr_engine *` runs on the
/// engine meanwhile (dsr.h's rule for `const dsr_engine *`).
pub(crate) unsafe fn engine_ref<'a>(p: *const dsr_engine) -> Result<&'a State, dsr_result> {
    // SAFETY: forwarded contract.
    let e = unsafe { checked(p) }?;
    // SAFETY: no exclusive reference to the state exists meanwhile (contract).
    Ok(unsafe { &*e.state.get() })
}

/// Exclusive use of an engine's state for one call; releases the engine's busy
/// flag when dropped (a panic caught at the boundary included).
pub(crate) struct Guard<'a> {
    busy: &'a AtomicBool,
    state: &'a mut State,
    /// Where the engine is: a plan records it.
    pub(crate) addr: usize,
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        self.busy.store(false, Ordering::Release);
    }
}

/// Takes an engine for a call that changes it (`dsr_engine *`):
/// `DSR_RESULT_BUSY` when another such call on it is in progress.
///
/// Targets with compare-and-swap set the flag atomically, so two threads
/// never both get the engine. Targets with only atomic loads and stores
/// (e.g. Cortex-M0) load and store it: that catches an interrupt handler
/// calling into an engine whose call it interrupted, on one core.
///
/// # Safety
/// As [`checked`]; calls that take a `const dsr_engine *` do not run on the
/// engine meanwhile (dsr.h; they are not detected).
pub(crate) unsafe fn lock<'a>(p: *mut dsr_engine) -> Result<Guard<'a>, dsr_result> {
    // SAFETY: forwarded contract.
    let e = unsafe { checked(p) }?;
    #[cfg(target_has_atomic = "8")]
    let taken = e
        .busy
        .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
        .is_ok();
    #[cfg(not(target_has_atomic = "8"))]
    let taken = !e.busy.load(Ordering::Acquire) && {
        e.busy.store(true, Ordering::Relaxed);
        true
    };
    if !taken {
        return Err(DSR_RESULT_BUSY);
    }
    // SAFETY: this call holds the busy flag, so no other call that changes the
    // engine holds a reference to its state; readers do not run meanwhile
    // (contract).
    let state = unsafe { &mut *e.state.get() };
    Ok(Guard {
        busy: &e.busy,
        state,
        addr: p as usize,
    })
}

/// `&State` from a `const dsr_engine *` argument.
macro_rules! try_engine {
    ($p:expr) => {
        // SAFETY: the exported function's contract (see `convert`).
        unsafe { $crate::engine::engine_ref($p) }?
    };
}

/// A [`Guard`] from a `dsr_engine *` argument.
macro_rules! try_engine_mut {
    ($p:expr) => {
        // SAFETY: the exported function's contract (see `convert`).
        unsafe { $crate::engine::lock($p) }?
    };
}

impl Guard<'_> {
    /// Runs `f` on the state and records its failure for
    /// `dsr_engine_last_error()`: every failure of a call that has taken the
    /// engine is recorded, a NULL or invalid argument included.
    pub(crate) fn run<T>(
        &mut self,
        f: impl FnOnce(&mut State) -> Result<T, Failure>,
    ) -> Result<T, Failure> {
        let r = f(self.state);
        if let Err(failure) = r {
            self.state.last = Some(failure);
            #[cfg(feature = "json")]
            self.state.json.take_error();
        }
        r
    }

    /// As [`run`](Self::run), with `f` returning `Ok(())`.
    pub(crate) fn run_unit(
        mut self,
        f: impl FnOnce(&mut State) -> Result<(), Failure>,
    ) -> Result<(), Failure> {
        self.run(f)
    }
}

impl State {
    /// Runs `f` with the core engine and the engine's [`Scratch`] for
    /// converting C arrays, emptied, with the lifetime of this call.
    pub(crate) fn with_scratch<T>(
        &mut self,
        f: impl for<'s> FnOnce(&mut CoreEngine, &'s mut Scratch<'s>) -> Result<T, Failure>,
    ) -> Result<T, Failure> {
        let scratch: *mut Scratch<'static> = &mut self.scratch;
        // SAFETY: `Scratch<'static>` and `Scratch<'s>` differ only in a
        // lifetime, so in nothing at run time. The scratch is emptied before
        // `f` sees it and after `f` returns (before, too, in case an earlier
        // `f` panicked), so no reference `f` puts in it is ever read outside
        // this call: the `'static` of the field is never relied on. `scratch`
        // points into `self`, alive for this call, and into no other field
        // than the `&mut self.core` given beside it.
        let s = unsafe { &mut *scratch.cast::<Scratch<'_>>() };
        s.clear();
        let r = f(&mut self.core, s);
        // SAFETY: as above; the reference given to `f` is no longer used.
        unsafe { (*scratch).clear() };
        r
    }

    /// Empties every table and the last error; plans made before are stale.
    pub(crate) fn clear(&mut self) {
        self.core.clear();
        self.epoch = self.epoch.wrapping_add(1);
        self.last = None;
        #[cfg(feature = "json")]
        self.json.forget_error();
    }
}

/// How many engines `dsr_engine_init()` has set up in this process: the high
/// half of a new engine's epoch, so that a plan of an earlier engine in the
/// same memory is stale too.
static INCARNATIONS: AtomicU32 = AtomicU32::new(0);

/// The next engine's first epoch.
fn first_epoch() -> u64 {
    #[cfg(target_has_atomic = "32")]
    let n = INCARNATIONS.fetch_add(1, Ordering::Relaxed);
    // Without compare-and-swap two engines set up at once may share a number;
    // their plans are still told apart by the engine's address.
    #[cfg(not(target_has_atomic = "32"))]
    let n = {
        let n = INCARNATIONS.load(Ordering::Relaxed);
        INCARNATIONS.store(n.wrapping_add(1), Ordering::Relaxed);
        n
    };
    u64::from(n) << 32
}

/// Checks the name of a DaemonSet or pod the engine is to store
/// (`metadata.name`), as the core's validation decides
/// (`validate_stored_name`: not empty, no embedded NUL); the failure names the
/// field.
// Out of line: four exported functions call it, and firmware counts bytes.
#[inline(never)]
pub(crate) fn check_name(name: &str) -> Result<(), Failure> {
    validate_stored_name(name).map_err(|reason| Error::invalid(Field::Name, reason).into())
}

/// Checks a node name (`field` `Name`) or a namespace (`Namespace`) the engine
/// is to store: `validate_stored_text`, no embedded NUL (either may be empty).
#[inline(never)]
pub(crate) fn check_text(text: &str, field: Field) -> Result<(), Failure> {
    validate_stored_text(text).map_err(|reason| Error::invalid(field, reason).into())
}

/// Bytes of memory an engine needs: `dsr_engine_init()`'s `len` must be at
/// least this (`DSR_ENGINE_SIZE` of the build's `dsr_config.h`).
#[no_mangle]
pub extern "C" fn dsr_engine_size() -> usize {
    boundary!(value 0, { core::mem::size_of::<dsr_engine>() })
}

/// Alignment, in bytes, of the memory an engine needs (`DSR_ENGINE_ALIGN`).
#[no_mangle]
pub extern "C" fn dsr_engine_align() -> usize {
    boundary!(value 0, { core::mem::align_of::<dsr_engine>() })
}

/// The capacities and per-call limits this library was built with.
///
/// # Safety
/// `out` must be NULL or valid for writing a `dsr_capacities`.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_capacities(out: *mut dsr_capacities) -> dsr_result {
    boundary!({
        try_out!(out).set(capacities());
        Ok(())
    })
}

/// How much of each table the engine uses: one `dsr_table_usage` per table
/// (`DSR_TABLE_NODES` to `DSR_TABLE_BACKOFF`, in that order) into `out[0..n]`,
/// and `n` into `*out_len`. Usage depends only on the objects the engine holds
/// (and its failed-pod backoff): whatever came and went before was given back.
/// With `out_cap` below the number of tables, nothing is written to `out`,
/// `*out_len` gets the number and the result is `DSR_RESULT_BUFFER_TOO_SMALL`.
///
/// ```c
/// dsr_table_usage t[DSR_TABLE_BACKOFF + 1];
/// size_t n;
/// dsr_engine_usage(engine, t, DSR_TABLE_BACKOFF + 1, &n);
/// printf("%s: %zu of %zu (at most %zu)\n", dsr_table_str(t[DSR_TABLE_STRINGS].table),
///        t[DSR_TABLE_STRINGS].used, t[DSR_TABLE_STRINGS].capacity,
///        t[DSR_TABLE_STRINGS].high_water);
/// ```
///
/// # Safety
/// `engine` must be NULL or an engine from `dsr_engine_init()`; `out` NULL or
/// writable for `out_cap` entries; `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_usage(
    engine: *const dsr_engine,
    out: *mut dsr_table_usage,
    out_cap: usize,
    out_len: *mut usize,
) -> dsr_result {
    boundary!({
        let e = try_engine!(engine);
        let out_len = try_out!(out_len);
        let tables = e.core.table_usage();
        if out_cap < tables.len() {
            out_len.set(tables.len());
            return Err(DSR_RESULT_BUFFER_TOO_SMALL.into());
        }
        let mut array = try_out_array!(out, out_cap);
        for (i, t) in tables.iter().enumerate() {
            array.set(
                i,
                dsr_table_usage {
                    table: i as u32,
                    used: t.used,
                    capacity: t.capacity,
                    high_water: t.high_water,
                },
            )?;
        }
        out_len.set(tables.len());
        Ok(())
    })
}

/// The capacities of this build.
pub fn capacities() -> dsr_capacities {
    dsr_capacities {
        engine_size: core::mem::size_of::<dsr_engine>(),
        engine_align: core::mem::align_of::<dsr_engine>(),
        nodes: build::NODES,
        daemon_sets: build::DAEMON_SETS,
        pods: build::PODS,
        strings: build::STRINGS,
        string_bytes: build::STRING_BYTES,
        labels: build::LABELS,
        rules: build::RULES,
        string_max: dsr_core::engine::STRING_MAX,
        call_labels: build::CALL_LABELS,
        call_taints: build::CALL_TAINTS,
        call_tolerations: build::CALL_TOLERATIONS,
        call_requirements: build::CALL_REQUIREMENTS,
        call_values: build::CALL_VALUES,
        call_terms: build::CALL_TERMS,
        plan: build::PLAN,
        call_containers: build::CALL_CONTAINERS,
        snapshot_max_size: CoreEngine::max_snapshot_size(),
        taints: build::TAINTS,
        terms: build::TERMS,
        backoff: build::BACKOFF,
        plan_size: core::mem::size_of::<crate::sync::dsr_plan>(),
        plan_align: core::mem::align_of::<crate::sync::dsr_plan>(),
        json_objects: crate::apply::JSON_CAPACITIES[0],
        json_labels: crate::apply::JSON_CAPACITIES[1],
        json_rules: crate::apply::JSON_CAPACITIES[2],
        json_text: crate::apply::JSON_CAPACITIES[3],
    }
}

/// Sets up an empty engine in `len` bytes at `mem` and stores its handle in
/// `*out` (the handle is `mem` itself).
///
/// `mem` must be aligned to `dsr_engine_align()` and `len` at least
/// `dsr_engine_size()`; on firmware, a static array sized by the build's
/// generated `dsr_config.h`
/// (`static _Alignas(DSR_ENGINE_ALIGN) unsigned char mem[DSR_ENGINE_SIZE];`),
/// `aligned_alloc()` on a hosted system. The engine holds no other resource:
/// to drop it, stop using it and reuse or free the memory. Calling this again
/// on the same memory empties the engine (plans made before are stale).
///
/// # Safety
/// `mem` must be NULL or valid for writing `len` bytes for as long as the
/// engine is used, and not be used otherwise meanwhile (no call may be
/// running on an engine there); `out` must be NULL or valid for writing a
/// pointer.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_init(
    mem: *mut c_void,
    len: usize,
    out: *mut *mut dsr_engine,
) -> dsr_result {
    boundary!({
        let out = try_out!(out);
        if mem.is_null() {
            return Err(DSR_RESULT_NULL_POINTER.into());
        }
        let p = mem.cast::<dsr_engine>();
        if !p.is_aligned() {
            return Err(DSR_RESULT_MISALIGNED.into());
        }
        if len < core::mem::size_of::<dsr_engine>() {
            return Err(DSR_RESULT_BAD_LENGTH.into());
        }
        // SAFETY: non-NULL, aligned, `len` >= size_of::<dsr_engine>() writable
        // bytes (checked above, and by contract). Each field
        // is written in its place through raw pointers (no reference to the
        // uninitialised engine is made), and nothing reads the engine before
        // every field is written. Writing field by field keeps the largest
        // values (the core engine, the JSON scratch) out of a stack
        // temporary of the whole engine: `CoreEngine::new()` is a const fn of
        // empty heapless vectors and zeroed arrays, written in place by the
        // optimiser (the firmware check holds `init`'s stack to 4 KiB for 4
        // and 64 nodes, with and without `json`); debug builds may still use
        // a stack temporary of each field.
        unsafe {
            core::ptr::addr_of_mut!((*p).magic).write(MAGIC);
            core::ptr::addr_of_mut!((*p).busy).write(AtomicBool::new(false));
            let state = UnsafeCell::raw_get(core::ptr::addr_of!((*p).state));
            core::ptr::addr_of_mut!((*state).epoch).write(first_epoch());
            core::ptr::addr_of_mut!((*state).last).write(None);
            core::ptr::addr_of_mut!((*state).core).write(CoreEngine::new());
            core::ptr::addr_of_mut!((*state).scratch).write(Scratch::new());
            #[cfg(feature = "json")]
            crate::apply::JsonState::init(
                &mut *core::ptr::addr_of_mut!((*state).json)
                    .cast::<core::mem::MaybeUninit<crate::apply::JsonState>>(),
            );
        }
        out.set(p);
        Ok(())
    })
}

/// Empties every table of the engine (nodes, DaemonSets, pods, expectations,
/// backoff), keeping its memory (and forgetting the last error). Ids given
/// out before are no longer valid, and plans made before are stale. Feature
/// gates are kept.
///
/// # Safety
/// `engine` must be NULL or an engine from `dsr_engine_init()`.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_clear(engine: *mut dsr_engine) -> dsr_result {
    boundary!({
        try_engine_mut!(engine).run_unit(|e| {
            e.clear();
            Ok(())
        })
    })
}

/// Turns the Kubernetes feature gate `name` on or off for every decision the
/// engine makes from now on, as kube-controller-manager's `--feature-gates`
/// would (`dsr_engine_init()` starts with upstream's defaults). The placements
/// the engine keeps are worked out again. The name is matched exactly, as
/// Kubernetes spells it; a gate this library does not know is
/// `DSR_RESULT_UNKNOWN_FEATURE_GATE`, and nothing changes. Known:
/// `TaintTolerationComparisonOperators` (default off: toleration operators
/// `Gt`/`Lt`).
///
/// # Safety
/// `engine` must be NULL or an engine from `dsr_engine_init()`, not used
/// concurrently; `name` valid for its length.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_set_feature_gate(
    engine: *mut dsr_engine,
    name: dsr_str,
    enabled: bool,
) -> dsr_result {
    boundary!({
        let name = try_str!(name);
        try_engine_mut!(engine).run_unit(|e| Ok(e.core.set_feature_gate(name, enabled)?))
    })
}

/// Adds a node and stores its id in `*out_id`. Node names are unique
/// (`DSR_RESULT_DUPLICATE`); a name with an embedded NUL is
/// `DSR_RESULT_INVALID_NAME`, and `dsr_engine_last_error()` names the field.
/// An empty name (NULL or "") is taken: upstream decides on an unnamed node
/// (it has no `metadata.name` field for node affinity), and conformance vectors
/// pin the answers (names are not otherwise checked: upstream's
/// placement takes any, `dsr_validate_dns_subdomain()` is the API server's
/// rule). Ids of removed nodes are reused.
///
/// # Safety
/// `engine` must be NULL or an engine from `dsr_engine_init()`; `node` NULL
/// or valid for its `struct_size`, with every pointer in it valid for its
/// length; `out_id` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_add_node(
    engine: *mut dsr_engine,
    node: *const dsr_node,
    out_id: *mut u32,
) -> dsr_result {
    boundary!({
        try_engine_mut!(engine).run_unit(|e| {
            let mut slot = core::mem::MaybeUninit::<dsr_node>::uninit();
            let node: &dsr_node = try_struct!(node, slot);
            let out = try_out!(out_id);
            check_text(try_str!(node.name), Field::Name)?;
            let id = e.with_scratch(|c, s| with_node(s, node, |n| Ok(c.add_node(n)?)))?;
            out.set(id.0);
            Ok(())
        })
    })
}

/// Replaces node `id`'s name, labels, taints and flags, keeping its id.
///
/// # Safety
/// As `dsr_engine_add_node()`.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_update_node(
    engine: *mut dsr_engine,
    id: u32,
    node: *const dsr_node,
) -> dsr_result {
    boundary!({
        try_engine_mut!(engine).run_unit(|e| {
            let mut slot = core::mem::MaybeUninit::<dsr_node>::uninit();
            let node: &dsr_node = try_struct!(node, slot);
            check_text(try_str!(node.name), Field::Name)?;
            e.with_scratch(|c, s| with_node(s, node, |n| Ok(c.update_node(NodeId(id), n)?)))
        })
    })
}

/// Removes node `id`.
///
/// # Safety
/// `engine` must be NULL or an engine from `dsr_engine_init()`.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_remove_node(engine: *mut dsr_engine, id: u32) -> dsr_result {
    boundary!({ try_engine_mut!(engine).run_unit(|e| Ok(e.core.remove_node(NodeId(id))?)) })
}

/// Adds a DaemonSet and stores its id in `*out_id`. `ns`/`name` is unique
/// (`DSR_RESULT_DUPLICATE`); an empty name, or a name or namespace with an
/// embedded NUL, is `DSR_RESULT_INVALID_NAME`, the last error naming the field
/// (an empty namespace is taken, as upstream's tests leave it). A selector that
/// upstream rejects is `DSR_RESULT_INVALID_SELECTOR`; an invalid node-affinity
/// term is stored and matches nothing, as upstream.
///
/// # Safety
/// `engine` must be NULL or an engine from `dsr_engine_init()`; `set` NULL or
/// valid for its `struct_size`, with every pointer it reaches valid for its
/// length; `out_id` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_add_daemon_set(
    engine: *mut dsr_engine,
    set: *const dsr_daemon_set,
    out_id: *mut u32,
) -> dsr_result {
    boundary!({
        try_engine_mut!(engine).run_unit(|e| {
            let mut slot = core::mem::MaybeUninit::<dsr_daemon_set>::uninit();
            let set: &dsr_daemon_set = try_struct!(set, slot);
            let out = try_out!(out_id);
            check_name(try_str!(set.name))?;
            check_text(try_str!(set.ns), Field::Namespace)?;
            let id =
                e.with_scratch(|c, s| with_daemon_set(s, set, |d| Ok(c.add_daemon_set(d)?)))?;
            out.set(id.0);
            Ok(())
        })
    })
}

/// Replaces DaemonSet `id`'s spec, keeping its id.
///
/// # Safety
/// As `dsr_engine_add_daemon_set()`.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_update_daemon_set(
    engine: *mut dsr_engine,
    id: u32,
    set: *const dsr_daemon_set,
) -> dsr_result {
    boundary!({
        try_engine_mut!(engine).run_unit(|e| {
            let mut slot = core::mem::MaybeUninit::<dsr_daemon_set>::uninit();
            let set: &dsr_daemon_set = try_struct!(set, slot);
            check_name(try_str!(set.name))?;
            check_text(try_str!(set.ns), Field::Namespace)?;
            e.with_scratch(|c, s| {
                with_daemon_set(s, set, |d| Ok(c.update_daemon_set(SetId(id), d)?))
            })
        })
    })
}

/// Removes DaemonSet `id` (its expectations and backoff with it). Plans made
/// before are stale. To delete it as the API does, with its pods, see
/// `dsr_engine_delete_daemon_set()`.
///
/// # Safety
/// `engine` must be NULL or an engine from `dsr_engine_init()`.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_remove_daemon_set(
    engine: *mut dsr_engine,
    id: u32,
) -> dsr_result {
    boundary!({
        try_engine_mut!(engine).run_unit(|e| {
            e.core.remove_daemon_set(SetId(id))?;
            e.epoch = e.epoch.wrapping_add(1);
            Ok(())
        })
    })
}

/// Stores the id of the node called `name` in `*out_id`, or returns
/// `DSR_RESULT_NOT_FOUND`.
///
/// # Safety
/// `engine` must be NULL or an engine from `dsr_engine_init()`; `name` valid
/// for its length; `out_id` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_find_node(
    engine: *const dsr_engine,
    name: dsr_str,
    out_id: *mut u32,
) -> dsr_result {
    boundary!({
        let e = try_engine!(engine);
        let out = try_out!(out_id);
        let id = e
            .core
            .find_node(try_str!(name))
            .ok_or(dsr_result::DSR_RESULT_NOT_FOUND)?;
        out.set(id.0);
        Ok(())
    })
}

/// Stores the id of the DaemonSet `ns`/`name` in `*out_id`, or returns
/// `DSR_RESULT_NOT_FOUND`.
///
/// # Safety
/// As `dsr_engine_find_node()`.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_find_daemon_set(
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
            .find_daemon_set(try_str!(ns), try_str!(name))
            .ok_or(dsr_result::DSR_RESULT_NOT_FOUND)?;
        out.set(id.0);
        Ok(())
    })
}

/// Stores the number of nodes in `*out`.
///
/// # Safety
/// `engine` must be NULL or an engine from `dsr_engine_init()`; `out` NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_node_count(
    engine: *const dsr_engine,
    out: *mut usize,
) -> dsr_result {
    boundary!({
        let e = try_engine!(engine);
        try_out!(out).set(e.core.node_count());
        Ok(())
    })
}

/// Stores the number of DaemonSets in `*out`.
///
/// # Safety
/// As `dsr_engine_node_count()`.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_daemon_set_count(
    engine: *const dsr_engine,
    out: *mut usize,
) -> dsr_result {
    boundary!({
        let e = try_engine!(engine);
        try_out!(out).set(e.core.daemon_set_count());
        Ok(())
    })
}

/// The C form of a placement.
fn placement_to_c(core: &CoreEngine, set: u32, node: u32, p: &Placement) -> dsr_placement {
    let mut reason = dsr_reason {
        kind: dsr_reason_kind::DSR_REASON_KIND_ELIGIBLE as u32,
        set_id: set,
        node_id: node,
        terms: 0,
        term: DSR_NONE,
        taint: DSR_NONE,
        set_version: p.stamp.set,
        node_version: p.stamp.node,
    };
    match &p.reason {
        Reason::Eligible => {}
        Reason::NodeNameMismatch { .. } => {
            reason.kind = dsr_reason_kind::DSR_REASON_KIND_NODE_NAME_MISMATCH as u32;
        }
        Reason::NodeSelectorMismatch { .. } => {
            reason.kind = dsr_reason_kind::DSR_REASON_KIND_NODE_SELECTOR_MISMATCH as u32;
        }
        Reason::NodeAffinityMismatch { terms, first } => {
            reason.kind = dsr_reason_kind::DSR_REASON_KIND_NODE_AFFINITY_MISMATCH as u32;
            reason.terms = u32::from(*terms);
            reason.term = first.map_or(DSR_NONE, |(i, _)| u32::from(i));
        }
        Reason::UntoleratedTaint(taint) => {
            reason.kind = dsr_reason_kind::DSR_REASON_KIND_UNTOLERATED_TAINT as u32;
            reason.taint = core
                .node(NodeId(node))
                .and_then(|n| core.node_taints(n).iter().position(|t| t == taint))
                .and_then(|i| u32::try_from(i).ok())
                .unwrap_or(DSR_NONE);
        }
    }
    dsr_placement {
        should_run: p.should_run,
        should_continue_running: p.should_continue_running,
        reason,
    }
}

/// Whether DaemonSet `set_id`'s pod should run on node `node_id` and may
/// continue running there (upstream's `NodeShouldRunDaemonPod`), with the
/// reason, into `*out`.
///
/// # Safety
/// `engine` must be NULL or an engine from `dsr_engine_init()`; `out` NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_should_run(
    engine: *const dsr_engine,
    set_id: u32,
    node_id: u32,
    out: *mut dsr_placement,
) -> dsr_result {
    boundary!({
        let e = try_engine!(engine);
        let out = try_out!(out);
        let p = e.core.should_run(SetId(set_id), NodeId(node_id))?;
        out.set(placement_to_c(&e.core, set_id, node_id, &p));
        Ok(())
    })
}

/// Whether node `node_id` satisfies DaemonSet `set_id`'s `nodeSelector` and
/// required node affinity (upstream's
/// `GetRequiredNodeAffinity(pod).Match(node)`), into `*out`.
///
/// # Safety
/// As `dsr_engine_should_run()`.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_matches_node_affinity(
    engine: *const dsr_engine,
    set_id: u32,
    node_id: u32,
    out: *mut bool,
) -> dsr_result {
    boundary!({
        let e = try_engine!(engine);
        let out = try_out!(out);
        let m = e
            .core
            .matches_node_affinity(SetId(set_id), NodeId(node_id))?;
        out.set(m);
        Ok(())
    })
}

/// Counts the bytes of formatted text.
struct Count(usize);

impl fmt::Write for Count {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0 = self.0.saturating_add(s.len());
        Ok(())
    }
}

/// Writes into a caller's buffer that is known to be large enough.
struct Buf<'a> {
    buf: &'a mut [core::mem::MaybeUninit<u8>],
    len: usize,
}

impl fmt::Write for Buf<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if !write_bytes(self.buf, self.len, s.as_bytes()) {
            return Err(fmt::Error);
        }
        self.len += s.len();
        Ok(())
    }
}

/// Writes text made by `write` to a caller's buffer, NUL-terminated, and its
/// length (without the NUL) to `*out_len`. When the buffer is too small
/// (`buf_len` <= length; a NULL `buf` with `buf_len` 0 asks for the length),
/// writes nothing to it, stores the length the text needs (without the NUL)
/// in `*out_len` and fails with `DSR_RESULT_BUFFER_TOO_SMALL`, whatever the
/// text's length (`try_out_bytes!` refuses a NULL `buf` with a nonzero
/// `buf_len` with `DSR_RESULT_NULL_POINTER` first).
pub(crate) fn write_text(
    bytes: &mut [core::mem::MaybeUninit<u8>],
    out_len: Out<usize>,
    write: impl Fn(&mut dyn fmt::Write) -> fmt::Result,
) -> Result<(), Failure> {
    let mut count = Count(0);
    write(&mut count).map_err(|_| dsr_result::DSR_RESULT_LOGIC_BUG)?;
    let needed = count.0;
    if bytes.len() <= needed {
        out_len.set(needed);
        return Err(DSR_RESULT_BUFFER_TOO_SMALL.into());
    }
    let mut w = Buf { buf: bytes, len: 0 };
    write(&mut w).map_err(|_| dsr_result::DSR_RESULT_LOGIC_BUG)?;
    let end = w.len;
    if !write_bytes(w.buf, end, &[0]) {
        return Err(dsr_result::DSR_RESULT_LOGIC_BUG.into());
    }
    out_len.set(end);
    Ok(())
}

/// Puts a reason from `dsr_engine_should_run()` in words, e.g. `node has
/// taint dedicated=gpu:NoSchedule that the pod does not tolerate`, into
/// `buf` (NUL-terminated) and its length without the NUL into `*out_len`.
///
/// With a buffer too small (`buf_len` <= length), nothing is written to `buf`,
/// `*out_len` gets the length and the result is `DSR_RESULT_BUFFER_TOO_SMALL`
/// (`buf` may be NULL with `buf_len` 0 to ask for the length; NULL with a
/// nonzero `buf_len` is `DSR_RESULT_NULL_POINTER`). A reason whose DaemonSet
/// or node was updated or removed since `dsr_engine_should_run()` gave it
/// (its `set_version` or `node_version` is not the object's now; an id given
/// to another object included), or that does not match what
/// `dsr_engine_should_run()` answers, is `DSR_RESULT_STALE_REASON`: ask again.
/// (An update of a node that changes nothing the engine reads, its status,
/// keeps the node's version.) An unknown `kind` is `DSR_RESULT_UNKNOWN_ENUM`.
///
/// # Safety
/// `engine` must be NULL or an engine from `dsr_engine_init()`; `reason` NULL
/// or valid; `buf` NULL or writable for `buf_len` bytes; `out_len` NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_describe(
    engine: *const dsr_engine,
    reason: *const dsr_reason,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> dsr_result {
    boundary!({
        let e = try_engine!(engine);
        let reason: &dsr_reason = try_ref!(reason);
        let out_len = try_out!(out_len);
        dsr_reason_kind::from_u32(reason.kind).ok_or(DSR_RESULT_UNKNOWN_ENUM)?;
        let set = SetId(reason.set_id);
        let p = e
            .core
            .should_run(set, NodeId(reason.node_id))
            .map_err(|_| DSR_RESULT_STALE_REASON)?;
        if placement_to_c(&e.core, reason.set_id, reason.node_id, &p).reason != *reason {
            return Err(DSR_RESULT_STALE_REASON.into());
        }
        write_text(try_out_bytes!(buf, buf_len), out_len, |mut w| {
            e.core.describe(set, &p.reason, &mut w)
        })
    })
}

/// Describes the last failure of a call that took this engine as
/// `dsr_engine *` (e.g. `the label table is full (DSR_LABELS): labels table
/// is full (capacity 2048)`), or `no error`, into `buf` as
/// `dsr_engine_describe()` does. Every failure of such a call is recorded
/// (a NULL or invalid argument too), except those that fail before the engine
/// is taken: a NULL, misaligned or uninitialised engine, and
/// `DSR_RESULT_BUSY`. Calls taking a `const dsr_engine *` record nothing.
///
/// # Safety
/// As `dsr_engine_describe()`.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_last_error(
    engine: *const dsr_engine,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> dsr_result {
    boundary!({
        let e = try_engine!(engine);
        let out_len = try_out!(out_len);
        let last = e.last;
        write_text(try_out_bytes!(buf, buf_len), out_len, |w| match last {
            None => w.write_str("no error"),
            Some(f) => {
                let text = f.code.text().to_str().unwrap_or("error");
                #[cfg(feature = "json")]
                if let Some(err) = e.json.error() {
                    // The object, its JSON path and the problem.
                    return write!(w, "{text}: {err}");
                }
                match f.core {
                    None => w.write_str(text),
                    Some(core) => {
                        w.write_str(text)?;
                        w.write_str(": ")?;
                        core.write_text(w)
                    }
                }
            }
        })
    })
}

/// The name of pod `pod_id` (`metadata.name`) into `buf`, as
/// `dsr_engine_describe()` writes text: NUL-terminated, its length in
/// `*out_len`, `DSR_RESULT_BUFFER_TOO_SMALL` with the needed length.
/// `DSR_RESULT_NOT_FOUND` when there is no such pod. For a plan's adoptions and
/// releases, which give pod ids.
///
/// # Safety
/// `engine` must be NULL or an engine from `dsr_engine_init()`; `buf` NULL or
/// writable for `buf_len` bytes; `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_pod_name(
    engine: *const dsr_engine,
    pod_id: u32,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> dsr_result {
    boundary!({
        let e = try_engine!(engine);
        let out_len = try_out!(out_len);
        let pod = e
            .core
            .pod(dsr_core::PodId(pod_id))
            .ok_or(dsr_result::DSR_RESULT_NOT_FOUND)?;
        let name = e.core.text(pod.name);
        write_text(try_out_bytes!(buf, buf_len), out_len, |w| w.write_str(name))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A call that finds another in progress (here: an interrupt handler's
    /// call inside a call, on one thread) is refused and changes nothing.
    #[test]
    fn a_call_during_another_is_busy_and_changes_nothing() {
        let mut mem = vec![0u64; core::mem::size_of::<dsr_engine>() / 8 + 1];
        let mut e: *mut dsr_engine = core::ptr::null_mut();
        let len = mem.len() * 8;
        // SAFETY: our memory, aligned to 8 (the engine's alignment), long enough.
        unsafe {
            assert_eq!(
                dsr_engine_init(mem.as_mut_ptr().cast(), len, &mut e),
                dsr_result::DSR_RESULT_OK
            );
        }
        assert_eq!(core::mem::align_of::<dsr_engine>(), 8);
        let node = dsr_node {
            struct_size: core::mem::size_of::<dsr_node>(),
            name: dsr_str {
                ptr: c"edge-1".as_ptr(),
                len: 6,
            },
            labels: core::ptr::null(),
            labels_len: 0,
            taints: core::ptr::null(),
            taints_len: 0,
            unschedulable: false,
        };
        let mut id = 77u32;
        let mut count = 0usize;
        // SAFETY: a live engine; valid input and out pointers.
        unsafe {
            let held = lock(e).unwrap();
            assert_eq!(
                dsr_engine_add_node(e, &node, &mut id),
                dsr_result::DSR_RESULT_BUSY
            );
            assert_eq!(dsr_engine_clear(e), dsr_result::DSR_RESULT_BUSY);
            assert_eq!(id, 77);
            drop(held);
            assert_eq!(
                dsr_engine_node_count(e, &mut count),
                dsr_result::DSR_RESULT_OK
            );
            assert_eq!(count, 0);
            assert_eq!(
                dsr_engine_add_node(e, &node, &mut id),
                dsr_result::DSR_RESULT_OK
            );
            assert_eq!(
                dsr_engine_node_count(e, &mut count),
                dsr_result::DSR_RESULT_OK
            );
            assert_eq!((id, count), (0, 1));
        }
    }
}
