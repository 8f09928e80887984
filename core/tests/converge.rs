//! Applies plans the way a kubelet and API server would, over random small clusters,
//! and checks what every plan must keep true and where the syncs must end up.
//!
//! A seeded xorshift generator keeps runs reproducible without a dependency.

use dsr_core::input::{
    DaemonSetInput, IntOrStringInput, LabelInput, LabelSelectorInput, NodeInput, PodConditionInput,
    PodInput, RollingUpdateInput, TaintInput, UpdateStrategyInput,
};
use dsr_core::sync::{Plan, SyncOutcome};
use dsr_core::{Engine, NodeId, PodId, SetId, Timestamp};

static BUDGET_CHECKS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

type E = Engine<12, 1, 64, 1024, 32768, 1024, 128>;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn leak_slice<T>(v: Vec<T>) -> &'static [T] {
    Box::leak(v.into_boxed_slice())
}

const APP: LabelInput<'static> = LabelInput {
    key: "name",
    value: "fluentd-elasticsearch",
};

/// What the simulation knows of a pod beyond the engine.
#[derive(Clone)]
struct SimPod {
    id: PodId,
    input: PodInput<'static>,
}

struct Sim {
    engine: Box<E>,
    set: SetId,
    set_input: DaemonSetInput<'static>,
    pods: Vec<SimPod>,
    nodes: Vec<NodeInput<'static>>,
    revision: u32,
    counter: u32,
    node_serial: usize,
    now: Timestamp,
}

fn revision_labels(revision: u32) -> &'static [LabelInput<'static>] {
    leak_slice(vec![
        APP,
        LabelInput {
            key: "controller-revision-hash",
            value: leak(format!("rev{revision}")),
        },
        LabelInput {
            key: "pod-template-generation",
            value: leak(format!("{revision}")),
        },
    ])
}

fn strategy(rng: &mut Rng) -> UpdateStrategyInput<'static> {
    let budget = |rng: &mut Rng| match rng.below(4) {
        0 => IntOrStringInput::Int(0),
        1 => IntOrStringInput::Int(1 + rng.below(3) as i32),
        2 => IntOrStringInput::String(["25%", "50%", "10%", "100%"][rng.below(4) as usize]),
        _ => IntOrStringInput::Int(1),
    };
    if rng.chance(15) {
        return UpdateStrategyInput {
            type_: "OnDelete",
            rolling_update: None,
        };
    }
    UpdateStrategyInput {
        type_: "RollingUpdate",
        rolling_update: Some(RollingUpdateInput {
            max_unavailable: Some(budget(rng)),
            max_surge: Some(budget(rng)),
        }),
    }
}

fn node(rng: &mut Rng, i: usize) -> NodeInput<'static> {
    let zone = if rng.chance(75) { "a" } else { "b" };
    let taints: &'static [TaintInput<'static>] = match rng.below(10) {
        0 => &[TaintInput {
            key: "dedicated",
            value: "gpu",
            effect: "NoExecute",
        }],
        1 => &[TaintInput {
            key: "maintenance",
            value: "",
            effect: "NoSchedule",
        }],
        2 => &[TaintInput {
            key: "node.kubernetes.io/not-ready",
            value: "",
            effect: "NoExecute",
        }],
        _ => &[],
    };
    NodeInput {
        name: leak(format!(
            "ip-10-0-{}-{}.us-west-2.compute.internal",
            i / 4,
            10 + i
        )),
        labels: leak_slice(vec![LabelInput {
            key: "topology.kubernetes.io/zone",
            value: zone,
        }]),
        taints,
        unschedulable: false,
    }
}

