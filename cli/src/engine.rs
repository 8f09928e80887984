//! The engines the CLI runs, and the thread they run on.
//!
//! `dsr_core::Engine` keeps every table inline, so it is one large by-value struct
//! (tens of MiB for a host-sized engine). It is never boxed (boxing a value built by
//! `Engine::new()` copies it through the stack first in debug builds); instead the
//! work that needs an engine runs on a dedicated thread whose stack is sized from
//! `size_of` of the engine, and the engine lives there as a local.
//!
//! The commands size the engine to their input: [`Need`] counts, from the objects
//! read, an upper bound of what each table will hold, and [`Tier::smallest_for`]
//! picks the smallest of a few fixed engines ([`Tier`]) that holds it. Code that
//! works on any of them is generic over [`AnyEngine`]; [`with_engine`] builds the
//! tier's engine (and a plan buffer as large as its pods table) and hands both over.

use std::fmt;
use std::thread;

use dsr_core::eligibility::{Placement, Reason};
use dsr_core::error::Table;
use dsr_core::footprint::{Capacities, Usage};
use dsr_core::input::{
    DaemonSetInput, LabelInput, NodeInput, PodInput, TaintInput, TolerationInput,
};
use dsr_core::json::{Applied, ApplyError};
use dsr_core::sync::{Create, Delete, NodeChange, NodePart, Plan, Replanned};
use dsr_core::taint::Tolerations;
use dsr_core::{DaemonSet, Engine, Error, Fit, NodeId, Pod, PodId, SetId, Timestamp};

/// Nodes the host engine holds.
pub const HOST_NODES: usize = 16_384;
/// DaemonSets the host engine holds.
pub const HOST_SETS: usize = 256;
/// Pods the host engine holds.
pub const HOST_PODS: usize = 1 << 17;
/// Distinct interned strings of the host engine.
pub const HOST_STRINGS: usize = 1 << 18;
/// Bytes of interned strings of the host engine.
pub const HOST_BYTES: usize = 16 << 20;
/// Labels of the host engine (node labels, template labels, selectors).
pub const HOST_LABELS: usize = 1 << 20;
/// Rules (taints, tolerations, requirements, values, terms, fields) of the host engine.
pub const HOST_RULES: usize = 1 << 18;

/// The largest engine `dsr explain` and `dsr plan` load a cluster dump into.
pub type HostEngine = dsr_core::Engine<
    HOST_NODES,
    HOST_SETS,
    HOST_PODS,
    HOST_STRINGS,
    HOST_BYTES,
    HOST_LABELS,
    HOST_RULES,
>;

/// The smallest engine: a conformance case of one node and one DaemonSet, a
/// reconcile case of a few dozen nodes and pods, a small hand-written dump.
pub type CaseEngine = dsr_core::Engine<64, 4, 256, 4096, { 1 << 18 }, 4096, 4096>;

/// An engine for up to 1,024 nodes and 8,192 pods.
pub type MediumEngine =
    dsr_core::Engine<1024, 64, 8192, 32_768, { 2 << 20 }, 65_536, 8192, 4096, 1024, 8192>;

/// The engine for clusters of up to 10,240 nodes and 64 DaemonSets: cluster-5k's
/// sizes ([`dsr_core::Cluster5kEngine`]) doubled where they grow with the nodes.
pub type Cluster10kEngine =
    dsr_core::Engine<10_240, 64, 147_456, 163_840, 3_145_728, 655_360, 512, 16_384, 128, 16_384>;

/// The engines the commands pick from, smallest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    /// [`CaseEngine`].
    Case,
    /// [`MediumEngine`].
    Medium,
    /// [`dsr_core::Cluster5kEngine`].
    Cluster5k,
    /// [`Cluster10kEngine`].
    Cluster10k,
    /// [`HostEngine`].
    Host,
}

