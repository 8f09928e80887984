//! The plan one sync produces: what to create, delete, adopt and release, the
//! DaemonSet's status, and when to sync again.

use core::ops::Range;

use heapless::Vec;

use crate::eligibility::Reason;
use crate::engine::{NodeId, SetId};
use crate::error::{Error, Result, Table};
use crate::intern::Sym;
use crate::pod::PodId;

/// Most creates (and, separately, deletes) one pass of a sync issues, as upstream's
/// `burstReplicas`: the rest waits for a later sync.
pub const BURST_REPLICAS: usize = 250;

/// Size of the first batch of creates; each next batch doubles, as upstream's
/// `SlowStartInitialBatchSize`.
pub const SLOW_START_INITIAL_BATCH: usize = 1;

/// Why a pod is created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum CreateReason {
    /// The node should run the daemon pod and has none running.
    Missing,
    /// Surge: the node's old pod is not available, so its replacement starts now.
    ReplaceUnavailable,
    /// Surge: a new pod starts beside the node's available old one, within `maxSurge`.
    Surge,
}

/// A pod to create.
///
/// The new pod is the DaemonSet's template with the automatic daemon tolerations
/// added, the labels `controller-revision-hash` ([`Plan::revision_hash`], when not
/// empty) and `pod-template-generation` ([`Plan::template_generation`], when set),
/// a controller owner reference to the DaemonSet, and its required node affinity
/// replaced by one term, `matchFields` `metadata.name In [node]`, as upstream's
/// `ReplaceDaemonSetPodNodeNameNodeAffinity` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Create {
    /// The node.
    pub node: NodeId,
    /// The node's name.
    pub node_name: Sym,
    /// Why.
    pub reason: CreateReason,
}

/// Why a pod is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum DeleteReason {
    /// The daemon pod must not continue running on its node, for this reason.
    NodeIneligible(Reason),
    /// Another pod of the DaemonSet on the node is older (without surge, the oldest
    /// is kept; with surge, the oldest old and the oldest new).
    Duplicate,
    /// The pod failed; it is recreated by a later sync. At most one per node per
    /// backoff period.
    Failed,
    /// The pod succeeded (a daemon must keep running).
    Succeeded,
    /// The pod is not scheduled and is pinned to a node that no longer exists.
    NodeMissing,
    /// Surge: the old pod is not ready and a new pod is already on the node.
    SurgeOldNotReady,
    /// Surge: the node's new pod is available, so the old one goes.
    SurgeReplaced,
    /// Rolling update: an old, available pod, within `maxUnavailable`.
    RollingUpdate,
    /// Rolling update: an old pod that is not available, replaced whatever the budget.
    RollingUpdateUnavailable,
    /// Rolling update with surge: an old pod on a node that should no longer run the
    /// daemon, deleted as enough pods elsewhere are available.
    RollingUpdateNodeIneligible,
}

/// A pod to delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Delete {
    /// The pod.
    pub pod: PodId,
    /// Its name.
    pub pod_name: Sym,
    /// The node it is for (its `spec.nodeName` or pinned node).
    pub node_name: Sym,
    /// Why.
    pub reason: DeleteReason,
}

/// A DaemonSet's `status`, as upstream's `updateDaemonSetStatus` computes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DaemonSetStatus {
    /// Nodes that should run the daemon pod.
    pub desired_number_scheduled: i32,
    /// Of those, nodes that have at least one daemon pod.
    pub current_number_scheduled: i32,
    /// Nodes that have a daemon pod but should not run one.
    pub number_misscheduled: i32,
    /// Nodes whose oldest daemon pod is ready.
    pub number_ready: i32,
    /// Nodes whose oldest daemon pod is of the current revision.
    pub updated_number_scheduled: i32,
    /// Nodes whose oldest daemon pod has been ready for `minReadySeconds`.
    pub number_available: i32,
    /// `desired_number_scheduled - number_available`.
    pub number_unavailable: i32,
    /// The generation this status reflects.
    pub observed_generation: i64,
}

/// Why a rolling update did nothing this sync, although its strategy asks for one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum RolloutHalt {
    /// `maxUnavailable` or `maxSurge` is a string that is not a percentage.
    InvalidBudget,
    /// With surge, an old pod is on a node that does not exist; upstream fails to
    /// look the node up and gives up the pass.
    MissingNode,
}

