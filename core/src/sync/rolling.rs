//! The rolling-update pass: upstream's `rollingUpdate`, `findUpdatedPodsOnNode` and
//! `updatedDesiredNodeCounts`, run on the pods as the manage pass leaves them.
//!
//! Upstream walks a map, so which candidates it picks within a budget is random;
//! dsr picks them in node-name order. How many it picks does not depend on the order.

use crate::engine::{DaemonSet, Engine, NodeId};
use crate::error::{Error, Result};
use crate::intern::Sym;
use crate::pod::PodId;
use crate::sync::manage::delete_of;
use crate::sync::plan::{
    push, Create, CreateReason, DeleteReason, Plan, RolloutBudget, RolloutHalt, BURST_REPLICAS,
};
use crate::sync::plan::{Hold, HoldReason};
use crate::sync::{Group, Member, UpdateStrategy};

/// What the rolling update sees on one node.
#[derive(Clone, Copy)]
pub(crate) enum Entry {
    /// More than one old or more than one new pod: left to the manage pass.
    Excess,
    /// At most one of each.
    Pods {
        new: Option<Member>,
        old: Option<Member>,
    },
}

/// Upstream's `findUpdatedPodsOnNode` over pods not being deleted.
#[inline(always)]
fn find_updated(members: impl Iterator<Item = Member>, s: &DaemonSet) -> Entry {
    let mut new = None;
    let mut old = None;
    for m in members.filter(|m| !m.deleting()) {
        let slot = if m.updated(s) { &mut new } else { &mut old };
        if slot.is_some() {
            return Entry::Excess;
        }
        *slot = Some(m);
    }
    Entry::Pods { new, old }
}

fn pod_of(m: &Member) -> Option<PodId> {
    match m {
        Member::Real(i, _) => Some(PodId(*i)),
        Member::Created => None,
    }
}

/// Why an entry uses budget, by the same rules the passes count with.
#[inline(always)]
pub(crate) fn hold_of(entry: &Entry, surging: bool) -> Option<HoldReason> {
    let Entry::Pods { new, old } = entry else {
        return Some(HoldReason::Excess);
    };
    match (new, old, surging) {
        (Some(n), Some(_), true) if !n.available() => {
            Some(HoldReason::SurgingNewNotAvailable { pod: pod_of(n) })
        }
        (_, _, true) => None,
        (None, None, false) => Some(HoldReason::NoPod),
        (Some(_), Some(_), false) => Some(HoldReason::OldAndNew),
        (Some(n), None, false) if !n.available() => {
            Some(HoldReason::NewNotAvailable { pod: pod_of(n) })
        }
        (None, Some(o), false) if !o.available() => match pod_of(o) {
            Some(pod) => Some(HoldReason::OldNotAvailable { pod }),
            None => Some(HoldReason::NewNotAvailable { pod: None }),
        },
        _ => None,
    }
}

/// The node a group is about: its node, or else the node its pods name.
fn group_node(g: &Group<'_>, e_pods: impl Fn(u32) -> Option<Sym>) -> Sym {
    g.node
        .map(|n| n.name)
        .or_else(|| g.pods.first().and_then(|c| e_pods(c.pod)))
        .unwrap_or(Sym::EMPTY)
}

/// The budgets of a rolling update over `desired` nodes, `(maxUnavailable,
/// maxSurge)` scaled; `None` when one is invalid.
pub(crate) fn budgets(strategy: UpdateStrategy, desired: i64) -> Option<(i64, i64)> {
    let max_unavailable = strategy.unavailable_count(desired);
    let max_surge = strategy.surge_count(desired)?;
    let max_unavailable = max_unavailable?;
    // Neither budget would let the update progress: upstream accepts one
    // unavailable pod.
    if desired > 0 && max_unavailable == 0 && max_surge == 0 {
        return Some((1, 0));
    }
    Some((max_unavailable, max_surge))
}

/// What the rolling update without surge counts over the nodes' entries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Unsurged {
    /// Nodes counted unavailable.
    pub unavailable: i64,
    /// Nodes whose old pod is not available.
    pub replacements: i64,
    /// Nodes whose old pod is available.
    pub candidates: i64,
    /// Nodes with an old pod.
    pub outdated: i64,
}

impl Unsurged {
    /// Counts one node's entry.
    #[inline(always)]
    pub(crate) fn add(&mut self, entry: &Entry) {
        if matches!(entry, Entry::Pods { old: Some(_), .. }) {
            self.outdated += 1;
        }
        match entry {
            Entry::Excess => self.unavailable += 1,
            Entry::Pods { new, old } => match (new, old) {
                (None, None) | (Some(_), Some(_)) => self.unavailable += 1,
                (Some(new), None) => {
                    if !new.available() {
                        self.unavailable += 1;
                    }
                }
                (None, Some(old)) => {
                    if old.available() {
                        self.candidates += 1;
                    } else {
                        self.replacements += 1;
                        self.unavailable += 1;
                    }
                }
            },
        }
    }
}

