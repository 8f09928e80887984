//! Runs the `reconcile` cases of `../shared/conformance/controller/*.json` through
//! `Engine::sync` and compares creates, deletes and status.
//!
//! Test-only loader: it reads just the fields the core takes. The CLI's
//! `dsr conformance` is the real runner.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use dsr_core::input::{
    DaemonSetInput, IntOrStringInput, LabelInput, LabelSelectorInput, NodeInput,
    NodeSelectorTermInput, PodConditionInput, PodInput, RequirementInput, RollingUpdateInput,
    TaintInput, TolerationInput, UpdateStrategyInput,
};
use dsr_core::sync::Plan;
use dsr_core::{Engine, Timestamp};
use serde_json::Value;

type TestEngine = Engine<64, 2, 128, 1024, 32768, 1024, 512>;

fn leak<T>(v: Vec<T>) -> &'static [T] {
    Box::leak(v.into_boxed_slice())
}

fn str_of(v: &'static Value) -> &'static str {
    v.as_str().unwrap_or("")
}

fn time(v: &'static Value) -> Option<Timestamp> {
    v.as_str().and_then(Timestamp::parse_rfc3339)
}

fn labels(v: &'static Value) -> &'static [LabelInput<'static>] {
    let Some(m) = v.as_object() else { return &[] };
    leak(
        m.iter()
            .map(|(k, v)| LabelInput {
                key: k.as_str(),
                value: str_of(v),
            })
            .collect(),
    )
}

fn requirements(v: &'static Value) -> &'static [RequirementInput<'static>] {
    let Some(a) = v.as_array() else { return &[] };
    leak(
        a.iter()
            .map(|r| RequirementInput {
                key: str_of(&r["key"]),
                operator: str_of(&r["operator"]),
                values: leak(
                    r["values"]
                        .as_array()
                        .map(|vs| vs.iter().map(str_of).collect())
                        .unwrap_or_default(),
                ),
            })
            .collect(),
    )
}

fn required_terms(spec: &'static Value) -> Option<&'static [NodeSelectorTermInput<'static>]> {
    let req = &spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"];
    if req.is_null() {
        return None;
    }
    Some(leak(
        req["nodeSelectorTerms"]
            .as_array()
            .map(|ts| {
                ts.iter()
                    .map(|t| NodeSelectorTermInput {
                        match_expressions: requirements(&t["matchExpressions"]),
                        match_fields: requirements(&t["matchFields"]),
                    })
                    .collect()
            })
            .unwrap_or_default(),
    ))
}

fn int_or_string(v: &'static Value) -> Option<IntOrStringInput<'static>> {
    match v {
        Value::Number(n) => Some(IntOrStringInput::Int(n.as_i64()? as i32)),
        Value::String(s) => Some(IntOrStringInput::String(s.as_str())),
        _ => None,
    }
}

fn node(v: &'static Value) -> NodeInput<'static> {
    NodeInput {
        name: str_of(&v["metadata"]["name"]),
        labels: labels(&v["metadata"]["labels"]),
        taints: leak(
            v["spec"]["taints"]
                .as_array()
                .map(|ts| {
                    ts.iter()
                        .map(|t| TaintInput {
                            key: str_of(&t["key"]),
                            value: str_of(&t["value"]),
                            effect: str_of(&t["effect"]),
                        })
                        .collect()
                })
                .unwrap_or_default(),
        ),
        unschedulable: v["spec"]["unschedulable"].as_bool().unwrap_or(false),
    }
}

fn daemon_set(v: &'static Value) -> DaemonSetInput<'static> {
    let meta = &v["metadata"];
    let spec = &v["spec"];
    let tspec = &spec["template"]["spec"];
    let sel = &spec["selector"];
    let strategy = &spec["updateStrategy"];
    let ru = &strategy["rollingUpdate"];
    DaemonSetInput {
        name: str_of(&meta["name"]),
        namespace: str_of(&meta["namespace"]),
        uid: str_of(&meta["uid"]),
        selector: (!sel.is_null()).then(|| LabelSelectorInput {
            match_labels: labels(&sel["matchLabels"]),
            match_expressions: requirements(&sel["matchExpressions"]),
        }),
        template_labels: labels(&spec["template"]["metadata"]["labels"]),
        node_selector: labels(&tspec["nodeSelector"]),
        required_node_affinity: required_terms(tspec),
        tolerations: leak(
            tspec["tolerations"]
                .as_array()
                .map(|ts| {
                    ts.iter()
                        .map(|t| TolerationInput {
                            key: str_of(&t["key"]),
                            operator: str_of(&t["operator"]),
                            value: str_of(&t["value"]),
                            effect: str_of(&t["effect"]),
                            toleration_seconds: t["tolerationSeconds"].as_i64(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
        ),
        node_name: str_of(&tspec["nodeName"]),
        host_network: tspec["hostNetwork"].as_bool().unwrap_or(false),
        generation: meta["generation"].as_i64().unwrap_or(0),
        observed_generation: v["status"]["observedGeneration"].as_i64().unwrap_or(0),
        deleting: !meta["deletionTimestamp"].is_null(),
        update_strategy: UpdateStrategyInput {
            type_: str_of(&strategy["type"]),
            rolling_update: (!ru.is_null()).then(|| RollingUpdateInput {
                max_unavailable: int_or_string(&ru["maxUnavailable"]),
                max_surge: int_or_string(&ru["maxSurge"]),
            }),
        },
        min_ready_seconds: spec["minReadySeconds"].as_i64().unwrap_or(0) as i32,
        revision_hash: str_of(&meta["annotations"]["dsr.io/current-revision"]),
        template_generation: meta["annotations"]["deprecated.daemonset.template.generation"]
            .as_str(),
        // Validation-only fields: a sync does not read them.
        ..Default::default()
    }
}

fn pod(v: &'static Value) -> PodInput<'static> {
    let meta = &v["metadata"];
    let controller_uid = meta["ownerReferences"].as_array().and_then(|refs| {
        refs.iter()
            .find(|r| r["controller"].as_bool() == Some(true))
            .map(|r| str_of(&r["uid"]))
    });
    let ready = v["status"]["conditions"].as_array().and_then(|cs| {
        cs.iter()
            .find(|c| c["type"] == "Ready")
            .map(|c| PodConditionInput {
                status: str_of(&c["status"]),
                last_transition_time: time(&c["lastTransitionTime"]),
            })
    });
    PodInput {
        name: str_of(&meta["name"]),
        namespace: str_of(&meta["namespace"]),
        uid: str_of(&meta["uid"]),
        labels: labels(&meta["labels"]),
        controller_uid,
        node_name: str_of(&v["spec"]["nodeName"]),
        required_node_affinity: required_terms(&v["spec"]),
        phase: str_of(&v["status"]["phase"]),
        ready,
        deleting: !meta["deletionTimestamp"].is_null(),
        creation_timestamp: time(&meta["creationTimestamp"]).unwrap_or_default(),
    }
}

/// Compares a `creates`/`deletes` expectation (a count or a set of names).
fn compare_names(what: &str, want: &Value, got: &BTreeSet<String>) -> Result<(), String> {
    match want {
        Value::Null => Ok(()),
        Value::Number(n) => {
            if n.as_u64() == Some(got.len() as u64) {
                Ok(())
            } else {
                Err(format!("{what}: want {n}, got {} {:?}", got.len(), got))
            }
        }
        Value::Array(a) => {
            let want: BTreeSet<String> = a.iter().map(str_of_owned).collect();
            if &want == got {
                Ok(())
            } else {
                Err(format!("{what}: want {:?}, got {:?}", want, got))
            }
        }
        other => Err(format!("{what}: unknown expectation {other}")),
    }
}

fn str_of_owned(v: &Value) -> String {
    v.as_str().unwrap_or("").to_string()
}

fn run_case(case: &'static Value) -> Result<(), String> {
    let mut engine: Box<TestEngine> = Box::new(TestEngine::new());
    for n in case["nodes"].as_array().into_iter().flatten() {
        engine
            .add_node(&node(n))
            .map_err(|e| format!("node: {e}"))?;
    }
    let set = engine
        .add_daemon_set(&daemon_set(&case["daemonSet"]))
        .map_err(|e| format!("daemonSet: {e}"))?;
    for p in case["pods"].as_array().into_iter().flatten() {
        engine.add_pod(&pod(p)).map_err(|e| format!("pod: {e}"))?;
    }
    let now = time(&case["now"]).ok_or("now")?;
    let mut plan: Box<Plan<64>> = Box::new(Plan::new());
    engine
        .sync(set, now, &mut plan)
        .map_err(|e| format!("sync: {e}"))?;
    let creates: BTreeSet<String> = plan
        .creates
        .iter()
        .map(|c| engine.text(c.node_name).to_string())
        .collect();
    let deletes: BTreeSet<String> = plan
        .deletes
        .iter()
        .map(|d| engine.text(d.pod_name).to_string())
        .collect();
    if creates.len() != plan.creates.len() || deletes.len() != plan.deletes.len() {
        return Err(format!("repeated entries in {:?}", plan));
    }
    let expect = &case["expect"];
    let mut errors = Vec::new();
    if let Err(e) = compare_names("creates", &expect["creates"], &creates) {
        errors.push(e);
    }
    if let Err(e) = compare_names("deletes", &expect["deletes"], &deletes) {
        errors.push(e);
    }
    if let Some(want) = expect["status"].as_object() {
        match &plan.status {
            None => errors.push("no status".to_string()),
            Some(st) => {
                for (k, v) in want {
                    let got = match k.as_str() {
                        "desiredNumberScheduled" => i64::from(st.desired_number_scheduled),
                        "currentNumberScheduled" => i64::from(st.current_number_scheduled),
                        "numberMisscheduled" => i64::from(st.number_misscheduled),
                        "numberReady" => i64::from(st.number_ready),
                        "updatedNumberScheduled" => i64::from(st.updated_number_scheduled),
                        "numberAvailable" => i64::from(st.number_available),
                        "numberUnavailable" => i64::from(st.number_unavailable),
                        "observedGeneration" => st.observed_generation,
                        other => {
                            errors.push(format!("unknown status field {other}"));
                            continue;
                        }
                    };
                    if v.as_i64() != Some(got) {
                        errors.push(format!("status.{k}: want {v}, got {got}"));
                    }
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

fn vector_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/conformance/controller")
}

fn run_file(name: &str) -> (usize, Vec<String>) {
    let path = vector_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc: &'static Value = Box::leak(Box::new(serde_json::from_str(&text).unwrap()));
    let mut passed = 0;
    let mut failed = Vec::new();
    for case in doc["cases"].as_array().unwrap() {
        if case["kind"] != "reconcile" {
            continue;
        }
        match run_case(case) {
            Ok(()) => passed += 1,
            Err(e) => failed.push(format!("{}: {e}", str_of(&case["name"]))),
        }
    }
    (passed, failed)
}

fn check(name: &str, cases: usize) {
    if !vector_dir().exists() {
        eprintln!("skipping: {} not found", vector_dir().display());
        return;
    }
    let (passed, failed) = run_file(name);
    for f in &failed {
        eprintln!("FAIL {f}");
    }
    eprintln!("{name}: {passed} passed, {} failed", failed.len());
    assert!(failed.is_empty(), "{} of {} failed", failed.len(), cases);
    assert_eq!(passed, cases);
}

#[test]
fn upstream_controller_vectors() {
    check("upstream-controller.json", 87);
}

#[test]
fn random_seed1_vectors() {
    check("random-seed1.json", 500);
}
