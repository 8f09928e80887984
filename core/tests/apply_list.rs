//! A `v1 List` through `Engine::apply`: applied whole or not at all. A list
//! with an invalid item anywhere, or that runs out of room part-way (a table
//! full at any item), changes nothing: the engine answers as before and its
//! snapshot is the same bytes; applied again once there is room, it applies
//! whole.
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
fn a_list_out_of_room_changes_nothing_and_applies_whole_once_there_is_room() {
    let mut e = Box::new(ThreeNodes::new());
    apply(&mut e, &node("edge-rpi4-01")).unwrap();
    let before = state(&e);
    let nodes = list(&[node("worker-1"), node("cp-1"), node("k3s-server-1")]);
    let err = apply(&mut e, &nodes).unwrap_err();
    assert_eq!(
        err.problem,
        Problem::Engine(Error::Full {
            table: Table::Nodes,
            capacity: 3
        })
    );
    // The error names the item refused; the ones before it are not applied.
    assert_eq!(err.name.as_str(), "k3s-server-1");
    assert_eq!(state(&e), before);
    assert!(e.find_node("worker-1").is_none() && e.find_node("cp-1").is_none());
    // Room again (the old node is deleted): the same list applies whole.
    let deleted = format!(r#"{{"type":"DELETED","object":{}}}"#, node("edge-rpi4-01"));
    assert_eq!(apply(&mut e, &deleted).unwrap().change, Change::Removed);
    let a = apply(&mut e, &nodes).unwrap();
    assert_eq!(a.change, Change::Updated);
    assert_eq!((a.counts.added, a.counts.unchanged), (3, 0));
    assert!(e.find_node("k3s-server-1").is_some());
    // And once more: nothing left to do.
    assert_eq!(apply(&mut e, &nodes).unwrap().change, Change::Unchanged);
}

const UID: &str = "3b1f7c2e-8f5a-4d0e-9c61-2a7d5e4b9f10";

/// fluentd-elasticsearch as the API server returns it (with its uid), of
/// template generation `generation`, selecting nodes by `nodeSelector`.
fn fluentd_at(generation: u32, node_selector: &str) -> String {
    fluentd()
        .replacen(
            "\"namespace\": \"kube-system\",",
            &format!(
                "\"namespace\": \"kube-system\", \"uid\": \"{UID}\", \"generation\": {generation},
                \"annotations\": {{\"deprecated.daemonset.template.generation\": \"{generation}\"}},"
            ),
            1,
        )
        .replacen(
            "\"tolerations\": [",
            &format!("\"nodeSelector\": {node_selector}, \"tolerations\": ["),
            1,
        )
}

fn revision(n: i64, hash: &str) -> String {
    format!(
        r#"{{"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{{
        "name":"fluentd-elasticsearch-{hash}","namespace":"kube-system","labels":{{
        "controller-revision-hash":"{hash}","name":"fluentd-elasticsearch"}},"ownerReferences":[{{
        "apiVersion":"apps/v1","kind":"DaemonSet","name":"fluentd-elasticsearch","uid":"{UID}",
        "controller":true}}]}},"revision":{n}}}"#
    )
}

/// A fluentd pod of revision `hash` on `node`.
fn pod(name: &str, node: &str, hash: &str) -> String {
    format!(
        r#"{{"apiVersion":"v1","kind":"Pod","metadata":{{"name":"{name}",
        "namespace":"kube-system","creationTimestamp":"2026-11-28T09:00:00Z","labels":{{
        "name":"fluentd-elasticsearch","controller-revision-hash":"{hash}",
        "pod-template-generation":"1"}},"ownerReferences":[{{"apiVersion":"apps/v1",
        "kind":"DaemonSet","name":"fluentd-elasticsearch","uid":"{UID}","controller":true}}]}},
        "spec":{{"nodeName":"{node}","containers":[{{"name":"fluentd-elasticsearch"}}]}},
        "status":{{"phase":"Running","conditions":[{{"type":"Ready","status":"True",
        "lastTransitionTime":"2026-11-28T09:00:30Z"}}]}}}}"#
    )
}

