//! Positions kept in 16 bits (node-affinity terms, and the expressions and fields of
//! a term): past their limit a DaemonSet is refused with an error naming the list
//! and the limit, never an internal error; up to it, explain names the right term
//! and requirement. Validation, which stores nothing, numbers every position.

use dsr_core::daemonset::POSITIONS_MAX;
use dsr_core::error::{Error, Field};
use dsr_core::input::{
    DaemonSetInput, LabelInput, NodeInput, NodeSelectorTermInput, RequirementInput,
};
use dsr_core::spec::{validate_daemon_set, SpecProblem};

const ARCH: [RequirementInput<'static>; 1] = [RequirementInput {
    key: "kubernetes.io/arch",
    operator: "In",
    values: &["arm64"],
}];

const EMPTY: NodeSelectorTermInput<'static> = NodeSelectorTermInput {
    match_expressions: &[],
    match_fields: &[],
};

const REAL: NodeSelectorTermInput<'static> = NodeSelectorTermInput {
    match_expressions: &ARCH,
    match_fields: &[],
};

fn agent<'a>(terms: &'a [NodeSelectorTermInput<'a>]) -> DaemonSetInput<'a> {
    DaemonSetInput {
        name: "arm-agent",
        namespace: "kube-system",
        uid: "5e0c7a1b-2d3f-4a6b-8c9d-0e1f2a3b4c5d",
        required_node_affinity: Some(terms),
        ..Default::default()
    }
}

/// The API server accepts a DaemonSet with 65,536 empty node-selector terms and
/// one real one; dsr refuses it, naming the list and its limit (it was "internal
/// invariant violated").
#[test]
fn too_many_terms_are_refused_with_the_limit() {
    let mut terms = vec![EMPTY; POSITIONS_MAX + 1];
    terms.push(REAL);
    let mut e = Box::new(dsr_core::TinyEngine::new());
    let err = e.add_daemon_set(&agent(&terms)).unwrap_err();
    assert_eq!(
        err,
        Error::TooMany {
            field: Field::NodeSelectorTerms,
            max: 65535
        }
    );
    assert!(
        err.to_string()
            .ends_with("nodeSelectorTerms has more than 65535 entries, the most dsr takes"),
        "{err}"
    );
    assert_eq!(e.daemon_set_count(), 0);
    assert!(e.strings().is_empty());

    let many = vec![ARCH[0]; POSITIONS_MAX + 1];
    let term = [NodeSelectorTermInput {
        match_expressions: &many,
        match_fields: &[],
    }];
    assert_eq!(
        e.add_daemon_set(&agent(&term)),
        Err(Error::TooMany {
            field: Field::MatchExpressions,
            max: 65535
        })
    );

    // Validation stores nothing and names the 65,537th term.
    let mut bad = terms.clone();
    bad.push(NodeSelectorTermInput {
        match_expressions: &[RequirementInput {
            key: "kubernetes.io/arch",
            operator: "Near",
            values: &[],
        }],
        match_fields: &[],
    });
    let mut ds = agent(&bad);
    ds.selector = Some(dsr_core::input::LabelSelectorInput {
        match_labels: &[LabelInput {
            key: "app",
            value: "arm-agent",
        }],
        ..Default::default()
    });
    ds.template_labels = &[LabelInput {
        key: "app",
        value: "arm-agent",
    }];
    ds.containers = &[dsr_core::input::ContainerInput { name: "agent" }];
    assert_eq!(
        validate_daemon_set(&ds),
        Err(SpecProblem::AffinityTerm { term: 65537 })
    );
}

/// At the limit, explain names the last term and, in a term of 65,535
/// expressions, the last expression (the one that fails).
#[test]
fn at_the_limit_explain_names_the_right_term_and_requirement() {
    let mut terms = vec![EMPTY; POSITIONS_MAX - 1];
    terms.push(REAL);
    let mut e = Box::new(dsr_core::TinyEngine::new());
    let node = e
        .add_node(&NodeInput {
            name: "edge-amd-1",
            labels: &[LabelInput {
                key: "kubernetes.io/arch",
                value: "amd64",
            }],
            ..Default::default()
        })
        .unwrap();
    let set = e.add_daemon_set(&agent(&terms)).unwrap();
    let p = e.should_run(set, node).unwrap();
    let mut why = String::new();
    e.describe(set, &p.reason, &mut why).unwrap();
    assert_eq!(
        why,
        "none of the 65535 required node affinity terms matches; term 65534: node labels do not satisfy kubernetes.io/arch in (arm64)"
    );

    // One term of 65,535 `Exists` expressions on a node with every key but the
    // last, in an engine big enough (built on a thread with the stack for it).
    let stack = 3 * Big::footprint() + (8 << 20);
    std::thread::Builder::new()
        .stack_size(stack)
        .spawn(last_of_65535_expressions)
        .unwrap()
        .join()
        .unwrap();
}

type Big = dsr_core::Engine<2, 2, 2, 70000, 1048576, 70000, 70000>;

fn last_of_65535_expressions() {
    let keys: Vec<String> = (0..POSITIONS_MAX).map(|i| format!("k{i:05}")).collect();
    let exprs: Vec<RequirementInput<'_>> = keys
        .iter()
        .map(|k| RequirementInput {
            key: k,
            operator: "Exists",
            values: &[],
        })
        .collect();
    let labels: Vec<LabelInput<'_>> = keys[..POSITIONS_MAX - 1]
        .iter()
        .map(|k| LabelInput {
            key: k,
            value: "yes",
        })
        .collect();
    let term = [NodeSelectorTermInput {
        match_expressions: &exprs,
        match_fields: &[],
    }];
    let mut big = Big::new();
    let node = big
        .add_node(&NodeInput {
            name: "edge-1",
            labels: &labels,
            ..Default::default()
        })
        .unwrap();
    let set = big.add_daemon_set(&agent(&term)).unwrap();
    let p = big.should_run(set, node).unwrap();
    let mut why = String::new();
    big.describe(set, &p.reason, &mut why).unwrap();
    assert_eq!(
        why,
        "required node affinity does not match; term 0: node labels do not satisfy k65534"
    );
}
