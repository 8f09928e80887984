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

/// A plan names pods and nodes by their strings. The engine frees the strings of
/// objects that go, so a plan is current only while no string was freed; a delete
/// stays readable as long as its own pod is unchanged.
#[test]
fn a_plan_entry_is_current_while_its_pod_is() {
    use dsr_core::input::{PodConditionInput, PodInput};
    use dsr_core::{Plan, Timestamp};
    let mut e = Box::new(TinyEngine::new());
    let node = "ip-10-0-1-23.us-west-2.compute.internal";
    e.add_node(&NodeInput {
        name: node,
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
            uid: "9b1c2d3e-0000-4000-8000-000000000001",
            selector: Some(dsr_core::input::LabelSelectorInput {
                match_labels: &app,
                ..Default::default()
            }),
            template_labels: &app,
            // No rolling update: the sync's only delete is the duplicate.
            update_strategy: dsr_core::input::UpdateStrategyInput {
                type_: "OnDelete",
                rolling_update: None,
            },
            ..Default::default()
        })
        .unwrap();
    let now = Timestamp(1_709_290_800);
    let pod = |name: &'static str, uid: &'static str, age: i64| PodInput {
        name,
        namespace: "kube-system",
        uid,
        labels: &app,
        controller_uid: Some("9b1c2d3e-0000-4000-8000-000000000001"),
        controller_kind: "DaemonSet",
        controller_name: "fluentd-elasticsearch",
        node_name: node,
        phase: "Running",
        ready: Some(PodConditionInput {
            status: "True",
            last_transition_time: Some(now),
        }),
        creation_timestamp: Timestamp(now.0 - age),
        ..Default::default()
    };
    let oldest = e
        .add_pod(&pod("fluentd-elasticsearch-7xk2p", "uid-oldest", 600))
        .unwrap();
    let newer = e
        .add_pod(&pod("fluentd-elasticsearch-q9zt4", "uid-newer", 60))
        .unwrap();
    let mut plan: Box<Plan<8>> = Box::new(Plan::new());
    e.sync(set, now, &mut plan).unwrap();
    assert_eq!(plan.deletes.len(), 1, "the newer duplicate goes");
    let d = plan.deletes[0];
    assert_eq!(d.pod, newer);
    assert!(e.plan_is_current(&plan) && e.delete_is_current(&d));
    // Another pod goes: its strings are freed, the plan is no longer current, but
    // the delete still names its pod as the pod is.
    e.remove_pod(oldest).unwrap();
    assert!(!e.plan_is_current(&plan));
    assert!(e.delete_is_current(&d));
    assert_eq!(e.text(d.pod_name), "fluentd-elasticsearch-q9zt4");
    // Its own pod goes: the delete is stale.
    e.remove_pod(newer).unwrap();
    assert!(!e.delete_is_current(&d));
}
