//! `dsr explain FILE`: for each DaemonSet, the nodes its pod runs on, and for every
//! other node the reason in words, as the core gives it (`Engine::describe`).
//!
//! Objects the core refuses are named in a warning on stderr and left out; the rest
//! are still explained, and [`run`] reports that the answer is incomplete.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use anyhow::{anyhow, bail, Result};
use dsr_core::input::LabelInput;
use dsr_core::sync::Plan;
use dsr_core::{Error, SetId};
use serde::Serialize;

use crate::engine::{is_table_full, with_engine, AnyEngine, OnEngine, Tier};
use crate::feed::feed;
use crate::load::{self, Limits};
use crate::show::{escape, value};
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
    /// Whether every object was loaded: when `false`, the answer below is without
    /// the objects in `skipped`.
    pub complete: bool,
    /// How many objects were left out (the length of `skipped`).
    pub skipped_count: usize,
    /// One entry per DaemonSet explained, in input order.
    pub daemon_sets: Vec<SetReport>,
    /// Objects the core refused, which are left out.
    pub skipped: Vec<Skipped>,
    /// Nodes loaded (not in the JSON: every node has a row).
    #[serde(skip)]
    pub node_count: usize,
}

/// One DaemonSet.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SetReport {
    /// `metadata.namespace` (`"default"` when absent, as kubectl has it).
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
    /// What the API server or the controller would say about this DaemonSet (an
    /// empty selector, a selector that does not select its template, ...), with
    /// upstream's words; empty when nothing.
    pub warnings: Vec<String>,
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
    /// Its name (`namespace/name` for a DaemonSet or a pod).
    pub name: String,
    /// Why, in words: what the core said, with the field at fault.
    pub error: String,
    /// An engine table was full: a larger engine would have held it.
    #[serde(skip)]
    pub table_full: bool,
}