/// `node`'s manifest with one more label.
fn relabelled(name: &str, key: &str, value: &str) -> String {
    node(name).replacen(
        "\"labels\": {",
        &format!("\"labels\": {{\"{key}\": \"{value}\", "),
        1,
    )
}

type Big<
    const N: usize,
    const S: usize,
    const P: usize,
    const ST: usize,
    const B: usize,
    const L: usize,
> = Engine<N, S, P, ST, B, L, 64>;

/// What a user of an engine sees: every node with its labels and taints as
/// text, every DaemonSet with its revision hash, where it should run and
/// what a sync plans, and every pod; by name, whatever ids and symbols the
/// engine chose.
fn answers<
    const N: usize,
    const S: usize,
    const P: usize,
    const ST: usize,
    const B: usize,
    const L: usize,
>(
    e: &Big<N, S, P, ST, B, L>,
) -> String {
    let mut out = String::new();
    let mut nodes: Vec<_> = e.nodes().collect();
    nodes.sort_by_key(|(_, n)| e.text(n.name));
    for (_, n) in &nodes {
        // Labels are kept sorted by key symbol: by text here.
        let mut labels: Vec<_> = e
            .node_labels(n)
            .iter()
            .map(|l| format!("{}={}", e.text(l.key), e.text(l.value)))
            .collect();
        labels.sort();
        let taints: Vec<_> = e
            .node_taints(n)
            .iter()
            .map(|t| format!("{}={}:{:?}", e.text(t.key), e.text(t.value), t.effect))
            .collect();
        out += &format!("node {} {labels:?} {taints:?}\n", e.text(n.name));
    }
    for (id, d) in e.daemon_sets() {
        out += &format!(
            "set {}/{} hash {:?}\n",
            e.text(d.namespace),
            e.text(d.name),
            e.text(d.revision_hash)
        );
        for (n, node) in &nodes {
            out += &format!("  on {}: {:?}\n", e.text(node.name), e.fit(id, *n).unwrap());
        }
        let mut copy = Box::new(e.clone());
        let mut plan: dsr_core::Plan<16> = dsr_core::Plan::new();
        let now = dsr_core::Timestamp::parse_rfc3339("2026-11-28T10:00:00Z").unwrap();
        copy.sync(id, now, &mut plan).unwrap();
        let creates: Vec<_> = plan
            .creates
            .iter()
            .map(|c| copy.text(c.node_name))
            .collect();
        let deletes: Vec<_> = plan.deletes.iter().map(|d| copy.text(d.pod_name)).collect();
        out += &format!("  plan {creates:?} {deletes:?} {:?}\n", plan.status);
    }
    let mut pods: Vec<_> = e
        .pods()
        .map(|(_, p)| {
            let mut labels: Vec<_> = e
                .pod_labels(p)
                .iter()
                .map(|l| format!("{}={}", e.text(l.key), e.text(l.value)))
                .collect();
            labels.sort();
            format!(
                "pod {}/{} on {} {:?} ready {} hash {} {labels:?}",
                e.text(p.namespace),
                e.text(p.name),
                e.text(p.node_name),
                p.phase,
                p.ready,
                e.text(p.revision_hash)
            )
        })
        .collect();
    pods.sort();
    out += &pods.join("\n");
    out
}

fn snapshot_of<
    const N: usize,
    const S: usize,
    const P: usize,
    const ST: usize,
    const B: usize,
    const L: usize,
>(
    e: &Big<N, S, P, ST, B, L>,
) -> Vec<u8> {
    let mut buf = vec![0u8; Big::<N, S, P, ST, B, L>::max_snapshot_size()];
    let n = e.snapshot(&mut buf).unwrap();
    buf.truncate(n);
    buf
}

// The error is `Engine::apply`'s, as it gives it.
#[allow(clippy::result_large_err)]
fn apply_big<
    const N: usize,
    const S: usize,
    const P: usize,
    const ST: usize,
    const B: usize,
    const L: usize,
>(
    e: &mut Big<N, S, P, ST, B, L>,
    json: &str,
) -> Result<dsr_core::json::Applied, ApplyError> {
    let mut s: Box<Scratch<'_, 16, 1024, 256, 8192>> = Box::new(Scratch::new());
    e.apply(json.as_bytes(), &mut s)
}

