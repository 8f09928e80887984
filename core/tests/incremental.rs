//! Incremental re-evaluation: the engine keeps every (DaemonSet, node)
//! placement and refreshes only what a change touches. After random sequences
//! of changes (node labels, taints and `unschedulable`, nodes added, renamed and
//! removed, DaemonSets added, updated and removed with other `nodeSelector`,
//! affinity terms and tolerations), every kept placement (`Engine::fit`) must be
//! what a fresh evaluation (`Engine::placement`) gives, and an engine built from
//! scratch from the same objects must give the same placements and plan the same
//! syncs.
//!
//! A seeded xorshift generator keeps runs reproducible (`DSR_INCREMENTAL_SEEDS`
//! sets how many sequences run).

use dsr_core::input::{
    DaemonSetInput, LabelInput, LabelSelectorInput, NodeInput, NodeSelectorTermInput,
    RequirementInput, TaintInput, TolerationInput,
};
use dsr_core::sync::Plan;
use dsr_core::{Engine, NodeId, SetId, Timestamp};

type E = Engine<8, 4, 8, 512, 16384, 512, 128>;

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
    fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[self.below(from.len())]
    }
}

fn leak<T>(v: Vec<T>) -> &'static [T] {
    Box::leak(v.into_boxed_slice())
}

const KEYS: [&str; 4] = ["zone", "tier", "kubernetes.io/arch", "gpu-count"];
const VALUES: [&str; 5] = ["a", "b", "amd64", "3", "10"];
const NAMES: [&str; 10] = [
    "node-0", "node-1", "node-2", "node-3", "node-4", "node-5", "node-6", "node-7", "node-8",
    "node-9",
];
const TAINTS: [(&str, &str, &str); 5] = [
    ("dedicated", "gpu", "NoSchedule"),
    ("dedicated", "gpu", "NoExecute"),
    ("maintenance", "", "NoSchedule"),
    ("node.kubernetes.io/unschedulable", "", "NoSchedule"),
    ("node.kubernetes.io/not-ready", "", "NoExecute"),
];

fn labels(r: &mut Rng) -> &'static [LabelInput<'static>] {
    let mut v: Vec<LabelInput<'static>> = Vec::new();
    for key in KEYS {
        if r.chance(55) {
            v.push(LabelInput {
                key,
                value: r.pick(&VALUES),
            });
        }
    }
    leak(v)
}

fn node(r: &mut Rng, name: &'static str) -> NodeInput<'static> {
    let taints: Vec<TaintInput<'static>> = TAINTS
        .iter()
        .filter(|_| r.chance(20))
        .map(|&(key, value, effect)| TaintInput { key, value, effect })
        .collect();
    NodeInput {
        name,
        labels: labels(r),
        taints: leak(taints),
        unschedulable: r.chance(15),
    }
}

fn requirement(r: &mut Rng) -> RequirementInput<'static> {
    let op = r.pick(&["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"]);
    let values: &'static [&'static str] = match op {
        "In" | "NotIn" => leak((0..1 + r.below(2)).map(|_| r.pick(&VALUES)).collect()),
        "Gt" | "Lt" => leak(vec![r.pick(&["2", "5", "-1"])]),
        _ => &[],
    };
    RequirementInput {
        key: r.pick(&KEYS),
        operator: op,
        values,
    }
}

fn daemon_set(r: &mut Rng, name: &'static str) -> DaemonSetInput<'static> {
    let app = leak(vec![LabelInput {
        key: "app",
        value: name,
    }]);
    let mut node_selector: Vec<LabelInput<'static>> = Vec::new();
    for key in KEYS {
        if r.chance(20) {
            node_selector.push(LabelInput {
                key,
                value: r.pick(&VALUES),
            });
        }
    }
    let affinity = if r.chance(50) {
        let terms: Vec<NodeSelectorTermInput<'static>> = (0..1 + r.below(2))
            .map(|_| {
                let exprs: Vec<_> = (0..r.below(3)).map(|_| requirement(r)).collect();
                let fields: &'static [RequirementInput<'static>] = if r.chance(20) {
                    leak(vec![RequirementInput {
                        key: "metadata.name",
                        operator: r.pick(&["In", "NotIn"]),
                        values: leak(vec![r.pick(&NAMES)]),
                    }])
                } else {
                    &[]
                };
                NodeSelectorTermInput {
                    match_expressions: leak(exprs),
                    match_fields: fields,
                }
            })
            .collect();
        Some(leak(terms))
    } else {
        None
    };
    let mut tolerations: Vec<TolerationInput<'static>> = Vec::new();
    for &(key, value, effect) in &TAINTS {
        if !r.chance(25) {
            continue;
        }
        tolerations.push(if r.chance(50) {
            TolerationInput {
                key,
                operator: "Exists",
                effect: r.pick(&[effect, ""]),
                ..Default::default()
            }
        } else {
            TolerationInput {
                key,
                operator: "Equal",
                value,
                effect,
                ..Default::default()
            }
        });
    }
    DaemonSetInput {
        name,
        namespace: "kube-system",
        uid: name,
        selector: Some(LabelSelectorInput {
            match_labels: app,
            match_expressions: &[],
        }),
        template_labels: app,
        node_selector: leak(node_selector),
        required_node_affinity: affinity,
        tolerations: leak(tolerations),
        node_name: if r.chance(5) { r.pick(&NAMES) } else { "" },
        host_network: r.chance(20),
        generation: 1,
        revision_hash: "rev1",
        ..Default::default()
    }
}

