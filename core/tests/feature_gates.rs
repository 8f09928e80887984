//! Feature gates as an engine setting: `TaintTolerationComparisonOperators` turns
//! on the toleration operators `Gt`/`Lt` (KEP-5471, v1.35), the placements the
//! engine keeps follow a change of gate, and explain says why such a toleration did
//! not tolerate. Also how the automatic daemon-pod tolerations merge with the
//! template's.

use dsr_core::gates::{FeatureGate, FeatureGates};
use dsr_core::input::TolerationInput;
use dsr_core::input::{DaemonSetInput, LabelInput, LabelSelectorInput, NodeInput, TaintInput};
use dsr_core::sync::Plan;
use dsr_core::{Error, Timestamp};

type E = dsr_core::TinyEngine;

const APP: [LabelInput<'static>; 1] = [LabelInput {
    key: "app",
    value: "sla-agent",
}];

fn sla_node(e: &mut E, name: &'static str, value: &'static str) -> dsr_core::NodeId {
    let taints: &'static [TaintInput<'static>] = Box::leak(Box::new([TaintInput {
        key: "example.com/sla",
        value,
        effect: "NoSchedule",
    }]));
    e.add_node(&NodeInput {
        name,
        taints,
        ..Default::default()
    })
    .unwrap()
}

fn sla_agent(e: &mut E, operator: &'static str, value: &'static str) -> dsr_core::SetId {
    let tolerations: &'static [TolerationInput<'static>] = Box::leak(Box::new([TolerationInput {
        key: "example.com/sla",
        operator,
        value,
        effect: "NoSchedule",
        ..Default::default()
    }]));
    e.add_daemon_set(&DaemonSetInput {
        name: "sla-agent",
        namespace: "default",
        uid: "7d1e4c2b-8a3f-4b6e-9c5d-1f2a3b4c5d6e",
        selector: Some(LabelSelectorInput {
            match_labels: &APP,
            ..Default::default()
        }),
        template_labels: &APP,
        tolerations,
        ..Default::default()
    })
    .unwrap()
}

fn why(e: &E, set: dsr_core::SetId, node: dsr_core::NodeId) -> String {
    let p = e.should_run(set, node).unwrap();
    let mut s = String::new();
    e.describe(set, &p.reason, &mut s).unwrap();
    s
}

const GATE: &str = "TaintTolerationComparisonOperators";

/// `NodeShouldRunDaemonPod` with a `Gt 950` toleration on nodes tainted
/// `example.com/sla=999`, `=900` and `=high`: upstream's `ToleratesTaint` tolerates
/// only 999, and only with the gate on. Turning the gate on and off re-evaluates
/// every placement the engine keeps, and the sync plans by them.
#[test]
fn changing_a_gate_re_evaluates_every_kept_placement() {
    let mut e = E::new();
    let high = sla_node(&mut e, "edge-999", "999");
    let low = sla_node(&mut e, "edge-900", "900");
    let word = sla_node(&mut e, "edge-word", "high");
    let set = sla_agent(&mut e, "Gt", "950");
    let runs = |e: &E| {
        [high, low, word].map(|n| {
            let fit = e.fit(set, n).unwrap();
            assert_eq!(fit.should_run, e.should_run(set, n).unwrap().should_run);
            fit.should_run
        })
    };
    assert_eq!(runs(&e), [false, false, false]);
    e.set_feature_gate(GATE, true).unwrap();
    assert!(e
        .feature_gates()
        .enabled(FeatureGate::TaintTolerationComparisonOperators));
    assert_eq!(runs(&e), [true, false, false]);
    let mut plan: Plan<8> = Plan::new();
    let now = Timestamp::parse_rfc3339("2026-12-07T10:00:00Z").unwrap();
    e.sync(set, now, &mut plan).unwrap();
    let creates: Vec<&str> = plan.creates.iter().map(|c| e.text(c.node_name)).collect();
    assert_eq!(creates, ["edge-999"]);
    // A reason worked out under the other gates is stale.
    let before = e.should_run(set, high).unwrap();
    e.set_feature_gates(FeatureGates::DEFAULT);
    assert_eq!(runs(&e), [false, false, false]);
    let mut why = String::new();
    assert_eq!(
        e.describe_placement(set, high, &before, &mut why),
        Err(Error::StaleReason)
    );
    // A gate dsr does not know is refused, and nothing changes.
    assert!(matches!(
        e.set_feature_gate("TaintTolerationComparisonOperator", true),
        Err(Error::FeatureGate(_))
    ));
    assert_eq!(e.feature_gates(), FeatureGates::DEFAULT);
}

/// Explain says why a `Gt`/`Lt` toleration did not tolerate: the gate is off, a
/// value is not canonical or out of range, or the comparison fails.
#[test]
fn explain_says_why_a_comparison_did_not_tolerate() {
    let cases = [
        (false, "Gt", "950", "999", "the feature gate TaintTolerationComparisonOperators is off, so Gt and Lt tolerate nothing"),
        (true, "Gt", "950", "900", "the taint's value 900 is not greater than 950"),
        (true, "Lt", "950", "999", "the taint's value 999 is not less than 950"),
        (true, "Gt", "0950", "999", "its value 0950 is not a decimal integer in canonical form"),
        (true, "Gt", "950", "9223372036854775808", "the taint's value 9223372036854775808 does not fit in a 64-bit signed integer"),
    ];
    for (gate, op, value, taint, reason) in cases {
        let mut e = E::new();
        e.set_feature_gates(
            FeatureGates::DEFAULT.with(FeatureGate::TaintTolerationComparisonOperators, gate),
        );
        let node = sla_node(&mut e, "edge-1", taint);
        let set = sla_agent(&mut e, op, value);
        let text = why(&e, set, node);
        let head = format!(
            "node has taint example.com/sla={taint}:NoSchedule that the pod does not tolerate (a pod already there may stay); toleration example.com/sla {op} {value} does not tolerate it: "
        );
        assert!(text.starts_with(&head), "{text}");
        assert!(text[head.len()..].starts_with(reason), "{text}");
    }
}

/// Upstream's `AddOrUpdateTolerationInPodSpec` replaces every template toleration
/// that matches an automatic one on key, operator, value and effect (its
/// "already present" check never fires): a template with `not-ready Exists
/// NoExecute` twice, once with `tolerationSeconds: 30`, gives a daemon pod both as
/// the automatic one, without seconds.
#[test]
fn automatic_tolerations_replace_every_template_match() {
    let mut e = E::new();
    let not_ready = |seconds| TolerationInput {
        key: "node.kubernetes.io/not-ready",
        operator: "Exists",
        effect: "NoExecute",
        toleration_seconds: seconds,
        ..Default::default()
    };
    let tolerations = [not_ready(Some(30)), not_ready(None)];
    let set = e
        .add_daemon_set(&DaemonSetInput {
            name: "node-agent",
            namespace: "kube-system",
            tolerations: &tolerations,
            ..Default::default()
        })
        .unwrap();
    let stored = e.daemon_set(set).unwrap();
    let seconds: Vec<(String, Option<i64>)> = e
        .daemon_tolerations(stored)
        .iter()
        .filter(|t| e.text(t.key) == "node.kubernetes.io/not-ready")
        .map(|t| (e.text(t.key).to_owned(), t.toleration_seconds))
        .collect();
    assert_eq!(
        seconds,
        [
            ("node.kubernetes.io/not-ready".to_owned(), None),
            ("node.kubernetes.io/not-ready".to_owned(), None)
        ]
    );
}
