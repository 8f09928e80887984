//! Re-planning one node of a DaemonSet: when only a node's placement changed
//! since a DaemonSet's last plan, the plan changes only in that node's part (its
//! creates and deletes, its hold, its status counts) and in the rolling update's
//! budget over the nodes that should run the pod. [`Engine::sync_node`] takes the
//! node's part out of the plan as the passes would have made it with the old
//! placement and puts in the part they make with the new one, by the same
//! functions a full sync calls per node, when nothing else of the plan can
//! depend on the node; otherwise it says so and the caller syncs in full.
//!
//! When the burst limit cut the plan's creates or deletes, the node's entries
//! may sit inside the cut, beyond it, or move it: the last node inside then
//! gives up entries, or, when the node gives up listed ones, the next past
//! the cut take their place (the last node's next ones, then those of the
//! next nodes in name order, found by a scan of the pod index),
//! and those nodes' parts are worked out again too (their pods found by the
//! pod index, as the caller named only the re-planned node's).

use core::cmp::Ordering;
use core::ops::ControlFlow;

use heapless::Vec;

use crate::eligibility::Fit;
use crate::engine::{DaemonSet, Engine, NodeId, SetId};
use crate::error::{Error, Result, Table};
use crate::intern::Sym;
use crate::pod::{Pod, PodId};
use crate::sync::manage::Burst;
use crate::sync::plan::{
    Create, DaemonSetStatus, Delete, DeleteReason, Hold, Plan, RolloutBudget, SyncOutcome,
    BURST_REPLICAS,
};
use crate::sync::rolling::{budgets, hold_of, Entry, Unsurged};
use crate::sync::status::count_node;
use crate::sync::time::Timestamp;
use crate::sync::{
    by_age, sort_by_ids, walked, Claim, Claimed, Group, NodeSlot, PodFlags, UpdateStrategy,
};

/// Most pods of one DaemonSet on one node that [`Engine::sync_node`] re-plans.
const NODE_PODS: usize = 8;

/// A node whose placement for a DaemonSet changed since the DaemonSet's plan
/// was made, for [`Engine::sync_node`].
#[derive(Debug, Clone, Copy)]
pub struct NodeChange<'a> {
    /// The node.
    pub node: NodeId,
    /// Its placement for the DaemonSet when the plan was made.
    pub was: Fit,
    /// The DaemonSet's pods on the node, as the caller indexes them (by
    /// controller and `spec.nodeName`): every pod the DaemonSet controls there
    /// must be among them; others are skipped.
    pub pods: &'a [PodId],
}

/// One node's part of a DaemonSet's plan, as [`Engine::node_part`] works it
/// out before a pod on the node changes, for [`Engine::sync_node_pods`].
#[derive(Debug, Clone, Default)]
pub struct NodePart {
    node: u32,
    part: Part,
}

/// One node's part of a plan: its placement and the DaemonSet's pods on it
/// when the part was made, and the creates and deletes the manage pass wants
/// there, in the order it asks for them. The burst limit lets a prefix of them
/// into the plan; what the node then adds to the status and the rolling update
/// ([`Effect`]) follows from that prefix.
#[derive(Debug, Clone, Default)]
struct Part {
    slot: NodeSlot,
    pods: Vec<Claimed, NODE_PODS>,
    creates: Vec<Create, 2>,
    deletes: Vec<Delete, NODE_PODS>,
}

impl Part {
    /// 1 when the node should run the pod (it counts in the rollout's base).
    fn run(&self) -> i64 {
        i64::from(self.slot.should_run())
    }
}

/// Most nodes besides the re-planned one whose listed creates or deletes a
/// re-plan by node changes: the last node of the creates' list or the next
/// past its cut, the last of the deletes' list, and nodes past the deletes'
/// cut that join it.
const SHIFTS: usize = 6;

/// Most nodes past the cut of the deletes' list that join it in one re-plan.
const PULLED: usize = SHIFTS - 2;

/// What a re-plan by node ([`Engine::sync_node`], [`Engine::sync_node_pods`])
/// changed in the plan besides the re-planned node's part.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Replanned {
    /// The other nodes whose creates or deletes the plan lists changed: at the
    /// burst limit, the last node a full list holds gives up entries to the
    /// re-planned node's, or, when the node gives up listed ones, the nodes
    /// next in name order take their place.
    pub shifted: [Option<NodeId>; SHIFTS],
}

impl Replanned {
    /// The nodes of [`shifted`](Self::shifted).
    pub fn shifted(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.shifted.iter().flatten().copied()
    }
}

/// What a node adds to a plan besides its creates and deletes.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Effect {
    status: DaemonSetStatus,
    hold: Option<Hold>,
    budget: Unsurged,
}

/// Where a node's creates (or deletes) go in a plan's list, which the burst
/// limit cuts: the list takes the first [`BURST_REPLICAS`] wanted, nodes in name
/// order.
#[derive(Debug, Clone, Copy)]
struct Cut {
    /// The node's wanted entries the list holds now (the first ones).
    listed: usize,
    /// Of its entries after the change, how many the list takes.
    take: usize,
    /// How many entries of the last node the list holds leave it, to make
    /// room (its last ones), or how many entries past the cut join it, for
    /// the room the node leaves (the last node's next ones, then the next
    /// nodes' in name order).
    drop: usize,
    gain: usize,
    /// The last node the list holds after the node, and its count there.
    last: Option<(Sym, usize)>,
    /// What the manage pass wants in all after the change.
    wanted: u32,
}

/// A node whose part changes, apart from the one re-planned: the last node of
/// a list at the burst limit, which gives up entries, or a node past the cut
/// whose entries join the list. The list holds the first `listed` of its
/// creates and deletes before, and the first `after` after.
struct Shifted {
    part: Part,
    was: Effect,
    is: Effect,
    creates: Listed,
    deletes: Listed,
}

