//! State derived from the tables and kept in step with them, so that a sync reads
//! instead of recomputing: every (DaemonSet, node) placement, and each pod's
//! controller and node.
//!
//! Each is a pure function of the tables. Every operation that changes what it
//! derives from refreshes it, a snapshot restore rebuilds it, and tests compare it
//! with a fresh computation after random sequences of operations.

use crate::intern::Sym;

/// A placement bit: the daemon pod should run on the node.
pub(crate) const RUN: u8 = 1;
/// A placement bit: a daemon pod already on the node may continue running.
pub(crate) const CONTINUE: u8 = 2;

/// `should_run` and `should_continue_running` of every (DaemonSet slot, node slot),
/// two bits in a byte.
#[derive(Clone)]
pub(crate) struct Placements<const NODES: usize, const SETS: usize> {
    bits: [[u8; NODES]; SETS],
}

impl<const NODES: usize, const SETS: usize> core::fmt::Debug for Placements<NODES, SETS> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Placements").finish_non_exhaustive()
    }
}

impl<const NODES: usize, const SETS: usize> Placements<NODES, SETS> {
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub const fn new() -> Self {
        Placements {
            bits: [[0; NODES]; SETS],
        }
    }

    /// The bits of a pair (0 for slots out of range).
    #[inline]
    pub fn get(&self, set: u32, node: u32) -> u8 {
        self.row(set).get(node as usize).copied().unwrap_or(0)
    }

    /// A DaemonSet's bits for every node slot.
    #[inline]
    pub fn row(&self, set: u32) -> &[u8] {
        self.bits.get(set as usize).map_or(&[], |r| &r[..])
    }

    /// Records a pair's bits.
    pub fn put(&mut self, set: u32, node: u32, bits: u8) {
        if let Some(b) = self
            .bits
            .get_mut(set as usize)
            .and_then(|r| r.get_mut(node as usize))
        {
            *b = bits;
        }
    }
}

/// A pod slot's owner tag in [`PodIndex`] when it has no controller.
pub(crate) const NO_CONTROLLER: u8 = u8::MAX;
/// A pod slot's owner tag in [`PodIndex`] when it holds no pod.
pub(crate) const FREE: u8 = u8::MAX - 1;
/// Owner tags of controllers are `0..OWNER_TAGS`.
const OWNER_TAGS: u32 = FREE as u32;
/// A pod's node in [`PodIndex`] when no node of the name it targets exists.
pub(crate) const NO_NODE: u32 = u32::MAX;
/// A pod's node in [`PodIndex`] when it targets none (or the slot is free).
pub(crate) const NO_TARGET: u32 = u32::MAX - 1;

/// For each pod slot: a one-byte tag of the controller's uid (so a sync finds the
/// few pods that may be its own without reading every pod: a byte a pod to scan)
/// and the slot of the node the pod is for.
#[derive(Clone)]
pub(crate) struct PodIndex<const PODS: usize> {
    /// The controller uid's tag ([`owner_tag`]), [`NO_CONTROLLER`], or [`FREE`].
    /// Different uids may share a tag: a sync checks the pod's controller.
    owner: [u8; PODS],
    /// The target node's slot, [`NO_NODE`] or [`NO_TARGET`].
    node: [u32; PODS],
    /// Slots whose node is [`NO_NODE`].
    unresolved: usize,
}

impl<const PODS: usize> core::fmt::Debug for PodIndex<PODS> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PodIndex").finish_non_exhaustive()
    }
}

/// The owner tag of a controller uid.
#[inline]
pub(crate) fn owner_tag(uid: Sym) -> u8 {
    // In `0..OWNER_TAGS`, so never a marker.
    (uid.0 % OWNER_TAGS) as u8
}

/// The owner tag of a controller reference.
fn owner_word(controller: Option<Sym>) -> u8 {
    controller.map_or(NO_CONTROLLER, owner_tag)
}

impl<const PODS: usize> PodIndex<PODS> {
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub const fn new() -> Self {
        PodIndex {
            owner: [FREE; PODS],
            node: [NO_TARGET; PODS],
            unresolved: 0,
        }
    }

    /// Empties the index.
    pub fn clear(&mut self) {
        self.owner.fill(FREE);
        self.node.fill(NO_TARGET);
        self.unresolved = 0;
    }

    /// Every slot's owner tag, for scans.
    pub fn owners(&self) -> &[u8] {
        &self.owner
    }

    /// Every slot's node slot, for scans.
    pub fn nodes(&self) -> &[u32] {
        &self.node
    }

