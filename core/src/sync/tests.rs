//! Sync cases as tables, with objects shaped like a real cluster's.

extern crate std;

use std::vec::Vec as StdVec;

use crate::eligibility::Reason;
use crate::input::{
    DaemonSetInput, IntOrStringInput, LabelInput, LabelSelectorInput, NodeInput, PodConditionInput,
    PodInput, RollingUpdateInput, TaintInput, UpdateStrategyInput,
};
use crate::pod::{REVISION_HASH_LABEL, TEMPLATE_GENERATION_LABEL};
use crate::sync::{CreateReason, DeleteReason, Plan, SyncOutcome};
use crate::{Engine, Error, SetId, Timestamp};

type E = Engine<16, 2, 48, 256, 8192, 512, 128>;

const NOW: Timestamp = Timestamp(1_709_290_800); // 2024-03-01T11:00:00Z
const NS: &str = "kube-system";
const UID: &str = "5b2d5d4e-9c4f-4a8e-b1a4-3f1d2c0e7a11";
const NEW_HASH: &str = "7c9d8f6b5d";
const OLD_HASH: &str = "5f4c7b9d8";

const APP: [LabelInput<'static>; 1] = [LabelInput {
    key: "name",
    value: "fluentd-elasticsearch",
}];
const NEW: [LabelInput<'static>; 3] = [
    APP[0],
    LabelInput {
        key: REVISION_HASH_LABEL,
        value: NEW_HASH,
    },
    LabelInput {
        key: TEMPLATE_GENERATION_LABEL,
        value: "2",
    },
];
const OLD: [LabelInput<'static>; 3] = [
    APP[0],
    LabelInput {
        key: REVISION_HASH_LABEL,
        value: OLD_HASH,
    },
    LabelInput {
        key: TEMPLATE_GENERATION_LABEL,
        value: "1",
    },
];

fn node_name(i: usize) -> &'static str {
    [
        "ip-10-0-1-23.us-west-2.compute.internal",
        "ip-10-0-1-47.us-west-2.compute.internal",
        "ip-10-0-2-112.us-west-2.compute.internal",
        "ip-10-0-2-158.us-west-2.compute.internal",
        "ip-10-0-3-9.us-west-2.compute.internal",
    ][i]
}

fn fluentd(strategy: UpdateStrategyInput<'static>) -> DaemonSetInput<'static> {
    DaemonSetInput {
        name: "fluentd-elasticsearch",
        namespace: NS,
        uid: UID,
        selector: Some(LabelSelectorInput {
            match_labels: &APP,
            ..Default::default()
        }),
        template_labels: &APP,
        generation: 2,
        observed_generation: 1,
        update_strategy: strategy,
        revision_hash: NEW_HASH,
        template_generation: Some("2"),
        ..Default::default()
    }
}

fn rolling(
    max_unavailable: IntOrStringInput<'static>,
    max_surge: i32,
) -> UpdateStrategyInput<'static> {
    UpdateStrategyInput {
        type_: "RollingUpdate",
        rolling_update: Some(RollingUpdateInput {
            max_unavailable: Some(max_unavailable),
            max_surge: Some(IntOrStringInput::Int(max_surge)),
        }),
    }
}

const ON_DELETE: UpdateStrategyInput<'static> = UpdateStrategyInput {
    type_: "OnDelete",
    rolling_update: None,
};

/// A daemon pod: `age` minutes old, ready for `ready_for` minutes (None: not ready).
#[derive(Clone, Copy)]
struct P {
    name: &'static str,
    node: usize,
    labels: &'static [LabelInput<'static>],
    phase: &'static str,
    age: i64,
    ready_for: Option<i64>,
    owned: bool,
    deleting: bool,
}

const fn p(name: &'static str, node: usize, labels: &'static [LabelInput<'static>]) -> P {
    P {
        name,
        node,
        labels,
        phase: "Running",
        age: 60,
        ready_for: Some(50),
        owned: true,
        deleting: false,
    }
}

impl P {
    const fn phase(mut self, phase: &'static str) -> P {
        self.phase = phase;
        self.ready_for = None;
        self
    }
    const fn age(mut self, minutes: i64) -> P {
        self.age = minutes;
        self
    }
    const fn ready_for(mut self, minutes: Option<i64>) -> P {
        self.ready_for = minutes;
        self
    }
    const fn orphan(mut self) -> P {
        self.owned = false;
        self
    }
    const fn deleting(mut self) -> P {
        self.deleting = true;
        self
    }
    fn input(&self) -> PodInput<'static> {
        PodInput {
            name: self.name,
            namespace: NS,
            uid: self.name,
            labels: self.labels,
            controller_uid: self.owned.then_some(UID),
            controller_kind: "DaemonSet",
            controller_name: "fluentd-elasticsearch",
            node_name: node_name(self.node),
            phase: self.phase,
            ready: Some(PodConditionInput {
                status: if self.ready_for.is_some() {
                    "True"
                } else {
                    "False"
                },
                last_transition_time: self.ready_for.map(|m| NOW.plus(-60 * m)),
            }),
            deleting: self.deleting,
            creation_timestamp: NOW.plus(-60 * self.age),
            ..Default::default()
        }
    }
}

