//! From C arguments to the core's inputs, checking every pointer, length and
//! string, and allocating nothing: C arrays are copied into fixed-size scratch
//! arrays (sized by the `DSR_CALL_*` build variables), which the core's input
//! slices then borrow for the duration of the call. The arrays are the
//! engine's [`Scratch`], not the stack's: they are the largest locals of the C
//! API (several KB with the firmware profile), and a firmware stack is small.
//!
//! Every function here only reads; nothing reaches the engine until every
//! argument has been checked, so a failure changes nothing.

use core::mem::MaybeUninit;
use core::ops::Range;

use dsr_core::input::{
    ContainerInput, DaemonSetInput, IntOrStringInput, LabelInput, LabelSelectorInput, NodeInput,
    NodeSelectorTermInput, PodConditionInput, PodInput, RequirementInput, RollingUpdateInput,
    TaintInput, TolerationInput, UpdateStrategyInput,
};
use dsr_core::Timestamp;
use heapless::Vec;

use crate::capacities::build::{
    CALL_CONTAINERS, CALL_LABELS, CALL_REQUIREMENTS, CALL_TAINTS, CALL_TERMS, CALL_TOLERATIONS,
    CALL_VALUES,
};
use crate::result::{dsr_result, Failure};
use crate::types::{
    dsr_container, dsr_daemon_set, dsr_int_or_string, dsr_int_or_string_kind, dsr_label,
    dsr_label_selector, dsr_node, dsr_node_selector_term, dsr_pod, dsr_requirement, dsr_str,
    dsr_taint, dsr_toleration, dsr_update_strategy,
};

use dsr_result::{
    DSR_RESULT_BAD_LENGTH, DSR_RESULT_CALL_LIMIT, DSR_RESULT_INVALID_UTF8, DSR_RESULT_MISALIGNED,
    DSR_RESULT_NULL_POINTER, DSR_RESULT_UNKNOWN_ENUM,
};

// # Pointers from C
//
// Every pointer an exported function receives is covered by its `# Safety`
// section: NULL, or valid for what the function reads or writes, for the
// duration of the call. The `try_*!` macros below turn such a pointer into a
// reference after the checks that need no trust (NULL, alignment, length
// overflow), and fail with a `dsr_result` otherwise. They hold the only
// `unsafe` of the conversion: a macro is used only on an exported function's
// arguments or on pointers inside structs those arguments reach, which that
// contract covers. An `unsafe` block anywhere else argues an invariant of its
// own.
//
// Output buffers follow one rule: caller memory is `[MaybeUninit<u8>]`, never
// read, written byte by byte ([`write_bytes`]), and seen as `&mut [u8]` only
// after being zeroed ([`zeroed`]).

/// `&T` from a required input pointer (NULL: `DSR_RESULT_NULL_POINTER`).
macro_rules! try_ref {
    ($p:expr) => {
        // SAFETY: the exported function's contract (see `convert`).
        unsafe { $crate::convert::input($p) }?
    };
}

/// `Option<&T>` from an optional input pointer (NULL: `None`).
macro_rules! try_opt {
    ($p:expr) => {
        // SAFETY: the exported function's contract (see `convert`).
        unsafe { $crate::convert::optional($p) }?
    };
}

/// `&[T]` from a pointer and a length (NULL allowed with length 0).
macro_rules! try_slice {
    ($p:expr, $len:expr) => {
        // SAFETY: the exported function's contract (see `convert`).
        unsafe { $crate::convert::slice($p, $len) }?
    };
}

/// `&str` from a `dsr_str` (invalid UTF-8: `DSR_RESULT_INVALID_UTF8`).
macro_rules! try_str {
    ($s:expr) => {
        // SAFETY: the exported function's contract (see `convert`).
        unsafe { $crate::convert::text(&$s) }?
    };
}

/// An [`Out`] from a required out-parameter.
macro_rules! try_out {
    ($p:expr) => {
        // SAFETY: the exported function's contract (see `convert`).
        unsafe { $crate::convert::out($p) }?
    };
}

/// `&mut [MaybeUninit<u8>]` over a caller's output buffer (NULL allowed with
/// length 0).
macro_rules! try_out_bytes {
    ($p:expr, $len:expr) => {
        // SAFETY: the exported function's contract (see `convert`).
        unsafe { $crate::convert::out_bytes($p, $len) }?
    };
}

/// An output array of `cap` entries (NULL allowed with `cap` 0).
macro_rules! try_out_array {
    ($p:expr, $cap:expr) => {
        // SAFETY: the exported function's contract (see `convert`).
        unsafe { $crate::convert::out_array($p, $cap) }?
    };
}

