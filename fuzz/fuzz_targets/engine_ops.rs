//! Arbitrary sequences of engine operations, checked against a model after every
//! step.
//!
//! The model is the list of objects the engine should hold (the inputs of the
//! successful adds and updates, by id, minus the removed ones). After each step
//! a fresh engine is built from the model alone, and the engine under test must
//! hold the same objects (text dumps: names, labels, taints, compiled selectors,
//! affinity terms, tolerations) and give the same answers for every pair
//! (`should_run`, `should_continue_running`, the reason in words,
//! `matches_node_affinity`). The engine compacts its pools when an object goes,
//! moving every later span; a span moved wrongly shows here as a different
//! dump or answer.
//!
//! Also: a failed operation leaves the engine exactly as it was (its `Debug`
//! text); an operation fails exactly when the model says it must (unknown id,
//! duplicate name, full object table) or when the fresh engine fails the same
//! way (pool usage does not depend on history; the string table does, as strings
//! are never freed, so a `Full` string table is the one allowed difference);
//! queries change nothing; and once every object is gone every pool is empty.
#![no_main]

use std::cell::RefCell;
use std::collections::BTreeMap;

use arbitrary::{Arbitrary, Unstructured};
use dsr_core::error::Table;
use dsr_core::{Error, NodeId, SetId};
use dsr_fuzz::{
    answers, assert_fits_fresh, debug, dump, fingerprint, is_string_full, labels, pools_empty,
    taint, toleration, Before, FDaemonSet, FLabel, FNode, FTaint, FToleration, FuzzEngine,
};
use libfuzzer_sys::fuzz_target;

/// Node and DaemonSet capacities of [`FuzzEngine`].
const NODES: usize = 4;
const SETS: usize = 4;
/// Longest operation sequence run.
const MAX_OPS: usize = 64;

#[derive(Arbitrary, Debug)]
enum Op {
    AddNode(FNode),
    UpdateNode(u8, FNode),
    RemoveNode(u8),
    AddSet(FDaemonSet),
    UpdateSet(u8, FDaemonSet),
    RemoveSet(u8),
    /// Update an object to the input it already has.
    TouchNode(u8),
    TouchSet(u8),
    SelectorMatches(u8, Vec<FLabel>),
    Tolerates(FToleration, FTaint),
    FindUntolerated(Vec<FTaint>, Vec<FToleration>),
    SelectorString(String, Vec<FLabel>),
    /// Empties the engine, when the byte is 0 (rarely, so that states grow).
    Clear(u8),
}

#[derive(Debug)]
struct Input {
    ops: Vec<Op>,
}

impl<'a> Arbitrary<'a> for Input {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let mut ops = Vec::new();
        while ops.len() < MAX_OPS && !u.is_empty() {
            ops.push(u.arbitrary()?);
        }
        Ok(Input { ops })
    }
}

/// The full comparison with a fresh engine (text dumps of both) runs after this
/// many changes, and after the last change of an input; the cheap checks
/// ([`quick_check`]) run after every change.
const FULL_CHECK_EVERY: usize = 8;

/// What the engine should hold, by id.
#[derive(Default)]
struct Model {
    nodes: BTreeMap<u32, FNode>,
    sets: BTreeMap<u32, FDaemonSet>,
    /// The fresh engine built from `nodes` and `sets`, until they change.
    fresh: RefCell<Option<FuzzEngine>>,
    /// Bumped by every change.
    generation: u64,
}

impl Model {
    /// Forgets the fresh engine: call after every change to `nodes` or `sets`.
    fn changed(&mut self) {
        *self.fresh.get_mut() = None;
        self.generation += 1;
    }

    /// A fresh engine holding the model's objects (a copy of the cached one,
    /// built when the model changed).
    fn build(&self) -> FuzzEngine {
        self.with_fresh(|f| f.clone())
    }

    /// Runs `f` on the cached fresh engine itself (no copy): for queries, which
    /// change nothing (as checked on the engine under test), and dumps.
    fn with_fresh<R>(&self, f: impl FnOnce(&mut FuzzEngine) -> R) -> R {
        let mut cache = self.fresh.borrow_mut();
        f(cache.get_or_insert_with(|| self.build_new()))
    }

