//! The engine in caller memory: set-up, nodes, DaemonSets, placement.
//!
//! Thread safety: an engine is not synchronised. Functions taking a
//! `dsr_engine *` must not run concurrently with any other call on the same
//! engine; functions taking a `const dsr_engine *` may run concurrently with
//! each other.

use core::ffi::{c_char, c_void};
use core::fmt;

use dsr_core::{NodeId, Placement, Reason, SetId};

use crate::capacities::{build, CoreEngine, CorePlan};
use crate::convert::{input, out, text, with_daemon_set, with_node, Out, Scratch};
use crate::result::{dsr_result, Failure};
use crate::types::{
    dsr_capacities, dsr_daemon_set, dsr_node, dsr_placement, dsr_reason, dsr_reason_kind, dsr_str,
    DSR_NONE,
};

use dsr_result::{
    DSR_RESULT_BAD_LENGTH, DSR_RESULT_BUFFER_TOO_SMALL, DSR_RESULT_MISALIGNED,
    DSR_RESULT_NOT_AN_ENGINE, DSR_RESULT_NULL_POINTER, DSR_RESULT_STALE_REASON,
    DSR_RESULT_UNKNOWN_ENUM,
};

/// `"dsr_eng1"`: marks memory that `dsr_engine_init()` set up.
const MAGIC: u64 = u64::from_be_bytes(*b"dsr_eng1");

/// An engine: every table, in memory the caller gave to `dsr_engine_init()`.
/// Opaque to C.
pub struct dsr_engine {
    magic: u64,
    /// The last failure of a call that takes a `dsr_engine *`.
    pub(crate) last: Option<Failure>,
    pub(crate) core: CoreEngine,
    /// The plan of the last `dsr_engine_sync()`.
    pub(crate) plan: CorePlan,
    /// C arrays converted for the call in progress (see [`with_scratch`]); the
    /// lifetime is a placeholder, never used as such.
    scratch: Scratch<'static>,
}

/// The engine behind a pointer, after checking it.
///
/// # Safety
/// When not NULL and aligned, `p` must point to at least 8 readable bytes, and
/// to a `dsr_engine` valid for `'a` if those bytes hold its magic number.
pub(crate) unsafe fn engine_ref<'a>(p: *const dsr_engine) -> Result<&'a dsr_engine, dsr_result> {
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
    // SAFETY: set up by dsr_engine_init (magic), valid for 'a by contract.
    Ok(unsafe { &*p })
}

/// As [`engine_ref`], mutably.
///
/// # Safety
/// As [`engine_ref`], and no other reference to the engine exists for `'a`.
pub(crate) unsafe fn engine_mut<'a>(p: *mut dsr_engine) -> Result<&'a mut dsr_engine, dsr_result> {
    // SAFETY: forwarded contract; the check reads only.
    unsafe { engine_ref(p) }?;
    // SAFETY: checked above; exclusive by contract.
    Ok(unsafe { &mut *p })
}

/// Runs `f` on a checked engine and records its failure for
/// `dsr_engine_last_error()`.
///
/// # Safety
/// As [`engine_mut`].
pub(crate) unsafe fn with_engine<T>(
    p: *mut dsr_engine,
    f: impl FnOnce(&mut CoreEngine) -> Result<T, Failure>,
) -> Result<T, Failure> {
    // SAFETY: forwarded contract.
    unsafe { with_state(p, |e| f(&mut e.core)) }
}

