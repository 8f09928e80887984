//! The engine: every table, with the capacities the integrator chose.

use crate::affinity::{FieldRequirement, Term};
use crate::error::{Error, Result, Table};
use crate::intern::{Interner, Sym};
use crate::keys::{KeyIndex, KeyRow};
use crate::label::Label;
use crate::selector::Requirement;
use crate::table::{NameIndex, Pool, Slots, Span};
use crate::taint::{Taint, Toleration, TolerationOperator, Tolerations, DAEMON_TOLERATIONS};

/// Longest string the engine stores, in bytes. Kubernetes' own limits are lower for
/// every field dsr reads (a label key is at most 317 bytes, a name 253).
pub const STRING_MAX: usize = 1024;

/// Index of a node in its engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct NodeId(pub u32);

/// Index of a DaemonSet in its engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SetId(pub u32);

/// A stored node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Node {
    /// `metadata.name`.
    pub name: Sym,
    /// `metadata.labels`, sorted by key, in the label pool.
    pub labels: Span,
    /// Where the label keys DaemonSets select by are among the labels (see
    /// [`keys`](crate::keys)). Derived, so not part of a snapshot.
    #[cfg_attr(feature = "serde", serde(skip))]
    pub keys: KeyRow,
    /// `spec.taints` in order, in the taint pool.
    pub taints: Span,
    /// Which automatic daemon-pod tolerations tolerate each of the first taints.
    /// Derived, so not part of a snapshot.
    #[cfg_attr(feature = "serde", serde(skip))]
    pub taint_row: crate::taint::TaintRow,
    /// `spec.unschedulable`.
    pub unschedulable: bool,
    /// Which version of the node this is: a number no other node, nor another
    /// version of this one, had in this engine. What a [`Placement`]'s stamp
    /// names (see [`Engine::describe_placement`]). Derived, so not part of a
    /// snapshot (a restored engine numbers its objects anew).
    ///
    /// [`Placement`]: crate::Placement
    #[cfg_attr(feature = "serde", serde(skip))]
    pub version: u32,
}

/// A stored DaemonSet, compiled for evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DaemonSet {
    /// `metadata.name`.
    pub name: Sym,
    /// `metadata.namespace`.
    pub namespace: Sym,
    /// `metadata.uid`.
    pub uid: Sym,
    /// `spec.selector` as requirements sorted by key; `None` for a nil selector.
    pub selector: Option<Span>,
    /// `spec.template.metadata.labels`, sorted by key.
    pub template_labels: Span,
    /// `spec.template.spec.nodeSelector`, sorted by key.
    pub node_selector: Span,
    /// Required node affinity terms that are not empty; `None` without required
    /// node affinity.
    pub affinity: Option<Span>,
    /// Number of terms the user wrote (empty ones included), for messages.
    pub affinity_terms_written: u16,
    /// The template's tolerations, merged with the automatic daemon-pod tolerations as
    /// upstream does (one of the same rule is replaced by the automatic one).
    pub tolerations: Span,
    /// Bit `i` set: the daemon pod also gets automatic toleration `i` of
    /// [`DAEMON_TOLERATIONS`], which the template
    /// did not already have. [`Engine::daemon_tolerations`] gives the whole list.
    pub automatic_tolerations: u8,
    /// `spec.template.spec.nodeName`, [`Sym::EMPTY`] when unset.
    pub node_name: Sym,
    /// `spec.template.spec.hostNetwork`.
    pub host_network: bool,
    /// `metadata.generation`.
    pub generation: i64,
    /// `status.observedGeneration` as given.
    pub observed_generation: i64,
    /// `metadata.deletionTimestamp` is set.
    pub deleting: bool,
    /// `spec.updateStrategy`, with the API server's defaults applied.
    pub update_strategy: crate::sync::UpdateStrategy,
    /// `spec.minReadySeconds`.
    pub min_ready_seconds: i32,
    /// The current revision's hash ([`Sym::EMPTY`] when unknown).
    pub revision_hash: Sym,
    /// The template generation, when the annotation parses.
    pub template_generation: Option<i64>,
    /// The template generation in decimal, as pods carry it in their
    /// `pod-template-generation` label ([`Sym::EMPTY`] when there is none).
    pub template_generation_label: Sym,
    /// Which version of the DaemonSet this is, as [`Node::version`].
    #[cfg_attr(feature = "serde", serde(skip))]
    pub version: u32,
}

/// The automatic daemon-pod tolerations with their interned keys. Derived (from the
/// strings), so it does not show in `Debug`.
#[derive(Clone)]
pub(crate) struct AutomaticTolerations(pub [Toleration; DAEMON_TOLERATIONS.len()]);

impl core::fmt::Debug for AutomaticTolerations {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("AutomaticTolerations")
    }
}

/// Where every pool stood before an operation, so a failed one can be undone.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Checkpoint {
    labels: u32,
    taints: u32,
    tolerations: u32,
    requirements: u32,
    values: u32,
    terms: u32,
    fields: u32,
}

