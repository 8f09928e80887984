//! Snapshots: an intact one restores to an engine that plans identically; one
//! damaged at any single byte, truncated at any length, of another version or of
//! other capacities is refused with the engine unchanged.

use dsr_core::error::{Error, SnapshotError};
use dsr_core::input::{
    DaemonSetInput, LabelInput, LabelSelectorInput, NodeInput, PodConditionInput, PodInput,
    TaintInput, TolerationInput,
};
use dsr_core::sync::Plan;
use dsr_core::{Engine, Timestamp};

type E = Engine<8, 4, 16, 128, 4096, 128, 64>;

const APP: [LabelInput<'static>; 1] = [LabelInput {
    key: "name",
    value: "fluentd-elasticsearch",
}];

fn now() -> Timestamp {
    Timestamp::parse_rfc3339("2026-11-28T10:00:00Z").unwrap()
}

/// A gateway's view: three nodes (one tainted), a DaemonSet mid-rollout with a
/// failed pod, so expectations and backoff hold state too.
fn gateway() -> Box<E> {
    let mut e = Box::new(E::new());
    let linux = [LabelInput {
        key: "kubernetes.io/os",
        value: "linux",
    }];
    for name in ["edge-rpi4-01", "edge-rpi4-02"] {
        e.add_node(&NodeInput {
            name,
            labels: &linux,
            ..Default::default()
        })
        .unwrap();
    }
    e.add_node(&NodeInput {
        name: "yurt-edge-gw-hz01",
        labels: &linux,
        taints: &[TaintInput {
            key: "edge.example.io/metered",
            value: "true",
            effect: "NoSchedule",
        }],
        ..Default::default()
    })
    .unwrap();
    let set = e
        .add_daemon_set(&DaemonSetInput {
            name: "fluentd-elasticsearch",
            namespace: "kube-system",
            uid: "8a6c2f4e-1b7d-4c3a-9e5f-0d2b6a8c4e1f",
            selector: Some(LabelSelectorInput {
                match_labels: &APP,
                match_expressions: &[],
            }),
            template_labels: &APP,
            node_selector: &linux,
            tolerations: &[TolerationInput {
                key: "node-role.kubernetes.io/control-plane",
                operator: "Exists",
                effect: "NoSchedule",
                ..Default::default()
            }],
            revision_hash: "7b9d5c6f8",
            template_generation: Some("2"),
            generation: 2,
            ..Default::default()
        })
        .unwrap();
    let owner = Some("8a6c2f4e-1b7d-4c3a-9e5f-0d2b6a8c4e1f");
    let pod = |name, node, phase, hash| PodInput {
        name,
        namespace: "kube-system",
        uid: name,
        labels: hash,
        controller_uid: owner,
        controller_kind: "DaemonSet",
        controller_name: "fluentd-elasticsearch",
        node_name: node,
        phase,
        ready: Some(PodConditionInput {
            status: "True",
            last_transition_time: Some(now().plus(-3600)),
        }),
        creation_timestamp: now().plus(-7200),
        ..Default::default()
    };
    let old = [
        APP[0],
        LabelInput {
            key: "controller-revision-hash",
            value: "5f7c8d9b6",
        },
    ];
    e.add_pod(&pod(
        "fluentd-elasticsearch-x7k2p",
        "edge-rpi4-01",
        "Running",
        &old,
    ))
    .unwrap();
    e.add_pod(&pod(
        "fluentd-elasticsearch-9qz4m",
        "edge-rpi4-02",
        "Failed",
        &old,
    ))
    .unwrap();
    let mut plan: Plan<16> = Plan::new();
    e.sync(set, now(), &mut plan).unwrap();
    assert!(!plan.deletes.is_empty(), "the failed pod is deleted");
    e
}

fn plans(e: &mut E) -> String {
    let mut out = String::new();
    let sets: Vec<_> = e.daemon_sets().map(|(id, _)| id).collect();
    for set in sets {
        let mut plan: Plan<16> = Plan::new();
        e.sync(set, now().plus(30), &mut plan).unwrap();
        out += &format!("{plan:?}\n");
    }
    out
}

