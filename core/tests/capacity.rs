//! Every table, filled: one more insert is `Error::Full` naming that table and its
//! capacity, and the engine is exactly as it was (compared through its `Debug` form,
//! which shows every table).

use dsr_core::error::{Error, Table};
use dsr_core::input::{
    DaemonSetInput, LabelInput, LabelSelectorInput, NodeInput, NodeSelectorTermInput, PodInput,
    RequirementInput, TaintInput, TolerationInput,
};
use dsr_core::sync::Plan;
use dsr_core::{Engine, Timestamp};

const APP: [LabelInput<'static>; 1] = [LabelInput {
    key: "name",
    value: "fluentd-elasticsearch",
}];

fn fluentd(name: &'static str) -> DaemonSetInput<'static> {
    DaemonSetInput {
        name,
        namespace: "kube-system",
        uid: name,
        selector: Some(LabelSelectorInput {
            match_labels: &APP,
            match_expressions: &[],
        }),
        template_labels: &APP,
        revision_hash: "5d4f8c7b9",
        ..Default::default()
    }
}

fn node(name: &'static str) -> NodeInput<'static> {
    NodeInput {
        name,
        labels: &[LabelInput {
            key: "kubernetes.io/os",
            value: "linux",
        }],
        ..Default::default()
    }
}

/// Runs `insert` on a full engine and checks the error and that nothing changed.
fn assert_full<E: std::fmt::Debug>(
    engine: &mut E,
    table: Table,
    capacity: usize,
    insert: impl FnOnce(&mut E) -> Result<(), Error>,
) {
    let before = format!("{engine:?}");
    assert_eq!(
        insert(engine),
        Err(Error::Full {
            table,
            capacity: capacity as u32
        }),
        "{table:?}"
    );
    assert_eq!(format!("{engine:?}"), before, "{table:?}: engine changed");
}

#[test]
fn nodes_daemon_sets_and_pods_tables() {
    let mut e: Engine<2, 1, 1, 64, 2048, 64, 16> = Engine::new();
    e.add_node(&node("ip-10-0-1-23.us-west-2.compute.internal"))
        .unwrap();
    e.add_node(&node("ip-10-0-2-117.us-west-2.compute.internal"))
        .unwrap();
    assert_full(&mut e, Table::Nodes, 2, |e| {
        e.add_node(&node("worker-1")).map(drop)
    });

    e.add_daemon_set(&fluentd("fluentd-elasticsearch")).unwrap();
    assert_full(&mut e, Table::DaemonSets, 1, |e| {
        e.add_daemon_set(&fluentd("fluent-bit")).map(drop)
    });

    let pod = |name| PodInput {
        name,
        namespace: "kube-system",
        labels: &APP,
        node_name: "worker-1",
        phase: "Running",
        ..Default::default()
    };
    e.add_pod(&pod("fluentd-elasticsearch-x7k2p")).unwrap();
    assert_full(&mut e, Table::Pods, 1, |e| {
        e.add_pod(&pod("fluentd-elasticsearch-9qz4m")).map(drop)
    });
}

#[test]
fn string_tables() {
    let mut e: Engine<4, 1, 1, 3, 1024, 16, 16> = Engine::new();
    e.add_node(&node("cp-1")).unwrap(); // "cp-1", "kubernetes.io/os", "linux"
    assert_full(&mut e, Table::Strings, 3, |e| {
        e.add_node(&node("worker-1")).map(drop)
    });

    let mut e: Engine<4, 1, 1, 16, 32, 16, 16> = Engine::new();
    e.add_node(&node("cp-1")).unwrap(); // 4 + 16 + 5 = 25 bytes
    assert_full(&mut e, Table::StringBytes, 32, |e| {
        e.add_node(&node("worker-node-7")).map(drop)
    });
}

#[test]
fn label_and_taint_pools() {
    let mut e: Engine<4, 1, 1, 64, 2048, 2, 2> = Engine::new();
    e.add_node(&node("cp-1")).unwrap();
    let two = [
        LabelInput {
            key: "kubernetes.io/os",
            value: "linux",
        },
        LabelInput {
            key: "kubernetes.io/arch",
            value: "arm64",
        },
    ];
    assert_full(&mut e, Table::Labels, 2, |e| {
        e.add_node(&NodeInput {
            name: "edge-rpi4-01",
            labels: &two,
            ..Default::default()
        })
        .map(drop)
    });

    let taints = [
        TaintInput {
            key: "node-role.kubernetes.io/control-plane",
            value: "",
            effect: "NoSchedule",
        },
        TaintInput {
            key: "node.kubernetes.io/not-ready",
            value: "",
            effect: "NoExecute",
        },
        TaintInput {
            key: "node.kubernetes.io/unreachable",
            value: "",
            effect: "NoExecute",
        },
    ];
    assert_full(&mut e, Table::Taints, 2, |e| {
        e.add_node(&NodeInput {
            name: "worker-notready",
            taints: &taints,
            ..Default::default()
        })
        .map(drop)
    });
}

#[test]
fn rule_pools_of_a_daemon_set() {
    // The automatic tolerations take no room (one copy serves every DaemonSet);
    // nine of the template's own push the pool of eight over.
    let mut e: Engine<4, 2, 1, 128, 4096, 64, 8> = Engine::new();
    let keys = [
        "node-role.kubernetes.io/control-plane",
        "nvidia.com/gpu",
        "dedicated",
        "example.com/a",
        "example.com/b",
        "example.com/c",
        "example.com/d",
        "example.com/e",
        "example.com/f",
    ];
    let tolerations: Vec<TolerationInput<'_>> = keys
        .iter()
        .map(|key| TolerationInput {
            key,
            operator: "Exists",
            effect: "NoSchedule",
            ..Default::default()
        })
        .collect();
    let mut fits: Engine<4, 2, 1, 128, 4096, 64, 8> = Engine::new();
    let mut ds = fluentd("fluentd-elasticsearch");
    ds.tolerations = &tolerations[..8];
    let id = fits.add_daemon_set(&ds).unwrap();
    let stored = fits.daemon_set(id).unwrap();
    assert_eq!(fits.daemon_tolerations(stored).len(), 8 + 6);
    ds.tolerations = &tolerations;
    assert_full(&mut e, Table::Tolerations, 8, |e| {
        e.add_daemon_set(&ds).map(drop)
    });

    let values = ["us-west-2a", "us-west-2b", "us-west-2c"];
    let many = |key| RequirementInput {
        key,
        operator: "In",
        values: &values,
    };
    let exprs: Vec<RequirementInput<'_>> = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
        .into_iter()
        .map(many)
        .collect();
    let mut ds = fluentd("fluentd-elasticsearch");
    ds.selector = Some(LabelSelectorInput {
        match_labels: &APP,
        match_expressions: &exprs,
    });
    assert_full(&mut e, Table::Requirements, 8, |e| {
        e.add_daemon_set(&ds).map(drop)
    });

    let exprs = [
        many("topology.kubernetes.io/zone"),
        many("failure-domain.beta.kubernetes.io/zone"),
        many("zone"),
    ];
    let mut ds = fluentd("fluentd-elasticsearch");
    ds.selector = Some(LabelSelectorInput {
        match_labels: &APP,
        match_expressions: &exprs,
    });
    assert_full(&mut e, Table::Values, 8, |e| {
        e.add_daemon_set(&ds).map(drop)
    });

    let one = [RequirementInput {
        key: "kubernetes.io/os",
        operator: "Exists",
        values: &[],
    }];
    let terms: Vec<NodeSelectorTermInput<'_>> = (0..9)
        .map(|_| NodeSelectorTermInput {
            match_expressions: &one,
            match_fields: &[],
        })
        .collect();
    let mut ds = fluentd("fluentd-elasticsearch");
    ds.required_node_affinity = Some(&terms);
    assert_full(&mut e, Table::Terms, 8, |e| e.add_daemon_set(&ds).map(drop));

    let node_values = ["worker-1"];
    let fields: Vec<RequirementInput<'_>> = (0..9)
        .map(|_| RequirementInput {
            key: "metadata.name",
            operator: "In",
            values: &node_values,
        })
        .collect();
    let terms = [NodeSelectorTermInput {
        match_expressions: &[],
        match_fields: &fields,
    }];
    let mut ds = fluentd("fluentd-elasticsearch");
    ds.required_node_affinity = Some(&terms);
    assert_full(&mut e, Table::Fields, 8, |e| {
        e.add_daemon_set(&ds).map(drop)
    });
}

#[test]
fn a_plan_buffer_too_small_is_an_error_and_changes_nothing() {
    let mut e: Engine<4, 1, 4, 64, 2048, 64, 16> = Engine::new();
    for n in ["worker-1", "worker-2", "worker-3"] {
        e.add_node(&node(n)).unwrap();
    }
    let set = e.add_daemon_set(&fluentd("fluentd-elasticsearch")).unwrap();
    let now = Timestamp::parse_rfc3339("2026-11-28T10:00:00Z").unwrap();
    let mut small: Plan<2> = Plan::new();
    let before = format!("{e:?}");
    let err = e.sync(set, now, &mut small).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Full {
                table: Table::Output,
                capacity: 2
            }
        ),
        "{err:?}"
    );
    assert_eq!(format!("{e:?}"), before, "a failed sync changed the engine");
    let mut plan: Plan<4> = Plan::new();
    e.sync(set, now, &mut plan).unwrap();
    assert_eq!(plan.creates.len(), 3);
}

