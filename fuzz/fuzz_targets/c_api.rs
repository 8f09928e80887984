//! Arbitrary sequences of calls through libdsr's C ABI (the `extern "C"`
//! functions of `dsr-ffi`, called as a C program would), with pointers and
//! lengths built from the input: NULL pointers with and without lengths,
//! lengths no memory can hold, invalid UTF-8, unknown enum values, reasons and
//! ids that were never issued, buffers too small, engine pointers that are NULL,
//! misaligned or not an engine, engine memory too short or misaligned.
//!
//! Checks: nothing crashes (no panic reaches the boundary: `DSR_RESULT_PANIC`
//! never comes back, nor `LOGIC_BUG` or `UNMAPPED_ERROR`); every code has its
//! `dsr_result_str` text; a failed call writes no out-parameter and leaves the
//! engine as it was (its snapshot, its counts); text written back is
//! NUL-terminated within the buffer and its length reported; and at the end the
//! engine is consistent: its snapshot restores into another engine that writes
//! the same snapshot and holds the same counts.
#![no_main]

use std::any::Any;
use std::ffi::CStr;
use std::ptr;

use arbitrary::Arbitrary;
use dsr::engine::*;
use dsr::query::*;
use dsr::result::{dsr_result, dsr_result_str};
use dsr::snapshot::*;
use dsr::sync::*;
use dsr::types::*;
use dsr::validate::*;
use dsr_fuzz::{NODE_NAMES, OPERATORS, WORDS};
use libfuzzer_sys::fuzz_target;

use dsr_result::*;

/// A `dsr_str` as the input describes it.
#[derive(Arbitrary, Debug)]
enum S {
    /// A word of the shared dictionaries.
    Word(u8),
    /// A node name.
    Node(u8),
    /// An operator or effect.
    Op(u8),
    /// Bytes, UTF-8 or not.
    Raw(Vec<u8>),
    /// NULL with a length (NULL_POINTER unless the length is 0).
    Null(u8),
    /// A length no memory holds (BAD_LENGTH or NULL_POINTER).
    Huge,
}

/// A C array as the input describes it.
#[derive(Arbitrary, Debug)]
enum A<T> {
    Items(Vec<T>),
    Null(u8),
    Huge,
}

#[derive(Arbitrary, Debug)]
struct Label(S, S);

#[derive(Arbitrary, Debug)]
struct Taint(S, S, S);

#[derive(Arbitrary, Debug)]
struct Tol {
    key: S,
    op: S,
    value: S,
    effect: S,
    seconds: Option<i64>,
}

#[derive(Arbitrary, Debug)]
struct Req {
    key: S,
    op: S,
    values: A<S>,
}

#[derive(Arbitrary, Debug)]
struct Term {
    exprs: A<Req>,
    fields: A<Req>,
}

#[derive(Arbitrary, Debug)]
struct Node {
    name: S,
    labels: A<Label>,
    taints: A<Taint>,
    unschedulable: bool,
}

#[derive(Arbitrary, Debug)]
struct IntOrStr {
    kind: u32,
    int: i32,
    s: S,
}

#[derive(Arbitrary, Debug)]
struct Set {
    name: S,
    ns: S,
    uid: S,
    selector: Option<(A<Label>, A<Req>)>,
    template_labels: A<Label>,
    node_selector: A<Label>,
    affinity: Option<A<Term>>,
    tolerations: A<Tol>,
    node_name: S,
    host_network: bool,
    generation: i64,
    strategy: S,
    rolling: Option<(IntOrStr, IntOrStr)>,
    min_ready: i32,
    revision: S,
    template_generation: Option<S>,
    containers: A<S>,
}

#[derive(Arbitrary, Debug)]
struct Pod {
    name: S,
    ns: S,
    uid: S,
    labels: A<Label>,
    controller: Option<S>,
    node_name: S,
    affinity: Option<A<Term>>,
    phase: S,
    ready: Option<(S, Option<i64>)>,
    deleting: bool,
    created: i64,
}

/// An id: one of the first few slots, or anything.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Id {
    Slot(u8),
    Any(u32),
}

impl Id {
    fn get(self) -> u32 {
        match self {
            Id::Slot(i) => u32::from(i % 8),
            Id::Any(n) => n,
        }
    }
}

