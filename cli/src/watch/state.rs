//! What `dsr watch` remembers of each DaemonSet between events: the creates and
//! deletes the controller owes (since when), the status and rollout last
//! printed, and the status the DaemonSet object shows. Comparing a new sync with
//! it gives the changes to print; nothing here decides what the controller does.

use std::collections::{BTreeMap, HashMap};

use dsr_core::intern::Sym;
use dsr_core::pod::PodPhase;
use dsr_core::sync::{Create, Delete};
use dsr_core::sync::{DaemonSetStatus, Plan};
use dsr_core::{NodeId, SetId, Timestamp};
use serde::Serialize;

use crate::engine::AnyEngine;
use crate::plan::{self, CreateEntry, DeleteEntry, Holder, Status};

/// An action the controller must take, and since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// The node (for a delete, the pod's node).
    pub node: String,
    /// The reason (`missing`, `nodeIneligible`, ...).
    pub reason: &'static str,
    /// Since when the sync asks for it.
    pub since: Timestamp,
    /// Reported owed already.
    pub owed: bool,
    /// The take that last found it in a plan ([`SetState::take`]'s mark).
    seen: u64,
}

/// What the DaemonSet object says of itself (`metadata.generation`, `.status`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shown {
    pub generation: Option<i64>,
    pub observed_generation: Option<i64>,
    /// The counts, when the object has them.
    pub counts: Option<[i32; 7]>,
}

/// One DaemonSet's remembered state.
#[derive(Debug, Default, Clone)]
pub struct SetState {
    /// `namespace/name`.
    pub name: String,
    /// Pending creates by node.
    pub creates: HashMap<String, Pending>,
    /// Pending deletes by pod.
    pub deletes: HashMap<String, Pending>,
    /// How many pending deletes each node has (by [`Pending::node`]): a take by
    /// node looks for deletes no longer asked for only where there are some.
    deletes_on: HashMap<String, u32>,
    /// Pods created for a pending create that are still `Pending`: node -> (pod, since).
    pub starting: BTreeMap<String, (String, Timestamp, bool)>,
    /// The status of the last sync.
    pub status: Option<DaemonSetStatus>,
    /// The rollout as last printed.
    pub rollout: Option<Rollout>,
    /// What the object shows.
    pub shown: Shown,
    /// Since when the object's status differs from the sync's, and whether that
    /// was reported.
    pub status_behind: Option<(Timestamp, bool)>,
    /// When the sync asks to be run again.
    pub requeue_at: Option<i64>,
    /// The mark of the last take: [`Pending::seen`] of what its plan asks for.
    mark: u64,
    /// What the last plan asked for is not one entry per node (creates) or per
    /// pod (deletes), on the node remembered, or a failed pod's delete is kept
    /// that no plan asks for: then what changed is not told by the changed
    /// nodes' entries alone, and the next take compares every entry.
    irregular: bool,
    /// No create, delete or start not yet reported owed is older than this (a
    /// bound, in seconds): `owed` looks no further before then.
    oldest_unowed: i64,
    /// Where holds are described, to compare them with the ones printed.
    scratch: String,
}

/// A rollout's progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rollout {
    /// Some node still runs an old pod, or has none of the current revision.
    pub in_progress: bool,
    /// Nodes on the current revision.
    pub updated: i32,
    /// Nodes that should run the pod.
    pub desired: i64,
    /// `halted` as `dsr plan` says it, when the pass stops.
    pub halted: Option<&'static str>,
    /// The nodes that hold it back, and why.
    pub held_back_by: Vec<HolderView>,
}

/// A node holding a rollout back (`dsr plan`'s [`Holder`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HolderView {
    pub node: String,
    pub why: String,
}

impl From<Holder> for HolderView {
    fn from(h: Holder) -> Self {
        HolderView {
            node: h.node,
            why: h.why,
        }
    }
}

/// A create or delete that is no longer asked for.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Resolved {
    /// `create` or `delete`.
    pub action: &'static str,
    pub node: String,
    /// The pod deleted (for a delete), or the pod now on the node (a create done).
    pub pod: Option<String>,
    /// `done` (the pod is there, or gone), `notNeeded` (the sync no longer asks
    /// for it), or `daemonSetGone`.
    pub outcome: &'static str,
}