#[test]
fn an_intact_snapshot_restores_an_engine_that_plans_identically() {
    let e = gateway();
    let mut buf = vec![0u8; E::max_snapshot_size()];
    let n = e.snapshot(&mut buf).unwrap();
    let mut restored = Box::new(E::new());
    restored.restore(&buf[..n]).unwrap();
    assert_eq!(format!("{restored:?}"), format!("{e:?}"));
    let mut original = e;
    assert_eq!(plans(&mut restored), plans(&mut original));
}

#[test]
fn every_damaged_byte_is_refused_and_changes_nothing() {
    let e = gateway();
    let mut buf = vec![0u8; E::max_snapshot_size()];
    let n = e.snapshot(&mut buf).unwrap();
    let snap = &buf[..n];
    // The target holds other state, which must survive every refusal.
    let mut target = Box::new(E::new());
    target
        .add_node(&NodeInput {
            name: "worker-1",
            ..Default::default()
        })
        .unwrap();
    let before = format!("{target:?}");
    for i in 0..n {
        let mut bad = snap.to_vec();
        bad[i] ^= 0xA5;
        let err = target.restore(&bad).unwrap_err();
        assert!(matches!(err, Error::Snapshot(_)), "byte {i}: {err:?}");
        assert_eq!(format!("{target:?}"), before, "byte {i} changed the engine");
    }
    for len in 0..n {
        let err = target.restore(&snap[..len]).unwrap_err();
        assert!(matches!(err, Error::Snapshot(_)), "length {len}: {err:?}");
    }
    assert_eq!(format!("{target:?}"), before);
}

#[test]
fn each_kind_of_bad_snapshot_has_its_own_error() {
    let e = gateway();
    let mut buf = vec![0u8; E::max_snapshot_size()];
    let n = e.snapshot(&mut buf).unwrap();
    let snap = buf[..n].to_vec();
    let mut target = Box::new(E::new());
    let refuse = |t: &mut E, bytes: &[u8]| match t.restore(bytes) {
        Err(Error::Snapshot(s)) => s,
        other => panic!("{other:?}"),
    };
    assert_eq!(refuse(&mut target, &snap[..10]), SnapshotError::Truncated);
    let mut bad = snap.clone();
    bad[0] = b'X';
    assert_eq!(refuse(&mut target, &bad), SnapshotError::BadMagic);
    let mut bad = snap.clone();
    bad[4] = 2;
    assert_eq!(
        refuse(&mut target, &bad),
        SnapshotError::UnsupportedVersion { found: 2 }
    );
    let mut bad = snap.clone();
    bad[n - 1] ^= 1;
    assert_eq!(refuse(&mut target, &bad), SnapshotError::Checksum);
    let mut longer = snap.clone();
    longer.push(0);
    assert_eq!(refuse(&mut target, &longer), SnapshotError::TrailingBytes);
    let mut other: Engine<9, 4, 16, 128, 4096, 128, 64> = Engine::new();
    assert_eq!(
        other.restore(&snap),
        Err(Error::Snapshot(SnapshotError::CapacityMismatch))
    );
    // The last three capacities are in the header too.
    let mut taints: Box<Engine<8, 4, 16, 128, 4096, 128, 64, 63>> = Box::default();
    let mut terms: Box<Engine<8, 4, 16, 128, 4096, 128, 64, 64, 63>> = Box::default();
    let mut backoff: Box<Engine<8, 4, 16, 128, 4096, 128, 64, 64, 64, 15>> = Box::default();
    let mismatch = Err(Error::Snapshot(SnapshotError::CapacityMismatch));
    assert_eq!(taints.restore(&snap), mismatch);
    assert_eq!(terms.restore(&snap), mismatch);
    assert_eq!(backoff.restore(&snap), mismatch);
    let mut small = vec![0u8; n - 1];
    assert_eq!(
        e.snapshot(&mut small),
        Err(Error::Snapshot(SnapshotError::BufferTooSmall))
    );
}