/// `&T` from a versioned input struct (see [`Versioned`]); `$slot`, a
/// `MaybeUninit<T>`, holds an older caller's struct widened.
macro_rules! try_struct {
    ($p:expr, $slot:expr) => {
        // SAFETY: the exported function's contract (see `convert`).
        unsafe { $crate::convert::versioned($p, &mut $slot) }?
    };
}

/// A C array as a slice: NULL is allowed when `len` is 0.
///
/// # Safety
/// When `len > 0` and `ptr` is not NULL, `ptr` must point to `len` readable,
/// initialised `T`s that stay valid and unmodified for `'a` (the call).
pub(crate) unsafe fn slice<'a, T>(ptr: *const T, len: usize) -> Result<&'a [T], dsr_result> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(DSR_RESULT_NULL_POINTER);
    }
    if !ptr.is_aligned() {
        return Err(DSR_RESULT_MISALIGNED);
    }
    if len > isize::MAX as usize / core::mem::size_of::<T>().max(1) {
        return Err(DSR_RESULT_BAD_LENGTH);
    }
    // SAFETY: non-NULL and aligned (checked), `len` elements that fit in an
    // isize (checked), readable for 'a (the caller's contract).
    Ok(unsafe { core::slice::from_raw_parts(ptr, len) })
}

/// A `dsr_str` as UTF-8 text.
///
/// # Safety
/// As [`slice`], for `s.len` bytes at `s.ptr`.
pub(crate) unsafe fn text<'a>(s: &dsr_str) -> Result<&'a str, dsr_result> {
    // SAFETY: forwarded contract.
    let bytes = unsafe { slice(s.ptr.cast::<u8>(), s.len) }?;
    core::str::from_utf8(bytes).map_err(|_| DSR_RESULT_INVALID_UTF8)
}

/// A required input pointer as a reference.
///
/// # Safety
/// When not NULL, `p` must point to an initialised `T` valid for `'a`.
pub(crate) unsafe fn input<'a, T>(p: *const T) -> Result<&'a T, dsr_result> {
    if p.is_null() {
        return Err(DSR_RESULT_NULL_POINTER);
    }
    if !p.is_aligned() {
        return Err(DSR_RESULT_MISALIGNED);
    }
    // SAFETY: non-NULL, aligned, valid (the caller's contract).
    Ok(unsafe { &*p })
}

/// An optional input pointer: NULL is `None`.
///
/// # Safety
/// As [`input`].
pub(crate) unsafe fn optional<'a, T>(p: *const T) -> Result<Option<&'a T>, dsr_result> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded contract.
    unsafe { input(p) }.map(Some)
}

/// A checked out-parameter, written only through [`Out::set`] (on success).
pub(crate) struct Out<T>(*mut T);

/// Checks an out-parameter: not NULL, aligned.
///
/// # Safety
/// When not NULL, `p` must be valid for writing a `T` until the call returns.
pub(crate) unsafe fn out<T>(p: *mut T) -> Result<Out<T>, dsr_result> {
    if p.is_null() {
        return Err(DSR_RESULT_NULL_POINTER);
    }
    if !p.is_aligned() {
        return Err(DSR_RESULT_MISALIGNED);
    }
    Ok(Out(p))
}

impl<T> Out<T> {
    /// Writes the value.
    pub(crate) fn set(self, value: T) {
        // SAFETY: `out()` checked NULL and alignment and its caller promised a
        // writable T; `write` does not read or drop the old (C) contents.
        unsafe { self.0.write(value) }
    }
}

/// A caller's output buffer as possibly uninitialised bytes: NULL only with
/// `len` 0.
///
/// # Safety
/// When not NULL, `p` must be valid for writing `len` bytes until the call
/// returns, and not be read or written by anything else meanwhile.
pub(crate) unsafe fn out_bytes<'a, T>(
    p: *mut T,
    len: usize,
) -> Result<&'a mut [MaybeUninit<u8>], dsr_result> {
    if len == 0 {
        return Ok(&mut []);
    }
    if p.is_null() {
        return Err(DSR_RESULT_NULL_POINTER);
    }
    if len > isize::MAX as usize {
        return Err(DSR_RESULT_BAD_LENGTH);
    }
    // SAFETY: non-NULL, `len` writable bytes (contract) that fit in an isize
    // (checked); `MaybeUninit<u8>` has no alignment or validity requirement,
    // so whatever the caller's memory holds is a valid value.
    Ok(unsafe { core::slice::from_raw_parts_mut(p.cast::<MaybeUninit<u8>>(), len) })
}