#[test]
fn over_long_strings_and_invalid_values_change_nothing() {
    use dsr_core::error::Field;
    let mut e: Engine<4, 2, 2, 64, 8192, 64, 16> = Engine::new();
    e.add_node(&node("worker-1")).unwrap();
    let long = "n".repeat(dsr_core::engine::STRING_MAX + 1);
    let before = format!("{e:?}");
    assert_eq!(
        e.add_node(&NodeInput {
            name: &long,
            ..Default::default()
        }),
        Err(Error::TooLong {
            field: Field::Name,
            max: dsr_core::engine::STRING_MAX as u32
        })
    );
    assert_eq!(format!("{e:?}"), before);

    let bad_key = [RequirementInput {
        key: "not a key",
        operator: "Exists",
        values: &[],
    }];
    let mut ds = fluentd("fluentd-elasticsearch");
    ds.selector = Some(LabelSelectorInput {
        match_labels: &APP,
        match_expressions: &bad_key,
    });
    assert!(matches!(
        e.add_daemon_set(&ds),
        Err(Error::Requirement {
            field: Field::Selector,
            ..
        })
    ));
    let unknown_op = [RequirementInput {
        key: "tier",
        operator: "Gt",
        values: &["1"],
    }];
    ds.selector = Some(LabelSelectorInput {
        match_labels: &APP,
        match_expressions: &unknown_op,
    });
    assert!(
        e.add_daemon_set(&ds).is_err(),
        "Gt is not a label-selector operator"
    );
    assert_eq!(format!("{e:?}"), before);
    assert_eq!(
        e.selector_string_matches::<4, 8>("tier in (edge", &APP),
        Err(Error::Parse(
            dsr_core::selector::syntax::ParseError::Syntax { position: 13 }
        ))
    );
    assert_eq!(format!("{e:?}"), before);
}

