//! One sync of a DaemonSet, as upstream's `syncDaemonSet`: claim pods (adopt and
//! release), the manage pass (create where missing, delete where not allowed,
//! duplicates, failed and succeeded pods), the rolling-update pass seeing the manage
//! pass's effects, then status.
//!
//! The engine keeps what upstream keeps between syncs: in-flight expectations per
//! DaemonSet and the failed-pod backoff per DaemonSet and node. Everything else is
//! worked out from the tables at each call, into a caller-sized [`Plan`].

pub mod backoff;
mod describe;
pub mod expectations;
pub mod intorstr;
mod manage;
mod names;
mod node;
pub mod owner;
pub mod plan;
mod rolling;
mod status;
pub mod time;

use core::cmp::Ordering;

use heapless::Vec;

use crate::engine::{DaemonSet, Engine, SetId};
use crate::error::{Error, Field, Result, Table};
use crate::input::DaemonSetInput;
use crate::intern::Sym;
use crate::label::Labels;
use crate::pod::{Pod, PodId};
use crate::selector::parse_i64;

pub use backoff::{Backoff, BackoffEntry};
pub use expectations::Expectations;
pub use intorstr::IntOrPercent;
pub use node::{NodeChange, NodePart, Replanned};
pub use owner::Propagation;
pub use plan::{
    slow_start_batches, Create, CreateReason, DaemonSetStatus, Delete, DeleteReason, Hold,
    HoldReason, Plan, RolloutBudget, RolloutHalt, SyncOutcome, BURST_REPLICAS,
};
use time::Timestamp;

/// `spec.updateStrategy`, with the API server's defaults applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum UpdateStrategy {
    /// Pods are replaced only when someone deletes them.
    OnDelete,
    /// Old pods are replaced by the controller, within the budgets.
    RollingUpdate {
        /// `maxUnavailable` (default 1).
        max_unavailable: IntOrPercent,
        /// `maxSurge` (default 0).
        max_surge: IntOrPercent,
    },
    /// A type Kubernetes does not define: no rolling update, as upstream.
    Other,
}

impl UpdateStrategy {
    /// `maxSurge` scaled to `desired` nodes: upstream's `SurgeCount` (0 without
    /// RollingUpdate; `None` when the value is invalid).
    pub fn surge_count(self, desired: i64) -> Option<i64> {
        match self {
            UpdateStrategy::RollingUpdate { max_surge, .. } => max_surge.scaled(desired),
            _ => Some(0),
        }
    }

    /// `maxUnavailable` scaled to `desired` nodes: upstream's `UnavailableCount`.
    pub fn unavailable_count(self, desired: i64) -> Option<i64> {
        match self {
            UpdateStrategy::RollingUpdate {
                max_unavailable, ..
            } => max_unavailable.scaled(desired),
            _ => Some(0),
        }
    }

    /// More than one pod may run on a node during an update: upstream's `AllowsSurge`.
    pub fn allows_surge(self) -> bool {
        self.surge_count(1).is_some_and(|n| n > 0)
    }
}

/// What a DaemonSet record carries for the sync, compiled from its input.
pub(crate) struct Rollout {
    pub update_strategy: UpdateStrategy,
    pub revision_hash: Sym,
    pub template_generation: Option<i64>,
    pub template_generation_label: Sym,
}

/// A node as one sync sees it, with the DaemonSet's placement bits
/// ([`cache::RUN`](crate::cache::RUN), [`cache::CONTINUE`](crate::cache::CONTINUE)).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct NodeSlot {
    pub id: u32,
    pub name: Sym,
    pub fit: u8,
}

impl NodeSlot {
    /// The daemon pod should run on the node. (Kept for the nodes a sync visits.)
    pub fn should_run(&self) -> bool {
        self.fit & crate::cache::RUN != 0
    }

    /// A daemon pod on the node may continue running.
    pub fn should_continue_running(&self) -> bool {
        self.fit & crate::cache::CONTINUE != 0
    }
}

/// A node the sync looks at (it should run the pod, or has pods of the
/// DaemonSet): its rank in name order and its pods in the claimed list.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Visit {
    pub rank: u32,
    pub start: u32,
    pub end: u32,
}

/// What the sync keeps in the engine: expectations and backoff (state), and room to
/// sort nodes and pods (scratch, meaningless between calls).
#[derive(Clone)]
pub(crate) struct SyncState<
    const NODES: usize,
    const SETS: usize,
    const PODS: usize,
    const BACKOFF: usize,
> {
    pub expectations: [Option<Expectations>; SETS],
    pub backoff: Backoff<BACKOFF>,
    /// Nodes in name order (kept while the nodes do not change).
    pub nodes: Vec<NodeSlot, NODES>,
    /// Whether `nodes` and `rank_of` hold every node (cleared when nodes come, go
    /// or are renamed).
    pub order_valid: bool,
    /// Each node slot's rank in `nodes`.
    pub rank_of: [u32; NODES],
    /// The claimed pods, by their node's rank.
    pub pods: Vec<Claimed, PODS>,
    /// The nodes this sync looks at, in name order.
    pub visits: Vec<Visit, NODES>,
    /// How many nodes should run the DaemonSet's pod.
    pub desired: i64,
}