/// Copies `bytes` into `buf` at `at`; false (and nothing written) when they do
/// not fit.
pub(crate) fn write_bytes(buf: &mut [MaybeUninit<u8>], at: usize, bytes: &[u8]) -> bool {
    let Some(dst) = at
        .checked_add(bytes.len())
        .and_then(|end| buf.get_mut(at..end))
    else {
        return false;
    };
    for (d, b) in dst.iter_mut().zip(bytes) {
        d.write(*b);
    }
    true
}

/// Zeroes a caller's buffer and gives it as initialised bytes (for writers
/// that take `&mut [u8]`, such as the core's snapshot).
pub(crate) fn zeroed(buf: &mut [MaybeUninit<u8>]) -> &mut [u8] {
    // SAFETY: `buf.len()` writable bytes; afterwards every byte is
    // initialised, and `MaybeUninit<u8>` and `u8` have the same layout; the
    // returned borrow is the only one (it reborrows `buf`).
    unsafe {
        core::ptr::write_bytes(buf.as_mut_ptr(), 0, buf.len());
        &mut *(buf as *mut [MaybeUninit<u8>] as *mut [u8])
    }
}

/// A caller's output array of `cap` entries, written only through
/// [`OutArray::set`].
pub(crate) struct OutArray<T> {
    ptr: *mut T,
    cap: usize,
}

/// Checks an output array: NULL only with `cap` 0, aligned.
///
/// # Safety
/// When not NULL, `ptr` must be valid for writing `cap` `T`s until the call
/// returns.
pub(crate) unsafe fn out_array<T>(ptr: *mut T, cap: usize) -> Result<OutArray<T>, dsr_result> {
    if cap > 0 && ptr.is_null() {
        return Err(DSR_RESULT_NULL_POINTER);
    }
    if !ptr.is_null() && !ptr.is_aligned() {
        return Err(DSR_RESULT_MISALIGNED);
    }
    Ok(OutArray { ptr, cap })
}

impl<T> OutArray<T> {
    /// Writes entry `i` (which must be below the capacity).
    pub(crate) fn set(&mut self, i: usize, value: T) -> Result<(), dsr_result> {
        if i >= self.cap {
            return Err(dsr_result::DSR_RESULT_LOGIC_BUG);
        }
        // SAFETY: `out_array()` checked NULL (cap > 0 here) and alignment, and
        // its caller promised `cap` writable entries; `i < cap`. `write` does
        // not read or drop the old (C) contents.
        unsafe { self.ptr.add(i).write(value) };
        Ok(())
    }
}

/// An input struct that starts with `size_t struct_size`, the caller's
/// `sizeof` of it: the struct of the header the caller was compiled with.
///
/// # Safety
/// Implementors are `#[repr(C)]`, start with a `usize` field, and every bit
/// pattern of zero bytes is a valid value of them (pointers NULL, integers 0,
/// `bool` false).
pub(crate) unsafe trait Versioned: Copy {
    /// `sizeof` of every earlier release of the struct this library reads,
    /// oldest first; the last entry is `size_of::<Self>()`.
    const KNOWN_SIZES: &'static [usize];
}

/// A versioned struct: `struct_size` must be one of its known sizes (else
/// `DSR_RESULT_BAD_STRUCT_SIZE`). The caller's struct itself when it is of
/// this release; a smaller size is an older caller's, of which only its own
/// bytes are read, copied into `slot` over zeroes (the defaults of the fields
/// it does not have).
///
/// # Safety
/// When not NULL, `p` must be valid for reading the `struct_size` bytes it
/// starts with, for as long as `slot` is borrowed.
pub(crate) unsafe fn versioned<T: Versioned>(
    p: *const T,
    slot: &mut MaybeUninit<T>,
) -> Result<&T, dsr_result> {
    // SAFETY: forwarded contract; `slot` is `size_of::<T>()` writable bytes of
    // our own.
    let q = unsafe {
        read_versioned(
            p.cast::<u8>(),
            p.is_aligned(),
            slot.as_mut_ptr().cast::<u8>(),
            core::mem::size_of::<T>(),
            T::KNOWN_SIZES,
        )
    }?;
    // SAFETY: `q` is `p` (a whole T of this release, valid while `slot` is
    // borrowed: contract) or `slot`, zeroed with an older release's T copied
    // over (all-zero bytes with a prefix of a valid T are a valid T: the
    // trait's contract); aligned either way.
    Ok(unsafe { &*q.cast::<T>() })
}