/// An action the controller should have taken `--owed-after` ago and has not.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Owed {
    /// `create`, `delete`, `start` (a created pod still Pending) or `status`.
    pub action: &'static str,
    /// The node (empty for `status`).
    pub node: String,
    /// The pod, when there is one.
    pub pod: Option<String>,
    /// Since when (RFC 3339).
    pub since: String,
    /// For how many seconds.
    pub seconds: i64,
    /// The likely cause, from what the events show.
    pub cause: String,
}

/// What changed for one DaemonSet.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SetChange {
    /// `namespace/name`.
    pub daemon_set: String,
    /// Creates the controller must now make.
    pub creates: Vec<CreateEntry>,
    /// Deletes it must now make.
    pub deletes: Vec<DeleteEntry>,
    /// Creates and deletes no longer asked for.
    pub resolved: Vec<Resolved>,
    /// The status it would write, when it changed.
    pub status: Option<Status>,
    /// The rollout, when it changed.
    pub rollout: Option<Rollout>,
    /// Actions owed.
    pub owed: Vec<Owed>,
    /// The DaemonSet was deleted.
    pub removed: bool,
}

impl SetChange {
    pub fn is_empty(&self) -> bool {
        self.creates.is_empty()
            && self.deletes.is_empty()
            && self.resolved.is_empty()
            && self.status.is_none()
            && self.rollout.is_none()
            && self.owed.is_empty()
            && !self.removed
    }
}

/// Where the pods of a DaemonSet are: for each pod, its DaemonSet, node and
/// phase; what tells a create done from one no longer needed.
pub trait PodsOn {
    /// A pod of `set` for `node`, with its phase.
    fn pod_on(&self, set: SetId, node: &str) -> Option<(String, PodPhase)>;
}

impl SetState {
    /// Takes the sync in `plan` (of `set`, at `now`): returns what changed (its
    /// `daemon_set` left empty for the caller). `nodes`, when given, are the
    /// only nodes whose part of the plan changed since the last take (the plan
    /// was re-planned by node from the one taken last): only their creates and
    /// deletes are compared.
    pub fn take<E: AnyEngine, const N: usize>(
        &mut self,
        engine: &E,
        plan: &Plan<N>,
        set: SetId,
        now: Timestamp,
        pods: &impl PodsOn,
        nodes: Option<&[NodeId]>,
    ) -> SetChange {
        let names = nodes.and_then(|ids| self.node_names(engine, ids));
        #[cfg(debug_assertions)]
        let twin = names.is_some().then(|| self.clone());
        let mut change = SetChange::default();
        self.mark += 1;
        match &names {
            Some(names) => self.take_nodes(engine, plan, set, now, pods, names, &mut change),
            None => self.take_all(engine, plan, set, now, pods, &mut change),
        }
        if plan.status.is_some() && plan.status != self.status {
            self.status = plan.status;
            change.status = plan.status.as_ref().map(plan::status);
        }
        self.take_rollout(engine, plan, set, now, &mut change);
        self.requeue_at = plan.requeue_after.map(|s| now.0.saturating_add(s));
        self.check_status(now);
        #[cfg(debug_assertions)]
        if let Some(mut twin) = twin {
            // The take by node must say and remember what a whole take says.
            let whole = twin.take(engine, plan, set, now, pods, None);
            let json = |c: &SetChange| serde_json::to_string(c).unwrap_or_default();
            assert_eq!(json(&change), json(&whole), "{}: take by node", self.name);
            assert_eq!(self.remembered(), twin.remembered(), "{}", self.name);
        }
        change
    }

    /// What a take leaves remembered, marks aside (for comparing takes).
    #[cfg(debug_assertions)]
    fn remembered(&self) -> String {
        let sorted = |m: &HashMap<String, Pending>| {
            let mut v: Vec<_> = m
                .iter()
                .map(|(k, p)| (k.clone(), p.node.clone(), p.reason, p.since, p.owed))
                .collect();
            v.sort();
            v
        };
        let mut on: Vec<_> = self.deletes_on.iter().collect();
        on.sort();
        format!(
            "{:?} {:?} {on:?} {:?} {:?} {:?} {:?} {:?} {} {}",
            sorted(&self.creates),
            sorted(&self.deletes),
            self.starting,
            self.status,
            self.rollout,
            self.status_behind,
            self.requeue_at,
            self.irregular,
            self.oldest_unowed
        )
    }