/// How many of a node's entries a list holds before and after a re-plan.
#[derive(Debug, Clone, Copy, Default)]
struct Listed {
    listed: usize,
    after: usize,
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
    /// Re-plans a DaemonSet after one node's placement changed: `plan` must hold
    /// the DaemonSet's last plan (from [`sync`](Self::sync) or from this call)
    /// and nothing but the placement of `change.node` may have changed since
    /// (no node added or removed, no pod or DaemonSet changed, and time changes
    /// nothing: see below). Then the plan becomes, and the engine remembers,
    /// exactly what [`sync`](Self::sync) at `now` would give, in the time of the
    /// node's pods rather than the cluster's.
    ///
    /// Returns what the re-plan changed besides the node's part
    /// ([`Replanned`]); `Ok(None)`, leaving `plan` and the engine as they were,
    /// when that cannot be done for sure: the plan was not a full sync's, or lists
    /// adoptions or releases; a rollout is under way (a pod of an old revision,
    /// surge, an invalid budget); the plan asks to sync again later (backoff,
    /// `minReadySeconds` set) or deletes a failed pod; the burst limit
    /// ([`BURST_REPLICAS`]) left creates or deletes out of the plan and the
    /// node gives up listed ones, and those that would replace them are not
    /// found for sure (deletes of pods of missing nodes or of more than 4
    /// nodes, a node with a failed pod, none in the next 4,096 nodes), or the plan lists deletes
    /// of pods of missing nodes; expectations are pending; the node has more
    /// than 8 pods of the DaemonSet, one it would adopt or release, or a
    /// failed one. The caller then syncs in full.
    ///
    /// At the burst limit the plan lists the first creates and deletes in
    /// node-name order, as a full sync: the node's new ones take their place in
    /// that order, pushing the last node's out of the list (and that node's
    /// status counts and rollout hold change with it), or wait beyond the
    /// limit, counted in [`Plan::creates_wanted`] and [`Plan::deletes_wanted`].
    /// Entries the node gives up make room for the next ones past the cut, in
    /// the same order: their nodes are found by a scan of the pod index (the
    /// cost of a few lookups per pod of the DaemonSet, far less than a sync).
    pub fn sync_node<const N: usize>(
        &mut self,
        set: SetId,
        change: &NodeChange<'_>,
        now: Timestamp,
        plan: &mut Plan<N>,
    ) -> Result<Option<Replanned>> {
        let s = *self
            .sets
            .get(set.0)
            .ok_or(Error::NotFound(Table::DaemonSets))?;
        let name = self
            .nodes
            .get(change.node.0)
            .ok_or(Error::NotFound(Table::Nodes))?
            .name;
        if !self.replans_by_node(set, &s, now, plan) {
            return Ok(None);
        }
        let Some(claimed) = self.claimed_on(&s, change.node, change.pods, now) else {
            return Ok(None);
        };
        let run = if change.was.should_run {
            crate::cache::RUN
        } else {
            0
        };
        let stay = if change.was.should_continue_running {
            crate::cache::CONTINUE
        } else {
            0
        };
        let before = NodeSlot {
            id: change.node.0,
            name,
            fit: run | stay,
        };
        let Some(old) = self.node_part_of(set, &s, &before, &claimed, now)? else {
            return Ok(None);
        };
        self.replan_node(set, &s, change.node, &old, &claimed, now, plan)
    }

    /// The part of DaemonSet `set`'s plan that node `node` makes now, with the
    /// DaemonSet's pods `pods` on it (as for [`NodeChange::pods`]); `None` when
    /// [`sync_node_pods`](Self::sync_node_pods) could not re-plan from it.
    pub fn node_part(
        &self,
        set: SetId,
        node: NodeId,
        pods: &[PodId],
        now: Timestamp,
    ) -> Result<Option<NodePart>> {
        let s = self
            .sets
            .get(set.0)
            .ok_or(Error::NotFound(Table::DaemonSets))?;
        let name = self
            .nodes
            .get(node.0)
            .ok_or(Error::NotFound(Table::Nodes))?
            .name;
        let Some(claimed) = self.claimed_on(s, node, pods, now) else {
            return Ok(None);
        };
        let slot = NodeSlot {
            id: node.0,
            name,
            fit: self.placements.get(set.0, node.0),
        };
        Ok(self
            .node_part_of(set, s, &slot, &claimed, now)?
            .map(|part| NodePart { node: node.0, part }))
    }

    /// Re-plans a DaemonSet after pods on one node changed (were added,
    /// removed or updated, staying on the node and the DaemonSet's): `before`
    /// is the node's part from [`node_part`](Self::node_part) before the
    /// change, `pods` the DaemonSet's pods on the node now. Otherwise as
    /// [`sync_node`](Self::sync_node), and `Ok(None)` also when `before` is
    /// not of `node`.
    pub fn sync_node_pods<const N: usize>(
        &mut self,
        set: SetId,
        before: &NodePart,
        pods: &[PodId],
        now: Timestamp,
        plan: &mut Plan<N>,
    ) -> Result<Option<Replanned>> {
        let s = *self
            .sets
            .get(set.0)
            .ok_or(Error::NotFound(Table::DaemonSets))?;
        let node = NodeId(before.node);
        self.nodes
            .get(node.0)
            .ok_or(Error::NotFound(Table::Nodes))?;
        if !self.replans_by_node(set, &s, now, plan) {
            return Ok(None);
        }
        let Some(claimed) = self.claimed_on(&s, node, pods, now) else {
            return Ok(None);
        };
        self.replan_node(set, &s, node, &before.part, &claimed, now, plan)
    }