/// The untyped part of [`versioned`], one copy for every struct: checks the
/// caller's `struct_size` and returns `p` (this release's size) or `slot`
/// holding the caller's bytes over zeroes (an older release's).
///
/// # Safety
/// As [`versioned`], with `slot` valid for writing `full` bytes and not
/// overlapping the caller's struct.
unsafe fn read_versioned(
    p: *const u8,
    aligned: bool,
    slot: *mut u8,
    full: usize,
    known: &[usize],
) -> Result<*const u8, dsr_result> {
    if p.is_null() {
        return Err(DSR_RESULT_NULL_POINTER);
    }
    if !aligned {
        return Err(DSR_RESULT_MISALIGNED);
    }
    // SAFETY: non-NULL, aligned for the struct (so for its leading usize),
    // and the caller's struct has at least its `struct_size` field
    // (contract).
    let given = unsafe { p.cast::<usize>().read() };
    if given > full || !known.contains(&given) {
        return Err(dsr_result::DSR_RESULT_BAD_STRUCT_SIZE);
    }
    if given == full {
        return Ok(p);
    }
    // SAFETY: `given` < `full` readable bytes at `p` (contract), into `slot`
    // (`full` writable bytes that do not overlap: contract).
    unsafe {
        core::ptr::write_bytes(slot, 0, full);
        core::ptr::copy_nonoverlapping(p, slot, given);
    }
    Ok(slot.cast_const())
}

/// Reserves `n` more items in a scratch array, or `DSR_RESULT_CALL_LIMIT`.
fn room<T, const N: usize>(v: &Vec<T, N>, n: usize) -> Result<(), dsr_result> {
    if n > N - v.len() {
        Err(DSR_RESULT_CALL_LIMIT)
    } else {
        Ok(())
    }
}

fn push<T, const N: usize>(v: &mut Vec<T, N>, item: T) -> Result<(), dsr_result> {
    v.push(item).map_err(|_| DSR_RESULT_CALL_LIMIT)
}

/// The items of a range of a scratch array.
fn part<T>(all: &[T], r: Range<usize>) -> Result<&[T], dsr_result> {
    all.get(r).ok_or(dsr_result::DSR_RESULT_LOGIC_BUG)
}

/// Per-call scratch: C arrays converted to the core's input types. One lives
/// in every engine (`dsr_engine`); [`crate::engine::with_scratch`] empties it
/// before and after each call that uses it, so nothing in it outlives the call
/// whose C arguments it borrows.
pub(crate) struct Scratch<'a> {
    labels: Vec<LabelInput<'a>, CALL_LABELS>,
    taints: Vec<TaintInput<'a>, CALL_TAINTS>,
    tolerations: Vec<TolerationInput<'a>, CALL_TOLERATIONS>,
    values: Vec<&'a str, CALL_VALUES>,
    reqs: Vec<RequirementInput<'a>, CALL_REQUIREMENTS>,
    spans: Vec<Range<usize>, CALL_REQUIREMENTS>,
    term_spans: Vec<(Range<usize>, Range<usize>), CALL_TERMS>,
    terms: Vec<NodeSelectorTermInput<'a>, CALL_TERMS>,
    containers: Vec<ContainerInput<'a>, CALL_CONTAINERS>,
    effects: Vec<&'a str, CALL_VALUES>,
}

impl Scratch<'_> {
    /// Empty scratch.
    pub(crate) const fn new() -> Self {
        Scratch {
            labels: Vec::new(),
            taints: Vec::new(),
            tolerations: Vec::new(),
            values: Vec::new(),
            reqs: Vec::new(),
            spans: Vec::new(),
            term_spans: Vec::new(),
            terms: Vec::new(),
            containers: Vec::new(),
            effects: Vec::new(),
        }
    }

    /// Empties every array (their items are `Copy`: nothing to drop).
    pub(crate) fn clear(&mut self) {
        self.labels.clear();
        self.taints.clear();
        self.tolerations.clear();
        self.values.clear();
        self.reqs.clear();
        self.spans.clear();
        self.term_spans.clear();
        self.terms.clear();
        self.containers.clear();
        self.effects.clear();
    }
}

/// Labels of a C array, appended to `pool`; returns where they are.
///
/// Pointers it reaches are covered by the exported function's contract (see the
/// module's notes on pointers).
fn push_labels<'a>(
    pool: &mut Vec<LabelInput<'a>, CALL_LABELS>,
    ptr: *const dsr_label,
    len: usize,
) -> Result<Range<usize>, dsr_result> {
    let labels = try_slice!(ptr, len);
    room(pool, labels.len())?;
    let start = pool.len();
    for l in labels {
        let (key, value) = { (try_str!(l.key), try_str!(l.value)) };
        push(pool, LabelInput { key, value })?;
    }
    Ok(start..pool.len())
}

/// A taint.
///
/// Pointers it reaches are covered by the exported function's contract (see the
/// module's notes on pointers).
pub(crate) fn taint<'a>(t: &dsr_taint) -> Result<TaintInput<'a>, dsr_result> {
    {
        Ok(TaintInput {
            key: try_str!(t.key),
            value: try_str!(t.value),
            effect: try_str!(t.effect),
        })
    }
}

