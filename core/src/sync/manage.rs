//! The manage pass: upstream's `manage`, `podsShouldBeOnNode` and
//! `getUnscheduledPodsWithoutNode`, with `syncNodes`' burst limit.

use crate::engine::{DaemonSet, Engine, SetId};
use crate::error::{Error, Result};
use crate::pod::Pod;
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
    /// Records in `plan` how many creates and deletes were wanted.
    fn record<const N: usize>(&self, plan: &mut Plan<N>) {
        plan.creates_wanted = u32::try_from(self.creates).unwrap_or(u32::MAX);
        plan.deletes_wanted = u32::try_from(self.deletes).unwrap_or(u32::MAX);
    }

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
        self.each_node_group(|g, node| {
            self.manage_node(set, s, node, g, surge, now, plan, &mut burst)
        })?;
        // Nobody else deletes a pod that never got scheduled to a node that is gone.
        let missing = self.each_missing_group(|g| {
            for c in g.pods {
                let Some(p) = self.pods.get(c.pod) else {
                    continue;
                };
                if !p.is_scheduled() {
                    burst.delete(plan, delete_of(c.pod, p, DeleteReason::NodeMissing))?;
                }
            }
            Ok(())
        });
        burst.record(plan);
        missing
    }

    /// Upstream's `podsShouldBeOnNode` for one node.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn manage_node<const N: usize>(
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
        // The passes read the flags worked out when the pods were claimed; a pod
        // record is read only to delete it.
        let pods = || g.pods.iter().map(|c| (c.pod, c.flags));
        let pod = |i: u32| self.pods.get(i).ok_or(Error::LogicBug);
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
            for (i, _) in pods().filter(|(_, f)| !f.deleting()) {
                // The placement's reason, worked out again only when a pod goes.
                let why = match reason {
                    Some(r) => r,
                    None => {
                        let n = self.nodes.get(node.id).ok_or(Error::LogicBug)?;
                        *reason.insert(self.placement(s, n).reason)
                    }
                };
                burst.delete(
                    plan,
                    delete_of(i, pod(i)?, DeleteReason::NodeIneligible(why)),
                )?;
            }
            return Ok(());
        }
        // One look at the pods: the first failed one, whether any ended, and how
        // many run.
        let mut first_failed = None;
        let mut ended = false;
        let mut running_count = 0usize;
        for (i, f) in pods().filter(|(_, f)| !f.deleting()) {
            if f.failed() {
                first_failed = Some(first_failed.map_or(i, |x: u32| x.min(i)));
            }
            ended |= f.terminal();
            running_count += usize::from(!f.terminal());
        }
        // One failed pod per node per backoff period, so a kubelet that keeps
        // rejecting the pod is not fought in a hot loop. Upstream deletes the first
        // in its informer's list; dsr the first in its pod table.
        let (gen, name) = (s.observed_generation, node.name);
        let waiting = || self.sync.backoff.remaining(set, gen, name, now);
        if ended {
            for (i, f) in pods().filter(|(_, f)| !f.deleting()) {
                if f.failed() {
                    if let Some(left) = waiting() {
                        plan.requeue(left);
                    } else if Some(i) != first_failed {
                        plan.requeue(self.sync.backoff.next_delay(set, gen, name, now));
                    } else {
                        burst.delete(plan, delete_of(i, pod(i)?, DeleteReason::Failed))?;
                    }
                } else if f.succeeded() {
                    burst.delete(plan, delete_of(i, pod(i)?, DeleteReason::Succeeded))?;
                }
            }
        }
        let running = || pods().filter(|(_, f)| !f.deleting() && !f.terminal());
        if !surge {
            // The oldest stays.
            if running_count > 1 {
                for (i, _) in running().skip(1) {
                    burst.delete(plan, delete_of(i, pod(i)?, DeleteReason::Duplicate))?;
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
        for (i, f) in running() {
            let slot = if f.current_hash() {
                &mut oldest_new
            } else {
                &mut oldest_old
            };
            if slot.is_none() {
                *slot = Some((i, f));
                continue;
            }
            burst.delete(plan, delete_of(i, pod(i)?, DeleteReason::Duplicate))?;
        }
        if let (Some((_, new)), Some((i, old))) = (oldest_new, oldest_old) {
            if !old.ready() {
                burst.delete(plan, delete_of(i, pod(i)?, DeleteReason::SurgeOldNotReady))?;
            } else if new.available() {
                burst.delete(plan, delete_of(i, pod(i)?, DeleteReason::SurgeReplaced))?;
            }
        }
        Ok(())
    }
}