    /// Each node's name symbol and name, when a take by node can be sure of
    /// what changed: the last plan was regular and every node is still there.
    fn node_names<'e, E: AnyEngine>(
        &self,
        engine: &'e E,
        ids: &[NodeId],
    ) -> Option<Vec<(Sym, &'e str)>> {
        if self.irregular {
            return None;
        }
        ids.iter()
            .map(|&id| engine.node(id).map(|n| (n.name, engine.text(n.name))))
            .collect()
    }

    /// Compares every create and delete of `plan` with those remembered.
    fn take_all<E: AnyEngine, const N: usize>(
        &mut self,
        engine: &E,
        plan: &Plan<N>,
        set: SetId,
        now: Timestamp,
        pods: &impl PodsOn,
        change: &mut SetChange,
    ) {
        self.irregular = false;
        for c in &plan.creates {
            self.take_create(engine, c, now, change);
        }
        let mark = self.mark;
        let mut gone: Vec<String> = take_out(&mut self.creates, |p| p.seen != mark)
            .into_iter()
            .map(|(node, _)| node)
            .collect();
        gone.sort_unstable();
        for node in gone {
            self.resolve_create(node, set, now, pods, change);
        }
        // A created pod stays `starting` while it is Pending on its node.
        self.starting.retain(|node, (pod, _, _)| {
            pods.pod_on(set, node)
                .is_some_and(|(p, phase)| &p == pod && phase == PodPhase::Pending)
        });
        for d in &plan.deletes {
            self.take_delete(engine, set, d, now, change);
        }
        let gone: Vec<(String, Pending)> = take_out(&mut self.deletes, |p| p.seen != mark);
        self.resolve_deletes(engine, gone, change);
    }

    /// Compares the creates and deletes of `plan` on the nodes named with
    /// those remembered there: elsewhere the plan is the one taken last.
    #[allow(clippy::too_many_arguments)]
    fn take_nodes<E: AnyEngine, const N: usize>(
        &mut self,
        engine: &E,
        plan: &Plan<N>,
        set: SetId,
        now: Timestamp,
        pods: &impl PodsOn,
        names: &[(Sym, &str)],
        change: &mut SetChange,
    ) {
        let here = |sym: Sym| names.iter().any(|(n, _)| *n == sym);
        for c in plan.creates.iter().filter(|c| here(c.node_name)) {
            self.take_create(engine, c, now, change);
        }
        let mark = self.mark;
        let mut gone: Vec<String> = names
            .iter()
            .filter(|(_, name)| self.creates.get(*name).is_some_and(|p| p.seen != mark))
            .map(|(_, name)| (*name).to_owned())
            .collect();
        gone.sort_unstable();
        gone.dedup();
        for node in gone {
            self.creates.remove(&node);
            self.resolve_create(node, set, now, pods, change);
        }
        for (_, name) in names {
            let still = self.starting.get(*name).is_none_or(|(pod, _, _)| {
                pods.pod_on(set, name)
                    .is_some_and(|(p, phase)| &p == pod && phase == PodPhase::Pending)
            });
            if !still {
                self.starting.remove(*name);
            }
        }
        let mut taken = 0u32;
        for d in plan.deletes.iter().filter(|d| here(d.node_name)) {
            self.take_delete(engine, set, d, now, change);
            taken += 1;
        }
        // Deletes remembered on these nodes that the plan no longer asks for:
        // looked for only when there are more than the plan's there.
        let remembered: u32 = names
            .iter()
            .map(|(_, name)| self.deletes_on.get(*name).copied().unwrap_or(0))
            .sum();
        if remembered > taken || self.irregular {
            let gone = take_out(&mut self.deletes, |p| {
                p.seen != mark && names.iter().any(|(_, name)| p.node == *name)
            });
            self.resolve_deletes(engine, gone, change);
        }
    }

    /// A create of the plan: remembered, or new (then described).
    fn take_create<E: AnyEngine>(
        &mut self,
        engine: &E,
        c: &Create,
        now: Timestamp,
        change: &mut SetChange,
    ) {
        let node = engine.text(c.node_name);
        let reason = c.reason.as_str();
        let mark = self.mark;
        if remembered(&mut self.creates, node, reason, mark, &mut self.irregular).is_some() {
            return;
        }
        let mut message = String::new();
        let _ = engine.describe_create(c, &mut message);
        change.creates.push(CreateEntry {
            node: node.to_owned(),
            reason,
            message,
        });
        self.oldest_unowed = self.oldest_unowed.min(now.0);
        self.creates.insert(
            node.to_owned(),
            Pending {
                node: node.to_owned(),
                reason,
                since: now,
                owed: false,
                seen: mark,
            },
        );
    }

    /// A create no longer asked for (already forgotten): done when a pod of
    /// the DaemonSet is on the node (`starting` while that pod is Pending).
    fn resolve_create(
        &mut self,
        node: String,
        set: SetId,
        now: Timestamp,
        pods: &impl PodsOn,
        change: &mut SetChange,
    ) {
        let on = pods.pod_on(set, &node);
        if let Some((pod, PodPhase::Pending)) = &on {
            self.oldest_unowed = self.oldest_unowed.min(now.0);
            self.starting
                .insert(node.clone(), (pod.clone(), now, false));
        }
        change.resolved.push(Resolved {
            action: "create",
            outcome: if on.is_some() { "done" } else { "notNeeded" },
            pod: on.map(|(p, _)| p),
            node,
        });
    }

    /// A delete of the plan: remembered, or new (then described).
    fn take_delete<E: AnyEngine>(
        &mut self,
        engine: &E,
        set: SetId,
        d: &Delete,
        now: Timestamp,
        change: &mut SetChange,
    ) {
        let pod = engine.text(d.pod_name);
        let reason = d.reason.as_str();
        let mark = self.mark;
        if let Some(p) = remembered(&mut self.deletes, pod, reason, mark, &mut self.irregular) {
            if p.node != engine.text(d.node_name) {
                self.irregular = true;
            }
            return;
        }
        let mut message = String::new();
        let _ = engine.describe_delete(set, d, &mut message);
        let node = engine.text(d.node_name);
        change.deletes.push(DeleteEntry {
            pod: pod.to_owned(),
            node: node.to_owned(),
            reason,
            message,
        });
        self.oldest_unowed = self.oldest_unowed.min(now.0);
        let old = self.deletes.insert(
            pod.to_owned(),
            Pending {
                node: node.to_owned(),
                reason,
                since: now,
                owed: false,
                seen: mark,
            },
        );
        if let Some(old) = old {
            self.uncount(&old.node);
        }
        match self.deletes_on.get_mut(node) {
            Some(n) => *n += 1,
            None => {
                self.deletes_on.insert(node.to_owned(), 1);
            }
        }
    }

    /// Deletes no longer asked for (already taken out), in pod name order:
    /// done when the pod is gone or terminating; a failed pod's delete that
    /// still runs is kept.
    fn resolve_deletes<E: AnyEngine>(
        &mut self,
        engine: &E,
        mut gone: Vec<(String, Pending)>,
        change: &mut SetChange,
    ) {
        gone.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        for (pod, p) in gone {
            let namespace = self.name.split_once('/').map_or("", |(ns, _)| ns);
            let running = engine
                .find_pod(namespace, &pod)
                .and_then(|id| engine.pod(id))
                .is_some_and(|p| !p.deleting);
            // A failed pod's delete is asked for once per backoff period: while
            // the pod is still there the delete is still owed, not dropped.
            if running && p.reason == "failed" {
                self.irregular = true;
                self.deletes.insert(pod, p);
                continue;
            }
            self.uncount(&p.node);
            change.resolved.push(Resolved {
                action: "delete",
                node: p.node,
                pod: Some(pod),
                outcome: if running { "notNeeded" } else { "done" },
            });
        }
    }

    /// One delete fewer on `node`.
    fn uncount(&mut self, node: &str) {
        if let Some(n) = self.deletes_on.get_mut(node) {
            *n -= 1;
            if *n == 0 {
                self.deletes_on.remove(node);
            }
        }
    }

    /// The rollout of `plan`, compared with the one printed without describing
    /// it anew unless it changed.
    fn take_rollout<E: AnyEngine, const N: usize>(
        &mut self,
        engine: &E,
        plan: &Plan<N>,
        set: SetId,
        now: Timestamp,
        change: &mut SetChange,
    ) {
        let updated = plan.status.map_or(0, |s| s.updated_number_scheduled);
        // Printed as in progress until every node that should run the pod
        // runs one of the current revision, not only while old pods remain.
        let progress = plan.rollout.and_then(|b| {
            let in_progress = b.outdated > 0 || i64::from(updated) < b.desired;
            let halted = b.halted.map(|h| h.as_str());
            (in_progress || halted.is_some()).then_some((in_progress, b.desired, halted))
        });
        let same = match (progress, &self.rollout) {
            (None, None) => true,
            (Some((in_progress, desired, halted)), Some(old)) => {
                old.in_progress == in_progress
                    && old.updated == updated
                    && old.desired == desired
                    && old.halted == halted
                    && same_holders(engine, plan, set, now, &old.held_back_by, &mut self.scratch)
            }
            _ => false,
        };
        if same {
            return;
        }
        let rollout = progress.map(|(in_progress, desired, halted)| Rollout {
            in_progress,
            updated,
            desired,
            halted,
            held_back_by: plan::holders(engine, plan, set, now)
                .into_iter()
                .map(HolderView::from)
                .collect(),
        });
        // The end of a rollout is said once, as not in progress.
        change.rollout = match (&rollout, &self.rollout) {
            (None, Some(old)) => Some(Rollout {
                in_progress: false,
                updated: plan
                    .status
                    .map_or(old.updated, |s| s.updated_number_scheduled),
                desired: plan.rollout.map_or(old.desired, |b| b.desired),
                halted: None,
                held_back_by: Vec::new(),
            }),
            _ => rollout.clone(),
        };
        self.rollout = rollout;
    }

    /// Whether the object's status is behind the sync's; starts or ends the
    /// clock of a status owed.
    pub fn check_status(&mut self, now: Timestamp) {
        let behind = match (self.status, self.shown) {
            (Some(st), shown) => {
                let generation_behind = match (shown.generation, shown.observed_generation) {
                    (Some(g), Some(o)) => o < g,
                    (Some(_), None) => true,
                    _ => false,
                };
                let counts = [
                    st.desired_number_scheduled,
                    st.current_number_scheduled,
                    st.number_misscheduled,
                    st.number_ready,
                    st.updated_number_scheduled,
                    st.number_available,
                    st.number_unavailable,
                ];
                generation_behind || shown.counts.is_some_and(|c| c != counts)
            }
            (None, _) => false,
        };
        match (behind, self.status_behind) {
            (true, None) => self.status_behind = Some((now, false)),
            (false, Some(_)) => self.status_behind = None,
            _ => {}
        }
    }

    /// The actions owed for `after` seconds at `now` that were not reported yet
    /// (they are then marked reported).
    pub fn owed(
        &mut self,
        now: Timestamp,
        after: i64,
        pods: &impl PodsOn,
        set: SetId,
    ) -> Vec<Owed> {
        let due = |since: Timestamp| now.0.saturating_sub(since.0) >= after;
        let status_due = matches!(self.status_behind, Some((since, false)) if due(since));
        if !status_due && now.0.saturating_sub(self.oldest_unowed) < after {
            return Vec::new();
        }
        let mut owed = Vec::new();
        let generation_behind = match (self.shown.generation, self.shown.observed_generation) {
            (Some(g), Some(o)) if o < g => Some((g, o)),
            _ => None,
        };
        let controller = |what: &str| {
            match generation_behind {
            Some((g, o)) => format!(
                "status.observedGeneration {o} is behind generation {g}: the controller has not seen the change"
            ),
            None => what.to_owned(),
        }
        };
        let mut creates: Vec<(&String, &mut Pending)> = self
            .creates
            .iter_mut()
            .filter(|(_, p)| !p.owed && due(p.since))
            .collect();
        creates.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for (node, p) in creates {
            p.owed = true;
            let cause = match pods.pod_on(set, node) {
                Some((pod, PodPhase::Pending)) => format!(
                    "pod {pod} exists but is Pending: the scheduler's or the kubelet's side"
                ),
                _ => controller(
                    "no pod at all: the controller has not created it, or admission (quota, policy) refused it",
                ),
            };
            owed.push(entry("create", node, None, p.since, now, cause));
        }
        let mut deletes: Vec<(&String, &mut Pending)> = self
            .deletes
            .iter_mut()
            .filter(|(_, p)| !p.owed && due(p.since))
            .collect();
        deletes.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for (pod, p) in deletes {
            p.owed = true;
            let cause = controller("the pod still runs: the controller has not deleted it");
            owed.push(entry("delete", &p.node, Some(pod), p.since, now, cause));
        }
        for (node, (pod, since, reported)) in
            self.starting.iter_mut().filter(|(_, s)| !s.2 && due(s.1))
        {
            *reported = true;
            let cause =
                "the pod exists but is Pending: the scheduler's or the kubelet's side".to_owned();
            owed.push(entry("start", node, Some(pod), *since, now, cause));
        }
        if let Some((since, reported)) = &mut self.status_behind {
            if !*reported && due(*since) {
                *reported = true;
                let cause = controller("the DaemonSet's .status differs from the one the controller would write: the controller has not written it");
                owed.push(entry("status", "", None, *since, now, cause));
            }
        }
        // What is left to owe, from when.
        let pending = self.creates.values().chain(self.deletes.values());
        let starting = self.starting.values().filter(|s| !s.2).map(|s| s.1 .0);
        self.oldest_unowed = pending
            .filter(|p| !p.owed)
            .map(|p| p.since.0)
            .chain(starting)
            .min()
            .unwrap_or(i64::MAX);
        owed
    }
}