/// A toleration.
///
/// Pointers it reaches are covered by the exported function's contract (see the
/// module's notes on pointers).
pub(crate) fn toleration<'a>(t: &dsr_toleration) -> Result<TolerationInput<'a>, dsr_result> {
    {
        Ok(TolerationInput {
            key: try_str!(t.key),
            operator: try_str!(t.op),
            value: try_str!(t.value),
            effect: try_str!(t.effect),
            toleration_seconds: t.has_toleration_seconds.then_some(t.toleration_seconds),
        })
    }
}

/// Taints of a C array, appended to `out`.
///
/// Pointers it reaches are covered by the exported function's contract (see the
/// module's notes on pointers).
fn push_taints<'a>(
    out: &mut Vec<TaintInput<'a>, CALL_TAINTS>,
    ptr: *const dsr_taint,
    len: usize,
) -> Result<(), dsr_result> {
    let all = try_slice!(ptr, len);
    room(out, all.len())?;
    for t in all {
        push(out, { taint(t) }?)?;
    }
    Ok(())
}

/// Tolerations of a C array, appended to `out`.
///
/// Pointers it reaches are covered by the exported function's contract (see the
/// module's notes on pointers).
fn push_tolerations<'a>(
    out: &mut Vec<TolerationInput<'a>, CALL_TOLERATIONS>,
    ptr: *const dsr_toleration,
    len: usize,
) -> Result<(), dsr_result> {
    let all = try_slice!(ptr, len);
    room(out, all.len())?;
    for t in all {
        push(out, { toleration(t) }?)?;
    }
    Ok(())
}

/// Calls `f` with the labels of a C array.
///
/// Pointers it reaches are covered by the exported function's contract (see the
/// module's notes on pointers).
pub(crate) fn with_labels<'s, T>(
    s: &'s mut Scratch<'s>,
    ptr: *const dsr_label,
    len: usize,
    f: impl FnOnce(&[LabelInput<'_>]) -> Result<T, Failure>,
) -> Result<T, Failure> {
    let r = { push_labels(&mut s.labels, ptr, len) }?;
    f(part(&s.labels, r)?)
}

/// Calls `f` with taints, tolerations and (when `filter_effects`) effects of C
/// arrays, as `dsr_engine_find_untolerated_taint()` takes them.
///
/// Pointers it reaches are covered by the exported function's contract (see the
/// module's notes on pointers).
pub(crate) fn with_taints_and_tolerations<'s, T>(
    s: &'s mut Scratch<'s>,
    taints: (*const dsr_taint, usize),
    tolerations: (*const dsr_toleration, usize),
    effects: Option<(*const dsr_str, usize)>,
    f: impl FnOnce(&[TaintInput<'_>], &[TolerationInput<'_>], Option<&[&str]>) -> Result<T, Failure>,
) -> Result<T, Failure> {
    { push_taints(&mut s.taints, taints.0, taints.1) }?;
    { push_tolerations(&mut s.tolerations, tolerations.0, tolerations.1) }?;
    if let Some((ptr, len)) = effects {
        let all = try_slice!(ptr, len);
        for e in all {
            push(&mut s.effects, try_str!(*e))?;
        }
    }
    let effects = effects.is_some().then_some(s.effects.as_slice());
    f(&s.taints, &s.tolerations, effects)
}

/// Calls `f` with a node.
///
/// Pointers it reaches are covered by the exported function's contract (see the
/// module's notes on pointers).
pub(crate) fn with_node<'s, T>(
    s: &'s mut Scratch<'s>,
    node: &dsr_node,
    f: impl FnOnce(&NodeInput<'_>) -> Result<T, Failure>,
) -> Result<T, Failure> {
    let name = try_str!(node.name);
    let r = { push_labels(&mut s.labels, node.labels, node.labels_len) }?;
    { push_taints(&mut s.taints, node.taints, node.taints_len) }?;
    f(&NodeInput {
        name,
        labels: part(&s.labels, r)?,
        taints: &s.taints,
        unschedulable: node.unschedulable,
    })
}

/// The scratch arrays of selector requirements: their values, the
/// requirements themselves (with empty values until [`attach_values`]), and
/// where each requirement's values are.
struct Requirements<'r, 'a> {
    values: &'r mut Vec<&'a str, CALL_VALUES>,
    reqs: &'r mut Vec<RequirementInput<'a>, CALL_REQUIREMENTS>,
    spans: &'r mut Vec<Range<usize>, CALL_REQUIREMENTS>,
}

