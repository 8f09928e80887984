//! Status at the end of a sync: upstream's `updateDaemonSetStatus`.

use crate::engine::{DaemonSet, Engine};
use crate::error::Result;
use crate::sync::plan::{DaemonSetStatus, Plan};
use crate::sync::{Member, NodeSlot};

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
    /// Counts nodes as the plan leaves them: its deletes gone, its creates present and
    /// not ready. The plan's lists must be sorted by id. Each node counts by its
    /// oldest pod.
    pub(crate) fn status<const N: usize>(
        &self,
        s: &DaemonSet,
        plan: &Plan<N>,
        observed_generation: i64,
    ) -> Result<DaemonSetStatus> {
        let mut st = DaemonSetStatus {
            observed_generation,
            ..DaemonSetStatus::default()
        };
        // Only nodes count (pods of missing nodes do not), and without creates or
        // deletes a node's oldest member is its first pod.
        let unchanged = plan.deletes.is_empty() && plan.creates.is_empty();
        self.each_node_group(|g, node| {
            let oldest = if unchanged {
                g.pods.first().map(|c| Member::Real(c.pod, c.flags))
            } else {
                self.members(g, &plan.deletes, &plan.creates).next()
            };
            count_node(&mut st, s, node, oldest);
            Ok(())
        })?;
        st.number_unavailable = st
            .desired_number_scheduled
            .saturating_sub(st.number_available);
        Ok(st)
    }
}

/// Counts one node into `st`, by its placement and its oldest pod as the plan
/// leaves it.
#[inline(always)]
pub(crate) fn count_node(
    st: &mut DaemonSetStatus,
    s: &DaemonSet,
    node: &NodeSlot,
    oldest: Option<Member>,
) {
    let inc = |n: &mut i32| *n = n.saturating_add(1);
    if !node.should_run() {
        if oldest.is_some() {
            inc(&mut st.number_misscheduled);
        }
        return;
    }
    inc(&mut st.desired_number_scheduled);
    let Some(pod) = oldest else { return };
    inc(&mut st.current_number_scheduled);
    if pod.ready() {
        inc(&mut st.number_ready);
        if pod.available() {
            inc(&mut st.number_available);
        }
    }
    if pod.updated(s) {
        inc(&mut st.updated_number_scheduled);
    }
}