    /// A fresh engine holding the model's objects, added in id order.
    fn build_new(&self) -> FuzzEngine {
        let mut e = FuzzEngine::new();
        for n in self.nodes.values() {
            if let Err(err) = n.with(|i| e.add_node(i)) {
                panic!("a fresh engine rejects surviving node {n:?}: {err:?}");
            }
        }
        for s in self.sets.values() {
            if let Err(err) = s.with(|i| e.add_daemon_set(i)) {
                panic!("a fresh engine rejects surviving DaemonSet {s:?}: {err:?}");
            }
        }
        e
    }

    fn node_named(&self, n: &FNode) -> Option<u32> {
        self.nodes
            .iter()
            .find(|(_, m)| m.name == n.name)
            .map(|(&i, _)| i)
    }

    fn set_named(&self, s: &FDaemonSet) -> Option<u32> {
        self.sets
            .iter()
            .find(|(_, t)| t.name == s.name && t.namespace == s.namespace)
            .map(|(&i, _)| i)
    }
}

/// An id in `0..cap + 2`, so that unknown ids come up too.
fn id(b: u8, cap: usize) -> u32 {
    u32::from(b) % (cap as u32 + 2)
}

/// Checks a failed change: the engine is as it was, and the error is one the
/// model or a fresh engine explains.
fn check_failure(
    what: &str,
    err: &Error,
    before: &Before,
    e: &FuzzEngine,
    expected: Option<Error>,
    fresh: impl FnOnce() -> Result<(), Error>,
) {
    assert!(!matches!(err, Error::LogicBug), "{what}: LogicBug");
    before.assert_unchanged(e, &format!("{what}, failing with {err:?},"));
    if let Some(x) = expected {
        assert_eq!(*err, x, "{what}: the model expects {x:?}");
        return;
    }
    if is_string_full(err) {
        return;
    }
    // Everything but the string table is the same in a fresh engine holding the
    // same objects, so the same change must fail the same way there.
    match fresh() {
        Err(f) => assert_eq!(*err, f, "{what}: fresh engine fails differently"),
        Ok(()) => {
            panic!("{what} failed with {err:?}, a fresh engine with the same objects takes it")
        }
    }
}

/// Runs one operation; true when the engine (may have) changed, so that the
/// full comparison with the model is due. A failed operation or a query has
/// been checked to leave the engine's `Debug` text as it was.
fn step(e: &mut FuzzEngine, m: &mut Model, op: &Op, known: &mut Option<Vec<u8>>) -> bool {
    // A copy to compare with when an operation fails or a query runs; `known` is
    // its fingerprint when the last step made it and changed nothing.
    let before = Before::new(e, known.take());
    let changed = step_with(e, m, op, &before);
    if !changed {
        *known = before.into_known();
    }
    changed
}