#[test]
fn a_full_engine_fits_in_max_snapshot_size() {
    type Small = Engine<2, 1, 2, 16, 256, 8, 8>;
    let mut e = Box::new(Small::new());
    // Long strings and large integers make the encoding as big as it gets.
    let long = |c: char, n: usize| -> String { std::iter::repeat_n(c, n).collect() };
    let (n1, n2) = (long('a', 30), long('b', 30));
    let labels = [LabelInput {
        key: "k",
        value: "v",
    }];
    for n in [&n1, &n2] {
        e.add_node(&NodeInput {
            name: n,
            labels: &labels,
            ..Default::default()
        })
        .unwrap();
    }
    e.add_daemon_set(&DaemonSetInput {
        name: "ds",
        namespace: "ns",
        uid: "u",
        selector: Some(LabelSelectorInput {
            match_labels: &labels,
            match_expressions: &[],
        }),
        template_labels: &labels,
        generation: i64::MAX,
        observed_generation: i64::MIN,
        ..Default::default()
    })
    .unwrap();
    let mut buf = vec![0u8; Small::max_snapshot_size()];
    let n = e.snapshot(&mut buf).unwrap();
    assert!(n <= Small::max_snapshot_size());
    let mut back = Box::new(Small::new());
    back.restore(&buf[..n]).unwrap();
    assert_eq!(format!("{back:?}"), format!("{e:?}"));
}

