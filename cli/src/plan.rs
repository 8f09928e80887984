//! `dsr plan FILE`: one sync of every DaemonSet of a cluster dump, as the
//! controller would do it at `now`: the pods it creates and deletes (each with its
//! reason in words, from the core's `describe_create` / `describe_delete`), the pods
//! it adopts and releases, the status it writes, when it syncs again, and for a
//! rolling update the budget arithmetic and the nodes holding it back.
//!
//! Every decision is the core's (`Engine::sync`); this module loads, asks and
//! prints. The one thing computed here is which nodes hold a rollout back: the
//! nodes the core counts in `RolloutBudget::in_use`, found by the same rules over
//! the plan (see [`holders`]).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use anyhow::{anyhow, Result};
use dsr_core::sync::{
    CreateReason, DaemonSetStatus, DeleteReason, Plan, RolloutHalt, SyncOutcome, UpdateStrategy,
};
use dsr_core::{PodId, SetId, Timestamp};
use serde::Serialize;

use crate::engine::{with_engine, AnyEngine, OnEngine};
use crate::explain::{
    display_name, incomplete_line, select_daemon_set, sized, warn_skipped, write_names, Attempt,
    Skipped,
};
use crate::feed::{feed, RevisionSource};
use crate::load::{self, Limits};
use crate::show::{escape, value};

/// What to plan and how to print it.
#[derive(Debug)]
pub struct Options {
    /// Only this DaemonSet: `NAMESPACE/NAME`, or `NAME` when unique.
    pub daemon_set: Option<String>,
    /// The time the sync runs at.
    pub now: Timestamp,
    /// Print JSON instead of text.
    pub json: bool,
    /// The feature gates the controller runs with.
    pub gates: dsr_core::gates::FeatureGates,
}

/// The JSON document `dsr plan --output json` prints. Field names and nesting are
/// stable; lists are sorted (creates by node, the others by pod name).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Whether every object was loaded: when `false`, the plans below are without
    /// the objects in `skipped`.
    pub complete: bool,
    /// How many objects were left out (the length of `skipped`).
    pub skipped_count: usize,
    /// How many DaemonSets' rolling updates are halted (`rollout.halted`): upstream's
    /// sync of each fails, every time, until the DaemonSet is fixed.
    pub halted_count: usize,
    /// The time the sync ran at (RFC 3339).
    pub now: String,
    /// Nodes loaded.
    pub nodes: usize,
    /// Pods loaded.
    pub pods: usize,
    /// One entry per DaemonSet, in input order.
    pub daemon_sets: Vec<SetPlan>,
    /// Objects the core refused, which are left out.
    pub skipped: Vec<Skipped>,
}

/// One DaemonSet's sync.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SetPlan {
    /// `metadata.namespace` (`""` when absent).
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
    /// What the API server or the controller would say about this DaemonSet, in
    /// upstream's words (see `dsr explain`); empty when nothing.
    pub warnings: Vec<String>,
    /// How far the sync went: `synced`, `statusOnly` (earlier actions not yet
    /// observed), `deleting` (the DaemonSet is being deleted) or
    /// `selectsEverything` (an empty selector: the controller does nothing).
    pub outcome: &'static str,
    /// The revision new pods are made from.
    pub revision: Revision,
    /// `spec.updateStrategy` with the API server's defaults applied.
    pub update_strategy: Strategy,
    /// Pods to create.
    pub creates: Vec<CreateEntry>,
    /// Pods to delete.
    pub deletes: Vec<DeleteEntry>,
    /// Pods without a controller that the DaemonSet adopts (pod names).
    pub adoptions: Vec<String>,
    /// Pods the DaemonSet controls but no longer selects, released (pod names).
    pub releases: Vec<String>,
    /// The status at the end of the sync; `null` when the sync did not get that far.
    pub status: Option<Status>,
    /// Sync again after this many seconds (backoff ends, a pod passes
    /// `minReadySeconds`, pending actions expire); `null` when nothing is due.
    pub requeue_after_seconds: Option<i64>,
    /// The rolling update's arithmetic; `null` without a RollingUpdate pass.
    pub rollout: Option<Rollout>,
}