fn step_with(e: &mut FuzzEngine, m: &mut Model, op: &Op, before: &Before) -> bool {
    let generation = m.generation;
    match op {
        Op::AddNode(n) => {
            let expected = if m.node_named(n).is_some() {
                Some(Error::Duplicate(Table::Nodes))
            } else if m.nodes.len() >= NODES {
                Some(Error::Full {
                    table: Table::Nodes,
                    capacity: NODES as u32,
                })
            } else {
                None
            };
            let fresh = || n.with(|i| m.build().add_node(i)).map(drop);
            match n.with(|i| e.add_node(i)) {
                Ok(id) => {
                    assert_eq!(expected, None, "add_node succeeded");
                    assert!(!m.nodes.contains_key(&id.0), "add_node reused a live id");
                    m.nodes.insert(id.0, n.clone());
                    m.changed();
                }
                Err(err) => check_failure("add_node", &err, before, e, expected, fresh),
            }
        }
        Op::UpdateNode(i, n) => {
            let i = id(*i, NODES);
            let expected = if !m.nodes.contains_key(&i) {
                Some(Error::NotFound(Table::Nodes))
            } else if m.node_named(n).is_some_and(|o| o != i) {
                Some(Error::Duplicate(Table::Nodes))
            } else {
                None
            };
            update_node(e, m, i, n, expected, before);
        }
        Op::TouchNode(i) => {
            let i = id(*i, NODES);
            if let Some(n) = m.nodes.get(&i).cloned() {
                let before_answers = answers(e);
                update_node(e, m, i, &n, None, before);
                assert_eq!(before_answers, answers(e), "update_node to the same input");
            }
        }
        Op::RemoveNode(i) => {
            let i = id(*i, NODES);
            match e.remove_node(NodeId(i)) {
                Ok(()) => {
                    assert!(m.nodes.remove(&i).is_some(), "removed an unknown node");
                    m.changed();
                }
                Err(err) => {
                    assert_eq!(err, Error::NotFound(Table::Nodes));
                    assert!(!m.nodes.contains_key(&i), "remove_node: {err:?}");
                    before.assert_unchanged(e, "a failed removal");
                }
            }
        }
        Op::AddSet(s) => {
            let expected = if m.set_named(s).is_some() {
                Some(Error::Duplicate(Table::DaemonSets))
            } else if m.sets.len() >= SETS {
                Some(Error::Full {
                    table: Table::DaemonSets,
                    capacity: SETS as u32,
                })
            } else {
                None
            };
            let fresh = || s.with(|i| m.build().add_daemon_set(i)).map(drop);
            match s.with(|i| e.add_daemon_set(i)) {
                Ok(id) => {
                    assert_eq!(expected, None, "add_daemon_set succeeded");
                    assert!(
                        !m.sets.contains_key(&id.0),
                        "add_daemon_set reused a live id"
                    );
                    m.sets.insert(id.0, s.clone());
                    m.changed();
                }
                Err(err) => check_failure("add_daemon_set", &err, before, e, expected, fresh),
            }
        }
        Op::UpdateSet(i, s) => {
            let i = id(*i, SETS);
            let expected = if !m.sets.contains_key(&i) {
                Some(Error::NotFound(Table::DaemonSets))
            } else if m.set_named(s).is_some_and(|o| o != i) {
                Some(Error::Duplicate(Table::DaemonSets))
            } else {
                None
            };
            update_set(e, m, i, s, expected, before);
        }
        Op::TouchSet(i) => {
            let i = id(*i, SETS);
            if let Some(s) = m.sets.get(&i).cloned() {
                let before_answers = answers(e);
                update_set(e, m, i, &s, None, before);
                assert_eq!(
                    before_answers,
                    answers(e),
                    "update_daemon_set to the same input"
                );
            }
        }
        Op::RemoveSet(i) => {
            let i = id(*i, SETS);
            match e.remove_daemon_set(SetId(i)) {
                Ok(()) => {
                    assert!(m.sets.remove(&i).is_some(), "removed an unknown DaemonSet");
                    m.changed();
                }
                Err(err) => {
                    assert_eq!(err, Error::NotFound(Table::DaemonSets));
                    assert!(!m.sets.contains_key(&i), "remove_daemon_set: {err:?}");
                    before.assert_unchanged(e, "a failed removal");
                }
            }
        }
        Op::SelectorMatches(i, l) => {
            let i = id(*i, SETS);
            let probe = labels(l);
            let got = e.selector_matches(SetId(i), &probe);
            before.assert_unchanged(e, "selector_matches");
            let want = match m.sets.get(&i) {
                None => Err(Error::NotFound(Table::DaemonSets)),
                Some(s) => m.with_fresh(|fresh| {
                    let fid = fresh
                        .find_daemon_set(s.namespace.s(), s.name.s())
                        .expect("the fresh engine holds it");
                    fresh.selector_matches(fid, &probe)
                }),
            };
            same_answer("selector_matches", got, want);
        }
        Op::Tolerates(t, x) => {
            let got = e.tolerates(&toleration(t), &taint(x));
            before.assert_unchanged(e, "tolerates");
            let want = m.with_fresh(|f| f.tolerates(&toleration(t), &taint(x)));
            same_answer("tolerates", got, want);
        }
        Op::FindUntolerated(ts, tols) => {
            let ts: Vec<_> = ts.iter().take(8).map(taint).collect();
            let tols: Vec<_> = tols.iter().take(8).map(toleration).collect();
            let got = e.find_untolerated_taint(&ts, &tols, None);
            before.assert_unchanged(e, "find_untolerated_taint");
            let want = m.with_fresh(|f| f.find_untolerated_taint(&ts, &tols, None));
            same_answer("find_untolerated_taint", got, want);
        }
        Op::SelectorString(s, l) => {
            let probe = labels(l);
            let got = e.selector_string_matches::<16, 64>(s, &probe);
            before.assert_unchanged(e, "selector_string_matches");
            let want = m.with_fresh(|f| f.selector_string_matches::<16, 64>(s, &probe));
            same_answer("selector_string_matches", got, want);
        }
        Op::Clear(b) => {
            if *b != 0 {
                return false;
            }
            e.clear();
            *m = Model::default();
            // Rare (one Clear op in 256): the whole Debug text, derived state too.
            assert_eq!(debug(e), debug(&FuzzEngine::new()), "clear is not new");
            assert_eq!(
                fingerprint(e),
                fingerprint(&FuzzEngine::new()),
                "clear is not new"
            );
            return true;
        }
    }
    m.generation != generation
}