/// Applies `json`, which must fail; the engine must be as before (its
/// `Debug` too: these lists do not make the stage compact the pools, which
/// moves where parts sit).
fn refused<
    const N: usize,
    const S: usize,
    const P: usize,
    const ST: usize,
    const B: usize,
    const L: usize,
>(
    e: &mut Big<N, S, P, ST, B, L>,
    json: &str,
) -> ApplyError {
    let (bytes, seen, debug) = (snapshot_of(e), answers(e), format!("{e:?}"));
    let err = apply_big(e, json).unwrap_err();
    assert_eq!(format!("{e:?}"), debug, "{err}");
    assert_eq!(answers(e), seen, "{err}");
    assert_eq!(snapshot_of(e), bytes, "{err}");
    e.check_holders().unwrap();
    err
}

/// A gateway's engine: fluentd at revision 1, three nodes, a pod on two.
fn gateway<const N: usize, const P: usize, const ST: usize, const L: usize>(
) -> Box<Big<N, 4, P, ST, 8192, L>> {
    let mut e = Box::new(Big::<N, 4, P, ST, 8192, L>::new());
    for json in [
        revision(1, "6d4b8c7f9"),
        fluentd_at(1, r#"{"kubernetes.io/os": "linux"}"#),
        node("worker-1"),
        node("cp-1"),
        node("edge-rpi4-01"),
        pod("fluentd-elasticsearch-x7k2p", "worker-1", "6d4b8c7f9"),
        pod("fluentd-elasticsearch-q9m4d", "cp-1", "6d4b8c7f9"),
    ] {
        apply_big(&mut e, &json).unwrap();
    }
    e
}

#[test]
fn a_list_that_fills_the_pods_at_its_last_item_undoes_every_update_before() {
    let mut e = gateway::<8, 3, 256, 256>();
    // Every kind of change before the item that does not fit: nodes relabelled,
    // the DaemonSet's template changed, a new revision, pods added and updated.
    let items = [
        relabelled("worker-1", "topology.kubernetes.io/zone", "eu-west-1a"),
        revision(2, "7f5c9d8b1"),
        fluentd_at(2, r#"{"kubernetes.io/arch": "amd64"}"#),
        relabelled("cp-1", "node.kubernetes.io/instance-type", "m5.large"),
        pod("fluentd-elasticsearch-x7k2p", "worker-1", "7f5c9d8b1"),
        pod("fluentd-elasticsearch-b2c8w", "edge-rpi4-01", "7f5c9d8b1"),
        node("k3s-server-1"),
        pod("fluentd-elasticsearch-z5t6r", "k3s-server-1", "7f5c9d8b1"),
    ];
    let err = refused(&mut e, &list(&items));
    assert_eq!(
        err.problem,
        Problem::Engine(Error::Full {
            table: Table::Pods,
            capacity: 3
        })
    );
    assert_eq!(err.name.as_str(), "fluentd-elasticsearch-z5t6r");
    // Without the last pod, the list fits and applies whole.
    let a = apply_big(&mut e, &list(&items[..items.len() - 1])).unwrap();
    assert_eq!(
        (a.counts.added, a.counts.updated, a.counts.unchanged),
        (2, 5, 0)
    );
    let id = e
        .find_daemon_set("kube-system", "fluentd-elasticsearch")
        .unwrap();
    assert_eq!(e.text(e.daemon_set(id).unwrap().revision_hash), "7f5c9d8b1");
    e.check_holders().unwrap();
}

#[test]
fn a_list_that_runs_out_of_strings_changes_nothing() {
    // Room for the gateway's strings and a few more: a new node's labels
    // (each value of its own) do not fit.
    let mut e = gateway::<8, 8, 40, 256>();
    let used = e.usage().strings;
    assert!(used < 40, "{used}");
    let items = [
        relabelled("worker-1", "topology.kubernetes.io/zone", "eu-west-1a"),
        fluentd_at(2, r#"{"kubernetes.io/arch": "amd64"}"#),
        node("gke-prod-default-pool-5f1c2a3b-x7k2"),
        node("aks-nodepool1-28371640-vmss000000"),
        node("ip-10-0-1-23.us-west-2.compute.internal"),
    ];
    let err = refused(&mut e, &list(&items));
    assert_eq!(
        err.problem,
        Problem::Engine(Error::Full {
            table: Table::Strings,
            capacity: 40
        }),
        "{err}"
    );
}

/// A small deterministic generator (xorshift64*), so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
    }
}

/// A random item near the gateway's objects: a node (some relabelled), the
/// DaemonSet at another generation, a revision, a pod.
fn random_item(r: &mut Rng) -> String {
    const NODES: [&str; 6] = [
        "worker-1",
        "cp-1",
        "edge-rpi4-01",
        "k3s-server-1",
        "yurt-edge-gw-hz01",
        "worker-cordoned",
    ];
    const HASHES: [&str; 3] = ["6d4b8c7f9", "7f5c9d8b1", "5b8d6c4a2"];
    let node_name = NODES[r.below(NODES.len())];
    match r.below(6) {
        0 => node(node_name),
        1 => relabelled(node_name, "example.com/rack", &format!("r{}", r.below(4))),
        2 => {
            let set = fluentd_at(
                1 + r.below(3) as u32,
                [
                    r#"{"kubernetes.io/os": "linux"}"#,
                    r#"{"kubernetes.io/arch": "arm64"}"#,
                ][r.below(2)],
            );
            // Some pin their revision hash (the conformance vectors' way).
            match r.below(3) {
                0 => set.replacen(
                    "\"annotations\": {",
                    &format!(
                        "\"annotations\": {{\"dsr.io/current-revision\": \"{}\", ",
                        HASHES[r.below(3)]
                    ),
                    1,
                ),
                _ => set,
            }
        }
        3 => {
            let n = r.below(3);
            revision(1 + n as i64, HASHES[n])
        }
        _ => pod(
            &format!("fluentd-elasticsearch-{}", r.below(6)),
            node_name,
            HASHES[r.below(3)],
        ),
    }
}

/// For random lists on an engine near its capacities: a list either applies
/// whole, answering as its items applied one by one do, or is refused and
/// leaves the engine as it was (its snapshot the same bytes; its `Debug` may
/// show parts moved by a compaction under the stage).
#[test]
fn a_random_list_near_capacity_applies_whole_or_not_at_all() {
    // Few nodes, pods and strings.
    random_lists(&mut || gateway::<4, 4, 44, 256>(), 0x9e37_79b9_7f4a_7c15);
    // Few labels: updates leave holes, and a list runs out of room in the
    // pool (compacted under the stage) more often than of objects.
    random_lists(&mut || gateway::<8, 8, 256, 60>(), 0x2545_f491_4f6c_dd1d);
}

/// Rounds of [`random_lists`] per engine (2,000 each pass too, with and
/// without `compact`; CI runs these).
const ROUNDS: usize = 200;

fn random_lists<const N: usize, const P: usize, const ST: usize, const L: usize>(
    fresh: &mut dyn FnMut() -> Box<Big<N, 4, P, ST, 8192, L>>,
    seed: u64,
) {
    let mut r = Rng(seed);
    let (mut whole, mut refused_lists) = (0, 0);
    for round in 0..ROUNDS {
        let mut e = fresh();
        // Some history first, item by item (what fails is skipped).
        for _ in 0..r.below(6) {
            let _ = apply_big(&mut e, &random_item(&mut r));
        }
        let items: Vec<String> = (0..1 + r.below(10)).map(|_| random_item(&mut r)).collect();
        let json = list(&items);
        let (bytes, seen) = (snapshot_of(&e), answers(&e));
        let mut one_by_one = Box::new((*e).clone());
        match apply_big(&mut e, &json) {
            Ok(_) => {
                whole += 1;
                for item in &items {
                    apply_big(&mut one_by_one, item).unwrap();
                }
                assert_eq!(answers(&e), answers(&one_by_one), "round {round}");
            }
            Err(err) => {
                refused_lists += 1;
                assert_eq!(answers(&e), seen, "round {round}: {err}");
                assert_eq!(snapshot_of(&e), bytes, "round {round}: {err}");
            }
        }
        e.check_holders().unwrap();
    }
    // Both outcomes were tried.
    assert!(whole > 20 && refused_lists > 20, "{whole} {refused_lists}");
}