/// Takes the entries `gone` picks out of `map`.
fn take_out(
    map: &mut HashMap<String, Pending>,
    gone: impl Fn(&Pending) -> bool,
) -> Vec<(String, Pending)> {
    let keys: Vec<String> = map
        .iter()
        .filter(|(_, p)| gone(p))
        .map(|(k, _)| k.clone())
        .collect();
    keys.into_iter()
        .filter_map(|k| map.remove_entry(&k))
        .collect()
}

/// Whether `plan`'s holds are those printed: the same nodes, described the
/// same (in `scratch`, so nothing is allocated while they are).
fn same_holders<E: AnyEngine, const N: usize>(
    engine: &E,
    plan: &Plan<N>,
    set: SetId,
    now: Timestamp,
    printed: &[HolderView],
    scratch: &mut String,
) -> bool {
    plan.held_back.len() == printed.len()
        && plan.held_back.iter().zip(printed).all(|(h, p)| {
            scratch.clear();
            let _ = engine.describe_hold(set, h, now, scratch);
            engine.text(h.node) == p.node && *scratch == p.why
        })
}

fn entry(
    action: &'static str,
    node: &str,
    pod: Option<&String>,
    since: Timestamp,
    now: Timestamp,
    cause: String,
) -> Owed {
    Owed {
        action,
        node: node.to_owned(),
        pod: pod.cloned(),
        since: since.to_string(),
        seconds: now.0.saturating_sub(since.0),
        cause,
    }
}

/// The entry `key` remembered and not yet seen in this take (mark `mark`),
/// now seen with `reason`; `None` for a key new to `map`. A key seen twice in
/// one take (a node or pod the plan names twice) is new each time, and sets
/// `irregular`.
fn remembered<'m>(
    map: &'m mut HashMap<String, Pending>,
    key: &str,
    reason: &'static str,
    mark: u64,
    irregular: &mut bool,
) -> Option<&'m mut Pending> {
    match map.get_mut(key) {
        Some(p) if p.seen != mark => {
            p.reason = reason;
            p.seen = mark;
            Some(p)
        }
        Some(_) => {
            *irregular = true;
            None
        }
        None => None,
    }
}
