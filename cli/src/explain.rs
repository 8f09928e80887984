//! `dsr explain FILE`: for each DaemonSet, the nodes its pod runs on, and for every
//! other node the reason in words, as the core gives it (`Engine::describe`).
//!
//! Objects the core refuses are named in a warning on stderr and left out; the rest
//! are still explained, and [`run`] reports that the answer is incomplete.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use anyhow::{anyhow, bail, Result};
use dsr_core::{NodeId, SetId};
use serde::Serialize;

use crate::convert::{DaemonSetParts, NodeParts};
use crate::engine::HostEngine;
use crate::load::{self, Limits};
use dsr_core::gates::FeatureGates;

/// What to explain and how.
#[derive(Debug, Default)]
pub struct Options {
    /// Only this DaemonSet: `NAMESPACE/NAME`, or `NAME` when unique.
    pub daemon_set: Option<String>,
    /// Only this node.
    pub node: Option<String>,
    /// Print JSON instead of text.
    pub json: bool,
    /// The feature gates the controller runs with.
    pub gates: FeatureGates,
}

/// The JSON document `--output json` prints. Field names and nesting are stable.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// One entry per DaemonSet explained, in input order.
    pub daemon_sets: Vec<SetReport>,
    /// Objects the core refused, which are left out.
    pub skipped: Vec<Skipped>,
}

/// One DaemonSet.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SetReport {
    /// `metadata.namespace` (`""` when absent).
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
    /// One entry per node, sorted by node name.
    pub nodes: Vec<NodeReport>,
}

/// One DaemonSet on one node.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeReport {
    /// The node's name.
    pub node: String,
    /// A daemon pod should be created there.
    pub should_run: bool,
    /// A daemon pod already there may stay.
    pub should_continue_running: bool,
    /// Why not, in words; `null` when both are true.
    pub reason: Option<String>,
}

/// An object left out.
#[derive(Debug, Serialize)]
pub struct Skipped {
    /// `Node`, `DaemonSet` or (for `dsr plan`) `Pod`.
    pub kind: &'static str,
    /// Its name (`namespace/name` for a DaemonSet).
    pub name: String,
    /// What the core said.
    pub error: String,
}

/// Explains the objects in `file` to `out`. Returns `Ok(false)` when some objects
/// were left out (each named in a warning on stderr).
pub fn run(file: &Path, limits: &Limits, options: &Options, out: &mut impl Write) -> Result<bool> {
    let objects = load::read_objects(file, limits)?;
    // ~58 MiB, on the big-stack thread that `main` runs this on.
    let mut engine = HostEngine::new();
    let report = build(&mut engine, &objects, options)?;
    for s in &report.skipped {
        eprintln!("dsr: warning: skipping {} {}: {}", s.kind, s.name, s.error);
    }
    if options.json {
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
    } else {
        let node_count = engine.node_count();
        write_text(&report, node_count, objects.pods.len(), out)?;
    }
    Ok(report.skipped.is_empty())
}

/// Loads the objects into `engine` and asks it about every (DaemonSet, node) pair.
pub fn build(
    engine: &mut HostEngine,
    objects: &load::Objects,
    options: &Options,
) -> Result<Report> {
    engine.set_feature_gates(options.gates);
    let mut skipped = Vec::new();
    let mut nodes: Vec<(NodeId, &str)> = Vec::new();
    for node in &objects.nodes {
        let parts = NodeParts::new(node);
        match engine.add_node(&parts.input()) {
            Ok(id) => nodes.push((id, parts.name())),
            Err(e) => skipped.push(Skipped {
                kind: "Node",
                name: parts.name().to_owned(),
                error: e.to_string(),
            }),
        }
    }
    nodes.sort_by(|a, b| a.1.cmp(b.1));
    let mut sets: Vec<(SetId, &str, &str)> = Vec::new();
    for ds in &objects.daemon_sets {
        let parts = DaemonSetParts::new(ds);
        let namespace = ds.metadata.namespace.as_deref().unwrap_or("");
        let name = ds.metadata.name.as_deref().unwrap_or("");
        match parts.with_input(|i| engine.add_daemon_set(i)) {
            Ok(id) => sets.push((id, namespace, name)),
            Err(e) => skipped.push(Skipped {
                kind: "DaemonSet",
                name: parts.display_name(),
                error: e.to_string(),
            }),
        }
    }
    if let Some(wanted) = &options.daemon_set {
        sets = select_daemon_set(&sets, wanted)?;
    }
    if let Some(wanted) = &options.node {
        nodes.retain(|(_, n)| n == wanted);
        if nodes.is_empty() {
            bail!("no node {wanted:?} was loaded");
        }
    }
    let mut daemon_sets = Vec::with_capacity(sets.len());
    for &(set, namespace, name) in &sets {
        let mut rows = Vec::with_capacity(nodes.len());
        for &(node, node_name) in &nodes {
            let p = engine
                .should_run(set, node)
                .map_err(|e| anyhow!("core error on {namespace}/{name} × {node_name}: {e}"))?;
            let reason = if p.should_run && p.should_continue_running {
                None
            } else {
                let mut why = String::new();
                engine.describe(set, &p.reason, &mut why).map_err(|_| {
                    anyhow!("cannot describe the reason for {namespace}/{name} × {node_name}")
                })?;
                Some(why)
            };
            rows.push(NodeReport {
                node: node_name.to_owned(),
                should_run: p.should_run,
                should_continue_running: p.should_continue_running,
                reason,
            });
        }
        daemon_sets.push(SetReport {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            nodes: rows,
        });
    }
    Ok(Report {
        daemon_sets,
        skipped,
    })
}

