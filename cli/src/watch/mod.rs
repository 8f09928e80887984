//! `dsr watch`: follows a cluster through `kubectl get --watch` events and says,
//! after each event that changes anything, what the DaemonSet controller must now
//! do (creates and deletes, with why), what it no longer needs to do, the status
//! it would write and how a rollout goes, and, with `--owed-after`, what it
//! should have done by now and has not.
//!
//! Events go into the core with `Engine::apply`; each DaemonSet an event may
//! affect is synced (`Engine::sync`) and the plan compared with the previous one
//! (`state.rs`). Which DaemonSets an event may affect: a node's, those whose
//! placement on the node changed (`should_run`, remembered per node) or that have
//! pods on it; a pod's, its controller (every DaemonSet of its namespace for a pod
//! without one, which may be adopted); a DaemonSet's or ControllerRevision's, that
//! DaemonSet. A sync that asks to run again later (`requeueAfter`: backoff,
//! `minReadySeconds`) is run again once that time has come.
//!
//! The watch is of the cluster, not of a controller that acts on its plans: each
//! sync is the one the controller would make with every earlier create and delete
//! observed (no expectations pending), while the failed-pod backoff is kept from
//! sync to sync as the controller keeps it.
//!
//! The initial lists (the `ADDED` events before the first other event, or before
//! one second without events when reading live) are applied before any DaemonSet
//! is synced, and reported at once.
//!
//! A kubectl stream that ends is started again and lists its kind again; the
//! re-list ends by the same rule (the first event of that stream that is not
//! `ADDED`, or a second without events from it once it has named an object).
//! Then every node, DaemonSet or pod it did not name is removed as by a
//! `DELETED` event, reported as one: it was deleted while the stream was down.

mod print;
mod source;
mod split;
mod state;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::Write;
use std::path::PathBuf;
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Result};
use dsr_core::json::{Change, ObjectId, Peek};
use dsr_core::pod::PodPhase;
use dsr_core::sync::Plan;
use dsr_core::sync::{NodeChange, NodePart};
use dsr_core::{Fit, NodeId, PodId, SetId, Timestamp};

use crate::engine::{with_engine, AnyEngine, OnEngine, Tier};
use crate::show::value;
pub use print::duration_words;
use source::{Inputs, Message};
pub use source::{Kubectl, KINDS};
use split::Splitter;
use state::{PodsOn, Resolved, SetChange, SetState, Shown};

/// What to watch and how to print it.
#[derive(Debug)]
pub struct Options {
    /// Files, FIFOs or `-` (standard input).
    pub inputs: Vec<PathBuf>,
    /// Run kubectl instead.
    pub kubectl: Option<Kubectl>,
    /// One JSON object per line instead of text.
    pub json: bool,
    /// Take time from the events (`--replay`) instead of the clock.
    pub replay: bool,
    /// Report after each batch of this long instead of after each event.
    pub batch: Option<Duration>,
    /// Only this DaemonSet: `NAMESPACE/NAME` or `NAME`.
    pub daemon_set: Option<String>,
    /// Only changes on this node.
    pub node: Option<String>,
    /// Report actions owed this long.
    pub owed_after: Option<Duration>,
    /// Stop (exit status 4) once something is owed.
    pub exit_on_owed: bool,
    /// Stop after this many events.
    pub max_events: Option<u64>,
    /// The engine.
    pub tier: Tier,
    /// The controller's feature gates.
    pub gates: dsr_core::gates::FeatureGates,
    /// The largest object, in bytes.
    pub max_bytes: usize,
}

/// How a watch ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Events read.
    pub events: u64,
    /// Some action was reported owed.
    pub owed: bool,
}

/// Watches as `options` say, printing to `out`, until the inputs end (or
/// `--max-events`, or `--exit-on-owed`).
pub fn run(options: &Options, out: &mut dyn Write) -> Result<Outcome> {
    let inputs = match &options.kubectl {
        Some(k) => source::kubectl(k, options.max_bytes)?,
        None => source::from_paths(options.inputs.clone(), options.max_bytes),
    };
    with_engine(
        options.tier,
        &mut Runner {
            options,
            out,
            inputs: Some(inputs),
        },
    )
}

struct Runner<'a> {
    options: &'a Options,
    out: &'a mut dyn Write,
    inputs: Option<Inputs>,
}

impl OnEngine for Runner<'_> {
    type Output = Result<Outcome>;

    fn run<E: AnyEngine, const PLAN: usize>(
        &mut self,
        engine: &mut E,
        plan: &mut Plan<PLAN>,
    ) -> Result<Outcome> {
        engine.set_feature_gates(self.options.gates);
        let inputs = self.inputs.take().ok_or_else(|| anyhow!("no inputs"))?;
        let mut w = Watcher::new(engine, plan, self.options, &mut *self.out);
        let stopped = match inputs {
            Inputs::InTurn(paths) => w.in_turn(&paths)?,
            Inputs::Merged {
                receiver,
                mut open,
                names,
                children,
            } => {
                let stopped = w.merged(&receiver, &mut open, &names);
                children.stop();
                stopped?
            }
        };
        if !stopped {
            w.finish()?;
        }
        w.out.flush()?;
        Ok(Outcome {
            events: w.event,
            owed: w.owed_any,
        })
    }
}

/// The clock, in whole seconds.
fn clock() -> Timestamp {
    let s = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Timestamp(i64::try_from(s).unwrap_or(i64::MAX))
}

/// Where each pod is, by DaemonSet and node.
#[derive(Default)]
struct PodIndex {
    pods: HashMap<u32, PodEntry>,
    /// DaemonSet -> node -> pods.
    on: HashMap<u32, HashMap<String, Vec<PodId>>>,
}

