//! Pools with holes: a freed span is left where it is, taken by the next object
//! that fits, and squeezed out when a pool's end is reached. Whatever the pools
//! went through, an engine answers as one freshly loaded with the same objects,
//! reports the live entries as used, and snapshots only them.

use dsr_core::input::{
    DaemonSetInput, LabelInput, LabelSelectorInput, NodeInput, NodeSelectorTermInput, PodInput,
    RequirementInput, TaintInput, TolerationInput,
};
use dsr_core::{Engine, Error, NodeId, SetId};

/// Room for 4 nodes of up to 6 labels and 2 taints, 6 pods of up to 4 labels, two
/// DaemonSets, and the largest object stored once more while its old version is
/// still held (an update builds the new one first): labels 4 * 6 + 6 * 4 + 2 * 3 +
/// 6 = 60; taints 4 * 2 + 2. Rules and terms hold the two DaemonSets with the
/// largest affinity below (each: a selector of 2 requirements, 4 terms of up to 2
/// expressions of up to 3 values and 1 field requirement, 3 tolerations), once
/// more while updating.
type Fitted = Engine<4, 2, 6, 96, 4096, 60, 48, 10, 12>;

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

const KEYS: [&str; 6] = [
    "topology.kubernetes.io/zone",
    "kubernetes.io/arch",
    "node.kubernetes.io/instance-type",
    "example.com/rack",
    "example.com/gpu",
    "example.com/tier",
];
const VALUES: [&str; 3] = ["a", "b", "c"];
const NODES: [&str; 4] = [
    "edge-rpi4-01",
    "edge-rpi4-02",
    "edge-nuc-01",
    "yurt-edge-gw-hz01",
];
const PODS: [&str; 6] = [
    "fluentd-x7k2p",
    "fluentd-9qz4m",
    "fluentd-4hb8c",
    "node-exporter-2kx9d",
    "node-exporter-7vq3n",
    "node-exporter-p5t6w",
];

/// A node as the test holds it: which labels (key index, value index) and taints.
#[derive(Clone, Debug)]
struct OwnedNode {
    labels: Vec<(usize, usize)>,
    taints: usize,
}

/// A DaemonSet's shape: terms of affinity (expressions per term, values per
/// expression), tolerations, and the value its selector and nodeSelector want.
#[derive(Clone, Debug)]
struct Shape {
    terms: Vec<(usize, usize)>,
    tolerations: usize,
    value: usize,
}

#[derive(Clone, Debug, Default)]
struct World {
    nodes: Vec<Option<OwnedNode>>,
    /// Each pod slot: its label count and value.
    pods: Vec<Option<(usize, usize)>>,
    sets: Vec<Shape>,
}

fn labels_of(l: &[(usize, usize)]) -> Vec<LabelInput<'static>> {
    l.iter()
        .map(|&(k, v)| LabelInput {
            key: KEYS[k],
            value: VALUES[v],
        })
        .collect()
}

const TAINTS: [TaintInput<'static>; 2] = [
    TaintInput {
        key: "node.kubernetes.io/unreachable",
        value: "",
        effect: "NoExecute",
    },
    TaintInput {
        key: "example.com/metered",
        value: "true",
        effect: "NoSchedule",
    },
];

fn put_node(e: &mut Fitted, name: &str, n: &OwnedNode) -> Result<NodeId, Error> {
    let labels = labels_of(&n.labels);
    let input = NodeInput {
        name,
        labels: &labels,
        taints: &TAINTS[..n.taints],
        unschedulable: false,
    };
    match e.find_node(name) {
        Some(id) => e.update_node(id, &input).map(|()| id),
        None => e.add_node(&input),
    }
}

fn put_pod(e: &mut Fitted, name: &str, (count, value): (usize, usize)) -> Result<(), Error> {
    let labels: Vec<_> = (0..count).map(|k| (k, value)).collect();
    let labels = labels_of(&labels);
    let input = PodInput {
        name,
        namespace: "kube-system",
        uid: name,
        labels: &labels,
        node_name: NODES[count % NODES.len()],
        phase: "Running",
        ..Default::default()
    };
    match e.find_pod("kube-system", name) {
        Some(id) => e.update_pod(id, &input),
        None => e.add_pod(&input).map(|_| ()),
    }
}

