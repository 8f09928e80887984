//! `dsr conformance PATH...`: runs `dsr-conformance/v1` vectors (see
//! `shared/conformance/SCHEMA.md`) against the core.
//!
//! Each case's Kubernetes objects (nodes, DaemonSets, pods) go into the engine as
//! JSON through `Engine::apply`, as every dump does; its other inputs (a label
//! selector, a taint, a toleration, labels) are read into the API's types
//! ([`inputs`]) and mapped field by field to the core's inputs. Cases are asked of
//! a small engine that is cleared before every case, or, for a case too big for
//! it, of the smallest larger engine that holds it (`engine::case_tier`). A kind
//! the runner does not know, or an input it cannot load, is a failed case, never
//! a skipped one.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use dsr_core::gates::FeatureGates;
use dsr_core::input::{
    DaemonSetInput, LabelInput, LabelSelectorInput, RequirementInput, TaintInput, TolerationInput,
};
use dsr_core::json::{ApplyError, ObjectId, Problem};
use dsr_core::selector::syntax::{ParseError, ParsedSelector};
use dsr_core::sync::{DaemonSetStatus, Plan};
use dsr_core::taint::{TaintEffect, TolerationOperator};
use dsr_core::{Error, Timestamp};
use dsr_core::{NodeId, SetId};
use serde::de::DeserializeOwned;
use serde_json::{json, Map, Value};

use self::inputs::{LabelSelector, Taint, Toleration};
use crate::engine::{case_tier, with_engine, AnyEngine, CaseEngine, OnEngine, Tier, HOST_PODS};
use crate::load::{self, Limits};

pub mod inputs;

/// The format these vectors are written in.
pub const SCHEMA: &str = "dsr-conformance/v1";

/// Why a case failed, in words.
type Failure = String;

/// Counts per kind, in kind order.
#[derive(Debug, Default)]
pub struct Totals {
    /// `kind → (passed, failed)`.
    pub per_kind: BTreeMap<String, (usize, usize)>,
}

impl Totals {
    fn record(&mut self, kind: &str, passed: bool) {
        let e = self.per_kind.entry(kind.to_owned()).or_default();
        if passed {
            e.0 += 1;
        } else {
            e.1 += 1;
        }
    }

    /// Cases passed.
    pub fn passed(&self) -> usize {
        self.per_kind.values().map(|c| c.0).sum()
    }

    /// Cases failed.
    pub fn failed(&self) -> usize {
        self.per_kind.values().map(|c| c.1).sum()
    }
}

/// Every `*.json` below the given files and folders: each argument in the order
/// given, a folder's files sorted by path.
pub fn collect_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).with_context(|| format!("cannot read {}", p.display()))?;
        if meta.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found)?;
            found.sort();
            files.extend(found);
        } else {
            files.push(p.clone());
        }
    }
    Ok(files)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    Ok(())
}

/// Runs every case of every file, printing each failure and a summary to `out`;
/// the last line is `N passed, M failed`. A case's `featureGates` are applied over
/// `gates` (upstream's defaults unless `--feature-gates` says otherwise).
pub fn run(
    files: &[PathBuf],
    limits: &Limits,
    gates: FeatureGates,
    out: &mut impl Write,
) -> Result<Totals> {
    let mut totals = Totals::default();
    let mut engine = CaseEngine::new();
    for file in files {
        run_file(&mut engine, file, limits, gates, &mut totals, out)?;
    }
    writeln!(out)?;
    writeln!(out, "{:<24} {:>7} {:>7}", "kind", "pass", "fail")?;
    for (kind, (p, f)) in &totals.per_kind {
        writeln!(out, "{kind:<24} {p:>7} {f:>7}")?;
    }
    writeln!(
        out,
        "{} passed, {} failed",
        totals.passed(),
        totals.failed()
    )?;
    Ok(totals)
}