/// Nodes 0..n; node 4 (when present) carries a NoExecute taint the pods do not tolerate.
fn cluster(nodes: usize, set: DaemonSetInput<'static>, pods: &[P]) -> (std::boxed::Box<E>, SetId) {
    let mut e = std::boxed::Box::new(E::new());
    const TAINT: [TaintInput<'static>; 1] = [TaintInput {
        key: "dedicated",
        value: "gpu",
        effect: "NoExecute",
    }];
    for i in 0..nodes {
        e.add_node(&NodeInput {
            name: node_name(i),
            taints: if i == 4 { &TAINT } else { &[] },
            ..Default::default()
        })
        .unwrap();
    }
    let id = e.add_daemon_set(&set).unwrap();
    for pod in pods {
        e.add_pod(&pod.input()).unwrap();
    }
    (e, id)
}

fn names(e: &E, plan: &Plan<32>) -> (StdVec<std::string::String>, StdVec<std::string::String>) {
    let c = plan
        .creates
        .iter()
        .map(|c| e.text(c.node_name).into())
        .collect();
    let d = plan
        .deletes
        .iter()
        .map(|d| e.text(d.pod_name).into())
        .collect();
    (c, d)
}

struct Case<'a> {
    name: &'static str,
    nodes: usize,
    strategy: UpdateStrategyInput<'static>,
    pods: &'a [P],
    creates: &'a [(usize, CreateReason)],
    deletes: &'a [(&'static str, DeleteReason)],
    /// desired, current, misscheduled, ready, updated, available
    status: [i32; 6],
}

const RU1: UpdateStrategyInput<'static> = UpdateStrategyInput {
    type_: "RollingUpdate",
    rolling_update: None,
};