    /// The DaemonSet's pods of `pods` on `node` that a sync claims and walks,
    /// oldest first; `None` when one would be adopted or released, or there
    /// are too many.
    fn claimed_on(
        &self,
        s: &DaemonSet,
        node: NodeId,
        pods: &[PodId],
        now: Timestamp,
    ) -> Option<Vec<Claimed, NODE_PODS>> {
        let mut claimed: Vec<Claimed, NODE_PODS> = Vec::new();
        for &id in pods {
            let Some(p) = self.pods.get(id.0) else {
                continue;
            };
            if p.namespace != s.namespace || self.pod_index.node(id.0) != node.0 {
                continue;
            }
            match self.claim_of(s, p) {
                Claim::Ignore => continue,
                Claim::Keep => {}
                Claim::Release | Claim::Adopt => return None,
            }
            if !walked(p) || claimed.iter().any(|x| x.pod == id.0) {
                continue;
            }
            let c = Claimed {
                key: 0,
                pod: id.0,
                flags: PodFlags::of(p, s, now),
            };
            claimed.push(c).ok()?;
        }
        crate::sort::sort_by(&mut claimed, |a, b| {
            match (self.pods.get(a.pod), self.pods.get(b.pod)) {
                (Some(pa), Some(pb)) => by_age(pa, pb, |x| self.strings.bytes(x)),
                _ => a.pod.cmp(&b.pod),
            }
        });
        Some(claimed)
    }

    /// Puts the part node `node` makes now (its pods `claimed`, its placement
    /// from the engine) in place of `old` in `plan`.
    #[allow(clippy::too_many_arguments)]
    fn replan_node<const N: usize>(
        &mut self,
        set: SetId,
        s: &DaemonSet,
        node: NodeId,
        old: &Part,
        claimed: &[Claimed],
        now: Timestamp,
        plan: &mut Plan<N>,
    ) -> Result<Option<Replanned>> {
        let name = self
            .nodes
            .get(node.0)
            .ok_or(Error::NotFound(Table::Nodes))?
            .name;
        let after = NodeSlot {
            id: node.0,
            name,
            fit: self.placements.get(set.0, node.0),
        };
        let Some(new) = self.node_part_of(set, s, &after, claimed, now)? else {
            return Ok(None);
        };
        // Where the node's creates and deletes fall in the lists the burst
        // limit cuts, before and after.
        // (At the limit, entries are placed by their node's rank in the full
        // sync's name order: integers compared, not names.)
        let rank = |id: u32| {
            let r = self
                .sync
                .rank_of
                .get(id as usize)
                .filter(|_| self.sync.order_valid);
            r.map(|&r| r as usize)
        };
        let listed_creates = plan.creates.iter().filter(|c| c.node == node).count();
        let Some(cc) = self.cut(
            plan.creates.iter().map(|c| rank(c.node.0)),
            plan.creates.len(),
            plan.creates_wanted,
            rank(node.0),
            (old.creates.len(), new.creates.len()),
            listed_creates,
        ) else {
            return Ok(None);
        };
        // The plan holds the first of the node's deletes, in the pass's order.
        let in_plan = |d: &Delete| plan.deletes.iter().any(|x| x.pod == d.pod);
        let listed_deletes = old.deletes.iter().take_while(|d| in_plan(d)).count();
        if old.deletes.iter().skip(listed_deletes).any(in_plan) {
            return Ok(None);
        }
        // Pods of missing nodes have no rank: those deletes come after every
        // node's.
        let delete_rank = |d: &Delete| {
            let id = self.pod_index.node(d.pod.0);
            let on = self.nodes.get(id).is_some_and(|n| n.name == d.node_name);
            rank(id).filter(|_| on && d.reason != DeleteReason::NodeMissing)
        };
        let Some(dc) = self.cut(
            plan.deletes.iter().map(delete_rank),
            plan.deletes.len(),
            plan.deletes_wanted,
            rank(node.0),
            (old.deletes.len(), new.deletes.len()),
            listed_deletes,
        ) else {
            return Ok(None);
        };
        let (Some(was), Some(is)) = (
            self.effect(s, old, cc.listed, dc.listed)?,
            self.effect(s, &new, cc.take, dc.take)?,
        ) else {
            return Ok(None);
        };
        let mut shifts: Vec<Shifted, SHIFTS> = Vec::new();
        // The last node of a list at the limit gives up what the node takes.
        // Or the next past the cut takes the room the node leaves.
        if cc.gain > 0 {
            match self.pull_create(set, s, plan, node, &cc, now)? {
                Some(x) => push_shift(&mut shifts, x)?,
                None => return Ok(None),
            }
        }
        if let (Some((last, _)), true) = (cc.last, cc.drop > 0) {
            match self.shift_creates(set, s, plan, last, now)? {
                Some(x) => push_shift(&mut shifts, x)?,
                None => return Ok(None),
            }
        }
        if let (Some((last, listed)), true) = (dc.last, dc.drop > 0) {
            match self.shift_deletes(set, s, plan, last, listed, dc.drop, now)? {
                Some(x) => push_shift(&mut shifts, x)?,
                None => return Ok(None),
            }
        }
        // Or the entries next past the cut take the room the node leaves.
        if dc.gain > 0 && !self.pull_deletes(set, s, plan, node, &dc, now, &mut shifts)? {
            return Ok(None);
        }
        // Each node's part changes once.
        for (i, x) in shifts.iter().enumerate() {
            let id = x.part.slot.id;
            if id == node.0 || shifts.iter().skip(i + 1).any(|y| y.part.slot.id == id) {
                return Ok(None);
            }
        }
        let mut changes: Vec<(Sym, &Effect, &Effect), { SHIFTS + 1 }> = Vec::new();
        changes
            .push((name, &was, &is))
            .map_err(|_| Error::LogicBug)?;
        for x in &shifts {
            changes
                .push((x.part.slot.name, &x.was, &x.is))
                .map_err(|_| Error::LogicBug)?;
        }
        // Check everything before changing anything.
        let text = |x: Sym| self.strings.bytes(x);
        let held =
            |holds: &[Hold], node: Sym| holds.binary_search_by(|h| text(h.node).cmp(text(node)));
        let mut holds = plan.held_back.len();
        for &(node, was, is) in &changes {
            let matches = match (held(&plan.held_back, node), &was.hold) {
                (Ok(i), Some(h)) => plan.held_back.get(i) == Some(h),
                (Err(_), None) => true,
                _ => false,
            };
            if !matches {
                return Ok(None);
            }
            holds = holds.saturating_sub(usize::from(was.hold.is_some()))
                + usize::from(is.hold.is_some());
        }
        let creates = plan.creates.len() - cc.listed + cc.take - cc.drop;
        let deletes = plan.deletes.len() - dc.listed + dc.take - dc.drop + dc.gain;
        if creates > BURST_REPLICAS.min(N) || deletes > BURST_REPLICAS.min(N) || holds > N {
            return Ok(None);
        }
        let desired = plan
            .rollout
            .map(|b| b.desired - old.run() + new.run())
            .unwrap_or(0);
        let max_unavailable = match (plan.rollout, budgets(s.update_strategy, desired)) {
            (None, _) => 0,
            // The budgets scale with the nodes that should run the pod.
            (Some(_), Some((max_unavailable, 0))) => max_unavailable,
            (Some(_), _) => return Ok(None),
        };

        // (Each retain walks a whole list: only where entries leave.)
        if cc.listed > 0 {
            plan.creates.retain(|c| c.node != node);
        }
        let listed = old.deletes.get(..dc.listed).unwrap_or(&[]);
        if !listed.is_empty() {
            plan.deletes
                .retain(|x| !listed.iter().any(|d| d.pod == x.pod));
        }
        for x in &shifts {
            let gone = x
                .part
                .creates
                .get(x.creates.after..x.creates.listed)
                .unwrap_or(&[]);
            if !gone.is_empty() {
                plan.creates.retain(|c| !gone.contains(c));
            }
            let gone = x
                .part
                .deletes
                .get(x.deletes.after..x.deletes.listed)
                .unwrap_or(&[]);
            if !gone.is_empty() {
                plan.deletes
                    .retain(|d| !gone.iter().any(|g| g.pod == d.pod));
            }
        }
        fn joining(x: &Shifted) -> (&[Create], &[Delete]) {
            let creates = x.part.creates.get(x.creates.listed..x.creates.after);
            let deletes = x.part.deletes.get(x.deletes.listed..x.deletes.after);
            (creates.unwrap_or(&[]), deletes.unwrap_or(&[]))
        }
        let new_creates = new.creates.get(..cc.take).unwrap_or(&[]);
        let new_deletes = new.deletes.get(..dc.take).unwrap_or(&[]);
        let joined = core::iter::once((new_creates, new_deletes)).chain(shifts.iter().map(joining));
        // Room was checked, so the inserts cannot fail.
        for (creates, deletes) in joined {
            for c in creates {
                let at = plan.creates.partition_point(|x| {
                    text(x.node_name)
                        .cmp(text(c.node_name))
                        .then(x.node.cmp(&c.node))
                        == Ordering::Less
                });
                let _ = plan.creates.insert(at, *c);
            }
            for d in deletes {
                let at = plan.deletes.partition_point(|x| {
                    text(x.pod_name)
                        .cmp(text(d.pod_name))
                        .then(x.pod.cmp(&d.pod))
                        == Ordering::Less
                });
                let _ = plan.deletes.insert(at, *d);
            }
        }
        let mut in_use = 0i64;
        for &(node, was, is) in &changes {
            if let (Ok(i), Some(_)) = (held(&plan.held_back, node), &was.hold) {
                plan.held_back.remove(i);
            }
            if let Some(h) = is.hold {
                let at = plan
                    .held_back
                    .partition_point(|x| text(x.node) < text(h.node));
                let _ = plan.held_back.insert(at, h);
            }
            if let Some(st) = plan.status.as_mut() {
                recount(st, &was.status, &is.status);
            }
            in_use = in_use
                .saturating_sub(was.budget.unavailable)
                .saturating_add(is.budget.unavailable);
        }
        if let Some(b) = plan.rollout.as_mut() {
            *b = RolloutBudget {
                desired,
                max_unavailable,
                in_use: b.in_use.saturating_add(in_use),
                ..*b
            };
        }
        plan.creates_wanted = cc.wanted;
        plan.deletes_wanted = dc.wanted;
        plan.manage_creates = plan.creates.len() as u32;
        plan.manage_deletes = plan.deletes.len() as u32;
        plan.strings_freed = self.strings.freed();
        self.commit(set, s, now, plan)?;
        let mut shifted = [None; SHIFTS];
        for (to, x) in shifted.iter_mut().zip(&shifts) {
            *to = Some(NodeId(x.part.slot.id));
        }
        Ok(Some(Replanned { shifted }))
    }