fn run_file(
    engine: &mut CaseEngine,
    file: &Path,
    limits: &Limits,
    gates: FeatureGates,
    totals: &mut Totals,
    out: &mut impl Write,
) -> Result<()> {
    let cases = match load_cases(file, limits) {
        Ok(c) => c,
        Err(e) => {
            // The whole file is one failed case: nothing in it could be judged.
            totals.record("(file)", false);
            writeln!(
                out,
                "FAIL {} [(file)]\n     cannot load: {e:#}",
                file.display()
            )?;
            return Ok(());
        }
    };
    for (i, case) in cases.iter().enumerate() {
        let name = case
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| format!("case #{i}"));
        let kind = case.get("kind").and_then(Value::as_str).unwrap_or("(none)");
        // A case is judged with an engine big enough for it: the small one, reused,
        // for almost every case; a larger one, built for it, for the rest.
        let result = match case_tier(case) {
            Some(Tier::Case) => {
                engine.clear();
                set_feature_gates(engine, gates, case).and_then(|()| run_case(engine, kind, case))
            }
            Some(tier) => with_engine(tier, &mut LargeCase { kind, case, gates }),
            None => Err(format!(
                "the case needs more than the largest engine holds ({:?})",
                Tier::Host.capacities()
            )),
        };
        totals.record(kind, result.is_ok());
        if let Err(why) = result {
            writeln!(out, "FAIL {}: {name} [{kind}]\n     {why}", file.display())?;
        }
    }
    Ok(())
}

/// A case run on an engine of a larger tier, built for it.
struct LargeCase<'a> {
    kind: &'a str,
    case: &'a Value,
    gates: FeatureGates,
}

impl OnEngine for LargeCase<'_> {
    type Output = Result<(), Failure>;

    fn run<E: AnyEngine, const PLAN: usize>(
        &mut self,
        engine: &mut E,
        _plan: &mut Plan<PLAN>,
    ) -> Result<(), Failure> {
        set_feature_gates(engine, self.gates, self.case)
            .and_then(|()| run_case(engine, self.kind, self.case))
    }
}

/// Empties the engine between cases. `Engine::clear()` keeps the pods table and
/// what the sync remembers (expectations, backoff), so pods and DaemonSets are
/// removed one by one first (removing a DaemonSet forgets its expectations and
/// backoff).
fn load_cases(file: &Path, limits: &Limits) -> Result<Vec<Value>> {
    let mut docs = load::read_documents(file, limits)?;
    if docs.len() != 1 {
        bail!("expected one JSON document, found {}", docs.len());
    }
    let Some(Value::Object(mut doc)) = docs.pop() else {
        bail!("expected a JSON object");
    };
    match doc.get("schema").and_then(Value::as_str) {
        Some(SCHEMA) => {}
        other => bail!("schema is {other:?}, expected {SCHEMA:?}"),
    }
    match doc.remove("cases") {
        Some(Value::Array(cases)) => Ok(cases),
        _ => bail!("`cases` is missing or not an array"),
    }
}

/// Sets the engine's feature gates as the case names them (`featureGates`), every
/// other gate as in `gates`. A gate the core does not know fails the case: its
/// answer under that gate could not be upstream's.
fn set_feature_gates<E: AnyEngine>(
    engine: &mut E,
    mut gates: FeatureGates,
    case: &Value,
) -> Result<(), Failure> {
    match case.get("featureGates") {
        None | Some(Value::Null) => {}
        Some(Value::Object(named)) => {
            for (name, enabled) in named {
                let enabled = enabled
                    .as_bool()
                    .ok_or_else(|| format!("featureGates.{name} is not a boolean: {enabled}"))?;
                gates
                    .set_by_name(name, enabled)
                    .map_err(|e| format!("featureGates.{name}: {e}"))?;
            }
        }
        Some(other) => return Err(format!("`featureGates` is not an object: {other}")),
    }
    engine.set_feature_gates(gates);
    Ok(())
}

/// Runs one case: `Ok` when the core's answer is the expected one.
fn run_case<E: AnyEngine>(engine: &mut E, kind: &str, case: &Value) -> Result<(), Failure> {
    let expect = match case.get("expect") {
        Some(Value::Object(e)) => e,
        _ => return Err("`expect` is missing or not an object".into()),
    };
    let got = match kind {
        "labelSelector" => label_selector(engine, case)?,
        "selectorString" => selector_string(engine, case)?,
        "requiredNodeAffinity" => required_node_affinity(engine, case)?,
        "toleratesTaint" => tolerates_taint(engine, case)?,
        "untoleratedTaint" => {
            let got = untolerated_taint(engine, case)?;
            return compare(&normalise_untolerated(expect)?, &got);
        }
        "validate" => validate(engine, case)?,
        "daemonPodTolerations" => return daemon_pod_tolerations(engine, case, expect),
        "shouldRun" => should_run(engine, case)?,
        "reconcile" => return reconcile(engine, case, expect),
        other => return Err(format!("unknown kind {other:?}")),
    };
    compare(expect, &got)
}