impl Tier {
    /// Every tier, smallest first.
    pub const ALL: [Tier; 5] = [
        Tier::Case,
        Tier::Medium,
        Tier::Cluster5k,
        Tier::Cluster10k,
        Tier::Host,
    ];

    /// The tier's capacities.
    pub const fn capacities(self) -> Capacities {
        match self {
            Tier::Case => CaseEngine::capacities(),
            Tier::Medium => MediumEngine::capacities(),
            Tier::Cluster5k => dsr_core::Cluster5kEngine::capacities(),
            Tier::Cluster10k => Cluster10kEngine::capacities(),
            Tier::Host => HostEngine::capacities(),
        }
    }

    /// Bytes of the tier's engine and of its plan buffer.
    pub fn footprint(self) -> usize {
        let c = self.capacities();
        dsr_core::footprint::footprint(&c) + plan_bytes(self)
    }

    /// The smallest tier that holds `need`; the largest when none does.
    pub fn smallest_for(need: &Capacities) -> Tier {
        Tier::ALL
            .into_iter()
            .find(|t| fits(need, &t.capacities()))
            .unwrap_or(Tier::Host)
    }

    /// The next larger tier.
    pub fn next(self) -> Option<Tier> {
        Tier::ALL.into_iter().find(|t| *t > self)
    }

    /// The tier's name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Tier::Case => "small",
            Tier::Medium => "medium",
            Tier::Cluster5k => "cluster-5k",
            Tier::Cluster10k => "cluster-10k",
            Tier::Host => "largest",
        }
    }
}

/// Whether capacities `have` hold at least `need` in every table.
pub fn fits(need: &Capacities, have: &Capacities) -> bool {
    need.nodes <= have.nodes
        && need.sets <= have.sets
        && need.pods <= have.pods
        && need.strings <= have.strings
        && need.bytes <= have.bytes
        && need.labels <= have.labels
        && need.rules <= have.rules
        && need.taints <= have.taints
        && need.terms <= have.terms
        && need.backoff <= have.backoff
}

/// Bytes of a tier's plan buffer (`Plan<PODS>`).
fn plan_bytes(tier: Tier) -> usize {
    match tier {
        Tier::Case => std::mem::size_of::<Plan<256>>(),
        Tier::Medium => std::mem::size_of::<Plan<8192>>(),
        Tier::Cluster5k => std::mem::size_of::<Plan<73_728>>(),
        Tier::Cluster10k => std::mem::size_of::<Plan<147_456>>(),
        Tier::Host => std::mem::size_of::<Plan<HOST_PODS>>(),
    }
}

/// An upper bound of what loading some objects puts in each table, counted from
/// their JSON before they are loaded (see [`Need::add_object`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need {
    /// The bound, as capacities.
    pub capacities: Capacities,
}

impl Default for Need {
    fn default() -> Self {
        Need {
            capacities: Capacities {
                nodes: 0,
                sets: 0,
                pods: 0,
                strings: 0,
                bytes: 0,
                labels: 0,
                rules: 0,
                taints: 0,
                terms: 0,
                backoff: 0,
            },
        }
    }
}

impl Need {
    /// Strings the engine interns for itself (the automatic daemon-pod tolerations'
    /// keys and effects, revision labels), beyond the input's.
    const OWN_STRINGS: usize = 32;
    const OWN_BYTES: usize = 1024;

    /// Counts one object of `kind` (`Node`, `DaemonSet`, `Pod`; other kinds are not
    /// loaded): every string in it may be interned (its bytes too), every entry of
    /// a `labels`, `matchLabels` or `nodeSelector` map is a label, the entries of
    /// `taints`, `tolerations`, `matchExpressions`, `matchFields`, `values` and
    /// `nodeSelectorTerms` lists are rules.
    pub fn add_object(&mut self, kind: &str, v: &serde_json::Value) {
        let c = &mut self.capacities;
        match kind {
            "Node" => c.nodes += 1,
            "DaemonSet" => c.sets += 1,
            "Pod" => {
                c.pods += 1;
                c.backoff += 1;
            }
            _ => return,
        }
        walk(v, c);
    }