    /// A pod's node slot ([`NO_NODE`] or [`NO_TARGET`] when it has none).
    #[inline]
    pub fn node(&self, pod: u32) -> u32 {
        self.node.get(pod as usize).copied().unwrap_or(NO_TARGET)
    }

    /// Whether some pod's target node is missing.
    pub fn has_unresolved(&self) -> bool {
        self.unresolved > 0
    }

    fn set_node(&mut self, pod: u32, node: u32) {
        if let Some(n) = self.node.get_mut(pod as usize) {
            if *n == NO_NODE {
                self.unresolved = self.unresolved.saturating_sub(1);
            }
            if node == NO_NODE {
                self.unresolved += 1;
            }
            *n = node;
        }
    }

    /// Records a pod slot: its controller, and its node slot ([`NO_NODE`] when
    /// the node it targets does not exist, [`NO_TARGET`] when it targets none).
    pub fn put(&mut self, pod: u32, controller: Option<Sym>, node: u32) {
        if let Some(o) = self.owner.get_mut(pod as usize) {
            *o = owner_word(controller);
        }
        self.set_node(pod, node);
    }

    /// Sets a pod's controller.
    pub fn set_owner(&mut self, pod: u32, controller: Option<Sym>) {
        if let Some(o) = self.owner.get_mut(pod as usize) {
            *o = owner_word(controller);
        }
    }

    /// Frees a pod slot.
    pub fn remove(&mut self, pod: u32) {
        if let Some(o) = self.owner.get_mut(pod as usize) {
            *o = FREE;
        }
        self.set_node(pod, NO_TARGET);
    }

    /// Sets the node of a pod whose node was missing.
    pub fn resolve(&mut self, pod: u32, node: u32) {
        self.set_node(pod, node);
    }

    /// Marks every pod on node slot `node` as having a missing node.
    pub fn unresolve_node(&mut self, node: u32) {
        for n in self.node.iter_mut().filter(|n| **n == node) {
            *n = NO_NODE;
            self.unresolved += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use std::boxed::Box;
    use std::format;
    use std::string::String;
    use std::vec;
    use std::vec::Vec;

    use crate::input::{
        DaemonSetInput, LabelInput, LabelSelectorInput, NodeInput, PodConditionInput, PodInput,
        TaintInput,
    };
    use crate::sync::Plan;
    use crate::sync::Propagation;
    use crate::{Engine, NodeId, PodId, SetId, Timestamp};

    type E = Engine<8, 4, 32, 512, 16384, 512, 128>;

    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    fn leak(s: String) -> &'static str {
        Box::leak(s.into_boxed_str())
    }

    fn leak_slice<T>(v: Vec<T>) -> &'static [T] {
        Box::leak(v.into_boxed_slice())
    }

    const ZONES: [&str; 2] = ["a", "b"];

