//! Pods in the engine: what the DaemonSet controller reads of each one.

use crate::affinity::NAME_FIELD;
use crate::engine::Engine;
use crate::error::{Error, Field, Result, Table};
use crate::input::{NodeSelectorTermInput, PodInput};
use crate::intern::Sym;
use crate::label::{Label, Labels};
use crate::sync::time::Timestamp;
use crate::table::Span;

/// The label that carries the hash of the revision a daemon pod was made from.
pub const REVISION_HASH_LABEL: &str = "controller-revision-hash";

/// The label that carries the template generation a daemon pod was made from.
pub const TEMPLATE_GENERATION_LABEL: &str = "pod-template-generation";

/// Index of a pod in its engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PodId(pub u32);

/// `status.phase`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum PodPhase {
    /// Accepted, not all containers running yet.
    Pending,
    /// Bound to a node, containers running.
    Running,
    /// Every container ended successfully and will not restart.
    Succeeded,
    /// Every container ended, at least one in failure.
    Failed,
    /// The state could not be obtained.
    Unknown,
    /// Empty or a value Kubernetes does not define; treated as not terminal.
    Other,
}

impl PodPhase {
    /// Classifies a phase string.
    pub fn classify(s: &str) -> PodPhase {
        match s {
            "Pending" => PodPhase::Pending,
            "Running" => PodPhase::Running,
            "Succeeded" => PodPhase::Succeeded,
            "Failed" => PodPhase::Failed,
            "Unknown" => PodPhase::Unknown,
            _ => PodPhase::Other,
        }
    }

    /// The phase as the API writes it; `no phase` for [`PodPhase::Other`].
    pub const fn as_str(self) -> &'static str {
        match self {
            PodPhase::Pending => "Pending",
            PodPhase::Running => "Running",
            PodPhase::Succeeded => "Succeeded",
            PodPhase::Failed => "Failed",
            PodPhase::Unknown => "Unknown",
            PodPhase::Other => "no phase",
        }
    }

    /// `Succeeded` or `Failed`: upstream's `IsPodTerminal`.
    pub const fn is_terminal(self) -> bool {
        matches!(self, PodPhase::Succeeded | PodPhase::Failed)
    }
}

/// A stored pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Pod {
    /// `metadata.name`.
    pub name: Sym,
    /// `metadata.namespace`.
    pub namespace: Sym,
    /// `metadata.uid`.
    pub uid: Sym,
    /// `metadata.labels`, sorted by key, in the label pool.
    pub labels: Span,
    /// The `uid` of the controller owner reference, if any.
    pub controller_uid: Option<Sym>,
    /// `spec.nodeName` ([`Sym::EMPTY`] while unscheduled).
    pub node_name: Sym,
    /// The node the pod is for: `spec.nodeName`, or else the node its required node
    /// affinity pins it to, as upstream's `GetTargetNodeName`; `None` when neither
    /// names one, and the controller then ignores the pod.
    pub target_node: Option<Sym>,
    /// `status.phase`.
    pub phase: PodPhase,
    /// The `Ready` condition is `True`.
    pub ready: bool,
    /// The `Ready` condition's `lastTransitionTime`, if set.
    pub ready_since: Option<Timestamp>,
    /// `metadata.deletionTimestamp` is set.
    pub deleting: bool,
    /// `metadata.creationTimestamp`.
    pub created: Timestamp,
    /// The `controller-revision-hash` label ([`Sym::EMPTY`] when absent).
    pub revision_hash: Sym,
    /// The `pod-template-generation` label ([`Sym::EMPTY`] when absent).
    pub template_generation: Sym,
    /// The controller reference's `name` ([`Sym::EMPTY`] without a controller).
    pub controller_name: Sym,
    /// The controller reference's `kind` is `DaemonSet` (the only kind the
    /// DaemonSet controller asks about, so the only one kept).
    pub controller_is_daemon_set: bool,
}

/// The `kind` of a controller reference to a DaemonSet.
pub const DAEMON_SET_KIND: &str = "DaemonSet";

impl Pod {
    /// `spec.nodeName` is set.
    pub const fn is_scheduled(&self) -> bool {
        !self.node_name.is_empty()
    }

