//! Running for months: after any churn of pods, nodes and DaemonSets the engine holds
//! what its live objects need and nothing more. Each test ends by comparing the
//! churned engine with a fresh one loaded with the same live objects: the same usage
//! of every table, the same placements, the same plans.

use dsr_core::input::{
    DaemonSetInput, LabelInput, LabelSelectorInput, NodeInput, PodConditionInput, PodInput,
    TaintInput,
};
use dsr_core::{Engine, GatewayEngine, Plan, Timestamp, TinyEngine};

/// A deterministic generator (xorshift), so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

const UID: &str = "5b2d5d4e-9c4f-4a8e-b1a4-3f1d2c0e7a11";
const NOW: Timestamp = Timestamp(1_709_290_800);

/// The objects that are live at a moment, as owned text, so that a fresh engine
/// can be loaded with exactly them.
#[derive(Clone, Default)]
struct World {
    /// Node name, zone label value, tainted.
    nodes: Vec<(String, String, bool)>,
    /// DaemonSet name and the zone its nodeSelector wants.
    sets: Vec<(String, String)>,
    /// Pod name, pod uid, node, owning DaemonSet index.
    pods: Vec<(String, String, String, usize)>,
}

fn node_input<'a>(
    labels: &'a [LabelInput<'a>],
    taints: &'a [TaintInput<'a>],
    name: &'a str,
    tainted: bool,
) -> NodeInput<'a> {
    NodeInput {
        name,
        labels,
        taints: if tainted { taints } else { &[] },
        unschedulable: false,
    }
}

fn add_node<E: Load>(e: &mut E, name: &str, zone: &str, tainted: bool) -> dsr_core::NodeId {
    let labels = [
        LabelInput {
            key: "kubernetes.io/hostname",
            value: name,
        },
        LabelInput {
            key: "topology.kubernetes.io/zone",
            value: zone,
        },
    ];
    let taints = [TaintInput {
        key: "example.com/maintenance",
        value: zone,
        effect: "NoSchedule",
    }];
    e.upsert_node(None, &node_input(&labels, &taints, name, tainted))
}

fn set_input<'a>(
    name: &'a str,
    zone: &'a [LabelInput<'a>],
    app: &'a [LabelInput<'a>],
) -> DaemonSetInput<'a> {
    DaemonSetInput {
        name,
        namespace: "kube-system",
        uid: UID,
        selector: Some(LabelSelectorInput {
            match_labels: app,
            ..Default::default()
        }),
        template_labels: app,
        node_selector: zone,
        ..Default::default()
    }
}