/// The current revision.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Revision {
    /// `controller-revision-hash` of new pods; `""` when unknown.
    pub hash: String,
    /// Where the hash came from: `annotation` (`dsr.io/current-revision`),
    /// `controllerRevision` (the newest one the DaemonSet controls) or `none`.
    pub source: &'static str,
    /// `pod-template-generation` of new pods, when the DaemonSet has one.
    pub template_generation: Option<i64>,
}

/// The update strategy.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Strategy {
    /// `RollingUpdate`, `OnDelete` or `Other`.
    #[serde(rename = "type")]
    pub type_: &'static str,
    /// `maxUnavailable` as written (an integer or `"N%"`); `null` unless RollingUpdate.
    pub max_unavailable: Option<serde_json::Value>,
    /// `maxSurge` as written; `null` unless RollingUpdate.
    pub max_surge: Option<serde_json::Value>,
    /// `spec.minReadySeconds`.
    pub min_ready_seconds: i32,
}

/// A pod to create.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateEntry {
    /// The node it is for.
    pub node: String,
    /// `missing`, `replaceUnavailable` or `surge`.
    pub reason: &'static str,
    /// The reason in words.
    pub message: String,
}

/// A pod to delete.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteEntry {
    /// The pod's name.
    pub pod: String,
    /// The node it is on (or pinned to).
    pub node: String,
    /// `nodeIneligible`, `duplicate`, `failed`, `succeeded`, `nodeMissing`,
    /// `surgeOldNotReady`, `surgeReplaced`, `rollingUpdate`,
    /// `rollingUpdateUnavailable` or `rollingUpdateNodeIneligible`.
    pub reason: &'static str,
    /// The reason in words.
    pub message: String,
}

/// `DaemonSetStatus`, with the API's field names.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    /// Nodes that should run the daemon pod.
    pub desired_number_scheduled: i32,
    /// Of those, nodes with a daemon pod.
    pub current_number_scheduled: i32,
    /// Nodes with a daemon pod that should not run one.
    pub number_misscheduled: i32,
    /// Nodes whose daemon pod is ready.
    pub number_ready: i32,
    /// Nodes whose daemon pod is of the current revision.
    pub updated_number_scheduled: i32,
    /// Nodes whose daemon pod has been ready for `minReadySeconds`.
    pub number_available: i32,
    /// `desiredNumberScheduled - numberAvailable`.
    pub number_unavailable: i32,
    /// The generation this status reflects.
    pub observed_generation: i64,
}

/// The rolling update's arithmetic.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rollout {
    /// Some pod of the DaemonSet is not of the current revision, or some node that
    /// should run it has none of the current revision.
    pub in_progress: bool,
    /// Nodes that should run the daemon pod (the base of percentages).
    pub desired: i64,
    /// `maxUnavailable` scaled to `desired` (0 when surging).
    pub max_unavailable: i64,
    /// `maxSurge` scaled to `desired`; when positive the update surges.
    pub max_surge: i64,
    /// Budget in use: nodes counted unavailable (or surging), listed in `heldBackBy`.
    pub in_use: i64,
    /// Nodes whose old pod is available and could be replaced within the budget.
    pub candidates: i64,
    /// Of those, how many this sync replaces.
    pub chosen: i64,
    /// Nodes whose old pod is not available, replaced whatever the budget.
    pub replacements: i64,
    /// Why the pass did nothing: `invalidBudget` (maxUnavailable or maxSurge is
    /// neither an integer nor a percentage) or `missingNode`; `null` otherwise. A
    /// halted rollout makes upstream's sync fail every time; `dsr plan` exits 3.
    pub halted: Option<&'static str>,
    /// The nodes counted in `inUse`, each with why.
    pub held_back_by: Vec<Holder>,
}