#[test]
fn one_sync_table() {
    let ineligible = DeleteReason::NodeIneligible(Reason::Eligible); // reason compared separately
    let cases: &[Case<'_>] = &[
        Case {
            name: "new DaemonSet: a pod on every node that tolerates it",
            nodes: 5,
            strategy: RU1,
            pods: &[],
            creates: &[
                (0, CreateReason::Missing),
                (1, CreateReason::Missing),
                (2, CreateReason::Missing),
                (3, CreateReason::Missing),
            ],
            deletes: &[],
            status: [4, 4, 0, 0, 4, 0],
        },
        Case {
            name: "steady state: nothing to do",
            nodes: 2,
            strategy: RU1,
            pods: &[p("fluentd-a", 0, &NEW), p("fluentd-b", 1, &NEW)],
            creates: &[],
            deletes: &[],
            status: [2, 2, 0, 2, 2, 2],
        },
        Case {
            name: "pod on a node with an untolerated NoExecute taint is deleted",
            nodes: 5,
            strategy: ON_DELETE,
            pods: &[
                p("fluentd-a", 0, &NEW),
                p("fluentd-b", 1, &NEW),
                p("fluentd-c", 2, &NEW),
                p("fluentd-d", 3, &NEW),
                p("fluentd-e", 4, &NEW),
            ],
            creates: &[],
            deletes: &[("fluentd-e", ineligible)],
            status: [4, 4, 0, 4, 4, 4],
        },
        Case {
            name: "duplicates without surge: the oldest stays",
            nodes: 1,
            strategy: RU1,
            pods: &[
                p("fluentd-young", 0, &NEW).age(5),
                p("fluentd-old", 0, &NEW).age(50),
                p("fluentd-mid", 0, &NEW).age(20),
            ],
            creates: &[],
            deletes: &[
                ("fluentd-young", DeleteReason::Duplicate),
                ("fluentd-mid", DeleteReason::Duplicate),
            ],
            status: [1, 1, 0, 1, 1, 1],
        },
        Case {
            name: "failed and succeeded pods are deleted, recreated next sync",
            nodes: 2,
            strategy: RU1,
            pods: &[
                p("fluentd-failed", 0, &NEW).phase("Failed"),
                p("fluentd-done", 1, &NEW).phase("Succeeded"),
            ],
            creates: &[],
            deletes: &[
                ("fluentd-failed", DeleteReason::Failed),
                ("fluentd-done", DeleteReason::Succeeded),
            ],
            status: [2, 0, 0, 0, 0, 0],
        },
        Case {
            name: "pods being deleted are left alone but still count",
            nodes: 1,
            strategy: RU1,
            pods: &[p("fluentd-going", 0, &NEW).deleting()],
            creates: &[],
            deletes: &[],
            status: [1, 1, 0, 1, 1, 1],
        },
        Case {
            name: "matching orphan is adopted and counts",
            nodes: 1,
            strategy: RU1,
            pods: &[p("fluentd-orphan", 0, &NEW).orphan()],
            creates: &[],
            deletes: &[],
            status: [1, 1, 0, 1, 1, 1],
        },
        Case {
            name: "rolling update, maxUnavailable 1: one old pod at a time",
            nodes: 3,
            strategy: RU1,
            pods: &[
                p("fluentd-a", 0, &OLD),
                p("fluentd-b", 1, &OLD),
                p("fluentd-c", 2, &OLD),
            ],
            creates: &[],
            deletes: &[("fluentd-a", DeleteReason::RollingUpdate)],
            status: [3, 2, 0, 2, 0, 2],
        },
        Case {
            name: "rolling update: an unavailable old pod goes regardless of the budget",
            nodes: 3,
            strategy: RU1,
            pods: &[
                p("fluentd-a", 0, &OLD).ready_for(None),
                p("fluentd-b", 1, &OLD),
                p("fluentd-c", 2, &OLD),
            ],
            creates: &[],
            deletes: &[("fluentd-a", DeleteReason::RollingUpdateUnavailable)],
            status: [3, 2, 0, 2, 0, 2],
        },
        Case {
            // As upstream: the rolling update skips only pods being deleted and reads
            // availability from the Ready condition, whatever the phase. The failed pod
            // left to the backoff still reports Ready, so its node is not unavailable
            // and the budget of 1 goes to the other node.
            name: "rolling update: a failed pod that still reports Ready keeps its node available",
            nodes: 2,
            strategy: RU1,
            pods: &[
                p("fluentd-a", 0, &OLD),
                p("fluentd-b1", 1, &OLD)
                    .phase("Failed")
                    .ready_for(Some(50))
                    .age(30),
                p("fluentd-b2", 1, &OLD)
                    .phase("Failed")
                    .ready_for(Some(50))
                    .age(20),
            ],
            creates: &[],
            deletes: &[
                ("fluentd-a", DeleteReason::RollingUpdate),
                ("fluentd-b1", DeleteReason::Failed),
            ],
            status: [2, 1, 0, 1, 0, 1],
        },
        Case {
            name: "rolling update, 50% of 3 rounds up to 2",
            nodes: 3,
            strategy: UpdateStrategyInput {
                type_: "RollingUpdate",
                rolling_update: Some(RollingUpdateInput {
                    max_unavailable: Some(IntOrStringInput::String("50%")),
                    max_surge: None,
                }),
            },
            pods: &[
                p("fluentd-a", 0, &OLD),
                p("fluentd-b", 1, &OLD),
                p("fluentd-c", 2, &OLD),
            ],
            creates: &[],
            deletes: &[
                ("fluentd-a", DeleteReason::RollingUpdate),
                ("fluentd-b", DeleteReason::RollingUpdate),
            ],
            status: [3, 1, 0, 1, 0, 1],
        },
        Case {
            name: "OnDelete never replaces old pods",
            nodes: 2,
            strategy: ON_DELETE,
            pods: &[p("fluentd-a", 0, &OLD), p("fluentd-b", 1, &OLD)],
            creates: &[],
            deletes: &[],
            status: [2, 2, 0, 2, 0, 2],
        },
        Case {
            name: "surge 1: one new pod beside an available old one",
            nodes: 2,
            strategy: UpdateStrategyInput {
                type_: "RollingUpdate",
                rolling_update: Some(RollingUpdateInput {
                    max_unavailable: Some(IntOrStringInput::Int(0)),
                    max_surge: Some(IntOrStringInput::Int(1)),
                }),
            },
            pods: &[p("fluentd-a", 0, &OLD), p("fluentd-b", 1, &OLD)],
            creates: &[(0, CreateReason::Surge)],
            deletes: &[],
            status: [2, 2, 0, 2, 0, 2],
        },
        Case {
            name: "surge: available new pod replaces the old one",
            nodes: 1,
            strategy: UpdateStrategyInput {
                type_: "RollingUpdate",
                rolling_update: Some(RollingUpdateInput {
                    max_unavailable: Some(IntOrStringInput::Int(0)),
                    max_surge: Some(IntOrStringInput::Int(1)),
                }),
            },
            pods: &[
                p("fluentd-old", 0, &OLD).age(90),
                p("fluentd-new", 0, &NEW).age(10).ready_for(Some(5)),
            ],
            creates: &[],
            deletes: &[("fluentd-old", DeleteReason::SurgeReplaced)],
            status: [1, 1, 0, 1, 1, 1],
        },
        Case {
            name: "surge: unready old pod beside a new one goes",
            nodes: 1,
            strategy: rolling_surge_one(),
            pods: &[
                p("fluentd-old", 0, &OLD).age(90).ready_for(None),
                p("fluentd-new", 0, &NEW).age(1).ready_for(None),
            ],
            creates: &[],
            deletes: &[("fluentd-old", DeleteReason::SurgeOldNotReady)],
            status: [1, 1, 0, 0, 1, 0],
        },
    ];
    for c in cases {
        let (mut e, set) = cluster(c.nodes, fluentd(c.strategy), c.pods);
        let mut plan: Plan<32> = Plan::new();
        e.sync(set, NOW, &mut plan).unwrap();
        assert_eq!(plan.outcome, SyncOutcome::Synced, "{}", c.name);
        let (creates, deletes) = names(&e, &plan);
        let mut want_c: StdVec<std::string::String> = c
            .creates
            .iter()
            .map(|(n, _)| node_name(*n).into())
            .collect();
        want_c.sort();
        let mut want_d: StdVec<std::string::String> =
            c.deletes.iter().map(|(n, _)| (*n).into()).collect();
        want_d.sort();
        assert_eq!(creates, want_c, "{}: creates", c.name);
        assert_eq!(deletes, want_d, "{}: deletes", c.name);
        for (n, reason) in c.creates {
            let got = plan
                .creates
                .iter()
                .find(|x| e.text(x.node_name) == node_name(*n))
                .unwrap();
            assert_eq!(got.reason, *reason, "{}: create reason", c.name);
        }
        for (n, reason) in c.deletes {
            let got = plan
                .deletes
                .iter()
                .find(|x| e.text(x.pod_name) == *n)
                .unwrap();
            match (got.reason, reason) {
                (DeleteReason::NodeIneligible(_), DeleteReason::NodeIneligible(_)) => {}
                (g, w) => assert_eq!(g, *w, "{}: delete reason of {n}", c.name),
            }
        }
        let st = plan.status.unwrap();
        let got = [
            st.desired_number_scheduled,
            st.current_number_scheduled,
            st.number_misscheduled,
            st.number_ready,
            st.updated_number_scheduled,
            st.number_available,
        ];
        assert_eq!(got, c.status, "{}: status", c.name);
        assert_eq!(
            st.number_unavailable,
            c.status[0] - c.status[5],
            "{}",
            c.name
        );
        assert_eq!(st.observed_generation, 2, "{}", c.name);
    }
}

