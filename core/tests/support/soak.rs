//! A long life of a node manager, compressed: the engine syncs its DaemonSets and
//! the "cluster" does what the plans ask (pods created pending, becoming ready,
//! deleted), while pods fail and restart with fresh names, node labels and taints
//! move, DaemonSet templates roll out and DaemonSets are removed and added again.
//! Used by `core/tests/reclaim.rs` (a short run) and `core/examples/soak.rs` (ten
//! million events, `scripts/soak.sh`).
#![allow(dead_code)]

use dsr_core::input::{
    DaemonSetInput, LabelInput, LabelSelectorInput, NodeInput, PodConditionInput, PodInput,
    RollingUpdateInput, TaintInput, UpdateStrategyInput,
};
use dsr_core::{Engine, NodeId, Plan, PodId, SetId, Timestamp};

/// Deterministic (xorshift): the same seed, the same life.
pub struct Rng(pub u64);

impl Rng {
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

#[derive(Clone)]
struct OwnedNode {
    name: String,
    zone: String,
    tainted: bool,
    id: NodeId,
}

#[derive(Clone)]
struct OwnedSet {
    name: String,
    uid: String,
    revision: String,
    /// `None` while removed.
    id: Option<SetId>,
}

#[derive(Clone)]
struct OwnedPod {
    name: String,
    uid: String,
    node: String,
    set: usize,
    revision: String,
    phase: &'static str,
    ready: bool,
    since: Timestamp,
    created: Timestamp,
    id: PodId,
}

/// What a run did, for the README.
#[derive(Debug, Default, Clone)]
pub struct Report {
    pub events: u64,
    pub syncs: u64,
    pub pods_created: u64,
    pub pods_deleted: u64,
}

pub struct Soak {
    rng: Rng,
    now: Timestamp,
    nodes: Vec<OwnedNode>,
    sets: Vec<OwnedSet>,
    pods: Vec<OwnedPod>,
    serial: u64,
    pub report: Report,
}

const APP: &str = "app.kubernetes.io/name";
const ZONE: &str = "topology.kubernetes.io/zone";
const HASH: &str = "controller-revision-hash";

fn set_input<'a>(
    s: &'a OwnedSet,
    app: &'a [LabelInput<'a>],
    tolerations: &'a [dsr_core::input::TolerationInput<'a>],
) -> DaemonSetInput<'a> {
    DaemonSetInput {
        name: &s.name,
        namespace: "kube-system",
        uid: &s.uid,
        selector: Some(LabelSelectorInput {
            match_labels: app,
            ..Default::default()
        }),
        template_labels: app,
        tolerations,
        update_strategy: UpdateStrategyInput {
            type_: "RollingUpdate",
            rolling_update: Some(RollingUpdateInput {
                max_unavailable: Some(dsr_core::input::IntOrStringInput::Int(1)),
                max_surge: None,
            }),
        },
        revision_hash: &s.revision,
        ..Default::default()
    }
}

macro_rules! engine {
    () => {
        Engine<N, S, P, ST, B, L, R, T, TE, BO>
    };
}

impl Soak {
    /// A cluster of `nodes` nodes and `sets` DaemonSets (the last two tolerate
    /// the maintenance taint, the others not).
    pub fn new<
        const N: usize,
        const S: usize,
        const P: usize,
        const ST: usize,
        const B: usize,
        const L: usize,
        const R: usize,
        const T: usize,
        const TE: usize,
        const BO: usize,
    >(
        seed: u64,
        e: &mut engine!(),
        nodes: usize,
        sets: usize,
    ) -> Soak {
        let mut soak = Soak {
            rng: Rng(0x9E37_79B9_7F4A_7C15 ^ seed),
            now: Timestamp(1_709_290_800),
            nodes: Vec::new(),
            sets: Vec::new(),
            pods: Vec::new(),
            serial: 0,
            report: Report::default(),
        };
        for i in 0..nodes {
            let mut n = OwnedNode {
                name: format!("edge-gw-{i:03}.factory-7.example.com"),
                zone: "factory-7".into(),
                tainted: false,
                id: NodeId(0),
            };
            n.id = e.add_node(&Self::node_input(&n, &mut Vec::new())).unwrap();
            soak.nodes.push(n);
        }
        for k in 0..sets {
            soak.sets.push(OwnedSet {
                name: format!("agent-{k}"),
                uid: format!("5b2d5d4e-9c4f-4a8e-b1a4-{k:012}"),
                revision: "6f8d9c7b5".into(),
                id: None,
            });
            soak.add_set(e, k);
        }
        soak
    }

