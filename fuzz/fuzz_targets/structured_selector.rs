//! Structured selectors, node affinity, taints and tolerations through a small
//! engine: nodes and DaemonSets built from arbitrary (mostly dictionary) strings
//! and operators, every pair evaluated, every one-off query asked.
//!
//! Checks: nothing panics; a failed insert or update leaves the engine exactly as
//! it was (its `Debug` text); the answers of every pair are consistent
//! (`should_run` implies `should_continue_running`, `Eligible` iff `should_run`,
//! the reason agrees with `matches_node_affinity`); `nodeSelector`, taints and
//! tolerations, label selectors and selector strings agree with a plain
//! reference written here from upstream's definitions; queries leave the engine
//! as it was; removing and re-adding an object, or updating it to the same
//! input, gives the same answers.
#![no_main]

use std::collections::BTreeMap;

use arbitrary::Arbitrary;
use dsr_core::error::Table;
use dsr_core::selector::parse_i64;
use dsr_core::validation::{validate_label_key, validate_label_value};
use dsr_core::{Error, NodeId, SetId};
use dsr_fuzz::{
    answers, assert_fits_fresh, assert_unchanged, debug, dump, labels, pools_empty, taint,
    toleration, Before, Effect, FDaemonSet, FLabel, FNode, FReq, FSelector, FTaint, FTerm,
    FToleration, FuzzEngine,
};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    nodes: Vec<FNode>,
    sets: Vec<FDaemonSet>,
    probe_labels: Vec<FLabel>,
    selector_string: Option<String>,
    taints: Vec<FTaint>,
    tolerations: Vec<FToleration>,
    effects: Option<Vec<Effect>>,
    pick: u8,
}

/// The label map an object ends up with: a repeated key keeps its last value.
fn label_map(l: &[FLabel]) -> BTreeMap<&str, &str> {
    l.iter().map(|l| (l.key.s(), l.value.s())).collect()
}

/// Upstream's `ToleratesTaint`, on the strings.
fn tolerates(t: &FToleration, taint: &FTaint) -> bool {
    let (op, effect) = (t.op.s(), t.effect.s());
    if !effect.is_empty() && effect != taint.effect.s() {
        return false;
    }
    if !t.key.s().is_empty() && t.key.s() != taint.key.s() {
        return false;
    }
    match op {
        "" | "Equal" => t.value.s() == taint.value.s(),
        "Exists" => true,
        _ => false,
    }
}

/// Upstream's `labels.Selector.Matches` for a valid `metav1.LabelSelector`.
fn selector_matches(sel: Option<&FSelector>, labels: &BTreeMap<&str, &str>) -> bool {
    let Some(sel) = sel else { return false };
    sel.match_labels
        .iter()
        .all(|l| labels.get(l.key.s()) == Some(&l.value.s()))
        && sel.match_expressions.iter().all(|r| {
            let found = labels.get(r.key.s());
            let listed = |v: &&str| r.values.iter().any(|w| w.s() == *v);
            match r.op.s() {
                "In" => found.is_some_and(listed),
                "NotIn" => !found.is_some_and(listed),
                "Exists" => found.is_some(),
                "DoesNotExist" => found.is_none(),
                op => panic!("a stored selector has operator {op:?}"),
            }
        })
}

/// Upstream's `NewRequirement` checks for a node-selector expression (the
/// key and value syntax checks are the core's, tested on their own against
/// upstream's vectors).
fn expression_valid(r: &FReq) -> bool {
    let n = r.values.len();
    let count_ok = match r.op.s() {
        "In" | "NotIn" => n > 0,
        "Exists" | "DoesNotExist" => n == 0,
        "Gt" | "Lt" => n == 1 && r.values.iter().all(|v| parse_i64(v.s()).is_some()),
        _ => return false,
    };
    count_ok
        && validate_label_key(r.key.s()).is_ok()
        && r.values.iter().all(|v| validate_label_value(v.s()).is_ok())
}

/// Whether a valid expression matches the labels.
fn expression_matches(r: &FReq, labels: &BTreeMap<&str, &str>) -> bool {
    let found = labels.get(r.key.s()).copied();
    let listed = |v: &str| r.values.iter().any(|w| w.s() == v);
    let int = |v: Option<&str>| v.and_then(parse_i64);
    match r.op.s() {
        "In" => found.is_some_and(listed),
        "NotIn" => !found.is_some_and(listed),
        "Exists" => found.is_some(),
        "DoesNotExist" => found.is_none(),
        "Gt" | "Lt" => match (int(found), int(r.values.first().map(|v| v.s()))) {
            (Some(have), Some(want)) if r.op.s() == "Gt" => have > want,
            (Some(have), Some(want)) => have < want,
            _ => false,
        },
        op => panic!("valid expression with operator {op:?}"),
    }
}