/// The engine: nodes, DaemonSets and (with the sync) pods in fixed-capacity tables.
///
/// Capacities:
/// - `NODES`, `SETS`, `PODS`: objects of each kind;
/// - `STRINGS`, `BYTES`: distinct strings and their total bytes;
/// - `LABELS`: labels of all nodes, pods and templates, and `matchLabels`/`nodeSelector`
///   entries;
/// - `RULES`: each of tolerations (the templates' own), requirements and
///   requirement values;
/// - `TAINTS` (by default `RULES`): taints of all nodes;
/// - `TERMS` (by default `RULES`): each of node-affinity terms and `matchFields`
///   requirements;
/// - `BACKOFF` (by default `PODS`): failed-pod backoff keys (a DaemonSet and a node
///   whose failed pod was deleted in the last half hour).
///
/// `TAINTS` and `TERMS` default to `RULES` and `BACKOFF` to `PODS`, so
/// `Engine<NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES>` sizes every rule pool
/// alike; a small engine (one node, few affinity terms) sets them apart to save RAM
/// (see [`footprint`](crate::footprint)).
///
/// Every operation either completes or fails with an [`Error`] and leaves every table
/// as it was.
#[derive(Debug, Clone)]
pub struct Engine<
    const NODES: usize,
    const SETS: usize,
    const PODS: usize,
    const STRINGS: usize,
    const BYTES: usize,
    const LABELS: usize,
    const RULES: usize,
    const TAINTS: usize = RULES,
    const TERMS: usize = RULES,
    const BACKOFF: usize = PODS,
> {
    pub(crate) strings: Interner<STRINGS, BYTES>,
    pub(crate) labels: Pool<Label, LABELS>,
    pub(crate) taints: Pool<Taint, TAINTS>,
    pub(crate) tolerations: Pool<Toleration, RULES>,
    pub(crate) requirements: Pool<Requirement, RULES>,
    pub(crate) values: Pool<Sym, RULES>,
    pub(crate) terms: Pool<Term, TERMS>,
    pub(crate) fields: Pool<FieldRequirement, TERMS>,
    pub(crate) nodes: Slots<Node, NODES>,
    pub(crate) sets: Slots<DaemonSet, SETS>,
    pub(crate) pods: Slots<crate::pod::Pod, PODS>,
    /// Nodes and pods by name (DaemonSets are few: they are searched).
    pub(crate) node_names: NameIndex<NODES>,
    pub(crate) pod_names: NameIndex<PODS>,
    /// The label keys that have slots in each node's [`KeyRow`].
    pub(crate) keys: KeyIndex<STRINGS>,
    /// Copies of node data for judging many nodes at once.
    pub(crate) node_columns: crate::block::NodeColumns<NODES>,
    /// Every (DaemonSet, node) placement, kept up to date.
    pub(crate) placements: crate::cache::Placements<NODES, SETS>,
    /// Each pod's controller and node.
    pub(crate) pod_index: crate::cache::PodIndex<PODS>,
    /// The automatic daemon-pod tolerations, one copy for every DaemonSet (their
    /// keys are interned when a DaemonSet is added).
    pub(crate) automatic_tolerations: AutomaticTolerations,
    /// What the sync remembers between calls (expectations, failed-pod backoff) and
    /// its working space.
    pub(crate) sync: crate::sync::SyncState<NODES, SETS, PODS, BACKOFF>,
    /// The feature gates decisions are made under.
    pub(crate) gates: crate::gates::FeatureGates,
    /// The next [`Node::version`] or [`DaemonSet::version`] to give: never reset,
    /// so a stamp from before a removal, `clear()` or `restore()` matches nothing.
    pub(crate) next_version: NextVersion,
    /// The highest ControllerRevision of each DaemonSet (see `Engine::apply`).
    #[cfg(feature = "json")]
    pub(crate) revisions: crate::revisions::Revisions<SETS>,
}

/// The next object version to give. History, not content: it does not show in
/// `Debug`, so an engine after `clear()` prints as a new one.
#[derive(Clone, Copy)]
pub(crate) struct NextVersion(pub u32);

impl core::fmt::Debug for NextVersion {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("NextVersion")
    }
}

impl<
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
    > Default for Engine<NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES, TAINTS, TERMS, BACKOFF>
{
    fn default() -> Self {
        Self::new()
    }
}