#[derive(Debug, Clone, Default)]
struct PodEntry {
    set: Option<u32>,
    node: String,
}

impl PodIndex {
    fn insert(&mut self, id: u32, entry: PodEntry) -> Option<PodEntry> {
        let old = self.remove(id);
        if let Some(set) = entry.set {
            let nodes = self.on.entry(set).or_default();
            match nodes.get_mut(&entry.node) {
                Some(pods) => pods.push(PodId(id)),
                None => {
                    nodes.insert(entry.node.clone(), vec![PodId(id)]);
                }
            }
        }
        self.pods.insert(id, entry);
        old
    }

    fn remove(&mut self, id: u32) -> Option<PodEntry> {
        let old = self.pods.remove(&id)?;
        if let Some(set) = old.set {
            if let Some(nodes) = self.on.get_mut(&set) {
                if let Some(v) = nodes.get_mut(&old.node) {
                    v.retain(|p| p.0 != id);
                    if v.is_empty() {
                        nodes.remove(&old.node);
                    }
                }
            }
        }
        Some(old)
    }
}

/// A DaemonSet's placement bits on a node (`should_run`,
/// `should_continue_running`).
fn placement_bits<E: AnyEngine>(engine: &E, set: SetId, node: NodeId) -> u8 {
    engine.fit(set, node).map_or(0, |p| {
        u8::from(p.should_run) | u8::from(p.should_continue_running) << 1
    })
}

/// The pods of a DaemonSet on the node named `node`, as indexed.
fn pods_of<'i>(index: &'i PodIndex, set: u32, node: &str) -> &'i [PodId] {
    index
        .on
        .get(&set)
        .and_then(|m| m.get(node))
        .map_or(&[], Vec::as_slice)
}

/// [`PodsOn`] over the index and the engine (for names and phases).
struct On<'x, E> {
    index: &'x PodIndex,
    engine: &'x E,
}

impl<E: AnyEngine> PodsOn for On<'_, E> {
    fn pod_on(&self, set: SetId, node: &str) -> Option<(String, PodPhase)> {
        let ids = self.index.on.get(&set.0)?.get(node)?;
        ids.iter().find_map(|&id| {
            let p = self.engine.pod(id)?;
            Some((self.engine.text(p.name).to_owned(), p.phase))
        })
    }
}

/// A node: its name and, per DaemonSet slot, its placement bits (`should_run`,
/// `should_continue_running`).
#[derive(Default)]
struct NodeEntry {
    name: String,
    bits: Vec<u8>,
}

/// A re-list under way: the objects it named (namespace, name), and when its
/// stream last sent one.
struct Relist {
    /// The kind, as an object says it (`Node`, `DaemonSet`, `Pod`).
    kind: &'static str,
    named: HashSet<(String, String)>,
    last: Option<Instant>,
}

/// The kind of the objects of [`KINDS`]`[source]` whose re-list is swept:
/// ControllerRevisions are not (the core keeps only the current hash of each
/// DaemonSet, not the revisions by name).
fn swept_kind(source: usize) -> Option<&'static str> {
    match KINDS.get(source).copied()? {
        "nodes" => Some("Node"),
        "daemonsets" => Some("DaemonSet"),
        "pods" => Some("Pod"),
        _ => None,
    }
}

/// How long a re-list's stream is quiet before its list is taken as complete
/// (the rule that ends the initial lists when reading live).
const LIST_QUIET: Duration = Duration::from_secs(1);

/// Entries of each list of a kept plan: creates and deletes are at most 250
/// (the burst limit), holds one per node that should run the pod and has none
/// yet (or not available); a plan with more is not kept and its DaemonSet is
/// synced in full.
const KEPT: usize = 4096;

/// A pod about to change, whose DaemonSet may be re-planned by its node.
struct PodBefore {
    pod: u32,
    set: u32,
    node: u32,
    part: Option<NodePart>,
}

/// Bytes for the strings of an event's [`Peek`] that hold an escape (names
/// are at most 253 bytes).
const PEEK_TEXT: usize = 1024;

/// An event's `type`; a bare object reads as `ADDED`.
fn event_type<'a>(peek: &Peek<'a>) -> &'a str {
    peek.event_type.unwrap_or("ADDED")
}

/// The last event, for the report.
#[derive(Default)]
struct Last {
    type_: String,
    kind: String,
    namespace: String,
    name: String,
}

struct Watcher<'a, E, const N: usize> {
    engine: &'a mut E,
    plan: &'a mut Plan<N>,
    options: &'a Options,
    out: &'a mut dyn Write,
    now: Timestamp,
    /// Events read.
    event: u64,
    /// Still reading the initial lists.
    initial: bool,
    sets: HashMap<u32, SetState>,
    index: PodIndex,
    nodes: HashMap<u32, NodeEntry>,
    /// DaemonSets to sync in full at the next report.
    dirty: BTreeSet<u32>,
    /// DaemonSets to re-plan at the next report because only nodes' placements
    /// changed: each node with its placement bits when the DaemonSet's kept plan
    /// was made.
    moved: BTreeMap<u32, Vec<(u32, u8)>>,
    /// Each DaemonSet's last plan, when it fits in a [`Kept`] plan: what
    /// `Engine::sync_node` re-plans from.
    kept: HashMap<u32, Box<Plan<KEPT>>>,
    /// DaemonSets to re-plan at the next report because pods on some nodes
    /// changed: each node, and its part of the kept plan before its first
    /// change (`Engine::node_part`; `None` when the core cannot re-plan from
    /// it). The nodes are re-planned in turn.
    pods_moved: HashMap<u32, Vec<(u32, Option<NodePart>)>>,
    /// The pod of the event being applied, its DaemonSet and node, and the
    /// node's part before the event.
    pod_before: Option<PodBefore>,
    /// Changes of DaemonSets removed since the last report.
    removed: Vec<SetChange>,
    /// Events since the last report, and when the batch started.
    batch_events: u64,
    batch_start: Option<(i64, Instant)>,
    last: Last,
    owed_any: bool,
    owed_after: Option<i64>,
    /// Re-lists under way, by input.
    relists: HashMap<usize, Relist>,
    /// The nodes a DaemonSet was re-planned by (kept for its allocation).
    replanned: Vec<NodeId>,
    /// The DaemonSets, once asked for since the last DaemonSet event.
    set_ids: Option<Vec<SetId>>,
    /// A node's placement bits, as [`Watcher::fill_bits`] works them out.
    bits: Vec<u8>,
    /// The DaemonSets a report syncs (kept for its allocation).
    report_sets: Vec<u32>,
    /// A report's line of JSON (kept for its allocation).
    line: Vec<u8>,
}

