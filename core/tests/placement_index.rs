//! Placement reads data the engine derives when nodes and DaemonSets are stored: each
//! node's row of label values for the keys DaemonSets select by, each node-affinity
//! requirement's key slot, and which automatic tolerations cover each of a node's
//! taints (and so which taints may keep a daemon pod off at all). That data only
//! saves work: for every (DaemonSet, node) pair of the bench clusters and of the
//! bundled manifests, placement with it must equal placement without it (a node
//! record whose rows are unknown, so every label is searched for and every
//! toleration tried), and the placement bits the engine keeps must agree. The
//! decision without the reason (`Engine::evaluate_fit`) must be the placement's, and
//! the reason worked out apart on a "no" must name a rule that says no. The
//! decisions of a DaemonSet on 64 nodes at once (`Engine::evaluate_fit_block`) must
//! be the same, one by one, and a free node slot has none.

use dsr_core::taint::TaintEffect;
use dsr_core::{Engine, Node, Reason};

#[cfg(feature = "json")]
#[path = "support/cluster.rs"]
mod cluster;

/// Checks every pair; returns how many pairs were checked and how many run.
fn check_every_pair<
    const NODES: usize,
    const SETS: usize,
    const PODS: usize,
    const STRINGS: usize,
    const BYTES: usize,
    const LABELS: usize,
    const RULES: usize,
    const TAINTS: usize,
    const TERMS: usize,
    const BACKOFF: usize,
>(
    e: &Engine<NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES, TAINTS, TERMS, BACKOFF>,
) -> (usize, usize) {
    let (mut pairs, mut runs) = (0, 0);
    for (si, s) in e.daemon_sets() {
        for b in 0..e.node_blocks() + 1 {
            for (ni, fit) in e.evaluate_fit_block(s, b).fits(b) {
                let one = e.node(ni).map(|n| e.evaluate_fit(s, n));
                assert_eq!(fit, one.unwrap_or_default(), "{si:?} on {ni:?}");
            }
        }
        for (ni, n) in e.nodes() {
            let bare = Node {
                keys: Default::default(),
                taint_row: Default::default(),
                ..*n
            };
            let p = e.placement(s, n);
            assert_eq!(p, e.placement(s, &bare), "{si:?} on {ni:?}");
            // The decision without the reason is the placement's.
            let decided = e.evaluate_fit(s, n);
            assert_eq!(decided, e.evaluate_fit(s, &bare), "{si:?} on {ni:?}");
            assert_eq!(
                (decided.should_run, decided.should_continue_running),
                (p.should_run, p.should_continue_running),
                "{si:?} on {ni:?}"
            );
            // The reason, worked out apart on a "no", names a rule that says so.
            let continues = match p.reason {
                Reason::Eligible => {
                    assert!(p.should_run, "{si:?} on {ni:?}");
                    true
                }
                Reason::UntoleratedTaint(t) => t.effect != TaintEffect::NoExecute,
                _ => false,
            };
            assert!(
                p.reason == Reason::Eligible || !p.should_run,
                "{si:?} on {ni:?}"
            );
            assert_eq!(p.should_continue_running, continues, "{si:?} on {ni:?}");
            let fit = e.fit(si, ni).expect("both exist");
            assert_eq!(
                (fit.should_run, fit.should_continue_running),
                (p.should_run, p.should_continue_running),
                "{si:?} on {ni:?}"
            );
            pairs += 1;
            runs += usize::from(p.should_run);
        }
    }
    (pairs, runs)
}

#[cfg(feature = "json")]
#[test]
fn bench_clusters() {
    for (file, pairs) in [("cluster-1k.json", 20_000), ("cluster-5k.json", 250_000)] {
        let data = cluster::load(&cluster::bench_path(file));
        let (checked, runs) = cluster::on_big_stack(move || {
            let mut e: Box<cluster::BenchEngine> = Box::new(cluster::BenchEngine::new());
            cluster::fill(&mut e, &data);
            check_every_pair(&*e)
        });
        assert_eq!(checked, pairs, "{file}");
        assert!(runs > 0 && runs < pairs, "{file}: {runs}");
    }
}