const fn rolling_surge_one() -> UpdateStrategyInput<'static> {
    UpdateStrategyInput {
        type_: "RollingUpdate",
        rolling_update: Some(RollingUpdateInput {
            max_unavailable: Some(IntOrStringInput::Int(0)),
            max_surge: Some(IntOrStringInput::Int(1)),
        }),
    }
}

#[test]
fn rolling_helper_builds_strategy() {
    assert_eq!(rolling(IntOrStringInput::Int(0), 1), rolling_surge_one());
}

#[test]
fn ineligible_delete_names_the_taint() {
    let pods = [p("fluentd-e", 4, &NEW)];
    let (mut e, set) = cluster(5, fluentd(ON_DELETE), &pods);
    let mut plan: Plan<32> = Plan::new();
    e.sync(set, NOW, &mut plan).unwrap();
    let d = plan
        .deletes
        .iter()
        .find(|d| e.text(d.pod_name) == "fluentd-e")
        .unwrap();
    let DeleteReason::NodeIneligible(reason) = d.reason else {
        panic!("{:?}", d.reason)
    };
    let mut text = std::string::String::new();
    e.describe(set, &reason, &mut text).unwrap();
    assert_eq!(
        text,
        "node has taint dedicated=gpu:NoExecute that the pod does not tolerate"
    );
}

#[test]
fn expectations_hold_back_the_next_sync_until_observed_or_expired() {
    let (mut e, set) = cluster(3, fluentd(RU1), &[]);
    let mut plan: Plan<32> = Plan::new();
    e.sync(set, NOW, &mut plan).unwrap();
    assert_eq!(plan.creates.len(), 3);
    let exp = e.expectations(set).unwrap();
    assert_eq!((exp.creates, exp.deletes), (3, 0));

    // Nothing observed yet: status only, nothing planned twice.
    e.sync(set, NOW.plus(10), &mut plan).unwrap();
    assert_eq!(plan.outcome, SyncOutcome::StatusOnly);
    assert!(plan.creates.is_empty());
    assert_eq!(plan.status.unwrap().observed_generation, 1);
    assert_eq!(plan.requeue_after, Some(291));

    // Two of three observed: still waiting.
    e.observe_creates(set, 2).unwrap();
    e.sync(set, NOW.plus(20), &mut plan).unwrap();
    assert_eq!(plan.outcome, SyncOutcome::StatusOnly);

    // All observed: managed again (the pods never appeared, so they are asked again).
    e.observe_creates(set, 1).unwrap();
    e.sync(set, NOW.plus(30), &mut plan).unwrap();
    assert_eq!(plan.outcome, SyncOutcome::Synced);
    assert_eq!(plan.creates.len(), 3);

    // Unobserved, but five minutes later the expectations are dropped.
    e.sync(set, NOW.plus(30 + 300), &mut plan).unwrap();
    assert_eq!(plan.outcome, SyncOutcome::StatusOnly);
    e.sync(set, NOW.plus(30 + 301), &mut plan).unwrap();
    assert_eq!(plan.outcome, SyncOutcome::Synced);
}

#[test]
fn failed_pods_back_off_per_node() {
    // (seconds since the first sync, a failed pod is deleted, requeue_after)
    let steps: &[(i64, bool, Option<i64>)] = &[
        (0, true, None),
        (0, false, Some(1)),
        (1, true, None),
        (2, false, Some(1)),
        (3, true, None),
        (6, false, Some(1)),
        (7, true, None),
    ];
    let pods = [p("fluentd-crashing", 0, &NEW).phase("Failed")];
    let (mut e, set) = cluster(1, fluentd(RU1), &pods);
    let mut plan: Plan<32> = Plan::new();
    for (i, (at, deleted, requeue)) in steps.iter().enumerate() {
        e.sync(set, NOW.plus(*at), &mut plan).unwrap();
        assert_eq!(plan.outcome, SyncOutcome::Synced, "step {i}");
        assert_eq!(!plan.deletes.is_empty(), *deleted, "step {i}");
        assert_eq!(plan.requeue_after, *requeue, "step {i}");
        // The caller reports the delete, but the kubelet keeps failing the new pod:
        // the failed pod is still (again) there.
        e.observe_deletes(set, plan.deletes.len() as u32).unwrap();
    }
    let entry = e
        .backoff()
        .get(set, 1, e.strings().get(node_name(0)).unwrap())
        .unwrap();
    assert_eq!(entry.delay, 8);
}