#[test]
fn clear_leaves_an_engine_equal_to_a_new_one() {
    let mut e: Engine<4, 1, 4, 64, 2048, 64, 16> = Engine::new();
    e.add_node(&node("worker-1")).unwrap();
    let set = e.add_daemon_set(&fluentd("fluentd-elasticsearch")).unwrap();
    e.add_pod(&PodInput {
        name: "fluentd-elasticsearch-x7k2p",
        namespace: "kube-system",
        labels: &APP,
        node_name: "worker-1",
        phase: "Failed",
        ..Default::default()
    })
    .unwrap();
    let mut plan: Plan<4> = Plan::new();
    e.sync(
        set,
        Timestamp::parse_rfc3339("2026-11-28T10:00:00Z").unwrap(),
        &mut plan,
    )
    .unwrap();
    e.clear();
    let fresh: Engine<4, 1, 4, 64, 2048, 64, 16> = Engine::new();
    assert_eq!(format!("{e:?}"), format!("{fresh:?}"));
}

#[test]
fn a_repeated_label_key_keeps_its_last_value_and_takes_no_room() {
    // A map never repeats a key, but an input may: the last value wins, and the
    // node holds two labels, in a table of two.
    let mut e: Engine<2, 1, 1, 64, 2048, 2, 8> = Engine::new();
    let labels = [
        LabelInput {
            key: "kubernetes.io/os",
            value: "windows",
        },
        LabelInput {
            key: "kubernetes.io/arch",
            value: "amd64",
        },
        LabelInput {
            key: "kubernetes.io/os",
            value: "linux",
        },
    ];
    let id = e
        .add_node(&NodeInput {
            name: "worker-1",
            labels: &labels,
            ..Default::default()
        })
        .unwrap();
    let stored = e.node_labels(e.node(id).unwrap());
    assert_eq!(stored.len(), 2);
    let os = stored
        .iter()
        .find(|l| e.text(l.key) == "kubernetes.io/os")
        .unwrap();
    assert_eq!(e.text(os.value), "linux");
    assert_eq!(e.usage().labels, 2);
}

#[test]
fn an_update_that_repeats_a_label_key_keeps_its_last_value() {
    // The update has as many labels as the node had, but one key twice and
    // one of the old keys not at all: the last value of the repeated key wins
    // and the dropped key is gone.
    let mut e: Engine<2, 1, 1, 64, 2048, 8, 8> = Engine::new();
    let label = |key, value| LabelInput { key, value };
    let id = e
        .add_node(&NodeInput {
            name: "worker-1",
            labels: &[
                label("kubernetes.io/arch", "amd64"),
                label("kubernetes.io/os", "linux"),
                label("node.kubernetes.io/instance-type", "m5.large"),
            ],
            ..Default::default()
        })
        .unwrap();
    e.update_node(
        id,
        &NodeInput {
            name: "worker-1",
            labels: &[
                label("kubernetes.io/os", "windows"),
                label("kubernetes.io/arch", "arm64"),
                label("kubernetes.io/os", "linux"),
            ],
            ..Default::default()
        },
    )
    .unwrap();
    let stored: Vec<(String, String)> = e
        .node_labels(e.node(id).unwrap())
        .iter()
        .map(|l| (e.text(l.key).to_owned(), e.text(l.value).to_owned()))
        .collect();
    let mut stored = stored;
    stored.sort();
    assert_eq!(
        stored,
        [
            ("kubernetes.io/arch".to_owned(), "arm64".to_owned()),
            ("kubernetes.io/os".to_owned(), "linux".to_owned()),
        ]
    );
    assert_eq!(e.usage().labels, 2);
}