/// Which engine pointer a call gets.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Eng {
    Good,
    Null,
    Misaligned,
    /// Aligned memory that dsr_engine_init never set up.
    NotAnEngine,
}

#[derive(Arbitrary, Debug)]
enum Call {
    Init {
        offset: u8,
        short: bool,
        null_out: bool,
    },
    Clear(Eng),
    AddNode(Eng, Node, bool),
    UpdateNode(Id, Node),
    RemoveNode(Id),
    AddSet(Eng, Set, bool),
    UpdateSet(Id, Set),
    RemoveSet(Id),
    Validate(Set),
    AddPod(Pod),
    UpdatePod(Id, Pod),
    RemovePod(Id),
    FindNode(Eng, S),
    FindSet(S, S),
    FindPod(S, S),
    ShouldRun(Eng, Id, Id, u8),
    Describe([u32; 8], u8),
    MatchesAffinity(Id, Id),
    LastError(u8),
    SelectorMatches(Id, A<Label>),
    SelectorString(S, A<Label>),
    Canonical(S, u8),
    Tolerates(Tol, Taint),
    FindUntolerated(A<Taint>, A<Tol>, bool, A<S>),
    ResultStr(u32),
    Snapshot(u16),
    Restore(Vec<u8>),
    RestoreEdited(u16, u8),
    SetPodController(Id, Id),
    Sync(Id, i64),
    PlanItem(u8, Id, u8),
    NewPodLabels(Id, u8),
    Observe(Id, u32, bool),
    Expectations(Id),
    DeleteSet(Id, u32, u8),
    ValidateString(u8, S),
}

/// Keeps what the pointers of one call point to alive until the call returns.
#[derive(Default)]
struct Arena {
    keep: Vec<Box<dyn Any>>,
}