/// Every key of `expect` must have the same value in `got`; an error that was not
/// expected is a mismatch too.
fn compare(expect: &Map<String, Value>, got: &Value) -> Result<(), Failure> {
    let same = expect.iter().all(|(k, v)| got.get(k) == Some(v))
        && (expect.contains_key("error") || got.get("error").is_none());
    if same {
        Ok(())
    } else {
        Err(format!(
            "expected {}, got {got}",
            Value::Object(expect.clone())
        ))
    }
}

/// Reads input `key` of a case into `T`.
fn input<T: DeserializeOwned>(case: &Value, key: &str) -> Result<T, Failure> {
    let v = case
        .get(key)
        .ok_or_else(|| format!("input `{key}` is missing"))?;
    serde_json::from_value(v.clone()).map_err(|e| format!("cannot load input `{key}`: {e}"))
}

/// Reads an optional input: absent and `null` are `None`.
fn optional<T: DeserializeOwned>(case: &Value, key: &str) -> Result<Option<T>, Failure> {
    match case.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => input(case, key).map(Some),
    }
}

fn core_error(what: &str, e: Error) -> Failure {
    format!("core refused the {what}: {e}")
}

/// Input `key` of a case as a Kubernetes object of `kind`, as JSON: the vectors
/// leave `kind` out, the key says it.
fn object_json(case: &Value, key: &str, kind: &str) -> Result<Vec<u8>, Failure> {
    let v = case
        .get(key)
        .ok_or_else(|| format!("input `{key}` is missing"))?;
    kinded(v, kind).map_err(|e| format!("input `{key}`: {e}"))
}

/// `v` with its `kind` set, as JSON.
fn kinded(v: &Value, kind: &str) -> Result<Vec<u8>, Failure> {
    let Value::Object(map) = v else {
        return Err(format!("not an object: {v}"));
    };
    let mut map = map.clone();
    map.insert("kind".into(), Value::String(kind.into()));
    serde_json::to_vec(&map).map_err(|e| e.to_string())
}

fn apply_error(what: &str, e: ApplyError) -> Failure {
    format!("core refused the {what}: {e}")
}

/// Applies a node; its id.
fn apply_node<E: AnyEngine>(engine: &mut E, json: &[u8], what: &str) -> Result<NodeId, Failure> {
    match engine.apply(json).map_err(|e| apply_error(what, e))?.id {
        ObjectId::Node(id) => Ok(id),
        other => Err(format!("core applied the {what} as {other:?}")),
    }
}

/// Applies a DaemonSet; its id.
fn apply_daemon_set<E: AnyEngine>(
    engine: &mut E,
    json: &[u8],
    what: &str,
) -> Result<SetId, Failure> {
    match engine.apply(json).map_err(|e| apply_error(what, e))?.id {
        ObjectId::DaemonSet(id) => Ok(id),
        other => Err(format!("core applied the {what} as {other:?}")),
    }
}

/// A label map as label inputs.
fn labels(map: &BTreeMap<String, String>) -> Vec<LabelInput<'_>> {
    map.iter()
        .map(|(key, value)| LabelInput { key, value })
        .collect()
}

fn taint(t: &Taint) -> TaintInput<'_> {
    TaintInput {
        key: &t.key,
        value: t.value.as_deref().unwrap_or(""),
        effect: &t.effect,
    }
}

fn toleration(t: &Toleration) -> TolerationInput<'_> {
    fn s(v: &Option<String>) -> &str {
        v.as_deref().unwrap_or("")
    }
    TolerationInput {
        key: s(&t.key),
        operator: s(&t.operator),
        value: s(&t.value),
        effect: s(&t.effect),
        toleration_seconds: t.toleration_seconds,
    }
}