/// Whether a node-selector term matches a node, as upstream's `nodeaffinity`:
/// an empty term matches nothing, nor does an invalid one.
fn term_matches(t: &FTerm, node_name: &str, labels: &BTreeMap<&str, &str>) -> bool {
    if t.match_expressions.is_empty() && t.match_fields.is_empty() {
        return false;
    }
    let fields_valid = t
        .match_fields
        .iter()
        .all(|f| matches!(f.op.s(), "In" | "NotIn") && f.values.len() == 1);
    if !t.match_expressions.iter().all(expression_valid) || !fields_valid {
        return false;
    }
    t.match_expressions
        .iter()
        .all(|r| expression_matches(r, labels))
        && t.match_fields.iter().all(|f| {
            // A node without a name has no fields to test.
            if node_name.is_empty() {
                return true;
            }
            let key = f.other_key.as_ref().map_or("metadata.name", |k| k.s());
            let have = if key == "metadata.name" {
                node_name
            } else {
                ""
            };
            (have == f.values[0].s()) == (f.op.s() == "In")
        })
}

/// The automatic daemon-pod tolerations, as (key, effect).
const AUTOMATIC: [(&str, &str); 7] = [
    ("node.kubernetes.io/not-ready", "NoExecute"),
    ("node.kubernetes.io/unreachable", "NoExecute"),
    ("node.kubernetes.io/disk-pressure", "NoSchedule"),
    ("node.kubernetes.io/memory-pressure", "NoSchedule"),
    ("node.kubernetes.io/pid-pressure", "NoSchedule"),
    ("node.kubernetes.io/unschedulable", "NoSchedule"),
    ("node.kubernetes.io/network-unavailable", "NoSchedule"),
];

fn daemon_tolerates(set: &FDaemonSet, taint: &FTaint) -> bool {
    let automatic = if set.host_network { 7 } else { 6 };
    set.tolerations.iter().any(|t| tolerates(t, taint))
        || AUTOMATIC[..automatic]
            .iter()
            .any(|(k, e)| *k == taint.key.s() && *e == taint.effect.s())
}

/// Reference placement once nodeName and affinity pass: (should_run,
/// should_continue_running, the taint in the way).
fn taint_placement<'a>(set: &FDaemonSet, node: &'a FNode) -> (bool, bool, Option<&'a FTaint>) {
    let untolerated = |effects: &[&str]| {
        node.taints
            .iter()
            .find(|t| effects.contains(&t.effect.s()) && !daemon_tolerates(set, t))
    };
    if let Some(t) = untolerated(&["NoExecute"]) {
        return (false, false, Some(t));
    }
    if let Some(t) = untolerated(&["NoSchedule", "NoExecute"]) {
        return (false, true, Some(t));
    }
    (true, true, None)
}

/// Runs an insert or update; on failure the engine must be exactly as before.
fn checked<T: std::fmt::Debug>(
    e: &mut FuzzEngine,
    known: &mut Option<Vec<u8>>,
    what: &str,
    op: impl FnOnce(&mut FuzzEngine) -> Result<T, Error>,
) -> Result<T, Error> {
    // The engine as it was; its fingerprint is made only when the operation
    // fails (or carried over from the last failure, when nothing changed since).
    let before = Before::new(e, known.take());
    let counts = (e.node_count(), e.daemon_set_count(), e.strings().len());
    let r = op(e);
    if let Err(err) = &r {
        assert!(!matches!(err, Error::LogicBug), "{what}: LogicBug reached");
        assert_eq!(
            counts,
            (e.node_count(), e.daemon_set_count(), e.strings().len()),
            "{what} failed with {err:?} and changed the counts"
        );
        before.assert_unchanged(e, &format!("{what}, failing with {err:?},"));
        *known = before.into_known();
    }
    r
}

/// Runs a one-off query; the engine must be exactly as before, whatever it
/// answers. (Checked once for all queries, by the `Debug` text before and after
/// them: a query that leaves something behind cannot be undone by a later one,
/// whose rollback only goes back to where it started.)
fn query<T>(e: &mut FuzzEngine, _what: &str, q: impl FnOnce(&mut FuzzEngine) -> T) -> T {
    q(e)
}