    /// Adds another bound.
    pub fn merge(&mut self, other: &Need) {
        let (c, o) = (&mut self.capacities, &other.capacities);
        c.nodes += o.nodes;
        c.sets += o.sets;
        c.pods += o.pods;
        c.strings += o.strings;
        c.bytes += o.bytes;
        c.labels += o.labels;
        c.rules += o.rules;
        c.taints += o.taints;
        c.terms += o.terms;
        c.backoff += o.backoff;
    }

    /// The bound, with the engine's own strings added.
    pub fn bound(&self) -> Capacities {
        let mut c = self.capacities;
        c.strings += Self::OWN_STRINGS;
        c.bytes += Self::OWN_BYTES;
        c.backoff = c.backoff.max(1);
        c
    }
}

fn walk(v: &serde_json::Value, c: &mut Capacities) {
    use serde_json::Value;
    match v {
        Value::String(s) => {
            c.strings += 1;
            c.bytes += s.len();
        }
        Value::Array(items) => items.iter().for_each(|i| walk(i, c)),
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("labels" | "matchLabels" | "nodeSelector", Value::Object(m)) => {
                        c.labels += m.len();
                        // Keys are interned too.
                        c.strings += m.len();
                        c.bytes += m.keys().map(String::len).sum::<usize>();
                    }
                    ("tolerations" | "matchExpressions" | "values", Value::Array(a)) => {
                        c.rules += a.len();
                    }
                    ("taints", Value::Array(a)) => c.taints += a.len(),
                    ("nodeSelectorTerms" | "matchFields", Value::Array(a)) => c.terms += a.len(),
                    _ => {}
                }
                walk(value, c);
            }
        }
        _ => {}
    }
}

/// The smallest tier that holds a conformance case (its `node` or `nodes`, one
/// DaemonSet, its `pods`, and every string, label and rule in it); `None` when
/// even the largest does not.
pub fn case_tier(case: &serde_json::Value) -> Option<Tier> {
    let count = |key: &str| case.get(key).and_then(|v| v.as_array()).map_or(0, Vec::len);
    let mut need = Need::default();
    let c = &mut need.capacities;
    c.nodes = count("nodes") + usize::from(case.get("node").is_some());
    c.sets = 1;
    c.pods = count("pods");
    c.backoff = c.pods;
    walk(case, c);
    let need = need.bound();
    Tier::ALL.into_iter().find(|t| fits(&need, &t.capacities()))
}

/// Whether `e` is an engine table running out of room (a bigger engine would
/// hold it), not a per-object limit such as the tolerations of one DaemonSet.
pub fn is_table_full(e: &Error, have: &Capacities) -> bool {
    let Error::Full { table, capacity } = *e else {
        return false;
    };
    let table_capacity = match table {
        Table::Strings => have.strings,
        Table::StringBytes => have.bytes,
        Table::Nodes => have.nodes,
        Table::DaemonSets => have.sets,
        Table::Pods => have.pods,
        Table::Labels => have.labels,
        Table::Taints => have.taints,
        Table::Tolerations | Table::Requirements | Table::Values => have.rules,
        Table::Terms | Table::Fields => have.terms,
        Table::Backoff => have.backoff,
        _ => return false,
    };
    usize::try_from(capacity).is_ok_and(|c| c == table_capacity)
}