impl<'a, E: AnyEngine, const N: usize> Watcher<'a, E, N> {
    fn new(
        engine: &'a mut E,
        plan: &'a mut Plan<N>,
        options: &'a Options,
        out: &'a mut dyn Write,
    ) -> Self {
        Watcher {
            engine,
            plan,
            options,
            out,
            now: Timestamp(0),
            event: 0,
            initial: true,
            sets: HashMap::new(),
            index: PodIndex::default(),
            nodes: HashMap::new(),
            dirty: BTreeSet::new(),
            moved: BTreeMap::new(),
            kept: HashMap::new(),
            pods_moved: HashMap::new(),
            pod_before: None,
            removed: Vec::new(),
            batch_events: 0,
            batch_start: None,
            last: Last::default(),
            owed_any: false,
            owed_after: options
                .owed_after
                .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
            relists: HashMap::new(),
            replanned: Vec::new(),
            set_ids: None,
            bits: Vec::new(),
            report_sets: Vec::new(),
            line: Vec::new(),
        }
    }

    /// Reads `paths` one after another; true when stopped early.
    fn in_turn(&mut self, paths: &[PathBuf]) -> Result<bool> {
        for path in paths {
            let reader = source::open(path)?;
            let mut s = Splitter::new(reader, self.options.max_bytes);
            while let Some(json) = s
                .next_object()
                .map_err(|e| anyhow!("{}: {e}", path.display()))?
            {
                if self.event(json)? {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }

    /// Reads the merged inputs until every one ends; true when stopped early.
    fn merged(
        &mut self,
        rx: &std::sync::mpsc::Receiver<Message>,
        open: &mut usize,
        names: &[String],
    ) -> Result<bool> {
        let tick = Duration::from_secs(1);
        while *open > 0 {
            let message = source::receive(rx, tick);
            if self.quiet_relists()? {
                return Ok(true);
            }
            match message {
                Ok(Message::Object { source, json }) => {
                    if self.relisted(source, &json)? || self.event(&json)? {
                        return Ok(true);
                    }
                }
                Ok(Message::Restarted { source }) => {
                    eprintln!(
                        "dsr: {} ended; started again (what its re-list does not name is taken as deleted)",
                        names.get(source).map_or("an input", String::as_str)
                    );
                    // A re-list cut short by another restart is not known
                    // complete: it is dropped, not swept.
                    match swept_kind(source) {
                        Some(kind) => {
                            self.relists.insert(
                                source,
                                Relist {
                                    kind,
                                    named: HashSet::new(),
                                    last: None,
                                },
                            );
                        }
                        None => {
                            self.relists.remove(&source);
                        }
                    }
                }
                Ok(Message::Ended) => *open -= 1,
                Ok(Message::Failed { source, error }) => {
                    bail!(
                        "{}: {error:#}",
                        names.get(source).map_or("an input", String::as_str)
                    )
                }
                Err(RecvTimeoutError::Timeout) => {
                    if self.tick()? {
                        return Ok(true);
                    }
                }
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        Ok(false)
    }

    /// An event of input `source` during its re-list: an `ADDED` one is named
    /// in it; another ends it (swept before the event is applied). True when
    /// the watch must stop.
    fn relisted(&mut self, source: usize, json: &[u8]) -> Result<bool> {
        let Some(relist) = self.relists.get_mut(&source) else {
            return Ok(false);
        };
        let mut text = [0; PEEK_TEXT];
        match Peek::read(json, &mut text) {
            Ok(h) if event_type(&h) == "ADDED" => {
                relist.named.insert((
                    h.namespace.unwrap_or_default().to_owned(),
                    h.name.unwrap_or_default().to_owned(),
                ));
                relist.last = Some(Instant::now());
                Ok(false)
            }
            _ => self.sweep(source),
        }
    }

    /// Sweeps the re-lists whose stream has been quiet for [`LIST_QUIET`] after
    /// naming an object; true when the watch must stop.
    fn quiet_relists(&mut self) -> Result<bool> {
        let mut done: Vec<usize> = self
            .relists
            .iter()
            .filter(|(_, r)| r.last.is_some_and(|t| t.elapsed() >= LIST_QUIET))
            .map(|(source, _)| *source)
            .collect();
        done.sort_unstable();
        for source in done {
            if self.sweep(source)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The re-list of input `source` is complete: each object of its kind it
    /// did not name was deleted while the stream was down, and is removed as a
    /// `DELETED` event would remove it (and reported as one). True when the
    /// watch must stop.
    fn sweep(&mut self, source: usize) -> Result<bool> {
        let Some(relist) = self.relists.remove(&source) else {
            return Ok(false);
        };
        let e = &*self.engine;
        let mut gone: Vec<(String, String)> = match relist.kind {
            "Node" => self
                .nodes
                .keys()
                .filter_map(|&id| e.node(NodeId(id)))
                .map(|n| (String::new(), e.text(n.name).to_owned()))
                .collect(),
            "DaemonSet" => e
                .daemon_set_ids()
                .into_iter()
                .filter_map(|id| e.daemon_set(id))
                .map(|d| (e.text(d.namespace).to_owned(), e.text(d.name).to_owned()))
                .collect(),
            _ => self
                .index
                .pods
                .keys()
                .filter_map(|&id| e.pod(dsr_core::PodId(id)))
                .map(|p| (e.text(p.namespace).to_owned(), e.text(p.name).to_owned()))
                .collect(),
        };
        gone.retain(|key| !relist.named.contains(key));
        gone.sort();
        for (namespace, name) in gone {
            let api_version = if relist.kind == "DaemonSet" {
                "apps/v1"
            } else {
                "v1"
            };
            let mut metadata = serde_json::json!({ "name": name });
            if !namespace.is_empty() {
                metadata["namespace"] = namespace.into();
            }
            let deleted = serde_json::json!({
                "type": "DELETED",
                "object": {
                    "kind": relist.kind,
                    "apiVersion": api_version,
                    "metadata": metadata,
                },
            });
            if self.event(&serde_json::to_vec(&deleted)?)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// A second without events (live mode): the initial lists are in; time
    /// passes for requeues, batches and owed actions.
    fn tick(&mut self) -> Result<bool> {
        if self.event == 0 {
            return Ok(false);
        }
        if !self.options.replay {
            self.now = self.now.max(clock());
        }
        if self.initial {
            return self.end_initial();
        }
        if self.options.batch.is_some() && !self.batch_due(self.now) {
            return Ok(false);
        }
        self.requeue();
        self.report()
    }

    /// The end of the input: what is left is reported.
    fn finish(&mut self) -> Result<()> {
        if self.initial {
            self.end_initial()?;
        } else if self.batch_events > 0
            || !self.dirty.is_empty()
            || !self.moved.is_empty()
            || !self.pods_moved.is_empty()
            || !self.removed.is_empty()
        {
            self.report()?;
        }
        Ok(())
    }

    /// One event; true when the watch must stop.
    fn event(&mut self, json: &[u8]) -> Result<bool> {
        let mut text = [0; PEEK_TEXT];
        let header = match Peek::read(json, &mut text) {
            Ok(h) => h,
            Err(e) => {
                self.event += 1;
                eprintln!("dsr: warning: event {}: not a watch event: {e}", self.event);
                return Ok(false);
            }
        };
        // The initial lists end before this event.
        let type_ = event_type(&header);
        if self.initial && type_ != "ADDED" && self.end_initial()? {
            return Ok(true);
        }
        let time = if self.options.replay {
            header.latest_time.map_or(self.now, |t| t.max(self.now))
        } else {
            clock().max(self.now)
        };
        // A batch that is over is reported before this event.
        if !self.initial && self.batch_events > 0 && self.batch_due(time) && self.report()? {
            return Ok(true);
        }
        self.event += 1;
        self.now = time;
        if !self.initial {
            self.requeue();
        }
        self.pod_before = match header.kind {
            Some("Pod") if !self.initial => self.pod_before(&header),
            _ => None,
        };
        match self.engine.apply(json) {
            Ok(applied) => self.applied(
                &header,
                applied.id,
                applied.change,
                applied.placement_changed,
            ),
            Err(e) => eprintln!("dsr: warning: event {}: {e}", self.event),
        }
        // Kept in the strings of the last event: no allocation per event.
        let last = &mut self.last;
        for (to, from) in [
            (&mut last.type_, type_),
            (&mut last.kind, header.kind.unwrap_or("")),
            (&mut last.namespace, header.namespace.unwrap_or("")),
            (&mut last.name, header.name.unwrap_or("")),
        ] {
            to.clear();
            to.push_str(from);
        }
        if self.batch_start.is_none() {
            self.batch_start = Some((self.now.0, Instant::now()));
        }
        self.batch_events += 1;
        if !self.initial && self.options.batch.is_none() && self.report()? {
            return Ok(true);
        }
        Ok(self.options.max_events.is_some_and(|max| self.event >= max))
    }

    /// Whether the batch started is over at `time`.
    fn batch_due(&self, time: Timestamp) -> bool {
        let (Some(batch), Some((start, instant))) = (self.options.batch, self.batch_start) else {
            return true;
        };
        if self.options.replay {
            let ms = i128::from(time.0 - start) * 1000;
            ms >= i128::try_from(batch.as_millis()).unwrap_or(i128::MAX)
        } else {
            instant.elapsed() >= batch
        }
    }

    /// DaemonSets whose requeue time has come are synced at the next report.
    fn requeue(&mut self) {
        for (id, s) in &mut self.sets {
            if s.requeue_at.is_some_and(|t| t <= self.now.0) {
                s.requeue_at = None;
                self.dirty.insert(*id);
            }
        }
    }

    fn applied(&mut self, header: &Peek<'_>, id: ObjectId, change: Change, placement: bool) {
        match id {
            ObjectId::Node(node) => self.node_changed(node, change, placement),
            ObjectId::DaemonSet(set) => self.set_changed(set, change, header),
            ObjectId::Pod(pod) => self.pod_changed(pod.0, change),
            ObjectId::Revision(Some(set))
                if matches!(change, Change::Added | Change::Updated | Change::Removed) =>
            {
                self.dirty.insert(set.0);
            }
            _ => {}
        }
    }

    /// The placement bits of every DaemonSet on `node`.
    fn bits(&mut self, node: NodeId) -> Vec<u8> {
        self.fill_bits(node);
        self.bits.clone()
    }

    /// The placement bits of every DaemonSet on `node`, into `self.bits`.
    fn fill_bits(&mut self, node: NodeId) {
        if self.set_ids.is_none() {
            self.set_ids = Some(self.engine.daemon_set_ids());
        }
        let ids = self.set_ids.as_deref().unwrap_or_default();
        let len = ids.iter().map(|s| s.0 as usize + 1).max().unwrap_or(0);
        self.bits.clear();
        self.bits.resize(len, 0);
        for &set in ids {
            if let Some(b) = self.bits.get_mut(set.0 as usize) {
                *b = placement_bits(&*self.engine, set, node);
            }
        }
    }

    fn placement_bits(&self, set: SetId, node: NodeId) -> u8 {
        placement_bits(&*self.engine, set, node)
    }

    /// Whether a DaemonSet has a kept plan, is not to be synced in full and
    /// `node`'s placement for it has not moved since: then a pod event on the
    /// node may re-plan it by the node.
    fn untouched(&self, set: u32, node: u32) -> bool {
        self.kept.contains_key(&set)
            && !self.dirty.contains(&set)
            && !self
                .moved
                .get(&set)
                .is_some_and(|nodes| nodes.iter().any(|(n, _)| *n == node))
    }

    /// Pods of `set` on `node` changed: the node is re-planned at the next
    /// report from `part`, unless it already is from its part before an
    /// earlier change.
    fn pod_moved(&mut self, set: u32, node: u32, part: Option<NodePart>) {
        let nodes = self.pods_moved.entry(set).or_default();
        if !nodes.iter().any(|(n, _)| *n == node) {
            nodes.push((node, part));
        }
    }

    /// The pods of a DaemonSet on the node named `node`, as indexed.
    fn pods_of(&self, set: u32, node: &str) -> &[PodId] {
        pods_of(&self.index, set, node)
    }

    /// The node's part of the plan of a pod's DaemonSet, before an event
    /// changes the (existing) pod.
    fn pod_before(&self, header: &Peek<'_>) -> Option<PodBefore> {
        let namespace = header.namespace?;
        let name = header.name?;
        let pod = self.engine.find_pod(namespace, name)?.0;
        let entry = self.index.pods.get(&pod)?;
        let set = entry.set?;
        self.part_before(pod, set, &entry.node, None)
    }

    /// A node's part of a DaemonSet's kept plan now, leaving out pod
    /// `leave_out`; `None` when the DaemonSet cannot be re-planned by the node
    /// ([`Watcher::untouched`]).
    fn part_before(
        &self,
        pod: u32,
        set: u32,
        node: &str,
        leave_out: Option<u32>,
    ) -> Option<PodBefore> {
        let id = self.engine.find_node(node)?;
        if !self.untouched(set, id.0) {
            return None;
        }
        let known = self
            .pods_moved
            .get(&set)
            .is_some_and(|nodes| nodes.iter().any(|(n, _)| *n == id.0));
        if known {
            // The part before the batch's first change there is kept.
            return Some(PodBefore {
                pod,
                set,
                node: id.0,
                part: None,
            });
        }
        let all = self.pods_of(set, node);
        // Copied only when the pod left out is among them.
        let without: Vec<PodId>;
        let pods = match leave_out {
            Some(out) if all.iter().any(|p| p.0 == out) => {
                without = all.iter().copied().filter(|p| p.0 != out).collect();
                &without[..]
            }
            _ => all,
        };
        let part = self
            .engine
            .node_part(SetId(set), id, pods, self.now)
            .ok()
            .flatten();
        Some(PodBefore {
            pod,
            set,
            node: id.0,
            part,
        })
    }

    /// Re-plans `set`'s kept plan after pods on some nodes changed
    /// (`Engine::sync_node_pods`, a node at a time), adding the nodes whose
    /// entries changed to `changed`; false when the core cannot.
    fn replan_pods(
        &mut self,
        set: SetId,
        nodes: &[(u32, Option<NodePart>)],
        now: Timestamp,
        changed: &mut Vec<NodeId>,
    ) -> bool {
        let Some(plan) = self.kept.get_mut(&set.0) else {
            return false;
        };
        for (node, part) in nodes {
            let (Some(part), Some(entry)) = (part, self.nodes.get(node)) else {
                return false;
            };
            let pods = pods_of(&self.index, set.0, &entry.name);
            let Ok(Some(r)) = self.engine.sync_node_pods(set, part, pods, now, plan) else {
                return false;
            };
            changed.push(NodeId(*node));
            changed.extend(r.shifted());
            // As after each re-plan by placement (see `replan`).
            let _ = self.engine.observe_creates(set, u32::MAX);
            let _ = self.engine.observe_deletes(set, u32::MAX);
        }
        true
    }

    /// Re-plans `set`'s kept plan for the nodes whose placement moved
    /// (`Engine::sync_node`), adding the nodes whose entries changed to
    /// `changed`; false when the core cannot, and then the DaemonSet is
    /// synced in full.
    fn replan(
        &mut self,
        set: SetId,
        nodes: &[(u32, u8)],
        now: Timestamp,
        changed: &mut Vec<NodeId>,
    ) -> bool {
        let Some(plan) = self.kept.get_mut(&set.0) else {
            return false;
        };
        for &(node, bits) in nodes {
            let Some(entry) = self.nodes.get(&node) else {
                return false;
            };
            let change = NodeChange {
                node: NodeId(node),
                was: Fit {
                    should_run: bits & 1 != 0,
                    should_continue_running: bits & 2 != 0,
                },
                pods: pods_of(&self.index, set.0, &entry.name),
            };
            let Ok(Some(r)) = self.engine.sync_node(set, &change, now, plan) else {
                return false;
            };
            changed.push(NodeId(node));
            changed.extend(r.shifted());
            // Each re-plan is a sync: its creates and deletes are taken as
            // done, as after any sync here, before the next node's (or a full
            // sync, should the next one fail).
            let _ = self.engine.observe_creates(set, u32::MAX);
            let _ = self.engine.observe_deletes(set, u32::MAX);
        }
        true
    }

    /// DaemonSets with pods on the node named `name`.
    fn sets_with_pods_on(&self, name: &str) -> Vec<u32> {
        self.index
            .on
            .iter()
            .filter(|(_, nodes)| nodes.contains_key(name))
            .map(|(set, _)| *set)
            .collect()
    }

    fn node_changed(&mut self, node: NodeId, change: Change, placement: bool) {
        match change {
            Change::Removed => {
                let Some(entry) = self.nodes.remove(&node.0) else {
                    return;
                };
                if self.initial {
                    return;
                }
                let with_pods = self.sets_with_pods_on(&entry.name);
                self.dirty.extend(with_pods);
                self.dirty.extend(
                    entry
                        .bits
                        .iter()
                        .enumerate()
                        .filter(|(_, b)| **b != 0)
                        .map(|(i, _)| i as u32),
                );
            }
            Change::Added => {
                let name = self
                    .engine
                    .node(node)
                    .map(|n| self.engine.text(n.name).to_owned())
                    .unwrap_or_default();
                if self.initial {
                    self.nodes.insert(
                        node.0,
                        NodeEntry {
                            name,
                            bits: Vec::new(),
                        },
                    );
                    return;
                }
                let bits = self.bits(node);
                let with_pods = self.sets_with_pods_on(&name);
                self.dirty.extend(with_pods);
                self.dirty.extend(
                    bits.iter()
                        .enumerate()
                        .filter(|(_, b)| **b != 0)
                        .map(|(i, _)| i as u32),
                );
                self.nodes.insert(node.0, NodeEntry { name, bits });
            }
            Change::Updated if placement && !self.initial => {
                self.fill_bits(node);
                let bits = &self.bits;
                let Some(entry) = self.nodes.get_mut(&node.0) else {
                    return;
                };
                let len = bits.len().max(entry.bits.len());
                for i in 0..len {
                    let was = entry.bits.get(i).copied().unwrap_or(0);
                    if bits.get(i).copied().unwrap_or(0) != was {
                        // The placement when the plan was made: the first
                        // change since the last report.
                        let pods_moved = self.pods_moved.get(&(i as u32));
                        if pods_moved.is_some_and(|v| v.iter().any(|(n, _)| *n == node.0)) {
                            // Pods and placement both moved on the node: a
                            // full sync.
                            self.dirty.insert(i as u32);
                        }
                        let nodes = self.moved.entry(i as u32).or_default();
                        if !nodes.iter().any(|(n, _)| *n == node.0) {
                            nodes.push((node.0, was));
                        }
                    }
                }
                entry.bits.clone_from(bits);
            }
            _ => {}
        }
    }

    fn set_changed(&mut self, set: SetId, change: Change, header: &Peek<'_>) {
        // DaemonSets may have come or gone.
        self.set_ids = None;
        if change == Change::Removed {
            if let Some(state) = self.sets.remove(&set.0) {
                let mut c = SetChange {
                    daemon_set: state.name.clone(),
                    removed: true,
                    ..Default::default()
                };
                let mut creates: Vec<String> = state.creates.into_keys().collect();
                creates.sort_unstable();
                for node in creates {
                    c.resolved.push(Resolved {
                        action: "create",
                        node,
                        pod: None,
                        outcome: "daemonSetGone",
                    });
                }
                let mut deletes: Vec<_> = state.deletes.into_iter().collect();
                deletes.sort_unstable_by(|a, b| a.0.cmp(&b.0));
                for (pod, p) in deletes {
                    c.resolved.push(Resolved {
                        action: "delete",
                        node: p.node,
                        pod: Some(pod),
                        outcome: "daemonSetGone",
                    });
                }
                self.removed.push(c);
            }
            self.dirty.remove(&set.0);
            self.moved.remove(&set.0);
            self.kept.remove(&set.0);
            self.pods_moved.remove(&set.0);
            for entry in self.nodes.values_mut() {
                if let Some(b) = entry.bits.get_mut(set.0 as usize) {
                    *b = 0;
                }
            }
            // Its pods are no one's until a DaemonSet takes the slot.
            let ids: Vec<u32> = self
                .index
                .pods
                .iter()
                .filter(|(_, e)| e.set == Some(set.0))
                .map(|(id, _)| *id)
                .collect();
            for id in ids {
                if let Some(mut e) = self.index.remove(id) {
                    e.set = None;
                    self.index.insert(id, e);
                }
            }
            return;
        }
        let name = format!(
            "{}/{}",
            header.namespace.unwrap_or("default"),
            header.name.unwrap_or("")
        );
        let s = &header.status;
        let shown = Shown {
            generation: header.generation,
            observed_generation: s.observed_generation,
            counts: (|| {
                Some([
                    s.desired_number_scheduled?,
                    s.current_number_scheduled?,
                    s.number_misscheduled.unwrap_or(0),
                    s.number_ready?,
                    s.updated_number_scheduled.unwrap_or(0),
                    s.number_available.unwrap_or(0),
                    s.number_unavailable.unwrap_or(0),
                ])
            })(),
        };
        let state = self.sets.entry(set.0).or_default();
        state.name = name;
        state.shown = shown;
        if self.initial {
            return;
        }
        state.check_status(self.now);
        if change == Change::Unchanged {
            return;
        }
        self.dirty.insert(set.0);
        let ids: Vec<u32> = self.nodes.keys().copied().collect();
        for node in ids {
            let b = self.placement_bits(set, NodeId(node));
            if let Some(entry) = self.nodes.get_mut(&node) {
                if entry.bits.len() <= set.0 as usize {
                    entry.bits.resize(set.0 as usize + 1, 0);
                }
                entry.bits[set.0 as usize] = b;
            }
        }
        if change == Change::Added {
            self.resolve_pods(|e| e.set.is_none());
        }
    }

    /// The DaemonSet of each pod `which` picks, from the engine.
    fn resolve_pods(&mut self, which: impl Fn(&PodEntry) -> bool) {
        let ids: Vec<u32> = self
            .index
            .pods
            .iter()
            .filter(|(_, e)| which(e))
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            let entry = self.pod_entry(id);
            self.index.insert(id, entry);
        }
    }

    /// A pod's DaemonSet (its controller) and node.
    fn pod_entry(&self, id: u32) -> PodEntry {
        let e = &*self.engine;
        let Some(p) = e.pod(dsr_core::PodId(id)) else {
            return PodEntry::default();
        };
        let set = if p.controller_is_daemon_set {
            e.find_daemon_set(e.text(p.namespace), e.text(p.controller_name))
                .map(|s| s.0)
        } else {
            None
        };
        PodEntry {
            set,
            node: p
                .target_node
                .map(|n| e.text(n).to_owned())
                .unwrap_or_default(),
        }
    }

    fn pod_changed(&mut self, pod: u32, change: Change) {
        match change {
            Change::Removed => {
                let before = self.pod_before.take();
                if let Some(set) = self.index.remove(pod).and_then(|e| e.set) {
                    match before {
                        Some(b) if b.pod == pod && b.set == set => {
                            self.pod_moved(set, b.node, b.part);
                        }
                        _ => {
                            self.dirty.insert(set);
                        }
                    }
                }
            }
            Change::Added | Change::Updated => {
                if self.initial {
                    self.index.insert(pod, PodEntry::default());
                    return;
                }
                let entry = self.pod_entry(pod);
                let new = entry.set;
                // A pod new to the index: the node's part before is the part
                // without it.
                let before = match self.pod_before.take() {
                    Some(b) => Some(b),
                    None if !self.index.pods.contains_key(&pod) => {
                        new.and_then(|s| self.part_before(pod, s, &entry.node, Some(pod)))
                    }
                    None => None,
                };
                let node = self.engine.find_node(&entry.node).map(|n| n.0);
                let old = self.index.insert(pod, entry).map(|e| e.set);
                if let Some(b) = before.filter(|b| {
                    b.pod == pod
                        && new == Some(b.set)
                        && old.is_none_or(|o| o == Some(b.set))
                        && node == Some(b.node)
                }) {
                    self.pod_moved(b.set, b.node, b.part);
                    return;
                }
                if let Some(old) = old.flatten() {
                    self.dirty.insert(old);
                }
                match new {
                    Some(set) => {
                        self.dirty.insert(set);
                    }
                    None => {
                        // Without a controller it may be adopted by any
                        // DaemonSet of its namespace.
                        let ns = self
                            .engine
                            .pod(dsr_core::PodId(pod))
                            .map(|p| format!("{}/", self.engine.text(p.namespace)))
                            .unwrap_or_default();
                        let sets = self
                            .sets
                            .iter()
                            .filter(|(_, s)| s.name.starts_with(&ns))
                            .map(|(id, _)| *id);
                        self.dirty.extend(sets.collect::<Vec<_>>());
                    }
                }
            }
            _ => {}
        }
    }

    /// The initial lists are in: every DaemonSet is synced and reported.
    fn end_initial(&mut self) -> Result<bool> {
        self.initial = false;
        self.resolve_pods(|_| true);
        let ids: Vec<u32> = self.nodes.keys().copied().collect();
        for node in ids {
            let bits = self.bits(NodeId(node));
            if let Some(entry) = self.nodes.get_mut(&node) {
                entry.bits = bits;
            }
        }
        for set in self.engine.daemon_set_ids() {
            self.sets.entry(set.0).or_default();
            self.dirty.insert(set.0);
        }
        self.last = Last {
            type_: "INITIAL".to_owned(),
            ..Default::default()
        };
        self.report()
    }

    /// Syncs the DaemonSets marked, finds what is owed, prints what changed.
    /// True when the watch must stop (`--exit-on-owed`).
    fn report(&mut self) -> Result<bool> {
        let mut changes = std::mem::take(&mut self.removed);
        let now = self.now;
        let full = std::mem::take(&mut self.dirty);
        let moved = std::mem::take(&mut self.moved);
        let pods_moved = std::mem::take(&mut self.pods_moved);
        let mut sets = std::mem::take(&mut self.report_sets);
        sets.clear();
        sets.extend(full.iter().chain(moved.keys()).chain(pods_moved.keys()));
        sets.sort_unstable();
        sets.dedup();
        for &set in &sets {
            let id = SetId(set);
            let Some(ds) = self.engine.daemon_set(id).copied() else {
                continue;
            };
            let mut nodes = std::mem::take(&mut self.replanned);
            nodes.clear();
            // The core names the nodes whose entries a re-plan changed (at the
            // burst limit, another node's may be pushed out of the lists).
            let replanned = !full.contains(&set)
                && match (moved.get(&set), pods_moved.get(&set)) {
                    (Some(moved), None) => self.replan(id, moved, now, &mut nodes),
                    (None, Some(pods)) => self.replan_pods(id, pods, now, &mut nodes),
                    // On different nodes (the same node's both are synced in
                    // full), each re-planned from its part before.
                    (Some(moved), Some(pods)) => {
                        self.replan(id, moved, now, &mut nodes)
                            && self.replan_pods(id, pods, now, &mut nodes)
                    }
                    (None, None) => false,
                };
            if !replanned {
                if let Err(e) = self.engine.sync(id, now, self.plan) {
                    self.kept.remove(&set);
                    eprintln!(
                        "dsr: warning: cannot sync {}/{}: {e}",
                        value(self.engine.text(ds.namespace)),
                        value(self.engine.text(ds.name))
                    );
                    continue;
                }
                let kept = self
                    .kept
                    .entry(set)
                    .or_insert_with(|| Box::new(Plan::new()));
                if kept.copy_from(self.plan).is_err() {
                    self.kept.remove(&set);
                }
            }
            // Each sync sees every earlier create and delete done: dsr watches
            // the cluster, it does not wait for its own actions.
            let _ = self.engine.observe_creates(id, u32::MAX);
            let _ = self.engine.observe_deletes(id, u32::MAX);
            let state = self.sets.entry(set).or_default();
            if state.name.is_empty() {
                state.name = format!(
                    "{}/{}",
                    self.engine.text(ds.namespace),
                    self.engine.text(ds.name)
                );
            }
            let on = On {
                index: &self.index,
                engine: &*self.engine,
            };
            let mut c = match self.kept.get(&set).filter(|_| replanned) {
                Some(plan) => state.take(&*self.engine, &**plan, id, now, &on, Some(&nodes)),
                None => state.take(&*self.engine, self.plan, id, now, &on, None),
            };
            if !c.is_empty() {
                c.daemon_set.clone_from(&state.name);
                changes.push(c);
            }
            self.replanned = nodes;
        }
        self.report_sets = sets;
        if let Some(after) = self.owed_after {
            let on = On {
                index: &self.index,
                engine: &*self.engine,
            };
            for (id, state) in &mut self.sets {
                let owed = state.owed(now, after, &on, SetId(*id));
                if owed.is_empty() {
                    continue;
                }
                match changes.iter_mut().find(|c| c.daemon_set == state.name) {
                    Some(c) => c.owed.extend(owed),
                    None => changes.push(SetChange {
                        daemon_set: state.name.clone(),
                        owed,
                        ..Default::default()
                    }),
                }
            }
        }
        let events = std::mem::take(&mut self.batch_events);
        self.batch_start = None;
        self.filter(&mut changes);
        if changes.is_empty() {
            return Ok(false);
        }
        changes.sort_by(|a, b| a.daemon_set.cmp(&b.daemon_set));
        let owed = changes.iter().any(|c| !c.owed.is_empty());
        let report = print::Report {
            event: self.event,
            events,
            time: now.to_string(),
            type_: &self.last.type_,
            kind: &self.last.kind,
            namespace: &self.last.namespace,
            name: &self.last.name,
            changes: &changes,
        };
        if self.options.json {
            print::json(self.out, &report, &mut self.line)?;
        } else {
            print::text(self.out, &report)?;
        }
        if !self.options.replay {
            self.out.flush()?;
        }
        self.owed_any |= owed;
        Ok(owed && self.options.exit_on_owed)
    }

    /// Keeps only what `--daemonset` and `--node` ask for.
    fn filter(&self, changes: &mut Vec<SetChange>) {
        if let Some(wanted) = &self.options.daemon_set {
            changes.retain(|c| match wanted.split_once('/') {
                Some(_) => &c.daemon_set == wanted,
                None => c.daemon_set.split_once('/').map(|(_, n)| n) == Some(wanted.as_str()),
            });
        }
        if let Some(node) = &self.options.node {
            for c in changes.iter_mut() {
                c.creates.retain(|x| &x.node == node);
                c.deletes.retain(|x| &x.node == node);
                c.resolved.retain(|x| &x.node == node);
                c.owed.retain(|x| &x.node == node);
                c.status = None;
                if !c
                    .rollout
                    .as_ref()
                    .is_some_and(|r| r.held_back_by.iter().any(|h| &h.node == node))
                {
                    c.rollout = None;
                }
                c.removed = false;
            }
            changes.retain(|c| !c.is_empty());
        }
    }
}

/// Reads a duration: `100ms`, `30s`, `2m`, `1h30m`, `1m30s`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let err = || format!("{s:?} is not a duration (like 100ms, 30s, 2m, 1h30m)");
    let mut total = Duration::ZERO;
    let mut rest = s.trim();
    if rest.is_empty() {
        return Err(err());
    }
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).ok_or_else(err)?;
        let n: u64 = rest[..digits].parse().map_err(|_| err())?;
        rest = &rest[digits..];
        let unit = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let d = match &rest[..unit] {
            "ms" => Duration::from_millis(n),
            "s" => Duration::from_secs(n),
            "m" => Duration::from_secs(n.saturating_mul(60)),
            "h" => Duration::from_secs(n.saturating_mul(3600)),
            _ => return Err(err()),
        };
        total = total.saturating_add(d);
        rest = &rest[unit..];
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_kubectl_writes_them() {
        assert_eq!(parse_duration("100ms"), Ok(Duration::from_millis(100)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert!(parse_duration("2 minutes").is_err());
        assert!(parse_duration("").is_err());
        assert_eq!(duration_words(125), "2m5s");
    }
}