/// A pod the DaemonSet claims, with its place in the walk over nodes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Claimed {
    /// 2r+1 for the node of rank r; 2p for a missing node sorting before rank p.
    pub key: u32,
    /// Index in the pod table.
    pub pod: u32,
    /// What the passes read of the pod.
    pub flags: PodFlags,
}

/// What the passes of one sync read of a claimed pod, worked out once when it is
/// claimed (from the pod, the DaemonSet and the sync's `now`, by the same
/// functions the passes would call), so the walks over nodes do not read pods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PodFlags(u16);

impl PodFlags {
    const DELETING: u16 = 1;
    const READY: u16 = 1 << 1;
    const AVAILABLE: u16 = 1 << 2;
    const UPDATED: u16 = 1 << 3;
    const SCHEDULED: u16 = 1 << 4;
    const FAILED: u16 = 1 << 5;
    const SUCCEEDED: u16 = 1 << 6;
    const CURRENT_HASH: u16 = 1 << 7;
    const CREATED_AFTER_NOW: u16 = 1 << 8;

    /// The flags of pod `p` of DaemonSet `s` at `now`.
    pub fn of(p: &Pod, s: &DaemonSet, now: Timestamp) -> PodFlags {
        let bit = |on: bool, b: u16| if on { b } else { 0 };
        PodFlags(
            bit(p.deleting, Self::DELETING)
                | bit(p.ready, Self::READY)
                | bit(p.is_available(s.min_ready_seconds, now), Self::AVAILABLE)
                | bit(is_updated(p, s), Self::UPDATED)
                | bit(p.is_scheduled(), Self::SCHEDULED)
                | bit(p.phase == crate::pod::PodPhase::Failed, Self::FAILED)
                | bit(p.phase == crate::pod::PodPhase::Succeeded, Self::SUCCEEDED)
                | bit(p.revision_hash == s.revision_hash, Self::CURRENT_HASH)
                | bit(p.created > now, Self::CREATED_AFTER_NOW),
        )
    }

    #[inline]
    const fn has(self, b: u16) -> bool {
        self.0 & b != 0
    }

    /// `metadata.deletionTimestamp` is set.
    #[inline]
    pub const fn deleting(self) -> bool {
        self.has(Self::DELETING)
    }

    /// The `Ready` condition is `True`.
    #[inline]
    pub const fn ready(self) -> bool {
        self.has(Self::READY)
    }

    /// [`Pod::is_available`] at the sync's `now`.
    #[inline]
    pub const fn available(self) -> bool {
        self.has(Self::AVAILABLE)
    }

    /// [`is_updated`].
    #[inline]
    pub const fn updated(self) -> bool {
        self.has(Self::UPDATED)
    }

    /// [`Pod::is_scheduled`].
    #[inline]
    pub const fn scheduled(self) -> bool {
        self.has(Self::SCHEDULED)
    }

    /// Phase `Failed`.
    #[inline]
    pub const fn failed(self) -> bool {
        self.has(Self::FAILED)
    }

    /// Phase `Succeeded`.
    #[inline]
    pub const fn succeeded(self) -> bool {
        self.has(Self::SUCCEEDED)
    }

    /// [`PodPhase::is_terminal`](crate::pod::PodPhase::is_terminal).
    #[inline]
    pub const fn terminal(self) -> bool {
        self.has(Self::FAILED | Self::SUCCEEDED)
    }

    /// The pod's `controller-revision-hash` is the DaemonSet's current hash.
    #[inline]
    pub const fn current_hash(self) -> bool {
        self.has(Self::CURRENT_HASH)
    }

    /// Created after the sync's `now`.
    #[inline]
    pub const fn created_after_now(self) -> bool {
        self.has(Self::CREATED_AFTER_NOW)
    }
}

// Only the state shows: two engines that will plan alike print alike, whatever
// their scratch holds.
impl<const NODES: usize, const SETS: usize, const PODS: usize, const BACKOFF: usize>
    core::fmt::Debug for SyncState<NODES, SETS, PODS, BACKOFF>
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SyncState")
            .field("expectations", &self.expectations)
            .field("backoff", &self.backoff)
            .finish_non_exhaustive()
    }
}

impl<const NODES: usize, const SETS: usize, const PODS: usize, const BACKOFF: usize>
    SyncState<NODES, SETS, PODS, BACKOFF>
{
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub const fn new() -> Self {
        SyncState {
            expectations: [None; SETS],
            backoff: Backoff::new(),
            nodes: Vec::new(),
            order_valid: false,
            rank_of: [0; NODES],
            pods: Vec::new(),
            visits: Vec::new(),
            desired: 0,
        }
    }

    /// Forgets everything: expectations, backoff and scratch.
    pub fn clear(&mut self) {
        self.expectations.fill(None);
        self.backoff.clear();
        self.nodes.clear();
        self.order_valid = false;
        self.pods.clear();
        self.visits.clear();
    }

    /// Drops what is remembered of a DaemonSet (upstream's `DeleteExpectations`);
    /// `release` is called with each node name its backoff keys held.
    pub fn forget_set(&mut self, set: SetId, release: &mut dyn FnMut(Sym)) {
        if let Some(e) = self.expectations.get_mut(set.0 as usize) {
            *e = None;
        }
        self.backoff.forget_set(set, release);
    }
}

