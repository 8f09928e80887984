//! `Engine::stage`: changes kept whole by `commit`, or undone whole by
//! `rollback` (or by dropping the stage), the engine then answering as before
//! and writing the same snapshot bytes.

use dsr_core::error::{Error, Table};
use dsr_core::input::{
    DaemonSetInput, LabelInput, LabelSelectorInput, NodeInput, PodInput, TaintInput,
    TolerationInput,
};
use dsr_core::stage::Undo;
use dsr_core::Engine;

/// Four nodes, two DaemonSets, four pods, 64 strings, 24 labels.
type E = Engine<4, 2, 4, 64, 2048, 24, 16>;

const LINUX: LabelInput<'static> = LabelInput {
    key: "kubernetes.io/os",
    value: "linux",
};
const ARM: LabelInput<'static> = LabelInput {
    key: "kubernetes.io/arch",
    value: "arm64",
};
const AMD: LabelInput<'static> = LabelInput {
    key: "kubernetes.io/arch",
    value: "amd64",
};
const EDGE: LabelInput<'static> = LabelInput {
    key: "node-role.kubernetes.io/edge",
    value: "",
};
const APP: LabelInput<'static> = LabelInput {
    key: "name",
    value: "fluentd-elasticsearch",
};
const MAINTENANCE: TaintInput<'static> = TaintInput {
    key: "example.com/maintenance",
    value: "",
    effect: "NoSchedule",
};

fn node<'a>(name: &'a str, labels: &'a [LabelInput<'a>]) -> NodeInput<'a> {
    NodeInput {
        name,
        labels,
        ..Default::default()
    }
}

const CONTROL_PLANE: [TolerationInput<'static>; 1] = [TolerationInput {
    key: "node-role.kubernetes.io/control-plane",
    operator: "Exists",
    value: "",
    effect: "NoSchedule",
    toleration_seconds: None,
}];

fn fluentd<'a>(node_selector: &'a [LabelInput<'a>]) -> DaemonSetInput<'a> {
    DaemonSetInput {
        name: "fluentd-elasticsearch",
        namespace: "kube-system",
        uid: "3b1f7c2e-8f5a-4d0e-9c61-2a7d5e4b9f10",
        selector: Some(LabelSelectorInput {
            match_labels: &[APP],
            match_expressions: &[],
        }),
        template_labels: &[APP],
        node_selector,
        tolerations: &CONTROL_PLANE,
        ..Default::default()
    }
}

fn pod<'a>(name: &'a str, node_name: &'a str, phase: &'a str) -> PodInput<'a> {
    PodInput {
        name,
        namespace: "kube-system",
        labels: &[APP],
        node_name,
        phase,
        controller_uid: Some("3b1f7c2e-8f5a-4d0e-9c61-2a7d5e4b9f10"),
        ..Default::default()
    }
}

/// An edge gateway's engine: two nodes, fluentd on linux nodes, its pod on one.
fn gateway() -> Box<E> {
    let mut e = Box::new(E::new());
    e.add_node(&node("edge-rpi4-01", &[LINUX, ARM, EDGE]))
        .unwrap();
    e.add_node(&node("worker-1", &[LINUX, AMD])).unwrap();
    e.add_daemon_set(&fluentd(&[LINUX])).unwrap();
    e.add_pod(&pod("fluentd-elasticsearch-x7k2p", "worker-1", "Running"))
        .unwrap();
    e
}

fn snapshot(e: &E) -> Vec<u8> {
    let mut buf = vec![0u8; E::max_snapshot_size()];
    let n = e.snapshot(&mut buf).unwrap();
    buf.truncate(n);
    buf
}