/// Appends the requirements of a C array; returns where they are in `reqs`.
///
/// Pointers it reaches are covered by the exported function's contract (see the
/// module's notes on pointers).
fn push_requirements<'a>(
    s: &mut Requirements<'_, 'a>,
    ptr: *const dsr_requirement,
    len: usize,
) -> Result<Range<usize>, dsr_result> {
    let all = try_slice!(ptr, len);
    room(s.reqs, all.len())?;
    let start = s.reqs.len();
    for r in all {
        let (key, operator) = { (try_str!(r.key), try_str!(r.op)) };
        let values = try_slice!(r.values, r.values_len);
        room(s.values, values.len())?;
        let first = s.values.len();
        for v in values {
            push(s.values, try_str!(*v))?;
        }
        push(s.spans, first..s.values.len())?;
        push(
            s.reqs,
            RequirementInput {
                key,
                operator,
                values: &[],
            },
        )?;
    }
    Ok(start..s.reqs.len())
}

/// Points every requirement at its values, once all values are in.
fn attach_values<'v>(
    reqs: &mut [RequirementInput<'v>],
    spans: &[Range<usize>],
    values: &'v [&'v str],
) -> Result<(), dsr_result> {
    for (r, span) in reqs.iter_mut().zip(spans) {
        r.values = part(values, span.clone())?;
    }
    Ok(())
}

/// Calls `f` with a DaemonSet.
///
/// Pointers it reaches are covered by the exported function's contract (see the
/// module's notes on pointers).
pub(crate) fn with_daemon_set<'s, T>(
    s: &'s mut Scratch<'s>,
    ds: &dsr_daemon_set,
    f: impl FnOnce(&DaemonSetInput<'_>) -> Result<T, Failure>,
) -> Result<T, Failure> {
    let Scratch {
        labels,
        tolerations,
        values,
        reqs,
        spans,
        term_spans,
        terms,
        containers,
        ..
    } = s;
    let (name, namespace, uid, node_name) = {
        (
            try_str!(ds.name),
            try_str!(ds.ns),
            try_str!(ds.uid),
            try_str!(ds.node_name),
        )
    };
    let template = { push_labels(labels, ds.template_labels, ds.template_labels_len) }?;
    let node_selector = { push_labels(labels, ds.node_selector, ds.node_selector_len) }?;
    let mut r = Requirements {
        values: &mut *values,
        reqs: &mut *reqs,
        spans: &mut *spans,
    };
    let selector: Option<&dsr_label_selector> = try_opt!(ds.selector);
    let selector = match selector {
        None => None,
        Some(sel) => {
            let ml = { push_labels(labels, sel.match_labels, sel.match_labels_len) }?;
            let me =
                { push_requirements(&mut r, sel.match_expressions, sel.match_expressions_len) }?;
            Some((ml, me))
        }
    };
    if ds.has_required_node_affinity {
        {
            push_terms(
                &mut r,
                term_spans,
                ds.required_node_affinity,
                ds.required_node_affinity_len,
            )
        }?;
    }
    { push_tolerations(tolerations, ds.tolerations, ds.tolerations_len) }?;
    { push_containers(containers, ds.containers, ds.containers_len) }?;
    let (update_strategy, revision_hash, restart_policy) = {
        (
            update_strategy(&ds.update_strategy)?,
            try_str!(ds.revision_hash),
            try_str!(ds.restart_policy),
        )
    };
    let template_generation = if ds.has_template_generation {
        Some(try_str!(ds.template_generation))
    } else {
        None
    };

    let (reqs, terms) = finish_requirements(values, reqs, spans, term_spans, terms)?;
    let labels: &[LabelInput<'_>] = labels;
    let selector = match selector {
        None => None,
        Some((ml, me)) => Some(LabelSelectorInput {
            match_labels: part(labels, ml)?,
            match_expressions: part(reqs, me)?,
        }),
    };
    // `..Default::default()`: fields the core adds later keep their defaults
    // until the C struct grows them.
    #[allow(clippy::needless_update)]
    let input = DaemonSetInput {
        name,
        namespace,
        uid,
        selector,
        template_labels: part(labels, template)?,
        node_selector: part(labels, node_selector)?,
        required_node_affinity: ds.has_required_node_affinity.then_some(terms),
        tolerations,
        node_name,
        host_network: ds.host_network,
        generation: ds.generation,
        observed_generation: ds.observed_generation,
        deleting: ds.deleting,
        update_strategy,
        min_ready_seconds: ds.min_ready_seconds,
        revision_hash,
        template_generation,
        restart_policy,
        active_deadline_seconds: ds
            .has_active_deadline_seconds
            .then_some(ds.active_deadline_seconds),
        revision_history_limit: ds
            .has_revision_history_limit
            .then_some(ds.revision_history_limit),
        containers,
        ..Default::default()
    };
    f(&input)
}

/// Appends the node-selector terms of a C array to the scratch requirements;
/// `spans` gets where each term's expressions and fields are.
///
/// Pointers it reaches are covered by the exported function's contract (see the
/// module's notes on pointers).
fn push_terms<'a>(
    s: &mut Requirements<'_, 'a>,
    spans: &mut Vec<(Range<usize>, Range<usize>), CALL_TERMS>,
    ptr: *const dsr_node_selector_term,
    len: usize,
) -> Result<(), dsr_result> {
    let terms: &[dsr_node_selector_term] = try_slice!(ptr, len);
    room(spans, terms.len())?;
    for t in terms {
        let (me, mf) = {
            (
                push_requirements(s, t.match_expressions, t.match_expressions_len)?,
                push_requirements(s, t.match_fields, t.match_fields_len)?,
            )
        };
        push(spans, (me, mf))?;
    }
    Ok(())
}