#[test]
fn one_failed_pod_per_node_per_sync() {
    let pods = [
        p("fluentd-f1", 0, &NEW).phase("Failed").age(30),
        p("fluentd-f2", 0, &NEW).phase("Failed").age(20),
        p("fluentd-f3", 1, &NEW).phase("Failed"),
    ];
    let (mut e, set) = cluster(2, fluentd(RU1), &pods);
    let mut plan: Plan<32> = Plan::new();
    e.sync(set, NOW, &mut plan).unwrap();
    let (_, deletes) = names(&e, &plan);
    assert_eq!(deletes, ["fluentd-f1", "fluentd-f3"]);
    assert_eq!(plan.requeue_after, Some(1));
}

#[test]
fn unscheduled_pod_pinned_to_a_missing_node_is_deleted() {
    let (mut e, set) = cluster(1, fluentd(RU1), &[p("fluentd-a", 0, &NEW)]);
    let fields = [crate::input::RequirementInput {
        key: "metadata.name",
        operator: "In",
        values: &["ip-10-0-9-99.us-west-2.compute.internal"],
    }];
    let terms = [crate::input::NodeSelectorTermInput {
        match_expressions: &[],
        match_fields: &fields,
    }];
    e.add_pod(&PodInput {
        name: "fluentd-lost",
        namespace: NS,
        labels: &NEW,
        controller_uid: Some(UID),
        controller_kind: "DaemonSet",
        controller_name: "fluentd-elasticsearch",
        required_node_affinity: Some(&terms),
        phase: "Pending",
        creation_timestamp: NOW.plus(-600),
        ..Default::default()
    })
    .unwrap();
    let mut plan: Plan<32> = Plan::new();
    e.sync(set, NOW, &mut plan).unwrap();
    assert_eq!(plan.deletes.len(), 1);
    assert_eq!(e.text(plan.deletes[0].pod_name), "fluentd-lost");
    assert_eq!(plan.deletes[0].reason, DeleteReason::NodeMissing);
}

#[test]
fn adoption_and_release() {
    const OTHER: [LabelInput<'static>; 1] = [LabelInput {
        key: "name",
        value: "node-exporter",
    }];
    let pods = [
        p("fluentd-orphan", 0, &NEW).orphan(),
        p("fluentd-relabelled", 1, &OTHER),
        p("node-exporter-x", 1, &OTHER).orphan(),
        p("fluentd-orphan-going", 1, &NEW).orphan().deleting(),
    ];
    let (mut e, set) = cluster(2, fluentd(RU1), &pods);
    let mut plan: Plan<32> = Plan::new();
    e.sync(set, NOW, &mut plan).unwrap();
    let name = |id: crate::pod::PodId| e.text(e.pod(id).unwrap().name);
    let adopted: StdVec<&str> = plan.adoptions.iter().map(|&i| name(i)).collect();
    let released: StdVec<&str> = plan.releases.iter().map(|&i| name(i)).collect();
    assert_eq!(adopted, ["fluentd-orphan"]);
    assert_eq!(released, ["fluentd-relabelled"]);
    // Node 1 has only the released pod, the foreign orphan and an orphan being
    // deleted (never adopted): it needs a pod.
    let (creates, deletes) = names(&e, &plan);
    assert_eq!(creates, [node_name(1)]);
    assert!(deletes.is_empty());
}

#[test]
fn a_full_plan_is_an_error_and_remembers_nothing() {
    let pods = [p("fluentd-crashing", 0, &NEW).phase("Failed")];
    let (mut e, set) = cluster(4, fluentd(RU1), &pods);
    let mut small: Plan<2> = Plan::new();
    assert_eq!(
        e.sync(set, NOW, &mut small),
        Err(Error::Full {
            table: crate::error::Table::Output,
            capacity: 2
        })
    );
    assert_eq!(e.expectations(set), None);
    assert!(e.backoff().is_empty());
    let mut plan: Plan<32> = Plan::new();
    e.sync(set, NOW, &mut plan).unwrap();
    assert_eq!((plan.creates.len(), plan.deletes.len()), (3, 1));
}

#[test]
fn same_state_in_any_insertion_order_gives_the_same_plan() {
    let pods = [
        p("fluentd-a", 0, &OLD),
        p("fluentd-b", 1, &OLD).ready_for(None),
        p("fluentd-c", 2, &OLD),
        p("fluentd-c2", 2, &OLD).age(3),
        p("fluentd-d", 3, &NEW),
    ];
    let mut reference = None;
    for rotation in 0..pods.len() {
        let mut order = pods;
        order.rotate_left(rotation);
        let (mut e, set) = cluster(5, fluentd(RU1), &order);
        let mut plan: Plan<32> = Plan::new();
        e.sync(set, NOW, &mut plan).unwrap();
        let got = (names(&e, &plan), plan.status);
        match &reference {
            None => reference = Some(got),
            Some(r) => assert_eq!(&got, r, "rotation {rotation}"),
        }
    }
}