fn put_set(e: &mut Fitted, name: &str, s: &Shape) -> Result<SetId, Error> {
    let want = [LabelInput {
        key: KEYS[0],
        value: VALUES[s.value],
    }];
    let selector = [RequirementInput {
        key: "app",
        operator: "In",
        values: &[name],
    }];
    let values: Vec<Vec<&str>> = s.terms.iter().map(|&(_, v)| VALUES[..v].to_vec()).collect();
    let expressions: Vec<Vec<RequirementInput<'_>>> = s
        .terms
        .iter()
        .zip(&values)
        .map(|(&(n, _), values)| {
            (0..n)
                .map(|k| RequirementInput {
                    key: KEYS[k + 1],
                    operator: if values.is_empty() { "Exists" } else { "In" },
                    values,
                })
                .collect()
        })
        .collect();
    let fields = [RequirementInput {
        key: "metadata.name",
        operator: "NotIn",
        values: &[NODES[3]],
    }];
    let terms: Vec<NodeSelectorTermInput<'_>> = expressions
        .iter()
        .map(|x| NodeSelectorTermInput {
            match_expressions: x,
            match_fields: &fields,
        })
        .collect();
    let tolerations: Vec<TolerationInput<'_>> = TAINTS[..s.tolerations.min(2)]
        .iter()
        .map(|t| TolerationInput {
            key: t.key,
            operator: "Exists",
            effect: t.effect,
            ..Default::default()
        })
        .chain((2..s.tolerations).map(|_| TolerationInput {
            key: "example.com/maintenance",
            operator: "Exists",
            ..Default::default()
        }))
        .collect();
    let app = [LabelInput {
        key: "app",
        value: name,
    }];
    let input = DaemonSetInput {
        name,
        namespace: "kube-system",
        uid: name,
        selector: Some(LabelSelectorInput {
            match_labels: &app,
            match_expressions: &selector,
        }),
        template_labels: &app,
        node_selector: &want,
        required_node_affinity: if terms.is_empty() { None } else { Some(&terms) },
        tolerations: &tolerations,
        ..Default::default()
    };
    match e.find_daemon_set("kube-system", name) {
        Some(id) => e.update_daemon_set(id, &input).map(|()| id),
        None => e.add_daemon_set(&input),
    }
}

const SETS: [&str; 2] = ["fluentd", "node-exporter"];

/// Loads the live objects of `w` into a new engine.
fn fresh(w: &World) -> Box<Fitted> {
    let mut e = Box::new(Fitted::new());
    for (i, n) in w.nodes.iter().enumerate() {
        if let Some(n) = n {
            put_node(&mut e, NODES[i], n).unwrap();
        }
    }
    for (i, s) in w.sets.iter().enumerate() {
        put_set(&mut e, SETS[i], s).unwrap();
    }
    for (i, p) in w.pods.iter().enumerate() {
        if let Some(p) = p {
            put_pod(&mut e, PODS[i], *p).unwrap();
        }
    }
    e
}

/// What a user of the engine sees: every node's labels and taints as text, every
/// pod's labels, and each DaemonSet's placement on each node, by name.
fn answers(e: &Fitted) -> Vec<String> {
    let mut out = Vec::new();
    for name in NODES {
        let Some(id) = e.find_node(name) else {
            continue;
        };
        let n = e.node(id).unwrap();
        let mut labels: Vec<_> = e
            .node_labels(n)
            .iter()
            .map(|l| format!("{}={}", e.text(l.key), e.text(l.value)))
            .collect();
        labels.sort();
        let taints: Vec<_> = e.node_taints(n).iter().map(|t| e.text(t.key)).collect();
        out.push(format!("{name}: {labels:?} {taints:?}"));
        for set in SETS {
            let s = e.find_daemon_set("kube-system", set).unwrap();
            out.push(format!("  {set}: {:?}", e.fit(s, id).unwrap()));
        }
    }
    for name in PODS {
        if let Some(id) = e.find_pod("kube-system", name) {
            let p = e.pod(id).unwrap();
            let mut labels: Vec<_> = e
                .pod_labels(p)
                .iter()
                .map(|l| format!("{}={}", e.text(l.key), e.text(l.value)))
                .collect();
            labels.sort();
            out.push(format!("{name}: {labels:?}"));
        }
    }
    out
}

fn random_node(r: &mut Rng) -> OwnedNode {
    // Distinct keys, 1 to 6 of them (mostly many, so that the pool's end is
    // reached often), with the zone (what nodeSelectors want) first.
    let count = 6 - (r.below(6) * r.below(6) / 5) as usize;
    OwnedNode {
        labels: (0..count).map(|k| (k, r.below(3) as usize)).collect(),
        taints: r.below(3) as usize,
    }
}