impl Arena {
    fn slice<T: 'static>(&mut self, v: Vec<T>) -> *const T {
        if v.is_empty() {
            // A non-NULL, dangling pointer with length 0 is allowed too; use
            // NULL half the time by the caller's choice of `A::Null(0)`.
            return ptr::NonNull::dangling().as_ptr();
        }
        let b = v.into_boxed_slice();
        let p = b.as_ptr();
        self.keep.push(Box::new(b));
        p
    }

    fn one<T: 'static>(&mut self, v: T) -> *const T {
        self.slice(vec![v])
    }

    fn s(&mut self, s: &S) -> dsr_str {
        let text = |bytes: &[u8]| bytes.to_vec();
        let bytes = match s {
            S::Word(i) => text(WORDS[usize::from(*i) % WORDS.len()].as_bytes()),
            S::Node(i) => text(NODE_NAMES[usize::from(*i) % NODE_NAMES.len()].as_bytes()),
            S::Op(i) => {
                const MORE: [&str; 8] = [
                    "NoSchedule",
                    "NoExecute",
                    "PreferNoSchedule",
                    "RollingUpdate",
                    "OnDelete",
                    "Running",
                    "Failed",
                    "True",
                ];
                let i = usize::from(*i) % (OPERATORS.len() + MORE.len());
                text(
                    OPERATORS
                        .get(i)
                        .unwrap_or_else(|| &MORE[i - OPERATORS.len()])
                        .as_bytes(),
                )
            }
            S::Raw(b) => b.clone(),
            S::Null(n) => {
                return dsr_str {
                    ptr: ptr::null(),
                    len: usize::from(*n),
                }
            }
            S::Huge => {
                return dsr_str {
                    ptr: b"x".as_ptr().cast(),
                    len: usize::MAX,
                }
            }
        };
        let len = bytes.len();
        dsr_str {
            ptr: self.slice(bytes).cast(),
            len,
        }
    }

    fn arr<T, U: 'static>(
        &mut self,
        a: &A<T>,
        f: impl Fn(&mut Self, &T) -> U,
    ) -> (*const U, usize) {
        match a {
            A::Items(items) => {
                let v: Vec<U> = items.iter().take(12).map(|x| f(self, x)).collect();
                let len = v.len();
                (self.slice(v), len)
            }
            A::Null(n) => (ptr::null(), usize::from(*n)),
            A::Huge => (ptr::NonNull::dangling().as_ptr(), usize::MAX),
        }
    }

    fn label(&mut self, l: &Label) -> dsr_label {
        dsr_label {
            key: self.s(&l.0),
            value: self.s(&l.1),
        }
    }

    fn taint(&mut self, t: &Taint) -> dsr_taint {
        dsr_taint {
            key: self.s(&t.0),
            value: self.s(&t.1),
            effect: self.s(&t.2),
        }
    }

    fn tol(&mut self, t: &Tol) -> dsr_toleration {
        dsr_toleration {
            key: self.s(&t.key),
            op: self.s(&t.op),
            value: self.s(&t.value),
            effect: self.s(&t.effect),
            has_toleration_seconds: t.seconds.is_some(),
            toleration_seconds: t.seconds.unwrap_or(0),
        }
    }

    fn req(&mut self, r: &Req) -> dsr_requirement {
        let (values, values_len) = self.arr(&r.values, Self::s);
        dsr_requirement {
            key: self.s(&r.key),
            op: self.s(&r.op),
            values,
            values_len,
        }
    }

    fn term(&mut self, t: &Term) -> dsr_node_selector_term {
        let (match_expressions, match_expressions_len) = self.arr(&t.exprs, Self::req);
        let (match_fields, match_fields_len) = self.arr(&t.fields, Self::req);
        dsr_node_selector_term {
            match_expressions,
            match_expressions_len,
            match_fields,
            match_fields_len,
        }
    }

    fn node(&mut self, n: &Node) -> *const dsr_node {
        let (labels, labels_len) = self.arr(&n.labels, Self::label);
        let (taints, taints_len) = self.arr(&n.taints, Self::taint);
        let node = dsr_node {
            struct_size: std::mem::size_of::<dsr_node>(),
            name: self.s(&n.name),
            labels,
            labels_len,
            taints,
            taints_len,
            unschedulable: n.unschedulable,
        };
        self.one(node)
    }

    fn int_or_str(&mut self, v: &IntOrStr) -> dsr_int_or_string {
        dsr_int_or_string {
            kind: v.kind % 4,
            int_value: v.int,
            string_value: self.s(&v.s),
        }
    }

    fn set(&mut self, s: &Set) -> *const dsr_daemon_set {
        // SAFETY: every field is an integer, a bool or a raw pointer: all zero
        // is a valid value of each (and the header's "absent").
        let mut d: dsr_daemon_set = unsafe { std::mem::zeroed() };
        d.struct_size = std::mem::size_of::<dsr_daemon_set>();
        d.name = self.s(&s.name);
        d.ns = self.s(&s.ns);
        d.uid = self.s(&s.uid);
        if let Some((ml, me)) = &s.selector {
            let (match_labels, match_labels_len) = self.arr(ml, Self::label);
            let (match_expressions, match_expressions_len) = self.arr(me, Self::req);
            d.selector = self.one(dsr_label_selector {
                match_labels,
                match_labels_len,
                match_expressions,
                match_expressions_len,
            });
        }
        (d.template_labels, d.template_labels_len) = self.arr(&s.template_labels, Self::label);
        (d.node_selector, d.node_selector_len) = self.arr(&s.node_selector, Self::label);
        if let Some(terms) = &s.affinity {
            d.has_required_node_affinity = true;
            (d.required_node_affinity, d.required_node_affinity_len) = self.arr(terms, Self::term);
        }
        (d.tolerations, d.tolerations_len) = self.arr(&s.tolerations, Self::tol);
        d.node_name = self.s(&s.node_name);
        d.host_network = s.host_network;
        d.generation = s.generation;
        d.update_strategy.strategy_type = self.s(&s.strategy);
        if let Some((u, g)) = &s.rolling {
            d.update_strategy.has_rolling_update = true;
            d.update_strategy.max_unavailable = self.int_or_str(u);
            d.update_strategy.max_surge = self.int_or_str(g);
        }
        d.min_ready_seconds = s.min_ready;
        d.revision_hash = self.s(&s.revision);
        if let Some(g) = &s.template_generation {
            d.has_template_generation = true;
            d.template_generation = self.s(g);
        }
        (d.containers, d.containers_len) =
            self.arr(&s.containers, |a, c| dsr_container { name: a.s(c) });
        self.one(d)
    }

    fn pod(&mut self, p: &Pod) -> *const dsr_pod {
        // SAFETY: as for `dsr_daemon_set`.
        let mut d: dsr_pod = unsafe { std::mem::zeroed() };
        d.struct_size = std::mem::size_of::<dsr_pod>();
        d.name = self.s(&p.name);
        d.ns = self.s(&p.ns);
        d.uid = self.s(&p.uid);
        (d.labels, d.labels_len) = self.arr(&p.labels, Self::label);
        if let Some(c) = &p.controller {
            d.has_controller = true;
            d.controller_uid = self.s(c);
        }
        d.node_name = self.s(&p.node_name);
        if let Some(terms) = &p.affinity {
            d.has_required_node_affinity = true;
            (d.required_node_affinity, d.required_node_affinity_len) = self.arr(terms, Self::term);
        }
        d.phase = self.s(&p.phase);
        if let Some((status, t)) = &p.ready {
            d.has_ready = true;
            d.ready = dsr_pod_condition {
                status: self.s(status),
                has_last_transition_time: t.is_some(),
                last_transition_time: t.unwrap_or(0),
            };
        }
        d.deleting = p.deleting;
        d.creation_timestamp = p.created;
        self.one(d)
    }
}