    /// Where a node of rank `rank` in the full sync's name order, with
    /// `counts.0` wanted entries before the change and `counts.1` after, of
    /// which the list (`len` long, with the ranks of its entries' nodes in
    /// `ranks`, `None` for a missing node or when unknown) holds the first
    /// `listed`, goes in the list; `None` when that is not known from the
    /// plan. `wanted` is what the pass wanted in all.
    fn cut(
        &self,
        ranks: impl Iterator<Item = Option<usize>>,
        len: usize,
        wanted: u32,
        rank: Option<usize>,
        counts: (usize, usize),
        listed: usize,
    ) -> Option<Cut> {
        let (old, new) = counts;
        let wanted = wanted as usize;
        let after_change = wanted.checked_sub(old)?.checked_add(new)?;
        let after_change = u32::try_from(after_change).ok()?;
        if wanted < len || listed > old || (wanted > len && len != BURST_REPLICAS) {
            return None;
        }
        if old == 0 && new == 0 && listed == 0 {
            // The node has none either way: the list stays.
            return Some(Cut {
                listed,
                take: 0,
                drop: 0,
                gain: 0,
                last: None,
                wanted: after_change,
            });
        }
        if wanted == len && listed == old {
            // Nothing was left out.
            let n = (len - old).checked_add(new)?;
            if n <= BURST_REPLICAS {
                return Some(Cut {
                    listed,
                    take: new,
                    drop: 0,
                    gain: 0,
                    last: None,
                    wanted: after_change,
                });
            }
        }
        // The list is at the limit: it takes the first entries in node-name
        // order, the pods of missing nodes after every node's.
        let name_rank = rank?;
        let (mut before, mut here, mut after) = (0usize, 0usize, 0usize);
        let mut last: Option<(usize, usize)> = None;
        for r in ranks {
            let r = r?;
            match r.cmp(&name_rank) {
                Ordering::Less => before += 1,
                Ordering::Equal => here += 1,
                Ordering::Greater => {
                    after += 1;
                    last = match last {
                        Some((l, k)) if r < l => Some((l, k)),
                        Some((l, k)) if r == l => Some((l, k + 1)),
                        _ => Some((r, 1)),
                    };
                }
            }
        }
        let last = match last {
            Some((r, k)) => {
                let id = self.sync.nodes.get(r)?.id;
                Some((self.nodes.get(id)?.name, k))
            }
            None => None,
        };
        // The node's first entries are listed, and only when it is cut are
        // later nodes' not.
        let cut_here = listed < old;
        if here != listed || (cut_here && (after > 0 || before + listed != BURST_REPLICAS)) {
            return None;
        }
        let room = BURST_REPLICAS.checked_sub(before)?;
        let take = new.min(room);
        let unlisted = wanted.checked_sub(before.checked_add(old)?.checked_add(after)?)?;
        let after_now = after.checked_add(unlisted)?.min(room - take);
        // Fewer after the node: the last node's last ones leave; more: the
        // first past the cut join (found by the caller).
        let drop = after.saturating_sub(after_now);
        let gain = after_now.saturating_sub(after);
        if drop > 0 && last.is_none_or(|(_, k)| drop > k) {
            return None;
        }
        Some(Cut {
            listed,
            take,
            drop,
            gain,
            last,
            wanted: after_change,
        })
    }