/// What the commands ask of an engine, whatever its capacities: the methods of
/// `dsr_core::Engine` they call, forwarded.
#[allow(missing_docs)]
// `ApplyError` is the core's message, copied (the core has no heap to box it in).
#[allow(clippy::result_large_err)]
pub trait AnyEngine {
    /// `Engine::apply` with a scratch large enough for the object (see
    /// [`crate::feed::apply`]).
    fn apply(&mut self, json: &[u8]) -> Result<Applied, ApplyError>;
    /// `Engine::validate_daemon_set_json`, with a scratch as for [`AnyEngine::apply`].
    fn validate_daemon_set_json(&mut self, json: &[u8]) -> Result<(), ApplyError>;
    fn capacities(&self) -> Capacities;
    fn usage(&self) -> Usage;
    fn clear(&mut self);
    fn add_node(&mut self, input: &NodeInput<'_>) -> Result<NodeId, Error>;
    fn add_daemon_set(&mut self, input: &DaemonSetInput<'_>) -> Result<SetId, Error>;
    fn add_pod(&mut self, input: &PodInput<'_>) -> Result<PodId, Error>;
    fn validate_daemon_set(&mut self, input: &DaemonSetInput<'_>) -> Result<(), Error>;
    fn node_count(&self) -> usize;
    fn pod_count(&self) -> usize;
    fn text(&self, sym: dsr_core::intern::Sym) -> &str;
    fn daemon_set(&self, id: SetId) -> Option<&DaemonSet>;
    fn pod(&self, id: PodId) -> Option<&Pod>;
    fn should_run(&self, set: SetId, node: NodeId) -> Result<Placement, Error>;
    fn fit(&self, set: SetId, node: NodeId) -> Result<Fit, Error>;
    fn sync_node<const N: usize>(
        &mut self,
        set: SetId,
        change: &NodeChange<'_>,
        now: Timestamp,
        plan: &mut Plan<N>,
    ) -> Result<Option<Replanned>, Error>;
    fn describe(&self, set: SetId, reason: &Reason, w: &mut String) -> fmt::Result;
    fn sync<const N: usize>(
        &mut self,
        set: SetId,
        now: Timestamp,
        plan: &mut Plan<N>,
    ) -> Result<(), Error>;
    fn describe_create(&self, create: &Create, w: &mut String) -> fmt::Result;
    fn describe_delete(&self, set: SetId, delete: &Delete, w: &mut String) -> fmt::Result;
    fn selector_matches(&mut self, set: SetId, labels: &[LabelInput<'_>]) -> Result<bool, Error>;
    fn selector_string_matches<const REQS: usize, const VALUES: usize>(
        &mut self,
        selector: &str,
        labels: &[LabelInput<'_>],
    ) -> Result<bool, Error>;
    fn matches_node_affinity(&self, set: SetId, node: NodeId) -> Result<bool, Error>;
    fn tolerates(
        &mut self,
        toleration: &TolerationInput<'_>,
        taint: &TaintInput<'_>,
    ) -> Result<bool, Error>;
    fn find_untolerated_taint(
        &mut self,
        taints: &[TaintInput<'_>],
        tolerations: &[TolerationInput<'_>],
        effects: Option<&[&str]>,
    ) -> Result<Option<usize>, Error>;
    fn daemon_tolerations(&self, set: &DaemonSet) -> Tolerations<'_>;
    fn set_feature_gates(&mut self, gates: dsr_core::gates::FeatureGates);
    fn describe_hold(
        &self,
        set: SetId,
        hold: &dsr_core::sync::Hold,
        now: Timestamp,
        w: &mut String,
    ) -> fmt::Result;
    fn find_daemon_set(&self, namespace: &str, name: &str) -> Option<SetId>;
    fn find_pod(&self, namespace: &str, name: &str) -> Option<PodId>;
    fn find_node(&self, name: &str) -> Option<NodeId>;
    fn node_part(
        &self,
        set: SetId,
        node: NodeId,
        pods: &[PodId],
        now: Timestamp,
    ) -> Result<Option<NodePart>, Error>;
    fn sync_node_pods<const N: usize>(
        &mut self,
        set: SetId,
        before: &NodePart,
        pods: &[PodId],
        now: Timestamp,
        plan: &mut Plan<N>,
    ) -> Result<Option<Replanned>, Error>;
    fn node(&self, id: NodeId) -> Option<&dsr_core::Node>;
    /// Every DaemonSet's id, in table order.
    fn daemon_set_ids(&self) -> Vec<SetId>;
    fn observe_creates(&mut self, set: SetId, n: u32) -> Result<(), Error>;
    fn observe_deletes(&mut self, set: SetId, n: u32) -> Result<(), Error>;
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
    > AnyEngine
    for Engine<NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES, TAINTS, TERMS, BACKOFF>
{
    fn apply(&mut self, json: &[u8]) -> Result<Applied, ApplyError> {
        crate::feed::apply(self, json)
    }
    fn validate_daemon_set_json(&mut self, json: &[u8]) -> Result<(), ApplyError> {
        crate::feed::validate_daemon_set(self, json)
    }
    fn capacities(&self) -> Capacities {
        Self::capacities()
    }
    fn usage(&self) -> Usage {
        Engine::usage(self)
    }
    fn clear(&mut self) {
        Engine::clear(self)
    }
    fn add_node(&mut self, input: &NodeInput<'_>) -> Result<NodeId, Error> {
        Engine::add_node(self, input)
    }
    fn add_daemon_set(&mut self, input: &DaemonSetInput<'_>) -> Result<SetId, Error> {
        Engine::add_daemon_set(self, input)
    }
    fn add_pod(&mut self, input: &PodInput<'_>) -> Result<PodId, Error> {
        Engine::add_pod(self, input)
    }
    fn validate_daemon_set(&mut self, input: &DaemonSetInput<'_>) -> Result<(), Error> {
        Engine::validate_daemon_set(self, input)
    }
    fn node_count(&self) -> usize {
        Engine::node_count(self)
    }
    fn pod_count(&self) -> usize {
        Engine::pod_count(self)
    }
    fn text(&self, sym: dsr_core::intern::Sym) -> &str {
        Engine::text(self, sym)
    }
    fn daemon_set(&self, id: SetId) -> Option<&DaemonSet> {
        Engine::daemon_set(self, id)
    }
    fn pod(&self, id: PodId) -> Option<&Pod> {
        Engine::pod(self, id)
    }
    fn should_run(&self, set: SetId, node: NodeId) -> Result<Placement, Error> {
        Engine::should_run(self, set, node)
    }
    fn fit(&self, set: SetId, node: NodeId) -> Result<Fit, Error> {
        Engine::fit(self, set, node)
    }
    fn sync_node<const N: usize>(
        &mut self,
        set: SetId,
        change: &NodeChange<'_>,
        now: Timestamp,
        plan: &mut Plan<N>,
    ) -> Result<Option<Replanned>, Error> {
        Engine::sync_node(self, set, change, now, plan)
    }
    fn describe(&self, set: SetId, reason: &Reason, w: &mut String) -> fmt::Result {
        Engine::describe(self, set, reason, w)
    }
    fn sync<const N: usize>(
        &mut self,
        set: SetId,
        now: Timestamp,
        plan: &mut Plan<N>,
    ) -> Result<(), Error> {
        Engine::sync(self, set, now, plan)
    }
    fn describe_create(&self, create: &Create, w: &mut String) -> fmt::Result {
        Engine::describe_create(self, create, w)
    }
    fn describe_delete(&self, set: SetId, delete: &Delete, w: &mut String) -> fmt::Result {
        Engine::describe_delete(self, set, delete, w)
    }
    fn selector_matches(&mut self, set: SetId, labels: &[LabelInput<'_>]) -> Result<bool, Error> {
        Engine::selector_matches(self, set, labels)
    }
    fn selector_string_matches<const REQS: usize, const VALUES: usize>(
        &mut self,
        selector: &str,
        labels: &[LabelInput<'_>],
    ) -> Result<bool, Error> {
        Engine::selector_string_matches::<REQS, VALUES>(self, selector, labels)
    }
    fn matches_node_affinity(&self, set: SetId, node: NodeId) -> Result<bool, Error> {
        Engine::matches_node_affinity(self, set, node)
    }
    fn tolerates(
        &mut self,
        toleration: &TolerationInput<'_>,
        taint: &TaintInput<'_>,
    ) -> Result<bool, Error> {
        Engine::tolerates(self, toleration, taint)
    }
    fn find_untolerated_taint(
        &mut self,
        taints: &[TaintInput<'_>],
        tolerations: &[TolerationInput<'_>],
        effects: Option<&[&str]>,
    ) -> Result<Option<usize>, Error> {
        Engine::find_untolerated_taint(self, taints, tolerations, effects)
    }
    fn daemon_tolerations(&self, set: &DaemonSet) -> Tolerations<'_> {
        Engine::daemon_tolerations(self, set)
    }
    fn set_feature_gates(&mut self, gates: dsr_core::gates::FeatureGates) {
        Engine::set_feature_gates(self, gates)
    }
    fn describe_hold(
        &self,
        set: SetId,
        hold: &dsr_core::sync::Hold,
        now: Timestamp,
        w: &mut String,
    ) -> fmt::Result {
        Engine::describe_hold(self, set, hold, now, w)
    }
    fn find_daemon_set(&self, namespace: &str, name: &str) -> Option<SetId> {
        Engine::find_daemon_set(self, namespace, name)
    }
    fn find_node(&self, name: &str) -> Option<NodeId> {
        Engine::find_node(self, name)
    }
    fn node_part(
        &self,
        set: SetId,
        node: NodeId,
        pods: &[PodId],
        now: Timestamp,
    ) -> Result<Option<NodePart>, Error> {
        Engine::node_part(self, set, node, pods, now)
    }
    fn sync_node_pods<const N: usize>(
        &mut self,
        set: SetId,
        before: &NodePart,
        pods: &[PodId],
        now: Timestamp,
        plan: &mut Plan<N>,
    ) -> Result<Option<Replanned>, Error> {
        Engine::sync_node_pods(self, set, before, pods, now, plan)
    }
    fn find_pod(&self, namespace: &str, name: &str) -> Option<PodId> {
        Engine::find_pod(self, namespace, name)
    }
    fn node(&self, id: NodeId) -> Option<&dsr_core::Node> {
        Engine::node(self, id)
    }
    fn daemon_set_ids(&self) -> Vec<SetId> {
        Engine::daemon_sets(self).map(|(id, _)| id).collect()
    }
    fn observe_creates(&mut self, set: SetId, n: u32) -> Result<(), Error> {
        Engine::observe_creates(self, set, n)
    }
    fn observe_deletes(&mut self, set: SetId, n: u32) -> Result<(), Error> {
        Engine::observe_deletes(self, set, n)
    }
}

/// Work to do on an engine of some tier, with a plan buffer as large as its pods
/// table.
pub trait OnEngine {
    /// What the work returns.
    type Output;
    /// Does the work.
    fn run<E: AnyEngine, const PLAN: usize>(
        &mut self,
        engine: &mut E,
        plan: &mut Plan<PLAN>,
    ) -> Self::Output;
}

/// Builds the tier's engine and plan buffer (locals of a frame of their own: call
/// it on a stack of [`Tier::footprint`] bytes, see [`on_big_stack`]) and runs
/// `work` on them.
pub fn with_engine<W: OnEngine>(tier: Tier, work: &mut W) -> W::Output {
    // One function per tier, so that a frame holds one tier's engine, not all of
    // them (debug builds give every arm's temporaries their own stack slots).
    #[inline(never)]
    fn case<W: OnEngine>(work: &mut W) -> W::Output {
        work.run(&mut CaseEngine::new(), &mut Plan::<256>::new())
    }
    #[inline(never)]
    fn medium<W: OnEngine>(work: &mut W) -> W::Output {
        work.run(&mut MediumEngine::new(), &mut Plan::<8192>::new())
    }
    #[inline(never)]
    fn cluster5k<W: OnEngine>(work: &mut W) -> W::Output {
        work.run(
            &mut dsr_core::Cluster5kEngine::new(),
            &mut Plan::<73_728>::new(),
        )
    }
    #[inline(never)]
    fn cluster10k<W: OnEngine>(work: &mut W) -> W::Output {
        work.run(&mut Cluster10kEngine::new(), &mut Plan::<147_456>::new())
    }
    #[inline(never)]
    fn host<W: OnEngine>(work: &mut W) -> W::Output {
        work.run(&mut HostEngine::new(), &mut Plan::<HOST_PODS>::new())
    }
    match tier {
        Tier::Case => case(work),
        Tier::Medium => medium(work),
        Tier::Cluster5k => cluster5k(work),
        Tier::Cluster10k => cluster10k(work),
        Tier::Host => host(work),
    }
}

/// Stack left for everything but the engines: parsing results, formatting, the
/// temporary `Engine::clear()` builds (accounted separately below), and the
/// scratch of `Engine::apply` for the largest objects ([`crate::feed::apply`]).
const STACK_MARGIN: usize = (8 << 20) + crate::feed::LARGEST_SCRATCH_BYTES * 2;

/// Runs `f` on a thread whose stack can hold `engine_bytes` of engine locals (twice
/// over: `Engine::clear()` and `Engine::new()` may build a temporary in debug builds)
/// and returns its result. Only the touched part of the stack is ever committed.
pub fn on_big_stack<T, F>(engine_bytes: usize, f: F) -> anyhow::Result<T>
where
    F: FnOnce() -> T + Send,
    T: Send,
{
    let size = engine_bytes.saturating_mul(3).saturating_add(STACK_MARGIN);
    thread::scope(|scope| {
        let handle = thread::Builder::new()
            .name("dsr-engine".into())
            .stack_size(size)
            .spawn_scoped(scope, f)
            .map_err(|e| {
                anyhow::anyhow!("cannot start the engine thread ({size} bytes of stack): {e}")
            })?;
        handle
            .join()
            .map_err(|_| anyhow::anyhow!("the engine thread panicked"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn footprints_are_what_the_docs_say() {
        // Printed so that `cargo test -- --nocapture` shows the numbers.
        for t in Tier::ALL {
            println!("{}: {} bytes", t.name(), t.footprint());
        }
        assert!(HostEngine::footprint() < 512 << 20);
        assert!(CaseEngine::footprint() < 8 << 20);
        // Tiers grow: the smallest one that fits is the cheapest.
        for pair in Tier::ALL.windows(2) {
            assert!(pair[0].footprint() < pair[1].footprint(), "{pair:?}");
        }
    }

    #[test]
    fn a_host_engine_fits_on_the_big_stack() {
        let n = on_big_stack(HostEngine::footprint(), || {
            let engine = HostEngine::new();
            engine.node_count()
        })
        .unwrap();
        assert_eq!(n, 0);
    }

    #[test]
    fn a_hundred_nodes_pick_a_tier_above_the_smallest() {
        let mut need = Need::default();
        let node = serde_json::json!({"metadata": {"name": "n", "labels": {"a": "b"}}});
        for _ in 0..100 {
            need.add_object("Node", &node);
        }
        assert_eq!(Tier::smallest_for(&need.bound()), Tier::Medium);
        assert_eq!(Tier::smallest_for(&Need::default().bound()), Tier::Case);
    }

    #[test]
    fn a_per_object_limit_is_not_a_full_table() {
        let c = CaseEngine::capacities();
        let full = |table, capacity| Error::Full { table, capacity };
        assert!(is_table_full(&full(Table::Nodes, 64), &c));
        assert!(!is_table_full(
            &full(
                Table::Tolerations,
                dsr_core::daemonset::TOLERATIONS_MAX as u32
            ),
            &c
        ));
    }
}