/// Engine memory, reused by every input: `dsr_engine_init` sets it up anew.
struct Mem {
    base: *mut u8,
    size: usize,
    align: usize,
    /// Aligned memory that is never an engine (stays zero).
    other: *mut u8,
    /// Where the end-of-input check restores the engine's snapshot.
    copy: *mut u8,
    /// The plan every sync fills (`dsr_plan_init` sets it up for each input).
    plan: *mut u8,
    plan_size: usize,
}

thread_local! {
    static MEM: Mem = {
        let size = dsr_engine_size();
        let align = dsr_engine_align();
        // One extra alignment unit, for the misaligned and offset cases.
        let layout = std::alloc::Layout::from_size_align(size + align, align).expect("layout");
        // SAFETY: a non-zero size; zeroed, so reading it before init is defined.
        let base = unsafe { std::alloc::alloc_zeroed(layout) };
        let other = unsafe { std::alloc::alloc_zeroed(layout) };
        let copy = unsafe { std::alloc::alloc_zeroed(layout) };
        let plan_size = dsr_plan_size();
        let plan_layout =
            std::alloc::Layout::from_size_align(plan_size, dsr_plan_align()).expect("layout");
        // SAFETY: a non-zero size.
        let plan = unsafe { std::alloc::alloc_zeroed(plan_layout) };
        assert!(!base.is_null() && !other.is_null() && !copy.is_null() && !plan.is_null());
        Mem {
            base,
            size,
            align,
            other,
            copy,
            plan,
            plan_size,
        }
    };
}

const SENTINEL: u32 = 0xDEAD_BEEF;

/// What every call's code must be.
fn code(r: dsr_result) -> dsr_result {
    assert!(
        !matches!(
            r,
            DSR_RESULT_PANIC | DSR_RESULT_LOGIC_BUG | DSR_RESULT_UNMAPPED_ERROR
        ),
        "the C API returned {r:?}"
    );
    let text = dsr_result_str(r as u32);
    assert!(!text.is_null(), "no text for {r:?}");
    // SAFETY: dsr_result_str returns a static NUL-terminated string.
    let text = unsafe { CStr::from_ptr(text) };
    assert!(!text.to_bytes().is_empty(), "empty text for {r:?}");
    r
}

struct State {
    engine: *mut dsr_engine,
    plan: *mut dsr_plan,
    mem: *mut u8,
    other: *mut u8,
    size: usize,
    align: usize,
}

impl State {
    fn eng(&self, e: Eng) -> *mut dsr_engine {
        match e {
            Eng::Good => self.engine,
            Eng::Null => ptr::null_mut(),
            Eng::Misaligned => self.mem.wrapping_add(1).cast(),
            Eng::NotAnEngine => self.other.cast(),
        }
    }