/// Where each DaemonSet should run, each node's labels and taints, each pod's
/// phase: by name and text.
fn answers(e: &E) -> String {
    let mut out = String::new();
    for (n, node) in e.nodes() {
        let mut labels: Vec<_> = e
            .node_labels(node)
            .iter()
            .map(|l| format!("{}={}", e.text(l.key), e.text(l.value)))
            .collect();
        labels.sort();
        out += &format!(
            "{} {labels:?} taints {}\n",
            e.text(node.name),
            e.node_taints(node).len()
        );
        for (s, set) in e.daemon_sets() {
            out += &format!("  {}: {:?}\n", e.text(set.name), e.fit(s, n).unwrap());
        }
    }
    for (_, p) in e.pods() {
        out += &format!(
            "{} on {} {:?}\n",
            e.text(p.name),
            e.text(p.node_name),
            p.phase
        );
    }
    out
}

/// Every kind of change a stage makes, on the gateway.
fn change_everything(stage: &mut dsr_core::stage::Stage<'_, 4, 2, 4, 64, 2048, 24, 16, 16, 16, 4>) {
    let edge = stage.engine().find_node("edge-rpi4-01").unwrap();
    let worker = stage.engine().find_node("worker-1").unwrap();
    let set = stage
        .engine()
        .find_daemon_set("kube-system", "fluentd-elasticsearch")
        .unwrap();
    let running = stage
        .engine()
        .find_pod("kube-system", "fluentd-elasticsearch-x7k2p")
        .unwrap();
    assert!(stage
        .update_node(
            edge,
            &NodeInput {
                taints: &[MAINTENANCE],
                ..node("edge-rpi4-01", &[LINUX, ARM])
            }
        )
        .unwrap());
    stage
        .add_node(&node("k3s-server-1", &[LINUX, AMD]))
        .unwrap();
    assert!(stage.update_daemon_set(set, &fluentd(&[AMD])).unwrap());
    assert!(stage
        .update_pod(
            running,
            &pod("fluentd-elasticsearch-x7k2p", "worker-1", "Failed")
        )
        .unwrap());
    stage
        .add_pod(&pod(
            "fluentd-elasticsearch-q9m4d",
            "k3s-server-1",
            "Pending",
        ))
        .unwrap();
    // The same node again: an update of what the stage added.
    let k3s = stage.engine().find_node("k3s-server-1").unwrap();
    assert!(stage
        .update_node(k3s, &node("k3s-server-1", &[LINUX, ARM]))
        .unwrap());
    // Nothing to change: no entry of the log.
    let before = stage.len();
    assert!(!stage
        .update_node(worker, &node("worker-1", &[LINUX, AMD]))
        .unwrap());
    assert_eq!(stage.len(), before);
}

#[test]
fn a_rolled_back_stage_leaves_the_engine_as_it_was() {
    let mut e = gateway();
    let (bytes, seen) = (snapshot(&e), answers(&e));
    let mut undo: Undo<8> = Undo::new();
    let mut stage = e.stage(&mut undo);
    change_everything(&mut stage);
    // Seen through the stage, the changes are made.
    assert_ne!(answers(stage.engine()), seen);
    stage.rollback();
    assert_eq!(answers(&e), seen);
    assert_eq!(snapshot(&e), bytes);
    e.check_holders().unwrap();
}

#[test]
fn a_dropped_stage_rolls_back() {
    let mut e = gateway();
    let bytes = snapshot(&e);
    let mut undo: Undo<8> = Undo::new();
    {
        let mut stage = e.stage(&mut undo);
        change_everything(&mut stage);
    }
    assert_eq!(snapshot(&e), bytes);
    assert_eq!(e.find_node("k3s-server-1"), None);
    e.check_holders().unwrap();
}

