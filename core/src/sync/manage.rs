//! The manage pass: upstream's `manage`, `podsShouldBeOnNode` and
//! `getUnscheduledPodsWithoutNode`, with `syncNodes`' burst limit.

use crate::engine::{DaemonSet, Engine, SetId};
use crate::error::{Error, Result};
use crate::pod::{Pod, PodPhase};
use crate::sync::plan::{self, Create, CreateReason, Delete, DeleteReason, Plan, BURST_REPLICAS};
use crate::sync::time::Timestamp;
use crate::sync::{Group, NodeSlot};

/// Counts what a pass wants, and lets only the first [`BURST_REPLICAS`] creates and
/// deletes into the plan, as upstream's `syncNodes` does.
#[derive(Default)]
pub(crate) struct Burst {
    creates: usize,
    deletes: usize,
}

impl Burst {
    pub fn create<const N: usize>(&mut self, plan: &mut Plan<N>, c: Create) -> Result<()> {
        self.creates += 1;
        if self.creates <= BURST_REPLICAS {
            plan::push(&mut plan.creates, c)?;
        }
        Ok(())
    }

    pub fn delete<const N: usize>(&mut self, plan: &mut Plan<N>, d: Delete) -> Result<()> {
        self.deletes += 1;
        if self.deletes <= BURST_REPLICAS {
            plan::push(&mut plan.deletes, d)?;
        }
        Ok(())
    }
}

pub(crate) fn delete_of(i: u32, p: &Pod, reason: DeleteReason) -> Delete {
    Delete {
        pod: crate::pod::PodId(i),
        pod_name: p.name,
        node_name: p.target_node.unwrap_or(crate::intern::Sym::EMPTY),
        reason,
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
    /// The manage pass: nodes in name order, then pods pinned to nodes that do not
    /// exist.
    pub(crate) fn manage<const N: usize>(
        &self,
        set: SetId,
        s: &DaemonSet,
        now: Timestamp,
        plan: &mut Plan<N>,
    ) -> Result<()> {
        let surge = s.update_strategy.allows_surge();
        let mut burst = Burst::default();
        self.each_group(|g| match g.node {
            Some(node) => self.manage_node(set, s, node, g, surge, now, plan, &mut burst),
            None => Ok(()),
        })?;
        // Nobody else deletes a pod that never got scheduled to a node that is gone.
        self.each_group(|g| {
            if g.node.is_some() {
                return Ok(());
            }
            for c in g.pods {
                let Some(p) = self.pods.get(c.pod) else {
                    continue;
                };
                if !p.is_scheduled() {
                    burst.delete(plan, delete_of(c.pod, p, DeleteReason::NodeMissing))?;
                }
            }
            Ok(())
        })
    }

    /// Upstream's `podsShouldBeOnNode` for one node.
    #[allow(clippy::too_many_arguments)]
    fn manage_node<const N: usize>(
        &self,
        set: SetId,
        s: &DaemonSet,
        node: &NodeSlot,
        g: Group<'_>,
        surge: bool,
        now: Timestamp,
        plan: &mut Plan<N>,
        burst: &mut Burst,
    ) -> Result<()> {
        let pods = || {
            g.pods
                .iter()
                .filter_map(|c| self.pods.get(c.pod).map(|p| (c.pod, p)))
        };
        let exists = !g.pods.is_empty();
        let create = Create {
            node: crate::engine::NodeId(node.id),
            node_name: node.name,
            reason: CreateReason::Missing,
        };
        if node.should_run() && !exists {
            return burst.create(plan, create);
        }
        if !node.should_continue_running() {
            let mut reason = None;
            for (i, p) in pods().filter(|(_, p)| !p.deleting) {
                // The placement's reason, worked out again only when a pod goes.
                let why = match reason {
                    Some(r) => r,
                    None => {
                        let n = self.nodes.get(node.id).ok_or(Error::LogicBug)?;
                        *reason.insert(self.placement(s, n).reason)
                    }
                };
                burst.delete(plan, delete_of(i, p, DeleteReason::NodeIneligible(why)))?;
            }
            return Ok(());
        }
        // One look at the pods: the first failed one, whether any ended, and how
        // many run.
        let mut first_failed = None;
        let mut ended = false;
        let mut running_count = 0usize;
        for (i, p) in pods().filter(|(_, p)| !p.deleting) {
            if p.phase == PodPhase::Failed {
                first_failed = Some(first_failed.map_or(i, |f: u32| f.min(i)));
            }
            ended |= p.phase.is_terminal();
            running_count += usize::from(!p.phase.is_terminal());
        }
        // One failed pod per node per backoff period, so a kubelet that keeps
        // rejecting the pod is not fought in a hot loop. Upstream deletes the first
        // in its informer's list; dsr the first in its pod table.
        let (gen, name) = (s.observed_generation, node.name);
        let waiting = || self.sync.backoff.remaining(set, gen, name, now);
        for (i, p) in pods().filter(|(_, p)| ended && !p.deleting) {
            match p.phase {
                PodPhase::Failed => {
                    if let Some(left) = waiting() {
                        plan.requeue(left);
                    } else if Some(i) != first_failed {
                        plan.requeue(self.sync.backoff.next_delay(set, gen, name, now));
                    } else {
                        burst.delete(plan, delete_of(i, p, DeleteReason::Failed))?;
                    }
                }
                PodPhase::Succeeded => {
                    burst.delete(plan, delete_of(i, p, DeleteReason::Succeeded))?;
                }
                _ => {}
            }
        }
        let running = || pods().filter(|(_, p)| !p.deleting && !p.phase.is_terminal());
        if !surge {
            // The oldest stays.
            if running_count > 1 {
                for (i, p) in running().skip(1) {
                    burst.delete(plan, delete_of(i, p, DeleteReason::Duplicate))?;
                }
            }
            return Ok(());
        }
        let count = running_count;
        if count <= 1 {
            if count == 0 && node.should_run() {
                burst.create(plan, create)?;
            }
            return Ok(());
        }
        // With surge, the oldest pod of the current revision and the oldest of any
        // other may both stay, until the new one is available.
        let mut oldest_new = None;
        let mut oldest_old = None;
        for (i, p) in running() {
            let slot = if p.revision_hash == s.revision_hash {
                &mut oldest_new
            } else {
                &mut oldest_old
            };
            if slot.is_none() {
                *slot = Some((i, p));
                continue;
            }
            burst.delete(plan, delete_of(i, p, DeleteReason::Duplicate))?;
        }
        if let (Some((_, new)), Some((i, old))) = (oldest_new, oldest_old) {
            if !old.ready {
                burst.delete(plan, delete_of(i, old, DeleteReason::SurgeOldNotReady))?;
            } else if new.is_available(s.min_ready_seconds, now) {
                burst.delete(plan, delete_of(i, old, DeleteReason::SurgeReplaced))?;
            }
        }
        Ok(())
    }
}