/// Pods of one node (or of one missing node) as a sync sees them: sorted oldest
/// first, scheduled before unscheduled, as upstream's `podByCreationTimestampAndPhase`.
#[derive(Clone, Copy)]
pub(crate) struct Group<'a> {
    /// The node, when it exists.
    pub node: Option<&'a NodeSlot>,
    /// The pods, with their indices in the pod table.
    pub pods: &'a [Claimed],
}

/// A pod as the rolling update and status see it after the manage pass: a stored
/// pod (its index and flags), or the one the manage pass creates.
#[derive(Clone, Copy)]
pub(crate) enum Member {
    Real(u32, PodFlags),
    Created,
}

impl Member {
    #[inline]
    pub fn deleting(&self) -> bool {
        match self {
            Member::Real(_, f) => f.deleting(),
            Member::Created => false,
        }
    }

    #[inline]
    pub fn ready(&self) -> bool {
        match self {
            Member::Real(_, f) => f.ready(),
            Member::Created => false,
        }
    }

    /// Available at the sync's `now`.
    #[inline]
    pub fn available(&self) -> bool {
        match self {
            Member::Real(_, f) => f.available(),
            Member::Created => false,
        }
    }

    /// Upstream's `IsPodUpdated`: the hash or the template generation matches.
    #[inline]
    pub fn updated(&self, set: &DaemonSet) -> bool {
        match self {
            Member::Real(_, f) => f.updated(),
            // A created pod carries whichever of the two the DaemonSet has.
            Member::Created => !set.revision_hash.is_empty() || set.template_generation.is_some(),
        }
    }
}

/// The iterator of [`Engine::members`].
pub(crate) struct Members<'e, 'd> {
    /// The group's pods not yet given.
    rest: &'e [Claimed],
    /// The plan's deletes so far, sorted by pod id.
    deletes: &'d [Delete],
    /// The plan creates a pod on the group's node, not yet given.
    pending_created: bool,
}

impl Iterator for Members<'_, '_> {
    type Item = Member;

    #[inline]
    fn next(&mut self) -> Option<Member> {
        // The next pod the plan does not delete.
        let mut real = None;
        while let Some((c, tail)) = self.rest.split_first() {
            let deleted = !self.deletes.is_empty()
                && self
                    .deletes
                    .binary_search_by(|d| d.pod.0.cmp(&c.pod))
                    .is_ok();
            if !deleted {
                real = Some((c, tail));
                break;
            }
            self.rest = tail;
        }
        // The created pod is unscheduled and created now: it sorts after every
        // scheduled pod and every pod created no later than now.
        if self.pending_created {
            let created_first = match real {
                Some((c, _)) => !c.flags.scheduled() && c.flags.created_after_now(),
                None => true,
            };
            if created_first {
                self.pending_created = false;
                return Some(Member::Created);
            }
        }
        let (c, tail) = real?;
        self.rest = tail;
        Some(Member::Real(c.pod, c.flags))
    }
}

/// What a sync does with a pod of its DaemonSet's namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Claim {
    /// Another's, or an orphan the selector does not match (or being deleted).
    Ignore,
    /// The DaemonSet's, and its selector matches.
    Keep,
    /// The DaemonSet's, and its selector no longer matches.
    Release,
    /// An orphan the selector matches.
    Adopt,
}

/// A claimed pod the passes walk: terminal pods being deleted are left to the
/// kubelet and the pod GC, as upstream's getNodesToDaemonPods does; pods naming
/// no node are ignored.
#[inline]
pub(crate) fn walked(p: &Pod) -> bool {
    p.target_node.is_some() && !(p.deleting && p.phase.is_terminal())
}