/// The rolling update's arithmetic in one sync, for people: how much of the budget
/// is in use and how much this sync spends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RolloutBudget {
    /// Nodes that should run the daemon pod (the base of percentages).
    pub desired: i64,
    /// `maxUnavailable` scaled (1 when both budgets scale to 0).
    pub max_unavailable: i64,
    /// `maxSurge` scaled; when positive, the update surges.
    pub max_surge: i64,
    /// Budget in use: nodes counted unavailable (without surge) or surging (with
    /// surge): new pods not yet available, nodes with excess pods, nodes without.
    pub in_use: i64,
    /// Nodes whose old pod is available and could be replaced within the budget.
    pub candidates: i64,
    /// Of those, how many this sync replaces.
    pub chosen: i64,
    /// Nodes whose old pod is not available, replaced whatever the budget.
    pub replacements: i64,
    /// Nodes that still run a pod of an old revision (after the manage pass): the
    /// rollout is in progress while this is positive.
    pub outdated: i64,
    /// Why nothing was done, when the pass stopped.
    pub halted: Option<RolloutHalt>,
}

/// Why a node uses some of the rolling update's budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum HoldReason {
    /// More than one old or more than one new pod: the manage pass deletes extras.
    Excess,
    /// The node should run the daemon pod and has none.
    NoPod,
    /// An old and a new pod, without surge.
    OldAndNew,
    /// The new pod is not available yet; `None` when it is created in this sync.
    NewNotAvailable {
        /// The pod.
        pod: Option<PodId>,
    },
    /// The old pod is not available: it is replaced whatever the budget.
    OldNotAvailable {
        /// The pod.
        pod: PodId,
    },
    /// Surging: a new pod, not available yet, beside the old one; `None` when the
    /// new pod is created in this sync.
    SurgingNewNotAvailable {
        /// The new pod.
        pod: Option<PodId>,
    },
}

/// A node that holds a rolling update back, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Hold {
    /// The node's name.
    pub node: Sym,
    /// Why it counts.
    pub reason: HoldReason,
}

/// How far a sync went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum SyncOutcome {
    /// No sync has been planned into this plan yet.
    #[default]
    Empty,
    /// Managed and (for RollingUpdate) rolled; status computed.
    Synced,
    /// Earlier creates or deletes are not observed yet: only adoption and status,
    /// with `observedGeneration` left as it was.
    StatusOnly,
    /// The DaemonSet is being deleted: nothing to do, status not computed.
    Deleting,
    /// The selector is empty and would select every pod: nothing is done, as upstream.
    SelectsEverything,
}

/// The result of one sync, in caller-sized buffers of `N` entries each.
///
/// Lists are sorted: creates by node name, deletes, adoptions and releases by pod
/// name, so the same engine state gives the same plan, byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan<const N: usize> {
    /// The DaemonSet planned for.
    pub set: Option<SetId>,
    /// How far the sync went.
    pub outcome: SyncOutcome,
    /// Pods to create, at most [`BURST_REPLICAS`] per pass.
    pub creates: Vec<Create, N>,
    /// How many creates the manage pass wanted, those the burst limit left out
    /// of [`creates`](Self::creates) included: the limit takes the first in
    /// node-name order, and the rest wait for a later sync.
    pub creates_wanted: u32,
    /// Pods to delete, at most [`BURST_REPLICAS`] per pass.
    pub deletes: Vec<Delete, N>,
    /// How many deletes the manage pass wanted, those the burst limit left out
    /// of [`deletes`](Self::deletes) included: the limit takes them in the
    /// order of their nodes' names (pods of nodes that do not exist last).
    pub deletes_wanted: u32,
    /// Pods with no controller that the selector matches: the caller sets their
    /// controller reference to the DaemonSet.
    pub adoptions: Vec<PodId, N>,
    /// Pods the DaemonSet controls that its selector no longer matches: the caller
    /// removes their controller reference.
    pub releases: Vec<PodId, N>,
    /// The status at the end of the sync (created pods counted, not ready; deleted
    /// pods not counted); `None` when the sync did not get that far.
    pub status: Option<DaemonSetStatus>,
    /// Sync again after this many seconds: a failed pod's backoff ends, a ready pod
    /// may pass `minReadySeconds`, or pending expectations expire.
    pub requeue_after: Option<i64>,
    /// The rolling update's budget arithmetic, when the strategy is RollingUpdate
    /// and the sync managed the DaemonSet.
    pub rollout: Option<RolloutBudget>,
    /// The nodes counted in [`RolloutBudget::in_use`], each with why, in node-name
    /// order.
    pub held_back: Vec<Hold, N>,
    /// What created pods carry as `controller-revision-hash`.
    pub revision_hash: Sym,
    /// What created pods carry as `pod-template-generation`.
    pub template_generation: Option<i64>,
    /// [`Engine::strings_freed`](crate::Engine::strings_freed) when the plan was
    /// made: while it is unchanged every string the plan names is the one it named
    /// (see [`Engine::plan_is_current`](crate::Engine::plan_is_current)).
    pub strings_freed: u32,
    /// Creates and deletes of the manage pass, before the rolling update's.
    pub(crate) manage_creates: u32,
    pub(crate) manage_deletes: u32,
}