/// The terms whose requirements [`push_terms`] put in `reqs`, into `terms`.
fn build_terms<'a>(
    reqs: &'a [RequirementInput<'a>],
    spans: &[(Range<usize>, Range<usize>)],
    terms: &mut Vec<NodeSelectorTermInput<'a>, CALL_TERMS>,
) -> Result<(), dsr_result> {
    for (me, mf) in spans {
        push(
            terms,
            NodeSelectorTermInput {
                match_expressions: part(reqs, me.clone())?,
                match_fields: part(reqs, mf.clone())?,
            },
        )?;
    }
    Ok(())
}

/// Converts the requirements of node-selector terms (and a selector's
/// `matchExpressions`, already pushed) once every value is in: attaches the
/// values and builds the terms. Returns the requirements and the terms.
fn finish_requirements<'a>(
    values: &'a mut Vec<&'a str, CALL_VALUES>,
    reqs: &'a mut Vec<RequirementInput<'a>, CALL_REQUIREMENTS>,
    spans: &'a mut Vec<Range<usize>, CALL_REQUIREMENTS>,
    term_spans: &'a mut Vec<(Range<usize>, Range<usize>), CALL_TERMS>,
    terms: &'a mut Vec<NodeSelectorTermInput<'a>, CALL_TERMS>,
) -> Result<(&'a [RequirementInput<'a>], &'a [NodeSelectorTermInput<'a>]), dsr_result> {
    let values: &'a [&'a str] = values;
    attach_values(reqs, spans, values)?;
    let reqs: &'a [RequirementInput<'a>] = reqs;
    build_terms(reqs, term_spans, terms)?;
    Ok((reqs, terms))
}

/// A `maxUnavailable`/`maxSurge` value; `None` when unset.
///
/// Pointers it reaches are covered by the exported function's contract (see the
/// module's notes on pointers).
fn int_or_string<'a>(v: &dsr_int_or_string) -> Result<Option<IntOrStringInput<'a>>, dsr_result> {
    use dsr_int_or_string_kind::*;
    Ok(
        match dsr_int_or_string_kind::from_u32(v.kind).ok_or(DSR_RESULT_UNKNOWN_ENUM)? {
            DSR_INT_OR_STRING_UNSET => None,
            DSR_INT_OR_STRING_INT => Some(IntOrStringInput::Int(v.int_value)),
            DSR_INT_OR_STRING_STRING => {
                let s = try_str!(v.string_value);
                Some(IntOrStringInput::String(s))
            }
        },
    )
}

/// `spec.updateStrategy`.
///
/// Pointers it reaches are covered by the exported function's contract (see the
/// module's notes on pointers).
fn update_strategy<'a>(u: &dsr_update_strategy) -> Result<UpdateStrategyInput<'a>, dsr_result> {
    let (type_, max_unavailable, max_surge) = {
        (
            try_str!(u.strategy_type),
            int_or_string(&u.max_unavailable)?,
            int_or_string(&u.max_surge)?,
        )
    };
    Ok(UpdateStrategyInput {
        type_,
        rolling_update: u.has_rolling_update.then_some(RollingUpdateInput {
            max_unavailable,
            max_surge,
        }),
    })
}

/// Containers of a C array, appended to `out`.
///
/// Pointers it reaches are covered by the exported function's contract (see the
/// module's notes on pointers).
fn push_containers<'a>(
    out: &mut Vec<ContainerInput<'a>, CALL_CONTAINERS>,
    ptr: *const dsr_container,
    len: usize,
) -> Result<(), dsr_result> {
    let all = try_slice!(ptr, len);
    room(out, all.len())?;
    for c in all {
        let name = try_str!(c.name);
        push(out, ContainerInput { name })?;
    }
    Ok(())
}