/// As [`with_engine`], with the engine's [`Scratch`] for converting C arrays:
/// `f` gets the core engine and the scratch, emptied, with the lifetime of
/// this call.
///
/// # Safety
/// As [`engine_mut`].
pub(crate) unsafe fn with_scratch<T>(
    p: *mut dsr_engine,
    f: impl for<'s> FnOnce(&mut CoreEngine, &'s mut Scratch<'s>) -> Result<T, Failure>,
) -> Result<T, Failure> {
    let run = |e: &mut dsr_engine| {
        let scratch: *mut Scratch<'static> = &mut e.scratch;
        // SAFETY: `Scratch<'static>` and `Scratch<'s>` differ only in a
        // lifetime, so in nothing at run time. The scratch is emptied before
        // `f` sees it and after `f` returns (before, too, in case an earlier
        // `f` panicked), so no reference `f` puts in it is ever read outside
        // this call: the `'static` of the field is never relied on. `scratch`
        // points into `e`, alive for this closure, and into no other field
        // than the `&mut e.core` given beside it.
        let s = unsafe { &mut *scratch.cast::<Scratch<'_>>() };
        s.clear();
        let r = f(&mut e.core, s);
        // SAFETY: as above; the reference given to `f` is no longer used.
        unsafe { (*scratch).clear() };
        r
    };
    // SAFETY: forwarded contract.
    unsafe { with_state(p, run) }
}

/// As [`with_engine`], with the whole engine (the plan too).
///
/// # Safety
/// As [`engine_mut`].
pub(crate) unsafe fn with_state<T>(
    p: *mut dsr_engine,
    f: impl FnOnce(&mut dsr_engine) -> Result<T, Failure>,
) -> Result<T, Failure> {
    // SAFETY: forwarded contract.
    let e = unsafe { engine_mut(p) }?;
    let r = f(e);
    if let Err(failure) = r {
        e.last = Some(failure);
    }
    r
}

impl dsr_engine {
    /// Empties every table, the plan and the last error.
    pub(crate) fn clear(&mut self) {
        // `CoreEngine::clear()` leaves the pod table and the sync's state
        // (expectations, backoff) as they were (a core bug, reported); remove
        // pods and DaemonSets one by one first, which frees their parts and
        // forgets the DaemonSets' expectations and backoff.
        loop {
            let next = self.core.pods().next().map(|(id, _)| id);
            match next {
                Some(id) if self.core.remove_pod(id).is_ok() => {}
                _ => break,
            }
        }
        loop {
            let next = self.core.daemon_sets().next().map(|(id, _)| id);
            match next {
                Some(id) if self.core.remove_daemon_set(id).is_ok() => {}
                _ => break,
            }
        }
        self.core.clear();
        self.plan.clear();
        self.last = None;
    }
}

/// Bytes of memory an engine needs: `dsr_engine_init()`'s `len` must be at
/// least this.
#[no_mangle]
pub extern "C" fn dsr_engine_size() -> usize {
    boundary!(value 0, { core::mem::size_of::<dsr_engine>() })
}

/// Alignment, in bytes, of the memory an engine needs.
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
        // SAFETY: forwarded contract.
        let out = unsafe { crate::convert::out(out) }?;
        out.set(capacities());
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
    }
}

/// Sets up an empty engine in `len` bytes at `mem` and stores its handle in
/// `*out` (the handle is `mem` itself).
///
/// `mem` must be aligned to `dsr_engine_align()` and `len` at least
/// `dsr_engine_size()`; a static array works on firmware
/// (`_Alignas(16) static unsigned char mem[SIZE];`), `aligned_alloc()` on a
/// hosted system. The engine holds no other resource: to drop it, stop using
/// it and reuse or free the memory. Calling this again on the same memory
/// empties the engine.
///
/// # Safety
/// `mem` must be NULL or valid for writing `len` bytes for as long as the
/// engine is used, and not be used otherwise meanwhile; `out` must be NULL or
/// valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_init(
    mem: *mut c_void,
    len: usize,
    out: *mut *mut dsr_engine,
) -> dsr_result {
    boundary!({
        // SAFETY: forwarded contract.
        let out = unsafe { crate::convert::out(out) }?;
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
        // bytes (checked and by contract). `write` does not read or drop the
        // old contents.
        //
        // `CoreEngine::new()` is a const fn whose tables are empty heapless
        // vectors (a length and uninitialised storage) and zeroed arrays; its
        // constructors are inlined, so in release builds the optimiser writes
        // them into `mem` instead of building them on the stack first (the
        // firmware check holds this for 4 and 64 nodes), but that is not
        // guaranteed (debug builds do use a stack temporary of the engine's
        // size). A core `Engine::init_in_place(&mut MaybeUninit<Self>)` would
        // make it so.
        unsafe {
            p.write(dsr_engine {
                magic: MAGIC,
                last: None,
                core: CoreEngine::new(),
                plan: CorePlan::new(),
                scratch: Scratch::new(),
            });
        }
        out.set(p);
        Ok(())
    })
}

/// Empties every table of the engine (nodes, DaemonSets, pods, expectations,
/// backoff, the plan), keeping its memory (and forgetting the last error). Ids
/// given out before are no longer valid. Feature gates are kept.
///
/// # Safety
/// `engine` must be NULL or an engine from `dsr_engine_init()`, not used
/// concurrently.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_clear(engine: *mut dsr_engine) -> dsr_result {
    boundary!({
        // SAFETY: forwarded contract.
        let e = unsafe { engine_mut(engine) }?;
        e.clear();
        Ok(())
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
        // SAFETY: forwarded contract.
        let name = unsafe { text(&name) }?;
        // SAFETY: as above.
        unsafe { with_state(engine, |e| Ok(e.core.set_feature_gate(name, enabled)?)) }
    })
}