/// Nodes that should run the daemon pod, as this sync sees them.
fn plan_desired<
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
>(
    e: &Engine<NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES, TAINTS, TERMS, BACKOFF>,
) -> i64 {
    e.sync.desired
}

/// Takes up to `limit` items, counting as it goes.
#[derive(Default)]
struct Quota {
    taken: i64,
    limit: i64,
}

impl Quota {
    fn new(limit: i64) -> Self {
        Quota { taken: 0, limit }
    }

    fn take(&mut self) -> bool {
        if self.taken < self.limit {
            self.taken += 1;
            true
        } else {
            false
        }
    }
}

fn clamp(v: i64, hi: i64) -> i64 {
    v.max(0).min(hi)
}

/// The part of a burst-limited list that the second of two sub-lists gets.
fn burst_split(first: i64, second: i64) -> (i64, i64) {
    let burst = BURST_REPLICAS as i64;
    let a = first.min(burst);
    (a, second.min(burst - a))
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
    /// The node's entry in upstream's node-to-pods map after the manage pass, or
    /// `None` when the map has no entry for it.
    #[inline(always)]
    pub(crate) fn entry<const N: usize>(
        &self,
        g: Group<'_>,
        s: &DaemonSet,
        plan: &Plan<N>,
    ) -> Option<Entry> {
        let deletes = plan
            .deletes
            .get(..plan.manage_deletes as usize)
            .unwrap_or(&[]);
        let creates = plan
            .creates
            .get(..plan.manage_creates as usize)
            .unwrap_or(&[]);
        let wanted = g.node.is_some_and(|n| n.should_run());
        if deletes.is_empty() && creates.is_empty() {
            // The manage pass changed nothing: the members are the group's pods.
            if g.pods.is_empty() && !wanted {
                return None;
            }
            let members = g.pods.iter().map(|c| Member::Real(c.pod, c.flags));
            return Some(find_updated(members, s));
        }
        let mut members = self.members(g, deletes, creates);
        let first = members.next();
        if first.is_none() && !wanted {
            return None;
        }
        Some(find_updated(first.into_iter().chain(members), s))
    }

    /// Lists a node that uses budget, by the counting rules (`hold_of`).
    fn record_hold<const N: usize>(
        &self,
        g: &Group<'_>,
        entry: &Entry,
        surging: bool,
        plan: &mut Plan<N>,
    ) -> Result<()> {
        match hold_of(entry, surging) {
            Some(reason) => {
                let node = group_node(g, |i| self.pods.get(i).and_then(|p| p.target_node));
                push(&mut plan.held_back, Hold { node, reason })
            }
            None => Ok(()),
        }
    }

    /// The rolling-update pass. The manage pass's creates and deletes must be the
    /// plan's first entries, sorted by id.
    pub(crate) fn rolling_update<const N: usize>(
        &self,
        s: &DaemonSet,
        plan: &mut Plan<N>,
    ) -> Result<()> {
        let desired = plan_desired(self);
        // An invalid budget stops the rolling update, as upstream's error does.
        let Some((max_unavailable, max_surge)) = budgets(s.update_strategy, desired) else {
            // Still counted, so that a halted rollout with old pods reads as
            // unfinished rather than idle.
            let mut outdated = 0i64;
            self.each_group(|g| {
                if let Some(Entry::Pods { old: Some(_), .. }) = self.entry(g, s, plan) {
                    outdated += 1;
                }
                Ok(())
            })?;
            plan.rollout = Some(RolloutBudget {
                desired,
                outdated,
                halted: Some(RolloutHalt::InvalidBudget),
                ..RolloutBudget::default()
            });
            return Ok(());
        };
        if max_surge == 0 {
            self.roll_without_surge(s, plan, max_unavailable)
        } else {
            self.roll_with_surge(s, plan, max_surge, desired)
        }
    }

    /// Delete old pods within `maxUnavailable`; the manage pass recreates them.
    fn roll_without_surge<const N: usize>(
        &self,
        s: &DaemonSet,
        plan: &mut Plan<N>,
        max_unavailable: i64,
    ) -> Result<()> {
        let mut count = Unsurged::default();
        // One walk counts the budget and lists the nodes that use it.
        self.each_group(|g| {
            let Some(entry) = self.entry(g, s, plan) else {
                return Ok(());
            };
            self.record_hold(&g, &entry, false, plan)?;
            count.add(&entry);
            Ok(())
        })?;
        let Unsurged {
            unavailable,
            replacements,
            candidates,
            outdated,
        } = count;
        let chosen = clamp(max_unavailable - unavailable, candidates);
        plan.rollout = Some(RolloutBudget {
            desired: plan_desired(self),
            max_unavailable,
            max_surge: 0,
            in_use: unavailable,
            candidates,
            chosen,
            replacements,
            outdated,
            halted: None,
        });
        let (replacements, chosen) = burst_split(replacements, chosen);
        if replacements <= 0 && chosen <= 0 {
            // Nothing to pick: the second walk would take nothing.
            return Ok(());
        }
        let mut replace = Quota::new(replacements);
        let mut choose = Quota::new(chosen);
        self.each_group(|g| {
            let Some(Entry::Pods {
                new: None,
                old: Some(Member::Real(i, old)),
            }) = self.entry(g, s, plan)
            else {
                return Ok(());
            };
            let reason = if !old.available() {
                replace
                    .take()
                    .then_some(DeleteReason::RollingUpdateUnavailable)
            } else {
                choose.take().then_some(DeleteReason::RollingUpdate)
            };
            match reason {
                Some(r) => {
                    let pod = self.pods.get(i).ok_or(Error::LogicBug)?;
                    push(&mut plan.deletes, delete_of(i, pod, r))
                }
                None => Ok(()),
            }
        })
    }

    /// Start new pods beside old ones within `maxSurge`, and delete each old pod once
    /// its replacement is available.
    fn roll_with_surge<const N: usize>(
        &self,
        s: &DaemonSet,
        plan: &mut Plan<N>,
        max_surge: i64,
        desired: i64,
    ) -> Result<()> {
        let mut surging = 0i64;
        let mut available = 0i64;
        let mut direct_deletes = 0i64;
        let mut sunset = 0i64;
        let mut replacements = 0i64;
        let mut candidates = 0i64;
        let mut outdated = 0i64;
        let mut node_missing = false;
        // One walk counts the budget and lists the nodes that use it.
        self.each_group(|g| {
            let Some(entry) = self.entry(g, s, plan) else {
                return Ok(());
            };
            if matches!(entry, Entry::Pods { old: Some(_), .. }) {
                outdated += 1;
            }
            self.record_hold(&g, &entry, true, plan)?;
            let (new, old) = match entry {
                Entry::Excess => {
                    surging += 1;
                    return Ok(());
                }
                Entry::Pods { new, old } => (new, old),
            };
            // Availability counts on every node, those being sunset included.
            match (old, new) {
                (Some(o), _) if o.available() => available += 1,
                (None, Some(n)) if n.available() => available += 1,
                _ => {}
            }
            match (old, new) {
                (None, _) => {}
                (Some(old), None) => {
                    let Some(node) = g.node else {
                        // Upstream fails to look the node up and gives up the pass.
                        node_missing = true;
                        return Ok(());
                    };
                    let should_run = node.should_run();
                    match (old.available(), should_run) {
                        (false, false) => direct_deletes += 1,
                        (false, true) => replacements += 1,
                        (true, false) => sunset += 1,
                        (true, true) => candidates += 1,
                    }
                }
                (Some(_), Some(new)) => {
                    if new.available() {
                        direct_deletes += 1;
                    } else {
                        surging += 1;
                    }
                }
            }
            Ok(())
        })?;
        let surge = clamp(max_surge - surging, candidates);
        plan.rollout = Some(RolloutBudget {
            desired,
            max_unavailable: 0,
            max_surge,
            in_use: surging,
            candidates,
            chosen: if node_missing { 0 } else { surge },
            replacements,
            outdated,
            halted: node_missing.then_some(RolloutHalt::MissingNode),
        });
        if node_missing {
            return Ok(());
        }
        let sunset_deletes = clamp(available - desired, sunset);
        let (replacements, surge) = burst_split(replacements, surge);
        let (direct_deletes, sunset_deletes) = burst_split(direct_deletes, sunset_deletes);
        if replacements <= 0 && surge <= 0 && direct_deletes <= 0 && sunset_deletes <= 0 {
            // Nothing to pick: the second walk would take nothing.
            return Ok(());
        }
        let mut replace = Quota::new(replacements);
        let mut add = Quota::new(surge);
        let mut direct = Quota::new(direct_deletes);
        let mut retire = Quota::new(sunset_deletes);
        self.each_group(|g| {
            let Some(Entry::Pods {
                new,
                old: Some(Member::Real(i, old_flags)),
            }) = self.entry(g, s, plan)
            else {
                return Ok(());
            };
            let old = self.pods.get(i).ok_or(Error::LogicBug)?;
            let old_available = old_flags.available();
            let Some(node) = g.node else { return Ok(()) };
            let create = |reason| Create {
                node: NodeId(node.id),
                node_name: node.name,
                reason,
            };
            match new {
                Some(new) => {
                    if new.available() && direct.take() {
                        let d = delete_of(i, old, DeleteReason::SurgeReplaced);
                        push(&mut plan.deletes, d)?;
                    }
                }
                None => match (old_available, node.should_run()) {
                    (false, false) => {
                        if direct.take() {
                            let d = delete_of(i, old, DeleteReason::RollingUpdateUnavailable);
                            push(&mut plan.deletes, d)?;
                        }
                    }
                    (false, true) => {
                        if replace.take() {
                            let c = create(CreateReason::ReplaceUnavailable);
                            push(&mut plan.creates, c)?;
                        }
                    }
                    (true, false) => {
                        if retire.take() {
                            let d = delete_of(i, old, DeleteReason::RollingUpdateNodeIneligible);
                            push(&mut plan.deletes, d)?;
                        }
                    }
                    (true, true) => {
                        if add.take() {
                            push(&mut plan.creates, create(CreateReason::Surge))?;
                        }
                    }
                },
            }
            Ok(())
        })
    }
}