#[test]
fn deleting_or_select_all_daemon_sets_are_left_alone() {
    let (mut e, set) = cluster(
        2,
        DaemonSetInput {
            deleting: true,
            ..fluentd(RU1)
        },
        &[],
    );
    let mut plan: Plan<32> = Plan::new();
    e.sync(set, NOW, &mut plan).unwrap();
    assert_eq!(plan.outcome, SyncOutcome::Deleting);
    assert!(plan.is_noop() && plan.status.is_none());
    let (mut e, set) = cluster(
        2,
        DaemonSetInput {
            selector: Some(LabelSelectorInput::default()),
            ..fluentd(RU1)
        },
        &[],
    );
    e.sync(set, NOW, &mut plan).unwrap();
    assert_eq!(plan.outcome, SyncOutcome::SelectsEverything);
    assert!(plan.is_noop() && plan.status.is_none());
}

#[test]
fn burst_limits_each_pass_to_250() {
    type Big = Engine<300, 1, 8, 512, 32768, 64, 64>;
    let mut e = std::boxed::Box::new(Big::new());
    let names: StdVec<std::string::String> = (0..300)
        .map(|i| std::format!("ip-10-1-{}-{}.us-west-2.compute.internal", i / 250, i % 250))
        .collect();
    for n in &names {
        e.add_node(&NodeInput {
            name: n,
            ..Default::default()
        })
        .unwrap();
    }
    let set = e.add_daemon_set(&fluentd(RU1)).unwrap();
    let mut plan: std::boxed::Box<Plan<300>> = std::boxed::Box::default();
    e.sync(set, NOW, &mut plan).unwrap();
    assert_eq!(plan.creates.len(), 250);
    assert_eq!(e.expectations(set).unwrap().creates, 250);
    // Node-name order decides which wait: the last 50 names.
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(e.text(plan.creates[249].node_name), sorted[249]);
    assert_eq!(plan.status.unwrap().current_number_scheduled, 250);
}

#[test]
fn min_ready_seconds_requeues_while_ready_pods_wait() {
    let pods = [p("fluentd-a", 0, &NEW).ready_for(Some(0))];
    let (mut e, set) = cluster(
        1,
        DaemonSetInput {
            min_ready_seconds: 30,
            ..fluentd(RU1)
        },
        &pods,
    );
    let mut plan: Plan<32> = Plan::new();
    e.sync(set, NOW, &mut plan).unwrap();
    let st = plan.status.unwrap();
    assert_eq!((st.number_ready, st.number_available), (1, 0));
    assert_eq!(plan.requeue_after, Some(30));
}

#[test]
fn a_pod_is_available_the_second_min_ready_seconds_have_passed() {
    // Upstream's `IsPodAvailable` (pkg/api/v1/pod/util.go, v1.34+):
    // `lastTransitionTime + minReadySeconds <= now`. Ready exactly 30 s ago with
    // `minReadySeconds: 30` is available now; 29 s ago it is not, and the sync asks
    // to be run again in 1 s, when it will be.
    let pods = [p("fluentd-a", 0, &NEW)];
    let (mut e, set) = cluster(
        1,
        DaemonSetInput {
            min_ready_seconds: 30,
            ..fluentd(RU1)
        },
        &pods,
    );
    let id = e.find_pod(NS, "fluentd-a").unwrap();
    let mut plan: Plan<32> = Plan::new();
    for (ready_ago, available, requeue) in [(30, 1, None), (29, 0, Some(1))] {
        let mut input = pods[0].input();
        input.ready = Some(PodConditionInput {
            status: "True",
            last_transition_time: Some(NOW.plus(-ready_ago)),
        });
        e.update_pod(id, &input).unwrap();
        e.sync(set, NOW, &mut plan).unwrap();
        let st = plan.status.unwrap();
        assert_eq!(
            (st.number_ready, st.number_available, st.number_unavailable),
            (1, available, 1 - available),
            "ready {ready_ago} s ago"
        );
        assert_eq!(plan.requeue_after, requeue, "ready {ready_ago} s ago");
    }
}

#[test]
fn a_pod_is_the_daemon_sets_only_when_kind_name_and_uid_all_match() {
    // Upstream's `controller.FilterPodsByOwner` (v1.35) looks pods up by their
    // controller reference's namespace, kind, name and uid: a reference with the
    // DaemonSet's uid but another kind or name is another owner's, so the pod is
    // neither managed (deleted, counted) nor adopted, and the node still gets one.
    let (mut e, set) = cluster(2, fluentd(RU1), &[p("fluentd-a", 1, &NEW)]);
    for (name, kind, owner) in [
        ("web-7d9f-x2x4q", "ReplicaSet", "fluentd-elasticsearch"),
        ("fluentd-other", "DaemonSet", "fluentd-elasticsearch-old"),
    ] {
        let mut input = p(name, 0, &NEW).input();
        input.controller_kind = kind;
        input.controller_name = owner;
        e.add_pod(&input).unwrap();
    }
    let mut plan: Plan<32> = Plan::new();
    e.sync(set, NOW, &mut plan).unwrap();
    assert_eq!(
        names(&e, &plan),
        (std::vec![node_name(0).into()], std::vec![])
    );
    assert!(plan.adoptions.is_empty() && plan.releases.is_empty());
    // Deleting the DaemonSet takes only its own pod with it.
    let mut pods: heapless::Vec<crate::pod::PodId, 4> = heapless::Vec::new();
    e.delete_daemon_set(set, crate::sync::Propagation::Background, &mut pods)
        .unwrap();
    assert_eq!(pods.len(), 1);
    assert_eq!(e.text(e.pod(pods[0]).unwrap().name), "fluentd-a");
}