/// CRC-32 (ISO-HDLC, as zlib), written out here so the test checks the format
/// independently of the core's implementation.
fn crc32(parts: &[&[u8]]) -> u32 {
    let mut crc = !0u32;
    for part in parts {
        for &b in *part {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
    }
    !crc
}

/// The header (unchanged since version 3): 56 bytes, all ten capacities in const-generic order, then
/// the payload length and the CRC of the header's first 52 bytes and the payload.
#[test]
fn the_header_names_all_ten_capacities() {
    use dsr_core::snapshot::{FORMAT_VERSION, HEADER_LEN};
    type Odd = Engine<3, 2, 5, 40, 900, 30, 20, 7, 6, 4>;
    assert_eq!((FORMAT_VERSION, HEADER_LEN), (4, 56));
    let e: Box<Odd> = Box::default();
    let mut buf = vec![0u8; Odd::max_snapshot_size()];
    let n = e.snapshot(&mut buf).unwrap();
    let u32_at = |at: usize| u32::from_le_bytes(buf[at..at + 4].try_into().unwrap());
    assert_eq!(&buf[..4], b"DSRS");
    assert_eq!(&buf[4..8], &[4, 0, 0, 0]);
    let caps: Vec<u32> = (0..10).map(|i| u32_at(8 + 4 * i)).collect();
    assert_eq!(caps, [3, 2, 5, 40, 900, 30, 20, 7, 6, 4]);
    assert_eq!(u32_at(48) as usize, n - 56);
    assert_eq!(u32_at(52), crc32(&[&buf[..52], &buf[56..n]]));
}

/// A version 1 snapshot (44-byte header, seven capacities) is refused as another
/// version, whatever follows.
#[test]
fn a_version_1_snapshot_is_refused_as_another_version() {
    let mut v1 = Vec::new();
    v1.extend_from_slice(b"DSRS");
    v1.extend_from_slice(&1u16.to_le_bytes());
    v1.extend_from_slice(&[0, 0]);
    for c in [8u32, 4, 16, 128, 4096, 128, 64] {
        v1.extend_from_slice(&c.to_le_bytes());
    }
    let payload = [0u8; 12];
    v1.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    let crc = crc32(&[&v1[..40], &payload]);
    v1.extend_from_slice(&crc.to_le_bytes());
    v1.extend_from_slice(&payload);
    let mut e = gateway();
    let before = format!("{e:?}");
    assert_eq!(
        e.restore(&v1),
        Err(Error::Snapshot(SnapshotError::UnsupportedVersion {
            found: 1
        }))
    );
    // Even when shorter than a version 2 header.
    assert_eq!(
        e.restore(&v1[..20]),
        Err(Error::Snapshot(SnapshotError::UnsupportedVersion {
            found: 1
        }))
    );
    assert_eq!(format!("{e:?}"), before);
}

/// A snapshot whose header matches but whose tables hold more than the capacities
/// (a crafted one: an engine never writes it) is refused as over capacity, and the
/// engine keeps its state.
#[test]
fn over_capacity_tables_are_refused_and_change_nothing() {
    type Tiny = Engine<2, 1, 2, 16, 256, 8, 8, 4, 4, 2>;
    let e: Box<Tiny> = Box::default();
    let mut buf = vec![0u8; Tiny::max_snapshot_size()];
    let n = e.snapshot(&mut buf).unwrap();
    let reseal = |b: &mut Vec<u8>| {
        let crc = crc32(&[&b[..52], &b[56..]]);
        b[52..56].copy_from_slice(&crc.to_le_bytes());
    };
    let mut target: Box<Tiny> = Box::default();
    target
        .add_node(&NodeInput {
            name: "worker-1",
            ..Default::default()
        })
        .unwrap();
    let before = format!("{target:?}");
    // The string count (the payload's first u32), one past capacity.
    let mut bad = buf[..n].to_vec();
    bad[56..60].copy_from_slice(&17u32.to_le_bytes());
    reseal(&mut bad);
    assert_eq!(
        target.restore(&bad),
        Err(Error::Snapshot(SnapshotError::OverCapacity))
    );
    // The text length, one byte past capacity.
    let mut bad = buf[..n].to_vec();
    bad[60..64].copy_from_slice(&257u32.to_le_bytes());
    reseal(&mut bad);
    assert_eq!(
        target.restore(&bad),
        Err(Error::Snapshot(SnapshotError::OverCapacity))
    );
    // The label pool's count (a varint after the empty string section), 9 > 8.
    let mut bad = buf[..n].to_vec();
    assert_eq!(
        bad[64], 0,
        "empty engine: the label count follows the strings"
    );
    bad[64] = 9;
    reseal(&mut bad);
    assert_eq!(
        target.restore(&bad),
        Err(Error::Snapshot(SnapshotError::OverCapacity))
    );
    assert_eq!(format!("{target:?}"), before);
}

/// The feature gates are part of the state: a gateway whose controller runs with
/// `TaintTolerationComparisonOperators` comes back deciding as it did.
#[test]
fn feature_gates_survive_a_snapshot() {
    use dsr_core::gates::{FeatureGate, FeatureGates};
    let mut e = Box::new(E::new());
    let node = e
        .add_node(&NodeInput {
            name: "edge-sla-1",
            taints: &[TaintInput {
                key: "example.com/sla",
                value: "999",
                effect: "NoSchedule",
            }],
            ..Default::default()
        })
        .unwrap();
    let set = e
        .add_daemon_set(&DaemonSetInput {
            name: "sla-agent",
            namespace: "default",
            uid: "3f1c2a9e-5b7d-4e8f-a1c3-9d2b4f6e8a01",
            tolerations: &[TolerationInput {
                key: "example.com/sla",
                operator: "Gt",
                value: "950",
                effect: "NoSchedule",
                ..Default::default()
            }],
            ..Default::default()
        })
        .unwrap();
    let on = FeatureGates::parse("TaintTolerationComparisonOperators=true").unwrap();
    e.set_feature_gates(on);
    assert!(e.fit(set, node).unwrap().should_run);
    let mut buf = vec![0u8; E::max_snapshot_size()];
    let n = e.snapshot(&mut buf).unwrap();
    let mut back = Box::new(E::new());
    assert!(!back
        .feature_gates()
        .enabled(FeatureGate::TaintTolerationComparisonOperators));
    back.restore(&buf[..n]).unwrap();
    assert_eq!(back.feature_gates(), on);
    assert!(back.fit(set, node).unwrap().should_run);
    assert!(back.should_run(set, node).unwrap().should_run);
}

/// The format, byte for byte: the snapshot of [`gateway`] is the one checked in
/// (`core/tests/golden/gateway-v4.snap`). A change of any serialized type, of the
/// order things are written in or of the strings section shows here, so a new
/// field cannot change format 4 silently: bump `FORMAT_VERSION` and bless the new
/// bytes with `DSR_BLESS=1 cargo test -p dsr-core --test snapshot`.
#[test]
fn format_4_is_pinned_byte_for_byte() {
    let e = gateway();
    let mut buf = vec![0u8; E::max_snapshot_size()];
    let n = e.snapshot(&mut buf).unwrap();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/gateway-v4.snap");
    if std::env::var_os("DSR_BLESS").is_some() {
        std::fs::write(path, &buf[..n]).unwrap();
    }
    let golden = std::fs::read(path).expect("the golden snapshot (bless it with DSR_BLESS=1)");
    assert_eq!(
        buf[..n],
        golden[..],
        "the snapshot format changed: bump FORMAT_VERSION and bless"
    );
    // And the golden bytes restore to the same engine.
    let mut back = Box::new(E::new());
    back.restore(&golden).unwrap();
    let mut again = vec![0u8; E::max_snapshot_size()];
    let m = back.snapshot(&mut again).unwrap();
    assert_eq!(again[..m], golden[..]);
}

/// A version 3 snapshot (the golden one of that format, without the remembered
/// ControllerRevisions) is refused as another version, with the engine unchanged:
/// an agent resuming from it starts from a fresh list instead.
#[test]
fn a_version_3_snapshot_is_refused_as_another_version() {
    let v3 = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/gateway-v3.snap"
    ))
    .unwrap();
    let mut e = gateway();
    let before = format!("{e:?}");
    let err = e.restore(&v3).unwrap_err();
    assert_eq!(
        err,
        Error::Snapshot(SnapshotError::UnsupportedVersion { found: 3 })
    );
    assert_eq!(
        err.to_string(),
        "snapshot: snapshot format version 3 is not supported (this build reads 4)"
    );
    assert_eq!(format!("{e:?}"), before);
}