    /// The engine's snapshot and counts: what a failed call must leave as is.
    fn state(&self) -> (Vec<u8>, [usize; 3]) {
        if self.engine.is_null() {
            return (Vec::new(), [0; 3]);
        }
        let mut buf = vec![0u8; 16 * 1024];
        let mut n = 0usize;
        // SAFETY: a live engine, a buffer of its length, a valid out pointer.
        let mut r =
            unsafe { dsr_engine_snapshot(self.engine, buf.as_mut_ptr(), buf.len(), &mut n) };
        if r == DSR_RESULT_BUFFER_TOO_SMALL {
            buf = vec![0u8; n];
            // SAFETY: as above.
            r = unsafe { dsr_engine_snapshot(self.engine, buf.as_mut_ptr(), buf.len(), &mut n) };
        }
        assert_eq!(code(r), DSR_RESULT_OK, "snapshot of a live engine");
        buf.truncate(n);
        let mut counts = [0usize; 3];
        // SAFETY: a live engine and valid out pointers.
        unsafe {
            assert_eq!(
                dsr_engine_node_count(self.engine, &mut counts[0]),
                DSR_RESULT_OK
            );
            assert_eq!(
                dsr_engine_daemon_set_count(self.engine, &mut counts[1]),
                DSR_RESULT_OK
            );
            assert_eq!(
                dsr_engine_pod_count(self.engine, &mut counts[2]),
                DSR_RESULT_OK
            );
        }
        (buf, counts)
    }
}

/// Checks text written into a caller buffer. (A NUL inside the text is not an
/// error: strings come in as `dsr_str`, with a length, and may hold one, e.g. a
/// `nodeSelector` key that `describe` quotes; the reported length is the whole
/// text.)
fn text_out(r: dsr_result, buf: &[u8], len: usize, cap: usize) {
    if r == DSR_RESULT_OK && cap > 0 {
        assert!(
            len < cap,
            "reported length {len} does not leave room for NUL in {cap}"
        );
        assert_eq!(buf[len], 0, "text not NUL-terminated at its length");
        assert!(
            std::str::from_utf8(&buf[..len]).is_ok(),
            "text is not UTF-8"
        );
    }
}