/// What the tests need of an engine, whatever its capacities.
trait Load {
    fn upsert_node(&mut self, id: Option<dsr_core::NodeId>, n: &NodeInput<'_>) -> dsr_core::NodeId;
    fn set(&mut self, d: &DaemonSetInput<'_>) -> dsr_core::SetId;
    fn pod(&mut self, p: &PodInput<'_>) -> dsr_core::PodId;
}

impl<
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
    > Load for Engine<N, S, P, ST, B, L, R, T, TE, BO>
{
    fn upsert_node(&mut self, id: Option<dsr_core::NodeId>, n: &NodeInput<'_>) -> dsr_core::NodeId {
        match id {
            Some(id) => {
                self.update_node(id, n).unwrap();
                id
            }
            None => self.add_node(n).unwrap(),
        }
    }
    fn set(&mut self, d: &DaemonSetInput<'_>) -> dsr_core::SetId {
        self.add_daemon_set(d).unwrap()
    }
    fn pod(&mut self, p: &PodInput<'_>) -> dsr_core::PodId {
        self.add_pod(p).unwrap()
    }
}

fn add_pod<E: Load>(e: &mut E, name: &str, uid: &str, node: &str, app: &str) -> dsr_core::PodId {
    let labels = [LabelInput {
        key: "app",
        value: app,
    }];
    e.pod(&PodInput {
        name,
        namespace: "kube-system",
        uid,
        labels: &labels,
        controller_uid: Some(UID),
        // Both DaemonSets of these tests share a uid: kind and name tell whose
        // the pod is, as upstream's FilterPodsByOwner.
        controller_kind: "DaemonSet",
        controller_name: app,
        node_name: node,
        phase: "Running",
        ready: Some(PodConditionInput {
            status: "True",
            last_transition_time: Some(NOW),
        }),
        creation_timestamp: NOW,
        ..Default::default()
    })
}

fn load_fresh(w: &World) -> Box<TinyEngine> {
    let mut e = Box::new(TinyEngine::new());
    for (name, zone, tainted) in &w.nodes {
        add_node(&mut *e, name, zone, *tainted);
    }
    for (name, zone) in &w.sets {
        let zone = [LabelInput {
            key: "topology.kubernetes.io/zone",
            value: zone,
        }];
        let app = [LabelInput {
            key: "app",
            value: name,
        }];
        e.set(&set_input(name, &zone, &app));
    }
    for (name, uid, node, set) in &w.pods {
        add_pod(&mut *e, name, uid, node, &w.sets[*set].0);
    }
    e
}

/// Every answer a user can get: placements of every pair and every DaemonSet's plan
/// (by name, as ids differ between the engines).
fn answers(e: &mut TinyEngine) -> Vec<String> {
    let mut out = Vec::new();
    let sets: Vec<_> = e.daemon_sets().map(|(id, _)| id).collect();
    let nodes: Vec<_> = e.nodes().map(|(id, _)| id).collect();
    for &s in &sets {
        let set_name = e.text(e.daemon_set(s).unwrap().name).to_string();
        for &n in &nodes {
            let p = e.should_run(s, n).unwrap();
            let node_name = e.text(e.node(n).unwrap().name).to_string();
            let mut why = heapless::String::<256>::new();
            e.describe(s, &p.reason, &mut why).unwrap();
            out.push(format!(
                "{set_name} {node_name} {} {} {why}",
                p.should_run, p.should_continue_running
            ));
        }
        let mut plan: Box<Plan<16>> = Box::new(Plan::new());
        e.sync(s, NOW, &mut plan).unwrap();
        let mut creates: Vec<_> = plan
            .creates
            .iter()
            .map(|c| e.text(c.node_name).to_string())
            .collect();
        creates.sort();
        let mut deletes: Vec<_> = plan
            .deletes
            .iter()
            .map(|d| e.text(d.pod_name).to_string())
            .collect();
        deletes.sort();
        out.push(format!(
            "{set_name} creates {creates:?} deletes {deletes:?} status {:?}",
            plan.status
        ));
    }
    out.sort();
    out
}

#[test]
fn churn_leaves_the_usage_of_a_fresh_load() {
    for seed in 1..=12u64 {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ seed);
        let mut e = Box::new(TinyEngine::new());
        let mut w = World::default();
        let zones = ["us-west-2a", "us-west-2b", "us-west-2c"];
        let mut node_ids = Vec::new();
        for i in 0..4 {
            let name = format!("ip-10-0-{seed}-{i}.us-west-2.compute.internal");
            let zone = zones[i % 3].to_string();
            node_ids.push(add_node(&mut *e, &name, &zone, false));
            w.nodes.push((name, zone, false));
        }
        let mut set_ids = Vec::new();
        for (k, name) in ["fluentd-elasticsearch", "node-exporter"]
            .iter()
            .enumerate()
        {
            let zone = [LabelInput {
                key: "topology.kubernetes.io/zone",
                value: zones[k],
            }];
            let app = [LabelInput {
                key: "app",
                value: name,
            }];
            set_ids.push(Some(e.set(&set_input(name, &zone, &app))));
            w.sets.push((name.to_string(), zones[k].to_string()));
        }
        let mut pod_ids = Vec::new();
        let mut serial = 0u64;
        for step in 0..2_000 {
            match rng.below(10) {
                // A pod restarts: a fresh name and uid, as the kubelet gives it.
                0..=4 => {
                    if !pod_ids.is_empty() && rng.below(2) == 0 {
                        let i = rng.below(pod_ids.len() as u64) as usize;
                        e.remove_pod(pod_ids.remove(i)).unwrap();
                        w.pods.remove(i);
                    }
                    let live: Vec<usize> = (0..set_ids.len())
                        .filter(|&k| set_ids[k].is_some())
                        .collect();
                    if live.is_empty() || pod_ids.len() >= 12 {
                        continue;
                    }
                    let set = live[rng.below(live.len() as u64) as usize];
                    serial += 1;
                    let name = format!("{}-{serial:05x}", w.sets[set].0);
                    let uid = format!("pod-uid-{seed}-{serial}");
                    let node = w.nodes[rng.below(w.nodes.len() as u64) as usize].0.clone();
                    pod_ids.push(add_pod(&mut *e, &name, &uid, &node, &w.sets[set].0));
                    w.pods.push((name, uid, node, set));
                }
                // A node label moves to a fresh value, or a taint comes and goes.
                5..=7 => {
                    let i = rng.below(w.nodes.len() as u64) as usize;
                    let zone = if rng.below(3) == 0 {
                        format!("edge-{step}")
                    } else {
                        zones[rng.below(3) as usize].to_string()
                    };
                    let tainted = rng.below(4) == 0;
                    let name = w.nodes[i].0.clone();
                    let labels = [
                        LabelInput {
                            key: "kubernetes.io/hostname",
                            value: &name,
                        },
                        LabelInput {
                            key: "topology.kubernetes.io/zone",
                            value: &zone,
                        },
                    ];
                    let taints = [TaintInput {
                        key: "example.com/maintenance",
                        value: &zone,
                        effect: "NoSchedule",
                    }];
                    e.upsert_node(
                        Some(node_ids[i]),
                        &node_input(&labels, &taints, &name, tainted),
                    );
                    w.nodes[i] = (name, zone, tainted);
                }
                // A DaemonSet's nodeSelector changes, or it is removed and added again.
                _ => {
                    let k = rng.below(2) as usize;
                    let zone = format!("zone-{step}");
                    let zone_label = [LabelInput {
                        key: "topology.kubernetes.io/zone",
                        value: &zone,
                    }];
                    let name = w.sets[k].0.clone();
                    let app = [LabelInput {
                        key: "app",
                        value: &name,
                    }];
                    match set_ids[k] {
                        Some(id) if rng.below(3) == 0 => {
                            e.remove_daemon_set(id).unwrap();
                            set_ids[k] = None;
                            // Its pods go with it (the garbage collector's part).
                            while let Some(i) = w.pods.iter().position(|p| p.3 == k) {
                                e.remove_pod(pod_ids.remove(i)).unwrap();
                                w.pods.remove(i);
                            }
                        }
                        Some(id) => {
                            e.update_daemon_set(id, &set_input(&name, &zone_label, &app))
                                .unwrap();
                            w.sets[k].1 = zone;
                        }
                        None => {
                            set_ids[k] = Some(e.set(&set_input(&name, &zone_label, &app)));
                            w.sets[k].1 = zone;
                        }
                    }
                }
            }
            e.check_holders().unwrap();
        }
        // Only the live DaemonSets go into the fresh engine.
        let mut live = w.clone();
        let keep: Vec<usize> = (0..set_ids.len())
            .filter(|&k| set_ids[k].is_some())
            .collect();
        live.sets = keep.iter().map(|&k| w.sets[k].clone()).collect();
        live.pods = w
            .pods
            .iter()
            .map(|(a, b, c, k)| {
                (
                    a.clone(),
                    b.clone(),
                    c.clone(),
                    keep.iter().position(|x| x == k).unwrap(),
                )
            })
            .collect();
        let mut fresh = load_fresh(&live);
        assert_eq!(e.usage(), fresh.usage(), "seed {seed}");
        assert_eq!(answers(&mut e), answers(&mut fresh), "seed {seed}");
        // A snapshot holds what is live: the same strings and pool entries as the
        // fresh one's. Objects keep their ids, so a free slot below the last one
        // costs a byte, and positions in pools may take another varint width:
        // within a few dozen bytes, where a single garbage string would add 12
        // bytes and its text.
        let mut a = vec![0u8; TinyEngine::max_snapshot_size()];
        let mut b = vec![0u8; TinyEngine::max_snapshot_size()];
        let na = e.snapshot(&mut a).unwrap();
        let nb = fresh.snapshot(&mut b).unwrap();
        assert!(
            na.abs_diff(nb) < 32,
            "seed {seed}: snapshot sizes {na} and {nb}"
        );
        let mut restored = Box::new(TinyEngine::new());
        restored.restore(&a[..na]).unwrap();
        restored.check_holders().unwrap();
        assert_eq!(restored.usage(), fresh.usage(), "seed {seed}");
    }
}

/// The report of issue 11: one node, one DaemonSet, and a pod restarting with a fresh
/// name and uid every time. The gateway engine filled after 61 restarts before
/// strings were reclaimed; now its usage stays flat.
#[test]
fn a_gateway_survives_a_hundred_thousand_pod_restarts() {
    let mut e = Box::new(GatewayEngine::new());
    add_node(&mut *e, "edge-gw-01", "factory-7", false);
    let zone = [LabelInput {
        key: "topology.kubernetes.io/zone",
        value: "factory-7",
    }];
    let app = [LabelInput {
        key: "app",
        value: "fluentd",
    }];
    e.set(&set_input("fluentd", &zone, &app));
    let mut last = None;
    let mut after_first = None;
    for i in 0..100_000u32 {
        if let Some(id) = last.take() {
            e.remove_pod(id).unwrap();
        }
        let name = format!("fluentd-{i:08x}");
        let uid = format!("3f1d2c0e-{i:08x}");
        last = Some(add_pod(&mut *e, &name, &uid, "edge-gw-01", "fluentd"));
        if i == 0 {
            after_first = Some(e.usage());
        }
    }
    assert_eq!(Some(e.usage()), after_first);
    e.check_holders().unwrap();
    // The most ever held: one pod at a time, and its two fresh strings beside the
    // rest.
    let high = e.high_water();
    assert_eq!(high.pods, 1);
    assert_eq!(high.strings, e.usage().strings);
    let strings = e.table_usage()[3];
    assert_eq!(strings.table, dsr_core::error::Table::Strings);
    assert_eq!((strings.used, strings.capacity), (e.usage().strings, 144));
}

#[path = "support/soak.rs"]
mod soak;

/// The README's profiles through a compressed life (`scripts/soak.sh` runs ten
/// million events): at the end the engine holds what a fresh load of the live
/// objects holds (the failed-pod backoff, controller memory, aside), with the same
/// placements.
fn soak_and_compare<
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
    nodes: usize,
    sets: usize,
    events: u64,
) {
    let mut e: Box<Engine<N, S, P, ST, B, L, R, T, TE, BO>> = Box::default();
    let mut life = soak::Soak::new(7, &mut *e, nodes, sets);
    life.run(&mut *e, events);
    e.check_holders().unwrap();
    let mut fresh: Box<Engine<N, S, P, ST, B, L, R, T, TE, BO>> = Box::default();
    life.load_fresh(&mut *fresh);
    let (mut a, mut b) = (e.usage(), fresh.usage());
    (a.backoff, b.backoff) = (0, 0);
    assert_eq!(a, b, "{:?}", life.report);
    assert_eq!(soak::Soak::placements(&*e), soak::Soak::placements(&*fresh));
    assert!(life.report.pods_created > events / 20, "{:?}", life.report);
}

#[test]
fn a_gateway_lives_through_pod_churn_rollouts_and_label_moves() {
    soak_and_compare::<1, 16, 32, 144, 2816, 144, 36, 8, 8, 16>(1, 6, 20_000);
}

#[test]
fn the_default_libdsr_profile_lives_through_the_same() {
    soak_and_compare::<64, 32, 256, 1024, 32768, 2048, 512, 512, 512, 256>(16, 6, 20_000);
}