fn random_shape(r: &mut Rng) -> Shape {
    Shape {
        terms: (0..r.below(5))
            .map(|_| (r.below(3) as usize, r.below(4) as usize))
            .collect(),
        tolerations: r.below(4) as usize,
        value: r.below(3) as usize,
    }
}

/// Thousands of updates of a fitted engine, with label sets, taints, pods and
/// DaemonSet shapes of every size: the pools' ends are reached again and again,
/// holes are taken and compacted, and after every step the engine answers,
/// counts and snapshots as a fresh one loaded with the same objects.
#[test]
fn a_fitted_engine_churned_with_objects_of_every_size_answers_as_a_fresh_one() {
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let mut w = World {
        nodes: vec![None; NODES.len()],
        pods: vec![None; PODS.len()],
        sets: Vec::new(),
    };
    let mut e = Box::new(Fitted::new());
    for (i, name) in SETS.iter().enumerate() {
        let s = random_shape(&mut r);
        put_set(&mut e, name, &s).unwrap();
        assert_eq!(w.sets.len(), i);
        w.sets.push(s);
    }
    let mut snapshot = vec![0u8; Fitted::max_snapshot_size()];
    let mut again = vec![0u8; Fitted::max_snapshot_size()];
    for step in 0..1500 {
        // Few removals: the pools stay near full, so their ends are reached.
        match r.below(20) {
            0..=8 => {
                let i = r.below(NODES.len() as u64) as usize;
                let n = random_node(&mut r);
                put_node(&mut e, NODES[i], &n).unwrap_or_else(|err| panic!("step {step}: {err}"));
                w.nodes[i] = Some(n);
            }
            9 => {
                let i = r.below(NODES.len() as u64) as usize;
                if let Some(id) = e.find_node(NODES[i]) {
                    e.remove_node(id).unwrap();
                    w.nodes[i] = None;
                }
            }
            10..=16 => {
                let i = r.below(PODS.len() as u64) as usize;
                let p = (
                    4 - (r.below(4) * r.below(4) / 3) as usize,
                    r.below(3) as usize,
                );
                put_pod(&mut e, PODS[i], p).unwrap_or_else(|err| panic!("step {step}: {err}"));
                w.pods[i] = Some(p);
            }
            17 => {
                let i = r.below(PODS.len() as u64) as usize;
                if let Some(id) = e.find_pod("kube-system", PODS[i]) {
                    e.remove_pod(id).unwrap();
                    w.pods[i] = None;
                }
            }
            _ => {
                let i = r.below(SETS.len() as u64) as usize;
                let s = random_shape(&mut r);
                put_set(&mut e, SETS[i], &s).unwrap_or_else(|err| panic!("step {step}: {err}"));
                w.sets[i] = s;
            }
        }
        let f = fresh(&w);
        assert_eq!(answers(&e), answers(&f), "step {step}: {w:?}");
        assert_eq!(e.usage(), f.usage(), "step {step}");
        // A snapshot carries the live entries only, and restores to an engine
        // that answers the same and writes the same bytes.
        let n = e.snapshot(&mut snapshot).unwrap();
        let mut back = Box::new(Fitted::new());
        back.restore(&snapshot[..n]).unwrap();
        assert_eq!(answers(&back), answers(&e), "step {step}");
        assert_eq!(back.usage(), e.usage(), "step {step}");
        let m = back.snapshot(&mut again).unwrap();
        assert_eq!(again[..m], snapshot[..n], "step {step}");
    }
    e.check_holders().unwrap();
}

type Six = Engine<4, 1, 4, 32, 1024, 6, 8>;