fn label_selector<E: AnyEngine>(engine: &mut E, case: &Value) -> Result<Value, Failure> {
    let selector: Option<LabelSelector> = optional(case, "selector")?;
    let labels_map: BTreeMap<String, String> = optional(case, "labels")?.unwrap_or_default();
    let labels = labels(&labels_map);
    // A selector is not an object: it goes in as the selector of a DaemonSet
    // that holds nothing else (`None`: a nil selector).
    let match_labels: Vec<LabelInput<'_>> = selector
        .as_ref()
        .and_then(|s| s.match_labels.as_ref())
        .map(labels_of)
        .unwrap_or_default();
    let values: Vec<Vec<&str>> = selector
        .iter()
        .flat_map(|s| s.match_expressions.iter().flatten())
        .map(|r| r.values.iter().flatten().map(String::as_str).collect())
        .collect();
    let requirements: Vec<RequirementInput<'_>> = selector
        .iter()
        .flat_map(|s| s.match_expressions.iter().flatten())
        .zip(&values)
        .map(|(r, values)| RequirementInput {
            key: &r.key,
            operator: &r.operator,
            values,
        })
        .collect();
    let input = DaemonSetInput {
        name: "selector",
        namespace: "conformance",
        selector: selector.as_ref().map(|_| LabelSelectorInput {
            match_labels: &match_labels,
            match_expressions: &requirements,
        }),
        ..Default::default()
    };
    match engine.add_daemon_set(&input) {
        Err(Error::Requirement { .. }) => Ok(json!({"error": true})),
        Err(e) => Err(core_error("selector", e)),
        Ok(set) => engine
            .selector_matches(set, &labels)
            .map(|m| json!({"matches": m}))
            .map_err(|e| core_error("labels", e)),
    }
}

fn labels_of(map: &BTreeMap<String, String>) -> Vec<LabelInput<'_>> {
    labels(map)
}

/// Room for a selector string's requirements and values in the conformance runner.
const STRING_REQUIREMENTS: usize = 64;
const STRING_VALUES: usize = 256;

fn selector_string<E: AnyEngine>(engine: &mut E, case: &Value) -> Result<Value, Failure> {
    let selector: String = input(case, "selector")?;
    let labels: Option<BTreeMap<String, String>> = optional(case, "labels")?;
    let parsed = match ParsedSelector::<STRING_REQUIREMENTS, STRING_VALUES>::parse(&selector) {
        Ok(p) => p,
        // Running out of room is the runner's limit, not upstream's answer.
        Err(e @ (ParseError::TooManyRequirements { .. } | ParseError::TooManyValues { .. })) => {
            return Err(format!("selector too large for the runner: {e}"))
        }
        Err(_) => return Ok(json!({"error": true})),
    };
    let mut got = Map::new();
    got.insert("string".into(), Value::String(parsed.to_string()));
    if let Some(labels) = labels.as_ref() {
        let labels = self::labels(labels);
        let matches = engine
            .selector_string_matches::<STRING_REQUIREMENTS, STRING_VALUES>(&selector, &labels)
            .map_err(|e| core_error("selector", e))?;
        got.insert("matches".into(), Value::Bool(matches));
    }
    Ok(Value::Object(got))
}

fn required_node_affinity<E: AnyEngine>(engine: &mut E, case: &Value) -> Result<Value, Failure> {
    let pod = case
        .get("pod")
        .ok_or_else(|| "input `pod` is missing".to_owned())?;
    let node_id = apply_node(engine, &object_json(case, "node", "Node")?, "node")?;
    // The engine judges node affinity of a DaemonSet's pod template: the pod's
    // spec goes in as one.
    let template = json!({
        "metadata": pod.get("metadata").cloned().unwrap_or(Value::Null),
        "spec": {"template": {"spec": pod.get("spec").cloned().unwrap_or(Value::Null)}},
    });
    let set = apply_daemon_set(engine, &kinded(&template, "DaemonSet")?, "pod")?;
    engine
        .matches_node_affinity(set, node_id)
        .map(|m| json!({"matches": m}))
        .map_err(|e| core_error("query", e))
}

fn tolerates_taint<E: AnyEngine>(engine: &mut E, case: &Value) -> Result<Value, Failure> {
    let toleration: Toleration = input(case, "toleration")?;
    let taint: Taint = input(case, "taint")?;
    engine
        .tolerates(&self::toleration(&toleration), &self::taint(&taint))
        .map(|t| json!({"tolerates": t}))
        .map_err(|e| core_error("toleration or taint", e))
}

/// A taint as the vectors write it, with absent fields as `""`.
fn taint_json(key: &str, value: &str, effect: &str) -> Value {
    json!({"key": key, "value": value, "effect": effect})
}