#[cfg(feature = "json")]
#[test]
fn manifests() {
    let mut e: Box<dsr_core::SmallClusterEngine> = Box::default();
    for (_, n) in cluster::manifests("nodes") {
        e.apply(&cluster::json(&n), &mut cluster::scratch())
            .expect("node");
    }
    for (_, d) in cluster::manifests("daemonsets") {
        let set = cluster::set(d, "default");
        e.apply(
            &cluster::json(&cluster::set_object(&set)),
            &mut cluster::scratch(),
        )
        .expect("daemon set");
    }
    let (pairs, runs) = check_every_pair(&*e);
    assert_eq!(pairs, 17 * 18);
    assert!(runs > 0 && runs < pairs, "{runs}");
}

/// The automatic tolerations' keys are interned when the first DaemonSet is added
/// (and may change after `clear`): nodes stored before then must not keep what
/// was worked out for them with other keys.
#[test]
fn nodes_stored_before_the_first_daemon_set() {
    use dsr_core::input::{DaemonSetInput, NodeInput, TaintInput, TolerationInput};
    let taints = [
        TaintInput {
            key: "example.com/maintenance",
            value: "",
            effect: "NoExecute",
        },
        TaintInput {
            key: "node.kubernetes.io/not-ready",
            value: "",
            effect: "NoExecute",
        },
        TaintInput {
            key: "dedicated",
            value: "gpu",
            effect: "NoSchedule",
        },
        TaintInput {
            key: "node.kubernetes.io/network-unavailable",
            value: "",
            effect: "NoSchedule",
        },
    ];
    let tolerate_gpu = [TolerationInput {
        key: "dedicated",
        operator: "Equal",
        value: "gpu",
        effect: "NoSchedule",
        toleration_seconds: None,
    }];
    let mut e: Box<dsr_core::TinyEngine> = Box::default();
    for round in 0..2 {
        for (i, n) in ["a", "b", "c", "d"].iter().enumerate() {
            e.add_node(&NodeInput {
                name: n,
                taints: taints.get(i..).unwrap_or(&[]),
                ..Default::default()
            })
            .expect("node");
        }
        for (name, host_network, tolerations) in [
            ("plain", false, &[][..]),
            ("host", true, &[][..]),
            ("gpu", true, &tolerate_gpu[..]),
        ] {
            e.add_daemon_set(&DaemonSetInput {
                name,
                namespace: "kube-system",
                host_network,
                tolerations,
                ..Default::default()
            })
            .expect("daemon set");
        }
        let (pairs, runs) = check_every_pair(&*e);
        assert_eq!((pairs, runs), (12, 4), "round {round}");
        e.clear();
    }
}