fn node(e: &mut Six, name: &str, values: &[&'static str]) -> Result<NodeId, Error> {
    let labels: Vec<_> = values
        .iter()
        .zip(KEYS)
        .map(|(&value, key)| LabelInput { key, value })
        .collect();
    e.add_node(&NodeInput {
        name,
        labels: &labels,
        ..Default::default()
    })
}

fn label_text(e: &Six, name: &str) -> Vec<String> {
    let n = e.node(e.find_node(name).unwrap()).unwrap();
    let mut labels: Vec<_> = e
        .node_labels(n)
        .iter()
        .map(|l| format!("{}={}", e.text(l.key), e.text(l.value)))
        .collect();
    // Stored by key symbol: the order of the text is the test's.
    labels.sort();
    labels
}

/// The pool is full to its end with a hole below: the node stored next does not
/// fit at the end, so the pool is compacted (the later node's labels move down)
/// and the node stored.
#[test]
fn a_node_that_needs_the_hole_of_a_removed_one_is_stored_after_compacting() {
    let mut e = Box::new(Six::new());
    let a = node(&mut e, "edge-rpi4-01", &["a", "b"]).unwrap();
    node(&mut e, "edge-rpi4-02", &["b", "c"]).unwrap();
    node(&mut e, "edge-nuc-01", &["c"]).unwrap();
    e.remove_node(a).unwrap();
    let before = label_text(&e, "edge-rpi4-02");
    assert_eq!(e.usage().labels, 3);
    node(&mut e, "yurt-edge-gw-hz01", &["a", "a", "c"]).unwrap();
    assert_eq!(label_text(&e, "edge-rpi4-02"), before);
    assert_eq!(
        label_text(&e, "yurt-edge-gw-hz01"),
        [
            "kubernetes.io/arch=a",
            "node.kubernetes.io/instance-type=c",
            "topology.kubernetes.io/zone=a"
        ]
    );
    assert_eq!(
        label_text(&e, "edge-nuc-01"),
        ["topology.kubernetes.io/zone=c"]
    );
    assert_eq!(e.usage().labels, 6);
    e.check_holders().unwrap();
}

/// A node too large for the pool even without its holes is refused with the
/// pool's capacity, and every answer stays as it was (the compaction it caused
/// moved entries, not what any object holds).
#[test]
fn a_node_that_does_not_fit_even_after_compacting_changes_no_answer() {
    let mut e = Box::new(Six::new());
    let a = node(&mut e, "edge-rpi4-01", &["a", "b"]).unwrap();
    node(&mut e, "edge-rpi4-02", &["b", "c"]).unwrap();
    node(&mut e, "edge-nuc-01", &["c"]).unwrap();
    e.remove_node(a).unwrap();
    let before = (
        label_text(&e, "edge-rpi4-02"),
        label_text(&e, "edge-nuc-01"),
        e.usage(),
    );
    assert_eq!(
        node(&mut e, "yurt-edge-gw-hz01", &["a", "b", "c", "a"]),
        Err(Error::Full {
            table: dsr_core::error::Table::Labels,
            capacity: 6
        })
    );
    assert_eq!(e.find_node("yurt-edge-gw-hz01"), None);
    let after = (
        label_text(&e, "edge-rpi4-02"),
        label_text(&e, "edge-nuc-01"),
        e.usage(),
    );
    assert_eq!(after, before);
    // What fits still goes in.
    node(&mut e, "yurt-edge-gw-hz01", &["a", "b", "c"]).unwrap();
    assert_eq!(e.usage().labels, 6);
    e.check_holders().unwrap();
}

/// Removing a pod frees its labels where they are: no other object's labels
/// move, and the next pod of as many labels takes their place, so the pool's end
/// does not grow with pod restarts. (The firmware build, `compact`, cuts freed
/// spans out instead, moving later ones: less code.)
#[cfg(not(feature = "compact"))]
#[test]
fn a_restarted_pod_takes_the_labels_place_of_the_one_it_replaces() {
    let mut e = Box::new(dsr_core::TinyEngine::new());
    let app = [
        LabelInput {
            key: "app",
            value: "fluentd",
        },
        LabelInput {
            key: "controller-revision-hash",
            value: "5f7c8d9b6",
        },
    ];
    let pod = |name| PodInput {
        name,
        namespace: "kube-system",
        uid: name,
        labels: &app,
        node_name: "edge-rpi4-01",
        phase: "Running",
        ..Default::default()
    };
    let first = e.add_pod(&pod("fluentd-x7k2p")).unwrap();
    let other = e.add_pod(&pod("fluentd-9qz4m")).unwrap();
    let (where_first, where_other) = (e.pod(first).unwrap().labels, e.pod(other).unwrap().labels);
    let names = [
        "fluentd-4hb8c",
        "fluentd-2kx9d",
        "fluentd-7vq3n",
        "fluentd-p5t6w",
    ];
    let mut last = first;
    for name in names.iter().cycle().take(1000) {
        e.remove_pod(last).unwrap();
        assert_eq!(e.pod(other).unwrap().labels, where_other);
        last = e.add_pod(&pod(name)).unwrap();
        assert_eq!(e.pod(last).unwrap().labels, where_first);
    }
    let usage = e.usage();
    assert_eq!((usage.pods, usage.labels), (2, 4));
    assert_eq!(e.high_water().labels, 4);
}