fn untolerated_taint<E: AnyEngine>(engine: &mut E, case: &Value) -> Result<Value, Failure> {
    let taints: Vec<Taint> = optional(case, "taints")?.unwrap_or_default();
    let tolerations: Vec<Toleration> = optional(case, "tolerations")?.unwrap_or_default();
    // Absent means every effect; `[]` means none.
    let effects: Option<Vec<String>> = optional(case, "effects")?;
    let effects: Option<Vec<&str>> = effects
        .as_ref()
        .map(|e| e.iter().map(String::as_str).collect());
    let taint_inputs: Vec<_> = taints.iter().map(taint).collect();
    let toleration_inputs: Vec<_> = tolerations.iter().map(toleration).collect();
    let found = engine
        .find_untolerated_taint(&taint_inputs, &toleration_inputs, effects.as_deref())
        .map_err(|e| core_error("taints or tolerations", e))?;
    let untolerated = match found {
        None => Value::Null,
        Some(i) => {
            let t = taint_inputs.get(i).ok_or_else(|| {
                format!("core returned taint index {i} of {}", taint_inputs.len())
            })?;
            taint_json(t.key, t.value, t.effect)
        }
    };
    Ok(json!({"untolerated": untolerated}))
}

/// The expected `untolerated` taint with absent fields as `""`, as the answer is.
fn normalise_untolerated(expect: &Map<String, Value>) -> Result<Map<String, Value>, Failure> {
    let mut expect = expect.clone();
    if let Some(v) = expect.get_mut("untolerated") {
        if !v.is_null() {
            let t: Taint = serde_json::from_value(v.clone())
                .map_err(|e| format!("cannot load expect.untolerated: {e}"))?;
            *v = taint_json(&t.key, t.value.as_deref().unwrap_or(""), &t.effect);
        }
    }
    Ok(expect)
}

fn validate<E: AnyEngine>(engine: &mut E, case: &Value) -> Result<Value, Failure> {
    let what: String = input(case, "what")?;
    let valid = match what.as_str() {
        "labelKey" => {
            let v: String = input(case, "value")?;
            dsr_core::validation::validate_label_key(&v).is_ok()
        }
        "labelValue" => {
            let v: String = input(case, "value")?;
            dsr_core::validation::validate_label_value(&v).is_ok()
        }
        "dnsSubdomain" => {
            let v: String = input(case, "value")?;
            dsr_core::validation::validate_dns_subdomain(&v).is_ok()
        }
        "daemonSet" => {
            let ds = object_json(case, "value", "DaemonSet")?;
            match engine.validate_daemon_set_json(&ds) {
                Ok(()) => true,
                Err(ApplyError {
                    problem: Problem::Engine(Error::Spec(_)),
                    ..
                }) => false,
                Err(e) => return Err(apply_error("daemonSet", e)),
            }
        }
        other => return Err(format!("unknown validate target {other:?}")),
    };
    Ok(json!({"valid": valid}))
}

/// A toleration as `(key, operator, value, effect, tolerationSeconds)`, every absent
/// string as `""` (the vectors omit empty strings, as the API does).
type TolerationKey = (String, String, String, String, Option<i64>);

fn daemon_pod_tolerations<E: AnyEngine>(
    engine: &mut E,
    case: &Value,
    expect: &Map<String, Value>,
) -> Result<(), Failure> {
    let set = apply_daemon_set(
        engine,
        &object_json(case, "daemonSet", "DaemonSet")?,
        "DaemonSet",
    )?;
    let stored = engine
        .daemon_set(set)
        .ok_or_else(|| "core lost the DaemonSet it just added".to_owned())?;
    let mut got: Vec<TolerationKey> = engine
        .daemon_tolerations(stored)
        .iter()
        .map(|t| {
            let operator = match t.operator {
                TolerationOperator::Other(s) => engine.text(s),
                op => op.name().unwrap_or(""),
            };
            (
                engine.text(t.key).to_owned(),
                operator.to_owned(),
                engine.text(t.value).to_owned(),
                effect_text(engine, t.effect).to_owned(),
                t.toleration_seconds,
            )
        })
        .collect();
    let expected: Vec<Toleration> = match expect.get("tolerations") {
        Some(v) => serde_json::from_value(v.clone())
            .map_err(|e| format!("cannot load expect.tolerations: {e}"))?,
        None => return Err("expect.tolerations is missing".into()),
    };
    let mut want: Vec<TolerationKey> = expected
        .iter()
        .map(|t| {
            let t = toleration(t);
            (
                t.key.to_owned(),
                t.operator.to_owned(),
                t.value.to_owned(),
                t.effect.to_owned(),
                t.toleration_seconds,
            )
        })
        .collect();
    got.sort();
    want.sort();
    if got == want {
        return Ok(());
    }
    let mut why = String::from("tolerations differ (compared as a set):");
    for w in want.iter().filter(|w| !got.contains(w)) {
        let _ = write!(why, "\n       missing    {}", show_toleration(w));
    }
    for g in got.iter().filter(|g| !want.contains(g)) {
        let _ = write!(why, "\n       unexpected {}", show_toleration(g));
    }
    if want.len() != got.len() {
        let _ = write!(
            why,
            "\n       expected {} tolerations, got {}",
            want.len(),
            got.len()
        );
    }
    Err(why)
}