/// Runs one call. Returns the code, for calls whose failure must change nothing.
unsafe fn call(st: &mut State, c: &Call, a: &mut Arena) -> Option<dsr_result> {
    let mut id = SENTINEL;
    let mut flag = false;
    let mut size = SENTINEL as usize;
    // SAFETY (for the whole body): every pointer passed is NULL, dangling with
    // length 0, misaligned, to non-engine memory (cases the library checks
    // first), or to memory this function keeps alive for the call.
    unsafe {
        let e = st.engine;
        let r = match c {
            Call::Init {
                offset,
                short,
                null_out,
            } => {
                let off = usize::from(*offset % 3) * (st.align / 2).max(1);
                let mem = st.mem.wrapping_add(off);
                let len = if *short { st.size - 1 } else { st.size };
                let mut out: *mut dsr_engine = ptr::null_mut();
                let outp = if *null_out { ptr::null_mut() } else { &mut out };
                let r = code(dsr_engine_init(mem.cast(), len, outp));
                if r == DSR_RESULT_OK {
                    assert_eq!(out, mem.cast(), "the handle is the memory");
                    st.engine = out;
                } else {
                    assert!(out.is_null(), "out written on failure");
                }
                return None;
            }
            Call::Clear(x) => dsr_engine_clear(st.eng(*x)),
            Call::AddNode(x, n, null_out) => {
                let n = a.node(n);
                let out = if *null_out { ptr::null_mut() } else { &mut id };
                dsr_engine_add_node(st.eng(*x), n, out)
            }
            Call::UpdateNode(i, n) => dsr_engine_update_node(e, i.get(), a.node(n)),
            Call::RemoveNode(i) => dsr_engine_remove_node(e, i.get()),
            Call::AddSet(x, s, null_out) => {
                let s = a.set(s);
                let out = if *null_out { ptr::null_mut() } else { &mut id };
                dsr_engine_add_daemon_set(st.eng(*x), s, out)
            }
            Call::UpdateSet(i, s) => dsr_engine_update_daemon_set(e, i.get(), a.set(s)),
            Call::RemoveSet(i) => dsr_engine_remove_daemon_set(e, i.get()),
            Call::Validate(s) => dsr_engine_validate_daemon_set(e, a.set(s)),
            Call::AddPod(p) => dsr_engine_add_pod(e, a.pod(p), &mut id),
            Call::UpdatePod(i, p) => dsr_engine_update_pod(e, i.get(), a.pod(p)),
            Call::RemovePod(i) => dsr_engine_remove_pod(e, i.get()),
            Call::FindNode(x, n) => dsr_engine_find_node(st.eng(*x), a.s(n), &mut id),
            Call::FindSet(ns, n) => dsr_engine_find_daemon_set(e, a.s(ns), a.s(n), &mut id),
            Call::FindPod(ns, n) => dsr_engine_find_pod(e, a.s(ns), a.s(n), &mut id),
            Call::ShouldRun(x, s, n, cap) => {
                let mut p: dsr_placement = std::mem::zeroed();
                p.reason.kind = SENTINEL;
                let r = code(dsr_engine_should_run(st.eng(*x), s.get(), n.get(), &mut p));
                if r != DSR_RESULT_OK {
                    assert_eq!(p.reason.kind, SENTINEL, "out written on failure");
                    return Some(r);
                }
                assert!(!p.should_run || p.should_continue_running, "{p:?}");
                let mut buf = vec![0xAAu8; usize::from(*cap)];
                let bp = if *cap == 0 {
                    ptr::null_mut()
                } else {
                    buf.as_mut_ptr().cast()
                };
                let r = code(dsr_engine_describe(e, &p.reason, bp, buf.len(), &mut size));
                text_out(r, &buf, size, buf.len());
                // A big enough buffer always takes the description.
                let mut big = vec![0u8; 4096];
                let r = code(dsr_engine_describe(
                    e,
                    &p.reason,
                    big.as_mut_ptr().cast(),
                    big.len(),
                    &mut size,
                ));
                assert_eq!(r, DSR_RESULT_OK, "describe of a fresh reason");
                text_out(r, &big, size, big.len());
                r
            }
            Call::Describe(f, cap) => {
                let reason = dsr_reason {
                    kind: f[0] % 6,
                    set_id: f[1] % 6,
                    node_id: f[2] % 6,
                    terms: f[3],
                    term: f[4],
                    taint: f[5],
                    // Small versions, so that some are the objects' own.
                    set_version: f[6] % 8,
                    node_version: f[7] % 8,
                };
                let mut buf = vec![0xAAu8; usize::from(*cap)];
                let r = code(dsr_engine_describe(
                    e,
                    &reason,
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                    &mut size,
                ));
                text_out(r, &buf, size, buf.len());
                r
            }
            Call::MatchesAffinity(s, n) => {
                dsr_engine_matches_node_affinity(e, s.get(), n.get(), &mut flag)
            }
            Call::LastError(cap) => {
                let mut buf = vec![0xAAu8; usize::from(*cap)];
                let r = code(dsr_engine_last_error(
                    e,
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                    &mut size,
                ));
                text_out(r, &buf, size, buf.len());
                r
            }
            Call::SelectorMatches(s, l) => {
                let (p, n) = a.arr(l, Arena::label);
                dsr_engine_selector_matches(e, s.get(), p, n, &mut flag)
            }
            Call::SelectorString(sel, l) => {
                let (p, n) = a.arr(l, Arena::label);
                dsr_engine_selector_string_matches(e, a.s(sel), p, n, &mut flag)
            }
            Call::Canonical(sel, cap) => {
                let mut buf = vec![0xAAu8; usize::from(*cap)];
                let r = code(dsr_selector_canonical(
                    a.s(sel),
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                    &mut size,
                ));
                text_out(r, &buf, size, buf.len());
                r
            }
            Call::Tolerates(t, x) => {
                let t = a.tol(t);
                let x = a.taint(x);
                dsr_engine_tolerates(e, &t, &x, &mut flag)
            }
            Call::FindUntolerated(ts, tols, filter, effects) => {
                let (tp, tn) = a.arr(ts, Arena::taint);
                let (op, on) = a.arr(tols, Arena::tol);
                let (ep, en) = a.arr(effects, Arena::s);
                let mut index = SENTINEL as usize;
                let r = code(dsr_engine_find_untolerated_taint(
                    e, tp, tn, op, on, *filter, ep, en, &mut flag, &mut index,
                ));
                if r == DSR_RESULT_OK && flag {
                    assert!(index < tn, "index {index} of {tn} taints");
                }
                if r != DSR_RESULT_OK {
                    assert_eq!(index, SENTINEL as usize, "out written on failure");
                }
                r
            }
            Call::ResultStr(n) => {
                let t = dsr_result_str(*n);
                assert!(!t.is_null());
                let _ = CStr::from_ptr(t);
                return None;
            }
            Call::Snapshot(cap) => {
                let mut buf = vec![0u8; usize::from(*cap)];
                let bp = if *cap == 0 {
                    ptr::null_mut()
                } else {
                    buf.as_mut_ptr()
                };
                let r = code(dsr_engine_snapshot(e, bp, buf.len(), &mut size));
                if r == DSR_RESULT_BUFFER_TOO_SMALL {
                    assert_eq!(size, dsr_engine_snapshot_max_size());
                } else if r == DSR_RESULT_OK {
                    assert!(size <= buf.len());
                    assert_eq!(&buf[..4], b"DSRS");
                }
                return None;
            }
            Call::Restore(bytes) => dsr_engine_restore(e, bytes.as_ptr(), bytes.len()),
            Call::RestoreEdited(at, x) => {
                let (mut snap, _) = st.state();
                if !snap.is_empty() {
                    let i = usize::from(*at) % snap.len();
                    snap[i] ^= *x;
                }
                dsr_engine_restore(e, snap.as_ptr(), snap.len())
            }
            Call::SetPodController(p, s) => dsr_engine_set_pod_controller(e, p.get(), s.get()),
            Call::Sync(s, now) => {
                let mut info: dsr_plan_info = std::mem::zeroed();
                info.set_id = SENTINEL;
                let r = code(dsr_engine_sync(
                    e,
                    s.get(),
                    *now % (1 << 40),
                    st.plan,
                    &mut info,
                ));
                if r == DSR_RESULT_OK {
                    let mut again: dsr_plan_info = std::mem::zeroed();
                    assert_eq!(dsr_engine_plan_info(e, st.plan, &mut again), DSR_RESULT_OK);
                    assert_eq!(again.set_id, info.set_id);
                    assert_eq!(
                        (again.creates_len, again.deletes_len),
                        (info.creates_len, info.deletes_len)
                    );
                    if info.has_status {
                        let s = info.status;
                        assert!(
                            0 <= s.number_available
                                && s.number_available <= s.number_ready
                                && s.number_ready <= s.current_number_scheduled
                                && s.updated_number_scheduled <= s.current_number_scheduled,
                            "status {s:?}"
                        );
                    }
                } else {
                    assert_eq!(info.set_id, SENTINEL, "out written on failure");
                }
                r
            }
            Call::PlanItem(kind, i, cap) => {
                let i = i.get() as usize;
                let mut buf = vec![0xAAu8; usize::from(*cap)];
                let plan = st.plan;
                match kind % 8 {
                    0 => {
                        let mut c: dsr_plan_create = std::mem::zeroed();
                        c.node_id = SENTINEL;
                        let r = code(dsr_engine_plan_create(e, plan, i, &mut c));
                        assert!(r == DSR_RESULT_OK || c.node_id == SENTINEL);
                        r
                    }
                    1 => {
                        let mut d: dsr_plan_delete = std::mem::zeroed();
                        d.pod_id = SENTINEL;
                        let r = code(dsr_engine_plan_delete(e, plan, i, &mut d));
                        assert!(r == DSR_RESULT_OK || d.pod_id == SENTINEL);
                        r
                    }
                    2 => dsr_engine_plan_adoption(e, plan, i, &mut id),
                    3 => dsr_engine_plan_release(e, plan, i, &mut id),
                    4 => {
                        let r = code(dsr_engine_describe_create(
                            e,
                            plan,
                            i,
                            buf.as_mut_ptr().cast(),
                            buf.len(),
                            &mut size,
                        ));
                        text_out(r, &buf, size, buf.len());
                        r
                    }
                    6 => {
                        let mut h: dsr_plan_hold = std::mem::zeroed();
                        h.pod_id = SENTINEL;
                        let r = code(dsr_engine_plan_hold(e, plan, i, &mut h));
                        assert!(r == DSR_RESULT_OK || h.pod_id == SENTINEL);
                        r
                    }
                    7 => {
                        let r = code(dsr_engine_describe_hold(
                            e,
                            plan,
                            i,
                            buf.as_mut_ptr().cast(),
                            buf.len(),
                            &mut size,
                        ));
                        text_out(r, &buf, size, buf.len());
                        r
                    }
                    _ => {
                        let r = code(dsr_engine_describe_delete(
                            e,
                            plan,
                            i,
                            buf.as_mut_ptr().cast(),
                            buf.len(),
                            &mut size,
                        ));
                        text_out(r, &buf, size, buf.len());
                        r
                    }
                }
            }
            Call::NewPodLabels(s, cap) => {
                let mut out: Vec<dsr_label> = vec![std::mem::zeroed(); usize::from(*cap % 8)];
                let op = if out.is_empty() {
                    ptr::null_mut()
                } else {
                    out.as_mut_ptr()
                };
                let r = code(dsr_engine_new_pod_labels(
                    e,
                    s.get(),
                    op,
                    out.len(),
                    &mut size,
                ));
                if r == DSR_RESULT_OK {
                    assert!(size <= out.len());
                }
                r
            }
            Call::Observe(s, n, creates) => {
                if *creates {
                    dsr_engine_observe_creates(e, s.get(), *n)
                } else {
                    dsr_engine_observe_deletes(e, s.get(), *n)
                }
            }
            Call::Expectations(s) => {
                let mut x: dsr_expectations = std::mem::zeroed();
                x.creates = i64::from(SENTINEL);
                let r = code(dsr_engine_expectations(e, s.get(), &mut x));
                assert!(r == DSR_RESULT_OK || x.creates == i64::from(SENTINEL));
                r
            }
            Call::DeleteSet(s, how, cap) => {
                let mut out = vec![SENTINEL; usize::from(*cap % 8)];
                let op = if out.is_empty() {
                    ptr::null_mut()
                } else {
                    out.as_mut_ptr()
                };
                let r = code(dsr_engine_delete_daemon_set(
                    e,
                    s.get(),
                    *how % 4,
                    op,
                    out.len(),
                    &mut size,
                ));
                if r != DSR_RESULT_OK {
                    assert!(out.iter().all(|&x| x == SENTINEL), "out written on failure");
                }
                r
            }
            Call::ValidateString(which, s) => {
                let s = a.s(s);
                code(match which % 3 {
                    0 => dsr_validate_label_key(s),
                    1 => dsr_validate_label_value(s),
                    _ => dsr_validate_dns_subdomain(s),
                });
                return None;
            }
        };
        let r = code(r);
        if r != DSR_RESULT_OK {
            assert_eq!(id, SENTINEL, "{c:?}: id written on failure ({r:?})");
            assert!(!flag, "{c:?}: flag written on failure ({r:?})");
        }
        Some(r)
    }
}