/// The DaemonSet `NAMESPACE/NAME`, or the only one called `NAME`.
pub(crate) fn select_daemon_set<'a>(
    sets: &[(SetId, &'a str, &'a str)],
    wanted: &str,
) -> Result<Vec<(SetId, &'a str, &'a str)>> {
    let found: Vec<_> = match wanted.split_once('/') {
        Some((ns, name)) => sets
            .iter()
            .filter(|s| s.1 == ns && s.2 == name)
            .copied()
            .collect(),
        None => sets.iter().filter(|s| s.2 == wanted).copied().collect(),
    };
    match found.len() {
        0 => bail!("no DaemonSet {wanted:?} was loaded"),
        1 => Ok(found),
        _ => {
            let names: Vec<String> = found.iter().map(|s| format!("{}/{}", s.1, s.2)).collect();
            bail!(
                "{wanted:?} is ambiguous: {}; say NAMESPACE/NAME",
                names.join(", ")
            )
        }
    }
}

pub(crate) fn display_name(namespace: &str, name: &str) -> String {
    if namespace.is_empty() {
        name.to_owned()
    } else {
        format!("{namespace}/{name}")
    }
}

/// Writes names as a comma-separated list wrapped at about 100 columns.
pub(crate) fn write_names(out: &mut String, indent: &str, names: &[&str]) {
    let mut line = String::from(indent);
    for (i, n) in names.iter().enumerate() {
        let piece = if i + 1 < names.len() {
            format!("{n}, ")
        } else {
            (*n).to_owned()
        };
        if line.len() > indent.len() && line.len() + piece.len() > 100 {
            let _ = writeln!(out, "{}", line.trim_end());
            line = String::from(indent);
        }
        line.push_str(&piece);
    }
    let _ = writeln!(out, "{}", line.trim_end());
}

/// Writes rows `node  reason`, the reasons aligned.
fn write_reasons(out: &mut String, rows: &[&NodeReport]) {
    let width = rows.iter().map(|r| r.node.len()).max().unwrap_or(0);
    for r in rows {
        let _ = writeln!(
            out,
            "    {:<width$}  {}",
            r.node,
            r.reason.as_deref().unwrap_or("")
        );
    }
}

/// The report for a person: per DaemonSet, "runs on N of M nodes", the nodes, and
/// the reasons for the others, grouped.
fn write_text(report: &Report, node_count: usize, pods: usize, out: &mut impl Write) -> Result<()> {
    let mut s = String::new();
    let _ = write!(
        s,
        "{} node(s), {} DaemonSet(s)",
        node_count,
        report.daemon_sets.len()
    );
    let _ = writeln!(s);
    if pods > 0 {
        let _ = writeln!(
            s,
            "{pods} pod(s) not used by explain (`dsr plan` shows what the controller does with them)"
        );
    }
    for set in &report.daemon_sets {
        let runs: Vec<&str> = set
            .nodes
            .iter()
            .filter(|n| n.should_run)
            .map(|n| n.node.as_str())
            .collect();
        let stays: Vec<&NodeReport> = set
            .nodes
            .iter()
            .filter(|n| !n.should_run && n.should_continue_running)
            .collect();
        let never: Vec<&NodeReport> = set
            .nodes
            .iter()
            .filter(|n| !n.should_run && !n.should_continue_running)
            .collect();
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "{}: runs on {} of {} node(s)",
            display_name(&set.namespace, &set.name),
            runs.len(),
            set.nodes.len()
        );
        if !runs.is_empty() {
            let _ = writeln!(s, "  runs on:");
            write_names(&mut s, "    ", &runs);
        }
        if !stays.is_empty() {
            let _ = writeln!(s, "  not placed anew, but a running pod may stay, on:");
            write_reasons(&mut s, &stays);
        }
        if !never.is_empty() {
            let _ = writeln!(s, "  does not run on:");
            write_reasons(&mut s, &never);
        }
    }
    out.write_all(s.as_bytes())?;
    Ok(())
}
