//! A reason names taints, terms and values of the versions of a DaemonSet and a node
//! it was worked out from. Once either changes, describing it would put new text
//! in old words (or name a taint that is gone): it is refused instead.

use dsr_core::input::{DaemonSetInput, LabelInput, NodeInput, TaintInput};
use dsr_core::{Error, TinyEngine};

fn engine_with_gpu_node() -> (Box<TinyEngine>, dsr_core::SetId, dsr_core::NodeId) {
    let mut e = Box::new(TinyEngine::new());
    let gpu = [TaintInput {
        key: "nvidia.com/gpu",
        value: "present",
        effect: "NoSchedule",
    }];
    let node = e
        .add_node(&NodeInput {
            name: "gke-prod-gpu-pool-8d2e41c0-qm4z",
            taints: &gpu,
            ..Default::default()
        })
        .unwrap();
    let app = [LabelInput {
        key: "app",
        value: "fluentd-elasticsearch",
    }];
    let set = e
        .add_daemon_set(&DaemonSetInput {
            name: "fluentd-elasticsearch",
            namespace: "kube-system",
            template_labels: &app,
            ..Default::default()
        })
        .unwrap();
    (e, set, node)
}

#[test]
fn a_reason_is_refused_once_its_node_was_updated() {
    let (mut e, set, node) = engine_with_gpu_node();
    let p = e.should_run(set, node).unwrap();
    let mut why = String::new();
    e.describe_placement(set, node, &p, &mut why).unwrap();
    assert!(why.contains("nvidia.com/gpu=present:NoSchedule"), "{why}");
    // Another taint in its place: the old reason would name it with old words.
    let other = [TaintInput {
        key: "dedicated",
        value: "ingress",
        effect: "NoSchedule",
    }];
    e.update_node(
        node,
        &NodeInput {
            name: "gke-prod-gpu-pool-8d2e41c0-qm4z",
            taints: &other,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        e.describe_placement(set, node, &p, &mut String::new()),
        Err(Error::StaleReason)
    );
    // Asked again, the answer is fresh and says the new taint.
    let p = e.should_run(set, node).unwrap();
    let mut why = String::new();
    e.describe_placement(set, node, &p, &mut why).unwrap();
    assert!(why.contains("dedicated=ingress:NoSchedule"), "{why}");
}

#[test]
fn a_reason_is_refused_once_its_node_id_went_to_another_node() {
    let (mut e, set, node) = engine_with_gpu_node();
    let p = e.should_run(set, node).unwrap();
    e.remove_node(node).unwrap();
    let gpu = [TaintInput {
        key: "nvidia.com/gpu",
        value: "present",
        effect: "NoSchedule",
    }];
    let again = e
        .add_node(&NodeInput {
            name: "gke-prod-gpu-pool-8d2e41c0-x7k2",
            taints: &gpu,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(again, node, "the freed id is reused");
    assert_eq!(
        e.describe_placement(set, again, &p, &mut String::new()),
        Err(Error::StaleReason)
    );
}

#[test]
fn a_reason_is_refused_once_its_daemon_set_changed_or_went() {
    let (mut e, set, node) = engine_with_gpu_node();
    let p = e.should_run(set, node).unwrap();
    let app = [LabelInput {
        key: "app",
        value: "fluentd-elasticsearch",
    }];
    let tolerate = [dsr_core::input::TolerationInput {
        key: "nvidia.com/gpu",
        operator: "Exists",
        ..Default::default()
    }];
    e.update_daemon_set(
        set,
        &DaemonSetInput {
            name: "fluentd-elasticsearch",
            namespace: "kube-system",
            template_labels: &app,
            tolerations: &tolerate,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        e.describe_placement(set, node, &p, &mut String::new()),
        Err(Error::StaleReason)
    );
    let p = e.should_run(set, node).unwrap();
    assert!(p.should_run);
    e.remove_daemon_set(set).unwrap();
    assert_eq!(
        e.describe_placement(set, node, &p, &mut String::new()),
        Err(Error::StaleReason)
    );
    // And after a restore every earlier answer is stale.
    let (mut e, set, node) = engine_with_gpu_node();
    let p = e.should_run(set, node).unwrap();
    let mut buf = vec![0u8; TinyEngine::max_snapshot_size()];
    let n = e.snapshot(&mut buf).unwrap();
    e.restore(&buf[..n]).unwrap();
    assert_eq!(
        e.describe_placement(set, node, &p, &mut String::new()),
        Err(Error::StaleReason)
    );
}