    /// The node named `last`, whose create (the last listed) leaves `plan`'s
    /// full list: its part with the create and without.
    fn shift_creates<const N: usize>(
        &self,
        set: SetId,
        s: &DaemonSet,
        plan: &Plan<N>,
        last: Sym,
        now: Timestamp,
    ) -> Result<Option<Shifted>> {
        let Some(c) = plan.creates.iter().find(|c| c.node_name == last) else {
            return Ok(None);
        };
        let slot = NodeSlot {
            id: c.node.0,
            name: last,
            fit: self.placements.get(set.0, c.node.0),
        };
        // A node the plan creates a pod on has none of the DaemonSet's.
        let Some(part) = self.node_part_of(set, s, &slot, &[], now)? else {
            return Ok(None);
        };
        if part.creates.as_slice() != [*c] {
            return Ok(None);
        }
        let creates = Listed {
            listed: 1,
            after: 0,
        };
        self.shifted(s, part, creates, Listed::default())
    }

    /// The node named `last`, whose last `drop` of its `listed` deletes leave
    /// `plan`'s full list: its part with them and without.
    #[allow(clippy::too_many_arguments)]
    fn shift_deletes<const N: usize>(
        &self,
        set: SetId,
        s: &DaemonSet,
        plan: &Plan<N>,
        last: Sym,
        listed: usize,
        drop: usize,
        now: Timestamp,
    ) -> Result<Option<Shifted>> {
        let Some((part, first)) = self.listed_part(set, s, plan, last, now)? else {
            return Ok(None);
        };
        if first != listed || drop > listed {
            return Ok(None);
        }
        self.shifted(
            s,
            part,
            Listed::default(),
            Listed {
                listed,
                after: listed - drop,
            },
        )
    }

    /// Finds the deletes past the cut of `plan`'s full list that take the
    /// room node `node` leaves there (`cut.gain` of them): the last listed
    /// node's next ones, then those of the next nodes in name order that
    /// want deletes, and adds their nodes to `shifts`; false when they are
    /// not found for sure (more than [`PULLED`] nodes, pods of missing nodes,
    /// a node whose part could reach beyond it).
    #[allow(clippy::too_many_arguments)]
    fn pull_deletes<const N: usize>(
        &self,
        set: SetId,
        s: &DaemonSet,
        plan: &Plan<N>,
        node: NodeId,
        cut: &Cut,
        now: Timestamp,
        shifts: &mut Vec<Shifted, SHIFTS>,
    ) -> Result<bool> {
        // The walk goes by the full sync's name order of the nodes.
        if !self.sync.order_valid {
            return Ok(false);
        }
        let rank = |id: u32| self.sync.rank_of.get(id as usize).map(|&r| r as usize);
        let mut gain = cut.gain;
        let mut from = match cut.last {
            Some((last, listed)) => {
                let Some((part, first)) = self.listed_part(set, s, plan, last, now)? else {
                    return Ok(false);
                };
                let Some(r) = rank(part.slot.id) else {
                    return Ok(false);
                };
                if first != listed {
                    return Ok(false);
                }
                let more = (part.deletes.len() - listed).min(gain);
                if more > 0 {
                    gain -= more;
                    match self.shifted(
                        s,
                        part,
                        Listed::default(),
                        Listed {
                            listed,
                            after: listed + more,
                        },
                    )? {
                        Some(x) => push_shift(shifts, x)?,
                        None => return Ok(false),
                    }
                }
                r + 1
            }
            None => match rank(node.0) {
                Some(r) => r + 1,
                None => return Ok(false),
            },
        };
        let in_plan = |d: &Delete| plan.deletes.iter().any(|x| x.pod == d.pod);
        let mut pulled = 0;
        while gain > 0 {
            pulled += 1;
            if pulled > PULLED {
                return Ok(false);
            }
            let Some(r) = self.next_deleting(set, s, from)? else {
                return Ok(false);
            };
            let Some(slot) = self.sync.nodes.get(r) else {
                return Ok(false);
            };
            let Some(part) = self.part_on(set, s, slot.id, now)? else {
                return Ok(false);
            };
            // Past the cut, none of its deletes is listed.
            if part.deletes.is_empty()
                || !part.creates.is_empty()
                || part.deletes.iter().any(in_plan)
            {
                return Ok(false);
            }
            let more = part.deletes.len().min(gain);
            gain -= more;
            match self.shifted(
                s,
                part,
                Listed::default(),
                Listed {
                    listed: 0,
                    after: more,
                },
            )? {
                Some(x) => push_shift(shifts, x)?,
                None => return Ok(false),
            }
            from = r + 1;
        }
        Ok(true)
    }