fn show_toleration(t: &TolerationKey) -> String {
    let secs = t.4.map(|s| format!(" for {s}s")).unwrap_or_default();
    format!(
        "key={:?} operator={:?} value={:?} effect={:?}{secs}",
        t.0, t.1, t.2, t.3
    )
}

fn effect_text<E: AnyEngine>(engine: &E, effect: TaintEffect) -> &str {
    match effect {
        TaintEffect::Other(s) => engine.text(s),
        e => e.name().unwrap_or(""),
    }
}

fn should_run<E: AnyEngine>(engine: &mut E, case: &Value) -> Result<Value, Failure> {
    let node_id = apply_node(engine, &object_json(case, "node", "Node")?, "node")?;
    let set = apply_daemon_set(
        engine,
        &object_json(case, "daemonSet", "DaemonSet")?,
        "DaemonSet",
    )?;
    let p = engine
        .should_run(set, node_id)
        .map_err(|e| core_error("query", e))?;
    Ok(json!({"shouldRun": p.should_run, "shouldContinueRunning": p.should_continue_running}))
}

/// Room for one case's creates, deletes, adoptions and releases.
const CASE_PLAN: usize = 128;
/// Room for a larger case's.
const LARGE_CASE_PLAN: usize = 8192;

/// What one sync planned: the nodes it creates on, the pods it deletes, the
/// status, and how many creates and deletes the plan listed.
type Synced<'e> = (
    BTreeSet<&'e str>,
    BTreeSet<&'e str>,
    Option<DaemonSetStatus>,
    (usize, usize),
);

/// One sync into a plan of `N` entries a list.
fn sync_once<E: AnyEngine, const N: usize>(
    engine: &mut E,
    set: dsr_core::SetId,
    now: Timestamp,
) -> Result<Synced<'_>, Failure> {
    let mut plan: Box<Plan<N>> = Box::new(Plan::new());
    engine
        .sync(set, now, &mut plan)
        .map_err(|e| core_error("sync", e))?;
    let engine = &*engine;
    let creates: BTreeSet<&str> = plan
        .creates
        .iter()
        .map(|c| engine.text(c.node_name))
        .collect();
    let deletes: BTreeSet<&str> = plan
        .deletes
        .iter()
        .map(|d| engine.text(d.pod_name))
        .collect();
    Ok((
        creates,
        deletes,
        plan.status,
        (plan.creates.len(), plan.deletes.len()),
    ))
}