fn run(input: &Input) {
    let mut e = FuzzEngine::new();
    // The engine's fingerprint while a failed operation is the last change.
    let mut known = None;
    let mut nodes: Vec<(NodeId, &FNode)> = Vec::new();
    for n in input.nodes.iter().take(6) {
        let dup = nodes.iter().any(|(_, m)| m.name == n.name);
        let r = checked(&mut e, &mut known, "add_node", |e| {
            n.with(|i| e.add_node(i))
        });
        match r {
            Ok(id) => {
                assert!(!dup, "a second node named {:?} was added", n.name);
                assert_eq!(e.find_node(n.name.s()), Some(id));
                nodes.push((id, n));
            }
            Err(Error::Duplicate(Table::Nodes)) => assert!(dup, "Duplicate for a new name"),
            Err(err) => assert!(!dup, "{err:?} for a duplicate name"),
        }
    }
    let mut sets: Vec<(SetId, &FDaemonSet)> = Vec::new();
    for s in input.sets.iter().take(6) {
        let dup = sets
            .iter()
            .any(|(_, t)| t.name == s.name && t.namespace == s.namespace);
        let r = checked(&mut e, &mut known, "add_daemon_set", |e| {
            s.with(|i| e.add_daemon_set(i))
        });
        match r {
            Ok(id) => {
                assert!(!dup, "a second DaemonSet {:?} was added", s.name);
                assert_eq!(e.find_daemon_set(s.namespace.s(), s.name.s()), Some(id));
                sets.push((id, s));
            }
            Err(Error::Duplicate(Table::DaemonSets)) => assert!(dup, "Duplicate for a new name"),
            Err(err) => assert!(!dup, "{err:?} for a duplicate name"),
        }
    }
    assert_eq!(e.node_count(), nodes.len());
    assert_eq!(e.daemon_set_count(), sets.len());

    // Every pair: the invariants inside `dump`, then the reference.
    let d0 = dump(&e);
    let before_queries = e.clone();
    for &(sid, s) in &sets {
        for &(nid, n) in &nodes {
            let a = dsr_fuzz::answer(&e, sid, nid);
            let name_ok = match &s.node_name {
                None => true,
                Some(want) => want.s().is_empty() || want == &n.name,
            };
            let node_labels = label_map(&n.labels);
            let selector_ok = label_map(&s.node_selector)
                .iter()
                .all(|(k, v)| node_labels.get(k) == Some(v));
            if !selector_ok {
                assert!(
                    !a.matches_node_affinity,
                    "nodeSelector misses but affinity matches"
                );
            }
            let affinity_ok = s.affinity.as_ref().is_none_or(|terms| {
                terms
                    .iter()
                    .any(|t| term_matches(t, n.name.s(), &node_labels))
            });
            assert_eq!(
                a.matches_node_affinity,
                selector_ok && affinity_ok,
                "matches_node_affinity (nodeSelector {selector_ok}, terms {affinity_ok})"
            );
            if !name_ok {
                assert_eq!(a.reason_kind, "NodeNameMismatch");
            } else if !selector_ok {
                assert_eq!(a.reason_kind, "NodeSelectorMismatch");
            } else if !a.matches_node_affinity {
                assert_eq!(a.reason_kind, "NodeAffinityMismatch");
            } else {
                let (run, stay, t) = taint_placement(s, n);
                assert_eq!(
                    (a.should_run, a.should_continue_running),
                    (run, stay),
                    "taints: {a:?}"
                );
                if let Some(t) = t {
                    let want = format!("node has taint {}", t.key.s());
                    assert!(a.text.starts_with(&want), "{a:?} should name {t:?}");
                }
            }
            // The DaemonSet's selector on the node's labels, structured and as a
            // selector string.
            let probe = labels(&n.labels);
            let got = query(&mut e, "selector_matches", |e| {
                e.selector_matches(sid, &probe)
            });
            let want = selector_matches(s.selector.as_ref(), &node_labels);
            if let Ok(got) = got {
                assert_eq!(got, want, "selector_matches");
            }
            if let Some(text) = s.selector.as_ref().and_then(FSelector::to_selector_string) {
                let r = query(&mut e, "selector_string_matches", |e| {
                    e.selector_string_matches::<16, 64>(&text, &probe)
                });
                match r {
                    Ok(got) => assert_eq!(got, want, "selector string {text:?}"),
                    Err(Error::Parse(p)) => assert!(
                        matches!(
                            p,
                            dsr_core::selector::syntax::ParseError::TooManyRequirements { .. }
                                | dsr_core::selector::syntax::ParseError::TooManyValues { .. }
                        ),
                        "stored selector as string {text:?} does not parse: {p:?}"
                    ),
                    Err(_) => {}
                }
            }
        }
    }

    // One-off queries on inputs that are not stored.
    let probe = labels(&input.probe_labels);
    let probe_map = label_map(&input.probe_labels);
    for &(sid, s) in &sets {
        if let Ok(got) = query(&mut e, "selector_matches", |e| {
            e.selector_matches(sid, &probe)
        }) {
            assert_eq!(got, selector_matches(s.selector.as_ref(), &probe_map));
        }
    }
    if let Some(text) = &input.selector_string {
        let _ = query(&mut e, "selector_string_matches", |e| {
            e.selector_string_matches::<16, 64>(text, &probe)
        });
    }
    let taints: Vec<_> = input.taints.iter().take(8).map(taint).collect();
    let tols: Vec<_> = input.tolerations.iter().take(8).map(toleration).collect();
    for (ft, t) in input.tolerations.iter().zip(&tols) {
        for (fx, x) in input.taints.iter().zip(&taints) {
            if let Ok(got) = query(&mut e, "tolerates", |e| e.tolerates(t, x)) {
                assert_eq!(got, tolerates(ft, fx), "tolerates({ft:?}, {fx:?})");
            }
        }
    }
    let effects: Option<Vec<&str>> = input
        .effects
        .as_ref()
        .map(|v| v.iter().map(Effect::s).collect());
    let r = query(&mut e, "find_untolerated_taint", |e| {
        e.find_untolerated_taint(&taints, &tols, effects.as_deref())
    });
    if let Ok(got) = r {
        let want = input.taints.iter().take(8).position(|t| {
            effects.as_ref().is_none_or(|f| f.contains(&t.effect.s()))
                && !input.tolerations.iter().take(8).any(|o| tolerates(o, t))
        });
        assert_eq!(got, want, "find_untolerated_taint");
    }
    assert_unchanged(&before_queries, &e, "a query");
    // The stored objects and answers as text (`dump`) are compared once more, at
    // the end; in between, the answers by id (cheap) after each change.
    let a0 = answers(&e);

    // Remove and re-add one node and one DaemonSet: same ids, same answers.
    let pick = usize::from(input.pick);
    if let Some(&(id, n)) = nodes.get(pick % nodes.len().max(1)) {
        e.remove_node(id).expect("stored node");
        assert_eq!(e.find_node(n.name.s()), None);
        let again = n.with(|i| e.add_node(i)).expect("re-adding a removed node");
        assert_eq!(again, id, "re-added node took another slot");
        assert_eq!(answers(&e), a0, "remove + re-add of node {:?}", n.name);
    }
    if let Some(&(id, s)) = sets.get(pick / 16 % sets.len().max(1)) {
        e.remove_daemon_set(id).expect("stored set");
        let again = s
            .with(|i| e.add_daemon_set(i))
            .expect("re-adding a removed set");
        assert_eq!(again, id, "re-added DaemonSet took another slot");
        assert_eq!(answers(&e), a0, "remove + re-add of DaemonSet {:?}", s.name);
    }
    // Updating to the same input changes no answer (or fails and changes nothing).
    let mut known = None;
    for &(id, n) in &nodes {
        if checked(&mut e, &mut known, "update_node", |e| {
            n.with(|i| e.update_node(id, i))
        })
        .is_ok()
        {
            assert_eq!(answers(&e), a0, "update_node to the same input");
        }
    }
    for &(id, s) in &sets {
        if checked(&mut e, &mut known, "update_daemon_set", |e| {
            s.with(|i| e.update_daemon_set(id, i))
        })
        .is_ok()
        {
            assert_eq!(answers(&e), a0, "update_daemon_set to the same input");
        }
    }
    // Objects and answers as text: the same as before all of that.
    assert_eq!(
        dump(&e),
        d0,
        "remove + re-add, or updates to the same input, changed what is stored"
    );
    assert_fits_fresh(&e);
    // Removing everything empties every pool (strings stay interned).
    for &(id, _) in &sets {
        e.remove_daemon_set(id).expect("stored set");
    }
    for &(id, _) in &nodes {
        e.remove_node(id).expect("stored node");
    }
    let usage = e.usage();
    assert!(
        pools_empty(&usage),
        "a pool holds entries with no object left: {usage:?}\n{}",
        debug(&e)
    );
}

fuzz_target!(|input: Input| run(&input));