/// Calls `f` with a pod.
///
/// Pointers it reaches are covered by the exported function's contract (see the
/// module's notes on pointers).
pub(crate) fn with_pod<'s, T>(
    s: &'s mut Scratch<'s>,
    pod: &dsr_pod,
    f: impl FnOnce(&PodInput<'_>) -> Result<T, Failure>,
) -> Result<T, Failure> {
    let Scratch {
        labels,
        values,
        reqs,
        spans,
        term_spans,
        terms,
        ..
    } = s;
    let (name, namespace, uid, node_name, phase) = {
        (
            try_str!(pod.name),
            try_str!(pod.ns),
            try_str!(pod.uid),
            try_str!(pod.node_name),
            try_str!(pod.phase),
        )
    };
    let (controller_uid, controller_kind, controller_name) = if pod.has_controller {
        (
            Some(try_str!(pod.controller_uid)),
            try_str!(pod.controller_kind),
            try_str!(pod.controller_name),
        )
    } else {
        (None, "", "")
    };
    let ready = if pod.has_ready {
        Some(PodConditionInput {
            status: try_str!(pod.ready.status),
            last_transition_time: pod
                .ready
                .has_last_transition_time
                .then_some(Timestamp(pod.ready.last_transition_time)),
        })
    } else {
        None
    };
    let l = { push_labels(labels, pod.labels, pod.labels_len) }?;
    if pod.has_required_node_affinity {
        let mut r = Requirements {
            values: &mut *values,
            reqs: &mut *reqs,
            spans: &mut *spans,
        };
        {
            push_terms(
                &mut r,
                term_spans,
                pod.required_node_affinity,
                pod.required_node_affinity_len,
            )
        }?;
    }
    let (_, terms) = finish_requirements(values, reqs, spans, term_spans, terms)?;
    f(&PodInput {
        name,
        namespace,
        uid,
        labels: part(labels, l)?,
        controller_uid,
        node_name,
        required_node_affinity: pod.has_required_node_affinity.then_some(terms),
        phase,
        ready,
        deleting: pod.deleting,
        creation_timestamp: Timestamp(pod.creation_timestamp),
        controller_kind,
        controller_name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A struct as release 1 had it.
    #[repr(C)]
    #[derive(Clone, Copy)]
    struct Old {
        struct_size: usize,
        a: u64,
    }

    /// The same struct, release 2: a field appended.
    #[repr(C)]
    #[derive(Clone, Copy, Debug, PartialEq)]
    struct New {
        struct_size: usize,
        a: u64,
        b: u64,
    }

    // SAFETY: repr(C), a leading usize, integers only.
    unsafe impl Versioned for New {
        const KNOWN_SIZES: &'static [usize] =
            &[core::mem::size_of::<Old>(), core::mem::size_of::<New>()];
    }

    #[test]
    fn an_older_callers_struct_is_read_as_far_as_it_goes_and_unknown_sizes_are_refused() {
        let old = Old {
            struct_size: core::mem::size_of::<Old>(),
            a: 7,
        };
        let mut slot = MaybeUninit::<New>::uninit();
        // SAFETY: `old` is a whole release-1 struct.
        let got = unsafe { versioned((&old as *const Old).cast::<New>(), &mut slot) }.unwrap();
        let widened = New {
            struct_size: core::mem::size_of::<Old>(),
            a: 7,
            b: 0,
        };
        assert_eq!(*got, widened);

        let new = New {
            struct_size: core::mem::size_of::<New>(),
            a: 1,
            b: 2,
        };
        let mut slot = MaybeUninit::<New>::uninit();
        // SAFETY: a whole struct of this release.
        let got = unsafe { versioned(&new, &mut slot) }.unwrap();
        assert!(core::ptr::eq(got, &new), "read in place");

        for size in [0, 8, 20, 32, usize::MAX] {
            let bad = New {
                struct_size: size,
                ..new
            };
            let mut slot = MaybeUninit::<New>::uninit();
            // SAFETY: as above (the size is refused before anything else is read).
            let r = unsafe { versioned(&bad, &mut slot) };
            assert_eq!(
                r.err(),
                Some(dsr_result::DSR_RESULT_BAD_STRUCT_SIZE),
                "{size}"
            );
        }
        let mut slot = MaybeUninit::<New>::uninit();
        // SAFETY: NULL is checked.
        let r = unsafe { versioned(core::ptr::null::<New>(), &mut slot) };
        assert_eq!(r.err(), Some(dsr_result::DSR_RESULT_NULL_POINTER));
    }
}
