//! Worst-case stack of the engine's calls, measured by painting: a thread fills a
//! region below its stack pointer with a pattern, runs the call, and finds the
//! deepest byte the call overwrote.
//!
//! Every public call of the engine that does work is measured, on a
//! [`GatewayEngine`](dsr_core::GatewayEngine) with a full pod table, and per-call
//! limits of the firmware profile where the call takes them
//! (`selector_string_matches::<16, 32>`).
//!
//! The bound, [`LIMIT`] (4 KiB), is for optimized builds, as firmware runs them:
//! `cargo test --release -p dsr-core --test stack -- --nocapture` prints each
//! call's high-water mark (`scripts/measure.sh` does; `scripts/test-all.sh` runs it
//! as its `stack` step). Unoptimized builds keep every temporary in its own stack
//! slot, so `cargo test` (debug) holds them to [`DEBUG_LIMIT`] (16 KiB) instead.

use std::hint::black_box;

use dsr_core::input::{
    DaemonSetInput, LabelInput, LabelSelectorInput, NodeInput, PodInput, TaintInput,
    TolerationInput,
};
use dsr_core::sync::{Plan, Propagation};
use dsr_core::Timestamp;

/// Bytes painted below the stack pointer.
const PAINT: usize = 256 << 10;
const PATTERN: u8 = 0xA5;

/// The bound this test holds optimized builds to.
const LIMIT: usize = 4 << 10;

/// The bound for unoptimized (debug) builds.
const DEBUG_LIMIT: usize = 16 << 10;

/// The bound `Engine::apply` (the `json` feature) of a document whose skipped
/// value is nested `json::MAX_DEPTH` deep is held to: each level skipped is a
/// serde frame (about 80 bytes), so this one call may pass [`LIMIT`] (3.9 KiB
/// now, 5.2 KiB before an empty object was written in its slot rather than
/// copied from a temporary). Real objects (every other `apply` here, the
/// deepest, a pod event, 3.9 KiB) are held to [`LIMIT`].
const DEEPEST_APPLY_LIMIT: usize = 6 << 10;

/// The bound for every `apply` in debug builds, where each nested serde visitor
/// keeps its temporaries apart (optimized builds hold real objects to [`LIMIT`]).
const DEEPEST_APPLY_DEBUG_LIMIT: usize = 32 << 10;

#[inline(never)]
fn stack_pointer() -> usize {
    let here = 0u8;
    black_box(&here) as *const u8 as usize
}

#[inline(never)]
fn paint() {
    let mut region = [0u8; PAINT];
    for b in region.iter_mut() {
        // SAFETY: a write to a byte of a live local array.
        unsafe { std::ptr::write_volatile(b, PATTERN) };
    }
    black_box(&region);
}

/// Bytes of stack `f` used below the caller's frame.
fn high_water(f: impl FnOnce()) -> usize {
    let top = stack_pointer();
    paint();
    f();
    // The painted region lies below `top`; find the lowest byte `f` changed.
    let bottom = top - PAINT + 1024;
    for addr in bottom..top {
        // SAFETY: the addresses are this thread's stack, below the current frame;
        // nothing else writes there, and a volatile read of a byte is always valid
        // memory here (the thread's stack is larger than PAINT plus the frames
        // above).
        let b = unsafe { std::ptr::read_volatile(addr as *const u8) };
        if b != PATTERN {
            return top - addr;
        }
    }
    0
}

type E = dsr_core::GatewayEngine;

fn node(name: &'static str) -> NodeInput<'static> {
    NodeInput {
        name,
        labels: &[LabelInput {
            key: "kubernetes.io/os",
            value: "linux",
        }],
        ..Default::default()
    }
}

const APP: [LabelInput<'static>; 1] = [LabelInput {
    key: "name",
    value: "fluentd-elasticsearch",
}];

