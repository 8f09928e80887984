//! `Engine::sync_node` against `Engine::sync`: on a slice of the 1k-node bench
//! cluster (its 20 DaemonSets, some made OnDelete, one with a percentage budget,
//! one with `minReadySeconds`, one surging) in its steady state, random
//! sequences of node label and taint changes, pods turning ready or not, failing,
//! succeeding, deleted and added (missing ones and duplicates), and time passing.
//! After every event each DaemonSet is re-planned from its last plan by
//! `sync_node` for the node the event touched, and synced in full: whenever
//! `sync_node` says it re-planned, its plan (creates, deletes, status, holds,
//! budget, requeue, everything) and the expectations it left must be the full
//! sync's, and it must have said so often.
//!
//! A seeded xorshift generator keeps runs reproducible (`DSR_NODE_REPLAN_SEEDS`
//! sets how many sequences run).
#![cfg(feature = "json")]

#[path = "support/cluster.rs"]
mod cluster;

use cluster::{Set, REVISION, STEADY_SINCE};
use dsr_core::input::{LabelInput, NodeInput, PodConditionInput, PodInput, TaintInput};
use dsr_core::json::ObjectId;
use dsr_core::sync::{NodeChange, NodePart, Plan};
use dsr_core::{Engine, Fit, NodeId, PodId, SetId, Timestamp};
use serde_json::json;

type E = Engine<256, 32, 8192, 16384, { 1 << 19 }, { 1 << 16 }, 2048>;

/// Nodes of the bench cluster used.
const NODES: usize = 120;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// What an event touched.
enum Touched {
    /// A node (its labels or taints).
    Node(usize),
    /// A pod of a DaemonSet on a node, with the node's part before.
    Pod {
        set: usize,
        node: usize,
        part: Option<Box<NodePart>>,
    },
    Nothing,
}

/// A pod as the test keeps it.
#[derive(Clone)]
struct TestPod {
    id: PodId,
    name: String,
    set: usize,
    node: String,
    phase: &'static str,
    ready: bool,
    since: Timestamp,
    created: Timestamp,
}

struct World {
    e: Box<E>,
    nodes: Vec<TestNode>,
    node_ids: Vec<NodeId>,
    sets: Vec<Set>,
    set_ids: Vec<SetId>,
    pods: Vec<TestPod>,
    serial: usize,
    now: Timestamp,
}

/// A node as the test changes it (its updates go through the typed API).
struct TestNode {
    name: String,
    labels: Vec<(String, String)>,
    taints: Vec<(String, String, String)>,
}

impl TestNode {
    fn of(n: &cluster::Node) -> TestNode {
        let taints = n.object["spec"]["taints"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|t| {
                        let s = |f: &str| t[f].as_str().unwrap_or("").to_string();
                        (s("key"), s("value"), s("effect"))
                    })
                    .collect()
            })
            .unwrap_or_default();
        TestNode {
            name: n.name.clone(),
            labels: n.labels.clone(),
            taints,
        }
    }

    fn with_input<R>(&self, f: impl FnOnce(&NodeInput<'_>) -> R) -> R {
        let labels: Vec<LabelInput<'_>> = self
            .labels
            .iter()
            .map(|(k, v)| LabelInput { key: k, value: v })
            .collect();
        let taints: Vec<TaintInput<'_>> = self
            .taints
            .iter()
            .map(|(k, v, e)| TaintInput {
                key: k,
                value: v,
                effect: e,
            })
            .collect();
        f(&NodeInput {
            name: &self.name,
            labels: &labels,
            taints: &taints,
            unschedulable: false,
        })
    }
}

/// A bench DaemonSet as the test varies it, by index: some OnDelete, one with
/// a percentage budget, one with `minReadySeconds`, one surging.
fn set_object(i: usize, d: &Set) -> serde_json::Value {
    let mut v = cluster::set_object(d);
    let spec = &mut v["spec"];
    match i % 7 {
        1 => spec["updateStrategy"] = json!({"type": "OnDelete"}),
        2 => {
            spec["updateStrategy"] =
                json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "10%"}})
        }
        3 if i == 3 => spec["minReadySeconds"] = json!(30),
        5 if i == 5 => {
            spec["updateStrategy"] = json!({"type": "RollingUpdate",
                "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}})
        }
        _ => {}
    }
    v
}