/// Explains the objects in `file` to `out`. Returns `Ok(false)` when some objects
/// were left out (said at the top of the output and in a warning on stderr).
pub fn run(file: &Path, limits: &Limits, options: &Options, out: &mut impl Write) -> Result<bool> {
    let objects = load::read_objects(file, limits)?;
    let report = sized(&objects.need.bound(), |tier| {
        with_engine(
            tier,
            &mut Explain {
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
        write_text(&report, objects.pods.len(), out)?;
    }
    Ok(report.complete)
}

/// Runs `attempt` on the smallest engine tier that holds `need`, and again on the
/// next larger one while some object was left out for a full engine table (the
/// bound is an estimate).
pub(crate) fn sized<R: Attempt>(
    need: &dsr_core::footprint::Capacities,
    mut attempt: impl FnMut(Tier) -> Result<R>,
) -> Result<R> {
    let mut tier = Tier::smallest_for(need);
    loop {
        let r = attempt(tier)?;
        match tier.next() {
            Some(next) if r.table_full() => tier = next,
            _ => return Ok(r),
        }
    }
}

/// A result that may have left objects out for want of room.
pub(crate) trait Attempt {
    /// Some object was left out because an engine table was full.
    fn table_full(&self) -> bool;
}

impl Attempt for Report {
    fn table_full(&self) -> bool {
        self.skipped.iter().any(|s| s.table_full)
    }
}

/// Objects left out, on stderr: the first few, then how many more.
pub(crate) fn warn_skipped(skipped: &[Skipped]) {
    const SHOWN: usize = 20;
    for s in skipped.iter().take(SHOWN) {
        eprintln!(
            "dsr: warning: skipping {} {}: {}",
            s.kind,
            value(&s.name),
            escape(&s.error)
        );
    }
    if skipped.len() > SHOWN {
        eprintln!(
            "dsr: warning: ... and {} more object(s) skipped (all are listed in `-o json`)",
            skipped.len() - SHOWN
        );
    }
}

/// The line that opens the text output when objects were left out: how many and
/// the first few, so that a partial answer never reads as a complete one.
pub(crate) fn incomplete_line(skipped: &[Skipped]) -> Option<String> {
    const NAMED: usize = 5;
    if skipped.is_empty() {
        return None;
    }
    let names: Vec<String> = skipped
        .iter()
        .take(NAMED)
        .map(|s| format!("{} {}", s.kind, value(&s.name)))
        .collect();
    let more = if skipped.len() > NAMED { ", ..." } else { "" };
    let first = &skipped[0];
    Some(format!(
        "INCOMPLETE: {} object(s) left out and not counted below: {}{more} (first: {})",
        skipped.len(),
        names.join(", "),
        escape(&first.error)
    ))
}

/// The refusal of an object by the core, in words: the field at fault (a label
/// named by its key) and, for a full table, which limit and how to raise it.
pub(crate) fn refusal<E: AnyEngine>(
    engine: &E,
    e: &Error,
    kind: &str,
    labels: &[(&str, &[LabelInput<'_>])],
) -> (String, bool) {
    let capacities = engine.capacities();
    if let Error::Full { table, capacity } = *e {
        if is_table_full(e, &capacities) {
            return (
                format!(
                    "{e}: the input needs more than dsr's largest engine holds ({} {})",
                    capacity,
                    table.name()
                ),
                true,
            );
        }
        return (
            format!(
                "more than {capacity} {} on this one {kind}: a per-object limit of dsr-core \
                 (not a table size, so a larger engine does not help; it is a constant of \
                 dsr-core, e.g. `dsr_core::daemonset::TOLERATIONS_MAX`, raised by changing it and rebuilding)",
                table.name()
            ),
            false,
        );
    }
    if let Some(at) = label_at_fault(e, labels) {
        return (format!("{at}: {e}"), false);
    }
    (e.to_string(), false)
}

/// Which label an error about a label key or value is about: `PATH.KEY`.
fn label_at_fault(e: &Error, labels: &[(&str, &[LabelInput<'_>])]) -> Option<String> {
    use dsr_core::error::Field;
    use dsr_core::validation::{validate_label_key, validate_label_value};
    let bad: &dyn Fn(&LabelInput<'_>) -> bool = match *e {
        Error::TooLong {
            field: Field::LabelKey,
            max,
        } => &move |l| u32::try_from(l.key.len()).map_or(true, |n| n > max),
        Error::TooLong {
            field: Field::LabelValue,
            max,
        } => &move |l| u32::try_from(l.value.len()).map_or(true, |n| n > max),
        Error::Invalid {
            field: Field::LabelKey,
            ..
        } => &|l| validate_label_key(l.key).is_err(),
        Error::Invalid {
            field: Field::LabelValue,
            ..
        } => &|l| validate_label_value(l.value).is_err(),
        _ => return None,
    };
    labels.iter().find_map(|(path, list)| {
        list.iter()
            .find(|l| bad(l))
            .map(|l| format!("{path}.{}", value(l.key)))
    })
}

struct Explain<'a> {
    objects: &'a load::Objects,
    options: &'a Options,
}

impl OnEngine for Explain<'_> {
    type Output = Result<Report>;

    fn run<E: AnyEngine, const PLAN: usize>(
        &mut self,
        engine: &mut E,
        _plan: &mut Plan<PLAN>,
    ) -> Result<Report> {
        build(engine, self.objects, self.options)
    }
}

/// Loads the objects into `engine` and asks it about every (DaemonSet, node) pair.
pub fn build<E: AnyEngine>(
    engine: &mut E,
    objects: &load::Objects,
    options: &Options,
) -> Result<Report> {
    engine.set_feature_gates(options.gates);
    let fed = feed(engine, objects, false)?;
    let skipped = fed.skipped;
    let mut nodes = fed.nodes;
    nodes.sort_by(|a, b| a.1.cmp(b.1));
    let mut sets: Vec<(SetId, &str, &str, Vec<String>)> = fed
        .sets
        .into_iter()
        .map(|s| {
            (
                s.id,
                s.object.namespace.as_str(),
                s.object.name.as_str(),
                s.warnings,
            )
        })
        .collect();
    if let Some(wanted) = &options.daemon_set {
        let keys: Vec<(SetId, &str, &str)> = sets.iter().map(|s| (s.0, s.1, s.2)).collect();
        let keep = select_daemon_set(&keys, wanted)?;
        sets.retain(|s| keep.iter().any(|k| k.0 == s.0));
    }
    if let Some(wanted) = &options.node {
        nodes.retain(|(_, n)| n == wanted);
        if nodes.is_empty() {
            bail!("no node \"{}\" was loaded", value(wanted));
        }
    }
    let mut daemon_sets = Vec::with_capacity(sets.len());
    for (set, namespace, name, warnings) in sets {
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
            warnings,
            nodes: rows,
        });
    }
    Ok(Report {
        complete: skipped.is_empty(),
        skipped_count: skipped.len(),
        daemon_sets,
        skipped,
        node_count: engine.node_count(),
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

/// Writes names as a comma-separated list wrapped at about 100 columns, each
/// escaped and cut as [`value`] does.
pub(crate) fn write_names(out: &mut String, indent: &str, names: &[&str]) {
    let mut line = String::from(indent);
    for (i, n) in names.iter().enumerate() {
        let n = value(n);
        let piece = if i + 1 < names.len() {
            format!("{n}, ")
        } else {
            n
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
    let rows: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            (
                value(&r.node),
                escape(r.reason.as_deref().unwrap_or("")).into_owned(),
            )
        })
        .collect();
    let width = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
    for (node, reason) in rows {
        let _ = writeln!(out, "    {node:<width$}  {reason}");
    }
}

/// The report for a person: per DaemonSet, "runs on N of M nodes", the nodes, and
/// the reasons for the others, grouped. When objects were left out, the first line
/// says so.
fn write_text(report: &Report, pods: usize, out: &mut impl Write) -> Result<()> {
    let mut s = String::new();
    if let Some(line) = incomplete_line(&report.skipped) {
        let _ = writeln!(s, "{line}");
    }
    let _ = writeln!(
        s,
        "{} node(s), {} DaemonSet(s)",
        report.node_count,
        report.daemon_sets.len()
    );
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
            value(&display_name(&set.namespace, &set.name)),
            runs.len(),
            set.nodes.len()
        );
        for w in &set.warnings {
            let _ = writeln!(s, "  warning: {}", escape(w));
        }
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