/// A gateway's snapshot with remembered ControllerRevisions (written by a build
/// with the `json` feature).
const REVISIONS_GOLDEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/golden/gateway-v4-revisions.snap"
);

/// An engine built without the `json` feature restores a snapshot that holds
/// remembered ControllerRevisions: it keeps the DaemonSet's current hash, and
/// (applying no revisions) none of them.
#[cfg(not(feature = "json"))]
#[test]
fn a_build_without_json_restores_remembered_revisions_and_keeps_the_hash() {
    use dsr_core::GatewayEngine;
    let golden = std::fs::read(REVISIONS_GOLDEN).unwrap();
    let mut e = Box::new(GatewayEngine::new());
    e.restore(&golden).unwrap();
    let id = e
        .find_daemon_set("kube-system", "fluentd-elasticsearch")
        .unwrap();
    assert_eq!(e.text(e.daemon_set(id).unwrap().revision_hash), "84f5b9c6d");
    // What it writes back has no revisions, and restores.
    let mut buf = vec![0u8; GatewayEngine::max_snapshot_size()];
    let n = e.snapshot(&mut buf).unwrap();
    assert!(n < golden.len());
    let mut again = Box::new(GatewayEngine::new());
    again.restore(&buf[..n]).unwrap();
}

/// The ControllerRevisions `apply` remembered come back with a snapshot: an agent
/// that resumes from one judges a revision the same as one that never stopped.
#[cfg(feature = "json")]
mod remembered_revisions {
    use dsr_core::json::{Applied, Scratch};
    use dsr_core::sync::Plan;
    use dsr_core::GatewayEngine;

    const UID: &str = "8a6c2f4e-1b7d-4c3a-9e5f-0d2b6a8c4e1f";

