//! What `dsr watch` remembers of each DaemonSet between events: the creates and
//! deletes the controller owes (since when), the status and rollout last
//! printed, and the status the DaemonSet object shows. Comparing a new sync with
//! it gives the changes to print; nothing here decides what the controller does.

use std::collections::BTreeMap;

use dsr_core::pod::PodPhase;
use dsr_core::sync::{DaemonSetStatus, Plan};
use dsr_core::{SetId, Timestamp};
use serde::Serialize;

use crate::engine::AnyEngine;
use crate::plan::{self, CreateEntry, DeleteEntry, Holder, Status};

/// An action the controller must take, and since when.
#[derive(Debug, Clone)]
pub struct Pending {
    /// The node (for a delete, the pod's node).
    pub node: String,
    /// The reason (`missing`, `nodeIneligible`, ...).
    pub reason: &'static str,
    /// Since when the sync asks for it.
    pub since: Timestamp,
    /// Reported owed already.
    pub owed: bool,
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
#[derive(Debug, Default)]
pub struct SetState {
    /// `namespace/name`.
    pub name: String,
    /// Pending creates by node.
    pub creates: BTreeMap<String, Pending>,
    /// Pending deletes by pod.
    pub deletes: BTreeMap<String, Pending>,
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
    /// Takes the sync in `plan` (of `set`, at `now`): returns what changed.
    pub fn take<E: AnyEngine, const N: usize>(
        &mut self,
        engine: &E,
        plan: &Plan<N>,
        set: SetId,
        now: Timestamp,
        pods: &impl PodsOn,
    ) -> SetChange {
        let mut change = SetChange {
            daemon_set: self.name.clone(),
            ..Default::default()
        };
        let mut creates = BTreeMap::new();
        for c in &plan.creates {
            let node = engine.text(c.node_name);
            let reason = c.reason.as_str();
            match self.creates.remove(node) {
                Some(p) => {
                    creates.insert(node.to_owned(), Pending { reason, ..p });
                }
                None => {
                    let mut message = String::new();
                    let _ = engine.describe_create(c, &mut message);
                    change.creates.push(CreateEntry {
                        node: node.to_owned(),
                        reason,
                        message,
                    });
                    creates.insert(
                        node.to_owned(),
                        Pending {
                            node: node.to_owned(),
                            reason,
                            since: now,
                            owed: false,
                        },
                    );
                }
            }
        }
        for (node, _) in std::mem::replace(&mut self.creates, creates) {
            let on = pods.pod_on(set, &node);
            if let Some((pod, PodPhase::Pending)) = &on {
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
        // A created pod stays `starting` while it is Pending on its node.
        self.starting.retain(|node, (pod, _, _)| {
            pods.pod_on(set, node)
                .is_some_and(|(p, phase)| &p == pod && phase == PodPhase::Pending)
        });
        let mut deletes = BTreeMap::new();
        for d in &plan.deletes {
            let pod = engine.text(d.pod_name);
            let reason = d.reason.as_str();
            match self.deletes.remove(pod) {
                Some(p) => {
                    deletes.insert(pod.to_owned(), Pending { reason, ..p });
                }
                None => {
                    let mut message = String::new();
                    let _ = engine.describe_delete(set, d, &mut message);
                    let node = engine.text(d.node_name).to_owned();
                    change.deletes.push(DeleteEntry {
                        pod: pod.to_owned(),
                        node: node.clone(),
                        reason,
                        message,
                    });
                    deletes.insert(
                        pod.to_owned(),
                        Pending {
                            node,
                            reason,
                            since: now,
                            owed: false,
                        },
                    );
                }
            }
        }
        let namespace = self.name.split_once('/').map_or("", |(ns, _)| ns);
        for (pod, p) in std::mem::replace(&mut self.deletes, deletes) {
            let running = engine
                .find_pod(namespace, &pod)
                .and_then(|id| engine.pod(id))
                .is_some_and(|p| !p.deleting);
            // A failed pod's delete is asked for once per backoff period: while
            // the pod is still there the delete is still owed, not dropped.
            if running && p.reason == "failed" {
                self.deletes.insert(pod, p);
                continue;
            }
            change.resolved.push(Resolved {
                action: "delete",
                node: p.node,
                pod: Some(pod),
                outcome: if running { "notNeeded" } else { "done" },
            });
        }
        if plan.status.is_some() && plan.status != self.status {
            self.status = plan.status;
            change.status = plan.status.as_ref().map(plan::status);
        }
        let rollout = plan.rollout.and_then(|b| {
            let updated = plan.status.map_or(0, |s| s.updated_number_scheduled);
            // Printed as in progress until every node that should run the pod
            // runs one of the current revision, not only while old pods remain.
            let r = Rollout {
                in_progress: b.outdated > 0 || i64::from(updated) < b.desired,
                updated,
                desired: b.desired,
                halted: b.halted.map(|h| h.as_str()),
                held_back_by: plan::holders(engine, plan, set, now)
                    .into_iter()
                    .map(HolderView::from)
                    .collect(),
            };
            (r.in_progress || r.halted.is_some()).then_some(r)
        });
        if rollout != self.rollout {
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
        self.requeue_at = plan.requeue_after.map(|s| now.0.saturating_add(s));
        self.check_status(now);
        change
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
        let mut owed = Vec::new();
        let due = |since: Timestamp| now.0.saturating_sub(since.0) >= after;
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
        for (node, p) in self
            .creates
            .iter_mut()
            .filter(|(_, p)| !p.owed && due(p.since))
        {
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
        for (pod, p) in self
            .deletes
            .iter_mut()
            .filter(|(_, p)| !p.owed && due(p.since))
        {
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
        owed
    }
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