    fn node(r: &mut Rng) -> NodeInput<'static> {
        let labels = leak_slice(
            (0..r.below(3))
                .map(|i| LabelInput {
                    key: ["zone", "tier", "gpu"][i as usize],
                    value: ZONES[r.below(2) as usize],
                })
                .collect(),
        );
        let taints: &'static [TaintInput<'static>] = match r.below(4) {
            0 => &[TaintInput {
                key: "dedicated",
                value: "",
                effect: "NoExecute",
            }],
            1 => &[TaintInput {
                key: "maintenance",
                value: "",
                effect: "NoSchedule",
            }],
            _ => &[],
        };
        NodeInput {
            name: leak(format!("node-{}", r.below(10))),
            labels,
            taints,
            unschedulable: false,
        }
    }

    fn set(r: &mut Rng) -> DaemonSetInput<'static> {
        let app = leak_slice(vec![LabelInput {
            key: "app",
            value: ["a", "b"][r.below(2) as usize],
        }]);
        let node_selector = if r.below(2) == 0 {
            leak_slice(vec![LabelInput {
                key: "zone",
                value: ZONES[r.below(2) as usize],
            }])
        } else {
            &[]
        };
        DaemonSetInput {
            name: leak(format!("set-{}", r.below(5))),
            namespace: "kube-system",
            uid: leak(format!("uid-{}", r.below(5))),
            selector: Some(LabelSelectorInput {
                match_labels: app,
                ..Default::default()
            }),
            template_labels: app,
            node_selector,
            revision_hash: "rev1",
            ..Default::default()
        }
    }

    fn pod(r: &mut Rng) -> PodInput<'static> {
        let labels = leak_slice(vec![LabelInput {
            key: "app",
            value: ["a", "b"][r.below(2) as usize],
        }]);
        PodInput {
            name: leak(format!("pod-{}", r.below(40))),
            namespace: "kube-system",
            labels,
            controller_uid: [None, Some("uid-0"), Some("uid-1"), Some("uid-3")]
                [r.below(4) as usize],
            node_name: if r.below(5) == 0 {
                ""
            } else {
                leak(format!("node-{}", r.below(12)))
            },
            phase: ["Running", "Pending", "Failed"][r.below(3) as usize],
            ready: Some(PodConditionInput {
                status: "True",
                last_transition_time: Some(Timestamp(0)),
            }),
            creation_timestamp: Timestamp(r.below(100) as i64),
            ..Default::default()
        }
    }

    /// After any sequence of changes, what is kept equals what a rebuild from the
    /// tables gives, and so do the plans.
    #[test]
    fn kept_state_equals_a_rebuild_after_random_changes() {
        let mut r = Rng(0x9E37_79B9_7F4A_7C15);
        for run in 0..40 {
            let mut e: Box<E> = Box::default();
            for step in 0..60 {
                let nodes: Vec<NodeId> = e.nodes().map(|(i, _)| i).collect();
                let sets: Vec<SetId> = e.daemon_sets().map(|(i, _)| i).collect();
                let pods: Vec<PodId> = e.pods().map(|(i, _)| i).collect();
                let pick = |r: &mut Rng, n: usize| r.below(n.max(1) as u64) as usize;
                // Errors (duplicates, full tables) are fine: they change nothing.
                let _ = match r.below(11) {
                    0 | 1 => e.add_node(&node(&mut r)).map(|_| ()),
                    2 if !nodes.is_empty() => {
                        e.update_node(nodes[pick(&mut r, nodes.len())], &node(&mut r))
                    }
                    3 if !nodes.is_empty() => e.remove_node(nodes[pick(&mut r, nodes.len())]),
                    4 => e.add_daemon_set(&set(&mut r)).map(|_| ()),
                    5 if !sets.is_empty() => {
                        e.update_daemon_set(sets[pick(&mut r, sets.len())], &set(&mut r))
                    }
                    6 if !sets.is_empty() => {
                        let mut out: heapless::Vec<PodId, 32> = heapless::Vec::new();
                        let how = [Propagation::Orphan, Propagation::Background][pick(&mut r, 2)];
                        e.delete_daemon_set(sets[pick(&mut r, sets.len())], how, &mut out)
                    }
                    7 | 8 => e.add_pod(&pod(&mut r)).map(|_| ()),
                    9 if !pods.is_empty() => {
                        let id = pods[pick(&mut r, pods.len())];
                        if r.below(2) == 0 {
                            e.remove_pod(id)
                        } else {
                            e.update_pod(id, &pod(&mut r))
                        }
                    }
                    10 if !pods.is_empty() && !sets.is_empty() => {
                        let owner = [None, Some(sets[pick(&mut r, sets.len())])][pick(&mut r, 2)];
                        e.set_pod_controller(pods[pick(&mut r, pods.len())], owner)
                    }
                    _ => Ok(()),
                };
                let mut rebuilt = e.clone();
                rebuilt.reindex().unwrap();
                for (si, s) in e.daemon_sets() {
                    for (ni, n) in e.nodes() {
                        assert_eq!(
                            e.placements.get(si.0, ni.0),
                            e.placement(s, n).bits(),
                            "run {run} step {step}"
                        );
                    }
                }
                for i in 0..e.pods.slot_count() as u32 {
                    assert_eq!(
                        e.pod_index.owners().get(i as usize),
                        rebuilt.pod_index.owners().get(i as usize),
                        "run {run} step {step} pod {i}"
                    );
                    assert_eq!(e.pod_index.node(i), rebuilt.pod_index.node(i));
                }
                assert_eq!(e.pod_index.unresolved, rebuilt.pod_index.unresolved);
                let now = Timestamp(1000 + step);
                let sets: Vec<SetId> = e.daemon_sets().map(|(i, _)| i).collect();
                for si in sets {
                    let mut a: Plan<32> = Plan::new();
                    let mut b: Plan<32> = Plan::new();
                    let ra = e.sync(si, now, &mut a);
                    let rb = rebuilt.sync(si, now, &mut b);
                    assert_eq!(ra, rb, "run {run} step {step}");
                    assert_eq!(a, b, "run {run} step {step}");
                }
            }
        }
    }
}
