//! Creates and deletes in words, for people reading a plan.

use core::fmt;

use crate::engine::{Engine, SetId};
use crate::pod::PodId;
use crate::sync::plan::{Create, CreateReason, Delete, DeleteReason, Hold, HoldReason};
use crate::sync::time::Timestamp;
use crate::text::put;

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
    /// Writes why a pod is created, e.g. `no daemon pod is running on the node`.
    pub fn describe_create<W: fmt::Write>(&self, create: &Create, w: &mut W) -> fmt::Result {
        w.write_str(match create.reason {
            CreateReason::Missing => "no daemon pod is running on the node",
            CreateReason::ReplaceUnavailable => {
                "surge: the node's old pod is not available, its replacement starts now"
            }
            CreateReason::Surge => {
                "surge: a pod of the current revision starts beside the available old one, within maxSurge"
            }
        })
    }

    /// Writes why a pod is deleted, e.g. `node has taint dedicated=gpu:NoExecute that
    /// the pod does not tolerate`.
    pub fn describe_delete<W: fmt::Write>(
        &self,
        set: SetId,
        delete: &Delete,
        w: &mut W,
    ) -> fmt::Result {
        let node = self.text(delete.node_name);
        match &delete.reason {
            DeleteReason::NodeIneligible(reason) => {
                put!(w, "must not run on ", node, ": ")?;
                self.describe(set, reason, w)
            }
            DeleteReason::Duplicate => put!(
                w,
                "another pod of the DaemonSet on ",
                node,
                " is kept (the oldest)"
            ),
            DeleteReason::Failed => w.write_str("failed; a new pod follows after the backoff"),
            DeleteReason::Succeeded => w.write_str("succeeded; a daemon pod must keep running"),
            DeleteReason::NodeMissing => {
                put!(w, "never scheduled, and its node ", node, " does not exist")
            }
            DeleteReason::SurgeOldNotReady => w.write_str(
                "old revision and not ready, and a pod of the current revision is on the node",
            ),
            DeleteReason::SurgeReplaced => {
                w.write_str("old revision; the pod of the current revision on the node is available")
            }
            DeleteReason::RollingUpdate => {
                w.write_str("old revision, replaced within maxUnavailable")
            }
            DeleteReason::RollingUpdateUnavailable => {
                w.write_str("old revision and not available, replaced whatever the budget")
            }
            DeleteReason::RollingUpdateNodeIneligible => w.write_str(
                "old revision on a node that should no longer run it, and enough pods elsewhere are available",
            ),
        }
    }

    /// Writes why a node holds DaemonSet `set`'s rolling update back (one entry
    /// of [`Plan::held_back`](crate::sync::Plan::held_back)), as of `now`, e.g.
    /// `its new pod agent-x7k2p is not ready (Pending)`.
    pub fn describe_hold<W: fmt::Write>(
        &self,
        set: SetId,
        hold: &Hold,
        now: Timestamp,
        w: &mut W,
    ) -> fmt::Result {
        match hold.reason {
            HoldReason::Excess => {
                w.write_str("more than one old or new pod of the DaemonSet on the node")
            }
            HoldReason::NoPod => w.write_str("no daemon pod on the node"),
            HoldReason::OldAndNew => w.write_str("an old and a new pod on the node"),
            HoldReason::NewNotAvailable { pod } => {
                self.describe_not_available(set, pod, "new", now, w)
            }
            HoldReason::OldNotAvailable { pod } => {
                self.describe_not_available(set, Some(pod), "old", now, w)?;
                w.write_str("; it is replaced whatever the budget")
            }
            HoldReason::SurgingNewNotAvailable { pod } => {
                w.write_str("surging: ")?;
                self.describe_not_available(set, pod, "new", now, w)?;
                w.write_str(" beside the old pod")
            }
        }
    }

    /// `its new pod NAME is not ready (PHASE)` and the like.
    fn describe_not_available<W: fmt::Write>(
        &self,
        set: SetId,
        pod: Option<PodId>,
        what: &str,
        now: Timestamp,
        w: &mut W,
    ) -> fmt::Result {
        match pod.and_then(|id| self.pod(id)) {
            None => put!(w, "its ", what, " pod is created in this sync"),
            Some(p) if !p.ready => put!(
                w,
                "its ",
                what,
                " pod ",
                self.text(p.name),
                " is not ready (",
                p.phase.as_str(),
                ")"
            ),
            Some(p) => {
                let since = p.ready_since.map_or(0, |t| now.since(t));
                let min_ready = self
                    .daemon_set(set)
                    .map_or(0, |ds| i64::from(ds.min_ready_seconds));
                put!(
                    w,
                    "its ",
                    what,
                    " pod ",
                    self.text(p.name),
                    " has been ready for ",
                    since,
                    "s of minReadySeconds ",
                    min_ready
                )
            }
        }
    }
}