    /// The node past the cut of `plan`'s full list of creates whose create
    /// takes the room node `node` leaves there (a node wants one create at
    /// most): the first after the last listed in name order that should run
    /// the pod and has none; `None` when it is not found for sure.
    fn pull_create<const N: usize>(
        &self,
        set: SetId,
        s: &DaemonSet,
        plan: &Plan<N>,
        node: NodeId,
        cut: &Cut,
        now: Timestamp,
    ) -> Result<Option<Shifted>> {
        if !self.sync.order_valid || cut.gain != 1 {
            return Ok(None);
        }
        let after = match cut.last {
            Some((last, _)) => match plan.creates.iter().find(|c| c.node_name == last) {
                Some(c) => c.node,
                None => return Ok(None),
            },
            None => node,
        };
        let Some(&from) = self.sync.rank_of.get(after.0 as usize) else {
            return Ok(None);
        };
        let Some(r) = self.next_creating(set, s, from as usize + 1)? else {
            return Ok(None);
        };
        let Some(id) = self.sync.nodes.get(r).map(|n| n.id) else {
            return Ok(None);
        };
        let Some(name) = self.nodes.get(id).map(|n| n.name) else {
            return Ok(None);
        };
        let slot = NodeSlot {
            id,
            name,
            fit: self.placements.get(set.0, id),
        };
        let Some(part) = self.node_part_of(set, s, &slot, &[], now)? else {
            return Ok(None);
        };
        // Past the cut, its create is not listed.
        if part.creates.len() != 1
            || !part.deletes.is_empty()
            || plan.creates.iter().any(|c| c.node.0 == id)
        {
            return Ok(None);
        }
        let creates = Listed {
            listed: 0,
            after: 1,
        };
        self.shifted(s, part, creates, Listed::default())
    }

    /// The rank in the full sync's name order of the first node from rank
    /// `from` on that should run DaemonSet `s`'s pod and has none, a window of
    /// ranks at a time (the pod index scanned for the window's pods); `None`
    /// when there is none, or it is not known (a pod the sync would adopt or
    /// release, or none in the first windows).
    fn next_creating(&self, set: SetId, s: &DaemonSet, from: usize) -> Result<Option<usize>> {
        const WINDOW: usize = 1024;
        let nodes = self.sync.nodes.as_slice();
        let mut from = from;
        for _ in 0..4 {
            let end = nodes.len().min(from + WINDOW);
            if from >= end {
                return Ok(None);
            }
            // The window's nodes with a pod of the DaemonSet.
            let mut has = [0u64; WINDOW / 64];
            let scan = self.each_candidate_pod(s, |r, _, p| {
                if r < from || r >= end {
                    return ControlFlow::Continue(());
                }
                match self.claim_of(s, p) {
                    Claim::Ignore => return ControlFlow::Continue(()),
                    Claim::Keep => {}
                    Claim::Release | Claim::Adopt => return ControlFlow::Break(()),
                }
                if let Some(word) = has.get_mut((r - from) / 64) {
                    *word |= 1u64 << ((r - from) % 64);
                }
                ControlFlow::Continue(())
            });
            if scan.is_break() {
                return Ok(None);
            }
            for (k, slot) in nodes.get(from..end).unwrap_or(&[]).iter().enumerate() {
                let run = self.placements.get(set.0, slot.id) & crate::cache::RUN != 0;
                let bare = has.get(k / 64).is_some_and(|w| w & (1u64 << (k % 64)) == 0);
                if run && bare {
                    return Ok(Some(from + k));
                }
            }
            from = end;
        }
        Ok(None)
    }

    /// Calls `visit` with the rank (in the full sync's name order), node and
    /// pod of each pod DaemonSet `s` may claim: controlled by it or by
    /// nothing, in its namespace, one a sync walks; in slot order, until
    /// `visit` breaks. The pod index is scanned a block at a time (the test of
    /// a block vectorizes).
    fn each_candidate_pod(
        &self,
        s: &DaemonSet,
        mut visit: impl FnMut(usize, u32, &Pod) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        const BLOCK: usize = 64;
        let tag = crate::cache::owner_tag(s.uid);
        let candidate = |o: u8| (o == tag) | (o == crate::cache::NO_CONTROLLER);
        let slots = self.pods.slot_count();
        let owners = self.pod_index.owners().get(..slots).unwrap_or(&[]);
        for (b, block) in owners.chunks(BLOCK).enumerate() {
            if !block.iter().fold(false, |hit, &o| hit | candidate(o)) {
                continue;
            }
            for (j, &o) in block.iter().enumerate() {
                if !candidate(o) {
                    continue;
                }
                let i = (b * BLOCK + j) as u32;
                let node = self.pod_index.node(i);
                let Some(r) = self.sync.rank_of.get(node as usize).map(|&r| r as usize) else {
                    continue;
                };
                let Some(p) = self.pods.get(i) else {
                    continue;
                };
                if p.namespace != s.namespace || !walked(p) {
                    continue;
                }
                visit(r, node, p)?;
            }
        }
        ControlFlow::Continue(())
    }

