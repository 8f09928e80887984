//! A `v1 List` through `Engine::apply`: every item is read and checked before
//! any is applied, so a list with an invalid item anywhere changes nothing; a
//! list that runs out of room part-way keeps the items before the refused one,
//! and applying it again once there is room completes it.
#![cfg(feature = "json")]

use dsr_core::error::{Error, Table};
use dsr_core::json::{ApplyError, Change, Problem, Scratch};
use dsr_core::Engine;

type E = Engine<8, 4, 16, 128, 4096, 128, 64>;
/// Room for three nodes.
type ThreeNodes = Engine<3, 4, 16, 128, 4096, 128, 64>;

fn manifest(path: &str) -> String {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data/manifests")
        .join(path);
    std::fs::read_to_string(file).expect("manifest")
}

fn node(name: &str) -> String {
    manifest(&format!("nodes/{name}.json"))
}

fn fluentd() -> String {
    manifest("daemonsets/kubernetes-website-fluentd-elasticsearch.json")
}

/// A `List` as `kubectl get -o json` writes one.
fn list(items: &[String]) -> String {
    format!(
        r#"{{"apiVersion":"v1","kind":"List","metadata":{{"resourceVersion":""}},"items":[{}]}}"#,
        items.join(",")
    )
}

// The error is `Engine::apply`'s, as it gives it.
#[allow(clippy::result_large_err)]
fn apply<const N: usize, const S: usize, const P: usize>(
    e: &mut Engine<N, S, P, 128, 4096, 128, 64>,
    json: &str,
) -> Result<dsr_core::json::Applied, ApplyError> {
    let mut s: Scratch<'_, 4> = Scratch::new();
    e.apply(json.as_bytes(), &mut s)
}

/// What a caller can observe of an engine: its snapshot.
fn state<const N: usize, const S: usize, const P: usize>(
    e: &Engine<N, S, P, 128, 4096, 128, 64>,
) -> Vec<u8> {
    let mut buf = vec![0u8; Engine::<N, S, P, 128, 4096, 128, 64>::max_snapshot_size()];
    let n = e.snapshot(&mut buf).unwrap();
    buf.truncate(n);
    buf
}

/// Applies a `List` the engine must refuse whole: the error, with no item
/// applied (the engine's snapshot is as before; nor is the DaemonSet there).
fn refused_whole(e: &mut E, list: &str) -> ApplyError {
    let before = state(e);
    let err = apply(e, list).unwrap_err();
    assert_eq!(state(e), before, "no item of the list is applied: {err}");
    assert!(e
        .find_daemon_set("kube-system", "fluentd-elasticsearch")
        .is_none());
    err
}

#[test]
fn an_invalid_last_item_leaves_the_earlier_ones_unapplied() {
    let mut e = Box::new(E::new());
    apply(&mut e, &node("edge-rpi4-01")).unwrap();
    // A label value longer than the engine stores (the decoder reads it whole),
    // in the last item.
    let key = format!(
        "\"example.com/ssh-host-key\": \"{}\", ",
        "AAAAC3NzaC1lZDI1NTE5".repeat(60)
    );
    let bad = node("cp-1").replacen("\"labels\": {", &format!("\"labels\": {{{key}"), 1);
    assert_ne!(bad, node("cp-1"));
    let err = refused_whole(&mut e, &list(&[node("worker-1"), fluentd(), bad]));
    assert!(
        matches!(err.problem, Problem::Engine(Error::TooLong { .. })),
        "{err}"
    );
    assert_eq!(err.name.as_str(), "cp-1");
    assert!(e.find_node("worker-1").is_none());
}

#[test]
fn a_revision_with_an_overlong_hash_refuses_the_whole_list() {
    let mut e = Box::new(E::new());
    let hash = "6d4b8c7f9".repeat(8);
    let revision = format!(
        r#"{{"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{{
        "name":"fluentd-elasticsearch-6d4b8c7f9","namespace":"kube-system","labels":{{
        "controller-revision-hash":"{hash}"}},"ownerReferences":[{{"apiVersion":"apps/v1",
        "kind":"DaemonSet","name":"fluentd-elasticsearch",
        "uid":"3b1f7c2e-8f5a-4d0e-9c61-2a7d5e4b9f10","controller":true}}]}},"revision":1}}"#
    );
    let err = refused_whole(&mut e, &list(&[fluentd(), node("worker-1"), revision]));
    assert!(
        matches!(err.problem, Problem::Engine(Error::TooLong { .. })),
        "{err}"
    );
    assert_eq!(err.kind, dsr_core::json::Kind::ControllerRevision);
}

#[test]
fn a_list_out_of_room_keeps_the_items_before_and_completes_when_applied_again() {
    let mut e = Box::new(ThreeNodes::new());
    apply(&mut e, &node("edge-rpi4-01")).unwrap();
    let nodes = list(&[node("worker-1"), node("cp-1"), node("k3s-server-1")]);
    let err = apply(&mut e, &nodes).unwrap_err();
    assert_eq!(
        err.problem,
        Problem::Engine(Error::Full {
            table: Table::Nodes,
            capacity: 3
        })
    );
    // The error names the item refused; the ones before it are applied.
    assert_eq!(err.name.as_str(), "k3s-server-1");
    assert!(e.find_node("worker-1").is_some() && e.find_node("cp-1").is_some());
    assert!(e.find_node("k3s-server-1").is_none());
    // Room again (the old node is deleted), the same list again completes it.
    let deleted = format!(r#"{{"type":"DELETED","object":{}}}"#, node("edge-rpi4-01"));
    assert_eq!(apply(&mut e, &deleted).unwrap().change, Change::Removed);
    let a = apply(&mut e, &nodes).unwrap();
    assert_eq!(a.change, Change::Updated);
    assert_eq!((a.counts.added, a.counts.unchanged), (1, 2));
    assert!(e.find_node("k3s-server-1").is_some());
    // And once more: nothing left to do.
    assert_eq!(apply(&mut e, &nodes).unwrap().change, Change::Unchanged);
}