/// Upstream's `IsPodUpdated` on a stored pod.
#[inline]
pub(crate) fn is_updated(p: &Pod, set: &DaemonSet) -> bool {
    let hash = !set.revision_hash.is_empty() && p.revision_hash == set.revision_hash;
    let generation =
        set.template_generation.is_some() && p.template_generation == set.template_generation_label;
    hash || generation
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
    pub(crate) fn compile_rollout(&mut self, input: &DaemonSetInput<'_>) -> Result<Rollout> {
        let s = &input.update_strategy;
        let update_strategy = match s.type_ {
            "" | "RollingUpdate" => {
                let r = s.rolling_update.unwrap_or_default();
                UpdateStrategy::RollingUpdate {
                    max_unavailable: r
                        .max_unavailable
                        .map_or(IntOrPercent::Int(1), IntOrPercent::from_input),
                    max_surge: r
                        .max_surge
                        .map_or(IntOrPercent::Int(0), IntOrPercent::from_input),
                }
            }
            "OnDelete" => UpdateStrategy::OnDelete,
            _ => UpdateStrategy::Other,
        };
        let revision_hash = self.intern(input.revision_hash, Field::LabelValue)?;
        // An annotation that does not parse is ignored, as upstream.
        let template_generation = input.template_generation.and_then(parse_i64);
        let template_generation_label = match template_generation {
            Some(g) => self.intern(crate::text::Int::signed(g).as_str(), Field::LabelValue)?,
            None => Sym::EMPTY,
        };
        Ok(Rollout {
            update_strategy,
            revision_hash,
            template_generation,
            template_generation_label,
        })
    }

    /// Plans one sync of a DaemonSet at `now`, as upstream's `syncDaemonSet`, into
    /// `plan` (cleared first).
    ///
    /// The engine remembers what the plan asks for: the DaemonSet is not managed again
    /// until the caller has reported each create and delete with
    /// [`observe_creates`](Self::observe_creates) and
    /// [`observe_deletes`](Self::observe_deletes) (or five minutes have passed);
    /// syncs before that only adopt, release and compute status. Failed-pod deletions
    /// start or raise that node's backoff.
    ///
    /// A full plan buffer or backoff table is an error, and then nothing is
    /// remembered.
    ///
    /// ```
    /// use dsr_core::input::{DaemonSetInput, LabelInput, LabelSelectorInput, NodeInput, PodInput};
    /// use dsr_core::sync::{Plan, SyncOutcome};
    /// use dsr_core::Timestamp;
    ///
    /// let mut engine = dsr_core::TinyEngine::new();
    /// for name in ["ip-10-0-1-23.us-west-2.compute.internal", "ip-10-0-1-47.us-west-2.compute.internal"] {
    ///     engine.add_node(&NodeInput { name, ..Default::default() }).unwrap();
    /// }
    /// let app = [LabelInput { key: "name", value: "fluentd-elasticsearch" }];
    /// let set = engine.add_daemon_set(&DaemonSetInput {
    ///     name: "fluentd-elasticsearch", namespace: "kube-system", uid: "9b1c2d3e",
    ///     selector: Some(LabelSelectorInput { match_labels: &app, ..Default::default() }),
    ///     template_labels: &app,
    ///     revision_hash: "6d8f7c9b5", template_generation: Some("1"), generation: 1,
    ///     ..Default::default()
    /// }).unwrap();
    ///
    /// let now = Timestamp::parse_rfc3339("2024-03-01T11:00:00Z").unwrap();
    /// let mut plan: Plan<8> = Plan::new();
    /// engine.sync(set, now, &mut plan).unwrap();
    /// assert_eq!(plan.creates.len(), 2);
    /// assert_eq!(plan.status.unwrap().desired_number_scheduled, 2);
    ///
    /// // Create the pods (carrying these labels), then report the outcome.
    /// let mut labels = Vec::new();
    /// engine.new_pod_labels(set, |k, v| labels.push(format!("{k}={v}"))).unwrap();
    /// assert_eq!(labels, ["name=fluentd-elasticsearch", "pod-template-generation=1",
    ///                     "controller-revision-hash=6d8f7c9b5"]);
    /// engine.observe_creates(set, 2).unwrap();
    /// engine.sync(set, now.plus(5), &mut plan).unwrap();
    /// assert_eq!(plan.outcome, SyncOutcome::Synced);
    /// ```
    pub fn sync<const N: usize>(
        &mut self,
        set: SetId,
        now: Timestamp,
        plan: &mut Plan<N>,
    ) -> Result<()> {
        let s = *self
            .sets
            .get(set.0)
            .ok_or(Error::NotFound(Table::DaemonSets))?;
        plan.clear();
        plan.set = Some(set);
        plan.revision_hash = s.revision_hash;
        plan.strings_freed = self.strings.freed();
        plan.template_generation = s.template_generation;
        if s.deleting {
            plan.outcome = SyncOutcome::Deleting;
            return Ok(());
        }
        if s.selector.is_some_and(|sel| sel.is_empty()) {
            plan.outcome = SyncOutcome::SelectsEverything;
            return Ok(());
        }
        self.claim(&s, now, plan)?;
        self.prepare(set);
        let pending = self
            .sync
            .expectations
            .get(set.0 as usize)
            .copied()
            .flatten()
            .filter(|e| !e.satisfied(now));
        if let Some(e) = pending {
            plan.outcome = SyncOutcome::StatusOnly;
            let status = self.status(&s, plan, s.observed_generation)?;
            self.requeue_for_status(&s, now, &status, plan);
            plan.requeue(e.expires_in(now));
            plan.status = Some(status);
            self.sort_plan(plan);
            return Ok(());
        }
        self.manage(set, &s, now, plan)?;
        plan.manage_creates = plan.creates.len() as u32;
        plan.manage_deletes = plan.deletes.len() as u32;
        sort_by_ids(plan);
        if matches!(s.update_strategy, UpdateStrategy::RollingUpdate { .. }) {
            self.rolling_update(&s, plan)?;
            sort_by_ids(plan);
        }
        let status = self.status(&s, plan, s.generation)?;
        self.requeue_for_status(&s, now, &status, plan);
        plan.status = Some(status);
        plan.outcome = SyncOutcome::Synced;
        self.commit(set, &s, now, plan)?;
        self.sort_plan(plan);
        crate::trace::debug!(
            "sync {:?}: {:?} creates, {:?} deletes, status {:?}",
            set,
            plan.creates.len(),
            plan.deletes.len(),
            plan.status
        );
        Ok(())
    }

    /// Reports that `n` planned creates of a DaemonSet happened (the pod appeared) or
    /// failed or were skipped: upstream's `CreationObserved`. More than are pending
    /// leaves none pending (the count stops at 0).
    pub fn observe_creates(&mut self, set: SetId, n: u32) -> Result<()> {
        self.observe(set, n, false)
    }

    /// Reports that `n` planned deletes of a DaemonSet happened (the pod is gone) or
    /// failed: upstream's `DeletionObserved`. More than are pending leaves none
    /// pending (the count stops at 0).
    pub fn observe_deletes(&mut self, set: SetId, n: u32) -> Result<()> {
        self.observe(set, n, true)
    }

    /// Lowers a DaemonSet's expected creates (or deletes) by `n`. More than
    /// are pending (a caller's miscount, or `u32::MAX`) leaves none pending
    /// rather than a debt that later syncs would not see.
    pub(crate) fn observe(&mut self, set: SetId, n: u32, deletes: bool) -> Result<()> {
        self.sets
            .get(set.0)
            .ok_or(Error::NotFound(Table::DaemonSets))?;
        if let Some(Some(e)) = self.sync.expectations.get_mut(set.0 as usize) {
            let count = if deletes {
                &mut e.deletes
            } else {
                &mut e.creates
            };
            *count = count.saturating_sub(i64::from(n)).max(0);
        }
        Ok(())
    }

    /// What the controller's pod event handlers do with expectations when a
    /// pod appears, becomes terminating, or goes (`gone`: call it just before
    /// removing the pod, while its controller reference is known): a pod
    /// controlled by a DaemonSet ([`controller_of`](Self::controller_of))
    /// observes one of its creates, or, when it is terminating or gone, one of
    /// its deletes. Orphans observe nothing (no sync waits for them).
    ///
    /// `apply` (feature `json`) observes in this way every pod it adds or
    /// removes, and a pod when it becomes terminating, so a caller that feeds
    /// the engine the cluster's pods need not report its own creates and
    /// deletes.
    pub fn observe_pod(&mut self, pod: PodId, gone: bool) {
        let deletes = gone || self.pods.get(pod.0).is_some_and(|p| p.deleting);
        if let Some(set) = self.controller_of(pod) {
            // `controller_of` found the set, so observing cannot fail.
            let _ = self.observe(set, 1, deletes);
        }
    }

    /// The creates and deletes a DaemonSet still waits to see, if any were planned.
    pub fn expectations(&self, set: SetId) -> Option<Expectations> {
        self.sync
            .expectations
            .get(set.0 as usize)
            .copied()
            .flatten()
    }

    /// The failed-pod backoff table.
    pub fn backoff(&self) -> &Backoff<BACKOFF> {
        &self.sync.backoff
    }

    /// Upstream's `ClaimPods`: pods of the DaemonSet's namespace that it controls and
    /// its selector matches, plus matching orphans (adopted); controlled pods the
    /// selector no longer matches are released. Claimed pods with a target node go to
    /// the scratch list.
    fn claim<const N: usize>(
        &mut self,
        s: &DaemonSet,
        now: Timestamp,
        plan: &mut Plan<N>,
    ) -> Result<()> {
        self.sync.pods.clear();
        let tag = crate::cache::owner_tag(s.uid);
        let candidate = |o: u8| (o == tag) | (o == crate::cache::NO_CONTROLLER);
        // Only pods this DaemonSet may control (their uid's tag is its tag) and pods
        // without a controller can be claimed; the owner tags are scanned a block at
        // a time (the test of a block vectorizes).
        const BLOCK: usize = 128;
        let slots = self.pods.slot_count();
        let mut from = 0usize;
        while from < slots {
            let to = slots.min(from + BLOCK);
            let block = self.pod_index.owners().get(from..to).unwrap_or(&[]);
            let hit = block.iter().fold(false, |hit, &o| hit | candidate(o));
            if hit {
                for i in from..to {
                    let o = self.pod_index.owners().get(i).copied();
                    if o.is_some_and(candidate) {
                        self.claim_pod(i as u32, s, now, plan)?;
                    }
                }
            }
            from = to;
        }
        Ok(())
    }

    /// What [`claim`](Self::claim) does with a pod of the DaemonSet's namespace.
    pub(crate) fn claim_of(&self, s: &DaemonSet, p: &Pod) -> Claim {
        let matches = || {
            s.selector.is_some_and(|sel| {
                self.selector_span_matches(sel, Labels::sorted(self.labels.get(p.labels)))
            })
        };
        match p.controller_uid {
            Some(_) if !self.controls(s, p) => Claim::Ignore,
            Some(_) if matches() => Claim::Keep,
            Some(_) => Claim::Release,
            None if !p.deleting && matches() => Claim::Adopt,
            None => Claim::Ignore,
        }
    }

    /// [`claim`](Self::claim) for one pod that is this DaemonSet's or nobody's.
    fn claim_pod<const N: usize>(
        &mut self,
        i: u32,
        s: &DaemonSet,
        now: Timestamp,
        plan: &mut Plan<N>,
    ) -> Result<()> {
        let Some(p) = self.pods.get(i) else {
            return Ok(());
        };
        if p.namespace != s.namespace {
            return Ok(());
        }
        let claimed = match self.claim_of(s, p) {
            Claim::Ignore => false,
            Claim::Keep => true,
            Claim::Release => {
                plan::push(&mut plan.releases, PodId(i))?;
                false
            }
            Claim::Adopt => {
                plan::push(&mut plan.adoptions, PodId(i))?;
                true
            }
        };
        if claimed && walked(p) {
            let claimed = Claimed {
                key: 0,
                pod: i,
                flags: PodFlags::of(p, s, now),
            };
            self.sync.pods.push(claimed).map_err(|_| Error::LogicBug)?;
        }
        Ok(())
    }

    /// Puts the nodes in name order with their placement, and the claimed pods in
    /// the same order by their node, oldest first within a node, so nodes and pods
    /// can be walked side by side; lists the nodes the walks look at.
    ///
    /// The name order is kept between syncs while the nodes stay the same, each
    /// pod's node is known from the pod index, and placements come from the
    /// engine's placement table, so a steady-state sync compares almost no text.
    fn prepare(&mut self, set: SetId) {
        let Engine {
            sync,
            nodes,
            pods,
            strings,
            pod_index,
            placements,
            ..
        } = self;
        if !sync.order_valid {
            sync.nodes.clear();
            for (i, n) in nodes.iter() {
                // Capacities match, so this push cannot fail.
                let _ = sync.nodes.push(NodeSlot {
                    id: i,
                    name: n.name,
                    fit: 0,
                });
            }
            crate::sort::sort_by(&mut sync.nodes, |a, b| {
                strings.bytes(a.name).cmp(strings.bytes(b.name))
            });
            for (rank, slot) in sync.nodes.iter().enumerate() {
                if let Some(r) = sync.rank_of.get_mut(slot.id as usize) {
                    *r = rank as u32;
                }
            }
            sync.order_valid = true;
        }
        // Node at rank r has key 2r+1; pods of a node that does not exist get 2p,
        // p being how many node names sort before theirs.
        for c in sync.pods.iter_mut() {
            let node = pod_index.node(c.pod);
            c.key = match sync.rank_of.get(node as usize) {
                Some(&r) => 2 * r + 1,
                None => {
                    let target = pods
                        .get(c.pod)
                        .and_then(|p| p.target_node)
                        .unwrap_or(Sym::EMPTY);
                    let text = strings.bytes(target);
                    2 * sync.nodes.partition_point(|n| strings.bytes(n.name) < text) as u32
                }
            };
        }
        // Pods usually come in node order with one pod a node: then the keys
        // already increase strictly, and that is the order.
        let in_order = sync.pods.windows(2).all(|w| match w {
            [a, b] => a.key < b.key,
            _ => true,
        });
        if !in_order {
            crate::sort::sort_by(&mut sync.pods, |a, b| {
                a.key
                    .cmp(&b.key)
                    .then_with(|| match (pods.get(a.pod), pods.get(b.pod)) {
                        (Some(pa), Some(pb)) => {
                            let ta = pa.target_node.unwrap_or(Sym::EMPTY);
                            let tb = pb.target_node.unwrap_or(Sym::EMPTY);
                            // Only pods of different missing nodes share a key.
                            let by_node = if ta == tb {
                                Ordering::Equal
                            } else {
                                strings.bytes(ta).cmp(strings.bytes(tb))
                            };
                            by_node.then_with(|| by_age(pa, pb, |x| strings.bytes(x)))
                        }
                        _ => a.pod.cmp(&b.pod),
                    })
            });
        }
        // One pass over the nodes in name order: their placement bits, and the
        // nodes that should run the pod or have pods.
        let fits = placements.row(set.0);
        let claimed = sync.pods.as_slice();
        sync.visits.clear();
        let mut desired = 0i64;
        let mut j = 0usize;
        // Nodes are taken 64 at a time: which of them should run the pod is
        // gathered into a word without a branch, and which have claimed pods from
        // the (sorted) pods; only the nodes of either set are then visited, in
        // order. (Whether a node is visited varies from node to node, so a branch on
        // it for each node would be mispredicted often.)
        let nodes = sync.nodes.as_mut_slice();
        let mut base = 0usize;
        while base < nodes.len() {
            let block = nodes
                .get_mut(base..nodes.len().min(base + 64))
                .unwrap_or(&mut []);
            let mut run = 0u64;
            for (i, slot) in block.iter().enumerate() {
                let fit = fits.get(slot.id as usize).copied().unwrap_or(0);
                run |= u64::from(fit & crate::cache::RUN != 0) << i;
            }
            desired += i64::from(run.count_ones());
            // Claimed pods of the block's nodes (odd keys; even keys are pods of
            // missing nodes, which the walks find between the visits).
            let first_key = 2 * base as u32 + 1;
            let end_key = 2 * (base + block.len()) as u32;
            let mut has_pods = 0u64;
            let mut k = j;
            while let Some(c) = claimed.get(k).filter(|c| c.key < end_key) {
                if c.key >= first_key && c.key % 2 == 1 {
                    has_pods |= 1 << ((c.key - first_key) / 2);
                }
                k += 1;
            }
            let mut visit = run | has_pods;
            while visit != 0 {
                let i = visit.trailing_zeros() as usize;
                visit &= visit - 1;
                let rank = base + i;
                let key = 2 * rank as u32 + 1;
                while claimed.get(j).is_some_and(|c| c.key < key) {
                    j += 1;
                }
                let start = j;
                while claimed.get(j).is_some_and(|c| c.key == key) {
                    j += 1;
                }
                if let Some(slot) = block.get_mut(i) {
                    // (Only the nodes visited are read, so only their bits are kept.)
                    slot.fit = fits.get(slot.id as usize).copied().unwrap_or(0);
                }
                // Capacities match, so this push cannot fail.
                let _ = sync.visits.push(Visit {
                    rank: rank as u32,
                    start: start as u32,
                    end: j as u32,
                });
            }
            j = j.max(k);
            base += 64;
        }
        sync.desired = desired;
    }

    /// Calls `f` on each node that should run the pod or has pods of it, in name
    /// order with its pods, and on each group of pods whose node does not exist, in
    /// the same order. (Other nodes are nothing to any pass.)
    #[inline(always)]
    pub(crate) fn each_group(&self, mut f: impl FnMut(Group<'_>) -> Result<()>) -> Result<()> {
        let nodes = self.sync.nodes.as_slice();
        let pods = self.sync.pods.as_slice();
        let visits = self.sync.visits.as_slice();
        let (mut j, mut v) = (0usize, 0usize);
        // One call of `f`, so it is inlined here.
        loop {
            let next = visits.get(v);
            let start = next.map_or(pods.len(), |x| x.start as usize);
            let g = if j < start {
                let len = self.missing_len(pods, j, start)?;
                let g = pods.get(j..j + len).ok_or(Error::LogicBug)?;
                j += len;
                Group {
                    node: None,
                    pods: g,
                }
            } else {
                let Some(x) = next else { break };
                v += 1;
                let node = nodes.get(x.rank as usize).ok_or(Error::LogicBug)?;
                let g = pods
                    .get(x.start as usize..x.end as usize)
                    .ok_or(Error::LogicBug)?;
                j = x.end as usize;
                Group {
                    node: Some(node),
                    pods: g,
                }
            };
            f(g)?;
        }
        Ok(())
    }

    /// [`each_group`](Self::each_group) for the nodes only (with their node).
    #[inline(always)]
    pub(crate) fn each_node_group(
        &self,
        mut f: impl FnMut(Group<'_>, &NodeSlot) -> Result<()>,
    ) -> Result<()> {
        let nodes = self.sync.nodes.as_slice();
        let pods = self.sync.pods.as_slice();
        for v in &self.sync.visits {
            let node = nodes.get(v.rank as usize).ok_or(Error::LogicBug)?;
            let g = pods
                .get(v.start as usize..v.end as usize)
                .ok_or(Error::LogicBug)?;
            f(
                Group {
                    node: Some(node),
                    pods: g,
                },
                node,
            )?;
        }
        Ok(())
    }

    /// [`each_group`](Self::each_group) for the groups of pods whose node does not
    /// exist only.
    pub(crate) fn each_missing_group(
        &self,
        mut f: impl FnMut(Group<'_>) -> Result<()>,
    ) -> Result<()> {
        let pods = self.sync.pods.as_slice();
        let mut j = 0usize;
        for v in &self.sync.visits {
            if j < v.start as usize {
                self.missing_groups(pods, j, v.start as usize, &mut f)?;
            }
            j = v.end as usize;
        }
        self.missing_groups(pods, j, pods.len(), &mut f)
    }

    /// Calls `f` on the groups of pods of missing nodes in `pods[from..to]`, one
    /// group per node name.
    fn missing_groups(
        &self,
        pods: &[Claimed],
        from: usize,
        to: usize,
        f: &mut impl FnMut(Group<'_>) -> Result<()>,
    ) -> Result<()> {
        let mut j = from;
        while j < to {
            let len = self.missing_len(pods, j, to)?;
            f(Group {
                node: None,
                pods: pods.get(j..j + len).ok_or(Error::LogicBug)?,
            })?;
            j += len;
        }
        Ok(())
    }

    /// How many pods from `pods[from]` on (before `to`) are for the same missing
    /// node: one group. At least one.
    fn missing_len(&self, pods: &[Claimed], from: usize, to: usize) -> Result<usize> {
        let target = |c: &Claimed| {
            self.pods
                .get(c.pod)
                .and_then(|p| p.target_node)
                .unwrap_or(Sym::EMPTY)
        };
        let rest = pods.get(from..to).ok_or(Error::LogicBug)?;
        let first = rest.first().ok_or(Error::LogicBug)?;
        let t = target(first);
        let len = rest
            .iter()
            .take_while(|c| c.key == first.key && target(c) == t)
            .count();
        Ok(len)
    }

    /// The pods of a group that the plan so far leaves in place, plus the pod it
    /// creates on the group's node, oldest first. `deletes` and `creates` must be
    /// sorted by id.
    pub(crate) fn members<'e: 'd, 'd>(
        &'e self,
        g: Group<'e>,
        deletes: &'d [Delete],
        creates: &'d [Create],
    ) -> Members<'e, 'd> {
        let created = !creates.is_empty()
            && g.node
                .is_some_and(|n| creates.binary_search_by(|c| c.node.0.cmp(&n.id)).is_ok());
        Members {
            rest: g.pods,
            deletes,
            pending_created: created,
        }
    }

    /// Records what the plan asks for: the expectations, and the backoff of each
    /// failed pod it deletes. Checks room first, so a failure changes nothing.
    fn commit<const N: usize>(
        &mut self,
        set: SetId,
        s: &DaemonSet,
        now: Timestamp,
        plan: &Plan<N>,
    ) -> Result<()> {
        let generation = s.observed_generation;
        let failed = || {
            plan.deletes
                .iter()
                .filter(|d| d.reason == DeleteReason::Failed)
        };
        let new_keys = failed()
            .filter(|d| {
                self.sync
                    .backoff
                    .get(set, generation, d.node_name)
                    .is_none()
            })
            .count();
        {
            let Engine { sync, strings, .. } = self;
            sync.backoff
                .reserve(new_keys, now, &mut |s| strings.release(s))?;
        }
        for d in failed() {
            let Engine { sync, strings, .. } = self;
            sync.backoff
                .next(set, generation, d.node_name, now, &mut |s, hold| {
                    hold.apply(strings, s)
                })?;
        }
        let slot = self
            .sync
            .expectations
            .get_mut(set.0 as usize)
            .ok_or(Error::LogicBug)?;
        *slot = Some(Expectations {
            creates: plan.creates.len() as i64,
            deletes: plan.deletes.len() as i64,
            set_at: now,
        });
        Ok(())
    }

    /// Upstream requeues after `minReadySeconds` while some node's ready pod is not
    /// yet available, and, on the event of a pod turning ready, once that pod can be
    /// available. dsr has no events, so it asks for the second at the sync: the first
    /// moment a ready pod of the DaemonSet has been ready for `minReadySeconds`.
    fn requeue_for_status<const N: usize>(
        &self,
        s: &DaemonSet,
        now: Timestamp,
        status: &DaemonSetStatus,
        plan: &mut Plan<N>,
    ) {
        if s.min_ready_seconds <= 0 {
            return;
        }
        let min_ready = i64::from(s.min_ready_seconds);
        if status.number_ready != status.number_available {
            plan.requeue(min_ready);
        }
        let deleted = |i: u32| plan.deletes.binary_search_by(|d| d.pod.0.cmp(&i)).is_ok();
        let soonest = self
            .sync
            .pods
            .iter()
            .filter(|c| !deleted(c.pod))
            .filter_map(|c| self.pods.get(c.pod))
            .filter(|p| p.ready && !p.is_available(s.min_ready_seconds, now))
            .filter_map(|p| p.ready_since)
            .map(|since| since.plus(min_ready).since(now))
            .min();
        if let Some(wait) = soonest {
            plan.requeue(wait);
        }
    }

    /// Orders every list of the plan by name, for output.
    fn sort_plan<const N: usize>(&self, plan: &mut Plan<N>) {
        // Bytes order as `str` does, without a UTF-8 check per compare.
        let text = |s: Sym| self.strings.bytes(s);
        crate::sort::sort_by(&mut plan.creates, |a, b| {
            text(a.node_name)
                .cmp(text(b.node_name))
                .then(a.node.cmp(&b.node))
        });
        crate::sort::sort_by(&mut plan.deletes, |a, b| {
            text(a.pod_name)
                .cmp(text(b.pod_name))
                .then(a.pod.cmp(&b.pod))
        });
        let pod_name = |p: &PodId| self.pods.get(p.0).map(|p| text(p.name)).unwrap_or(b"");
        crate::sort::sort_by(&mut plan.adoptions, |a, b| {
            pod_name(a).cmp(pod_name(b)).then(a.cmp(b))
        });
        crate::sort::sort_by(&mut plan.releases, |a, b| {
            pod_name(a).cmp(pod_name(b)).then(a.cmp(b))
        });
    }
}

/// Sorts creates by node id and deletes by pod id, for lookups.
fn sort_by_ids<const N: usize>(plan: &mut Plan<N>) {
    crate::sort::sort_by_key(&mut plan.creates, |c| c.node.0);
    crate::sort::sort_by_key(&mut plan.deletes, |d| d.pod.0);
}

/// Upstream's `podByCreationTimestampAndPhase`: scheduled pods first, then oldest,
/// then by name.
pub(crate) fn by_age<'s>(a: &Pod, b: &Pod, text: impl Fn(Sym) -> &'s [u8]) -> Ordering {
    b.is_scheduled()
        .cmp(&a.is_scheduled())
        .then(a.created.cmp(&b.created))
        .then_with(|| text(a.name).cmp(text(b.name)))
}

/// Whether a pod event observes expectations (see [`Engine::observe_pod`]): the
/// pod is new (`was_deleting` is `None`) or has just become terminating.
/// (Upstream observes a delete again on each later update of a terminating pod,
/// which only matters to counts below 0, which dsr does not keep.)
#[cfg(feature = "json")]
pub(crate) fn pod_event_observes(was_deleting: Option<bool>, deleting: bool) -> bool {
    was_deleting.is_none_or(|was| !was && deleting)
}

#[cfg(test)]
mod tests;