/// A node that uses rollout budget.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Holder {
    /// The node (which may no longer exist).
    pub node: String,
    /// Why it counts, in words.
    pub why: String,
}

/// How a plan ended, for the exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Every object was loaded.
    pub complete: bool,
    /// Some DaemonSet's rolling update is halted.
    pub halted: bool,
}

/// Plans every DaemonSet in `file` and prints the plans to `out`.
pub fn run(
    file: &Path,
    limits: &Limits,
    options: &Options,
    out: &mut impl Write,
) -> Result<Outcome> {
    let objects = load::read_objects(file, limits)?;
    let report = sized(&objects.need.bound(), |tier| {
        with_engine(
            tier,
            &mut Planner {
                objects: &objects,
                options,
            },
        )
    })?;
    warn_skipped(&report.skipped);
    for set in &report.daemon_sets {
        for w in &set.warnings {
            eprintln!(
                "dsr: warning: DaemonSet {}: {}",
                value(&display_name(&set.namespace, &set.name)),
                escape(w)
            );
        }
    }
    if options.json {
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
    } else {
        out.write_all(text(&report).as_bytes())?;
    }
    Ok(Outcome {
        complete: report.complete,
        halted: report.halted_count > 0,
    })
}

impl Attempt for Report {
    fn table_full(&self) -> bool {
        self.skipped.iter().any(|s| s.table_full)
    }
}

struct Planner<'a> {
    objects: &'a load::Objects,
    options: &'a Options,
}

impl OnEngine for Planner<'_> {
    type Output = Result<Report>;

    fn run<E: AnyEngine, const PLAN: usize>(
        &mut self,
        engine: &mut E,
        plan: &mut Plan<PLAN>,
    ) -> Result<Report> {
        build(engine, plan, self.objects, self.options)
    }
}

/// Loads the objects into `engine` and syncs each DaemonSet (or the one asked for)
/// once into `plan`.
pub fn build<E: AnyEngine, const N: usize>(
    engine: &mut E,
    plan: &mut Plan<N>,
    objects: &load::Objects,
    options: &Options,
) -> Result<Report> {
    engine.set_feature_gates(options.gates);
    let fed = feed(engine, objects, true)?;
    let skipped = fed.skipped;
    let mut sets: Vec<(SetId, &str, &str)> = Vec::new();
    let mut sources: BTreeMap<SetId, RevisionSource> = BTreeMap::new();
    let mut warnings: BTreeMap<SetId, Vec<String>> = BTreeMap::new();
    for s in fed.sets {
        sets.push((s.id, &s.object.namespace, &s.object.name));
        sources.insert(s.id, s.source);
        warnings.insert(s.id, s.warnings);
    }
    if let Some(wanted) = &options.daemon_set {
        sets = select_daemon_set(&sets, wanted)?;
    }
    let now = options.now;
    let mut daemon_sets = Vec::with_capacity(sets.len());
    for &(set, namespace, name) in &sets {
        engine.sync(set, now, plan).map_err(|e| {
            anyhow!(
                "core error syncing {}: {e}",
                value(&display_name(namespace, name))
            )
        })?;
        let source = sources.get(&set).copied().unwrap_or(RevisionSource::None);
        let mut p = set_plan(engine, plan, set, source, now)?;
        p.warnings = warnings.remove(&set).unwrap_or_default();
        daemon_sets.push(p);
    }
    let halted_count = daemon_sets
        .iter()
        .filter(|s| s.rollout.as_ref().is_some_and(|r| r.halted.is_some()))
        .count();
    Ok(Report {
        complete: skipped.is_empty(),
        skipped_count: skipped.len(),
        halted_count,
        now: now.to_string(),
        nodes: engine.node_count(),
        pods: engine.pod_count(),
        daemon_sets,
        skipped,
    })
}

fn outcome_name(o: SyncOutcome) -> &'static str {
    o.as_str()
}