    const NODE: &str = r#"{"apiVersion":"v1","kind":"Node","metadata":{"name":"edge-rpi4-01",
        "labels":{"kubernetes.io/os":"linux","kubernetes.io/arch":"arm64"}},"spec":{}}"#;

    fn daemon_set() -> String {
        format!(
            r#"{{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{{"name":"fluentd-elasticsearch",
            "namespace":"kube-system","uid":"{UID}","generation":2,"annotations":
            {{"deprecated.daemonset.template.generation":"2"}}}},"spec":{{"selector":
            {{"matchLabels":{{"name":"fluentd-elasticsearch"}}}},"template":{{"metadata":{{"labels":
            {{"name":"fluentd-elasticsearch"}}}},"spec":{{"containers":[{{"name":"fluentd-elasticsearch",
            "image":"quay.io/fluentd_elasticsearch/fluentd:v2.5.2"}}]}}}}}},"status":
            {{"observedGeneration":2}}}}"#
        )
    }

    fn revision(n: i64, hash: &str) -> String {
        format!(
            r#"{{"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{{
            "name":"fluentd-elasticsearch-{hash}","namespace":"kube-system","labels":{{
            "controller-revision-hash":"{hash}","name":"fluentd-elasticsearch"}},"ownerReferences":[{{
            "apiVersion":"apps/v1","kind":"DaemonSet","name":"fluentd-elasticsearch","uid":"{UID}",
            "controller":true,"blockOwnerDeletion":true}}]}},"revision":{n}}}"#
        )
    }

    /// The running pod, of the first revision.
    fn pod() -> String {
        format!(
            r#"{{"apiVersion":"v1","kind":"Pod","metadata":{{"name":"fluentd-elasticsearch-x7k2p",
            "namespace":"kube-system","creationTimestamp":"2026-11-28T09:00:00Z","labels":{{
            "name":"fluentd-elasticsearch","controller-revision-hash":"6d4b8c7f9",
            "pod-template-generation":"1"}},"ownerReferences":[{{"apiVersion":"apps/v1",
            "kind":"DaemonSet","name":"fluentd-elasticsearch","uid":"{UID}","controller":true}}]}},
            "spec":{{"nodeName":"edge-rpi4-01","containers":[{{"name":"fluentd-elasticsearch"}}]}},
            "status":{{"phase":"Running","conditions":[{{"type":"Ready","status":"True",
            "lastTransitionTime":"2026-11-28T09:00:30Z"}}]}}}}"#
        )
    }

    fn apply(e: &mut GatewayEngine, json: &str) -> Applied {
        let mut s: Scratch<'_> = Scratch::new();
        e.apply(json.as_bytes(), &mut s).unwrap()
    }

    fn restarted(e: &GatewayEngine) -> Box<GatewayEngine> {
        let mut buf = vec![0u8; GatewayEngine::max_snapshot_size()];
        let n = e.snapshot(&mut buf).unwrap();
        let mut back = Box::new(GatewayEngine::new());
        back.restore(&buf[..n]).unwrap();
        // The revisions' strings are held as in an engine that applied them.
        back.check_holders().unwrap();
        back
    }

    /// The DaemonSet's current revision hash and what a sync plans, by name.
    fn answers(e: &mut GatewayEngine) -> (String, String) {
        let id = e
            .find_daemon_set("kube-system", "fluentd-elasticsearch")
            .unwrap();
        let hash = e.text(e.daemon_set(id).unwrap().revision_hash).to_string();
        let mut plan: Plan<8> = Plan::new();
        let now = dsr_core::Timestamp::parse_rfc3339("2026-11-28T10:00:00Z").unwrap();
        e.sync(id, now, &mut plan).unwrap();
        let creates: Vec<_> = plan
            .creates
            .iter()
            .map(|c| format!("create on {} ({:?})", e.text(c.node_name), c.reason))
            .collect();
        let deletes: Vec<_> = plan
            .deletes
            .iter()
            .map(|d| format!("delete {} ({:?})", e.text(d.pod_name), d.reason))
            .collect();
        let plan = format!(
            "{creates:?} {deletes:?} {:?} hash {}",
            plan.status,
            e.text(plan.revision_hash)
        );
        (hash, plan)
    }

    /// A pod that comes and goes first, so the strings interned after it are
    /// not numbered from 0 when the snapshot is taken.
    const GONE: &str = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"debugger-7tq2x",
        "namespace":"default","uid":"0f5e2d7c-93a1-4b6e-8c2d-5a7f1e9b3c40"},"spec":{
        "nodeName":"edge-rpi4-01","containers":[{"name":"debugger"}]},"status":{"phase":"Succeeded"}}"#;

    #[test]
    fn an_older_revision_after_a_restart_is_ignored_as_before() {
        let mut never = Box::new(GatewayEngine::new());
        for json in [
            GONE.to_string(),
            NODE.to_string(),
            daemon_set(),
            pod(),
            revision(1, "6d4b8c7f9"),
            revision(2, "84f5b9c6d"),
            format!(r#"{{"type":"DELETED","object":{GONE}}}"#),
        ] {
            apply(&mut never, &json);
        }
        let mut resumed = restarted(&never);
        // A re-list after the restart names the first revision again.
        let old = revision(1, "6d4b8c7f9");
        let a = apply(&mut never, &old);
        let b = apply(&mut resumed, &old);
        assert_eq!(a, b);
        let (hash, plan) = answers(&mut never);
        assert_eq!(hash, "84f5b9c6d");
        // The pod of revision 1 is replaced.
        assert!(
            plan.contains("delete fluentd-elasticsearch-x7k2p"),
            "{plan}"
        );
        assert_eq!(answers(&mut resumed), (hash, plan));
    }

    #[test]
    fn a_revision_waiting_for_its_daemon_set_survives_a_restart() {
        let mut never = Box::new(GatewayEngine::new());
        for json in [NODE.to_string(), pod(), revision(2, "84f5b9c6d")] {
            apply(&mut never, &json);
        }
        let mut resumed = restarted(&never);
        let a = apply(&mut never, &daemon_set());
        let b = apply(&mut resumed, &daemon_set());
        assert_eq!(a, b);
        let (hash, plan) = answers(&mut never);
        assert_eq!(hash, "84f5b9c6d");
        assert_eq!(answers(&mut resumed), (hash, plan));
        // And a second restart keeps what the DaemonSet now remembers.
        let mut again = restarted(&resumed);
        let old = revision(1, "6d4b8c7f9");
        assert_eq!(apply(&mut again, &old), apply(&mut never, &old));
        assert_eq!(answers(&mut again).0, "84f5b9c6d");
    }

    /// The remembered ControllerRevisions' bytes are pinned too: the snapshot of
    /// this engine is `core/tests/golden/gateway-v4-revisions.snap` (blessed as
    /// the other golden snapshot), and restores to the same bytes.
    #[test]
    fn remembered_revisions_are_pinned_byte_for_byte() {
        let mut e = Box::new(GatewayEngine::new());
        for json in [
            NODE.to_string(),
            daemon_set(),
            pod(),
            revision(1, "6d4b8c7f9"),
            revision(2, "84f5b9c6d"),
        ] {
            apply(&mut e, &json);
        }
        let mut buf = vec![0u8; GatewayEngine::max_snapshot_size()];
        let n = e.snapshot(&mut buf).unwrap();
        let path = super::REVISIONS_GOLDEN;
        if std::env::var_os("DSR_BLESS").is_some() {
            std::fs::write(path, &buf[..n]).unwrap();
        }
        let golden = std::fs::read(path).expect("the golden snapshot (bless it with DSR_BLESS=1)");
        assert_eq!(buf[..n], golden[..], "the snapshot format changed");
        assert_eq!(restarted(&e).snapshot(&mut buf).unwrap(), n);
        assert_eq!(buf[..n], golden[..]);
    }
}