fuzz_target!(|calls: Vec<Call>| {
    MEM.with(|m| {
        let mut plan: *mut dsr_plan = ptr::null_mut();
        // SAFETY: the plan memory is ours, aligned and long enough.
        let r = unsafe { dsr_plan_init(m.plan.cast(), m.plan_size, &mut plan) };
        assert_eq!(r, DSR_RESULT_OK);
        let mut st = State {
            engine: ptr::null_mut(),
            plan,
            mem: m.base,
            other: m.other,
            size: m.size,
            align: m.align,
        };
        // SAFETY: the memory is ours, aligned and long enough.
        let r = unsafe { dsr_engine_init(m.base.cast(), m.size, &mut st.engine) };
        assert_eq!(r, DSR_RESULT_OK);
        for c in calls.iter().take(48) {
            let before = st.state();
            let mut arena = Arena::default();
            // SAFETY: see `call`.
            let r = unsafe { call(&mut st, c, &mut arena) };
            if let Some(r) = r {
                if r != DSR_RESULT_OK {
                    assert!(
                        st.state() == before,
                        "{c:?} failed with {r:?} and changed the engine"
                    );
                }
            }
        }
        // Consistent: the snapshot restores into another engine that writes the
        // same snapshot and holds the same counts.
        let (snap, counts) = st.state();
        let mut other: *mut dsr_engine = ptr::null_mut();
        // SAFETY: the second buffer is ours, aligned and long enough.
        unsafe {
            assert_eq!(
                dsr_engine_init(m.copy.cast(), m.size, &mut other),
                DSR_RESULT_OK
            );
            assert_eq!(
                code(dsr_engine_restore(other, snap.as_ptr(), snap.len())),
                DSR_RESULT_OK
            );
        }
        let copy = State {
            engine: other,
            ..st
        };
        assert!(
            copy.state() == (snap, counts),
            "a restored snapshot differs"
        );
    });
});
