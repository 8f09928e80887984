//! Creates and deletes in words, for people reading a plan.

use core::fmt;

use crate::engine::{Engine, SetId};
use crate::sync::plan::{Create, CreateReason, Delete, DeleteReason};
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
}