#[test]
fn a_committed_stage_answers_as_the_same_changes_made_one_by_one() {
    let mut e = gateway();
    let mut one_by_one = gateway();
    let mut undo: Undo<8> = Undo::new();
    let mut stage = e.stage(&mut undo);
    change_everything(&mut stage);
    stage.commit();
    let edge = one_by_one.find_node("edge-rpi4-01").unwrap();
    let set = one_by_one
        .find_daemon_set("kube-system", "fluentd-elasticsearch")
        .unwrap();
    let running = one_by_one
        .find_pod("kube-system", "fluentd-elasticsearch-x7k2p")
        .unwrap();
    one_by_one
        .update_node(
            edge,
            &NodeInput {
                taints: &[MAINTENANCE],
                ..node("edge-rpi4-01", &[LINUX, ARM])
            },
        )
        .unwrap();
    let k3s = one_by_one
        .add_node(&node("k3s-server-1", &[LINUX, AMD]))
        .unwrap();
    one_by_one.update_daemon_set(set, &fluentd(&[AMD])).unwrap();
    one_by_one
        .update_pod(
            running,
            &pod("fluentd-elasticsearch-x7k2p", "worker-1", "Failed"),
        )
        .unwrap();
    one_by_one
        .add_pod(&pod(
            "fluentd-elasticsearch-q9m4d",
            "k3s-server-1",
            "Pending",
        ))
        .unwrap();
    one_by_one
        .update_node(k3s, &node("k3s-server-1", &[LINUX, ARM]))
        .unwrap();
    assert_eq!(answers(&e), answers(&one_by_one));
    // What the updates replaced is freed: the tables hold as much.
    assert_eq!(e.usage(), one_by_one.usage());
    e.check_holders().unwrap();
}

#[test]
fn a_full_undo_log_refuses_the_change_and_the_stage_goes_on() {
    let mut e = gateway();
    let mut undo: Undo<1> = Undo::new();
    let mut stage = e.stage(&mut undo);
    stage
        .add_node(&node("k3s-server-1", &[LINUX, AMD]))
        .unwrap();
    assert_eq!(
        stage.add_node(&node("yurt-edge-gw-hz01", &[LINUX, ARM])),
        Err(Error::Full {
            table: Table::Output,
            capacity: 1
        })
    );
    assert_eq!(stage.engine().find_node("yurt-edge-gw-hz01"), None);
    stage.commit();
    assert!(e.find_node("k3s-server-1").is_some());
    e.check_holders().unwrap();
}

/// The documented limit: a stage holds the old and the new form of what it
/// updates until it ends, so where the labels fit only once the old ones are
/// freed, the stage refuses an update that one by one succeeds.
#[test]
fn a_stage_needs_room_for_the_old_and_the_new_labels_of_what_it_updates() {
    // Room for nine labels: two nodes of three, and one node's new three.
    let mut e = Box::new(Engine::<2, 1, 1, 32, 1024, 9, 4>::new());
    let a = e.add_node(&node("edge-1", &[LINUX, ARM, EDGE])).unwrap();
    let b = e.add_node(&node("edge-2", &[LINUX, ARM, EDGE])).unwrap();
    let zone = |z| LabelInput {
        key: "topology.kubernetes.io/zone",
        value: z,
    };
    let (za, zb) = (
        [LINUX, AMD, zone("eu-west-1a")],
        [LINUX, AMD, zone("eu-west-1b")],
    );
    let mut one_by_one = e.clone();
    one_by_one.update_node(a, &node("edge-1", &za)).unwrap();
    one_by_one.update_node(b, &node("edge-2", &zb)).unwrap();
    let bytes = {
        let mut buf = vec![0u8; 4096];
        let n = e.snapshot(&mut buf).unwrap();
        buf.truncate(n);
        buf
    };
    let mut undo: Undo<2> = Undo::new();
    let mut stage = e.stage(&mut undo);
    assert!(stage.update_node(a, &node("edge-1", &za)).unwrap());
    assert_eq!(
        stage.update_node(b, &node("edge-2", &zb)),
        Err(Error::Full {
            table: Table::Labels,
            capacity: 9
        })
    );
    stage.rollback();
    let mut buf = vec![0u8; 4096];
    let n = e.snapshot(&mut buf).unwrap();
    assert_eq!(buf[..n], bytes[..]);
}