    /// Ready, and ready for at least `min_ready_seconds` at `now`: upstream's
    /// `IsPodAvailable` (since v1.34 a pod is available at the very second
    /// `lastTransitionTime + minReadySeconds`; it was the second after before).
    #[inline]
    pub fn is_available(&self, min_ready_seconds: i32, now: Timestamp) -> bool {
        is_available(self.ready, self.ready_since, min_ready_seconds, now)
    }
}

/// Upstream's `IsPodAvailable` on the parts it reads.
#[inline]
pub(crate) fn is_available(
    ready: bool,
    since: Option<Timestamp>,
    min_ready_seconds: i32,
    now: Timestamp,
) -> bool {
    if !ready {
        return false;
    }
    if min_ready_seconds == 0 {
        return true;
    }
    // A zero lastTransitionTime never satisfies a positive minReadySeconds.
    since.is_some_and(|t| t.plus(i64::from(min_ready_seconds)) <= now)
}

/// The node a pod's required node affinity pins it to, as upstream's
/// `GetTargetNodeName` reads it: the first `matchFields` `metadata.name In` entry,
/// which must have exactly one value.
fn pinned_node<'a>(terms: Option<&'a [NodeSelectorTermInput<'a>]>) -> Option<&'a str> {
    for term in terms? {
        for r in term.match_fields {
            if r.key == NAME_FIELD && r.operator == "In" {
                return match r.values {
                    [only] => Some(only),
                    _ => None,
                };
            }
        }
    }
    None
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
    /// Adds a pod. `namespace/name` is unique: a second pod of the same name in the
    /// namespace is [`Error::Duplicate`].
    ///
    /// ```
    /// use dsr_core::input::{LabelInput, PodInput};
    /// use dsr_core::Timestamp;
    /// let mut engine = dsr_core::TinyEngine::new();
    /// let id = engine.add_pod(&PodInput {
    ///     name: "fluentd-elasticsearch-x7k2p",
    ///     namespace: "kube-system",
    ///     labels: &[LabelInput { key: "name", value: "fluentd-elasticsearch" }],
    ///     node_name: "ip-10-0-1-23.us-west-2.compute.internal",
    ///     phase: "Running",
    ///     creation_timestamp: Timestamp(1_709_290_800),
    ///     ..Default::default()
    /// }).unwrap();
    /// assert_eq!(engine.find_pod("kube-system", "fluentd-elasticsearch-x7k2p"), Some(id));
    /// ```
    pub fn add_pod(&mut self, input: &PodInput<'_>) -> Result<PodId> {
        self.add_pod_in::<true>(input)
    }

    /// [`add_pod`](Self::add_pod); without `ROOM`, the pools are not
    /// compacted when one fills up (a [`Stage`](crate::stage::Stage) does
    /// that itself).
    pub(crate) fn add_pod_in<const ROOM: bool>(&mut self, input: &PodInput<'_>) -> Result<PodId> {
        if self.find_pod(input.namespace, input.name).is_some() {
            return Err(Error::Duplicate(Table::Pods));
        }
        self.pods.reserve()?;
        let id = self.with_room_if::<ROOM, _>(&mut |e| {
            e.atomically(|e| {
                let pod = e.compile_pod(input)?;
                let id = e.pods.insert(pod)?;
                e.pod_names.insert(pod.name, id)?;
                e.hold_pod(&pod, crate::holders::Hold::Retain);
                Ok(PodId(id))
            })
        })?;
        self.sweep_strings();
        self.place_pod_labels(id.0);
        self.index_pod(id.0);
        Ok(id)
    }

    /// Moves a pod's labels, just stored at the end of the pool, into the hole
    /// freed last when they fit (a replaced pod's, usually). The compact build's
    /// pools have no holes.
    #[cfg_attr(feature = "compact", allow(unused_variables))]
    fn place_pod_labels(&mut self, id: u32) {
        #[cfg(not(feature = "compact"))]
        self.place_pod_labels_in_hole(id);
    }

    #[cfg(not(feature = "compact"))]
    fn place_pod_labels_in_hole(&mut self, id: u32) {
        let Some(span) = self.pods.get(id).map(|p| p.labels) else {
            return;
        };
        let span = self.labels.place(span);
        if let Some(p) = self.pods.get_mut(id) {
            p.labels = span;
        }
    }

    /// Replaces a pod's fields, keeping its id. On error the old pod is kept.
    pub fn update_pod(&mut self, id: PodId, input: &PodInput<'_>) -> Result<()> {
        self.with_room(&mut |e| e.replace_pod::<false>(id, input, false))
            .map(drop)
    }

    /// Replaces a pod's fields, keeping its id; with `only_if_changed`, a pod
    /// whose compiled form does not change is left alone (`Ok(false)`). One
    /// body for both, so that the pod is compiled once either way. With `KEEP`
    /// (a [`Stage`](crate::stage::Stage)), the old pod's labels and string
    /// holds are kept for the caller, who gives them back or puts it back.
    pub(crate) fn replace_pod<const KEEP: bool>(
        &mut self,
        id: PodId,
        input: &PodInput<'_>,
        only_if_changed: bool,
    ) -> Result<bool> {
        let old = *self.pods.get(id.0).ok_or(Error::NotFound(Table::Pods))?;
        if let Some(other) = self.find_pod(input.namespace, input.name) {
            if other != id {
                return Err(Error::Duplicate(Table::Pods));
            }
        }
        let cp = self.checkpoint();
        let mut new = self.atomically(|e| e.compile_pod(input))?;
        let same = only_if_changed
            && Pod {
                labels: old.labels,
                ..new
            } == old
            && self.labels.get(new.labels) == self.labels.get(old.labels);
        if same {
            self.rollback(cp);
            return Ok(false);
        }
        self.hold_pod(&new, crate::holders::Hold::Retain);
        if !KEEP {
            self.hold_pod(&old, crate::holders::Hold::Release);
        }
        self.sweep_strings();
        // The new labels sit at the end of the pool.
        let same_size = !KEEP && new.labels.len == old.labels.len;
        if same_size {
            // As many labels as before (most updates of a pod are of its status):
            // written over the old ones and the copy dropped.
            self.labels.overwrite(old.labels, new.labels);
            self.labels.truncate(new.labels.start);
            new.labels = old.labels;
        }
        let slot = self.pods.get_mut(id.0).ok_or(Error::LogicBug)?;
        *slot = new;
        if (new.name, new.namespace) != (old.name, old.namespace) {
            self.pod_names.remove(old.name, id.0);
            self.pod_names.insert(new.name, id.0)?;
        }
        self.index_pod(id.0);
        if !same_size {
            // The old labels become a hole, which the new ones take when they fit
            // (the compact build cuts them out, moving the new ones down).
            if !KEEP {
                self.free_labels(old.labels);
            }
            self.place_pod_labels(id.0);
        }
        Ok(true)
    }

    /// [`update_pod`](Self::update_pod), except that a pod whose compiled form
    /// does not change is left alone: `Ok(false)`.
    #[cfg_attr(not(feature = "json"), allow(dead_code))]
    pub(crate) fn update_pod_if_changed(
        &mut self,
        id: PodId,
        input: &PodInput<'_>,
    ) -> Result<bool> {
        self.with_room(&mut |e| e.replace_pod::<false>(id, input, true))
    }

    /// Removes a pod, freeing its labels.
    pub fn remove_pod(&mut self, id: PodId) -> Result<()> {
        self.remove_pod_from::<false>(id)
    }

    /// [`remove_pod`](Self::remove_pod); with `TAKE_BACK`, undoing an add
    /// that appended the pod's slot (see `Slots::take_back`).
    pub(crate) fn remove_pod_from<const TAKE_BACK: bool>(&mut self, id: PodId) -> Result<()> {
        let pod = if TAKE_BACK {
            self.pods.take_back(id.0)
        } else {
            self.pods.remove(id.0)
        }
        .ok_or(Error::NotFound(Table::Pods))?;
        self.hold_pod(&pod, crate::holders::Hold::Release);
        self.pod_names.remove(pod.name, id.0);
        self.pod_index.remove(id.0);
        self.free_labels(pod.labels);
        Ok(())
    }

    /// Number of pods.
    pub fn pod_count(&self) -> usize {
        self.pods.len()
    }

    /// A pod by id.
    pub fn pod(&self, id: PodId) -> Option<&Pod> {
        self.pods.get(id.0)
    }

    /// Every pod with its id, in id order.
    pub fn pods(&self) -> impl Iterator<Item = (PodId, &Pod)> + '_ {
        self.pods.iter().map(|(i, p)| (PodId(i), p))
    }

    /// The pod `namespace/name`.
    pub fn find_pod(&self, namespace: &str, name: &str) -> Option<PodId> {
        let ns = self.strings.get(namespace)?;
        let n = self.strings.get(name)?;
        self.pod_names
            .find(n, |i| self.pods.get(i).is_some_and(|p| p.namespace == ns))
            .map(PodId)
    }

    /// A pod's labels, sorted by key.
    pub fn pod_labels(&self, pod: &Pod) -> &[Label] {
        self.labels.get(pod.labels)
    }

    pub(crate) fn compile_pod(&mut self, input: &PodInput<'_>) -> Result<Pod> {
        let name = self.intern(input.name, Field::Name)?;
        let namespace = self.intern(input.namespace, Field::Namespace)?;
        let uid = self.intern(input.uid, Field::Uid)?;
        let labels = self.push_labels(input.labels)?;
        let (controller_uid, controller_name) = match input.controller_uid {
            Some(u) => (
                Some(self.intern(u, Field::Uid)?),
                self.intern(input.controller_name, Field::Name)?,
            ),
            None => (None, Sym::EMPTY),
        };
        let node_name = self.intern(input.node_name, Field::NodeName)?;
        let target_node = if !node_name.is_empty() {
            Some(node_name)
        } else {
            match pinned_node(input.required_node_affinity) {
                Some(n) => Some(self.intern(n, Field::MatchFields)?),
                None => None,
            }
        };
        let (revision_hash, template_generation) = {
            let l = Labels::sorted(self.labels.get(labels));
            let get = |key: &str| {
                self.strings
                    .get(key)
                    .and_then(|k| l.get(k))
                    .unwrap_or(Sym::EMPTY)
            };
            (get(REVISION_HASH_LABEL), get(TEMPLATE_GENERATION_LABEL))
        };
        let ready = input.ready.is_some_and(|c| c.status == "True");
        Ok(Pod {
            name,
            namespace,
            uid,
            labels,
            controller_uid,
            node_name,
            target_node,
            phase: PodPhase::classify(input.phase),
            ready,
            ready_since: input.ready.and_then(|c| c.last_transition_time),
            deleting: input.deleting,
            created: input.creation_timestamp,
            revision_hash,
            template_generation,
            controller_name,
            controller_is_daemon_set: input.controller_uid.is_some()
                && input.controller_kind == DAEMON_SET_KIND,
        })
    }

    /// Whether the DaemonSet controls the pod: its controller reference names the
    /// DaemonSet by namespace, `kind: DaemonSet`, name and uid, as upstream's
    /// `FilterPodsByOwner` looks pods up (v1.35). A reference that differs in kind
    /// or name is another owner's, whatever its uid; a DaemonSet without a uid
    /// (a hand-written object) controls no pod.
    pub fn controls(&self, set: &crate::engine::DaemonSet, pod: &Pod) -> bool {
        !set.uid.is_empty()
            && pod.controller_uid == Some(set.uid)
            && pod.namespace == set.namespace
            && pod.controller_name == set.name
            && pod.controller_is_daemon_set
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{LabelInput, RequirementInput};

    type E = crate::TinyEngine;

    const NODE: &str = "ip-10-0-1-23.us-west-2.compute.internal";

    fn pinned(
        field: &'static str,
        op: &'static str,
        values: &'static [&'static str],
    ) -> PodInput<'static> {
        let r: &'static [RequirementInput<'static>] =
            std::boxed::Box::leak(std::boxed::Box::new([RequirementInput {
                key: field,
                operator: op,
                values,
            }]));
        let t: &'static [NodeSelectorTermInput<'static>] =
            std::boxed::Box::leak(std::boxed::Box::new([NodeSelectorTermInput {
                match_expressions: &[],
                match_fields: r,
            }]));
        PodInput {
            name: "fluentd-elasticsearch-9qz4m",
            namespace: "kube-system",
            required_node_affinity: Some(t),
            phase: "Pending",
            ..Default::default()
        }
    }

    extern crate std;

    #[test]
    fn target_node_as_get_target_node_name() {
        let cases: &[(&str, PodInput<'static>, Option<&str>)] = &[
            (
                "nodeName wins",
                PodInput {
                    node_name: NODE,
                    ..pinned("metadata.name", "In", &["other"])
                },
                Some(NODE),
            ),
            (
                "pinned by matchFields",
                pinned("metadata.name", "In", &[NODE]),
                Some(NODE),
            ),
            (
                "NotIn does not pin",
                pinned("metadata.name", "NotIn", &[NODE]),
                None,
            ),
            (
                "two values do not pin",
                pinned("metadata.name", "In", &[NODE, "b"]),
                None,
            ),
            ("other field", pinned("metadata.uid", "In", &[NODE]), None),
            (
                "no affinity",
                PodInput {
                    name: "x",
                    ..Default::default()
                },
                None,
            ),
        ];
        for (what, input, want) in cases {
            let mut e = E::new();
            let id = e.add_pod(input).unwrap();
            let p = *e.pod(id).unwrap();
            assert_eq!(p.target_node.map(|s| e.text(s)), *want, "{what}");
        }
    }

    #[test]
    fn revision_labels_and_readiness_are_read() {
        let mut e = E::new();
        let labels = [
            LabelInput {
                key: "name",
                value: "fluentd-elasticsearch",
            },
            LabelInput {
                key: REVISION_HASH_LABEL,
                value: "6d8f7c9b5",
            },
            LabelInput {
                key: TEMPLATE_GENERATION_LABEL,
                value: "3",
            },
        ];
        let id = e
            .add_pod(&PodInput {
                name: "fluentd-elasticsearch-x7k2p",
                namespace: "kube-system",
                labels: &labels,
                node_name: NODE,
                phase: "Running",
                ready: Some(crate::input::PodConditionInput {
                    status: "True",
                    last_transition_time: Some(Timestamp(100)),
                }),
                ..Default::default()
            })
            .unwrap();
        let p = *e.pod(id).unwrap();
        assert_eq!(e.text(p.revision_hash), "6d8f7c9b5");
        assert_eq!(e.text(p.template_generation), "3");
        assert!(p.ready && p.phase == PodPhase::Running);
        assert!(p.is_available(0, Timestamp(0)));
        // Upstream's `IsPodAvailable` (v1.34+): `lastTransitionTime +
        // minReadySeconds <= now`, so available at 110 exactly, not a second before.
        assert!(!p.is_available(10, Timestamp(109)));
        assert!(p.is_available(10, Timestamp(110)));
        assert_eq!(e.pod_labels(&p).len(), 3);
    }

    #[test]
    fn update_and_remove_keep_other_pods_labels() {
        let mut e = E::new();
        let a_labels = [LabelInput {
            key: "app",
            value: "a",
        }];
        let b_labels = [LabelInput {
            key: "app",
            value: "b",
        }];
        let a = e
            .add_pod(&PodInput {
                name: "a",
                namespace: "ns",
                labels: &a_labels,
                ..Default::default()
            })
            .unwrap();
        let b = e
            .add_pod(&PodInput {
                name: "b",
                namespace: "ns",
                labels: &b_labels,
                ..Default::default()
            })
            .unwrap();
        let two = [
            LabelInput {
                key: "app",
                value: "a2",
            },
            LabelInput {
                key: "x",
                value: "y",
            },
        ];
        e.update_pod(
            a,
            &PodInput {
                name: "a",
                namespace: "ns",
                labels: &two,
                ..Default::default()
            },
        )
        .unwrap();
        let pb = *e.pod(b).unwrap();
        assert_eq!(e.text(e.pod_labels(&pb)[0].value), "b");
        e.remove_pod(b).unwrap();
        let pa = *e.pod(a).unwrap();
        assert_eq!(e.pod_labels(&pa).len(), 2);
        assert_eq!(e.labels.len(), 2);
        assert_eq!(
            e.add_pod(&PodInput {
                name: "a",
                namespace: "ns",
                ..Default::default()
            }),
            Err(Error::Duplicate(Table::Pods))
        );
        assert_eq!(e.remove_pod(b), Err(Error::NotFound(Table::Pods)));
    }
}