/// Adds a node and stores its id in `*out_id`. Node names are unique
/// (`DSR_RESULT_DUPLICATE`). Ids of removed nodes are reused.
///
/// # Safety
/// `engine` must be NULL or an engine from `dsr_engine_init()`, not used
/// concurrently; `node` NULL or valid, with every pointer in it valid for its
/// length; `out_id` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_add_node(
    engine: *mut dsr_engine,
    node: *const dsr_node,
    out_id: *mut u32,
) -> dsr_result {
    boundary!({
        // SAFETY: forwarded contract.
        let node = unsafe { input(node) }?;
        // SAFETY: as above.
        let out = unsafe { out(out_id) }?;
        // SAFETY: as above.
        let id =
            unsafe { with_scratch(engine, |e, s| with_node(s, node, |n| Ok(e.add_node(n)?))) }?;
        out.set(id.0);
        Ok(())
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
        // SAFETY: forwarded contract.
        let node = unsafe { input(node) }?;
        // SAFETY: as above.
        unsafe {
            with_scratch(engine, |e, s| {
                with_node(s, node, |n| Ok(e.update_node(NodeId(id), n)?))
            })
        }
    })
}

/// Removes node `id`.
///
/// # Safety
/// `engine` must be NULL or an engine from `dsr_engine_init()`, not used
/// concurrently.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_remove_node(engine: *mut dsr_engine, id: u32) -> dsr_result {
    boundary!({
        // SAFETY: forwarded contract.
        unsafe { with_engine(engine, |e| Ok(e.remove_node(NodeId(id))?)) }
    })
}

/// Adds a DaemonSet and stores its id in `*out_id`. `ns`/`name` is unique
/// (`DSR_RESULT_DUPLICATE`). A selector that upstream rejects is
/// `DSR_RESULT_INVALID_SELECTOR`; an invalid node-affinity term is stored and
/// matches nothing, as upstream.
///
/// # Safety
/// `engine` must be NULL or an engine from `dsr_engine_init()`, not used
/// concurrently; `set` NULL or valid, with every pointer it reaches valid for
/// its length; `out_id` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_add_daemon_set(
    engine: *mut dsr_engine,
    set: *const dsr_daemon_set,
    out_id: *mut u32,
) -> dsr_result {
    boundary!({
        // SAFETY: forwarded contract.
        let set = unsafe { input(set) }?;
        // SAFETY: as above.
        let out = unsafe { out(out_id) }?;
        // SAFETY: as above.
        let id = unsafe {
            with_scratch(engine, |e, s| {
                with_daemon_set(s, set, |d| Ok(e.add_daemon_set(d)?))
            })
        }?;
        out.set(id.0);
        Ok(())
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
        // SAFETY: forwarded contract.
        let set = unsafe { input(set) }?;
        // SAFETY: as above.
        unsafe {
            with_scratch(engine, |e, s| {
                with_daemon_set(s, set, |d| Ok(e.update_daemon_set(SetId(id), d)?))
            })
        }
    })
}