/// One sync of the DaemonSet controller: nodes, the DaemonSet and its pods go into
/// the engine, `Engine::sync` plans at `now`, and the plan's creates (node names),
/// deletes (pod names) and status are compared with `expect`.
fn reconcile<E: AnyEngine>(
    engine: &mut E,
    case: &Value,
    expect: &Map<String, Value>,
) -> Result<(), Failure> {
    let nodes: Vec<Value> = input(case, "nodes")?;
    let pods: Vec<Value> = optional(case, "pods")?.unwrap_or_default();
    let now: Option<String> = optional(case, "now")?;
    let now = now.ok_or("input `now` is missing (a sync needs the time it runs at)")?;
    let now = Timestamp::parse_rfc3339(&now)
        .ok_or_else(|| format!("input `now` is not an RFC 3339 time: {now:?}"))?;
    for (i, node) in nodes.iter().enumerate() {
        apply_node(engine, &kinded(node, "Node")?, &format!("node #{i}"))?;
    }
    let set = apply_daemon_set(
        engine,
        &object_json(case, "daemonSet", "DaemonSet")?,
        "DaemonSet",
    )?;
    for (i, pod) in pods.iter().enumerate() {
        let applied = engine
            .apply(&kinded(pod, "Pod")?)
            .map_err(|e| apply_error(&format!("pod #{i}"), e))?;
        if !matches!(applied.id, ObjectId::Pod(_)) {
            return Err(format!("core applied pod #{i} as {:?}", applied.id));
        }
    }
    // The plan holds a create per node and a delete per pod.
    let (creates, deletes, status, planned) = match nodes.len().max(pods.len()) {
        n if n <= CASE_PLAN => sync_once::<E, CASE_PLAN>(engine, set, now)?,
        n if n <= LARGE_CASE_PLAN => sync_once::<E, LARGE_CASE_PLAN>(engine, set, now)?,
        _ => sync_once::<E, HOST_PODS>(engine, set, now)?,
    };
    let mut why = Vec::new();
    if creates.len() != planned.0 {
        why.push(format!("the plan creates twice on a node: {creates:?}"));
    }
    if deletes.len() != planned.1 {
        why.push(format!("the plan deletes a pod twice: {deletes:?}"));
    }
    for (key, want) in expect {
        let mismatch = match key.as_str() {
            "creates" => compare_names("creates", want, &creates),
            "deletes" => compare_names("deletes", want, &deletes),
            "status" => compare_status(want, status.as_ref()),
            other => Err(format!("unknown expectation `{other}`")),
        };
        if let Err(e) = mismatch {
            why.push(e);
        }
    }
    if why.is_empty() {
        Ok(())
    } else {
        Err(why.join("; "))
    }
}

/// A `creates` or `deletes` expectation: a count, or names compared as a set.
fn compare_names(what: &str, want: &Value, got: &BTreeSet<&str>) -> Result<(), Failure> {
    match want {
        Value::Number(n) => {
            if n.as_u64() == Some(got.len() as u64) {
                Ok(())
            } else {
                Err(format!("{what}: expected {n}, got {} {got:?}", got.len()))
            }
        }
        Value::Array(names) => {
            let want: BTreeSet<&str> = names
                .iter()
                .map(|n| {
                    n.as_str()
                        .ok_or_else(|| format!("expect.{what}: {n} is not a name"))
                })
                .collect::<Result<_, _>>()?;
            if &want == got {
                Ok(())
            } else {
                let missing: Vec<_> = want.difference(got).collect();
                let unexpected: Vec<_> = got.difference(&want).collect();
                Err(format!(
                    "{what}: expected {want:?}, got {got:?} (missing {missing:?}, unexpected {unexpected:?})"
                ))
            }
        }
        other => Err(format!(
            "expect.{what} is neither a count nor a list: {other}"
        )),
    }
}

/// The `DaemonSetStatus` fields the vectors may name, as the API spells them.
fn status_field(st: &DaemonSetStatus, key: &str) -> Option<i64> {
    Some(match key {
        "desiredNumberScheduled" => i64::from(st.desired_number_scheduled),
        "currentNumberScheduled" => i64::from(st.current_number_scheduled),
        "numberMisscheduled" => i64::from(st.number_misscheduled),
        "numberReady" => i64::from(st.number_ready),
        "updatedNumberScheduled" => i64::from(st.updated_number_scheduled),
        "numberAvailable" => i64::from(st.number_available),
        "numberUnavailable" => i64::from(st.number_unavailable),
        "observedGeneration" => st.observed_generation,
        _ => return None,
    })
}

/// A `status` expectation: only the keys it gives are compared.
fn compare_status(want: &Value, got: Option<&DaemonSetStatus>) -> Result<(), Failure> {
    let Value::Object(want) = want else {
        return Err(format!("expect.status is not an object: {want}"));
    };
    let Some(st) = got else {
        return Err("the sync computed no status".into());
    };
    let mut why = Vec::new();
    for (key, v) in want {
        match status_field(st, key) {
            None => why.push(format!(
                "status.{key} is not a DaemonSetStatus field dsr computes"
            )),
            Some(g) if v.as_i64() == Some(g) => {}
            Some(g) => why.push(format!("status.{key}: expected {v}, got {g}")),
        }
    }
    if why.is_empty() {
        Ok(())
    } else {
        Err(why.join("; "))
    }
}