    fn node_input<'a>(n: &'a OwnedNode, labels: &'a mut Vec<LabelInput<'a>>) -> NodeInput<'a> {
        labels.push(LabelInput {
            key: "kubernetes.io/hostname",
            value: &n.name,
        });
        labels.push(LabelInput {
            key: ZONE,
            value: &n.zone,
        });
        const TAINT: [TaintInput<'static>; 1] = [TaintInput {
            key: "example.com/maintenance",
            value: "",
            effect: "NoExecute",
        }];
        NodeInput {
            name: &n.name,
            labels,
            taints: if n.tainted { &TAINT } else { &[] },
            unschedulable: false,
        }
    }

    fn add_set<
        const N: usize,
        const S: usize,
        const P: usize,
        const ST: usize,
        const B: usize,
        const L: usize,
        const R: usize,
        const T: usize,
        const TE: usize,
        const BO: usize,
    >(
        &mut self,
        e: &mut engine!(),
        k: usize,
    ) {
        let s = &self.sets[k];
        let app = [LabelInput {
            key: APP,
            value: &s.name,
        }];
        let tol = [dsr_core::input::TolerationInput {
            key: "example.com/maintenance",
            operator: "Exists",
            ..Default::default()
        }];
        let tolerations: &[_] = if k + 2 >= self.sets.len() { &tol } else { &[] };
        let id = match s.id {
            Some(id) => {
                e.update_daemon_set(id, &set_input(s, &app, tolerations))
                    .unwrap();
                id
            }
            None => e.add_daemon_set(&set_input(s, &app, tolerations)).unwrap(),
        };
        self.sets[k].id = Some(id);
    }

    fn pod_input<'a>(
        p: &'a OwnedPod,
        sets: &'a [OwnedSet],
        labels: &'a mut [LabelInput<'a>; 2],
    ) -> PodInput<'a> {
        *labels = [
            LabelInput {
                key: APP,
                value: &sets[p.set].name,
            },
            LabelInput {
                key: HASH,
                value: &p.revision,
            },
        ];
        PodInput {
            name: &p.name,
            namespace: "kube-system",
            uid: &p.uid,
            labels,
            controller_uid: Some(&sets[p.set].uid),
            controller_kind: "DaemonSet",
            controller_name: &sets[p.set].name,
            node_name: &p.node,
            phase: p.phase,
            ready: Some(PodConditionInput {
                status: if p.ready { "True" } else { "False" },
                last_transition_time: Some(p.since),
            }),
            creation_timestamp: p.created,
            ..Default::default()
        }
    }

    fn update_pod<
        const N: usize,
        const S: usize,
        const P: usize,
        const ST: usize,
        const B: usize,
        const L: usize,
        const R: usize,
        const T: usize,
        const TE: usize,
        const BO: usize,
    >(
        &mut self,
        e: &mut engine!(),
        i: usize,
    ) {
        let mut labels = [LabelInput::default(); 2];
        let p = &self.pods[i];
        e.update_pod(p.id, &Self::pod_input(p, &self.sets, &mut labels))
            .unwrap();
    }

    /// One sync of every DaemonSet, with the cluster doing what the plans ask.
    fn tick<
        const N: usize,
        const S: usize,
        const P: usize,
        const ST: usize,
        const B: usize,
        const L: usize,
        const R: usize,
        const T: usize,
        const TE: usize,
        const BO: usize,
    >(
        &mut self,
        e: &mut engine!(),
    ) {
        self.now = self.now.plus(10);
        let mut plan: Box<Plan<64>> = Box::new(Plan::new());
        for k in 0..self.sets.len() {
            let Some(set) = self.sets[k].id else { continue };
            e.sync(set, self.now, &mut plan).unwrap();
            self.report.syncs += 1;
            let deletes: Vec<PodId> = plan.deletes.iter().map(|d| d.pod).collect();
            let creates: Vec<String> = plan
                .creates
                .iter()
                .map(|c| e.text(c.node_name).to_string())
                .collect();
            for pod in &deletes {
                let i = self.pods.iter().position(|p| p.id == *pod).unwrap();
                e.remove_pod(*pod).unwrap();
                self.pods.swap_remove(i);
                self.report.pods_deleted += 1;
            }
            e.observe_deletes(set, deletes.len() as u32).unwrap();
            for node in creates {
                self.serial += 1;
                let mut p = OwnedPod {
                    name: format!("{}-{:05x}", self.sets[k].name, self.serial & 0xfffff),
                    uid: format!("3f1d2c0e-{:016x}", self.serial),
                    node,
                    set: k,
                    revision: self.sets[k].revision.clone(),
                    phase: "Pending",
                    ready: false,
                    since: self.now,
                    created: self.now,
                    id: PodId(0),
                };
                // A fresh name can meet a pod of the same name still there (the
                // serial wraps at 20 bits): the API server would pick another.
                while e.find_pod("kube-system", &p.name).is_some() {
                    self.serial += 1;
                    p.name = format!("{}-{:05x}", self.sets[k].name, self.serial & 0xfffff);
                }
                let mut labels = [LabelInput::default(); 2];
                p.id = e
                    .add_pod(&Self::pod_input(&p, &self.sets, &mut labels))
                    .unwrap();
                self.pods.push(p);
                self.report.pods_created += 1;
            }
            e.observe_creates(set, plan.creates.len() as u32).unwrap();
        }
    }

    /// Runs `events` events.
    pub fn run<
        const N: usize,
        const S: usize,
        const P: usize,
        const ST: usize,
        const B: usize,
        const L: usize,
        const R: usize,
        const T: usize,
        const TE: usize,
        const BO: usize,
    >(
        &mut self,
        e: &mut engine!(),
        events: u64,
    ) {
        for _ in 0..events {
            self.report.events += 1;
            match self.rng.below(100) {
                // The controller's sync, and the cluster's answer.
                0..=29 => self.tick(e),
                // A pod becomes ready.
                30..=59 => {
                    if let Some(i) = self
                        .pods
                        .iter()
                        .position(|p| !p.ready && p.phase == "Pending")
                    {
                        self.pods[i].phase = "Running";
                        self.pods[i].ready = true;
                        self.pods[i].since = self.now;
                        self.update_pod(e, i);
                    }
                }
                // A pod fails: the controller deletes it and, after its backoff,
                // creates one with a fresh name and uid.
                60..=74 => {
                    if !self.pods.is_empty() {
                        let i = self.rng.below(self.pods.len() as u64) as usize;
                        self.pods[i].phase = "Failed";
                        self.pods[i].ready = false;
                        self.update_pod(e, i);
                    }
                }
                // A node's zone label moves to a fresh value or back.
                75..=84 => {
                    let i = self.rng.below(self.nodes.len() as u64) as usize;
                    self.nodes[i].zone = if self.rng.below(2) == 0 {
                        format!("factory-7-line-{}", self.report.events % 1000)
                    } else {
                        "factory-7".into()
                    };
                    let n = self.nodes[i].clone();
                    e.update_node(n.id, &Self::node_input(&n, &mut Vec::new()))
                        .unwrap();
                }
                // A maintenance taint (NoExecute) comes or goes.
                85..=89 => {
                    let i = self.rng.below(self.nodes.len() as u64) as usize;
                    self.nodes[i].tainted = !self.nodes[i].tainted;
                    let n = self.nodes[i].clone();
                    e.update_node(n.id, &Self::node_input(&n, &mut Vec::new()))
                        .unwrap();
                }
                // A template update: a new revision rolls out.
                90..=96 => {
                    let k = self.rng.below(self.sets.len() as u64) as usize;
                    if self.sets[k].id.is_some() {
                        self.sets[k].revision = format!("{:09x}", self.rng.below(1 << 36));
                        self.add_set(e, k);
                    }
                }
                // A DaemonSet is deleted (its pods with it) or created again.
                _ => {
                    let k = self.rng.below(self.sets.len() as u64) as usize;
                    match self.sets[k].id {
                        Some(id) => {
                            e.remove_daemon_set(id).unwrap();
                            self.sets[k].id = None;
                            while let Some(i) = self.pods.iter().position(|p| p.set == k) {
                                e.remove_pod(self.pods[i].id).unwrap();
                                self.pods.swap_remove(i);
                                self.report.pods_deleted += 1;
                            }
                        }
                        None => self.add_set(e, k),
                    }
                }
            }
        }
    }

    /// Loads the live objects into `fresh` (an empty engine): nodes, then
    /// DaemonSets, then pods.
    pub fn load_fresh<
        const N: usize,
        const S: usize,
        const P: usize,
        const ST: usize,
        const B: usize,
        const L: usize,
        const R: usize,
        const T: usize,
        const TE: usize,
        const BO: usize,
    >(
        &self,
        fresh: &mut engine!(),
    ) {
        for n in &self.nodes {
            fresh
                .add_node(&Self::node_input(n, &mut Vec::new()))
                .unwrap();
        }
        let mut copy = Soak {
            rng: Rng(1),
            now: self.now,
            nodes: self.nodes.clone(),
            sets: self.sets.clone(),
            pods: Vec::new(),
            serial: 0,
            report: Report::default(),
        };
        for k in 0..copy.sets.len() {
            if copy.sets[k].id.is_some() {
                copy.sets[k].id = None;
                copy.add_set(fresh, k);
            }
        }
        for p in &self.pods {
            let mut labels = [LabelInput::default(); 2];
            fresh
                .add_pod(&Self::pod_input(p, &self.sets, &mut labels))
                .unwrap();
        }
    }

    /// Every placement, by names: what a user sees of the engine's decisions.
    pub fn placements<
        const N: usize,
        const S: usize,
        const P: usize,
        const ST: usize,
        const B: usize,
        const L: usize,
        const R: usize,
        const T: usize,
        const TE: usize,
        const BO: usize,
    >(
        e: &engine!(),
    ) -> Vec<String> {
        let mut out = Vec::new();
        for (s, d) in e.daemon_sets() {
            for (n, node) in e.nodes() {
                let p = e.should_run(s, n).unwrap();
                out.push(format!(
                    "{} {} {} {}",
                    e.text(d.name),
                    e.text(node.name),
                    p.should_run,
                    p.should_continue_running
                ));
            }
        }
        out.sort();
        out
    }
}