/// Removes DaemonSet `id` (its expectations and backoff with it, and the
/// engine's plan when it is this DaemonSet's). To delete it as the API does,
/// with its pods, see `dsr_engine_delete_daemon_set()`.
///
/// # Safety
/// `engine` must be NULL or an engine from `dsr_engine_init()`, not used
/// concurrently.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_remove_daemon_set(
    engine: *mut dsr_engine,
    id: u32,
) -> dsr_result {
    boundary!({
        // SAFETY: forwarded contract.
        unsafe {
            with_state(engine, |e| {
                e.core.remove_daemon_set(SetId(id))?;
                if e.plan.set == Some(SetId(id)) {
                    e.plan.clear();
                }
                Ok(())
            })
        }
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
        // SAFETY: forwarded contract.
        let e = unsafe { engine_ref(engine) }?;
        // SAFETY: as above.
        let out = unsafe { out(out_id) }?;
        // SAFETY: as above.
        let name = unsafe { text(&name) }?;
        let id = e
            .core
            .find_node(name)
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
        // SAFETY: forwarded contract.
        let e = unsafe { engine_ref(engine) }?;
        // SAFETY: as above.
        let out = unsafe { out(out_id) }?;
        // SAFETY: as above.
        let (ns, name) = unsafe { (text(&ns)?, text(&name)?) };
        let id = e
            .core
            .find_daemon_set(ns, name)
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
        // SAFETY: forwarded contract.
        let e = unsafe { engine_ref(engine) }?;
        // SAFETY: as above.
        let out = unsafe { crate::convert::out(out) }?;
        out.set(e.core.node_count());
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
        // SAFETY: forwarded contract.
        let e = unsafe { engine_ref(engine) }?;
        // SAFETY: as above.
        let out = unsafe { crate::convert::out(out) }?;
        out.set(e.core.daemon_set_count());
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
        // SAFETY: forwarded contract.
        let e = unsafe { engine_ref(engine) }?;
        // SAFETY: as above.
        let out = unsafe { crate::convert::out(out) }?;
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
        // SAFETY: forwarded contract.
        let e = unsafe { engine_ref(engine) }?;
        // SAFETY: as above.
        let out = unsafe { crate::convert::out(out) }?;
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

/// Writes into a byte buffer that is known to be large enough.
struct Buf<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl fmt::Write for Buf<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(fmt::Error)?;
        self.buf
            .get_mut(self.len..end)
            .ok_or(fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Writes text made by `write` to a caller's buffer, NUL-terminated, and its
/// length (without the NUL) to `*out_len`. When the buffer is too small,
/// writes nothing to it, stores the length the text needs (without the NUL)
/// in `*out_len` and fails with `DSR_RESULT_BUFFER_TOO_SMALL`.
///
/// # Safety
/// `buf` must be NULL or valid for writing `buf_len` bytes; `out_len` NULL or
/// writable.
pub(crate) unsafe fn write_text(
    buf: *mut c_char,
    buf_len: usize,
    out_len: Out<usize>,
    write: impl Fn(&mut dyn fmt::Write) -> fmt::Result,
) -> Result<(), Failure> {
    let mut count = Count(0);
    write(&mut count).map_err(|_| dsr_result::DSR_RESULT_LOGIC_BUG)?;
    let needed = count.0;
    if buf_len <= needed {
        out_len.set(needed);
        return Err(DSR_RESULT_BUFFER_TOO_SMALL.into());
    }
    if buf.is_null() {
        return Err(DSR_RESULT_NULL_POINTER.into());
    }
    // SAFETY: non-NULL, `buf_len` writable bytes by contract; bytes have no
    // alignment requirement. The slice lives only in this function.
    let bytes = unsafe { core::slice::from_raw_parts_mut(buf.cast::<u8>(), buf_len) };
    let mut w = Buf { buf: bytes, len: 0 };
    write(&mut w).map_err(|_| dsr_result::DSR_RESULT_LOGIC_BUG)?;
    let end = w.len;
    *w.buf.get_mut(end).ok_or(dsr_result::DSR_RESULT_LOGIC_BUG)? = 0;
    out_len.set(end);
    Ok(())
}

/// Puts a reason from `dsr_engine_should_run()` in words, e.g. `node has
/// taint dedicated=gpu:NoSchedule that the pod does not tolerate`, into
/// `buf` (NUL-terminated) and its length without the NUL into `*out_len`.
///
/// With a buffer too small (`buf_len` <= length), nothing is written to `buf`,
/// `*out_len` gets the length and the result is `DSR_RESULT_BUFFER_TOO_SMALL`
/// (`buf` may be NULL with `buf_len` 0 to ask for the length). A reason whose
/// DaemonSet or node changed since is `DSR_RESULT_STALE_REASON`; an unknown
/// `kind` is `DSR_RESULT_UNKNOWN_ENUM`.
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
        // SAFETY: forwarded contract.
        let e = unsafe { engine_ref(engine) }?;
        // SAFETY: as above.
        let reason = unsafe { input(reason) }?;
        // SAFETY: as above.
        let out_len = unsafe { out(out_len) }?;
        dsr_reason_kind::from_u32(reason.kind).ok_or(DSR_RESULT_UNKNOWN_ENUM)?;
        let set = SetId(reason.set_id);
        let p = e
            .core
            .should_run(set, NodeId(reason.node_id))
            .map_err(|_| DSR_RESULT_STALE_REASON)?;
        if placement_to_c(&e.core, reason.set_id, reason.node_id, &p).reason != *reason {
            return Err(DSR_RESULT_STALE_REASON.into());
        }
        // SAFETY: forwarded contract.
        unsafe {
            write_text(buf, buf_len, out_len, |mut w| {
                e.core.describe(set, &p.reason, &mut w)
            })
        }
    })
}

/// Describes the last failure of a call that took this engine as
/// `dsr_engine *` (e.g. `the label table is full (DSR_LABELS): labels table
/// is full (capacity 2048)`), or `no error`, into `buf` as
/// `dsr_engine_describe()` does. Calls that fail before the engine is
/// checked (NULL engine) leave no record.
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
        // SAFETY: forwarded contract.
        let e = unsafe { engine_ref(engine) }?;
        // SAFETY: as above.
        let out_len = unsafe { out(out_len) }?;
        let last = e.last;
        // SAFETY: forwarded contract.
        unsafe {
            write_text(buf, buf_len, out_len, |w| match last {
                None => w.write_str("no error"),
                Some(f) => {
                    let text = f.code.text().to_str().unwrap_or("error");
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
        }
    })
}