#[test]
fn a_daemon_set_without_uid_never_claims_a_pod_whose_controller_uid_is_empty() {
    // Hand-written dumps: two DaemonSets without `metadata.uid` and a ReplicaSet's
    // pod whose controller reference has no uid either. Neither DaemonSet's uid
    // (none) names the pod's controller, so neither plans to delete it.
    let mut e = std::boxed::Box::new(E::new());
    e.add_node(&NodeInput {
        name: node_name(0),
        ..Default::default()
    })
    .unwrap();
    let a = e
        .add_daemon_set(&DaemonSetInput {
            uid: "",
            ..fluentd(RU1)
        })
        .unwrap();
    let b = e
        .add_daemon_set(&DaemonSetInput {
            name: "fluentd-elasticsearch-canary",
            uid: "",
            ..fluentd(RU1)
        })
        .unwrap();
    let mut input = p("web-7d9f-x2x4q", 0, &NEW).input();
    input.controller_uid = Some("");
    input.controller_kind = "ReplicaSet";
    input.controller_name = "web-7d9f";
    e.add_pod(&input).unwrap();
    // Even a reference that names the DaemonSet, without a uid, is not claimed.
    let mut input = p("fluentd-hand-written", 0, &NEW).input();
    input.controller_uid = Some("");
    e.add_pod(&input).unwrap();
    for set in [a, b] {
        let mut plan: Plan<32> = Plan::new();
        e.sync(set, NOW, &mut plan).unwrap();
        assert_eq!(
            names(&e, &plan),
            (std::vec![node_name(0).into()], std::vec![])
        );
        assert!(plan.adoptions.is_empty() && plan.releases.is_empty());
    }
}

#[test]
fn orphaned_pods_are_adopted_and_replaced_by_a_later_daemon_set() {
    let pods = [p("fluentd-a", 0, &OLD), p("fluentd-b", 1, &OLD)];
    let (mut e, set) = cluster(2, fluentd(ON_DELETE), &pods);
    let mut released: heapless::Vec<crate::pod::PodId, 4> = heapless::Vec::new();
    e.delete_daemon_set(set, crate::sync::Propagation::Orphan, &mut released)
        .unwrap();
    assert_eq!(released.len(), 2);
    assert_eq!(e.daemon_set_count(), 0);
    assert!(e.pods().all(|(_, p)| p.controller_uid.is_none()));

    // A new DaemonSet (new uid, RollingUpdate) with the same selector.
    let set = e
        .add_daemon_set(&DaemonSetInput {
            uid: "0f5e2c1a-7d3b-4c8e-9a6f-2b1d4e5c6a7b",
            ..fluentd(RU1)
        })
        .unwrap();
    let mut plan: Plan<32> = Plan::new();
    e.sync(set, NOW, &mut plan).unwrap();
    assert_eq!(plan.adoptions.len(), 2);
    assert!(plan.creates.is_empty());
    assert_eq!(plan.deletes.len(), 1);
    assert_eq!(plan.deletes[0].reason, DeleteReason::RollingUpdate);
    let budget = plan.rollout.unwrap();
    assert_eq!(
        (
            budget.desired,
            budget.max_unavailable,
            budget.in_use,
            budget.candidates,
            budget.chosen
        ),
        (2, 1, 0, 2, 1)
    );
    for &id in &plan.adoptions {
        e.set_pod_controller(id, Some(set)).unwrap();
    }
    e.observe_deletes(set, 1).unwrap();
    e.sync(set, NOW.plus(1), &mut plan).unwrap();
    assert!(plan.adoptions.is_empty());
}

#[test]
fn cascading_deletion_lists_the_pods_to_delete() {
    let pods = [
        p("fluentd-a", 0, &NEW),
        p("fluentd-b", 1, &NEW),
        p("fluentd-orphan", 1, &NEW).orphan(),
    ];
    let (mut e, set) = cluster(2, fluentd(RU1), &pods);
    let mut doomed: heapless::Vec<crate::pod::PodId, 1> = heapless::Vec::new();
    assert!(matches!(
        e.delete_daemon_set(set, crate::sync::Propagation::Background, &mut doomed),
        Err(Error::Full { .. })
    ));
    assert_eq!(e.daemon_set_count(), 1);
    let mut doomed: heapless::Vec<crate::pod::PodId, 4> = heapless::Vec::new();
    e.delete_daemon_set(set, crate::sync::Propagation::Foreground, &mut doomed)
        .unwrap();
    let mut names: StdVec<&str> = doomed
        .iter()
        .map(|&i| e.text(e.pod(i).unwrap().name))
        .collect();
    names.sort();
    assert_eq!(names, ["fluentd-a", "fluentd-b"]);
    assert!(e.pods().filter(|(_, p)| p.controller_uid.is_some()).count() == 2);
}