/// Judging 64 nodes at a time takes other roads than one pair at a time: keys
/// beyond the row slots (searched node by node), free node slots inside a block,
/// more than one block, `nodeName`, `matchFields`, invalid terms, `Gt`/`Lt` on
/// values that are no integers, and taints only some DaemonSets tolerate. Every
/// answer must still be the one-pair answer.
#[test]
fn blocks_take_every_road_to_the_same_answers() {
    use dsr_core::input::{
        DaemonSetInput, LabelInput, NodeInput, NodeSelectorTermInput, RequirementInput, TaintInput,
        TolerationInput,
    };
    type E = dsr_core::Engine<160, 40, 16, 1024, 32768, 8192, 1024>;
    let mut e: Box<E> = Box::default();
    // 24 label keys: more than the 16 row slots, so some are searched.
    let keys: Vec<String> = (0..24)
        .map(|k| format!("example.com/feature-{k:02}"))
        .collect();
    let values = ["0", "1", "7", "42", "gpu", "-3", "99999999999"];
    let x = std::cell::Cell::new(0x2545_f491_4f6c_dd1d_u64);
    let next = |n: usize| {
        let mut v = x.get();
        v ^= v << 13;
        v ^= v >> 7;
        v ^= v << 17;
        x.set(v);
        (v % n as u64) as usize
    };
    let mut nodes = Vec::new();
    for i in 0..150 {
        let name = format!("edge-gw-{i:03}");
        let labels: Vec<LabelInput<'_>> = (0..24)
            .filter(|_| next(3) != 0)
            .map(|k| LabelInput {
                key: &keys[k],
                value: values[next(values.len())],
            })
            .collect();
        let taints = match next(4) {
            0 => vec![TaintInput {
                key: "dedicated",
                value: "gpu",
                effect: "NoSchedule",
            }],
            1 => vec![TaintInput {
                key: "example.com/maintenance",
                value: "",
                effect: "NoExecute",
            }],
            _ => vec![],
        };
        let id = e
            .add_node(&NodeInput {
                name: &name,
                labels: &labels,
                taints: &taints,
                unschedulable: next(10) == 0,
            })
            .expect("node");
        nodes.push(id);
    }
    // Free slots in the first blocks.
    for i in (0..150).step_by(7) {
        e.remove_node(nodes[i]).expect("stored");
    }
    let ops = ["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt", "Bogus"];
    let tolerate_gpu = [TolerationInput {
        key: "dedicated",
        operator: "Equal",
        value: "gpu",
        effect: "NoSchedule",
        toleration_seconds: None,
    }];
    for s in 0..40 {
        let name = format!("agent-{s:02}");
        let selector: Vec<LabelInput<'_>> = (0..next(3))
            .map(|_| LabelInput {
                key: &keys[next(24)],
                value: values[next(values.len())],
            })
            .collect();
        let mut exprs: Vec<Vec<RequirementInput<'_>>> = Vec::new();
        let mut value_lists: Vec<Vec<&str>> = Vec::new();
        for _ in 0..8 {
            value_lists.push(
                (0..1 + next(3))
                    .map(|_| values[next(values.len())])
                    .collect(),
            );
        }
        for t in 0..next(4) {
            exprs.push(
                (0..1 + next(3))
                    .map(|r| {
                        let op = ops[next(ops.len())];
                        let list = &value_lists[(t * 3 + r) % 8];
                        RequirementInput {
                            key: &keys[next(24)],
                            operator: op,
                            values: match op {
                                "Exists" | "DoesNotExist" => &[],
                                "Gt" | "Lt" => &list[..1],
                                _ => list,
                            },
                        }
                    })
                    .collect(),
            );
        }
        let field_value = format!("edge-gw-{:03}", next(150));
        let fields = [RequirementInput {
            key: "metadata.name",
            operator: if next(2) == 0 { "In" } else { "NotIn" },
            values: &[&field_value],
        }];
        let terms: Vec<NodeSelectorTermInput<'_>> = exprs
            .iter()
            .map(|x| NodeSelectorTermInput {
                match_expressions: x,
                match_fields: if next(3) == 0 { &fields } else { &[] },
            })
            .collect();
        let pinned = format!("edge-gw-{:03}", next(150));
        e.add_daemon_set(&DaemonSetInput {
            name: &name,
            namespace: "kube-system",
            node_selector: &selector,
            required_node_affinity: (!terms.is_empty()).then_some(&terms[..]),
            tolerations: if next(2) == 0 { &tolerate_gpu } else { &[] },
            node_name: if next(8) == 0 { &pinned } else { "" },
            ..Default::default()
        })
        .expect("daemon set");
    }
    assert!(e.node_blocks() >= 3, "{}", e.node_blocks());
    let (pairs, runs) = check_every_pair(&*e);
    assert_eq!(pairs, 40 * (150 - 150_usize.div_ceil(7)));
    assert!(runs > 0 && runs < pairs, "{runs} of {pairs}");
}
