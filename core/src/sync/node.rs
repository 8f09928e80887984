//! Re-planning one node of a DaemonSet: when only a node's placement changed
//! since a DaemonSet's last plan, the plan changes only in that node's part (its
//! creates and deletes, its hold, its status counts) and in the rolling update's
//! budget over the nodes that should run the pod. [`Engine::sync_node`] takes the
//! node's part out of the plan as the passes would have made it with the old
//! placement and puts in the part they make with the new one, by the same
//! functions a full sync calls per node, when nothing else of the plan can
//! depend on the node; otherwise it says so and the caller syncs in full.

use core::cmp::Ordering;

use heapless::Vec;

use crate::eligibility::Fit;
use crate::engine::{DaemonSet, Engine, NodeId, SetId};
use crate::error::{Error, Result, Table};
use crate::intern::Sym;
use crate::pod::PodId;
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

/// One node's part of a plan.
#[derive(Debug, Clone, Default)]
struct Part {
    creates: Vec<Create, 2>,
    deletes: Vec<Delete, NODE_PODS>,
    hold: Option<Hold>,
    status: DaemonSetStatus,
    budget: Unsurged,
    run: i64,
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
    /// Returns `Ok(false)`, and leaves `plan` and the engine as they were, when
    /// that cannot be done for sure: the plan was not a full sync's, or lists
    /// adoptions or releases; a rollout is under way (a pod of an old revision,
    /// surge, an invalid budget); the plan asks to sync again later (backoff,
    /// `minReadySeconds` set) or deletes a failed pod; the node's creates or
    /// deletes meet the burst limit;
    /// expectations are pending; the node has more than 8 pods of the DaemonSet,
    /// one it would adopt or release, or a failed one. The caller then syncs in
    /// full.
    pub fn sync_node<const N: usize>(
        &mut self,
        set: SetId,
        change: &NodeChange<'_>,
        now: Timestamp,
        plan: &mut Plan<N>,
    ) -> Result<bool> {
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
            return Ok(false);
        }
        let Some(claimed) = self.claimed_on(&s, change.node, change.pods, now) else {
            return Ok(false);
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
            return Ok(false);
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
    /// [`sync_node`](Self::sync_node), and `Ok(false)` also when `before` is
    /// not of `node`.
    pub fn sync_node_pods<const N: usize>(
        &mut self,
        set: SetId,
        before: &NodePart,
        pods: &[PodId],
        now: Timestamp,
        plan: &mut Plan<N>,
    ) -> Result<bool> {
        let s = *self
            .sets
            .get(set.0)
            .ok_or(Error::NotFound(Table::DaemonSets))?;
        let node = NodeId(before.node);
        self.nodes
            .get(node.0)
            .ok_or(Error::NotFound(Table::Nodes))?;
        if !self.replans_by_node(set, &s, now, plan) {
            return Ok(false);
        }
        let Some(claimed) = self.claimed_on(&s, node, pods, now) else {
            return Ok(false);
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
                (Some(pa), Some(pb)) => by_age(pa, pb, |x| self.strings.resolve(x)),
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
    ) -> Result<bool> {
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
            return Ok(false);
        };
        let (old, new) = (old, &new);
        if !self.splice(plan, node, name, old, new, s.update_strategy) {
            return Ok(false);
        }
        if let Some(st) = plan.status.as_mut() {
            let f = |total: i32, was: i32, is: i32| total.saturating_sub(was).saturating_add(is);
            let (o, n) = (&old.status, &new.status);
            st.desired_number_scheduled = f(
                st.desired_number_scheduled,
                o.desired_number_scheduled,
                n.desired_number_scheduled,
            );
            st.current_number_scheduled = f(
                st.current_number_scheduled,
                o.current_number_scheduled,
                n.current_number_scheduled,
            );
            st.number_misscheduled = f(
                st.number_misscheduled,
                o.number_misscheduled,
                n.number_misscheduled,
            );
            st.number_ready = f(st.number_ready, o.number_ready, n.number_ready);
            st.updated_number_scheduled = f(
                st.updated_number_scheduled,
                o.updated_number_scheduled,
                n.updated_number_scheduled,
            );
            st.number_available = f(st.number_available, o.number_available, n.number_available);
            st.number_unavailable = st
                .desired_number_scheduled
                .saturating_sub(st.number_available);
        }
        if let Some(b) = plan.rollout.as_mut() {
            let desired = b.desired - old.run + new.run;
            // Checked by `splice` before anything changed.
            let (max_unavailable, _) = budgets(s.update_strategy, desired).unwrap_or((0, 0));
            *b = RolloutBudget {
                desired,
                max_unavailable,
                in_use: b.in_use - old.budget.unavailable + new.budget.unavailable,
                ..*b
            };
        }
        plan.manage_creates = plan.creates.len();
        plan.manage_deletes = plan.deletes.len();
        plan.strings_freed = self.strings.freed();
        self.commit(set, s, now, plan)?;
        Ok(true)
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
            && plan.manage_creates == plan.creates.len()
            && plan.manage_deletes == plan.deletes.len()
            && plan.creates.len() <= BURST_REPLICAS
            && plan.deletes.len() <= BURST_REPLICAS
            && !plan
                .deletes
                .iter()
                .any(|d| d.reason == DeleteReason::Failed)
    }

    /// The part of the plan that a node with placement `slot` and the claimed
    /// pods `pods` makes, by the passes' own per-node functions; `None` when
    /// the node's part could reach beyond it (a requeue, a failed pod's delete
    /// and backoff, a pod of an old revision).
    fn node_part_of(
        &self,
        set: SetId,
        s: &DaemonSet,
        slot: &NodeSlot,
        pods: &[Claimed],
        now: Timestamp,
    ) -> Result<Option<Part>> {
        let mut part = Part::default();
        // A node that should not run the pod and has none is no pass's.
        if !slot.should_run() && pods.is_empty() {
            return Ok(Some(part));
        }
        part.run = i64::from(slot.should_run());
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
        p.manage_creates = p.creates.len();
        p.manage_deletes = p.deletes.len();
        sort_by_ids(&mut p);
        if matches!(s.update_strategy, UpdateStrategy::RollingUpdate { .. }) {
            if let Some(entry) = self.entry(g, s, &p) {
                if matches!(entry, Entry::Pods { old: Some(_), .. }) {
                    return Ok(None);
                }
                part.budget.add(&entry);
                part.hold = hold_of(&entry, false).map(|reason| Hold {
                    node: slot.name,
                    reason,
                });
            }
        }
        let oldest = self.members(g, &p.deletes, &p.creates).next();
        count_node(&mut part.status, s, slot, oldest);
        for c in &p.creates {
            part.creates.push(*c).map_err(|_| Error::LogicBug)?;
        }
        for d in &p.deletes {
            part.deletes.push(*d).map_err(|_| Error::LogicBug)?;
        }
        Ok(Some(part))
    }

    /// Takes `old`, the node's part, out of `plan` and puts `new` in its place,
    /// in the plan's orders. False, with the plan unchanged, when `old` is not
    /// what the plan holds for the node or the result would not be a sync's.
    fn splice<const N: usize>(
        &self,
        plan: &mut Plan<N>,
        node: NodeId,
        name: Sym,
        old: &Part,
        new: &Part,
        strategy: UpdateStrategy,
    ) -> bool {
        let text = |x: Sym| self.strings.resolve(x);
        // A list at the burst limit may have left creates or deletes out: it
        // stays as it is when the node has none either way (the passes want
        // the same), and otherwise the node's may be among those left out.
        let full =
            |len: usize, old: usize, new: usize| len >= BURST_REPLICAS && (old > 0 || new > 0);
        if full(plan.creates.len(), old.creates.len(), new.creates.len())
            || full(plan.deletes.len(), old.deletes.len(), new.deletes.len())
        {
            return false;
        }
        // The old part must be what the plan holds for the node.
        let creates_here = plan.creates.iter().filter(|c| c.node == node).count();
        let deletes_found = old
            .deletes
            .iter()
            .all(|d| plan.deletes.iter().any(|x| x.pod == d.pod));
        let held = plan
            .held_back
            .binary_search_by(|h| text(h.node).cmp(text(name)));
        let hold_matches = match (held, &old.hold) {
            (Ok(i), Some(h)) => plan.held_back.get(i) == Some(h),
            (Err(_), None) => true,
            _ => false,
        };
        if creates_here != old.creates.len() || !deletes_found || !hold_matches {
            return false;
        }
        let creates = plan.creates.len() - old.creates.len() + new.creates.len();
        let deletes = plan.deletes.len() - old.deletes.len() + new.deletes.len();
        let holds = plan.held_back.len() - usize::from(old.hold.is_some())
            + usize::from(new.hold.is_some());
        if creates > BURST_REPLICAS.min(N) || deletes > BURST_REPLICAS.min(N) || holds > N {
            return false;
        }
        if let Some(b) = plan.rollout {
            // The budgets scale with the nodes that should run the pod.
            let desired = b.desired - old.run + new.run;
            if !matches!(budgets(strategy, desired), Some((_, 0))) {
                return false;
            }
        }
        plan.creates.retain(|c| c.node != node);
        plan.deletes
            .retain(|x| !old.deletes.iter().any(|d| d.pod == x.pod));
        if let (Ok(i), Some(_)) = (held, &old.hold) {
            plan.held_back.remove(i);
        }
        // Room was checked, so the inserts cannot fail.
        for c in &new.creates {
            let at = plan.creates.partition_point(|x| {
                text(x.node_name)
                    .cmp(text(c.node_name))
                    .then(x.node.cmp(&c.node))
                    == Ordering::Less
            });
            let _ = plan.creates.insert(at, *c);
        }
        for d in &new.deletes {
            let at = plan.deletes.partition_point(|x| {
                text(x.pod_name)
                    .cmp(text(d.pod_name))
                    .then(x.pod.cmp(&d.pod))
                    == Ordering::Less
            });
            let _ = plan.deletes.insert(at, *d);
        }
        if let Some(h) = new.hold {
            let at = plan
                .held_back
                .partition_point(|x| text(x.node) < text(h.node));
            let _ = plan.held_back.insert(at, h);
        }
        true
    }
}