/// The objects the engine should hold, by id.
#[derive(Default)]
struct Model {
    nodes: Vec<(NodeId, NodeInput<'static>)>,
    sets: Vec<(SetId, DaemonSetInput<'static>)>,
}

/// A plan as text, with names instead of ids and symbols.
fn plan_text(e: &E, plan: &Plan<16>) -> String {
    let creates: Vec<String> = plan
        .creates
        .iter()
        .map(|c| format!("{}:{:?}", e.text(c.node_name), c.reason))
        .collect();
    format!(
        "{:?} creates {creates:?} deletes {} status {:?} requeue {:?} rollout {:?}",
        plan.outcome,
        plan.deletes.len(),
        plan.status,
        plan.requeue_after,
        plan.rollout
    )
}

/// Placements and plans by names, for comparing two engines.
fn observe(e: &E) -> Vec<String> {
    let mut out = Vec::new();
    for (sid, s) in e.daemon_sets() {
        for (nid, n) in e.nodes() {
            let fit = e.fit(sid, nid).unwrap();
            let p = e.placement(s, n);
            assert_eq!(
                (fit.should_run, fit.should_continue_running),
                (p.should_run, p.should_continue_running),
                "kept placement of {} on {} is stale",
                e.text(s.name),
                e.text(n.name)
            );
            out.push(format!(
                "{} {} {} {}",
                e.text(s.name),
                e.text(n.name),
                fit.should_run,
                fit.should_continue_running
            ));
        }
        let mut twin = e.clone();
        let mut plan: Plan<16> = Plan::new();
        twin.sync(sid, Timestamp(1_709_290_800), &mut plan).unwrap();
        out.push(format!("{} {}", e.text(s.name), plan_text(&twin, &plan)));
    }
    out.sort();
    out
}

fn fresh(m: &Model) -> Box<E> {
    let mut e: Box<E> = Box::default();
    for (_, n) in &m.nodes {
        e.add_node(n).unwrap();
    }
    for (_, s) in &m.sets {
        e.add_daemon_set(s).unwrap();
    }
    e
}

#[test]
fn kept_placements_equal_a_fresh_evaluation_and_a_rebuild() {
    let seeds: u64 = std::env::var("DSR_INCREMENTAL_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let mut changes = 0usize;
    for seed in 1..=seeds {
        let mut r = Rng(seed.wrapping_mul(0x2545_F491_4F6C_DD1D) | 1);
        let mut e: Box<E> = Box::default();
        let mut m = Model::default();
        for step in 0..30 {
            let ok = match r.below(10) {
                0 | 1 => {
                    let name = r.pick(&NAMES);
                    let input = node(&mut r, name);
                    e.add_node(&input).map(|id| m.nodes.push((id, input)))
                }
                2..=4 if !m.nodes.is_empty() => {
                    // Labels, taints, unschedulable; sometimes a new name.
                    let i = r.below(m.nodes.len());
                    let (id, old) = m.nodes[i];
                    let name = if r.chance(15) {
                        r.pick(&NAMES)
                    } else {
                        old.name
                    };
                    let input = node(&mut r, name);
                    e.update_node(id, &input).map(|()| m.nodes[i].1 = input)
                }
                5 if !m.nodes.is_empty() => {
                    let i = r.below(m.nodes.len());
                    let (id, _) = m.nodes.remove(i);
                    e.remove_node(id)
                }
                6 | 7 => {
                    let name = r.pick(&["ds-a", "ds-b", "ds-c", "ds-d", "ds-e"]);
                    let input = daemon_set(&mut r, name);
                    e.add_daemon_set(&input).map(|id| m.sets.push((id, input)))
                }
                8 if !m.sets.is_empty() => {
                    let i = r.below(m.sets.len());
                    let (id, old) = m.sets[i];
                    let input = daemon_set(&mut r, old.name);
                    e.update_daemon_set(id, &input)
                        .map(|()| m.sets[i].1 = input)
                }
                9 if !m.sets.is_empty() => {
                    let i = r.below(m.sets.len());
                    let (id, _) = m.sets.remove(i);
                    e.remove_daemon_set(id)
                }
                _ => continue,
            };
            // A duplicate name or a full table changes nothing.
            if let Err(err) = ok {
                assert!(
                    matches!(
                        err,
                        dsr_core::Error::Duplicate(_) | dsr_core::Error::Full { .. }
                    ),
                    "seed {seed} step {step}: {err:?}"
                );
                continue;
            }
            changes += 1;
            let got = observe(&e);
            let want = observe(&fresh(&m));
            assert_eq!(
                got, want,
                "seed {seed} step {step}: engine and rebuild differ"
            );
        }
    }
    assert!(changes > seeds as usize * 10, "too few changes: {changes}");
}