#[test]
fn reasons_read_well() {
    // Nodes without a pod would use up maxUnavailable, so every node has one.
    let pods = [
        p("fluentd-e", 4, &NEW),
        p("fluentd-a", 0, &OLD),
        p("fluentd-a2", 0, &OLD).age(1),
        p("fluentd-b", 1, &NEW),
        p("fluentd-c", 2, &NEW),
        p("fluentd-d", 3, &NEW),
    ];
    let (mut e, set) = cluster(5, fluentd(RU1), &pods);
    let mut plan: Plan<32> = Plan::new();
    e.sync(set, NOW, &mut plan).unwrap();
    let mut lines = StdVec::new();
    for d in &plan.deletes {
        let mut s = std::string::String::new();
        e.describe_delete(set, d, &mut s).unwrap();
        lines.push(std::format!("{}: {}", e.text(d.pod_name), s));
    }
    assert_eq!(
        lines,
        [
            "fluentd-a: old revision, replaced within maxUnavailable",
            "fluentd-a2: another pod of the DaemonSet on ip-10-0-1-23.us-west-2.compute.internal is kept (the oldest)",
            "fluentd-e: must not run on ip-10-0-3-9.us-west-2.compute.internal: node has taint dedicated=gpu:NoExecute that the pod does not tolerate",
        ]
    );
    assert!(plan.creates.is_empty());
    let create = crate::sync::Create {
        node: crate::NodeId(1),
        node_name: plan.deletes[0].node_name,
        reason: CreateReason::Missing,
    };
    let mut s = std::string::String::new();
    e.describe_create(&create, &mut s).unwrap();
    assert_eq!(s, "no daemon pod is running on the node");
}

#[test]
fn invalid_budget_halts_the_rollout() {
    let pods = [p("fluentd-a", 0, &OLD)];
    let strategy = UpdateStrategyInput {
        type_: "RollingUpdate",
        rolling_update: Some(RollingUpdateInput {
            max_unavailable: Some(IntOrStringInput::String("one")),
            max_surge: None,
        }),
    };
    let (mut e, set) = cluster(1, fluentd(strategy), &pods);
    let mut plan: Plan<32> = Plan::new();
    e.sync(set, NOW, &mut plan).unwrap();
    assert!(plan.is_noop());
    let rollout = plan.rollout.unwrap();
    assert_eq!(
        rollout.halted,
        Some(crate::sync::RolloutHalt::InvalidBudget)
    );
    // The old pod is still counted: the rollout is unfinished, not idle.
    assert_eq!(rollout.outdated, 1);
}

#[test]
fn updating_a_daemon_set_with_a_node_selector_keeps_other_labels_intact() {
    const ZONE: [LabelInput<'static>; 1] = [LabelInput {
        key: "topology.kubernetes.io/zone",
        value: "us-west-2a",
    }];
    let with_selector = DaemonSetInput {
        node_selector: &ZONE,
        ..fluentd(RU1)
    };
    let (mut e, set) = cluster(1, with_selector, &[]);
    // The pod's labels sit after the DaemonSet's in the label pool.
    e.add_pod(&p("fluentd-a", 0, &NEW).input()).unwrap();
    e.update_daemon_set(set, &with_selector).unwrap();
    e.update_daemon_set(set, &with_selector).unwrap();
    let (_, pod) = e.pods().next().unwrap();
    let labels: StdVec<(&str, &str)> = e
        .pod_labels(pod)
        .iter()
        .map(|l| (e.text(l.key), e.text(l.value)))
        .collect();
    assert_eq!(labels.len(), 3);
    assert!(labels.contains(&("name", "fluentd-elasticsearch")));
    let s = *e.daemon_set(set).unwrap();
    assert_eq!(e.node_selector(&s).len(), 1);
    assert_eq!(e.text(e.node_selector(&s)[0].value), "us-west-2a");
    let template = e.labels.get(s.template_labels);
    assert_eq!(template.len(), 1);
    assert_eq!(e.text(template[0].value), "fluentd-elasticsearch");
    let mut plan: Plan<32> = Plan::new();
    e.sync(set, NOW, &mut plan).unwrap();
    assert!(plan.releases.is_empty());
}

#[test]
fn requeue_when_a_ready_surge_pod_can_be_available() {
    // The node counts by its old, available pod; the new one has been ready for
    // 20 s of the 30 it needs, so the old pod may go in 10 s: upstream's
    // `IsPodAvailable` (v1.34+) counts it available at ready + minReadySeconds.
    let pods = [
        p("fluentd-old", 0, &OLD).age(90),
        p("fluentd-new", 0, &NEW).age(1).ready_for(None),
    ];
    let (mut e, set) = cluster(
        1,
        DaemonSetInput {
            min_ready_seconds: 30,
            ..fluentd(rolling_surge_one())
        },
        &pods,
    );
    let new = e.find_pod(NS, "fluentd-new").unwrap();
    let mut input = pods[1].input();
    input.ready = Some(PodConditionInput {
        status: "True",
        last_transition_time: Some(NOW.plus(-20)),
    });
    e.update_pod(new, &input).unwrap();
    let mut plan: Plan<32> = Plan::new();
    e.sync(set, NOW, &mut plan).unwrap();
    assert!(plan.is_noop());
    let st = plan.status.unwrap();
    assert_eq!((st.number_ready, st.number_available), (1, 1));
    assert_eq!(plan.requeue_after, Some(10));
}