    /// A node whose part gives up or gains entries of the lists the burst
    /// limit cuts: of its creates the list holds its first `creates.listed`
    /// and will hold its first `creates.after`, the same for its deletes; its
    /// part both ways.
    fn shifted(
        &self,
        s: &DaemonSet,
        part: Part,
        creates: Listed,
        deletes: Listed,
    ) -> Result<Option<Shifted>> {
        if creates.listed.max(creates.after) > part.creates.len()
            || deletes.listed.max(deletes.after) > part.deletes.len()
        {
            return Ok(None);
        }
        let (Some(was), Some(is)) = (
            self.effect(s, &part, creates.listed, deletes.listed)?,
            self.effect(s, &part, creates.after, deletes.after)?,
        ) else {
            return Ok(None);
        };
        Ok(Some(Shifted {
            part,
            was,
            is,
            creates,
            deletes,
        }))
    }

    /// The part of the node named `name`, which has deletes in `plan`, and how
    /// many of its first deletes the plan lists; `None` when it lists others,
    /// or the part is not known.
    fn listed_part<const N: usize>(
        &self,
        set: SetId,
        s: &DaemonSet,
        plan: &Plan<N>,
        name: Sym,
        now: Timestamp,
    ) -> Result<Option<(Part, usize)>> {
        let Some(d) = plan.deletes.iter().find(|d| d.node_name == name) else {
            return Ok(None);
        };
        let id = self.pod_index.node(d.pod.0);
        if self.nodes.get(id).map(|n| n.name) != Some(name) {
            return Ok(None);
        }
        let Some(part) = self.part_on(set, s, id, now)? else {
            return Ok(None);
        };
        if !part.creates.is_empty() {
            return Ok(None);
        }
        let in_plan = |d: &Delete| plan.deletes.iter().any(|x| x.pod == d.pod);
        let first = part.deletes.iter().take_while(|d| in_plan(d)).count();
        Ok(Some((part, first)))
    }

    /// The part of the plan that node `id` makes now, its pods found by the
    /// pod index (the caller named only the re-planned node's).
    fn part_on(&self, set: SetId, s: &DaemonSet, id: u32, now: Timestamp) -> Result<Option<Part>> {
        let Some(name) = self.nodes.get(id).map(|n| n.name) else {
            return Ok(None);
        };
        // The pod index is scanned (still far less than a sync), a block at a
        // time (the test of a block vectorizes).
        const BLOCK: usize = 64;
        let tag = crate::cache::owner_tag(s.uid);
        let mut pods: Vec<PodId, { 2 * NODE_PODS }> = Vec::new();
        let slots = self.pods.slot_count();
        let nodes = self.pod_index.nodes().get(..slots).unwrap_or(&[]);
        let owners = self.pod_index.owners();
        for (b, block) in nodes.chunks(BLOCK).enumerate() {
            if !block.iter().fold(false, |hit, &n| hit | (n == id)) {
                continue;
            }
            for (j, &n) in block.iter().enumerate() {
                let i = b * BLOCK + j;
                let o = owners.get(i).copied();
                let mine = n == id && (o == Some(tag) || o == Some(crate::cache::NO_CONTROLLER));
                if mine && pods.push(PodId(i as u32)).is_err() {
                    return Ok(None);
                }
            }
        }
        let Some(claimed) = self.claimed_on(s, NodeId(id), &pods, now) else {
            return Ok(None);
        };
        let slot = NodeSlot {
            id,
            name,
            fit: self.placements.get(set.0, id),
        };
        self.node_part_of(set, s, &slot, &claimed, now)
    }

    /// The rank in the full sync's name order of the first node from rank
    /// `from` on whose part for DaemonSet `s` has deletes (or may have: a
    /// terminal pod), by one scan of the pod index; `None` when none is, or
    /// it is not known (a pod the sync would adopt or release, or duplicates
    /// too far on to look for).
    fn next_deleting(&self, set: SetId, s: &DaemonSet, from: usize) -> Result<Option<usize>> {
        // A node that may run the pod wants deletes when it has two running
        // pods: a bit per rank of a window tells the first from the second.
        const WINDOW: usize = 1024;
        let mut from = from;
        for _ in 0..4 {
            if from >= self.sync.nodes.len() {
                return Ok(None);
            }
            let mut best = usize::MAX;
            let mut seen = [0u64; WINDOW / 64];
            let mut beyond = false;
            let scan = self.each_candidate_pod(s, |r, node, p| {
                if r < from || r >= best || p.deleting {
                    return ControlFlow::Continue(());
                }
                let stays = self.placements.get(set.0, node) & crate::cache::CONTINUE != 0;
                let window = r - from < WINDOW;
                if stays && !p.phase.is_terminal() && !window {
                    beyond = true;
                    return ControlFlow::Continue(());
                }
                match self.claim_of(s, p) {
                    Claim::Ignore => return ControlFlow::Continue(()),
                    Claim::Keep => {}
                    Claim::Release | Claim::Adopt => return ControlFlow::Break(()),
                }
                if stays && !p.phase.is_terminal() {
                    let (w, bit) = ((r - from) / 64, 1u64 << ((r - from) % 64));
                    let Some(word) = seen.get_mut(w) else {
                        return ControlFlow::Break(());
                    };
                    if *word & bit == 0 {
                        *word |= bit;
                        return ControlFlow::Continue(());
                    }
                }
                best = r;
                ControlFlow::Continue(())
            });
            if scan.is_break() {
                return Ok(None);
            }
            if best < from + WINDOW || (best != usize::MAX && !beyond) {
                return Ok(Some(best));
            }
            if !beyond {
                return Ok(None);
            }
            from += WINDOW;
        }
        Ok(None)
    }