impl<
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
    > Engine<NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES, TAINTS, TERMS, BACKOFF>
{
    /// An empty engine.
    // Inlined with every table's constructor in optimized builds, so that the
    // optimiser writes the empty tables where the engine goes (the C API's
    // `dsr_engine_init`) instead of building them on the stack first; in debug
    // builds inlining would only add stack temporaries.
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub const fn new() -> Self {
        Engine {
            strings: Interner::new(),
            labels: Pool::new(),
            taints: Pool::new(),
            tolerations: Pool::new(),
            requirements: Pool::new(),
            values: Pool::new(),
            terms: Pool::new(),
            fields: Pool::new(),
            nodes: Slots::new(Table::Nodes),
            sets: Slots::new(Table::DaemonSets),
            pods: Slots::new(Table::Pods),
            node_names: NameIndex::new(),
            pod_names: NameIndex::new(),
            keys: KeyIndex::new(),
            node_columns: crate::block::NodeColumns::new(),
            placements: crate::cache::Placements::new(),
            pod_index: crate::cache::PodIndex::new(),
            automatic_tolerations: AutomaticTolerations(
                [Toleration {
                    key: Sym::EMPTY,
                    operator: TolerationOperator::Exists,
                    value: Sym::EMPTY,
                    effect: crate::taint::TaintEffect::Unset,
                    toleration_seconds: None,
                }; DAEMON_TOLERATIONS.len()],
            ),
            sync: crate::sync::SyncState::new(),
            gates: crate::gates::FeatureGates::DEFAULT,
            next_version: NextVersion(1),
            #[cfg(feature = "json")]
            revisions: crate::revisions::Revisions::new(),
        }
    }

    /// A version number no object of this engine had.
    pub(crate) fn new_version(&mut self) -> u32 {
        let v = self.next_version.0;
        // Wraps after four billion adds and updates; 0 is never given.
        self.next_version.0 = v.wrapping_add(1).max(1);
        v
    }

    /// Empties every table, keeping the memory (and the feature gates).
    pub fn clear(&mut self) {
        // Field by field: building a whole new engine would put a temporary of the
        // engine's full size on the stack.
        self.strings.clear();
        self.labels.clear();
        self.taints.clear();
        self.tolerations.clear();
        self.requirements.clear();
        self.values.clear();
        self.terms.clear();
        self.fields.clear();
        self.nodes.clear();
        self.sets.clear();
        self.pods.clear();
        self.node_names.clear();
        self.pod_names.clear();
        self.keys.clear();
        self.node_columns.clear();
        self.pod_index.clear();
        self.sync.clear();
        #[cfg(feature = "json")]
        self.revisions.clear();
    }

    /// Rebuilds every index from the tables (after a snapshot was restored).
    #[cfg_attr(not(any(test, feature = "snapshot")), allow(dead_code))]
    pub(crate) fn reindex(&mut self) -> Result<()> {
        // Versions are not in a snapshot: a restored object is a new version.
        for i in 0..self.nodes.slot_count() as u32 {
            let v = self.new_version();
            if let Some(n) = self.nodes.get_mut(i) {
                n.version = v;
            }
        }
        for i in 0..self.sets.slot_count() as u32 {
            let v = self.new_version();
            if let Some(d) = self.sets.get_mut(i) {
                d.version = v;
            }
        }
        self.node_names.clear();
        self.pod_names.clear();
        // A name held twice (a snapshot the API would not have made) is found at
        // its lowest index, as a search in index order finds it.
        for (i, n) in self.nodes.iter() {
            self.node_names.insert(n.name, i)?;
        }
        for (i, p) in self.pods.iter() {
            self.pod_names.insert(p.name, i)?;
        }
        self.rebuild_keys();
        for (i, (key, _)) in DAEMON_TOLERATIONS.iter().enumerate() {
            let sym = self.strings.get(key).unwrap_or(Sym::EMPTY);
            self.set_automatic_toleration(i, sym);
        }
        self.recount_holders();
        self.refresh_taint_rows();
        self.pod_index.clear();
        for i in 0..self.pods.slot_count() as u32 {
            self.index_pod(i);
        }
        for i in 0..self.sets.slot_count() as u32 {
            self.refresh_set_fits(i);
        }
        self.sync.order_valid = false;
        Ok(())
    }

    /// Bytes this engine occupies: the whole of its RAM, as nothing is allocated.
    /// [`footprint::footprint`](crate::footprint::footprint) gives the same from the
    /// capacities, and documents the formula.
    pub const fn footprint() -> usize {
        core::mem::size_of::<Self>()
    }

    /// How much of each table is in use.
    pub fn usage(&self) -> crate::footprint::Usage {
        crate::footprint::Usage {
            nodes: self.nodes.len(),
            sets: self.sets.len(),
            pods: self.pods.len(),
            strings: self.strings.len(),
            bytes: self.strings.bytes_used(),
            labels: self.labels.len(),
            rules: [
                self.taints.len(),
                self.tolerations.len(),
                self.requirements.len(),
                self.values.len(),
                self.terms.len(),
                self.fields.len(),
            ],
            backoff: self.sync.backoff.len(),
        }
    }

    /// The most of each table held at once since the engine was made (a failed
    /// operation's attempt included, and `clear()` keeps them): what to size
    /// capacities by after a long run. Field by field as [`usage`](Self::usage).
    pub fn high_water(&self) -> crate::footprint::Usage {
        let (strings, bytes) = self.strings.high_water();
        crate::footprint::Usage {
            nodes: self.nodes.high_water(),
            sets: self.sets.high_water(),
            pods: self.pods.high_water(),
            strings,
            bytes,
            labels: self.labels.high_water(),
            rules: [
                self.taints.high_water(),
                self.tolerations.high_water(),
                self.requirements.high_water(),
                self.values.high_water(),
                self.terms.high_water(),
                self.fields.high_water(),
            ],
            backoff: self.sync.backoff.high_water(),
        }
    }

    /// Every table with what it holds, its capacity and its high-water mark, in
    /// the order of [`TABLES`](crate::footprint::TABLES).
    ///
    /// ```
    /// use dsr_core::input::NodeInput;
    /// let mut engine = dsr_core::TinyEngine::new();
    /// let id = engine.add_node(&NodeInput { name: "edge-rpi4-01", ..Default::default() }).unwrap();
    /// engine.remove_node(id).unwrap();
    /// let nodes = engine.table_usage()[0];
    /// assert_eq!((nodes.table, nodes.used, nodes.capacity, nodes.high_water),
    ///            (dsr_core::error::Table::Nodes, 0, 8, 1));
    /// ```
    pub fn table_usage(&self) -> [crate::footprint::TableUsage; crate::footprint::TABLES.len()] {
        crate::footprint::TableUsage::report(&self.usage(), &self.high_water(), &Self::capacities())
    }

    /// This engine's capacities.
    pub const fn capacities() -> crate::footprint::Capacities {
        crate::footprint::Capacities {
            nodes: NODES,
            sets: SETS,
            pods: PODS,
            strings: STRINGS,
            bytes: BYTES,
            labels: LABELS,
            rules: RULES,
            taints: TAINTS,
            terms: TERMS,
            backoff: BACKOFF,
        }
    }

    /// How many strings the engine has freed so far (wrapping): while it is
    /// unchanged, every symbol it handed out (in a [`Plan`](crate::Plan), a
    /// [`Reason`](crate::Reason), a record) still names the text it named. A
    /// symbol held by a live object is valid whatever this says.
    pub fn strings_freed(&self) -> u32 {
        self.strings.freed()
    }

    /// Whether every string `plan` names is still the one it named: no string was
    /// freed since [`sync`](Self::sync) made it. A plan that is not current may
    /// still be read entry by entry where the entry's object is checked (a create's
    /// node, a delete's pod, still holding the names the entry gives).
    pub fn plan_is_current<const N: usize>(&self, plan: &crate::Plan<N>) -> bool {
        plan.strings_freed == self.strings.freed()
    }

    /// Whether a plan's create still names its node as the node is now: the node
    /// exists under that id and name (so the name is valid, held by the node).
    pub fn create_is_current(&self, create: &crate::sync::Create) -> bool {
        self.nodes
            .get(create.node.0)
            .is_some_and(|n| n.name == create.node_name)
    }

    /// Whether a plan's delete still names its pod as the pod is now: the pod
    /// exists under that id, with that name and on (or for) that node, so both
    /// names are valid, held by the pod.
    pub fn delete_is_current(&self, delete: &crate::sync::Delete) -> bool {
        self.pods.get(delete.pod.0).is_some_and(|p| {
            p.name == delete.pod_name
                && (p.node_name == delete.node_name || p.target_node == Some(delete.node_name))
        })
    }

    /// The interned text of a symbol.
    pub fn text(&self, sym: Sym) -> &str {
        self.strings.resolve(sym)
    }

    /// The string table.
    pub fn strings(&self) -> &Interner<STRINGS, BYTES> {
        &self.strings
    }

    // Out of line in the firmware build (`compact`): inlined into each of
    // its callers, it cost more than the call.
    #[cfg_attr(feature = "compact", inline(never))]
    pub(crate) fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            labels: self.labels.mark(),
            taints: self.taints.mark(),
            tolerations: self.tolerations.mark(),
            requirements: self.requirements.mark(),
            values: self.values.mark(),
            terms: self.terms.mark(),
            fields: self.fields.mark(),
        }
    }

    /// Undoes every pool push since `cp`, and frees the strings interned since that
    /// no object holds.
    #[cfg_attr(feature = "compact", inline(never))]
    pub(crate) fn rollback(&mut self, cp: Checkpoint) {
        self.strings.sweep();
        self.labels.truncate(cp.labels);
        self.taints.truncate(cp.taints);
        self.tolerations.truncate(cp.tolerations);
        self.requirements.truncate(cp.requirements);
        self.values.truncate(cp.values);
        self.terms.truncate(cp.terms);
        self.fields.truncate(cp.fields);
    }

    /// Runs `f`, undoing every pool push and interned string when it fails.
    pub(crate) fn atomically<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        let cp = self.checkpoint();
        let r = f(self);
        if r.is_err() {
            self.rollback(cp);
        }
        r
    }

    /// Interns a string after checking its length.
    pub(crate) fn intern(&mut self, s: &str, field: crate::error::Field) -> Result<Sym> {
        if s.len() > STRING_MAX {
            return Err(Error::TooLong {
                field,
                max: crate::error::saturating_u32(STRING_MAX),
            });
        }
        self.strings.intern(s)
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Number of DaemonSets.
    pub fn daemon_set_count(&self) -> usize {
        self.sets.len()
    }

    /// A node by id.
    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(id.0)
    }

    /// A DaemonSet by id.
    pub fn daemon_set(&self, id: SetId) -> Option<&DaemonSet> {
        self.sets.get(id.0)
    }

    /// Every node with its id, in id order.
    pub fn nodes(&self) -> impl Iterator<Item = (NodeId, &Node)> + '_ {
        self.nodes.iter().map(|(i, n)| (NodeId(i), n))
    }

    /// Every DaemonSet with its id, in id order.
    pub fn daemon_sets(&self) -> impl Iterator<Item = (SetId, &DaemonSet)> + '_ {
        self.sets.iter().map(|(i, d)| (SetId(i), d))
    }

    /// The node called `name`.
    pub fn find_node(&self, name: &str) -> Option<NodeId> {
        let sym = self.strings.get(name)?;
        self.node_names.find(sym, |_| true).map(NodeId)
    }

    /// The DaemonSet `namespace/name`.
    pub fn find_daemon_set(&self, namespace: &str, name: &str) -> Option<SetId> {
        let ns = self.strings.get(namespace)?;
        let n = self.strings.get(name)?;
        self.sets
            .iter()
            .find(|(_, d)| d.name == n && d.namespace == ns)
            .map(|(i, _)| SetId(i))
    }

    /// A node's labels.
    pub fn node_labels(&self, node: &Node) -> &[Label] {
        self.labels.get(node.labels)
    }

    /// Records automatic toleration `i` with its interned key.
    pub(crate) fn set_automatic_toleration(&mut self, i: usize, key: Sym) -> Toleration {
        let (_, effect) = DAEMON_TOLERATIONS
            .get(i)
            .copied()
            .unwrap_or(("", crate::taint::TaintEffect::Unset));
        let t = Toleration {
            key,
            operator: TolerationOperator::Exists,
            value: Sym::EMPTY,
            effect,
            toleration_seconds: None,
        };
        if let Some(slot) = self.automatic_tolerations.0.get_mut(i) {
            let changed = *slot != t;
            *slot = t;
            if changed {
                self.refresh_taint_rows();
            }
        }
        t
    }

    /// A node's [`TaintRow`](crate::taint::TaintRow) for taints `taints`.
    pub(crate) fn taint_row(&self, taints: Span) -> crate::taint::TaintRow {
        crate::taint::TaintRow::of(self.taints.get(taints), &self.automatic_tolerations.0)
    }

    /// Works out every node's [`TaintRow`](crate::taint::TaintRow) again (the
    /// automatic tolerations changed).
    pub(crate) fn refresh_taint_rows(&mut self) {
        let Engine {
            nodes,
            taints,
            automatic_tolerations,
            ..
        } = self;
        for (_, n) in nodes.iter_mut() {
            n.taint_row =
                crate::taint::TaintRow::of(taints.get(n.taints), &automatic_tolerations.0);
        }
        self.copy_node_columns();
    }

    /// Recomputes the placement of one node for every DaemonSet.
    pub(crate) fn refresh_node_fits(&mut self, node: u32) {
        let Some(&n) = self.nodes.get(node) else {
            return;
        };
        for i in 0..self.sets.slot_count() as u32 {
            if let Some(s) = self.sets.get(i) {
                let bits = self.evaluate_fit(s, &n).bits();
                self.placements.put(i, node, bits);
            }
        }
    }

    /// Recomputes the placement of one DaemonSet on every node.
    pub(crate) fn refresh_set_fits(&mut self, set: u32) {
        let Some(&s) = self.sets.get(set) else {
            return;
        };
        for b in 0..self.node_blocks() {
            let fits = self.evaluate_fit_block(&s, b);
            for (node, fit) in fits.fits(b) {
                if self.nodes.get(node.0).is_some() {
                    self.placements.put(set, node.0, fit.bits());
                }
            }
        }
    }

    /// Records a pod's controller and node in the pod index.
    pub(crate) fn index_pod(&mut self, pod: u32) {
        let Some(p) = self.pods.get(pod) else {
            return;
        };
        let node = match p.target_node {
            None => crate::cache::NO_TARGET,
            Some(t) => self
                .node_names
                .find(t, |_| true)
                .unwrap_or(crate::cache::NO_NODE),
        };
        self.pod_index.put(pod, p.controller_uid, node);
    }

    /// After node slot `node` came or was renamed: pods whose node was missing and
    /// that target its name now have it, and the name order must be redone.
    pub(crate) fn node_named(&mut self, node: u32) {
        self.sync.order_valid = false;
        let Some(name) = self.nodes.get(node).map(|n| n.name) else {
            return;
        };
        if !self.pod_index.has_unresolved() {
            return;
        }
        for i in 0..self.pods.slot_count() as u32 {
            if self.pod_index.node(i) == crate::cache::NO_NODE
                && self.pods.get(i).and_then(|p| p.target_node) == Some(name)
            {
                self.pod_index.resolve(i, node);
            }
        }
    }

    /// Before node slot `node` goes or is renamed: its pods' node is missing.
    pub(crate) fn node_unnamed(&mut self, node: u32) {
        self.sync.order_valid = false;
        self.pod_index.unresolve_node(node);
    }

    /// Gives the label keys a DaemonSet selects nodes by a slot in every node's
    /// row, when slots are free. Returns false when some key found none.
    fn add_set_keys(&mut self, set: &DaemonSet) -> bool {
        let before = self.keys.used();
        let Engine {
            keys,
            nodes,
            labels,
            terms,
            requirements,
            ..
        } = self;
        let mut all = true;
        for l in labels.get(set.node_selector) {
            let rows = nodes
                .iter_mut()
                .map(|(_, n)| (&mut n.keys, labels.get(n.labels)));
            all &= keys.add_key(l.key, rows);
        }
        // Each node-affinity requirement keeps its key's slot.
        for t in set.affinity.map(|t| terms.get(t)).unwrap_or(&[]) {
            for r in requirements.get_mut(t.expressions) {
                let rows = nodes
                    .iter_mut()
                    .map(|(_, n)| (&mut n.keys, labels.get(n.labels)));
                all &= keys.add_key(r.key, rows);
                r.slot = keys.slot(r.key);
            }
        }
        if self.keys.used() != before {
            self.copy_node_columns();
        }
        all
    }

    /// Slots for a DaemonSet's keys; when they do not fit and DaemonSets went away
    /// since the slots were given, they are given anew to the keys in use.
    pub(crate) fn slot_set_keys(&mut self, set: SetId) {
        let Some(&s) = self.sets.get(set.0) else {
            return;
        };
        if !self.add_set_keys(&s) && self.keys.stale {
            self.rebuild_keys();
        }
    }

    /// Gives slots to the keys of every DaemonSet, in id order, from scratch.
    pub(crate) fn rebuild_keys(&mut self) {
        self.keys.clear();
        for (_, n) in self.nodes.iter_mut() {
            n.keys = KeyRow::UNKNOWN;
        }
        for i in 0..self.sets.slot_count() as u32 {
            if let Some(&s) = self.sets.get(i) {
                self.add_set_keys(&s);
            }
        }
        self.copy_node_columns();
    }

    /// A node's taints.
    pub fn node_taints(&self, node: &Node) -> &[Taint] {
        self.taints.get(node.taints)
    }

    /// A DaemonSet's daemon-pod tolerations (automatic ones included), in the order
    /// upstream's `AddOrUpdateDaemonPodTolerations` leaves them, judged under the
    /// engine's feature gates.
    #[inline]
    pub fn daemon_tolerations(&self, set: &DaemonSet) -> Tolerations<'_> {
        Tolerations::new(
            self.tolerations.get(set.tolerations),
            &self.automatic_tolerations.0,
            set.automatic_tolerations,
        )
        .comparing(self.comparisons())
    }

    /// Whether `Gt`/`Lt` tolerations compare under the engine's feature gates.
    #[inline]
    pub fn comparisons(&self) -> crate::taint::Comparisons<'_> {
        crate::taint::Comparisons::new(
            self.gates
                .enabled(crate::gates::FeatureGate::TaintTolerationComparisonOperators),
            &self.strings,
        )
    }

    /// The feature gates the engine decides under (upstream's defaults until
    /// [`set_feature_gates`](Self::set_feature_gates)).
    pub fn feature_gates(&self) -> crate::gates::FeatureGates {
        self.gates
    }

    /// Decides under `gates` from now on, as a cluster whose
    /// kube-controller-manager runs with them. Every placement the engine keeps is
    /// worked out again when they change, and every DaemonSet is a new version (a
    /// [`Placement`](crate::Placement) from before is stale for
    /// [`describe_placement`](Self::describe_placement)). [`clear`](Self::clear)
    /// keeps them.
    ///
    /// ```
    /// use dsr_core::gates::FeatureGates;
    /// use dsr_core::input::{DaemonSetInput, NodeInput, TaintInput, TolerationInput};
    /// let mut engine = dsr_core::TinyEngine::new();
    /// let node = engine.add_node(&NodeInput {
    ///     name: "edge-1",
    ///     taints: &[TaintInput { key: "example.com/sla", value: "999", effect: "NoSchedule" }],
    ///     ..Default::default()
    /// }).unwrap();
    /// let set = engine.add_daemon_set(&DaemonSetInput {
    ///     name: "sla-agent", namespace: "default",
    ///     tolerations: &[TolerationInput {
    ///         key: "example.com/sla", operator: "Gt", value: "950", effect: "NoSchedule",
    ///         ..Default::default()
    ///     }],
    ///     ..Default::default()
    /// }).unwrap();
    /// assert!(!engine.fit(set, node).unwrap().should_run);
    /// engine.set_feature_gates(FeatureGates::parse("TaintTolerationComparisonOperators=true").unwrap());
    /// assert!(engine.fit(set, node).unwrap().should_run);
    /// ```
    pub fn set_feature_gates(&mut self, gates: crate::gates::FeatureGates) {
        if gates == self.gates {
            return;
        }
        self.gates = gates;
        for i in 0..self.sets.slot_count() as u32 {
            // The gates change what a DaemonSet's tolerations mean: a reason
            // worked out before is stale.
            let v = self.new_version();
            if let Some(d) = self.sets.get_mut(i) {
                d.version = v;
            }
            self.refresh_set_fits(i);
        }
    }

    /// Turns the gate called `name` (as Kubernetes spells it) on or off;
    /// [`Error::FeatureGate`] for a gate dsr does not know, and then nothing changes.
    pub fn set_feature_gate(&mut self, name: &str, enabled: bool) -> Result<()> {
        let mut gates = self.gates;
        gates
            .set_by_name(name, enabled)
            .map_err(Error::FeatureGate)?;
        self.set_feature_gates(gates);
        Ok(())
    }

    /// A DaemonSet's template labels (`spec.template.metadata.labels`), sorted by key.
    pub fn template_labels(&self, set: &DaemonSet) -> &[Label] {
        self.labels.get(set.template_labels)
    }

    /// A DaemonSet's `nodeSelector`, sorted by key.
    pub fn node_selector(&self, set: &DaemonSet) -> &[Label] {
        self.labels.get(set.node_selector)
    }

    /// The stored terms of a DaemonSet's required node affinity.
    pub fn affinity_terms(&self, set: &DaemonSet) -> &[Term] {
        set.affinity.map(|s| self.terms.get(s)).unwrap_or(&[])
    }

    /// The requirements of a span (a selector, or a term's expressions).
    pub fn requirements(&self, span: Span) -> &[Requirement] {
        self.requirements.get(span)
    }

    /// The values of a requirement.
    pub fn requirement_values(&self, r: &Requirement) -> &[Sym] {
        self.values.get(r.values)
    }

    /// The field requirements of a term.
    pub fn term_fields(&self, t: &Term) -> &[FieldRequirement] {
        self.fields.get(t.fields)
    }

    /// Removes a node, freeing its labels and taints.
    pub fn remove_node(&mut self, id: NodeId) -> Result<()> {
        self.remove_node_from::<false>(id)
    }

    /// [`remove_node`](Self::remove_node); with `TAKE_BACK`, undoing an add
    /// that appended the node's slot (see `Slots::take_back`).
    pub(crate) fn remove_node_from<const TAKE_BACK: bool>(&mut self, id: NodeId) -> Result<()> {
        let node = if TAKE_BACK {
            self.nodes.take_back(id.0)
        } else {
            self.nodes.remove(id.0)
        }
        .ok_or(Error::NotFound(Table::Nodes))?;
        self.hold_node(&node, crate::holders::Hold::Release);
        self.node_names.remove(node.name, id.0);
        self.node_columns.vacate(id.0);
        self.node_unnamed(id.0);
        self.remove_node_parts(&node);
        Ok(())
    }

    pub(crate) fn remove_node_parts(&mut self, node: &Node) {
        self.free_labels(node.labels);
        self.free_taints(node.taints);
    }

    /// Removes a DaemonSet, freeing everything it holds.
    pub fn remove_daemon_set(&mut self, id: SetId) -> Result<()> {
        self.remove_daemon_set_from::<false>(id, false)
    }

    /// [`remove_daemon_set`](Self::remove_daemon_set); with `UNDO`, undoing an
    /// add: the slot is taken back when the add `appended` it (see
    /// `Slots::take_back`), and the remembered ControllerRevision stays (the
    /// stage puts it back as it was).
    pub(crate) fn remove_daemon_set_from<const UNDO: bool>(
        &mut self,
        id: SetId,
        appended: bool,
    ) -> Result<()> {
        let set = if UNDO && appended {
            self.sets.take_back(id.0)
        } else {
            self.sets.remove(id.0)
        }
        .ok_or(Error::NotFound(Table::DaemonSets))?;
        self.hold_set(&set, crate::holders::Hold::Release);
        // Its remembered ControllerRevision goes with it.
        #[cfg(feature = "json")]
        if let (false, Some((i, _))) = (UNDO, self.revisions.find(set.namespace, set.uid)) {
            self.forget_revision_entry(i);
        }
        self.keys.stale = true;
        self.free_set_parts(&set);
        let Engine { sync, strings, .. } = self;
        sync.forget_set(id, &mut |s| strings.release(s));
        Ok(())
    }

    pub(crate) fn free_set_parts(&mut self, set: &DaemonSet) {
        if let Some(sel) = set.selector {
            self.free_requirements(sel);
        }
        // `set` is a copy, whose spans the compact build does not move as it
        // frees: the label span pushed last goes first, so the earlier one is
        // still where the copy says; each term is read again after the frees
        // before it.
        self.free_labels(set.node_selector);
        self.free_labels(set.template_labels);
        if let Some(terms) = set.affinity {
            for i in 0..terms.len() {
                let Some(&t) = self.terms.get(terms).get(i) else {
                    break;
                };
                self.free_fields(t.fields);
                self.free_requirements(t.expressions);
            }
            self.free_terms(terms);
        }
        self.free_tolerations(set.tolerations);
    }

    /// Frees requirements and their values.
    fn free_requirements(&mut self, span: Span) {
        for i in 0..span.len() {
            // Read again: freeing values moves later ones in the compact build.
            let Some(&r) = self.requirements.get(span).get(i) else {
                break;
            };
            self.values.free(r.values);
            #[cfg(feature = "compact")]
            self.requirements
                .live_mut()
                .for_each(|x| x.values.shift_after(r.values));
        }
        self.requirements.free(span);
        #[cfg(feature = "compact")]
        {
            for (_, d) in self.sets.iter_mut() {
                if let Some(s) = d.selector.as_mut() {
                    s.shift_after(span);
                }
            }
            self.terms
                .live_mut()
                .for_each(|t| t.expressions.shift_after(span));
        }
    }

    /// Frees labels (see [`Pool::free`]).
    pub(crate) fn free_labels(&mut self, span: Span) {
        self.labels.free(span);
        #[cfg(feature = "compact")]
        {
            self.nodes
                .iter_mut()
                .for_each(|(_, n)| n.labels.shift_after(span));
            self.pods
                .iter_mut()
                .for_each(|(_, p)| p.labels.shift_after(span));
            for (_, d) in self.sets.iter_mut() {
                d.template_labels.shift_after(span);
                d.node_selector.shift_after(span);
            }
        }
    }

    /// Frees taints.
    pub(crate) fn free_taints(&mut self, span: Span) {
        self.taints.free(span);
        #[cfg(feature = "compact")]
        self.nodes
            .iter_mut()
            .for_each(|(_, n)| n.taints.shift_after(span));
    }

    fn free_tolerations(&mut self, span: Span) {
        self.tolerations.free(span);
        #[cfg(feature = "compact")]
        self.sets
            .iter_mut()
            .for_each(|(_, d)| d.tolerations.shift_after(span));
    }

    fn free_fields(&mut self, span: Span) {
        self.fields.free(span);
        #[cfg(feature = "compact")]
        self.terms
            .live_mut()
            .for_each(|t| t.fields.shift_after(span));
    }

    fn free_terms(&mut self, span: Span) {
        self.terms.free(span);
        #[cfg(feature = "compact")]
        for (_, d) in self.sets.iter_mut() {
            if let Some(s) = d.affinity.as_mut() {
                s.shift_after(span);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::input::{NodeInput, PodInput};

    #[test]
    fn names_follow_adds_renames_and_removals() {
        let mut e = crate::TinyEngine::new();
        let a = e
            .add_node(&NodeInput {
                name: "edge-a",
                ..Default::default()
            })
            .unwrap();
        let b = e
            .add_node(&NodeInput {
                name: "edge-b",
                ..Default::default()
            })
            .unwrap();
        e.remove_node(a).unwrap();
        assert_eq!(e.find_node("edge-a"), None);
        e.update_node(
            b,
            &NodeInput {
                name: "edge-c",
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(e.find_node("edge-b"), None);
        assert_eq!(e.find_node("edge-c"), Some(b));
        // The freed slot is reused.
        let a2 = e
            .add_node(&NodeInput {
                name: "edge-b",
                ..Default::default()
            })
            .unwrap();
        assert_eq!(a2, a);
        assert_eq!(e.find_node("edge-b"), Some(a));
    }

    #[test]
    fn a_node_update_of_the_same_size_writes_in_place() {
        use crate::input::{LabelInput, TaintInput};
        let mut e = crate::TinyEngine::new();
        let zone = |v| {
            [LabelInput {
                key: "topology.kubernetes.io/zone",
                value: v,
            }]
        };
        let a_labels = zone("a");
        let a = e
            .add_node(&NodeInput {
                name: "edge-a",
                labels: &a_labels,
                ..Default::default()
            })
            .unwrap();
        let b_labels = zone("b");
        let b = e
            .add_node(&NodeInput {
                name: "edge-b",
                labels: &b_labels,
                ..Default::default()
            })
            .unwrap();
        let before = (e.labels.len(), e.node(b).unwrap().labels);
        let c_labels = zone("c");
        let taint = [TaintInput {
            key: "maintenance",
            value: "",
            effect: "NoSchedule",
        }];
        e.update_node(
            a,
            &NodeInput {
                name: "edge-a",
                labels: &c_labels,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!((e.labels.len(), e.node(b).unwrap().labels), before);
        fn text(e: &crate::TinyEngine, n: crate::NodeId) -> &str {
            e.text(e.node_labels(e.node(n).unwrap())[0].value)
        }
        assert_eq!((text(&e, a), text(&e, b)), ("c", "b"));
        // Another size: the general path.
        e.update_node(
            a,
            &NodeInput {
                name: "edge-a",
                labels: &c_labels,
                taints: &taint,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!((text(&e, a), text(&e, b)), ("c", "b"));
        assert_eq!(e.node_taints(e.node(a).unwrap()).len(), 1);
    }

    #[test]
    fn clear_empties_every_table() {
        let mut e = crate::TinyEngine::new();
        e.add_node(&NodeInput {
            name: "edge-a",
            ..Default::default()
        })
        .unwrap();
        e.add_pod(&PodInput {
            name: "agent-x",
            namespace: "kube-system",
            ..Default::default()
        })
        .unwrap();
        e.clear();
        assert_eq!((e.node_count(), e.pod_count()), (0, 0));
        assert_eq!(e.find_pod("kube-system", "agent-x"), None);
        e.add_pod(&PodInput {
            name: "agent-x",
            namespace: "kube-system",
            ..Default::default()
        })
        .unwrap();
    }
}