impl Sim {
    fn new(rng: &mut Rng) -> Sim {
        let mut engine = Box::new(E::new());
        let n = 1 + rng.below(10) as usize;
        let nodes: Vec<NodeInput<'static>> = (0..n).map(|i| node(rng, i)).collect();
        for nd in &nodes {
            engine.add_node(nd).unwrap();
        }
        let zone_a: &'static [LabelInput<'static>] = &[LabelInput {
            key: "topology.kubernetes.io/zone",
            value: "a",
        }];
        let set_input = DaemonSetInput {
            name: "fluentd-elasticsearch",
            namespace: "kube-system",
            uid: "5b2d5d4e-9c4f-4a8e-b1a4-3f1d2c0e7a11",
            selector: Some(LabelSelectorInput {
                match_labels: &[APP],
                ..Default::default()
            }),
            template_labels: &[APP],
            node_selector: if rng.chance(30) { zone_a } else { &[] },
            generation: 1,
            observed_generation: 1,
            update_strategy: strategy(rng),
            min_ready_seconds: [0, 0, 15][rng.below(3) as usize],
            revision_hash: "rev1",
            template_generation: Some("1"),
            ..Default::default()
        };
        let set = engine.add_daemon_set(&set_input).unwrap();
        let mut sim = Sim {
            engine,
            set,
            set_input,
            pods: Vec::new(),
            nodes,
            revision: 1,
            counter: 0,
            node_serial: 0,
            now: Timestamp(1_709_290_800),
        };
        // Leftovers from before: pods of an older revision, duplicates, failures.
        for i in 0..sim.nodes.len() {
            for _ in 0..rng.below(3) {
                let phase = if rng.chance(20) { "Failed" } else { "Running" };
                let ready = phase == "Running" && rng.chance(80);
                sim.add_pod(i, 0, phase, ready, rng.chance(90));
            }
        }
        sim
    }

    fn add_pod(
        &mut self,
        node: usize,
        revision: u32,
        phase: &'static str,
        ready: bool,
        owned: bool,
    ) {
        self.counter += 1;
        let input = PodInput {
            name: leak(format!("fluentd-elasticsearch-{:05}", self.counter)),
            namespace: "kube-system",
            uid: leak(format!("uid-{}", self.counter)),
            labels: revision_labels(revision),
            controller_uid: owned.then_some(self.set_input.uid),
            controller_kind: "DaemonSet",
            controller_name: self.set_input.name,
            node_name: self.nodes[node].name,
            phase,
            ready: Some(PodConditionInput {
                status: if ready { "True" } else { "False" },
                last_transition_time: Some(self.now.plus(-3600)),
            }),
            creation_timestamp: self.now.plus(-(self.counter as i64)),
            ..Default::default()
        };
        let id = self.engine.add_pod(&input).unwrap();
        self.pods.push(SimPod { id, input });
    }

    fn node_index(&self, id: NodeId) -> usize {
        let name = self.engine.text(self.engine.node(id).unwrap().name);
        self.nodes.iter().position(|n| n.name == name).unwrap()
    }

    /// Syncs once and applies the plan; returns it.
    fn step(&mut self, rng: &mut Rng) -> Box<Plan<64>> {
        let mut plan: Box<Plan<64>> = Box::default();
        let mut twin = self.engine.clone();
        self.engine.sync(self.set, self.now, &mut plan).unwrap();
        let mut again: Box<Plan<64>> = Box::default();
        twin.sync(self.set, self.now, &mut again).unwrap();
        assert_eq!(plan, again, "same state, same plan");
        assert_eq!(plan.outcome, SyncOutcome::Synced);
        let st = plan.status.expect("a synced plan has a status");
        assert!(
            0 <= st.number_available
                && st.number_available <= st.number_ready
                && st.number_ready <= st.current_number_scheduled
                && st.current_number_scheduled <= st.desired_number_scheduled
                && st.updated_number_scheduled <= st.current_number_scheduled
                && st.number_unavailable == st.desired_number_scheduled - st.number_available
                && st.number_misscheduled >= 0,
            "status counters inconsistent: {st:?}"
        );

        // Pods are never relabelled here, so nothing the DaemonSet controls may be
        // released (a corrupted label pool once made this happen).
        assert!(plan.releases.is_empty(), "released {:?}", plan.releases);
        for &id in &plan.adoptions {
            self.engine.set_pod_controller(id, Some(self.set)).unwrap();
            let p = self.pods.iter_mut().find(|p| p.id == id).unwrap();
            p.input.controller_uid = Some(self.set_input.uid);
            p.input.controller_kind = "DaemonSet";
            p.input.controller_name = self.set_input.name;
        }
        for d in &plan.deletes {
            self.engine.remove_pod(d.pod).unwrap();
            self.pods.retain(|p| p.id != d.pod);
        }
        self.engine
            .observe_deletes(self.set, plan.deletes.len() as u32)
            .unwrap();
        for c in &plan.creates {
            let node = self.node_index(c.node);
            self.add_pod(node, self.revision, "Pending", false, true);
            // Creation times are distinct and after every older pod.
            let last = self.pods.len() - 1;
            self.pods[last].input.creation_timestamp = self.now;
            let input = self.pods[last].input;
            self.engine.update_pod(self.pods[last].id, &input).unwrap();
        }
        self.engine
            .observe_creates(self.set, plan.creates.len() as u32)
            .unwrap();
        self.check_pods_per_node();
        if let Some(b) = plan.rollout.filter(|b| b.chosen > 0) {
            BUDGET_CHECKS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let (unavailable, surging) = self.unavailable_and_surging();
            if b.max_surge == 0 {
                assert!(
                    unavailable <= b.max_unavailable,
                    "{unavailable} unavailable: {b:?}"
                );
            } else {
                assert!(surging <= b.max_surge, "{surging} surging: {b:?}");
            }
        }

        // The kubelet: pending pods start and become ready; some crash early on.
        self.now = self.now.plus(20);
        for i in 0..self.pods.len() {
            let mut input = self.pods[i].input;
            if input.phase == "Pending" {
                input.phase = "Running";
                input.ready = Some(PodConditionInput {
                    status: "True",
                    last_transition_time: Some(self.now.plus(-10)),
                });
            } else if input.phase == "Running" && rng.chance(2) && self.revision < 3 {
                input.phase = "Failed";
                input.ready = None;
            } else {
                continue;
            }
            self.engine.update_pod(self.pods[i].id, &input).unwrap();
            self.pods[i].input = input;
        }
        plan
    }

    fn running_on(&self, node: usize) -> usize {
        self.pods
            .iter()
            .filter(|p| p.input.node_name == self.nodes[node].name)
            .filter(|p| p.input.controller_uid.is_some())
            .filter(|p| !matches!(p.input.phase, "Failed" | "Succeeded"))
            .count()
    }

    fn check_pods_per_node(&self) {
        // Reclamation's invariant: every string's holders are the handles to it.
        self.engine.check_holders().unwrap();
        let surge = self
            .engine
            .daemon_set(self.set)
            .unwrap()
            .update_strategy
            .allows_surge();
        for i in 0..self.nodes.len() {
            let max = if surge { 2 } else { 1 };
            if self.running_on(i) > max {
                let pods: Vec<_> = self
                    .pods
                    .iter()
                    .filter(|p| p.input.node_name == self.nodes[i].name)
                    .map(|p| {
                        (
                            p.input.name,
                            p.input.phase,
                            p.input.labels[1].value,
                            p.input.controller_uid.is_some(),
                            p.input.creation_timestamp,
                        )
                    })
                    .collect();
                panic!(
                    "node {i} ({:?}): {} pods: {:?}\nset {:?}",
                    self.nodes[i],
                    self.running_on(i),
                    pods,
                    self.set_input.update_strategy
                );
            }
        }
    }

    /// A node changes: its zone flips, it gets a NoExecute taint, or it is replaced
    /// by a new node (its pods go, as the pod GC would take them).
    fn node_event(&mut self, rng: &mut Rng) {
        let i = rng.below(self.nodes.len() as u64) as usize;
        let id = self.engine.find_node(self.nodes[i].name).unwrap();
        match rng.below(3) {
            0 => {
                let zone = if self.nodes[i].labels[0].value == "a" {
                    "b"
                } else {
                    "a"
                };
                self.nodes[i].labels = leak_slice(vec![LabelInput {
                    key: "topology.kubernetes.io/zone",
                    value: zone,
                }]);
                self.engine.update_node(id, &self.nodes[i]).unwrap();
            }
            1 => {
                self.nodes[i].taints = &[TaintInput {
                    key: "dedicated",
                    value: "gpu",
                    effect: "NoExecute",
                }];
                self.engine.update_node(id, &self.nodes[i]).unwrap();
            }
            _ => {
                self.engine.remove_node(id).unwrap();
                let gone = self.nodes[i].name;
                for p in self.pods.iter().filter(|p| p.input.node_name == gone) {
                    self.engine.remove_pod(p.id).unwrap();
                }
                self.pods.retain(|p| p.input.node_name != gone);
                self.node_serial += 1;
                let fresh = node(rng, 100 + self.node_serial);
                self.engine.add_node(&fresh).unwrap();
                self.nodes[i] = fresh;
            }
        }
    }

    /// Desired nodes without an available running pod of the DaemonSet, and nodes
    /// with both an available old pod and a new pod that is not available.
    fn unavailable_and_surging(&self) -> (i64, i64) {
        let s = *self.engine.daemon_set(self.set).unwrap();
        let min_ready = i64::from(s.min_ready_seconds);
        let available = |p: &SimPod| {
            p.input.phase == "Running"
                && p.input.ready.is_some_and(|c| {
                    c.status == "True"
                        && (min_ready == 0
                            || c.last_transition_time
                                .is_some_and(|t| t.plus(min_ready) < self.now))
                })
        };
        let mut unavailable = 0;
        let mut surging = 0;
        for n in &self.nodes {
            let id = self.engine.find_node(n.name).unwrap();
            let pods: Vec<&SimPod> = self
                .pods
                .iter()
                .filter(|p| p.input.node_name == n.name && p.input.controller_uid.is_some())
                .filter(|p| !matches!(p.input.phase, "Failed" | "Succeeded"))
                .collect();
            if self.engine.should_run(self.set, id).unwrap().should_run
                && !pods.iter().any(|p| available(p))
            {
                unavailable += 1;
            }
            let new = |p: &&&SimPod| p.input.labels[1].value == self.set_input.revision_hash;
            if pods.iter().any(|p| !new(&p) && available(p))
                && pods.iter().any(|p| new(&p) && !available(p))
            {
                surging += 1;
            }
        }
        (unavailable, surging)
    }

    fn new_revision(&mut self) {
        self.revision += 1;
        self.set_input.revision_hash = leak(format!("rev{}", self.revision));
        self.set_input.template_generation = Some(leak(format!("{}", self.revision)));
        self.set_input.generation += 1;
        self.engine
            .update_daemon_set(self.set, &self.set_input)
            .unwrap();
    }

    fn converged(&self) -> Result<(), String> {
        for (i, n) in self.nodes.iter().enumerate() {
            let id = self.engine.find_node(n.name).unwrap();
            let p = self.engine.should_run(self.set, id).unwrap();
            let pods: Vec<&SimPod> = self
                .pods
                .iter()
                .filter(|p| p.input.node_name == n.name && p.input.controller_uid.is_some())
                .collect();
            let want_updated = |p: &&SimPod| {
                p.input
                    .labels
                    .iter()
                    .any(|l| l.value == self.set_input.revision_hash)
                    && p.input.phase == "Running"
            };
            let on_delete = self.set_input.update_strategy.type_ == "OnDelete";
            if p.should_run {
                if pods.len() != 1 || !(on_delete || want_updated(&pods[0])) {
                    let d: Vec<_> = pods
                        .iter()
                        .map(|p| (p.input.name, p.input.phase, p.input.labels[1].value))
                        .collect();
                    return Err(format!(
                        "node {i} should run one up-to-date pod, has {d:?}; {:?} {n:?}",
                        self.set_input.update_strategy
                    ));
                }
            } else if !p.should_continue_running && !pods.is_empty() {
                return Err(format!("node {i} should run none, has {}", pods.len()));
            } else if pods.len() > 1 {
                return Err(format!("node {i} may keep one pod, has {}", pods.len()));
            }
        }
        Ok(())
    }
}

#[test]
fn random_clusters_converge_and_keep_their_invariants() {
    let seeds: u64 = std::env::var("DSR_SIM_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    for seed in 1..=seeds {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let mut sim = Sim::new(&mut rng);
        for round in 0..3 {
            if round > 0 {
                sim.new_revision();
                sim.node_event(&mut rng);
            }
            let mut steps = 0;
            loop {
                let plan = sim.step(&mut rng);
                steps += 1;
                let quiet = plan.is_noop() && plan.requeue_after.is_none();
                if quiet && sim.revision >= 3 {
                    break;
                }
                if quiet && steps > 3 {
                    break;
                }
                assert!(steps < 200, "seed {seed} round {round}: no convergence");
            }
        }
        // Settle with no more failures: everything right in the end.
        for _ in 0..100 {
            let plan = sim.step(&mut rng);
            if plan.is_noop() && plan.requeue_after.is_none() {
                break;
            }
        }
        if let Err(e) = sim.converged() {
            panic!("seed {seed}: {e}");
        }
    }
    let checks = BUDGET_CHECKS.load(std::sync::atomic::Ordering::Relaxed);
    eprintln!("{seeds} clusters, {checks} budget checks");
    assert!(checks > seeds as usize, "the budget checks hardly ran");
}