    /// Whether `plan`, the last of DaemonSet `set`, changes only node by node
    /// when placements change: a full sync's, in a steady state.
    fn replans_by_node<const N: usize>(
        &self,
        set: SetId,
        s: &DaemonSet,
        now: Timestamp,
        plan: &Plan<N>,
    ) -> bool {
        let pending = self
            .sync
            .expectations
            .get(set.0 as usize)
            .copied()
            .flatten()
            .is_some_and(|e| !e.satisfied(now));
        let rollout_idle = match s.update_strategy {
            UpdateStrategy::RollingUpdate { .. } => plan.rollout.is_some_and(|b| {
                b.halted.is_none()
                    && b.outdated == 0
                    && b.candidates == 0
                    && b.replacements == 0
                    && b.chosen == 0
                    && b.max_surge == 0
            }),
            _ => plan.rollout.is_none(),
        };
        plan.set == Some(set)
            && plan.outcome == SyncOutcome::Synced
            && !pending
            && rollout_idle
            && !s.deleting
            && !s.selector.is_some_and(|sel| sel.is_empty())
            && s.min_ready_seconds == 0
            && !s.update_strategy.allows_surge()
            && plan.revision_hash == s.revision_hash
            && plan.template_generation == s.template_generation
            && plan
                .status
                .is_some_and(|st| st.observed_generation == s.generation)
            && plan.adoptions.is_empty()
            && plan.releases.is_empty()
            && plan.requeue_after.is_none()
            && plan.manage_creates as usize == plan.creates.len()
            && plan.manage_deletes as usize == plan.deletes.len()
            && plan.creates.len() <= BURST_REPLICAS
            && plan.deletes.len() <= BURST_REPLICAS
            && !plan
                .deletes
                .iter()
                .any(|d| d.reason == DeleteReason::Failed)
    }

    /// The part of the plan that a node with placement `slot` and the claimed
    /// pods `pods` makes, by the manage pass's own per-node function; `None`
    /// when the node's part could reach beyond it (a requeue, a failed pod's
    /// delete and backoff).
    fn node_part_of(
        &self,
        set: SetId,
        s: &DaemonSet,
        slot: &NodeSlot,
        pods: &[Claimed],
        now: Timestamp,
    ) -> Result<Option<Part>> {
        let mut part = Part {
            slot: *slot,
            ..Part::default()
        };
        // A node that should not run the pod and has none is no pass's.
        if !slot.should_run() && pods.is_empty() {
            return Ok(Some(part));
        }
        let g = Group {
            node: Some(slot),
            pods,
        };
        let mut p: Plan<NODE_PODS> = Plan::new();
        let mut burst = Burst::default();
        if self
            .manage_node(set, s, slot, g, false, now, &mut p, &mut burst)
            .is_err()
        {
            return Ok(None);
        }
        let failed = p.deletes.iter().any(|d| d.reason == DeleteReason::Failed);
        if p.requeue_after.is_some() || failed {
            return Ok(None);
        }
        for c in &p.creates {
            part.creates.push(*c).map_err(|_| Error::LogicBug)?;
        }
        for d in &p.deletes {
            part.deletes.push(*d).map_err(|_| Error::LogicBug)?;
        }
        for c in pods {
            part.pods.push(*c).map_err(|_| Error::LogicBug)?;
        }
        Ok(Some(part))
    }

    /// What `part`'s node adds to the plan when the plan holds its first
    /// `creates` creates and first `deletes` deletes, by the passes' own
    /// per-node functions; `None` when a pod of an old revision would be left
    /// there (the rollout would not be idle).
    fn effect(
        &self,
        s: &DaemonSet,
        part: &Part,
        creates: usize,
        deletes: usize,
    ) -> Result<Option<Effect>> {
        let mut e = Effect::default();
        let slot = &part.slot;
        if !slot.should_run() && part.pods.is_empty() {
            return Ok(Some(e));
        }
        let g = Group {
            node: Some(slot),
            pods: &part.pods,
        };
        let mut p: Plan<NODE_PODS> = Plan::new();
        for c in part.creates.iter().take(creates) {
            p.creates.push(*c).map_err(|_| Error::LogicBug)?;
        }
        for d in part.deletes.iter().take(deletes) {
            p.deletes.push(*d).map_err(|_| Error::LogicBug)?;
        }
        p.manage_creates = p.creates.len() as u32;
        p.manage_deletes = p.deletes.len() as u32;
        sort_by_ids(&mut p);
        if matches!(s.update_strategy, UpdateStrategy::RollingUpdate { .. }) {
            if let Some(entry) = self.entry(g, s, &p) {
                if matches!(entry, Entry::Pods { old: Some(_), .. }) {
                    return Ok(None);
                }
                e.budget.add(&entry);
                e.hold = hold_of(&entry, false).map(|reason| Hold {
                    node: slot.name,
                    reason,
                });
            }
        }
        let oldest = self.members(g, &p.deletes, &p.creates).next();
        count_node(&mut e.status, s, slot, oldest);
        Ok(Some(e))
    }
}

/// Adds `x` to `shifts`; full is a bug (the callers push at most [`SHIFTS`]).
fn push_shift(shifts: &mut Vec<Shifted, SHIFTS>, x: Shifted) -> Result<()> {
    shifts.push(x).map_err(|_| Error::LogicBug)
}

/// Takes a node's counts `was` out of the status `st` and puts `is` in.
fn recount(st: &mut DaemonSetStatus, was: &DaemonSetStatus, is: &DaemonSetStatus) {
    let f = |total: &mut i32, was: i32, is: i32| {
        *total = total.saturating_sub(was).saturating_add(is);
    };
    f(
        &mut st.desired_number_scheduled,
        was.desired_number_scheduled,
        is.desired_number_scheduled,
    );
    f(
        &mut st.current_number_scheduled,
        was.current_number_scheduled,
        is.current_number_scheduled,
    );
    f(
        &mut st.number_misscheduled,
        was.number_misscheduled,
        is.number_misscheduled,
    );
    f(&mut st.number_ready, was.number_ready, is.number_ready);
    f(
        &mut st.updated_number_scheduled,
        was.updated_number_scheduled,
        is.updated_number_scheduled,
    );
    f(
        &mut st.number_available,
        was.number_available,
        is.number_available,
    );
    st.number_unavailable = st
        .desired_number_scheduled
        .saturating_sub(st.number_available);
}