/// Two engines holding the same objects answer a query the same, unless the
/// engine under test ran out of string room (it keeps strings of removed objects).
fn same_answer<T: PartialEq + std::fmt::Debug>(
    what: &str,
    got: Result<T, Error>,
    want: Result<T, Error>,
) {
    if let Err(e) = &got {
        assert!(!matches!(e, Error::LogicBug), "{what}: LogicBug");
        if is_string_full(e) {
            return;
        }
    }
    assert_eq!(got, want, "{what}: engine and fresh engine disagree");
}

fn update_node(
    e: &mut FuzzEngine,
    m: &mut Model,
    i: u32,
    n: &FNode,
    expected: Option<Error>,
    before: &Before,
) {
    let fresh = || {
        let mut f = m.build();
        let fid = m
            .nodes
            .get(&i)
            .and_then(|old| f.find_node(old.name.s()))
            .unwrap_or(NodeId(u32::MAX));
        n.with(|input| f.update_node(fid, input))
    };
    match n.with(|input| e.update_node(NodeId(i), input)) {
        Ok(()) => {
            assert_eq!(expected, None, "update_node succeeded");
            m.nodes.insert(i, n.clone());
            m.changed();
        }
        Err(err) => check_failure("update_node", &err, before, e, expected, fresh),
    }
}

fn update_set(
    e: &mut FuzzEngine,
    m: &mut Model,
    i: u32,
    s: &FDaemonSet,
    expected: Option<Error>,
    before: &Before,
) {
    let fresh = || {
        let mut f = m.build();
        let fid = m
            .sets
            .get(&i)
            .and_then(|old| f.find_daemon_set(old.namespace.s(), old.name.s()))
            .unwrap_or(SetId(u32::MAX));
        s.with(|input| f.update_daemon_set(fid, input))
    };
    match s.with(|input| e.update_daemon_set(SetId(i), input)) {
        Ok(()) => {
            assert_eq!(expected, None, "update_daemon_set succeeded");
            m.sets.insert(i, s.clone());
            m.changed();
        }
        Err(err) => check_failure("update_daemon_set", &err, before, e, expected, fresh),
    }
}

/// After every change: the engine holds the objects the model says under their
/// ids, its kept placements are fresh, and with no object left every pool is
/// empty.
fn quick_check(e: &FuzzEngine, m: &Model) {
    assert_eq!(e.node_count(), m.nodes.len());
    assert_eq!(e.daemon_set_count(), m.sets.len());
    for (&i, n) in &m.nodes {
        assert_eq!(
            e.find_node(n.name.s()),
            Some(NodeId(i)),
            "node {:?}",
            n.name
        );
    }
    for (&i, s) in &m.sets {
        assert_eq!(
            e.find_daemon_set(s.namespace.s(), s.name.s()),
            Some(SetId(i)),
            "DaemonSet {:?}",
            s.name
        );
    }
    assert_fits_fresh(e);
    if m.nodes.is_empty() && m.sets.is_empty() {
        let usage = e.usage();
        assert!(
            pools_empty(&usage),
            "a pool holds entries with no object left: {usage:?}\n{}",
            debug(e)
        );
    }
}

/// Every [`FULL_CHECK_EVERY`] changes and at the end: the engine holds the same
/// objects as a fresh engine built from the model, and answers as it does.
fn check(e: &FuzzEngine, m: &Model) {
    let got = dump(e);
    let want = m.with_fresh(|f| dump(f));
    if got != want {
        for (k, v) in &want.nodes {
            assert_eq!(got.nodes.get(k), Some(v), "node {k}");
        }
        for (k, v) in &want.sets {
            assert_eq!(got.sets.get(k), Some(v), "DaemonSet {k}");
        }
        for (k, v) in &want.answers {
            assert_eq!(got.answers.get(k), Some(v), "answer for {k:?}");
        }
        assert_eq!(got, want);
    }
}

fuzz_target!(|input: Input| {
    let mut e = FuzzEngine::new();
    let mut m = Model::default();
    let mut unchecked = 0;
    let mut known = None;
    for op in &input.ops {
        if step(&mut e, &mut m, op, &mut known) {
            quick_check(&e, &m);
            unchecked += 1;
            if unchecked == FULL_CHECK_EVERY {
                check(&e, &m);
                unchecked = 0;
            }
        }
    }
    if unchecked > 0 {
        check(&e, &m);
    }
});