fn create_reason_name(r: CreateReason) -> &'static str {
    r.as_str()
}

fn delete_reason_name(r: &DeleteReason) -> &'static str {
    r.as_str()
}

fn int_or_percent(v: dsr_core::sync::IntOrPercent) -> serde_json::Value {
    use dsr_core::sync::IntOrPercent;
    match v {
        IntOrPercent::Int(i) => serde_json::json!(i),
        IntOrPercent::Percent(p) => serde_json::json!(format!("{p}%")),
        IntOrPercent::Invalid => serde_json::json!("invalid"),
    }
}

fn strategy(s: UpdateStrategy, min_ready_seconds: i32) -> Strategy {
    match s {
        UpdateStrategy::RollingUpdate {
            max_unavailable,
            max_surge,
        } => Strategy {
            type_: "RollingUpdate",
            max_unavailable: Some(int_or_percent(max_unavailable)),
            max_surge: Some(int_or_percent(max_surge)),
            min_ready_seconds,
        },
        UpdateStrategy::OnDelete => Strategy {
            type_: "OnDelete",
            max_unavailable: None,
            max_surge: None,
            min_ready_seconds,
        },
        UpdateStrategy::Other => Strategy {
            type_: "Other",
            max_unavailable: None,
            max_surge: None,
            min_ready_seconds,
        },
    }
}

fn status(st: &DaemonSetStatus) -> Status {
    Status {
        desired_number_scheduled: st.desired_number_scheduled,
        current_number_scheduled: st.current_number_scheduled,
        number_misscheduled: st.number_misscheduled,
        number_ready: st.number_ready,
        updated_number_scheduled: st.updated_number_scheduled,
        number_available: st.number_available,
        number_unavailable: st.number_unavailable,
        observed_generation: st.observed_generation,
    }
}

fn pod_name<E: AnyEngine>(engine: &E, id: PodId) -> String {
    engine
        .pod(id)
        .map(|p| engine.text(p.name).to_owned())
        .unwrap_or_default()
}

/// One DaemonSet's plan as the report shows it.
fn set_plan<E: AnyEngine, const N: usize>(
    engine: &E,
    plan: &Plan<N>,
    set: SetId,
    source: RevisionSource,
    now: Timestamp,
) -> Result<SetPlan> {
    let ds = *engine
        .daemon_set(set)
        .ok_or_else(|| anyhow!("core lost a DaemonSet"))?;
    let mut creates = Vec::with_capacity(plan.creates.len());
    for c in &plan.creates {
        let mut message = String::new();
        engine
            .describe_create(c, &mut message)
            .map_err(|_| anyhow!("cannot describe a create"))?;
        creates.push(CreateEntry {
            node: engine.text(c.node_name).to_owned(),
            reason: create_reason_name(c.reason),
            message,
        });
    }
    let mut deletes = Vec::with_capacity(plan.deletes.len());
    for d in &plan.deletes {
        let mut message = String::new();
        engine
            .describe_delete(set, d, &mut message)
            .map_err(|_| anyhow!("cannot describe a delete"))?;
        deletes.push(DeleteEntry {
            pod: engine.text(d.pod_name).to_owned(),
            node: engine.text(d.node_name).to_owned(),
            reason: delete_reason_name(&d.reason),
            message,
        });
    }
    let rollout = plan.rollout.map(|budget| Rollout {
        in_progress: budget.outdated > 0,
        desired: budget.desired,
        max_unavailable: budget.max_unavailable,
        max_surge: budget.max_surge,
        in_use: budget.in_use,
        candidates: budget.candidates,
        chosen: budget.chosen,
        replacements: budget.replacements,
        halted: budget.halted.map(RolloutHalt::as_str),
        held_back_by: holders(engine, plan, set, now),
    });
    Ok(SetPlan {
        namespace: engine.text(ds.namespace).to_owned(),
        name: engine.text(ds.name).to_owned(),
        warnings: Vec::new(),
        outcome: outcome_name(plan.outcome),
        revision: Revision {
            hash: engine.text(plan.revision_hash).to_owned(),
            source: source.name(),
            template_generation: plan.template_generation,
        },
        update_strategy: strategy(ds.update_strategy, ds.min_ready_seconds),
        creates,
        deletes,
        adoptions: plan
            .adoptions
            .iter()
            .map(|&p| pod_name(engine, p))
            .collect(),
        releases: plan.releases.iter().map(|&p| pod_name(engine, p)).collect(),
        status: plan.status.as_ref().map(status),
        requeue_after_seconds: plan.requeue_after,
        rollout,
    })
}