impl<const N: usize> Default for Plan<N> {
    fn default() -> Self {
        Self::new()
    }
}

pub(crate) fn push<T, const N: usize>(v: &mut Vec<T, N>, item: T) -> Result<()> {
    v.push(item).map_err(|_| Error::Full {
        table: Table::Output,
        capacity: crate::error::saturating_u32(N),
    })
}

impl<const N: usize> Plan<N> {
    /// An empty plan.
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub const fn new() -> Self {
        Plan {
            set: None,
            outcome: SyncOutcome::Empty,
            creates: Vec::new(),
            creates_wanted: 0,
            deletes: Vec::new(),
            deletes_wanted: 0,
            adoptions: Vec::new(),
            releases: Vec::new(),
            status: None,
            requeue_after: None,
            rollout: None,
            held_back: Vec::new(),
            revision_hash: Sym::EMPTY,
            template_generation: None,
            strings_freed: 0,
            manage_creates: 0,
            manage_deletes: 0,
        }
    }

    /// Empties the plan for another sync.
    pub fn clear(&mut self) {
        self.set = None;
        self.outcome = SyncOutcome::Empty;
        self.creates.clear();
        self.creates_wanted = 0;
        self.deletes.clear();
        self.deletes_wanted = 0;
        self.adoptions.clear();
        self.releases.clear();
        self.status = None;
        self.requeue_after = None;
        self.rollout = None;
        self.held_back.clear();
        self.revision_hash = Sym::EMPTY;
        self.template_generation = None;
        self.manage_creates = 0;
        self.manage_deletes = 0;
    }

    /// Makes this plan a copy of `other`, a plan of any size (to keep a plan in
    /// less room than a sync needs, for [`Engine::sync_node`](crate::Engine::sync_node)).
    /// A list that does not fit is an error, and leaves this plan as it was.
    pub fn copy_from<const M: usize>(&mut self, other: &Plan<M>) -> Result<()> {
        let longest = other
            .creates
            .len()
            .max(other.deletes.len())
            .max(other.adoptions.len())
            .max(other.releases.len())
            .max(other.held_back.len());
        if longest > N {
            return Err(Error::Full {
                table: Table::Output,
                capacity: crate::error::saturating_u32(N),
            });
        }
        self.clear();
        // Room was checked, so these cannot fail.
        let _ = self.creates.extend_from_slice(&other.creates);
        let _ = self.deletes.extend_from_slice(&other.deletes);
        let _ = self.adoptions.extend_from_slice(&other.adoptions);
        let _ = self.releases.extend_from_slice(&other.releases);
        let _ = self.held_back.extend_from_slice(&other.held_back);
        self.set = other.set;
        self.outcome = other.outcome;
        self.status = other.status;
        self.requeue_after = other.requeue_after;
        self.rollout = other.rollout;
        self.revision_hash = other.revision_hash;
        self.template_generation = other.template_generation;
        self.strings_freed = other.strings_freed;
        self.creates_wanted = other.creates_wanted;
        self.deletes_wanted = other.deletes_wanted;
        self.manage_creates = other.manage_creates;
        self.manage_deletes = other.manage_deletes;
        Ok(())
    }

    /// True when the plan asks for no change to any pod.
    pub fn is_noop(&self) -> bool {
        self.creates.is_empty()
            && self.deletes.is_empty()
            && self.adoptions.is_empty()
            && self.releases.is_empty()
    }

    pub(crate) fn requeue(&mut self, seconds: i64) {
        let s = seconds.max(0);
        self.requeue_after = Some(self.requeue_after.map_or(s, |r| r.min(s)));
    }
}

/// The batches in which to issue `creates` creates, as upstream's slow start: 1, 2,
/// 4, ... When a create in a batch fails, the caller issues no later batch and
/// reports every create it skipped with [`crate::Engine::observe_creates`].
///
/// ```
/// let b: Vec<_> = dsr_core::sync::slow_start_batches(10).collect();
/// assert_eq!(b, [0..1, 1..3, 3..7, 7..10]);
/// ```
pub fn slow_start_batches(creates: usize) -> impl Iterator<Item = Range<usize>> {
    let mut pos = 0usize;
    let mut size = SLOW_START_INITIAL_BATCH.min(creates);
    core::iter::from_fn(move || {
        if pos >= creates || size == 0 {
            return None;
        }
        let r = pos..pos + size;
        pos += size;
        size = size.saturating_mul(2).min(creates - pos);
        Some(r)
    })
}