fn set(name: &'static str) -> DaemonSetInput<'static> {
    DaemonSetInput {
        name,
        namespace: "kube-system",
        uid: name,
        selector: Some(LabelSelectorInput {
            match_labels: &APP,
            match_expressions: &[],
        }),
        template_labels: &APP,
        node_selector: &[LabelInput {
            key: "kubernetes.io/os",
            value: "linux",
        }],
        revision_hash: "5d4f8c7b9",
        ..Default::default()
    }
}

fn measure() -> Vec<(&'static str, usize)> {
    let mut out = Vec::new();
    let mut e: Box<E> = Box::new(E::new());
    let now = Timestamp(1_709_290_800);
    out.push((
        "add_node",
        high_water(|| {
            black_box(e.add_node(&node("edge-gw-01")).unwrap());
        }),
    ));
    out.push((
        "add_daemon_set",
        high_water(|| {
            black_box(e.add_daemon_set(&set("fluentd-elasticsearch")).unwrap());
        }),
    ));
    // Fill the pod table with pods of the DaemonSet on the node: duplicates, so the
    // sync has the most to do.
    let names: Vec<String> = (0..32)
        .map(|i| format!("fluentd-elasticsearch-{i:05}"))
        .collect();
    for (i, name) in names.iter().enumerate() {
        let p = PodInput {
            name,
            namespace: "kube-system",
            labels: &APP,
            controller_uid: Some("fluentd-elasticsearch"),
            controller_kind: "DaemonSet",
            controller_name: "fluentd-elasticsearch",
            node_name: "edge-gw-01",
            phase: if i % 3 == 0 { "Failed" } else { "Running" },
            creation_timestamp: now.plus(i as i64),
            ..Default::default()
        };
        let used = high_water(|| {
            black_box(e.add_pod(&p).unwrap());
        });
        if i == 0 {
            out.push(("add_pod", used));
        }
    }
    let set_id = e
        .find_daemon_set("kube-system", "fluentd-elasticsearch")
        .unwrap();
    let node_id = e.find_node("edge-gw-01").unwrap();
    let mut plan: Box<Plan<64>> = Box::new(Plan::new());
    out.push((
        "sync (full pod table)",
        high_water(|| {
            e.sync(set_id, now.plus(60), &mut plan).unwrap();
            black_box(&plan);
        }),
    ));
    out.push((
        "describe_create + describe_delete",
        high_water(|| {
            let mut why = heapless::String::<256>::new();
            for c in &plan.creates {
                why.clear();
                e.describe_create(c, &mut why).unwrap();
            }
            for d in &plan.deletes {
                why.clear();
                e.describe_delete(set_id, d, &mut why).unwrap();
            }
            black_box(&why);
        }),
    ));
    out.push((
        "should_run + describe",
        high_water(|| {
            let p = e.should_run(set_id, node_id).unwrap();
            let mut why = heapless::String::<256>::new();
            e.describe(set_id, &p.reason, &mut why).unwrap();
            black_box(&why);
        }),
    ));
    out.push((
        "update_node",
        high_water(|| {
            e.update_node(node_id, &node("edge-gw-01")).unwrap();
        }),
    ));
    out.push((
        "update_daemon_set",
        high_water(|| {
            e.update_daemon_set(set_id, &set("fluentd-elasticsearch"))
                .unwrap();
        }),
    ));
    out.push((
        "validate_daemon_set",
        high_water(|| {
            black_box(e.validate_daemon_set(&set("fluentd-elasticsearch")).is_ok());
        }),
    ));
    let first_pod = e
        .find_pod("kube-system", "fluentd-elasticsearch-00000")
        .unwrap();
    out.push((
        "update_pod",
        high_water(|| {
            let p = PodInput {
                name: "fluentd-elasticsearch-00000",
                namespace: "kube-system",
                labels: &APP,
                controller_uid: Some("fluentd-elasticsearch"),
                controller_kind: "DaemonSet",
                controller_name: "fluentd-elasticsearch",
                node_name: "edge-gw-01",
                phase: "Running",
                creation_timestamp: now,
                ..Default::default()
            };
            e.update_pod(first_pod, &p).unwrap();
        }),
    ));
    #[cfg(feature = "json")]
    apply(&mut e, &mut out);
    out.push((
        // With the firmware profile's per-call limits (16 requirements, 32 values).
        "selector_string_matches",
        high_water(|| {
            black_box(
                e.selector_string_matches::<16, 32>(
                    "name=fluentd-elasticsearch,tier in (a,b,c),!gpu,zone notin (x,y),os",
                    &APP,
                )
                .unwrap(),
            );
        }),
    ));
    out.push((
        "find_untolerated_taint",
        high_water(|| {
            let taints = [TaintInput {
                key: "node-role.kubernetes.io/control-plane",
                value: "",
                effect: "NoSchedule",
            }];
            let tolerations = [TolerationInput {
                key: "dedicated",
                operator: "Equal",
                value: "gpu",
                effect: "NoSchedule",
                toleration_seconds: None,
            }];
            black_box(
                e.find_untolerated_taint(&taints, &tolerations, None)
                    .unwrap(),
            );
        }),
    ));
    let mut buf = vec![0u8; E::max_snapshot_size()];
    let mut n = 0;
    out.push((
        "snapshot",
        high_water(|| {
            n = e.snapshot(&mut buf).unwrap();
        }),
    ));
    out.push((
        "restore",
        high_water(|| {
            e.restore(&buf[..n]).unwrap();
        }),
    ));
    out.push((
        "remove_daemon_set",
        high_water(|| {
            e.remove_daemon_set(set_id).unwrap();
        }),
    ));
    let set_id = e.add_daemon_set(&set("fluentd-elasticsearch")).unwrap();
    out.push((
        "delete_daemon_set",
        high_water(|| {
            let mut pods = heapless::Vec::<dsr_core::PodId, 32>::new();
            e.delete_daemon_set(set_id, Propagation::Background, &mut pods)
                .unwrap();
            black_box(&pods);
        }),
    ));
    out.push((
        "clear",
        high_water(|| {
            e.clear();
        }),
    ));
    out
}

/// `Engine::apply` of real objects as watch events: the node and DaemonSet of
/// `tests/data/manifests` and a pod and a ControllerRevision of the example
/// cluster, renamed onto the engine's objects (the gateway has room for no more),
/// and a node with an unknown field nested as deep as is skipped.
#[cfg(feature = "json")]
fn apply(e: &mut E, out: &mut Vec<(&'static str, usize)>) {
    use dsr_core::json::Scratch;
    use serde_json::{json, Value};
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let read = |p: &str| -> Value {
        serde_json::from_slice(&std::fs::read(format!("{root}/{p}")).unwrap()).unwrap()
    };
    let cluster = read("examples/cluster.json");
    let first = |kind: &str| {
        cluster["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["kind"] == kind)
            .unwrap()
            .clone()
    };
    let mut node = read("tests/data/manifests/nodes/edge-rpi4-01.json");
    node["metadata"]["name"] = json!("edge-gw-01");
    let ds = read("tests/data/manifests/daemonsets/kubernetes-website-fluentd-elasticsearch.json");
    let mut pod = first("Pod");
    pod["metadata"]["name"] = json!("fluentd-elasticsearch-00001");
    pod["metadata"]["namespace"] = json!("kube-system");
    let revision = first("ControllerRevision");
    let mut deep = node.clone();
    let mut nested = json!(1);
    // The event, the object and `metadata` are three levels.
    for _ in 0..dsr_core::json::MAX_DEPTH - 3 {
        nested = json!([nested]);
    }
    deep["metadata"]["x-future"] = nested;
    let event = |o: &Value| serde_json::to_vec(&json!({"type": "MODIFIED", "object": o})).unwrap();
    for (name, object) in [
        ("apply (node event)", &node),
        ("apply (DaemonSet event)", &ds),
        ("apply (pod event)", &pod),
        ("apply (ControllerRevision event)", &revision),
        ("apply (deepest skipped value)", &deep),
    ] {
        let bytes = event(object);
        let mut scratch = Box::new(Scratch::<1, 64, 32, 256>::new());
        out.push((
            name,
            high_water(|| {
                black_box(e.apply(&bytes, &mut scratch).unwrap());
            }),
        ));
    }
}

#[test]
fn every_call_stays_within_its_stack_bound() {
    // A thread of its own, with room for the painted region.
    let results = std::thread::Builder::new()
        .stack_size(PAINT + (2 << 20))
        .spawn(measure)
        .unwrap()
        .join()
        .unwrap();
    let limit = if cfg!(debug_assertions) {
        DEBUG_LIMIT
    } else {
        LIMIT
    };
    let deepest_apply = if cfg!(debug_assertions) {
        DEEPEST_APPLY_DEBUG_LIMIT
    } else {
        DEEPEST_APPLY_LIMIT
    };
    let deep = "apply (deepest skipped value)";
    let apart = |c: &str| c == deep || (cfg!(debug_assertions) && c.starts_with("apply"));
    for (call, bytes) in results.iter().filter(|(c, _)| apart(c)) {
        println!("{call}: {bytes} bytes (limit {deepest_apply})");
        assert!(
            *bytes <= deepest_apply,
            "{call}: {bytes} bytes (limit {deepest_apply})"
        );
    }
    let results: Vec<_> = results.into_iter().filter(|(c, _)| !apart(c)).collect();
    let deepest = results.iter().map(|&(_, b)| b).max().unwrap();
    println!("| Call | Stack (bytes) |");
    println!("|---|---|");
    for (call, bytes) in &results {
        println!("| {call} | {bytes} |");
    }
    println!("deepest: {deepest} bytes (limit {limit})");
    assert!(deepest > 0, "the painting saw nothing");
    assert!(deepest <= limit, "{results:?}");
}