/// The nodes the core counts in `RolloutBudget::in_use` (`Plan::held_back`), each
/// with why, in the core's words (`Engine::describe_hold`).
pub fn holders<E: AnyEngine, const N: usize>(
    engine: &E,
    plan: &Plan<N>,
    set: SetId,
    now: Timestamp,
) -> Vec<Holder> {
    plan.held_back
        .iter()
        .map(|h| {
            let mut why = String::new();
            let _ = engine.describe_hold(set, h, now, &mut why);
            Holder {
                node: engine.text(h.node).to_owned(),
                why,
            }
        })
        .collect()
}

/// Writes rows of aligned columns, indented.
fn write_rows(s: &mut String, indent: &str, rows: &[Vec<&str>]) {
    let escaped: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| escape(c).into_owned()).collect())
        .collect();
    let rows = &escaped;
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter(|r| c + 1 < r.len())
                .map(|r| r[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for r in rows {
        let mut line = String::from(indent);
        for (c, cell) in r.iter().enumerate() {
            if c + 1 < r.len() {
                let _ = write!(line, "{:<w$}  ", cell, w = widths[c]);
            } else {
                line.push_str(cell);
            }
        }
        let _ = writeln!(s, "{}", line.trim_end());
    }
}

fn json_short(v: &Option<serde_json::Value>) -> String {
    match v {
        Some(serde_json::Value::String(s)) => value(s),
        Some(v) => v.to_string(),
        None => "-".into(),
    }
}

/// The report for a person.
pub fn text(report: &Report) -> String {
    let mut s = String::new();
    if let Some(line) = incomplete_line(&report.skipped) {
        let _ = writeln!(s, "{line}");
    }
    if report.halted_count > 0 {
        let _ = writeln!(
            s,
            "HALTED: {} DaemonSet(s) cannot roll out: upstream's sync fails on each, every time (see below)",
            report.halted_count
        );
    }
    let _ = writeln!(
        s,
        "One sync at {}: {} node(s), {} pod(s), {} DaemonSet(s)",
        report.now,
        report.nodes,
        report.pods,
        report.daemon_sets.len()
    );
    for set in &report.daemon_sets {
        let _ = writeln!(s);
        write_set(&mut s, set);
    }
    s
}

fn write_set(s: &mut String, set: &SetPlan) {
    let u = &set.update_strategy;
    let strategy = match u.type_ {
        "RollingUpdate" => format!(
            "RollingUpdate, maxUnavailable {}, maxSurge {}",
            json_short(&u.max_unavailable),
            json_short(&u.max_surge)
        ),
        other => other.to_owned(),
    };
    let _ = writeln!(
        s,
        "{} ({strategy})",
        value(&display_name(&set.namespace, &set.name))
    );
    for w in &set.warnings {
        let _ = writeln!(s, "  warning: {}", escape(w));
    }
    let mut rev = Vec::new();
    if !set.revision.hash.is_empty() {
        let from = match set.revision.source {
            "annotation" => "the dsr.io/current-revision annotation",
            "controllerRevision" => "its newest ControllerRevision",
            _ => "?",
        };
        rev.push(format!(
            "revision {} (from {from})",
            value(&set.revision.hash)
        ));
    }
    if let Some(g) = set.revision.template_generation {
        rev.push(format!("template generation {g}"));
    }
    if rev.is_empty() {
        rev.push("no revision hash or template generation: every pod counts as old".into());
    }
    let _ = writeln!(s, "  current: {}", rev.join(", "));
    match set.outcome {
        "deleting" => {
            let _ = writeln!(
                s,
                "  being deleted: the controller leaves it and its pods alone"
            );
            return;
        }
        "selectsEverything" => {
            let _ = writeln!(
                s,
                "  its selector is empty and would select every pod: the controller does nothing"
            );
            return;
        }
        "statusOnly" => {
            let _ = writeln!(
                s,
                "  waiting for earlier creates or deletes to be observed: status only"
            );
        }
        _ => {}
    }
    if let Some(st) = &set.status {
        let _ = writeln!(
            s,
            "  status: desired {}, current {}, ready {}, up to date {}, available {}, unavailable {}, misscheduled {}",
            st.desired_number_scheduled,
            st.current_number_scheduled,
            st.number_ready,
            st.updated_number_scheduled,
            st.number_available,
            st.number_unavailable,
            st.number_misscheduled
        );
    }
    let nothing = set.creates.is_empty()
        && set.deletes.is_empty()
        && set.adoptions.is_empty()
        && set.releases.is_empty();
    if nothing {
        let _ = writeln!(s, "  nothing to create or delete");
    }
    if !set.creates.is_empty() {
        let _ = writeln!(s, "  create {} pod(s):", set.creates.len());
        let rows: Vec<Vec<&str>> = set
            .creates
            .iter()
            .map(|c| vec![c.node.as_str(), c.message.as_str()])
            .collect();
        write_rows(s, "    on ", &rows);
    }
    if !set.deletes.is_empty() {
        let _ = writeln!(s, "  delete {} pod(s):", set.deletes.len());
        let on: Vec<String> = set
            .deletes
            .iter()
            .map(|d| format!("on {}", d.node))
            .collect();
        let rows: Vec<Vec<&str>> = set
            .deletes
            .iter()
            .zip(&on)
            .map(|(d, on)| vec![d.pod.as_str(), on.as_str(), d.message.as_str()])
            .collect();
        write_rows(s, "    ", &rows);
    }
    if !set.adoptions.is_empty() {
        let _ = writeln!(
            s,
            "  adopt {} pod(s) without a controller:",
            set.adoptions.len()
        );
        let names: Vec<&str> = set.adoptions.iter().map(String::as_str).collect();
        write_names(s, "    ", &names);
    }
    if !set.releases.is_empty() {
        let _ = writeln!(
            s,
            "  release {} pod(s) the selector no longer matches:",
            set.releases.len()
        );
        let names: Vec<&str> = set.releases.iter().map(String::as_str).collect();
        write_names(s, "    ", &names);
    }
    // A halted rollout is said whether or not pods are outdated: upstream's sync
    // fails on it every time.
    if let Some(r) = set
        .rollout
        .as_ref()
        .filter(|r| r.in_progress || r.halted.is_some())
    {
        write_rollout(s, set, r);
    }
    if let Some(after) = set.requeue_after_seconds {
        let _ = writeln!(s, "  sync again in {after}s");
    }
}

fn write_rollout(s: &mut String, set: &SetPlan, r: &Rollout) {
    let updated = set
        .status
        .as_ref()
        .map_or(0, |st| st.updated_number_scheduled);
    let state = if r.in_progress {
        "in progress"
    } else {
        "not in progress"
    };
    let _ = writeln!(
        s,
        "  rolling update {state}: {updated} of {} node(s) on the current revision",
        r.desired
    );
    match r.halted {
        Some("invalidBudget") => {
            let _ = writeln!(
                s,
                "    halted: maxUnavailable {} / maxSurge {}: not an integer or a percentage; upstream's sync fails on it every time (the API server would refuse it)",
                json_short(&set.update_strategy.max_unavailable),
                json_short(&set.update_strategy.max_surge),
            );
            return;
        }
        Some(_) => {
            let _ = writeln!(
                s,
                "    halted: an old pod is on a node that no longer exists (upstream gives up the pass)"
            );
            return;
        }
        None => {}
    }
    let u = &set.update_strategy;
    if r.max_surge > 0 {
        let _ = writeln!(
            s,
            "    budget: maxSurge {} of {} desired = {}; {} in use (new pods not yet available beside old ones), {} left",
            json_short(&u.max_surge),
            r.desired,
            r.max_surge,
            r.in_use,
            (r.max_surge - r.in_use).max(0)
        );
    } else {
        let _ = writeln!(
            s,
            "    budget: maxUnavailable {} of {} desired = {}; {} in use (nodes unavailable), {} left",
            json_short(&u.max_unavailable),
            r.desired,
            r.max_unavailable,
            r.in_use,
            (r.max_unavailable - r.in_use).max(0)
        );
    }
    let _ = writeln!(
        s,
        "    old pods: {} available to replace, {} replaced this sync; {} not available, replaced whatever the budget",
        r.candidates, r.chosen, r.replacements
    );
    if !r.held_back_by.is_empty() {
        let _ = writeln!(s, "    held back by:");
        let rows: Vec<Vec<&str>> = r
            .held_back_by
            .iter()
            .map(|h| vec![h.node.as_str(), h.why.as_str()])
            .collect();
        write_rows(s, "      ", &rows);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{on_big_stack, HostEngine, HOST_PODS};
    use serde_json::Value;

    type HostPlan = Plan<HOST_PODS>;
    /// The nodes listed as holding a rollout back are exactly as many as the core
    /// counts in `in_use`, on every reconcile vector.
    #[test]
    fn holders_match_the_budget_in_use_on_every_reconcile_vector() {
        let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/data/conformance/controller");
        let bytes = HostEngine::footprint() + std::mem::size_of::<HostPlan>();
        let checked = on_big_stack(bytes, || {
            let mut engine = HostEngine::new();
            let mut plan = HostPlan::new();
            let mut checked = 0;
            let mut files: Vec<_> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            files.sort();
            for file in files {
                let doc: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
                for case in doc["cases"].as_array().unwrap() {
                    if case["kind"] != "reconcile" {
                        continue;
                    }
                    engine.clear();
                    let mut items: Vec<Value> = Vec::new();
                    let kinded = |kind: &str, o: &Value| {
                        let mut o = o.clone();
                        o["kind"] = Value::from(kind);
                        o
                    };
                    for n in case["nodes"].as_array().unwrap() {
                        items.push(kinded("Node", n));
                    }
                    items.push(kinded("DaemonSet", &case["daemonSet"]));
                    for p in case["pods"].as_array().into_iter().flatten() {
                        items.push(kinded("Pod", p));
                    }
                    let list = serde_json::json!({"kind": "List", "items": items}).to_string();
                    let objects =
                        load::objects_from_bytes(list.as_bytes(), &load::Limits::default())
                            .unwrap();
                    let options = Options {
                        daemon_set: None,
                        now: Timestamp::parse_rfc3339(case["now"].as_str().unwrap()).unwrap(),
                        json: true,
                        gates: Default::default(),
                    };
                    let report = build(&mut engine, &mut plan, &objects, &options).unwrap();
                    assert!(report.skipped.is_empty());
                    let set = &report.daemon_sets[0];
                    if let Some(r) = set.rollout.as_ref().filter(|r| r.halted.is_none()) {
                        let holders: Vec<String> = r
                            .held_back_by
                            .iter()
                            .map(|h| format!("{}: {}", h.node, h.why))
                            .collect();
                        assert_eq!(
                            r.held_back_by.len() as i64,
                            r.in_use,
                            "{}: {holders:#?}",
                            case["name"]
                        );
                        checked += 1;
                    }
                }
            }
            checked
        })
        .unwrap();
        assert!(checked > 400, "only {checked} cases had a rollout");
    }
}