#[test]
fn the_node_selector_reason_does_not_depend_on_intern_order() {
    // The same objects, the strings interned in two orders: the reason names the
    // same (first by key) unmet nodeSelector entry.
    let want = [
        LabelInput {
            key: "zone",
            value: "a",
        },
        LabelInput {
            key: "disk",
            value: "ssd",
        },
    ];
    let mut texts = Vec::new();
    for warm_up in [["zone", "disk"], ["disk", "zone"]] {
        let mut e: Engine<4, 1, 1, 64, 2048, 64, 16> = Engine::new();
        let first = [LabelInput {
            key: warm_up[0],
            value: warm_up[1],
        }];
        e.add_node(&NodeInput {
            name: "warm-up",
            labels: &first,
            ..Default::default()
        })
        .unwrap();
        let node = e.add_node(&node("worker-1")).unwrap();
        let mut ds = fluentd("fluentd-elasticsearch");
        ds.node_selector = &want;
        let set = e.add_daemon_set(&ds).unwrap();
        let p = e.should_run(set, node).unwrap();
        let mut why = String::new();
        e.describe(set, &p.reason, &mut why).unwrap();
        texts.push(why);
    }
    assert_eq!(texts[0], texts[1]);
    assert!(texts[0].contains("disk=ssd"), "{}", texts[0]);
}

#[test]
fn empty_affinity_terms_take_no_room() {
    // Eight terms fit; nine written, eight of them empty, need one.
    let mut e: Engine<2, 2, 2, 64, 2048, 64, 8> = Engine::new();
    let zone = ["us-west-2a"];
    let one = [RequirementInput {
        key: "topology.kubernetes.io/zone",
        operator: "In",
        values: &zone,
    }];
    let mut terms = [NodeSelectorTermInput::default(); 9];
    terms[8].match_expressions = &one;
    let mut ds = fluentd("fluentd-elasticsearch");
    ds.required_node_affinity = Some(&terms);
    e.add_daemon_set(&ds).unwrap();
}

#[test]
fn removing_a_daemon_set_keeps_the_next_ones_node_selector() {
    let mut e: Engine<4, 2, 2, 64, 2048, 64, 16> = Engine::new();
    let worker = e.add_node(&node("worker-1")).unwrap();
    let mut a = fluentd("fluentd-elasticsearch");
    a.node_selector = &[LabelInput {
        key: "topology.kubernetes.io/zone",
        value: "us-west-2a",
    }];
    let a = e.add_daemon_set(&a).unwrap();
    let mut b = fluentd("node-exporter");
    b.node_selector = &[LabelInput {
        key: "topology.kubernetes.io/zone",
        value: "us-west-2b",
    }];
    let b = e.add_daemon_set(&b).unwrap();
    e.remove_daemon_set(a).unwrap();
    assert!(!e.should_run(b, worker).unwrap().should_run);
    assert_eq!(e.node_selector(e.daemon_set(b).unwrap()).len(), 1);
}

#[test]
fn a_large_label_map_keeps_the_last_value_of_a_repeated_key() {
    // Past 64 labels the map is sorted once (n log n): the same answer.
    let mut e: Engine<2, 1, 1, 512, 16384, 256, 8> = Engine::new();
    let text: Vec<(String, String)> = (0..100)
        .map(|i| (format!("example.com/label-{:03}", i % 90), format!("v{i}")))
        .collect();
    let labels: Vec<LabelInput<'_>> = text
        .iter()
        .map(|(k, v)| LabelInput { key: k, value: v })
        .collect();
    let id = e
        .add_node(&NodeInput {
            name: "worker-1",
            labels: &labels,
            ..Default::default()
        })
        .unwrap();
    let stored = e.node_labels(e.node(id).unwrap());
    assert_eq!(stored.len(), 90);
    let value = |key: &str| {
        stored
            .iter()
            .find(|l| e.text(l.key) == key)
            .map(|l| e.text(l.value))
    };
    assert_eq!(value("example.com/label-005"), Some("v95"));
    assert_eq!(value("example.com/label-050"), Some("v50"));
    assert_eq!(e.usage().labels, 90);
}