/// The label keys a DaemonSet places by: its nodeSelector's and its required
/// node affinity's expressions'.
fn placement_keys(d: &serde_json::Value) -> Vec<String> {
    let pod = &d["spec"]["template"]["spec"];
    let selector = pod["nodeSelector"]
        .as_object()
        .into_iter()
        .flat_map(|m| m.keys().cloned());
    let terms = pod["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
        ["nodeSelectorTerms"]
        .as_array()
        .into_iter()
        .flatten();
    let expressions = terms.flat_map(|t| {
        t["matchExpressions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|q| q["key"].as_str().map(str::to_string))
    });
    selector.chain(expressions).collect()
}

fn pod_input<R>(sets: &[Set], p: &TestPod, f: impl FnOnce(&PodInput<'_>) -> R) -> R {
    let d = &sets[p.set];
    let uid = cluster::set_uid(d);
    let mut labels: Vec<(String, String)> = d.template_labels.clone();
    labels.push(("controller-revision-hash".into(), REVISION.into()));
    labels.push(("pod-template-generation".into(), "1".into()));
    let labels: Vec<LabelInput<'_>> = labels
        .iter()
        .map(|(k, v)| LabelInput { key: k, value: v })
        .collect();
    f(&PodInput {
        name: &p.name,
        namespace: &d.namespace,
        uid: &p.name,
        labels: &labels,
        controller_uid: Some(&uid),
        controller_kind: "DaemonSet",
        controller_name: &d.name,
        node_name: &p.node,
        phase: p.phase,
        ready: Some(PodConditionInput {
            status: if p.ready { "True" } else { "False" },
            last_transition_time: Some(p.since),
        }),
        creation_timestamp: p.created,
        ..Default::default()
    })
}

impl World {
    fn new() -> World {
        let c = cluster::load(&cluster::bench_path("cluster-1k.json"));
        let mut e: Box<E> = Box::default();
        let nodes: Vec<TestNode> = c.nodes.iter().take(NODES).map(TestNode::of).collect();
        let node_ids = nodes
            .iter()
            .map(|n| n.with_input(|i| e.add_node(i)).expect("node"))
            .collect();
        let set_ids = c
            .sets
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let json = cluster::json(&set_object(i, d));
                match e.apply(&json, &mut cluster::scratch()).expect("set").id {
                    ObjectId::DaemonSet(id) => id,
                    other => panic!("not a DaemonSet: {other:?}"),
                }
            })
            .collect();
        let mut w = World {
            e,
            nodes,
            node_ids,
            sets: c.sets,
            set_ids,
            pods: Vec::new(),
            serial: 0,
            now: STEADY_SINCE.plus(60),
        };
        // The steady state: a ready pod wherever one should run.
        for s in 0..w.sets.len() {
            for n in 0..w.nodes.len() {
                let fit = w.e.fit(w.set_ids[s], w.node_ids[n]).expect("ids");
                if fit.should_run {
                    w.add_pod(s, n, "Running", true);
                }
            }
        }
        w
    }

    fn add_pod(&mut self, set: usize, node: usize, phase: &'static str, ready: bool) {
        self.serial += 1;
        let mut p = TestPod {
            id: PodId(0),
            name: format!("{}-{:05}", self.sets[set].name, self.serial),
            set,
            node: self.nodes[node].name.clone(),
            phase,
            ready,
            since: self.now,
            created: self.now,
        };
        let e = &mut self.e;
        p.id = pod_input(&self.sets, &p, |i| e.add_pod(i)).expect("pod");
        self.pods.push(p);
    }

    fn update_pod(&mut self, i: usize) {
        let p = self.pods[i].clone();
        let e = &mut self.e;
        pod_input(&self.sets, &p, |input| e.update_pod(p.id, input)).expect("pod");
    }

    /// The DaemonSet's pods on a node.
    fn pods_on(&self, set: usize, node: usize) -> Vec<PodId> {
        self.pods
            .iter()
            .filter(|p| p.set == set && p.node == self.nodes[node].name)
            .map(|p| p.id)
            .collect()
    }

    /// The part of a DaemonSet's plan a node makes, before a pod there changes.
    fn before_pod(&self, set: usize, node: usize) -> Touched {
        let part = self
            .e
            .node_part(
                self.set_ids[set],
                self.node_ids[node],
                &self.pods_on(set, node),
                self.now,
            )
            .expect("ids");
        Touched::Pod {
            set,
            node,
            part: part.map(Box::new),
        }
    }

    fn node_of(&self, pod: usize) -> usize {
        let name = &self.pods[pod].node;
        self.nodes
            .iter()
            .position(|n| n.name == *name)
            .expect("node")
    }

    /// One random event: what it touched.
    fn event(&mut self, r: &mut Rng) -> Touched {
        match r.below(100) {
            0..=29 => {
                // A label some DaemonSet places by: moved to another node's value,
                // or removed.
                let n = r.below(self.nodes.len());
                let keys: Vec<String> = self
                    .sets
                    .iter()
                    .flat_map(|d| placement_keys(&d.object))
                    .collect();
                let key = keys[r.below(keys.len())].clone();
                let other = &self.nodes[r.below(self.nodes.len())];
                let value = other.labels.iter().find(|(k, _)| *k == key).cloned();
                let labels = &mut self.nodes[n].labels;
                labels.retain(|(k, _)| *k != key);
                if let Some(kv) = value {
                    labels.push(kv);
                }
                self.touch_node(n);
                Touched::Node(n)
            }
            30..=44 => {
                // A taint comes or goes.
                const TAINTS: [(&str, &str, &str); 4] = [
                    ("dedicated", "gpu", "NoSchedule"),
                    ("example.com/maintenance", "", "NoExecute"),
                    ("node.kubernetes.io/unschedulable", "", "NoSchedule"),
                    ("node.kubernetes.io/not-ready", "", "NoExecute"),
                ];
                let n = r.below(self.nodes.len());
                let (k, v, e) = TAINTS[r.below(TAINTS.len())];
                let taints = &mut self.nodes[n].taints;
                let had = taints.len();
                taints.retain(|t| t.0 != k);
                if taints.len() == had {
                    taints.push((k.into(), v.into(), e.into()));
                }
                self.touch_node(n);
                Touched::Node(n)
            }
            45..=49 => {
                // Nothing placement-wise: a label no DaemonSet reads.
                let n = r.below(self.nodes.len());
                let v = format!("{}", r.below(1000));
                let labels = &mut self.nodes[n].labels;
                labels.retain(|(k, _)| k != "example.com/heartbeat");
                labels.push(("example.com/heartbeat".into(), v));
                self.touch_node(n);
                Touched::Node(n)
            }
            50..=64 if !self.pods.is_empty() => {
                let i = r.below(self.pods.len());
                let touched = self.before_pod(self.pods[i].set, self.node_of(i));
                self.pods[i].ready = !self.pods[i].ready;
                self.pods[i].since = self.now;
                self.update_pod(i);
                touched
            }
            65..=69 if !self.pods.is_empty() => {
                let i = r.below(self.pods.len());
                let touched = self.before_pod(self.pods[i].set, self.node_of(i));
                self.pods[i].phase = if r.chance(70) { "Failed" } else { "Succeeded" };
                self.pods[i].ready = false;
                self.update_pod(i);
                touched
            }
            70..=79 if !self.pods.is_empty() => {
                let i = r.below(self.pods.len());
                let touched = self.before_pod(self.pods[i].set, self.node_of(i));
                let p = self.pods.swap_remove(i);
                self.e.remove_pod(p.id).expect("pod");
                touched
            }
            80..=89 => {
                // A pod where one is missing (as the controller would), or
                // anywhere (a duplicate, or on a node it may not stay on).
                let s = r.below(self.sets.len());
                let n = if r.chance(50) {
                    // Where the plan creates one, when it does.
                    let set = self.set_ids[s];
                    let missing = self.node_ids.iter().position(|&id| {
                        self.e.fit(set, id).expect("ids").should_run
                            && !self.pods.iter().any(|p| {
                                p.set == s && self.node_ids[self.node_of_name(&p.node)] == id
                            })
                    });
                    missing.unwrap_or_else(|| r.below(self.nodes.len()))
                } else {
                    r.below(self.nodes.len())
                };
                let touched = self.before_pod(s, n);
                let phase = if r.chance(20) { "Pending" } else { "Running" };
                self.add_pod(s, n, phase, phase == "Running" && r.chance(80));
                touched
            }
            _ => {
                self.now = self.now.plus(r.below(400) as i64);
                Touched::Nothing
            }
        }
    }

    fn node_of_name(&self, name: &str) -> usize {
        self.nodes
            .iter()
            .position(|n| n.name == name)
            .expect("node")
    }

    fn touch_node(&mut self, n: usize) {
        let id = self.node_ids[n];
        let e = &mut self.e;
        self.nodes[n]
            .with_input(|i| e.update_node(id, i))
            .expect("node");
    }
}

/// Node re-plans tried, applied, and applied that moved a placement and
/// changed the plan.
fn run(seed: u64, events: usize) -> (usize, usize, usize) {
    let mut r = Rng(seed);
    let mut w = World::new();
    let sets = w.set_ids.clone();
    let mut plans: Vec<Plan<512>> = Vec::new();
    for &set in &sets {
        let mut p = Plan::new();
        w.e.sync(set, w.now, &mut p).expect("sync");
        w.e.observe_creates(set, u32::MAX).expect("set");
        w.e.observe_deletes(set, u32::MAX).expect("set");
        plans.push(p);
    }
    let (mut tried, mut replanned, mut changed) = (0, 0, 0);
    let (mut tried_pods, mut replanned_pods) = (0, 0);
    for step in 0..events {
        // Placements before the event, for the node it may touch.
        let before: Vec<Vec<Fit>> = sets
            .iter()
            .map(|&s| {
                w.node_ids
                    .iter()
                    .map(|&n| w.e.fit(s, n).expect("ids"))
                    .collect()
            })
            .collect();
        let touched = w.event(&mut r);
        for (k, &set) in sets.iter().enumerate() {
            let mut replan = plans[k].clone();
            let done = match &touched {
                Touched::Pod { set: s, node, part } if *s == k => {
                    tried_pods += 1;
                    let done = match part {
                        Some(part) => {
                            let pods = w.pods_on(k, *node);
                            w.e.sync_node_pods(set, part, &pods, w.now, &mut replan)
                                .expect("ids")
                        }
                        None => false,
                    };
                    if done {
                        replanned_pods += 1;
                    } else {
                        assert_eq!(replan, plans[k], "seed {seed} step {step}: untouched");
                    }
                    done
                }
                Touched::Node(n) => {
                    let n = *n;
                    let pods = w.pods_on(k, n);
                    let change = NodeChange {
                        node: w.node_ids[n],
                        was: before[k][n],
                        pods: &pods,
                    };
                    tried += 1;
                    let done =
                        w.e.sync_node(set, &change, w.now, &mut replan)
                            .expect("ids");
                    let moved = before[k][n] != w.e.fit(set, w.node_ids[n]).expect("ids");
                    if done && moved && replan != plans[k] {
                        changed += 1;
                    }
                    if !done {
                        assert_eq!(replan, plans[k], "seed {seed} step {step}: untouched");
                    }
                    done
                }
                _ => false,
            };
            let expected = w.e.expectations(set);
            w.e.observe_creates(set, u32::MAX).expect("set");
            w.e.observe_deletes(set, u32::MAX).expect("set");
            let mut full = Plan::new();
            w.e.sync(set, w.now, &mut full).expect("sync");
            if done {
                replanned += 1;
                assert_eq!(
                    replan, full,
                    "seed {seed} step {step}: {} re-planned by node",
                    w.sets[k].name
                );
                assert_eq!(expected, w.e.expectations(set), "seed {seed} step {step}");
            }
            w.e.observe_creates(set, u32::MAX).expect("set");
            w.e.observe_deletes(set, u32::MAX).expect("set");
            plans[k] = full;
        }
    }
    eprintln!("seed {seed}: {replanned_pods} of {tried_pods} pod re-plans applied");
    // Pod events re-plan by node too, when the pod stays its DaemonSet's and
    // does not fail.
    assert!(
        replanned_pods * 3 > tried_pods,
        "seed {seed}: only {replanned_pods} of {tried_pods} pod re-plans applied"
    );
    (tried, replanned, changed)
}

#[test]
fn a_node_replanned_alone_plans_as_a_full_sync() {
    let seeds: u64 = std::env::var("DSR_NODE_REPLAN_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let (mut tried, mut replanned, mut changed) = (0, 0, 0);
    for seed in 1..=seeds {
        let (t, r, c) = std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn(move || run(0x9e37_79b9_7f4a_7c15 ^ seed, 300))
            .expect("thread")
            .join()
            .expect("run");
        tried += t;
        replanned += r;
        changed += c;
    }
    eprintln!("{replanned} of {tried} node re-plans applied, {changed} changing the plan");
    // Most node events re-plan by node (the rest fall back to a full sync),
    // and many of those change the plan.
    assert!(
        replanned * 2 > tried && changed * 100 > replanned,
        "only {replanned} of {tried} node re-plans applied, {changed} changing the plan"
    );
}
